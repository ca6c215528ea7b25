"""Realistic, messy commune submissions: the test material of the reader and the bundled
sample folder (`python -m support.samples OUTDIR`).

A `SampleSpec` describes one workbook: its format, sheet names, title block, heading layout,
column order, numbering style, how values and assessments are typed, and the faults a real
file may carry (blank and hidden rows, a legacy encoding, a formula saved without a result,
missing indicators, out-of-range values, contradictions, an unreadable deadline…).
`write_sample` lays the workbook out once and writes it as .xlsx/.xlsm (openpyxl), .xls
(xlwt) or .ods (odfpy). Values are drawn from the catalogue's thresholds with a seeded random
generator, so the same spec always gives the same file. `SampleSpec.expected` says what a
correct reader must find in it.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import random
import re
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from ntm_excel.atomic import atomic_path
from ntm_excel.config import load_config
from ntm_excel.read.legacy import from_unicode
from ntm_excel.reference.catalog import BAC_TRUNG_BO, Indicator, load_catalog
from ntm_excel.reference.registry import file_stem, load_registry
from ntm_excel.styles import TEXT_ONLY
from ntm_excel.text import fold

REGION = BAC_TRUNG_BO
FORMATS = ("xlsx", "xlsm", "xls", "ods")
COLUMN_KEYS = ("no", "name", "text", "threshold", "value", "assessment", "note")
CODE_STYLES = ("dotted", "trailing_dot", "comma", "words", "tc", "in_text", "letters")
# numbering offices also use: Roman criteria with "I.1" indicators or 1, 2 … again under each
# criterion, "1a"/"17h", "Tiêu chí 17 - chỉ tiêu 17.1", a TT column that only counts rows
OTHER_CODE_STYLES = ("roman", "roman_numbers", "number_letter", "words_indicator", "row_numbers")
HEADER_LAYOUTS = ("single", "split_threshold", "split_value")
VALUE_STYLES = (
    "number",
    "percent_text",
    "percent_format",
    "vn_number",
    "units",
    "fraction",
    "words",
)
YEAR_HEADINGS = ("ket_qua_nam", "hien_trang_uoc", "two_row")
GROUPS = {
    1: "I. QUY HOẠCH",
    2: "II. HẠ TẦNG KINH TẾ - XÃ HỘI",
    10: "III. KINH TẾ VÀ TỔ CHỨC SẢN XUẤT",
    14: "IV. VĂN HÓA - XÃ HỘI - MÔI TRƯỜNG",
    18: "V. HỆ THỐNG CHÍNH TRỊ",
    20: "VI. TIÊU CHÍ CỦA TỈNH",
}
_MET_SPELLINGS = ("Đạt", "Đạt", "Đạt", "đạt", "ĐẠT", "Đạt chuẩn")
_NOT_MET_SPELLINGS = ("Chưa đạt", "Chưa đạt", "chưa đạt", "Không đạt", "CHƯA ĐẠT")
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ")
_MIDDLE = ("Văn", "Thị", "Hữu", "Đình", "Ngọc", "Huy", "Xuân", "Minh", "Thanh", "Quang")
_GIVEN = ("Lượng", "Vinh", "Hà", "Tuấn", "Hương", "Dũng", "Lan", "Sơn", "Thắng", "Hòa", "Bình")
_TITLES = (
    "Chủ tịch",
    "Phó Chủ tịch",
    "Địa chính",
    "Công chức Văn hóa",
    "Kế toán",
    "Trưởng Công an",
)


@dataclass(frozen=True)
class SampleSpec:
    """Everything that varies between two commune workbooks."""

    unit_code: str = "18694"
    unit_name: str = "Xã Cẩm Thành"  # official name from the registry
    set_id: str = "xa_2016_2020"
    province: str = "Hà Tĩnh"
    format: str = "xlsx"
    year: int = 2021
    seed: int = 1
    sheet_name: str = "Biểu tự đánh giá"
    roadmap_sheet: str | None = "Lộ trình"  # None: no roadmap sheet
    extra_sheet: str | None = None  # an unrelated sheet placed first (e.g. "Hướng dẫn")
    title_rows: int = 6  # height of the title block above the heading
    unit_style: str = "title"  # see UNIT_STYLES
    unit_line: str = ""  # the title block's unit line as written, instead of unit_style's
    upper_line: str = ""  # the line above it ("UBND HUYỆN …"), instead of Cẩm Xuyên's or Hà Tĩnh's
    header: str = "single"  # see HEADER_LAYOUTS
    columns: tuple[str, ...] = COLUMN_KEYS
    column_numbers: bool = False  # a "(1) (2) (3)…" row under the heading
    column_number_style: str = "brackets"  # "(1)"; "numbers": 1 (a number cell); "texts": "1"
    merged_criteria: bool = False  # criterion cells merged over their indicator rows
    criterion_column: bool = False  # a criterion-level "Đánh giá tiêu chí" column
    code_style: str = "dotted"  # see CODE_STYLES
    value_styles: tuple[str, ...] = ("number",)  # drawn per row, see VALUE_STYLES
    assessment_variants: bool = False  # "đạt", "ĐẠT", "Không đạt"… instead of "Đạt"/"Chưa đạt"
    group_rows: bool = False  # "I. QUY HOẠCH", "II. HẠ TẦNG KINH TẾ - XÃ HỘI"…
    blank_rows: bool = False
    hidden_rows: tuple[str, ...] = ()  # indicator codes whose rows are hidden
    totals: bool = True
    wrong_total: bool = False
    signed_day: int = 10  # the report's date: "…, ngày 10 tháng 3 năm 2021"
    signed_month: int = 3
    signature: bool = True
    encoding: str = ""  # "", "TCVN3" or "VNI"
    formula_codes: tuple[str, ...] = ()  # value cells written as formulas without a result
    missing: tuple[str, ...] = ()  # indicators left out
    blank_values: tuple[str, ...] = ()  # indicators whose value cell is left empty
    template: bool = False  # the district's blank form: no value, no self-assessment
    not_met: tuple[str, ...] = ()  # indicators below their threshold (assessed "Chưa đạt")
    contradictions: tuple[str, ...] = ()  # below the threshold but assessed "Đạt"
    out_of_range: tuple[str, ...] = ()  # "105%" or a negative figure
    duplicates: tuple[str, ...] = ()  # indicators written twice
    roadmap_tasks: int = 6
    done_tasks: tuple[int, ...] = ()  # roadmap tasks (by position) marked done whatever else
    roadmap_unreadable: bool = False  # one deadline nobody can read
    roadmap_header: int = 0  # which set of roadmap headings (0, 1 or 2)
    roadmap_title_year: bool = True
    texts: tuple[tuple[str, str], ...] = ()  # (code, wording) written instead of the catalogue's
    value_years: tuple[int, ...] = ()  # one result column per year; the last holds the values
    year_headings: str = "ket_qua_nam"  # see YEAR_HEADINGS
    hide_old_years: bool = False  # the earlier years' result columns hidden
    unit_column: bool = False  # an «Đơn vị tính» column after the wording
    threshold_percent: bool = False  # thresholds of % indicators written "≥85%"
    merged_single: bool = False  # single-indicator criteria on two rows, TT and name merged
    note_rows: tuple[str, ...] = ()  # indicators followed by a hidden note row
    roadmap_style: str = "plain"  # "real": serial-number dates, «Hoàn thành trước …», 2 owners

    def indicators(self) -> list[Indicator]:
        return _catalogue(self.set_id, self.province)

    @property
    def short_name(self) -> str:
        """The name without its kind: "Xã Cẩm Thành" → "Cẩm Thành"."""
        for kind in ("Xã ", "Thị trấn ", "Huyện ", "Phường "):
            if self.unit_name.startswith(kind):
                return self.unit_name[len(kind) :]
        return self.unit_name

    @property
    def kind(self) -> str:
        return "huyện" if self.unit_name.startswith("Huyện") else "xã"


@functools.cache
def _catalogue(set_id: str, province: str) -> list[Indicator]:
    return load_catalog(load_config().catalog).resolve(set_id, province)


# --- What goes in the cells ---------------------------------------------------------------


@dataclass
class _Cell:
    value: object
    bold: bool = False
    italic: bool = False
    center: bool = False
    wrap: bool = False
    border: bool = False
    size: int = 11
    number_format: str = ""
    formula: str = ""  # written instead of the value in .xlsx/.xlsm


@dataclass
class _Sheet:
    name: str
    cells: dict[tuple[int, int], _Cell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    widths: dict[int, float] = field(default_factory=dict)
    row: int = 0  # next free row while laying out

    def put(self, row: int, col: int, value: object, **style) -> None:
        self.cells[(row, col)] = _Cell(value, **style)

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if (r0, c0) != (r1, c1):
            self.merges.append((r0, c0, r1, c1))

    @property
    def width(self) -> int:
        return max((c for _, c in self.cells), default=0) + 1

    def heights(self) -> dict[int, float]:
        """Row heights (points) that show wrapped text whole (no writer computes them)."""
        spans = {
            (r0, c0): sum(self.widths.get(c, 10) for c in range(c0, c1 + 1))
            for r0, c0, r1, c1 in self.merges
            if r0 == r1
        }
        heights: dict[int, float] = {}
        for (r, c), cell in self.cells.items():
            if not cell.wrap or not isinstance(cell.value, str):
                continue
            width = spans.get((r, c), self.widths.get(c, 10))
            lines = -(-len(cell.value) * cell.size // int(max(width, 4) * 10))
            heights[r] = max(heights.get(r, 15.0), 15.0 * max(lines, 1))
        return heights


@dataclass
class _Row:
    """One indicator as it will be written, and what a reader must make of it."""

    indicator: Indicator
    value: object
    number_format: str
    assessment: str
    met: bool
    number: float | None = None  # the figure a reader must find (None: words, blank, faults)
    estimate: bool = False
    older: object = None  # the value in the earlier years' result columns


# --- Values -------------------------------------------------------------------------------


def _value_for(
    ind: Indicator, met: bool, style: str, rng: random.Random
) -> tuple[object, str, float | None, bool]:
    """A typed value for an indicator: (value, number format, the figure a reader must find
    (percentages on 0–100, None for words), whether it is written as an estimate)."""
    rule = ind.rule_for(REGION)
    if rule.kind == "expected_text":
        expected = rule.expected or "Không"
        other = "Có" if expected == "Không" else "Không"
        return (expected if met else other), "", None, False
    if rule.op is None or rule.value is None:
        return ("Đạt" if met else "Chưa đạt"), "", None, False
    limit = rule.value
    percent = "%" in ind.unit or rule.op == "=" or limit <= 100 and "triệu" not in ind.unit
    if rule.op == "=":
        number = limit if met else round(limit - rng.uniform(2, 15), 1)
    elif rule.op in (">=", ">"):
        top = 100 if percent else limit * 1.5
        number = rng.uniform(limit, top) if met else rng.uniform(limit * 0.7, limit - 0.5)
        number = round(min(number, 100) if percent else number, 1)
    else:
        number = (
            rng.uniform(limit * 0.3, limit - 0.2) if met else rng.uniform(limit + 0.5, limit * 1.5)
        )
        number = round(number, 1)
    value, number_format, estimate = _styled(number, percent, ind, style, rng)
    return value, number_format, number, estimate


def _comma(number: float) -> str:
    text = f"{number:,.1f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


# Figures with words around them, as offices type them: (pattern, written as an estimate)
_WORDED = (
    ("Ước đạt {n}{p}", True),
    ("{n}{p} (ước)", True),
    ("{n}{p}¹", False),
    ("'{n}{p}", False),
    ("{n}{p} (1)", False),
    ("ước tính {n}{p}", True),
    ("{n}{p}*", False),
)


def _styled(
    number: float, percent: bool, ind: Indicator, style: str, rng: random.Random
) -> tuple[object, str, bool]:
    if style == "percent_text" and percent:
        return f"{_comma(number)}%", "", False
    if style == "percent_format" and percent:
        return round(number / 100, 4), "0.0%", False
    if style == "fraction" and percent:
        return round(number / 100, 4), "", False
    if style == "vn_number":
        return _comma(number), "", False
    if style == "units":
        unit = "%" if percent else ind.unit.split("/năm")[0]
        return (f"{_comma(number)}%" if unit == "%" else f"{_comma(number)} {unit}"), "", False
    if style == "words":
        pattern, estimate = rng.choice(_WORDED)
        return pattern.format(n=_comma(number), p="%" if percent else ""), "", estimate
    return number, "", False


def _rows(spec: SampleSpec, rng: random.Random) -> list[_Row]:
    rows = []
    for ind in spec.indicators():
        if ind.code in spec.missing:
            continue
        met = ind.code not in spec.not_met and ind.code not in spec.contradictions
        style = rng.choice(spec.value_styles)
        value, number_format, number, estimate = _value_for(ind, met, style, rng)
        if ind.code in spec.out_of_range:
            rule = ind.rule_for(REGION)
            value, number_format, number = ("105%" if rule.op != "<=" else -3), "", None
        if ind.code in spec.blank_values:
            value, number_format, number = None, "", None
        claimed = met or ind.code in spec.contradictions
        if spec.assessment_variants:
            assessment = rng.choice(_MET_SPELLINGS if claimed else _NOT_MET_SPELLINGS)
        else:
            assessment = "Đạt" if claimed else "Chưa đạt"
        if spec.template:
            value, number_format, number, assessment = None, "", None, ""
        older = round(number - 3.5, 1) if number is not None and number > 10 else "Chưa đạt"
        row = _Row(ind, value, number_format, assessment, met, number, estimate, older)
        rows.append(row)
    return rows


# --- Layout ---------------------------------------------------------------------------------

_HEADINGS = {
    "no": "TT",
    "name": "Tên tiêu chí",
    "text": "Nội dung tiêu chí",
    "threshold": "Chỉ tiêu theo quy định",
    "value": "Kết quả thực hiện",
    "assessment": "Tự đánh giá",
    "note": "Ghi chú",
    "criterion": "Đánh giá tiêu chí",
    "unit": "Đơn vị tính",
}
_WIDTHS = {
    "no": 7,
    "name": 18,
    "text": 48,
    "threshold": 14,
    "value": 14,
    "assessment": 11,
    "note": 12,
    "criterion": 11,
    "unit": 9,
}


def _unit_lines(spec: SampleSpec) -> tuple[str, str]:
    """(upper line, unit line) of the title block's left side."""
    upper = "UBND TỈNH HÀ TĨNH" if spec.kind == "huyện" else "UBND HUYỆN CẨM XUYÊN"
    upper = spec.upper_line or upper
    if spec.unit_line:
        return upper, spec.unit_line
    name = spec.short_name.upper()
    kind = "HUYỆN" if spec.kind == "huyện" else "XÃ"
    if spec.unit_style == "title_ascii":
        return upper, fold(f"UBND {kind} {name}").upper()
    if spec.unit_style == "bcd":
        return upper, f"BAN CHỈ ĐẠO NTM {kind} {name}"
    if spec.unit_style == "file_name":
        return upper, "ỦY BAN NHÂN DÂN"
    return upper, f"UBND {kind} {name}"


