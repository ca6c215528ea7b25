"""A plan kept by hand: headings on two rows, «Thời hạn» over «Mốc | Hạn hoàn thành»."""

from __future__ import annotations

from datetime import date

import openpyxl

from ntm_excel.reference.plan import load_plan


def test_headings_on_two_rows_name_every_column(tmp_path):
    workbook = openpyxl.Workbook()
    tasks = workbook.active
    tasks.title = "Nhiệm vụ"
    tasks.append(["Mã", "Nội dung nhiệm vụ", "Người thực hiện", "Thời hạn", None, "Ghi chú"])
    tasks.append([None, None, None, "Mốc", "Hạn hoàn thành", None])
    tasks.append(["T1", "Hoàn thành quy hoạch", "Trần Ngọc Quang", "Bước 1", "30/06/2021", "x"])
    tasks.append(["T2", "Rà soát tiêu chí", "Phạm Văn Thắng", None, "31/12/2021", None])
    workbook.create_sheet("Chỉ tiêu").append(["Mã", "Chỉ tiêu"])
    path = tmp_path / "ke_hoach.xlsx"
    workbook.save(path)

    plan = load_plan(path)

    assert [(t.task_id, t.milestone, t.due, t.note, t.cell) for t in plan.tasks] == [
        ("T1", "Bước 1", date(2021, 6, 30), "x", "E3"),
        ("T2", "", date(2021, 12, 31), "", "E4"),
    ]
