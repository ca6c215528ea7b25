"""The scheduled jobs, one declaration each: its name, its period, the [schedule] key that says
when it runs (with the default), and the function that does its work.

A new job is one `Job` in `JOBS`. The scheduler (`ntm_excel.jobs.scheduler`) reads this table
to declare the times, to keep each job to one run per period, and to run a job by name.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from ntm_excel.config import VIETNAM_TIME, Config, ScheduleSettings, unknown_key
from ntm_excel.errors import ConfigError, MailboxError
from ntm_excel.history import History
from ntm_excel.jobs.digest import (
    DAILY_DIGEST,
    MONTHLY_REVIEW,
    UNIT_REMINDERS,
    WEEKLY_SUMMARY,
    daily_mails,
    reminder_mails,
    weekly_mails,
)
from ntm_excel.jobs.mail_text import month_period, week_period

if TYPE_CHECKING:
    from ntm_excel.check.progress import UnitChange
    from ntm_excel.jobs.scheduler import JobResult, Runner

# Every command checks the [schedule] keys against this table (`check_schedule`): what only
# a job's work needs (the mailbox, the monthly review, the changes since) is imported when
# the job runs.

COLLECT = "collect"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Period(StrEnum):
    """How often a job runs: once a working day, week or month, or every few minutes."""

    DAY = "day"  # setting "07:30"
    WEEK = "week"  # setting "monday 08:00": on that day, or the next working day of the week
    MONTH = "month"  # setting "1 08:00": on that day of the month, or the next working day
    MINUTES = "minutes"  # setting 15: every 15 minutes, no once-per-period rule


def parse_time(text: str) -> time:
    """ "07:30" → 07:30; a ValueError saying the form for anything else («7h30», «25:00»)."""
    found = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", str(text).strip(), re.ASCII)
    if not found:
        raise ValueError(f"giờ «{text}» phải ghi dạng giờ:phút từ 00:00 đến 23:59, ví dụ «07:30»")
    return time(int(found[1]), int(found[2]))


def parse_weekly(text: str) -> tuple[int, str]:
    """ "monday 08:00" → (0, "08:00")."""
    day, _, at = str(text).strip().partition(" ")
    if day.lower() not in WEEKDAYS:
        raise ValueError(f"lịch tuần «{text}» phải có dạng «monday 08:00»")
    parse_time(at)
    return WEEKDAYS.index(day.lower()), at.strip()


def parse_monthly(text: str) -> tuple[int, str]:
    """ "1 08:00" → (1, "08:00"): the day of the month (1–28, so every month has it)."""
    day, _, at = str(text).strip().partition(" ")
    if not day.isdigit() or not 1 <= int(day) <= 28:
        raise ValueError(f"lịch tháng «{text}» phải có dạng «1 08:00» (ngày 1–28 và giờ)")
    parse_time(at)
    return int(day), at.strip()


Work = Callable[["Runner", date, "JobResult"], None]


@dataclass(frozen=True)
class Job:
    name: str  # as typed in `ntm-excel jobs once NAME`, and the sent ledger's job
    period: Period
    setting: str  # its key in [schedule]
    default: str | int
    work: Work
    title: str  # what it does, in Vietnamese

    def value(self, settings: Mapping[str, object]) -> str | int:
        """Its setting as configured (the [schedule] section's job keys), else the default."""
        return settings.get(self.setting, self.default)

    def at(self, settings: Mapping[str, object]) -> str:
        """The "HH:MM" it runs at (dated jobs)."""
        value = self.value(settings)
        if self.period is Period.WEEK:
            return parse_weekly(value)[1]
        if self.period is Period.MONTH:
            return parse_monthly(value)[1]
        return str(value)

    def too_early(self, day: date, settings: Mapping[str, object]) -> str:
        """Why `day` comes before the job's day in its week or month, or "": a weekly or
        monthly job runs on its day, or on the next working day of the period."""
        if self.period is Period.WEEK and day.weekday() < parse_weekly(self.value(settings))[0]:
            return "chưa đến ngày gửi báo cáo tuần"
        if self.period is Period.MONTH and day.day < parse_monthly(self.value(settings))[0]:
            return "chưa đến ngày gửi thư soát xét tháng"
        return ""

    def every_minutes(self, settings: Mapping[str, object]) -> int:
        return int(self.value(settings))

    def has_come(self, now: datetime, settings: Mapping[str, object]) -> bool:
        """Whether the job's time in the current period has come by `now`: a later day of its
        week or month, or its day (every day for a daily job) from its time on."""
        day = now.date()
        if self.too_early(day, settings):
            return False
        value = self.value(settings)
        on_its_day = (
            (self.period is Period.WEEK and day.weekday() == parse_weekly(value)[0])
            or (self.period is Period.MONTH and day.day == parse_monthly(value)[0])
            or self.period is Period.DAY
        )
        return not on_its_day or now.time() >= parse_time(self.at(settings))

    def period_key(self, day: date) -> str:
        """The ledger's period: local date, ISO week for a weekly job, month for a monthly."""
        if self.period is Period.WEEK:
            return week_period(day)
        if self.period is Period.MONTH:
            return month_period(day)
        return day.isoformat()

    @property
    def dated(self) -> bool:
        """Whether it runs once per period at a time of day (and is caught up when missed)."""
        return self.period is not Period.MINUTES

    def check(self, settings: Mapping[str, object]) -> None:
        """Raise ValueError when its setting cannot be used."""
        if self.period is Period.MINUTES:
            value = self.value(settings)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"giá trị «{value}» không dùng được: cần một số phút nguyên từ 1 trở lên, "
                    "không có dấu nháy (ví dụ 15)"
                )
        else:
            parse_time(self.at(settings))


