"""Roadmaps as communes send them, second probe: cells merged down over several tasks, statuses
written short or ticked, time charts by quarter or year, deadline phrases of real plans,
owner names matched to the contact book."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from support.samples import SampleSpec, write_sample
from test_roadmap_messy import save

from ntm_excel.read.reader import read_submission

HEADING = ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách", "Tình trạng"]
TITLE = ["KẾ HOẠCH THỰC HIỆN LỘ TRÌNH XÂY DỰNG NTM NĂM 2021"]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_deadline_owner_or_status_merged_down_is_each_tasks(
    tmp_path, registry, indicators, suffix
):
    """One «Quý III/2021» merged over three tasks; a task merged over three owner rows."""
    rows = [
        TITLE,
        HEADING,
        [1, "Làm đường thôn 1", "Quý III/2021", "Nguyễn Văn Hùng", "Đang triển khai"],
        [2, "Làm đường thôn 2", None, "Lê Thị Lan"],
        [3, "Làm đường thôn 3", None, "Trần Văn Nam"],
        [4, "Bê tông hóa đường trục xã", "30/9/2021", "Phan Văn Hải", "Hoàn thành"],
        [None, None, None, "Võ Thị Dũng"],
        [None, None, None, "Hội Nông dân (phối hợp)"],
        [5, "Xây nhà văn hóa", "30/10/2021", "Lê Thị Lan", "Chưa thực hiện"],
    ]
    merges = ["C3:C5", "E3:E5", "A6:A8", "B6:B8", "C6:C8", "E6:E8"]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows, merges)
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.text, t.due, t.status_text, t.owners, t.partners) for t in submission.tasks] == [
        ("Làm đường thôn 1", date(2021, 9, 30), "Đang triển khai", ("Nguyễn Văn Hùng",), ()),
        ("Làm đường thôn 2", date(2021, 9, 30), "Đang triển khai", ("Lê Thị Lan",), ()),
        ("Làm đường thôn 3", date(2021, 9, 30), "Đang triển khai", ("Trần Văn Nam",), ()),
        (
            "Bê tông hóa đường trục xã",
            date(2021, 9, 30),
            "Hoàn thành",
            ("Phan Văn Hải", "Võ Thị Dũng"),
            ("Hội Nông dân",),
        ),
        ("Xây nhà văn hóa", date(2021, 10, 30), "Chưa thực hiện", ("Lê Thị Lan",), ()),
    ]


@pytest.mark.parametrize("alone", [False, True])
def test_a_roadmap_whose_rows_are_criteria_with_a_solution_column(
    tmp_path, registry, indicators, alone
):
    """TT | Tên tiêu chí | Hiện trạng | Giải pháp thực hiện | …: the file is read (it once
    stopped the reader), the solution is the task, the row's criterion its criterion."""
    rows = [
        TITLE,
        ["TT", "Tên tiêu chí", "Hiện trạng", "Giải pháp thực hiện", "Thời gian", "Người phụ trách"],
        [2, "Giao thông", "Đạt 80%", "Bê tông hóa 2 km đường thôn", "Quý III/2021", "Lê Văn An"],
        [17, "Môi trường và an toàn thực phẩm", "Chưa đạt", "Xây 5 bể rác", "6/2021", "Võ Thị B"],
    ]
    path = tmp_path / "xa_cam_thach.xlsx"
    if alone:
        save(path, rows)
    else:
        write_sample(
            path, SampleSpec(unit_code="18706", unit_name="Xã Cẩm Thạch", roadmap_sheet=None)
        )
        book = openpyxl.load_workbook(path)
        sheet = book.create_sheet("Lộ trình")
        for row in rows:
            sheet.append(row)
        book.save(path)
    submission, issues = read_submission(path, registry, indicators)
    assert [(t.criterion_no, t.text, t.due) for t in submission.tasks] == [
        (2, "Bê tông hóa 2 km đường thôn", date(2021, 9, 30)),
        (17, "Xây 5 bể rác", date(2021, 6, 30)),
    ]
    assert bool(submission.indicators) is not alone


