"""Sheets exported from a province's web system: one row per commune × indicator, the
commune in a code column («Mã xã», «MaXa», «Ma_xa»: its GSO code), the indicator code, its
wording, the value and the self-assessment in the columns after it.

Such a sheet has no title block to name its commune: each row does. A district's export
holds several communes in one sheet; each becomes its own submission, read from its own rows
(the other communes' rows left out, so every cell keeps its address in the sheet).

Exports often write their headings as glued ASCII identifiers («MaChiTieu», «TenChiTieu»,
«GiaTri», «TuDanhGia»). They are spelled out as words («Ma Chi Tieu») before the heading is
classified, so the vocabulary's headings («Mã chỉ tiêu», «Giá trị…», «…đánh giá…») know
them; the heading keeps what they mean, the sheet shows them as written again. This is only
tried on a sheet where no heading was found: a commune's usual form never pays for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ntm_excel.issues import Issue, make_issue
from ntm_excel.model import COMMUNE, PROVINCE, ReadingReport, Unit
from ntm_excel.read.columns import is_assessment_table
from ntm_excel.read.sheets import (
    HEADER_SCAN_ROWS,
    MAX_COLS,
    Classifier,
    Grid,
    Header,
    locate_header,
)
from ntm_excel.reference.registry import CODE_DIGITS, Registry
from ntm_excel.text import cell_address, column_letter

# Folded headings of the column holding the unit's GSO code
UNIT_CODE_HEADINGS = frozenset(
    {"ma xa", "ma don vi", "ma dvhc", "ma dv", "ma so xa", "ma phuong xa", "ma xa phuong"}
)
MIN_GLUED = 3  # glued headings a row needs to be taken for an export's heading row
# Units one export sheet may hold: a district's communes many times over. Each unit is read
# from its own view of the sheet, so the work grows with units × rows: a crafted sheet of
# 5,000 rows naming 5,000 communes took 80 s and 4 GB before this bound.
MAX_UNITS = 300
# Unknown codes reported one issue each; the others in one more issue (a sheet of another
# province's 5,000 codes gave 5,000 issues)
MAX_UNKNOWN_LISTED = 10
_GLUED = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z]*)+")  # «MaChiTieu», «TuDanhGia»
_WORD = re.compile(r"[A-Z][a-z]*")


def glued_heading(grid: Grid, classify: Classifier) -> Header | None:
    """The heading of a sheet whose heading row is written in glued identifiers («MaXa |
    MaChiTieu | GiaTri | TuDanhGia»), its cells spelled out as words; None (the sheet left
    as it was) when there is no such row or it still names no self-assessment table."""
    for row in range(min(HEADER_SCAN_ROWS, len(grid.rows))):
        line = grid.rows[row][:MAX_COLS]
        glued = [
            (col, cell)
            for col, cell in enumerate(line)
            if isinstance(cell, str) and cell.isascii() and _GLUED.fullmatch(cell)
        ]
        if len(glued) < MIN_GLUED:
            continue
        for col, cell in glued:
            grid.set_value(row, col, " ".join(_WORD.findall(cell)))
        header = locate_header([grid], classify, is_assessment_table, first_row=row)
        for col, cell in glued:  # classified: shown as written again («MaXa», not «Ma Xa»)
            grid.set_value(row, col, cell)
        if header is not None and header.top == row:
            return header
    return None


@dataclass
class FlatSheet:
    """A sheet of rows per unit: each unit's own view of it (`units`: code → its heading
    over a sheet keeping only its rows) and the codes the registry does not know."""

    header: Header
    column: int  # the unit code column
    units: dict[str, Header] = field(default_factory=dict)
    unknown: dict[str, list[int]] = field(default_factory=dict)  # code as written → rows
    uncomputed: list[int] = field(default_factory=list)  # rows whose code is a formula
    too_many: int = 0  # the units the sheet names when more than MAX_UNITS (none read)

    @property
    def heading(self) -> str:
        """The code column's heading as written."""
        grid = self.header.grid
        return grid.text(self.header.top, self.column) or grid.text(self.header.bottom, self.column)

    def unit_text(self, code: str) -> str:
        """The text a unit was read from: the code column's heading and the code."""
        return f"{self.heading}: {code}"

    def note(self, names: dict[str, str]) -> str:
        """How the sheet was read, for the reading report."""
        grid = self.header.grid
        where = cell_address(self.header.top, self.column)
        units = ", ".join(f"{names[code]} ({code})" for code in self.units)
        return (
            f"Trang «{grid.name}»: bảng dạng danh sách (mỗi dòng một chỉ tiêu của một đơn vị, "
            f"mã đơn vị ở cột «{self.heading}», ô {where}); {len(self.units)} đơn vị, mỗi "
            f"đơn vị một biểu: {units}"
        )

    def explained(self, reading: ReadingReport) -> ReadingReport:
        """`reading` with the code column said to be what it is (the vocabulary, made for
        a commune's form, does not know it)."""
        letter = column_letter(self.column)
        evidence = "mỗi dòng ghi mã của đơn vị có dòng đó (bảng xuất từ hệ thống)"
        columns = tuple(
            replace(c, role="mã đơn vị", evidence=evidence) if c.column == letter else c
            for c in reading.columns
        )
        return replace(reading, columns=columns)

    def too_many_issue(self, file_name: str) -> Issue:
        """`table-layout-unsupported` for a sheet naming more units than one file may hold."""
        grid = self.header.grid
        layout = (
            f"bảng xuất từ hệ thống ghi {self.too_many} đơn vị ở cột «{self.heading}», quá "
            f"{MAX_UNITS} đơn vị một tệp (hãy xuất riêng từng huyện)"
        )
        return make_issue(
            "table-layout-unsupported",
            file=file_name,
            sheet=grid.name,
            cell=cell_address(self.header.top, self.column),
            tab=grid.name,
            layout=layout,
        )

    def unknown_issues(self, file_name: str) -> list[Issue]:
        """`unit-unknown` for the rows whose code names no unit of the registry (the first
        `MAX_UNKNOWN_LISTED` codes one issue each, the others together), and
        `formula-without-value` for the first code cell that is a formula without a result
        (its rows belong to no unit: never to the unit above)."""
        grid = self.header.grid
        issues = []
        listed = list(self.unknown.items())
        groups = [(f"mã «{code}»", rows) for code, rows in listed[:MAX_UNKNOWN_LISTED]]
        if rest := listed[MAX_UNKNOWN_LISTED:]:
            groups.append((f"{len(rest)} mã khác", sorted(r for _, rows in rest for r in rows)))
        for what, rows in groups:
            detail = (
                f" (trang «{grid.name}», cột «{self.heading}»: {what} ở ô "
                f"{self._cells(rows)} không có trong danh sách đơn vị; các dòng này không "
                "được đọc)"
            )
            issues.append(
                make_issue("unit-unknown", file=file_name, sheet=grid.name, detail=detail)
            )
        if self.uncomputed:
            row = self.uncomputed[0]
            issues.append(
                make_issue(
                    "formula-without-value",
                    file=file_name,
                    sheet=grid.name,
                    cell=cell_address(row, self.column),
                    formula=grid.formulas[(row, self.column)],
                )
            )
        return issues

    def _cells(self, rows: list[int]) -> str:
        """The code cells of `rows`: the first five, and how many more."""
        cells = ", ".join(cell_address(row, self.column) for row in rows[:5])
        return cells + (f" và {len(rows) - 5} ô khác" if len(rows) > 5 else "")


