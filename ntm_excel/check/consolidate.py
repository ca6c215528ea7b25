"""Read a batch of submissions, validate each against the catalogue and put together the
picture of the whole district on one date: every unit, every task, every issue.

Files are read in worker processes when the batch is large enough to repay starting them;
each worker reduces a file to a small `Submission` before sending it back. One bad file never
stops the batch: whatever goes wrong with it becomes a `file-unreadable` issue. Input files
are only ever read.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from ntm_excel.check.tasks import owner_issues, task_statuses
from ntm_excel.check.validate import validate_submission
from ntm_excel.config import VIETNAM_TIME, Config
from ntm_excel.issues import Issue, Severity, make_issue
from ntm_excel.model import Consolidation, Status, Submission, Unit, UnitReport
from ntm_excel.read.reader import read_submission
from ntm_excel.reference.catalog import Catalog, Indicator, district_set, load_catalog
from ntm_excel.reference.registry import Registry, load_registry

SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
DISTRICT_KIND = "huyện"
COMMUNE_KIND = "xã"
ALL_COMMUNES_CODE = "0"  # the district indicator "100% of communes meet the standard"
FORMULA_WITHOUT_VALUE = "formula-without-value"
FILES_PER_WORKER = 40  # below this many files per process, reading serially is faster
CHUNK = 25  # files per task sent to a worker, at most
WORKER_DIED = (
    "chương trình đọc tệp bị dừng đột ngột khi đọc tệp này "
    "(tệp có thể bị hỏng hoặc được tạo bất thường)"
)
NO_WORKER = "máy không khởi động được tiến trình để đọc lại tệp này"

Progress = Callable[[int, int], None]  # (files read so far, files in the batch)
ReadResult = tuple[Submission | None, list[Issue]]


def collect_files(paths: Iterable[Path | str]) -> tuple[list[Path], list[Issue]]:
    """The spreadsheets named by `paths` (files, or folders searched recursively).

    In folders, hidden files and Office lock files ("~$…") are skipped and any other file
    that is not a spreadsheet is reported. A path that does not exist is reported.
    """
    files: dict[Path, None] = {}
    issues: list[Issue] = []

    def unreadable(path: Path, reason: str) -> None:
        issues.append(make_issue("file-unreadable", file=path.name, reason=reason))

    for given in paths:
        path = Path(given)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                parts = found.relative_to(path).parts
                if any(p.startswith((".", "~$")) for p in parts) or not found.is_file():
                    continue
                if found.suffix.lower() in SPREADSHEET_SUFFIXES:
                    files.setdefault(found.resolve())
                else:
                    unreadable(found, "không phải tệp bảng tính (.xlsx, .xlsm, .xls, .ods)")
        elif path.is_file():
            files.setdefault(path.resolve())
        else:
            unreadable(path, f"không tìm thấy tệp hoặc thư mục «{path}»")
    return list(files), issues


# Read-only state of a worker process, set once by the pool initializer.
_context: tuple[Registry, Sequence[Indicator]] | None = None


def _init_worker(registry: Registry, indicators: Sequence[Indicator]) -> None:
    global _context
    _context = (registry, indicators)


def _failure(path: Path, exc: BaseException) -> ReadResult:
    """The file-unreadable issue of a file whose reading failed with `exc`."""
    if isinstance(exc, BrokenProcessPool):
        reason = WORKER_DIED
    else:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return None, [make_issue("file-unreadable", file=path.name, reason=reason)]


def _read_one(path: Path, registry: Registry, indicators: Sequence[Indicator]) -> ReadResult:
    """Read one file; any failure becomes a file-unreadable issue."""
    try:
        return read_submission(path, registry, indicators)
    except Exception as exc:  # noqa: BLE001 - a bad file must never stop the batch
        return _failure(path, exc)


def _read_chunk(paths: list[Path]) -> list[ReadResult]:
    registry, indicators = _context
    return [_read_one(path, registry, indicators) for path in paths]


def _read_in_pool(
    files: Sequence[Path],
    chunks: list[list[int]],
    workers: int,
    context: tuple[Registry, Sequence[Indicator]],
    finished: Callable[[int, ReadResult], None],
) -> list[tuple[list[int], BaseException]]:
    """Read `chunks` (file indices) in a fresh pool; the chunks it did not finish, in order,
    each with its error (BrokenProcessPool for all of them when a worker died)."""
    failed: dict[int, BaseException] = {}
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=context) as pool:
        futures = {}
        for n, chunk in enumerate(chunks):
            try:
                futures[pool.submit(_read_chunk, [files[i] for i in chunk])] = n
            except BrokenProcessPool as exc:  # a worker died already: the rest is read again
                failed |= dict.fromkeys(range(n, len(chunks)), exc)
                break
        for future in as_completed(futures):
            n = futures[future]
            try:
                chunk_results = future.result()
            except BaseException as exc:  # noqa: BLE001 - the worker's, not ours: read again
                failed[n] = exc
                continue
            for index, result in zip(chunks[n], chunk_results, strict=True):
                finished(index, result)
    return [(chunks[n], failed[n]) for n in sorted(failed)]


def default_workers(files: int) -> int:
    """Processes worth starting for `files` files: 1 (serial) for small batches."""
    return max(1, min(os.cpu_count() or 1, files // FILES_PER_WORKER))


def read_files(
    files: Sequence[Path],
    registry: Registry,
    indicators: Sequence[Indicator],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[ReadResult]:
    """Read every file (in file order), with `workers` processes (default: by batch size).

    A file that kills its worker process (a crash of a native library, an out-of-memory
    kill…) becomes a file-unreadable issue; it is never read again in this process. When a
    pool breaks, the files it did not finish are read again in a fresh pool with one
    worker, one file at a time and in order, so that the first one that fails there is the
    culprit; the files after it go back to a pool of `workers` processes.
    """
    total = len(files)
    workers = default_workers(total) if workers is None else max(1, workers)
    results: list[ReadResult | None] = [None] * total
    done = 0

    def finished(index: int, result: ReadResult) -> None:
        nonlocal done
        results[index] = result
        done += 1
        if progress:
            progress(done, total)

    if workers > 1 and total > 1:
        size = max(1, min(CHUNK, -(-total // (4 * workers))))  # ≥ 4 chunks per worker
        pending, isolating, retrying = list(range(total)), False, False
        context = (registry, indicators)
        try:
            while pending:
                step = 1 if isolating else size
                chunks = [pending[i : i + step] for i in range(0, len(pending), step)]
                failed = _read_in_pool(
                    files, chunks, 1 if isolating else workers, context, finished
                )
                if isolating and failed:  # read alone, in order: the first failure is the culprit
                    ([index], error), *failed = failed
                    finished(index, _failure(files[index], error))
                pending = [index for chunk, _ in failed for index in chunk]
                isolating, retrying = bool(pending) and not isolating, True
        except OSError as exc:  # no processes to be had here
            if retrying:  # a file left may kill the reader: never read them in this process
                reason = f"{NO_WORKER} ({type(exc).__name__}: {exc})"
                for index in pending:
                    if results[index] is None:
                        issue = make_issue("file-unreadable", file=files[index].name, reason=reason)
                        finished(index, (None, [issue]))
            # otherwise no pool broke: the files left are read below, one by one
    for index, path in enumerate(files):
        if results[index] is None:
            finished(index, _read_one(path, registry, indicators))
    return results  # type: ignore[return-value]


def _main_province(registry: Registry) -> str:
    counts = Counter(unit.province for unit in registry.units)
    return counts.most_common(1)[0][0] if counts else ""


def _counts(issues: Iterable[Issue]) -> tuple[int, int]:
    severities = Counter(issue.severity for issue in issues)
    return severities[Severity.ERROR], severities[Severity.WARNING]


class _Batch:
    """The state of one consolidation while it is put together."""

    def __init__(self, catalog: Catalog, catalog_set: str, registry: Registry) -> None:
        self.catalog = catalog
        self.catalog_set = catalog_set
        self.registry = registry
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
        errors, warnings = _counts(issues)
        report = UnitReport(unit, submission, results, criteria, errors, warnings)
        return report, issues


def _choose(candidates: list[tuple[UnitReport, list[Issue]]]) -> tuple[int, str]:
    """Which of one unit's submissions to use, and why (in Vietnamese)."""

    def key(item: tuple[UnitReport, list[Issue]]):
        sub, errors = item[0].submission, item[0].errors
        signed = -sub.report_date.toordinal() if sub.report_date else 0
        return (signed, -sub.modified.timestamp(), errors, sub.file_name)

    order = sorted(range(len(candidates)), key=lambda i: key(candidates[i]))
    first, second = key(candidates[order[0]]), key(candidates[order[1]])
    reasons = (
        "báo cáo ký ngày gần nhất",
        "tệp sửa gần nhất",
        "cùng ngày ký và thời điểm sửa, tệp ít lỗi hơn",
        "cùng ngày ký, thời điểm sửa và số lỗi, xếp trước theo tên tệp",
    )
    differs = next((i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b), 3)
    return order[0], reasons[differs]


