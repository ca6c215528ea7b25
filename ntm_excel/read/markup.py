"""Workbooks that are text saved under an Excel name: an HTML table ("Xuất Excel" of
much office software, Excel's or LibreOffice's «Trang web»), Excel 2003's XML Spreadsheet
(SpreadsheetML) and delimited text (CSV, tab- or semicolon-separated). Excel opens all three
as workbooks, so offices send them as .xls.

Each becomes grids like any other workbook's: an HTML table is a sheet (the text above it,
a report's title block, written into its first rows), its colspan/rowspan cells merged
cells; an XML Spreadsheet's «Worksheet» is a sheet with its types, merges, hidden rows and
columns, percentages and formulas without a result; delimited text is one sheet of texts,
as typed. Cells beyond `MAX_ROWS` × `MAX_COLS` are ignored and said so (and kept nowhere
while the file is parsed); a span never reaches past them; a file above `MAX_TEXT_BYTES`, or
of more than `MAX_SHEETS` tables or worksheets, is refused.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import datetime
from xml.etree import ElementTree

from lxml import etree

from ntm_excel.errors import UnreadableFileError
from ntm_excel.read.sheets import MAX_COLS, MAX_ROWS, Grid, Merge, beyond_caps
from ntm_excel.read.textfile import decoded, delimiter
from ntm_excel.text import thousands

MAX_TEXT_BYTES = 10 * 1024 * 1024  # a commune's export is well under 1 MB
MAX_SHEETS = 255  # tables of a page, worksheets of an XML Spreadsheet (a report has a few)
MAX_NAME = 31  # characters of a sheet's name, as Excel allows (a page may name it at length)
_TOO_MANY_SHEETS = f"tệp có hơn {MAX_SHEETS} bảng (trang tính), không phải một biểu báo cáo"
_SHEET_HEADING = re.compile(r"^(?:sheet|trang tính|bảng tính)\s*\d+\s*:\s*(.+)$", re.IGNORECASE)
_EXCEL_NAME = re.compile(r"<x:Name>([^<]*)</x:Name>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")
_BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "center", "tr"})


def markup_grids(data: bytes, kind: str) -> list[Grid]:
    """The sheets of a text workbook of `kind` ("html", "xml2003", "csv"); [] for any
    other kind."""
    if kind in ("html", "xml2003", "csv") and len(data) > MAX_TEXT_BYTES:
        size = f"{len(data) / 1024 / 1024:.0f} MB"
        raise UnreadableFileError(f"tệp dạng chữ (HTML, XML hay CSV) quá lớn ({size})")
    if kind == "html":
        return html_grids(data)
    if kind == "xml2003":
        return spreadsheetml_grids(data)
    if kind == "csv":
        return [delimited_grid(data)]
    return []


# --- HTML -------------------------------------------------------------------------------


class _Table:
    """One HTML table while it is read: its rows, merges and the cells rowspans cover."""

    def __init__(self, name: str, lines: list[str]) -> None:
        self.name = name
        self.rows: list[list[object]] = [[line] for line in lines[-MAX_ROWS:]]
        self.merged: list[Merge] = []
        self.covered: dict[int, set[int]] = {}  # row → columns a rowspan above fills
        self.row = len(self.rows) - 1
        self.col = 0
        self.formats: dict[tuple[int, int], str] = {}
        self.beyond: tuple[int, int] | None = None  # the last cell past the caps

    def start_row(self) -> None:
        self.row += 1
        self.col = 0
        if self.row < MAX_ROWS:
            self.rows.append([])

    def place(self, colspan: int) -> tuple[int, int] | None:
        """Where the row's next cell goes (past the cells rowspans above fill), None when
        beyond the caps."""
        if self.row < 0:
            self.start_row()
        skip = self.covered.get(self.row, ())
        while self.col in skip:
            self.col += 1
        row, col = self.row, self.col
        self.col += colspan
        return (row, col) if row < MAX_ROWS and col < MAX_COLS else None

    def put(self, at: tuple[int, int], value: object, span: tuple[int, int], form: str) -> None:
        """Write a cell placed at `at`, spanning `span` (rows, columns), number format `form`."""
        row, col = at
        line = self.rows[row]
        line.extend([""] * (col + 1 - len(line)))
        line[col] = value
        last_row = min(row + span[0], MAX_ROWS) - 1
        last_col = min(col + span[1], MAX_COLS) - 1
        if last_row > row or last_col > col:
            self.merged.append((row, col, last_row, last_col))
        for below in range(row + 1, last_row + 1):
            self.covered.setdefault(below, set()).update(range(col, last_col + 1))
        if form:
            self.formats[(row, col)] = form

    def grid(self) -> Grid:
        grid = Grid(name=self.name, rows=self.rows, merged=tuple(self.merged))
        formats = self.formats
        grid.formats = lambda row, col: formats.get((row, col), "")
        if self.beyond:
            grid.truncated = beyond_caps(self.name, *self.beyond)
        return grid


class _HtmlTables:
    """The top-level tables of an HTML page, each with the text written above it: the
    target of libxml2's parser, told of each tag and text as it reads them (linear, whatever
    the markup: Python's own parser takes minutes on a page of unclosed comments; and no tree
    is built: libxml2's took 600 MB for 10 MB of tiny cells)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names  # Excel's own sheet names («x:Name»), in order
        self.tables: list[_Table] = []
        self.table: _Table | None = None
        self.depth = 0  # tables open (a table inside a cell is read as the cell's text)
        self.cell: list[str] | None = None  # the open cell's text
        self.cell_attrs: dict[str, str] = {}
        self.lines: list[str] = []  # text outside tables since the last one
        self.text: list[str] = []  # the line being written outside tables
        self.heading = ""  # a «Sheet 1: name» heading (LibreOffice) naming the next table
        self.skipped: list[str] = []  # open <head>, <script>, <style>, links to a table

    def close(self) -> list[_Table]:
        if self.table is not None:
            self._end_cell()
            self.tables.append(self.table)
            self.table = None
        return self.tables

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.depth == 1 and (tag == "td" or tag == "th"):  # the most frequent first
            self._end_cell()
            self.cell, self.cell_attrs = [], attrs  # a new mapping for each tag
        elif tag in ("script", "style", "head", "title") or (
            tag == "a" and attrs.get("href", "").startswith("#")
        ):
            self.skipped.append(tag)
        elif tag == "table":
            self.depth += 1
            if self.depth == 1:
                self._end_line()
                self._open_table()
        elif self.depth == 1 and tag == "tr":
            self._end_cell()
            self.table.start_row()
        elif tag == "br" or tag in _BLOCKS or (self.depth > 1 and tag in ("td", "th")):
            self._break()

    def end(self, tag: str) -> None:
        if self.depth == 1 and (tag == "td" or tag == "th"):
            self._end_cell()
        elif self.skipped and self.skipped[-1] == tag:
            self.skipped.pop()
        elif tag == "table" and self.depth:
            self.depth -= 1
            if self.depth == 0:
                self._end_cell()
                self.tables.append(self.table)
                self.table = None
        elif tag in _BLOCKS:
            self._break()

    def data(self, text: str) -> None:
        if self.skipped:
            return
        if self.cell is not None:
            self.cell.append(text)
        elif not self.depth:
            self.text.append(text)

    def _break(self) -> None:
        if self.cell is not None:
            self.cell.append("\n")
        elif not self.depth:
            self._end_line()

    def _end_line(self) -> None:
        line = _SPACES.sub(" ", "".join(self.text)).strip()
        self.text = []
        if not line:
            return
        named = _SHEET_HEADING.match(line)
        if named:
            self.heading = named.group(1).strip()
        else:
            self.lines.append(line)

    def _open_table(self) -> None:
        index = len(self.tables)
        if index >= MAX_SHEETS:  # said at once: the rest of the page is not read
            raise UnreadableFileError(_TOO_MANY_SHEETS)
        name = self.names[index] if index < len(self.names) else self.heading
        name = name[:MAX_NAME] or f"Sheet{index + 1}"
        self.table = _Table(name, self.lines)
        self.lines, self.heading = [], ""

    def _end_cell(self) -> None:
        cell, attrs = self.cell, self.cell_attrs
        if cell is None or self.table is None:
            return
        self.cell = None
        colspan = _span(attrs.get("colspan")) if attrs else 1
        at = self.table.place(colspan)
        if at is None:  # past the caps: only whether it holds anything matters
            if cell and "".join(cell).strip():
                self.table.beyond = (self.table.row, self.table.col - colspan)
            return
        lines = (_SPACES.sub(" ", part).strip() for part in "".join(cell).split("\n"))
        value, form = _html_value("\n".join(line for line in lines if line), attrs)
        rowspan = _span(attrs.get("rowspan")) if attrs else 1
        self.table.put(at, value, (rowspan, colspan), form)


