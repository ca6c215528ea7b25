"""The state database (SQLite in the state folder): sent ledger, runs, submissions, summaries.

- `sent`: one row per message key (job, recipient, period). A row is `sending` while the
  server has the message, `sent` once it accepted it (or had all of it and went away before
  confirming: then `last_error` says so and the message is kept), `failed` with an attempt
  count and a next-retry time (back-off 5 min, 15 min, 1 h, then every 4 h: nothing is
  dropped), or `superseded` when a newer message of the same job reached the same
  recipient. The message itself is kept until it is sent so that a retry sends exactly what failed.
- `runs`: when each job ran for each period, for the once-per-period rule and catch-up.
- `submissions`: every file that arrived in the inbox (unit, file, sha256, received time);
  a file taken out of the inbox gets a row with an empty sha256.
- `summaries`: the weekly summary's figures, to say what changed since the week before.

WAL mode lets a reader (the `digest` command) look while the scheduler writes; every change
is one transaction.

A ledger that is missing is created (first run), atomically: an existing file always holds
the tables. One that is empty, overwritten or damaged is refused (`LedgerDamaged`), never
silently started again (that would send the day's mail a second time): a copy is kept beside
it (`ntm-excel.sqlite3.hong-<time>`) and the message says how to recover (`replace_damaged`
moves it aside for a new ledger). `check` looks again before each job, for a file removed,
replaced or emptied while the scheduler has it open.
"""

from __future__ import annotations

import contextlib
import filecmp
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from ntm_excel.config import VIETNAM_TIME
from ntm_excel.errors import LedgerDamaged
from ntm_excel.jobs.mail import MailKey
from ntm_excel.store import (
    LEDGER_TABLES,
    create_in_place,
    header_problem,
    store_failure,
    write_transaction,
)

DB_NAME = "ntm-excel.sqlite3"
BACKOFF = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4))
# a `sending` row whose message the server had in full when the run was killed
HANDED = "máy chủ thư đã nhận hết thư, chưa kịp xác nhận: có thể đã đến, không gửi lại"
# that row as an SQL condition on `sent`, its one parameter `HANDED`: never sent again
_HANDED_ROW = "(status = 'sending' AND last_error = ?)"
# a row left `sending` by a run killed before the server had all of it: sent again
_OPEN_ROW = f"(status = 'sending' AND NOT {_HANDED_ROW})"
DAMAGED_MARK = ".hong-"  # a kept copy of a damaged ledger: ntm-excel.sqlite3.hong-20210325-073000
_SIDE_FILES = ("-wal", "-shm")


@dataclass(frozen=True)
class SentRow:
    key: MailKey
    status: str
    attempts: int
    subject: str
    last_error: str
    next_retry: datetime | None
    sent_at: datetime | None
    message: bytes | None


