"""A workbook's sheets as grids of cell values, with what calamine does not say, and the
location of a table's header row by column-heading synonyms.

Values come from python-calamine. Its ranges are dense, so a sheet is handed to it only
after the file itself has shown where its cells are (OOXML sheet XML, BIFF records, ODS
rows): nothing is ever sized from a declared dimension. Beyond `MAX_ROWS` × `MAX_COLS` cells
are ignored (and said so); an .xlsx sheet too large for calamine is streamed with openpyxl
read-only, an .xls or .ods one is refused. From the files themselves also come: formulas
saved without a result (calamine shows them blank), error results (#DIV/0!, #N/A…: calamine
shows them blank too; here the cell holds the error's text), the number format of a value (is
it a percentage?) and, for .ods, merged cells. An Excel 97–2003 file whose CODEPAGE record
names an ANSI code page is read as Unicode, as Excel reads it (`unicode_codepage`).
"""

from __future__ import annotations

import array
import collections
import contextlib
import functools
import html
import io
import itertools
import re
import struct
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from ntm_excel.read.bounds import (
    MAX_CELLS,
    TextBudget,
    attribute_values,
    check_ooxml_merges,
    ooxml_extent,
    ooxml_small,
    shared_cells,
    shared_string_sizes,
    shared_text,
    sheet_left_unread,
    too_many_cells,
    too_many_ooxml_cells,
)
from ntm_excel.read.sniff import SheetPart, Sniffed, UnreadableFileError
from ntm_excel.text import SHORT_TEXT, cell_address, folded, memoised_text, nfc, shown, thousands

MAX_ROWS = 5000
MAX_COLS = 60
MAX_AREA = 2_000_000  # cells of a sheet's used range that calamine may allocate
HEADER_SCAN_ROWS = 80  # a header row is looked for in the first rows of a sheet

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based)


@dataclass
class Grid:
    """One sheet's cells, indexed [row][column] from A1 (0-based), rows possibly ragged."""

    name: str
    rows: list[list[object]]
    hidden: bool = False
    merged: tuple[Merge, ...] = ()
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # without a result
    truncated: str = ""  # Vietnamese note when cells beyond the caps were ignored
    hidden_cols: frozenset[int] = frozenset()
    hidden_rows: frozenset[int] = frozenset()
    formats: Callable[[int, int], str] | None = None
    _texts: dict[int, list[str]] = field(default_factory=dict, repr=False)
    _lines: dict[int, tuple[str, list[object]] | None] = field(default_factory=dict, repr=False)

    def value(self, row: int, col: int) -> object:
        """The cell's value, None when blank."""
        if row < len(self.rows):
            line = self.rows[row]
            if col < len(line):
                cell = line[col]
                return None if cell == "" else cell
        return None

    def text(self, row: int, col: int) -> str:
        """The cell as NFC text ("" when blank); whole numbers without ".0"."""
        line = self._texts.get(row)
        if line is None:
            line = self.texts(row)
        return line[col] if col < len(line) else ""

    def texts(self, row: int) -> list[str]:
        """The row's cells as texts (computed once)."""
        line = self._texts.get(row)
        if line is None:
            cells = self.rows[row] if row < len(self.rows) else []
            known = _STRING_TEXTS.get  # most cells are texts seen before: skip the call
            line = self._texts[row] = [
                text if (text := known(cell)) is not None else cell_text(cell) for cell in cells
            ]
        return line

    def line(self, row: int) -> tuple[str, list[object]] | None:
        """The row as one line of text (its non-blank cells among the first `MAX_COLS`,
        joined, NFC) and those cells; None when it has none (computed once: the title block
        is read for the unit, the period and the level)."""
        if row in self._lines:
            return self._lines[row]
        cells = [cell for cell in self.rows[row][:MAX_COLS] if cell not in ("", None)]
        line = (nfc(" ".join(cell_text(cell) for cell in cells)), cells) if cells else None
        self._lines[row] = line
        return line

    def set_value(self, row: int, col: int, value: object) -> None:
        self.rows[row][col] = value
        self._texts.pop(row, None)
        self._lines.pop(row, None)

    def number_format(self, row: int, col: int) -> str:
        """The cell's number format code, "" when unknown."""
        return self.formats(row, col) if self.formats else ""

    def merge_at(self, row: int, col: int) -> Merge | None:
        for merge in self.merged:
            if merge[0] <= row <= merge[2] and merge[1] <= col <= merge[3]:
                return merge
        return None


_ODD_SPACE = re.compile(r"\s\s|[^\S ]")  # what `nfc` would fold: runs and non-plain spaces


# Cell texts repeat from file to file (one template per district): the NFC text of each
# short string is remembered for the life of the process.
_STRING_TEXTS: dict[str, str] = {"": ""}
_STRING_TEXTS_MAX = 1 << 15


def cell_text(value: object) -> str:
    """A cell value as NFC text: "" for blanks, 12.0 → "12", dates day-first."""
    if isinstance(value, str):
        text = _STRING_TEXTS.get(value)
        if text is None:
            text = _string_text(value)
            if len(value) <= SHORT_TEXT:
                if len(_STRING_TEXTS) >= _STRING_TEXTS_MAX:
                    _STRING_TEXTS.clear()
                _STRING_TEXTS[value] = text
        return text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


def _string_text(value: str) -> str:
    if unicodedata.is_normalized("NFC", value) and not _ODD_SPACE.search(value):
        return value.strip()
    return nfc(value)


def load_grids(data: bytes, sniffed: Sniffed) -> list[Grid]:
    """Every worksheet of a sniffed file, in workbook order. A worksheet part of too many
    cells is left unread (an empty grid, saying so) when the workbook has another sheet."""
    budget = TextBudget()  # the text calamine will make, counted before it makes it
    biff = _scan_biff(sniffed.workbook_stream, budget) if sniffed.kind == "xls" else {}
    ods = _scan_ods(sniffed.parts["content.xml"], budget) if sniffed.kind == "ods" else {}
    # before anything walks their cells
    oversized = {s.name for s in sniffed.sheets if too_many_ooxml_cells(sniffed.parts[s.part])}
    if oversized and len(oversized) == len(sniffed.sheets):
        raise too_many_cells(sniffed.sheets[0].name)
    ooxml = {sheet.name: sheet for sheet in sniffed.sheets if sheet.name not in oversized}
    if ooxml:
        _spend_shared_strings(sniffed, budget, ooxml.values())
    styles = _Styles(sniffed.parts.get(sniffed.styles, b"")) if sniffed.styles else None
    grids = []
    if sniffed.kind == "xls":
        data = unicode_codepage(data, sniffed.workbook_stream)
    with _calamine_errors():
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            names = [meta.name for meta in book.sheets_metadata]
            if len(set(names)) < len(names):  # which of two sheets would a name read?
                raise UnreadableFileError("tệp bị hỏng (hai trang tính cùng tên)")
            for meta in book.sheets_metadata:
                if meta.typ != SheetTypeEnum.WorkSheet:
                    continue
                hidden = meta.visible != SheetVisibleEnum.Visible
                if sniffed.kind in ("xlsx", "xlsm"):
                    if meta.name in oversized:
                        note = sheet_left_unread(meta.name)
                        grids.append(Grid(name=meta.name, rows=[], hidden=hidden, truncated=note))
                        continue
                    part = ooxml.get(meta.name)
                    if part is None:
                        continue
                    xml = sniffed.parts[part.part]
                    grids.append(_ooxml_grid(book, data, meta.name, xml, styles, hidden))
                    continue
                grid = _calamine_grid(book, meta.name, hidden)
                if ods:
                    _apply_ods(grid, ods.get(meta.name))
                elif biff:
                    found = biff.get(meta.name) or BiffSheet()
                    grid.formats = lambda row, col, f=found.formats: f.get((row, col), "")
                    grid.hidden_cols = frozenset(found.hidden_cols)
                    grid.hidden_rows = frozenset(found.hidden_rows)
                    _put_errors(grid, found.errors)
                grids.append(grid)
        finally:
            book.close()
    if not grids:
        raise UnreadableFileError("tệp không có trang tính nào")
    return grids


