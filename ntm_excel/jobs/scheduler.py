"""The scheduled jobs: when they run, what each does, and the rules that keep them safe.

`declare_jobs` is the one place where the jobs and their times are declared (`schedule`
library, times in the configured time zone, Asia/Ho_Chi_Minh). The rules:
- every job is wrapped (`Runner.safe`): an exception is logged and never stops the loop;
- the dated jobs run once per period (local date, or ISO week for the weekly summary), on
  working days only when configured (weekends, Vietnamese public holidays from `holidays`);
  the weekly summary runs on its weekday or, when that day is skipped or missed, on the next
  working day of the same week;
- on start, a slot of today that has passed without a recorded run is caught up once;
- one scheduler per state folder (an OS file lock, `filelock`: Linux and Windows), and one job
  at a time across
  processes (`ntm-excel jobs once` waits for the scheduler's current job);
- mail goes through the sent ledger (see `ntm_excel.jobs.mail`): a re-run sends nothing twice, a
  failed message is retried with back-off until it is delivered.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import schedule
from filelock import FileLock, Timeout

from ntm_excel.check.figures import Headline
from ntm_excel.config import Config, MailSettings, ScheduleSettings
from ntm_excel.errors import AlreadyRunning, InboxMissing, NtmError
from ntm_excel.jobs.digest import (
    DAILY_DIGEST,
    UNIT_REMINDERS,
    WEEKLY_SUMMARY,
    daily_mails,
    reminder_mails,
    week_period,
    weekly_mails,
)
from ntm_excel.jobs.ledger import Ledger, SubmissionRow
from ntm_excel.jobs.mail import DeliveryReport, Mail, deliver, open_transport, retry_pending
from ntm_excel.model import Consolidation
from ntm_excel.reference.contacts import Contacts, load_contacts

log = logging.getLogger("ntm_excel.jobs")

COLLECT = "collect"
RETRY = "retry"  # not a job of its own period: sends the failed messages that are due
JOB_NAMES = (DAILY_DIGEST, WEEKLY_SUMMARY, UNIT_REMINDERS, COLLECT)
DATED_JOBS = (DAILY_DIGEST, WEEKLY_SUMMARY, UNIT_REMINDERS)
RETRY_EVERY_MINUTES = 5
INBOX_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_LABELS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
SCHEDULER_LOCK = "scheduler.lock"
JOB_LOCK = "jobs.lock"


@contextlib.contextmanager
def file_lock(path: Path, *, blocking: bool) -> Iterator[None]:
    """An exclusive OS lock on `path` (released when the process ends, even by a crash).

    Who holds it is written beside it (`path` + ".owner") for the message a second
    process shows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    owner_file = path.with_name(path.name + ".owner")
    lock = FileLock(path, timeout=-1 if blocking else 0)
    try:
        lock.acquire()
    except Timeout:
        owner = owner_file.read_text(encoding="utf-8").strip() if owner_file.exists() else "?"
        raise AlreadyRunning(
            f"Bộ lập lịch ntm-excel đang chạy ở tiến trình khác ({owner}) với thư mục "
            f"trạng thái {path.parent}. Chỉ được chạy một bộ lập lịch một lúc; hãy dừng "
            "tiến trình kia trước, hoặc dùng «ntm-excel jobs once TÊN_VIỆC»."
        ) from None
    try:
        owner_file.write_text(
            f"PID {os.getpid()}, từ {datetime.now():%d/%m/%Y %H:%M}", encoding="utf-8"
        )
        yield
    finally:
        lock.release()


def parse_time(text: str) -> time:
    hour, minute = text.strip().split(":")
    return time(int(hour), int(minute))


def parse_weekly(text: str) -> tuple[int, str]:
    """ "monday 08:00" → (0, "08:00")."""
    day, _, at = text.strip().partition(" ")
    if day.lower() not in WEEKDAYS:
        raise ValueError(f"lịch tuần «{text}» phải có dạng «monday 08:00»")
    parse_time(at)
    return WEEKDAYS.index(day.lower()), at.strip()


@dataclass(frozen=True)
class Snapshot:
    """A fresh consolidation with the files made from it."""

    consolidation: Consolidation
    master: Path | None = None
    feedback: Mapping[str, Path] = field(default_factory=dict)  # unit code → feedback workbook


Refresh = Callable[[list[Path], date], Snapshot]


@dataclass
class JobResult:
    job: str
    period: str
    skipped: str = ""  # why the job did not run ("" when it ran)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    unmatched: list[str] = field(default_factory=list)
    no_email: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and not self.delivery.failed


