"""Judge one submission against the criteria catalogue: statuses per indicator and criterion,
and the issues a commune must fix, each located at its sheet and A1 cell.

Rules of judgement:

- the computed status comes from the value and the unit's regional rule, and it is the
  status whenever the value decides;
- a numeric indicator (a threshold such as ≥98) is met only on a valid figure: a value that
  is missing or invalid leaves it unknown, whatever the commune assessed, because a
  certification must rest on figures; «Chưa đạt» written instead of the figure is taken at
  its word (it can only lower the result), «Đạt» without its figure is `value-invalid`;
- the self-assessment stands in only for the other indicators (qualitative, «Có»/«Không»,
  an unverified threshold) when their value cannot decide, and never for an invalid value;
  a qualitative or «Có»/«Không» indicator whose result cell is blank but whose
  self-assessment is given is not `value-missing`: the assessment is its result;
- a value that is not a usable figure for a numeric threshold (text other than «Chưa đạt»,
  a negative number, a percentage outside 0–100) is `value-invalid` and decides nothing;
- a composite threshold such as "≥98 (trong đó ≥60 nước sạch)" checks the main figure, and the
  part when the value cell holds a second figure ("98,5 (62 nước sạch)");
- the income threshold (indicator 10) is the set's 2020 target and is applied as it stands:
  the 2016–2020 set is assessed in 2020–2021, when that target is the one in force;
- thresholds marked unverified in the catalogue are applied like the others without an issue
  per row (the master shows the threshold text, and the catalogue flags the row for checking);
- a criterion the catalogue does not itemise (its only indicator is «N.x», e.g. 17.x) and that
  the submission writes row by row (17.1, 17.2 …): each row is a part of «N.x», kept under its
  own code and judged by its own self-assessment, since the catalogue knows no threshold for
  it (a blank one is `assessment-missing`); «N.x» is met when every part is, not met when any
  is not, unknown otherwise. A written self-assessment of «N.x» itself that says otherwise is
  `assessment-contradiction`. Parts are never `indicator-unknown`, and «N.x» is not
  `indicator-missing` while a part is there; a part numbered below the last one written
  but absent (17.1, 17.2, 17.4: no 17.3) is `indicator-missing` and leaves «N.x» unknown
  unless another part is not met;
- a row whose code the set lacks is `indicator-unknown`, but the rows of a criterion the set
  lacks altogether (a province's 21) give one `criterion-unknown` for the criterion.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ntm_excel.issues import Issue, make_issue
from ntm_excel.model import (
    STATUS_LABELS,
    CriterionResult,
    IndicatorEntry,
    IndicatorResult,
    Status,
    Submission,
    Unit,
)
from ntm_excel.read.sheets import formula_error
from ntm_excel.reference.catalog import Indicator, Rule, unitemised
from ntm_excel.values import MET_TEXT, NOT_MET_TEXT, blank_text, parse_number, strip_footnote

_FIGURE = re.compile(r"(?<![^\W\d_])[-\u2212]?\d[\d.,]*")
_TEXT_STATUS = {MET_TEXT: Status.MET, NOT_MET_TEXT: Status.NOT_MET}
# Rules that need a figure: a blank result is `value-missing` even beside «Đạt». For the
# others (qualitative, «Có»/«Không») the self-assessment is the result: its blank result
# column («Kết quả» left empty beside «Đạt») is the usual way to fill the form.
_NUMERIC_KINDS = frozenset({"numeric", "unverified"})

# where the district's "100% of communes" figure comes from, said when it contradicts the
# district's own assessment (the figure typed in its workbook is not the one judged)
OVERRIDE_SOURCE = "tính theo biểu của các xã; xã chưa nộp hoặc chưa đạt đủ tiêu chí là chưa đạt"


def number_text(value: float) -> str:
    """A figure as a Vietnamese reader writes it: "85,5", "100"."""
    text = f"{value:.15g}"
    return text.replace(".", ",") if "e" not in text else text


def _figures(raw: str) -> list[float]:
    """The numbers written in a value cell, in order ("98,5 (62 nước sạch)" → [98.5, 62])."""
    found = (parse_number(token) for token in _FIGURE.findall(strip_footnote(raw)))
    return [number for number in found if number is not None]


def _shown(value: float | str, raw: str, indicator: Indicator) -> str:
    """A value as quoted in a message: figures the Vietnamese way ("85,5%")."""
    if isinstance(value, float):
        return number_text(value) + ("%" if indicator.unit.strip() == "%" else "")
    return raw or value


def combine(statuses: Sequence[Status]) -> Status:
    """All met → met; any not met → not met; otherwise unknown (also for none at all)."""
    if any(s is Status.NOT_MET for s in statuses):
        return Status.NOT_MET
    if not statuses or any(s is Status.UNKNOWN for s in statuses):
        return Status.UNKNOWN
    return Status.MET


def final_status(rule: Rule, computed: Status, claimed: Status, invalid: bool) -> Status:
    """The status an indicator counts with: the computed one when the value decides; else
    unknown for a numeric indicator or an invalid value; else the self-assessment."""
    if computed is not Status.UNKNOWN:
        return computed
    if invalid or rule.kind == "numeric":
        return Status.UNKNOWN
    return claimed


PARTS_THRESHOLD = "mọi chỉ tiêu con tự đánh giá Đạt"  # shown for «N.x» judged from its parts
PART_THRESHOLD = "ngoài bộ tiêu chí, tính vào {code}"  # shown for a part


def parts_met(statuses: Sequence[Status], noun: str = "") -> str:
    """How many parts of «N.x» are met: "9/10 Đạt", "9/10 chỉ tiêu con Đạt"."""
    met = sum(1 for status in statuses if status is Status.MET)
    return " ".join(filter(None, [f"{met}/{len(statuses)}", noun, STATUS_LABELS[Status.MET]]))


# a part absent between those written: the catalogue has no wording for it
_PART_GAP = (
    "chỉ tiêu con của tiêu chí {name}: biểu ghi từ {first} đến {last} nhưng không có dòng này"
)
# «N.x» missing: its catalogue text is a list of topics in brackets, not a wording to copy
_PLACEHOLDER_MISSING = "tiêu chí {name}: ghi một dòng {code} hoặc từng chỉ tiêu con {n}.1, {n}.2 …"
_PER_ROW = {"indicator-missing", "value-missing", "assessment-missing"}  # of a filled table


class _Checker:
    """The validation of one submission; collects issues as it goes."""

    def __init__(self, submission: Submission, unit: Unit) -> None:
        self.submission = submission
        self.unit = unit
        self.issues: list[Issue] = []
        self.by_criterion = _assessed_by_criterion(submission)
        # no table (table-not-found), or one left blank: one issue says so, not one per row
        entries = submission.indicators
        self.unfilled = not (entries or submission.sheet) or (
            bool(entries)
            and not self.by_criterion
            and all(entry.value is None and _blank_assessment(entry) for entry in entries)
        )
        if entries and self.unfilled:
            self.issue("table-empty")
        if self.by_criterion:
            numbers = ", ".join(map(str, sorted(self.by_criterion)))
            self.issue("assessment-by-criterion", criteria=numbers)

    def issue(self, kind: str, sheet: str = "", cell: str = "", /, **details: object) -> None:
        if self.unfilled and kind in _PER_ROW:
            return
        self.issues.append(
            make_issue(
                kind,
                unit_code=self.unit.code,
                file=self.submission.file_name,
                sheet=sheet or self.submission.sheet,
                cell=cell,
                **details,
            )
        )

    def unassessed(self, entry: IndicatorEntry, code: str) -> None:
        """A row without a self-assessment: its cell blank, or words not understood."""
        if entry.criterion_no in self.by_criterion or entry.assessment_cell == entry.value_cell:
            return  # assessed on its criterion's row; a result in one «Kết quả tự đánh giá» column
        if not blank_text(entry.assessment_raw):  # «-», «…»: left blank
            self.issue("assessment-unreadable", entry.sheet, entry.assessment_cell, code=code,
                       text=entry.assessment_raw.strip())  # fmt: skip
        else:
            self.issue("assessment-missing", entry.sheet, entry.assessment_cell, code=code)

    def figure_problem(self, number: float, indicator: Indicator, rule: Rule) -> str:
        """Why a figure cannot be a value of the indicator ("" when it can). A percentage of
        a reference level («≥110» % of the advanced communes' income) may pass 100."""
        if number < 0:
            return "số liệu không được âm"
        beyond = rule.value is not None and rule.value > 100
        if "%" in indicator.unit and number > 100 and not beyond:
            return "tỷ lệ phần trăm phải từ 0 đến 100"
        return ""

    def computed(
        self, indicator: Indicator, rule: Rule, value: float | str, raw: str, entry: IndicatorEntry
    ) -> Status:
        """The status the value decides, reporting a value that cannot be judged."""
        if isinstance(value, str) and (error := formula_error(raw, entry.value_cell)):
            self.invalid(indicator, raw, entry, error)  # «#DIV/0!»: a formula that failed
            return Status.UNKNOWN
        if isinstance(value, float):  # the reader's figure; a second one of the cell: a part
            written = _figures(raw) if rule.parts else []
            # unless the figure is not the first written («2.970 hộ/3.000 hộ» → 99%)
            parts = written[1:] if written and written[0] == value else []
            figures = [value, *parts]
        elif rule.kind == "numeric":
            figures = _figures(raw) if rule.parts else []
            if not figures:
                if _TEXT_STATUS.get(value) is Status.NOT_MET:
                    return Status.NOT_MET  # "not met" needs no figure
                unit = f" ({indicator.unit})" if indicator.unit else ""
                need = f"cần ghi số liệu{unit}"
                if value in _TEXT_STATUS:
                    need += " để đối chiếu với chỉ tiêu, không chỉ ghi «Đạt»"
                self.invalid(indicator, raw, entry, need)
                return Status.UNKNOWN
        else:
            return rule.evaluate(value)
        problems = [p for p in (self.figure_problem(f, indicator, rule) for f in figures) if p]
        if problems:
            self.invalid(indicator, raw, entry, problems[0])
            return Status.UNKNOWN
        statuses = [rule.evaluate(figures[0])]
        statuses += [part.evaluate(f) for part, f in zip(rule.parts, figures[1:], strict=False)]
        return combine(statuses)

    def invalid(self, indicator: Indicator, raw: str, entry: IndicatorEntry, reason: str) -> None:
        self.issue(
            "value-invalid",
            entry.sheet,
            entry.value_cell,
            code=indicator.code,
            raw=raw,
            reason=reason,
        )

    def indicator(
        self, indicator: Indicator, entry: IndicatorEntry | None, override: float | None
    ) -> IndicatorResult:
        code = indicator.code
        rule = indicator.rule_for(self.unit.region)
        threshold = indicator.threshold_for(self.unit.region)
        claimed = entry.self_assessment if entry else Status.UNKNOWN
        if entry and self.by_criterion.get(entry.criterion_no) is Status.MET:
            claimed = Status.MET  # its criterion «Đạt»: every indicator of it is
        value: float | str | None
        if override is not None:
            value, raw = override, number_text(override)
        elif entry is None:
            self.issue("indicator-missing", code=code, text=_missing_text(indicator))
            value, raw = None, ""
        else:
            value, raw = entry.value, entry.raw
        computed = Status.UNKNOWN
        invalid = False
        if entry is not None:
            if value is None:
                if rule.kind in _NUMERIC_KINDS or claimed is Status.UNKNOWN:
                    self.issue("value-missing", entry.sheet, entry.value_cell, code=code)
            else:
                before = len(self.issues)
                computed = self.computed(indicator, rule, value, raw, entry)
                invalid = any(i.code == "value-invalid" for i in self.issues[before:])
            if claimed is Status.UNKNOWN:
                self.unassessed(entry, code)
            elif computed is not Status.UNKNOWN and claimed is not computed:
                self.issue(
                    "assessment-contradiction",
                    entry.sheet,
                    entry.assessment_cell,
                    code=code,
                    value=_shown(value, raw, indicator)
                    + (f" ({OVERRIDE_SOURCE})" if override is not None else ""),
                    threshold=threshold,
                    computed=STATUS_LABELS[computed],
                    claimed=STATUS_LABELS[claimed],
                )
        elif override is not None:
            computed = rule.evaluate(override)
        return IndicatorResult(
            unit_code=self.unit.code,
            indicator_code=code,
            criterion_no=indicator.criterion_no,
            threshold=threshold,
            value=value,
            raw=raw,
            self_assessment=claimed,
            computed_status=computed,
            status=final_status(rule, computed, claimed, invalid),
            file=self.submission.file_name,
            sheet=entry.sheet if entry else self.submission.sheet,
            cell=entry.value_cell if entry else "",
        )

    def part(self, holder: Indicator, entry: IndicatorEntry) -> IndicatorResult:
        """A row of a criterion not itemised: judged by its own self-assessment."""
        claimed = entry.self_assessment
        if claimed is Status.UNKNOWN:
            self.unassessed(entry, entry.code)
        return IndicatorResult(
            unit_code=self.unit.code,
            indicator_code=entry.code,
            criterion_no=holder.criterion_no,
            threshold=PART_THRESHOLD.format(code=holder.code),
            value=entry.value,
            raw=entry.raw,
            self_assessment=claimed,
            computed_status=Status.UNKNOWN,
            status=claimed,
            file=self.submission.file_name,
            sheet=entry.sheet,
            cell=entry.value_cell or entry.assessment_cell,
            part_of=holder.code,
        )

    def missing_parts(self, holder: Indicator, entries: Sequence[IndicatorEntry]) -> int:
        """Report the parts numbered below the last one written that have no row (17.1, 17.2,
        17.4: no 17.3); how many there are."""
        number = holder.criterion_no
        written = {
            int(suffix)
            for entry in entries
            if (suffix := entry.code.partition(".")[2]).isdigit() and len(suffix) <= 2
        }
        last = max(written, default=0)
        gaps = [k for k in range(1, last) if k not in written]
        for k in gaps:
            self.issue("indicator-missing", code=f"{number}.{k}", text=_PART_GAP.format(
                name=holder.criterion_name, first=f"{number}.1", last=f"{number}.{last}",
            ))  # fmt: skip
        return len(gaps)

    def placeholder(
        self,
        holder: Indicator,
        own: IndicatorEntry | None,
        parts: Sequence[IndicatorResult],
        missing: int = 0,
    ) -> IndicatorResult:
        """«N.x» from its parts; `own` is its own row, if the file has one beside them;
        `missing` parts have no row (each unknown)."""
        statuses = [part.status for part in parts] + [Status.UNKNOWN] * missing
        status = combine(statuses)
        claimed = own.self_assessment if own else Status.UNKNOWN
        if Status.UNKNOWN not in (claimed, status) and claimed is not status:
            self.issue(
                "assessment-contradiction",
                own.sheet,
                own.assessment_cell,
                code=holder.code,
                value=f"«{parts_met(statuses, 'chỉ tiêu con')}»",
                threshold=f"«{PARTS_THRESHOLD}»",
                computed=STATUS_LABELS[status],
                claimed=STATUS_LABELS[claimed],
            )
        first = parts[0]
        return IndicatorResult(
            unit_code=self.unit.code,
            indicator_code=holder.code,
            criterion_no=holder.criterion_no,
            threshold=PARTS_THRESHOLD,
            value=None,
            raw=parts_met(statuses),
            self_assessment=status if claimed is Status.UNKNOWN else claimed,
            computed_status=Status.UNKNOWN,
            status=status,
            file=self.submission.file_name,
            sheet=own.sheet if own else first.sheet,
            cell=(own.value_cell or own.assessment_cell) if own else first.cell,
        )


def _missing_text(indicator: Indicator) -> str:
    """What a missing indicator is, as its message says it: its wording, or for «N.x» the
    criterion and how to write it."""
    if not indicator.placeholder:
        return indicator.text
    return _PLACEHOLDER_MISSING.format(
        name=indicator.criterion_name, code=indicator.code, n=indicator.criterion_no
    )


def _assessed_by_criterion(submission: Submission) -> dict[int, Status]:
    """Criterion → its row's self-assessment, for the criteria assessed only there: every
    indicator row of the criterion has a blank assessment cell."""
    rows: dict[int, list[IndicatorEntry]] = {}
    for entry in submission.indicators:
        rows.setdefault(entry.criterion_no, []).append(entry)
    return {
        row.criterion_no: row.self_assessment
        for row in submission.criteria
        if row.self_assessment is not Status.UNKNOWN
        and rows.get(row.criterion_no)
        and all(_blank_assessment(entry) for entry in rows[row.criterion_no])
    }


def _blank_assessment(entry: IndicatorEntry) -> bool:
    return entry.self_assessment is Status.UNKNOWN and not entry.assessment_raw.strip()


def validate_submission(
    submission: Submission,
    unit: Unit,
    indicators: Sequence[Indicator],
    *,
    overrides: Mapping[str, float] | None = None,
) -> tuple[list[IndicatorResult], list[CriterionResult], list[Issue]]:
    """Indicator and criterion results of `submission` for `unit`, with the issues found.

    `indicators` is the catalogue resolved for the unit's set and province. `overrides` gives
    values computed elsewhere (the district's "100% of communes" indicator): they replace the
    workbook's value, and a row missing from the workbook is then not reported.
    """
    overrides = overrides or {}
    checker = _Checker(submission, unit)
    entries: dict[str, IndicatorEntry] = {}
    for entry in submission.indicators:
        entries.setdefault(entry.code, entry)
    known = {indicator.code for indicator in indicators}
    placeholders = unitemised(indicators)
    parts: dict[str, list[IndicatorEntry]] = {}  # «N.x» → the rows written under N
    for code, entry in entries.items():
        holder = placeholders.get(entry.criterion_no) if code not in known else None
        if holder is not None:
            parts.setdefault(holder.code, []).append(entry)
    results: list[IndicatorResult] = []
    for ind in indicators:
        if ind.code in parts:
            judged = [checker.part(ind, entry) for entry in parts[ind.code]]
            missing = checker.missing_parts(ind, parts[ind.code])
            own = entries.get(ind.code)
            results += [checker.placeholder(ind, own, judged, missing), *judged]
        else:
            results.append(checker.indicator(ind, entries.get(ind.code), overrides.get(ind.code)))
    unknown: dict[int, list[IndicatorEntry]] = {}  # criterion → its rows the set lacks
    for code, entry in entries.items():
        if code not in known and entry.criterion_no not in placeholders:
            unknown.setdefault(entry.criterion_no, []).append(entry)
    numbers = {ind.criterion_no for ind in indicators}
    for number, rows in unknown.items():
        if number not in numbers:  # a province's criterion 21: one warning for the criterion
            codes = ", ".join(entry.code for entry in rows)
            first = rows[0]
            checker.issue("criterion-unknown", first.sheet, first.value_cell, criterion=number,
                          codes=codes)  # fmt: skip
            continue
        for entry in rows:
            checker.issue("indicator-unknown", entry.sheet, entry.value_cell, code=entry.code)

    names = {ind.criterion_no: ind.criterion_name for ind in indicators}
    criteria = [
        CriterionResult(
            unit_code=unit.code,
            criterion_no=number,
            name=name,
            status=combine(
                [r.status for r in results if r.criterion_no == number and not r.part_of]
            ),
        )
        for number, name in names.items()
    ]
    statuses = {c.criterion_no: c.status for c in criteria}
    for row in submission.criteria:
        computed = statuses.get(row.criterion_no, Status.UNKNOWN)
        claimed = row.self_assessment
        if Status.UNKNOWN not in (computed, claimed) and computed is not claimed:
            checker.issue(
                "criterion-contradiction",
                row.sheet,
                row.cell,
                criterion=f"{row.criterion_no} ({names[row.criterion_no]})",
                claimed=STATUS_LABELS[claimed],
                computed=STATUS_LABELS[computed],
            )
    if submission.reported_total is not None:  # unknown criteria may be counted either way
        reported_met, reported_of = submission.reported_total
        met = sum(1 for c in criteria if c.status is Status.MET)
        unknown = sum(1 for c in criteria if c.status is Status.UNKNOWN)
        if not met <= reported_met <= met + unknown:
            checker.issue(
                "total-mismatch",
                "",
                submission.total_cell,
                reported=f"{reported_met}/{reported_of}",
                computed=f"{met}/{len(criteria)}",
            )
    return results, criteria, checker.issues
