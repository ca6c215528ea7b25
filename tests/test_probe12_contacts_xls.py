"""A contact book kept by hand: saved as .xls, a unit written once over its people's rows."""

from __future__ import annotations

import openpyxl
import xlwt

from ntm_excel.reference.contacts import load_contacts

PEOPLE = [
    ("Trần Ngọc Quang", "Trưởng phòng", "Phòng Kinh tế – Hạ tầng", "quang@camxuyen.vn"),
    ("Lê Văn Nam", "Phó trưởng phòng", None, "nam@camxuyen.vn"),  # the unit merged above
]
EXPECTED = [
    ("Trần Ngọc Quang", "Phòng Kinh tế – Hạ tầng", "quang@camxuyen.vn"),
    ("Lê Văn Nam", "Phòng Kinh tế – Hạ tầng", "nam@camxuyen.vn"),
]
HEADINGS = ["Họ và tên", "Chức vụ", "Đơn vị", "Email"]


def _read(path):
    contacts = load_contacts(path)
    assert contacts.problems == ()
    return [(c.name, c.unit, c.email) for c in contacts.contacts]


def test_a_unit_merged_over_its_peoples_rows_is_each_ones_unit(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh bạ"
    sheet.append(HEADINGS)
    for person in PEOPLE:
        sheet.append(person)
    sheet.merge_cells("C2:C3")
    path = tmp_path / "danh_ba.xlsx"
    workbook.save(path)

    assert _read(path) == EXPECTED


def test_a_contact_book_saved_as_xls_is_read(tmp_path):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Danh bạ")
    for row, line in enumerate([HEADINGS, *PEOPLE]):
        for col, value in enumerate(line):
            if value is not None:
                sheet.write(row, col, value)
    sheet.merge(1, 2, 2, 2)
    path = tmp_path / "danh_ba.xls"
    book.save(str(path))

    assert _read(path) == EXPECTED
