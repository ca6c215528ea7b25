"""What a newcomer to the tool met following the README: the scheduled refresh, and the
mistakes a clerk makes on the command line."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

import openpyxl
from test_scheduler import write_config

from ntm_excel.config import load_config
from ntm_excel.jobs.ledger import DB_NAME, Ledger
from ntm_excel.jobs.scheduler import inbox_refresh

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
    assert "không có biểu nào đọc được" in snapshot.notes[0]
    assert counts(Path(config.state_dir)) == (0, 0)
    # Once a commune's workbook is there, the run and its receipts are recorded.
    shutil.copy(SAMPLES / "18730_xa_cam_loc.xlsx", inbox)
    files = sorted(inbox.glob("*.xlsx"))
    snapshot = refresh(files, date(2021, 3, 25))
    assert snapshot.master is not None and snapshot.master.exists()
    assert counts(Path(config.state_dir)) == (1, 2)
