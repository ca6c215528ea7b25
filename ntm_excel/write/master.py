"""The colour-coded master workbook the office opens every morning.

`write_master()` turns a `Consolidation` into one .xlsx with seven sheets (summary with charts,
criteria matrix, indicator detail, task progress, submissions, data issues, district criteria),
and two more when the consolidation was recorded in the history (submissions per period with
the trend, changes since the previous versions).
Every text from a submission is written as a string, never as a formula or a link.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import io
import re
from collections.abc import Iterator
from pathlib import Path

import xlsxwriter
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings

from ntm_excel.atomic import Generation, mark_output
from ntm_excel.check.figures import Figures
from ntm_excel.model import Consolidation
from ntm_excel.styles import FONT_NAME, TEXT_ONLY, FormatCache, close_xlsx
from ntm_excel.write import history_sheets, master_sheets
from ntm_excel.write.master_sheets import SHEET_ROW_LIMIT, Overflow

MASTER_NAME = "tong_hop.xlsx"
WORKBOOK_OPTIONS = {
    **TEXT_ONLY,
    "remove_timezone": True,
    "default_format_properties": {"font_name": FONT_NAME, "font_size": 11},
}


# A shared string XlsxWriter may write other than as `<si><t>…</t></si>`: with a character to
# escape, something like an escape ("_x", see `styles.STARTS_ESCAPE`), leading or trailing
# white space, or taken for a rich string
_SPECIAL_STRING = re.compile(r"[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x|^\s|\s$")


class MasterSharedStrings(SharedStrings):
    """XlsxWriter's shared strings part, to the same bytes, each plain string written
    without its escaping steps (a master holds tens of thousands of distinct strings)."""

    def _write_sst_strings(self) -> None:
        plain: list[str] = []
        special, write = _SPECIAL_STRING.search, self.fh.write
        for string in self.string_table.string_array:
            if special(string) is None:
                plain.append(f"<si><t>{string}</t></si>")
                continue
            write("".join(plain))
            plain.clear()
            self._write_si(string)  # XlsxWriter's own
        write("".join(plain))


class MasterPackager(Packager):
    """XlsxWriter's packager, writing the shared strings with `MasterSharedStrings`."""

    def _write_shared_strings_file(self) -> None:
        if not self.workbook.str_table.count:
            return
        sst = MasterSharedStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


class MasterWorkbook(xlsxwriter.Workbook):
    """A workbook whose sheets write their cells faster (`MasterWorksheet`), and its shared
    strings too (`MasterPackager`)."""

    worksheet_class = master_sheets.MasterWorksheet

    def _get_packager(self) -> Packager:
        return MasterPackager()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a master is made.

    XlsxWriter keeps a tuple per cell (millions in a country's master); every 700 new
    ones set the collector off, and its full passes go through every object of the process,
    the whole consolidation included: a third of the master's time. Making a master creates
    no garbage cycles worth chasing meanwhile; the collector runs again afterwards.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def build_master(
    consolidation: Consolidation,
    target: Path,
    generation: Generation,
    *,
    row_limit: int = SHEET_ROW_LIMIT,
    staged: Path | None = None,
    figures: Figures | None = None,
) -> list[Path]:
    """Write the master workbook for `target`, and the CSV files of its blocks longer than
    `row_limit` rows, as part of `generation`; return those CSV files. The workbook goes to
    `staged` when the caller staged it already (to keep the generation's order); `figures`
    are the consolidation's when the caller has them already.

    The workbook is made in memory, then written in one go: a failure to write (disk full)
    is then a plain `OSError`. (Written by XlsxWriter itself, it becomes a `FileCreateError`,
    which is not one, and the half-closed file complains again when it is collected.)
    """
    buffer = io.BytesIO()
    # a copy: XlsxWriter adds to the default format's properties, and a second master made
    # in the same process would otherwise get another default font (a theme scheme)
    book = MasterWorkbook(buffer, copy.deepcopy(WORKBOOK_OPTIONS))
    properties = {
        "title": f"Bảng tổng hợp nông thôn mới ngày {consolidation.as_of:%d/%m/%Y}",
        "author": "Văn phòng điều phối NTM",
        "comments": "Lập bằng ntm-excel",
    }
    if consolidation.created:
        properties["created"] = consolidation.created
    book.set_properties(properties)
    mark_output(book, "tong_hop", consolidation.created)  # never read back as a submission
    formats, figures = FormatCache(book), figures or Figures.of(consolidation)
    overflow = Overflow(target, generation, row_limit)
    # the CSV files of the overflow are written beside, and waited for
    with collector_paused(), overflow.writing:
        master_sheets.write_all(book, formats, figures, overflow)
        history_sheets.write_all(book, formats, figures)
        close_xlsx(book)  # its temporary files (system temporary folder full): an OSError
        (staged or generation.stage(target)).write_bytes(buffer.getbuffer())
    overflow.retire_unused()
    return overflow.written


def write_master(
    consolidation: Consolidation, path: Path | str, *, row_limit: int = SHEET_ROW_LIMIT
) -> Path:
    """Write the master workbook to `path` atomically and return the path.

    The indicator detail and the task list, when longer than `row_limit` rows (a province of
    more than about a thousand communes), go to CSV files beside it (`overflow_files`) and
    their sheets say so: the workbook then still opens in seconds. If `path` cannot be
    replaced (open in Excel), `OutputLockedError` is raised and the previous files are left
    as they were (the workbook and its CSV files are replaced together: `Generation`).
    """
    target = Path(path)
    with Generation(target) as generation:
        build_master(consolidation, target, generation, row_limit=row_limit)
        generation.commit()
    return target


def overflow_files(
    consolidation: Consolidation, path: Path | str, *, row_limit: int = SHEET_ROW_LIMIT
) -> list[Path]:
    """The CSV files `write_master` writes beside `path` for this consolidation."""
    rows = master_sheets.block_rows(Figures.of(consolidation))
    return [
        master_sheets.overflow_path(Path(path), name)
        for name, count in rows.items()
        if count > row_limit
    ]
