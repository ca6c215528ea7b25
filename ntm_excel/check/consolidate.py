"""Put together the picture of the whole district on one date: every unit of the registry with
the submission it is judged by, every task, every issue.

`check_files` reads and validates the files it is given (what `ntm-excel validate` shows);
`consolidate` adds what only a whole batch can tell: units that did not submit, units that
sent several files, lateness, the district's own criteria and the plan's tasks. Reading is in
`ntm_excel.read.batch`, and each commune's file is validated in the worker process that read it
(`_Judge`): only its report travels back. The figures every output shows are in
`ntm_excel.check.figures`.

Given the submission history (`ntm_excel.history`), both archive every file, take readings
made before from the store (`ntm_excel.check.record`), and `consolidate` records each unit's
files as versions and attaches the history's view (`ntm_excel.check.progress`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from ntm_excel.check.figures import IssueCounts, all_communes_share, issues_by_unit
from ntm_excel.check.progress import history_view
from ntm_excel.check.record import (
    Reading,
    criteria_fingerprint,
    judgement_context,
    read_through,
    version_record,
)
from ntm_excel.check.tasks import assign_communes, duty_tasks, owner_issues, task_statuses
from ntm_excel.check.validate import validate_submission
from ntm_excel.config import VIETNAM_TIME, Config, vietnam_time
from ntm_excel.history import History, VersionRecord
from ntm_excel.issues import Issue, make_issue
from ntm_excel.model import (
    COMMUNE,
    DISTRICT,
    Consolidation,
    LevelResult,
    Submission,
    Target,
    Unit,
    UnitReport,
)
from ntm_excel.periods import Calendar, config_calendar
from ntm_excel.read.batch import (
    FileResult,
    Progress,
    frozen_heap,
    read_files,
    read_one,
    reading_context,
    settle,
)
from ntm_excel.read.inbox import list_submissions, shown_names
from ntm_excel.reference.catalog import Catalog, Indicator, district_set, load_catalog
from ntm_excel.reference.contacts import commune_addresses, load_contacts, mail_addresses
from ntm_excel.reference.plan import load_plan
from ntm_excel.reference.registry import Registry, district_key, load_registry
from ntm_excel.vocabulary import Vocabulary, load_vocabulary

ALL_COMMUNES_CODE = "0"  # the district indicator "100% of communes meet the standard"
FORMULA_WITHOUT_VALUE = "formula-without-value"
OPEN_WHEN_COPIED = "file-open-when-copied"  # an Excel lock file beside the workbook
LEVELS = ("nâng cao", "kiểu mẫu")  # target levels judged against a set of their own
_KNOWN_UNIT = ("unit-unknown", "unit-ambiguous", "roadmap-not-found")


def _main_province(registry: Registry) -> str:
    counts = Counter(unit.province for unit in registry.units)
    return counts.most_common(1)[0][0] if counts else ""


class _Batch:
    """The state of one consolidation while it is put together."""

    def __init__(
        self,
        catalog: Catalog,
        catalog_set: str,
        registry: Registry,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self.catalog = catalog
        self.catalog_set = catalog_set
        self.registry = registry
        self.vocabulary = vocabulary
        self._indicators: dict[tuple[str, str], list[Indicator]] = {}

    def indicators(self, province: str, set_id: str | None = None) -> list[Indicator]:
        key = (set_id or self.catalog_set, province)
        if key not in self._indicators:
            self._indicators[key] = self.catalog.resolve(*key)
        return self._indicators[key]

    def validate(
        self,
        submission: Submission,
        unit: Unit,
        read_issues: list[Issue],
        set_id: str | None = None,
        overrides: dict[str, float] | None = None,
    ) -> tuple[UnitReport, list[Issue]]:
        """The unit's report from one submission, with the reader's and validator's issues."""
        indicators = self.indicators(unit.province, set_id)
        results, criteria, issues = validate_submission(
            submission, unit, indicators, overrides=overrides
        )
        formulas = {(i.sheet, i.cell) for i in read_issues if i.code == FORMULA_WITHOUT_VALUE}
        issues = read_issues + [  # a formula without its result is already the reason
            i for i in issues if not (i.code == "value-missing" and (i.sheet, i.cell) in formulas)
        ]
        counts = IssueCounts.of(issues)
        report = UnitReport(unit, submission, results, criteria, counts.errors, counts.warnings)
        return report, issues


