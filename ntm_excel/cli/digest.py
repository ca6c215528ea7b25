"""`ntm-excel digest`: send the officials' deadline digests now, or show them (--dry-run)."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ntm_excel.cli.common import (
    INBOX_HELP,
    add_as_of_option,
    add_config_option,
    add_state_options,
    settings_from,
)
from ntm_excel.cli.console import DataShown
from ntm_excel.cli.jobs import add_mail_options, exit_code, open_ledger, print_result, runner_from
from ntm_excel.config import Config
from ntm_excel.errors import NtmError
from ntm_excel.jobs.digest import DAILY_DIGEST, daily_mails
from ntm_excel.jobs.scheduler import InboxMissing, JobResult, describe, inbox_refresh
from ntm_excel.reference.contacts import load_contacts


def _check_inputs(config: Config, inbox: Path) -> None:
    """Raise what the job would say of a missing inbox or data file (plan, contact book…),
    before anything (the mail ledger, the state folder) is created."""
    if not inbox.is_dir():
        raise InboxMissing(inbox)
    config.require("catalog", "registry", "vocabulary", "plan", "contacts")


def _failed(exc: NtmError, as_of: date, zone: ZoneInfo) -> int:
    """Say a problem with the office's files as the job says it, with its exit code (1)."""
    for line in describe(JobResult(DAILY_DIGEST, as_of.isoformat(), error=str(exc)), zone):
        print(line)
    return 1


def _dry_run(args: argparse.Namespace) -> int:
    """Print the digests; nothing is sent, recorded or written. A problem with the office's
    files (no inbox, a plan or contact book that cannot be read) is said as the job says it,
    with the same exit code (1)."""
    config = settings_from(args)
    zone = ZoneInfo(config.schedule.timezone)
    as_of = args.as_of or datetime.now(zone).date()
    inbox = Path(args.inbox or config.schedule.inbox)
    try:
        _check_inputs(config, inbox)
        snap = inbox_refresh(config, write_files=False)([inbox], as_of)
        contacts = load_contacts(config.data_file("contacts"))
    except NtmError as exc:
        return _failed(exc, as_of, zone)
    out = daily_mails(snap.consolidation, contacts, deadline=config.reporting_deadline)
    shown = DataShown(sys.stdout)  # the mails quote what the communes typed
    for index, mail in enumerate(out.mails, 1):
        print(f"===== Thư {index}/{len(out.mails)}: {mail.to_name} <{mail.key.recipient}> =====")
        print(f"Tiêu đề: {mail.subject}", file=shown)
        print(file=shown)
        print(mail.text, file=shown)
    print(f"(Thử, không gửi: {len(out.mails)} thư nhắc hạn ngày {as_of:%d/%m/%Y})")
    if out.unmatched:
        print("Không có trong danh bạ: " + ", ".join(out.unmatched))
    if out.no_email:
        print("Chưa có địa chỉ thư: " + ", ".join(out.no_email))
    for problem in contacts.problems:
        print(problem)
    return 0


def _digest(args: argparse.Namespace) -> int:
    if args.dry_run:
        return _dry_run(args)
    config = settings_from(args)
    zone = ZoneInfo(config.schedule.timezone)
    try:  # refused before the ledger is created
        _check_inputs(config, Path(args.inbox or config.schedule.inbox))
    except NtmError as exc:
        return _failed(exc, args.as_of or datetime.now(zone).date(), zone)
    with open_ledger(config) as ledger:
        runner = runner_from(args, ledger, config)
        result = runner.run(DAILY_DIGEST, args.as_of)
        print_result(result, runner.mail, runner.zone)
    return exit_code(result)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "digest",
        help="gửi thư nhắc hạn cho cán bộ phụ trách (việc quá hạn, sắp đến hạn, xã chưa nộp)",
        description=(
            "Tổng hợp lại các biểu trong thư mục nhận rồi gửi mỗi cán bộ một thư nhắc việc.\n"
            "Bảng tổng hợp và tệp góp ý của lần tổng hợp này được ghi vào thư mục ket_qua/\n"
            "trong thư mục trạng thái (mặc định var/ket_qua), không thay bảng tổng hợp của lệnh\n"
            "consolidate. Không cấu hình máy chủ SMTP thì thư được ghi ra thư mục outbox dạng\n"
            ".eml. Thư đã gửi trong ngày không gửi lại.\n"
            "Mã thoát 0 khi mọi thư đã gửi; 1 khi có thư lỗi hoặc việc lỗi; 2 khi cấu hình sai\n"
            "hoặc sổ thư hỏng; 3 khi không thư nào lỗi nhưng có thư có thể đã đến hoặc chưa (máy\n"
            "chủ nhận hết thư rồi ngắt hoặc im lặng trước khi xác nhận): cần kiểm tra, xem bản\n"
            ".eml trong outbox."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(parser)
    add_as_of_option(parser)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="chỉ in thư ra màn hình: không gửi, không ghi sổ, không ghi tệp nào",
    )
    parser.add_argument("inbox", nargs="?", metavar="THƯ_MỤC", help=INBOX_HELP)
    add_state_options(parser, inbox=False)
    add_mail_options(parser)
    parser.set_defaults(func=_digest)
