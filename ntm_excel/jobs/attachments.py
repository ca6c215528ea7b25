"""What a received message holds for the office: who sent it, and the spreadsheets attached.

Everything here works on the message's bytes and trusts none of them:
- the sender's address must look like one (found also when the display name is unquoted
  and holds angle brackets, «<b>Xã A</b> <a@x.vn>»), its display name and the subject lose
  control and format characters (line breaks, bidirectional overrides) and are cut to a
  length; the name stays text (the answer escapes it in its HTML part);
- the Message-ID and References kept for the answer's threading must be plain msg-ids;
- attachment names lose any folder part and whatever Windows cannot hold in a name
  (`safe_name`): no path traversal, no reserved device names, no hidden or lock-file names;
- spreadsheets are taken by name or declared type, also out of .zip attachments; a zip is
  never inflated blindly: its directory is checked first (member count, sizes, compression
  ratio, encryption) and each member is read with a bound; zips inside zips are not opened;
- each file has a size limit, and a message a limit on its files' count and total size,
  checked before a zip member is inflated (a 20 MB zip may hold a hundred members of 20 MB):
  what is over is refused, with the reason, never silently dropped.
Bounces, auto-replies and the office's own mail are recognised (`automatic`) so that the
answers never start a mail loop. The saved files are then read like any file of the inbox
(`ntm_excel.read.sniff` checks them again); nothing here executes or renders anything.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.feedparser import BytesFeedParser
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses
from pathlib import PurePath

from imap_tools import MailMessage
from imap_tools.utils import decode_value

from ntm_excel.read.inbox import SPREADSHEET_SUFFIXES
from ntm_excel.read.sniff import MAX_RATIO, RATIO_FLOOR
from ntm_excel.text import nfc

MAX_FILE_BYTES = 20 * 1024 * 1024  # one spreadsheet (a self-assessment is well under 1 MB)
MAX_FILES = 20  # spreadsheets taken from one message (zip members included)
MAX_PIECES = 5 * MAX_FILES  # spreadsheets taken or refused, named one by one for a message
MAX_TAKEN_BYTES = 60 * 1024 * 1024  # all the spreadsheets taken from one message
MAX_ARCHIVE_MEMBERS = 500  # entries in one zip's directory
MAX_SUBJECT = 200  # characters of a subject kept
# characters of a header read: a subject of MAX_SUBJECT letters, each its own encoded word
# («=?utf-8?b?4bqh?=», 16 characters and a space), still fits
MAX_HEADER = 20 * MAX_SUBJECT
MAX_NAME = 80  # characters of a file name kept (the stem shortened, the suffix kept)
# bytes of it in UTF-8: with the inbox's prefix, a number and a temporary file's marks, well
# under the 255 bytes a file name may have
MAX_NAME_BYTES = 150
FALLBACK_STEM = "tep_dinh_kem"
ARCHIVE_SUFFIXES = frozenset({".zip"})
_SEND_XLSX = "hãy gửi chính tệp .xlsx (hoặc nén dạng .zip)"
UNSUPPORTED_SUFFIXES = {  # answered: the commune believes it has sent its workbook
    ".xlsb": "định dạng Excel nhị phân .xlsb chưa đọc được; hãy lưu lại dạng .xlsx rồi gửi",
    ".rar": f"tệp nén .rar không mở được; {_SEND_XLSX}",
    ".7z": f"tệp nén .7z không mở được; {_SEND_XLSX}",
}
_NESTED = "tệp nén nằm trong tệp nén «{}» không được mở; " + _SEND_XLSX
SPREADSHEET_TYPES = frozenset(
    {
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
ARCHIVE_TYPES = frozenset({"application/zip", "application/x-zip-compressed", "application/x-zip"})
# Windows device names, reserved whatever the extension ("CON.xlsx", "com1.ods").
RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# A name-addr ends with its address in angle brackets, whatever the name before it holds.
_LAST_ANGLE_ADDRESS = re.compile(r"(.*)<\s*([^<>\s]*)\s*>\s*$", re.S)
_ANGLE_ADDRESS = re.compile(r"<\s*([^<>\s]*)\s*>")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_MSG_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,200}@[\x21-\x3b\x3d\x3f-\x7e]{1,200}>")
MAX_REFERENCES = 10
PARSE_CHUNK = 64 * 1024  # bytes of a message given to the parser at a time
_AUTOMATIC_SENDERS = ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply")


@dataclass(frozen=True)
class Piece:
    """One file a message brought: taken (its bytes), or refused (why)."""

    name: str  # safe_name of the name it was sent under (for a zip member: the member's)
    data: bytes = b""
    refused: str = ""  # Vietnamese, "" when taken

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Letter:
    """A received message, as far as collecting and answering need it."""

    sender: str  # the From address, lower case; "" when there is none that looks valid
    sender_name: str  # display name, cleaned
    subject: str  # one line, cleaned, at most MAX_SUBJECT characters
    message_id: str  # "" when missing or malformed
    references: tuple[str, ...]  # the thread, for the answer's References
    automatic: str  # why it is a bounce, an auto-reply or the office's own mail, or ""
    pieces: tuple[Piece, ...]  # spreadsheets (and refused would-be spreadsheets)

    @property
    def is_submission(self) -> bool:
        return bool(self.pieces) and not self.automatic


def one_line(text: str, limit: int) -> str:
    """`text` as one clean line: control and format characters and line breaks gone,
    spaces collapsed, NFC, at most `limit` characters."""
    kept = "".join(
        " " if unicodedata.category(c) in _DROPPED_CATEGORIES else c for c in nfc(text or "")
    )
    line = " ".join(kept.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def safe_name(name: str) -> str:
    """A file name safe to create on Windows and Linux from a name a mail gave: the last
    path component only, no control, format or reserved characters, no leading dots or "~$",
    no trailing dots or spaces, no device name, at most MAX_NAME characters and
    MAX_NAME_BYTES bytes; never empty."""
    name = re.split(r"[/\\]", nfc(name or ""))[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _DROPPED_CATEGORIES)
    name = " ".join(_FORBIDDEN.sub("_", name).split())
    if only_suffix := re.fullmatch(r"[.\s~$]*\.([A-Za-z0-9]{1,5})", name):  # «.xlsx»
        return f"{FALLBACK_STEM}.{only_suffix[1].lower()}"
    name = re.sub(r"^[.\s~$]+", "", name).rstrip(". ")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,5}", suffix) or not stem:
        stem, suffix = name, ""
    suffix = f".{suffix.lower()}" if suffix else ""
    stem = stem.rstrip(". ")[: MAX_NAME - len(suffix)]
    room = MAX_NAME_BYTES - len(suffix.encode())  # letters of 3 bytes: 80 may pass 255 bytes
    stem = stem.encode()[:room].decode("utf-8", "ignore").rstrip(". ") or FALLBACK_STEM
    if stem.split(".")[0].upper() in RESERVED_NAMES:
        stem = f"_{stem}"
    return stem + suffix


def msg_ids(text: str) -> list[str]:
    """The well-formed msg-ids in a Message-ID, In-Reply-To or References value."""
    return _MSG_ID.findall(text or "")


def read_letter(raw: bytes, *, own_addresses: frozenset[str] = frozenset()) -> Letter:
    """The message `raw` (as fetched) reduced to what collecting needs. `own_addresses`: the
    office's own addresses (lower case), whose messages are never taken as submissions."""
    message = parsed(raw)
    address, name = sender(_header(message, "from"))
    ids = msg_ids(_header(message, "message-id"))
    references = msg_ids(_header(message, "references", last=True)) or msg_ids(
        _header(message, "in-reply-to")
    )
    return Letter(
        sender=address,
        sender_name=one_line(name, 80),
        subject=one_line(_decoded(_header(message, "subject")), MAX_SUBJECT),
        message_id=ids[0] if ids else "",
        references=tuple(references[-MAX_REFERENCES:]),
        automatic=_automatic(message, address, own_addresses),
        pieces=tuple(_pieces(message)),
    )


