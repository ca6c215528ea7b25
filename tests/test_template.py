"""The submission template, read back with openpyxl: content, drop-downs, protection, printing."""

from __future__ import annotations

import argparse
import csv
from dataclasses import replace

import openpyxl
import pytest

from ntm_excel.cli import template as template_cli
from ntm_excel.cli import translate_argparse
from ntm_excel.config import load_config
from ntm_excel.reference.catalog import BAC_TRUNG_BO, COLUMNS, load_catalog
from ntm_excel.reference.registry import Registry, write_registry
from ntm_excel.write.template import (
    ASSESSMENTS,
    HEADERS,
    ROADMAP_HEADERS,
    TASK_STATES,
    write_template,
)

HEADER_ROW = 8  # 1-based row of the table header on "Tự đánh giá"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(load_config().catalog)


@pytest.fixture(scope="module")
def cam_thanh(tmp_path_factory, catalog, registry):
    """The template of Xã Cẩm Thành, written once and opened with openpyxl."""
    unit = registry.get("18694")
    path = tmp_path_factory.mktemp("mau") / "xa_cam_thanh.xlsx"
    indicators = catalog.resolve("xa_2016_2020", unit.province)
    write_template(unit, indicators, path, set_id="xa_2016_2020", region=unit.region)
    return openpyxl.load_workbook(path), indicators


def main(argv: list[str]) -> int:
    """Run the `template` sub-command as the CLI does (only this module's parser)."""
    translate_argparse()
    parser = argparse.ArgumentParser(prog="ntm-excel")
    template_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def table_rows(sheet):
    """(row number, cells) of the table between the header and the totals line."""
    for number in range(HEADER_ROW + 1, sheet.max_row + 1):
        cells = [c.value for c in sheet[number]]
        if cells[1] == "Tổng số tiêu chí đạt:":
            return
        yield number, cells


def test_every_catalogue_row_in_order_with_thresholds(cam_thanh):
    workbook, indicators = cam_thanh
    sheet = workbook["Tự đánh giá"]
    assert [c.value for c in sheet[HEADER_ROW]] == list(HEADERS)
    expected, current = [], None
    for ind in indicators:
        if ind.criterion_no != current:
            current = ind.criterion_no
            expected.append([ind.criterion_no, ind.criterion_name, None, None])
        expected.append([ind.code, None, ind.text, ind.threshold_for(BAC_TRUNG_BO)])
    assert [cells[:4] for _, cells in table_rows(sheet)] == expected
    criteria = [cells for _, cells in table_rows(sheet) if isinstance(cells[0], int)]
    assert len(criteria) == 20 and criteria[-1][1] == "Khu dân cư mẫu, vườn mẫu"
    thresholds = {cells[0]: cells[3] for _, cells in table_rows(sheet)}
    assert (thresholds["10"], thresholds["15.3"], thresholds["9.1"]) == ("≥36", "≤24,2", "Không")


