"""Where each task stands on a date, who is not in the contact book, and a printed task table."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TextIO

from ntm_excel.issues import Issue, make_issue
from ntm_excel.model import TASK_STATE_LABELS, Task, TaskState, TaskStatus
from ntm_excel.reference.contacts import Contacts, person_key
from ntm_excel.text import fold

# Most urgent first.
STATE_ORDER = (
    TaskState.OVERDUE,
    TaskState.DUE_SOON,
    TaskState.ON_TRACK,
    TaskState.NO_DUE_DATE,
    TaskState.DONE,
)


def task_status(task: Task, as_of: date, window: int = 7) -> TaskStatus:
    """The task's state on `as_of`: due within `window` days (today included) is due soon."""
    if task.done:
        return TaskStatus(task, TaskState.DONE)
    if task.due is None:
        return TaskStatus(task, TaskState.NO_DUE_DATE)
    days_left = (task.due - as_of).days
    if days_left < 0:
        return TaskStatus(task, TaskState.OVERDUE, days_late=-days_left, days_left=days_left)
    state = TaskState.DUE_SOON if days_left <= window else TaskState.ON_TRACK
    return TaskStatus(task, state, days_left=days_left)


def task_statuses(tasks: Iterable[Task], as_of: date, window: int = 7) -> list[TaskStatus]:
    """Every task's status, most urgent state first, then by due date."""
    statuses = [task_status(task, as_of, window) for task in tasks]
    return sorted(
        statuses,
        key=lambda s: (
            STATE_ORDER.index(s.state),
            s.task.due or date.max,
            s.task.unit_code,
            s.task.task_id,
        ),
    )


def owner_issues(tasks: Iterable[Task], contacts: Contacts) -> list[Issue]:
    """One `owner-unknown` issue per person named in the tasks but missing from `contacts`."""
    issues: list[Issue] = []
    seen: set[str] = set()
    for task in tasks:
        for name in (*task.owners, *task.directors):
            key = person_key(name)
            if not key or key in seen:
                continue
            seen.add(key)
            if contacts.match(name) is None:
                issues.append(
                    make_issue(
                        "owner-unknown",
                        unit_code=task.unit_code,
                        file=task.file,
                        sheet=task.sheet,
                        cell=task.cell,
                        owner=name,
                    )
                )
    return issues


def names_person(task: Task, name: str, contacts: Contacts | None = None) -> bool:
    """Whether `name` (full or given name, any spelling, a title before it allowed) carries
    out or directs `task`."""
    contact = contacts.match(name) if contacts else None
    key = (fold(contact.name) if contact else person_key(name)).split()
    if not key:
        return False

    def same(person: list[str]) -> bool:
        # "Quang" names Trần Ngọc Quang; "Trưởng phòng Trần Ngọc Quang" does too
        return person[-len(key) :] == key or (len(person) >= 2 and key[-len(person) :] == person)

    return any(same(person_key(p).split()) for p in (*task.owners, *task.directors))


def state_text(status: TaskStatus) -> str:
    """The state in words: "Quá hạn 12 ngày", "Còn 3 ngày", "Đến hạn hôm nay"…"""
    if status.state is TaskState.OVERDUE:
        return f"Quá hạn {status.days_late} ngày"
    if status.state is TaskState.DUE_SOON:
        return "Đến hạn hôm nay" if status.days_left == 0 else f"Còn {status.days_left} ngày"
    if status.state is TaskState.ON_TRACK:
        return f"{TASK_STATE_LABELS[status.state]} (còn {status.days_left} ngày)"
    return TASK_STATE_LABELS[status.state]


def _criterion(task: Task, names: Mapping[int, str]) -> str:
    if task.criterion_no is not None:
        name = names.get(task.criterion_no)
        return f"{task.criterion_no}. {name}" if name else f"Tiêu chí {task.criterion_no}"
    return textwrap.shorten(task.section, 24, placeholder="…") if task.section else "—"


def print_tasks(
    statuses: Iterable[TaskStatus],
    stream: TextIO,
    *,
    criteria_names: Mapping[int, str] | None = None,
    unit_criteria_names: Mapping[int, str] | None = None,
    unit_names: Mapping[str, str] | None = None,
    width: int = 60,
) -> None:
    """An aligned table of task statuses; a "Đơn vị" column appears when tasks belong to units.

    `criteria_names` name the plan's (district) criteria, `unit_criteria_names` those of the
    communes' roadmaps."""
    statuses = list(statuses)
    names = {"plan": criteria_names or {}, "unit": unit_criteria_names or {}}
    units = unit_names or {}
    show_units = any(s.task.unit_code for s in statuses)
    headings = ["Hạn", "Tình trạng", *(["Đơn vị"] if show_units else []), "Tiêu chí"]
    headings += ["Nhiệm vụ", "Người thực hiện", "Người chỉ đạo"]
    rows = []
    for status in statuses:
        task = status.task
        text = f"{task.milestone.capitalize()}: {task.text}" if task.milestone else task.text
        row = [task.due.strftime("%d/%m/%Y") if task.due else "—", state_text(status)]
        if show_units:
            row.append(units.get(task.unit_code, task.unit_code) if task.unit_code else "Huyện")
        row += [
            _criterion(task, names[task.source]),
            textwrap.shorten(text, width, placeholder="…"),
            ", ".join(task.owners) or "—",
            ", ".join(task.directors) or "—",
        ]
        rows.append(row)
    widths = [max(len(r[i]) for r in [headings, *rows]) for i in range(len(headings))]
    for row in [headings, ["-" * w for w in widths], *rows]:
        stream.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        stream.write("\n")
    counts = [
        f"{sum(s.state is state for s in statuses)} {TASK_STATE_LABELS[state].lower()}"
        for state in STATE_ORDER
        if any(s.state is state for s in statuses)
    ]
    stream.write(f"\nTổng cộng {len(statuses)} nhiệm vụ: {', '.join(counts) or 'không có'}.\n")
