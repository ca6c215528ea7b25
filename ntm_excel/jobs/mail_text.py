"""What every mail the office sends is made of: the dates, the subject line, the greeting, the
HTML page and table, and `clip`, which cuts a value from a workbook to `MAX_TEXT` characters
with a visible note (a cell of megabytes must not make a message of megabytes).

Every value that comes from a submission, the plan or the contact book is HTML-escaped in the
HTML part and written as plain text in the text part: it is data, never markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from html import escape

from ntm_excel.check.tasks import criterion_text
from ntm_excel.jobs.mail import Mail
from ntm_excel.model import Consolidation, Task, TaskStatus
from ntm_excel.reference.contacts import Contact, is_body
from ntm_excel.text import fold, thousands

MAX_TEXT = 1000  # characters of one value from a workbook shown in a mail


FOOTER = "Thư này do hệ thống ntm-excel gửi tự động; xin đừng trả lời thư này."


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """`text` from a workbook as a mail shows it: at most `limit` characters, and when cut a
    note saying how much was left out and where the whole text is."""
    if len(text) <= limit:
        return text
    left_out = thousands(len(text) - limit)
    return f"{text[:limit]}… [đã cắt bớt {left_out} ký tự; xem đầy đủ trong biểu gốc]"


def vn_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def week_period(day: date) -> str:
    """The ledger's period of a weekly job: ISO week, e.g. "2021-W12"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"tuần {week}/{year}"


_DISTRICT_KINDS = ("Huyện ", "Thị xã ", "Thành phố ", "Quận ")


def area(consolidation: Consolidation) -> tuple[str, str]:
    """The area the consolidation covers, as (kind, name): ("huyện", "Cẩm Xuyên") for one
    district's registry, ("tỉnh", "Hà Tĩnh") for a province's, ("", "") for the country."""
    units = [r.unit for r in consolidation.units]
    districts = {u.district for u in units if u.district}
    if consolidation.district or len(districts) == 1:
        full = consolidation.district.unit.name if consolidation.district else districts.pop()
        for prefix in _DISTRICT_KINDS:
            if full.startswith(prefix):
                return prefix.strip().lower(), full[len(prefix) :]
        return "", full
    provinces = {u.province for u in units if u.province}
    return ("tỉnh", provinces.pop()) if len(provinces) == 1 else ("", "")


def office_name(consolidation: Consolidation) -> str:
    """ "Văn phòng điều phối NTM huyện Cẩm Xuyên" (or of the province, or the country's)."""
    kind, name = area(consolidation)
    if not name:
        return "Văn phòng Điều phối nông thôn mới Trung ương"
    return f"Văn phòng điều phối NTM {kind} {name}".replace("  ", " ")


def subject_prefix(consolidation: Consolidation) -> str:
    name = area(consolidation)[1]
    return f"[NTM {name}]" if name else "[NTM]"


def due_phrase(status: TaskStatus, as_of: date) -> str:
    """ "quá hạn N ngày", "đến hạn hôm nay" or "còn N ngày"."""
    delta = (status.task.due - as_of).days if status.task.due else None
    if delta is None:
        delta = -status.days_late if status.days_late else (status.days_left or 0)
    if delta < 0:
        return f"quá hạn {-delta} ngày"
    return "đến hạn hôm nay" if delta == 0 else f"còn {delta} ngày"


def month_period(day: date) -> str:
    """The ledger's period of a monthly job: "2021-03"."""
    return f"{day:%Y-%m}"


def criterion_label(consolidation: Consolidation, task: Task) -> str:
    """ "Tiêu chí 2 – Giao thông". The plan's tasks count the district's criteria (the
    district report's names), the communes' tasks the communes' criteria; a task without a
    number is labelled by the topic or section the plan gives it."""
    number = task.criterion_no
    if number is None:
        return criterion_text(task, {}) if task.source == "plan" else task.section or "Chung"
    if task.source == "plan":
        district = consolidation.district
        names = {c.criterion_no: c.name for c in (district.criteria if district else [])}
        name = names.get(number)
        return f"Tiêu chí huyện {number} – {clip(name)}" if name else f"Tiêu chí huyện {number}"
    name = consolidation.criteria_names.get(number)
    return f"Tiêu chí {number} – {clip(name)}" if name else f"Tiêu chí {number}"


def unit_names(consolidation: Consolidation) -> dict[str, str]:
    names = {r.unit.code: clip(r.unit.name) for r in consolidation.units}
    if consolidation.district:
        names[consolidation.district.unit.code] = clip(consolidation.district.unit.name)
    return names


@dataclass
class Outgoing:
    """The messages of one job, and whom they could not reach."""

    mails: list[Mail]
    unmatched: list[str] = field(default_factory=list)
    no_email: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def recipient_key(contact: Contact) -> str:
    return contact.email.strip().lower() or "?" + fold(contact.name)


def addressed_to_body(contact: Contact) -> bool:
    """An office, committee, organisation or commune rather than a person."""
    return is_body(contact.name)


def greeting(contact: Contact, *sharing: Contact) -> str:
    """«Kính gửi đồng chí …,»; people who share one address are each greeted in its mail."""

    def named(each: Contact) -> str:
        if addressed_to_body(each):
            return clip(each.name)
        title = f" – {clip(each.title)}" if each.title else ""
        return f"đồng chí {clip(each.name)}{title}"

    return f"Kính gửi {'; '.join(named(each) for each in (contact, *sharing))},"


def html_page(blocks: Iterable[str]) -> str:
    body = "\n".join(blocks)
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"></head>\n'
        '<body style="font-family: Arial, sans-serif; font-size: 14px">\n'
        f"{body}\n</body></html>\n"
    )


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def html_table(headers: list[str], rows: list[list[str]], *, highlight: int | None = None) -> str:
    cell = 'style="border: 1px solid #999; padding: 3px 6px; vertical-align: top"'
    head = "".join(f"<th {cell}>{escape(h)}</th>" for h in headers)
    lines = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            text = escape(value)
            if index == highlight:
                text = f"<b>{text}</b>"
            cells.append(f"<td {cell}>{text}</td>")
        lines.append(f"<tr>{''.join(cells)}</tr>")
    return (
        '<table style="border-collapse: collapse">'
        f'<tr style="background: #eee">{head}</tr>{"".join(lines)}</table>'
    )