@dataclass
class Judged:
    """A file's reading with, for each unit it holds (a commune), that unit's report."""

    reading: FileResult
    reports: list[tuple[UnitReport, list[Issue]] | None]  # None: not a commune's submission


@dataclass(frozen=True)
class _Judge:
    """Validates a file's submissions where the file was read (see `read_files`' `then`):
    only the reports travel back, and the work is shared by the worker processes."""

    batch: _Batch

    def __call__(self, path: Path, reading: FileResult) -> Judged:
        reports = []
        for submission, read_issues in reading:
            registry = self.batch.registry
            code = submission.unit_code if submission else None
            unit = registry.get(code) if code else None
            if unit is None or unit.tier == DISTRICT or _level_workbook(submission, unit):
                reports.append(None)  # not judged, or judged on its own (see `check_files`)
            else:
                if submission.level:  # used only when the commune sent nothing else
                    read_issues = [*read_issues, self._level_form(submission, unit)]
                reports.append(self.batch.validate(submission, unit, read_issues))
        return Judged(reading, reports)

    def _level_form(self, submission: Submission, unit: Unit) -> Issue:
        """A form titled with a level the commune does not aim at, judged on the commune set."""
        return make_issue(
            "submission-level-form",
            unit_code=unit.code,
            file=submission.file_name,
            sheet=submission.sheet,
            level=submission.level,
            unit=unit.name,
            target=unit.target_level or "đạt chuẩn",
            catalog_set=self.batch.catalog_set,
        )


def _level_workbook(submission: Submission, unit: Unit) -> bool:
    """A commune's workbook for the level it aims at (nâng cao, kiểu mẫu), judged apart."""
    return bool(submission.level) and submission.level == unit.target_level


def _choose(candidates: list[tuple[UnitReport, list[Issue]]]) -> tuple[int, str]:
    """Which of one unit's submissions to use, and why (in Vietnamese)."""

    def key(item: tuple[UnitReport, list[Issue]]):
        sub, errors = item[0].submission, item[0].errors
        signed = -sub.report_date.toordinal() if sub.report_date else 0
        # `sheet`, not `indicators`: a kept submission's details stay packed
        # a form titled «… nông thôn mới nâng cao/kiểu mẫu» is never the commune set's
        return (
            not sub.sheet, bool(sub.level), signed, -sub.modified.timestamp(), errors,
            sub.file_name,
        )  # fmt: skip

    order = sorted(range(len(candidates)), key=lambda i: key(candidates[i]))
    first, second = key(candidates[order[0]]), key(candidates[order[1]])
    reasons = (
        "tệp có bảng tự đánh giá",
        "biểu theo bộ tiêu chí xã, không phải biểu nâng cao, kiểu mẫu",
        "báo cáo ký ngày gần nhất",
        "tệp sửa gần nhất",
        "cùng ngày ký và thời điểm sửa, tệp ít lỗi hơn",
        "cùng ngày ký, thời điểm sửa và số lỗi, xếp trước theo tên tệp",
    )
    differs = next((i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b), 5)
    return order[0], reasons[differs]


@dataclass
class JudgedDistrict:
    """A district's own workbook judged against the district's set."""

    report: UnitReport
    issues: list[Issue]
    context: str  # its reading context (see `reading_context`)


@dataclass
class Checked:
    """The files of a batch, read and validated: what `ntm-excel validate` reports."""

    units: dict[str, tuple[UnitReport, list[Issue]]]  # unit code → report used, its issues
    districts: dict[str, JudgedDistrict]  # district code → its own self-assessment
    loose: list[Issue]  # files without a known unit, paths not found, the district's duplicates
    province: str
    candidates: dict[str, list[tuple[UnitReport, list[Issue]]]]  # every file of each unit
    submissions: list[Submission]  # everything read, in file order (units known or not)
    reading: Reading | None = None  # how the files were read, when through the history
    # unit code → its judgement against its target level's set, with that file's issues
    levels: dict[str, tuple[LevelResult, list[Issue]]] = field(default_factory=dict)

    @property
    def district(self) -> UnitReport | None:
        """The district's report when the registry is one district's."""
        found = list(self.districts.values())
        return found[0].report if len(found) == 1 else None

    @property
    def district_issues(self) -> list[Issue]:
        return [issue for judged in self.districts.values() for issue in judged.issues]


