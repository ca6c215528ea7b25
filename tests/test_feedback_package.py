"""Feedback workbooks made by editing the commune's package directly (`write.package`):
the same workbook as openpyxl makes, read back with openpyxl; the packages it leaves to
openpyxl; hostile text."""

from __future__ import annotations

import io
import random
import re
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import python_calamine
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.comments import Comment
from support.reports import DATA_SHEET, UNIT, report_for
from support.wild import Style, make_file

from ntm_excel.check.consolidate import consolidate_from_config
from ntm_excel.check.figures import issues_by_unit
from ntm_excel.config import load_config
from ntm_excel.errors import OwnOutputError
from ntm_excel.issues import Issue, Severity
from ntm_excel.model import UnitReport
from ntm_excel.read.sniff import sniff
from ntm_excel.styles import SEVERITY_COLOURS, ooxml_text
from ntm_excel.write import feedback
from ntm_excel.write.feedback import READING_SHEET, SHEET, write_feedback
from ntm_excel.write.package import Unsupported

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "workbooks" / "mau_nop"
WILD = [  # hand-made-looking .xlsx files (see test_wild_files.py)
    ("nhom_tieu_de", "18694", Style(header="three")),
    ("danh_dau", "18685", Style(assess="checkbox", header="two")),
    ("viet_tat_d", "18706", Style(words=("Đ", "Chưa đạt"), numbering="dash", number_in_name=1)),
    ("so_kem_chu", "18712", Style(noisy=True, pct="text")),
    ("lo_trinh", "18715", Style(roadmap="Lộ trình", owner_heading="Người chịu trách nhiệm")),
]


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> list[tuple[UnitReport, list[Issue]]]:
    """Every bundled sample consolidated: each editable file's report and the issues its
    feedback lists."""
    consolidation = consolidate_from_config([SAMPLES], load_config(), date(2021, 3, 25))
    by_unit = issues_by_unit(consolidation.issues)
    found = []
    for report in consolidation.units:
        issues = feedback.feedback_issues(report, by_unit.get(report.unit.code, []))
        if issues and Path(report.submission.path).suffix.lower() in feedback.EDITABLE:
            found.append((report, issues))
    return found


def wild_issues(path: Path) -> list[Issue]:
    """Issues on cells of a hand-made-looking workbook: inside merged ranges, on cells
    with values, on empty and unwritten cells, on a second sheet, of every severity."""
    book = openpyxl.load_workbook(path)
    found = []
    severities = [Severity.ERROR, Severity.WARNING, Severity.INFO]
    for sheet in book.worksheets:
        cells = [str(r).split(":")[1] for r in list(sheet.merged_cells.ranges)[:4]]
        cells += [c.coordinate for row in sheet.iter_rows(max_row=30) for c in row][::37]
        cells += ["AZ300", "B2"]
        for index, cell in enumerate(cells):
            found.append(Issue("value-invalid", severities[index % 3], f"Ô {cell} sai",
                               UNIT.code, path.name, sheet.title, cell))  # fmt: skip
    return found


def both_ways(report: UnitReport, issues: list[Issue]) -> tuple[bytes, bytes]:
    """The feedback workbook edited directly, and made by openpyxl."""
    data, sniffed, why = feedback._checked(Path(report.submission.path), report.submission.sha256)
    assert sniffed is not None and why == ""
    direct = feedback.edited_package(report, issues, data, sniffed)
    made = feedback._saved(feedback.openpyxl_workbook(report, issues, data))
    return direct, made


def _values(sheet, ours: bool) -> list[list[object]]:
    """Cell values; the commune's text as openpyxl writes it (escaped, `ooxml_text`): the
    direct copy leaves the commune's cells as they are."""
    rows = []
    for row in sheet.iter_rows():
        values = []
        for cell in row:
            value = cell.value
            if isinstance(value, str) and not ours and cell.data_type == "s":
                value = ooxml_text(value)
            values.append(None if value == "" else value)
        while values and values[-1] is None:
            values.pop()
        rows.append(values)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _marks(sheet) -> dict[str, tuple[str, str]]:
    """Every commented cell: its comment and fill colour."""
    return {
        cell.coordinate: (cell.comment.text, cell.fill.fgColor.rgb[-6:])
        for row in sheet.iter_rows()
        for cell in row
        if cell.comment
    }


