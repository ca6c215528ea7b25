"""Recurring duties ("hàng tuần", "hàng tháng", "hàng quý", "định kỳ 2 tuần") and their
occurrences.

A duty written "hàng tuần / hàng tháng / hàng quý / hàng năm" recurs in calendar periods (ISO
weeks Monday–Sunday, calendar months, quarters, years); "định kỳ N ngày / tuần / tháng / quý"
(also "N tuần một lần", "mỗi N ngày") recurs every N units counted from the duty's start date.
Each period is one occurrence, due on the period's last day. "Định kỳ" without an interval
raises `RecurrenceError` with `unset`: the plan leaves the interval to the office.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from ntm_excel.errors import RecurrenceError
from ntm_excel.text import fold, nfc

DAY, WEEK, MONTH = "day", "week", "month"
_UNITS = {"ngay": (DAY, 1), "tuan": (WEEK, 1), "thang": (MONTH, 1), "quy": (MONTH, 3)}
_UNITS["nam"] = (MONTH, 12)
_ROMAN = ("I", "II", "III", "IV")
_CALENDAR = re.compile(r"^(?:dinh ky )?(?:hang|moi) (ngay|tuan|thang|quy|nam)$")
_EVERY = re.compile(r"^(?:dinh ky |moi )?(\d{1,3}) (ngay|tuan|thang|quy|nam)(?: (?:mot|1) lan)?$")
_LIMIT = 1000  # occurrences listed at most (a daily duty over three years)


@dataclass(frozen=True)
class Recurrence:
    """How often a duty recurs: every `every` `unit`s, in calendar periods or from its start."""

    text: str  # as written, e.g. "hàng tuần"
    unit: str  # DAY, WEEK or MONTH
    every: int
    calendar: bool  # periods aligned on calendar weeks, months, quarters, years


@dataclass(frozen=True)
class Occurrence:
    """One period of a recurring duty."""

    label: str  # "tuần 12/2021", "tháng 3/2021", "quý I/2021", "lần 3 (01/03–14/03/2021)"
    first: date
    last: date  # the due date


def parse_recurrence(value: object) -> Recurrence | None:
    """The recurrence a cell states, None when blank; RecurrenceError when it cannot be read."""
    text = nfc(str(value)).strip() if value is not None else ""
    if not text:
        return None
    key = " ".join(fold(text).replace(",", " ").split())
    if match := _CALENDAR.match(key):
        unit, every = _UNITS[match[1]]
        return Recurrence(text, unit, every, calendar=True)
    if match := _EVERY.match(key):
        count = int(match[1])
        if count < 1:
            raise RecurrenceError(text, "chu kỳ phải từ 1 trở lên")
        unit, every = _UNITS[match[2]]
        return Recurrence(text, unit, every * count, calendar=False)
    if key in ("dinh ky", "thuong xuyen"):
        raise RecurrenceError(
            text,
            "kế hoạch không ghi chu kỳ; hãy ghi ví dụ «định kỳ 1 tháng» hoặc «hàng tuần»",
            unset=True,
        )
    raise RecurrenceError(
        text, "ghi «hàng tuần», «hàng tháng», «hàng quý» hoặc «định kỳ N ngày/tuần/tháng»"
    )


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _step(recurrence: Recurrence, anchor: date, index: int) -> date:
    """The first day of period number `index` counted from `anchor`."""
    if recurrence.unit == MONTH:
        return _add_months(anchor, recurrence.every * index)
    days = recurrence.every * (7 if recurrence.unit == WEEK else 1)
    return anchor + timedelta(days=days * index)


def _anchor(recurrence: Recurrence, start: date) -> date:
    """Where the periods start: the calendar period holding `start`, or `start` itself."""
    if not recurrence.calendar:
        return start
    if recurrence.unit == WEEK:
        return start - timedelta(days=start.weekday())
    if recurrence.unit == MONTH:
        month = start.month - (start.month - 1) % recurrence.every
        return date(start.year, month, 1)
    return start


def _label(recurrence: Recurrence, first: date, last: date, number: int) -> str:
    if recurrence.calendar and recurrence.unit == WEEK and recurrence.every == 1:
        year, week, _ = first.isocalendar()
        return f"tuần {week}/{year}"
    if recurrence.calendar and recurrence.unit == MONTH:
        if recurrence.every == 1:
            return f"tháng {first.month}/{first.year}"
        if recurrence.every == 3:
            return f"quý {_ROMAN[(first.month - 1) // 3]}/{first.year}"
        if recurrence.every == 12:
            return f"năm {first.year}"
    if recurrence.unit == DAY and recurrence.every == 1:
        return f"ngày {first:%d/%m/%Y}"
    return f"lần {number} ({first:%d/%m}–{last:%d/%m/%Y})"


def occurrences(recurrence: Recurrence, start: date, end: date, until: date) -> list[Occurrence]:
    """The occurrences from the one holding `start` to the one holding `until` (inclusive),
    none beginning after `end` (the duty's last day)."""
    anchor = _anchor(recurrence, start)
    found = []
    for index in range(_LIMIT):
        first = _step(recurrence, anchor, index)
        if first > min(end, until):
            break
        last = _step(recurrence, anchor, index + 1) - timedelta(days=1)
        found.append(Occurrence(_label(recurrence, first, last, index + 1), first, last))
    return found


def occurrence_of(recurrence: Recurrence, start: date, day: date) -> Occurrence | None:
    """The occurrence whose period holds `day`, None before `start`'s period."""
    if day < _anchor(recurrence, start):
        return None
    found = occurrences(recurrence, start, day, day)
    return found[-1] if found and found[-1].first <= day <= found[-1].last else None
