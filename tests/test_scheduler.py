"""The scheduled jobs: real mail (aiosmtpd on 127.0.0.1 or the outbox), real state database,
time moved with time-machine, consolidations built here."""

from __future__ import annotations

import dataclasses
import email
import hashlib
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import redirect_stdout
from datetime import UTC, date, datetime, timedelta
from email import policy
from pathlib import Path

import openpyxl
import pytest
import schedule
import support.smtp as smtp_sink
import time_machine
from aiosmtpd.controller import Controller

from ntm_excel.cli import main
from ntm_excel.config import VIETNAM_TIME, MailSettings, load_config
from ntm_excel.errors import ClockBehind
from ntm_excel.jobs.ledger import DB_NAME, Ledger
from ntm_excel.jobs.mail import PASSWORD_ENV
from ntm_excel.jobs.scheduler import (
    SCHEDULER_LOCK,
    AlreadyRunning,
    Runner,
    Snapshot,
    declare_jobs,
    describe,
    file_lock,
    inbox_files,
    serve,
)
from ntm_excel.jobs.table import COLLECT
from ntm_excel.model import (
    Consolidation,
    CriterionResult,
    Status,
    Submission,
    Task,
    TaskState,
    TaskStatus,
    Unit,
    UnitReport,
)
from ntm_excel.reference.contacts import Contact, Contacts

SENDER = "vpdp.ntm@camxuyen.example.org"
HA, ANH = "ha.ln@camxuyen.example.org", "anh.ph@camxuyen.example.org"
COMMITTEE = ("bcd@camxuyen.example.org",)
SCRIPT = "Sửa <script>alert(1)</script> cống"
CONTACTS = Contacts(
    (
        Contact("Lê Ngọc Hà", "Phó Chủ tịch UBND huyện", "UBND huyện", HA),
        Contact("Phạm Hoàng Anh", "Phó Chủ tịch UBND huyện", "UBND huyện", ANH),
    )
)


def at_vn(*args) -> datetime:
    """A moment given in Vietnam time (UTC+7), expressed in UTC so that the process keeps
    its own local time zone."""
    return datetime(*args, tzinfo=UTC) - timedelta(hours=7)


def unit(code: str, name: str) -> Unit:
    return Unit(
        code, name, "xã", "Huyện Cẩm Xuyên", "Hà Tĩnh", "Bắc Trung Bộ",
        email=f"ubnd.{code}@camxuyen.example.org",
    )  # fmt: skip


UNITS = [unit("18694", "Xã Cẩm Thành"), unit("18685", "Xã Cẩm Bình")]


def task_status(text: str, due: date, owner: str, as_of: date) -> TaskStatus:
    task = Task("plan", "", 2, text, f"trước ngày {due:%d/%m/%Y}", due, (owner,))
    days = (due - as_of).days
    state = (
        TaskState.OVERDUE if days < 0 else TaskState.DUE_SOON if days <= 7 else TaskState.ON_TRACK
    )
    return TaskStatus(task, state, max(0, -days), days)


class Office:
    """Stands in for consolidation: reads which unit files are in the inbox (named
    <code>.xlsx) and writes a real master workbook."""

    def __init__(self, root: Path) -> None:
        self.master = root / "out" / "tong_hop.xlsx"
        self.calls: list[tuple[list[str], date]] = []
        self.fail = False

    def refresh(self, paths: list[Path], as_of: date) -> Snapshot:
        if self.fail:
            raise RuntimeError("biểu hỏng")
        paths = [f for p in paths for f in (inbox_files(p).values() if p.is_dir() else [p])]
        self.calls.append((sorted(p.name for p in paths), as_of))
        files = {p.stem: p for p in paths}
        reports = []
        for u in UNITS:
            path = files.get(u.code)
            submission = None
            if path:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                submission = Submission(
                    str(path), path.name, digest, path.stat().st_size, datetime(2021, 3, 1),
                    u.code, u.name,
                )  # fmt: skip
            criteria = [CriterionResult(u.code, 2, "Giao thông", Status.MET)] if path else []
            reports.append(UnitReport(u, submission, criteria=criteria, errors=0 if path else 1))
        tasks = [
            task_status(SCRIPT, date(2021, 3, 20), "Lê Ngọc Hà", as_of),
            task_status("Làm đường", date(2021, 3, 26), "Phạm Hoàng Anh", as_of),
        ]
        self.master.parent.mkdir(parents=True, exist_ok=True)
        book = openpyxl.Workbook()
        book.active.title = "Tổng hợp"
        book.active["A1"] = f"Tổng hợp đến {as_of:%d/%m/%Y}"
        book.save(self.master)
        return Snapshot(
            Consolidation(as_of, "xa_2016_2020", reports, tasks, [], {2: "Giao thông"}),
            self.master,
        )


