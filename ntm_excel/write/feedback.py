"""Feedback workbooks sent back to a commune: its own workbook with every problem cell
coloured and commented, plus a «Góp ý» sheet listing the issues and how to fix them and a
«Cách đọc biểu» sheet saying how the file was understood.

The commune's file is read, never written: the copy is made from the bytes that were
validated, checked again with the reader's safety checks (`ntm_excel.read.sniff`), by editing
its package directly (`ntm_excel.write.package`: only the parts that change are parsed and
written, a few milliseconds a file). A package that module does not edit goes through openpyxl
(`openpyxl_workbook`), which holds a whole workbook in memory (about a second and 25 MB per
megabyte of XML). A workbook with more than `EDIT_LIMIT` bytes of XML is not copied; such a
workbook, and one that cannot be edited (.xls, .ods, a file changed since it was read), gets a
separate workbook with the list only.

With the history (`ntm_excel.history`), a feedback workbook is rewritten only when the
commune's file or its issues changed since it was written (or it is gone).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import multiprocessing
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.utils.exceptions import CellCoordinatesException
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.page import PageMargins

from ntm_excel import atomic
from ntm_excel import issues as issues_module
from ntm_excel import styles as styles_module
from ntm_excel.atomic import Generation, atomic_path, mark_output, staging_file
from ntm_excel.check.figures import IssueCounts, issues_by_unit, unit_issues
from ntm_excel.config import FEEDBACK_FOLDER
from ntm_excel.fingerprint import code_fingerprint
from ntm_excel.history import History
from ntm_excel.issues import ISSUE_TYPES, SEVERITY_LABELS, Issue, Severity
from ntm_excel.model import Consolidation, Unit, UnitReport
from ntm_excel.read import report as report_module
from ntm_excel.read.batch import CHUNK, default_workers, frozen_heap, reader_version
from ntm_excel.read.report import HEADINGS as READING_HEADINGS
from ntm_excel.read.report import report_rows
from ntm_excel.read.sniff import Sniffed, markup_size, sniff
from ntm_excel.styles import (
    FONT_NAME,
    HEADER,
    SEVERITY_COLOURS,
    SEVERITY_ORDER,
    TITLE_FONT,
    cell_text,
    ooxml_text,
    row_height,
    wrapped_lines,
)
from ntm_excel.workers import exit_with_parent
from ntm_excel.write import defang
from ntm_excel.write import package as package_module
from ntm_excel.write.package import LINE_POINTS, Listing, Look, Package, memoised_row

FOLDER = FEEDBACK_FOLDER
SHEET = "Góp ý"
AUTHOR = "Văn phòng điều phối NTM huyện"
EDITABLE = (".xlsx", ".xlsm")  # copied and marked; the copy is an .xlsx without macros
EDIT_LIMIT = 4 * 1024 * 1024  # bytes of XML (inflated) in a workbook copied and marked
COLUMNS = (  # title, width: 142 units fill an A4 landscape page at about 100 %
    ("STT", 5),
    ("Mức độ", 10),
    ("Vấn đề", 26),
    ("Trang", 14),
    ("Ô", 7),
    ("Nội dung và cách sửa", 66),
    ("Mã lỗi", 14),  # the issue's code, small: for the office, when a commune asks
)
# What each column holds in characters of the 11-point font: the code's 8 points fit 11/8 more.
_FITS = tuple(width for _, width in COLUMNS[:-1]) + (COLUMNS[-1][1] * 11 / 8,)
COMMENT_WIDTH = 320  # pixels
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
# Feedback files of an earlier run, and the temporary files of a run that was killed.
_OURS = re.compile(rf"^(?:{SHEET} - .+|\.{SHEET} - .+\.[0-9a-z_]{{8}})\.(?:xlsx|xlsm)$")
LOOK = Look(  # the fonts (size, bold, colour, underlined) and fills of `_add_listing`, as XML
    fonts={
        "title": (14, True, TITLE_FONT, False),
        "header": (11, True, HEADER.font, False),
        "plain": (11, False, "", False),
        "link": (11, False, "0563C1", True),
        "code": (8, False, "808080", False),
        **{s: (11, True, c.font, False) for s, c in SEVERITY_COLOURS.items()},
    },
    fills={"header": HEADER.fill, **{s: c.fill for s, c in SEVERITY_COLOURS.items()}},
    centred=frozenset({"header"}),
)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTRED = Alignment(wrap_text=True, horizontal="center", vertical="center")
# The same looks for openpyxl (a workbook it makes): font, fill (or None), alignment.
STYLES = {
    name: (
        Font(
            name=FONT_NAME,
            size=size,
            bold=bold or None,
            color=colour or None,
            underline="single" if underlined else None,
        ),
        PatternFill("solid", start_color=LOOK.fills[name], end_color=LOOK.fills[name])
        if name in LOOK.fills
        else None,
        CENTRED if name in LOOK.centred else WRAP,
    )
    for name, (size, bold, colour, underlined) in LOOK.fonts.items()
}
TOO_LARGE = (
    "Tệp của xã quá lớn để đánh dấu từng ô trong một bản sao; hãy sửa các ô được nêu dưới đây "
    "trong tệp gốc rồi gửi lại."
)


def _safe_name(unit: Unit) -> str:
    return _UNSAFE.sub("_", unicodedata.normalize("NFC", unit.name)).strip(" .") or unit.code


def shared_names(units: Iterable[Unit]) -> frozenset[str]:
    """The file names (case-folded) that more than one unit would get: two communes of the
    same name in a province, or names that differ only in case or in a character a file name
    cannot hold. Windows sees "Xã Cẩm Bình" and "xã cẩm bình" as one file."""
    counts = Counter(_safe_name(unit).casefold() for unit in units)
    return frozenset(name for name, count in counts.items() if count > 1)


def feedback_path(
    report: UnitReport, out_dir: Path | str, *, shared: frozenset[str] = frozenset()
) -> Path:
    """Where the unit's feedback goes: "<out_dir>/Góp ý - Xã Cẩm Thành.xlsx", with the unit's
    code added ("Góp ý - Xã Cẩm Bình (18685).xlsx") when its name is one of the `shared`."""
    name = _safe_name(report.unit)
    if name.casefold() in shared:
        name = f"{name} ({report.unit.code})"
    return Path(out_dir) / f"{SHEET} - {name}.xlsx"


def _text(cell, value: object) -> None:
    """Put a value in a cell; text stays text even when it starts with "=", and shows as
    typed in Excel and LibreOffice (`ooxml_text`)."""
    if isinstance(value, str):
        cell.value = ooxml_text(cell_text(value))  # within what one cell holds
        if value.startswith("="):
            cell.data_type = "s"
    else:
        cell.value = value


class _Styles:
    """The cell styles of a sheet we add, by name: the first cell of a style gets it through
    openpyxl, the others a copy of its style ids (the same workbook XML). openpyxl hashes
    every font, fill and alignment assigned to a cell, which took a third of the time of a
    feedback workbook."""

    def __init__(self) -> None:
        self._ids: dict[object, StyleArray] = {}

    def apply(self, cell, name: object) -> None:
        """Give `cell` the style `name` (its font, fill and alignment in `STYLES`)."""
        ids = self._ids.get(name)
        if ids is None:
            font, fill, alignment = STYLES[name]
            cell.font, cell.alignment = font, alignment
            if fill is not None:
                cell.fill = fill
            self._ids[name] = copy(cell._style)
        else:
            cell._style = copy(ids)


def _checked(path: Path, sha256: str) -> tuple[bytes | None, Sniffed | None, str]:
    """The workbook's bytes as they were validated and what `sniff` found in them, or
    (None, None, why not: a note for the «Góp ý» sheet)."""
    try:
        data = path.read_bytes()
        if sha256 and hashlib.sha256(data).hexdigest() != sha256:
            return None, None, ""  # changed since it was read: its cells may no longer match
        if markup_size(data) > EDIT_LIMIT:
            return None, None, TOO_LARGE
        return data, sniff(data), ""
    except Exception:  # noqa: BLE001 - any workbook that cannot be edited gets the list only
        return None, None, ""


def _escape_copied_text(workbook) -> None:
    """Escape the "_x…_" sequences of the commune's own text (openpyxl writes text raw)."""
    for sheet in workbook.worksheets:
        for cell in sheet._cells.values():  # the cells that exist, never the whole grid
            if cell.data_type == "s" and isinstance(cell.value, str) and "_x" in cell.value:
                cell._value = ooxml_text(cell.value)


