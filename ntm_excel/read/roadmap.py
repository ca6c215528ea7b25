"""The roadmap sheet of a submission (lộ trình, kế hoạch thực hiện, khung kế hoạch): tasks
with a criterion, a deadline, owners, a budget and a status.

The sheet is found by its headings, whatever its name: TT | Tiêu chí | Nội dung công việc |
Thời gian hoàn thành | Người phụ trách | Kinh phí (triệu đồng) | Nguồn vốn | Tình trạng, with
the usual variants («Nội dung cần thực hiện», «Thời gian thực hiện», «Người chủ trì thực
hiện», «Lãnh đạo chỉ đạo», a «Nguồn vốn» heading split into «Tổng kinh phí | NS huyện | …»).
The headings are the vocabulary's `tieu_de_lo_trinh` rows. Criterion rows («Tiêu chí số 3»,
«3», «Giao thông») set the criterion of the task rows under them. A deadline keeps its phrase;
its due date is the last milestone's («khởi công tháng 2, hoàn thành tháng 6» → 30/6); a date
typed as a serial number (44286) or as «10.4.2021», «30/6/21» is read as a date. A task is
done only when its status cell says so (the vocabulary's `tinh_trang` rows), or, the status
left blank, its deadline cell says only that («Đã hoàn thành»): a deadline such as «Hoàn
thành trước 31/3/2021» is a deadline, never a status. Every person named in an owner
cell is an owner («Đ/c: A - PCT; Đ/c: B - CC», «Ô. A», one per line), except those who only
help: «A (chủ trì), B (phối hợp)» makes A the owner and B a partner.
Money such as «45 45» is a total followed by its split: the first number is the budget.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from datetime import date, datetime

from ntm_excel.deadlines import DeadlineError, parse_deadline
from ntm_excel.errors import RecurrenceError
from ntm_excel.issues import Issue, make_issue
from ntm_excel.model import Task
from ntm_excel.read.sheets import (
    EXCEL_ERROR,
    MAX_COLS,
    Grid,
    Header,
    cell_text,
    folded,
    is_column_numbers,
    is_signature,
    locate_header,
)
from ntm_excel.recurrence import parse_recurrence
from ntm_excel.reference.contacts import (
    parse_owners,
    parse_owners_and_partners,
    split_directing,
)
from ntm_excel.text import cell_address, fold, nfc
from ntm_excel.values import BRACKETS, blank_text, clean_float, parse_date, parse_number
from ntm_excel.vocabulary import Vocabulary, vocab_key

_CRITERION_WORDS = re.compile(r"^(?:tieu chi|tc)(?: so)? ?0?(\d{1,2})(?: |$)")  # «TC số 17»
_NUMBER_ONLY = re.compile(r"^0?(\d{1,2})[.)]?$")
_INDICATOR_CODE = re.compile(r"^0?(\d{1,2})\.\d{1,2}\.?$")  # «9.1», «17.5»: its criterion
_ROMAN = re.compile(r"^(?:(?i:tc|tiêu chí(?: số)?)\.?\s*)?([IVX]{1,5})[.)]?$")  # «XVIII»
_NUMBERED_NAME = re.compile(r"^0?(\d{1,2})\s*[.):\-–]\s*[^\W\d_]")  # «17. Môi trường»
_CRITERION_IN_HEADING = re.compile(r"(?:^| )" + _CRITERION_WORDS.pattern.removeprefix("^"))
_BAND_NUMBER = re.compile(r"^(?:[IVX]+|[A-D])(?:\s*[.)\-–:]\s*|\s+)")  # «II. » before a name
_GROUP = re.compile(r"^(?:[IVX]+|[A-D])(?:\s*[.)\-–:]\s*|\s+)\S")
_YEAR = re.compile(r"\bnam (20\d\d)\b")
_DATE_IN_TEXT = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
_PERCENT_IN_TEXT = re.compile(r"(?<!\d)(\d+(?:[.,]\d+)?)\s*%")
DONE = "Đã hoàn thành"  # what a tick under a status heading that is no status says
_MARK = re.compile(r"^\s*(?:[xX✓✔√vV●■+]|có)\s*$")  # a tick under a status sub-heading
_END_HEADING = re.compile(r"\b(?:hoan thanh|ket thuc|den ngay|den|xong)\b")  # folded headings
_FORMAT_LITERALS = re.compile(r'\[[^\]]*\]|"[^"]*"|\\.')  # «[$-42A]», «"/"», «\/»
_TITLE_COLUMNS = {"chuc vu", "chuc danh", "chuc vu chuc danh"}  # folded sub-headings
_YEAR_HEADING = re.compile(r"^nam(?: (?:hoan thanh|thuc hien))?$")  # «Năm» | «Tháng 6»
_ACTUAL = re.compile(r"\bthuc te\b")  # «Ngày hoàn thành thực tế»: when it was done
_START_HEADING = re.compile(r"\b(?:bat dau|khoi cong|tu ngay|tu)\b")
_YEAR_BAND = re.compile(r"^(?:nam )?(20\d\d)$")  # «NĂM 2022» over that year's tasks
_OWNER_BAND = re.compile(r"^(?:dong chi|d/c|d c|dc|ong|ba)\b")  # «Đồng chí A - PCT phụ trách:»
_IN_CHARGE = re.compile(r"\s*(?:phụ trách|chịu trách nhiệm|chủ trì)?\s*:?\s*$", re.IGNORECASE)
_DEADLINE_START = re.compile(r"\b(?:hoàn thành|trước|trong|đến|hạn)\b", re.IGNORECASE)
_TOTAL = re.compile(  # the table's total («Tổng số: 3 việc»)
    r"^(?:tong cong\b.*|tong so(?: \d+ (?:cong viec|viec|nhiem vu|noi dung)\b.*)?"
    r"|tong kinh phi|tong)$"
)
# «II. Giao thông», «2. Tiêu chí Giao thông»: a numbered band naming a criterion
_NUMBERED_BAND = re.compile(
    r"^\s*(?:[IVX]{1,5}|\d{1,2})\s*[.):\-–]\s*(?:(?i:tiêu chí)\s+)?(?P<name>[^\W\d_].*)$"
)
_NOT_A_TASK = re.compile(r"^(?:cộng|trong đó|ghi chú|lưu ý)\b", re.IGNORECASE)  # not «Công …»
_TRAILING_CLAUSE = re.compile(r"(?:\(|,|;|\s[-–]\s)([^(),;]+?)\)?\s*$")  # «…, hoàn thành 6/2021»
_MONTH_HEADING = re.compile(r"^(?:t|thang) ?0?(\d{1,2})$")  # «T1» … «T12» of a Gantt chart
_NAMES_CRITERION = re.compile(r"(?i:tc|ti[eê]u ch[ií])\W*(?:s[oố]\s*)?0?\d")  # «TC2 - …»
_RECURRING = re.compile(r"\b(?:hang|moi) (?:ngay|tuan|thang|quy|nam)\b")  # in folded text
_ONGOING_PARTS = re.compile(r"[,;/]|\s[-–]\s|\svà\s", re.IGNORECASE)
_DITTO = re.compile(r'^\s*(?:như trên|nhu tren|-?\s*nt\s*-?|["“”〃]|\'\')\s*$', re.IGNORECASE)
_LABELLED_LINE = re.compile(r"^\s*[-+•]?\s*([^\W\d_][^:]{1,30}?)\s*:\s*(\S.*)$")
_LINE_ROLES = (  # a line's folded label → what the line gives
    (re.compile(r"^(?:thoi gian|thoi han|han hoan thanh)\b"), "deadline"),
    (re.compile(r"^(?:nguoi|can bo|phu trach|giao cho|don vi thuc hien|chu tri)\b"), "owner"),
)
# The unit written after a budget's figure, and what one of it is in million đồng (the
# column's unit): «1,2 tỷ» → 1200, «3.500.000 đồng» → 3.5, «500 nghìn» → 0.5
_MONEY_UNIT = re.compile(r"\s*[.,]?\d[\d.,]*\s*(tỷ|tỉ|nghìn|ngàn|đồng|đ|vnđ|vnd)(?![^\W\d_])", re.I)
_MILLIONS = {"ty": 1000, "ti": 1000, "trieu": 1, "tr": 1, "nghin": 0.001, "ngan": 0.001}
_MILLIONS |= dict.fromkeys(("dong", "d", "vnd"), 0.000001)  # a unit folded → million đồng
_LETTERS = re.compile(r"[^\W\d_]+")
# Folded words of a people cell that name nobody: «N/A», a checkbox's «TRUE», «Chưa phân công»
_NOBODY = frozenset(
    {"n a", "true", "false", "khong", "chua phan cong", "chua co", "chua xac dinh", "khong co"}
)
# One amount of a sum in several units («1 tỷ 200 triệu», «500 triệu 200 nghìn»): a figure
# from its first digit, never backtracked («1111…» without a unit was quadratic: 30 s a cell)
_MONEY_PART = re.compile(
    r"(?<!\d)(?<!\d[.,])(\d++(?:[.,]\d++)*+[.,]*+)\s*+(tỷ|tỉ|triệu|tr|nghìn|ngàn)(?![^\W\d_])",
    re.I,
)
_SAMPLE_ROWS = 40  # rows looked at to tell a column's role by what it holds
_SPANNED = ("deadline", "owner", "director", "partner", "status")  # merged down over tasks


_TITLE_ROWS = 12
# A day and a month typed with a dot that Excel kept as a number: «30.1» may have been «30.10»
# (its zero lost), so January or October is not said
_ZERO_LOST = re.compile(r"\d{1,2}\.1")
_owners_and_partners = functools.lru_cache(maxsize=4096)(parse_owners_and_partners)


def _due_column(columns: tuple[int, ...], labels: dict[int, str]) -> int:
    """Of several time columns («Thời gian thực hiện»: «Bắt đầu» | «Hoàn thành»), the one
    giving when the task is due: the first whose heading names an end, else the first that
    names no start."""
    ends = [col for col in columns if _END_HEADING.search(labels.get(col, ""))]
    if ends:
        return ends[0]
    starts = [col for col in columns if _START_HEADING.search(labels.get(col, ""))]
    return next((col for col in columns if col not in starts), columns[0]) if starts else columns[0]


# «I» … «XX» → 1 … 20: the criteria numbered the Roman way
_ROMAN_NUMBERS = {
    "X" * (n // 10) + ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX")[n % 10]: n
    for n in range(1, 21)
}


def _month_display(number_format: str) -> bool:
    """Whether a date format shows a month without its day: «mm/yyyy», «mmm-yy», «mmmm
    yyyy», «[$-42A]mmm-yy» (bracketed codes and quoted text left out)."""
    code = _FORMAT_LITERALS.sub("", number_format.lower())
    return "m" in code and "y" in code and "d" not in code


def _partly(status: str) -> bool:
    """Whether a status gives the share done below 100% ("Đã hoàn thành 80%")."""
    return any(float(m[1].replace(",", ".")) < 100 for m in _PERCENT_IN_TEXT.finditer(status))


def _done(status: str, vocabulary: Vocabulary) -> bool:
    """Whether a status says the task is done: a `tinh_trang` «xong» phrase giving no share
    below 100% («Hoàn thành», «Đã HT», «Đạt»), or other words giving a share of 100% («100%»,
    «Đạt 100%»)."""
    if not status:
        return False
    found = vocabulary.match("tinh_trang", status)
    if found is not None:
        return found.meaning == "xong" and not _partly(status)
    return bool(_PERCENT_IN_TEXT.search(status)) and not _partly(status)  # «Đạt 100%»


def _share_text(value: object, number_format: str) -> str:
    """A number in a status column as the share done it gives: 1 shown as «0%» → «100%»,
    70 → «70%» (a «Tiến độ (%)» column)."""
    share = value * 100 if "%" in number_format else value
    return f"{share:g}%"


def _money_sum(text: str) -> float | None:
    """Million đồng of an amount written in several units, each smaller than the one before
    («1 tỷ 200 triệu» → 1200, «500 triệu 200 nghìn» → 500,2), words without figures after
    them («đồng», «(NS tỉnh)»); None for any other text."""
    parts = list(_MONEY_PART.finditer(text))
    if len(parts) < 2:
        return None
    total, last, end = 0.0, float("inf"), 0
    for part in parts:
        size, amount = _MILLIONS[folded(part[2])], parse_number(part[1])
        if text[end : part.start()].strip() or size >= last or amount is None:
            return None
        total, last, end = total + amount * size, size, part.end()
    rest = BRACKETS.sub(" ", text[end:])  # «(ngân sách 2021)»: a comment
    if any(c.isdigit() for c in rest) or not math.isfinite(total):
        return None
    return clean_float(total)


@functools.lru_cache(maxsize=4096)
def _deadline_of(text: str, year: int | None, vocabulary: Vocabulary) -> tuple | DeadlineError:
    """parse_deadline of a text, remembered (an error is returned, not raised)."""
    try:
        return tuple(parse_deadline(text, year=year, vocabulary=vocabulary))
    except DeadlineError as exc:
        return exc


ROLES = {  # vocabulary meaning (tieu_de_lo_trinh) → the reader's role
    "so_tt": "no",
    "ghi_chu": "note",
    "nguoi_phu_trach": "owner",
    "nguoi_chi_dao": "director",
    "phoi_hop": "partner",
    "thoi_han": "deadline",
    "kinh_phi": "budget",
    "nguon_von": "funding",
    "tinh_trang": "status",
    "noi_dung": "task",
    "tieu_chi": "criterion",
}


@functools.lru_cache(maxsize=4096)  # headings repeat from file to file
def _role(vocabulary: Vocabulary, label: str) -> str | None:
    """The role of a (folded) roadmap heading."""
    found = vocabulary.match_key("tieu_de_lo_trinh", label)
    return ROLES[found.meaning] if found else None


_TASK_DETAILS = ("deadline", "owner", "status", "director", "partner")  # a band has none


def _accept(roles: dict[str, tuple[int, ...]]) -> bool:
    return "task" in roles and bool({"deadline", "owner"} & set(roles))


def _dated(roles: dict[str, tuple[int, ...]]) -> bool:
    """A table's own heading is a roadmap's only with a deadline column (not merely «Cán bộ
    phụ trách» beside each indicator)."""
    return "task" in roles and "deadline" in roles


def is_roadmap_heading(vocabulary: Vocabulary, texts: list[str]) -> bool:
    """Whether a row's texts head a roadmap (a task column and a deadline column): the
    roadmap a commune typed below its self-assessment table, in the same sheet."""
    roles = {_role(vocabulary, folded(text)) for text in texts if text}
    return "task" in roles and "deadline" in roles


def _any_role(roles: dict[str, tuple[int, ...]]) -> bool:
    return bool({"task", "deadline", "owner"} & set(roles))


_ALL_IN_ONE = (
    re.compile(r"\b(?:noi dung|cong viec|nhiem vu)\b"),
    re.compile(r"\bthoi (?:gian|han)\b"),
    re.compile(r"\b(?:nguoi|phu trach|can bo)\b"),
)


def _all_in_one(header: Header) -> Header | None:
    """The heading as a roadmap's when one column's heading says its cells give the task,
    its deadline and its people («Nội dung công việc, thời gian, người thực hiện»)."""
    for col, label in header.labels.items():
        if all(words.search(label) for words in _ALL_IN_ONE):
            roles = {"task": (col,), **({"no": header.roles["no"]} if "no" in header.roles else {})}
            return dataclasses.replace(header, roles=roles)
    return None


def title_year(grids: list[Grid]) -> int | None:
    """The year a workbook's titles name ("… năm 2021"), if any."""
    for grid in grids:
        for row in range(min(_TITLE_ROWS, len(grid.rows))):
            for cell in grid.rows[row][:MAX_COLS]:
                if isinstance(cell, str) and (match := _YEAR.search(folded(cell))):
                    return int(match[1])
    return None


