"""Atomic output: one file, or a set of files that must describe the same run.

`atomic_path` writes one file to a temporary file beside it, then renames it over the target.

`Generation` does the same for a set (the master workbook, the CSV files, the feedback
workbooks of one run). Every file is first written to a temporary file beside its target;
nothing is replaced until all of them are written. Then, in one swap, each target that
exists (and each output to retire, such as stale feedback) is renamed aside, the new files are
renamed in, and the old ones deleted. If a target cannot be renamed aside (open in Excel on
Windows, no permission), what was already moved is put back: the previous set stays whole.
An error or an interrupt (Ctrl-C) before the swap discards the temporary files. A process
killed during the swap leaves a journal: the next generation beside the same anchor puts the
previous set back before it starts. Temporary files left by a killed run are removed by the
next generation that writes into their folder.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from filelock import FileLock

from ntm_excel.errors import OutputLockedError

TEMP_MARK = ".ntm-tmp-"  # in the name of a file being written
OLD_MARK = ".ntm-old-"  # in the name of a replaced file, until the swap is done
_LEFTOVER = re.compile(r"^\..+\.ntm-(?:tmp|old)-[0-9a-z_]+(?:\.[0-9a-z]+)?$")
_MKSTEMP = "[0-9a-z_]{8}"  # the random part of a temporary name of earlier versions


def _temporary(target: Path) -> Path:
    """A new empty file beside `target`, readable by colleagues on a shared folder."""
    if target.is_dir():
        raise IsADirectoryError(
            errno.EISDIR, f"«{target}» là một thư mục, hãy ghi tên tệp kết quả", str(target)
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{target.stem}{TEMP_MARK}", suffix=target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(name)
    tmp.chmod(0o644)  # mkstemp's 0600 would hide the output from colleagues
    return tmp


def _locked(target: Path, unchanged: str = "bản cũ vẫn còn nguyên") -> OutputLockedError:
    return OutputLockedError(
        f"Không thay được tệp {target}: tệp đang mở ở nơi khác (Excel, ổ mạng dùng chung) "
        f"hoặc không có quyền ghi. Hãy đóng tệp rồi chạy lại; {unchanged}."
    )


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `target` in one step.

    On any error the temporary file is removed and `target` keeps its last good content.
    """
    target = Path(target)
    tmp = _temporary(target)
    try:
        yield tmp
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise _locked(target) from exc
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
    One generation at a time writes beside `anchor` (an OS file lock, waited for); its lock
    and, during the swap, its journal are hidden files beside it. Leaving the block without
    `commit()` discards every staged file.
    """

    def __init__(self, anchor: Path | str) -> None:
        self.anchor = Path(anchor)
        self._journal = self.anchor.with_name(f".{self.anchor.name}.journal")
        self._lock = FileLock(self.anchor.with_name(f".{self.anchor.name}.lock"))
        self._staged: dict[Path, Path] = {}  # target → temporary file
        self._retired: set[Path] = set()
        self.committed = False

    def __enter__(self) -> Generation:
        self.anchor.parent.mkdir(parents=True, exist_ok=True)
        self._lock.acquire()
        try:
            self._recover()
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            if not self.committed:
                for tmp in self._staged.values():
                    tmp.unlink(missing_ok=True)
        finally:
            self._lock.release()

    def stage(self, target: Path | str) -> Path:
        """A temporary file to write; the swap moves it to `target`."""
        target = Path(target)
        if target in self._staged:
            self._staged.pop(target).unlink(missing_ok=True)
        self._staged[target] = _temporary(target)
        return self._staged[target]

    def retire(self, target: Path | str) -> None:
        """Remove `target` in the swap (an output of an earlier run that no longer applies)."""
        self._retired.add(Path(target))

    def commit(self) -> None:
        """Swap the staged files in and the retired ones out, all or nothing."""
        token = secrets.token_hex(4)
        replaced = [t for t in (*self._staged, *sorted(self._retired)) if t.exists()]
        backups = {t: t.with_name(f".{t.name}{OLD_MARK}{token}") for t in replaced}
        self._write_journal(backups)
        moved: list[Path] = []  # targets renamed aside
        placed: list[Path] = []  # targets holding their new file
        try:
            for target, backup in backups.items():
                try:
                    os.replace(target, backup)
                except PermissionError as exc:
                    raise _locked(target, "chưa tệp kết quả nào bị thay") from exc
                moved.append(target)
            for target, tmp in self._staged.items():
                os.replace(tmp, target)
                placed.append(target)
        except BaseException:
            for target in moved:
                os.replace(backups[target], target)
            for target in placed:
                if target not in backups:
                    target.unlink()
            self._journal.unlink()
            raise
        self._journal.unlink()
        self.committed = True
        for backup in backups.values():
            with contextlib.suppress(OSError):  # left over: removed by the next generation
                backup.unlink()
        self._clean({target.parent for target in (*self._staged, *self._retired)})

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
        stems = "|".join(re.escape(t.stem) for t in (*self._staged, *self._retired))
        earlier = re.compile(rf"^\.(?:{stems})\.{_MKSTEMP}\.[0-9a-z]+$") if stems else None
        for folder in folders:
            with contextlib.suppress(OSError):
                for entry in folder.iterdir():
                    name = entry.name
                    ours = _LEFTOVER.match(name) or (earlier and earlier.match(name))
                    if ours and entry.is_file() and entry not in self._staged.values():
                        with contextlib.suppress(OSError):
                            entry.unlink()
