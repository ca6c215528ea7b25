"""Time write_master on synthetic consolidations: 250 communes and 10,000 units.

    .venv/bin/python bench/bench_master.py                 # both sizes, each in its own process
    .venv/bin/python bench/bench_master.py --units 250     # one size
    .venv/bin/python bench/bench_master.py --sample out.xlsx   # the realistic 23-unit master

Each size has 19 criteria / 49 indicators per unit and 20 tasks per unit (250 communes:
12,250 indicator rows, 5,000 tasks). Prints seconds, file size and the peak RSS of the process
(which includes building the consolidation).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ntm_excel.write.master import write_master  # noqa: E402
from tests.test_master import build_consolidation  # noqa: E402

SIZES = (250, 10_000)


def run(units: int) -> None:
    consolidation = build_consolidation(
        n_units=units, criteria=19, tasks_per_unit=20, all_submit=True
    )
    rows = sum(len(r.indicators) for r in consolidation.units)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "tong_hop.xlsx"
        start = time.perf_counter()
        write_master(consolidation, target)
        seconds = time.perf_counter() - start
        size = target.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{units:>6} units  {rows:>7,} indicator rows  {len(consolidation.tasks):>7,} tasks  "
        f"{len(consolidation.issues):>6,} issues  write {seconds:6.2f} s  "
        f"file {size / 1e6:6.2f} MB  peak RSS {peak:5.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, help="one size only")
    parser.add_argument("--sample", type=Path, help="write the realistic master here")
    args = parser.parse_args()
    if args.sample:
        print(write_master(build_consolidation(), args.sample))
    elif args.units:
        run(args.units)
    else:
        for units in SIZES:
            subprocess.run([sys.executable, __file__, "--units", str(units)], check=True)


if __name__ == "__main__":
    main()
