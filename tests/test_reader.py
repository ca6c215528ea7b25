"""Reading commune workbooks as they really arrive: layouts, codes, values, units, roadmaps.

Every test writes real files (through support.samples, or by hand with openpyxl/xlwt) and
reads them back with read_submission.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from support.samples import (
    CODE_STYLES,
    HEADER_LAYOUTS,
    SampleSpec,
    expected,
    expected_tasks,
    write_sample,
)

from ntm_excel.check.validate import validate_submission
from ntm_excel.config import load_config
from ntm_excel.model import Status
from ntm_excel.read.reader import read_submission
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.values import parse_assessment, parse_value

FORMATS = ("xlsx", "xls", "ods")


@pytest.fixture
def read(tmp_path, registry, indicators):
    def _read(spec: SampleSpec, name: str | None = None, catalogue=None):
        path = write_sample(tmp_path / (name or f"bieu.{spec.format}"), spec)
        return read_submission(path, registry, catalogue or indicators)

    return _read


def codes_of(issues):
    return [issue.code for issue in issues]


def assert_matches(submission, spec: SampleSpec) -> None:
    """Every indicator the spec wrote is read back with its value, assessment and code."""
    want = expected(spec)
    got = {entry.code: entry for entry in submission.indicators}
    assert sorted(got) == sorted(set(want.codes))
    for code in want.codes:
        entry = got[code]
        if code in spec.formula_codes:
            continue
        value = parse_value(want.values[code], want.formats[code]).value
        assert entry.value == value, (code, entry.raw)
        assert entry.self_assessment is parse_assessment(want.assessments[code]), code
        assert entry.sheet == spec.sheet_name


# --- Layouts ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("style", CODE_STYLES)
def test_every_numbering_style_reads_every_indicator(read, fmt, style):
    spec = SampleSpec(format=fmt, code_style=style)
    submission, issues = read(spec)
    assert submission.unit_code == "18694"
    assert_matches(submission, spec)
    assert codes_of(issues) == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("layout", HEADER_LAYOUTS)
@pytest.mark.parametrize("merged", [False, True])
def test_heading_layouts_and_merged_criterion_cells(read, fmt, layout, merged):
    spec = SampleSpec(format=fmt, header=layout, merged_criteria=merged, criterion_column=merged)
    submission, issues = read(spec)
    assert_matches(submission, spec)
    assert codes_of(issues) == []
    if merged:  # the merged «Đánh giá tiêu chí» column gives every criterion its own status
        assert sorted(c.criterion_no for c in submission.criteria) == list(range(1, 21))
        assert all(c.self_assessment is Status.MET for c in submission.criteria)


def test_columns_in_any_order_under_any_sheet_name(read):
    spec = SampleSpec(
        columns=("assessment", "no", "text", "value", "threshold", "note"),
        sheet_name="Sheet1",
        roadmap_sheet="Sheet2",
        extra_sheet="Hướng dẫn",
        title_rows=11,
    )
    submission, _ = read(spec)
    assert submission.sheet == "Sheet1"
    assert_matches(submission, spec)
    assert len(submission.tasks) == spec.roadmap_tasks


def test_without_a_text_column_the_name_column_holds_the_wording(read):
    spec = SampleSpec(columns=("no", "name", "threshold", "value", "assessment"))
    submission, _ = read(spec)
    assert_matches(submission, spec)


def test_criterion_rows_carry_their_own_assessment(read):
    spec = SampleSpec(not_met=("4.2",))
    submission, _ = read(spec)
    by_no = {c.criterion_no: c for c in submission.criteria}
    assert by_no[4].self_assessment is Status.NOT_MET
    assert by_no[1].self_assessment is Status.MET
    # criteria that are their own indicator (5, 7, 10, …) are indicators, not criterion rows
    assert 5 not in by_no
    assert by_no[4].cell.startswith("F")


def test_blank_group_hidden_and_column_number_rows(read):
    spec = SampleSpec(
        blank_rows=True,
        group_rows=True,
        column_numbers=True,
        hidden_rows=("2.1", "17.3"),
        assessment_variants=True,
    )
    submission, issues = read(spec)
    assert_matches(submission, spec)  # hidden rows are read like the others
    assert codes_of(issues) == []


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
@pytest.mark.parametrize("style", ["numbers", "texts"])
@pytest.mark.parametrize("code_style", ["dotted", "tc"])
def test_a_column_number_row_is_not_criterion_1(read, fmt, style, code_style):
    """«1 | 2 | 3 …» under the heading (numbers or texts): its «1» is not criterion 1, whose
    first indicator is read from its own row."""
    spec = SampleSpec(
        format=fmt, column_numbers=True, column_number_style=style, code_style=code_style
    )
    submission, issues = read(spec)
    assert_matches(submission, spec)
    assert codes_of(issues) == []
    skipped = [r for r in submission.reading.rows if "dòng đánh số cột" in r.how]
    assert len(skipped) == 1


def test_totals_line_and_signature_block(read):
    submission, _ = read(SampleSpec(not_met=("4.2", "11")))
    assert submission.reported_total == (18, 20)
    assert len(submission.indicators) == 50  # "Người lập biểu", "CHỦ TỊCH" are not indicators
    wrong, _ = read(SampleSpec(wrong_total=True), name="sai.xlsx")
    assert wrong.reported_total == (19, 20)  # all 20 met, the total line says 19
    assert wrong.total_cell.startswith("A") and int(wrong.total_cell[1:]) > 50  # below the table
    assert submission.report_date == date(2021, 3, 10)  # "Cẩm Thành, ngày 10 tháng 3 năm 2021"


def test_hand_written_codes_of_every_kind(tmp_path, registry, indicators):
    """One sheet mixing the numbering found in real files."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Biểu 01"
    ws.append(["UBND XÃ CẨM HÀ"])
    ws.append([])
    ws.append(["STT", "Tiêu chí", "Nội dung", "Chuẩn", "Hiện trạng", "Đánh giá", "Ghi chú"])
    rows = [
        ["I", "HẠ TẦNG KINH TẾ - XÃ HỘI"],
        ["Tiêu chí 1:", "Quy hoạch"],
        ["1.1.", None, "Có quy hoạch chung", "Đạt", "Đạt", "Đạt"],
        ["1,2", None, "Ban hành quy định quản lý quy hoạch", "Đạt", "Đạt", "Đạt"],
        ["TC 2", "Giao thông"],
        ["a)", None, "Đường xã", "Đạt", "Đạt", "Đạt"],
        ["b)", None, "Đường trục thôn", "Đạt", "Đạt", "Chưa đạt"],
        [None, None, "Đường ngõ, xóm", "Đạt", "Đạt", "Đạt"],
        [None, None, "Đường trục chính nội đồng", "Đạt", "Đạt", "Đạt"],
        ["TC3", "Thủy lợi"],
        [None, None, "3.1. Tỷ lệ diện tích được tưới chủ động", "≥80%", "85%", "Đạt"],
        [None, None, "3.2 Phòng chống thiên tai tại chỗ", "Đạt", "Đạt", "Đạt"],
        ["II", "CÁC TIÊU CHÍ ĐÃ ĐẠT"],
        ["5", "Trường học", "Tỷ lệ trường đạt chuẩn", "≥80%", "1.234,5", "Đạt"],
        ["8", "Thông tin và Truyền thông"],
        [None, None, "8.1. Có điểm phục vụ bưu chính", "Đạt", "Có", "Đạt"],
        ["Tiêu chí số 10", "Thu nhập", "Thu nhập bình quân", "≥36", "45,2 triệu đồng/người", "Đạt"],
        ["11", "Hộ nghèo"],
        ["11.1", None, "Tỷ lệ hộ nghèo đa chiều", "≤5%", "3,1%", "Đạt"],
        [None, None, "Tỷ lệ người dân tham gia bảo hiểm y tế", "≥85%", "90%", "Đạt"],
    ]
    for row in rows:
        ws.append(row)
    ws.append(["Tổng số tiêu chí đạt:", None, "7/20"])
    ws.append(["Người lập biểu", None, None, None, "CHỦ TỊCH"])
    path = tmp_path / "cam_ha.xlsx"
    book.save(path)
    submission, issues = read_submission(path, registry, indicators)
    got = {e.code: e for e in submission.indicators}
    assert list(got) == ["1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "5", "8.1"] + [
        "10",
        "11",
        "15.1",  # no code, but the catalogue's own wording
    ]
    assert got["2.2"].self_assessment is Status.NOT_MET
    assert got["3.1"].value == 85.0
    assert got["5"].value == 1234.5
    assert got["8.1"].value == "Có"
    assert got["10"].value == 45.2
    assert got["11"].value == 3.1  # "11.1" under a criterion that is its own indicator
    assert got["1.2"].value_cell == "E7"
    assert submission.reported_total == (7, 20)
    assert submission.unit_code == "18727"
    assert codes_of(issues) == ["roadmap-not-found"]


