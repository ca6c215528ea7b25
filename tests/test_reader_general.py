"""Reading that generalises: the vocabulary table, rows matched by what they say, column roles
from content, per-column fraction decisions, the reading report, and rows that are not
indicators. Files are built here with openpyxl or the sample generator and read back."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import openpyxl
import pytest
from support.samples import SampleSpec, expected, write_sample

from ntm_excel.cli import main
from ntm_excel.config import BUNDLED, BUNDLED_VOCABULARY
from ntm_excel.errors import VocabularyError
from ntm_excel.model import Status
from ntm_excel.read.legacy import TCVN3, VNI, from_unicode
from ntm_excel.read.reader import read_submission, read_workbook
from ntm_excel.read.report import explain_lines
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry
from ntm_excel.text import fold
from ntm_excel.vocabulary import load_vocabulary


@pytest.fixture(scope="module")
def registry():
    return load_registry(BUNDLED / "don_vi.xlsx")


@pytest.fixture(scope="module")
def indicators():
    return load_catalog(BUNDLED / "bo_tieu_chi.csv").resolve("xa_2016_2020", "Hà Tĩnh")


def workbook(path: Path, heading: list[str], rows: list[list[object]], title="UBND XÃ CẨM LẠC"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Tự đánh giá"
    sheet.append([title])
    sheet.append(["BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NÔNG THÔN MỚI NĂM 2021"])
    sheet.append(heading)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def vocabulary_with(tmp_path: Path, *rows: str):
    table = tmp_path / "tu_vung.csv"
    text = BUNDLED_VOCABULARY.read_text(encoding="utf-8-sig") + "".join(f"{r}\n" for r in rows)
    table.write_text(text, encoding="utf-8-sig")
    return load_vocabulary(table)


def codes(issues):
    return [issue.code for issue in issues]


# --- The vocabulary table -------------------------------------------------------------------


def test_bundled_vocabulary_loads_and_knows_every_kind():
    vocabulary = load_vocabulary(BUNDLED_VOCABULARY)
    kinds = {entry.kind for entry in vocabulary.entries}
    assert kinds == {
        "tieu_de_bang",
        "tieu_de_lo_trinh",
        "danh_gia",
        "tinh_trang",
        "dong_bo_qua",
        "thoi_han",
        "uoc_tinh",
        "viet_tat",
        "chuc_danh",
        "ho",
    }
    assert BUNDLED_VOCABULARY.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        ("Kết quả thực hiện năm 2021", "ket_qua"),
        ("Kết quả tự đánh giá", "tu_danh_gia"),  # the longer phrase wins
        ("Đánh giá mức độ đạt tiêu chí", "danh_gia_tieu_chi"),
        ("Kết quả thẩm tra của huyện", "bo_qua"),
        ("Chỉ tiêu", "chi_tieu_hoac_noi_dung"),  # exact beats «Chỉ tiêu…»
        ("Chỉ tiêu theo quy định", "chi_tieu"),
        ("KET QUA THUC HIEN", "ket_qua"),  # case and diacritics do not matter
    ],
)
def test_headings_longest_phrase_wins(text, meaning):
    found = load_vocabulary(BUNDLED_VOCABULARY).match("tieu_de_bang", text)
    assert found is not None and found.meaning == meaning


def test_an_assessment_word_keeps_its_diacritics():
    vocabulary = load_vocabulary(BUNDLED_VOCABULARY)
    assert vocabulary.match("danh_gia", "Dat").meaning == "dat"  # typed without marks
    assert vocabulary.match("danh_gia", "Đất") is None  # land, not "met"


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("tieu_de_bang,ket_qua_x,Số đạt,", "dòng \\d{3}, cột nghia: nghĩa «ket_qua_x»"),
        ("tieu_de_banh,ket_qua,Số đạt,", "cột loai: loại «tieu_de_banh» không có"),
        ("danh_gia,dat,,", "cột tu: ô này không được để trống"),
        ("uoc_tinh,uoc_tinh,ước…,", "cột tu: loại uoc_tinh không dùng dấu «…»"),
        ("danh_gia,dat,%,", "không có chữ hoặc số nào"),
        ("tieu_de_bang,ket_qua,Kết quả…,", "trùng với dòng"),
        ("viet_tat,,TL,", "cột nghia: ô này không được để trống"),
    ],
)
def test_a_wrong_row_is_named_by_row_and_column(tmp_path, row, where):
    with pytest.raises(VocabularyError, match=where):
        vocabulary_with(tmp_path, row)


def test_a_table_without_its_columns_is_refused(tmp_path):
    table = tmp_path / "tu_vung.csv"
    table.write_text("loai,tu\ndanh_gia,Đạt\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="dòng 1: thiếu cột nghia"):
        load_vocabulary(table)


def test_a_new_assessment_word_and_heading_through_the_table_alone(tmp_path, registry, indicators):
    path = workbook(
        tmp_path / "cam_lac.xlsx",
        ["TT", "Nội dung", "Số liệu xã báo cáo", "Xã chấm"],
        [
            ["1.1", "Có quy hoạch chung xây dựng xã", "Có", "Hoàn tất"],
            ["1.2", "Ban hành quy định quản lý quy hoạch", "Có", "Chưa hoàn tất"],
            ["4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", 99.2, "Hoàn tất"],
        ],
    )
    before, _ = read_submission(path, registry, indicators)
    assert {e.self_assessment for e in before.indicators} == {Status.UNKNOWN}
    assert {c.column: c.role for c in before.reading.columns}["D"] == ""  # «Xã chấm»: unknown
    vocabulary = vocabulary_with(
        tmp_path,
        "tieu_de_bang,tu_danh_gia,Xã chấm…,cột tự đánh giá của một huyện",
        "danh_gia,dat,Hoàn tất…,",
        "danh_gia,chua_dat,Chưa hoàn tất…,",
    )
    after, issues = read_submission(path, registry, indicators, vocabulary)
    statuses = {e.code: e.self_assessment for e in after.indicators}
    assert statuses == {"1.1": Status.MET, "1.2": Status.NOT_MET, "4.2": Status.MET}
    assert {e.code: e.value for e in after.indicators}["4.2"] == 99.2
    readings = {c.column: c for c in after.reading.columns}
    assert readings["D"].role == "tự đánh giá"
    assert "«Xã chấm…»" in readings["D"].evidence


def test_the_configured_vocabulary_reaches_the_workers(tmp_path, registry):
    for name in ("cam_lac.xlsx", "cam_minh.xlsx"):
        workbook(
            tmp_path / name,
            ["TT", "Nội dung", "Kết quả thực hiện", "Tự đánh giá"],
            [["4.2", "Tỷ lệ hộ sử dụng điện", 99.2, "Hoàn tất"]],
            title=f"UBND XÃ {name[:-5].replace('_', ' ').upper()}",
        )
    table = tmp_path / "tu_vung.csv"
    table.write_text(
        BUNDLED_VOCABULARY.read_text(encoding="utf-8-sig") + "danh_gia,dat,Hoàn tất,\n",
        encoding="utf-8-sig",
    )
    config = tmp_path / "cau_hinh.toml"
    config.write_text(
        f'[data]\ncatalog = "{BUNDLED / "bo_tieu_chi.csv"}"\nvocabulary = "tu_vung.csv"\n'
        f'registry = "{BUNDLED / "don_vi.xlsx"}"\n',
        encoding="utf-8",
    )
    files = [str(tmp_path / "cam_lac.xlsx"), str(tmp_path / "cam_minh.xlsx")]
    out = io.StringIO()
    with redirect_stdout(out):
        main(["validate", *files, "--config", str(config), "--workers", "2", "--json"])
    assert '"units": 2' in out.getvalue()
    assert "assessment-missing" not in out.getvalue()
    table.write_text("loai,nghia,tu\nhang_muc,x,y\n", encoding="utf-8")
    assert main(["validate", *files, "--config", str(config)]) == 2


# --- Rows matched by what they say -----------------------------------------------------------


def test_a_table_without_codes_is_matched_by_text(tmp_path, registry, indicators):
    rows = [
        ["Quy hoạch", None, None, None],
        [None, "Co quy hoach chung xay dung xa duoc phe duyet", "Đạt", "Đạt"],  # no diacritics
        [None, "Quy định quản lý quy hoạch chung xây dựng xã, tổ chức thực hiện", "Đạt", "Đạt"],
        ["Điện", None, None, None],
        [None, "TL hộ sử dụng điện thường xuyên, an toàn", 99, "Đạt"],  # abbreviated
        [None, "Hệ thống điện của xã đạt chuẩn", "Đạt", "Đạt"],  # reordered
        ["Hộ nghèo", "Tỷ lệ hộ nghèo đa chiều", 3.2, "Đạt"],
        ["Y tế", None, None, None],
        [None, "Tỷ lệ người dân tham gia BHYT", 91, "Đạt"],
    ]
    path = workbook(
        tmp_path / "cam_lac.xlsx",
        ["Tên tiêu chí", "Nội dung chỉ tiêu", "Kết quả", "Tự đánh giá"],
        rows,
    )
    submission, issues = read_submission(path, registry, indicators)
    got = {e.code: e.value for e in submission.indicators}
    assert got == {"1.1": "Đạt", "1.2": "Đạt", "4.2": 99.0, "4.1": "Đạt", "11": 3.2, "15.1": 91.0}
    hows = {r.code: r.how for r in submission.reading.rows if r.code}
    assert hows["4.2"].startswith("nội dung (giống ")


def test_two_close_candidates_are_never_guessed(tmp_path, registry, indicators):
    path = workbook(
        tmp_path / "cam_lac.xlsx",
        ["TT", "Nội dung chỉ tiêu", "Kết quả", "Tự đánh giá"],
        [
            ["17", "Môi trường và an toàn thực phẩm", None, None],
            [None, "Tỷ lệ hộ dân dùng nước sạch, hợp vệ sinh", 99, "Đạt"],
        ],
    )
    submission, issues = read_submission(path, registry, indicators)
    assert submission.indicators == ()
    [issue] = [i for i in issues if i.code == "indicator-ambiguous"]
    assert "17.1" in issue.message and "17.6" in issue.message and issue.cell == "B5"


def test_a_code_that_contradicts_its_wording(tmp_path, registry, indicators):
    path = workbook(
        tmp_path / "cam_lac.xlsx",
        ["TT", "Nội dung chỉ tiêu", "Kết quả", "Tự đánh giá"],
        [
            ["15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", 91, "Đạt"],
            ["15.2", "Tỷ lệ trẻ em dưới 5 tuổi bị suy dinh dưỡng thể thấp còi", 12.5, "Đạt"],
            ["15.3", "Xã đạt tiêu chí quốc gia về y tế", "Đạt", "Đạt"],
        ],
    )
    submission, issues = read_submission(path, registry, indicators)
    got = {e.code: e.value for e in submission.indicators}
    assert got == {"15.1": 91.0, "15.3": 12.5, "15.2": "Đạt"}
    mismatches = [i for i in issues if i.code == "indicator-code-mismatch"]
    assert [i.cell for i in mismatches] == ["A5", "A6"]
    assert "ghi mã 15.2" in mismatches[0].message and "chỉ tiêu 15.3" in mismatches[0].message


def test_a_note_row_is_not_an_indicator(tmp_path, registry, indicators):
    path = workbook(
        tmp_path / "cam_lac.xlsx",
        ["TT", "Nội dung chỉ tiêu", "Kết quả", "Tự đánh giá"],
        [
            ["15", "Y tế", None, None],
            ["15.3", "Tỷ lệ trẻ em dưới 5 tuổi bị suy dinh dưỡng thể thấp còi", 12.5, "Đạt"],
            [None, "Số liệu theo báo cáo của Trạm y tế xã tháng 12/2020", None, None],
        ],
    )
    submission, issues = read_submission(path, registry, indicators)
    assert [e.code for e in submission.indicators] == ["15.3"]
    assert "dòng ghi chú" in submission.reading.rows[-1].how


def test_an_empty_workbook_is_unreadable(tmp_path, registry, indicators):
    path = tmp_path / "cam_lac.xlsx"
    openpyxl.Workbook().save(path)
    submission, issues = read_submission(path, registry, indicators)
    assert submission is None and codes(issues) == ["file-unreadable"]
    assert "không có dữ liệu" in issues[0].message


# --- Columns ---------------------------------------------------------------------------------


def test_a_value_column_under_an_unknown_heading_is_found_by_its_cells(
    tmp_path, registry, indicators
):
    path = workbook(
        tmp_path / "cam_lac.xlsx",
        ["TT", "Nội dung chỉ tiêu", "Chỉ tiêu theo quy định", "Xã báo", "Tự đánh giá"],
        [
            ["4.2", "Tỷ lệ hộ sử dụng điện", "≥98%", "99,1%", "Đạt"],
            ["11", "Tỷ lệ hộ nghèo", "≤5%", 3.1, "Đạt"],
            ["15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", "≥85%", 91, "Đạt"],
        ],
    )
    submission, _ = read_submission(path, registry, indicators)
    assert {e.code: e.value for e in submission.indicators} == {"4.2": 99.1, "11": 3.1, "15.1": 91}
    reading = {c.column: c for c in submission.reading.columns}["D"]
    assert reading.role == "kết quả"
    assert reading.evidence == "theo nội dung: 3/3 ô là số liệu, cạnh cột mức chuẩn"


VERDICT_ROWS = [
    ["TC1", "Quy hoạch", None, None, "Đạt"],
    ["1.1", "Có quy hoạch chung xây dựng xã", "Đạt", "Đạt", "Đạt"],
    ["3.1", "Tỷ lệ diện tích được tưới chủ động", "≥80%", 87.5, "Đạt"],
    ["9.2", "Tỷ lệ hộ có nhà ở đạt chuẩn", "≥75%", "70,5%", "Chưa đạt"],
    ["11", "Tỷ lệ hộ nghèo", "≤5%", 1.7, "Đạt"],
]


def _rows_xls(path: Path, rows: list[list[object]], merged: tuple[int, int, int] = ()) -> Path:
    """`rows` as an .xls sheet; `merged` (row, first column, last column) merges a heading."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Tự đánh giá")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            inside = bool(merged) and r == merged[0] and merged[1] <= c <= merged[2]
            if inside and c == merged[1]:
                sheet.write_merge(r, r, c, merged[2], value)
            elif value is not None and not inside:
                sheet.write(r, c, value)
    book.save(str(path))
    return path


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
@pytest.mark.parametrize("heading", [["Thực hiện", "Kết quả"], ["Số liệu", "Kết quả đạt được"]])
def test_a_result_column_of_verdicts_is_the_self_assessment(
    tmp_path, fmt, heading, registry, indicators
):
    """«Thực hiện» | «Kết quả», the second holding only Đạt/Chưa đạt: both headings say
    result, its cells say self-assessment."""
    title = ["UBND XÃ CẨM LẠC"], ["BIỂU TỰ ĐÁNH GIÁ NĂM 2021"]
    rows = [*title, ["TT", "Nội dung", "Chỉ tiêu", *heading], *VERDICT_ROWS]
    path = tmp_path / f"cam_lac.{fmt}"
    if fmt == "xls":
        _rows_xls(path, rows)
    else:
        workbook(path, rows[2], rows[3:])
    submission, issues = read_submission(path, registry, indicators)
    assert [(e.code, e.value, e.self_assessment) for e in submission.indicators] == [
        ("1.1", "Đạt", Status.MET),
        ("3.1", 87.5, Status.MET),
        ("9.2", 70.5, Status.NOT_MET),
        ("11", 1.7, Status.MET),
    ]
    assert "assessment-missing" not in codes(issues)
    reading = {c.column: c for c in submission.reading.columns}["E"]
    assert reading.role == "tự đánh giá"
    assert reading.evidence == "theo nội dung: 5/5 ô là «Đạt»/«Chưa đạt»"


