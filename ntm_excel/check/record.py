"""Where a consolidation meets the history (`ntm_excel.history`): every file received is
archived, a file read before (same bytes, name and reading context) is taken from the store
instead of being parsed again, and every unit's file is recorded as a version with its
judgement.

Reading itself stays a pure function of the file in worker processes (`ntm_excel.read.batch`),
which also encode each new reading for the store; the store is only used here, in the main
process, before and after.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ntm_excel.check.figures import IssueCounts, meets_all
from ntm_excel.config import vietnam_time
from ntm_excel.fingerprint import code_fingerprint
from ntm_excel.history import (
    CriterionRecord,
    History,
    Received,
    ValueRecord,
    VersionRecord,
    decode_reading,
    encode_reading,
    hash_files,
)
from ntm_excel.issues import Issue
from ntm_excel.model import Submission, UnitReport
from ntm_excel.read.batch import (
    FileResult,
    Progress,
    Then,
    default_workers,
    read_files,
    reading_context,
)
from ntm_excel.reference.catalog import Indicator
from ntm_excel.reference.registry import Registry
from ntm_excel.vocabulary import Vocabulary


@dataclass
class Reading:
    """A batch read through the store."""

    results: list  # in file order, as `read_files` gives them (with `then`, its returns)
    received: dict[Path, Received]  # every file hashed (and archived), the extra ones too
    context: str
    parsed: int  # files parsed now
    reused: int  # files whose reading came from the store


def read_through(
    history: History,
    files: Sequence[Path],
    registry: Registry,
    indicators: Sequence[Indicator],
    *,
    extra: Sequence[Path] = (),
    vocabulary: Vocabulary | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    then: Then | None = None,
) -> Reading:
    """Archive `files` (and `extra`, received but read elsewhere), then read the files: from
    the store when read before in the same context, else with `read_files`. Readings of
    files that could not be opened are not kept (they are tried again next time). With
    `then`, each file's result is `then(path, reading)` (see `read_files`). Readings from the
    store are decoded (and given to `then`) in the worker processes too when the batch is
    worth more than one; else here. A stored reading that cannot be used (its file gone, or
    the reading damaged) is replaced by reading the file."""
    arrivals = hash_files([*files, *extra])
    received = {path: arrival.received for path, arrival in arrivals.items()}
    context = reading_context(registry, indicators, vocabulary)
    keys = {path: (received[path].sha256, path.name) for path in files if path in received}
    stored = history.readings(context, keys.values())
    kept = [stored.get(keys.get(path)) for path in files]
    recall = _Recalled(then)
    results: list = [None] * len(files)
    todo = list(range(len(files)))
    if (default_workers(len(files)) if workers is None else workers) <= 1:
        todo = []  # no processes to share the work with: the stored readings are used here
        for index, path in enumerate(files):
            try:
                results[index] = recall(path, kept[index]).result if kept[index] else None
            except Exception:  # noqa: BLE001 - gone or damaged: the file is read instead
                kept[index] = None
            if kept[index] is None:
                todo.append(index)
        if progress and len(todo) < len(files):
            progress(len(files) - len(todo), len(files))
    done = len(files) - len(todo)
    # the bytes are archived (disk-bound) while the worker processes read: the store is not
    # used here meanwhile, and a failure to archive is raised once the reading is done
    with ThreadPoolExecutor(1, thread_name_prefix="archive") as archiving:
        archived = archiving.submit(history.store_files, arrivals)
        fresh = read_files(
            [files[i] for i in todo],
            registry,
            indicators,
            vocabulary=vocabulary,
            workers=workers,
            progress=(lambda n, _: progress(done + n, len(files))) if progress else None,
            then=_Encoded(then),
            kept=[kept[i] for i in todo],
            recall=recall,
        )
        archived.result()
    new = {}
    parsed = len(files) - done
    for index, item in zip(todo, fresh, strict=True):
        results[index] = item.result
        key = keys.get(files[index])
        if item.blob is None:
            parsed -= 1  # taken from the store in a worker
        elif item.submission and key == (item.submission.sha256, item.submission.file_name):
            new[key] = item.blob  # read as hashed: not changed in between
    history.save_readings(context, new)
    return Reading(results, received, context, parsed, len(files) - parsed)


class _Done(NamedTuple):
    """What comes back of one file read through the store: `then`'s result, and for a file
    read now that has a submission, that submission and its reading encoded for the store."""

    result: object
    submission: Submission | None = None
    blob: bytes | None = None


@dataclass(frozen=True)
class _Encoded:
    """Where the file was read: `then` on its reading (when given), and the reading encoded
    for the store when it has a submission."""

    then: Then | None

    def __call__(self, path: Path, reading: FileResult) -> _Done:
        result = self.then(path, reading) if self.then is not None else reading
        submission = reading[0][0]
        if submission is None:
            return _Done(result, None, b"")  # read now, nothing to keep
        return _Done(result, submission, encode_reading(reading))


@dataclass(frozen=True)
class _Recalled:
    """A stored reading back (as reading the file at `path` now gives it), then `then` on
    it (when given)."""

    then: Then | None

    def __call__(self, path: Path, blob: bytes) -> _Done:
        reading = decode_reading(blob, path, vietnam_time(path.stat().st_mtime))
        return _Done(self.then(path, reading) if self.then is not None else reading)


@functools.cache
def checker_version() -> str:
    """A fingerprint of the judging code (this folder's sources)."""
    return code_fingerprint(Path(__file__).resolve().parent.glob("*.py"))


def judgement_context(reading: str, catalog_set: str) -> str:
    """What a version's judgement depends on besides the file: how it was read (`reading`,
    see `reading_context`), the criteria set and the judging code."""
    return hashlib.sha256(f"{reading}\0{catalog_set}\0{checker_version()}".encode()).hexdigest()


def version_record(
    report: UnitReport, issues: Sequence[Issue], catalog_set: str, context: str
) -> VersionRecord:
    """What the history keeps of one unit's file: its judgement and the file's own issues
    (`issues`: what reading and validating it found)."""
    submission = report.submission
    texts = {entry.code: entry.text for entry in submission.indicators}
    counts = IssueCounts.of(issues)
    return VersionRecord(
        unit_code=report.unit.code,
        sha256=submission.sha256,
        name=submission.file_name,
        report_date=submission.report_date,
        catalog_set=catalog_set,
        context=context,
        criteria_met=report.criteria_met,
        criteria_total=len(report.criteria),
        meets_all=meets_all(report),
        errors=counts.errors,
        warnings=counts.warnings,
        values=tuple(
            ValueRecord(
                r.indicator_code,
                r.criterion_no,
                texts.get(r.indicator_code, ""),
                r.raw,
                r.value,
                r.self_assessment,
                r.computed_status,
                r.status,
                r.sheet,
                r.cell,
            )
            for r in report.indicators
        ),
        criteria=tuple(CriterionRecord(c.criterion_no, c.name, c.status) for c in report.criteria),
        tasks=submission.tasks,
        issues=tuple(issues),
    )
