"""The records every stage passes on: statuses, units, submissions, tasks and results.

Everything here is plain, picklable data so that reading can run in worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Status(StrEnum):
    """Whether an indicator or criterion is met."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


STATUS_LABELS = {Status.MET: "Đạt", Status.NOT_MET: "Chưa đạt", Status.UNKNOWN: "Chưa rõ"}


class TaskState(StrEnum):
    """Where a task stands on a given date."""

    DONE = "done"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"
    NO_DUE_DATE = "no_due_date"


TASK_STATE_LABELS = {
    TaskState.DONE: "Đã hoàn thành",
    TaskState.OVERDUE: "Quá hạn",
    TaskState.DUE_SOON: "Sắp đến hạn",
    TaskState.ON_TRACK: "Đang thực hiện",
    TaskState.NO_DUE_DATE: "Chưa có hạn",
}


# The three tiers of Vietnam's administration and the kinds of unit in each (2021).
COMMUNE, DISTRICT, PROVINCE = "commune", "district", "province"
COMMUNE_KINDS = ("xã", "thị trấn", "phường")
DISTRICT_KINDS = ("huyện", "thị xã", "thành phố", "quận")
PROVINCE_KINDS = ("tỉnh", "thành phố trung ương")


@dataclass(frozen=True, slots=True)
class Unit:
    """One reporting unit of the registry: a commune or town, a district, or a province."""

    code: str  # GSO code as text: "18694" (commune, 5 digits), "446" (district), "42" (province)
    name: str  # official name, e.g. "Xã Cẩm Thành"
    kind: str  # one of COMMUNE_KINDS, DISTRICT_KINDS or PROVINCE_KINDS, e.g. "xã", "huyện"
    district: str  # "Huyện Cẩm Xuyên"
    province: str  # "Hà Tĩnh" (without "Tỉnh")
    region: str  # "Bắc Trung Bộ"; selects the regional thresholds
    target_level: str = ""  # "đạt chuẩn", "nâng cao", "kiểu mẫu" or "" when not assessed
    expected: bool = True  # whether the unit must submit a self-assessment
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    supervisors: tuple[str, ...] = ()  # officials who answer for this unit

    @property
    def tier(self) -> str:
        """COMMUNE, DISTRICT or PROVINCE, from the kind (a plain "thành phố" is a district)."""
        if self.kind in PROVINCE_KINDS:
            return PROVINCE
        return COMMUNE if self.kind in COMMUNE_KINDS else DISTRICT


@dataclass(frozen=True, slots=True)
class IndicatorEntry:
    """One indicator row as read from a submission."""

    code: str  # catalogue form, e.g. "1.1" or "5"
    criterion_no: int
    text: str  # the indicator's wording as written (NFC)
    raw: str  # the value cell as typed, as text ("" when blank)
    value: float | str | None  # number (percentages on the 0–100 scale), text, or None
    self_assessment: Status
    assessment_raw: str
    sheet: str
    value_cell: str  # A1 address of the value cell
    assessment_cell: str  # A1 address of the self-assessment cell


@dataclass(frozen=True, slots=True)
class CriterionEntry:
    """A criterion row's own self-assessment (e.g. "Tiêu chí số 2 … Đạt")."""

    criterion_no: int
    self_assessment: Status
    sheet: str
    cell: str


@dataclass(frozen=True, slots=True)
class Task:
    """A task with a deadline, from the district plan or a commune's roadmap."""

    source: str  # "plan" or "unit"
    unit_code: str  # unit the task belongs to ("" for district-wide plan tasks)
    criterion_no: int | None
    text: str
    deadline_text: str  # the deadline phrase as written
    due: date | None
    owners: tuple[str, ...]  # who carries it out: officials (titles stripped) or bodies
    directors: tuple[str, ...] = ()  # officials who direct it (plan)
    milestone: str = ""  # "" or e.g. "khởi công" / "hoàn thành" for two-step tasks
    section: str = ""
    criterion: str = ""  # the criterion (or topic) as the plan names it, number or not
    lead: tuple[str, ...] = ()  # the body that leads it ("chủ trì")
    partners: tuple[str, ...] = ()  # bodies that cooperate ("phối hợp")
    recurrence: str = ""  # "hàng tuần", "hàng tháng", "định kỳ 2 tuần" … ("" = once)
    occurrence: str = ""  # the period of one occurrence of a recurring duty: "tuần 12/2021"
    communes: str = ""  # which communes carry it out, as written: "Tất cả", "Nâng cao; Kiểu mẫu"
    units: tuple[str, ...] = ()  # the codes of those communes, once resolved with the registry
    note: str = ""  # the plan's own note («Ghi chú»)
    done: bool = False
    completed: date | None = None
    status_text: str = ""
    budget: float | None = None  # million đồng
    funding: str = ""
    task_id: str = ""
    file: str = ""
    sheet: str = ""
    cell: str = ""


@dataclass(frozen=True, slots=True)
class ColumnReading:
    """How one column of the self-assessment table was understood."""

    column: str  # letter, "E"
    heading: str  # as written (a two-row heading joined: "Kết quả thực hiện 2021")
    role: str  # what the reader took it for, in Vietnamese ("" when not used)
    evidence: str  # why, in Vietnamese: the vocabulary row matched, or what the cells hold


