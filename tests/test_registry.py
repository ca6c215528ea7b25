"""The unit registry: the bundled Cẩm Xuyên list, tolerant matching, building, workbook I/O."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
import vietnam_provinces

from ntm_excel.cli import main as cli_main
from ntm_excel.cli import registry as registry_cli
from ntm_excel.cli import translate_argparse
from ntm_excel.config import load_config
from ntm_excel.model import Unit
from ntm_excel.reference.registry import (
    COLUMNS,
    REGIONS,
    Registry,
    RegistryError,
    build_registry,
    file_stem,
    load_registry,
    region_of,
    write_registry,
)

CAM_XUYEN = {
    "18673": "Thị trấn Cẩm Xuyên", "18676": "Thị trấn Thiên Cầm", "18679": "Xã Yên Hòa",
    "18682": "Xã Cẩm Dương", "18685": "Xã Cẩm Bình", "18691": "Xã Cẩm Vĩnh",
    "18694": "Xã Cẩm Thành", "18697": "Xã Cẩm Quang", "18706": "Xã Cẩm Thạch",
    "18709": "Xã Cẩm Nhượng", "18712": "Xã Nam Phúc Thăng", "18715": "Xã Cẩm Duệ",
    "18721": "Xã Cẩm Lĩnh", "18724": "Xã Cẩm Quan", "18727": "Xã Cẩm Hà", "18730": "Xã Cẩm Lộc",
    "18733": "Xã Cẩm Hưng", "18736": "Xã Cẩm Thịnh", "18739": "Xã Cẩm Mỹ",
    "18742": "Xã Cẩm Trung", "18745": "Xã Cẩm Sơn", "18748": "Xã Cẩm Lạc", "18751": "Xã Cẩm Minh",
}  # fmt: skip
ADVANCED = {"18694", "18748", "18724", "18715", "18751"}  # Cẩm Thành, Lạc, Quan, Duệ, Minh
MODEL = {"18685", "18691"}  # Cẩm Bình, Cẩm Vĩnh
PLAN_TARGETS = {
    **dict.fromkeys(["Cẩm Thành", "Cẩm Lạc", "Cẩm Quan", "Cẩm Duệ", "Cẩm Minh"], "nâng cao"),
    **dict.fromkeys(["Cẩm Bình", "Cẩm Vịnh"], "kiểu mẫu"),
}
PLAN = "Kế hoạch số 07-KH/BCĐ ngày 22/01/2021 của Ban chỉ đạo huyện"


@pytest.fixture(scope="module")
def bundled() -> Registry:
    return load_registry(load_config().registry)


def main(argv: list[str]) -> int:
    """Run the `registry` sub-command as the CLI does (only this module's parser)."""
    translate_argparse()
    parser = argparse.ArgumentParser(prog="ntm-excel")
    registry_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def unit(code: str, name: str, kind: str = "xã") -> Unit:
    return Unit(code, name, kind, "Huyện Thử", "Hà Tĩnh", "Bắc Trung Bộ")


# --- the bundled registry --------------------------------------------------------------------


def test_bundled_units_codes_and_targets(bundled):
    assert len(bundled.units) == 24
    district = bundled.units[0]
    assert (district.code, district.name, district.kind, district.expected) == (
        "446", "Huyện Cẩm Xuyên", "huyện", False,
    )  # fmt: skip
    assert {u.code: u.name for u in bundled.units[1:]} == CAM_XUYEN
    for u in bundled.units[1:]:
        assert (u.district, u.province, u.region) == ("Huyện Cẩm Xuyên", "Hà Tĩnh", "Bắc Trung Bộ")
        if u.kind == "thị trấn":
            assert (u.target_level, u.expected) == ("", False)
            assert "không đánh giá" in bundled.notes[u.code]
        elif u.code in ADVANCED:
            assert u.target_level == "nâng cao"
        elif u.code in MODEL:
            assert u.target_level == "kiểu mẫu"
        else:
            assert u.target_level == "đạt chuẩn"
        assert u.email.endswith("@camxuyen.example.org") and u.contact_name == ""
    assert bundled.get("18694").email == "ubnd.camthanh@camxuyen.example.org"
    assert len(bundled.expected()) == 21
    assert "«Cẩm Vịnh»" in bundled.notes["18691"]


def test_bundled_file_is_reproducible_and_stores_codes_as_text(bundled, tmp_path):
    rebuilt = build_registry(
        "Hà Tĩnh", "Cẩm Xuyên", targets=PLAN_TARGETS, target_source=PLAN, example_emails=True
    )
    assert rebuilt == bundled
    sheet = openpyxl.load_workbook(bundled.path)["Đơn vị"]
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert {sheet.cell(r, 1).data_type for r in range(2, sheet.max_row + 1)} == {"s"}
    assert sheet.freeze_panes == "C2" and sheet.auto_filter.ref


def test_cli_build_reproduces_the_bundled_workbook(bundled, tmp_path, capsys):
    target = tmp_path / "don_vi.xlsx"
    code = main(
        ["registry", "build", "--province", "Hà Tĩnh", "--district", "Cẩm Xuyên",
         "--nang-cao", "Cẩm Thành, Cẩm Lạc, Cẩm Quan, Cẩm Duệ, Cẩm Minh",
         "--kieu-mau", "Cẩm Bình; Cẩm Vịnh", "--can-cu", PLAN, "--email-mau", "-o", str(target)]
    )  # fmt: skip
    assert code == 0
    assert "21 đơn vị phải nộp" in capsys.readouterr().out
    assert load_registry(target) == bundled
    assert main(["registry", "show", "--registry", str(target)]) == 0
    out = capsys.readouterr().out
    assert "18694  Xã Cẩm Thành" in out and "nâng cao" in out and "Tổng cộng 24 dòng" in out


def test_cli_build_writes_only_an_xlsx(tmp_path, capsys):
    """`-o dv.csv` wrote a workbook under a .csv name, `-o dv` one with no extension, and
    `-o moi/` a file called «moi»; a folder is never overwritten, --force or not."""
    build = ["registry", "build", "--province", "Hà Tĩnh", "--district", "Cẩm Xuyên", "-o"]
    for name in ("dv.csv", "dv", "moi/"):
        assert main([*build, str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("Lỗi: danh sách đơn vị phải là tệp .xlsx, không phải «")
    assert list(tmp_path.iterdir()) == []
    folder = tmp_path / "danh_sach"
    folder.mkdir()
    assert main([*build, str(folder)]) == 0  # an existing folder: the file goes in it
    assert f"vào {folder / 'don_vi.xlsx'};" in capsys.readouterr().out
    assert load_registry(folder / "don_vi.xlsx").get("18694").name == "Xã Cẩm Thành"
    (folder / "cu.xlsx").mkdir()  # a folder named like a workbook
    assert cli_main(["catalog", "export", str(folder / "cu.xlsx"), "--force"]) == 2
    err = capsys.readouterr().err
    assert err == f"Lỗi: {folder / 'cu.xlsx'} là một thư mục; hãy ghi tên tệp cần ghi.\n"


# --- matching ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("UBND XÃ CẨM THÀNH", "18694"),
        ("UBND XA CAM THANH", "18694"),
        ("Ủy ban nhân dân xã Cẩm Thành", "18694"),
        ("X. Cẩm Thành", "18694"),
        ("cam thanh", "18694"),
        ("BCĐ NTM xã Cẩm Thành", "18694"),
        ("xã Cẩm Vịnh", "18691"),
        ("Yên Hoà", "18679"),
        ("Yên Hòa", "18679"),
        ("TT Thiên Cầm", "18676"),
        ("TT. Thiên Cầm", "18676"),
        ("Thị trấn Thiên Cầm", "18676"),
        ("Thị trấn Cẩm Xuyên", "18673"),
        ("UBND huyện Cẩm Xuyên", "446"),
        ("BCĐ NTM huyện Cẩm Xuyên", "446"),
        ("Nam Phúc Thăng", "18712"),
        ("cam_thanh_2021.xlsx", "18694"),
        ("Xa Cam Thanh - tu danh gia.xls", "18694"),
        ("18694", "18694"),
        ("Mã đơn vị: 18691", "18691"),
        ("bieu_18736_2021.xlsx", "18736"),
        ("BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ CẨM THÀNH NĂM 2021", "18694"),
        ("UBND HUYỆN CẨM XUYÊN\nUBND XÃ CẨM LẠC", "18748"),
        ("UBND HUYỆN CẨM XUYÊN\nUBND XA CAM LAC", "18748"),
        ("Xã Cẩm Hà, huyện Cẩm Xuyên, tỉnh Hà Tĩnh", "18727"),
    ],
)
def test_match_spellings(bundled, text, code):
    found = bundled.match(text)
    assert found.unit is not None and found.unit.code == code
    assert found.candidates == (found.unit,)


@pytest.mark.parametrize(
    "text",
    ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Cẩm", "", "2021"],
)
def test_no_match(bundled, text):
    assert bundled.match(text).unit is None and bundled.match(text).candidates == ()


def test_cam_xuyen_alone_is_ambiguous(bundled):
    for text in ("Cẩm Xuyên", "cam_xuyen.xlsx"):
        found = bundled.match(text)
        assert found.unit is None and found.ambiguous
        assert {u.code for u in found.candidates} == {"446", "18673"}


def test_exact_spelling_beats_folded_and_equal_folds_are_ambiguous():
    registry = Registry([unit("1001", "Xã Cẩm Thành"), unit("1002", "Xã Cẩm Thạnh")])
    assert registry.match("UBND xã Cẩm Thành").unit.code == "1001"
    assert registry.match("UBND XÃ CẨM THẠNH").unit.code == "1002"
    for text in ("cam thanh", "XA CAM THANH", "cam_thanh.xlsx"):
        found = registry.match(text)
        assert found.unit is None
        assert [u.code for u in found.candidates] == ["1001", "1002"]


def test_motto_never_matches_a_commune_named_cong_hoa():
    registry = Registry([unit("2001", "Xã Cộng Hòa"), unit("2002", "Xã Hưng Đạo")])
    title = "UBND XÃ HƯNG ĐẠO  CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM  Độc lập - Tự do - Hạnh phúc"
    assert registry.match(title).unit.code == "2002"
    assert registry.match("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").unit is None
    assert registry.match("UBND xã Cộng Hòa").unit.code == "2001"


def test_kind_word_decides_and_longest_name_wins():
    registry = Registry(
        [unit("3001", "Xã Phúc Thăng"), unit("3002", "Xã Nam Phúc Thăng"),
         unit("3003", "Phường 1", "phường"), unit("3004", "Xã Sơn")]
    )  # fmt: skip
    assert registry.match("xã Nam Phúc Thăng").unit.code == "3002"
    assert registry.match("Phúc Thăng").unit.code == "3001"
    assert registry.match("UBND Phường 1").unit.code == "3003"
    assert registry.match("Tiêu chí 1").unit is None  # a bare number names no ward
    assert registry.match("thị trấn Sơn").unit is None  # wrong kind


# --- building for any district -------------------------------------------------------------


def test_build_a_district_of_nghe_an():
    registry = build_registry("Tỉnh Nghệ An", "Đô Lương")
    district, *units = registry.units
    assert (district.name, district.code, district.expected) == ("Huyện Đô Lương", "427", False)
    assert len(units) == 33
    assert {u.region for u in registry.units} == {"Bắc Trung Bộ"}
    assert {u.province for u in registry.units} == {"Nghệ An"}
    towns = [u for u in units if u.kind == "thị trấn"]
    assert [u.name for u in towns] == ["Thị trấn Đô Lương"] and not towns[0].expected
    assert len(registry.expected()) == 32
    assert all(u.kind == "xã" and u.target_level == "đạt chuẩn" for u in registry.expected())
    assert all(u.email == "" for u in registry.units)


def test_build_rejects_ambiguous_or_unknown_names():
    with pytest.raises(RegistryError, match="Huyện Kỳ Anh; Thị xã Kỳ Anh"):
        build_registry("Hà Tĩnh", "Kỳ Anh")
    assert build_registry("Hà Tĩnh", "Thị xã Kỳ Anh").units[0].kind == "thị xã"
    with pytest.raises(RegistryError, match="Không tìm thấy huyện «Cẩm Thủy»"):
        build_registry("Hà Tĩnh", "Cẩm Thủy")
    with pytest.raises(RegistryError, match="Cẩm Xuyên"):
        build_registry("Hà Tĩnh", "Cẩm Xuyên", targets={"Cẩm Xuyên": "nâng cao"})
    with pytest.raises(RegistryError, match="không hợp lệ"):
        build_registry("Hà Tĩnh", "Cẩm Xuyên", targets={"Cẩm Thành": "xuất sắc"})


def test_every_province_has_a_region():
    path = Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)
    provinces = json.loads(path.read_text(encoding="utf-8"))
    regions = {region_of(p["name"]) for p in provinces}
    assert len(provinces) == 63 and regions == set(REGIONS)
    assert region_of("Thành phố Hồ Chí Minh") == "Đông Nam Bộ"
    with pytest.raises(RegistryError):
        region_of("Atlantis")