def parsed(raw: bytes) -> MailMessage:
    """The message `raw` parsed as `MailMessage.from_bytes` does, fed to the parser a piece at
    a time: `email.message_from_bytes` copies the whole message into a StringIO (4 bytes a
    character), which took 314 MB for a message of 40 MB (now 110 MB)."""
    feed = BytesFeedParser()
    for start in range(0, len(raw), PARSE_CHUNK):
        feed.feed(raw[start : start + PARSE_CHUNK])
    message = MailMessage.from_bytes(b"")
    message.obj = feed.close()
    return message


def sender(header: str | Header) -> tuple[str, str]:
    """The address (lower case; "" when none looks valid, or when the header names several:
    whose the file is cannot be told) and display name of a From header. A name with
    unquoted «<», «>» or «@» («<b>Xã A</b> <a@x.vn>», «a@x.vn <b@y.vn>») makes the RFC 5322
    parser split the header into more pieces than it lists (commas), or into pieces that
    are not all addresses: then the address is the one in the angle brackets the header
    ends with, the name all before it."""
    if isinstance(header, Header):
        header = decode_value(*decode_header(header)[0])
    header = str(header)
    try:
        parsed = [(name, address.strip()) for name, address in getaddresses([header])]
    except RecursionError:  # comments nested thousands deep: «((((…»
        parsed = []
    valid = [(name, address) for name, address in parsed if _ADDRESS.fullmatch(address)]
    last = _LAST_ANGLE_ADDRESS.fullmatch(header)
    listed = len(_QUOTED.sub('""', header).split(","))
    split = not parsed or len(valid) < len(parsed) or len(parsed) > listed
    if _several_addresses(header, [] if split else valid):
        return "", _decoded(parsed[0][0]) if parsed else ""
    if split and last and _ADDRESS.fullmatch(last[2]):
        return last[2].lower(), _decoded(last[1].strip().strip('"'))
    if valid:
        return valid[0][1].lower(), _decoded(valid[0][0])
    return "", _decoded(parsed[0][0]) if parsed else ""


