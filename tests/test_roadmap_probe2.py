"""Roadmaps as communes send them, second probe: cells merged down over several tasks, statuses
written short or ticked, time charts by quarter or year, deadline phrases of real plans,
owner names matched to the contact book."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
import xlwt
from support.samples import SampleSpec, write_sample

from ntm_excel.read.reader import read_submission

HEADING = ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách", "Tình trạng"]
TITLE = ["KẾ HOẠCH THỰC HIỆN LỘ TRÌNH XÂY DỰNG NTM NĂM 2021"]


def save(path: Path, rows: list[list[object]], merges=(), formats=None) -> Path:
    """A one-sheet workbook «Lộ trình» of `rows` (.xlsx or .xls by the suffix); `merges` are
    Excel ranges («C4:C6»), `formats` number formats by cell («E4»: «0%»)."""
    if path.suffix == ".xls":
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("Lộ trình")
        merged = set()
        for cells in merges:
            (r0, c0), (r1, c1) = (_index(part) for part in cells.split(":"))
            sheet.write_merge(r0, r1, c0, c1, rows[r0][c0] if c0 < len(rows[r0]) else "")
            merged |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None and (r, c) not in merged:
                    sheet.write(r, c, value)
        book.save(str(path))
        return path
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Lộ trình"
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    for cell, code in (formats or {}).items():
        sheet[cell].number_format = code
    book.save(path)
    return path


def _index(cell: str) -> tuple[int, int]:
    letters = cell.rstrip("0123456789")
    return int(cell[len(letters) :]) - 1, ord(letters) - ord("A")


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_deadline_owner_or_status_merged_down_is_each_tasks(
    tmp_path, registry, indicators, suffix
):
    """One «Quý III/2021» merged over three tasks; a task merged over three owner rows."""
    rows = [
        TITLE,
        HEADING,
        [1, "Làm đường thôn 1", "Quý III/2021", "Nguyễn Văn Hùng", "Đang triển khai"],
        [2, "Làm đường thôn 2", None, "Lê Thị Lan"],
        [3, "Làm đường thôn 3", None, "Trần Văn Nam"],
        [4, "Bê tông hóa đường trục xã", "30/9/2021", "Phan Văn Hải", "Hoàn thành"],
        [None, None, None, "Võ Thị Dũng"],
        [None, None, None, "Hội Nông dân (phối hợp)"],
        [5, "Xây nhà văn hóa", "30/10/2021", "Lê Thị Lan", "Chưa thực hiện"],
    ]
    merges = ["C3:C5", "E3:E5", "A6:A8", "B6:B8", "C6:C8", "E6:E8"]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows, merges)
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.text, t.due, t.status_text, t.owners, t.partners) for t in submission.tasks] == [
        ("Làm đường thôn 1", date(2021, 9, 30), "Đang triển khai", ("Nguyễn Văn Hùng",), ()),
        ("Làm đường thôn 2", date(2021, 9, 30), "Đang triển khai", ("Lê Thị Lan",), ()),
        ("Làm đường thôn 3", date(2021, 9, 30), "Đang triển khai", ("Trần Văn Nam",), ()),
        (
            "Bê tông hóa đường trục xã",
            date(2021, 9, 30),
            "Hoàn thành",
            ("Phan Văn Hải", "Võ Thị Dũng"),
            ("Hội Nông dân",),
        ),
        ("Xây nhà văn hóa", date(2021, 10, 30), "Chưa thực hiện", ("Lê Thị Lan",), ()),
    ]


@pytest.mark.parametrize("alone", [False, True])
def test_a_roadmap_whose_rows_are_criteria_with_a_solution_column(
    tmp_path, registry, indicators, alone
):
    """TT | Tên tiêu chí | Hiện trạng | Giải pháp thực hiện | …: the file is read (it once
    stopped the reader), the solution is the task, the row's criterion its criterion."""
    rows = [
        TITLE,
        ["TT", "Tên tiêu chí", "Hiện trạng", "Giải pháp thực hiện", "Thời gian", "Người phụ trách"],
        [2, "Giao thông", "Đạt 80%", "Bê tông hóa 2 km đường thôn", "Quý III/2021", "Lê Văn An"],
        [17, "Môi trường và an toàn thực phẩm", "Chưa đạt", "Xây 5 bể rác", "6/2021", "Võ Thị B"],
    ]
    path = tmp_path / "xa_cam_thach.xlsx"
    if alone:
        save(path, rows)
    else:
        write_sample(
            path, SampleSpec(unit_code="18706", unit_name="Xã Cẩm Thạch", roadmap_sheet=None)
        )
        book = openpyxl.load_workbook(path)
        sheet = book.create_sheet("Lộ trình")
        for row in rows:
            sheet.append(row)
        book.save(path)
    submission, issues = read_submission(path, registry, indicators)
    assert [(t.criterion_no, t.text, t.due) for t in submission.tasks] == [
        (2, "Bê tông hóa 2 km đường thôn", date(2021, 9, 30)),
        (17, "Xây 5 bể rác", date(2021, 6, 30)),
    ]
    assert bool(submission.indicators) is not alone
