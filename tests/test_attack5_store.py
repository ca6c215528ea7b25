"""A history store whose kept report was forged (its indicators replaced by anything else,
the checksum made right), found only as the outputs are written, whichever process decodes
it: the CSV files and a detail too long for the master are written by forked children,
whose error came back as a `RuntimeError` traceback; found in this process, the run stopped
with advice to delete the store (its history and its record of the mails sent)."""

from __future__ import annotations

import dataclasses
import functools
import shutil
import sqlite3
from datetime import datetime

import pytest

import ntm_excel.write.outputs as outputs
from ntm_excel.check.consolidate import Judged
from ntm_excel.cli import main
from ntm_excel.config import BUNDLED
from ntm_excel.history import _Unpickler, encode_reading
from ntm_excel.model import UnitReport
from ntm_excel.store import DB_NAME
from ntm_excel.write.master import build_master


def _forged(report: UnitReport | None) -> UnitReport | None:
    """The report with strings for indicators (packed again, checksum and all)."""
    if report is None:
        return None
    fields = {f.name: getattr(report, f.name) for f in dataclasses.fields(UnitReport)}
    return UnitReport(**fields | {"indicators": ["không phải chỉ tiêu"]})


def _forge_judgements(store) -> int:
    """Every judgement kept in `store` with its units' reports forged; how many."""
    db = sqlite3.connect(store)
    rows = db.execute("SELECT rowid, result FROM judgements").fetchall()
    for rowid, blob in rows:
        reading, judged = _Unpickler(blob, "", datetime.min).load_all(2)
        assert type(judged) is Judged
        judged.reports = [
            None if kept is None else (_forged(kept[0]), kept[1]) for kept in judged.reports
        ]
        db.execute(
            "UPDATE judgements SET result = ? WHERE rowid = ?",
            (encode_reading(reading, judged), rowid),
        )
    db.commit()
    db.close()
    return len(rows)


@pytest.mark.parametrize("row_limit", [None, 1])
def test_a_forged_kept_report_is_said_and_every_file_read_again(
    tmp_path, monkeypatch, capsys, row_limit
):
    """Found where the master is written, or (`row_limit` 1: the detail in a CSV file
    beside the master, as at a province's scale) only in the forked children: a warning in
    Vietnamese naming the record and the store, the kept results forgotten, every file read
    again and the outputs written as from a sound store."""
    shutil.copytree(BUNDLED / "mau_nop", tmp_path / "inbox")
    out, store = tmp_path / "out", tmp_path / "var" / DB_NAME
    args = ["consolidate", str(tmp_path / "inbox"), "--as-of", "2021-03-25", "--state-dir",
            str(tmp_path / "var"), "-o", str(out / "tong_hop.xlsx")]  # fmt: skip
    if row_limit is not None:
        written = functools.partial(build_master, row_limit=row_limit)
        monkeypatch.setattr(outputs, "build_master", written)
    assert main(args) == 0
    sound = {path.name: path.read_bytes() for path in (out / "csv").iterdir()}
    assert _forge_judgements(store) >= 20
    capsys.readouterr()
    assert main(args) == 0
    said = capsys.readouterr()
    assert said.err.startswith("Cảnh báo: Bản ghi kết quả của Xã ")
    forgotten = f"Đã bỏ mọi kết quả đọc lưu sẵn trong kho trạng thái {store}; đọc lại mọi tệp."
    assert f"bị sửa (chỉ tiêu không đúng kiểu). {forgotten}" in said.err
    assert "đọc mới, 0 tệp đã đọc trước đó dùng lại" in said.out  # none kept
    assert {path.name: path.read_bytes() for path in (out / "csv").iterdir()} == sound
    assert main(args) == 0  # kept again, sound
    again = capsys.readouterr()
    assert again.err == "" and ", 20 tệp đã đọc trước đó dùng lại" in again.out