STATUSES = [  # (status cell, done)
    ("HT", True),
    ("Đã HT", True),
    ("100%", True),
    ("Đạt", True),
    ("70%", False),
    ("Đang TH", False),
    ("Chưa đạt", False),
    ("Hoàn thành (15/3)", True),
]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_statuses_written_short_or_as_a_share(tmp_path, registry, indicators, suffix):
    rows = [TITLE, HEADING]
    rows += [
        [i, f"Việc {i}", "30/6/2021", "Lê Văn An", cell] for i, (cell, _) in enumerate(STATUSES)
    ]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows)
    submission, _ = read_submission(path, registry, indicators)
    assert [t.done for t in submission.tasks] == [done for _, done in STATUSES]


def test_a_share_done_typed_as_a_number(tmp_path, registry, indicators):
    """1 shown «0%» and 100 under «Tiến độ (%)» are done; 0.7 shown «0%» is not."""
    heading = [*HEADING[:4], "Tiến độ (%)"]
    rows = [TITLE, heading]
    rows += [[i, f"Việc {i}", "30/6/2021", "Lê Văn An", v] for i, v in enumerate([1, 0.7, 100])]
    path = save(tmp_path / "xa_cam_thach.xlsx", rows, formats={"E3": "0%", "E4": "0%"})
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.done, t.status_text) for t in submission.tasks] == [
        (True, "100%"),
        (False, "70%"),
        (True, "100%"),
    ]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
@pytest.mark.parametrize(
    ("heading", "ticked", "unticked"),
    [
        ("Đã hoàn thành", "x", None),
        ("Hoàn thành", True, False),  # a Google Sheets or Excel 365 checkbox
        ("Tình trạng", True, False),
        ("Hoàn thành", "✓", None),
    ],
)
def test_a_done_column_of_ticks_or_checkboxes(
    tmp_path, registry, indicators, suffix, heading, ticked, unticked
):
    """A column «Đã hoàn thành» of «x» beside the deadline column was nobody's (the tasks
    never done); «Hoàn thành» (also a deadline heading) of checkboxes was read as deadlines
    «TRUE»; a ticked checkbox under «Tình trạng» was the status «TRUE», not done."""
    rows = [TITLE, [*HEADING[:4], heading]]
    rows += [[1, "Làm đường thôn Tây", "30/4/2021", "Lê Văn An", ticked]]
    rows += [[2, "Xây nhà văn hóa", "30/9/2021", "Lê Văn An", unticked]]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows)
    submission, issues = read_submission(path, registry, indicators)
    assert [(t.done, t.due) for t in submission.tasks] == [
        (True, date(2021, 4, 30)),
        (False, date(2021, 9, 30)),
    ]
    assert not [i for i in issues if i.code.startswith("deadline")]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_ticks_under_status_sub_headings(tmp_path, registry, indicators, suffix):
    rows = [
        TITLE,
        [*HEADING[:4], "Kết quả thực hiện", None],
        [None, None, None, None, "Đã hoàn thành", "Chưa hoàn thành"],
        [1, "Làm đường thôn Tây", "30/4/2021", "Lê Văn An", "x", None],
        [2, "Làm đường thôn Đông", "30/9/2021", "Lê Văn An", None, "x"],
        [3, "Xây nhà văn hóa", "30/6/2021", "Lê Văn An", "✓", None],
    ]
    merges = ["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2"]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows, merges)
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.done, t.status_text) for t in submission.tasks] == [
        (True, "Đã hoàn thành"),
        (False, "Chưa hoàn thành"),
        (True, "Đã hoàn thành"),
    ]


def test_a_status_in_the_notes_or_an_actual_completion_date(tmp_path, registry, indicators):
    """No status column: «Ghi chú» saying «Đã hoàn thành» or «Xong» is the status (not
    «Hoàn thành trước 30/6/2021»); a date under «Ngày hoàn thành thực tế» marks it done."""
    heading = ["TT", "Nội dung", "Thời gian hoàn thành", "Người thực hiện"]
    rows = [
        TITLE,
        [*heading, "Ngày hoàn thành thực tế", "Ghi chú"],
        [1, "Đường thôn 1", "30/6/2021", "Lê Văn An", None, "Đã hoàn thành"],
        [2, "Đường thôn 2", "30/6/2021", "Lê Văn An", None, "Xong"],
        [3, "Đường thôn 3", "30/6/2021", "Lê Văn An", None, "Hoàn thành trước 30/6/2021"],
        [4, "Đường thôn 4", "30/9/2021", "Lê Văn An", "20/5/2021", None],
        [5, "Đường thôn 5", "30/9/2021", "Lê Văn An", None, "Đang thi công"],
    ]
    path = save(tmp_path / "xa_cam_thach.xlsx", rows)
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.due, t.done, t.completed) for t in submission.tasks] == [
        (date(2021, 6, 30), True, None),
        (date(2021, 6, 30), True, None),
        (date(2021, 6, 30), False, None),
        (date(2021, 9, 30), True, date(2021, 5, 20)),
        (date(2021, 9, 30), False, None),
    ]