def config_for(root: Path, port: int = 0, **schedule_changes):
    base = load_config()
    mail = MailSettings(
        sender=SENDER,
        sender_name="Văn phòng điều phối NTM huyện Cẩm Xuyên",
        smtp_host="127.0.0.1" if port else "",
        smtp_port=port,
        smtp_security="none",
        outbox=root / "outbox",
    )
    general = {k: v for k, v in schedule_changes.items() if k in ("skip_weekends", "skip_holidays")}
    times = {k: v for k, v in schedule_changes.items() if k not in general}
    sched = dataclasses.replace(
        base.schedule,
        inbox=root / "inbox",
        steering_committee=COMMITTEE,
        jobs={**base.schedule.jobs, **times},
        **general,
    )
    return dataclasses.replace(
        base,
        state_dir=root / "var",
        master=root / "out" / "tong_hop.xlsx",
        reporting_deadline=date(2021, 3, 15),
        mail=mail,
        schedule=sched,
    )


@pytest.fixture
def office(tmp_path):
    (tmp_path / "inbox").mkdir()
    return Office(tmp_path)


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "var") as opened:
        yield opened


def make_runner(tmp_path, ledger, office, port: int = 0, contacts=None, **schedule_changes):
    config = config_for(tmp_path, port, **schedule_changes)
    return Runner(config, ledger, refresh=office.refresh, contacts=contacts or (lambda: CONTACTS))


def outbox(tmp_path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "outbox").glob("*.eml"))


# --- SMTP ---------------------------------------------------------------------------------


class Sink(smtp_sink.Sink):
    def by_recipient(self):
        return {
            e.rcpt_tos[0]: email.message_from_bytes(e.original_content, policy=policy.default)
            for e in self.envelopes
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(sink: Sink, port: int) -> Controller:
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def body(message, kind: str) -> str:
    return message.get_body(preferencelist=(kind,)).get_content()


def test_daily_digest_over_smtp_arrives_once(tmp_path, ledger, office):
    sink, port = Sink(), free_port()
    controller = start_server(sink, port)
    try:
        runner = make_runner(tmp_path, ledger, office, port)
        first = runner.run("daily-digest", date(2021, 3, 25))
        again = runner.run("daily-digest", date(2021, 3, 25))
    finally:
        controller.stop()
    assert first.ok and len(first.delivery.sent) == 2
    assert again.ok and again.delivery.sent == [] and len(again.delivery.already_sent) == 2
    arrived = sink.by_recipient()
    assert sorted(arrived) == [ANH, HA]
    ha = arrived[HA]
    assert ha["Subject"] == "[NTM Cẩm Xuyên] Nhắc việc ngày 25/03/2021: 1 việc quá hạn"
    assert ha["Auto-Submitted"] == "auto-generated"
    assert f"{SCRIPT}\r\n  Tiêu chí huyện 2 · Cấp huyện · hạn 20/03/2021 · quá hạn 5 ngày" in body(
        ha, "plain"
    )
    html = body(ha, "html")
    assert "<script>" not in html and "Sửa &lt;script&gt;alert(1)&lt;/script&gt; cống" in html
    assert "còn 1 ngày" in body(arrived[ANH], "plain")


def test_server_down_reports_failure_then_every_message_arrives_once(tmp_path, ledger, office):
    port = free_port()
    runner = make_runner(tmp_path, ledger, office, port)
    down = runner.run("daily-digest", date(2021, 3, 25))
    assert not down.ok and len(down.delivery.failed) == 2
    report = "\n".join(describe(down))
    assert "2 thư lỗi" in report and "Không kết nối được máy chủ thư" in report
    assert {r.key.recipient for r in ledger.unsent()} == {HA, ANH}

    sink = Sink()
    controller = start_server(sink, port)
    try:
        retried = runner.retry()  # not yet: the first retry is due 5 minutes later
        assert retried.sent == [] and sink.envelopes == []
        with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6), tick=False):
            retried = runner.retry()
        assert len(retried.sent) == 2
        rerun = runner.run("daily-digest", date(2021, 3, 25))
        assert rerun.ok and rerun.delivery.sent == []
    finally:
        controller.stop()
    assert sorted(e.rcpt_tos[0] for e in sink.envelopes) == [ANH, HA]
    assert ledger.unsent() == []


