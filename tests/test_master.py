"""The master workbook: written with XlsxWriter, read back with openpyxl and checked."""

from __future__ import annotations

import dataclasses
import random
import re
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import python_calamine
import xlsxwriter
from support.master_bytes import fast_and_plain
from support.render import needs_libreoffice, printed_pages

from ntm_excel.issues import Issue, Severity, make_issue
from ntm_excel.model import (
    Consolidation,
    CriterionResult,
    IndicatorResult,
    Status,
    Submission,
    Task,
    TaskState,
    TaskStatus,
    Unit,
    UnitReport,
)
from ntm_excel.styles import EXCEL_CELL_LIMIT, GREEN, GREY, RED, STATUS_COLOURS, FormatCache
from ntm_excel.write import master, master_sheets
from ntm_excel.write.master import write_master

AS_OF = date(2021, 3, 22)
DEADLINE = datetime(2021, 3, 15, 23, 59)

# ------------------------------------------------------------------ a realistic consolidation

CRITERIA = {
    1: "Quy hoạch",
    2: "Giao thông",
    3: "Thủy lợi",
    4: "Điện",
    5: "Trường học",
    6: "Cơ sở vật chất văn hóa",
    7: "Cơ sở hạ tầng thương mại nông thôn",
    8: "Thông tin và Truyền thông",
    9: "Nhà ở dân cư",
    10: "Thu nhập",
    11: "Hộ nghèo",
    12: "Lao động có việc làm",
    13: "Tổ chức sản xuất",
    14: "Giáo dục và Đào tạo",
    15: "Y tế",
    16: "Văn hóa",
    17: "Môi trường và an toàn thực phẩm",
    18: "Hệ thống chính trị và tiếp cận pháp luật",
    19: "Quốc phòng và An ninh",
    20: "Khu dân cư mẫu, vườn mẫu",
}
INDICATORS_PER_CRITERION = [2, 4, 2, 2, 1, 3, 1, 4, 2, 1, 1, 1, 2, 3, 3, 1, 8, 6, 2, 1]
# Numeric indicators of the 1980 set for Bắc Trung Bộ: threshold text, limit, at least?
NUMERIC = {
    "3.1": ("≥80%", 80, True),
    "4.2": ("≥98%", 98, True),
    "5": ("≥80%", 80, True),
    "6.3": ("100%", 100, True),
    "9.2": ("≥75%", 75, True),
    "10": ("≥36 triệu đồng/người", 36, True),
    "11": ("≤5%", 5, False),
    "12": ("≥90%", 90, True),
    "14.2": ("≥85%", 85, True),
    "14.3": ("≥40%", 40, True),
    "15.1": ("≥85%", 85, True),
    "15.3": ("≤24,2%", 24.2, False),
    "16": ("≥70%", 70, True),
    "17.1": ("≥98%", 98, True),
    "17.6": ("≥70%", 70, True),
}
CAM_XUYEN = [
    ("18673", "Thị trấn Cẩm Xuyên", "thị trấn"),
    ("18676", "Thị trấn Thiên Cầm", "thị trấn"),
    ("18679", "Xã Yên Hòa", "xã"),
    ("18682", "Xã Cẩm Dương", "xã"),
    ("18685", "Xã Cẩm Bình", "xã"),
    ("18691", "Xã Cẩm Vĩnh", "xã"),
    ("18694", "Xã Cẩm Thành", "xã"),
    ("18697", "Xã Cẩm Quang", "xã"),
    ("18706", "Xã Cẩm Thạch", "xã"),
    ("18709", "Xã Cẩm Nhượng", "xã"),
    ("18712", "Xã Nam Phúc Thăng", "xã"),
    ("18715", "Xã Cẩm Duệ", "xã"),
    ("18721", "Xã Cẩm Lĩnh", "xã"),
    ("18724", "Xã Cẩm Quan", "xã"),
    ("18727", "Xã Cẩm Hà", "xã"),
    ("18730", "Xã Cẩm Lộc", "xã"),
    ("18733", "Xã Cẩm Hưng", "xã"),
    ("18736", "Xã Cẩm Thịnh", "xã"),
    ("18739", "Xã Cẩm Mỹ", "xã"),
    ("18742", "Xã Cẩm Trung", "xã"),
    ("18745", "Xã Cẩm Sơn", "xã"),
    ("18748", "Xã Cẩm Lạc", "xã"),
    ("18751", "Xã Cẩm Minh", "xã"),
]
ADVANCED = {"Xã Cẩm Thành", "Xã Cẩm Lạc", "Xã Cẩm Quan", "Xã Cẩm Duệ", "Xã Cẩm Minh"}
MODEL = {"Xã Cẩm Bình", "Xã Cẩm Vĩnh"}
NOT_SUBMITTED = {"18730", "18745"}  # Cẩm Lộc, Cẩm Sơn
ALL_MET = {"18694", "18685", "18691", "18736"}  # Cẩm Thành, Cẩm Bình, Cẩm Vĩnh, Cẩm Thịnh
DISTRICT_CRITERIA = {
    1: "Quy hoạch",
    2: "Giao thông",
    3: "Thủy lợi",
    4: "Điện",
    5: "Y tế - Văn hóa - Giáo dục",
    6: "Sản xuất",
    7: "Môi trường",
    8: "An ninh, trật tự xã hội",
    9: "Chỉ đạo xây dựng nông thôn mới",
}
PLAN_TASKS = [
    # criterion, text, deadline phrase, due, milestone, directors, owners, done
    (
        1,
        "Hoàn thành quy hoạch vùng huyện, được UBND tỉnh ban hành quyết định phê duyệt",
        "trong tháng 1/2021",
        date(2021, 1, 31),
        "",
        ("Phạm Hoàng Anh",),
        ("Trần Ngọc Quang",),
        True,
    ),
    (
        2,
        "Hoàn thành các công trình đã khởi công: ĐH 124, đường Cẩm Dương – Cẩm Thịnh, ĐH 133",
        "chậm nhất trước ngày 10/2/2021",
        date(2021, 2, 10),
        "",
        ("Phạm Hoàng Anh",),
        ("Nguyễn Thanh Phong", "Trần Ngọc Quang"),
        False,
    ),
    (
        2,
        "Khởi công các công trình đường huyện, đường liên xã xây dựng mới",
        "khởi công trong tháng 2/2021",
        date(2021, 2, 28),
        "khởi công",
        ("Phạm Hoàng Anh",),
        ("Nguyễn Thanh Phong", "Trần Ngọc Quang"),
        True,
    ),
    (
        2,
        "Hoàn thành các công trình đường huyện, đường liên xã xây dựng mới",
        "hoàn thành chậm nhất trong tháng 6/2021",
        date(2021, 6, 30),
        "hoàn thành",
        ("Phạm Hoàng Anh",),
        ("Nguyễn Thanh Phong", "Trần Ngọc Quang"),
        False,
    ),
    (
        5,
        "Hoàn thành các công trình xây dựng cơ bản tiêu chí Văn hóa – Giáo dục – Y tế",
        "chậm nhất trong tháng 6/2021",
        date(2021, 6, 30),
        "",
        ("Phạm Văn Thắng",),
        ("Nguyễn Thanh Phong", "Phạm Danh Cường", "Trần Huy Nghĩa", "Nguyễn Thị Xuân Hoàng"),
        False,
    ),
    (
        6,
        "Triển khai đề án sản xuất vụ Xuân, sản xuất liên kết theo chuỗi giá trị trên 10%",
        "trước 31/3/2021",
        date(2021, 3, 31),
        "",
        ("Lê Ngọc Hà",),
        ("Lê Văn Danh",),
        False,
    ),
    (
        7,
        "Hoàn thành hệ thống thoát nước cụm công nghiệp Bắc Cẩm Xuyên",
        "trước 31/3/2021",
        date(2021, 3, 31),
        "",
        ("Lê Ngọc Hà",),
        ("Biện Văn Thanh", "Nguyễn Thanh Phong"),
        False,
    ),
    (
        8,
        "Lắp đặt hệ thống camera giám sát an ninh trên địa bàn huyện",
        "tháng 4/2021",
        date(2021, 4, 30),
        "",
        ("Phạm Văn Thắng",),
        ("Phan Ngọc Tố",),
        False,
    ),
    (
        None,
        "Trình hồ sơ đề nghị UBND tỉnh thẩm định",
        "trước ngày 10/4/2021",
        date(2021, 4, 10),
        "",
        ("Lê Ngọc Hà",),
        (),
        False,
    ),
    (
        None,
        "Lấy phiếu hài lòng của người dân",
        "cuối năm",
        None,
        "",
        ("Lê Ngọc Hà",),
        (),
        False,
    ),
]
UNIT_TASKS = [
    (17, "Cải tạo cảnh quan môi trường, trồng bổ sung hàng rào xanh", "tháng 3/2021", 31),
    (20, "Chỉnh trang, nâng cấp vườn hộ đạt chuẩn vườn mẫu", "quý II/2021", 100),
    (9, "Hỗ trợ xóa nhà tạm, dột nát cho 3 hộ", "tháng 2/2021", 0),
    (13, "Củng cố hoạt động hợp tác xã dịch vụ nông nghiệp", "tháng 4/2021", 39),
]
FORMULA_LIKE = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+1+2", "-3-4"]
ESCAPE_LIKE = "TDG_xa_cam_binh.xls"


