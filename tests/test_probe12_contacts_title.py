"""A contact book kept by hand: a title block above the headings of its sheets."""

from __future__ import annotations

import openpyxl

from ntm_excel.reference.contacts import commune_addresses, load_contacts


def _book(path, email_heading="Email"):
    workbook = openpyxl.Workbook()
    people = workbook.active
    people.title = "Danh bạ"
    people.append(["DANH BẠ BAN CHỈ ĐẠO NTM HUYỆN CẨM XUYÊN"])
    people.append(["(cập nhật tháng 3/2021)"])
    people.append(["Họ và tên", "Chức vụ", email_heading])
    people.append(["Phạm Hoàng Anh", "Phó Chủ tịch UBND huyện", "pham.hoang.anh@camxuyen.vn"])
    people.append(["Trần Ngọc Quang", "Trưởng phòng KTHT", "quang@camxuyen"])
    communes = workbook.create_sheet("Liên hệ xã")
    communes.append(["LIÊN HỆ CÁC XÃ"])
    communes.append(["Mã đơn vị", "Tên đơn vị", email_heading])
    communes.append(["18694", "Xã Cẩm Thành", "camthanh@camxuyen.vn"])
    workbook.save(path)
    return path


def test_rows_under_a_title_block_are_read_and_cells_keep_their_rows(tmp_path):
    path = _book(tmp_path / "danh_ba.xlsx")

    contacts = load_contacts(path)

    assert [(c.name, c.email, c.written_at) for c in contacts.contacts] == [
        ("Phạm Hoàng Anh", "pham.hoang.anh@camxuyen.vn", "trang «Danh bạ», ô C4"),
        ("Trần Ngọc Quang", "", "trang «Danh bạ», ô C5"),
    ]
    assert len(contacts.problems) == 1
    assert "trang «Danh bạ», ô C5: địa chỉ thư «quang@camxuyen»" in contacts.problems[0]
    assert [(c.code, c.email) for c in contacts.communes] == [("18694", "camthanh@camxuyen.vn")]
    assert commune_addresses(path) == {"camthanh@camxuyen.vn": frozenset({"18694"})}


def test_a_missing_email_heading_names_the_heading_row(tmp_path):
    path = _book(tmp_path / "danh_ba.xlsx", email_heading="E-mail")

    problems = load_contacts(path).problems

    assert "trang «Danh bạ»: không có cột «Email» (dòng 3: «Họ và tên»" in problems[0]
    assert "trang «Liên hệ xã»: không có cột «Email» (dòng 2: «Mã đơn vị»" in problems[1]
