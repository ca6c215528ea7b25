"""A contact book kept by hand: «Họ và tên» written with «Đ/c», «Ông», «Bà» or a title, as
clerks write it, while plans name the person alone."""

from __future__ import annotations

import openpyxl

from ntm_excel.reference.contacts import load_contacts

ROWS = [
    ("Đ/c Phạm Hoàng Anh", "anh@camxuyen.vn"),
    ("Ông Trần Ngọc Quang", "quang@camxuyen.vn"),
    ("Bà Nguyễn Thị Hà", "ha@camxuyen.vn"),
    ("PCT UBND huyện Phạm Văn Thắng", "thang@camxuyen.vn"),
    ("Phòng Kinh tế – Hạ tầng", "ktht@camxuyen.vn"),
    ("Đ/c Lê Thị Bình", "binh@camxuyen.vn"),
    ("Lê Thị Bình", "binh.le@camxuyen.vn"),
]


def test_names_written_with_honorifics_reach_the_person_the_plan_names(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh bạ"
    sheet.append(["Họ và tên", "Email"])
    for row in ROWS:
        sheet.append(row)
    path = tmp_path / "danh_ba.xlsx"
    workbook.save(path)

    contacts = load_contacts(path)

    def reached(name):
        return [c.email for c in contacts.reach(name).contacts]

    assert reached("Phạm Hoàng Anh") == ["anh@camxuyen.vn"]
    assert reached("Đ/c Trần Ngọc Quang") == ["quang@camxuyen.vn"]
    assert reached("Nguyễn Thị Hà") == ["ha@camxuyen.vn"]
    assert reached("Phạm Văn Thắng - Phó Chủ tịch UBND huyện") == ["thang@camxuyen.vn"]
    assert reached("Phòng Kinh tế – Hạ tầng") == ["ktht@camxuyen.vn"]
    # one person on two rows with two addresses: which is meant cannot be told, and it is said
    assert contacts.reach("Lê Thị Bình").contacts == ()
    assert len(contacts.problems) == 1
    assert "«Lê Thị Bình» có ở các dòng 7, 8 với địa chỉ thư khác nhau" in contacts.problems[0]
