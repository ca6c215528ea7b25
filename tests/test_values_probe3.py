"""Value, verdict and deadline cells as communes type them, third probe: a verdict typed in
the result column, checkboxes in the verdict column, a lone fraction among percentages, a
length over a total with its percentage, thousands grouped by spaces, years and short labels
beside a figure or a verdict, the letter O for a zero, opposite or foreseen verdicts, a
quarter and its year written with a spaced dash, a dotted date kept as a number, statuses of
works accepted or handed over. Each workbook is a real file (.xlsx, .xls, .ods) read back."""

from __future__ import annotations

from datetime import date

import pytest
from test_roadmap_messy import save
from test_table_probe2 import commune_sheet, read, values, verdicts

from ntm_excel.model import Status
from ntm_excel.read.reader import read_submission
from ntm_excel.values import parse_value

MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.UNKNOWN


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_verdict_typed_in_the_result_column_is_the_self_assessment(
    tmp_path, registry, indicators, fmt
):
    """The verdict cell left blank, the result cell «Đạt», «Chưa đạt» or «Đạt (100%)»: that
    is the self-assessment (one info issue names the column), the figure stays the value."""
    rows = [
        ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98", "Đạt (100%)", ""),
        ("12", "Tỷ lệ người có việc làm trên dân số trong độ tuổi lao động", "≥90", "93,1", "Đạt"),
        ("18.1", "Cán bộ, công chức xã đạt chuẩn", "Đạt", "Đạt", ""),
        ("18.2", "Có đủ các tổ chức trong hệ thống chính trị cơ sở", "Đạt", "Chưa đạt", ""),
        ("18.5", "Xã đạt chuẩn tiếp cận pháp luật theo quy định", "Đạt", "Có", ""),
    ]
    submission, issues = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert verdicts(submission) == {
        "4.2": MET, "12": MET, "18.1": MET, "18.2": NOT_MET, "18.5": UNKNOWN
    }  # fmt: skip
    assert values(submission)["4.2"] == 100.0
    (said,) = [issue for issue in issues if issue.code == "assessment-in-value"]
    assert (said.sheet, said.cell) == ("Biểu TĐG", "E5")
    assert "4.2, 18.1, 18.2" in said.message and "cột F" in said.message
    entry = next(e for e in submission.indicators if e.code == "18.2")
    assert (entry.assessment_raw, entry.assessment_cell) == ("Chưa đạt", "E8")


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_thousands_grouped_by_spaces_are_one_number(tmp_path, registry, indicators, fmt):
    """«45 500 000 đồng» (a no-break space, as Word pastes it) is an income in đồng; «1 234
    hộ/1 300 hộ» a count of a total; «2 15» stays text."""
    rows = [
        ("10", "Thu nhập bình quân đầu người", "≥36", "45\u00a0500\u00a0000 đồng", "Đạt"),
        ("17.6", "Tỷ lệ hộ có nhà tiêu, nhà tắm hợp vệ sinh", "≥70", "1 234 hộ/1 300 hộ", "Đạt"),
        ("14.2", "Tỷ lệ học sinh tốt nghiệp THCS học tiếp", "≥85", "2 15", ""),
    ]
    submission, issues = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert values(submission) == {"10": 45.5, "17.6": pytest.approx(94.923), "14.2": "2 15"}
    assert "value-in-dong" in [issue.code for issue in issues]


LONE = [
    ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98", "99%", "Đạt"),
    ("12", "Tỷ lệ người có việc làm trên dân số trong độ tuổi lao động", "≥90", "92%", "Đạt"),
]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
@pytest.mark.parametrize("typed", ["0,886", 0.886])
def test_a_lone_fraction_among_percentages_of_a_floor_is_scaled(
    tmp_path, registry, indicators, fmt, typed
):
    """«99%», «92%» and one 0,886 on a ≥85 row: 88,6% (said by `value-fraction`); the same
    0,89 on the poverty row (≤5) may be 0,89%: kept, and said to be ambiguous."""
    floor = ("14.2", "Tỷ lệ học sinh tốt nghiệp THCS học tiếp", "≥85", typed, "Đạt")
    sheet = commune_sheet(rows=[*LONE, floor])
    submission, issues = read(tmp_path, registry, indicators, sheet, fmt=fmt)
    assert values(submission) == {"4.2": 99.0, "12": 92.0, "14.2": 88.6}
    (said,) = [issue for issue in issues if issue.code == "value-fraction"]
    assert (said.cell, "0,886 = 88,6%" in said.message) == ("E7", True)
    assert "value-scale-ambiguous" not in [issue.code for issue in issues]

    ceiling = ("11", "Tỷ lệ hộ nghèo đa chiều", "≤5", 0.89 if typed == 0.886 else "0,89", "Đạt")
    (tmp_path / "ceiling").mkdir()
    sheet = commune_sheet(rows=[*LONE, ceiling])
    submission, issues = read(tmp_path / "ceiling", registry, indicators, sheet, fmt=fmt)
    assert values(submission)["11"] == 0.89
    assert [i.cell for i in issues if i.code == "value-scale-ambiguous"] == ["E7"]


