"""The contact book (workbooks/danh_ba.xlsx) and reading owner names out of "Người phụ trách"
cells such as "Đ/c Phạm Hoàng Anh – Phó Chủ tịch UBND huyện; đ/c …".

The book has three sheets: «Danh bạ» (officials and bodies: departments, mass organisations,
the coordination office; a group row lists its members in «Thành viên»), «Liên hệ xã» (one
address per commune) and «Cụm chỉ đạo» (each cluster of communes, its leader and its
communes). `Contacts.reach` says whom a name in a task reaches: a person, a body, a group's
members, every commune concerned ("Ban chỉ đạo NTM các xã"), the cluster leaders, or the
officials assigned to communes.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from ntm_excel.errors import ContactsError, check_office_file
from ntm_excel.model import Unit
from ntm_excel.reference.grid import sheet_grid
from ntm_excel.text import column_letter, fold, folded, is_email_address, nfc, shown
from ntm_excel.vocabulary import Vocabulary, bundled_vocabulary, vocab_key

CONTACTS_SHEET = "Danh bạ"
COMMUNES_SHEET = "Liên hệ xã"
CLUSTERS_SHEET = "Cụm chỉ đạo"
HELP_SHEET = "Hướng dẫn"
HEADING_ROWS = 10  # the rows searched for a sheet's headings (a title block may come first)
# Column headings of the "Danh bạ" sheet, in order, and the Contact field each fills.
CONTACT_COLUMNS = {
    "Họ và tên": "name",
    "Chức vụ": "title",
    "Đơn vị": "unit",
    "Email": "email",
    "Điện thoại": "phone",
    "Tiêu chí phụ trách": "criteria",
    "Xã phụ trách": "communes",
    "Vai trò trong kế hoạch": "role",
    "Thành viên": "members",
}
COMMUNE_COLUMNS = {
    "Mã đơn vị": "code",
    "Tên đơn vị": "name",
    "Người liên hệ": "contact_name",
    "Email": "email",
    "Điện thoại": "phone",
}
CLUSTER_COLUMNS = {
    "Cụm": "name",
    "Trưởng cụm": "leader",
    "Xã trong cụm": "communes",
    "Ghi chú": "note",
}

# Names that stand for several addressees, recognised by their words (folded).
COMMUNES_GROUP = "communes"  # "Ban chỉ đạo NTM các xã", "UBND các xã, thị trấn"
LEADERS_GROUP = "cluster leaders"  # "Ủy viên Ban Thường vụ Huyện ủy phụ trách cụm"
SUPERVISORS_GROUP = "supervisors"  # "Cán bộ được phân công chỉ đạo cơ sở"
_GROUPS = (
    (re.compile(r"\bcac (?:xa|thi tran|phuong)\b"), COMMUNES_GROUP),
    (re.compile(r"\b(?:phu trach cum|truong cum|cum chi dao)\b"), LEADERS_GROUP),
    (re.compile(r"\bchi dao co so\b"), SUPERVISORS_GROUP),
)
# Folded words that begin the name of a body rather than a person ("Đoàn", "Bàn" and "Văn"
# are also family or given names, so only longer phrases count).
_BODY_STARTS = (
    "phong ",
    "ban chi dao",
    "ban quan ly",
    "ban thuong vu",
    "ban chap hanh",
    "hoi ",
    "huyen doan",
    "huyen uy",
    "uy ban",
    "ubnd",
    "ubmttq",
    "mttq",
    "mat tran",
    "lien doan",
    "van phong",
    "trung tam",
    "cong an",
    "chi cuc",
    "doan thanh nien",
    "cac ",
    "truong cac",
    "uy vien ban",
    "can bo duoc",
    "thanh vien ban",
    "bql ",
    "bcd ",
    "doan tn",
    "htx",
    "hop tac xa",
    "tram y te",
    "truong thcs",
    "truong thpt",
    "truong tieu hoc",
    "truong th ",
    "truong mam non",
    "truong mn",
    "ban phat trien",
    "ban chi huy",
    "to dan pho",
    "dang uy",
    "chi bo",
    "hdnd",
    "hoi dong nhan dan",
    "thon ",
    "xom ",
    "to hop tac",
    "nhan dan",
    "nguoi dan",
    "ban cd ",
)

# «Đ/c», «Đồng chí», «Ông», «Bà», and «Ô.» (Ông, as Hà Tĩnh writes it: «Ô.Phạm Đình Tuấn»)
_HONORIFIC = re.compile(
    r"^\s*(?:[đd]\s*[/.]?\s*c|đồng\s+chí|dong\s+chi|ông|ong|bà|ba|ô)(?=[\s:.])[\s:.]*",
    re.IGNORECASE,
)
# «Anh Tuấn», «Chị Lan»: a form of address, only before a capitalised name
_KIN_HONORIFIC = re.compile(r"^\s*(?:anh|chị|cô|chú|em)\s+(?=[^\W\d_])", re.IGNORECASE)
# «A (chủ trì)», «B phối hợp», «phối hợp: C»: who leads a task and who helps
_LEAD, _PARTNER = "chu tri", "phoi hop"
_ROLE_WORDS = r"chủ\s+trì|chu\s+tri|phối\s+hợp|phoi\s+hop"
_ROLE_MARK = re.compile(rf"\b(?:{_ROLE_WORDS})\b", re.IGNORECASE)
_ROLE_PREFIX = re.compile(
    rf"^\s*\(?\s*(?P<mark>{_ROLE_WORDS})\s*\)?(?:\s*với\b|\s*:)?\s*", re.IGNORECASE
)
_ROLE_SUFFIX = re.compile(rf"\s*[-–(]?\s*(?P<mark>{_ROLE_WORDS})\s*\)?\s*[.]?\s*$", re.IGNORECASE)
_ROLE_SEGMENT = re.compile(r"([;,\n])")
_CHUNK_SEPARATOR = re.compile(r"[;\n]+")
# characters beyond which a title or a body's name read over several pieces («Trưởng phòng
# Nông nghiệp, PTNT») goes on no further: «PCT, PCT, …» over a whole cell was read piece by
# piece on a title growing with it (a roadmap of three such cells took half a minute)
LONGEST_TITLE = 300
# «A, B», «A & B», not the «&» of a short name («Phòng NN&PTNT»)
_LIST_SEPARATOR = re.compile(
    r"\s*[,+]\s*|\s*(?-i:(?<![A-ZĐ])&|&(?![A-ZĐ]))\s*|\s+(?:và|va)\s+", re.IGNORECASE
)
# where `_LIST_SEPARATOR` may split, found at a fraction of its cost (most cells name one)
_MAY_LIST = re.compile(r"[,+&]|\s(?:và|va)\s", re.IGNORECASE)
_DIGIT = re.compile(r"[0-9]")
_BULLET = re.compile(r"^\s*(?:[-–—•*+·]|\d{1,2}\s*[.)](?!\d))\s*")  # «- A», «1. A» on a line
_DASH = re.compile(r"\s+[-–—]\s+")  # «Võ Xuân Sơn - Lê Thị Bình»: two people when both are names
_SLASH = re.compile(r"(?<![đd])\s*/\s*(?!c\b)", re.IGNORECASE)  # «A/B», not «Đ/c»
_GIVEN_NAME = re.compile(r"^\s*[^\W\d_][^\W\d_]*\s*(?:\([^()]*\))?\s*$")  # «Lan», «Bình (CC)»
_NAME_IN_BRACKETS = re.compile(r"^[^()]+?\s*\((?P<name>[^()]+)\)\s*$")
_TITLE_SEPARATOR = re.compile(r"\s*[-–—(:]\s*")
# «Nguyễn Văn Hùng 0912345678», «Hùng (ĐT: 0912.345.678)»: a phone number beside a name
_PHONE_IN_CELL = re.compile(
    r"[\s,;(–-]*(?:(?:s?đt|dđ|tel|điện thoại)\s*[:.]?\s*)?(?:\+84|0)\d(?:[\s.]?\d){7,9}\)?",
    re.IGNORECASE,
)

# between the addresses of one Email cell: «;», «,», «/», spaces, line breaks
_ADDRESS_SEPARATOR = re.compile(r"[;,/\s]+")
# a mail header's name («Bcc:», «To:») written in an Email cell: never mail anyone of it
_HEADER_NAME = re.compile(r"[A-Za-z-]+:")

ALL_COMMUNES = "Tất cả"  # in «Xã phụ trách»: the contact follows every unit


@dataclass(frozen=True)
class Contact:
    """One official (or office) who can receive deadline mail."""

    name: str
    title: str
    unit: str
    email: str  # the first address of its Email cell
    criteria: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()  # names or codes, or ALL_COMMUNES
    role: str = ""
    phone: str = ""
    members: tuple[str, ...] = ()  # a group row: the contacts it stands for
    other_emails: tuple[str, ...] = ()  # further addresses of the cell (work and personal)
    # where the contact book holds its address, or is to: «trang «Danh bạ», ô D12»
    written_at: str = field(default="", compare=False)


@dataclass(frozen=True)
class CommuneContact:
    """One row of «Liên hệ xã»: a commune's address."""

    code: str
    name: str
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    other_emails: tuple[str, ...] = ()  # as `Contact.other_emails`
    written_at: str = field(default="", compare=False)  # as `Contact.written_at`


