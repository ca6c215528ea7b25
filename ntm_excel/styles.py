"""The colours and words every workbook the office receives uses for a status.

A colour never stands alone: each coloured cell also carries a word (and a symbol), so a sheet
printed in black and white or read by a colour-blind official says the same thing.
Colours are RGB hex strings without "#"; `xlsx_fill()` turns a pair into XlsxWriter properties.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import textwrap
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import xlsxwriter
import xlsxwriter.xmlwriter
from xlsxwriter.exceptions import FileCreateError

from ntm_excel.atomic import atomic_path
from ntm_excel.issues import SEVERITY_LABELS, Severity
from ntm_excel.model import TASK_STATE_LABELS, Status, TaskState
from ntm_excel.text import memoised_text, thousands

# XlsxWriter options for every workbook we write: text stays text. By default XlsxWriter turns
# a string starting with "=" into a formula and "http…" into a link; a commune's text is data.
TEXT_ONLY = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def close_xlsx(workbook: xlsxwriter.Workbook) -> None:
    """Close an XlsxWriter workbook: a failure to write (a full disk or temporary folder) is a
    plain OSError, not XlsxWriter's FileCreateError, which is not one."""
    try:
        workbook.close()
    except FileCreateError as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
        raise cause or OSError(str(exc)) from exc


