"""The package and sheet scans remember what repeats from file to file (one template per
district) and answer as reading it afresh would: an .ods cell's start tag and its marked-up
text are read once for the process; a count that is not a number is refused every time,
never remembered."""

from __future__ import annotations

import pytest

from ntm_excel.errors import UnreadableFileError
from ntm_excel.read import sheets
from ntm_excel.read.bounds import MAX_TEXT, TextBudget

_ROWS = (
    b"<table:table-row>"
    b'<table:table-cell office:value-type="string" table:number-columns-spanned="2" '
    b'table:number-rows-spanned="1"><text:p>Ti\xc3\xaau ch\xc3\xad<text:s text:c="3"/>x</text:p>'
    b"</table:table-cell><table:covered-table-cell/></table:table-row>"
    b"<table:table-row>"
    b'<table:table-cell office:value-type="percentage" office:value="0.5"/>'
    b'<table:table-cell table:formula="of:=SUM([.B1:.B2])"/></table:table-row>'
    b'<table:table-row table:number-rows-repeated="2"><table:table-cell '
    b'office:value-type="string" table:number-columns-repeated="3"><text:p>\xc4\x90\xe1\xba\xa1t'
    b"</text:p></table:table-cell></table:table-row>"
)


def _content(rows: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?><office:document-content><office:body>'
        b'<office:spreadsheet><table:table table:name="Bi\xe1\xbb\x83u">'
        + rows
        + b"</table:table></office:spreadsheet></office:body></office:document-content>"
    )


def _clear() -> None:
    sheets._ods_cell.cache_clear()
    sheets._ods_spans.cache_clear()
    sheets._TEXT_SIZES.clear()


def test_ods_cell_tags_and_texts_are_read_once_and_answer_as_read_afresh():
    _clear()
    first_budget = TextBudget()
    first = sheets._scan_ods(_content(_ROWS), first_budget)
    table = first["Biểu"]
    assert table.merged == [(0, 0, 0, 1)]
    assert table.percent == {(1, 0)}
    assert table.formulas == {(1, 1): "=SUM([.B1:.B2])"}
    # "Tiêu chí" + 1 + 3 spaces + "x" (15 bytes once), "Đạt" (6 bytes) in 3 × 2 cells
    assert MAX_TEXT - first_budget.left == 15 + 6 * 6
    # a cell's text runs to the next tag of a cell, row or table
    assert (
        sheets._TEXT_SIZES[
            b"<text:p>\xc4\x90\xe1\xba\xa1t</text:p></table:table-cell></table:table-row>"
        ]
        == 6
    )
    cells, spans = sheets._ods_cell.cache_info(), sheets._ods_spans.cache_info()

    again_budget = TextBudget()
    assert sheets._scan_ods(_content(_ROWS), again_budget) == first
    assert again_budget.left == first_budget.left
    assert sheets._ods_cell.cache_info().hits >= cells.hits + 4  # every cell tag remembered
    assert sheets._ods_cell.cache_info().misses == cells.misses
    assert sheets._ods_spans.cache_info().hits == spans.hits + 1

    _clear()  # read afresh: the same answer
    fresh_budget = TextBudget()
    assert sheets._scan_ods(_content(_ROWS), fresh_budget) == first
    assert fresh_budget.left == first_budget.left


@pytest.mark.parametrize(
    "cell",
    [
        b'<table:table-cell table:number-rows-spanned="x" office:value-type="float"/>',
        b'<table:table-cell table:number-columns-repeated="1e9" office:value-type="float"/>',
        b'<table:table-cell office:value-type="string"><text:p><text:s text:c="x"/></text:p>'
        b"</table:table-cell>",
    ],
)
def test_a_count_that_is_not_a_number_is_refused_each_time(cell):
    content = _content(b"<table:table-row>" + cell + b"</table:table-row>")
    for _ in range(2):
        with pytest.raises(UnreadableFileError, match="thuộc tính ô sai cấu trúc"):
            sheets._scan_ods(content, TextBudget())
