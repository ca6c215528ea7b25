"""The master written twice, by `MasterWorksheet` and by XlsxWriter's own worksheet: the
parts of the two packages, to compare byte for byte."""

from __future__ import annotations

import zipfile
from pathlib import Path

from xlsxwriter.worksheet import Worksheet

from ntm_excel.model import Consolidation
from ntm_excel.write import master
from ntm_excel.write.master import write_master


def sheet_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {n: package.read(n) for n in package.namelist() if n.startswith("xl/")}


def fast_and_plain(
    consolidation: Consolidation, folder: Path, monkeypatch
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The xl/ parts of the master as written (`MasterWorksheet`) and as XlsxWriter's
    `Worksheet` writes it."""
    fast = write_master(consolidation, folder / "fast.xlsx")
    with monkeypatch.context() as patched:
        patched.setattr(master.MasterWorkbook, "worksheet_class", Worksheet)
        plain = write_master(consolidation, folder / "plain.xlsx")
    return sheet_parts(fast), sheet_parts(plain)
