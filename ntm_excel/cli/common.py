"""Options shared by several sub-commands."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from ntm_excel.config import BUNDLED, Config, load_config
from ntm_excel.errors import system_reason
from ntm_excel.text import first_of
from ntm_excel.values import parse_date as parse_cell_date

FIRST_DAY, LAST_DAY = date(2010, 1, 1), date(2099, 12, 31)  # the programme began in 2010
# the shape of a day, month and year: refused only because that day is not on the calendar
_DATE_SHAPE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4}")


def parse_date(text: str) -> date:
    """A date given on the command line: YYYY-MM-DD or day first (25/03/2021, 25-3-2021)."""
    parsed = parse_cell_date(text)
    if parsed is None and _DATE_SHAPE.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(
            f"ngày «{text}» không có trên lịch: hãy xem lại ngày và tháng (ghi dạng "
            "YYYY-MM-DD, ví dụ 2021-03-25, hoặc dd/mm/yyyy, ví dụ 25/03/2021)"
        )
    if parsed is None:
        raise argparse.ArgumentTypeError(
            f"ngày «{text}» không hợp lệ, hãy ghi dạng YYYY-MM-DD hoặc dd/mm/yyyy"
        )
    if not FIRST_DAY <= parsed <= LAST_DAY:  # a mistyped year would be kept in the history
        raise argparse.ArgumentTypeError(
            f"ngày «{text}» nằm ngoài khoảng {FIRST_DAY:%d/%m/%Y} – {LAST_DAY:%d/%m/%Y}"
        )
    return parsed


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="TỆP",
        help="tệp cấu hình TOML (mặc định: workbooks/cau_hinh.toml đi kèm)",
    )


def add_catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        metavar="TỆP",
        help="bộ tiêu chí dạng .xlsx hoặc .csv (mặc định: bộ tiêu chí trong cấu hình)",
    )


def counted(least: int, most: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `least` to `most`, refused in Vietnamese."""

    def number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not least <= value <= most:
            raise argparse.ArgumentTypeError(
                f"cần một số nguyên từ {least} đến {most}, không phải «{text}»"
            )
        return value

    return number


def fail(message: str) -> None:
    """Print an error the command stops on as every command prints one: «Lỗi: …»."""
    print(f"Lỗi: {message}", file=sys.stderr)


FORCE_HELP = "ghi đè khi đích đã có tệp (không có: lệnh từ chối, không ghi gì)"


def add_force_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help=FORCE_HELP)


def refused(targets: Iterable[Path], force: bool) -> bool:
    """Whether the `targets` are left alone: one exists and --force was not given (said on
    stderr, naming the first few). A commune's workbook is never replaced by mistake."""
    found = [target for target in targets if target.exists()]
    folders = [target for target in found if target.is_dir()]
    if folders:  # never replaced, --force or not
        fail(f"{folders[0]} là một thư mục; hãy ghi tên tệp cần ghi.")
        return True
    if force or not found:
        return False
    what = "tệp"
    names = ", ".join(str(target) for target in found[:3])
    more = f" và {len(found) - 3} tệp khác" if len(found) > 3 else ""
    fail(f"Đã có {what} {names}{more}: không ghi đè. Chọn tên khác, hoặc thêm --force để ghi đè.")
    return True


def add_as_of_option(parser: argparse.ArgumentParser, default: str = "hôm nay") -> None:
    parser.add_argument(
        "--as-of",
        type=parse_date,
        metavar="NGÀY",
        help=f"ngày báo cáo, YYYY-MM-DD hoặc dd/mm/yyyy (mặc định: {default})",
    )


def add_registry_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--registry",
        metavar="TỆP",
        help="danh sách đơn vị .xlsx (mặc định: danh sách trong cấu hình)",
    )


def add_submission_arguments(parser: argparse.ArgumentParser) -> None:
    """The files to read, and how many processes read them."""
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="ĐƯỜNG_DẪN",
        help="tệp .xlsx/.xlsm/.xls/.ods hoặc thư mục chứa các tệp (tìm cả thư mục con)",
    )
    parser.add_argument(
        "--workers",
        type=counted(1, 64),
        metavar="N",
        help="số tiến trình đọc tệp song song (mặc định: tự chọn theo số tệp)",
    )


