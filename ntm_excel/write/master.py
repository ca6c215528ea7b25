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
import os
import re
import shutil
import tempfile
import time
import zlib
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import xlsxwriter
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings

from ntm_excel.atomic import Generation, mark_output
from ntm_excel.check.figures import Figures
from ntm_excel.errors import ON_WINDOWS
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


DEFLATERS = 2  # threads deflating the master's parts (zlib lets go of the GIL meanwhile)
PIECE = 1 << 20  # bytes of a part read at a time
PART_TIME = time.mktime((1980, 1, 31, 0, 0, 0, 0, 0, -1))  # XlsxWriter's time of every part


def _deflated(part: str) -> bytes:
    """The deflate stream of the part written to the file `part`, as `zipfile` deflates a
    member (zlib's default level, no header; the stream does not depend on the pieces the
    part is read in)."""
    deflater, stream = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15), []
    with open(part, "rb") as file:
        while piece := file.read(PIECE):
            stream.append(deflater.compress(piece))
    stream.append(deflater.flush())
    return b"".join(stream)


class _Deflated:
    """A member's deflate stream made beforehand, given to `zipfile` as its compressor."""

    def __init__(self, stream: bytes) -> None:
        self.stream = stream

    def compress(self, data: bytes) -> bytes:
        return b""

    def flush(self) -> bytes:
        return self.stream


class MasterPackager(Packager):
    """XlsxWriter's packager, writing the shared strings with `MasterSharedStrings`, and
    deflating each part in `deflating` (threads) as soon as it is written: a part is whole
    once the next one is begun (the packager writes them one by one)."""

    def __init__(self, deflating: ThreadPoolExecutor) -> None:
        super().__init__()
        self.deflating = deflating
        self.deflated: dict[str, Future] = {}  # a part's file → its deflate stream

    def _filename(self, xml_filename: str) -> str:
        self._deflate_last()
        return super()._filename(xml_filename)

    def _create_package(self) -> list:
        parts = super()._create_package()
        self._deflate_last()
        return parts

    def _deflate_last(self) -> None:
        if self.filenames and (last := self.filenames[-1][0]) not in self.deflated:
            self.deflated[last] = self.deflating.submit(_deflated, last)

    def _write_shared_strings_file(self) -> None:
        if not self.workbook.str_table.count:
            return
        sst = MasterSharedStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


class MasterWorkbook(xlsxwriter.Workbook):
    """A workbook whose sheets write their cells faster (`MasterWorksheet`), and its shared
    strings too; its parts deflated by threads while the next parts are written
    (`MasterPackager`), to the same package."""

    worksheet_class = master_sheets.MasterWorksheet

    def _store_workbook(self) -> None:
        """XlsxWriter's `_store_workbook` (3.3.1; a master has sheets, no macros, and is
        never made in memory), each part's deflate stream made by `MasterPackager`'s
        threads given to `zipfile` in the place of its own deflating: the same bytes."""
        if self.worksheet_meta.activesheet == 0:
            self.worksheets_objs[0].selected = 1
            self.worksheets_objs[0].hidden = 0
        for sheet in self.worksheets():
            if sheet.index == self.worksheet_meta.activesheet:
                sheet.active = 1
        self._prepare_sst_string_data()
        self._prepare_vml()
        self._prepare_defined_names()
        self._prepare_drawings()
        self._add_chart_data()
        self._prepare_tables()
        self._prepare_metadata()
        deflating = ThreadPoolExecutor(DEFLATERS, thread_name_prefix="deflate")
        packager = MasterPackager(deflating)
        packager._add_workbook(self)
        packager._set_tmpdir(self.tmpdir)
        try:
            parts = packager._create_package()
            with ZipFile(
                self.filename, "w", compression=ZIP_DEFLATED, allowZip64=self.allow_zip64
            ) as package:
                for part, name, _ in parts:
                    stream = packager.deflated.pop(part).result()
                    os.utime(part, (PART_TIME, PART_TIME))
                    member = ZipInfo.from_file(part, name)  # as `ZipFile.write` makes it
                    member.compress_type = ZIP_DEFLATED
                    with open(part, "rb") as file, package.open(member, "w") as out:
                        out._compressor = _Deflated(stream)  # its sizes and CRC counted here
                        shutil.copyfileobj(file, out, PIECE)
        finally:
            deflating.shutdown(cancel_futures=True)  # those begun are done: their files free
            for part, _, _ in packager.filenames:
                with contextlib.suppress(OSError):
                    os.remove(part)


# The folder of a master's parts while it is packaged, in the system's temporary folder:
# this prefix, the process's id, a random part. A run killed meanwhile left its parts there
# (a country's master: hundreds of MB each time); the next master made removes them.
PARTS_PREFIX = "ntm-excel-parts-"


def _running(pid: int) -> bool:
    """Whether process `pid` still runs (on Windows, where no signal only asks: assumed)."""
    if ON_WINDOWS:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's: it runs
        return True
    return True


@contextlib.contextmanager
def parts_folder() -> Iterator[Path]:
    """A new folder for the parts of a master being packaged, removed afterwards; the
    folders that processes no longer running left are removed first."""
    base = Path(tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for entry in base.iterdir():
            pid = entry.name.removeprefix(PARTS_PREFIX).split("-")[0]
            if entry.name.startswith(PARTS_PREFIX) and pid.isdigit() and not _running(int(pid)):
                shutil.rmtree(entry, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{PARTS_PREFIX}{os.getpid()}-", dir=base))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
    elsewhere: Mapping[str, Path] | None = None,
) -> list[Path]:
    """Write the master workbook for `target`, and the CSV files of its blocks longer than
    `row_limit` rows, as part of `generation`; return those CSV files. The workbook goes to
    `staged` when the caller staged it already (to keep the generation's order); `figures`
    are the consolidation's when the caller has them already; `elsewhere`: the blocks'
    CSV files the caller writes itself (name → the file it staged).

    The workbook is made in memory, then written in one go: a failure to write (disk full)
    is then a plain `OSError`. (Written by XlsxWriter itself, it becomes a `FileCreateError`,
    which is not one, and the half-closed file complains again when it is collected.)
    """
    with parts_folder() as parts:
        overflow = Overflow(target, generation, row_limit, elsewhere=elsewhere or {})
        return _build(consolidation, target, generation, overflow, staged, figures, parts)


def _build(
    consolidation: Consolidation,
    target: Path,
    generation: Generation,
    overflow: Overflow,
    staged: Path | None,
    figures: Figures | None,
    parts: Path,
) -> list[Path]:
    """`build_master`, the workbook's parts packaged in the folder `parts`."""
    buffer = io.BytesIO()
    # a copy: XlsxWriter adds to the default format's properties, and a second master made
    # in the same process would otherwise get another default font (a theme scheme)
    book = MasterWorkbook(buffer, {**copy.deepcopy(WORKBOOK_OPTIONS), "tmpdir": str(parts)})
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
