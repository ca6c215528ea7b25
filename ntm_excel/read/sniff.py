"""What a submitted file really is, and whether it is safe to open.

The format is told by the bytes, never by the extension (a .xls renamed .xlsx is a .xls).
Before any spreadsheet library inflates anything, the zip central directory is checked against
size, ratio and member-count caps; every XML part is then inflated with a bound on its size,
its CRC checked, and refused when it declares a DOCTYPE or entities (entity expansion). The
workbook's declared sheets must all be present. Every refusal is an `UnreadableFileError`
whose message, in Vietnamese, says what is wrong with the file.
"""

from __future__ import annotations

import array
import functools
import io
import posixpath
import re
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree import ElementTree

import msoffcrypto
import olefile

from ntm_excel.atomic import OUTPUT_PROPERTY, marked_kind
from ntm_excel.errors import OwnOutputError, UnreadableFileError
from ntm_excel.read.bounds import attribute_values, largest_number
from ntm_excel.read.textfile import decoded, delimiter
from ntm_excel.text import first_of, shown

MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024  # bytes, all members together
MAX_MEMBERS = 2000
MAX_RATIO = 100  # uncompressed / compressed, checked on members above RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_XML_PART = 100 * 1024 * 1024  # one XML part, inflated

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")

_CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CT_XLTX = "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"
_CT_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_CT_XLTM = "application/vnd.ms-excel.template.macroEnabled.main+xml"
_CT_XLSB = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
_ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
)
_NS_MAIN = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_NS_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_XML_SUFFIXES = (".xml", ".rels", ".vml")
# Parts read in full (by this module, the sheet scanner, calamine or openpyxl); the
# prolog of any other XML part is checked.
_PARSED = re.compile(
    r"(^\[Content_Types\]\.xml|\.rels|^mimetype|(^|/)(workbook\d*|sheet\d+|sharedStrings"
    r"|styles|content|core|custom))(\.xml)?$",
    re.IGNORECASE,
)
HEAD_BYTES = 4096
_SHARED_STRINGS = re.compile(r"(^|/)sharedstrings\.xml$")  # calamine reserves room from it
_DANGEROUS = (b"<!DOCTYPE", b"<!ENTITY")


@dataclass(frozen=True)
class SheetPart:
    """A worksheet declared by an OOXML workbook and the zip member holding it."""

    name: str
    part: str  # e.g. "xl/worksheets/sheet1.xml"
    hidden: bool


@dataclass(frozen=True)
class Sniffed:
    """The checked file: its real format and, for zip formats, its inflated XML parts."""

    kind: str  # "xlsx", "xlsm", "xls", "ods", or "html"/"xml2003" (see `ntm_excel.read.markup`)
    parts: dict[str, bytes] = field(default_factory=dict)  # zip member → inflated XML
    sheets: tuple[SheetPart, ...] = ()  # OOXML worksheets in workbook order
    styles: str = ""  # OOXML: the styles part ("xl/styles.xml")
    workbook_stream: bytes = b""  # .xls: the BIFF "Workbook" stream
    package: bytes = b""  # OOXML: the package as calamine must read it, when not the file

    @property
    def shared_strings(self) -> list[bytes]:
        """OOXML: every inflated shared-strings part (calamine reads the workbook's one)."""
        return [xml for name, xml in self.parts.items() if _SHARED_STRINGS.search(_key(name))]


def sniff(data: bytes) -> Sniffed:
    """Identify `data` (a whole file) and check it; raise `UnreadableFileError` if unusable."""
    if not data:
        raise UnreadableFileError("tệp rỗng (0 byte)")
    if data.startswith(ZIP_MAGICS):
        return _sniff_zip(data)
    if data.startswith(OLE2_MAGIC):
        return _sniff_ole(data)
    markup = _markup_kind(data)
    if markup:
        return Sniffed(kind=markup)
    raise UnreadableFileError(_foreign_kind(data))


_SPREADSHEETML = b"urn:schemas-microsoft-com:office:spreadsheet"
_ODF_FLAT = b"application/vnd.oasis.opendocument.spreadsheet"


