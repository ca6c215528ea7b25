"""The office mailbox over IMAP (imap-tools): which messages are new, their bytes, and marking
a collected message so that it is not taken again.

Connections are IMAPS (`ssl`, port 993), STARTTLS (`starttls`, port 143) or plain (`none`,
only for a server on the same machine); certificates are verified against the system's
authorities. The password comes only from the environment variable NTM_IMAP_PASSWORD.

A message is new when its UID is above the highest one handled in this folder (kept in the
state database with the folder's UIDVALIDITY, see `ntm_excel.jobs.mail_log`): whether a person
has already opened it in a mail program does not matter.

Each exchange with the server has a deadline besides the socket time-out
(`ntm_excel.jobs.deadline`): 3 × TIMEOUT for logging in or a command, and for a download as
long plus a second for every MIN_RATE bytes of the message. A server answering too slowly for
that is treated as one gone away: the run stops there, and the next one goes on from the
message it had reached. A collected message is then moved
to `processed_folder` (created when missing) or, without one, marked as read. Messages over
MAX_MESSAGE_BYTES are not downloaded at all (their headers are, to say who sent them).
"""

from __future__ import annotations

import imaplib
import os
import re
import socket
import ssl
from datetime import UTC, datetime, timedelta, timezone

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags
from imap_tools.errors import (
    MailboxLoginError,
    MailboxStarttlsError,
    UnexpectedCommandStatusError,
)
from imap_tools.utils import check_command_status

from ntm_excel.config import CONNECTION_SECURITY, MailboxSettings
from ntm_excel.errors import ConfigError, MailboxError
from ntm_excel.jobs.attachments import size_text
from ntm_excel.jobs.deadline import MIN_RATE, Deadline, watched

PASSWORD_ENV = "NTM_IMAP_PASSWORD"
TIMEOUT = 60  # seconds a server may stay silent
MAX_MESSAGE_BYTES = 40 * 1024 * 1024  # a message with a few workbooks is far smaller
HEADER_BYTES = 64 * 1024  # of a message too large to download, to know who sent it
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_INTERNALDATE = re.compile(
    rb'INTERNALDATE "\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) '
    rb'(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})"'
)
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
# bytes of one piece of an answer (a literal): a message downloaded is at most
# MAX_MESSAGE_BYTES by the size the server gave, so a larger piece is a lie
MAX_LITERAL = 2 * MAX_MESSAGE_BYTES
IMAP_ERRORS = (imaplib.IMAP4.error, OSError, UnexpectedCommandStatusError, EOFError)


class MessageTooLarge(MailboxError):
    """The server sent a message far larger than the size it gave for it."""


class _Bounded:
    """An imaplib client refusing a literal over MAX_LITERAL: imaplib reserves the size a
    server announces before reading it (a claim of 100 GB raised MemoryError, one of 1 GB
    was read whole into memory, whatever size the server had given for the message)."""

    refused = 0  # the size of the literal refused (imaplib words the error again)

    def read(self, size: int) -> bytes:
        if size > MAX_LITERAL:
            self.refused = size
            raise imaplib.IMAP4.abort(f"literal of {size} bytes")
        return super().read(size)


class _BoundedSsl(_Bounded, imaplib.IMAP4_SSL):
    pass


class _BoundedPlain(_Bounded, imaplib.IMAP4):
    pass


def check_mailbox(settings: MailboxSettings, file: object = None) -> None:
    """Refuse a [mailbox] section that cannot work (or its missing password), before any job
    does anything; nothing to check without a host."""
    if not settings.host:
        return
    where = f"Tệp cấu hình {file}, mục [mailbox]"
    if settings.security not in CONNECTION_SECURITY:
        raise ConfigError(
            f"{where}, khóa «security»: «{settings.security}» không hợp lệ "
            f"(chọn: {', '.join(CONNECTION_SECURITY)})"
        )
    if not 0 < settings.port < 65536:
        raise ConfigError(f"{where}, khóa «port»: {settings.port} không phải cổng hợp lệ")
    if not settings.user:
        raise ConfigError(f"{where}: thiếu khóa «user» (tên đăng nhập hộp thư)")
    if not settings.folder:
        raise ConfigError(f"{where}: khóa «folder» không được để trống")
    if not os.environ.get(PASSWORD_ENV):
        raise ConfigError(
            f"Có hộp thư {settings.user} ({settings.host}) trong mục [mailbox] nhưng chưa có mật "
            f"khẩu: hãy đặt biến môi trường {PASSWORD_ENV}."
        )


