"""The `ntm-excel` program (`python -m ntm_excel`) ends without the interpreter's clean-up
(`cli.program`): what it prints, its exit status, its files and its store are those of a
command that ended the usual way."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl

from ntm_excel.config import BUNDLED


def _program(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ntm_excel", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"NTM_STATE_DIR": str(cwd / "var"), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )


def test_a_consolidation_run_as_the_program_prints_writes_and_records_everything(tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(BUNDLED / "mau_nop", inbox)
    master = tmp_path / "out" / "tong_hop.xlsx"
    arguments = ["consolidate", str(inbox), "--config", str(BUNDLED / "cau_hinh.toml")]
    done = _program(*arguments, "--as-of", "2021-03-15", "-o", str(master), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Tổng hợp ngày 15/03/2021 — bộ tiêu chí xa_2016_2020"
    assert f"  Bảng tổng hợp: {master}" in lines  # the output flushed to its last line
    assert lines[-1].startswith("  Góp ý cho xã: ")
    book = openpyxl.load_workbook(master, read_only=True)
    assert {"Tổng hợp", "Ma trận tiêu chí", "Lịch sử nộp"} <= set(book.sheetnames)
    book.close()
    store = tmp_path / "var" / "ntm-excel.sqlite3"
    assert not store.with_name(store.name + "-wal").exists()  # closed, the log folded in
    with sqlite3.connect(store) as db:
        finished = db.execute("SELECT finished, outputs FROM consolidations").fetchall()
    assert len(finished) == 1 and finished[0][0] and str(master) in finished[0][1]


def test_a_failing_command_run_as_the_program_says_why_and_exits_with_its_status(tmp_path):
    done = _program("validate", str(tmp_path / "khong_co"), cwd=tmp_path)
    assert done.returncode == 2
    assert f"không tìm thấy tệp hoặc thư mục «{tmp_path / 'khong_co'}»" in done.stderr
