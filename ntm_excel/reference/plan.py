"""The district plan (Số 07-KH/BCĐ) as the office's editable workbook workbooks/ke_hoach_2021.xlsx.

Sheet "Nhiệm vụ" has one row per assignment of the plan, per milestone of a two-step deadline
and per recurring duty of an assignment; "Chỉ tiêu" holds the plan's targets, "Đã thực hiện"
the days the office records a recurring duty done, "Thông tin" the plan's number and date.
Columns are found by their headings, so the office may reorder them; a deadline date cell wins
over the phrase, which is read only when the date is empty, and an unreadable phrase is
reported, never guessed.

A row with «Lặp lại» ("hàng tuần", "hàng tháng", "định kỳ 2 tuần") is a `Duty`: it recurs from
«Từ ngày» (else the plan's date) to «Hạn hoàn thành» (else the end of the plan's year); each
period is one occurrence, done when «Đã thực hiện» has a row with its code and a day in it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from python_calamine import CalamineWorkbook

from ntm_excel.codes import written_code
from ntm_excel.deadlines import DeadlineError, parse_deadline
from ntm_excel.errors import PlanError, RecurrenceError, check_office_file
from ntm_excel.issues import Issue, make_issue
from ntm_excel.model import Target, Task
from ntm_excel.recurrence import Recurrence, occurrence_of, parse_recurrence
from ntm_excel.reference.contacts import parse_assignees
from ntm_excel.reference.grid import sheet_grid
from ntm_excel.text import cell_address, fold, nfc

TASKS_SHEET = "Nhiệm vụ"
TARGETS_SHEET = "Chỉ tiêu"
DONE_SHEET = "Đã thực hiện"
INFO_SHEET = "Thông tin"
DATE_FORMAT = "dd/mm/yyyy"
HEADING_ROWS = 10  # the rows searched for a sheet's headings (a title block may come first)
UNSET = "chưa ghi chu kỳ"  # shown after "định kỳ" until the office writes the interval

# Headings of the "Nhiệm vụ" sheet, in order, and the key each is read into.
TASK_COLUMNS = {
    "Mã": "task_id",
    "Mục": "section",
    "TC số": "criterion_no",
    "Tiêu chí": "criterion",
    "Nội dung nhiệm vụ": "text",
    "Chủ trì": "lead",
    "Phối hợp": "partners",
    "Người chỉ đạo": "directors",
    "Người thực hiện": "owners",
    "Xã thực hiện": "communes",
    "Thời hạn": "deadline_text",
    "Mốc": "milestone",
    "Hạn hoàn thành": "due",
    "Lặp lại": "recurrence",
    "Từ ngày": "starts",
    "Tình trạng": "status",
    "Ngày hoàn thành": "completed",
    "Ghi chú": "note",
}
# Headings of the "Đã thực hiện" sheet: one row each time the office records a duty done.
DONE_COLUMNS = {
    "Mã": "task_id",
    "Mốc": "milestone",
    "Ngày thực hiện": "day",
    "Ghi chú": "note",
}
TARGET_COLUMNS = {
    "Mã": "code",
    "Chỉ tiêu": "text",
    "Mức": "level",
    "Mã đơn vị": "unit_code",
    "Đơn vị": "unit_name",
    "Tên trong kế hoạch": "unit_text",
    "Thời hạn": "deadline_text",
    "Hạn hoàn thành": "due",
}
# Rows of the "Thông tin" sheet (label in column A, value in column B).
INFO_ROWS = {
    "Số hiệu": "number",
    "Ngày ban hành": "issued",
    "Tên kế hoạch": "title",
    "Năm kế hoạch": "year",
}
TASK_STATES = ("Chưa thực hiện", "Đang thực hiện", "Đã hoàn thành")
DONE_STATE = "Đã hoàn thành"


@dataclass(frozen=True)
class Duty:
    """A recurring duty: `task` names it (its `recurrence` set, no due date of its own)."""

    task: Task
    recurrence: Recurrence
    starts: date
    ends: date
    done: tuple[date, ...] = ()  # days recorded in «Đã thực hiện»


@dataclass(frozen=True)
class Plan:
    """The plan read from its workbook, with the problems found in it."""

    tasks: tuple[Task, ...]
    targets: tuple[Target, ...] = ()
    duties: tuple[Duty, ...] = ()
    issues: tuple[Issue, ...] = ()
    criteria_names: dict[int, str] = field(default_factory=dict)  # "TC số" → "Tiêu chí"
    number: str = ""
    issued: date | None = None
    title: str = ""
    year: int | None = None


def load_plan(path: Path | str) -> Plan:
    """Read the plan workbook at `path`."""
    path = Path(path)
    check_office_file(path, PlanError, "Tệp kế hoạch")
    try:  # calamine: .xlsx, .xls and .ods alike, with their merged cells
        workbook = CalamineWorkbook.from_path(str(path))
    except FileNotFoundError:
        raise PlanError(f"Không tìm thấy tệp kế hoạch {path}") from None
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is reported the same way
        raise PlanError(f"Không mở được tệp kế hoạch {path}: {exc}") from exc
    try:
        sheets = workbook.sheet_names
        for sheet in (TASKS_SHEET, TARGETS_SHEET):
            if sheet not in sheets:
                raise PlanError(f"Tệp kế hoạch {path.name} không có trang «{sheet}».")
        info = _read_info(sheet_grid(workbook, INFO_SHEET)) if INFO_SHEET in sheets else {}
        reader = _Reader(path.name, _year(info), _as_date(info.get("issued")))
        grid = sheet_grid(workbook, TASKS_SHEET)
        tasks, duties = reader.tasks(_rows(TASKS_SHEET, grid, TASK_COLUMNS, path.name))
        grid = sheet_grid(workbook, TARGETS_SHEET)
        targets = reader.targets(_rows(TARGETS_SHEET, grid, TARGET_COLUMNS, path.name))
        if DONE_SHEET in sheets:
            grid = sheet_grid(workbook, DONE_SHEET)
            log = _rows(DONE_SHEET, grid, DONE_COLUMNS, path.name, required="day")
            duties = reader.log(duties, log)
    except PlanError:
        raise
    except Exception as exc:  # noqa: BLE001 - a sheet calamine cannot read, said the same way
        raise PlanError(f"Không đọc được tệp kế hoạch {path}: {exc}") from exc
    finally:
        workbook.close()
    return Plan(
        tasks=tuple(tasks),
        targets=tuple(targets),
        duties=tuple(duties),
        issues=tuple(reader.issues),
        criteria_names=reader.criteria_names,
        number=_text(info.get("number")),
        issued=_as_date(info.get("issued")),
        title=_text(info.get("title")),
        year=_year(info),
    )


def _read_info(grid: list[list[object]]) -> dict[str, object]:
    labels = {fold(label): key for label, key in INFO_ROWS.items()}
    info = {}
    for row in grid:
        key = labels.get(fold(_text(row[0]))) if row else None
        if key and len(row) > 1:
            info[key] = row[1]
    return info


def _year(info: dict[str, object]) -> int | None:
    year = info.get("year")
    if isinstance(year, int | float) and not isinstance(year, bool):
        return int(year)
    issued = _as_date(info.get("issued"))
    return issued.year if issued else None


def _rows(
    name: str, grid: list[list[object]], columns: dict[str, str], file: str, required: str = "text"
):
    """Yield (row index, {key: (value, address)}) for each non-empty row under the heading."""
    rows = iter(grid)
    first = next(h for h, key in columns.items() if key == required)
    # the heading row: of the first rows, the one with most headings (a title block may come
    # first, and a title may read like a heading: «CHỈ TIÊU» above «Mã | Chỉ tiêu | …»)
    top = list(itertools.islice(rows, HEADING_ROWS))
    known = {fold(h) for h in columns}
    counts = [len(known.intersection(fold(_text(v)) for v in row)) for row in top]
    above = counts.index(max(counts)) if counts else 0
    heading = [fold(_text(v)) for v in top[above]] if top else []
    under = [fold(_text(v)) for v in top[above + 1]] if above + 1 < len(top) else []
    if any(under) and all(h in known for h in under if h):  # headings on two rows
        above += 1  # «Thời hạn» over «Mốc | Hạn hoàn thành»: the lower row names its columns
        heading = [low or high for high, low in itertools.zip_longest(heading, under)]
    if fold(first) not in heading:
        raise PlanError(
            f"Trang «{name}» của tệp {file} thiếu cột «{first}» "
            f"(không thấy ở {HEADING_ROWS} dòng đầu)."
        )
    found = {key: heading.index(fold(h)) for h, key in columns.items() if fold(h) in heading}
    rows = itertools.chain(top[above + 1 :], rows)
    for index, row in enumerate(rows, start=above + 1):
        cells = {
            key: (row[col] if col < len(row) else None, cell_address(index, col))
            for key, col in found.items()
        }
        if any(value not in (None, "") for value, _ in cells.values()):
            yield index, cells


class _Reader:
    """Turns rows into tasks, duties and targets, collecting issues with their cell addresses."""

    def __init__(self, file: str, year: int | None, issued: date | None) -> None:
        self.file = file
        self.year = year
        self.issued = issued
        self.issues: list[Issue] = []
        self.criteria_names: dict[int, str] = {}

    def due(self, cells: dict, sheet: str) -> tuple[date | None, str]:
        """The due date (date cell first, else the phrase) and the address it came from."""
        value, address = cells.get("due", (None, ""))
        phrase, phrase_address = cells.get("deadline_text", (None, ""))
        if value in (None, ""):
            value, address = phrase, phrase_address
        try:
            milestones = parse_deadline(value, year=self.year)
        except DeadlineError as exc:
            self.issue(sheet, address, exc.text)
            return None, address
        label = fold(_text(cells.get("milestone", (None, ""))[0]))
        if len(milestones) > 1:
            milestones = [m for m in milestones if fold(m.label) == label]
        if len(milestones) > 1 or (not milestones and value not in (None, "")):
            self.issue(sheet, address, _text(value))
            return None, address
        return (milestones[0].due if milestones else None), address

    def issue(self, sheet: str, cell: str, text: str) -> None:
        self.issues.append(
            make_issue("deadline-invalid", file=self.file, sheet=sheet, cell=cell, text=text)
        )

    def recurrence(self, cells: dict) -> tuple[Recurrence | None, str]:
        """The row's recurrence and how it is shown. None for a one-off task, for "định kỳ"
        whose interval the office has not written yet (a standing duty meanwhile, shown
        "định kỳ (chưa ghi chu kỳ)"), or for an unreadable one (reported)."""
        value, address = cells.get("recurrence", (None, ""))
        text = _text(value)
        try:
            return parse_recurrence(value), text
        except RecurrenceError as exc:
            if exc.unset:
                return None, f"{text} ({UNSET})"
            self.issues.append(
                make_issue(
                    "recurrence-invalid",
                    file=self.file,
                    sheet=TASKS_SHEET,
                    cell=address,
                    text=exc.text,
                    reason=exc.reason,
                )
            )
            return None, text

    def tasks(self, rows) -> tuple[list[Task], list[Duty]]:
        tasks, duties = [], []
        for _, cells in rows:
            value = {key: cell[0] for key, cell in cells.items()}
            due, address = self.due(cells, TASKS_SHEET)
            completed = _as_date(value.get("completed"))
            status = _text(value.get("status"))
            number = _criterion_no(value.get("criterion_no"))
            criterion = _text(value.get("criterion"))
            if number is not None and criterion:
                self.criteria_names.setdefault(number, criterion)
            recurrence, shown = self.recurrence(cells)
            task = Task(
                source="plan",
                unit_code="",
                criterion_no=number,
                text=_text(value.get("text")),
                deadline_text=_text(value.get("deadline_text")),
                due=due,
                owners=parse_assignees(_text(value.get("owners"))),
                directors=parse_assignees(_text(value.get("directors"))),
                milestone=_text(value.get("milestone")),
                section=_text(value.get("section")),
                criterion=criterion,
                lead=parse_assignees(_text(value.get("lead"))),
                partners=parse_assignees(_text(value.get("partners"))),
                recurrence=shown,
                communes=_text(value.get("communes")),
                note=_text(value.get("note")),
                done=fold(status) == fold(DONE_STATE) or value.get("completed") not in (None, ""),
                completed=completed,
                status_text=status,
                task_id=_text(value.get("task_id")),
                file=self.file,
                sheet=TASKS_SHEET,
                cell=address,
            )
            starts = _as_date(value.get("starts")) or self.issued
            if recurrence is None or starts is None:
                tasks.append(task)
                continue
            ends = due or date((self.year or starts.year), 12, 31)
            duties.append(Duty(replace(task, due=None), recurrence, starts, ends))
        return tasks, duties

    def log(self, duties: list[Duty], rows) -> list[Duty]:
        """The duties with the days «Đã thực hiện» records for them."""
        done: dict[int, list[date]] = {}
        for index, cells in rows:
            code = _text(cells.get("task_id", (None, ""))[0])
            label = fold(_text(cells.get("milestone", (None, ""))[0]))
            raw, address = cells["day"]
            day = _as_date(raw)
            where = {"file": self.file, "sheet": DONE_SHEET, "cell": address}
            matches = [
                i
                for i, d in enumerate(duties)
                if fold(d.task.task_id) == fold(code)
                and (not label or fold(d.task.milestone) == label)
            ]
            if day is None:
                reason = f"dòng {index + 1}: «{_text(raw)}» không phải ngày (ghi dd/mm/yyyy)"
            elif len(matches) != 1:
                what = "không có" if not matches else "có nhiều"
                reason = (
                    f"dòng {index + 1}: {what} việc lặp lại mã «{code}»"
                    + (f", mốc «{_text(cells['milestone'][0])}»" if label else "")
                    + (" (ghi thêm cột «Mốc»)" if matches else "")
                )
            elif (
                occurrence_of(duties[matches[0]].recurrence, duties[matches[0]].starts, day) is None
            ):
                reason = f"dòng {index + 1}: ngày {day:%d/%m/%Y} trước khi việc «{code}» bắt đầu"
            else:
                done.setdefault(matches[0], []).append(day)
                continue
            self.issues.append(make_issue("done-log-invalid", **where, reason=reason))
        return [
            replace(d, done=tuple(sorted(done[i]))) if i in done else d
            for i, d in enumerate(duties)
        ]

    def targets(self, rows) -> list[Target]:
        targets = []
        for index, cells in rows:
            value = {key: cell[0] for key, cell in cells.items()}
            due, _ = self.due(cells, TARGETS_SHEET)
            targets.append(
                Target(
                    code=_text(value.get("code")),
                    text=_text(value.get("text")),
                    level=_text(value.get("level")),
                    unit_code=_text(value.get("unit_code")),
                    unit_name=_text(value.get("unit_name")),
                    unit_text=_text(value.get("unit_text")),
                    deadline_text=_text(value.get("deadline_text")),
                    due=due,
                    cell=cell_address(index, 0),
                )
            )
        return targets


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value))


# A criterion's number in words, folded: «năm», «mười bảy», «mười lăm» (15), «mười tư» (14)
_NUMBER_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5, "sau": 6}
_NUMBER_WORDS |= {"bay": 7, "tam": 8, "chin": 9}
_CRITERION_WORD = re.compile(r"^(?:(?:tieu chi|tc)(?: so)? )?(muoi|[a-z]+)(?: ([a-z]+))?$")


def _criterion_no(value: object) -> int | None:
    """The criterion number of a «TC số» cell as clerks write it: 5, «05», «TC 5», «Tiêu chí
    số 5», «V», «năm», «mười bảy»."""
    text = _text(value).strip()
    code = written_code(text) if text else None
    if code is not None and code.kind in ("criterion", "roman", "indicator"):
        return code.criterion
    match = _CRITERION_WORD.match(fold(text))
    if not match:
        return None
    first, second = match[1], match[2]
    if first != "muoi":
        return None if second else _NUMBER_WORDS.get(first)
    if not second:
        return 10
    return 10 + _NUMBER_WORDS[second] if second in _NUMBER_WORDS else None


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            milestones = parse_deadline(value)
        except DeadlineError:
            return None
        return milestones[0].due if len(milestones) == 1 else None
    return None
