"""Criteria 17 and 18 of the 2021–2025 set, which the catalogue does not itemise: a commune
that writes its parts row by row but leaves one out (17.1, 17.2, 17.4 …: no 17.3) is told
which part is missing, and the criterion is not counted as met. Real workbooks, read through
`consolidate`'s CSV files."""

from __future__ import annotations

import openpyxl
import pytest
from test_placeholder_indicators import by_unit, consolidate, warnings, write_commune


def _without_rows(path, rows: dict[str, int], codes: tuple[str, ...], extra=()) -> None:
    """Delete the rows of `codes` (and the worksheet rows `extra`) from the workbook at
    `path`, bottom up."""
    book = openpyxl.load_workbook(path)
    sheet = book.active
    for row in sorted([*(rows[code] for code in codes), *extra], reverse=True):
        sheet.delete_rows(row)
    book.save(path)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("parts")
    inbox = tmp / "inbox"
    inbox.mkdir()
    gaps = inbox / "TDG 2022 Cam Thanh.xlsx"
    _without_rows(gaps, write_commune(gaps, "Cẩm Thành"), ("17.3", "17.7", "18.2"))
    last = inbox / "TDG 2022 Cam Duong.xlsx"  # the last part left out: nothing to tell
    _without_rows(last, write_commune(last, "Cẩm Dương"), ("18.6",))
    not_met = inbox / "TDG 2022 Cam Binh.xlsx"
    rows = write_commune(not_met, "Cẩm Bình", changes={"17.4": (1.2, "Chưa đạt")})
    _without_rows(not_met, rows, ("17.3",))
    whole = inbox / "TDG 2022 Cam Lac.xlsx"  # criterion 17 left out, its heading row too
    rows = write_commune(whole, "Cẩm Lạc")
    parts = tuple(code for code in rows if code.startswith("17."))
    _without_rows(whole, rows, parts, extra=(rows["17.1"] - 1,))
    return consolidate(tmp, inbox)


def test_a_part_left_out_between_others_is_missing_and_the_criterion_unknown(batch):
    found = [(code, message) for code, _, message in warnings(batch, "18694")]
    assert [code for code, _ in found] == ["indicator-missing"] * 3
    messages = [message for _, message in found]
    assert messages[0].startswith("Thiếu chỉ tiêu 17.3 (chỉ tiêu con của tiêu chí")
    assert "từ 17.1 đến 17.10" in messages[0]
    assert messages[1].startswith("Thiếu chỉ tiêu 17.7 (")
    assert messages[2].startswith("Thiếu chỉ tiêu 18.2 (") and "đến 18.6" in messages[2]
    indicators = by_unit(batch["indicators"], "18694", "indicator_code")
    assert indicators["17.x"]["status"] == indicators["18.x"]["status"] == "unknown"
    criteria = by_unit(batch["criteria"], "18694", "criterion_no")
    assert criteria["17"]["status"] == criteria["18"]["status"] == "unknown"


def test_the_last_part_left_out_cannot_be_told(batch):
    assert warnings(batch, "18682") == []
    indicators = by_unit(batch["indicators"], "18682", "indicator_code")
    assert indicators["18.x"]["status"] == "met"


def test_a_part_not_met_still_makes_the_criterion_not_met(batch):
    assert [code for code, _, _ in warnings(batch, "18685")] == ["indicator-missing"]
    criteria = by_unit(batch["criteria"], "18685", "criterion_no")
    assert criteria["17"]["status"] == "not_met"


def test_a_criterion_left_out_is_named_with_how_to_write_it(batch):
    """Not «Thiếu chỉ tiêu 17.x ((Nhiều chỉ tiêu: …)»: the catalogue's list of topics."""
    assert [message for _, _, message in warnings(batch, "18748")] == [
        "Thiếu chỉ tiêu 17.x (tiêu chí Môi trường và an toàn thực phẩm: ghi một dòng 17.x "
        "hoặc từng chỉ tiêu con 17.1, 17.2 …). Hãy bổ sung dòng này vào bảng tự đánh giá."
    ]