def test_indicator_codes_written_with_the_criterions_word(tmp_path, registry, indicators):
    """«TC1.1», «TC 1.2», «Tiêu chí 2.1» are indicators, not criterion 1 written again."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["UBND XÃ CẨM HÀ"])
    ws.append(["Mã", "Nội dung", "Kết quả", "Tự đánh giá"])
    ws.append(["TC1", "Quy hoạch", None, "Đạt"])
    ws.append(["TC1.1", "Có quy hoạch chung xây dựng xã", "Có", "Đạt"])
    ws.append(["TC 1.2", "Ban hành quy định quản lý quy hoạch", "Có", "Đạt"])
    ws.append(["TC2", "Giao thông", None, "Chưa đạt"])
    ws.append(["Tiêu chí 2.1", "Đường xã", "100%", "Đạt"])
    ws.append(["TC2.2", "Đường trục thôn", "60%", "Chưa đạt"])
    path = tmp_path / "cam_ha.xlsx"
    book.save(path)
    submission, issues = read_submission(path, registry, indicators)
    assert [(e.code, e.value) for e in submission.indicators] == [
        ("1.1", "Có"), ("1.2", "Có"), ("2.1", 100.0), ("2.2", 60.0)
    ]  # fmt: skip
    assert "indicator-duplicate" not in codes_of(issues)


def test_one_result_column_holds_figures_and_verdicts(tmp_path, registry, indicators):
    """A single «Kết quả tự đánh giá» column: its figures are the values (judged against the
    thresholds), its «Đạt» the verdicts; no «value missing» nor «assessment missing»."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["UBND XÃ CẨM HƯNG"])
    ws.append(["TT", "Nội dung tiêu chí", "Chỉ tiêu theo quy định", "Kết quả tự đánh giá"])
    ws.append(["1.1", "Có quy hoạch chung xây dựng xã", "Đạt", "Đạt"])
    ws.append(["3.1", "Tỷ lệ diện tích được tưới chủ động", "≥80%", "87,5%"])
    ws.append(["4.2", "Tỷ lệ hộ sử dụng điện", "≥98%", "92%"])
    path = tmp_path / "cam_hung.xlsx"
    book.save(path)
    submission, issues = read_submission(path, registry, indicators)
    assert [(e.code, e.value) for e in submission.indicators] == [
        ("1.1", "Đạt"), ("3.1", 87.5), ("4.2", 92.0)
    ]  # fmt: skip
    results, _, checked = validate_submission(submission, registry.get("18733"), indicators)
    statuses = {r.indicator_code: r.status for r in results}
    assert (statuses["1.1"], statuses["3.1"], statuses["4.2"]) == (
        Status.MET, Status.MET, Status.NOT_MET
    )  # fmt: skip
    found = {i.code for i in [*issues, *checked]}
    assert not found & {"value-missing", "assessment-missing", "assessment-unreadable"}