def test_weekly_summary_attaches_the_master_and_compares_with_last_week(tmp_path, ledger, office):
    sink, port = Sink(), free_port()
    controller = start_server(sink, port)
    inbox = tmp_path / "inbox"
    try:
        runner = make_runner(tmp_path, ledger, office, port)
        (inbox / "18694.xlsx").write_bytes(b"cam thanh")
        assert runner.run("weekly-summary", date(2021, 3, 15)).ok
        (inbox / "18685.xlsx").write_bytes(b"cam binh")
        assert runner.run("weekly-summary", date(2021, 3, 22)).ok
    finally:
        controller.stop()
    first, second = [
        email.message_from_bytes(e.original_content, policy=policy.default) for e in sink.envelopes
    ]
    assert [e.rcpt_tos for e in sink.envelopes] == [list(COMMITTEE)] * 2
    assert second["Subject"] == (
        "[NTM Cẩm Xuyên] Báo cáo tuần 12/2021: 2/2 đơn vị đã nộp, 2 đơn vị đạt đủ tiêu chí, "
        "1 việc quá hạn"
    )
    text = body(second, "plain")
    assert "thay đổi so với tuần 11/2021" in text
    assert "- Đơn vị đã nộp báo cáo: 2 (+1) / 2" in text
    assert "VIỆC MỚI QUÁ HẠN TRONG TUẦN (1 VIỆC)" in text  # due 20/03: on time on 15/03
    [attachment] = list(second.iter_attachments())
    assert attachment.get_filename() == "Tổng hợp NTM 2021-03-22.xlsx"
    saved = tmp_path / "arrived.xlsx"
    saved.write_bytes(attachment.get_content())
    assert openpyxl.load_workbook(saved)["Tổng hợp"]["A1"].value == "Tổng hợp đến 22/03/2021"
    assert "Chưa có số liệu tuần trước" in body(first, "plain")


# --- collect ------------------------------------------------------------------------------


def test_collect_consolidates_only_when_files_arrive_or_change(tmp_path, ledger, office):
    inbox = tmp_path / "inbox"
    runner = make_runner(tmp_path, ledger, office)
    assert runner.run(COLLECT).notes == [] and office.calls == []
    (inbox / "18694.xlsx").write_bytes(b"phien ban 1")
    (inbox / "~$18694.xlsx").write_bytes(b"Excel lock file")
    (inbox / "ghi_chu.txt").write_text("không phải biểu")
    first = runner.run(COLLECT, date(2021, 3, 25))
    assert "1 tệp mới, đã sửa hoặc đã bỏ: 18694.xlsx" in first.notes[0]
    assert office.calls == [(["18694.xlsx"], date(2021, 3, 25))]
    runner.run(COLLECT, date(2021, 3, 25))
    assert len(office.calls) == 1  # nothing changed
    (inbox / "18694.xlsx").write_bytes(b"phien ban 2")
    (inbox / "18685.xlsx").write_bytes(b"cam binh")
    runner.run(COLLECT, date(2021, 3, 26))
    assert len(office.calls) == 2
    history = [(r.unit_code, r.file, r.sha256) for r in ledger.submission_history()]
    sha = lambda data: hashlib.sha256(data).hexdigest()  # noqa: E731
    assert history == [
        ("18694", "18694.xlsx", sha(b"phien ban 1")),
        ("18685", "18685.xlsx", sha(b"cam binh")),
        ("18694", "18694.xlsx", sha(b"phien ban 2")),
    ]
    # A restarted process knows what it has seen.
    assert make_runner(tmp_path, ledger, office).run(COLLECT).notes == []
    # A file taken out of the inbox counts as a change too, once.
    (inbox / "18685.xlsx").unlink()
    assert "18685.xlsx" in runner.run(COLLECT).notes[0]
    assert office.calls[-1][0] == ["18694.xlsx"]
    assert runner.run(COLLECT).notes == [] and len(office.calls) == 3
    assert ledger.submission_history()[-1].sha256 == ""


def test_a_failed_consolidation_records_nothing_and_is_tried_again(tmp_path, ledger, office):
    inbox = tmp_path / "inbox"
    (inbox / "18694.xlsx").write_bytes(b"x")
    runner = make_runner(tmp_path, ledger, office)
    office.fail = True
    failed = runner.run(COLLECT)
    assert "gặp lỗi ngoài dự kiến: biểu hỏng (RuntimeError)" in failed.error and not failed.ok
    assert ledger.submission_history() == []
    office.fail = False
    assert runner.run(COLLECT).notes and len(ledger.submission_history()) == 1


# --- time ---------------------------------------------------------------------------------


def ran(ledger, job: str, day: str) -> bool:
    return ledger.has_run(job, day)


def test_daily_digest_fires_at_0730_vietnam_time(tmp_path, ledger, office):
    (tmp_path / "inbox" / "18694.xlsx").write_bytes(b"cam thanh")  # a summary has a unit to tell
    with time_machine.travel(at_vn(2021, 3, 25, 7, 0), tick=False) as clock:
        runner = make_runner(tmp_path, ledger, office)
        scheduler = schedule.Scheduler()
        declare_jobs(scheduler, runner)
        clock.move_to(at_vn(2021, 3, 25, 7, 29, 59))
        scheduler.run_pending()
        assert not ran(ledger, "daily-digest", "2021-03-25") and outbox(tmp_path) == []
        clock.move_to(at_vn(2021, 3, 25, 7, 30, 0))
        scheduler.run_pending()
        assert ran(ledger, "daily-digest", "2021-03-25")
        assert outbox(tmp_path) == [
            f"2021-03-25_daily-digest_{ANH}.eml",
            f"2021-03-25_daily-digest_{HA}.eml",
        ]
        assert not ran(ledger, "unit-reminders", "2021-03-25")
        clock.move_to(at_vn(2021, 3, 25, 8, 0, 1))
        scheduler.run_pending()
        assert ran(ledger, "unit-reminders", "2021-03-25")
        # This week's summary had not gone out (Monday was missed): it goes with the next slot.
        assert ran(ledger, "weekly-summary", "2021-W12")


