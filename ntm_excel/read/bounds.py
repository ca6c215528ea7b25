"""Where a sheet's cells really are, found the way calamine will find them, before it does.

calamine sizes its memory from what a file says: a range as large as the span of the cells'
addresses (`<c r="XFD1048576">`, or a cell without an address placed after the one before,
on a row `<row r="…">`), and the shared strings it reserves room for (`uniqueCount`). A file
that lies makes it ask for hundreds of gigabytes and abort the process, which no `except`
catches. So every address calamine will read must be seen here first, in every form XML
allows (a tab or a newline before an attribute, single quotes, spaces around "=", a
namespace prefix, lower-case column letters) and with calamine's own arithmetic.

Text is counted the same way before calamine builds it (`TextBudget`): one string stored once
may fill many cells, each with its own copy (a shared string referenced by every cell of an
.xlsx or .xls, an .ods cell repeated over rows and columns, `<text:s text:c="…"/>` spaces), so
a file of a few hundred bytes could ask for gigabytes.

A sheet written by a spreadsheet program has one plain form (every cell `<c r="B7" …>`):
it is recognised by counting, which is fast and sound: when every text calamine could take
for a cell is such a tag and no other attribute "r" exists, the cells are at those
addresses. Any other sheet is walked with an XML parser (expat) and calamine's state machine is
replayed: the cells of the `sheetData`, rows and cells with or without addresses. A sheet
that is not well-formed XML, or whose `sheetData` holds something else than rows of cells,
is refused rather than guessed. Before any of this, a sheet that may hold more cells than
any form could (`MAX_CELLS`, counted as text) is refused: walking millions takes seconds.
"""

from __future__ import annotations

import re
from xml.parsers import expat

from ntm_excel.errors import UnreadableFileError
from ntm_excel.text import thousands

Extent = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based)

MAX_TEXT = 50_000_000  # characters of cell text one file may make (Excel: 32,767 in a cell)
TOO_MUCH_TEXT = (
    "tệp tạo ra quá nhiều chữ khi mở (trên 50 triệu ký tự: một đoạn chữ được dùng lại ở rất "
    "nhiều ô), nghi tệp hỏng hoặc độc hại"
)
MAX_MERGES = 100_000  # merged ranges one worksheet may declare (a form has a few hundred)
MAX_CELLS = 500_000  # cells one worksheet part may hold (a form's 5,000 × 60 cap: 300,000)
_QUICK_TEXT = 1_000_000  # below this bound, the text of a sheet's shared strings is not summed

_U32 = 0xFFFFFFFF
# a cell tag as calamine's reader may see one, with its address when written plainly
# (`<c r="B7"`; ("", "") otherwise)
_CELL_TAG = re.compile(rb'<c(?=[\s/>])(?: r="([A-Z]{1,3})([1-9][0-9]{0,6})")?')
# a cell tag as `_CELL_TAG` finds it, but for one with a plain address of at most two
# letters and three digits (`<c r="ZZ999"`)
_NOT_SMALL_CELL_TAG = re.compile(rb'<c(?=[\s/>])(?! r="[A-Z]{1,2}[1-9][0-9]{0,2}")')
_PREFIXED_CELL_TAG = re.compile(rb":c[\s/>]")  # a cell tag with a namespace prefix
_R_ATTRIBUTE = re.compile(rb"r\s*=")  # the attribute "r" when a space or a quote precedes
_BEFORE_ATTRIBUTE = frozenset(b" \t\n\r\f\v\"'")
# Counted by the regex engine on a copy where each white space is " " and each quote '"'
# (white space stays white space and a quote stays no white space, so `r\s*=` matches
# where it did): the matches that " " or '"' precede, which literal prefixes find fast.
_ONE_SPACE_ONE_QUOTE = bytes.maketrans(b"\t\n\r\f\v'", b'     "')
_R_AFTER_SPACE = re.compile(rb" r\s*=")
_R_AFTER_QUOTE = re.compile(rb'"r\s*=')