def _judge_level(
    batch: _Batch, unit: Unit, submission: Submission | None
) -> tuple[LevelResult, list[Issue]]:
    """A commune aiming at "nâng cao"/"kiểu mẫu" against that level's set (when the catalogue
    holds it for the unit's province), from its self-assessment titled with that level."""
    level = unit.target_level
    set_id = batch.catalog.level_set(batch.catalog_set, level)
    indicators = batch.indicators(unit.province, set_id) if set_id else []
    if not indicators:
        return LevelResult(level, submission=submission), []
    unverified = sum(1 for i in indicators if i.rule_for(unit.region).kind == "unverified")
    if submission is None:
        return LevelResult(level, set_id, unverified), []
    # read here, not in a worker: these very bytes were read in a worker already (the parsing
    # that could crash does not depend on the set), and a pool per commune would cost more
    units_read = read_one(Path(submission.path), batch.registry, indicators, batch.vocabulary)
    read, read_issues = next(
        (r for r in units_read if r[0] is not None and r[0].unit_code == unit.code), units_read[0]
    )
    issues = [replace(i, unit_code=unit.code) for i in read_issues if i.code not in _KNOWN_UNIT]
    if read is None:
        errors = IssueCounts.of(issues).errors
        return LevelResult(level, set_id, unverified, submission, errors=errors), issues
    read = replace(read, unit_code=unit.code)
    results, criteria, found = validate_submission(read, unit, indicators)
    issues += found
    return LevelResult(
        level,
        set_id,
        unverified,
        read,
        tuple(results),
        tuple(criteria),
        IssueCounts.of(issues).errors,
    ), issues


def _newest(submissions: list[Submission]) -> Submission | None:
    """The latest signed, then latest modified, of a unit's files for its level's set."""
    if not submissions:
        return None
    return max(submissions, key=lambda s: (s.report_date or date.min, s.modified, s.file_name))


# File times closer than this are the same time: files unpacked, copied or checked out together
# get times microseconds apart in any order, and FAT keeps times to two seconds.
SAME_TIME = timedelta(seconds=2)


@dataclass(frozen=True)
class _Unreadable:
    """A file of a known unit (by its name or its folder's) that could not be read."""

    path: Path
    modified: datetime
    issues: list[Issue]


def _used(
    unit: Unit,
    candidates: list[tuple[UnitReport, list[Issue]]],
    unreadable: Sequence[_Unreadable] = (),
):
    """The report of one unit's submissions that is used, with its issues: when the unit sent
    several files, the issue saying which one is used and why; when a file sent after it (or
    at the same time) cannot be read, that file's error and the issue saying that an older
    file is used."""
    chosen, reason = _choose(candidates) if len(candidates) > 1 else (0, "tệp sửa gần nhất")
    report, found = candidates[chosen]
    used = report.submission
    issues = list(found)
    issues += [  # the unit's other files open in Excel when copied are the unit's to know
        issue
        for i, (_, other_found) in enumerate(candidates)
        if i != chosen
        for issue in other_found
        if issue.code == OPEN_WHEN_COPIED
    ]
    roadmap = _roadmap_elsewhere(candidates, chosen)
    if roadmap is not None:  # its tasks join the table's: a copy, the candidates stay as read
        other, other_found = candidates[roadmap]
        report = replace(report, submission=_with_tasks(used, other.submission.tasks))
        issues = [issue for issue in issues if issue.code != "roadmap-not-found"]
        issues += [issue for issue in other_found if issue.code in _ROADMAP_CODES]
        issues.append(
            make_issue(
                "roadmap-other-file",
                unit_code=unit.code,
                file=other.submission.file_name,
                unit=unit.name,
                roadmap=other.submission.file_name,
                used=used.file_name,
            )
        )
    newer = [u for u in unreadable if u.modified >= used.modified - SAME_TIME]  # in doubt, say so
    ignored = [
        f"«{c[0].submission.file_name}»"
        for i, c in enumerate(candidates)
        if i not in (chosen, roadmap)
    ]
    ignored += [f"«{u.path.name}» (không đọc được)" for u in unreadable if u not in newer]
    if ignored:
        issues.append(
            make_issue(
                "unit-duplicate",
                unit_code=unit.code,
                file=used.file_name,
                unit=unit.name,
                count=len(ignored) + 1 + (roadmap is not None),
                used=used.file_name,
                reason=reason,
                ignored=", ".join(ignored),
            )
        )
    if newer:
        newest = max(newer, key=lambda u: u.modified)
        issues += [issue for u in newer for issue in u.issues]
        issues.append(
            make_issue(
                "unit-newest-unreadable",
                unit_code=unit.code,
                file=newest.path.name,
                unit=unit.name,
                newest=newest.path.name,
                used=used.file_name,
            )
        )
    counts = IssueCounts.of(issues)
    report.errors, report.warnings = counts.errors, counts.warnings
    return report, issues