def unit_code_column(header: Header) -> int | None:
    """The column of a heading that holds each row's unit code, if any."""
    return next(
        (col for col, label in sorted(header.labels.items()) if label in UNIT_CODE_HEADINGS),
        None,
    )


def flat_sheet(headers: list[Header], registry: Registry) -> FlatSheet | None:
    """The first table whose rows each name their unit by code, split by unit; None when no
    table has a unit code column or its column names no unit the registry knows."""
    for header in headers:
        column = unit_code_column(header)
        if column is not None:
            found = _split(header, column, registry)
            if found.units or found.too_many:
                return found
    return None


def _unit(registry: Registry, written: str) -> Unit | None:
    """The unit of a code as written; a commune code stored as a number has lost its
    leading zeros (00004 written 4) and is looked up zero-padded too."""
    unit = registry.get(written)
    if unit is None and written.isdigit() and len(written) < CODE_DIGITS[COMMUNE]:
        unit = registry.get(written.zfill(CODE_DIGITS[COMMUNE]))
    return unit


def _split(header: Header, column: int, registry: Registry) -> FlatSheet:
    """Each unit's rows of `header`'s table. A blank code cell goes with the unit above it
    (an export that writes the code once per block, or merges it down)."""
    grid = header.grid
    owners: list[str | None] = []
    found = FlatSheet(header, column)
    owner = None
    for row in range(header.bottom + 1, len(grid.rows)):
        written = grid.text(row, column).strip()
        if (row, column) in grid.formulas:  # no result saved: whose rows these are is unknown
            owner = None
            found.uncomputed.append(row)
        elif written:
            unit = _unit(registry, written)
            owner = unit.code if unit is not None and unit.tier != PROVINCE else None
            if owner is None:
                found.unknown.setdefault(written, []).append(row)
        owners.append(owner)
    codes = dict.fromkeys(owner for owner in owners if owner)
    if len(codes) > MAX_UNITS:
        found.too_many = len(codes)
        return found
    last = {owner: row for row, owner in enumerate(owners, header.bottom + 1) if owner}
    for code in codes:
        kept = (
            grid.rows[: header.bottom + 1]
            + [  # up to the unit's last row
                line if mine == code else []
                for line, mine in zip(
                    grid.rows[header.bottom + 1 : last[code] + 1], owners, strict=False
                )
            ]
        )
        rows = {row for row, mine in enumerate(owners, header.bottom + 1) if mine == code}
        own = replace(
            grid,
            rows=kept,
            formulas={
                at: f for at, f in grid.formulas.items() if at[0] <= header.bottom or at[0] in rows
            },
            _texts={},
            _lines={},
        )
        found.units[code] = replace(header, grid=own)
    return found
