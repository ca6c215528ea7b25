"""The pipeline around the reader shares the work between processes without changing what is
written: the CSV files written by a forked child while the master is written equal those
written in this process, a failure there is reported like any other, and what the worker
processes send back arrives equal to what they read."""

from __future__ import annotations

import copyreg
import errno
import pickle
from pathlib import Path

import openpyxl
import pytest
from support.samples import SampleSpec, write_sample
from test_outputs import UNITS, arguments, contents, leftovers

from ntm_excel.cli import main
from ntm_excel.config import BUNDLED
from ntm_excel.history import decode_reading, encode_reading
from ntm_excel.model import IndicatorEntry, Submission
from ntm_excel.read.batch import read_one
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inbox")
    for code, name in UNITS[:4]:
        spec = SampleSpec(unit_code=code, unit_name=name, blank_values=("4.2",))
        write_sample(folder / f"{code}.xlsx", spec)
    return folder


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("config") / "cau_hinh.toml"
    data = {key: BUNDLED / name for key, name in DATA.items()}
    path.write_text("[data]\n" + "".join(f'{k} = "{v}"\n' for k, v in data.items()), "utf-8")
    return path


DATA = {
    "catalog": "bo_tieu_chi.csv",
    "registry": "don_vi.xlsx",
    "plan": "ke_hoach_2021.xlsx",
    "contacts": "danh_ba.xlsx",
}


def cell_values(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def test_csv_files_written_beside_the_master_equal_those_written_here(
    tmp_path, inbox, config, monkeypatch
):
    forked = tmp_path / "forked"
    assert main(arguments(config, forked, inbox)) == 0
    monkeypatch.setattr(  # as on Windows: no fork, the CSV files are written first, here
        "ntm_excel.write.beside.multiprocessing.get_all_start_methods", lambda: ["spawn"]
    )
    here = tmp_path / "here"
    assert main(arguments(config, here, inbox)) == 0
    csv = sorted(p.name for p in (here / "csv").glob("*.csv"))
    assert csv == ["criteria.csv", "indicators.csv", "issues.csv", "tasks.csv", "units.csv"]
    for name in csv:
        assert (forked / "csv" / name).read_bytes() == (here / "csv" / name).read_bytes()
    ours, theirs = cell_values(forked / "tong_hop.xlsx"), cell_values(here / "tong_hop.xlsx")
    assert ours.keys() == theirs.keys()
    summary = next(iter(ours))  # its first rows say when the workbook was made
    assert {k: v for k, v in ours.items() if k != summary} == {
        k: v for k, v in theirs.items() if k != summary
    }


def test_a_full_disk_in_the_csv_child_replaces_nothing(
    tmp_path, inbox, config, monkeypatch, capsys
):
    out = tmp_path / "out"
    assert main(arguments(config, out, inbox)) == 0
    before = contents(out)
    capsys.readouterr()

    def no_space(path, header, rows):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("ntm_excel.write.csv_export._write", no_space)  # the child has it too
    assert main(arguments(config, out, inbox, "2021-03-16")) == 2
    err = capsys.readouterr().err
    assert f"Không ghi được các tệp CSV vào {out / 'csv'}: ổ đĩa đã đầy" in err
    assert "Traceback" not in err
    assert contents(out) == before and leftovers(out) == []


def test_a_reading_sent_back_by_a_worker_arrives_equal(tmp_path):
    path = tmp_path / "18694.xlsx"
    write_sample(path, SampleSpec(unit_code="18694", unit_name="Xã Cẩm Thành"))
    registry = load_registry(BUNDLED / "don_vi.xlsx")
    indicators = load_catalog(BUNDLED / "bo_tieu_chi.csv").resolve("xa_2016_2020", "Hà Tĩnh")
    reading = read_one(path, registry, indicators)
    submission = reading[0][0]
    assert isinstance(submission, Submission) and submission.indicators
    assert Submission in copyreg.dispatch_table and IndicatorEntry in copyreg.dispatch_table
    assert pickle.loads(pickle.dumps(reading, pickle.HIGHEST_PROTOCOL)) == reading
    # and the store's encoding of it gives the same reading back
    again = decode_reading(encode_reading(reading), path, submission.modified)
    assert again == reading