_RECORD = struct.Struct("<HH")  # a BIFF record's type and length
_CODEPAGE = struct.Struct("<HHH")  # the CODEPAGE record: type, length 2, the code page
_UTF16 = 1200
_BOF_BIFF8 = b"\x09\x08"  # the workbook's BOF record, then its length and version 0x0600
_GLOBALS_SCANNED = 64  # records looked at for the CODEPAGE (it comes in the first ten)


def unicode_codepage(data: bytes, stream: bytes) -> bytes:
    """The bytes of an .xls file, with an Excel 97–2003 (BIFF8) workbook's CODEPAGE record
    set to 1200 (UTF-16) when it names an ANSI code page (1258, as some Vietnamese software
    writes): BIFF8 text is Unicode whatever that record says, and Excel reads it so, but
    calamine would decode it with the code page (every string garbled). Excel 95 files
    (BIFF5), whose text is in their code page, are left as they are."""
    if stream[:2] != _BOF_BIFF8 or stream[4:6] != b"\x00\x06":
        return data
    at = 0
    for _ in range(_GLOBALS_SCANNED):
        if at + _CODEPAGE.size > len(stream):
            return data
        kind, length = _RECORD.unpack_from(stream, at)
        if kind == 0x0042 and length == 2:
            page = _CODEPAGE.unpack_from(stream, at)[2]
            # found with the records before it (a cell's text may hold the record's 6 bytes)
            head = stream[: at + _CODEPAGE.size]
            if page == _UTF16 or data.count(head) != 1:
                return data
            found = data.index(head) + at
            utf16 = _CODEPAGE.pack(0x0042, 2, _UTF16)
            return data[:found] + utf16 + data[found + _CODEPAGE.size :]
        at += _RECORD.size + length
    return data


def _spend_shared_strings(sniffed: Sniffed, budget: TextBudget, read: Iterable[SheetPart]) -> None:
    """Spend the text of the shared-string cells of the worksheets `read` (each gets its own
    copy of its string): bounded by the largest shared-strings part when that is enough, else by the
    sizes of the strings (with several shared-strings parts, the larger of each index)."""
    parts = sniffed.shared_strings
    if not parts:
        return
    sheets = [sniffed.parts[sheet.part] for sheet in read]
    cells = [shared_cells(xml) for xml in sheets]
    largest = max(len(xml) for xml in parts)
    if sum(cells) * largest <= budget.left:
        budget.spend(sum(cells) * largest)
        return
    found = [shared_string_sizes(xml) for xml in parts]
    sizes = None
    if all(each is not None for each in found):
        sizes = [max(each) for each in itertools.zip_longest(*found, fillvalue=0)]
    for xml, count in zip(sheets, cells, strict=True):
        budget.spend(shared_text(xml, count, sizes, largest))


@contextlib.contextmanager
def _calamine_errors() -> Iterator[None]:
    """Whatever calamine raises on a damaged file becomes an `UnreadableFileError`: its
    own errors, and pyo3's PanicException (a BaseException) from a panic in Rust."""
    try:
        yield
    except (UnreadableFileError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - see the docstring
        if type(exc).__name__ == "PasswordError":
            raise UnreadableFileError("tệp có mật khẩu") from exc
        raise UnreadableFileError(f"tệp bị hỏng ({type(exc).__name__})") from exc


def _calamine_grid(book: CalamineWorkbook, name: str, hidden: bool) -> Grid:
    sheet = book.get_sheet_by_name(name)
    start_row, start_col = sheet.start or (0, 0)
    end_row, end_col = sheet.end or (0, 0)
    beyond = end_row >= MAX_ROWS or end_col >= MAX_COLS
    if start_row >= MAX_ROWS or start_col >= MAX_COLS or not sheet.height:
        rows: list[list[object]] = []
    else:
        block = sheet.to_python(skip_empty_area=True, nrows=MAX_ROWS - start_row)
        pad = [""] * start_col
        width = MAX_COLS - start_col
        rows = [[] for _ in range(start_row)]
        if pad:
            rows.extend(pad + line[:width] for line in block)
        else:  # calamine's own lists, sliced only when wider than the cap
            rows.extend(line if len(line) <= width else line[:width] for line in block)
    merged = tuple(
        (r0, c0, r1, c1)
        for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or ())
        if r0 < MAX_ROWS and c0 < MAX_COLS
    )
    truncated = beyond_caps(name, end_row, end_col) if beyond else ""
    return Grid(name=name, rows=rows, hidden=hidden, merged=merged, truncated=truncated)


def beyond_caps(name: str, row: int, col: int) -> str:
    rows = thousands(MAX_ROWS)
    last = cell_address(MAX_ROWS - 1, MAX_COLS - 1)
    return (
        f"trang «{shown(name)}» có dữ liệu tới ô {cell_address(row, col)}; chỉ đọc "
        f"{rows} dòng × {MAX_COLS} cột đầu (tới ô {last})"
    )


# --- OOXML (.xlsx, .xlsm) ---------------------------------------------------------------

_P = rb"<(?:[\w.-]+:)?"  # an optional namespace prefix
_F_TAG = re.compile(_P + rb"f[\s/>]")
# a formula tag's start, plain or prefixed, as `_F_TAG` matches it: a cheap test first
# (after a cheaper one: most sheets hold neither "<f" nor ":f")
_F_STARTS = tuple(
    start + end for start in (b"<f", b":f") for end in (b">", b"/", b" ", b"\t", b"\n", b"\r")
)
_CELL_END = re.compile(rb"</(?:[\w.-]+:)?c>")
_V_TEXT = re.compile(_P + rb"v>([^<]+)<")
_F_TEXT = re.compile(_P + rb"f\b[^>]*?(?:/>|>([^<]*)<)")
_T_ATTR = re.compile(rb'\bt="(\w+)"')
_REF_ATTR = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')  # bounded: a 5,000-digit row is no row
_S_ATTR = re.compile(rb'\bs="(\d+)"')
# Built-in format ids that matter here: percentages, and dates (a month typed «9/2021» is
# stored as 01/09/2021 and shown «mmm-yy», id 17)
_BUILTIN_FORMATS = {
    9: "0%",
    10: "0.00%",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    22: "m/d/yy h:mm",
}


def _col_index(letters: bytes) -> int:
    index = 0
    for byte in letters:
        index = index * 26 + byte - 64
    return index - 1


def _ooxml_formulas(xml: bytes) -> dict[tuple[int, int], str]:
    """Cells with a formula but no stored result, mapped to the formula ("=SUM(D5:D9)")."""
    found = {}
    done = 0  # where the last cell looked at ends: a formula tag before it is no new cell's
    for match in _F_TAG.finditer(xml):
        if match.start() < done:  # (100,000 «<f>» in a comment were each scanned to one end)
            continue
        tag_start = xml.rfind(b"<", 0, match.start())
        tag = xml[tag_start : match.start()]
        cell = _place(xml, tag_start, tag)
        if cell is None:
            continue
        end = _CELL_END.search(xml, match.start())
        if end is None:
            break
        done = end.end()
        inner = xml[match.start() : end.start()]
        if _V_TEXT.search(inner):
            continue
        kind = _T_ATTR.search(tag)
        if kind and kind.group(1) in (b"str", b"inlineStr") and b"<v" in inner:
            continue  # an empty text result is a result
        text = _F_TEXT.match(inner)
        formula = html.unescape((text.group(1) or b"").decode("utf-8", "replace")) if text else ""
        found[cell] = f"={formula}" if formula else "(công thức dùng chung)"
    return found