class _SslBox(MailBox):
    """imap_tools' IMAPS mailbox with its client watched by `deadline`."""

    def __init__(self, deadline: Deadline, *args, **kwargs) -> None:
        self.deadline = deadline
        super().__init__(*args, **kwargs)

    def _get_mailbox_client(self) -> imaplib.IMAP4:
        client = watched(_BoundedSsl, self.deadline)
        return client(self._host, self._port, ssl_context=self._ssl_context, timeout=self._timeout)


class _StartTlsBox(MailBoxStartTls):
    """imap_tools' STARTTLS mailbox with its client watched by `deadline`."""

    def __init__(self, deadline: Deadline, *args, **kwargs) -> None:
        self.deadline = deadline
        super().__init__(*args, **kwargs)

    def _get_mailbox_client(self) -> imaplib.IMAP4:
        client = watched(_BoundedPlain, self.deadline)(self._host, self._port, self._timeout)
        check_command_status(client.starttls(self._ssl_context), MailboxStarttlsError)
        return client


class _PlainBox(MailBoxUnencrypted):
    """imap_tools' unencrypted mailbox with its client watched by `deadline`."""

    def __init__(self, deadline: Deadline, *args, **kwargs) -> None:
        self.deadline = deadline
        super().__init__(*args, **kwargs)

    def _get_mailbox_client(self) -> imaplib.IMAP4:
        return watched(_BoundedPlain, self.deadline)(self._host, self._port, self._timeout)


def account_key(settings: MailboxSettings) -> str:
    """Names the mailbox in the state database: user, host and port."""
    return f"{settings.user.lower()}@{settings.host.lower()}:{settings.port}"


