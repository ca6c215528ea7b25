"""A provincial office's batch: real workbooks from communes whose names repeat across
districts, one folder per district, district self-assessments; read by the reader, consolidated,
and the master's roll-up by district read back with openpyxl."""

from __future__ import annotations

import csv
import os
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from support.samples import SampleSpec, district_spec, write_sample

from ntm_excel.check.consolidate import consolidate
from ntm_excel.check.figures import Figures, meets_all
from ntm_excel.config import load_config
from ntm_excel.model import Status
from ntm_excel.read.reader import read_submission
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import build_registry, load_registry, write_registry
from ntm_excel.write.master import overflow_files, write_master

SET = "xa_2016_2020"
AS_OF = date(2021, 3, 15)
MARCH_10 = datetime(2021, 3, 10, 9, 0).timestamp()
DONG_VAN = {"16744": "Huyện Quế Phong", "17287": "Huyện Tân Kỳ", "17764": "Huyện Thanh Chương"}
NO_DISTRICT = "ỦY BAN NHÂN DÂN"  # a title block's upper line that names no district


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(load_config().catalog)


@pytest.fixture(scope="module")
def nghe_an(tmp_path_factory):
    """The province's registry as the office keeps it: built, written, loaded back."""
    path = tmp_path_factory.mktemp("registry") / "don_vi_nghe_an.xlsx"
    write_registry(build_registry("Nghệ An"), path)
    return load_registry(path)


@pytest.fixture(scope="module")
def indicators(catalog):
    return catalog.resolve(SET, "Nghệ An")


def commune(path: Path, registry, code: str, upper: str = "", **spec) -> Path:
    """A commune's workbook; `upper` is the title block's line above the commune's."""
    unit = registry.get(code)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_sample(
        path,
        SampleSpec(
            unit_code=code,
            unit_name=unit.name,
            province="Nghệ An",
            upper_line=upper or f"UBND {unit.district.upper()}",
            seed=int(code),
            **spec,
        ),
    )
    os.utime(path, (MARCH_10, MARCH_10))
    return path


# --- the reader tells repeated names apart --------------------------------------------------


def test_the_title_block_district_resolves_a_repeated_name(tmp_path, nghe_an, indicators):
    path = commune(tmp_path / "dong_van.xlsx", nghe_an, "17287", upper="UBND HUYỆN TÂN KỲ")
    submission, issues = read_submission(path, nghe_an, indicators)
    assert submission.unit_code == "17287"
    assert not [i for i in issues if i.code.startswith("unit-")]


def test_the_district_folder_resolves_a_repeated_name(tmp_path, nghe_an, indicators):
    for code, folder in (("17764", "Thanh Chuong"), ("16744", "huyen Que Phong")):
        path = commune(tmp_path / folder / "xa_dong_van.xlsx", nghe_an, code, upper=NO_DISTRICT)
        submission, _ = read_submission(path, nghe_an, indicators)
        assert submission.unit_code == code
    # the file name alone (no name in the title block), one folder per district
    path = commune(
        tmp_path / "Tan Ky" / "dong_van.xlsx",
        nghe_an,
        "17287",
        upper=NO_DISTRICT,
        unit_style="file_name",
    )
    submission, _ = read_submission(path, nghe_an, indicators)
    assert (submission.unit_code, submission.unit_text) == ("17287", "dong_van.xlsx")


def test_without_district_context_a_repeated_name_is_ambiguous(tmp_path, nghe_an, indicators):
    path = commune(tmp_path / "hop_thu" / "dong_van.xlsx", nghe_an, "17287", upper=NO_DISTRICT)
    submission, issues = read_submission(path, nghe_an, indicators)
    assert submission.unit_code is None
    (issue,) = [i for i in issues if i.code == "unit-ambiguous"]
    for code, district in DONG_VAN.items():
        assert f"Xã Đồng Văn ({district}, Nghệ An; mã {code})" in issue.message
    assert "UBND HUYỆN" in issue.message  # says how to tell