def _span(text: str | None) -> int:
    try:
        return min(max(int((text or "1").strip()), 1), MAX_ROWS)
    except ValueError:
        return 1


def _html_value(text: str, attrs: dict[str, str]) -> tuple[object, str]:
    """A cell's value and number format: the number Excel («x:num») or LibreOffice
    («sdval», its format in «sdnum») stored beside the text shown, else the text."""
    stored = attrs.get("x:num", attrs.get("sdval"))
    if stored:
        try:
            number = float(stored)
        except ValueError:
            return text, ""
        shown_format = attrs.get("sdnum", "").split(";", 2)[-1] if "sdnum" in attrs else ""
        if not shown_format and text.endswith("%"):
            shown_format = "0%"
        return number, shown_format
    return text, ""


def html_grids(data: bytes) -> list[Grid]:
    """Every top-level table of an HTML page, as a sheet."""
    text = decoded(data)
    tables = _HtmlTables([name.strip() for name in _EXCEL_NAME.findall(text)])
    if text.strip():  # bytes: lxml refuses a text declaring its encoding (XHTML's «<?xml»)
        parser = etree.HTMLParser(
            encoding="utf-8", recover=True, no_network=True, remove_comments=True, target=tables
        )
        etree.fromstring(text.encode("utf-8"), parser)
    if not tables.tables:
        raise UnreadableFileError("đây là trang HTML đặt đuôi Excel nhưng không có bảng số liệu")
    return [table.grid() for table in tables.tables]


