"""Self-assessment tables as clerks type them, tenth probe: codes that Excel turned into dates
as they were typed. Each workbook is a real file (.xlsx, .xls, .ods) read back."""

from __future__ import annotations

from datetime import datetime

import pytest
from support.wild import Book, Sheet, write_book

from ntm_excel.model import Status
from ntm_excel.read.reader import read_submission

MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.UNKNOWN
HEADINGS = ["TT", "Tên tiêu chí", "Nội dung", "Chỉ tiêu", "Kết quả thực hiện", "Tự đánh giá"]


def read(tmp_path, registry, indicators, rows: list[tuple], fmt: str):
    """The submission read from Xã Cẩm Vĩnh's table of `rows` (TT cell, its number format,
    wording, threshold, value, verdict)."""
    sheet = Sheet("Biểu TĐG")
    sheet.put(0, 0, "UBND XÃ CẨM VĨNH")
    sheet.put(1, 0, "BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN TIÊU CHÍ NTM NĂM 2021")
    for c, text in enumerate(HEADINGS):
        sheet.put(3, c, text)
    for r, (no, number_format, *cells) in enumerate(rows, start=4):
        sheet.put(r, 0, no, fmt=number_format)
        for c, value in enumerate(cells, start=2):
            sheet.put(r, c, value)
    path = tmp_path / f"xa_cam_vinh.{fmt}"
    write_book(Book([sheet]), path)
    return read_submission(path, registry, indicators)


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
@pytest.mark.parametrize("number_format", ["d.m", "dd/mm", "dd/mm/yyyy"])
def test_a_code_excel_turned_into_a_date_is_that_code(
    tmp_path, registry, indicators, fmt, number_format
):
    """«14.3» typed where the dot separates a date's parts becomes 14/03/2021: the code 14.3,
    not a row matched by its wording to another indicator («… có việc làm …» is also 12's)."""
    fourteen = datetime(2021, 3, 14)
    twelve = "Tỷ lệ người có việc làm trên dân số trong độ tuổi lao động"
    rows = [
        (datetime(2021, 2, 4), number_format, "Tỷ lệ hộ dùng điện", "≥98", "99,2", "Đạt"),
        ("12", None, twelve, "≥90", 93.1, "Đạt"),
        (fourteen, number_format, "Tỷ lệ lao động có việc làm qua đào tạo", "≥40", 35, "Chưa đạt"),
        (datetime(2021, 1, 15), number_format, "Tỷ lệ tham gia BHYT", "≥85", "88,6", "Đạt"),
        (datetime(2021, 6, 17), number_format, "Nhà tiêu, nhà tắm HVS", "≥70", "65", "Chưa đạt"),
    ]  # fmt: skip
    submission, issues = read(tmp_path, registry, indicators, rows, fmt)
    assert {e.code: (e.value, e.self_assessment) for e in submission.indicators} == {
        "4.2": (99.2, MET),
        "12": (93.1, MET),
        "14.3": (35.0, NOT_MET),
        "15.1": (88.6, MET),
        "17.6": (65.0, NOT_MET),
    }
    assert "indicator-duplicate" not in {issue.code for issue in issues}


