"""What the history shows people: who reported in each period and when, what changed between
a unit's versions, and how the district moves toward its targets.

- **Completeness and timeliness** (as DHIS2 reports them): per period, the expected units,
  those that reported, on time or late, and those missing once the period's due date has
  passed ("chưa đến hạn" before). A unit reported in a period when one of its versions counts
  as submitted in it (`ntm_excel.periods.submitted_on`); it reported on time when its first
  version there did not come after the due date. Later versions in the period are
  corrections: the latest is the one used.
- **Changes**: between two versions of a unit, the criteria whose status moved, the
  indicators whose value or status moved, and the roadmap tasks newly done.
- **Trend**: per period, the communes meeting all their criteria and the criteria met,
  counting each commune by its latest version up to the period's end (a commune that sent
  nothing that period keeps its last standing), and the district's own criteria.

Everything is computed from the store, so `ntm-excel history` shows the same figures as the
master workbook and the mail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from ntm_excel.check.figures import COMMUNE_KIND
from ntm_excel.check.validate import number_text
from ntm_excel.history import History, Version, VersionDetail
from ntm_excel.model import STATUS_LABELS, Status, Task, Unit
from ntm_excel.periods import Calendar, Period, submitted_on
from ntm_excel.text import fold

DISTRICT_KIND = "huyện"
COMMUNES_TARGET_LEVEL = "đạt chuẩn"  # a plan target of this level without a unit: all communes
DISTRICT_TARGET_LEVEL = "huyện đạt chuẩn"


class Standing(StrEnum):
    """Where a unit stands in one period."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    PENDING = "pending"  # nothing yet, and the period's due date has not passed


STANDING_LABELS = {
    Standing.ON_TIME: "Đúng hạn",
    Standing.LATE: "Nộp muộn",
    Standing.MISSING: "Chưa nộp",
    Standing.PENDING: "Chưa đến hạn",
}


def version_day(version: Version) -> date:
    return submitted_on(version.report_date, version.received)


def _order(version: Version) -> tuple:
    """Versions in the order they count: the day submitted, then arrival."""
    return (version_day(version), version.received, version.id)


@dataclass(frozen=True)
class InPeriod:
    """One unit in one period."""

    period: Period
    standing: Standing
    first_day: date | None = None  # the day its first version there counts as submitted
    versions: tuple[Version, ...] = ()

    @property
    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None


@dataclass
class PeriodFigures:
    """Completeness, timeliness and standing of the district in one period."""

    period: Period
    expected: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0
    versions: int = 0  # files received in the period (corrections included)
    communes: int = 0  # expected communes
    communes_meeting: int = 0  # of them, meeting all criteria (latest version to the end)
    criteria_met: int = 0  # summed over the expected units reported so far
    district: tuple[int, int] | None = None  # district criteria (met, total), when known

    @property
    def received(self) -> int:
        return self.on_time + self.late

    def count(self, standing: Standing) -> None:
        name = standing.value  # the field of the same name
        setattr(self, name, getattr(self, name) + 1)

    def rate(self, count: int) -> float | None:
        return count / self.expected if self.expected else None


@dataclass
class UnitHistory:
    unit: Unit
    periods: list[InPeriod]  # aligned with the view's periods
    versions: list[Version]  # every version counted, in order


@dataclass(frozen=True)
class Change:
    """One thing that moved between two versions."""

    kind: str  # "criterion", "indicator" or "task"
    code: str  # criterion number, indicator code, or "" for a task
    label: str  # criterion name, indicator wording, or the task
    before: str = ""
    after: str = ""
    before_status: Status | None = None
    after_status: Status | None = None


@dataclass
class UnitChange:
    """What moved between two versions of one unit (`before` is None for a first version)."""

    unit: Unit
    before: Version | None
    after: Version
    criteria: list[Change] = field(default_factory=list)
    indicators: list[Change] = field(default_factory=list)
    tasks_done: list[Change] = field(default_factory=list)
    tasks_added: int = 0
    tasks_removed: int = 0

    @property
    def changes(self) -> list[Change]:
        return [*self.criteria, *self.indicators, *self.tasks_done]

    def summary(self) -> str:
        """One line in Vietnamese: "17 → 18 tiêu chí đạt; 2 tiêu chí đổi kết quả; …"."""
        after = self.after
        if self.before is None:
            return f"bản đầu tiên: {after.criteria_met}/{after.criteria_total} tiêu chí đạt"
        before = self.before
        parts = [
            f"{before.criteria_met} → {after.criteria_met}/{after.criteria_total} tiêu chí đạt"
            if before.criteria_met != after.criteria_met
            else f"vẫn {after.criteria_met}/{after.criteria_total} tiêu chí đạt"
        ]
        if self.criteria:
            moved = ", ".join(
                f"{c.code} {STATUS_LABELS[c.before_status]} → {STATUS_LABELS[c.after_status]}"
                for c in self.criteria
                if c.before_status and c.after_status
            )
            parts.append(f"tiêu chí {moved}" if moved else f"{len(self.criteria)} tiêu chí đổi")
        if self.indicators:
            parts.append(f"{len(self.indicators)} chỉ tiêu đổi số liệu hoặc kết quả")
        if self.tasks_done:
            parts.append(f"{len(self.tasks_done)} việc mới hoàn thành")
        if self.tasks_added:
            parts.append(f"{self.tasks_added} việc mới trong lộ trình")
        if not self.changes and not self.tasks_added:
            parts.append("không đổi số liệu")
        return "; ".join(parts)


