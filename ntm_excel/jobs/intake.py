"""Submissions by mail, the `collect` job's mail side: fetch, save, record, mark; then answer.

`fetch_mail` (an `Intake`) takes the new messages of the office mailbox ([mailbox] in the
configuration) one at a time, in order:
1. the message is downloaded (never marked as read by that) and reduced to its sender and
   spreadsheets (`ntm_excel.jobs.attachments`);
2. each spreadsheet is saved into the inbox's MAIL_FOLDER as
   "<received YYYYMMDD-HHMMSS>_<sender's unit code>_<name as sent>", its file time set to
   when the server received the mail. The code makes the sender identify the unit when the
   workbook does not (the reader's last resort is the file name; an unreadable file's issue
   goes to the unit its name gives). A file whose bytes are already in the inbox is not
   saved twice, and a name already taken by other bytes gets " (2)";
3. each file's receipt goes into the submission history with the mail's sender, subject,
   Message-ID and time (`History.record_mail`); the message and its files are recorded
   (`ntm_excel.jobs.mail_log`), and the folder's position moved past it, in one transaction;
4. a submission is then moved to the processed folder (or marked as read).
Mail without a spreadsheet is left as it is and counted; so are automatic messages
(bounces, auto-replies, the office's own). A run stopped at any point (the server gone, the
process killed) loses nothing and repeats nothing: see `mail_log`.

`send_answers` (`answer_mails`) builds the answer to each collected file not answered yet,
after it has been read and validated on its own (`ntm_excel.jobs.answers`), and sends them
through the sent ledger, which keeps each to one delivery.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, tzinfo
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from ntm_excel.atomic import atomic_path
from ntm_excel.check.consolidate import consolidate
from ntm_excel.check.figures import OFFICE_ONLY
from ntm_excel.config import Config
from ntm_excel.errors import ContactsError, OutputError, system_reason
from ntm_excel.history import History
from ntm_excel.issues import Severity
from ntm_excel.jobs.answers import (
    MAX_SECTIONS,
    OWN_OUTPUT,
    SUBMISSION_ANSWER,
    WHOLE_MESSAGE,
    Answered,
    Verdict,
    answer_key,
    answer_mail,
)
from ntm_excel.jobs.attachments import Letter, Piece, read_letter, size_text
from ntm_excel.jobs.mail import Mail, MailKey
from ntm_excel.jobs.mail_log import FileRecord, MailLog, MessageRecord, Place, ReceivedFile
from ntm_excel.jobs.mailbox import (
    MAX_MESSAGE_BYTES,
    PASSWORD_ENV,
    Mailbox,
    MessageTooLarge,
    account_key,
    check_mailbox,
)
from ntm_excel.model import Unit
from ntm_excel.periods import Calendar, config_calendar
from ntm_excel.reference.catalog import Catalog, load_catalog
from ntm_excel.reference.contacts import commune_addresses, mail_addresses
from ntm_excel.reference.registry import Registry, load_registry
from ntm_excel.text import first_of
from ntm_excel.write.feedback import feedback_issues, write_feedback

if TYPE_CHECKING:
    from ntm_excel.jobs.scheduler import JobResult, Runner

MAIL_FOLDER = "thu_dien_tu"  # inside the inbox


@dataclass
class Collected:
    """What one pass over the mailbox did."""

    saved: list[str] = field(default_factory=list)  # inbox-relative paths of new files
    repeated: list[str] = field(default_factory=list)  # names of files already in the inbox
    refused: list[tuple[str, str]] = field(default_factory=list)  # (name, why)
    other: int = 0  # mail without a spreadsheet, left as it was
    automatic: int = 0  # bounces, auto-replies, the office's own mail
    too_large: list[str] = field(default_factory=list)  # "sender: subject" not downloaded
    remarked: int = 0  # recorded earlier, moved or marked only now

    def notes(self) -> list[str]:
        """What happened, in Vietnamese, for the job's log."""
        lines = []
        if self.saved:
            lines.append(f"đã nhận qua thư {len(self.saved)} tệp: " + ", ".join(self.saved))
        if self.repeated:
            lines.append(
                f"{len(self.repeated)} tệp trùng với tệp đã nhận (không lưu lại): "
                + ", ".join(self.repeated)
            )
        if self.refused:
            lines.append(refusals(self.refused))
        if self.too_large:
            lines.append(
                f"thư quá lớn (trên {size_text(MAX_MESSAGE_BYTES)}), không tải về, "
                "cần xem trong hộp thư: " + "; ".join(self.too_large)
            )
        if self.other:
            lines.append(f"{self.other} thư không có bảng tính (để nguyên trong hộp thư)")
        if self.automatic:
            lines.append(f"{self.automatic} thư tự động (báo lỗi chuyển thư, trả lời tự động)")
        if self.remarked:
            lines.append(f"đã chuyển, đánh dấu {self.remarked} thư nhận ở lần chạy bị ngắt trước")
        return lines


