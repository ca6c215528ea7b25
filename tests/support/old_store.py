"""A state database as release 0.1.0 left it (schema version 0): the sent-mail ledger's tables,
copied verbatim from that release's `ntm_excel/jobs/ledger.py`, with a few rows in each. Tests
open it with the current code to check that an office's store survives the upgrade."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_V0 = """
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

SENT = (
    "daily-digest", "ha.ln@camxuyen.example.org", "2021-03-24", "sent", 1, "Nhắc việc", None,
    "", "2021-03-24T00:30:00+00:00", "2021-03-24T00:30:00+00:00", None,
    "2021-03-24T00:30:05+00:00",
)  # fmt: skip
SUBMISSIONS = [  # (unit_code, file, sha256, size, received)
    ("18694", "cam_thanh.xlsx", "a" * 64, 1000, "2021-03-10T02:00:00+00:00"),
    ("18694", "cam_thanh.xlsx", "b" * 64, 1100, "2021-03-12T02:00:00+00:00"),
    ("18694", "dot2/cam_thanh.xlsx", "b" * 64, 1100, "2021-03-13T02:00:00+00:00"),
    ("", "cam_thanh.xlsx", "", 0, "2021-03-14T02:00:00+00:00"),  # taken out of the inbox
]


def make_v0_store(folder: Path) -> Path:
    """A version-0 store at `folder/ntm-excel.sqlite3`, in WAL mode as the ledger opens it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ntm-excel.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA_V0)
    db.execute("INSERT INTO sent VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", SENT)
    db.execute(
        "INSERT INTO runs VALUES ('daily-digest', '2021-03-24', '2021-03-24T00:30:00+00:00',"
        " '2021-03-24T00:31:00+00:00', 1, '')"
    )
    db.executemany(
        "INSERT INTO submissions (unit_code, file, sha256, size, received) VALUES (?, ?, ?, ?, ?)",
        SUBMISSIONS,
    )
    db.execute(
        "INSERT INTO summaries VALUES ('2021-W11', '{\"units_submitted\": 18}',"
        " '2021-03-15T01:00:00+00:00')"
    )
    db.commit()
    db.close()
    return path
