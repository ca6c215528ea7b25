"""The outputs of a run when the master's indicator detail is too long for its sheet: the
child process that writes the CSV files writes the detail's CSV file too (a re-run's kept
reports have their indicators decoded once, there, not in two children), and every file is
what the master and the CSV files written on their own hold. A batch read through the store
while its kept judgements are decoded (a changed file, a damaged judgement) gives what a
batch read without the store gives."""

from __future__ import annotations

import os
import random
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from ntm_excel.check.consolidate import check_files, consolidate_from_config
from ntm_excel.config import BUNDLED, load_config
from ntm_excel.history import History
from ntm_excel.read.inbox import list_submissions
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry
from ntm_excel.write.csv_export import number_text, write_csv
from ntm_excel.write.master import write_master
from ntm_excel.write.master_sheets import DETAIL
from ntm_excel.write.outputs import write_outputs

ROW_LIMIT = 500  # the 20 bundled communes: 1,000 indicator rows to a CSV file, 166 tasks kept
DETAIL_CSV = "tong_hop_chi_tiet_chi_tieu.csv"
_forks: list[int] | None = None  # the forks made while a test counts them


def _counted() -> None:
    if _forks is not None:
        _forks.append(os.getpid())


os.register_at_fork(after_in_parent=_counted)


def _consolidation(inbox: Path, history: History | None = None):
    return consolidate_from_config([inbox], load_config(), date(2021, 3, 25), history=history)


def _cells(master: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(master, read_only=True)
    return {n: list(book[n].iter_rows(values_only=True)) for n in book.sheetnames}


def _written(consolidation, folder: Path) -> int:
    """Write the outputs (no feedback) into `folder`; the processes forked meanwhile."""
    global _forks
    _forks = []
    try:
        write_outputs(
            consolidation, folder / "tong_hop.xlsx", csv_dir=folder / "csv", row_limit=ROW_LIMIT
        )
        return len(_forks)
    finally:
        _forks = None


def _alone(consolidation, folder: Path) -> None:
    """The master and the CSV files, each written on its own."""
    write_master(consolidation, folder / "tong_hop.xlsx", row_limit=ROW_LIMIT)
    write_csv(consolidation, folder / "csv")


def _same_files(one: Path, other: Path) -> None:
    assert _cells(one / "tong_hop.xlsx") == _cells(other / "tong_hop.xlsx")
    assert (one / DETAIL_CSV).read_bytes() == (other / DETAIL_CSV).read_bytes()
    names = sorted(p.name for p in (one / "csv").glob("*.csv"))
    assert names == sorted(p.name for p in (other / "csv").glob("*.csv")) and len(names) == 5
    for name in names:
        assert (one / "csv" / name).read_bytes() == (other / "csv" / name).read_bytes(), name


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    shutil.copytree(BUNDLED / "mau_nop", tmp_path / "nhan_bieu")
    return tmp_path / "nhan_bieu"


def test_one_child_writes_the_csv_files_and_the_masters_long_detail(tmp_path, inbox):
    consolidation = _consolidation(inbox)
    assert _written(consolidation, tmp_path / "ca_hai") == 1  # not a second child for the detail
    _alone(consolidation, tmp_path / "rieng")
    _same_files(tmp_path / "ca_hai", tmp_path / "rieng")
    sheet = openpyxl.load_workbook(tmp_path / "ca_hai" / "tong_hop.xlsx")[DETAIL]
    said = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert f"được ghi vào tệp «{DETAIL_CSV}» cạnh bảng tổng hợp" in said


def test_a_reruns_kept_reports_write_the_same_detail_and_csv_files(tmp_path, inbox):
    with History(tmp_path / "var") as history:
        first = _consolidation(inbox, history)
        again = _consolidation(inbox, history)
        assert again.units == first.units
        assert _written(again, tmp_path / "lan_hai") == 1
    _alone(first, tmp_path / "lan_dau")
    _same_files(tmp_path / "lan_hai", tmp_path / "lan_dau")


def test_a_short_detail_stays_in_its_sheet_and_no_csv_child_writes_it(tmp_path, inbox):
    consolidation = _consolidation(inbox)
    write_outputs(consolidation, tmp_path / "tong_hop.xlsx", csv_dir=tmp_path / "csv")
    assert not (tmp_path / DETAIL_CSV).exists()
    rows = _cells(tmp_path / "tong_hop.xlsx")[DETAIL]
    assert len(rows) > 1000  # the 1,000 indicator rows, in the sheet


@pytest.mark.parametrize("workers", [1, 2])
def test_a_changed_file_and_a_damaged_judgement_read_while_the_others_are_decoded(
    tmp_path, inbox, workers
):
    """A re-run whose batch holds a changed file (no judgement kept) and a file whose kept
    judgement is damaged: the first is read while the kept judgements are decoded, the second
    once they are; the batch's results equal a batch checked without the store."""
    files = list_submissions([inbox]).files
    catalog = load_catalog(load_config().catalog)
    registry = load_registry(load_config().registry)

    def checked(history=None):
        return check_files(
            files,
            catalog=catalog,
            registry=registry,
            catalog_set="xa_2016_2020",
            workers=workers,
            history=history,
        )

    readable = [p for p in files if p.suffix == ".xlsx"]
    changed, damaged = readable[0], readable[1]
    with History(tmp_path / "var") as history:
        checked(history)
        with history.transaction() as db:
            db.execute("UPDATE judgements SET result = ? WHERE name = ?", (b"hong", damaged.name))
        book = openpyxl.load_workbook(changed)
        book.active["A1"] = "Gửi lại"  # sent again: other bytes
        book.save(changed)
        again = checked(history)
        stored = history.db.execute("SELECT COUNT(*) FROM judgements").fetchone()[0]
    plain = checked()
    assert again.reading.judged == 18 and again.reading.parsed == 3  # + the two never readable
    assert stored == 21  # the changed file's judgement kept beside its earlier one
    assert again.units == plain.units and again.loose == plain.loose
    assert again.submissions == plain.submissions


def test_a_numbers_csv_text_is_its_shortest_digits_without_an_exponent():
    """`number_text` takes a number's shortest digits as they are unless Python writes them
    with an exponent: the text is what `Decimal` writes in fixed point, for any number."""
    draw = random.Random(13)
    numbers = [draw.uniform(-1e6, 1e6) for _ in range(2000)]
    numbers += [draw.random() * 10.0**e for e in range(-12, 22) for _ in range(20)]
    numbers += [0.1, -0.5, 85.5, 1e-05, 1.5e-07, 1e16, 1.25e17, 12345678.9, -0.0, 3.0]
    for number in numbers:
        expected = str(int(number)) if number == int(number) else format(Decimal(repr(number)), "f")
        assert number_text(number) == expected, number
        assert "e" not in number_text(number)
