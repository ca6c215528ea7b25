"""Compose the office's mail and hand it to an SMTP server or to an outbox folder.

Messages are built with the standard library (`email.message.EmailMessage`): a clean
text/plain part with a text/html alternative, Vietnamese headers as UTF-8 encoded-words and
attachment names RFC 2231-encoded. yagmail opens the SMTP connection (SSL, STARTTLS, login or
none) and we hand it our message (`client.smtp.sendmail`) instead of using its composer and
sender, because measured on yagmail 0.16:
- its composer writes `<br>` into the text/plain part and attaches any body string that happens
  to be an existing file path (a task text from a submission could be one);
- its send loop sleeps and retries by itself, then swallows the failure (returns False), while
  the sent ledger must know exactly whether the server accepted each message.
The password comes only from the environment variable NTM_SMTP_PASSWORD (never keyring or a
prompt, which hang under cron); `check_settings` refuses settings that cannot work before a job
does anything. A server that cannot be reached, or that stops answering (`[mail] smtp_timeout`
seconds, 30 by default), is given up for the rest of the transport's run: the other messages
are recorded as failed at once, for the retries, instead of each waiting for the time-out.

Delivery and the ledger (`deliver`): a message whose (job, recipient, period) is already
recorded as sent is skipped; otherwise an attempt is recorded *before* the SMTP transaction
and the message marked sent only *after* the server accepted it (or the .eml was written).
A crash in the few milliseconds between acceptance and that write leaves the attempt open, and
the message is sent again later: delivery is at-least-once in that window, never lost, and the
copy carries the same Message-ID (mail clients that de-duplicate by it show one). In outbox
mode the file name is fixed by the key, so a repeat overwrites the same file: exactly once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import mimetypes
import os
import re
import signal
import smtplib
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, getaddresses
from pathlib import Path
from typing import Protocol

import yagmail

from ntm_excel.atomic import atomic_path
from ntm_excel.config import CONNECTION_SECURITY, VIETNAM_TIME, MailSettings
from ntm_excel.errors import ConfigError, MailError, system_reason
from ntm_excel.jobs.deadline import MIN_RATE, Deadline, watched
from ntm_excel.text import nfc, shown

PASSWORD_ENV = "NTM_SMTP_PASSWORD"
# Measured on Python 3.11: when the email package folds a long header it drops the space
# between two encoded-words ("biểu tự" arrives as "biểutự", display names too). So Subject,
# From and To are encoded by `email.header` (which keeps spaces inside the encoded-words) and
# stored as they are; `refold_source="none"` keeps them so, also when a stored message is
# parsed back for a retry.
POLICY = policy.SMTP.clone(refold_source="none")


_PERIOD = re.compile(r"\d{4}-(?:\d{2}-\d{2}|W\d{2})")


@dataclass(frozen=True)
class MailKey:
    """What the sent ledger keys a message by: one job, one recipient, one period."""

    job: str  # "daily-digest", "weekly-summary", "unit-reminders"
    recipient: str  # e-mail address, lower case
    period: str  # local date "2021-03-25" or ISO week "2021-W12"

    @property
    def periodic(self) -> bool:
        """Whether `period` is a date or an ISO week (a digest's), rather than one item's own
        key (the answer to one received file): only a periodic message retires older ones."""
        return bool(_PERIOD.fullmatch(self.period))

    @property
    def stem(self) -> str:
        """A file-name-safe form, used for the outbox .eml file."""
        return re.sub(r"[^\w.@+-]", "_", f"{self.period}_{self.job}_{self.recipient}")


@dataclass(frozen=True)
class Attachment:
    path: Path
    filename: str  # the name the recipient sees, Vietnamese allowed


@dataclass(frozen=True)
class Mail:
    """One message to one recipient, before it is composed."""

    key: MailKey
    to_name: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()
    # Further headers (name, value), e.g. In-Reply-To and References of an answer. Values must
    # be plain ASCII without line breaks: whoever builds them checks what came from outside.
    headers: tuple[tuple[str, str], ...] = ()
    # the recipient's further addresses (work and personal), in the same To header: the
    # ledger keys the message by `key.recipient` alone, so it is recorded once
    also_to: tuple[str, ...] = ()


def make_key(job: str, address: str, period: str) -> MailKey:
    return MailKey(job, address.strip().lower(), period)


def compose(
    mail: Mail,
    settings: MailSettings,
    *,
    now: datetime | None = None,
    zone: tzinfo = VIETNAM_TIME,
) -> EmailMessage:
    """The MIME message for `mail`: text + HTML alternative, then the attachments; its Date is
    in `zone` (the configured time zone, as every time the office reads)."""
    message = EmailMessage(policy=POLICY)
    # Set pre-encoded (see POLICY): the email package's own folding drops spaces.
    message.set_raw("Subject", Header(nfc(mail.subject), "utf-8", header_name="Subject").encode())
    message.set_raw("From", formataddr((nfc(settings.sender_name), settings.sender), "utf-8"))
    recipients = tuple(dict.fromkeys((mail.key.recipient, *(a.lower() for a in mail.also_to))))
    for address in recipients:  # defence in depth: sources are checked already
        if "\r" in address or "\n" in address:
            raise MailError(
                f"Địa chỉ người nhận «{shown(address)}» có ký tự xuống dòng: không gửi."
            )
    to = (formataddr((nfc(mail.to_name), address), "utf-8") for address in recipients)
    message.set_raw("To", ", ".join(to))
    message["Date"] = format_datetime((now or datetime.now(UTC)).astimezone(zone))
    message["Message-ID"] = message_id(mail.key, settings.sender)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    for name, value in mail.headers:
        message[name] = value
    # base64 bodies: 7-bit clean, whatever the server's 8BITMIME support
    message.set_content(unicodedata.normalize("NFC", mail.text), cte="base64")
    message.add_alternative(unicodedata.normalize("NFC", mail.html), subtype="html", cte="base64")
    for attachment in mail.attachments:
        kind = mimetypes.guess_type(attachment.filename)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(
            Path(attachment.path).read_bytes(),
            maintype=maintype,
            subtype=subtype,
            filename=nfc(attachment.filename),
        )
    return message


def recipients(key: MailKey, message: EmailMessage) -> list[str]:
    """The addresses the message goes to: its key's and the others of its To header (a
    stored message sent again goes to all of them too)."""
    written = [address for _, address in getaddresses(message.get_all("To", [])) if address]
    return list(dict.fromkeys([key.recipient, *written]))


def message_id(key: MailKey, sender: str) -> str:
    """The same Message-ID for every attempt at one key, so repeats can be recognised."""
    digest = hashlib.sha256(key.recipient.encode()).hexdigest()[:16]
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<{key.period}.{key.job}.{digest}@{domain}>"


def parse_message(data: bytes) -> EmailMessage:
    """A stored message (as written by `EmailMessage.as_bytes`) back as an EmailMessage."""
    return BytesParser(policy=POLICY).parsebytes(data)


class Transport(Protocol):
    def send(
        self, key: MailKey, message: EmailMessage, handed: Callable[[], None] | None = None
    ) -> None: ...

    def close(self) -> None: ...


class OutboxTransport:
    """Writes each message as `<period>_<job>_<recipient>.eml` into a folder (no server)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path_for(self, key: MailKey) -> Path:
        return self.folder / f"{key.stem}.eml"

    def send(
        self, key: MailKey, message: EmailMessage, handed: Callable[[], None] | None = None
    ) -> None:
        try:
            with atomic_path(self.path_for(key)) as tmp:
                tmp.write_bytes(message.as_bytes())
        except OSError as exc:
            reason = system_reason(exc)  # never the system's English
            raise MailError(f"Không ghi được thư vào thư mục {self.folder}: {reason}") from exc

    def close(self) -> None:
        pass