@pytest.mark.parametrize(
    "day, skipped",
    [
        (date(2021, 3, 27), "thứ Bảy 27/03/2021 là ngày nghỉ cuối tuần"),
        (date(2021, 4, 30), "30/04/2021 là ngày lễ (Ngày Chiến thắng)"),
        (date(2021, 2, 12), "12/02/2021 là ngày lễ (Tết Nguyên Đán)"),
    ],
)
def test_weekends_and_vietnamese_holidays_are_skipped(tmp_path, ledger, office, day, skipped):
    with time_machine.travel(at_vn(day.year, day.month, day.day, 7, 0), tick=False) as clock:
        runner = make_runner(tmp_path, ledger, office)
        scheduler = schedule.Scheduler()
        declare_jobs(scheduler, runner)
        clock.move_to(at_vn(day.year, day.month, day.day, 7, 31))
        scheduler.run_pending()
        assert runner.skip_reason(day).startswith(skipped)
        assert not ran(ledger, "daily-digest", day.isoformat()) and outbox(tmp_path) == []
    # Configured to work on those days, the same slot runs.
    with time_machine.travel(at_vn(day.year, day.month, day.day, 7, 31), tick=False):
        working = make_runner(tmp_path, ledger, office, skip_weekends=False, skip_holidays=False)
        assert working.run_slot("daily-digest").skipped == ""
        assert ran(ledger, "daily-digest", day.isoformat())


def test_catch_up_on_start_runs_a_missed_slot_once(tmp_path, ledger, office):
    (tmp_path / "inbox" / "18694.xlsx").write_bytes(b"cam thanh")  # a summary has a unit to tell
    with time_machine.travel(at_vn(2021, 3, 25, 7, 0), tick=False) as clock:
        early = make_runner(tmp_path, ledger, office).catch_up()
        assert [r.skipped for r in early] == [] and outbox(tmp_path) == []
        clock.move_to(at_vn(2021, 3, 25, 9, 15))  # the machine was off at 07:30 and 08:00
        results = make_runner(tmp_path, ledger, office).catch_up()
        assert [(r.job, r.skipped) for r in results] == [
            ("daily-digest", ""),
            ("weekly-summary", ""),  # Monday's summary was missed too
            ("unit-reminders", ""),
            ("monthly-review", ""),  # and the one of the 1st (no cluster yet: no mail)
        ]
        sent = outbox(tmp_path)
        assert f"2021-03-25_daily-digest_{HA}.eml" in sent
        assert f"2021-W12_weekly-summary_{COMMITTEE[0]}.eml" in sent
        assert "2021-03-25_unit-reminders_ubnd.18685@camxuyen.example.org.eml" in sent
        # A restart the same day catches nothing up again, and the slots later do nothing.
        restarted = make_runner(tmp_path, ledger, office)
        assert {r.skipped for r in restarted.catch_up()} == {
            "đã chạy cho kỳ 2021-03-25",
            "đã chạy cho kỳ 2021-W12",
            "đã chạy cho kỳ 2021-03",
        }
        scheduler = schedule.Scheduler()
        declare_jobs(scheduler, restarted)
        clock.move_to(at_vn(2021, 3, 26, 7, 30, 1))
        scheduler.run_pending()
        assert ran(ledger, "daily-digest", "2021-03-26")
        assert outbox(tmp_path) == sorted(
            [*sent, f"2021-03-26_daily-digest_{ANH}.eml", f"2021-03-26_daily-digest_{HA}.eml"]
        )


def test_a_failing_job_does_not_stop_the_next(tmp_path, ledger, office):
    loads = []

    def broken_contacts():
        loads.append(1)
        raise OSError("danh bạ đang mở trong Excel")

    with time_machine.travel(at_vn(2021, 3, 25, 7, 0), tick=False) as clock:
        runner = make_runner(
            tmp_path,
            ledger,
            office,
            contacts=broken_contacts,
            weekly_summary="friday 08:00",
            monthly_review="28 08:00",
        )
        scheduler = schedule.Scheduler()
        declare_jobs(scheduler, runner)
        clock.move_to(at_vn(2021, 3, 25, 7, 30, 1))
        scheduler.run_pending()
        assert loads == [1] and not ran(ledger, "daily-digest", "2021-03-25")
        clock.move_to(at_vn(2021, 3, 25, 8, 0, 1))
        scheduler.run_pending()
        assert loads == [1]  # not retried in a loop
        assert ran(ledger, "unit-reminders", "2021-03-25")
        # An exception that escapes a job body is caught by the wrapper too.
        calls = []
        scheduler.every().minute.do(runner.safe, lambda: 1 / 0)
        scheduler.every().minute.do(runner.safe, lambda: calls.append("sau"))
        clock.move_to(at_vn(2021, 3, 25, 8, 1, 2))
        scheduler.run_pending()
        assert calls == ["sau"]
        assert all(job.next_run > datetime.now() for job in scheduler.jobs)


