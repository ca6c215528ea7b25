"""A cell of 30,000 characters quoted in a message: the message quotes its first characters
and «…», never the whole cell (a feedback sheet's row, a mail, a log line of 30 KB)."""

from __future__ import annotations

import shutil

import openpyxl
from test_roadmap_messy import HEADING, save

from ntm_excel.config import BUNDLED
from ntm_excel.deadlines import parse_deadline
from ntm_excel.errors import DeadlineError
from ntm_excel.read.reader import read_submission
from ntm_excel.reference.plan import TASKS_SHEET, load_plan

LONG = "Khi có vốn của tỉnh hỗ trợ " * 1200  # about 32,000 characters, no date in it


def _quoted(message: str, text: str) -> None:
    """The message quotes the text's first characters and «…», and not much more."""
    assert len(message) < 400
    start = message.index(f"«{text[:60]}")
    assert message.index("…»", start) - start < 100


def test_a_long_deadline_cell_of_a_roadmap_is_quoted_in_part(tmp_path, registry, indicators):
    rows = [["KẾ HOẠCH THỰC HIỆN NĂM 2021"], HEADING, [2, "Tiêu chí số 2"]]
    rows.append(["-", None, "Nâng cấp đường trục xã", LONG, "Lê Văn An"])
    path = save(tmp_path / "xa_cam_binh.xlsx", rows)
    _, issues = read_submission(path, registry, indicators)
    (invalid,) = [issue for issue in issues if issue.code == "deadline-invalid"]
    assert invalid.cell == "D4"
    _quoted(invalid.message, LONG.strip())


def test_long_deadline_and_recurrence_cells_of_the_plan_are_quoted_in_part(tmp_path):
    path = tmp_path / "ke_hoach.xlsx"
    shutil.copy(BUNDLED / "ke_hoach_2021.xlsx", path)
    book = openpyxl.load_workbook(path)
    sheet = book[TASKS_SHEET]
    heading = [c.value for c in sheet[1]]
    sheet.cell(2, heading.index("Hạn hoàn thành") + 1).value = None
    sheet.cell(2, heading.index("Thời hạn") + 1).value = LONG
    sheet.cell(3, heading.index("Lặp lại") + 1).value = LONG
    book.save(path)
    issues = {i.code: i for i in load_plan(path).issues}
    _quoted(issues["deadline-invalid"].message, LONG.strip())
    _quoted(issues["recurrence-invalid"].message, LONG.strip())


def test_the_deadline_error_quotes_the_phrase_and_its_unknown_words_in_part():
    phrase = "tháng 6/2021 " + "chờ kinh phí " * 3000
    try:
        parse_deadline(phrase)
    except DeadlineError as exc:
        message = str(exc)
    assert len(message) < 400 and message.count("…") == 2