def test_this_years_sheet_is_read_not_last_years_before_it(tmp_path, registry, indicators):
    book = openpyxl.Workbook()
    book.remove(book.active)
    _assessment_sheet(book, "TĐG 2020", [["3.1", "Tỷ lệ diện tích tưới", "82,5%", "Đạt"]])
    _assessment_sheet(book, "TĐG 2021", [["3.1", "Tỷ lệ diện tích tưới", "87,5%", "Đạt"]])
    book.save(tmp_path / "cam_ha.xlsx")
    submission, _ = read_submission(tmp_path / "cam_ha.xlsx", registry, indicators)
    assert (submission.sheet, submission.indicators[0].value) == ("TĐG 2021", 87.5)
    notes = "\n".join(submission.reading.notes)
    assert "Trang «TĐG 2020»: cũng có bảng tự đánh giá nhưng là của năm trước" in notes


@pytest.mark.parametrize(("period", "warned"), [("2021-2025", True), ("2016 - 2020", False)])
def test_a_form_of_another_period_is_warned_of(tmp_path, registry, indicators, period, warned):
    """The office uses the 2016–2020 set; a 2021–2025 form would be read against it."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    _assessment_sheet(book, "TĐG", [["1.1", "Có quy hoạch chung", "Có", "Đạt"]])
    book["TĐG"].insert_rows(1)
    book["TĐG"]["A1"] = f"BIỂU TỰ ĐÁNH GIÁ XÃ NÔNG THÔN MỚI GIAI ĐOẠN {period}"
    book.save(tmp_path / "cam_ha.xlsx")
    _, issues = read_submission(tmp_path / "cam_ha.xlsx", registry, indicators)
    found = [i for i in issues if i.code == "catalog-period-mismatch"]
    assert bool(found) is warned
    if warned:
        assert "giai đoạn 2021–2025" in found[0].message and "2016–2020" in found[0].message


def test_headings_typed_on_two_lines_are_joined(tmp_path, registry, indicators):
    """«Tự đánh» over «giá», «Ghi» over «chú», no merged cells: one heading of two rows."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["UBND XÃ CẨM QUAN"])
    ws.append(["TT", "Nội dung", "Kết quả", "Tự đánh", "Ghi"])
    ws.append([None, "tiêu chí", "thực hiện", "giá", "chú"])
    ws.append(["1.1", "Có quy hoạch chung xây dựng xã", "Có", "Đạt", None])
    ws.append(["3.1", "Tỷ lệ diện tích được tưới chủ động", "87,5%", "Đạt", None])
    path = tmp_path / "cam_quan.xlsx"
    book.save(path)
    submission, issues = read_submission(path, registry, indicators)
    assert submission.reading.header_rows == "2–3"
    assert [(e.code, e.value, e.self_assessment) for e in submission.indicators] == [
        ("1.1", "Có", Status.MET), ("3.1", 87.5, Status.MET)
    ]  # fmt: skip


def _assessment_sheet(book, title: str, rows: list[list]) -> None:
    ws = book.create_sheet(title)
    ws.append(["UBND XÃ CẨM HÀ"])
    ws.append(["TT", "Nội dung", "Kết quả", "Tự đánh giá"])
    for row in rows:
        ws.append(row)