@dataclass(frozen=True)
class Cluster:
    """One cluster of communes (cụm chỉ đạo) and the Standing Committee member leading it."""

    name: str
    leader: str
    communes: tuple[str, ...]  # names or codes as the office wrote them
    note: str = ""


@dataclass(frozen=True)
class Reach:
    """Whom a name written in a task reaches: `known` is False when the contact book has no
    such person, body or group. Addressees may lack an e-mail address."""

    known: bool
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True)
class Contacts:
    """The contact book; `match` finds an official or a body from a name as written in a
    plan, `reach` whom a name reaches. `problems` are the cells that could not be used
    (Vietnamese, naming file, sheet and cell)."""

    contacts: tuple[Contact, ...]
    problems: tuple[str, ...] = ()
    communes: tuple[CommuneContact, ...] = ()
    clusters: tuple[Cluster, ...] = ()

    def match(self, name: str) -> Contact | None:
        """The one contact named `name`: a body by its whole name, a person by the full name
        (titles, "Đ/c", case and diacritics ignored); else, when only one contact fits, the
        one with that phone number («0912 345 678»), whose title or unit it is, written
        short or not («Trưởng phòng KTHT» for «Trưởng phòng Kinh tế – Hạ tầng»,
        «TP NN&PTNT»), or whose name it is with one letter wrong («Phạm Hoàn Anh»). None
        when nobody or several match."""
        found = self._named(name)
        if found:  # one person on several rows with one address is that person
            return found[0] if len({c.email for c in found}) == 1 else None
        found = self._phoned(name) or self._titled(name) or self._misspelt(name)
        return found[0] if len(found) == 1 else None

    def _named(self, name: str) -> list[Contact]:
        """The contacts whose name is `name`'s (titles, "Đ/c", case and diacritics ignored)."""
        whole = fold(name)
        found = [c for c in self.contacts if whole and fold(c.name) == whole]
        if not found:
            key = person_key(name)
            found = [c for c in self.contacts if key and fold(c.name) == key]
        return found

    def _phoned(self, name: str) -> list[Contact]:
        number = _phone(name)
        return [c for c in self.contacts if number and _phone(c.phone) == number]

    def _titled(self, name: str) -> list[Contact]:
        """The contacts whose title (any of its parts) or unit `name` writes out or short."""
        words = _words(name)
        if len(words) < 2 or _phone(name):
            return []
        return [
            c
            for c in self.contacts
            if not c.members
            and any(_abbreviates(words, _words(part)) for part in (*c.title.split(","), c.unit))
        ]

    def _misspelt(self, name: str) -> list[Contact]:
        """The people whose full name differs from `name`'s by one letter, outside the given
        name: «Phạm Hoàn Anh» is Phạm Hoàng Anh, but «Nguyễn Văn An» is not Nguyễn Văn Anh
        (given names one letter apart are other people)."""
        key = person_key(name)
        if len(key) < 8 or is_body(name) or len(key.split()) < 2:
            return []
        return [
            c
            for c in self.contacts
            if not is_body(c.name)
            and len(other := fold(c.name)) >= 8
            and len(other.split()) == len(key.split())
            and other.split()[-1] == key.split()[-1]
            and _one_letter_apart(key, other)
        ]

    @functools.cached_property
    def _communes_by_key(self) -> dict[str, CommuneContact]:
        """«Liên hệ xã» rows by code and by folded name (the first row wins)."""
        index: dict[str, CommuneContact] = {}
        for row in self.communes:
            for key in (row.code, fold(row.name)):
                if key:
                    index.setdefault(key, row)
        return index

    def commune_contact(self, unit: Unit) -> Contact:
        """The address of a commune: its «Liên hệ xã» row, else the registry's e-mail."""
        index = self._communes_by_key
        row = index.get(unit.code) or next(
            (index[k] for k in sorted(unit_keys(unit)) if k in index), None
        )
        email = (row.email if row else "") or unit.email
        name = (row.contact_name if row else "") or unit.contact_name
        return Contact(
            name=name or f"UBND {unit.name[:1].lower()}{unit.name[1:]}",
            title="",
            unit=unit.name,
            email=email,
            communes=(unit.code,),
            phone=(row.phone if row else "") or unit.phone,
            other_emails=row.other_emails if row and row.email else (),
            written_at=row.written_at if row else "",
        )

    def leaders(self) -> tuple[Contact, ...]:
        """The cluster leaders (a leader missing from «Danh bạ» has no address)."""
        found: dict[str, Contact] = {}
        for cluster in self.clusters:
            if cluster.leader:
                contact = self.match(cluster.leader) or Contact(cluster.leader, "", "", "")
                found.setdefault(fold(contact.name), contact)
        return tuple(found.values())

    def supervisors(self) -> tuple[Contact, ...]:
        """The officials assigned to named communes in «Xã phụ trách» ("Tất cả" aside)."""
        return tuple(
            c for c in self.contacts if any(fold(x) != fold(ALL_COMMUNES) for x in c.communes)
        )

    def reach(self, name: str, units: tuple[Unit, ...] | list[Unit] = ()) -> Reach:
        """Whom `name` reaches; `units` are the communes a commune task concerns."""
        group = group_kind(name)
        if group == COMMUNES_GROUP:
            return Reach(True, tuple(self.commune_contact(u) for u in units))
        if group == LEADERS_GROUP:
            return Reach(True, self.leaders())
        if group == SUPERVISORS_GROUP:
            return Reach(True, self.supervisors())
        contact = self.match(name)
        if contact is None:  # known when on several rows with other addresses: a problem said
            return Reach(bool(self._named(name)))
        if not contact.members:
            return Reach(True, (contact,))
        members = [self.match(m) or Contact(m, "", "", "") for m in contact.members]
        return Reach(True, tuple(([contact] if contact.email else []) + members))