def test_title_block_and_unit_code(cam_thanh, registry):
    sheet = cam_thanh[0]["Tự đánh giá"]
    texts = [c.value for row in sheet.iter_rows(max_row=HEADER_ROW - 1) for c in row if c.value]
    assert texts[:2] == ["UBND XÃ CẨM THÀNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    assert "Độc lập - Tự do - Hạnh phúc" in texts
    assert "BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NÔNG THÔN MỚI" in texts
    code_label = next(c for row in sheet.iter_rows() for c in row if c.value == "Mã đơn vị:")
    code = sheet.cell(code_label.row, 3)
    assert (code.value, code.data_type) == ("18694", "s")
    assert registry.match(" ".join(texts)).unit.code == "18694"
    bottom = [c.value for row in sheet.iter_rows(min_row=sheet.max_row - 4) for c in row]
    assert "TM. ỦY BAN NHÂN DÂN" in bottom and "CHỦ TỊCH" in bottom


def test_assessment_drop_down_comes_from_a_list_range(cam_thanh):
    workbook, _ = cam_thanh
    sheet = workbook["Tự đánh giá"]
    lists = workbook["Danh mục"]
    assert lists.sheet_state == "hidden"
    assert [lists.cell(r, 1).value for r in (1, 2)] == list(ASSESSMENTS)
    (validation,) = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert validation.formula1 == "'Danh mục'!$A$1:$A$2"
    rows = [number for number, _ in table_rows(sheet)]
    assert all(f"F{number}" in validation.sqref for number in rows)
    assert f"E{rows[0]}" not in validation.sqref


def test_protection_locks_labels_and_unlocks_inputs(cam_thanh):
    sheet = cam_thanh[0]["Tự đánh giá"]
    assert sheet.protection.sheet
    for number, cells in table_rows(sheet):
        locked = {col: sheet[f"{col}{number}"].protection.locked for col in "ABCDEFG"}
        assert locked["A"] and locked["B"] and locked["C"] and locked["D"]
        assert not locked["F"] and not locked["G"]
        assert locked["E"] is isinstance(cells[0], int)  # results only on indicator rows
    assert sheet["A1"].protection.locked and sheet["C6"].protection.locked
    totals = next(n for n in range(1, sheet.max_row + 1) if sheet.cell(n, 2).value)
    assert sheet.cell(totals, 2).protection.locked


def test_print_setup(cam_thanh):
    for name in ("Tự đánh giá", "Lộ trình"):
        sheet = cam_thanh[0][name]
        assert int(sheet.page_setup.paperSize) == 9
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToHeight in (0, "0")
        assert sheet.print_title_rows
    assert cam_thanh[0]["Tự đánh giá"].print_title_rows == "$8:$8"
    widths = cam_thanh[0]["Tự đánh giá"].column_dimensions
    assert widths["C"].width > widths["A"].width * 4
    assert cam_thanh[0]["Tự đánh giá"]["C10"].alignment.wrap_text


def test_roadmap_sheet(cam_thanh):
    workbook, _ = cam_thanh
    sheet = workbook["Lộ trình"]
    header = next(n for n in range(1, 10) if sheet.cell(n, 1).value == "TT")
    assert [c.value for c in sheet[header]] == list(ROADMAP_HEADERS)
    rows = range(header + 1, header + 31)
    assert all(not sheet.cell(r, c).protection.locked for r in rows for c in range(1, 9))
    assert sheet.cell(header + 31, 1).protection.locked
    assert all(sheet.cell(r, 4).number_format == "dd/mm/yyyy" for r in rows)
    assert sheet.protection.sheet
    states = next(v for v in sheet.data_validations.dataValidation if "$B$1" in (v.formula1 or ""))
    assert states.type == "list" and states.formula1 == "'Danh mục'!$B$1:$B$3"
    assert all(f"H{r}" in states.sqref for r in rows)
    assert [workbook["Danh mục"].cell(r, 2).value for r in (1, 2, 3)] == list(TASK_STATES)


def test_help_sheet(cam_thanh):
    text = " ".join(c.value for c in cam_thanh[0]["Hướng dẫn"]["A"] if c.value)
    for phrase in ("85 hoặc 85%", "dd/mm/yyyy", ".xlsx", "Không thêm, xóa"):
        assert phrase in text


def test_text_from_the_catalogue_never_becomes_a_formula(tmp_path, registry):
    path = tmp_path / "c.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        formula_like = ["=SUM(A1:A9)", "1", '=HYPERLINK("http://x")']
        writer.writerow(
            ["xa_2016_2020", "", "1", *formula_like, "%", "≥50", "", ">=", "", "có", ""]
        )
    unit = registry.get("18694")
    target = tmp_path / "t.xlsx"
    indicators = load_catalog(path).resolve("xa_2016_2020")
    write_template(unit, indicators, target, set_id="xa_2016_2020", region="")
    sheet = openpyxl.load_workbook(target)["Tự đánh giá"]
    cells = [c for row in sheet.iter_rows() for c in row if str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_cli_all_writes_one_file_per_expected_unit(tmp_path, capsys, registry):
    out = tmp_path / "bieu"
    assert main(["template", "--all", "-o", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 21 == len(registry.expected())
    assert "xa_cam_thanh.xlsx" in names and "xa_yen_hoa.xlsx" in names
    assert not any(name.startswith("thi_tran") for name in names)
    sheet = openpyxl.load_workbook(out / "xa_cam_vinh.xlsx", read_only=True)["Tự đánh giá"]
    assert next(sheet.iter_rows(max_row=1, values_only=True))[0] == "UBND XÃ CẨM VĨNH"
    assert capsys.readouterr().out.count("Đã ghi biểu") == 21


def test_cli_single_unit_by_name_or_code(tmp_path, capsys):
    target = tmp_path / "mot.xlsx"
    assert main(["template", "--unit", "UBND xã Cẩm Vịnh", "-o", str(target)]) == 0
    sheet = openpyxl.load_workbook(target)["Tự đánh giá"]
    assert sheet["C6"].value == "18691"
    district = tmp_path / "huyen.xlsx"
    assert main(["template", "--unit", "446", "-o", str(district)]) == 0
    sheet = openpyxl.load_workbook(district)["Tự đánh giá"]
    assert "HUYỆN NÔNG THÔN MỚI" in sheet["A4"].value
    assert sheet["A1"].value == "UBND HUYỆN CẨM XUYÊN"
    assert "10 tiêu chí, 22 chỉ tiêu" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("unit", "message"),
    [("Cẩm Xuyên", "khớp với nhiều đơn vị"), ("Xã Cẩm Thủy", "Không tìm thấy đơn vị")],
)
def test_cli_unknown_or_ambiguous_unit(tmp_path, capsys, unit, message):
    target = tmp_path / "khong.xlsx"
    assert main(["template", "--unit", unit, "-o", str(target)]) == 2
    assert message in capsys.readouterr().err
    assert not target.exists()


def test_cli_part_of_a_name_lists_the_units_it_may_mean(tmp_path, capsys):
    """«Cẩm» names no unit: the units whose names hold it are listed (ten of them, and how
    many more), spelled as typed first («Cẩm», not «Thiên Cầm»); «cam b» finds Cẩm Bình."""
    target = tmp_path / "x.xlsx"
    assert main(["template", "--unit", "Cẩm", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Lỗi: «Cẩm» không phải tên đầy đủ của đơn vị nào; 21 đơn vị có tên chứa")
    assert "Xã Cẩm Bình (mã 18685)" in err and err.count("(mã ") == 10
    assert "và 11 đơn vị khác. Hãy ghi đủ tên hoặc mã đơn vị." in err and "Thiên Cầm" not in err
    assert main(["template", "--unit", "cam b", "-o", str(target)]) == 2
    assert "1 đơn vị có tên chứa «cam b»: Xã Cẩm Bình (mã 18685)." in capsys.readouterr().err
    assert not target.exists()


def test_cli_single_unit_into_a_folder_or_refused_without_xlsx(tmp_path, capsys):
    """«-o bieu_mau/» puts the file in the folder, named as --all names it; «-o x.txt» used to
    write an .xlsx workbook under that name."""
    assert main(["template", "--unit", "Cẩm Thành", "-o", str(tmp_path)]) == 0
    assert openpyxl.load_workbook(tmp_path / "xa_cam_thanh.xlsx")["Tự đánh giá"]["C6"].value
    assert main(["template", "--unit", "Cẩm Thành", "-o", str(tmp_path / "x.txt")]) == 2
    assert "Lỗi: biểu phải là tệp .xlsx, không phải «x.txt»" in capsys.readouterr().err
    assert not (tmp_path / "x.txt").exists()


def test_cli_requires_unit_or_all(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["template", "-o", str(tmp_path / "x.xlsx")])
    assert "--unit" in capsys.readouterr().err


def test_cli_all_keeps_units_whose_names_fold_alike(tmp_path, capsys, registry):
    """ "Nghi Văn" and "Nghi Vạn" (Nghệ An) both get a template: the code tells the files apart."""
    base = registry.units[5]
    twins = [
        replace(base, code="17700", name="Xã Nghi Văn"),
        replace(base, code="17701", name="Xã Nghi Vạn"),
    ]
    path = tmp_path / "don_vi.xlsx"
    write_registry(Registry(twins), path)
    out = tmp_path / "bieu"
    assert main(["template", "--all", "--registry", str(path), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "xa_nghi_van_17700.xlsx",
        "xa_nghi_van_17701.xlsx",
    ]
    first = openpyxl.load_workbook(out / "xa_nghi_van_17701.xlsx", read_only=True)["Tự đánh giá"]
    assert next(first.iter_rows(max_row=1, values_only=True))[0] == "UBND XÃ NGHI VẠN"


def test_cli_warns_when_the_set_does_not_fit_the_unit(tmp_path, capsys):
    target = tmp_path / "xa_theo_bo_huyen.xlsx"
    assert main(["template", "--unit", "18694", "--set", "huyen_2016_2020", "-o", str(target)]) == 0
    assert (
        "Cảnh báo: Xã Cẩm Thành được lập biểu theo bộ tiêu chí cấp huyện" in capsys.readouterr().err
    )
    assert main(["template", "--unit", "18694", "-o", str(tmp_path / "dung.xlsx")]) == 0
    assert "Cảnh báo" not in capsys.readouterr().err


def test_a_single_indicator_criterion_left_blank_is_asked_for_where_it_is(tmp_path, capsys):
    """Criterion 20 (one indicator, numbered «20» under its heading row «20 | Khu dân cư
    mẫu») left blank in our own template: the clerk was told to add a row that is there
    («Thiếu chỉ tiêu 20 … Hãy bổ sung dòng này»), not to fill it in."""
    from ntm_excel.cli import main as cli_main

    path = tmp_path / "xa_cam_thanh.xlsx"
    assert main(["template", "--unit", "18694", "-o", str(path)]) == 0
    book = openpyxl.load_workbook(path)
    sheet = book["Tự đánh giá"]
    blank = None
    for number, cells in table_rows(sheet):
        if isinstance(cells[0], str) and cells[0] != "20":  # an indicator row: filled in
            sheet.cell(number, 5, "Đạt")
            sheet.cell(number, 6, "Đạt")
        elif cells[0] == "20":
            blank = number
    book.save(path)
    capsys.readouterr()
    cli_main(["validate", str(path)])
    out = capsys.readouterr().out
    assert f"E{blank}    Chỉ tiêu 20 chưa có kết quả thực hiện" in out
    assert f"F{blank}    Chỉ tiêu 20 chưa có tự đánh giá" in out
    assert "Thiếu chỉ tiêu 20" not in out