# --- XML Spreadsheet 2003 ---------------------------------------------------------------

_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
_WORKSHEET, _ROW, _CELL, _COLUMN = (
    f"{_SS}{name}" for name in ("Worksheet", "Row", "Cell", "Column")
)


def spreadsheetml_grids(data: bytes) -> list[Grid]:
    """Every «Worksheet» of an Excel 2003 XML Spreadsheet."""
    parser = ElementTree.XMLParser(target=_SpreadsheetTree())
    try:
        parser.feed(data)
        root = parser.close()
    except (ElementTree.ParseError, LookupError, ValueError) as exc:
        raise UnreadableFileError("tệp bảng tính XML 2003 bị hỏng (sai cấu trúc XML)") from exc
    percent = {
        style.get(f"{_SS}ID", "")
        for style in root.iter(f"{_SS}Style")
        if "%" in _number_format(style) or _number_format(style) == "Percent"
    }
    grids = [_worksheet(sheet, percent) for sheet in root.iter(f"{_SS}Worksheet")]
    if not grids:
        raise UnreadableFileError("tệp bảng tính XML 2003 không có trang tính nào")
    return grids


class _SpreadsheetTree(ElementTree.TreeBuilder):
    """The tree of an XML Spreadsheet, of what can be read: a sheet's rows past the first
    `MAX_ROWS` + 1 and a row's cells past the first `MAX_COLS` + 1 are not built (each
    «ss:Index» is past the one before, so they lie beyond the caps; 10 MB of «<Row/>» made a
    tree of 200 MB), and the file is refused past `MAX_SHEETS` sheets, or as soon as it
    declares a DOCTYPE, before its entities are read: whatever its encoding (UTF-16, or one
    where «<!DOCTYPE» is not those bytes), which the check on the file's bytes cannot see."""

    def __init__(self) -> None:
        super().__init__()
        self.sheets = 0
        self.count = {_ROW: 0, _CELL: 0, _COLUMN: 0}  # in the sheet, the row, the sheet
        self.dropped = 0  # depth inside an element not built

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise UnreadableFileError(
            "tệp XML khai báo DOCTYPE/ENTITY (có thể là tệp độc hại), không mở"
        )

    def start(self, tag: str, attrs: dict[str, str]) -> ElementTree.Element | None:
        if self.dropped:
            self.dropped += 1
            return None
        if tag == _WORKSHEET:
            self.sheets += 1
            if self.sheets > MAX_SHEETS:
                raise UnreadableFileError(_TOO_MANY_SHEETS)
            self.count = dict.fromkeys(self.count, 0)
        elif tag in self.count:
            self.count[tag] += 1
            if tag == _ROW:
                self.count[_CELL] = 0
            if self.count[tag] > (MAX_ROWS if tag == _ROW else MAX_COLS) + 1:
                self.dropped = 1
                return None
        return super().start(tag, attrs)

    def end(self, tag: str) -> ElementTree.Element | None:
        if self.dropped:
            self.dropped -= 1
            return None
        return super().end(tag)

    def data(self, data: str) -> None:
        if not self.dropped:
            super().data(data)


def _number_format(style: ElementTree.Element) -> str:
    found = style.find(f"{_SS}NumberFormat")
    return found.get(f"{_SS}Format", "") if found is not None else ""


def _index(element: ElementTree.Element, after: int) -> int:
    """The 0-based position of a Row or Cell: its «ss:Index», else the one after `after`."""
    written = element.get(f"{_SS}Index")
    if written is None:
        return after + 1
    try:
        return max(int(written) - 1, after + 1)
    except ValueError:
        return after + 1


