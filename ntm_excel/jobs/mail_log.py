"""What the `collect` job took from the office mailbox, kept in the state database
(`ntm_excel.store`, beside the sent ledger and the submission history; every change one
transaction):

- `mail_folders`: for each mailbox account and folder, its UIDVALIDITY and the highest UID
  handled: the messages above it are the new ones;
- `mail_messages`: each message handled, with who sent it, its subject, Message-ID, when the
  server received it, what it was (a submission, other mail, an automatic message, or too
  large to download) and whether it has been moved or marked on the server yet;
- `mail_files`: each file a submission brought: the name it came under, where it was saved
  in the inbox (or why it was refused), its SHA-256, the sender's unit, and the state of its
  answer (`pending` until it is handed to the sent ledger, `none` when nobody can be told).

A message is recorded, and the folder's position moved past it, in one transaction, after
its files are in the inbox and before it is marked on the server: a run that stops at any
point loses nothing (the message is fetched again, its files found already saved) and
repeats nothing (a recorded message is only marked, by `unmarked`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ntm_excel.store import Store


@dataclass(frozen=True)
class Place:
    """Where a message is on the server."""

    account: str
    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class MessageRecord:
    place: Place
    digest: str  # SHA-256 of the message's bytes ("" when it was not downloaded)
    sender: str
    sender_name: str
    subject: str
    message_id: str
    references: tuple[str, ...]
    received: datetime
    kind: str  # one of KINDS
    note: str = ""


@dataclass(frozen=True)
class FileRecord:
    name: str
    sha256: str
    size: int
    saved: str = ""  # path relative to the inbox, "" when refused
    refused: str = ""
    unit_code: str = ""  # the sender's unit
    answer: str = "pending"
    answer_note: str = ""


@dataclass(frozen=True)
class ReceivedFile:
    """A collected file with the message that brought it (what an answer is built from)."""

    id: int
    file: FileRecord
    message: MessageRecord


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class MailLog(Store):
    """The mailbox records in the state database (`ntm_excel.store`; tables from schema 2)."""

    # --- where the folder stands -------------------------------------------------------

    def last_uid(self, account: str, folder: str, uidvalidity: int) -> int:
        """The highest UID handled in the folder; 0 when it is new or its UIDVALIDITY
        changed (the server renumbered it: every message is looked at again, and those
        already recorded are known by their bytes)."""
        row = self.db.execute(
            "SELECT uidvalidity, last_uid FROM mail_folders WHERE account = ? AND folder = ?",
            (account, folder),
        ).fetchone()
        return row["last_uid"] if row and row["uidvalidity"] == uidvalidity else 0

    def _advance(self, db: sqlite3.Connection, place: Place) -> None:
        db.execute(
            "INSERT INTO mail_folders (account, folder, uidvalidity, last_uid)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (account, folder) DO UPDATE SET"
            " last_uid = CASE WHEN uidvalidity = excluded.uidvalidity"
            " THEN MAX(last_uid, excluded.last_uid) ELSE excluded.last_uid END,"
            " uidvalidity = excluded.uidvalidity",
            (place.account, place.folder, place.uidvalidity, place.uid),
        )

    def skip(self, place: Place) -> None:
        """Move past a message that vanished before it could be fetched."""
        with self.transaction() as db:
            self._advance(db, place)

    # --- messages ----------------------------------------------------------------------

    def known(self, digest: str) -> MessageRecord | None:
        """The first record of a message with these bytes (seen before under another UID:
        moved back into the folder, or the folder renumbered)."""
        row = self.db.execute(
            "SELECT * FROM mail_messages WHERE digest = ? AND digest != '' ORDER BY id LIMIT 1",
            (digest,),
        ).fetchone()
        return _message(row) if row else None

    def record(self, message: MessageRecord, files: Sequence[FileRecord] = ()) -> None:
        """Record a message and its files, and move the folder's position past it."""
        m = message
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO mail_messages (account, folder, uidvalidity, uid, digest, sender,"
                " sender_name, subject, message_id, refs, received, kind, note, recorded)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *(m.place.account, m.place.folder, m.place.uidvalidity, m.place.uid),
                    *(m.digest, m.sender, m.sender_name, m.subject, m.message_id),
                    " ".join(m.references),
                    _text(m.received),
                    m.kind,
                    m.note,
                    _text(datetime.now(UTC)),
                ),
            )
            db.executemany(
                "INSERT INTO mail_files (message, name, saved, sha256, size, refused, unit_code,"
                " answer, answer_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (cursor.lastrowid, f.name, f.saved, f.sha256, f.size, f.refused, f.unit_code)
                    + (f.answer, f.answer_note)
                    for f in files
                ],
            )
            self._advance(db, m.place)

    def unmarked(self, account: str, folder: str, uidvalidity: int) -> list[int]:
        """UIDs of recorded submissions not yet moved or marked on the server."""
        rows = self.db.execute(
            "SELECT uid FROM mail_messages WHERE account = ? AND folder = ? AND uidvalidity = ?"
            " AND kind = 'submission' AND marked = 0 ORDER BY uid",
            (account, folder, uidvalidity),
        ).fetchall()
        return [row["uid"] for row in rows]

    def set_marked(self, place: Place) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE mail_messages SET marked = 1 WHERE account = ? AND folder = ?"
                " AND uidvalidity = ? AND uid = ?",
                (place.account, place.folder, place.uidvalidity, place.uid),
            )

    def messages(self) -> list[MessageRecord]:
        rows = self.db.execute("SELECT * FROM mail_messages ORDER BY id").fetchall()
        return [_message(row) for row in rows]

    # --- files and answers -------------------------------------------------------------

    def saved_as(self, sha256: str) -> str | None:
        """Where a file with these bytes was saved before (relative to the inbox), if it was."""
        row = self.db.execute(
            "SELECT saved FROM mail_files WHERE sha256 = ? AND saved != '' ORDER BY id LIMIT 1",
            (sha256,),
        ).fetchone()
        return row["saved"] if row else None

    def received_files(self, *, answer: str | None = None) -> list[ReceivedFile]:
        """Every collected file (or those whose answer is in state `answer`), in order."""
        rows = self.db.execute(
            "SELECT f.id AS file_id, f.name AS file_name, f.*, m.* FROM mail_files f"
            " JOIN mail_messages m ON m.id = f.message WHERE ? IS NULL OR f.answer = ?"
            " ORDER BY f.id",
            (answer, answer),
        ).fetchall()
        return [
            ReceivedFile(
                row["file_id"],
                FileRecord(
                    row["file_name"],
                    row["sha256"],
                    row["size"],
                    row["saved"],
                    row["refused"],
                    row["unit_code"],
                    row["answer"],
                    row["answer_note"],
                ),
                _message(row),
            )
            for row in rows
        ]

    def set_answer(self, file_id: int, state: str, note: str = "") -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE mail_files SET answer = ?, answer_note = ? WHERE id = ?",
                (state, note, file_id),
            )


def _message(row: sqlite3.Row) -> MessageRecord:
    return MessageRecord(
        place=Place(row["account"], row["folder"], row["uidvalidity"], row["uid"]),
        digest=row["digest"],
        sender=row["sender"],
        sender_name=row["sender_name"],
        subject=row["subject"],
        message_id=row["message_id"],
        references=tuple(row["refs"].split()),
        received=datetime.fromisoformat(row["received"]),
        kind=row["kind"],
        note=row["note"],
    )