def _indicator_codes(per_criterion: list[int]) -> list[tuple[int, str]]:
    codes = []
    for number, count in enumerate(per_criterion, start=1):
        if count == 1:
            codes.append((number, str(number)))
        else:
            codes += [(number, f"{number}.{i}") for i in range(1, count + 1)]
    return codes


def _unit_indicators(rng, code, file_name, codes, all_met):
    results = []
    for number, indicator in codes:
        threshold, limit, at_least = NUMERIC.get(indicator, ("Đạt", None, True))
        roll = 0.0 if all_met else rng.random()
        if limit is None:
            computed = Status.NOT_MET if roll > 0.93 else Status.MET
            value = raw = "Đạt" if computed is Status.MET else "Chưa đạt"
            if roll > 0.985:  # left blank, not assessed either
                computed, value, raw = Status.UNKNOWN, None, ""
        else:
            good = limit * (1.1 if at_least else 0.8)
            bad = limit * (0.9 if at_least else 1.3)
            value = round(bad if roll > 0.9 else good, 1)
            raw = f"{value:g}"
            computed = Status.MET if (value >= limit) == at_least else Status.NOT_MET
        claimed = Status.MET if 0.96 < roll <= 0.985 else computed  # some claim more than shown
        results.append(
            IndicatorResult(
                unit_code=code,
                indicator_code=indicator,
                criterion_no=number,
                threshold=threshold,
                value=value,
                raw=raw,
                self_assessment=claimed,
                computed_status=computed,
                status=computed if computed is not Status.UNKNOWN else claimed,
                file=file_name,
                sheet="Biểu tự đánh giá",
                cell=f"F{8 + len(results)}",
            )
        )
    return results


def _criteria_of(code, indicators, names):
    results = []
    for number, name in names.items():
        own = [i.status for i in indicators if i.criterion_no == number]
        if Status.NOT_MET in own:
            status = Status.NOT_MET
        elif Status.UNKNOWN in own or not own:
            status = Status.UNKNOWN
        else:
            status = Status.MET
        results.append(CriterionResult(code, number, name, status))
    return results


