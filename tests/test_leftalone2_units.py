"""A commune's workbook whose clues disagree quietly, read at country scale against the
registry `registry build --country` writes; each workbook is a real file written and read
back.

- A name only one commune has, filed in a folder (or under a file name) naming another
  district of its province: it was counted as that commune's without a word.
- A name matched only with its tones ignored: «UBND XÃ THẠCH HÀ» (Huyện and Thị trấn Thạch
  Hà bear that name) was taken for Xã Thạch Hạ without a word; «Cẩm Vịnh» for Xã Cẩm Vĩnh
  too."""

from __future__ import annotations

import pytest
from test_unitscale_matching import NO_DISTRICT, country, indicators, submission, unit_of

__all__ = ["country", "indicators"]  # the fixtures, used by name

CAM_VINH = "Xã Cẩm Vĩnh (Huyện Cẩm Xuyên, Hà Tĩnh; mã 18691)"


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("ThachHa/tdg.xlsx", "thư mục «ThachHa» chỉ huyện khác: Huyện Thạch Hà (Hà Tĩnh)"),
        ("Huyện Can Lộc/2021/tdg.xlsx", "thư mục «Huyện Can Lộc» chỉ huyện khác: Huyện Can"),
        (
            "nop/ThachHa_CamVinh.xlsx",
            "tên tệp «ThachHa_CamVinh.xlsx» chỉ huyện khác: Huyện Thạch Hà (Hà Tĩnh)",
        ),
    ],
)
def test_a_lone_commune_under_another_district_of_its_province_is_an_issue(
    tmp_path, country, indicators, where, said
):
    path = submission(tmp_path / where, NO_DISTRICT, "UBND XÃ CẨM VĨNH", "Cẩm Vĩnh")
    code, messages = unit_of(path, country, indicators)
    assert code is None
    (message,) = messages
    assert f"{CAM_VINH} theo đầu biểu, còn {said}" in message


@pytest.mark.parametrize(
    ("where", "line", "name", "code"),
    [
        ("CamXuyen/tdg.xlsx", "UBND XÃ CẨM VĨNH", "Cẩm Vĩnh", "18691"),
        ("HaTinh/Cam Xuyen/cam_vinh.xlsx", "UBND XÃ CẨM VĨNH", "Cẩm Vĩnh", "18691"),
        # «Thạch Hạ» folds as Huyện Thạch Hà's name does: its own name is no other district
        ("TP Ha Tinh/thach_ha.xlsx", "UBND XÃ THẠCH HẠ", "Thạch Hạ", "18100"),
    ],
)
def test_a_commune_under_its_own_district_or_its_own_name_is_read(
    tmp_path, country, indicators, where, line, name, code
):
    path = submission(tmp_path / where, NO_DISTRICT, line, name)
    assert unit_of(path, country, indicators) == (code, [])


def test_a_name_that_is_another_units_with_its_tones_is_not_matched(tmp_path, country, indicators):
    path = submission(tmp_path / "nop" / "tdg.xlsx", NO_DISTRICT, "UBND XÃ THẠCH HÀ", "Thạch Hà")
    code, (message,) = unit_of(path, country, indicators)
    assert code is None
    assert "«THẠCH HÀ» là tên của Huyện Thạch Hà (Hà Tĩnh; mã 445)" in message
    assert "Thị trấn Thạch Hà (Huyện Thạch Hà, Hà Tĩnh; mã 18562)" in message
    assert "Xã Thạch Hạ (Thành phố Hà Tĩnh, Hà Tĩnh; mã 18100) chỉ khớp khi bỏ qua dấu" in message


def test_a_name_matched_with_its_tones_ignored_is_a_warning(tmp_path, country, indicators):
    path = submission(tmp_path / "nop" / "tdg.xlsx", NO_DISTRICT, "UBND XÃ CẨM VỊNH", "Cẩm Vịnh")
    code, (message,) = unit_of(path, country, indicators)
    assert code == "18691"
    assert "«UBND XÃ CẨM VỊNH" in message and "ô A2" in message
    assert f"ghi «CẨM VỊNH»: không đơn vị nào tên đúng như vậy; đã nhận là {CAM_VINH}" in message


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("UBND XÃ YÊN HOÀ", "18679"),  # the old tone placement: the same spelling
        ("UBND XA CAM VINH", "18691"),  # no diacritics at all: nothing to contradict
        ("UBND XÃ THẠCH HẠ", "18100"),
    ],
)
def test_a_name_spelt_as_registered_or_without_diacritics_is_read_silently(
    tmp_path, country, indicators, line, code
):
    upper = "UBND HUYỆN CẨM XUYÊN" if code != "18100" else NO_DISTRICT
    path = submission(tmp_path / "nop" / "tdg.xlsx", upper, line, line[8:].title())
    assert unit_of(path, country, indicators) == (code, [])
