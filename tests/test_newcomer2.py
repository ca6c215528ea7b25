"""What a newcomer to the tool met following the README: the scheduled refresh, and the
mistakes a clerk makes on the command line."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from test_scheduler import write_config

from ntm_excel.cli import main
from ntm_excel.config import load_config
from ntm_excel.jobs.ledger import DB_NAME, Ledger
from ntm_excel.jobs.scheduler import inbox_refresh
from ntm_excel.store import create_in_place

SAMPLES = Path(__file__).resolve().parents[1] / "workbooks" / "mau_nop"


def counts(state: Path) -> tuple[int, int]:
    """Consolidations and receipts recorded in the state store."""
    with sqlite3.connect(state / DB_NAME) as db:
        runs = db.execute("SELECT COUNT(*) FROM consolidations").fetchone()[0]
        receipts = db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0]
    return runs, receipts


def test_scheduled_refresh_with_nothing_readable_records_no_run(tmp_path, monkeypatch):
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    config = load_config(write_config(tmp_path))
    Ledger(config.state_dir).close()  # the scheduler's store exists before its first refresh
    inbox = tmp_path / "inbox"
    book = openpyxl.Workbook()
    book.active["A1"] = "Danh sách cán bộ tập huấn"  # a spreadsheet, not a criteria form
    book.save(inbox / "danh_sach.xlsx")
    refresh = inbox_refresh(config)
    snapshot = refresh([inbox / "danh_sach.xlsx"], date(2021, 3, 25))
    assert snapshot.notes[0].endswith("không ghi lượt này vào lịch sử nộp")
    assert counts(Path(config.state_dir)) == (0, 0)
    # Once a commune's workbook is there, the run and its receipts are recorded.
    shutil.copy(SAMPLES / "18730_xa_cam_loc.xlsx", inbox)
    files = sorted(inbox.glob("*.xlsx"))
    snapshot = refresh(files, date(2021, 3, 25))
    assert snapshot.master is not None and snapshot.master.exists()
    assert counts(Path(config.state_dir)) == (1, 2)


def refusal(capsys, *argv: str) -> str:
    """What the command line says refusing `argv` (exit code 2)."""
    with pytest.raises(SystemExit) as stopped:
        main(list(argv))
    assert stopped.value.code == 2
    return capsys.readouterr().err


def test_a_mistyped_command_or_choice_names_the_nearest(capsys):
    error = refusal(capsys, "consolidat", "workbooks/mau_nop")
    assert "'consolidat'" in error and "— có phải «consolidate»?" in error
    error = refusal(capsys, "jobs", "once", "daily-digets")
    assert "— có phải «daily-digest»?" in error
    assert "có phải" not in refusal(capsys, "tong-hop")  # nothing near: no guess


def test_a_mistyped_option_names_the_nearest_and_its_command(capsys, tmp_path):
    argv = ["consolidate", "workbooks/mau_nop", "--as-off", "2021-03-25"]
    error = refusal(capsys, *argv, "--state-dir", str(tmp_path / "var"))
    assert "tham số không nhận ra: --as-off 2021-03-25 — có phải «--as-of»?" in error
    assert "(ntm-excel consolidate --help: cách dùng)" in error
    assert not (tmp_path / "var").exists()
    error = refusal(capsys, "history", "export", "x", "--forse")
    assert "— có phải «--force»?" in error and "ntm-excel history export --help" in error
    # validate has no --as-of: nothing near it is offered (it once guessed «--json»)
    error = refusal(capsys, "validate", "workbooks/mau_nop", "--as-of", "25/03/2021")
    assert "tham số không nhận ra: --as-of 25/03/2021 — «ntm-excel validate» không có" in error


@pytest.mark.parametrize("day", ["31/02/2021", "2021-25-03"])
def test_a_day_not_on_the_calendar_is_said_so(capsys, day):
    error = refusal(capsys, "consolidate", "workbooks/mau_nop", "--as-of", day)
    assert f"ngày «{day}» không có trên lịch: hãy xem lại ngày và tháng" in error


def test_a_store_interrupted_while_it_is_made_leaves_no_file(tmp_path):
    """Ctrl-C at the very start of a first consolidate left «.ntm-excel.sqlite3.<pid>.new»."""

    def interrupted(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE t (x)")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        create_in_place(tmp_path / DB_NAME, interrupted)
    assert list(tmp_path.iterdir()) == []
    create_in_place(tmp_path / DB_NAME, lambda db: db.execute("CREATE TABLE t (x)"))
    assert [p.name for p in tmp_path.iterdir()] == [DB_NAME]


def test_consolidate_with_nothing_readable_records_no_run_in_an_existing_store(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    good, junk = tmp_path / "nop", tmp_path / "nop_nham"
    good.mkdir()
    junk.mkdir()
    shutil.copy(SAMPLES / "18730_xa_cam_loc.xlsx", good)
    book = openpyxl.Workbook()
    book.active["A1"] = "Danh sách cán bộ tập huấn"
    book.save(junk / "danh_sach.xlsx")
    assert main(["consolidate", str(good), "--as-of", "2021-03-25"]) == 0
    assert counts(tmp_path / "var") == (1, 2)  # the workbook and the district's
    assert main(["consolidate", str(junk), "--as-of", "2021-03-25"]) == 2
    assert "--allow-empty" in capsys.readouterr().err
    assert counts(tmp_path / "var") == (1, 2)  # the refused run is not in the history
