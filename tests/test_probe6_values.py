"""Value and verdict cells as communes type them, sixth probe: a bound instead of a figure
(«< 90%»), a fraction with its percentage in brackets, money in thousands or billions of đồng
or by the month, labels and signs before a figure, full-width digits, a count over a total
that looks like a year, verdicts written short. Each workbook is a real file (.xlsx, .xls,
.ods) read back and judged."""

from __future__ import annotations

import pytest
from test_table_probe2 import commune_sheet, read, values, verdicts

from ntm_excel.check.validate import validate_submission
from ntm_excel.model import Status

MET, NOT_MET = Status.MET, Status.NOT_MET
CONTEXT = [
    ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98", "99,2", "Đạt"),
    ("12", "Tỷ lệ người có việc làm trên dân số trong độ tuổi lao động", "≥90", "93,1", "Đạt"),
]


def judged(tmp_path, registry, indicators, rows, fmt):
    """The values read and the codes of the issues at each value cell, after judging."""
    submission, issues = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    _, _, checked = validate_submission(submission, registry.get("18691"), indicators)
    at: dict[str, set[str]] = {}
    for issue in issues + checked:
        at.setdefault(issue.cell, set()).add(issue.code)
    cells = {e.code: e.value_cell for e in submission.indicators}
    return values(submission), {code: at.get(cell, set()) for code, cell in cells.items()}


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_bound_below_is_no_figure(tmp_path, registry, indicators, fmt):
    """«< 90%» on a ≥85 row says below 90, not 90: kept as written and `value-invalid`
    (like «dưới 90%»); «> 90%» and «≥ 90%» are a floor the value reaches, read as 90."""
    rows = [
        *CONTEXT,
        ("14.2", "Tỷ lệ học sinh tốt nghiệp THCS học tiếp", "≥85", "< 90%", "Đạt"),
        ("15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", "≥85", "≤ 86 %", "Đạt"),
        ("11", "Tỷ lệ hộ nghèo đa chiều", "≤5", "< 3%", "Đạt"),
        ("14.3", "Tỷ lệ lao động có việc làm qua đào tạo", "≥40", "> 90%", "Đạt"),
        ("17.6", "Tỷ lệ hộ có nhà tiêu, nhà tắm hợp vệ sinh", "≥70", "≥ 90%", "Đạt"),
    ]
    read_values, issues = judged(tmp_path, registry, indicators, rows, fmt)
    assert {code: read_values[code] for code in ("14.2", "15.1", "11", "14.3", "17.6")} == {
        "14.2": "< 90%", "15.1": "≤ 86 %", "11": "< 3%", "14.3": 90.0, "17.6": 90.0
    }  # fmt: skip
    assert all("value-invalid" in issues[code] for code in ("14.2", "15.1", "11"))
    assert not issues["14.3"] and not issues["17.6"]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_fraction_with_its_percentage_in_brackets(tmp_path, registry, indicators, fmt):
    """«0,925 (92,5%)»: the percentage the fraction is (not 0,925%); «98,5 (62%)» stays the
    figure with a part beside it."""
    rows = [
        *CONTEXT,
        ("14.2", "Tỷ lệ học sinh tốt nghiệp THCS học tiếp", "≥85", "0,925 (92,5%)", "Đạt"),
        ("15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", "≥85", "0.886 (88,6 %)", "Đạt"),
        ("17.1", "Tỷ lệ hộ được sử dụng nước hợp vệ sinh", "≥95", "98,5 (62%)", "Đạt"),
    ]
    read_values, issues = judged(tmp_path, registry, indicators, rows, fmt)
    assert (read_values["14.2"], read_values["15.1"], read_values["17.1"]) == (92.5, 88.6, 98.5)
    assert not issues["14.2"] and not issues["15.1"]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_an_income_in_thousands_billions_or_by_the_month_is_not_read_as_millions(
    tmp_path, registry, indicators, fmt
):
    """Income is counted in million đồng a year: «45.500 nghìn đồng», «0,045 tỷ», «3.500.000
    đồng/tháng» are kept as written and `value-invalid` (never 45.500, 0,045 or 3,5 million);
    «45,5 trđ», «45tr» are millions."""
    for n, (typed, expected) in enumerate(
        [
            ("45.500 nghìn đồng", "45.500 nghìn đồng"),
            ("0,045 tỷ", "0,045 tỷ"),
            ("3.500.000 đồng/tháng", "3.500.000 đồng/tháng"),
            ("45 nghìn", "45 nghìn"),
            ("45,5 trđ", 45.5),
            ("45tr", 45.0),
        ]
    ):
        folder = tmp_path / str(n)
        folder.mkdir()
        row = ("10", "Thu nhập bình quân đầu người khu vực nông thôn", "≥30", typed, "Đạt")
        read_values, issues = judged(folder, registry, indicators, [*CONTEXT, row], fmt)
        assert read_values["10"] == expected, typed
        assert ("value-invalid" in issues["10"]) is isinstance(expected, str), typed


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_figures_after_a_label_a_verdict_and_a_sign_or_in_square_brackets(
    tmp_path, registry, indicators, fmt
):
    """«Kết quả: 95%», «Tỷ lệ đạt 95%», «Đạt > 95%», «đạt trên 95%», «[95%]», full-width
    «９５．５％», «Đạt 100% (12/12 thôn)» are the figure; «Đạt < 95%» and «=<95%» are no
    figure (below 95, not 95)."""
    typed = {
        "14.2": "Kết quả: 95%", "14.3": "Tỷ lệ đạt 95%", "15.1": "Đạt > 95%",
        "15.3": "đạt trên 95%", "16": "[95%]", "17.1": "９５．５％", "17.2": "Đạt < 95%",
        "17.6": "=<95%", "17.7": "Đạt 100% (12/12 thôn)",
    }  # fmt: skip
    wordings = {ind.code: ind.text for ind in indicators}
    rows = [*CONTEXT] + [(code, wordings[code], "≥85", cell, "") for code, cell in typed.items()]
    read_values, issues = judged(tmp_path, registry, indicators, rows, fmt)
    assert {code: read_values[code] for code in typed} == {
        "14.2": 95.0, "14.3": 95.0, "15.1": 95.0, "15.3": 95.0, "16": 95.0, "17.1": 95.5,
        "17.2": "Đạt", "17.6": "=<95%", "17.7": 100.0,
    }  # fmt: skip
    assert "value-invalid" in issues["17.2"] and "value-invalid" in issues["17.6"]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_count_of_people_over_a_total_that_looks_like_a_year(tmp_path, registry, indicators, fmt):
    """«1.900/2.000 người», «1900/2000 người» are 95% (2.000 is a total, not a year); «06/2019
    phê duyệt» is still a date, no share."""
    rows = [
        *CONTEXT,
        ("14.2", "Tỷ lệ học sinh tốt nghiệp THCS học tiếp", "≥85", "1.900/2.000 người", "Đạt"),
        ("15.1", "Tỷ lệ người dân tham gia bảo hiểm y tế", "≥85", "1900/2000 người", "Đạt"),
        ("1.1", "Có quy hoạch chung xây dựng xã", "Đạt", "06/2019 phê duyệt", "Đạt"),
    ]
    read_values, _ = judged(tmp_path, registry, indicators, rows, fmt)
    assert (read_values["14.2"], read_values["15.1"]) == (95.0, 95.0)
    assert read_values["1.1"] == "06/2019 phê duyệt"


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_verdicts_written_short_or_with_a_footnote(tmp_path, registry, indicators, fmt):
    """«KĐạt», «CĐạt», «Ch.đạt» are not met, «Đạt¹» (a footnote) met."""
    said = {"16": "KĐạt", "17.1": "CĐạt", "17.2": "Ch.đạt", "17.6": "Đạt¹"}
    wordings = {ind.code: ind.text for ind in indicators}
    rows = [*CONTEXT] + [(code, wordings[code], "≥85", "", cell) for code, cell in said.items()]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert {code: verdicts(submission)[code] for code in said} == {
        "16": NOT_MET, "17.1": NOT_MET, "17.2": NOT_MET, "17.6": MET
    }  # fmt: skip
