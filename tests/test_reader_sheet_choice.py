"""Which sheet holds the self-assessment when a workbook has several tables: the filled one
before the district's blank form or a guide's few example rows, the commune's own before a
village's, the later correction of two versions (and the choice said). Files are built with
the sample generator (.xlsx, .xls, .ods) or openpyxl and read back."""

from __future__ import annotations

from dataclasses import replace

import openpyxl
import pytest
from support.samples import SampleSpec, expected, write_cluster

from ntm_excel.model import Status
from ntm_excel.read.reader import read_submission
from ntm_excel.values import parse_value

FORMATS = ["xlsx", "xls", "ods"]
SPEC = SampleSpec("18706", "Xã Cẩm Thạch", roadmap_sheet=None, seed=3)


def values_of(spec: SampleSpec) -> dict[str, object]:
    want = expected(spec)
    return {code: parse_value(want.values[code], want.formats[code]).value for code in want.codes}


def notes_of(submission) -> str:
    return "\n".join(submission.reading.notes)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_filled_sheet_is_read_not_the_blank_form_in_front(tmp_path, fmt, registry, indicators):
    """«Mẫu» (the district's form, nothing written) first, the commune's filled copy second."""
    blank = replace(SPEC, format=fmt, sheet_name="Mẫu", template=True)
    filled = replace(SPEC, format=fmt, roadmap_sheet="Lộ trình")
    path = write_cluster(tmp_path / f"cam_thach.{fmt}", [blank, filled], summary=False)
    submission, issues = read_submission(path, registry, indicators)
    assert submission.sheet == "Biểu tự đánh giá"
    assert {e.code: e.value for e in submission.indicators} == values_of(filled)
    assert "table-empty" not in {issue.code for issue in issues}
    assert (
        "Trang «Mẫu»: cũng có bảng tự đánh giá nhưng chưa ghi kết quả, tự đánh giá (trang trống)"
        in notes_of(submission)
    )


def test_the_filled_sheet_first_still_wins_over_a_blank_form_after_it(
    tmp_path, registry, indicators
):
    filled = replace(SPEC, roadmap_sheet="Lộ trình")
    blank = replace(SPEC, sheet_name="Mẫu", template=True)
    path = write_cluster(tmp_path / "cam_thach.xlsx", [filled, blank], summary=False)
    submission, _ = read_submission(path, registry, indicators)
    assert submission.sheet == "Biểu tự đánh giá"
    assert {e.code: e.value for e in submission.indicators} == values_of(filled)


def _table(ws, title: str, rows: list[list[object]]) -> None:
    ws.append(["UBND XÃ CẨM BÌNH"])
    ws.append([title])
    ws.append(["TT", "Nội dung tiêu chí", "Kết quả thực hiện", "Chỉ tiêu", "Tự đánh giá"])
    for row in rows:
        ws.append(row)


COMMUNE_ROWS = [
    ["1.1", "Có quy hoạch chung xây dựng xã", "Đạt", "Đạt", "Đạt"],
    ["1.2", "Ban hành quy định quản lý quy hoạch", "Đạt", "Đạt", "Đạt"],
    ["3.1", "Tỷ lệ diện tích được tưới chủ động", "87,5%", "≥80%", "Đạt"],
    ["4.2", "Tỷ lệ hộ sử dụng điện", "98,2%", "≥98%", "Đạt"],
    ["9.2", "Tỷ lệ hộ có nhà ở đạt chuẩn", "70,5%", "≥75%", "Chưa đạt"],
    ["15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", "96,3%", "≥85%", "Đạt"],
]


@pytest.mark.parametrize(
    ("tab", "why"),
    [("Hướng dẫn", "là trang hướng dẫn"), ("Trang 1", "chỉ ghi 2 dòng, trang đọc ghi 6")],
)
def test_a_guide_sheets_example_rows_are_not_the_commune_table(
    tmp_path, tab, why, registry, indicators
):
    """A guide with a two-row example under the same headings, in front of the table: told
    by its tab, else by its few rows."""
    book = openpyxl.Workbook()
    guide = book.active
    guide.title = tab
    guide.append(["Cột «Kết quả thực hiện» ghi số liệu; tỷ lệ ghi số phần trăm."])
    _table(
        guide,
        "Ví dụ:",
        [
            ["3.1", "Tỷ lệ diện tích được tưới", "85,5%", "≥80%", "Đạt"],
            ["9.2", "Tỷ lệ hộ có nhà ở đạt chuẩn", "72%", "≥75%", "Chưa đạt"],
        ],
    )
    _table(book.create_sheet("Biểu tự đánh giá"), "BIỂU TỰ ĐÁNH GIÁ NĂM 2021", COMMUNE_ROWS)
    book.save(tmp_path / "cam_binh.xlsx")
    submission, _ = read_submission(tmp_path / "cam_binh.xlsx", registry, indicators)
    assert submission.sheet == "Biểu tự đánh giá"
    assert [(e.code, e.value) for e in submission.indicators][2:5] == [
        ("3.1", 87.5), ("4.2", 98.2), ("9.2", 70.5)
    ]  # fmt: skip
    assert f"Trang «{tab}»: cũng có bảng tự đánh giá nhưng {why}" in notes_of(submission)


