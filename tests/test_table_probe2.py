"""Self-assessment tables as commune offices really send them, the kinds a probe found read
wrongly: abbreviated headings, verdicts typed with typos, ticks or after the figure, a plan
column beside the results, a summary sheet in front. Each workbook is written as a real file
(.xlsx, .xls, .ods through the hand-made workbook writer of `support.wild`) and read back."""

from __future__ import annotations

import openpyxl
import pytest
from support.wild import Book, Sheet, write_book

from ntm_excel.model import Status
from ntm_excel.read.reader import read_workbook
from ntm_excel.values import parse_value

MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.UNKNOWN
HEADINGS = ["TT", "Tên tiêu chí", "Nội dung", "Chỉ tiêu", "Kết quả thực hiện", "Tự đánh giá"]
# (code, wording, threshold, value, verdict) of a few indicators of QĐ 1980
ROWS = [
    ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn từ các nguồn", "≥98", "99,2", "Đạt"),
    ("12", "Tỷ lệ người có việc làm trên dân số trong độ tuổi lao động", "≥90", "93,1", "Đạt"),
    ("14.3", "Tỷ lệ lao động có việc làm qua đào tạo", "≥40", "35", "Chưa đạt"),
    ("15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", "≥85", "88,6", "Đạt"),
    ("17.6", "Tỷ lệ hộ có nhà tiêu, nhà tắm, bể chứa nước hợp vệ sinh", "≥70", "65", "Chưa đạt"),
    ("18.1", "Cán bộ, công chức xã đạt chuẩn", "Đạt", "Đạt", "Đạt"),
]


def commune_sheet(
    name: str = "Biểu TĐG",
    headings: list[str] | None = None,
    rows: list[tuple] | None = None,
    title: str = "BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN TIÊU CHÍ NTM NĂM 2021",
    heading_rows: list[list[str]] | None = None,
    unit_line: str = "UBND XÃ CẨM VĨNH",
) -> Sheet:
    """A commune's table: title block (Xã Cẩm Vĩnh), headings, one row per indicator."""
    sheet = Sheet(name)
    sheet.put(0, 0, unit_line)
    sheet.put(1, 0, title)
    r = 3
    for line in heading_rows or [headings or HEADINGS]:
        for c, text in enumerate(line):
            sheet.put(r, c, text)
        r += 1
    for code, wording, threshold, *cells in rows or ROWS:
        for c, value in enumerate([code, "", wording, threshold, *cells]):
            sheet.put(r, c, value)
        r += 1
    return sheet


def read(tmp_path, registry, indicators, *sheets: Sheet, fmt: str = "xlsx"):
    path = tmp_path / f"xa_cam_vinh.{fmt}"
    write_book(Book(list(sheets)), path)
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    return submission, issues


def verdicts(submission) -> dict[str, Status]:
    return {e.code: e.self_assessment for e in submission.indicators}


def values(submission) -> dict[str, object]:
    return {e.code: e.value for e in submission.indicators}


EXPECTED = {code: MET if said == "Đạt" else NOT_MET for code, *_, said in ROWS}


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_summary_sheet_with_a_table_heading_but_no_indicators_does_not_stop_the_file(
    tmp_path, registry, indicators, fmt
):
    """A district summary of communes (TT | Tên xã | Số tiêu chí đạt | Tự đánh giá) in front
    of the commune's table: its heading looks like a table, it holds no indicator."""
    summary = Sheet("Huyen")
    summary.put(0, 0, "KẾT QUẢ TỰ ĐÁNH GIÁ CÁC XÃ NĂM 2021")
    for c, text in enumerate(["TT", "Tên xã", "Số tiêu chí đạt", "Tự đánh giá", "Ghi chú"]):
        summary.put(2, c, text)
    for n, name in enumerate(["Cẩm Vĩnh", "Cẩm Bình", "Cẩm Hà"], start=1):
        for c, value in enumerate([n, name, 16 + n, "Chưa đạt"]):
            summary.put(2 + n, c, value)
    submission, _ = read(tmp_path, registry, indicators, summary, commune_sheet(), fmt=fmt)
    assert submission.unit_code == "18691"
    assert submission.sheet == "Biểu TĐG"
    assert verdicts(submission) == EXPECTED


