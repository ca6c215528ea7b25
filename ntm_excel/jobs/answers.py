"""The answer to each file a commune sends by mail, in reply to its own message (same thread):
that the file was received, which unit it was read as, the reporting period, and either "no
errors" or the problems found, with the feedback workbook attached.

Every answer is keyed in the sent ledger by the sender's address and the file's content
(`answer_key`): one answer per file, whatever happens to the run. Nothing the mail brought
goes into a header unchecked: the subject is cleaned (`attachments.one_line`) and encoded by
`mail.compose`, In-Reply-To and References hold only well-formed msg-ids, and every text is
escaped in the HTML part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo
from html import escape
from pathlib import Path

from ntm_excel.check.figures import IssueCounts
from ntm_excel.issues import SEVERITY_LABELS, Issue, Severity
from ntm_excel.jobs.mail import Attachment, Mail, MailKey, make_key
from ntm_excel.jobs.mail_log import ReceivedFile
from ntm_excel.jobs.mail_text import clip, html_page, html_table, paragraph, vn_date
from ntm_excel.model import Unit, UnitReport
from ntm_excel.periods import Calendar

SUBMISSION_ANSWER = "submission-answer"
WHOLE_MESSAGE = "(cả thư)"  # the name of a message refused as a whole (too large)
MAX_ISSUES_LISTED = 20
FOOTER = (
    "Thư này do hệ thống ntm-excel gửi tự động khi nhận được biểu. Khi gửi lại biểu đã sửa, "
    "xin gửi kèm tệp .xlsx."
)


@dataclass(frozen=True)
class Verdict:
    """What reading one received file gave."""

    unit: Unit | None  # the unit it was read as (by the workbook, or else by the sender)
    by_sender: bool  # the workbook does not say which unit: the sender's address did
    report: UnitReport | None  # None when the file could not be read
    issues: tuple[Issue, ...]  # about this file, for the commune (errors and warnings)


def answer_key(address: str, received: ReceivedFile) -> MailKey:
    """One answer per file content and sender."""
    return make_key(SUBMISSION_ANSWER, address, f"tep-{received.file.sha256[:24]}")


def addressee(unit: Unit | None, sender_name: str) -> str:
    """ "UBND xã Cẩm Bình" (or the registry's contact), else the sender's own name."""
    if unit is not None:
        return unit.contact_name or f"UBND {unit.name[:1].lower()}{unit.name[1:]}"
    return sender_name or "Quý đơn vị"


def answer_mail(
    received: ReceivedFile,
    verdict: Verdict | None,
    *,
    sender_unit: Unit | None,
    office: str,
    calendar: Calendar,
    feedback: Path | None,
    zone: tzinfo,
) -> Mail:
    """The answer to `received` (`verdict` None: the file was refused, never saved)."""
    message, file = received.message, received.file
    unit = verdict.unit if verdict else sender_unit
    arrived = message.received.astimezone(zone)
    subject_part = f" trong thư «{message.subject}»" if message.subject else ""
    what = f"thư «{message.subject}»" if file.name == WHOLE_MESSAGE else f"tệp «{file.name}»"
    if file.name != WHOLE_MESSAGE:
        what += subject_part
    intro = f"{office} đã nhận {what} lúc {arrived:%H:%M} ngày {arrived:%d/%m/%Y}."
    facts = [
        ["Đơn vị", _unit_line(verdict, sender_unit)],
        ["Kỳ báo cáo", _period_line(verdict, calendar, arrived.date())],
        ["Kết quả kiểm tra", _result_line(verdict, file.refused, file.name == WHOLE_MESSAGE)],
    ]
    greeting = f"Kính gửi {addressee(unit, message.sender_name)},"
    text = [greeting, "", intro, "", *(f"- {label}: {value}" for label, value in facts)]
    html = [paragraph(greeting), paragraph(intro), html_table(["Nội dung", "Kết quả"], facts)]
    listed = [_issue_row(issue) for issue in (verdict.issues if verdict else ())]
    if listed:
        shown = listed[:MAX_ISSUES_LISTED]
        text += ["", *(f"- {level} — {where}: {what}" for level, where, what in shown)]
        html.append(html_table(["Mức độ", "Vị trí", "Nội dung và cách sửa"], shown))
        if len(listed) > MAX_ISSUES_LISTED:
            more = f"… và {len(listed) - MAX_ISSUES_LISTED} vấn đề khác (xem tệp đính kèm)."
            text.append(more)
            html.append(paragraph(more))
    attachments = ()
    if feedback is not None:
        attachments = (Attachment(feedback, feedback.name),)
    for line in _asks(verdict, file.refused, feedback):
        text += ["", line]
        html.append(paragraph(line))
    text += ["", FOOTER]
    html.append(f'<p style="color: #666">{escape(FOOTER)}</p>')
    return Mail(
        key=answer_key(message.sender, received),
        to_name=addressee(unit, message.sender_name),
        subject=_subject(message.subject, unit),
        text="\n".join(text) + "\n",
        html=html_page(html),
        attachments=attachments,
        headers=_thread(message.message_id, message.references),
    )


def _subject(original: str, unit: Unit | None) -> str:
    if original:
        return original if original.lower().startswith(("re:", "tl:")) else f"Re: {original}"
    who = f" của {unit.name}" if unit else ""
    return f"Đã nhận biểu tự đánh giá{who}"


def _thread(message_id: str, references: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """In-Reply-To and References for a reply to `message_id` (already checked msg-ids)."""
    if not message_id:
        return ()
    chain = [*[r for r in references if r != message_id][-9:], message_id]
    return (("In-Reply-To", message_id), ("References", " ".join(chain)))


def _unit_line(verdict: Verdict | None, sender_unit: Unit | None) -> str:
    if verdict is None or verdict.unit is None:
        if sender_unit is not None:
            return f"{sender_unit.name} (mã {sender_unit.code}), theo địa chỉ thư của đơn vị"
        return "chưa xác định được biểu là của đơn vị nào"
    unit = verdict.unit
    line = f"{unit.name} (mã {unit.code})"
    if verdict.by_sender:
        if verdict.report is None:
            return f"{line}, theo địa chỉ thư của đơn vị"
        return f"{line}, theo địa chỉ thư của đơn vị (trong biểu không ghi tên hoặc mã đơn vị)"
    line = f"tệp được đọc là biểu của {line}"
    if sender_unit is not None and sender_unit.code != unit.code:
        line += f"; lưu ý: địa chỉ gửi thư là của {sender_unit.name}"
    return line


def _period_line(verdict: Verdict | None, calendar: Calendar, arrived: date) -> str:
    """The reporting period the file counts for (by its signed date, else the mail's
    arrival), its due date, and whether the file came in time."""
    submission = verdict.report.submission if verdict and verdict.report else None
    if submission is not None and submission.report_date:
        day, when = submission.report_date, f"biểu ký ngày {vn_date(submission.report_date)}"
    elif submission is not None:
        day, when = arrived, f"biểu không ghi ngày ký, tính theo ngày nhận {vn_date(arrived)}"
    else:
        day, when = arrived, f"thư nhận ngày {vn_date(arrived)}"
    period = calendar.of(day)
    if period is None:
        return f"{when} (ngoài các kỳ báo cáo đã khai báo)"
    line = f"{period.label}, hạn nộp {vn_date(period.due)}; {when}"
    if submission is None:
        return line
    late = (day - period.due).days
    return f"{line}: " + ("nộp trong hạn" if late <= 0 else f"nộp muộn {late} ngày")


def _result_line(verdict: Verdict | None, refused: str, whole: bool) -> str:
    if verdict is None:
        return f"chưa nhận được {'nội dung thư' if whole else 'tệp'}: {refused}"
    if verdict.report is None:
        if any(i.code == "file-unreadable" for i in verdict.issues):
            return "không đọc được tệp (lý do và cách sửa dưới đây)"
        return "chưa xác định được biểu là của đơn vị nào (chi tiết dưới đây)"
    counts = IssueCounts.of(list(verdict.issues))
    if not counts.errors and not counts.warnings:
        return "biểu không có lỗi"
    if counts.errors:
        warnings = f", {counts.warnings} cảnh báo" if counts.warnings else ""
        return f"biểu có {counts.errors} lỗi{warnings} (chi tiết dưới đây)"
    return f"biểu không có lỗi; có {counts.warnings} cảnh báo nên xem lại (chi tiết dưới đây)"


def _issue_row(issue: Issue) -> list[str]:
    where = " › ".join(part for part in (issue.sheet, issue.cell) if part) or "cả tệp"
    return [SEVERITY_LABELS[issue.severity], clip(where), clip(issue.message)]


def _asks(verdict: Verdict | None, refused: str, feedback: Path | None) -> list[str]:
    if verdict is None:
        return ["Đề nghị đơn vị gửi lại tệp biểu tự đánh giá (.xlsx) trong một thư mới."]
    if verdict.report is None:
        return []  # the issue listed already says what to do
    errors = any(i.severity is Severity.ERROR for i in verdict.issues)
    asks = []
    if feedback is not None:
        asks.append(f"Các ô có vấn đề được đánh dấu trong tệp đính kèm «{feedback.name}».")
    if errors:
        asks.append("Đề nghị đơn vị sửa các lỗi trên và gửi lại biểu.")
    return asks