def assert_same(report: UnitReport, issues: list[Issue]) -> int:
    """The direct copy and openpyxl's, read back with openpyxl: the same sheets, values,
    marks, merged ranges, links, active sheet, print set-up, row heights and styles; the
    number of cells marked."""
    direct_bytes, made_bytes = both_ways(report, issues)
    direct = openpyxl.load_workbook(io.BytesIO(direct_bytes))
    made = openpyxl.load_workbook(io.BytesIO(made_bytes))
    name = report.submission.file_name
    assert direct.sheetnames == made.sheetnames, name
    assert direct.active.title == made.active.title == SHEET, name
    assert [s.title for s in direct.worksheets if s.sheet_view.tabSelected] == [SHEET]
    for sheet in made.worksheets:
        other = direct[sheet.title]
        ours = sheet.title in (SHEET, READING_SHEET)
        assert _values(other, ours) == _values(sheet, True), (name, sheet.title)
        assert _marks(other) == _marks(sheet), (name, sheet.title)
        assert sorted(map(str, other.merged_cells.ranges)) == sorted(
            map(str, sheet.merged_cells.ranges)
        ), (name, sheet.title)
        links = {c.coordinate: c.hyperlink.location for r in sheet.iter_rows() for c in r
                 if c.hyperlink}  # fmt: skip
        assert {c.coordinate: c.hyperlink.location for r in other.iter_rows() for c in r
                if c.hyperlink} == links  # fmt: skip
        if ours:
            assert other.print_title_rows == sheet.print_title_rows == "$4:$4"
            assert other.freeze_panes == "A5"
            assert (other.page_setup.paperSize, other.page_setup.orientation) == (
                9,
                "landscape",
            )
            assert [other.row_dimensions[r].height for r in range(1, other.max_row + 1)] == [
                sheet.row_dimensions[r].height for r in range(1, sheet.max_row + 1)
            ]
            for row in sheet.iter_rows(min_row=4):
                for cell in row:
                    twin = other[cell.coordinate]
                    assert (twin.font.b, twin.font.color and twin.font.color.rgb[-6:]) == (
                        cell.font.b,
                        cell.font.color and cell.font.color.rgb[-6:],
                    )
                    assert twin.fill.fgColor.rgb[-6:] == cell.fill.fgColor.rgb[-6:]
    with pytest.raises(OwnOutputError):  # `marked_kind` sees the output mark
        sniff(direct_bytes)
    return sum(len(_marks(sheet)) for sheet in direct.worksheets)


def test_the_direct_copy_is_the_openpyxl_copy(reports):
    assert len(reports) >= 14
    marked = [assert_same(report, issues) for report, issues in reports]
    assert sum(1 for count in marked if count) >= 5


@pytest.mark.parametrize(("name", "style"), [(name, style) for name, _, style in WILD])
def test_the_direct_copy_of_a_hand_made_workbook_is_the_openpyxl_copy(tmp_path, name, style):
    make_file(tmp_path, name, name, "18694", style, random.Random(7))
    path = tmp_path / f"{name}.xlsx"
    issues = wild_issues(path)
    assert len(issues) >= 6
    assert assert_same(report_for(path), issues) >= 4


def test_unchanged_parts_are_copied_byte_for_byte(reports):
    report, issues = reports[0]
    direct, _ = both_ways(report, issues)
    source = Path(report.submission.path).read_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(io.BytesIO(direct)) as new:
        assert new.testzip() is None
        kept = [i.filename for i in old.infolist() if i.filename.startswith("xl/theme")]
        for name in kept + ["xl/sharedStrings.xml"]:
            assert new.read(name) == old.read(name)


def workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet["A1"] = "UBND XÃ CẨM THÀNH"
    sheet["A12"], sheet["D12"], sheet["E12"] = "4.2", 90, "Đạt"
    book.save(path)
    return path


def problem(file: str, message: str = "Chỉ tiêu 4.2: sai", sheet: str = DATA_SHEET) -> Issue:
    return Issue("value-invalid", Severity.ERROR, message, UNIT.code, file, sheet, "E12")


def _prefixed(path: Path) -> Path:
    """The same package with its worksheet in a prefixed namespace (`<x:worksheet
    xmlns:x=…>`), as some generators write it."""
    out = path.with_name(f"prefixed_{path.name}")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(r"<(/?)([A-Za-z]\w*)(?=[ />])", r"<\1x:\2", data.decode())
                data = text.replace("<x:worksheet xmlns=", "<x:worksheet xmlns:x=").encode()
            new.writestr(info, data)
    return out