@pytest.mark.parametrize(
    "headings",
    [
        ["STT", "Tên TC", "Nội dung", "CT theo QĐ", "KQ thực hiện", "Xã TĐG"],
        ["STT", "Tiêu chí", "Nội dung", "Chỉ tiêu", "TH năm 2021", "ĐG"],
        ["TT", "Tên TC", "Nội dung", "Chỉ tiêu", "KQ 2021", "TĐG"],
    ],
)
def test_abbreviated_headings_are_understood(tmp_path, registry, indicators, headings):
    """«KQ thực hiện», «TH năm 2021» (thực hiện), «Xã TĐG», «ĐG», «Tên TC»."""
    submission, issues = read(tmp_path, registry, indicators, commune_sheet(headings=headings))
    assert "table-not-found" not in {issue.code for issue in issues}
    assert verdicts(submission) == EXPECTED
    assert values(submission)["4.2"] == 99.2


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
@pytest.mark.parametrize(
    ("met", "not_met"),
    [
        ("D?t", "Ch?a d?t"),  # Vietnamese letters lost through another code page
        ("Đạt", "Chưa Đ"),
        ("Đạt", "C.Đạt"),
        ("D?t", "Kh?ng d?t"),
    ],
)
def test_verdict_spellings_of_real_files(tmp_path, registry, indicators, fmt, met, not_met):
    rows = [(*row[:4], met if row[4] == "Đạt" else not_met) for row in ROWS]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert verdicts(submission) == EXPECTED


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
@pytest.mark.parametrize(
    ("met", "not_met"),
    [("Dạt", "Chưa dạt"), ("DẠT", "Không dạt"), ("dạt (duy trì)", "Chưa dạt")],
)
def test_verdicts_typed_with_d_for_dd_are_read(tmp_path, registry, indicators, fmt, met, not_met):
    """«Dạt», «Chưa dạt»: «đ» typed «d», the other marks kept (no Vietnamese keyboard)."""
    rows = [(*row[:4], met if row[4] == "Đạt" else not_met) for row in ROWS]
    submission, issues = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert verdicts(submission) == EXPECTED


def test_a_d_word_that_is_not_a_verdict_stays_a_question(tmp_path, registry, indicators):
    rows = [(*row[:4], "Dất") for row in ROWS]  # «Đất» (land) mistyped: not «Đạt»
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows))
    assert set(verdicts(submission).values()) == {UNKNOWN}


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
@pytest.mark.parametrize(("met", "not_met"), [("✓", "✗"), ("√", "✘"), ("✔", "☒")])
def test_a_tick_or_a_cross_in_the_self_assessment_column(
    tmp_path, registry, indicators, fmt, met, not_met
):
    rows = [(*row[:4], met if row[4] == "Đạt" else not_met) for row in ROWS]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert verdicts(submission) == EXPECTED


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
@pytest.mark.parametrize("encoding", ["TCVN3", "VNI"])
@pytest.mark.parametrize("mixed", [True, False], ids=["mixed", "all-dat"])
def test_verdicts_pasted_in_an_old_font_into_a_unicode_table(
    tmp_path, registry, indicators, fmt, encoding, mixed
):
    """«§¹t», «Ch­a ®¹t» (TCVN3) or «Ñaït» (VNI) typed under «Tự đánh giá» of a Unicode
    table: one or two words a cell, too few to tell an old font alone; the column tells."""
    from ntm_excel.read.legacy import from_unicode

    said = [row[4] if mixed else "Đạt" for row in ROWS]
    rows = [
        (*row[:4], from_unicode(verdict, encoding)) for row, verdict in zip(ROWS, said, strict=True)
    ]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert verdicts(submission) == {
        row[0]: MET if verdict == "Đạt" else NOT_MET
        for row, verdict in zip(ROWS, said, strict=True)
    }
    assert values(submission)["4.2"] == 99.2  # the Unicode cells as they were


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
@pytest.mark.parametrize(
    "heading", ["Đạt chuẩn (1: đạt; 0: chưa đạt)", "Tự đánh giá (1 = Đạt, 0 = Chưa đạt)"]
)
def test_a_code_the_heading_explains(tmp_path, registry, indicators, fmt, heading):
    """«Đạt chuẩn (1: đạt; 0: chưa đạt)» over cells 1 and 0: each cell was «không hiểu tự
    đánh giá «1»»."""
    rows = [(*row[:4], 1 if row[4] == "Đạt" else 0) for row in ROWS]
    headings = ["TT", "Tên tiêu chí", "Nội dung", "Chỉ tiêu", "Kết quả thực hiện", heading]
    sheet = commune_sheet(headings=headings, rows=rows)
    submission, _ = read(tmp_path, registry, indicators, sheet, fmt=fmt)
    assert verdicts(submission) == EXPECTED


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
@pytest.mark.parametrize(
    "pattern", ["{figure}% - {verdict}", "{figure}%, {verdict}", "{figure}: {verdict}"]
)
def test_one_column_of_figure_then_verdict(tmp_path, registry, indicators, fmt, pattern):
    """One column «Kết quả thực hiện, tự đánh giá»: «99,2% - Đạt» is the figure 99,2 and the
    verdict Đạt."""
    rows = [
        (code, wording, threshold, pattern.format(figure=value, verdict=said.lower()))
        if value[0].isdigit()
        else (code, wording, threshold, said)
        for code, wording, threshold, value, said in ROWS
    ]
    headings = ["TT", "Tên tiêu chí", "Nội dung", "Chỉ tiêu", "Kết quả thực hiện, tự đánh giá"]
    sheet = commune_sheet(headings=headings, rows=rows)
    submission, _ = read(tmp_path, registry, indicators, sheet, fmt=fmt)
    assert verdicts(submission) == EXPECTED
    assert values(submission)["4.2"] == 99.2
    assert values(submission)["14.3"] == 35


