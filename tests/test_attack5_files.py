"""Crafted workbooks of the attack round on the whole product: each a real file written,
made hostile and read back within a hostile file's budget."""

from __future__ import annotations

import random
import re
import time
import zipfile

import pytest
from support.hostile import CONTENT, SHEET, rezip
from support.wild import Book, write_book
from test_table_probe2 import commune_sheet

from ntm_excel.cli import main
from ntm_excel.read.bounds import MAX_MERGES
from ntm_excel.read.reader import read_workbook


def _merges(count: int) -> bytes:
    ranges = b"".join(b'<mergeCell ref="A%d:B%d"/>' % (row, row) for row in range(300, 300 + count))
    return b'<mergeCells count="%d">%s</mergeCells>' % (count, ranges)


def _with_merges(xml: bytes, count: int) -> bytes:
    xml = re.sub(rb"<mergeCells.*?</mergeCells>", b"", xml, flags=re.S)
    return xml.replace(b"</sheetData>", b"</sheetData>" + _merges(count), 1)


def test_a_sheet_of_hundreds_of_thousands_of_merges_is_refused_at_once(
    tmp_path, registry, indicators
):
    """300,000 merged ranges on a commune's table (a million took four seconds and 300 MB
    in calamine and its Python list): the workbook is unreadable, said naming the sheet."""
    path = tmp_path / "xa_cam_vinh.xlsx"
    write_book(Book([commune_sheet()]), path)
    path.write_bytes(rezip(path.read_bytes(), {SHEET: lambda xml: _with_merges(xml, 300_000)}))
    started = time.perf_counter()
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    assert time.perf_counter() - started < 2
    assert submission is None
    [issue] = issues
    assert issue.code == "file-unreadable"
    assert "trang «Biểu TĐG» gộp ô ở hơn 100.000 vùng" in issue.message


def test_a_sheet_of_many_merges_within_the_cap_is_read(tmp_path, registry, indicators):
    path = tmp_path / "xa_cam_vinh.xlsx"
    write_book(Book([commune_sheet()]), path)
    path.write_bytes(rezip(path.read_bytes(), {SHEET: lambda xml: _with_merges(xml, MAX_MERGES)}))
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    assert submission.unit_code == "18691" and len(submission.indicators) == 6
    assert "file-unreadable" not in {issue.code for issue in issues}


@pytest.mark.parametrize("body", [b"[" * 150_000, b"a" * 30_000], ids=["brackets", "letters"])
def test_a_long_formula_does_not_slow_the_feedback_copy(tmp_path, capsys, body):
    """A formula cell of 150,000 «[», or of one name of 30,000 letters (a 5 KB file; Excel
    itself writes 8,192 characters at most): looking for another workbook's sheet
    («[1]Sheet1!A1»), or for the functions called, took time growing with the square of the
    formula (ten seconds each) while the feedback copy was made. The copy is made, the
    formula kept (it reaches nothing)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = inbox / "xa_cam_vinh.xlsx"
    write_book(Book([commune_sheet()]), path)
    formula = b'<row r="40"><c r="A40"><f>' + body + b"</f><v>0</v></c></row>"
    path.write_bytes(
        rezip(
            path.read_bytes(),
            {SHEET: lambda xml: xml.replace(b"</sheetData>", formula + b"</sheetData>")},
        )
    )
    started = time.perf_counter()
    assert main(["consolidate", str(inbox), "--as-of", "2021-03-25", "--no-history", "-o",
                 str(tmp_path / "out" / "tong_hop.xlsx")]) == 0  # fmt: skip
    assert time.perf_counter() - started < 5
    [copy] = (tmp_path / "out" / "gop_y").glob("*.xlsx")
    with zipfile.ZipFile(copy) as package:
        sheets = [name for name in package.namelist() if name.startswith("xl/worksheets/s")]
        assert any(body + b"</f>" in package.read(name) for name in sheets)


def test_many_unclosed_vml_macros_do_not_slow_the_feedback_copy(tmp_path, capsys):
    """A drawing part of 30,000 «<x:FmlaMacro>» never closed (a 6 KB file): taking out the
    VML controls' macros tried a pattern from each, on to the part's end (twenty seconds
    for 20,000) while the feedback copy was made. The copy is made, without the part (which
    nothing refers to)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = inbox / "xa_cam_vinh.xlsx"
    write_book(Book([commune_sheet()]), path)
    drawing = b"<xml><x:FmlaMacro>[1]!Run</x:FmlaMacro>" + b"<x:FmlaMacro>" * 30_000 + b"</xml>"
    path.write_bytes(rezip(path.read_bytes(), extra=[("xl/drawings/vmlDrawing9.vml", drawing)]))
    started = time.perf_counter()
    assert main(["consolidate", str(inbox), "--as-of", "2021-03-25", "--no-history", "-o",
                 str(tmp_path / "out" / "tong_hop.xlsx")]) == 0  # fmt: skip
    assert time.perf_counter() - started < 5
    [copy] = (tmp_path / "out" / "gop_y").glob("*.xlsx")
    with zipfile.ZipFile(copy) as package:
        assert not [name for name in package.namelist() if name.endswith("vmlDrawing9.vml")]


@pytest.mark.parametrize("start", [b"<!--", b"<?", b"<![CDATA["])
def test_many_unclosed_comments_in_an_ods_are_scanned_at_once(
    tmp_path, registry, indicators, start
):
    """20,000 comments (processing instructions, CDATA sections) never closed among an
    .ods table's rows, each followed by a few random letters (a 96 KB file): each was
    scanned on to the end of the part, half a minute. The file is unreadable (not XML)."""
    path = tmp_path / "xa_cam_vinh.ods"
    write_book(Book([commune_sheet()]), path)
    draw = random.Random(1)
    junk = b"".join(
        start + bytes(draw.choices(b"abcdefghijklmnopqrstuvwxyz", k=6)) for _ in range(20_000)
    )
    row = b"<table:table-row"
    path.write_bytes(
        rezip(path.read_bytes(), {CONTENT: lambda xml: xml.replace(row, junk + row, 1)})
    )
    started = time.perf_counter()
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    assert time.perf_counter() - started < 2
    assert submission is None and [issue.code for issue in issues] == ["file-unreadable"]