def _other_case(path: Path) -> Path:
    """The same package whose workbook names its sheet part in another case than the zip
    member («worksheets/Sheet1.xml» for «sheet1.xml»), which Excel accepts."""
    out = path.with_name(f"other_case_{path.name}")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"worksheets/sheet1.xml", b"worksheets/Sheet1.xml")
            new.writestr(info, data)
    return out


def _with_xml_comment(path: Path) -> Path:
    """The same package with an XML comment among the worksheet's rows (some generators
    sign their output so): the rows are left to openpyxl, which parses them."""
    out = path.with_name(f"xml_comment_{path.name}")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData><!-- <row r='12'/> -->", 1)
            new.writestr(info, data)
    return out


def _prefixed_rows(path: Path) -> Path:
    """The same package with the worksheet's rows in a prefix bound to its namespace
    (`<m:row>`): rows the direct edit does not look for, left to openpyxl."""
    out = path.with_name(f"prefixed_rows_{path.name}")
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode().replace("<row ", "<m:row ").replace("</row>", "</m:row>")
                data = text.replace("<worksheet ", f'<worksheet xmlns:m="{main}" ', 1).encode()
            new.writestr(info, data)
    return out


def _commented(path: Path) -> Path:
    book = openpyxl.load_workbook(path)
    book[DATA_SHEET]["A1"].comment = Comment("Ghi chú của xã", "Xã")
    book.save(path)
    return path


def _sent_back(path: Path, tmp_path: Path) -> Path:
    """Our feedback copy, corrected and saved again by the commune."""
    first = write_feedback(report_for(path), [problem(path.name)], tmp_path / "first")
    book = openpyxl.load_workbook(first)
    book[DATA_SHEET]["E12"] = "Chưa đạt"
    resent = tmp_path / "gui_lai.xlsx"
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2)):  # saved later
        book.save(resent)
    return resent


@pytest.mark.parametrize(
    "kind", ["comments", "sent_back", "prefixed", "xml_comment", "prefixed_rows"]
)
def test_packages_left_to_openpyxl(tmp_path, kind):
    source = workbook(tmp_path / "cam_thanh.xlsx")
    source = {
        "comments": lambda: _commented(source),
        "sent_back": lambda: _sent_back(source, tmp_path),
        "prefixed": lambda: _prefixed(source),
        "xml_comment": lambda: _with_xml_comment(source),
        "prefixed_rows": lambda: _prefixed_rows(source),
    }[kind]()
    report = report_for(source)
    data, sniffed, _ = feedback._checked(source, report.submission.sha256)
    with pytest.raises(Unsupported):
        feedback.edited_package(report, [problem(source.name)], data, sniffed)
    out = write_feedback(report, [problem(source.name)], tmp_path / "gop_y")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames.count(SHEET) == 1 and book.active.title == SHEET
    assert "Chỉ tiêu 4.2: sai" in book[DATA_SHEET]["E12"].comment.text
    assert book[DATA_SHEET]["E12"].fill.fgColor.rgb.endswith("FFC7CE")
    assert book[SHEET]["E5"].hyperlink.location == f"'{DATA_SHEET}'!E12"


def test_a_part_named_in_another_case_is_edited_in_place(tmp_path):
    """A workbook naming its sheet «Sheet1.xml» for the member «sheet1.xml» (Excel ignores
    case): the copy holds that sheet once, marked, and never an unmarked twin beside it."""
    source = _other_case(workbook(tmp_path / "cam_thanh.xlsx"))
    report = report_for(source)
    data, sniffed, _ = feedback._checked(source, report.submission.sha256)
    with zipfile.ZipFile(
        io.BytesIO(feedback.edited_package(report, [problem(source.name)], data, sniffed))
    ) as copy:
        names = [name.lower() for name in copy.namelist()]
        sheet = copy.read("xl/worksheets/sheet1.xml")
    assert len(names) == len(set(names))
    assert b"legacyDrawing" in sheet  # the comment is on this sheet, and its cell filled
    assert re.search(rb'<c r="E12"[^>]* s="[1-9]', sheet)
    out = write_feedback(report, [problem(source.name)], tmp_path / "gop_y")
    book = python_calamine.CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == [SHEET, DATA_SHEET]
    assert book.get_sheet_by_name(DATA_SHEET).to_python()[11] == ["4.2", "", "", 90.0, "Đạt"]