def test_the_report_year_column_before_a_later_one(tmp_path, registry, indicators):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["UBND XÃ CẨM LẠC"])
    sheet.append(["BIỂU TỰ ĐÁNH GIÁ BỘ TIÊU CHÍ XÃ NÔNG THÔN MỚI NĂM 2020"])
    sheet.append(["TT", "Nội dung", "Kết quả năm 2020", "Kết quả năm 2021 (dự kiến)", "Đánh giá"])
    sheet.append(["4.2", "Tỷ lệ hộ sử dụng điện", 97.5, 99, "Chưa đạt"])
    book.save(tmp_path / "cam_lac.xlsx")
    submission, issues = read_submission(tmp_path / "cam_lac.xlsx", registry, indicators)
    assert [e.value for e in submission.indicators] == [97.5]
    [chosen] = [i for i in issues if i.code == "value-column-chosen"]
    assert "đã dùng C «Kết quả năm 2020» (năm báo cáo)" in chosen.message


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
@pytest.mark.parametrize("headings", ["ket_qua_nam", "hien_trang_uoc", "two_row"])
def test_hidden_earlier_years_in_every_format(tmp_path, registry, indicators, fmt, headings):
    spec = SampleSpec(
        format=fmt, value_years=(2019, 2020, 2021), year_headings=headings, hide_old_years=True
    )
    path = write_sample(tmp_path / f"x.{fmt}", spec)
    submission, issues = read_submission(path, registry, indicators)
    want = expected(spec)
    got = {e.code: e.value for e in submission.indicators}
    assert all(got[code] == number for code, number in want.numbers.items())
    [chosen] = [i for i in issues if i.code == "value-column-chosen"]
    assert "(ẩn)" in chosen.message


