"""The clues that name a workbook's unit (a code cell, the title block, the sheet tab, the
file name), said with where each was written: when two clues name two different communes (a
neighbour's file copied and renamed), the message says which clue named which.
"""

from __future__ import annotations

from collections.abc import Iterable

from ntm_excel.read.sheets import Grid, Header, cell_text
from ntm_excel.reference.registry import Unit, describe
from ntm_excel.text import cell_address, shown

TEXT_SHOWN = 160  # characters of a title line a message quotes (a row of 60 long cells: 1 MB)


def title_cell(
    grids: list[Grid], header: Header | None, written: str, height: int
) -> tuple[str, str]:
    """Where a title line or a code cell `written` stands in the title block (the `height`
    rows above the table, else the first rows of each sheet): its sheet and cell ("TĐG",
    "A2"), or ("", "") when it is found nowhere."""
    for grid, rows in _title_blocks(grids, header, height):
        for row in rows:
            line = grid.line(row)
            if line is None:
                continue
            for col, cell in enumerate(grid.rows[row]):
                if cell not in ("", None) and (line[0] == written or cell_text(cell) == written):
                    return grid.name, cell_address(row, col)
    return "", ""


def _title_blocks(
    grids: list[Grid], header: Header | None, height: int
) -> Iterable[tuple[Grid, range]]:
    if header is not None:
        return [(header.grid, range(min(header.top, height)))]
    return [(grid, range(min(len(grid.rows), height))) for grid in grids]


def named_by(unit: Unit, clue: str) -> str:
    """A unit and the clue that named it: "Xã Cẩm Bình (…; mã 18685) theo tên tệp «…»"."""
    return f"{describe(unit)} theo {clue}"


def title_clue(
    grids: list[Grid], header: Header | None, written: str, what: str, height: int
) -> str:
    """A title-block clue: "đầu biểu «UBND XÃ CẨM BÌNH» (trang «TĐG», ô A1)"."""
    sheet, cell = title_cell(grids, header, written, height)
    where = f" (trang «{sheet}», ô {cell})" if sheet else ""
    return f"{what} «{shown(written, TEXT_SHOWN)}»{where}"


def conflicting(named: list[tuple[Unit, str]]) -> str:
    """Two or more clues naming different communes, each with its unit, for the
    `unit-ambiguous` message's candidates; a copied form is the usual cause."""
    clues = ", còn ".join(named_by(unit, clue) for unit, clue in named)
    return f"{clues} (tệp sao từ biểu của xã khác mà chưa sửa hết?)"


def fix_advice(first: str, second: str) -> str:
    """What to do when two clues name two communes: "Hãy sửa đầu biểu hoặc tên tệp cho đúng
    xã gửi." (the name of one unit is right, so nothing else would help)."""
    return f"Hãy sửa {first} hoặc {second} cho đúng xã gửi."


# when a name fits several units: what tells them apart
TELL_APART = (
    "Hãy ghi rõ tên hoặc mã đơn vị, ghi huyện ở đầu biểu (ví dụ «UBND HUYỆN …»), hoặc để "
    "tệp trong thư mục mang tên huyện."
)
