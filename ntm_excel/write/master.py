"""The colour-coded master workbook the office opens every morning.

`write_master()` turns a `Consolidation` into one .xlsx with seven sheets (summary with charts,
criteria matrix, indicator detail, task progress, submissions, data issues, district criteria),
and two more when the consolidation was recorded in the history (submissions per period with
the trend, changes since the previous versions).
Every text from a submission is written as a string, never as a formula or a link.
"""

from __future__ import annotations

import io
from pathlib import Path

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

from ntm_excel.atomic import atomic_path
from ntm_excel.check.figures import Figures
from ntm_excel.model import Consolidation
from ntm_excel.styles import FONT_NAME, TEXT_ONLY, FormatCache
from ntm_excel.write import history_sheets, master_sheets

MASTER_NAME = "tong_hop.xlsx"
WORKBOOK_OPTIONS = {
    **TEXT_ONLY,
    "remove_timezone": True,
    "default_format_properties": {"font_name": FONT_NAME, "font_size": 11},
}


def build_master(consolidation: Consolidation, path: Path | str) -> None:
    """Write the master workbook to exactly `path` (a temporary file of an atomic write).

    The workbook is made in memory, then written in one go: a failure to write (disk full)
    is then a plain `OSError`. (Written by XlsxWriter itself, it becomes a `FileCreateError`,
    which is not one, and the half-closed file complains again when it is collected.)
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    properties = {
        "title": f"Bảng tổng hợp nông thôn mới ngày {consolidation.as_of:%d/%m/%Y}",
        "author": "Văn phòng điều phối NTM",
        "comments": "Lập bằng ntm-excel",
    }
    if consolidation.created:
        properties["created"] = consolidation.created
    book.set_properties(properties)
    formats, figures = FormatCache(book), Figures.of(consolidation)
    master_sheets.write_all(book, formats, figures)
    history_sheets.write_all(book, formats, figures)
    try:
        book.close()
    except FileCreateError as exc:  # its temporary files (system temporary folder full)
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
        raise cause or OSError(str(exc)) from exc
    Path(path).write_bytes(buffer.getbuffer())


def write_master(consolidation: Consolidation, path: Path | str) -> Path:
    """Write the master workbook to `path` atomically and return the path.

    If `path` cannot be replaced (open in Excel), `OutputLockedError` is raised and the
    previous file is left as it was.
    """
    target = Path(path)
    with atomic_path(target) as tmp:
        build_master(consolidation, tmp)
    return target
