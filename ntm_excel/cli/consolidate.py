"""Sub-command `consolidate`: read every submission, write the master workbook, the CSV files
and the feedback workbooks, and print a short summary."""

from __future__ import annotations

import argparse
import contextlib
import sys
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

from ntm_excel.cli.common import (
    NewState,
    add_as_of_option,
    add_catalog_option,
    add_config_option,
    add_registry_option,
    add_state_options,
    add_submission_arguments,
    error_text,
    missing_paths,
    output_folders_given,
    reading_progress,
    settings_from,
)

DESCRIPTION = """\
Đọc biểu tự đánh giá của các xã, kiểm tra theo bộ tiêu chí, đối chiếu với danh sách đơn vị
và kế hoạch của huyện, rồi ghi:
  • bảng tổng hợp tô màu (.xlsx),
  • các tệp CSV trong thư mục csv/ cạnh bảng tổng hợp (nếu cấu hình có csv_dir; csv_dir chỉ
    nơi khác hoặc --csv-dir thì ghi vào đó),
  • tệp góp ý cho từng xã có lỗi hoặc cảnh báo, trong thư mục gop_y/ cạnh bảng tổng hợp
    (tệp góp ý cũ không còn đúng bị xóa).
Mọi tệp nhận được được lưu vào lịch sử nộp (kho trong thư mục trạng thái): tệp đã đọc ở lần
trước không phải đọc lại; bảng tổng hợp có thêm trang «Lịch sử nộp» và «Thay đổi».
Tệp của các xã không bao giờ bị sửa. Các tệp kết quả được ghi trọn một lượt: ghi xong hết
mới thay bản cũ; không ghi được một tệp (ổ đầy, tệp đang mở trong Excel, bấm Ctrl-C) thì
không tệp nào bị thay. Không đọc được biểu nào của các đơn vị thì không ghi gì (trừ khi có
--allow-empty), để một thư mục rỗng không thay mất bảng tổng hợp tốt.

Mã thoát: 0 khi đã ghi được các tệp kết quả (dù dữ liệu có lỗi), 2 khi không ghi được các
tệp kết quả, khi không có biểu nào đọc được, hoặc khi không đọc được cấu hình, bộ tiêu chí,
danh sách đơn vị, kế hoạch."""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "consolidate",
        help="tổng hợp biểu của các xã: bảng tổng hợp, CSV, góp ý cho xã",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_submission_arguments(parser)
    parser.add_argument(
        "--output",
        "-o",
        metavar="TỆP",
        help="bảng tổng hợp .xlsx (mặc định: mục output.master trong cấu hình)",
    )
    parser.add_argument(
        "--csv-dir",
        metavar="THƯ_MỤC",
        help=(
            "thư mục ghi các tệp CSV (mặc định: csv/ cạnh bảng tổng hợp, hoặc mục "
            "output.csv_dir trong cấu hình nếu mục đó chỉ nơi khác)"
        ),
    )
    parser.add_argument(
        "--feedback-dir",
        metavar="THƯ_MỤC",
        help="thư mục ghi tệp góp ý cho các xã (mặc định: gop_y/ cạnh bảng tổng hợp)",
    )
    parser.add_argument("--no-feedback", action="store_true", help="không ghi tệp góp ý cho các xã")
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        help="vẫn ghi khi không đọc được biểu nào (mọi đơn vị là «chưa nộp»)",
    )
    parser.add_argument(
        "--no-history",
        action="store_true",
        help="không ghi vào lịch sử nộp (ví dụ khi thử một bộ tiêu chí khác)",
    )
    add_state_options(parser, inbox=False)
    add_as_of_option(parser)
    add_config_option(parser)
    add_catalog_option(parser)
    add_registry_option(parser)
    parser.set_defaults(func=run)