def build_consolidation(
    n_units: int = 23,
    criteria: int = 20,
    tasks_per_unit: int = 2,
    seed: int = 7,
    with_district: bool = True,
    hostile: bool = True,
    all_submit: bool = False,
) -> Consolidation:
    """A consolidation like the one the office gets on 22/03/2021 for Cẩm Xuyên.

    Beyond the 23 real units, synthetic communes are added (for benchmarks). `hostile` puts
    formula-like texts where a submission could carry them; `all_submit` has every unit submit.
    """
    rng = random.Random(seed)
    names = {n: CRITERIA[n] for n in range(1, criteria + 1)}
    codes = _indicator_codes(INDICATORS_PER_CRITERION[:criteria])
    registry = list(CAM_XUYEN) + [
        (f"9{i:05d}", f"Xã Thử Nghiệm {i:05d}", "xã") for i in range(len(CAM_XUYEN), n_units)
    ]
    reports, issues, tasks = [], [], []
    for index, (code, name, kind) in enumerate(registry[:n_units]):
        level = "" if kind == "thị trấn" else "đạt chuẩn"
        level = "nâng cao" if name in ADVANCED else "kiểu mẫu" if name in MODEL else level
        unit = Unit(
            code=code,
            name=name,
            kind=kind,
            district="Huyện Cẩm Xuyên",
            province="Hà Tĩnh",
            region="Bắc Trung Bộ",
            target_level=level,
            expected=kind == "xã",
            supervisors=("Lê Ngọc Hà",),
        )
        submits = code not in NOT_SUBMITTED and (kind == "xã" or code == "18676")
        if index >= len(CAM_XUYEN):
            submits = rng.random() > 0.05
        submits = submits or all_submit
        if not submits:
            reports.append(UnitReport(unit=unit, errors=1 if unit.expected else 0))
            if unit.expected:
                issues.append(make_issue("unit-not-submitted", unit_code=code, unit=name))
            continue
        slug = name.lower().replace(" ", "_")
        file_name = f"{slug}_tu_danh_gia.xlsx"
        if hostile and code == "18682":
            file_name = "@SUM(A1)"
        if hostile and code == "18685":
            file_name = ESCAPE_LIKE  # "_xa_" reads as a line break in LibreOffice
        modified = DEADLINE - timedelta(days=3, hours=index) + timedelta(days=index % 5)
        submission = Submission(
            path=f"/srv/ntm/inbox/{file_name}",
            file_name=file_name,
            sha256=f"{index:04x}" + "ab12cd34" * 7 + "ef01",
            size=15_000 + index,
            modified=modified,
            unit_code=code,
            unit_text=name.upper(),
            report_date=modified.date() - timedelta(days=index % 3),
        )
        indicators = _unit_indicators(rng, code, file_name, codes, code in ALL_MET)
        if hostile and code == "18679":
            first = indicators[0]
            indicators[0] = dataclasses.replace(first, value=FORMULA_LIKE[0], raw=FORMULA_LIKE[0])
        first_issue = len(issues)
        for ind in indicators:
            clash = Status.UNKNOWN not in (ind.computed_status, ind.self_assessment)
            if clash and ind.computed_status is not ind.self_assessment:
                issues.append(
                    make_issue(
                        "assessment-contradiction",
                        unit_code=code,
                        file=file_name,
                        sheet=ind.sheet,
                        cell=ind.cell,
                        code=ind.indicator_code,
                        value=ind.raw,
                        threshold=ind.threshold,
                        computed="Chưa đạt",
                        claimed="Đạt",
                    )
                )
            if ind.computed_status is Status.UNKNOWN:
                issues.append(
                    make_issue(
                        "value-missing",
                        unit_code=code,
                        file=file_name,
                        sheet=ind.sheet,
                        cell=ind.cell,
                        code=ind.indicator_code,
                    )
                )
        on_time = modified <= DEADLINE
        if not on_time:
            issues.append(
                make_issue(
                    "submission-late",
                    unit_code=code,
                    file=file_name,
                    unit=name,
                    received=f"{modified:%d/%m/%Y}",
                    deadline=f"{DEADLINE:%d/%m/%Y}",
                )
            )
        own = [i.severity for i in issues[first_issue:]]
        reports.append(
            UnitReport(
                unit=unit,
                submission=submission,
                indicators=indicators,
                criteria=_criteria_of(code, indicators, names),
                errors=own.count(Severity.ERROR),
                warnings=own.count(Severity.WARNING),
                on_time=on_time,
            )
        )
        for k in range(tasks_per_unit):
            number, text, phrase, offset = UNIT_TASKS[(index + k) % len(UNIT_TASKS)]
            if hostile and code == "18697" and k == 0:
                text = FORMULA_LIKE[3]
            due = date(2021, 2, 28) + timedelta(days=offset)
            done = offset == 0 and index % 2 == 0
            task = Task(
                source="unit",
                unit_code=code,
                criterion_no=number,
                text=text,
                deadline_text=phrase,
                due=due,
                owners=("Trần Văn Lượng",),
                directors=("Nguyễn Huy Vinh",),
                done=done,
                status_text="Đang thi công" if not done else "Xong",
                file=file_name,
                sheet="Lộ trình",
                cell=f"C{6 + k}",
            )
            tasks.append(_task_status(task))
    for number, text, phrase, due, milestone, directors, owners, done in PLAN_TASKS:
        task = Task(
            source="plan",
            unit_code="",
            criterion_no=number,
            text=text,
            deadline_text=phrase,
            due=due,
            owners=owners,
            directors=directors,
            milestone=milestone,
            section="2.4. Lộ trình xây dựng hồ sơ" if number is None else "",
            done=done,
            task_id=f"2.{number or 4}-1",
            lead=("Văn phòng điều phối NTM huyện",) if number is None else (),
            partners=("Các phòng, ngành liên quan",) if number is None else (),
            note=f"Ghi chú của kế hoạch {number}",
            status_text="Chưa thực hiện",
        )
        tasks.append(_task_status(task))
    issues.append(
        make_issue(
            "owner-unknown",
            unit_code="18694",
            file="xa_cam_thanh_tu_danh_gia.xlsx",
            sheet="Lộ trình",
            cell="F7",
            owner="Đ/c Nguyễn Huy Vinh",
        )
    )
    if hostile:
        issues.append(
            Issue("value-invalid", Severity.ERROR, FORMULA_LIKE[2], unit_code="18715", cell="F17")
        )
    district = None
    if with_district:
        unit = Unit("187", "Huyện Cẩm Xuyên", "huyện", "Huyện Cẩm Xuyên", "Hà Tĩnh", "Bắc Trung Bộ")
        district = UnitReport(
            unit=unit,
            criteria=[
                CriterionResult("187", n, name, Status.NOT_MET if n == 2 else Status.MET)
                for n, name in DISTRICT_CRITERIA.items()
            ],
        )
    return Consolidation(
        as_of=AS_OF,
        catalog_set="xa_2016_2020",
        units=reports,
        tasks=tasks,
        issues=issues,
        criteria_names=names,
        district=district,
        created=datetime(2021, 3, 22, 7, 30),
    )


