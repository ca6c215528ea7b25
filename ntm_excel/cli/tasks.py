"""Sub-command `tasks`: the plan's tasks and where each stands on a date."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from ntm_excel.check.figures import Figures
from ntm_excel.check.tasks import (
    assign_communes,
    concerns,
    duty_tasks,
    owner_issues,
    print_tasks,
    task_statuses,
)
from ntm_excel.cli.common import (
    add_as_of_option,
    add_config_option,
    config_from,
    fail,
    missing_paths,
)
from ntm_excel.cli.console import DataShown
from ntm_excel.errors import NtmError
from ntm_excel.model import TASK_STATE_LABELS, Consolidation, TaskState
from ntm_excel.reference.contacts import load_contacts
from ntm_excel.reference.plan import load_plan
from ntm_excel.reference.registry import load_registry
from ntm_excel.text import fold


def _window(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"số ngày «{text}» không hợp lệ, hãy ghi số nguyên ≥ 0")
    return value


ORDER = (TaskState.OVERDUE, TaskState.DUE_SOON, TaskState.ON_TRACK, TaskState.DONE)
STATES = {state: TASK_STATE_LABELS[state] for state in (*ORDER, TaskState.NO_DUE_DATE)}


def _state(text: str) -> TaskState:
    """A task state as typed: its Vietnamese words, with or without diacritics («quá hạn»,
    «qua han»), or its code (overdue)."""
    key = fold(text)
    for state, label in STATES.items():
        if key in (fold(label), fold(state.value)):
            return state
    words = ", ".join(f"«{label.lower()}»" for label in STATES.values())
    raise argparse.ArgumentTypeError(f"không hiểu tình trạng «{text}»; ghi một trong: {words}")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "tasks",
        help="liệt kê nhiệm vụ của kế hoạch và tình trạng thực hiện",
        description=(
            "Liệt kê nhiệm vụ của kế hoạch huyện: hạn, tình trạng, người phụ trách.\n"
            "Cho thêm tệp hoặc thư mục biểu của các xã thì liệt kê cả nhiệm vụ trong lộ trình "
            "của các xã."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="ĐƯỜNG_DẪN",
        help="biểu của các xã (tệp hoặc thư mục) để thêm nhiệm vụ trong lộ trình của các xã",
    )
    add_as_of_option(parser)
    parser.add_argument(
        "--owner",
        metavar="TÊN",
        help="chỉ nhiệm vụ của cán bộ, cơ quan, đoàn thể hay xã này (không cần dấu, chức vụ), "
        "ví dụ «Lê Ngọc Hà», «Hội Nông dân huyện», «Cẩm Thành»",
    )
    parser.add_argument(
        "--state",
        type=_state,
        metavar="TT",
        help="chỉ nhiệm vụ ở tình trạng này: "
        + ", ".join(f"«{label.lower()}» ({state.value})" for state, label in STATES.items())
        + "; có dấu hay không dấu đều được",
    )
    parser.add_argument(
        "--window",
        type=_window,
        metavar="N",
        help="còn không quá N ngày thì coi là sắp đến hạn (mặc định: theo cấu hình)",
    )
    parser.add_argument("--plan", metavar="TỆP", help="tệp kế hoạch (mặc định: theo cấu hình)")
    parser.add_argument(
        "--contacts", metavar="TỆP", help="tệp danh bạ cán bộ (mặc định: theo cấu hình)"
    )
    add_config_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if missing_paths(args.paths):  # a typo must not show every commune as missing its target
        return 2
    config = config_from(args)
    as_of = args.as_of or date.today()
    try:
        given = {"plan": args.plan, "contacts": args.contacts, "registry": None}
        config.require(*(key for key, path in given.items() if not path))
        plan = load_plan(args.plan or config.data_file("plan"))
        contacts = load_contacts(args.contacts or config.data_file("contacts"))
        units = load_registry(config.data_file("registry")).units
    except NtmError as exc:
        fail(f"không đọc được kế hoạch, danh bạ hoặc danh sách đơn vị: {exc}")
        return 2
    window = config.due_soon_days if args.window is None else args.window
    tasks, commune_issues = assign_communes([*plan.tasks, *duty_tasks(plan.duties, as_of)], units)
    unit_names, unit_criteria, read = {u.code: u.name for u in units}, {}, None
    if args.paths:
        from ntm_excel.check.consolidate import consolidate_from_config

        read = consolidate_from_config(args.paths, config, as_of, with_plan=False)
        tasks += [s.task for s in read.tasks if s.task.source == "unit"]
        unit_criteria = read.criteria_names
    _print_targets(plan.targets, read, as_of)
    statuses = task_statuses(tasks, as_of, window)
    if args.owner:
        statuses = [s for s in statuses if concerns(s.task, args.owner, contacts, units)]
    if args.state:
        statuses = [s for s in statuses if s.state == args.state]
    if statuses:
        print_tasks(
            statuses,
            DataShown(sys.stdout),
            criteria_names=plan.criteria_names,
            unit_criteria_names=unit_criteria,
            unit_names=unit_names,
        )
    else:
        print("Không có nhiệm vụ nào phù hợp.")
    people = [*plan.tasks, *(d.task for d in plan.duties)]
    for issue in (*plan.issues, *commune_issues, *owner_issues(people, contacts)):
        print(f"{issue.title}: {issue.message} [{issue.location}]", file=sys.stderr)
    return 0


def _print_targets(targets, read: Consolidation | None, as_of: date) -> None:
    """The plan's targets: deadline, days left, and progress when the communes' workbooks were
    given (otherwise there is nothing to count yet)."""
    if not targets:
        return
    consolidation = read or Consolidation(as_of, "", [], [], [])
    consolidation.targets = tuple(targets)
    print("Chỉ tiêu của kế hoạch:")
    for target in Figures.of(consolidation).targets():
        progress = target.progress if read is not None else "(cho thêm biểu của các xã để tính)"
        label = f"{target.code}. {target.text}" if target.code else target.text
        print(f"  {label} — hạn {target.deadline}, {target.when} — tiến độ: {progress}")
    print()
