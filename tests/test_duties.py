"""Recurring duties of the plan (weekly, monthly, "định kỳ"), their occurrences across weeks
as the office records them in «Đã thực hiện», and commune tasks reaching every commune."""

from __future__ import annotations

import dataclasses
import email
import shutil
from datetime import date, datetime
from email import policy
from pathlib import Path

import openpyxl
import pytest
from support.samples import SampleSpec, write_sample

from ntm_excel.check.tasks import duty_tasks, task_statuses
from ntm_excel.config import BUNDLED, load_config
from ntm_excel.errors import RecurrenceError
from ntm_excel.jobs.ledger import Ledger
from ntm_excel.jobs.scheduler import Runner
from ntm_excel.model import TaskState
from ntm_excel.recurrence import occurrence_of, occurrences, parse_recurrence
from ntm_excel.reference.contacts import load_contacts
from ntm_excel.reference.plan import DONE_SHEET, TASKS_SHEET, load_plan

PLAN = BUNDLED / "ke_hoach_2021.xlsx"
WEEKLY = ("2.2-1", "giao ban hàng tuần")
MONTHLY = ("III.3-1", "soát xét hàng tháng")
RUBBISH = ("III.4-5", "ra quân thu gom rác thải")


@pytest.mark.parametrize(
    ("text", "unit", "every", "calendar"),
    [
        ("hàng tuần", "week", 1, True),
        ("Hằng tháng", "month", 1, True),
        ("hàng quý", "month", 3, True),
        ("định kỳ hàng tháng", "month", 1, True),
        ("định kỳ 2 tuần", "week", 2, False),
        ("định kỳ 10 ngày", "day", 10, False),
        ("3 tháng một lần", "month", 3, False),
        ("mỗi 2 tuần", "week", 2, False),
    ],
)
def test_recurrence_phrases(text, unit, every, calendar):
    recurrence = parse_recurrence(text)
    assert (recurrence.unit, recurrence.every, recurrence.calendar) == (unit, every, calendar)


@pytest.mark.parametrize(
    ("text", "unset"), [("định kỳ", True), ("thỉnh thoảng", False), ("định kỳ 0 tuần", False)]
)
def test_recurrence_without_a_usable_interval_is_refused(text, unset):
    with pytest.raises(RecurrenceError) as raised:
        parse_recurrence(text)
    assert raised.value.unset is unset
    assert parse_recurrence("") is None and parse_recurrence(None) is None


def test_periods_are_calendar_weeks_months_quarters_or_counted_from_the_start():
    start = date(2021, 1, 22)  # a Friday: the plan's date
    weeks = occurrences(parse_recurrence("hàng tuần"), start, date(2021, 12, 31), date(2021, 2, 3))
    assert [(o.label, o.first, o.last) for o in weeks] == [
        ("tuần 3/2021", date(2021, 1, 18), date(2021, 1, 24)),
        ("tuần 4/2021", date(2021, 1, 25), date(2021, 1, 31)),
        ("tuần 5/2021", date(2021, 2, 1), date(2021, 2, 7)),
    ]
    quarters = occurrences(
        parse_recurrence("hàng quý"), start, date(2021, 12, 31), date(2022, 5, 1)
    )
    assert [(o.label, o.last) for o in quarters] == [
        ("quý I/2021", date(2021, 3, 31)),
        ("quý II/2021", date(2021, 6, 30)),
        ("quý III/2021", date(2021, 9, 30)),
        ("quý IV/2021", date(2021, 12, 31)),
    ]
    fortnights = parse_recurrence("định kỳ 2 tuần")
    found = occurrences(fortnights, date(2021, 3, 1), date(2021, 12, 31), date(2021, 3, 20))
    assert [(o.first, o.last) for o in found] == [
        (date(2021, 3, 1), date(2021, 3, 14)),
        (date(2021, 3, 15), date(2021, 3, 28)),
    ]
    assert occurrence_of(fortnights, date(2021, 3, 1), date(2021, 2, 28)) is None


