"""The criteria catalogue: bundled content, threshold rules, provincial layer, export, errors."""

from __future__ import annotations

import argparse
import csv
import operator
import unicodedata

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ntm_excel.cli import catalog as catalog_cli
from ntm_excel.cli import translate_argparse
from ntm_excel.config import load_config
from ntm_excel.model import Status
from ntm_excel.reference.catalog import (
    BAC_TRUNG_BO,
    COLUMNS,
    CatalogError,
    Rule,
    export_catalog,
    load_catalog,
    parse_rule,
)

MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.UNKNOWN


def main(argv: list[str]) -> int:
    """Run the `catalog` sub-command as the CLI does (only this module's parser)."""
    translate_argparse()
    parser = argparse.ArgumentParser(prog="ntm-excel")
    catalog_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture(scope="module")
def bundled():
    return load_catalog(load_config().catalog)


def by_code(indicators, code):
    return next(ind for ind in indicators if ind.code == code)


def write_csv(path, rows, header=tuple(COLUMNS), delimiter=","):
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def row(code, criterion="9", name="Nhà ở dân cư", general="≥80", btb="≥75", comparison=">=",
        province="", set_id="xa_2016_2020", verified="không", unit="%"):  # fmt: skip
    return [set_id, province, criterion, name, code, f"Nội dung {code}", unit, general, btb,
            comparison, "nguồn", verified, "ghi chú"]  # fmt: skip


# --- the bundled catalogue -------------------------------------------------------------------


def test_bundled_commune_set_has_19_criteria_and_49_indicators(bundled):
    national = bundled.resolve("xa_2016_2020")
    assert len(national) == 49
    assert len(bundled.criteria("xa_2016_2020")) == 19
    assert [ind.code for ind in national[:3]] == ["1.1", "1.2", "2.1"]
    assert sum(ind.verified for ind in national) == 28  # as counted in the sources' notes


def test_ha_tinh_layer_adds_criterion_20(bundled):
    for province in ("Hà Tĩnh", "Tỉnh Hà Tĩnh", "ha tinh"):
        resolved = bundled.resolve("xa_2016_2020", province)
        criteria = bundled.criteria("xa_2016_2020", province)
        assert len(resolved) == 50
        assert len(criteria) == 20
        assert criteria[20] == "Khu dân cư mẫu, vườn mẫu"
    twenty = by_code(bundled.resolve("xa_2016_2020", "Hà Tĩnh"), "20")
    assert (twenty.province, twenty.verified) == ("Hà Tĩnh", False)
    assert twenty.rule_general.kind == "qualitative"
    assert "tinthethaonews" in twenty.source
    assert len(bundled.criteria("xa_2021_2025", "Hà Tĩnh")) == 20
    assert len(bundled.criteria("xa_2016_2020", "Nghệ An")) == 19


def test_bundled_sets_and_regional_thresholds(bundled):
    assert bundled.sets() == [
        "xa_2016_2020",
        "huyen_2016_2020",
        "xa_2021_2025",
        "huyen_2021_2025",
        "xa_kieu_mau_2018_2020",
        "xa_kieu_mau_2021_2025",
    ]
    income = by_code(bundled.resolve("xa_2016_2020"), "10")
    assert income.threshold_for(BAC_TRUNG_BO) == "≥36"
    assert income.threshold_for("bac trung bo") == "≥36"
    assert income.threshold_for("Tây Nguyên") == "≥45"
    assert income.rule_for(BAC_TRUNG_BO).evaluate(40.0) is MET
    assert income.rule_for("Đồng bằng sông Hồng").evaluate(40.0) is NOT_MET
    water = by_code(bundled.resolve("xa_2016_2020"), "17.1")
    assert not water.verified and "MÂU THUẪN" in water.notes
    rule = water.rule_for(BAC_TRUNG_BO)
    assert (rule.op, rule.value, rule.text) == (">=", 98.0, "≥98 (trong đó ≥60 nước sạch)")
    assert [(p.op, p.value, p.label) for p in rule.parts] == [(">=", 60.0, "nước sạch")]


def test_prose_threshold_became_qualitative(bundled):
    schools = by_code(bundled.resolve("xa_2021_2025"), "5")
    assert schools.comparison == "Đạt" and schools.rule_general.kind == "qualitative"
    assert "100% đạt CSVC tối thiểu" in schools.text
    assert "định tính" in schools.notes


