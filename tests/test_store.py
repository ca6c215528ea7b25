"""The state database file: schema upgrades from an older release, a killed run, two processes
at once, a damaged or newer file; and the reporting periods the history counts by."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime

import pytest
from support.old_store import SUBMISSIONS, make_v0_store

from ntm_excel.cli import main
from ntm_excel.config import BUNDLED, load_config
from ntm_excel.errors import ConfigError, LedgerDamaged, StoreBusy, StoreError
from ntm_excel.history import History
from ntm_excel.jobs.ledger import Ledger
from ntm_excel.jobs.mail import make_key
from ntm_excel.periods import Calendar, config_calendar
from ntm_excel.store import DB_NAME, SCHEMA_VERSION, Store

NOW = datetime(2021, 3, 20, 2, 0, tzinfo=UTC)


def rows(path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return [tuple(r) for r in db.execute(sql)]


# --- schema versions -----------------------------------------------------------------------


def test_a_store_of_the_older_schema_is_upgraded_keeping_everything(tmp_path):
    state = tmp_path / "var"
    path = make_v0_store(state)
    assert rows(path, "PRAGMA user_version") == [(0,)]
    with History(state) as history:
        assert history.schema_version == SCHEMA_VERSION
        receipts = rows(path, "SELECT sha256, name, received, source FROM receipts ORDER BY id")
    # the ledger's arrivals become receipts (names without the inbox's sub-folders, each at
    # its first time), so that these files keep their arrival when they are archived
    assert sorted(receipts) == [
        ("a" * 64, "cam_thanh.xlsx", "2021-03-10T02:00:00+00:00", "ledger"),
        ("b" * 64, "cam_thanh.xlsx", "2021-03-12T02:00:00+00:00", "ledger"),
    ]
    with Ledger(state) as ledger:  # the sent-mail ledger reads its rows as before
        assert ledger.is_sent(make_key("daily-digest", "ha.ln@camxuyen.example.org", "2021-03-24"))
        assert ledger.has_run("daily-digest", "2021-03-24")
        assert ledger.previous_summary("2021-W12") == ("2021-W11", {"units_submitted": 18})
        assert len(ledger.submission_history()) == len(SUBMISSIONS)
    kept = state / f"{DB_NAME}.truoc-v{SCHEMA_VERSION}.bak"  # the store before the upgrade
    assert rows(kept, "PRAGMA user_version") == [(0,)]
    assert rows(kept, "SELECT COUNT(*) FROM submissions") == [(len(SUBMISSIONS),)]
    assert not rows(kept, "SELECT name FROM sqlite_master WHERE name = 'archive'")
    with History(state) as again:  # opened again: nothing to do
        assert again.schema_version == SCHEMA_VERSION
    assert rows(path, "PRAGMA integrity_check") == [("ok",)]


def test_a_fresh_store_needs_no_copy_and_the_ledger_can_open_it_first(tmp_path):
    with Ledger(tmp_path / "a") as ledger:
        assert ledger.path.name == DB_NAME
    with History(tmp_path / "a") as history:
        assert history.schema_version == SCHEMA_VERSION
    with History(tmp_path / "b"):
        pass
    assert not list((tmp_path / "b").glob("*.bak"))
    with Ledger(tmp_path / "b") as ledger:  # and the other way round
        ledger.record_run("daily-digest", "2021-03-25", started=NOW)


def test_a_store_of_a_newer_release_or_a_damaged_one_is_refused_clearly(tmp_path):
    with History(tmp_path / "new") as history:
        history.db.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="phiên bản ntm-excel mới hơn tạo"):
        History(tmp_path / "new")
    damaged = tmp_path / "hong"
    damaged.mkdir()
    (damaged / DB_NAME).write_bytes(b"day khong phai SQLite " * 100)
    with pytest.raises(StoreError, match="không còn là tệp SQLite"):
        History(damaged)
    with pytest.raises(StoreError, match="Chưa có kho trạng thái"):
        History(tmp_path / "khong_co", create=False)


@pytest.mark.parametrize("emptied", ["zero_bytes", "no_tables"])
def test_an_emptied_store_is_never_started_over(tmp_path, emptied):
    """Starting over in an emptied store would lose the record of the mails sent and send
    them all again: the history refuses it, like the ledger, and writes nothing."""
    with Ledger(tmp_path) as ledger:
        ledger.record_run("daily-digest", "2021-03-25", started=NOW)
    path = tmp_path / DB_NAME
    path.unlink()
    if emptied == "zero_bytes":
        path.write_bytes(b"")
    else:
        with contextlib.closing(sqlite3.connect(path)) as db:
            db.execute("PRAGMA journal_mode=WAL")  # a header, no table
    before = path.read_bytes()
    with pytest.raises(StoreError) as refused:
        History(tmp_path)
    assert "sổ thư đã gửi không còn" in str(refused.value)
    assert "ntm-excel jobs new-ledger" in str(refused.value)
    assert path.read_bytes() == before
    with pytest.raises(LedgerDamaged):
        Ledger(tmp_path)


# --- a killed run, two processes -------------------------------------------------------------

HOLD = textwrap.dedent(
    """
    import sys, time
    from ntm_excel.history import History
    history = History(sys.argv[1])
    with history.transaction() as db:
        db.execute(
            "INSERT INTO receipts (sha256, name, received, source) VALUES (?, ?, ?, 'folder')",
            ("d" * 64, "dang_ghi.xlsx", "2021-03-20T02:00:00+00:00"),
        )
        print("ready", flush=True)
        time.sleep(float(sys.argv[2]))
    print("done", flush=True)
    """
)


def hold(state, seconds: float) -> subprocess.Popen:
    """Another process writing to the store for `seconds` (then committing)."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(state), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


