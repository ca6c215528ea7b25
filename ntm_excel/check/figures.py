"""The figures every output reads, made once from a `Consolidation`.

The master workbook, the CSV files, the feedback workbooks, the command-line summaries and the
mail all count units, criteria, issues and tasks through this module, so that one definition
of "a unit meeting all its criteria" or "an error" holds everywhere.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date

from ntm_excel.issues import Issue, Severity
from ntm_excel.model import (
    Consolidation,
    Status,
    Target,
    TaskState,
    TaskStatus,
    UnitReport,
)
from ntm_excel.text import fold

COMMUNE_KIND = "xã"
LEVELS = ("đạt chuẩn", "nâng cao", "kiểu mẫu")
OWN_SET_LEVELS = ("nâng cao", "kiểu mẫu")  # judged against a set of their own
DISTRICT_LEVEL = "huyện đạt chuẩn"
SET_MISSING = {
    "nâng cao": "chưa có bộ tiêu chí nâng cao của tỉnh",
    "kiểu mẫu": "chưa có bộ tiêu chí kiểu mẫu",
}


@dataclass(frozen=True)
class IssueCounts:
    """How many issues of each severity."""

    errors: int = 0
    warnings: int = 0
    infos: int = 0

    @classmethod
    def of(cls, issues: Iterable[Issue]) -> IssueCounts:
        # compared, not tallied in a Counter: an enum member's hash is a Python call, and
        # this counts every unit's issues
        errors = warnings = infos = 0
        for issue in issues:
            severity = issue.severity
            if severity == Severity.ERROR:
                errors += 1
            elif severity == Severity.WARNING:
                warnings += 1
            elif severity == Severity.INFO:
                infos += 1
        return cls(errors, warnings, infos)

    def get(self, severity: Severity) -> int:
        return {
            Severity.ERROR: self.errors,
            Severity.WARNING: self.warnings,
            Severity.INFO: self.infos,
        }[severity]


# Issues only the office can act on (its plan, its contact book, its deadline, a unit that has
# sent nothing): never in what a unit is told about the files it sent.
OFFICE_ONLY = frozenset(
    {"unit-not-submitted", "owner-unknown", "submission-late", "target-mismatch"}
)
SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
# The words every output puts beside a figure it reads here, so that one label is one figure.
WORKBOOK_ERRORS = "lỗi trong biểu của các đơn vị đã nộp"  # `Figures.workbook_errors`


def issues_by_unit(issues: Iterable[Issue]) -> dict[str, list[Issue]]:
    """Each unit's issues (unit code → its issues, in order), found in one pass: looking
    them up unit by unit is quadratic at 10,000 units."""
    by_unit: dict[str, list[Issue]] = {}
    for issue in issues:
        by_unit.setdefault(issue.unit_code, []).append(issue)
    return by_unit


def unit_issues(unit_code: str, issues: Iterable[Issue]) -> list[Issue]:
    """What a unit is told about the files it sent, in its reminder and in its feedback
    workbook alike: the issues of its workbook and of the other files it sent (an unreadable
    re-send, an older copy), errors first, then warnings, then information. Their errors and
    warnings are the unit's `errors` and `warnings` (see `check.consolidate`)."""
    mine = [i for i in issues if i.unit_code == unit_code and i.code not in OFFICE_ONLY]
    return sorted(mine, key=lambda issue: SEVERITY_RANK[issue.severity])


def meets_all(report: UnitReport) -> bool:
    """Whether a unit submitted and meets every criterion of its own set."""
    return (
        report.submitted
        and bool(report.criteria)
        and all(c.status is Status.MET for c in report.criteria)
    )


@dataclass(frozen=True)
class Standing:
    """How a unit stands against its own target level, in words, and whether it meets it."""

    met: bool
    text: str
    note: str = ""  # why the target cannot be judged (its set missing or incomplete)


