"""Time write_master on synthetic consolidations: 250 communes and 10,000 units.

    .venv/bin/python bench/bench_master.py                 # both sizes, each in its own process
    .venv/bin/python bench/bench_master.py --units 250     # one size
    .venv/bin/python bench/bench_master.py --sample out.xlsx   # the realistic 23-unit master

Each size has 19 criteria / 49 indicators per unit and 20 tasks per unit (250 communes:
12,250 indicator rows, 5,000 tasks). 250 units are one district; 10,000 units are the first
10,000 communes of the country registry (their real districts and provinces, 660 districts
without their own workbook), so that the roll-up sheets are written too and the indicator
detail and the tasks go to CSV files (more than 50,000 rows each). Prints seconds, the size of
the master and of the CSV files beside it, and the peak RSS of the process (which includes
building the consolidation). "CSV children" is the CPU of the forked processes writing the
CSV files.
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
sys.path.insert(0, str(ROOT / "tests"))  # tests.test_master imports `support`

from ntm_excel.model import COMMUNE, DISTRICT, UnitReport  # noqa: E402
from ntm_excel.reference.registry import build_registry  # noqa: E402
from ntm_excel.write.master import write_master  # noqa: E402
from tests.test_master import build_consolidation  # noqa: E402

SIZES = (250, 10_000)
DISTRICT_SIZE = 250  # up to this many units the consolidation is one district's


def national(consolidation) -> None:
    """Give the synthetic units the names and places of the country's communes, in order."""
    country = build_registry()
    communes = [u for u in country.tier(COMMUNE) if u.kind == "xã"]
    for report, unit in zip(consolidation.units, communes, strict=False):
        report.unit = unit
    places = {(u.province, u.district) for u in communes[: len(consolidation.units)]}
    consolidation.districts = [
        UnitReport(u) for u in country.tier(DISTRICT) if (u.province, u.name) in places
    ]


def run(units: int) -> None:
    consolidation = build_consolidation(
        n_units=units, criteria=19, tasks_per_unit=20, all_submit=True
    )
    if units > DISTRICT_SIZE:
        national(consolidation)
    rows = sum(len(r.indicators) for r in consolidation.units)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "tong_hop.xlsx"
        start, cpu = time.perf_counter(), time.process_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        write_master(consolidation, target)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        beside = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        size = target.stat().st_size
        spilled = sum(p.stat().st_size for p in Path(folder).glob("*.csv"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{units:>6} units  {rows:>7,} indicator rows  {len(consolidation.tasks):>7,} tasks  "
        f"{len(consolidation.issues):>6,} issues  write {seconds:6.2f} s (CPU {cpu:5.2f} s, "
        f"CSV children {beside:5.2f} s)  "
        f"file {size / 1e6:6.2f} MB + CSV {spilled / 1e6:6.1f} MB  peak RSS {peak:5.0f} MB"
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