def test_every_bundled_threshold_parsed_once(bundled):
    kinds = {ind.rule_general.kind for ind in bundled.indicators}
    assert kinds == {"numeric", "qualitative", "expected_text", "unverified"}
    unverified = [i for i in bundled.resolve("xa_2021_2025") if i.rule_general.kind == "unverified"]
    assert unverified and all(not ind.verified for ind in unverified)


# --- threshold rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "comparison", "kind", "op", "value", "expected"),
    [
        ("≥85", ">=", "numeric", ">=", 85.0, None),
        ("≤24,2", "<=", "numeric", "<=", 24.2, None),
        ("100", "=", "numeric", "=", 100.0, None),
        (">= 90%", "", "numeric", ">=", 90.0, None),
        ("Không", "=", "expected_text", None, None, "Không"),
        ("Đạt", "Đạt", "qualitative", None, None, "Đạt"),
        ("Đạt (≥80%)", "Đạt", "qualitative", ">=", 80.0, "Đạt"),
        ("Đạt (UBND tỉnh quy định cụ thể)", "Đạt", "qualitative", None, None, "Đạt"),
        ("≥98 (trong đó ≥60 nước sạch)", ">=", "numeric", ">=", 98.0, None),
        ("(chưa xác minh)", ">=", "unverified", None, None, None),
    ],
)
def test_threshold_forms(text, comparison, kind, op, value, expected):
    rule = parse_rule(text, comparison)
    assert (rule.text, rule.kind, rule.op, rule.value, rule.expected) == (
        text, kind, op, value, expected,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "comparison", "reason"),
    [
        ("khoảng 80", ">=", "không hiểu"),
        ("100", "", "thiếu dấu so sánh"),
        ("≥85", "Đạt", "cách so sánh là «Đạt»"),
        ("≥85", "<=", "mâu thuẫn"),
        ("Đạt", ">=", "cách so sánh là «>=»"),
        ("≥95 (trong đó nước sạch)", ">=", "không hiểu"),
        ("Đạt", "~", "không hợp lệ"),
    ],
)
def test_unparseable_thresholds(text, comparison, reason):
    with pytest.raises(ValueError, match=reason):
        parse_rule(text, comparison)


@pytest.mark.parametrize(
    ("threshold", "comparison", "value", "status"),
    [
        ("≥85", ">=", 85.0, MET),
        ("≥85", ">=", 84.9, NOT_MET),
        ("≥57", ">=", 0.57 * 100, MET),  # 56.99999999999999
        ("≤24,2", "<=", 24.2, MET),
        ("≤24,2", "<=", 24.3, NOT_MET),
        ("100", "=", 100.0, MET),
        ("100", "=", 99.5, NOT_MET),
        ("≥85", ">=", "Đạt", UNKNOWN),
        ("≥85", ">=", "Chưa đạt", UNKNOWN),
        ("≥85", ">=", None, UNKNOWN),
        ("Đạt", "Đạt", "Đạt", MET),
        ("Đạt", "Đạt", "Chưa đạt", NOT_MET),
        ("Đạt", "Đạt", 90.0, UNKNOWN),
        ("Đạt (≥80%)", "Đạt", 82.0, MET),
        ("Đạt (≥80%)", "Đạt", 75.0, NOT_MET),
        ("Đạt (≥80%)", "Đạt", "Đạt", MET),
        ("Không", "=", "Không", MET),
        ("Không", "=", "Có", NOT_MET),
        ("Không", "=", 0.0, MET),
        ("Không", "=", "Đã phê duyệt", UNKNOWN),
        ("(chưa xác minh)", ">=", 99.0, UNKNOWN),
        ("(chưa xác minh)", ">=", "Đạt", UNKNOWN),
        ("≥98 (trong đó ≥60 nước sạch)", ">=", 98.5, MET),
        ("≥98 (trong đó ≥60 nước sạch)", ">=", 97.0, NOT_MET),
    ],
)
def test_evaluate(threshold, comparison, value, status):
    assert parse_rule(threshold, comparison).evaluate(value) is status


_OPS = {"≥": operator.ge, "≤": operator.le, ">": operator.gt, "<": operator.lt}


@given(
    sign=st.sampled_from(sorted(_OPS)),
    tenths=st.integers(min_value=0, max_value=10_000),
    value=st.floats(min_value=-10, max_value=1_100, allow_nan=False),
    percent=st.booleans(),
)
def test_numeric_rules_compare_like_python(sign, tenths, value, percent):
    threshold = tenths / 10
    text = f"{sign}{threshold:g}".replace(".", ",") + ("%" if percent else "")
    rule = parse_rule(text)
    assert rule.kind == "numeric" and rule.value == pytest.approx(threshold)
    if abs(value - threshold) > 1e-6:
        expected = MET if _OPS[sign](value, threshold) else NOT_MET
        assert rule.evaluate(value) is expected