def standing(report: UnitReport) -> Standing:
    """A unit against its own target: the basic set for "đạt chuẩn", the basic set and its
    level's set for "nâng cao"/"kiểu mẫu". A level whose set is missing or incomplete is never
    counted as met: the words say why."""
    basic = meets_all(report)
    met = sum(1 for c in report.criteria if c.status is Status.MET)
    words = f"{met}/{len(report.criteria)} tiêu chí xã NTM" if report.submitted else "chưa nộp"
    level = report.unit.target_level
    if level not in OWN_SET_LEVELS:
        return Standing(basic, words)
    judged = report.level
    if judged is None or not judged.set_id:
        note = SET_MISSING[level]
        return Standing(False, f"{words}; {note}, chưa đánh giá được mức {level}", note)
    if judged.unverified:
        note = (
            f"bộ tiêu chí {level} ({judged.set_id}) chưa đầy đủ: {judged.unverified} chỉ tiêu "
            "chưa có ngưỡng (chưa xác minh)"
        )
        return Standing(False, f"{words}; {note}, chưa đánh giá được mức {level}", note)
    if judged.submission is None:
        return Standing(False, f"{words}; chưa nộp biểu tự đánh giá theo bộ tiêu chí {level}")
    level_met = sum(1 for c in judged.criteria if c.status is Status.MET)
    total = len(judged.criteria)
    reached = bool(total) and level_met == total
    return Standing(basic and reached, f"{words}; {level_met}/{total} tiêu chí {level}")


@dataclass(frozen=True)
class TargetProgress:
    """One target of the plan on the reporting date: its deadline, days left and progress."""

    code: str
    text: str
    level: str
    units: tuple[str, ...]  # unit names ("" for the whole district or all communes)
    deadline_text: str
    due: date | None
    done: int | None  # how many of `total` are reached; None when it cannot be counted
    total: int | None
    what: str  # what is counted: "xã đạt đủ tiêu chí", "tiêu chí huyện đạt" …
    days_left: int | None
    notes: tuple[str, ...] = ()

    @property
    def met(self) -> bool:
        return self.done is not None and bool(self.total) and self.done == self.total

    @property
    def progress(self) -> str:
        """ "15/21 xã đạt đủ tiêu chí", with the reason when it cannot be counted."""
        counted = f"{self.done}/{self.total} {self.what}" if self.done is not None else ""
        return "; ".join(p for p in (counted, *self.notes) if p) or "—"

    @property
    def when(self) -> str:
        """ "đã đạt", "quá hạn 5 ngày", "đến hạn hôm nay", "còn 6 ngày" or no deadline."""
        if self.met:
            return "đã đạt"
        if self.days_left is None:
            return "kế hoạch không ghi thời hạn"
        if self.days_left < 0:
            return f"quá hạn {-self.days_left} ngày"
        return "đến hạn hôm nay" if self.days_left == 0 else f"còn {self.days_left} ngày"

    @property
    def deadline(self) -> str:
        return self.due.strftime("%d/%m/%Y") if self.due else (self.deadline_text or "—")


@dataclass(frozen=True)
class CommuneState:
    """One commune as a cluster leader's monthly review shows it."""

    report: UnitReport
    standing: Standing
    missing: tuple[str, ...]  # criteria not met or unclear (labelled «chưa rõ»), as labels
    overdue: tuple[TaskStatus, ...]  # its own roadmap's and the plan's commune tasks
    submission: str  # "nộp 10/03/2021, đúng hạn" …


def all_communes_share(units: Iterable[UnitReport]) -> float | None:
    """Percentage of the expected communes (towns aside) meeting all their criteria, the
    district's precondition "100% of communes". Rounded to 0.01, so that it reaches 100 only
    when every commune meets the standard; None when there is no commune."""
    communes = [r for r in units if r.unit.expected and r.unit.kind == COMMUNE_KIND]
    if not communes:
        return None
    return round(100 * sum(map(meets_all, communes)) / len(communes), 2)


@dataclass
class LevelSummary:
    """How the units aiming at one level stand."""

    level: str
    units: int = 0
    submitted: int = 0
    meeting_all: int = 0
    criteria_missing: int = 0  # criteria not met, summed over the submitted units
    lagging: list[str] = field(default_factory=list)  # units not yet meeting their target
    notes: list[str] = field(default_factory=list)  # why the level cannot be judged


@dataclass(frozen=True)
class Headline:
    """The headline figures of a weekly summary (stored to compare with the next week)."""

    units_expected: int
    units_submitted: int
    communes_all_met: int
    criteria_met: int
    errors: int
    units_with_errors: int
    overdue_tasks: int
    due_soon_tasks: int
    overdue_keys: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> Headline:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        known["overdue_keys"] = tuple(known.get("overdue_keys", ()))
        return cls(**{k: 0 for k in cls.__dataclass_fields__ if k != "overdue_keys"} | known)