# What the error scan meets in one pass: a cell's start tag (its attributes), a value's text,
# a cell's end. No part may run past a «<»: each byte of the sheet is looked at once (a
# comment of 20,000 «<c » took 6 s, each start scanning on to the comment's end)
_ERROR_TOKEN = re.compile(_P + rb"(?:c\s([^<>]*)>|v>([^<]*)(?=<))|</(?:[\w.-]+:)?c>")
_ERROR_TYPE = re.compile(rb'\bt="e"')
# The results Excel and LibreOffice show for a formula that failed, and what each means
EXCEL_ERROR = re.compile(
    r"#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!)|Err:\d{3}"
)
_ERROR_MEANINGS = {
    "#DIV/0!": "chia cho 0",
    "#N/A": "hàm tra cứu không tìm thấy giá trị",
    "#VALUE!": "phép tính gặp chữ hoặc sai kiểu dữ liệu",
    "#REF!": "công thức trỏ tới ô đã bị xóa",
    "#NAME?": "tên hàm hoặc tên vùng viết sai",
    "#NUM!": "số không hợp lệ",
    "#NULL!": "vùng ô giao nhau rỗng",
}


def formula_error(raw: str, cell: str) -> str:
    """Why a cell holding a formula's error («#DIV/0!») is not a value, in Vietnamese naming
    the cell; "" when `raw` is not such an error."""
    text = raw.strip()
    if not text or text[0] not in "#E" or not EXCEL_ERROR.fullmatch(text):
        return ""
    meaning = _ERROR_MEANINGS.get(text)
    return (
        f"ô {cell} có lỗi công thức {text}"
        + (f" – {meaning}" if meaning else "")
        + "; hãy sửa công thức hoặc ghi số liệu"
    )


def _ooxml_errors(xml: bytes) -> dict[tuple[int, int], str]:
    """Cells within the caps whose stored result is an error (t="e"), mapped to the error
    («#DIV/0!»): the first value of each such cell, read in one pass over the sheet."""
    found = {}
    cell = None  # the error cell being read
    for token in _ERROR_TOKEN.finditer(xml):
        attrs, value = token.group(1, 2)
        if attrs is not None:
            error = not attrs.endswith(b"/") and _ERROR_TYPE.search(attrs)
            cell = _place(xml, token.start(), attrs) if error else None
            if cell and (cell[0] >= MAX_ROWS or cell[1] >= MAX_COLS):
                cell = None
        elif value is not None and cell is not None:
            text = value.decode("ascii", "replace")
            if EXCEL_ERROR.fullmatch(text):
                found[cell] = text
            cell = None
        else:  # the cell's end
            cell = None
    return found


def _put_errors(grid: Grid, errors: dict[tuple[int, int], str]) -> None:
    """Write each error's text into its cell (within the caps) where calamine left a blank."""
    for (row, col), text in errors.items():
        if row >= MAX_ROWS or col >= MAX_COLS or grid.value(row, col) is not None:
            continue
        while len(grid.rows) <= row:
            grid.rows.append([])
        line = grid.rows[row]
        if len(line) <= col:
            line.extend([""] * (col + 1 - len(line)))
        grid.set_value(row, col, text)


class _Styles:
    """Number formats of an OOXML styles part, read on first use."""

    def __init__(self, xml: bytes) -> None:
        self._xml = xml
        self._formats: tuple[str, ...] | None = None

    def format(self, style: int) -> str:
        if self._formats is None:
            self._formats = _number_formats(self._xml)
        return self._formats[style] if 0 <= style < len(self._formats) else ""


@functools.lru_cache(maxsize=64)  # one styles part per template: parsed once a process
def _number_formats(xml: bytes) -> tuple[str, ...]:
    """The number format code of each cell style (cellXfs) of a styles part."""
    try:
        root = ElementTree.fromstring(xml)
    except (ElementTree.ParseError, LookupError, ValueError):
        return ()
    codes = dict(_BUILTIN_FORMATS)
    xfs: list[str] = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "numFmt":
            try:
                codes[int(element.get("numFmtId", "-1"))] = element.get("formatCode", "")
            except ValueError:
                continue
        elif tag == "cellXfs":
            for xf in element:
                try:
                    xfs.append(codes.get(int(xf.get("numFmtId", "0")), ""))
                except ValueError:
                    xfs.append("")
    return tuple(xfs)


def _ooxml_format(xml: bytes, styles: _Styles | None, row: int, col: int) -> str:
    if styles is None:
        return ""
    needle = b' r="' + cell_address(row, col).encode() + b'"'
    at = xml.find(needle)
    if at < 0:
        places = _unreferenced(xml)
        style_id = places.styles.get((row, col)) if places else None
        return styles.format(style_id) if style_id is not None else ""
    tag = xml[xml.rfind(b"<", 0, at) : xml.find(b">", at)]
    style = _S_ATTR.search(tag)
    return styles.format(int(style.group(1))) if style else ""


# A cell tag without an «r» attribute: its place is the one after the cell before it (Excel
# reads such sheets; some libraries write every cell so)
_UNREFERENCED_CELL = re.compile(_P + rb"c(?:/?>|\s(?![^>]*\br\s*=))")
_ROW_OR_CELL = re.compile(_P + rb"(row|c)(?=[\s/>])([^>]*)>")


class _Places(NamedTuple):
    """Where the cells of a sheet written without addresses are."""

    cells: dict[int, tuple[int, int]]  # offset of a cell's tag → (row, column)
    styles: dict[tuple[int, int], int]  # (row, column) → style


@functools.lru_cache(maxsize=4)  # asked for cell after cell of one sheet
def _unreferenced(xml: bytes) -> _Places | None:
    """The place and style of each cell (within the caps) of a sheet some of whose cells
    have no «r» attribute, placed as Excel places them; None when every cell has its
    address (the usual case, told by one scan)."""
    start = xml.find(b"sheetData")
    if start < 0 or not _UNREFERENCED_CELL.search(xml, start):
        return None
    places = _Places({}, {})
    row, col = -1, -1
    for match in _ROW_OR_CELL.finditer(xml, start):
        attrs = match.group(2)
        if match.group(1) == b"row":
            number = _R_ATTR.search(attrs)
            row, col = (int(number.group(1)) - 1 if number else row + 1), -1
            if row >= MAX_ROWS:
                break
            continue
        ref = _REF_ATTR.search(attrs)
        col = _col_index(ref.group(1)) if ref else col + 1
        if col < MAX_COLS:
            places.cells[match.start()] = (row, col)
            style = _S_ATTR.search(attrs)
            if style:
                places.styles[(row, col)] = int(style.group(1))
    return places


def _place(xml: bytes, tag_start: int, attrs: bytes) -> tuple[int, int] | None:
    """(row, column) of the cell whose tag starts at `tag_start`: its address, else its
    place among cells written without one; None when neither is known."""
    ref = _REF_ATTR.search(attrs)
    if ref:
        return int(ref.group(2)) - 1, _col_index(ref.group(1))
    places = _unreferenced(xml)
    return places.cells.get(tag_start) if places else None


def _ooxml_grid(
    book: CalamineWorkbook,
    data: bytes,
    name: str,
    xml: bytes,
    styles: _Styles | None,
    hidden: bool,
) -> Grid:
    check_ooxml_merges(xml, name)
    extent = None if ooxml_small(xml) else ooxml_extent(xml, name)
    has_formula = (b"<f" in xml or b":f" in xml) and any(tag in xml for tag in _F_STARTS)
    formulas = _ooxml_formulas(xml) if has_formula else {}
    if extent and (extent[2] - extent[0] + 1) * (extent[3] - extent[1] + 1) > MAX_AREA:
        grid = _openpyxl_grid(data, name, hidden)
        grid.truncated = beyond_caps(name, extent[2], extent[3])
    else:
        grid = _calamine_grid(book, name, hidden)
    grid.formulas = {
        (row, col): formula
        for (row, col), formula in formulas.items()
        if row < MAX_ROWS and col < MAX_COLS
    }
    if b't="e"' in xml:
        _put_errors(grid, _ooxml_errors(xml))
    grid.formats = functools.partial(_ooxml_format, xml, styles)
    grid.hidden_cols = _ooxml_hidden_cols(xml)
    grid.hidden_rows = _ooxml_hidden_rows(xml)
    return grid


_COL_TAG = re.compile(_P + rb"col\s([^>]*)>")


def _ooxml_attr(name: bytes) -> re.Pattern:
    return re.compile(rb"\b" + name + rb"""\s*=\s*["']([^"']*)["']""")


_MIN_ATTR, _MAX_ATTR, _HIDDEN_ATTR = (_ooxml_attr(n) for n in (b"min", b"max", b"hidden"))