CHARTS = [  # (heading, sub-headings, marks per task, due dates)
    (
        "Thời gian thực hiện",
        ["Quý I", "Quý II", "Quý III", "Quý IV"],
        [[None, "x", "x", None], ["x", None, None, None]],
        [date(2021, 9, 30), date(2021, 3, 31)],
    ),
    (
        "Lộ trình thực hiện",
        ["2021", "2022", "2023"],
        [["x", "x", None], [None, "Quý II", None]],
        [date(2022, 12, 31), date(2022, 6, 30)],
    ),
    (
        "Tiến độ thực hiện",
        ["Tháng 6", "T7/2021", "Tháng 8"],
        [["x", "x", None], [None, None, "■"]],
        [date(2021, 7, 31), date(2021, 8, 31)],
    ),
]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
@pytest.mark.parametrize("chart", CHARTS, ids=["quarters", "years", "months"])
def test_time_charts_by_quarter_year_or_month(tmp_path, registry, indicators, suffix, chart):
    """A time chart's task is due at the end of its last marked period; a phrase written in
    a year's column («Quý II» under «2022») is read in that year."""
    heading, periods, marks, dues = chart
    end = chr(ord("C") + len(periods) - 1)
    owner = chr(ord(end) + 1)
    rows = [
        TITLE,
        ["TT", "Nội dung công việc", heading, *[None] * (len(periods) - 1), "Người phụ trách"],
        [None, None, *periods, None],
        *([i, f"Việc {i}", *cells, "Lê Văn An"] for i, cells in enumerate(marks)),
    ]
    merges = ["A2:A3", "B2:B3", f"C2:{end}2", f"{owner}2:{owner}3"]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows, merges)
    submission, issues = read_submission(path, registry, indicators)
    assert [t.due for t in submission.tasks] == dues
    assert "deadline-invalid" not in [issue.code for issue in issues]