def test_a_table_going_on_in_another_sheet_is_read_with_it(tmp_path, registry, indicators):
    """Criteria 1 on «TC 1-10» and 2 on «TC 11-19»: one self-assessment; a sheet repeating
    indicators already read (last year's copy) is not mixed in."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    _assessment_sheet(
        book,
        "TC 1-10",
        [
            ["1.1", "Có quy hoạch chung", "Có", "Đạt"],
            ["1.2", "Quy định quản lý quy hoạch", "Có", "Đạt"],
        ],
    )
    _assessment_sheet(
        book,
        "TC 11-19",
        [["2.1", "Đường xã", "100%", "Đạt"], ["2.2", "Đường trục thôn", "60%", "Chưa đạt"]],
    )
    _assessment_sheet(book, "Năm 2020", [["1.1", "Có quy hoạch chung", "Không", "Chưa đạt"]])
    book.save(tmp_path / "cam_ha.xlsx")
    submission, issues = read_submission(tmp_path / "cam_ha.xlsx", registry, indicators)
    assert [(e.code, e.value, e.sheet) for e in submission.indicators] == [
        ("1.1", "Có", "TC 1-10"),
        ("1.2", "Có", "TC 1-10"),
        ("2.1", 100.0, "TC 11-19"),
        ("2.2", 60.0, "TC 11-19"),
    ]  # fmt: skip
    notes = "\n".join(submission.reading.notes)
    assert "Trang «TC 11-19»: bảng tự đánh giá tiếp theo (tiêu chí 2–2)" in notes
    assert "Trang «Năm 2020»: cũng có bảng tự đánh giá" in notes


def test_two_row_heading_without_merge_information(tmp_path, registry, indicators):
    """A parent «Kết quả thực hiện» over «Khối lượng» | «Tỷ lệ %», written without merges;
    the «Tỷ lệ» value wins, «Khối lượng» is used when it is the only value."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["UBND XÃ CẨM MỸ"])
    ws.append(
        ["TT", "Nội dung tiêu chí", "Chỉ tiêu", None, "Kết quả thực hiện", None, "Tự đánh giá"]
    )
    ws.append([None, None, "Chung", "Bắc Trung Bộ", "Khối lượng", "Tỷ lệ %", None])
    ws.append(["4.2", "Tỷ lệ hộ sử dụng điện", "≥98", "≥98", "2.350 hộ", 99.1, "Đạt"])
    ws.append(["9.1", "Nhà tạm, dột nát", "Không", "Không", "Không", None, "Đạt"])
    path = tmp_path / "mau.xlsx"
    book.save(path)
    submission, _ = read_submission(path, registry, indicators)
    got = {e.code: e for e in submission.indicators}
    assert got["4.2"].value == 99.1 and got["4.2"].value_cell == "F4"
    assert got["9.1"].value == "Không" and got["9.1"].value_cell == "E5"


# --- Values -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "styles", [("percent_text",), ("percent_format",), ("vn_number",), ("units",)]
)
def test_value_spellings(read, fmt, styles):
    spec = SampleSpec(format=fmt, value_styles=styles, roadmap_sheet=None)
    submission, _ = read(spec)
    assert_matches(submission, spec)
    got = {e.code: e for e in submission.indicators}
    assert isinstance(got["4.2"].value, float) and 98 <= got["4.2"].value <= 100
    assert 36 <= got["10"].value <= 54  # «45,2 triệu đồng/người» is a number


def test_faults_are_read_as_written_for_the_validator(read):
    spec = SampleSpec(
        missing=("13.2",),
        blank_values=("14.1",),
        not_met=("12",),
        contradictions=("15.1",),
        out_of_range=("17.6", "11"),
    )
    submission, issues = read(spec)
    got = {e.code: e for e in submission.indicators}
    assert "13.2" not in got
    assert got["14.1"].value is None and got["14.1"].raw == ""
    assert got["12"].value < 90 and got["12"].self_assessment is Status.NOT_MET
    assert got["15.1"].value < 85 and got["15.1"].self_assessment is Status.MET
    assert got["17.6"].value == 105.0
    assert got["11"].value == -3.0
    assert codes_of(issues) == []


def test_duplicate_indicator_keeps_the_first_row(read):
    submission, issues = read(SampleSpec(duplicates=("6.2",)))
    duplicate = [i for i in issues if i.code == "indicator-duplicate"]
    assert len(duplicate) == 1
    first = next(e for e in submission.indicators if e.code == "6.2")
    assert first.value_cell in duplicate[0].message
    assert duplicate[0].cell != first.value_cell
    assert [e.code for e in submission.indicators].count("6.2") == 1


@pytest.mark.parametrize("fmt", ["xlsx", "xlsm"])
def test_formula_without_value_is_an_error_at_its_cell_and_nothing_shifts(read, fmt):
    spec = SampleSpec(format=fmt, formula_codes=("4.2", "12"))
    submission, issues = read(spec)
    formula = [i for i in issues if i.code == "formula-without-value"]
    got = {e.code: e for e in submission.indicators}
    assert sorted(i.cell for i in formula) == sorted([got["4.2"].value_cell, got["12"].value_cell])
    assert all("ROUND(2350/2400*100,1)" in i.message for i in formula)
    assert got["4.2"].value is None and got["12"].value is None
    assert got["4.2"].self_assessment is Status.MET  # the next column is still itself
    assert_matches(submission, spec)


@pytest.mark.parametrize("spacing", [b"\n", b"\t", b"\r\n", b" "])
def test_formula_tag_spaced_by_another_writer_is_still_found(
    tmp_path, registry, indicators, spacing
):
    """Other writers may break a tag with a newline or a tab («<f\\n>…</f>»)."""
    spec = SampleSpec(formula_codes=("4.2",))
    plain = write_sample(tmp_path / "goc.xlsx", spec)
    spaced = tmp_path / "bieu.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(spaced, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(b"<f>", b"<f" + spacing + b">")
            target.writestr(info, data)
    submission, issues = read_submission(spaced, registry, indicators)
    formula = [i for i in issues if i.code == "formula-without-value"]
    got = {e.code: e for e in submission.indicators}
    assert [i.cell for i in formula] == [got["4.2"].value_cell]
    assert got["4.2"].value is None


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("encoding", ["TCVN3", "VNI"])
def test_legacy_encodings_convert_every_letter(read, fmt, encoding):
    letters = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
    # TCVN3 has no toned capitals: a cell typed in capitals comes back in capitals
    capitals = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM ĐƯỢC CẨM THÀNH ƠN ỨNG"
    if encoding == "VNI":
        capitals = letters.upper()
    spec = SampleSpec(format=fmt, encoding=encoding, texts=(("1.1", letters), ("1.2", capitals)))
    submission, issues = read(spec)
    assert submission.encoding == encoding
    assert "encoding-converted" in codes_of(issues)
    got = {e.code: e for e in submission.indicators}
    assert got["1.1"].text == letters
    assert got["1.2"].text == capitals
    assert submission.unit_code == "18694"
    assert_matches(submission, spec)
    assert [t.owners for t in submission.tasks] == [t.owners for t in expected_tasks(spec)]