def _task_status(task: Task) -> TaskStatus:
    if task.done:
        return TaskStatus(task, TaskState.DONE)
    if task.due is None:
        return TaskStatus(task, TaskState.NO_DUE_DATE)
    left = (task.due - AS_OF).days
    if left < 0:
        return TaskStatus(task, TaskState.OVERDUE, days_late=-left, days_left=left)
    state = TaskState.DUE_SOON if left <= 7 else TaskState.ON_TRACK
    return TaskStatus(task, state, days_left=left)


# ------------------------------------------------------------------ fixtures and helpers


@pytest.fixture(scope="module")
def consolidation() -> Consolidation:
    return build_consolidation()


@pytest.fixture(scope="module")
def book(consolidation, tmp_path_factory) -> openpyxl.Workbook:
    path = write_master(consolidation, tmp_path_factory.mktemp("master") / "tong_hop.xlsx")
    return openpyxl.load_workbook(path)


def _rows(ws, header_row: int):
    header = [c.value for c in ws[header_row]]
    for row in ws.iter_rows(min_row=header_row + 1):
        if row[0].value is None and row[1].value is None:
            break
        yield dict(zip(header, row, strict=False))


def _fill(cell) -> str:
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else ""


# ------------------------------------------------------------------ tests


def test_sheets_in_order_with_titles(book):
    assert book.sheetnames == [
        "Tổng hợp",
        "Ma trận tiêu chí",
        "Chỉ tiêu chi tiết",
        "Tiến độ nhiệm vụ",
        "Tình hình nộp báo cáo",
        "Lỗi dữ liệu",
        "Tiêu chí huyện",
    ]
    for ws in book.worksheets:
        assert ws["A1"].value.startswith("BẢNG ")
        assert ws["A1"].value.endswith("— ngày 22/03/2021")
        assert ws.sheet_properties.tabColor is not None


def test_print_setup_and_frozen_panes(book):
    panes = {
        "Tổng hợp": "A3",
        "Ma trận tiêu chí": "C4",
        "Chỉ tiêu chi tiết": "C4",
        "Tiến độ nhiệm vụ": "C4",
        "Tình hình nộp báo cáo": "C4",
        "Lỗi dữ liệu": "B4",
        "Tiêu chí huyện": "A4",
    }
    for ws in book.worksheets:
        assert ws.freeze_panes == panes[ws.title], ws.title
        assert ws.page_setup.paperSize == 9
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (1, None)  # 1 is the default openpyxl leaves out
        assert ws.page_setup.fitToHeight == 0
        assert bool(ws.print_title_rows) == (ws.title != "Tổng hợp")
    assert book["Ma trận tiêu chí"].print_title_rows == "$3:$3"
    district = book["Tiêu chí huyện"]  # the communes' list runs on, not the district's
    lagging = next(r for r in range(1, 40) if district.cell(r, 1).value == "Mã ĐV")
    assert district.print_title_rows == f"${lagging}:${lagging}"
    assert book["Tổng hợp"].print_area == "'Tổng hợp'!$A$1:$G$129"  # to the end of the charts
    detail = book["Chỉ tiêu chi tiết"]  # 1.000 rows: read on screen, not printed by default
    assert detail.print_area == "'Chỉ tiêu chi tiết'!$A$1:$L$3"
    assert "chỉ in phần đầu (1.000 dòng chi tiết" in detail.oddHeader.left.text


def test_the_legend_is_on_the_first_page_beside_the_key_figures(book):
    ws = book["Tổng hợp"]
    assert ws["A4"].value == "I. TÌNH HÌNH CHUNG" and ws["E4"].value == "CHÚ GIẢI MÀU"
    legend = [(ws.cell(r, 5).value, ws.cell(r, 7).value) for r in range(5, 16)]
    assert legend[0] == ("✓ Đạt", "Đạt chuẩn")
    assert ("Đạt (trái số liệu)", "Tự đánh giá trái với số liệu") in legend
    assert _fill(ws["E5"]) == GREEN.fill and "E5:F5" in {str(r) for r in ws.merged_cells.ranges}
    sections = [c.value for c in ws["A"] if isinstance(c.value, str) and c.value[:3] in
                ("I. ", "II.", "III", "IV.", "V. ")]  # fmt: skip
    assert sections == [
        "I. TÌNH HÌNH CHUNG",
        "II. TIÊU CHÍ HUYỆN",
        "III. CHỈ TIÊU CỦA KẾ HOẠCH",
        "IV. THEO MỤC TIÊU PHẤN ĐẤU CỦA TỪNG XÃ",
        "V. KẾT QUẢ THEO TỪNG TIÊU CHÍ (số đơn vị phải nộp)",
    ]
    starts = [next(r for r in range(1, 99) if ws.cell(r, 1).value == s) for s in sections]
    breaks = [b.id for b in ws.row_breaks.brk]  # a break after row b.id (1-based)
    assert breaks[:2] == [starts[2] - 1, starts[4] - 1]  # page 2: the plan, page 3: criteria


def test_text_like_an_escape_sequence_shows_as_typed(tmp_path, consolidation):
    """Excel reads "_x000A_" in a cell as a line break, LibreOffice even "_xa_": such text is
    written with its underscore escaped, and reads back as typed."""
    path = write_master(consolidation, tmp_path / "m.xlsx")
    with zipfile.ZipFile(path) as archive:
        strings = archive.read("xl/sharedStrings.xml").decode()
    assert "TDG_x005F_xa_cam_binh.xls" in strings and "TDG_xa_cam" not in strings
    sheet = python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_name(
        "Tình hình nộp báo cáo"
    )
    assert ESCAPE_LIKE in [row[5] for row in sheet.to_python()]