DEADLINES = [  # (deadline cell, due, recurrence)
    ("T9/21", date(2021, 9, 30), ""),
    ("Quý IV/21", date(2021, 12, 31), ""),
    ("30-Jun-21", date(2021, 6, 30), ""),
    ("Sep-21", date(2021, 9, 30), ""),
    ("Đợt 1: tháng 5/2021; đợt 2: tháng 9/2021", date(2021, 9, 30), ""),
    ("Đợt 1: Tháng 4; Đợt 2: Tháng 10", date(2021, 10, 31), ""),
    ("Thường xuyên, liên tục", None, ""),
    ("Tháng 11 hàng năm", None, "Tháng 11 hàng năm"),
    ("Trước 30/6 hằng năm", None, "Trước 30/6 hằng năm"),
]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_deadline_phrases_of_real_roadmaps(tmp_path, registry, indicators, suffix):
    """Two-digit years, months an English Excel wrote as text, waves («đợt 1 … đợt 2»: due
    at the last), ongoing work said twice, a yearly task with its month: none reported."""
    rows = [TITLE, HEADING]
    rows += [[i, f"Việc {i}", cell, "Lê Văn An"] for i, (cell, _, _) in enumerate(DEADLINES)]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows)
    submission, issues = read_submission(path, registry, indicators)
    assert [(t.due, t.recurrence) for t in submission.tasks] == [(d, r) for _, d, r in DEADLINES]
    assert "deadline-invalid" not in [issue.code for issue in issues]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_year_column_alone_or_beside_the_deadline(tmp_path, registry, indicators, suffix):
    """«Năm hoàn thành» holding 2022 is due 31/12/2022 (the budget beside it is the budget);
    «Năm» | «Thời gian hoàn thành» = 2022 | «Quý II» is due 30/06/2022."""
    alone = [
        TITLE,
        ["TT", "Nội dung, nhiệm vụ", "Năm hoàn thành", "Kinh phí (triệu đồng)", "Người phụ trách"],
        [1, "Nâng cấp trường mầm non", 2022, 2500, "Lê Văn An"],
        [2, "Xây dựng sân vận động", "2021", 1800, "Lê Văn An"],
    ]
    beside = [
        TITLE,
        ["TT", "Nội dung công việc", "Năm", "Thời gian hoàn thành", "Người phụ trách"],
        [1, "Làm đường thôn 1", 2021, "Tháng 6", "Lê Văn An"],
        [2, "Làm đường thôn 2", 2022, "Quý II", "Lê Văn An"],
        [3, "Làm đường thôn 3", None, "Quý III", "Lê Văn An"],
    ]
    found = []
    for name, rows in (("a", alone), ("b", beside)):
        path = save(tmp_path / f"xa_cam_thach_{name}{suffix}", rows)
        submission, issues = read_submission(path, registry, indicators)
        found += [(t.due, t.budget) for t in submission.tasks]
        assert "deadline-invalid" not in [issue.code for issue in issues]
    assert found == [
        (date(2022, 12, 31), 2500),
        (date(2021, 12, 31), 1800),
        (date(2021, 6, 30), None),
        (date(2022, 6, 30), None),
        (date(2021, 9, 30), None),
    ]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_criterion_cells_with_so_and_a_bracketed_line_below_a_task(
    tmp_path, registry, indicators, suffix
):
    """«TC số 17 - Môi trường và ATTP» merged down is criterion 17; a row holding only
    «(đoạn từ … đến …)» under a task goes on that task's text."""
    rows = [
        TITLE,
        ["TT", "Tiêu chí", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"],
        [1, "TC số 2 - Giao thông", "Bê tông đường thôn 1,", "30/6/2021", "Lê Văn An"],
        [None, None, "(đoạn từ nhà ông Hải đến cầu Đá)"],
        [2, "TC số 17 - Môi trường và ATTP", "Xây bể rác", "30/9/2021", "Lê Văn An"],
        [3, None, "Trồng cây xanh", "30/10/2021", "Lê Văn An"],
    ]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows, ["B5:B6"])
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.criterion_no, t.text) for t in submission.tasks] == [
        (2, "Bê tông đường thôn 1, (đoạn từ nhà ông Hải đến cầu Đá)"),
        (17, "Xây bể rác"),
        (17, "Trồng cây xanh"),
    ]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_bodies_listed_after_a_comma_or_va_are_each_an_owner(
    tmp_path, registry, indicators, suffix
):
    """«MTTQ và các đoàn thể», «Các thôn, MTTQ» in a partner column, «A - PCT và các thôn»:
    a body after «,» or «và» is one more owner (or partner), not the title going on."""
    rows = [
        TITLE,
        ["TT", "Nội dung công việc", "Thời gian", "Cơ quan chủ trì", "Cơ quan phối hợp"],
        [1, "Vận động hiến đất", "Quý III/2021", "MTTQ và các đoàn thể", None],
        [2, "Tuyên truyền NTM", "Quý III/2021", "Đài truyền thanh xã", "Các thôn, MTTQ"],
        [3, "Làm đường ngõ xóm", "Quý III/2021", "Nguyễn Văn An - PCT UBND xã và các thôn", None],
        [4, "Xây dựng mô hình", "Quý III/2021", "Võ Xuân Sơn, BQL xây dựng NTM xã", None],
    ]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows)
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.owners, t.partners) for t in submission.tasks] == [
        (("MTTQ", "các đoàn thể"), ()),
        (("Đài truyền thanh xã",), ("Các thôn", "MTTQ")),
        (("Nguyễn Văn An", "các thôn"), ()),
        (("Võ Xuân Sơn", "BQL xây dựng NTM xã"), ()),
    ]