def _output_problem(output: Path) -> str:
    """Why `output` cannot be the master workbook ("" when it can), checked before any work."""
    if output.is_dir() or not output.suffix:  # «-o out/»: a folder meant
        what = "là một thư mục" if output.is_dir() else "không có đuôi tệp"
        return (
            f"«{output}» {what}; bảng tổng hợp phải là một tệp .xlsx, ví dụ "
            f"-o «{output / 'tong_hop.xlsx'}»"
        )
    if output.suffix.lower() != ".xlsx":
        return f"bảng tổng hợp phải có đuôi .xlsx, không phải «{output.name}»"
    return ""


def _replaces_a_submission(output: Path, paths: list[str]) -> bool:
    """Whether `output` is a file among the submissions `paths` name that ntm-excel did not
    write (a commune's workbook): the master never replaces one."""
    from ntm_excel.errors import OwnOutputError
    from ntm_excel.read.sniff import sniff

    if not output.is_file():
        return False
    real = output.resolve()
    if not any(real == (given := Path(p).resolve()) or given in real.parents for p in paths):
        return False
    try:
        sniff(output.read_bytes())
    except OwnOutputError:  # the master of an earlier run: replaced as it should be
        return False
    except Exception:  # noqa: BLE001 - unreadable, yet a file someone put among the submissions
        return True
    return True


def _output_folders(args: argparse.Namespace) -> list[Path]:
    """The output folders given on the command line: never read as submissions."""
    from ntm_excel.write.feedback import FOLDER

    output = Path(args.output).parent if args.output else None
    folders = [output, output / FOLDER if output else None, args.csv_dir, args.feedback_dir]
    return [Path(folder) for folder in folders if folder]


def _load(args: argparse.Namespace, config, as_of: date, history, judged=None):
    from ntm_excel.check.consolidate import consolidate_from_config

    try:
        with reading_progress() as progress:
            return consolidate_from_config(
                args.paths,
                config,
                as_of,
                catalog_path=args.catalog,
                registry_path=args.registry,
                workers=args.workers,
                progress=progress,
                history=history,
                skip=_output_folders(args),
                judged=judged,
            )
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        # CatalogError, RegistryError, PlanError, ContactsError are ValueErrors
        print(f"Lỗi: {error_text(exc)}", file=sys.stderr)
        return None


def history_lines(view, store: Path) -> list[str]:
    """What the consolidation added to the history, and the current period's figures."""
    lines = [
        f"Lịch sử nộp ({store}): {view.parsed} tệp đọc mới, {view.reused} tệp đã đọc trước đó "
        f"dùng lại; kho lưu {view.archived} tệp"
    ]
    if current := view.current:
        received = f"{current.received}/{current.expected}"
        lines.append(
            f"  {current.period.label} (hạn nộp {current.period.due:%d/%m/%Y}): {received} đã "
            f"nộp ({current.on_time} đúng hạn, {current.late} muộn), {current.missing} chưa nộp"
            + (f", {current.pending} chưa đến hạn" if current.pending else "")
        )
    if view.changes:
        lines.append(f"  {len(view.changes)} đơn vị đã nộp lại bản mới (xem trang «Thay đổi»)")
    return lines


def _summary(result, figures, store: Path | None = None) -> list[str]:
    from ntm_excel.check.figures import WORKBOOK_ERRORS
    from ntm_excel.model import TaskState

    expected, submitted = figures.expected, figures.submitted
    missing = [r.unit.name for r in figures.missing]
    issues, tasks = figures.issue_counts(), figures.task_counts()
    lines = [
        f"Tổng hợp ngày {result.as_of:%d/%m/%Y} — bộ tiêu chí {result.catalog_set}",
        f"Đơn vị đã nộp: {len(submitted)}/{len(expected)}"
        + (f" (chưa nộp: {', '.join(missing)})" if 0 < len(missing) <= 10 else ""),
        f"Đơn vị đạt đủ {len(figures.criteria)} tiêu chí: "
        f"{len(figures.meeting_all)}/{len(expected)}",
    ]
    if district := figures.district_met():
        lines.append(f"{result.district.unit.name}: {district[0]}/{district[1]} tiêu chí đạt")
    if figures.several_districts:
        areas = [area for area in figures.by_district() if area.assessed]
        sent = sum(area.district_submitted for area in areas)
        met = sum(area.district_met for area in areas)
        lines.append(f"Huyện: {sent}/{len(areas)} đã nộp biểu tự đánh giá, {met} đạt chuẩn")
    errors, units_with_errors = figures.workbook_errors()
    lines += [
        f"Dữ liệu: {issues.errors} lỗi (kể cả đơn vị chưa nộp), {issues.warnings} cảnh báo",
        f"  {errors} {WORKBOOK_ERRORS}, ở {units_with_errors} đơn vị",
        f"Nhiệm vụ: {tasks[TaskState.OVERDUE]} quá hạn, {tasks[TaskState.DUE_SOON]} sắp đến hạn",
    ]
    if store is not None and result.history is not None:
        lines += history_lines(result.history, store)
    return lines