def inbox_files(inbox: Path) -> dict[str, Path]:
    """Spreadsheets in the inbox (sub-folders included; Excel's "~$" lock files left out),
    by path relative to the inbox. A missing inbox is an error, not an empty one."""
    if not inbox.is_dir():
        raise InboxMissing(inbox)
    return {
        path.relative_to(inbox).as_posix(): path
        for path in sorted(inbox.rglob("*"))
        if path.is_file()
        and path.suffix.lower() in INBOX_SUFFIXES
        and not path.name.startswith(("~$", "."))
    }


def sha256_of(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def inbox_refresh(config: Config, *, write_files: bool = True) -> Refresh:
    """Consolidate the inbox's files; with `write_files`, also write the master workbook and
    the feedback workbooks of the units whose submission has errors."""

    def refresh(paths: list[Path], as_of: date) -> Snapshot:
        from ntm_excel.check.consolidate import consolidate_from_config

        consolidation = consolidate_from_config(paths, config, as_of)
        if not write_files:
            return Snapshot(consolidation)
        from ntm_excel.write.feedback import FOLDER, write_feedback
        from ntm_excel.write.master import write_master

        master = write_master(consolidation, config.master)
        feedback = {}
        for report in consolidation.units:
            if report.submitted and report.errors:
                issues = [i for i in consolidation.issues if i.unit_code == report.unit.code]
                path = write_feedback(report, issues, Path(config.master).parent / FOLDER)
                if path is not None:
                    feedback[report.unit.code] = path
        return Snapshot(consolidation, master, feedback)

    return refresh


class Runner:
    """Runs the jobs against one state folder, mail transport and source of consolidations."""

    def __init__(
        self,
        config: Config,
        ledger: Ledger,
        *,
        mail: MailSettings | None = None,
        refresh: Refresh | None = None,
        contacts: Callable[[], Contacts] | None = None,
        inbox: Path | None = None,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.mail = mail or config.mail
        self.refresh = refresh or inbox_refresh(config)
        self.load_contacts = contacts or (lambda: load_contacts(config.contacts))
        self.open_transport = lambda: open_transport(self.mail)
        self.inbox = Path(inbox or config.schedule.inbox)
        self.settings: ScheduleSettings = config.schedule
        self.zone = ZoneInfo(self.settings.timezone)
        self._holidays = holidays.Vietnam(language="vi")
        self._snapshot: tuple[date, dict[str, str], Snapshot] | None = None
        self._lock_path = Path(ledger.path).parent / JOB_LOCK

    # --- time --------------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def skip_reason(self, day: date) -> str:
        """Why `day` is not a working day under the configuration, or ""."""
        if self.settings.skip_weekends and day.weekday() >= 5:
            return f"{WEEKDAY_LABELS[day.weekday()]} {day:%d/%m/%Y} là ngày nghỉ cuối tuần"
        if self.settings.skip_holidays and day in self._holidays:
            return f"{day:%d/%m/%Y} là ngày lễ ({self._holidays.get(day)})"
        return ""

    def slot_time(self, job: str) -> time:
        if job == DAILY_DIGEST:
            return parse_time(self.settings.daily_digest)
        if job == WEEKLY_SUMMARY:
            return parse_time(parse_weekly(self.settings.weekly_summary)[1])
        return parse_time(self.settings.unit_reminders)

    @staticmethod
    def period(job: str, as_of: date) -> str:
        return week_period(as_of) if job == WEEKLY_SUMMARY else as_of.isoformat()

    # --- running -----------------------------------------------------------------------

    def safe(self, function: Callable, *args) -> object:
        """Call `function`; log an exception instead of letting it reach the loop."""
        try:
            return function(*args)
        except Exception:
            name = " ".join([getattr(function, "__name__", str(function)), *map(str, args)])
            log.exception("Việc %s gặp lỗi; lịch chạy vẫn tiếp tục", name)
            return None

    def run(self, job: str, as_of: date | None = None) -> JobResult:
        """Run `job` now for `as_of` (default: today), whatever the day; the ledger still
        keeps every message to one delivery."""
        if job not in JOB_NAMES:
            raise ValueError(f"không có việc «{job}» (chọn: {', '.join(JOB_NAMES)})")
        as_of = as_of or self.now().date()
        result = JobResult(job, self.period(job, as_of))
        started = datetime.now(UTC)
        with file_lock(self._lock_path, blocking=True):
            try:
                getattr(self, "_" + job.replace("-", "_"))(as_of, result)
            except NtmError as exc:  # the office's files or settings: said plainly
                result.error = str(exc)
            except Exception as exc:
                log.exception("Việc %s (%s) gặp lỗi", job, result.period)
                result.error = f"{type(exc).__name__}: {exc}"
            if job != COLLECT or result.notes:
                self.ledger.record_run(
                    job,
                    result.period,
                    started=started,
                    ok=not result.error,
                    note=result.error or "; ".join(result.notes),
                )
        for line in describe(result):
            log.info(line)
        return result

    def run_slot(self, job: str) -> JobResult:
        """What the scheduler calls at a job's time: the working-day and once-per-period
        rules first."""
        today = self.now().date()
        result = JobResult(job, self.period(job, today))
        if reason := self.skip_reason(today):
            result.skipped = reason
        elif (
            job == WEEKLY_SUMMARY
            and today.weekday() < parse_weekly(self.settings.weekly_summary)[0]
        ):
            result.skipped = "chưa đến ngày gửi báo cáo tuần"
        elif self.ledger.has_run(job, result.period):
            result.skipped = f"đã chạy cho kỳ {result.period}"
        else:
            return self.run(job, today)
        log.info("Bỏ qua %s: %s", job, result.skipped)
        return result

    def catch_up(self) -> list[JobResult]:
        """On start: run once each dated job whose time today has passed without a run."""
        now = self.now()
        return [self.run_slot(job) for job in DATED_JOBS if now.time() >= self.slot_time(job)]

    def retry(self) -> DeliveryReport:
        """Send the failed messages whose retry time has come."""
        if not self.ledger.due_retries():
            return DeliveryReport()
        with file_lock(self._lock_path, blocking=True):
            transport = self.open_transport()
            try:
                report = retry_pending(transport, self.ledger)
            finally:
                transport.close()
        for key, error, _ in report.failed:
            log.warning("Gửi lại thư %s cho %s chưa được: %s", key.job, key.recipient, error)
        if report.sent:
            log.info("Đã gửi lại %d thư", len(report.sent))
        return report

    # --- consolidations ----------------------------------------------------------------

    def _changed(self, files: dict[str, Path]) -> dict[str, str]:
        """Inbox files that are new or changed (by sha256) → their hash, or removed → ""."""
        known = self.ledger.latest_hashes()
        hashes = {name: sha256_of(path) for name, path in files.items()}
        hashes |= {name: "" for name, digest in known.items() if digest and name not in files}
        return {name: digest for name, digest in hashes.items() if known.get(name, "") != digest}

    def snapshot(self, as_of: date, *, force: bool = True) -> Snapshot | None:
        """The consolidation of the inbox on `as_of`, refreshed when files arrived or
        changed; every such file is recorded in the submission history. With
        `force=False` nothing is consolidated when nothing changed (None)."""
        files = inbox_files(self.inbox)
        changed = self._changed(files)
        state = {name: str(path.stat().st_mtime_ns) for name, path in files.items()}
        cached = self._snapshot
        if not changed and cached and cached[0] == as_of and cached[1] == state:
            return cached[2]
        if not changed and not force:
            return None
        snap = self.refresh(list(files.values()), as_of)
        if changed:
            units = {}
            for report in snap.consolidation.units:
                if report.submission:
                    units[report.submission.sha256] = report.unit.code
            received = datetime.now(UTC)
            self.ledger.record_submissions(
                [
                    SubmissionRow(
                        units.get(digest, ""),
                        name,
                        digest,
                        files[name].stat().st_size if digest else 0,
                        received,
                    )
                    for name, digest in changed.items()
                ]
            )
        self._snapshot = (as_of, state, snap)
        return snap

    # --- the jobs ----------------------------------------------------------------------

    def _deliver(self, job: str, mails: list[Mail], result: JobResult) -> None:
        transport = self.open_transport()
        try:
            result.delivery = deliver(mails, transport, self.ledger, self.mail)
            result.delivery.extend(retry_pending(transport, self.ledger, job=job))
        finally:
            transport.close()

    def _daily_digest(self, as_of: date, result: JobResult) -> None:
        snap = self.snapshot(as_of)
        out = daily_mails(
            snap.consolidation,
            self.load_contacts(),
            deadline=self.config.reporting_deadline,
        )
        result.unmatched, result.no_email = out.unmatched, out.no_email
        self._deliver(DAILY_DIGEST, out.mails, result)

    def _weekly_summary(self, as_of: date, result: JobResult) -> None:
        recipients = self.settings.steering_committee
        if not recipients:
            result.notes.append("chưa khai báo địa chỉ Ban chỉ đạo (schedule.steering_committee)")
        snap = self.snapshot(as_of)
        previous = self.ledger.previous_summary(result.period)
        mails, figures = weekly_mails(
            snap.consolidation,
            recipients,
            previous=(previous[0], Headline.from_dict(previous[1])) if previous else None,
            master=snap.master,
            contacts=self.load_contacts(),
        )
        self.ledger.save_summary(result.period, figures.to_dict())
        self._deliver(WEEKLY_SUMMARY, mails, result)

    def _unit_reminders(self, as_of: date, result: JobResult) -> None:
        snap = self.snapshot(as_of)
        out = reminder_mails(
            snap.consolidation, deadline=self.config.reporting_deadline, feedback=snap.feedback
        )
        result.no_email = out.no_email
        self._deliver(UNIT_REMINDERS, out.mails, result)

    def _collect(self, as_of: date, result: JobResult) -> None:
        before = self.ledger.latest_hashes()
        if self.snapshot(as_of, force=False) is None:
            return
        after = self.ledger.latest_hashes()
        fresh = sorted(name for name, digest in after.items() if before.get(name) != digest)
        if fresh:
            more = f" và {len(fresh) - 10} tệp khác" if len(fresh) > 10 else ""
            result.notes.append(
                f"đã tổng hợp lại vì có {len(fresh)} tệp mới, đã sửa hoặc đã bỏ: "
                + ", ".join(fresh[:10])
                + more
            )


def declare_jobs(scheduler: schedule.Scheduler, runner: Runner) -> None:
    """THE declaration of the scheduled jobs (times from the [schedule] configuration)."""
    settings, tz = runner.settings, runner.settings.timezone
    scheduler.every().day.at(settings.daily_digest, tz).do(
        runner.safe, runner.run_slot, DAILY_DIGEST
    )
    # Weekly summary: checked every day at its time, sent on its weekday or the next
    # working day of the week when that day was skipped (holiday) or missed.
    _, weekly_at = parse_weekly(settings.weekly_summary)
    scheduler.every().day.at(weekly_at, tz).do(runner.safe, runner.run_slot, WEEKLY_SUMMARY)
    scheduler.every().day.at(settings.unit_reminders, tz).do(
        runner.safe, runner.run_slot, UNIT_REMINDERS
    )
    scheduler.every(settings.collect_every_minutes).minutes.do(runner.safe, runner.run, COLLECT)
    scheduler.every(RETRY_EVERY_MINUTES).minutes.do(runner.safe, runner.retry)


def serve(runner: Runner, *, stop: threading.Event | None = None) -> None:
    """The scheduler's loop (`ntm-excel jobs run`) until `stop` is set or the process ends.

    Raises AlreadyRunning when another scheduler uses the same state folder.
    """
    stop = stop or threading.Event()
    with file_lock(Path(runner.ledger.path).parent / SCHEDULER_LOCK, blocking=False):
        log.info("Bộ lập lịch bắt đầu (múi giờ %s)", runner.settings.timezone)
        runner.safe(runner.run, COLLECT)
        runner.safe(runner.catch_up)
        runner.safe(runner.retry)
        scheduler = schedule.Scheduler()
        declare_jobs(scheduler, runner)
        while not stop.is_set():
            runner.safe(scheduler.run_pending)
            stop.wait(min(max(scheduler.idle_seconds or 60, 1), 60))
        log.info("Bộ lập lịch dừng")


def describe(result: JobResult) -> list[str]:
    """What a job did, in Vietnamese, one line per fact."""
    name = f"{result.job} ({result.period})" if result.period else result.job
    if result.skipped:
        return [f"{name}: bỏ qua — {result.skipped}"]
    lines = []
    if result.error:
        lines.append(f"{name}: LỖI — {result.error}")
    d = result.delivery
    if d.sent or d.already_sent or d.failed or (result.job != COLLECT and not result.error):
        lines.append(
            f"{name}: đã gửi {len(d.sent)} thư, {len(d.already_sent)} thư đã gửi trước đó "
            f"(không gửi lại), {len(d.failed)} thư lỗi"
        )
    for key, error, retry in d.failed:
        lines.append(
            f"  - chưa gửi được cho {key.recipient}: {error} "
            f"(sẽ thử lại sau {retry.astimezone():%H:%M %d/%m/%Y})"
        )
    if result.unmatched:
        lines.append("  Không có trong danh bạ: " + ", ".join(result.unmatched))
    if result.no_email:
        lines.append("  Chưa có địa chỉ thư: " + ", ".join(result.no_email))
    if result.job == COLLECT and not lines:
        lines.append(f"{name}: " + ("có thay đổi" if result.notes else "không có tệp mới"))
    lines += [f"  {note}" for note in result.notes]
    return lines