def _markup_head(data: bytes) -> bytes:
    """The first bytes of a text file, lower case, as UTF-8 (UTF-16 by its mark decoded)."""
    head = data[:HEAD_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "replace").encode("utf-8", "replace")
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()


def _markup_kind(data: bytes) -> str:
    """ "html" for a web page holding a table, "xml2003" for an Excel 2003 XML Spreadsheet
    (both saved as .xls by much office software, and opened by Excel), else ""."""
    head = _markup_head(data)
    if head.startswith(b"<?xml") and _SPREADSHEETML in head and _ODF_FLAT not in head:
        if any(marker in _markup_head(data) + data for marker in _DANGEROUS):
            raise UnreadableFileError(
                "tệp XML khai báo DOCTYPE/ENTITY (có thể là tệp độc hại), không mở"
            )
        return "xml2003"
    if head.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<style", b"<body")) or (
        b"<html" in head[:512]
    ):
        return "html" if any(tag in data.lower() for tag in _TABLE_TAGS) else ""
    if not head.startswith(b"<") and _is_text(data) and delimiter(decoded(data[:65536])):
        return "csv"
    return ""


_TABLE_TAGS = (b"<table", "<table".encode("utf-16-le"), "<table".encode("utf-16-be"))


def _is_text(data: bytes) -> bool:
    """Whether a file's first bytes are text: UTF-16 by its mark, else no control bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:HEAD_BYTES]
    return not any(byte < 9 or 13 < byte < 32 and byte != 27 for byte in head)


def _foreign_kind(data: bytes) -> str:
    head = _markup_head(data)[:512]
    if head.startswith(b"%pdf"):
        return "đây là tệp PDF, không phải bảng tính Excel"
    if head.startswith((b"rar!", b"7z\xbc\xaf")):
        return "đây là tệp nén RAR/7z, không phải bảng tính Excel"
    if head.startswith((b"\x89png", b"\xff\xd8\xff", b"gif8")):
        return "đây là tệp ảnh, không phải bảng tính Excel"
    if head.startswith((b"<html", b"<!doctype html")) or b"<html" in head:
        return "đây là trang HTML đặt đuôi Excel, không có bảng số liệu nào"
    if head.startswith(b"<?xml") and _ODF_FLAT in _markup_head(data):
        return "đây là bảng tính LibreOffice dạng XML phẳng (.fods), định dạng chưa đọc được"
    if head.startswith(b"{\\rtf"):
        return "đây là tệp văn bản RTF, không phải bảng tính Excel"
    try:  # a character cut at the end of the first 4,096 bytes is no error
        data[:HEAD_BYTES].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < HEAD_BYTES - 3:
            return (
                "nội dung không phải bảng tính Excel hay LibreOffice (tệp hỏng hoặc sai định dạng)"
            )
    return "đây là tệp văn bản (chữ thường), không phải bảng tính Excel"


def _sniff_ole(data: bytes) -> Sniffed:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises OSError and others on damaged containers
        raise UnreadableFileError(_DAMAGED_OLE) from exc
    with ole:
        used = [index for index, entry in enumerate(ole.fat) if entry != olefile.FREESECT]
        if used and len(data) < (max(used) + 2) * ole.sectorsize:
            raise UnreadableFileError("tệp .xls không trọn vẹn (có thể tải về chưa xong)")
        workbook = _check_chains(data)
        if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
            raise UnreadableFileError("tệp có mật khẩu")
        stream_name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if stream_name is None:
            if ole.exists("WordDocument"):
                raise UnreadableFileError("đây là tệp Word (.doc), không phải bảng tính Excel")
            raise UnreadableFileError("tệp Office này không chứa bảng tính")
        try:
            stream = ole.openstream(stream_name).read()
        except Exception as exc:
            raise UnreadableFileError("tệp .xls bị hỏng (thiếu dữ liệu bảng tính)") from exc
        if ole._find(stream_name) != workbook:  # the stream checked here is not calamine's
            raise UnreadableFileError(_DAMAGED_OLE)
        word = ole.exists("wordDocument")  # what msoffcrypto would open it as
    if (
        len(stream) < 8
        or stream[:2] != b"\x09\x08"
        or stream[4:6] not in (b"\x00\x06", b"\x00\x05")
    ):
        raise UnreadableFileError(
            "tệp .xls bị hỏng hoặc là định dạng Excel quá cũ (trước Excel 5.0)"
        )
    try:
        if word:
            encrypted = msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted()
        else:  # Excel 97 ("Workbook"), or Excel 5.0/95 ("Book"), which msoffcrypto cannot open
            encrypted = _has_file_pass(stream, biff5=stream_name == "Book")
    except Exception as exc:  # FileFormatError and others on damaged BIFF records
        raise UnreadableFileError("tệp .xls bị hỏng") from exc
    if encrypted:
        raise UnreadableFileError("tệp có mật khẩu")
    return Sniffed(kind="xls", workbook_stream=stream)


_DAMAGED_OLE = "tệp .xls bị hỏng (không mở được cấu trúc tệp)"
_ENDOFCHAIN, _DIFSECT, _RESERVED = 0xFFFFFFFE, 0xFFFFFFFC, 0xFFFFFFFA
_MINI_SECTOR, _MINI_CUTOFF = 64, 4096  # calamine's, whatever the header says
_CALAMINE_STREAMS = ("Workbook", "Book", "WORKBOOK", "BOOK")  # tried in turn on any error
_HEADER = struct.Struct("<30xHH14xI8xIII")  # shifts, directory, mini-FAT, DIFAT


def _check_chains(data: bytes) -> int | None:
    """Every sector chain calamine's cfb reader (`Cfb::new`, `get_stream`) follows must end
    within the file, never visit a sector twice and hold what its entry declares: calamine
    follows a chain without either check, so a chain looping back on itself makes it
    allocate until the machine runs out of memory (olefile opens such a file). Walked here
    as calamine walks them: the DIFAT chain from the header, the FAT sectors it lists, the
    directory chain, the mini-stream (the root entry's chain) and the mini-FAT chain, then
    each stream's chain (in the mini-FAT below 4,096 bytes, else in the FAT): every stream
    entry, and the first entry of each name calamine opens whatever its type. No sector
    belongs to two chains, so the walk is bounded by the file's size. Returns the index of
    the entry calamine reads the workbook from (olefile finds its stream through the
    directory's tree, calamine takes the first entry of that name: they must agree)."""
    shift, mini_shift, dir_start, mini_start, mini_len, difat_start = _HEADER.unpack_from(data)
    if shift not in (9, 12) or mini_shift != 6:
        raise UnreadableFileError(_DAMAGED_OLE)
    size = 1 << shift
    whole = len(data) // size - 1  # sectors wholly in the file (after the header's)

    def table(sectors: list[int]) -> array.array:
        entries = array.array("I", b"".join(data[(s + 1) * size : (s + 2) * size] for s in sectors))
        if sys.byteorder == "big":
            entries.byteswap()
        return entries

    fat_sectors = _fat_sectors(data, difat_start, size, whole)
    fat = table(fat_sectors[: -(-whole // (size // 4))])  # entries past the file: never used
    used = bytearray(min(whole, len(fat)))  # sectors of the chains walked so far
    directory = _chain(dir_start, fat, used, size, None)
    entries = [
        data[(sid + 1) * size + at : (sid + 1) * size + at + 128]
        for sid in directory
        for at in range(0, size, 128)
    ]
    if not entries:
        raise UnreadableFileError(_DAMAGED_OLE)
    mini_fat, mini_used = array.array("I"), bytearray()
    if mini_len:
        root_start, root_size = _entry_chain(entries[0], size)
        _chain(root_start, fat, used, size, root_size)
        mini_fat = table(_chain(mini_start, fat, used, size, mini_len * size))
        mini_used = bytearray(min(-(-root_size // _MINI_SECTOR), len(mini_fat)))
    firsts: dict[str, int] = {}  # calamine's names → the first entry of that name
    for index, entry in enumerate(entries):
        name = entry[:64].decode("utf-16-le", "replace").partition("\0")[0]
        first = name in _CALAMINE_STREAMS and name not in firsts
        if first:
            firsts[name] = index
        if entry[66] == 2 or first:  # a stream, or what calamine opens by that name (any entry)
            start, declared = _entry_chain(entry, size)
            if declared >= _MINI_CUTOFF:
                _chain(start, fat, used, size, declared)
            elif declared:
                _chain(start, mini_fat, mini_used, _MINI_SECTOR, declared)
    return next((firsts[name] for name in _CALAMINE_STREAMS if name in firsts), None)


def _fat_sectors(data: bytes, difat_start: int, size: int, whole: int) -> list[int]:
    """The FAT sectors the header and the DIFAT chain list, as calamine collects them; each
    in the file and listed once (calamine reads a sector listed twice twice)."""
    listed = [sid for sid in struct.unpack_from("<109I", data, 76) if sid < _DIFSECT]
    difat: set[int] = set()
    sid = difat_start
    while sid < _RESERVED:
        if sid >= whole or sid in difat or len(listed) > whole:
            raise UnreadableFileError(_DAMAGED_OLE)
        difat.add(sid)
        *more, sid = struct.unpack_from(f"<{size // 4}I", data, (sid + 1) * size)
        listed += [each for each in more if each < _DIFSECT]
    if len(set(listed)) < len(listed) or any(sid >= whole for sid in listed):
        raise UnreadableFileError(_DAMAGED_OLE)
    return listed


def _entry_chain(entry: bytes, sector_size: int) -> tuple[int, int]:
    """(first sector, declared size) of a directory entry, as calamine reads them (the
    size's high half only in a file of 4,096-byte sectors)."""
    start, low, high = struct.unpack_from("<III", entry, 116)
    return start, low if sector_size == 512 else low | high << 32


def _chain(
    start: int, table: array.array, used: bytearray, unit: int, length: int | None
) -> list[int]:
    """The sectors of the chain from `start` in `table` that calamine reads for `length`
    bytes (None: up to its end), each one below `len(used)` and in no chain walked before
    (marked in `used`); the chain must hold `length` bytes. `UnreadableFileError` otherwise."""
    sectors: list[int] = []
    count = min(len(used), len(table))
    sid = start
    while sid != _ENDOFCHAIN:
        if sid >= count or used[sid]:
            raise UnreadableFileError(_DAMAGED_OLE)
        used[sid] = 1
        sectors.append(sid)
        if length is not None and len(sectors) * unit >= length:
            return sectors
        sid = table[sid]
    if length:
        raise UnreadableFileError(_DAMAGED_OLE)
    return sectors


_FILE_PASS, _EOF = 0x002F, 0x000A
_RECORD_HEADER = struct.Struct("<HH")


def _has_file_pass(stream: bytes, *, biff5: bool = False) -> bool:
    """Whether an Excel 97 workbook stream is encrypted, read from the stream already in
    hand exactly as msoffcrypto's `Xls97File.is_encrypted` reads it (without opening the
    file a second time): after the BOF record, the records of the globals substream up to
    its EOF; a FilePass record there whose type is RC4 (1) or XOR (0). In an Excel 5.0/95
    stream (`biff5`) any FilePass record: its only kind, XOR, has no type field. ValueError
    for a record cut short, as msoffcrypto raises ParseError."""
    (size,) = struct.unpack_from("<H", stream, 2)
    at = min(4 + size, len(stream))
    while True:
        if at + 4 > len(stream):
            raise ValueError("incomplete BIFF record header")
        number, size = _RECORD_HEADER.unpack_from(stream, at)
        if at + 4 + size > len(stream):
            raise ValueError("incomplete BIFF record payload")
        if number == _FILE_PASS:
            if biff5:
                return True
            (kind,) = struct.unpack("<H", stream[at + 4 : at + 6])  # struct.error if cut
            return kind in (0x0000, 0x0001)
        if number == _EOF:
            return False
        at += 4 + size


# What zipfile raises on a damaged or crafted member: RuntimeError for an "encrypted" flag,
# NotImplementedError for an unknown compression method or zip version.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)


def _sniff_zip(data: bytes) -> Sniffed:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise UnreadableFileError(
            "tệp bị hỏng hoặc không trọn vẹn (có thể tải về hoặc sao chép chưa xong)"
        ) from exc
    with archive:
        members = archive.infolist()
        _check_bomb(members)
        by_key = _member_keys(members)
        parts = {}
        for key, member in by_key.items():
            if _PARSED.search(key):
                parts[member.filename] = _inflate(archive, member, data)
            elif key.endswith(_XML_SUFFIXES):
                _check_head(archive, member, data)
        if "mimetype" in parts:
            mime = parts["mimetype"].decode("ascii", "replace").strip()
            if mime == _ODS_MIME:
                if "content.xml" not in parts:
                    raise UnreadableFileError("tệp .ods bị hỏng (thiếu phần nội dung)")
                return Sniffed(kind="ods", parts=parts)
            if mime.startswith("application/vnd.oasis.opendocument"):
                raise UnreadableFileError("đây là văn bản OpenDocument, không phải bảng tính")
        if "[Content_Types].xml" not in parts:
            raise UnreadableFileError(_zip_reason(members))
        kind, workbook = _ooxml_kind(parts)
        _refuse_own_output(parts, by_key)
        sheets, styles = _ooxml_sheets(parts, workbook)
        for name in [sheet.part for sheet in sheets] + [styles]:
            member = by_key.get(_key(name)) if name else None
            if member is not None and name not in parts:
                parts[name] = parts.get(member.filename) or _inflate(archive, member, data)
        missing = next((sheet for sheet in sheets if sheet.part not in parts), None)
        if missing is not None:
            raise UnreadableFileError(f"tệp bị hỏng (thiếu dữ liệu của trang «{missing.name}»)")
        package = (
            _forward_slashes(archive, parts)
            if _BACKSLASH_TARGET.search(
                b"".join(xml for name, xml in parts.items() if name.endswith(".rels"))
            )
            else b""
        )
    return Sniffed(kind=kind, parts=parts, sheets=sheets, styles=styles, package=package)


_BACKSLASH_TARGET = re.compile(rb"""\bTarget\s*=\s*["'][^"']*\\""")


def _forward_slashes(archive: zipfile.ZipFile, parts: dict[str, bytes]) -> bytes:
    """A copy of the package whose relationship targets use "/" where they were written
    with "\\" (as some Windows programs write them, and Excel reads them; calamine finds no
    sheet there). Only for such a package, whose sizes are already checked."""
    copy = io.BytesIO()
    with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as target:
        for member in archive.infolist():
            content = parts.get(member.filename)
            if content is None:
                try:
                    content = archive.read(member)
                except _ZIP_ERRORS as exc:
                    raise UnreadableFileError(
                        f"tệp bị hỏng (phần «{member.filename}» không giải nén được)"
                    ) from exc
            if member.filename.lower().endswith(".rels"):
                content = _BACKSLASH_TARGET.sub(lambda m: m[0].replace(b"\\", b"/"), content)
            target.writestr(member.filename, content)
    return copy.getvalue()


_SPREADSHEET_MEMBER = re.compile(r"\.(xlsx|xlsm|xls|ods)$", re.IGNORECASE)


def _zip_reason(members: list[zipfile.ZipInfo]) -> str:
    """Why a plain zip is refused, naming the spreadsheets it holds (a workbook sent zipped,
    or a zip renamed .xlsx): they are to be taken out and sent, or put in the inbox."""
    names = [m.filename.replace("\\", "/").rsplit("/", 1)[-1] for m in members]
    inside = [name for name in names if _SPREADSHEET_MEMBER.search(name)]
    if not inside:
        return "đây là tệp nén .zip, không phải bảng tính Excel"
    listed = first_of([f"«{shown(name, 60)}»" for name in inside], 3, "tệp")
    return f"đây là tệp nén .zip chứa bảng tính {listed}: hãy giải nén rồi dùng tệp trong đó"


def _key(name: str) -> str:
    """A member name as calamine looks it up: "/" for "\\", letter case ignored."""
    return name.replace("\\", "/").lower()


def _member_keys(members: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """The members by `_key`. Two members with one key are refused: calamine would read one
    of them and the checks here might have looked at the other."""
    by_key: dict[str, zipfile.ZipInfo] = {}
    for member in members:
        key = _key(member.filename)
        if key in by_key:
            raise UnreadableFileError(
                f"tệp bị hỏng (hai phần cùng tên «{member.filename}», nghi tệp độc hại)"
            )
        by_key[key] = member
    return by_key


_NS_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_NS_DCTERMS = "http://purl.org/dc/terms/"


def _refuse_own_output(parts: dict[str, bytes], by_key: dict[str, zipfile.ZipInfo]) -> None:
    """Raise `OwnOutputError` for a workbook ntm-excel wrote and nobody saved since (see
    `ntm_excel.atomic`): a master or a feedback copy found among the submissions."""
    custom = by_key.get("docprops/custom.xml")
    core = by_key.get("docprops/core.xml")
    if custom is None or core is None:
        return
    try:
        properties = ElementTree.fromstring(parts[custom.filename])
        modified = ElementTree.fromstring(parts[core.filename]).find(f"{{{_NS_DCTERMS}}}modified")
        written = datetime.fromisoformat((modified.text or "").strip().rstrip("Z"))
    except (ElementTree.ParseError, AttributeError, LookupError, ValueError):
        return  # no usable mark: read as a submission
    for prop in properties.iter(f"{{{_NS_CUSTOM}}}property"):
        if prop.get("name") == OUTPUT_PROPERTY:
            kind = marked_kind("".join(prop.itertext()), written)
            if kind:
                raise OwnOutputError(kind)


def _check_head(archive: zipfile.ZipFile, member: zipfile.ZipInfo, data: bytes) -> None:
    """An XML part no reader here parses in full: its prolog must not declare entities."""
    head = _inflate_plain(member, data, HEAD_BYTES)
    if head is None:
        try:
            with archive.open(member) as stream:
                head = stream.read(HEAD_BYTES)
        except _ZIP_ERRORS as exc:
            raise UnreadableFileError(
                f"tệp bị hỏng (phần «{member.filename}» không giải nén được)"
            ) from exc
    _check_xml(member.filename, head)


# The first bytes of the binary parts a package may hold (images, embedded files), which no
# XML parser reads.
_BINARY_HEADS = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"\x01\x00\x00\x00",  # EMF
    b"\xd7\xcd\xc6\x9a",  # WMF
    OLE2_MAGIC,
    b"PK\x03\x04",
    b"%PDF",
)


def markup_size(data: bytes) -> int:
    """The inflated size, as the zip directory declares it, of the members of a package
    that an XML parser may read: every member but those beginning as an image or an
    embedded file does, whatever its name (a worksheet part need not end in ".xml": one
    named ".bin" is read like any other). zipfile never yields more than declared."""
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            head = _inflate_plain(member, data, 8)
            if head is None:
                try:
                    with archive.open(member) as stream:
                        head = stream.read(8)
                except _ZIP_ERRORS:
                    head = b""
            if not head.startswith(_BINARY_HEADS):
                total += member.file_size
    return total


def _check_bomb(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise UnreadableFileError(f"tệp chứa quá nhiều phần ({len(members)}), nghi tệp độc hại")
    total = sum(m.file_size for m in members)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise UnreadableFileError(
            f"tệp giải nén ra tới {total // (1024 * 1024)} MB, vượt giới hạn "
            f"{MAX_TOTAL_UNCOMPRESSED // (1024 * 1024)} MB (nghi tệp độc hại)"
        )
    for member in members:
        if member.file_size > RATIO_FLOOR and (
            member.compress_size == 0 or member.file_size / member.compress_size > MAX_RATIO
        ):
            raise UnreadableFileError(
                f"phần «{member.filename}» nén bất thường (tỉ lệ nén quá cao, nghi tệp độc hại)"
            )


def _inflate(archive: zipfile.ZipFile, member: zipfile.ZipInfo, data: bytes) -> bytes:
    """A member's bytes, never more than declared (or the part cap); CRC and XML checked."""
    limit = min(member.file_size, MAX_XML_PART)
    content = _inflate_plain(member, data)
    if content is None:
        content = _inflate_checked(archive, member, limit)
    if member.file_size > limit:
        raise UnreadableFileError(f"phần «{member.filename}» lớn bất thường")
    _check_xml(member.filename, content)
    if _SHARED_STRINGS.search(_key(member.filename)):
        _check_unique_count(member.filename, content)
    return content


_LOCAL_HEADER = struct.Struct("<4s2xH18xHH")  # signature, flags, name and extra field lengths
_UNSUPPORTED_FLAGS = 0x61  # encrypted, compressed patched data, strong encryption


def _inflate_plain(member: zipfile.ZipInfo, data: bytes, head: int = 0) -> bytes | None:
    """The member inflated straight from the file's bytes when nothing about it is unusual
    (stored or deflated, not encrypted, local header consistent, whole and CRC right,
    within the part cap), which spares zipfile's per-member stream objects; None
    otherwise, and `_inflate_checked` reads it (and words any error) as zipfile does.
    With `head`, only the first `head` bytes of a longer member, as zipfile's
    `read(head)` gives them (its CRC is checked only when the member is read whole)."""
    if (
        member.flag_bits & _UNSUPPORTED_FLAGS
        or member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        or member.file_size > MAX_XML_PART
    ):
        return None
    offset = member.header_offset
    try:
        signature, flags, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, offset)
    except struct.error:
        return None
    name_start = offset + _LOCAL_HEADER.size
    encoding = "utf-8" if flags & 0x800 else "cp437"  # as zipfile reads the local name
    try:
        name = member.orig_filename.encode(encoding)
    except UnicodeEncodeError:
        return None
    if signature != b"PK\x03\x04" or data[name_start : name_start + name_length] != name:
        return None
    start = name_start + name_length + extra_length
    raw = data[start : start + member.compress_size]
    size = head if 0 < head < member.file_size else member.file_size
    if member.compress_type == zipfile.ZIP_STORED:
        content = raw[:size]
    else:
        try:
            content = zlib.decompressobj(-15).decompress(raw, size + (size == member.file_size))
        except zlib.error:
            return None
    if len(content) != size or (size == member.file_size and zlib.crc32(content) != member.CRC):
        return None
    return content


def _inflate_checked(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> bytes:
    try:
        with archive.open(member) as stream:
            content = stream.read(limit + 1)
            if len(content) > limit:
                raise UnreadableFileError(f"phần «{member.filename}» lớn bất thường")
    except _ZIP_ERRORS as exc:
        raise UnreadableFileError(
            f"tệp bị hỏng (phần «{member.filename}» không giải nén được)"
        ) from exc
    return content


def _check_unique_count(name: str, content: bytes) -> None:
    """A count of shared strings (`uniqueCount`, however written) larger than the part itself
    is a lie that makes calamine reserve terabytes and abort the process. (The total `count`
    is not used to size anything and may exceed the part: it is left alone.)"""
    if largest_number(attribute_values(content, b"uniqueCount")) > len(content):
        raise UnreadableFileError(f"tệp bị hỏng (phần «{name}» khai báo số phần tử sai)")


def _check_xml(name: str, content: bytes) -> None:
    head = content[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = content.decode("utf-16", "replace").encode("utf-8", "replace")
    else:
        text = content
    if any(marker in text for marker in _DANGEROUS):
        raise UnreadableFileError(
            f"phần «{name}» khai báo DOCTYPE/ENTITY (có thể là tệp độc hại), không mở"
        )


def _xml(content: bytes | None, name: str) -> ElementTree.Element:
    if content is None:
        raise UnreadableFileError(f"tệp bị hỏng (thiếu phần «{name}»)")
    try:
        return ElementTree.fromstring(content)
    except (ElementTree.ParseError, LookupError, ValueError) as exc:  # LookupError: encoding
        raise UnreadableFileError(f"tệp bị hỏng (phần «{name}» sai cấu trúc)") from exc


def _ooxml_kind(parts: dict[str, bytes]) -> tuple[str, str]:
    """(kind, workbook part) from the content types and the package relationships."""
    kind, workbook = _declared_kind(parts.get("[Content_Types].xml"), parts.get("_rels/.rels"))
    if kind:
        return kind, workbook
    if workbook in parts:
        return "xlsx", workbook
    raise UnreadableFileError("tệp bị hỏng (không có phần bảng tính)")


# The package parts read below are the same bytes in every file made from one template:
# what they say is remembered for the process (an error is raised again, never remembered).
@functools.lru_cache(maxsize=256)
def _declared_kind(types_xml: bytes | None, rels_xml: bytes | None) -> tuple[str, str]:
    """(kind, or "" when the content types do not say; workbook part)."""
    types = _xml(types_xml, "[Content_Types].xml")
    overrides = {
        o.get("PartName", "").lstrip("/"): o.get("ContentType", "")
        for o in types.iter(f"{{{_NS_CT}}}Override")
    }
    workbook = ""
    if rels_xml is not None:
        for rel in _xml(rels_xml, "_rels/.rels").iter(f"{{{_NS_PKG_REL}}}Relationship"):
            if rel.get("Type") in _OFFICE_DOCUMENT:
                workbook = rel.get("Target", "").replace("\\", "/").lstrip("/")
    workbook = workbook or "xl/workbook.xml"
    content_type = overrides.get(workbook, "")
    if content_type in (_CT_XLSX, _CT_XLTX):
        return "xlsx", workbook
    if content_type in (_CT_XLSM, _CT_XLTM):
        return "xlsm", workbook
    if content_type == _CT_XLSB:
        raise UnreadableFileError("định dạng .xlsb chưa được hỗ trợ; hãy lưu lại dạng .xlsx")
    if "wordprocessingml" in content_type or "word/document.xml" in overrides:
        raise UnreadableFileError("đây là tệp Word (.docx), không phải bảng tính Excel")
    if "presentationml" in content_type or "ppt/presentation.xml" in overrides:
        raise UnreadableFileError("đây là tệp PowerPoint, không phải bảng tính Excel")
    return "", workbook


def _ooxml_sheets(parts: dict[str, bytes], workbook: str) -> tuple[tuple[SheetPart, ...], str]:
    """The worksheets the workbook declares (each one's part must exist) and the styles part."""
    base = posixpath.dirname(workbook)
    rels_name = posixpath.join(base, "_rels", posixpath.basename(workbook) + ".rels")
    return _declared_sheets(workbook, rels_name, parts.get(rels_name), parts.get(workbook))


@functools.lru_cache(maxsize=256)
def _declared_sheets(
    workbook: str, rels_name: str, rels_xml: bytes | None, workbook_xml: bytes | None
) -> tuple[tuple[SheetPart, ...], str]:
    """What the workbook part and its relationships declare (see `_ooxml_sheets`)."""
    base = posixpath.dirname(workbook)
    targets = {}
    styles = ""
    if rels_xml is not None:
        for rel in _xml(rels_xml, rels_name).iter(f"{{{_NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "").replace("\\", "/")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
            targets[rel.get("Id")] = posixpath.normpath(path)
            if rel.get("Type", "").endswith("/styles"):
                styles = posixpath.normpath(path)
    sheets = []
    names: set[str] = set()
    parts: set[str] = set()
    root = _xml(workbook_xml, workbook)
    for ns in _NS_MAIN:
        for sheet in root.iter(f"{{{ns}}}sheet"):
            name = sheet.get("name", "")
            if name in names:  # a sheet is read by its name: which one would be read?
                raise UnreadableFileError(f"tệp bị hỏng (hai trang tính cùng tên «{name}»)")
            names.add(name)
            rel_id = next((sheet.get(f"{{{r}}}id") for r in _NS_REL if sheet.get(f"{{{r}}}id")), "")
            part = targets.get(rel_id, "")
            if not part:
                raise UnreadableFileError(f"tệp bị hỏng (trang «{name}» không trỏ tới dữ liệu)")
            if _key(part) in parts:  # calamine would read it again for each: refused
                raise UnreadableFileError(
                    f"tệp bị hỏng (trang «{name}» trỏ tới dữ liệu của một trang khác)"
                )
            parts.add(_key(part))
            if _is_chartsheet(part):
                continue
            hidden = sheet.get("state", "visible") in ("hidden", "veryHidden")
            sheets.append(SheetPart(name=name, part=part, hidden=hidden))
    if not sheets:
        raise UnreadableFileError("tệp không có trang tính nào")
    return tuple(sheets), styles


def _is_chartsheet(part: str) -> bool:
    return bool(re.search(r"(^|/)(chartsheets|dialogsheets|macrosheets)/", part))