def test_hostile_text_stays_text(tmp_path):
    """What a commune typed reaches the list and the comments as text: no formula, no
    markup, an escape-like sequence as typed."""
    name = "TDG_x0041_<script>&.xlsx"
    source = workbook(tmp_path / "cam_thanh.xlsx")
    hostile = [
        problem(name, '=HYPERLINK("http://example.com","Bấm")'),
        problem(name, "<script>alert(1)</script> _x0041_ & ]]>"),
        problem(name, "ở trang khác", sheet="=1+1"),
        problem(name, "tên tệp không giải mã được: \udcff.xlsx"),
    ]
    report = report_for(source, name)
    data, sniffed, _ = feedback._checked(source, report.submission.sha256)
    direct = feedback.edited_package(report, hostile, data, sniffed)
    out = tmp_path / "gop_y.xlsx"
    out.write_bytes(direct)
    with zipfile.ZipFile(out) as archive:
        xml = {n: archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml")}
    assert not any("<f>" in text or "<script>" in text for text in xml.values())
    read = python_calamine.CalamineWorkbook.from_path(out)
    listing = read.get_sheet_by_name(SHEET).to_python()
    messages = [row[5] for row in listing[4:]]
    assert messages[:2] == [hostile[0].message, hostile[1].message]
    assert listing[6][3] == "=1+1"
    assert listing[1][0].startswith(f"Tệp: {name} — 4 lỗi")
    assert "tên tệp không giải mã được: \ufffd.xlsx" in messages
    comment = openpyxl.load_workbook(out)[DATA_SHEET]["E12"].comment.text
    assert "<script>alert(1)</script> _x005F_x0041_ & ]]>" in comment  # escaped as written
    book = openpyxl.load_workbook(out)
    assert all(c.data_type == "s" for row in book[SHEET].iter_rows(min_row=5) for c in row[1:])


def test_a_new_cell_is_made_in_order_with_its_rows_style(tmp_path):
    """A problem cell the sheet does not hold yet (an empty cell, a row not written) is
    made where it belongs; the others keep their values."""
    source = workbook(tmp_path / "cam_thanh.xlsx")
    issues = [
        Issue("value-missing", Severity.ERROR, "Thiếu", UNIT.code, source.name, DATA_SHEET, c)
        for c in ("C12", "B5", "Z30", "$F$12", "A1:B2")
    ]
    report = report_for(source)
    data, sniffed, _ = feedback._checked(source, report.submission.sha256)
    out = tmp_path / "gop_y.xlsx"
    out.write_bytes(feedback.edited_package(report, issues, data, sniffed))
    sheet = openpyxl.load_workbook(out)[DATA_SHEET]
    assert [sheet[c].fill.fgColor.rgb[-6:] for c in ("C12", "B5", "Z30", "F12")] == ["FFC7CE"] * 4
    assert sheet["D12"].value == 90 and sheet["E12"].value == "Đạt"
    assert sheet["D12"].comment is None
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    refs = re.findall(r'<c r="([A-Z]+)12"', xml)
    assert refs == sorted(refs, key=lambda r: (len(r), r))
    rows = [int(r) for r in re.findall(r'<row r="(\d+)"', xml)]
    assert rows == sorted(rows)
    links = openpyxl.load_workbook(out)[SHEET]
    assert {c.value for r in links.iter_rows(min_row=5) for c in r if c.hyperlink} == {
        "C12", "B5", "Z30", "$F$12"
    }  # fmt: skip


def test_the_list_only_workbook_is_written_directly(tmp_path):
    report = report_for(workbook(tmp_path / "cam_thanh.xlsx"))
    out = tmp_path / "list.xlsx"
    out.write_bytes(feedback.list_package(report, [problem("cam_thanh.xlsx")], "Vì sao"))
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [SHEET] and book[SHEET]["A2"].value.endswith("Vì sao")
    assert book[SHEET].print_title_rows == "$4:$4"
    with pytest.raises(OwnOutputError):
        sniff(out.read_bytes())


MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"


def _as_excel_writes_it(path: Path) -> Path:
    """The worksheet as Excel writes it: extensions in a namespace it tells older readers
    to ignore (`mc:Ignorable="x14ac"`), used on the rows."""
    out = path.with_name(f"excel_{path.name}")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode().replace(
                    "<worksheet ",
                    f'<worksheet xmlns:mc="{MC}" xmlns:x14ac="{X14AC}" mc:Ignorable="x14ac" ',
                    1,
                )
                data = re.sub(r"<row ", '<row x14ac:dyDescent="0.25" ', text).encode()
            new.writestr(info, data)
    return out


def test_namespace_prefixes_excel_names_are_kept(tmp_path):
    """Excel refuses a part whose `mc:Ignorable` names a prefix no longer declared: the
    marked sheet keeps its prefixes."""
    source = _as_excel_writes_it(workbook(tmp_path / "cam_thanh.xlsx"))
    report = report_for(source)
    data, sniffed, _ = feedback._checked(source, report.submission.sha256)
    out = tmp_path / "gop_y.xlsx"
    out.write_bytes(feedback.edited_package(report, [problem(source.name)], data, sniffed))
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert 'mc:Ignorable="x14ac"' in xml and f'xmlns:x14ac="{X14AC}"' in xml
    assert 'x14ac:dyDescent="0.25"' in xml and "<legacyDrawing " in xml
    assert openpyxl.load_workbook(out)[DATA_SHEET]["E12"].comment is not None


def test_an_issue_on_a_chart_sheet_is_listed_not_marked(tmp_path):
    from openpyxl.chart import BarChart, Reference

    source = tmp_path / "cam_thanh.xlsx"
    book = openpyxl.load_workbook(workbook(source))
    chart = BarChart()
    chart.add_data(Reference(book[DATA_SHEET], min_col=4, min_row=12, max_row=12))
    book.create_chartsheet("Biểu đồ").add_chart(chart)
    book.save(source)
    issues = [problem(source.name), problem(source.name, "Biểu đồ sai", sheet="Biểu đồ")]
    for made in both_ways(report_for(source), issues):
        book = openpyxl.load_workbook(io.BytesIO(made))
        assert book.sheetnames == [SHEET, DATA_SHEET, "Biểu đồ"]
        assert book[DATA_SHEET]["E12"].comment is not None
        rows = list(book[SHEET].iter_rows(min_row=5))
        assert [(r[3].value, r[4].hyperlink is not None) for r in rows] == [
            (DATA_SHEET, True),
            ("Biểu đồ", False),
        ]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(message=st.text(min_size=1, max_size=60), sheet=st.text(max_size=20))
def test_any_text_makes_a_workbook_that_shows_it(tmp_path, message, sheet):
    """Whatever a message or a sheet name holds (markup, formulas, escape-like sequences,
    control characters), the workbook opens and shows it as text."""
    source = tmp_path / "cam_thanh.xlsx"
    if not source.exists():
        workbook(source)
    report = report_for(source)
    data, sniffed, _ = feedback._checked(source, report.submission.sha256)
    issues = [problem(source.name, message), problem(source.name, "khác", sheet=sheet or "x")]
    made = feedback.edited_package(report, issues, data, sniffed)
    read = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(made))
    listing = read.get_sheet_by_name(SHEET).to_python()
    shown = [row[5] for row in listing[4:]]
    assert re.sub("[\ud800-\udfff\ufffe\uffff]", "\ufffd", message) in shown
    comment = openpyxl.load_workbook(io.BytesIO(made))[DATA_SHEET]["E12"].comment
    assert comment is not None


