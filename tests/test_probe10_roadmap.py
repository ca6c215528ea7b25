"""Roadmaps as clerks type them, tenth probe: «Đã hoàn thành» written under the deadline with
the status left blank, and money written in several units («500 triệu 200 nghìn»). Each
workbook is a real file (.xlsx, .xls, .ods) read back."""

from __future__ import annotations

import pytest
from support.wild import Book, Sheet, write_book

from ntm_excel.read.reader import read_submission

HEADING = [
    "TT",
    "Tiêu chí",
    "Nội dung công việc",
    "Thời gian hoàn thành",
    "Người phụ trách",
    "Kinh phí (triệu đồng)",
    "Tình trạng",
]


def roadmap(tmp_path, registry, indicators, rows: list[list[object]], fmt: str):
    """The tasks read from a roadmap sheet of `rows` under HEADING (Xã Cẩm Vĩnh, 2021)."""
    sheet = Sheet("Lộ trình")
    sheet.put(0, 0, "LỘ TRÌNH THỰC HIỆN CÁC TIÊU CHÍ NÔNG THÔN MỚI NĂM 2021 XÃ CẨM VĨNH")
    for r, cells in enumerate([HEADING, *rows], start=2):
        for c, value in enumerate(cells):
            sheet.put(r, c, value)
    path = tmp_path / f"xa_cam_vinh.{fmt}"
    write_book(Book([sheet]), path)
    submission, _ = read_submission(path, registry, indicators)
    return submission.tasks


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_done_written_under_the_deadline_is_the_status_when_the_status_is_blank(
    tmp_path, registry, indicators, fmt
):
    """«Đã hoàn thành» (or «Đã hoàn thành năm 2020») typed in the deadline column, the status
    left blank: the task is done, not a task without a due date that stays open; a status
    that says otherwise still decides, and «Hoàn thành trước 30/6/2021» is a deadline."""
    rows = [
        [1, 14, "Mở 2 lớp đào tạo nghề", "Đã hoàn thành", "Trần Thị Lan", 45, None],
        [2, 17, "Xây dựng 4 mô hình thu gom rác", "Đã hoàn thành năm 2020", "Lê Văn Sơn"],
        [3, 10, "Phát triển 3 mô hình sản xuất", "Đã hoàn thành", "Lê Văn Sơn", 5, "Đang làm"],
        [4, 15, "Vận động người dân mua BHYT", "Hoàn thành trước 30/6/2021", "Trần Thị Lan"],
    ]
    tasks = roadmap(tmp_path, registry, indicators, rows, fmt)
    assert [(t.done, t.due is None) for t in tasks] == [
        (True, True),
        (True, True),
        (False, True),
        (False, False),
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_money_in_several_units_is_summed(tmp_path, registry, indicators, fmt):
    """«500 triệu 200 nghìn» is 500,2 million (not 500), «2 tỷ 500 triệu 300 nghìn đồng»
    2.500,3, «1 tỷ 200 triệu (NS 2021)» 1.200 as before."""
    budgets = [
        "500 triệu 200 nghìn",
        "2 tỷ 500 triệu 300 nghìn đồng",
        "1 tỷ 200 triệu (NS 2021)",
    ]
    rows = [[n, 9, f"Việc {n}", "Quý II/2021", "Lê Văn An", b] for n, b in enumerate(budgets, 1)]
    tasks = roadmap(tmp_path, registry, indicators, rows, fmt)
    assert [t.budget for t in tasks] == [500.2, 2500.3, 1200]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_owners_named_after_a_title_and_its_office(tmp_path, registry, indicators, fmt):
    """A title and its office before the name, without a dash: «Chủ tịch UBND xã Nguyễn Văn
    Hùng» is Nguyễn Văn Hùng (was kept whole, so matched to nobody); after a comma, a second
    titled person is an owner too («PCT Nguyễn Văn Hùng, CC Trần Thị Lan» lost Lan). A title
    alone, or a body, is kept as written."""
    two = ("Nguyễn Văn Hùng", "Trần Thị Lan")
    cells = [
        ("Chủ tịch UBND xã Nguyễn Văn Hùng", ("Nguyễn Văn Hùng",)),
        ("PCT UBND xã Nguyễn Văn Hùng", ("Nguyễn Văn Hùng",)),
        ("CC Địa chính Trần Thị Lan", ("Trần Thị Lan",)),
        ("PCT Nguyễn Văn Hùng, CC Trần Thị Lan", two),
        ("PCT UBND xã Nguyễn Văn Hùng, CC Địa chính Trần Thị Lan", two),
        ("Chủ tịch UBND xã", ("Chủ tịch UBND xã",)),
        ("Giám đốc Trung tâm Y tế", ("Giám đốc Trung tâm Y tế",)),
    ]  # fmt: skip
    rows = [[n, 9, f"Việc {n}", "Quý II/2021", cell] for n, (cell, _) in enumerate(cells, 1)]
    tasks = roadmap(tmp_path, registry, indicators, rows, fmt)
    assert [t.owners for t in tasks] == [owners for _, owners in cells]
