"""A unit list kept by hand: codes typed as numbers lose their leading zeros in the sheet."""

from __future__ import annotations

import openpyxl
import pytest

from ntm_excel.reference.registry import RegistryError, load_registry


def test_codes_typed_as_numbers_get_their_leading_zeros_back(tmp_path):
    """Hà Nội's units typed as numbers (1, 1, 4) are read as 01, 001, 00004, the codes a
    commune writes in its file; a code typed as text stays as written."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Đơn vị"
    sheet.append(["ma_don_vi", "ten_don_vi", "loai", "huyen", "tinh"])
    sheet.append([1, "Thành phố Hà Nội", "thành phố trung ương", "", "Hà Nội"])
    sheet.append([1, "Quận Ba Đình", "quận", "", "Hà Nội"])
    sheet.append([4, "Phường Phúc Xá", "phường", "Quận Ba Đình", "Hà Nội"])
    sheet.append([18694, "Xã Cẩm Thành", "xã", "Huyện Cẩm Xuyên", "Hà Tĩnh"])
    sheet.append(["7", "Phường Trúc Bạch", "phường", "Quận Ba Đình", "Hà Nội"])
    path = tmp_path / "don_vi.xlsx"
    workbook.save(path)

    registry = load_registry(path)

    codes = {unit.name: unit.code for unit in registry.units}
    assert codes == {
        "Thành phố Hà Nội": "01",
        "Quận Ba Đình": "001",
        "Phường Phúc Xá": "00004",
        "Xã Cẩm Thành": "18694",
        "Phường Trúc Bạch": "7",
    }
    assert registry.get("00004").name == "Phường Phúc Xá"


def test_headings_under_a_title_block_and_rows_named_as_they_are(tmp_path):
    """«DANH SÁCH ĐƠN VỊ» and a blank line above the headings: the units below are read, and
    a wrong row is named by its row in the sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Đơn vị"
    sheet.append(["DANH SÁCH ĐƠN VỊ HUYỆN CẨM XUYÊN"])
    sheet.append([])
    sheet.append(["ma_don_vi", "ten_don_vi", "loai", "huyen", "tinh"])
    sheet.append(["18694", "Xã Cẩm Thành", "xã", "Huyện Cẩm Xuyên", "Hà Tĩnh"])
    path = tmp_path / "don_vi.xlsx"
    workbook.save(path)

    assert [unit.name for unit in load_registry(path).units] == ["Xã Cẩm Thành"]

    sheet.append(["18748", "Xã Cẩm Lạc", "làng", "Huyện Cẩm Xuyên", "Hà Tĩnh"])
    workbook.save(path)
    with pytest.raises(RegistryError, match="dòng 5, cột loai: loại «làng» không hợp lệ"):
        load_registry(path)


def test_a_wrong_row_is_named_by_its_row_when_the_table_does_not_start_at_a1(tmp_path):
    """A blank first row and a blank column A: the rows named are the sheet's rows."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Đơn vị"
    sheet.append([])
    sheet.append([None, "ma_don_vi", "ten_don_vi", "loai"])
    sheet.append([None, "18694", "Xã Cẩm Thành", "làng"])
    path = tmp_path / "don_vi.xlsx"
    workbook.save(path)

    with pytest.raises(RegistryError, match="dòng 3, cột loai: loại «làng» không hợp lệ"):
        load_registry(path)
