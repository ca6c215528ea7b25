"""The reader's fast paths give exactly what the plain ones give: members inflated from the
file's bytes equal zipfile's, a member zipfile would refuse is refused the same way, and the
folded key of any text equals the reference definition."""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile

import pytest
import xlsxwriter

from ntm_excel.read.sniff import UnreadableFileError, sniff
from ntm_excel.text import fold


def _workbook() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Tự đánh giá")
    sheet.write_row(0, 0, ["TT", "Tên tiêu chí", "Kết quả thực hiện", "Tự đánh giá"])
    sheet.write_row(1, 0, ["1.1", "Có quy hoạch chung xây dựng xã", "Có", "Đạt"])
    book.add_worksheet("Lộ trình").write(0, 0, "Nội dung công việc")
    book.close()
    return buffer.getvalue()


def test_parts_equal_zipfiles_reading():
    data = _workbook()
    parts = sniff(data).parts
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name, content in parts.items():
            assert content == archive.read(name), name
    assert "xl/worksheets/sheet2.xml" in parts


def _central_entry(data: bytes, name: bytes) -> int:
    """Offset of the central directory entry of `name`."""
    at = data.index(b"PK\x01\x02")
    while True:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == name:
            return at
        extra, comment = struct.unpack_from("<HH", data, at + 30)
        at = data.index(b"PK\x01\x02", at + 46 + name_length + extra + comment)


@pytest.mark.parametrize("change", ["crc", "local name"])
def test_an_inconsistent_member_is_refused_as_zipfile_refuses_it(change):
    data = bytearray(_workbook())
    name = b"xl/worksheets/sheet1.xml"
    entry = _central_entry(bytes(data), name)
    local = struct.unpack_from("<I", data, entry + 42)[0]
    if change == "crc":
        data[entry + 16] ^= 0xFF
    else:
        data[local + 30 + len(name) - 5] ^= 0x01  # sheet1.xml → sheet0.xml in the local header
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive, pytest.raises(zipfile.BadZipFile):
        archive.read(name.decode())
    with pytest.raises(UnreadableFileError, match="không giải nén được"):
        sniff(bytes(data))


def _reference_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]+", " ", stripped.lower()).strip()


@pytest.mark.parametrize(
    "text",
    [
        "UBND XÃ CẨM THÀNH",
        "Tiêu chí số 1: Quy hoạch",
        "  Ghi\tchú\u00a0 ",
        "Cẩm Thành, ngày 10 tháng 3 năm 2021",
        "a\u0301b",  # a combining mark joins the letters around it
        "a\u034fb",  # the grapheme joiner has no combining class: it separates
        "İstanbul ǅ ﬁ ①² ＴＴ",
        "Céng hoµ x· héi",
        "Đ-đ–Đ",
        "",
        "\x00\x7f~",
    ],
)
def test_fold_matches_its_definition(text):
    assert fold(text) == _reference_fold(text)