REFUSED_NAMED = 3  # files named for each reason a pass refused files for


def refusals(refused: list[tuple[str, str]]) -> str:
    """The files a pass refused, by reason, most first, with how many and the first few
    names: a zip of 500 nested zips is one reason, not 500 lines."""
    by_reason: dict[str, list[str]] = {}
    for name, reason in refused:
        by_reason.setdefault(reason, []).append(f"«{name}»")
    groups = sorted(by_reason.items(), key=lambda group: -len(group[1]))
    said = "; ".join(
        f"{reason} ({len(names)} tệp: {first_of(names, REFUSED_NAMED, 'tệp')})"
        for reason, names in groups
    )
    return f"không nhận {len(refused)} tệp: {said}"


def sender_units(registry: Registry, contacts: Path | None) -> tuple[dict[str, Unit], list[str]]:
    """Address → the one unit it belongs to (the registry's email column and the «Liên hệ
    xã» sheet of the contact book); an address shared by several units names none. Also the
    notes on what could not be read. (The office's own address, the district's row in a
    district's registry, never brings submissions: its mail is taken as the office's own.)"""
    codes: dict[str, set[str]] = {}
    for unit in registry.units:
        for address in mail_addresses(unit.email):
            codes.setdefault(address, set()).add(unit.code)
    notes = []
    if contacts is not None:
        try:
            for address, found in commune_addresses(contacts).items():
                codes.setdefault(address, set()).update(found)
        except ContactsError as exc:
            notes.append(f"không đọc được địa chỉ các xã trong danh bạ: {exc}")
    units = {}
    for address, found in codes.items():
        matched = [unit for unit in map(registry.get, found) if unit]
        if len(matched) == 1:
            units[address] = matched[0]
    return units, notes