def _written(outputs) -> list[str]:
    lines = ["Đã ghi:", f"  Bảng tổng hợp: {outputs.master}"]
    lines += [f"  Phần quá dài ghi ra CSV: {path}" for path in outputs.overflow]
    if outputs.csv:
        lines.append(f"  CSV: {outputs.csv[0].parent} ({len(outputs.csv)} tệp)")
    if outputs.feedback_dir is not None:
        removed = f"; đã xóa {len(outputs.removed)} tệp góp ý cũ" if outputs.removed else ""
        lines.append(
            f"  Góp ý cho xã: {outputs.feedback_dir} ({len(outputs.feedback)} tệp{removed})"
        )
    return lines


def _office_lock(path: Path) -> Path | None:
    """The lock file Excel («~$tong_hop.xlsx») or LibreOffice («.~lock.tong_hop.xlsx#») keeps
    beside `path` while it is open there (or after it crashed), or None."""
    for name in (f"~${path.name}", f".~lock.{path.name}#"):
        if (lock := path.with_name(name)).is_file():
            return lock
    return None


def _still_open(master: Path) -> str:
    """The warning when a spreadsheet program seems to hold the master just replaced open
    (its window shows the previous figures, and saving there would put them back), or ""."""
    if (lock := _office_lock(master)) is None:
        return ""
    return (
        f"Cảnh báo: «{master}» có vẻ đang mở trong Excel hoặc LibreOffice (có tệp khóa "
        f"«{lock.name}» bên cạnh): cửa sổ đó vẫn hiện bản cũ. Hãy đóng tệp mà không lưu rồi mở "
        "lại để xem bản mới (lưu bản cũ sẽ ghi đè bản mới); nếu không ai mở tệp này, hãy xóa "
        f"tệp «{lock.name}»."
    )


def _nothing_read(result, paths: list[str]) -> str:
    """The warning for a batch in which no unit's workbook could be read."""
    counts = Counter(issue.code for issue in result.issues)
    unplaced = counts["unit-unknown"] + counts["unit-ambiguous"]
    reasons = [
        f"{counts['file-unreadable']} tệp không đọc được" if counts["file-unreadable"] else "",
        f"{unplaced} biểu không rõ của đơn vị nào: hãy xem lỗi «unit-unknown», «unit-ambiguous»"
        if unplaced
        else "",
        f"{counts['file-own-output']} tệp là kết quả của ntm-excel, không phải biểu của xã"
        if counts["file-own-output"]
        else "",
    ]
    found = "; ".join(filter(None, reasons)) or "không có tệp bảng tính nào"
    return (
        f"Cảnh báo: không đọc được biểu nào của các đơn vị trong {', '.join(paths)} ({found}): "
        "bảng tổng hợp sẽ ghi mọi đơn vị là «chưa nộp»."
    )


def run(args: argparse.Namespace) -> int:
    if missing_paths(args.paths):
        return 2
    if args.output and (problem := _output_problem(Path(args.output))):
        print(f"Lỗi: {problem}", file=sys.stderr)
        return 2
    config = settings_from(args)
    state = None if args.no_history else NewState(config.state_dir)
    code = 2
    try:
        code = _consolidate_reading_again(args, config)
    finally:
        if code == 2 and state is not None:  # refused or failed: no store begun for nothing
            state.remove()
    return code


