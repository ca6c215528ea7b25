"""What differs on the offices' Windows PCs, tried here as far as Linux allows: output streams in
legacy code pages (a scheduled task's log, a pipe, an old console), worker processes started with
spawn, an output that Excel holds open, Vietnamese and long paths, names that differ only in
case, and the Task Scheduler recipe in jobs/."""

from __future__ import annotations

import csv
import errno
import hashlib
import os
import re
import subprocess
import sys
import time
import unicodedata
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from support.samples import SampleSpec, write_sample

import ntm_excel.atomic
from ntm_excel import errors
from ntm_excel.atomic import atomic_path
from ntm_excel.cli import common, main
from ntm_excel.cli.console import nearest
from ntm_excel.config import BUNDLED, load_config
from ntm_excel.errors import OutputLockedError
from ntm_excel.issues import Issue, Severity
from ntm_excel.jobs.scheduler import job_outputs
from ntm_excel.jobs.table import JOBS, Period
from ntm_excel.model import Consolidation, Submission, Unit, UnitReport
from ntm_excel.write.feedback import shared_names, write_all_feedback

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "workbooks" / "mau_nop"
LEGACY = ("cp1252", "cp437", "cp1258")  # Western and Vietnamese Windows, the old DOS console
# Where an office keeps its work: Vietnamese letters and spaces in every folder.
OFFICE = Path("Tài liệu", "Nông thôn mới", "Đợt 1 - tháng 3 năm 2021")


def ntm(*args: str, encoding: str = "utf-8", cwd: Path = ROOT, **kwargs):
    """`ntm-excel ARGS` in a fresh process whose standard streams use `encoding`."""
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    env.pop("NTM_STATE_DIR", None)
    kwargs.setdefault("capture_output", True)
    return subprocess.run(
        [sys.executable, "-m", "ntm_excel", *args], env=env, cwd=cwd, timeout=300, **kwargs
    )


# --- output streams -----------------------------------------------------------------------

COMMANDS = {"help": ["--help"], "tasks": ["tasks", "--as-of", "2021-03-25"]}


@pytest.fixture(scope="module")
def utf8_output() -> dict[str, bytes]:
    return {name: ntm(*args).stdout for name, args in COMMANDS.items()}


@pytest.mark.parametrize("encoding", LEGACY)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_pipe_gets_utf8_whatever_the_code_page(command, encoding, utf8_output):
    done = ntm(*COMMANDS[command], encoding=encoding)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert done.stderr == b""
    assert done.stdout == utf8_output[command]
    assert "Tùy chọn" in done.stdout.decode("utf-8") or "Quá hạn" in done.stdout.decode("utf-8")


def test_errors_reach_a_legacy_stderr_as_utf8(tmp_path):
    missing = tmp_path / OFFICE / "mau nop"
    done = ntm("consolidate", str(missing), "-o", str(tmp_path / "th.xlsx"), encoding="cp1252")
    assert done.returncode == 2
    assert done.stderr.decode("utf-8") == f"Lỗi: không tìm thấy tệp hoặc thư mục «{missing}».\n"
    done = ntm("consolidate", encoding="cp437")  # argparse's own error, in Vietnamese
    assert done.returncode == 2
    assert "Lỗi: thiếu tham số bắt buộc: ĐƯỜNG_DẪN" in done.stderr.decode("utf-8")


def office_config(folder: Path) -> Path:
    """The bundled data with every output under `folder` (TOML literal strings, as a Windows
    path must be written)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "inbox").mkdir(exist_ok=True)
    workbooks = BUNDLED
    text = f"""