@dataclass(frozen=True)
class _Note:
    """The comment and colour of one problem cell."""

    sheet: str
    address: str
    fill: str  # the colour of the worst severity
    text: str
    height: int  # of the comment box, pixels
    indexes: tuple[int, ...]  # of the issues it tells


def _notes(issues: list[Issue], file_name: str, sheet_names: Iterable[str]) -> list[_Note]:
    """A note for every cell of `file_name` (in one of `sheet_names`) with issues."""
    names = set(sheet_names)
    by_cell: dict[tuple[str, str], list[int]] = {}
    for index, issue in enumerate(issues):
        if issue.file == file_name and issue.sheet in names and issue.cell:
            by_cell.setdefault((issue.sheet, issue.cell), []).append(index)
    notes = []
    for (sheet, address), indexes in by_cell.items():
        worst = min((issues[i].severity for i in indexes), key=SEVERITY_ORDER.__getitem__)
        lines = [f"{SEVERITY_LABELS[issues[i].severity]}: {issues[i].message}" for i in indexes]
        text = "\n".join(lines)
        height = 40 + 16 * (len(text) // 45 + len(lines))
        notes.append(_Note(sheet, address, SEVERITY_COLOURS[worst].fill, text, height,
                           tuple(indexes)))  # fmt: skip
    return notes


def _target_cell(sheet, address: str):
    """The cell to mark: the top-left cell of a merged range that holds `address`."""
    try:
        coordinate_from_string(address)
    except (ValueError, CellCoordinatesException):
        return None
    for merged in sheet.merged_cells.ranges:
        if address in merged:
            return sheet.cell(merged.min_row, merged.min_col)
    return sheet[address]


def _mark(workbook, issues: list[Issue], file_name: str) -> set[int]:
    """Colour and comment every located issue of `file_name`; return the indexes marked."""
    marked: set[int] = set()
    for note in _notes(issues, file_name, [sheet.title for sheet in workbook.worksheets]):
        cell = _target_cell(workbook[note.sheet], note.address)
        if cell is None:
            continue
        cell.fill = PatternFill("solid", start_color=note.fill, end_color=note.fill)
        comment = Comment(ooxml_text(note.text), AUTHOR)
        comment.width, comment.height = COMMENT_WIDTH, note.height
        cell.comment = comment
        marked.update(note.indexes)
    return marked


def _mark_package(package: Package, issues: list[Issue], file_name: str) -> set[int]:
    """`_mark` for a package edited directly."""
    marked: set[int] = set()
    for note in _notes(issues, file_name, package.sheets):
        if package.mark(note.sheet, note.address, note.fill, note.text, note.height):
            marked.update(note.indexes)
    return marked


def _print_setup(sheet, label: str) -> None:
    """A4 landscape, one page wide, the header row (4) on every page, `label` and page
    numbers in the footer."""
    setup = sheet.page_setup
    setup.orientation, setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.oddFooter.left.text, sheet.oddFooter.left.size = label, 8
    sheet.oddFooter.right.text, sheet.oddFooter.right.size = "Trang &P/&N", 8
    sheet.print_title_rows = "4:4"
    sheet.freeze_panes = "A5"


def _add_listing(workbook, listing: Listing) -> None:
    """Add `listing` to an openpyxl workbook (see `package.Listing`)."""
    if listing.name in workbook.sheetnames:
        del workbook[listing.name]  # a commune sent back an earlier feedback copy
    sheet = workbook.create_sheet(listing.name, 0 if listing.first else None)
    if listing.first:
        for other in workbook.worksheets:
            other.sheet_view.tabSelected = False
        workbook.active = 0
        sheet.sheet_view.tabSelected = True
    columns = listing.columns
    heights = listing.heights()
    for row, text, look in ((1, listing.title, "title"), (2, listing.note, "plain")):
        _text(sheet.cell(row, 1), text)
        sheet.cell(row, 1).font, sheet.cell(row, 1).alignment = STYLES[look][0], WRAP
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(columns))
        sheet.row_dimensions[row].height = heights[row - 1]
    styles = _Styles()
    for col, (heading, width) in enumerate(columns, start=1):
        cell = sheet.cell(4, col)
        _text(cell, heading)
        styles.apply(cell, "header")
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.row_dimensions[4].height = heights[2]
    for row, (values, looks, height) in enumerate(listing.rows, start=5):
        for col, (value, look) in enumerate(zip(values, looks, strict=True), start=1):
            cell = sheet.cell(row, col)
            _text(cell, value)
            if look == "link":
                location = listing.links[row, col]
                cell.hyperlink = Hyperlink(ref=cell.coordinate, location=location)
            styles.apply(cell, look)
        sheet.row_dimensions[row].height = height
    _print_setup(sheet, listing.name)