def _ooxml_hidden_cols(xml: bytes) -> frozenset[int]:
    """Columns a sheet hides (its «cols» part, before the cells)."""
    head = xml[: xml.find(b"sheetData")]
    if b"hidden" not in head:
        return frozenset()
    hidden: set[int] = set()
    for match in _COL_TAG.finditer(head):
        attrs = match.group(1)
        flag, low, high = (a.search(attrs) for a in (_HIDDEN_ATTR, _MIN_ATTR, _MAX_ATTR))
        if flag and flag.group(1) in (b"1", b"true") and low and high:
            first, last = int(low.group(1)) - 1, min(int(high.group(1)), MAX_COLS) - 1
            hidden.update(range(max(first, 0), last + 1))
    return frozenset(hidden)


_ROW_TAG = re.compile(_P + rb"row\s([^>]*)>")
_R_ATTR = _ooxml_attr(b"r")


def _ooxml_hidden_rows(xml: bytes) -> frozenset[int]:
    """Rows a sheet hides («row» tags of its data saying hidden="1")."""
    start = xml.find(b"sheetData")
    if start < 0 or xml.find(b"hidden", start) < 0:
        return frozenset()
    hidden: set[int] = set()
    row = -1
    for match in _ROW_TAG.finditer(xml, start):
        attrs = match.group(1)
        number = _R_ATTR.search(attrs)
        row = int(number.group(1)) - 1 if number else row + 1
        if row >= MAX_ROWS:
            break
        flag = _HIDDEN_ATTR.search(attrs) if b"hidden" in attrs else None
        if flag and flag.group(1) in (b"1", b"true"):
            hidden.add(row)
    return frozenset(hidden)


def _openpyxl_grid(data: bytes, name: str, hidden: bool) -> Grid:
    """A sheet too large for a dense range, streamed up to the caps."""
    import openpyxl  # only for this rare case

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows = [
            ["" if value is None else value for value in row]
            for row in book[name].iter_rows(max_row=MAX_ROWS, max_col=MAX_COLS, values_only=True)
        ]
    finally:
        book.close()
    return Grid(name=name, rows=rows, hidden=hidden)


# --- BIFF (.xls) ------------------------------------------------------------------------

_BIFF_BOF, _BIFF_EOF, _BIFF_SHEET, _BIFF_FORMAT, _BIFF_XF = 0x0809, 0x000A, 0x0085, 0x041E, 0x00E0
_BIFF_DIMENSIONS = 0x0200
_BIFF_NUMBERS = {0x0203, 0x027E}  # NUMBER, RK: row, col, XF index
_BIFF_TEXTS = {0x00FD, 0x0204, 0x00D6}  # LABELSST, LABEL, RSTRING
_BIFF_FORMULA, _BIFF_BOOLERR = 0x0006, 0x0205
_BIFF_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
}
_BIFF_LABELSST = 0x00FD
_BIFF_MULRK = 0x00BD
_BIFF_COLINFO = 0x007D
_BIFF_ROW = 0x0208
_BIFF_SST, _BIFF_CONTINUE = 0x00FC, 0x003C
_BIFF_MAX_RECORD = 8224
_BIFF_DAMAGED = "tệp .xls bị hỏng (bản ghi dữ liệu sai cấu trúc)"
_BIFF_HEADER = struct.Struct("<HH")  # record type, length
_BIFF_CELL = struct.Struct("<HHH")  # row, column, XF index
_BIFF_LABEL = struct.Struct("<HHHI")  # LABELSST: row, column, XF, shared string


def _biff_string(stream: bytes, at: int, length_size: int) -> str:
    """An XLUnicodeString (length_size 2) or ShortXLUnicodeString (1) at `at`."""
    count = stream[at] if length_size == 1 else struct.unpack_from("<H", stream, at)[0]
    wide = stream[at + length_size] & 1
    start = at + length_size + 1
    raw = stream[start : start + count * (2 if wide else 1)]
    return raw.decode("utf-16-le" if wide else "latin-1", "replace")


@dataclass
class BiffSheet:
    """What the BIFF records of one sheet say that calamine does not."""

    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # numeric cells
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # «#DIV/0!» results
    hidden_cols: set[int] = field(default_factory=set)
    hidden_rows: set[int] = field(default_factory=set)