# --- workbook I/O -------------------------------------------------------------------------------


def test_write_load_round_trip(tmp_path):
    registry = build_registry("Hà Tĩnh", "Cẩm Xuyên", targets={"18694": "nâng cao"})
    first = registry.units[3]
    registry = Registry(
        [replace(first, supervisors=("Lê Ngọc Hà", "Trần Ngọc Quang"), phone="0239 3861 234")]
        + [u for u in registry.units if u is not first],
        registry.notes,
    )
    target = tmp_path / "don_vi.xlsx"
    write_registry(registry, target)
    loaded = load_registry(target)
    assert loaded == registry and loaded.path == target
    sheet = openpyxl.load_workbook(target)["Đơn vị"]
    assert sheet.cell(2, 12).value == "Lê Ngọc Hà; Trần Ngọc Quang"


def edited(tmp_path, changes: dict[str, object]):
    target = tmp_path / "don_vi.xlsx"
    write_registry(build_registry("Hà Tĩnh", "Cẩm Xuyên"), target)
    workbook = openpyxl.load_workbook(target)
    for address, value in changes.items():
        workbook["Đơn vị"][address] = value
    workbook.save(target)
    return target


def test_codes_typed_as_numbers_and_blank_columns_are_tolerated(tmp_path):
    target = edited(tmp_path, {"A5": 18679, "H5": None, "F5": None, "L5": "A; B\nC"})
    yen_hoa = load_registry(target).get("18679")
    assert yen_hoa.name == "Xã Yên Hòa"
    assert yen_hoa.expected and yen_hoa.region == "Bắc Trung Bộ"
    assert yen_hoa.supervisors == ("A", "B", "C")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"A5": "18676"}, "dòng 5, cột ma_don_vi: mã 18676 trùng với dòng 4"),
        ({"A5": "18a79"}, "dòng 5, cột ma_don_vi"),
        ({"A5": None}, "dòng 5, cột ma_don_vi"),
        ({"C6": "thôn"}, "dòng 6, cột loai"),
        ({"G7": "xuất sắc"}, "dòng 7, cột muc_tieu"),
        ({"H8": "có lẽ"}, "dòng 8, cột phai_nop"),
        ({"J9": "khong-phai-thu"}, "dòng 9, cột email"),
        ({"J9": "bcc:ke.xau@example.org"}, "dòng 9, cột email"),
        ({"J9": "a@camxuyen.example.org\r\nBcc: ke.xau@example.org"}, "dòng 9, cột email"),
        ({"J9": "a@camxuyen.example.org, b@camxuyen.example.org"}, "dòng 9, cột email"),
    ],
)
def test_bad_rows_are_named(tmp_path, changes, message):
    with pytest.raises(RegistryError, match=message):
        load_registry(edited(tmp_path, changes))


