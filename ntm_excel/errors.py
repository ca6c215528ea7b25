"""Every error ntm-excel raises for a person to act on, under one root, `NtmError`.

The message is Vietnamese and says what is wrong and what to do; `heading` is how the command
line introduces it. A caller that reports such errors catches `NtmError`; anything else is a
bug. Each class also derives from the built-in error it stands for, so that code written
against the built-in (`except ValueError`, `except OSError`) keeps working.
"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
import stat
from pathlib import Path

from ntm_excel.text import shown


class NtmError(Exception):
    """A problem for a person to act on; the message says what to do."""

    heading = "Lỗi"

    def describe(self) -> str:
        """The message as the command line prints it."""
        text = str(self)
        return f"{self.heading}:\n{text}" if "\n" in text else f"{self.heading}: {text}"


class ConfigError(NtmError, ValueError):
    """A configuration file that cannot be used; the message says which key and why."""

    heading = "Lỗi cấu hình"

    def describe(self) -> str:
        return f"{self.heading}: {self}"


class CatalogError(NtmError, ValueError):
    """A criteria catalogue that cannot be used, one line per bad row and column."""

    heading = "Lỗi bộ tiêu chí"

    def describe(self) -> str:
        return f"{self.heading}:\n{self}"


class VocabularyError(NtmError, ValueError):
    """A vocabulary table (the reader's words) that cannot be used, one line per bad row and
    column."""

    heading = "Lỗi bảng từ vựng"

    def describe(self) -> str:
        return f"{self.heading}:\n{self}"


class RegistryError(NtmError, ValueError):
    """A unit registry that cannot be used, or a unit that cannot be found in it."""

    heading = "Lỗi danh sách đơn vị"


class PlanError(NtmError, ValueError):
    """A plan workbook that cannot be used."""


class ContactsError(NtmError, ValueError):
    """A contact workbook that cannot be used."""


class DeadlineError(NtmError, ValueError):
    """A deadline that cannot be read unambiguously; `text` is the value as written (the
    message quotes its first characters: a cell may hold 32,767)."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"Không đọc được thời hạn «{shown(text)}»: {reason}")
        self.text = text
        self.reason = reason


class RecurrenceError(NtmError, ValueError):
    """A recurrence ("hàng tuần", "định kỳ 2 tuần") that cannot be read; `text` as written.
    `unset` when it says only "định kỳ": recurring, at an interval nobody has written yet."""

    def __init__(self, text: str, reason: str, *, unset: bool = False) -> None:
        super().__init__(f"Không đọc được chu kỳ «{shown(text)}»: {reason}")
        self.text = text
        self.reason = reason
        self.unset = unset


class UnreadableFileError(NtmError):
    """A submitted file that cannot (or must not) be opened; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OwnOutputError(NtmError):
    """A workbook found among submissions that ntm-excel wrote itself (its `kind`: a master,
    a feedback copy); it is never read as a submission."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class OutputError(NtmError, OSError):
    """An output that cannot be written; the message says which, and that the previous outputs
    were left as they were."""

    def __str__(self) -> str:  # the message alone, without OSError's "[Errno 13] "
        return self.strerror or super().__str__()


class OutputLockedError(OutputError):
    """An output that exists but cannot be replaced (open in Excel, read-only share…)."""


class MailError(NtmError):
    """A message that could not be handed over to the mail server."""


class MailboxError(NtmError):
    """The office mailbox (IMAP) could not be reached, logged into or read."""


class AlreadyRunning(NtmError, RuntimeError):
    """Another scheduler holds the state folder's lock."""


class InboxMissing(NtmError, FileNotFoundError):
    """The inbox folder does not exist: every unit would look as if it had not submitted."""

    def __init__(self, inbox: Path) -> None:
        super().__init__(
            f"Không có thư mục nhận biểu «{inbox}». Hãy tạo thư mục này, sửa schedule.inbox "
            "trong cấu hình, hoặc chỉ rõ thư mục. Chưa gửi thư nào: với thư mục sai, mọi xã "
            "sẽ bị coi là chưa nộp."
        )


class LedgerDamaged(NtmError):
    """The sent-mail ledger was emptied, overwritten or replaced: without it, mail already sent
    would be sent again, so nothing is sent until the office restores it or starts a new one."""

    heading = "Lỗi sổ thư"

    def describe(self) -> str:
        return f"{self.heading}:\n{self}"


class ClockBehind(NtmError):
    """The computer's clock reads a day before the last recorded run (set back)."""

    heading = "Lỗi đồng hồ"


class StoreError(NtmError, RuntimeError):
    """The state database cannot be used (damaged, made by a newer release, missing)."""

    heading = "Lỗi kho trạng thái"


class DamagedRecord(StoreError):
    """A reading or a judgement kept in the state database that cannot be used (damaged, or
    forged with its checksum made right); found only when used. They are kept only not to
    read a file again: forgetting them loses nothing (`History.forget_kept`). `damage` says
    which and why, the message adds what to do."""

    def __init__(self, damage: str) -> None:
        super().__init__(
            f"{damage} Hãy chạy lại với --no-history, hoặc xóa kho trạng thái để đọc lại mọi tệp."
        )
        self.damage = damage

    def __reduce__(self) -> tuple:  # sent from a forked writer (`ntm_excel.write.beside`)
        return type(self), (self.damage,)


class StoreBusy(StoreError):
    """Another process kept the state database locked for longer than this one waits."""


_ERRNO_TEXT = {
    errno.EACCES: "không có quyền ghi",
    errno.EPERM: "không có quyền ghi",
    errno.ENOSPC: "ổ đĩa đã đầy",
    errno.EDQUOT: "đã dùng hết dung lượng được cấp trên ổ đĩa",
    errno.EFBIG: "tệp vượt cỡ tối đa mà ổ đĩa hoặc hệ thống cho phép",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.ENOENT: "không tìm thấy",
    errno.EISDIR: "đó là một thư mục",
    errno.ENOTDIR: "đường dẫn có phần không phải thư mục",
    errno.EEXIST: "đã có một tệp trùng tên với thư mục cần tạo",
    errno.ENAMETOOLONG: "tên tệp hoặc đường dẫn quá dài",
    errno.ECONNREFUSED: "máy chủ từ chối kết nối (sai địa chỉ, sai cổng hoặc máy chủ chưa chạy)",
    errno.ECONNRESET: "máy chủ ngắt kết nối",
    errno.ETIMEDOUT: "hết thời gian chờ máy chủ",
    errno.EHOSTUNREACH: "không tới được máy chủ (mạng)",
    errno.ENETUNREACH: "không tới được máy chủ (mạng)",
}
_NO_READING = "không có quyền đọc: bị khóa quyền hoặc đang bị chương trình khác giữ"
_READ_TEXT = {  # a file or folder that cannot be read (`_ERRNO_TEXT` speaks of writing)
    errno.EACCES: _NO_READING,
    errno.EPERM: _NO_READING,
    errno.ENOENT: "không còn tệp (đã bị xóa hoặc đổi tên từ lúc liệt kê)",
    errno.EIO: "lỗi đọc ổ đĩa",
    errno.ELOOP: "liên kết vòng",
    errno.ENAMETOOLONG: "tên tệp hoặc đường dẫn quá dài",
}


# What to do about a file that cannot be read, by how its reason begins: a problem of the
# office's computer (rights, a path) is fixed there, an empty or wrong file by sending it again.
_UNREADABLE_ADVICE = (
    (
        ("không mở được", "không còn", "không tìm thấy"),
        "Đây là lỗi khi mở tệp trên máy tổng hợp, không phải lỗi của biểu: hãy kiểm tra "
        "đường dẫn và quyền đọc tệp (đóng chương trình đang giữ tệp) rồi chạy lại.",
    ),
    (
        ("tệp rỗng",),
        "Tệp nhận được không có nội dung (gửi nhầm, hoặc tải lên chưa xong): hãy gửi lại tệp "
        "biểu tự đánh giá.",
    ),
    (("tệp không có dữ liệu",), "Hãy điền biểu tự đánh giá rồi gửi lại."),
    (("tệp quá lớn",), "Hãy xóa các dòng, cột, trang thừa, lưu lại dạng .xlsx rồi gửi lại."),
    (("đây là",), "Hãy gửi biểu tự đánh giá dạng bảng tính Excel (.xlsx)."),
    (
        ("tệp có mật khẩu",),
        "Hãy mở tệp bằng Excel, bỏ mật khẩu, lưu lại dạng .xlsx rồi gửi lại.",
    ),
)
_SAVE_AGAIN = "Hãy mở tệp bằng Excel, lưu lại dạng .xlsx (không đặt mật khẩu) rồi gửi lại."


def unreadable_advice(reason: str) -> str:
    """What to do about a file unreadable for `reason` (the `file-unreadable` message's
    last sentence): save it again as .xlsx, unless the reason says otherwise."""
    for starts, advice in _UNREADABLE_ADVICE:
        if reason.startswith(starts):
            return advice
    return _SAVE_AGAIN


def read_reason(exc: OSError) -> str:
    """Why a file or folder could not be read, in Vietnamese (never the system's English)."""
    return _READ_TEXT.get(exc.errno, "") or system_reason(OSError(exc.errno, exc.strerror))


# What SQLite says of a state database, in Vietnamese.
_SQLITE_TEXT = {
    "database disk image is malformed": "tệp cơ sở dữ liệu bị hỏng",
    "file is not a database": "tệp không phải cơ sở dữ liệu SQLite",
    "unable to open database file": "không mở được tệp cơ sở dữ liệu",
    "disk i/o error": "lỗi đọc, ghi ổ đĩa",
    "attempt to write a readonly database": "tệp cơ sở dữ liệu chỉ cho đọc",
    "database or disk is full": "ổ đĩa đã đầy",
}
ON_WINDOWS = os.name == "nt"
WINDOWS_MAX_PATH = 260  # characters, unless long paths are enabled (LongPathsEnabled)


def system_reason(exc: BaseException) -> str:
    """An error in Vietnamese: our own messages as they are, system errors translated."""
    if isinstance(exc, NtmError):
        return str(exc)
    if isinstance(exc, socket.gaierror):  # getaddrinfo: errno -2, -3… (EAI_*), not errno's
        return "không tìm thấy máy chủ theo tên hay địa chỉ đã ghi (sai tên, hoặc mất mạng)"
    if isinstance(exc, OSError) and exc.errno in _ERRNO_TEXT:
        where = f" ({exc.filename})" if exc.filename else ""
        length = len(os.path.abspath(exc.filename)) if isinstance(exc.filename, str) else 0
        if ON_WINDOWS and exc.errno == errno.ENOENT and length >= WINDOWS_MAX_PATH:
            return (
                f"đường dẫn dài {length} ký tự, quá {WINDOWS_MAX_PATH} ký tự mà Windows cho phép "
                f"khi chưa bật đường dẫn dài; hãy chọn thư mục ngắn hơn{where}"
            )
        return f"{_ERRNO_TEXT[exc.errno]}{where}"
    if isinstance(exc, sqlite3.Error):
        return _SQLITE_TEXT.get(str(exc).lower(), str(exc))
    return str(exc) or type(exc).__name__


OFFICE_FILE_LIMIT = 50 * 1024 * 1024  # bytes: a country's registry is about 1 MB
CONFIG_FILE_LIMIT = 1024 * 1024


def check_office_file(
    path: Path | str, error: type[NtmError], what: str, limit: int = OFFICE_FILE_LIMIT
) -> None:
    """Refuse with `error` an office file (configuration, catalogue, registry, plan,
    contacts, vocabulary) that is not a regular file or is larger than `limit`: a path set
    by mistake to a device or a huge file is never read whole. A missing file is left to
    the loader, which says so in its own words."""
    try:
        info = os.stat(path)
    except OSError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{what} {path} không phải một tệp (thư mục, thiết bị hay ống dẫn)")
    if info.st_size > limit:
        raise error(
            f"{what} {path} quá lớn ({info.st_size // (1024 * 1024)} MB, giới hạn "
            f"{limit // (1024 * 1024)} MB): hãy kiểm tra đường dẫn"
        )