_ONE_TWO = "Ban hành quy định quản lý quy hoạch chung xây dựng xã và tổ chức thực hiện"


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_an_indicator_typed_on_two_rows_has_its_figures_on_the_lower_one(
    tmp_path, registry, indicators, fmt
):
    """A long wording typed over two rows without merging them, the figures on the lower
    row: «2.1 | Đường xã và đường từ trung tâm xã» over «| đến đường huyện được nhựa hóa …
    | 100% | Đạt». The lower row is the indicator's, not the same indicator again (whose
    first, empty row used to win, its value and verdict lost). A capitalised wording below
    an empty row is another indicator («1.2» under an empty «1.1»)."""
    rows = [
        ("1.1", None, "Có quy hoạch chung xây dựng xã được phê duyệt", None, None, None),
        (None, None, _ONE_TWO, "Đạt", "Đạt", "Đạt"),
        ("2.1", None, "Đường xã và đường từ trung tâm xã", None, None, None),
        (None, None, "đến đường huyện được nhựa hóa hoặc bê tông hóa", "100%", "100%", "Đạt"),
        ("14.3", None, "Tỷ lệ lao động có việc làm", None, None, None),
        (None, None, "qua đào tạo", "≥40", 35, "Chưa đạt"),
        ("15.1", None, "Tỷ lệ người dân tham gia bảo hiểm y tế", "≥85", "88,6", "Đạt"),
        ("9.2", None, "Tỷ lệ hộ có nhà ở đạt tiêu chuẩn theo quy định", None, None, None),
        (None, None, "trong đó: nhà kiên cố", None, "45%", None),
    ]
    submission, issues = read(tmp_path, registry, indicators, rows, fmt)
    assert {e.code: (e.value, e.self_assessment) for e in submission.indicators} == {
        "1.1": (None, UNKNOWN),
        "1.2": ("Đạt", MET),
        "2.1": (100.0, MET),
        "14.3": (35.0, NOT_MET),
        "15.1": (88.6, MET),
        "9.2": (None, UNKNOWN),
    }
    assert "indicator-duplicate" not in {issue.code for issue in issues}


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_letters_typed_without_diacritics_count_d_twice_as_d_and_dd(
    tmp_path, registry, indicators, fmt
):
    """Indicators lettered a) b) c) d) đ) e) typed on a machine without Vietnamese: «d)» twice.
    The second is «đ)» (18.5), not 18.4 again (was dropped as a duplicate)."""
    rows = [("18", None, "He thong chinh tri va tiep can phap luat", None, None, "Dat")]
    for letter, text in [
        ("a)", "Can bo, cong chuc xa dat chuan"),
        ("b)", "Co du cac to chuc trong he thong chinh tri co so theo quy dinh"),
        ("c)", "Dang bo, chinh quyen xa dat tieu chuan trong sach, vung manh"),
        ("d)", "To chuc chinh tri - xa hoi cua xa dat loai kha tro len"),
        ("d)", "Xa dat chuan tiep can phap luat theo quy dinh"),
        ("e)", "Dam bao binh dang gioi va phong chong bao luc gia dinh"),
    ]:
        rows.append((letter, None, text, "Dat", "Dat", "Dat"))
    submission, issues = read(tmp_path, registry, indicators, rows, fmt)
    assert [e.code for e in submission.indicators] == [f"18.{n}" for n in range(1, 7)]
    assert not {"indicator-duplicate", "indicator-code-mismatch"} & {i.code for i in issues}


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_percentage_written_in_the_note_of_a_blank_value_is_read_and_said(
    tmp_path, registry, indicators, fmt
):
    """The value cell left blank, «Đạt 85,5%» typed in «Ghi chú»: 85,5 is the value, and a
    warning names both cells (3.1 used to be read blank without a word: a «Đạt» indicator).
    A note without a percentage, or beside a value, is only a note."""
    sheet = Sheet("Biểu TĐG")
    sheet.put(0, 0, "UBND XÃ CẨM VĨNH")
    sheet.put(1, 0, "BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN TIÊU CHÍ NTM NĂM 2021")
    for c, text in enumerate([*HEADINGS, "Ghi chú"]):
        sheet.put(3, c, text)
    rows = [
        ("3.1", "Tỷ lệ diện tích đất được tưới tiêu chủ động", "≥80%", None, "Đạt", "Đạt 85,5%"),
        ("15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", "≥85", None, "Đạt", "88,6%"),
        ("14.3", "Tỷ lệ lao động có việc làm qua đào tạo", "≥40", None, "Chưa đạt", "Năm 2019"),
        ("17.6", "Tỷ lệ hộ có nhà tiêu, nhà tắm hợp vệ sinh", "≥70", "75", "Đạt", "Đạt 65%"),
    ]  # fmt: skip
    for r, (code, wording, threshold, value, verdict, note) in enumerate(rows, start=4):
        for c, cell in enumerate([code, "", wording, threshold, value, verdict, note]):
            sheet.put(r, c, cell)
    path = tmp_path / f"xa_cam_vinh.{fmt}"
    write_book(Book([sheet]), path)
    submission, issues = read_submission(path, registry, indicators)
    assert {e.code: (e.value, e.value_cell) for e in submission.indicators} == {
        "3.1": (85.5, "G5"),
        "15.1": (88.6, "G6"),
        "14.3": (None, "E7"),
        "17.6": (75.0, "E8"),
    }
    noted = [(i.cell, i.message) for i in issues if i.code == "value-in-note"]
    assert [cell for cell, _ in noted] == ["G5", "G6"]
    assert "ô kết quả E5 để trống" in noted[0][1] and "«Đạt 85,5%»" in noted[0][1]