def test_country_registry_reads_tan_lap_from_its_district_folder(tmp_path, indicators):
    country = build_registry()
    path = tmp_path / "Ha Noi" / "Dan Phuong" / "tan_lap.xlsx"
    path.parent.mkdir(parents=True)
    spec = SampleSpec(unit_code="09820", unit_name="Xã Tân Lập", upper_line=NO_DISTRICT)
    write_sample(path, spec)
    assert read_submission(path, country, indicators)[0].unit_code == "09820"
    elsewhere = tmp_path / "tan_lap.xlsx"
    elsewhere.write_bytes(path.read_bytes())
    submission, issues = read_submission(elsewhere, country, indicators)
    assert submission.unit_code is None
    (issue,) = [i for i in issues if i.code == "unit-ambiguous"]
    assert issue.message.count("Xã Tân Lập (") == 5  # the first few, and how many more
    assert "và 18 đơn vị khác (23 đơn vị)" in issue.message


# --- a province's consolidation and its roll-up ------------------------------------------------


@pytest.fixture(scope="module")
def province_inbox(tmp_path_factory, nghe_an):
    """One folder per district, as a provincial office keeps them."""
    root = tmp_path_factory.mktemp("tinh_nghe_an")
    tan_ky = root / "Tan Ky"
    commune(tan_ky / "xa_dong_van.xlsx", nghe_an, "17287", upper=NO_DISTRICT)
    commune(tan_ky / "xa_tan_hop.xlsx", nghe_an, "17269")
    commune(tan_ky / "xa_tan_phu.xlsx", nghe_an, "17272", not_met=("2.1",))
    commune(root / "Que Phong" / "xa_dong_van.xlsx", nghe_an, "16744", upper=NO_DISTRICT)
    commune(root / "Thanh Chuong" / "dong_van.xlsx", nghe_an, "17764")
    commune(root / "chua_ro" / "dong_van.xlsx", nghe_an, "17764", upper=NO_DISTRICT)
    district = replace(
        district_spec(),
        unit_code="423",
        unit_name="Huyện Tân Kỳ",
        province="Nghệ An",
        upper_line="UBND TỈNH NGHỆ AN",
    )
    write_sample(tan_ky / "huyen_tan_ky.xlsx", district)
    return root


@pytest.fixture(scope="module")
def province_result(province_inbox, nghe_an, catalog):
    return consolidate(
        [province_inbox], catalog=catalog, registry=nghe_an, catalog_set=SET, as_of=AS_OF
    )


def test_province_consolidation_places_every_file(province_result, nghe_an):
    result = province_result
    submitted = {r.unit.code for r in result.units if r.submitted}
    assert submitted == {"17287", "17269", "17272", "16744", "17764"}
    assert len(result.units) == len(nghe_an.expected())
    (ambiguous,) = [i for i in result.issues if i.code == "unit-ambiguous"]
    assert ambiguous.file == "chua_ro/dong_van.xlsx" and "Huyện Quế Phong" in ambiguous.message
    assert result.district is None
    districts = {r.unit.name: r for r in result.districts}
    assert len(districts) == 20  # every district with communes; Thị xã Cửa Lò has none
    tan_ky = districts["Huyện Tân Kỳ"]
    assert tan_ky.submitted and tan_ky.submission.file_name == "huyen_tan_ky.xlsx"
    # its "100% of communes" counts Tân Kỳ's 21 communes only: 2 of them meet all criteria
    precondition = next(i for i in tan_ky.indicators if i.indicator_code == "0")
    assert precondition.value == pytest.approx(round(100 * 2 / 21, 2))
    assert precondition.status is Status.NOT_MET
    assert not districts["Huyện Quế Phong"].submitted


def test_province_csv_has_the_districts_that_sent_their_workbook(province_result, tmp_path):
    from ntm_excel.write.csv_export import write_csv

    write_csv(province_result, tmp_path)
    with open(tmp_path / "units.csv", encoding="utf-8-sig", newline="") as handle:
        units = {row["unit_code"]: row for row in csv.DictReader(handle)}
    assert units["423"]["submitted"] == "yes" and units["423"]["unit_name"] == "Huyện Tân Kỳ"
    assert "415" not in units  # Quế Phong sent no workbook of its own
    assert units["17287"]["submitted"] == "yes" and len(units) == 411 + 1


