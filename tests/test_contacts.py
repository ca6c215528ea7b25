"""The contact book workbook and reading owner names out of "Người phụ trách" cells."""

from __future__ import annotations

import openpyxl
import pytest

from ntm_excel.config import BUNDLED
from ntm_excel.model import Unit
from ntm_excel.reference.contacts import (
    CLUSTERS_SHEET,
    COMMUNES_SHEET,
    CONTACTS_SHEET,
    HELP_SHEET,
    Contact,
    Contacts,
    ContactsError,
    load_contacts,
    parse_assignees,
    parse_owners,
)

PLAN_OFFICIALS = [
    "Phạm Hoàng Anh",
    "Trần Ngọc Quang",
    "Nguyễn Thanh Phong",
    "Phạm Văn Thắng",
    "Phạm Danh Cường",
    "Trần Huy Nghĩa",
    "Nguyễn Thị Xuân Hoàng",
    "Lê Ngọc Hà",
    "Lê Văn Danh",
    "Biện Văn Thanh",
    "Phan Ngọc Tố",
]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Đ/c: Trần Văn Lượng - Chủ tịch", ("Trần Văn Lượng",)),
        ("Đ/c: Nguyễn Huy Vinh Địa chính", ("Nguyễn Huy Vinh",)),
        (
            "Đ/c Phạm Hoàng Anh – Phó Chủ tịch UBND huyện; đ/c Trần Ngọc Quang - Trưởng phòng KTHT",
            ("Phạm Hoàng Anh", "Trần Ngọc Quang"),
        ),
        (
            "đ/c Nguyễn Thanh Phong – Trưởng BQLDA, đ/c Phạm Danh Cường – Giám đốc TTVHHTT, "
            "đ/c Trần Huy Nghĩa – Giám đốc TTYT",
            ("Nguyễn Thanh Phong", "Phạm Danh Cường", "Trần Huy Nghĩa"),
        ),
        ("Lê Văn Danh - Trưởng phòng Nông nghiệp và Phát triển Nông Thôn", ("Lê Văn Danh",)),
        ("Trần Văn An và Nguyễn Văn Bình", ("Trần Văn An", "Nguyễn Văn Bình")),
        ("ông Trần Văn An\nbà Nguyễn Thị Hoa", ("Trần Văn An", "Nguyễn Thị Hoa")),
        ("Đồng chí Lê Ngọc Hà (Phó Chủ tịch)", ("Lê Ngọc Hà",)),
        ("Trần Văn Lượng, Chủ tịch UBND xã", ("Trần Văn Lượng",)),
        ("Nguyễn Xuân Trường Kế toán", ("Nguyễn Xuân Trường",)),
        ("Trần Văn Hóa", ("Trần Văn Hóa",)),  # "Văn Hóa" is part of the name here
        ("Lê Trường Phong", ("Lê Trường Phong",)),
        ("Công chức Địa chính", ("Công chức Địa chính",)),  # a title only is kept, not lost
        ("dc tran van luong - chu tich", ("tran van luong",)),
        ("Nguyễn Văn An/Trần Thị Bình", ("Nguyễn Văn An", "Trần Thị Bình")),
        ("Nguyễn Văn An + Trần Thị Bình", ("Nguyễn Văn An", "Trần Thị Bình")),
        ("đ/c Nguyễn Văn An/ đ/c Trần Thị Bình", ("Nguyễn Văn An", "Trần Thị Bình")),
        ("Công chức LĐ-TBXH (Lê Văn Cường)", ("Lê Văn Cường",)),  # the name in brackets
        ("UBND xã/HTX", ("UBND xã/HTX",)),  # «/» between two bodies: one owner, not lost
        ("Tổ 1/2", ("Tổ 1/2",)),
        ("", ()),
    ],
)
def test_parse_owners(text, names):
    assert parse_owners(text) == names


def test_bundled_contact_book_names_every_official_of_the_plan():
    contacts = load_contacts(BUNDLED / "danh_ba.xlsx")
    names = [c.name for c in contacts.contacts]
    for official in PLAN_OFFICIALS:
        assert official in names
    office = contacts.match("Văn phòng điều phối NTM huyện")
    assert office and office.email == "vpdp.ntm@camxuyen.example.org"
    anh = contacts.match("Phạm Hoàng Anh")
    assert anh.email == "pham.hoang.anh@camxuyen.example.org"
    assert anh.criteria == ("Quy hoạch", "Giao thông")
    assert "Phó Chủ tịch" in anh.title
    emails = [c.email for c in contacts.contacts if c.email]
    assert len(emails) == len(set(emails)) == len(PLAN_OFFICIALS) + 1 + len(PLAN_BODIES)
    assert all(e.endswith("@camxuyen.example.org") for e in emails)
    security = contacts.match("Phan Ngọc Tố").criteria
    assert security == ("An ninh, trật tự xã hội",)  # a comma inside an item is kept