class _BiffScan:
    """One pass over the records of a BIFF workbook stream.

    Each record type that matters has its handler (`_HANDLERS`); a handler reads the record's
    body and updates the scan. The records are checked on the way, because a damaged .xls can
    make calamine abort the whole process (an allocation of terabytes): every record must fit
    in the stream and in the BIFF limit, every BOF be BIFF5/BIFF8, every sheet start at a BOF,
    the shared-string counts fit their records, and the cells of a sheet, and the area its
    DIMENSIONS record declares, fit `MAX_AREA`, and a sheet hold at most `MAX_CELLS` cell
    records (counted as they come: calamine, and this scan, keep every one). The text the
    LABELSST cells make (each gets its own copy of its shared string) is spent from `budget`.
    """

    def __init__(self, stream: bytes, budget: TextBudget) -> None:
        self.stream = stream
        self.budget = budget
        self.tables: list[list[tuple[int, int]]] = []  # each SST: (offset, length) of its parts
        self.labels = array.array("L")  # the shared-string index of every LABELSST cell
        self.formats: dict[int, str] = dict(_BUILTIN_FORMATS)
        self.xf_formats: list[int] = []
        self.sheet_at: dict[int, str] = {}  # BOF offset → sheet name
        self.sheets: dict[str, tuple[BiffSheet, dict[tuple[int, int], int]]] = {}
        self.current: tuple[BiffSheet, dict[tuple[int, int], int]] | None = None
        # rows and columns of the cells met at each BOF level, checked at its EOF (collected
        # rather than compared record by record, which costs more in a loop this hot)
        self.stack: list[tuple[list[int], list[int], int]] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        # cell records the level may still take beyond its rows' count (a MULRK takes more)
        self.room = MAX_CELLS
        self.name: str | None = None  # the sheet being walked
        self.starts: set[int] = set()
        self.strings = [0, 0]  # unique strings declared by SST, bytes of SST and its CONTINUEs
        self.previous = 0

    def run(self) -> dict[str, BiffSheet]:
        stream, size, pos = self.stream, len(self.stream), 0
        handlers = self._HANDLERS
        padding = True  # whether zeros may still be all that is left (looked at once)
        try:
            while pos + 4 <= size:
                kind, length = _BIFF_HEADER.unpack_from(stream, pos)
                body = pos + 4
                if length > _BIFF_MAX_RECORD or body + length > size:
                    raise UnreadableFileError(_BIFF_DAMAGED)
                handler = handlers.get(kind)
                if handler is not None:
                    kind = handler(self, pos, body, length) or kind
                elif padding and not kind and not length:
                    padding = False  # the stream padded with zeros: empty records to its end
                    if stream.count(0, pos) == size - pos:
                        break
                self.previous = kind
                pos = body + length
        except (struct.error, IndexError) as exc:
            raise UnreadableFileError(_BIFF_DAMAGED) from exc
        if self.strings[0] * 3 > self.strings[1] or not set(self.sheet_at) <= self.starts:
            raise UnreadableFileError(_BIFF_DAMAGED)
        try:
            self._spend_labels()
        except (struct.error, IndexError) as exc:
            raise UnreadableFileError(_BIFF_DAMAGED) from exc
        for sheet, xfs in self.sheets.values():
            sheet.formats = {
                cell: self.formats.get(self.xf_formats[xf], "") if xf < len(self.xf_formats) else ""
                for cell, xf in xfs.items()
            }
        return {name: sheet for name, (sheet, _) in self.sheets.items()}

    def _bof(self, pos: int, body: int, length: int) -> None:
        if self.stream[body : body + 2] not in (b"\x00\x06", b"\x00\x05"):
            raise UnreadableFileError(_BIFF_DAMAGED)
        self.starts.add(pos)
        if not self.stack and pos in self.sheet_at:
            self.name = self.sheet_at[pos]
            self.current = self.sheets.setdefault(self.name, (BiffSheet(), {}))
        self.stack.append((self.rows, self.cols, self.room))
        self.rows, self.cols, self.room = [], [], MAX_CELLS

    def _eof(self, pos: int, body: int, length: int) -> None:
        _check_biff_area(self.rows, self.cols)
        self.rows, self.cols, self.room = self.stack.pop() if self.stack else ([], [], MAX_CELLS)

    def _sheet(self, pos: int, body: int, length: int) -> None:
        offset = struct.unpack_from("<I", self.stream, body)[0]
        if offset in self.sheet_at:  # calamine would read the sheet again for each name
            raise UnreadableFileError(_BIFF_DAMAGED)
        self.sheet_at[offset] = _biff_string(self.stream, body + 6, 1)

    def _sst(self, pos: int, body: int, length: int) -> None:
        total, unique = struct.unpack_from("<II", self.stream, body)
        if unique > total:
            raise UnreadableFileError(_BIFF_DAMAGED)
        self.strings = [self.strings[0] + unique, self.strings[1] + length - 8]
        self.tables.append([(body + 8, length - 8)])

    def _continue(self, pos: int, body: int, length: int) -> int | None:
        if self.previous in (_BIFF_SST, _BIFF_CONTINUE):
            self.strings[1] += length
            if self.tables and pos == sum(self.tables[-1][-1]):  # right after the SST's parts
                self.tables[-1].append((body, length))
            return self.previous  # a CONTINUE of the SST continues it
        return None

    def _label(self, pos: int, body: int, length: int) -> None:
        if length >= 10:  # the cell and its shared string, in one read
            row, col, _, index = _BIFF_LABEL.unpack_from(self.stream, body)
            self.rows.append(row)
            self.cols.append(col)
            self.labels.append(index)
            if len(self.rows) > self.room:
                raise too_many_cells(self.name)
        else:
            self._text(pos, body, length)

    def _spend_labels(self) -> None:
        """Spend the text of the LABELSST cells: for each index, the longest string any SST
        holds there (calamine reads the last SST of the workbook's globals)."""
        if not self.labels:
            return
        tables = [_sst_lengths([self.stream[a : a + n] for a, n in t]) for t in self.tables]
        longest = [max(sizes) for sizes in itertools.zip_longest(*tables, fillvalue=0)]
        counts = collections.Counter(self.labels)
        self.budget.spend(sum(longest[i] * n for i, n in counts.items() if i < len(longest)))

    def _format(self, pos: int, body: int, length: int) -> None:
        index = struct.unpack_from("<H", self.stream, body)[0]
        self.formats[index] = _biff_string(self.stream, body + 2, 2)

    def _xf(self, pos: int, body: int, length: int) -> None:
        self.xf_formats.append(struct.unpack_from("<H", self.stream, body + 2)[0])

    def _number(self, pos: int, body: int, length: int) -> None:
        if length >= 6:
            row, col, xf = _BIFF_CELL.unpack_from(self.stream, body)
            self.rows.append(row)
            self.cols.append(col)
            if len(self.rows) > self.room:
                raise too_many_cells(self.name)
            if self.current is not None:
                self.current[1][(row, col)] = xf

    def _formula(self, pos: int, body: int, length: int) -> None:
        """A formula's cell; its result an error when the result's last bytes are FFFF and
        its first 2 (the error's code in the third)."""
        self._number(pos, body, length)
        stream = self.stream
        if length >= 14 and stream[body + 12 : body + 14] == b"\xff\xff" and stream[body + 6] == 2:
            self._error(body, stream[body + 8])

    def _boolerr(self, pos: int, body: int, length: int) -> None:
        """A BOOLERR cell: a boolean, or an error when its flag byte is 1."""
        self._text(pos, body, length)
        if length >= 8 and self.stream[body + 7] == 1:
            self._error(body, self.stream[body + 6])

    def _error(self, body: int, code: int) -> None:
        if self.current is not None and code in _BIFF_ERRORS:
            row, col, _ = _BIFF_CELL.unpack_from(self.stream, body)
            self.current[0].errors[(row, col)] = _BIFF_ERRORS[code]

    def _text(self, pos: int, body: int, length: int) -> None:
        if length >= 6:
            row, col, _ = _BIFF_CELL.unpack_from(self.stream, body)
            self.rows.append(row)
            self.cols.append(col)
            if len(self.rows) > self.room:
                raise too_many_cells(self.name)

    def _mulrk(self, pos: int, body: int, length: int) -> None:
        if length < 6:
            return
        row, first = struct.unpack_from("<HH", self.stream, body)
        last = struct.unpack_from("<H", self.stream, body + length - 2)[0]
        if last < first or length != 6 + (last - first + 1) * 6:
            raise UnreadableFileError(_BIFF_DAMAGED)
        self.rows.append(row)
        self.cols += (first, last)
        self.room -= last - first
        if len(self.rows) > self.room:
            raise too_many_cells(self.name)
        if self.current is not None:
            for offset, col in enumerate(range(first, last + 1)):
                xf = struct.unpack_from("<H", self.stream, body + 4 + offset * 6)[0]
                self.current[1][(row, col)] = xf

    def _dimensions(self, pos: int, body: int, length: int) -> None:
        _check_biff_dimensions(self.stream, body, length)

    def _colinfo(self, pos: int, body: int, length: int) -> None:
        if length >= 10 and self.current is not None:
            first, last, _, _, flags = struct.unpack_from("<HHHHH", self.stream, body)
            if flags & 1 and first <= last:
                self.current[0].hidden_cols.update(range(first, min(last, MAX_COLS - 1) + 1))

    def _row(self, pos: int, body: int, length: int) -> None:
        if length >= 16 and self.current is not None:
            row = struct.unpack_from("<H", self.stream, body)[0]
            flags = struct.unpack_from("<H", self.stream, body + 12)[0]
            if flags & 0x20 and row < MAX_ROWS:  # fDyZero: the row is hidden
                self.current[0].hidden_rows.add(row)

    _HANDLERS = {
        _BIFF_BOF: _bof,
        _BIFF_EOF: _eof,
        _BIFF_SHEET: _sheet,
        _BIFF_SST: _sst,
        _BIFF_CONTINUE: _continue,
        _BIFF_FORMAT: _format,
        _BIFF_XF: _xf,
        _BIFF_COLINFO: _colinfo,
        _BIFF_ROW: _row,
        _BIFF_DIMENSIONS: _dimensions,
        _BIFF_MULRK: _mulrk,
        **dict.fromkeys(_BIFF_NUMBERS, _number),
        **dict.fromkeys(_BIFF_TEXTS, _text),
        _BIFF_FORMULA: _formula,
        _BIFF_BOOLERR: _boolerr,
        _BIFF_LABELSST: _label,
    }


def _scan_biff(stream: bytes, budget: TextBudget) -> dict[str, BiffSheet]:
    """Number formats of the numeric cells and hidden columns of each sheet, read from the
    BIFF records (which are checked on the way: see `_BiffScan`)."""
    return _BiffScan(stream, budget).run()


_SST_STRING = struct.Struct("<HB")  # a string's characters and flags


def _sst_lengths(parts: list[bytes]) -> list[int]:
    """The length (characters) of each string of a shared string table, read as calamine
    reads it: the strings follow one another over the SST record's body (after its two
    counts) and its CONTINUE records; a string's characters may go on in the next record,
    which then starts with a flags byte of its own."""
    lengths: list[int] = []
    left = parts[:0:-1]  # the records still to read, the next one last
    data, at = parts[0], 0
    while at < len(data) or left:
        if at >= len(data):
            data, at = left.pop(), 0
        if at == len(data):
            lengths.append(0)  # an empty record: an empty string
            continue
        count, flags = _SST_STRING.unpack_from(data, at)
        at += 3
        if not flags & 0xC and at + (count << (flags & 1)) <= len(data):
            at += count << (flags & 1)  # the usual string: plain, whole in this record
            lengths.append(count)
            continue
        runs = ext = 0
        if flags & 0x8:
            runs, at = struct.unpack_from("<H", data, at)[0], at + 2
        if flags & 0x4:
            ext, at = struct.unpack_from("<I", data, at)[0], at + 4
        wide, chars = flags & 1, count
        while chars:
            taken = min(chars, (len(data) - at) >> wide)
            at, chars = at + (taken << wide), chars - taken
            if chars:
                if not left:
                    raise UnreadableFileError(_BIFF_DAMAGED)
                data, at = left.pop(), 1
                wide = data[0] & 1
        skip = runs * 4 + ext
        while skip:
            if at >= len(data):
                if not left:
                    raise UnreadableFileError(_BIFF_DAMAGED)
                data, at = left.pop(), 0
            step = min(skip, len(data) - at)
            at, skip = at + step, skip - step
        lengths.append(count)
    return lengths


