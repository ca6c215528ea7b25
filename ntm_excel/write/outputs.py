"""The files of one run, written as one generation: the master workbook, the CSV files and the
feedback workbooks describe the same consolidation, or the previous ones stay as they were.

Every file is written to a temporary file first (`ntm_excel.atomic.Generation`); nothing is
replaced until all are written. A file that cannot be written or replaced (disk full, a folder
without write permission, the master open in Excel) raises `OutputError`, whose message names
the file and the reason, and leaves every output of the previous run whole.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ntm_excel.atomic import Generation
from ntm_excel.check.figures import Figures
from ntm_excel.errors import OutputError, system_reason
from ntm_excel.history import History
from ntm_excel.model import Consolidation
from ntm_excel.read.batch import frozen_heap
from ntm_excel.write.beside import beside
from ntm_excel.write.csv_export import csv_paths, write_csv_files
from ntm_excel.write.feedback import FeedbackMaking, StagedFeedback, start_feedback
from ntm_excel.write.master import build_master
from ntm_excel.write.master_sheets import (
    DETAIL_FILE,
    SHEET_ROW_LIMIT,
    block_rows,
    overflow_path,
    write_detail_csv,
)

UNCHANGED = (
    "Chưa tệp kết quả nào bị thay: bảng tổng hợp, CSV và góp ý của lần chạy trước vẫn còn nguyên."
)


@dataclass(frozen=True)
class Outputs:
    """What one run wrote."""

    master: Path
    overflow: tuple[Path, ...] = ()  # blocks too long for the master, in CSV files beside it
    csv: tuple[Path, ...] = ()
    feedback_dir: Path | None = None
    feedback: Mapping[str, Path] = field(default_factory=dict)  # unit code → workbook
    removed: tuple[Path, ...] = ()  # feedback of earlier runs that no longer applies

    @property
    def files(self) -> list[Path]:
        """Every file of the set."""
        return [self.master, *self.overflow, *self.csv, *self.feedback.values()]


def nothing_submitted(consolidation: Consolidation) -> bool:
    """Whether no unit's workbook could be read: a master would show every unit as missing."""
    return not any(report.submitted for report in consolidation.units)


@contextlib.contextmanager
def _writing(what: str) -> Iterator[None]:
    """Turn a failure to write `what` into an `OutputError` that says so in Vietnamese."""
    try:
        yield
    except OutputError:
        raise
    except OSError as exc:
        reason = system_reason(OSError(exc.errno, exc.strerror)) if exc.errno else exc
        raise OutputError(f"Không ghi được {what}: {reason}. {UNCHANGED}") from exc


