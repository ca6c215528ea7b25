"""Submissions from a province's or the country's communes, named and filed as offices do,
read against a registry built with `ntm-excel registry build`: what tells a commune's name
from its namesakes, and what is an issue instead of a guess."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest
from support.samples import SampleSpec, district_spec, write_sample

from ntm_excel.cli import registry as registry_cli
from ntm_excel.cli import translate_argparse
from ntm_excel.read.reader import read_submission
from ntm_excel.reference.registry import build_registry, load_registry

NO_DISTRICT = "ỦY BAN NHÂN DÂN"  # a title block's upper line that names no district


def build(argv: list[str]) -> None:
    """`ntm-excel registry build …` as a user runs it."""
    translate_argparse()
    parser = argparse.ArgumentParser(prog="ntm-excel")
    registry_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["registry", "build", *argv])
    assert args.func(args) == 0


@pytest.fixture(scope="module")
def ha_tinh(tmp_path_factory):
    path = tmp_path_factory.mktemp("registry") / "don_vi_ha_tinh.xlsx"
    build(["--province", "Hà Tĩnh", "-o", str(path)])
    return load_registry(path)


@pytest.fixture(scope="module")
def country():
    """The bundled 2021 list, as `registry build --country` writes it."""
    return build_registry()


def submission(path: Path, upper: str, line: str, name: str, province: str = "Hà Tĩnh"):
    """A commune's workbook whose title block reads `upper` above `line`, signed at `name`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = SampleSpec(
        unit_name=name, province=province, upper_line=upper, unit_line=line, seed=len(name)
    )
    return write_sample(path, spec)


def unit_of(path: Path, registry, indicators) -> tuple[str | None, list[str]]:
    found, issues = read_submission(path, registry, indicators)
    return found.unit_code, [i.message for i in issues if i.code.startswith("unit-")]


@pytest.fixture(scope="module")
def indicators():
    return SampleSpec().indicators()


# --- names of one word ----------------------------------------------------------------------


def test_a_one_word_name_is_no_word_of_a_file_name(tmp_path, country, indicators):
    """«Xã Tư» (Quảng Nam) is not named by «bieu_tu_danh_gia.xlsx»: the title's commune of
    Thạch Hà stands; «UBND XÃ TƯ» itself still names Xã Tư."""
    path = submission(
        tmp_path / "bieu_tu_danh_gia.xlsx",
        "UBND HUYỆN THẠCH HÀ",
        "UBND XÃ THẠCH SƠN",
        "Xã Thạch Sơn",
    )
    assert unit_of(path, country, indicators) == ("18589", [])
    path = submission(
        tmp_path / "xa_tu" / "bieu.xlsx", "UBND HUYỆN ĐÔNG GIANG", "UBND XÃ TƯ", "Xã Tư"
    )
    assert unit_of(path, country, indicators) == ("20482", [])


@pytest.mark.parametrize(
    ("upper", "line", "near"),
    [
        # «Thanh» is Xã Thanh (Quảng Trị); «Pưhớc» is Phước misspelt
        (
            "UBND HUYỆN GÒ DẦU",
            "UBND XÃ THANH PƯHỚC",
            "Xã Thanh Phước (Huyện Gò Dầu, Tây Ninh; mã 25678)",
        ),
        (
            "UBND HUYỆN CẨM XUYÊN",
            "UBND XÃ CẨM QAUN",
            "Xã Cẩm Quan (Huyện Cẩm Xuyên, Hà Tĩnh; mã 18724)",
        ),
    ],
)
def test_a_misspelt_commune_is_unknown_with_the_names_it_is_close_to(
    tmp_path, country, indicators, upper, line, near
):
    """Neither a one-word commune inside the misspelt name nor the district above it."""
    path = submission(tmp_path / "bieu.xlsx", upper, line, line.removeprefix("UBND XÃ ").title())
    code, (message,) = unit_of(path, country, indicators)
    assert code is None
    assert f"đầu biểu «{line}" in message and "ô A2" in message
    assert "ghi tên xã không có trong danh sách đơn vị" in message
    assert f"gần giống: {near}" in message


def test_the_year_after_a_name_and_a_city_kind_are_no_names(tmp_path, country, indicators):
    """«… XÃ CHI LĂNG NĂM 2021» is Xã Chi Lăng, not Xã Chi Lăng Nam (Hải Dương); «THÀNH
    PHỐ VINH» names the city, not Phường Phổ Vinh (Quảng Ngãi)."""
    path = submission(tmp_path / "a" / "bieu.ods", "UBND HUYỆN TRÀNG ĐỊNH", "", "Xã Chi Lăng")
    assert unit_of(path, country, indicators) == ("06034", [])
    path = submission(
        tmp_path / "b" / "bieu.xlsx", "UBND THÀNH PHỐ VINH", "UBND XÃ HƯNG ĐÔNG", "Xã Hưng Đông"
    )
    assert unit_of(path, country, indicators) == ("16705", [])


