"""The district plan workbook: every task of the seed with its due date, targets, edits."""

from __future__ import annotations

import importlib.util
import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from ntm_excel.check.tasks import owner_issues
from ntm_excel.config import BUNDLED
from ntm_excel.reference.contacts import load_contacts
from ntm_excel.reference.plan import TASK_COLUMNS, TASKS_SHEET, PlanError, load_plan

PLAN = BUNDLED / "ke_hoach_2021.xlsx"

COMMUNES = "Ban chỉ đạo NTM các xã"
TOWNS = "Ban Chỉ đạo NTM, UBND các thị trấn"
OFFICE = "Văn phòng điều phối NTM huyện"
RELATED = "Các phòng, ngành liên quan"
HEADS = "Trưởng các phòng, ngành liên quan"
DEPARTMENTS = "Các phòng, ngành phụ trách tiêu chí"
MTTQ = "Ủy ban MTTQ huyện"
ANH, QUANG, PHONG = "Phạm Hoàng Anh", "Trần Ngọc Quang", "Nguyễn Thanh Phong"
THANG, HA, THANH, TO = "Phạm Văn Thắng", "Lê Ngọc Hà", "Biện Văn Thanh", "Phan Ngọc Tố"
Q1 = date(2021, 3, 31)


def assignment(section, owners, *, due=(None,), lead=(), partners=(), directors=(), duty=None):
    return {
        "section": section,
        "owners": tuple(owners),
        "due": list(due),
        "lead": tuple(lead),
        "partners": tuple(partners),
        "directors": tuple(directors),
        "duty": duty,  # (Mốc, recurrence as written) of the assignment's recurring duty
    }


# Every assignment of the plan Số 07-KH/BCĐ, read off the plan by hand: sections 2.1–2.4 (19)
# and III (18); due dates (None: the plan gives none; two for a two-step deadline).
ASSIGNMENTS = {
    "2.1-1": assignment("2.1", [COMMUNES]),
    "2.1-2": assignment("2.1", [COMMUNES], due=[Q1]),  # "trong quý I/2021"
    "2.1-3": assignment("2.1", [COMMUNES]),
    "2.2-1": assignment("2.2", [COMMUNES], duty=("giao ban hàng tuần", "hàng tuần")),
    "2.3.a-1": assignment("2.3", [QUANG], due=[date(2021, 1, 31)], directors=[ANH]),
    "2.3.a-2": assignment("2.3", [QUANG], due=[Q1], directors=[ANH]),
    "2.3.b-1": assignment("2.3", [PHONG, QUANG], due=[date(2021, 2, 10)], directors=[ANH]),
    "2.3.b-2": assignment(
        "2.3", [PHONG, QUANG], due=[date(2021, 2, 28), date(2021, 6, 30)], directors=[ANH]
    ),
    "2.3.c-1": assignment(
        "2.3",
        [PHONG, "Phạm Danh Cường", "Trần Huy Nghĩa", "Nguyễn Thị Xuân Hoàng"],
        due=[date(2021, 6, 30)],
        directors=[THANG],
    ),
    "2.3.d-1": assignment("2.3", ["Lê Văn Danh"], due=[Q1], directors=[HA]),
    "2.3.d-2": assignment("2.3", ["Lê Văn Danh"], due=[Q1], directors=[HA]),
    "2.3.e-1": assignment("2.3", [THANH, PHONG], due=[Q1], directors=[HA]),
    "2.3.e-2": assignment("2.3", [THANH, PHONG], due=[Q1], directors=[HA]),
    "2.3.e-3": assignment("2.3", [THANH, PHONG], due=[Q1], directors=[HA]),
    "2.3.f-1": assignment("2.3", [TO], due=[date(2021, 4, 30)], directors=[THANG, TO]),
    "2.4-1": assignment(
        "2.4", [HEADS], due=[Q1], lead=[OFFICE], partners=[RELATED], directors=[HA]
    ),
    "2.4-2": assignment(
        "2.4", [HEADS], due=[Q1], lead=[OFFICE], partners=[RELATED], directors=[HA]
    ),
    "2.4-3": assignment(
        "2.4", [HEADS], due=[date(2021, 4, 10)], lead=[OFFICE], partners=[RELATED], directors=[HA]
    ),
    "2.4-4": assignment("2.4", [HEADS], due=[date(2021, 4, 30)], lead=[MTTQ], directors=[HA]),
    "III.1-1": assignment("III.1", [TOWNS]),
    "III.1-2": assignment("III.1", [TOWNS]),
    "III.1-3": assignment("III.1", [TOWNS]),  # hàng rào xanh
    "III.1-4": assignment("III.1", [TOWNS]),  # ngân sách xã
    "III.2-1": assignment("III.2", [DEPARTMENTS]),
    "III.2-2": assignment("III.2", [DEPARTMENTS]),  # khâu nối với các Sở, ngành
    "III.2-3": assignment(
        "III.2",
        ["Phòng Tài chính – Kế hoạch"],
        lead=["Phòng Tài chính – Kế hoạch"],
        partners=[RELATED],
    ),  # fmt: skip
    "III.2-4": assignment("III.2", ["Ban Quản lý dự án huyện", "Các chủ đầu tư"]),
    "III.2-5": assignment("III.2", [OFFICE], lead=[OFFICE], partners=[RELATED]),
    "III.3-1": assignment(
        "III.3",
        ["Ủy viên Ban Thường vụ Huyện ủy phụ trách cụm"],
        duty=("soát xét hàng tháng", "hàng tháng"),
    ),
    "III.3-2": assignment(
        "III.3", ["Ủy viên BCH Đảng bộ huyện, cán bộ được phân công chỉ đạo cơ sở"]
    ),
    "III.4-1": assignment(
        "III.4",
        [
            MTTQ,
            "Hội LHPN huyện",
            "Hội Nông dân huyện",
            "Huyện đoàn",
            "Hội CCB huyện",
            "Liên đoàn Lao động huyện",
        ],
    ),  # fmt: skip
    "III.4-2": assignment(
        "III.4", [MTTQ], lead=[MTTQ], partners=["Các đoàn thể chính trị – xã hội huyện"]
    ),
    "III.4-3": assignment("III.4", ["Hội LHPN huyện"]),
    "III.4-4": assignment("III.4", ["Hội Nông dân huyện"]),
    # "định kỳ ra quân thu gom rác thải": the plan gives no interval (the office writes one)
    "III.4-5": assignment("III.4", ["Huyện đoàn"], due=[None, None]),
    "III.4-6": assignment("III.4", ["Hội CCB huyện"]),
    "III.4-7": assignment("III.4", ["Liên đoàn Lao động huyện"]),
}