def _title_block(sheet: _Sheet, spec: SampleSpec, width: int) -> None:
    upper, unit_line = _unit_lines(spec)
    half = max(2, width // 2 - 1)
    right = half + 1
    sheet.put(0, 0, upper, center=True, size=11)
    sheet.merge(0, 0, 0, half - 1)
    sheet.put(1, 0, unit_line, bold=True, center=True)
    sheet.merge(1, 0, 1, half - 1)
    sheet.put(0, right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, center=True)
    sheet.merge(0, right, 0, width - 1)
    sheet.put(1, right, "Độc lập - Tự do - Hạnh phúc", bold=True, center=True)
    sheet.merge(1, right, 1, width - 1)
    row = 3
    unnamed = spec.unit_style == "file_name" or spec.unit_line
    title_unit = "" if unnamed else f" {spec.kind.upper()} {spec.short_name.upper()}"
    what = "HUYỆN" if spec.kind == "huyện" else "XÃ"
    sheet.put(
        row,
        0,
        f"BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ {what} NÔNG THÔN MỚI"
        f"{title_unit} NĂM {spec.year}",
        bold=True,
        center=True,
        size=13,
    )
    sheet.merge(row, 0, row, width - 1)
    row += 1
    if spec.title_rows >= 5:
        sheet.put(
            row,
            0,
            f"(Kèm theo Báo cáo số {10 + spec.seed % 40}/BC-UBND ngày 10/3/{spec.year})",
            italic=True,
            center=True,
        )
        sheet.merge(row, 0, row, width - 1)
        row += 1
    if spec.unit_style == "code":
        sheet.put(row, 0, f"Mã đơn vị: {spec.unit_code}", italic=True)
        sheet.merge(row, 0, row, 2)
        row += 1
    sheet.row = max(row + 1, spec.title_rows)


def _year_headings(spec: SampleSpec) -> list[object]:
    """The headings of the result columns of several years (children of «Kết quả thực hiện»
    in the two-row layout)."""
    years = spec.value_years
    if spec.year_headings == "hien_trang_uoc":
        return [f"Hiện trạng {y}" for y in years[:-1]] + [f"Ước thực hiện {years[-1]}"]
    if spec.year_headings == "two_row":
        return [y if i % 2 == 0 else f"Năm {y}" for i, y in enumerate(years)]
    return [f"Kết quả năm {y}" for y in years]


def _two_row_header(spec: SampleSpec) -> bool:
    return spec.header != "single" or (bool(spec.value_years) and spec.year_headings == "two_row")


def _header(sheet: _Sheet, spec: SampleSpec, keys: list[str]) -> None:
    top = sheet.row
    two_rows = _two_row_header(spec)
    col = 0
    for key in keys:
        style = {"bold": True, "center": True, "wrap": True, "border": True}
        if key == "threshold" and spec.header == "split_threshold":
            sheet.put(top, col, "Chỉ tiêu", **style)
            sheet.merge(top, col, top, col + 1)
            sheet.put(top + 1, col, "Chung", **style)
            sheet.put(top + 1, col + 1, "Bắc Trung Bộ", **style)
            sheet.widths[col] = sheet.widths[col + 1] = 12
            col += 2
            continue
        if key == "value" and spec.header == "split_value":
            sheet.put(top, col, "Kết quả thực hiện", **style)
            sheet.merge(top, col, top, col + 1)
            sheet.put(top + 1, col, "Khối lượng", **style)
            sheet.put(top + 1, col + 1, "Tỷ lệ (%)", **style)
            sheet.widths[col] = sheet.widths[col + 1] = 12
            col += 2
            continue
        if key == "value" and spec.value_years:
            headings = _year_headings(spec)
            if spec.year_headings == "two_row":
                sheet.put(top, col, "Kết quả thực hiện", **style)
                sheet.merge(top, col, top, col + len(headings) - 1)
            for index, heading in enumerate(headings):
                if spec.year_headings == "two_row":
                    sheet.put(top + 1, col + index, heading, **style)
                else:
                    sheet.put(top, col + index, heading, **style)
                    if two_rows:
                        sheet.put(top + 1, col + index, None, border=True)
                        sheet.merge(top, col + index, top + 1, col + index)
                sheet.widths[col + index] = 12
                if spec.hide_old_years and index < len(headings) - 1:
                    sheet.hidden_cols.add(col + index)
            col += len(headings)
            continue
        sheet.put(top, col, _HEADINGS[key], **style)
        if two_rows:
            sheet.put(top + 1, col, None, border=True)
            sheet.merge(top, col, top + 1, col)
        wide = key == "no" and spec.code_style in ("words", "words_indicator")
        sheet.widths[col] = 12 if wide else _WIDTHS[key]
        if key == "no" and spec.code_style == "words_indicator":
            sheet.widths[col] = 22
        col += 1
    sheet.row = top + (2 if two_rows else 1)
    if spec.column_numbers:
        for index in range(col):
            mark = {"brackets": f"({index + 1})", "numbers": index + 1, "texts": str(index + 1)}
            style = spec.column_number_style
            sheet.put(sheet.row, index, mark[style], italic=True, center=True, border=True)
        sheet.row += 1


def _positions(spec: SampleSpec, keys: list[str]) -> dict[str, int]:
    """Column of each key (the first of a split pair or of the years' columns)."""
    positions, col = {}, 0
    for key in keys:
        positions[key] = col
        col += _span(spec, key)
    return positions


def _span(spec: SampleSpec, key: str) -> int:
    """Columns a key takes: two for a split pair, one per year for the results of years."""
    if key == "value" and spec.value_years:
        return len(spec.value_years)
    return 2 if _is_split(spec, key) else 1


_ROMANS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def roman(number: int) -> str:
    """A Roman numeral up to 39."""
    return "X" * (number // 10) + ("" if number % 10 == 0 else _ROMANS[number % 10 - 1])


def _no_text(spec: SampleSpec, ind: Indicator, index: int) -> str:
    if spec.code_style in ("in_text", "row_numbers"):
        return ""
    sub = ind.code.split(".", 1)[1] if "." in ind.code else "1"
    if spec.code_style == "roman":
        return f"{roman(ind.criterion_no)}.{sub}"
    if spec.code_style == "roman_numbers":
        return str(index + 1)
    if spec.code_style == "number_letter":
        return f"{ind.criterion_no}{'abcdđeghik'[index]}"
    if spec.code_style == "words_indicator":
        return f"Tiêu chí {ind.criterion_no} - chỉ tiêu {ind.code}"
    if spec.code_style == "letters":
        return "abcdđeghik"[index] + ")"
    if "." not in ind.code:
        return ind.code
    if spec.code_style == "trailing_dot":
        return ind.code + "."
    if spec.code_style == "comma":
        return ind.code.replace(".", ",")
    return ind.code


def _criterion_label(spec: SampleSpec, number: int) -> str:
    if spec.code_style in ("roman", "roman_numbers"):
        return roman(number)
    if spec.code_style == "words_indicator":
        return f"Tiêu chí {number}"
    if spec.code_style == "row_numbers":
        return ""
    if spec.code_style == "words":
        return f"Tiêu chí số {number}"
    if spec.code_style == "tc":
        return f"TC{number}"
    if spec.code_style == "in_text":
        return ""
    return str(number)


def _assessment_table(spec: SampleSpec, rows: list[_Row], rng: random.Random) -> _Sheet:
    sheet = _Sheet(spec.sheet_name)
    keys = list(spec.columns)
    if spec.criterion_column:
        keys.insert(keys.index("assessment") + 1, "criterion")
    if spec.unit_column:
        wording = "text" if "text" in keys else "name"
        keys.insert(keys.index(wording) + 1, "unit")
    positions = _positions(spec, keys)
    width = sum(_span(spec, key) for key in keys)
    _title_block(sheet, spec, width)
    _header(sheet, spec, keys)
    by_criterion: dict[int, list[_Row]] = {}
    for row in rows:
        by_criterion.setdefault(row.indicator.criterion_no, []).append(row)
    names = {ind.criterion_no: ind.criterion_name for ind in spec.indicators()}
    met_criteria = 0
    data_start = sheet.row
    for number, name in names.items():
        group = by_criterion.get(number, [])
        all_met = all(r.met or r.indicator.code in spec.contradictions for r in group) and bool(
            group
        )
        met_criteria += all(r.met for r in group) and len(group) == sum(
            1 for i in spec.indicators() if i.criterion_no == number
        )
        if not group:
            continue  # a single-indicator criterion left out entirely
        if spec.group_rows and number in GROUPS:
            sheet.put(sheet.row, 0, GROUPS[number], bold=True)
            sheet.merge(sheet.row, 0, sheet.row, width - 1)
            sheet.row += 1
        if spec.blank_rows and rng.random() < 0.3:
            sheet.row += 1
        start = sheet.row
        _criterion_block(sheet, spec, positions, number, name, group, all_met)
        for r in range(start, sheet.row):
            for c in range(width):
                sheet.cells.setdefault((r, c), _Cell(None, border=True))
    if spec.code_style == "row_numbers":
        _number_rows(sheet, positions, start_row=data_start)
    if spec.totals:
        total = len(names)
        miscount = (1 if met_criteria < total else -1) if spec.wrong_total else 0
        reported = met_criteria + miscount
        sheet.put(sheet.row, 0, f"Tổng số tiêu chí đạt: {reported}/{total}", bold=True)
        sheet.merge(sheet.row, 0, sheet.row, min(3, width - 1))
        sheet.row += 1
    if spec.signature:
        _signature(sheet, spec, width)
    return sheet


def _number_rows(sheet: _Sheet, positions: dict[str, int], start_row: int) -> None:
    """A TT column that only counts the rows 1, 2, 3 … (visible rows with a wording)."""
    wording = [positions[key] for key in ("name", "text") if key in positions]
    number = 0
    for r in range(start_row, sheet.row):
        filled = any((cell := sheet.cells.get((r, c))) is not None and cell.value for c in wording)
        if filled and r not in sheet.hidden_rows:
            number += 1
            sheet.put(r, positions["no"], str(number), center=True, border=True, wrap=True)


def _is_split(spec: SampleSpec, key: str) -> bool:
    return (key == "threshold" and spec.header == "split_threshold") or (
        key == "value" and spec.header == "split_value"
    )


def _criterion_block(
    sheet: _Sheet,
    spec: SampleSpec,
    positions: dict[str, int],
    number: int,
    name: str,
    group: list[_Row],
    all_met: bool,
) -> None:
    """A criterion and its indicators: a criterion row then indicator rows, or (merged
    layout, or a criterion that is its own indicator) the first indicator on the criterion's
    row with the criterion's cells merged over the rows below."""
    border = {"border": True, "wrap": True}
    label = _criterion_label(spec, number)
    own = next((row for row in group if row.indicator.code == str(number)), None)
    subs = [row for row in group if row is not own]
    status = "" if spec.template else "Đạt" if all_met else "Chưa đạt"
    name_text = name if spec.code_style != "in_text" else f"Tiêu chí số {number}: {name}"
    first = sheet.row
    split_own = own is not None and spec.merged_single and not subs
    if (own is None and not spec.merged_criteria) or split_own:
        if "no" in positions:
            sheet.put(first, positions["no"], label, bold=True, center=True, **border)
        sheet.put(
            first, positions.get("name", positions.get("text")), name_text, bold=True, **border
        )
        if "assessment" in positions and not split_own:
            sheet.put(first, positions["assessment"], status, bold=True, center=True, **border)
        sheet.row += 1
    ordered = ([own] if own else []) + subs
    for position, row in enumerate(ordered):
        index = max(0, position - (1 if own else 0))
        opens = position == 0 and (own or spec.merged_criteria) and not split_own
        heading = (label, name_text) if opens else None
        _indicator_row(sheet, spec, positions, row, index, heading, merged_label=split_own)
        if row.indicator.code in spec.duplicates:
            _indicator_row(sheet, spec, positions, row, index, None)
        if row.indicator.code in spec.note_rows:
            _note_row(sheet, spec, positions)
    last = sheet.row - 1
    if (spec.merged_criteria or split_own) and last > first:
        for key in ("no", "name"):
            if key in positions:
                sheet.merge(first, positions[key], last, positions[key])
    if "criterion" in positions:
        sheet.put(first, positions["criterion"], status, bold=True, center=True, **border)
        sheet.merge(first, positions["criterion"], last, positions["criterion"])


def _note_row(sheet: _Sheet, spec: SampleSpec, positions: dict[str, int]) -> None:
    """A hidden row holding only a note under an indicator (no code, value or assessment)."""
    col = positions.get("text", positions.get("name", 0))
    sheet.put(sheet.row, col, f"(Số liệu theo báo cáo của các thôn, tháng 12/{spec.year - 1})")
    sheet.hidden_rows.add(sheet.row)
    sheet.row += 1


def _with_percent(threshold: str, ind: Indicator, spec: SampleSpec) -> str:
    """A threshold as written: "≥85%" for a % indicator when the spec says so."""
    if spec.threshold_percent and ind.unit.strip().startswith("%"):
        return re.sub(r"^([≥≤<>=]*\s*[\d,]+)", r"\1%", threshold)
    return threshold


def _indicator_row(
    sheet: _Sheet,
    spec: SampleSpec,
    positions: dict[str, int],
    row: _Row,
    index: int,
    heading: tuple[str, str] | None,
    merged_label: bool = False,
) -> None:
    """One indicator row; `heading` (criterion label and name) when it opens its criterion;
    `merged_label` when its TT and name cells are merged into the criterion's row above."""
    ind = row.indicator
    r = sheet.row
    border = {"border": True, "wrap": True}
    own = ind.code == str(ind.criterion_no)
    text = dict(spec.texts).get(ind.code, ind.text)
    if spec.code_style == "in_text" and not own:
        text = f"{ind.code}. {text}"
    if "no" in positions:
        if heading is not None:
            sheet.put(r, positions["no"], heading[0], bold=True, center=True, **border)
        elif not spec.merged_criteria and not merged_label:
            sheet.put(r, positions["no"], _no_text(spec, ind, index), center=True, **border)
        else:
            sheet.put(r, positions["no"], None, **border)
    if "name" in positions:
        if heading is not None:
            sheet.put(r, positions["name"], heading[1], bold=True, **border)
        elif "text" not in positions and not merged_label:
            sheet.put(r, positions["name"], text, **border)
        else:
            sheet.put(r, positions["name"], None, **border)
    if "text" in positions:
        sheet.put(r, positions["text"], text, **border)
    if "unit" in positions:
        sheet.put(r, positions["unit"], ind.unit, center=True, **border)
    if "threshold" in positions:
        col = positions["threshold"]
        if spec.header == "split_threshold":
            sheet.put(
                r, col, _with_percent(ind.threshold_general, ind, spec), center=True, **border
            )
            regional = ind.threshold_bac_trung_bo or ind.threshold_general
            sheet.put(r, col + 1, _with_percent(regional, ind, spec), center=True, **border)
        else:
            threshold = _with_percent(ind.threshold_for(REGION), ind, spec)
            sheet.put(r, col, threshold, center=True, **border)
    if "value" in positions:
        col = positions["value"]
        if spec.header == "split_value":
            sheet.put(r, col, _quantity(ind, row), center=True, **border)
            col += 1
        for _ in spec.value_years[:-1]:  # the earlier years' results
            sheet.put(r, col, row.older, center=True, **border)
            col += 1
        formula = "=ROUND(2350/2400*100,1)" if ind.code in spec.formula_codes else ""
        sheet.put(
            r,
            col,
            row.value,
            center=True,
            number_format=row.number_format,
            formula=formula,
            **border,
        )
    if "assessment" in positions:
        sheet.put(r, positions["assessment"], row.assessment, center=True, **border)
    if "note" in positions:
        sheet.put(r, positions["note"], None, **border)
    if ind.code in spec.hidden_rows:
        sheet.hidden_rows.add(r)
    sheet.row += 1


def _quantity(ind: Indicator, row: _Row) -> object:
    """The "Khối lượng" beside a percentage: a count that goes with it."""
    if isinstance(row.value, float) and "%" in ind.unit:
        return f"{round(row.value * 24)}/2.400 hộ" if row.value > 1 else None
    return None


def _signature(sheet: _Sheet, spec: SampleSpec, width: int) -> None:
    r = sheet.row + 1
    right = max(2, width - 3)
    sheet.put(
        r,
        right,
        f"{spec.short_name}, ngày {spec.signed_day} tháng {spec.signed_month} năm {spec.year}",
        italic=True,
        center=True,
    )
    sheet.merge(r, right, r, width - 1)
    sheet.put(r + 1, 0, "Người lập biểu", bold=True, center=True)
    sheet.merge(r + 1, 0, r + 1, 1)
    kind = "HUYỆN" if spec.kind == "huyện" else "XÃ"
    sheet.put(r + 1, right, f"TM. ỦY BAN NHÂN DÂN {kind}", bold=True, center=True)
    sheet.merge(r + 1, right, r + 1, width - 1)
    sheet.put(r + 2, right, "CHỦ TỊCH", bold=True, center=True)
    sheet.merge(r + 2, right, r + 2, width - 1)
    rng = random.Random(spec.seed * 7)
    sheet.put(r + 6, 0, _person(rng), bold=True, center=True)
    sheet.merge(r + 6, 0, r + 6, 1)
    sheet.put(r + 6, right, _person(rng), bold=True, center=True)
    sheet.merge(r + 6, right, r + 6, width - 1)
    sheet.row = r + 7


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"


# --- Roadmap --------------------------------------------------------------------------------

_ROADMAP_HEADINGS = (
    (
        "TT",
        "Tiêu chí",
        "Nội dung công việc",
        "Thời gian hoàn thành",
        "Người phụ trách",
        "Kinh phí (triệu đồng)",
        "Nguồn vốn",
        "Tình trạng",
    ),
    (
        "STT",
        "Tên tiêu chí",
        "Nội dung cần thực hiện để đạt chuẩn",
        "Thời gian thực hiện",
        "Người chủ trì thực hiện",
        "Tổng kinh phí (triệu đồng)",
        "Nguồn vốn",
        "Tiến độ thực hiện",
    ),
    (
        "TT",
        "Tiêu chí",
        "Nhiệm vụ, giải pháp",
        "Thời hạn hoàn thành",
        "Lãnh đạo chỉ đạo / người phụ trách",
        "Kinh phí",
        "Nguồn vốn",
        "Tình trạng",
    ),
)
_TASKS = {
    2: "Bê tông hóa {n} km đường trục thôn, ngõ xóm",
    3: "Nạo vét, kiên cố hóa {n} km kênh mương nội đồng",
    5: "Bổ sung thiết bị dạy học, xây dựng {n} phòng học trường mầm non",
    6: "Cải tạo nhà văn hóa, sân thể thao {n} thôn",
    9: "Hỗ trợ xóa {n} nhà tạm, dột nát",
    10: "Phát triển {n} mô hình sản xuất, nâng thu nhập",
    11: "Hỗ trợ {n} hộ nghèo thoát nghèo",
    13: "Củng cố hợp tác xã, xây dựng {n} mô hình liên kết sản xuất",
    14: "Mở {n} lớp đào tạo nghề cho lao động nông thôn",
    15: "Vận động {n} người tham gia bảo hiểm y tế",
    17: "Xây dựng {n} mô hình thu gom, xử lý rác thải; cải tạo cảnh quan",
    20: "Xây dựng thêm {n} khu dân cư mẫu, {n} vườn mẫu",
}
_DEADLINES = (
    "Tháng 3/{y}",
    "trong quý II/{y}",
    "trước ngày 30/6/{y}",
    "chậm nhất trong tháng 5/{y}",
    "khởi công trong tháng 2/{y} và hoàn thành chậm nhất trong tháng 6/{y}",
    "Quý III/{y}",
    "DATE",
    "tháng 9/{y}",
)
_STATUSES = ("Đã hoàn thành", "Đang thực hiện", "Đang thực hiện", "Chưa thực hiện", "")
# Deadlines and owners as offices really write them (roadmap_style "real")
_REAL_DEADLINES = (
    "SERIAL",
    "Hoàn thành trước {d}/{m}/{y}",
    "{d}.{m}.{y}",
    "SERIAL_TEXT",
    "{d}/{m}/{yy}",
    "trong quý III/{y}",
)
_REAL_OWNERS = (
    "Đ/c {a} - {ta} và {b}",
    "{a} (chủ trì), {b} (phối hợp)",
    "{a} - {ta}, {b} - {tb}",
    "Đ/c: {a} - PCT; Đ/c: {b} - CC",
    "{a}\n{b}",
)
_EXCEL_EPOCH = date(1899, 12, 30)
_FUNDING = ("NS xã, dân góp", "Lồng ghép", "NS huyện hỗ trợ", "Xã hội hóa", "NS tỉnh, NS xã")


@dataclass(frozen=True)
class ExpectedTask:
    criterion_no: int | None
    text: str
    deadline_text: str
    due: date | None
    owners: tuple[str, ...]
    budget: float | None
    done: bool
    readable: bool
    deadline_cell: object = None  # as written in the "real" style (a serial number, a text)
    owner_cell: str = ""  # as written in the "real" style (several people)
    partners: tuple[str, ...] = ()  # those the owner cell says only help («phối hợp»)


def _roadmap_plan(spec: SampleSpec, rows: list[_Row]) -> list[ExpectedTask]:
    rng = random.Random(spec.seed * 31 + 5)
    weak = sorted({r.indicator.criterion_no for r in rows if not r.met} & set(_TASKS))
    pool = weak + [c for c in sorted(_TASKS) if c not in weak]
    tasks = []
    for index in range(spec.roadmap_tasks):
        criterion = pool[index % len(pool)]
        text = _TASKS[criterion].format(n=rng.randint(2, 9))
        pattern = _DEADLINES[index % len(_DEADLINES)]
        due: date | None
        if pattern == "DATE":
            due = date(spec.year, rng.randint(4, 11), rng.randint(1, 28))
            deadline_text = due.strftime("%d/%m/%Y")
        else:
            deadline_text = pattern.format(y=spec.year)
            due = _due_of(deadline_text, spec.year)
        readable = True
        if spec.roadmap_unreadable and index == 1:
            deadline_text, due, readable = "Khi có kinh phí", None, False
        owner = _person(rng)
        budget = float(rng.choice((45, 120, 250, 30, 80)))
        status = _task_status(spec, index)
        task = ExpectedTask(
            criterion,
            text,
            deadline_text,
            due,
            (owner,),
            budget,
            status == "Đã hoàn thành",
            readable,
        )
        if spec.roadmap_style == "real":
            task = _real_task(task, index, spec.year, rng)
        tasks.append(task)
    return tasks


def _real_task(task: ExpectedTask, index: int, year: int, rng: random.Random) -> ExpectedTask:
    """The task with a deadline and owners written as offices really write them."""
    pattern = _REAL_DEADLINES[index % len(_REAL_DEADLINES)]
    due = date(year, rng.randint(4, 11), rng.randint(1, 28))
    cell: object
    if pattern == "SERIAL":
        cell = (due - _EXCEL_EPOCH).days
    elif pattern == "SERIAL_TEXT":
        cell = str((due - _EXCEL_EPOCH).days)
    elif "quý" in pattern:
        cell, due = pattern.format(y=year), date(year, 9, 30)
    else:
        cell = pattern.format(d=due.day, m=due.month, y=year, yy=year % 100)
    other = _person(rng)
    while other == task.owners[0]:
        other = _person(rng)
    pattern = _REAL_OWNERS[index % len(_REAL_OWNERS)]
    owners = pattern.format(
        a=task.owners[0], b=other, ta=rng.choice(_TITLES), tb=rng.choice(_TITLES)
    )
    helps = "phối hợp" in pattern  # «A (chủ trì), B (phối hợp)»: B is a partner
    return replace(
        task,
        deadline_text=str(cell),
        due=due,
        owners=(task.owners[0],) if helps else (task.owners[0], other),
        partners=(other,) if helps else (),
        deadline_cell=cell,
        owner_cell=owners,
    )


def _task_status(spec: SampleSpec, index: int) -> str:
    return _STATUSES[0] if index in spec.done_tasks else _STATUSES[index % len(_STATUSES)]


def _due_of(text: str, year: int) -> date | None:
    from ntm_excel.deadlines import parse_deadline

    milestones = parse_deadline(text, year=year)
    return milestones[-1].due if milestones else None


def _roadmap(spec: SampleSpec, rows: list[_Row]) -> _Sheet:
    sheet = _Sheet(spec.roadmap_sheet or "Lộ trình")
    headings = _ROADMAP_HEADINGS[spec.roadmap_header % len(_ROADMAP_HEADINGS)]
    width = len(headings)
    title_year = f" NĂM {spec.year}" if spec.roadmap_title_year else ""
    what = "HUYỆN" if spec.kind == "huyện" else "XÃ"
    sheet.put(
        0,
        0,
        f"KHUNG KẾ HOẠCH THỰC HIỆN CÁC TIÊU CHÍ NÔNG THÔN MỚI {what} {spec.short_name.upper()}"
        f"{title_year}",
        bold=True,
        center=True,
        size=13,
    )
    sheet.merge(0, 0, 0, width - 1)
    for col, heading in enumerate(headings):
        sheet.put(2, col, heading, bold=True, center=True, wrap=True, border=True)
    sheet.widths.update({0: 5, 1: 16, 2: 42, 3: 20, 4: 26, 5: 12, 6: 16, 7: 14})
    rng = random.Random(spec.seed * 17 + 3)
    names = {ind.criterion_no: ind.criterion_name for ind in spec.indicators()}
    r = 3
    current = None
    border = {"border": True, "wrap": True}
    for index, task in enumerate(_roadmap_plan(spec, rows)):
        if task.criterion_no != current:
            current = task.criterion_no
            label = (
                f"Tiêu chí số {current} {names.get(current, '')}"
                if index % 2 == 0
                else names.get(current, "")
            )
            sheet.put(r, 0, str(current), bold=True, center=True, **border)
            sheet.put(r, 1, label, bold=True, **border)
            for col in range(2, width):
                sheet.put(r, col, None, **border)
            r += 1
        sheet.put(r, 0, "-", center=True, **border)
        sheet.put(r, 1, None, **border)
        sheet.put(r, 2, task.text, **border)
        if task.deadline_cell is not None:
            sheet.put(r, 3, task.deadline_cell, center=True, **border)
        elif (
            task.due is not None
            and task.deadline_text.count("/") == 2
            and task.deadline_text[0].isdigit()
        ):
            sheet.put(
                r,
                3,
                datetime(task.due.year, task.due.month, task.due.day),
                number_format="dd/mm/yyyy",
                center=True,
                **border,
            )
        else:
            sheet.put(r, 3, task.deadline_text, center=True, **border)
        title = rng.choice(_TITLES)
        owner = f"Đ/c: {task.owners[0]} - {title}" if index % 2 else f"Đ/c {task.owners[0]} {title}"
        sheet.put(r, 4, task.owner_cell or owner, **border)
        budget = task.budget
        budget_cell = f"{budget:g} {budget:g}" if index % 3 == 0 else budget
        sheet.put(r, 5, budget_cell, center=True, **border)
        sheet.put(r, 6, rng.choice(_FUNDING), **border)
        sheet.put(r, 7, _task_status(spec, index) or None, **border)
        r += 1
    sheet.row = r
    _signature(sheet, spec, width)
    return sheet


def expected_tasks(spec: SampleSpec) -> list[ExpectedTask]:
    """The tasks a correct reader finds in the roadmap sheet of `spec`."""
    if spec.roadmap_sheet is None:
        return []
    return _roadmap_plan(spec, _rows(spec, random.Random(spec.seed)))


@dataclass(frozen=True)
class Expected:
    """What the workbook of a spec holds, as a correct reader should find it."""

    values: dict[str, object]  # code → typed value (None when blank)
    formats: dict[str, str]  # code → number format of the value cell
    assessments: dict[str, str]
    met: dict[str, bool]
    codes: tuple[str, ...]
    numbers: dict[str, float]  # code → the figure a reader must find (rows with one)
    estimates: tuple[str, ...]  # codes whose figure is written as an estimate


def expected(spec: SampleSpec) -> Expected:
    rows = _rows(spec, random.Random(spec.seed))
    return Expected(
        values={r.indicator.code: r.value for r in rows},
        formats={r.indicator.code: r.number_format for r in rows},
        assessments={r.indicator.code: r.assessment for r in rows},
        met={r.indicator.code: r.met for r in rows},
        codes=tuple(r.indicator.code for r in rows),
        numbers={r.indicator.code: r.number for r in rows if r.number is not None},
        estimates=tuple(r.indicator.code for r in rows if r.estimate),
    )


# --- Writing ------------------------------------------------------------------------------


def _book(spec: SampleSpec) -> list[_Sheet]:
    rng = random.Random(spec.seed)
    rows = _rows(spec, rng)
    sheets = []
    if spec.extra_sheet:
        extra = _Sheet(spec.extra_sheet)
        extra.put(0, 0, "Hướng dẫn điền biểu", bold=True, size=13)
        extra.put(2, 0, "Ghi số liệu tại thời điểm báo cáo; tỷ lệ ghi theo %.")
        extra.put(3, 0, "Cột «Tự đánh giá» chỉ ghi «Đạt» hoặc «Chưa đạt».")
        extra.widths[0] = 70
        sheets.append(extra)
    sheets.append(_assessment_table(spec, rows, random.Random(spec.seed + 1)))
    if spec.roadmap_sheet is not None:
        sheets.append(_roadmap(spec, rows))
    if spec.encoding:
        for sheet in sheets:
            for cell in sheet.cells.values():
                if isinstance(cell.value, str) and not cell.value.isascii():
                    cell.value = from_unicode(cell.value, spec.encoding)
    return sheets


def write_cluster(path: str | Path, specs: Sequence[SampleSpec], *, summary: bool = True) -> Path:
    """One workbook for several communes, as a cluster or a clerk compiles it: a summary sheet
    first (when `summary`), then each commune's self-assessment sheet and roadmap under the
    sheet names of its spec. The format and fonts are those of the first spec."""
    path = Path(path)
    sheets = [_summary_sheet(specs)] if summary else []
    for spec in specs:
        sheets += _book(replace(spec, extra_sheet=None))
    writer = {"xlsx": _write_xlsx, "xlsm": _write_xlsx, "xls": _write_xls, "ods": _write_ods}
    with atomic_path(path) as tmp:
        writer[specs[0].format](tmp, sheets, specs[0])
    return path


def _summary_sheet(specs: Sequence[SampleSpec]) -> _Sheet:
    """«Tổng hợp»: each criterion, and whether each commune assesses it met."""
    sheet = _Sheet("Tổng hợp")
    headings = ["TT", "Tên tiêu chí", "Số xã tự đánh giá đạt"]
    headings += [spec.short_name for spec in specs] + ["Ghi chú"]
    width = len(headings)
    sheet.put(0, 0, "UBND HUYỆN CẨM XUYÊN", bold=True)
    sheet.put(1, 0, f"BẢNG TỔNG HỢP KẾT QUẢ TỰ ĐÁNH GIÁ CÁC XÃ NĂM {specs[0].year}", bold=True)
    sheet.merge(1, 0, 1, width - 1)
    for col, heading in enumerate(headings):
        sheet.put(3, col, heading, bold=True, center=True, wrap=True, border=True)
        sheet.widths[col] = 24 if col == 1 else 11
    met = [expected(spec).met for spec in specs]
    names = {ind.criterion_no: ind.criterion_name for ind in specs[0].indicators()}
    for row, (number, name) in enumerate(names.items(), start=4):
        flags = [
            all(ok for code, ok in m.items() if code.split(".")[0] == str(number)) for m in met
        ]
        sheet.put(row, 0, str(number), center=True, border=True)
        sheet.put(row, 1, name, border=True)
        sheet.put(row, 2, sum(flags), center=True, border=True)
        for col, flag in enumerate(flags, start=3):
            sheet.put(row, col, "Đạt" if flag else "Chưa đạt", center=True, border=True)
        sheet.put(row, width - 1, None, border=True)
    return sheet


def _font(spec: SampleSpec) -> str:
    return {"TCVN3": ".VnTime", "VNI": "VNI-Times"}.get(spec.encoding, "Times New Roman")


def write_sample(path: str | Path, spec: SampleSpec) -> Path:
    """Write the workbook `spec` describes to `path` (atomically) and return the path."""
    path = Path(path)
    sheets = _book(spec)
    writer = {
        "xlsx": _write_xlsx,
        "xlsm": _write_xlsx,
        "xls": _write_xls,
        "ods": _write_ods,
    }[spec.format]
    with atomic_path(path) as tmp:
        writer(tmp, sheets, spec)
    return path


def _write_xlsx(path: Path, sheets: list[_Sheet], spec: SampleSpec) -> None:
    """.xlsx/.xlsm with XlsxWriter (shared strings, as Excel writes them)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **TEXT_ONLY})
    book.set_properties({"created": datetime(spec.year, 3, 10, 8, 0), "author": "UBND xã"})
    formats: dict[tuple, object] = {}
    font_name = _font(spec)

    def style_of(cell: _Cell):
        key = (cell.bold, cell.italic, cell.center, cell.wrap, cell.border, cell.size)
        key += (cell.number_format,)
        if key not in formats:
            properties = {
                "font_name": font_name,
                "font_size": cell.size,
                "bold": cell.bold,
                "italic": cell.italic,
                "valign": "vcenter",
                "text_wrap": cell.wrap,
                "border": 1 if cell.border else 0,
            }
            if cell.center:
                properties["align"] = "center"
            if cell.number_format:
                properties["num_format"] = cell.number_format
            formats[key] = book.add_format(properties)
        return formats[key]

    for model in sheets:
        ws = book.add_worksheet(model.name)
        covered = set()
        for r0, c0, r1, c1 in model.merges:
            top = model.cells.get((r0, c0), _Cell(None))
            ws.merge_range(r0, c0, r1, c1, "", style_of(top))
            covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
            covered.discard((r0, c0))
        for (r, c), cell in sorted(model.cells.items()):
            if (r, c) in covered:
                continue
            style = style_of(cell)
            if cell.formula:
                ws.write_formula(r, c, cell.formula, style, 0)
            elif cell.value is None:
                ws.write_blank(r, c, None, style)
            elif isinstance(cell.value, str):
                ws.write_string(r, c, cell.value, style)
            elif isinstance(cell.value, datetime | date):
                ws.write_datetime(r, c, cell.value, style)
            else:
                ws.write_number(r, c, cell.value, style)
        heights = model.heights()
        for row in sorted(set(heights) | model.hidden_rows):
            hidden = {"hidden": True} if row in model.hidden_rows else None
            ws.set_row(row, heights.get(row), None, hidden)
        for col, width in model.widths.items():
            hidden = {"hidden": True} if col in model.hidden_cols else None
            ws.set_column(col, col, width, None, hidden)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
    book.close()
    data = buffer.getvalue()
    if spec.formula_codes or spec.format == "xlsm":
        data = _repackage(data, macro_enabled=spec.format == "xlsm")
    path.write_bytes(data)


def _repackage(data: bytes, *, macro_enabled: bool) -> bytes:
    """Formulas without their result (as a script that never ran Excel leaves them), and
    for .xlsm the package declared macro-enabled (without macros)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = content.replace(b"</f><v>0</v>", b"</f>")
            if macro_enabled and item.filename == "[Content_Types].xml":
                content = content.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            target.writestr(item, content)
    return out.getvalue()


def _write_xls(path: Path, sheets: list[_Sheet], spec: SampleSpec) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    styles: dict[tuple, xlwt.XFStyle] = {}
    font_name = _font(spec)

    def style_of(cell: _Cell) -> xlwt.XFStyle:
        key = (
            cell.bold,
            cell.italic,
            cell.center,
            cell.wrap,
            cell.border,
            cell.size,
            cell.number_format,
        )
        if key not in styles:
            parts = [f"font: name {font_name}, height {cell.size * 20}"]
            parts[0] += ", bold on" if cell.bold else ""
            parts[0] += ", italic on" if cell.italic else ""
            align = ["vert centre"]
            if cell.center:
                align.append("horiz centre")
            if cell.wrap:
                align.append("wrap on")
            parts.append("align: " + ", ".join(align))
            if cell.border:
                parts.append("borders: left thin, right thin, top thin, bottom thin")
            styles[key] = xlwt.easyxf("; ".join(parts), num_format_str=cell.number_format or None)
        return styles[key]

    for model in sheets:
        ws = book.add_sheet(model.name, cell_overwrite_ok=True)
        merged_cells = set()
        for r0, c0, r1, c1 in model.merges:
            top = model.cells.get((r0, c0), _Cell(None))
            ws.write_merge(r0, r1, c0, c1, _xls_value(top), style_of(top))
            merged_cells.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
        for (r, c), cell in sorted(model.cells.items()):
            if (r, c) in merged_cells:
                continue
            ws.write(r, c, _xls_value(cell), style_of(cell))
        for row, height in model.heights().items():
            ws.row(row).height_mismatch = True
            ws.row(row).height = int(height * 20)
        for row in model.hidden_rows:
            ws.row(row).hidden = True
        for col, width in model.widths.items():
            ws.col(col).width = int(width * 256)
            ws.col(col).hidden = col in model.hidden_cols
        ws.portrait = False
        ws.fit_width_to_pages = 1
        ws.fit_height_to_pages = 0
    book.save(str(path))


def _xls_value(cell: _Cell) -> object:
    return "" if cell.value is None else cell.value


def _write_ods(path: Path, sheets: list[_Sheet], spec: SampleSpec) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import (
        MasterPage,
        PageLayout,
        PageLayoutProperties,
        ParagraphProperties,
        Style,
        TableCellProperties,
        TableColumnProperties,
        TableProperties,
        TableRowProperties,
        TextProperties,
    )
    from odf.table import CoveredTableCell, Table, TableCell, TableColumn, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    cell_styles: dict[tuple, Style] = {}
    font_name = _font(spec)

    def style_of(cell: _Cell) -> Style:
        key = (cell.bold, cell.italic, cell.center, cell.wrap, cell.border, cell.size)
        if key not in cell_styles:
            style = Style(name=f"ce{len(cell_styles) + 1}", family="table-cell")
            style.addElement(
                TextProperties(
                    fontname=font_name,
                    fontfamily=font_name,
                    fontsize=f"{cell.size}pt",
                    fontweight="bold" if cell.bold else "normal",
                    fontstyle="italic" if cell.italic else "normal",
                )
            )
            props = {"verticalalign": "middle"}
            if cell.wrap:
                props["wrapoption"] = "wrap"
            if cell.border:
                props["border"] = "0.5pt solid #000000"
            style.addElement(TableCellProperties(**props))
            if cell.center:
                style.addElement(ParagraphProperties(textalign="center"))
            doc.automaticstyles.addElement(style)
            cell_styles[key] = style
        return cell_styles[key]

    layout = PageLayout(name="pm1")
    layout.addElement(
        PageLayoutProperties(
            printorientation="landscape", pagewidth="29.7cm", pageheight="21cm", scaletox="1"
        )
    )
    doc.automaticstyles.addElement(layout)
    doc.masterstyles.addElement(MasterPage(name="Default", pagelayoutname=layout))
    table_style = Style(name="ta1", family="table", masterpagename="Default")
    table_style.addElement(TableProperties(display="true"))
    doc.automaticstyles.addElement(table_style)
    row_styles: dict[float, Style] = {}

    def row_style(height: float) -> Style:
        if height not in row_styles:
            style = Style(name=f"ro{len(row_styles) + 1}", family="table-row")
            style.addElement(TableRowProperties(rowheight=f"{height * 0.0353:.2f}cm"))
            doc.automaticstyles.addElement(style)
            row_styles[height] = style
        return row_styles[height]

    for index, model in enumerate(sheets):
        heights = model.heights()
        table = Table(name=model.name, stylename=table_style)
        for col in range(model.width):
            col_style = Style(name=f"co{index}_{col}", family="table-column")
            width = model.widths.get(col, 10)
            col_style.addElement(TableColumnProperties(columnwidth=f"{width * 0.2:.2f}cm"))
            doc.automaticstyles.addElement(col_style)
            hidden = {"visibility": "collapse"} if col in model.hidden_cols else {}
            table.addElement(TableColumn(stylename=col_style, **hidden))
        covered = {}
        for r0, c0, r1, c1 in model.merges:
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    covered[(r, c)] = (r0, c0, r1, c1)
        height = max((r for r, _ in model.cells), default=0) + 1
        for r in range(height):
            row_attrs = {"visibility": "collapse"} if r in model.hidden_rows else {}
            if r in heights:
                row_attrs["stylename"] = row_style(heights[r])
            row = TableRow(**row_attrs)
            for c in range(model.width):
                merge = covered.get((r, c))
                if merge and (merge[0], merge[1]) != (r, c):
                    row.addElement(CoveredTableCell())
                    continue
                cell = model.cells.get((r, c))
                attrs = {}
                if merge:
                    attrs["numberrowsspanned"] = merge[2] - merge[0] + 1
                    attrs["numbercolumnsspanned"] = merge[3] - merge[1] + 1
                if cell is None:
                    row.addElement(TableCell(**attrs))
                    continue
                attrs["stylename"] = style_of(cell)
                element = _ods_cell(cell, attrs, TableCell, P)
                row.addElement(element)
            table.addElement(row)
        doc.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    doc.write(buffer)
    path.write_bytes(buffer.getvalue())


def _ods_cell(cell: _Cell, attrs: dict, table_cell, paragraph):
    value = cell.value
    if isinstance(value, bool) or value is None:
        element = table_cell(**attrs)
    elif isinstance(value, datetime | date):
        element = table_cell(valuetype="date", datevalue=value.strftime("%Y-%m-%d"), **attrs)
        element.addElement(paragraph(text=value.strftime("%d/%m/%Y")))
    elif isinstance(value, int | float):
        if "%" in cell.number_format:
            element = table_cell(valuetype="percentage", value=value, **attrs)
            element.addElement(paragraph(text=f"{value * 100:.1f}%"))
        else:
            element = table_cell(valuetype="float", value=value, **attrs)
            element.addElement(paragraph(text=f"{value:g}"))
    else:
        element = table_cell(valuetype="string", **attrs)
        element.addElement(paragraph(text=str(value)))
    return element


# --- The bundled sample folder ----------------------------------------------------------------

MISSING_UNIT = "18745"  # Xã Cẩm Sơn: deliberately absent, so «chưa nộp» shows
CLUSTER = ("18748", "18751")  # Cẩm Lạc and Cẩm Minh arrive in one workbook with a summary
CLUSTER_FILE = "Tong hop cum xa Cam Lac - Cam Minh.xlsx"
DUPLICATE_UNIT = "18724"  # Xã Cẩm Quan sends an older and a newer version
_BASE_TIME = datetime(2021, 3, 12, 9, 30)


def bundled_specs() -> list[tuple[str, SampleSpec]]:
    """(file name, spec) of the bundled submissions: one per expected commune but one."""
    registry = load_registry(load_config().registry)
    indicators = load_catalog(load_config().catalog).resolve("xa_2016_2020", "Hà Tĩnh")
    codes = [i.code for i in indicators]
    numeric = [i.code for i in indicators if i.rule_for(REGION).kind == "numeric"]
    rng = random.Random(2021)
    specs = []
    units = [u for u in registry.expected() if u.code != MISSING_UNIT]
    layouts = [
        {},
        {"header": "split_threshold", "merged_criteria": True, "code_style": "in_text"},
        {"format": "xls", "code_style": "words", "group_rows": True},
        {"header": "split_value", "column_numbers": True, "code_style": "trailing_dot"},
        {"format": "ods", "merged_criteria": True, "criterion_column": True},
        {"columns": ("no", "text", "value", "threshold", "assessment", "note"), "code_style": "tc"},
        {"format": "xls", "encoding": "TCVN3", "code_style": "comma"},
        {"unit_style": "code", "extra_sheet": "Hướng dẫn", "sheet_name": "TDG"},
        {
            "format": "xlsm",
            "unit_style": "title_ascii",
            "blank_rows": True,
            "note_rows": ("15.3", "17.4"),
        },
        {"unit_style": "file_name", "code_style": "letters", "group_rows": True},
        {"format": "xls", "unit_style": "bcd", "header": "split_threshold", "code_style": "roman"},
        {"encoding": "VNI", "sheet_name": "Sheet1", "roadmap_sheet": "Sheet2"},
        {
            "format": "ods",
            "header": "split_value",
            "code_style": "in_text",
            "roadmap_style": "real",
            "value_styles": ("units", "words"),
        },
        {
            "columns": ("no", "name", "text", "assessment", "value", "note"),
            "blank_rows": True,
            "value_years": (2020, 2021),
        },
        {"format": "xls", "title_rows": 9, "column_numbers": True},
        {"merged_criteria": True, "header": "split_threshold", "roadmap_header": 1},
        {
            "code_style": "words",
            "sheet_name": "Biểu 01",
            "roadmap_sheet": "Kế hoạch thực hiện",
            "unit_column": True,
            "value_styles": ("fraction",),
        },
        {"roadmap_sheet": None, "title_rows": 4},
        {
            "header": "split_value",
            "merged_criteria": True,
            "roadmap_header": 2,
            "sheet_name": "Xã Cẩm Lạc",
            "roadmap_sheet": "Lộ trình Cẩm Lạc",
        },
        {  # in the same workbook as Cẩm Lạc, named only by its sheet's tab
            "group_rows": True,
            "unit_style": "file_name",
            "sheet_name": "Cẩm Minh",
            "roadmap_sheet": "Khung kế hoạch Cẩm Minh",
        },
    ]
    value_mixes = (
        ("number",),
        ("number", "percent_text"),
        ("percent_format", "number"),
        ("vn_number", "units", "number"),
        ("units", "percent_text"),
    )
    for index, unit in enumerate(units):
        layout = dict(layouts[index % len(layouts)])
        picks = rng.sample(numeric, 3)
        others = [code for code in codes if code not in picks]
        faults: dict[str, object] = {"not_met": (picks[0],)}
        kind = index % 7
        if kind == 0:
            faults["contradictions"] = (picks[1],)
        elif kind == 1:
            faults["blank_values"] = (picks[1],)
        elif kind == 2:
            faults["out_of_range"] = (picks[1],)
        elif kind == 3:
            faults["missing"] = (rng.choice(others),)
        elif kind == 4:
            faults["wrong_total"] = True
        elif kind == 5:
            faults["duplicates"] = (picks[1],)
            faults["hidden_rows"] = (picks[2],)
        else:
            faults["roadmap_unreadable"] = True
        if index == 3 and layout.get("format", "xlsx") in ("xlsx", "xlsm"):
            faults["formula_codes"] = (picks[2],)
        if unit.target_level != "đạt chuẩn":
            faults["not_met"] = ()
        spec = SampleSpec(
            unit_code=unit.code,
            unit_name=unit.name,
            seed=1000 + int(unit.code),
            value_styles=layout.pop("value_styles", value_mixes[index % len(value_mixes)]),
            assessment_variants=index % 3 == 1,
            signed_day=(8, 10, 12, 15, 17)[index % 5],  # the deadline is 15/3: some are late
            **layout,
            **faults,
        )
        name = CLUSTER_FILE if unit.code in CLUSTER else _file_name(spec, index)
        specs.append((name, spec))
    return specs


def _file_name(spec: SampleSpec, index: int) -> str:
    stem = file_stem_of(spec)
    patterns = (
        "{stem}_tu_danh_gia_2021",
        "Bieu tu danh gia NTM - {short}",
        "TDG_{stem}",
        "{code}_{stem}",
        "{stem}",
    )
    if spec.unit_style == "file_name":
        name = stem
    else:
        name = patterns[index % len(patterns)].format(
            stem=stem, short=fold(spec.short_name).title(), code=spec.unit_code
        )
    return f"{name}.{spec.format}"


def file_stem_of(spec: SampleSpec) -> str:
    from ntm_excel.model import Unit

    unit = Unit(spec.unit_code, spec.unit_name, spec.kind, "", "", "")
    return file_stem(unit)


def district_spec() -> SampleSpec:
    """The district's own self-assessment (set "huyen_2016_2020")."""
    return SampleSpec(
        unit_code="446",
        unit_name="Huyện Cẩm Xuyên",
        set_id="huyen_2016_2020",
        sheet_name="Tự đánh giá huyện",
        code_style="letters",
        group_rows=False,
        merged_criteria=False,
        roadmap_sheet=None,
        seed=446,
    )


def more_specs(count_per_unit: int) -> list[tuple[str, SampleSpec]]:
    """The bundled specs, each repeated `count_per_unit` times with other values (for load
    tests): "xa_cam_ha.xlsx", "xa_cam_ha_lan2.xlsx", …"""
    specs = []
    for round_ in range(count_per_unit):
        for name, spec in bundled_specs():
            if round_:
                stem, suffix = name.rsplit(".", 1)
                name = f"{stem}_lan{round_ + 1}.{suffix}"
                spec = replace(spec, seed=spec.seed + 7919 * round_)
            specs.append((name, spec))
    return specs


def write_bundled(
    outdir: Path, district_path: Path | None = None, count_per_unit: int = 1
) -> list[Path]:
    """Write the bundled submissions into `outdir` (and the district's workbook)."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    files: dict[str, list[SampleSpec]] = {}
    for name, spec in more_specs(count_per_unit):
        files.setdefault(name, []).append(spec)
    for index, (name, specs) in enumerate(files.items()):
        spec = specs[0]
        if len(specs) > 1:
            path = write_cluster(outdir / name, specs)
        else:
            path = write_sample(outdir / name, spec)
        _touch(path, index * 37)
        written.append(path)
        if spec.unit_code == DUPLICATE_UNIT:
            older = replace(
                spec,
                blank_values=spec.blank_values + ("10", "12"),
                seed=spec.seed + 1,
                signed_day=spec.signed_day - 3,
            )
            old_path = write_sample(outdir / f"{Path(name).stem}_ban_cu.{spec.format}", older)
            _touch(old_path, -3 * 24 * 60)
            written.append(old_path)
    written += _broken_files(outdir)
    if district_path is not None:
        written.append(write_sample(district_path, district_spec()))
    return written


def _touch(path: Path, minutes: int) -> None:
    moment = _BASE_TIME.timestamp() + minutes * 60
    os.utime(path, (moment, moment))


def _broken_files(outdir: Path) -> list[Path]:
    """A damaged download and a password-protected file, as offices receive them."""
    from msoffcrypto.format.ooxml import OOXMLFile

    base = SampleSpec(unit_code="18733", unit_name="Xã Cẩm Hưng", seed=7, roadmap_sheet=None)
    buffer_path = outdir / ".tmp_sample.xlsx"
    write_sample(buffer_path, base)
    data = buffer_path.read_bytes()
    corrupt = outdir / "cam_hung_gui_lai_loi.xlsx"
    with atomic_path(corrupt) as tmp:
        tmp.write_bytes(data[: len(data) * 2 // 3])
    protected = outdir / "xa_cam_trung_co_mat_khau.xlsx"
    encrypted = io.BytesIO()
    with buffer_path.open("rb") as plain:
        office = OOXMLFile(plain)
        office.encrypt("123456", encrypted)
    with atomic_path(protected) as tmp:
        tmp.write_bytes(encrypted.getvalue())
    buffer_path.unlink()
    for path in (corrupt, protected):
        _touch(path, 90)
    return [corrupt, protected]


def main(argv: Sequence[str] | None = None) -> int:
    from ntm_excel.cli import translate_argparse

    translate_argparse()
    parser = argparse.ArgumentParser(
        prog="python tests/support/samples.py",
        description="Tạo bộ biểu tự đánh giá mẫu của các xã (dùng để thử và để minh họa).",
    )
    parser.add_argument("outdir", type=Path, metavar="THƯ_MỤC", help="Thư mục ghi các tệp mẫu")
    parser.add_argument(
        "--huyen",
        type=Path,
        default=None,
        metavar="TỆP",
        help="Ghi thêm biểu tự đánh giá của huyện vào tệp này",
    )
    parser.add_argument(
        "--count-per-unit",
        type=int,
        default=1,
        metavar="N",
        help="Số tệp cho mỗi xã (mặc định 1; lớn hơn để thử đọc khối lượng lớn)",
    )
    parser.add_argument(
        "--xoa-cu",
        action="store_true",
        help="Xóa các tệp bảng tính cũ trong thư mục trước khi ghi",
    )
    args = parser.parse_args(argv)
    if args.xoa_cu and args.outdir.is_dir():
        for old in args.outdir.iterdir():
            if old.is_file() and old.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
                old.unlink()
    if args.count_per_unit < 1:
        parser.error("--count-per-unit phải từ 1 trở lên")
    written = write_bundled(args.outdir, args.huyen, args.count_per_unit)
    total = sum(path.stat().st_size for path in written)
    print(f"Đã ghi {len(written)} tệp ({total / 1024:.0f} KB) vào {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
