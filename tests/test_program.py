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


def _program(*args: str, cwd: Path, python: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """`python [PYTHON OPTIONS] -m ntm_excel ARGS`."""
    return subprocess.run(
        [sys.executable, *python, "-m", "ntm_excel", *args],
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


def test_the_program_leaves_numpy_out_and_still_writes_every_workbook(tmp_path):
    """openpyxl, loaded by the program without numpy (`cli.openpyxl_without_numpy`), reads
    the plan and the contacts and makes the feedback workbooks as before; numpy, which
    openpyxl would import for nothing, is never imported."""
    inbox = tmp_path / "inbox"
    shutil.copytree(BUNDLED / "mau_nop", inbox)
    out = tmp_path / "out"
    arguments = ["consolidate", str(inbox), "--config", str(BUNDLED / "cau_hinh.toml")]
    arguments += ["--as-of", "2021-03-15", "-o", str(out / "tong_hop.xlsx")]
    done = _program(*arguments, cwd=tmp_path, python=("-X", "importtime"))
    assert done.returncode == 0, done.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
    assert "openpyxl" in imported and "ntm_excel.reference.plan" in imported
    assert not [name for name in imported if name.startswith("numpy.")]  # tried, not loaded
    assert "Nhiệm vụ: " in done.stdout  # the plan's tasks, read by openpyxl
    feedback = sorted((out / "gop_y").glob("*.xlsx"))
    assert feedback
    for path in feedback:
        book = openpyxl.load_workbook(path, read_only=True)
        assert "Góp ý" in book.sheetnames
        book.close()


def test_a_failing_command_run_as_the_program_says_why_and_exits_with_its_status(tmp_path):
    done = _program("validate", str(tmp_path / "khong_co"), cwd=tmp_path)
    assert done.returncode == 2
    assert f"không tìm thấy tệp hoặc thư mục «{tmp_path / 'khong_co'}»" in done.stderr