# --- The unit -----------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["title", "title_ascii", "bcd", "code"])
def test_unit_from_the_title_block_or_a_code_cell(read, style):
    spec = SampleSpec(unit_code="18691", unit_name="Xã Cẩm Vĩnh", unit_style=style)
    submission, issues = read(spec, name="bieu_tu_danh_gia.xlsx")
    assert submission.unit_code == "18691"
    assert "unit-unknown" not in codes_of(issues)


def test_unit_from_the_file_name_when_the_title_names_only_the_district(read):
    spec = SampleSpec(unit_code="18697", unit_name="Xã Cẩm Quang", unit_style="file_name")
    submission, _ = read(spec, name="xa_cam_quang.xlsx")
    assert submission.unit_code == "18697"
    assert submission.unit_text == "xa_cam_quang.xlsx"


@pytest.mark.parametrize(
    ("sheet", "name", "from_text"),
    [
        ("Cẩm Quang", "Bieu TDG 2021.xlsx", "Cẩm Quang"),  # the tab names the commune
        ("Biểu tự đánh giá", "CamQuang_TDG2021.xlsx", "CamQuang_TDG2021.xlsx"),
        ("Cẩm Quang", "xa_cam_quang.xlsx", "xa_cam_quang.xlsx"),  # both agree
    ],
)
def test_a_commune_named_only_by_its_tab_or_its_file_is_not_the_district(
    read, sheet, name, from_text
):
    """«UBND HUYỆN CẨM XUYÊN» above a nameless «ỦY BAN NHÂN DÂN»: the district only tells
    where; the tab or the file name says which commune."""
    spec = SampleSpec(unit_code="18697", unit_name="Xã Cẩm Quang", unit_style="file_name",
                      sheet_name=sheet)  # fmt: skip
    submission, _ = read(spec, name=name)
    assert (submission.unit_code, submission.unit_text) == ("18697", from_text)


def test_a_commune_named_only_where_it_signs_is_that_commune(read):
    """Nothing names the commune but its signing line «Cẩm Quang, ngày 10 tháng 3 …»."""
    spec = SampleSpec(unit_code="18697", unit_name="Xã Cẩm Quang", unit_style="file_name")
    submission, _ = read(spec, name="Bieu TDG NTM nam 2021.xlsx")
    assert (submission.unit_code, submission.unit_text) == ("18697", "Cẩm Quang")


def test_a_tab_and_a_file_naming_two_communes_are_not_guessed(read):
    spec = SampleSpec(unit_code="18697", unit_name="Xã Cẩm Quang", unit_style="file_name",
                      sheet_name="Cẩm Quang")  # fmt: skip
    submission, issues = read(spec, name="xa_cam_thanh.xlsx")
    assert submission.unit_code is None
    issue = next(i for i in issues if i.code == "unit-ambiguous")
    assert "Cẩm Thành" in issue.message and "Cẩm Quang" in issue.message


def test_code_and_name_that_disagree_are_not_guessed(read):
    spec = SampleSpec(unit_code="18694", unit_name="Xã Cẩm Quang", unit_style="code")
    submission, issues = read(spec)
    assert submission.unit_code is None
    issue = next(i for i in issues if i.code == "unit-ambiguous")
    assert "Cẩm Thành" in issue.message and "Cẩm Quang" in issue.message


def test_ambiguous_name_is_reported(read):
    submission, issues = read(SampleSpec(unit_line="UBND CẨM XUYÊN"), name="bieu.xlsx")
    assert submission.unit_code is None
    issue = next(i for i in issues if i.code == "unit-ambiguous")
    assert "Thị trấn Cẩm Xuyên" in issue.message and "Huyện Cẩm Xuyên" in issue.message


def test_unknown_unit(tmp_path, registry, indicators):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["BIỂU TỰ ĐÁNH GIÁ"])
    ws.append(["TT", "Nội dung tiêu chí", "Kết quả thực hiện", "Tự đánh giá"])
    ws.append(["1.1", "Có quy hoạch chung", "Đạt", "Đạt"])
    path = tmp_path / "bieu_mau.xlsx"
    book.save(path)
    submission, issues = read_submission(path, registry, indicators)
    assert submission.unit_code is None
    issue = next(i for i in issues if i.code == "unit-unknown")
    assert issue.file == "bieu_mau.xlsx"
    assert [e.code for e in submission.indicators] == ["1.1"]


def test_table_not_found(tmp_path, registry, indicators):
    book = openpyxl.Workbook()
    book.active.append(["UBND XÃ CẨM LẠC"])
    book.active.append(["Báo cáo tình hình thực hiện"])
    path = tmp_path / "cam_lac.xlsx"
    book.save(path)
    submission, issues = read_submission(path, registry, indicators)
    assert submission.unit_code == "18748"
    assert submission.indicators == ()
    issue = next(i for i in issues if i.code == "table-not-found")
    assert issue.unit_code == "18748" and issue.file == "cam_lac.xlsx"