# What a roadmap-only file says of its own roadmap (its table's absence is not the unit's)
_ROADMAP_CODES = frozenset(
    {"deadline-invalid", "owner-invalid", "recurrence-invalid", "done-log-invalid"}
)


def _roadmap_elsewhere(candidates: list[tuple[UnitReport, list[Issue]]], chosen: int) -> int | None:
    """The unit's newest file holding only a roadmap, when the file used has none (a commune
    that sent its table and its roadmap as two workbooks)."""
    if candidates[chosen][0].submission.tasks:
        return None
    roadmaps = [
        i
        for i, (report, _) in enumerate(candidates)
        if i != chosen and report.submission.tasks and not report.submission.sheet
    ]
    if not roadmaps:
        return None

    def newest(i: int) -> tuple:
        sub = candidates[i][0].submission
        return (sub.report_date or date.min, sub.modified, sub.file_name)

    return max(roadmaps, key=newest)


def _with_tasks(submission: Submission, tasks: tuple) -> Submission:
    """A plain copy of `submission` (a kept one decodes its details) holding `tasks`."""
    values = {f.name: getattr(submission, f.name) for f in fields(Submission)}
    return Submission(**(values | {"tasks": tasks}))


def _named_unit(registry: Registry, path: Path, issues: list[Issue]) -> Unit | None:
    """The commune (or town) of an unreadable file: the one the reader found by the file's
    name, else the one its folder's name names without doubt."""
    code = next((issue.unit_code for issue in issues if issue.unit_code), "")
    found = (
        registry.get(code)
        if code
        else registry.match(re.sub(r"[_\-.]+", " ", path.parent.name)).unit
    )
    return found if found is not None and found.tier == COMMUNE else None


