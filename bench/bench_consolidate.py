"""Consolidation throughput on generated submissions: serial reading vs 2 worker processes.

    .venv/bin/python bench/bench_consolidate.py [--sizes 250 2500] [--workdir DIR]

A few distinct workbooks are written with `support.samples` (formats and layouts vary), then
copied to N files named after the N units of a synthetic registry ("900001.xlsx" …), so that
every file is read in full and matched to its own unit. Prints, per size and mode, the
seconds spent reading, the seconds the parent then spends validating and assembling, files
per second and the
peak memory of the parent and of the worker processes.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the sample generator
from support.samples import SampleSpec, write_sample  # noqa: E402

from ntm_excel.check.consolidate import consolidate  # noqa: E402
from ntm_excel.config import load_config
from ntm_excel.model import Unit  # noqa: E402
from ntm_excel.reference.catalog import load_catalog  # noqa: E402
from ntm_excel.reference.registry import Registry  # noqa: E402

SET = "xa_2016_2020"
LAYOUTS = [
    {},
    {"header": "split_threshold", "merged_criteria": True, "code_style": "in_text"},
    {"format": "xls", "code_style": "words", "group_rows": True},
    {"header": "split_value", "column_numbers": True, "code_style": "trailing_dot"},
    {"value_styles": ("number", "percent_text"), "assessment_variants": True},
    {"format": "ods", "merged_criteria": True, "criterion_column": True},
    {"columns": ("no", "text", "value", "threshold", "assessment", "note"), "code_style": "tc"},
    {"format": "xlsm", "blank_rows": True, "contradictions": ("14.2",)},
    {"value_styles": ("percent_format", "number"), "not_met": ("16",)},
    {"format": "xls", "title_rows": 9, "column_numbers": True, "blank_values": ("10",)},
]


def registry_of(size: int) -> Registry:
    units = [
        Unit(
            str(900001 + i),
            f"Xã Thử Nghiệm Số {i + 1}",
            "xã",
            "Huyện Thử",
            "Hà Tĩnh",
            "Bắc Trung Bộ",
            target_level="đạt chuẩn",
        )
        for i in range(size)
    ]
    return Registry(units)


def templates(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    base = SampleSpec(unit_code="900000", unit_name="Xã Mẫu", unit_style="file_name")
    written = []
    for index, layout in enumerate(LAYOUTS):
        spec = replace(base, seed=index + 1, **layout)
        written.append(write_sample(folder / f"mau_{index}.{spec.format}", spec))
    return written


def batch(folder: Path, sources: list[Path], registry: Registry) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index, unit in enumerate(registry.units):
        source = sources[index % len(sources)]
        shutil.copyfile(source, folder / f"{unit.code}{source.suffix}")
    return folder


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def run(size: int, workdir: Path, sources: list[Path], catalog) -> None:
    registry = registry_of(size)
    folder = batch(workdir / f"n{size}", sources, registry)
    for workers in (1, 2):
        read_at: list[float] = []
        start = time.perf_counter()
        result = consolidate(
            [folder],
            catalog=catalog,
            registry=registry,
            catalog_set=SET,
            as_of=date(2021, 3, 15),
            workers=workers,
            progress=lambda done, total, marks=read_at: marks.append(time.perf_counter()),
        )
        total = time.perf_counter() - start
        reading = read_at[-1] - start
        submitted = sum(1 for r in result.units if r.submitted)
        assert submitted == size, "every file must be read and matched to its unit"
        print(
            f"{size:>6} files  workers={workers}  read {reading:6.2f} s "
            f"({size / reading:6.0f} files/s)  validate+assemble {total - reading:5.2f} s  "
            f"total {total:6.2f} s "
            f"({size / total:6.0f} files/s)  peak RSS parent {peak_mb(resource.RUSAGE_SELF):.0f} MB"
            f", workers {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 2500])
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_consolidate_"))
    catalog = load_catalog(load_config().catalog)
    sources = templates(workdir / "mau")
    print(f"{len(sources)} distinct workbooks in {workdir}")
    for size in args.sizes:
        run(size, workdir, sources, catalog)
    if not args.workdir:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
