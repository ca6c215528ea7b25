"""The `ntm-excel` command: one sub-command module per concept, help text in Vietnamese."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import difflib
import importlib
import os
import sqlite3
import sys
import threading
from collections.abc import Iterable

from ntm_excel import __version__
from ntm_excel.cli.common import error_text
from ntm_excel.cli.console import readable_output
from ntm_excel.errors import NtmError, system_reason

# Each module defines `register(subparsers)`, which adds its sub-command(s) and sets `func`.
COMMAND_MODULES = [
    "catalog",
    "registry",
    "template",
    "validate",
    "consolidate",
    "tasks",
    "digest",
    "jobs",
    "history",
]


def translate_argparse() -> None:
    """Put argparse's fixed English words (usage, options, errors) into Vietnamese."""
    translations = {
        "usage: ": "Cách dùng: ",
        "positional arguments": "Tham số",
        "options": "Tùy chọn",
        "show this help message and exit": "In hướng dẫn này rồi thoát",
        "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
        "unrecognized arguments: %s": "tham số không nhận ra: %s",
        "invalid choice: %(value)r (choose from %(choices)s)": (
            "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)"
        ),
        "%(prog)s: error: %(message)s\n": "Lỗi: %(message)s (%(prog)s --help: cách dùng)\n",
        "expected one argument": "cần một giá trị",
        "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
        "show program's version number and exit": "In phiên bản rồi thoát",
        "invalid %(type)s value: %(value)r": "giá trị %(value)r không hợp lệ",
        "not allowed with argument %s": "không dùng cùng với %s",
        "one of the arguments %s is required": "cần một trong các tham số %s",
        "ambiguous option: %(option)s could match %(matches)s": (
            "tùy chọn %(option)s chưa rõ, có thể là %(matches)s"
        ),
        "ignored explicit argument %r": "tham số này không nhận giá trị (%r)",
        "expected at least one argument": "cần ít nhất một giá trị",
        "expected at most one argument": "cần nhiều nhất một giá trị",
    }
    argparse._ = lambda text: translations.get(text, text)  # noqa: SLF001


def nearest_hint(typed: str, known: Iterable[object]) -> str:
    """« — có phải «X»?» naming the known word nearest to a mistyped one, or ""."""
    close = difflib.get_close_matches(typed, [str(word) for word in known], n=1, cutoff=0.75)
    return f" — có phải «{close[0]}»?" if close else ""


def option_hint(typed: str, options: Iterable[str]) -> str:
    """« — có phải «--as-of»?» for a mistyped option, or one cut short (what argparse took for
    the option it begins: «--as»), else ""."""
    begun = sorted({option for option in options if option.startswith(typed)})
    if begun:
        return " — có phải " + " hay ".join(f"«{option}»" for option in begun[:3]) + "?"
    return nearest_hint(typed, options)


def command_parser(parser: argparse.ArgumentParser, args: argparse.Namespace):
    """The parser of the (sub-)command `args` were parsed for: `jobs once`'s for
    `ntm-excel jobs once …`."""
    for action in parser._actions:  # noqa: SLF001 - argparse keeps no public list
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            chosen = action.choices.get(getattr(args, action.dest, None) or "")
            if chosen is not None:
                return command_parser(chosen, args)
    return parser