def check_files(
    paths: Sequence[Path | str],
    *,
    catalog: Catalog,
    registry: Registry,
    catalog_set: str,
    district_workbook: Path | str | None = None,
    vocabulary: Vocabulary | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    history: History | None = None,
    skip: Sequence[Path | str] = (),
    keep: bool = True,
) -> Checked:
    """Read every file under `paths` (leaving out the tool's own folders `skip`, see
    `ntm_excel.read.inbox`) and validate it against its unit's criteria.

    A unit that sent several files is judged by one of them (the latest signed, then the
    latest modified). A district's own workbook (the newest file of the district found among
    `paths`; for a one-district registry, `district_workbook` when given) is judged against
    the district's set, its "100% of communes" counted over the district's expected communes.
    With a province or country registry, `district_workbook` is one more file to read. With
    `history`, every file is archived and files read before are not parsed again (what was
    read now is stored at once, or with `keep=False` when the caller calls
    `checked.reading.keep`). A file that cannot be read is tied to the commune its name (or
    its folder's) names (see `_used`).
    """
    batch = _Batch(catalog, catalog_set, registry, vocabulary)
    province = _main_province(registry)
    single = _one_district(registry)
    if district_workbook is not None and not single:
        paths, district_workbook = [*paths, district_workbook], None
    listing = list_submissions(paths, skip=skip)
    files, locked = listing.files, listing.locked
    loose = [issue for issue in listing.issues if issue.code != OPEN_WHEN_COPIED]  # tied below
    indicators = batch.indicators(province)
    reading = None
    if history is None:
        read = read_files(
            files,
            registry,
            indicators,
            vocabulary=vocabulary,
            workers=workers,
            progress=progress,
            then=_Judge(batch),
        )
    else:
        extra = [Path(district_workbook)] if district_workbook else []
        reading = read_through(
            history,
            files,
            registry,
            indicators,
            extra=[p for p in extra if p.is_file()],
            vocabulary=vocabulary,
            workers=workers,
            progress=progress,
            then=_Judge(batch),
            judging=criteria_fingerprint(catalog, catalog_set),  # the judgements kept too
            keep=keep,
        )
        read = reading.results
    by_unit: dict[str, list[tuple[UnitReport, list[Issue]]]] = {}
    unreadable: dict[str, list[_Unreadable]] = {}
    district_files: dict[str, list[Submission]] = {}
    level_files: dict[str, list[Submission]] = {}
    results = [
        (path, result, report)
        for path, file in zip(files, read, strict=True)
        for result, report in zip(file.reading, file.reports, strict=True)
    ]
    shown = shown_names(files)  # a name several files have: with their folders
    for path, (submission, read_issues), report in results:
        unit = registry.get(submission.unit_code) if submission and submission.unit_code else None
        code = unit.code if unit else ""
        lock = [replace(locked.pop(path), unit_code=code)] if path in locked else []
        # said once, with the file's first unit: it reaches its feedback and reminders
        read_issues = [*read_issues, *lock]
        if path in shown:
            read_issues = [_shown(issue, path, shown[path]) for issue in read_issues]
            lock = [_shown(issue, path, shown[path]) for issue in lock]
        if submission is None and any(i.code == "file-unreadable" for i in read_issues):
            named = _named_unit(registry, path, read_issues)
            if named is not None:  # tied to its unit: it reaches the unit's reminders
                tied = [replace(issue, unit_code=named.code) for issue in read_issues]
                modified = vietnam_time(path.stat().st_mtime)  # as submissions' times
                unreadable.setdefault(named.code, []).append(_Unreadable(path, modified, tied))
                continue
        if unit is None:
            loose += read_issues
        elif unit.tier == DISTRICT:  # read again below, against the district's set
            district_files.setdefault(unit.code, []).append(submission)
            loose += lock
        elif _level_workbook(submission, unit):  # read again below
            level_files.setdefault(unit.code, []).append(submission)
            loose += lock
        else:  # validated where it was read
            by_unit.setdefault(unit.code, []).append((report[0], [*report[1], *lock]))
    units = {
        unit.code: _used(unit, by_unit[unit.code], unreadable.get(unit.code, ()))
        for unit in registry.units
        if unit.tier == COMMUNE and unit.code in by_unit
    }
    for code, files_of_unit in unreadable.items():  # nothing readable: the errors stand alone
        if code not in units:
            loose += [issue for u in files_of_unit for issue in u.issues]
    workbooks: dict[str, Path] = {}  # district code → its workbook
    for code, found in district_files.items():
        newest = max(found, key=lambda s: (s.modified, s.file_name))
        workbooks[code] = Path(district_workbook if single and district_workbook else newest.path)
        duplicate = _district_duplicate(registry, found, workbooks[code])
        loose += [duplicate] if duplicate else []
    if single and district_workbook is not None and registry.tier(DISTRICT):
        workbooks = {registry.tier(DISTRICT)[0].code: Path(district_workbook)}
    communes: dict[tuple[str, str], list[UnitReport]] = {}
    for unit in registry.tier(COMMUNE):
        report = units[unit.code][0] if unit.code in units else UnitReport(unit)
        communes.setdefault(("",) if single else district_key(unit), []).append(report)
    districts: dict[str, JudgedDistrict] = {}
    for code, path in workbooks.items():
        unit = registry.get(code)
        mine = communes.get(("",) if single else district_key(unit), [])
        report, found = _district(batch, unit, path, mine)
        set_id = district_set(catalog_set)
        context = reading_context(registry, batch.indicators(unit.province, set_id), vocabulary)
        districts[code] = JudgedDistrict(report, found, context)
    levels = {
        unit.code: _judge_level(batch, unit, _newest(level_files.get(unit.code, [])))
        for unit in registry.tier(COMMUNE)
        if unit.target_level in LEVELS
    }
    submissions = [submission for _, (submission, _), _ in results if submission is not None]
    return Checked(units, districts, loose, province, by_unit, submissions, reading, levels)


def _shown(issue: Issue, path: Path, name: str) -> Issue:
    return replace(issue, file=name) if issue.file == path.name else issue


def _one_district(registry: Registry) -> bool:
    """Whether the registry is one district's (its own row, its communes), not a province's."""
    return len(registry.tier(DISTRICT)) <= 1


def _unit_addresses(registry: Registry, contacts_file: Path | None) -> dict[str, set[str]]:
    """Unit code → its known mail addresses (lower case): the registry's Email column and
    the contact book's «Liên hệ xã» sheet (a cell may hold several), as `collect` knows
    its senders."""
    found: dict[str, set[str]] = {}
    for unit in registry.units:
        found.setdefault(unit.code, set()).update(mail_addresses(unit.email))
    if contacts_file is not None:
        for address, codes in commune_addresses(contacts_file).items():
            for code in codes:
                found.setdefault(code, set()).add(address)
    return found


