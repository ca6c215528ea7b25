"""The mail the office sends each day and week, built from a Consolidation: each official's,
body's and commune's daily digest, the steering committee's weekly summary and the reminders to
units. Their common parts (dates, greeting, HTML, `clip`) are in `ntm_excel.jobs.mail_text`;
the monthly review is in `ntm_excel.jobs.review`."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from html import escape
from pathlib import Path

import openpyxl

from ntm_excel.check.figures import (
    WORKBOOK_ERRORS,
    Figures,
    Headline,
    TargetProgress,
    issues_by_unit,
    unit_issues,
)
from ntm_excel.check.progress import UnitChange
from ntm_excel.check.tasks import units_text
from ntm_excel.errors import NtmError
from ntm_excel.issues import SEVERITY_LABELS, Issue, Severity
from ntm_excel.jobs.mail import Attachment, Mail, make_key
from ntm_excel.jobs.mail_text import (
    FOOTER,
    Outgoing,
    addressed_to_body,
    clip,
    criterion_label,
    due_phrase,
    greeting,
    html_page,
    html_table,
    office_name,
    paragraph,
    recipient_key,
    subject_prefix,
    unit_names,
    vn_date,
    week_label,
    week_period,
)
from ntm_excel.model import Consolidation, Task, TaskState, TaskStatus, Unit, UnitReport
from ntm_excel.reference.contacts import (
    ALL_COMMUNES,
    Contact,
    Contacts,
    unit_keys,
    without_address,
)
from ntm_excel.text import fold
from ntm_excel.write.feedback import READING_SHEET
from ntm_excel.write.feedback import SHEET as FEEDBACK_SHEET

NOT_SUBMITTED = "unit-not-submitted"

DAILY_DIGEST = "daily-digest"
WEEKLY_SUMMARY = "weekly-summary"
UNIT_REMINDERS = "unit-reminders"
MONTHLY_REVIEW = "monthly-review"
ROLES = (("chủ trì", "lead"), ("phối hợp", "partners"), ("chỉ đạo", "directors"))
ROLES += (("thực hiện", "owners"),)
OWN_ROADMAP = "lộ trình của xã"  # the commune is reminded of its own roadmap's tasks
MAX_ISSUES_LISTED = 15
SHOWN = (Severity.ERROR, Severity.WARNING)  # what a reminder lists of a unit's issues


def _is_late(status: TaskStatus, as_of: date) -> bool:
    if status.task.due:
        return status.task.due < as_of
    return status.days_late > 0


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
    sharing: list[Contact] = field(default_factory=list)  # others whose address it is too
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
        warnings = f", {report.warnings} cảnh báo cần kiểm tra" if report.warnings else ""
        return f"biểu tự đánh giá có {report.errors} lỗi cần sửa{warnings}"
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
        people = [
            (role, contact)
            for role, attribute in ROLES
            for name in getattr(status.task, attribute)
            for contact in addressees(name, status.task)
        ]
        if (unit := units.get(status.task.unit_code)) is not None:  # a commune's own roadmap
            people.append((OWN_ROADMAP, contacts.commune_contact(unit)))
        for role, contact in people:
            key = recipient_key(contact)
            digest = _digest_for(digests, key, contact)
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
        followers = {recipient_key(c): c for c in contacts.contacts if _follows(c, report.unit)}
        for name in report.unit.supervisors:
            contact = contacts.match(name)
            if contact is None:
                unmatched.setdefault(name)
            else:
                followers.setdefault(recipient_key(contact), contact)
        for key, contact in followers.items():
            digest = _digest_for(digests, key, contact)
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
    missing = [without_address(d.contact) for d in no_email]
    missing += [n for n in nobody if n not in unmatched]
    return DailyDigests(result, list(unmatched), missing)


def _digest_for(digests: dict[str, OfficialDigest], key: str, contact: Contact) -> OfficialDigest:
    """The digest of `contact`'s address; a second person of that address is greeted too
    (one mail carries both people's tasks)."""
    digest = digests.setdefault(key, OfficialDigest(contact))
    names = {fold(each.name) for each in (digest.contact, *digest.sharing)}
    if fold(contact.name) not in names:
        digest.sharing.append(contact)
    return digest


def _task_unit(task: Task, unit_names: Mapping[str, str]) -> str:
    if not task.unit_code and not task.units:
        return "Cấp huyện"
    return units_text(task, unit_names)


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
    html += [f"<h3>{escape(heading)}</h3>", html_table(_TARGET_HEADERS, rows, highlight=2)]


def daily_mail(
    consolidation: Consolidation,
    digest: OfficialDigest,
    targets: Sequence[TargetProgress] = (),
) -> Mail:
    as_of = consolidation.as_of
    office = office_name(consolidation)
    you = "đơn vị" if addressed_to_body(digest.contact) else "đồng chí"
    intro = f"{office} xin báo các việc {you} phụ trách, tính đến ngày {vn_date(as_of)}:"
    sections = [
        ("Quá hạn", digest.overdue, 4),
        ("Sắp đến hạn", digest.due_soon, None),
    ]
    text = [greeting(digest.contact, *digest.sharing), "", intro]
    html = [paragraph(greeting(digest.contact, *digest.sharing)), paragraph(intro)]
    for title, lines, highlight in sections:
        if lines:
            heading = f"{title} ({len(lines)} việc)"
            text += ["", heading.upper(), *_task_text(lines)]
            html += [
                f"<h3>{escape(heading)}</h3>",
                html_table(_TASK_HEADERS, _task_rows(lines), highlight=highlight),
            ]
    if digest.units:
        whose = "" if addressed_to_body(digest.contact) else " đồng chí phụ trách"
        heading = f"Đơn vị{whose} cần đôn đốc ({len(digest.units)} đơn vị)"
        rows = [[clip(u.report.unit.name), u.problem] for u in digest.units]
        text += ["", heading.upper(), *(f"- {name}: {problem}" for name, problem in rows)]
        html += [f"<h3>{escape(heading)}</h3>", html_table(["Đơn vị", "Tình hình"], rows)]
    _targets_section(targets, text, html)
    text += ["", FOOTER]
    html.append(f'<p style="color: #666">{escape(FOOTER)}</p>')
    return Mail(
        key=make_key(DAILY_DIGEST, digest.contact.email, as_of.isoformat()),
        to_name=clip(digest.contact.name, 200),
        also_to=digest.contact.other_emails,
        subject=daily_subject(consolidation, digest),
        text="\n".join(text) + "\n",
        html=html_page(html),
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


def _weekly_rows(figures: Headline, before: Headline | None, criteria: int) -> list[list[str]]:
    submitted = _with_change(figures.units_submitted, before, "units_submitted")
    errors = _with_change(figures.errors, before, "errors")
    return [
        ["Đơn vị đã nộp báo cáo", f"{submitted} / {figures.units_expected}"],
        [
            f"Đơn vị đạt đủ {criteria} tiêu chí",
            _with_change(figures.communes_all_met, before, "communes_all_met"),
        ],
        [
            "Tổng số tiêu chí đạt (các đơn vị đã nộp)",
            _with_change(figures.criteria_met, before, "criteria_met"),
        ],
        [WORKBOOK_ERRORS.capitalize(), f"{errors}, ở {figures.units_with_errors} đơn vị"],
        ["Việc quá hạn", _with_change(figures.overdue_tasks, before, "overdue_tasks")],
        ["Việc sắp đến hạn", str(figures.due_soon_tasks)],
    ]


def _newly_overdue(consolidation: Consolidation, before: Headline) -> list[list[str]]:
    as_of, names, known = consolidation.as_of, unit_names(consolidation), set(before.overdue_keys)
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


NOTHING_READ = (
    "không đọc được biểu nào của các đơn vị trong thư mục nhận: chưa gửi báo cáo tuần (báo "
    "cáo sẽ ghi mọi đơn vị là «chưa nộp»). Hãy xem lỗi của từng tệp bằng «ntm-excel validate "
    "THƯ_MỤC_NHẬN»; việc chạy lại vào ngày làm việc sau trong tuần, hoặc chạy ngay bằng "
    "«ntm-excel jobs once weekly-summary»."
)


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
    the week, with what moved. Raises `NtmError` when no unit's workbook could be read: such
    a summary would show every unit as missing."""
    if not any(report.submitted for report in consolidation.units):
        raise NtmError(NOTHING_READ)
    as_of = consolidation.as_of
    facts = Figures.of(consolidation)
    figures = facts.headline(task_key)
    before = previous[1] if previous else None
    compared = f" (thay đổi so với {week_label(_monday(previous[0]))})" if previous else ""
    intro = (
        f"{office_name(consolidation)} báo cáo tình hình "
        f"{week_label(as_of)}, số liệu đến ngày {vn_date(as_of)}{compared}:"
    )
    rows = _weekly_rows(figures, before, len(facts.criteria))
    opening = "Kính gửi các đồng chí trong Ban chỉ đạo,"
    text = [opening, "", intro, "", *(f"- {label}: {value}" for label, value in rows)]
    html = [paragraph(opening), paragraph(intro), html_table(["Nội dung", "Số liệu"], rows)]

    def section(heading: str, headers: list[str], lines: list[list[str]]) -> None:
        text.extend(["", heading.upper(), *("- " + " · ".join(line) for line in lines)])
        html.extend([f"<h3>{escape(heading)}</h3>", html_table(headers, lines)])

    def note(line: str) -> None:
        text.extend(["", line])
        html.append(paragraph(line))

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
            html=html_page(html),
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
    by_unit = issues_by_unit(consolidation.issues)
    by_address: dict[str, list[UnitReport]] = {}
    no_email = []
    for report in consolidation.units:
        late = not report.submitted and deadline is not None and as_of > deadline
        unreadable = not report.submitted and bool(_errors(by_unit.get(report.unit.code, [])))
        if not report.unit.expected or not (
            late or unreadable or (report.submitted and report.errors)
        ):
            continue
        if report.unit.email:
            by_address.setdefault(report.unit.email.strip().lower(), []).append(report)
        else:
            no_email.append(report.unit.name)
    mails = [
        _reminder(consolidation, by_unit, address, reports, deadline, feedback or {})
        for address, reports in by_address.items()
    ]
    return Outgoing(mails, [], no_email)


def _errors(issues: list[Issue]) -> list[Issue]:
    """The errors among a unit's `issues` (for a unit without a readable submission: of the
    files it sent that could not be read)."""
    return [i for i in issues if i.severity is Severity.ERROR and i.code != NOT_SUBMITTED]


def _addressee(unit: Unit) -> str:
    """ "UBND xã Cẩm Bình" unless the registry names a contact."""
    return clip(unit.contact_name or f"UBND {unit.name[:1].lower()}{unit.name[1:]}", 200)


def _copied_sheets(path: Path) -> list[str] | None:
    """The sheets of a feedback workbook besides its lists («Góp ý», «Cách đọc biểu»): those
    of the unit's workbook it copies (none when it holds the lists alone); None when it
    cannot be opened."""
    try:
        book = openpyxl.load_workbook(path, read_only=True, keep_links=False)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    names = [name for name in book.sheetnames if name not in (FEEDBACK_SHEET, READING_SHEET)]
    book.close()
    return names


def _attached(path: Path, cells: bool) -> str:
    """What a reminder says of the feedback workbook it attaches, as the file holds it: a copy
    of the unit's workbook with the problem cells marked (when the issues name `cells`), or
    the list alone (a .xls, .ods or damaged workbook is not copied)."""
    listed = (
        f"Các lỗi, cảnh báo trên được liệt kê ở trang «{FEEDBACK_SHEET}» của tệp đính kèm "
        f"«{path.name}»"
    )
    copied = _copied_sheets(path)
    if copied == []:
        return (
            f"{listed}; tệp chỉ có danh sách này, không chép lại biểu của đơn vị. Đề nghị đơn "
            "vị sửa các ô được nêu ngay trong tệp biểu của mình và gửi lại biểu."
        )
    marked = ", các ô có vấn đề được tô màu và có ghi chú" if copied and cells else ""
    copy = ", cùng bản sao biểu của đơn vị" if copied else ""
    return f"{listed}{copy}{marked}. Đề nghị đơn vị sửa và gửi lại biểu."


def _reminder(
    consolidation: Consolidation,
    by_unit: Mapping[str, list[Issue]],
    address: str,
    reports: list[UnitReport],
    deadline: date | None,
    feedback: Mapping[str, Path],
) -> Mail:
    as_of, office = consolidation.as_of, office_name(consolidation)
    opening = f"Kính gửi {_addressee(reports[0].unit)},"
    text, html, attachments = [opening], [paragraph(opening)], []
    for report in reports:
        unit = report.unit
        heading = f"{clip(unit.name)}: {unit_problem(report, as_of, deadline)}."
        text += ["", heading]
        html.append(f"<h3>{escape(heading)}</h3>")
        if not report.submitted:
            unreadable = [  # a file of this unit that could not be read (named after it)
                [clip(i.file), clip(i.message)]
                for i in by_unit.get(unit.code, [])
                if i.code == "file-unreadable"
            ]
            text += [f"- {name}: {message}" for name, message in unreadable]
            if unreadable:
                html.append(html_table(["Tệp đã gửi", "Lỗi"], unreadable))
            ask = (
                "Đề nghị đơn vị hoàn thành và gửi biểu tự đánh giá tiêu chí nông thôn mới "
                f"về {office} trong thời gian sớm nhất."
            )
            text.append(ask)
            html.append(paragraph(ask))
            continue
        # what its feedback workbook lists too: errors, then warnings (of every file it sent)
        mine = unit_issues(unit.code, by_unit.get(unit.code, []))
        told = [i for i in mine if i.severity in SHOWN]
        listed = [
            [SEVERITY_LABELS[i.severity], clip(i.location) or "cả tệp", clip(i.message)]
            for i in told[:MAX_ISSUES_LISTED]
        ]
        text += [f"- {level} — {where}: {what}" for level, where, what in listed]
        if listed:
            html.append(html_table(["Mức độ", "Vị trí", "Nội dung và cách sửa"], listed))
        if len(told) > MAX_ISSUES_LISTED:
            more = f"… và {len(told) - MAX_ISSUES_LISTED} lỗi, cảnh báo khác."
            text.append(more)
            html.append(paragraph(more))
        path = feedback.get(unit.code)
        if path is not None and Path(path).is_file():
            attachments.append(Attachment(Path(path), Path(path).name))
            ask = _attached(Path(path), any(i.cell for i in told))
        else:
            ask = "Đề nghị đơn vị sửa các lỗi, kiểm tra các cảnh báo trên và gửi lại biểu."
        text.append(ask)
        html.append(paragraph(ask))
    text += ["", FOOTER]
    html.append(f'<p style="color: #666">{escape(FOOTER)}</p>')
    if len(reports) == 1:
        report = reports[0]
        if report.submitted:
            what = f"biểu tự đánh giá có {report.errors} lỗi cần sửa"
        elif deadline is not None and as_of > deadline:
            what = f"chưa nộp biểu tự đánh giá (quá hạn {(as_of - deadline).days} ngày)"
        else:
            what = "tệp đã gửi không đọc được, đề nghị gửi lại"
        subject = f"{subject_prefix(consolidation)} {clip(report.unit.name, 200)}: {what}"
    else:
        names = clip(", ".join(r.unit.name for r in reports), 400)
        subject = f"{subject_prefix(consolidation)} Nhắc nộp, sửa biểu tự đánh giá: {names}"
    return Mail(
        key=make_key(UNIT_REMINDERS, address, as_of.isoformat()),
        to_name=_addressee(reports[0].unit),
        subject=subject,
        text="\n".join(text) + "\n",
        html=html_page(html),
        attachments=tuple(attachments),
    )
