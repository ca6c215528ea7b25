"""Attacks of the fifth round on the mail side, each against a real server on 127.0.0.1: an
IMAP server that announces a message of a gigabyte (or of a hundred) after giving its size as
a thousand bytes; a disk too full to save a received workbook; an outbox that cannot be
written; an SMTP server that refuses with «451», then falls silent."""

from __future__ import annotations

import contextlib
import re
import resource
import signal
import socket
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from support.imap import PASSWORD
from test_intake import THANH, XLSX, at, letter, office_config, run_collect, workbook
from test_mail import a_mail, settings

from ntm_excel.jobs.intake import MAIL_FOLDER
from ntm_excel.jobs.ledger import Ledger
from ntm_excel.jobs.mail import OutboxTransport, SmtpTransport, deliver
from ntm_excel.jobs.mail_log import MailLog
from ntm_excel.jobs.mailbox import MAX_LITERAL, PASSWORD_ENV

_REPLIES = {
    "CAPABILITY": b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n",
    "LIST": b'* LIST () "/" INBOX\r\n',
    "SELECT": b"* 2 EXISTS\r\n* OK [UIDVALIDITY 7] UIDs valid\r\n",
    "STATUS": b"* STATUS INBOX (UIDVALIDITY 7)\r\n",
    "UID SEARCH": b"* SEARCH 5 6\r\n",
    "LOGOUT": b"* BYE\r\n",
}


class LyingImap:
    """An IMAP server holding two messages, UID 5 and 6, each said to be of `len(honest)`
    bytes; downloaded, message 5 comes as a literal announced as `claimed` bytes, of which
    `sent` are sent (as fast as the connection takes them), message 6 as `honest`."""

    def __init__(self, honest: bytes, claimed: int, sent: int) -> None:
        self.honest, self.claimed, self.sent = honest, claimed, sent
        self.pushed = 0
        self.downloads: list[int] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection, contextlib.suppress(OSError):
                self._talk(connection)

    def _talk(self, connection: socket.socket) -> None:
        lines = connection.makefile("rb")
        connection.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
        while line := lines.readline():
            tag, _, command = line.decode().strip().partition(" ")
            command = command.upper()
            done = f"{tag} OK done\r\n".encode()
            if command.startswith("UID FETCH"):
                uid = int(command.split()[2])
                if "BODY" in command:
                    self.downloads.append(uid)
                    self._body(connection, uid)
                else:
                    size = len(self.honest)
                    connection.sendall(
                        b'* 1 FETCH (UID %d RFC822.SIZE %d INTERNALDATE "12-Mar-2021 09:15:00 '
                        b'+0700")\r\n' % (uid, size)
                    )
            else:
                reply = next((r for k, r in _REPLIES.items() if command.startswith(k)), b"")
                connection.sendall(reply)
            connection.sendall(done)
            if command.startswith("LOGOUT"):
                return

    def _body(self, connection: socket.socket, uid: int) -> None:
        if uid == 6:
            connection.sendall(b"* 2 FETCH (UID 6 BODY[] {%d}\r\n" % len(self.honest))
            connection.sendall(self.honest + b")\r\n")
            return
        connection.sendall(b"* 1 FETCH (UID 5 BODY[] {%d}\r\n" % self.claimed)
        chunk = bytes(1 << 20)
        while self.pushed < self.sent:
            piece = chunk[: self.sent - self.pushed]
            connection.sendall(piece)
            self.pushed += len(piece)
        connection.sendall(b")\r\n")

    def close(self) -> None:
        self.listener.close()


@pytest.mark.parametrize("claimed", [10**9, 10**11])
def test_a_message_announced_far_larger_than_its_size_is_not_read_and_blocks_nothing(
    tmp_path, smtp, monkeypatch, claimed
):
    """A server gave a message's size as a few kilobytes, then announced it as 1 GB: imaplib
    reserved and read the whole gigabyte (100 GB: MemoryError out of the job), and every run
    stopped at that message again. Now nothing over MAX_LITERAL is read: the run stops with
    why, the message is recorded, and the next run goes on with the mail after it."""
    _, smtp_port = smtp
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    good = workbook(tmp_path, "thanh.xlsx")
    honest = letter(THANH, "Biểu tự đánh giá", [("Biểu TĐG.xlsx", good, XLSX)]).as_bytes()
    server = LyingImap(honest, claimed, min(claimed, 10**9))
    config = office_config(tmp_path, imap_port=server.port, smtp_port=smtp_port)
    try:
        tracemalloc.start()
        first, _ = run_collect(config)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

        assert re.fullmatch(
            r"Hộp thư 127\.0\.0\.1 gửi một thư [\d,]+ MB, lớn hơn nhiều so với kích thước đã "
            r"báo: thư này được bỏ qua, cần xem trong hộp thư",
            first.error,
        )
        assert peak < MAX_LITERAL
        assert server.downloads == [5]

        second, _ = run_collect(config)

        assert second.ok, second.error
        assert server.downloads == [5, 6]
        assert len(list((tmp_path / "inbox" / MAIL_FOLDER).iterdir())) == 1
        with MailLog(config.state_dir) as log:
            assert [(m.place.uid, m.kind) for m in log.messages()] == [
                (5, "too-large"),
                (6, "submission"),
            ]
    finally:
        server.close()


