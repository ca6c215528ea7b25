"""`ntm-excel history`: the submission history kept in the state folder — completeness and
timeliness per period, a unit's versions, what changed; `history export` gives back a file
exactly as it was received, `history backup` copies the whole store into one file."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from ntm_excel.cli.common import (
    add_as_of_option,
    add_config_option,
    add_force_option,
    add_registry_option,
    add_state_options,
    fail,
    print_table,
    refused,
    settings_from,
    unit_named,
)

DESCRIPTION = """\
Lịch sử nộp báo cáo ghi trong thư mục trạng thái (mỗi lần «consolidate», «digest», «jobs»):
  • không có tùy chọn: mỗi kỳ báo cáo có bao nhiêu đơn vị phải nộp, đã nộp, đúng hạn,
    muộn, chưa nộp, và tiến độ đến mục tiêu của kế hoạch;
  • --period KỲ: từng đơn vị trong một kỳ;   --unit ĐƠN_VỊ: mọi bản nộp của một đơn vị;
  • --changes: điều gì thay đổi giữa hai bản nộp gần nhất của mỗi đơn vị.
  • history export MÃ_HOẶC_TÊN: lấy lại một tệp đã nhận, đúng từng byte;
  • history backup TỆP: sao lưu cả kho vào một tệp (chạy được cả khi bộ lập lịch đang chạy)."""


USAGE = (  # after argparse's «Cách dùng: » (11 characters)
    "ntm-excel history [--unit ĐƠN_VỊ] [--period KỲ] [--changes] [--as-of NGÀY]\n"
    + " " * 29
    + "[--state-dir THƯ_MỤC] [--config TỆP] [--registry TỆP]\n"
    + " " * 11
    + "ntm-excel history export MÃ_HOẶC_TÊN [-o ĐÍCH] [--force] [--state-dir THƯ_MỤC]\n"
    + " " * 11
    + "ntm-excel history backup TỆP [--force] [--state-dir THƯ_MỤC]"
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "history",
        help="lịch sử nộp: tình hình theo kỳ, các bản nộp, thay đổi; lấy lại tệp đã nhận",
        description=DESCRIPTION,
        usage=USAGE,  # argparse would show the optional sub-command as if it were required
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--unit", metavar="ĐƠN_VỊ", help="một đơn vị (tên hoặc mã)")
    parser.add_argument(
        "--period", metavar="KỲ", help="một kỳ báo cáo: 2021-03, 3/2021, 2021-Q1 hoặc tên kỳ"
    )
    parser.add_argument(
        "--changes", action="store_true", help="thay đổi so với bản nộp trước của mỗi đơn vị"
    )
    add_as_of_option(parser, "ngày báo cáo của lần tổng hợp gần nhất")
    add_state_options(parser, inbox=False)
    add_config_option(parser)
    add_registry_option(parser)
    parser.set_defaults(func=run)
    actions = parser.add_subparsers(
        title="Lệnh con (không bắt buộc)",
        metavar="{export,backup}",
        dest="action",
        prog="ntm-excel history",  # not the whole usage above, which lists both forms
    )
    export = actions.add_parser(
        "export",
        help="lấy lại một tệp đã nhận, đúng như khi nhận",
        description="Ghi lại một tệp trong kho lưu trữ, giống hệt từng byte tệp đã nhận.",
    )
    export.add_argument(
        "key",
        metavar="MÃ_HOẶC_TÊN",
        help="mã kiểm tra của tệp (ít nhất 6 ký tự đầu, như ở trang «Tình hình nộp báo cáo») "
        "hoặc tên tệp khi nhận",
    )
    export.add_argument(
        "-o",
        "--output",
        metavar="ĐÍCH",
        help="tệp hoặc thư mục để ghi (mặc định: tên tệp khi nhận, trong thư mục đang chạy lệnh)",
    )
    add_force_option(export)
    add_state_options(export, inbox=False)
    add_config_option(export)
    export.set_defaults(func=run_export)
    backup = actions.add_parser(
        "backup",
        help="sao lưu cả kho trạng thái vào một tệp",
        description="Chép toàn bộ kho trạng thái (lịch sử nộp, sổ thư đã gửi) vào một tệp, "
        "nhất quán kể cả khi một tiến trình khác đang ghi.",
    )
    backup.add_argument("target", metavar="TỆP", help="tệp sao lưu cần ghi")
    add_force_option(backup)
    add_state_options(backup, inbox=False)
    add_config_option(backup)
    backup.set_defaults(func=run_backup)


def _open(args: argparse.Namespace):
    from ntm_excel.history import History

    return History(settings_from(args).state_dir, create=False)


def run_export(args: argparse.Namespace) -> int:
    from ntm_excel.atomic import atomic_path

    with _open(args) as history:
        found = history.find(args.key)
        digests = {f.sha256 for f in found}
        if not found:
            fail(f"Không có tệp nào mã hoặc tên «{args.key}» trong kho lưu trữ.")
            return 2
        if len(digests) > 1:
            print(f"«{args.key}» ứng với {len(digests)} tệp khác nhau; hãy ghi mã kiểm tra:")
            print_table(
                ["Mã kiểm tra", "Tên khi nhận", "Nhận lúc", "Cỡ (byte)"],
                [[f.sha256[:12], f.name, _when(f.received), str(f.size)] for f in found],
            )
            return 2
        chosen = found[0]
        data = history.content(chosen.sha256)
    target = Path(args.output or chosen.name)
    if target.is_dir():
        target = target / chosen.name
    if refused([target], args.force):
        return 2
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    print(
        f"Đã ghi {target} ({len(data)} byte, mã kiểm tra {chosen.sha256[:12]}), đúng như tệp "
        f"«{chosen.name}» nhận lúc {_when(chosen.received)}."
    )
    return 0


def run_backup(args: argparse.Namespace) -> int:
    with _open(args) as history:
        target = Path(args.target)
        if target.exists() and target.resolve() == Path(history.path).resolve():
            fail(f"{target} là chính kho trạng thái; hãy chọn tệp khác.")
            return 2
        if refused([target], args.force):
            return 2
        target = history.backup(target)
    print(f"Đã sao lưu kho trạng thái {history.path} vào {target}.")
    return 0


def _when(moment) -> str:
    from ntm_excel.config import VIETNAM_TIME

    return f"{moment.astimezone(VIETNAM_TIME):%d/%m/%Y %H:%M}"


def _find_period(view, text: str):
    """The view's period written as its key, its label, or "3/2021", "03/2021"."""
    wanted = text.strip().casefold()
    for period in view.periods:
        month = f"{period.start.month}/{period.start.year}"
        if wanted in (period.key.casefold(), period.label.casefold(), month, "0" + month):
            return period
    known = ", ".join(p.key for p in view.periods) or "chưa có kỳ nào"
    fail(f"Không có kỳ «{text}» trong lịch sử (các kỳ: {known}).")
    return None