def _phone(text: str) -> str:
    """The digits of a phone number written alone («0912.345.678», «+84 912 345 678»)."""
    if not text or re.search(r"[^\d\s.()+-]", text):
        return ""
    digits = re.sub(r"\D", "", text)
    digits = "0" + digits[2:] if digits.startswith("84") and len(digits) == 11 else digits
    return digits if 9 <= len(digits) <= 11 else ""


_LEVEL = {"huyen", "xa", "thi", "tran", "cua", "va"}  # «… huyện», «và»: not telling
_PLACES = {"xa", "huyen", "tinh", "thon", "phuong", "ban", "xom", "ap"}  # «HĐND Xã»: no name


def _words(text: str) -> list[str]:
    """The folded words of a title or a unit, «–», «&», «và» and the level left out."""
    return [w for w in re.split(r"[^0-9a-z]+", fold(text)) if w and w not in _LEVEL]


def _abbreviates(short: list[str], long: list[str]) -> bool:
    """Whether `short` writes `long` out, each word whole or a run of words by its
    initials («kttht» no, «ktht» = «kinh te ha tang», «tp» = «truong phong»)."""
    if not short or not long:
        return not short and not long
    head = short[0]
    if head == long[0] and _abbreviates(short[1:], long[1:]):
        return True
    return any(
        head == "".join(w[0] for w in long[:size]) and _abbreviates(short[1:], long[size:])
        for size in range(2, min(len(head), len(long)) + 1)
    )


def _one_letter_apart(one: str, other: str) -> bool:
    """Whether two texts differ by one letter added, dropped or changed."""
    if abs(len(one) - len(other)) > 1 or one == other:
        return False
    start = next((i for i, (a, b) in enumerate(zip(one, other, strict=False)) if a != b), None)
    if start is None:
        return True  # one is the other with a letter more at the end
    return (
        one[start + 1 :] == other[start + 1 :]
        or one[start + 1 :] == other[start:]
        or one[start:] == other[start + 1 :]
    )


def group_kind(name: str) -> str | None:
    """COMMUNES_GROUP, LEADERS_GROUP, SUPERVISORS_GROUP, or None for anyone else."""
    key = fold(name)
    return next((kind for pattern, kind in _GROUPS if pattern.search(key)), None)


def is_body(name: str) -> bool:
    """Whether `name` names an office, committee, organisation or group, not a person: also
    the holders of a post in many places («Trưởng thôn các thôn»)."""
    key = fold(name)
    return key.startswith(_BODY_STARTS) or " cac " in f" {key} " or group_kind(name) is not None


def unit_keys(unit: Unit) -> set[str]:
    """The ways a contact book may name a unit: code, full name, name without "Xã"."""
    full = fold(unit.name)
    keys = {unit.code, full}
    kind = fold(unit.kind)
    if kind and full.startswith(kind + " "):
        keys.add(full[len(kind) + 1 :])
    return keys