def _boxes(marks: list[object]) -> list[tuple]:
    rows = [
        ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98", "99%"),
        ("12", "Tỷ lệ người có việc làm trên dân số trong độ tuổi lao động", "≥90", "85%"),
        ("18.1", "Cán bộ, công chức xã đạt chuẩn", "Đạt", "Đạt"),
    ]
    return [(*row, mark) for row, mark in zip(rows, marks, strict=True)]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
@pytest.mark.parametrize(
    ("marks", "said"),
    [
        ([True, False, True], [MET, NOT_MET, MET]),
        ([1, 0, 1], [MET, NOT_MET, MET]),
        ([1, 0, 2], [UNKNOWN, UNKNOWN, UNKNOWN]),  # a 2: not a checkbox column
    ],
)
def test_checkboxes_exported_as_booleans_or_ones_and_zeros(
    tmp_path, registry, indicators, fmt, marks, said
):
    """A verdict column of TRUE/FALSE (a checkbox's cell) or only 1/0 is Đạt/Chưa đạt."""
    sheet = commune_sheet(rows=_boxes(marks))
    submission, _ = read(tmp_path, registry, indicators, sheet, fmt=fmt)
    assert list(verdicts(submission).values()) == said


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_length_or_a_count_over_its_total_with_its_percentage(
    tmp_path, registry, indicators, fmt
):
    """«12,5/13,2 km (94,7%)» is 94,7%; «1/1 (100%)» (nothing counted named, the percentage
    agrees) is 100%; «3/4 (50%)» disagrees with itself and stays as typed."""
    rows = [
        (
            "2.1",
            "Đường xã và đường từ trung tâm xã đến đường huyện",
            "100%",
            "12,5/13,2 km (94,7%)",
        ),
        ("6.3", "Tỷ lệ thôn có nhà văn hóa hoặc nơi sinh hoạt văn hóa", "100", "1/1 (100%)"),
        ("16", "Tỷ lệ thôn, bản, ấp đạt tiêu chuẩn văn hóa theo quy định", "≥70", "3/4 (50%)"),
    ]
    sheet = commune_sheet(rows=[(*row, "Đạt") for row in rows])
    submission, _ = read(tmp_path, registry, indicators, sheet, fmt=fmt)
    found = values(submission)
    assert (round(found["2.1"], 1), found["6.3"], found["16"]) == (94.7, 100.0, "3/4 (50%)")