def test_a_districts_own_workbook_at_country_scale(tmp_path, country):
    """«BIỂU TỰ ĐÁNH GIÁ … BỘ TIÊU CHÍ HUYỆN …» names neither Xã Tư nor Thị trấn Bo; the
    province line tells which Huyện Châu Thành."""
    spec = replace(
        district_spec(),
        unit_code="821",
        unit_name="Huyện Châu Thành",
        province="Tiền Giang",
        upper_line="UBND TỈNH TIỀN GIANG",
        unit_line="UBND HUYỆN CHÂU THÀNH",  # the form's title then names no unit
    )
    path = write_sample(tmp_path / "huyen_chau_thanh.xlsx", spec)
    assert unit_of(path, country, spec.indicators()) == ("821", [])


# --- where the file says it comes from -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "line", "code"),
    [
        ("Định An - Gò Quao - Kiên Giang.xlsx", "UBND XÃ ĐỊNH AN", "30964"),
        ("BacGiang_HiepHoa_BacLy.xlsx", "UBND XÃ BẮC LÝ", "07870"),
        ("xa_ky_tan_huyen_ba_thuoc.xls", "UBND XÃ KỲ TÂN", "14974"),
        ("Xã Thanh Xuân (Huyện Sóc Sơn).xlsx", "UBND XÃ THANH XUÂN", "00433"),
    ],
)
def test_the_file_name_names_the_district_or_province(
    tmp_path, country, indicators, name, line, code
):
    """A repeated name in a flat inbox, the district and province written in the file name."""
    path = submission(
        tmp_path / "hop_thu" / name, NO_DISTRICT, line, line.removeprefix("UBND XÃ ").title()
    )
    assert unit_of(path, country, indicators) == (code, [])


def test_a_district_folder_written_in_camel_case(tmp_path, country, indicators):
    """«VinhBao», «ThanhChuong»: folder names typed without spaces."""
    for folder, line, code in (
        ("VinhBao", "UBND XÃ CAO MINH", "11902"),
        ("ThanhChuong", "UBND XÃ THANH MỸ", "17734"),
    ):
        path = submission(
            tmp_path / folder / "bieu.xlsx", NO_DISTRICT, line, "Xã " + line[8:].title()
        )
        assert unit_of(path, country, indicators) == (code, [])


def test_a_district_name_of_several_provinces_leaves_its_communes_there(
    tmp_path, country, indicators
):
    """«Huyện Châu Thành» is in ten provinces: the issue names the communes «An Khánh» of
    those districts (not the ten districts); the province's folder settles it."""
    path = submission(
        tmp_path / "bieu.xlsx", "UBND HUYỆN CHÂU THÀNH", "UBND XÃ AN KHÁNH", "Xã An Khánh"
    )
    code, (message,) = unit_of(path, country, indicators)
    assert code is None
    assert "Xã An Khánh (Huyện Châu Thành, Bến Tre; mã 28810)" in message
    assert "Xã An Khánh (Huyện Châu Thành, Đồng Tháp; mã 30271)" in message
    assert message.count("Xã An Khánh (") == 2 and "Huyện Châu Thành (Tây Ninh" not in message
    filed = tmp_path / "Đồng Tháp" / "bieu.xlsx"
    filed.parent.mkdir()
    filed.write_bytes(path.read_bytes())
    assert unit_of(filed, country, indicators) == ("30271", [])


def test_a_name_of_many_units_lists_a_few_and_says_where_it_is_written(
    tmp_path, country, indicators
):
    """«UBND XÃ TÂN THÀNH» alone fits 27 communes: the issue lists five, counts the rest,
    and points at the title's cell."""
    path = submission(tmp_path / "bieu.xlsx", NO_DISTRICT, "UBND XÃ TÂN THÀNH", "Xã Tân Thành")
    found, issues = read_submission(path, country, indicators)
    (issue,) = [i for i in issues if i.code.startswith("unit-")]
    assert found.unit_code is None and issue.code == "unit-ambiguous"
    assert issue.message.count("Xã Tân Thành (") == 5
    assert "và 22 đơn vị khác (27 đơn vị)" in issue.message
    assert (issue.file, issue.sheet, issue.cell) == ("bieu.xlsx", "Biểu tự đánh giá", "A2")