def _years_sheet(title: str, plan: str) -> Sheet:
    """«Kết quả thực hiện» over «Năm 2019 | Năm 2020 | <plan>»: 2020 holds the figures."""
    rows = [
        (code, wording, threshold, "", value, "100" if value[0].isdigit() else "", said)
        for code, wording, threshold, value, said in ROWS
    ]
    heading_rows = [
        ["TT", "Tên tiêu chí", "Nội dung", "Chỉ tiêu", "Kết quả thực hiện", "", "", "Tự đánh giá"],
        ["", "", "", "", "Năm 2019", "Năm 2020", plan, ""],
    ]
    sheet = commune_sheet(title=title, heading_rows=heading_rows, rows=rows)
    sheet.merge(3, 4, 3, 6)
    return sheet


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
@pytest.mark.parametrize(
    ("title", "plan"),
    [
        ("BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN TIÊU CHÍ NTM", "KH 2021"),
        ("BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN TIÊU CHÍ NTM NĂM 2020", "Kế hoạch năm 2021"),
    ],
)
def test_years_in_the_heading_are_not_the_report_year_and_a_plan_column_is_no_result(
    tmp_path, registry, indicators, fmt, title, plan
):
    """The heading's «Năm 2019» is a column's year, not the report's; «KH 2021» (the plan)
    is not a result: the 2020 figures are read."""
    sheet = _years_sheet(title, plan)
    submission, _ = read(tmp_path, registry, indicators, sheet, fmt=fmt)
    assert values(submission)["4.2"] == 99.2
    assert values(submission)["14.3"] == 35
    assert verdicts(submission) == EXPECTED


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
@pytest.mark.parametrize("prose", [150, 400])
def test_a_table_below_the_reports_text_is_found(tmp_path, registry, indicators, fmt, prose):
    """The commune pasted its report (a line per paragraph) above the table on one sheet."""
    table = commune_sheet()
    sheet = Sheet("Báo cáo")
    sheet.put(0, 0, "UBND XÃ CẨM VĨNH")
    for n in range(prose):
        sheet.put(
            1 + n, 0, f"{n + 1}. Trong năm 2021, xã tập trung chỉ đạo thực hiện các tiêu chí."
        )
    for (r, c), cell in table.cells.items():
        if r:
            sheet.cells[(r + prose, c)] = cell
    submission, issues = read(tmp_path, registry, indicators, sheet, fmt=fmt)
    assert "table-not-found" not in {issue.code for issue in issues}
    assert submission.unit_code == "18691"
    assert verdicts(submission) == EXPECTED
    assert values(submission)["4.2"] == 99.2


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
@pytest.mark.parametrize(
    "signed_for",
    ["TM. ỦY BAN NHÂN DÂN XÃ CẨM VĨNH", "T/M UBND XÃ CẨM VĨNH", "TM. UBND xã Cẩm Vĩnh"],
)
def test_the_commune_a_report_is_signed_for_names_the_unit(
    tmp_path, registry, indicators, fmt, signed_for
):
    """The title names only the district; the signature «TM. ỦY BAN NHÂN DÂN XÃ …» the
    commune."""
    sheet = commune_sheet(unit_line="UBND HUYỆN CẨM XUYÊN")
    bottom = max(r for r, _ in sheet.cells) + 2
    for n, line in enumerate(["ngày 10 tháng 3 năm 2021", signed_for, "CHỦ TỊCH", "", "Lê Văn An"]):
        sheet.put(bottom + n, 4, line)
    path = tmp_path / f"bieu_tu_danh_gia.{fmt}"
    write_book(Book([sheet]), path)
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    assert submission.unit_code == "18691"
    assert verdicts(submission) == EXPECTED