def test_matrix_words_and_fills_follow_each_status(book, consolidation):
    ws = book["Ma trận tiêu chí"]
    header = [c.value for c in ws[3]]
    assert header[:3] == ["Mã ĐV", "Đơn vị", "Mục tiêu"]
    assert header[3] == "1. Quy hoạch" and header[22] == "20. Khu dân cư mẫu, vườn mẫu"
    assert header[23] == "Số tiêu chí đạt"
    expected = [r for r in consolidation.units if r.unit.expected]
    listed = expected + [r for r in consolidation.units if not r.unit.expected and r.submitted]
    words = {Status.MET: "✓ Đạt", Status.NOT_MET: "✗ Chưa đạt", Status.UNKNOWN: "? Chưa rõ"}
    seen = set()
    for offset, report in enumerate(listed):
        row = ws[4 + offset]
        assert row[0].value == report.unit.code
        assert row[1].value == report.unit.name
        statuses = {c.criterion_no: c.status for c in report.criteria}
        for col in range(3, 23):
            cell = row[col]
            if not report.submitted:
                assert (cell.value, _fill(cell)) == ("— Chưa nộp", GREY.fill)
                seen.add("not submitted")
                continue
            status = statuses[col - 2]
            assert cell.value == words[status]
            assert _fill(cell) == STATUS_COLOURS[status].fill
            seen.add(status)
        if report.submitted:
            met = sum(1 for s in statuses.values() if s is Status.MET)
            assert row[23].value == met and row[23].number_format == '0"/20"'
        else:
            assert row[23].value == "Chưa nộp"
    assert seen == {Status.MET, Status.NOT_MET, Status.UNKNOWN, "not submitted"}
    assert ws.auto_filter.ref == f"A3:X{3 + len(listed)}"
    totals = ws[4 + len(listed)]
    assert totals[1].value == "Số đơn vị đạt"
    assert totals[3].value == sum(
        1
        for r in expected
        if any(c.criterion_no == 1 and c.status is Status.MET for c in r.criteria)
    )


def test_summary_counts(book, consolidation):
    ws = book["Tổng hợp"]
    figures = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(5, 25)}
    assert figures["Ngày báo cáo"].value == datetime(2021, 3, 22)
    assert figures["Ngày báo cáo"].number_format == "dd/mm/yyyy"
    assert figures["Số đơn vị phải nộp báo cáo"].value == 21
    assert figures["Số đơn vị đã nộp"].value == 19
    assert figures["Số đơn vị chưa nộp"].value == 2
    on_time = sum(1 for r in consolidation.units if r.unit.expected and r.on_time)
    assert figures["Số đơn vị nộp đúng hạn"].value == on_time
    meeting_all = figures["Số đơn vị đạt đủ 20 tiêu chí"].value
    assert meeting_all >= len(ALL_MET)
    assert figures["Số xã đạt đủ tiêu chí / tổng số xã"].value == meeting_all
    assert figures["Số xã đạt đủ tiêu chí / tổng số xã"].number_format == '0"/21"'
    ratio = figures["Tỷ lệ xã đạt chuẩn (điều kiện huyện NTM: 100%)"]
    assert ratio.value == pytest.approx(meeting_all / 21) and _fill(ratio) == RED.fill
    errors = sum(1 for i in consolidation.issues if i.severity is Severity.ERROR)
    assert figures["Số lỗi dữ liệu (phải sửa), kể cả đơn vị chưa nộp"].value == errors
    in_workbooks = sum(r.errors for r in consolidation.units if r.unit.expected and r.submitted)
    assert figures["   trong đó lỗi trong biểu của các đơn vị đã nộp"].value == in_workbooks
    overdue = sum(1 for t in consolidation.tasks if t.state is TaskState.OVERDUE)
    assert figures["Số nhiệm vụ quá hạn"].value == overdue > 0
    cells = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"Đạt chuẩn", "Nâng cao", "Kiểu mẫu"} <= cells  # the per-level table
    assert (
        f"Điều kiện: 100% số xã đạt chuẩn nông thôn mới ({meeting_all}/21 xã đạt đủ tiêu chí)"
        in cells
    )
    assert "2. Giao thông" in cells and "— Chưa nộp" in cells  # district block, legend


def test_summary_has_two_native_charts(tmp_path, consolidation):
    path = write_master(consolidation, tmp_path / "m.xlsx")
    with zipfile.ZipFile(path) as archive:
        charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        xml = [archive.read(n).decode() for n in charts]
    assert len(charts) == 2
    assert any("'Ma trận tiêu chí'!$B$4:$B$25" in x and "<c:barChart>" in x for x in xml)
    stacked = next(x for x in xml if 'val="stacked"' in x)
    assert stacked.count("<c:ser>") == 4 and "'Tổng hợp'!$A$" in stacked


def test_detail_table_covers_every_indicator(book, consolidation):
    ws = book["Chỉ tiêu chi tiết"]
    total = sum(len(r.indicators) for r in consolidation.units)
    assert total == 20 * 50
    assert ws.tables["ChiTieuChiTiet"].ref == f"A3:L{3 + total}"
    rows = list(_rows(ws, 3))
    assert len(rows) == total
    thanh = next(r for r in consolidation.units if r.unit.code == "18694")
    income = next(i for i in thanh.indicators if i.indicator_code == "10")
    row = next(r for r in rows if r["Mã ĐV"].value == "18694" and r["Mã chỉ tiêu"].value == "10")
    assert row["Đơn vị"].value == "Xã Cẩm Thành"
    assert row["Tiêu chí"].value == "10. Thu nhập"
    assert row["Chỉ tiêu"].value == "≥36 triệu đồng/người"
    assert row["Kết quả"].value == pytest.approx(income.value)
    assert row["Kết quả"].data_type == "n" and row["Kết quả"].number_format == "#,##0.0##"
    assert row["Kết quả cuối"].value == "Đạt" and _fill(row["Kết quả cuối"]) == GREEN.fill
    assert row["Tệp"].value == "xã_cẩm_thành_tu_danh_gia.xlsx"
    assert (row["Trang"].value, row["Ô"].value) == ("Biểu tự đánh giá", income.cell)
    clash = next(
        r for r in rows if r["Tự đánh giá"].value == "Đạt (trái số liệu)"
    )  # claimed Đạt, the figures say otherwise
    assert clash["Đánh giá theo số liệu"].value == "Chưa đạt"
    assert _fill(clash["Tự đánh giá"]) == STATUS_COLOURS[Status.UNKNOWN].fill
    assert _fill(clash["Kết quả cuối"]) == RED.fill