def test_fractions_mixed_with_percentages_are_ambiguous(tmp_path, registry, indicators):
    path = workbook(
        tmp_path / "cam_lac.xlsx",
        ["TT", "Nội dung chỉ tiêu", "Đơn vị tính", "Kết quả", "Tự đánh giá"],
        [
            ["4.2", "Tỷ lệ hộ sử dụng điện", "%", 0.99, "Đạt"],
            ["12", "Tỷ lệ người có việc làm", "%", 0.95, "Đạt"],
            ["15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", "%", 91, "Đạt"],
            ["10", "Thu nhập bình quân", "triệu đồng", 0.5, "Chưa đạt"],
        ],
    )
    submission, issues = read_submission(path, registry, indicators)
    got = {e.code: e.value for e in submission.indicators}
    assert got == {"4.2": 0.99, "12": 0.95, "15.1": 91.0, "10": 0.5}  # kept as written
    [issue] = [i for i in issues if i.code == "value-scale-ambiguous"]
    assert issue.severity == "warning" and "4.2 (0.99), 12 (0.95)" in issue.message


@pytest.mark.parametrize("written", ["30.000.000 đ", 30_000_000, "30.000.000đ/người/năm"])
def test_an_income_written_in_dong_is_converted_to_millions(
    tmp_path, registry, indicators, written
):
    path = workbook(
        tmp_path / "cam_lac.xlsx",
        ["TT", "Nội dung chỉ tiêu", "Kết quả", "Tự đánh giá"],
        [
            ["10", "Thu nhập bình quân đầu người", written, "Chưa đạt"],
            ["15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", 91, "Đạt"],
            ["16", "Xã có từ 70% số thôn đạt chuẩn văn hóa", 120_000, "Đạt"],
        ],
    )
    submission, issues = read_submission(path, registry, indicators)
    got = {e.code: e.value for e in submission.indicators}
    assert got == {"10": 30.0, "15.1": 91.0, "16": 120_000.0}  # only a sum of money converted
    [issue] = [i for i in issues if i.code == "value-in-dong"]
    assert (issue.sheet, issue.cell) == ("Tự đánh giá", "C4")
    assert "đã đổi ra 30 triệu đồng/người/năm" in issue.message