class MaybeDelivered(MailError):
    """The server had the whole message, then went silent or away before saying it took it:
    the message may have arrived, so it is not sent again (that would be a duplicate)."""


def _tracking_end(base: type) -> type:
    """`base` (an smtplib client) that knows whether the last thing it sent ended a message
    (the data's final «.» line): a failure after that may follow a delivery."""

    def send(self, data) -> None:
        self.message_ended = False
        base.send(self, data)
        self.message_ended = isinstance(data, bytes) and data.endswith(b"\r\n.\r\n")
        if self.message_ended and self.handed is not None:
            self.handed()  # recorded before the server's answer is waited for

    attributes = {"send": send, "message_ended": False, "handed": None}
    return type(base.__name__, (base,), attributes)


class _Yagmail(yagmail.SMTP):
    """yagmail's client with its connections watched by a `Deadline`, knowing when a message's
    data has all gone to the server."""

    deadline = Deadline()  # replaced for each client

    @property
    def connection(self) -> type:
        return _tracking_end(watched(super().connection, self.deadline))


class SmtpTransport:
    """Sends through one SMTP connection opened by yagmail, reconnecting after a failure.

    Each exchange has a deadline besides the socket time-out (`ntm_excel.jobs.deadline`):
    connecting and logging in, or closing, 3 × `smtp_timeout`; sending one message as long
    plus a second for every MIN_RATE bytes of it. A server that answers too slowly for that
    is treated as one that does not answer: not tried again in this run."""

    def __init__(self, settings: MailSettings, password: str | None = None) -> None:
        check_settings(settings, password)
        self.settings = settings
        self._password = password
        self._client: yagmail.SMTP | None = None
        self._unreachable: MailError | None = None
        self._deadline = Deadline()

    def _connect(self) -> yagmail.SMTP:
        s = self.settings
        client = None
        try:
            client = _Yagmail(
                user={s.smtp_user or s.sender: s.sender_name},
                password=self._password,
                host=s.smtp_host,
                port=s.smtp_port,
                smtp_ssl=s.smtp_security == "ssl",
                smtp_starttls=s.smtp_security == "starttls",
                smtp_skip_login=not s.smtp_user,
                soft_email_validation=False,
                timeout=s.smtp_timeout,
            )
            client.deadline = self._deadline
            with self._deadline.limit(3 * s.smtp_timeout):
                client.login()
            if self._deadline.expired:  # a greeting cut short may still read as one
                raise smtplib.SMTPServerDisconnected("deadline")
        except (smtplib.SMTPException, OSError) as exc:
            if client is not None and self._deadline.expired:
                self._quit(client)
                raise self._slow(3 * s.smtp_timeout) from exc
            if _timed_out(exc):
                raise self._silent() from exc
            raise MailError(
                f"Không kết nối được máy chủ thư {s.smtp_host}:{s.smtp_port}: {_reason(exc)}"
            ) from exc
        return client

    def _silent(self) -> MailError:
        s = self.settings
        return MailError(
            f"Máy chủ thư {s.smtp_host}:{s.smtp_port} không trả lời sau {s.smtp_timeout:g} giây; "
            "lần chạy này không thử lại máy chủ đó"
        )

    def _slow(self, seconds: float) -> MailError:
        s = self.settings
        return MailError(
            f"Máy chủ thư {s.smtp_host}:{s.smtp_port} trả lời quá chậm (quá {seconds:.0f} giây "
            "cho một lần trao đổi); lần chạy này không thử lại máy chủ đó"
        )

    def send(
        self, key: MailKey, message: EmailMessage, handed: Callable[[], None] | None = None
    ) -> None:
        """Send `message`; `handed` is called once the server has had all of it, before its
        answer is waited for (a run killed then must not send it again)."""
        if self._unreachable:  # do not wait for the same time-out once per message
            raise self._unreachable
        if self._client is None:
            try:
                self._client = self._connect()
            except MailError as exc:
                self._unreachable = exc
                raise
        data = message.as_bytes()
        seconds = 3 * self.settings.smtp_timeout + len(data) / MIN_RATE
        self._client.smtp.handed = handed
        started = time.monotonic()
        try:
            with self._deadline.limit(seconds):
                self._client.smtp.sendmail(self.settings.sender, recipients(key, message), data)
        except (smtplib.SMTPException, OSError) as exc:
            expired, ended = self._deadline.expired, self._client.smtp.message_ended
            # smtplib swallows a time-out of the RSET it sends after a refusal («451», then
            # silence): the connection it closed, after a time-out's wait, tells
            silent = self._client.smtp.sock is None and (
                time.monotonic() - started >= self.settings.smtp_timeout
            )
            self.close()
            if expired:  # every other message would wait as long
                self._unreachable = self._slow(seconds)
            elif _timed_out(exc) or silent:  # it would keep every other message waiting
                self._unreachable = self._silent()
            if ended:
                raise self._maybe_delivered(key, message, exc) from exc
            if self._unreachable:
                raise self._unreachable from exc
            raise MailError(
                f"Máy chủ thư không nhận thư gửi {key.recipient}: {_reason(exc)}"
            ) from exc

    def _maybe_delivered(
        self, key: MailKey, message: EmailMessage, exc: BaseException
    ) -> MaybeDelivered:
        """The message was all sent when the server failed: a copy goes to the outbox folder
        (to forward by hand if the recipient never got it)."""
        why = "không trả lời" if self._unreachable else _reason(exc)
        copy = OutboxTransport(self.settings.outbox)
        try:
            copy.send(key, message)
            kept = f"; bản thư: {copy.path_for(key)}"
        except MailError:
            kept = ""
        return MaybeDelivered(
            f"máy chủ thư đã nhận hết thư gửi {key.recipient} nhưng {why} trước khi xác nhận:"
            f" thư có thể đã đến, không gửi lại để tránh trùng{kept}"
        )

    def close(self) -> None:
        if self._client is not None:
            self._quit(self._client)
            self._client = None

    def _quit(self, client: yagmail.SMTP) -> None:
        """Say goodbye to the server, within the deadline; a server gone does not matter."""
        seconds = 3 * self.settings.smtp_timeout
        with self._deadline.limit(seconds), contextlib.suppress(smtplib.SMTPException, OSError):
            client.close()


