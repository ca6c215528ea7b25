"""An Excel lock file («~$xa_cam_binh.xlsx») beside a commune's workbook: the warning that
the workbook was open when copied belongs to that commune, in its feedback workbook (its
«Góp ý» sheet, which its reminder sends) and under its name in `ntm-excel validate`, not
among the files of no unit. Real workbooks built here, run through the CLI, read back."""

from __future__ import annotations

import openpyxl
from support.samples import SampleSpec, write_sample

from ntm_excel.cli import main

LOCK = "~$xa_cam_binh.xlsx"


def _inbox(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_sample(inbox / "xa_cam_binh.xlsx", SampleSpec(unit_code="18685", unit_name="Xã Cẩm Bình"))
    write_sample(inbox / "xa_cam_thanh.xlsx", SampleSpec())
    (inbox / LOCK).write_bytes(b"\x08Nguyen Van An".ljust(165, b" "))  # what Excel writes
    return inbox


def _rows(sheet):
    return [
        " ".join(str(v) for v in row if v is not None) for row in sheet.iter_rows(values_only=True)
    ]


def test_the_lock_warning_is_in_the_communes_feedback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inbox = _inbox(tmp_path)
    before = {p: p.read_bytes() for p in inbox.iterdir()}
    master = tmp_path / "tong_hop.xlsx"
    feedback = tmp_path / "gop_y"
    argv = ["consolidate", str(inbox), "-o", str(master), "--as-of", "2021-03-25"]
    assert main([*argv, "--feedback-dir", str(feedback)]) in (0, 1)
    assert {p: p.read_bytes() for p in inbox.iterdir()} == before

    [binh] = feedback.glob("*.xlsx")  # the only commune with something to be told
    assert "Cẩm Bình" in binh.name
    rows = _rows(openpyxl.load_workbook(binh)["Góp ý"])
    warned = [row for row in rows if LOCK in row]
    assert len(warned) == 1, rows
    assert "đang mở trong Excel" in warned[0] and "Cảnh báo" in warned[0]

    # the master ties it to the commune too: its row names Cẩm Bình
    errors = openpyxl.load_workbook(master)["Lỗi dữ liệu"]
    [row] = [row for row in _rows(errors) if LOCK in row]
    assert "Xã Cẩm Bình" in row


def test_validate_shows_the_lock_warning_under_the_commune(tmp_path, capsys):
    inbox = _inbox(tmp_path)
    assert main(["validate", str(inbox)]) in (0, 1)
    out = capsys.readouterr().out
    commune = out.index("Xã Cẩm Bình — tệp xa_cam_binh.xlsx")
    warning = out.index(f"tệp khóa «{LOCK}» của Excel")
    following = out.find("Xã Cẩm Thành", commune + 1)
    assert commune < warning and (following == -1 or warning < following), out