@pytest.mark.parametrize("encoding", [TCVN3, VNI])
def test_a_line_pasted_in_an_old_font_into_a_unicode_workbook_is_converted(
    tmp_path, registry, indicators, encoding
):
    """«ñy ban nh©n d©n x· CÈm Thµnh» pasted from an old Word file names the commune."""
    title = from_unicode("Ủy ban nhân dân xã Cẩm Thành", encoding)
    path = workbook(
        tmp_path / "bieu_tdg.xlsx",
        ["TT", "Nội dung chỉ tiêu", "Kết quả", "Tự đánh giá"],
        [["15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", 91, "Đạt"]],
        title=title,
    )
    submission, _ = read_submission(path, registry, indicators)
    assert submission.unit_code == "18694" and submission.encoding == ""
    assert [e.self_assessment for e in submission.indicators] == [Status.MET]


# --- The reading report ----------------------------------------------------------------------


def test_validate_explain_shows_how_a_real_sample_was_read(capsys):
    sample = BUNDLED / "mau_nop" / "xa_cam_due.xlsx"
    assert main(["validate", "--explain", str(sample)]) in (0, 1)
    out = capsys.readouterr().out
    assert "Cách đọc tệp «xa_cam_due.xlsx» — Xã Cẩm Duệ" in out
    assert "Bảng: trang «Biểu tự đánh giá», dòng" in out
    assert "kết quả — tiêu đề khớp «Kết quả…» (từ vựng dòng" in out
    lines = out.splitlines()
    rows = [line for line in lines if line.startswith("    ") and "mã «" in line]
    assert rows, out
    assert any("thứ tự trong tiêu chí" in line or "nội dung (giống" in line for line in lines)


