"""Self-assessment tables laid out as the official forms and the clerks' own copies that a
probe of real-style commune workbooks found read wrongly: results under bare year headings
(«Năm 2020 | Năm 2021»), one «Tiêu chí / Chỉ tiêu» column without codes, «Đạt» | «Chưa đạt»
tick columns without a group heading, a «(1) (2) …» row above a criterion that is its own
indicator. Each workbook is written as a real file (.xlsx, .xls, .ods) and read back."""

from __future__ import annotations

import pytest
from support.wild import Book, Sheet, catalogue, write_book

from ntm_excel.config import load_config
from ntm_excel.model import Status
from ntm_excel.read.reader import read_workbook
from ntm_excel.reference.catalog import load_catalog

MET, NOT_MET = Status.MET, Status.NOT_MET
WORDING = {row.code: row.text for row in catalogue("xa_2016_2020")}
NAMES = {row.criterion: row.criterion_name for row in catalogue("xa_2016_2020")}
WORDING_2021 = {row.code: row.text for row in catalogue("xa_2021_2025")}


def titled(name: str = "Biểu 01") -> tuple[Sheet, int]:
    """A sheet with the title block of Xã Cẩm Vĩnh; the first free row."""
    sheet = Sheet(name)
    sheet.put(0, 0, "UBND XÃ CẨM VĨNH")
    sheet.put(0, 3, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    sheet.put(2, 0, "BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NÔNG THÔN MỚI NĂM 2021")
    return sheet, 4


def put_row(sheet: Sheet, r: int, cells: list) -> None:
    for c, value in enumerate(cells):
        sheet.put(r, c, value)


def read(tmp_path, registry, indicators, sheet: Sheet, fmt: str):
    path = tmp_path / f"tdg_cam_vinh.{fmt}"
    write_book(Book([sheet]), path)
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    return submission, issues


def entries(submission) -> dict[str, tuple[object, Status]]:
    return {e.code: (e.value, e.self_assessment) for e in submission.indicators}


YEARS = [("Năm 2020", "Năm 2021"), ("2020", "2021"), ("Năm 2020", "Năm 2021 (ước)")]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
@pytest.mark.parametrize("hidden_older", [False, True])
@pytest.mark.parametrize("years", YEARS)
def test_results_under_bare_year_headings_are_read_from_the_latest_year(
    tmp_path, registry, indicators, fmt, hidden_older, years
):
    """«TT | Nội dung | Chỉ tiêu | Năm 2020 | Năm 2021 | Tự đánh giá»: the years are result
    columns and 2021's figure is the value (said in `value-column-chosen`), also when a hidden
    «Kết quả năm 2019» column is the only one a heading calls a result."""
    sheet, r = titled()
    headings = ["TT", "Nội dung tiêu chí", "Chỉ tiêu", *years, "Tự đánh giá"]
    if hidden_older:
        headings.append("Kết quả năm 2019")
        sheet.hidden_cols.add(6)
    put_row(sheet, r, headings)
    rows = [("4.2", "≥98%", 96.5, 99.1, "Đạt"), ("15.1", "≥85%", 80, 83.4, "Chưa đạt")]
    for k, (code, threshold, old, new, said) in enumerate(rows):
        put_row(sheet, r + 1 + k, [code, WORDING[code], threshold, old, new, said, old - 5])
    submission, issues = read(tmp_path, registry, indicators, sheet, fmt)
    assert entries(submission) == {"4.2": (99.1, MET), "15.1": (83.4, NOT_MET)}
    chosen = [i for i in issues if i.code == "value-column-chosen"]
    assert chosen and f"E «{years[1]}»" in chosen[0].message


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
@pytest.mark.parametrize("heading", ["Tiêu chí / Chỉ tiêu", "Tên tiêu chí, chỉ tiêu"])
def test_one_column_of_criterion_names_and_indicator_wording_without_codes(
    tmp_path, registry, indicators, fmt, heading
):
    """No TT column: the criterion's name on its own row, then its indicators' wording; the
    indicators are found by their wording."""
    sheet, r = titled()
    put_row(sheet, r, [heading, "Chỉ tiêu", "Kết quả thực hiện", "Tự đánh giá"])
    rows = [
        (NAMES[8], None, None, None),
        (WORDING["8.1"], "Đạt", "Có", "Đạt"),
        (WORDING["8.2"], "Đạt", "Có", "Đạt"),
        (NAMES[15], None, None, None),
        (WORDING["15.1"], "≥85%", "79,5%", "Chưa đạt"),
    ]
    for k, cells in enumerate(rows):
        put_row(sheet, r + 1 + k, list(cells))
    submission, _ = read(tmp_path, registry, indicators, sheet, fmt)
    got = entries(submission)
    assert {code: got[code] for code in ("8.1", "8.2", "15.1")} == {
        "8.1": ("Có", MET),
        "8.2": ("Có", MET),
        "15.1": (79.5, NOT_MET),
    }


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_tick_columns_headed_dat_and_chua_dat_without_a_group_heading(
    tmp_path, registry, indicators, fmt
):
    """«… | Kết quả | Đạt | Chưa đạt | Ghi chú» on one heading row: an «x» in «Chưa đạt» is
    the indicator's «Chưa đạt», not a missing self-assessment."""
    sheet, r = titled()
    put_row(sheet, r, ["STT", "Nội dung tiêu chí", "Chỉ tiêu", "Kết quả", "Đạt", "Chưa đạt"])
    rows = [
        ("4.2", "≥98%", "99,1%", "x", None),
        ("14.3", "≥40%", "35%", None, "x"),
        ("15.1", "≥85%", "88%", "X", None),
    ]
    for k, (code, threshold, value, met, not_met) in enumerate(rows):
        put_row(sheet, r + 1 + k, [code, WORDING[code], threshold, value, met, not_met])
    submission, issues = read(tmp_path, registry, indicators, sheet, fmt)
    assert entries(submission) == {"4.2": (99.1, MET), "14.3": (35.0, NOT_MET), "15.1": (88.0, MET)}
    assert not [i for i in issues if i.code == "assessment-missing"]


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_bracketed_column_numbers_above_a_criterion_that_is_its_own_indicator(
    tmp_path, registry, fmt
):
    """The QĐ 318 form with «(1) | (2) | … | (7)» under its heading and criterion 1 (one
    indicator in 2021–2025) on the next row: «(1)» numbers the columns, it is not criterion 1."""
    set_2021 = load_catalog(load_config().catalog).resolve("xa_2021_2025", "Hà Tĩnh")
    sheet, r = titled()
    headings = ["TT", "Tên tiêu chí", "Nội dung tiêu chí", "Chỉ tiêu chung",
                "Chỉ tiêu theo vùng/tỉnh", "Kết quả thực hiện", "Tự đánh giá"]  # fmt: skip
    put_row(sheet, r, headings)
    put_row(sheet, r + 1, [f"({c + 1})" for c in range(len(headings))])
    put_row(sheet, r + 2, [1, "Quy hoạch", WORDING_2021["1"], "Đạt", "Đạt", "Đã phê duyệt", "Đạt"])
    put_row(sheet, r + 3, [7, "Cơ sở hạ tầng thương mại nông thôn", WORDING_2021["7"], "Đạt",
                           "Đạt", "Có chợ", "Đạt"])  # fmt: skip
    submission, issues = read(tmp_path, registry, set_2021, sheet, fmt)
    got = entries(submission)
    assert {code: got[code] for code in ("1", "7")} == {
        "1": ("Đã phê duyệt", MET),
        "7": ("Có chợ", MET),
    }
    assert not [i for i in issues if i.code in ("indicator-duplicate", "assessment-unreadable")]