def test_a_run_killed_in_the_middle_of_a_change_leaves_the_store_as_before(tmp_path):
    state = tmp_path / "var"
    with History(state) as history:
        history.record_mail(b"bieu", "bieu.xlsx", NOW)
    process = hold(state, 60)
    process.kill()  # SIGKILL: no clean-up of any kind
    process.wait()
    with History(state) as history:
        names = [r[0] for r in history.db.execute("SELECT name FROM receipts")]
        assert names == ["bieu.xlsx"]  # the half-made change is gone, the earlier one kept
        assert history.content(history.find("bieu.xlsx")[0].sha256) == b"bieu"
        assert history.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


class _FullAtCommit:
    """A connection whose disk fills at COMMIT: SQLite then rolls the transaction back
    itself and says "database or disk is full" (what a 12 MB tmpfs did)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, *args):
        if sql == "COMMIT":
            self._db.execute("ROLLBACK")
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._db, name)


def test_a_full_disk_is_a_clear_error_and_the_store_stays_whole(tmp_path):
    """A full disk made `consolidate` end in a raw traceback (exit 1): SQLite had rolled the
    transaction back itself, and the ROLLBACK that followed failed. Now a Vietnamese
    StoreError (exit 2), the write dropped whole and the store usable."""
    state = tmp_path / "var"
    with History(state) as history:
        history.record_mail(b"bieu", "bieu.xlsx", NOW)
        pages = history.db.execute("PRAGMA page_count").fetchone()[0]
        history.db.execute(f"PRAGMA max_page_count = {pages}")  # no room for another page
        with pytest.raises(StoreError, match="ổ đĩa đã đầy") as full:
            history.record_mail(bytes(range(256)) * 4000, "lon.xlsx", NOW)
        assert "kho không hỏng" in str(full.value)
        history.db.execute("PRAGMA max_page_count = 1073741823")
        real = history.db
        history.db = _FullAtCommit(real)
        with pytest.raises(StoreError, match="ổ đĩa đã đầy"):
            history.record_mail(b"moi", "moi.xlsx", NOW)
        history.db = real
        assert not real.in_transaction
        history.record_mail(b"sau", "sau.xlsx", NOW)
    names = [r[0] for r in rows(state / DB_NAME, "SELECT name FROM receipts ORDER BY id")]
    assert names == ["bieu.xlsx", "sau.xlsx"]


def test_a_second_process_waits_for_the_writer_or_says_why_it_gave_up(tmp_path):
    state = tmp_path / "var"
    with History(state):
        pass
    process = hold(state, 1.5)
    try:
        with History(state, wait=0.2) as impatient, pytest.raises(StoreBusy) as refused:
            impatient.record_mail(b"bieu", "bieu.xlsx", NOW)
        assert "đang được một tiến trình ntm-excel khác ghi; đã đợi 0 giây" in str(refused.value)
        with History(state, wait=30) as patient:
            patient.record_mail(b"bieu", "bieu.xlsx", NOW)  # waits for the other one
            assert patient.archive_count() == 1
    finally:
        process.wait(timeout=30)
    assert process.stdout.read().strip() == "done"
    names = sorted(r[0] for r in rows(state / DB_NAME, "SELECT name FROM receipts"))
    assert names == ["bieu.xlsx", "dang_ghi.xlsx"]


def test_the_store_file_alone_is_complete_once_closed(tmp_path):
    state = tmp_path / "var"
    with History(state) as history:
        history.record_mail(b"x" * 5000, "bieu.xlsx", NOW)
        with Store(state) as other:  # a second connection meanwhile
            assert other.schema_version == SCHEMA_VERSION
    assert not (state / f"{DB_NAME}-wal").exists()  # folded back in: copying the file is enough
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / DB_NAME).write_bytes((state / DB_NAME).read_bytes())
    with History(copy, create=False) as restored:
        assert restored.content(restored.find("bieu.xlsx")[0].sha256) == b"x" * 5000


# --- mail receipts ---------------------------------------------------------------------------


def test_a_file_received_by_mail_keeps_the_mails_time_and_sender(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "cam_thanh.xlsx").write_bytes(b"bieu cua xa")
    with History(tmp_path / "var") as history:
        digest = history.record_mail(
            b"bieu cua xa", "Biểu tự đánh giá.xlsx", NOW,
            sender="ubnd.camthanh@camxuyen.example.org", subject="Gửi biểu", message_id="<1@x>",
        )  # fmt: skip
        found = history.receive_files([inbox / "cam_thanh.xlsx"])
        assert found[inbox / "cam_thanh.xlsx"].sha256 == digest
        [in_folder, by_mail] = sorted(history.find(digest), key=lambda f: f.source)
        assert (by_mail.source, by_mail.sender, by_mail.received) == (
            "mail", "ubnd.camthanh@camxuyen.example.org", NOW,
        )  # fmt: skip
        assert in_folder.source == "folder" and in_folder.received > NOW
        assert history.archive_count() == 1


# --- reporting periods -----------------------------------------------------------------------


def test_monthly_and_quarterly_periods_and_their_due_dates():
    monthly = Calendar(due_day=15, deadline=date(2021, 3, 12))
    assert [(p.key, p.label, p.due) for p in monthly.span(date(2021, 1, 20), date(2021, 3, 2))] == [
        ("2021-01", "Tháng 1/2021", date(2021, 1, 15)),
        ("2021-02", "Tháng 2/2021", date(2021, 2, 15)),
        ("2021-03", "Tháng 3/2021", date(2021, 3, 12)),  # the configured deadline wins
    ]
    assert Calendar(due_day=31).of(date(2021, 2, 3)).due == date(2021, 2, 28)
    assert Calendar().of(date(2021, 4, 9)).due == date(2021, 4, 30)
    quarterly = Calendar("quarterly", due_day=20)
    assert [
        (p.key, p.label, p.due) for p in quarterly.span(date(2021, 2, 1), date(2021, 7, 1))
    ] == [
        ("2021-Q1", "Quý I/2021", date(2021, 3, 20)),
        ("2021-Q2", "Quý II/2021", date(2021, 6, 20)),
        ("2021-Q3", "Quý III/2021", date(2021, 9, 20)),
    ]


def periods_config(tmp_path, text: str):
    file = tmp_path / "cau_hinh.toml"
    file.write_text(text, encoding="utf-8")
    return config_calendar(load_config(file))


def test_custom_periods_from_the_configuration(tmp_path):
    calendar = periods_config(
        tmp_path,
        """
        [periods]
        kind = "custom"
        custom = [
          { name = "Đợt 2", start = 2021-04-01, end = 2021-09-30, due = 2021-09-15 },
          { name = "Đợt 1", start = 2021-01-01, end = 2021-03-31, due = 2021-03-15 },
        ]
        """,
    )
    assert [p.key for p in calendar.span(date(2021, 2, 1), date(2021, 12, 1))] == ["Đợt 1", "Đợt 2"]
    assert calendar.of(date(2021, 5, 1)).due == date(2021, 9, 15)
    assert calendar.of(date(2021, 12, 1)) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('kind = "weekly"', "«weekly» không hợp lệ"),
        ("due_day = 40", "due_day"),
        ('kind = "custom"', "cần danh sách «custom»"),
        ("dueday = 15", "không có khóa «dueday»"),
        (
            'kind = "custom"\ncustom = [{ name = "A", start = 2021-01-01, end = 2021-03-31 },'
            ' { name = "B", start = 2021-03-01, end = 2021-04-30 }]',
            "chồng lên nhau",
        ),
        ('kind = "custom"\ncustom = [{ start = "1/1/2021", end = 2021-03-31 }]', "phải là ngày"),
        ('start = "tháng 1"', "khóa «start»: giá trị «tháng 1» không dùng được"),
    ],
)
def test_periods_that_cannot_be_used_are_refused(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        periods_config(tmp_path, f"[periods]\n{text}\n")


def test_a_store_damaged_inside_gives_a_message_never_a_traceback(tmp_path, capsys):
    """Pages of the store overwritten (a disk fault): the run stops with a message in
    Vietnamese whichever table the damage hits first."""
    state, out = tmp_path / "var", tmp_path / "out"
    command = ["consolidate", str(BUNDLED / "mau_nop"), "--as-of", "2021-03-25",
               "--state-dir", str(state), "-o", str(out / "tong_hop.xlsx"),
               "--csv-dir", str(out / "csv"), "--no-feedback"]  # fmt: skip
    assert main(command) == 0
    path = state / DB_NAME
    with path.open("r+b") as handle:
        handle.seek(20 * 4096)
        handle.write(bytes(path.stat().st_size - 20 * 4096))
    capsys.readouterr()
    assert main(command) == 2
    said = capsys.readouterr().err
    assert "kho trạng thái" in said and "hỏng" in said and "Traceback" not in said
    assert "malformed" not in said