class Intake:
    """Collects from one mailbox into one inbox, recording in `log` (the mailbox's records)
    and `history` (each file's receipt with the mail's sender, subject and time)."""

    def __init__(
        self,
        config: Config,
        log: MailLog,
        *,
        history: History,
        inbox: Path,
        senders: dict[str, Unit],
        zone: tzinfo,
    ) -> None:
        self.settings = config.mailbox
        self.config = config
        self.log = log
        self.history = history
        self.inbox = Path(inbox)
        self.senders = senders
        self.zone = zone
        own = {config.mail.sender, self.settings.user}
        self.own = frozenset(a.strip().lower() for a in own if "@" in a)

    def collect(self) -> Collected:
        """Fetch, save, record and mark every new message (see the module's notes)."""
        check_mailbox(self.settings, self.config.path)
        done = Collected()
        with Mailbox(self.settings, os.environ.get(PASSWORD_ENV) or None) as box:
            account, folder = account_key(self.settings), self.settings.folder
            validity = box.uidvalidity()
            for uid in self.log.unmarked(account, folder, validity):
                box.mark(uid)
                self.log.set_marked(Place(account, folder, validity, uid))
                done.remarked += 1
            for uid in box.uids_after(self.log.last_uid(account, folder, validity)):
                try:
                    self._take(box, Place(account, folder, validity, uid), done)
                except (OSError, sqlite3.Error) as exc:  # the inbox or the state folder
                    raise OutputError(
                        f"Không lưu được thư UID {uid} của hộp thư {self.settings.host}: "
                        f"{system_reason(exc)}. Thư chưa được đánh dấu: lần chạy sau sẽ lấy lại"
                    ) from exc
        return done

    def _take(self, box: Mailbox, place: Place, done: Collected) -> None:
        found = box.size_and_time(place.uid)
        if found is None:  # removed meanwhile
            self.log.skip(place)
            return
        size, received = found
        if size > MAX_MESSAGE_BYTES:
            self._too_large(box, place, size, received, done)
            return
        try:
            raw = box.download(place.uid, size)
        except MessageTooLarge as exc:  # the connection is lost: recorded, the next run goes on
            nothing = Letter("", "", "", "", (), "", ())
            self.log.record(self._message(place, "", nothing, received, "too-large", str(exc)))
            raise
        if raw is None:
            self.log.skip(place)
            return
        digest = hashlib.sha256(raw).hexdigest()
        earlier = self.log.known(digest)
        try:
            letter, note = read_letter(raw, own_addresses=self.own), ""
        except Exception as exc:  # noqa: BLE001 - one malformed message must not block the rest
            letter = Letter("", "", "", "", (), "", ())
            note = f"không đọc được thư ({type(exc).__name__}: {exc})"
        kind = "automatic" if letter.automatic else "submission" if letter.pieces else "other"
        files: list[FileRecord] = []
        if earlier is not None:  # the same message again (moved back, folder renumbered)
            kind = earlier.kind
        elif kind == "submission":
            files = self._save(letter, received, digest, done)
        done.automatic += kind == "automatic"
        done.other += kind == "other"
        record = self._message(place, digest, letter, received, kind, letter.automatic or note)
        self.log.record(record, files)
        if kind == "submission":
            box.mark(place.uid)
            self.log.set_marked(place)

    def _message(self, place, digest, letter: Letter, received, kind, note="") -> MessageRecord:
        return MessageRecord(
            place=place,
            digest=digest,
            sender=letter.sender,
            sender_name=letter.sender_name,
            subject=letter.subject,
            message_id=letter.message_id,
            references=letter.references,
            received=received,
            kind=kind,
            note=note,
        )

    def _too_large(self, box: Mailbox, place: Place, size: int, received, done) -> None:
        """Not downloaded: recorded, and a refused file for its sender's answer."""
        header = box.download(place.uid, header_only=True) or b""
        letter = read_letter(header, own_addresses=self.own)
        reason = (
            f"thư quá lớn ({size_text(size)}, giới hạn {size_text(MAX_MESSAGE_BYTES)}); nếu thư "
            "có biểu tự đánh giá, hãy gửi riêng tệp biểu"
        )
        files = []
        if not letter.automatic:
            unit = self.senders.get(letter.sender)
            key = hashlib.sha256(f"{place}".encode() + header).hexdigest()
            files.append(
                FileRecord(
                    WHOLE_MESSAGE, key, size, refused=reason, unit_code=unit.code if unit else ""
                )
            )
            done.too_large.append(f"{letter.sender or '?'}: {letter.subject or '(không tiêu đề)'}")
        self.log.record(self._message(place, "", letter, received, "too-large", reason), files)

    def _save(self, letter: Letter, received, digest: str, done: Collected) -> list[FileRecord]:
        unit = self.senders.get(letter.sender)
        code = unit.code if unit else ""
        stamp = received.astimezone(self.zone).strftime("%Y%m%d-%H%M%S")
        files = []
        taken: dict[str, str] = {}  # the files of this message: SHA-256 → where saved
        for index, piece in enumerate(letter.pieces):
            if piece.refused:
                key = hashlib.sha256(f"{digest}/{index}/{piece.name}".encode()).hexdigest()
                files.append(FileRecord(piece.name, key, 0, refused=piece.refused, unit_code=code))
                done.refused.append((piece.name, piece.refused))
                continue
            if piece.sha256 in taken:  # the same file under another name: saved once
                done.repeated.append(piece.name)
                saved = taken[piece.sha256]
                files.append(
                    FileRecord(piece.name, piece.sha256, len(piece.data), saved, unit_code=code)
                )
                continue
            saved, state = self._place(piece, f"{stamp}_{code}_" if code else f"{stamp}_")
            taken[piece.sha256] = saved
            self.history.record_mail(  # before the file is in the inbox: its arrival is the mail's
                piece.data,
                PurePath(saved).name,
                received,
                sender=letter.sender,
                subject=letter.subject,
                message_id=letter.message_id,
            )
            if state == "new":
                with atomic_path(self.inbox / saved) as tmp:
                    tmp.write_bytes(piece.data)
                    os.utime(tmp, (received.timestamp(), received.timestamp()))
            (done.repeated if state == "repeated" else done.saved).append(
                piece.name if state == "repeated" else saved
            )
            files.append(
                FileRecord(piece.name, piece.sha256, len(piece.data), saved, unit_code=code)
            )
        return files

    def _place(self, piece: Piece, prefix: str) -> tuple[str, str]:
        """Where `piece` goes in the inbox (relative path) and whether it is "new", already
        "there" (saved by a run that stopped before recording it) or "repeated" (the same
        bytes came in an earlier message). A name taken by other bytes gets " (2)"."""
        earlier = self.log.saved_as(piece.sha256)
        if earlier and _holds(self.inbox / earlier, piece):
            return earlier, "repeated"
        stem, suffix = PurePath(piece.name).stem, PurePath(piece.name).suffix
        number = 1
        while True:
            name = f"{MAIL_FOLDER}/{prefix}{stem}{f' ({number})' if number > 1 else ''}{suffix}"
            if not (self.inbox / name).exists():
                return name, "new"
            if _holds(self.inbox / name, piece):
                return name, "there"
            number += 1