def run(args: argparse.Namespace) -> int:
    from ntm_excel.check.progress import history_view
    from ntm_excel.periods import config_calendar
    from ntm_excel.reference.plan import load_plan
    from ntm_excel.reference.registry import load_registry

    config = settings_from(args)
    registry = load_registry(args.registry or config.data_file("registry"))
    try:
        targets = load_plan(config.data_file("plan")).targets
    except ValueError:  # the history is shown without the plan's targets
        targets = ()
    unit = None
    if args.unit and (unit := unit_named(registry, args.unit)) is None:
        return 2
    with _open(args) as history:
        runs = history.consolidations()
        # the report date of the last consolidation that finished: a store kept for 2021 is not
        # shown up to today with every month since empty, nor up to a mistyped year
        finished = [run for run in runs if run.finished] or runs
        as_of = args.as_of or (finished[-1].as_of if finished else date.today())
        view = history_view(
            history, registry.units, config_calendar(config), as_of, targets=targets
        )
        period = None
        if args.period and (period := _find_period(view, args.period)) is None:
            return 2
        if args.changes:
            _print_changes(history, view, unit)
        elif unit is not None:
            _print_unit(view, unit, period)
        elif period is not None:
            _print_period(view, period)
        else:
            _print_periods(view, history)
    return 0


def _print_periods(view, history) -> None:
    from ntm_excel.check.progress import version_day

    versions = sum(len(u.versions) for u in view.units)
    print(
        f"Lịch sử nộp đến ngày {view.as_of:%d/%m/%Y} ({history.path}): {view.archived} tệp lưu "
        f"trữ, {versions} bản nộp của {len(view.units)} đơn vị phải nộp; "
        f"{view.calendar.describe()}."
    )
    print()
    rows = []
    for f in view.figures:
        rate = f"{f.rate(f.received):.0%}" if f.expected else "—"
        rows.append(
            [
                f.period.label, f"{f.period.due:%d/%m/%Y}", str(f.expected), str(f.received),
                str(f.on_time), str(f.late), str(f.missing), str(f.pending), rate,
                str(f.communes_meeting), str(f.criteria_met),
            ]
        )  # fmt: skip
    print_table(
        ["Kỳ", "Hạn nộp", "Phải nộp", "Đã nộp", "Đúng hạn", "Muộn", "Chưa nộp", "Chưa đến hạn",
         "Tỷ lệ nộp", "Xã đạt đủ TC", "Tổng TC đạt"],
        rows,
        right=range(2, 11),
    )  # fmt: skip
    if view.targets:
        print("\nMục tiêu của kế hoạch:")
        for target in view.targets:
            due = f" — hạn {target.deadline:%d/%m/%Y}" if target.deadline else ""
            now = f"{target.current if target.current is not None else '?'}/{target.goal or '?'}"
            left = ""
            if target.days_left is not None:
                left = f", còn {target.days_left} ngày" if target.days_left >= 0 else ", đã quá hạn"
            state = "đạt" if target.met else "chưa đạt"
            print(f"  {target.text}{due}: {now} {target.noun} ({state}{left})")
    if view.changes:
        latest = max(view.changes, key=lambda c: version_day(c.after))
        print(
            f"\n{len(view.changes)} đơn vị đã gửi bản mới (gần nhất: {latest.unit.name}); xem "
            "«ntm-excel history --changes»."
        )


