"""A history store whose kept report was forged (its indicators replaced by anything else,
the checksum made right) is refused in Vietnamese, whichever process decodes it: the CSV
files and a detail too long for the master are written by forked children, whose error came
back as a `RuntimeError` traceback."""

from __future__ import annotations

import dataclasses
import functools
import shutil
import sqlite3
from datetime import datetime

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


def test_a_forged_kept_report_decoded_in_a_child_is_said_in_vietnamese(
    tmp_path, monkeypatch, capsys
):
    shutil.copytree(BUNDLED / "mau_nop", tmp_path / "inbox")
    args = ["consolidate", str(tmp_path / "inbox"), "--as-of", "2021-03-25", "--state-dir",
            str(tmp_path / "var"), "-o", str(tmp_path / "out" / "tong_hop.xlsx")]  # fmt: skip
    assert main(args) == 0
    first = (tmp_path / "out" / "tong_hop.xlsx").read_bytes()
    assert _forge_judgements(tmp_path / "var" / DB_NAME) >= 20
    capsys.readouterr()
    # the detail in a CSV file beside the master, as at a province's scale: only children
    # decode the kept reports' indicators
    monkeypatch.setattr(outputs, "build_master", functools.partial(build_master, row_limit=1))
    assert main(args) == 2
    said = capsys.readouterr().err
    assert said.startswith("Lỗi kho trạng thái: Bản ghi kết quả của Xã ")
    assert "bị hỏng hoặc bị sửa" in said and "RuntimeError" not in said
    assert (tmp_path / "out" / "tong_hop.xlsx").read_bytes() == first  # nothing replaced
