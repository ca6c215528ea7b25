"""CPU per feedback workbook: the package edited directly (`feedback.edited_package`, the
list-only `feedback.list_package`) against openpyxl (`feedback.openpyxl_workbook`, load and
save), on the same reports and issues.

    .venv/bin/python bench/bench_feedback.py                         # the bundled samples
    .venv/bin/python bench/bench_feedback.py /tmp/ntm_scale/n250/nop \\
        --config /tmp/ntm_scale/n250/cau_hinh.toml --limit 300       # bench_scale.py's files

The folder is consolidated first (not timed); then each unit's feedback is made both ways,
in this process, CPU time (`time.process_time`) summed per format of the commune's file.
The checks both ways share (reading the file, sha256, `sniff`) are timed on their own. A
package the direct editor does not handle falls back to openpyxl: those are counted.
Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ntm_excel.check.consolidate import consolidate_from_config  # noqa: E402
from ntm_excel.check.figures import issues_by_unit  # noqa: E402
from ntm_excel.config import load_config  # noqa: E402
from ntm_excel.write import feedback  # noqa: E402
from ntm_excel.write.package import Unsupported  # noqa: E402


def _cpu(repeat: int, make, *args) -> tuple[float, object]:
    """CPU seconds of one `make(*args)`, the mean of `repeat`, and what it made."""
    start = time.process_time()
    for _ in range(repeat):
        made = make(*args)
    return (time.process_time() - start) / repeat, made


def _openpyxl(report, issues, data, why) -> bytes:
    return feedback._saved(feedback.openpyxl_workbook(report, issues, data, why))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "workbooks" / "mau_nop"))
    parser.add_argument("--config", default=None)
    parser.add_argument("--limit", type=int, default=300, help="units at most")
    parser.add_argument("--repeat", type=int, default=3, help="times each workbook is made")
    args = parser.parse_args()

    config = load_config(args.config) if args.config else load_config()
    consolidation = consolidate_from_config([Path(args.folder)], config, date(2021, 3, 25))
    by_unit = issues_by_unit(consolidation.issues)
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0])  # checks, fast, opx
    fallbacks: dict[str, int] = defaultdict(int)
    why_fallback: dict[str, int] = defaultdict(int)
    units = 0
    for report in consolidation.units:
        issues = feedback.feedback_issues(report, by_unit.get(report.unit.code, []))
        if not issues or units >= args.limit:
            continue
        units += 1
        source = Path(report.submission.path)
        suffix = source.suffix.lower()
        checks, (data, sniffed, why) = _cpu(
            args.repeat, feedback._checked, source, report.submission.sha256
        )
        editable = suffix in feedback.EDITABLE and sniffed and sniffed.kind == suffix[1:]
        kind = suffix.lstrip(".") if editable else f"{suffix.lstrip('.')} (list only)"
        if editable:
            try:
                fast, _ = _cpu(args.repeat, feedback.edited_package, report, issues, data, sniffed)
            except Unsupported as exc:
                fallbacks[kind] += 1
                why_fallback[str(exc).split(":")[-1].strip()[:60]] += 1
                fast = float("nan")
        else:
            fast, _ = _cpu(args.repeat, feedback.list_package, report, issues, why)
            data = None
        slow, _ = _cpu(args.repeat, _openpyxl, report, issues, data, why)
        total = totals[kind]
        total[0] += checks
        total[1] += fast if fast == fast else 0.0
        total[2] += slow
        total[3] += 1

    print(
        f"{units} feedback workbooks from {args.folder} (CPU ms per workbook, {args.repeat} runs)"
    )
    print(f"{'format':<22}{'files':>6}{'checks':>9}{'direct':>9}{'openpyxl':>10}{'speed-up':>10}")
    for kind, (checks, fast, slow, count) in sorted(totals.items()):
        done = count - fallbacks[kind]
        per_fast = fast / done * 1000 if done else float("nan")
        per_slow = slow / count * 1000
        print(
            f"{kind:<22}{count:>6}{checks / count * 1000:>9.2f}{per_fast:>9.2f}{per_slow:>10.2f}"
            f"{per_slow / per_fast:>9.1f}×"
        )
    all_count = sum(t[3] for t in totals.values())
    all_fast = sum(t[1] for t in totals.values()) / max(1, all_count - sum(fallbacks.values()))
    all_slow = sum(t[2] for t in totals.values()) / max(1, all_count)
    all_checks = sum(t[0] for t in totals.values()) / max(1, all_count)
    print(
        f"{'all':<22}{all_count:>6}{all_checks * 1000:>9.2f}{all_fast * 1000:>9.2f}"
        f"{all_slow * 1000:>10.2f}"
    )
    print(f"fell back to openpyxl: {sum(fallbacks.values())} {dict(why_fallback)}")


if __name__ == "__main__":
    main()
