"""The seven sheets of the master workbook, written with XlsxWriter from `Figures`.

Every cell gets a static format (fills included), so Excel, LibreOffice and openpyxl all see
the colours; every string goes through `write_string`, so no submitted text becomes a formula.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path

from xlsxwriter.utility import (
    _utf16_len,
    _utf16_truncate,
    xl_cell_to_rowcol,
    xl_col_to_name,
    xl_range,
)
from xlsxwriter.worksheet import (
    RowInfo,
    Worksheet,
)

from ntm_excel.atomic import Generation
from ntm_excel.check.figures import (
    WORKBOOK_ERRORS,
    DistrictFigures,
    Figures,
    ProvinceFigures,
    TargetProgress,
)
from ntm_excel.check.tasks import criterion_text, units_text
from ntm_excel.history import indicator_count
from ntm_excel.issues import ISSUE_TYPES, SEVERITY_LABELS, Severity
from ntm_excel.model import STATUS_LABELS, TASK_STATE_LABELS, Status, TaskState
from ntm_excel.styles import (
    AMBER,
    BLUE,
    CONTRADICTED_COLOURS,
    CONTRADICTED_SUFFIX,
    EXCEL_CELL_LIMIT,
    GREEN,
    GREY,
    HEADER,
    LEGEND,
    NO,
    NOT_SUBMITTED_COLOURS,
    NOT_SUBMITTED_LABEL,
    NOT_SUBMITTED_MARK,
    RED,
    SEVERITY_COLOURS,
    SEVERITY_ORDER,
    STATUS_COLOURS,
    STATUS_MARKS,
    TASK_STATE_COLOURS,
    TITLE_FONT,
    WHITE,
    YES,
    Colours,
    FormatCache,
    cell_text,
    text_width,
    wrapped_lines,
    xlsx_fill,
)
from ntm_excel.text import thousands
from ntm_excel.write.beside import beside
from ntm_excel.write.csv_export import FORMULA_FIRST

SUMMARY = "Tổng hợp"
MATRIX = "Ma trận tiêu chí"
DETAIL = "Chỉ tiêu chi tiết"
TASKS = "Tiến độ nhiệm vụ"
SUBMISSIONS = "Tình hình nộp báo cáo"
ISSUES = "Lỗi dữ liệu"
DISTRICT = "Tiêu chí huyện"
BY_DISTRICT = "Theo huyện"
BY_PROVINCE = "Theo tỉnh"

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
INT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0##"
PERCENT_FORMAT = "0.0%"
TABLE_STYLE = "Table Style Light 9"
DETAIL_PRINT_NOTE = (  # the page header of the detail sheet, which prints only its heading
    "Trang này chỉ in phần đầu ({rows} dòng chi tiết: xem trên máy). Muốn in: lọc các dòng "
    "cần in rồi xóa vùng in (Excel: Bố trí Trang › Vùng In › Xóa Vùng In)."
)
TABLE_CELL_LIMIT = 1_000_000  # larger blocks get filters without an Excel table
PER_UNIT_CHART_LIMIT = 40  # above this many units, chart the distribution instead
LINE_HEIGHT = 14.0  # points per line of 11-point text
BOLD = 1.08  # bold text is this much wider

BORDER = {"border": 1, "border_color": "#A6A6A6"}
CELL = {**BORDER, "valign": "top", "text_wrap": True}
HEAD = {
    **BORDER,
    **xlsx_fill(HEADER),
    "bold": True,
    "text_wrap": True,
    "align": "center",
    "valign": "vcenter",
}
TASK_ORDER = {
    TaskState.OVERDUE: 0,
    TaskState.DUE_SOON: 1,
    TaskState.ON_TRACK: 2,
    TaskState.NO_DUE_DATE: 3,
    TaskState.DONE: 4,
}
SOURCE_LABELS = {"plan": "Kế hoạch huyện", "unit": "Lộ trình xã"}
NO_DISTRICT = (
    "Chưa có biểu tự đánh giá tiêu chí của huyện; chỉ có điều kiện «100% số xã đạt chuẩn» "
    "tính từ báo cáo của các xã."
)
SEVERITY_FIGURES = {
    Severity.ERROR: "Số lỗi dữ liệu (phải sửa), kể cả đơn vị chưa nộp",
    Severity.WARNING: "Số cảnh báo (cần kiểm tra)",
    Severity.INFO: "Số thông tin",
}
LEVEL_LABELS = {
    "huyện đạt chuẩn": "Huyện đạt chuẩn",
    "đạt chuẩn": "Đạt chuẩn",
    "nâng cao": "Nâng cao",
    "kiểu mẫu": "Kiểu mẫu",
    "": "Chưa xác định",
}

Mark = tuple[str, Colours]  # a word shown on a coloured fill


@dataclass(frozen=True)
class Column:
    """One column of a block of rows: its header, how values are written, how wide it may grow."""

    header: str
    kind: str = "text"  # text | int | number | percent | date | datetime | mark
    cap: float = 30
    least: float = 6
    num_format: str = ""  # for int: e.g. 0"/20"
    align: str = ""  # text: "right" for words beside numbers ("9/10"), so they never touch


def status_mark(status: Status) -> Mark:
    return STATUS_MARKS[status], STATUS_COLOURS[status]


def level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, level)


def _size(value: object) -> float:
    """Column-width units `value` takes once written on one line."""
    if value is None:
        return 0
    if isinstance(value, str):
        return text_width(value)
    if isinstance(value, tuple):
        return text_width(value[0])
    if isinstance(value, datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, date):
        return len(DATE_FORMAT)
    if isinstance(value, int | float) and math.isfinite(value):
        return len(f"{value:,.0f}") + (0 if float(value).is_integer() else 4)
    return len(str(value))


RowWriters = tuple[Callable, Callable, Callable, Callable, Callable[[int], None]]
_PLAIN_TABLE = {"name", "style", "columns"}  # options of a table `add_table` makes faster
_PLAIN_TABLE_COLUMN = {"header", "header_format"}
_RENDERED_CELL = re.compile(r'<c r="([A-Z]+)\d+" s="\d+"(?:/>|( t="s")?><v>([^<]*)</v></c>)')


def _distinct(values: list[Sequence], col: int, kind: str = "") -> set:
    """The distinct values of column `col`, a mark as its word (hashing its colours costs more
    than measuring it); a text column's (`kind`) as they are, at once."""
    column = map(itemgetter(col), values)
    if kind == "text":
        return set(column)
    return {v[0] if v.__class__ is tuple else v for v in column}


def _ignore(row: int) -> None:
    pass