def _issue_listing(report: UnitReport, issues: list[Issue], linked: set[int], why: str) -> Listing:
    """The «Góp ý» sheet, first and selected: `issues` worst first (cells in `linked` as
    links), each by its title; its code last, small, for the office."""
    counts = IssueCounts.of(issues)
    title = f"GÓP Ý VỀ BIỂU TỰ ĐÁNH GIÁ: {report.unit.name.upper()}"
    note = (
        f"Tệp: {report.submission.file_name} — {counts.errors} lỗi phải sửa, "
        f"{counts.warnings} cảnh báo cần kiểm tra. "
    )
    note += why or (
        "Các ô có vấn đề đã được tô màu và có ghi chú; bấm vào địa chỉ ô để đến ô đó. "
        "Sửa xong hãy xóa trang này rồi gửi lại tệp."
        if linked
        else "Hãy sửa các ô được nêu dưới đây trong tệp gốc rồi gửi lại."
    )
    order = sorted(range(len(issues)), key=lambda i: SEVERITY_ORDER[issues[i].severity])
    rows = []
    links = {}
    for row, index in enumerate(order, start=5):
        issue = issues[index]
        values = (
            row - 4,
            SEVERITY_LABELS[issue.severity],
            ISSUE_TYPES[issue.code].title,
            issue.sheet,
            issue.cell,
            about_file(issue, report.submission.file_name),
            issue.code,
        )
        looks: list[object] = ["plain", issue.severity, "plain", "plain", "plain", "plain", "code"]
        if index in linked:
            quoted = issue.sheet.replace("'", "''")
            links[row, 5] = f"'{quoted}'!{issue.cell}"
            looks[4] = "link"
        texts = [(v, width) for v, width in zip(values, _FITS, strict=True) if v]
        lines = max([1, *(wrapped_lines(v, w) for v, w in texts if isinstance(v, str))])
        rows.append((values, tuple(looks), LINE_POINTS * lines + 3))
    return Listing(SHEET, title, note, COLUMNS, rows, links, first=True)