def _several_addresses(header: str, valid: list[tuple[str, str]]) -> bool:
    """Whether a From header names more than one address: in angle brackets outside quoted
    names («A <a@x.vn> <b@y.vn>»), or as the parser's list («a@x.vn, b@y.vn», a group)."""
    angled = {
        found.lower()
        for found in _ANGLE_ADDRESS.findall(_QUOTED.sub('""', header))
        if _ADDRESS.fullmatch(found)
    }
    return len(angled) > 1 or len({address.lower() for _, address in valid}) > 1


def _decoded(name: str) -> str:
    """A display name with its encoded words (RFC 2047) decoded."""
    try:
        return "".join(decode_value(*part) for part in decode_header(name)).strip()
    except (HeaderParseError, ValueError):
        return name.strip()


def _header(message: MailMessage, name: str, *, last: bool = False) -> str:
    """The first `name` header as sent, cut to its first (`last`: its last, the newest of a
    References list) MAX_HEADER characters: a header holding
    200,000 encoded words took minutes to decode, and imap_tools' `headers` mapping lists the
    names in a list (200,000 headers of distinct names took three minutes)."""
    value = message.obj.get(name)
    if isinstance(value, Header):
        value = decode_value(*decode_header(value)[0])
    value = str(value or "")
    return value[-MAX_HEADER:] if last else value[:MAX_HEADER]


def _automatic(message: MailMessage, address: str, own: frozenset[str]) -> str:
    """Why the message is not a person's (RFC 3834 and the usual signs), or ""."""
    if address in own:
        return "thư của chính văn phòng"
    if not address and "@" in _header(message, "from"):
        return "thư không ghi rõ một địa chỉ người gửi"
    if not address or address.split("@")[0] in _AUTOMATIC_SENDERS:
        return "thư báo lỗi chuyển thư hoặc thư tự động"
    submitted = _header(message, "auto-submitted").strip().lower()
    if submitted and submitted != "no":
        return "thư trả lời tự động"
    if message.obj.get_content_type() == "multipart/report":
        return "thư báo lỗi chuyển thư"
    if _header(message, "precedence").strip().lower() in ("bulk", "junk", "auto_reply"):
        return "thư gửi hàng loạt hoặc tự động"
    if any(_header(message, h) for h in ("x-autoreply", "x-autorespond")):
        return "thư trả lời tự động"
    return ""


