"""The office mailbox over IMAP (imap-tools): which messages are new, their bytes, and marking
a collected message so that it is not taken again.

Connections are IMAPS (`ssl`, port 993), STARTTLS (`starttls`, port 143) or plain (`none`,
only for a server on the same machine); certificates are verified against the system's
authorities. The password comes only from the environment variable NTM_IMAP_PASSWORD.

A message is new when its UID is above the highest one handled in this folder (kept in the
state database with the folder's UIDVALIDITY, see `ntm_excel.jobs.mail_log`): whether a person
has already opened it in a mail program does not matter. A collected message is then moved
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
from imap_tools.errors import MailboxLoginError, UnexpectedCommandStatusError

from ntm_excel.config import MailboxSettings
from ntm_excel.errors import ConfigError, MailboxError

PASSWORD_ENV = "NTM_IMAP_PASSWORD"
SECURITY_CHOICES = ("none", "starttls", "ssl")
TIMEOUT = 60  # seconds a server may stay silent
MAX_MESSAGE_BYTES = 40 * 1024 * 1024  # a message with a few workbooks is far smaller
HEADER_BYTES = 64 * 1024  # of a message too large to download, to know who sent it
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_INTERNALDATE = re.compile(
    rb'INTERNALDATE "\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) '
    rb'(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})"'
)
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
IMAP_ERRORS = (imaplib.IMAP4.error, OSError, UnexpectedCommandStatusError, EOFError)


def check_mailbox(settings: MailboxSettings, file: object = None) -> None:
    """Refuse a [mailbox] section that cannot work (or its missing password), before any job
    does anything; nothing to check without a host."""
    if not settings.host:
        return
    where = f"Tệp cấu hình {file}, mục [mailbox]"
    if settings.security not in SECURITY_CHOICES:
        raise ConfigError(
            f"{where}, khóa «security»: «{settings.security}» không hợp lệ "
            f"(chọn: {', '.join(SECURITY_CHOICES)})"
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

    # --- session -----------------------------------------------------------------------

    def __enter__(self) -> Mailbox:
        s = self.settings
        where = f"hộp thư {s.host}:{s.port}"
        try:
            if s.security == "ssl":
                box = MailBox(s.host, s.port, timeout=TIMEOUT, ssl_context=_tls())
            elif s.security == "starttls":
                box = MailBoxStartTls(s.host, s.port, timeout=TIMEOUT, ssl_context=_tls())
            else:
                box = MailBoxUnencrypted(s.host, s.port, timeout=TIMEOUT)
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise MailboxError(f"Không kết nối an toàn được {where}: {exc}") from exc
        except IMAP_ERRORS as exc:
            raise MailboxError(f"Không kết nối được {where}: {_reason(exc)}") from exc
        self._box = box
        try:
            if (s.user + self._password).isascii():
                box.login(s.user, self._password, initial_folder=None)
            else:  # LOGIN is ASCII only: SASL PLAIN carries UTF-8 (RFC 4616)
                box.login_utf8(s.user, self._password, initial_folder=None)
        except MailboxLoginError as exc:
            self.close()
            raise MailboxError(
                f"Hộp thư {s.host} từ chối đăng nhập «{s.user}»: hãy kiểm tra tên đăng nhập "
                f"và mật khẩu (biến môi trường {PASSWORD_ENV})."
            ) from exc
        except IMAP_ERRORS as exc:
            self.close()
            raise MailboxError(f"Không đăng nhập được {where}: {_reason(exc)}") from exc
        try:
            folders = [f.name for f in box.folder.list()]
            if s.folder not in folders:
                raise MailboxError(
                    f"Hộp thư {s.host} không có thư mục «{s.folder}» (các thư mục: "
                    f"{', '.join(folders)}); hãy sửa khóa folder trong mục [mailbox]."
                )
            if s.processed_folder and s.processed_folder not in folders:
                box.folder.create(s.processed_folder)
            box.folder.set(s.folder)
        except MailboxError:
            self.close()
            raise
        except IMAP_ERRORS as exc:
            self.close()
            raise MailboxError(
                f"Không mở được thư mục «{s.folder}» của {where}: {_reason(exc)}"
            ) from exc
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        box, self._box = self._box, None
        if box is None:
            return
        try:
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

    def download(self, uid: int, *, header_only: bool = False) -> bytes | None:
        """The message's bytes as stored (or the start of its header); None when it is gone.
        Never marks it as read."""
        part = f"BODY.PEEK[HEADER]<0.{HEADER_BYTES}>" if header_only else "BODY.PEEK[]"
        data = self._fetch(uid, f"({part})")
        return next((item[1] for item in data if isinstance(item, tuple)), None)

    def mark(self, uid: int) -> None:
        """Move the message to the processed folder, or mark it as read."""
        target = self.settings.processed_folder
        if target:
            self._call(lambda: self.box.move(str(uid), target))
        else:
            self._call(lambda: self.box.flag(str(uid), MailMessageFlags.SEEN, True))

    def _fetch(self, uid: int, parts: str) -> list:
        typ, data = self._call(lambda: self.box.client.uid("FETCH", str(uid), parts))
        if typ != "OK":
            raise MailboxError(f"Hộp thư {self.settings.host} không trả thư UID {uid}: {data}")
        return data

    def _call(self, action):
        try:
            return action()
        except IMAP_ERRORS as exc:
            raise MailboxError(
                f"Mất kết nối với hộp thư {self.settings.host}:{self.settings.port}: {_reason(exc)}"
            ) from exc


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
