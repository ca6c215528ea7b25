"""A verdict or two typed in an old font («§¹t», «Ch­a ®¹t» TCVN3, «Ñaït», «Chöa ñaït» VNI)
among the Unicode verdicts of a «Tự đánh giá» column: too few for the column to tell the
font, each is read when it decodes to a verdict word exactly. Real files written and read."""

from __future__ import annotations

import pytest
from support.wild import Book, Sheet, write_book

from ntm_excel.model import Status
from ntm_excel.read.legacy import from_unicode
from ntm_excel.read.reader import read_workbook

MET, NOT_MET = Status.MET, Status.NOT_MET
HEADINGS = ["TT", "Tên tiêu chí", "Nội dung", "Chỉ tiêu", "Kết quả thực hiện", "Tự đánh giá"]
ROWS = [
    ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn từ các nguồn", "≥98", "99,2", "Đạt"),
    ("12", "Tỷ lệ người có việc làm trên dân số trong độ tuổi lao động", "≥90", "93,1", "Đạt"),
    ("14.3", "Tỷ lệ lao động có việc làm qua đào tạo", "≥40", "35", "Chưa đạt"),
    ("15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", "≥85", "88,6", "Đạt"),
    ("17.6", "Tỷ lệ hộ có nhà tiêu, nhà tắm, bể chứa nước hợp vệ sinh", "≥70", "65", "Chưa đạt"),
    ("18.1", "Cán bộ, công chức xã đạt chuẩn", "Đạt", "Đạt", "Đạt"),
]


def _book(tmp_path, rows, fmt: str):
    sheet = Sheet("Biểu TĐG")
    sheet.put(0, 0, "UBND XÃ CẨM VĨNH")
    sheet.put(1, 0, "BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN TIÊU CHÍ NTM NĂM 2021")
    for c, text in enumerate(HEADINGS):
        sheet.put(3, c, text)
    for r, (code, wording, threshold, *cells) in enumerate(rows, start=4):
        for c, value in enumerate([code, "", wording, threshold, *cells]):
            sheet.put(r, c, value)
    path = tmp_path / f"xa_cam_vinh.{fmt}"
    write_book(Book([sheet]), path)
    return path


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
@pytest.mark.parametrize("encoding", ["TCVN3", "VNI"])
@pytest.mark.parametrize("legacy_rows", [(2,), (0,), (2, 4)], ids=["one-chua", "one-dat", "two"])
def test_one_or_two_old_font_verdicts_among_unicode_ones(
    tmp_path, registry, indicators, fmt, encoding, legacy_rows
):
    rows = [
        (*row[:4], from_unicode(row[4], encoding) if i in legacy_rows else row[4])
        for i, row in enumerate(ROWS)
    ]
    path = _book(tmp_path, rows, fmt)
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    assert {e.code: e.self_assessment for e in submission.indicators} == {
        code: MET if said == "Đạt" else NOT_MET for code, *_, said in ROWS
    }
    assert {e.code: e.assessment_raw for e in submission.indicators}["14.3"] == "Chưa đạt"


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_an_old_font_word_that_is_no_verdict_is_left_as_typed(tmp_path, registry, indicators, fmt):
    """«Kh¸" (TCVN3 for «khá») is a word, not a verdict: a lone cell of it is not converted."""
    rows = [(*row[:4], row[4]) for row in ROWS]
    rows[1] = (*ROWS[1][:4], "Kh¸")
    path = _book(tmp_path, rows, fmt)
    (submission, _), *_ = read_workbook(path, registry, indicators)
    entry = {e.code: e for e in submission.indicators}["12"]
    assert entry.assessment_raw == "Kh¸"
    assert entry.self_assessment is Status.UNKNOWN