def test_formula_like_text_stays_text(book):
    found = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in FORMULA_LIKE:
                    found[cell.value] = cell
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
    assert set(found) == set(FORMULA_LIKE)
    assert book["Chỉ tiêu chi tiết"]["F4"].value == FORMULA_LIKE[0]


def test_tasks_sorted_coloured_and_dated(book, consolidation):
    ws = book["Tiến độ nhiệm vụ"]
    rows = list(_rows(ws, 3))
    assert len(rows) == len(consolidation.tasks)
    assert ws.tables["TienDoNhiemVu"].ref == f"A3:P{3 + len(rows)}"
    states = [r["Tình trạng"].value for r in rows]
    order = ["Quá hạn", "Sắp đến hạn", "Đang thực hiện", "Chưa có hạn", "Đã hoàn thành"]
    assert states == sorted(states, key=order.index)
    road = next(r for r in rows if r["Nhiệm vụ"].value.startswith("Hoàn thành các công trình đã"))
    assert road["Nguồn"].value == "Kế hoạch huyện"
    assert road["Đơn vị"].value == "Toàn huyện"
    assert road["Tiêu chí"].value == "2. Giao thông"
    assert road["Hạn"].value == datetime(2021, 2, 10)
    assert road["Hạn"].number_format == "dd/mm/yyyy"
    assert road["Thời hạn"].value == "chậm nhất trước ngày 10/2/2021"
    assert road["Người thực hiện"].value == "Nguyễn Thanh Phong, Trần Ngọc Quang"
    assert road["Số ngày quá hạn"].value == 40
    assert _fill(road["Tình trạng"]) == RED.fill
    assert (road["Mã"].value, road["Ghi chú"].value) == ("2.2-1", "Ghi chú của kế hoạch 2")
    assert road["Người chỉ đạo"].value == "Phạm Hoàng Anh"
    dossier = next(r for r in rows if r["Mục"].value == "2.4. Lộ trình xây dựng hồ sơ")
    assert dossier["Tiêu chí"].value == "2.4. Lộ trình xây dựng hồ sơ"  # no criterion: section
    assert dossier["Chủ trì, phối hợp"].value == (
        "Văn phòng điều phối NTM huyện; phối hợp: Các phòng, ngành liên quan"
    )
    assert all(r["Tiêu chí"].value for r in rows)  # a label on every row
    done = next(r for r in rows if r["Tình trạng"].value == "Đã hoàn thành")
    assert _fill(done["Tình trạng"]) == GREEN.fill and done["Số ngày quá hạn"].value is None
    village = next(r for r in rows if r["Nguồn"].value == "Lộ trình xã")
    assert village["Tiêu chí"].value.split(". ")[1] in CRITERIA.values()


def test_submissions_list_every_unit_expected_first(book, consolidation):
    ws = book["Tình hình nộp báo cáo"]
    rows = list(_rows(ws, 3))
    assert len(rows) == 23
    assert ws.tables["NopBaoCao"].ref == "A3:L26"
    assert [r["Phải nộp"].value for r in rows] == ["Có"] * 21 + ["Không"] * 2
    loc = next(r for r in rows if r["Mã"].value == "18730")
    assert (loc["Đã nộp"].value, _fill(loc["Đã nộp"])) == ("Không", GREY.fill)
    assert loc["Tệp"].value is None and loc["Số lỗi"].value == 1
    thanh = next(r for r in rows if r["Mã"].value == "18694")
    report = next(r for r in consolidation.units if r.unit.code == "18694")
    assert thanh["Ngày ký báo cáo"].value.date() == report.submission.report_date
    assert thanh["Ngày ký báo cáo"].number_format == "dd/mm/yyyy"
    assert thanh["Ngày sửa tệp"].value == report.submission.modified
    assert thanh["Ngày sửa tệp"].number_format == "dd/mm/yyyy hh:mm"
    assert thanh["Mã kiểm tra"].value == report.submission.sha256[:12]
    assert thanh["Đúng hạn"].value == ("Có" if report.on_time else "Không")


def test_issues_sorted_by_severity_then_unit(book, consolidation):
    ws = book["Lỗi dữ liệu"]
    rows = list(_rows(ws, 3))
    assert len(rows) == len(consolidation.issues)
    assert ws.tables["LoiDuLieu"].ref == f"A3:H{3 + len(rows)}"
    levels = [r["Mức độ"].value for r in rows]
    assert levels == sorted(levels, key=["Lỗi", "Cảnh báo", "Thông tin"].index)
    assert set(levels) == {"Lỗi", "Cảnh báo", "Thông tin"}
    fills = {r["Mức độ"].value: _fill(r["Mức độ"]) for r in rows}
    assert fills == {"Lỗi": RED.fill, "Cảnh báo": "FFEB9C", "Thông tin": "DDEBF7"}
    order = [r.unit.code for r in consolidation.units]
    errors = [r["Đơn vị"].value.split(" – ")[0] for r in rows if r["Mức độ"].value == "Lỗi"]
    assert errors == sorted(errors, key=order.index)
    missing = next(r for r in rows if r["Mã lỗi"].value == "unit-not-submitted")
    assert missing["Đơn vị"].value == "18730 – Xã Cẩm Lộc"
    assert missing["Nội dung"].value == "Xã Cẩm Lộc chưa nộp biểu tự đánh giá tiêu chí."


def test_district_sheet_with_precondition_and_lagging_communes(book, consolidation):
    ws = book["Tiêu chí huyện"]
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert values[0] == ["TT", "Tiêu chí", "Kết quả", "Ghi chú"]
    precondition = values[1]
    assert precondition[1] == "Điều kiện: 100% số xã đạt chuẩn nông thôn mới"
    assert precondition[2] == "✗ Chưa đạt" and precondition[3].endswith("/21 xã đạt đủ tiêu chí")
    assert values[3][1:3] == ["Giao thông", "✗ Chưa đạt"]
    assert values[11][1:] == ["Số tiêu chí huyện đạt", "8/9", None]
    lagging = [row for row in values if row[0] in {"18730", "18745"}]
    assert [row[3] for row in lagging] == ["Chưa nộp báo cáo"] * 2


