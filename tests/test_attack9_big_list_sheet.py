"""A commune's .xlsx with a household list of 2.5 million cells on a sheet of its own: the
whole workbook was refused. The list's sheet is left unread (calamine never loads it) and
said so, naming it; the commune's table on the other sheet is read. A sheet of too many cells
that is the workbook's only one still makes the file unreadable
(test_attack8_big_sheets)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.hostile import rezip
from support.wild import Book, Sheet, write_book
from test_attack8_big_sheets import _PEAK_GROWTH, _cells
from test_table_probe2 import commune_sheet

LIST = "xl/worksheets/sheet2.xml"
UNREAD = "trang «Danh sách hộ» có hơn 500.000 ô nên không được đọc"


def _book_with_big_list(path: Path, rows: int, cols: int) -> None:
    households = Sheet("Danh sách hộ")
    households.put(0, 0, "Họ và tên chủ hộ")
    write_book(Book([commune_sheet(), households]), path)
    cells = _cells(rows, cols, addressed=True)
    below = {LIST: lambda xml: xml.replace(b"</sheetData>", cells + b"</sheetData>")}
    path.write_bytes(rezip(path.read_bytes(), below))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_the_table_is_read_beside_a_sheet_of_too_many_cells(tmp_path):
    good = tmp_path / "xa_cam_vinh.xlsx"
    write_book(Book([commune_sheet()]), good)
    path = tmp_path / "xa_cam_vinh_ds_ho.xlsx"
    _book_with_big_list(path, 50_000, 50)
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_GROWTH, str(good), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    growth, no_submission, *messages = done.stdout.splitlines()
    assert no_submission == "False", messages
    assert any(UNREAD in message for message in messages), messages
    assert float(growth) < 200  # MB: the list's sheet is never loaded


def test_the_table_and_the_note_in_the_submission(tmp_path, registry, indicators):
    from ntm_excel.read.reader import read_workbook

    path = tmp_path / "xa_cam_vinh_ds_ho.xlsx"
    _book_with_big_list(path, 12_000, 50)
    [(submission, issues)] = read_workbook(path, registry, indicators)
    assert submission.unit_code == "18691" and len(submission.indicators) == 6
    [note] = [issue for issue in issues if issue.code == "sheet-truncated"]
    assert UNREAD in note.message and note.sheet == "Danh sách hộ"
    assert "file-unreadable" not in {issue.code for issue in issues}