def _from_a_stranger(
    report: UnitReport, senders: dict[str, frozenset[str]], addresses: dict[str, set[str]]
) -> Issue | None:
    """The warning for a file used for a unit that came by mail only from addresses not the
    unit's, when the unit's addresses are known (a commune's workbook can come from anyone)."""
    came_from = senders.get(report.submission.sha256)
    known = addresses.get(report.unit.code)
    if not came_from or not known or came_from & known:
        return None
    return make_issue(
        "unit-sender-unknown",
        unit_code=report.unit.code,
        file=report.submission.file_name,
        name=report.submission.file_name,
        unit=report.unit.name,
        senders=", ".join(sorted(came_from)),
        known=", ".join(sorted(known)),
    )


def _late(report: UnitReport, deadline: date) -> Issue | None:
    """Record whether the report came in time; the issue when it did not."""
    received = report.submission.received
    report.on_time = received <= deadline
    if report.on_time:
        return None
    return make_issue(
        "submission-late",
        unit_code=report.unit.code,
        file=report.submission.file_name,
        unit=report.unit.name,
        received=received.strftime("%d/%m/%Y"),
        deadline=deadline.strftime("%d/%m/%Y"),
    )


@frozen_heap()  # what exists and the readings are not walked by every full collection
def consolidate(
    paths: Sequence[Path | str],
    *,
    catalog: Catalog,
    registry: Registry,
    catalog_set: str,
    as_of: date,
    plan=None,
    contacts=None,
    contacts_file: Path | None = None,
    district_workbook: Path | str | None = None,
    reporting_deadline: date | None = None,
    due_soon_days: int = 7,
    vocabulary: Vocabulary | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    history: History | None = None,
    calendar: Calendar | None = None,
    skip: Sequence[Path | str] = (),
    judged: Callable[[Consolidation], None] | None = None,
) -> Consolidation:
    """Consolidate the submissions found under `paths` as they stand on `as_of`.

    Every expected unit of `registry` appears once: with the submission used (see
    `check_files`) or as not submitted. `plan` and `contacts` (optional) add the district
    plan's tasks and the owner checks; `contacts_file` (its «Liên hệ xã») the units' own mail
    addresses, against which the senders of files that came by mail are checked;
    `district_workbook` adds the district's own self-assessment. With `history`, every file
    is archived and recorded as a version of its unit, the run is recorded, and the result
    carries the history's view (completeness and timeliness per period of `calendar`,
    changes, trend). `judged`, when given, is called
    with the consolidation as soon as every unit is judged, before the history is recorded
    (its `history` still None) and before what was read is stored: what needs only the
    judgements (the feedback workbooks) can begin meanwhile.
    """
    checked = check_files(
        paths,
        catalog=catalog,
        registry=registry,
        catalog_set=catalog_set,
        district_workbook=district_workbook,
        vocabulary=vocabulary,
        workers=workers,
        progress=progress,
        history=history,
        skip=skip,
        keep=False,  # stored once `judged` has begun what needs only the judgements
    )
    settle()
    single = _one_district(registry)
    senders = history.mail_senders() if history is not None else {}
    addresses = _unit_addresses(registry, contacts_file) if senders else {}
    issues = list(checked.loose)
    loose = issues_by_unit(checked.loose)
    reports: list[UnitReport] = []
    for unit in registry.tier(COMMUNE):
        level, level_issues = checked.levels.get(unit.code, (None, []))
        if unit.code not in checked.units:
            unread = IssueCounts.of(loose.get(unit.code, ()))
            if unread.errors:  # it sent files, none readable: their errors say so
                errors = unread.errors + IssueCounts.of(level_issues).errors
                reports.append(
                    UnitReport(unit, errors=errors, warnings=unread.warnings, level=level)
                )
                issues += level_issues
            elif unit.expected:
                errors = 1 + IssueCounts.of(level_issues).errors
                reports.append(UnitReport(unit, errors=errors, level=level))
                issues.append(make_issue("unit-not-submitted", unit_code=unit.code, unit=unit.name))
                issues += level_issues
            continue
        report, unit_issues = checked.units[unit.code]
        report.level = level
        unit_issues = [*unit_issues, *level_issues]
        if reporting_deadline is not None and (late := _late(report, reporting_deadline)):
            unit_issues = [*unit_issues, late]
        if stranger := _from_a_stranger(report, senders, addresses):
            unit_issues = [*unit_issues, stranger]
        counts = IssueCounts.of(unit_issues)
        report.errors, report.warnings = counts.errors, counts.warnings
        reports.append(report)
        issues += unit_issues
    issues += checked.district_issues

    used = [r.submission for r in reports if r.submission]
    tasks = []
    if plan:
        tasks, commune_issues = assign_communes(
            [*plan.tasks, *duty_tasks(plan.duties, as_of)], registry.units
        )
        issues += [*plan.issues, *commune_issues, *target_issues(plan.targets, registry)]
        if contacts is not None:  # the contact book lists district officials, not communes'
            issues += owner_issues([*plan.tasks, *(d.task for d in plan.duties)], contacts)
    tasks += [task for submission in used for task in submission.tasks]

    consolidation = Consolidation(
        as_of=as_of,
        catalog_set=catalog_set,
        units=reports,
        tasks=task_statuses(tasks, as_of, window=due_soon_days),
        issues=issues,
        criteria_names=catalog.criteria(catalog_set, checked.province),
        district=checked.district if single else None,
        districts=[] if single else _district_reports(registry, checked.districts),
        created=datetime.now(VIETNAM_TIME).replace(tzinfo=None),  # as the office reads clocks
        targets=plan.targets if plan else (),
        registry=tuple(registry.units),
    )
    if judged is not None:
        judged(consolidation)
    if history is not None:
        checked.reading.keep(history)
        run = _record(history, checked, catalog_set, as_of)
        view = history_view(
            history,
            registry.units,
            calendar or Calendar(deadline=reporting_deadline),
            as_of,
            targets=plan.targets if plan else (),
        )
        view.consolidation_id = run
        view.parsed, view.reused = checked.reading.parsed, checked.reading.reused
        consolidation.history = view
    return consolidation