class Mailbox:
    """One session on the configured folder; use as a context manager."""

    def __init__(self, settings: MailboxSettings, password: str | None) -> None:
        if not password:
            raise MailboxError(
                f"Chưa có mật khẩu hộp thư {settings.user}: hãy đặt biến môi trường {PASSWORD_ENV}."
            )
        self.settings = settings
        self._password = password
        self._box: MailBox | MailBoxStartTls | MailBoxUnencrypted | None = None
        self._deadline = Deadline()

    # --- session -----------------------------------------------------------------------

    def __enter__(self) -> Mailbox:
        s = self.settings
        where = f"hộp thư {s.host}:{s.port}"
        deadline = self._deadline
        try:
            with deadline.limit(3 * TIMEOUT):
                if s.security == "ssl":
                    box = _SslBox(deadline, s.host, s.port, timeout=TIMEOUT, ssl_context=_tls())
                elif s.security == "starttls":
                    box = _StartTlsBox(deadline, s.host, s.port, TIMEOUT, ssl_context=_tls())
                else:
                    box = _PlainBox(deadline, s.host, s.port, timeout=TIMEOUT)
            if deadline.expired:  # a greeting cut short may still read as one
                raise imaplib.IMAP4.abort("deadline")
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise MailboxError(f"Không kết nối an toàn được {where}: {exc}") from exc
        except IMAP_ERRORS as exc:
            if deadline.expired:
                raise self._slow() from exc
            raise MailboxError(f"Không kết nối được {where}: {_reason(exc)}") from exc
        self._box = box
        try:
            with deadline.limit(3 * TIMEOUT):
                if (s.user + self._password).isascii():
                    box.login(s.user, self._password, initial_folder=None)
                else:  # LOGIN is ASCII only: SASL PLAIN carries UTF-8 (RFC 4616)
                    box.login_utf8(s.user, self._password, initial_folder=None)
            if deadline.expired:
                raise imaplib.IMAP4.abort("deadline")
        except MailboxLoginError as exc:
            self.close()
            raise MailboxError(
                f"Hộp thư {s.host} từ chối đăng nhập «{s.user}»: hãy kiểm tra tên đăng nhập "
                f"và mật khẩu (biến môi trường {PASSWORD_ENV})."
            ) from exc
        except IMAP_ERRORS as exc:
            self.close()
            if deadline.expired:
                raise self._slow() from exc
            raise MailboxError(f"Không đăng nhập được {where}: {_reason(exc)}") from exc
        try:
            folders = self._call(lambda: [f.name for f in box.folder.list()])
            if s.folder not in folders:
                raise MailboxError(
                    f"Hộp thư {s.host} không có thư mục «{s.folder}» (các thư mục: "
                    f"{', '.join(folders)}); hãy sửa khóa folder trong mục [mailbox]."
                )
            if s.processed_folder and s.processed_folder not in folders:
                self._call(lambda: box.folder.create(s.processed_folder))
            self._call(lambda: box.folder.set(s.folder))
        except MailboxError:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        box, self._box = self._box, None
        if box is None:
            return
        try:
            with self._deadline.limit(3 * TIMEOUT):
                box.logout()
        except (*IMAP_ERRORS, AttributeError):  # a server already gone: nothing to tidy
            try:
                box.client.shutdown()
            except (*IMAP_ERRORS, AttributeError):
                pass

    @property
    def box(self) -> MailBox | MailBoxStartTls | MailBoxUnencrypted:
        if self._box is None:
            raise MailboxError("Hộp thư chưa được mở")
        return self._box

    # --- messages ----------------------------------------------------------------------

    def uidvalidity(self) -> int:
        status = self._call(lambda: self.box.folder.status(self.settings.folder, ["UIDVALIDITY"]))
        return int(status["UIDVALIDITY"])

    def uids_after(self, last: int) -> list[int]:
        """UIDs above `last` in the folder, in order."""
        found = self._call(lambda: self.box.uids(f"UID {last + 1}:*"))
        return sorted(uid for uid in map(int, found) if uid > last)

    def size_and_time(self, uid: int) -> tuple[int, datetime] | None:
        """The message's size and when the server received it; None when it is gone."""
        data = self._fetch(uid, "(RFC822.SIZE INTERNALDATE)")
        line = b" ".join(item if isinstance(item, bytes) else item[0] for item in data if item)
        size = _SIZE.search(line)
        if size is None:
            return None
        return int(size[1]), internal_date(line) or datetime.now(UTC)

    def download(self, uid: int, size: int = 0, *, header_only: bool = False) -> bytes | None:
        """The message's bytes as stored (or the start of its header); None when it is gone.
        Never marks it as read. `size`: its size, as the server said (for the deadline)."""
        part = f"BODY.PEEK[HEADER]<0.{HEADER_BYTES}>" if header_only else "BODY.PEEK[]"
        size = HEADER_BYTES if header_only else size
        data = self._fetch(uid, f"({part})", 3 * TIMEOUT + size / MIN_RATE)
        return next((item[1] for item in data if isinstance(item, tuple)), None)

    def mark(self, uid: int) -> None:
        """Move the message to the processed folder, or mark it as read."""
        target = self.settings.processed_folder
        if target:
            self._call(lambda: self.box.move(str(uid), target))
        else:
            self._call(lambda: self.box.flag(str(uid), MailMessageFlags.SEEN, True))

    def _fetch(self, uid: int, parts: str, seconds: float | None = None) -> list:
        typ, data = self._call(lambda: self.box.client.uid("FETCH", str(uid), parts), seconds)
        if typ != "OK":
            raise MailboxError(f"Hộp thư {self.settings.host} không trả thư UID {uid}: {data}")
        return data

    def _call(self, action, seconds: float | None = None):
        """`action()` on the server within `seconds` (3 × TIMEOUT); a MailboxError when the
        connection is lost or the deadline passes (the connection is then cut)."""
        try:
            with self._deadline.limit(seconds or 3 * TIMEOUT):
                result = action()
        except IMAP_ERRORS as exc:
            if self._deadline.expired:
                raise self._slow() from exc
            refused = getattr(getattr(self._box, "client", None), "refused", 0)
            if refused:
                raise MessageTooLarge(
                    f"Hộp thư {self.settings.host} gửi một thư {size_text(refused)}, lớn hơn "
                    f"nhiều so với kích thước đã báo: thư này được bỏ qua, cần xem trong hộp thư"
                ) from exc
            raise MailboxError(
                f"Mất kết nối với hộp thư {self.settings.host}:{self.settings.port}: {_reason(exc)}"
            ) from exc
        if self._deadline.expired:
            raise self._slow()
        return result

    def _slow(self) -> MailboxError:
        return MailboxError(
            f"Hộp thư {self.settings.host}:{self.settings.port} trả lời quá chậm (kết nối bị "
            "cắt sau thời hạn); lần chạy sau sẽ tiếp tục từ thư đang lấy dở"
        )


def _tls() -> ssl.SSLContext:
    """Verified TLS against the system's authorities (SSL_CERT_FILE is honoured)."""
    return ssl.create_default_context()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"máy chủ không trả lời sau {TIMEOUT} giây"
    if "TLS not supported" in str(exc):
        return "máy chủ không hỗ trợ STARTTLS (hãy kiểm tra khóa security và port)"
    return str(exc) or type(exc).__name__


def internal_date(line: bytes) -> datetime | None:
    """The INTERNALDATE in a FETCH response line (month names read without the locale)."""
    found = _INTERNALDATE.search(line)
    if found is None or found[2].decode().title() not in _MONTHS:
        return None
    day, month, year = int(found[1]), _MONTHS.index(found[2].decode().title()) + 1, int(found[3])
    offset = timedelta(hours=int(found[8]), minutes=int(found[9]))
    zone = timezone(offset if found[7] == b"+" else -offset)
    try:
        moment = datetime(year, month, day, int(found[4]), int(found[5]), int(found[6]), 0, zone)
    except ValueError:
        return None
    return moment.astimezone(UTC)