def test_rules_are_plain_frozen_data():
    rule = parse_rule("≥98 (trong đó ≥60 nước sạch)", ">=")
    assert rule == parse_rule("≥98 (trong đó ≥60 nước sạch)", ">=")
    assert hash(rule) == hash(parse_rule("≥98 (trong đó ≥60 nước sạch)"))
    assert isinstance(rule.parts[0], Rule) and rule.parts[0].evaluate(59.0) is NOT_MET


# --- provincial layer --------------------------------------------------------------------------


def test_provincial_row_overrides_national_thresholds(tmp_path):
    path = write_csv(
        tmp_path / "tieu_chi.csv",
        [
            row("9.1", general="Không", btb="Không", comparison="="),
            row("9.2"),
            row("9.2", general="≥90", btb="≥85", province="Hà Tĩnh"),
            row(
                "20",
                criterion="20",
                name="Khu dân cư mẫu, vườn mẫu",
                general="Đạt",
                btb="",
                comparison="Đạt",
                province="Hà Tĩnh",
            ),  # fmt: skip
        ],
    )
    catalog = load_catalog(path)
    national = catalog.resolve("xa_2016_2020")
    local = catalog.resolve("xa_2016_2020", "Tỉnh Hà Tĩnh")
    assert [i.code for i in national] == ["9.1", "9.2"]
    assert [i.code for i in local] == ["9.1", "9.2", "20"]
    assert by_code(national, "9.2").threshold_for(BAC_TRUNG_BO) == "≥75"
    assert by_code(local, "9.2").threshold_for(BAC_TRUNG_BO) == "≥85"
    assert by_code(local, "9.2").rule_for("Tây Nguyên").value == 90.0
    assert by_code(local, "20").threshold_for(BAC_TRUNG_BO) == "Đạt"  # empty BTB → general
    assert [i.code for i in catalog.resolve("xa_2016_2020", "Nghệ An")] == ["9.1", "9.2"]
    assert catalog.provinces("xa_2016_2020") == ["Hà Tĩnh"]


def test_codes_sort_naturally(tmp_path):
    rows = [row(code, criterion="2", name="Giao thông") for code in ("2.10", "2.2", "2.1")]
    catalog = load_catalog(write_csv(tmp_path / "c.csv", rows))
    assert [i.code for i in catalog.resolve("xa_2016_2020")] == ["2.1", "2.2", "2.10"]


def test_semicolon_csv_from_a_vietnamese_excel(tmp_path):
    path = write_csv(tmp_path / "c.csv", [row("9.2")], delimiter=";")
    assert load_catalog(path).resolve("xa_2016_2020")[0].rule_general.value == 80.0


# --- export and round trip -----------------------------------------------------------------


def test_export_round_trip(bundled, tmp_path):
    target = tmp_path / "bo_tieu_chi.xlsx"
    export_catalog(bundled, target)
    assert load_catalog(target) == bundled
    workbook = openpyxl.load_workbook(target)
    sheet = workbook["Bộ tiêu chí"]
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:M")
    assert sheet.page_setup.paperSize == 9
    assert "Hướng dẫn" in workbook.sheetnames
    guide = " ".join(str(c.value) for c in workbook["Hướng dẫn"]["A"])
    assert "THAY THẾ" in guide and "chưa xác minh" in guide
    assert sheet["L2"].value in ("có", "không")


def test_edited_export_loads_back(bundled, tmp_path):
    target = tmp_path / "sua.xlsx"
    export_catalog(bundled, target)
    workbook = openpyxl.load_workbook(target)
    sheet = workbook["Bộ tiêu chí"]
    line = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 5).value == "12")
    sheet.cell(line, 9).value = "≥ 92"  # typed with a space
    sheet.cell(line, 12).value = "có"
    last = sheet.max_row + 1
    for col, value in enumerate(row("20", criterion=20, name="Khu dân cư mẫu, vườn mẫu",
                                    general=100, btb=None, comparison="=", province="Nghệ An",
                                    set_id="xa_2016_2020"), start=1):  # fmt: skip
        sheet.cell(last, col).value = value  # numbers typed as numbers
    workbook.save(target)
    edited = load_catalog(target)
    labour = by_code(edited.resolve("xa_2016_2020"), "12")
    assert labour.rule_for(BAC_TRUNG_BO).value == 92.0 and labour.verified
    added = by_code(edited.resolve("xa_2016_2020", "Nghệ An"), "20")
    assert (added.criterion_no, added.rule_general.op, added.rule_general.value) == (20, "=", 100.0)


