"""Feedback workbooks written by editing the commune's own package (zip of XML parts).

openpyxl loads a whole workbook into objects and writes it all again (about 35 ms a file);
here only the parts that change are parsed and rewritten, the others are copied as they are
(compressed bytes and all): the marked sheets (a fill and a comment per problem cell), the
styles, the workbook and its relationships, the content types and the document properties,
plus the two sheets we add («Góp ý», «Cách đọc biểu»), written directly as XML.

Parts are parsed with lxml, which keeps the namespace prefixes of what it rewrites (Excel's
`mc:Ignorable` names prefixes; xml.etree renames them and breaks it), with entities, DTDs,
the network and huge trees refused; the reader's checks (`read.sniff`) have already refused
any part declaring a DOCTYPE or an entity. A marked sheet's rows, most of its XML, are not
parsed into a tree: the sheet is checked well-formed (expat), the rest of it parsed, and the
rows marked are edited in the bytes where they stand. A package this module does not fully
understand (strict or prefixed namespaces, a marked sheet holding comments or a VML drawing
already, or XML comments, CDATA, namespace declarations or prefixed rows and cells among its
rows, a sheet of ours already present, rows or cells without addresses) raises
`Unsupported`, and the caller uses openpyxl instead.

`Package.new` makes a workbook holding only the added sheets (for .xls, .ods and files too
large to copy).
"""

from __future__ import annotations

import bisect
import copy
import functools
import io
import itertools
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from isal import isal_zlib
from lxml import etree
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
    range_boundaries,
)
from openpyxl.utils.exceptions import CellCoordinatesException

from ntm_excel.atomic import OUTPUT_PROPERTY, output_marker
from ntm_excel.errors import NtmError
from ntm_excel.read.sniff import Sniffed
from ntm_excel.styles import FONT_NAME, cell_text, ooxml_text, wrapped_lines
from ntm_excel.text import memoised_text

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
DCTERMS = "http://purl.org/dc/terms/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_T = f"{REL}/"  # relationship types
_CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_CT_CUSTOM = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
_CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
_VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
_CT_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MACRO_TYPES = ("vbaproject", "macrosheet", "macroenabled")  # in a content type, lower case
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
LINE_POINTS = 15  # height of a line of 11-point text
MAX_ROW, MAX_COLUMN = 1_048_576, 16_384

# Worksheet children that come after <legacyDrawing> (ECMA-376 CT_Worksheet order).
_AFTER_LEGACY = {
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
}
# Workbook children that come before <definedNames> and after <sheets>.
_BEFORE_NAMES = ("sheets", "functionGroups", "externalReferences")

# the parser of every part read: no entity expanded, no DTD loaded, nothing fetched, no huge tree
XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")  # no XML character (a surrogate: a file
# name the file system gave undecodable bytes)


class Unsupported(NtmError):
    """A package this module does not edit; the caller falls back to openpyxl."""


@dataclass(frozen=True)
class Listing:
    """A sheet we add: a title and a note (rows 1–2, merged across), the header row (4) of
    `columns` (heading, width) and `rows` from row 5: (values, style per cell, height).
    A style is "plain", "link", "code" or a `Severity`; `links` maps (row, column) to a
    location. A `first` sheet goes before the workbook's own sheets, selected and active:
    it is what opens and what prints first."""

    name: str
    title: str
    note: str
    columns: tuple[tuple[str, float], ...]
    rows: list[tuple[tuple[object, ...], tuple[object, ...], float]]
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    first: bool = False

    def heights(self) -> tuple[float, float, float]:
        """The heights of the title, note and header rows."""
        total = sum(width for _, width in self.columns)
        note = LINE_POINTS * wrapped_lines(self.note, total) + 4
        header = LINE_POINTS * max(wrapped_lines(h, w) for h, w in self.columns) + 5
        return 22, note, header


@dataclass(frozen=True)
class Look:
    """The fonts and fills of the added sheets, by style name (RGB colours, no "#")."""

    fonts: dict[object, tuple[float, bool, str, bool]]  # size, bold, colour, underlined
    fills: dict[object, str]
    centred: frozenset[object]


@memoised_text  # headings, labels and reading notes come back in every workbook
def text_xml(text: str) -> str:
    """Text as the content of an XML element: shown as typed (`ooxml_text`), escaped."""
    text = _NOT_XML.sub("\ufffd", ooxml_text(text))
    return escape(text.replace("\r", "_x000D_") if "\r" in text else text)  # XML reads \r as \n