def _check_biff_dimensions(stream: bytes, body: int, length: int) -> None:
    """A DIMENSIONS record, from which calamine reserves room for rows × columns cells, read
    as calamine reads it (32-bit arithmetic that wraps: a last row before the first one asks
    for four billion rows)."""
    if length == 10:
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", stream, body)
    elif length == 14:
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", stream, body)
    else:
        return  # calamine refuses the record itself
    if first_col > 0xFF or last_col < first_col:
        first_col = 0
    end_row, end_col = (
        (last_row - 1, last_col - 1) if last_row and last_col else (first_row, first_col)
    )
    rows = (end_row - first_row + 1) & 0xFFFFFFFF
    cols = (end_col - first_col + 1) & 0xFFFFFFFF
    if rows * cols > MAX_AREA:
        raise UnreadableFileError(
            "bảng tính khai báo vùng dữ liệu quá lớn so với một biểu tự đánh giá "
            "(nghi tệp hỏng hoặc độc hại)"
        )


def _check_biff_area(rows: list[int], cols: list[int]) -> None:
    if not rows:
        return
    last_row, last_col = max(rows), max(cols)
    if (last_row - min(rows) + 1) * (last_col - min(cols) + 1) > MAX_AREA:
        raise UnreadableFileError(
            f"bảng tính có dữ liệu tới ô {cell_address(last_row, last_col)}, "
            "quá lớn so với một biểu tự đánh giá (nghi tệp hỏng hoặc độc hại)"
        )


# --- OpenDocument (.ods) ----------------------------------------------------------------


@dataclass
class _OdsSheet:
    merged: list[Merge] = field(default_factory=list)
    percent: set[tuple[int, int]] = field(default_factory=set)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # «#DIV/0!» results
    hidden_cols: set[int] = field(default_factory=set)
    hidden_rows: set[int] = field(default_factory=set)
    columns: int = 0  # column elements met so far


# Start tags (attributes, ending "/" of an empty element) and end tags of tables; comments,
# CDATA sections and processing instructions are matched so that what they hide is skipped
# (as calamine's XML reader skips it), one never closed to the end (else each of 20,000
# was scanned on to the end: half a minute for a 96 KB file), and attribute values are
# matched quote by quote so that a ">" inside one does not end the tag early.
_ODS_TOKEN = re.compile(
    rb"<(?:!--.*?(?:-->|\Z)|!\[CDATA\[.*?(?:\]\]>|\Z)|\?.*?(?:\?>|\Z)"
    rb"|table:(table|table-row|table-cell|covered-table-cell|table-column)(?=[ \t\r\n/>])"
    rb"([^>\"']*+(?:(?:\"[^\"]*+\"|'[^']*+')[^>\"']*+)*+)>"
    rb"|/table:(table)[ \t\r\n]*>)",
    re.DOTALL,
)


def _scan_ods(content: bytes, budget: TextBudget) -> dict[str, _OdsSheet]:
    """Merges, percentage cells and formulas without a result of each table; refuses a
    table whose non-empty cells (repeats counted) would not fit `MAX_AREA`, and spends the
    text of the cells (repeats and `text:s` spaces counted) from `budget`."""
    _check_ods_cells(content)
    try:
        return _walk_ods(content, budget)
    except ValueError as exc:  # a count that is not a number
        raise UnreadableFileError("tệp .ods bị hỏng (thuộc tính ô sai cấu trúc)") from exc


_ODS_TABLE_TAG = re.compile(rb"<table:table(?=[ \t\r\n/>])([^>]*)>")
_ODS_CELL_TAGS = (b"<table:table-cell", b"<table:covered-table-cell")


def _check_ods_cells(content: bytes) -> None:
    """Refuse a file whose tables hold more than `MAX_CELLS` cell tags in all, naming the
    table when one alone holds that many (counted as text, before the walk: 900,000 cells
    of one table took two seconds and 450 MB)."""
    if len(content) <= MAX_CELLS * len(_ODS_CELL_TAGS[0]):  # too small to hold them
        return
    if sum(content.count(tag) for tag in _ODS_CELL_TAGS) <= MAX_CELLS:
        return
    tables = list(_ODS_TABLE_TAG.finditer(content))
    ends = [table.start() for table in tables[1:]] + [len(content)]
    for table, end in zip(tables, ends, strict=True):
        if sum(content.count(tag, table.start(), end) for tag in _ODS_CELL_TAGS) > MAX_CELLS:
            name = _ods_attr(table.group(1), b"table:name") or b""
            raise too_many_cells(html.unescape(name.decode("utf-8", "replace")))
    raise too_many_cells(None)


def _ods_attr(attrs: bytes, name: bytes) -> bytes | None:
    """One attribute's value from a start tag's attribute bytes (None when absent), in
    either quote and with spaces around "=" as XML allows (the usual form looked up first)."""
    at = attrs.find(name + b'="')
    if at >= 0:
        start = at + len(name) + 2
        return attrs[start : attrs.find(b'"', start)]
    values = attribute_values(attrs, name) if name in attrs else []
    return values[0] if values else None


def _ods_count(attrs: bytes, name: bytes) -> int:
    """A repeat or span count: the largest the tag may say (calamine reads the first, and
    decodes character references in some counts: so is done here, an upper bound)."""
    values = attribute_values(attrs, name) if name in attrs else []
    return max((int(html.unescape(v.decode("ascii", "replace"))) for v in values), default=1)


_ODS_MARKUP = re.compile(rb"<[^>]*>")
_ODS_TEXT_VALUES = (b"office:string-value", b"office:date-value", b"office:time-value")


def _ods_text(content: bytes, start: int, end: int) -> int:
    """An upper bound of the characters calamine makes of the content of a cell between
    `start` and `end`: its text, and the spaces `<text:s text:c="…"/>` stands for."""
    part = content[start:end]
    if b"<" not in part:
        return len(part)
    return _markup_text(part)


# The marked-up contents of cells and their start tags repeat from file to file (one
# template per district): what a short one says is remembered for the life of the process.
@memoised_text
def _markup_text(part: bytes) -> int:
    """`_ods_text` of a cell's content holding markup."""
    spaces = part.count(b"text:s")
    if b"text:c" in part:
        values = attribute_values(part, b"text:c")
        spaces += sum(int(html.unescape(v.decode("ascii", "replace"))) for v in values)
    return len(_ODS_MARKUP.sub(b"", part)) + spaces


def _ods_value_text(attrs: bytes) -> int:
    """Characters of a cell's value given in its attributes (a string, a date, a time)."""
    if b"-value" not in attrs:
        return 0
    return sum(len(_ods_attr(attrs, name) or b"") for name in _ODS_TEXT_VALUES)


def _check_ods_area(last_row: int, last_col: int) -> None:
    """Where one table's non-empty cells reach, checked against `MAX_AREA`."""
    if (last_row + 1) * (last_col + 1) > MAX_AREA:
        raise UnreadableFileError("bảng tính khai báo quá nhiều ô (nghi tệp hỏng hoặc độc hại)")