# --- what each job does ----------------------------------------------------------------


def daily_digest(runner: Runner, as_of: date, result: JobResult) -> None:
    snap = runner.snapshot(as_of)
    contacts = runner.load_contacts()
    out = daily_mails(snap.consolidation, contacts, deadline=runner.config.reporting_deadline)
    result.unmatched, result.no_email = out.unmatched, out.no_email
    result.notes += contacts.problems
    runner.deliver(DAILY_DIGEST, out.mails, result)


def week_changes(runner: Runner, consolidation, as_of: date) -> list[UnitChange] | None:
    """The units that sent a new version in the seven days to `as_of` (arrival times, Vietnam),
    with what moved; None when the history holds no version yet."""
    from ntm_excel.check.progress import changes_since

    units = [r.unit for r in consolidation.units]
    units += [consolidation.district.unit] if consolidation.district else []
    since = datetime.combine(as_of - timedelta(days=7), time(), VIETNAM_TIME)
    until = datetime.combine(as_of + timedelta(days=1), time(), VIETNAM_TIME)
    with History(Path(runner.ledger.path).parent) as history:
        if not history.versions():
            return None
        return changes_since(history, units, since, until=until)


def month_changes(runner: Runner, consolidation, as_of: date) -> list[UnitChange] | None:
    """The units that sent a new version since the last monthly review (else in the month to
    `as_of`), with what moved; None when the history holds no version yet."""
    from ntm_excel.check.progress import changes_since

    units = [r.unit for r in consolidation.units]
    until = datetime.combine(as_of + timedelta(days=1), time(), VIETNAM_TIME)
    since = runner.ledger.last_run(MONTHLY_REVIEW)
    if since is None or since >= until:
        since = datetime.combine(as_of - timedelta(days=31), time(), VIETNAM_TIME)
    with History(Path(runner.ledger.path).parent) as history:
        if not history.versions():
            return None
        return changes_since(history, units, since, until=until)


def weekly_summary(runner: Runner, as_of: date, result: JobResult) -> None:
    from ntm_excel.check.figures import Headline

    recipients = runner.settings.steering_committee
    if not recipients:
        result.notes.append("chưa khai báo địa chỉ Ban chỉ đạo (schedule.steering_committee)")
    snap = runner.snapshot(as_of)
    previous = runner.ledger.previous_summary(result.period)
    mails, figures = weekly_mails(
        snap.consolidation,
        recipients,
        previous=(previous[0], Headline.from_dict(previous[1])) if previous else None,
        master=snap.master,
        contacts=runner.load_contacts(),
        changes=week_changes(runner, snap.consolidation, as_of),
    )
    runner.ledger.save_summary(result.period, figures.to_dict())
    runner.deliver(WEEKLY_SUMMARY, mails, result)