def _holds(path: Path, piece: Piece) -> bool:
    """Whether `path` is a file with exactly the bytes of `piece`."""
    try:
        if not path.is_file() or path.stat().st_size != len(piece.data):
            return False
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest() == piece.sha256
    except OSError:
        return False


# --- answers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """What reading a received file is judged against (loaded once per run)."""

    catalog: Catalog
    registry: Registry
    catalog_set: str
    calendar: Calendar


def judge(path: Path, sender_unit: Unit | None, ref: Reference, as_of: date) -> Verdict:
    """Read and validate one received file on its own: the unit it is read as, and what the
    commune should know about it."""
    consolidation = consolidate(
        [path],
        catalog=ref.catalog,
        registry=ref.registry,
        catalog_set=ref.catalog_set,
        as_of=as_of,
        workers=1,
    )
    target = path.resolve()
    reports = [*consolidation.units, consolidation.district]
    report = next(
        (r for r in reports if r and r.submission and Path(r.submission.path) == target), None
    )
    if report is not None:
        issues = feedback_issues(report, consolidation.issues)
        issues = [i for i in issues if i.severity is not Severity.INFO]
        by_sender = (
            sender_unit is not None
            and report.unit.code == sender_unit.code
            and report.submission.unit_text == path.name
        )
        return Verdict(report.unit, by_sender, report, tuple(issues))
    mine = [  # why it was not read: an error, or it is a feedback copy sent back unchanged
        i
        for i in consolidation.issues
        if i.file == path.name
        and i.code not in OFFICE_ONLY
        and (i.severity is Severity.ERROR or i.code == OWN_OUTPUT)
    ]
    unit = next((ref.registry.get(i.unit_code) for i in mine if i.unit_code), None)
    by_sender = unit is not None and sender_unit is not None and unit.code == sender_unit.code
    return Verdict(unit, by_sender, None, tuple(mine))


def _same_file(answered: list[Answered], received: ReceivedFile) -> int | None:
    """The index in `answered` of the file with the contents of `received`, or None."""
    digest = received.file.sha256
    return next((i for i, a in enumerate(answered) if a.received.file.sha256 == digest), None)


@dataclass
class Answers:
    """The answers of one run, and what became of the files that get none."""

    mails: list[Mail] = field(default_factory=list)
    files: dict[MailKey, list[int]] = field(default_factory=dict)  # answer → file ids
    unanswered: list[str] = field(default_factory=list)  # "name: why"


def answer_mails(
    log: MailLog,
    *,
    inbox: Path,
    ref: Reference,
    senders: dict[str, Unit],
    office: str,
    zone: tzinfo,
    as_of: date,
    feedback_dir: Path,
    is_known: Callable[[MailKey], bool],
) -> Answers:
    """One answer to each message's collected files still pending (a file answered before
    on its own is not answered again). `is_known(key)`: whether the sent ledger already has
    that answer (sent, or waiting for a retry): then it is not built again. Feedback workbooks
    are written into `feedback_dir` (kept until the mails are composed)."""
    out = Answers()
    messages: dict[MessageRecord, list[ReceivedFile]] = {}
    for received in log.received_files(answer="pending"):
        messages.setdefault(received.message, []).append(received)
    for message, files in messages.items():
        sender_unit = senders.get(message.sender)
        answered: list[Answered] = []
        again: list[int] = []  # a file this message holds twice
        left: list[ReceivedFile] = []  # beyond MAX_SECTIONS: counted, not read for the answer
        for received in files:
            if not message.sender:
                _none(log, out, received, "thư không có địa chỉ người gửi hợp lệ")
                continue
            alone = answer_key(message.sender, [received])
            if alone in out.files or is_known(alone):  # answered already, on its own
                out.files.setdefault(alone, []).append(received.id)
            elif (twin := _same_file(answered, received)) is not None:
                answered[twin] = dataclasses.replace(
                    answered[twin], also=(*answered[twin].also, received.file.name)
                )
                again.append(received.id)
            elif len(answered) == MAX_SECTIONS:
                left.append(received)
            elif one := _answered(log, out, received, sender_unit, inbox, ref, as_of, feedback_dir):
                answered.append(one)
        if not answered:
            continue
        key = answer_key(message.sender, [*(a.received for a in answered), *left])
        ids = [a.received.id for a in answered] + again + [r.id for r in left]
        if key not in out.files and not is_known(key):
            out.mails.append(
                answer_mail(
                    answered,
                    left=tuple(left),
                    sender_unit=sender_unit,
                    office=office,
                    calendar=ref.calendar,
                    zone=zone,
                )
            )
        out.files.setdefault(key, []).extend(ids)
    return out


