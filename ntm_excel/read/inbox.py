"""Which files of the given paths are submissions: the listing of an inbox.

Folders are searched recursively without ever leaving them: a symbolic link (or a Windows
junction) is followed only to a regular file inside the same folder, a folder of another
drive mounted inside is not entered, and the search stops after `MAX_ENTRIES` entries (a
link to "/" is not an inbox). Nothing is opened while listing: a FIFO, a socket or a device
is reported, never read (reading one would block or never end). Hidden files and Office lock
files ("~$…") are left out (a lock file beside a spreadsheet is a warning on it: the file
was open in Excel when copied), and so are the tool's own folders (its outputs, the
feedback copies, its state) when they lie inside a given folder. Every other entry that is
not a spreadsheet is reported with what it is and what to do: a PDF scan, a Word document,
a photo, an archive, Windows' Thumbs.db… A path given by name is read as it is.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ntm_excel.errors import read_reason
from ntm_excel.issues import Issue, Severity, make_issue
from ntm_excel.text import thousands

SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".ods"})
MAX_ENTRIES = 100_000  # files and folders looked at under one given folder
_WINDOWS = os.name == "nt"  # where a junction is a link that is not a symbolic link
_WINDOWS_LINKS = (0xA000000C, 0xA0000003)  # reparse tags of a symbolic link and a junction

_SCAN_ADVICE = (
    "Nếu đây là biểu tự đánh giá, đề nghị xã gửi tệp Excel (.xlsx) của biểu: số liệu trong "
    "bản quét hay ảnh chụp không đọc được."
)
_DOCUMENT_ADVICE = (
    "Biểu tự đánh giá phải là tệp Excel theo biểu mẫu; nếu số liệu nằm trong văn bản này, đề "
    "nghị xã chép vào biểu mẫu và gửi tệp .xlsx."
)
# suffix → (what the file is, severity, advice)
_KINDS: dict[str, tuple[str, Severity, str]] = {
    ".pdf": ("tệp PDF (có thể là bản quét biểu)", Severity.WARNING, _SCAN_ADVICE),
    ".doc": ("văn bản Word", Severity.WARNING, _DOCUMENT_ADVICE),
    ".docx": ("văn bản Word", Severity.WARNING, _DOCUMENT_ADVICE),
    ".odt": ("văn bản OpenDocument", Severity.WARNING, _DOCUMENT_ADVICE),
    ".rtf": ("văn bản RTF", Severity.WARNING, _DOCUMENT_ADVICE),
    ".txt": ("tệp văn bản thường", Severity.WARNING, _DOCUMENT_ADVICE),
    ".csv": (
        "tệp CSV",
        Severity.WARNING,
        "Nếu đây là biểu tự đánh giá, hãy mở bằng Excel và lưu lại dạng .xlsx.",
    ),
    ".zip": (
        "tệp nén",
        Severity.WARNING,
        "Hãy giải nén và đặt tệp .xlsx trong đó vào thư mục nhận biểu.",
    ),
    ".lnk": (
        "lối tắt (shortcut) của Windows",
        Severity.WARNING,
        "Lối tắt không được theo: hãy chép chính tệp biểu vào thư mục nhận.",
    ),
    ".db": ("tệp hệ thống của Windows", Severity.INFO, "Bỏ qua."),
    ".ini": ("tệp cài đặt thư mục của Windows", Severity.INFO, "Bỏ qua."),
    ".tmp": ("tệp tạm", Severity.INFO, "Bỏ qua."),
}
for _suffix in (".rar", ".7z"):
    _KINDS[_suffix] = _KINDS[".zip"]
for _suffix in (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".webp"):
    _KINDS[_suffix] = ("ảnh (có thể là ảnh chụp biểu)", Severity.WARNING, _SCAN_ADVICE)
_UNSUPPORTED_SHEETS = frozenset({".xlsb", ".et", ".ett", ".numbers", ".wk4", ".xml"})


@dataclass
class Listing:
    """The submissions found, in order, and what was found that cannot be one."""

    files: list[Path] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    # the files open in Excel when copied, with their warning (one of `issues`)
    locked: dict[Path, Issue] = field(default_factory=dict)


def list_submissions(paths: Iterable[Path | str], *, skip: Iterable[Path | str] = ()) -> Listing:
    """The spreadsheets named by `paths` (files, or folders searched as the module says).

    `skip` are the tool's own folders: left out when found inside a given folder. A path
    that does not exist is reported; a file given by name is listed whatever its name.
    """
    listing = Listing()
    seen: set[str] = set()
    skipped = {os.path.realpath(folder) for folder in skip}
    for given in paths:
        path = Path(given)
        try:
            info = os.stat(path)  # a path given by name is followed where it leads
        except OSError as exc:
            reason = (
                f"không tìm thấy tệp hoặc thư mục «{path}»"
                if isinstance(exc, FileNotFoundError)
                else f"không mở được «{path}» ({read_reason(exc)})"
            )
            listing.issues.append(make_issue("file-unreadable", file=path.name, reason=reason))
            continue
        if stat.S_ISDIR(info.st_mode):
            walk = _Walk(path, skipped)
            found, issues = walk.files()
            listing.issues += issues
            listing.locked.update(walk.locked)
        elif stat.S_ISREG(info.st_mode):
            found = [path]
        else:
            listing.issues.append(_skipped(path, _special(info.st_mode)))
            continue
        for file in found:
            real = os.path.realpath(file)
            if real not in seen:
                seen.add(real)
                listing.files.append(file)
    return listing


def shown_names(files: Iterable[Path]) -> dict[Path, str]:
    """How a file whose name another listed file also has is named to people: with as many
    of its folders as tell it apart («cam_vinh/Bieu TDG.xlsx» beside «cam_loc/Bieu TDG.xlsx»,
    as a province's district folders often hold). Files of a name of their own are left out.
    """
    by_name: dict[str, list[Path]] = {}
    for file in files:
        by_name.setdefault(file.name, []).append(file)
    shown: dict[Path, str] = {}
    for same in by_name.values():
        if len(same) < 2:
            continue
        depth, left = 2, same
        while left:  # the files not told apart yet, each with one more folder
            counts = Counter(file.parts[-depth:] for file in left)
            for file in left:
                if counts[file.parts[-depth:]] == 1 or depth >= len(file.parts):
                    shown[file] = "/".join(file.parts[-depth:])
            left, depth = [file for file in left if file not in shown], depth + 1
    return shown


def _skipped(path: Path, reason: str, severity: Severity | None = None) -> Issue:
    name = path.name or str(path)
    return make_issue("file-skipped", file=name, name=name, reason=reason, severity=severity)


def _what(mode: int) -> str:
    """What a special file is."""
    if stat.S_ISFIFO(mode):
        return "một đường ống (FIFO)"
    if stat.S_ISSOCK(mode):
        return "một socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "một thiết bị"
    return "một mục đặc biệt"


def _special(mode: int) -> str:
    return f"đây là {_what(mode)}, không phải tệp thường nên không được đọc"


def _is_link(info: os.stat_result) -> bool:
    return stat.S_ISLNK(info.st_mode) or getattr(info, "st_reparse_tag", 0) in _WINDOWS_LINKS


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


class _Walk:
    """One given folder, searched without leaving it."""

    def __init__(self, root: Path, skipped: set[str]) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.device = os.stat(root).st_dev
        self.skipped = {folder for folder in skipped if folder != self.real_root}
        self.issues: list[Issue] = []
        self.found: list[Path] = []
        self.locked: dict[Path, Issue] = {}  # see `Listing.locked`

    def files(self) -> tuple[list[Path], list[Issue]]:
        """The spreadsheets found, in path order, and the issues of the other entries."""
        pending = [(self.root, self.real_root)]  # no link is followed: real paths are known
        entries = 0
        while pending:
            folder, real = pending.pop()
            try:
                with os.scandir(folder) as listing:
                    found = sorted(listing, key=lambda entry: entry.name)
            except OSError as exc:
                reason = f"không mở được thư mục ({read_reason(exc)})"
                self.issues.append(_skipped(folder, reason))
                continue
            entries += len(found)
            if entries > MAX_ENTRIES:  # not an inbox: nothing of it is read
                return [], [self._too_many()]
            for entry in found:
                if not entry.name.startswith((".", "~$")):
                    child = self._entry(entry, os.path.join(real, entry.name))
                    if child is not None:
                        pending.append(child)
            locked = _open_when_copied(folder, [entry.name for entry in found])
            self.locked.update(locked)
            self.issues += locked.values()
        return sorted(self.found), self.issues

    def _too_many(self) -> Issue:
        reason = (
            f"thư mục có hơn {thousands(MAX_ENTRIES)} mục"
            + ", không phải một thư mục nhận biểu: không đọc tệp nào trong đó; hãy chỉ đúng "
            "thư mục nhận"
        )
        return _skipped(self.root, reason, Severity.ERROR)

    def _entry(self, entry: os.DirEntry, real: str) -> tuple[Path, str] | None:
        """Note a spreadsheet, report what cannot be read; a folder to search (with its real
        path) is returned."""
        path = Path(entry.path)
        try:
            if entry.is_symlink() or (_WINDOWS and _is_link(entry.stat(follow_symlinks=False))):
                self._link(path)
            elif entry.is_dir(follow_symlinks=False):
                if real in self.skipped:
                    return None  # the tool's own outputs or state
                if entry.stat(follow_symlinks=False).st_dev != self.device:
                    reason = "thư mục này thuộc một ổ đĩa khác gắn vào đây, không tìm vào"
                    self.issues.append(_skipped(path, reason))
                    return None
                return path, real
            elif entry.is_file(follow_symlinks=False):
                self._file(path)
            else:
                self.issues.append(_skipped(path, _special(os.lstat(path).st_mode)))
        except OSError as exc:
            self.issues.append(_skipped(path, f"không xem được ({read_reason(exc)})"))
        return None

    def _link(self, path: Path) -> None:
        """A link is followed only to a regular file inside the folder."""
        try:
            real = os.path.realpath(path, strict=True)
            target = os.stat(real)
        except (OSError, RuntimeError):
            self.issues.append(_skipped(path, "liên kết hỏng (trỏ tới nơi không có, hoặc vòng)"))
            return
        if not (stat.S_ISREG(target.st_mode) or stat.S_ISDIR(target.st_mode)):
            reason = f"liên kết tới {_what(target.st_mode)}, không được đọc"
            self.issues.append(_skipped(path, reason))
        elif not _inside(real, self.real_root):
            reason = f"liên kết trỏ ra ngoài thư mục nhận («{real}»), không được đọc"
            self.issues.append(_skipped(path, reason))
        elif stat.S_ISDIR(target.st_mode):
            reason = "liên kết tới một thư mục: không tìm theo liên kết"
            self.issues.append(_skipped(path, reason, Severity.INFO))
        else:
            self._file(path)

    def _file(self, path: Path) -> None:
        suffix = path.suffix.lower()
        if suffix in SPREADSHEET_SUFFIXES:
            self.found.append(path)
        elif suffix in _UNSUPPORTED_SHEETS:
            reason = f"định dạng bảng tính {suffix} chưa được hỗ trợ"
            self.issues.append(make_issue("file-unreadable", file=path.name, reason=reason))
        else:
            self.issues.append(not_a_workbook(path))


def _open_when_copied(folder: Path, names: list[str]) -> dict[Path, Issue]:
    """The spreadsheets of a folder beside an Office lock file («~$xa_cam_loc.xlsx», or «~$»
    over the name's first two letters): open in Excel when copied, their saved state may be
    older than what the commune sees on its screen."""
    locks = [name for name in names if name.startswith("~$")]
    if not locks:
        return {}
    issues = {}
    for name in names:
        if Path(name).suffix.lower() not in SPREADSHEET_SUFFIXES or name.startswith((".", "~$")):
            continue
        lock = next((lock for lock in locks if lock[2:] in (name, name[2:])), None)
        if lock is not None and (folder / name).is_file():
            issues[folder / name] = make_issue("file-open-when-copied", file=name, lock=lock)
    return issues


def not_a_workbook(path: Path) -> Issue:
    """The issue of a file that is not a spreadsheet: what it is and what to do."""
    what, severity, advice = _KINDS.get(
        path.suffix.lower(),
        (
            f"tệp {path.suffix.lower() or 'không có đuôi'}",
            Severity.WARNING,
            "Biểu tự đánh giá là tệp .xlsx, .xls hoặc .ods.",
        ),
    )
    if path.name.lower() == "thumbs.db":
        what = "tệp ảnh thu nhỏ Windows tự tạo (Thumbs.db)"
    return make_issue(
        "file-not-workbook",
        file=path.name,
        name=path.name,
        what=what,
        advice=advice,
        severity=severity,
    )