def _suffix(name: str) -> str:
    """A name's suffix, lower case; a name that is only a suffix («.xlsx», « .xlsx») has one."""
    name = name.strip()
    return PurePath(f"_{name}" if name.startswith(".") else name).suffix.lower()


def _kind(name: str, content_type: str) -> str:
    """ "spreadsheet", "archive", "unsupported" or "" (not for the office) for one part."""
    suffix = _suffix(name)
    if suffix in SPREADSHEET_SUFFIXES:
        return "spreadsheet"
    if suffix in ARCHIVE_SUFFIXES:
        return "archive"
    if suffix in UNSUPPORTED_SUFFIXES:
        return "unsupported"
    if not suffix or suffix in (".bin", ".dat"):
        if content_type in SPREADSHEET_TYPES:
            return "spreadsheet"
        if content_type in ARCHIVE_TYPES:
            return "archive"
    return ""


@dataclass
class _Quota:
    """What one message may still bring: files, and bytes of them."""

    files: int = field(default_factory=lambda: MAX_FILES)
    size: int = field(default_factory=lambda: MAX_TAKEN_BYTES)

    def refusal(self, size: int) -> str:
        """Why a file of `size` bytes cannot be taken any more, or "" (it is then counted)."""
        if self.files <= 0:
            return f"thư có quá nhiều tệp (chỉ nhận {MAX_FILES} tệp một thư)"
        if size > self.size:
            return (
                f"các tệp của thư quá lớn (tổng cộng hơn {size_text(MAX_TAKEN_BYTES)}); hãy gửi "
                "tệp này trong một thư khác"
            )
        self.files, self.size = self.files - 1, self.size - size
        return ""


def _pieces(message: MailMessage) -> list[Piece]:
    """The message's spreadsheets, taken or refused: at most MAX_PIECES of them, then one
    piece for all the attachments left unopened (a message of 600 zips of 500 members each
    made 300,000 pieces, a minute of work, and as many records)."""
    found: list[Piece] = []
    quota = _Quota()
    unopened: list[str] = []
    for attachment in message.attachments:
        raw_name = attachment.filename or ""
        kind = _kind(raw_name, attachment.content_type)
        if not kind:
            continue
        name = safe_name(raw_name)
        if len(found) >= MAX_PIECES:
            unopened.append(name)
            continue
        if kind == "unsupported":
            found.append(Piece(name, refused=UNSUPPORTED_SUFFIXES[PurePath(name).suffix.lower()]))
            continue
        name = _with_suffix(name, attachment.content_type)
        if (least := _least_size(attachment.part)) > MAX_FILE_BYTES:  # not decoded at all
            found.append(Piece(name, refused=_too_large(least)))
            continue
        data = attachment.payload or b""
        if len(data) > MAX_FILE_BYTES:
            found.append(Piece(name, refused=_too_large(len(data))))
        elif kind == "archive":
            found += unzip_spreadsheets(name, data, quota)
        else:
            found.append(Piece(name, data, refused=quota.refusal(len(data))))
    if len(found) <= MAX_PIECES and not unopened:
        return found
    kept: list[Piece] = []
    for piece in found:  # every file taken stays (MAX_FILES at most), refusals up to the cap
        if piece.refused and len(kept) >= MAX_PIECES:
            unopened.append(piece.name)
        else:
            kept.append(piece)
    if not unopened:
        return kept
    reason = (
        f"thư có quá nhiều tệp (chỉ nhận {MAX_FILES} tệp một thư); {len(unopened)} tệp khác "
        "không được xem xét"
    )
    return [*kept, Piece(unopened[0], refused=reason)]