def _book_with_phone(tmp_path: Path, name: str, phone: str) -> Path:
    """The bundled contact book with `phone` written for `name`."""
    from ntm_excel.config import load_config

    book = openpyxl.load_workbook(load_config().contacts)
    sheet = book["Danh bạ"]
    column = [cell.value for cell in sheet[1]].index("Điện thoại") + 1
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == name:
            sheet.cell(row[0].row, column, phone)
    path = tmp_path / "danh_ba.xlsx"
    book.save(path)
    return path


def test_district_officials_in_a_roadmap_reach_the_contact_book_and_the_digest(tmp_path):
    """A commune's roadmap names district officials misspelt, by title written short or in
    full, by unit, or by phone: each is matched to the one contact it means, who gets the overdue
    task in the daily digest; a name two letters off, a given name one letter off (another
    person), or a title several hold, is nobody's."""
    from ntm_excel.check.consolidate import consolidate_from_config
    from ntm_excel.config import load_config
    from ntm_excel.jobs.digest import build_daily_digests
    from ntm_excel.reference.contacts import load_contacts

    rows = [
        TITLE,
        ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách", "Lãnh đạo chỉ đạo"],
        [1, "Quy hoạch chung xã", "20/3/2021", "Lê Văn An", "Đ/c Phạm Hoàn Anh - PCT UBND huyện"],
        [2, "Hồ sơ giao thông", "20/3/2021", "Lê Văn An", "Trưởng phòng KTHT huyện"],
        [3, "Hồ sơ sản xuất", "20/3/2021", "Lê Văn An", "TP NN&PTNT"],
        [4, "Hồ sơ y tế", "20/3/2021", "Lê Văn An", "Giám đốc Trung tâm Y tế huyện"],
        [5, "Camera an ninh", "20/3/2021", "Lê Văn An", "0912 345 678"],
        [6, "Hồ sơ môi trường", "20/3/2021", "Lê Văn An", "Phòng TNMT huyện"],
        [7, "Hồ sơ văn hóa", "20/3/2021", "Lê Văn An", "Phạm Hoàn Ánh Dương"],
        [8, "Hồ sơ chung", "20/3/2021", "Lê Văn An", "Phó Chủ tịch UBND huyện"],
        [9, "Hồ sơ nông nghiệp", "20/3/2021", "Lê Văn An", "Trưởng phòng Nông nghiệp và PTNT"],
        [10, "Hồ sơ khác", "20/3/2021", "Lê Văn An", "Phạm Hoàng An"],  # another given name
    ]
    folder = tmp_path / "nhan"
    folder.mkdir()
    save(folder / "xa_cam_thach.xlsx", rows)
    contacts = load_contacts(_book_with_phone(tmp_path, "Phan Ngọc Tố", "0912.345.678"))
    config = load_config()
    result = consolidate_from_config([folder], config, date(2021, 3, 25), with_plan=False)
    tasks = [s.task for s in result.tasks if s.task.unit_code == "18706"]
    matched = [getattr(contacts.match(t.directors[0]), "name", None) for t in tasks]
    assert matched == [
        "Phạm Hoàng Anh",
        "Trần Ngọc Quang",
        "Lê Văn Danh",
        "Trần Huy Nghĩa",
        "Phan Ngọc Tố",
        "Biện Văn Thanh",
        None,
        None,
        "Lê Văn Danh",
        None,
    ]
    digests = build_daily_digests(result, contacts)
    got = {
        digest.contact.name: [line.status.task.text for line in digest.overdue]
        for digest in digests.digests
    }
    assert got["Phạm Hoàng Anh"] == ["Quy hoạch chung xã"]
    assert got["Trần Ngọc Quang"] == ["Hồ sơ giao thông"]
    assert got["Phan Ngọc Tố"] == ["Camera an ninh"]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_ditto_cells_a_heading_printed_again_and_a_deadline_in_the_text(
    tmp_path, registry, indicators, suffix
):
    """«Như trên», «nt», «"» repeat the cell of the task above; the heading printed again
    on the next page is no task; an empty deadline cell leaves the deadline the text ends
    with; «Biện pháp thực hiện» and «Mức độ hoàn thành» are the task and the status."""
    heading = ["TT", "Biện pháp thực hiện", "Thời gian hoàn thành", "Người phụ trách"]
    heading.append("Mức độ hoàn thành")
    rows = [
        TITLE,
        heading,
        [1, "Đường thôn 1", "30/6/2021", "Nguyễn Văn Hùng", "Đã hoàn thành"],
        [2, "Đường thôn 2", "Như trên", "nt", "Chưa hoàn thành"],
        [3, "Đường thôn 3", "-nt-", "Như trên", "Chưa hoàn thành"],
        heading,
        [4, "Đường thôn 4", '"', '"', "Chưa hoàn thành"],
        [5, "Xóa 3 nhà tạm (hoàn thành trong tháng 4/2021)", None, "Lê Thị Lan"],
    ]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows)
    submission, issues = read_submission(path, registry, indicators)
    assert [(t.text[:12], t.due, t.owners, t.done) for t in submission.tasks] == [
        ("Đường thôn 1", date(2021, 6, 30), ("Nguyễn Văn Hùng",), True),
        ("Đường thôn 2", date(2021, 6, 30), ("Nguyễn Văn Hùng",), False),
        ("Đường thôn 3", date(2021, 6, 30), ("Nguyễn Văn Hùng",), False),
        ("Đường thôn 4", date(2021, 6, 30), ("Nguyễn Văn Hùng",), False),
        ("Xóa 3 nhà tạ", date(2021, 4, 30), ("Lê Thị Lan",), False),
    ]
    assert "deadline-invalid" not in [issue.code for issue in issues]