def parse_assignees(text: str) -> tuple[str, ...]:
    """The people and bodies named in a plan cell: "; "-separated; a body's name is kept
    whole ("Phòng Tài chính – Kế hoạch", "Ban Chỉ đạo NTM, UBND các thị trấn"), a person's
    read by `parse_owners` (titles and "Đ/c" stripped)."""
    found: list[str] = []
    for chunk in _CHUNK_SEPARATOR.split(text or ""):
        chunk = nfc(chunk).strip(" .")
        if not chunk:
            continue
        found += [chunk] if is_body(chunk) else parse_owners(chunk)
    return tuple(dict.fromkeys(found))


def person_key(name: str) -> str:
    """A folded key for the person in `name`, titles and "Đ/c" left out."""
    owners = parse_owners(name)
    return fold(owners[0] if len(owners) == 1 else name)


def load_contacts(path: Path | str) -> Contacts:
    """Read the contact workbook at `path`: «Danh bạ» (required), «Liên hệ xã» and
    «Cụm chỉ đạo» (when present)."""
    check_office_file(path, ContactsError, "Tệp danh bạ")
    try:
        workbook = CalamineWorkbook.from_path(str(path))  # .xlsx, .xls, .ods
    except FileNotFoundError:
        raise ContactsError(f"Không tìm thấy tệp danh bạ {path}") from None
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is reported the same way
        raise ContactsError(f"Không mở được tệp danh bạ {path}: {exc}") from exc
    try:
        if CONTACTS_SHEET not in workbook.sheet_names:
            raise ContactsError(f"Tệp danh bạ {Path(path).name} không có trang «{CONTACTS_SHEET}».")
        problems: list[str] = []
        addresses = _Addresses(Path(path).name, problems)
        problems += _without_email_column(workbook, Path(path).name)
        rows = list(_sheet_rows(workbook, CONTACTS_SHEET, CONTACT_COLUMNS, "name"))
        contacts = [
            Contact(
                name=_person_name(values["name"]),
                title=values.get("title", ""),
                unit=values.get("unit", ""),
                email=(found := addresses.checked(values, number, columns, CONTACTS_SHEET))[0],
                other_emails=found[1:],
                criteria=split_list(values.get("criteria", "")),
                communes=split_list(values.get("communes", "")),
                role=values.get("role", ""),
                phone=values.get("phone", ""),
                members=split_list(values.get("members", "")),
                written_at=_email_cell(CONTACTS_SHEET, number, columns),
            )
            for number, values, columns in rows
        ]
        problems += _written_twice(Path(path).name, contacts, [number for number, _, _ in rows])
        communes = [
            CommuneContact(
                **values
                | {
                    "email": (found := addresses.checked(values, number, columns, COMMUNES_SHEET))[
                        0
                    ],
                    "other_emails": found[1:],
                },
                written_at=_email_cell(COMMUNES_SHEET, number, columns),
            )
            for number, values, columns in _sheet_rows(
                workbook, COMMUNES_SHEET, COMMUNE_COLUMNS, "code", "name"
            )
        ]
        clusters = [
            Cluster(
                name=values.get("name", ""),
                leader=values.get("leader", ""),
                communes=split_list(values.get("communes", "")),
                note=values.get("note", ""),
            )
            for _, values, _ in _sheet_rows(
                workbook, CLUSTERS_SHEET, CLUSTER_COLUMNS, "name", "leader"
            )
        ]
    finally:
        workbook.close()
    return Contacts(tuple(contacts), tuple(problems), tuple(communes), tuple(clusters))


def _person_name(name: str) -> str:
    """A «Họ và tên» cell's name without the «Đ/c», «Ông», «Bà» or title written with it
    («PCT UBND huyện Phạm Văn Thắng» is Phạm Văn Thắng, as plans name him); a body's name,
    or one whose rest does not begin with a family name («Ba Văn Tú»), as written."""
    if is_body(name):
        return name
    owners = parse_owners(name)
    if len(owners) == 1 and _family_name_first(owners[0], bundled_vocabulary()):
        return owners[0]
    return name


def _email_cell(sheet: str, number: int, columns: dict[str, int]) -> str:
    """Where row `number` of `sheet` holds its address: the cell of its «Email» column, or
    the row when the sheet has no such column."""
    if "email" not in columns:
        return f"trang «{sheet}», dòng {number}"
    return f"trang «{sheet}», ô {column_letter(columns['email'])}{number}"


def without_address(contact: Contact) -> str:
    """A contact with no address as a job's «Chưa có địa chỉ thư» line names it: with the
    sheet and cell of the contact book where its address is to be written, when it has one."""
    return f"{contact.name} ({contact.written_at})" if contact.written_at else contact.name


def _written_twice(file: str, contacts: list[Contact], numbers: list[int]) -> list[str]:
    """A problem for each name in «Danh bạ» on several rows with different addresses: a task
    given to that name reaches none of them (which one is meant cannot be told)."""
    rows: dict[str, list[int]] = {}
    for contact, number in zip(contacts, numbers, strict=True):
        rows.setdefault(fold(contact.name), []).append(number)
    found = []
    for same in rows.values():
        named = [contacts[numbers.index(number)] for number in same]
        if len({contact.email for contact in named}) > 1:
            addresses = ", ".join(contact.email or "(trống)" for contact in named)
            found.append(
                f"Danh bạ {file}, trang «{CONTACTS_SHEET}»: «{shown(named[0].name, 60)}» có ở "
                f"các dòng {', '.join(map(str, same))} với địa chỉ thư khác nhau ({addresses}); "
                "không gửi thư nhắc việc của người này tới khi chỉ còn một dòng (hoặc các dòng "
                "cùng một địa chỉ)."
            )
    return found


