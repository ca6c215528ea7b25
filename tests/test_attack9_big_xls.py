"""An .xls (BIFF8) whose second sheet holds 600,000 number cells (a household list far
beyond any form): the scan of its records kept every cell, then calamine loaded them all
(2 million cells: 430 MB more, 1.6 s). The sheet is refused as it is walked, naming it; a
list within the cap is read as before."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from support.wild import Book, Cell, Sheet, write_book
from test_attack8_big_sheets import _PEAK_GROWTH
from test_table_probe2 import commune_sheet

from ntm_excel.read.reader import read_workbook

REFUSED = "trang «Danh sách hộ» có hơn 500.000 ô, quá nhiều so với một biểu tự đánh giá"


def _book_with_list(path: Path, rows: int, cols: int) -> None:
    """A commune's table, then a sheet of `rows` × `cols` numbers."""
    households = Sheet("Danh sách hộ")
    households.cells = dict.fromkeys(itertools.product(range(rows), range(cols)), Cell(1234))
    write_book(Book([commune_sheet(), households]), path)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_an_xls_sheet_of_too_many_cells_is_refused_within_the_budget(tmp_path):
    good = tmp_path / "xa_cam_vinh.xls"
    write_book(Book([commune_sheet()]), good)
    hostile = tmp_path / "xa_cam_vinh_lon.xls"
    _book_with_list(hostile, 12_000, 50)
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_GROWTH, str(good), str(hostile)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    growth, refused, *messages = done.stdout.splitlines()
    assert refused == "True" and any(REFUSED in message for message in messages), messages
    assert float(growth) < 200  # MB


def test_an_xls_list_within_the_cap_is_still_read(tmp_path, registry, indicators):
    """400,000 cells on a sheet of their own: the commune's table is read, as before."""
    path = tmp_path / "xa_cam_vinh.xls"
    _book_with_list(path, 8_000, 50)
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    assert submission.unit_code == "18691" and len(submission.indicators) == 6
    assert "file-unreadable" not in {issue.code for issue in issues}