def test_explain_lines_name_every_column(tmp_path, registry, indicators):
    spec = SampleSpec(unit_column=True, value_years=(2020, 2021))
    submission, _ = read_submission(write_sample(tmp_path / "x.xlsx", spec), registry, indicators)
    text = "\n".join(explain_lines(submission, "Xã Cẩm Thành"))
    for heading in ("TT", "Đơn vị tính", "Kết quả năm 2020", "Kết quả năm 2021", "Ghi chú"):
        assert heading in text
    assert "cột kết quả kỳ trước, không dùng (năm báo cáo)" in text
    assert fold("đơn vị tính") in fold(text)


def test_a_workbook_of_several_communes_and_an_unnamed_sheet(tmp_path, registry, indicators):
    from support.samples import write_cluster

    specs = [
        SampleSpec("18748", "Xã Cẩm Lạc", sheet_name="Cẩm Lạc", roadmap_sheet=None, seed=3),
        SampleSpec("18751", "Xã Cẩm Minh", sheet_name="Cẩm Minh", roadmap_sheet=None, seed=4),
        SampleSpec(
            "18694",
            "Xã Cẩm Thành",
            unit_style="file_name",
            sheet_name="Trang 3",
            roadmap_sheet=None,
            seed=5,
        ),
    ]
    results = read_workbook(write_cluster(tmp_path / "cum.xlsx", specs), registry, indicators)
    assert [(s.unit_code, s.sheet) for s, _ in results[:2]] == [
        ("18748", "Cẩm Lạc"),
        ("18751", "Cẩm Minh"),
    ]
    none, [unknown] = results[2]
    assert none is None and unknown.code == "unit-unknown" and unknown.sheet == "Trang 3"
    notes = results[0][0].reading.notes
    assert any("trang tổng hợp" in note for note in notes)


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_checkboxes_true_false_under_dat_chua_dat(tmp_path, fmt, registry, indicators):
    """A Google Sheets export: «Tự đánh giá» over «Đạt» | «Chưa đạt», each a checkbox (TRUE /
    FALSE): TRUE says which, FALSE is no tick."""
    rows = [
        ["UBND XÃ CẨM THỊNH"],
        ["TT", "Nội dung tiêu chí", "Kết quả thực hiện", "Tự đánh giá", None],
        [None, None, None, "Đạt", "Chưa đạt"],
        ["1.1", "Có quy hoạch chung xây dựng xã", "Đạt", True, False],
        ["3.1", "Tỷ lệ diện tích được tưới chủ động", 87.5, True, False],
        ["9.2", "Tỷ lệ hộ có nhà ở đạt chuẩn", 70.5, False, True],
        ["11", "Tỷ lệ hộ nghèo", 1.7, False, False],
    ]
    path = tmp_path / f"cam_thinh.{fmt}"
    if fmt == "xls":
        _rows_xls(path, rows, merged=(1, 3, 4))
    else:
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.active.merge_cells("D2:E2")
        book.save(path)
    submission, _ = read_submission(path, registry, indicators)
    assert [(e.code, e.self_assessment) for e in submission.indicators] == [
        ("1.1", Status.MET), ("3.1", Status.MET), ("9.2", Status.NOT_MET), ("11", Status.UNKNOWN)
    ]  # fmt: skip