@pytest.mark.parametrize(("text", "share"), [("17/20 (85%)", 85.0), ("1/1 = 100%", 100.0)])
def test_a_bare_ratio_is_a_share_when_its_percentage_agrees(text, share):
    """What a bare «17/20» counts is not said (a date? a score?), its percentage is."""
    assert parse_value(text).value == share
    assert parse_value(text.split(" ")[0]).value == text.split(" ")[0]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_month_or_a_quarter_then_its_year_after_a_spaced_dash(
    tmp_path, registry, indicators, suffix
):
    """«Quý II - 2021», «Tháng 6 – 2021» name one period (no span «from … to 2021»); «Tháng
    6 - tháng 8/2021» is still a span."""
    deadlines = [
        ("Quý II - 2021", date(2021, 6, 30)),
        ("Quý 3 - 2022", date(2022, 9, 30)),
        ("Tháng 6 – 2021", date(2021, 6, 30)),
        ("Tháng 6 - tháng 8/2021", date(2021, 8, 31)),
    ]
    rows = [
        ["KẾ HOẠCH THỰC HIỆN LỘ TRÌNH XÂY DỰNG NTM NĂM 2021"],
        ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"],
        *([i, f"Việc {i}", cell, "Lê Văn An"] for i, (cell, _) in enumerate(deadlines, 1)),
    ]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows)
    submission, issues = read_submission(path, registry, indicators)
    assert [task.due for task in submission.tasks] == [due for _, due in deadlines]
    assert "deadline-invalid" not in [issue.code for issue in issues]


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_the_year_a_verdict_was_reached_is_not_its_value(tmp_path, registry, indicators, fmt):
    """«Đạt (2019)», «Đạt 2021» in a result cell: the year the commune first met it, not a
    figure of 2019; «Đạt (100%)» keeps its figure."""
    rows = [
        ("1.1", "Có quy hoạch chung xây dựng xã được phê duyệt", "Đạt", "Đạt (2019)", "Đạt"),
        ("8.1", "Xã có điểm phục vụ bưu chính", "Đạt", "Đạt 2021", "Đạt"),
        ("6.3", "Tỷ lệ thôn có nhà văn hóa", "100", "Đạt (100%)", "Đạt"),
    ]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert values(submission) == {"1.1": "Đạt", "8.1": "Đạt", "6.3": 100.0}


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_year_or_a_short_label_before_the_figure_or_the_verdict(
    tmp_path, registry, indicators, fmt
):
    """«Năm 2021: 92,5%» is 92,5%, «2021 - Đạt» is Đạt (not a figure of 2021), «TL: 93,1%»
    and «TN: 45,5 triệu» are their figures."""
    rows = [
        ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98", "Năm 2021: 99,2%", "Đạt"),
        ("12", "Tỷ lệ người có việc làm trên dân số trong độ tuổi", "≥90", "TL: 93,1%", ""),
        ("10", "Thu nhập bình quân đầu người", "≥36", "TN: 45,5 triệu", "Đạt"),
        ("18.1", "Cán bộ, công chức xã đạt chuẩn", "Đạt", "2021 - Đạt", "Đạt"),
        ("18.2", "Có đủ các tổ chức trong hệ thống chính trị cơ sở", "Đạt", "Năm 2021: Đạt", ""),
    ]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert values(submission) == {
        "4.2": 99.2, "12": 93.1, "10": 45.5, "18.1": "Đạt", "18.2": "Đạt"
    }  # fmt: skip
    assert verdicts(submission)["18.2"] == MET  # the verdict typed in the result column


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_verdict_then_a_percentage_over_its_standard(tmp_path, registry, indicators, fmt):
    """«Đạt 99,2%/98%» in the result column: the figure is 99,2 (the standard after it is
    not a second figure), as «99,2%/98%» alone already was."""
    rows = [
        ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98", "Đạt 99,2%/98%", "Đạt"),
        ("12", "Tỷ lệ người có việc làm", "≥90", "Chưa đạt 85%/≥90%", "Chưa đạt"),
    ]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert values(submission) == {"4.2": 99.2, "12": 85.0}


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_what_remains_counted_with_its_percentage(tmp_path, registry, indicators, fmt):
    """«Còn 25 hộ (1,7%)» (the poor households left) is 1,7%; «Còn 25 hộ» alone counts
    households, not a rate: kept as typed."""
    rows = [
        ("11", "Tỷ lệ hộ nghèo đa chiều", "≤5", "Còn 25 hộ (1,7%)", "Đạt"),
        ("15.3", "Tỷ lệ trẻ em dưới 5 tuổi bị suy dinh dưỡng", "≤24,2", "Còn 25 hộ", ""),
    ]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert values(submission) == {"11": 1.7, "15.3": "Còn 25 hộ"}


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_the_letter_o_typed_for_a_zero_is_not_guessed(tmp_path, registry, indicators, fmt):
    """«9O», «1OO%», «Đạt (9O%)»: 9, 90 or 100? Kept as typed (the check says the value is
    not a figure), never read as 9% or 1%."""
    rows = [
        ("4.2", "Tỷ lệ hộ sử dụng điện thường xuyên, an toàn", "≥98", "1OO%", "Đạt"),
        ("12", "Tỷ lệ người có việc làm", "≥90", "9O", "Đạt"),
        ("14.2", "Tỷ lệ học sinh tốt nghiệp THCS học tiếp", "≥85", "Đạt (9O%)", ""),
    ]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert values(submission) == {"4.2": "1OO%", "12": "9O", "14.2": "Đạt"}


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_two_opposite_verdicts_or_one_per_year(tmp_path, registry, indicators, fmt):
    """«Đạt, Chưa đạt», «Chưa đạt → Đạt»: which holds? Unread (the check asks). «2020: Đạt;
    2021: Chưa đạt»: the latest year's. «Đạt, duy trì» says Đạt twice."""
    rows = [
        ("1.1", "Có quy hoạch chung xây dựng xã", "Đạt", "Có", "Đạt, Chưa đạt"),
        ("1.2", "Ban hành quy định quản lý quy hoạch", "Đạt", "Có", "Chưa đạt → Đạt"),
        ("8.1", "Xã có điểm phục vụ bưu chính", "Đạt", "Có", "2020: Đạt; 2021: Chưa đạt"),
        ("8.2", "Xã có dịch vụ viễn thông, internet", "Đạt", "Có", "2020: Chưa đạt; 2021: Đạt"),
        ("8.3", "Xã có đài truyền thanh", "Đạt", "Có", "Đạt, duy trì"),
    ]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert list(verdicts(submission).values()) == [UNKNOWN, UNKNOWN, NOT_MET, MET, MET]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_works_accepted_or_handed_over_are_done(tmp_path, registry, indicators, suffix):
    """«Đã nghiệm thu», «Đã bàn giao đưa vào sử dụng», «Đã hoàn thiện» say a work is done;
    «Đã thực hiện» (begun? finished?) does not."""
    statuses = [
        ("Đã nghiệm thu", True),
        ("Đã bàn giao đưa vào sử dụng", True),
        ("Đã hoàn thiện", True),
        ("Đã thực hiện", False),
    ]
    rows = [
        ["KẾ HOẠCH THỰC HIỆN LỘ TRÌNH XÂY DỰNG NTM NĂM 2021"],
        ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách", "Tình trạng"],
        *([i, f"Việc {i}", "30/6/2021", "Lê Văn An", s] for i, (s, _) in enumerate(statuses, 1)),
    ]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows)
    submission, _ = read_submission(path, registry, indicators)
    assert [task.done for task in submission.tasks] == [done for _, done in statuses]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_verdict_foreseen_is_not_a_verdict(tmp_path, registry, indicators, fmt):
    """«Đạt (dự kiến)», «Đạt (phấn đấu)», «Đạt (ước)» say it is not met yet: unread (the
    check asks for «Đạt» or «Chưa đạt»), as «Dự kiến đạt» already was; «Chưa đạt (dự kiến)»
    is still not met, «Đạt (duy trì)» met."""
    rows = [
        ("1.1", "Có quy hoạch chung xây dựng xã", "Đạt", "Có", "Đạt (dự kiến)"),
        ("1.2", "Ban hành quy định quản lý quy hoạch", "Đạt", "Có", "Đạt (phấn đấu)"),
        ("8.1", "Xã có điểm phục vụ bưu chính", "Đạt", "Có", "Đạt (ước)"),
        ("8.2", "Xã có dịch vụ viễn thông, internet", "Đạt", "Có", "Chưa đạt (dự kiến)"),
        ("8.3", "Xã có đài truyền thanh", "Đạt", "Có", "Đạt (duy trì)"),
    ]
    submission, _ = read(tmp_path, registry, indicators, commune_sheet(rows=rows), fmt=fmt)
    assert list(verdicts(submission).values()) == [UNKNOWN, UNKNOWN, UNKNOWN, NOT_MET, MET]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_deadline_typed_with_a_dot_and_kept_as_a_number(tmp_path, registry, indicators, suffix):
    """An Excel with a decimal point keeps «30.6» as the number 30.6: 30/6; but «30.10» is
    kept as 30.1 too, so 30.1 (January or October?) is reported, not guessed."""
    rows = [
        ["KẾ HOẠCH THỰC HIỆN LỘ TRÌNH XÂY DỰNG NTM NĂM 2021"],
        ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"],
        [1, "Việc 1", 30.6, "Lê Văn An"],
        [2, "Việc 2", 30.1, "Lê Văn An"],
    ]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows)
    submission, issues = read_submission(path, registry, indicators)
    assert [task.due for task in submission.tasks] == [date(2021, 6, 30), None]
    assert [(i.code, i.cell) for i in issues if i.code == "deadline-invalid"] == [
        ("deadline-invalid", "C4")
    ]
