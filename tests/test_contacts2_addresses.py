"""An official's work and personal addresses written in one Email cell of the contact book:
the digest goes to all of them, in one message recorded once in the sent ledger."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses
from pathlib import Path

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from support.imap import free_port
from support.smtp import Sink

from ntm_excel.config import MailSettings
from ntm_excel.errors import MailError
from ntm_excel.jobs.ledger import Ledger
from ntm_excel.jobs.mail import Mail, SmtpTransport, compose, deliver, make_key, retry_pending
from ntm_excel.reference.contacts import CONTACTS_SHEET, load_contacts

ROOT = Path(__file__).resolve().parent.parent
ANH = ("pham.hoang.anh@camxuyen.example.org", "anh.pham.canhan@example.vn")
QUANG = ("tran.ngoc.quang@camxuyen.example.org", "quang.tran@example.vn")
CELLS = {  # name in «Danh bạ» → its Email cell as an office writes it
    "Phạm Hoàng Anh": f"{ANH[0]}; {ANH[1]}",
    "Trần Ngọc Quang": f"{QUANG[0]}\n{QUANG[1]} / 0912 345 678",
}


def _office_folder(tmp_path: Path) -> Path:
    """The bundled configuration folder, its contact book's Email cells written as `CELLS`."""
    folder = tmp_path / "workbooks"
    shutil.copytree(ROOT / "workbooks", folder)
    workbook = openpyxl.load_workbook(folder / "danh_ba.xlsx")
    sheet = workbook[CONTACTS_SHEET]
    heading = [cell.value for cell in sheet[1]]
    name_at, email_at = heading.index("Họ và tên"), heading.index("Email")
    for row in sheet.iter_rows(min_row=2):
        if row[name_at].value in CELLS:
            row[email_at].value = CELLS[row[name_at].value]
    workbook.save(folder / "danh_ba.xlsx")
    return folder


def test_every_address_of_a_cell_is_read_and_a_phone_beside_them_said(tmp_path):
    contacts = load_contacts(_office_folder(tmp_path) / "danh_ba.xlsx")
    by_name = {c.name: c for c in contacts.contacts}
    assert (by_name["Phạm Hoàng Anh"].email, *by_name["Phạm Hoàng Anh"].other_emails) == ANH
    assert (by_name["Trần Ngọc Quang"].email, *by_name["Trần Ngọc Quang"].other_emails) == QUANG
    said = [p for p in contacts.problems if "0912 345 678" in p]
    assert len(said) == 1 and "danh_ba.xlsx, trang «Danh bạ», ô D3" in said[0]
    assert not any("Phạm Hoàng Anh" in p for p in contacts.problems)


def test_the_digest_goes_once_to_both_addresses_and_not_again(tmp_path):
    folder = _office_folder(tmp_path)
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    state = tmp_path / "var"
    argv = [sys.executable, "-m", "ntm_excel", "digest", "--as-of", "2021-03-25"]
    argv += ["--config", str(folder / "cau_hinh.toml"), "--state-dir", str(state)]
    argv += ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--smtp-security", "none"]
    try:
        first = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert first.returncode == 0, first.stderr
        received = sink.messages()
        again = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    finally:
        controller.stop()
    assert again.returncode == 0 and "đã gửi 0 thư" in again.stdout, again.stdout
    assert len(sink.envelopes) == len(received)  # nothing sent again
    for addresses in (ANH, QUANG):
        mine = [(rcpt, m) for rcpt, m in received if addresses[0] in rcpt]
        assert len(mine) == 1, [rcpt for rcpt, _ in received]
        rcpt, message = mine[0]
        assert sorted(rcpt) == sorted(addresses)
        assert [a for _, a in getaddresses([str(message["To"])])] == list(addresses)
        assert all(not (set(r) & set(addresses[1:])) for r, m in received if m is not message)
    with Ledger(state) as ledger:
        rows = [row for row in ledger.sent_rows() if row.key.recipient in ANH + QUANG]
    assert sorted(row.key.recipient for row in rows) == sorted([ANH[0], QUANG[0]])
    assert all(row.status == "sent" for row in rows)


def test_compose_refuses_a_recipient_with_a_line_break():
    settings = MailSettings(sender="vpdp@camxuyen.example.org")
    mail = Mail(make_key("daily-digest", "a@x.vn", "2021-03-25"), "A", "Thư", "chữ", "<p>chữ</p>")
    assert "a@x.vn" in str(compose(mail, settings)["To"])
    for bad in ("b@y.vn\r\nBcc: ke.xau@example.org", "b@y.vn\nBcc: ke.xau@example.org"):
        key = make_key("daily-digest", bad, "2021-03-25")
        with pytest.raises(MailError, match="xuống dòng"):
            compose(replace(mail, key=key), settings)
        with pytest.raises(MailError, match="xuống dòng"):
            compose(replace(mail, also_to=(bad,)), settings)


def test_a_failed_message_is_retried_to_every_address(tmp_path):
    """The retry sends the stored message: to every address of its To header, recorded once."""
    port = free_port()  # nothing listens here yet
    settings = MailSettings(sender="vpdp@camxuyen.example.org", smtp_host="127.0.0.1",
                            smtp_port=port, smtp_security="none")  # fmt: skip
    mail = Mail(make_key("daily-digest", ANH[0], "2021-03-25"), "Phạm Hoàng Anh", "Nhắc việc",
                "chữ", "<p>chữ</p>", also_to=ANH[1:])  # fmt: skip
    start = datetime(2021, 3, 25, 0, 30, tzinfo=UTC)
    with Ledger(tmp_path / "var") as ledger:
        assert (
            len(deliver([mail], SmtpTransport(settings), ledger, settings, now=start).failed) == 1
        )
        sink = Sink()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            later = start + timedelta(hours=1)
            assert len(retry_pending(SmtpTransport(settings), ledger, now=later).sent) == 1
            assert retry_pending(SmtpTransport(settings), ledger, now=later).sent == []
        finally:
            controller.stop()
        assert [row.key.recipient for row in ledger.sent_rows()] == [ANH[0]]
    assert [sorted(rcpt) for rcpt, _ in sink.messages()] == [sorted(ANH)]