class MasterWorksheet(Worksheet):
    """XlsxWriter's worksheet, writing the cells of a master faster, to the same bytes.

    XlsxWriter keeps a tuple per cell, and builds and escapes a list of attributes for every
    cell when the workbook is closed. The rows of a block (`Sheet._rows`) are written here as
    they come instead (`row_writers`), to the XML XlsxWriter writes for them, one string per
    row, their strings entered in the shared strings table in the same order; that needs the
    formats' style numbers at once (`FormatCache` numbers each format it makes). The few other
    cells (titles, headings, totals) are XlsxWriter's own. A date is converted to Excel's
    serial number once per distinct date (task deadlines repeat).
    """

    def __init__(self) -> None:
        super().__init__()
        self._serials: dict[date, float] = {}
        self._rendered: dict[int, tuple[int, str]] = {}  # row -> (its last column, its cells)

    def row_writers(self, width: int) -> RowWriters:
        """Writers of the cells of rows `width` columns wide (from the first), with the
        arguments of XlsxWriter's undecorated `_write_string`, `_write_number`,
        `_write_blank` and `_write_datetime` (a format is required), and `end(row)`, which
        stores the row written (every one of its cells written, in column order)."""
        letters = [xl_col_to_name(col) for col in range(width)]
        sst = self.str_table
        indexes, limit, half = sst.string_table, self.xls_strmax, self.xls_strmax // 2
        parts: list[str] = []
        add, serial, rendered, last = (
            parts.append,
            self._convert_date_time,
            self._rendered,
            width - 1,
        )

        def string(row: int, col: int, text: str, fmt) -> None:
            if len(text) > half and _utf16_len(text) > limit:
                text = _utf16_truncate(text, limit)
            index = indexes.get(text)
            if index is None:
                index = indexes[text] = sst.unique_count
                sst.unique_count += 1
            sst.count += 1
            add(f'<c r="{letters[col]}{row + 1}" s="{fmt.xf_index}" t="s"><v>{index}</v></c>')

        def number(row: int, col: int, value, fmt) -> None:
            add(f'<c r="{letters[col]}{row + 1}" s="{fmt.xf_index}"><v>{value:.16G}</v></c>')

        def blank(row: int, col: int, _, fmt) -> None:
            add(f'<c r="{letters[col]}{row + 1}" s="{fmt.xf_index}"/>')

        def when(row: int, col: int, value: date, fmt) -> None:
            number(row, col, serial(value), fmt)

        def end(row: int) -> None:
            if self._check_dimensions(row, last) == 0:  # else beyond the sheet: dropped
                if self.dim_colmin:  # the first column not yet among the sheet's
                    self._check_dimensions(row, 0)
                rendered[row] = last, "".join(parts)
            parts.clear()

        return string, number, blank, when, end

    def row_height(self, row: int, height: float) -> None:
        """`set_row(row, height)` for a row of a block (`row_writers`), which its `end`
        checked against the sheet's bounds already: the same record, without the checks."""
        pixels = int(height * 4.0 / 3.0 + 0.5)
        if row not in self._rendered or pixels <= 0:
            self.set_row(row, height)
            return
        self.row_info[row] = RowInfo(pixels, None, False, 0, False)
        self.row_sizes[row] = [pixels, False]

    def _row_tag(self, row: int, span: str | None, info: RowInfo | None) -> str | None:
        """The `<row>` start tag XlsxWriter's `_write_row` writes for a row of plain height
        (None for any other: XlsxWriter writes it)."""
        if info is not None and (info.row_format or info.hidden or info.level or info.collapsed):
            return None
        if self.excel_version == 2010:
            return None
        height = self.default_row_height if info is None or info.height is None else info.height
        tag = f'<row r="{row + 1}" spans="{span}"' if span else f'<row r="{row + 1}"'
        if height != self.original_row_height or height != self.default_row_height:
            tag += f' ht="{height * 0.75:.16g}" customHeight="1"'
        return tag + ">"

    def _write_rows(self) -> None:
        """XlsxWriter's `_write_rows`, the rows written as XML among them."""
        rendered = self._rendered
        if not rendered:
            super()._write_rows()
            return
        self._calculate_spans()
        table, info, spans, write = self.table, self.row_info, self.row_spans, self.fh.write
        cols = range(self.dim_colmin, self.dim_colmax + 1)
        for row in range(self.dim_rowmin, self.dim_rowmax + 1):
            span, cells, known = spans.get(row // 16), table.get(row), rendered.get(row)
            if known is not None:
                if cells:
                    raise RuntimeError(f"{self.name}: row {row + 1} written to after its block")
                tag = self._row_tag(row, span, info.get(row))
                if tag is None:
                    self._write_row(row, span, info.get(row))
                    write(known[1] + "</row>")
                else:
                    write(tag + known[1] + "</row>")
            elif cells:
                self._write_row(row, span, info.get(row))
                for col in cols:
                    if col in cells:
                        self._write_cell(row, col, cells[col])
                write("</row>")
            elif row in info or row in self.comments:
                self._write_empty_row(row, span, info.get(row))

    def _calculate_spans(self) -> None:
        """XlsxWriter's `_calculate_spans` (the columns each 16 rows use), the rows written
        as XML among them."""
        rendered = self._rendered
        if not rendered:
            super()._calculate_spans()
            return
        spans: dict[int, str] = {}
        low = high = None
        last_row = self.dim_rowmax
        table, comments = self.table, self.comments
        for row in range(self.dim_rowmin, last_row + 1):
            known = rendered.get(row)
            if known is not None and row not in table and row not in comments:
                low, high = 0, known[0] if high is None else max(high, known[0])  # from column A
            elif used := [
                *table.get(row, ()),
                *comments.get(row, ()),
                *((0, known[0]) if known is not None else ()),
            ]:
                low = min(used) if low is None else min(low, *used)
                high = max(used) if high is None else max(high, *used)
            if ((row + 1) % 16 == 0 or row == last_row) and low is not None:
                spans[row // 16] = f"{low + 1}:{high + 1}"
                low = high = None
        self.row_spans = spans

    def add_table(self, first_row, first_col, last_row, last_col, options=None):
        """XlsxWriter's `add_table` without its record of every cell of the table (kept to
        refuse a later table or merged range over it: a master's tables overlap nothing, and
        the record of a 50,000-row table costs a quarter of a second and 50 MB): a table of
        headers only (`_PLAIN_TABLE`) is made over its first two rows, then given its range."""
        options = options or {}
        plain = options.keys() <= _PLAIN_TABLE and all(
            column.keys() <= _PLAIN_TABLE_COLUMN for column in options.get("columns", ())
        )
        if not plain or last_row <= first_row + 1:
            return super().add_table(first_row, first_col, last_row, last_col, options)
        result = super().add_table(first_row, first_col, first_row + 1, last_col, options)
        table = self.tables[-1]
        table["range"] = table["a_range"] = table["autofilter"] = xl_range(
            first_row, first_col, last_row, last_col
        )
        return result

    def _get_range_data(self, row_start, col_start, row_end, col_end):
        """A chart's cached values, the rows written as XML read back from it."""
        data = []
        for row in range(row_start, row_end + 1):
            known = self._rendered.get(row)
            if known is None:
                data += super()._get_range_data(row, col_start, row, col_end)
                continue
            values = {}  # numbers as XlsxWriter gives them: "{:.16g}" of the "{:.16G}" written
            for letters, shared, value in _RENDERED_CELL.findall(known[1]):
                col = xl_cell_to_rowcol(f"{letters}1")[1]
                values[col] = (
                    self.str_table._get_shared_string(int(value)) if shared else value.lower()
                )
            data += [values.get(col) for col in range(col_start, col_end + 1)]
        return data

    def _convert_date_time(self, dt_obj):
        if dt_obj.__class__ is not date:
            return super()._convert_date_time(dt_obj)
        serial = self._serials.get(dt_obj)
        if serial is None:
            serial = self._serials[dt_obj] = super()._convert_date_time(dt_obj)
        return serial


class Sheet:
    """A worksheet with a title, blocks of rows and the print setup the office uses.

    Widths come from the content (within each column's cap); since LibreOffice does not grow
    rows for wrapped text on its own, the height of every row that wraps is set from an
    estimate of its lines.
    """

    def __init__(self, book, fmts: FormatCache, name: str, tab: Colours, title: str, note: str):
        self.ws = book.add_worksheet(name)
        self.name = name
        self.fmts = fmts
        self.widths: dict[int, float] = {}
        self._mark_formats: dict[int, tuple[Colours, object]] = {}
        self.ws.set_tab_color(f"#{tab.chart}")
        self.ws.write_string(0, 0, title, fmts.get(bold=True, font_size=14, font_color=TITLE_FONT))
        self.ws.write_string(1, 0, note, fmts.get(italic=True))
        self.ws.set_row(0, 22)

    def section(self, row: int, text: str) -> int:
        self.ws.write_string(row, 0, text, self.fmts.get(bold=True, font_size=12))
        return row + 1

    def sentence(self, row: int, text: str) -> int:
        self.ws.write_string(row, 0, text, self.fmts.get(italic=True))
        return row + 1

    def set_widths(self, widths: dict[int, float]) -> None:
        for col, width in widths.items():
            self.widths[col] = width
            self.ws.set_column(col, col, width)

    def block(self, row: int, columns: Sequence[Column], values: Iterable[Sequence]) -> int:
        """A header row and the rows of `values` below it; return the row after the block."""
        values = list(values)
        longest = [
            max(map(_size, _distinct(values, col, column.kind)), default=0)
            for col, column in enumerate(columns)
        ]
        for col, (column, content) in enumerate(zip(columns, longest, strict=True)):
            if col not in self.widths:
                word = max((text_width(w) * BOLD for w in column.header.split()), default=0)
                width = min(column.cap, max(column.least, word + 1.5, content + 1.2))
                self.set_widths({col: round(width, 1)})
        self.header(row, columns)
        return self._rows(row + 1, columns, values, longest)

    def header(self, row: int, columns: Sequence[Column], first_col: int = 0, **props) -> None:
        fmt = self.fmts.get(HEAD, props)
        lines = 1
        for col, column in enumerate(columns, start=first_col):
            self.ws.write_string(row, col, column.header, fmt)
            if not props.get("rotation"):
                width = self.widths.get(col, 8.43) / BOLD
                lines = max(lines, wrapped_lines(column.header, width))
        if lines > 1:
            self.ws.set_row(row, LINE_HEIGHT * lines + 3)

    def _rows(
        self, row: int, columns: Sequence[Column], values: list[Sequence], longest: list[float]
    ) -> int:
        """Write `values` from `row` on; return the row after the last one written.

        The master's innermost loop (millions of cells in a country's master): text and mark
        cells are written here with their formats resolved once, other kinds through a writer
        per column, all through `_cell_writers` (a `MasterWorksheet` writes each row's XML
        at once)."""
        width = len(columns)
        string, _, blank, _, end = cell_writers = self._cell_writers(width)
        writers = [self._writer(col, column, cell_writers) for col, column in enumerate(columns)]
        texts = [self._text_format(c) if c.kind == "text" else None for c in columns]
        marks = [c.kind == "mark" for c in columns]
        wrapping = [  # (index, width, lines of the texts seen) of the columns some value overflows
            (col, self.widths[col], {})
            for col, column in enumerate(columns)
            if column.kind in ("text", "mark") and longest[col] > self.widths[col] - 1
        ]
        set_row = self.ws.row_height if isinstance(self.ws, MasterWorksheet) else self.ws.set_row
        mark_format, mark_formats = self._mark_format, self._mark_formats
        blank_fmt = self.fmts.get(CELL)
        for cells in values:
            if len(cells) != width:
                raise ValueError(f"{len(cells)} values for {width} columns: {cells!r}")
            for col, value in enumerate(cells):
                if value is None or value == "":
                    blank(row, col, None, blank_fmt)  # keeps the cell's borders
                elif (text_fmt := texts[col]) is not None:
                    if len(value) > EXCEL_CELL_LIMIT:
                        value = cell_text(value)
                    string(row, col, value, text_fmt)
                elif marks[col]:
                    word, colours = value
                    known = mark_formats.get(id(colours))
                    if known is None or known[0] is not colours:
                        known = mark_format(colours)
                    string(row, col, word, known[1])
                else:
                    writers[col](row, value)
            end(row)
            lines = 1
            for index, room, known in wrapping:
                value = cells[index]
                text = value[0] if isinstance(value, tuple) else value
                if text:
                    count = known.get(text)
                    if count is None:
                        count = known[text] = wrapped_lines(text, room)
                    if count > lines:
                        lines = count
            if lines > 1:
                set_row(row, LINE_HEIGHT * lines + 2)
            row += 1
        return row

    def _cell_writers(self, width: int) -> RowWriters:
        """How `_rows` writes cells: `MasterWorksheet.row_writers`, or for any other worksheet
        (the tests' reference) XlsxWriter's undecorated `_write_string`, … (`write_string`, …
        without the check for A1 notation)."""
        ws = self.ws
        if isinstance(ws, MasterWorksheet):
            return ws.row_writers(width)
        return ws._write_string, ws._write_number, ws._write_blank, ws._write_datetime, _ignore

    def _text_format(self, column: Column):
        fmts = self.fmts
        return fmts.get(CELL, align=column.align) if column.align else fmts.get(CELL)

    def _mark_format(self, colours: Colours) -> tuple[Colours, object]:
        """(`colours`, the format of a word on them), kept by identity in `_mark_formats`
        (hashing `Colours` per cell costs more than writing it; `_rows` looks there first)."""
        known = self._mark_formats.get(id(colours))
        if known is None or known[0] is not colours:
            known = self._mark_formats[id(colours)] = (
                colours,
                self.fmts.get(CELL, xlsx_fill(colours)),
            )
        return known

    def _writer(
        self, col: int, column: Column, cell_writers: RowWriters
    ) -> Callable[[int, object], None] | None:
        """How a value of `column` is written; None for text and marks (`_rows` writes those)."""
        if column.kind in ("text", "mark"):
            return None
        fmts = self.fmts
        text_fmt = self._text_format(column)
        string, number, _, write_datetime, _ = cell_writers
        if column.kind in ("date", "datetime"):
            pattern = DATE_FORMAT if column.kind == "date" else DATETIME_FORMAT
            date_fmt = fmts.get(CELL, num_format=pattern, align="center")

            def when(row: int, value: date) -> None:
                write_datetime(row, col, value, date_fmt)

            return when
        if column.kind == "percent":
            percent_fmt = fmts.get(CELL, num_format=PERCENT_FORMAT)

            def share(row: int, value: float) -> None:
                number(row, col, value, percent_fmt)

            return share
        int_fmt = fmts.get(CELL, num_format=column.num_format or INT_FORMAT)
        decimal_fmt = fmts.get(CELL, num_format=DECIMAL_FORMAT)

        def count(row: int, value: object) -> None:
            if isinstance(value, tuple):  # a word instead of a count, e.g. "Chưa nộp"
                string(row, col, value[0], self._mark_format(value[1])[1])
            elif isinstance(value, str) or not math.isfinite(value):
                string(row, col, cell_text(str(value)), text_fmt)
            else:
                whole = float(value).is_integer()
                number(row, col, value, int_fmt if whole else decimal_fmt)

        return count

    def table(self, header_row: int, end: int, columns: Sequence[Column], name: str) -> None:
        """A filtered Excel table over the block written from `header_row` to `end`.

        Beyond TABLE_CELL_LIMIT cells only the filters are set: XlsxWriter keeps an entry per
        cell of a table, which at national scale costs a gigabyte and a quarter of the time.
        """
        if end <= header_row + 1:
            return
        if (end - header_row) * len(columns) > TABLE_CELL_LIMIT:
            self.ws.autofilter(header_row, 0, end - 1, len(columns) - 1)
            return
        head = self.fmts.get(HEAD)
        self.ws.add_table(
            header_row,
            0,
            end - 1,
            len(columns) - 1,
            {
                "name": name,
                "style": TABLE_STYLE,
                "columns": [{"header": c.header, "header_format": head} for c in columns],
            },
        )

    def finish(
        self,
        header_row: int,
        freeze_cols: int,
        last_col: int,
        *,
        repeat: int | bool = True,
        print_rows: int | None = None,
    ) -> None:
        """Freeze the header, and print on A4 landscape, one page wide, with a header row on
        every page: `header_row`, or the row `repeat` names (False: none). The print area
        covers the sheet, or its first `print_rows` rows."""
        ws = self.ws
        ws.freeze_panes(header_row + 1, freeze_cols)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        if repeat is not False:
            ws.repeat_rows(header_row if repeat is True else repeat)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.center_horizontally()
        ws.set_footer(f"&L&8{self.name}&R&8Trang &P/&N")
        last_row = ws.dim_rowmax or header_row
        ws.print_area(0, 0, last_row if print_rows is None else print_rows - 1, last_col)


SHEET_ROW_LIMIT = 50_000  # rows of a block beyond which it goes to a CSV file instead
DETAIL_FILE = "chi_tiet_chi_tieu"  # names of those CSV files after the master's own
TASKS_FILE = "tien_do_nhiem_vu"


def block_rows(facts: Figures) -> dict[str, int]:
    """Rows of the two blocks that can outgrow a sheet: indicator detail and tasks."""
    detail = sum(map(indicator_count, facts.listed))  # a kept report's not decoded for this
    return {DETAIL_FILE: detail, TASKS_FILE: len(facts.consolidation.tasks)}


def overflow_path(master: Path, name: str) -> Path:
    """Where a block too long for the master goes: "<master>_<name>.csv" beside it."""
    return master.with_name(f"{master.stem}_{name}.csv")


@dataclass
class Overflow:
    """Where blocks too long for a workbook that still opens quickly go: CSV files beside the
    master, `<master>_<name>.csv`, with the sheet's columns, in UTF-8 with a byte-order mark
    (so Excel shows the diacritics), written as part of the master's `generation`. The sheet
    then says how many rows went where."""

    master: Path
    generation: Generation
    limit: int = SHEET_ROW_LIMIT
    written: list[Path] = field(default_factory=list)
    # the files being written by forked children (`beside`): leaving it waits for them
    writing: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    # blocks the caller writes itself (name → the file it staged): not written here again
    elsewhere: Mapping[str, Path] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return overflow_path(self.master, name)

    def retire_unused(self) -> None:
        """Retire the CSV files of an earlier master whose blocks now fit in their sheets."""
        for name in (DETAIL_FILE, TASKS_FILE):
            if (path := self.path(name)) not in self.written and path.exists():
                self.generation.retire(path)

    def write(
        self,
        sheet: Sheet,
        row: int,
        columns: Sequence[Column],
        values: Iterable,
        name: str,
        count: int,
    ) -> None:
        target = self.path(name)
        if name not in self.elsewhere:
            staged = self.generation.stage(target)
            self.writing.enter_context(beside(_write_block, staged, columns, values))
        self.written.append(target)
        sheet.sentence(
            row,
            f"{thousands(count)} dòng"
            + f" — quá nhiều cho một trang tính — được ghi vào tệp «{target.name}» cạnh bảng tổng "
            "hợp (mở bằng Excel: Dữ liệu › Từ văn bản/CSV, mã UTF-8; hoặc bằng LibreOffice).",
        )
        sheet.finish(row, 0, len(columns) - 1, repeat=False)


def _write_block(path: Path, columns: Sequence[Column], values: Iterable) -> None:
    # UTF-8 with a byte-order mark, written here: the "utf-8-sig" codec costs a Python call
    # per row written
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow([column.header for column in columns])
        writer.writerows(map(_csv_converter(columns), values))


def _csv_converter(columns: Sequence[Column]) -> Callable[[Sequence], list]:
    """A row's cells as CSV values: marks as their word, dates day first, and a text that a
    spreadsheet would take for a formula behind an apostrophe, as in the CSV files
    (`csv_export.safe_text`: text a commune typed is never code). Only the columns that need
    it are touched: a national detail has millions of cells."""
    kinds = {kind: [i for i, c in enumerate(columns) if c.kind == kind] for kind in _CSV_KINDS}
    marks, dates, times = kinds["mark"], kinds["date"], kinds["datetime"]
    texts = kinds["text"] + kinds["number"]  # a value cell may hold the text as typed
    first = FORMULA_FIRST

    def convert(cells: Sequence) -> list:
        row = list(cells)
        for i in marks:
            row[i] = row[i][0] if row[i] else ""
        for i in dates:
            row[i] = f"{row[i]:%d/%m/%Y}" if row[i] else ""
        for i in times:
            row[i] = f"{row[i]:%d/%m/%Y %H:%M}" if row[i] else ""
        for i in texts:
            value = row[i]
            if value.__class__ is str and value[:1] in first:
                row[i] = "'" + value
        return row

    return convert


_CSV_KINDS = ("mark", "date", "datetime", "text", "number")


def write_all(book, fmts: FormatCache, facts: Figures, overflow: Overflow | None = None) -> None:
    """Every sheet. A province's or the country's master has its roll-up sheets («Theo tỉnh»
    when several provinces, «Theo huyện») instead of the one district's «Tiêu chí huyện»."""
    as_of = f"{facts.consolidation.as_of:%d/%m/%Y}"
    several = facts.several_districts
    writers = [write_summary]
    if several and len(facts.by_province()) > 1:
        writers.append(write_by_province)
    if several:
        writers.append(write_by_district)
    writers += [
        write_matrix,
        functools.partial(write_detail, overflow=overflow),
        functools.partial(write_tasks, overflow=overflow),
        write_submissions,
        write_issues,
    ]
    if not several:
        writers.append(write_district)
    for writer in writers:
        writer(book, fmts, facts, as_of)


def _place(facts: Figures) -> str:
    units = facts.consolidation.units
    if not units:
        return ""
    unit = units[0].unit
    if facts.several_districts:
        provinces = len(facts.by_province())
        return f"tỉnh {unit.province}" if provinces == 1 else f"{provinces} tỉnh"
    return ", ".join(filter(None, (unit.district, unit.province and f"tỉnh {unit.province}")))


def sheet_note(facts: Figures, text: str) -> str:
    """The italic line under a sheet's title: the place, `text`, when the master was made."""
    parts = [_place(facts), text]
    created = facts.consolidation.created
    if created:
        parts.append(f"lập lúc {created:%H:%M ngày %d/%m/%Y}")
    return " · ".join(p for p in parts if p)


# ----------------------------------------------------------------------------- Tổng hợp

SUMMARY_WIDTHS = {0: 44, 1: 12, 2: 12, 3: 11, 4: 11, 5: 11, 6: 46}
CHART_PAGE_PX = 640  # the tallest chart that still prints on one A4 landscape page


def write_summary(book, fmts: FormatCache, facts: Figures, as_of: str) -> None:
    c = facts.consolidation
    sheet = Sheet(
        book,
        fmts,
        SUMMARY,
        HEADER,
        f"BẢNG TỔNG HỢP KẾT QUẢ XÂY DỰNG NÔNG THÔN MỚI — ngày {as_of}",
        sheet_note(facts, f"Bộ tiêu chí: {c.catalog_set}"),
    )
    sheet.set_widths(SUMMARY_WIDTHS)
    _legend(sheet, 3)
    row = _summary_figures(sheet, facts, sheet.section(3, "I. TÌNH HÌNH CHUNG"))

    if facts.several_districts:
        row = _districts_summary(sheet, facts, sheet.section(row + 1, "II. THEO HUYỆN"))
    else:
        row = sheet.section(row + 1, "II. TIÊU CHÍ HUYỆN")
        if c.district is None:
            row = sheet.sentence(row, NO_DISTRICT)
        lines = [
            (f"{number}. {name}" if number else f"{name} ({note})" if note else name, mark)
            for number, name, mark, note in district_lines(facts)
        ]
        row = sheet.block(row, [Column("Tiêu chí huyện"), Column("Kết quả", "mark")], lines)

    breaks = [row + 1]  # page 1: key figures and the district; page 2: the plan and the units
    row = sheet.section(row + 1, "III. CHỈ TIÊU CỦA KẾ HOẠCH")
    if not facts.consolidation.targets:
        row = sheet.sentence(row, "Kế hoạch chưa có chỉ tiêu nào (trang «Chỉ tiêu»).")
    else:
        row = sheet.block(row, TARGET_COLUMNS, (_target_row(t) for t in facts.targets()))

    row = sheet.section(row + 1, "IV. THEO MỤC TIÊU PHẤN ĐẤU CỦA TỪNG XÃ")
    level_columns = [
        Column("Mục tiêu"),
        Column("Số đơn vị", "int"),
        Column("Đã nộp", "int"),
        Column("Đạt mục tiêu", "int"),
        Column("Chưa đạt mục tiêu", "int"),
        Column("Số tiêu chí xã NTM chưa đạt (cộng dồn)", "int"),
        Column("Đơn vị chưa đạt mục tiêu"),
    ]
    summaries = facts.levels()
    levels = [
        (
            level_label(s.level),
            s.units,
            s.submitted,
            s.meeting_all,
            s.units - s.meeting_all,
            s.criteria_missing,
            _lagging(s.lagging),
        )
        for s in summaries
    ]
    row = sheet.block(row, level_columns, levels)
    for summary in summaries:
        for note in summary.notes:
            row = sheet.sentence(
                row,
                f"{level_label(summary.level)}: {note}; không đơn vị nào được tính là đạt "
                "mức này khi chưa đối chiếu được.",
            )

    breaks.append(row + 1)  # the criteria on a page of their own, as the chart of them
    row = sheet.section(row + 1, "V. KẾT QUẢ THEO TỪNG TIÊU CHÍ (số đơn vị phải nộp)")
    keys = (Status.MET, Status.NOT_MET, Status.UNKNOWN, None)
    count_columns = [Column("Tiêu chí")] + [
        Column(STATUS_LABELS[k] if k else NOT_SUBMITTED_LABEL, "int") for k in keys
    ]
    counts = facts.criterion_counts()
    criteria_head = row
    row = sheet.block(
        row,
        count_columns,
        ([facts.criterion_label(k)] + [counts[k][key] for key in keys] for k in facts.criteria),
    )
    for col, colours in enumerate((GREEN, RED, AMBER, GREY), start=1):
        header = count_columns[col].header
        sheet.ws.write_string(criteria_head, col, header, fmts.get(HEAD, xlsx_fill(colours)))

    distribution = None
    if len(facts.listed) > PER_UNIT_CHART_LIMIT:
        row = sheet.section(row + 1, "VI. PHÂN BỐ SỐ TIÊU CHÍ ĐẠT (đơn vị đã nộp)")
        tally = [0] * (len(facts.criteria) + 1)
        for report in facts.listed:
            if report.submitted:
                tally[facts.met_count(report)] += 1
        distribution = (row + 1, row + len(tally))
        spread = [Column("Số tiêu chí đạt", "int"), Column("Số đơn vị", "int")]
        row = sheet.block(row, spread, enumerate(tally))

    if facts.listed and facts.criteria:
        breaks.append(row + 1)
        row = sheet.section(row + 1, "BIỂU ĐỒ")
        width_px = int(sum(w * 7 + 5 for w in SUMMARY_WIDTHS.values()))
        per_unit, height = _per_unit_chart(book, facts, distribution, width_px)
        sheet.ws.insert_chart(row, 0, per_unit, {"object_position": 1})
        row += math.ceil(height / 20) + 1
        breaks.append(row)
        stacked, height = _criteria_chart(book, facts, criteria_head, width_px)
        sheet.ws.insert_chart(row, 0, stacked, {"object_position": 1})
        row += math.ceil(height / 20) + 1
    sheet.ws.set_h_pagebreaks(breaks)

    sheet.finish(1, 0, len(SUMMARY_WIDTHS) - 1, repeat=False, print_rows=row)  # charts too
    sheet.ws.activate()


def _legend(sheet: Sheet, row: int) -> None:
    """The colour legend, on the first page beside the key figures: the word on its colour
    (columns E:F) and what it means (G); column D is left as a gap."""
    ws, fmts = sheet.ws, sheet.fmts
    ws.write_string(row, 4, "CHÚ GIẢI MÀU", fmts.get(bold=True, font_size=12))
    for word, colours, meaning in LEGEND:
        row += 1
        ws.merge_range(row, 4, row, 5, word, fmts.get(CELL, xlsx_fill(colours), align="center"))
        ws.write_string(row, 6, meaning, fmts.get(CELL))
        lines = wrapped_lines(meaning, SUMMARY_WIDTHS[6])
        if lines > 1:
            ws.set_row(row, LINE_HEIGHT * lines + 2)


TARGET_COLUMNS = [
    Column("Chỉ tiêu"),
    Column("Hạn", "date"),
    Column("Thời gian", "mark"),
    Column("Đã đạt", "int"),
    Column("Tổng số", "int"),
    Column("Mức"),
    Column("Tiến độ, ghi chú"),
]


def _target_row(target: TargetProgress) -> tuple:
    """A target of the plan: its deadline, days left (coloured) and progress."""
    if target.met:
        colours = GREEN
    elif target.days_left is None:
        colours = WHITE
    elif target.days_left < 0:
        colours = RED
    else:
        colours = AMBER if target.days_left <= 7 else BLUE
    detail = target.progress
    if target.units:
        detail += " — " + ", ".join(target.units)
    return (
        f"{target.code}. {target.text}" if target.code else target.text,
        target.due,
        (target.when, colours),
        target.done,
        target.total,
        level_label(target.level),
        detail,
    )


def _lagging(names: list[str]) -> str:
    """The units not yet meeting all criteria, or how many when too many to list in a cell."""
    if len(names) <= PER_UNIT_CHART_LIMIT:
        return ", ".join(names)
    return (
        f"{thousands(len(names))} đơn vị"
        + f" — quá nhiều để liệt kê: lọc trang «{MATRIX}» theo cột «Số tiêu chí đạt»"
    )


def _summary_figures(sheet: Sheet, facts: Figures, row: int) -> int:
    """Key figures: label, value (number, date or ratio), and a word beside the ratio."""
    c, fmts, ws = facts.consolidation, sheet.fmts, sheet.ws
    n = len(facts.criteria)
    expected = facts.expected
    met_communes, communes = facts.precondition()
    severities = facts.issue_counts()
    tasks = facts.task_counts()
    not_submitted = len(facts.missing)
    ok = communes > 0 and met_communes == communes
    ratio_status = Status.MET if ok else Status.NOT_MET
    out_of = f'0"/{len(expected)}"'
    beside: dict[int, str] = {}  # words in the next column, by index in `figures`
    figures: list[tuple[str, object, str, Colours | None]] = [
        ("Ngày báo cáo", c.as_of, DATE_FORMAT, None),
        ("Số đơn vị phải nộp báo cáo", len(expected), INT_FORMAT, None),
        ("Số đơn vị đã nộp", len(facts.submitted), out_of, None),
        ("Số đơn vị nộp đúng hạn", len(facts.on_time), out_of, None),
        ("Số đơn vị chưa nộp", not_submitted, out_of, GREY if not_submitted else None),
        (f"Số đơn vị đạt đủ {n} tiêu chí", len(facts.meeting_all), out_of, None),
        ("Số xã đạt đủ tiêu chí / tổng số xã", met_communes, f'0"/{communes}"', None),
        (
            "Tỷ lệ xã đạt chuẩn (điều kiện huyện NTM: 100%)",
            met_communes / communes if communes else 0.0,
            PERCENT_FORMAT,
            STATUS_COLOURS[ratio_status],
        ),
    ]
    for severity, label in SEVERITY_FIGURES.items():
        count = severities.get(severity)
        figures.append((label, count, INT_FORMAT, SEVERITY_COLOURS[severity] if count else None))
        if severity is Severity.ERROR:
            errors, units = facts.workbook_errors()
            figures.append((f"   trong đó {WORKBOOK_ERRORS}", errors, INT_FORMAT, None))
            beside[len(figures) - 1] = f"ở {units} đơn vị"
    for state in (TaskState.OVERDUE, TaskState.DUE_SOON, TaskState.DONE):
        count = tasks.get(state, 0)
        label = f"Số nhiệm vụ {TASK_STATE_LABELS[state].lower()}"
        figures.append((label, count, INT_FORMAT, TASK_STATE_COLOURS[state] if count else None))
    figures.append(("Tổng số nhiệm vụ theo dõi", len(c.tasks), INT_FORMAT, None))
    label_fmt = fmts.get(CELL)
    for index, (label, value, pattern, colours) in enumerate(figures):
        fmt = fmts.get(CELL, xlsx_fill(colours) if colours else {}, num_format=pattern)
        ws.write_string(row, 0, label, label_fmt)
        if isinstance(value, date):
            ws.write_datetime(row, 1, value, fmt)
        else:
            ws.write_number(row, 1, value, fmt)
        # words beside a number (right-aligned) are indented, so that the two never touch
        if pattern == PERCENT_FORMAT:
            word, colours = status_mark(ratio_status)
            ws.write_string(
                row, 2, word, fmts.get(CELL, xlsx_fill(colours), align="left", indent=1)
            )
        elif index in beside:
            ws.write_string(row, 2, beside[index], fmts.get(CELL, align="left", indent=1))
        row += 1
    return row


def _per_unit_chart(book, facts: Figures, distribution, width_px: int):
    """Criteria met by each unit (bars from the matrix), or by how many units when many."""
    n = len(facts.criteria)
    if distribution is None:
        listed, count_col = facts.listed, len(matrix_lead(facts)) + n
        chart = book.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": "Số tiêu chí đạt",
                "categories": [MATRIX, 3, 1, 2 + len(listed), 1],
                "values": [MATRIX, 3, count_col, 2 + len(listed), count_col],
                "points": [
                    {"fill": {"color": f"#{(GREEN if facts.meets_all(r) else RED).chart}"}}
                    for r in listed
                ],
                "data_labels": {"value": True, "font": {"size": 8}},
                "gap": 40,
            }
        )
        chart.set_title({"name": "Số tiêu chí đạt của từng đơn vị", "name_font": {"size": 12}})
        chart.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": {"size": 9}})
        chart.set_x_axis({"min": 0, "max": n, "major_unit": 2, "num_font": {"size": 9}})
        height = min(CHART_PAGE_PX, 22 * len(listed) + 90)
    else:
        first, last = distribution
        chart = book.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": "Số đơn vị",
                "categories": [SUMMARY, first, 0, last, 0],
                "values": [SUMMARY, first, 1, last, 1],
                "fill": {"color": f"#{BLUE.chart}"},
                "data_labels": {"value": True, "font": {"size": 8}},
                "gap": 30,
            }
        )
        chart.set_title({"name": "Số đơn vị theo số tiêu chí đạt", "name_font": {"size": 12}})
        chart.set_x_axis({"name": "Số tiêu chí đạt", "num_font": {"size": 9}})
        height = 360
    chart.set_legend({"none": True})
    chart.set_size({"width": width_px, "height": height})
    return chart, height


