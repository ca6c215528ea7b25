"""An .xls (BIFF8) whose CODEPAGE record names 1258, with a cell whose text, stored in
UTF-16, holds the record's very bytes: the mend that makes calamine read the text as
Unicode found the record by its bytes alone, gave up on two, and the workbook was read
garbled (no table). The file is a real .xls written and read back."""

from __future__ import annotations

import struct

from support.wild import Book, write_book
from test_probe7_structure import ROWS, assessment_table, entries, put_row, titled

from ntm_excel.read.reader import read_workbook

UTF16, ANSI = (struct.pack("<HHH", 0x0042, 2, page) for page in (1200, 1258))


def test_a_cell_holding_the_codepage_record_bytes_does_not_stop_the_mend(
    tmp_path, registry, indicators
):
    sheet, r = titled()
    assessment_table(sheet, r)
    put_row(sheet, 60, ["Ghi chú", "B\u0002\u04ea"])  # UTF-16: 42 00 02 00 EA 04
    path = tmp_path / "tdg_cam_thanh.xls"
    write_book(Book([sheet]), path)
    data = path.read_bytes()
    assert data.count(UTF16) == 1 and data.count(ANSI) == 1
    path.write_bytes(data.replace(UTF16, ANSI))
    written = path.read_bytes()
    (submission, issues), *_ = read_workbook(path, registry, indicators)
    assert submission.unit_code == "18694" and submission.sheet == "Biểu 01"
    assert len(entries(submission)) == len(ROWS)
    assert "table-not-found" not in {issue.code for issue in issues}
    assert path.read_bytes() == written
