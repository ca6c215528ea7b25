"""Reporting periods: which period a report belongs to, and when each period's report is due.

Periods are monthly (the default), quarterly, or the office's own list ([periods] in the
configuration). A period's report is due on `due_day` of the period's last month (0: its last
day); the configured `reporting_deadline` is the due date of the period it falls in. A report
belongs to the period of the day it counts as submitted: the date it is signed, else the day
it arrived (Vietnam time), and it is on time when that day is not after the period's due date.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ntm_excel.config import VIETNAM_TIME, Config, PeriodSettings
from ntm_excel.errors import ConfigError

KINDS = ("monthly", "quarterly", "custom")
ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class Period:
    key: str  # "2021-03", "2021-Q1", or a custom period's name
    label: str  # as people read it: "Tháng 3/2021", "Quý I/2021"
    start: date
    end: date
    due: date

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def submitted_on(report_date: date | None, received: datetime) -> date:
    """The day a report counts as submitted: its signed date, else its arrival in Vietnam."""
    return report_date or received.astimezone(VIETNAM_TIME).date()


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


class Calendar:
    """The office's reporting periods."""

    def __init__(
        self,
        kind: str = "monthly",
        *,
        due_day: int = 0,
        custom: Sequence[Period] = (),
        deadline: date | None = None,
        start: date | None = None,
    ) -> None:
        self.kind = kind
        self.due_day = due_day
        self.custom = sorted(custom, key=lambda p: p.start)
        self.deadline = deadline
        self.start = start

    def describe(self) -> str:
        """The rule in Vietnamese, for the notes of what shows the periods."""
        if self.kind == "custom":
            return "kỳ báo cáo theo danh sách của văn phòng"
        if self.kind == "monthly":
            due = f"ngày {self.due_day} hằng tháng" if self.due_day else "ngày cuối tháng"
            return f"báo cáo hằng tháng, hạn nộp {due}"
        due = f"ngày {self.due_day} tháng cuối quý" if self.due_day else "ngày cuối quý"
        return f"báo cáo hằng quý, hạn nộp {due}"

    def _due(self, start: date, end: date) -> date:
        if self.deadline and start <= self.deadline <= end:
            return self.deadline
        if not self.due_day:
            return end
        return end.replace(day=min(self.due_day, end.day))

    def of(self, day: date) -> Period | None:
        """The period holding `day` (None for a custom calendar that does not cover it)."""
        if self.kind == "custom":
            return next((p for p in self.custom if day in p), None)
        if self.kind == "quarterly":
            quarter = (day.month - 1) // 3
            start = date(day.year, 3 * quarter + 1, 1)
            end = _last_day(day.year, 3 * quarter + 3)
            key, label = f"{day.year}-Q{quarter + 1}", f"Quý {ROMAN[quarter]}/{day.year}"
        else:
            start, end = day.replace(day=1), _last_day(day.year, day.month)
            key, label = f"{day:%Y-%m}", f"Tháng {day.month}/{day.year}"
        return Period(key, label, start, end, self._due(start, end))

    def span(self, first: date, last: date) -> list[Period]:
        """The periods from the one holding `first` to the one holding `last`."""
        if self.kind == "custom":
            return [p for p in self.custom if p.end >= first and p.start <= last]
        periods = []
        while first <= last:
            periods.append(self.of(first))
            first = periods[-1].end + timedelta(days=1)
        return periods


def _custom(entries: Sequence[Mapping], file) -> list[Period]:
    periods = []
    for number, entry in enumerate(entries, 1):
        where = f"Tệp cấu hình {file}, mục [periods], kỳ thứ {number} trong «custom»"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where}: phải có dạng {{ name = …, start = …, end = …, due = … }}")
        unknown = set(entry) - {"name", "start", "end", "due"}
        if unknown:
            raise ConfigError(
                f"{where}: không có khóa «{sorted(unknown)[0]}» (name, start, end, due)"
            )
        start, end = entry.get("start"), entry.get("end")
        due = entry.get("due", end)
        if not all(isinstance(d, date) and not isinstance(d, datetime) for d in (start, end, due)):
            raise ConfigError(f"{where}: start, end, due phải là ngày dạng 2021-03-31")
        if end < start or not start <= due:
            raise ConfigError(f"{where}: cần start ≤ end và hạn nộp (due) không trước start")
        name = str(entry.get("name") or f"{start:%d/%m/%Y}–{end:%d/%m/%Y}")
        periods.append(Period(name, name, start, end, due))
    periods.sort(key=lambda p: p.start)
    for before, after in zip(periods, periods[1:], strict=False):
        if after.start <= before.end:
            raise ConfigError(
                f"Tệp cấu hình {file}, mục [periods]: kỳ «{before.label}» và «{after.label}» "
                "chồng lên nhau"
            )
    if len({p.key for p in periods}) != len(periods):
        raise ConfigError(f"Tệp cấu hình {file}, mục [periods]: hai kỳ trùng tên")
    return periods


def calendar_from(settings: PeriodSettings, *, deadline: date | None = None, file=None) -> Calendar:
    """The calendar of the [periods] settings; `deadline` is the configured reporting
    deadline (the due date of its period)."""
    if settings.kind not in KINDS:
        raise ConfigError(
            f"Tệp cấu hình {file}, mục [periods], khóa «kind»: «{settings.kind}» không hợp lệ "
            f"(chọn: {', '.join(KINDS)})"
        )
    if not 0 <= settings.due_day <= 31:
        raise ConfigError(f"Tệp cấu hình {file}, mục [periods], khóa «due_day»: từ 0 đến 31")
    custom = _custom(settings.custom, file) if settings.kind == "custom" else []
    if settings.kind == "custom" and not custom:
        raise ConfigError(
            f"Tệp cấu hình {file}, mục [periods]: kind = «custom» cần danh sách «custom»"
        )
    return Calendar(
        settings.kind,
        due_day=settings.due_day,
        custom=custom,
        deadline=deadline,
        start=settings.start,
    )


def config_calendar(config: Config) -> Calendar:
    return calendar_from(config.periods, deadline=config.reporting_deadline, file=config.path)
