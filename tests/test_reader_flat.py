"""Layouts a province's web system exports and clerks' copies send: one row per commune ×
indicator with the commune in a «Mã xã» column (headings glued in ASCII or in Vietnamese,
codes «TC01.CT01», «TC1.1», «01.01»), several communes in one such sheet (one submission
each), and a copied form whose title and file name name two communes (the message says which
clue named which). Workbooks are built here (.xlsx, .xls, .ods) and read back through the
public reader and `ntm-excel consolidate`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import xlwt
from test_roadmap_messy import save_sheets

from ntm_excel.cli import main
from ntm_excel.read import flat
from ntm_excel.read.reader import read_submission, read_workbook

GLUED = ["MaXa", "TenXa", "MaChiTieu", "TenChiTieu", "GiaTri", "TuDanhGia"]
SPELLED = ["Mã xã", "Tên xã", "Mã tiêu chí", "Chỉ tiêu", "Kết quả", "Tự đánh giá"]
UNDERSCORED = ["Ma_xa", "Ten_xa", "Ma_tieu_chi", "Ten_chi_tieu", "Gia_tri", "Tu_danh_gia"]
WORDINGS = {
    "1.1": "Có quy hoạch chung xây dựng xã",
    "1.2": "Ban hành quy định quản lý quy hoạch",
    "3.1": "Tỷ lệ diện tích đất sản xuất nông nghiệp được tưới và tiêu nước chủ động",
    "4.2": "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn từ các nguồn",
    "17.1": "Tỷ lệ hộ được sử dụng nước hợp vệ sinh",
}
NAMES = {"18694": "Cẩm Thành", "18697": "Cẩm Quang", "18706": "Cẩm Thạch"}


def answers(seed: int) -> dict[str, tuple[str, str]]:
    """Each indicator's (value, self-assessment), different for each commune."""
    return {
        "1.1": ("Đạt", "Đạt"),
        "1.2": ("Đạt" if seed % 2 else "Chưa đạt", "Đạt" if seed % 2 else "Không đạt"),
        "3.1": (f"{80 + seed},5%", "Đạt"),
        "4.2": (f"{95 + seed}%", "Đạt" if seed else "Không đạt"),
        "17.1": (f"{60 + seed}%", "Không đạt"),
    }


def written(code: str, style: str) -> str:
    """An indicator code as an export writes it."""
    criterion, sub = (int(part) for part in code.split("."))
    return {
        "TC.CT": f"TC{criterion:02d}.CT{sub:02d}",
        "TC": f"TC{criterion}.{sub}",
        "zero": f"{criterion:02d}.{sub:02d}",
    }[style]


def flat_rows(headings: list[str], units: dict[str, dict], style: str) -> list[list[object]]:
    rows: list[list[object]] = [headings]
    for code, given in units.items():
        for indicator, (value, said) in given.items():
            rows.append(
                [code, NAMES[code], written(indicator, style), WORDINGS[indicator], value, said]
            )
    return rows


