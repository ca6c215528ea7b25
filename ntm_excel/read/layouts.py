"""Tables the reader recognises but does not read: their values would be taken for the wrong
unit or not at all, so each gives `table-layout-unsupported`, naming the file, the sheet and
the cells that show the layout, and no value is read from the sheet.

- columns per commune: headings naming two or more communes (a district's compilation,
  criteria down and «Cẩm Thành | Cẩm Quang | …» across; two communes side by side, each with
  its «Kết quả | Tự đánh giá» under its name). Read as it stands, the first commune's values
  would go to the unit of the title block (often the district);
- a grid of communes: a district's compilation with no self-assessment heading, one row
  (or one column) per commune;
- indicators across: a commune's table turned on its side, the indicator codes along one
  row and the values along the next.

The first is checked on every table found, on its heading cells only; the other two only on
a workbook where no table was found.
"""

from __future__ import annotations

from collections.abc import Callable

from ntm_excel.issues import Issue, make_issue
from ntm_excel.read.codes import written_code
from ntm_excel.read.sheets import HEADER_SCAN_ROWS, MAX_COLS, Grid, Header
from ntm_excel.text import cell_address

NAME_LENGTH = 60  # longer heading cells are not a unit's name
NAMES_SHOWN = 3  # communes a message names (a heading naming 56 made one of 741 characters)
MIN_CODES = 5  # indicator codes along a row that make a table turned on its side

Namer = Callable[[str], bool]  # whether a text is wholly a commune's name


def unit_columns(header: Header, commune: Namer) -> dict[str, str]:
    """The communes a table's heading cells (and the row just above them) name, as written
    → the cell naming it; empty unless two or more do."""
    grid = header.grid
    found: dict[str, str] = {}
    for row in range(max(header.top - 1, 0), header.bottom + 1):
        for col, text in enumerate(grid.texts(row)[:MAX_COLS]):
            if text and len(text) <= NAME_LENGTH and commune(text):
                found.setdefault(text, cell_address(row, col))
    return found if len(found) > 1 else {}


def several_units_issue(header: Header, found: dict[str, str], file_name: str) -> Issue:
    """The issue of a table with columns per commune."""
    named = ", ".join(f"{text} ở ô {cell}" for text, cell in list(found.items())[:NAMES_SHOWN])
    more = f" và {len(found) - NAMES_SHOWN} xã khác" if len(found) > NAMES_SHOWN else ""
    layout = f"bảng có cột riêng của từng xã ({named}{more})"
    return _issue(header.grid, layout, next(iter(found.values())), file_name)


def unread_layout(grids: list[Grid], commune: Namer, file_name: str) -> list[Issue]:
    """The issues of sheets holding a grid of communes (one per row or per column) or a
    table turned on its side (looked for in a workbook where no table was found)."""
    issues = []
    for grid in grids:
        rows = range(min(HEADER_SCAN_ROWS, len(grid.rows)))
        way, named = _communes_lined_up(grid, rows, commune)
        if named:
            cells = ", ".join(
                f"{text} ở ô {cell}" for text, cell in list(named.items())[:NAMES_SHOWN]
            )
            more = "…" if len(named) > NAMES_SHOWN else ""
            layout = f"bảng tổng hợp nhiều xã, {way} ({cells}{more})"
            issues.append(_issue(grid, layout, next(iter(named.values())), file_name))
            continue
        for row in rows:
            codes = [
                (col, text)
                for col, text in enumerate(grid.texts(row)[:MAX_COLS])
                if text and (code := written_code(text)) and code.kind == "indicator"
            ]
            if len(codes) >= MIN_CODES:
                shown = ", ".join(f"«{text}»" for _, text in codes[:3])
                layout = f"các chỉ tiêu xếp theo cột (dòng {row + 1}: {shown}…): bảng xoay ngang"
                issues.append(_issue(grid, layout, cell_address(row, codes[0][0]), file_name))
                break
    return issues


def _communes_lined_up(grid: Grid, rows: range, commune: Namer) -> tuple[str, dict[str, str]]:
    """The most communes named one per cell down a column («mỗi dòng một xã») or along a
    row («mỗi cột một xã»), name → cell; empty unless two or more."""
    down: dict[int, dict[str, str]] = {}
    across: dict[int, dict[str, str]] = {}
    for row in rows:
        for col, text in enumerate(grid.texts(row)[:MAX_COLS]):
            if text and len(text) <= NAME_LENGTH and commune(text):
                down.setdefault(col, {}).setdefault(text, cell_address(row, col))
                across.setdefault(row, {}).setdefault(text, cell_address(row, col))
    lines = [("mỗi dòng một xã", names) for names in down.values()]
    lines += [("mỗi cột một xã", names) for names in across.values()]
    way, named = max(lines, key=lambda line: len(line[1]), default=("", {}))
    return (way, named) if len(named) > 1 else ("", {})


def _issue(grid: Grid, layout: str, cell: str, file_name: str) -> Issue:
    return make_issue(
        "table-layout-unsupported",
        file=file_name,
        sheet=grid.name,
        cell=cell,
        tab=grid.name,
        layout=layout,
    )