def test_without_district_workbook_or_issues(tmp_path):
    consolidation = build_consolidation(n_units=6, with_district=False, hostile=False)
    consolidation.issues = []
    book = openpyxl.load_workbook(write_master(consolidation, tmp_path / "m.xlsx"))
    ws = book["Tiêu chí huyện"]
    assert ws["A3"].value.startswith("Chưa có biểu tự đánh giá tiêu chí của huyện")
    assert ws["B5"].value == "Điều kiện: 100% số xã đạt chuẩn nông thôn mới"
    assert book["Lỗi dữ liệu"]["A4"].value == "Không có lỗi dữ liệu."
    assert not book["Lỗi dữ liệu"].tables


def test_empty_consolidation_still_opens(tmp_path):
    empty = Consolidation(as_of=AS_OF, catalog_set="xa_2016_2020", units=[], tasks=[], issues=[])
    book = openpyxl.load_workbook(write_master(empty, tmp_path / "m.xlsx"))
    assert len(book.sheetnames) == 7
    assert book["Tiến độ nhiệm vụ"]["A4"].value == "Chưa có nhiệm vụ nào được theo dõi."
    with zipfile.ZipFile(tmp_path / "m.xlsx") as archive:
        assert not [n for n in archive.namelist() if n.startswith("xl/charts/")]


def test_many_units_chart_the_distribution(tmp_path):
    consolidation = build_consolidation(n_units=60, criteria=19, hostile=False)
    path = write_master(consolidation, tmp_path / "m.xlsx")
    ws = openpyxl.load_workbook(path)["Tổng hợp"]
    cells = [c.value for row in ws.iter_rows(max_col=1) for c in row]
    start = cells.index("Số tiêu chí đạt") + 2
    tally = [ws.cell(start + k, 2).value for k in range(20)]
    submitted = [r for r in consolidation.units if r.submitted]
    assert sum(tally) == len(submitted)
    assert tally[19] == sum(1 for r in submitted if r.criteria_met == 19)
    with zipfile.ZipFile(path) as archive:
        assert '<c:barDir val="col"/>' in archive.read("xl/charts/chart1.xml").decode()


def test_huge_blocks_get_filters_instead_of_tables(tmp_path, consolidation, monkeypatch):
    monkeypatch.setattr(master_sheets, "TABLE_CELL_LIMIT", 300)
    book = openpyxl.load_workbook(write_master(consolidation, tmp_path / "m.xlsx"))
    detail = book["Chỉ tiêu chi tiết"]
    assert not detail.tables and detail.auto_filter.ref == "A3:L1003"
    assert list(book["Tình hình nộp báo cáo"].tables) == ["NopBaoCao"]  # 24 × 11 cells