def _worksheet(sheet: ElementTree.Element, percent: set[str]) -> Grid:
    name = sheet.get(f"{_SS}Name", "")[:MAX_NAME]
    rows: list[list[object]] = []
    merged: list[Merge] = []
    formulas: dict[tuple[int, int], str] = {}
    formats: dict[tuple[int, int], str] = {}
    hidden_rows: set[int] = set()
    hidden_cols: set[int] = set()
    beyond: tuple[int, int] | None = None
    table = sheet.find(f"{_SS}Table")
    row = -1
    col = -1
    for column in table.iter(f"{_SS}Column") if table is not None else ():
        col = _index(column, col)
        span = _span(column.get(f"{_SS}Span", "0")) if column.get(f"{_SS}Span") else 0
        if column.get(f"{_SS}Hidden") == "1":
            hidden_cols.update(range(col, min(col + span + 1, MAX_COLS)))
        col += span
    for line in table.iter(f"{_SS}Row") if table is not None else ():
        row = _index(line, row)
        if row >= MAX_ROWS:
            beyond = beyond or (row, 0)
            break
        if line.get(f"{_SS}Hidden") == "1":
            hidden_rows.add(row)
        cells: list[object] = []
        col = -1
        for cell in line.iter(f"{_SS}Cell"):
            col = _index(cell, col)
            across = (
                _span(cell.get(f"{_SS}MergeAcross", "0")) if cell.get(f"{_SS}MergeAcross") else 0
            )
            down = _span(cell.get(f"{_SS}MergeDown", "0")) if cell.get(f"{_SS}MergeDown") else 0
            if col >= MAX_COLS:
                beyond = (row, col)
                break
            value = _cell_value(cell)
            cells.extend([""] * (col + 1 - len(cells)))
            cells[col] = value
            if across or down:
                merged.append(
                    (row, col, min(row + down, MAX_ROWS - 1), min(col + across, MAX_COLS - 1))
                )
            formula = cell.get(f"{_SS}Formula")
            if formula and value == "" and cell.find(f"{_SS}Data") is None:
                formulas[(row, col)] = formula
            if cell.get(f"{_SS}StyleID") in percent:
                formats[(row, col)] = "0%"
            col += across
        rows.extend([] for _ in range(row - len(rows)))
        rows.append(cells)
    options = sheet.find("{urn:schemas-microsoft-com:office:excel}WorksheetOptions")
    visible = (
        options.find("{urn:schemas-microsoft-com:office:excel}Visible")
        if options is not None
        else None
    )
    grid = Grid(
        name=name,
        rows=rows,
        hidden=visible is not None and (visible.text or "").strip() != "SheetVisible",
        merged=tuple(merged),
        formulas=formulas,
        hidden_cols=frozenset(hidden_cols),
        hidden_rows=frozenset(hidden_rows),
    )
    grid.formats = lambda r, c: formats.get((r, c), "")
    if beyond:
        grid.truncated = beyond_caps(name, *beyond)
    return grid


def _cell_value(cell: ElementTree.Element) -> object:
    data = cell.find(f"{_SS}Data")
    if data is None:
        return ""
    text = "".join(data.itertext())
    kind = data.get(f"{_SS}Type", "String")
    if kind == "Number":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "DateTime":
        try:
            return datetime.fromisoformat(text.strip())
        except ValueError:
            return text
    if kind == "Boolean":
        return text.strip() == "1"
    return text


# --- Delimited text ---------------------------------------------------------------------


def delimited_grid(data: bytes) -> Grid:
    """Delimited text as one sheet of texts (named «Sheet1», as Excel names it)."""
    rows: list[list[object]] = []
    beyond: tuple[int, int] | None = None
    text = decoded(data)
    # newline="": lines ended by "\r" alone (Excel for Mac's CSV) are lines, not one field
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text) or ",")
    try:
        for row, cells in enumerate(reader):
            if row >= MAX_ROWS:
                beyond = (row, 0)
                break
            if len(cells) > MAX_COLS and any(itertools.islice(cells, MAX_COLS, None)):
                beyond = (row, len(cells) - 1)
            rows.append(list(cells[:MAX_COLS]))
    except csv.Error as exc:  # a field over the csv module's limit: a quote never closed
        limit = thousands(csv.field_size_limit())
        raise UnreadableFileError(
            f"tệp văn bản bị hỏng: dòng {len(rows) + 1} có một ô dài hơn {limit} ký tự "
            '(có thể do dấu ngoặc kép «"» mở mà không đóng)'
        ) from exc
    grid = Grid(name="Sheet1", rows=rows)
    if beyond:
        grid.truncated = beyond_caps("Sheet1", *beyond)
    return grid