def read_roadmap(
    grids: list[Grid],
    criterion_names: dict[int, str],
    *,
    below: Header | None = None,
    below_from: int | None = None,
    unit_code: str,
    file_name: str,
    year: int | None,
    vocabulary: Vocabulary,
) -> tuple[list[Task], list[Issue], str]:
    """The tasks of the roadmap sheets among `grids` (else of a roadmap written under the
    signature of the table `below`, on its sheet, or from the row `below_from` where that
    table ended on a roadmap's heading, or in columns of that table), with
    `roadmap-not-found` or `deadline-invalid` issues, and a line for the reading report.

    A roadmap split over several sheets («KH hạ tầng», «KH môi trường») is read whole; a
    sheet of an earlier year («KH 2020» beside «KH 2021») is left out."""
    located = {"unit_code": unit_code, "file": file_name}
    classify = functools.partial(_role, vocabulary)
    headers = [header for grid in grids if (header := locate_header([grid], classify, _accept))]
    if not headers and below is not None:
        # under the table's signature, else the table's own heading when it also names
        # tasks and deadlines or owners («Giải pháp thực hiện» | «Thời gian» beside each row)
        start = _after_signature(below)
        found = start and locate_header([below.grid], classify, _accept, first_row=start)
        if not found and below_from is not None:  # the heading that ended the table
            found = locate_header([below.grid], classify, _accept, first_row=below_from)
        found = found or locate_header([below.grid], classify, _dated)
        headers = [found] if found else []
    if not headers:  # «Nội dung công việc, thời gian, người thực hiện»: all in one cell
        found = (locate_header([grid], classify, _any_role) for grid in grids)
        headers = [one for header in found if header and (one := _all_in_one(header))]
    if not headers:
        return [], [make_issue("roadmap-not-found", **located)], "Không có trang lộ trình"
    tasks: list[Task] = []
    issues: list[Issue] = []
    notes = []
    report_year = year if below is not None else None  # the table's, else unknown
    for header, own_year in _roadmap_sheets(headers, report_year):
        own_year = own_year or year
        header = _settled(header, own_year, vocabulary)
        reader = _RoadmapReader(header, criterion_names, located, own_year, vocabulary)
        reader.read()
        known = {task.text for task in tasks}
        if tasks and all(task.text in known for task in reader.tasks):
            continue  # a copy of a sheet already read
        tasks += reader.tasks
        issues += reader.issues
        notes.append(
            f"Trang «{header.grid.name}»: lộ trình, dòng tiêu đề {header.bottom + 1}, "
            f"{len(reader.tasks)} việc{_missing(header, reader.tasks)}"
        )
    return tasks, issues, "; ".join(notes)


