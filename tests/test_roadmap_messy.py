"""Roadmaps as communes really type them: owner cells with «Ô.», «Anh», a title before a
colon, «chủ trì» / «phối hợp»; months Excel turned into dates; names beside their titles."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import xlwt
from support.samples import SampleSpec, expected, write_sample

from ntm_excel.read.reader import read_submission

HEADING = ["TT", "Tiêu chí", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"]


def save(path: Path, rows: list[list[object]], merges=(), formats=None) -> Path:
    """A one-sheet workbook «Lộ trình» of `rows` (.xlsx or .xls by the suffix); `merges` are
    Excel ranges («C4:C6»), `formats` number formats by cell («E4»: «0%»)."""
    if path.suffix == ".xls":
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("Lộ trình")
        merged = set()
        for cells in merges:
            (r0, c0), (r1, c1) = (_index(part) for part in cells.split(":"))
            sheet.write_merge(r0, r1, c0, c1, rows[r0][c0] if c0 < len(rows[r0]) else "")
            merged |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None and (r, c) not in merged:
                    sheet.write(r, c, value)
        book.save(str(path))
        return path
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Lộ trình"
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    for cell, code in (formats or {}).items():
        sheet[cell].number_format = code
    book.save(path)
    return path


def _index(cell: str) -> tuple[int, int]:
    letters = cell.rstrip("0123456789")
    return int(cell[len(letters) :]) - 1, ord(letters) - ord("A")


OWNER_CELLS = [
    ("Ô. Nguyễn Văn An - PCT", ("Nguyễn Văn An",), ()),
    ("Ô Nguyễn Văn An", ("Nguyễn Văn An",), ()),
    ("Ô.Phạm Đình Tuấn", ("Phạm Đình Tuấn",), ()),
    ("Chủ tịch UBND xã (Ô. Phan Văn Hải)", ("Phan Văn Hải",), ()),
    ("Anh Tuấn (Bí thư ĐTN)", ("Tuấn",), ()),
    ("Chị Lan, anh Hùng", ("Lan", "Hùng"), ()),
    ("CC ĐC-XD: Lê Văn Em", ("Lê Văn Em",), ()),  # «Em» ends a name: no honorific there
    ("Nguyễn Văn An (PCT) chủ trì; Hội Nông dân phối hợp", ("Nguyễn Văn An",), ("Hội Nông dân",)),
    ("Lê Văn Cường (chủ trì), Trần Thị Bình (phối hợp)", ("Lê Văn Cường",), ("Trần Thị Bình",)),
    ("Đ/c Hùng - PCT chủ trì, phối hợp: Hội LHPN, Đoàn TN", ("Hùng",), ("Hội LHPN", "Đoàn TN")),
    ("Nguyễn Văn Dũng, PCT UBND xã", ("Nguyễn Văn Dũng",), ()),
    (
        "- Đ/c Nguyễn Văn An - PCT UBND\n- Đ/c Lê Thị Bình - CC VH-XH",
        ("Nguyễn Văn An", "Lê Thị Bình"),
        (),
    ),
    ("- Võ Xuân Sơn\n- Lê Thị Bình", ("Võ Xuân Sơn", "Lê Thị Bình"), ()),
    ("1. Võ Xuân Sơn\n2. Lê Thị Bình", ("Võ Xuân Sơn", "Lê Thị Bình"), ()),
    ("PCT UBND xã\nVõ Xuân Sơn", ("Võ Xuân Sơn",), ()),  # the title is the person's
    ("UBND xã; Ban QL dự án", ("UBND xã", "Ban QL dự án"), ()),  # bodies, no title line
    ("Đ/C VÕ XUÂN SƠN - PCT UBND XÃ", ("Võ Xuân Sơn",), ()),
    ("Võ Xuân Sơn & Lê Thị Bình", ("Võ Xuân Sơn", "Lê Thị Bình"), ()),
    ("Võ Xuân Sơn - Lê Thị Bình", ("Võ Xuân Sơn", "Lê Thị Bình"), ()),
    ("Công chức Địa chính\nCông chức VH-XH", ("Công chức Địa chính", "Công chức VH-XH"), ()),
]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_owner_cells_as_communes_type_them(tmp_path, registry, indicators, suffix):
    rows = [["KẾ HOẠCH THỰC HIỆN NĂM 2021"], HEADING, [2, "Tiêu chí số 2"]]
    rows += [
        ["-", None, f"Việc {i}", "30/6/2021", cell] for i, (cell, _, _) in enumerate(OWNER_CELLS)
    ]
    path = save(tmp_path / f"xa_cam_quang{suffix}", rows)
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.owners, t.partners) for t in submission.tasks] == [
        (owners, partners) for _, owners, partners in OWNER_CELLS
    ]


def test_a_month_excel_made_a_date_is_due_at_the_months_end(tmp_path, registry, indicators):
    """«9/2021» typed in Excel is stored as 01/09/2021; the display says it was a month."""
    shown = ["mmm-yy", "mmm-yyyy", "mmmm yyyy", "[$-42A]mmm-yy", 'mm"/"yyyy', "dd/mm/yyyy"]
    rows = [["KẾ HOẠCH THỰC HIỆN NĂM 2021"], HEADING, [2, "Tiêu chí số 2"]]
    rows += [["-", None, f"Việc {i}", datetime(2021, 9, 1), "Lê Văn An"] for i in range(6)]
    formats = {f"D{4 + i}": code for i, code in enumerate(shown)}
    path = save(tmp_path / "xa_cam_vinh.xlsx", rows, formats=formats)
    submission, issues = read_submission(path, registry, indicators)
    assert [t.due for t in submission.tasks] == [date(2021, 9, 30)] * 5 + [date(2021, 9, 1)]
    assert [t.deadline_text for t in submission.tasks][:2] == ["tháng 9/2021"] * 2


def test_a_roadmap_under_the_signature_of_the_table_on_the_same_sheet(
    tmp_path, registry, indicators
):
    path = write_sample(tmp_path / "xa_cam_son.xlsx", SampleSpec(roadmap_sheet=None))
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    last = sheet.max_row
    for row in ([], [], ["KẾ HOẠCH THỰC HIỆN CÁC TIÊU CHÍ NĂM 2021"], HEADING):
        sheet.append(row)
    sheet.append([9, "Tiêu chí số 9"])
    sheet.append(["-", None, "Hỗ trợ xóa 3 nhà tạm", "Tháng 4/2021", "Võ Thị Dũng"])
    sheet.append([17, "Tiêu chí số 17"])
    sheet.append(["-", None, "Xây dựng 2 bể chứa rác", "30/6/2021", "Phạm Đình Tuấn"])
    book.save(path)
    submission, issues = read_submission(path, registry, indicators)
    assert [(t.criterion_no, t.text, t.due, t.cell) for t in submission.tasks] == [
        (9, "Hỗ trợ xóa 3 nhà tạm", date(2021, 4, 30), f"C{last + 6}"),
        (17, "Xây dựng 2 bể chứa rác", date(2021, 6, 30), f"C{last + 8}"),
    ]
    assert "roadmap-not-found" not in [issue.code for issue in issues]
    assert len(submission.indicators) == len(expected(SampleSpec()).values)


def test_owner_names_beside_their_titles_are_the_owners(tmp_path, registry, indicators):
    """«Người phụ trách» over «Họ và tên» | «Chức vụ»: the title is not a second owner."""
    rows = [
        ["KẾ HOẠCH THỰC HIỆN NĂM 2021"],
        [*HEADING, None, "Tình trạng"],
        [None, None, None, None, "Họ và tên", "Chức vụ"],
        [9, "Tiêu chí số 9"],
        ["-", None, "Xóa nhà tạm", "Tháng 4/2021", "Võ Thị Dũng", "Công chức VH-XH"],
        ["-", None, "Đường trục thôn", "30/6/2021", "Võ Xuân Sơn", "PCT UBND xã"],
    ]
    path = tmp_path / "xa_cam_duong.xlsx"
    save(path, rows)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    for cells in ("A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2", "G2:G3"):
        sheet.merge_cells(cells)
    book.save(path)
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.text, t.owners) for t in submission.tasks] == [
        ("Xóa nhà tạm", ("Võ Thị Dũng",)),
        ("Đường trục thôn", ("Võ Xuân Sơn",)),
    ]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_indicator_codes_and_roman_numbers_name_the_criterion(
    tmp_path, registry, indicators, suffix
):
    """«9.1» in a «Mã chỉ tiêu» column is criterion 9; «XVIII» in the criterion column is 18;
    a lone «x» or «I. QUY HOẠCH» is not a criterion."""
    rows = [
        ["KẾ HOẠCH THỰC HIỆN NĂM 2021"],
        ["Mã chỉ tiêu", "Tiêu chí", *HEADING[2:]],
        ["9.1", None, "Xóa nhà tạm", "30/9/2021", "Lê Văn An"],
        ["17.5", None, "Xây bể chứa rác", "30/9/2021", "Lê Văn An"],
        ["2.2", "x", "Bê tông hóa đường thôn", "30/9/2021", "Lê Văn An"],
        [None, "XVIII"],
        [None, None, "Tiếp cận pháp luật", "30/9/2021", "Lê Văn An"],
        ["I. QUY HOẠCH"],
        [None, "TC XIV", "Đào tạo nghề", "30/9/2021", "Lê Văn An"],
    ]
    path = save(tmp_path / f"xa_cam_my{suffix}", rows)
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.criterion_no, t.text) for t in submission.tasks] == [
        (9, "Xóa nhà tạm"),
        (17, "Xây bể chứa rác"),
        (2, "Bê tông hóa đường thôn"),
        (18, "Tiếp cận pháp luật"),
        (14, "Đào tạo nghề"),
    ]


def test_a_note_in_brackets_after_a_deadline_is_left_out(tmp_path, registry, indicators):
    rows = [["KẾ HOẠCH THỰC HIỆN NĂM 2021"], HEADING, [2, "Tiêu chí số 2"]]
    deadlines = ["31/12/2021 (dự kiến)", "Tháng 9/2021 (nếu có kinh phí)", "Khi có vốn (dự kiến)"]
    rows += [["-", None, f"Việc {i}", text, "Lê Văn An"] for i, text in enumerate(deadlines)]
    path = save(tmp_path / "xa_cam_binh.xlsx", rows)
    submission, issues = read_submission(path, registry, indicators)
    assert [(t.deadline_text, t.due) for t in submission.tasks] == [
        ("31/12/2021 (dự kiến)", date(2021, 12, 31)),
        ("Tháng 9/2021 (nếu có kinh phí)", date(2021, 9, 30)),
        ("Khi có vốn (dự kiến)", None),
    ]
    (invalid,) = [issue for issue in issues if issue.code == "deadline-invalid"]
    assert "Khi có vốn (dự kiến)" in invalid.message and invalid.cell == "D6"


TASKS = [  # (task, deadline, owner) under «Tiêu chí số 9»
    ("Hỗ trợ xóa 3 nhà tạm", "Tháng 4/2021", "Võ Thị Dũng"),
    ("Xây dựng 2 bể chứa rác", "30/6/2021", "Phạm Đình Tuấn"),
]


@pytest.mark.parametrize(
    "heading",
    [
        ["TT", "Tiêu chí", "Nội dung công việc", "Tiến độ", "Người phụ trách"],
        ["TT", "Tiêu chí", "Nội dung công việc", "Dự kiến hoàn thành", "Người phụ trách"],
        ["TT", "Tiêu chí", "Nội dung công việc", "Lộ trình hoàn thành", "Người phụ trách"],
        ["TT", "Tiêu chí", "Nội dung công việc", "Hoàn thành trước ngày", "Người phụ trách"],
        ["TT", "Tiêu chí", "Nội dung công việc", "Thời gian hoàn thành", "Trách nhiệm"],
        ["TT", "Tiêu chí", "Nội dung công việc", "Thời gian", "Người/đơn vị thực hiện"],
        ["TT", "Tiêu chí", "Nội dung công việc", "Thời gian", "Giao cho"],
        ["TT", "Tiêu chí", "Nội dung công việc", "Thời gian", "Cán bộ được giao"],
        ["TT", "Tiêu chí", "Nội dung thực hiện", "Thời gian", "Đơn vị, cá nhân thực hiện"],
        ["TT", "Tiêu chí", "Danh mục công trình, dự án", "Thời gian", "Người phụ trách"],
        ["TT", "Tiêu chí", "Các việc cần làm", "Thời gian", "Người phụ trách"],
        ["STT", "TC", "Nhiệm vụ, giải pháp", "Tiến độ", "Trách nhiệm"],
        ["No", "Criterion", "Task", "Deadline", "Person in charge"],  # in English
        [  # bilingual
            "No. / TT",
            "Criterion / Tiêu chí",
            "Task / Nội dung công việc",
            "Deadline / Thời gian hoàn thành",
            "Person in charge / Người phụ trách",
        ],
    ],
    ids=lambda heading: f"{heading[2]}|{heading[3]}|{heading[4]}",
)
def test_roadmap_headings_communes_write(tmp_path, registry, indicators, heading):
    rows = [["KẾ HOẠCH THỰC HIỆN NĂM 2021"], heading, [9, "Tiêu chí số 9"]]
    rows += [["-", None, task, deadline, owner] for task, deadline, owner in TASKS]
    path = save(tmp_path / "xa_cam_son.xlsx", rows)
    submission, issues = read_submission(path, registry, indicators)
    assert [(t.criterion_no, t.text, t.due, t.owners) for t in submission.tasks] == [
        (9, "Hỗ trợ xóa 3 nhà tạm", date(2021, 4, 30), ("Võ Thị Dũng",)),
        (9, "Xây dựng 2 bể chứa rác", date(2021, 6, 30), ("Phạm Đình Tuấn",)),
    ]
    assert not [issue for issue in issues if issue.code.startswith(("roadmap", "deadline"))]


def test_a_progress_column_of_statuses_stays_the_status(tmp_path, registry, indicators):
    """«Tiến độ» holding «Đang thực hiện» is the status; with no other time column the
    reading report says the roadmap gives no deadlines, rather than dropping them unsaid."""
    rows = [
        ["KẾ HOẠCH THỰC HIỆN NĂM 2021"],
        ["TT", "Tiêu chí", "Nội dung công việc", "Người phụ trách", "Tiến độ"],
        [9, "Tiêu chí số 9"],
        ["-", None, "Hỗ trợ xóa 3 nhà tạm", "Võ Thị Dũng", "Đang thực hiện"],
        ["-", None, "Xây dựng 2 bể chứa rác", "Phạm Đình Tuấn", "Đã hoàn thành"],
    ]
    submission, _ = read_submission(save(tmp_path / "xa_cam_son.xlsx", rows), registry, indicators)
    assert [(t.status_text, t.done, t.due) for t in submission.tasks] == [
        ("Đang thực hiện", False, None),
        ("Đã hoàn thành", True, None),
    ]
    (note,) = [n for n in submission.reading.notes if "lộ trình" in n]
    assert note.endswith("2 việc, không có cột thời hạn (các việc không có hạn)")


@pytest.mark.parametrize("marks", [["A", "B", "1", "2", "3"], ["(1)", "(2)", "(3)", "(4)", "(5)"]])
def test_a_row_numbering_the_columns_is_not_a_task(tmp_path, registry, indicators, marks):
    rows = [["KẾ HOẠCH THỰC HIỆN NĂM 2021"], HEADING, marks, [9, "Tiêu chí số 9"]]
    rows += [["-", None, task, deadline, owner] for task, deadline, owner in TASKS]
    path = save(tmp_path / "xa_cam_quang.xlsx", rows)
    submission, issues = read_submission(path, registry, indicators)
    assert [t.text for t in submission.tasks] == [task for task, _, _ in TASKS]
    assert "deadline-invalid" not in [issue.code for issue in issues]


def test_band_rows_give_the_tasks_under_them_their_owner(tmp_path, registry, indicators):
    rows = [
        ["PHÂN CÔNG NHIỆM VỤ NĂM 2021"],
        ["TT", "Nội dung công việc", "Tiêu chí", "Thời gian hoàn thành", "Kinh phí"],
        ["I", "Đồng chí Võ Xuân Sơn - PCT UBND xã phụ trách:"],
        [1, "Bê tông hóa 2 km đường trục thôn", 2, "Quý II/2021", 1200],
        [2, "Kiên cố hóa 1,5 km kênh mương", 3, "Tháng 9/2021", 800],
        ["II", "Đồng chí Võ Thị Dũng - Công chức VH-XH phụ trách:"],
        [1, "Hỗ trợ xóa 3 nhà tạm, dột nát", 9, "Tháng 4/2021", 150],
    ]
    submission, _ = read_submission(save(tmp_path / "xa_cam_due.xlsx", rows), registry, indicators)
    assert [(t.criterion_no, t.text, t.owners, t.due) for t in submission.tasks] == [
        (2, "Bê tông hóa 2 km đường trục thôn", ("Võ Xuân Sơn",), date(2021, 6, 30)),
        (3, "Kiên cố hóa 1,5 km kênh mương", ("Võ Xuân Sơn",), date(2021, 9, 30)),
        (9, "Hỗ trợ xóa 3 nhà tạm, dột nát", ("Võ Thị Dũng",), date(2021, 4, 30)),
    ]


def test_band_rows_give_their_deadline_year_and_criterion(tmp_path, registry, indicators):
    """«NHIỆM VỤ HOÀN THÀNH TRONG QUÝ II/2021» dates the tasks under it; «NĂM 2022» is the
    year of «Quý II» below it; «1 | Tiêu chí số 2 - Giao thông» is the criterion of «1.1»."""
    rows = [
        ["KẾ HOẠCH THỰC HIỆN GIAI ĐOẠN 2021-2022"],
        ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"],
        ["I", "NĂM 2021"],
        [1, "Tiêu chí số 2 - Giao thông"],
        ["1.1", "Bê tông hóa 2 km đường trục thôn", "Quý II", "Võ Xuân Sơn"],
        ["II", "NĂM 2022"],
        [1, "Tiêu chí số 17 - Môi trường và ATTP"],
        ["1.1", "Xây dựng 2 bể chứa rác thải", "Quý II", "Phạm Đình Tuấn"],
        ["III", "NHIỆM VỤ HOÀN THÀNH TRƯỚC 31/12/2022"],
        [1, "Tiêu chí số 15 - Y tế"],
        ["1.1", "Vận động người dân tham gia BHYT", None, "Võ Thị Dũng"],
    ]
    submission, issues = read_submission(
        save(tmp_path / "xa_cam_linh.xlsx", rows), registry, indicators
    )
    assert [(t.criterion_no, t.text, t.due) for t in submission.tasks] == [
        (2, "Bê tông hóa 2 km đường trục thôn", date(2021, 6, 30)),
        (17, "Xây dựng 2 bể chứa rác thải", date(2022, 6, 30)),
        (15, "Vận động người dân tham gia BHYT", date(2022, 12, 31)),
    ]
    assert "deadline-invalid" not in [issue.code for issue in issues]


def test_totals_notes_parents_and_wrapped_rows_are_not_tasks(tmp_path, registry, indicators):
    """A «…, gồm:» parent row is a band over its a) b) items; a row that only goes on with
    the task above is part of it; «Tổng cộng» ends the table, «Ghi chú: …» is no task."""
    rows = [
        ["KẾ HOẠCH THỰC HIỆN NĂM 2021"],
        [*HEADING, "Kinh phí (triệu đồng)"],
        [1, 2, "Bê tông hóa đường giao thông, gồm:"],
        ["a)", None, "Đường trục thôn 3 dài 1,2 km", "Quý II/2021", "Võ Xuân Sơn", 700],
        [2, 9, "Hỗ trợ xóa 3 nhà tạm cho các hộ nghèo thôn 1", "Tháng 4/2021", "Võ Thị Dũng", 150],
        [None, None, "và thôn 6 (hộ bà Nguyễn Thị Lan)"],
        [None, None, "Ghi chú: Kinh phí trên là dự kiến."],
        [4, 17, "Công tác tuyên truyền"],  # «Công», not «Cộng»: a task without details
        [3, 17, "Xây dựng 2 bể chứa rác thải", "30/6/2021", "Phạm Đình Tuấn", 60],
        [None, None, "Tổng cộng", None, None, 910],
        [None, None, "Trong đó: - Ngân sách tỉnh", None, None, 700],
        [None, None, "- Ngân sách xã", None, None, 210],
    ]
    submission, _ = read_submission(save(tmp_path / "xa_cam_binh.xlsx", rows), registry, indicators)
    assert [(t.criterion_no, t.text, t.budget) for t in submission.tasks] == [
        (2, "Đường trục thôn 3 dài 1,2 km", 700),
        (9, "Hỗ trợ xóa 3 nhà tạm cho các hộ nghèo thôn 1 và thôn 6 (hộ bà Nguyễn Thị Lan)", 150),
        (17, "Công tác tuyên truyền", None),
        (17, "Xây dựng 2 bể chứa rác thải", 60),
    ]


def test_a_leader_column_and_an_adviser_column(tmp_path, registry, indicators):
    """«Lãnh đạo phụ trách» | «Cán bộ tham mưu thực hiện»: the leader owns the task, the
    adviser helps (a partner)."""
    rows = [
        ["KẾ HOẠCH THỰC HIỆN NĂM 2021"],
        [*HEADING[:4], "Lãnh đạo phụ trách", "Cán bộ tham mưu thực hiện"],
        [9, "Tiêu chí số 9"],
        ["-", None, "Hỗ trợ xóa 3 nhà tạm", "Tháng 4/2021", "Nguyễn Văn Hải", "Võ Thị Dũng"],
    ]
    submission, _ = read_submission(save(tmp_path / "xa_cam_minh.xlsx", rows), registry, indicators)
    assert [(t.owners, t.partners) for t in submission.tasks] == [
        (("Nguyễn Văn Hải",), ("Võ Thị Dũng",))
    ]


def save_sheets(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook of one sheet per entry (name → rows)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_a_roadmap_over_several_sheets_is_read_whole(tmp_path, registry, indicators):
    """«KH hạ tầng» and «KH môi trường» are both read; last year's «KH 2020» is not."""
    (first, second) = TASKS
    path = save_sheets(
        tmp_path / "xa_cam_due.xlsx",
        {
            "KH 2020": [
                ["KẾ HOẠCH THỰC HIỆN NĂM 2020"],
                HEADING,
                [1, 6, "Xây nhà văn hóa thôn 2", "Quý III/2020", "Võ Xuân Sơn"],
            ],
            "KH hạ tầng": [["KẾ HOẠCH THỰC HIỆN NĂM 2021"], HEADING, [1, 9, *first]],
            "KH môi trường": [["KẾ HOẠCH THỰC HIỆN NĂM 2021"], HEADING, [1, 17, *second]],
        },
    )
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.sheet, t.criterion_no, t.text, t.due) for t in submission.tasks] == [
        ("KH hạ tầng", 9, "Hỗ trợ xóa 3 nhà tạm", date(2021, 4, 30)),
        ("KH môi trường", 17, "Xây dựng 2 bể chứa rác", date(2021, 6, 30)),
    ]
    assert [n for n in submission.reading.notes if "lộ trình" in n] == [
        "Trang «KH hạ tầng»: lộ trình, dòng tiêu đề 2, 1 việc; "
        "Trang «KH môi trường»: lộ trình, dòng tiêu đề 2, 1 việc"
    ]


