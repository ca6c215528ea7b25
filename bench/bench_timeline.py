"""Where the wall time of one `ntm-excel consolidate` goes: its phases and its idle cores.

    .venv/bin/python bench/bench_timeline.py -- consolidate /tmp/ntm_scale/n10000/nop \\
        --config /tmp/ntm_scale/n10000/cau_hinh.toml --as-of 2021-03-25 -o /tmp/t/tong_hop.xlsx \\
        --feedback-dir /tmp/t/gop_y --csv-dir /tmp/t/csv        # NTM_STATE_DIR as wanted

Runs the command in this process with its phases timed (wall, and CPU of the thread that ran
them) and, every 0.1 s, the CPU of this process and of its child processes and how many of
their threads are runnable. Prints the phases, the CPU of this process and of its children
between the phases' marks, and the core-seconds during which fewer than two threads of the
run could use a core: the time a second core had nothing of ours to do (on this 2-core
machine). Other processes' load makes the seconds longer, not the idle share.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import threading
import time

CLOCK = os.sysconf("SC_CLK_TCK")
PHASES = (  # module, attribute: what is timed
    ("ntm_excel.check.consolidate", "load_registry"),
    ("ntm_excel.check.consolidate", "list_submissions"),
    ("ntm_excel.history", "History.hash_files"),
    ("ntm_excel.check.record", "_judged_before"),
    ("ntm_excel.check.record", "read_files"),
    ("ntm_excel.check.record", "Reading.keep"),
    ("ntm_excel.check.consolidate", "_record"),
    ("ntm_excel.check.consolidate", "history_view"),
    ("ntm_excel.write.outputs", "start_feedback"),
    ("ntm_excel.write.master", "master_sheets.write_all"),
    ("ntm_excel.write.master_sheets", "write_summary"),
    ("ntm_excel.write.master_sheets", "write_by_province"),
    ("ntm_excel.write.master_sheets", "write_by_district"),
    ("ntm_excel.write.master_sheets", "write_matrix"),
    ("ntm_excel.write.master_sheets", "write_detail"),
    ("ntm_excel.write.master_sheets", "write_tasks"),
    ("ntm_excel.write.master_sheets", "write_submissions"),
    ("ntm_excel.write.master_sheets", "write_issues"),
    ("ntm_excel.write.master", "history_sheets.write_all"),
    ("ntm_excel.write.master", "MasterWorkbook.close"),
    ("ntm_excel.write.feedback", "FeedbackMaking.stage"),
    ("ntm_excel.atomic", "Generation.commit"),
)


def _stat(path: str) -> list[str] | None:
    try:
        with open(path) as file:
            return file.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _runnable(pid: int) -> int:
    """Threads of `pid` running or waiting for a core."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    return sum(1 for t in tasks if (_stat(f"/proc/{pid}/task/{t}/stat") or ["S"])[0] == "R")


class Sampler(threading.Thread):
    """CPU seconds of this process and of its children (summed over their lives), and the
    runnable threads of both (this one left out), every 0.1 s."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float, float, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        me, seen, children = os.getpid(), {}, 0.0
        while not self.stop.is_set():
            mine = _stat(f"/proc/{me}/stat")
            kids = {}
            for name in os.listdir("/proc"):
                fields = _stat(f"/proc/{name}/stat") if name.isdigit() else None
                if fields and int(fields[1]) == me:
                    kids[int(name)] = (int(fields[11]) + int(fields[12])) / CLOCK
            children += sum(cpu - seen.get(pid, 0.0) for pid, cpu in kids.items())
            seen.update(kids)
            runnable = _runnable(me) - 1 + sum(_runnable(pid) for pid in kids)
            cpu = (int(mine[11]) + int(mine[12])) / CLOCK
            self.samples.append((time.monotonic(), cpu, children, runnable))
            time.sleep(0.1)


def _timed(events: list, label: str, function):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        start, cpu = time.monotonic(), time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            events.append((label, start, time.monotonic(), time.thread_time() - cpu))

    return timed


def main() -> None:
    argv = sys.argv[1:]
    argv = argv[1:] if argv[:1] == ["--"] else argv
    sampler, events = Sampler(), []
    start = time.monotonic()
    sampler.start()
    from ntm_excel.cli import main as cli_main
    from ntm_excel.cli import openpyxl_without_numpy

    openpyxl_without_numpy()  # as the program does

    for module, attribute in PHASES:
        owner = importlib.import_module(module)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        setattr(owner, name, _timed(events, attribute, getattr(owner, name)))
    code = cli_main(argv)
    sampler.stop.set()
    sampler.join()
    end = time.monotonic()
    samples = sampler.samples

    def at(moment: float) -> tuple:
        return max((s for s in samples if s[0] <= moment), default=samples[0])

    print(f"\n{'phase':<28} {'from':>7} {'to':>7} {'wall':>6} {'cpu':>6}")
    for label, begun, ended, cpu in sorted(events, key=lambda e: e[1]):
        times = f"{begun - start:7.2f} {ended - start:7.2f} {ended - begun:6.2f} {cpu:6.2f}"
        print(f"{label:<28} {times}")
    marks = sorted({start, *(e[1] for e in events), *(e[2] for e in events), end})
    print(f"\n{'from':>7} {'to':>7}  this process  children  idle core-s")
    idle_total = 0.0
    for first, last in zip(marks, marks[1:], strict=False):
        if last - first < 0.3:
            continue
        a, b = at(first), at(last)
        inside = [s for s in samples if first <= s[0] < last]
        idle = sum(
            max(0, 2 - s[3]) * (n[0] - s[0]) for s, n in zip(inside, inside[1:], strict=False)
        )
        idle_total += idle
        print(
            f"{first - start:7.2f} {last - start:7.2f}  {b[1] - a[1]:12.2f}  {b[2] - a[2]:8.2f}"
            f"  {idle:11.2f}"
        )
    last = samples[-1]
    print(
        f"\nwall {end - start:.2f} s, CPU {last[1]:.2f} s here + {last[2]:.2f} s in children, "
        f"{idle_total:.2f} core-seconds with fewer than two runnable threads; exit code {code}"
    )


if __name__ == "__main__":
    main()
