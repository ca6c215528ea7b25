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
    worker decodes or judges it again. The files without a kept judgement are read (by a
    thread that waits on the worker processes) while this one decodes the kept judgements:
    a re-run's changed file is read meanwhile. With `keep=False`, what was read now is
    stored only when the caller calls `Reading.keep` (once it has done what cannot wait)."""
    arrivals = history.hash_files([*files, *extra])
    received = {path: arrival.received for path, arrival in arrivals.items()}
    context = reading_context(registry, indicators, vocabulary)
    keys = {path: (received[path].sha256, path.name) for path in files if path in received}
    judged_context = judgement_cache_context(context, judging) if judging is not None else None
    kept_judgements = (
        history.judgements(judged_context, keys.values()) if judged_context is not None else {}
    )
    batch = _Batch(
        history,
        files,
        keys,
        context,
        (registry, indicators, vocabulary, workers),
        then,
        judged_context is not None,
        progress,
    )
    judged = [i for i, path in enumerate(files) if keys.get(path) in kept_judgements]
    todo = sorted(set(range(len(files))) - set(judged))
    batch.recalled_here(todo)  # before the archiving: the store is used by one thread at once
    # the bytes are archived (disk-bound) while the files are read and the kept judgements
    # decoded: the store is not used here meanwhile, and a failure to archive is raised once
    # the reading is done
    with ThreadPoolExecutor(2, thread_name_prefix="read-through") as beside:
        archived = beside.submit(history.store_files, arrivals)
        reading = beside.submit(batch.read, todo, len(judged)) if todo else None
        left = _judged_before(kept_judgements, files, keys, judged, batch.results)
        if reading is not None:
            reading.result()
        archived.result()
    if left:  # a kept judgement that cannot be used: the file is read instead
        batch.recalled_here(left)
        batch.read(left, len(files) - len(left))
    elif progress and not todo:
        progress(len(files), len(files))
    reused = len(files) - batch.parsed
    result = Reading(
        batch.results,
        received,
        context,
        batch.parsed,
        reused,
        len(judged) - len(left),
        batch.new,
        batch.new_judgements,
        judged_context,
    )
    if keep:
        result.keep(history)
    return result


class _Batch:
    """The files of a batch that are read (or recalled from their kept readings): their
    results, what to keep of them and how many were parsed now."""

    def __init__(
        self,
        history: History,
        files: Sequence[Path],
        keys: dict[Path, tuple[str, str]],
        context: str,
        reader: tuple[Registry, Sequence[Indicator], Vocabulary | None, int | None],
        then: Then | None,
        keep: bool,
        progress: Progress | None,
    ) -> None:
        self.history, self.files, self.keys, self.context = history, files, keys, context
        self.reader, self.progress = reader, progress
        self.encoded = _Encoded(then, keep)
        self.recall = _Recalled(then, keep)
        self.results: list = [None] * len(files)
        self.kept: dict[int, bytes | None] = {}
        self.left: list[int] = []  # files left to `read`
        self.parsed = 0
        self.new: dict[tuple[str, str], bytes] = {}
        self.new_judgements: dict[tuple[str, str], bytes] = {}

    def recalled_here(self, todo: list[int]) -> None:
        """Look up the kept readings of `todo` and, when the batch is too small to be worth
        more than one process, recall them here; the files left to `read` are the others."""
        files, keys = self.files, self.keys
        stored = self.history.readings(
            self.context, [keys[files[i]] for i in todo if files[i] in keys]
        )
        self.kept = {index: stored.get(keys.get(files[index])) for index in todo}
        workers = self.reader[3]
        self.left = list(todo)
        if (default_workers(len(todo)) if workers is None else workers) > 1:
            return
        self.left = []  # no processes to share the work with: the stored readings are used here
        for index in todo:
            path = files[index]
            try:
                item = self.recall(path, self.kept[index]) if self.kept[index] else None
            except Exception:  # noqa: BLE001 - gone or damaged: the file is read instead
                item = None
            if item is None:
                self.left.append(index)
                self.kept[index] = None  # read below, not recalled a second time
                continue
            self.results[index] = item.result
            if item.judgement is not None and path in keys:
                self.new_judgements[keys[path]] = item.judgement

    def read(self, todo: list[int], done: int) -> None:
        """Read the files `recalled_here` left of `todo` (`done`: the batch's files taken
        from the store otherwise, for `progress`)."""
        files, total, progress = self.files, len(self.files), self.progress
        done += len(todo) - len(self.left)
        if progress and done:
            progress(done, total)
        registry, indicators, vocabulary, workers = self.reader
        left = self.left
        fresh = read_files(
            [files[i] for i in left],
            registry,
            indicators,
            vocabulary=vocabulary,
            workers=workers,
            progress=(lambda n, _: progress(done + n, total)) if progress else None,
            then=self.encoded,
            kept=[self.kept[i] for i in left],
            recall=self.recall,
        )
        for index, item in zip(left, fresh, strict=True):
            self.results[index] = item.result
            key = self.keys.get(files[index])
            if item.blob is not None:  # else taken from the store in a worker
                self.parsed += 1
                if item.key is None or item.key != key:
                    continue  # nothing to keep, or changed since it was hashed
                self.new[key] = item.blob
            if item.judgement is not None and key is not None:
                self.new_judgements[key] = item.judgement


def _judged_before(
    stored: dict[tuple[str, str], bytes],
    files: Sequence[Path],
    keys: dict[Path, tuple[str, str]],
    judged: list[int],
    results: list,
) -> list[int]:
    """Put in `results` the kept judgements (`stored`) of the files `judged`; the indices
    of those whose judgement cannot be used (their files are read instead)."""
    left = []
    for n, index in enumerate(judged, 1):
        path = files[index]
        try:
            results[index] = decode_judgement(stored[keys[path]], str(path), _modified(path))
        except Exception:  # noqa: BLE001 - gone or damaged: the file is read instead
            left.append(index)
        if n % SETTLE_EVERY == 0:
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
