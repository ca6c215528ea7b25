"""Check that two `consolidate` runs wrote the same thing: every cell of every master sheet,
every CSV file byte for byte (the overflow CSV files too), and every row of the history store
(without the moments of the run, the row ids and the code fingerprints in `context`; stored
readings and judgements compared as objects, archived files unpacked). Each run folder
holds `out/` (the outputs) and `state/` (the store), as `/tmp/ps/<run>` when run like
bench_scale.py's consolidate_command.

    python bench/compare_outputs.py RUN_A RUN_B     # exit status 1 when they differ
"""

from __future__ import annotations

import sqlite3
import sys
import zlib
from datetime import datetime
from pathlib import Path

import openpyxl

from ntm_excel import history

SKIP = {"context", "recorded", "stored", "started", "finished", "written", "id", "version_id"}
BLOBS = {"readings", "judgements"}  # tables of pickled readings (and judgements)
MADE_AT = "lúc"  # the summary's "made at" line: the one cell that differs between runs


def _files(run: Path) -> list[Path]:
    return sorted(p.relative_to(run) for p in (run / "out").rglob("*") if p.is_file())


def _workbook_differences(a: Path, b: Path) -> list[str]:
    first, second = (
        openpyxl.load_workbook(a, read_only=True),
        openpyxl.load_workbook(b, read_only=True),
    )
    if first.sheetnames != second.sheetnames:
        return [f"sheets {first.sheetnames} != {second.sheetnames}"]
    found = []
    for name in first.sheetnames:
        rows_a = list(first[name].iter_rows(values_only=True))
        rows_b = list(second[name].iter_rows(values_only=True))
        if len(rows_a) != len(rows_b):
            found.append(f"{name}: {len(rows_a)} rows != {len(rows_b)}")
        for number, (x, y) in enumerate(zip(rows_a, rows_b, strict=False), start=1):
            if x == y:
                continue
            cells = [(i, u, v) for i, (u, v) in enumerate(zip(x, y, strict=False)) if u != v]
            if len(x) != len(y) or not all(MADE_AT in str(u) for _, u, _ in cells):
                found.append(f"{name} row {number}: {cells[:3]}")
    return found


def _decoded(blob: bytes) -> list:
    """A stored reading's objects (its pickled bytes may differ from run to run: the order of
    a set's members changes with Python's string hashing)."""
    unpickler, found = history._Unpickler(blob, "", datetime(2000, 1, 1)), []
    while True:
        try:
            found.append(unpickler.load())
        except EOFError:
            return found


def _rows(run: Path, table: str, columns: list[str]) -> list[tuple]:
    db = sqlite3.connect(run / "state" / "ntm-excel.sqlite3")
    order = ",".join(c for c in columns if not (table in BLOBS and c == "result"))
    rows = db.execute(f'SELECT {",".join(columns)} FROM "{table}" ORDER BY {order}').fetchall()

    def plain(value):
        if isinstance(value, str):
            return value.replace(str(run), "RUN")  # output paths name the run's folder
        if isinstance(value, bytes) and table in BLOBS:
            return _decoded(value)
        if isinstance(value, bytes) and table == "archive":  # packed by any zlib-format packer
            try:
                return zlib.decompress(value)
            except zlib.error:
                return value  # kept raw (a zip package, or packing did not pay)
        return value

    return [tuple(map(plain, row)) for row in rows]


def differences(a: Path, b: Path) -> list[str]:
    found = []
    if _files(a) != _files(b):
        return [f"files {_files(a)} != {_files(b)}"]
    for name in _files(a):
        if name.suffix == ".csv" and (a / name).read_bytes() != (b / name).read_bytes():
            found.append(f"{name} differs")
        elif name.suffix == ".xlsx":
            found += _workbook_differences(a / name, b / name)
    db = sqlite3.connect(a / "state" / "ntm-excel.sqlite3")
    tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    for (table,) in tables.fetchall():
        columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")') if r[1] not in SKIP]
        if columns and _rows(a, table, columns) != _rows(b, table, columns):
            found.append(f"table {table} differs")
    return found


if __name__ == "__main__":
    found = differences(Path(sys.argv[1]), Path(sys.argv[2]))
    print("\n".join(found[:30]) or "identical")
    sys.exit(1 if found else 0)
