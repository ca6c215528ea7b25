"""A unit's report taken from the history store on a re-run holds its indicators packed, and
decodes them only when something uses them (the detail, the CSV files, a new version): the
summary and the matrix need its criteria only. Decoded, it equals the report a run without the
store makes; a pack that does not hold indicators is refused in Vietnamese."""

from __future__ import annotations

import pickle
import shutil
import zlib
from pathlib import Path

import pytest

from ntm_excel.check.consolidate import check_files
from ntm_excel.config import BUNDLED, load_config
from ntm_excel.errors import StoreError
from ntm_excel.history import History, indicator_count
from ntm_excel.read.inbox import list_submissions
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry

SET = "xa_2016_2020"


@pytest.fixture
def given(tmp_path: Path) -> dict:
    shutil.copytree(BUNDLED / "mau_nop", tmp_path / "inbox")
    config = load_config()
    return {
        "paths": list_submissions([tmp_path / "inbox"]).files,
        "catalog": load_catalog(config.catalog),
        "registry": load_registry(config.registry),
        "catalog_set": SET,
        "workers": 2,
    }


def test_a_kept_report_decodes_its_indicators_when_used(tmp_path, given):
    plain = check_files(**given)
    with History(tmp_path / "var") as history:
        check_files(**given, history=history)
        again = check_files(**given, history=history)
    assert again.reading.judged == 20
    submitted = [report for report, _ in again.units.values() if report.submitted]
    assert len(submitted) == 20
    assert not any("indicators" in vars(report) for report in submitted)  # none decoded yet
    counts = [indicator_count(report) for report in submitted]
    assert not any("indicators" in vars(report) for report in submitted)  # counted packed
    assert counts == [len(report.indicators) for report in submitted] and min(counts) > 0
    assert again.units == plain.units  # the indicators decoded now, as judged


def test_a_pack_that_holds_no_indicators_is_refused(tmp_path, given):
    with History(tmp_path / "var") as history:
        check_files(**given, history=history)
        report = next(r for r, _ in check_files(**given, history=history).units.values()
                      if r.submitted)  # fmt: skip
    vars(report)["_packed_indicators"] = zlib.compress(pickle.dumps(["không phải chỉ tiêu"]))
    with pytest.raises(StoreError, match="bị hỏng hoặc bị sửa"):
        report.indicators  # noqa: B018 - the attribute decoded on use
