"""What a received message holds for the office, read from hostile bytes: sender and subject
cleaned, names made safe, spreadsheets taken also out of zips (never inflated blindly),
automatic mail recognised."""

from __future__ import annotations

import io
import random
import struct
import zipfile
from email.message import EmailMessage

import pytest

from ntm_excel.jobs import attachments
from ntm_excel.jobs.attachments import (
    MAX_FILE_BYTES,
    MAX_FILES,
    msg_ids,
    one_line,
    read_letter,
    safe_name,
    size_text,
    unzip_spreadsheets,
)

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("Biểu tự đánh giá.XLSX", "Biểu tự đánh giá.xlsx"),
        ("../../../etc/passwd.xlsx", "passwd.xlsx"),
        ("C:\\Users\\Public\\bieu.xls", "bieu.xls"),
        ("CON.xlsx", "_CON.xlsx"),
        ("com1.ods", "_com1.ods"),
        ("nul", "_nul"),
        ("~$bieu.xlsx", "bieu.xlsx"),  # an Excel lock-file name would be skipped in the inbox
        ("  .an.xlsx  ", "an.xlsx"),  # a hidden name too
        ("bieu\u202egpj.xlsx", "bieugpj.xlsx"),  # a right-to-left override hides the suffix
        ('a<b>c:d"e|f?g*.xlsx', "a_b_c_d_e_f_g_.xlsx"),
        ("bieu\r\n.xlsx", "bieu.xlsx"),
        ("bieu. . .", "bieu"),
        ("", "tep_dinh_kem"),
        ("../", "tep_dinh_kem"),
        ("x" * 300 + ".xlsx", "x" * 75 + ".xlsx"),
        (".xlsx", "tep_dinh_kem.xlsx"),  # a name that is only its suffix keeps it
        (" ...XLS", "tep_dinh_kem.xls"),
    ],
)
def test_safe_name(given, safe):
    assert safe_name(given) == safe


@pytest.mark.parametrize("name", [".xlsx", " .xlsx", "...xlsx"])
def test_a_workbook_named_only_by_its_suffix_is_taken(name):
    raw = message(files=[(name, b"PK workbook", ("application", "octet-stream"))])
    assert [(p.name, p.data) for p in read_letter(raw).pieces] == [
        ("tep_dinh_kem.xlsx", b"PK workbook")
    ]


def test_one_line_and_msg_ids():
    assert one_line("Biểu\r\nBcc: a@b.org\t\x07\u202e  tự  đánh giá", 200) == (
        "Biểu Bcc: a@b.org tự đánh giá"
    )
    assert one_line("a" * 10, 5) == "aaaa…"
    assert msg_ids("<a@b.org> <not an id> <x\r\ny@z> <c@d>") == ["<a@b.org>", "<c@d>"]
    assert size_text(40 * 1024 * 1024) == "40 MB" and size_text(1536 * 1024) == "1,5 MB"


def message(sender="Xã Cẩm Thành <ubnd.camthanh@camxuyen.example.org>", files=(), **headers):
    mail = EmailMessage()
    mail["From"] = sender
    mail["Subject"] = "Biểu tự đánh giá"
    mail["Message-ID"] = "<1@camxuyen.example.org>"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content("Gửi biểu")
    for name, data, kind in files:
        mail.add_attachment(data, maintype=kind[0], subtype=kind[1], filename=name)
    return mail.as_bytes()


