"""A plan kept by hand: a title block above the headings of «Nhiệm vụ» and «Chỉ tiêu»."""

from __future__ import annotations

from datetime import date

import openpyxl

from ntm_excel.reference.plan import TASK_COLUMNS, load_plan


def test_headings_under_a_title_block_are_found_and_cells_keep_their_rows(tmp_path):
    workbook = openpyxl.Workbook()
    tasks = workbook.active
    tasks.title = "Nhiệm vụ"
    tasks.append(["BAN CHỈ ĐẠO NTM HUYỆN CẨM XUYÊN"])
    tasks.append(["PHỤ LỤC: NHIỆM VỤ NĂM 2021"])
    tasks.append([])
    tasks.append(list(TASK_COLUMNS))
    for text, deadline in (("Hoàn thành quy hoạch", "Quý II/2021"), ("Rà soát", "sớm nhất")):
        row = dict.fromkeys(TASK_COLUMNS, None)
        row |= {"Nội dung nhiệm vụ": text, "Thời hạn": deadline}
        tasks.append(list(row.values()))
    targets = workbook.create_sheet("Chỉ tiêu")
    targets.append(["CHỈ TIÊU"])
    targets.append(["Mã", "Chỉ tiêu", "Hạn hoàn thành"])
    targets.append(["CT-1", "Huyện đạt chuẩn", "31/12/2021"])
    path = tmp_path / "ke_hoach.xlsx"
    workbook.save(path)

    plan = load_plan(path)

    assert [(t.text, t.due, t.cell) for t in plan.tasks] == [
        ("Hoàn thành quy hoạch", date(2021, 6, 30), "K5"),
        ("Rà soát", None, "K6"),
    ]
    assert [issue.cell for issue in plan.issues] == ["K6"]
    assert [(t.code, t.due) for t in plan.targets] == [("CT-1", date(2021, 12, 31))]
