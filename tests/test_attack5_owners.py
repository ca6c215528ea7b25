"""An owner cell of a commune's roadmap that repeats a title over the whole cell («PCT,
PCT, …», 32,000 characters): each piece continued the title read so far, and every piece
looked again at that growing title (a roadmap of three such cells took half a minute). The
workbook is a real file written and read back."""

from __future__ import annotations

import time

from support.wild import Book, Sheet, write_book
from test_probe6_roadmap import HEADING
from test_table_probe2 import commune_sheet

from ntm_excel.read.reader import read_workbook

LONG = 32_000  # characters of a hostile cell (Excel holds 32,767)


def test_a_title_repeated_over_an_owner_cell_is_read_at_once(tmp_path, registry, indicators):
    sheet = Sheet("Lộ trình")
    sheet.put(0, 0, "LỘ TRÌNH THỰC HIỆN CÁC TIÊU CHÍ NÔNG THÔN MỚI NĂM 2021")
    for col, text in enumerate(HEADING):
        sheet.put(2, col, text)
    for n in range(1, 4):
        owner = ("PCT, " * LONG)[: LONG - 1] + str(n)  # a cell unlike the others
        for col, value in enumerate([n, "Giao thông", f"Đường thôn {n}", "Quý II/2021", owner, 5]):
            sheet.put(2 + n, col, value)
    sheet.put(6, 4, "Nguyễn Văn An")
    for col, value in enumerate([4, "Giao thông", "Đường thôn 4", "Quý II/2021"]):
        sheet.put(6, col, value)
    path = tmp_path / "xa_cam_vinh.xlsx"
    write_book(Book([commune_sheet(), sheet]), path)
    started = time.perf_counter()
    (submission, _), *_ = read_workbook(path, registry, indicators)
    assert time.perf_counter() - started < 5
    owners = [task.owners for task in submission.tasks]
    assert len(owners) == 4 and owners[3] == ("Nguyễn Văn An",)
    for title in owners[:3]:
        assert len(title) == 1 and title[0].startswith("PCT, PCT") and len(title[0]) < 400