def unit_reminders(runner: Runner, as_of: date, result: JobResult) -> None:
    snap = runner.snapshot(as_of)
    out = reminder_mails(
        snap.consolidation, deadline=runner.config.reporting_deadline, feedback=snap.feedback
    )
    result.no_email = out.no_email
    runner.deliver(UNIT_REMINDERS, out.mails, result)


MONTHLY_STATE = "M"  # prefix of the monthly review's rows in the state database's summaries


def monthly_review(runner: Runner, as_of: date, result: JobResult) -> None:
    from ntm_excel.jobs.review import monthly_mails

    snap = runner.snapshot(as_of)
    key = MONTHLY_STATE + result.period
    previous = runner.ledger.previous_summary(key)
    if previous and previous[0].startswith(MONTHLY_STATE):  # weekly rows sort before "M…"
        previous = (previous[0].removeprefix(MONTHLY_STATE), previous[1])
    else:
        previous = None
    out, states = monthly_mails(
        snap.consolidation,
        runner.load_contacts(),
        deadline=runner.config.reporting_deadline,
        previous=previous,
        changes=month_changes(runner, snap.consolidation, as_of),
    )
    runner.ledger.save_summary(key, states)
    result.no_email = out.no_email
    result.notes += out.notes
    runner.deliver(MONTHLY_REVIEW, out.mails, result)


def collect(runner: Runner, as_of: date, result: JobResult) -> None:
    """Fetch the mailbox's new submissions into the inbox (when [mailbox] is configured),
    consolidate again when the inbox changed, then answer each file received by mail."""
    from ntm_excel.jobs.intake import fetch_mail, send_answers

    unreachable = ""
    if runner.config.mailbox.host:
        try:
            result.notes += fetch_mail(runner)
        except MailboxError as exc:  # what is in the inbox is still consolidated and answered
            unreachable = str(exc)
    before = runner.ledger.latest_hashes()
    if runner.snapshot(as_of, force=False) is not None:
        after = runner.ledger.latest_hashes()
        fresh = sorted(name for name, digest in after.items() if before.get(name) != digest)
        if fresh:
            more = f" và {len(fresh) - 10} tệp khác" if len(fresh) > 10 else ""
            result.notes.append(
                f"đã tổng hợp lại vì có {len(fresh)} tệp mới, đã sửa hoặc đã bỏ: "
                + ", ".join(fresh[:10])
                + more
            )
    send_answers(runner, as_of, result)
    result.error = result.error or unreachable


JOBS = (
    Job(
        DAILY_DIGEST,
        Period.DAY,
        "daily_digest",
        "07:30",
        daily_digest,
        "thư nhắc hạn cho cán bộ",
    ),
    Job(
        WEEKLY_SUMMARY,
        Period.WEEK,
        "weekly_summary",
        "monday 08:00",
        weekly_summary,
        "báo cáo tuần cho Ban chỉ đạo",
    ),
    Job(
        UNIT_REMINDERS,
        Period.DAY,
        "unit_reminders",
        "08:00",
        unit_reminders,
        "nhắc đơn vị quá hạn nộp hoặc có lỗi",
    ),
    Job(
        MONTHLY_REVIEW,
        Period.MONTH,
        "monthly_review",
        "1 08:00",
        monthly_review,
        "thư soát xét hàng tháng cho trưởng cụm, cán bộ phụ trách xã",
    ),
    Job(
        COLLECT,
        Period.MINUTES,
        "collect_every_minutes",
        15,
        collect,
        "nhận biểu qua thư (nếu có [mailbox]), tổng hợp lại khi có tệp mới, trả lời từng tệp",
    ),
)
BY_NAME = {job.name: job for job in JOBS}


def check_schedule(config: Config) -> None:
    """Refuse a [schedule] key no job declares, or a job setting that cannot be used."""
    settings = config.schedule.jobs
    known = {job.setting for job in JOBS}
    for key in settings:
        if key not in known:
            general = {f.name for f in dataclasses.fields(ScheduleSettings) if f.name != "jobs"}
            raise unknown_key(config.path, "schedule", key, known | general)
    for job in JOBS:
        try:
            job.check(settings)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"Tệp cấu hình {config.path}, mục [schedule], khóa «{job.setting}»: {exc}"
            ) from exc