[data]
catalog = '{workbooks / "bo_tieu_chi.csv"}'
registry = '{workbooks / "don_vi.xlsx"}'
plan = '{workbooks / "ke_hoach_2021.xlsx"}'
contacts = '{workbooks / "danh_ba.xlsx"}'
reporting_deadline = 2021-03-15
[output]
master = '{folder / "out" / "tong_hop.xlsx"}'
state_dir = '{folder / "var"}'
[mail]
outbox = '{folder / "out" / "outbox"}'
[schedule]
inbox = '{folder / "inbox"}'
"""
    path = folder / "cấu hình.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_scheduled_tasks_log_file_is_utf8(tmp_path):
    """What Task Scheduler's `… >> jobs.log 2>&1` gets: one file for both streams, appended."""
    config = office_config(tmp_path / OFFICE)
    log = tmp_path / OFFICE / "var" / "log" / "jobs.log"
    log.parent.mkdir(parents=True)
    job = ["jobs", "once", "daily-digest", "--as-of", "2021-03-25", "--config", str(config)]
    for _ in range(2):
        with log.open("ab") as out:
            done = ntm(*job, encoding="cp1258", stdout=out, stderr=subprocess.STDOUT,
                       capture_output=False)  # fmt: skip
        assert done.returncode == 0
    first, second = log.read_bytes().decode("utf-8").split("daily-digest (2021-03-25): ")[1:]
    sent = int(re.match(r"đã gửi (\d+) thư", first)[1])
    assert sent > 0 and second.startswith(f"đã gửi 0 thư, {sent} thư đã gửi trước đó")
    assert "Chưa cấu hình máy chủ thư: thư được ghi dạng .eml vào" in first


@pytest.mark.skipif(os.name == "nt", reason="stopped with SIGTERM")
def test_the_schedulers_log_is_utf8(tmp_path):
    """`jobs run` logs through the logging module to standard error: the same stream, UTF-8."""
    config = office_config(tmp_path / OFFICE)
    log = tmp_path / "jobs.log"
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    command = [sys.executable, "-m", "ntm_excel", "jobs", "run", "--config", str(config)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                   cwd=tmp_path)  # fmt: skip
        try:
            for _ in range(600):  # until the scheduler has started and caught up
                if "Bộ lập lịch bắt đầu" in log.read_bytes().decode("utf-8", "replace"):
                    break
                time.sleep(0.1)
        finally:
            process.terminate()  # SIGTERM: finish the job in hand, then stop
            assert process.wait(timeout=120) == 0
    text = log.read_bytes().decode("utf-8")
    assert "INFO Bộ lập lịch bắt đầu (múi giờ Asia/Ho_Chi_Minh)" in text
    assert "INFO Bộ lập lịch dừng" in text and "Traceback" not in text


def terminal(*args: str, encoding: str, cwd: Path = ROOT) -> tuple[int, str]:
    """`ntm-excel ARGS` on a terminal (a pseudo-terminal) that decodes with `encoding`."""
    pty = pytest.importorskip("pty")
    import fcntl
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))  # rows, cols
    env = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "100"}
    process = subprocess.Popen(
        [sys.executable, "-m", "ntm_excel", *args], stdout=follower, stderr=follower, env=env,
        cwd=cwd,
    )  # fmt: skip
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 1 << 16)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return process.wait(timeout=300), shown.decode(encoding).replace("\r\n", "\n")


def test_a_vietnamese_console_shows_every_letter():
    """cp1258 writes a letter and its tone mark apart; the text reads exactly the same."""
    code, shown = terminal("--help", encoding="cp1258")
    assert code == 0
    utf8 = subprocess.run(
        [sys.executable, "-m", "ntm_excel", "--help"], capture_output=True, cwd=ROOT,
        env={**os.environ, "COLUMNS": "100", "PYTHONIOENCODING": "utf-8"},
    ).stdout.decode("utf-8")  # fmt: skip
    assert unicodedata.normalize("NFC", shown) == utf8
    assert shown != utf8  # it was indeed written apart (decomposed)


def test_a_western_console_shows_the_letters_it_has():
    code, shown = terminal("--help", encoding="cp437")
    assert code == 0 and "Traceback" not in shown
    assert "Cách dùng: ntm-excel" in shown  # á, ù are in cp437
    assert "Doc, kiêm tra và tông hop" in shown  # Đọc, kiểm tra và tổng hợp
    assert "?" not in shown.split("Tùy chon:")[0]


def test_the_progress_bar_and_summary_on_a_legacy_console(tmp_path):
    out = tmp_path / OFFICE
    code, shown = terminal(
        "consolidate", str(SAMPLES), "--as-of", "2021-03-25", "-o", str(out / "tong_hop.xlsx"),
        "--csv-dir", str(out / "csv"), "--no-feedback", encoding="cp1252",
    )  # fmt: skip
    assert code == 0, shown
    assert "Doc biêu" in shown  # tqdm's bar: «Đọc biểu»
    assert "Don vi dã nôp: 20/21" in shown  # Đơn vị đã nộp
    assert (out / "tong_hop.xlsx").is_file()


