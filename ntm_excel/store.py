"""The state database: one SQLite file in the state folder, `ntm-excel.sqlite3`.

It holds the sent-mail ledger (`ntm_excel.jobs.ledger`), the submission history
(`ntm_excel.history`, with its read and judgement caches) and the office mailbox's records
(`ntm_excel.jobs.mail_log`). This module opens it, upgrades its schema and runs transactions:

- the schema has a version (`PRAGMA user_version`); a store made by an older release is
  upgraded in one transaction when it is opened, after a copy of it is kept beside it
  (`ntm-excel.sqlite3.truoc-v<N>.bak`); a store made by a newer release is refused;
- every change is one transaction (`BEGIN IMMEDIATE`): a run killed half-way leaves the store
  as it was before that transaction;
- a second process waits for the one writing (up to `WAIT_SECONDS`), then gives up with a
  message saying so (`StoreBusy`);
- WAL mode lets a reader look while a job writes. The file is complete on its own whenever
  no ntm-excel process has it open (the last one to close folds the `-wal` file back in);
  `backup` copies it consistently at any time.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ntm_excel.atomic import atomic_path
from ntm_excel.errors import OutputError, StoreBusy, StoreError, system_reason

DB_NAME = "ntm-excel.sqlite3"
WAIT_SECONDS = 60.0

# Version 0 is the store of release 0.1.0: the sent-mail ledger's tables only (sent, runs,
# submissions, summaries), which the ledger (`ntm_excel.jobs.ledger`) creates from here. Each
# step below upgrades by one. A store begun by the history gets the ledger's tables too (the
# ledger refuses a store without them as an emptied one).
LEDGER_TABLES = """
CREATE TABLE IF NOT EXISTS sent (
    job TEXT NOT NULL,
    recipient TEXT NOT NULL,
    period TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'superseded')),
    attempts INTEGER NOT NULL DEFAULT 0,
    subject TEXT NOT NULL DEFAULT '',
    message BLOB,
    last_error TEXT NOT NULL DEFAULT '',
    first_attempt TEXT NOT NULL,
    last_attempt TEXT NOT NULL,
    next_retry TEXT,
    sent_at TEXT,
    PRIMARY KEY (job, recipient, period)
);
CREATE INDEX IF NOT EXISTS sent_retry ON sent (status, next_retry);
CREATE TABLE IF NOT EXISTS runs (
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    ok INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS runs_job ON runs (job, period);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    unit_code TEXT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    received TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_file ON submissions (file, id);
CREATE TABLE IF NOT EXISTS summaries (
    period TEXT PRIMARY KEY,
    figures TEXT NOT NULL,
    created TEXT NOT NULL
);
"""
_V1 = """
CREATE TABLE archive (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    packing TEXT NOT NULL CHECK (packing IN ('raw', 'zlib')),
    content BLOB NOT NULL,
    stored TEXT NOT NULL
);
CREATE TABLE receipts (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    received TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('folder', 'mail', 'ledger')),
    sender TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL DEFAULT '',
    UNIQUE (sha256, name, source, message_id)
);
CREATE INDEX receipts_name ON receipts (name);
CREATE TABLE readings (
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    context TEXT NOT NULL,
    result BLOB NOT NULL,
    PRIMARY KEY (sha256, name, context)
);
CREATE TABLE versions (
    id INTEGER PRIMARY KEY,
    unit_code TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES archive (sha256),
    name TEXT NOT NULL,
    report_date TEXT,
    catalog_set TEXT NOT NULL,
    context TEXT NOT NULL,
    criteria_met INTEGER NOT NULL,
    criteria_total INTEGER NOT NULL,
    meets_all INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    recorded TEXT NOT NULL,
    UNIQUE (unit_code, sha256)
);
CREATE TABLE version_values (
    version_id INTEGER NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    indicator_code TEXT NOT NULL,
    criterion_no INTEGER NOT NULL,
    text TEXT NOT NULL,
    raw TEXT NOT NULL,
    value_number REAL,
    value_text TEXT,
    self_assessment TEXT NOT NULL,
    computed_status TEXT NOT NULL,
    status TEXT NOT NULL,
    sheet TEXT NOT NULL,
    cell TEXT NOT NULL,
    PRIMARY KEY (version_id, indicator_code)
);
CREATE TABLE version_criteria (
    version_id INTEGER NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    criterion_no INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (version_id, criterion_no)
);
CREATE TABLE version_tasks (
    version_id INTEGER NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    criterion_no INTEGER,
    text TEXT NOT NULL,
    milestone TEXT NOT NULL,
    deadline_text TEXT NOT NULL,
    due TEXT,
    owners TEXT NOT NULL,
    done INTEGER NOT NULL,
    status_text TEXT NOT NULL,
    PRIMARY KEY (version_id, seq)
);
CREATE TABLE version_issues (
    version_id INTEGER NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    sheet TEXT NOT NULL,
    cell TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (version_id, seq)
);
CREATE TABLE consolidations (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    as_of TEXT NOT NULL,
    catalog_set TEXT NOT NULL,
    inputs TEXT NOT NULL,
    parsed INTEGER NOT NULL,
    outputs TEXT NOT NULL DEFAULT '[]',
    finished TEXT
);
CREATE TABLE outputs (
    path TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    written TEXT NOT NULL
);
"""


def _to_1(db: sqlite3.Connection) -> None:
    """Add the submission history; the arrivals the ledger noted (`submissions`, file
    names relative to the inbox) become receipts, so that their times are not lost."""
    for statement in (LEDGER_TABLES + _V1).split(";"):
        if statement.strip():
            db.execute(statement)
    if _has_table(db, "submissions"):
        first: dict[tuple[str, str], str] = {}  # (sha256, name) → earliest arrival
        for digest, file, received in db.execute(
            "SELECT sha256, file, received FROM submissions WHERE sha256 != ''"
        ):
            key = (digest, Path(file).name)
            first[key] = min(first.get(key, received), received)
        db.executemany(
            "INSERT OR IGNORE INTO receipts (sha256, name, received, source)"
            " VALUES (?, ?, ?, 'ledger')",
            [(digest, name, received) for (digest, name), received in first.items()],
        )


# The office mailbox (`ntm_excel.jobs.mail_log`): where each folder stands, each message
# handled, each file a submission brought and its answer.
_V2 = """
CREATE TABLE mail_folders (
    account TEXT NOT NULL,
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL,
    PRIMARY KEY (account, folder)
);
CREATE TABLE mail_messages (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    digest TEXT NOT NULL,
    sender TEXT NOT NULL,
    sender_name TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_id TEXT NOT NULL,
    refs TEXT NOT NULL,
    received TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('submission', 'other', 'automatic', 'too-large')),
    note TEXT NOT NULL DEFAULT '',
    marked INTEGER NOT NULL DEFAULT 0,
    recorded TEXT NOT NULL,
    UNIQUE (account, folder, uidvalidity, uid)
);
CREATE INDEX mail_messages_digest ON mail_messages (digest);
CREATE TABLE mail_files (
    id INTEGER PRIMARY KEY,
    message INTEGER NOT NULL REFERENCES mail_messages (id),
    name TEXT NOT NULL,
    saved TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    refused TEXT NOT NULL DEFAULT '',
    unit_code TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT 'pending' CHECK (answer IN ('pending', 'queued', 'none')),
    answer_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_files_sha ON mail_files (sha256);
CREATE INDEX mail_files_answer ON mail_files (answer);
"""


def _to_2(db: sqlite3.Connection) -> None:
    """Add the office mailbox's records (submissions by mail)."""
    for statement in _V2.split(";"):
        if statement.strip():
            db.execute(statement)


# The judgement cache (`ntm_excel.history`): what judging a file's reading gave, so that a
# file unchanged since the last run is neither decoded nor judged again.
_V3 = """
CREATE TABLE judgements (
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    context TEXT NOT NULL,
    result BLOB NOT NULL,
    PRIMARY KEY (sha256, name, context)
);
"""


def _to_3(db: sqlite3.Connection) -> None:
    """Add the judgement cache."""
    db.execute(_V3)


# What a file's `stat` said when it was hashed (`ntm_excel.history`): a file that still says
# the same is not read and hashed again.
_V4 = """
CREATE TABLE file_stats (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    device INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
"""


def _to_4(db: sqlite3.Connection) -> None:
    """Add the files' noted hashes."""
    db.execute(_V4)


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_to_1, _to_2, _to_3, _to_4)
SCHEMA_VERSION = len(MIGRATIONS)