@dataclass
class TargetTrend:
    """A plan target with its deadline and where the district stood each period."""

    text: str
    deadline: date | None
    goal: int | None  # what meeting it takes (communes, or district criteria)
    noun: str  # "xã" or "tiêu chí"
    values: list[int | None]  # per period of the view
    days_left: int | None  # from the view's date to the deadline

    @property
    def current(self) -> int | None:
        return next((v for v in reversed(self.values) if v is not None), None)

    @property
    def met(self) -> bool:
        return self.goal is not None and self.current is not None and self.current >= self.goal


@dataclass
class HistoryView:
    """The history as of one date: periods, units, changes, trend."""

    as_of: date
    calendar: Calendar
    periods: list[Period]
    figures: list[PeriodFigures]
    units: list[UnitHistory]  # expected units, in registry order
    changes: list[UnitChange]  # units with two versions or more: their two latest
    targets: list[TargetTrend]
    archived: int = 0  # distinct files in the archive
    consolidation_id: int | None = None  # the run that made it, when made by a consolidation
    parsed: int = 0
    reused: int = 0

    @property
    def current(self) -> PeriodFigures | None:
        return self.figures[-1] if self.figures else None


def _counted(history: History, as_of: date) -> dict[str, list[Version]]:
    """Each unit's versions submitted by `as_of`, in order."""
    by_unit: dict[str, list[Version]] = {}
    for version in history.versions():
        if version_day(version) <= as_of:
            by_unit.setdefault(version.unit_code, []).append(version)
    for versions in by_unit.values():
        versions.sort(key=_order)
    return by_unit


def _in_period(period: Period, versions: list[Version], as_of: date) -> InPeriod:
    mine = tuple(v for v in versions if version_day(v) in period)
    if mine:
        first = version_day(mine[0])
        standing = Standing.ON_TIME if first <= period.due else Standing.LATE
        return InPeriod(period, standing, first, mine)
    return InPeriod(period, Standing.MISSING if as_of > period.due else Standing.PENDING)


def _latest_by(versions: list[Version], day: date) -> Version | None:
    found = [v for v in versions if version_day(v) <= day]
    return found[-1] if found else None


def history_view(
    history: History,
    units: Iterable[Unit],
    calendar: Calendar,
    as_of: date,
    *,
    targets: Sequence = (),
) -> HistoryView:
    """The history on `as_of` for the registry's `units`; `targets` are the plan's
    (`ntm_excel.reference.plan.Target`): those for all communes and for the district are
    followed period by period."""
    units = list(units)
    by_unit = _counted(history, as_of)
    expected = [u for u in units if u.expected and u.kind != DISTRICT_KIND]
    district = next((u for u in units if u.kind == DISTRICT_KIND), None)
    days = [version_day(v) for u in expected for v in by_unit.get(u.code, ())]
    first = calendar.start or min(days, default=as_of)
    periods = calendar.span(min(first, as_of), as_of) or [p for p in [calendar.of(as_of)] if p]

    rows = [
        UnitHistory(
            u,
            [_in_period(p, by_unit.get(u.code, []), as_of) for p in periods],
            by_unit.get(u.code, []),
        )  # fmt: skip
        for u in expected
    ]
    figures = []
    for index, period in enumerate(periods):
        counts = PeriodFigures(period, expected=len(expected))
        for row in rows:
            counts.count(row.periods[index].standing)
            counts.versions += len(row.periods[index].versions)
            latest = _latest_by(row.versions, period.end)
            if latest is not None:
                counts.criteria_met += latest.criteria_met
            if row.unit.kind == COMMUNE_KIND:
                counts.communes += 1
                counts.communes_meeting += bool(latest and latest.meets_all)
        if district is not None:
            latest = _latest_by(by_unit.get(district.code, []), period.end)
            if latest is not None:
                counts.district = (latest.criteria_met, latest.criteria_total)
        figures.append(counts)

    named = {u.code: u for u in units}
    pairs = [
        (named[code], versions[-2], versions[-1])
        for code, versions in by_unit.items()
        if len(versions) >= 2 and code in named
    ]
    changes = _compare_all(history, pairs)
    order = {u.code: n for n, u in enumerate(units)}
    changes.sort(key=lambda c: order[c.unit.code])
    return HistoryView(
        as_of=as_of,
        calendar=calendar,
        periods=periods,
        figures=figures,
        units=rows,
        changes=changes,
        targets=_targets(targets, figures, as_of),
        archived=history.archive_count(),
    )