VIETNAMESE = [
    unicodedata.normalize("NFC", base + tone)
    for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
] + ["đ", "Đ"]


def test_nearest_writes_every_vietnamese_letter_in_cp1258_and_folds_elsewhere():
    for letter in VIETNAMESE:
        written = nearest(letter, "cp1258")
        assert unicodedata.normalize("NFC", written.encode("cp1258").decode("cp1258")) == letter
        for encoding in ("cp1252", "cp437", "ascii"):
            shown = nearest(letter, encoding)
            shown.encode(encoding)  # never fails
            base = unicodedata.normalize("NFD", letter.replace("đ", "d").replace("Đ", "D"))[0]
            assert unicodedata.normalize("NFD", shown)[0] == base, (letter, encoding, shown)
    assert nearest("ậ", "cp1258") == "â\u0323"
    assert nearest("ậ", "cp1252") == "â"
    assert [nearest(c, "cp437") for c in "—…«≥"] == ["-", "...", "«", "≥"]
    assert [nearest(c, "cp1252") for c in "—…«≥"] == ["—", "…", "«", ">="]
    assert nearest("«", "ascii") == '"' and nearest("中", "cp1252") == "?"


# --- worker processes started with spawn ------------------------------------------------------

SPAWN_SCRIPT = """
import multiprocessing, os, pathlib, sys
# Top-level code runs again in every spawned worker (never in a forked one): count them.
pathlib.Path(os.environ["MARKS"], str(os.getpid())).touch()
if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    from ntm_excel.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def csv_tables(folder: Path) -> dict[str, list[list[str]]]:
    return {
        p.name: list(csv.reader(p.open(encoding="utf-8", newline="")))
        for p in sorted(folder.glob("*.csv"))
    }


def test_consolidation_with_two_spawned_workers_matches_serial_reading(tmp_path):
    """Windows starts worker processes with spawn: each re-imports the main script and gets its
    settings by pickling. The result must be the one of reading file by file."""
    script, marks = tmp_path / "chay thu.py", tmp_path / "marks"
    script.write_text(SPAWN_SCRIPT, encoding="utf-8")
    marks.mkdir()
    common_args = ["consolidate", str(SAMPLES), "--as-of", "2021-03-25"]
    spawned, serial = tmp_path / OFFICE / "spawn", tmp_path / "serial"
    done = subprocess.run(
        [sys.executable, str(script), *common_args, "-o", str(spawned / "tong_hop.xlsx"),
         "--csv-dir", str(spawned / "csv"), "--workers", "2"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env={**os.environ, "MARKS": str(marks)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(list(marks.iterdir())) >= 3, "the main process and two spawned workers"
    assert main([*common_args, "-o", str(serial / "tong_hop.xlsx"), "--csv-dir",
                 str(serial / "csv"), "--workers", "1"]) == 0  # fmt: skip
    assert csv_tables(spawned / "csv") == csv_tables(serial / "csv")
    assert sorted(p.name for p in (spawned / "gop_y").iterdir()) == sorted(
        p.name for p in (serial / "gop_y").iterdir()
    )
    issues = (spawned / "csv" / "issues.csv").read_text(encoding="utf-8")
    assert "bị dừng đột ngột" not in issues and "không khởi động được tiến trình" not in issues


# --- an output open in Excel ------------------------------------------------------------------


def windows_replace(locked: Path):
    """os.replace as Windows behaves while Excel holds `locked` open: PermissionError
    (WinError 5 or 32, errno EACCES) for that target, the real rename for any other."""
    real = os.replace

    def replace(source, target):
        if Path(target) == locked:
            raise PermissionError(errno.EACCES, "Access is denied", str(source), None, str(target))
        return real(source, target)

    return replace


def test_a_master_open_in_excel_keeps_its_old_content(tmp_path, monkeypatch):
    master = tmp_path / OFFICE / "tong_hop.xlsx"
    master.parent.mkdir(parents=True)
    master.write_bytes(b"last good master")
    monkeypatch.setattr(ntm_excel.atomic.os, "replace", windows_replace(master))
    with pytest.raises(OutputLockedError) as raised, atomic_path(master) as tmp:
        tmp.write_bytes(b"new master")
    assert str(raised.value) == (
        f"Không thay được tệp {master}: tệp đang mở ở nơi khác (Excel, ổ mạng dùng chung) hoặc "
        "không có quyền ghi. Hãy đóng tệp rồi chạy lại; bản cũ vẫn còn nguyên."
    )
    assert master.read_bytes() == b"last good master"
    assert [p.name for p in master.parent.iterdir()] == ["tong_hop.xlsx"]  # no temporary left


def test_consolidate_and_collect_report_a_locked_master_plainly(tmp_path, monkeypatch, capsys):
    config = office_config(tmp_path / OFFICE)
    master = tmp_path / OFFICE / "out" / "tong_hop.xlsx"
    args = ["--config", str(config), "--as-of", "2021-03-25"]
    assert main(["consolidate", str(SAMPLES), *args]) == 0
    before = hashlib.sha256(master.read_bytes()).hexdigest()
    capsys.readouterr()
    monkeypatch.setattr(ntm_excel.atomic.os, "replace", windows_replace(master))
    assert main(["consolidate", str(SAMPLES), *args]) == 2
    err = capsys.readouterr().err
    assert f"Không thay được tệp {master}: tệp đang mở ở nơi khác (Excel" in err
    assert "Traceback" not in err and "Errno" not in err
    # The jobs write their own master (in the state folder), never the office's.
    samples = sorted(SAMPLES.iterdir())
    for sample in samples[:3]:
        (tmp_path / OFFICE / "inbox" / sample.name).write_bytes(sample.read_bytes())
    monkeypatch.undo()
    assert main(["jobs", "once", "collect", "--config", str(config)]) == 0
    jobs_master = job_outputs(load_config(config)) / "tong_hop.xlsx"
    made = hashlib.sha256(jobs_master.read_bytes()).hexdigest()
    (tmp_path / OFFICE / "inbox" / samples[3].name).write_bytes(samples[3].read_bytes())
    monkeypatch.setattr(ntm_excel.atomic.os, "replace", windows_replace(jobs_master))
    capsys.readouterr()
    assert main(["jobs", "once", "collect", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert f"LỖI — Không thay được tệp {jobs_master}: tệp đang mở ở nơi khác" in out
    assert hashlib.sha256(jobs_master.read_bytes()).hexdigest() == made
    assert hashlib.sha256(master.read_bytes()).hexdigest() == before


# --- paths ----------------------------------------------------------------------------------


def test_vietnamese_folders_with_spaces_beyond_windows_260_characters(tmp_path):
    """Windows allows paths past 260 characters only once long paths are enabled; the program
    itself must not shorten, mangle or trip over them."""
    sent = "Biểu tự đánh giá của các xã gửi về Văn phòng điều phối"
    deep = tmp_path / OFFICE / sent / "Hồ sơ xét công nhận xã đạt chuẩn năm 2021 - bản chính thức"
    inbox, out = deep / "Biểu nộp", deep / "Kết quả tổng hợp"
    inbox.mkdir(parents=True)
    write_sample(inbox / "Biểu tự đánh giá - Xã Cẩm Thành.xlsx", SampleSpec())
    write_sample(
        inbox / "Biểu tự đánh giá - Xã Yên Hòa.xlsx",
        SampleSpec(unit_code="18679", unit_name="Xã Yên Hòa", contradictions=("4.2",)),
    )
    master = out / "Tổng hợp NTM 25-3-2021.xlsx"
    assert len(str(out / "gop_y" / "Góp ý - Xã Yên Hòa.xlsx")) > 260
    args = ["consolidate", str(inbox), "--as-of", "2021-03-25", "-o", str(master)]
    assert main([*args, "--csv-dir", str(out / "csv")]) == 0
    units = csv_tables(out / "csv")["units.csv"]
    assert {"Xã Yên Hòa", "Xã Cẩm Thành"} < {row[1] for row in units if row[2] == "yes"}
    assert openpyxl.load_workbook(master).sheetnames[0]
    assert [p.name for p in (out / "gop_y").glob("*.xlsx")] == ["Góp ý - Xã Yên Hòa.xlsx"]


def test_a_path_too_long_for_windows_is_said_so(monkeypatch):
    long = "C:\\Users\\VPDP\\Tài liệu\\" + "Nông thôn mới\\" * 20 + "tong_hop.xlsx"
    error = FileNotFoundError(errno.ENOENT, "The system cannot find the path specified", long)
    monkeypatch.setattr(errors, "ON_WINDOWS", True)
    assert common.error_text(error).startswith(
        f"đường dẫn dài {len(os.path.abspath(long))} ký tự, quá 260 ký tự mà Windows cho phép"
    )
    monkeypatch.setattr(errors, "ON_WINDOWS", False)
    assert common.error_text(error) == f"không tìm thấy ({long})"


def submitted(folder: Path, unit: Unit, name: str) -> UnitReport:
    folder.mkdir(exist_ok=True)
    path = write_sample(folder / name, SampleSpec(unit_code=unit.code, unit_name=unit.name))
    data = path.read_bytes()
    return UnitReport(unit, Submission(
        path=str(path), file_name=path.name, sha256=hashlib.sha256(data).hexdigest(),
        size=len(data), modified=datetime.fromtimestamp(path.stat().st_mtime),
        unit_code=unit.code, unit_text=unit.name, sheet="Biểu tự đánh giá",
    ))  # fmt: skip


def test_feedback_names_never_differ_only_in_case(tmp_path):
    """Two units whose names a Windows disk cannot tell apart each get their own feedback: the
    code is added to both names."""
    place = ("Huyện Cẩm Xuyên", "Hà Tĩnh", "Bắc Trung Bộ")
    cam_binh = Unit("18685", "Xã Cẩm Bình", "xã", *place)
    shouted = Unit("99001", "XÃ CẨM BÌNH", "xã", *place)  # a registry row typed in capitals
    cam_thanh = Unit("18694", "Xã Cẩm Thành", "xã", *place)
    assert shared_names([cam_binh, shouted, cam_thanh]) == {"xã cẩm bình"}
    out = tmp_path / "gop_y"
    out.mkdir()
    (out / "Góp ý - Xã Cẩm Bình.xlsx").write_bytes(b"from before the second unit")
    reports = [
        submitted(tmp_path / "dot1", cam_binh, "Xa_Cam_Binh.xlsx"),
        submitted(tmp_path / "dot2", shouted, "xa_cam_binh.xlsx"),
        submitted(tmp_path / "dot1", cam_thanh, "cam_thanh.xlsx"),
    ]
    issues = [
        Issue("value-invalid", Severity.ERROR, "Chỉ tiêu 4.2: sai", r.unit.code,
              r.submission.file_name, "Biểu tự đánh giá", "E12")
        for r in reports
    ]  # fmt: skip
    consolidation = Consolidation(date(2021, 3, 25), "xa_2016_2020", reports, [], issues)
    written = write_all_feedback(consolidation, out)
    assert sorted(p.name for p in written) == [
        "Góp ý - XÃ CẨM BÌNH (99001).xlsx",
        "Góp ý - Xã Cẩm Bình (18685).xlsx",
        "Góp ý - Xã Cẩm Thành.xlsx",
    ]
    assert len({p.name.casefold() for p in out.glob("*.xlsx")}) == len(written) == 3
    for report in reports:
        path = next(p for p in written if report.unit.name in p.name)
        assert openpyxl.load_workbook(path)["Góp ý"]["A1"].value.endswith(report.unit.name.upper())


# --- the Task Scheduler recipe ----------------------------------------------------------------

JOBS_DIR = ROOT / "jobs"


def cron_jobs() -> dict[tuple[str, ...], str]:
    """(job and options) → cron schedule, from jobs/crontab.txt."""
    found = {}
    for line in (JOBS_DIR / "crontab.txt").read_text(encoding="utf-8").splitlines():
        if match := re.match(r"(\S+ \S+ \S+ \S+ \S+)\s.*ntm-excel jobs once ([^>]+?)\s*>>", line):
            found[tuple(match[2].split())] = match[1]
    return found


def task_scheduler_jobs() -> dict[tuple[str, ...], str]:
    """(job and options) → schtasks schedule options, from jobs/schtasks.cmd."""
    found = {}
    text = (JOBS_DIR / "schtasks.cmd").read_text(encoding="utf-8")
    for line in text.splitlines():
        if match := re.match(r'schtasks /Create /F /TN "NTM\\(\S+)" (.*) /TR "\\"%JOB%\\" (.*)"$',
                             line):  # fmt: skip
            assert match[3].split()[0] == match[1]
            found[tuple(match[3].split())] = match[2]
    return found


def test_task_scheduler_runs_what_cron_runs_at_the_configured_times():
    tasks = task_scheduler_jobs()
    assert set(tasks) == set(cron_jobs())
    for job in JOBS:
        if job.period is Period.MINUTES:
            assert tasks[(job.name,)] == f"/SC MINUTE /MO {job.default}"
        else:  # every day from its time, again every 15 minutes until 17:30: a late PC catches up
            schedule = tasks[(job.name, "--if-due")]
            start = job.at({})
            assert schedule.startswith(f"/SC DAILY /ST {start} /RI 15 /DU ")
            hours, minutes = map(int, schedule.rsplit(" ", 1)[1].split(":"))
            end = int(start[:2]) * 60 + int(start[3:]) + hours * 60 + minutes
            assert end == 17 * 60 + 30
    assert tasks[("retry",)] == "/SC MINUTE /MO 15"


def test_cron_starts_each_job_at_its_time_in_the_jobs_table():
    """`--if-due` waits for the job's time of day: cron calls each dated job daily at that
    time (the weekly and monthly jobs too: --if-due keeps them to their day), the others
    every N minutes."""
    cron = cron_jobs()
    assert set(cron) == {(j.name, "--if-due") if j.dated else (j.name,) for j in JOBS} | {
        ("retry",)
    }
    for job in JOBS:
        if job.period is Period.MINUTES:
            assert cron[(job.name,)] == f"*/{job.default} * * * *"
        else:
            hour, minute = map(int, job.at({}).split(":"))
            assert cron[(job.name, "--if-due")] == f"{minute} {hour} * * *"
    assert cron[("retry",)] == "*/15 * * * *"


def test_the_batch_files_are_what_cmd_exe_reads():
    """CRLF line ends, no byte-order mark, commands in ASCII (cmd.exe reads a batch file in the
    console's code page; only `rem` lines carry Vietnamese)."""
    wrapper = (JOBS_DIR / "ntm-excel-job.cmd").read_bytes()
    for data in (wrapper, (JOBS_DIR / "schtasks.cmd").read_bytes()):
        assert not data.startswith(b"\xef\xbb\xbf")
        assert data.count(b"\n") == data.count(b"\r\n")
        for line in data.decode("utf-8").splitlines():
            assert line.isascii() or line.startswith("rem "), line
    text = wrapper.decode("utf-8")
    assert 'cd /d "%~dp0.."' in text  # the working folder: where .venv and out\ are
    assert '".venv\\Scripts\\ntm-excel.exe" jobs once %* >> "%NTM_LOG%" 2>&1' in text
    assert "exit /b %ERRORLEVEL%" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["template", "-o", "x.xlsx"], "Lỗi: cần một trong các tham số --unit --all"),
        (
            ["consolidate", "--no", "x"],
            "Lỗi: tham số không nhận ra: --no — có phải «--no-feedback» hay «--no-history»?",
        ),
        (["validate", "x", "--workers", "ba"], "tham số --workers: cần một số nguyên từ 1 đến 64"),
        (
            ["jobs", "once", "daily-digest", "--if-due", "--as-of", "2021-03-25"],
            "tham số --as-of: không dùng cùng với --if-due",
        ),
        (["jobs", "once", "--if-due=1", "collect"], "tham số --if-due: tham số này không nhận"),
    ],
)
def test_argparse_errors_are_in_vietnamese(capsys, args, message):
    """What argparse itself says about a mistyped command line, with no English left in it."""
    from ntm_excel.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(args)
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and message in err, err
    assert not re.search(r"\b(invalid|allowed|required|ambiguous|ignored|expected)\b", err)