@dataclass(frozen=True, slots=True)
class RowReading:
    """How one row under the heading was understood."""

    row: int  # 1-based, as Excel shows it
    code: str  # the indicator it was read as ("" when none)
    how: str  # in Vietnamese: "mã «1.1»", "nội dung (giống 92%)", "bỏ qua: dòng ghi chú" …
    text: str = ""  # the row's wording, shortened


@dataclass(frozen=True, slots=True)
class ReadingReport:
    """How a file was understood: a clerk must be able to see it (`validate --explain`, the
    «Cách đọc biểu» sheet of the feedback)."""

    sheet: str = ""
    header_rows: str = ""  # "8" or "8–9"
    columns: tuple[ColumnReading, ...] = ()
    rows: tuple[RowReading, ...] = ()
    notes: tuple[str, ...] = ()  # the file as a whole: sheets, units, choices made


@dataclass(frozen=True, slots=True)
class Submission:
    """Everything read from one workbook, before validation."""

    path: str
    file_name: str
    sha256: str
    size: int
    modified: datetime  # the file's time, as a clock in Vietnam shows it (no time zone)
    unit_code: str | None  # None when the unit could not be identified
    unit_text: str  # the unit as written in the file (title block, code cell or file name)
    indicators: tuple[IndicatorEntry, ...] = ()
    criteria: tuple[CriterionEntry, ...] = ()
    tasks: tuple[Task, ...] = ()
    reported_total: tuple[int, int] | None = None  # "Tổng số tiêu chí đạt: 17/20"
    total_cell: str = ""  # A1 address of that totals line's figure
    sheet: str = ""  # the self-assessment sheet's name
    encoding: str = ""  # legacy encoding converted from ("TCVN3", "VNI") or ""
    report_date: date | None = None  # the date the report is signed: "…, ngày 10 tháng 3 năm 2021"
    reading: ReadingReport | None = None  # how the file was understood
    level: str = ""  # "nâng cao" / "kiểu mẫu" when the title names that set, else ""

    @property
    def received(self) -> date:
        """The day the report counts as submitted: its signed date, else the file's time."""
        return self.report_date or self.modified.date()


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """One indicator of one unit after validation."""

    unit_code: str
    indicator_code: str
    criterion_no: int
    threshold: str
    value: float | str | None
    raw: str
    self_assessment: Status
    computed_status: Status
    status: Status
    file: str = ""
    sheet: str = ""
    cell: str = ""
    # a part of a catalogue indicator «N.x» (not itemised): that code ("17.x"); "" otherwise
    part_of: str = ""


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion of one unit: met when all its indicators are."""

    unit_code: str
    criterion_no: int
    name: str
    status: Status


@dataclass(frozen=True)
class LevelResult:
    """A commune aiming at "nâng cao" or "kiểu mẫu", judged against that level's set."""

    level: str
    set_id: str = ""  # "" when the catalogue holds no set for the level (and province)
    unverified: int = 0  # indicators of the set without a usable threshold
    submission: Submission | None = None  # the self-assessment against the level's set
    indicators: tuple[IndicatorResult, ...] = ()
    criteria: tuple[CriterionResult, ...] = ()
    errors: int = 0


@dataclass
class UnitReport:
    """A unit of the registry with what it submitted and how it stands."""

    unit: Unit
    submission: Submission | None = None
    indicators: list[IndicatorResult] = field(default_factory=list)
    criteria: list[CriterionResult] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    on_time: bool | None = None  # None when not submitted or no deadline set
    level: LevelResult | None = None  # for units aiming at "nâng cao" or "kiểu mẫu"

    @property
    def submitted(self) -> bool:
        return self.submission is not None

    @property
    def criteria_met(self) -> int:
        return sum(1 for c in self.criteria if c.status is Status.MET)


@dataclass(frozen=True, slots=True)
class TaskStatus:
    """A task with its state on the reporting date."""

    task: Task
    state: TaskState
    days_late: int = 0  # > 0 only when overdue
    days_left: int | None = None  # days until due (0 = today) when not done


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
    cell: str = ""  # the row's first cell in the plan's «Chỉ tiêu» sheet


@dataclass
class Consolidation:
    """The whole picture on one date: every unit, task and issue."""

    as_of: date
    catalog_set: str
    units: list[UnitReport]
    tasks: list[TaskStatus]
    issues: list  # list[ntm_excel.issues.Issue]
    criteria_names: dict[int, str] = field(default_factory=dict)  # criterion no → name
    district: UnitReport | None = None  # the district's own criteria, when its workbook is given
    # a province's or the country's consolidation: every assessed district's own criteria
    # (not submitted ones included), in registry order; `district` is then None
    districts: list[UnitReport] = field(default_factory=list)
    created: datetime | None = None
    history: object | None = None  # ntm_excel.check.progress.HistoryView, when recorded
    targets: tuple[Target, ...] = ()  # the plan's targets
    registry: tuple[Unit, ...] = ()  # every unit of the registry, submitting or not