def _all_communes_share(units: list[UnitReport]) -> float | None:
    """Percentage of the expected communes (towns aside) whose criteria are all met.

    Rounded to 0.01, so that it reaches 100 only when every commune meets the standard.
    """
    communes = [r for r in units if r.unit.expected and r.unit.kind == COMMUNE_KIND]
    if not communes:
        return None
    met = sum(1 for r in communes if r.criteria and all(c.status is Status.MET for c in r.criteria))
    return round(100 * met / len(communes), 2)


def consolidate(
    paths: Sequence[Path | str],
    *,
    catalog: Catalog,
    registry: Registry,
    catalog_set: str,
    as_of: date,
    plan=None,
    contacts=None,
    district_workbook: Path | str | None = None,
    reporting_deadline: date | None = None,
    due_soon_days: int = 7,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Consolidation:
    """Consolidate the submissions found under `paths` as they stand on `as_of`.

    Every expected unit of `registry` appears once: with the submission used (the most
    recently modified one when a unit sent several) or as not submitted. `plan` and
    `contacts` (optional) add the district plan's tasks and the owner checks;
    `district_workbook` adds the district's own self-assessment.
    """
    batch = _Batch(catalog, catalog_set, registry)
    province = _main_province(registry)
    files, issues = collect_files(paths)
    read = read_files(
        files, registry, batch.indicators(province), workers=workers, progress=progress
    )

    by_unit: dict[str, list[tuple[UnitReport, list[Issue]]]] = {}
    district_files: list[Submission] = []
    for submission, read_issues in read:
        unit = registry.get(submission.unit_code) if submission and submission.unit_code else None
        if unit is None:
            issues += read_issues
        elif unit.kind == DISTRICT_KIND:  # read again below, against the district's set
            district_files.append(submission)
        else:
            by_unit.setdefault(unit.code, []).append(batch.validate(submission, unit, read_issues))
    if district_files:
        newest = max(district_files, key=lambda s: (s.modified, s.file_name))
        if district_workbook is None:
            district_workbook = newest.path
        duplicate = _district_duplicate(registry, district_files, district_workbook)
        issues += [duplicate] if duplicate else []

    reports: list[UnitReport] = []
    for unit in registry.units:
        if unit.kind == DISTRICT_KIND:
            continue
        candidates = by_unit.get(unit.code, [])
        if not candidates:
            if unit.expected:
                reports.append(UnitReport(unit, errors=1))
                issues.append(make_issue("unit-not-submitted", unit_code=unit.code, unit=unit.name))
            continue
        chosen = 0
        unit_issues: list[Issue] = []
        if len(candidates) > 1:
            chosen, reason = _choose(candidates)
            ignored = [c[0].submission.file_name for i, c in enumerate(candidates) if i != chosen]
            unit_issues.append(
                make_issue(
                    "unit-duplicate",
                    unit_code=unit.code,
                    file=candidates[chosen][0].submission.file_name,
                    unit=unit.name,
                    count=len(candidates),
                    used=candidates[chosen][0].submission.file_name,
                    reason=reason,
                    ignored=", ".join(f"«{name}»" for name in ignored),
                )
            )
        report, found = candidates[chosen]
        unit_issues = found + unit_issues
        if reporting_deadline is not None:
            received = report.submission.received
            report.on_time = received <= reporting_deadline
            if not report.on_time:
                unit_issues.append(
                    make_issue(
                        "submission-late",
                        unit_code=unit.code,
                        file=report.submission.file_name,
                        unit=unit.name,
                        received=received.strftime("%d/%m/%Y"),
                        deadline=reporting_deadline.strftime("%d/%m/%Y"),
                    )
                )
        report.errors, report.warnings = _counts(unit_issues)
        reports.append(report)
        issues += unit_issues

    district = None
    if district_workbook is not None:
        district, district_issues = _district(batch, Path(district_workbook), reports)
        issues += district_issues

    used = [r.submission for r in reports if r.submission]
    tasks = list(plan.tasks) if plan else []
    tasks += [task for submission in used for task in submission.tasks]
    if plan:
        issues += plan.issues
        if contacts is not None:  # the contact book lists district officials, not communes'
            issues += owner_issues(plan.tasks, contacts)

    return Consolidation(
        as_of=as_of,
        catalog_set=catalog_set,
        units=reports,
        tasks=task_statuses(tasks, as_of, window=due_soon_days),
        issues=issues,
        criteria_names=catalog.criteria(catalog_set, province),
        district=district,
        created=datetime.now(VIETNAM_TIME).replace(tzinfo=None),  # as the office reads clocks
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


def _district(
    batch: _Batch, path: Path, communes: list[UnitReport]
) -> tuple[UnitReport | None, list[Issue]]:
    """The district's own self-assessment; its "100% of communes" comes from the communes."""
    unit = next((u for u in batch.registry.units if u.kind == DISTRICT_KIND), None)
    if unit is None:
        return None, []
    if not path.is_file():
        reason = f"không tìm thấy biểu tự đánh giá của huyện «{path}»"
        issue = make_issue("file-unreadable", unit_code=unit.code, file=path.name, reason=reason)
        return UnitReport(unit, errors=1), [issue]
    set_id = district_set(batch.catalog_set)
    submission, read_issues = _read_one(
        path, batch.registry, batch.indicators(unit.province, set_id)
    )
    read_issues = [  # the unit is known: whatever the title block says does not matter
        replace(issue, unit_code=unit.code)
        for issue in read_issues
        if issue.code not in ("unit-unknown", "unit-ambiguous")
    ]
    if submission is None:
        errors, warnings = _counts(read_issues)
        return UnitReport(unit, errors=errors, warnings=warnings), read_issues
    submission = replace(submission, unit_code=unit.code)
    share = _all_communes_share(communes)
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
) -> Consolidation:
    """`consolidate` with the catalogue, registry, plan, contacts and settings of `config`.

    `with_plan=False` leaves out the plan's tasks and the contacts (owner checks), and
    `with_district=False` the district workbook.
    """
    from ntm_excel.reference.contacts import load_contacts
    from ntm_excel.reference.plan import load_plan

    plan = load_plan(config.plan) if with_plan else None
    contacts = load_contacts(config.contacts) if with_plan else None
    district = config.district_workbook if with_district else None
    return consolidate(
        paths,
        catalog=load_catalog(catalog_path or config.catalog),
        registry=load_registry(registry_path or config.registry),
        catalog_set=config.catalog_set,
        as_of=as_of,
        plan=plan,
        contacts=contacts,
        district_workbook=district,
        reporting_deadline=config.reporting_deadline,
        due_soon_days=config.due_soon_days,
        workers=workers,
        progress=progress,
    )