@dataclass
class Figures:
    """What a consolidation adds up to: units, criteria, issues and tasks."""

    consolidation: Consolidation
    criteria: list[int]  # criterion numbers, in order
    criteria_names: dict[int, str]
    listed: list[UnitReport]  # matrix rows: expected units, then other units that submitted
    statuses: dict[str, dict[int, Status]]  # unit code → criterion no → status
    unit_names: dict[str, str]

    @classmethod
    def of(cls, consolidation: Consolidation) -> Figures:
        reports = list(consolidation.units)
        if consolidation.district is not None:
            reports.append(consolidation.district)
        reports += consolidation.districts
        names = dict(consolidation.criteria_names)
        for report in consolidation.units:
            for result in report.criteria:
                names.setdefault(result.criterion_no, result.name)
        listed = [r for r in consolidation.units if r.unit.expected]
        listed += [r for r in consolidation.units if not r.unit.expected and r.submitted]
        return cls(
            consolidation=consolidation,
            criteria=sorted(names),
            criteria_names=names,
            listed=listed,
            statuses={r.unit.code: {c.criterion_no: c.status for c in r.criteria} for r in reports},
            unit_names={r.unit.code: r.unit.name for r in reports},
        )

    # --- units ---------------------------------------------------------------------------

    @property
    def expected(self) -> list[UnitReport]:
        return [r for r in self.consolidation.units if r.unit.expected]

    @property
    def submitted(self) -> list[UnitReport]:
        """Expected units that submitted."""
        return [r for r in self.expected if r.submitted]

    @property
    def missing(self) -> list[UnitReport]:
        """Expected units that did not submit."""
        return [r for r in self.expected if not r.submitted]

    @property
    def on_time(self) -> list[UnitReport]:
        return [r for r in self.expected if r.on_time]

    @property
    def meeting_all(self) -> list[UnitReport]:
        """Expected units meeting all their criteria."""
        return [r for r in self.expected if meets_all(r)]

    @property
    def communes(self) -> list[UnitReport]:
        """Expected units of kind xã: the ones the district's precondition counts."""
        return [r for r in self.expected if r.unit.kind == COMMUNE_KIND]

    def precondition(self) -> tuple[int, int]:
        """(communes meeting all criteria, expected communes)."""
        communes = self.communes
        return sum(map(meets_all, communes)), len(communes)

    def unit_label(self, code: str) -> str:
        """`code – name`, or the code alone when the registry does not know it."""
        name = self.unit_names.get(code)
        return f"{code} – {name}" if name else code

    # --- criteria ------------------------------------------------------------------------

    def criterion_label(self, number: int | None) -> str:
        if number is None:
            return ""
        name = self.criteria_names.get(number, "")
        return f"{number}. {name}" if name else f"Tiêu chí {number}"

    def status(self, report: UnitReport, number: int) -> Status:
        return self.statuses[report.unit.code].get(number, Status.UNKNOWN)

    @staticmethod
    def met_count(report: UnitReport) -> int:
        return report.criteria_met

    meets_all = staticmethod(meets_all)

    def criteria_met(self) -> int:
        """Criteria met, summed over the expected units that submitted."""
        return sum(self.met_count(r) for r in self.submitted)

    def levels(self) -> list[LevelSummary]:
        """Per target level: units meeting their own target (see `standing`)."""
        by_level = {level: LevelSummary(level) for level in LEVELS}
        for report in self.expected:
            level = report.unit.target_level
            summary = by_level.setdefault(level, LevelSummary(level))
            summary.units += 1
            if report.submitted:
                summary.submitted += 1
                summary.criteria_missing += len(self.criteria) - self.met_count(report)
            where = standing(report)
            if where.met:
                summary.meeting_all += 1
            else:
                mark = "" if report.submitted else " (chưa nộp)"
                summary.lagging.append(f"{report.unit.name}{mark}")
            if where.note and where.note not in summary.notes:
                summary.notes.append(where.note)
        return [s for s in by_level.values() if s.units or s.level in LEVELS]

    standing = staticmethod(standing)

    # --- targets -------------------------------------------------------------------------

    def targets(self) -> list[TargetProgress]:
        """The plan's targets (rows sharing a code are one target over several units)."""
        grouped: dict[str, list[Target]] = {}
        for target in self.consolidation.targets:
            grouped.setdefault(target.code or target.text, []).append(target)
        return [self._progress(rows) for rows in grouped.values()]

    def _progress(self, rows: list[Target]) -> TargetProgress:
        first = rows[0]
        as_of = self.consolidation.as_of
        done = total = None
        notes: list[str] = []
        names: tuple[str, ...] = ()
        if first.level == DISTRICT_LEVEL:
            what = "tiêu chí huyện đạt"
            counted = self.district_met()
            if counted is None:
                notes.append("chưa có biểu tự đánh giá tiêu chí huyện")
            else:
                done, total = counted
        elif all(_all_communes(t) for t in rows):
            what = "xã đạt đủ tiêu chí"
            done, total = self.precondition()
        else:
            what = f"xã đạt mức {first.level}"
            reports = [r for t in rows if (r := self._report_of(t)) is not None]
            names = tuple(t.unit_name or t.unit_text for t in rows)
            standings = [standing(r) for r in reports]
            done, total = sum(s.met for s in standings), len(rows)
            notes += list(dict.fromkeys(s.note for s in standings if s.note))
            if len(reports) < len(rows):
                notes.append(f"{len(rows) - len(reports)} đơn vị không có trong danh sách")
        return TargetProgress(
            code=first.code,
            text=first.text,
            level=first.level,
            units=names,
            deadline_text=first.deadline_text,
            due=first.due,
            done=done,
            total=total,
            what=what,
            days_left=(first.due - as_of).days if first.due else None,
            notes=tuple(notes),
        )

    def _report_of(self, target: Target) -> UnitReport | None:
        for report in self.consolidation.units:
            if report.unit.code == target.unit_code or (
                not target.unit_code and fold(report.unit.name) == fold(target.unit_name)
            ):
                return report
        return None

    # --- communes --------------------------------------------------------------------------

    def commune_state(self, report: UnitReport, deadline: date | None = None) -> CommuneState:
        """A commune's state for its monthly review: its standing against its target, the
        criteria it misses, its overdue tasks, whether it submitted on time."""
        missing = tuple(
            self.criterion_label(c.criterion_no)
            + (" (chưa rõ)" if c.status is Status.UNKNOWN else "")
            for c in sorted(report.criteria, key=lambda c: c.criterion_no)
            if c.status is not Status.MET
        )
        overdue = tuple(self._overdue_by_unit.get(report.unit.code, ()))
        return CommuneState(
            report, standing(report), missing, overdue, _submitted(report, deadline)
        )

    @functools.cached_property
    def _overdue_by_unit(self) -> dict[str, list[TaskStatus]]:
        """Unit code → its overdue tasks: its roadmap's and the plan's commune tasks."""
        found: dict[str, list[TaskStatus]] = {}
        for status in self.consolidation.tasks:
            if status.state is TaskState.OVERDUE and not status.task.done:
                task = status.task
                for code in dict.fromkeys((task.unit_code, *task.units)):
                    if code:
                        found.setdefault(code, []).append(status)
        return found

    def criterion_counts(self) -> dict[int, Counter]:
        """Criterion → counts of Status (and None for not submitted) over the expected units."""
        # tallied by the statuses' values: an enum member's hash is a Python call
        tallies: dict[int, Counter] = {n: Counter() for n in self.criteria}
        missing, unknown = 0, Status.UNKNOWN._value_
        for report in self.expected:
            if not report.submitted:
                missing += 1
                continue
            statuses = self.statuses[report.unit.code]
            for number, tally in tallies.items():
                status = statuses.get(number)
                tally[unknown if status is None else status._value_] += 1
        counts: dict[int, Counter] = {}
        for number, tally in tallies.items():
            counts[number] = Counter({Status(value): count for value, count in tally.items()})
            if missing:
                counts[number][None] = missing
        return counts

    @property
    def several_districts(self) -> bool:
        """A province's or the country's consolidation, rolled up by district."""
        return bool(self.consolidation.districts)

    def by_district(self) -> list[DistrictFigures]:
        return self._districts

    def by_province(self) -> list[ProvinceFigures]:
        return self._provinces

    @functools.cached_property
    def _districts(self) -> list[DistrictFigures]:
        return by_district(self.consolidation)

    @functools.cached_property
    def _provinces(self) -> list[ProvinceFigures]:
        return by_province(self._districts)

    def district_met(self) -> tuple[int, int] | None:
        """(district criteria met, district criteria) when the district's workbook was read."""
        district = self.consolidation.district
        if district is None or not district.criteria:
            return None
        return self.met_count(district), len(district.criteria)

    # --- issues and tasks ----------------------------------------------------------------

    def issue_counts(self) -> IssueCounts:
        """Every issue of the consolidation, as the «Lỗi dữ liệu» sheet and issues.csv list
        them: a unit that did not submit is an error there, so are files of no known unit."""
        return IssueCounts.of(self.consolidation.issues)

    def workbook_errors(self) -> tuple[int, int]:
        """(errors in what the expected units that submitted sent, how many of those units
        have any): `WORKBOOK_ERRORS`, part of `issue_counts().errors`."""
        submitted = self.submitted
        return sum(r.errors for r in submitted), sum(1 for r in submitted if r.errors)

    def task_counts(self) -> Counter:
        return Counter(task.state for task in self.consolidation.tasks)

    def headline(self, task_key) -> Headline:
        """The weekly figures; `task_key(status)` names a task across weeks."""
        overdue = [t for t in self.consolidation.tasks if t.state is TaskState.OVERDUE]
        tasks = self.task_counts()
        errors, units_with_errors = self.workbook_errors()
        return Headline(
            units_expected=len(self.expected),
            units_submitted=len(self.submitted),
            communes_all_met=len(self.meeting_all),
            criteria_met=self.criteria_met(),
            errors=errors,
            units_with_errors=units_with_errors,
            overdue_tasks=tasks[TaskState.OVERDUE],
            due_soon_tasks=tasks[TaskState.DUE_SOON],
            overdue_keys=tuple(sorted(task_key(t) for t in overdue)),
        )