# The bodies the plan assigns work to, in its own words, each with an address.
PLAN_BODIES = [
    "Phòng Tài chính – Kế hoạch",
    "Ban Quản lý dự án huyện",
    "Ủy ban MTTQ huyện",
    "Hội LHPN huyện",
    "Hội Nông dân huyện",
    "Huyện đoàn",
    "Hội CCB huyện",
    "Liên đoàn Lao động huyện",
]


def test_bodies_and_groups_of_the_plan_reach_their_addresses():
    contacts = load_contacts(BUNDLED / "danh_ba.xlsx")
    for body in PLAN_BODIES:
        (reached,) = contacts.reach(body).contacts
        assert reached.name == body and reached.email
    assert contacts.match("Phòng Tài chính - Kế hoạch").name == "Phòng Tài chính – Kế hoạch"
    heads = contacts.reach("Trưởng các phòng, ngành liên quan")
    assert heads.known and {c.name for c in heads.contacts} == set(PLAN_OFFICIALS) - {
        "Phạm Hoàng Anh",  # the Vice-Chairs direct; the department heads carry out
        "Phạm Văn Thắng",
        "Lê Ngọc Hà",
    }
    unions = contacts.reach("Các đoàn thể chính trị – xã hội huyện").contacts
    assert [c.name for c in unions] == PLAN_BODIES[3:]
    investors = contacts.reach("Các chủ đầu tư")  # in the book, without an address
    assert investors.known and [c.email for c in investors.contacts] == [""]
    assert not contacts.reach("Hội Người cao tuổi huyện").known
    # clusters and assigned communes: the structure ships empty, never invented names
    assert contacts.clusters == () and contacts.supervisors() == ()
    leaders = contacts.reach("Ủy viên Ban Thường vụ Huyện ủy phụ trách cụm")
    assert leaders.known and leaders.contacts == ()
    workbook = openpyxl.load_workbook(BUNDLED / "danh_ba.xlsx", read_only=True)
    heading = next(workbook[CLUSTERS_SHEET].iter_rows(values_only=True))
    guide = " ".join(str(r[0]) for r in workbook[HELP_SHEET].iter_rows(values_only=True))
    workbook.close()
    assert heading == ("Cụm", "Trưởng cụm", "Xã trong cụm", "Ghi chú")
    assert "Cụm chỉ đạo" in guide and "Xã phụ trách" in guide


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Hội Nông dân huyện; Đ/c Lê Ngọc Hà - Phó Chủ tịch", ("Hội Nông dân huyện", "Lê Ngọc Hà")),
        ("Ban Chỉ đạo NTM, UBND các thị trấn", ("Ban Chỉ đạo NTM, UBND các thị trấn",)),
        ("Phòng Tài chính – Kế hoạch", ("Phòng Tài chính – Kế hoạch",)),
        ("Ủy ban MTTQ huyện\nHuyện đoàn", ("Ủy ban MTTQ huyện", "Huyện đoàn")),
        ("Đoàn Văn Hậu - Chuyên viên", ("Đoàn Văn Hậu",)),  # a family name, not a body
    ],
)
def test_parse_assignees_keeps_bodies_whole(text, names):
    assert parse_assignees(text) == names


def test_commune_addresses_come_from_the_communes_sheet(tmp_path):
    path = tmp_path / "danh_ba.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = CONTACTS_SHEET
    workbook.active.append(["Họ và tên", "Email", "Xã phụ trách"])
    workbook.active.append(["Lê Thị Mai", "mai@example.org", "Cẩm Hà; 18694"])
    communes = workbook.create_sheet(COMMUNES_SHEET)
    communes.append(["Mã đơn vị", "Tên đơn vị", "Người liên hệ", "Email"])
    communes.append([18694, "Xã Cẩm Thành", "Chủ tịch UBND xã", "camthanh@example.org"])
    clusters = workbook.create_sheet(CLUSTERS_SHEET)
    clusters.append(["Cụm", "Trưởng cụm", "Xã trong cụm"])
    clusters.append(["Cụm 1", "Lê Thị Mai", "Cẩm Thành; Cẩm Hà"])
    workbook.save(path)
    contacts = load_contacts(path)
    thanh = Unit("18694", "Xã Cẩm Thành", "xã", "Huyện Cẩm Xuyên", "Hà Tĩnh", "Bắc Trung Bộ")
    ha = Unit("18727", "Xã Cẩm Hà", "xã", "Huyện Cẩm Xuyên", "Hà Tĩnh", "Bắc Trung Bộ",
              email="ubnd.camha@example.org")  # fmt: skip
    reached = contacts.reach("UBND các xã, thị trấn", [thanh, ha]).contacts
    assert [(c.name, c.email) for c in reached] == [
        ("Chủ tịch UBND xã", "camthanh@example.org"),  # «Liên hệ xã»
        ("UBND xã Cẩm Hà", "ubnd.camha@example.org"),  # not there: the registry's address
    ]
    assert contacts.clusters[0].communes == ("Cẩm Thành", "Cẩm Hà")
    assert [c.name for c in contacts.leaders()] == ["Lê Thị Mai"]
    assert [c.name for c in contacts.reach("Cán bộ được phân công chỉ đạo cơ sở").contacts] == [
        "Lê Thị Mai"
    ]