def parse_part(data: bytes, tag: str, name: str) -> etree._Element:
    """A part's root, which must be `tag` in the default namespace (no prefix)."""
    try:
        root = etree.fromstring(data, XML_PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Unsupported(f"{name}: {exc}") from exc
    if root.tag != tag or root.prefix is not None:
        raise Unsupported(f"{name}: {root.tag}")
    return root


_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def part_xml(root: etree._Element) -> bytes:
    """A part's bytes: UTF-8, with the standalone declaration Excel writes."""
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def rels_name(part: str) -> str:
    """The name of the relationships part of `part` (`xl/_rels/workbook.xml.rels`)."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def rel_target(base: str, rel: etree._Element) -> str:
    """The part a relationship of `base` points to, as a name in the package ("" for one
    that points outside it)."""
    target = rel.get("Target", "")
    if rel.get("TargetMode") == "External":
        return ""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _cell_index(address: str) -> tuple[int, int] | None:
    """(row, column) of a cell address, None when it is not one."""
    try:
        letters, row = coordinate_from_string(address)
        column = column_index_from_string(letters)
    except (ValueError, CellCoordinatesException):
        return None
    return (row, column) if 1 <= row <= MAX_ROW and 1 <= column <= MAX_COLUMN else None


def _address(ref: str | None, name: str) -> tuple[int, int]:
    found = _cell_index(ref or "")
    if found is None:
        raise Unsupported(f"{name}: a row or cell without an address")
    return found


def _style_number(text: str | None, name: str) -> int:
    """A cell's, row's or column's style number (0 when none is given)."""
    if text is None:
        return 0
    if not (text.strip().isascii() and text.strip().isdecimal()):
        raise Unsupported(f"{name}: a style «{text}» that is not a number")
    return int(text)


def _row_number(text: str | None, name: str) -> int:
    if not (text and text.isascii() and text.isdecimal()) or not 1 <= int(text) <= MAX_ROW:
        raise Unsupported(f"{name}: a row without a number")
    return int(text)


# Start tags found in the bytes of a worksheet: the name, then its attributes (group 1, each
# value quoted: a ">" may stand in one) and "/" when the element is empty (group 2).
_ATTRIBUTES = rb"((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>"
_ATTRIBUTE = re.compile(rb"\s+([^\s=/>]+)\s*=\s*(\"[^\"]*\"|'[^']*')")
_SHEET_DATA = re.compile(rb"<sheetData" + _ATTRIBUTES)
_SHEET_DATA_END = re.compile(rb"</sheetData\s*>")
_ROW_TAG = re.compile(rb"<row" + _ATTRIBUTES)
_ROW_END = re.compile(rb"</row\s*>")
_ROW_NUMBER = re.compile(rb'<row r="([1-9][0-9]{0,6})"[\s/>]')
_CELL_TAG = re.compile(rb"<c" + _ATTRIBUTES)
_PREFIXED = re.compile(rb":(?:row|c)[\s/>]")  # a row or cell with a namespace prefix
_ENCODING = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([^\"']*)")
_ROWS_HERE = b"<!--ntm-excel: rows-->"  # where a marked sheet's rows go back


def _check_well_formed(data: bytes, name: str) -> None:
    """Raise `Unsupported` unless `data` is well-formed XML with its namespaces declared."""
    try:
        expat.ParserCreate(namespace_separator=" ").Parse(data, True)
    except expat.ExpatError as exc:
        raise Unsupported(f"{name}: {exc}") from exc


class _Tag:
    """A start tag (`_ROW_TAG`, `_CELL_TAG`) as found: its attributes, values as written."""

    def __init__(self, name: bytes, found: re.Match) -> None:
        self.name = name
        self.attributes = dict(_ATTRIBUTE.findall(found[1]))  # name → quoted value
        self.empty = bool(found[2])

    def get(self, name: bytes) -> str | None:
        quoted = self.attributes.get(name)
        if quoted is None:
            return None
        if b"&" in quoted:
            raise Unsupported("a character reference in a row or cell attribute")
        return quoted[1:-1].decode("utf-8").translate(_SPACES)  # as a parser reads it

    def set(self, name: bytes, value: str) -> None:
        self.attributes[name] = b'"' + value.encode("ascii") + b'"'

    def xml(self) -> bytes:
        attributes = b"".join(
            b" " + name + b"=" + quoted for name, quoted in self.attributes.items()
        )
        return b"<" + self.name + attributes + (b"/>" if self.empty else b">")


_SPACES = str.maketrans("\t\n\r", "   ")


class _Sheet:
    """A worksheet being marked: the tree of everything but its rows, which stay bytes (a
    sheet's thousands of cells are neither parsed nor written again; the rows marked are
    edited where they stand), its relationships, merged ranges and new comments."""

    def __init__(self, part: str, data: bytes, rels: etree._Element) -> None:
        self.part = part
        self.rels = rels
        if b"<!" in data:
            raise Unsupported(f"{part}: a comment, CDATA or a DOCTYPE")
        encoding = _ENCODING.match(data)
        if encoding is not None and encoding[1].lower() not in (b"utf-8", b"utf8"):
            raise Unsupported(f"{part}: encoded in {encoding[1]!r}")
        _check_well_formed(data, part)
        opening = _SHEET_DATA.search(data)
        if opening is None:
            raise Unsupported(f"{part}: no sheetData")
        if opening[2]:  # <sheetData/>
            self.rows = b""
            around = (data[: opening.start()] + b"<sheetData" + opening[1] + b">",
                      b"</sheetData>" + data[opening.end() :])  # fmt: skip
        else:
            closing = _SHEET_DATA_END.match(data, data.find(b"</sheetData", opening.end()))
            if closing is None or closing.start() < opening.end():
                raise Unsupported(f"{part}: no sheetData")
            self.rows = data[opening.end() : closing.start()]
            around = data[: opening.end()], data[closing.start() :]
        if b"<?" in self.rows or b"xmlns" in self.rows or _PREFIXED.search(self.rows):
            raise Unsupported(f"{part}: rows with namespaces or processing instructions")
        self.root = parse_part(around[0] + _ROWS_HERE + around[1], f"{{{MAIN}}}worksheet", part)
        rows_here = self.root.find(f"{{{MAIN}}}sheetData")
        if rows_here is None or len(rows_here) != 1 or rows_here[0].tag is not etree.Comment:
            raise Unsupported(f"{part}: no sheetData, or more than one")
        if self.root.find(f"{{{MAIN}}}legacyDrawing") is not None:
            raise Unsupported(f"{part}: a legacy drawing already")
        if any(not isinstance(c.tag, str) or "AlternateContent" in c.tag for c in self.root):
            raise Unsupported(f"{part}: alternate content")
        self.merged = [
            range_boundaries(m.get("ref", ""))
            for m in self.root.iterfind(f"{{{MAIN}}}mergeCells/{{{MAIN}}}mergeCell")
        ]
        self.comments: list[tuple[str, str, int, int, float]] = []  # ref, text, row, col, h
        self._numbers: set[int] | None = None  # of the rows in `rows`
        self._starts: dict[int, int] = {}  # row → where its element starts in `rows`
        self._edited: dict[int, bytes] = {}  # row → its XML, marked (or made)

    def target(self, row: int, column: int) -> tuple[int, int]:
        """The top-left cell of the first merged range holding the cell, else the cell."""
        for min_col, min_row, max_col, max_row in self.merged:
            if min_row <= row <= max_row and min_col <= column <= max_col:
                return min_row, min_col
        return row, column

    def _row(self, row: int) -> bytes:
        """The XML of `row`'s element (to its first end tag), made when the sheet has none."""
        if row in self._edited:
            return self._edited[row]
        start = self._start(row)
        if start is None:
            return f'<row r="{row}"/>'.encode()
        return self.rows[start : self._end(start)]

    def _start(self, row: int) -> int | None:
        """Where the element of `row` starts in `rows`; None when there is none. Rows out of
        order or given twice are `Unsupported`."""
        if self._numbers is None:  # indexed once: a sheet may have thousands of rows
            numbers = _ROW_NUMBER.findall(self.rows)
            if len(numbers) == self.rows.count(b"<row"):  # every row as the writers put it
                ordered = list(map(int, numbers))
                if ordered and ordered[-1] > MAX_ROW:
                    raise Unsupported(f"{self.part}: a row without a number")
            else:
                ordered = []
                for found in _ROW_TAG.finditer(self.rows):
                    ordered.append(_row_number(_Tag(b"row", found).get(b"r"), self.part))
                    self._starts[ordered[-1]] = found.start()
            if any(a >= b for a, b in itertools.pairwise(ordered)):  # Excel calls it damaged
                raise Unsupported(f"{self.part}: rows out of order or given twice")
            self._numbers = set(ordered)
        if row not in self._numbers:
            return None
        if row not in self._starts:
            self._starts[row] = self.rows.rfind(f'<row r="{row}"'.encode())
        return self._starts[row]

    def _end(self, start: int) -> int:
        """Where the row element starting at `start` in `rows` ends."""
        opening = _ROW_TAG.match(self.rows, start)
        if opening[2]:
            return opening.end()
        closing = _ROW_END.search(self.rows, opening.end())
        if closing is None:
            raise Unsupported(f"{self.part}: a row not closed")
        return closing.end()

    def restyle(self, row: int, column: int, restyled) -> str:
        """Give the cell the style `restyled(its style)`, the cell made (in order, styled as
        its row or column) when the sheet has none; its reference."""
        xml = self._row(row)
        opening = _ROW_TAG.match(xml)
        row_tag = _Tag(b"row", opening)
        at = len(xml) if row_tag.empty else xml.rindex(b"</row")  # a new cell's place
        if b"<extLst" in xml:  # cells of other namespaces' extensions may hide in it
            raise Unsupported(f"{self.part}: row {row} holds an extension list")
        cells = [(found, _Tag(b"c", found)) for found in _CELL_TAG.finditer(xml, opening.end(), at)]
        places = [_address(cell.get(b"r"), self.part) for _, cell in cells]
        columns = [where for at_row, where in places]
        if any(at_row != row for at_row, _ in places) or any(
            a >= b for a, b in itertools.pairwise(columns)
        ):
            raise Unsupported(f"{self.part}: row {row} holds cells out of place or out of order")
        for (found, cell), where in zip(cells, columns, strict=True):
            if where == column:
                style = _style_number(cell.get(b"s"), self.part)
                cell.set(b"s", str(restyled(style)))
                self._edited[row] = xml[: found.start()] + cell.xml() + xml[found.end() :]
                return cell.get(b"r")
            if where > column:
                at = found.start()
                break
        ref = f"{get_column_letter(column)}{row}"
        row_tag.attributes.pop(b"spans", None)  # a hint only; the new cell may lie outside
        style = row_tag.get(b"s") if row_tag.get(b"customFormat") in ("1", "true") else None
        style = _style_number(style or self._column_style(column), self.part)
        made = f'<c r="{ref}" s="{restyled(style)}"/>'.encode()
        if row_tag.empty:
            row_tag.empty = False
            self._edited[row] = row_tag.xml() + made + b"</row>"
        else:
            self._edited[row] = row_tag.xml() + xml[opening.end() : at] + made + xml[at:]
        return ref

    def _column_style(self, column: int) -> str | None:
        for col in self.root.iterfind(f"{{{MAIN}}}cols/{{{MAIN}}}col"):
            if int(col.get("min", "0")) <= column <= int(col.get("max", "0")):
                return col.get("style")
        return None

    def xml(self) -> bytes:
        """The worksheet part, with its marks."""
        head, _, tail = part_xml(self.root).partition(_ROWS_HERE)
        if not self._edited:
            return head + self.rows + tail
        numbers = sorted(self._numbers or ())
        before: dict[int, list[bytes]] = {}  # a row → the rows made, written before it
        last: list[bytes] = []  # the rows made after every row
        for row in sorted(self._edited.keys() - set(numbers)):
            at = bisect.bisect(numbers, row)
            made = before.setdefault(numbers[at], []) if at < len(numbers) else last
            made.append(self._edited[row])
        pieces, at = [], 0
        for row in sorted(self._edited.keys() & set(numbers) | before.keys(), key=self._start):
            start = self._start(row)
            end = self._end(start)
            if start < at:
                raise Unsupported(f"{self.part}: a row within a row")
            kept = self._edited.get(row) or self.rows[start:end]
            pieces += [self.rows[at:start], *before.get(row, ()), kept]
            at = end
        pieces += [self.rows[at:], *last]
        return head + b"".join(pieces) + tail


class _StyleTree:
    """The styles part parsed: fills and cell formats added for marked cells and our
    sheets."""

    def __init__(self, data: bytes, name: str, look: Look) -> None:
        self.root = parse_part(data, f"{{{MAIN}}}styleSheet", name)
        self.look = look
        found = {tag: self.root.find(f"{{{MAIN}}}{tag}") for tag in ("fonts", "fills", "cellXfs")}
        if any(element is None for element in found.values()):
            raise Unsupported(f"{name}: no fonts, fills or cell formats")
        self.fonts, self.fills, self.xfs = found["fonts"], found["fills"], found["cellXfs"]
        self._filled: dict[tuple[int, str], int] = {}
        self._fill_ids: dict[str, int] = {}
        self._named: dict[object, int] = {}

    def _fill(self, rgb: str) -> int:
        if rgb not in self._fill_ids:
            fill = etree.SubElement(self.fills, f"{{{MAIN}}}fill")
            pattern = etree.SubElement(fill, f"{{{MAIN}}}patternFill", patternType="solid")
            etree.SubElement(pattern, f"{{{MAIN}}}fgColor", rgb=f"FF{rgb}")
            etree.SubElement(pattern, f"{{{MAIN}}}bgColor", rgb=f"FF{rgb}")
            self._fill_ids[rgb] = len(self.fills) - 1
        return self._fill_ids[rgb]

    def filled(self, style: int, rgb: str) -> int:
        """A cell format like `style` with a solid `rgb` fill."""
        key = (style, rgb)
        if key not in self._filled:
            xfs = self.xfs.findall(f"{{{MAIN}}}xf")
            if not 0 <= style < len(xfs):
                raise Unsupported(f"a cell style {style} out of range")
            xf = copy.deepcopy(xfs[style])
            xf.set("fillId", str(self._fill(rgb)))
            xf.set("applyFill", "1")
            self.xfs.append(xf)
            self._filled[key] = len(self.xfs) - 1
        return self._filled[key]

    def named(self, name: object) -> int:
        """The cell format of an added-sheet style."""
        if name not in self._named:
            size, bold, colour, underlined = self.look.fonts[name]
            font = etree.SubElement(self.fonts, f"{{{MAIN}}}font")
            if bold:
                etree.SubElement(font, f"{{{MAIN}}}b")
            if underlined:
                etree.SubElement(font, f"{{{MAIN}}}u")
            etree.SubElement(font, f"{{{MAIN}}}sz", val=f"{size:g}")
            if colour:
                etree.SubElement(font, f"{{{MAIN}}}color", rgb=f"FF{colour}")
            etree.SubElement(font, f"{{{MAIN}}}name", val=FONT_NAME)
            fill = self.look.fills.get(name)
            xf = etree.SubElement(
                self.xfs,
                f"{{{MAIN}}}xf",
                numFmtId="0",
                fontId=str(len(self.fonts) - 1),
                fillId=str(self._fill(fill) if fill else 0),
                borderId="0",
                xfId="0",
                applyFont="1",
                applyAlignment="1",
            )
            if fill:
                xf.set("applyFill", "1")
            if name in self.look.centred:
                etree.SubElement(
                    xf, f"{{{MAIN}}}alignment", horizontal="center", vertical="center",
                    wrapText="1",
                )  # fmt: skip
            else:
                etree.SubElement(xf, f"{{{MAIN}}}alignment", vertical="top", wrapText="1")
            self._named[name] = len(self.xfs) - 1
        return self._named[name]

    def xml(self) -> bytes:
        for element in (self.fonts, self.fills, self.xfs):
            element.set("count", str(len(element)))
        return part_xml(self.root)


STYLES_REMEMBERED = 4096  # results of `_Styles` kept per process (then forgotten, all at once)
SMALL_STYLES = 65536  # bytes: a larger styles part is not remembered
_looks: list[Look] = []  # every look a `_Styles` was made with: ids in keys stay theirs
_styled: dict[tuple, object] = {}  # (look, styles part, steps) → cell format or XML


class _Styles:
    """The styles part with what is added to it (`_StyleTree`), remembered: one template's
    styles come back file after file, and the same steps (a fill for a marked cell, the
    added sheets' formats, in the same order) give the same cell formats and the same part.
    A styles part seen before in this process, with the same steps taken so far, is thus
    neither parsed nor written again; the part is parsed (and the steps replayed) when a
    step or the XML is not remembered."""

    def __init__(self, data: bytes, name: str, look: Look) -> None:
        if not any(seen is look for seen in _looks):
            _looks.append(look)
        self._data, self._name, self._look = data, name, look
        self._remember = len(data) <= SMALL_STYLES
        self._key = (id(look), data)
        self._steps: tuple = ()
        self._done: dict[tuple, int] = {}  # step → its cell format
        self._tree: _StyleTree | None = None
        if not self._remember or self._key + ((),) not in _styled:
            self._parsed()  # checked now (`Unsupported`), as when it is not remembered
            self._keep(self._key + ((),), True)

    def _parsed(self) -> _StyleTree:
        if self._tree is None:
            tree = _StyleTree(self._data, self._name, self._look)
            for step in self._steps:
                _take(tree, step)
            self._tree = tree
        return self._tree

    def _keep(self, key: tuple, value: object) -> None:
        if self._remember:
            if len(_styled) >= STYLES_REMEMBERED:
                _styled.clear()
            _styled[key] = value

    def _step(self, step: tuple) -> int:
        if step in self._done:
            return self._done[step]
        steps = self._steps + (step,)
        key = self._key + (steps,)
        found = None if self._tree is not None else _styled.get(key)
        if found is None:
            found = _take(self._parsed(), step)
            self._keep(key, found)
        self._steps, self._done[step] = steps, found
        return found

    def filled(self, style: int, rgb: str) -> int:
        """A cell format like `style` with a solid `rgb` fill."""
        return self._step(("filled", style, rgb))

    def named(self, name: object) -> int:
        """The cell format of an added-sheet style."""
        return self._step(("named", name))

    def xml(self) -> bytes:
        key = self._key + (self._steps, "xml")
        found = None if self._tree is not None else _styled.get(key)
        if found is None:
            found = self._parsed().xml()
            self._keep(key, found)
        return found


def _take(tree: _StyleTree, step: tuple) -> int:
    """Take a `_Styles` step on `tree`: its cell format."""
    return tree.filled(*step[1:]) if step[0] == "filled" else tree.named(step[1])


def _value_xml(ref: str, style: int, value: object) -> str:
    if isinstance(value, str):
        if value:
            return (
                f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
                f"{text_xml(cell_text(value))}</t></is></c>"
            )
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return f'<c r="{ref}" s="{style}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" s="{style}"/>'


def _characters(values: tuple[object, ...]) -> int:
    """The characters of a row's texts in all; TypeError for a row holding a number (made
    anew: 1 and True would be one key)."""
    return sum(map(len, values))


# `function(values, *args)` remembered while the row's texts are short: the rows of «Cách đọc
# biểu» (the columns and indicator rows of a template) come back file after file
memoised_row = memoised_text(entries=1 << 13, size=_characters)


_NUMBER = "\x00"  # where a row's number goes in `_row_pieces`: never in text (`text_xml`)


@memoised_row
def _row_pieces(
    values: tuple[object, ...], styles: tuple[int, ...], height: float
) -> tuple[str, ...]:
    """The XML of a row of an added sheet, split where its number goes:
    `str(row).join(pieces)`."""
    cells = "".join(
        _value_xml(f"{get_column_letter(col)}{_NUMBER}", style, value)
        for col, (style, value) in enumerate(zip(styles, values, strict=True), start=1)
    )
    return tuple(
        f'<row r="{_NUMBER}" ht="{height:g}" customHeight="1">{cells}</row>'.split(_NUMBER)
    )


_SELECTED = ' tabSelected="1"'


def sheet_xml(listing: Listing, styles: _Styles) -> bytes:
    """The worksheet part of an added sheet (A4 landscape, one page wide, header row 4
    printed on every page and frozen, its name and page numbers in the footer)."""
    last = get_column_letter(len(listing.columns))
    title_h, note_h, header_h = listing.heights()
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{last}{max(4, 4 + len(listing.rows))}"/>'
        f"<sheetViews><sheetView{_SELECTED if listing.first else ''}"
        ' workbookViewId="0"><pane ySplit="4" topLeftCell="A5" activePane="bottomLeft"'
        ' state="frozen"/><selection pane="bottomLeft" activeCell="A5" sqref="A5"/>'
        '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>'
    ]
    for col, (_, width) in enumerate(listing.columns, start=1):
        out.append(f'<col min="{col}" max="{col}" width="{width:g}" customWidth="1"/>')
    out.append("</cols><sheetData>")
    for row, text, style, height in (
        (1, listing.title, "title", title_h),
        (2, listing.note, "plain", note_h),
    ):
        out.append(f'<row r="{row}" ht="{height:g}" customHeight="1">')
        out.append(_value_xml(f"A{row}", styles.named(style), text))
        out.append("</row>")
    out.append(f'<row r="4" ht="{header_h:g}" customHeight="1">')
    header = styles.named("header")
    for col, (heading, _) in enumerate(listing.columns, start=1):
        out.append(_value_xml(f"{get_column_letter(col)}4", header, heading))
    out.append("</row>")
    ids: dict[tuple[object, ...], tuple[int, ...]] = {}  # looks → cell formats
    for row, (values, looks, height) in enumerate(listing.rows, start=5):
        formats = ids.get(looks)
        if formats is None:
            formats = ids[looks] = tuple(map(styles.named, looks))
        out.append(str(row).join(_row_pieces(values, formats, height)))
    out.append(
        f'</sheetData><mergeCells count="2"><mergeCell ref="A1:{last}1"/>'
        f'<mergeCell ref="A2:{last}2"/></mergeCells>'
    )
    if listing.links:
        out.append("<hyperlinks>")
        for (row, col), location in sorted(listing.links.items()):
            ref = f"{get_column_letter(col)}{row}"
            out.append(f'<hyperlink ref="{ref}" location={quoteattr(location)}/>')
        out.append("</hyperlinks>")
    footer = escape(f"&L&8{listing.name}&R&8Trang &P/&N")
    out.append(
        '<printOptions horizontalCentered="1"/>'
        '<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.6" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        f"<headerFooter><oddFooter>{footer}</oddFooter></headerFooter></worksheet>"
    )
    return "".join(out).encode("utf-8")


def _comments_xml(author: str, comments: list[tuple[str, str, int, int, float]]) -> bytes:
    items = "".join(
        f'<comment ref="{ref}" authorId="0"><text><t xml:space="preserve">{text_xml(text)}'
        "</t></text></comment>"
        for ref, text, *_ in comments
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<comments xmlns="{MAIN}"><authors><author>{escape(author)}</author></authors>'
        f"<commentList>{items}</commentList></comments>"
    ).encode()


def _vml(block: int, comments: list[tuple[str, str, int, int, float]], width: int) -> bytes:
    """The legacy drawing that shows comments (hidden notes, as openpyxl writes them)."""
    shapes = "".join(
        f'<v:shape id="_x0000_s{block * 1024 + index}" type="#_x0000_t202" '
        'style="position:absolute; margin-left:59.25pt;margin-top:1.5pt;'
        f'width:{width}px;height:{height:g}px;z-index:1;visibility:hidden" '
        'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
        '<v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"/></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:AutoFill>False</x:AutoFill><x:Row>{row - 1}</x:Row>"
        f"<x:Column>{column - 1}</x:Column></x:ClientData></v:shape>"
        for index, (_, _, row, column, height) in enumerate(comments, start=1)
    )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        f"{shapes}</xml>"
    ).encode()


