"""The package and sheet scans remember what repeats from file to file (one template per
district) and answer as reading it afresh would: an .ods cell's start tag and its marked-up
text are read once for the process; a count that is not a number is refused every time,
never remembered."""

from __future__ import annotations

import struct

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
    sheets._markup_text.cache_clear()


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
    part = b"<text:p>\xc4\x90\xe1\xba\xa1t</text:p></table:table-cell></table:table-row>"
    hits = sheets._markup_text.cache_info().hits
    assert sheets._markup_text(part) == 6 and sheets._markup_text.cache_info().hits == hits + 1
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


def _xls_stream() -> bytes:
    import io

    import olefile
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Biểu")
    sheet.write(0, 0, "Tiêu chí")
    sheet.write(1, 0, 12.5)
    sheet.write(1, 1, "Đạt")
    out = io.BytesIO()
    book.save(out)
    with olefile.OleFileIO(io.BytesIO(out.getvalue())) as ole:
        return ole.openstream("Workbook").read()


def _scan(stream: bytes) -> tuple[dict, int]:
    budget = TextBudget()
    found = sheets._scan_biff(stream, budget)
    return {name: (s.formats, s.hidden_cols) for name, s in found.items()}, budget.left


def test_a_biff_stream_padded_with_zeros_reads_as_without_and_what_follows_is_still_read():
    stream = _xls_stream()
    plain = _scan(stream)
    assert plain[0]["Biểu"][0] == {(1, 0): "General"} and plain[1] < MAX_TEXT
    assert _scan(stream + bytes(4096)) == plain
    assert _scan(stream + bytes(4097)) == plain  # a last piece shorter than a record header
    # zeros, then a record too long for the stream: the walk goes on past the zeros
    with pytest.raises(UnreadableFileError, match="bản ghi dữ liệu sai cấu trúc"):
        _scan(stream + bytes(400) + b"\x3c\x00\xff\x7f")


def _string(text: str, wide: bool, runs: int = 0, ext: bytes = b"") -> bytes:
    flags = int(wide) | (0x8 if runs else 0) | (0x4 if ext else 0)
    head = struct.pack("<HB", len(text), flags)
    if runs:
        head += struct.pack("<H", runs)
    if ext:
        head += struct.pack("<I", len(ext))
    body = text.encode("utf-16-le" if wide else "latin-1")
    return head + body + bytes(4 * runs) + ext


def test_shared_string_lengths_plain_rich_wide_and_split_over_records():
    one = _string("Tiêu chí", wide=True) + _string("abc", wide=False) + _string("", wide=False)
    assert sheets._sst_lengths([one]) == [8, 3, 0]
    rich = _string("Đạt", wide=True, runs=2) + _string("x", wide=False, ext=b"\x01\x02")
    assert sheets._sst_lengths([rich]) == [3, 1]
    # a string whose characters go on in the next record (which starts with its flags byte)
    split = _string("abcdef", wide=False)
    assert sheets._sst_lengths([split[:6], b"\x00" + split[6:]]) == [6]
    assert sheets._sst_lengths([split[:6], b"\x01" + "def".encode("utf-16-le")]) == [6]
    with pytest.raises(UnreadableFileError):  # characters promised, none left
        sheets._sst_lengths([split[:6]])


def test_legacy_evidence_is_remembered_per_text_and_encoding():
    from ntm_excel.read import legacy

    texts = [
        legacy.from_unicode(text, legacy.TCVN3)
        for text in ("Cộng hoà xã hội chủ nghĩa Việt Nam", "Kết quả thực hiện", "Tự đánh giá")
    ]
    legacy._legacy_words.cache_clear()
    legacy._unicode_words.cache_clear()
    assert legacy.detect_encoding(texts) == legacy.TCVN3
    words = legacy._legacy_words(texts[0], legacy.TCVN3)
    assert "hoµ" in words and "héi" in words and "Nam" not in words  # «Céng» reads as is
    hits = legacy._legacy_words.cache_info().hits
    assert legacy.detect_encoding(texts) == legacy.TCVN3  # the next file of the template
    assert legacy._legacy_words.cache_info().hits >= hits + 2 * len(texts)
    # each encoding has its own answer for one text; Unicode words are counted apart
    assert legacy._legacy_words(texts[0], legacy.VNI) != words
    assert legacy._unicode_words("Đạt chuẩn xã") == ("Đạt", "chuẩn")  # «ã» is Latin-1
    unicode = ["Đạt chuẩn nông thôn mới", "Tự đánh giá", "Kết quả thực hiện", "Chỉ tiêu"]
    assert legacy.detect_encoding([*unicode, texts[0]]) == ""  # 12 Unicode words, 6 legacy


def test_a_long_ods_tag_or_text_is_read_but_not_remembered():
    _clear()
    value = b"x" * 5000  # a string value of 5,000 characters, repeated over 3 columns
    rows = (
        b'<table:table-row><table:table-cell office:value-type="string" office:string-value="'
        + value
        + b'" table:number-columns-repeated="3"/><table:table-cell office:value-type="string">'
        b"<text:p>" + value + b"<text:s/></text:p></table:table-cell></table:table-row>"
    )
    budget = TextBudget()
    sheets._scan_ods(_content(rows), budget)
    assert MAX_TEXT - budget.left == 5000 * 3 + 5001
    assert sheets._ods_cell.cache_info().currsize == 1  # the second cell's short tag only
    assert sheets._markup_text.cache_info().currsize == 0
