"""Task states across dates, unknown owners, the printed table and the `tasks` command."""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from datetime import date

import openpyxl
import pytest
from support.samples import SampleSpec, expected_tasks, write_sample

from ntm_excel.check.tasks import (
    duty_tasks,
    owner_issues,
    print_tasks,
    task_status,
    task_statuses,
)
from ntm_excel.cli import main
from ntm_excel.config import BUNDLED
from ntm_excel.model import Task, TaskState
from ntm_excel.reference.contacts import load_contacts
from ntm_excel.reference.plan import TASKS_SHEET, load_plan

PLAN = BUNDLED / "ke_hoach_2021.xlsx"
CONTACTS = BUNDLED / "danh_ba.xlsx"


@pytest.fixture(scope="module")
def plan():
    return load_plan(PLAN)


@pytest.fixture(scope="module")
def camera(plan):
    return next(t for t in plan.tasks if t.task_id == "2.3.f-1")


def test_camera_task_across_dates(camera):
    assert camera.due == date(2021, 4, 30)
    early = task_status(camera, date(2021, 4, 20), window=10)
    assert (early.state, early.days_left) == (TaskState.DUE_SOON, 10)
    assert task_status(camera, date(2021, 4, 20), window=7).state is TaskState.ON_TRACK
    today = task_status(camera, date(2021, 4, 30))
    assert (today.state, today.days_left, today.days_late) == (TaskState.DUE_SOON, 0, 0)
    late = task_status(camera, date(2021, 5, 1))
    assert (late.state, late.days_late) == (TaskState.OVERDUE, 1)
    done = replace(camera, done=True)
    for day in (date(2021, 4, 1), date(2021, 5, 1), date(2022, 1, 1)):
        assert task_status(done, day).state is TaskState.DONE


def test_task_without_due_date(plan):
    task = plan.tasks[0]
    assert task.due is None
    assert task_status(task, date(2030, 1, 1)).state is TaskState.NO_DUE_DATE


def test_statuses_sorted_by_severity_then_due(plan):
    statuses = task_statuses(plan.tasks, date(2021, 3, 28), window=7)
    states = [s.state for s in statuses]
    order = [TaskState.OVERDUE, TaskState.DUE_SOON, TaskState.ON_TRACK, TaskState.NO_DUE_DATE]
    assert states == sorted(states, key=order.index)
    overdue = [s for s in statuses if s.state is TaskState.OVERDUE]
    assert [s.task.due for s in overdue] == [
        date(2021, 1, 31),
        date(2021, 2, 10),
        date(2021, 2, 28),
    ]
    assert overdue[0].days_late == 56
    assert len(statuses) == len(plan.tasks)


def test_owner_issues_match_titles_and_spellings_and_report_unknowns():
    contacts = load_contacts(CONTACTS)
    base = Task("plan", "", 2, "Nhiệm vụ", "tháng 4/2021", date(2021, 4, 30), ())
    tasks = [
        replace(
            base, owners=("pham hoang anh", "Đ/c Trần Ngọc Quang - Trưởng phòng KTHT"), cell="H2"
        ),
        replace(
            base,
            owners=("Nguyễn Văn Vắng",),
            directors=("LÊ NGỌC HÀ",),
            file="a.xlsx",
            sheet="Nhiệm vụ",
            cell="H3",
        ),
        replace(base, owners=("Đ/c Nguyen Van Vang - Chủ tịch",), cell="H4"),
    ]
    (issue,) = owner_issues(tasks, contacts)
    assert issue.code == "owner-unknown"
    assert "Nguyễn Văn Vắng" in issue.message
    assert issue.location == "a.xlsx › Nhiệm vụ › H3"


def test_print_tasks_with_units():
    task = Task(
        "unit",
        "18694",
        2,
        "Bê tông hóa đường thôn 3",
        "quý II/2021",
        date(2021, 6, 30),
        ("Trần Văn Lượng",),
        milestone="hoàn thành",
    )
    stream = io.StringIO()
    print_tasks(
        [task_status(task, date(2021, 7, 12))],
        stream,
        criteria_names={2: "Giao thông (huyện)"},
        unit_criteria_names={2: "Giao thông"},
        unit_names={"18694": "Xã Cẩm Thành"},
    )
    lines = stream.getvalue().splitlines()
    assert lines[0].split()[:5] == ["Mã", "Hạn", "Tình", "trạng", "Đơn"]
    row = lines[2]
    for text in (
        "30/06/2021",
        "Quá hạn 12 ngày",
        "Xã Cẩm Thành",
        "2. Giao thông",
        "Hoàn thành: Bê tông hóa",
        "Trần Văn Lượng",
    ):
        assert text in row
    assert "Tổng cộng 1 nhiệm vụ: 1 quá hạn." in stream.getvalue()