def test_serve_catches_up_then_stops(tmp_path, ledger, office):
    import threading

    stop = threading.Event()
    stop.set()
    with time_machine.travel(at_vn(2021, 3, 25, 7, 45), tick=False):
        serve(make_runner(tmp_path, ledger, office), stop=stop)
    assert ran(ledger, "daily-digest", "2021-03-25")
    assert not ran(ledger, "unit-reminders", "2021-03-25")  # its slot, 08:00, is ahead


def test_one_scheduler_per_state_folder(tmp_path, ledger, office):
    runner = make_runner(tmp_path, ledger, office)
    with file_lock(tmp_path / "var" / SCHEDULER_LOCK, blocking=False):
        with pytest.raises(AlreadyRunning, match="đang chạy ở tiến trình khác"):
            serve(runner)
        command = [sys.executable, "-m", "ntm_excel", "jobs", "run", "--state-dir",
                   str(tmp_path / "var")]  # fmt: skip
        second = subprocess.run(
            command, capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[1]
        )
    assert second.returncode == 1
    assert "Chỉ được chạy một bộ lập lịch một lúc" in second.stderr
    assert f"PID {__import__('os').getpid()}" in second.stderr


# --- command line -------------------------------------------------------------------------


def cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


def write_config(tmp_path: Path, port: int = 0, contacts: Path | None = None) -> Path:
    bundled = load_config()
    text = f"""
[data]
catalog = "{bundled.catalog}"
registry = "{bundled.registry}"
plan = "{bundled.plan}"
contacts = "{contacts or bundled.contacts}"
reporting_deadline = 2021-03-15
[output]
master = "{tmp_path / "out" / "tong_hop.xlsx"}"
state_dir = "{tmp_path / "var"}"
[mail]
sender = "{SENDER}"
smtp_host = "{"127.0.0.1" if port else ""}"
smtp_port = {port or 25}
smtp_security = "none"
outbox = "{tmp_path / "outbox"}"
[schedule]
inbox = "{tmp_path / "inbox"}"
"""
    path = tmp_path / "cau_hinh.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "inbox").mkdir(exist_ok=True)
    return path


def test_dry_run_prints_and_records_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    config = write_config(tmp_path)
    code, printed = cli("digest", "--config", str(config), "--as-of", "2021-03-25", "--dry-run")
    assert code == 0
    assert "Tiêu đề: [NTM Cẩm Xuyên] Nhắc việc ngày 25/03/2021:" in printed
    assert "Thử, không gửi" in printed
    assert not (tmp_path / "var" / DB_NAME).exists()
    assert not (tmp_path / "outbox").exists() and not (tmp_path / "out").exists()


def test_jobs_once_writes_eml_files_without_a_server_and_exit_codes(tmp_path, monkeypatch):
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    config = write_config(tmp_path)
    code, printed = cli("jobs", "once", "daily-digest", "--config", str(config),
                        "--as-of", "2021-03-25")  # fmt: skip
    assert code == 0, printed
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert files and "0 thư lỗi" in printed
    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["Subject"].startswith("[NTM Cẩm Xuyên] Nhắc việc ngày 25/03/2021: ")
    assert "Kính gửi đồng chí" in body(message, "plain")
    # `digest` sends the same digests: all already sent.
    code, printed = cli("digest", "--config", str(config), "--as-of", "2021-03-25")
    assert code == 0 and f"đã gửi 0 thư, {len(files)} thư đã gửi trước đó" in printed
    # Nothing listens on this port: the same job through SMTP fails, exit code 1 …
    port = str(free_port())
    smtp = ["--config", str(config), "--smtp-host", "127.0.0.1", "--smtp-port", port,
            "--smtp-security", "none"]  # fmt: skip
    code, printed = cli("jobs", "once", "daily-digest", "--as-of", "2021-03-26", *smtp)
    assert code == 1 and "chưa gửi được" in printed and "sẽ gửi lại" in printed
    failed = int(re.search(r"(\d+) thư lỗi", printed)[1])
    assert f"- chưa gửi được {failed} thư cho " in printed  # one reason, one line
    # … and once the server is back, `jobs once retry` delivers each message exactly once.
    sink = Sink()
    controller = start_server(sink, int(port))
    try:
        # not due yet: nothing is sent, and the mail still waiting gives exit code 1
        code, printed = cli("jobs", "once", "retry", *smtp)
        assert code == 1 and sink.envelopes == [] and f"Còn {failed} thư chưa gửi" in printed
        with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6), tick=False):
            code, printed = cli("jobs", "once", "retry", *smtp)
        assert code == 0 and f"đã gửi {failed} thư" in printed
        assert "Chưa cấu hình máy chủ thư" not in printed  # --smtp-host was given
        assert cli("jobs", "once", "daily-digest", "--as-of", "2021-03-26", *smtp)[0] == 0
    finally:
        controller.stop()
    assert len(sink.envelopes) == failed == len({e.rcpt_tos[0] for e in sink.envelopes})