def test_a_sender_code_that_is_none_of_the_titles_namesakes_is_an_issue(
    tmp_path, country, indicators
):
    """A file saved from the mail as «<received>_<sender's code>_<name>»: the sender's code
    settles «UBND XÃ TÂN LẬP» when it is one of the 23, and is an issue naming both when it
    is Xã Cẩm Bình's."""
    one = submission(
        tmp_path / "20210310-090000_09820_bieu.xlsx", NO_DISTRICT, "UBND XÃ TÂN LẬP", "Xã Tân Lập"
    )
    assert unit_of(one, country, indicators) == ("09820", [])
    other = tmp_path / "20210310-090000_18685_bieu.xlsx"
    other.write_bytes(one.read_bytes())
    code, (message,) = unit_of(other, country, indicators)
    assert code is None
    assert (
        "Xã Cẩm Bình (Huyện Cẩm Xuyên, Hà Tĩnh; mã 18685) theo tên tệp "
        "«20210310-090000_18685_bieu.xlsx», còn đầu biểu «UBND XÃ TÂN LẬP" in message
    )
    assert "(trang «Biểu tự đánh giá», ô A2) ghi Xã Tân Lập (" in message
    assert "và 18 đơn vị khác (23 đơn vị)" in message


def test_a_code_cell_that_is_none_of_the_titles_namesakes_is_an_issue(
    tmp_path, country, indicators
):
    """«Mã đơn vị: 09820» settles «UBND XÃ TÂN LẬP»; Xã Cẩm Bình's code above it does not."""
    for code, expected in (("09820", "09820"), ("18685", None)):
        path = submission(
            tmp_path / code / "bieu.xlsx", f"Mã đơn vị: {code}", "UBND XÃ TÂN LẬP", "Xã Tân Lập"
        )
        found, messages = unit_of(path, country, indicators)
        assert found == expected
    (message,) = messages
    assert "mã 18685) theo ô mã «Mã đơn vị: 18685" in message
    assert "(trang «Biểu tự đánh giá», ô A1), còn đầu biểu «UBND XÃ TÂN LẬP" in message
    assert "còn đầu biểu «UBND XÃ TÂN LẬP" in message and "(23 đơn vị)" in message
    assert message.endswith("Hãy sửa đầu biểu hoặc ô mã cho đúng xã gửi.")


def test_a_title_district_and_a_folder_district_that_disagree(tmp_path, country, indicators):
    """Xã Minh Quang is in Ba Vì and in Kiến Xương: the title says one, the folder the
    other; the issue names both communes and which clue named which district."""
    path = submission(
        tmp_path / "Huyện Ba Vì" / "xa_minh_quang.xlsx",
        "UBND HUYỆN KIẾN XƯƠNG",
        "UBND XÃ MINH QUANG",
        "Xã Minh Quang",
    )
    code, (message,) = unit_of(path, country, indicators)
    assert code is None
    assert "Xã Minh Quang (Huyện Ba Vì, Hà Nội; mã 09700)" in message
    assert "Xã Minh Quang (Huyện Kiến Xương, Thái Bình; mã 13171)" in message
    assert (
        "(trang «Biểu tự đánh giá», ô A1) chỉ Huyện Kiến Xương (Thái Bình), còn thư mục "
        "«Huyện Ba Vì» chỉ Huyện Ba Vì (Hà Nội): các nơi này không khớp nhau." in message
    )


# --- a province's registry and a commune of another province ---------------------------------


def test_a_commune_of_another_province_is_not_its_namesake(tmp_path, ha_tinh, indicators):
    """Xã Cẩm Bình is in Cẩm Xuyên (Hà Tĩnh) and in Cẩm Thủy (Thanh Hóa): the Thanh Hóa
    commune's file, sent to Hà Tĩnh's office, is unknown and says why."""
    own = submission(
        tmp_path / "a" / "bieu.xlsx", "UBND HUYỆN CẨM XUYÊN", "UBND XÃ CẨM BÌNH", "Xã Cẩm Bình"
    )
    assert unit_of(own, ha_tinh, indicators) == ("18685", [])
    path = submission(
        tmp_path / "b" / "xa_cam_binh.xlsx",
        "UBND HUYỆN CẨM THỦY",
        "UBND XÃ CẨM BÌNH",
        "Xã Cẩm Bình",
    )
    code, (message,) = unit_of(path, ha_tinh, indicators)
    assert code is None
    assert "đầu biểu «UBND HUYỆN CẨM THỦY" in message and "ô A1" in message
    assert "Huyện Cẩm Thủy (Thanh Hóa; mã 390)" in message
    assert "không thuộc danh sách đơn vị" in message
    filed = tmp_path / "Thanh Hóa" / "xa_cam_binh.xlsx"  # the province only in the folder
    submission(filed, NO_DISTRICT, "UBND XÃ CẨM BÌNH", "Xã Cẩm Bình")
    code, (message,) = unit_of(filed, ha_tinh, indicators)
    assert code is None and "thư mục «Thanh Hóa» chỉ Tỉnh Thanh Hóa (mã 38)" in message
