"""Registries of a province and of the whole country, and names that repeat across districts:
built from the 2021 list, written and loaded back, matched with the place a file comes from."""

from __future__ import annotations

import argparse
from collections import Counter

import pytest

from ntm_excel.cli import registry as registry_cli
from ntm_excel.cli import translate_argparse
from ntm_excel.model import COMMUNE, DISTRICT, PROVINCE
from ntm_excel.reference.registry import (
    Clues,
    Place,
    RegistryError,
    build_registry,
    describe,
    load_registry,
    write_registry,
)


@pytest.fixture(scope="module")
def country():
    return build_registry()


@pytest.fixture(scope="module")
def nghe_an():
    return build_registry("Nghệ An")


def main(argv: list[str]) -> int:
    translate_argparse()
    parser = argparse.ArgumentParser(prog="ntm-excel")
    registry_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


# --- building -----------------------------------------------------------------------------------


def test_a_province_registry_lists_the_province_its_districts_and_their_communes():
    registry = build_registry("Hà Tĩnh")
    province, *rest = registry.units
    assert (province.code, province.name, province.kind, province.tier) == (
        "42", "Tỉnh Hà Tĩnh", "tỉnh", PROVINCE,
    )  # fmt: skip
    assert not province.expected and province.target_level == ""
    districts = registry.tier(DISTRICT)
    assert len(districts) == 13 and len(registry.tier(COMMUNE)) == 216
    assert {u.province for u in registry.units} == {"Hà Tĩnh"}
    assert {u.region for u in registry.units} == {"Bắc Trung Bộ"}
    cam_xuyen = registry.get("446")
    assert (cam_xuyen.name, cam_xuyen.kind, cam_xuyen.district) == (
        "Huyện Cẩm Xuyên", "huyện", "Huyện Cẩm Xuyên",
    )  # fmt: skip
    assert cam_xuyen.target_level == "đạt chuẩn" and not cam_xuyen.expected
    # each district comes before its own communes, which name it
    index = registry.units.index(cam_xuyen)
    assert registry.units[index + 1].district == "Huyện Cẩm Xuyên"
    cam_thanh = registry.get("18694")
    assert (cam_thanh.tier, cam_thanh.district, cam_thanh.expected) == (
        COMMUNE, "Huyện Cẩm Xuyên", True,
    )  # fmt: skip
    # the district form is unchanged: the same 24 rows as the bundled Cẩm Xuyên registry
    one = build_registry("Hà Tĩnh", "Cẩm Xuyên")
    assert one.units == registry.units[index : index + 24]
    expected = [u for u in registry.units if u.kind == "xã"]
    assert registry.expected() == expected
    assert all(u.target_level == "đạt chuẩn" for u in expected)


def test_a_country_registry_has_every_unit_once_with_padded_codes(country, tmp_path):
    tiers = Counter(u.tier for u in country.units)
    assert tiers == {PROVINCE: 63, DISTRICT: 705, COMMUNE: 10_603}
    assert len({u.code for u in country.units}) == len(country.units)
    assert {len(u.code) for u in country.units if u.tier == COMMUNE} == {5}
    assert {len(u.code) for u in country.units if u.tier == DISTRICT} == {3}
    assert {len(u.code) for u in country.units if u.tier == PROVINCE} == {2}
    hanoi = country.get("01")
    assert (hanoi.name, hanoi.kind, hanoi.tier) == (
        "Thành phố Hà Nội", "thành phố trung ương", PROVINCE,
    )  # fmt: skip
    assert country.get("001").name == "Quận Ba Đình"
    assert country.get("001").target_level == ""  # an urban district without communes
    assert country.get("00001").name == "Phường Phúc Xá"
    assert len(country.expected()) == 8272
    tan_lap = [u for u in country.units if u.name == "Xã Tân Lập"]
    assert len(tan_lap) == 23 and len({u.district for u in tan_lap}) == 23

    target = tmp_path / "ca_nuoc.xlsx"
    write_registry(country, target)
    assert load_registry(target) == country


def test_cli_builds_a_province_and_the_country(tmp_path, capsys):
    target = tmp_path / "nghe_an.xlsx"
    assert main(["registry", "build", "--province", "Nghệ An", "-o", str(target)]) == 0
    out = capsys.readouterr().out
    assert (
        "481 đơn vị của tỉnh Nghệ An: 21 đơn vị cấp huyện, 460 đơn vị cấp xã (411 xã) và dòng "
        "của chính tỉnh (482 dòng)" in out
    )
    assert "411 đơn vị phải nộp" in out
    assert main(["registry", "show", "--registry", str(target)]) == 0
    assert "Tổng cộng 482 dòng; 411 đơn vị phải nộp." in capsys.readouterr().out
    district = tmp_path / "do_luong.xlsx"
    argv = ["registry", "build", "--province", "Nghệ An", "--district", "Đô Lương"]
    assert main([*argv, "-o", str(district)]) == 0
    out = capsys.readouterr().out  # the district's own row counted as the province's is
    assert (
        "33 đơn vị của Huyện Đô Lương (Nghệ An, vùng Bắc Trung Bộ) và dòng của chính huyện "
        "(34 dòng)" in out
    )
    assert load_registry(target) == build_registry("Nghệ An")
    assert main(["registry", "build", "--district", "Đô Lương", "-o", str(target)]) == 2
    assert "--district cần --province" in capsys.readouterr().err
    assert main(["registry", "build", "--country", "--province", "Nghệ An", "-o", "x"]) == 2
    target = tmp_path / "ca_nuoc.xlsx"
    assert main(["registry", "build", "--country", "-o", str(target)]) == 0
    out = capsys.readouterr().out
    assert (
        "11308 đơn vị của 63 tỉnh: 705 đơn vị cấp huyện, 10603 đơn vị cấp xã (8272 xã) và một "
        "dòng cho mỗi tỉnh (11371 dòng)" in out
    )