ODD_ROWS = (  # rows as a generator may write them: quotes, spacing, an empty row, markup in text
    "<sheetData>\n"
    "  <row r='1' spans='1:5'><c r='A1' t='inlineStr'><is><t>&lt;row r=\"3\"&gt;&lt;c r=\"B3\"/&gt;"
    "</t></is></c></row>\n"
    '  <row r="5" t:note="a > b" />\n'
    '  <row  r = "12" spans="1:5"><c r="D12"><v>90</v></c>'
    '<c r="E12" t="inlineStr"><is><t>Đạt</t></is></c></row>\n'
    "</sheetData>"
)


def _odd_rows(path: Path) -> Path:
    """The same package with `ODD_ROWS` as its worksheet's rows."""
    out = path.with_name(f"odd_{path.name}")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(r"<sheetData>.*</sheetData>", ODD_ROWS, data.decode(), flags=re.S)
                data = text.replace("<worksheet ", '<worksheet xmlns:t="urn:test" ', 1).encode()
            new.writestr(info, data)
    return out


def test_the_rows_marked_are_edited_where_they_stand(tmp_path):
    """The marked sheet's rows stay as written but for the cells marked: an existing cell
    restyled, new cells and rows made in order, the text that looks like markup left alone."""
    source = _odd_rows(workbook(tmp_path / "cam_thanh.xlsx"))
    cells = ("A1", "B5", "C8", "B12", "E12", "A20")
    issues = [
        Issue("value-missing", Severity.ERROR, f"Ô {c}", UNIT.code, source.name, DATA_SHEET, c)
        for c in cells
    ]
    report = report_for(source)
    data, sniffed, _ = feedback._checked(source, report.submission.sha256)
    out = tmp_path / "gop_y.xlsx"
    out.write_bytes(feedback.edited_package(report, issues, data, sniffed))
    sheet = openpyxl.load_workbook(out)[DATA_SHEET]
    assert [sheet[c].fill.fgColor.rgb[-6:] for c in cells] == ["FFC7CE"] * len(cells)
    assert [sheet[c].comment.text.endswith(f"Ô {c}") for c in cells] == [True] * len(cells)
    assert sheet["A1"].value == '<row r="3"><c r="B3"/>'
    assert (sheet["D12"].value, sheet["E12"].value, sheet["B3"].value) == (90, "Đạt", None)
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    rows = re.findall(r"<row\s+r\s*=\s*[\"'](\d+)", xml)
    assert rows == ["1", "5", "8", "12", "20"]  # made in order, row 3 never
    assert re.findall(r"<c r=\"([A-Z]+)12\"", xml) == ["B", "D", "E"]
    assert "spans='1:5'" in xml and 'spans="1:5"' not in xml  # kept where no cell was made
    assert 't:note="a > b"' in xml and "<legacyDrawing " in xml
    assert xml.count("<sheetData>") == 1 and "<!--" not in xml


