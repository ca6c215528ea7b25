"""How fast one commune workbook becomes a Submission.

Writes N sample submissions (the bundled set's layouts and formats, with other values) to a
temporary folder, then times `read_submission` over them: one process (overall and per
format, files per CPU second), and a process pool whose workers return the (small)
Submission records.

    .venv/bin/python bench/bench_read.py [--files 500] [--workers 2]

With `--corpus`, the files of a corpus that `bench_scale.py` generated instead (its
`corpus.json` and `cau_hinh.toml`): CPU per file of python-calamine merely loading every
sheet, of `read_workbook` (one pass, as `bench_scale.py read` counts it), their ratio (overall
and per format), and where the reader's time goes (each step timed where the reader calls it):

    .venv/bin/python bench/bench_read.py --corpus /tmp/ntm_scale/n250
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the sample generator
from support.samples import more_specs, write_sample  # noqa: E402

from ntm_excel.config import load_config
from ntm_excel.read.reader import read_submission  # noqa: E402
from ntm_excel.reference.catalog import load_catalog  # noqa: E402
from ntm_excel.reference.registry import load_registry  # noqa: E402

_context = None


def _init(registry, indicators) -> None:
    global _context
    _context = (registry, indicators)


def _read(path: Path):
    return read_submission(path, *_context)


def _cpu_rate(paths: list[Path], registry, indicators) -> float:
    """Files per CPU second of `read_submission` over `paths`."""
    cpu = time.process_time()
    for path in paths:
        read_submission(path, registry, indicators)
    return len(paths) / max(time.process_time() - cpu, 1e-9)


# The reader's steps, as (module, attribute) where `read_workbook` looks them up.
_STEPS = {
    "sniff": ("ntm_excel.read.reader", "sniff"),
    "load_grids": ("ntm_excel.read.reader", "load_grids"),
    "legacy": ("ntm_excel.read.reader", "_convert_legacy"),
    "locate_header": ("ntm_excel.read.reader", "locate_header"),
    "identify_unit": ("ntm_excel.read.reader", "identify_unit"),
    "table": ("ntm_excel.read.table", "TableReader.read"),
    "roadmap": ("ntm_excel.read.reader", "read_roadmap"),
    "report_date": ("ntm_excel.read.reader", "report_date"),
}


def _timed_steps(spent: Counter) -> None:
    """Wrap each step so that its CPU time adds up in `spent` (outermost call only)."""
    import importlib

    inside = [False]
    for label, (module, name) in _STEPS.items():
        owner = importlib.import_module(module)
        *path, attribute = name.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, attribute)

        def step(*args, _original=original, _label=label, **kwargs):
            if inside[0]:
                return _original(*args, **kwargs)
            inside[0] = True
            started = time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.process_time() - started
                inside[0] = False

        setattr(owner, attribute, step)


def corpus(folder: Path, province: str, phases: bool) -> None:
    """Floor and reader, CPU per file, over a generated corpus (see the module docstring)."""
    import json

    from python_calamine import CalamineWorkbook

    from ntm_excel.read.reader import read_workbook
    from ntm_excel.vocabulary import load_vocabulary

    settings = load_config(folder / "cau_hinh.toml")
    registry = load_registry(settings.registry)
    indicators = load_catalog(settings.catalog).resolve(settings.catalog_set, province)
    vocabulary = load_vocabulary(settings.vocabulary)
    paths = [Path(p) for p in json.loads((folder / "corpus.json").read_text())["files"]]

    floors: Counter = Counter()
    for path in paths:
        cpu = time.process_time()
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
        book.close()
        floors[path.suffix] += time.process_time() - cpu
    floor = sum(floors.values()) / len(paths) * 1000

    spent: Counter = Counter()
    if phases:
        _timed_steps(spent)
    readers: Counter = Counter()
    for path in paths:
        cpu = time.process_time()
        read_workbook(path, registry, indicators, vocabulary)
        readers[path.suffix] += time.process_time() - cpu
    ours = sum(readers.values()) / len(paths) * 1000
    print(
        f"{len(paths)} tệp: calamine {floor:.2f} ms/tệp, ntm-excel {ours:.2f} ms/tệp "
        f"(CPU, một lượt), gấp {ours / floor:.1f} lần"
    )
    counts = Counter(path.suffix for path in paths)
    for suffix, count in sorted(counts.items()):
        mine, theirs = readers[suffix] / count * 1000, floors[suffix] / count * 1000
        print(
            f"  {suffix:6} ({count} tệp): calamine {theirs:.2f}, ntm-excel {mine:.2f} ms/tệp, "
            f"gấp {mine / max(theirs, 1e-9):.1f} lần"
        )
    if phases:
        steps = ", ".join(f"{k} {v / len(paths) * 1000:.2f}" for k, v in spent.most_common())
        rest = ours - sum(spent.values()) / len(paths) * 1000
        print(f"  ms/tệp: {steps}, còn lại {rest:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--corpus", type=Path, help="a folder bench_scale.py generated")
    parser.add_argument("--province", default="Nghệ An", help="with --corpus: its province")
    parser.add_argument("--no-phases", action="store_true", help="with --corpus: no breakdown")
    args = parser.parse_args()
    if args.corpus:
        return corpus(args.corpus, args.province, not args.no_phases)
    registry = load_registry(load_config().registry)
    indicators = load_catalog(load_config().catalog).resolve("xa_2016_2020", "Hà Tĩnh")
    rounds = -(-args.files // 20)
    specs = more_specs(rounds)[: args.files]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        paths = [write_sample(Path(folder) / name, spec) for name, spec in specs]
        written = time.perf_counter() - started
        formats = Counter(path.suffix for path in paths)
        size = sum(path.stat().st_size for path in paths) / len(paths) / 1024
        print(f"{len(paths)} tệp ({dict(formats)}, trung bình {size:.0f} KB), ghi {written:.1f} s")

        for path in paths[:20]:  # warm the caches, as a long-running worker would be
            read_submission(path, registry, indicators)
        wall, cpu = time.perf_counter(), time.process_time()
        results = [read_submission(path, registry, indicators) for path in paths]
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        legacy = sum(1 for submission, _ in results if submission and submission.encoding)
        print(
            f"1 tiến trình: {len(paths) / wall:.0f} tệp/s theo đồng hồ, "
            f"{len(paths) / cpu:.0f} tệp/s theo CPU ({legacy} tệp mã cũ TCVN3/VNI)"
        )
        plain = [p for p, (s, _) in zip(paths, results, strict=True) if s and not s.encoding]
        print(f"  chỉ tệp Unicode: {_cpu_rate(plain, registry, indicators):.0f} tệp/s theo CPU")
        for suffix in sorted(formats):
            same = [path for path in paths if path.suffix == suffix]
            rate = _cpu_rate(same, registry, indicators)
            print(f"  {suffix:6} ({len(same)} tệp): {rate:.0f} tệp/s theo CPU")

        started = time.perf_counter()
        with ProcessPoolExecutor(
            args.workers, initializer=_init, initargs=(registry, indicators)
        ) as pool:
            pooled = list(pool.map(_read, paths, chunksize=25))
        elapsed = time.perf_counter() - started
        assert [s.sha256 if s else None for s, _ in pooled] == [
            s.sha256 if s else None for s, _ in results
        ]
        print(f"{args.workers} tiến trình: {len(paths) / elapsed:.0f} tệp/s (kể cả khởi động)")


if __name__ == "__main__":
    main()