def test_targets_by_name_must_be_unambiguous_in_a_province(nghe_an):
    with pytest.raises(RegistryError) as error:
        build_registry("Nghệ An", targets={"Đồng Văn": "nâng cao"})
    message = str(error.value)
    for district in ("Huyện Quế Phong", "Huyện Tân Kỳ", "Huyện Thanh Chương"):
        assert district in message
    assert "Hãy ghi mã đơn vị" in message
    registry = build_registry("Nghệ An", targets={"17287": "kiểu mẫu"}, target_source="KH 1")
    assert registry.get("17287").target_level == "kiểu mẫu"
    assert registry.notes["17287"] == "Mục tiêu: xã nông thôn mới kiểu mẫu theo KH 1."
    assert registry.get("16744").target_level == "đạt chuẩn"


# --- names repeated across districts ------------------------------------------------------------


def test_a_repeated_name_alone_is_ambiguous_and_the_candidates_say_where(country):
    found = country.match("UBND XÃ TÂN LẬP")
    assert found.unit is None and len(found.candidates) == 23
    assert describe(country.get("09820")) == "Xã Tân Lập (Huyện Đan Phượng, Hà Nội; mã 09820)"


@pytest.mark.parametrize(
    ("clues", "code"),
    [
        (Clues(lines=("UBND HUYỆN ĐAN PHƯỢNG",)), "09820"),
        (Clues(lines=("Xã Tân Lập, huyện Đan Phượng, thành phố Hà Nội",)), "09820"),
        (Clues(folders=("Dan Phuong", "Ha Noi")), "09820"),
        (Clues(folders=("huyen_yen_my",)), "12073"),
        (Clues(lines=("UBND HUYỆN VŨ THƯ",)), "13240"),
        (Clues(lines=("UBND TỈNH THÁI BÌNH",)), "13240"),  # one Tân Lập in the province
        (Clues(folders=("Long An",), lines=("UBND HUYỆN TÂN THẠNH",)), "27838"),
    ],
)
def test_the_place_resolves_a_repeated_name(country, clues, code):
    place = country.locate(clues)
    found = country.match("UBND XÃ TÂN LẬP", place)
    assert found.unit is not None and found.unit.code == code


def test_a_province_alone_may_leave_several(country):
    place = country.locate(Clues(folders=("Long An",)))
    assert place.provinces == {"Long An"}
    found = country.match("UBND XÃ TÂN LẬP", place)
    assert [u.code for u in found.candidates] == ["27820", "27838"]


def test_district_names_repeat_across_provinces_and_the_province_tells_them_apart(country):
    place = country.locate(Clues(lines=("UBND HUYỆN CHÂU THÀNH",)))
    assert len(place.districts) > 3
    place = country.locate(Clues(lines=("UBND HUYỆN CHÂU THÀNH", "UBND TỈNH AN GIANG")))
    assert place.districts == {("An Giang", "Huyện Châu Thành")}
    assert country.match("UBND HUYỆN CHÂU THÀNH", place).unit.province == "An Giang"


def test_a_bare_name_that_is_a_province_and_a_district_is_the_province(country):
    place = country.locate(Clues(folders=("Ha Tinh",)))
    assert place == Place(provinces=frozenset({"Hà Tĩnh"}))
    place = country.locate(Clues(folders=("TP Ha Tinh",)))
    assert place.districts == {("Hà Tĩnh", "Thành phố Hà Tĩnh")}


def test_the_sender_address_names_its_unit(tmp_path):
    registry = build_registry("Nghệ An", example_emails=True)
    tan_ky = next(u for u in registry.units if u.code == "17287")
    place = registry.locate(Clues(sender=f"Văn thư xã <{tan_ky.email.upper()}>"))
    assert place.senders == {"17287"} and ("Nghệ An", "Huyện Tân Kỳ") in place.districts
    assert registry.match("xa dong van", place).unit.code == "17287"
    assert registry.match("xa dong van").ambiguous


def test_unknown_clues_change_nothing(nghe_an):
    place = nghe_an.locate(Clues(lines=("BIỂU TỰ ĐÁNH GIÁ NĂM 2021",), folders=("Downloads",)))
    assert place == Place()
    assert len(nghe_an.match("Xã Đồng Văn", place).candidates) == 3
