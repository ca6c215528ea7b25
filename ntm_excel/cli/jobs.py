"""`ntm-excel jobs`: run the scheduler (`run`), one job now (`once NAME`), or start a new sent
ledger after the old one was damaged (`new-ledger`)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ntm_excel.cli.common import (
    add_as_of_option,
    add_config_option,
    add_state_options,
    counted,
    fail,
    settings_from,
)
from ntm_excel.config import CONNECTION_SECURITY, LAST_PORT, Config, MailSettings
from ntm_excel.jobs.ledger import Ledger
from ntm_excel.jobs.mail import mail_settings
from ntm_excel.jobs.scheduler import (
    RETRY,
    AlreadyRunning,
    JobResult,
    Runner,
    describe,
    new_ledger,
    serve,
)
from ntm_excel.jobs.table import BY_NAME, JOBS


def add_mail_options(parser: argparse.ArgumentParser) -> None:
    """The SMTP settings that override the configuration (the password: NTM_SMTP_PASSWORD)."""
    parser.add_argument(
        "--smtp-host",
        metavar="MÁY_CHỦ",
        help="máy chủ SMTP (không có: thư được ghi ra thư mục outbox dạng .eml)",
    )
    parser.add_argument("--smtp-port", type=counted(1, LAST_PORT), metavar="CỔNG", help="cổng SMTP")
    parser.add_argument(
        "--smtp-user",
        metavar="TÊN",
        help="tên đăng nhập SMTP; mật khẩu lấy từ biến môi trường NTM_SMTP_PASSWORD",
    )
    parser.add_argument(
        "--smtp-security",
        choices=CONNECTION_SECURITY,
        help="bảo mật kết nối: none, starttls hoặc ssl",
    )


DOUBTFUL_EXIT = 3  # no mail failed, yet some may or may not have arrived: to check by hand


def exit_code(result: JobResult, waiting: object = ()) -> int:
    """1 when a mail failed, the job failed or mail is `waiting` to be sent again;
    `DOUBTFUL_EXIT` when a mail may have arrived and may not (a scheduler must notice:
    nobody reads its log); else 0."""
    if not result.ok or waiting:
        return 1
    return DOUBTFUL_EXIT if result.delivery.doubtful else 0


def zone_of(config: Config) -> ZoneInfo:
    """The configured time zone: every time a person reads is in it."""
    return ZoneInfo(config.schedule.timezone)


def open_ledger(config: Config) -> Ledger:
    return Ledger(config.state_dir, zone=zone_of(config))


def runner_from(args: argparse.Namespace, ledger: Ledger, config: Config) -> Runner:
    mail = mail_settings(
        config.mail,
        smtp_host=args.smtp_host,
        smtp_port=args.smtp_port,
        smtp_user=args.smtp_user,
        smtp_security=args.smtp_security,
    )
    inbox = Path(args.inbox) if getattr(args, "inbox", None) else None
    runner = Runner(config, ledger, mail=mail, inbox=inbox)
    if ledger.new:  # said once the settings hold: a run from another folder (a relative
        print(  # `var/`) would otherwise send every mail again, silently
            f"Chưa có sổ thư trong {ledger.path.parent.resolve()}: đã tạo sổ mới, mọi thư đến "
            "hạn được gửi như lần đầu. Nếu đã từng chạy ở thư mục khác, hãy chạy ở đó hoặc ghi "
            "--state-dir (đường dẫn tương đối tính từ thư mục đang chạy lệnh).",
            file=sys.stderr,
        )
    return runner


class ZoneFormatter(logging.Formatter):
    """Log lines stamped in the configured time zone, not the computer's."""

    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__("%(asctime)s %(levelname)s %(message)s")
        self.zone = zone

    def formatTime(self, record, datefmt=None) -> str:  # noqa: N802 - logging's name
        return datetime.fromtimestamp(record.created, self.zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def _logging(config: Config) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ZoneFormatter(zone_of(config)))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def print_result(result: JobResult, mail: MailSettings, zone: ZoneInfo) -> None:
    """What a job did; `mail` as the job used it (configuration and command line)."""
    for line in describe(result, zone):
        print(line)
    if result.delivery.sent and not mail.smtp_host:
        print(f"  Chưa cấu hình máy chủ thư: thư được ghi dạng .eml vào {mail.outbox}")


def _run(args: argparse.Namespace) -> int:
    config = settings_from(args)
    _logging(config)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # systemd stop: finish the job first
    with open_ledger(config) as ledger:
        try:
            serve(runner_from(args, ledger, config), stop=stop)
        except AlreadyRunning as exc:
            print(exc.describe(), file=sys.stderr)
            return 1
    return 0


