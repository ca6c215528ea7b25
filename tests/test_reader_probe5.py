"""Submission kinds a fifth probe found read wrongly: a district's own self-assessment in the
form districts use (sections «I. ĐIỀU KIỆN», «II. CÁC TIÊU CHÍ», criteria numbered 1 … 9 beside
their names), 2021–2025 commune tables with the roadmap below them, model-commune forms. Each
workbook is written as a real file and read back through `read_workbook`."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

import pytest
from support.wild import Book, Sheet, write_book

from ntm_excel.check.consolidate import consolidate
from ntm_excel.check.validate import validate_submission
from ntm_excel.config import load_config
from ntm_excel.model import Status
from ntm_excel.read.reader import read_workbook
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry

MET, NOT_MET = Status.MET, Status.NOT_MET
HEADINGS = [
    "TT",
    "Tên tiêu chí",
    "Nội dung tiêu chí",
    "Chỉ tiêu",
    "Kết quả thực hiện",
    "Tự đánh giá",
]


def write(path, title: list[str], rows: list[list], sheet: str = "Tự đánh giá") -> None:
    """A workbook (.xlsx or .ods by `path`): title lines, a blank line, the headings, then
    `rows` (None = empty cell)."""
    out = Sheet(sheet)
    for r, line in enumerate(title):
        out.put(r, 0, line)
    for r, line in enumerate([HEADINGS, *rows], len(title) + 1):
        for c, value in enumerate(line):
            if value is not None:
                out.put(r, c, value)
    write_book(Book([out]), path)


@pytest.fixture(scope="module")
def district_set():
    return load_catalog(load_config().catalog).resolve("huyen_2016_2020", "Hà Tĩnh")


DISTRICT_ROWS = [
    ["I", "ĐIỀU KIỆN"],
    ["II", "CÁC TIÊU CHÍ"],
    [
        "1",
        "Quy hoạch",
        "Có quy hoạch xây dựng trên địa bàn huyện được phê duyệt",
        "Đạt",
        "Đạt",
        "Đạt",
    ],
    [
        "2",
        "Giao thông",
        "Hệ thống giao thông trên địa bàn huyện đảm bảo kết nối",
        "Đạt",
        "Đạt",
        "Đạt",
    ],
    ["3", "Thủy lợi", "Hệ thống thủy lợi liên xã đồng bộ", "Đạt", "Chưa đạt", "Chưa đạt"],
    ["4", "Điện", "Hệ thống điện liên xã đồng bộ", "Đạt", "Đạt", "Đạt"],
    ["5", "Y tế - Văn hóa - Giáo dục"],
    ["5.1", None, "Bệnh viện huyện đạt tiêu chuẩn bệnh viện hạng 3", "Đạt", "Đạt", "Đạt"],
    ["5.2", None, "Trung tâm y tế huyện đạt chuẩn quốc gia", "Đạt", "Chưa đạt", "Chưa đạt"],
    [
        "6",
        "Sản xuất",
        "Hình thành vùng sản xuất nông nghiệp hàng hóa tập trung",
        "Đạt",
        "Đạt",
        "Đạt",
    ],
    ["7", "Môi trường"],
    ["7.1", None, "Hệ thống thu gom, xử lý chất thải rắn", "Đạt", "Đạt", "Đạt"],
    [
        "8",
        "An ninh, trật tự xã hội",
        "Đảm bảo an toàn an ninh, trật tự xã hội",
        "Đạt",
        "Đạt",
        "Đạt",
    ],
    ["9", "Chỉ đạo xây dựng nông thôn mới"],
    ["9.1", None, "Ban Chỉ đạo cấp huyện được kiện toàn", "Đạt", "Đạt", "Đạt"],
]
DISTRICT_TITLE = [
    "UBND HUYỆN CẨM XUYÊN",
    "BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ HUYỆN NÔNG THÔN MỚI",
]


def test_district_sections_i_ii_are_not_roman_criteria(tmp_path, registry, district_set):
    """«I. ĐIỀU KIỆN» and «II. CÁC TIÊU CHÍ» each followed by a «1» once made the table read as
    Roman criteria: «2 | Giao thông» became indicator 2.2, «4 | Điện» 3.4 (unknown, dropped)."""
    path = tmp_path / "huyen_cam_xuyen.xlsx"
    write(path, DISTRICT_TITLE, DISTRICT_ROWS, sheet="Huyện tự đánh giá")
    (submission, issues), *_ = read_workbook(path, registry, district_set)
    assert submission.unit_code == "446"
    read = {e.code: e.self_assessment for e in submission.indicators}
    assert read["1"] == MET and read["2"] == MET and read["3"] == NOT_MET and read["4"] == MET
    assert read["6"] == MET and read["8"] == MET and read["5.2"] == NOT_MET
    codes = {i.code for i in issues}
    assert not codes & {"indicator-unknown", "indicator-code-mismatch", "indicator-duplicate"}


def test_the_condition_numbered_1_under_section_i_is_the_condition(
    tmp_path, registry, district_set
):
    """«1 | Có 100% số xã … đạt chuẩn» under «I. ĐIỀU KIỆN» was read as criterion 1 (Quy
    hoạch), so the real «1 | Quy hoạch» row was dropped as written twice. Its wording wins,
    with a warning naming the cell where the 1 is written."""
    condition = ["1", None, "Có 100% số xã trên địa bàn huyện đạt chuẩn nông thôn mới", "100%"]
    rows = [DISTRICT_ROWS[0], [*condition, "100%", "Đạt"], *DISTRICT_ROWS[1:]]
    rows[3] = ["1", "Quy hoạch", rows[3][2], "Đạt", "Chưa đạt", "Chưa đạt"]
    path = tmp_path / "huyen_cam_xuyen.xlsx"
    write(path, DISTRICT_TITLE, rows, sheet="Huyện tự đánh giá")
    (submission, issues), *_ = read_workbook(path, registry, district_set)
    read = {e.code: e.self_assessment for e in submission.indicators}
    assert read["0"] == MET and read["1"] == NOT_MET and read["2"] == MET
    (mismatch,) = [i for i in issues if i.code == "indicator-code-mismatch"]
    assert (mismatch.sheet, mismatch.cell) == ("Huyện tự đánh giá", "A6")
    assert "indicator-duplicate" not in {i.code for i in issues}


COMMUNE_2021 = [
    ["1", "Quy hoạch", "Có quy hoạch chung xây dựng xã còn thời hạn", "Đạt", "Đạt", "Đạt"],
    [2, "Giao thông"],
    ["2.1", None, "Tỷ lệ đường xã được nhựa hóa hoặc bê tông hóa", "100%", "100%", "Đạt"],
    ["2.2", None, "Tỷ lệ đường thôn và đường liên thôn được cứng hóa", "≥90%", "92%", "Đạt"],
    [6, "Cơ sở vật chất văn hóa"],
    ["6.1", None, "Xã có nhà văn hóa hoặc hội trường đa năng", "Đạt", "Đạt", "Đạt"],
    ["6.2", None, "Xã có điểm vui chơi, giải trí cho trẻ em", "Đạt", "Chưa đạt", "Chưa đạt"],
]


@pytest.mark.parametrize("ext", ["xlsx", "ods"])
def test_a_roadmap_below_the_table_ends_it(tmp_path, registry, ext):
    """A roadmap typed under the table in the same sheet, its rows numbered 1, 2 …, was read
    on as the table (its heading taken for the table's repeated): «1 | 6 | Xây dựng …» and
    «2 | …» became indicators 1 and 2.1 written twice (false warnings)."""
    catalogue = load_catalog(load_config().catalog).resolve("xa_2021_2025", "Hà Tĩnh")
    rows = [
        *COMMUNE_2021,
        [],
        ["LỘ TRÌNH THỰC HIỆN CÁC TIÊU CHÍ CHƯA ĐẠT"],
        ["TT", "Tiêu chí", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"],
        [1, "6", "Xây dựng điểm vui chơi cho trẻ em", "30/6/2021", "Nguyễn Văn An - PCT"],
        [2, "2", "Cứng hóa 1,2 km đường thôn Trung Hòa", "30/9/2021", "Trần Thị Bình - CC"],
    ]
    path = tmp_path / f"xa_cam_vinh.{ext}"
    write(path, ["UBND XÃ CẨM VĨNH", "BIỂU TỰ ĐÁNH GIÁ NĂM 2021"], rows)
    (submission, issues), *_ = read_workbook(path, registry, catalogue)
    assert "indicator-duplicate" not in {i.code for i in issues}
    read = {e.code: e.self_assessment for e in submission.indicators}
    assert read["1"] == MET and read["2.1"] == MET and read["6.2"] == NOT_MET
    tasks = {t.text: (t.criterion_no, t.due.isoformat()) for t in submission.tasks}
    assert tasks == {
        "Xây dựng điểm vui chơi cho trẻ em": (6, "2021-06-30"),
        "Cứng hóa 1,2 km đường thôn Trung Hòa": (2, "2021-09-30"),
    }


def test_a_model_commune_income_above_100_percent_of_the_advanced_level(tmp_path, registry):
    """Kiểu mẫu 2021–2025, indicator 2: income «≥110» % of the advanced communes' level. A
    commune's «115%» was refused as a percentage above 100 (value-invalid, an error) and left
    the indicator undecided."""
    model = load_catalog(load_config().catalog).resolve("xa_kieu_mau_2021_2025", "Hà Tĩnh")
    rows = [
        ["1", "Điều kiện", "Là xã đạt chuẩn NTM nâng cao giai đoạn 2021-2025", "Đạt", "Đạt", "Đạt"],
        ["2", "Thu nhập", "Thu nhập bình quân đầu người cao hơn 10%", "≥110%", "115%", "Đạt"],
        ["3", "Thôn thông minh", "Có ít nhất một mô hình thôn thông minh", "≥1", "1", "Đạt"],
        ["4", "Lĩnh vực nổi trội", "Đạt ít nhất một lĩnh vực nổi trội", "≥1", "1", "Đạt"],
    ]
    path = tmp_path / "cam_binh_kieu_mau.xlsx"
    title = ["UBND XÃ CẨM BÌNH", "BIỂU TỰ ĐÁNH GIÁ TIÊU CHÍ XÃ NÔNG THÔN MỚI KIỂU MẪU"]
    write(path, title, rows, sheet="Kiểu mẫu")
    (submission, _), *_ = read_workbook(path, registry, model)
    results, _, issues = validate_submission(submission, registry.get("18685"), model)
    assert "value-invalid" not in {i.code for i in issues}
    assert {r.indicator_code: r.computed_status for r in results}["2"] == MET


def consolidate_2021(folder: Path):
    """The bundled configuration's consolidation of `folder` with the 2021–2025 commune set."""
    config = load_config()
    return consolidate(
        [folder],
        catalog=load_catalog(config.catalog),
        registry=load_registry(config.registry),
        catalog_set="xa_2021_2025",
        as_of=date(2021, 3, 25),
    )


def test_a_newer_advanced_form_does_not_replace_the_commune_self_assessment(tmp_path):
    """Xã Yên Hòa (aiming at «đạt chuẩn») sent its 2021–2025 self-assessment, then a form
    titled «… XÃ NÔNG THÔN MỚI NÂNG CAO»: the newer file was used as the commune set's, its
    four rows scored against the 20 criteria (2/20, 31 rows «missing»)."""
    rows = [*COMMUNE_2021, ["10", "Thu nhập", "Thu nhập bình quân đầu người", "≥45", "46,2", "Đạt"]]
    write(tmp_path / "TDG Yen Hoa.xlsx", ["UBND XÃ YÊN HÒA", "BIỂU TỰ ĐÁNH GIÁ NĂM 2021"], rows)
    advanced = [
        ["2.1", "Giao thông", "Tỷ lệ đường xã được nhựa hóa", "100%", "96%", "Chưa đạt"],
        ["10", "Thu nhập", "Thu nhập bình quân đầu người", "≥54", "55", "Đạt"],
    ]
    title = ["UBND XÃ YÊN HÒA", "BIỂU TỰ ĐÁNH GIÁ TIÊU CHÍ XÃ NÔNG THÔN MỚI NÂNG CAO"]
    newer = tmp_path / "Yen Hoa - nang cao.xlsx"
    write(newer, title, advanced, sheet="Nâng cao")
    os.utime(newer, (time.time() + 60, time.time() + 60))
    result = consolidate_2021(tmp_path)
    [report] = [r for r in result.units if r.unit.code == "18679"]
    assert report.submission.file_name == "TDG Yen Hoa.xlsx"
    [duplicate] = [i for i in result.issues if i.code == "unit-duplicate"]
    assert "không phải biểu nâng cao, kiểu mẫu" in duplicate.message


def test_an_advanced_form_sent_alone_says_how_it_was_judged(tmp_path):
    """Xã Yên Hòa (aiming at «đạt chuẩn») sent only a form titled «… NÔNG THÔN MỚI NÂNG
    CAO»: it was scored against the commune set without a word of why most rows are missing."""
    title = ["UBND XÃ YÊN HÒA", "BIỂU TỰ ĐÁNH GIÁ TIÊU CHÍ XÃ NÔNG THÔN MỚI NÂNG CAO"]
    write(tmp_path / "Yen Hoa - nang cao.xlsx", title, COMMUNE_2021, sheet="Nâng cao")
    result = consolidate_2021(tmp_path)
    [issue] = [i for i in result.issues if i.code == "submission-level-form"]
    assert (issue.unit_code, issue.file, issue.sheet) == (
        "18679",
        "Yen Hoa - nang cao.xlsx",
        "Nâng cao",
    )
    assert "nâng cao" in issue.message and "«đạt chuẩn»" in issue.message
    assert "xa_2021_2025" in issue.message
