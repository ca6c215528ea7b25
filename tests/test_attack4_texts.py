"""Attacks of the sixth round on what a commune's cells make the reader do: long texts of
digits and signs typed in a value cell or a deadline cell, on which a figure or a date
rule took time growing with the square of the text (a 265 kB workbook of 43 such value
cells took over two minutes), or more digits than Python converts to a number (the
workbook was unreadable). Each workbook is a real file written and read back."""

from __future__ import annotations

import random
import time

from support.wild import Book, Sheet, write_book
from test_probe6_roadmap import HEADING, roadmap
from test_table_probe2 import ROWS, commune_sheet

from ntm_excel.read.reader import read_workbook

LONG = 30_000  # characters of a hostile cell (Excel holds 32,767)


def _digits(pattern: str, seed: int) -> str:
    """`pattern` repeated to `LONG` characters, each «d» a random digit (nothing a
    compression ratio would catch)."""
    draw = random.Random(seed)
    text = pattern * (LONG // len(pattern))
    return "".join(draw.choice("123456789") if c == "d" else c for c in text)


def test_long_value_cells_of_digits_and_signs_are_kept_as_text_at_once(
    tmp_path, registry, indicators
):
    """«1.,2.,3.,…», «6-7-8-…9/2021» over 30,000 characters in the result cells: each is
    text (not a figure), reported, and the workbook is read in seconds (it took minutes)."""
    hostile = [_digits("d.,", 1), _digits("d-", 2) + "9/2021", "Đạt " + _digits("d.,", 3)]
    rows = [(*row[:3], text, row[4]) for row, text in zip(ROWS, hostile, strict=False)]
    path = tmp_path / "xa_cam_vinh.xlsx"
    write_book(Book([commune_sheet(rows=rows + ROWS[3:])]), path)
    started = time.perf_counter()
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    assert time.perf_counter() - started < 10
    values = {result.value_cell: result.value for result in submission.indicators}
    assert [values[f"E{row}"] for row in (5, 6)] == hostile[:2]
    assert values["E7"] == "Đạt"  # the verdict, no figure looked for in the rest
    assert values["E8"] == 88.6


def _roadmap(tmp_path, registry, indicators, tasks: list[tuple[str, str]]):
    """Read a commune's workbook whose roadmap lists tasks of these (deadline, status)."""
    sheet = Sheet("Lộ trình")
    sheet.put(0, 0, "LỘ TRÌNH THỰC HIỆN CÁC TIÊU CHÍ NÔNG THÔN MỚI NĂM 2021")
    for col, text in enumerate([*HEADING, "Tình trạng"]):
        sheet.put(2, col, text)
    for n, (deadline, status) in enumerate(tasks, 1):
        cells = [n, "Giao thông", f"Đường thôn {n}", deadline, "Đ/c An", 5, status]
        for col, value in enumerate(cells):
            sheet.put(2 + n, col, value)
    path = tmp_path / "xa_cam_vinh.xlsx"
    write_book(Book([commune_sheet(), sheet]), path)
    started = time.perf_counter()
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    return submission, issues, time.perf_counter() - started


def test_long_deadline_and_status_cells_of_digits_are_read_at_once(tmp_path, registry, indicators):
    """Deadline cells of 30,000 digits and a «%», status cells of 30,000 digits: each
    deadline a `deadline-invalid`, no task done, the workbook read in seconds (each
    deadline cell took half a minute, each status cell one second)."""
    tasks = [(_digits("d", n) + "%", _digits("d", n)) for n in range(1, 4)]
    submission, issues, took = _roadmap(tmp_path, registry, indicators, tasks)
    assert took < 10
    invalid = sorted(issue.cell for issue in issues if issue.code == "deadline-invalid")
    assert invalid == ["D4", "D5", "D6"]
    assert [(task.due, task.done) for task in submission.tasks] == [(None, False)] * 3


def test_a_deadline_of_more_digits_than_python_converts_is_reported(tmp_path, registry, indicators):
    """A deadline cell of 5,000 digits (Python converts 4,300 at most to a number): the
    cell is a `deadline-invalid`; the whole workbook was unreadable («ValueError: Exceeds
    the limit (4300 digits) for integer string conversion»)."""
    tasks = [(_digits("d", 1)[:5000], ""), ("Quý II/2021", "")]
    submission, issues, _ = _roadmap(tmp_path, registry, indicators, tasks)
    invalid = [issue.cell for issue in issues if issue.code == "deadline-invalid"]
    assert invalid == ["D4"]
    assert [str(task.due) for task in submission.tasks] == ["None", "2021-06-30"]


def test_a_budget_in_billions_with_a_dated_comment_is_counted(tmp_path, registry, indicators):
    """«1 tỷ (ngân sách 2021)»: the year in the comment made the budget unknown, without
    an issue (a figure after «tỷ» is only guessed as «… triệu»)."""
    budgets = ["1 tỷ (ngân sách 2021)", "1 tỷ 200 triệu [NS tỉnh 2021]", "1 tỷ 200"]
    tasks, _ = roadmap(
        tmp_path, registry, indicators, [("Quý II/2021", "Đ/c An", b) for b in budgets], "xlsx"
    )
    assert [task.budget for task in tasks] == [1000, 1200, None]


def test_a_deadline_moved_thousands_of_times_is_reported(tmp_path, registry, indicators):
    """«gia hạn đến » typed 2,500 times: each move was read by calling the reader again on
    what follows, 2,500 calls deep (RecursionError: the whole workbook was unreadable);
    now a `deadline-invalid`, and a deadline moved twice is the last one."""
    tasks = [
        ("gia hạn đến " * 2500, ""),
        ("30/6/2021, gia hạn đến 30/9/2021, lùi đến 31/12/2021", ""),
    ]
    submission, issues, took = _roadmap(tmp_path, registry, indicators, tasks)
    assert took < 10
    assert [issue.cell for issue in issues if issue.code == "deadline-invalid"] == ["D4"]
    assert [str(task.due) for task in submission.tasks] == ["None", "2021-12-31"]
