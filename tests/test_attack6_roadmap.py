"""A roadmap's budget cell crafted against the money-sum rule («1 tỷ 200 triệu»): read in
linear time, whatever its figures."""

from __future__ import annotations

import time
from pathlib import Path

import openpyxl
import pytest
from support.samples import SampleSpec, write_sample

from ntm_excel.read.reader import read_submission

SPEC = SampleSpec(unit_code="18694", unit_name="Xã Cẩm Thành", roadmap_style="real", seed=5)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return write_sample(tmp_path_factory.mktemp("nguon") / "cam_thanh.xlsx", SPEC)


def _with_budgets(source: Path, path: Path, texts: list[str]) -> Path:
    """The sample with the budget cells of its first tasks typed as `texts`."""
    book = openpyxl.load_workbook(source)
    sheet = book["Lộ trình"]
    cells = {cell.value: cell for row in sheet.iter_rows(max_row=5) for cell in row}
    budget, task = cells["Kinh phí (triệu đồng)"], cells["Nội dung công việc"]
    rows = [
        row for row in range(task.row + 1, sheet.max_row + 1) if sheet.cell(row, task.column).value
    ]
    for row, text in zip(rows, texts, strict=False):
        sheet.cell(row, budget.column).value = text
    book.save(path)
    return path


def test_a_budget_of_thousands_of_digits_is_read_at_once(tmp_path, source, registry, indicators):
    """20,000 digits, or «1,» repeated, without a unit: the sum's pattern backtracked over
    every figure from every digit (11 s a cell), and 20,000 digits were a budget of inf."""
    texts = ["1" * 20_000, "1," * 10_000, "1 tỷ 200 triệu", "500 triệu 200 nghìn (NS tỉnh)"]
    path = _with_budgets(source, tmp_path / "cam_thanh.xlsx", texts)
    started = time.process_time()
    submission, _ = read_submission(path, registry, indicators)
    assert time.process_time() - started < 3
    assert [task.budget for task in submission.tasks[:4]] == [None, None, 1200, 500.2]