def target_issues(targets: tuple[Target, ...], registry: Registry) -> list[Issue]:
    """Where the plan's "nâng cao"/"kiểu mẫu" targets and the registry's target levels (the one
    source the figures use) disagree: a unit the plan names at another level, or a unit the
    registry sets at such a level that the plan does not name."""
    named: dict[str, Target] = {}
    for target in targets:
        if target.level not in LEVELS:
            continue
        unit = registry.get(target.unit_code) if target.unit_code else None
        unit = unit or registry.match(target.unit_name or target.unit_text).unit
        if unit is not None:
            named[unit.code] = target
    if not named:
        return []
    issues = []
    for unit in registry.tier(COMMUNE):
        target = named.get(unit.code)
        plan_level = target.level if target else "không có"
        registry_level = unit.target_level or "không có"
        if plan_level != registry_level and (target or unit.target_level in LEVELS):
            cell = target.cell if target else ""
            issues.append(
                make_issue(
                    "target-mismatch",
                    unit_code=unit.code,
                    sheet="Chỉ tiêu",
                    cell=cell,
                    unit=unit.name,
                    cell_text=cell or "trang «Chỉ tiêu»",
                    plan=plan_level,
                    registry=registry_level,
                )
            )
    return issues


def _record(history: History, checked: Checked, catalog_set: str, as_of: date) -> int:
    """Record every unit's files as versions, and the run; returns the run's id."""
    reading = checked.reading
    context = judgement_context(reading.context, catalog_set)
    reports = [item for candidates in checked.candidates.values() for item in candidates]
    judged = history.judged(  # recorded as they are: `record` would leave them so
        {(report.unit.code, report.submission.sha256) for report, _ in reports}, context
    )
    records: list[VersionRecord] = [
        version_record(report, issues, catalog_set, context)
        for report, issues in reports
        if (report.unit.code, report.submission.sha256) not in judged
    ]
    set_id = district_set(catalog_set)
    for district in checked.districts.values():
        if district.report.submission is not None:
            district_context = judgement_context(district.context, set_id)
            records.append(
                version_record(district.report, district.issues, set_id, district_context)
            )
    inputs = [(path.name, received.sha256) for path, received in reading.received.items()]
    return history.record(
        records, as_of=as_of, catalog_set=catalog_set, inputs=inputs, parsed=reading.parsed
    )