def _walk_ods(content: bytes, budget: TextBudget) -> dict[str, _OdsSheet]:
    """One pass over the tags of the tables, rows and cells (attributes are looked up only
    when their name occurs). A row starts where the one before ends, repeats counted; a table
    inside a cell counts with the table around it (calamine skips it). A self-closing cell is
    empty unless it has a value or a formula. The text of a string cell runs to the next tag
    of a table, row or cell (as calamine reads it, comments left out), and counts once per
    cell it is repeated into."""
    sheets: dict[str, _OdsSheet] = {}
    current = _OdsSheet()
    last_row = last_col = -1  # where the table's non-empty cells reach
    depth = row = next_row = col = 0
    rows_repeat = 1
    text_at, text, times = -1, 0, 0  # where the open cell's text goes on, its size, copies
    for match in _ODS_TOKEN.finditer(content):
        tag, attrs, closing = match.groups()
        if text_at >= 0:
            text += _ods_text(content, text_at, match.start())
            if tag is None and not closing:  # a comment: the cell's text goes on after it
                text_at = match.end()
                continue
            budget.spend(text * times)
            text_at = -1
        if closing:
            depth = max(0, depth - 1)
            continue
        if tag is None:  # a comment, CDATA section or processing instruction
            continue
        if attrs == b"/" and tag.endswith(b"cell"):  # an empty cell: one column on
            col += 1
            continue
        empty = attrs.endswith(b"/")
        if empty:
            attrs = attrs[:-1]
        if tag == b"table":
            depth += 1
            if depth > 1:
                continue
            _check_ods_area(last_row, last_col)
            current, last_row, last_col = _OdsSheet(), -1, -1
            name = _ods_attr(attrs, b"table:name") or b""
            sheets[html.unescape(name.decode("utf-8", "replace"))] = current
            row = next_row = col = 0
        elif tag == b"table-column":
            repeat = (
                _ods_count(attrs, b"table:number-columns-repeated") if b"repeated" in attrs else 1
            )
            start, current.columns = current.columns, current.columns + repeat
            if b"collapse" in attrs and start < MAX_COLS:
                current.hidden_cols.update(range(start, min(start + repeat, MAX_COLS)))
        elif tag == b"table-row":
            rows_repeat = 1
            if b"repeated" in attrs:
                rows_repeat = _ods_count(attrs, b"table:number-rows-repeated")
            row, next_row, col = next_row, next_row + rows_repeat, 0
            if (b"collapse" in attrs or b"filter" in attrs) and row < MAX_ROWS:
                current.hidden_rows.update(range(row, min(next_row, MAX_ROWS)))
        else:
            cell = _ods_cell(attrs, tag, empty)
            repeat = cell.repeat
            if cell.filled:
                if row + rows_repeat - 1 > last_row:
                    last_row = row + rows_repeat - 1
                if col + repeat - 1 > last_col:
                    last_col = col + repeat - 1
                text = cell.value_text
                times = repeat * rows_repeat
                if cell.string:
                    text_at = match.end()
                else:  # calamine reads the text of strings only
                    budget.spend(text * times)
            if cell.own and row < MAX_ROWS and col < MAX_COLS:
                if cell.percent:
                    columns = range(col, min(col + repeat, MAX_COLS))
                    current.percent.update((row, c) for c in columns)
                if cell.formula is not None:
                    current.formulas[(row, col)] = cell.formula
                if cell.error and (error := _ods_error(content, match.end())):
                    current.errors[(row, col)] = error
                if cell.spanned:
                    rows, cols = _ods_spans(attrs)
                    current.merged.append((row, col, row + rows - 1, col + cols - 1))
            col += repeat
    if text_at >= 0:
        budget.spend((text + _ods_text(content, text_at, len(content))) * times)
    _check_ods_area(last_row, last_col)
    return sheets


class _OdsCell(NamedTuple):
    """What a cell's start tag says, as `_walk_ods` uses it."""

    repeat: int  # columns it is repeated over
    filled: bool  # not empty: it has content, a value or a formula
    value_text: int  # characters of the value given in its attributes
    string: bool  # its content is read as its text
    own: bool  # a cell («table-cell»), not one covered by a merge
    percent: bool
    formula: str | None  # a formula without a value type, as shown
    spanned: bool  # it says how many rows and columns it spans
    error: bool  # its formula's result is an error (LibreOffice's calcext:value-type)


@memoised_text(entries=4096)
def _ods_cell(attrs: bytes, tag: bytes, empty: bool) -> _OdsCell:
    """The cell tag `tag` with the attribute bytes `attrs` (`empty`: self-closing). (A count
    that is not a number raises ValueError, never remembered.)"""
    repeat = _ods_count(attrs, b"table:number-columns-repeated") if b"repeated" in attrs else 1
    filled = not empty or b"value" in attrs or b"formula" in attrs
    formula = _ods_attr(attrs, b"table:formula") if b"formula" in attrs else None
    kind = None  # the value type matters to a percentage or a formula only
    if (formula or b"percentage" in attrs) and b"value-type" in attrs:
        kind = _ods_attr(attrs, b"office:value-type")
    shown = None
    if formula and not kind:
        text = html.unescape(formula.decode("utf-8", "replace"))
        shown = "=" + text.split(":=", 1)[-1].lstrip("=")
    return _OdsCell(
        repeat=repeat,
        filled=filled,
        value_text=_ods_value_text(attrs) if filled and b"-value" in attrs else 0,
        string=filled and not empty and b"string" in attrs,
        own=tag == b"table-cell",
        percent=kind == b"percentage",
        formula=shown,
        spanned=b"spanned" in attrs,
        error=bool(formula) and b'value-type="error"' in attrs,
    )


def _ods_error(content: bytes, start: int) -> str:
    """The error an error cell shows («#DIV/0!», «Err:502»): its text, markup left out (a
    short look only: an error's text is short)."""
    text = _ODS_MARKUP.sub(b"", content[start : start + 120].split(b"</table:table-cell", 1)[0])
    found = EXCEL_ERROR.match(text.decode("utf-8", "replace").strip())
    return found.group(0) if found else ""


@memoised_text(entries=1024)
def _ods_spans(attrs: bytes) -> tuple[int, int]:
    """(rows, columns) a cell spans (ValueError for a count that is not a number)."""
    return (
        _ods_count(attrs, b"table:number-rows-spanned"),
        _ods_count(attrs, b"table:number-columns-spanned"),
    )


def _apply_ods(grid: Grid, info: _OdsSheet | None) -> None:
    if info is None:
        return
    grid.merged = tuple(info.merged)
    grid.formulas = info.formulas
    grid.hidden_cols = frozenset(info.hidden_cols)
    grid.hidden_rows = frozenset(info.hidden_rows)
    _put_errors(grid, info.errors)
    percent = frozenset(info.percent)
    grid.formats = lambda row, col: "0%" if (row, col) in percent else ""


# --- Locating a table by its column headings --------------------------------------------


@dataclass(frozen=True)
class Header:
    """A table's heading rows on one sheet: which column plays which role."""

    grid: Grid
    top: int  # first heading row
    bottom: int  # last heading row (top + 1 for a two-row heading)
    roles: dict[str, tuple[int, ...]]  # role → columns, left to right
    labels: dict[int, str]  # column → folded heading (parent and child joined)
    score: int
    children: dict[int, str] = field(default_factory=dict)  # column → its sub-heading


Classifier = Callable[[str], str | None]


def row_labels(grid: Grid, row: int, width: int) -> dict[int, str]:
    """Folded texts of a row's non-blank cells (texts longer than a heading are left out)."""
    return {
        col: folded(text)
        for col, text in enumerate(grid.texts(row)[:width])
        if text and len(text) <= 200
    }