def test_a_missing_inbox_sends_nothing(tmp_path, monkeypatch, ledger, office):
    """A wrong inbox path would make every commune look late: refuse instead."""
    (tmp_path / "inbox").rmdir()
    result = make_runner(tmp_path, ledger, office).run("unit-reminders", date(2021, 3, 25))
    assert result.error.startswith("Không có thư mục nhận biểu") and not result.ok
    assert office.calls == [] and not (tmp_path / "outbox").exists()
    assert not ledger.has_run("unit-reminders", "2021-03-25")  # tried again at the next slot
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    config = str(write_config(tmp_path))
    missing = str(tmp_path / "khong_co")
    for dry in (["--dry-run"], []):  # the same problem, the same words and exit code
        code, printed = cli("digest", missing, "--config", config, "--as-of", "2021-03-25", *dry)
        assert code == 1 and printed.startswith(
            "daily-digest (2021-03-25): LỖI — Không có thư mục nhận biểu"
        )
    assert not (tmp_path / "outbox").exists()


def test_a_plan_that_is_not_there_is_the_same_failure_with_and_without_dry_run(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    config = write_config(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r'plan = ".*"', 'plan = "khong_co.xlsx"', text), encoding="utf-8")
    printed = {}
    for dry in (["--dry-run"], []):
        code, printed[bool(dry)] = cli("digest", "--config", str(config), "--as-of", "2021-03-25",
                                       *dry)  # fmt: skip
        assert code == 1
    assert printed[True] == printed[False]
    assert "LỖI — " in printed[True] and "khóa [data] plan chỉ tới tệp này" in printed[True]
    assert not (tmp_path / "outbox").exists()


def test_if_due_applies_the_working_day_rules(tmp_path, monkeypatch):
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    config = str(write_config(tmp_path))
    with time_machine.travel(at_vn(2021, 3, 27, 7, 31), tick=False):  # a Saturday
        code, printed = cli("jobs", "once", "daily-digest", "--if-due", "--config", config)
    assert code == 0 and "bỏ qua — thứ Bảy 27/03/2021 là ngày nghỉ cuối tuần" in printed
    assert not (tmp_path / "outbox").exists()
    with time_machine.travel(at_vn(2021, 3, 29, 7, 31), tick=False):  # the Monday after
        assert cli("jobs", "once", "daily-digest", "--if-due", "--config", config)[0] == 0
        sent = sorted((tmp_path / "outbox").glob("2021-03-29_daily-digest_*.eml"))
        code, printed = cli("jobs", "once", "daily-digest", "--if-due", "--config", config)
    assert sent and code == 0 and "đã chạy cho kỳ 2021-03-29" in printed


def test_if_due_waits_for_the_time_of_day_as_the_scheduler_does(tmp_path, monkeypatch):
    """Run by hand (or by a timer) at 02:07, `--if-due` sends nothing: the slot has not come.
    The weekly summary waits for its time on any day of its week, as `jobs run` does."""
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    config = str(write_config(tmp_path))
    shutil.copy(ROOT / "workbooks" / "mau_nop" / "18730_xa_cam_loc.xlsx", tmp_path / "inbox")
    once = ["jobs", "once", "--if-due", "--config", config]
    with time_machine.travel(at_vn(2021, 3, 25, 2, 7), tick=False) as clock:  # a Thursday
        code, printed = cli(*once[:2], "daily-digest", *once[2:])
        assert code == 0, printed
        assert printed == (
            "daily-digest (2021-03-25): bỏ qua — chưa đến giờ: việc chạy từ 07:30 "
            "(Asia/Ho_Chi_Minh), bây giờ mới 02:07\n"
        )
        code, printed = cli(*once[:2], "weekly-summary", *once[2:])
        assert "weekly-summary (2021-W12): bỏ qua — chưa đến giờ: việc chạy từ 08:00" in printed
        assert not (tmp_path / "outbox").exists()
        clock.move_to(at_vn(2021, 3, 25, 7, 30))
        code, printed = cli(*once[:2], "daily-digest", *once[2:])
        assert code == 0 and "daily-digest (2021-03-25): đã gửi" in printed
        assert sorted((tmp_path / "outbox").glob("2021-03-25_daily-digest_*.eml"))
        code, printed = cli(*once[:2], "weekly-summary", *once[2:])
        assert "chưa đến giờ" in printed
        clock.move_to(at_vn(2021, 3, 25, 8, 0))
        code, printed = cli(*once[:2], "weekly-summary", *once[2:])
        assert code == 0 and "weekly-summary (2021-W12): đã gửi" in printed


