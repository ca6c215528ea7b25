"""The colour-coded master workbook the office opens every morning.

`write_master()` turns a `Consolidation` into one .xlsx with seven sheets (summary with charts,
criteria matrix, indicator detail, task progress, submissions, data issues, district criteria).
Every text from a submission is written as a string, never as a formula or a link.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

from ntm_excel.atomic import atomic_path
from ntm_excel.model import Consolidation, Status, UnitReport
from ntm_excel.styles import FONT_NAME, TEXT_ONLY, FormatCache
from ntm_excel.write import master_sheets

COMMUNE_KIND = "xã"
LEVELS = ("đạt chuẩn", "nâng cao", "kiểu mẫu")

WORKBOOK_OPTIONS = {
    **TEXT_ONLY,
    "remove_timezone": True,
    "default_format_properties": {"font_name": FONT_NAME, "font_size": 11},
}


@dataclass
class LevelSummary:
    """How the units aiming at one level stand."""

    level: str
    units: int = 0
    submitted: int = 0
    meeting_all: int = 0
    criteria_missing: int = 0  # criteria not met, summed over the submitted units
    lagging: list[str] = field(default_factory=list)  # units not yet meeting all criteria


@dataclass
class MasterFacts:
    """Figures derived once from the consolidation and shared by the sheets."""

    consolidation: Consolidation
    criteria: list[int]  # criterion numbers, in order
    criteria_names: dict[int, str]
    listed: list[UnitReport]  # matrix rows: expected units, then other units that submitted
    statuses: dict[str, dict[int, Status]]  # unit code → criterion no → status
    unit_names: dict[str, str]

    @property
    def expected(self) -> list[UnitReport]:
        return [r for r in self.consolidation.units if r.unit.expected]

    @property
    def communes(self) -> list[UnitReport]:
        """Expected units of kind xã: the ones the district's precondition counts."""
        return [r for r in self.expected if r.unit.kind == COMMUNE_KIND]

    def criterion_label(self, number: int | None) -> str:
        if number is None:
            return ""
        name = self.criteria_names.get(number, "")
        return f"{number}. {name}" if name else f"Tiêu chí {number}"

    def status(self, report: UnitReport, number: int) -> Status:
        return self.statuses[report.unit.code].get(number, Status.UNKNOWN)

    def met_count(self, report: UnitReport) -> int:
        return sum(1 for n in self.criteria if self.status(report, n) is Status.MET)

    def meets_all(self, report: UnitReport) -> bool:
        n = len(self.criteria)
        return report.submitted and n > 0 and self.met_count(report) == n

    def unit_label(self, code: str) -> str:
        """`code – name`, or the code alone when the registry does not know it."""
        name = self.unit_names.get(code)
        return f"{code} – {name}" if name else code

    def levels(self) -> list[LevelSummary]:
        by_level = {level: LevelSummary(level) for level in LEVELS}
        for report in self.expected:
            level = report.unit.target_level
            summary = by_level.setdefault(level, LevelSummary(level))
            summary.units += 1
            if report.submitted:
                summary.submitted += 1
                summary.criteria_missing += len(self.criteria) - self.met_count(report)
            if self.meets_all(report):
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

    def severity_counts(self) -> Counter:
        return Counter(issue.severity for issue in self.consolidation.issues)

    def task_counts(self) -> Counter:
        return Counter(task.state for task in self.consolidation.tasks)

    def precondition(self) -> tuple[int, int]:
        """(communes meeting all criteria, expected communes)."""
        communes = self.communes
        return sum(1 for r in communes if self.meets_all(r)), len(communes)


def collect_facts(consolidation: Consolidation) -> MasterFacts:
    reports = list(consolidation.units)
    if consolidation.district is not None:
        reports.append(consolidation.district)
    names = dict(consolidation.criteria_names)
    for report in consolidation.units:
        for result in report.criteria:
            names.setdefault(result.criterion_no, result.name)
    listed = [r for r in consolidation.units if r.unit.expected]
    listed += [r for r in consolidation.units if not r.unit.expected and r.submitted]
    return MasterFacts(
        consolidation=consolidation,
        criteria=sorted(names),
        criteria_names=names,
        listed=listed,
        statuses={r.unit.code: {c.criterion_no: c.status for c in r.criteria} for r in reports},
        unit_names={r.unit.code: r.unit.name for r in reports},
    )


def write_master(consolidation: Consolidation, path: Path | str) -> Path:
    """Write the master workbook to `path` atomically and return the path.

    If `path` cannot be replaced (open in Excel), `OutputLockedError` is raised and the
    previous file is left as it was.
    """
    target = Path(path)
    facts = collect_facts(consolidation)
    with atomic_path(target) as tmp:
        book = xlsxwriter.Workbook(str(tmp), WORKBOOK_OPTIONS)
        properties = {
            "title": f"Bảng tổng hợp nông thôn mới ngày {consolidation.as_of:%d/%m/%Y}",
            "author": "Văn phòng điều phối NTM",
            "comments": "Lập bằng ntm-excel",
        }
        if consolidation.created:
            properties["created"] = consolidation.created
        book.set_properties(properties)
        master_sheets.write_all(book, FormatCache(book), facts)
        book.close()  # not reached on error: the half-written temporary file is discarded
    return target