def _without_email_column(workbook, file: str) -> list[str]:
    """A problem for each sheet of addresses («Danh bạ», «Liên hệ xã») whose headings have no
    «Email» (renamed «E-mail», «Thư điện tử»…): no one there would be mailed, unsaid."""
    found = []
    for name, columns in ((CONTACTS_SHEET, CONTACT_COLUMNS), (COMMUNES_SHEET, COMMUNE_COLUMNS)):
        if name not in workbook.sheet_names:
            continue
        at, headings, _ = _heading(sheet_grid(workbook, name), columns)
        headings = [heading for heading in headings if heading]
        if fold("Email") in map(fold, headings):
            continue
        near = [h for h in headings if difflib.get_close_matches("email", [fold(h)], 1, 0.7)]
        hint = f" Cột «{shown(near[0])}» có phải là cột đó?" if near else ""
        found.append(
            f"Tệp danh bạ {file}, trang «{name}»: không có cột «Email» (dòng {at}: "
            f"{', '.join(f'«{shown(h)}»' for h in headings) or 'trống'}).{hint} Không ai trong "
            "trang này nhận được thư cho đến khi tiêu đề cột địa chỉ thư được ghi đúng là «Email»."
        )
    return found


def _tidy_address(text: str) -> str:
    """An Email cell's address without what a clerk or a copied link adds around it:
    spaces, «mailto:», «<…>», a closing «.» or «;»."""
    text = text.strip().strip("<>").strip()
    if text[:7].lower() == "mailto:":
        text = text[7:].strip()
    return text.rstrip(".;,").strip()


class _Addresses:
    """Checks the e-mail cells of a contact book, collecting the problems."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems = problems

    def checked(
        self, values: dict, number: int, columns: dict[str, int], sheet: str
    ) -> tuple[str, ...]:
        """The row's addresses (at least one item, "" when there is none to use): every
        address of the cell («a@x.vn; b@y.vn», «,» or one per line). A cell holding a broken
        address gives none; what else it holds (a phone, a name) is a problem naming the
        cell, the addresses still used."""
        cell_text = values.get("email", "")
        words = [w for w in _ADDRESS_SEPARATOR.split(cell_text) if w]
        found = [_tidy_address(w) for w in words if "@" in w]
        rest = " ".join(w for w in words if "@" not in w).strip(" /-–:()")
        if found and all(map(is_email_address, found)) and not rest:
            return tuple(dict.fromkeys(found))
        if not cell_text.strip():
            return ("",)
        cell = f"{column_letter(columns['email'])}{number}"
        who = values.get("name") or values.get("code", "")
        usable = (
            bool(found)
            and all(map(is_email_address, found))
            and not any(_HEADER_NAME.fullmatch(w) for w in words)  # «Bcc:» refuses the cell
        )
        where = f"Danh bạ {self.file}, trang «{sheet}», ô {cell}"
        if usable:
            self.problems.append(
                f"{where}: ô địa chỉ thư của {shown(who, 60)} còn có «{shown(rest)}», không phải "
                "địa chỉ (nhiều địa chỉ thì cách nhau bởi «;»); vẫn gửi thư tới "
                f"{', '.join(dict.fromkeys(found))}; hãy ghi số điện thoại, tên ở cột khác."
            )
            return tuple(dict.fromkeys(found))
        self.problems.append(
            f"{where}: địa chỉ thư «{shown(_tidy_address(cell_text))}» của {shown(who, 60)} "
            "không hợp lệ (cần địa chỉ dạng ten@donvi.gov.vn, nhiều địa chỉ cách nhau bởi «;»); "
            "không gửi thư cho người này tới khi sửa."
        )
        return ("",)


def _heading(grid: list[list[object]], columns: dict[str, str]) -> tuple[int, list[str], Iterator]:
    """The Excel row number and the headings (as written) of a sheet's `grid`, and its rows
    below them: of the first HEADING_ROWS rows, the one with most of `columns`' headings (a
    title block may come first)."""
    top = grid[:HEADING_ROWS]
    known = {fold(heading) for heading in columns}
    counts = [
        len(known.intersection(fold(_cell_text(row, i)) for i in range(len(row)))) for row in top
    ]
    above = counts.index(max(counts)) if counts else 0
    heading = [_cell_text(top[above], i).strip() for i in range(len(top[above]))] if top else []
    return above + 1, heading, iter(grid[above + 1 :])


def _sheet_rows(workbook, name: str, columns: dict[str, str], *keys: str):
    """(Excel row number, {field: text}, {field: column index}) of each row of sheet `name`
    (none when the sheet is missing) that fills one of `keys`; columns found by heading."""
    if name not in workbook.sheet_names:
        return
    at, heading, rows = _heading(sheet_grid(workbook, name), columns)
    header = [fold(h) for h in heading]
    found = {
        field: header.index(fold(heading))
        for heading, field in columns.items()
        if fold(heading) in header
    }
    for number, row in enumerate(rows, start=at + 1):
        values = {f: _cell_text(row, i) for f, i in found.items()}
        if any(values.get(key) for key in keys):
            yield number, {field: values.get(field, "") for field in columns.values()}, found


def commune_addresses(path: Path | str) -> dict[str, frozenset[str]]:
    """E-mail address (lower case) → the codes of the units it belongs to, from the
    «Liên hệ xã» sheet of the contact workbook (columns «Mã đơn vị» and «Email»; a cell may
    hold several addresses). Empty when the workbook has no such sheet."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))  # .xlsx, .xls, .ods
    except FileNotFoundError:
        raise ContactsError(f"Không tìm thấy tệp danh bạ {path}") from None
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is reported the same way
        raise ContactsError(f"Không mở được tệp danh bạ {path}: {exc}") from exc
    found: dict[str, set[str]] = {}
    try:
        if COMMUNES_SHEET not in workbook.sheet_names:
            return {}
        _, heading, rows = _heading(sheet_grid(workbook, COMMUNES_SHEET), COMMUNE_COLUMNS)
        header = [fold(h) for h in heading]
        if fold("Mã đơn vị") not in header or fold("Email") not in header:
            return {}
        code_at, email_at = header.index(fold("Mã đơn vị")), header.index(fold("Email"))
        for row in rows:
            code = _cell_text(row, code_at).strip()
            for address in mail_addresses(_cell_text(row, email_at)) if code else ():
                found.setdefault(address, set()).add(code)
    finally:
        workbook.close()
    return {address: frozenset(codes) for address, codes in found.items()}


