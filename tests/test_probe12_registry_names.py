"""A unit list kept by hand: names written without their kind («Cẩm Thành» for Xã Cẩm Thành)."""

from __future__ import annotations

import openpyxl

from ntm_excel.reference.contacts import Contacts
from ntm_excel.reference.registry import load_registry


def test_names_without_their_kind_are_read_as_official_names(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Đơn vị"
    sheet.append(["ma_don_vi", "ten_don_vi", "loai", "huyen", "tinh"])
    sheet.append(["446", "Cẩm Xuyên", "huyện", "", "Hà Tĩnh"])
    sheet.append(["18673", "Cẩm Xuyên", "thị trấn", "Huyện Cẩm Xuyên", "Hà Tĩnh"])
    sheet.append(["18694", "Cẩm Thành", "xã", "Huyện Cẩm Xuyên", "Hà Tĩnh"])
    sheet.append(["18748", "Xã Cẩm Lạc", "xã", "Huyện Cẩm Xuyên", "Hà Tĩnh"])
    sheet.append(["18751", "X. Cẩm Minh", "xã", "Huyện Cẩm Xuyên", "Hà Tĩnh"])
    path = tmp_path / "don_vi.xlsx"
    workbook.save(path)

    registry = load_registry(path)

    assert [unit.name for unit in registry.units] == [
        "Huyện Cẩm Xuyên",
        "Thị trấn Cẩm Xuyên",
        "Xã Cẩm Thành",
        "Xã Cẩm Lạc",
        "X. Cẩm Minh",
    ]
    assert registry.match("xã Cẩm Thành").unit.code == "18694"
    assert Contacts(()).commune_contact(registry.get("18694")).name == "UBND xã Cẩm Thành"