class Parser(argparse.ArgumentParser):
    """argparse's parser naming the command, choice or option nearest to a mistyped one
    («consolidat», «--as-off»). An option is written in full: argparse would take «--unti»
    for «--until» and «--as» for «--as-of» (its `allow_abbrev`), so that a mistyped option
    could silently mean another, and an option added later change what an old command
    line means."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - argparse's
        kwargs["allow_abbrev"] = False  # every sub-command's parser is made by this class
        super().__init__(*args, **kwargs)
        self._typed: list[str] = []

    def parse_known_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201 - argparse's
        self._typed = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def _options(self) -> list[str]:
        """The long options of this parser and of its sub-commands."""
        found = []
        for action in self._actions:
            found += [o for o in action.option_strings if o.startswith("--")]
            if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
                for parser in set(action.choices.values()):
                    found += parser._options() if isinstance(parser, Parser) else []
        return found

    def error(self, message: str):  # noqa: ANN201 - argparse's (it never returns)
        """Report `message`; an option no parser knows («--unti») is the cause to report:
        the value typed after it would otherwise be taken for a sub-command or a path."""
        typed = self._typed[: self._typed.index("--")] if "--" in self._typed else self._typed
        options = self._options()
        unknown = [t for t in typed if t.startswith("--") and t.split("=")[0] not in options]
        if unknown:
            hints = [option_hint(t.split("=")[0], options) for t in unknown]
            unrecognized = argparse._("unrecognized arguments: %s")  # noqa: SLF001
            if not message.startswith(unrecognized % ""):
                message = unrecognized % " ".join(unknown)
            first = unknown[0].split("=")[0]
            message += next(
                (hint for hint in hints if hint), f" — «{self.prog}» không có tùy chọn {first}"
            )
        super().error(message)

    def _check_value(self, action: argparse.Action, value: object) -> None:
        try:
            super()._check_value(action, value)
        except argparse.ArgumentError as exc:
            hint = nearest_hint(str(value), action.choices or ())
            raise argparse.ArgumentError(action, exc.message + hint) from None

    def parse_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201 - argparse's
        found, extras = self.parse_known_args(args, namespace)
        if extras:
            parser = command_parser(self, found)
            parser._typed = extras  # noqa: SLF001 - its `error` names the options among them
            parser.error(argparse._("unrecognized arguments: %s") % " ".join(extras))  # noqa: SLF001
        return found


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every sub-command, or of `command` only when it names one: each module
    imports what its command needs (openpyxl, the mail libraries…), a second or so when all
    are loaded."""
    translate_argparse()
    parser = Parser(
        prog="ntm-excel",
        description=(
            "Đọc, kiểm tra và tổng hợp biểu tự đánh giá tiêu chí nông thôn mới của các xã,\n"
            "lập bảng tổng hợp tô màu và gửi thư nhắc hạn cho cán bộ phụ trách."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"ntm-excel {__version__}",
        help="In phiên bản rồi thoát",
    )
    subparsers = parser.add_subparsers(title="Lệnh", metavar="LỆNH", dest="command")
    for name in [command] if command in COMMAND_MODULES else COMMAND_MODULES:
        importlib.import_module(f"ntm_excel.cli.{name}").register(subparsers)
    return parser


# Ctrl-C: every output is written to a temporary file first, and the sent-mail ledger records
# each message once it is sent, so what was stopped is simply run again.
STOPPED = (
    "Đã dừng. Tệp kết quả nào chưa ghi xong thì chưa thay bản cũ (bản cũ vẫn còn nguyên); thư "
    "đã gửi không bị gửi lại. Chạy lại lệnh để làm tiếp."
)


def main(argv: list[str] | None = None) -> int:
    readable_output()
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except NtmError as exc:  # the office's own files or settings: a message to act on
        print(exc.describe(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(STOPPED, file=sys.stderr)
        return 130
    except sqlite3.DatabaseError as exc:  # the state database damaged where it is read
        print(
            f"Lỗi: kho trạng thái không dùng được: {system_reason(exc)}. Tệp kho có thể đã "
            "hỏng; hãy chép lại bản sao lưu gần nhất (xem mục «Sao lưu» trong README).",
            file=sys.stderr,
        )
        return 2
    except BrokenPipeError:  # `ntm-excel catalog show | head`: the reader left early
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # an output that cannot be written (read-only, a folder, disk full)
        print(f"Lỗi: {error_text(exc)}", file=sys.stderr)
        return 2


def openpyxl_without_numpy() -> None:
    """Load openpyxl without numpy. openpyxl imports numpy when it is installed (pandas
    brings it) only to take numpy's numbers as cell values, which this program never gives
    it: 0.1 s and 7 MB of every process. Nothing here uses numpy."""
    if "openpyxl" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None  # importing it fails meanwhile: openpyxl does without
    try:
        import openpyxl  # noqa: F401 - loaded now, numpy left out
    finally:
        del sys.modules["numpy"]


def program() -> None:
    """The `ntm-excel` program: `main`, then the process ends without the interpreter's own
    clean-up, once the exit handlers have run and the output is flushed. That clean-up frees
    every object left one by one: a quarter of a second after a country's consolidation, 5%
    of a re-run. While a thread the command started still runs, it ends the usual way (the
    thread is waited for). openpyxl is loaded first, without numpy (`openpyxl_without_numpy`)."""
    openpyxl_without_numpy()
    code = main()
    main_thread = threading.main_thread()
    if any(not t.daemon for t in threading.enumerate() if t is not main_thread):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a reader that left early (see `main`)
            stream.flush()
    os._exit(code)