def _print_period(view, period) -> None:
    from ntm_excel.check.progress import STANDING_LABELS

    index = view.periods.index(period)
    f = view.figures[index]
    print(
        f"{period.label} ({period.start:%d/%m/%Y}–{period.end:%d/%m/%Y}, hạn nộp "
        f"{period.due:%d/%m/%Y}): {f.received}/{f.expected} đã nộp ({f.on_time} đúng hạn, "
        f"{f.late} muộn), {f.missing} chưa nộp, {f.pending} chưa đến hạn"
    )
    print()
    rows = []
    for history in view.units:
        cell = history.periods[index]
        latest = cell.latest
        rows.append(
            [
                history.unit.code,
                history.unit.name,
                STANDING_LABELS[cell.standing],
                f"{cell.first_day:%d/%m/%Y}" if cell.first_day else "",
                str(len(cell.versions)) if cell.versions else "",
                latest.name if latest else "",
                latest.sha256[:12] if latest else "",
                f"{latest.criteria_met}/{latest.criteria_total}" if latest else "",
            ]
        )
    print_table(
        ["Mã", "Đơn vị", "Tình trạng", "Ngày nộp", "Số bản", "Tệp dùng (bản mới nhất)",
         "Mã kiểm tra", "Tiêu chí đạt"],
        rows,
    )  # fmt: skip


def _print_unit(view, unit, period) -> None:
    from ntm_excel.check.progress import STANDING_LABELS, version_day

    found = next((u for u in view.units if u.unit.code == unit.code), None)
    versions = found.versions if found else []
    if period is not None:
        versions = [v for v in versions if version_day(v) in period]
    where = f" trong {period.label}" if period else ""
    print(f"{unit.name} (mã {unit.code}): {len(versions)} bản nộp{where}")
    if found is not None:
        standing = ", ".join(
            f"{c.period.label}: {STANDING_LABELS[c.standing].lower()}"
            for c in found.periods
            if period is None or c.period == period
        )
        print(f"Theo kỳ — {standing}")
    if not versions:
        return
    print()
    print_table(
        ["Ngày nộp", "Nhận lúc", "Tệp", "Mã kiểm tra", "Tiêu chí đạt", "Lỗi", "Cảnh báo"],
        [
            [
                f"{version_day(v):%d/%m/%Y}",
                _when(v.received),
                v.name,
                v.sha256[:12],
                f"{v.criteria_met}/{v.criteria_total}",
                str(v.errors),
                str(v.warnings),
            ]  # fmt: skip
            for v in versions
        ],
    )


def _print_changes(history, view, unit) -> None:
    from ntm_excel.check.progress import unit_change, version_day
    from ntm_excel.model import STATUS_LABELS

    changes = view.changes
    if unit is not None:
        found = next((u for u in view.units if u.unit.code == unit.code), None)
        versions = found.versions if found else []
        changes = (
            [unit_change(history, unit, versions[-2] if len(versions) > 1 else None, versions[-1])]
            if versions
            else []
        )
    if not changes:
        print("Chưa đơn vị nào có hai bản nộp để so sánh.")
        return
    for change in changes:
        before, after = change.before, change.after
        start = f"«{before.name}» ({version_day(before):%d/%m/%Y}) → " if before else ""
        print(f"{change.unit.name}: {start}«{after.name}» ({version_day(after):%d/%m/%Y})")
        print(f"  {change.summary()}")
        for item in change.changes:
            if item.kind == "criterion":
                print(
                    f"  Tiêu chí {item.code}. {item.label}: {STATUS_LABELS[item.before_status]}"
                    f" → {STATUS_LABELS[item.after_status]}"
                )
            elif item.kind == "indicator":
                moved = ""
                old, new = item.before_status, item.after_status
                if old and new and old is not new:
                    moved = f" ({STATUS_LABELS[old]} → {STATUS_LABELS[new]})"
                label = item.label if len(item.label) <= 60 else item.label[:59] + "…"
                print(
                    f"  Chỉ tiêu {item.code} {label}: {item.before or '(trống)'} → "
                    f"{item.after or '(trống)'}{moved}"
                )
            else:
                print(f"  Việc đã hoàn thành: {item.label}")
        print()