@pytest.mark.parametrize(
    ("cell", "owners"),
    [
        ("Đ/c Hùng, Lan, Bình", ("Hùng", "Lan", "Bình")),
        ("Đ/c Hùng và Lan", ("Hùng", "Lan")),
        ("Đ/c Hùng, PCT", ("Hùng",)),
        ("Nguyễn Văn An, PCT", ("Nguyễn Văn An",)),
    ],
)
def test_given_names_listed_after_dc(tmp_path, registry, indicators, cell, owners):
    rows = [TITLE, HEADING, [1, "Làm đường thôn 1", "30/6/2021", cell]]
    submission, _ = read_submission(
        save(tmp_path / "xa_cam_thach.xlsx", rows), registry, indicators
    )
    assert submission.tasks[0].owners == owners


def test_a_commune_is_reminded_of_its_own_roadmap(tmp_path):
    """The commune's staff named in its roadmap are not in the district's contact book: the
    commune's own address («Liên hệ xã») gets its overdue and soon-due roadmap tasks, not
    the done ones."""
    from ntm_excel.check.consolidate import consolidate_from_config
    from ntm_excel.config import load_config
    from ntm_excel.jobs.digest import build_daily_digests
    from ntm_excel.reference.contacts import load_contacts

    rows = [
        TITLE,
        HEADING,
        [1, "Sửa chữa cống thôn 3", "15/3/2021", "Nguyễn Văn Hùng", "Đang triển khai"],
        [2, "Tập huấn nuôi trồng", "27/3/2021", "Lê Thị Lan", "Chưa thực hiện"],
        [3, "Đường thôn 2", "10/3/2021", "Lê Thị Lan", "Hoàn thành (5/3)"],
        [4, "Nhà văn hóa thôn 1", "30/9/2021", "Lê Thị Lan", "Chưa thực hiện"],
    ]
    folder = tmp_path / "nhan"
    folder.mkdir()
    save(folder / "xa_cam_thach.xlsx", rows)
    config = load_config()
    result = consolidate_from_config([folder], config, date(2021, 3, 25), with_plan=False)
    digests = build_daily_digests(result, load_contacts(config.contacts)).digests
    [commune] = [d for d in digests if d.contact.email == "ubnd.camthach@camxuyen.example.org"]
    assert [(ln.text, ln.role) for ln in commune.overdue] == [
        ("Sửa chữa cống thôn 3", "lộ trình của xã")
    ]
    assert [ln.text for ln in commune.due_soon] == ["Tập huấn nuôi trồng"]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_parent_task_gives_its_owner_to_its_sub_tasks(tmp_path, registry, indicators, suffix):
    rows = [
        TITLE,
        HEADING,
        [1, "Giao thông, gồm:", None, "Nguyễn Văn Hùng"],
        [None, "a) Bê tông đường thôn 1", "30/6/2021", None, "Đang triển khai"],
        [None, "b) Bê tông đường thôn 2", "30/9/2021", "Lê Thị Lan", "Chưa thực hiện"],
        [2, "Xây dựng nhà văn hóa", "Quý IV/2021", None, "Chưa thực hiện"],
    ]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows)
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.text, t.owners, t.section) for t in submission.tasks] == [
        ("a) Bê tông đường thôn 1", ("Nguyễn Văn Hùng",), "Giao thông, gồm:"),
        ("b) Bê tông đường thôn 2", ("Lê Thị Lan",), "Giao thông, gồm:"),
        ("Xây dựng nhà văn hóa", (), ""),
    ]