def mail_addresses(text: str) -> list[str]:
    """The addresses of an Email cell (several separated by «;», «,» or spaces), lower case."""
    return [address.lower() for address in re.split(r"[;,\s]+", text or "") if "@" in address]


def split_list(text: str) -> tuple[str, ...]:
    """Items of a "; "-separated cell (new lines accepted too)."""
    return tuple(item for item in (nfc(p) for p in re.split(r"[;\n]", text)) if item)


def _cell_text(row: tuple, index: int) -> str:
    value = row[index] if index < len(row) else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number
    return nfc(str(value)) if value is not None else ""


def parse_owners(text: str, vocabulary: Vocabulary | None = None) -> tuple[str, ...]:
    """The people named in an owner cell, job titles, roles and "Đ/c" stripped, in order.

    Names are separated by ";", new lines, "," or "và"; a title or a role follows a dash, a
    bracket or simply the name ("Nguyễn Huy Vinh Địa chính", "A (chủ trì)", "A - PCT"); titles
    and roles are the vocabulary's `chuc_danh` rows; a title may also come first, before a dash
    ("Phó Chủ tịch UBND xã - Nguyễn Văn Nam") or a full name ("Chủ tịch UBND xã Nguyễn Văn
    Nam"). After "," or "và" a new person needs "Đ/c" or a capitalised name; after a title, a
    capitalised name that begins with a family name (the vocabulary's `ho` rows: "Đ/c A - Phó
    Chủ tịch và Trần Thị B") or a title before a name ("PCT A, CC Trần Thị B"), otherwise the
    words continue the title before them ("Trưởng phòng Tài nguyên và Môi trường"). A cell
    holding only a title ("Công chức Địa chính") gives that title, so that it is not lost.
    """
    vocabulary = vocabulary or bundled_vocabulary()
    owners: list[str] = []
    title = None  # where the line before put its title, when it held only that
    for chunk in _CHUNK_SEPARATOR.split(text or ""):
        chunk = nfc(chunk)
        chunk = _without_phone(chunk)
        if bullet := _BULLET.match(chunk):
            chunk = chunk[bullet.end() :]
        if not chunk:
            continue
        previous = ""  # what the previous piece was: "name", "titled" (name + title), "role"
        given = False  # the previous piece was a given name alone («Đ/c Hùng», «Hùng (PCT)»)
        start = len(owners)
        if title is not None and _family_name_first(_without_honorific(chunk), vocabulary):
            del owners[title]  # «PCT UBND xã⏎Võ Xuân Sơn»: the title is the person's
            start -= 1
        for index, raw in enumerate(_people(chunk, vocabulary)):
            bare = _without_honorific(raw)
            piece = raw
            honorific = bare != piece
            piece = _name_in_brackets(bare, vocabulary)
            if not honorific and is_body(piece) and ":" in piece:
                piece = _person_after_colon(piece, vocabulary)  # «Hội ND - Chủ tịch: Trần Bình»
            if not honorific and _whole_body(piece, vocabulary):
                # «MTTQ và các đoàn thể», «Các thôn, MTTQ»: each body an owner, its name whole
                owners.append(piece.strip(" ."))
                previous, given = "body", False
                continue
            if index and not honorific:
                if previous == "titled":  # «PCT Nguyễn Văn A, CC Trần Thị B»: titled too
                    named = _family_name_first(piece, vocabulary) or (
                        _owner(piece, vocabulary)[1] == "titled"
                    )
                else:
                    named = _looks_like_name(piece)
                # «Đ/c Hùng, Lan, Bình», «Hùng (PCT), Lan (CC)», «Hùng PCT, Lan CC»: given
                # names after one; «Các thôn, HTX»: a body written short after a body
                named = (
                    named
                    or (given and _GIVEN_NAME.match(piece) and piece[:1].isupper())
                    or (given and _given_name_alone(_owner(piece, vocabulary)[0], vocabulary))
                    or (piece.isupper() and len(owners) > start and is_body(owners[-1]))
                )
                if not named:  # the title before goes on, or the body's («Các thôn, xóm»)
                    going_on = len(owners) > start and len(owners[-1]) < LONGEST_TITLE
                    if previous in ("role", "body") and going_on:
                        owners[-1] = _continued(chunk, owners[-1], raw)
                    continue
            name, kind = _owner(piece, vocabulary)
            first = not index and name[:1].isupper() and not name.isupper()  # «Hùng, Lan»
            given = (honorific or given or first) and kind != "role"
            given = given and bool(_GIVEN_NAME.match(name))
            if name and not (kind == "role" and previous == "name"):
                owners.append(_capitalised(name, vocabulary) if kind != "role" else name)
            previous = kind
        title = start if previous == "role" and len(owners) == start + 1 else None
    return tuple(owners)


def _without_phone(chunk: str) -> str:
    """`chunk` without the phone numbers written beside a name, or on a line of their own
    («ĐT: 0912 345 678»); a number alone is kept (the contact book matches it)."""
    if not _DIGIT.search(chunk):
        return chunk
    rest = _PHONE_IN_CELL.sub("", chunk)
    if any(c.isalpha() for c in rest) or rest == chunk:
        return rest
    return "" if any(c.isalpha() for c in chunk) else chunk  # «ĐT: 0912…» on its own line


def _continued(chunk: str, title: str, more: str) -> str:
    """A title read so far with the words of `more` after it, as the cell writes them
    («Trưởng phòng Nông nghiệp» + «PTNT» → «Trưởng phòng Nông nghiệp và PTNT»)."""
    start = chunk.find(title)
    end = chunk.find(more.strip(), start + len(title)) if start >= 0 else -1
    return chunk[start : end + len(more.strip())].strip(" .") if end >= 0 else title


def _people(chunk: str, vocabulary: Vocabulary) -> list[str]:
    """`_pieces`, with «A - B» two people when both sides begin with a family name or are
    given names alone («Hùng - Lan»)."""
    people = []
    for piece in _pieces(chunk, vocabulary):
        if not _DASH.search(piece):
            people.append(piece)
            continue
        parts = _DASH.split(piece)
        halves = [_without_honorific(part) for part in parts]
        both = (
            len(halves) > 1
            and (
                all(_family_name_first(half, vocabulary) for half in halves)
                or all(_given_name_alone(half, vocabulary) for half in halves)
            )
            and all(_owner(half, vocabulary)[1] == "name" for half in halves)
        )
        people += parts if both else [piece]
    return people