def _district_duplicate(
    registry: Registry, found: list[Submission], used: Path | str
) -> Issue | None:
    """Why the district's workbooks found among the communes' files are (not) used."""
    unit = registry.get(found[0].unit_code)
    used = Path(used).resolve()
    ignored = [s.file_name for s in found if Path(s.path).resolve() != used]
    if not ignored:
        return None
    configured = len(ignored) == len(found)
    reason = "biểu của huyện khai báo trong cấu hình" if configured else "tệp sửa gần nhất"
    used_name = used.name
    return make_issue(
        "unit-duplicate",
        unit_code=unit.code,
        file=used_name,
        unit=unit.name,
        count=len(ignored) + 1,
        used=used_name,
        reason=reason,
        ignored=", ".join(f"«{name}»" for name in ignored),
    )


def _district_reports(registry: Registry, judged: dict[str, JudgedDistrict]) -> list[UnitReport]:
    """Every district that is assessed (or sent its workbook), in registry order."""
    return [
        judged[unit.code].report if unit.code in judged else UnitReport(unit)
        for unit in registry.tier(DISTRICT)
        if unit.target_level or unit.code in judged
    ]


def _district(
    batch: _Batch, unit: Unit, path: Path, communes: list[UnitReport]
) -> tuple[UnitReport, list[Issue]]:
    """A district's own self-assessment; its "100% of communes" comes from its communes."""
    if not path.is_file():
        reason = f"không tìm thấy biểu tự đánh giá của huyện «{path}»"
        issue = make_issue("file-unreadable", unit_code=unit.code, file=path.name, reason=reason)
        return UnitReport(unit, errors=1), [issue]
    set_id = district_set(batch.catalog_set)
    [[(submission, read_issues), *_]] = read_files(
        [path],
        batch.registry,
        batch.indicators(unit.province, set_id),
        vocabulary=batch.vocabulary,
    )
    read_issues = [  # the unit is known: whatever the title block says does not matter
        replace(issue, unit_code=unit.code)
        for issue in read_issues
        if issue.code not in ("unit-unknown", "unit-ambiguous")
    ]
    if submission is None:
        counts = IssueCounts.of(read_issues)
        return UnitReport(unit, errors=counts.errors, warnings=counts.warnings), read_issues
    submission = replace(submission, unit_code=unit.code)
    share = all_communes_share(communes)
    overrides = {ALL_COMMUNES_CODE: share} if share is not None else {}
    report, issues = batch.validate(
        submission, unit, read_issues, set_id=set_id, overrides=overrides
    )
    return report, issues


def consolidate_from_config(
    paths: Sequence[Path | str],
    config: Config,
    as_of: date,
    *,
    catalog_path: Path | str | None = None,
    registry_path: Path | str | None = None,
    with_plan: bool = True,
    with_district: bool = True,
    workers: int | None = None,
    progress: Progress | None = None,
    history: History | None = None,
    skip: Sequence[Path | str] = (),
    judged: Callable[[Consolidation], None] | None = None,
) -> Consolidation:
    """`consolidate` with the catalogue, registry, plan, contacts and settings of `config`;
    the configuration's output folders are never read (nor `skip`).

    `with_plan=False` leaves out the plan's tasks and the contacts (owner checks), and
    `with_district=False` the district workbook. With `history` (opened on the state folder),
    the run is recorded there with the configuration's reporting periods.
    """
    needed = ["vocabulary", *(("plan", "contacts") if with_plan else ())]
    needed += [
        key for key, given in (("catalog", catalog_path), ("registry", registry_path)) if not given
    ]
    config.require(*needed)  # every missing file said at once
    plan = load_plan(config.data_file("plan")) if with_plan else None
    contacts = load_contacts(config.data_file("contacts")) if with_plan else None
    district = config.district_workbook if with_district else None
    return consolidate(
        paths,
        catalog=load_catalog(catalog_path or config.data_file("catalog")),
        registry=load_registry(
            registry_path or config.data_file("registry"),
            config.state_dir if history is not None else None,  # its parse kept there
        ),
        catalog_set=config.catalog_set,
        as_of=as_of,
        plan=plan,
        contacts=contacts,
        contacts_file=config.data_file("contacts") if with_plan else None,
        district_workbook=district,
        reporting_deadline=config.reporting_deadline,
        due_soon_days=config.due_soon_days,
        vocabulary=load_vocabulary(config.data_file("vocabulary")),
        workers=workers,
        progress=progress,
        history=history,
        calendar=config_calendar(config) if history is not None else None,
        skip=config.output_folders(*skip),
        judged=judged,
    )
