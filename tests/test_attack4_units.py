"""A commune's workbook filed in a folder of another province, read at country scale: the
title names a commune only one province has («UBND XÃ CHÂU THÀNH»: Quỳ Hợp, Nghệ An), the
folder «TienGiang/ChauThanh» another province; the report was counted as Nghệ An's
commune's without an issue. Each workbook is a real file written and read back."""

from __future__ import annotations

import pytest
from test_unitscale_matching import NO_DISTRICT, country, indicators, submission, unit_of

__all__ = ["country", "indicators"]  # the fixtures, used by name


@pytest.mark.parametrize(
    ("folders", "line", "name"),
    [
        ("TienGiang/ChauThanh", "UBND XÃ CHÂU THÀNH", "Châu Thành"),
        ("QuangNam", "UBND XÃ CẨM VĨNH", "Cẩm Vĩnh"),
    ],
)
def test_a_lone_commune_in_another_provinces_folder_is_an_issue(
    tmp_path, country, indicators, folders, line, name
):
    path = submission(tmp_path / folders / "tdg.xlsx", NO_DISTRICT, line, name)
    code, said = unit_of(path, country, indicators)
    assert code is None
    assert len(said) == 1 and f"thư mục «{folders.split('/')[0]}» chỉ tỉnh khác" in said[0]


@pytest.mark.parametrize(
    ("folders", "code"), [("HaTinh/CamXuyen", "18691"), ("HoaBinh", None), ("Ha Tinh", "18691")]
)
def test_a_commune_in_its_own_provinces_folder_is_read(
    tmp_path, country, indicators, folders, code
):
    """Xã Cẩm Vĩnh in «HaTinh/CamXuyen» is Cẩm Vĩnh; a folder «Hòa Bình» with Xã Hòa Bình
    (a name that is also a province's) is not said to be another province."""
    line, name = ("UBND XÃ CẨM VĨNH", "Cẩm Vĩnh") if code else ("UBND XÃ HÒA BÌNH", "Hòa Bình")
    path = submission(tmp_path / folders / "tdg.xlsx", NO_DISTRICT, line, name)
    found, said = unit_of(path, country, indicators)
    assert not any("chỉ tỉnh khác" in message for message in said)
    if code:
        assert (found, said) == (code, [])
