"""Where each task stands on a date: recurring duties' occurrences, the communes a commune task
concerns, who is not in the contact book, whom a task reaches, and a printed task table."""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import TextIO

from ntm_excel.issues import Issue, make_issue
from ntm_excel.model import COMMUNE, TASK_STATE_LABELS, Task, TaskState, TaskStatus, Unit
from ntm_excel.recurrence import occurrences
from ntm_excel.reference.contacts import (
    ALL_COMMUNES,
    COMMUNES_GROUP,
    Contacts,
    group_kind,
    person_key,
    split_list,
    unit_keys,
)
from ntm_excel.reference.plan import Duty
from ntm_excel.text import fold

LEVEL_WORDS = {"dat chuan": "đạt chuẩn", "nang cao": "nâng cao", "kieu mau": "kiểu mẫu"}

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


def duty_tasks(duties: Iterable[Duty], as_of: date) -> list[Task]:
    """The occurrences of recurring duties to follow on `as_of`: every missed one (overdue)
    and the current one, done or not (before a duty starts: its first one). An occurrence is
    done when the office recorded a day in its period, by `as_of`; that marks no other."""
    tasks = []
    for duty in duties:
        template = duty.task
        if template.done and template.completed is None:  # the whole duty marked finished
            tasks.append(template)
            continue
        end = min(duty.ends, template.completed) if template.completed else duty.ends
        found = occurrences(duty.recurrence, duty.starts, end, max(as_of, duty.starts))
        for index, occurrence in enumerate(found):
            logged = [d for d in duty.done if occurrence.first <= d <= min(occurrence.last, as_of)]
            current = occurrence.first <= as_of <= occurrence.last or (as_of < duty.starts)
            if (occurrence.last < as_of and not logged) or (current and index == len(found) - 1):
                tasks.append(
                    replace(
                        template,
                        due=occurrence.last,
                        deadline_text=occurrence.label,
                        occurrence=occurrence.label,
                        done=bool(logged),
                        completed=logged[-1] if logged else None,
                    )
                )
    return tasks


def is_commune_task(task: Task) -> bool:
    """Whether communes carry the task out: «Xã thực hiện» is filled, or a name such as "Ban
    chỉ đạo NTM các xã" stands for them."""
    names = (*task.lead, *task.partners, *task.directors, *task.owners)
    return bool(task.communes) or any(group_kind(n) == COMMUNES_GROUP for n in names)


class Communes:
    """The communes and towns of a registry, indexed once by target level and by the ways a
    task may name them (see `communes_of`); by name only when a task names one (a plan's
    tasks mostly say «Tất cả» or a level, and a country has 10,000 names to fold)."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.units = [u for u in units if u.tier == COMMUNE]
        self.by_level: dict[str, list[Unit]] = {}
        self.by_code: dict[str, list[Unit]] = {}
        for unit in self.units:
            self.by_level.setdefault(fold(unit.target_level), []).append(unit)
            self.by_code.setdefault(unit.code, []).append(unit)

    @functools.cached_property
    def by_key(self) -> dict[str, list[Unit]]:
        found: dict[str, list[Unit]] = {}
        for unit in self.units:
            for key in unit_keys(unit):
                found.setdefault(key, []).append(unit)
        return found

    def named(self, item: str) -> list[Unit]:
        """The units one item of a task's list names (see `communes_of`)."""
        key = fold(item)
        if key == fold(ALL_COMMUNES):
            return self.units
        if key in LEVEL_WORDS:
            return self.by_level.get(key, [])
        return [*self.by_key.get(key, []), *self.by_code.get(item.strip(), [])]


def communes_of(spec: str, communes: Communes) -> tuple[list[str], list[str]]:
    """(codes of the units `spec` names, the items naming none). `spec` lists "Tất cả" (every
    commune and town of the registry, whether it submits a self-assessment or not), target
    levels ("Nâng cao", "Kiểu mẫu") or units by name or code, "; "-separated; blank = all."""
    chosen: set[str] = set()
    unknown = []
    for item in split_list(spec) or [ALL_COMMUNES]:
        found = communes.named(item)
        if not found and fold(item) not in LEVEL_WORDS:
            unknown.append(item)
        chosen |= {u.code for u in found}
    return [u.code for u in communes.units if u.code in chosen], unknown


def assign_communes(tasks: Iterable[Task], units: Sequence[Unit]) -> tuple[list[Task], list[Issue]]:
    """The tasks with `units` set for each commune task, and an issue per unknown commune."""
    result, issues = [], []
    communes = Communes(units)
    for task in tasks:
        if task.unit_code or not is_commune_task(task):
            result.append(task)
            continue
        codes, unknown = communes_of(task.communes, communes)
        result.append(replace(task, units=tuple(codes)))
        issues += [
            make_issue(
                "commune-unknown",
                file=task.file,
                sheet=task.sheet,
                cell=task.cell,
                name=name,
                column="Xã thực hiện",
            )
            for name in unknown
        ]
    return result, issues