def test_missing_file_or_column(tmp_path):
    with pytest.raises(RegistryError, match="Không tìm thấy"):
        load_registry(tmp_path / "khong_co.xlsx")
    with pytest.raises(RegistryError, match="thiếu cột ma_don_vi"):
        load_registry(edited(tmp_path, {"A1": "Mã"}))


def test_file_stem_has_no_diacritics(bundled):
    assert file_stem(bundled.get("18694")) == "xa_cam_thanh"
    assert file_stem(bundled.get("18676")) == "thi_tran_thien_cam"


def test_a_registry_parsed_once_is_taken_from_the_state_folder(tmp_path, monkeypatch):
    """With a state folder, the units read from the workbook are kept there and used while
    the workbook stays the same; a changed workbook or a damaged cache is read again."""
    import ntm_excel.reference.registry as module

    path, state = tmp_path / "don_vi.xlsx", tmp_path / "var"
    state.mkdir()
    bundled = load_registry(load_config().registry)
    officials = replace(bundled.units[0], supervisors=("Nguyễn Văn A", "Trần Thị B"))
    write_registry(module.Registry([officials, *bundled.units[1:]], bundled.notes), path)
    first = load_registry(path, state)
    assert (state / module.REGISTRY_CACHE).is_file()
    assert first.units == load_registry(path).units and first.notes == load_registry(path).notes

    def parse(_):
        raise AssertionError("parsed again")

    with monkeypatch.context() as patched:
        patched.setattr(module, "_parse_registry", parse)
        again = load_registry(path, state)
    assert (again.units, again.notes, again.path) == (first.units, first.notes, path)
    assert again.units[0].supervisors == ("Nguyễn Văn A", "Trần Thị B")  # a tuple again
    changed = replace(bundled.units[0], name="Xã Cẩm Thành Mới")
    write_registry(module.Registry([changed, *bundled.units[1:]], bundled.notes), path)
    assert load_registry(path, state).units[0].name == "Xã Cẩm Thành Mới"
    (state / module.REGISTRY_CACHE).write_text("{hỏng", encoding="utf-8")
    assert load_registry(path, state).units[0].name == "Xã Cẩm Thành Mới"