def _criteria_chart(book, facts: Figures, head: int, width_px: int):
    """Stacked bars: per criterion, how many units meet it, miss it, are unclear or absent."""
    first, last = head + 1, head + len(facts.criteria)
    chart = book.add_chart({"type": "bar", "subtype": "stacked"})
    for col, colours in enumerate((GREEN, RED, AMBER, GREY), start=1):
        chart.add_series(
            {
                "name": [SUMMARY, head, col],
                "categories": [SUMMARY, first, 0, last, 0],
                "values": [SUMMARY, first, col, last, col],
                "fill": {"color": f"#{colours.chart}"},
                "border": {"color": "#FFFFFF"},
                "gap": 40,
            }
        )
    chart.set_title({"name": "Tình trạng từng tiêu chí (số đơn vị)", "name_font": {"size": 12}})
    chart.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": {"size": 9}})
    chart.set_x_axis({"min": 0, "max": max(1, len(facts.expected)), "num_font": {"size": 9}})
    chart.set_legend({"position": "bottom"})
    height = min(CHART_PAGE_PX, 22 * len(facts.criteria) + 120)
    chart.set_size({"width": width_px, "height": height})
    return chart, height


def _districts_summary(sheet: Sheet, facts: Figures, row: int) -> int:
    """A province's or the country's districts in four figures; the detail is «Theo huyện»."""
    districts = [area for area in facts.by_district() if area.assessed]
    communes_done = sum(1 for a in districts if a.communes and a.meeting_all == a.communes)
    lines = [
        ("Số huyện đánh giá theo bộ tiêu chí huyện", len(districts)),
        ("Số huyện đã nộp biểu tự đánh giá", sum(a.district_submitted for a in districts)),
        ("Số huyện có 100% số xã đạt đủ tiêu chí", communes_done),
        ("Số huyện đạt đủ tiêu chí huyện", sum(a.district_met for a in districts)),
    ]
    row = sheet.block(row, [Column("Huyện"), Column("Số huyện", "int")], lines)
    return sheet.sentence(row, f"Chi tiết từng huyện: trang «{BY_DISTRICT}».")