def test_rows_of_text_are_remembered_per_process():
    """The «Cách đọc biểu» rows come back file after file: their XML and height are made
    once (a row of the same texts is found again), a new text makes a new row, and a row
    holding a number is never remembered."""
    from ntm_excel.write.package import _row_pieces

    row = ("Cột", "A", "TT riêng của xã", "số thứ tự, mã", "tiêu đề khớp «TT»")
    first = _row_pieces(row, (1,) * 5, 19.5)
    hits = _row_pieces.cache_info().hits
    assert _row_pieces(tuple(list(row)), (1,) * 5, 19.5) == first  # an equal row
    assert _row_pieces.cache_info().hits == hits + 1
    other = _row_pieces((*row[:2], "TT khác", *row[3:]), (1,) * 5, 19.5)
    assert "TT khác" in "".join(other) and _row_pieces.cache_info().hits == hits + 1
    assert _row_pieces(row, (2,) * 5, 19.5) != first  # another package's cell formats
    size = _row_pieces.cache_info().currsize
    numbered = _row_pieces((1, "Lỗi", "x", "y", "z"), (1,) * 5, 19.5)
    assert _row_pieces.cache_info().currsize == size and "<v>1</v>" in "".join(numbered)
    assert "".join(first).count("\x00") == 0 and len(first) == 7  # the row number, 6 times

    heights = feedback._reading_height.cache_info().hits
    feedback._reading_height(row)
    feedback._reading_height(row)
    assert feedback._reading_height.cache_info().hits >= heights + 1
    longer = (*row[:2], "Tiêu đề dài " * 20, *row[3:])
    assert feedback._reading_height(longer) > feedback._reading_height(row)