def _once(args: argparse.Namespace) -> int:
    config = settings_from(args)
    with open_ledger(config) as ledger:
        runner = runner_from(args, ledger, config)
        if args.job == RETRY:
            result = JobResult(RETRY, "", delivery=runner.retry())
        elif args.if_due:
            result = runner.run_slot(args.job)
        else:
            result = runner.run(args.job, args.as_of)
        print_result(result, runner.mail, runner.zone)
        waiting = ledger.unsent(None if args.job == RETRY else args.job)
        if waiting:
            print(f"Còn {len(waiting)} thư chưa gửi được; sẽ gửi lại ở lần chạy sau.")
    return exit_code(result, waiting)


def _new_ledger(args: argparse.Namespace) -> int:
    config = settings_from(args)
    lines = new_ledger(config)
    if not lines:
        fail(f"Sổ thư trong {config.state_dir} không hỏng (hoặc chưa có): không làm gì.")
        return 1
    for line in lines:
        print(line)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "jobs",
        help="chạy các việc định kỳ (thư nhắc hạn, báo cáo tuần, nhắc đơn vị, nhận tệp)",
        description=(
            "Chạy bộ lập lịch (run) hoặc một việc ngay (once). Các việc:\n"
            + "".join(f"  {job.name}: {job.title}\n" for job in JOBS)
            + "Thư đã gửi được ghi vào sổ trong thư mục trạng thái nên chạy lại không gửi trùng.\n"
            "Mỗi lần tổng hợp lại, các việc ghi bảng tổng hợp và tệp góp ý của mình vào thư mục\n"
            "ket_qua/ trong thư mục trạng thái (mặc định var/ket_qua), không thay bảng tổng hợp\n"
            "của lệnh consolidate."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(title="Lệnh", metavar="LỆNH", dest="jobs_command")
    run = commands.add_parser(
        "run",
        help="chạy bộ lập lịch (mỗi thư mục trạng thái chỉ một bộ)",
        description=(
            "Chạy bộ lập lịch cho tới khi bị dừng (Ctrl+C hoặc systemd stop): thư nhắc hạn hằng\n"
            "ngày, báo cáo tuần, nhắc đơn vị, quét thư mục nhận biểu, gửi lại thư lỗi — theo giờ\n"
            "trong mục [schedule] của cấu hình. Lúc khởi động, việc nào đã lỡ giờ hôm nay (máy\n"
            "tắt) được chạy bù một lần. Một lỗi trong một việc được ghi nhật ký, không làm dừng\n"
            "lịch. Mỗi thư mục trạng thái chỉ chạy được một bộ lập lịch."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    once = commands.add_parser(
        "once",
        help="chạy ngay một việc rồi thoát (mã thoát 1 nếu có thư lỗi)",
        description=(
            "Chạy ngay một việc rồi thoát, dùng cho cron hoặc systemd timer. Thư đã gửi (theo sổ\n"
            "thư trong thư mục trạng thái) không gửi lại; thư lỗi được ghi lại để gửi sau.\n"
            "Mã thoát 1 khi còn thư chưa gửi được hoặc việc gặp lỗi; 2 khi cấu hình sai, sổ thư\n"
            "hỏng hoặc đồng hồ máy bị chỉnh lùi (không chạy gì); 3 khi không thư nào lỗi nhưng có\n"
            "thư có thể đã đến hoặc chưa (máy chủ nhận hết thư rồi im lặng): cần kiểm tra."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    once.add_argument(
        "job",
        choices=(*BY_NAME, RETRY),
        metavar="TÊN_VIỆC",
        help=", ".join(BY_NAME) + f"; {RETRY}: gửi lại các thư lỗi đã đến giờ thử lại",
    )
    when = once.add_mutually_exclusive_group()
    add_as_of_option(when)
    when.add_argument(
        "--if-due",
        action="store_true",
        help="chỉ chạy khi đến lượt, như bộ lập lịch: ngày làm việc (theo cấu hình), đã qua "
        "giờ chạy của việc trong [schedule] và kỳ này chưa chạy; dùng cho cron, systemd, "
        "Task Scheduler",
    )
    renew = commands.add_parser(
        "new-ledger",
        help="lập sổ thư mới khi sổ cũ bị hỏng hoặc bị xóa trắng",
        description=(
            "Khi sổ thư đã gửi bị hỏng, các lệnh gửi thư từ chối chạy (để khỏi gửi lại thư đã\n"
            "gửi). Lệnh này chuyển sổ hỏng sang một bản «ntm-excel.sqlite3.hong-…» rồi lập sổ\n"
            "mới; các việc theo ngày, theo tuần đã qua giờ chạy hôm nay được coi là đã chạy\n"
            "(không gửi lại). Thư lỗi đang chờ gửi lại trong sổ cũ thì mất. Sổ không hỏng: không\n"
            "làm gì (mã thoát 1)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for sub in (run, once, renew):
        add_config_option(sub)
    for sub in (run, once):
        add_state_options(sub)
        add_mail_options(sub)
    add_state_options(renew, inbox=False)
    run.set_defaults(func=_run)
    once.set_defaults(func=_once)
    renew.set_defaults(func=_new_ledger)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)