# ------------------------------------------------------------------------- Theo huyện, theo tỉnh


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _district_state(area: DistrictFigures) -> tuple[Mark, Mark | None, Mark | None, str]:
    """(its workbook, its criteria met, meets the standard, criteria not met) of a district."""
    if not area.assessed:
        return ("Không đánh giá", WHITE), None, None, ""
    report = area.report
    if not report.submitted:
        return (NO, GREY), None, (NOT_SUBMITTED_LABEL, NOT_SUBMITTED_COLOURS), ""
    met, total = sum(c.status is Status.MET for c in report.criteria), len(report.criteria)
    lagging = [
        f"{c.criterion_no}. {c.name} ({STATUS_LABELS[c.status].lower()})"
        for c in sorted(report.criteria, key=lambda c: c.criterion_no)
        if c.status is not Status.MET
    ]
    return (
        (YES, GREEN),
        (f"{met}/{total}", GREEN if met == total else RED),
        status_mark(Status.MET if area.district_met else Status.NOT_MET),
        "; ".join(lagging),
    )


def write_by_district(book, fmts: FormatCache, facts: Figures, as_of: str) -> None:
    """One row per district: its communes' submissions and results, its own criteria."""
    sheet = Sheet(
        book,
        fmts,
        BY_DISTRICT,
        GREEN,
        f"BẢNG TỔNG HỢP THEO HUYỆN — ngày {as_of}",
        sheet_note(
            facts,
            "Xã: các xã phải nộp báo cáo; huyện đạt chuẩn: đạt đủ tiêu chí huyện, kể cả "
            "điều kiện 100% số xã đạt chuẩn",
        ),
    )
    areas = facts.by_district()
    several_provinces = len({a.province for a in areas}) > 1
    columns = [
        *([Column("Tỉnh", cap=16)] if several_provinces else []),
        Column("Huyện", cap=24),
        Column("Số xã phải nộp", "int", cap=9),
        Column("Số xã đã nộp", "int", cap=9),
        Column("Tỷ lệ nộp", "percent", cap=9),
        Column("Số xã đạt đủ tiêu chí", "int", cap=10),
        Column("Tỷ lệ xã đạt", "percent", cap=9),
        Column("Biểu tự đánh giá của huyện", "mark", cap=12),
        Column("Tiêu chí huyện đạt", "mark", cap=10),
        Column("Huyện đạt chuẩn", "mark", cap=10),
        Column("Tiêu chí huyện chưa đạt hoặc chưa rõ", cap=60, least=30),
    ]
    rows = [
        (
            *([area.province] if several_provinces else []),
            area.name,
            area.communes,
            area.submitted,
            _share(area.submitted, area.communes),
            area.meeting_all,
            _share(area.meeting_all, area.communes),
            *_district_state(area),
        )
        for area in areas
    ]
    header_row = 2
    end = sheet.block(header_row, columns, rows)
    _totals(sheet, end, len(columns) - 10, areas)
    sheet.ws.autofilter(header_row, 0, max(end - 1, header_row), len(columns) - 1)
    sheet.finish(header_row, len(columns) - 10, len(columns) - 1)