def write_book(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook of the given sheets (.xlsx, .xls or .ods, by the file's suffix)."""
    if path.suffix == ".xls":
        book = xlwt.Workbook()
        for name, rows in sheets.items():
            sheet = book.add_sheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is not None:
                        sheet.write(r, c, value)
        book.save(str(path))
    elif path.suffix == ".ods":
        from odf.opendocument import OpenDocumentSpreadsheet
        from odf.table import Table, TableCell, TableRow
        from odf.text import P

        doc = OpenDocumentSpreadsheet()
        for name, rows in sheets.items():
            table = Table(name=name)
            for row in rows:
                line = TableRow()
                for value in row:
                    cell = TableCell(valuetype="string") if value is not None else TableCell()
                    if value is not None:
                        cell.addElement(P(text=str(value)))
                    line.addElement(cell)
                table.addElement(line)
            doc.spreadsheet.addElement(table)
        doc.save(str(path))
    else:
        save_sheets(path, sheets)
    return path


def read_back(submission) -> dict[str, tuple[str, str]]:
    return {entry.code: (entry.raw, entry.assessment_raw) for entry in submission.indicators}


@pytest.mark.parametrize(
    ("headings", "style", "fmt"),
    [
        (GLUED, "TC.CT", "xlsx"),
        (GLUED, "zero", "xls"),
        (SPELLED, "TC", "xlsx"),
        (SPELLED, "zero", "ods"),
        (UNDERSCORED, "TC.CT", "xls"),
    ],
)
def test_an_export_of_one_commune_is_read_with_the_unit_of_its_code_column(
    tmp_path, registry, indicators, headings, style, fmt
):
    given = answers(3)
    path = write_book(
        tmp_path / f"xuat_du_lieu.{fmt}", {"Sheet1": flat_rows(headings, {"18697": given}, style)}
    )
    submission, issues = read_submission(path, registry, indicators)
    assert submission.unit_code == "18697"
    assert read_back(submission) == given
    codes = {issue.code for issue in issues}
    assert not codes & {"table-not-found", "unit-unknown", "indicator-duplicate"}


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_district_export_gives_each_commune_its_own_submission(
    tmp_path, registry, indicators, fmt
):
    units = {code: answers(seed) for seed, code in enumerate(NAMES)}
    rows = flat_rows(GLUED, units, "TC.CT")
    path = write_book(tmp_path / f"huyen_cam_xuyen.{fmt}", {"Export": rows})
    results = read_workbook(path, registry, indicators)
    read = {submission.unit_code: submission for submission, _ in results}
    assert set(read) == set(units)
    for code, given in units.items():
        assert read_back(read[code]) == given
        assert read[code].sheet == "Export"
        assert "3 đơn vị, mỗi đơn vị một biểu" in "\n".join(read[code].reading.notes)
    # each commune's rows keep their place in the shared sheet: Cẩm Thạch's 1.2 is row 13
    rows_of = {row.code: row.row for row in read["18706"].reading.rows if row.code}
    assert rows_of["1.2"] == 13


def test_an_export_naming_more_units_than_a_file_may_hold_is_refused_whole(
    tmp_path, registry, indicators, monkeypatch
):
    """Each unit is read from its own view of the sheet (work: units × rows): a sheet naming
    more than `MAX_UNITS` units gives one error naming the code column, and no submission."""
    monkeypatch.setattr(flat, "MAX_UNITS", len(NAMES) - 1)
    units = {code: answers(seed) for seed, code in enumerate(NAMES)}
    path = write_book(tmp_path / "ca_tinh.xlsx", {"Export": flat_rows(GLUED, units, "TC.CT")})
    results = read_workbook(path, registry, indicators)
    assert [submission for submission, _ in results] == [None]
    [issue] = results[0][1]
    assert (issue.code, issue.sheet, issue.cell) == ("table-layout-unsupported", "Export", "A1")
    assert f"ghi {len(NAMES)} đơn vị ở cột «MaXa», quá {len(NAMES) - 1} đơn vị" in issue.message


def test_a_code_the_registry_does_not_know_is_reported_with_its_sheet_and_cells(
    tmp_path, registry, indicators
):
    rows = flat_rows(SPELLED, {"18694": answers(1)}, "TC")
    rows += [["99999", "Xã Lạ", "TC1.1", WORDINGS["1.1"], "Đạt", "Đạt"]]
    path = write_book(tmp_path / "xuat.xlsx", {"Dữ liệu": rows})
    results = read_workbook(path, registry, indicators)
    submission, _ = results[0]
    assert submission.unit_code == "18694"
    assert read_back(submission) == answers(1)
    loose = [issue for sub, issues in results if sub is None for issue in issues]
    assert [issue.code for issue in loose] == ["unit-unknown"]
    assert loose[0].sheet == "Dữ liệu"
    assert "mã «99999» ở ô A7" in loose[0].message
    assert "cột «Mã xã»" in loose[0].message


def test_consolidate_counts_each_commune_of_a_district_export_as_submitted(tmp_path, capsys):
    units = {code: answers(seed) for seed, code in enumerate(NAMES)}
    inbox = tmp_path / "nop"
    inbox.mkdir()
    write_book(inbox / "huyen.xlsx", {"Sheet1": flat_rows(GLUED, units, "TC.CT")})
    out = tmp_path / "ra"
    args = ["consolidate", str(inbox), "--output", str(out / "tong_hop.xlsx")]
    main([*args, "--csv-dir", str(out / "csv"), "--no-history", "--no-feedback"])
    with open(out / "csv" / "units.csv", encoding="utf-8-sig") as handle:
        submitted = {
            row["unit_code"] for row in csv.DictReader(handle) if row["submitted"] == "yes"
        }
    assert set(units) <= submitted
    assert "Đơn vị đã nộp: 3/21" in capsys.readouterr().out
    with open(out / "csv" / "indicators.csv", encoding="utf-8-sig") as handle:
        values = {
            (row["unit_code"], row["indicator_code"]): row["value"]
            for row in csv.DictReader(handle)
        }
    assert values[("18697", "3.1")] == "81.5"
    assert values[("18706", "4.2")] == "97"


def copied_form(path: Path, title: list[list[object]]) -> Path:
    rows = [*title, ["TT", "Nội dung tiêu chí", "Kết quả thực hiện", "Tự đánh giá"]]
    rows += [[code, WORDINGS[code], value, said] for code, (value, said) in answers(1).items()]
    return write_book(path, {"TĐG": rows})


def test_a_copied_form_says_which_clue_named_which_commune(tmp_path, registry, indicators):
    title = [["UBND HUYỆN CẨM XUYÊN"], [None, "UBND XÃ CẨM BÌNH"], ["BIỂU TỰ ĐÁNH GIÁ"]]
    path = copied_form(tmp_path / "xa_cam_vinh.xlsx", title)
    submission, issues = read_submission(path, registry, indicators)
    assert submission.unit_code is None
    (issue,) = [issue for issue in issues if issue.code == "unit-ambiguous"]
    assert (
        "Xã Cẩm Bình (Huyện Cẩm Xuyên, Hà Tĩnh; mã 18685) theo đầu biểu «UBND XÃ CẨM BÌNH» "
        "(trang «TĐG», ô B2)" in issue.message
    )
    assert (
        "còn Xã Cẩm Vĩnh (Huyện Cẩm Xuyên, Hà Tĩnh; mã 18691) theo tên tệp «xa_cam_vinh.xlsx»"
        in (issue.message)
    )


def test_a_code_cell_against_the_title_says_which_named_which(tmp_path, registry, indicators):
    title = [["UBND XÃ CẨM BÌNH"], ["Mã đơn vị:", 18691], ["BIỂU TỰ ĐÁNH GIÁ"]]
    path = copied_form(tmp_path / "bieu.xls", title)
    _, issues = read_submission(path, registry, indicators)
    (issue,) = [issue for issue in issues if issue.code == "unit-ambiguous"]
    assert "mã 18691) theo ô mã «Mã đơn vị: 18691» (trang «TĐG», ô A2)" in issue.message
    assert "mã 18685) theo đầu biểu «UBND XÃ CẨM BÌNH» (trang «TĐG», ô A1)" in issue.message


def test_a_tab_against_the_file_name_says_which_named_which(tmp_path, registry, indicators):
    path = write_book(
        tmp_path / "cam_quang.xlsx",
        {
            "Cẩm Thạch": [
                ["BIỂU TỰ ĐÁNH GIÁ"],
                ["TT", "Nội dung tiêu chí", "Kết quả thực hiện", "Tự đánh giá"],
                ["1.1", WORDINGS["1.1"], "Đạt", "Đạt"],
                ["1.2", WORDINGS["1.2"], "Đạt", "Đạt"],
            ]
        },
    )
    _, issues = read_submission(path, registry, indicators)
    (issue,) = [issue for issue in issues if issue.code == "unit-ambiguous"]
    assert "mã 18706) theo tên trang «Cẩm Thạch»" in issue.message
    assert "mã 18697) theo tên tệp «cam_quang.xlsx»" in issue.message


# --- layouts that are not read: a clear issue naming the sheet, and no value taken


def layout_issue(issues) -> object:
    (issue,) = [issue for issue in issues if issue.code == "table-layout-unsupported"]
    return issue


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_a_district_compilation_with_a_column_per_commune_gives_the_district_no_values(
    tmp_path, registry, indicators, fmt
):
    rows: list[list[object]] = [
        ["UBND HUYỆN CẨM XUYÊN"],
        ["BẢNG TỔNG HỢP KẾT QUẢ TỰ ĐÁNH GIÁ CÁC XÃ"],
        ["TT", "Nội dung tiêu chí", "Chỉ tiêu", "Kết quả tự đánh giá của các xã"],
        [None, None, None, "Cẩm Thành", "Cẩm Quang", "Cẩm Thạch"],
    ]
    rows += [[code, WORDINGS[code], "Đạt", "Đạt", "Không đạt", "Đạt"] for code in WORDINGS]
    path = write_book(tmp_path / f"tong_hop_huyen.{fmt}", {"TH": rows})
    submission, issues = read_submission(path, registry, indicators)
    assert submission.unit_code == "446"  # the district's file, as its title says
    assert submission.indicators == ()  # Cẩm Thành's column is not the district's values
    issue = layout_issue(issues)
    assert (issue.file, issue.sheet, issue.cell) == (path.name, "TH", "D4")
    assert issue.message.startswith(
        "Trang «TH»: bảng có cột riêng của từng xã (Cẩm Thành ở ô D4, Cẩm Quang ở ô E4, "
        "Cẩm Thạch ở ô F4)"
    )
    assert "table-not-found" not in {issue.code for issue in issues}


def test_two_communes_side_by_side_are_not_read_as_one(tmp_path, registry, indicators):
    rows: list[list[object]] = [
        ["UBND HUYỆN CẨM XUYÊN"],
        ["BIỂU TỰ ĐÁNH GIÁ"],
        ["TT", "Nội dung", "XÃ CẨM THÀNH", None, "XÃ CẨM QUANG", None],
        [None, None, "Kết quả", "Tự đánh giá", "Kết quả", "Tự đánh giá"],
    ]
    rows += [[code, WORDINGS[code], "Đạt", "Đạt", "1%", "Không đạt"] for code in WORDINGS]
    path = write_book(tmp_path / "hai_xa.xlsx", {"TĐG": rows})
    submission, issues = read_submission(path, registry, indicators)
    assert submission.indicators == ()
    issue = layout_issue(issues)
    assert (issue.sheet, issue.cell) == ("TĐG", "C3")
    assert "XÃ CẨM THÀNH ở ô C3, XÃ CẨM QUANG ở ô E3" in issue.message


def commune_grid() -> list[list[object]]:
    """A district's compilation: a row per commune, a column per criterion."""
    rows: list[list[object]] = [
        ["UBND HUYỆN CẨM XUYÊN"],
        ["TỔNG HỢP KẾT QUẢ TỰ ĐÁNH GIÁ CÁC XÃ"],
        ["TT", "Tên xã", *(f"TC{number}" for number in range(1, 20)), "Số tiêu chí đạt"],
    ]
    return rows + [[n, NAMES[code], *["Đạt"] * 19, 19] for n, code in enumerate(NAMES, 1)]


def test_a_grid_of_communes_by_rows_is_said_to_be_a_compilation(tmp_path, registry, indicators):
    rows = commune_grid()
    path = write_book(tmp_path / "tong_hop.ods", {"Tổng hợp": rows})
    results = read_workbook(path, registry, indicators)
    issues = [issue for _, found in results for issue in found]
    issue = layout_issue(issues)
    assert (issue.sheet, issue.cell) == ("Tổng hợp", "B4")
    assert "bảng tổng hợp nhiều xã, mỗi dòng một xã (Cẩm Thành ở ô B4" in issue.message
    assert all(not submission.indicators for submission, _ in results if submission)


def test_a_table_turned_on_its_side_is_said_so(tmp_path, registry, indicators):
    given = answers(2)
    rows: list[list[object]] = [
        ["UBND XÃ CẨM THÀNH"],
        ["BIỂU TỰ ĐÁNH GIÁ"],
        ["Chỉ tiêu", *given],
        ["Kết quả", *(value for value, _ in given.values())],
        ["Tự đánh giá", *(said for _, said in given.values())],
    ]
    path = write_book(tmp_path / "cam_thanh.xlsx", {"TĐG": rows})
    submission, issues = read_submission(path, registry, indicators)
    assert submission.unit_code == "18694"
    issue = layout_issue(issues)
    assert (issue.sheet, issue.cell) == ("TĐG", "B3")
    assert "các chỉ tiêu xếp theo cột (dòng 3: «1.1», «1.2», «3.1»…)" in issue.message
    assert "table-not-found" not in {issue.code for issue in issues}