def test_a_district_signature_leaves_the_district(tmp_path, registry, indicators):
    sheet = commune_sheet(unit_line="UBND HUYỆN CẨM XUYÊN")
    bottom = max(r for r, _ in sheet.cells) + 2
    sheet.put(bottom, 4, "TM. ỦY BAN NHÂN DÂN HUYỆN CẨM XUYÊN")
    path = tmp_path / "bieu_tu_danh_gia.xlsx"
    write_book(Book([sheet]), path)
    (submission, _), *_ = read_workbook(path, registry, indicators)
    assert submission.unit_code == "446"


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
@pytest.mark.parametrize(
    "heading", ["Mức độ đạt so với chuẩn (%)", "Mức độ đạt (%)", "Đạt chuẩn (% so với chuẩn)"]
)
def test_a_self_assessment_column_of_shares_of_the_standard(
    tmp_path, registry, indicators, fmt, heading
):
    """100 is met; the share reached (87,5) is not."""
    rows = [(*row[:4], 100 if row[4] == "Đạt" else 87.5) for row in ROWS]
    sheet = commune_sheet(headings=[*HEADINGS[:5], heading], rows=rows)
    submission, _ = read(tmp_path, registry, indicators, sheet, fmt=fmt)
    assert verdicts(submission) == EXPECTED
    assert values(submission)["4.2"] == 99.2


def test_a_result_and_assessment_column_in_percent_keeps_its_figures(
    tmp_path, registry, indicators
):
    """«Kết quả tự đánh giá (%)», the only result column: its figures are values."""
    rows = [(*row[:3], row[3]) for row in ROWS]
    sheet = commune_sheet(headings=[*HEADINGS[:4], "Kết quả tự đánh giá (%)"], rows=rows)
    submission, _ = read(tmp_path, registry, indicators, sheet)
    assert values(submission)["14.3"] == 35
    assert verdicts(submission)["14.3"] is UNKNOWN


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
@pytest.mark.parametrize(
    ("heading", "mark", "status"),
    [("Đạt", "x", MET), ("Đạt", "X", MET), ("Đạt", "Có", MET)],
)
def test_a_mark_in_a_single_column_headed_by_a_verdict(
    tmp_path, registry, indicators, fmt, heading, mark, status
):
    """One column «Đạt» with «x» in the rows met (the others blank): x is Đạt."""
    rows = [(*row[:4], mark if row[4] == "Đạt" else "") for row in ROWS]
    sheet = commune_sheet(headings=[*HEADINGS[:5], heading], rows=rows)
    submission, _ = read(tmp_path, registry, indicators, sheet, fmt=fmt)
    assert verdicts(submission) == {
        code: status if said == "Đạt" else UNKNOWN for code, *_, said in ROWS
    }