def test_cli_export_show_and_reexport(tmp_path, capsys):
    xlsx, again = tmp_path / "bo.xlsx", tmp_path / "lai.csv"
    assert main(["catalog", "export", str(xlsx)]) == 0
    assert main(["catalog", "export", str(again), "--catalog", str(xlsx)]) == 0
    assert load_catalog(again) == load_catalog(load_config().catalog)
    assert again.read_bytes().startswith(b"\xef\xbb\xbf")
    capsys.readouterr()
    code = main(["catalog", "show", "--catalog", str(xlsx), "--set", "xa_2016_2020",
                 "--province", "Hà Tĩnh"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "Bộ tiêu chí xa_2016_2020" in out and "20 tiêu chí, 50 chỉ tiêu" in out
    assert "Tiêu chí 20. Khu dân cư mẫu, vườn mẫu" in out
    assert "? chưa xác minh [Hà Tĩnh]" in out
    assert "≥36" in out  # the Bắc Trung Bộ income threshold
    assert main(["catalog", "show", "--set", "khong_co"]) == 2
    assert "khong_co" in capsys.readouterr().err


# --- broken catalogues -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([row("9.1"), row("9.1")], ["dòng 3, cột ma_chi_tieu", "trùng với dòng 2"]),
        ([row("3.1", criterion="4", name="Điện")], ["dòng 2, cột ma_chi_tieu", "tiêu chí 4"]),
        ([row("9.1", criterion="Tiêu chí 9")], ["dòng 2, cột tieu_chi", "số nguyên"]),
        ([row("9.1"), row("9.2", name="Nhà ở")], ["dòng 3, cột ten_tieu_chi", "ở dòng 2"]),
        ([row("9.2", general="khoảng 80")], ["dòng 2, cột chi_tieu_chung", "không hiểu chỉ tiêu"]),
        ([row("9.2", btb="≥ 75 hộ")], ["dòng 2, cột chi_tieu_bac_trung_bo", "≥ 75 hộ"]),
        ([row("9.2", comparison="lớn hơn")], ["dòng 2, cột so_sanh", "«lớn hơn» không hợp lệ"]),
        ([row("9.2", verified="chắc")], ["dòng 2, cột da_xac_minh"]),
        ([row("", general="")], ["dòng 2, cột ma_chi_tieu", "dòng 2, cột chi_tieu_chung"]),
    ],
)  # fmt: skip
def test_broken_catalogue_names_file_row_and_column(tmp_path, rows, expected):
    path = write_csv(tmp_path / "hong.csv", rows)
    with pytest.raises(CatalogError) as error:
        load_catalog(path)
    message = str(error.value)
    assert "hong.csv" in message
    for part in expected:
        assert part in message


def test_broken_edited_xlsx_names_the_excel_row(bundled, tmp_path):
    target = tmp_path / "sai.xlsx"
    export_catalog(bundled, target)
    workbook = openpyxl.load_workbook(target)
    workbook["Bộ tiêu chí"]["H7"] = "trên 80"
    workbook.save(target)
    with pytest.raises(CatalogError, match="sai.xlsx, dòng 7, cột chi_tieu_chung"):
        load_catalog(target)


def test_missing_column_and_bad_encoding(tmp_path):
    header = [c for c in COLUMNS if c != "ma_chi_tieu"]
    path = write_csv(tmp_path / "thieu.csv", [], header=header)
    with pytest.raises(CatalogError, match="thiếu cột ma_chi_tieu"):
        load_catalog(path)
    legacy = tmp_path / "ansi.csv"
    legacy.write_bytes(
        ",".join(COLUMNS).encode()
        + unicodedata.normalize("NFD", "\nxa,,1,Quy hoạch").encode("cp1258")
    )
    with pytest.raises(CatalogError, match="UTF-8"):
        load_catalog(legacy)
    with pytest.raises(CatalogError, match="Không tìm thấy"):
        load_catalog(tmp_path / "khong_co.csv")


# --- edited catalogues: set ids, provincial layers, percentages -------------------------------