@pytest.mark.parametrize(
    ("cell", "owners", "directors"),
    [
        ("UBND xã chỉ đạo; Ban phát triển thôn thực hiện", ("Ban phát triển thôn",), ("UBND xã",)),
        (
            "Chỉ đạo: Đ/c Võ Xuân Sơn - CT\nThực hiện: Đ/c Lê Thị Lan",
            ("Lê Thị Lan",),
            ("Võ Xuân Sơn",),
        ),
        ("Ban chỉ đạo xã; Các thôn", ("Ban chỉ đạo xã", "Các thôn"), ()),
    ],
)
def test_who_directs_and_who_carries_out_in_one_owner_cell(
    tmp_path, registry, indicators, cell, owners, directors
):
    rows = [TITLE, HEADING, [1, "Xây dựng cổng chào thôn", "Quý IV/2021", cell]]
    submission, _ = read_submission(
        save(tmp_path / "xa_cam_thach.xlsx", rows), registry, indicators
    )
    assert (submission.tasks[0].owners, submission.tasks[0].directors) == (owners, directors)


def test_a_share_in_words_and_ticks_under_owner_names(tmp_path, registry, indicators):
    """«Đạt 100%» is done, «Đạt 50%» is not; «Người phụ trách» over one column per person,
    the task's people ticked «x»."""
    rows = [
        TITLE,
        [
            "TT",
            "Nội dung công việc",
            "Thời gian hoàn thành",
            "Người phụ trách",
            None,
            None,
            "Kết quả",
        ],
        [None, None, None, "Đ/c Võ Xuân Sơn", "Đ/c Lê Thị Lan", "Đ/c Trần Văn Nam", None],
        [1, "Làm đường thôn 1", "30/6/2021", "x", None, "x", "Đạt 100%"],
        [2, "Làm đường thôn 2", "30/9/2021", None, "x", None, "Đạt 50%"],
    ]
    merges = ["A2:A3", "B2:B3", "C2:C3", "D2:F2", "G2:G3"]
    submission, _ = read_submission(
        save(tmp_path / "xa_cam_thach.xlsx", rows, merges), registry, indicators
    )
    assert [(t.owners, t.done) for t in submission.tasks] == [
        (("Võ Xuân Sơn", "Trần Văn Nam"), True),
        (("Lê Thị Lan",), False),
    ]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_roman_bands_naming_a_criterion(tmp_path, registry, indicators, suffix):
    """«I | GIAO THÔNG», «II. MÔI TRƯỜNG VÀ AN TOÀN THỰC PHẨM» name the criterion of the
    tasks below; a band naming none («III. HẠ TẦNG KINH TẾ - XÃ HỘI») ends it."""
    rows = [
        TITLE,
        HEADING,
        ["I", "GIAO THÔNG"],
        [1, "Làm đường thôn 1", "30/6/2021", "Lê Văn An"],
        ["II. MÔI TRƯỜNG VÀ AN TOÀN THỰC PHẨM"],
        [1, "Xây bể rác", "30/9/2021", "Lê Văn An"],
        ["III", "HẠ TẦNG KINH TẾ - XÃ HỘI"],
        [1, "Sửa chữa chợ", "30/9/2021", "Lê Văn An"],
    ]
    submission, _ = read_submission(
        save(tmp_path / f"xa_cam_thach{suffix}", rows), registry, indicators
    )
    assert [(t.criterion_no, t.text) for t in submission.tasks] == [
        (2, "Làm đường thôn 1"),
        (17, "Xây bể rác"),
        (None, "Sửa chữa chợ"),
    ]