class OutputWriter:
    """The files of one run, written as one generation (see `write_outputs`), in two steps:
    `begin` as soon as the units are judged (the generation's lock taken, the feedback
    workbooks begun in worker processes), `write` once the consolidation is complete (its
    history view attached): the master and the CSV files, then the feedback staged and the
    generation committed. The feedback workbooks are thus made while this process records
    the history and writes the master. Leaving the block without `write` discards whatever
    was begun."""

    def __init__(
        self,
        master: Path | str,
        *,
        csv_dir: Path | str | None = None,
        feedback_dir: Path | str | None = None,
        history: History | None = None,
        row_limit: int = SHEET_ROW_LIMIT,
    ) -> None:
        self.master = Path(master)
        self.row_limit = row_limit  # the master's blocks longer than this go to CSV files
        self.csv_dir = Path(csv_dir) if csv_dir is not None else None
        self.feedback_dir = Path(feedback_dir) if feedback_dir is not None else None
        self.history = history
        self._open = contextlib.ExitStack()
        self._generation: Generation | None = None
        self._staged_master: Path | None = None
        self._feedback: FeedbackMaking | None = None
        self._failure: OutputError | None = None  # raised by `write`

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self._open.close()

    def begin(self, consolidation: Consolidation) -> None:
        """Take the generation and begin the feedback workbooks of `consolidation` (its
        units and issues as `write` will have them); a failure is raised by `write`."""
        if self._generation is not None or self._failure is not None:
            return
        try:
            with _writing(f"bảng tổng hợp {self.master}"):
                folders = [f for f in (self.csv_dir, self.feedback_dir) if f is not None]
                self._generation = self._open.enter_context(Generation(self.master, folders))
                self._staged_master = self._generation.stage(self.master)  # swapped in first
            if self.feedback_dir is not None:
                with _writing(f"các tệp góp ý vào {self.feedback_dir}"):
                    self._feedback = start_feedback(consolidation, self.feedback_dir, self.history)
                    self._open.callback(self._feedback.discard)
        except OutputError as exc:
            self._failure = exc

    @frozen_heap()  # the consolidation is not walked by every full collection while writing
    def write(self, consolidation: Consolidation, figures: Figures | None = None) -> Outputs:
        """Write the master and the CSV files, stage the feedback and swap them all in
        (`figures`: the consolidation's, when the caller has them already)."""
        self.begin(consolidation)
        if self._failure is not None:
            raise self._failure
        generation, csv_dir = self._generation, self.csv_dir
        csv: list[Path] = []
        feedback = StagedFeedback()
        csv_files = contextlib.nullcontext()
        detail: Path | None = None  # the master's detail, when the CSV child writes it
        what = f"các tệp CSV vào {csv_dir}"
        if csv_dir is not None:
            figures = figures or Figures.of(consolidation)
            with _writing(what):
                csv = csv_paths(csv_dir)
                staged = {target.name: generation.stage(target) for target in csv}
            if block_rows(figures)[DETAIL_FILE] > self.row_limit:
                target = overflow_path(self.master, DETAIL_FILE)
                what += f" và {target}"
                with _writing(what):
                    detail = generation.stage(target)
            csv_files = beside(_csv_files, consolidation, staged, figures, detail)
        with _writing(what), csv_files, _writing(f"bảng tổng hợp {self.master}"):
            overflow = build_master(
                consolidation,
                self.master,
                generation,
                row_limit=self.row_limit,
                staged=self._staged_master,
                figures=figures,
                elsewhere={DETAIL_FILE: detail} if detail is not None else None,
            )
        if self._feedback is not None:
            with _writing(f"các tệp góp ý vào {self.feedback_dir}"):
                feedback = self._feedback.stage(generation, self.feedback_dir)
        with _writing("các tệp kết quả"):
            generation.commit()
        feedback.note(self.history)
        return Outputs(
            self.master,
            tuple(overflow),
            tuple(csv),
            self.feedback_dir,
            feedback.files,
            tuple(feedback.stale),
        )


def _csv_files(
    consolidation: Consolidation,
    staged: Mapping[str, Path],
    figures: Figures,
    detail: Path | None,
) -> None:
    """In the child beside the master: the CSV files and, when it is too long for its sheet,
    the master's indicator detail (the kept reports' indicators are decoded once, here)."""
    write_csv_files(consolidation, staged)
    if detail is not None:
        write_detail_csv(detail, figures)


def write_outputs(
    consolidation: Consolidation,
    master: Path | str,
    *,
    csv_dir: Path | str | None = None,
    feedback_dir: Path | str | None = None,
    history: History | None = None,
    row_limit: int = SHEET_ROW_LIMIT,
) -> Outputs:
    """Write the master workbook, the CSV files (when `csv_dir` is given) and the feedback
    workbooks (when `feedback_dir` is given) as one generation; return what was written.
    With `history`, a feedback workbook made from the same file and issues is kept. The
    master's blocks longer than `row_limit` rows go to CSV files beside it."""
    with OutputWriter(
        master, csv_dir=csv_dir, feedback_dir=feedback_dir, history=history, row_limit=row_limit
    ) as writer:
        return writer.write(consolidation)