def _rels_root() -> etree._Element:
    return etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})


def _add_rel(root: etree._Element, kind: str, target: str) -> str:
    ids = {rel.get("Id") for rel in root}
    number = len(ids) + 1
    while f"rId{number}" in ids:
        number += 1
    etree.SubElement(root, f"{{{PKG_REL}}}Relationship", Id=f"rId{number}", Type=kind,
                     Target=target)  # fmt: skip
    return f"rId{number}"


def _relative(source: str, target: str) -> str:
    """`target` as a relationship of `source` names it (both part names, normalised):
    `posixpath.relpath` without its look at the working folder."""
    start = [name for name in posixpath.dirname(source).split("/") if name]
    path = [name for name in target.split("/") if name]
    common = 0
    while common < min(len(start), len(path)) and start[common] == path[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + path[common:]) or "."


_EMPTY_STYLES = (
    f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
    '<family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/>'
    '</fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1">'
    "<border><left/><right/><top/><bottom/><diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"'
    ' xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0"'
    ' builtinId="0"/></cellStyles></styleSheet>'
).encode()
_EMPTY_TYPES = (
    f'<Types xmlns="{CT}"><Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
).encode()
_EMPTY_ROOT_RELS = (
    f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
    f'Type="{_T}officeDocument" Target="xl/workbook.xml"/></Relationships>'
).encode()
_EMPTY_WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><bookViews><workbookView/></bookViews>'
    "<sheets/></workbook>"
).encode()
_EMPTY_WORKBOOK_RELS = (
    f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{_T}styles" '
    'Target="styles.xml"/></Relationships>'
).encode()


_CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def _core_xml(data: bytes | None, when: str, name: str) -> bytes:
    """The core properties part (`data`, else a new one) with `when` as its modification
    time."""
    if data is not None:
        core = etree.fromstring(data, XML_PARSER)
    else:
        core = etree.Element(f"{{{_CORE}}}coreProperties",
                             nsmap={"dcterms": DCTERMS, "xsi": XSI, "cp": _CORE})  # fmt: skip
    modified = core.find(f"{{{DCTERMS}}}modified")
    if modified is None:
        modified = etree.SubElement(core, f"{{{DCTERMS}}}modified")
        modified.set(f"{{{XSI}}}type", "dcterms:W3CDTF")
    modified.text = when
    return part_xml(core)


def _custom_xml(data: bytes | None, marker: str, name: str) -> bytes:
    """The custom properties part (`data`, else a new one) with our `marker` property (an
    earlier one replaced)."""
    if data is not None:
        custom = parse_part(data, f"{{{CUSTOM}}}Properties", name)
    else:
        custom = etree.Element(f"{{{CUSTOM}}}Properties", nsmap={None: CUSTOM, "vt": VT})
    for prop in custom.findall(f"{{{CUSTOM}}}property"):
        if prop.get("name") == OUTPUT_PROPERTY:
            custom.remove(prop)
    pids = [int(p.get("pid")) for p in custom if (p.get("pid") or "").isdigit()]
    prop = etree.SubElement(custom, f"{{{CUSTOM}}}property", fmtid=_FMTID,
                            pid=str(max([1, *pids]) + 1), name=OUTPUT_PROPERTY)  # fmt: skip
    etree.SubElement(prop, f"{{{VT}}}lpwstr").text = marker
    return part_xml(custom)


