"""The mail the office sends, built from a Consolidation: each official's, body's and
commune's daily digest, the steering committee's weekly summary, the reminders to units and
each cluster leader's (or assigned official's) monthly review of exactly their communes.

Every value that comes from a submission, the plan or the contact book is HTML-escaped in
the HTML part and written as plain text in the text part: it is data, never markup. Each such
value is cut to `MAX_TEXT` characters with a visible note (`clip`): a cell of megabytes must
not make a message of megabytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from html import escape
from pathlib import Path

from ntm_excel.check.figures import CommuneState, Figures, Headline, TargetProgress
from ntm_excel.check.progress import UnitChange
from ntm_excel.check.tasks import criterion_text, units_text
from ntm_excel.issues import Severity
from ntm_excel.jobs.mail import Attachment, Mail, make_key
from ntm_excel.model import Consolidation, Task, TaskState, TaskStatus, Unit, UnitReport
from ntm_excel.reference.contacts import ALL_COMMUNES, Contact, Contacts, is_body, unit_keys
from ntm_excel.text import fold

DAILY_DIGEST = "daily-digest"
WEEKLY_SUMMARY = "weekly-summary"
UNIT_REMINDERS = "unit-reminders"
MONTHLY_REVIEW = "monthly-review"
ROLES = (("chủ trì", "lead"), ("phối hợp", "partners"), ("chỉ đạo", "directors"))
ROLES += (("thực hiện", "owners"),)
MAX_ISSUES_LISTED = 15
MAX_TEXT = 1000  # characters of one value from a workbook shown in a mail
FOOTER = "Thư này do hệ thống ntm-excel gửi tự động; xin đừng trả lời thư này."


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """`text` from a workbook as a mail shows it: at most `limit` characters, and when cut a
    note saying how much was left out and where the whole text is."""
    if len(text) <= limit:
        return text
    left_out = f"{len(text) - limit:,}".replace(",", ".")
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


def district_name(consolidation: Consolidation) -> str:
    """ "Cẩm Xuyên" from "Huyện Cẩm Xuyên" (the district's report or any unit's district)."""
    if consolidation.district:
        full = consolidation.district.unit.name
    else:
        full = next((r.unit.district for r in consolidation.units if r.unit.district), "")
    for prefix in ("Huyện ", "Thị xã ", "Thành phố "):
        if full.startswith(prefix):
            return full[len(prefix) :]
    return full


def subject_prefix(consolidation: Consolidation) -> str:
    name = district_name(consolidation)
    return f"[NTM {name}]" if name else "[NTM]"


def due_phrase(status: TaskStatus, as_of: date) -> str:
    """ "quá hạn N ngày", "đến hạn hôm nay" or "còn N ngày"."""
    delta = (status.task.due - as_of).days if status.task.due else None
    if delta is None:
        delta = -status.days_late if status.days_late else (status.days_left or 0)
    if delta < 0:
        return f"quá hạn {-delta} ngày"
    return "đến hạn hôm nay" if delta == 0 else f"còn {delta} ngày"


def _is_late(status: TaskStatus, as_of: date) -> bool:
    if status.task.due:
        return status.task.due < as_of
    return status.days_late > 0


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


def _unit_names(consolidation: Consolidation) -> dict[str, str]:
    names = {r.unit.code: clip(r.unit.name) for r in consolidation.units}
    if consolidation.district:
        names[consolidation.district.unit.code] = clip(consolidation.district.unit.name)
    return names


@dataclass(frozen=True)
class TaskLine:
    status: TaskStatus
    criterion: str
    unit: str
    when: str  # "quá hạn 3 ngày" / "đến hạn hôm nay" / "còn 5 ngày"
    role: str  # "chủ trì", "phối hợp", "chỉ đạo", "thực hiện", or several
    missed: tuple[str, ...] = ()  # the missed occurrences one line stands for

    @property
    def text(self) -> str:
        task = self.status.task
        if self.missed:
            first, last, count = self.missed[0], self.missed[-1], len(self.missed)
            return f"{clip(task.text)} ({first} … {last}: lỡ {count} lần)"
        if task.occurrence:
            return f"{clip(task.text)} ({task.occurrence})"
        return clip(f"{task.text} ({task.milestone})" if task.milestone else task.text)

    @property
    def due(self) -> str:
        task = self.status.task
        return vn_date(task.due) if task.due else clip(task.deadline_text)


def _merge_missed(lines: list[TaskLine]) -> list[TaskLine]:
    """One line for the missed occurrences of each recurring duty (the earliest kept as its
    due date): a weekly meeting missed nine times is one line saying so, not nine."""
    merged: list[TaskLine] = []
    by_duty: dict[tuple[str, str, str], int] = {}
    for line in lines:
        task = line.status.task
        key = (task.task_id, task.milestone, task.text)
        if not task.occurrence or key not in by_duty:
            if task.occurrence:
                by_duty[key] = len(merged)
            merged.append(line)
            continue
        first = merged[by_duty[key]]
        labels = first.missed or (first.status.task.occurrence,)
        missed = (*labels, task.occurrence)
        merged[by_duty[key]] = replace(first, missed=missed)
    return merged


@dataclass(frozen=True)
class UnitLine:
    report: UnitReport
    problem: str  # "chưa nộp biểu tự đánh giá (…)" or "biểu tự đánh giá có 3 lỗi"


@dataclass
class OfficialDigest:
    """What one official is told: their late and coming tasks, their units to follow up."""

    contact: Contact
    overdue: list[TaskLine] = field(default_factory=list)
    due_soon: list[TaskLine] = field(default_factory=list)
    units: list[UnitLine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.due_soon or self.units)


@dataclass
class DailyDigests:
    digests: list[OfficialDigest]
    unmatched: list[str]  # names with something to report, not found in the contact book
    no_email: list[str]  # contacts with something to report but no e-mail address


@dataclass
class Outgoing:
    """The messages of one job, and whom they could not reach."""

    mails: list[Mail]
    unmatched: list[str] = field(default_factory=list)
    no_email: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def unit_problem(report: UnitReport, as_of: date, deadline: date | None) -> str:
    """Why a unit needs following up, or "" when it does not."""
    if not report.unit.expected:
        return ""
    if not report.submitted:
        if deadline and as_of > deadline:
            late = (as_of - deadline).days
            return f"chưa nộp biểu tự đánh giá (hạn nộp {vn_date(deadline)}, đã quá {late} ngày)"
        if deadline:
            return f"chưa nộp biểu tự đánh giá (hạn nộp {vn_date(deadline)})"
        return "chưa nộp biểu tự đánh giá"
    if report.errors:
        warnings = f", {report.warnings} cảnh báo" if report.warnings else ""
        return f"biểu tự đánh giá có {report.errors} lỗi{warnings} cần sửa"
    return ""


def build_daily_digests(
    consolidation: Consolidation, contacts: Contacts, *, deadline: date | None = None
) -> DailyDigests:
    """One digest per addressee who has something overdue, due soon or a unit to follow up:
    the officials and bodies a task names (a group's members), every commune a commune task
    concerns (through «Liên hệ xã»), the officials following a unit."""
    as_of = consolidation.as_of
    units = {u.code: u for u in consolidation.registry}
    units |= {r.unit.code: r.unit for r in consolidation.units}
    unit_names = {code: unit.name for code, unit in units.items()}
    digests: dict[str, OfficialDigest] = {}  # by address (people sharing one get one mail)
    unmatched: dict[str, None] = {}
    nobody: dict[str, None] = {}  # groups that reach no one (no cluster written yet …)

    def addressees(name: str, task: Task) -> tuple[Contact, ...]:
        reach = contacts.reach(name, [units[c] for c in task.units if c in units])
        if not reach.known:
            # the contact book holds the plan's officials: a commune's own staff named in
            # its roadmap are not expected there, so they are not reported as missing
            if task.source == "plan":
                unmatched.setdefault(name)
        elif not reach.contacts:
            nobody.setdefault(name)
        return reach.contacts

    for status in consolidation.tasks:
        if status.task.done or status.state not in (TaskState.OVERDUE, TaskState.DUE_SOON):
            continue
        roles: dict[str, tuple[OfficialDigest, list[str]]] = {}
        for role, attribute in ROLES:
            for name in getattr(status.task, attribute):
                for contact in addressees(name, status.task):
                    key = _recipient(contact)
                    digest = digests.setdefault(key, OfficialDigest(contact))
                    entry = roles.setdefault(key, (digest, []))
                    if role not in entry[1]:
                        entry[1].append(role)
        for digest, role_list in roles.values():
            line = TaskLine(
                status=status,
                criterion=criterion_label(consolidation, status.task),
                unit=_task_unit(status.task, unit_names),
                when=due_phrase(status, as_of),
                role=", ".join(role_list),
            )
            (digest.overdue if _is_late(status, as_of) else digest.due_soon).append(line)

    for report in consolidation.units:
        problem = unit_problem(report, as_of, deadline)
        if not problem:
            continue
        followers = {_recipient(c): c for c in contacts.contacts if _follows(c, report.unit)}
        for name in report.unit.supervisors:
            contact = contacts.match(name)
            if contact is None:
                unmatched.setdefault(name)
            else:
                followers.setdefault(_recipient(contact), contact)
        for key, contact in followers.items():
            digest = digests.setdefault(key, OfficialDigest(contact))
            digest.units.append(UnitLine(report, problem))

    def order(line: TaskLine):
        task = line.status.task
        return (task.due or date.max, task.criterion_no or 0, line.unit, task.text)

    result, no_email = [], []
    for digest in digests.values():
        if digest.empty:
            continue
        digest.overdue = _merge_missed(sorted(digest.overdue, key=order))
        digest.due_soon.sort(key=order)
        digest.units.sort(key=lambda u: u.report.unit.code)
        (result if digest.contact.email else no_email).append(digest)
    result.sort(key=lambda d: d.contact.email.lower())
    missing = [d.contact.name for d in no_email] + [n for n in nobody if n not in unmatched]
    return DailyDigests(result, list(unmatched), missing)


def _task_unit(task: Task, unit_names: Mapping[str, str]) -> str:
    if not task.unit_code and not task.units:
        return "Cấp huyện"
    return units_text(task, unit_names)


def _recipient(contact: Contact) -> str:
    return contact.email.strip().lower() or "?" + fold(contact.name)


def _follows(contact: Contact, unit: Unit) -> bool:
    keys = unit_keys(unit) | {fold(ALL_COMMUNES)}
    return any(fold(item) in keys or item.strip() in keys for item in contact.communes)


def daily_subject(consolidation: Consolidation, digest: OfficialDigest) -> str:
    parts = []
    if digest.overdue:
        parts.append(f"{len(digest.overdue)} việc quá hạn")
    if digest.due_soon:
        parts.append(f"{len(digest.due_soon)} việc sắp đến hạn")
    if digest.units:
        parts.append(f"{len(digest.units)} đơn vị cần đôn đốc")
    return (
        f"{subject_prefix(consolidation)} Nhắc việc ngày {vn_date(consolidation.as_of)}: "
        + ", ".join(parts)
    )


def _is_body(contact: Contact) -> bool:
    """An office, committee, organisation or commune rather than a person."""
    return is_body(contact.name)


def _greeting(contact: Contact) -> str:
    if _is_body(contact):
        return f"Kính gửi {clip(contact.name)},"
    title = f" – {clip(contact.title)}" if contact.title else ""
    return f"Kính gửi đồng chí {clip(contact.name)}{title},"


def _html_page(blocks: Iterable[str]) -> str:
    body = "\n".join(blocks)
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"></head>\n'
        '<body style="font-family: Arial, sans-serif; font-size: 14px">\n'
        f"{body}\n</body></html>\n"
    )


def _p(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _table(headers: list[str], rows: list[list[str]], *, highlight: int | None = None) -> str:
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


_TASK_HEADERS = ["Việc", "Tiêu chí", "Đơn vị", "Hạn", "Tình hình", "Vai trò"]


def _task_rows(lines: list[TaskLine]) -> list[list[str]]:
    return [[ln.text, ln.criterion, ln.unit, ln.due, ln.when, ln.role] for ln in lines]


def _task_text(lines: list[TaskLine]) -> list[str]:
    return [
        f"- {ln.text}\n  {ln.criterion} · {ln.unit} · hạn {ln.due} · {ln.when} · {ln.role}"
        for ln in lines
    ]


_TARGET_HEADERS = ["Chỉ tiêu", "Hạn", "Thời gian", "Tiến độ"]


def _target_rows(targets: Iterable[TargetProgress]) -> list[list[str]]:
    rows = []
    for t in targets:
        progress = t.progress + (" — " + ", ".join(t.units) if t.units else "")
        label = clip(f"{t.code}. {t.text}" if t.code else t.text)
        rows.append([label, t.deadline, t.when, clip(progress)])
    return rows


def _targets_section(targets: Sequence[TargetProgress], text: list[str], html: list[str]) -> None:
    """The plan's targets with their deadlines and progress, appended to a message."""
    if not targets:
        return
    heading = "Chỉ tiêu của kế hoạch"
    rows = _target_rows(targets)
    text += ["", heading.upper(), *(f"- {c}: hạn {d} · {w} · {p}" for c, d, w, p in rows)]
    html += [f"<h3>{escape(heading)}</h3>", _table(_TARGET_HEADERS, rows, highlight=2)]


def daily_mail(
    consolidation: Consolidation,
    digest: OfficialDigest,
    targets: Sequence[TargetProgress] = (),
) -> Mail:
    as_of = consolidation.as_of
    district = district_name(consolidation)
    you = "đơn vị" if _is_body(digest.contact) else "đồng chí"
    intro = (
        f"Văn phòng điều phối NTM huyện {district} xin báo các việc {you} phụ trách, "
        f"tính đến ngày {vn_date(as_of)}:"
    )
    sections = [
        ("Quá hạn", digest.overdue, 4),
        ("Sắp đến hạn", digest.due_soon, None),
    ]
    text = [_greeting(digest.contact), "", intro]
    html = [_p(_greeting(digest.contact)), _p(intro)]
    for title, lines, highlight in sections:
        if lines:
            heading = f"{title} ({len(lines)} việc)"
            text += ["", heading.upper(), *_task_text(lines)]
            html += [
                f"<h3>{escape(heading)}</h3>",
                _table(_TASK_HEADERS, _task_rows(lines), highlight=highlight),
            ]
    if digest.units:
        whose = "" if _is_body(digest.contact) else " đồng chí phụ trách"
        heading = f"Đơn vị{whose} cần đôn đốc ({len(digest.units)} đơn vị)"
        rows = [[clip(u.report.unit.name), u.problem] for u in digest.units]
        text += ["", heading.upper(), *(f"- {name}: {problem}" for name, problem in rows)]
        html += [f"<h3>{escape(heading)}</h3>", _table(["Đơn vị", "Tình hình"], rows)]
    _targets_section(targets, text, html)
    text += ["", FOOTER]
    html.append(f'<p style="color: #666">{escape(FOOTER)}</p>')
    return Mail(
        key=make_key(DAILY_DIGEST, digest.contact.email, as_of.isoformat()),
        to_name=clip(digest.contact.name, 200),
        subject=daily_subject(consolidation, digest),
        text="\n".join(text) + "\n",
        html=_html_page(html),
    )


def daily_mails(
    consolidation: Consolidation, contacts: Contacts, *, deadline: date | None = None
) -> Outgoing:
    built = build_daily_digests(consolidation, contacts, deadline=deadline)
    targets = Figures.of(consolidation).targets()
    return Outgoing(
        [daily_mail(consolidation, d, targets) for d in built.digests],
        built.unmatched,
        built.no_email,
    )


# --- weekly summary ------------------------------------------------------------------------


def task_key(status: TaskStatus) -> str:
    """A stable identity for a task across consolidations: the plan's code with the milestone
    and the occurrence of a recurring duty, else a digest of what the task says."""
    task = status.task
    if task.task_id:
        return "|".join(p for p in (task.task_id, task.milestone, task.occurrence) if p)
    raw = "|".join(
        [
            task.source,
            task.unit_code,
            str(task.criterion_no),
            fold(task.text),
            task.milestone,
            str(task.due),
        ]
    )
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def summary_figures(consolidation: Consolidation) -> Headline:
    """The weekly figures, counted as every other output counts them."""
    return Figures.of(consolidation).headline(task_key)


def _with_change(value: int, before: Headline | None, name: str) -> str:
    if before is None:
        return str(value)
    delta = value - getattr(before, name)
    return f"{value} (không đổi)" if delta == 0 else f"{value} ({delta:+d})"


def master_file_name(as_of: date) -> str:
    return f"Tổng hợp NTM {as_of.isoformat()}.xlsx"


def _weekly_rows(figures: Headline, before: Headline | None) -> list[list[str]]:
    submitted = _with_change(figures.units_submitted, before, "units_submitted")
    errors = _with_change(figures.errors, before, "errors")
    return [
        ["Đơn vị đã nộp báo cáo", f"{submitted} / {figures.units_expected}"],
        [
            "Đơn vị đạt đủ tất cả tiêu chí",
            _with_change(figures.communes_all_met, before, "communes_all_met"),
        ],
        [
            "Tổng số tiêu chí đạt (các đơn vị đã nộp)",
            _with_change(figures.criteria_met, before, "criteria_met"),
        ],
        ["Lỗi trong biểu tự đánh giá", f"{errors}, ở {figures.units_with_errors} đơn vị"],
        ["Việc quá hạn", _with_change(figures.overdue_tasks, before, "overdue_tasks")],
        ["Việc sắp đến hạn", str(figures.due_soon_tasks)],
    ]


def _newly_overdue(consolidation: Consolidation, before: Headline) -> list[list[str]]:
    as_of, names, known = consolidation.as_of, _unit_names(consolidation), set(before.overdue_keys)
    fresh = [
        t
        for t in consolidation.tasks
        if t.state is TaskState.OVERDUE and not t.task.done and task_key(t) not in known
    ]
    fresh.sort(key=lambda t: (t.task.due or date.max, t.task.text))
    return [
        [
            clip(t.task.text),
            criterion_label(consolidation, t.task),
            names.get(t.task.unit_code, t.task.unit_code) or "Cấp huyện",
            vn_date(t.task.due) if t.task.due else clip(t.task.deadline_text),
            due_phrase(t, as_of),
            clip(", ".join(t.task.owners)),
        ]
        for t in fresh
    ]


def weekly_mails(
    consolidation: Consolidation,
    recipients: Iterable[str],
    *,
    previous: tuple[str, Headline] | None = None,
    master: Path | None = None,
    contacts: Contacts | None = None,
    changes: Sequence[UnitChange] | None = None,
) -> tuple[list[Mail], Headline]:
    """The weekly summary, one message per steering committee member, and its figures.

    `previous` is the last stored summary (its ISO week and figures): the changes since
    then are shown; `master` is attached as «Tổng hợp NTM <date>.xlsx»; `changes` (from the
    submission history, None when there is none) are the units that sent a new version in
    the week, with what moved."""
    as_of = consolidation.as_of
    facts = Figures.of(consolidation)
    figures = facts.headline(task_key)
    before = previous[1] if previous else None
    compared = f" (thay đổi so với {week_label(_monday(previous[0]))})" if previous else ""
    intro = (
        f"Văn phòng điều phối NTM huyện {district_name(consolidation)} báo cáo tình hình "
        f"{week_label(as_of)}, số liệu đến ngày {vn_date(as_of)}{compared}:"
    )
    rows = _weekly_rows(figures, before)
    greeting = "Kính gửi các đồng chí trong Ban chỉ đạo,"
    text = [greeting, "", intro, "", *(f"- {label}: {value}" for label, value in rows)]
    html = [_p(greeting), _p(intro), _table(["Nội dung", "Số liệu"], rows)]

    def section(heading: str, headers: list[str], lines: list[list[str]]) -> None:
        text.extend(["", heading.upper(), *("- " + " · ".join(line) for line in lines)])
        html.extend([f"<h3>{escape(heading)}</h3>", _table(headers, lines)])

    def note(line: str) -> None:
        text.extend(["", line])
        html.append(_p(line))

    _targets_section(facts.targets(), text, html)
    if before is None:
        note("Chưa có số liệu tuần trước để so sánh.")
    elif fresh := _newly_overdue(consolidation, before):
        section(
            f"Việc mới quá hạn trong tuần ({len(fresh)} việc)",
            ["Việc", "Tiêu chí", "Đơn vị", "Hạn", "Tình hình", "Người thực hiện"],
            fresh,
        )
    else:
        note("Không có việc mới quá hạn trong tuần.")
    if changes:
        section(
            f"Đơn vị gửi bản nộp mới trong tuần ({len(changes)} đơn vị)",
            ["Đơn vị", "Thay đổi so với bản trước"],
            [[change.unit.name, change.summary()] for change in changes],
        )
    elif changes is not None:
        note("Không đơn vị nào gửi bản nộp mới trong tuần.")
    problems = [
        [clip(r.unit.name), p] for r in consolidation.units if (p := unit_problem(r, as_of, None))
    ]
    if problems:
        section(f"Đơn vị cần đôn đốc ({len(problems)} đơn vị)", ["Đơn vị", "Tình hình"], problems)
    attachments: tuple[Attachment, ...] = ()
    if master is not None and Path(master).is_file():
        attachments = (Attachment(Path(master), master_file_name(as_of)),)
        note(f"Bảng tổng hợp đầy đủ ở tệp đính kèm «{master_file_name(as_of)}».")
    note(FOOTER)
    subject = (
        f"{subject_prefix(consolidation)} Báo cáo {week_label(as_of)}: "
        f"{figures.units_submitted}/{figures.units_expected} đơn vị đã nộp, "
        f"{figures.communes_all_met} đơn vị đạt đủ tiêu chí, {figures.overdue_tasks} việc quá hạn"
    )
    names = {c.email.lower(): c.name for c in (contacts.contacts if contacts else ()) if c.email}
    mails = [
        Mail(
            key=make_key(WEEKLY_SUMMARY, address, week_period(as_of)),
            to_name=clip(names.get(address.lower(), ""), 200),
            subject=subject,
            text="\n".join(text) + "\n",
            html=_html_page(html),
            attachments=attachments,
        )
        for address in dict.fromkeys(a.strip() for a in recipients if a.strip())
    ]
    return mails, figures


def _monday(period: str) -> date:
    year, week = period.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


# --- unit reminders ------------------------------------------------------------------------


def reminder_mails(
    consolidation: Consolidation,
    *,
    deadline: date | None,
    feedback: Mapping[str, Path] | None = None,
) -> Outgoing:
    """Reminders to units that missed the reporting deadline or whose workbook has errors
    (with their feedback workbook attached when `feedback` has one: unit code → path).
    Units sharing one address get one message."""
    as_of = consolidation.as_of
    by_address: dict[str, list[UnitReport]] = {}
    no_email = []
    for report in consolidation.units:
        late = not report.submitted and deadline is not None and as_of > deadline
        if not report.unit.expected or not (late or (report.submitted and report.errors)):
            continue
        if report.unit.email:
            by_address.setdefault(report.unit.email.strip().lower(), []).append(report)
        else:
            no_email.append(report.unit.name)
    mails = [
        _reminder(consolidation, address, reports, deadline, feedback or {})
        for address, reports in by_address.items()
    ]
    return Outgoing(mails, [], no_email)


def _addressee(unit: Unit) -> str:
    """ "UBND xã Cẩm Bình" unless the registry names a contact."""
    return clip(unit.contact_name or f"UBND {unit.name[:1].lower()}{unit.name[1:]}", 200)


def _reminder(
    consolidation: Consolidation,
    address: str,
    reports: list[UnitReport],
    deadline: date | None,
    feedback: Mapping[str, Path],
) -> Mail:
    as_of, district = consolidation.as_of, district_name(consolidation)
    greeting = f"Kính gửi {_addressee(reports[0].unit)},"
    text, html, attachments = [greeting], [_p(greeting)], []
    for report in reports:
        unit = report.unit
        heading = f"{clip(unit.name)}: {unit_problem(report, as_of, deadline)}."
        text += ["", heading]
        html.append(f"<h3>{escape(heading)}</h3>")
        if not report.submitted:
            unreadable = [  # a file of this unit that could not be read (named after it)
                [clip(i.file), clip(i.message)]
                for i in consolidation.issues
                if i.unit_code == unit.code and i.code == "file-unreadable"
            ]
            text += [f"- {name}: {message}" for name, message in unreadable]
            if unreadable:
                html.append(_table(["Tệp đã gửi", "Lỗi"], unreadable))
            ask = (
                "Đề nghị đơn vị hoàn thành và gửi biểu tự đánh giá tiêu chí nông thôn mới "
                f"về Văn phòng điều phối NTM huyện {district} trong thời gian sớm nhất."
            )
            text.append(ask)
            html.append(_p(ask))
            continue
        issues = [
            i
            for i in consolidation.issues
            if i.unit_code == unit.code and i.severity is Severity.ERROR
        ]
        listed = [[clip(i.location), clip(i.message)] for i in issues[:MAX_ISSUES_LISTED]]
        text += [f"- {where}: {msg}" if where else f"- {msg}" for where, msg in listed]
        if listed:
            html.append(_table(["Vị trí", "Lỗi"], listed))
        if len(issues) > MAX_ISSUES_LISTED:
            more = f"… và {len(issues) - MAX_ISSUES_LISTED} lỗi khác."
            text.append(more)
            html.append(_p(more))
        path = feedback.get(unit.code)
        if path is not None and Path(path).is_file():
            attachments.append(Attachment(Path(path), Path(path).name))
            ask = (
                f"Các ô có lỗi được đánh dấu trong tệp đính kèm «{Path(path).name}». "
                "Đề nghị đơn vị sửa và gửi lại biểu."
            )
        else:
            ask = "Đề nghị đơn vị sửa các lỗi trên và gửi lại biểu."
        text.append(ask)
        html.append(_p(ask))
    text += ["", FOOTER]
    html.append(f'<p style="color: #666">{escape(FOOTER)}</p>')
    if len(reports) == 1:
        report = reports[0]
        if report.submitted:
            what = f"biểu tự đánh giá có {report.errors} lỗi cần sửa"
        else:
            what = f"chưa nộp biểu tự đánh giá (quá hạn {(as_of - deadline).days} ngày)"
        subject = f"{subject_prefix(consolidation)} {clip(report.unit.name, 200)}: {what}"
    else:
        names = clip(", ".join(r.unit.name for r in reports), 400)
        subject = f"{subject_prefix(consolidation)} Nhắc nộp, sửa biểu tự đánh giá: {names}"
    return Mail(
        key=make_key(UNIT_REMINDERS, address, as_of.isoformat()),
        to_name=_addressee(reports[0].unit),
        subject=subject,
        text="\n".join(text) + "\n",
        html=_html_page(html),
        attachments=tuple(attachments),
    )


# --- monthly review ------------------------------------------------------------------------


@dataclass
class Review:
    """What one cluster leader or assigned official is sent once a month: exactly their
    communes (the clusters they lead, their «Xã phụ trách», the registry's supervisors)."""

    contact: Contact
    clusters: list[str] = field(default_factory=list)
    units: dict[str, UnitReport] = field(default_factory=dict)  # by unit code


def build_reviews(consolidation: Consolidation, contacts: Contacts) -> tuple[list[Review], list]:
    """The reviews to send, by address; and the notes on what could not be placed (a commune
    name no unit has, a cluster without leader)."""
    reports = [r for r in consolidation.units if r.unit.expected]
    reviews: dict[str, Review] = {}
    notes: list[str] = []

    def units_named(names: Iterable[str], whose: str) -> list[UnitReport]:
        found = []
        for name in names:
            report = next(
                (r for r in reports if fold(name) in unit_keys(r.unit) or name == r.unit.code),
                None,
            )
            if report is None:
                notes.append(f"«{name}» ({whose}) không phải đơn vị nào trong danh sách")
            else:
                found.append(report)
        return found

    def review_of(contact: Contact) -> Review:
        return reviews.setdefault(_recipient(contact), Review(contact))

    for cluster in contacts.clusters:
        if not cluster.leader:
            notes.append(f"cụm «{cluster.name}» chưa ghi trưởng cụm")
            continue
        contact = contacts.match(cluster.leader) or Contact(cluster.leader, "", "", "")
        review = review_of(contact)
        review.clusters.append(cluster.name)
        for report in units_named(cluster.communes, f"cụm {cluster.name}"):
            review.units[report.unit.code] = report
    for contact in contacts.supervisors():
        named = [c for c in contact.communes if fold(c) != fold(ALL_COMMUNES)]
        for report in units_named(named, f"Xã phụ trách của {contact.name}"):
            review_of(contact).units[report.unit.code] = report
    for report in reports:
        for name in report.unit.supervisors:
            if (contact := contacts.match(name)) is not None:
                review_of(contact).units[report.unit.code] = report
    order = {r.unit.code: i for i, r in enumerate(reports)}
    result = []
    for review in reviews.values():
        review.units = dict(sorted(review.units.items(), key=lambda item: order[item[0]]))
        if review.units:
            result.append(review)
    return sorted(result, key=lambda r: fold(r.contact.name)), notes


def _month_label(period: str) -> str:
    year, month = period.split("-")
    return f"tháng {int(month)}/{year}"


def _grouped(statuses: Iterable[TaskStatus]) -> list[tuple[TaskStatus, tuple[str, ...]]]:
    """Overdue tasks with the missed occurrences of one recurring duty as one entry: (the
    earliest, the occurrences it stands for)."""
    entries: list[tuple[TaskStatus, tuple[str, ...]]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for status in sorted(statuses, key=lambda s: s.task.due or date.max):
        task = status.task
        key = (task.task_id, task.milestone, task.text)
        if task.occurrence and key in seen:
            first, labels = entries[seen[key]]
            entries[seen[key]] = (first, (*labels, task.occurrence))
            continue
        if task.occurrence:
            seen[key] = len(entries)
        entries.append((status, (task.occurrence,) if task.occurrence else ()))
    return entries


def _late_text(status: TaskStatus, missed: tuple[str, ...]) -> str:
    text = clip(status.task.text)
    if len(missed) > 1:
        return f"{text} ({missed[0]} … {missed[-1]}: lỡ {len(missed)} lần)"
    return f"{text} ({missed[0]})" if missed else text


def review_state(state: CommuneState) -> dict:
    """What the next month's review compares against (kept in the state database)."""
    report = state.report
    return {
        "criteria_met": report.criteria_met if report.submitted else None,
        "met_target": state.standing.met,
        "overdue": len(_grouped(state.overdue)),
    }


@dataclass(frozen=True)
class SinceLastMonth:
    """What a monthly review compares with: the figures last month's review kept (unit code →
    figures; None before the first review) and what the units' new versions changed since
    then (unit code → change, from the submission history; None without a history)."""

    before: Mapping[str, Mapping] | None = None
    versions: Mapping[str, UnitChange] | None = None

    def describe(self, state: CommuneState) -> str:
        """The changes since last month, in words."""
        code = state.report.unit.code
        parts = []
        change = self.versions.get(code) if self.versions is not None else None
        if change is not None:
            parts.append(change.summary())
        elif self.versions is not None:
            parts.append("không gửi bản mới")
        before = self.before.get(code) if self.before is not None else None
        if before is not None:
            now = review_state(state)
            if change is None and now["criteria_met"] != before.get("criteria_met"):
                was, is_ = before.get("criteria_met"), now["criteria_met"]
                if was is not None and is_ is not None:
                    parts.append(f"tiêu chí đạt {is_ - was:+d}")
                else:
                    parts.append("nay đã nộp" if is_ is not None else "nay chưa có báo cáo")
            if now["met_target"] and not before.get("met_target"):
                parts.append("nay đạt mục tiêu")
            elif before.get("met_target") and not now["met_target"]:
                parts.append("không còn đạt mục tiêu")
            if now["overdue"] != before.get("overdue", 0):
                parts.append(f"việc quá hạn {now['overdue'] - before.get('overdue', 0):+d}")
        elif change is None:
            return "chưa có số liệu tháng trước"
        return "; ".join(parts) or "không đổi"


def monthly_mails(
    consolidation: Consolidation,
    contacts: Contacts,
    *,
    deadline: date | None = None,
    previous: tuple[str, Mapping] | None = None,
    changes: Sequence[UnitChange] | None = None,
) -> tuple[Outgoing, dict]:
    """Each reviewer's monthly review of exactly their communes, and the state to keep for
    next month (unit code → figures). `previous` is last month's (period, state) when known;
    `changes` what the units' versions received since then changed (the submission history,
    None when there is none)."""
    as_of = consolidation.as_of
    period = month_period(as_of)
    facts = Figures.of(consolidation)
    reviews, notes = build_reviews(consolidation, contacts)
    if not contacts.clusters and not reviews:
        notes.append(
            "chưa khai báo cụm chỉ đạo (trang «Cụm chỉ đạo» của danh bạ) hay xã phụ trách của "
            "cán bộ nào: chưa có thư soát xét"
        )
    since = SinceLastMonth(
        previous[1] if previous else None,
        {c.unit.code: c for c in changes} if changes is not None else None,
    )
    compared = f" (so với {_month_label(previous[0])})" if previous else ""
    states: dict[str, dict] = {}
    mails, no_email = [], []
    for review in reviews:
        commune_states = [facts.commune_state(r, deadline) for r in review.units.values()]
        for state in commune_states:
            states[state.report.unit.code] = review_state(state)
        if not review.contact.email:
            no_email.append(review.contact.name)
            continue
        mails.append(_review_mail(consolidation, review, commune_states, since, compared, period))
    for report in consolidation.units:  # every commune, so that next month compares them all
        if report.unit.expected and report.unit.code not in states:
            states[report.unit.code] = review_state(facts.commune_state(report, deadline))
    return Outgoing(mails, [], no_email, notes), states


def _review_mail(
    consolidation: Consolidation,
    review: Review,
    commune_states: list[CommuneState],
    since: SinceLastMonth,
    compared: str,
    period: str,
) -> Mail:
    as_of = consolidation.as_of
    contact = review.contact
    clusters = f" ({', '.join(review.clusters)})" if review.clusters else ""
    intro = (
        f"Văn phòng điều phối NTM huyện {district_name(consolidation)} báo tình hình "
        f"{len(commune_states)} xã, thị trấn đồng chí phụ trách{clusters}, số liệu đến ngày "
        f"{vn_date(as_of)}, để soát xét, đánh giá kết quả {_month_label(period)}{compared}:"
    )
    rows = []
    for state in commune_states:
        unit = state.report.unit
        rows.append(
            [
                clip(unit.name),
                unit.target_level or "—",
                ("ĐẠT — " if state.standing.met else "CHƯA ĐẠT — ") + state.standing.text,
                "; ".join(state.missing) or ("—" if state.report.submitted else "chưa có số liệu"),
                str(len(_grouped(state.overdue))),
                state.submission,
                since.describe(state),
            ]
        )
    headers = [
        "Xã",
        "Mục tiêu",
        "Kết quả so với mục tiêu",
        "Tiêu chí chưa đạt",
        "Việc quá hạn",
        "Nộp báo cáo",
        "So với tháng trước",
    ]
    greeting = _greeting(contact)
    text = [greeting, "", intro]
    html = [_p(greeting), _p(intro), _table(headers, rows, highlight=2)]
    for row in rows:
        text += ["", f"{row[0].upper()} (mục tiêu: {row[1]})"]
        text += [f"- {label}: {value}" for label, value in zip(headers[2:], row[2:], strict=True)]
    late = [
        (clip(s.report.unit.name), *entry) for s in commune_states for entry in _grouped(s.overdue)
    ]
    if late:
        heading = f"Việc quá hạn ({len(late)} việc)"
        lines = [
            [name, _late_text(t, missed), vn_date(t.task.due), due_phrase(t, as_of)]
            for name, t, missed in late
        ]
        text += ["", heading.upper(), *(f"- {n}: {w} · hạn {d} · {p}" for n, w, d, p in lines)]
        html += [
            f"<h3>{escape(heading)}</h3>",
            _table(["Xã", "Việc", "Hạn", "Tình hình"], lines, highlight=3),
        ]
    text += ["", FOOTER]
    html.append(f'<p style="color: #666">{escape(FOOTER)}</p>')
    met = sum(s.standing.met for s in commune_states)
    overdue = len(late)
    subject = (
        f"{subject_prefix(consolidation)} Soát xét {_month_label(period)}: "
        f"{len(commune_states)} xã, {met} xã đạt mục tiêu, {overdue} việc quá hạn"
    )
    return Mail(
        key=make_key(MONTHLY_REVIEW, contact.email, period),
        to_name=contact.name,
        subject=subject,
        text="\n".join(text) + "\n",
        html=_html_page(html),
    )