@contextlib.contextmanager
def xlsx_output(path: Path | str, options: dict) -> Iterator[xlsxwriter.Workbook]:
    """An XlsxWriter workbook made in memory and written to `path` in one go, atomically, when
    the block ends: a full or read-only disk is an OSError naming `path`, and the half-written
    archive never complains again when it is collected."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, **options})
    yield workbook
    close_xlsx(workbook)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getbuffer())


# Text holding "_xHHHH_" is read by Excel as an escaped character ("_x000A_" is a line break), and
# by LibreOffice with one to four digits ("_xa_", as in the file name "TDG_xa_cam_binh.xls").
# Every workbook we write escapes the underscore that starts such a sequence ("_x005F_"), so the
# text shows as typed: XlsxWriter escapes only four digits, and misses overlapping sequences
# ("_x000A_x000A_"), so its pattern is replaced here (it substitutes "_x005F" + group 1);
# openpyxl escapes nothing, so text written with it goes through `ooxml_text`.
STARTS_ESCAPE = re.compile(r"(_)(?=x[0-9A-Fa-f]{1,4}_)")
xlsxwriter.xmlwriter.re_control_chars_1 = STARTS_ESCAPE


# Control characters cannot be written in XML at all: a commune's cell holding one (a BEL
# pasted from another program) made openpyxl refuse the feedback workbook, and `consolidate`
# stop with nothing written. They are written as Excel does, "_x0007_" (XlsxWriter does so).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def ooxml_text(text: str) -> str:
    """`text` as an OOXML cell keeps it, whatever "_x…_" sequences and control characters it
    holds."""
    if "_x" in text:
        text = STARTS_ESCAPE.sub("_x005F_", text)
    return _CONTROL.sub(lambda found: f"_x{ord(found[0]):04X}_", text)


HEADER_FORMAT = {
    "bold": True,
    "font_color": "white",
    "bg_color": "#1F4E78",
    "border": 1,
    "text_wrap": True,
    "valign": "vcenter",
}

EXCEL_CELL_LIMIT = 32_767  # characters one cell holds; XlsxWriter silently drops the rest


def cell_text(text: str) -> str:
    """`text` as one cell can hold it: when longer than Excel allows, cut with a visible note
    saying how much was left out and where the whole text is."""
    if len(text) <= EXCEL_CELL_LIMIT:
        return text
    keep = EXCEL_CELL_LIMIT - 120  # room for the note
    left_out = thousands(len(text) - keep)
    return (
        f"{text[:keep]}… [đã cắt bớt {left_out} ký tự: một ô Excel chứa tối đa 32.767 ký tự; "
        "xem đầy đủ trong biểu gốc]"
    )


@dataclass(frozen=True)
class Colours:
    """A pale fill with a dark text colour of the same hue (readable, and fine on a printer)."""

    fill: str
    font: str
    chart: str  # a stronger shade for chart bars


GREEN = Colours("C6EFCE", "006100", "4E9A3A")
RED = Colours("FFC7CE", "9C0006", "C0392B")
AMBER = Colours("FFEB9C", "7F5F00", "E6A700")
GREY = Colours("D9D9D9", "3A3A3A", "9E9E9E")
BLUE = Colours("DDEBF7", "1F4E78", "2E75B6")
WHITE = Colours("FFFFFF", "000000", "FFFFFF")

HEADER = Colours("1F4E78", "FFFFFF", "1F4E78")
TITLE_FONT = "1F4E78"
FONT_NAME = "Times New Roman"

STATUS_COLOURS = {Status.MET: GREEN, Status.NOT_MET: RED, Status.UNKNOWN: AMBER}
NOT_SUBMITTED_COLOURS = GREY
CONTRADICTED_COLOURS = AMBER
SEVERITY_COLOURS = {Severity.ERROR: RED, Severity.WARNING: AMBER, Severity.INFO: BLUE}
TASK_STATE_COLOURS = {
    TaskState.OVERDUE: RED,
    TaskState.DUE_SOON: AMBER,
    TaskState.DONE: GREEN,
    TaskState.ON_TRACK: WHITE,
    TaskState.NO_DUE_DATE: GREY,
}

# Symbol + word, for matrices where a cell holds nothing else.
STATUS_MARKS = {Status.MET: "✓ Đạt", Status.NOT_MET: "✗ Chưa đạt", Status.UNKNOWN: "? Chưa rõ"}
NOT_SUBMITTED_MARK = "— Chưa nộp"
NOT_SUBMITTED_LABEL = "Chưa nộp"
CONTRADICTED_SUFFIX = " (trái số liệu)"
YES, NO = "Có", "Không"

SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}

# (word shown in the coloured cell, colours, meaning) — the colour legend of every workbook.
LEGEND: list[tuple[str, Colours, str]] = [
    (STATUS_MARKS[Status.MET], GREEN, "Đạt chuẩn"),
    (STATUS_MARKS[Status.NOT_MET], RED, "Chưa đạt chuẩn"),
    (STATUS_MARKS[Status.UNKNOWN], AMBER, "Chưa rõ (thiếu số liệu)"),
    (f"Đạt{CONTRADICTED_SUFFIX}", CONTRADICTED_COLOURS, "Tự đánh giá trái với số liệu"),
    (NOT_SUBMITTED_MARK, GREY, "Đơn vị chưa nộp báo cáo"),
    (SEVERITY_LABELS[Severity.ERROR], RED, "Lỗi dữ liệu phải sửa"),
    (SEVERITY_LABELS[Severity.WARNING], AMBER, "Cảnh báo cần kiểm tra"),
    (SEVERITY_LABELS[Severity.INFO], BLUE, "Thông tin"),
    (TASK_STATE_LABELS[TaskState.OVERDUE], RED, "Nhiệm vụ đã quá hạn"),
    (TASK_STATE_LABELS[TaskState.DUE_SOON], AMBER, "Nhiệm vụ sắp đến hạn"),
    (TASK_STATE_LABELS[TaskState.DONE], GREEN, "Nhiệm vụ đã hoàn thành"),
]


def xlsx_fill(colours: Colours) -> dict[str, object]:
    """XlsxWriter format properties for a solid fill with its text colour."""
    return {"bg_color": f"#{colours.fill}", "font_color": f"#{colours.font}", "pattern": 1}


class FormatCache:
    """XlsxWriter formats made once per distinct set of properties, numbered as they are made
    (XlsxWriter numbers them as the cells using them are written, at the end)."""

    def __init__(self, workbook) -> None:
        self._workbook = workbook
        self._formats: dict[tuple, object] = {}

    def get(self, *parts: dict[str, object], **props: object):
        merged: dict[str, object] = {}
        for part in parts:
            merged.update(part)
        merged.update(props)
        key = tuple(sorted(merged.items()))
        fmt = self._formats.get(key)
        if fmt is None:
            fmt = self._formats[key] = self._workbook.add_format(merged)
            fmt._get_xf_index()  # its style number: a `MasterWorksheet` writes rows at once
        return fmt


# Widths of text in Times New Roman, in units of a column width (the width of a digit).
_NARROW = set("ijlt'|.,;:!")
_SEMI = set('frI()[]-/"')
_WIDE = set("mwMW%@")


@lru_cache(maxsize=4096)
def _char_width(char: str) -> float:
    base = unicodedata.normalize("NFD", char)[0]
    if base == " ":
        return 0.5
    if base in _NARROW:
        return 0.56
    if base in _SEMI:
        return 0.68
    if base in _WIDE:
        return 1.6
    if base == "—":
        return 2.0
    if base.isdigit() or base in "_#$*":
        return 1.0
    if base.isupper():
        return 1.4
    if base.islower():
        return 0.92
    return 1.2


@memoised_text(entries=1 << 17)  # the master of 10,000 units names each of them
def text_width(text: str) -> float:
    """How many column-width units `text` takes on one line (Times New Roman 11)."""
    return sum(map(_char_width, text))


@memoised_text(entries=1 << 17)
def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes when wrapped at spaces in a column `width` units wide."""
    room = max(1.0, width * 0.97)
    count = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0.0
        for word in paragraph.split():
            size = text_width(word)
            if used and used + 0.5 + size <= room:
                used += 0.5 + size
                continue
            if used:
                lines += 1
            lines += max(0, math.ceil(size / room) - 1)  # a word wider than the column breaks
            used = size - (math.ceil(size / room) - 1) * room
        count += lines
    return count


def row_height(cells: Iterable[tuple[str, float]]) -> float:
    """A row height (points) that shows every (text, column width) cell wrapped in full.

    Excel and LibreOffice keep the row heights of a generated workbook, so wrapped text needs an
    explicit height: words wrap at about one character per width unit (12-point Times New Roman
    or 11-point Calibri in Excel), 15.5 points a line.
    """
    lines = max((_wrap_count(text, max(1, int(width))) for text, width in cells), default=1)
    return max(1, lines) * 15.5 + 4


@memoised_text  # short texts come back in every unit's workbook (indicators, reader's notes)
def _wrap_count(text: str, width: int) -> int:
    """How many lines `textwrap` makes of `text` in `width` characters."""
    return len(textwrap.wrap(text, width))