@pytest.fixture(scope="module")
def exported(bundled, tmp_path_factory):
    path = tmp_path_factory.mktemp("xuat") / "bo_tieu_chi.xlsx"
    export_catalog(bundled, path)
    return path


def edit_export(exported, target, edits):
    """Save a copy of the exported catalogue with {(code, column letter): value or (value,
    number format)} applied to the national xa_2016_2020 rows; the Excel row of each code."""
    workbook = openpyxl.load_workbook(exported)
    sheet = workbook["Bộ tiêu chí"]
    lines = {
        sheet.cell(r, 5).value: r
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(r, 1).value == "xa_2016_2020" and not sheet.cell(r, 2).value
    }
    for (code, column), value in edits.items():
        cell = sheet[f"{column}{lines[code]}"]
        cell.value, cell.number_format = value if isinstance(value, tuple) else (value, "General")
    workbook.save(target)
    return {code: lines[code] for code, _ in edits}


def test_numbers_typed_in_excel_thresholds(exported, tmp_path):
    target = tmp_path / "so.xlsx"
    edit_export(exported, target, {
        ("14.2", "H"): (0.85, "0%"),  # typed 85% in Excel
        ("15.1", "I"): (0.855, "0.0%"),
        ("12", "H"): 92,
        ("15.3", "I"): 24.2,
        ("16", "H"): (75, '0"%"'),  # a literal % sign: shown as 75%, the number is 75
        ("9.2", "I"): (0.8, "0%"),
    })  # fmt: skip
    national = load_catalog(target).resolve("xa_2016_2020")
    education = by_code(national, "14.2")
    assert education.threshold_general == "85" and education.comparison == ">="
    assert education.rule_general.value == 85.0
    assert education.rule_general.evaluate(84.0) is NOT_MET  # MET when read as 0.85
    assert by_code(national, "15.1").threshold_bac_trung_bo == "85,5"
    assert by_code(national, "12").threshold_general == "92"
    assert by_code(national, "15.3").threshold_bac_trung_bo == "24,2"
    assert by_code(national, "15.3").rule_for(BAC_TRUNG_BO).value == 24.2
    assert by_code(national, "16").rule_general.value == 75.0
    housing = by_code(national, "9.2")
    assert (housing.threshold_bac_trung_bo, housing.threshold_general) == ("80", "≥80")


def test_mistyped_set_id_names_row_and_column(exported, tmp_path):
    target = tmp_path / "ma_sai.xlsx"
    line = edit_export(exported, target, {("9.2", "A"): "xa_2016-2020"})["9.2"]
    with pytest.raises(CatalogError) as error:
        load_catalog(target)
    message = str(error.value)
    assert message.startswith(f"Bộ tiêu chí {target}, dòng {line}, cột bo_tieu_chi: ")
    assert "«xa_2016-2020» không hợp lệ" in message and "có phải «xa_2016_2020»?" in message
    assert message.count("\n") == 0  # one problem, one line


@pytest.mark.parametrize(
    ("set_id", "expected"),
    [
        ("xa_test", "«xa_test» không hợp lệ"),
        ("Xã_2016_2020", "có phải «xa_2016_2020»?"),
        ("xa 2021 2025", "có phải «xa_2021_2025»?"),
        ("xa_2020_2016", "năm cuối 2016 trước năm đầu 2020"),
        ("xa_2016_20", "không hợp lệ"),
        ("xa1_2016_2020", "không hợp lệ"),
        ("2016_2020", "không hợp lệ"),
    ],
)
def test_set_id_form(tmp_path, set_id, expected):
    path = write_csv(tmp_path / "ma.csv", [row("9.1"), row("9.2", set_id=set_id)])
    with pytest.raises(CatalogError) as error:
        load_catalog(path)
    assert "ma.csv, dòng 3, cột bo_tieu_chi" in str(error.value)
    assert expected in str(error.value)


def test_set_ids_of_several_words_and_years(tmp_path):
    rows = [row("9.1", set_id="xa_kieu_mau_2018_2020"), row("9.1", set_id="huyen_2021_2021")]
    catalog = load_catalog(write_csv(tmp_path / "ma.csv", rows))
    assert catalog.sets() == ["xa_kieu_mau_2018_2020", "huyen_2021_2021"]