def run(capsys, *argv):
    code = main(["tasks", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def table(out: str) -> list[str]:
    """The task table of the command's output: its heading line, then its rows."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Mã "))
    end = next(i for i, line in enumerate(lines) if line.startswith("Tổng cộng"))
    return [lines[start], *lines[start + 2 : end - 1]]


def test_cli_lists_plan_tasks_aligned(capsys, plan):
    code, out, _ = run(capsys, "--as-of", "2021-04-20", "--window", "10")
    assert code == 0
    lines = table(out)
    camera = next(line for line in lines if "camera" in line)
    assert "30/04/2021" in camera and "Còn 10 ngày" in camera and "Phan Ngọc Tố" in camera
    columns = lines[0].index("Tình trạng")
    assert camera[columns:].startswith("Còn 10 ngày")
    listed = len(plan.tasks) + len(duty_tasks(plan.duties, date(2021, 4, 20)))
    assert len(lines) - 1 == listed and f"Tổng cộng {listed} nhiệm vụ" in out


def test_cli_filters_by_state_and_owner(capsys):
    _, out, _ = run(
        capsys, "--as-of", "2021-05-01", "--state", "overdue", "--owner", "phan ngoc to"
    )
    rows = table(out)[1:]
    (camera,) = [row for row in rows if "camera" in row]
    assert "Quá hạn 1 ngày" in camera
    # he heads a department: "trưởng các phòng, ngành liên quan" carry out the dossier (2.4)
    assert sorted(row.split()[0] for row in rows) == ["2.3.f-1", "2.4-1", "2.4-2", "2.4-3", "2.4-4"]
    _, out, _ = run(capsys, "--as-of", "2021-02-01", "--owner", "Đ/c Phạm Hoàng Anh – Phó Chủ tịch")
    assert "Tổng cộng 5 nhiệm vụ" in out  # directs planning and transport (two milestones)
    _, out, _ = run(capsys, "--as-of", "2021-02-01", "--owner", "Không Có Ai")
    assert "Không có nhiệm vụ nào phù hợp." in out


@pytest.mark.parametrize("typed", ["overdue", "quá hạn", "Qua han", "QUÁ HẠN", " quá  hạn "])
def test_cli_state_in_vietnamese_words_or_code(capsys, typed):
    """`--state` takes the words the tool prints (with or without diacritics) or the code."""
    _, out, _ = run(capsys, "--as-of", "2021-05-01", "--state", typed, "--owner", "phan ngoc to")
    rows = table(out)[1:]
    assert rows and all("Quá hạn" in row for row in rows)


def test_cli_state_help_lists_the_vietnamese_words(capsys):
    with pytest.raises(SystemExit):
        main(["tasks", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    listed = ["«quá hạn» (overdue)", "«sắp đến hạn» (due_soon)", "«đang thực hiện»"]
    listed += ["«đã hoàn thành» (done)", "«chưa có hạn» (no_due_date)", "không dấu"]
    for words in listed:
        assert words in help_text
    with pytest.raises(SystemExit):
        main(["tasks", "--state", "trễ hạn"])
    assert "không hiểu tình trạng «trễ hạn»; ghi một trong: «quá hạn»" in capsys.readouterr().err


def test_cli_reports_plan_problems(tmp_path, capsys):
    path = tmp_path / "ke_hoach.xlsx"
    shutil.copy(PLAN, path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[TASKS_SHEET]
    heading = [c.value for c in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "2.3.f-1")

    def cell(name: str):
        return sheet.cell(row, heading.index(name) + 1)

    cell("Hạn hoàn thành").value = None
    cell("Thời hạn").value = "kịp thời"
    cell("Người thực hiện").value = "Đ/c Trương Vô Danh - Trưởng phòng"
    phrase = cell("Thời hạn").coordinate
    workbook.save(path)
    code, out, err = run(
        capsys, "--as-of", "2021-04-01", "--plan", str(path), "--state", "no_due_date"
    )
    assert code == 0
    assert "camera" in out
    assert "«kịp thời»" in err and f"ke_hoach.xlsx › Nhiệm vụ › {phrase}" in err
    assert "«Trương Vô Danh» chưa có trong danh bạ" in err


def test_cli_rejects_bad_options(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["tasks", "--state", "late"])
    with pytest.raises(SystemExit):
        main(["tasks", "--window", "-3"])
    code, _, err = run(capsys, "--plan", str(tmp_path / "khong_co.xlsx"))
    assert code == 2 and "không đọc được" in err


def test_cli_refuses_a_folder_that_is_not_there(capsys, tmp_path):
    """A typo in the folder used to print «0/21 xã đạt đủ tiêu chí» and exit 0."""
    code, out, err = run(capsys, str(tmp_path / "mau_nopp"), "--as-of", "2021-03-25")
    assert code == 2 and out == ""
    assert f"Lỗi: không tìm thấy tệp hoặc thư mục «{tmp_path / 'mau_nopp'}»." in err


def test_cli_joins_the_communes_roadmap_tasks(capsys, tmp_path):
    spec = SampleSpec()  # Xã Cẩm Thành, with a roadmap sheet
    write_sample(tmp_path / "cam_thanh.xlsx", spec)
    roadmap = [t for t in expected_tasks(spec) if t.readable and t.due and not t.done]
    code, out, _ = run(capsys, str(tmp_path), "--as-of", "2021-03-01", "--state", "on_track")
    assert code == 0
    commune_rows = [line for line in out.splitlines() if "Xã Cẩm Thành" in line]
    assert len(commune_rows) == len(roadmap) > 0
    first = min(roadmap, key=lambda t: t.due)
    assert any(first.due.strftime("%d/%m/%Y") in line for line in commune_rows)
    assert "Huyện" in out  # the plan's own tasks are still listed beside them


def test_owner_filter_tolerates_a_title_before_the_name(capsys):
    _, out, _ = run(capsys, "--as-of", "2021-03-25", "--owner", "Trưởng phòng Trần Ngọc Quang")
    _, alone, _ = run(capsys, "--as-of", "2021-03-25", "--owner", "Trần Ngọc Quang")
    assert out == alone and "Tổng cộng 13 nhiệm vụ" in out  # his tasks and his office's
    _, out, _ = run(capsys, "--as-of", "2021-03-25", "--owner", "Nguyễn Văn Quang")
    assert "Không có nhiệm vụ nào phù hợp." in out  # another Quang
