"""Criteria the catalogue does not itemise («17.x», «18.x» of the 2021–2025 set): real commune
workbooks that write 17.1 … 17.10 and 18.1 … 18.6 row by row, read through `consolidate`'s CSV
files, and a catalogue that itemises the criterion later."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from ntm_excel.cli import main
from ntm_excel.config import BUNDLED
from ntm_excel.reference.catalog import (
    COLUMNS,
    is_placeholder,
    load_catalog,
    unitemised,
)
from ntm_excel.write.master_sheets import DETAIL

SET = "xa_2021_2025"
CATALOG = BUNDLED / "bo_tieu_chi.csv"
UNITS = {"18694": "Cẩm Thành", "18682": "Cẩm Dương", "18685": "Cẩm Bình", "18748": "Cẩm Lạc"}

# The parts as QĐ 318/QĐ-TTg numbers them (unit, value a clerk types when met)
PARTS = {
    17: [
        ("Tỷ lệ hộ được sử dụng nước sạch theo quy chuẩn", "%", 62.5),
        (
            "Tỷ lệ cơ sở sản xuất - kinh doanh, nuôi trồng thủy sản, làng nghề đảm bảo quy định "
            "về bảo vệ môi trường",
            "%",
            100,
        ),
        (
            "Xây dựng cảnh quan, môi trường xanh - sạch - đẹp, an toàn; không để xảy ra tồn đọng "
            "nước thải sinh hoạt tại các khu dân cư tập trung",
            "",
            "Đạt",
        ),
        ("Đất cây xanh sử dụng công cộng tại điểm dân cư nông thôn", "m²/người", 2.5),
        ("Mai táng, hỏa táng phù hợp với quy định và theo quy hoạch", "", "Đạt"),
        (
            "Chất thải rắn trên địa bàn và nước thải khu dân cư tập trung, cơ sở sản xuất - kinh "
            "doanh được thu gom, xử lý theo quy định",
            "",
            "Đạt",
        ),
        (
            "Tỷ lệ bao gói thuốc bảo vệ thực vật sau sử dụng và chất thải rắn y tế được thu gom, "
            "xử lý đáp ứng yêu cầu về bảo vệ môi trường",
            "%",
            100,
        ),
        (
            "Tỷ lệ hộ có nhà tiêu, nhà tắm, thiết bị chứa nước sinh hoạt hợp vệ sinh và đảm bảo "
            "3 sạch",
            "%",
            85,
        ),
        (
            "Tỷ lệ cơ sở chăn nuôi đảm bảo các quy định về vệ sinh thú y, chăn nuôi và bảo vệ "
            "môi trường",
            "%",
            72,
        ),
        (
            "Tỷ lệ hộ gia đình và cơ sở sản xuất, kinh doanh thực phẩm tuân thủ các quy định về "
            "đảm bảo an toàn thực phẩm",
            "%",
            100,
        ),
    ],
    18: [
        ("Cán bộ, công chức xã đạt chuẩn", "", "Đạt"),
        (
            "Đảng bộ, chính quyền xã được xếp loại chất lượng hoàn thành tốt nhiệm vụ trở lên",
            "",
            "Đạt",
        ),
        (
            "Tổ chức chính trị - xã hội của xã được xếp loại chất lượng hoàn thành tốt nhiệm vụ "
            "trở lên",
            "",
            "Đạt",
        ),
        ("Xã đạt chuẩn tiếp cận pháp luật theo quy định", "", "Đạt"),
        (
            "Đảm bảo bình đẳng giới và phòng chống bạo lực gia đình; phòng chống bạo lực trên cơ "
            "sở giới; phòng chống xâm hại trẻ em; bảo vệ và hỗ trợ những người dễ bị tổn thương "
            "trong các lĩnh vực của gia đình và đời sống xã hội",
            "",
            "Đạt",
        ),
        (
            "Có kế hoạch và triển khai kế hoạch bồi dưỡng kiến thức về xây dựng nông thôn mới "
            "cho người dân",
            "",
            "Đạt",
        ),
    ],
}
HEADINGS = ["TT", "Tên tiêu chí", "Nội dung chỉ tiêu", "Đơn vị tính", "Kết quả", "Tự đánh giá"]


def _met_value(ind) -> object:
    """A value that meets a catalogue indicator (2021–2025: most levels are not verified)."""
    rule = ind.rule_for("Bắc Trung Bộ")
    if rule.kind == "expected_text":
        return rule.expected
    if rule.kind == "numeric":
        return rule.value + (1 if rule.op in (">=", ">") else 0) if rule.op != "<=" else 0
    if "%" in ind.unit:
        return 96
    if ind.unit.startswith("triệu"):
        return 48
    return "Đạt"


def write_commune(
    path: Path,
    commune: str,
    *,
    changes: dict[str, tuple[object, str]] | None = None,
    numbering: str = "code",
    single: tuple[int, ...] = (),
    own: dict[int, str | None] | None = None,
) -> dict[str, int]:
    """A commune's 2021–2025 self-assessment as a clerk lays it out: a title block, a
    criterion row over its indicator rows, criteria 17 and 18 written indicator by indicator
    (or as one row, for those in `single`). `changes` sets (value, self-assessment) of rows by
    code; `numbering` «code» writes 17.1 …, «letter» a) b) …, «none» leaves the TT cell
    blank; `own` writes a «17.x» row (the template's) above the parts, with that
    self-assessment. Returns the worksheet row of each indicator and part."""
    changes = changes or {}
    catalog = load_catalog(CATALOG)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Tự đánh giá"
    sheet.append(["UBND HUYỆN CẨM XUYÊN"])
    sheet.append([f"UBND XÃ {commune.upper()}"])
    sheet.append(["BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NÔNG THÔN MỚI NĂM 2022"])
    sheet.append([])
    sheet.append(HEADINGS)

    rows: dict[str, int] = {}

    def row(code, label, text, unit, value, name=None):
        value, assessment = changes.get(code, (value, "Đạt"))
        sheet.append([label, name, text, unit, value, assessment])
        rows[code] = sheet.max_row

    by_criterion: dict[int, list] = {}
    for ind in catalog.resolve(SET, "Hà Tĩnh"):
        by_criterion.setdefault(ind.criterion_no, []).append(ind)
    for number, inds in by_criterion.items():
        name = inds[0].criterion_name
        if number in PARTS and number not in single:
            sheet.append([str(number), name])
            if own and number in own:
                sheet.append([f"{number}.x", None, inds[0].text, "", None, own[number]])
                rows[f"{number}.x"] = sheet.max_row
            for k, (text, unit, value) in enumerate(PARTS[number]):
                code = f"{number}.{k + 1}"
                label = {"code": code, "letter": "abcdđeghik"[k] + ")", "none": None}[numbering]
                row(code, label, text, unit, value)
            continue
        if len(inds) == 1:
            ind = inds[0]
            text = name if ind.placeholder else ind.text
            value = "Đạt" if ind.placeholder else _met_value(ind)
            row(ind.code, str(number), text, ind.unit, value, name)
            continue
        sheet.append([str(number), name])
        for ind in inds:
            row(ind.code, ind.code, ind.text, ind.unit, _met_value(ind))
    sheet.append([])
    sheet.append([None, None, None, None, f"{commune}, ngày 10 tháng 3 năm 2022"])
    sheet.append([None, None, None, None, "TM. ỦY BAN NHÂN DÂN"])
    book.save(path)
    return rows


def consolidate(tmp: Path, inbox: Path, catalog: Path = CATALOG) -> dict[str, list[dict]]:
    config = tmp / "cau_hinh.toml"
    config.write_text(
        f'[data]\ncatalog = "{catalog}"\ncatalog_set = "{SET}"\n'
        f'registry = "{BUNDLED / "don_vi.xlsx"}"\nplan = "{BUNDLED / "ke_hoach_2021.xlsx"}"\n'
        f'contacts = "{BUNDLED / "danh_ba.xlsx"}"\nreporting_deadline = 2022-03-15\n',
        encoding="utf-8",
    )
    csv_dir = tmp / "csv"
    args = [
        "consolidate", str(inbox), "--config", str(config), "-o", str(tmp / "tong_hop.xlsx"),
        "--csv-dir", str(csv_dir), "--no-feedback", "--no-history", "--as-of", "2022-03-25",
    ]  # fmt: skip
    assert main(args) == 0
    return {
        name: list(csv.DictReader((csv_dir / f"{name}.csv").open(encoding="utf-8-sig")))
        for name in ("indicators", "criteria", "issues")
    }


def by_unit(rows: list[dict], code: str, key: str) -> dict[str, dict]:
    return {row[key]: row for row in rows if row["unit_code"] == code}


def warnings(out: dict[str, list[dict]], unit: str) -> list[tuple[str, str, str]]:
    """(code, cell, message) of a unit's errors and warnings."""
    return [
        (row["code"], row["cell"], row["message"])
        for row in out["issues"]
        if row["unit_code"] == unit and row["severity"] in ("error", "warning")
    ]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Five communes: all met; 17.4 not met; 18.3 blank; parts lettered a) b) …; parts
    without a code."""
    tmp = tmp_path_factory.mktemp("placeholder")
    inbox = tmp / "inbox"
    inbox.mkdir()
    write_commune(inbox / "TDG 2022 Cam Thanh.xlsx", "Cẩm Thành")
    write_commune(
        inbox / "TDG 2022 Cam Duong.xlsx", "Cẩm Dương", changes={"17.4": (1.2, "Chưa đạt")}
    )
    rows = write_commune(
        inbox / "TDG 2022 Cam Binh.xlsx", "Cẩm Bình", changes={"18.3": (None, None)}
    )
    write_commune(inbox / "TDG 2022 Cam Lac.xlsx", "Cẩm Lạc", numbering="letter")
    write_commune(inbox / "TDG 2022 Cam Minh.xlsx", "Cẩm Minh", numbering="none")
    return tmp, consolidate(tmp, inbox), rows


def test_a_clean_file_has_every_part_under_its_own_code_and_no_warning(batch):
    _, out, _ = batch
    indicators = by_unit(out["indicators"], "18694", "indicator_code")
    for number, parts in PARTS.items():
        for k, (_, _, value) in enumerate(parts):
            row = indicators[f"{number}.{k + 1}"]
            assert row["part_of"] == f"{number}.x"
            assert row["value"] == (str(value) if not isinstance(value, str) else value)
            assert (row["self_assessment"], row["computed_status"], row["status"]) == (
                "met",
                "unknown",
                "met",
            )
        placeholder = indicators[f"{number}.x"]
        assert (placeholder["self_assessment"], placeholder["status"]) == ("met", "met")
        assert placeholder["part_of"] == ""
    assert indicators["1"]["part_of"] == ""
    criteria = by_unit(out["criteria"], "18694", "criterion_no")
    assert criteria["17"]["status"] == criteria["18"]["status"] == "met"
    assert warnings(out, "18694") == []


def test_one_part_not_met_makes_the_criterion_not_met(batch):
    _, out, _ = batch
    indicators = by_unit(out["indicators"], "18682", "indicator_code")
    assert indicators["17.4"]["value"] == "1.2"
    assert indicators["17.4"]["status"] == "not_met"
    assert indicators["17.x"]["status"] == "not_met"
    assert indicators["17.x"]["self_assessment"] == "not_met"
    assert indicators["18.x"]["status"] == "met"
    criteria = by_unit(out["criteria"], "18682", "criterion_no")
    assert criteria["17"]["status"] == "not_met"
    assert criteria["18"]["status"] == "met"
    codes = {row["code"] for row in out["issues"] if row["unit_code"] == "18682"}
    assert not codes & {"indicator-unknown", "indicator-missing", "indicator-code-mismatch"}


def test_a_blank_self_assessment_leaves_the_criterion_unknown_and_is_reported(batch):
    _, out, rows = batch
    indicators = by_unit(out["indicators"], "18685", "indicator_code")
    assert indicators["18.3"]["value"] == ""
    assert indicators["18.3"]["self_assessment"] == indicators["18.3"]["status"] == "unknown"
    assert indicators["18.x"]["status"] == "unknown"
    assert by_unit(out["criteria"], "18685", "criterion_no")["18"]["status"] == "unknown"
    assert [issue[:2] for issue in warnings(out, "18685")] == [
        ("assessment-missing", f"F{rows['18.3']}")
    ]


@pytest.mark.parametrize("unit", ["18748", "18751"])
def test_lettered_or_uncoded_parts_are_numbered_by_their_place(batch, unit):
    _, out, _ = batch
    indicators = by_unit(out["indicators"], unit, "indicator_code")
    for number, parts in PARTS.items():
        codes = [code for code in indicators if code.startswith(f"{number}.")]
        assert codes == [f"{number}.x", *(f"{number}.{k}" for k in range(1, len(parts) + 1))]
        assert indicators[f"{number}.x"]["status"] == "met"
    assert indicators["17.4"]["value"] == "2.5"
    assert indicators["18.5"]["part_of"] == "18.x"
    assert warnings(out, unit) == []


def test_the_master_shows_the_parts_as_not_in_the_catalogue(batch):
    tmp, _, _ = batch
    sheet = openpyxl.load_workbook(tmp / "tong_hop.xlsx")[DETAIL]
    rows = {
        (row[0], row[3]): row
        for row in sheet.iter_rows(values_only=True)
        if row[0] == "18682" and row[3]
    }
    part = rows[("18682", "17.4")]
    assert part[4] == "ngoài bộ tiêu chí, tính vào 17.x"
    assert (part[5], part[6], part[7], part[8]) == (1.2, "Chưa đạt", "Chưa rõ", "Chưa đạt")
    whole = rows[("18682", "17.x")]
    assert whole[4] == "mọi chỉ tiêu con tự đánh giá Đạt"
    assert (whole[5], whole[8]) == ("9/10 Đạt", "Chưa đạt")


def test_the_templates_own_row_above_the_parts(tmp_path):
    """A «17.x» row kept from the template above 17.1 …: blank, it says nothing; «Đạt» where
    a part is not met contradicts the parts, which decide."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = write_commune(
        inbox / "cam_thanh.xlsx",
        "Cẩm Thành",
        changes={"17.2": (80, "Chưa đạt")},
        own={17: "Đạt", 18: None},
    )
    out = consolidate(tmp_path, inbox)
    indicators = by_unit(out["indicators"], "18694", "indicator_code")
    assert (indicators["17.x"]["self_assessment"], indicators["17.x"]["status"]) == (
        "met",
        "not_met",
    )
    assert (indicators["18.x"]["self_assessment"], indicators["18.x"]["status"]) == ("met", "met")
    assert len([code for code in indicators if code.startswith("17.")]) == 11
    (issue,) = warnings(out, "18694")
    assert issue[:2] == ("assessment-contradiction", f"F{rows['17.x']}")
    assert "«9/10 chỉ tiêu con Đạt»" in issue[2]