def test_province_master_rolls_up_by_district(province_result, nghe_an, tmp_path):
    result = province_result
    meeting = {r.unit.code for r in result.units if meets_all(r)}
    assert meeting == {"17287", "17269", "16744", "17764"}  # Tân Phú misses 2.1
    target = write_master(result, tmp_path / "tong_hop_tinh.xlsx")
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[:3] == ["Tổng hợp", "Theo huyện", "Ma trận tiêu chí"]
    assert "Tiêu chí huyện" not in book.sheetnames and "Theo tỉnh" not in book.sheetnames
    sheet = book["Theo huyện"]
    header = [c.value for c in sheet[3]]
    assert header[:7] == [
        "Huyện", "Số xã phải nộp", "Số xã đã nộp", "Tỷ lệ nộp", "Số xã đạt đủ tiêu chí",
        "Tỷ lệ xã đạt", "Biểu tự đánh giá của huyện",
    ]  # fmt: skip
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]}
    expected = {}
    for unit in nghe_an.expected():
        expected[unit.district] = expected.get(unit.district, 0) + 1
    for district, count in expected.items():
        assert rows[district][1] == count
    assert rows["Huyện Tân Kỳ"][1:6] == (21, 3, pytest.approx(3 / 21), 2, pytest.approx(2 / 21))
    assert rows["Huyện Quế Phong"][1:4] == (12, 1, pytest.approx(1 / 12))
    one_in_37 = pytest.approx(1 / 37)
    assert rows["Huyện Thanh Chương"][1:6] == (37, 1, one_in_37, 1, one_in_37)
    assert rows["Huyện Yên Thành"][1:6] == (38, 0, 0, 0, 0)
    district_report = next(r for r in result.districts if r.unit.name == "Huyện Tân Kỳ")
    met = sum(c.status is Status.MET for c in district_report.criteria)
    assert rows["Huyện Tân Kỳ"][6:9] == (
        "Có", f"{met}/{len(district_report.criteria)}", "✗ Chưa đạt",
    )  # fmt: skip
    lagging = [c for c in district_report.criteria if c.status is not Status.MET]
    assert rows["Huyện Tân Kỳ"][9] == "; ".join(
        f"{c.criterion_no}. {c.name} (chưa đạt)" for c in lagging
    )
    assert rows["Huyện Quế Phong"][6:10] == ("Không", None, "Chưa nộp", None)
    total = rows["Cộng"]
    assert total[1:3] == (411, 5) and total[4] == 4
    assert total[6] == "1/20" and total[8] == "0/20"
    # the figures the sheet shows are the ones computed once
    by_district = {a.name: a for a in Figures.of(result).by_district()}
    tan_ky = by_district["Huyện Tân Kỳ"]
    assert (tan_ky.communes, tan_ky.submitted, tan_ky.meeting_all) == (21, 3, 2)

    summary = [r for r in book["Tổng hợp"].iter_rows(values_only=True) if r[0]]
    lines = {r[0]: r[1] for r in summary}
    assert "II. THEO HUYỆN" in lines
    assert lines["Số huyện đánh giá theo bộ tiêu chí huyện"] == 20
    assert lines["Số huyện đã nộp biểu tự đánh giá"] == 1
    assert lines["Số huyện đạt đủ tiêu chí huyện"] == 0
    standard = next(r for r in summary if r[0] == "Đạt chuẩn")
    assert standard[1:6] == (411, 5, 4, 407, 1)
    assert standard[6].startswith("407 đơn vị — quá nhiều để liệt kê")  # not 407 names in a cell
    matrix = book["Ma trận tiêu chí"]
    assert [c.value for c in matrix[3]][:4] == ["Mã ĐV", "Đơn vị", "Huyện", "Mục tiêu"]
    codes = {r[0]: r[2] for r in matrix.iter_rows(min_row=4, values_only=True) if r[0]}
    assert {code: codes[code] for code in DONG_VAN} == DONG_VAN