def check_settings(settings: MailSettings, password: str | None) -> None:
    """Raise ConfigError when SMTP `settings` (with `password`) cannot work: checked before a
    job rewrites any file or composes any message."""
    problem = ""
    if settings.smtp_security not in CONNECTION_SECURITY:
        problem = (
            f"kiểu bảo mật SMTP «{settings.smtp_security}» không hợp lệ "
            f"(chọn: {', '.join(CONNECTION_SECURITY)})"
        )
    elif settings.smtp_user and not password:
        problem = (
            f"có tên đăng nhập SMTP «{settings.smtp_user}» nhưng chưa có mật khẩu: "
            f"hãy đặt biến môi trường {PASSWORD_ENV}"
        )
    elif password and not password.isascii():
        problem = (
            f"mật khẩu SMTP trong {PASSWORD_ENV} có ký tự ngoài bảng ASCII (chữ có dấu…): "
            "thư viện SMTP của Python không gửi được; hãy đổi mật khẩu"
        )
    elif not settings.smtp_timeout > 0:
        problem = f"smtp_timeout phải là số giây lớn hơn 0 (đang là {settings.smtp_timeout})"
    if problem:
        raise ConfigError(f"Máy chủ thư {settings.smtp_host}: {problem}. Chưa gửi thư nào.")


