"""A worksheet of millions of small cells (a few megabytes deflated): finding where its cells
lie, then reading it, took 6 to 16 seconds and up to a gigabyte. It is refused before any
parsing, naming the sheet, and a batch goes on."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support.hostile import SHEET, rezip
from support.wild import Book, write_book
from test_table_probe2 import commune_sheet

from ntm_excel.cli import main
from ntm_excel.read.reader import read_workbook
from ntm_excel.text import cell_address

REFUSED = "trang «Biểu TĐG» có hơn 500.000 ô, quá nhiều so với một biểu tự đánh giá"


def _cells(rows: int, cols: int, addressed: bool) -> bytes:
    """Rows of small cells below a commune's table (from row 1,000), with or without
    addresses."""
    if not addressed:
        return (b"<row>" + b"<c><v>1</v></c>" * cols + b"</row>") * rows
    letters = [cell_address(0, col).rstrip("1").encode() for col in range(cols)]
    return b"".join(
        b'<row r="%d">' % row
        + b"".join(b'<c r="%s%d"><v>1</v></c>' % (letter, row) for letter in letters)
        + b"</row>"
        for row in range(1000, 1000 + rows)
    )


def _big_sheet(path: Path, rows: int, cols: int, addressed: bool, stored: bool) -> None:
    write_book(Book([commune_sheet()]), path)
    cells = _cells(rows, cols, addressed)
    below = {SHEET: lambda xml: xml.replace(b"</sheetData>", cells + b"</sheetData>")}
    data = rezip(path.read_bytes(), below)
    if stored:  # no compression ratio to refuse it by
        with (
            zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as target,
            zipfile.ZipFile(io.BytesIO(data)) as source,
        ):
            for name in source.namelist():
                target.writestr(name, source.read(name))
    else:
        path.write_bytes(data)


_ODS_CELL = b'<table:table-cell office:value-type="float" office:value="1"/>'


def _big_ods(path: Path, cells: list[int]) -> None:
    """A commune's table in an .ods, stored, then tables of `cells` small cells (the first
    added to the commune's table), rows of 50."""
    write_book(Book([commune_sheet()]), path)
    rows = [
        (b"<table:table-row>" + _ODS_CELL * 50 + b"</table:table-row>") * (n // 50) for n in cells
    ]
    more = b"".join(
        b'<table:table table:name="Trang %d">%s</table:table>' % (index, added)
        for index, added in enumerate(rows[1:], 2)
    )
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    content = parts["content.xml"]
    end = content.index(b"</table:table>")
    parts["content.xml"] = content[:end] + rows[0] + b"</table:table>" + more + content[end + 14 :]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as target:
        for name, part in parts.items():
            target.writestr(name, part)


# Reads a good workbook (the imports and caches of a reader at work), then the file given:
# prints how much the process's peak resident memory grew, in MB.
_PEAK_GROWTH = """
import sys
from ntm_excel.config import load_config
from ntm_excel.read.reader import read_workbook
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry

def peak():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmHWM")) / 1024

settings = load_config()
registry = load_registry(settings.registry)
indicators = load_catalog(settings.catalog).resolve("xa_2016_2020", "Hà Tĩnh")
read_workbook(sys.argv[1], registry, indicators)
before = peak()
[(submission, issues)] = read_workbook(sys.argv[2], registry, indicators)
print(peak() - before, submission is None, *(issue.message for issue in issues), sep="\\n")
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
@pytest.mark.parametrize(
    ("rows", "cols", "addressed", "stored"),
    [
        (50_000, 50, True, False),
        (50_000, 50, False, True),
        (5_000, 600, True, True),
        (12_000, 50, None, True),
    ],
    ids=[
        "50000x50-addressed-deflated",
        "50000x50-no-address-stored",
        "5000x600-stored",
        "ods-12000x50-stored",
    ],
)
def test_a_sheet_of_millions_of_cells_is_refused_within_the_budget(
    tmp_path, rows, cols, addressed, stored
):
    good = tmp_path / "xa_cam_vinh.xlsx"
    write_book(Book([commune_sheet()]), good)
    if addressed is None:
        hostile = tmp_path / "xa_cam_vinh_lon.ods"
        _big_ods(hostile, [rows * cols])
    else:
        hostile = tmp_path / "xa_cam_vinh_lon.xlsx"
        _big_sheet(hostile, rows, cols, addressed, stored)
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
    assert float(growth) < 200  # MB (the whole sheet read took 600 MB to a gigabyte)


def test_a_large_sheet_within_the_cap_is_still_read(tmp_path, registry, indicators):
    """400,000 cells (a household list below the table): read up to the caps, as before."""
    path = tmp_path / "xa_cam_vinh.xlsx"
    _big_sheet(path, 8_000, 50, True, False)
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    assert submission.unit_code == "18691" and len(submission.indicators) == 6
    assert "sheet-truncated" in {issue.code for issue in issues}
    assert "file-unreadable" not in {issue.code for issue in issues}


def test_ods_tables_of_too_many_cells_together_are_refused(tmp_path, registry, indicators):
    """Cells spread over tables, none holding 500,000: the file's tables are named."""
    path = tmp_path / "xa_cam_vinh.ods"
    _big_ods(path, [250_000, 250_000, 50_000])
    (submission, [issue]), *_ = read_workbook(path, registry, indicators)
    assert submission is None and issue.code == "file-unreadable"
    assert "các trang tính có hơn 500.000 ô" in issue.message


def test_the_batch_goes_on_past_a_sheet_of_millions_of_cells(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_book(Book([commune_sheet(unit_line="UBND XÃ CẨM THÀNH")]), inbox / "xa_cam_thanh.xlsx")
    _big_sheet(inbox / "xa_cam_vinh.xlsx", 50_000, 50, True, False)
    assert main(["consolidate", str(inbox), "--as-of", "2021-03-25", "--no-history", "-o",
                 str(tmp_path / "out" / "tong_hop.xlsx"), "--csv-dir",
                 str(tmp_path / "csv")]) == 0  # fmt: skip
    issues = (tmp_path / "csv" / "issues.csv").read_text(encoding="utf-8")
    [line] = [line for line in issues.splitlines() if "xa_cam_vinh.xlsx" in line]
    assert "file-unreadable" in line and REFUSED in line
    assert "Đơn vị đã nộp: 1/" in capsys.readouterr().out
