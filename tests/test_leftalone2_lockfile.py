"""An Excel lock file («~$xa_cam_binh.xlsx») beside a workbook in the inbox: the workbook was
open in Excel when it was copied, so what was saved may be older than what the commune sees.
It was skipped silently; now the master's «Lỗi dữ liệu» sheet warns of it. The workbooks are
real files built here, consolidated with `ntm-excel consolidate`, the master read back."""

from __future__ import annotations

import openpyxl
from support.samples import SampleSpec, write_sample

from ntm_excel.cli import main

LOCK = "~$xa_cam_binh.xlsx"


def test_a_lock_file_beside_a_workbook_is_a_warning_on_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inbox = tmp_path / "inbox"
    (inbox / "dot2").mkdir(parents=True)
    write_sample(inbox / "xa_cam_binh.xlsx", SampleSpec(unit_code="18685", unit_name="Xã Cẩm Bình"))
    write_sample(inbox / "dot2" / "xa_cam_thanh.xlsx", SampleSpec())
    # what Excel writes while the workbook is open: the user's name, padded
    (inbox / LOCK).write_bytes(b"\x08Nguyen Van An".ljust(165, b" "))
    (inbox / "dot2" / "~$khong_co_tep.xlsx").write_bytes(b"\x08An".ljust(165, b" "))
    before = {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()}

    master = tmp_path / "tong_hop.xlsx"
    argv = ["consolidate", str(inbox), "-o", str(master), "--as-of", "2021-03-25"]
    assert main([*argv, "--state-dir", "var"]) in (0, 1)

    assert {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()} == before
    sheet = openpyxl.load_workbook(master)["Lỗi dữ liệu"]
    rows = [row for row in sheet.iter_rows(min_row=4, values_only=True) if any(row)]
    warned = [row for row in rows if any(isinstance(v, str) and "~$" in v for v in row)]
    assert len(warned) == 1, rows  # the lock file of no workbook says nothing
    (row,) = warned
    assert "Cảnh báo" in row and "file-open-when-copied" in row
    assert "xa_cam_binh.xlsx" in " ".join(map(str, row))
    message = next(v for v in row if isinstance(v, str) and LOCK in v)
    assert "đang mở trong Excel" in message and "cũ hơn" in message
