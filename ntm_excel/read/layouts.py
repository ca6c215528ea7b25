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

A roadmap typed beside the table (its heading on the table's heading rows, after an empty
column) is read as the roadmap, and its columns are not the table's (`beside`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ntm_excel.codes import written_code
from ntm_excel.issues import Issue, make_issue
from ntm_excel.read.sheets import HEADER_SCAN_ROWS, MAX_COLS, Grid, Header
from ntm_excel.text import cell_address, first_of

NAME_LENGTH = 60  # longer heading cells are not a unit's name
NAMES_SHOWN = 3  # communes a message names (a heading naming 56 made one of 741 characters)
MIN_CODES = 5  # indicator codes along a row that make a table turned on its side

Namer = Callable[[str], bool]  # whether a text is wholly a commune's name
SIDE_ROWS = 3  # rows above and below the table's heading where a roadmap beside it is headed


def beside(
    header: Header, is_roadmap: Callable[[list[str]], bool], is_table: Callable[[dict], bool]
) -> tuple[Header, Grid | None]:
    """A roadmap typed to the right of the table, after an empty column, headed within a few
    rows of the table's heading: (the table's heading on a copy of the sheet without the
    roadmap's columns, a copy holding only those, where the roadmap is read); else (header,
    None). Read whole, the table's heading would lend the roadmap's «Thời gian hoàn thành»
    to every indicator row, each read as a task, and the roadmap's heading would end the
    table."""
    grid, cols = header.grid, sorted(header.labels)
    width = max(map(len, grid.rows[header.top : header.bottom + 1]), default=0)
    last = [cols[-1] + 2] if cols and cols[-1] + 2 < width else []  # beyond the heading's end
    for left, right in zip(cols, [*cols[1:], *last], strict=False):
        if right - left < 2:
            continue
        roles = {role: tuple(c for c in found if c < right) for role, found in header.roles.items()}
        roles = {role: found for role, found in roles.items() if found}
        rows = range(max(header.top - SIDE_ROWS, 0), min(header.bottom + SIDE_ROWS, len(grid.rows)))
        if not is_table(roles) or not any(is_roadmap(grid.texts(r)[right:]) for r in rows):
            continue
        table = replace(
            header,
            grid=_columns(grid, 0, right),
            roles=roles,
            labels={c: label for c, label in header.labels.items() if c < right},
            children={c: label for c, label in header.children.items() if c < right},
            score=len(roles),
        )
        return table, _columns(grid, right, max(map(len, grid.rows), default=0))
    return header, None


def _columns(grid: Grid, start: int, stop: int) -> Grid:
    """A copy of `grid` holding only its columns `start` to `stop` (the others blank, each
    cell at its own address)."""
    return Grid(
        grid.name,
        [[""] * min(start, len(line)) + line[start:stop] for line in grid.rows],
        grid.hidden,
        tuple(merge for merge in grid.merged if start <= merge[1] < stop),
        {cell: f for cell, f in grid.formulas.items() if start <= cell[1] < stop},
        hidden_cols=grid.hidden_cols,
        hidden_rows=grid.hidden_rows,
        formats=grid.formats,
    )


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
    named = first_of([f"{text} ở ô {cell}" for text, cell in found.items()], NAMES_SHOWN, "xã")
    layout = f"bảng có cột riêng của từng xã ({named})"
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