def two_row_labels(
    grid: Grid, top: int, width: int
) -> tuple[dict[int, str], dict[int, str]] | None:
    """Labels of a heading spread over rows `top` and `top + 1`, and the sub-headings of the
    columns under a group heading; None if `top + 1` is not a heading row (a parent cell such
    as «Chỉ tiêu» spans sub-columns «Chung» | «Bắc Trung Bộ»; without merge information a
    blank parent cell belongs to the group on its left). Headings typed on two lines, each
    below its own start («Tự đánh» over «giá»), have no sub-headings."""
    parent = row_labels(grid, top, width)
    child = row_labels(grid, top + 1, width)
    if child and not all(_heading_cell(grid.value(top + 1, c)) for c in child):
        # a table beside, two empty columns away, whose data start on the sub-heading row
        width = _block_end(grid, top, parent, width)
        parent = {col: label for col, label in parent.items() if col < width}
        child = {col: label for col, label in child.items() if col < width}
    if not child or not all(_heading_cell(grid.value(top + 1, c)) for c in child):
        return None
    if any(_CODE_LIKE.match(label) for label in child.values()):
        return None
    for col in range(width):  # «Năm 2020» merged over two sub-columns names both
        merge = grid.merge_at(top + 1, col)
        if col not in child and merge and merge[0] == top + 1 and merge[1] in child:
            child[col] = child[merge[1]]
    labels, children = {}, {}
    for col in range(width):
        merge = grid.merge_at(top, col)
        if merge:
            above = parent.get(merge[1], "") if merge[0] == top else ""
            grouped = merge[3] > merge[1] and col in child
        elif col in parent:
            above, grouped = parent[col], False
        else:  # no merge information: a blank parent belongs to the group on its left
            left = max((c for c in parent if c < col), default=None)
            grouped = not grid.merged and left in child and col in child
            above = parent[left] if grouped else ""
        if grouped:
            children[col] = child[col]
        label = " ".join(part for part in (above, child.get(col, "")) if part)
        if label:
            labels[col] = label
    wrapped = not children and all(col in parent for col in child)
    return (labels, children) if children or wrapped else None


def _block_end(grid: Grid, top: int, parent: dict[int, str], width: int) -> int:
    """The end of the first block of a heading row: the column after its last heading before
    two empty columns or more (another table beside it, a roadmap, whose rows below are data,
    not sub-headings); `width` when none."""
    columns = sorted(parent)
    for col, following in zip(columns, columns[1:], strict=False):
        merge = grid.merge_at(top, col)
        end = merge[3] if merge else col
        if following - end > 2:
            return end + 1
    return width


def _heading_cell(value: object) -> bool:
    """Whether a cell can be part of a heading: text, or a year (2021) under «Kết quả»."""
    if isinstance(value, str):
        return True
    return isinstance(value, int | float) and not isinstance(value, bool) and 1990 <= value <= 2100


# A row that is a data row: codes, numbers ("1.1", "II", "TC 2", "1a", "Chỉ tiêu 1.1"), not
# years ("2021")
_CODE_LIKE = re.compile(
    r"^(?!(?:19|20)\d\d$)(?:\d+(?: \d+)*|\d+[a-z]|[ivx]+(?: \d+)?"
    r"|(?:tieu chi|chi tieu)(?: so)? \d+(?: \d+)*|tc ?\d+(?: \d+)?)$"
)


# Roles that name what a row is about: under a group heading («Đánh giá | Chỉ tiêu | Tiêu
# chí») such a sub-heading qualifies the group rather than giving the column its role.
LABEL_ROLES = frozenset({"no", "name", "text", "text_or_threshold", "threshold", "criterion"})


def grouped_role(classify: Classifier, label: str, child: str | None) -> str | None:
    """The role of a column heading; `label` joins a group heading and its sub-heading
    `child` (None when not grouped). A sub-heading that names a column of its own decides
    («Kết quả tự đánh giá của xã» over «Kết quả thực hiện» | «Tự đánh giá»), unless the
    group says the columns are not the commune's («Kết quả thẩm định của huyện»)."""
    role = classify(label)
    if child is None or role == "ignore":
        return role
    own = classify(child)
    return own if own is not None and own not in LABEL_ROLES else role


def locate_header(
    grids: Iterable[Grid],
    classify: Classifier,
    accept: Callable[[dict[str, tuple[int, ...]]], bool],
    exclude: Grid | None = None,
    first_row: int = 0,
) -> Header | None:
    """The best-scoring heading (distinct roles recognised) over all sheets, looked for in
    the HEADER_SCAN_ROWS rows from `first_row`.

    A visible sheet beats a hidden one, then an earlier sheet and row win ties.
    """
    best: tuple[tuple[int, int], Header] | None = None
    for grid in grids:
        if grid is exclude:
            continue
        width = min(MAX_COLS, max(map(len, grid.rows), default=0))
        for top in range(first_row, min(first_row + HEADER_SCAN_ROWS, len(grid.rows))):
            texts = grid.texts(top)[:width]
            if len(texts) - texts.count("") < 2:
                continue  # fewer than two labels (a title, a blank row): not a heading
            single = row_labels(grid, top, width)
            if sum(map(bool, map(classify, single.values()))) < 2:
                continue
            if best and best[1].grid is grid and _CODE_LIKE.match(single[min(single)]):
                continue  # a row of the table found above («TC1.1 | …»), whatever beside it
            options = [(top, single, {})]
            double = two_row_labels(grid, top, width)
            if double:
                options.insert(0, (top + 1, *double))
            found = []
            for _bottom, labels, children in options:
                roles: dict[str, list[int]] = {}
                for col, label in sorted(labels.items()):
                    role = grouped_role(classify, label, children.get(col))
                    if role:
                        roles.setdefault(role, []).append(col)
                found.append({role: tuple(cols) for role, cols in roles.items()})
            if double and not double[1] and len(found[0]) <= len(found[1]):
                del options[0], found[0]  # a second line that names nothing more is data
            for (bottom, labels, children), frozen in zip(options, found, strict=True):
                if not accept(frozen):
                    continue
                rank = (len(frozen), 0 if grid.hidden else 1)
                if best is None or rank > best[0]:
                    header = Header(grid, top, bottom, frozen, labels, len(frozen), children)
                    best = (rank, header)
            if best and best[1].grid is grid and best[1].score >= 4:
                break  # the rows below a full heading are data
    return best[1] if best else None


_SIGNATURE = (
    "nguoi lap bieu",
    "nguoi lap",
    "nguoi tong hop",
    "nguoi ky",
    "chu tich",
    "pho chu tich",
    "kt chu tich",
    "tm ubnd",
    "tm uy ban",
    "tm ban chi dao",
    "tm bcd",
    "truong ban",
    "pho truong ban",
    "xac nhan cua",
    "noi nhan",
    "ky ten",
    "ky ghi ro",
    "ky va ghi ro",
    "thu truong don vi",
    "can bo tong hop",
)
_PLACE_DATE = re.compile(r"\bngay(?: \d{1,2})? thang(?: \d{1,2})? nam(?: \d{4})?\b")


def is_signature(texts: list[str]) -> bool:
    """Whether a row belongs to the signature block that closes a table ("Người lập biểu",
    "TM. UBND XÃ", "CHỦ TỊCH", "Cẩm Thành, ngày 10 tháng 3 năm 2021")."""
    for text in texts:
        if text and len(text) <= 80:
            key = folded(text)
            if key.startswith(_SIGNATURE) or _PLACE_DATE.search(key):
                return True
    return False


def is_column_numbers(grid: Grid, row: int, width: int) -> bool:
    """A row numbering the columns under a heading: "1 | 2 | 3 …", "(1) | (2) …", "A | B …",
    "A | B | 1 | 2 …"."""
    texts = [t for t in grid.texts(row)[:width] if t]
    if len(texts) < 3 or not texts[0].strip("()").isalnum() or len(texts[0]) > 4:
        return False
    first = _COLUMN_MARKS.sub("", texts[0])
    if first.isdigit():  # numbers: all of them, one after another
        marks = []
        for text in texts:
            mark = _COLUMN_MARKS.sub("", text)
            if not mark.isdigit():
                return False  # (no letter row either: it starts with a digit)
            marks.append(mark)
        numbers = [int(mark) for mark in marks]
        return numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    if first != "A":
        return False
    marks = [_COLUMN_MARKS.sub("", text) for text in texts]
    letters = list(itertools.takewhile(lambda m: len(m) == 1 and m.isalpha(), marks))
    numbers = marks[len(letters) :]  # «A | B | 1 | 2 | 3»: letters, then numbers from 1
    if len(letters) < 2 or letters != [chr(ord("A") + i) for i in range(len(letters))]:
        return False
    return not numbers or numbers == [str(n) for n in range(1, len(numbers) + 1)]


_COLUMN_MARKS = re.compile(r"[()\s]")  # what a column number is written with around it