def test_the_name_index_is_kept_with_the_units(tmp_path, monkeypatch):
    """The words of every unit's name (folded and as spelled) are kept in the cache too, and
    used as they are while the workbook and the code stay the same: a unit is matched by its
    name without its name being worked out again. A changed workbook, another version of the
    code, or name keys of the wrong shape in the cache are a miss (the workbook is read
    again and the cache mended), never an error."""
    import ntm_excel.reference.registry as module

    path, state = tmp_path / "don_vi.xlsx", tmp_path / "var"
    state.mkdir()
    bundled = load_registry(load_config().registry)
    write_registry(bundled, path)
    first = load_registry(path, state)
    cache = state / module.REGISTRY_CACHE
    kept = json.loads(cache.read_text(encoding="utf-8"))
    at = [unit.code for unit in first.units].index("18694")  # Xã Cẩm Thành
    assert kept["names"][at] == [["cam", "thanh"], ["cẩm", "thành"]]

    def name_key(_):
        raise AssertionError("worked out again")

    with monkeypatch.context() as patched:
        patched.setattr(module, "name_key", name_key)
        again = load_registry(path, state)
    assert again.names == first.names
    assert again.match("UBND xã Cẩm Thành").unit.code == "18694"
    assert again.match("xa cam thanh").unit.code == "18694"

    # the workbook edited: its names are worked out again
    renamed = replace(bundled.units[1], name="Xã Cẩm Thành Mới")
    write_registry(module.Registry([bundled.units[0], renamed, *bundled.units[2:]]), path)
    edited = load_registry(path, state)
    assert edited.match("Xã Cẩm Thành Mới").unit.code == renamed.code
    assert json.loads(cache.read_text(encoding="utf-8"))["names"][1][0][-1] == "moi"

    # another version of the code: a miss
    calls = []
    real = module.name_key
    with monkeypatch.context() as patched:
        patched.setattr(module, "_loader_version", lambda: "another version")
        patched.setattr(module, "name_key", lambda unit: calls.append(unit) or real(unit))
        assert load_registry(path, state).names == edited.names
    assert len(calls) == len(edited.units)

    # name keys of the wrong shape (damaged or forged): a miss, the cache mended
    for damaged in ([["x"]], [[[], []]], [[[1], ["a"]]], "names", None):
        data = json.loads(cache.read_text(encoding="utf-8"))
        data["names"] = damaged if not isinstance(damaged, list) else damaged * len(data["units"])
        cache.write_text(json.dumps(data), encoding="utf-8")
        loaded = load_registry(path, state)
        assert loaded.names == edited.names
        assert loaded.match("Xã Cẩm Thành Mới").unit.code == renamed.code
        assert json.loads(cache.read_text(encoding="utf-8"))["names"] == json.loads(
            json.dumps(edited.names)
        )