def task_names(task: Task) -> tuple[str, ...]:
    """Every person, body or group a task names: lead, partners, directors, owners."""
    return (*task.lead, *task.partners, *task.directors, *task.owners)


def owner_issues(tasks: Iterable[Task], contacts: Contacts) -> list[Issue]:
    """One `owner-unknown` issue per person or body named in the tasks (or as a member of a
    group they name) but missing from `contacts`."""
    issues: list[Issue] = []
    seen: set[str] = set()
    for task in tasks:
        names = list(task_names(task))
        for name in task_names(task):
            contact = contacts.match(name)
            names += contact.members if contact else ()
        for name in names:
            key = person_key(name)
            if not key or key in seen:
                continue
            seen.add(key)
            if not contacts.reach(name).known:
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

    return any(same(person_key(p).split()) for p in task_names(task))


def concerns(
    task: Task, who: str, contacts: Contacts | None = None, units: Sequence[Unit] = ()
) -> bool:
    """Whether the task is `who`'s: a commune carrying it out (its own roadmap's tasks, or a
    commune task of the plan), a body or person it names or reaches through a group, or a
    person named by full or given name."""
    key = fold(who)
    unit = next((u for u in units if key in unit_keys(u) or who.strip() == u.code), None)
    if unit is not None:
        return task.unit_code == unit.code or unit.code in task.units
    if contacts is not None and (contact := contacts.match(who)) is not None:
        concerned = set(task.units)
        for name in task_names(task):
            if fold(name) == fold(contact.name):
                return True
            reached = contacts.reach(name, [u for u in units if u.code in concerned])
            if any(fold(c.name) == fold(contact.name) for c in reached.contacts):
                return True
    return names_person(task, who, contacts)


def state_text(status: TaskStatus) -> str:
    """The state in words: "Quá hạn 12 ngày", "Còn 3 ngày", "Đến hạn hôm nay"…"""
    if status.state is TaskState.OVERDUE:
        return f"Quá hạn {status.days_late} ngày"
    if status.state is TaskState.DUE_SOON:
        return "Đến hạn hôm nay" if status.days_left == 0 else f"Còn {status.days_left} ngày"
    if status.state is TaskState.ON_TRACK:
        return f"{TASK_STATE_LABELS[status.state]} (còn {status.days_left} ngày)"
    return TASK_STATE_LABELS[status.state]


def criterion_text(task: Task, names: Mapping[int, str]) -> str:
    """A label for every task: "2. Giao thông", the criterion or topic the plan names
    ("Hồ sơ thẩm định"), else the task's section."""
    if task.criterion_no is not None:
        name = names.get(task.criterion_no) or task.criterion
        return f"{task.criterion_no}. {name}" if name else f"Tiêu chí {task.criterion_no}"
    return task.criterion or task.section or "—"


def when_text(task: Task) -> str:
    """How often and which time: "hàng tuần, tuần 12/2021"; "" for a one-off task."""
    return ", ".join(p for p in (task.recurrence, task.occurrence) if p)


def units_text(task: Task, unit_names: Mapping[str, str]) -> str:
    """The unit a task belongs to: its commune, the communes concerned, or "Huyện"."""
    if task.unit_code:
        return unit_names.get(task.unit_code, task.unit_code)
    if task.units:
        if len(task.units) == 1:
            return unit_names.get(task.units[0], task.units[0])
        return f"{len(task.units)} xã, thị trấn"
    return "Huyện"


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
    show_units = any(s.task.unit_code or s.task.units for s in statuses)
    headings = ["Mã", "Hạn", "Tình trạng", *(["Đơn vị"] if show_units else []), "Tiêu chí"]
    headings += ["Nhiệm vụ", "Chủ trì", "Người thực hiện", "Người chỉ đạo"]
    rows = []
    for status in statuses:
        task = status.task
        if task.occurrence:
            text = f"[{when_text(task)}] {task.text}"
        elif task.milestone:
            text = f"{task.milestone.capitalize()}: {task.text}"
        else:
            text = task.text
        row = [
            task.task_id or "—",
            task.due.strftime("%d/%m/%Y") if task.due else "—",
            state_text(status),
        ]
        if show_units:
            row.append(units_text(task, units))
        row += [
            textwrap.shorten(criterion_text(task, names[task.source]), 24, placeholder="…"),
            textwrap.shorten(text, width, placeholder="…"),
            ", ".join(task.lead) or "—",
            textwrap.shorten(", ".join(task.owners) or "—", 40, placeholder="…"),
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
