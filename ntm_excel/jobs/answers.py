"""The answer to the files a commune sends in one message, in reply to it (same thread): for
each file, that it was received, which unit it was read as, the reporting period, and either
"no errors" or the problems found, with the feedback workbooks attached.

Every answer is keyed in the sent ledger by the sender's address and the contents of the
files it answers (`answer_key`): one answer per message, whatever happens to the run. Nothing
the mail brought goes into a header unchecked: the subject is cleaned (`attachments.one_line`)
and encoded by `mail.compose`, In-Reply-To and References hold only well-formed msg-ids, and
every text is escaped in the HTML part.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, tzinfo
from html import escape
from pathlib import Path, PurePath

from ntm_excel.check.figures import IssueCounts
from ntm_excel.issues import SEVERITY_LABELS, Issue, Severity
from ntm_excel.jobs.mail import Attachment, Mail, MailKey, make_key
from ntm_excel.jobs.mail_log import ReceivedFile
from ntm_excel.jobs.mail_text import clip, html_page, html_table, paragraph, vn_date
from ntm_excel.model import Unit, UnitReport
from ntm_excel.periods import Calendar

SUBMISSION_ANSWER = "submission-answer"
OWN_OUTPUT = "file-own-output"  # a feedback copy (or a master) sent back as it was
WHOLE_MESSAGE = "(cả thư)"  # the name of a message refused as a whole (too large)
MAX_ISSUES_LISTED = 20
MAX_SECTIONS = 20  # files answered one by one in an answer
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


@dataclass(frozen=True)
class Answered:
    """One received file of a message: what reading it gave, and its feedback workbook."""

    received: ReceivedFile
    verdict: Verdict | None  # None: the file was refused, never saved
    feedback: Path | None
    also: tuple[str, ...] = ()  # other names the message sent the same file under

    @property
    def title(self) -> str:
        """ "«bieu.xlsx»", with the names the same file came under too."""
        others = dict.fromkeys(n for n in self.also if n != self.received.file.name)
        names = ", ".join(f"«{name}»" for name in others)
        also = f" (cùng nội dung với tệp {names} trong thư, chỉ nhận một lần)" if names else ""
        return f"«{self.received.file.name}»{also}"


def answer_key(address: str, files: list[ReceivedFile]) -> MailKey:
    """One answer per sender and set of file contents (a file alone: its content)."""
    digests = sorted({received.file.sha256 for received in files})
    if len(digests) == 1:
        return make_key(SUBMISSION_ANSWER, address, f"tep-{digests[0][:24]}")
    together = hashlib.sha256("\n".join(digests).encode()).hexdigest()
    return make_key(SUBMISSION_ANSWER, address, f"thu-{together[:24]}")


def addressee(unit: Unit | None, sender_name: str) -> str:
    """ "UBND xã Cẩm Bình" (or the registry's contact), else the sender's own name."""
    if unit is not None:
        return unit.contact_name or f"UBND {unit.name[:1].lower()}{unit.name[1:]}"
    return sender_name or "Quý đơn vị"


def answer_mail(
    files: list[Answered],
    *,
    left: tuple[ReceivedFile, ...] = (),
    sender_unit: Unit | None,
    office: str,
    calendar: Calendar,
    zone: tzinfo,
) -> Mail:
    """One answer to the files of one message (in its thread): a section per file.

    The greeting goes to the sender's unit, or to the sender by name when the address is not
    a unit's: a stranger is never greeted as the commune a workbook names. `left`: files of
    the message beyond MAX_SECTIONS, named and counted, not answered one by one."""
    message = files[0].received.message
    arrived = message.received.astimezone(zone)
    names = [answered.title for answered in files]
    names += [f"«{received.file.name}»" for received in left]
    subject_part = f" trong thư «{message.subject}»" if message.subject else ""
    when = f"lúc {arrived:%H:%M} ngày {arrived:%d/%m/%Y}"
    if len(names) > 1:
        listed = ", ".join(names[:MAX_SECTIONS])
        listed += f" và {len(left)} tệp khác" if left else ""
        intro = f"{office} đã nhận {len(names)} tệp{subject_part} {when}: {listed}."
    elif files[0].received.file.name == WHOLE_MESSAGE:
        intro = f"{office} đã nhận thư «{message.subject}» {when}."
    else:
        intro = f"{office} đã nhận tệp {names[0]}{subject_part} {when}."
    greeting = f"Kính gửi {addressee(sender_unit, message.sender_name)},"
    text = [greeting, "", intro]
    html = [paragraph(greeting), paragraph(intro)]
    attachments = _attachments(files)
    for number, answered in enumerate(files, 1):
        if len(names) > 1:
            heading = f"{number}. Tệp {answered.title}"
            text += ["", heading]
            html.append(f"<p><b>{escape(heading)}</b></p>")
        attached = next((a.filename for a in attachments if a.path == answered.feedback), "")
        _section(answered, sender_unit, calendar, arrived.date(), attached, text, html)
    if left:
        more = (
            f"Còn {len(left)} tệp khác trong thư không được trả lời riêng từng tệp; xin gửi mỗi "
            "biểu trong một thư."
        )
        text += ["", more]
        html.append(paragraph(more))
    text += ["", FOOTER]
    html.append(f'<p style="color: #666">{escape(FOOTER)}</p>')
    units = {a.verdict.unit for a in files if a.verdict and a.verdict.unit}
    named = sender_unit or (units.pop() if len(units) == 1 else None)
    return Mail(
        key=answer_key(message.sender, [*(answered.received for answered in files), *left]),
        to_name=addressee(sender_unit, message.sender_name),
        subject=_subject(message.subject, named),
        text="\n".join(text) + "\n",
        html=html_page(html),
        attachments=attachments,
        headers=_thread(message.message_id, message.references),
    )


def _section(
    answered: Answered,
    sender_unit: Unit | None,
    calendar: Calendar,
    arrived: date,
    attached: str,
    text: list[str],
    html: list[str],
) -> None:
    """What reading one file gave: its unit, period, result, problems and what to do."""
    verdict, file = answered.verdict, answered.received.file
    facts = [
        ["Đơn vị", _unit_line(verdict, sender_unit)],
        ["Kỳ báo cáo", _period_line(verdict, calendar, arrived)],
        ["Kết quả kiểm tra", _result_line(verdict, file.refused, file.name == WHOLE_MESSAGE)],
    ]
    text += ["", *(f"- {label}: {value}" for label, value in facts)]
    html.append(html_table(["Nội dung", "Kết quả"], facts))
    listed = [_issue_row(issue) for issue in (verdict.issues if verdict else ())]
    if listed:
        shown = listed[:MAX_ISSUES_LISTED]
        text += ["", *(f"- {level} — {where}: {what}" for level, where, what in shown)]
        html.append(html_table(["Mức độ", "Vị trí", "Nội dung và cách sửa"], shown))
        if len(listed) > MAX_ISSUES_LISTED:
            more = f"… và {len(listed) - MAX_ISSUES_LISTED} vấn đề khác (xem tệp đính kèm)."
            text.append(more)
            html.append(paragraph(more))
    for line in _asks(verdict, file.refused, attached):
        text += ["", line]
        html.append(paragraph(line))


def _attachments(files: list[Answered]) -> tuple[Attachment, ...]:
    """The feedback workbooks, each under its own name («Góp ý - Xã Cẩm Hà.xlsx»; the file
    it answers added when a unit sent several)."""
    feedbacks = [a for a in files if a.feedback is not None]
    names = [a.feedback.name for a in feedbacks]
    return tuple(
        Attachment(
            a.feedback,
            a.feedback.name
            if names.count(a.feedback.name) == 1
            else f"{a.feedback.stem} ({PurePath(a.received.file.name).stem}){a.feedback.suffix}",
        )
        for a in feedbacks
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
        if any(i.code == OWN_OUTPUT for i in verdict.issues):
            return "đây là tệp văn phòng đã gửi cho đơn vị, chưa sửa, không phải biểu mới"
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


def _asks(verdict: Verdict | None, refused: str, attached: str) -> list[str]:
    if verdict is None:
        return ["Đề nghị đơn vị gửi lại tệp biểu tự đánh giá (.xlsx) trong một thư mới."]
    if verdict.report is None:
        if any(i.code == OWN_OUTPUT for i in verdict.issues):
            return [
                "Đề nghị đơn vị sửa các ô được đánh dấu trong tệp góp ý (hoặc trong biểu của đơn "
                "vị), lưu lại rồi gửi tệp đã sửa."
            ]
        return []  # the issue listed already says what to do
    errors = any(i.severity is Severity.ERROR for i in verdict.issues)
    asks = []
    if attached:
        asks.append(f"Các ô có vấn đề được đánh dấu trong tệp đính kèm «{attached}».")
    if errors:
        asks.append("Đề nghị đơn vị sửa các lỗi trên và gửi lại biểu.")
    return asks
