"""Hostile variants of good workbooks: the addresses, counts and repeats a reader sizes its
memory from, written in every form XML allows (single quotes, a tab or a newline before the
attribute, spaces around "=", a namespace prefix, lower-case letters, no address at all)
or hidden where a naive scan does not look. Each once made calamine ask for hundreds of
gigabytes and abort the process, or could.

`XLSX_FORMS`, `XLS_FORMS` and `ODS_FORMS` map a name to a function from a good workbook's
bytes to the hostile one; `rezip` changes members of a zip package. Used by the tests and by
the fuzz entry point (`python -m support.fuzz`).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
CONTENT = "content.xml"

Change = Callable[[bytes], bytes]


def rezip(data: bytes, change: dict[str, Change] | None = None, extra=(), rename=None) -> bytes:
    """The package with members changed (name → function of the old bytes), renamed
    (old name → new name) or added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if change and item.filename in change:
                content = change[item.filename](content)
            target.writestr((rename or {}).get(item.filename, item.filename), content)
        for name, content in extra:
            target.writestr(name, content)
    return out.getvalue()


def _rows(rows: bytes) -> Change:
    """Rows added at the end of the sheet data."""
    return lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>", 1)


def _sheet(change: Change) -> Callable[[bytes], bytes]:
    return lambda data: rezip(data, {SHEET: change})


def _strings(change: Change) -> Callable[[bytes], bytes]:
    return lambda data: rezip(data, {STRINGS: change})


def _counts(counts: bytes) -> Change:
    return lambda xml: re.sub(rb'\scount="\d+"\s+uniqueCount="\d+"', counts, xml, count=1)


FAR = b"XFD1048576"
XLSX_FORMS: dict[str, Callable[[bytes], bytes]] = {
    "single-quotes": _sheet(_rows(b"<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>")),
    "tab-before-r": _sheet(_rows(b'<row r="1048576"><c\tr="XFD1048576"><v>1</v></c></row>')),
    "newline-before-r": _sheet(_rows(b'<row r="9"><c\nr="XFD1048576"><v>1</v></c></row>')),
    "spaces-around-equals": _sheet(_rows(b'<row r="9"><c r = "XFD1048576"><v>1</v></c></row>')),
    "lower-case-column": _sheet(_rows(b'<row r="9"><c r="xfd1048576"><v>1</v></c></row>')),
    "no-address-far-row": _sheet(
        _rows(b'<row r="1048576"><c><v>1</v></c></row><row r="1"><c r="XFD1"><v>1</v></c></row>')
    ),
    "no-address-far-row-single": _sheet(
        _rows(b"<row r='1048576'><c><v>1</v></c></row><row><c r='XFD1'><v>1</v></c></row>")
    ),
    "many-cells-without-address": _sheet(
        _rows(b'<row r="1048576">' + b"<c><v>1</v></c>" * 70 + b"</row>")
    ),
    "prefixed-elements": _sheet(
        _rows(
            b'<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
        )
    ),
    "second-address": _sheet(
        _rows(b'<row r="9"><c r="A9" s="0" r="XFD1048576"><v>1</v></c></row>')
    ),
    "address-inside-another-attribute": _sheet(
        _rows(b'<row r="9"><c t="n" x=\' r="A9"\' r="XFD1048576"><v>1</v></c></row>')
    ),
    "row-reset-in-comment": _sheet(
        _rows(
            b'<row r="1048576"><!-- <row r="1"> --><c><v>1</v></c></row>'
            b'<row r="1"><c r="XFD1"><v>1</v></c></row>'
        )
    ),
    "wrapping-address": _sheet(_rows(b'<row r="9"><c r="D510000000000005"><v>1</v></c></row>')),
    "dimension-only": _sheet(
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b"<dimension ref='A1:XFD1048576'", xml)
    ),
    "unique-count-single-quotes": _strings(
        _counts(b" count='4000000000' uniqueCount='4000000000'")
    ),
    "unique-count-tab": _strings(_counts(b' count="4000000000"\tuniqueCount="4000000000"')),
    "unique-count-spaces": _strings(_counts(b' count="9" uniqueCount = "4000000000"')),
    "unique-count-newline-single": _strings(_counts(b"\ncount='9'\nuniqueCount='4000000000'")),
    "shared-strings-twice": lambda data: rezip(
        data,
        extra=[("XL/SHAREDSTRINGS.XML", b'<sst uniqueCount="4000000000" count="1"><si/></sst>')],
    ),
    "shared-strings-renamed": lambda data: rezip(
        data,
        {STRINGS: _counts(b' count="9" uniqueCount="4000000000"')},
        rename={STRINGS: "xl\\SharedStrings.XML"},
    ),
}


def _dimensions(first_row: int, last_row: int) -> Callable[[bytes], bytes]:
    """The first DIMENSIONS record of an .xls (BIFF8, 14 bytes) rewritten: calamine reserves
    room for (last − first + 1) rows in 32-bit arithmetic."""

    def change(data: bytes) -> bytes:
        at = data.index(b"\x00\x02\x0e\x00") + 4  # record type 0x0200, length 14
        return data[:at] + struct.pack("<II", first_row, last_row) + data[at + 8 :]

    return change


XLS_FORMS: dict[str, Callable[[bytes], bytes]] = {
    "dimensions-upside-down": _dimensions(145, 79),  # found by the fuzz: 1.2 TB asked
    "dimensions-huge": _dimensions(0, 0x7FFFFFFF),
}


def _content(change: Change) -> Callable[[bytes], bytes]:
    return lambda data: rezip(data, {CONTENT: change})


def _ods_rows(rows: bytes) -> Change:
    return lambda xml: xml.replace(b"</table:table>", rows + b"</table:table>", 1)


_ODS_FAR_CELL = (
    b"<table:table-cell table:number-columns-repeated='16000' office:value-type='float' "
    b"office:value='1'/>"
)
ODS_FORMS: dict[str, Callable[[bytes], bytes]] = {
    "repeats-single-quotes": _content(
        _ods_rows(
            b"<table:table-row table:number-rows-repeated='1000000'>"
            + _ODS_FAR_CELL
            + b"</table:table-row>"
        )
    ),
    "repeats-spaces-around-equals": _content(
        _ods_rows(
            b'<table:table-row table:number-rows-repeated = "1000000">'
            b'<table:table-cell table:number-columns-repeated = "16000" office:value="1"/>'
            b"</table:table-row>"
        )
    ),
    "value-without-type": _content(
        _ods_rows(
            b'<table:table-row table:number-rows-repeated="1000000">'
            b'<table:table-cell table:number-columns-repeated="16000" office:value="1"/>'
            b"</table:table-row>"
        )
    ),
    "angle-bracket-in-attribute": _content(
        _ods_rows(
            b'<table:table-row table:number-rows-repeated="1000000">'
            b'<table:table-cell table:style-name="a>b" '
            b'table:number-columns-repeated="16000" office:value="1"/></table:table-row>'
        )
    ),
    "table-hidden-in-comment": _content(
        _ods_rows(
            b'<table:table-row table:number-rows-repeated="1000000"/>'
            b'<!-- <table:table table:name="x"> --><table:table-row>'
            + _ODS_FAR_CELL
            + b"</table:table-row>"
        )
    ),
}