def _least_size(part: Message) -> int:
    """The fewest bytes the part's body can decode to, told from its encoded length (base64:
    3 bytes for every 4 characters, its line breaks aside; quoted-printable: a third), so
    that a body far over MAX_FILE_BYTES is refused without being decoded."""
    body = part.get_payload()
    if not isinstance(body, str):
        return 0
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    if encoding == "base64":
        return (len(body) - body.count("\n") - body.count("\r")) * 3 // 4
    if encoding == "quoted-printable":
        return len(body) // 3
    return len(body)


def _with_suffix(name: str, content_type: str) -> str:
    """A name without a known suffix gets the one its declared type stands for."""
    if PurePath(name).suffix.lower() in SPREADSHEET_SUFFIXES | ARCHIVE_SUFFIXES:
        return name
    if content_type in ARCHIVE_TYPES:
        return f"{name}.zip"
    return name + (".xls" if content_type == "application/vnd.ms-excel" else ".xlsx")


def size_text(size: int) -> str:
    """ "40 MB", "1,5 MB", "0,2 MB" (a decimal comma, as Vietnamese writes it)."""
    megabytes = size / 1024 / 1024
    if megabytes >= 10 or megabytes == int(megabytes):
        return f"{megabytes:.0f} MB"
    return f"{megabytes:.1f} MB".replace(".", ",")


def _too_large(size: int) -> str:
    return f"tệp quá lớn ({size_text(size)}, giới hạn {size_text(MAX_FILE_BYTES)} cho một tệp)"


def unzip_spreadsheets(name: str, data: bytes, quota: _Quota | None = None) -> list[Piece]:
    """The spreadsheets inside the zip attachment `name`: each taken, or refused with the
    reason; the whole archive refused when it cannot be opened safely. Other members are
    left out; a zip inside is not opened. A member is inflated only when the message's
    `quota` can still take it (by its declared size, which zipfile never lets it exceed)."""
    quota = quota or _Quota()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return [Piece(name, refused="tệp nén .zip bị hỏng hoặc không trọn vẹn")]
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ARCHIVE_MEMBERS:
            reason = f"tệp nén chứa quá nhiều tệp ({len(members)}), nghi tệp độc hại"
            return [Piece(name, refused=reason)]
        suffixes = [PurePath(safe_name(m.filename)).suffix.lower() for m in members]
        wanted = [
            m
            for m, suffix in zip(members, suffixes, strict=True)
            if not m.is_dir() and suffix in SPREADSHEET_SUFFIXES
        ]
        nested = [
            Piece(safe_name(m.filename), refused=_NESTED.format(name))
            for m, suffix in zip(members, suffixes, strict=True)
            if suffix in ARCHIVE_SUFFIXES | UNSUPPORTED_SUFFIXES.keys() - {".xlsb"}
        ]
        return [_member(archive, member, name, quota) for member in wanted] + nested


def _member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, archive_name: str, quota: _Quota
) -> Piece:
    name = safe_name(member.filename)
    where = f"trong tệp nén «{archive_name}»"
    if member.flag_bits & 0x1:
        return Piece(name, refused=f"tệp {where} có mật khẩu")
    if member.file_size > MAX_FILE_BYTES:
        return Piece(name, refused=f"{_too_large(member.file_size)} {where}")
    if member.file_size > RATIO_FLOOR and (
        member.compress_size == 0 or member.file_size / member.compress_size > MAX_RATIO
    ):
        return Piece(name, refused=f"tệp {where} nén bất thường (nghi tệp độc hại)")
    refused = quota.refusal(member.file_size)
    if refused:
        return Piece(name, refused=f"{refused} ({where})")
    try:
        with archive.open(member) as stream:  # never more than declared: zipfile checks the CRC
            content = stream.read(MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        return Piece(name, refused=f"tệp {where} không giải nén được ({type(exc).__name__})")
    if len(content) > MAX_FILE_BYTES:
        return Piece(name, refused=f"{_too_large(len(content))} {where}")
    return Piece(name, content)