def test_english_statuses_and_whole_year_deadlines(tmp_path, registry, indicators):
    """A bilingual roadmap's «Done», «Completed», «In progress», «Not started»; «Cả năm
    2021» is due at the year's end, «Quanh năm» has no deadline (and no issue)."""
    rows = [
        TITLE,
        ["No.", "Task / Nội dung", "Deadline", "Person in charge", "Status"],
        [1, "Việc 1", "30/6/2021", "Lê Văn An", "Done"],
        [2, "Việc 2", "Cả năm 2021", "Lê Văn An", "In progress"],
        [3, "Việc 3", "Quanh năm", "Lê Văn An", "Completed"],
        [4, "Việc 4", "30/9/2021", "Lê Văn An", "Not started"],
    ]
    submission, issues = read_submission(
        save(tmp_path / "xa_cam_thach.xlsx", rows), registry, indicators
    )
    assert [(t.due, t.done) for t in submission.tasks] == [
        (date(2021, 6, 30), True),
        (date(2021, 12, 31), False),
        (None, True),
        (date(2021, 9, 30), False),
    ]
    assert "deadline-invalid" not in [issue.code for issue in issues]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_roadmap_written_as_in_the_word_plan_one_cell_per_task(
    tmp_path, registry, indicators, suffix
):
    """«TT | Nội dung công việc, thời gian, người thực hiện», each task one cell whose lines
    «Thời gian: …», «Người thực hiện: …» give its deadline and owner."""
    rows = [
        TITLE,
        ["TT", "Nội dung công việc, thời gian, người thực hiện"],
        [
            1,
            "Bê tông hóa đường thôn 3.\nThời gian: Quý III/2021.\n"
            "Người thực hiện: Đ/c Nguyễn Văn Hùng - PCT UBND xã",
        ],
        [2, "Giao thông: xây cầu tràn\nThời hạn: 30/11/2021\nPhụ trách: Lê Thị Lan (chủ trì)"],
    ]
    submission, _ = read_submission(
        save(tmp_path / f"xa_cam_thach{suffix}", rows), registry, indicators
    )
    assert [(t.text, t.due, t.owners) for t in submission.tasks] == [
        ("Bê tông hóa đường thôn 3", date(2021, 9, 30), ("Nguyễn Văn Hùng",)),
        ("Giao thông: xây cầu tràn", date(2021, 11, 30), ("Lê Thị Lan",)),
    ]


def test_an_officer_beside_each_indicator_makes_no_roadmap(tmp_path, registry, indicators):
    """A self-assessment table with «Cán bộ phụ trách» beside each indicator but no deadline
    column is not read as a roadmap (its indicators are no tasks)."""
    path = tmp_path / "xa_cam_thach.xlsx"
    write_sample(path, SampleSpec(unit_code="18706", unit_name="Xã Cẩm Thạch", roadmap_sheet=None))
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    heading = next(r for r in range(1, 20) if sheet.cell(r, 1).value in ("TT", "STT"))
    sheet.cell(heading, 8, "Cán bộ phụ trách")
    for row in range(heading + 1, sheet.max_row + 1):
        if sheet.cell(row, 5).value is not None:
            sheet.cell(row, 8, "Lê Văn An")
    book.save(path)
    submission, _ = read_submission(path, registry, indicators)
    assert submission.indicators
    assert not submission.tasks


def test_a_task_ending_with_a_colon_without_sub_tasks_stays_a_task(tmp_path, registry, indicators):
    rows = [
        TITLE,
        HEADING,
        [1, "Tuyên truyền, vận động nhân dân:", None, "Nguyễn Văn Hùng"],
        [2, "Xây dựng nhà văn hóa", "Quý IV/2021", "Lê Thị Lan"],
    ]
    submission, _ = read_submission(
        save(tmp_path / "xa_cam_thach.xlsx", rows), registry, indicators
    )
    assert [(t.text, t.owners) for t in submission.tasks] == [
        ("Tuyên truyền, vận động nhân dân:", ("Nguyễn Văn Hùng",)),
        ("Xây dựng nhà văn hóa", ("Lê Thị Lan",)),
    ]