def _roadmap_sheets(headers: list[Header], year: int | None) -> list[tuple[Header, int | None]]:
    """The roadmap headings to read, in sheet order, with the year their titles name: the
    best one (most columns recognised, a visible sheet first, then the earliest), and every
    other visible one as full, unless its title names a year before the report's (or, that
    unknown, the latest sheet's)."""
    found = [(header, title_year([header.grid])) for header in headers]
    best = max(found, key=lambda pair: (pair[0].score, not pair[0].grid.hidden))
    if len(found) == 1:
        return found
    year = year or max(filter(None, (own for _, own in found)), default=None)
    chosen = [
        (header, own)
        for header, own in found
        if (year is None or own is None or own >= year)
        and (
            header is best[0] or (not header.grid.hidden and header.score >= min(3, best[0].score))
        )
    ]
    return chosen or [best]


def _period_columns(header: Header, year: int | None, vocabulary: Vocabulary) -> dict[int, str]:
    """Column → the period it stands for in a time chart: sub-headings of the time (or
    progress) heading that each name a month, a quarter or a year («T1» … «T12», «Tháng 6»,
    «T7/2021», «Quý I» … «Quý IV», «2021 | 2022 | 2023»), the task's periods marked «x»;
    empty for other roadmaps."""
    periods = {}
    progress = [c for c in header.roles.get("status", ()) if "tien do" in header.labels.get(c, "")]
    for col in (*header.roles.get("deadline", ()), *progress):
        child = header.children.get(col, "")
        if found := _MONTH_HEADING.match(child):
            child = f"tháng {found[1]}"
        elif child.isdigit():
            child = f"năm {child}"
        due = _deadline_of(child, year, vocabulary) if child else None
        if due and not isinstance(due, DeadlineError) and due[-1].due is not None:
            periods[col] = child
    return periods if len(periods) >= 2 else {}