def _capitalised(name: str, vocabulary: Vocabulary) -> str:
    """A name typed in capitals («VÕ XUÂN SƠN») written as a name («Võ Xuân Sơn»)."""
    if not name.isupper():
        return name
    words = name.split()
    if len(words) > 1 and vocab_key(words[0]) in vocabulary.family_names:
        return name.title()
    return name


def parse_owners_and_partners(
    text: str, vocabulary: Vocabulary | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(owners, partners) of an owner cell that says who leads and who helps: «A (PCT) chủ
    trì; Hội Nông dân phối hợp», «A (chủ trì), B (phối hợp)», «A; phối hợp: B, C». The one
    who «chủ trì» is an owner, those who «phối hợp» are partners (a list of bodies kept whole);
    names without either word are owners; a cell without these words is `parse_owners`'s.
    """
    if not _ROLE_MARK.search(text or ""):
        return parse_owners(text, vocabulary), ()
    groups: list[tuple[str, str]] = []  # (text, role)
    current, role = "", _LEAD
    for segment in _ROLE_SEGMENT.split(text):
        if segment and segment in ";,\n":
            current += segment
            continue
        segment = nfc(segment)
        if prefix := _ROLE_PREFIX.match(segment):
            if current.strip(" ;,\n"):
                groups.append((current, role))
            current, role = "", fold(prefix["mark"])  # «phối hợp: B, C»: the rest helps
            segment = segment[prefix.end() :]
        if suffix := _ROLE_SUFFIX.search(segment):
            groups.append((current + segment[: suffix.start()], fold(suffix["mark"])))
            current = ""
        else:
            current += segment
    if current.strip(" ;,\n"):
        groups.append((current, role))
    owners: list[str] = []
    partners: list[str] = []
    for words, mark in groups:
        words = words.strip(" ;,\n")
        if mark == _PARTNER:
            bodies = [p for p in _ROLE_SEGMENT.split(words) if p.strip(" ;,\n")]
            if all(is_body(nfc(p)) for p in bodies):  # «Hội ND, Đoàn TN»: each whole
                partners += [nfc(p).strip(" .") for p in bodies]
            else:
                partners += parse_owners(words, vocabulary)
        else:
            owners += parse_owners(words, vocabulary)
    return tuple(dict.fromkeys(owners)), tuple(dict.fromkeys(partners))


_DIRECTS = re.compile(
    r"^\s*(?:chỉ\s+đạo|chi\s+dao)\s*:\s*|\s*[-–(]?\s*(?:chỉ\s+đạo|chi\s+dao)\s*\)?\s*\.?\s*$",
    re.IGNORECASE,
)
_CARRIES_OUT = re.compile(
    r"^\s*(?:thực\s+hiện|thuc\s+hien)\s*:\s*|\s*[-–(]?\s*(?:thực\s+hiện|thuc\s+hien)\s*\)?\s*\.?\s*$",
    re.IGNORECASE,
)


def split_directing(text: str) -> tuple[str, str]:
    """(the rest, who directs) of an owner cell whose parts say who directs and who carries
    out: «UBND xã chỉ đạo; Ban phát triển thôn thực hiện» → («Ban phát triển thôn», «UBND
    xã»). A cell without «chỉ đạo» is left whole."""
    parts = _CHUNK_SEPARATOR.split(text or "")
    if not any(_DIRECTS.search(part) for part in parts):
        return text, ""
    rest, directing = [], []
    for part in parts:
        if _DIRECTS.search(part):
            directing.append(_DIRECTS.sub("", part))
        else:
            rest.append(_CARRIES_OUT.sub("", part))
    return "\n".join(p for p in rest if p.strip()), "\n".join(p for p in directing if p.strip())


def _pieces(chunk: str, vocabulary: Vocabulary) -> list[str]:
    """The pieces of a list of owners; «A/B» is two only when both sides are names («Nguyễn
    Văn An/Trần Thị Bình», «Hùng/Lan»), not «UBND xã/HTX» or «Anh/chị Lê Văn Cường»."""
    pieces = []
    for piece in _LIST_SEPARATOR.split(chunk) if _MAY_LIST.search(chunk) else [chunk]:
        halves = _SLASH.split(piece)
        bare = [_without_honorific(h) for h in halves]
        named = len(halves) > 1 and (
            all(map(_looks_like_name, bare)) or all(_given_name_alone(h, vocabulary) for h in bare)
        )
        if len(halves) == 2 and not named:  # «Nguyễn Văn An/PCT», «PCT UBND xã/Nguyễn Văn An»
            roles = [_owner(half, vocabulary)[1] == "role" for half in bare]
            if roles.count(True) == 1 and _looks_like_name(bare[roles.index(False)]):
                piece = " - ".join(halves)
        pieces += halves if named else [piece]
    return pieces


def _whole_body(piece: str, vocabulary: Vocabulary) -> bool:
    """Whether a piece names a body, to be kept whole with what follows a dash («Phòng Kinh
    tế - Hạ tầng», «Các tổ chức chính trị - xã hội»), unless a person follows it («UBND xã -
    Đ/c Hùng», «UBND xã - Nguyễn Văn An», «Đoàn TN - Bí thư: Nguyễn Văn Tú»)."""
    if not is_body(piece):
        return False
    parts = _TITLE_SEPARATOR.split(piece, maxsplit=1)
    if len(parts) == 1:
        return True
    for after in (parts[1], piece.rpartition(":")[2]):  # «Đoàn TN - Bí thư: Nguyễn Văn Tú»
        after = after.strip(" ().")
        bare = _without_honorific(after)
        if bare != after or _family_name_first(bare, vocabulary):
            return False
    return True


def _person_after_colon(piece: str, vocabulary: Vocabulary) -> str:
    """The person named after the colon of a body's piece («Đoàn TN xã - Bí thư: Nguyễn Văn
    Tú» → «Nguyễn Văn Tú», «UBND xã: Đ/c Hùng» → «Hùng»); else the piece as it is."""
    after = piece.rpartition(":")[2].strip(" .()")
    bare = _without_honorific(after).strip()
    return bare if bare != after or _family_name_first(bare, vocabulary) else piece


def _without_honorific(piece: str) -> str:
    honorific = _HONORIFIC.match(piece)
    if honorific:
        return piece[honorific.end() :]
    kin = _KIN_HONORIFIC.match(piece)
    return piece[kin.end() :] if kin and piece[kin.end()].isupper() else piece


def _name_in_brackets(piece: str, vocabulary: Vocabulary) -> str:
    """The person of «Công chức LĐ-TBXH (Lê Văn Cường)»: a name in brackets after a title."""
    match = _NAME_IN_BRACKETS.match(piece)
    if match and _family_name_first(name := _without_honorific(match["name"]), vocabulary):
        return name.strip()
    return piece


def _looks_like_name(piece: str) -> bool:
    words = _TITLE_SEPARATOR.split(piece, maxsplit=1)[0].split()
    return len(words) >= 2 and all(w[0].isupper() for w in words)


def _family_name_first(piece: str, vocabulary: Vocabulary) -> bool:
    """Whether a piece begins with a capitalised name whose first word is a family name."""
    words = piece.split()[:2]
    return (
        len(words) == 2
        and all(w[0].isupper() for w in words)
        and vocab_key(words[0]) in vocabulary.family_names
    )


def _full_name_at_end(words: list[str], vocabulary: Vocabulary) -> str:
    """The full name (three or four capitalised words, a family name first) that ends the
    words after a title, past the title's other words («UBND xã Nguyễn Văn Hùng», «Địa chính
    Trần Thị Lan»); "" when they end otherwise."""
    for size in (3, 4):
        tail = " ".join(words[-size:])
        capitalised = all(w[:1].isupper() for w in words[-size:])
        if len(words) > size and capitalised and _family_name_first(tail, vocabulary):
            return tail
    return ""


def _given_name_alone(piece: str, vocabulary: Vocabulary) -> bool:
    """Whether a piece is one given name and nothing else («Lan»), not a title («PCT»)."""
    words = piece.split()
    return (
        len(words) == 1
        and _given_name_word(words[0], vocabulary)
        and (folded(words[0]),) not in vocabulary.titles
    )


def _given_name_word(word: str, vocabulary: Vocabulary) -> bool:
    """Whether a word may be a given name written alone: capitalised, not a family name."""
    return (
        word[:1].isupper() and not word.isupper() and vocab_key(word) not in vocabulary.family_names
    )


@functools.lru_cache(maxsize=16)
def _titles_by_first_word(
    titles: tuple[tuple[str, ...], ...],
) -> dict[str, list[tuple[int, frozenset]]]:
    """By first word, the titles beginning with it as sets of word tuples, one per length,
    longest first: a piece's words are looked up among those titles only."""
    by_first: dict[str, list[tuple[int, frozenset]]] = {}
    for first in {t[0] for t in titles}:
        same = [t for t in titles if t[0] == first]
        sizes = sorted({len(t) for t in same}, reverse=True)
        by_first[first] = [(n, frozenset(t for t in same if len(t) == n)) for n in sizes]
    return by_first


