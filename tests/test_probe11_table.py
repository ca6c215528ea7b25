"""Self-assessment tables as clerks type them, eleventh probe: cells the reader read silently
wrong. Each workbook is a real file (.xlsx, .xls, .ods) read back."""

from __future__ import annotations

import pytest
from support.wild import Book, Sheet, write_book

from ntm_excel.model import Status
from ntm_excel.read.reader import read_submission

MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.UNKNOWN
HEADINGS = ["TT", "Tên tiêu chí", "Nội dung", "Chỉ tiêu", "Kết quả thực hiện", "Tự đánh giá"]


def read(tmp_path, registry, indicators, rows: list[tuple], fmt: str):
    """The submission read from Xã Cẩm Vĩnh's table of `rows` (TT cell, wording, threshold,
    value, verdict)."""
    sheet = Sheet("Biểu TĐG")
    sheet.put(0, 0, "UBND XÃ CẨM VĨNH")
    sheet.put(1, 0, "BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN TIÊU CHÍ NTM NĂM 2021")
    for c, text in enumerate(HEADINGS):
        sheet.put(3, c, text)
    for r, (no, *cells) in enumerate(rows, start=4):
        sheet.put(r, 0, no)
        for c, value in enumerate(cells, start=2):
            sheet.put(r, c, value)
    path = tmp_path / f"xa_cam_vinh.{fmt}"
    write_book(Book([sheet]), path)
    return read_submission(path, registry, indicators)


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_an_indicator_numbered_in_words_in_the_tt_cell_is_no_repeated_heading(
    tmp_path, registry, indicators, fmt
):
    """«Chỉ tiêu 11 | Tỷ lệ hộ nghèo | ≤4% | 3,5% | Đạt»: its TT cell reads as a «Chỉ tiêu»
    heading, its wording as a «Tỷ lệ…» one, its verdict as «Đạt»; three headings made it a
    heading repeated on a new page, and indicator 11 was dropped without a word."""
    rows = [
        ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98%", "99,2%", "Đạt"),
        ("Chỉ tiêu 11", "Tỷ lệ hộ nghèo", "≤4%", "3,5%", "Đạt"),
        ("Chỉ tiêu 15.1", "Tỷ lệ người dân tham gia BHYT", "≥85%", "80%", "Chưa đạt"),
    ]
    submission, _ = read(tmp_path, registry, indicators, rows, fmt)
    assert {e.code: (e.value, e.self_assessment) for e in submission.indicators} == {
        "4.2": (99.2, MET),
        "11": (3.5, MET),
        "15.1": (80.0, NOT_MET),
    }


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_percentage_typed_with_its_sign_first_is_that_percentage(
    tmp_path, registry, indicators, fmt
):
    """«% 99,2», «%88,6»: the sign typed first, as it is said («phần trăm»); was kept as text
    (a value the checks could not compare)."""
    rows = [
        ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98%", "% 99,2", "Đạt"),
        ("15.1", "Tỷ lệ người dân tham gia BHYT", "≥85%", "%88,6", "Đạt"),
        ("14.3", "Tỷ lệ lao động có việc làm qua đào tạo", "≥40%", "35%", "Chưa đạt"),
    ]
    submission, _ = read(tmp_path, registry, indicators, rows, fmt)
    assert {e.code: (e.value, e.self_assessment) for e in submission.indicators} == {
        "4.2": (99.2, MET),
        "15.1": (88.6, MET),
        "14.3": (35.0, NOT_MET),
    }


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_verdict_met_in_part_is_not_met_and_said(tmp_path, registry, indicators, fmt):
    """«Đạt 80%» beside a result of 99,2%, «Đạt 1/2 nội dung», «Đạt 2/3 nội dung» beside
    «Có»: how far the indicator is met, not that it is (were read «Đạt» silently). A figure
    that is the result or the standard («Đạt 93,1%», «Đạt 40%» under «≥40%»), a whole share
    («Đạt 12/12 thôn») or a figure without a result stays «Đạt»."""
    rows = [
        ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98%", "99,2%", "Đạt 80%"),
        ("15.1", "Tỷ lệ người dân tham gia BHYT", "≥85%", "88,6%", "Đạt 1/2 nội dung"),
        ("12", "Tỷ lệ người có việc làm", "≥90%", "93,1%", "Đạt 93,1%"),
        ("14.3", "Tỷ lệ lao động có việc làm qua đào tạo", "≥40%", "41%", "Đạt 40%"),
        ("17.1", "Tỷ lệ hộ dùng nước hợp vệ sinh", "≥90%", "100%", "Đạt 12/12 thôn"),
        ("8.1", "Có điểm phục vụ bưu chính", "Đạt", "Có", "Đạt 2/3 nội dung"),
        ("9.2", "Tỷ lệ hộ có nhà ở đạt chuẩn", "≥75%", None, "Đạt 80%"),
    ]
    submission, issues = read(tmp_path, registry, indicators, rows, fmt)
    assert {e.code: (e.value, e.self_assessment) for e in submission.indicators} == {
        "4.2": (99.2, NOT_MET),
        "15.1": (88.6, NOT_MET),
        "12": (93.1, MET),
        "14.3": (41.0, MET),
        "17.1": (100.0, MET),
        "8.1": ("Có", NOT_MET),
        "9.2": (None, MET),
    }
    partial = {i.cell: i.message for i in issues if i.code == "assessment-partial"}
    assert set(partial) == {"F5", "F6", "F10"}
    assert "«Đạt 80%»" in partial["F5"] and "99,2" in partial["F5"]
    assert "«Đạt 1/2 nội dung»" in partial["F6"] and "50%" in partial["F6"]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_verdicts_typed_in_viqr_are_read(tmp_path, registry, indicators, fmt):
    """A clerk without a Vietnamese keyboard types VIQR: «DDa.t», «Chu+a dda.t», «Kho^ng
    dda.t» (were not understood)."""
    rows = [
        ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98%", "99,2%", "DDa.t"),
        ("15.1", "Tỷ lệ người dân tham gia BHYT", "≥85%", "80%", "Chu+a dda.t"),
        ("14.3", "Tỷ lệ lao động có việc làm qua đào tạo", "≥40%", "35%", "Kho^ng dda.t"),
    ]
    submission, _ = read(tmp_path, registry, indicators, rows, fmt)
    assert {e.code: (e.value, e.self_assessment) for e in submission.indicators} == {
        "4.2": (99.2, MET),
        "15.1": (80.0, NOT_MET),
        "14.3": (35.0, NOT_MET),
    }


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_percentage_saved_without_its_format_is_read_when_its_row_says_so(
    tmp_path, registry, indicators, fmt
):
    """A sheet saved again by a script loses its «%» formats: 0,984 beside «≥98%» and «Đạt»,
    among figures typed as 88,6 and 35, is 98,4% (was 0,984: not met by the figures, against
    the clerk's «Đạt»), said with its cell. A fraction its row does not vouch for is kept:
    «Chưa đạt» beside it, or a figure that times 100 still fails its standard."""
    rows = [
        ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98%", 0.984, "Đạt"),
        ("15.1", "Tỷ lệ người dân tham gia BHYT", "≥85%", 88.6, "Đạt"),
        ("14.3", "Tỷ lệ lao động có việc làm qua đào tạo", "≥40%", 35, "Chưa đạt"),
        ("12", "Tỷ lệ người có việc làm", "≥90%", 0.85, "Chưa đạt"),
        ("17.1", "Tỷ lệ hộ dùng nước hợp vệ sinh", "≥90%", 0.8, "Đạt"),
        ("9.2", "Tỷ lệ hộ có nhà ở đạt chuẩn", "≥75%", 76, "Đạt"),
        ("17.6", "Nhà tiêu, nhà tắm hợp vệ sinh", "≥70%", 72.5, "Đạt"),
    ]
    submission, issues = read(tmp_path, registry, indicators, rows, fmt)
    values = {e.code: e.value for e in submission.indicators}
    assert values == {
        "4.2": 98.4, "15.1": 88.6, "14.3": 35.0, "12": 0.85, "17.1": 0.8, "9.2": 76.0,
        "17.6": 72.5,
    }  # fmt: skip
    said = [i for i in issues if i.code == "value-fraction-by-verdict"]
    assert [(i.cell, i.severity.value) for i in said] == [("E5", "warning")]
    assert "0,984" in said[0].message and "«98,4%»" in said[0].message


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_percentage_verdict_without_a_standard_on_its_row_stays_met(
    tmp_path, registry, indicators, fmt
):
    """«Đạt 98%» beside 99,2% on a row writing no standard may quote the catalogue's (≥98%):
    met, nothing said. The same layout read next with «Đạt 80%» under «≥98%» is said, and a
    third with a plain «Đạt» is not (the table's remembered layout replays no issue)."""
    rows = [("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", None, "99,2%", "Đạt 98%")]
    submission, issues = read(tmp_path, registry, indicators, rows, fmt)
    assert [(e.code, e.self_assessment) for e in submission.indicators] == [("4.2", MET)]
    assert not [i for i in issues if i.code == "assessment-partial"]
    stated = [("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98%", "99,2%", "Đạt 80%")]
    plain = [("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98%", "99,2%", "Đạt")]
    for verdict_rows, status, said in ((stated, NOT_MET, 1), (plain, MET, 0)):
        submission, issues = read(tmp_path, registry, indicators, verdict_rows, fmt)
        assert [e.self_assessment for e in submission.indicators] == [status]
        assert len([i for i in issues if i.code == "assessment-partial"]) == said