def _missing(header: Header, tasks: list[Task]) -> str:
    """What the reading report says of a roadmap without a deadline or an owner column (nor
    band rows giving them), so that the tasks' missing deadlines are not a surprise."""
    missing = [
        f", không có cột {label}"
        for role, label, given in (
            ("deadline", "thời hạn (các việc không có hạn)", any(t.deadline_text for t in tasks)),
            ("owner", "người phụ trách", any(t.owners for t in tasks)),
        )
        if role not in header.roles and not given
    ]
    return "".join(missing)


def _settled(header: Header, year: int | None, vocabulary: Vocabulary) -> Header:
    """The heading with a column whose words may name a status or a deadline («Tiến độ»)
    taken as the deadline when there is no other and most of its cells are dates; and a
    «Hoàn thành» column of ticks or checkboxes (no dates) taken as the status."""
    grid = header.grid
    rows = range(header.bottom + 1, min(len(grid.rows), header.bottom + 1 + _SAMPLE_ROWS))
    if "status" not in header.roles:
        header = _ticked_status(header, rows, vocabulary)
    if "deadline" in header.roles or not (statuses := header.roles.get("status")):
        return header
    for col in statuses:
        cells = [value for row in rows if (value := grid.value(row, col)) not in (None, "")]
        dated = sum(_is_deadline(value, year, vocabulary) for value in cells)
        if dated and 2 * dated > len(cells):
            roles = dict(header.roles, deadline=(col,))
            if rest := tuple(c for c in statuses if c != col):
                roles["status"] = rest
            else:
                del roles["status"]
            return dataclasses.replace(header, roles=roles)
    return header


def _ticked_status(header: Header, rows: range, vocabulary: Vocabulary) -> Header:
    """The heading with a column of ticks or checkboxes only (no date) under «Hoàn thành» or
    «Đã hoàn thành» taken as the status (not a deadline, nor nothing)."""
    grid = header.grid
    roles = dict(header.roles)
    deadlines = roles.get("deadline", ())
    taken = {col for role, cols in roles.items() if role != "deadline" for col in cols}
    for col in range(len(grid.rows[header.bottom])):
        found = vocabulary.match("tinh_trang", grid.text(header.bottom, col))
        if col in taken or found is None or found.meaning != "xong":
            continue
        cells = [value for row in rows if (value := grid.value(row, col)) not in (None, "")]
        if cells and all(isinstance(v, bool) or _MARK.match(cell_text(v)) for v in cells):
            roles["status"] = (col,)
            if rest := tuple(c for c in deadlines if c != col):
                roles["deadline"] = rest
            else:
                roles.pop("deadline", None)
            return dataclasses.replace(header, roles=roles)
    return header


def _is_deadline(value: object, year: int | None, vocabulary: Vocabulary) -> bool:
    """Whether a cell holds a date or a deadline phrase with a due date."""
    if isinstance(value, date):
        return True
    text = cell_text(value)
    found = _deadline_of(text, year, vocabulary) if isinstance(value, str) else None
    return bool(found) and not isinstance(found, DeadlineError) and found[-1].due is not None


def _deadline_in(text: str, year: int | None, vocabulary: Vocabulary) -> tuple | None:
    """(phrase, due) of a deadline closing a task's text, in brackets or after a comma or a
    dash («…, hoàn thành trước 30/6/2021», «… - thời gian: quý III/2021»), if any."""
    if not (clause := _TRAILING_CLAUSE.search(text)):
        return None
    phrase = clause[1].strip(" .")
    found = _deadline_of(phrase.replace(":", " "), year, vocabulary)
    if isinstance(found, DeadlineError) or not found or found[-1].due is None:
        return None
    return phrase, found[-1].due


@functools.lru_cache(maxsize=256)
def _recurs(text: str) -> bool:
    """Whether a deadline is a recurrence («Hàng năm», «Hằng quý», «Tháng 11 hàng năm»,
    «Trước 30/6 hằng năm»): no due date, no issue."""
    try:
        return parse_recurrence(text) is not None
    except RecurrenceError:
        return bool(_RECURRING.search(folded(text)))


def _names_nobody(text: str) -> bool:
    """Whether a people cell names nobody: a formula's error («#REF!», «#N/A»), a formula
    kept as text («=VLOOKUP(…)»), a mark or a figure («x», «?», «0»), «N/A»; a dash
    («-») is an empty cell, a phone number alone someone to look up."""
    text = text.strip()
    if blank_text(text):
        return False
    if text[0] == "=" or (text[0] in "#E" and EXCEL_ERROR.fullmatch(text)):
        return True
    letters = sum(map(len, _LETTERS.findall(text)))
    if not letters:
        return sum(c.isdigit() for c in text) < 9  # «0912 345 678» is a phone number
    return letters < 2 or folded(text) in _NOBODY


