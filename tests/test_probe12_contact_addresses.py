"""A contact book kept by hand: addresses written with what clerks and copied links add."""

from __future__ import annotations

import openpyxl

from ntm_excel.reference.contacts import load_contacts

WRITTEN = {  # the Email cell → the address read, "" when it is not one (and said)
    "mailto:anh@camxuyen.vn": "anh@camxuyen.vn",
    "quang@camxuyen.vn.": "quang@camxuyen.vn",
    " <phong@camxuyen.vn> ": "phong@camxuyen.vn",
    "MAILTO:Thang@CamXuyen.vn;": "Thang@CamXuyen.vn",
    "a@camxuyen.vn; b@camxuyen.vn": "a@camxuyen.vn",  # b@camxuyen.vn too, as other_emails
    "binh@camxuyen.vn / 0912345678": "binh@camxuyen.vn",  # the phone is said
    "0912345678": "",
    "hа@camxuyen.vn": "",  # a Cyrillic «а»
}


def test_addresses_are_read_without_what_is_added_around_them(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh bạ"
    sheet.append(["Họ và tên", "Email"])
    for number, email in enumerate(WRITTEN, start=1):
        sheet.append([f"Người số {number}", email])
    path = tmp_path / "danh_ba.xlsx"
    workbook.save(path)

    contacts = load_contacts(path)

    assert [c.email for c in contacts.contacts] == list(WRITTEN.values())
    cells = [problem.split("ô ")[1].split(":")[0] for problem in contacts.problems]
    assert cells == ["B7", "B8", "B9"]  # B7: the phone beside the address
