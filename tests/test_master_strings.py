"""The master's shared strings part is written faster than XlsxWriter writes it, to the same
bytes: plain strings directly, any string XlsxWriter treats specially by XlsxWriter itself."""

from __future__ import annotations

import io
import zipfile

import xlsxwriter

from ntm_excel.write import master
from ntm_excel.write.master import MasterSharedStrings, MasterWorkbook

PLAIN = ["Xã Cẩm Thành", "Đạt", "Tiêu chí 17.8", "a\tb", "100%", "“ngoặc kép”", '"quoted"']
SPECIAL = [
    "A & B",
    "<5 km",
    "> 80%",
    "<r>nhìn như chữ định dạng</r>",
    " đầu trắng",
    "cuối trắng ",
    "xuống dòng\n",
    "hai\r\ndòng",
    "ký tự \x01 điều khiển",
    "\ttab đầu",
    "giống mã thoát _x0041_",
    "TDG_xa_cam_binh.xls",  # LibreOffice reads "_xa_" as an escape too (`STARTS_ESCAPE`)
    "_x000A_x000A_",
    "phi ký tự \ufffe",
    "\u00a0khoảng trắng cứng",
]


def _shared_strings(book_class, strings: list[str]) -> bytes:
    buffer = io.BytesIO()
    book = book_class(buffer, {"strings_to_numbers": False, "strings_to_formulas": False})
    sheet = book.add_worksheet("S")
    for row, text in enumerate(strings):
        sheet.write_string(row, 0, text)
        sheet.write_string(row, 1, text)  # counted twice, kept once
    book.close()
    with zipfile.ZipFile(buffer) as package:
        return package.read("xl/sharedStrings.xml")


def test_the_shared_strings_are_xlsxwriters_own_bytes(monkeypatch):
    strings = [text for pair in zip(PLAIN * 2, SPECIAL, strict=False) for text in pair]
    strings += PLAIN + SPECIAL + ["đoạn cuối"]
    escaped: list[str] = []  # the strings left to XlsxWriter's own writing
    original = MasterSharedStrings._write_si

    def counted(self, string):
        escaped.append(string)
        return original(self, string)

    monkeypatch.setattr(MasterSharedStrings, "_write_si", counted)
    ours = _shared_strings(MasterWorkbook, strings)
    assert ours == _shared_strings(xlsxwriter.Workbook, strings)
    assert sorted(escaped) == sorted(SPECIAL)  # the plain ones were written directly
    assert b"<si><t>X\xc3\xa3 C\xe1\xba\xa9m Th\xc3\xa0nh</t></si>" in ours


def test_every_special_string_is_recognised():
    assert all(master._SPECIAL_STRING.search(text) for text in SPECIAL)
    assert not any(master._SPECIAL_STRING.search(text) for text in PLAIN)