def test_deadlines_written_in_the_task_text(tmp_path, registry, indicators):
    """No deadline column: the deadline closing a task's text is its deadline."""
    rows = [
        ["KẾ HOẠCH THỰC HIỆN NĂM 2021"],
        ["TT", "Tiêu chí", "Nội dung công việc", "Người phụ trách"],
        [1, 9, "Xóa 3 nhà tạm (hoàn thành trong tháng 4/2021)", "Võ Thị Dũng"],
        [2, 2, "Bê tông hóa 2 km đường, hoàn thành trước 30/6/2021", "Võ Xuân Sơn"],
        [3, 17, "Xây dựng 2 bể chứa rác thải - thời gian: quý III/2021", "Phạm Đình Tuấn"],
        [4, 15, "Vận động người dân tham gia BHYT", "Võ Thị Dũng"],
    ]
    submission, _ = read_submission(save(tmp_path / "xa_cam_due.xlsx", rows), registry, indicators)
    assert [(t.deadline_text, t.due) for t in submission.tasks] == [
        ("hoàn thành trong tháng 4/2021", date(2021, 4, 30)),
        ("hoàn thành trước 30/6/2021", date(2021, 6, 30)),
        ("thời gian: quý III/2021", date(2021, 9, 30)),
        ("", None),
    ]