def test_province_layer_needs_national_rows(tmp_path):
    rows = [
        row("9.2", province="Hà Tĩnh", set_id="xa_2021_2025"),  # no national xa_2021_2025 row
        row("9.2", province="Hà Tĩnh"),  # its national row comes later: fine
        row("9.1", general="khoảng 80"),
        row("9.2"),
    ]
    with pytest.raises(CatalogError) as error:
        load_catalog(write_csv(tmp_path / "lop.csv", rows))
    lines = str(error.value).splitlines()
    assert len(lines) == 2
    assert "lop.csv, dòng 2, cột bo_tieu_chi" in lines[0]  # in row order
    assert "«xa_2021_2025» không có dòng quốc gia nào" in lines[0] and "Hà Tĩnh" in lines[0]
    assert "dòng 4, cột chi_tieu_chung" in lines[1]
    catalog = load_catalog(write_csv(tmp_path / "dung.csv", rows[1:2] + rows[3:]))
    assert by_code(catalog.resolve("xa_2016_2020", "Hà Tĩnh"), "9.2").province == "Hà Tĩnh"


def test_decimal_fraction_on_a_percent_indicator(exported, tmp_path):
    target = tmp_path / "thap_phan.xlsx"
    line = edit_export(exported, target, {("14.2", "H"): "0,85"})["14.2"]
    with pytest.raises(CatalogError) as error:
        load_catalog(target)
    assert str(error.value) == (
        f"Bộ tiêu chí {target}, dòng {line}, cột chi_tieu_chung: ngưỡng 0,85 của chỉ tiêu tính "
        "bằng % có vẻ là tỷ lệ thập phân; hãy ghi 85"
    )


@pytest.mark.parametrize(
    ("general", "comparison", "unit", "error"),
    [
        ("≥0.9", "", "%", "ngưỡng 0,9 "),
        ("Đạt (≥0,8)", "Đạt", "% / Đạt", "hãy ghi 80"),
        ("≥95 (trong đó ≥0,6 nước sạch)", ">=", "%", "ngưỡng 0,6 "),
        ("≤0,5%", "<=", "%", None),  # the % sign says it is half a percent
        ("≥0,5", ">=", "triệu đồng/người/năm", None),
        ("1", ">=", "%", None),
        ("0", "=", "%", None),
    ],
)
def test_decimal_fraction_check_in_csv(tmp_path, general, comparison, unit, error):
    rows = [row("9.2", general=general, btb="", comparison=comparison, unit=unit)]
    path = write_csv(tmp_path / "c.csv", rows)
    if error is None:
        assert load_catalog(path).resolve("xa_2016_2020")[0].threshold_general == general
    else:
        with pytest.raises(CatalogError, match=error):
            load_catalog(path)


def test_model_commune_sets_known_rows_marked(bundled):
    """691/QĐ-TTg's model-commune set as far as it is known: the rows read in a source are
    verified, the two groups not retrieved are unverified and leave the set incomplete."""
    model = bundled.resolve("xa_kieu_mau_2018_2020", "Hà Tĩnh")
    assert [i.code for i in model] == ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3", "4"]
    assert [i.verified for i in model] == [True] * 7 + [False] * 2
    assert [i.rule_general.kind for i in model if not i.verified] == ["unverified"] * 2
    assert by_code(model, "2.2").rule_general.evaluate(96.0) is MET
    assert by_code(model, "1.4").rule_general.evaluate(0.0) is MET
    assert bundled.level_set("xa_2016_2020", "kiểu mẫu") == "xa_kieu_mau_2018_2020"
    assert bundled.level_set("xa_2021_2025", "kiểu mẫu") == "xa_kieu_mau_2021_2025"
    assert bundled.level_set("xa_2016_2020", "nâng cao") is None  # issued per province


def test_a_provinces_advanced_set_needs_no_national_rows(tmp_path, bundled):
    """The office adds its province's advanced set to an export; it applies to that province."""
    path = tmp_path / "bo_tieu_chi.xlsx"
    export_catalog(bundled, path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Bộ tiêu chí"]
    sheet.append(["xa_nang_cao_2016_2020", "Hà Tĩnh", 1, "Quy hoạch", "1.1", "Quy hoạch nâng cao",
                  "", "Đạt", "", "Đạt", "QĐ của UBND tỉnh", "có", ""])  # fmt: skip
    workbook.save(path)
    catalog = load_catalog(path)
    assert catalog.level_set("xa_2016_2020", "nâng cao") == "xa_nang_cao_2016_2020"
    assert [i.code for i in catalog.resolve("xa_nang_cao_2016_2020", "Hà Tĩnh")] == ["1.1"]
    assert catalog.resolve("xa_nang_cao_2016_2020", "Nghệ An") == []