def database_path(state_dir: Path | str) -> Path:
    return Path(state_dir) / DB_NAME


_SQLITE_MAGIC = b"SQLite format 3\x00"


def create_in_place(path: Path, make: Callable[[sqlite3.Connection], None]) -> None:
    """A new database at `path`, made whole (`make`) in a file of its own, then put in place
    in one step: a database at `path` is never an empty file, so an emptied one is told apart.
    Another process that creates it meanwhile wins; its database is used."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    tmp.unlink(missing_ok=True)
    try:
        with contextlib.closing(sqlite3.connect(tmp, isolation_level=None)) as db:
            make(db)
    except BaseException:  # Ctrl-C or a failure while it is made: no half-made file left
        tmp.unlink(missing_ok=True)
        raise
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links
        if not path.exists():
            os.replace(tmp, path)
    tmp.unlink(missing_ok=True)


def _current_schema(db: sqlite3.Connection) -> None:
    for step in MIGRATIONS:
        step(db)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def header_problem(path: Path) -> str:
    """Why the file cannot be a store from its first bytes, or ""."""
    with open(path, "rb") as handle:
        head = handle.read(len(_SQLITE_MAGIC))
    if not head:
        return "trống (0 byte): nội dung đã bị xóa"
    return "" if head == _SQLITE_MAGIC else "không còn là tệp SQLite: đã bị ghi đè hoặc hỏng"


def _emptied(path: Path, problem: str) -> StoreError:
    """The refusal to start over in a store that was emptied or overwritten: its history and
    its record of the mails sent would be lost, and every mail sent again."""
    return StoreError(
        f"Kho trạng thái {path} {problem}: lịch sử các lần tổng hợp và sổ thư đã gửi không còn. "
        "Chưa ghi gì vào đó. Bắt đầu lại từ kho trống thì mọi thư đã gửi sẽ bị gửi lại.\n"
        "Cách khắc phục (chọn một):\n"
        f"  1. chép bản sao lưu gần nhất của kho (nếu có) đè lên {path}, rồi chạy lại;\n"
        f"  2. lập sổ mới: ntm-excel jobs new-ledger --state-dir {path.parent}\n"
        "     (thư của những việc đã qua giờ chạy hôm nay được coi là đã gửi, không gửi lại)."
    )


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found.fetchone() is not None


# (and their extended codes: SQLITE_IOERR_WRITE for a write past the file size limit)
_UNUSABLE = ("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM", "SQLITE_IOERR", "SQLITE_AUTH")


def store_failure(path: Path, exc: sqlite3.Error, wait: float = WAIT_SECONDS) -> StoreError:
    """A Vietnamese message for what SQLite said about the state database at `path`. Only a
    damaged file is called damaged: a busy, full, read-only or unreachable one is not (the
    advice for a damaged one, copy a backup over it, would lose the history)."""
    text = str(exc).lower()
    name = getattr(exc, "sqlite_errorname", "")
    if "locked" in text or "busy" in text:
        return StoreBusy(
            f"Kho trạng thái {path} đang được một tiến trình ntm-excel khác ghi; đã "
            f"đợi {wait:.0f} giây. Hãy chạy lại khi tiến trình kia xong (ví dụ bộ "
            "lập lịch đang tổng hợp)."
        )
    if name == "SQLITE_FULL" or "full" in text:
        return StoreError(
            f"Không ghi được vào kho trạng thái {path}: ổ đĩa đã đầy. Phần đang ghi dở đã được "
            "bỏ, kho không hỏng; hãy giải phóng chỗ trống rồi chạy lại."
        )
    if name.startswith(_UNUSABLE) or "readonly" in text or "unable to open" in text:
        return StoreError(
            f"Không mở hoặc không ghi được kho trạng thái {path} ({system_reason(exc)}): thư "
            "mục trạng thái "
            "chỉ cho đọc, không có quyền ghi, hoặc ổ đĩa mạng đã mất kết nối. Tệp không hỏng: "
            "đừng chép bản sao lưu đè lên; hãy cho quyền ghi vào thư mục đó rồi chạy lại."
        )
    return StoreError(
        f"Không dùng được kho trạng thái {path}: {system_reason(exc)}. Tệp có thể đã hỏng; "
        "hãy chép lại bản sao lưu gần nhất (xem mục «Sao lưu» trong README)."
    )


@contextmanager
def write_transaction(
    db: sqlite3.Connection, failure: Callable[[sqlite3.Error], StoreError]
) -> Iterator[sqlite3.Connection]:
    """One transaction on `db` that takes the write lock first (waiting for another writer),
    rolled back whole on any error; what SQLite refuses (a full disk…) becomes
    `failure(exc)`. SQLite may have rolled the transaction back itself (a full disk at
    COMMIT): then there is nothing to roll back."""
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise failure(exc) from exc
    try:
        yield db
    except sqlite3.OperationalError as exc:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise failure(exc) from exc
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    try:
        db.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise failure(exc) from exc


CACHE_KIB = 32 * 1024  # page cache per connection (SQLite: 2 MiB) for the writes of a large batch


class Store:
    """An open state database at the current schema version.

    `create=False` refuses a state folder without one; `wait` is how long to wait for
    another process's write before giving up with `StoreBusy`.
    """

    def __init__(
        self, state_dir: Path | str, *, create: bool = True, wait: float = WAIT_SECONDS
    ) -> None:
        self.path = database_path(state_dir)
        self.wait = wait
        if not create and not self.path.is_file():
            raise StoreError(
                f"Chưa có kho trạng thái {self.path}: chưa lần tổng hợp nào được ghi vào thư "
                "mục trạng thái này (xem --state-dir, biến NTM_STATE_DIR). Lịch sử có từ lần "
                "chạy «ntm-excel consolidate THƯ_MỤC_NHẬN_BIỂU» đầu tiên."
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            try:
                create_in_place(self.path, _current_schema)
            except sqlite3.Error as exc:  # a full disk, a file size limit: said as such
                raise store_failure(self.path, exc, wait) from exc
        elif problem := header_problem(self.path):
            raise _emptied(self.path, problem)
        # one thread at a time, not always the one that opened it (the history archives files
        # in a thread of its own while worker processes read them)
        self.db = sqlite3.connect(
            self.path, isolation_level=None, timeout=wait, check_same_thread=False
        )
        self.db.row_factory = sqlite3.Row
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            self._upgrade()
        except sqlite3.Error as exc:
            self.db.close()
            raise self._failure(exc) from exc
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _failure(self, exc: sqlite3.Error) -> StoreError:
        return store_failure(self.path, exc, self.wait)

    def transaction(self):
        """One transaction that takes the write lock first (see `write_transaction`)."""
        return write_transaction(self.db, self._failure)

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _upgrade(self) -> None:
        """Bring the schema to SCHEMA_VERSION, keeping a copy of a store that had data."""
        version = self.schema_version
        if version == 0 and not self.db.execute("SELECT 1 FROM sqlite_master").fetchone():
            raise _emptied(self.path, "không còn bảng nào: đã bị xóa trắng")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"Kho trạng thái {self.path} do phiên bản ntm-excel mới hơn tạo (lược đồ "
                f"{version}; phiên bản này biết đến lược đồ {SCHEMA_VERSION}). Hãy cài phiên "
                "bản mới."
            )
        if version == SCHEMA_VERSION:
            return
        if self._has_rows():
            self.backup(self.path.with_name(f"{self.path.name}.truoc-v{SCHEMA_VERSION}.bak"))
        with self.transaction() as db:
            for step in MIGRATIONS[self.schema_version :]:  # another process may have done it
                step(db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _has_rows(self) -> bool:
        """Whether any table holds a row (a store worth keeping a copy of)."""
        tables = self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return any(
            self.db.execute(f'SELECT EXISTS (SELECT 1 FROM "{name}")').fetchone()[0]
            for (name,) in tables.fetchall()
        )

    def backup(self, target: Path | str) -> Path:
        """A consistent copy of the whole database in one file at `target` (written
        atomically), taken while others may be writing."""
        target = Path(target)
        with atomic_path(target) as tmp:
            copy = sqlite3.connect(tmp)
            try:
                self.db.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # the copy stands alone
            except sqlite3.OperationalError as exc:  # the copy's disk, not the store
                raise OutputError(
                    f"Không ghi được bản sao lưu {target}: {system_reason(exc)}; kho trạng "
                    "thái không bị ảnh hưởng"
                ) from exc
            finally:
                copy.close()
        return target

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file, so that the file alone is
        complete (a reader in another process may hold part of it back: that is harmless)."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
