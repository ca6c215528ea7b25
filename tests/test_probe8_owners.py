"""Owner cells of a roadmap as communes write them, fifth probe: a title after a slash
(«Nguyễn Văn An/PCT»), a body named by a list of its kinds («Các thôn, xóm», «các ban,
ngành») or with a dash in its name («Phòng Kinh tế - Hạ tầng»), a short name with «&»
(«Phòng NN&PTNT»), a post held in many places («Trưởng thôn các thôn»). Each roadmap is a
real file read back; a body in the contact book is greeted as a body, not as «đồng chí»."""

from __future__ import annotations

import openpyxl
import pytest
from test_roadmap_messy import save

from ntm_excel.jobs.mail_text import greeting
from ntm_excel.read.reader import read_submission
from ntm_excel.reference.contacts import CONTACTS_SHEET, is_body, load_contacts

HEADING = ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"]
TITLE = ["KẾ HOẠCH THỰC HIỆN LỘ TRÌNH XÂY DỰNG NTM NĂM 2022"]

OWNER_CELLS = [
    ("Nguyễn Văn An/PCT", ("Nguyễn Văn An",)),
    ("Nguyễn Văn An / PCT UBND xã", ("Nguyễn Văn An",)),
    ("PCT UBND xã/Nguyễn Văn An", ("Nguyễn Văn An",)),
    ("Nguyễn Văn An/PCT, Trần Thị Bình/CC VH-XH", ("Nguyễn Văn An", "Trần Thị Bình")),
    ("Hùng/Lan", ("Hùng", "Lan")),
    ("Các thôn, xóm", ("Các thôn, xóm",)),
    ("UBND xã; các ban, ngành", ("UBND xã", "các ban, ngành")),
    ("Các ban, ngành, đoàn thể", ("Các ban, ngành, đoàn thể",)),
    ("Các thôn, xóm, tổ dân phố", ("Các thôn, xóm", "tổ dân phố")),
    ("Các tổ chức chính trị - xã hội", ("Các tổ chức chính trị - xã hội",)),
    ("Phòng Kinh tế - Hạ tầng, Phòng TC-KH", ("Phòng Kinh tế - Hạ tầng", "Phòng TC-KH")),
    ("Phòng NN&PTNT huyện", ("Phòng NN&PTNT huyện",)),
    ("Hùng & Lan", ("Hùng", "Lan")),
    ("MTTQ và các đoàn thể", ("MTTQ", "các đoàn thể")),
    ("Hội ND, Hội PN", ("Hội ND", "Hội PN")),
    ("UBND xã - Đ/c Hùng", ("Hùng",)),
    ("UBND xã, Nguyễn Văn An", ("UBND xã", "Nguyễn Văn An")),
    ("Đ/c An (PCT)", ("An",)),
    ("An - CT", ("An",)),
    ("NGUYỄN VĂN AN - PCT", ("Nguyễn Văn An",)),
    ("Nguyen Van An - PCT", ("Nguyen Van An",)),
    ("Công an xã", ("Công an xã",)),
    ("Trưởng thôn các thôn", ("Trưởng thôn các thôn",)),
    ("Thôn 1, thôn 2, thôn 3", ("Thôn 1", "thôn 2", "thôn 3")),
    ("HTX, Tổ hợp tác", ("HTX", "Tổ hợp tác")),
    ("Đoàn TN xã - Bí thư Đoàn: Nguyễn Văn Tú", ("Nguyễn Văn Tú",)),
    ("Hội ND - Chủ tịch Hội: Trần Văn Bình", ("Trần Văn Bình",)),
]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_owner_cells_keep_every_word_and_drop_titles(tmp_path, registry, indicators, suffix):
    rows = [TITLE, HEADING]
    rows += [[n, f"Việc {n}", "30/9/2022", cell] for n, (cell, _) in enumerate(OWNER_CELLS, 1)]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows)
    submission, _ = read_submission(path, registry, indicators)
    assert [t.owners for t in submission.tasks] == [owners for _, owners in OWNER_CELLS]


BODIES = ["Trạm Y tế xã", "HTX DVNN Cẩm Thạch", "Trường THCS Cẩm Thạch", "Ban phát triển thôn",
          "Trưởng thôn các thôn", "Đảng ủy xã", "Chi bộ thôn 3", "HĐND xã", "Thôn Đông",
          "Người dân"]  # fmt: skip


def test_a_body_in_the_contact_book_is_greeted_as_a_body(tmp_path):
    """«Kính gửi Trạm Y tế xã,», not «Kính gửi đồng chí Trạm Y tế xã,»; a person still is
    «đồng chí», also when the plan writes a title after a slash."""
    path = tmp_path / "danh_ba.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = CONTACTS_SHEET
    sheet.append(["Họ và tên", "Chức vụ", "Email"])
    for n, name in enumerate(BODIES):
        sheet.append([name, "", f"don_vi{n}@camthach.example.org"])
    sheet.append(["Nguyễn Văn An", "Phó Chủ tịch UBND xã", "an@camthach.example.org"])
    workbook.save(path)
    contacts = load_contacts(path)
    for name in BODIES:
        assert is_body(name)
        assert greeting(contacts.match(name)) == f"Kính gửi {name},"
    person = contacts.reach("Nguyễn Văn An/PCT").contacts
    assert [greeting(c) for c in person] == [
        "Kính gửi đồng chí Nguyễn Văn An – Phó Chủ tịch UBND xã,"
    ]
    for name in ("Nguyễn Văn An", "Trương Văn Bình", "Đặng Thị Uyên", "Tô Văn Dân"):
        assert not is_body(name)