def test_bundled_contact_book_lists_the_communes():
    workbook = openpyxl.load_workbook(BUNDLED / "danh_ba.xlsx", read_only=True)
    rows = list(workbook[COMMUNES_SHEET].iter_rows(values_only=True))
    workbook.close()
    heading, rows = rows[0], rows[1:]
    assert heading[:2] == ("Mã đơn vị", "Tên đơn vị")
    email = heading.index("Email")
    assert len(rows) == 23
    assert {str(r[0]) for r in rows} >= {"18694", "18691", "18673"}
    assert all(r[email] and r[email].endswith("@camxuyen.example.org") for r in rows)


@pytest.mark.parametrize(
    "written",
    [
        "Phạm Hoàng Anh",
        "pham hoang anh",
        "PHẠM HOÀNG ANH",
        "Đ/c Phạm Hoàng Anh – Phó Chủ tịch UBND huyện",
        "đồng chí Pham Hoang Anh",
        "Ông  Phạm  Hoàng Anh",
    ],
)
def test_match_is_tolerant(written):
    contacts = load_contacts(BUNDLED / "danh_ba.xlsx")
    assert contacts.match(written).name == "Phạm Hoàng Anh"


def test_match_never_guesses():
    contacts = Contacts(
        (
            Contact("Nguyễn Văn An", "Chủ tịch", "UBND xã Cẩm Hà", "an1@example.org"),
            Contact("Nguyễn Văn Ân", "Kế toán", "UBND xã Cẩm Lộc", "an2@example.org"),
            Contact("Lê Thị Mai", "Văn hóa", "UBND xã Cẩm Hà", "mai@example.org"),
        )
    )
    assert contacts.match("Nguyen Van An") is None  # two people fold to the same name
    assert contacts.match("Mai") is None  # a given name alone is not a full name
    assert contacts.match("Lê Thị Mai Văn hóa").email == "mai@example.org"
    assert contacts.match("") is None


def test_load_contacts_reads_columns_by_heading(tmp_path):
    path = tmp_path / "danh_ba.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = CONTACTS_SHEET
    sheet.append(["Email", "Họ và tên", "Xã phụ trách", "Chức vụ"])
    sheet.append(["mai@example.org", "Lê Thị Mai", "Xã Cẩm Hà; Xã Cẩm Lộc", "Chuyên viên"])
    sheet.append([None, None, None, None])
    sheet.append([None, "Trần Văn Nam", None, None])
    workbook.save(path)
    contacts = load_contacts(path)
    assert contacts.contacts[0] == Contact(
        name="Lê Thị Mai",
        title="Chuyên viên",
        unit="",
        email="mai@example.org",
        communes=("Xã Cẩm Hà", "Xã Cẩm Lộc"),
    )
    assert len(contacts.contacts) == 2


def test_load_contacts_without_the_sheet(tmp_path):
    path = tmp_path / "khac.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(ContactsError, match="Danh bạ"):
        load_contacts(path)


def test_an_address_that_is_not_one_plain_address_is_a_problem_not_a_recipient(tmp_path):
    """A line break and «Bcc:» in a cell, a missing domain: each is reported with its cell, and
    the person gets no mail (not a recipient the server refuses for ever). Two addresses are
    both the person's (tests/test_contacts2_addresses.py)."""
    path = tmp_path / "danh_ba.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = CONTACTS_SHEET
    sheet.append(["Họ và tên", "Chức vụ", "Email"])
    sheet.append(["Lê Thị Mai", "Chuyên viên", "mai@camxuyen.example.org"])
    sheet.append(["Trần Văn Nam", "", "nam@camxuyen.example.org\r\nBcc: ke.xau@example.org"])
    sheet.append(["Phan Văn Hùng", "", "Bcc: hung@camxuyen.example.org"])
    sheet.append(["Võ Thị Lan", "", "lan@camxuyen.example.org; lan2@camxuyen.example.org"])
    sheet.append(["Đỗ Văn Tú", "", "tu@camxuyen"])
    workbook.save(path)
    contacts = load_contacts(path)
    assert [c.email for c in contacts.contacts] == [
        "mai@camxuyen.example.org",
        "",
        "",
        "lan@camxuyen.example.org",
        "",
    ]
    assert contacts.contacts[3].other_emails == ("lan2@camxuyen.example.org",)
    assert [p.split(":")[0] for p in contacts.problems] == [
        f"Danh bạ danh_ba.xlsx, trang «{CONTACTS_SHEET}», ô {cell}" for cell in ["C3", "C4", "C6"]
    ]
    assert (
        "«nam@camxuyen.example.org Bcc: ke.xau@example.org» của Trần Văn Nam"
        in (contacts.problems[0])
    )
    assert all("không gửi thư cho người này tới khi sửa" in p for p in contacts.problems)
