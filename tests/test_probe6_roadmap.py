"""Roadmaps as communes type them, sixth probe: owner cells that name nobody («#REF!», «x»),
budgets in billions or in đồng, a year alone after «Đến», «Th12/2021», months or a day
(«6-9/2021»), marks in a deadline cell. Each workbook is a real file (.xlsx, .xls, .ods)
read back."""

from __future__ import annotations

from datetime import date

import pytest
from support.wild import Book, Sheet, write_book
from test_table_probe2 import commune_sheet

from ntm_excel.read.reader import read_workbook

HEADING = [
    "TT", "Tiêu chí", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách",
    "Kinh phí (triệu đồng)",
]  # fmt: skip


def roadmap(tmp_path, registry, indicators, tasks: list[tuple], fmt: str):
    """Read a commune's workbook whose «Lộ trình» sheet lists `tasks` (deadline, owner,
    budget): its tasks and its issues by cell."""
    sheet = Sheet("Lộ trình")
    sheet.put(0, 0, "UBND XÃ CẨM VĨNH")
    sheet.put(1, 0, "LỘ TRÌNH THỰC HIỆN CÁC TIÊU CHÍ NÔNG THÔN MỚI NĂM 2021")
    for col, text in enumerate(HEADING):
        sheet.put(3, col, text)
    for n, cells in enumerate(tasks, 1):
        for col, value in enumerate([n, "Giao thông", f"Bê tông hóa đường thôn {n}", *cells]):
            sheet.put(3 + n, col, value)
    path = tmp_path / f"xa_cam_vinh.{fmt}"
    write_book(Book([commune_sheet(), sheet]), path)
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    at: dict[str, list[str]] = {}
    for issue in issues:
        at.setdefault(issue.cell, []).append(issue.code)
    return submission.tasks, at


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_an_owner_cell_that_names_nobody_is_no_owner(tmp_path, registry, indicators, fmt):
    """«#REF!», «#N/A», «Err:502», «=VLOOKUP(…)» typed as text, «x», «?», «0», «Chưa phân
    công», «Không»: nobody owns the task, and the cell is reported (`owner-invalid`); «-» is
    an empty cell, a phone number someone."""
    cells = ["#REF!", "#N/A", "=VLOOKUP(A1,B:C,2,0)", "x", "?", 0, "N/A", "Err:502"]
    cells += ["Chưa phân công", "Không", "-", "0912 345 678", "Đ/c Nguyễn Văn An - PCT UBND xã"]
    cells += ["Ban QLXD NTM xã", "NGUYỄN VĂN AN"]
    tasks, issues = roadmap(
        tmp_path, registry, indicators, [("Quý II/2021", cell, 100) for cell in cells], fmt
    )
    assert [task.owners for task in tasks] == [()] * 11 + [
        ("0912 345 678",), ("Nguyễn Văn An",), ("Ban QLXD NTM xã",), ("Nguyễn Văn An",)
    ]  # fmt: skip
    said = {cell: codes for cell, codes in issues.items() if "owner-invalid" in codes}
    assert sorted(said, key=lambda cell: int(cell[1:])) == [f"E{row}" for row in range(5, 15)]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_budget_in_billions_or_in_dong_is_counted_in_millions(
    tmp_path, registry, indicators, fmt
):
    """The column is in million đồng: «1,2 tỷ» is 1.200, «3.500.000 đồng» 3,5, «500 nghìn»
    0,5, «1 tỷ 200 triệu» 1.200; «45tr», «45,5 trđ», «45 45» (a total and its split) are
    millions as typed; «1tỷ2» (1,2 tỷ? 1 tỷ 2 triệu?) is not guessed."""
    budgets = ["1,2 tỷ", "0,5 tỷ đồng", "3.500.000 đồng", "3.500.000đ", "500 nghìn", "45tr"]
    budgets += ["45,5 trđ", "45 45", 45, "1 tỷ 200 triệu", "1tỷ2"]
    tasks, _ = roadmap(
        tmp_path, registry, indicators, [("Quý II/2021", "Lê Văn An", b) for b in budgets], fmt
    )
    assert [task.budget for task in tasks] == [
        1200, 500, 3.5, 3.5, 0.5, 45, 45.5, 45, 45, 1200, None
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_deadlines_with_a_year_alone_or_a_short_month(tmp_path, registry, indicators, fmt):
    """«Đến 2025», «Trước 2022» are due at the year's end, «Th12/2021» at the month's;
    «6-9/2021» (months 6 to 9, or 6/9/2021?) and «???» are reported, not guessed nor
    dropped; «Tháng 6-9/2021» is a span of months."""
    deadlines = ["Đến 2025", "Trước 2022", "Th12/2021", "6-9/2021", "???", "Tháng 6-9/2021"]
    tasks, issues = roadmap(
        tmp_path, registry, indicators, [(d, "Lê Văn An", 10) for d in deadlines], fmt
    )
    assert [task.due for task in tasks] == [
        date(2025, 12, 31), date(2022, 12, 31), date(2021, 12, 31), None, None, date(2021, 9, 30)
    ]  # fmt: skip
    assert [cell for cell, codes in issues.items() if "deadline-invalid" in codes] == ["D8", "D9"]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_deadlines_with_a_time_of_day_or_a_planned_or_short_word(
    tmp_path, registry, indicators, fmt
):
    """A date exported with its time («2021-12-31 00:00:00», «31/12/2021 0:00») is that day;
    «Dự kiến 9/2021» and «HT trước 30/6» («hoàn thành») are read without an issue."""
    deadlines = ["2021-12-31 00:00:00", "31/12/2021 0:00", "Dự kiến 9/2021", "HT trước 30/6"]
    tasks, issues = roadmap(
        tmp_path, registry, indicators, [(d, "Lê Văn An", 10) for d in deadlines], fmt
    )
    assert [task.due for task in tasks] == [
        date(2021, 12, 31), date(2021, 12, 31), date(2021, 9, 30), date(2021, 6, 30)
    ]  # fmt: skip
    assert not [cell for cell, codes in issues.items() if "deadline-invalid" in codes]
