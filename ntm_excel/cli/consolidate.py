"""Sub-command `consolidate`: read every submission, write the master workbook, the CSV files
and the feedback workbooks, and print a short summary."""

from __future__ import annotations

import argparse
import sys
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ntm_excel.cli.common import (
    add_as_of_option,
    add_catalog_option,
    add_config_option,
    add_registry_option,
    add_submission_arguments,
    config_from,
    error_text,
    missing_paths,
    reading_progress,
)

DESCRIPTION = """\
Đọc biểu tự đánh giá của các xã, kiểm tra theo bộ tiêu chí, đối chiếu với danh sách đơn vị
và kế hoạch của huyện, rồi ghi:
  • bảng tổng hợp tô màu (.xlsx),
  • các tệp CSV (nếu có --csv-dir hoặc csv_dir trong cấu hình),
  • tệp góp ý cho từng xã có lỗi, đặt trong thư mục gop_y/ cạnh bảng tổng hợp.
Tệp của các xã không bao giờ bị sửa.

Mã thoát: 0 khi đã ghi được các tệp kết quả (dù dữ liệu có lỗi), 2 khi không ghi được một
tệp kết quả hoặc không đọc được cấu hình, bộ tiêu chí, danh sách đơn vị, kế hoạch."""


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
        help="thư mục ghi các tệp CSV (mặc định: mục output.csv_dir trong cấu hình, nếu có)",
    )
    parser.add_argument(
        "--feedback-dir",
        metavar="THƯ_MỤC",
        help="thư mục ghi tệp góp ý cho các xã (mặc định: gop_y/ cạnh bảng tổng hợp)",
    )
    parser.add_argument("--no-feedback", action="store_true", help="không ghi tệp góp ý cho các xã")
    add_as_of_option(parser)
    add_config_option(parser)
    add_catalog_option(parser)
    add_registry_option(parser)
    parser.set_defaults(func=run)


def _output_problem(output: Path) -> str:
    """Why `output` cannot be the master workbook ("" when it can), checked before any work."""
    if output.is_dir():
        return f"«{output}» là một thư mục; bảng tổng hợp phải là một tệp .xlsx"
    if output.suffix.lower() != ".xlsx":
        return f"bảng tổng hợp phải có đuôi .xlsx, không phải «{output.name}»"
    return ""


def _output_folders(args: argparse.Namespace) -> list[Path]:
    """The output folders given on the command line: never read as submissions."""
    from ntm_excel.write.feedback import FOLDER

    output = Path(args.output).parent if args.output else None
    folders = [output, output / FOLDER if output else None, args.csv_dir, args.feedback_dir]
    return [Path(folder) for folder in folders if folder]


def _load(args: argparse.Namespace, as_of: date):
    from ntm_excel.check.consolidate import consolidate_from_config

    config = config_from(args)
    try:
        with reading_progress() as progress:
            result = consolidate_from_config(
                args.paths,
                config,
                as_of,
                catalog_path=args.catalog,
                registry_path=args.registry,
                workers=args.workers,
                progress=progress,
                skip=_output_folders(args),
            )
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        # CatalogError, RegistryError, PlanError, ContactsError are ValueErrors
        print(f"Lỗi: {error_text(exc)}", file=sys.stderr)
        return config, None
    return config, result


def _summary(result, written: list[str]) -> list[str]:
    from ntm_excel.check.figures import Figures
    from ntm_excel.model import TaskState

    figures = Figures.of(result)
    expected, submitted = figures.expected, figures.submitted
    missing = [r.unit.name for r in figures.missing]
    issues, tasks = figures.issue_counts(), figures.task_counts()
    lines = [
        f"Tổng hợp ngày {result.as_of:%d/%m/%Y} — bộ tiêu chí {result.catalog_set}",
        f"Đơn vị đã nộp: {len(submitted)}/{len(expected)}"
        + (f" (chưa nộp: {', '.join(missing)})" if 0 < len(missing) <= 10 else ""),
        f"Đơn vị đạt đủ {len(result.criteria_names)} tiêu chí: "
        f"{len(figures.meeting_all)}/{len(expected)}",
    ]
    if district := figures.district_met():
        lines.append(f"{result.district.unit.name}: {district[0]}/{district[1]} tiêu chí đạt")
    lines += [
        f"Dữ liệu: {issues.errors} lỗi, {issues.warnings} cảnh báo",
        f"Nhiệm vụ: {tasks[TaskState.OVERDUE]} quá hạn, {tasks[TaskState.DUE_SOON]} sắp đến hạn",
        "Đã ghi:",
        *(f"  {line}" for line in written),
    ]
    return lines


def _attempt(what: str, action: Callable[[], str], failures: list[str]) -> str | None:
    try:
        return action()
    except OSError as exc:
        failures.append(f"Không ghi được {what}: {error_text(exc)}")
        return None


def run(args: argparse.Namespace) -> int:
    from ntm_excel.write.csv_export import write_csv
    from ntm_excel.write.feedback import FOLDER, write_all_feedback
    from ntm_excel.write.master import write_master

    as_of = args.as_of or date.today()
    if missing_paths(args.paths):
        return 2
    if args.output and (problem := _output_problem(Path(args.output))):
        print(f"Lỗi: {problem}", file=sys.stderr)
        return 2
    config, result = _load(args, as_of)
    if result is None:
        return 2
    output = Path(args.output) if args.output else config.master
    csv_dir = Path(args.csv_dir) if args.csv_dir else config.csv_dir
    feedback_dir = Path(args.feedback_dir) if args.feedback_dir else output.parent / FOLDER
    failures: list[str] = []
    written = [
        _attempt(
            f"bảng tổng hợp {output}",
            lambda: f"Bảng tổng hợp: {write_master(result, output)}",
            failures,
        )
    ]
    if csv_dir is not None:
        written.append(
            _attempt(
                f"các tệp CSV vào {csv_dir}",
                lambda: f"CSV: {csv_dir} ({len(write_csv(result, csv_dir))} tệp)",
                failures,
            )
        )
    if not args.no_feedback:
        written.append(
            _attempt(
                f"tệp góp ý vào {feedback_dir}",
                lambda: (
                    f"Góp ý cho xã: {feedback_dir} "
                    f"({len(write_all_feedback(result, feedback_dir))} tệp)"
                ),
                failures,
            )
        )
    print("\n".join(_summary(result, [line for line in written if line])))
    for failure in failures:
        print(failure, file=sys.stderr)
    return 2 if failures else 0