def _all_communes(target: Target) -> bool:
    """A target over every commune ("100% số xã"): no unit, or "Tất cả các xã"."""
    return not target.unit_code and (
        not target.unit_name or fold(target.unit_name).startswith("tat ca")
    )


def _submitted(report: UnitReport, deadline: date | None) -> str:
    """ "nộp ngày 10/03/2021, đúng hạn", "… sau hạn 15/03/2021", "chưa nộp (hạn …)"."""
    when = f" (hạn {deadline:%d/%m/%Y})" if deadline else ""
    if not report.submitted:
        return f"chưa nộp{when}"
    received = f"nộp ngày {report.submission.received:%d/%m/%Y}"
    if report.on_time is None:
        return received
    return f"{received}, {'đúng hạn' if report.on_time else f'sau hạn{when}'}"


# --- a province's or the country's consolidation, by district and by province -------------------


@dataclass
class DistrictFigures:
    """How one district's communes stand, and the district's own self-assessment."""

    province: str
    name: str  # "Huyện Cẩm Xuyên"
    report: UnitReport | None = None  # the district's own report; None: not assessed
    communes: int = 0  # expected communes
    submitted: int = 0
    meeting_all: int = 0

    @property
    def assessed(self) -> bool:
        return self.report is not None

    @property
    def district_submitted(self) -> bool:
        return self.report is not None and self.report.submitted

    @property
    def district_met(self) -> bool:
        """The district meets every district criterion (its "100% of communes" included)."""
        return self.report is not None and meets_all(self.report)