def calamine_ref(text: bytes) -> tuple[int, int | None]:
    """(row, column or None) of an address as calamine reads it: letters (either case) then
    digits, 1-based, in 32-bit arithmetic that wraps; ValueError where calamine fails."""
    row = col = 0
    index, size = 0, len(text)
    while index < size and not 48 <= text[index] <= 57:
        byte = text[index] | 0x20  # lower case
        if not 97 <= byte <= 122:
            raise ValueError(text)
        col = (col * 26 + byte - 96) & _U32
        index += 1
    if index == size:
        raise ValueError(text)  # no row
    for byte in text[index:]:
        if not 48 <= byte <= 57:
            raise ValueError(text)
        row = (row * 10 + byte - 48) & _U32
    if row == 0:
        raise ValueError(text)
    return row - 1, (col - 1 if col else None)


def ooxml_extent(xml: bytes, sheet: str) -> Extent | None:
    """The span of the cells calamine will read from a worksheet part (blank cells count:
    an upper bound), None when it has none. Raises `UnreadableFileError` for a part that
    cannot be read as calamine would read it."""
    plain = _plain_extent(xml)
    if plain is not False:
        return plain
    return _parsed_extent(xml, sheet)


def check_ooxml_merges(xml: bytes, sheet: str) -> None:
    """Refuse a worksheet part that declares more than `MAX_MERGES` merged ranges (counted
    by their tag's name, in whatever form it is written): calamine reads every one, and a
    million took four seconds and 300 MB."""
    # each name counted takes nine bytes of its own: a smaller part is not counted
    if len(xml) > 9 * MAX_MERGES and xml.count(b"mergeCell") > MAX_MERGES + 2:  # + «mergeCells»
        merges = thousands(MAX_MERGES)
        raise UnreadableFileError(
            f"trang «{sheet}» gộp ô ở hơn {merges} vùng, quá nhiều so với một biểu tự đánh "
            "giá (nghi tệp hỏng hoặc độc hại)"
        )


def too_many_ooxml_cells(xml: bytes) -> bool:
    """Whether a worksheet part may hold more than `MAX_CELLS` cells, counted before any
    parsing as the texts that may start one (`<c`, or `:c` after a prefix; other tags and
    attributes so written only add to the count): finding where 2.5 million cells lie, then
    reading them, took 6 to 16 seconds and up to a gigabyte."""
    # each text counted takes two bytes of its own: a smaller part is not counted
    return len(xml) > 2 * MAX_CELLS and xml.count(b"<c") + xml.count(b":c") > MAX_CELLS


def too_many_cells(sheet: str | None) -> UnreadableFileError:
    """The refusal of a sheet (None: of the file's sheets together) of more than
    `MAX_CELLS` cells."""
    where = f"trang «{sheet}»" if sheet is not None else "các trang tính"
    return UnreadableFileError(
        f"{where} có hơn {_most_cells()} ô, quá nhiều so với một biểu tự đánh giá "
        "(nghi tệp hỏng hoặc độc hại)"
    )


def sheet_left_unread(sheet: str) -> str:
    """The note on a sheet of more than `MAX_CELLS` cells that is not read, the workbook's
    other sheets being read."""
    return f"trang «{sheet}» có hơn {_most_cells()} ô nên không được đọc"


def _most_cells() -> str:
    return thousands(MAX_CELLS)


def ooxml_small(xml: bytes) -> bool:
    """Whether the cells calamine will read from a worksheet part all lie in its first 999
    rows and 702 columns (A to ZZ), a range far below any cap: the plain form of
    `_plain_extent`, every address of at most two letters and three digits. Told by a few
    scans of the part, without an object per cell as the exact extent needs."""
    if _NOT_SMALL_CELL_TAG.search(xml) or _PREFIXED_CELL_TAG.search(xml):
        return False
    return _r_attributes(xml) == xml.count(b'<c r="') + xml.count(b'<row r="')


