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
from dataclasses import dataclass, field
from datetime import datetime
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
    decode_judgement,
    decode_reading,
    encode_reading,
)
from ntm_excel.issues import Issue
from ntm_excel.model import UnitReport
from ntm_excel.read.batch import (
    FileResult,
    Progress,
    Then,
    default_workers,
    read_files,
    reading_context,
    settle,
)
from ntm_excel.reference.catalog import Catalog, Indicator
from ntm_excel.reference.registry import Registry
from ntm_excel.vocabulary import Vocabulary

SETTLE_EVERY = 50  # judgements taken from the store between two `settle` calls


@dataclass
class Reading:
    """A batch read through the store."""

    results: list  # in file order, as `read_files` gives them (with `then`, its returns)
    received: dict[Path, Received]  # every file hashed (and archived), the extra ones too
    context: str
    parsed: int  # files parsed now
    reused: int  # files whose reading (or judgement) came from the store
    judged: int = 0  # of those, files whose judgement came from the store: `then` not run
    # what was read and judged now, for the store (see `keep`)
    new: dict[tuple[str, str], bytes] = field(default_factory=dict, repr=False)
    new_judgements: dict[tuple[str, str], bytes] = field(default_factory=dict, repr=False)
    judged_context: str | None = None

    def keep(self, history: History) -> None:
        """Store the readings (and judgements) made now, so that the next run takes them
        from the store; then let go of them."""
        history.save_readings(self.context, self.new)
        if self.judged_context is not None:
            history.save_judgements(self.judged_context, self.new_judgements)
        self.new, self.new_judgements = {}, {}


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
    judging: str | None = None,
    keep: bool = True,
) -> Reading:
    """Archive `files` (and `extra`, received but read elsewhere), then read the files: from
    the store when read before in the same context, else with `read_files`. Readings of
    files that could not be opened are not kept (they are tried again next time). With
    `then`, each file's result is `then(path, reading)` (see `read_files`). Readings from the
    store are decoded (and given to `then`) in the worker processes too when the batch is
    worth more than one; else here. A stored reading that cannot be used (its file gone, or
    the reading damaged) is replaced by reading the file.

    With `judging` (a fingerprint of what `then` depends on besides the reading and the
    judging code, see `criteria_fingerprint`), what `then` returns is kept in the store too,
    and a file judged before in the same context is taken from there in this process: no
    worker decodes or judges it again. With `keep=False`, what was read now is stored only
    when the caller calls `Reading.keep` (once it has done what cannot wait)."""
    arrivals = history.hash_files([*files, *extra])
    received = {path: arrival.received for path, arrival in arrivals.items()}
    context = reading_context(registry, indicators, vocabulary)
    keys = {path: (received[path].sha256, path.name) for path in files if path in received}
    results: list = [None] * len(files)
    judged_context = judgement_cache_context(context, judging) if judging is not None else None
    todo = list(range(len(files)))
    if judged_context is not None:
        todo = _judged_before(history, judged_context, files, keys, results)
    judged = len(files) - len(todo)
    stored = history.readings(context, [keys[files[i]] for i in todo if files[i] in keys])
    kept = {index: stored.get(keys.get(files[index])) for index in todo}
    recall = _Recalled(then, judged_context is not None)
    new_judgements: dict[tuple[str, str], bytes] = {}
    if (default_workers(len(todo)) if workers is None else workers) <= 1:
        left = []  # no processes to share the work with: the stored readings are used here
        for index in todo:
            path = files[index]
            try:
                item = recall(path, kept[index]) if kept[index] else None
            except Exception:  # noqa: BLE001 - gone or damaged: the file is read instead
                item = None
            if item is None:
                left.append(index)
                kept[index] = None  # read below, not recalled a second time
                continue
            results[index] = item.result
            if item.judgement is not None and path in keys:
                new_judgements[keys[path]] = item.judgement
        todo = left
    done = len(files) - len(todo)
    if progress and done:
        progress(done, len(files))
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
            then=_Encoded(then, judged_context is not None),
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
        elif item.key is None or item.key != key:
            continue  # nothing to keep, or changed since it was hashed
        else:
            new[key] = item.blob
        if item.judgement is not None and key is not None:
            new_judgements[key] = item.judgement
    reused = len(files) - parsed
    reading = Reading(
        results, received, context, parsed, reused, judged, new, new_judgements, judged_context
    )
    if keep:
        reading.keep(history)
    return reading


def _judged_before(
    history: History,
    context: str,
    files: Sequence[Path],
    keys: dict[Path, tuple[str, str]],
    results: list,
) -> list[int]:
    """Put in `results` the judgements of `files` kept in `context`; the indices of the
    files left to read (none kept, or its judgement cannot be used)."""
    stored = history.judgements(context, keys.values())
    left = []
    for index, path in enumerate(files):
        blob = stored.get(keys.get(path))
        try:
            if blob is None:
                raise LookupError(path)
            results[index] = decode_judgement(blob, str(path), _modified(path))
        except Exception:  # noqa: BLE001 - none, gone or damaged: the file is read instead
            left.append(index)
        if index % SETTLE_EVERY == SETTLE_EVERY - 1:
            settle()  # the judgements live until the batch ends: not walked by every collection
    return left


def _modified(path: Path) -> datetime:
    """The file's time as the reader gives it (`Submission.modified`)."""
    return vietnam_time(path.stat().st_mtime)


class _Done(NamedTuple):
    """What comes back of one file read through the store: `then`'s result (and, when
    judgements are kept, it encoded for the store), and for a file read now that has a
    submission, that submission's key (sha256, name) and its reading encoded for the
    store."""

    result: object
    key: tuple[str, str] | None = None
    blob: bytes | None = None
    judgement: bytes | None = None


@dataclass(frozen=True)
class _Encoded:
    """Where the file was read: `then` on its reading (when given), and the reading encoded
    for the store when it has a submission; with `keep`, `then`'s result encoded too."""

    then: Then | None
    keep: bool = False

    def __call__(self, path: Path, reading: FileResult) -> _Done:
        result = self.then(path, reading) if self.then is not None else reading
        submission = reading[0][0]
        if submission is None:
            return _Done(result, None, b"")  # read now, nothing to keep
        blob = encode_reading(reading, result if self.keep else None)  # for both caches
        key = (submission.sha256, submission.file_name)
        return _Done(result, key, blob, blob if self.keep else None)


@dataclass(frozen=True)
class _Recalled:
    """A stored reading back (as reading the file at `path` now gives it), then `then` on
    it (when given); with `keep`, `then`'s result encoded (see `_Encoded`)."""

    then: Then | None
    keep: bool = False

    def __call__(self, path: Path, blob: bytes) -> _Done:
        reading = decode_reading(blob, path, _modified(path))
        result = self.then(path, reading) if self.then is not None else reading
        return _Done(result, judgement=encode_reading(reading, result) if self.keep else None)


def criteria_fingerprint(catalog: Catalog, catalog_set: str) -> str:
    """What judging a file depends on in the catalogue: the criteria set and every row of
    the catalogue (any province's layer)."""
    return hashlib.sha256(f"{catalog_set}\0{catalog.indicators!r}".encode()).hexdigest()


def judgement_cache_context(reading: str, judging: str) -> str:
    """The context of a kept judgement: how the file was read (`reading`, see
    `reading_context`), what judging it depends on (`judging`) and the judging code."""
    return hashlib.sha256(f"{reading}\0{judging}\0{checker_version()}".encode()).hexdigest()


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
