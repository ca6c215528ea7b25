"""The scheduled job definitions as an office installs them: the cron lines run by a shell
on a server without a mail password file, and the Task Scheduler recipe's removal step."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_windows import JOBS_DIR, cron_jobs, task_scheduler_jobs

ROOT = Path(__file__).resolve().parents[1]


def _cron_line(job: str) -> str:
    """The command cron runs for `job` (its schedule cut off)."""
    for line in (JOBS_DIR / "crontab.txt").read_text(encoding="utf-8").splitlines():
        if f"ntm-excel jobs once {job} " in line:
            return re.sub(r"^(\S+\s+){5}", "", line)
    raise AssertionError(job)


@pytest.mark.skipif(shutil.which("sh") is None, reason="cron runs its lines with /bin/sh")
@pytest.mark.parametrize("password_file", [False, True])
def test_a_cron_line_runs_without_a_mail_password_file(tmp_path, password_file):
    """An office without an SMTP server has no /etc/ntm-excel/smtp.env: «. smtp.env» stopped
    every cron line before ntm-excel ran, and nothing was logged."""
    install = tmp_path / "ntm-excel"
    (install / ".venv" / "bin").mkdir(parents=True)
    (install / ".venv" / "bin" / "ntm-excel").symlink_to(
        Path(sys.executable).with_name("ntm-excel")
    )
    env_file, log = tmp_path / "smtp.env", tmp_path / "log" / "jobs.log"
    log.parent.mkdir()
    if password_file:
        env_file.write_text("NTM_SMTP_PASSWORD=mật-khẩu\n", encoding="utf-8")
    command = (
        _cron_line("retry")
        .replace("/opt/ntm-excel", str(install))
        .replace("/etc/ntm-excel/smtp.env", str(env_file))
        .replace("/var/log/ntm-excel/jobs.log", str(log))
    )
    env = {
        "PATH": os.environ["PATH"],
        "NTM_STATE_DIR": str(tmp_path / "var"),
        "HOME": str(tmp_path),
    }
    done = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert "retry" in log.read_text(encoding="utf-8")


def test_the_removal_step_names_every_task_the_recipe_registers():
    """«và tương tự cho bốn việc còn lại» when there are five more."""
    readme = (JOBS_DIR / "README.md").read_text(encoding="utf-8")
    loop = re.search(r"`for %T in \(([^)]*)\) do schtasks /Delete /TN \"NTM\\%T\" /F`", readme)
    assert loop is not None
    assert set(loop[1].split()) == {job[0] for job in task_scheduler_jobs()}
    assert {job[0] for job in task_scheduler_jobs()} == {job[0] for job in cron_jobs()}


def test_the_task_wrapper_stops_with_code_2_before_running_a_missing_install():
    """Without .venv in the install folder cmd.exe says «is not recognized» (in the console's
    language) and Task Scheduler shows 0x2331: the wrapper logs one line and exits 2."""
    lines = (JOBS_DIR / "ntm-excel-job.cmd").read_text(encoding="utf-8").splitlines()
    guard = lines.index('if exist ".venv\\Scripts\\ntm-excel.exe" goto run')
    assert lines[guard + 1].startswith("echo Loi: khong thay .venv\\Scripts\\ntm-excel.exe")
    assert lines[guard + 1].endswith('>> "%NTM_LOG%"')
    assert lines[guard + 2 : guard + 4] == ["exit /b 2", ":run"]
    assert lines[guard + 4].startswith('".venv\\Scripts\\ntm-excel.exe" jobs once %*')
