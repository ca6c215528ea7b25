"""Atomic output: one file, or a set of files that must describe the same run.

`atomic_path` writes one file to a temporary file beside it, then renames it over the target.

`Generation` does the same for a set (the master workbook, the CSV files, the feedback
workbooks of one run). Every file is first written to a temporary file beside its target;
nothing is replaced until all of them are written. Then, in one swap, the new files replace
their targets (each old one kept under a backup name until the swap is done) and the outputs
to retire (stale feedback) are removed. If a target cannot be replaced (open in Excel on
Windows, no permission), the targets already replaced get their old content back: the
previous set stays whole. An error or an interrupt (Ctrl-C) before the swap discards the
temporary files. A process killed during the swap leaves a journal: the next generation
beside the same anchor puts the previous set back before it starts. Temporary files left by
a killed run are removed by the next generation that writes into their folder.

Workbooks are also marked as ntm-excel's own so that they are never read back as submissions.
The mark is a custom document property, `OUTPUT_PROPERTY`, whose value says what the workbook
is and when it was written (`output_marker`): the time its core properties give as its last
modification. A copy of an output (in the inbox, or sent to a commune) is recognised as long
as nobody saved it again: Excel, LibreOffice and WPS give a re-saved workbook a new
modification time, so a commune that corrects its feedback copy and sends it back is read as
a new submission.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from ntm_excel.errors import OutputError, OutputLockedError

TEMP_MARK = ".ntm-tmp-"  # in the name of a file being written
OLD_MARK = ".ntm-old-"  # in the name of a replaced file, until the swap is done
_LEFTOVER = re.compile(r"^\..+\.ntm-(?:tmp|old)-[0-9a-z_]+(?:\.[0-9a-z]+)?$")
# The temporary file of an earlier version: "." + the target's stem + "." + mkstemp's random
# part + its suffix.
_EARLIER = re.compile(r"^\.(.+)\.[0-9a-z_]{8}\.[0-9a-z]+$")
MAX_NAME_BYTES = 255  # of a file name (Linux; Windows counts 255 UTF-16 units, never more)
FOLDER_LOCK = ".ntm_excel.lock"  # in each folder a generation writes into, while it does
LOCK_WAIT = 30 * 60  # seconds a run waits for another run writing into the same folder
log = logging.getLogger("ntm_excel.outputs")


def staging_file(target: Path | str, content: bytes) -> Path:
    """`content` written to a new file beside `target`, named as a generation's staged files
    (a killed run's are cleaned up alike): for a worker process writing what
    `Generation.adopt` stages. Nothing is left when the writing fails."""
    fd, tmp = _created(Path(target))
    try:
        with open(fd, "wb") as out:
            out.write(content)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _lock_order(folder: Path) -> str:
    return os.path.normcase(os.path.realpath(folder))


_LIVE: set[Path] = set()  # files staged by the generations open in this process


def _created(target: Path) -> tuple[int, Path]:
    """A new empty file beside `target`, readable by colleagues on a shared folder, open for
    writing: its descriptor and its path."""
    if target.is_dir():
        raise IsADirectoryError(
            errno.EISDIR, f"«{target}» là một thư mục, hãy ghi tên tệp kết quả", str(target)
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    # the stem shortened as the name would pass 255 bytes (mkstemp adds 8 letters)
    room = MAX_NAME_BYTES - len(f".{TEMP_MARK}12345678{target.suffix}".encode())
    stem = target.stem.encode()[:room].decode("utf-8", "ignore") or "_"
    fd, name = tempfile.mkstemp(
        prefix=f".{stem}{TEMP_MARK}", suffix=target.suffix, dir=target.parent
    )
    try:
        os.chmod(name, 0o644)  # mkstemp's 0600 would hide the output from colleagues
    except BaseException:
        os.close(fd)
        os.unlink(name)
        raise
    return fd, Path(name)


_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}  # a write says no file name


def _temporary(target: Path) -> Path:
    """A new empty file beside `target`, readable by colleagues on a shared folder."""
    fd, tmp = _created(target)
    os.close(fd)
    return tmp


def _keep(target: Path, backup: Path) -> None:
    """A second name for `target`'s current content: a hard link, or a copy where the file
    system has none (FAT, some network shares)."""
    try:
        os.link(target, backup)
    except OSError:
        shutil.copy2(target, backup)


def _locked(target: Path, unchanged: str = "bản cũ vẫn còn nguyên") -> OutputLockedError:
    return OutputLockedError(
        errno.EACCES,
        f"Không thay được tệp {target}: tệp đang mở ở nơi khác (Excel, ổ mạng dùng chung) "
        f"hoặc không có quyền ghi. Hãy đóng tệp rồi chạy lại; {unchanged}.",
        str(target),
    )


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `target` in one step.

    On any error the temporary file is removed and `target` keeps its last good content.
    """
    target = Path(target)
    try:
        tmp = _temporary(target)
    except OSError as exc:  # a read-only or full folder: say the file asked for
        raise OSError(exc.errno, exc.strerror, str(target)) from exc
    try:
        yield tmp
        try:
            os.replace(tmp, target)
        except PermissionError as exc:  # Windows: the target is open in Excel (sharing violation)
            raise _locked(target) from exc
    except OSError as exc:  # say the file asked for, not the temporary one beside it
        ours = exc.filename is not None and Path(exc.filename) == tmp
        if not ours and (exc.filename is not None or exc.errno not in _NO_ROOM):
            raise
        raise OSError(exc.errno, exc.strerror, str(target)) from exc
    finally:
        tmp.unlink(missing_ok=True)


class Generation:
    """A set of output files replaced together, or not at all.

    ```
    with Generation(master) as generation:
        write_master(generation.stage(master))
        generation.retire(stale_feedback)
        generation.commit()
    ```
    One generation at a time writes into a folder: it holds an OS file lock (waited for) in
    `anchor`'s folder and in each of `folders` from the start, and in any other folder it
    stages into from then on, so that no other run's clean-up takes its staged files. During
    the swap its journal is a hidden file beside `anchor`. Leaving the block without
    `commit()` discards every staged file, and the folders it made (with their locks) when
    nothing else went into them: a run that writes nothing leaves nothing behind.
    """

    def __init__(self, anchor: Path | str, folders: Iterable[Path | str] = ()) -> None:
        self.anchor = Path(anchor)
        self._journal = self.anchor.with_name(f".{self.anchor.name}.journal")
        self._declared = {self.anchor.parent, *map(Path, folders)}
        self._locks: dict[Path, FileLock] = {}  # folder → its lock, held
        self._staged: dict[Path, Path] = {}  # target → temporary file
        self._retired: set[Path] = set()
        self._folders: set[Path] = set()  # also cleaned of what killed runs left
        self._made: list[Path] = []  # folders this generation made, in the order it did
        self.committed = False

    def __enter__(self) -> Generation:
        try:
            for folder in sorted(self._declared, key=_lock_order):  # one order: no deadlock
                self._hold(folder)
            self._recover()
        except BaseException:
            self._release()
            self._unmake()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            if not self.committed:
                for tmp in self._staged.values():
                    tmp.unlink(missing_ok=True)
        finally:
            _LIVE.difference_update(self._staged.values())
            self._release()
            if not self.committed:
                self._unmake()

    def _unmake(self) -> None:
        """Remove the folders this generation made that hold nothing but its lock."""
        for folder in reversed(self._made):
            with contextlib.suppress(OSError):
                if [entry.name for entry in folder.iterdir()] == [FOLDER_LOCK]:
                    (folder / FOLDER_LOCK).unlink()
                folder.rmdir()

    def _hold(self, folder: Path) -> None:
        """Take `folder`'s lock (made with the folder) unless this generation holds it."""
        if folder in self._locks:
            return
        missing = [f for f in (folder, *folder.parents) if not f.exists()]
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise OutputError(
                f"Không tạo được thư mục {folder}: đã có một tệp trùng tên với thư mục này hoặc "
                "thư mục chứa nó. Chưa tệp kết quả nào bị thay; hãy chọn thư mục khác."
            ) from None
        finally:
            self._made += [f for f in reversed(missing) if f.is_dir()]
        lock = FileLock(folder / FOLDER_LOCK, is_singleton=True)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            log.warning(
                "Đang chờ một lần chạy khác ghi xong vào thư mục %s (tối đa %g phút; bấm Ctrl-C "
                "để thôi, không tệp nào bị thay) …",
                folder,
                LOCK_WAIT / 60,
            )
            try:
                lock.acquire(timeout=LOCK_WAIT)
            except Timeout:
                raise OutputError(
                    f"Thư mục {folder} vẫn đang được một lần chạy khác ghi sau "
                    f"{LOCK_WAIT / 60:g} phút chờ. Chưa tệp kết quả nào bị thay; hãy chạy lại "
                    "khi lần kia xong."
                ) from None
        self._locks[folder] = lock

    def _release(self) -> None:
        while self._locks:
            self._locks.popitem()[1].release()

    def stage(self, target: Path | str) -> Path:
        """A temporary file to write; the swap moves it to `target`."""
        target = Path(target)
        self._hold(target.parent)
        if target in self._staged:
            self._discard(target)
        self._staged[target] = _temporary(target)
        _LIVE.add(self._staged[target])
        return self._staged[target]

    def tidy(self, folder: Path | str) -> None:
        """Clean `folder` too after the swap: a folder of outputs where this generation may
        write nothing (its files all kept) still holds what a killed run left there."""
        self._hold(Path(folder))
        self._folders.add(Path(folder))

    def adopt(self, target: Path | str, written: Path) -> None:
        """Stage `written`, a `staging_file` of `target` written elsewhere (by a worker
        process), as `target`."""
        target = Path(target)
        self._hold(target.parent)
        if target in self._staged:
            self._discard(target)
        self._staged[target] = Path(written)
        _LIVE.add(self._staged[target])

    def _discard(self, target: Path) -> None:
        tmp = self._staged.pop(target)
        _LIVE.discard(tmp)
        tmp.unlink(missing_ok=True)

    def retire(self, target: Path | str) -> None:
        """Remove `target` in the swap (an output of an earlier run that no longer applies)."""
        self._retired.add(Path(target))

    def commit(self) -> None:
        """Swap the staged files in and the retired ones out, all or nothing.

        Each existing target is first kept under a backup name (a hard link, else a copy);
        then each staged file replaces its target and each retired file is renamed to its
        backup. A target that cannot be replaced (Windows: open in Excel) stops the swap, and
        the targets already replaced get their backup back."""
        token = secrets.token_hex(4)
        retired = [t for t in sorted(self._retired) if t not in self._staged and t.exists()]
        replaced = [t for t in self._staged if t.exists()]
        backups = {t: t.with_name(f".{t.name}{OLD_MARK}{token}") for t in [*replaced, *retired]}
        self._write_journal(backups)
        changed: list[Path] = []  # targets already holding their new state
        target = self.anchor
        try:
            for target in replaced:
                _keep(target, backups[target])
            for target, tmp in self._staged.items():
                os.replace(tmp, target)
                changed.append(target)
            for target in retired:
                os.replace(target, backups[target])
                changed.append(target)
        except PermissionError as exc:
            self._roll_back(changed, backups)
            raise _locked(target, "chưa tệp kết quả nào bị thay") from exc
        except BaseException:
            self._roll_back(changed, backups)
            raise
        self._journal.unlink()
        self.committed = True
        for backup in backups.values():
            with contextlib.suppress(OSError):  # left over: removed by the next generation
                backup.unlink()
        self._clean({target.parent for target in (*self._staged, *self._retired)} | self._folders)

    def _roll_back(self, changed: list[Path], backups: dict[Path, Path]) -> None:
        """Put back the targets a failed swap changed (when this fails too, the journal stays
        for the next generation to finish the job)."""
        for target in changed:
            if target in backups:
                os.replace(backups[target], target)
            else:
                target.unlink()
        for backup in backups.values():
            backup.unlink(missing_ok=True)
        self._journal.unlink()

    def _write_journal(self, backups: dict[Path, Path]) -> None:
        entries = [
            {"target": str(target), "new": str(self._staged.get(target, "")), "old": str(old)}
            for target, old in backups.items()
        ]
        entries += [
            {"target": str(target), "new": str(tmp), "old": ""}
            for target, tmp in self._staged.items()
            if target not in backups
        ]
        with atomic_path(self._journal) as tmp:
            tmp.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")

    def _recover(self) -> None:
        """Put back the previous set when a process died during its swap."""
        if not self._journal.exists():
            return
        try:
            entries = json.loads(self._journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = []  # written atomically, so never half a journal; unreadable: nothing
        for entry in entries:
            target, new, old = Path(entry["target"]), entry["new"], entry["old"]
            if old and Path(old).exists():
                os.replace(old, target)
            elif not old and new and not Path(new).exists():
                target.unlink(missing_ok=True)  # a new output that had no previous version
            if new:
                Path(new).unlink(missing_ok=True)
        self._journal.unlink()

    def _clean(self, folders: Iterable[Path]) -> None:
        """Remove temporary and replaced files that killed runs left in `folders`."""
        stems = {target.stem for target in (*self._staged, *self._retired)}
        for folder in folders:
            with contextlib.suppress(OSError):
                for entry in folder.iterdir():
                    name = entry.name
                    earlier = _EARLIER.match(name)
                    ours = _LEFTOVER.match(name) or (earlier and earlier[1] in stems)
                    if ours and entry.is_file() and entry not in _LIVE:  # another's: kept
                        with contextlib.suppress(OSError):
                            entry.unlink()


OUTPUT_PROPERTY = "ntm-excel"
OUTPUT_KINDS = {"tong_hop": "bảng tổng hợp", "gop_y": "tệp góp ý"}  # kind → what it is
MARK_TOLERANCE = 120  # seconds between the mark and the modification time of an untouched output


def output_marker(kind: str, written: datetime) -> str:
    """The value of `OUTPUT_PROPERTY` for an output of `kind` (a key of `OUTPUT_KINDS`)
    whose core properties give `written` as its modification time: "tong_hop
    2021-03-25T08:00:00"."""
    return f"{kind} {written.replace(tzinfo=None):%Y-%m-%dT%H:%M:%S}"


def mark_output(book: object, kind: str, written: datetime | None = None) -> None:
    """Mark an XlsxWriter or openpyxl workbook about to be written as an output of `kind`.

    With XlsxWriter, `written` is the `created` date given to `set_properties` (XlsxWriter
    writes it as the modification time too); left out, XlsxWriter's default (now, UTC) is
    meant. With openpyxl, which sets the modification time when it saves, leave it out and
    save right after.
    """
    value = output_marker(kind, written or datetime.now(UTC))
    if hasattr(book, "set_custom_property"):  # XlsxWriter
        book.set_custom_property(OUTPUT_PROPERTY, value)
    else:  # openpyxl; a copy of a workbook that was an output once keeps its old mark: replaced
        from openpyxl.packaging.custom import StringProperty

        props = book.custom_doc_props
        props.props = [prop for prop in props.props if prop.name != OUTPUT_PROPERTY]
        props.append(StringProperty(name=OUTPUT_PROPERTY, value=value))


def marked_kind(marker: str, modified: datetime | None) -> str | None:
    """The kind of output a workbook is, from its mark and its modification time; None when
    it is not an untouched output (no mark, or saved again since it was written)."""
    kind, _, stamp = marker.strip().partition(" ")
    try:
        written = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if modified is None:
        return None
    if abs((modified.replace(tzinfo=None) - written).total_seconds()) > MARK_TOLERANCE:
        return None
    return kind