def _ongoing(text: str, vocabulary: Vocabulary) -> bool:
    """Whether a deadline says the work has none: «Thường xuyên», «Thường xuyên, liên tục»."""
    parts = [vocab_key(part) for part in _ONGOING_PARTS.split(text)]
    return all(part in vocabulary.no_deadline for part in parts if part) and any(parts)


def _after_signature(table: Header) -> int | None:
    """The row after the first signature row under a table's heading, if any."""
    grid = table.grid
    for row in range(table.bottom + 1, len(grid.rows)):
        if is_signature(grid.texts(row)[:MAX_COLS]):
            return row + 1
    return None


@functools.lru_cache(maxsize=16)
def _name_patterns(names: tuple[tuple[int, str], ...]) -> list[tuple[str, int, re.Pattern]]:
    """(folded name, number, pattern) of each criterion, longest name first; made once per
    names table (one per catalogue set) and kept for the process."""
    return [
        (name, number, re.compile(rf"(?:^| ){re.escape(name)}(?: |$)"))
        for name, number in sorted(((folded(n), no) for no, n in names), key=lambda x: -len(x[0]))
    ]


def _labelled(text: str) -> tuple[str, dict[str, str]]:
    """A task cell written as in the Word plan, its deadline and people on labelled lines
    («Thời gian: Quý III/2021», «Người thực hiện: Đ/c A»): (the task's own lines, {"deadline":
    …, "owner": …}). A cell without such lines is left whole."""
    if "\n" not in text:
        return text, {}
    own, labelled = [], {}
    for line in text.splitlines():
        found = _LABELLED_LINE.match(line)
        label = fold(found[1]) if found else ""
        role = next((role for words, role in _LINE_ROLES if words.match(label)), None)
        if role and role not in labelled:
            labelled[role] = found[2].strip(" .;")
        else:
            own.append(line)
    return (
        (" ".join(line.strip() for line in own if line.strip()).rstrip(" ."), labelled)
        if labelled
        else (text, {})
    )


def _vertical_spans(header: Header, columns: list[int]) -> dict[tuple[int, int], int]:
    """(row, column) → the top row of the merge covering it, for the cells of `columns`
    below the heading that a merge spanning several rows covers (the top one left out).
    A merge ends with the grid's rows; merges overlapping one another (no spreadsheet
    program writes them: ten merges «D30:H1048576» made a 14 kB file take minutes) are
    taken only while they cover no more cells than the columns have."""
    spans = {}
    rows = len(header.grid.rows)
    left_to_cover = rows * len(columns)
    for top, left, bottom, right in header.grid.merged:
        bottom = min(bottom, rows - 1)
        if bottom > top > header.bottom and any(left <= col <= right for col in columns):
            for col in columns:
                if left <= col <= right:
                    left_to_cover -= bottom - top
                    if left_to_cover < 0:
                        return spans
                    spans.update(((row, col), top) for row in range(top + 1, bottom + 1))
    return spans


