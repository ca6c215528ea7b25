"""The state database: sent ledger with back-off, runs, submission history, weekly figures."""

from __future__ import annotations

import os
import random
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest

from ntm_excel.errors import LedgerDamaged
from ntm_excel.jobs.ledger import DAMAGED_MARK, DB_NAME, Ledger, SubmissionRow, replace_damaged
from ntm_excel.jobs.mail import make_key

T0 = datetime(2021, 3, 25, 0, 30, tzinfo=UTC)
KEY = make_key("daily-digest", "Ha@CamXuyen.example.org", "2021-03-25")


def test_database_in_the_state_folder_in_wal_mode(tmp_path):
    with Ledger(tmp_path / "var") as ledger:
        assert ledger.path == tmp_path / "var" / DB_NAME
        assert ledger.journal_mode() == "wal"
    assert KEY.recipient == "ha@camxuyen.example.org"


def test_failed_attempts_back_off_and_are_never_dropped(tmp_path):
    with Ledger(tmp_path) as ledger:
        waits = []
        now = T0
        for _ in range(6):
            ledger.begin(KEY, subject="Nhắc việc", message=b"thu", now=now)
            retry = ledger.mark_failed(KEY, "máy chủ không trả lời", now=now)
            waits.append(retry - now)
            assert ledger.due_retries(now=retry - timedelta(seconds=1)) == []
            [row] = ledger.due_retries(now=retry)
            now = retry
        minutes = [int(w.total_seconds() // 60) for w in waits]
        assert minutes == [5, 15, 60, 240, 240, 240]
        assert (row.status, row.attempts, row.message) == ("failed", 6, b"thu")
        assert row.last_error == "máy chủ không trả lời"
        assert [r.key for r in ledger.unsent()] == [KEY]
        ledger.begin(KEY, subject="Nhắc việc", message=b"thu", now=now)
        ledger.mark_sent(KEY, now=now)
        row = ledger.get(KEY)
        assert (row.status, row.attempts, row.message, row.sent_at) == ("sent", 7, None, now)
        assert ledger.is_sent(KEY) and ledger.unsent() == []


def test_an_attempt_left_open_by_a_crash_is_due_at_once(tmp_path):
    with Ledger(tmp_path) as ledger:
        ledger.begin(KEY, subject="Nhắc việc", message=b"thu", now=T0)
    with Ledger(tmp_path) as ledger:  # the next process
        [row] = ledger.due_retries(now=T0)
        assert row.status == "sending" and row.message == b"thu"
        assert not ledger.is_sent(KEY)


def test_a_newer_message_delivered_supersedes_older_failures(tmp_path):
    older = make_key("daily-digest", "ha@camxuyen.example.org", "2021-03-24")
    other_job = make_key("unit-reminders", "ha@camxuyen.example.org", "2021-03-24")
    with Ledger(tmp_path) as ledger:
        for key in (older, other_job):
            ledger.begin(key, subject="cũ", message=b"x", now=T0)
            ledger.mark_failed(key, "lỗi", now=T0)
        ledger.begin(KEY, subject="mới", message=b"y", now=T0)
        ledger.mark_sent(KEY, now=T0)
        assert ledger.get(older).status == "superseded"
        assert ledger.get(older).message is None
        assert ledger.get(other_job).status == "failed"
        later = T0 + timedelta(hours=1)
        assert [r.key for r in ledger.due_retries(now=later)] == [other_job]
        assert ledger.due_retries(now=later, job="daily-digest") == []


def test_an_answer_to_one_file_never_retires_the_answer_to_another(tmp_path):
    """Answers to submissions are keyed by the file, not by a period: each must arrive."""
    address = "ubnd.camthanh@camxuyen.example.org"
    first, second = (make_key("submission-answer", address, f"tep-{h * 24}") for h in "af")
    assert not first.periodic and KEY.periodic
    with Ledger(tmp_path) as ledger:
        ledger.begin(first, subject="Re: biểu", message=b"x", now=T0)
        ledger.mark_failed(first, "lỗi", now=T0)
        ledger.begin(second, subject="Re: biểu sửa", message=b"y", now=T0)
        ledger.mark_sent(second, now=T0)
        assert ledger.get(first).status == "failed" and ledger.get(first).message == b"x"


def test_runs_count_only_when_completed(tmp_path):
    with Ledger(tmp_path) as ledger:
        assert not ledger.has_run("daily-digest", "2021-03-25")
        ledger.record_run("daily-digest", "2021-03-25", started=T0, ok=False, note="lỗi")
        assert not ledger.has_run("daily-digest", "2021-03-25")
        assert ledger.last_run("daily-digest") is None
        ledger.record_run("daily-digest", "2021-03-25", started=T0)
        assert ledger.has_run("daily-digest", "2021-03-25")
        assert not ledger.has_run("weekly-summary", "2021-03-25")
        assert ledger.last_run("daily-digest") == T0


def test_submission_history_keeps_every_version(tmp_path):
    with Ledger(tmp_path) as ledger:
        ledger.record_submissions(
            [
                SubmissionRow("18694", "cam_thanh.xlsx", "aa", 100, T0),
                SubmissionRow("18685", "cẩm bình.xlsx", "bb", 120, T0),
            ]
        )
        ledger.record_submissions([SubmissionRow("18694", "cam_thanh.xlsx", "cc", 101, T0)])
    with Ledger(tmp_path) as ledger:
        assert ledger.latest_hashes() == {"cam_thanh.xlsx": "cc", "cẩm bình.xlsx": "bb"}
        history = ledger.submission_history("18694")
        assert [(r.sha256, r.size, r.received) for r in history] == [
            ("aa", 100, T0),
            ("cc", 101, T0),
        ]


def test_weekly_figures_compare_with_the_latest_earlier_week(tmp_path):
    with Ledger(tmp_path) as ledger:
        assert ledger.previous_summary("2021-W12") is None
        ledger.save_summary("2021-W10", {"units_submitted": 10})
        ledger.save_summary("2021-W11", {"units_submitted": 15})
        ledger.save_summary("2021-W12", {"units_submitted": 18})
        ledger.save_summary("2021-W12", {"units_submitted": 19})  # re-run in the same week
        assert ledger.previous_summary("2021-W12") == ("2021-W11", {"units_submitted": 15})
        assert ledger.previous_summary("2021-W13") == ("2021-W12", {"units_submitted": 19})


def test_a_reader_sees_committed_rows_while_another_connection_writes(tmp_path):
    with Ledger(tmp_path) as writer:
        writer.begin(KEY, subject="Nhắc việc", message=b"thu", now=T0)
        writer.mark_sent(KEY, now=T0)
        reader = sqlite3.connect(writer.path)
        try:
            reader.execute("BEGIN")
            (status,) = reader.execute("SELECT status FROM sent").fetchone()
            writer.record_run("daily-digest", "2021-03-25", started=T0)  # not blocked
            reader.execute("COMMIT")
        finally:
            reader.close()
        assert status == "sent"


# --- a ledger that is new, emptied or damaged -------------------------------------------------


def a_ledger_with_mail_sent(folder) -> None:
    with Ledger(folder) as ledger:
        for number in range(300):  # several pages
            key = make_key("daily-digest", f"can.bo.{number}@camxuyen.example.org", "2021-03-25")
            ledger.begin(key, subject="Nhắc việc", message=os.urandom(200), now=T0)
            ledger.mark_sent(key, now=T0)


def copies(folder) -> list[str]:
    """The kept copies of a damaged ledger (their -wal and -shm files left out)."""
    found = folder.glob(f"{DB_NAME}{DAMAGED_MARK}*")
    return sorted(p.name for p in found if not p.name.endswith(("-wal", "-shm")))


def test_a_new_ledger_has_its_tables_from_the_first_byte(tmp_path):
    """First run: created at once with its tables, so an empty file is never a new ledger."""
    with Ledger(tmp_path) as ledger:
        assert not ledger.is_sent(KEY)
    with closing(sqlite3.connect(tmp_path / DB_NAME)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"sent", "runs", "submissions", "summaries"} <= tables
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_NAME]
    with Ledger(tmp_path):  # and opens again as it is
        pass


def damage(path, how: str) -> None:
    if how == "emptied":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(random.Random(1).randbytes(20_000))
    elif how == "other-database":
        path.unlink()
        with sqlite3.connect(path) as other:
            other.execute("CREATE TABLE notes (text TEXT)")
    else:  # a damaged page inside an otherwise valid file
        data = bytearray(path.read_bytes())
        data[4096 * 2 : 4096 * 4] = random.Random(2).randbytes(4096 * 2)
        path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("emptied", "trống (0 byte)"),
        ("garbage", "không còn là tệp SQLite"),
        ("other-database", "không có bảng thư đã gửi"),
        ("damaged-page", "bị hỏng"),
    ],
)
def test_an_emptied_or_damaged_ledger_is_refused_and_a_copy_kept(tmp_path, how, said):
    a_ledger_with_mail_sent(tmp_path)
    path = tmp_path / DB_NAME
    damage(path, how)
    damaged = path.read_bytes()
    with pytest.raises(LedgerDamaged) as refused:
        Ledger(tmp_path)
    message = str(refused.value)
    assert said in message and "Chưa gửi thư nào" in message
    assert f"ntm-excel jobs new-ledger --state-dir {tmp_path}" in message
    [copy] = copies(tmp_path)
    assert f"Đã giữ một bản của tệp: {tmp_path / copy}" in message
    assert (tmp_path / copy).read_bytes() == damaged
    assert path.read_bytes() == damaged  # left in place: every run refuses until recovered
    with pytest.raises(LedgerDamaged):  # a second refusal keeps no second copy
        Ledger(tmp_path)
    assert copies(tmp_path) == [copy]
    # The office chooses a new ledger: the damaged one moves aside, a new one opens.
    assert replace_damaged(tmp_path) == tmp_path / copy
    with Ledger(tmp_path) as ledger:
        assert ledger.sent_rows() == []
    assert replace_damaged(tmp_path) is None  # a sound ledger is left alone


@pytest.mark.parametrize("how", ["emptied", "garbage", "removed", "replaced"])
def test_a_ledger_damaged_while_open_is_caught_before_the_next_job(tmp_path, how):
    a_ledger_with_mail_sent(tmp_path)
    path = tmp_path / DB_NAME
    with Ledger(tmp_path) as ledger:
        ledger.check()  # sound
        if how == "removed":
            path.unlink()
        elif how == "replaced":
            path.rename(tmp_path / "old.sqlite3")
            with Ledger(tmp_path):
                pass
        else:
            damage(path, how)
        with pytest.raises(LedgerDamaged, match="trong lúc chương trình đang chạy"):
            ledger.check()
    [copy] = copies(tmp_path)
    if how in ("removed", "replaced"):  # what the open connection held is saved
        (tmp_path / DB_NAME).unlink(missing_ok=True)
        (tmp_path / copy).rename(tmp_path / DB_NAME)
        with Ledger(tmp_path) as restored:
            assert len(restored.sent_rows()) == 300
