"""The colour-coded master workbook the office opens every morning.

`write_master()` turns a `Consolidation` into one .xlsx with seven sheets (summary with charts,
criteria matrix, indicator detail, task progress, submissions, data issues, district criteria),
and two more when the consolidation was recorded in the history (submissions per period with
the trend, changes since the previous versions).
Every text from a submission is written as a string, never as a formula or a link.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from ntm_excel.atomic import atomic_path
from ntm_excel.check.figures import Figures
from ntm_excel.model import Consolidation
from ntm_excel.styles import FONT_NAME, TEXT_ONLY, FormatCache
from ntm_excel.write import history_sheets, master_sheets
from ntm_excel.write.master_sheets import SHEET_ROW_LIMIT, Overflow

WORKBOOK_OPTIONS = {
    **TEXT_ONLY,
    "remove_timezone": True,
    "default_format_properties": {"font_name": FONT_NAME, "font_size": 11},
}


def write_master(
    consolidation: Consolidation, path: Path | str, *, row_limit: int = SHEET_ROW_LIMIT
) -> Path:
    """Write the master workbook to `path` atomically and return the path.

    The indicator detail and the task list, when longer than `row_limit` rows (a province of
    more than about a thousand communes), go to CSV files beside it (`overflow_files`) and
    their sheets say so: the workbook then still opens in seconds. If `path` cannot be
    replaced (open in Excel), `OutputLockedError` is raised and the previous file is left as
    it was.
    """
    target = Path(path)
    figures = Figures.of(consolidation)
    overflow = Overflow(target, row_limit)
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
        formats = FormatCache(book)
        master_sheets.write_all(book, formats, figures, overflow)
        history_sheets.write_all(book, formats, figures)
        book.close()  # not reached on error: the half-written temporary file is discarded
    return target


def overflow_files(
    consolidation: Consolidation, path: Path | str, *, row_limit: int = SHEET_ROW_LIMIT
) -> list[Path]:
    """The CSV files `write_master` writes beside `path` for this consolidation."""
    overflow = Overflow(Path(path), row_limit)
    rows = master_sheets.block_rows(Figures.of(consolidation))
    return [overflow.path(name) for name, count in rows.items() if count > row_limit]