_WHEN = "ntm-excel: when written"  # where the time goes in a properties part remembered


@functools.lru_cache(maxsize=256)
def _remembered(make, data: bytes | None, name: str) -> bytes:
    """`make(data, _WHEN, name)`, remembered: one template's properties parts come back
    file after file, only the time differs."""
    return make(data, _WHEN, name)


def _stamped(make, data: bytes | None, when: str, name: str) -> bytes:
    """`make(data, when, name)` (`_core_xml`, `_custom_xml`): the part made once per
    process for the same `data`, `when` put where the time goes."""
    head, *tail = _remembered(make, data, name).split(_WHEN.encode())
    if len(tail) == 1:
        return head + escape(when).encode() + tail[0]
    return make(data, when, name)  # the commune's part holds those words itself


class Package:
    """An OOXML package being edited: parts parsed on demand, changed parts kept as bytes."""

    def __init__(self, data: bytes, parts: dict[str, bytes], look: Look) -> None:
        self._data = data
        self._members = zipfile.ZipFile(io.BytesIO(data)).infolist() if data else []
        self._parts = parts
        self._names = {m.filename.lower() for m in self._members} | {p.lower() for p in parts}
        self.changed: dict[str, bytes] = {}
        self._types = parse_part(self._part("[Content_Types].xml"), f"{{{CT}}}Types", "types")
        self._root_rels = self._rels("")
        self.workbook_part = next(
            (rel_target("", r) for r in self._root_rels if r.get("Type") == f"{_T}officeDocument"),
            "",
        )
        self._workbook = parse_part(
            self._part(self.workbook_part), f"{{{MAIN}}}workbook", self.workbook_part
        )
        self._workbook_rels = self._rels(self.workbook_part)
        targets = {r.get("Id"): r for r in self._workbook_rels}
        self._sheets_element = self._workbook.find(f"{{{MAIN}}}sheets")
        if self._sheets_element is None:
            raise Unsupported("no <sheets>")
        self.sheets: dict[str, tuple[str, str]] = {}  # name → (part, relationship type)
        for sheet in self._sheets_element:
            rel = targets.get(sheet.get(f"{{{REL}}}id"))
            if rel is None:
                raise Unsupported("a sheet without its relationship")
            self.sheets[sheet.get("name", "")] = (
                rel_target(self.workbook_part, rel),
                rel.get("Type", ""),
            )
        styles = next((r for r in self._workbook_rels if r.get("Type") == f"{_T}styles"), None)
        if styles is None:
            raise Unsupported("no styles part")
        self._styles_part = rel_target(self.workbook_part, styles)
        self.styles = _Styles(self._part(self._styles_part), self._styles_part, look)
        self._marked: dict[str, _Sheet] = {}
        self._dropped: set[str] = set()  # parts left out of the copy, lower case

    @classmethod
    def open(cls, data: bytes, sniffed: Sniffed, look: Look) -> Package:
        """The commune's package (its bytes and what `sniff` inflated and checked)."""
        if sniffed.kind not in ("xlsx", "xlsm"):
            raise Unsupported(sniffed.kind)
        return cls(data, dict(sniffed.parts), look)

    @classmethod
    def new(cls, look: Look) -> Package:
        """A package holding no sheet yet (the list-only workbook)."""
        parts = {
            "[Content_Types].xml": _EMPTY_TYPES,
            "_rels/.rels": _EMPTY_ROOT_RELS,
            "xl/workbook.xml": _EMPTY_WORKBOOK,
            "xl/_rels/workbook.xml.rels": _EMPTY_WORKBOOK_RELS,
            "xl/styles.xml": _EMPTY_STYLES,
        }
        return cls(b"", parts, look)

    def _part(self, name: str) -> bytes:
        if name in self.changed:
            return self.changed[name]
        if name in self._parts:
            return self._parts[name]
        raise Unsupported(f"part {name!r} not found as named")

    def _has(self, name: str) -> bool:
        return name.lower() in self._names or name in self.changed

    def _rels(self, part: str) -> etree._Element:
        name = rels_name(part) if part else "_rels/.rels"
        if not self._has(name):
            return _rels_root()
        return parse_part(self._part(name), f"{{{PKG_REL}}}Relationships", name)

    def _free(self, pattern: str) -> str:
        number = 1
        while self._has(pattern.format(number)):
            number += 1
        self._names.add(pattern.format(number).lower())
        return pattern.format(number)

    def drop_macros(self) -> None:
        """Leave the VBA project (and its signature) out: a copy the office sends on carries
        no code, and is a plain workbook (.xlsx). Excel 4.0 macro sheets are `Unsupported`."""
        for rel in list(self._workbook_rels):
            if rel.get("Type") == _VBA_REL:
                part = rel_target(self.workbook_part, rel)
                signed = [rel_target(part, r) for r in self._rels(part)] if self._has(part) else []
                self._dropped |= {name.lower() for name in (part, rels_name(part), *signed)}
                self._workbook_rels.remove(rel)
        for entry in list(self._types):
            part = entry.get("PartName", "").lstrip("/").lower()
            kind = entry.get("ContentType", "").lower()
            if part == self.workbook_part.lower():
                entry.set("ContentType", _CT_WORKBOOK)
            elif part in self._dropped or "vbaproject" in kind:
                self._types.remove(entry)
            elif any(word in kind for word in _MACRO_TYPES):
                raise Unsupported(f"macros in {part or kind}")

    def mark(self, sheet_name: str, address: str, rgb: str, comment: str, height: float) -> bool:
        """Fill the cell at `address` (or the top-left cell of its merged range) with `rgb`
        and give it `comment`; False when `address` is no cell (or the sheet no worksheet:
        a chart sheet has no cells)."""
        where = _cell_index(address)
        part, kind = self.sheets[sheet_name]
        if where is None or kind != f"{_T}worksheet":
            return False
        sheet = self._marked.get(part)
        if sheet is None:
            rels = self._rels(part)
            if any(r.get("Type") in (f"{_T}comments", f"{_T}vmlDrawing") for r in rels):
                raise Unsupported(f"{sheet_name}: comments already")
            sheet = self._marked[part] = _Sheet(part, self._part(part), rels)
        row, column = sheet.target(*where)
        ref = sheet.restyle(row, column, lambda style: self.styles.filled(style, rgb))
        sheet.comments.append((ref, comment, row, column, height))
        return True

    def add(self, listing: Listing) -> None:
        """Add `listing` as the last sheet, or before the others when it is `first`."""
        if listing.name in self.sheets:
            raise Unsupported(f"a sheet named {listing.name} already")
        part = self._free("xl/worksheets/sheet{}.xml")
        self.changed[part] = sheet_xml(listing, self.styles)
        self._override(part, _CT_SHEET)
        rel = _add_rel(self._workbook_rels, f"{_T}worksheet", _relative(self.workbook_part, part))
        ids = [
            int(s.get("sheetId")) for s in self._sheets_element if s.get("sheetId", "").isdigit()
        ]
        element = etree.Element(f"{{{MAIN}}}sheet", name=listing.name,
                                sheetId=str(max(ids, default=0) + 1))  # fmt: skip
        element.set(f"{{{REL}}}id", rel)
        if listing.first:
            self._sheets_element.insert(0, element)
            self._shift_sheet_indexes()
            index = 0
        else:
            self._sheets_element.append(element)
            index = len(self._sheets_element) - 1
        self.sheets[listing.name] = (part, f"{_T}worksheet")
        quoted = listing.name.replace("'", "''")
        self._define("_xlnm.Print_Titles", index, f"'{quoted}'!$4:$4")
        if listing.first:
            self._select(index)

    def _shift_sheet_indexes(self) -> None:
        """Renumber what names a sheet by its place (a defined name's `localSheetId`, the
        active and first tab) after a sheet was put before the others."""
        for defined in self._workbook.iter(f"{{{MAIN}}}definedName"):
            local = defined.get("localSheetId", "")
            if local.isdigit():
                defined.set("localSheetId", str(int(local) + 1))
        for view in self._workbook.iter(f"{{{MAIN}}}workbookView"):
            for place in ("activeTab", "firstSheet"):
                if view.get(place, "").isdigit():
                    view.set(place, str(int(view.get(place)) + 1))

    def _override(self, part: str, content_type: str) -> None:
        etree.SubElement(self._types, f"{{{CT}}}Override", PartName=f"/{part}",
                         ContentType=content_type)  # fmt: skip

    def _define(self, name: str, sheet_index: int, value: str) -> None:
        names = self._workbook.find(f"{{{MAIN}}}definedNames")
        if names is None:
            names = etree.Element(f"{{{MAIN}}}definedNames")
            previous = [self._workbook.find(f"{{{MAIN}}}{tag}") for tag in _BEFORE_NAMES]
            [e for e in previous if e is not None][-1].addnext(names)
        defined = etree.SubElement(names, f"{{{MAIN}}}definedName", name=name,
                                   localSheetId=str(sheet_index))  # fmt: skip
        defined.text = value

    def _select(self, index: int) -> None:
        """Make sheet `index` the active tab and the only selected one."""
        views = self._workbook.find(f"{{{MAIN}}}bookViews")
        if views is None:
            views = etree.Element(f"{{{MAIN}}}bookViews")
            self._sheets_element.addprevious(views)
        view = views.find(f"{{{MAIN}}}workbookView")
        if view is None:
            view = etree.SubElement(views, f"{{{MAIN}}}workbookView")
        view.set("activeTab", str(index))
        if int(view.get("firstSheet", "0") or 0) > index:
            view.attrib.pop("firstSheet")
        for name, (part, _) in self.sheets.items():
            marked = self._marked.get(part)
            if marked is not None:
                root = marked.root  # written with its marks
            elif part in self.changed or b"tabSelected" not in self._part(part):
                continue  # an added sheet (written unselected), or a sheet not selected
            else:  # a worksheet or a chart sheet
                root = etree.fromstring(self._part(part), XML_PARSER)
                if root.prefix is not None or etree.QName(root).namespace != MAIN:
                    raise Unsupported(f"{name}: namespace")
            for sheet_view in root.iter(f"{{{MAIN}}}sheetView"):
                sheet_view.attrib.pop("tabSelected", None)
            if marked is None:
                self.changed[part] = part_xml(root)

    def _comments(self, author: str, width: int) -> None:
        """Write the comments part and legacy drawing of every marked sheet."""
        vml_count = sum(1 for name in self._names if name.endswith(".vml"))
        for block, sheet in enumerate(self._marked.values(), start=vml_count + 1):
            rels = sheet.rels
            comments = self._free("xl/comments{}.xml")
            drawing = self._free("xl/drawings/vmlDrawing{}.vml")
            self.changed[comments] = _comments_xml(author, sheet.comments)
            self.changed[drawing] = _vml(block, sheet.comments, width)
            self._override(comments, _CT_COMMENTS)
            defaults = self._types.iter(f"{{{CT}}}Default")
            if not any(d.get("Extension", "").lower() == "vml" for d in defaults):
                default = etree.Element(f"{{{CT}}}Default", Extension="vml", ContentType=_CT_VML)
                self._types.insert(0, default)  # the defaults first, as Office writes them
            _add_rel(rels, f"{_T}comments", _relative(sheet.part, comments))
            rel = _add_rel(rels, f"{_T}vmlDrawing", _relative(sheet.part, drawing))
            legacy = etree.Element(f"{{{MAIN}}}legacyDrawing")
            legacy.set(f"{{{REL}}}id", rel)
            after = next((c for c in sheet.root if etree.QName(c).localname in _AFTER_LEGACY), None)
            if after is None:
                sheet.root.append(legacy)
            else:
                after.addprevious(legacy)
            self.changed[rels_name(sheet.part)] = part_xml(rels)
            self.changed[sheet.part] = sheet.xml()

    def _properties(self, kind: str, written: datetime) -> None:
        """Mark the package as our output (`atomic.mark_output`): the custom property and
        the core properties' modification time."""
        parts = {r.get("Type"): rel_target("", r) for r in self._root_rels}
        core_part = parts.get(_CORE_REL)
        if core_part and self._has(core_part):
            core = self._part(core_part)
        else:
            core_part, core = "docProps/core.xml", None
            _add_rel(self._root_rels, _CORE_REL, core_part)
            self._override(core_part, _CT_CORE)
        stamp = written.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.changed[core_part] = _stamped(_core_xml, core, stamp, core_part)

        custom_part = parts.get(f"{_T}custom-properties")
        if custom_part and self._has(custom_part):
            custom = self._part(custom_part)
        else:
            custom_part, custom = "docProps/custom.xml", None
            if self._has(custom_part):  # a part of that name the package does not use
                custom_part = self._free("docProps/custom{}.xml")
            _add_rel(self._root_rels, f"{_T}custom-properties", custom_part)
            self._override(custom_part, _CT_CUSTOM)
        marker = output_marker(kind, written)
        self.changed[custom_part] = _stamped(_custom_xml, custom, marker, custom_part)

    def save(self, kind: str, author: str, comment_width: int) -> bytes:
        """The edited package as bytes, marked as an output of `kind`."""
        self._comments(author, comment_width)
        self._properties(kind, datetime.now(UTC).replace(microsecond=0))
        self.changed[self._styles_part] = self.styles.xml()
        self.changed[self.workbook_part] = part_xml(self._workbook)
        self.changed[rels_name(self.workbook_part)] = part_xml(self._workbook_rels)
        self.changed["_rels/.rels"] = part_xml(self._root_rels)
        self.changed["[Content_Types].xml"] = part_xml(self._types)
        # a part the workbook names in another case than its member («Sheet1.xml» for
        # «sheet1.xml»: Excel ignores case) is written as that member, never beside it
        members = {member.filename.lower(): member.filename for member in self._members}
        changed = {members.get(name.lower(), name): part for name, part in self.changed.items()}
        writer = _ZipWriter()
        for member in self._members:
            if member.filename.lower() in self._dropped:
                continue
            if member.filename in changed:
                writer.add(member.filename, changed.pop(member.filename))
            else:
                writer.copy(member, self._data)
        for name, part in changed.items():  # the parts added
            writer.add(name, part)
        return writer.close()