def test_jobs_write_their_own_master_and_say_where(tmp_path, monkeypatch, capsys):
    """The office's master (made with `consolidate`) is never replaced by a job: the jobs'
    consolidation goes to the state folder, and their output says so."""
    from support.samples import SampleSpec, write_sample

    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    config = str(write_config(tmp_path))
    office_master = tmp_path / "out" / "tong_hop.xlsx"
    office_master.parent.mkdir()
    office_master.write_bytes(b"the office's own master")
    code, printed = cli("digest", "--config", config, "--as-of", "2021-03-24")
    assert code == 0 and "thư mục nhận không có biểu nào đọc được" in printed
    assert not (tmp_path / "var" / "ket_qua" / "tong_hop.xlsx").exists()

    write_sample(tmp_path / "inbox" / "cam_thanh.xlsx", SampleSpec(blank_values=("4.2",)))
    jobs_folder = tmp_path / "var" / "ket_qua"
    code, printed = cli("jobs", "once", "collect", "--config", config, "--as-of", "2021-03-25")
    assert code == 0
    assert f"đã ghi bảng tổng hợp {jobs_folder / 'tong_hop.xlsx'} và 1 tệp góp ý" in printed
    assert "bảng tổng hợp của lệnh consolidate không bị thay" in printed
    assert office_master.read_bytes() == b"the office's own master"
    assert openpyxl.load_workbook(jobs_folder / "tong_hop.xlsx")["Tổng hợp"]["B5"].value
    assert [p.name for p in (jobs_folder / "gop_y").glob("*.xlsx")] == ["Góp ý - Xã Cẩm Thành.xlsx"]
    code, printed = cli("digest", "--config", config, "--as-of", "2021-03-25")
    assert code == 0 and f"đã ghi bảng tổng hợp {jobs_folder / 'tong_hop.xlsx'}" in printed
    assert office_master.read_bytes() == b"the office's own master"
    with pytest.raises(SystemExit):
        main(["digest", "--help"])
    assert "var/ket_qua" in capsys.readouterr().out


# --- what must never happen silently ------------------------------------------------------------


def run_cli(tmp_path, *argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`ntm-excel …` in its own process, as cron or a clerk runs it."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NTM_")}
    return subprocess.run(
        [sys.executable, "-m", "ntm_excel", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(ROOT), **(env or {})},
    )


ROOT = Path(__file__).parents[1]


def test_an_emptied_or_damaged_ledger_sends_nothing_and_says_how_to_recover(tmp_path):
    config = str(write_config(tmp_path))
    once = ["jobs", "once", "daily-digest", "--config", config, "--as-of", "2021-03-25"]
    first = run_cli(tmp_path, *once)
    assert first.returncode == 0, first.stderr
    sent = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "outbox").glob("*.eml")}
    assert sent
    ledger = tmp_path / "var" / DB_NAME
    for content in (b"", b"\x00garbage" * 1000):  # emptied (0 bytes), then overwritten
        ledger.write_bytes(content)
        for argv in (once, ["jobs", "run", "--config", config]):
            refused = run_cli(tmp_path, *argv)
            assert refused.returncode == 2, refused.stderr
            assert refused.stderr.startswith("Lỗi sổ thư:\nSổ thư đã gửi ")
            assert "Traceback" not in refused.stderr and "jobs new-ledger" in refused.stderr
            assert "đã gửi" not in refused.stdout
        assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "outbox").glob("*.eml")} == sent
    kept = sorted((tmp_path / "var").glob(f"{DB_NAME}.hong-*"))
    assert [p.read_bytes() for p in kept] == [b"", b"\x00garbage" * 1000]


def test_a_new_ledger_counts_the_jobs_already_due_today_as_run(tmp_path, monkeypatch):
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    config = str(write_config(tmp_path))
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / DB_NAME).write_bytes(b"")
    with time_machine.travel(at_vn(2021, 3, 25, 7, 45), tick=False) as clock:  # a Thursday
        code, printed = cli("jobs", "new-ledger", "--config", config)
        assert code == 0 and "Đã lập sổ thư mới" in printed
        assert "daily-digest (2021-03-25): coi như đã chạy" in printed
        assert "weekly-summary (2021-W12): coi như đã chạy" in printed  # Monday 08:00 is past
        assert "unit-reminders" not in printed  # its time, 08:00, is still ahead
        code, printed = cli("jobs", "once", "daily-digest", "--if-due", "--config", config)
        assert code == 0 and "đã chạy cho kỳ 2021-03-25" in printed
        assert not (tmp_path / "outbox").exists()
        clock.move_to(at_vn(2021, 3, 25, 8, 1))
        code, printed = cli("jobs", "once", "unit-reminders", "--if-due", "--config", config)
        assert code == 0 and "unit-reminders (2021-03-25): đã gửi" in printed
        assert sorted((tmp_path / "outbox").glob("2021-03-25_unit-reminders_*.eml"))
        code, _ = cli("jobs", "new-ledger", "--config", config)  # a sound ledger: nothing done
        assert code == 1