def test_failed_write_keeps_the_previous_file(tmp_path, consolidation):
    target = tmp_path / "tong_hop.xlsx"
    write_master(consolidation, target)
    before = target.read_bytes()
    broken = build_consolidation(n_units=5, hostile=False)
    broken.tasks.append(TaskStatus(task=None, state=TaskState.OVERDUE))  # the writer raises
    with pytest.raises(AttributeError):
        write_master(broken, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == ["tong_hop.xlsx"]
    assert [p.name for p in tmp_path.iterdir() if ".ntm-" in p.name] == []


def test_directory_in_the_way_leaves_no_temporary_file(tmp_path, consolidation):
    target = tmp_path / "tong_hop.xlsx"
    (target / "inside").mkdir(parents=True)
    with pytest.raises(OSError):
        write_master(consolidation, target)
    assert target.is_dir() and (target / "inside").is_dir()
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == ["tong_hop.xlsx"]


@needs_libreoffice
def test_printed_master(tmp_path, consolidation):
    """The master as LibreOffice prints it: the legend on the first page, the detail sheet
    one page (its heading), the communes' header repeated on the district sheet, and no
    text broken by an escape sequence."""
    path = write_master(consolidation, tmp_path / "tong_hop.xlsx")
    pages = printed_pages(path, tmp_path / "pdf")
    footer = re.compile(r"^\s*(\S.*?)\s{2,}Trang \d+/\d+\s*$", re.MULTILINE)  # sheet, page
    sheets = [footer.search(page).group(1) for page in pages]
    assert set(sheets) == set(openpyxl.load_workbook(path).sheetnames)
    assert sheets.count(master_sheets.DETAIL) == 1 and len(pages) < 25
    assert sheets[:4] == [master_sheets.SUMMARY] * 4  # figures, units and criteria, two charts
    first = pages[0]
    assert "CHÚ GIẢI MÀU" in first and "II. TIÊU CHÍ HUYỆN" in first
    assert "9/9" in first or "8/9" in first  # the district's count, on the first page
    assert ESCAPE_LIKE in next(
        p for p, s in zip(pages, sheets, strict=True) if s == master_sheets.SUBMISSIONS
    )
    district = [p for p, s in zip(pages, sheets, strict=True) if s == master_sheets.DISTRICT]
    assert len(district) >= 2
    for page in district[1:]:
        assert page.strip().startswith("Mã ĐV"), page[:200]


def test_a_text_longer_than_a_cell_holds_is_cut_with_a_visible_note(tmp_path, consolidation):
    """Excel holds 32,767 characters in a cell (XlsxWriter drops the rest without a word): the
    master says where it cut and how much."""
    long_text = "Nâng cấp, mở rộng tuyến đường liên thôn " * 2_000  # 80,000 characters
    first = consolidation.tasks[0]
    tasks = [dataclasses.replace(first, task=dataclasses.replace(first.task, text=long_text))]
    path = write_master(dataclasses.replace(consolidation, tasks=tasks), tmp_path / "tong_hop.xlsx")
    [row] = list(_rows(openpyxl.load_workbook(path)["Tiến độ nhiệm vụ"], 3))
    written = row["Nhiệm vụ"].value
    assert len(written) <= EXCEL_CELL_LIMIT
    kept = written.index("… [đã cắt bớt ")
    assert written[:kept] == long_text[:kept]
    left_out = f"{len(long_text) - kept:,}".replace(",", ".")
    assert written.endswith(
        f"[đã cắt bớt {left_out} ký tự: một ô Excel chứa tối đa 32.767 ký tự; "
        "xem đầy đủ trong biểu gốc]"
    )


def test_csv_files_of_long_blocks_go_with_their_master(tmp_path, consolidation):
    """The CSV files a long block spills to belong to the master that names them: written in
    the same swap, and removed when a later master keeps its blocks in its sheets."""
    target = tmp_path / "tong_hop.xlsx"
    write_master(consolidation, target, row_limit=100)
    spilled = sorted(p.name for p in tmp_path.glob("tong_hop_*.csv"))
    assert spilled == ["tong_hop_chi_tiet_chi_tieu.csv"]  # 1.000 indicator rows
    write_master(consolidation, target)
    assert not list(tmp_path.glob("tong_hop_*.csv"))
    assert [p.name for p in tmp_path.iterdir() if ".ntm-" in p.name] == []


# ------------------------------------------------------------------ the faster cell writing


@pytest.mark.parametrize("units", [12, 60])
def test_master_worksheet_writes_the_bytes_xlsxwriter_writes(tmp_path, monkeypatch, units):
    """`MasterWorksheet` writes its cells itself, the rows of a block as they come: every part
    of the workbook (sheets, shared strings, styles, tables, the charts' cached values) comes
    out byte for byte as XlsxWriter's own worksheet writes it, dates, numbers, blanks, marks
    and hostile texts included. 12 units: the chart of each unit reads the matrix's rows; 60:
    the summary's. (The second master made in a process is also like the first: XlsxWriter
    adds to the options it is given.)"""
    consolidation = build_consolidation(n_units=units, tasks_per_unit=3)
    consolidation.created = datetime(2021, 3, 22, 7, 30)
    fast, plain = fast_and_plain(consolidation, tmp_path, monkeypatch)
    assert fast.keys() == plain.keys()
    assert "xl/worksheets/sheet3.xml" in fast and "xl/charts/chart1.xml" in fast
    for name, data in plain.items():
        assert fast[name] == data, name
    chart = fast["xl/charts/chart1.xml"].decode()
    assert ("Ma trận tiêu chí" in chart) == (units == 12)
    assert "<c:numCache>" in chart and "<c:v>" in chart  # the cached values are there


def test_a_row_of_a_block_written_to_again_is_refused(tmp_path):
    """A block's rows are kept as XML: a cell written into one afterwards would be lost, so
    closing the workbook says so instead."""
    book = master.MasterWorkbook(str(tmp_path / "x.xlsx"))
    sheet = master_sheets.Sheet(book, FormatCache(book), "Trang", GREEN, "Tiêu đề", "")
    end = sheet.block(2, [master_sheets.Column("Tên"), master_sheets.Column("Số", "int")],
                      [("a", 1), ("b", 2)])  # fmt: skip
    assert end == 5
    sheet.ws.write_string(4, 1, "muộn")
    with pytest.raises(RuntimeError, match="row 5"):
        book.close()


def test_master_leaves_the_cycle_collector_running(tmp_path, monkeypatch):
    import gc

    write_master(build_consolidation(), tmp_path / "tong_hop.xlsx")
    assert gc.isenabled()

    def broken(*args):
        raise RuntimeError("a sheet that fails")

    monkeypatch.setattr(master_sheets, "write_all", broken)
    with pytest.raises(RuntimeError):
        write_master(build_consolidation(), tmp_path / "other.xlsx")
    assert gc.isenabled()
    assert not (tmp_path / "other.xlsx").exists()


def test_criteria_counts_on_the_summary_are_the_units_per_status(book, consolidation):
    """Section V of «Tổng hợp»: per criterion, the expected units meeting it, missing it,
    unclear (a criterion a unit did not report is unclear) and not submitted, recounted
    here from the consolidation."""
    ws = book["Tổng hợp"]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Tiêu chí")
    assert [ws.cell(head, c).value for c in range(2, 6)] == [
        "Đạt",
        "Chưa đạt",
        "Chưa rõ",
        "Chưa nộp",
    ]
    expected = [r for r in consolidation.units if r.unit.expected]
    rows = 0
    for row in range(head + 1, ws.max_row + 1):
        label = ws.cell(row, 1).value
        if not label or not label[0].isdigit():
            break
        number = int(label.split(".")[0])
        counted = {status: 0 for status in Status}
        for report in expected:
            if report.submitted:
                found = {c.criterion_no: c.status for c in report.criteria}
                counted[found.get(number, Status.UNKNOWN)] += 1
        missing = sum(not r.submitted for r in expected)
        want = [counted[Status.MET], counted[Status.NOT_MET], counted[Status.UNKNOWN], missing]
        assert [ws.cell(row, c).value or 0 for c in range(2, 6)] == want, label
        rows += 1
    assert rows == 20


def test_the_parts_deflated_beside_make_the_package_xlsxwriter_makes(tmp_path, monkeypatch):
    """The master's parts are deflated by threads as they are written (`MasterPackager`),
    and the package holds the same bytes as XlsxWriter's own packaging gives, every member's
    header, time and deflate stream included."""
    consolidation = build_consolidation(n_units=60, tasks_per_unit=3)
    consolidation.created = datetime(2021, 3, 22, 7, 30)
    deflated: list[str] = []
    original = master._deflated

    def counted(part: str) -> bytes:
        deflated.append(part)
        return original(part)

    monkeypatch.setattr(master, "_deflated", counted)
    monkeypatch.setattr(master, "PIECE", 5000)  # parts read in other pieces than zipfile's
    ours = write_master(consolidation, tmp_path / "ours.xlsx").read_bytes()
    with monkeypatch.context() as patched:
        patched.setattr(
            master.MasterWorkbook, "_store_workbook", xlsxwriter.Workbook._store_workbook
        )
        theirs = write_master(consolidation, tmp_path / "theirs.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "ours.xlsx") as package:
        members = package.infolist()
    assert len(deflated) == len(members) > 20
    assert max(m.file_size for m in members) > 64 * 1024  # many pieces either way
    assert ours == theirs
    assert not any(Path(part).exists() for part in deflated)  # the parts' files removed
