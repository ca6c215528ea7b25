"""A plan kept by hand: a task written over merged rows (one per owner and deadline), and
the plan saved as .xls by an older Excel."""

from __future__ import annotations

from datetime import date

import openpyxl
import xlwt

from ntm_excel.reference.plan import TASK_COLUMNS, load_plan

HEADINGS = list(TASK_COLUMNS)
TEXT = HEADINGS.index("Nội dung nhiệm vụ")
ROWS = [  # «Nội dung» and «Mã» merged over the two rows of task T1
    {"Mã": "T1", "Nội dung nhiệm vụ": "Hoàn thành quy hoạch", "Người thực hiện": "Trần Ngọc Quang"},
    {"Người thực hiện": "Nguyễn Thanh Phong"},
    {"Mã": "T2", "Nội dung nhiệm vụ": "Rà soát tiêu chí", "Người thực hiện": "Phạm Văn Thắng"},
]
DEADLINES = ["30/06/2021", "Quý III/2021", "Tháng 12/2021"]
EXPECTED = [
    ("T1", "Hoàn thành quy hoạch", ("Trần Ngọc Quang",), date(2021, 6, 30)),
    ("T1", "Hoàn thành quy hoạch", ("Nguyễn Thanh Phong",), date(2021, 9, 30)),
    ("T2", "Rà soát tiêu chí", ("Phạm Văn Thắng",), date(2021, 12, 31)),
]


def _lines():
    for row, deadline in zip(ROWS, DEADLINES, strict=True):
        yield [row.get(h, deadline if h == "Thời hạn" else None) for h in HEADINGS]


def _read(path):
    return [(t.task_id, t.text, t.owners, t.due) for t in load_plan(path).tasks]


def test_a_task_over_merged_rows_gives_each_row_its_text(tmp_path):
    workbook = openpyxl.Workbook()
    tasks = workbook.active
    tasks.title = "Nhiệm vụ"
    tasks.append(HEADINGS)
    for line in _lines():
        tasks.append(line)
    tasks.merge_cells(start_row=2, end_row=3, start_column=1, end_column=1)
    tasks.merge_cells(start_row=2, end_row=3, start_column=TEXT + 1, end_column=TEXT + 1)
    workbook.create_sheet("Chỉ tiêu").append(["Mã", "Chỉ tiêu"])
    path = tmp_path / "ke_hoach.xlsx"
    workbook.save(path)

    assert _read(path) == EXPECTED


def test_a_plan_saved_as_xls_is_read_as_its_xlsx(tmp_path):
    book = xlwt.Workbook(encoding="utf-8")
    tasks = book.add_sheet("Nhiệm vụ")
    for col, heading in enumerate(HEADINGS):
        tasks.write(0, col, heading)
    for row, line in enumerate(_lines(), start=1):
        for col, value in enumerate(line):
            if value is not None and not (row == 2 and col in (0, TEXT)):
                tasks.write(row, col, value)
    tasks.merge(1, 2, 0, 0)
    tasks.merge(1, 2, TEXT, TEXT)
    targets = book.add_sheet("Chỉ tiêu")
    targets.write(0, 0, "Mã")
    targets.write(0, 1, "Chỉ tiêu")
    path = tmp_path / "ke_hoach.xls"
    book.save(str(path))

    assert _read(path) == EXPECTED
