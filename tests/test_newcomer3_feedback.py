"""The feedback workbook a commune receives, as its staff open and print it: the «Góp ý» sheet
first and active, each issue by its Vietnamese title (its code last, small), the commune's own
sheets after it as they were — the same whether its package is edited directly or through
openpyxl."""

from __future__ import annotations

import io
import shutil
import zipfile
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
import time_machine
from openpyxl.comments import Comment
from support.render import needs_libreoffice, printed_pages
from support.reports import DATA_SHEET, UNIT, report_for

from ntm_excel.cli import main
from ntm_excel.issues import ISSUE_TYPES, Issue, Severity
from ntm_excel.write import feedback
from ntm_excel.write.feedback import READING_SHEET, SHEET

SAMPLES = Path(__file__).resolve().parents[1] / "workbooks" / "mau_nop"
HEADER = ["STT", "Mức độ", "Vấn đề", "Trang", "Ô", "Nội dung và cách sửa", "Mã lỗi"]
DIRECT = "Bieu tu danh gia NTM - Cam My.xlsx"  # its package is edited directly
COMMENTED = "Bieu tu danh gia NTM - Cam Duong.xlsx"  # given a comment: openpyxl copies it


def _values(sheet) -> list[tuple]:
    return [tuple(v for v in row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture(scope="module")
def consolidated(tmp_path_factory) -> tuple[Path, Path]:
    """Two communes' workbooks consolidated from the command line: (their folder, the
    feedback folder)."""
    root = tmp_path_factory.mktemp("nc3")
    folder = root / "nop"
    folder.mkdir()
    shutil.copy(SAMPLES / DIRECT, folder)
    book = openpyxl.load_workbook(SAMPLES / COMMENTED)
    book.worksheets[0]["A1"].comment = Comment("Ghi chú của xã", "Xã Cẩm Dương")
    book.save(folder / COMMENTED)
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(io.StringIO()):
        patch.chdir(root)
        patch.setenv("NTM_STATE_DIR", str(root / "var"))
        assert main(["consolidate", str(folder), "--as-of", "2021-03-25"]) == 0
    return folder, root / "out" / "gop_y"


@pytest.mark.parametrize(
    "source, unit", [(DIRECT, "Xã Cẩm Mỹ"), (COMMENTED, "Xã Cẩm Dương")], ids=["direct", "openpyxl"]
)
def test_the_feedback_opens_on_its_list_with_titles_not_codes(consolidated, source, unit):
    folder, out = consolidated
    original = openpyxl.load_workbook(folder / source)
    book = openpyxl.load_workbook(out / f"Góp ý - {unit}.xlsx")
    assert book.sheetnames == [SHEET, *original.sheetnames, READING_SHEET]
    assert book.active.title == SHEET
    assert [s.title for s in book.worksheets if s.sheet_view.tabSelected] == [SHEET]
    listing = book[SHEET]
    assert [c.value for c in listing[4]] == HEADER
    rows = [r for r in listing.iter_rows(min_row=5, values_only=True) if r[0]]
    assert rows
    for row in rows:
        code = row[6]
        assert row[2] == ISSUE_TYPES[code].title  # the title where staff read
        assert code not in row[:6]  # the code only in the last column
    for sheet in original.worksheets:  # the commune's own sheets, as they were
        assert _values(book[sheet.title]) == _values(sheet), sheet.title
    if source == COMMENTED:
        assert book.worksheets[1]["A1"].comment.text == "Ghi chú của xã"


def _printed_workbook(path: Path) -> Path:
    """A commune's workbook whose sheets have their own print settings: print titles on the
    first, a print area and an autofilter on the second."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet["A1"] = "UBND XÃ CẨM THÀNH"
    sheet["A12"], sheet["D12"], sheet["E12"] = "4.2", 90, "Đạt"
    sheet.print_title_rows = "1:3"
    roadmap = book.create_sheet("Lộ trình")
    roadmap["A1"], roadmap["B1"] = "Nội dung công việc", "Thời gian hoàn thành"
    roadmap.print_area = "A1:B20"
    roadmap.auto_filter.ref = "A1:B20"
    book.active = 1  # the commune saved it on its roadmap
    book.save(path)
    return path


def test_the_communes_print_settings_stay_with_their_sheets_both_ways(tmp_path):
    source = _printed_workbook(tmp_path / "cam_thanh.xlsx")
    report = report_for(source)
    issues = [
        Issue("value-invalid", Severity.ERROR, "Chỉ tiêu 4.2: sai", UNIT.code, source.name,
              DATA_SHEET, "E12"),
        Issue("deadline-invalid", Severity.WARNING, "Hạn sai", UNIT.code, source.name,
              "Lộ trình", "B1"),
    ]  # fmt: skip
    data, sniffed, _ = feedback._checked(source, report.submission.sha256)
    direct = feedback.edited_package(report, issues, data, sniffed)
    made = feedback._saved(feedback.openpyxl_workbook(report, issues, data))
    for copy in (direct, made):
        book = openpyxl.load_workbook(io.BytesIO(copy))
        assert book.sheetnames == [SHEET, DATA_SHEET, "Lộ trình"]
        assert book.active.title == SHEET
        assert book[DATA_SHEET].print_title_rows == "$1:$3"
        assert book["Lộ trình"].print_area == "'Lộ trình'!$A$1:$B$20"
        assert book[SHEET].print_title_rows == "$4:$4"
        assert book[SHEET]["E6"].hyperlink.location == "'Lộ trình'!B1"
    with zipfile.ZipFile(io.BytesIO(direct)) as package:
        workbook_xml = package.read("xl/workbook.xml").decode()
    assert 'activeTab="0"' in workbook_xml


@needs_libreoffice
def test_the_feedback_prints_its_list_first(consolidated, tmp_path):
    _, out = consolidated
    pages = printed_pages(out / "Góp ý - Xã Cẩm Mỹ.xlsx", tmp_path)
    assert "GÓP Ý VỀ BIỂU TỰ ĐÁNH GIÁ: XÃ CẨM MỸ" in pages[0]
    assert "value-invalid" not in pages[0].split("Nội dung và cách sửa")[0]


def test_a_feedback_copy_the_commune_saves_and_sends_back_is_read_past_the_list(
    consolidated, tmp_path
):
    """«Góp ý» now comes first: a commune that fixes its copy and sends it back (saved by its
    spreadsheet program) still has its own table read, not the list."""
    _, out = consolidated
    book = openpyxl.load_workbook(out / "Góp ý - Xã Cẩm Mỹ.xlsx")
    assert book.sheetnames[0] == SHEET
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    with time_machine.travel(datetime(2030, 3, 28, 10, 0, tzinfo=UTC)):  # saved days later
        book.save(inbox / "bieu_cam_my_da_sua.xlsx")
    printed = io.StringIO()
    with redirect_stdout(printed):
        main(["validate", "--explain", str(inbox)])
    text = printed.getvalue()
    assert "Cách đọc tệp «bieu_cam_my_da_sua.xlsx» — Xã Cẩm Mỹ" in text
    assert f"Bảng: trang «{book.sheetnames[1]}»" in text
    assert "Xã Cẩm Mỹ — tệp bieu_cam_my_da_sua.xlsx: " in text