XLS = ("application", "vnd.ms-excel")
SAMPLE_XLS = Path(__file__).resolve().parent.parent / "workbooks" / "mau_nop" / "xa_cam_hung.xls"


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE")
def test_a_received_workbook_the_disk_cannot_hold_is_said_in_vietnamese_and_taken_later(
    tmp_path, imap, smtp
):
    """A disk too full for a received workbook stopped the run with «OSError: [Errno 28]
    No space left on device: …». It says now, in Vietnamese, which message could not be
    saved and that the next run takes it again; the next run does. (A 2 MB .xls that
    compresses to a few kilobytes in the state database; the files may be 1 MB at most.)"""
    sink, smtp_port = smtp
    data = SAMPLE_XLS.read_bytes() + bytes(2 << 20)
    imap.deliver((letter(THANH, "Biểu", [("bieu.xls", data, XLS)]).as_bytes(), at(12, 9, 0)))
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)
    received = tmp_path / "inbox" / MAIL_FOLDER
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails, as when full
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, limits[1]))
    try:
        first, _ = run_collect(config)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)

    assert re.fullmatch(
        r"Không lưu được thư UID \d+ của hộp thư 127\.0\.0\.1: tệp vượt cỡ tối đa mà ổ đĩa "
        r"hoặc hệ thống cho phép \(.*bieu\.xls\)\. Thư chưa được đánh dấu: lần chạy sau sẽ lấy lại",
        first.error,
    )
    assert list(received.iterdir()) == []

    second, _ = run_collect(config)

    assert second.ok, second.error
    assert [path.read_bytes() for path in received.iterdir()] == [data]
    assert [recipients for recipients, _ in sink.messages()] == [[THANH]]


def test_an_outbox_that_cannot_be_written_is_said_in_vietnamese(tmp_path):
    """The outbox folder configured under a file (or on a full disk): the digest's failure,
    kept for the retries and shown in the job's report, read «[Errno 20] Not a directory»."""
    (tmp_path / "chung").write_text("một tệp, không phải thư mục")
    outbox = tmp_path / "chung" / "outbox"
    mails = [a_mail("ha@camxuyen.example.org")]
    with Ledger(tmp_path / "var") as ledger:
        report = deliver(mails, OutboxTransport(outbox), ledger, settings())
        [(key, error, _)] = report.failed
        assert error.startswith(
            f"Không ghi được thư vào thư mục {outbox}: đường dẫn có phần không phải thư mục ("
        )
        assert ledger.get(key).status != "sent"


class RefusingThenSilentSmtp:
    """An SMTP server that answers «451» to every MAIL FROM, then nothing more on that
    connection (smtplib's RSET after the refusal waits for its time-out)."""

    def __init__(self) -> None:
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _talk(self, connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):
            lines = connection.makefile("rb")
            connection.sendall(b"220 mail.camxuyen.example.org ESMTP\r\n")
            while line := lines.readline():
                if line.upper().startswith((b"EHLO", b"HELO")):
                    connection.sendall(b"250 mail.camxuyen.example.org\r\n")
                elif line.upper().startswith(b"MAIL"):
                    connection.sendall(b"451 4.3.0 Thu tam thoi chua nhan\r\n")
                else:
                    self.stopped.wait()  # no answer until the test ends

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()


def test_a_server_refusing_then_silent_is_given_up_after_one_time_out(tmp_path):
    """«451» to MAIL FROM, then silence: smtplib waited a time-out on its RSET, swallowed it,
    and reported the «451»; the next message connected again and waited again: a digest of
    300 recipients held the job for two and a half hours (30 s each). The server is now
    given up after the first wait, as one that stops answering; every message is kept
    for the retries."""
    server = RefusingThenSilentSmtp()
    refusing = settings(server.port, smtp_timeout=0.3)
    mails = [a_mail(f"can.bo.{n}@camxuyen.example.org") for n in range(7)]
    try:
        with Ledger(tmp_path / "var") as ledger:
            transport = SmtpTransport(refusing)
            started = time.monotonic()
            report = deliver(mails, transport, ledger, refusing)
            elapsed = time.monotonic() - started
            transport.close()
            unsent = ledger.unsent()
    finally:
        server.close()
    assert server.connections == 1 and elapsed < 3 * 0.3
    assert report.sent == [] and len(report.failed) == 7 and len(unsent) == 7
    assert {error for _, error, _ in report.failed} == {
        f"Máy chủ thư 127.0.0.1:{server.port} không trả lời sau 0.3 giây; "
        "lần chạy này không thử lại máy chủ đó"
    }
