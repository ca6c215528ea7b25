"""The scheduled jobs: when they run, what each does, and the rules that keep them safe.

`declare_jobs` is the one place where the jobs and their times are declared (`schedule`
library, times in the configured time zone, Asia/Ho_Chi_Minh). The rules:
- every job is wrapped (`Runner.safe`): an exception is logged and never stops the loop;
- the dated jobs run once per period (local date, ISO week for the weekly summary, month for
  the monthly review), on working days only when configured (weekends, Vietnamese public
  holidays from `holidays`); a weekly or monthly job runs on its day or, when that day is
  skipped or missed, on the next working day of the same week or month;
- on start, a slot of today that has passed without a recorded run is caught up once;
- one scheduler per state folder (an OS file lock, `filelock`: Linux and Windows), and one job
  at a time across
  processes (`ntm-excel jobs once` waits for the scheduler's current job);
- mail goes through the sent ledger (see `ntm_excel.jobs.mail`): a re-run sends nothing twice, a
  failed message is retried with back-off until it is delivered;
- before each job, the ledger is checked (`Ledger.check`) and so is the clock: when it reads a
  day earlier than the last recorded run (set back), nothing runs (`ClockBehind`), since the
  jobs would send that day's mail again;
- every time a person reads (log, retry times, the lock's owner, mail dates) is in the
  configured time zone.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import schedule
from filelock import FileLock, Timeout

from ntm_excel.config import VIETNAM_TIME, Config, MailSettings, ScheduleSettings
from ntm_excel.errors import AlreadyRunning, ClockBehind, InboxMissing, NtmError, system_reason
from ntm_excel.jobs.ledger import Ledger, SubmissionRow, replace_damaged
from ntm_excel.jobs.mail import (
    DeliveryReport,
    Mail,
    check_transport,
    deliver,
    open_transport,
    retry_pending,
)
from ntm_excel.jobs.mailbox import check_mailbox
from ntm_excel.jobs.table import BY_NAME, JOBS, check_schedule, parse_time
from ntm_excel.model import Consolidation
from ntm_excel.read.inbox import list_submissions
from ntm_excel.reference.contacts import Contacts, load_contacts
from ntm_excel.text import first_of

log = logging.getLogger("ntm_excel.jobs")

RETRY = "retry"  # not a job of its own period: sends the failed messages that are due
RETRY_EVERY_MINUTES = 5
WEEKDAY_LABELS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
SCHEDULER_LOCK = "scheduler.lock"
JOB_LOCK = "jobs.lock"
JOB_OUTPUTS = "ket_qua"  # in the state folder: the jobs' master and feedback


# What the scheduler's own steps do, for a message when one fails (a job is named by itself)
_STEPS = {
    "retry": "gửi lại thư chưa gửi được",
    "catch_up": "chạy bù các việc đã qua giờ",
    "run_pending": "chạy các việc đến giờ",
}


def unexpected(step: str, exc: Exception) -> str:
    """An error that is no `NtmError` (a fault of the program, a system error nobody
    foresaw), in Vietnamese: the job or step it stopped, what that does, the error; the
    traceback goes to the log alone."""
    job = BY_NAME.get(step)
    what = f"việc {step} ({job.title})" if job else f"bước «{_STEPS.get(step, step)}»"
    said, kind = system_reason(exc), type(exc).__name__
    error = said if said == kind else f"{said} ({kind})"
    return (
        f"{what[:1].upper()}{what[1:]} gặp lỗi ngoài dự kiến: {error}. Chi tiết đã ghi vào "
        "nhật ký của bộ lập lịch; hãy gửi nhật ký cho người bảo trì chương trình."
    )


@contextlib.contextmanager
def file_lock(path: Path, *, blocking: bool, zone: tzinfo = VIETNAM_TIME) -> Iterator[None]:
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
            f"PID {os.getpid()}, từ {datetime.now(zone):%H:%M %d/%m/%Y}", encoding="utf-8"
        )
        yield
    finally:
        lock.release()


@dataclass(frozen=True)
class Snapshot:
    """A fresh consolidation with the files made from it, and what to tell about them."""

    consolidation: Consolidation
    master: Path | None = None
    feedback: Mapping[str, Path] = field(default_factory=dict)  # unit code → feedback workbook
    notes: tuple[str, ...] = ()


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


def inbox_files(inbox: Path, skip: Iterable[Path] = ()) -> dict[str, Path]:
    """Spreadsheets in the inbox, by path relative to the inbox, as the consolidation lists
    them (`ntm_excel.read.inbox`: sub-folders included, nothing outside the inbox, the tool's
    own folders `skip` left out). A missing inbox is an error, not an empty one."""
    if not inbox.is_dir():
        raise InboxMissing(inbox)
    return {
        path.relative_to(inbox).as_posix(): path
        for path in list_submissions([inbox], skip=skip).files
    }


def sha256_of(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def job_outputs(config: Config) -> Path:
    """The jobs' own master and feedback folder: in the state folder, so that a job never
    replaces the master the office made with `ntm-excel consolidate`."""
    return Path(config.state_dir) / JOB_OUTPUTS


def inbox_refresh(config: Config, *, write_files: bool = True) -> Refresh:
    """Consolidate the inbox's files; with `write_files`, record the run in the submission
    history (state folder) and write the jobs' master workbook and feedback workbooks
    (`job_outputs`, one generation: see `ntm_excel.write.outputs`; a feedback workbook is
    rewritten only when its file or issues changed) — unless no unit's workbook could be
    read, when the previous ones are kept and the run is not recorded."""

    def refresh(paths: list[Path], as_of: date) -> Snapshot:
        from ntm_excel.check.consolidate import consolidate_from_config

        if not write_files:
            return Snapshot(consolidate_from_config(paths, config, as_of))
        from ntm_excel.history import History
        from ntm_excel.write.feedback import FOLDER
        from ntm_excel.write.master import MASTER_NAME
        from ntm_excel.write.outputs import nothing_submitted, write_outputs

        folder = job_outputs(config)
        with History(config.state_dir) as history:
            receipts = history.last_receipt()
            consolidation = consolidate_from_config(paths, config, as_of, history=history)
            if nothing_submitted(consolidation):  # refused: not a run of the history
                history.discard(consolidation.history.consolidation_id, receipts)
                note = (
                    "thư mục nhận không có biểu nào đọc được: không ghi lại bảng tổng hợp và "
                    f"góp ý trong {folder}, không ghi lượt này vào lịch sử nộp"
                )
                return Snapshot(consolidation, notes=(note,))
            outputs = write_outputs(
                consolidation, folder / MASTER_NAME, feedback_dir=folder / FOLDER, history=history
            )
            history.finish(consolidation.history.consolidation_id, outputs.files)
        note = (
            f"đã ghi bảng tổng hợp {outputs.master} và {len(outputs.feedback)} tệp góp ý "
            "(của việc định kỳ; bảng tổng hợp của lệnh consolidate không bị thay)"
        )
        return Snapshot(consolidation, outputs.master, outputs.feedback, (note,))

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
        self.load_contacts = contacts or (lambda: load_contacts(config.data_file("contacts")))
        check_transport(self.mail)  # a missing password is said before any file is rewritten
        check_mailbox(config.mailbox, config.path)
        self.open_transport = lambda: open_transport(self.mail)
        self.inbox = Path(inbox or config.schedule.inbox)
        check_schedule(config)
        self.settings: ScheduleSettings = config.schedule
        self.zone = ZoneInfo(self.settings.timezone)
        self._holidays = holidays.Vietnam(language="vi")
        self._snapshot: tuple[date, dict[str, str], Snapshot] | None = None
        self._refresh_notes: list[str] = []  # what the refreshes of the running job wrote
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
        return parse_time(BY_NAME[job].at(self.settings.jobs))

    @staticmethod
    def period(job: str, as_of: date) -> str:
        return BY_NAME[job].period_key(as_of)

    # --- running -----------------------------------------------------------------------

    def safe(self, function: Callable, *args) -> object:
        """Call `function` (a job's name as `args`); log an exception instead of letting it
        reach the loop."""
        step = str(args[0]) if args else getattr(function, "__name__", str(function))
        try:
            return function(*args)
        except NtmError as exc:  # said plainly, without a traceback
            log.error("Việc %s không chạy: %s", step, exc)
        except Exception as exc:
            log.exception("%s Lịch chạy vẫn tiếp tục.", unexpected(step, exc))
        return None

    def check_ready(self) -> None:
        """Raise when no job may run: the ledger was damaged under us (`LedgerDamaged`), or
        the clock reads a day before the last recorded run (`ClockBehind`)."""
        self.ledger.check()
        last = max(filter(None, (self.ledger.last_run(job.name) for job in JOBS)), default=None)
        now = self.now()
        last = last.astimezone(self.zone) if last else None
        if last is not None and now.date() < last.date():
            raise ClockBehind(
                f"Đồng hồ máy đang chỉ {now:%H:%M %d/%m/%Y} ({self.settings.timezone}), sớm "
                f"hơn lần chạy gần nhất đã ghi trong sổ ({last:%H:%M %d/%m/%Y}): đồng hồ có "
                "vẻ đã bị chỉnh lùi. Không chạy việc nào, để khỏi gửi lại thư của những ngày "
                "đã gửi. Hãy chỉnh lại ngày giờ của máy. Nếu đồng hồ bây giờ mới đúng (trước "
                "đây chạy nhanh), các việc tự chạy lại từ ngày của lần chạy đó."
            )

    def run(self, job: str, as_of: date | None = None) -> JobResult:
        """Run `job` now for `as_of` (default: today), whatever the day; the ledger still
        keeps every message to one delivery."""
        if job not in BY_NAME:
            raise ValueError(f"không có việc «{job}» (chọn: {', '.join(BY_NAME)})")
        as_of = as_of or self.now().date()
        result = JobResult(job, self.period(job, as_of))
        started = datetime.now(UTC)
        with file_lock(self._lock_path, blocking=True, zone=self.zone):
            self.check_ready()
            self._refresh_notes = []
            try:
                BY_NAME[job].work(self, as_of, result)
            except NtmError as exc:  # the office's files or settings: said plainly
                result.error = str(exc)
            except Exception as exc:  # a fault: the traceback in the log, the rest said plainly
                result.error = unexpected(job, exc)
                log.exception("%s (kỳ %s)", result.error, result.period)
            result.notes += self._refresh_notes
            if BY_NAME[job].dated or result.notes:
                self.ledger.record_run(
                    job,
                    result.period,
                    started=started,
                    ok=not result.error,
                    note=result.error or "; ".join(result.notes),
                )
        for line in describe(result, self.zone):
            log.info(line)
        return result

    def run_slot(self, job: str) -> JobResult:
        """Run `job` when its slot has come (what the scheduler calls at the job's time, and
        `jobs once --if-due`): a working day, its day of the week or month reached, its time
        of day passed, and this period not yet run."""
        now = self.now()
        today, at = now.date(), self.slot_time(job)
        result = JobResult(job, self.period(job, today))
        if reason := self.skip_reason(today):
            result.skipped = reason
        elif early := BY_NAME[job].too_early(today, self.settings.jobs):
            result.skipped = early
        elif now.time() < at:
            result.skipped = (
                f"chưa đến giờ: việc chạy từ {at:%H:%M} ({self.settings.timezone}), bây giờ "
                f"mới {now:%H:%M}"
            )
        elif self.ledger.has_run(job, result.period):
            result.skipped = f"đã chạy cho kỳ {result.period}"
        else:
            return self.run(job, today)
        log.info("Bỏ qua %s: %s", job, result.skipped)
        return result

    def catch_up(self) -> list[JobResult]:
        """On start: run once each dated job whose time today has passed without a run."""
        now = self.now()
        return [
            self.run_slot(job.name)
            for job in JOBS
            if job.dated and now.time() >= self.slot_time(job.name)
        ]

    def retry(self) -> DeliveryReport:
        """Send the failed messages whose retry time has come."""
        self.check_ready()
        if not self.ledger.due_retries():
            return DeliveryReport()
        with file_lock(self._lock_path, blocking=True, zone=self.zone):
            transport = self.open_transport()
            try:
                report = retry_pending(transport, self.ledger)
            finally:
                transport.close()
        for key, error, _ in report.failed:
            log.warning("Gửi lại thư %s cho %s chưa được: %s", key.job, key.recipient, error)
        for key, doubt in report.doubtful:
            log.warning("Thư %s cho %s: %s", key.job, key.recipient, doubt)
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
        files = inbox_files(self.inbox, self.config.output_folders())
        changed = self._changed(files)
        state = {name: str(path.stat().st_mtime_ns) for name, path in files.items()}
        cached = self._snapshot
        if not changed and cached and cached[0] == as_of and cached[1] == state:
            return cached[2]
        if not changed and not force:
            return None
        snap = self.refresh([self.inbox], as_of)  # listed again: with what is not a workbook
        self._refresh_notes += snap.notes
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

    def deliver(self, job: str, mails: list[Mail], result: JobResult) -> None:
        transport = self.open_transport()
        try:
            result.delivery = deliver(mails, transport, self.ledger, self.mail, zone=self.zone)
            result.delivery.extend(retry_pending(transport, self.ledger, job=job))
        finally:
            transport.close()


def declare_jobs(scheduler: schedule.Scheduler, runner: Runner) -> None:
    """Declare every job of the table at its configured time (and the retries).

    A weekly job is checked every day at its time: it runs on its weekday, or on the next
    working day of the week when that day was skipped (holiday) or missed."""
    settings, tz = runner.settings.jobs, runner.settings.timezone
    for job in JOBS:
        if job.dated:
            daily = scheduler.every().day.at(job.at(settings), tz)
            daily.do(runner.safe, runner.run_slot, job.name)
        else:
            every = scheduler.every(job.every_minutes(settings)).minutes
            every.do(runner.safe, runner.run, job.name)
    scheduler.every(RETRY_EVERY_MINUTES).minutes.do(runner.safe, runner.retry)


def serve(runner: Runner, *, stop: threading.Event | None = None) -> None:
    """The scheduler's loop (`ntm-excel jobs run`) until `stop` is set or the process ends.

    Raises AlreadyRunning when another scheduler uses the same state folder.
    """
    stop = stop or threading.Event()
    lock = Path(runner.ledger.path).parent / SCHEDULER_LOCK
    with file_lock(lock, blocking=False, zone=runner.zone):
        log.info("Bộ lập lịch bắt đầu (múi giờ %s)", runner.settings.timezone)
        for job in JOBS:
            if not job.dated:  # the inbox is looked at first
                runner.safe(runner.run, job.name)
        runner.safe(runner.catch_up)
        runner.safe(runner.retry)
        scheduler = schedule.Scheduler()
        declare_jobs(scheduler, runner)
        while not stop.is_set():
            runner.safe(scheduler.run_pending)
            stop.wait(min(max(scheduler.idle_seconds or 60, 1), 60))
        log.info("Bộ lập lịch dừng")


def _dated(name: str) -> bool:
    return name not in BY_NAME or BY_NAME[name].dated


def describe(result: JobResult, zone: tzinfo = VIETNAM_TIME) -> list[str]:
    """What a job did, in Vietnamese, one line per fact (times in `zone`)."""
    name = f"{result.job} ({result.period})" if result.period else result.job
    if result.skipped:
        return [f"{name}: bỏ qua — {result.skipped}"]
    lines = []
    if result.error:
        lines.append(f"{name}: LỖI — {result.error}")
    d = result.delivery
    if (
        d.sent
        or d.already_sent
        or d.failed
        or d.doubtful
        or (_dated(result.job) and not result.error)
    ):
        doubtful = f", {len(d.doubtful)} thư có thể đã đến (cần kiểm tra)" if d.doubtful else ""
        lines.append(
            f"{name}: đã gửi {len(d.sent)} thư, {len(d.already_sent)} thư đã gửi trước đó "
            f"(không gửi lại), {len(d.failed)} thư lỗi{doubtful}"
        )
    same: dict[tuple[str, str], list[str]] = {}  # one line per reason (a server down: all)
    for key, error, retry in d.failed:
        same.setdefault((error, f"{retry.astimezone(zone):%H:%M %d/%m/%Y}"), []).append(
            key.recipient
        )
    for (error, retry), recipients in same.items():
        whom = first_of(recipients, 3, "người nhận")
        count = f"{len(recipients)} thư " if len(recipients) > 1 else ""
        lines.append(f"  - chưa gửi được {count}cho {whom}: {error} (sẽ thử lại sau {retry})")
    for key, doubt in d.doubtful:
        lines.append(f"  - cần kiểm tra thư gửi {key.recipient}: {doubt}")
    if result.unmatched:
        lines.append("  Không có trong danh bạ: " + ", ".join(result.unmatched))
    if result.no_email:
        lines.append("  Chưa có địa chỉ thư: " + ", ".join(result.no_email))
    if not _dated(result.job) and not lines:
        lines.append(f"{name}: " + ("có thay đổi" if result.notes else "không có tệp mới"))
    lines += [f"  {note}" for note in result.notes]
    return lines


def new_ledger(config: Config) -> list[str]:
    """`ntm-excel jobs new-ledger`: move a damaged ledger aside and start a new one in which the
    dated jobs whose time has passed today count as run (their mail may have gone out: the
    scheduler and `--if-due` do not send it again). What was done, one line per fact; nothing
    is done when the ledger is sound (empty list)."""
    zone = ZoneInfo(config.schedule.timezone)
    copy = replace_damaged(config.state_dir, zone)
    if copy is None:
        return []
    settings, now = config.schedule.jobs, datetime.now(zone)
    today = now.date()
    with Ledger(config.state_dir, zone=zone) as ledger:
        lines = [f"Đã lập sổ thư mới {ledger.path}; bản của sổ hỏng: {copy}."]
        for job in JOBS:
            if not job.dated:
                continue
            if not job.has_come(now, settings):
                continue  # not due yet: it runs at its time as usual
            period = job.period_key(today)
            note = f"sổ thư lập lại lúc {now:%H:%M %d/%m/%Y}"
            ledger.record_run(job.name, period, started=now, note=note)
            lines.append(
                f"  {job.name} ({period}): coi như đã chạy, không gửi lại; nếu thư chưa đi, "
                f"gửi bằng «ntm-excel jobs once {job.name}»."
            )
    return lines