def test_a_master_of_several_provinces_adds_them_up(tmp_path, catalog, indicators):
    registry = build_registry()
    units = [u for u in registry.units if u.province in ("Nghệ An", "Hà Tĩnh")]
    registry = type(registry)(units, registry.notes)
    inbox = tmp_path / "hop_thu"
    commune(inbox / "Nghe An" / "Tan Ky" / "dong_van.xlsx", registry, "17287", upper=NO_DISTRICT)
    commune(inbox / "Ha Tinh" / "cam_thanh.xlsx", registry, "18694")
    result = consolidate([inbox], catalog=catalog, registry=registry, catalog_set=SET, as_of=AS_OF)
    book = openpyxl.load_workbook(write_master(result, tmp_path / "tong_hop.xlsx"))
    assert book.sheetnames[:3] == ["Tổng hợp", "Theo tỉnh", "Theo huyện"]
    rows = {r[0]: r for r in book["Theo tỉnh"].iter_rows(min_row=4, values_only=True) if r[0]}
    ha_tinh = sum(u.province == "Hà Tĩnh" and u.expected for u in units)
    assert rows["Hà Tĩnh"][4:6] == (ha_tinh, 1) and rows["Nghệ An"][4:6] == (411, 1)
    assert rows["Cộng"][4:6] == (ha_tinh + 411, 2)
    assert book["Theo huyện"]["A3"].value == "Tỉnh"


# --- the size rule: long blocks go to CSV files beside the master ---------------------------------


def test_long_detail_and_tasks_go_to_csv_beside_the_master(tmp_path):
    from test_master import FORMULA_LIKE, build_consolidation

    consolidation = build_consolidation(n_units=23, tasks_per_unit=6)
    rows = sum(len(r.indicators) for r in consolidation.units if r.unit.expected or r.submitted)
    target = tmp_path / "tong_hop.xlsx"
    files = overflow_files(consolidation, target, row_limit=100)
    assert [f.name for f in files] == [
        "tong_hop_chi_tiet_chi_tieu.csv",
        "tong_hop_tien_do_nhiem_vu.csv",
    ]
    write_master(consolidation, target, row_limit=100)
    book = openpyxl.load_workbook(target)
    detail = book["Chỉ tiêu chi tiết"]
    assert detail.max_row == 3
    note = detail["A3"].value
    assert note.startswith(f"{rows:,} dòng".replace(",", "."))
    assert "tong_hop_chi_tiet_chi_tieu.csv" in note
    assert "tong_hop_tien_do_nhiem_vu.csv" in book["Tiến độ nhiệm vụ"]["A3"].value
    with open(files[0], encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0][:4] == ["Mã ĐV", "Đơn vị", "Tiêu chí", "Mã chỉ tiêu"]
    assert len(table) == rows + 1
    values = {row[5] for row in table[1:]}
    assert f"'{FORMULA_LIKE[0]}" in values and FORMULA_LIKE[0] not in values
    assert {row[8] for row in table[1:]} <= {"Đạt", "Chưa đạt", "Chưa rõ"}
    with open(files[1], encoding="utf-8-sig", newline="") as handle:
        tasks = list(csv.reader(handle))
    assert len(tasks) == len(consolidation.tasks) + 1
    # under the limit, nothing is split and no file is written
    again = tmp_path / "nho.xlsx"
    assert overflow_files(consolidation, again) == []
    write_master(consolidation, again)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("nho")) == ["nho.xlsx"]
    assert openpyxl.load_workbook(again)["Chỉ tiêu chi tiết"].max_row == rows + 3


def test_cli_consolidates_a_province(tmp_path, province_inbox, nghe_an, capsys):
    from ntm_excel.cli import main
    from ntm_excel.config import BUNDLED

    config = tmp_path / "cau_hinh_tinh.toml"
    config.write_text(
        "\n".join(
            [
                "[data]",
                f'catalog = "{BUNDLED / "bo_tieu_chi.csv"}"',
                f'registry = "{nghe_an.path}"',
                f'plan = "{BUNDLED / "ke_hoach_2021.xlsx"}"',
                f'contacts = "{BUNDLED / "danh_ba.xlsx"}"',
            ]
        ),
        encoding="utf-8",
    )
    output = tmp_path / "ra" / "tong_hop_tinh.xlsx"
    argv = ["consolidate", str(province_inbox), "--config", str(config), "-o", str(output)]
    assert main([*argv, "--as-of", "2021-03-15", "--no-feedback"]) == 0
    out = capsys.readouterr().out
    assert "Đơn vị đã nộp: 5/411" in out
    assert "Huyện: 1/20 đã nộp biểu tự đánh giá, 0 đạt chuẩn" in out
    assert "Phần quá dài" not in out  # a province's detail stays in the workbook
    assert "Theo huyện" in openpyxl.load_workbook(output, read_only=True).sheetnames