@pytest.mark.parametrize(
    "headings",
    [
        ["TT", "Tiêu chí", "Nội dung", "Yêu cầu", "Tình hình thực hiện", "Đánh giá mức độ đạt"],
        ["STT", "Tiêu chí", "Nội dung", "Chỉ tiêu", "Kết quả", "Xã tự chấm"],
        ["TT", "Tiêu chí", "Nội dung", "Chỉ tiêu", "Thực tế", "Kết luận"],
        ["TT", "Tiêu chí", "Nội dung", "Chỉ tiêu", "Đạt được", "So sánh với chỉ tiêu"],
        ["TT", "Tiêu chí", "Nội dung", "Chỉ tiêu", "Mức độ thực hiện", "Tự xếp loại"],
        ["TT", "Tiêu chí", "Nội dung", "Chỉ tiêu", "Số lượng/Tỷ lệ", "So sánh với chuẩn"],
    ],
)
def test_more_headings_of_real_files(tmp_path, registry, indicators, headings):
    """Most results are words («Đạt»), as in a real table: the headings alone say the roles."""
    said = [(f"18.{n}", "Chỉ tiêu định tính", "Đạt", "Đạt", "Đạt") for n in range(2, 7)]
    sheet = commune_sheet(headings=headings, rows=ROWS + said)
    submission, _ = read(tmp_path, registry, indicators, sheet)
    assert verdicts(submission) == EXPECTED | {code: MET for code, *_ in said}
    assert values(submission)["4.2"] == 99.2


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_count_over_a_total_stated_as_a_percentage(tmp_path, registry, indicators, fmt):
    """«12/12 thôn = 100%», «8/10 thôn, đạt 80%», «Đạt 4/4 trường»: the share; a stated
    percentage that disagrees with the count is not guessed at."""
    rows = [
        ("6.3", "Tỷ lệ thôn có nhà văn hóa", "100%", "12/12 thôn = 100%", "Đạt"),
        ("16", "Tỷ lệ thôn đạt tiêu chuẩn văn hóa", "≥70%", "8/10 thôn, đạt 80%", "Đạt"),
        ("11", "Tỷ lệ hộ nghèo đa chiều", "≤5%", "45/1.406 hộ = 3,2%", "Đạt"),
        ("5", "Tỷ lệ trường học đạt chuẩn", "≥80%", "Đạt 4/4 trường", "Đạt"),
        ("9.2", "Tỷ lệ hộ có nhà ở đạt chuẩn", "≥75%", "9/12 thôn = 80%", "Đạt"),
    ]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    got = values(submission)
    assert (got["6.3"], got["16"], got["5"]) == (100, 80, 100)
    assert got["11"] == pytest.approx(3.2, abs=0.01)
    assert got["9.2"] == "9/12 thôn = 80%"


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_figures_after_a_verdict_or_a_word_with_a_separator(tmp_path, registry, indicators, fmt):
    rows = [
        ("4.2", "Tỷ lệ hộ sử dụng điện", "≥98%", "Đạt - 99,2%", "Đạt"),
        ("12", "Tỷ lệ người có việc làm", "≥90%", "Đạt, 93,1%", "Đạt"),
        ("11", "Tỷ lệ hộ nghèo đa chiều", "≤5%", "Giảm còn 3,2%", "Đạt"),
        ("15.1", "Tỷ lệ người dân tham gia BHYT", "≥85%", "4.430/5.000 người đạt 88,6%", "Đạt"),
        ("14.3", "Tỷ lệ lao động qua đào tạo", "≥40%", "Đạt -5%", "Chưa đạt"),
    ]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert values(submission) == {"4.2": 99.2, "12": 93.1, "11": 3.2, "15.1": 88.6, "14.3": -5}


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
@pytest.mark.parametrize(
    ("met", "not_met"),
    [("TĐG: Đạt", "Đạt một phần"), ("Duy trì", "C.Đ"), ("Giữ vững", "TĐG: Chưa đạt")],
)
def test_labelled_maintained_and_partial_verdicts(
    tmp_path, registry, indicators, fmt, met, not_met
):
    """«TĐG: Đạt» (a label before the verdict), «Duy trì», «Giữ vững» (kept met) are Đạt;
    «Đạt một phần» (partly met) is not."""
    rows = [(*row[:4], met if row[4] == "Đạt" else not_met) for row in ROWS]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert verdicts(submission) == EXPECTED


def _two_row_sheet(split: int) -> Sheet:
    """Each indicator on two rows, TT, name, wording and requirement merged over both; the
    cells from column `split` on typed on the lower row."""
    sheet = Sheet("Biểu TĐG")
    sheet.put(0, 0, "UBND XÃ CẨM VĨNH")
    sheet.put(1, 0, "BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN TIÊU CHÍ NTM NĂM 2021")
    for c, text in enumerate(HEADINGS):
        sheet.put(3, c, text)
    r = 4
    for code, wording, threshold, value, said in ROWS:
        for c, cell in enumerate([code, "", wording, threshold, value, said]):
            sheet.put(r + (c >= split), c, cell)
        for c in range(4):
            sheet.merge(r, c, r + 1, c)
        r += 2
    return sheet


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
@pytest.mark.parametrize("split", [4, 5])
def test_an_indicator_on_two_rows_with_its_figures_on_the_lower_one(
    tmp_path, registry, indicators, fmt, split
):
    """A long wording set on two rows (TT and wording merged), the value and verdict (or
    the verdict alone) typed on the lower row: one indicator, read whole."""
    submission, issues = read(tmp_path, registry, indicators, _two_row_sheet(split), fmt=fmt)
    assert verdicts(submission) == EXPECTED
    assert values(submission) == {code: parse_value(value).value for code, _, _, value, _ in ROWS}
    assert "indicator-duplicate" not in {issue.code for issue in issues}


