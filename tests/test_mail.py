"""Composing and sending mail: a real SMTP server (aiosmtpd on 127.0.0.1), the outbox folder,
and the sent ledger around each attempt."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from hypothesis import given
from hypothesis import settings as settings_h
from hypothesis import strategies as st
from support.drip import DripServer

from ntm_excel.config import MailSettings
from ntm_excel.errors import ConfigError
from ntm_excel.jobs.ledger import Ledger
from ntm_excel.jobs.mail import (
    PASSWORD_ENV,
    Attachment,
    Mail,
    OutboxTransport,
    SmtpTransport,
    check_transport,
    compose,
    deliver,
    mail_settings,
    make_key,
    open_transport,
    parse_message,
    retry_pending,
)

ROOT = Path(__file__).resolve().parent.parent
SENDER = "vpdp.ntm@camxuyen.example.org"
SUBJECT = "[NTM Cẩm Xuyên] Nhắc việc ngày 25/03/2021: 2 việc quá hạn, 1 việc sắp đến hạn"


class Sink:
    """Collects what an aiosmtpd server accepts."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 Đã nhận"

    def messages(self):
        return [
            email.message_from_bytes(e.original_content, policy=policy.default)
            for e in self.envelopes
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(sink: Sink, port: int, **options) -> Controller:
    controller = Controller(sink, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return controller


@pytest.fixture
def server():
    sink = Sink()
    port = free_port()
    controller = start_server(sink, port)
    yield sink, port
    controller.stop()


def settings(port: int = 0, sender_name="Văn phòng điều phối NTM huyện Cẩm Xuyên", **changes):
    base = MailSettings(
        sender=SENDER,
        sender_name=sender_name,
        smtp_host="127.0.0.1" if port else "",
        smtp_port=port,
        smtp_security="none",
    )
    return dataclasses.replace(base, **changes)


def workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Tổng hợp"
    book.active["A1"] = "Xã Cẩm Thành"
    book.active["B1"] = 17
    book.save(path)
    return path


def a_mail(address: str, *, period: str = "2021-03-25", text: str = "", attachments=()) -> Mail:
    return Mail(
        key=make_key("daily-digest", address, period),
        to_name="Lê Ngọc Hà",
        subject=SUBJECT,
        text=text or "Kính gửi đồng chí Lê Ngọc Hà,\n\nQuá hạn 10 ngày: làm đường xã.\n",
        html="<p>Kính gửi đồng chí Lê Ngọc Hà,</p><p>Quá hạn 10 ngày</p>",
        attachments=tuple(attachments),
    )


def parts(message):
    plain = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")
    files = {a.get_filename(): a.get_content() for a in message.iter_attachments()}
    return plain, html, files


def test_compose_clean_text_part_vietnamese_headers_and_named_attachment(tmp_path):
    book = workbook(tmp_path / "master.xlsx")
    mail = a_mail(
        "Ha.LN@Camxuyen.Example.org",
        attachments=[Attachment(book, "Tổng hợp NTM 2021-03-22.xlsx")],
    )
    raw = compose(mail, settings()).as_bytes()
    assert raw.isascii()  # every header encoded, bodies in base64/quoted-printable
    assert b"filename*=utf-8''T%E1%BB%95ng%20h%E1%BB%A3p" in raw  # RFC 2231
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == SUBJECT
    assert message["To"].addresses[0].display_name == "Lê Ngọc Hà"
    assert message["To"].addresses[0].addr_spec == "ha.ln@camxuyen.example.org"
    assert message["From"].addresses[0].display_name == "Văn phòng điều phối NTM huyện Cẩm Xuyên"
    assert message["Auto-Submitted"] == "auto-generated"
    plain, html, files = parts(message)
    assert plain == mail.text
    assert "<" not in plain  # no <br> or any markup in the text part
    assert html.startswith("<p>Kính gửi")
    assert files["Tổng hợp NTM 2021-03-22.xlsx"] == book.read_bytes()
    # Every attempt at one key carries one Message-ID.
    assert compose(mail, settings())["Message-ID"] == message["Message-ID"]
    other = compose(a_mail("other@camxuyen.example.org"), settings())
    assert other["Message-ID"] != message["Message-ID"]


WORDS = re.findall(
    r"\S+",
    "Văn phòng điều phối NTM huyện Cẩm Xuyên Phó Chủ tịch UBND biểu tự đánh giá có lỗi cần "
    'sửa đạt đủ tiêu chí [NTM] 25/03/2021: «Góp ý» =HYPERLINK() <b> Nguyen, A. "q"',
)


@settings_h(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=40).map(" ".join))
def test_long_vietnamese_headers_keep_every_space(words):
    """The email package's own folding turns "biểu tự" into "biểutự" in long headers."""
    mail = dataclasses.replace(a_mail("ha@camxuyen.example.org"), subject=words, to_name=words)
    raw = compose(mail, settings(sender_name=words)).as_bytes()
    assert raw.isascii()
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == words
    assert message["To"].addresses[0].display_name == words
    assert message["From"].addresses[0].display_name == words
    assert parse_message(raw).as_bytes() == raw  # a stored message is resent unchanged


def test_a_body_that_names_an_existing_file_stays_text(tmp_path):
    existing = workbook(tmp_path / "bi_mat.xlsx")
    message = compose(a_mail("ha@camxuyen.example.org", text=str(existing)), settings())
    plain, _, files = parts(message)
    assert plain.strip() == str(existing)
    assert files == {}


def test_outbox_writes_eml_files_once(tmp_path):
    outbox = tmp_path / "outbox"
    transport = open_transport(settings().__class__(outbox=outbox))
    assert isinstance(transport, OutboxTransport)
    mails = [a_mail("ha@camxuyen.example.org"), a_mail("thang@camxuyen.example.org")]
    with Ledger(tmp_path / "var") as ledger:
        report = deliver(mails, transport, ledger, settings())
        assert len(report.sent) == 2 and not report.failed
        files = sorted(outbox.glob("*.eml"))
        assert [f.name for f in files] == [
            "2021-03-25_daily-digest_ha@camxuyen.example.org.eml",
            "2021-03-25_daily-digest_thang@camxuyen.example.org.eml",
        ]
        message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
        assert message["Subject"] == SUBJECT
        assert parts(message)[0] == mails[0].text
        again = deliver(mails, transport, ledger, settings())
        assert again.sent == [] and len(again.already_sent) == 2
        assert ledger.get(mails[0].key).status == "sent"


def test_smtp_delivery_arrives_once(server, tmp_path):
    sink, port = server
    book = workbook(tmp_path / "tong_hop.xlsx")
    mails = [
        a_mail("ha@camxuyen.example.org", attachments=[Attachment(book, "Tổng hợp NTM.xlsx")]),
        a_mail("thang@camxuyen.example.org"),
    ]
    transport = SmtpTransport(settings(port))
    with Ledger(tmp_path / "var") as ledger:
        report = deliver(mails, transport, ledger, settings(port))
        assert len(report.sent) == 2
        assert deliver(mails, transport, ledger, settings(port)).sent == []
    transport.close()
    assert [e.rcpt_tos for e in sink.envelopes] == [
        ["ha@camxuyen.example.org"],
        ["thang@camxuyen.example.org"],
    ]
    assert {e.mail_from for e in sink.envelopes} == {SENDER}
    first = sink.messages()[0]
    assert first["Subject"] == SUBJECT
    plain, html, files = parts(first)
    assert "Quá hạn 10 ngày" in plain and "Quá hạn 10 ngày" in html
    saved = tmp_path / "arrived.xlsx"
    saved.write_bytes(files["Tổng hợp NTM.xlsx"])
    assert openpyxl.load_workbook(saved)["Tổng hợp"]["A1"].value == "Xã Cẩm Thành"


def test_server_down_nothing_lost_then_exactly_once(tmp_path):
    port = free_port()  # nothing listens here yet
    mails = [a_mail("ha@camxuyen.example.org"), a_mail("thang@camxuyen.example.org")]
    start = datetime(2021, 3, 25, 0, 30, tzinfo=UTC)
    with Ledger(tmp_path / "var") as ledger:
        transport = SmtpTransport(settings(port))
        report = deliver(mails, transport, ledger, settings(port), now=start)
        assert report.sent == [] and len(report.failed) == 2
        assert "Không kết nối được máy chủ thư" in report.failed[0][1]
        assert "máy chủ từ chối kết nối" in report.failed[0][1]  # in Vietnamese, not «Errno 111»
        row = ledger.get(mails[0].key)
        assert (row.status, row.attempts) == ("failed", 1)
        assert row.next_retry == start + timedelta(minutes=5)
        assert ledger.due_retries(now=start + timedelta(minutes=4)) == []

        sink = Sink()
        controller = start_server(sink, port)
        try:
            later = start + timedelta(minutes=6)
            retried = retry_pending(SmtpTransport(settings(port)), ledger, now=later)
            assert len(retried.sent) == 2
            assert retry_pending(SmtpTransport(settings(port)), ledger, now=later).sent == []
            rerun = deliver(mails, SmtpTransport(settings(port)), ledger, settings(port))
            assert rerun.sent == [] and len(rerun.already_sent) == 2
        finally:
            controller.stop()
    assert sorted(e.rcpt_tos[0] for e in sink.envelopes) == [
        "ha@camxuyen.example.org",
        "thang@camxuyen.example.org",
    ]
    assert ledger_status(tmp_path) == {"sent": 2}


def ledger_status(tmp_path) -> dict[str, int]:
    with Ledger(tmp_path / "var") as ledger:
        counts: dict[str, int] = {}
        for row in ledger.sent_rows():
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts


class CrashAfterAccept(SmtpTransport):
    """The process dies right after the server accepted the message, before the ledger
    write; with `record=False`, also before the hand-over was recorded (the few
    milliseconds between the last byte sent and that record)."""

    def __init__(self, settings, record: bool = True) -> None:
        super().__init__(settings)
        self.record = record

    def send(self, key, message, handed=None):
        super().send(key, message, handed if self.record else None)
        raise SystemExit("máy tắt đột ngột")


def test_crash_after_the_server_had_the_message_never_sends_it_twice(server, tmp_path):
    """The hand-over was recorded before the server's answer: the next process sends
    nothing again, whether the server kept the message or not (it did)."""
    sink, port = server
    mail = a_mail("ha@camxuyen.example.org")
    with Ledger(tmp_path / "var") as ledger, pytest.raises(SystemExit):
        deliver([mail], CrashAfterAccept(settings(port)), ledger, settings(port))
    with Ledger(tmp_path / "var") as ledger:  # the next process
        assert ledger.is_sent(mail.key) and ledger.due_retries() == []
        assert retry_pending(SmtpTransport(settings(port)), ledger).sent == []
        assert deliver([mail], SmtpTransport(settings(port)), ledger, settings(port)).sent == []
    assert len(sink.envelopes) == 1


def test_crash_before_the_hand_over_was_recorded_resends_same_message_id(server, tmp_path):
    """What is guaranteed in the last few milliseconds: at-least-once. The open attempt is
    sent again, with the same Message-ID, so nothing is lost and a client that
    de-duplicates shows one message."""
    sink, port = server
    mail = a_mail("ha@camxuyen.example.org")
    with Ledger(tmp_path / "var") as ledger:
        with pytest.raises(SystemExit):
            deliver([mail], CrashAfterAccept(settings(port), False), ledger, settings(port))
        assert ledger.get(mail.key).status == "sending"
        assert len(sink.envelopes) == 1
    with Ledger(tmp_path / "var") as ledger:  # the next process
        report = retry_pending(SmtpTransport(settings(port)), ledger)
        assert report.sent == [mail.key]
        assert ledger.get(mail.key).status == "sent"
        assert retry_pending(SmtpTransport(settings(port)), ledger).sent == []
    first, second = sink.messages()
    assert first["Message-ID"] == second["Message-ID"]
    assert parts(first)[0] == parts(second)[0]


def test_login_uses_the_password_from_the_environment_only(tmp_path, monkeypatch):
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"matkhau-2021"
        seen.append(ok)
        return AuthResult(success=ok)

    sink = Sink()
    port = free_port()
    controller = start_server(sink, port, authenticator=authenticator, auth_require_tls=False)
    try:
        with_user = settings(port, smtp_user="vpdp.ntm")
        monkeypatch.delenv(PASSWORD_ENV, raising=False)
        with pytest.raises(ConfigError, match=PASSWORD_ENV):
            open_transport(with_user)
        monkeypatch.setenv(PASSWORD_ENV, "mật khẩu")  # smtplib can only send ASCII
        with pytest.raises(ConfigError, match="ASCII"):
            open_transport(with_user)
        monkeypatch.setenv(PASSWORD_ENV, "matkhau-2021")
        transport = open_transport(with_user)
        with Ledger(tmp_path / "var") as ledger:
            assert deliver([a_mail("ha@camxuyen.example.org")], transport, ledger, with_user).sent
        transport.close()
    finally:
        controller.stop()
    assert seen == [True] and len(sink.envelopes) == 1


def test_command_line_values_override_the_configuration():
    base = MailSettings(smtp_host="mail.example.org", smtp_port=587, smtp_security="starttls")
    changed = mail_settings(base, smtp_host="127.0.0.1", smtp_port=2525, smtp_security="none")
    assert (changed.smtp_host, changed.smtp_port, changed.smtp_security) == (
        "127.0.0.1",
        2525,
        "none",
    )
    assert mail_settings(base) == base
    with pytest.raises(ConfigError, match="bảo mật"):
        SmtpTransport(mail_settings(base, smtp_security="tls"))


# --- a server that accepts and never answers -------------------------------------------------


class HangingServer:
    """A TCP server on 127.0.0.1 that accepts connections and then never answers (`silent`),
    or says its greeting and then never answers again (`greets`); it counts connections."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)
            if self.mode == "greets":
                connection.sendall(b"220 mail.camxuyen.example.org ESMTP\r\n")

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()
        for connection in self.connections:
            connection.close()
        self.listener.close()


@pytest.mark.parametrize("mode", ["silent", "greets"])
def test_a_server_that_stops_answering_is_given_up_after_one_time_out(tmp_path, mode):
    server = HangingServer(mode)
    hanging = settings(server.port, smtp_timeout=0.3)
    mails = [a_mail(f"can.bo.{n}@camxuyen.example.org") for n in range(7)]
    try:
        with Ledger(tmp_path / "var") as ledger:
            transport = SmtpTransport(hanging)
            report = deliver(mails, transport, ledger, hanging)
            transport.close()
            unsent = ledger.unsent()
    finally:
        server.stop()
    assert len(server.connections) == 1  # one wait, not one per message
    assert report.sent == [] and len(report.failed) == 7 and len(unsent) == 7
    assert {error for _, error, _ in report.failed} == {
        f"Máy chủ thư 127.0.0.1:{server.port} không trả lời sau 0.3 giây; "
        "lần chạy này không thử lại máy chủ đó"
    }
    assert all(row.status == "failed" and row.next_retry for row in unsent)


@pytest.mark.parametrize(
    ("greeting", "reply"),
    [
        (b"220 mail.camxuyen.example.org ESMTP\r\n", b"250 OK\r\n"),  # a slow greeting
        (b"220 x\r\n", b"250-x\r\n" * 10_000 + b"250 OK\r\n"),  # an endless answer
    ],
)
def test_a_server_that_answers_a_byte_at_a_time_is_given_up_at_a_deadline(
    tmp_path, greeting, reply
):
    """Each byte comes well within the socket time-out, the answer never does: the job
    waited for ever (a server answering a byte a second held `jobs once` past 4 minutes).
    Each exchange now has a deadline (here 3 × 0.3 s), after which the server is given up
    for the run like a silent one, its messages left for a retry."""
    server = DripServer(greeting, reply, pause=0.05)
    slow = settings(server.port, smtp_timeout=0.3)
    mails = [a_mail(f"can.bo.{n}@camxuyen.example.org") for n in range(5)]
    try:
        with Ledger(tmp_path / "var") as ledger:
            transport = SmtpTransport(slow)
            report = deliver(mails, transport, ledger, slow)
            transport.close()
            unsent = ledger.unsent()
    finally:
        server.stop()
    assert server.connections == 1
    assert report.sent == [] and len(report.failed) == 5 and len(unsent) == 5
    assert {error for _, error, _ in report.failed} == {
        f"Máy chủ thư 127.0.0.1:{server.port} trả lời quá chậm (quá 1 giây cho một lần trao "
        "đổi); lần chạy này không thử lại máy chủ đó"
    }


class GoneAfterData:
    """A minimal SMTP server on 127.0.0.1 that takes each message whole, then, instead of
    «250», closes the connection (`drop`) or never answers (`silent`); it keeps what it got."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received: list[bytes] = []
        self.open: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed by stop()
                return
            self.open.append(connection)
            threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _talk(self, connection: socket.socket) -> None:
        lines = connection.makefile("rb")
        connection.sendall(b"220 mail.camxuyen.example.org ESMTP\r\n")
        for line in lines:
            if line.upper().startswith(b"DATA"):
                connection.sendall(b"354 go on\r\n")
                data = b"".join(iter(lines.readline, b".\r\n"))
                self.received.append(data)
                if self.mode == "drop":
                    connection.close()
                elif self.mode == "slow":  # answers, late
                    time.sleep(3)
                    connection.sendall(b"250 OK\r\n")
                    continue
                return
            connection.sendall(b"250 OK\r\n")

    def stop(self) -> None:
        self.listener.close()
        for connection in self.open:
            connection.close()


@pytest.mark.parametrize("mode", ["drop", "silent"])
def test_a_message_the_server_took_whole_is_never_sent_twice(tmp_path, mode):
    """The server has a message's every byte and then goes away (or silent) before «250»: the
    message may well have arrived. It is recorded as sent with the doubt, a copy is left in
    the outbox folder to forward by hand, and no later run sends it again (a dropping server
    got all 34 digests twice from an immediate re-run)."""
    server = GoneAfterData(mode)
    config = settings(server.port, smtp_timeout=0.3, outbox=tmp_path / "outbox")
    mails = [a_mail(f"can.bo.{n}@camxuyen.example.org") for n in range(3)]
    reports, received = [], []
    try:
        with Ledger(tmp_path / "var") as ledger:
            for _ in range(2):  # a run, then the same run again
                transport = SmtpTransport(config)
                reports.append(deliver(mails, transport, ledger, config))
                transport.close()
                received.append(len(server.received))
            rows = ledger.sent_rows()
    finally:
        server.stop()
    first, again = reports
    taken = 3 if mode == "drop" else 1  # a silent server is not tried again in the run
    assert received[0] == taken and not first.sent
    assert [key.recipient for key, _ in first.doubtful] == [m.key.recipient for m in mails][:taken]
    _, doubt = first.doubtful[0]
    copy = tmp_path / "outbox" / f"{mails[0].key.stem}.eml"
    why = "ngắt kết nối giữa chừng" if mode == "drop" else "không trả lời"
    assert doubt == (
        "máy chủ thư đã nhận hết thư gửi can.bo.0@camxuyen.example.org nhưng "
        f"{'máy chủ thư ' if mode == 'drop' else ''}{why} trước khi xác nhận: thư có thể đã "
        f"đến, không gửi lại để tránh trùng; bản thư: {copy}"
    )
    assert email.message_from_bytes(copy.read_bytes(), policy=policy.default)["Subject"] == SUBJECT
    assert {row.status for row in rows[:taken]} == {"sent"} and rows[0].last_error == doubt
    assert again.already_sent == [key for key, _ in first.doubtful]  # never twice
    assert received[1] == taken + len(again.doubtful)  # only what was never taken


KILLED_MID_ANSWER = """
import sys
from pathlib import Path
from test_mail import a_mail, settings
from ntm_excel.jobs.ledger import Ledger
from ntm_excel.jobs.mail import SmtpTransport, deliver

config = settings(int(sys.argv[1]), smtp_timeout=30)
with Ledger(Path(sys.argv[2])) as ledger:
    deliver([a_mail("can.bo.0@camxuyen.example.org")], SmtpTransport(config), ledger, config)
"""


def test_a_run_killed_while_the_server_holds_the_whole_message_never_sends_it_again(tmp_path):
    """kill -9 after the last byte of the message and before the server's «250» (a slow
    server): the row was left `sending` and the next run sent the digest a second time.
    The ledger marks it handed before the answer is awaited."""
    server = GoneAfterData("slow")
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_ANSWER, str(server.port), str(tmp_path / "var")],
        cwd=Path(__file__).parent,
    )
    try:
        deadline = time.monotonic() + 30
        while not server.received and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the child records the hand-over, then waits for the answer
        child.kill()
        child.wait()
        config = settings(server.port, smtp_timeout=5)
        with Ledger(tmp_path / "var") as ledger:
            assert ledger.due_retries() == [] and ledger.unsent() == []
            report = deliver([a_mail("can.bo.0@camxuyen.example.org")], SmtpTransport(config),
                             ledger, config)  # fmt: skip
    finally:
        server.stop()
    assert len(server.received) == 1
    assert [key.recipient for key in report.already_sent] == ["can.bo.0@camxuyen.example.org"]