_LOCAL = struct.Struct("<4s5H3I2H")
_CENTRAL = struct.Struct("<4s6H3I5H2I")
_END = struct.Struct("<4s4H2IH")
_LOCAL_HEAD = struct.Struct("<4s2xH18xHH")
_DOS_1980 = (0, 33)  # time, date: 1980-01-01 00:00


def _deflate(content: bytes) -> bytes:
    # ISA-L's level 1: about five times as fast as zlib's level 1, and no larger
    compressor = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)
    return compressor.compress(content) + compressor.flush()


SMALL_PART = 8192  # bytes


@functools.lru_cache(maxsize=256)
def _deflated(content: bytes) -> bytes:
    """`_deflate` of a small part, remembered: the content types, relationships, workbook,
    styles and properties of one template's copies are the same bytes file after file, and
    starting a compressor costs more than compressing them."""
    return _deflate(content)


class _ZipWriter:
    """A zip file in memory: new members deflated, unchanged ones copied compressed as
    they are (Python's zipfile cannot copy a member without inflating it)."""

    def __init__(self) -> None:
        self._out = io.BytesIO()
        self._central: list[bytes] = []

    def _entry(self, name: bytes, method: int, crc: int, size: int, raw: bytes, flags: int) -> None:
        offset = self._out.tell()
        time, date = _DOS_1980
        self._out.write(_LOCAL.pack(b"PK\x03\x04", 20, flags, method, time, date, crc,
                                    len(raw), size, len(name), 0))  # fmt: skip
        self._out.write(name)
        self._out.write(raw)
        self._central.append(
            _CENTRAL.pack(
                b"PK\x01\x02",
                20,
                20,
                flags,
                method,
                time,
                date,
                crc,
                len(raw),
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name  # fmt: skip
        )

    def add(self, name: str, content: bytes) -> None:
        raw = _deflated(content) if len(content) <= SMALL_PART else _deflate(content)
        self._entry(name.encode("utf-8"), 8, zlib.crc32(content), len(content), raw, 0x800)

    def copy(self, member: zipfile.ZipInfo, data: bytes) -> None:
        if member.compress_type not in (0, 8) or member.flag_bits & 0x61:
            raise Unsupported(f"{member.filename}: compression")
        try:
            signature, _, name_length, extra_length = _LOCAL_HEAD.unpack_from(
                data, member.header_offset
            )
        except struct.error as exc:
            raise Unsupported(member.filename) from exc
        if signature != b"PK\x03\x04":
            raise Unsupported(member.filename)
        start = member.header_offset + _LOCAL_HEAD.size + name_length + extra_length
        raw = data[start : start + member.compress_size]
        if len(raw) != member.compress_size:
            raise Unsupported(member.filename)
        self._entry(member.filename.encode("utf-8"), member.compress_type, member.CRC,
                    member.file_size, raw, 0x800)  # fmt: skip

    def close(self) -> bytes:
        central = b"".join(self._central)
        start = self._out.tell()
        if len(self._central) > 0xFFFF or start > 0xFFFFFFFF:
            raise Unsupported("too large for a plain zip")
        self._out.write(central)
        count = len(self._central)
        self._out.write(_END.pack(b"PK\x05\x06", 0, 0, count, count, len(central), start, 0))
        return self._out.getvalue()