# --- Roadmap ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("headings", [0, 1, 2])
def test_roadmap_tasks(read, fmt, headings):
    spec = SampleSpec(format=fmt, roadmap_header=headings, roadmap_tasks=8)
    submission, issues = read(spec)
    want = expected_tasks(spec)
    assert [
        (t.criterion_no, t.text, t.due, t.owners, t.budget, t.done) for t in submission.tasks
    ] == [(t.criterion_no, t.text, t.due, t.owners, t.budget, t.done) for t in want]
    assert all(t.source == "unit" and t.unit_code == "18694" for t in submission.tasks)
    assert all(t.sheet == "Lộ trình" and t.cell.startswith("C") for t in submission.tasks)
    two_step = next(t for t in submission.tasks if "khởi công" in t.deadline_text)
    assert two_step.due == date(2021, 6, 30)  # the last milestone
    assert codes_of(issues) == []


def test_roadmap_unreadable_deadline_and_year_from_the_assessment_title(read):
    spec = SampleSpec(roadmap_unreadable=True, roadmap_title_year=False, year=2022)
    submission, issues = read(spec)
    invalid = [i for i in issues if i.code == "deadline-invalid"]
    assert len(invalid) == 1 and "Khi có kinh phí" in invalid[0].message
    task = next(t for t in submission.tasks if t.deadline_text == "Khi có kinh phí")
    assert task.due is None and invalid[0].cell == task.cell.replace("C", "D")
    month = next(t for t in submission.tasks if t.deadline_text == "Tháng 3/2022")
    assert month.due == date(2022, 3, 31)


def test_roadmap_not_found(read):
    submission, issues = read(SampleSpec(roadmap_sheet=None))
    assert submission.tasks == ()
    assert codes_of(issues) == ["roadmap-not-found"]


def test_roadmap_cells_as_communes_type_them(tmp_path, registry, indicators):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Kế hoạch thực hiện"
    ws.append(["KẾ HOẠCH THỰC HIỆN NĂM 2021"])
    ws.append(
        [
            "TT",
            "Tiêu chí",
            "Nội dung công việc",
            "Thời gian hoàn thành",
            "Lãnh đạo chỉ đạo",
            "Người phụ trách",
            "Kinh phí (triệu đồng)",
            "Tình trạng",
        ]
    )
    ws.append(
        ["1", "Giao thông", "Làm đường trục thôn", "quý I/2021", "Đ/c Trần Văn Lượng - Chủ tịch"]
    )
    ws.append(
        [
            "-",
            None,
            "Làm đường ngõ xóm",
            "trước ngày 10/2/2021",
            None,
            "Đ/c: Nguyễn Huy Vinh Địa chính",
            "45 45",
            "Đã hoàn thành",
        ]
    )
    ws.append(
        [
            "2",
            "Tiêu chí số 17",
            "Thu gom rác",
            date(2021, 5, 20),
            None,
            None,
            12.5,
            "Đang thực hiện",
        ]
    )
    ws.append(["3", "Tiêu chí số 6", "Sửa nhà văn hóa thôn", "Quí 2/2021", None, None, None,
               "Đã hoàn thành 80%"])  # fmt: skip
    ws.append(["4", "Môi trường", "Xây bể chứa rác", "T9/2021"])  # a short criterion name
    path = tmp_path / "cam_my.xlsx"
    book.save(path)
    submission, issues = read_submission(path, registry, indicators)
    first, second, third, fourth, fifth = submission.tasks
    assert (fourth.criterion_no, fourth.due, fourth.done) == (6, date(2021, 6, 30), False)
    assert (fifth.criterion_no, fifth.due) == (17, date(2021, 9, 30))
    assert (first.criterion_no, first.due, first.directors) == (
        2,
        date(2021, 3, 31),
        ("Trần Văn Lượng",),
    )
    assert (second.criterion_no, second.due, second.owners) == (
        2,
        date(2021, 2, 10),
        ("Nguyễn Huy Vinh",),
    )
    assert second.budget == 45.0 and second.done and not first.done
    assert (third.criterion_no, third.due, third.budget) == (17, date(2021, 5, 20), 12.5)
    assert submission.unit_code == "18739"  # from the file name
    assert "table-not-found" in codes_of(issues)