def test_duy_tri_dat_is_met(tmp_path, registry, indicators):
    """«Duy trì đạt» (met before, kept) is Đạt; «Cơ bản đạt» stays a question."""
    path = workbook(
        tmp_path / "cam_hung.xlsx",
        ["TT", "Nội dung", "Kết quả thực hiện", "Tự đánh giá"],
        [
            [
                "18.3",
                "Đảng bộ, chính quyền xã đạt tiêu chuẩn trong sạch, vững mạnh",
                "Đạt",
                "Duy trì đạt",
            ],
            ["13.2", "Xã có mô hình liên kết sản xuất", "Đạt", "Cơ bản đạt"],
        ],
    )
    submission, _ = read_submission(path, registry, indicators)
    assert [(e.self_assessment, e.assessment_raw) for e in submission.indicators] == [
        (Status.MET, "Duy trì đạt"), (Status.UNKNOWN, "Cơ bản đạt")
    ]  # fmt: skip


@pytest.mark.parametrize(
    "heading",
    [
        ["No. / TT", "Criteria / Nội dung tiêu chí", "Result / Kết quả thực hiện",
         "Target / Chỉ tiêu", "Self-assessment / Tự đánh giá", "Notes / Ghi chú"],
        ["No.", "Criteria", "Result", "Target", "Self-assessment", "Notes"],
    ],
)  # fmt: skip
def test_headings_in_english_or_in_two_languages(tmp_path, heading, registry, indicators):
    path = workbook(
        tmp_path / "cam_my.xlsx",
        heading,
        [
            ["1.1", "Có quy hoạch chung xây dựng xã", "Đạt", "Đạt", "Đạt", None],
            ["3.1", "Tỷ lệ diện tích được tưới chủ động", 87.5, "≥80%", "Đạt", None],
            ["9.2", "Tỷ lệ hộ có nhà ở đạt chuẩn", 70.5, "≥75%", "Chưa đạt", None],
        ],
    )
    submission, issues = read_submission(path, registry, indicators)
    assert [(e.code, e.value, e.self_assessment) for e in submission.indicators] == [
        ("1.1", "Đạt", Status.MET), ("3.1", 87.5, Status.MET), ("9.2", 70.5, Status.NOT_MET)
    ]  # fmt: skip
    roles = [c.role for c in submission.reading.columns]
    assert roles[:3] == ["số thứ tự, mã", "tên tiêu chí", "kết quả"]
    assert roles[4:] == ["tự đánh giá", "ghi chú"]