def check_transport(settings: MailSettings) -> None:
    """`check_settings` for what `open_transport` will use (nothing to check for the outbox)."""
    if settings.smtp_host:
        check_settings(settings, os.environ.get(PASSWORD_ENV) or None)


def _timed_out(exc: BaseException | None) -> bool:
    """Whether a time-out is behind `exc` (smtplib reports one as a disconnection)."""
    while exc is not None:
        if isinstance(exc, TimeoutError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "máy chủ thư ngắt kết nối giữa chừng"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if exc.smtp_error else ""
        return f"{exc.smtp_code} {text}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{a}: {c} {m.decode('utf-8', 'replace')}" for a, (c, m) in exc.recipients.items()
        )
    return system_reason(exc)


def mail_settings(
    base: MailSettings,
    *,
    smtp_host: str | None = None,
    smtp_port: int | None = None,
    smtp_user: str | None = None,
    smtp_security: str | None = None,
) -> MailSettings:
    """`base` (from the configuration) with the command-line values that were given."""
    given = {
        "smtp_host": smtp_host,
        "smtp_port": smtp_port,
        "smtp_user": smtp_user,
        "smtp_security": smtp_security,
    }
    return dataclasses.replace(base, **{k: v for k, v in given.items() if v is not None})


def open_transport(settings: MailSettings) -> Transport:
    """SMTP when a host is configured, otherwise the outbox folder."""
    if not settings.smtp_host:
        return OutboxTransport(settings.outbox)
    return SmtpTransport(settings, os.environ.get(PASSWORD_ENV) or None)