def test_small_parts_are_compressed_once_per_process(tmp_path):
    """The small parts that come back in copy after copy (content types, relationships,
    styles) are compressed once; a part that differs is compressed anew, and every part
    reads back as written."""
    from ntm_excel.write.package import _deflated

    report = report_for(workbook(tmp_path / "cam_thanh.xlsx"))
    first = feedback.list_package(report, [problem("cam_thanh.xlsx")], "")
    hits = _deflated.cache_info().hits
    again = feedback.list_package(report, [problem("cam_thanh.xlsx")], "")
    assert _deflated.cache_info().hits >= hits + 4
    other = feedback.list_package(report, [problem("cam_thanh.xlsx", "Chỉ tiêu 4.2: thiếu")], "")
    with (
        zipfile.ZipFile(io.BytesIO(first)) as one,
        zipfile.ZipFile(io.BytesIO(again)) as two,
        zipfile.ZipFile(io.BytesIO(other)) as three,
    ):
        assert one.testzip() is None and two.testzip() is None and three.testzip() is None
        assert one.read("xl/styles.xml") == two.read("xl/styles.xml")
        assert b"4.2: thi\xe1\xba\xbfu" in three.read("xl/worksheets/sheet1.xml")
        assert b"4.2: thi\xe1\xba\xbfu" not in one.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize(
    ("rows", "mark"),
    [
        ('<row r="10"><c r="A10"/></row><row r="5"><c r="C5"/></row>', (5, 2)),  # out of order
        ('<row r="5"><c r="C5"/></row><row r="5"><c r="A5"/></row>', (5, 1)),  # given twice
        ('<row r="5"><c r="E5"/><c r="A5"><v>1</v></c></row>', (5, 1)),  # cells out of order
        ('<row r="5"><c r="E6"/></row>', (5, 5)),  # a cell of another row
        ('<row r="5"><c r="A5" s="abc"/></row>', (5, 1)),  # a style that is not a number
        ('<row r="5²"><c r="A5"/></row>', (5, 1)),  # a number Python's int() refuses
        (  # a main-namespace cell inside an extension
            '<row r="5"><c r="A5"/><extLst><ext uri="{X}"><c r="F5"/></ext></extLst></row>',
            (5, 6),
        ),
    ],
)
def test_rows_no_office_program_writes_are_left_to_openpyxl(rows, mark):
    """Well formed, but Excel would call the sheet damaged or the cells' order ambiguous: the
    direct edit gives up (`Unsupported`) rather than guess, and openpyxl makes the copy."""
    from ntm_excel.write.package import MAIN, _rels_root, _Sheet

    data = f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()
    sheet = _Sheet("xl/worksheets/sheet1.xml", data, _rels_root())
    with pytest.raises(Unsupported):
        sheet.restyle(*mark, lambda _: 9)


def _with_styles(path: Path, change) -> Path:
    """The same package with its styles part changed by `change` (bytes → bytes)."""
    out = path.with_name(f"styled_{path.name}")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            new.writestr(info, change(data) if info.filename == "xl/styles.xml" else data)
    return out


def test_a_styles_part_is_remembered_per_process(tmp_path, monkeypatch):
    """The styles of one template come back file after file: after the first copy, the same
    styles part with the same steps (a fill for the marked cell, the added sheets' formats)
    is neither parsed nor written again, and gives the same part; another colour, another
    styles part or a damaged one is parsed anew (and refused as before)."""
    from ntm_excel.write import package as package_module

    parsed = []
    tree = package_module._StyleTree
    monkeypatch.setattr(package_module, "_StyleTree", lambda *a: parsed.append(1) or tree(*a))
    monkeypatch.setattr(package_module, "_styled", {})

    def styles_of(source: Path, issue: Issue) -> bytes:
        report = report_for(source)
        data, sniffed, _ = feedback._checked(source, report.submission.sha256)
        with zipfile.ZipFile(
            io.BytesIO(feedback.edited_package(report, [issue], data, sniffed))
        ) as z:
            return z.read("xl/styles.xml")

    source = workbook(tmp_path / "cam_thanh.xlsx")
    first = styles_of(source, problem(source.name))
    assert len(parsed) == 1
    assert styles_of(source, problem(source.name, "Chỉ tiêu 4.2: thiếu")) == first
    assert len(parsed) == 1  # remembered: neither parsed nor written again
    warned = replace(problem(source.name), severity=Severity.WARNING)  # another fill
    other_fill = styles_of(source, warned)
    assert len(parsed) == 2 and other_fill != first
    assert SEVERITY_COLOURS[Severity.WARNING].fill.encode() in other_fill
    monkeypatch.setattr(package_module, "_styled", {})  # nothing remembered: the same part
    assert styles_of(source, problem(source.name)) == first and len(parsed) == 3

    formats = b'<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0"/></numFmts><fonts'
    changed = _with_styles(source, lambda xml: xml.replace(b"<fonts", formats, 1))
    assert b'formatCode="0.0"' in styles_of(changed, problem(changed.name)) and len(parsed) == 4
    damaged = _with_styles(source, lambda xml: xml.replace(b"<cellXfs", b"<cellXfsX", 1))
    report = report_for(damaged)
    data, sniffed, _ = feedback._checked(damaged, report.submission.sha256)
    for _ in range(2):
        with pytest.raises(Unsupported):
            feedback.edited_package(report, [problem(damaged.name)], data, sniffed)


