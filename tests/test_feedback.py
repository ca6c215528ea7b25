"""Feedback workbooks: the commune's own file marked up, the original left untouched."""

from __future__ import annotations

import hashlib
import os
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import python_calamine
import xlsxwriter
import xlwt
from support.render import needs_libreoffice, page_size, printed_pages
from support.reports import DATA_SHEET, UNIT, report_for

from ntm_excel.atomic import FOLDER_LOCK, staging_file
from ntm_excel.issues import Issue, Severity, make_issue
from ntm_excel.model import Unit, UnitReport
from ntm_excel.write import feedback
from ntm_excel.write.feedback import COLUMNS, SHEET, feedback_path, write_feedback


def workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet["A1"] = "UBND XÃ CẨM THÀNH"
    sheet.append([])
    sheet["A8"], sheet["B8"], sheet["E8"] = "4", "Điện", "Đạt"
    sheet.merge_cells("E8:E9")
    sheet["A12"], sheet["D12"], sheet["E12"] = "4.2", 90, "Đạt"
    sheet["D13"] = "=D12*2"
    book.create_sheet("Lộ trình")["A1"] = "Nội dung công việc"
    book.save(path)
    return path


def issue(code: str, sheet: str, cell: str, message: str, severity: Severity, file: str) -> Issue:
    return Issue(code, severity, message, UNIT.code, file, sheet, cell)


def issues_for(file: str) -> list[Issue]:
    return [
        issue("assessment-contradiction", DATA_SHEET, "E12", "Chỉ tiêu 4.2: trái", Severity.WARNING,
              file),
        issue("value-invalid", DATA_SHEET, "E12", "Chỉ tiêu 4.2: sai", Severity.ERROR, file),
        issue("criterion-contradiction", DATA_SHEET, "E9", "Tiêu chí 4: trái", Severity.WARNING,
              file),
        issue("indicator-missing", DATA_SHEET, "", "Thiếu chỉ tiêu 4.1", Severity.ERROR, file),
        issue("value-missing", "=1+1", "D5", "=HYPERLINK(\"x\")", Severity.ERROR, file),
        make_issue("roadmap-not-found", unit_code=UNIT.code, file=file),
    ]  # fmt: skip


def fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_marks_a_copy_of_the_communes_workbook(tmp_path):
    source = workbook(tmp_path / "cam_thanh.xlsx")
    os.utime(source, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = fingerprint(source)
    out = write_feedback(report_for(source), issues_for(source.name), tmp_path / "gop_y")
    assert fingerprint(source) == before
    assert out == tmp_path / "gop_y" / "Góp ý - Xã Cẩm Thành.xlsx"
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [SHEET, DATA_SHEET, "Lộ trình"]
    assert book.active.title == SHEET
    data = book[DATA_SHEET]
    assert data["D12"].value == 90 and data["D13"].value == "=D12*2"  # content kept
    assert data["E12"].fill.fgColor.rgb.endswith("FFC7CE")  # the worst severity: error
    assert "Lỗi: Chỉ tiêu 4.2: sai" in data["E12"].comment.text
    assert "Cảnh báo: Chỉ tiêu 4.2: trái" in data["E12"].comment.text
    assert data["E8"].fill.fgColor.rgb.endswith("FFEB9C")  # E9 is merged into E8
    assert "Tiêu chí 4: trái" in data["E8"].comment.text
    assert data["D12"].comment is None and data["D12"].fill.fill_type is None

    listing = book[SHEET]
    assert listing["A1"].value == "GÓP Ý VỀ BIỂU TỰ ĐÁNH GIÁ: XÃ CẨM THÀNH"
    assert "3 lỗi phải sửa, 2 cảnh báo" in listing["A2"].value
    header = [c.value for c in listing[4]]
    assert header == ["STT", "Mức độ", "Vấn đề", "Trang", "Ô", "Nội dung và cách sửa", "Mã lỗi"]
    rows = [[c.value for c in row] for row in listing.iter_rows(min_row=5)]
    assert [row[1] for row in rows] == ["Lỗi"] * 3 + ["Cảnh báo"] * 2 + ["Thông tin"]
    assert rows[0][2:5] + rows[0][6:] == [
        "Giá trị không hợp lệ",
        DATA_SHEET,
        "E12",
        "value-invalid",
    ]
    assert rows[2][3:6] == ["=1+1", "D5", '=HYPERLINK("x")']
    assert listing.cell(7, 4).data_type == "s" and listing.cell(7, 6).data_type == "s"
    assert listing.cell(5, 5).hyperlink.location == f"'{DATA_SHEET}'!E12"
    assert listing.cell(7, 5).hyperlink is None  # that sheet is not in the workbook


def test_nothing_to_say_writes_nothing(tmp_path):
    source = workbook(tmp_path / "cam_thanh.xlsx")
    assert write_feedback(report_for(source), [], tmp_path / "gop_y") is None
    assert write_feedback(UnitReport(UNIT), issues_for("x.xlsx"), tmp_path / "gop_y") is None
    assert not (tmp_path / "gop_y").exists()


def test_an_earlier_feedback_sheet_is_replaced(tmp_path):
    first = write_feedback(
        report_for(workbook(tmp_path / "a.xlsx")), issues_for("a.xlsx"), tmp_path / "one"
    )
    resent = tmp_path / "resent.xlsx"
    resent.write_bytes(first.read_bytes())
    out = write_feedback(report_for(resent), issues_for("resent.xlsx")[:1], tmp_path / "two")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames.count(SHEET) == 1
    assert book[SHEET].max_row == 5


def test_each_row_of_the_list_has_the_style_of_its_severity(tmp_path):
    """Cells of the same style share it (`feedback._Styles`): each severity keeps its own
    colours, a cell link its blue, every other cell plain wrapped text."""
    source = workbook(tmp_path / "cam_thanh.xlsx")
    out = write_feedback(report_for(source), issues_for(source.name), tmp_path / "gop_y")
    sheet = openpyxl.load_workbook(out)[SHEET]
    seen = set()
    for row in range(5, sheet.max_row + 1):
        label = sheet.cell(row, 2)
        colours = {"Lỗi": ("FFC7CE", "9C0006"), "Cảnh báo": ("FFEB9C", "7F5F00"),
                   "Thông tin": ("DDEBF7", "1F4E78")}[label.value]  # fmt: skip
        assert (label.fill.fgColor.rgb[-6:], label.font.color.rgb[-6:]) == colours
        assert label.font.b and label.alignment.wrap_text
        link = sheet.cell(row, 5)
        if link.hyperlink is not None:
            assert (link.font.color.rgb[-6:], link.font.u) == ("0563C1", "single")
        code = sheet.cell(row, 7)  # the issue's code: small and grey
        assert (code.font.sz, code.font.color.rgb[-6:], code.font.b) == (8, "808080", False)
        for cell in [c for c in sheet[row][:6] if c.column != 2 and c.hyperlink is None]:
            assert (cell.font.name, cell.font.sz, cell.font.b, cell.font.color) == (
                "Times New Roman",
                11,
                False,
                None,
            )
            assert cell.fill.fill_type is None and cell.alignment.vertical == "top"
        seen.add((label.value, link.hyperlink is not None))
    assert seen == {("Lỗi", True), ("Lỗi", False), ("Cảnh báo", True), ("Thông tin", False)}


def test_a_feedback_made_again_is_the_same_workbook(tmp_path):
    """Texts already measured (`styles.row_height` remembers them) and styles already made
    give the same workbook, part for part, as the first time."""
    from support.samples import SampleSpec, write_sample

    from ntm_excel.config import BUNDLED
    from ntm_excel.read.reader import read_submission
    from ntm_excel.reference.catalog import load_catalog
    from ntm_excel.reference.registry import load_registry

    spec = SampleSpec(value_years=(2020, 2021), unit_column=True, note_rows=("15.3",))
    source = write_sample(tmp_path / "cam_thanh.xlsx", spec)
    indicators = load_catalog(BUNDLED / "bo_tieu_chi.csv").resolve("xa_2016_2020", "Hà Tĩnh")
    submission, issues = read_submission(source, load_registry(BUNDLED / "don_vi.xlsx"), indicators)
    problem = issue("value-invalid", spec.sheet_name, "F12", "sai", Severity.ERROR, source.name)
    made = [
        write_feedback(UnitReport(UNIT, submission), [problem, *issues], tmp_path / name)
        for name in ("first", "again")
    ]
    parts = []
    for path in made:
        with zipfile.ZipFile(path) as archive:
            parts.append({name: archive.read(name) for name in archive.namelist()
                          if not name.startswith("docProps/")})  # fmt: skip
    assert parts[0] == parts[1]
    assert b"Times New Roman" in parts[0]["xl/styles.xml"]
    assert b'ht="' in parts[0]["xl/worksheets/sheet3.xml"]  # «Cách đọc biểu»: row heights


def xls(path: Path) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet(DATA_SHEET)
    sheet.write(0, 0, "UBND XÃ CẨM THÀNH")
    book.save(str(path))
    return path


@pytest.mark.parametrize("kind", ["xls", "changed"])
def test_files_that_cannot_be_edited_get_a_separate_list(tmp_path, kind):
    if kind == "xls":
        source = xls(tmp_path / "cam_thanh.xls")
        report = report_for(source)
    else:
        source = workbook(tmp_path / "cam_thanh.xlsx")
        report = report_for(source)
        book = openpyxl.load_workbook(source)  # edited again after it was read
        book[DATA_SHEET]["D12"] = 99
        book.save(source)
    before = fingerprint(source)
    out = write_feedback(report, issues_for(source.name), tmp_path / "gop_y")
    assert fingerprint(source) == before
    assert out == feedback_path(report, tmp_path / "gop_y") and out.suffix == ".xlsx"
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [SHEET]
    rows = list(book[SHEET].iter_rows(min_row=5, values_only=True))
    assert len(rows) == 6
    assert ("Lỗi", "Giá trị không hợp lệ", DATA_SHEET, "E12", "value-invalid") in [
        (*row[1:5], row[6]) for row in rows
    ]
    assert "trong tệp gốc" in book[SHEET]["A2"].value


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_a_message_longer_than_a_cell_holds_is_cut_with_a_note(tmp_path, kind):
    """A commune's 40,000-character cell quoted in a message: Excel would ask to repair a
    cell over 32,767 characters; the message is cut and says so."""
    source = xls(tmp_path / "a.xls") if kind == "xls" else workbook(tmp_path / "a.xlsx")
    long = "Chỉ tiêu 4.2: giá trị «" + "x" * 40_000 + "» không hợp lệ"
    issues = [issue("value-invalid", DATA_SHEET, "E12", long, Severity.ERROR, source.name)]
    out = write_feedback(report_for(source), issues, tmp_path / "gop_y")
    listing = python_calamine.CalamineWorkbook.from_path(out).get_sheet_by_name(SHEET)
    texts = [c for row in listing.to_python() for c in row if isinstance(c, str)]
    assert max(map(len, texts)) <= 32_767
    assert any(t.startswith("Chỉ tiêu 4.2") and "[đã cắt bớt" in t for t in texts)


def test_unit_names_make_safe_file_names(tmp_path):
    odd = UnitReport(Unit("1", 'Xã A/B: "C"?', "xã", "", "", ""))
    assert feedback_path(odd, tmp_path).name == "Góp ý - Xã A_B_ _C__.xlsx"


LONG = (
    "Chỉ tiêu 17.1: giá trị «98,5 (62 nước sạch)» không đọc được thành một số; hãy ghi tỷ lệ hộ "
    "được sử dụng nước hợp vệ sinh và nước sạch theo quy chuẩn bằng một số, ví dụ 98,5, và ghi "
    "phần nước sạch vào cột ghi chú. Sau đó kiểm tra lại cột tự đánh giá của chỉ tiêu này."
)


def test_the_list_prints_on_a4_one_page_wide_with_full_rows(tmp_path):
    source = workbook(tmp_path / "cam_thanh.xlsx")
    issues = [*issues_for(source.name), issue("value-invalid", DATA_SHEET, "D12", LONG,
                                             Severity.ERROR, source.name)]  # fmt: skip
    out = write_feedback(report_for(source), issues, tmp_path / "gop_y")
    sheet = openpyxl.load_workbook(out)[SHEET]
    setup = sheet.page_setup
    assert (setup.paperSize, setup.orientation) == (9, "landscape")  # A4, not Letter
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$4:$4" and sheet.freeze_panes == "A5"
    widths = [sheet.column_dimensions[c].width for c in "ABCDEFG"]
    assert widths == [width for _, width in COLUMNS] and sum(widths) <= 145
    assert {"A1:G1", "A2:G2"} <= {str(r) for r in sheet.merged_cells.ranges}
    rows = {sheet.cell(r, 6).value: r for r in range(5, sheet.max_row + 1)}
    long_row = sheet.row_dimensions[rows[LONG]].height
    short_row = sheet.row_dimensions[rows["Chỉ tiêu 4.2: sai"]].height
    assert long_row >= 4 * 15 and short_row <= 2 * 15  # every line of a message shows
    assert sheet.cell(rows[LONG], 6).alignment.wrap_text
    assert sheet.oddFooter.right.text == "Trang &P/&N"


@needs_libreoffice
def test_the_printed_list(tmp_path):
    """As LibreOffice prints it: A4, the file name as typed ("_xa_" is no line break), the
    long message whole."""
    source = workbook(tmp_path / "TDG_xa_cam_thanh.xlsx")
    issues = [*issues_for(source.name), issue("value-invalid", DATA_SHEET, "D12", LONG,
                                             Severity.ERROR, source.name)]  # fmt: skip
    out = write_feedback(report_for(source), issues, tmp_path / "gop_y")
    pages = printed_pages(out, tmp_path / "pdf")
    assert "A4" in page_size(tmp_path / "pdf" / f"{out.stem}.pdf")
    listing = " ".join(p for p in pages if "GÓP Ý VỀ BIỂU TỰ ĐÁNH GIÁ" in p)
    assert "Tệp: TDG_xa_cam_thanh.xlsx — 4 lỗi" in listing
    words = " ".join(listing.split())
    assert "phần nước sạch vào cột ghi chú. Sau đó kiểm tra lại cột tự đánh giá" in words


def test_text_like_an_escape_sequence_shows_as_typed(tmp_path):
    """Our text ("_xa_" in a file name) is escaped; the commune's own cells are copied as
    they are, so the copy shows what its file shows (openpyxl wrote this one unescaped: Excel
    reads "_x000A_" in it as a line break, and so does the copy)."""
    source = workbook(tmp_path / "TDG_xa_cam_thanh.xlsx")
    book = openpyxl.load_workbook(source)
    book[DATA_SHEET]["B20"] = "Ghi chú: xem tệp 18694_xa_cam_thanh_x000A_.xlsx"
    book.save(source)
    issues = [issue("value-invalid", DATA_SHEET, "E12", "Tệp «a_xd_b» sai", Severity.ERROR,
                    source.name)]  # fmt: skip
    out = write_feedback(report_for(source), issues, tmp_path / "gop_y")
    with zipfile.ZipFile(out) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
    assert "TDG_x005F_xa_cam_thanh.xlsx" in xml
    assert "a_x005F_xd_b" in xml  # the list and the cell's comment
    read = python_calamine.CalamineWorkbook.from_path(out)
    original = python_calamine.CalamineWorkbook.from_path(source)
    data = read.get_sheet_by_name(DATA_SHEET).to_python()
    assert data[19][1] == original.get_sheet_by_name(DATA_SHEET).to_python()[19][1]
    listing = read.get_sheet_by_name(SHEET).to_python()
    assert listing[1][0].startswith("Tệp: TDG_xa_cam_thanh.xlsx — ")
    assert listing[4][5] == "Tệp «a_xd_b» sai"


def test_a_large_workbook_gets_the_list_without_being_loaded(tmp_path, monkeypatch):
    """openpyxl takes about a second and 25 MB per megabyte of XML: past EDIT_LIMIT the
    workbook is not loaded at all."""
    source = tmp_path / "cam_thanh.xlsx"
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet(DATA_SHEET)
    sheet.write_string(0, 0, "UBND XÃ CẨM THÀNH")
    for row in range(1, 3000):
        sheet.write_row(row, 0, [row, f"Dòng ghi chép số {row}", row * 1.5])
    book.close()
    with zipfile.ZipFile(source) as archive:
        xml = sum(i.file_size for i in archive.infolist() if i.filename.endswith(".xml"))
    monkeypatch.setattr(feedback, "EDIT_LIMIT", xml - 1)
    loaded = []
    monkeypatch.setattr(feedback.openpyxl, "load_workbook", lambda *a, **k: loaded.append(a))
    out = write_feedback(report_for(source), issues_for(source.name), tmp_path / "gop_y")
    assert loaded == []
    read = python_calamine.CalamineWorkbook.from_path(out)
    assert read.sheet_names == [SHEET]
    assert feedback.TOO_LARGE in read.get_sheet_by_name(SHEET).to_python()[1][0]


def test_a_workbook_the_reader_refuses_is_not_loaded_either(tmp_path, monkeypatch):
    """The reader's safety checks apply: a part declaring entities is never parsed."""
    source = workbook(tmp_path / "cam_thanh.xlsx")
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(hostile, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + data
            new.writestr(info, data)
    loaded = []
    monkeypatch.setattr(feedback.openpyxl, "load_workbook", lambda *a, **k: loaded.append(a))
    out = write_feedback(report_for(hostile), issues_for(hostile.name), tmp_path / "gop_y")
    assert loaded == []
    read = python_calamine.CalamineWorkbook.from_path(out)
    assert read.sheet_names == [SHEET]


def test_a_far_off_cell_does_not_make_the_copy_walk_the_whole_grid(tmp_path):
    source = workbook(tmp_path / "cam_thanh.xlsx")
    book = openpyxl.load_workbook(source)
    book[DATA_SHEET]["XFD1048576"] = "cuối_x1_"
    book.save(source)
    out = write_feedback(report_for(source), issues_for(source.name), tmp_path / "gop_y")
    copied = openpyxl.load_workbook(out)[DATA_SHEET]
    assert copied["XFD1048576"].value == "cuối_x1_"  # copied as it was


def test_the_reading_sheet_says_how_the_file_was_understood(tmp_path):
    from support.samples import SampleSpec, write_sample

    from ntm_excel.config import BUNDLED
    from ntm_excel.read.reader import read_submission
    from ntm_excel.reference.catalog import load_catalog
    from ntm_excel.reference.registry import load_registry
    from ntm_excel.write.feedback import READING_SHEET

    spec = SampleSpec(value_years=(2020, 2021), unit_column=True, note_rows=("15.3",))
    source = write_sample(tmp_path / "cam_thanh.xlsx", spec)
    indicators = load_catalog(BUNDLED / "bo_tieu_chi.csv").resolve("xa_2016_2020", "Hà Tĩnh")
    submission, issues = read_submission(source, load_registry(BUNDLED / "don_vi.xlsx"), indicators)
    report = UnitReport(UNIT, submission)
    problem = issue("value-invalid", spec.sheet_name, "F12", "sai", Severity.ERROR, source.name)
    out = write_feedback(report, [problem, *issues], tmp_path / "gop_y")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == SHEET and book.sheetnames[-1] == READING_SHEET
    sheet = book[READING_SHEET]
    assert [c.value for c in sheet[4]] == ["Mục", "Vị trí", "Trong biểu", "Đọc là", "Vì sao"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    columns = {row[1]: row for row in rows if row[0] == "Cột"}
    assert columns["D"][2:4] == ["Đơn vị tính", "đơn vị tính"]
    assert columns["F"][2:] == [
        "Kết quả năm 2020",
        "không dùng",
        "cột kết quả kỳ trước, không dùng (năm báo cáo)",
    ]
    assert columns["G"][3] == "kết quả"
    lines = [row for row in rows if row[0] == "Dòng"]
    assert ["1.1", "mã «1.1»"] in [row[3:] for row in lines]
    assert any("dòng ghi chú" in row[4] for row in lines)
    assert sheet.page_setup.fitToWidth == 1 and sheet.print_title_rows == "$4:$4"


def _cells(path: Path) -> dict:
    """Every sheet's cell values and comments."""
    book = openpyxl.load_workbook(path)
    return {
        sheet.title: (
            [[cell.value for cell in row] for row in sheet.iter_rows()],
            [cell.comment.text for row in sheet.iter_rows() for cell in row if cell.comment],
        )
        for sheet in book.worksheets
    }


@pytest.fixture
def feedback_pools(monkeypatch) -> list[int]:
    """Feedback made by two worker processes, whatever the batch; the pools started, by size."""
    from concurrent.futures import ProcessPoolExecutor

    pools = []

    class Pool(ProcessPoolExecutor):
        def __init__(self, workers, **options):
            pools.append(workers)
            super().__init__(workers, **options)

    monkeypatch.setattr(feedback, "default_workers", lambda jobs: 2)
    monkeypatch.setattr(feedback, "ProcessPoolExecutor", Pool)
    return pools


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_feedback_made_in_worker_processes_is_the_same(
    tmp_path, monkeypatch, feedback_pools, start
):
    """From 80 units on, feedback workbooks are made by worker processes: the same files,
    cell for cell and comment for comment, as made one by one here. Forked workers have their
    jobs already; spawned ones (Windows) are sent them."""
    import multiprocessing

    from ntm_excel.check.consolidate import consolidate_from_config
    from ntm_excel.config import load_config

    if start == "spawn":
        spawning = multiprocessing.get_context("spawn")
        monkeypatch.setattr(feedback.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
        monkeypatch.setattr(feedback.multiprocessing, "get_context", lambda method=None: spawning)

    config = load_config()
    root = Path(__file__).resolve().parent.parent
    as_of = date(2021, 3, 25)
    consolidation = consolidate_from_config([root / "workbooks" / "mau_nop"], config, as_of)
    with monkeypatch.context() as here:
        here.setattr(feedback, "default_workers", lambda jobs: 1)
        serial = feedback.write_all_feedback(consolidation, tmp_path / "serial")
    pooled = feedback.write_all_feedback(consolidation, tmp_path / "pooled")
    assert feedback_pools == [2]
    assert [p.name for p in pooled] == [p.name for p in serial] and len(serial) >= 15
    for one, other in zip(serial, pooled, strict=True):
        assert _cells(one) == _cells(other), one.name
    hidden = [p.name for p in (tmp_path / "pooled").iterdir() if p.name.startswith(".")]
    assert hidden == [FOLDER_LOCK]  # no staged file left, only the folder's lock


def test_feedback_is_begun_while_the_history_is_recorded(tmp_path, feedback_pools):
    """`ntm-excel consolidate` begins the feedback workbooks in worker processes as soon as
    the units are judged (before the history is recorded and the master written): the same
    files as written in one go; a run stopped after that leaves no file behind."""

    from ntm_excel.check.consolidate import consolidate_from_config
    from ntm_excel.config import load_config
    from ntm_excel.history import History
    from ntm_excel.write.outputs import OutputWriter, write_outputs

    samples = Path(__file__).resolve().parent.parent / "workbooks" / "mau_nop"
    as_of = date(2021, 3, 25)
    early, stopped = tmp_path / "early", tmp_path / "stopped"
    with History(tmp_path / "state") as history:
        with OutputWriter(
            early / "tong_hop.xlsx", feedback_dir=early / "gop_y", history=history
        ) as writer:
            begun = []

            def judged(consolidation):
                assert consolidation.history is None and not history.consolidations()
                writer.begin(consolidation)
                begun.append(consolidation)
                assert feedback_pools == [2]  # the workers make the feedback from now on

            result = consolidate_from_config(
                [samples], load_config(), as_of, history=history, judged=judged
            )
            assert begun == [result] and result.history is not None
            outputs = writer.write(result)
        with (
            pytest.raises(KeyboardInterrupt),
            OutputWriter(stopped / "tong_hop.xlsx", feedback_dir=stopped / "gop_y") as writer,
        ):
            writer.begin(result)
            raise KeyboardInterrupt
    assert not stopped.exists() or not [
        p for p in stopped.rglob("*") if p.is_file() and not p.name.endswith(".lock")
    ]
    at_once = write_outputs(
        result, tmp_path / "at_once" / "tong_hop.xlsx", feedback_dir=tmp_path / "at_once" / "gop_y"
    )
    assert len(outputs.feedback) >= 15
    assert sorted(p.name for p in outputs.feedback.values()) == sorted(
        p.name for p in at_once.feedback.values()
    )
    for code, path in outputs.feedback.items():
        assert _cells(path) == _cells(at_once.feedback[code]), path.name
    assert [p.name for p in (early / "gop_y").iterdir() if p.name.startswith(".")] == [FOLDER_LOCK]


def test_feedback_kept_until_the_code_it_is_made_with_changes(tmp_path, monkeypatch, capsys):
    """A re-run keeps a unit's feedback workbook while its file and issues are the same; a
    change of the code it is made with (the writer, the styles, the issue words, the reader
    whose reading it shows) makes it written again."""
    from support.samples import SampleSpec, write_sample

    from ntm_excel.cli import main
    from ntm_excel.fingerprint import code_fingerprint

    inbox, out = tmp_path / "inbox", tmp_path / "ket_qua"
    inbox.mkdir()
    write_sample(inbox / "cam_thanh.xlsx", SampleSpec(blank_values=("4.2",)))
    args = [
        "consolidate", str(inbox), "-o", str(out / "tong_hop.xlsx"), "--as-of", "2021-03-25",
        "--state-dir", str(tmp_path / "var"),
    ]  # fmt: skip
    made = []

    def fingerprint(modules, libraries=()):
        made.append({Path(m).name for m in modules})
        return code_fingerprint(modules, libraries)

    feedback._writer_version.cache_clear()
    monkeypatch.setattr(feedback, "code_fingerprint", fingerprint)
    assert main(args) == 0
    workbook = out / "gop_y" / "Góp ý - Xã Cẩm Thành.xlsx"
    first = workbook.stat().st_mtime_ns
    assert main(args) == 0
    assert workbook.stat().st_mtime_ns == first  # kept
    assert {"feedback.py", "package.py", "styles.py", "issues.py", "report.py"} <= made[0]
    feedback._writer_version.cache_clear()
    monkeypatch.setattr(feedback, "reader_version", lambda: "một bộ đọc khác")
    assert main(args) == 0
    capsys.readouterr()
    assert workbook.stat().st_mtime_ns != first  # written again
    feedback._writer_version.cache_clear()


def test_a_workbook_made_in_a_worker_is_staged_in_one_write(tmp_path):
    """A worker writes its workbook straight into the staged file beside the target, readable
    by colleagues on a shared folder; when the writing fails, no file is left behind."""
    target = tmp_path / "gop_y" / "Góp ý - Xã Cẩm Bình.xlsx"
    staged = staging_file(target, b"PK workbook")
    assert staged.parent == target.parent and staged.name.startswith(".Góp ý - Xã Cẩm Bình.")
    assert staged.read_bytes() == b"PK workbook" and not target.exists()
    if os.name == "posix":
        assert staged.stat().st_mode & 0o777 == 0o644
    with pytest.raises(TypeError):
        staging_file(target, "not bytes")  # type: ignore[arg-type]
    assert sorted(p.name for p in target.parent.iterdir()) == [staged.name]
