"""The monthly review: what each cluster leader (or official assigned communes) is sent once a
month about exactly their communes — result against target, what is missing, overdue tasks,
whether each submitted on time, and what changed since last month."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

from ntm_excel.check.figures import CommuneState, Figures
from ntm_excel.check.progress import UnitChange
from ntm_excel.jobs.digest import MONTHLY_REVIEW
from ntm_excel.jobs.mail import Mail, make_key
from ntm_excel.jobs.mail_text import (
    FOOTER,
    Outgoing,
    clip,
    due_phrase,
    greeting,
    html_page,
    html_table,
    month_period,
    office_name,
    paragraph,
    recipient_key,
    subject_prefix,
    vn_date,
)
from ntm_excel.model import Consolidation, TaskStatus, UnitReport
from ntm_excel.reference.contacts import (
    ALL_COMMUNES,
    Contact,
    Contacts,
    unit_keys,
    without_address,
)
from ntm_excel.text import fold


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
        return reviews.setdefault(recipient_key(contact), Review(contact))

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
            no_email.append(without_address(review.contact))
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
        f"{office_name(consolidation)} báo tình hình "
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
        "Tiêu chí chưa đạt hoặc chưa rõ",
        "Việc quá hạn",
        "Nộp báo cáo",
        "So với tháng trước",
    ]
    opening = greeting(contact)
    text = [opening, "", intro]
    html = [paragraph(opening), paragraph(intro), html_table(headers, rows, highlight=2)]
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
            html_table(["Xã", "Việc", "Hạn", "Tình hình"], lines, highlight=3),
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
        also_to=contact.other_emails,
        to_name=contact.name,
        subject=subject,
        text="\n".join(text) + "\n",
        html=html_page(html),
    )