def zipped(members: dict, method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_letter_keeps_the_sender_subject_thread_and_spreadsheets():
    raw = message(
        files=[
            ("bieu.xlsx", b"PK workbook", XLSX),
            ("bieu.xls", b"old workbook", ("application", "vnd.ms-excel")),
            (
                "ho so.zip",
                zipped({"a/b/c.ods": b"ods", "ghi chu.txt": b"t"}),
                ("application", "zip"),
            ),
            ("anh.jpg", b"\xff\xd8\xff", ("image", "jpeg")),
            ("bieu.xlsb", b"binary", ("application", "vnd.ms-excel.sheet.binary.macroEnabled.12")),
        ],
        References="<0@camxuyen.example.org> <bad>",
    )
    letter = read_letter(raw)
    assert (letter.sender, letter.sender_name) == (
        "ubnd.camthanh@camxuyen.example.org",
        "Xã Cẩm Thành",
    )
    assert letter.subject == "Biểu tự đánh giá" and letter.message_id == "<1@camxuyen.example.org>"
    assert letter.references == ("<0@camxuyen.example.org>",)
    assert letter.is_submission and not letter.automatic
    assert [(p.name, p.data, p.refused.split(";")[0]) for p in letter.pieces] == [
        ("bieu.xlsx", b"PK workbook", ""),
        ("bieu.xls", b"old workbook", ""),
        ("c.ods", b"ods", ""),
        ("bieu.xlsb", b"", "định dạng Excel nhị phân .xlsb chưa đọc được"),
    ]


def test_archives_that_cannot_be_opened_are_answered_not_dropped():
    """A commune that zipped its workbook with WinRAR believes it has sent it."""
    raw = message(
        files=[
            ("BIEU TDG.RAR", b"Rar!\x1a\x07\x00", ("application", "x-rar-compressed")),
            ("bieu.7z", b"7z\xbc\xaf", ("application", "x-7z-compressed")),
            (
                "ho so.zip",
                zipped({"ben trong.zip": b"PK", "bieu.xlsx": b"PK"}),
                ("application", "zip"),
            ),
        ]
    )
    letter = read_letter(raw)
    assert letter.is_submission
    assert [(p.name, p.refused.split(";")[0]) for p in letter.pieces] == [
        ("BIEU TDG.rar", "tệp nén .rar không mở được"),
        ("bieu.7z", "tệp nén .7z không mở được"),
        ("bieu.xlsx", ""),
        ("ben trong.zip", "tệp nén nằm trong tệp nén «ho so.zip» không được mở"),
    ]


def test_mail_without_a_spreadsheet_is_not_a_submission():
    letter = read_letter(message(files=[("giay_moi.pdf", b"%PDF", ("application", "pdf"))]))
    assert not letter.pieces and not letter.is_submission


@pytest.mark.parametrize(
    ("sender", "headers", "why"),
    [
        ("vpdp.ntm@camxuyen.example.org", {}, "thư của chính văn phòng"),
        ("MAILER-DAEMON@mx.example.org", {}, "thư báo lỗi chuyển thư hoặc thư tự động"),
        ("<>", {}, "thư báo lỗi chuyển thư hoặc thư tự động"),
        ("a@camxuyen.example.org", {"Auto_Submitted": "auto-replied"}, "thư trả lời tự động"),
        ("a@camxuyen.example.org", {"Precedence": "bulk"}, "thư gửi hàng loạt hoặc tự động"),
        ("a@camxuyen.example.org", {"X_Autoreply": "yes"}, "thư trả lời tự động"),
    ],
)
def test_automatic_mail_is_never_a_submission(sender, headers, why):
    raw = message(sender, [("bieu.xlsx", b"PK", XLSX)], **headers)
    letter = read_letter(raw, own_addresses=frozenset({"vpdp.ntm@camxuyen.example.org"}))
    assert letter.automatic == why and not letter.is_submission


def test_an_address_that_is_not_one_is_dropped():
    letter = read_letter(message("Xã <ubnd camthanh@@example>", [("b.xlsx", b"PK", XLSX)]))
    assert letter.sender == "" and letter.automatic


def test_too_many_files_and_too_large_ones_are_refused_with_the_reason(monkeypatch):
    monkeypatch.setattr(attachments, "MAX_FILE_BYTES", 300 * 1024)  # 20 MB makes a slow test
    files = [(f"bieu{n}.xlsx", b"PK%d" % n, XLSX) for n in range(MAX_FILES + 2)]
    files.append(("lon.xlsx", b"x" * (400 * 1024), XLSX))
    pieces = read_letter(message(files=files)).pieces
    assert sum(1 for p in pieces if not p.refused) == MAX_FILES
    assert [p.refused for p in pieces[MAX_FILES:]] == [
        f"thư có quá nhiều tệp (chỉ nhận {MAX_FILES} tệp một thư)"
    ] * 2 + ["tệp quá lớn (0,4 MB, giới hạn 0,3 MB cho một tệp)"]
    assert MAX_FILE_BYTES == 20 * 1024 * 1024


# --- zips ----------------------------------------------------------------------------------


def test_zip_members_named_with_folders_lose_them_and_zips_inside_are_not_opened():
    data = zipped(
        {"../../x.xlsx": b"a", "C:\\evil\\CON.xls": b"b", "inner.zip": zipped({"y.xlsx": b"c"})}
    )
    assert [(p.name, p.data, bool(p.refused)) for p in unzip_spreadsheets("ho_so.zip", data)] == [
        ("x.xlsx", b"a", False),
        ("_CON.xls", b"b", False),
        ("inner.zip", b"", True),  # answered, not opened
    ]


def test_a_zip_bomb_is_refused_before_it_is_inflated(monkeypatch):
    bomb = zipped({"bieu.xlsx": b"\0" * (5 * 1024 * 1024)})  # 5 MB from about 5 KB
    [piece] = unzip_spreadsheets("bom.zip", bomb)
    assert piece.refused == "tệp trong tệp nén «bom.zip» nén bất thường (nghi tệp độc hại)"
    monkeypatch.setattr(attachments, "MAX_FILE_BYTES", 1024 * 1024)
    big = zipped({"bieu.xlsx": bytes(range(256)) * (5 * 1024)})  # 1,25 MB
    [piece] = unzip_spreadsheets("lon.zip", big)
    assert (
        piece.refused == "tệp quá lớn (1,2 MB, giới hạn 1 MB cho một tệp) trong tệp nén «lon.zip»"
    )


def test_zip_members_past_the_message_quota_are_refused_before_they_are_inflated(monkeypatch):
    """A zip of 20 MB may hold a hundred members of 20 MB, each just under the compression
    ratio refused: a 27 MB mail took 2 GB of memory to read. Members past the message's
    file count or total size are now refused by their declared size, never inflated."""
    monkeypatch.setattr(attachments, "MAX_TAKEN_BYTES", 3 * 1024 * 1024)
    members = {  # 1.2 MB each, compressed about 40-fold (100-fold would be refused as a bomb)
        f"xa_{n}.xlsx": random.Random(n).randbytes(30_000) + bytes(1_200_000) for n in range(6)
    }
    inflated = []
    real_open = zipfile.ZipFile.open

    def counting_open(self, name, *args, **kwargs):
        inflated.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    big = zipped(members)
    small = zipped({f"b{n}.xlsx": b"PK%d" % n for n in range(30)})
    monkeypatch.setattr(zipfile.ZipFile, "open", counting_open)
    pieces = read_letter(
        message(
            files=[
                ("lon.zip", big, ("application", "zip")),
                ("nho.zip", small, ("application", "zip")),
            ]
        )
    ).pieces
    taken = [p.name for p in pieces if not p.refused]
    assert taken == ["xa_0.xlsx", "xa_1.xlsx"] + [f"b{n}.xlsx" for n in range(18)]
    assert inflated == taken  # nothing else was inflated
    refused = [p.refused for p in pieces if p.refused]
    assert (
        refused[:4]
        == [
            "các tệp của thư quá lớn (tổng cộng hơn 3 MB); hãy gửi tệp này trong một thư khác "
            "(trong tệp nén «lon.zip»)"
        ]
        * 4
    )
    assert (
        refused[4:]
        == [f"thư có quá nhiều tệp (chỉ nhận {MAX_FILES} tệp một thư) (trong tệp nén «nho.zip»)"]
        * 12
    )


def test_a_zip_that_lies_about_its_sizes_gives_no_more_than_declared():
    data = bytearray(zipped({"bieu.xlsx": b"A" * 200_000}))
    struct.pack_into("<I", data, 22, 1000)  # local header: uncompressed size
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 1000)
    [piece] = unzip_spreadsheets("gia.zip", bytes(data))
    assert piece.data == b"" and "không giải nén được (BadZipFile)" in piece.refused


def test_broken_encrypted_and_crowded_zips_are_refused():
    assert unzip_spreadsheets("hong.zip", b"PK\x03\x04 hong")[0].refused == (
        "tệp nén .zip bị hỏng hoặc không trọn vẹn"
    )
    locked = bytearray(zipped({"bieu.xlsx": b"secret"}))
    for flags_at in (6, locked.index(b"PK\x01\x02") + 8):  # local and central headers
        locked[flags_at] |= 0x1  # "encrypted"
    assert unzip_spreadsheets("mk.zip", bytes(locked))[0].refused == (
        "tệp trong tệp nén «mk.zip» có mật khẩu"
    )
    crowded = zipped({f"{n}.txt": b"" for n in range(501)}, zipfile.ZIP_STORED)
    assert "quá nhiều tệp (501)" in unzip_spreadsheets("nhieu.zip", crowded)[0].refused
    assert unzip_spreadsheets("anh.zip", zipped({"anh.jpg": b"x"})) == []