def edited_plan(tmp_path: Path, log: list[tuple], rows: dict | None = None) -> Path:
    """A copy of the bundled plan with «Đã thực hiện» rows (code, Mốc, day) and some cells of
    duty rows changed (rows given as code → {heading: value}, for the row with that Mốc)."""
    path = tmp_path / "ke_hoach.xlsx"
    shutil.copy(PLAN, path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[TASKS_SHEET]
    heading = [c.value for c in sheet[1]]
    for (code, label), cells in (rows or {}).items():
        row = next(
            r
            for r in range(2, sheet.max_row + 1)
            if sheet.cell(r, 1).value == code
            and sheet.cell(r, heading.index("Mốc") + 1).value == label
        )
        for name, value in cells.items():
            sheet.cell(row, heading.index(name) + 1).value = value
    done = workbook[DONE_SHEET]
    assert [c.value for c in done[1]] == ["Mã", "Mốc", "Ngày thực hiện", "Ghi chú"]
    for entry in log:
        done.append(list(entry))
    workbook.save(path)
    return path


def listed(plan, key, as_of: date) -> list[tuple[str, TaskState]]:
    """(occurrence, state) of one duty as listed on `as_of`."""
    tasks = [t for t in duty_tasks(plan.duties, as_of) if (t.task_id, t.milestone) == key]
    return [(s.task.occurrence, s.state) for s in task_statuses(tasks, as_of, window=3)]


def test_weekly_duty_across_several_weeks(tmp_path):
    """Each week is one occurrence; the day written in «Đã thực hiện» marks its own week
    only; a week that passes without one is overdue and stays listed."""
    path = edited_plan(
        tmp_path,
        [
            ("2.2-1", "giao ban hàng tuần", datetime(2021, 3, 3), "giao ban tại xã"),
            ("2.2-1", "", datetime(2021, 3, 17), ""),  # the code alone: its only duty row
        ],
        {WEEKLY: {"Từ ngày": datetime(2021, 3, 1)}},
    )
    plan = load_plan(path)
    duty = next(d for d in plan.duties if (d.task.task_id, d.task.milestone) == WEEKLY)
    assert duty.done == (date(2021, 3, 3), date(2021, 3, 17))
    overdue, soon, done = TaskState.OVERDUE, TaskState.DUE_SOON, TaskState.DONE
    on_track = TaskState.ON_TRACK
    assert listed(plan, WEEKLY, date(2021, 2, 20)) == [("tuần 9/2021", on_track)]  # not begun
    assert listed(plan, WEEKLY, date(2021, 3, 3)) == [("tuần 9/2021", done)]
    assert listed(plan, WEEKLY, date(2021, 3, 10)) == [("tuần 10/2021", on_track)]
    assert listed(plan, WEEKLY, date(2021, 3, 12)) == [("tuần 10/2021", soon)]
    assert listed(plan, WEEKLY, date(2021, 3, 16)) == [
        ("tuần 10/2021", overdue),  # missed: the next week's meeting does not cover it
        ("tuần 11/2021", on_track),
    ]
    assert listed(plan, WEEKLY, date(2021, 3, 18)) == [
        ("tuần 10/2021", overdue),
        ("tuần 11/2021", done),
    ]
    late = listed(plan, WEEKLY, date(2021, 3, 29))
    assert late == [
        ("tuần 10/2021", overdue),
        ("tuần 12/2021", overdue),
        ("tuần 13/2021", on_track),
    ]
    [week_ten] = [
        s for s in task_statuses(duty_tasks(plan.duties, date(2021, 3, 29)), date(2021, 3, 29))
        if s.task.occurrence == "tuần 10/2021"
    ]  # fmt: skip
    assert (week_ten.task.due, week_ten.days_late) == (date(2021, 3, 14), 15)
    assert week_ten.task.deadline_text == "tuần 10/2021" and week_ten.task.recurrence == "hàng tuần"


def test_monthly_duty_across_several_months(tmp_path):
    path = edited_plan(tmp_path, [("III.3-1", "soát xét hàng tháng", datetime(2021, 2, 26))])
    plan = load_plan(path)
    overdue, done, on_track = TaskState.OVERDUE, TaskState.DONE, TaskState.ON_TRACK
    assert listed(plan, MONTHLY, date(2021, 1, 25)) == [("tháng 1/2021", on_track)]
    assert listed(plan, MONTHLY, date(2021, 2, 27)) == [
        ("tháng 1/2021", overdue),
        ("tháng 2/2021", done),
    ]
    assert listed(plan, MONTHLY, date(2021, 3, 5)) == [
        ("tháng 1/2021", overdue),
        ("tháng 3/2021", on_track),  # February's review does not count for March
    ]
    assert listed(plan, MONTHLY, date(2021, 4, 2)) == [
        ("tháng 1/2021", overdue),
        ("tháng 3/2021", overdue),
        ("tháng 4/2021", on_track),
    ]
    # The duty ends with the plan's year: nothing after December.
    months = [o for o, _ in listed(plan, MONTHLY, date(2022, 3, 1))]
    assert months[-1] == "tháng 12/2021" and len(months) == 11


def test_the_office_sets_the_interval_of_a_duty_the_plan_left_open(tmp_path):
    plan = load_plan(PLAN)
    assert plan.issues == ()
    assert not [d for d in plan.duties if (d.task.task_id, d.task.milestone) == RUBBISH]
    [standing] = [t for t in plan.tasks if (t.task_id, t.milestone) == RUBBISH]
    assert standing.recurrence == "định kỳ (chưa ghi chu kỳ)" and standing.due is None
    path = edited_plan(
        tmp_path,
        [("III.4-5", "ra quân thu gom rác thải", datetime(2021, 3, 6))],
        {RUBBISH: {"Lặp lại": "định kỳ 2 tuần", "Từ ngày": datetime(2021, 3, 1)}},
    )
    plan = load_plan(path)
    assert plan.issues == ()
    assert listed(plan, RUBBISH, date(2021, 3, 20)) == [
        ("lần 2 (15/03–28/03/2021)", TaskState.ON_TRACK)
    ]
    assert listed(plan, RUBBISH, date(2021, 3, 30)) == [
        ("lần 2 (15/03–28/03/2021)", TaskState.OVERDUE),
        ("lần 3 (29/03–11/04/2021)", TaskState.ON_TRACK),
    ]


def test_log_rows_that_cannot_be_used_are_reported_with_their_cell(tmp_path):
    path = edited_plan(
        tmp_path,
        [
            ("2.3.a-1", "", datetime(2021, 1, 20)),  # not a recurring duty
            ("2.2-1", "giao ban hàng tuần", "hôm qua"),
            ("III.3-1", "", datetime(2020, 12, 1)),  # before the plan
        ],
    )
    issues = [i for i in load_plan(path).issues if i.code == "done-log-invalid"]
    assert [(i.sheet, i.cell) for i in issues] == [(DONE_SHEET, f"C{n}") for n in (2, 3, 4)]
    assert "không có việc lặp lại mã «2.3.a-1»" in issues[0].message
    assert "«hôm qua» không phải ngày" in issues[1].message
    assert "trước khi việc «III.3-1» bắt đầu" in issues[2].message


# --- commune tasks reach every commune --------------------------------------------------


def test_a_commune_task_reaches_every_communes_address(tmp_path):
    """2.1-2 ("Ban chỉ đạo NTM các xã", due 31/03/2021) is due soon on 25/03: the daily
    digest job sends it to every commune and town at its «Liên hệ xã» address (the outbox);
    the weekly meeting of 2.2-1 reaches only the communes aiming higher."""
    inbox = tmp_path / "inbox"
    write_sample(inbox / "cam_thanh.xlsx", SampleSpec())
    base = load_config()
    config = dataclasses.replace(
        base,
        state_dir=tmp_path / "var",
        master=tmp_path / "out" / "tong_hop.xlsx",
        mail=dataclasses.replace(base.mail, smtp_host="", outbox=tmp_path / "outbox"),
        schedule=dataclasses.replace(base.schedule, inbox=inbox),
    )
    with Ledger(config.state_dir) as ledger:
        result = Runner(config, ledger).run("daily-digest", date(2021, 3, 25))
    assert result.ok
    mails = {}
    for path in (tmp_path / "outbox").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        mails[message["To"].addresses[0].addr_spec] = message
    contacts = load_contacts(config.contacts)
    communes = {row.email: row.name for row in contacts.communes}
    assert len(communes) == 23
    reached = {address for address in mails if address in communes}
    assert reached == set(communes)  # every commune and town, each once
    thanh = mails["ubnd.camthanh@camxuyen.example.org"]
    text = thanh.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Kính gửi UBND xã Cẩm Thành,")
    assert "Chỉ đạo quyết liệt, ưu tiên phân bổ nguồn lực" in text
    # Cẩm Thành aims at "nâng cao": the weekly meeting, this week's and the ones missed
    assert "Hàng tuần tổ chức giao ban, đánh giá kết quả thực hiện. (tuần 12/2021)" in text
    assert "(tuần 3/2021 … tuần 11/2021: lỡ 9 lần)\r\n" in text
    son = mails["ubnd.camson@camxuyen.example.org"]
    son_text = son.get_body(preferencelist=("plain",)).get_content()
    assert "Chỉ đạo quyết liệt" in son_text and "giao ban" not in son_text.lower()
    # Groups with nobody yet (no cluster written) are reported, not silently dropped.
    assert "Ủy viên Ban Thường vụ Huyện ủy phụ trách cụm" in result.no_email