def test_roadmap_with_start_and_end_columns_two_owner_columns_and_criterion_headings(
    tmp_path, registry, indicators
):
    """«Thời gian thực hiện» over «Bắt đầu» | «Hoàn thành»: due at the end; owners from both
    owner columns; «Tiêu chí số 2» in the task column sets the criterion of the rows below."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Kế hoạch"
    ws.append(["KẾ HOẠCH THỰC HIỆN NĂM 2021"])
    ws.append(["TT", "Nội dung công việc", "Thời gian thực hiện", None, "Lãnh đạo phụ trách",
               "Cán bộ thực hiện", "Tình trạng"])  # fmt: skip
    ws.append([None, None, "Bắt đầu", "Hoàn thành"])
    ws.merge_cells("C2:D2")
    ws.append([2, "Tiêu chí số 2"])
    ws.append([1, "Nhựa hóa 1 km đường xã", "01/3/2021", "30/6/2021",
               "Lê Văn Cường - PCT UBND xã", "Trần Thị Bình", "Đang thực hiện"])  # fmt: skip
    ws.append([17, "Tiêu chí số 17"])
    ws.append([2, "Xây bể chứa rác", "01/3/2021", "30/9/2021", "Lê Văn Cường", "Nguyễn Văn An"])
    path = tmp_path / "xa_cam_loc.xlsx"
    book.save(path)
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.criterion_no, t.text, t.due, t.owners) for t in submission.tasks] == [
        (2, "Nhựa hóa 1 km đường xã", date(2021, 6, 30), ("Lê Văn Cường", "Trần Thị Bình")),
        (17, "Xây bể chứa rác", date(2021, 9, 30), ("Lê Văn Cường", "Nguyễn Văn An")),
    ]


def test_roadmap_criterion_headings_as_offices_write_them(tmp_path, registry, indicators):
    """A heading merged across the row («Tiêu chí số 2 - Giao thông», «II. Tiêu chí Môi
    trường (TC17)»), a numbered name «17. Môi trường», a shortened name «Môi trường và ATTP»."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Kế hoạch 2021"
    ws.append(["KẾ HOẠCH THỰC HIỆN NĂM 2021"])
    ws.append(["TT", "Tiêu chí", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"])
    ws.append(["Tiêu chí số 2 - Giao thông"])
    ws.merge_cells("A3:E3")
    ws.append([1, None, "Bê tông hóa 2 km đường trục thôn", "30/6/2021", "Lê Văn Cường"])
    ws.append(["II. Tiêu chí Môi trường (TC17)"])
    ws.merge_cells("A5:E5")
    ws.append([2, None, "Xây bể chứa rác", "30/9/2021", "Lê Văn Cường"])
    ws.append([3, "9. Nhà ở dân cư", "Xóa nhà tạm", "30/9/2021", "Lê Văn Cường"])
    ws.append([4, "Môi trường và ATTP", "Trồng cây xanh", "30/9/2021", "Lê Văn Cường"])
    path = tmp_path / "xa_cam_quan.xlsx"
    book.save(path)
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.criterion_no, t.text) for t in submission.tasks] == [
        (2, "Bê tông hóa 2 km đường trục thôn"),
        (17, "Xây bể chứa rác"),
        (9, "Xóa nhà tạm"),
        (17, "Trồng cây xanh"),
    ]


# --- The district and the records ---------------------------------------------------------


def test_district_self_assessment_against_the_district_set(read):
    district = load_catalog(load_config().catalog).resolve("huyen_2016_2020", "Hà Tĩnh")
    spec = SampleSpec(
        unit_code="446",
        unit_name="Huyện Cẩm Xuyên",
        set_id="huyen_2016_2020",
        code_style="letters",
        roadmap_sheet=None,
    )
    submission, issues = read(spec, catalogue=district)
    assert submission.unit_code == "446"
    assert [e.code for e in submission.indicators] == [i.code for i in district]
    assert_matches(submission, spec)
    assert codes_of(issues) == ["roadmap-not-found"]


def test_submission_records_the_file_and_pickles(read, tmp_path, registry, indicators):
    submission, issues = read(SampleSpec())
    path = Path(submission.path)
    assert submission.file_name == "bieu.xlsx"
    assert submission.size == path.stat().st_size
    assert len(submission.sha256) == 64
    # the file's time as a clock in Vietnam shows it, whatever the host's time zone
    os.utime(path, (1_615_827_600, 1_615_827_600))  # 15/03/2021 17:00 UTC
    again, _ = read_submission(path, registry, indicators)
    assert again.modified == datetime(2021, 3, 16, 0, 0)
    assert pickle.loads(pickle.dumps((submission, issues))) == (submission, issues)
    for issue in issues:
        assert issue.file == "bieu.xlsx"


# --- Heading synonyms -----------------------------------------------------------------------