def _plain_extent(xml: bytes) -> Extent | None | bool:
    """The extent of a sheet in the plain form; False when the sheet is in another form.

    The form: every text that calamine's reader could take for the start of a cell (`<c`,
    or `:c` after a prefix, then a space, "/" or ">") is a cell written `<c r="B7"` with
    a plain address, and no attribute named r appears anywhere else than there and in
    `<row r="`. Then every cell calamine reads is at one of these addresses, whatever
    else the part holds (comments, quotes, cells outside `sheetData` only add addresses).
    """
    plain = _CELL_TAG.findall(xml)
    if (b"", b"") in plain or _PREFIXED_CELL_TAG.search(xml):
        return False
    attributes = _r_attributes(xml)
    if attributes != len(plain) + xml.count(b'<row r="'):
        return False
    if not plain:
        return None
    letters, numbers = zip(*plain, strict=True)
    rows = [int(number) for number in set(numbers)]
    cols = [calamine_ref(column + b"1")[1] for column in set(letters)]
    return min(rows) - 1, min(cols), max(rows) - 1, max(cols)


def _r_attributes(xml: bytes) -> int:
    """How many «r», white space, «=» follow a space or a quote (the part's first byte has
    its last byte before it, as `xml[-1]` gives)."""
    same = xml.translate(_ONE_SPACE_ONE_QUOTE)
    found = len(_R_AFTER_SPACE.findall(same)) + len(_R_AFTER_QUOTE.findall(same))
    if _R_ATTRIBUTE.match(xml) and xml[-1] in _BEFORE_ATTRIBUTE:
        found += 1
    return found


def _local(name: str) -> str:
    """An element's local name as calamine's XML reader gives it: after the first colon."""
    return name.split(":", 1)[1] if ":" in name else name


class _Replay:
    """calamine's reading of a `sheetData`, replayed over expat's events."""

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.stack: list[str] = []  # local names of the open elements inside sheetData
        self.inside = self.done = False
        self.row = self.col = 0
        self.first_row = self.first_col = _U32
        self.last_row = self.last_col = -1

    def refuse(self, what: str) -> UnreadableFileError:
        return UnreadableFileError(f"tệp bị hỏng (trang «{self.sheet}»: {what})")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if self.done:
            return
        if not self.inside:
            self.inside = local == "sheetData"
            return
        parent = self.stack[-1] if self.stack else "sheetData"
        if local in ("row", "c", "sheetData") or parent in ("sheetData", "row"):
            expected = {"sheetData": "row", "row": "c"}.get(parent)
            if local != expected:
                raise self.refuse(f"thẻ «{name}» đặt sai chỗ")
        self.stack.append(local)
        if local == "row":
            if "r" in attrs:
                self.row = self.address(attrs["r"])[0]
        elif local == "c":
            if "r" in attrs:
                row, col = self.address(attrs["r"])
                if col is None:
                    raise self.refuse(f"địa chỉ ô «{attrs['r']}» thiếu cột")
                self.col = col
            else:
                row, col = self.row, self.col
            self.first_row, self.first_col = min(self.first_row, row), min(self.first_col, col)
            self.last_row, self.last_col = max(self.last_row, row), max(self.last_col, col)
            self.col = (self.col + 1) & _U32

    def end(self, name: str) -> None:
        if not self.inside or self.done:
            return
        if not self.stack:  # the end of sheetData: calamine reads no further
            self.done = True
            return
        if self.stack.pop() == "row":
            self.row, self.col = (self.row + 1) & _U32, 0

    def address(self, text: str) -> tuple[int, int | None]:
        try:
            return calamine_ref(text.encode("utf-8"))
        except ValueError:
            raise self.refuse(f"địa chỉ ô «{text}» không hợp lệ") from None

    def extent(self) -> Extent | None:
        if self.last_row < 0:
            return None
        return self.first_row, self.first_col, self.last_row, self.last_col


def _parsed_extent(xml: bytes, sheet: str) -> Extent | None:
    replay = _Replay(sheet)
    parser = expat.ParserCreate()
    parser.StartElementHandler = replay.start
    parser.EndElementHandler = replay.end
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        raise replay.refuse("nội dung XML sai cấu trúc") from exc
    return replay.extent()