def test_yearly_deadlines_recur_and_from_now_until(tmp_path, registry, indicators):
    """«Hàng năm» / «Hằng năm» is a recurring task (no due date, no issue) as in the district
    plan; «Từ nay đến 30/6/2021» is due on 30/6/2021."""
    rows = [["KẾ HOẠCH THỰC HIỆN NĂM 2021"], HEADING, [2, "Tiêu chí số 2"]]
    deadlines = ["Hàng năm", "Hằng năm", "Từ nay đến 30/6/2021"]
    rows += [["-", None, f"Việc {i}", text, "Lê Văn An"] for i, text in enumerate(deadlines)]
    path = save(tmp_path / "xa_cam_thach.xlsx", rows)
    submission, issues = read_submission(path, registry, indicators)
    assert [(t.due, t.recurrence) for t in submission.tasks] == [
        (None, "Hàng năm"),
        (None, "Hằng năm"),
        (date(2021, 6, 30), ""),
    ]
    assert "deadline-invalid" not in [issue.code for issue in issues]


def test_a_criterion_named_at_the_start_of_the_task_text(tmp_path, registry, indicators):
    rows = [
        ["KẾ HOẠCH THỰC HIỆN NĂM 2021"],
        ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"],
        [1, "TC2 - Giao thông: Bê tông hóa 2 km đường trục thôn", "Quý II/2021", "Võ Xuân Sơn"],
        [2, "Tiêu chí 9: Hỗ trợ xóa 3 nhà tạm", "Tháng 4/2021", "Võ Thị Dũng"],
        [3, "TC 17 (Môi trường): Xây dựng 2 bể chứa rác", "30/6/2021", "Phạm Đình Tuấn"],
        [4, "Tiếp tục vận động người dân", "30/9/2021", "Võ Thị Dũng"],
    ]
    submission, _ = read_submission(save(tmp_path / "xa_cam_loc.xlsx", rows), registry, indicators)
    assert [t.criterion_no for t in submission.tasks] == [2, 9, 17, None]


