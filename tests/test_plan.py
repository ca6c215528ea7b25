"""The district plan workbook: every task of the seed with its due date, targets, edits."""

from __future__ import annotations

import importlib.util
import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from ntm_excel.check.tasks import owner_issues
from ntm_excel.config import BUNDLED
from ntm_excel.reference.contacts import load_contacts
from ntm_excel.reference.plan import TASKS_SHEET, PlanError, load_plan

PLAN = BUNDLED / "ke_hoach_2021.xlsx"

# Every task of the seed plan, with its milestone and due date (None: no deadline given).
EXPECTED = [
    ("2.1-1", "", None),
    ("2.1-2", "", date(2021, 3, 31)),
    ("2.1-3", "", None),
    ("2.2-1", "", None),
    ("2.3.a-1", "", date(2021, 1, 31)),  # regional plan approved in January
    ("2.3.a-2", "", date(2021, 3, 31)),  # "các nội dung còn lại … quý I/2021"
    ("2.3.b-1", "", date(2021, 2, 10)),  # ĐH 124, Cẩm Dương – Cẩm Thịnh, ĐH 133
    ("2.3.b-2", "khởi công", date(2021, 2, 28)),
    ("2.3.b-2", "hoàn thành", date(2021, 6, 30)),
    ("2.3.c-1", "", date(2021, 6, 30)),  # culture, education, health works
    ("2.3.d-1", "", date(2021, 3, 31)),  # production support policies
    ("2.3.d-2", "", date(2021, 3, 31)),  # spring crop, value chains
    ("2.3.e-1", "", date(2021, 3, 31)),
    ("2.3.e-2", "", date(2021, 3, 31)),
    ("2.3.e-3", "", date(2021, 3, 31)),
    ("2.3.f-1", "", date(2021, 4, 30)),  # security cameras
    ("2.4-1", "", date(2021, 3, 31)),
    ("2.4-2", "", date(2021, 3, 31)),
    ("2.4-3", "", date(2021, 4, 10)),
    ("2.4-4", "", date(2021, 4, 30)),  # satisfaction survey
]


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


def test_every_task_of_the_seed_with_its_due_date(plan):
    assert [(t.task_id, t.milestone, t.due) for t in plan.tasks] == EXPECTED
    assert plan.issues == ()
    assert all(t.source == "plan" and t.unit_code == "" and not t.done for t in plan.tasks)


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
    assert str(choices.sqref).startswith("K2")


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
    (issue,) = plan.issues
    assert issue.code == "deadline-invalid"
    assert (issue.file, issue.sheet, issue.cell) == ("ke_hoach_sua.xlsx", TASKS_SHEET, f"F{row}")
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
    assert [(t.task_id, t.milestone, t.due) for t in plan.tasks] == EXPECTED
    assert plan.issues == ()


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
    (issue,) = load_plan(path).issues
    assert issue.cell == f"H{row}"


def test_plan_without_tasks_sheet(tmp_path):
    path = tmp_path / "trong.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(PlanError, match="Nhiệm vụ"):
        load_plan(path)