def _consolidate_reading_again(args: argparse.Namespace, config) -> int:
    """`_consolidate`; when a reading or a judgement kept in the store cannot be used (found
    only as the outputs are written), once more after forgetting them all: every file is
    read again (nothing was replaced meanwhile)."""
    from ntm_excel.errors import DamagedRecord
    from ntm_excel.history import History

    try:
        return _consolidate(args, config)
    except DamagedRecord as exc:
        with History(config.state_dir) as history:
            history.forget_kept()
            print(
                f"Cảnh báo: {exc.damage} Đã bỏ mọi kết quả đọc lưu sẵn "
                f"trong kho trạng thái {history.path}; đọc lại mọi tệp.",
                file=sys.stderr,
            )
        return _consolidate(args, config)


def _consolidate(args: argparse.Namespace, config) -> int:
    from ntm_excel.check.figures import Figures
    from ntm_excel.errors import OutputError
    from ntm_excel.history import History
    from ntm_excel.write.feedback import FOLDER
    from ntm_excel.write.outputs import OutputWriter, nothing_submitted

    as_of = args.as_of or date.today()
    output = Path(args.output) if args.output else config.master
    own = config.output_folders(*_output_folders(args))
    if output_folders_given(args.paths, own, [config.master, output]):
        return 2
    if _replaces_a_submission(output, args.paths):
        print(
            f"Lỗi: «{output}» là một tệp trong thư mục nhận biểu, không phải bảng tổng hợp do "
            "ntm-excel ghi: không ghi đè. Hãy chọn tên khác cho -o, hoặc đặt bảng tổng hợp "
            "ngoài thư mục nhận biểu.",
            file=sys.stderr,
        )
        return 2
    csv_dir = Path(args.csv_dir) if args.csv_dir else config.csv_dir_for(output)
    feedback_dir = Path(args.feedback_dir) if args.feedback_dir else output.parent / FOLDER
    with contextlib.ExitStack() as stack:
        history = None if args.no_history else stack.enter_context(History(config.state_dir))
        writer = stack.enter_context(
            OutputWriter(
                output,
                csv_dir=csv_dir,
                feedback_dir=None if args.no_feedback else feedback_dir,
                history=history,
            )
        )

        def judged(result) -> None:  # the feedback is made while the history is recorded
            if args.allow_empty or not nothing_submitted(result):
                writer.begin(result)

        receipts = history.last_receipt() if history is not None else 0
        result = _load(args, config, as_of, history, judged)
        if result is None:
            return 2
        figures = Figures.of(result)  # the summary's and the master's
        summary = _summary(result, figures, history.path if history is not None else None)
        outputs, failure, refused = None, "", False
        if nothing_submitted(result):
            print(_nothing_read(result, args.paths), file=sys.stderr)
            refused = not args.allow_empty
            if refused:
                failure = (
                    "Chưa ghi tệp nào; bảng tổng hợp cũ (nếu có) vẫn còn nguyên. Nếu đúng là "
                    "chưa đơn vị nào nộp, chạy lại với --allow-empty."
                )
        if not failure:
            try:
                outputs = writer.write(result, figures)
            except OutputError as exc:
                failure = f"Lỗi: {exc}"
        if refused and history is not None:  # not a run of the history
            history.discard(result.history.consolidation_id, receipts)
        elif history is not None:
            history.finish(result.history.consolidation_id, outputs.files if outputs else [])
    if failure:
        if args.allow_empty or not nothing_submitted(result):  # figures made, not written
            print("\n".join(summary))
        print(failure, file=sys.stderr)
        return 2
    print("\n".join(summary + _written(outputs)))
    if warning := _still_open(outputs.master):
        print(warning, file=sys.stderr)
    return 0