def _totals(sheet: Sheet, row: int, col: int, areas: Sequence[DistrictFigures]) -> None:
    """The «Cộng» line under the district rows: counts and shares of the whole."""
    fmts, ws = sheet.fmts, sheet.ws
    bold, percent = fmts.get(CELL, bold=True), fmts.get(CELL, bold=True, num_format=PERCENT_FORMAT)
    communes = sum(a.communes for a in areas)
    submitted = sum(a.submitted for a in areas)
    meeting = sum(a.meeting_all for a in areas)
    assessed = [a for a in areas if a.assessed]
    ws.write_string(row, col, "Cộng", bold)
    for offset, value in enumerate((communes, submitted, None, meeting), start=1):
        if value is not None:
            ws.write_number(row, col + offset, value, bold)
    for offset, share in ((3, _share(submitted, communes)), (5, _share(meeting, communes))):
        if share is not None:
            ws.write_number(row, col + offset, share, percent)
    sent = sum(a.district_submitted for a in assessed)
    ws.write_string(row, col + 6, f"{sent}/{len(assessed)}", bold)
    ws.write_string(row, col + 8, f"{sum(a.district_met for a in assessed)}/{len(assessed)}", bold)


def write_by_province(book, fmts: FormatCache, facts: Figures, as_of: str) -> None:
    """One row per province: its districts and its communes added up."""
    sheet = Sheet(
        book,
        fmts,
        BY_PROVINCE,
        BLUE,
        f"BẢNG TỔNG HỢP THEO TỈNH — ngày {as_of}",
        sheet_note(facts, f"Chi tiết từng huyện: trang «{BY_DISTRICT}»"),
    )
    columns = [
        Column("Tỉnh", cap=20),
        Column("Số huyện đánh giá", "int", cap=9),
        Column("Số huyện đã nộp biểu", "int", cap=9),
        Column("Số huyện đạt chuẩn", "int", cap=9),
        Column("Số xã phải nộp", "int", cap=9),
        Column("Số xã đã nộp", "int", cap=9),
        Column("Tỷ lệ nộp", "percent", cap=9),
        Column("Số xã đạt đủ tiêu chí", "int", cap=10),
        Column("Tỷ lệ xã đạt", "percent", cap=9),
    ]
    provinces: list[ProvinceFigures] = facts.by_province()
    rows = [
        (
            p.name,
            p.districts,
            p.districts_submitted,
            p.districts_met,
            p.communes,
            p.submitted,
            _share(p.submitted, p.communes),
            p.meeting_all,
            _share(p.meeting_all, p.communes),
        )
        for p in provinces
    ]
    header_row = 2
    end = sheet.block(header_row, columns, rows)
    bold = fmts.get(CELL, bold=True)
    sheet.ws.write_string(end, 0, "Cả nước" if len(provinces) > 30 else "Cộng", bold)
    for col in (1, 2, 3, 4, 5, 7):
        sheet.ws.write_number(end, col, sum(r[col] for r in rows), bold)
    sheet.ws.autofilter(header_row, 0, max(end - 1, header_row), len(columns) - 1)
    sheet.finish(header_row, 1, len(columns) - 1)