@contextlib.contextmanager
def reading_progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on the terminal while workbooks are read; silent when not a terminal
    (as tqdm's `disable=None` is; tqdm, 0.05 s of imports, is then not loaded)."""
    stream = sys.stderr
    if hasattr(stream, "isatty") and not stream.isatty():
        yield lambda done, total: None
        return
    from tqdm import tqdm

    bar = tqdm(desc="Đọc biểu", unit=" tệp", disable=None, file=stream, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()


error_text = system_reason  # an error in Vietnamese, for the command line


def output_folders_given(
    paths: list[str], folders: Iterable[Path], masters: Iterable[Path]
) -> list[str]:
    """The given folders that are (or are inside) one of the tool's own output `folders`, each
    reported on stderr: its outputs are never read as submissions, so such a run would read
    nothing (a clerk giving «out/gop_y» for the inbox is told so, not «no spreadsheet»). The
    folders of the `masters` are not refused: a master may be written into the inbox."""
    shared = {os.path.realpath(master.parent) for master in masters}
    own = [Path(real) for real in map(os.path.realpath, folders) if real not in shared]
    given = []
    for path in filter(os.path.isdir, paths):
        real = Path(os.path.realpath(path))
        if any(real == folder or folder in real.parents for folder in own):
            given.append(path)
            fail(
                f"«{path}» là thư mục kết quả của ntm-excel (bảng tổng hợp, CSV, góp ý, thư, "
                "trạng thái), không phải thư mục nhận biểu: tệp trong đó không được đọc. Hãy ghi "
                "thư mục chứa biểu các xã gửi."
            )
    return given


def missing_paths(paths: list[str]) -> list[str]:
    """The given paths that do not exist, each reported on stderr (a typo must not produce an
    empty consolidation that overwrites the last good one), and the Office lock files given
    («~$xa_cam_loc.xlsx», made while a workbook is open: picked by mistake for it)."""
    split = _split_by_spaces(paths)
    missing = []
    for index, path in enumerate(paths):
        if any(start <= index < stop for start, stop in split):
            missing.append(path)
        elif not Path(path).exists():
            missing.append(path)
            fail(f"không tìm thấy tệp hoặc thư mục «{path}»{_looked_in(path)}{_windows_way(path)}.")
    for start, stop in split:
        joined = " ".join(paths[start:stop])
        fail(
            f"«{joined}» có dấu cách nên bị tách thành nhiều đường dẫn: hãy đặt nó trong dấu "
            f'nháy kép, "{joined}".'
        )
    for path in paths:
        name = Path(path).name
        if name.startswith("~$") and Path(path).is_file():
            opened = Path(path).with_name(name[2:])  # Word cuts a long name: not always there
            meant = f"tệp «{opened}»" if opened.is_file() else "tệp biểu nằm cạnh nó"
            fail(
                f"«{path}» là tệp khóa mà Excel tạo khi một bảng tính đang mở, không phải biểu: "
                f"hãy chỉ {meant} (lưu và đóng nó trong Excel trước)."
            )
            missing.append(path)
    return missing


_MOST_PIECES = 12  # words of one path with spaces looked for (`consolidate *.xlsx`: thousands)


def _split_by_spaces(paths: list[str]) -> list[tuple[int, int]]:
    """The paths with spaces typed without quotes (`consolidate Nộp bài tháng 3`), each as the
    span of arguments the shell split it into: the longest run of consecutive arguments that
    names an existing file or folder, when one of them alone does not."""
    found: list[tuple[int, int]] = []
    if all(map(os.path.exists, paths)):
        return found
    start = 0
    while start < len(paths):
        for stop in range(min(len(paths), start + _MOST_PIECES), start + 1, -1):
            pieces = paths[start:stop]
            if Path(" ".join(pieces)).exists() and not all(map(os.path.exists, pieces)):
                found.append((start, stop))
                start = stop
                break
        else:
            start += 1
    return found


def _windows_way(path: str) -> str:
    """For a path typed as on Windows on a system that separates folders with «/»: the path
    meant, when it is there. «workbooks\\mau_nop» quoted keeps its backslash; unquoted, the
    shell drops it («workbooksmau_nop»)."""
    if os.sep == "\\":
        return ""
    if "\\" in path:
        meant = path.replace("\\", "/")
        how = "trên máy này thư mục ngăn cách bằng dấu /"
    else:
        folders = (path[:cut] for cut in range(1, len(path)) if path[cut - 1] != "/")
        meant = next((f"{f}/{path[len(f) :]}" for f in folders if _holds(f, path[len(f) :])), "")
        how = "dấu \\ không nằm trong dấu nháy bị bỏ mất; trên máy này thư mục ngăn cách bằng dấu /"
    return f"; có phải «{meant}»? ({how})" if meant and os.path.exists(meant) else ""


def _holds(folder: str, name: str) -> bool:
    return os.path.isdir(folder) and os.path.exists(os.path.join(folder, name))


def _looked_in(path: str) -> str:
    """For a relative path not found: the folder it was looked for in, and the project's
    folder when the path is there (the README's commands run from another folder)."""
    if Path(path).is_absolute():
        return ""
    said = f" trong thư mục đang chạy lệnh ({Path.cwd()})"
    project = BUNDLED.parent  # the folder that holds workbooks/
    if (project / path).exists() and project.resolve() != Path.cwd().resolve():
        said += (
            f"; thư mục dự án có «{project / path}»: hãy chạy lệnh trong thư mục dự án "
            f'(cd "{project}") hoặc ghi đường dẫn đầy đủ'
        )
    return said


MAX_CANDIDATES = 10  # units listed when a name given matches none exactly


def unit_named(registry, text: str):
    """The unit `text` names (a code or a name), or None with what went wrong on stderr: the
    units it matches when several do, else up to `MAX_CANDIDATES` whose names hold it."""
    found = registry.match(text)
    if found.unit is not None:
        return found.unit
    if found.candidates:
        names = ", ".join(f"{u.name} (mã {u.code})" for u in found.candidates)
        fail(f"«{text}» khớp với nhiều đơn vị: {names}. Hãy ghi rõ tên hoặc mã.")
        return None
    near = registry.containing(text)
    if not near:
        fail(f"Không tìm thấy đơn vị «{text}» trong danh sách đơn vị.")
        return None
    names = first_of([f"{u.name} (mã {u.code})" for u in near], MAX_CANDIDATES, "đơn vị")
    fail(
        f"«{text}» không phải tên đầy đủ của đơn vị nào; {len(near)} đơn vị có tên chứa «{text}»: "
        f"{names}. Hãy ghi đủ tên hoặc mã đơn vị.",
    )
    return None


def config_from(args: argparse.Namespace) -> Config:
    """The configuration named by --config (else the bundled one), its job times and its
    reporting periods checked: a mistake there is a configuration error before any work."""
    from ntm_excel.jobs.table import check_schedule
    from ntm_excel.periods import config_calendar

    config = load_config(getattr(args, "config", None))
    check_schedule(config)
    config_calendar(config)
    return config


def print_table(
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Iterable[int] = (),
    stream: TextIO | None = None,
) -> None:
    """An aligned plain-text table (columns in `right` aligned to the right)."""
    stream = stream or sys.stdout
    right = set(right)
    widths = [max(len(str(r[i])) for r in [headings, *rows]) for i in range(len(headings))]
    for row in [headings, ["-" * w for w in widths], *rows]:
        cells = [
            str(cell).rjust(w) if i in right else str(cell).ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        stream.write("  ".join(cells).rstrip() + "\n")


def add_state_options(parser: argparse.ArgumentParser, *, inbox: bool = True) -> None:
    """--state-dir, and --inbox unless the command takes the folder as an argument."""
    parser.add_argument(
        "--state-dir",
        metavar="THƯ_MỤC",
        help="thư mục trạng thái: sổ thư đã gửi, lịch sử nộp (mặc định: «var» hoặc "
        "biến môi trường NTM_STATE_DIR)",
    )
    if inbox:
        parser.add_argument("--inbox", metavar="THƯ_MỤC", help=INBOX_HELP)


INBOX_HELP = "thư mục nhận biểu của các xã (mặc định: schedule.inbox trong cấu hình)"


class NewState:
    """The state a run is about to begin in `folder` (the folder itself, the store and its
    journal files, the registry cache), noted before the run: `remove` takes away what of it
    the run made, so that a refused run leaves nothing behind."""

    def __init__(self, folder: Path) -> None:
        from ntm_excel.reference.registry import REGISTRY_CACHE
        from ntm_excel.store import DB_NAME

        self.folder = folder
        self.made_folder = not folder.exists()
        names = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", REGISTRY_CACHE)
        self.files = [folder / name for name in names if not (folder / name).exists()]

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            for path in self.files:
                path.unlink(missing_ok=True)
            if self.made_folder:
                self.folder.rmdir()


def settings_from(args: argparse.Namespace) -> Config:
    """The configuration with --state-dir applied."""
    config = config_from(args)
    if getattr(args, "state_dir", None):
        config = dataclasses.replace(config, state_dir=Path(args.state_dir))
    return config
