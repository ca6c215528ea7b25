"""The cells of one sheet of an office's reference workbook (plan, contact book), read with
calamine: .xlsx, .xls and .ods alike."""

from __future__ import annotations

from python_calamine import CalamineWorkbook


def sheet_grid(workbook: CalamineWorkbook, name: str) -> list[list[object]]:
    """The cells of sheet `name` (None where blank), row by row from A1; a cell merged over
    several rows gives its value to each of them (a task written over one row per owner or
    milestone, a unit over the rows of its officials: the rows below would be blank)."""
    sheet = workbook.get_sheet_by_name(name)
    rows = [[None if cell == "" else cell for cell in row] for row in sheet.to_python(False)]
    for (top, col), (bottom, _) in sheet.merged_cell_ranges or ():
        for row in range(top + 1, min(bottom, len(rows) - 1) + 1):
            if col < len(rows[row]) and col < len(rows[top]):
                rows[row][col] = rows[top][col]
    return rows