@pytest.mark.parametrize("neighbour_first", [True, False])
def test_a_neighbours_hidden_sheet_is_not_a_second_submission(
    tmp_path, registry, indicators, neighbour_first
):
    """A commune filled a copy of Cẩm Bình's file and hid Cẩm Bình's sheet: the file is
    Cẩm Vĩnh's alone (a hidden sheet is no commune's own beside a visible table)."""
    neighbour = commune_sheet(name="Cẩm Bình", unit_line="UBND XÃ CẨM BÌNH")
    own = commune_sheet(name="Cẩm Vĩnh")
    sheets = [neighbour, own] if neighbour_first else [own, neighbour]
    path = tmp_path / "xa_cam_vinh.xlsx"
    write_book(Book(sheets), path)
    book = openpyxl.load_workbook(path)
    book["Cẩm Bình"].sheet_state = "hidden"
    book.save(path)
    results = read_workbook(path, registry, indicators)
    assert [submission.unit_code for submission, _ in results] == ["18691"]
    assert results[0][0].sheet == "Cẩm Vĩnh"
    assert verdicts(results[0][0]) == EXPECTED


def test_two_visible_commune_sheets_are_two_submissions(tmp_path, registry, indicators):
    sheets = [
        commune_sheet(name="Cẩm Bình", unit_line="UBND XÃ CẨM BÌNH"),
        commune_sheet(name="Cẩm Vĩnh"),
    ]
    path = tmp_path / "cum_xa.xlsx"
    write_book(Book(sheets), path)
    results = read_workbook(path, registry, indicators)
    assert sorted(submission.unit_code for submission, _ in results) == ["18685", "18691"]


@pytest.mark.parametrize(
    ("file_name", "unit"),
    [
        ("xa_cam_vinh.xlsx", None),  # the title left from Cẩm Bình's form: ambiguous
        ("CamVinh_TDG2021.xlsx", None),
        ("xa_cam_binh.xlsx", "18685"),
        ("bieu_tu_danh_gia_2021.xlsx", "18685"),
    ],
)
def test_a_title_and_a_file_name_naming_two_communes_is_ambiguous(
    tmp_path, registry, indicators, file_name, unit
):
    path = tmp_path / file_name
    write_book(Book([commune_sheet(unit_line="UBND XÃ CẨM BÌNH")]), path)
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    assert submission.unit_code == unit
    assert ("unit-ambiguous" in {issue.code for issue in issues}) == (unit is None)


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_slash_and_dotted_letter_codes_with_rows_left_out(tmp_path, registry, indicators, fmt):
    """«2/» then «a/», «c/», «d/» (b left out: not applicable), «17.a», «17.e», «17.g»: the
    letters say which indicator, whatever rows are missing."""
    rows = [
        ("2/", "Giao thông", "", "", ""),
        ("a/", "Đường xã", "Đạt", "Đạt", "Đạt"),
        ("c/", "Đường ngõ xóm", "Đạt", "Đạt", "Chưa đạt"),
        ("d/", "Đường nội đồng", "Đạt", "Đạt", "Đạt"),
        ("17", "Môi trường và an toàn thực phẩm", "", "", ""),
        ("17.a", "Nước sạch", "≥98%", "98,6", "Đạt"),
        ("17.e", "Nhà tiêu, nhà tắm", "≥70%", "65", "Chưa đạt"),
        ("17.g", "Chuồng trại", "≥60%", "72", "Đạt"),
    ]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert verdicts(submission) == {
        "2.1": MET, "2.3": NOT_MET, "2.4": MET, "17.1": MET, "17.6": NOT_MET, "17.7": MET
    }  # fmt: skip
    assert values(submission)["17.6"] == 65