def test_properties_parts_are_made_once_per_process_with_the_time_put_in(tmp_path):
    """The core and custom properties of one template are made once per process: the next
    copy takes them as made, with its own time put in; another core part is made anew, and
    a part that holds the words standing for the time itself still gets the time."""
    from ntm_excel.atomic import OUTPUT_PROPERTY
    from ntm_excel.write.package import _WHEN, _remembered

    def properties(source: Path, moment: datetime) -> tuple[str, str]:
        report = report_for(source)
        data, sniffed, _ = feedback._checked(source, report.submission.sha256)
        with time_machine.travel(moment, tick=False):
            made = feedback.edited_package(report, [problem(source.name)], data, sniffed)
        with zipfile.ZipFile(io.BytesIO(made)) as z:
            return z.read("docProps/core.xml").decode(), z.read("docProps/custom.xml").decode()

    source = workbook(tmp_path / "cam_thanh.xlsx")
    _remembered.cache_clear()
    first = properties(source, datetime(2021, 3, 25, 8, 0, tzinfo=UTC))
    hits = _remembered.cache_info().hits
    second = properties(source, datetime(2021, 3, 26, 9, 30, 5, tzinfo=UTC))
    assert _remembered.cache_info().hits == hits + 2  # both parts as made for the first copy
    assert "<dcterms:modified" in first[0] and "2021-03-25T08:00:00Z" in first[0]
    assert "2021-03-26T09:30:05Z" in second[0] and "2021-03-25" not in second[0]
    assert f'name="{OUTPUT_PROPERTY}"' in second[1] and "gop_y 2021-03-26T09:30:05" in second[1]
    assert second[0].replace("2021-03-26T09:30:05Z", "2021-03-25T08:00:00Z") == first[0]
    for core, custom in (first, second):
        assert _WHEN not in core and _WHEN not in custom

    book = openpyxl.load_workbook(source)
    book.properties.title = _WHEN  # the words that stand for the time, in the commune's part
    other = tmp_path / "cam_thanh_2.xlsx"
    book.save(other)
    misses = _remembered.cache_info().misses
    core, custom = properties(other, datetime(2021, 3, 27, 7, 0, tzinfo=UTC))
    assert _remembered.cache_info().misses == misses + 1  # another core part: made anew
    assert f">{_WHEN}</dc:title>" in core and ">2021-03-27T07:00:00Z</dcterms:modified>" in core
    assert "gop_y 2021-03-27T07:00:00" in custom


_WORKBOOK_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_VBA_TYPES = (
    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    b'<Override PartName="/xl/vbaProjectSignature.bin"'
    b' ContentType="application/vnd.ms-office.vbaProjectSignature"/>'
)
_VBA_REL = (
    b'<Relationship Id="rIdVba" Target="vbaProject.bin"'
    b' Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"/>'
)
_SIGNATURE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="vbaProjectSignature.bin" Type="http://schemas.microsoft.com'
    '/office/2006/relationships/vbaProjectSignature"/></Relationships>'
)


def _with_macros(path: Path) -> Path:
    """The workbook as an .xlsm holding a VBA project and its signature, as Excel stores
    them (the project's bytes are a stand-in: nothing here runs them)."""
    out = path.with_suffix(".xlsm")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    _WORKBOOK_TYPE, b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
                )
                data = data.replace(b"</Types>", _VBA_TYPES + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", _VBA_REL + b"</Relationships>")
            new.writestr(info, data)
        new.writestr("xl/vbaProject.bin", b'Sub AutoOpen()\r\n  Shell "calc.exe"\r\nEnd Sub')
        new.writestr("xl/_rels/vbaProject.bin.rels", _SIGNATURE_RELS)
        new.writestr("xl/vbaProjectSignature.bin", b"signature")
    return out


@pytest.mark.parametrize("way", ["direct", "openpyxl"])
def test_the_copy_of_a_macro_workbook_carries_no_macros(tmp_path, way):
    source = workbook(tmp_path / "cam_thanh.xlsx")
    if way == "openpyxl":
        _commented(source)  # a package left to openpyxl
    source = _with_macros(source)
    report = report_for(source)
    out = write_feedback(report, [problem(source.name)], tmp_path / "gop_y")

    assert out.name == "Góp ý - Xã Cẩm Thành.xlsx"
    with zipfile.ZipFile(out) as package:
        names = package.namelist()
        types = package.read("[Content_Types].xml")
        rels = package.read("xl/_rels/workbook.xml.rels")
    assert not [name for name in names if "vba" in name.lower()]
    assert b"vbaProject" not in types + rels and b"macroEnabled" not in types
    assert _WORKBOOK_TYPE in types
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [SHEET, DATA_SHEET]
    assert "Chỉ tiêu 4.2: sai" in book[DATA_SHEET]["E12"].comment.text