def load_script():
    path = Path(__file__).resolve().parent.parent / "scripts" / "build_plan_workbooks.py"
    spec = importlib.util.spec_from_file_location("build_plan_workbooks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def edited_copy(tmp_path: Path, task_id: str, **cells: object) -> tuple[Path, int]:
    """A copy of the bundled plan with some cells of one task's row changed; returns the row."""
    path = tmp_path / "ke_hoach_sua.xlsx"
    shutil.copy(PLAN, path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[TASKS_SHEET]
    heading = [c.value for c in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == task_id)
    for name, value in cells.items():
        sheet.cell(row, heading.index(name) + 1).value = value
    workbook.save(path)
    return path, row


@pytest.fixture(scope="module")
def plan():
    return load_plan(PLAN)


def test_every_assignment_of_the_plan_with_its_section_owners_and_dates(plan):
    assert len(ASSIGNMENTS) == 37
    rows: dict[str, list] = {}
    for task in plan.tasks:
        rows.setdefault(task.task_id, []).append(task)
    duties = {d.task.task_id: d for d in plan.duties}
    found = set(rows) | set(duties)
    assert sorted(set(ASSIGNMENTS) - found) == [], "assignments missing from the plan workbook"
    assert sorted(found - set(ASSIGNMENTS)) == []
    for code, expected in ASSIGNMENTS.items():
        tasks = rows.get(code, [])
        first = tasks[0] if tasks else duties[code].task
        assert first.section.startswith(expected["section"] + ". "), code
        assert first.owners == expected["owners"], code
        assert first.lead == expected["lead"], code
        assert first.partners == expected["partners"], code
        assert first.directors == expected["directors"], code
        assert [t.due for t in tasks] == expected["due"], code
        duty = duties.get(code)
        if expected["duty"] is None:
            assert duty is None, code
        else:
            label, recurrence = expected["duty"]
            assert (duty.task.milestone, duty.task.recurrence) == (label, recurrence), code
            assert duty.starts == date(2021, 1, 22) and duty.ends == date(2021, 12, 31)
            assert duty.task.owners == expected["owners"]
    assert all(t.source == "plan" and t.unit_code == "" and not t.done for t in plan.tasks)


def test_the_plans_notes_communes_and_standing_duties(plan):
    by_id = {(t.task_id, t.milestone): t for t in plan.tasks}
    assert by_id[("2.1-1", "")].communes == "Tất cả"
    assert by_id[("2.2-1", "")].communes == "Nâng cao; Kiểu mẫu"
    assert by_id[("2.2-1", "")].note.startswith("Kế hoạch không ghi thời hạn")
    assert "MTTQ" in by_id[("2.4-4", "")].note
    assert by_id[("III.1-3", "")].text.count("hàng rào xanh") == 1
    assert by_id[("III.4-3", "")].criterion == "Môi trường"
    # "định kỳ" without an interval: a standing duty until the office writes one
    rubbish = by_id[("III.4-5", "ra quân thu gom rác thải")]
    assert (rubbish.recurrence, rubbish.due) == ("định kỳ (chưa ghi chu kỳ)", None)
    assert "văn phòng ghi chu kỳ" in rubbish.note
    assert plan.issues == ()


def test_an_unreadable_recurrence_is_reported_with_its_cell(tmp_path):
    path, row = edited_copy(tmp_path, "2.1-3", **{"Lặp lại": "thỉnh thoảng"})
    (issue,) = load_plan(path).issues
    assert issue.code == "recurrence-invalid" and "«thỉnh thoảng»" in issue.message
    assert issue.cell == f"{column_of('Lặp lại')}{row}"


def test_plan_information_and_criteria(plan):
    assert plan.number == "07-KH/BCĐ"
    assert plan.issued == date(2021, 1, 22)
    assert plan.year == 2021
    assert plan.criteria_names[2] == "Giao thông"
    transport = [t for t in plan.tasks if t.task_id == "2.3.b-2"]
    assert {t.criterion_no for t in transport} == {2}
    assert transport[0].deadline_text.startswith("khởi công trong tháng 2/2021")
    assert transport[0].section == "2.3. Thực hiện các tiêu chí huyện nông thôn mới"


def test_directors_and_owners(plan):
    by_id = {t.task_id: t for t in plan.tasks}
    assert by_id["2.3.a-1"].directors == ("Phạm Hoàng Anh",)
    assert by_id["2.3.a-1"].owners == ("Trần Ngọc Quang",)
    assert by_id["2.3.c-1"].owners == (
        "Nguyễn Thanh Phong",
        "Phạm Danh Cường",
        "Trần Huy Nghĩa",
        "Nguyễn Thị Xuân Hoàng",
    )
    assert by_id["2.3.e-1"].directors == ("Lê Ngọc Hà",)
    assert by_id["2.3.e-1"].owners == ("Biện Văn Thanh", "Nguyễn Thanh Phong")
    assert "Phan Ngọc Tố" in by_id["2.3.f-1"].directors
    # everyone the plan names is in the bundled contact book
    assert owner_issues(plan.tasks, load_contacts(BUNDLED / "danh_ba.xlsx")) == []


def test_targets(plan):
    levels = {}
    for target in plan.targets:
        levels.setdefault(target.level, []).append(target)
    assert [t.due for t in levels["huyện đạt chuẩn"]] == [date(2021, 3, 31)]
    assert [t.due for t in levels["đạt chuẩn"]] == [date(2021, 3, 31)]
    assert [t.unit_name for t in levels["nâng cao"]] == [
        "Xã Cẩm Thành",
        "Xã Cẩm Lạc",
        "Xã Cẩm Quan",
        "Xã Cẩm Duệ",
        "Xã Cẩm Minh",
    ]
    model = {t.unit_text: (t.unit_code, t.unit_name) for t in levels["kiểu mẫu"]}
    assert model == {"Cẩm Bình": ("18685", "Xã Cẩm Bình"), "Cẩm Vịnh": ("18691", "Xã Cẩm Vĩnh")}


def column_of(heading: str) -> str:
    """The column letter of a heading of the bundled plan's «Nhiệm vụ» sheet."""
    return get_column_letter(list(TASK_COLUMNS).index(heading) + 1)


def test_due_dates_are_real_excel_dates():
    workbook = openpyxl.load_workbook(PLAN)
    sheet = workbook[TASKS_SHEET]
    heading = [c.value for c in sheet[1]]
    due = heading.index("Hạn hoàn thành") + 1
    cells = [sheet.cell(r, due) for r in range(2, sheet.max_row + 1)]
    dated = [c for c in cells if c.value is not None]
    assert len(dated) == 17
    assert all(isinstance(c.value, datetime) and c.number_format == "dd/mm/yyyy" for c in dated)
    assert {"Chỉ tiêu", "Thông tin"} <= set(workbook.sheetnames)
    (choices,) = sheet.data_validations.dataValidation
    assert choices.formula1 == '"Chưa thực hiện,Đang thực hiện,Đã hoàn thành"'
    assert str(choices.sqref).startswith(column_of("Tình trạng") + "2")


def test_script_reproduces_the_bundled_plan(tmp_path, plan):
    load_script().main(["--out", str(tmp_path)])
    rebuilt = load_plan(tmp_path / "ke_hoach_2021.xlsx")
    assert rebuilt == plan
    assert load_contacts(tmp_path / "danh_ba.xlsx") == load_contacts(BUNDLED / "danh_ba.xlsx")


def test_unreadable_phrase_is_reported_with_its_cell(tmp_path):
    path, row = edited_copy(tmp_path, "2.3.f-1", **{"Hạn hoàn thành": None, "Thời hạn": "sớm"})
    plan = load_plan(path)
    camera = next(t for t in plan.tasks if t.task_id == "2.3.f-1")
    assert camera.due is None
    (issue,) = [i for i in plan.issues if i.code == "deadline-invalid"]
    where = (issue.file, issue.sheet, issue.cell)
    assert where == ("ke_hoach_sua.xlsx", TASKS_SHEET, f"{column_of('Thời hạn')}{row}")
    assert "sớm" in issue.message


def test_phrase_is_read_when_the_date_cell_is_empty(tmp_path):
    path, _ = edited_copy(
        tmp_path, "2.3.f-1", **{"Hạn hoàn thành": None, "Thời hạn": "Quý II năm 2021"}
    )
    camera = next(t for t in load_plan(path).tasks if t.task_id == "2.3.f-1")
    assert camera.due == date(2021, 6, 30)


def test_phrase_without_year_takes_the_plan_year(tmp_path):
    path, _ = edited_copy(tmp_path, "2.4-4", **{"Hạn hoàn thành": None, "Thời hạn": "tháng 5"})
    survey = next(t for t in load_plan(path).tasks if t.task_id == "2.4-4")
    assert survey.due == date(2021, 5, 31)


def test_edited_date_wins_over_the_phrase(tmp_path):
    path, _ = edited_copy(tmp_path, "2.3.f-1", **{"Hạn hoàn thành": datetime(2021, 5, 15)})
    camera = next(t for t in load_plan(path).tasks if t.task_id == "2.3.f-1")
    assert camera.due == date(2021, 5, 15)
    assert camera.deadline_text == "tháng 4/2021"


def test_two_step_phrase_without_date_uses_the_milestone(tmp_path):
    path = tmp_path / "ke_hoach_sua.xlsx"
    shutil.copy(PLAN, path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[TASKS_SHEET]
    heading = [c.value for c in sheet[1]]
    due = heading.index("Hạn hoàn thành") + 1
    for r in range(2, sheet.max_row + 1):
        sheet.cell(r, due).value = None
    workbook.save(path)
    plan = load_plan(path)
    original = load_plan(PLAN)
    assert [(t.task_id, t.milestone, t.due) for t in plan.tasks] == [
        (t.task_id, t.milestone, t.due) for t in original.tasks
    ]
    assert [i.code for i in plan.issues] == [i.code for i in original.issues]


def test_done_from_state_or_completion_date(tmp_path):
    path, _ = edited_copy(tmp_path, "2.3.a-1", **{"Tình trạng": "đã hoàn thành"})
    assert next(t for t in load_plan(path).tasks if t.task_id == "2.3.a-1").done
    path, _ = edited_copy(tmp_path, "2.3.b-1", **{"Ngày hoàn thành": datetime(2021, 2, 8)})
    task = next(t for t in load_plan(path).tasks if t.task_id == "2.3.b-1")
    assert task.done and task.completed == date(2021, 2, 8)
    assert task.status_text == "Chưa thực hiện"


def test_text_in_the_date_cell_is_read_or_reported(tmp_path):
    path, row = edited_copy(tmp_path, "2.4-3", **{"Hạn hoàn thành": "15/4/2021"})
    assert next(t for t in load_plan(path).tasks if t.task_id == "2.4-3").due == date(2021, 4, 15)
    path, row = edited_copy(tmp_path, "2.4-3", **{"Hạn hoàn thành": "31/04/2021"})
    (issue,) = [i for i in load_plan(path).issues if i.code == "deadline-invalid"]
    assert issue.cell == f"{column_of('Hạn hoàn thành')}{row}"


def test_plan_without_tasks_sheet(tmp_path):
    path = tmp_path / "trong.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(PlanError, match="Nhiệm vụ"):
        load_plan(path)
