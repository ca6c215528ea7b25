"""Reading a batch of files: which files, and the worker processes that read them.

Files are always read in worker processes, one for a small batch and more when the batch is
large enough to repay starting them; each worker reduces a file to small `Submission`s (one per
unit the file holds) and runs the caller's next step on them (`then`: validating, encoding for
the history) before sending back what that step returns. A hostile or damaged file can crash a
native library (an abort, an allocation the machine cannot give): it then kills a worker, never
the command or the scheduler. One bad file never stops the batch: whatever goes wrong with it
becomes a `file-unreadable` issue, and a file that kills its worker is isolated and reported,
never read again in this process.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import functools
import gc
import hashlib
import operator
import os
import stat
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ntm_excel import issues, model
from ntm_excel.atomic import OUTPUT_KINDS
from ntm_excel.errors import OwnOutputError
from ntm_excel.fingerprint import PACKAGE, code_fingerprint
from ntm_excel.issues import make_issue
from ntm_excel.read.reader import ReadResult, read_workbook
from ntm_excel.reference.catalog import Indicator
from ntm_excel.reference.registry import Registry
from ntm_excel.vocabulary import Vocabulary, bundled_vocabulary
from ntm_excel.workers import exit_with_parent

FILES_PER_WORKER = 40  # below this many files per process, one more process does not pay
CHUNK = 25  # files per task sent to a worker, at most
WORKER_DIED = (
    "chương trình đọc tệp bị dừng đột ngột khi đọc tệp này "
    "(tệp có thể bị hỏng hoặc được tạo bất thường)"
)
NO_WORKER = "máy không khởi động được tiến trình để đọc lại tệp này"

Progress = Callable[[int, int], None]  # (files read so far, files in the batch)
FileResult = list[ReadResult]  # one (Submission or None, issues) per unit of a file
# What is done with a file's reading where it was read (a picklable callable: a worker
# process gets it once); its return value is what comes back instead of the reading.
Then = Callable[[Path, FileResult], object]
# What is done, where the files are read, with a file's reading kept from before (its stored
# bytes) instead of reading the file again; raising falls back to reading the file.
Recall = Callable[[Path, bytes], object]
Context = tuple[Registry, Sequence[Indicator], Vocabulary | None, Then | None, Recall | None]


def _by_fields(kind: type) -> Callable[[object], tuple]:
    values = operator.attrgetter(*(f.name for f in dataclasses.fields(kind)))
    return lambda item: (kind, values(item))


def _pickle_by_fields(*modules: types.ModuleType) -> None:
    """Pickle the slotted dataclasses of `modules` as their class and field values: what a
    worker sends back is mostly these, and the default for slotted dataclasses looks their
    fields up again for every object (a third of the cost of sending a reading back)."""
    for module in modules:
        for kind in vars(module).values():
            slotted = isinstance(kind, type) and "__slots__" in vars(kind)
            if slotted and dataclasses.is_dataclass(kind) and len(dataclasses.fields(kind)) > 1:
                copyreg.pickle(kind, _by_fields(kind))


_pickle_by_fields(model, issues)


# Read-only state of a worker process, set once by the pool initializer.
_context: Context | None = None


def _init_worker(
    registry: Registry,
    indicators: Sequence[Indicator],
    vocabulary: Vocabulary | None,
    then: Then | None,
    recall: Recall | None = None,
) -> None:
    global _context
    _context = (registry, indicators, vocabulary, then, recall)
    exit_with_parent()


def _failure(path: Path, exc: BaseException) -> FileResult:
    """The file-unreadable issue of a file whose reading failed with `exc`."""
    if isinstance(exc, BrokenProcessPool):
        reason = WORKER_DIED
    else:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return [(None, [make_issue("file-unreadable", file=path.name, reason=reason)])]


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True  # gone or locked: the reader says why it cannot be opened


def read_one(
    path: Path,
    registry: Registry,
    indicators: Sequence[Indicator],
    vocabulary: Vocabulary | None = None,
) -> FileResult:
    """Read one file (every unit it holds); any failure becomes a file-unreadable issue, and
    one of the tool's own outputs a file-own-output note. Only a regular file is opened (one
    replaced by a FIFO since it was listed would block the reader for ever)."""
    try:
        if not _regular(path):
            reason = "không còn là tệp thường (đã bị thay từ lúc liệt kê), không mở"
            return [(None, [make_issue("file-unreadable", file=path.name, reason=reason)])]
        return read_workbook(path, registry, indicators, vocabulary)
    except OwnOutputError as exc:  # a master or feedback copy: not a submission
        what = OUTPUT_KINDS.get(exc.kind, "một tệp kết quả")
        return [(None, [make_issue("file-own-output", file=path.name, name=path.name, what=what)])]
    except Exception as exc:  # noqa: BLE001 - a bad file must never stop the batch
        return _failure(path, exc)


def _read_chunk(items: list[tuple[Path, bytes | None]]) -> list[object]:
    return [_read_then(path, kept, *_context) for path, kept in items]


def _read_then(
    path: Path,
    kept: bytes | None,
    registry: Registry,
    indicators: Sequence[Indicator],
    vocabulary: Vocabulary | None,
    then: Then | None,
    recall: Recall | None = None,
) -> object:
    """`recall` on the file's reading kept from before (when there is one and it can be
    used), else `read_one`, then `then` on its result (when given)."""
    if kept is not None and recall is not None:
        try:
            return recall(path, kept)
        except Exception:  # noqa: BLE001, S110 - gone or damaged: the file is read instead
            pass
    result = read_one(path, registry, indicators, vocabulary)
    return then(path, result) if then is not None else result


_frozen = 0  # frozen_heap scopes open in this process


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """This process's objects left out of garbage collection while worker processes are
    forked from it and run: a forked worker's collections then never walk them, which would
    copy every page of the parent's memory into each worker (tens of seconds at 10,000 files).
    Scopes nest: the outermost one gives the objects back to the collector when it ends."""
    global _frozen
    gc.freeze()
    _frozen += 1
    try:
        yield
    finally:
        _frozen -= 1
        if not _frozen:
            gc.unfreeze()


def settle() -> None:
    """Within a `frozen_heap` scope, leave the objects made so far out of garbage collection
    too: a batch's results live until it ends, and every full collection would walk them
    again (a quarter of the parent's time at 2,500 files). Outside a scope, nothing."""
    if _frozen:
        gc.freeze()


def _read_in_pool(
    files: Sequence[Path],
    kept: Sequence[bytes | None],
    chunks: list[list[int]],
    workers: int,
    context: Context,
    finished: Callable[[int, object], None],
) -> list[tuple[list[int], BaseException]]:
    """Read `chunks` (file indices) in a fresh pool; the chunks it did not finish, in order,
    each with its error (BrokenProcessPool for all of them when a worker died)."""
    failed: dict[int, BaseException] = {}
    with (
        frozen_heap(),
        ProcessPoolExecutor(workers, initializer=_init_worker, initargs=context) as pool,
    ):
        futures = {}
        for n, chunk in enumerate(chunks):
            try:
                futures[pool.submit(_read_chunk, [(files[i], kept[i]) for i in chunk])] = n
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
            settle()
    return [(chunks[n], failed[n]) for n in sorted(failed)]


# What reading a file depends on besides its bytes and name: the package's code at or below
# the reading layer, and the libraries that open workbooks.
READING_LAYERS = ("read", "reference")
READING_LIBRARIES = ("python-calamine", "openpyxl", "msoffcrypto-tool", "olefile", "rapidfuzz")


@functools.cache
def reader_version() -> str:
    """A fingerprint of the reading code: the source of every module a reading can run
    (top-level modules, reference/, read/) and the versions of the libraries it uses. Any
    change to them makes earlier readings stale."""

    def reading(path: Path) -> bool:
        parts = path.relative_to(PACKAGE).parts
        return len(parts) == 1 or parts[0] in READING_LAYERS

    return code_fingerprint(filter(reading, PACKAGE.rglob("*.py")), READING_LIBRARIES)


def reading_context(
    registry: Registry, indicators: Sequence[Indicator], vocabulary: Vocabulary | None = None
) -> str:
    """What a file's reading depends on besides the file: the reader's code, the registry's
    units (who a file is from), the indicators read against and the vocabulary's words.
    Equal contexts, equal bytes and equal names give equal readings."""
    digest = hashlib.sha256(reader_version().encode())
    digest.update(repr(registry.units).encode())
    digest.update(repr(tuple(indicators)).encode())
    words = vocabulary or bundled_vocabulary()
    digest.update(repr([(e.kind, e.meaning, e.word) for e in words.entries]).encode())
    return digest.hexdigest()


def default_workers(files: int) -> int:
    """Processes worth starting for `files` files: 1 for small batches."""
    return max(1, min(os.cpu_count() or 1, files // FILES_PER_WORKER))


def read_files(
    files: Sequence[Path],
    registry: Registry,
    indicators: Sequence[Indicator],
    *,
    vocabulary: Vocabulary | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    then: Then | None = None,
    kept: Sequence[bytes | None] | None = None,
    recall: Recall | None = None,
) -> list:
    """Read every file (in file order), with `workers` processes (default: by batch size):
    for each file, a (Submission or None, issues) per unit it holds; or, with `then`, what
    `then(path, that reading)` returns, run where the file was read (for a file whose
    worker died, in this process on its file-unreadable issue). A file with a reading kept
    from before (`kept`, in file order: its stored bytes or None) is not read: its result is
    what `recall(path, those bytes)` returns, run in the workers too (when that raises, the
    file is read).

    A file that kills its worker process (a crash of a native library, an out-of-memory
    kill…) becomes a file-unreadable issue; it is never read again in this process. When a
    pool breaks, the files it did not finish are read again in a fresh pool with one
    worker, one file at a time and in order, so that the first one that fails there is the
    culprit; the files after it go back to a pool of `workers` processes. Only where no
    process can be started at all are the files read in this process.
    """
    total = len(files)
    workers = default_workers(total) if workers is None else max(1, workers)
    kept = list(kept) if kept is not None and recall is not None else [None] * total
    results: list[object | None] = [None] * total
    done = 0

    def unread(index: int, result: FileResult) -> None:  # a file-unreadable issue
        finished(index, then(files[index], result) if then is not None else result)

    def finished(index: int, result: object) -> None:
        nonlocal done
        results[index] = result
        done += 1
        if progress:
            progress(done, total)

    context = (registry, indicators, vocabulary, then, recall)
    if total:
        size = max(1, min(CHUNK, -(-total // (4 * workers))))  # ≥ 4 chunks per worker
        pending, isolating, retrying = list(range(total)), False, False
        try:
            while pending:
                step = 1 if isolating else size
                chunks = [pending[i : i + step] for i in range(0, len(pending), step)]
                failed = _read_in_pool(
                    files, kept, chunks, 1 if isolating else workers, context, finished
                )
                if isolating and failed:  # read alone, in order: the first failure is the culprit
                    ([index], error), *failed = failed
                    unread(index, _failure(files[index], error))
                pending = [index for chunk, _ in failed for index in chunk]
                isolating, retrying = bool(pending) and not isolating, True
        except OSError as exc:  # no processes to be had here
            if retrying:  # a file left may kill the reader: never read them in this process
                reason = f"{NO_WORKER} ({type(exc).__name__}: {exc})"
                for index in pending:
                    if results[index] is None:
                        issue = make_issue("file-unreadable", file=files[index].name, reason=reason)
                        unread(index, [(None, [issue])])
            # otherwise no pool broke: the files left are read below, one by one
    for index, path in enumerate(files):
        if results[index] is None:
            finished(index, _read_then(path, kept[index], *context))
    return results  # type: ignore[return-value]