def _targets(targets: Sequence, figures: list[PeriodFigures], as_of: date) -> list[TargetTrend]:
    followed = []
    for target in targets:
        due = target.due
        left = (due - as_of).days if due else None
        if target.level == DISTRICT_TARGET_LEVEL:
            values = [f.district[0] if f.district else None for f in figures]
            goal = next((f.district[1] for f in reversed(figures) if f.district), None)
            followed.append(TargetTrend(target.text, due, goal, "tiêu chí", values, left))
        elif target.level == COMMUNES_TARGET_LEVEL and not target.unit_code:
            values = [f.communes_meeting for f in figures]
            goal = figures[-1].communes if figures else None
            followed.append(TargetTrend(target.text, due, goal, "xã", values, left))
    return followed


def _task_key(task: Task) -> tuple:
    return (task.criterion_no, fold(task.text), task.milestone)


def _shown(value: float | str | None, raw: str) -> str:
    """A value as people read it: figures the Vietnamese way ("85,5"), else as typed."""
    if isinstance(value, float):
        return number_text(value)
    return raw or value or ""


def _same_value(a: float | str | None, b: float | str | None) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def compare(unit: Unit, before: VersionDetail | None, after: VersionDetail) -> UnitChange:
    """What moved from `before` to `after` (two versions of `unit`)."""
    change = UnitChange(unit, before.version if before else None, after.version)
    if before is None:
        return change
    for number in sorted(set(before.criteria) | set(after.criteria)):
        old, new = before.criteria.get(number), after.criteria.get(number)
        old_status = old.status if old else Status.UNKNOWN
        new_status = new.status if new else Status.UNKNOWN
        if old_status is not new_status:
            name = (new or old).name
            change.criteria.append(
                Change(
                    "criterion",
                    str(number),
                    name,
                    before_status=old_status,
                    after_status=new_status,
                )  # fmt: skip
            )
    for code in sorted(set(before.values) | set(after.values), key=_code_order):
        old, new = before.values.get(code), after.values.get(code)
        if old and new and _same_value(old.value, new.value) and old.status is new.status:
            continue
        label = (new or old).text or code
        change.indicators.append(
            Change(
                "indicator",
                code,
                label,
                _shown(old.value, old.raw) if old else "",
                _shown(new.value, new.raw) if new else "",
                old.status if old else None,
                new.status if new else None,
            )
        )
    done_before = {_task_key(t): t.done for t in before.tasks}
    keys_after = {_task_key(t) for t in after.tasks}
    for task in after.tasks:
        if task.done and not done_before.get(_task_key(task), False):
            label = f"{task.text} ({task.milestone})" if task.milestone else task.text
            when = task.deadline_text or (f"{task.due:%d/%m/%Y}" if task.due else "")
            change.tasks_done.append(
                Change("task", str(task.criterion_no or ""), label, when, "Đã hoàn thành")
            )
    change.tasks_added = len(keys_after - set(done_before))
    change.tasks_removed = len(set(done_before) - keys_after)
    return change


def _code_order(code: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 10**6 for p in code.replace(",", ".").split("."))


def unit_change(history: History, unit: Unit, before: Version | None, after: Version) -> UnitChange:
    return _compare_all(history, [(unit, before, after)])[0]


def _compare_all(
    history: History, pairs: Sequence[tuple[Unit, Version | None, Version]]
) -> list[UnitChange]:
    """`compare` for many (unit, before, after), their details loaded together."""
    details = history.details(v for _, before, after in pairs for v in (before, after) if v)
    return [
        compare(unit, details[before.id] if before else None, details[after.id])
        for unit, before, after in pairs
    ]


def changes_since(
    history: History,
    units: Iterable[Unit],
    since: datetime,
    *,
    until: datetime | None = None,
) -> list[UnitChange]:
    """For each unit that sent something between `since` and `until` (arrival times; default
    until now): what moved from its latest version received by `since` (None: nothing
    before) to its latest received by `until`. This is "what changed since last week/month"
    for the weekly summary and the monthly review."""
    units = list(units)
    named = {u.code: u for u in units}
    by_unit: dict[str, list[Version]] = {}
    for version in history.versions():
        if version.unit_code in named and (until is None or version.received <= until):
            by_unit.setdefault(version.unit_code, []).append(version)
    pairs = []
    for code, versions in by_unit.items():
        versions.sort(key=_order)
        earlier = [v for v in versions if v.received <= since]
        before = earlier[-1] if earlier else None
        after = versions[-1]
        if after.received > since and (before is None or after.id != before.id):
            pairs.append((named[code], before, after))
    found = _compare_all(history, pairs)
    order = {u.code: n for n, u in enumerate(units)}
    found.sort(key=lambda c: order[c.unit.code])
    return found