def test_a_gantt_chart_is_due_at_the_end_of_its_last_marked_month(tmp_path, registry, indicators):
    """«Thời gian thực hiện (năm 2021)» over «T1» … «T12», the task's months marked «x»."""
    months = [f"T{month}" for month in range(1, 13)]
    rows = [
        ["TIẾN ĐỘ THỰC HIỆN CÁC NHIỆM VỤ NĂM 2021"],
        ["TT", "Tiêu chí", "Nội dung công việc", "Người phụ trách", "Thời gian thực hiện"],
        [None, None, None, None, *months],
        [1, 9, "Hỗ trợ xóa 3 nhà tạm", "Võ Thị Dũng", None, "x", "x", "x"],
        [2, 17, "Xây dựng 2 bể chứa rác", "Phạm Đình Tuấn", *[None] * 6, "x", "x", "x"],
        [3, 15, "Vận động tham gia BHYT", "Võ Thị Dũng"],
    ]
    path = save(tmp_path / "xa_cam_thanh.xlsx", rows)
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("E2:P2")
    book.save(path)
    submission, issues = read_submission(path, registry, indicators)
    assert [(t.text, t.deadline_text, t.due) for t in submission.tasks] == [
        ("Hỗ trợ xóa 3 nhà tạm", "tháng 4/2021", date(2021, 4, 30)),
        ("Xây dựng 2 bể chứa rác", "tháng 9/2021", date(2021, 9, 30)),
        ("Vận động tham gia BHYT", "", None),
    ]
    assert "deadline-invalid" not in [issue.code for issue in issues]