@dataclass
class DeliveryReport:
    """What one delivery pass did with each message key."""

    sent: list[MailKey] = field(default_factory=list)
    already_sent: list[MailKey] = field(default_factory=list)
    failed: list[tuple[MailKey, str, datetime]] = field(default_factory=list)  # + next retry
    doubtful: list[tuple[MailKey, str]] = field(default_factory=list)  # may have arrived

    def extend(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.already_sent += other.already_sent
        self.failed += other.failed
        self.doubtful += other.doubtful


def deliver(
    mails: Iterable[Mail],
    transport: Transport,
    ledger,
    settings: MailSettings,
    *,
    now: datetime | None = None,
    zone: tzinfo = VIETNAM_TIME,
) -> DeliveryReport:
    """Send each mail not yet recorded as sent, recording every attempt in `ledger`
    (a `ntm_excel.jobs.ledger.Ledger`)."""
    report = DeliveryReport()
    for mail in mails:
        if ledger.is_sent(mail.key):
            report.already_sent.append(mail.key)
            continue
        message = compose(mail, settings, now=now, zone=zone)
        _attempt(mail.key, message, transport, ledger, report, now)
    return report


def retry_pending(
    transport: Transport,
    ledger,
    *,
    job: str | None = None,
    now: datetime | None = None,
) -> DeliveryReport:
    """Send again the stored messages whose retry time has come (all jobs, or one)."""
    report = DeliveryReport()
    for row in ledger.due_retries(now=now, job=job):
        _attempt(row.key, parse_message(row.message), transport, ledger, report, now)
    return report


def _attempt(key, message, transport, ledger, report, now) -> None:
    ledger.begin(key, subject=str(message["Subject"]), message=message.as_bytes(), now=now)
    with interrupts_deferred():  # a mail the server took is recorded as sent before Ctrl-C
        try:
            transport.send(key, message, handed=lambda: ledger.mark_handed(key, now=now))
        except MaybeDelivered as exc:  # recorded as sent (never twice), with the doubt
            ledger.mark_sent(key, now=now, doubt=str(exc))
            report.doubtful.append((key, str(exc)))
        except Exception as exc:  # any failure is recorded and retried, never lost
            error = str(exc) if isinstance(exc, MailError) else f"{type(exc).__name__}: {exc}"
            report.failed.append((key, error, ledger.mark_failed(key, error, now=now)))
        else:
            ledger.mark_sent(key, now=now)
            report.sent.append(key)


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ctrl-C (SIGINT) waits for the block to end, then stops the run as it would have: a
    mail is not sent twice because the run stopped between the server's «250» and the
    ledger's record. A second Ctrl-C stops at once (a server that hangs)."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous == signal.SIG_IGN:
        yield
        return
    previous = signal.default_int_handler if previous is None else previous  # set outside Python
    caught: list[int] = []

    def forward(signum: int, frame) -> None:  # what the Ctrl-C would have done
        if callable(previous):
            previous(signum, frame)
        else:  # SIG_DFL: the process would end; it ends as Python's own handler ends it
            raise KeyboardInterrupt

    def later(signum: int, frame) -> None:
        if caught:
            forward(signum, frame)
            return
        caught.append(signum)
        print("Đang gửi một thư: sẽ dừng khi gửi xong (bấm Ctrl-C lần nữa để dừng ngay).",
              file=sys.stderr)  # fmt: skip

    signal.signal(signal.SIGINT, later)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        forward(caught[0], None)
