"""The district plan (Số 07-KH/BCĐ) as the office's editable workbook workbooks/ke_hoach_2021.xlsx.

Sheet "Nhiệm vụ" has one row per task and per milestone, "Chỉ tiêu" the plan's targets and
"Thông tin" the plan's number and date. Columns are found by their headings, so the office may
reorder them; a deadline date cell wins over the phrase, which is read only when the date is
empty, and an unreadable phrase is reported, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import openpyxl

from ntm_excel.deadlines import DeadlineError, parse_deadline
from ntm_excel.errors import PlanError
from ntm_excel.issues import Issue, make_issue
from ntm_excel.model import Task
from ntm_excel.reference.contacts import parse_owners
from ntm_excel.text import cell_address, fold, nfc

TASKS_SHEET = "Nhiệm vụ"
TARGETS_SHEET = "Chỉ tiêu"
INFO_SHEET = "Thông tin"
DATE_FORMAT = "dd/mm/yyyy"

# Headings of the "Nhiệm vụ" sheet, in order, and the key each is read into.
TASK_COLUMNS = {
    "Mã": "task_id",
    "Mục": "section",
    "TC số": "criterion_no",
    "Tiêu chí": "criterion",
    "Nội dung nhiệm vụ": "text",
    "Thời hạn": "deadline_text",
    "Mốc": "milestone",
    "Hạn hoàn thành": "due",
    "Người chỉ đạo": "directors",
    "Người thực hiện": "owners",
    "Tình trạng": "status",
    "Ngày hoàn thành": "completed",
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
class Target:
    """One target of the plan, for one unit where the plan names units."""

    code: str
    text: str
    level: str  # "huyện đạt chuẩn", "đạt chuẩn", "nâng cao", "kiểu mẫu"
    unit_code: str = ""
    unit_name: str = ""
    unit_text: str = ""  # the unit as the plan writes it ("Cẩm Vịnh")
    deadline_text: str = ""
    due: date | None = None


@dataclass(frozen=True)
class Plan:
    """The plan read from its workbook, with the problems found in it."""

    tasks: tuple[Task, ...]
    targets: tuple[Target, ...] = ()
    issues: tuple[Issue, ...] = ()
    criteria_names: dict[int, str] = field(default_factory=dict)  # "TC số" → "Tiêu chí"
    number: str = ""
    issued: date | None = None
    title: str = ""
    year: int | None = None


def load_plan(path: Path | str) -> Plan:
    """Read the plan workbook at `path`."""
    path = Path(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise PlanError(f"Không tìm thấy tệp kế hoạch {path}") from None
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is reported the same way
        raise PlanError(f"Không mở được tệp kế hoạch {path}: {exc}") from exc
    try:
        for sheet in (TASKS_SHEET, TARGETS_SHEET):
            if sheet not in workbook.sheetnames:
                raise PlanError(f"Tệp kế hoạch {path.name} không có trang «{sheet}».")
        info = _read_info(workbook[INFO_SHEET]) if INFO_SHEET in workbook.sheetnames else {}
        reader = _Reader(path.name, _year(info))
        tasks = reader.tasks(_rows(workbook[TASKS_SHEET], TASK_COLUMNS, path.name))
        targets = reader.targets(_rows(workbook[TARGETS_SHEET], TARGET_COLUMNS, path.name))
    finally:
        workbook.close()
    return Plan(
        tasks=tuple(tasks),
        targets=tuple(targets),
        issues=tuple(reader.issues),
        criteria_names=reader.criteria_names,
        number=_text(info.get("number")),
        issued=_as_date(info.get("issued")),
        title=_text(info.get("title")),
        year=_year(info),
    )


def _read_info(sheet) -> dict[str, object]:
    labels = {fold(label): key for label, key in INFO_ROWS.items()}
    info = {}
    for row in sheet.iter_rows(max_col=2, values_only=True):
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


def _rows(sheet, columns: dict[str, str], file: str):
    """Yield (row index, {key: (value, address)}) for each non-empty row under the heading."""
    sheet.reset_dimensions()  # files from other tools may declare a wrong size
    rows = sheet.iter_rows(values_only=True)
    heading = [fold(_text(v)) for v in next(rows, ())]
    found = {key: heading.index(fold(h)) for h, key in columns.items() if fold(h) in heading}
    if "text" not in found:
        first = next(h for h, key in columns.items() if key == "text")
        raise PlanError(f"Trang «{sheet.title}» của tệp {file} thiếu cột «{first}».")
    for index, row in enumerate(rows, start=1):
        cells = {
            key: (row[col] if col < len(row) else None, cell_address(index, col))
            for key, col in found.items()
        }
        if any(value not in (None, "") for value, _ in cells.values()):
            yield index, cells


class _Reader:
    """Turns rows into tasks and targets, collecting issues with their cell addresses."""

    def __init__(self, file: str, year: int | None) -> None:
        self.file = file
        self.year = year
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

    def tasks(self, rows) -> list[Task]:
        tasks = []
        for _, cells in rows:
            value = {key: cell[0] for key, cell in cells.items()}
            due, address = self.due(cells, TASKS_SHEET)
            completed = _as_date(value.get("completed"))
            status = _text(value.get("status"))
            number, criterion = _int(value.get("criterion_no")), _text(value.get("criterion"))
            if number is not None and criterion:
                self.criteria_names.setdefault(number, criterion)
            tasks.append(
                Task(
                    source="plan",
                    unit_code="",
                    criterion_no=number,
                    text=_text(value.get("text")),
                    deadline_text=_text(value.get("deadline_text")),
                    due=due,
                    owners=parse_owners(_text(value.get("owners"))),
                    directors=parse_owners(_text(value.get("directors"))),
                    milestone=_text(value.get("milestone")),
                    section=_text(value.get("section")),
                    done=fold(status) == fold(DONE_STATE)
                    or value.get("completed") not in (None, ""),
                    completed=completed,
                    status_text=status,
                    task_id=_text(value.get("task_id")),
                    file=self.file,
                    sheet=TASKS_SHEET,
                    cell=address,
                )
            )
        return tasks

    def targets(self, rows) -> list[Target]:
        targets = []
        for _, cells in rows:
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
                )
            )
        return targets


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value))


def _int(value: object) -> int | None:
    text = _text(value)
    return int(text) if text.isdigit() else None


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