def attribute_values(content: bytes, name: bytes) -> list[bytes]:
    """Every value that an attribute called `name` may have in `content`, in any form XML or a
    lenient reader allows (either quote, spaces around "=", any prefix); found as text, so
    that a value inside a comment or another attribute is included too: an upper bound."""
    pattern = _ATTRIBUTE_PATTERNS.get(name)
    if pattern is None:
        pattern = _ATTRIBUTE_PATTERNS[name] = re.compile(
            re.escape(name) + rb"[ \t\r\n\f]*=[ \t\r\n\f]*(?=\"([^\"]*)|'([^']*))"
        )
    return [double or single for double, single in pattern.findall(content)]


_ATTRIBUTE_PATTERNS: dict[bytes, re.Pattern] = {}


def largest_number(values: list[bytes]) -> int:
    """The largest run of digits in any of `values` (0 when there is none)."""
    return max((int(run) for value in values for run in re.findall(rb"\d+", value)), default=0)


class TextBudget:
    """The characters of cell text that calamine will build from one file, spent before it
    builds them; `UnreadableFileError` when the file would make more than `limit`."""

    def __init__(self, limit: int = MAX_TEXT) -> None:
        self.left = limit

    def spend(self, characters: int) -> None:
        self.left -= characters
        if self.left < 0:
            raise UnreadableFileError(TOO_MUCH_TEXT)


def shared_string_sizes(xml: bytes) -> list[int] | None:
    """An upper bound of the characters of each shared string of a sharedStrings part, in
    order: the bytes its `<si>` element spans. None when the strings cannot be counted as
    calamine counts them (not well-formed XML, a string inside a string)."""
    sizes: list[int] = []
    opened: list[int] = []
    nested = False
    parser = expat.ParserCreate()

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal nested
        if _local(name) == "si":
            nested = nested or bool(opened)
            opened.append(parser.CurrentByteIndex)

    def end(name: str) -> None:
        if _local(name) == "si" and opened:
            sizes.append(parser.CurrentByteIndex - opened.pop())

    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        parser.Parse(xml, True)
    except expat.ExpatError:
        return None
    return None if nested else sizes


def shared_cells(xml: bytes) -> int:
    """An upper bound of the cells of a worksheet part that refer to a shared string
    (`t="s"`, in any form XML allows)."""
    return len(_SHARED_TYPE.findall(xml))  # the values `attribute_values` finds equal to "s"


_SHARED_TYPE = re.compile(rb"""t[ \t\r\n\f]*=[ \t\r\n\f]*(?="s(?:"|\Z)|'s(?:'|\Z))""")


def shared_text(xml: bytes, cells: int, sizes: list[int] | None, largest: int) -> int:
    """An upper bound of the characters that the `cells` shared-string cells of the worksheet
    part `xml` make, each given its own copy of its string. `sizes`: the strings' sizes
    (`shared_string_sizes`), or None with `largest` a bound of any string's size."""
    if sizes is not None:
        largest = max(sizes, default=0)
    if sizes is None or cells * largest <= _QUICK_TEXT:
        return cells * largest
    summed = _referenced_text(xml, sizes)
    return cells * largest if summed is None else summed


def _referenced_text(xml: bytes, sizes: list[int]) -> int | None:
    """The sizes of the shared strings the cells of `xml` refer to, summed; None when the
    part is not well-formed XML."""
    total = 0
    shared = reading = False
    value: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal shared, reading
        local = _local(name)
        if local == "c":
            shared = attrs.get("t") == "s"
        elif local == "v" and shared:
            reading = True
            value.clear()

    def end(name: str) -> None:
        nonlocal total, reading
        if reading and _local(name) == "v":
            reading = False
            text = "".join(value).strip()
            index = int(text) if text.isdecimal() else -1
            total += sizes[index] if 0 <= index < len(sizes) else max(sizes, default=0)

    def data(text: str) -> None:
        if reading:
            value.append(text)

    parser = expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = data
    try:
        parser.Parse(xml, True)
    except expat.ExpatError:
        return None
    return total