def test_a_clock_set_back_a_day_sends_that_day_nothing(tmp_path, ledger, office, monkeypatch):
    with time_machine.travel(at_vn(2021, 3, 25, 8, 5), tick=False) as clock:
        assert [r.skipped for r in make_runner(tmp_path, ledger, office).catch_up()] == [""] * 4
        sent = outbox(tmp_path)
        clock.move_to(at_vn(2021, 3, 24, 8, 5))  # someone sets the computer a day back
        runner = make_runner(tmp_path, ledger, office)
        with pytest.raises(ClockBehind, match=r"sớm hơn lần chạy gần nhất đã ghi trong sổ \(08:05"):
            runner.run_slot("daily-digest")
        with pytest.raises(ClockBehind):
            runner.retry()
        stop = threading.Event()
        stop.set()
        serve(runner, stop=stop)  # the scheduler logs it and sends nothing
        assert outbox(tmp_path) == sent
        assert not ran(ledger, "daily-digest", "2021-03-24")
        monkeypatch.delenv("NTM_STATE_DIR", raising=False)
        config = str(write_config(tmp_path))
        code = main(["jobs", "once", "unit-reminders", "--if-due", "--config", config])
        assert code == 2 and outbox(tmp_path) == sent
        clock.move_to(at_vn(2021, 3, 26, 7, 31))  # the next day runs as usual
        assert runner.run_slot("daily-digest").delivery.sent


def test_a_missing_password_is_a_configuration_error_before_any_file_is_written(
    tmp_path, monkeypatch
):
    config = str(write_config(tmp_path, port=2525))
    login = ["--config", config, "--smtp-user", "vpdp.ntm"]
    for argv in (["jobs", "once", "daily-digest", "--as-of", "2021-03-25"], ["jobs", "run"]):
        refused = run_cli(tmp_path, *argv, *login)
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.startswith("Lỗi cấu hình: Máy chủ thư 127.0.0.1: có tên đăng nhập")
        assert "NTM_SMTP_PASSWORD" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "out").exists()  # neither the master nor the feedback rewritten
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    code = main(["jobs", "once", "retry", *login])
    assert code == 2


def test_every_time_a_person_reads_is_in_the_configured_zone(tmp_path, monkeypatch):
    """The computer is set to another zone (New York): the log, the lock's owner and the retry
    times still say Vietnam time, as the configuration asks."""
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    config = str(write_config(tmp_path, port=free_port()))  # nothing listens there
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        with time_machine.travel(at_vn(2021, 3, 25, 7, 31), tick=False):
            code, printed = cli("jobs", "once", "daily-digest", "--config", config)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert code == 1 and "(sẽ thử lại sau 07:36 25/03/2021)" in printed
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "ntm_excel", "jobs", "run", "--config", config],
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={  # its state in tmp_path/var, as the run above (the session's folder is not)
            **{k: v for k, v in os.environ.items() if k != "NTM_STATE_DIR"},
            "TZ": "America/New_York",
            "PYTHONPATH": str(ROOT),
        },
    )
    try:
        started = next(line for line in scheduler.stderr if "Bộ lập lịch bắt đầu" in line)
        owner = (tmp_path / "var" / f"{SCHEDULER_LOCK}.owner").read_text(encoding="utf-8")
    finally:
        scheduler.terminate()
        scheduler.communicate(timeout=60)
    vietnam = datetime.now(VIETNAM_TIME)
    logged = datetime.strptime(started[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=VIETNAM_TIME)
    assert started[20:24] == "+07 " and abs(vietnam - logged) < timedelta(minutes=5)
    owned = datetime.strptime(owner.split("từ ")[1], "%H:%M %d/%m/%Y").replace(tzinfo=VIETNAM_TIME)
    assert abs(vietnam - owned) < timedelta(minutes=5)


def test_a_contact_address_with_a_line_break_and_bcc_is_reported_not_mailed(tmp_path, monkeypatch):
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    book = openpyxl.load_workbook(load_config().contacts)
    sheet = book["Danh bạ"]
    [cell] = [c for c in sheet["D"] if c.value == "bien.van.thanh@camxuyen.example.org"]
    cell.value = "bien.van.thanh@camxuyen.example.org\r\nBcc: ke.xau@example.org"
    book.save(tmp_path / "danh_ba.xlsx")
    config = str(write_config(tmp_path, contacts=tmp_path / "danh_ba.xlsx"))
    problem = f"Danh bạ danh_ba.xlsx, trang «Danh bạ», ô {cell.coordinate}: địa chỉ thư"
    code, printed = cli("digest", "--config", config, "--as-of", "2021-03-25", "--dry-run")
    assert code == 0 and problem in printed and "Biện Văn Thanh <" not in printed
    code, printed = cli("jobs", "once", "daily-digest", "--config", config, "--as-of", "2021-03-25")
    assert code == 0 and problem in printed
    assert "Chưa có địa chỉ thư: " in printed and "Biện Văn Thanh" in printed
    sent = [p.name for p in (tmp_path / "outbox").glob("*.eml")]
    assert sent and not [name for name in sent if "bien" in name or "xau" in name]