@dataclass
class ProvinceFigures:
    """The districts of one province added up."""

    name: str
    districts: int = 0  # assessed districts
    districts_submitted: int = 0
    districts_met: int = 0
    communes: int = 0
    submitted: int = 0
    meeting_all: int = 0


def by_district(consolidation: Consolidation) -> list[DistrictFigures]:
    """Every assessed district, then any other district with expected communes, in registry
    order, with its communes counted."""
    found: dict[tuple[str, str], DistrictFigures] = {}
    for report in consolidation.districts:
        unit = report.unit
        found[unit.province, unit.name] = DistrictFigures(unit.province, unit.name, report)
    for report in consolidation.units:
        unit = report.unit
        if not unit.expected:
            continue
        area = found.setdefault(
            (unit.province, unit.district), DistrictFigures(unit.province, unit.district)
        )
        area.communes += 1
        area.submitted += report.submitted
        area.meeting_all += meets_all(report)
    return list(found.values())


def by_province(districts: Iterable[DistrictFigures]) -> list[ProvinceFigures]:
    """The district figures added up per province, in their order."""
    found: dict[str, ProvinceFigures] = {}
    for area in districts:
        total = found.setdefault(area.province, ProvinceFigures(area.province))
        total.districts += area.assessed
        total.districts_submitted += area.district_submitted
        total.districts_met += area.district_met
        total.communes += area.communes
        total.submitted += area.submitted
        total.meeting_all += area.meeting_all
    return list(found.values())
