"""Table structures a seventh probe of commune workbooks found read wrongly: a «Kết quả năm
2020» column before the report's «Kết quả thực hiện», a draft sheet in front of the final one,
Roman criteria whose only indicator shares their row, a roadmap typed beside the table. Each
workbook is written as a real file (.xlsx, .xls, .ods) and read back through `read_workbook`."""

from __future__ import annotations

import struct

import pytest
from support.samples import roman
from support.wild import Book, Sheet, catalogue, write_book

from ntm_excel.check.validate import validate_submission
from ntm_excel.model import Status
from ntm_excel.read.reader import read_workbook

MET, NOT_MET = Status.MET, Status.NOT_MET
ROWS = catalogue("xa_2016_2020")
NAMES = {row.criterion: row.criterion_name for row in ROWS}


def titled(name: str = "Biểu 01") -> tuple[Sheet, int]:
    """A sheet with the title block of Xã Cẩm Thành (a 2021 report); the first free row."""
    sheet = Sheet(name)
    sheet.put(0, 0, "UBND XÃ CẨM THÀNH")
    sheet.put(0, 3, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    sheet.put(2, 0, "BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NÔNG THÔN MỚI NĂM 2021")
    return sheet, 4


def put_row(sheet: Sheet, r: int, cells: list, first: int = 0) -> None:
    for c, value in enumerate(cells, first):
        sheet.put(r, c, value)


def figure(index: int) -> float:
    """A distinct figure per indicator, so that a value read for another is seen."""
    return round(60 + index * 0.7, 1)


def read(tmp_path, registry, indicators, sheets: list[Sheet], fmt: str = "xlsx"):
    path = tmp_path / f"tdg_cam_thanh.{fmt}"
    write_book(Book(sheets), path)
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    return submission, issues


def entries(submission) -> dict[str, tuple[object, Status]]:
    return {e.code: (e.value, e.self_assessment) for e in submission.indicators}


def assessment_table(sheet: Sheet, r: int, *, shift: float = 0.0, numerals: bool = False) -> int:
    """Criteria and indicators of the 2016–2020 set under «TT | Nội dung | Chỉ tiêu | Kết quả
    thực hiện | Tự đánh giá»: every %-indicator's figure is `figure(i) + shift`, each other
    indicator «Đạt»; a criterion with one indicator on one row, criteria numbered I, II …
    with `numerals`. Returns the next free row."""
    put_row(sheet, r, ["TT", "Nội dung tiêu chí", "Chỉ tiêu", "Kết quả thực hiện", "Tự đánh giá"])
    r += 1
    for criterion in sorted(NAMES):
        own = [row for row in ROWS if row.criterion == criterion]
        label = roman(criterion) if numerals else str(criterion)
        if len(own) > 1:
            put_row(sheet, r, [label, NAMES[criterion]])
            r += 1
        for row in own:
            index = ROWS.index(row)
            value = round(figure(index) + shift, 1) if "%" in row.unit else "Đạt"
            code = label if len(own) == 1 else row.code
            put_row(sheet, r, [code, row.text, row.threshold, value, "Đạt"])
            r += 1
    return r


def expected_value(code: str, shift: float = 0.0) -> object:
    row = next(row for row in ROWS if row.code == code)
    return round(figure(ROWS.index(row)) + shift, 1) if "%" in row.unit else "Đạt"


# -- «Kết quả năm 2020» beside the report's «Kết quả thực hiện»


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_an_earlier_years_result_column_before_the_reports_is_not_the_value(
    tmp_path, registry, indicators, fmt
):
    """«Kết quả năm 2020 | Kết quả thực hiện» in a 2021 report: the column without a year is
    the report's, the figures of 2020 are never read as the values (it read them all)."""
    sheet, r = titled()
    heads = ["TT", "Nội dung tiêu chí", "Chỉ tiêu", "Kết quả năm 2020", "Kết quả thực hiện"]
    put_row(sheet, r, [*heads, "Tự đánh giá"])
    put_row(sheet, r + 1, ["3", "Thủy lợi"])
    put_row(sheet, r + 2, ["3.1", "Tỷ lệ diện tích đất được tưới", "≥80%", 71.5, 86.5, "Đạt"])
    put_row(sheet, r + 3, ["3.2", "Đảm bảo yêu cầu dân sinh", "Đạt", "Chưa đạt", "Đạt", "Đạt"])
    put_row(sheet, r + 4, ["5", "Trường học đạt chuẩn", "≥80%", 50, 87.5, "Đạt"])
    put_row(sheet, r + 5, ["11", "Tỷ lệ hộ nghèo đa chiều", "≤5%", 6.2, 4.1, "Đạt"])
    submission, issues = read(tmp_path, registry, indicators, [sheet], fmt)
    found = entries(submission)
    assert found["3.1"] == (86.5, MET)
    assert found["3.2"] == ("Đạt", MET)
    assert found["5"] == (87.5, MET)
    assert found["11"] == (4.1, MET)
    chosen = [issue for issue in issues if issue.code == "value-column-chosen"]
    assert len(chosen) == 1 and "Kết quả thực hiện" in chosen[0].message
    assert chosen[0].sheet == "Biểu 01"


def test_the_reports_year_column_beside_one_without_a_year_is_the_value(
    tmp_path, registry, indicators
):
    """«Kết quả thực hiện | Ước thực hiện năm 2021» in a 2021 report: the column naming the
    report's year is the value (it read the first column)."""
    sheet, r = titled()
    heads = ["TT", "Nội dung tiêu chí", "Kết quả thực hiện", "Ước thực hiện năm 2021"]
    put_row(sheet, r, [*heads, "Tự đánh giá"])
    put_row(sheet, r + 1, ["5", "Trường học đạt chuẩn", 75, 82.5, "Đạt"])
    put_row(sheet, r + 2, ["11", "Tỷ lệ hộ nghèo đa chiều", 6.2, 4.4, "Đạt"])
    submission, issues = read(tmp_path, registry, indicators, [sheet])
    assert entries(submission)["5"] == (82.5, MET)
    assert entries(submission)["11"] == (4.4, MET)
    assert "value-column-chosen" in {issue.code for issue in issues}


# -- a draft copy of the sheet in front of the final one


@pytest.mark.parametrize(
    ("draft", "final"),
    [("Bản nháp", "Chính thức"), ("TDG du thao", "TDG"), ("Nháp", "Final")],
)
@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_draft_copy_in_front_gives_way_to_the_final_sheet(
    tmp_path, registry, indicators, draft, final, fmt
):
    """The same table twice, the draft first with older figures: the final one is read (the
    draft was, for standing first) and `sheet-chosen` names the draft."""
    first, r = titled(draft)
    assessment_table(first, r, shift=-7.7)
    second, r = titled(final)
    assessment_table(second, r)
    submission, issues = read(tmp_path, registry, indicators, [first, second], fmt)
    assert submission.sheet == final
    found = entries(submission)
    for code in ("2.1", "3.1", "5", "11", "17.8"):
        assert found[code] == (expected_value(code), MET)
    chosen = [issue for issue in issues if issue.code == "sheet-chosen"]
    assert len(chosen) == 1 and f"«{draft}» là bản nháp" in chosen[0].message


def test_a_sheet_for_data_entry_is_no_draft(tmp_path, registry, indicators):
    """«Nhập liệu» (data entry) is not «nháp»: of two unmarked copies the first is read."""
    first, r = titled("Nhập liệu")
    assessment_table(first, r)
    second, r = titled("In")
    assessment_table(second, r, shift=-3.3)
    submission, _ = read(tmp_path, registry, indicators, [first, second])
    assert submission.sheet == "Nhập liệu"
    assert entries(submission)["5"] == (expected_value("5"), MET)


# -- Roman criteria, a criterion's only indicator on its row


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_roman_criteria_with_their_only_indicator_on_their_row_are_read(
    tmp_path, registry, indicators, fmt
):
    """«V | Tỷ lệ trường học … | ≥80 | 85 | Đạt» under criteria numbered I … XIX, their
    indicators «1.1», «2.1» …: the single-indicator criteria (5, 7, 10, 11, 12, 16) were taken
    for section headings and lost."""
    sheet, r = titled()
    assessment_table(sheet, r, numerals=True)
    submission, issues = read(tmp_path, registry, indicators, [sheet], fmt)
    found = entries(submission)
    assert set(found) == {row.code for row in ROWS}
    for code in ("1.1", "5", "7", "10", "11", "12", "16", "19.2"):
        assert found[code] == (expected_value(code), MET)
    assert "indicator-missing" not in {issue.code for issue in issues}


def test_roman_sections_over_numbered_criteria_stay_sections(tmp_path, registry, indicators):
    """«I. QUY HOẠCH», «II. HẠ TẦNG …», «III. KINH TẾ …» over criteria 1, 2 … 10: sections,
    not criteria (III is followed by criterion 10)."""
    sheet, r = titled()
    put_row(sheet, r, ["TT", "Nội dung tiêu chí", "Chỉ tiêu", "Kết quả thực hiện", "Tự đánh giá"])
    lines = [
        ["I", "QUY HOẠCH"],
        ["1", "Quy hoạch"],
        ["1.1", ROWS[0].text, "Đạt", "Đạt", "Đạt"],
        ["II", "HẠ TẦNG KINH TẾ - XÃ HỘI"],
        ["2", "Giao thông"],
        ["2.1", ROWS[2].text, "Đạt", 91.5, "Đạt"],
        ["III", "KINH TẾ VÀ TỔ CHỨC SẢN XUẤT"],
        ["10", "Thu nhập bình quân đầu người", "≥36", 41.5, "Đạt"],
        ["IV", "VĂN HÓA - XÃ HỘI - MÔI TRƯỜNG"],
        ["16", "Tỷ lệ thôn đạt chuẩn văn hóa", "≥70%", 75.5, "Đạt"],
    ]
    for k, line in enumerate(lines, r + 1):
        put_row(sheet, k, line)
    submission, _ = read(tmp_path, registry, indicators, [sheet])
    found = entries(submission)
    assert set(found) == {"1.1", "2.1", "10", "16"}
    assert found["10"] == (41.5, MET)
    assert found["16"] == (75.5, MET)


# -- a roadmap typed beside the table


def roadmap_beside(sheet: Sheet, top: int, first: int, *, title_row: bool) -> None:
    """A roadmap from column `first`: its heading on row `top` (its title above it), or its
    title on row `top` and its heading two rows below (`title_row`)."""
    head = top + 2 if title_row else top
    sheet.put(head - 2, first, "LỘ TRÌNH THỰC HIỆN CÁC TIÊU CHÍ CHƯA ĐẠT NĂM 2021")
    put_row(
        sheet,
        head,
        ["TT", "Tiêu chí", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"],
        first,
    )
    put_row(sheet, head + 1, [1, "Tiêu chí số 5", "Nâng cấp trường mầm non", "Tháng 6/2021",
                              "Nguyễn Văn Hùng"], first)  # fmt: skip
    put_row(sheet, head + 2, [2, "Tiêu chí số 17", "Xây dựng 5 mô hình vườn mẫu",
                              "Quý III/2021", "Trần Thị Lan"], first)  # fmt: skip


@pytest.mark.parametrize("title_row", [False, True])
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_roadmap_beside_the_table_gives_its_tasks_not_the_indicators(
    tmp_path, registry, indicators, fmt, title_row
):
    """The roadmap typed to the right of the table, after two empty columns: its two tasks
    are read with their deadlines, and no indicator row becomes a task (every one of the 49
    was read as a task under the roadmap's «Thời gian hoàn thành»)."""
    sheet, r = titled()
    assessment_table(sheet, r)
    roadmap_beside(sheet, r, 7, title_row=title_row)
    submission, _ = read(tmp_path, registry, indicators, [sheet], fmt)
    assert entries(submission)["5"] == (expected_value("5"), MET)
    assert len(submission.indicators) == len(ROWS)
    tasks = {task.text: task for task in submission.tasks}
    assert set(tasks) == {"Nâng cấp trường mầm non", "Xây dựng 5 mô hình vườn mẫu"}
    assert str(tasks["Nâng cấp trường mầm non"].due) == "2021-06-30"
    assert str(tasks["Xây dựng 5 mô hình vườn mẫu"].due) == "2021-09-30"
    assert tasks["Nâng cấp trường mầm non"].cell == f"J{r + (4 if title_row else 2)}"
    assert {column.column for column in submission.reading.columns} <= set("ABCDE")


# -- a provincial criterion the catalogue does not have, after 19 and 20


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_criterion_beyond_the_catalogue_is_reported_not_read_as_a_neighbours_indicator(
    tmp_path, registry, indicators, fmt
):
    """Criteria 1 … 20 and a provincial «21 | Tỷ lệ thôn đạt làng văn hóa kiểu mẫu» the
    set has not: the TT column (1 … 21 in sequence beside «1.1», «1.2» …) numbers criteria,
    not rows, so criterion 20 keeps its own figure and row 21 is read as «21.1», which the
    check reports (it went to a made-up «20.2», 20 matched only by its wording)."""
    sheet, r = titled()
    end = assessment_table(sheet, r)
    put_row(sheet, end, ["21", "Tỷ lệ thôn đạt làng văn hóa kiểu mẫu", "≥30%", 33.5, "Đạt"])
    submission, _ = read(tmp_path, registry, indicators, [sheet], fmt)
    found = entries(submission)
    assert "20.2" not in found
    assert found["21.1"] == (33.5, MET)
    assert found["20"] == ("Đạt", MET)
    how = {line.row: line.how for line in submission.reading.rows}
    assert how[end] == "dòng tiêu chí 20 cũng là chỉ tiêu duy nhất"
    _, _, checked = validate_submission(submission, registry.get("18694"), indicators)
    unknown = [issue for issue in checked if issue.code == "criterion-unknown"]
    assert len(unknown) == 1 and "Tiêu chí 21 " in unknown[0].message
    assert (unknown[0].sheet, unknown[0].cell) == ("Biểu 01", f"D{end + 1}")


# -- a criterion's row holding its first indicator, «N.2» below it


@pytest.mark.parametrize("named", [True, False])
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_criterion_row_holding_its_first_indicator_above_n2_is_that_indicator(
    tmp_path, registry, indicators, fmt, named
):
    """«2 | Giao thông | Đường xã … | 91,5 | Đạt» over «2.2 | … »: the criterion's row is
    2.1 (it was taken for a heading and 2.1 was lost). Without a name column the wording
    starts with the criterion's name («Giao thông: Đường xã …»)."""
    sheet, r = titled()
    heads = ["TT", "Tên tiêu chí", "Nội dung tiêu chí", "Chỉ tiêu", "Kết quả", "Tự đánh giá"]
    put_row(sheet, r, heads if named else heads[:1] + heads[2:])
    texts = {row.code: row.text for row in ROWS}
    lines = [
        ["1", "Quy hoạch", texts["1.1"], "Đạt", "Đạt", "Đạt"],
        ["1.2", None, texts["1.2"], "Đạt", "Chưa đạt", "Chưa đạt"],
        ["2", "Giao thông", texts["2.1"], "100%", 91.5, "Chưa đạt"],
        ["2.2", None, texts["2.2"], "≥70%", 72.5, "Đạt"],
        ["2.3", None, texts["2.3"], "100%", 100, "Đạt"],
        ["2.4", None, texts["2.4"], "≥70%", 64.5, "Chưa đạt"],
        ["5", "Trường học", texts["5"], "≥80%", 85.5, "Đạt"],
    ]
    for k, line in enumerate(lines, r + 1):
        if not named:
            name = line.pop(1)
            line[1] = f"{name}: {line[1]}" if name else line[1]
        put_row(sheet, k, line)
    submission, issues = read(tmp_path, registry, indicators, [sheet], fmt)
    found = entries(submission)
    assert found["1.1"] == ("Đạt", MET)
    assert found["1.2"] == ("Chưa đạt", NOT_MET)
    assert found["2.1"] == (91.5, NOT_MET)
    assert found["2.2"] == (72.5, MET)
    assert found["5"] == (85.5, MET)
    cells = {e.code: e.value_cell for e in submission.indicators}
    assert cells["2.1"] == f"{'E' if named else 'D'}{r + 4}"
    assert "indicator-code-mismatch" not in {issue.code for issue in issues}


# -- the table going on in a second sheet without its heading


def split_table(first_name: str, second_name: str) -> tuple[Sheet, Sheet]:
    """Criteria 1–10 under the heading on one sheet, 11–20 on the next without a heading
    (the second printed page), in the same columns."""
    sheet, r = titled(first_name)
    whole = Sheet("whole")
    end = assessment_table(whole, 0)
    split = next(row for (row, col), cell in whole.cells.items() if col == 0 and cell.value == "11")
    for (row, col), cell in whole.cells.items():
        if row < split:
            sheet.put(r + row, col, cell.value)
    second = Sheet(second_name)
    for (row, col), cell in whole.cells.items():
        if row >= split:
            second.put(row - split + 1, col, cell.value)
    second.put(end - split + 3, 3, "TM. UBND XÃ")
    return sheet, second


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_second_sheet_going_on_without_a_heading_is_read_with_the_tables_columns(
    tmp_path, registry, indicators, fmt
):
    """«Biểu 01» holds criteria 1–10 under the heading, «Trang 2» criteria 11–20 without
    one: all 50 indicators are read, the second sheet's cells named (they were lost)."""
    first, second = split_table("Biểu 01", "Trang 2")
    submission, issues = read(tmp_path, registry, indicators, [first, second], fmt)
    found = entries(submission)
    assert set(found) == {row.code for row in ROWS}
    assert found["11"] == (expected_value("11"), MET)
    assert found["17.8"] == (expected_value("17.8"), MET)
    sheets = {e.code: e.sheet for e in submission.indicators}
    assert sheets["10"] == "Biểu 01" and sheets["11"] == "Trang 2"
    assert "indicator-missing" not in {issue.code for issue in issues}
    assert any("«Trang 2»: bảng tự đánh giá tiếp theo" in note for note in submission.reading.notes)


def test_a_roadmap_sheet_after_a_table_missing_rows_is_not_read_as_indicators(
    tmp_path, registry, indicators
):
    """A table without criteria 11–20, then a roadmap whose rows number its tasks: the
    roadmap is no continuation of the table (its numbers are not criteria after 10)."""
    first, _ = split_table("Biểu 01", "unused")
    roadmap = Sheet("Lộ trình")
    put_row(roadmap, 0, ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"])
    for k in range(1, 6):
        put_row(roadmap, k, [k, f"Xây dựng {k} mô hình vườn mẫu", "Tháng 6/2021", "Lê Văn An"])
    submission, _ = read(tmp_path, registry, indicators, [first, roadmap])
    assert {e.criterion_no for e in submission.indicators} == set(range(1, 11))
    assert len(submission.tasks) == 5


# -- an .xls (BIFF8) whose CODEPAGE record names 1258


@pytest.mark.parametrize("page", [1258, 1252])
def test_an_xls_whose_codepage_record_names_an_ansi_page_is_read_as_unicode(
    tmp_path, registry, indicators, page
):
    """A BIFF8 workbook (its text in Unicode) whose CODEPAGE record says 1258, as some
    Vietnamese software writes it: read as Excel reads it (every string was garbled, the
    table and the unit not found). The file itself is left as it came."""
    sheet, r = titled()
    assessment_table(sheet, r)
    path = tmp_path / "tdg_cam_thanh.xls"
    write_book(Book([sheet]), path)
    utf16 = struct.pack("<HHH", 0x0042, 2, 1200)
    data = path.read_bytes()
    assert data.count(utf16) == 1
    path.write_bytes(data.replace(utf16, struct.pack("<HHH", 0x0042, 2, page)))
    written = path.read_bytes()
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    assert submission.unit_code == "18694"
    assert submission.sheet == "Biểu 01"
    found = entries(submission)
    assert len(found) == len(ROWS)
    assert found["5"] == (expected_value("5"), MET)
    assert found["1.1"] == ("Đạt", MET)
    assert "table-not-found" not in {issue.code for issue in issues}
    assert path.read_bytes() == written


# -- criterion rows named by an abbreviation, without their number


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_an_abbreviated_criterion_row_over_its_first_indicator_is_that_criterion(
    tmp_path, registry, indicators, fmt
):
    """Criterion rows without a number, named «GT», «TL», each over its
    indicators «2a», «3a» …: each is its criterion's own row with its assessment («GT» was
    read as indicator 5, whose wording holds «GT», and 5 was then reported twice)."""
    sheet, r = titled()
    put_row(sheet, r, ["TT", "Nội dung tiêu chí", "Kết quả thực hiện", "Tự đánh giá"])
    texts = {row.code: row.text for row in ROWS}
    lines = [
        [None, "Quy hoạch", None, "Đạt"],
        ["1a", texts["1.1"], "Đạt", "Đạt"],
        ["1b", texts["1.2"], "Đạt", "Đạt"],
        [None, "GT", None, "Chưa đạt"],
        ["2a", texts["2.1"], 91.5, "Chưa đạt"],
        ["2b", texts["2.2"], 72.5, "Đạt"],
        ["2c", texts["2.3"], 100, "Đạt"],
        ["2d", texts["2.4"], 64.5, "Chưa đạt"],
        [None, "TL", None, "Đạt"],
        ["3a", texts["3.1"], 85.5, "Đạt"],
        ["3b", texts["3.2"], "Đạt", "Đạt"],
        [None, "Trường học", None, None],
        ["5", texts["5"], 82.5, "Đạt"],
    ]
    for k, line in enumerate(lines, r + 1):
        put_row(sheet, k, line)
    submission, issues = read(tmp_path, registry, indicators, [sheet], fmt)
    found = entries(submission)
    assert set(found) == {"1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "5"}
    assert found["2.1"] == (91.5, NOT_MET)
    assert found["5"] == (82.5, MET)
    criteria = {entry.criterion_no: entry for entry in submission.criteria}
    assert criteria[2].self_assessment == NOT_MET and criteria[2].cell == f"D{r + 5}"
    assert criteria[3].self_assessment == MET
    how = {line.row: line.how for line in submission.reading.rows}
    assert how[r + 5] == "tiêu chí 2"
    assert "indicator-duplicate" not in {issue.code for issue in issues}


# -- «Kết quả tự đánh giá» holding the figures, beside «Đạt/Chưa đạt»


@pytest.mark.parametrize(
    ("result", "verdict"),
    [
        ("Kết quả tự đánh giá của xã", "Đạt/Chưa đạt"),
        ("Kết quả tự đánh giá", "Đánh giá"),
        ("Xã tự đánh giá kết quả", "Mức độ đạt"),
    ],
)
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_result_column_headed_as_a_self_assessment_is_the_result_beside_the_verdicts(
    tmp_path, registry, indicators, fmt, result, verdict
):
    """Both headings name a self-assessment, the first column holds the figures and the
    second Đạt/Chưa đạt: the first is the result, the second the self-assessment (the
    figures were read as self-assessments, every numeric indicator's left unknown, and the
    Đạt/Chưa đạt column unused, without a word)."""
    sheet, r = titled()
    put_row(sheet, r, ["TT", "Nội dung tiêu chí", "Chỉ tiêu", result, verdict])
    for k, line in enumerate(JUDGED_LINES, r + 1):
        put_row(sheet, k, line)
    submission, _ = read(tmp_path, registry, indicators, [sheet], fmt)
    found = entries(submission)
    assert found["3.1"] == (86.5, MET)
    assert found["3.2"] == ("Đạt", MET)
    assert found["5"] == (72.5, NOT_MET)
    assert found["11"] == (4.1, MET)
    cells = {e.code: e.assessment_cell for e in submission.indicators}
    assert cells["5"] == f"E{r + 5}"
    roles = {column.column: column.role for column in submission.reading.columns}
    assert (roles["D"], roles["E"]) == ("kết quả", "tự đánh giá")


# -- result and self-assessment headings the vocabulary does not know, told by their cells

KNOWN_BY_CELLS = [
    ("Thực tế", "So với chuẩn"),  # the verdicts' heading unknown
    ("Đã đạt được", "Kết luận"),  # the results' heading unknown
    ("Mức độ đạt được", "So với chuẩn"),  # the results headed as a self-assessment
]


# a criterion heading and four rows: wording, requirement, result, self-assessment
JUDGED_LINES = [
    ["3", "Thủy lợi"],
    ["3.1", "Tỷ lệ diện tích đất được tưới", "≥80%", 86.5, "Đạt"],
    ["3.2", "Đảm bảo yêu cầu dân sinh", "Đạt", "Đạt", "Đạt"],
    ["5", "Trường học đạt chuẩn", "≥80%", 72.5, "Chưa đạt"],
    ["11", "Tỷ lệ hộ nghèo đa chiều", "≤5%", 4.1, "Đạt"],
]


def mixed_table(sheet: Sheet, r: int, heads: list[str]) -> None:
    """A table of counted and judged indicators under `heads`."""
    put_row(sheet, r, heads)
    lines = [
        ["1", "Quy hoạch"],
        ["1.1", ROWS[0].text, "Đạt", "Đạt", "Đạt"],
        ["1.2", ROWS[1].text, "Đạt", "Chưa đạt", "Chưa đạt"],
        ["3", "Thủy lợi"],
        ["3.1", "Tỷ lệ diện tích đất được tưới", "≥80%", 86.5, "Đạt"],
        ["3.2", "Đảm bảo yêu cầu dân sinh", "Đạt", "Đạt", "Đạt"],
        ["5", "Trường học đạt chuẩn", "≥80%", 72.5, "Chưa đạt"],
        ["9", "Nhà ở dân cư"],
        ["9.1", "Nhà tạm, dột nát", "Không", "Không", "Đạt"],
        ["9.2", "Tỷ lệ hộ có nhà ở đạt chuẩn", "≥75%", 81.5, "Đạt"],
    ]
    for k, line in enumerate(lines, r + 1):
        put_row(sheet, k, line)


@pytest.mark.parametrize(("result", "verdict"), KNOWN_BY_CELLS)
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_result_and_self_assessment_columns_unknown_by_heading_are_told_by_their_cells(
    tmp_path, registry, indicators, fmt, result, verdict
):
    """«Thực tế | So với chuẩn», «Đã đạt được | Kết luận», «Mức độ đạt được | So với
    chuẩn»: figures and short words right before a column of Đạt/Chưa đạt are the results,
    that column the self-assessments (one of the two was lost on every row, each reported
    missing)."""
    sheet, r = titled()
    mixed_table(sheet, r, ["TT", "Nội dung tiêu chí", "Chỉ tiêu", result, verdict])
    submission, issues = read(tmp_path, registry, indicators, [sheet], fmt)
    found = entries(submission)
    assert found["1.2"] == ("Chưa đạt", NOT_MET)
    assert found["3.1"] == (86.5, MET)
    assert found["5"] == (72.5, NOT_MET)
    assert found["9.1"][1] == MET
    assert found["9.2"] == (81.5, MET)
    roles = {column.column: column.role for column in submission.reading.columns}
    assert (roles["D"], roles["E"]) == ("kết quả", "tự đánh giá")
    codes = {issue.code for issue in issues}
    assert not codes & {"value-missing", "assessment-missing", "assessment-unreadable"}


@pytest.mark.parametrize("heading", ["Mục tiêu", "Kế hoạch"])
def test_targets_before_the_self_assessment_are_not_taken_for_results(
    tmp_path, registry, indicators, heading
):
    """«Mục tiêu | Tự đánh giá» and no result column: the targets are no results (each
    value stays missing, and said so)."""
    sheet, r = titled()
    mixed_table(sheet, r, ["TT", "Nội dung tiêu chí", "Chỉ tiêu", heading, "Tự đánh giá"])
    submission, _ = read(tmp_path, registry, indicators, [sheet])
    assert entries(submission)["3.1"] == (None, MET)


@pytest.mark.parametrize("next_label", [["2", "Giao thông"], [None, "Giao thông", None, "Đạt"]])
def test_a_group_subtotal_before_the_next_criterion_is_no_criterion(
    tmp_path, registry, indicators, next_label
):
    """«Cộng nhóm I: đạt 1 tiêu chí» (no result, no assessment) before criterion 2: read as
    nothing, 2.1 stays on its own row."""
    sheet, r = titled()
    put_row(sheet, r, ["TT", "Nội dung tiêu chí", "Kết quả thực hiện", "Tự đánh giá"])
    texts = {row.code: row.text for row in ROWS}
    lines = [
        [None, "Quy hoạch", None, "Đạt"],
        ["1a", texts["1.1"], "Đạt", "Đạt"],
        ["1b", texts["1.2"], "Đạt", "Đạt"],
        [None, "Cộng nhóm I: đạt 1 tiêu chí"],
        next_label,
        ["2a", texts["2.1"], 91.5, "Chưa đạt"],
        ["2b", texts["2.2"], 72.5, "Đạt"],
    ]
    for k, line in enumerate(lines, r + 1):
        put_row(sheet, k, line)
    submission, issues = read(tmp_path, registry, indicators, [sheet])
    found = entries(submission)
    assert set(found) == {"1.1", "1.2", "2.1", "2.2"}
    assert found["2.1"] == (91.5, NOT_MET)
    assert {e.code: e.value_cell for e in submission.indicators}["2.1"] == f"C{r + 7}"
    assert "indicator-duplicate" not in {issue.code for issue in issues}


# -- the wording, the requirements and the rows' labels under headings not known


@pytest.mark.parametrize("heading", ["Danh mục tiêu chí", "Chỉ tiêu cụ thể", "Hạng mục"])
@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_the_wording_column_is_found_by_its_long_texts(
    tmp_path, registry, indicators, fmt, heading
):
    """Rows without codes under «Số TT | <heading> | Chỉ tiêu theo QĐ 1980 | Kết quả |
    Tự đánh giá»: the column of long texts is the wording, and each row is matched by it
    (the heading was unknown or taken for the requirements, and 43 of 50 rows were lost)."""
    sheet, r = titled()
    heads = ["Số TT", heading, "Chỉ tiêu theo QĐ 1980", "Kết quả thực hiện", "Tự đánh giá"]
    put_row(sheet, r, heads)
    k = r + 1
    for criterion in sorted(NAMES):
        own = [row for row in ROWS if row.criterion == criterion]
        put_row(sheet, k, [str(criterion), NAMES[criterion]])
        k += 1
        for row in own:
            value = figure(ROWS.index(row)) if "%" in row.unit else "Đạt"
            put_row(sheet, k, [None, row.text, row.threshold, value, "Đạt"])
            k += 1
    submission, _ = read(tmp_path, registry, indicators, [sheet], fmt)
    found = entries(submission)
    assert set(found) == {row.code for row in ROWS}
    for code in ("2.3", "9.2", "17.6", "18.4"):
        assert found[code] == (expected_value(code), MET)
    roles = {column.column: column.role for column in submission.reading.columns}
    assert roles["B"] == "nội dung chỉ tiêu"


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_a_requirement_column_headed_mức_đạt_chuẩn_is_no_self_assessment(
    tmp_path, registry, indicators, fmt
):
    """«Mức đạt chuẩn» (a heading the vocabulary reads as a self-assessment) holding «≥80%»,
    «Đạt» before «Kết quả | Tự đánh giá»: the requirements, never the self-assessments (its
    «Đạt» was read as every Đạt/Không đạt indicator's assessment, «Chưa đạt» ones too)."""
    sheet, r = titled()
    mixed = [["TT", "Nội dung tiêu chí", "Mức đạt chuẩn", "Kết quả thực hiện", "Tự đánh giá"]]
    mixed_table(sheet, r, mixed[0])
    submission, _ = read(tmp_path, registry, indicators, [sheet], fmt)
    found = entries(submission)
    assert found["1.2"] == ("Chưa đạt", NOT_MET)
    assert found["5"] == (72.5, NOT_MET)
    roles = {column.column: column.role for column in submission.reading.columns}
    assert roles["C"].startswith("mức chuẩn") and roles["E"] == "tự đánh giá"


@pytest.mark.parametrize(("label", "wording"), [("Ký hiệu", "Hạng mục"), ("#", "Nội dung xét")])
def test_a_table_whose_row_labels_have_unknown_headings_is_found(
    tmp_path, registry, indicators, label, wording
):
    """«Ký hiệu | Hạng mục | Chỉ tiêu chung | Kết quả thực hiện | Tự đánh giá»: the
    requirement, result and self-assessment columns make the table (it was not found)."""
    sheet, r = titled()
    mixed_table(sheet, r, [label, wording, "Chỉ tiêu chung", "Kết quả thực hiện", "Tự đánh giá"])
    submission, issues = read(tmp_path, registry, indicators, [sheet])
    found = entries(submission)
    assert found["3.1"] == (86.5, MET)
    assert found["5"] == (72.5, NOT_MET)
    assert "table-not-found" not in {issue.code for issue in issues}


# -- a roadmap below the table, the signature after it


def roadmap_rows(sheet: Sheet, head: int, first: int = 0) -> None:
    """A roadmap's heading on row `head` and its two tasks."""
    heads = ["TT", "Tiêu chí", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"]
    put_row(sheet, head, heads, first)
    put_row(sheet, head + 1, [1, "Tiêu chí số 5", "Nâng cấp trường mầm non", "Tháng 6/2021",
                              "Nguyễn Văn Hùng"], first)  # fmt: skip
    put_row(sheet, head + 2, [2, "Tiêu chí số 17", "Xây dựng 5 mô hình vườn mẫu",
                              "Quý III/2021", "Trần Thị Lan"], first)  # fmt: skip


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_roadmap_below_the_table_past_row_80_signed_after_it_is_read(
    tmp_path, registry, indicators, fmt
):
    """The table (its heading on row 16, blank rows between its criteria) ends on the
    roadmap's heading on row 100, the signature under the roadmap: its tasks are read (it
    was looked for under the signature, and above row 80 only)."""
    sheet, r = titled()
    r += 10
    whole = Sheet("whole")
    end = assessment_table(whole, 0)
    shift, last = 0, None
    for (row, col), cell in sorted(whole.cells.items()):
        if col == 0 and row and isinstance(cell.value, str) and cell.value.isdigit():
            shift += row != last
        last = row
        sheet.put(r + row + shift, col, cell.value)
    head = r + end + shift + 3
    sheet.put(head - 2, 0, "LỘ TRÌNH THỰC HIỆN CÁC TIÊU CHÍ CHƯA ĐẠT")
    roadmap_rows(sheet, head)
    sheet.put(head + 5, 3, "TM. UBND XÃ")
    sheet.put(head + 6, 3, "CHỦ TỊCH")
    assert head > 90
    submission, _ = read(tmp_path, registry, indicators, [sheet], fmt)
    assert len(submission.indicators) == len(ROWS)
    tasks = {task.text: task for task in submission.tasks}
    assert set(tasks) == {"Nâng cấp trường mầm non", "Xây dựng 5 mô hình vườn mẫu"}
    assert str(tasks["Xây dựng 5 mô hình vườn mẫu"].due) == "2021-09-30"
    assert tasks["Nâng cấp trường mầm non"].cell == f"C{head + 2}"


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_roadmap_beside_a_two_row_heading_leaves_the_heading_whole(
    tmp_path, registry, indicators, fmt
):
    """«Kết quả tự đánh giá» merged over «Kết quả | Đánh giá», the roadmap's heading on the
    same row two columns to the right, its tasks on the row of the sub-headings: the
    heading keeps its second row (the roadmap's figures were read as the results)."""
    sheet, r = titled()
    put_row(sheet, r, ["TT", "Nội dung tiêu chí", "Chỉ tiêu", "Kết quả tự đánh giá"])
    for col in (0, 1, 2):
        sheet.merge(r, col, r + 1, col)
    sheet.merge(r, 3, r, 4)
    put_row(sheet, r + 1, [None, None, None, "Kết quả", "Đánh giá"])
    for k, line in enumerate(JUDGED_LINES, r + 2):
        put_row(sheet, k, line)
    roadmap_rows(sheet, r, 7)
    submission, _ = read(tmp_path, registry, indicators, [sheet], fmt)
    found = entries(submission)
    assert found["3.1"] == (86.5, MET)
    assert found["5"] == (72.5, NOT_MET)
    assert found["11"] == (4.1, MET)
    assert submission.reading.header_rows == f"{r + 1}–{r + 2}"
    assert {task.text for task in submission.tasks} == {
        "Nâng cấp trường mầm non",
        "Xây dựng 5 mô hình vườn mẫu",
    }


def test_roman_criteria_over_lettered_indicators_are_criteria(tmp_path, registry, indicators):
    """«I | QUY HOẠCH» over «1a», «1b», «V | Tỷ lệ trường học …» alone: Roman numbers are the
    criteria, the single-indicator ones read (5 was a section heading and lost)."""
    sheet, r = titled()
    put_row(sheet, r, ["TT", "Nội dung tiêu chí", "Kết quả thực hiện", "Tự đánh giá"])
    texts = {row.code: row.text for row in ROWS}
    lines = [
        ["I", "QUY HOẠCH", None, "Đạt"],
        ["1a", texts["1.1"], "Đạt", "Đạt"],
        ["1b", texts["1.2"], "Đạt", "Đạt"],
        ["II", "GIAO THÔNG", None, "Chưa đạt"],
        ["2a", texts["2.1"], 91.5, "Chưa đạt"],
        ["2b", texts["2.2"], 72.5, "Đạt"],
        ["III", "THỦY LỢI", None, "Đạt"],
        ["3a", texts["3.1"], 85.5, "Đạt"],
        ["3b", texts["3.2"], "Đạt", "Đạt"],
        ["IV", "ĐIỆN", None, "Đạt"],
        ["4a", texts["4.1"], "Đạt", "Đạt"],
        ["4b", texts["4.2"], 99.5, "Đạt"],
        ["V", texts["5"], 82.5, "Đạt"],
    ]
    for k, line in enumerate(lines, r + 1):
        put_row(sheet, k, line)
    submission, _ = read(tmp_path, registry, indicators, [sheet])
    found = entries(submission)
    assert found["5"] == (82.5, MET)
    assert found["2.1"] == (91.5, NOT_MET)
    criteria = {entry.criterion_no: entry.self_assessment for entry in submission.criteria}
    assert criteria[2] == NOT_MET


@pytest.mark.parametrize(("code", "first"), [("TC{}", 6), ("Chỉ tiêu {}", 5)])
def test_a_roadmap_heading_beside_a_table_row_is_no_heading_of_the_table(
    tmp_path, registry, indicators, code, first
):
    """«TT | Nội dung | Xã tự đánh giá kết quả | Mức độ đạt» (three roles), the roadmap beside
    it headed two rows lower, on the row of «TC3.1»: that row, naming more roles with the
    roadmap's headings, is a row of the table, not its heading (every value was lost)."""
    sheet, r = titled()
    put_row(sheet, r, ["TT", "Nội dung tiêu chí", "Xã tự đánh giá kết quả", "Mức độ đạt"])
    sheet.put(r, first, "LỘ TRÌNH THỰC HIỆN CÁC TIÊU CHÍ CHƯA ĐẠT")
    lines = [
        ["3", "Thủy lợi"],
        [code.format("3.1"), "Tỷ lệ diện tích đất được tưới", 86.5, "Đạt"],
        [code.format("3.2"), "Đảm bảo yêu cầu dân sinh", "Đạt", "Đạt"],
        ["5", "Trường học đạt chuẩn", 72.5, "Chưa đạt"],
        ["11", "Tỷ lệ hộ nghèo đa chiều", 4.1, "Đạt"],
    ]
    for k, line in enumerate(lines, r + 1):
        put_row(sheet, k, line)
    roadmap_rows(sheet, r + 2, first)
    submission, _ = read(tmp_path, registry, indicators, [sheet])
    assert submission.reading.header_rows == str(r + 1)
    found = entries(submission)
    assert found["3.1"] == (86.5, MET)
    assert found["5"] == (72.5, NOT_MET)
    assert len(submission.tasks) == 2


def test_roman_criteria_stay_criteria_with_a_roadmap_numbered_below(tmp_path, registry, indicators):
    """Criteria I … XX, then the roadmap below the table, its tasks numbered 1, 2: the task
    «1» after «XX» does not make the Roman numbers sections (5, 7, 10 … were lost)."""
    sheet, r = titled()
    end = assessment_table(sheet, r, numerals=True)
    sheet.put(end + 1, 0, "LỘ TRÌNH THỰC HIỆN CÁC TIÊU CHÍ CHƯA ĐẠT")
    roadmap_rows(sheet, end + 3)
    submission, _ = read(tmp_path, registry, indicators, [sheet])
    found = entries(submission)
    assert set(found) == {row.code for row in ROWS}
    assert found["5"] == (expected_value("5"), MET)
    assert found["20"] == ("Đạt", MET)
    assert len(submission.tasks) == 2


def test_a_roadmap_heading_beside_the_tables_rows_does_not_end_the_table(
    tmp_path, registry, indicators
):
    """«No. / TT | Indicator / Chỉ tiêu | Chỉ tiêu | Result / Kết quả | Ghi chú | Self-assessment
    / Tự đánh giá» and the roadmap beside it headed on the table's second row, a subtotal
    («Cộng nhóm I»): the table goes on below that row (it ended there, every indicator but
    the first lost)."""
    sheet, r = titled()
    heads = ["No. / TT", "Indicator / Chỉ tiêu", "Chỉ tiêu", "Result / Kết quả", "Ghi chú"]
    put_row(sheet, r, [*heads, "Self-assessment / Tự đánh giá"])
    sheet.put(r, 8, "LỘ TRÌNH THỰC HIỆN CÁC TIÊU CHÍ CHƯA ĐẠT")
    lines = [
        ["1", ROWS[0].text, "Đạt", "Đạt", None, "Đạt"],
        [None, "Cộng nhóm I: đạt 1 tiêu chí"],
        ["3", "Thủy lợi"],
        ["3.1", "Tỷ lệ diện tích đất được tưới", "≥80%", 86.5, None, "Đạt"],
        ["5", "Trường học đạt chuẩn", "≥80%", 72.5, None, "Chưa đạt"],
    ]
    for k, line in enumerate(lines, r + 1):
        put_row(sheet, k, line)
    roadmap_rows(sheet, r + 2, 8)
    submission, _ = read(tmp_path, registry, indicators, [sheet])
    found = entries(submission)
    assert found["3.1"] == (86.5, MET)
    assert found["5"] == (72.5, NOT_MET)
    assert len(submission.tasks) == 2