def test_the_date_header_is_in_the_configured_time_zone(monkeypatch):
    """Not the computer's: a server set to another zone still dates mail in Vietnam time."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        moment = datetime(2021, 3, 25, 0, 30, tzinfo=UTC)
        message = compose(a_mail("ha@camxuyen.example.org"), settings(), now=moment)
        assert message["Date"] == "Thu, 25 Mar 2021 07:30:00 +0700"
        tokyo = compose(
            a_mail("ha@camxuyen.example.org"), settings(), now=moment, zone=ZoneInfo("Asia/Tokyo")
        )
        assert tokyo["Date"] == "Thu, 25 Mar 2021 09:30:00 +0900"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_smtp_settings_that_cannot_work_are_refused_up_front(monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    check_transport(settings())  # the outbox needs nothing
    check_transport(settings(2525))  # a server without login needs no password
    with pytest.raises(ConfigError, match="chưa có mật khẩu"):
        check_transport(settings(2525, smtp_user="vpdp.ntm"))
    with pytest.raises(ConfigError, match="smtp_timeout"):
        check_transport(settings(2525, smtp_timeout=0))


class SlowFirstSink(Sink):
    """Takes two seconds over the first message, and leaves a file when it arrives."""

    def __init__(self, arrived: Path) -> None:
        super().__init__()
        self.arrived = arrived

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if not self.envelopes and not self.arrived.exists():
            self.arrived.touch()
            await asyncio.sleep(2)
        return await super().handle_DATA(server, session, envelope)


def test_ctrl_c_while_a_mail_is_handed_over_never_sends_it_twice(tmp_path):
    arrived = tmp_path / "den"
    sink, port = SlowFirstSink(arrived), free_port()
    controller = start_server(sink, port)
    argv = [sys.executable, "-m", "ntm_excel", "digest", "--as-of", "2021-03-25"]
    argv += ["--state-dir", str(tmp_path / "var"), "--smtp-host", "127.0.0.1"]
    argv += ["--smtp-port", str(port), "--smtp-security", "none"]
    try:
        run = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)  # fmt: skip
        deadline = time.monotonic() + 120
        while not arrived.exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        run.send_signal(signal.SIGINT)  # while the server holds the first mail's data
        _, err = run.communicate(timeout=120)
        assert run.returncode == 130 and "sẽ dừng khi gửi xong" in err, err
        assert len(sink.envelopes) == 1  # the mail under way was finished, no other begun
        again = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr
        last = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert last.returncode == 0 and "đã gửi 0 thư" in last.stdout, last.stdout
    finally:
        controller.stop()
    recipients = [rcpt for envelope in sink.envelopes for rcpt in envelope.rcpt_tos]
    assert len(recipients) > 1 and len(recipients) == len(set(recipients))
