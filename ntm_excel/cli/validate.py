"""Sub-command `validate`: check submissions and print what each unit must fix; writes nothing."""

from __future__ import annotations

import argparse
import json
import sys

from ntm_excel.check.figures import issues_by_unit
from ntm_excel.cli.catalog import catalog_from
from ntm_excel.cli.common import (
    add_catalog_option,
    add_config_option,
    add_registry_option,
    add_submission_arguments,
    config_from,
    fail,
    missing_paths,
    output_folders_given,
    reading_progress,
)
from ntm_excel.cli.console import DataShown
from ntm_excel.cli.registry import registry_from
from ntm_excel.issues import ISSUE_TYPES, SEVERITY_LABELS, Issue
from ntm_excel.read.report import explain_lines
from ntm_excel.styles import SEVERITY_ORDER

DESCRIPTION = """\
Đọc và kiểm tra biểu tự đánh giá tiêu chí của các xã theo bộ tiêu chí, in các lỗi theo từng
đơn vị (trang, ô, nội dung, cách sửa). Không ghi tệp nào. Chỉ báo về các tệp được đưa vào:
đơn vị không có tệp trong danh sách không bị coi là chưa nộp.

Mã thoát: 0 khi không có lỗi (có thể có cảnh báo), 1 khi có lỗi, 2 khi không chạy được
(cấu hình, bộ tiêu chí hoặc danh sách đơn vị sai)."""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="kiểm tra biểu tự đánh giá của các xã, in lỗi cần sửa",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_submission_arguments(parser)
    parser.add_argument(
        "--json", action="store_true", help="in kết quả dạng JSON (cho chương trình khác đọc)"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="in thêm cách đọc từng tệp: trang, dòng tiêu đề, vai trò từng cột và vì sao, "
        "mỗi dòng được nhận là chỉ tiêu nào (theo mã, nội dung hay thứ tự), dòng bị bỏ qua",
    )
    add_catalog_option(parser)
    add_config_option(parser)
    add_registry_option(parser)
    parser.set_defaults(func=run)


def _location(issue: Issue, main_sheet: str) -> str:
    if issue.sheet and issue.sheet != main_sheet and issue.cell:
        return f"{issue.sheet}!{issue.cell}"
    return issue.cell or "—"


def _print_group(
    heading: str, issues: list[Issue], main_sheet: str, out, main_file: str = ""
) -> None:
    print(heading, file=out)
    if not issues:
        print("  Không có lỗi.", file=out)
    for issue in issues:
        label = SEVERITY_LABELS[issue.severity]
        message = issue.message
        if main_file and issue.file and issue.file != main_file and issue.file not in message:
            message = f"Tệp «{issue.file}»: {message}"  # another file the unit sent
        print(f"  {label:<9} {_location(issue, main_sheet):<6} {message}", file=out)
    print(file=out)


def _issue_json(issue: Issue, names: dict[str, str]) -> dict[str, str]:
    return {
        "severity": issue.severity.value,
        "code": issue.code,
        "title": ISSUE_TYPES[issue.code].title,
        "message": issue.message,
        "unit_code": issue.unit_code,
        "unit_name": names.get(issue.unit_code, ""),
        "file": issue.file,
        "sheet": issue.sheet,
        "cell": issue.cell,
    }


def _as_judged(checked) -> list:
    """Every file read, as it was judged: a district's own workbook as read again against the
    district's criteria set (its first reading, against the communes' set, is not used)."""
    again = {
        judged.report.submission.path: judged.report.submission
        for judged in checked.districts.values()
        if judged.report.submission is not None
    }
    return [again.get(submission.path, submission) for submission in checked.submissions]


def run(args: argparse.Namespace) -> int:
    from ntm_excel.check.consolidate import check_files
    from ntm_excel.check.figures import IssueCounts
    from ntm_excel.vocabulary import load_vocabulary

    if missing_paths(args.paths):
        return 2
    config = config_from(args)
    if output_folders_given(args.paths, config.output_folders(), [config.master]):
        return 2
    catalog, registry = catalog_from(args), registry_from(args)  # errors: exit 2 in main
    vocabulary = load_vocabulary(config.data_file("vocabulary"))
    with reading_progress() as progress:
        checked = check_files(
            args.paths,
            catalog=catalog,
            registry=registry,
            catalog_set=config.catalog_set,
            vocabulary=vocabulary,
            workers=args.workers,
            progress=progress,
            skip=config.output_folders(),
        )
    reports = [report for report, _ in checked.units.values()]
    reports += [d.report for d in checked.districts.values() if d.report.submission]
    unit_issues = [issue for _, found in checked.units.values() for issue in found]
    issues = checked.loose + unit_issues + checked.district_issues
    names = {u.code: u.name for u in registry.units}
    counts = IssueCounts.of(issues)
    errors, warnings = counts.errors, counts.warnings
    shown = {report.unit.code for report in reports}
    loose = [i for i in issues if i.unit_code not in shown]

    if args.json:
        document = {
            "catalog_set": config.catalog_set,
            "summary": {
                "units": len(reports),
                "errors": errors,
                "warnings": warnings,
                "infos": counts.infos,
            },
            "units": [
                {
                    "unit_code": r.unit.code,
                    "unit_name": r.unit.name,
                    "file": r.submission.file_name,
                    "criteria_met": r.criteria_met,
                    "criteria_total": len(r.criteria),
                    "errors": r.errors,
                    "warnings": r.warnings,
                }
                for r in reports
            ],
            "issues": [_issue_json(i, names) for i in issues],
        }
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 1 if errors else 0

    out = DataShown(sys.stdout)  # file names, and with --explain the cells' text
    if args.explain:
        for submission in _as_judged(checked):
            unit = registry.get(submission.unit_code) if submission.unit_code else None
            for line in explain_lines(submission, unit.name if unit else ""):
                print(line, file=out)
            print(file=out)
    by_unit = issues_by_unit(issues)
    for report in reports:
        mine = sorted(by_unit.get(report.unit.code, ()), key=lambda i: SEVERITY_ORDER[i.severity])
        heading = (
            f"{report.unit.name} — tệp {report.submission.file_name}: "
            f"{report.criteria_met}/{len(report.criteria)} tiêu chí đạt, "
            f"{report.errors} lỗi, {report.warnings} cảnh báo"
        )
        _print_group(heading, mine, report.submission.sheet, out, report.submission.file_name)
    by_file: dict[str, list] = {}
    for issue in loose:
        by_file.setdefault(issue.file, []).append(issue)
    for file, found in by_file.items():  # a file its name ties to a unit is headed by it
        owner = names.get(found[0].unit_code, "")
        heading = f"{owner} — tệp {file}" if owner else f"Tệp {file or '(không rõ)'}"
        _print_group(heading, found, "", out)
    unread = len({i.file for i in loose})
    if not reports and not loose:  # an empty or wrong folder is not «all is well»
        fail(f"không có biểu nào để kiểm tra trong {', '.join(args.paths)}.")
        return 1
    print(
        f"Đã kiểm tra {len(reports)} đơn vị"
        + (
            f" và {unread} tệp khác (không đọc được, không rõ đơn vị hoặc không phải biểu)"
            if unread
            else ""
        )
        + f": {errors} lỗi, {warnings} cảnh báo.",
        file=out,
    )
    return 1 if errors else 0
