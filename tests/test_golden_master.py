"""The golden master: the bundled demo consolidated on a fixed date must give exactly the
reference workbook kept in tests/reference/, cell by cell and format by format (in the manner
of XlsxWriter's own tests against files made by Excel).

A deliberate change to the master (or to the bundled samples) regenerates the reference:

    .venv/bin/python tests/test_golden_master.py

then look at the new workbook (scripts/render_master.sh) before committing it.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl

from ntm_excel.check.consolidate import consolidate_from_config
from ntm_excel.config import BUNDLED, VIETNAM_TIME, load_config
from ntm_excel.write.master import write_master

REFERENCE = Path(__file__).resolve().parent / "reference" / "tong_hop_mau_nop.xlsx"
AS_OF = date(2021, 3, 25)
CREATED = datetime(2021, 3, 25, 8, 0)
# git keeps no file times: fix them (09:30 in Vietnam, whatever the host's time zone)
FILE_TIME = datetime(2021, 3, 12, 9, 30, tzinfo=VIETNAM_TIME).timestamp()


def build(folder: Path, output: Path) -> Path:
    """The master of the bundled samples (copied to `folder` with fixed file times)."""
    inbox = folder / "mau_nop"
    shutil.copytree(BUNDLED / "mau_nop", inbox)
    for path in inbox.iterdir():
        os.utime(path, (FILE_TIME, FILE_TIME))
    result = consolidate_from_config([inbox], load_config(), AS_OF, workers=1)
    return write_master(dataclasses.replace(result, created=CREATED), output)


def describe(path: Path) -> dict[tuple, object]:
    """Everything a person sees in the workbook, keyed by (sheet, what, where)."""
    book = openpyxl.load_workbook(path)
    seen: dict[tuple, object] = {("book", "sheets", ""): book.sheetnames}
    for ws in book.worksheets:
        name = ws.title
        seen[(name, "merged", "")] = sorted(str(r) for r in ws.merged_cells.ranges)
        seen[(name, "freeze", "")] = ws.freeze_panes
        seen[(name, "print", "")] = (
            ws.page_setup.orientation,
            ws.page_setup.paperSize,
            ws.page_setup.fitToWidth,
            ws.print_title_rows,
            str(ws.print_area),
            ws.oddFooter.left.text,
        )
        for key, dim in ws.column_dimensions.items():
            seen[(name, "width", key)] = (dim.width, dim.hidden)
        for key, dim in ws.row_dimensions.items():
            seen[(name, "height", key)] = (dim.height, dim.hidden)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None and not cell.has_style:
                    continue
                font, fill, align = cell.font, cell.fill, cell.alignment
                seen[(name, "cell", cell.coordinate)] = (
                    cell.value,
                    cell.number_format,
                    (font.b, font.i, font.sz, font.color.rgb if font.color else None),
                    (fill.fill_type, fill.fgColor.rgb if fill.fill_type else None),
                    (align.horizontal, align.vertical, align.wrap_text, align.textRotation),
                    tuple(
                        side.style if side else None
                        for side in (
                            cell.border.left,
                            cell.border.right,
                            cell.border.top,
                            cell.border.bottom,
                        )
                    ),
                )
    return seen


def test_the_bundled_demo_gives_the_reference_master(tmp_path):
    made = describe(build(tmp_path, tmp_path / "tong_hop.xlsx"))
    kept = describe(REFERENCE)
    differences = [
        f"{key}: {kept.get(key)!r} → {made.get(key)!r}"
        for key in sorted(set(made) | set(kept), key=str)
        if made.get(key) != kept.get(key)
    ]
    assert not differences, (
        f"{len(differences)} differences from {REFERENCE.name} (if intended, regenerate it: "
        f".venv/bin/python tests/test_golden_master.py):\n" + "\n".join(differences[:30])
    )


def test_the_comparison_sees_a_changed_cell(tmp_path):
    """The golden test would notice a change: a cell's value, or only its colour."""
    copy = tmp_path / "copy.xlsx"
    book = openpyxl.load_workbook(REFERENCE)
    sheet = book.worksheets[0]
    sheet["B5"] = "khác"
    book.save(copy)
    assert describe(copy) != describe(REFERENCE)
    book = openpyxl.load_workbook(REFERENCE)
    cell = book.worksheets[1]["C4"]
    cell.fill = openpyxl.styles.PatternFill("solid", fgColor="FF123456")
    book.save(copy)
    assert describe(copy) != describe(REFERENCE)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        REFERENCE.parent.mkdir(exist_ok=True)
        build(Path(folder), REFERENCE)
    print(f"Đã ghi lại bảng tổng hợp mẫu: {REFERENCE}")
    sys.exit(0)