# ----------------------------------------------------------------------------- Ma trận tiêu chí


def matrix_lead(facts: Figures) -> list[Column]:
    """The matrix's columns before the criteria (a province's has the district)."""
    district = [Column("Huyện", cap=18)] if facts.several_districts else []
    return [
        Column("Mã ĐV", cap=8),
        Column("Đơn vị", cap=22),
        *district,
        Column("Mục tiêu", cap=11, least=9),
    ]


def write_matrix(book, fmts: FormatCache, facts: Figures, as_of: str) -> None:
    sheet = Sheet(
        book,
        fmts,
        MATRIX,
        GREEN,
        f"BẢNG TỔNG HỢP MỨC ĐỘ ĐẠT TIÊU CHÍ CỦA CÁC ĐƠN VỊ — ngày {as_of}",
        "",
    )
    ws = sheet.ws
    n = len(facts.criteria)
    ws.write_string(1, 1, "Chú giải:", fmts.get(italic=True, align="right", valign="top"))
    legend = [status_mark(s) for s in Status] + [(NOT_SUBMITTED_MARK, NOT_SUBMITTED_COLOURS)]
    for col, (word, colours) in enumerate(legend, start=2):
        ws.write_string(1, col, word, fmts.get(CELL, xlsx_fill(colours), align="center"))
    ws.set_row(1, 2 * LINE_HEIGHT)

    lead = matrix_lead(facts)
    first = len(lead)  # the first criterion's column
    columns = [
        *lead,
        *(Column(facts.criterion_label(k), "mark") for k in facts.criteria),
        Column("Số tiêu chí đạt", "int", num_format=f'0"/{n}"'),
    ]
    several = facts.several_districts
    marks = {s: status_mark(s) for s in Status}
    not_submitted = (NOT_SUBMITTED_MARK, NOT_SUBMITTED_COLOURS)
    absent = (NOT_SUBMITTED_LABEL, NOT_SUBMITTED_COLOURS)
    values = []
    met = [0] * n  # expected units meeting each criterion, for the totals row
    for report in facts.listed:
        unit = report.unit
        if report.submitted:
            statuses = [facts.status(report, k) for k in facts.criteria]
            cells = [marks[s] for s in statuses]
            total = facts.met_count(report)
            if unit.expected:
                met = [m + (s is Status.MET) for m, s in zip(met, statuses, strict=True)]
        else:
            cells, total = [not_submitted] * n, absent
        where = [unit.district] if several else []
        values.append([unit.code, unit.name, *where, level_label(unit.target_level), *cells, total])

    header_row = 2
    sheet.set_widths({col: 7.2 for col in range(first, first + n)} | {first + n: 9})
    end = sheet.block(header_row, columns, values)
    sheet.header(header_row, columns[first:-1], first_col=first, rotation=90)
    longest = max((len(c.header) for c in columns[first:-1]), default=10)
    ws.set_row(header_row, min(170, 3.3 * longest + 14))
    ws.autofilter(header_row, 0, max(end - 1, header_row), len(columns) - 1)

    total_fmt = fmts.get(CELL, bold=True, num_format=f'0"/{len(facts.expected)}"')
    ws.write_string(end, 1, "Số đơn vị đạt", fmts.get(CELL, bold=True))
    for col, count in enumerate(met, start=first):
        ws.write_number(end, col, count, total_fmt)
    sheet.finish(header_row, 2, len(columns) - 1)


