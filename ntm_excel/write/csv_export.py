"""The consolidation as plain CSV files for other tools (spreadsheets, databases, dashboards).

Five UTF-8 files with a byte-order mark (so that Excel, opened by a double-click, shows the
Vietnamese letters), comma-separated, quoted where needed, each with a header row:
units.csv, indicators.csv, criteria.csv, tasks.csv, issues.csv. Machine words are English
(`yes`/`no`, `met`/`not_met`/`unknown`, task states); numbers use "." as decimal point,
percentages on the 0–100 scale; dates are yyyy-mm-dd. In indicators.csv, `part_of` names the
catalogue's «N.x» indicator a row is a part of (a row the catalogue does not list, accepted
under its own code), blank for the catalogue's own indicators.

Text is written as read, except that text a spreadsheet would take for a formula (starting
with = + - @, a tab or a carriage return: OWASP's "CSV injection") gets a `'` in front, and so
does text that itself starts with `'`. A program gets the text back by removing one leading
`'` from any text field; numbers are never changed ("-3" stays a number). Control characters
(but line breaks) and bidirectional overrides a commune typed are shown, never obeyed, as in
issue messages (`issues.as_data`: ESC as «␛»): a file printed in a terminal cannot drive it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from itertools import islice
from pathlib import Path

from ntm_excel.atomic import Generation
from ntm_excel.issues import OBEYED_BUT_CR, shown
from ntm_excel.model import Consolidation, UnitReport

UNITS = "units.csv"
INDICATORS = "indicators.csv"
CRITERIA = "criteria.csv"
TASKS = "tasks.csv"
ISSUES = "issues.csv"

HEADERS = {
    UNITS: (
        "unit_code",
        "unit_name",
        "submitted",
        "source_file",
        "criteria_met",
        "criteria_total",
        "errors",
        "warnings",
    ),
    INDICATORS: (
        "unit_code",
        "indicator_code",
        "value",
        "self_assessment",
        "computed_status",
        "status",
        "part_of",
    ),
    CRITERIA: ("unit_code", "criterion_no", "status"),
    TASKS: (
        "source",
        "unit_code",
        "criterion_no",
        "task",
        "due_date",
        "owners",
        "state",
        "section",
        "task_code",
        "lead",
        "directing",
        "recurrence",
        "partners",
    ),
    ISSUES: ("severity", "code", "unit_code", "file", "sheet", "cell", "message"),
}
OWNER_SEPARATOR = "; "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
# the same, one character each: `text[:1] in FORMULA_FIRST` is 3× faster than `startswith`
FORMULA_FIRST = frozenset(FORMULA_STARTS)
# what `issues.as_data` shows rather than obeys, but carriage returns: a cell's line breaks
# and the writer's row ends
_OBEYED_IN_CSV = re.compile(f"[{OBEYED_BUT_CR}]")
CHUNK_ROWS = 10_000  # rows written at a time: one pass over their text, not one per field


def number_text(value: float) -> str:
    """A number with "." as decimal point and no exponent: 85.5, 1234.5, 100 (not 100.0)."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value):
        return str(int(value))
    text = repr(value)  # the shortest digits that give the number back
    return text if "e" not in text else format(Decimal(text), "f")  # 1e-05: no exponent


