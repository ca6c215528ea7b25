"""A province's own criterion the catalogue in force does not have (21, when Hà Tĩnh's set
stops at 20): one warning «Tiêu chí 21 …» for the criterion, not «Chỉ tiêu «21.1»» per
row. Real workbooks written, read and checked."""

from __future__ import annotations

import pytest
from support.wild import Book, Sheet, write_book

from ntm_excel.check.validate import validate_submission
from ntm_excel.read.reader import read_workbook

HEADINGS = ["TT", "Tên tiêu chí", "Nội dung", "Chỉ tiêu", "Kết quả thực hiện", "Tự đánh giá"]
ROWS = [
    ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn từ các nguồn", "≥98", "99,2", "Đạt"),
    ("4.9", "Tỷ lệ hộ dùng điện mặt trời", "≥10", "12", "Đạt"),  # not in criterion 4
    ("12", "Tỷ lệ người có việc làm trên dân số trong độ tuổi lao động", "≥90", "93,1", "Đạt"),
    ("21.1", "Tỷ lệ thôn đạt khu dân cư kiểu mẫu", "≥30", "33,5", "Đạt"),
    ("21.2", "Tỷ lệ vườn hộ đạt chuẩn vườn mẫu", "≥10", "12", "Đạt"),
]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_criterion_outside_the_set_is_named_as_a_criterion(tmp_path, registry, indicators, fmt):
    sheet = Sheet("Biểu TĐG")
    sheet.put(0, 0, "UBND XÃ CẨM VĨNH")
    sheet.put(1, 0, "BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN TIÊU CHÍ NTM NĂM 2021")
    for c, text in enumerate(HEADINGS):
        sheet.put(3, c, text)
    for r, (code, wording, threshold, *cells) in enumerate(ROWS, start=4):
        for c, value in enumerate([code, "", wording, threshold, *cells]):
            sheet.put(r, c, value)
    path = tmp_path / f"xa_cam_vinh.{fmt}"
    write_book(Book([sheet]), path)
    (submission, _), *_ = read_workbook(path, registry, indicators)
    assert {"4.9", "21.1", "21.2"} <= {e.code for e in submission.indicators}
    _, _, issues = validate_submission(submission, registry.get("18694"), indicators)
    unknown = [i for i in issues if i.code in ("indicator-unknown", "criterion-unknown")]
    assert [(i.code, i.cell) for i in unknown] == [
        ("indicator-unknown", "E6"),
        ("criterion-unknown", "E8"),
    ]
    assert "«4.9»" in unknown[0].message
    assert unknown[1].message.startswith("Tiêu chí 21 không có trong bộ tiêu chí")
    assert "(dòng 21.1, 21.2)" in unknown[1].message and "«21.1»" not in unknown[1].message
    assert unknown[1].sheet == "Biểu TĐG" and unknown[1].file == path.name
