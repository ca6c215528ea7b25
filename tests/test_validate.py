"""Validation of submissions against a small catalogue written to disk and loaded back."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import datetime

import pytest

from ntm_excel.check.validate import validate_submission
from ntm_excel.config import load_config
from ntm_excel.issues import Severity
from ntm_excel.model import CriterionEntry, IndicatorEntry, Status, Submission, Unit
from ntm_excel.reference.catalog import COLUMNS, load_catalog, parse_rule

SET = "xa_2016_2020"
# (criterion, name, code, text, unit, general, bac_trung_bo, comparison, verified)
ROWS = [
    (1, "Quy hoạch", "1.1", "Có quy hoạch chung", "Đạt/Không đạt", "Đạt", "Đạt", "Đạt", "có"),
    (4, "Điện", "4.1", "Hệ thống điện đạt chuẩn", "Đạt/Không đạt", "Đạt", "", "Đạt", "có"),
    (4, "Điện", "4.2", "Tỷ lệ hộ sử dụng điện", "%", "≥98", "≥98", ">=", "không"),
    (9, "Nhà ở dân cư", "9.1", "Nhà tạm, dột nát", "Có/Không", "Không", "Không", "=", "có"),
    (10, "Thu nhập", "10", "Thu nhập bình quân", "triệu đồng/người/năm", "≥45", "≥36", ">=", "có"),
    (11, "Hộ nghèo", "11", "Số hộ nghèo", "hộ", "≤6", "", "<=", "không"),
    (17, "Môi trường", "17.1", "Nước hợp vệ sinh", "%", "≥95 (trong đó ≥60 nước sạch)",
     "≥98 (trong đó ≥60 nước sạch)", ">=", "không"),
    (20, "Khu dân cư mẫu", "20", "Khu dân cư mẫu", "", "(chưa xác minh)", "", "", "không"),
]  # fmt: skip
UNIT = Unit("18694", "Xã Cẩm Thành", "xã", "Huyện Cẩm Xuyên", "Hà Tĩnh", "Bắc Trung Bộ")
SHEET = "Tự đánh giá"
NOT_MET = Status.NOT_MET
GOOD = {
    "1.1": ("Đạt", "Đạt"),
    "4.1": ("Đạt", "Đạt"),
    "4.2": (99.5, "99,5"),
    "9.1": ("Không", "Không"),
    "10": (40.0, "40"),
    "11": (3.0, "3"),
    "17.1": ("98,5 (62 nước sạch)", "98,5 (62 nước sạch)"),
    "20": ("Đã có 3 khu dân cư mẫu", "Đã có 3 khu dân cư mẫu"),
}


@pytest.fixture(scope="module")
def indicators(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalog") / "bo_tieu_chi.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for no, name, code, text, unit, general, btb, comparison, verified in ROWS:
            writer.writerow(
                [SET, "", no, name, code, text, unit, general, btb, comparison, "", verified, ""]
            )
    return load_catalog(path).resolve(SET, "Hà Tĩnh")


def entry(code: str, value, raw: str, assessment: Status = Status.MET, row: int = 0):
    row = row or 10 + list(GOOD).index(code) if code in GOOD else row or 40
    return IndicatorEntry(
        code=code,
        criterion_no=int(code.split(".")[0]),
        text="",
        raw=raw,
        value=value,
        self_assessment=assessment,
        assessment_raw="",
        sheet=SHEET,
        value_cell=f"D{row}",
        assessment_cell=f"E{row}",
    )


def submission(*, changes=None, drop=(), extra=(), criteria=(), total=None) -> Submission:
    values = {code: entry(code, *pair) for code, pair in GOOD.items() if code not in drop}
    for code, change in (changes or {}).items():
        values[code] = replace(values.get(code) or entry(code, None, ""), **change)
    return Submission(
        path="/in/cam_thanh.xlsx",
        file_name="cam_thanh.xlsx",
        sha256="0" * 64,
        size=1,
        modified=datetime(2021, 3, 10, 8, 0),
        unit_code=UNIT.code,
        unit_text="UBND XÃ CẨM THÀNH",
        indicators=tuple(values.values()) + tuple(extra),
        criteria=tuple(criteria),
        reported_total=total,
        sheet=SHEET,
    )


def run(indicators, unit=UNIT, **kwargs):
    results, criteria, issues = validate_submission(submission(**kwargs), unit, indicators)
    return {r.indicator_code: r for r in results}, {c.criterion_no: c for c in criteria}, issues


def codes(issues):
    return [(i.code, i.cell) for i in issues]


def test_a_clean_submission_meets_every_criterion(indicators):
    results, criteria, issues = run(indicators)
    assert issues == []
    assert results["4.2"].computed_status is Status.MET
    assert results["4.2"].threshold == "≥98"
    assert results["10"].computed_status is Status.MET  # ≥36 in Bắc Trung Bộ
    assert results["9.1"].computed_status is Status.MET
    assert results["17.1"].computed_status is Status.MET
    assert results["20"].computed_status is Status.UNKNOWN  # unverified: self-assessment decides
    assert results["20"].status is Status.MET
    assert {no: c.status for no, c in criteria.items()} == dict.fromkeys(
        [1, 4, 9, 10, 11, 17, 20], Status.MET
    )
    assert criteria[17].name == "Môi trường"
    assert results["4.2"].file == "cam_thanh.xlsx" and results["4.2"].cell == "D12"


def test_regional_threshold_decides(indicators):
    general = replace(UNIT, region="Đồng bằng sông Hồng")
    results, criteria, issues = run(indicators, unit=general)
    assert results["10"].threshold == "≥45"
    assert results["10"].computed_status is Status.NOT_MET
    assert criteria[10].status is Status.NOT_MET
    assert codes(issues) == [("assessment-contradiction", "E14")]


def test_missing_indicator_is_an_error_located_on_the_sheet(indicators):
    results, criteria, issues = run(indicators, drop=["4.2"])
    [issue] = issues
    assert (issue.code, issue.severity, issue.sheet, issue.cell) == (
        "indicator-missing",
        Severity.ERROR,
        SHEET,
        "",
    )
    assert (issue.unit_code, issue.file) == ("18694", "cam_thanh.xlsx")
    assert "4.2" in issue.message and "Tỷ lệ hộ sử dụng điện" in issue.message
    assert results["4.2"].status is Status.UNKNOWN
    assert criteria[4].status is Status.UNKNOWN


def test_blank_value_is_value_missing_at_the_value_cell(indicators):
    results, criteria, issues = run(indicators, changes={"4.2": {"value": None, "raw": ""}})
    assert codes(issues) == [("value-missing", "D12")]
    assert issues[0].severity is Severity.ERROR
    assert results["4.2"].computed_status is Status.UNKNOWN
    assert results["4.2"].status is Status.UNKNOWN  # a numeric indicator needs its figure
    assert criteria[4].status is Status.UNKNOWN


def test_a_blank_qualitative_value_leaves_the_self_assessment(indicators):
    """«Kết quả» left blank beside «Đạt» is how a qualitative row is usually filled."""
    results, criteria, issues = run(indicators, changes={"4.1": {"value": None, "raw": ""}})
    assert codes(issues) == []
    assert results["4.1"].status is Status.MET and criteria[4].status is Status.MET


def test_a_blank_qualitative_row_is_value_missing_and_assessment_missing(indicators):
    blank = {"value": None, "raw": "", "self_assessment": Status.UNKNOWN}
    results, _, issues = run(indicators, changes={"4.1": blank})
    assert [code for code, _ in codes(issues)] == ["value-missing", "assessment-missing"]
    assert results["4.1"].status is Status.UNKNOWN


@pytest.mark.parametrize(
    ("code", "value", "raw", "reason"),
    [
        ("4.2", 120.0, "120", "tỷ lệ phần trăm phải từ 0 đến 100"),
        ("4.2", -3.0, "-3", "số liệu không được âm"),
        ("11", -1.0, "-1", "số liệu không được âm"),
        ("4.2", "khoảng chín mươi", "khoảng chín mươi", "cần ghi số liệu (%)"),
        ("10", "Có", "Có", "cần ghi số liệu (triệu đồng/người/năm)"),
        ("17.1", 101.0, "101 (62 nước sạch)", "tỷ lệ phần trăm phải từ 0 đến 100"),
        ("17.1", "98 (120 nước sạch)", "98 (120 nước sạch)", "tỷ lệ phần trăm phải từ 0 đến 100"),
    ],
)
def test_invalid_values(indicators, code, value, raw, reason):
    """An invalid value leaves the indicator unknown, not the commune's own «Đạt»: the unit
    then meets neither that criterion nor all criteria."""
    results, criteria, issues = run(indicators, changes={code: {"value": value, "raw": raw}})
    [issue] = issues
    assert issue.code == "value-invalid" and issue.severity is Severity.ERROR
    assert issue.cell == f"D{10 + list(GOOD).index(code)}"
    assert f"«{raw}»" in issue.message and reason in issue.message
    assert results[code].self_assessment is Status.MET
    assert results[code].computed_status is Status.UNKNOWN
    assert results[code].status is Status.UNKNOWN
    assert criteria[int(code.split(".")[0])].status is Status.UNKNOWN


def test_an_invalid_figure_of_a_qualitative_indicator_is_unknown_too(indicators):
    """«Đạt (≥80%)» is qualitative with a figure: 105% is invalid, the «Đạt» does not stand."""
    qualitative = replace(
        indicators[0], rule_general=parse_rule("Đạt (≥80%)"), rule_bac_trung_bo=None
    )
    qualitative = replace(qualitative, unit="%", threshold_bac_trung_bo="")
    results, _, issues = validate_submission(
        submission(changes={"1.1": {"value": 105.0, "raw": "105%"}}), UNIT, [qualitative]
    )
    unknown = ("indicator-unknown", "criterion-unknown")  # the rows of the other indicators
    assert [c for c in codes(issues) if c[0] not in unknown] == [("value-invalid", "D10")]
    assert results[0].status is Status.UNKNOWN


def test_a_percentage_of_100_and_a_large_count_are_valid(indicators):
    _, _, issues = run(indicators, changes={"4.2": {"value": 100.0, "raw": "100"}})
    assert issues == []
    results, _, issues = run(
        indicators,
        changes={"11": {"value": 250.0, "raw": "250", "self_assessment": NOT_MET}},
    )
    assert issues == [] and results["11"].status is Status.NOT_MET


def test_numeric_indicator_judged_in_words(indicators):
    """«Chưa đạt» instead of the figure is taken at its word; «Đạt» needs the figure."""
    results, _, issues = run(
        indicators,
        changes={
            "4.2": {"value": "Chưa đạt", "raw": "chưa đạt", "self_assessment": Status.NOT_MET}
        },
    )
    assert issues == []
    assert results["4.2"].status is Status.NOT_MET
    results, criteria, issues = run(indicators, changes={"4.2": {"value": "Đạt", "raw": "Đạt"}})
    [issue] = issues
    assert issue.code == "value-invalid" and "cần ghi số liệu (%)" in issue.message
    assert "không chỉ ghi «Đạt»" in issue.message
    assert results["4.2"].status is Status.UNKNOWN and criteria[4].status is Status.UNKNOWN


def test_contradicting_self_assessment_is_a_warning_at_the_assessment_cell(indicators):
    results, criteria, issues = run(indicators, changes={"4.2": {"value": 90.0, "raw": "90"}})
    [issue] = issues
    assert (issue.code, issue.severity, issue.cell) == (
        "assessment-contradiction",
        Severity.WARNING,
        "E12",
    )
    assert "90" in issue.message and "≥98" in issue.message
    assert "«Chưa đạt»" in issue.message and "tự đánh giá «Đạt»" in issue.message
    assert results["4.2"].status is Status.NOT_MET  # the figure wins
    assert criteria[4].status is Status.NOT_MET


def test_missing_self_assessment(indicators):
    results, _, issues = run(indicators, changes={"1.1": {"self_assessment": Status.UNKNOWN}})
    assert codes(issues) == [("assessment-missing", "E10")]
    assert issues[0].severity is Severity.WARNING
    assert results["1.1"].status is Status.MET  # "Đạt" written as the value decides


def test_a_table_left_blank_is_one_error_not_one_per_row(indicators):
    blank = {"value": None, "raw": "", "self_assessment": Status.UNKNOWN, "assessment_raw": ""}
    _, _, issues = run(indicators, changes={code: blank for code in GOOD})
    assert [(i.code, i.severity) for i in issues] == [("table-empty", Severity.ERROR)]
    # a table whose rows were not recognised: every indicator is missing, row by row
    _, _, issues = run(indicators, drop=tuple(GOOD))
    assert {i.code for i in issues} == {"indicator-missing"} and len(issues) == len(indicators)
    # no table at all: the reader said so (table-not-found), nothing per row
    empty = replace(submission(drop=tuple(GOOD)), sheet="")
    assert validate_submission(empty, UNIT, indicators)[2] == []


def test_a_self_assessment_in_words_not_understood_says_so(indicators):
    """«Cơ bản đạt» is not a blank cell: the message quotes what the commune wrote."""
    changes = {"1.1": {"self_assessment": Status.UNKNOWN, "assessment_raw": "Cơ bản đạt"}}
    _, _, issues = run(indicators, changes=changes)
    assert codes(issues) == [("assessment-unreadable", "E10")]
    assert "«Cơ bản đạt»" in issues[0].message and issues[0].severity is Severity.WARNING
    for dash in ("-", "—", "…"):  # a dash is a cell left blank
        changes = {"1.1": {"self_assessment": Status.UNKNOWN, "assessment_raw": dash}}
        _, _, issues = run(indicators, changes=changes)
        assert codes(issues) == [("assessment-missing", "E10")]


def test_qualitative_indicator_described_in_words_uses_the_self_assessment(indicators):
    results, criteria, issues = run(
        indicators,
        changes={"1.1": {"value": "Đã phê duyệt năm 2019", "raw": "Đã phê duyệt năm 2019"}},
    )
    assert issues == []
    assert results["1.1"].computed_status is Status.UNKNOWN
    assert results["1.1"].status is Status.MET
    results, criteria, issues = run(
        indicators, changes={"4.1": {"value": "Chưa đạt", "raw": "Chưa đạt"}}
    )
    assert codes(issues) == [("assessment-contradiction", "E11")]
    assert criteria[4].status is Status.NOT_MET


@pytest.mark.parametrize(
    ("value", "expected"), [("Không", Status.MET), ("Có", Status.NOT_MET), (0.0, Status.MET)]
)
def test_expected_text(indicators, value, expected):
    results, _, _ = run(indicators, changes={"9.1": {"value": value, "raw": str(value)}})
    assert results["9.1"].computed_status is expected


@pytest.mark.parametrize(
    ("value", "raw", "expected"),
    [
        ("98,5 (62 nước sạch)", "98,5 (62 nước sạch)", Status.MET),
        ("98,5 (55 nước sạch)", "98,5 (55 nước sạch)", Status.NOT_MET),
        ("97 (62 nước sạch)", "97 (62 nước sạch)", Status.NOT_MET),
        (99.0, "99", Status.MET),
        (97.0, "97%", Status.NOT_MET),
        (98.5, "98,5 (55 nước sạch)", Status.NOT_MET),  # the reader's figure, then the part
        (99.0, "2.970 hộ/3.000 hộ", Status.MET),  # a share: the total is not a part
    ],
)
def test_composite_threshold_checks_the_part_when_given(indicators, value, raw, expected):
    results, _, _ = run(indicators, changes={"17.1": {"value": value, "raw": raw}})
    assert results["17.1"].computed_status is expected


def test_unknown_indicator_is_a_warning(indicators):
    _, _, issues = run(indicators, extra=[entry("4.9", 5.0, "5", row=30)])
    assert codes(issues) == [("indicator-unknown", "D30")]
    assert issues[0].severity is Severity.WARNING and "«4.9»" in issues[0].message


def test_criterion_contradiction_at_the_criterion_row(indicators):
    rows = [
        CriterionEntry(4, Status.MET, SHEET, "E9"),
        CriterionEntry(1, Status.MET, SHEET, "E8"),
        CriterionEntry(11, Status.UNKNOWN, SHEET, "E15"),
    ]
    _, criteria, issues = run(
        indicators,
        changes={"4.2": {"value": 90.0, "raw": "90", "self_assessment": Status.NOT_MET}},
        criteria=rows,
    )
    assert criteria[4].status is Status.NOT_MET
    assert codes(issues) == [("criterion-contradiction", "E9")]
    assert "Tiêu chí 4 (Điện)" in issues[0].message
    assert "«Đạt»" in issues[0].message and "«Chưa đạt»" in issues[0].message


def test_a_self_assessment_written_only_on_the_criterion_rows(indicators):
    """Criterion 4 «Đạt» on its row, its indicator rows blank: they are «Đạt», one note
    instead of a warning per row; criterion 9 «Chưa đạt»: its rows follow their figures."""
    blank = {"self_assessment": Status.UNKNOWN, "assessment_raw": ""}
    rows = [
        CriterionEntry(4, Status.MET, SHEET, "E9"),
        CriterionEntry(9, Status.NOT_MET, SHEET, "E20"),
    ]
    results, _, issues = run(
        indicators, changes={"4.1": blank, "4.2": blank, "9.1": blank}, criteria=rows
    )
    assert [(i.code, i.severity) for i in issues] == [
        ("assessment-by-criterion", Severity.INFO),
        ("criterion-contradiction", Severity.WARNING),  # 9.1 «Không» meets criterion 9
    ]
    assert "tiêu chí 4, 9" in issues[0].message
    assert results["4.1"].self_assessment is Status.MET and results["4.1"].status is Status.MET
    assert results["9.1"].self_assessment is Status.UNKNOWN


def test_total_mismatch(indicators):
    _, _, issues = run(indicators, total=(7, 7))
    assert codes(issues) == []
    _, _, issues = run(indicators, total=(8, 8))
    [issue] = issues
    assert (issue.code, issue.sheet, issue.severity) == ("total-mismatch", SHEET, Severity.WARNING)
    assert "ghi 8/8" in issue.message and "chỉ có 7/7" in issue.message
    # an unknown criterion (its figure is missing) may be counted by the commune or not
    blank = {"4.2": {"value": None, "raw": ""}}
    for total, mismatch in (((6, 7), False), ((7, 7), False), ((5, 7), True)):
        _, _, issues = run(indicators, total=total, changes=blank)
        assert ("total-mismatch" in [i.code for i in issues]) is mismatch, total


def test_overrides_replace_the_value_and_excuse_a_missing_row(indicators):
    results, _, issues = validate_submission(
        submission(drop=["4.2"]), UNIT, indicators, overrides={"4.2": 97.5}
    )
    assert issues == []
    [result] = [r for r in results if r.indicator_code == "4.2"]
    assert (result.value, result.raw, result.computed_status) == (97.5, "97,5", Status.NOT_MET)
    results, _, issues = validate_submission(
        submission(), UNIT, indicators, overrides={"4.2": 97.5}
    )
    assert codes(issues) == [("assessment-contradiction", "E12")]


def test_duplicate_rows_use_the_first(indicators):
    second = entry("4.2", 50.0, "50", row=31)
    results, _, issues = run(indicators, extra=[second])
    assert results["4.2"].value == 99.5 and results["4.2"].cell == "D12"


# --- Real workbooks, read by the reader ---------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    from ntm_excel.reference.registry import load_registry

    return load_catalog(load_config().catalog).resolve("xa_2016_2020", "Hà Tĩnh"), load_registry(
        load_config().registry
    )


def read_sample(tmp_path, bundled, **faults):
    from support.samples import SampleSpec, write_sample

    from ntm_excel.read.reader import read_submission

    indicators, registry = bundled
    path = write_sample(tmp_path / "cam_thanh.xlsx", SampleSpec(roadmap_sheet=None, **faults))
    submission, read_issues = read_submission(path, registry, indicators)
    unit = registry.get(submission.unit_code)
    results, criteria, issues = validate_submission(submission, unit, indicators)
    return path, {r.indicator_code: r for r in results}, issues


def test_real_workbook_without_faults(tmp_path, bundled):
    _, results, issues = read_sample(tmp_path, bundled)
    assert issues == []
    assert len(results) == 50 and all(r.status is Status.MET for r in results.values())


@pytest.mark.parametrize(
    ("faults", "code", "column"),
    [
        ({"missing": ("8.3",)}, "indicator-missing", None),
        ({"blank_values": ("14.2",)}, "value-missing", "value"),
        ({"out_of_range": ("15.1",)}, "value-invalid", "value"),
        ({"contradictions": ("4.2",)}, "assessment-contradiction", "assessment"),
        ({"wrong_total": True}, "total-mismatch", "total"),
    ],
)
def test_real_workbook_faults_are_found_at_their_cells(tmp_path, bundled, faults, code, column):
    import openpyxl

    path, results, issues = read_sample(tmp_path, bundled, **faults)
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, issues
    issue = found[0]
    assert (issue.unit_code, issue.file) == ("18694", "cam_thanh.xlsx") and issue.sheet
    if column is None:
        assert issue.cell == ""
        return
    sheet = openpyxl.load_workbook(path)[issue.sheet]
    if column == "total":
        assert sheet[issue.cell].value.startswith("Tổng số tiêu chí đạt")
        return
    indicator = next(iter(faults.values()))[0]
    result = results[indicator]
    if column == "value":
        assert issue.cell == result.cell
        assert (sheet[issue.cell].value is None) == (code == "value-missing")
    else:
        assert sheet[issue.cell].value.strip().lower() == "đạt"
        assert result.computed_status is Status.NOT_MET and result.status is Status.NOT_MET