@pytest.mark.parametrize("listed_in_full", [True, False])
def test_short_wordings_of_two_indicators_are_settled_by_their_rows_places(
    tmp_path, listed_in_full, registry, indicators
):
    """«Quy hoạch chung xây dựng xã» is 1.1's and 1.2's wording alike: first of the two rows
    under criterion 1, it is 1.1; a criterion not listed in full settles nothing."""
    rows = [
        [1, "Quy hoạch", None, None],
        ["-", "Quy hoạch chung xây dựng xã", "Đạt", "Đạt"],
        ["-", "Quy định quản lý quy hoạch", "Đạt", "Đạt"],
    ]
    if not listed_in_full:
        del rows[2]
    path = workbook(
        tmp_path / "cam_quan.xlsx", ["TT", "Nội dung tiêu chí", "Kết quả", "Tự đánh giá"], rows
    )
    submission, issues = read_submission(path, registry, indicators)
    got = [e.code for e in submission.indicators]
    if listed_in_full:
        assert got == ["1.1", "1.2"]
        how = next(r.how for r in submission.reading.rows if r.code == "1.1")
        assert how.startswith("nội dung (giống 100%), cũng giống 1.2: chọn theo thứ tự dòng")
        assert "indicator-ambiguous" not in codes(issues)
    else:
        assert got == []
        assert "indicator-ambiguous" in codes(issues)