READING_SHEET = "Cách đọc biểu"
READING_WIDTHS = (8, 18, 40, 22, 52)  # the columns of `report.HEADINGS`: 140 units wide


_PLAIN = ("plain",) * len(READING_WIDTHS)


@memoised_row
def _reading_height(values: tuple[str, ...]) -> float:
    """The height of a «Cách đọc biểu» row."""
    return row_height(zip(values, READING_WIDTHS, strict=True))


def _reading_listing(report: UnitReport) -> Listing | None:
    """The «Cách đọc biểu» sheet: how the file was understood (sheets, heading, the role
    of each column and why, the indicator each row was read as), so that a clerk can see it."""
    reading = report.submission.reading
    if reading is None:
        return None
    rows = [(values, _PLAIN, _reading_height(values)) for values in report_rows(reading)]
    return Listing(
        READING_SHEET,
        f"CHƯƠNG TRÌNH ĐÃ ĐỌC BIỂU CỦA {report.unit.name.upper()} NHƯ SAU",
        "Nếu một cột hoặc một dòng bị hiểu sai, hãy sửa tiêu đề cột hoặc mã chỉ tiêu (cột TT) "
        "trong biểu rồi gửi lại; văn phòng có thể thêm cách viết mới vào bảng từ vựng.",
        tuple(zip(READING_HEADINGS, READING_WIDTHS, strict=True)),
        rows,
    )


def _listings(report, issues, linked, why) -> list[Listing]:
    reading = _reading_listing(report)
    return [_issue_listing(report, issues, linked, why), *([reading] if reading else [])]


