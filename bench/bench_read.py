"""How fast one commune workbook becomes a Submission.

Writes N sample submissions (the bundled set's layouts and formats, with other values) to a
temporary folder, then times `read_submission` over them: one process (overall and per
format, files per CPU second), and a process pool whose workers return the (small)
Submission records.

    .venv/bin/python bench/bench_read.py [--files 500] [--workers 2]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
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