def _answered(
    log: MailLog,
    out: Answers,
    received: ReceivedFile,
    sender_unit: Unit | None,
    inbox: Path,
    ref: Reference,
    as_of: date,
    feedback_dir: Path,
) -> Answered | None:
    """The file read and judged, with its feedback workbook; None when it gets no answer."""
    verdict, feedback = None, None
    if received.file.saved:
        path = inbox / received.file.saved
        if not path.is_file():
            _none(log, out, received, f"tệp {received.file.saved} không còn trong thư mục nhận")
            return None
        verdict = judge(path, sender_unit, ref, as_of)
        feedback = _feedback(verdict, feedback_dir / str(received.id))
    if sender_unit is None and (verdict is None or verdict.unit is None):
        _none(log, out, received, "không rõ đơn vị gửi (địa chỉ không có trong danh bạ)")
        return None
    return Answered(received, verdict, feedback)


def _none(log: MailLog, out: Answers, received: ReceivedFile, why: str) -> None:
    log.set_answer(received.id, "none", why)
    out.unanswered.append(f"{received.file.name}: {why}")


def _feedback(verdict: Verdict, folder: Path) -> Path | None:
    """The feedback workbook of a file with something to fix, or None."""
    if verdict.report is None or not verdict.issues:
        return None
    return write_feedback(verdict.report, list(verdict.issues), folder)


# --- the job's two steps -------------------------------------------------------------------


def _senders(runner: Runner) -> tuple[dict[str, Unit], list[str], Registry]:
    registry = load_registry(runner.config.data_file("registry"))
    senders, notes = sender_units(registry, runner.config.data_file("contacts"))
    return senders, notes, registry


def fetch_mail(runner: Runner) -> list[str]:
    """Collect the mailbox's new messages into the runner's inbox; notes for the log.
    Raises MailboxError when the server cannot be reached or goes away (what was collected
    before that is kept)."""
    senders, notes, _ = _senders(runner)
    state = Path(runner.ledger.path).parent
    with MailLog(state) as log, History(state) as history:
        intake = Intake(
            runner.config,
            log,
            history=history,
            inbox=runner.inbox,
            senders=senders,
            zone=runner.zone,
        )
        return notes + intake.collect().notes()


def send_answers(runner: Runner, as_of: date, result: JobResult) -> None:
    """Answer every collected file not answered yet (through the sent ledger)."""
    with MailLog(Path(runner.ledger.path).parent) as log:
        if not log.received_files(answer="pending"):
            return
        senders, notes, registry = _senders(runner)
        config = runner.config
        ref = Reference(
            load_catalog(config.data_file("catalog")),
            registry,
            config.catalog_set,
            config_calendar(config),
        )
        with tempfile.TemporaryDirectory(prefix="ntm-tra-loi-") as folder:
            answers = answer_mails(
                log,
                inbox=runner.inbox,
                ref=ref,
                senders=senders,
                office=runner.mail.sender_name,
                zone=runner.zone,
                as_of=as_of,
                feedback_dir=Path(folder),
                is_known=lambda key: runner.ledger.get(key) is not None,
            )
            runner.deliver(SUBMISSION_ANSWER, answers.mails, result)
        for key, ids in answers.files.items():
            if runner.ledger.get(key) is not None:
                for file_id in ids:
                    log.set_answer(file_id, "queued")
        result.notes += notes
        if answers.unanswered:
            result.notes.append("không gửi trả lời: " + "; ".join(answers.unanswered))