@pytest.mark.parametrize("mark", ["/", "."])
def test_letters_at_the_start_of_the_wording_with_rows_left_out(
    tmp_path, registry, indicators, mark
):
    """TT blank, the wording «a/ …», «c. …» (b left out), not like any catalogue wording."""
    rows = [
        ("2", "Giao thông", "", "", ""),
        ("", f"a{mark} Hạng mục thứ nhất", "Đạt", "Đạt", "Đạt"),
        ("", f"c{mark} Hạng mục thứ ba", "Đạt", "Đạt", "Chưa đạt"),
        ("", f"d{mark} Hạng mục thứ tư", "Đạt", "Đạt", "Đạt"),
    ]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows))
    assert verdicts(submission) == {"2.1": MET, "2.3": NOT_MET, "2.4": MET}


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_three_row_heading_of_years_over_counts_and_rates(tmp_path, registry, indicators, fmt):
    """«Kết quả thực hiện» over «Năm 2020» | «Năm 2021» (each merged over two columns) over
    «Số lượng» | «Tỷ lệ (%)»: the 2021 rate is the value, not a count nor 2020's."""
    heading_rows = [
        [
            "TT",
            "Tên tiêu chí",
            "Nội dung",
            "Chỉ tiêu",
            "Kết quả thực hiện",
            "",
            "",
            "",
            "Tự đánh giá",
        ],
        ["", "", "", "", "Năm 2020", "", "Năm 2021", "", ""],
        ["", "", "", "", "Số lượng", "Tỷ lệ (%)", "Số lượng", "Tỷ lệ (%)", ""],
    ]
    rows = [
        (code, wording, threshold, "11", "50", "12", value, said)
        if value[0].isdigit()
        else (code, wording, threshold, "", "", "", value, said)
        for code, wording, threshold, value, said in ROWS
    ]
    sheet = commune_sheet(heading_rows=heading_rows, rows=rows)
    sheet.merge(3, 4, 3, 7)
    sheet.merge(4, 4, 4, 5)
    sheet.merge(4, 6, 4, 7)
    for c in (0, 1, 2, 3, 8):
        sheet.merge(3, c, 5, c)
    submission, _ = read(tmp_path, registry, indicators, sheet, fmt=fmt)
    assert values(submission) == {code: parse_value(value).value for code, _, _, value, _ in ROWS}
    assert verdicts(submission) == EXPECTED


def test_a_wording_close_to_two_indicators_of_another_criterion_is_not_placed_by_order(
    tmp_path, registry, indicators
):
    """No criterion rows: after 15.3, «Tỷ lệ hộ dùng nước hợp vệ sinh và nước sạch» (as close
    to 17.1 as to 17.6) is reported ambiguous, never read as a «15.4» the set lacks."""
    rows = [
        ("15.3", "Tỷ lệ trẻ em dưới 5 tuổi suy dinh dưỡng thể thấp còi", "≤24,2%", "18,5", "Đạt"),
        ("", "Tỷ lệ hộ dùng nước hợp vệ sinh và nước sạch", "≥98%", "98,6", "Đạt"),
    ]
    submission, issues = read(tmp_path, registry, indicators, commune_sheet(rows=rows))
    assert [e.code for e in submission.indicators] == ["15.3"]
    [issue] = [i for i in issues if i.code == "indicator-ambiguous"]
    assert "17.1" in issue.message and "17.6" in issue.message


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_verdicts_written_under_notes_when_the_form_has_no_assessment_column(
    tmp_path, registry, indicators, fmt
):
    sheet = commune_sheet(headings=[*HEADINGS[:5], "Ghi chú"])
    submission, _ = read(tmp_path, registry, indicators, sheet, fmt=fmt)
    assert verdicts(submission) == EXPECTED
    assert values(submission)["4.2"] == 99.2


def test_remarks_under_notes_stay_remarks(tmp_path, registry, indicators):
    rows = [(*row[:4], "Theo báo cáo của thôn") for row in ROWS]
    rows[0] = (*ROWS[0][:4], "Đạt")
    sheet = commune_sheet(headings=[*HEADINGS[:5], "Ghi chú"], rows=rows)
    submission, _ = read(tmp_path, registry, indicators, sheet)
    assert set(verdicts(submission).values()) == {UNKNOWN}


@pytest.mark.parametrize("fmt", ["ods", "xlsx"])
@pytest.mark.parametrize(
    ("met", "not_met"),
    [("Xã tự đánh giá đạt", "Xã tự đánh giá chưa đạt"), ("Xã đạt", "Tự đánh giá chưa đạt")],
)
def test_verdicts_written_as_a_sentence(tmp_path, registry, indicators, fmt, met, not_met):
    rows = [(*row[:4], met if row[4] == "Đạt" else not_met) for row in ROWS]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert verdicts(submission) == EXPECTED