@dataclass(frozen=True)
class SubmissionRow:
    unit_code: str
    file: str
    sha256: str
    size: int
    received: datetime


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure."""
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


class Ledger:
    """The state database at `<state_dir>/ntm-excel.sqlite3` (created when missing; refused,
    with a copy kept, when emptied or damaged). `zone` is the time zone of the times people
    read (the kept copy's name)."""

    def __init__(self, state_dir: Path | str, *, zone: tzinfo = VIETNAM_TIME) -> None:
        self.path = Path(state_dir) / DB_NAME
        self.zone = zone
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.new = not self.path.exists()  # made by this run (a first run, or another folder)
        if self.new:
            try:
                _create(self.path)
            except sqlite3.OperationalError as exc:
                raise store_failure(self.path, exc, 30) from exc
        self._db = _open_checked(self.path, zone)
        self._identity = _identity(self.path)
        try:
            with self._transaction():
                for statement in LEDGER_TABLES.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _transaction(self):
        return write_transaction(self._db, lambda exc: store_failure(self.path, exc, 30))

    def journal_mode(self) -> str:
        return self._db.execute("PRAGMA journal_mode").fetchone()[0]

    def check(self) -> None:
        """Raise LedgerDamaged when the file was removed, replaced, emptied or overwritten
        since it was opened (another program, a sync tool, a person): what the connection
        still holds is saved beside it first."""
        try:
            now = _identity(self.path)
            reason = "" if now == self._identity else "đã bị thay bằng một tệp khác"
            reason = reason or header_problem(self.path)
        except FileNotFoundError:
            reason = "đã bị xóa"
        if not reason:
            return
        copy = _free_copy_name(self.path, self.zone)
        try:
            with contextlib.closing(sqlite3.connect(copy)) as target:
                self._db.backup(target)
            kept = f"Đã chép những gì chương trình còn giữ của sổ vào {copy}."
        except sqlite3.Error:
            copy.unlink(missing_ok=True)
            kept = (
                f"Đã giữ một bản của tệp: {keep_copy(self.path, self.zone)}."
                if (self.path.exists())
                else "Không chép được nội dung sổ."
            )
        raise LedgerDamaged(
            f"Sổ thư đã gửi {self.path} {reason} trong lúc chương trình đang chạy.\n{kept}\n"
            + _NOTHING_SENT
            + _recovery(self.path)
        )

    # --- sent ledger -------------------------------------------------------------------

    def get(self, key: MailKey) -> SentRow | None:
        row = self._db.execute(
            "SELECT * FROM sent WHERE job = ? AND recipient = ? AND period = ?",
            (key.job, key.recipient, key.period),
        ).fetchone()
        return _sent_row(row) if row else None

    def is_sent(self, key: MailKey) -> bool:
        """Whether the server took the message, or had all of it when the run that sent it
        was killed before its answer (`mark_handed`): either way it is never sent again."""
        row = self._db.execute(
            "SELECT 1 FROM sent WHERE job = ? AND recipient = ? AND period = ?"
            f" AND (status = 'sent' OR {_HANDED_ROW})",
            (key.job, key.recipient, key.period, HANDED),
        ).fetchone()
        return row is not None

    def mark_handed(self, key: MailKey, *, now: datetime | None = None) -> None:
        """The server has all of the message; its answer is awaited. A run killed now leaves
        the row `sending` with this mark: the message may have arrived, so it is not sent
        again (`is_sent`, `due_retries`)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE sent SET last_error = ? WHERE job = ? AND recipient = ? AND period = ?"
                " AND status = 'sending'",
                (HANDED, key.job, key.recipient, key.period),
            )

    def begin(
        self, key: MailKey, *, subject: str, message: bytes, now: datetime | None = None
    ) -> None:
        """Record an attempt before handing the message over (kept until it is sent)."""
        stamp = _text(_now(now))
        with self._transaction() as db:
            db.execute(
                "INSERT INTO sent (job, recipient, period, status, attempts, subject, message,"
                " first_attempt, last_attempt) VALUES (?, ?, ?, 'sending', 1, ?, ?, ?, ?)"
                " ON CONFLICT (job, recipient, period) DO UPDATE SET status = 'sending',"
                " attempts = attempts + 1, subject = excluded.subject,"
                " message = excluded.message, last_attempt = excluded.last_attempt,"
                " next_retry = NULL",
                (key.job, key.recipient, key.period, subject, message, stamp, stamp),
            )

    def mark_sent(self, key: MailKey, *, now: datetime | None = None, doubt: str = "") -> None:
        """The server accepted the message: record it, drop its copy, retire older failures.
        With `doubt` (the server had it all but never confirmed), the copy and the doubt are
        kept: it is not sent again."""
        stamp = _text(_now(now))
        with self._transaction() as db:
            db.execute(
                "UPDATE sent SET status = 'sent', sent_at = ?,"
                " message = CASE WHEN ? = '' THEN NULL ELSE message END, last_error = ?,"
                " next_retry = NULL WHERE job = ? AND recipient = ? AND period = ?",
                (stamp, doubt, doubt, key.job, key.recipient, key.period),
            )
            if key.periodic:  # an answer to one file never retires another file's answer
                db.execute(
                    "UPDATE sent SET status = 'superseded', message = NULL, next_retry = NULL"
                    " WHERE job = ? AND recipient = ? AND period < ?"
                    " AND status IN ('failed', 'sending')",
                    (key.job, key.recipient, key.period),
                )

    def mark_failed(self, key: MailKey, error: str, *, now: datetime | None = None) -> datetime:
        """Record a failed attempt; returns when it will be retried."""
        moment = _now(now)
        with self._transaction() as db:
            (attempts,) = db.execute(
                "SELECT attempts FROM sent WHERE job = ? AND recipient = ? AND period = ?",
                (key.job, key.recipient, key.period),
            ).fetchone()
            retry = moment + backoff(attempts)
            db.execute(
                "UPDATE sent SET status = 'failed', last_error = ?, next_retry = ?"
                " WHERE job = ? AND recipient = ? AND period = ?",
                (error, _text(retry), key.job, key.recipient, key.period),
            )
        return retry

    def due_retries(self, *, now: datetime | None = None, job: str | None = None) -> list[SentRow]:
        """Failed messages whose retry time has come, and attempts left open by a crash."""
        rows = self._db.execute(
            f"SELECT * FROM sent WHERE ({_OPEN_ROW} OR (status = 'failed' AND next_retry <= ?))"
            " AND (? IS NULL OR job = ?)"
            " ORDER BY period, job, recipient",
            (HANDED, _text(_now(now)), job, job),
        ).fetchall()
        return [_sent_row(row) for row in rows]

    def unsent(self, job: str | None = None) -> list[SentRow]:
        """Every message not delivered yet (failed or open), due or not."""
        rows = self._db.execute(
            f"SELECT * FROM sent WHERE (status = 'failed' OR {_OPEN_ROW})"
            " AND (? IS NULL OR job = ?) ORDER BY period, job, recipient",
            (HANDED, job, job),
        ).fetchall()
        return [_sent_row(row) for row in rows]

    def sent_rows(self, job: str | None = None) -> list[SentRow]:
        rows = self._db.execute(
            "SELECT * FROM sent WHERE (? IS NULL OR job = ?) ORDER BY period, job, recipient",
            (job, job),
        ).fetchall()
        return [_sent_row(row) for row in rows]

    # --- runs --------------------------------------------------------------------------

    def record_run(
        self,
        job: str,
        period: str,
        *,
        started: datetime,
        finished: datetime | None = None,
        ok: bool = True,
        note: str = "",
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs (job, period, started, finished, ok, note)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (job, period, _text(started), _text(_now(finished)), int(ok), note),
            )

    def has_run(self, job: str, period: str) -> bool:
        """Whether `job` completed a run for `period`."""
        return (
            self._db.execute(
                "SELECT 1 FROM runs WHERE job = ? AND period = ? AND ok = 1 LIMIT 1",
                (job, period),
            ).fetchone()
            is not None
        )

    def last_run(self, job: str) -> datetime | None:
        row = self._db.execute(
            "SELECT MAX(started) FROM runs WHERE job = ? AND ok = 1", (job,)
        ).fetchone()
        return _moment(row[0])

    # --- submissions -------------------------------------------------------------------

    def latest_hashes(self) -> dict[str, str]:
        """file → sha256 of its latest recorded version."""
        rows = self._db.execute(
            "SELECT file, sha256 FROM submissions WHERE id IN"
            " (SELECT MAX(id) FROM submissions GROUP BY file)"
        ).fetchall()
        return {row["file"]: row["sha256"] for row in rows}

    def record_submissions(self, rows: list[SubmissionRow]) -> None:
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO submissions (unit_code, file, sha256, size, received)"
                " VALUES (?, ?, ?, ?, ?)",
                [(r.unit_code, r.file, r.sha256, r.size, _text(r.received)) for r in rows],
            )

    def submission_history(self, unit_code: str | None = None) -> list[SubmissionRow]:
        rows = self._db.execute(
            "SELECT * FROM submissions WHERE ? IS NULL OR unit_code = ? ORDER BY id",
            (unit_code, unit_code),
        ).fetchall()
        return [
            SubmissionRow(r["unit_code"], r["file"], r["sha256"], r["size"], _moment(r["received"]))
            for r in rows
        ]

    # --- weekly summaries --------------------------------------------------------------

    def save_summary(self, period: str, figures: dict, *, now: datetime | None = None) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO summaries (period, figures, created) VALUES (?, ?, ?)"
                " ON CONFLICT (period) DO UPDATE SET figures = excluded.figures,"
                " created = excluded.created",
                (period, json.dumps(figures, ensure_ascii=False), _text(_now(now))),
            )

    def previous_summary(self, period: str) -> tuple[str, dict] | None:
        """The latest summary stored for a period before `period`."""
        row = self._db.execute(
            "SELECT period, figures FROM summaries WHERE period < ? ORDER BY period DESC LIMIT 1",
            (period,),
        ).fetchone()
        return (row["period"], json.loads(row["figures"])) if row else None


# --- a ledger that is new, or damaged --------------------------------------------------------


def _create(path: Path) -> None:
    """A new ledger with its tables, put in place in one step (never an empty file that a
    second process could take for an emptied ledger)."""

    def tables(db: sqlite3.Connection) -> None:
        db.executescript(LEDGER_TABLES)
        db.execute("PRAGMA journal_mode=WAL")

    create_in_place(path, tables)


def _identity(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


def _open_checked(path: Path, zone: tzinfo) -> sqlite3.Connection:
    """A connection to the existing ledger at `path`; LedgerDamaged when it is not one."""
    reason = header_problem(path)
    db = None
    if not reason:
        try:
            db = sqlite3.connect(path, isolation_level=None, timeout=30)
            db.row_factory = sqlite3.Row
            problems = [row[0] for row in db.execute("PRAGMA quick_check")]
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if problems != ["ok"]:
                reason = f"bị hỏng ({'; '.join(problems[:3])})"
            elif "sent" not in tables:
                reason = "không có bảng thư đã gửi: đã bị xóa trắng hoặc thay bằng tệp khác"
            else:  # a sound ledger: only now is anything written to the file
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
        except sqlite3.OperationalError as exc:  # the folder, the disk, another process: not
            if db is not None:  # the file (a read-only folder, a full disk, a lock held)
                db.close()
            raise store_failure(path, exc, 30) from exc
        except sqlite3.DatabaseError as exc:
            reason = f"bị hỏng ({exc})"
    if not reason:
        return db
    if db is not None:
        db.close()
    raise LedgerDamaged(
        f"Sổ thư đã gửi {path} {reason}.\nĐã giữ một bản của tệp: {keep_copy(path, zone)}.\n"
        + _NOTHING_SENT
        + _recovery(path)
    )


_NOTHING_SENT = (
    "Chưa gửi thư nào: không có sổ thì không biết thư nào đã gửi, chạy tiếp sẽ gửi lại những "
    "thư cán bộ, đơn vị đã nhận.\n"
)


def _recovery(path: Path) -> str:
    return (
        "Cách khắc phục (chọn một):\n"
        f"  1. chép bản sao lưu gần nhất của sổ (nếu có) đè lên {path}, rồi chạy lại;\n"
        f"  2. lập sổ mới: ntm-excel jobs new-ledger --state-dir {path.parent}\n"
        "     (thư của những việc đã qua giờ chạy hôm nay được coi là đã gửi, không gửi lại; "
        "thư lỗi đang chờ gửi lại trong sổ cũ thì mất)."
    )


def _free_copy_name(path: Path, zone: tzinfo) -> Path:
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M%S")
    copy = path.with_name(f"{path.name}{DAMAGED_MARK}{stamp}")
    number = 1
    while copy.exists() or copy.with_name(copy.name + "-wal").exists():
        number += 1
        copy = path.with_name(f"{path.name}{DAMAGED_MARK}{stamp}-{number}")
    return copy


def keep_copy(path: Path, zone: tzinfo = VIETNAM_TIME) -> Path:
    """A copy of the damaged ledger `path` (and its -wal and -shm files) beside it, named by
    the time; a copy with the same content kept earlier is reused (a job every few minutes
    does not fill the disk)."""
    for earlier in sorted(path.parent.glob(f"{path.name}{DAMAGED_MARK}*")):
        if not earlier.name.endswith(_SIDE_FILES) and filecmp.cmp(path, earlier, shallow=False):
            return earlier
    copy = _free_copy_name(path, zone)
    shutil.copy2(path, copy)
    for side in _SIDE_FILES:
        if (source := path.with_name(path.name + side)).exists():
            shutil.copy2(source, copy.with_name(copy.name + side))
    return copy


def replace_damaged(state_dir: Path | str, zone: tzinfo = VIETNAM_TIME) -> Path | None:
    """Move a damaged ledger aside (a copy is kept) so that the next `Ledger` starts a new one;
    returns the copy, or None when the ledger is missing or sound (nothing is done)."""
    path = Path(state_dir) / DB_NAME
    if not path.exists():
        return None
    try:
        _open_checked(path, zone).close()
    except LedgerDamaged:
        copy = keep_copy(path, zone)
        for side in ("", *_SIDE_FILES):
            path.with_name(path.name + side).unlink(missing_ok=True)
        return copy
    return None


def _sent_row(row: sqlite3.Row) -> SentRow:
    return SentRow(
        key=MailKey(row["job"], row["recipient"], row["period"]),
        status=row["status"],
        attempts=row["attempts"],
        subject=row["subject"],
        last_error=row["last_error"],
        next_retry=_moment(row["next_retry"]),
        sent_at=_moment(row["sent_at"]),
        message=row["message"],
    )