def _owner(piece: str, vocabulary: Vocabulary) -> tuple[str, str]:
    """The name in one piece and its kind: "name", "titled" (a title follows) or "role"
    (the piece is only a title). A title written short may follow a given name without a
    dash («Hùng PCT»), never a family name («Trần Văn Hóa»: «văn hóa» is a title word)."""
    titles = vocabulary.titles
    parts = _TITLE_SEPARATOR.split(piece, maxsplit=1)
    words = parts[0].split()
    keys = list(map(folded, words))  # words repeat from cell to cell: each folded once
    by_first = _titles_by_first_word(titles)
    for start in range(len(words)):
        if start == 1 and not (words[1].isupper() and _given_name_word(words[0], vocabulary)):
            continue  # "Trần Văn Hóa", "Ban chỉ đạo": no title at a name's second word
        by_size = by_first.get(keys[start], ())
        if any(tuple(keys[start : start + size]) in found for size, found in by_size):
            if start == 0:
                # «Phó Chủ tịch - Nguyễn Văn A», «CT UBND xã - Đ/c Hùng»: the name after it
                for after in (parts[1] if len(parts) > 1 else "", piece.rpartition(":")[2]):
                    after = after.strip(" .:-–—()")
                    bare = _without_honorific(after).strip()
                    named = _looks_like_name(bare) or (
                        bare != after and bool(_GIVEN_NAME.match(bare))
                    )
                    if (
                        after != piece
                        and named
                        and (found := _owner(bare, vocabulary))[1] != "role"
                    ):
                        return found[0], "titled"
                # «PCT Nguyễn Văn Hùng»: a full name right after the title; «PCT Hùng»: a
                # given name after a title written short (not «Trưởng thôn Đông», a place)
                size = max(n for n, found in by_size if tuple(keys[:n]) in found)
                rest = " ".join(words[size:])
                short = (
                    size == 1
                    and words[0].isupper()
                    and _given_name_alone(rest, vocabulary)
                    and fold(rest) not in _PLACES
                    and not is_body(piece)
                )
                if len(parts) == 1 and (
                    (len(words) - size >= 2 and _family_name_first(rest, vocabulary)) or short
                ):
                    return rest, "titled"
                if len(parts) == 1 and (name := _full_name_at_end(words[size:], vocabulary)):
                    return name, "titled"  # «Chủ tịch UBND xã Nguyễn Văn Hùng»
                return nfc(piece.strip(" .:-–—")), "role"
            return " ".join(words[:start]), "titled"
    titled = len(parts) > 1 and bool(parts[1].strip(" )"))
    return " ".join(words).strip(" .:"), "titled" if titled else "name"
