"""A plan kept by hand: «TC số» written as clerks write it, not only as a bare number."""

from __future__ import annotations

import openpyxl

from ntm_excel.reference.plan import TASK_COLUMNS, load_plan

WRITTEN = {  # «TC số» as written → the criterion it numbers
    2: 2,
    "05": 5,
    "TC 6": 6,
    "Tiêu chí số 7": 7,
    "XVII": 17,
    "V": 5,
    "năm": 5,
    "Mười bảy": 17,
    "Tiêu chí số mười một": 11,
    "Giao thông": None,
}


def test_criterion_numbers_written_in_the_ways_clerks_write_them(tmp_path):
    workbook = openpyxl.Workbook()
    tasks = workbook.active
    tasks.title = "Nhiệm vụ"
    tasks.append(list(TASK_COLUMNS))
    for number, written in enumerate(WRITTEN, start=1):
        row = dict.fromkeys(TASK_COLUMNS, None)
        row |= {"Mã": f"T{number}", "TC số": written, "Tiêu chí": f"Tiêu chí {number}"}
        row |= {"Nội dung nhiệm vụ": f"Việc {number}", "Hạn hoàn thành": "30/06/2021"}
        tasks.append(list(row.values()))
    workbook.create_sheet("Chỉ tiêu").append(["Mã", "Chỉ tiêu"])
    path = tmp_path / "ke_hoach.xlsx"
    workbook.save(path)

    plan = load_plan(path)

    assert [task.criterion_no for task in plan.tasks] == list(WRITTEN.values())
    assert plan.criteria_names[17] == "Tiêu chí 5"  # the first row numbering 17
