"""The officials' contact book (workbooks/danh_ba.xlsx) and reading owner names out of
"Người phụ trách" cells such as "Đ/c Phạm Hoàng Anh – Phó Chủ tịch UBND huyện; đ/c …".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from ntm_excel.errors import ContactsError
from ntm_excel.text import column_letter, fold, is_email_address, nfc, shown
from ntm_excel.vocabulary import Vocabulary, bundled_vocabulary, vocab_key

CONTACTS_SHEET = "Danh bạ"
COMMUNES_SHEET = "Liên hệ xã"
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
}

_HONORIFIC = re.compile(
    r"^\s*(?:[đd]\s*[/.]?\s*c|đồng\s+chí|dong\s+chi|ông|ong|bà|ba)(?=[\s:.])[\s:.]*",
    re.IGNORECASE,
)
_CHUNK_SEPARATOR = re.compile(r"[;\n]+")
_LIST_SEPARATOR = re.compile(r"\s*,\s*|\s+(?:và|va)\s+", re.IGNORECASE)
_TITLE_SEPARATOR = re.compile(r"\s*[-–—(:]\s*")

ALL_COMMUNES = "Tất cả"  # in «Xã phụ trách»: the contact follows every unit


@dataclass(frozen=True)
class Contact:
    """One official (or office) who can receive deadline mail."""

    name: str
    title: str
    unit: str
    email: str
    criteria: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()  # names or codes, or ALL_COMMUNES
    role: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Contacts:
    """The contact book; `match` finds an official from a name as written in a plan.
    `problems` are the cells that could not be used (Vietnamese, naming file, sheet and cell)."""

    contacts: tuple[Contact, ...]
    problems: tuple[str, ...] = ()

    def match(self, name: str) -> Contact | None:
        """The one contact whose full name is `name` (titles, "Đ/c", case and diacritics
        ignored); None when nobody or more than one person matches."""
        key = person_key(name)
        found = [c for c in self.contacts if key and fold(c.name) == key]
        return found[0] if len(found) == 1 else None


def person_key(name: str) -> str:
    """A folded key for the person in `name`, titles and "Đ/c" left out."""
    owners = parse_owners(name)
    return fold(owners[0] if len(owners) == 1 else name)


def load_contacts(path: Path | str) -> Contacts:
    """Read the "Danh bạ" sheet of the contact workbook at `path`."""
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise ContactsError(f"Không tìm thấy tệp danh bạ {path}") from None
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is reported the same way
        raise ContactsError(f"Không mở được tệp danh bạ {path}: {exc}") from exc
    try:
        if CONTACTS_SHEET not in workbook.sheetnames:
            raise ContactsError(f"Tệp danh bạ {Path(path).name} không có trang «{CONTACTS_SHEET}».")
        sheet = workbook[CONTACTS_SHEET]
        sheet.reset_dimensions()  # files from other tools may declare a wrong size
        rows = sheet.iter_rows(values_only=True)
        header = [fold(str(v or "")) for v in next(rows, ())]
        columns = {
            field: header.index(fold(heading))
            for heading, field in CONTACT_COLUMNS.items()
            if fold(heading) in header
        }
        contacts, problems = [], []
        for number, row in enumerate(rows, start=2):
            values = {f: _cell_text(row, i) for f, i in columns.items()}
            if not values.get("name"):
                continue
            email = values.get("email", "")
            if email and not is_email_address(email):
                cell = f"{column_letter(columns['email'])}{number}"
                problems.append(
                    f"Danh bạ {Path(path).name}, trang «{CONTACTS_SHEET}», ô {cell}: địa chỉ thư "
                    f"«{shown(email)}» của {shown(values['name'], 60)} không hợp lệ (cần đúng "
                    "một địa chỉ dạng ten@donvi.gov.vn); không gửi thư cho người này tới khi sửa."
                )
                email = ""
            contacts.append(
                Contact(
                    name=values["name"],
                    title=values.get("title", ""),
                    unit=values.get("unit", ""),
                    email=email,
                    criteria=split_list(values.get("criteria", "")),
                    communes=split_list(values.get("communes", "")),
                    role=values.get("role", ""),
                    phone=values.get("phone", ""),
                )
            )
    finally:
        workbook.close()
    return Contacts(tuple(contacts), tuple(problems))


def split_list(text: str) -> tuple[str, ...]:
    """Items of a "; "-separated cell (new lines accepted too)."""
    return tuple(item for item in (nfc(p) for p in re.split(r"[;\n]", text)) if item)


def _cell_text(row: tuple, index: int) -> str:
    value = row[index] if index < len(row) else None
    return nfc(str(value)) if value is not None else ""


def parse_owners(text: str, vocabulary: Vocabulary | None = None) -> tuple[str, ...]:
    """The people named in an owner cell, job titles, roles and "Đ/c" stripped, in order.

    Names are separated by ";", new lines, "," or "và"; a title or a role follows a dash, a
    bracket or simply the name ("Nguyễn Huy Vinh Địa chính", "A (chủ trì)", "A - PCT"); titles
    and roles are the vocabulary's `chuc_danh` rows. After "," or "và" a new person needs
    "Đ/c" or a capitalised name; after a title, a capitalised name that begins with a family
    name (the vocabulary's `ho` rows: "Đ/c A - Phó Chủ tịch và Trần Thị B"), otherwise the
    words continue the title before them ("Trưởng phòng Tài nguyên và Môi trường"). A cell
    holding only a title ("Công chức Địa chính") gives that title, so that it is not lost.
    """
    vocabulary = vocabulary or bundled_vocabulary()
    owners: list[str] = []
    for chunk in _CHUNK_SEPARATOR.split(text or ""):
        previous = ""  # what the previous piece was: "name", "titled" (name + title), "role"
        for index, piece in enumerate(_LIST_SEPARATOR.split(nfc(chunk))):
            honorific = _HONORIFIC.match(piece)
            piece = piece[honorific.end() :] if honorific else piece
            if index and not honorific:
                if previous == "titled":
                    named = _family_name_first(piece, vocabulary)
                else:
                    named = _looks_like_name(piece)
                if not named:
                    continue  # the title before goes on
            name, kind = _owner(piece, vocabulary.titles)
            if name and not (kind == "role" and previous == "name"):
                owners.append(name)
            previous = kind
    return tuple(owners)


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


def _owner(piece: str, titles: tuple[tuple[str, ...], ...]) -> tuple[str, str]:
    """The name in one piece and its kind: "name", "titled" (a title follows) or "role"
    (the piece is only a title)."""
    parts = _TITLE_SEPARATOR.split(piece, maxsplit=1)
    words = parts[0].split()
    folded = [fold(w) for w in words]
    for start in range(len(words)):
        if start == 1:
            continue  # "Trần Văn Hóa": a title never starts at a name's second word
        if any(tuple(folded[start : start + len(t)]) == t for t in titles):
            if start == 0:
                return nfc(piece.strip(" .:-–—")), "role"
            return " ".join(words[:start]), "titled"
    titled = len(parts) > 1 and bool(parts[1].strip(" )"))
    return " ".join(words).strip(" .:"), "titled" if titled else "name"