def openpyxl_workbook(
    report: UnitReport, issues: list[Issue], data: bytes | None = None, why: str = ""
):
    """The feedback workbook made with openpyxl (the safety net of `feedback_workbook`):
    the commune's workbook `data` (checked) copied (without its macros) and marked, or,
    without it, the list only."""
    workbook = None
    if data is not None:
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data))  # keep_vba: False
            defang.defang_workbook(workbook, data)
        except Exception:  # noqa: BLE001 - any workbook openpyxl cannot edit gets the list only
            workbook = None
    if workbook is None:
        workbook, linked = openpyxl.Workbook(), set()
        del workbook[workbook.active.title]
    else:
        _escape_copied_text(workbook)
        linked = _mark(workbook, issues, report.submission.file_name)
    for listing in _listings(report, issues, linked, why):
        _add_listing(workbook, listing)
    mark_output(workbook, "gop_y")  # saved right after: never read back as a submission
    return workbook


def _saved(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def edited_package(report: UnitReport, issues: list[Issue], data: bytes, sniffed: Sniffed) -> bytes:
    """The commune's package (`data`, checked by `sniff`) with the problem cells marked and
    the sheets added, edited directly; raises `Unsupported` when it holds something
    `package` does not edit."""
    package = Package.open(data, sniffed, LOOK)
    package.drop_macros()
    defang.defang_package(package)
    linked = _mark_package(package, issues, report.submission.file_name)
    for listing in _listings(report, issues, linked, ""):
        package.add(listing)
    return package.save("gop_y", AUTHOR, COMMENT_WIDTH)


def list_package(report: UnitReport, issues: list[Issue], why: str) -> bytes:
    """A workbook holding only the «Góp ý» list (and «Cách đọc biểu»)."""
    package = Package.new(LOOK)
    for listing in _listings(report, issues, set(), why):
        package.add(listing)
    return package.save("gop_y", AUTHOR, COMMENT_WIDTH)


def feedback_workbook(report: UnitReport, issues: list[Issue]) -> bytes:
    """The unit's feedback workbook (an .xlsx).

    For .xlsx/.xlsm the commune's own package is copied with the problem cells marked and
    the sheets added (`edited_package`; openpyxl when the package holds something it does
    not edit), its macros left out: the office mails it on, and a file that came from a
    stranger's address must not reach the commune with code in it. Otherwise a workbook
    holding only the «Góp ý» list (and «Cách đọc biểu»)."""
    source = Path(report.submission.path)
    suffix = source.suffix.lower()
    data, sniffed, why = None, None, ""
    if suffix in EDITABLE:
        data, sniffed, why = _checked(source, report.submission.sha256)
    if sniffed is not None and sniffed.kind == suffix.lstrip("."):
        try:
            return edited_package(report, issues, data, sniffed)
        except Exception:  # noqa: BLE001 - `Unsupported`, or anything else in a hostile file
            return _saved(openpyxl_workbook(report, issues, data))
    return list_package(report, issues, why)


def write_feedback(
    report: UnitReport,
    issues: list[Issue],
    out_dir: Path | str,
    *,
    shared: frozenset[str] = frozenset(),
) -> Path | None:
    """Write the unit's feedback workbook into `out_dir`; None when there is nothing to say.
    `shared`: the names other units also have (see `shared_names`)."""
    if report.submission is None or not issues:
        return None
    target = feedback_path(report, out_dir, shared=shared)
    content = feedback_workbook(report, issues)
    with atomic_path(target) as tmp:
        tmp.write_bytes(content)
    return target


def about_file(issue: Issue, used: str) -> str:
    """The issue's message, naming the file when it is another file the unit sent than the
    one `used` (an unreadable re-send), unless the message names it already."""
    if issue.file and issue.file != used and issue.file not in issue.message:
        return f"Tệp «{issue.file}»: {issue.message}"
    return issue.message


def feedback_issues(report: UnitReport, issues: list[Issue]) -> list[Issue]:
    """The issues to send back to the unit: those of its submitted file and of the other
    files it sent (`figures.unit_issues`, what its reminder counts); none unless at least one
    is an error or a warning."""
    if report.submission is None:
        return []
    mine = unit_issues(report.unit.code, issues)
    return mine if any(i.severity is not Severity.INFO for i in mine) else []


@functools.cache
def _writer_version() -> str:
    """The code a feedback workbook's look and words come from, and the reader's (its
    «Cách đọc biểu» sheet shows the reading)."""
    modules = [__file__, package_module.__file__, styles_module.__file__, issues_module.__file__]
    modules += [report_module.__file__, atomic.__file__, defang.__file__]
    return code_fingerprint(modules, ("openpyxl", "lxml")) + reader_version()


def fingerprint(report: UnitReport, issues: list[Issue]) -> str:
    """What a unit's feedback workbook is made from: its file, its name, its issues, and
    this writer."""
    made_of = [
        report.submission.sha256 if report.submission else "",
        report.unit.name,
        [[i.code, i.severity.value, i.message, i.file, i.sheet, i.cell] for i in issues],
        _writer_version(),
    ]
    return hashlib.sha256(json.dumps(made_of, ensure_ascii=False).encode()).hexdigest()


@dataclass
class StagedFeedback:
    """The feedback of one run, written as part of a generation."""

    files: dict[str, Path] = field(default_factory=dict)  # unit code → workbook
    stale: list[Path] = field(default_factory=list)  # earlier feedback, removed in the swap
    made_of: dict[Path, str] = field(default_factory=dict)  # new workbook → its fingerprint

    def note(self, history: History | None) -> None:
        """Record in `history` what the new workbooks were made from (after the swap)."""
        if history is not None and self.made_of:
            history.note_outputs(self.made_of)


class _Noted:
    """What the history noted of the feedback workbooks written before (one query for all
    of them): each one's fingerprint by where it is (symbolic links followed)."""

    def __init__(self, history: History) -> None:
        self.fingerprints = history.output_fingerprints()
        self.folders: dict[Path, Path] = {}

    def fingerprint(self, path: Path) -> str | None:
        """The fingerprint noted of the workbook at `path` (None when it is not a file)."""
        if not path.is_file():
            return None
        if path.is_symlink():
            return self.fingerprints.get(str(path.resolve()))
        folder = self.folders.get(path.parent)
        if folder is None:
            folder = self.folders[path.parent] = path.parent.resolve()
        return self.fingerprints.get(str(folder / path.name))


def _unchanged(report, issues, out_dir, shared, noted: _Noted | None) -> tuple[Path | None, str]:
    """The unit's feedback workbook when the history noted it made from the same file and
    issues (else None), and that fingerprint ("" without history)."""
    if noted is None:
        return None, ""
    made_of = fingerprint(report, issues)
    if not noted.fingerprints:  # nothing noted yet (a first run): no workbook to look for
        return None, made_of
    written = feedback_path(report, out_dir, shared=shared)
    return (written if noted.fingerprint(written) == made_of else None), made_of


@dataclass(frozen=True)
class _Job:
    """One unit's feedback workbook to make (in a worker process)."""

    report: UnitReport
    issues: list[Issue]
    out_dir: Path
    shared: frozenset[str]

    def __call__(self) -> tuple[Path, Path]:
        """Make the workbook and save it beside its target: (target, file written)."""
        target = feedback_path(self.report, self.out_dir, shared=self.shared)
        return target, staging_file(target, feedback_workbook(self.report, self.issues))


def _make_chunk(jobs: list[_Job]) -> list[tuple[Path, Path]]:
    """Make `jobs` in turn; when one fails, the files already written are removed."""
    made: list[tuple[Path, Path]] = []
    try:
        for job in jobs:
            made.append(job())
    except BaseException:
        for _, written in made:
            written.unlink(missing_ok=True)
        raise
    return made


# The jobs of a pool of forked workers, set while it starts (a job pickled to a worker costs a
# third of the time it takes to make the workbook).
_inherited: list[_Job] = []


def _make_inherited(start: int, stop: int) -> list[tuple[Path, Path]]:
    """In a forked worker: make the jobs `start` to `stop` it has as forked."""
    return _make_chunk(_inherited[start:stop])


class FeedbackMaking:
    """Feedback workbooks being made (`start_feedback`): in worker processes when there are
    enough to repay starting them (each is the commune's package edited, milliseconds), which
    go on while this process does other work (records the history, writes the master); else
    here, when `stage` asks for them."""

    def __init__(self, order: list[tuple[UnitReport, Path | None, str]], jobs: list[_Job]):
        self.order = order  # every unit with feedback: its kept workbook, or made now
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list = []
        self._staged = False
        workers = default_workers(len(jobs))
        if workers > 1:
            global _inherited
            size = max(1, min(CHUNK, len(jobs) // (4 * workers)))
            chunks = [(i, min(i + size, len(jobs))) for i in range(0, len(jobs), size)]
            forking = "fork" in multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if forking else None)
            with frozen_heap():  # the workers are forked now: their collections never walk it
                self._pool = ProcessPoolExecutor(
                    workers, mp_context=context, initializer=exit_with_parent
                )
                try:
                    if forking:  # the workers have the jobs as forked: only their places travel
                        _inherited = jobs
                        self._futures = [self._pool.submit(_make_inherited, *c) for c in chunks]
                    else:
                        self._futures = [
                            self._pool.submit(_make_chunk, jobs[start:stop])
                            for start, stop in chunks
                        ]
                except BaseException:
                    self.discard()
                    raise
                finally:
                    _inherited = []

    def _made(self) -> list[tuple[Path, Path]]:
        """Every job's (target, file written), in order. When one fails (a full disk), every
        file written is removed and its error raised; when a worker dies, the jobs are made
        here, as they were before workers made them."""
        if self._pool is None:
            return _make_chunk(self.jobs)
        try:
            made = [made for future in self._futures for made in future.result()]
        except BaseException as exc:
            self.discard()
            if not isinstance(exc, BrokenProcessPool):
                raise
            return _make_chunk(self.jobs)
        self._pool.shutdown()
        return made

    def stage(self, generation: Generation, out_dir: Path) -> StagedFeedback:
        """The workbooks made, staged in `generation`, and every other feedback file in
        `out_dir` retired (units now without anything to fix, or no longer listed): the
        folder holds the feedback of this run only."""
        staged = StagedFeedback()
        generation.tidy(out_dir)
        made = iter(self._made())
        self._staged = True  # the generation has them now: it discards them if not committed
        for report, kept, made_of in self.order:
            if kept is not None:
                staged.files[report.unit.code] = kept
                continue
            target, written = next(made)
            generation.adopt(target, written)
            staged.files[report.unit.code] = target
            if made_of:
                staged.made_of[target] = made_of
        current = {path.name.casefold() for path in staged.files.values()}  # Windows ignores case
        retired = sorted(
            entry
            for entry in (out_dir.iterdir() if out_dir.is_dir() else ())
            if _OURS.match(unicodedata.normalize("NFC", entry.name))
            and entry.is_file()
            and entry.name.casefold() not in current
        )
        for entry in retired:
            generation.retire(entry)
        staged.stale = [entry for entry in retired if not entry.name.startswith(".")]
        return staged

    def discard(self) -> None:
        """Stop making workbooks (those begun are finished) and remove every file written,
        unless `stage` gave them to a generation already."""
        if self._pool is None or self._staged:
            return
        self._pool.shutdown(cancel_futures=True)
        for future in self._futures:
            if future.done() and not future.cancelled() and future.exception() is None:
                for _, written in future.result():
                    written.unlink(missing_ok=True)
        self._pool = None


def start_feedback(
    consolidation: Consolidation, out_dir: Path, history: History | None = None
) -> FeedbackMaking:
    """Begin making a feedback workbook for every unit with something to fix (with
    `history`, only those whose file or issues changed); `stage` puts them in a generation.
    Only the judgements are needed (not the consolidation's history view): the workbooks can
    be made while the history is recorded. The files are written beside their targets, so
    begin within the generation that will stage them (its lock held)."""
    shared = shared_names(report.unit for report in consolidation.units)
    by_unit = issues_by_unit(consolidation.issues)
    order: list[tuple[UnitReport, Path | None, str]] = []  # kept workbook, or made now
    jobs: list[_Job] = []
    noted = _Noted(history) if history is not None else None
    for report in consolidation.units:
        issues = feedback_issues(report, by_unit.get(report.unit.code, []))
        if not issues:
            continue
        kept, made_of = _unchanged(report, issues, out_dir, shared, noted)
        order.append((report, kept, made_of))
        if kept is None:
            jobs.append(_Job(report, issues, out_dir, shared))
    return FeedbackMaking(order, jobs)


def write_all_feedback(
    consolidation: Consolidation, out_dir: Path | str, *, history: History | None = None
) -> list[Path]:
    """Write a feedback workbook for every unit with something to fix into `out_dir`, all
    of them or none, and remove the feedback files of earlier runs that no longer apply
    (with `history`, a workbook made from the same file and issues is kept as it is)."""
    out_dir = Path(out_dir)
    with Generation(out_dir, [out_dir]) as generation:
        making = start_feedback(consolidation, out_dir, history)
        try:
            staged = making.stage(generation, out_dir)
        finally:
            making.discard()
        generation.commit()
    staged.note(history)
    return list(staged.files.values())