# ----------------------------------------------------------------------------- Chỉ tiêu chi tiết


def detail_block(facts: Figures) -> tuple[list[Column], Iterator[tuple]]:
    """The indicator detail's columns and rows (in the sheet, or in its CSV file)."""
    columns = [
        Column("Mã ĐV", cap=8),
        Column("Đơn vị", cap=18),
        Column("Tiêu chí", cap=22),
        Column("Mã chỉ tiêu", cap=9),
        Column("Chỉ tiêu", cap=18),
        Column("Kết quả", "number", cap=12),
        Column("Tự đánh giá", "mark", cap=12),
        Column("Đánh giá theo số liệu", "mark", cap=11),
        Column("Kết quả cuối", "mark", cap=11),
        Column("Tệp", cap=30),
        Column("Trang", cap=16),
        Column("Ô", cap=6, least=5),
    ]
    words = {s: (STATUS_LABELS[s], STATUS_COLOURS[s]) for s in Status}
    contradicted = {
        s: (STATUS_LABELS[s] + CONTRADICTED_SUFFIX, CONTRADICTED_COLOURS) for s in Status
    }
    labels = {k: facts.criterion_label(k) for k in facts.criteria}

    def rows():
        for report in facts.listed:
            unit = report.unit
            file_name = report.submission.file_name if report.submission else ""
            for ind in report.indicators:
                computed, claimed = ind.computed_status, ind.self_assessment
                clash = Status.UNKNOWN not in (computed, claimed) and computed is not claimed
                yield (
                    unit.code,
                    unit.name,
                    labels.get(ind.criterion_no) or facts.criterion_label(ind.criterion_no),
                    ind.indicator_code,
                    ind.threshold,
                    ind.raw if ind.value is None else ind.value,
                    (contradicted if clash else words)[claimed],
                    words[computed],
                    words[ind.status],
                    ind.file or file_name,
                    ind.sheet,
                    ind.cell,
                )

    return columns, rows()


def write_detail_csv(path: Path, facts: Figures) -> None:
    """The indicator detail as the CSV file `Overflow` writes when it outgrows its sheet."""
    _write_block(path, *detail_block(facts))


def write_detail(
    book, fmts: FormatCache, facts: Figures, as_of: str, overflow: Overflow | None = None
) -> None:
    sheet = Sheet(
        book,
        fmts,
        DETAIL,
        BLUE,
        f"BẢNG TỔNG HỢP CHI TIẾT CÁC CHỈ TIÊU — ngày {as_of}",
        sheet_note(
            facts,
            "Kết quả cuối: theo số liệu khi đánh giá được; chỉ tiêu tính bằng số mà thiếu số liệu "
            "hợp lệ là chưa rõ; chỉ tiêu khác theo tự đánh giá",
        ),
    )
    columns, rows = detail_block(facts)
    header_row = 2
    count = block_rows(facts)[DETAIL_FILE]
    if overflow is not None and count > overflow.limit:
        overflow.write(sheet, header_row, columns, rows, DETAIL_FILE, count)
        return
    end = sheet.block(header_row, columns, rows)
    sheet.table(header_row, end, columns, "ChiTieuChiTiet")
    if end == header_row + 1:
        sheet.sentence(end, "Chưa có đơn vị nào nộp số liệu chỉ tiêu.")
    sheet.finish(header_row, 2, len(columns) - 1, print_rows=header_row + 1)
    rows = thousands(end - header_row - 1)
    sheet.ws.set_header(f"&L&8{DETAIL_PRINT_NOTE.format(rows=rows)}")


# ----------------------------------------------------------------------------- Tiến độ nhiệm vụ


def write_tasks(
    book, fmts: FormatCache, facts: Figures, as_of: str, overflow: Overflow | None = None
) -> None:
    c = facts.consolidation
    sheet = Sheet(
        book,
        fmts,
        TASKS,
        AMBER,
        f"BẢNG THEO DÕI TIẾN ĐỘ NHIỆM VỤ — ngày {as_of}",
        sheet_note(
            facts, "Xếp theo: quá hạn, sắp đến hạn, đang thực hiện, chưa có hạn, đã hoàn thành"
        ),
    )
    columns = [
        Column("Nguồn", cap=10, least=9),
        Column("Mã", cap=9, least=6),
        Column("Mục", cap=18),
        Column("Đơn vị", cap=15),
        Column("Tiêu chí", cap=16),
        Column("Nhiệm vụ", cap=42, least=24),
        Column("Mốc", cap=10, least=5),
        Column("Chủ trì, phối hợp", cap=18),
        Column("Người chỉ đạo", cap=16),
        Column("Người thực hiện", cap=18),
        Column("Lặp lại", cap=12),
        Column("Thời hạn", cap=18),
        Column("Hạn", "date"),
        Column("Tình trạng", "mark", cap=12),
        Column("Số ngày quá hạn", "int", cap=8, least=7),
        Column("Ghi chú", cap=30),
    ]
    district_names = (
        {r.criterion_no: r.name for r in c.district.criteria} if c.district is not None else {}
    )
    states = {s: (TASK_STATE_LABELS[s], TASK_STATE_COLOURS[s]) for s in TaskState}

    def criterion(task) -> str:
        if task.source == "plan":
            return criterion_text(task, district_names)
        return facts.criterion_label(task.criterion_no) or task.section or "—"

    def unit(task) -> str:
        if task.unit_code:
            return facts.unit_names.get(task.unit_code, task.unit_code)
        if task.units:
            return units_text(task, facts.unit_names)
        return "Toàn huyện"

    def lead(task) -> str:
        partners = f"phối hợp: {', '.join(task.partners)}" if task.partners else ""
        return "; ".join(p for p in (", ".join(task.lead), partners) if p)

    order = sorted(
        enumerate(c.tasks),
        key=lambda item: (TASK_ORDER[item[1].state], item[1].task.due or date.max, item[0]),
    )

    def rows():
        for _, status in order:
            task = status.task
            yield (
                SOURCE_LABELS.get(task.source, task.source),
                task.task_id,
                task.section,
                unit(task),
                criterion(task),
                task.text,
                task.milestone,
                lead(task),
                ", ".join(task.directors),
                ", ".join(task.owners),
                task.recurrence,
                task.deadline_text,
                task.due,
                states[status.state],
                status.days_late or None,
                task.note,
            )

    header_row = 2
    count = block_rows(facts)[TASKS_FILE]
    if overflow is not None and count > overflow.limit:
        overflow.write(sheet, header_row, columns, rows(), TASKS_FILE, count)
        return
    end = sheet.block(header_row, columns, rows())
    sheet.table(header_row, end, columns, "TienDoNhiemVu")
    if end == header_row + 1:
        sheet.sentence(end, "Chưa có nhiệm vụ nào được theo dõi.")
    sheet.finish(header_row, 2, len(columns) - 1)