def test_a_village_sheet_in_front_is_not_the_communes(tmp_path, registry, indicators):
    """A «khu dân cư kiểu mẫu» self-assessment as filled as the commune's, on the first sheet."""
    book = openpyxl.Workbook()
    village = book.active
    village.title = "KDC mẫu thôn Trung Hải"
    rows = [[r[0], r[1], "Đạt", r[3], "Đạt"] for r in COMMUNE_ROWS]
    _table(village, "BIỂU TỰ ĐÁNH GIÁ KHU DÂN CƯ NÔNG THÔN MỚI KIỂU MẪU THÔN TRUNG HẢI", rows)
    _table(book.create_sheet("TĐG xã"), "BIỂU TỰ ĐÁNH GIÁ XÃ NÔNG THÔN MỚI NĂM 2021", COMMUNE_ROWS)
    book.save(tmp_path / "cam_binh.xlsx")
    submission, _ = read_submission(tmp_path / "cam_binh.xlsx", registry, indicators)
    assert submission.sheet == "TĐG xã"
    assert submission.indicators[2].value == 87.5
    assert "nhưng là bảng của khu dân cư (thôn), không đọc" in notes_of(submission)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("corrected_first", [False, True])
def test_the_corrected_version_is_read_and_the_choice_said(
    tmp_path, fmt, corrected_first, registry, indicators
):
    """«TĐG lần 1 (gửi 5-3)» and «TĐG lần 2 (đã sửa)», both filled, in either order."""
    first = replace(
        SPEC, format=fmt, sheet_name="TĐG lần 1 (gửi 5-3)", not_met=("9.2",), signed_day=5
    )
    corrected = replace(SPEC, format=fmt, sheet_name="TĐG lần 2 (đã sửa)", roadmap_sheet="Lộ trình")
    specs = [corrected, first] if corrected_first else [first, corrected]
    path = write_cluster(tmp_path / f"cam_thach.{fmt}", specs, summary=False)
    submission, issues = read_submission(path, registry, indicators)
    assert submission.sheet == "TĐG lần 2 (đã sửa)"
    assert {e.code: e.value for e in submission.indicators} == values_of(corrected)
    assert {e.code: e.self_assessment for e in submission.indicators}["9.2"] is Status.MET
    chosen = [issue for issue in issues if issue.code == "sheet-chosen"]
    assert len(chosen) == 1 and chosen[0].severity == "info"
    assert (
        "đã đọc trang «TĐG lần 2 (đã sửa)» (tên trang ghi là bản đã sửa), không đọc trang "
        "«TĐG lần 1 (gửi 5-3)»" in chosen[0].message
    )
    assert "nhưng là bản trước (tên trang ghi là bản đã sửa)" in notes_of(submission)


def test_of_two_unmarked_versions_the_later_signed_is_read(tmp_path, registry, indicators):
    first = replace(SPEC, sheet_name="TĐG", not_met=("9.2",), signed_day=5)
    later = replace(SPEC, sheet_name="TĐG (2)", signed_day=12)
    path = write_cluster(tmp_path / "cam_thach.xlsx", [first, later], summary=False)
    submission, issues = read_submission(path, registry, indicators)
    assert submission.sheet == "TĐG (2)"
    chosen = [issue for issue in issues if issue.code == "sheet-chosen"]
    assert "ký ngày 12/03/2021, sau ngày 05/03/2021" in chosen[0].message


def test_two_versions_nothing_tells_apart_are_read_first_and_said(tmp_path, registry, indicators):
    first = replace(SPEC, sheet_name="TĐG", not_met=("9.2",))
    other = replace(SPEC, sheet_name="TĐG xã")
    path = write_cluster(tmp_path / "cam_thach.xlsx", [first, other], summary=False)
    submission, issues = read_submission(path, registry, indicators)
    assert submission.sheet == "TĐG"
    chosen = [issue for issue in issues if issue.code == "sheet-chosen"]
    assert "không có gì cho biết trang nào mới hơn" in chosen[0].message


def test_two_identical_copies_raise_nothing(tmp_path, registry, indicators):
    path = write_cluster(
        tmp_path / "cam_thach.xlsx", [SPEC, replace(SPEC, sheet_name="Copy")], summary=False
    )
    submission, issues = read_submission(path, registry, indicators)
    assert submission.sheet == "Biểu tự đánh giá"
    assert "sheet-chosen" not in {issue.code for issue in issues}
