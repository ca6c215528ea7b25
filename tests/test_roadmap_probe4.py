"""Roadmaps as communes send them, fourth probe: owners written with a title before «Đ/c»,
a short title after a given name, given names listed bare, phone numbers beside a name."""

from __future__ import annotations

import pytest
from test_roadmap_messy import save

from ntm_excel.read.reader import read_submission

HEADING = ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"]
TITLE = ["KẾ HOẠCH THỰC HIỆN LỘ TRÌNH XÂY DỰNG NTM NĂM 2022"]

OWNER_CELLS = [
    ("CT UBND xã - Đ/c Hùng", ("Hùng",)),
    ("Chủ tịch UBND xã: Đ/c Hùng", ("Hùng",)),
    ("PCT UBND xã - Đ/c Nguyễn Văn Hùng", ("Nguyễn Văn Hùng",)),
    ("đ/c Hùng PCT", ("Hùng",)),
    ("Đ/c Lan CC VH-XH", ("Lan",)),
    ("Hùng, Lan", ("Hùng", "Lan")),
    ("Hùng + Lan", ("Hùng", "Lan")),
    ("Hùng (PCT), Lan (CC ĐC)", ("Hùng", "Lan")),
    ("PCT Nguyễn Văn Hùng", ("Nguyễn Văn Hùng",)),
    ("Nguyễn Văn Hùng 0912345678", ("Nguyễn Văn Hùng",)),
    ("Hùng (ĐT: 0912.345.678)", ("Hùng",)),
    ("Nguyễn Văn Hùng, SĐT 0912 345 678", ("Nguyễn Văn Hùng",)),
    # kept as written: a task of a body, a title that is also a place, a number alone
    ("Ban chỉ đạo xã", ("Ban chỉ đạo xã",)),
    ("Trưởng thôn các thôn", ("Trưởng thôn các thôn",)),
    ("Trần Văn Hóa", ("Trần Văn Hóa",)),
    ("0912 345 678", ("0912 345 678",)),
]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_owner_cells_give_the_people_they_name(tmp_path, registry, indicators, suffix):
    rows = [TITLE, HEADING]
    rows += [[n, f"Việc {n}", "30/9/2022", cell] for n, (cell, _) in enumerate(OWNER_CELLS, 1)]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows)
    submission, _ = read_submission(path, registry, indicators)
    assert [t.owners for t in submission.tasks] == [owners for _, owners in OWNER_CELLS]