# ----------------------------------------------------------------------------- Nộp báo cáo


def write_submissions(book, fmts: FormatCache, facts: Figures, as_of: str) -> None:
    sheet = Sheet(
        book,
        fmts,
        SUBMISSIONS,
        BLUE,
        f"BẢNG TỔNG HỢP TÌNH HÌNH NỘP BÁO CÁO — ngày {as_of}",
        sheet_note(facts, "Mã kiểm tra: 12 ký tự đầu của mã SHA-256 của tệp đã dùng"),
    )
    columns = [
        Column("Mã", cap=8),
        Column("Đơn vị", cap=22),
        Column("Mục tiêu", cap=11, least=9),
        Column("Phải nộp", cap=8),
        Column("Đã nộp", "mark", cap=8),
        Column("Tệp", cap=34),
        Column("Ngày ký báo cáo", "date"),
        Column("Ngày sửa tệp", "datetime"),
        Column("Đúng hạn", "mark", cap=8),
        Column("Mã kiểm tra", cap=14),
        Column("Số lỗi", "int", cap=7),
        Column("Số cảnh báo", "int", cap=9),
    ]
    units = sorted(facts.consolidation.units, key=lambda r: not r.unit.expected)
    on_time = {True: (YES, GREEN), False: (NO, AMBER)}

    def rows():
        for report in units:
            unit, sub = report.unit, report.submission
            yield (
                unit.code,
                unit.name,
                level_label(unit.target_level),
                YES if unit.expected else NO,
                (YES, GREEN) if sub else (NO, GREY if unit.expected else WHITE),
                sub.file_name if sub else "",
                sub.report_date if sub else None,
                sub.modified if sub else None,
                on_time.get(report.on_time),
                sub.sha256[:12] if sub else "",
                report.errors,
                report.warnings,
            )

    header_row = 2
    end = sheet.block(header_row, columns, rows())
    sheet.table(header_row, end, columns, "NopBaoCao")
    sheet.finish(header_row, 2, len(columns) - 1)


# ----------------------------------------------------------------------------- Lỗi dữ liệu


def write_issues(book, fmts: FormatCache, facts: Figures, as_of: str) -> None:
    sheet = Sheet(
        book,
        fmts,
        ISSUES,
        RED,
        f"BẢNG TỔNG HỢP LỖI DỮ LIỆU — ngày {as_of}",
        sheet_note(facts, "Xếp theo mức độ rồi theo đơn vị; nội dung ghi cách sửa"),
    )
    columns = [
        Column("Mức độ", "mark", cap=10),
        Column("Mã lỗi", cap=16),
        Column("Loại lỗi", cap=22),
        Column("Đơn vị", cap=22),
        Column("Tệp", cap=24),
        Column("Trang", cap=14),
        Column("Ô", cap=6, least=5),
        Column("Nội dung", cap=60, least=30),
    ]
    position = {r.unit.code: i for i, r in enumerate(facts.consolidation.units)}
    unplaced = len(position)
    issues = sorted(
        enumerate(facts.consolidation.issues),
        key=lambda item: (
            SEVERITY_ORDER.get(item[1].severity, 3),
            position.get(item[1].unit_code, unplaced),
            item[0],
        ),
    )
    severities = {s: (SEVERITY_LABELS[s], SEVERITY_COLOURS[s]) for s in SEVERITY_COLOURS}

    def rows():
        for _, issue in issues:
            kind = ISSUE_TYPES.get(issue.code)
            yield (
                severities[issue.severity],
                issue.code,
                kind.title if kind else "",
                facts.unit_label(issue.unit_code) if issue.unit_code else "",
                issue.file,
                issue.sheet,
                issue.cell,
                issue.message,
            )

    header_row = 2
    end = sheet.block(header_row, columns, rows())
    sheet.table(header_row, end, columns, "LoiDuLieu")
    if end == header_row + 1:
        sheet.sentence(end, "Không có lỗi dữ liệu.")
    sheet.finish(header_row, 1, len(columns) - 1)


# ----------------------------------------------------------------------------- Tiêu chí huyện


DISTRICT_COLUMNS = [
    Column("TT", cap=8, least=7),
    Column("Tiêu chí", cap=48, least=36),
    Column("Kết quả", "mark", cap=14, least=14),
    Column("Ghi chú", cap=60, least=40),
]


def district_lines(facts: Figures) -> list[tuple[str, str, Mark | None, str]]:
    """(number, criterion, status word, note) of the district: the precondition first."""
    district = facts.consolidation.district
    met, communes = facts.precondition()
    ok = communes > 0 and met == communes
    lines = [
        (
            "",
            "Điều kiện: 100% số xã đạt chuẩn nông thôn mới",
            status_mark(Status.MET if ok else Status.NOT_MET),
            f"{met}/{communes} xã đạt đủ tiêu chí",
        )
    ]
    if district is not None:
        results = sorted(district.criteria, key=lambda r: r.criterion_no)
        lines += [(str(r.criterion_no), r.name, status_mark(r.status), "") for r in results]
        done = sum(1 for r in results if r.status is Status.MET)
        colours = GREEN if done == len(results) else RED
        lines.append(("", "Số tiêu chí huyện đạt", (f"{done}/{len(results)}", colours), ""))
    return lines


def write_district(book, fmts: FormatCache, facts: Figures, as_of: str) -> None:
    sheet = Sheet(
        book,
        fmts,
        DISTRICT,
        RED if facts.consolidation.district is None else GREEN,
        f"BẢNG TỔNG HỢP TIÊU CHÍ HUYỆN NÔNG THÔN MỚI — ngày {as_of}",
        sheet_note(facts, ""),
    )
    header_row = 2
    if facts.consolidation.district is None:
        header_row = sheet.sentence(header_row, NO_DISTRICT)
    row = sheet.block(header_row, DISTRICT_COLUMNS, district_lines(facts))

    row = sheet.section(row + 1, "CÁC XÃ CHƯA ĐẠT ĐỦ TIÊU CHÍ")
    lagging = [r for r in facts.communes if not facts.meets_all(r)]
    if not lagging:
        sheet.sentence(row, "Tất cả các xã đã đạt đủ tiêu chí.")
    else:
        n = len(facts.criteria)

        def describe(report) -> tuple[Mark, str]:
            if not report.submitted:
                return (NOT_SUBMITTED_LABEL, NOT_SUBMITTED_COLOURS), "Chưa nộp báo cáo"
            missing = [
                f"{facts.criterion_label(k)} ({STATUS_LABELS[facts.status(report, k)].lower()})"
                for k in facts.criteria
                if facts.status(report, k) is not Status.MET
            ]
            return (f"{facts.met_count(report)}/{n}", RED), "; ".join(missing)

        columns = [
            Column("Mã ĐV"),
            Column("Xã"),
            Column("Số tiêu chí đạt", "mark"),
            Column("Tiêu chí chưa đạt hoặc chưa rõ"),
        ]
        sheet.block(row, columns, ((r.unit.code, r.unit.name, *describe(r)) for r in lagging))
    # The district's criteria fit on the first page; the list of communes may run on.
    repeat = row if lagging else False
    sheet.finish(header_row, 0, len(DISTRICT_COLUMNS) - 1, repeat=repeat)
