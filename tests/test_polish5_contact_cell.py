"""«Chưa có địa chỉ thư: …» named only the official: the clerk had to hunt for the row. It
now names the sheet and cell of the contact book where the address is to be written. Driven
through `ntm-excel digest --dry-run` on the bundled contact book with an address erased."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from test_scheduler import cli, write_config

from ntm_excel.config import load_config

SAMPLES = Path(__file__).resolve().parents[1] / "workbooks" / "mau_nop"


def test_an_official_without_an_address_is_named_with_the_cell_to_fill(tmp_path, monkeypatch):
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    book = openpyxl.load_workbook(load_config().contacts)
    [cell] = [c for c in book["Danh bạ"]["D"] if c.value == "bien.van.thanh@camxuyen.example.org"]
    cell.value = None
    book.save(tmp_path / "danh_ba.xlsx")
    config = write_config(tmp_path, contacts=tmp_path / "danh_ba.xlsx")
    shutil.copy(SAMPLES / "18730_xa_cam_loc.xlsx", tmp_path / "inbox")

    code, printed = cli("digest", "--config", str(config), "--as-of", "2021-03-25", "--dry-run")

    assert code == 0, printed
    [line] = [ln for ln in printed.splitlines() if ln.startswith("Chưa có địa chỉ thư: ")]
    assert f"Biện Văn Thanh (trang «Danh bạ», ô {cell.coordinate})" in line