def _hand_table(path: Path, headings: list[str], rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Tự đánh giá"
    ws.append(["BAN CHỈ ĐẠO NTM XÃ CẨM LỘC"])
    ws.append(["BIỂU TỰ ĐÁNH GIÁ NĂM 2021"])
    ws.append([])
    ws.append(headings)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize(
    "headings",
    [
        ["TT", "Tên tiêu chí", "Chỉ tiêu", "Kết quả", "Đánh giá"],
        ["STT", "Tiêu chí", "Quy định chuẩn", "Hiện trạng", "Kết quả tự đánh giá"],
        ["Số TT", "Nội dung tiêu chí", "Chuẩn", "Thực hiện", "Mức độ đạt"],
        ["TT", "Chỉ tiêu", "Chỉ tiêu theo quy định", "Tỷ lệ", "Đạt chuẩn"],
        ["tt", "NỘI DUNG", "CHỈ TIÊU CHUNG", "KHỐI LƯỢNG", "TỰ ĐÁNH GIÁ"],
    ],
)
def test_heading_synonyms(tmp_path, registry, indicators, headings):
    rows = [
        ["4.1", "Hệ thống điện đạt chuẩn theo quy định của ngành điện", "Đạt", "Đạt", "Đạt"],
        ["4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn từ các nguồn", "≥98%", "99,2%", "Đạt"],
    ]
    path = _hand_table(tmp_path / "cam_loc.xlsx", headings, rows)
    submission, _ = read_submission(path, registry, indicators)
    got = {e.code: e for e in submission.indicators}
    assert got["4.2"].value == 99.2 and got["4.2"].value_cell == "D6"
    assert got["4.2"].assessment_cell == "E6"
    assert got["4.1"].self_assessment is Status.MET
    assert submission.unit_code == "18730"


def test_appraisal_columns_are_not_the_commune_s_assessment(tmp_path, registry, indicators):
    headings = [
        "TT",
        "Nội dung",
        "Kết quả thực hiện",
        "Kết quả tự đánh giá của xã",
        "Kết quả thẩm tra của huyện",
        "Kết quả thẩm định của tỉnh",
    ]
    rows = [
        ["15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", "83%", "Đạt", "Chưa đạt", "Chưa đạt"]
    ]
    path = _hand_table(tmp_path / "cam_loc.xlsx", headings, rows)
    submission, _ = read_submission(path, registry, indicators)
    (entry,) = submission.indicators
    assert (entry.value, entry.self_assessment, entry.assessment_cell) == (83.0, Status.MET, "D5")


def test_percent_of_the_standard_written_in_the_assessment_column(tmp_path, registry, indicators):
    """«Đạt chuẩn, nếu chưa đạt ghi % đạt so với chuẩn» (Tân Hương): a percentage there
    means not met."""
    headings = [
        "TT",
        "Tên tiêu chí",
        "Quy định chuẩn theo QĐ 05 của UBND tĩnh",
        "Hiện trạng đạt chuẩn tại thời điểm 30/12/2020",
        "Đạt chuẩn, nếu chưa đạt ghi % đạt so với chuẩn",
    ]
    rows = [
        ["14.3", "Tỷ lệ lao động có việc làm qua đào tạo", "≥40%", "32%", "80%"],
        ["15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", "≥85%", "91%", "Đạt"],
    ]
    path = _hand_table(tmp_path / "cam_loc.xlsx", headings, rows)
    submission, _ = read_submission(path, registry, indicators)
    got = {e.code: e for e in submission.indicators}
    assert got["14.3"].self_assessment is Status.NOT_MET
    assert got["15.1"].self_assessment is Status.MET


def test_a_file_too_large_is_not_read(tmp_path, registry, indicators, monkeypatch):
    import ntm_excel.read.reader as reader

    path = write_sample(tmp_path / "cam_thanh.xlsx", SampleSpec())
    monkeypatch.setattr(reader, "MAX_FILE_SIZE", path.stat().st_size - 1)
    submission, issues = read_submission(path, registry, indicators)
    assert submission is None and "quá lớn" in issues[0].message


def _criterion_5_heading(path: Path, heading: list, follow: list) -> Path:
    """Criterion 4 with its two indicators, then criterion 5 as a heading row and a row
    coded "5." or "5" (the hand-made layout of single-indicator criteria)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Tự đánh giá"
    ws.append(["UBND XÃ CẨM THÀNH"])
    ws.append(["BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN TIÊU CHÍ NÔNG THÔN MỚI"])
    ws.append([])
    ws.append(
        [
            "TT",
            "Tên tiêu chí",
            "Nội dung",
            "Chỉ tiêu",
            "Kết quả thực hiện",
            "Tự đánh giá",
            "Ghi chú",
        ]
    )
    ws.append(["Tiêu chí số 4", "Điện"])
    ws.append(["4.1", None, "Hệ thống điện đạt chuẩn", "Đạt", "Đạt", "Đạt"])
    ws.append(["4.2", None, "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98%", "99%", "Đạt"])
    ws.append(heading)  # row 8
    ws.append(follow)  # row 9
    ws.append(["Tiêu chí số 6", "Cơ sở vật chất văn hóa"])
    book.save(path)
    return path


_SCHOOLS = "Tỷ lệ trường học các cấp có cơ sở vật chất đạt chuẩn quốc gia"


@pytest.mark.parametrize("written", ["5.", "5"])
@pytest.mark.parametrize(
    ("heading", "value", "status", "cell", "criterion", "duplicate"),
    [
        # an empty criterion row is only a heading: the next row is indicator 5
        ([], 85.0, Status.MET, "E9", None, False),
        # its own Đạt, without a value, is the criterion's assessment
        ([None, None, None, "Chưa đạt"], 85.0, Status.MET, "E9", Status.NOT_MET, False),
        # a value on both rows: the first is kept and the second reported, nothing is lost
        ([None, "≥80%", "70%", "Chưa đạt"], 70.0, Status.NOT_MET, "E8", None, True),
    ],
)
def test_single_indicator_criterion_row_as_a_heading(
    tmp_path, registry, indicators, written, heading, value, status, cell, criterion, duplicate
):
    path = _criterion_5_heading(
        tmp_path / "cam_thanh.xlsx",
        ["Tiêu chí số 5", "Trường học", *heading],
        [written, None, _SCHOOLS, "≥80%", "85%", "Đạt"],
    )
    submission, issues = read_submission(path, registry, indicators)
    got = {e.code: e for e in submission.indicators}
    assert list(got) == ["4.1", "4.2", "5"]
    entry = got["5"]
    assert (entry.value, entry.self_assessment, entry.value_cell) == (value, status, cell)
    assert entry.assessment_cell == "F" + cell[1:]
    assert entry.criterion_no == 5
    by_no = {c.criterion_no: c for c in submission.criteria}
    own = (by_no[5].self_assessment, by_no[5].cell) if 5 in by_no else None
    assert own == ((criterion, "F8") if criterion else None)
    assert ("indicator-duplicate" in codes_of(issues)) is duplicate
    assert submission.unit_code == "18694"
    unit = registry.get("18694")
    _, _, checked = validate_submission(submission, unit, indicators)
    missing = [issue.cell for issue in checked if issue.code == "value-missing"]
    assert "E8" not in missing and "E9" not in missing