def safe_text(text: str) -> str:
    """Text no spreadsheet takes for a formula: a `'` in front when it starts with = + - @,
    a tab, a carriage return or `'` (removing one leading `'` gives the text back)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def field_text(value: object) -> str:
    """One field: numbers as `number_text`, text made safe, None empty."""
    if type(value) is str:  # most fields: checked first
        return f"'{value}" if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if isinstance(value, float | int):
        return number_text(float(value))
    return safe_text(str(value))


def _reports(consolidation: Consolidation) -> list[UnitReport]:
    """Every listed unit, then the district when its own workbook was consolidated (a
    province's or the country's: every district whose workbook was)."""
    district = [consolidation.district] if consolidation.district else []
    districts = [report for report in consolidation.districts if report.submitted]
    return list(consolidation.units) + district + districts


def _units(reports: list[UnitReport]) -> Iterable[tuple]:
    for report in reports:
        assessed = bool(report.criteria)
        yield (
            report.unit.code,
            report.unit.name,
            "yes" if report.submitted else "no",
            report.submission.file_name if report.submission else "",
            report.criteria_met if assessed else "",
            len(report.criteria) if assessed else "",
            report.errors,
            report.warnings,
        )


def _indicators(reports: list[UnitReport]) -> Iterable[tuple]:
    for report in reports:
        for result in report.indicators:
            yield (
                result.unit_code,
                result.indicator_code,
                result.value,
                result.self_assessment._value_,  # `.value` is a Python call per field
                result.computed_status._value_,
                result.status._value_,
                result.part_of,
            )


def _criteria(reports: list[UnitReport]) -> Iterable[tuple]:
    for report in reports:
        for criterion in report.criteria:
            yield criterion.unit_code, criterion.criterion_no, criterion.status._value_


def _tasks(consolidation: Consolidation) -> Iterable[tuple]:
    for status in consolidation.tasks:
        task = status.task
        text = f"{task.text} ({task.milestone})" if task.milestone else task.text
        yield (
            task.source,
            task.unit_code,
            "" if task.criterion_no is None else task.criterion_no,
            text,
            task.due.isoformat() if task.due else "",
            OWNER_SEPARATOR.join(task.owners),
            status.state._value_,
            task.section,
            task.task_id,
            OWNER_SEPARATOR.join(task.lead),
            OWNER_SEPARATOR.join(task.directors),
            task.recurrence,
            OWNER_SEPARATOR.join(task.partners),
        )


def _issues(consolidation: Consolidation) -> Iterable[tuple]:
    for issue in consolidation.issues:
        yield (
            issue.severity._value_,
            issue.code,
            issue.unit_code,
            issue.file,
            issue.sheet,
            issue.cell,
            issue.message,
        )


def _fields(row: tuple) -> list:
    """A row's fields as `field_text` makes them; a plain text that needs nothing (most
    fields) taken as it is, without the call."""
    first = FORMULA_FIRST
    return [
        value if value.__class__ is str and value[:1] not in first else field_text(value)
        for value in row
    ]


def _write(path: Path, header: tuple[str, ...], rows: Iterable[tuple]) -> None:
    # UTF-8 with its byte-order mark written here: the "utf-8-sig" codec costs a
    # Python call per row written
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff")
        chunk = io.StringIO()
        writer = csv.writer(chunk)
        writer.writerow(header)
        fields = map(_fields, rows)
        while True:
            writer.writerows(islice(fields, CHUNK_ROWS))
            text = chunk.getvalue()
            if not text:
                break
            out.write(_OBEYED_IN_CSV.sub(shown, text))
            chunk.seek(0)
            chunk.truncate()


def csv_paths(directory: Path) -> list[Path]:
    """The five CSV files written into `directory`."""
    return [directory / name for name in HEADERS]


def write_csv_files(consolidation: Consolidation, files: Mapping[str, Path]) -> None:
    """Write each CSV file (by its name: units.csv …) to the path given for it."""
    reports = _reports(consolidation)
    rows = {
        UNITS: _units(reports),
        INDICATORS: _indicators(reports),
        CRITERIA: _criteria(reports),
        TASKS: _tasks(consolidation),
        ISSUES: _issues(consolidation),
    }
    for name, path in files.items():
        _write(path, HEADERS[name], rows[name])


def write_csv(consolidation: Consolidation, directory: Path | str) -> list[Path]:
    """Write the five CSV files into `directory` (created when missing), all five or none;
    return their paths."""
    directory = Path(directory)
    targets = csv_paths(directory)
    with Generation(directory / UNITS) as generation:
        write_csv_files(consolidation, {t.name: generation.stage(t) for t in targets})
        generation.commit()
    return targets
