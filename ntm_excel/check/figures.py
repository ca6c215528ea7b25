"""The figures every output reads, made once from a `Consolidation`.

The master workbook, the CSV files, the feedback workbooks, the command-line summaries and the
mail all count units, criteria, issues and tasks through this module, so that one definition
of "a unit meeting all its criteria" or "an error" holds everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

from ntm_excel.issues import Issue, Severity
from ntm_excel.model import Consolidation, Status, TaskState, UnitReport

COMMUNE_KIND = "xã"
LEVELS = ("đạt chuẩn", "nâng cao", "kiểu mẫu")


@dataclass(frozen=True)
class IssueCounts:
    """How many issues of each severity."""

    errors: int = 0
    warnings: int = 0
    infos: int = 0

    @classmethod
    def of(cls, issues: Iterable[Issue]) -> IssueCounts:
        counts = Counter(issue.severity for issue in issues)
        return cls(counts[Severity.ERROR], counts[Severity.WARNING], counts[Severity.INFO])

    def get(self, severity: Severity) -> int:
        return {
            Severity.ERROR: self.errors,
            Severity.WARNING: self.warnings,
            Severity.INFO: self.infos,
        }[severity]


def meets_all(report: UnitReport) -> bool:
    """Whether a unit submitted and meets every criterion of its own set."""
    return (
        report.submitted
        and bool(report.criteria)
        and all(c.status is Status.MET for c in report.criteria)
    )


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
    lagging: list[str] = field(default_factory=list)  # units not yet meeting all criteria


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
        by_level = {level: LevelSummary(level) for level in LEVELS}
        for report in self.expected:
            level = report.unit.target_level
            summary = by_level.setdefault(level, LevelSummary(level))
            summary.units += 1
            if report.submitted:
                summary.submitted += 1
                summary.criteria_missing += len(self.criteria) - self.met_count(report)
            if meets_all(report):
                summary.meeting_all += 1
            else:
                mark = "" if report.submitted else " (chưa nộp)"
                summary.lagging.append(f"{report.unit.name}{mark}")
        return [s for s in by_level.values() if s.units or s.level in LEVELS]

    def criterion_counts(self) -> dict[int, Counter]:
        """Criterion → counts of Status (and None for not submitted) over the expected units."""
        counts: dict[int, Counter] = {n: Counter() for n in self.criteria}
        for report in self.expected:
            for number in self.criteria:
                key = self.status(report, number) if report.submitted else None
                counts[number][key] += 1
        return counts

    @property
    def several_districts(self) -> bool:
        """A province's or the country's consolidation, rolled up by district."""
        return bool(self.consolidation.districts)

    def by_district(self) -> list[DistrictFigures]:
        return by_district(self.consolidation)

    def by_province(self) -> list[ProvinceFigures]:
        return by_province(self.by_district())

    def district_met(self) -> tuple[int, int] | None:
        """(district criteria met, district criteria) when the district's workbook was read."""
        district = self.consolidation.district
        if district is None or not district.criteria:
            return None
        return self.met_count(district), len(district.criteria)

    # --- issues and tasks ----------------------------------------------------------------

    def issue_counts(self) -> IssueCounts:
        return IssueCounts.of(self.consolidation.issues)

    def task_counts(self) -> Counter:
        return Counter(task.state for task in self.consolidation.tasks)

    def headline(self, task_key) -> Headline:
        """The weekly figures; `task_key(status)` names a task across weeks."""
        open_tasks = [t for t in self.consolidation.tasks if not t.task.done]
        overdue = [t for t in open_tasks if t.state is TaskState.OVERDUE]
        submitted = self.submitted
        return Headline(
            units_expected=len(self.expected),
            units_submitted=len(submitted),
            communes_all_met=len(self.meeting_all),
            criteria_met=self.criteria_met(),
            errors=sum(r.errors for r in submitted),
            units_with_errors=sum(1 for r in submitted if r.errors),
            overdue_tasks=len(overdue),
            due_soon_tasks=sum(1 for t in open_tasks if t.state is TaskState.DUE_SOON),
            overdue_keys=tuple(sorted(task_key(t) for t in overdue)),
        )


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