class _RoadmapReader:
    def __init__(
        self,
        header: Header,
        names: dict[int, str],
        located: dict,
        year: int | None,
        vocabulary: Vocabulary,
    ) -> None:
        self.vocabulary = vocabulary
        self.header = header
        self.grid = header.grid
        self.names = _name_patterns(tuple(names.items()))
        self.numbers = frozenset(names)
        self.located = located
        self.year = year
        self.tasks: list[Task] = []
        self.issues: list[Issue] = []
        self.col = {role: cols[0] for role, cols in header.roles.items()}
        self.details = [self.col[role] for role in _TASK_DETAILS if role in self.col]
        self.months = _period_columns(header, year, vocabulary)  # a time chart
        if set(header.roles.get("status", ())) <= set(self.months):
            self.col.pop("status", None)  # «Tiến độ thực hiện» over «Tháng 6» … «Tháng 10»
        deadlines = header.roles.get("deadline", ())
        actual = [col for col in deadlines if _ACTUAL.search(header.labels.get(col, ""))]
        self.actual = actual[0] if actual and len(actual) < len(deadlines) else None
        years = [col for col in deadlines if _YEAR_HEADING.match(header.labels.get(col, ""))]
        self.year_col = years[0] if years and len(years) < len(deadlines) else None
        deadlines = tuple(col for col in deadlines if col not in (self.actual, self.year_col))
        if len(deadlines) > 1 and not self.months:
            self.col["deadline"] = _due_column(deadlines, header.labels)
        elif deadlines:
            self.col["deadline"] = deadlines[0]
        self.funding = header.roles.get("funding", ())
        # each role column with what its heading folds to (see `_repeats_heading`)
        self.headings = [
            (col, (header.children.get(col) or header.labels.get(col, ""), header.labels.get(col)))
            for cols in header.roles.values()
            for col in cols
        ]
        self.spans = _vertical_spans(
            header, [col for role in _SPANNED for col in header.roles.get(role, ())]
        )
        self.resolved: dict[tuple[int, int], int] = {}  # see `_source`
        self.no_names: set[tuple[int, int]] = set()  # people cells naming nobody, reported
        self.task_spans = _vertical_spans(header, [self.col["task"]])
        self.task_row = -1  # the row of the last task
        self.group_owners: tuple[str, ...] = ()  # from a band row «Đồng chí A phụ trách:»
        self.parent = False  # the group is a parent task's: its numbered successor ends it
        self.band_named = False  # the criterion is the one the last band named
        self.group_deadline: tuple[str, date | None] | None = None  # «… TRONG QUÝ II/2021»

    def read(self) -> None:
        grid = self.grid
        width = min(MAX_COLS, max((len(line) for line in grid.rows), default=0))
        criterion: int | None = None
        section = outer = ""  # outer: the section around a parent task's sub-tasks
        previous = -1  # the row of the last task, for a task text wrapped onto the next row
        for row in range(self.header.bottom + 1, len(grid.rows)):
            texts = grid.texts(row)[:width]
            if not any(texts) or is_column_numbers(grid, row, width):
                continue
            if self._repeats_heading(row):
                continue  # the heading printed again at the top of the next page
            task_text = self._text(row, "task")
            criterion_text = next(  # «Mã chỉ tiêu» | «Tiêu chí»: the one filled
                (t for col in self.header.roles.get("criterion", ()) if (t := grid.text(row, col))),
                "",
            )
            no_text = self._text(row, "no")
            if not task_text and self.task_spans.get((row, self.col["task"])) == self.task_row:
                self._more_people(row)  # the task is merged down over this row: its people too
                continue
            if not task_text and is_signature(texts):
                break
            heading = next((t for t in texts if t), "") if not task_text else ""
            if heading and (found := _CRITERION_IN_HEADING.search(folded(heading))):
                criterion = int(found[1])  # «Tiêu chí số 2 - Giao thông» across the columns
                continue
            if not task_text and not criterion_text and _GROUP.match(no_text or texts[0] or ""):
                section = " ".join(t for t in texts if t)
                self._new_group()
                criterion = self._band_criterion(section, criterion)
                continue
            if criterion_text:
                found = self._criterion(criterion_text)
                if found is not None:
                    criterion = found
                elif _GROUP.match(criterion_text) and not task_text:
                    section = criterion_text
                    continue
            if not task_text:
                continue
            if self.parent and _NUMBER_ONLY.match(no_text):
                self._new_group()  # the next numbered task: the parent's sub-tasks are over
                section = outer
            if self._parent(row, task_text):
                outer, section = section, task_text
                continue
            if not any(self._at(row, col) for col in self.details):
                key = folded(task_text)
                if _TOTAL.match(key):
                    break  # «Tổng cộng» and its split («Trong đó: …») close the table
                if _NOT_A_TASK.match(task_text) or _NOT_A_TASK.match(no_text):
                    continue  # «Cộng nhóm I», «Ghi chú: …» (or «Ghi chú:» in the TT column)
                if (band := _NUMBERED_BAND.match(task_text)) and (
                    number := self._named_criterion(band["name"])
                ) is not None:
                    criterion, section = number, task_text  # «II. Giao thông» over its tasks
                    self._new_group()
                    continue
                if heading := _CRITERION_WORDS.match(key):
                    criterion = int(heading[1])  # «Tiêu chí số 2 - Giao thông» over its tasks
                    continue
                if found := _YEAR_BAND.match(key):
                    self.year = int(found[1])  # «NĂM 2022» over that year's tasks
                    self._new_group()
                    continue
                wrapped = previous == row - 1 and not no_text and not criterion_text
                if wrapped and (task_text[0].islower() or task_text[0] == "("):  # goes on here
                    last = self.tasks[-1]
                    self.tasks[-1] = dataclasses.replace(last, text=f"{last.text} {task_text}")
                    previous = row
                    continue
                if self._band(task_text, no_text):
                    section = task_text
                    if _GROUP.match(no_text) or _ROMAN.match(no_text):
                        criterion = self._band_criterion(task_text, criterion)
                    elif (number := self._named_criterion(task_text)) is not None:
                        criterion = number  # «GIAO THÔNG» over its tasks
                    continue
            named = (
                _CRITERION_WORDS.match(folded(task_text))
                if _NAMES_CRITERION.match(task_text)
                else None
            )
            if named and int(named[1]) in self.numbers:  # «TC2 - Giao thông: Bê tông hóa …»
                self.tasks.append(self._task(row, task_text, int(named[1]), section))
            else:
                self.tasks.append(self._task(row, task_text, criterion, section))
            previous = self.task_row = row

    def _repeats_heading(self, row: int) -> bool:
        """Whether a row writes the heading again: two role columns hold their headings."""
        same = 0
        for col, headings in self.headings:
            if (text := self.grid.text(row, col)) and folded(text) in headings:
                same += 1
                if same == 2:
                    return True
        return False

    def _more_people(self, row: int) -> None:
        """Add the people of a row the last task's cell is merged down over to that task."""
        people = self._people(row)
        last = self.tasks[-1]
        self.tasks[-1] = dataclasses.replace(
            last,
            **{
                field: tuple(dict.fromkeys(getattr(last, field) + more))
                for field, more in people.items()
            },
        )

    def _people(self, row: int) -> dict[str, tuple[str, ...]]:
        """The owners, partners and directors a row names."""
        owning, directing = split_directing(self._lines(row, "owner"))  # «A chỉ đạo; B …»
        owners, partners = _owners_and_partners(owning, self.vocabulary)
        directors, helping = _owners_and_partners(self._lines(row, "director"), self.vocabulary)
        directors += _owners_and_partners(directing, self.vocabulary)[0] if directing else ()
        advisers = ()
        if "partner" in self.header.roles:
            advisers = sum(_owners_and_partners(self._lines(row, "partner"), self.vocabulary), ())
        partners = tuple(dict.fromkeys(partners + helping + advisers))
        return {"owners": owners, "partners": partners, "directors": directors}

    def _band_criterion(self, text: str, criterion: int | None) -> int | None:
        """The criterion a numbered band names («I | GIAO THÔNG», «II. Môi trường»), else
        the one before it (none when that one was a band's)."""
        found = self._criterion(_BAND_NUMBER.sub("", text))
        if found is None and self.band_named:
            criterion = None  # «II. HẠ TẦNG KINH TẾ - XÃ HỘI» after «I. QUY HOẠCH»
        self.band_named = found is not None
        return criterion if found is None else found

    def _new_group(self) -> None:
        self.group_owners, self.group_deadline, self.parent = (), None, False

    def _parent(self, row: int, text: str) -> bool:
        """Whether a task naming only its people ends with «:» over its sub-tasks («1 |
        Giao thông: | | Nguyễn Văn Hùng» over «a) …», «b) …»): its people are theirs."""
        if not text.rstrip().endswith(":") or self._text(row, "deadline"):
            return False
        if not self.grid.text(row + 1, self.col["task"]) or _NUMBER_ONLY.match(
            self._text(row + 1, "no")
        ):
            return False  # no sub-task follows: a task of its own
        if self._text(row, "status") or not (owners := self._people(row)["owners"]):
            return False
        self._new_group()
        self.group_owners, self.parent = owners, True
        return True

    def _band(self, text: str, no_text: str) -> bool:
        """Whether a row with only a text is a band over the tasks below it («I | Đồng chí A
        - PCT phụ trách:», «II | NHIỆM VỤ HOÀN THÀNH TRONG QUÝ III/2021», «…, gồm:»), and
        what it gives them: their owner or their deadline when their own cell is empty."""
        group = bool(_GROUP.match(no_text) or _ROMAN.match(no_text))
        if not (group or text.rstrip().endswith(":") or text.isupper()):
            return False
        if group:
            self._new_group()
        if _OWNER_BAND.match(folded(text)):
            self.group_owners = parse_owners(_IN_CHARGE.sub("", text), self.vocabulary)
        elif (start := _DEADLINE_START.search(text)) and not isinstance(
            due := _deadline_of(text[start.start() :].strip(" :"), self.year, self.vocabulary),
            DeadlineError,
        ):
            self.group_deadline = (text[start.start() :].strip(" :"), due[-1].due if due else None)
        return True

    def _text(self, row: int, role: str) -> str:
        col = self.col.get(role)
        if col is None:
            return ""
        return self._at(row, col) if role in _SPANNED else self.grid.text(row, col)

    def _at(self, row: int, col: int) -> str:
        """The text of the cell standing for (row, col) (see `_source`)."""
        return self.grid.text(self._source(row, col), col)

    def _source(self, row: int, col: int) -> int:
        """The row whose cell stands for (row, col): the merged cell above covering it (a
        deadline, an owner, a status merged down over several tasks is each one's), or,
        for «Như trên», «nt», «"», the one of the task above."""
        found = self.resolved.get((row, col))
        if found is None:
            found = self.spans.get((row, col), row)
            if _DITTO.match(self.grid.text(found, col)) and self.task_row >= 0:
                found = self.resolved.get((self.task_row, col), self.task_row)
            self.resolved[(row, col)] = found
        return found

    def _lines(self, row: int, role: str) -> str:
        """The role's cells' texts with their line breaks (one person per line in an owner
        cell), one line per column («Lãnh đạo phụ trách» | «Cán bộ thực hiện»); a sub-column
        of titles («Họ và tên» | «Chức vụ») is left out."""
        columns = self.header.roles.get(role, ())
        named = [col for col in columns if self.header.children.get(col) not in _TITLE_COLUMNS]
        texts = []
        for col in named or columns:
            value = self.grid.value(self._source(row, col), col)
            text = value if isinstance(value, str) else cell_text(value)
            if value is False:  # a checkbox left unticked
                continue
            if (value is True or (text and _MARK.match(text))) and self.header.children.get(col):
                text = self.grid.text(self.header.bottom, col)  # «x» under «Đ/c Võ Xuân Sơn»
            elif text and _names_nobody(text):
                self._no_name(text, self._source(row, col), col)
                continue
            texts.append(text)
        return "\n".join(text for text in texts if text)

    def _no_name(self, text: str, row: int, col: int) -> None:
        """Report, once, a people cell that names nobody («#REF!», «x»)."""
        if (row, col) not in self.no_names:
            self.no_names.add((row, col))
            self._report("owner-invalid", text, row, col)

    def _criterion(self, text: str) -> int | None:
        key = folded(text)
        stripped = text.strip()
        if match := (
            _CRITERION_WORDS.match(key)
            or _NUMBER_ONLY.match(stripped)
            or _NUMBERED_NAME.match(stripped)
        ):
            return int(match[1])
        if (match := _INDICATOR_CODE.match(stripped)) and int(match[1]) in self.numbers:
            return int(match[1])
        if (match := _ROMAN.match(stripped)) and (
            number := _ROMAN_NUMBERS.get(match[1])
        ) in self.numbers:
            return number
        for name, number, named in self.names:
            if key == name or named.search(key):
                return number
        # a short name («Môi trường») or one shortened («Môi trường và ATTP») for «Môi trường
        # và an toàn thực phẩm»: the one name that starts with it, or with its first words
        starting = {number for name, number, _ in self.names if name.startswith(f"{key} ")}
        if not starting and len(words := key.split()) > 2:
            head = " ".join(words[:3])
            starting = {number for name, number, _ in self.names if name.startswith(head)}
        return starting.pop() if len(starting) == 1 else None

    def _named_criterion(self, text: str) -> int | None:
        """The criterion `text` is the whole name of («Giao thông»), else None."""
        key = folded(text)
        return next((number for name, number, _ in self.names if key == name), None)

    def _task(self, row: int, text: str, criterion: int | None, section: str) -> Task:
        grid = self.grid
        raw = grid.value(row, self.col["task"])  # «…⏎Thời gian: Quý III/2021⏎Người thực hiện: …»
        own, labelled = _labelled(raw) if isinstance(raw, str) else (text, {})
        text = nfc(own) if labelled else text
        deadline_text, due = self._deadline(row)
        if not deadline_text and (phrase := labelled.get("deadline")):
            deadline_text, due = self._phrase(phrase, row, self.col["task"])
        status_text = self._status(row)
        if not status_text and due is None and _done(deadline_text, self.vocabulary):
            status_text = deadline_text  # «Đã hoàn thành» under the deadline, no status said
        done = _done(status_text, self.vocabulary)
        completed = None
        if done and (match := _DATE_IN_TEXT.search(status_text)):
            completed = parse_date(match.group())
        if self.actual is not None and (day := parse_date(self.grid.value(row, self.actual))):
            done, completed = True, day  # a date under «Ngày hoàn thành thực tế»
            status_text = status_text or f"Hoàn thành {day:%d/%m/%Y}"
        people = self._people(row)
        owners = people["owners"]
        if not owners and (named := labelled.get("owner")):
            owners, more = _owners_and_partners(named, self.vocabulary)
            people["partners"] += more
        if not owners and not self._text(row, "owner"):
            owners = self.group_owners
        if not deadline_text and self.group_deadline:
            deadline_text, due = self.group_deadline
        elif not deadline_text and (found := _deadline_in(text, self.year, self.vocabulary)):
            deadline_text, due = found  # «Xóa 3 nhà tạm (hoàn thành trong tháng 4/2021)»
        recurs = due is None and bool(deadline_text) and _recurs(deadline_text)
        return Task(
            source="unit",
            unit_code=self.located["unit_code"],
            criterion_no=criterion,
            text=text,
            deadline_text=deadline_text,
            due=due,
            owners=owners,
            recurrence=deadline_text if recurs else "",
            partners=people["partners"],
            directors=people["directors"],
            section=section,
            done=done,
            completed=completed,
            status_text=status_text,
            note=self._text(row, "note"),
            budget=self._budget(row),
            funding=self._funding(row),
            file=self.located["file"],
            sheet=grid.name,
            cell=cell_address(row, self.col["task"]),
        )

    def _charted(self, row: int) -> tuple[str, date | None]:
        """(phrase, due) of a time chart's row: the end of the latest period marked; a
        phrase written in the mark («Quý II» under «2022») is read in that period's year."""
        latest: tuple[date, str] | None = None
        for col, period in self.months.items():
            if not (mark := self.grid.text(row, col)):
                continue
            found = _deadline_of(period, self.year, self.vocabulary)
            if isinstance(found, DeadlineError) or not found:
                continue
            due = found[-1].due
            text = period if str(due.year) in period else f"{period}/{due.year}"
            own = _deadline_of(mark, due.year, self.vocabulary) if not _MARK.match(mark) else None
            if own and not isinstance(own, DeadlineError) and own[-1].due is not None:
                due, text = own[-1].due, f"{mark} ({text})" if str(due.year) not in mark else mark
            if latest is None or due > latest[0]:
                latest = (due, text)
        return (latest[1], latest[0]) if latest else ("", None)

    def _status(self, row: int) -> str:
        """The task's status: its status cell (a number there is the share done); a tick
        under a status sub-heading («Đã hoàn thành» | «Chưa hoàn thành») is that status;
        without a status column, a note that is a status («Đã hoàn thành», «Xong»)."""
        columns = self.header.roles.get("status", ())
        for col in columns:
            value = self.grid.value(self._source(row, col), col)
            if value is False:  # a checkbox left unticked
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                return _share_text(value, self.grid.number_format(row, col))
            text = self._at(row, col)
            ticked = value is True or bool(text and _MARK.match(text))
            heading = self.grid.text(self.header.bottom, col)
            if ticked and len(columns) > 1:
                if self.vocabulary.match_key("tinh_trang", self.header.children.get(col, "")):
                    return heading
                continue
            if ticked:  # «✓» or a ticked checkbox under «Hoàn thành» or «Tình trạng»
                found = self.vocabulary.match("tinh_trang", heading)
                return heading if found is not None and found.meaning == "xong" else DONE
            if text:
                return text
        note = self._text(row, "note") if not columns else ""
        if note and self.vocabulary.match("tinh_trang", note) and not self._dated(note):
            return note
        return ""

    def _dated(self, text: str) -> bool:
        """Whether a text is a deadline phrase («Hoàn thành trước 30/6/2021»)."""
        found = _deadline_of(text, self.year, self.vocabulary)
        return not isinstance(found, DeadlineError)

    def _deadline(self, row: int) -> tuple[str, date | None]:
        """(phrase as written, due date). A cell that only says the work is done («Đã hoàn
        thành») gives no due date and no issue: it is the status when the status says
        nothing (`_task`)."""
        if self.months:
            return self._charted(row)
        col = self.col.get("deadline")
        if col is None:
            return "", None
        value = self.grid.value(self._source(row, col), col)
        if isinstance(value, datetime | date):
            day = value.date() if isinstance(value, datetime) else value
            if day.day == 1 and _month_display(self.grid.number_format(row, col)):
                value = f"tháng {day.month}/{day.year}"  # typed "6/2021", shown as a month
            else:
                value = day
        text = cell_text(value)
        if not text:
            return "", None
        if isinstance(value, date):
            return text, value
        if isinstance(value, float) and _ZERO_LOST.fullmatch(text):
            self._unreadable(text, row, col)  # «30.10» typed, 30.1 kept: January or October?
            return text, None
        return self._phrase(text, row, col)

    def _phrase(self, text: str, row: int, col: int) -> tuple[str, date | None]:
        """(phrase, due date) of a deadline written in words at (row, col); an unreadable
        one is reported there."""
        if _ongoing(text, self.vocabulary):
            return text, None  # «Thường xuyên»: ongoing work, no due date
        milestones = _deadline_of(text, self._row_year(row), self.vocabulary)
        if isinstance(milestones, DeadlineError):
            status = self.vocabulary.match("tinh_trang", text)
            if (status is None or status.meaning != "xong") and not _recurs(text):
                self._unreadable(text, row, col)
            return text, None
        return text, (milestones[-1].due if milestones else None)

    def _unreadable(self, text: str, row: int, col: int) -> None:
        self._report("deadline-invalid", text, row, col)

    def _report(self, code: str, text: str, row: int, col: int) -> None:
        """An issue `code` about the text typed at (row, col) of this sheet."""
        self.issues.append(
            make_issue(
                code, **self.located, sheet=self.grid.name, cell=cell_address(row, col), text=text
            )
        )

    def _row_year(self, row: int) -> int | None:
        """The year of a row's deadline: its «Năm» cell («2022» beside «Quý II»), else the
        roadmap's."""
        if self.year_col is not None:
            value = self.grid.value(self._source(row, self.year_col), self.year_col)
            found = _YEAR_BAND.match(folded(cell_text(value))) if value is not None else None
            if found:
                return int(found[1])
        return self.year

    def _budget(self, row: int) -> float | None:
        col = self.col.get("budget")
        if col is None:
            return None
        value = self.grid.value(row, col)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        text = cell_text(value)
        if (total := _money_sum(text)) is not None:
            return total
        first = text.split()
        amount = parse_number(first[0]) if first else None
        if amount is not None and not math.isfinite(amount):  # 400 digits: no budget, not inf
            return None
        if amount is None or not (unit := _MONEY_UNIT.match(text)):
            return amount
        millions = amount * _MILLIONS[folded(unit[1])]
        rest = BRACKETS.sub(" ", text[unit.end() :])  # «1 tỷ (ngân sách 2021)»: a comment
        if any(c.isdigit() for c in rest):  # «1tỷ2» (1,2 tỷ? 1 tỷ 2 triệu?) is not guessed
            return None
        return clean_float(millions)

    def _funding(self, row: int) -> str:
        """The funding source: a text cell, or the non-empty parts of a split heading."""
        if len(self.funding) == 1:
            return self.grid.text(row, self.funding[0])
        parts = []
        for col in self.funding:
            value = self.grid.text(row, col)
            if value:
                label = self.grid.text(self.header.bottom, col) or self.grid.text(
                    self.header.top, col
                )
                parts.append(f"{label}: {value}")
        return "; ".join(parts)