def test_a_criterion_written_as_one_row_is_the_placeholder(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    changes = {"17.x": ("Ước đạt 92,5%", "Đạt")}
    write_commune(inbox / "cam_thanh.xlsx", "Cẩm Thành", single=(17, 18), changes=changes)
    out = consolidate(tmp_path, inbox)
    indicators = by_unit(out["indicators"], "18694", "indicator_code")
    assert not [code for code in indicators if code[:3] in ("17.", "18.") and code[3] != "x"]
    assert indicators["17.x"]["value"] == "92.5"
    assert indicators["17.x"]["status"] == indicators["18.x"]["status"] == "met"
    assert indicators["17.x"]["part_of"] == ""
    assert warnings(out, "18694") == []
    estimated = [row["message"] for row in out["issues"] if row["code"] == "value-estimated"]
    assert estimated == ["Chỉ tiêu 17.x: «Ước đạt 92,5%» là số liệu ước tính; đã dùng 92,5."]


def test_an_office_that_itemises_the_criterion_gets_the_normal_behaviour(tmp_path):
    """17.1 … 17.10 in the catalogue, 17.x removed: the same file is read against them, and a
    row the new catalogue lacks is `indicator-unknown` again."""
    with CATALOG.open(encoding="utf-8-sig", newline="") as source:
        header, *lines = list(csv.reader(source))
    column = {name: index for index, name in enumerate(header)}
    placeholder = next(
        line
        for line in lines
        if line[column["bo_tieu_chi"]] == SET and line[column["ma_chi_tieu"]] == "17.x"
    )
    itemised_rows = []
    for k, (text, unit, _) in enumerate(PARTS[17][:9]):
        line = list(placeholder)
        threshold = "≥50" if unit == "%" else "Đạt"
        for name, cell in (
            ("ma_chi_tieu", f"17.{k + 1}"),
            ("noi_dung", text),
            ("don_vi_tinh", unit),
            ("chi_tieu_chung", threshold),
            ("chi_tieu_bac_trung_bo", threshold),
            ("so_sanh", ">=" if unit == "%" else "Đạt"),
        ):
            line[column[name]] = cell
        itemised_rows.append(line)
    at = lines.index(placeholder)
    path = tmp_path / "bo_tieu_chi.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows([header, *lines[:at], *itemised_rows, *lines[at + 1 :]])
    itemised = load_catalog(path)
    assert "17.x" not in {i.code for i in itemised.resolve(SET, "Hà Tĩnh")}
    assert 17 not in unitemised(itemised.resolve(SET, "Hà Tĩnh"))

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_commune(inbox / "cam_thanh.xlsx", "Cẩm Thành", changes={"17.1": (40, "Chưa đạt")})
    out = consolidate(tmp_path, inbox, path)
    indicators = by_unit(out["indicators"], "18694", "indicator_code")
    assert "17.x" not in indicators
    assert indicators["17.1"]["part_of"] == ""
    assert indicators["17.1"]["computed_status"] == "not_met"  # its threshold now decides
    assert indicators["17.2"]["status"] == "met"
    assert "18.x" in indicators and indicators["18.1"]["part_of"] == "18.x"
    issues = warnings(out, "18694")
    assert [code for code, _, _ in issues] == ["indicator-unknown"]
    assert "17.10" in issues[0][2]


def test_a_province_layer_that_itemises_a_criterion_replaces_its_placeholder(tmp_path):
    path = tmp_path / "bo_tieu_chi.csv"
    national = [SET, "", 17, "Môi trường", "17.x", "(Nhiều chỉ tiêu)", "", "(chưa xác minh)"]
    layer = [SET, "Hà Tĩnh", 17, "Môi trường", "17.1", "Nước sạch", "%", "≥60", "", ">="]
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerow(national + [""] * (len(COLUMNS) - len(national)))
        writer.writerow(layer + [""] * (len(COLUMNS) - len(layer)))
    catalog = load_catalog(path)
    assert [i.code for i in catalog.resolve(SET)] == ["17.x"]
    assert list(unitemised(catalog.resolve(SET))) == [17]
    assert [i.code for i in catalog.resolve(SET, "Hà Tĩnh")] == ["17.1"]


def test_placeholder_codes():
    assert is_placeholder("17.x") and is_placeholder("18.X")
    assert not is_placeholder("17.1") and not is_placeholder("2.TT35.a") and not is_placeholder("x")
