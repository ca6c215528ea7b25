"""ntm-excel at a province's and the country's scale, side by side with the floor and a naive
script: the six figures of issue 13.

    .venv/bin/python bench/bench_scale.py                       # 250 and 10,000 files, 3 runs
    .venv/bin/python bench/bench_scale.py --sizes 250 --runs 1  # a quick look
    .venv/bin/python bench/bench_scale.py --workdir /tmp/scale  # keep the generated files

What is generated (once per work folder, then reused): a registry built with the real
command (`ntm-excel registry build --province "Nghệ An"` for 250 files, `--country` for
10,000), a configuration naming it, and one submission per unit (the first 250 communes of
Nghệ An; the first 10,000 communes of the country, «xã» first), each a distinct workbook of
`tests/support/samples.py`: the 20 layouts and formats of the bundled samples (.xlsx, .xlsm,
.xls, .ods, TCVN3/VNI text, split headings, merged cells, numbering styles, roadmap
sheets…) with their faults, the unit's own name and district in the title block, other
values (seeded by the unit's code), one folder per province and district. A 2,500-file
subset of the 10,000 (hard links) serves the re-run figure.

What is timed, each command as a whole process under `/usr/bin/time -v` (wall, user + system
CPU, peak resident memory of the largest process), median of `--runs` runs:

- the floor: python-calamine merely loading every sheet of every file (one process);
- ntm-excel reading the same files in one process (`read_workbook`), CPU per file;
- the ingest through the real command (`ntm-excel validate`) with 1 and 2 worker processes;
- `ntm-excel consolidate` end to end, with the history store (a fresh state folder) and
  with `--no-history`; at 2,500 files, the re-run after one changed file;
- the naive pipeline: pandas + openpyxl read each workbook, find the table by its heading
  row, concatenate, write one .xlsx (250 files only: at 10,000 it would take most of an hour).

Nothing here asserts a time; the figures are printed, and recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the sample generator

BIN = Path(sys.executable).parent
NTM = [str(BIN / "ntm-excel")]
if not (BIN / "ntm-excel").exists():
    NTM = [sys.executable, "-m", "ntm_excel"]
AS_OF = "2021-03-25"
SUBSET = 2500  # files of the re-run figure (a subset of the 10,000)
PROVINCE = "Nghệ An"
TIME = "/usr/bin/time"


# --- The files ------------------------------------------------------------------------


def _layouts():
    """The bundled samples' specs: 20 layouts and formats, each with its faults."""
    from support.samples import bundled_specs

    specs = [spec for _, spec in bundled_specs()]
    defaults = {"sheet_name": "Biểu tự đánh giá", "roadmap_sheet": "Lộ trình"}
    return [  # the cluster's sheets are named after its communes: plain names here
        replace(spec, **defaults) if "Cẩm" in spec.sheet_name + (spec.roadmap_sheet or "") else spec
        for spec in specs
    ]


def _spec(index: int, unit, layouts):
    """The sample of the `index`-th unit: a layout of the bundled samples, the unit's own
    name, district and province, other values."""
    from support.samples import SampleSpec

    template: SampleSpec = layouts[index % len(layouts)]
    kind, _, short = unit.name.partition(" ")
    if unit.kind == "xã" and unit.name.startswith("Xã "):
        name_fields = {"unit_name": unit.name}
    else:  # a town or ward: its own kind in the title block
        name_fields = {
            "unit_name": unit.name,
            "unit_style": "title",
            "unit_line": f"UBND {unit.name.upper()}",
        }
    return replace(
        template,
        unit_code=unit.code,
        province=unit.province,
        upper_line=f"UBND {unit.district.upper()}",
        seed=int(unit.code) * 7 + index,
        **name_fields,
    )


def _slug(text: str) -> str:
    from ntm_excel.text import fold

    return re.sub(r"\W+", "_", fold(text)).strip("_")


def _write_one(job) -> str:
    from support.samples import write_sample

    path, spec = job
    path = Path(path)
    if path.exists():  # written by an interrupted run
        return str(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_sample(path, spec)
    stamp = time.mktime((2021, 3, 10, 9, 0, 0, 0, 0, -1))
    os.utime(path, (stamp, stamp))
    return str(path)


def _units(registry, size: int):
    """The first `size` communes, «xã» first (the units that must submit), then towns and
    wards."""
    from ntm_excel.model import COMMUNE

    communes = registry.tier(COMMUNE)
    ordered = [u for u in communes if u.kind == "xã"] + [u for u in communes if u.kind != "xã"]
    if len(ordered) < size:
        raise SystemExit(f"the registry has only {len(ordered)} communes")
    return ordered[:size]


@dataclass
class Corpus:
    folder: Path  # the submissions
    config: Path
    registry: Path
    files: int
    size: int  # bytes of all files


def _config(folder: Path, registry: Path) -> Path:
    """A configuration naming the registry; the bundled catalogue, vocabulary, set."""
    bundled = ROOT / "workbooks"
    text = (
        "[data]\n"
        f'catalog = "{bundled / "bo_tieu_chi.csv"}"\n'
        'catalog_set = "xa_2016_2020"\n'
        f'vocabulary = "{bundled / "tu_vung.csv"}"\n'
        f'registry = "{registry}"\n'
        f'plan = "{bundled / "ke_hoach_2021.xlsx"}"\n'
        f'contacts = "{bundled / "danh_ba.xlsx"}"\n'
        "reporting_deadline = 2021-03-15\n"
        "[output]\n"
        f'master = "{folder / "out" / "tong_hop.xlsx"}"\n'
        f'state_dir = "{folder / "var"}"\n'
    )
    path = folder / "cau_hinh.toml"
    path.write_text(text, encoding="utf-8")
    return path


def prepare(size: int, workdir: Path) -> Corpus:
    """The registry, configuration and `size` submissions (generated once, then reused)."""
    from multiprocessing import Pool

    from ntm_excel.reference.registry import load_registry

    base = workdir / f"n{size}"
    folder = base / "nop"
    done = base / "corpus.json"
    registry_path = base / ("don_vi_ca_nuoc.xlsx" if size > 1000 else "don_vi_tinh.xlsx")
    if not done.exists():
        base.mkdir(parents=True, exist_ok=True)
        scope = ["--country"] if size > 1000 else ["--province", PROVINCE]
        subprocess.run(
            [*NTM, "registry", "build", *scope, "-o", str(registry_path)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        registry = load_registry(registry_path)
        layouts = _layouts()
        jobs, taken = [], set()
        for index, unit in enumerate(_units(registry, size)):
            spec = _spec(index, unit, layouts)
            where = folder / _slug(unit.province) / _slug(unit.district) / _slug(unit.name)
            if str(where) in taken:  # two communes of one name in a district
                where = where.with_name(f"{where.name}_{unit.code}")
            taken.add(str(where))
            jobs.append((f"{where}.{spec.format}", spec))
        started = time.perf_counter()
        with Pool(os.cpu_count() or 1) as pool:
            for n, _ in enumerate(pool.imap_unordered(_write_one, jobs, chunksize=20), 1):
                if n % 500 == 0:
                    print(f"  {n}/{size} files written", file=sys.stderr)
        print(f"  {size} files written in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        done.write_text(json.dumps({"files": [path for path, _ in jobs]}))
    files = [Path(p) for p in json.loads(done.read_text())["files"]]
    config = _config(base, registry_path)
    return Corpus(folder, config, registry_path, len(files), sum(p.stat().st_size for p in files))


def subset(corpus: Corpus, count: int, workdir: Path) -> Corpus:
    """The first `count` files of `corpus`, hard-linked into their own folder."""
    base = workdir / f"n{count}_of_{corpus.files}"
    folder = base / "nop"
    files = corpus_files(corpus)[:count]
    if not (base / "corpus.json").exists():
        for path in files:
            target = folder / path.relative_to(corpus.folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.link(path, target)
        (base / "corpus.json").write_text(
            json.dumps({"files": [str(folder / p.relative_to(corpus.folder)) for p in files]})
        )
    config = _config(base, corpus.registry)
    return Corpus(folder, config, corpus.registry, count, sum(p.stat().st_size for p in files))


def corpus_files(corpus: Corpus) -> list[Path]:
    return _list(corpus.folder.parent / "corpus.json")


# --- Measuring a whole process ----------------------------------------------------------


@dataclass
class Run:
    wall: float
    cpu: float  # user + system, the process and the children it waited for
    peak_mb: float  # the largest single process
    inner: dict  # what the command printed as JSON on its last line, if anything


def timed(command: list[str], *, env: dict | None = None, cwd: Path | None = None) -> Run:
    """Run `command` under /usr/bin/time -v; its figures."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        started = time.perf_counter()
        done = subprocess.run(
            [TIME, "-v", "-o", report.name, *command],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        text = report.read()
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-4000:])
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}")
    fields = dict(
        line.strip().rsplit(": ", 1) for line in text.splitlines() if ": " in line.strip()
    )
    cpu = float(fields["User time (seconds)"]) + float(fields["System time (seconds)"])
    peak = int(fields["Maximum resident set size (kbytes)"]) / 1024
    inner = {}
    lines = done.stdout.strip().splitlines()
    if lines and lines[-1].startswith("{"):
        inner = json.loads(lines[-1])
    return Run(wall, cpu, peak, inner)


def median_run(runs: list[Run]) -> Run:
    inner = {
        key: statistics.median(r.inner[key] for r in runs)
        for key in runs[0].inner
        if isinstance(runs[0].inner[key], int | float)
    }
    return Run(
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        statistics.median(r.peak_mb for r in runs),
        inner,
    )


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


# --- In-process measurements (run as child commands of this script) ---------------------


def _list(path: Path) -> list[Path]:
    return [Path(p) for p in json.loads(path.read_text())["files"]]


def floor_command(files_json: Path) -> None:
    """python-calamine merely loading every sheet of every file; CPU per file."""
    from python_calamine import CalamineWorkbook

    files = _list(files_json)
    cpu = time.process_time()
    cells = 0
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            cells += len(book.get_sheet_by_name(name).to_python())
        book.close()
    cpu = time.process_time() - cpu
    print(json.dumps({"cpu_per_file_ms": cpu / len(files) * 1000, "rows": cells}))


def read_command(files_json: Path, config: Path) -> None:
    """ntm-excel's reader over every file in this one process; CPU per file."""
    from ntm_excel.config import load_config
    from ntm_excel.read.reader import read_workbook
    from ntm_excel.reference.catalog import load_catalog
    from ntm_excel.reference.registry import load_registry
    from ntm_excel.vocabulary import load_vocabulary

    settings = load_config(config)
    registry = load_registry(settings.registry)
    indicators = load_catalog(settings.catalog).resolve(settings.catalog_set, PROVINCE)
    vocabulary = load_vocabulary(settings.vocabulary)
    files = _list(files_json)
    cpu = time.process_time()
    found = 0
    for path in files:
        found += sum(
            1
            for submission, _ in read_workbook(path, registry, indicators, vocabulary)
            if submission and submission.unit_code
        )
    cpu = time.process_time() - cpu
    print(json.dumps({"cpu_per_file_ms": cpu / len(files) * 1000, "identified": found}))


def naive_command(files_json: Path, output: Path) -> None:
    """The script an office would write first: pandas + openpyxl read each workbook, the
    table is the first sheet's rows under the first row naming «tiêu chí» and «kết quả»,
    everything is concatenated and written to one .xlsx."""
    import importlib.util

    import pandas as pd

    # .xls needs xlrd (pip install xlrd); without it, pandas' calamine engine reads them
    old = "xlrd" if importlib.util.find_spec("xlrd") else "calamine"
    frames = []
    for path in _list(files_json):
        engine = {".ods": "odf", ".xls": old}.get(path.suffix, "openpyxl")
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine=engine)
        for name, frame in sheets.items():
            texts = frame.astype(str).apply(lambda col: col.str.lower())
            heading = next(
                (
                    i
                    for i, row in texts.iterrows()
                    if row.str.contains("tiêu chí").any() and row.str.contains("kết quả").any()
                ),
                None,
            )
            if heading is None:
                continue
            table = frame.iloc[heading + 1 :].dropna(how="all").copy()
            table.columns = [f"cot_{i}" for i in range(table.shape[1])]
            table.insert(0, "trang", name)
            table.insert(0, "tep", path.name)
            frames.append(table)
            break
    result = pd.concat(frames, ignore_index=True).astype(str)
    result.to_excel(output, index=False, engine="openpyxl")
    print(json.dumps({"rows": len(result)}))


# --- The figures ----------------------------------------------------------------------


def _self(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def repeat(runs: int, make, label: str) -> Run:
    """Median of `runs` runs of the command `make()` returns (a fresh one each time)."""
    found = []
    for _ in range(runs):
        command, env, after = make()
        found.append(timed(command, env=env))
        if after:
            after()
    return _print(label, found)


def paired(runs: int, first, second) -> tuple[Run, Run, float]:
    """`first` and `second` ((make, label) as for `repeat`) run in turn, A B A B …, so that a
    drift of the shared machine's load moves both: their medians, and the median of the
    pairs' wall-time ratios (second / first)."""
    found: tuple[list[Run], list[Run]] = ([], [])
    for _ in range(runs):
        for (make, _), runs_of in zip((first, second), found, strict=True):
            command, env, after = make()
            runs_of.append(timed(command, env=env))
            if after:
                after()
    for (_, label), runs_of in zip((first, second), found, strict=True):
        _print(label, runs_of)
    ratio = statistics.median(b.wall / a.wall for a, b in zip(*found, strict=True))
    return median_run(found[0]), median_run(found[1]), ratio


def _print(label: str, found: list[Run]) -> Run:
    result = median_run(found)
    spread = f"{min(r.wall for r in found):.2f}–{max(r.wall for r in found):.2f}"
    print(
        f"  {label:<46} wall {result.wall:7.2f} s ({spread})  cpu {result.cpu:7.2f} s  "
        f"peak {result.peak_mb:6.0f} MB   [{load()}]",
        flush=True,
    )
    return result


def consolidate_command(corpus: Corpus, out: Path, *, history: bool, feedback: bool = True):
    command = [*NTM, "consolidate", str(corpus.folder), "--config", str(corpus.config)]
    command += ["--as-of", AS_OF, "-o", str(out / "tong_hop.xlsx")]
    command += ["--feedback-dir", str(out / "gop_y"), "--csv-dir", str(out / "csv")]
    if not feedback:
        command.append("--no-feedback")
    if not history:
        command.append("--no-history")
    return command


def _fresh(workdir: Path, name: str) -> Path:
    folder = workdir / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _env(state: Path) -> dict:
    return {**os.environ, "NTM_STATE_DIR": str(state)}


def measure(
    corpus: Corpus, workdir: Path, runs: int, *, naive: bool, rerun: bool, lean: bool = False
) -> dict:
    """Every measurement of one corpus."""
    files = corpus.files
    listing = corpus.folder.parent / "corpus.json"
    figures: dict = {"files": files, "input_mb": corpus.size / 2**20}
    print(f"\n{files} files ({corpus.size / 2**20:.0f} MB) in {corpus.folder}")
    out = workdir / "out"

    if files <= 250:
        floor = repeat(runs, lambda: (_self("floor", str(listing)), None, None), "floor: calamine")
        ours = repeat(
            runs,
            lambda: (_self("read", str(listing), str(corpus.config)), None, None),
            "ntm-excel reader, one process",
        )
        figures["floor_ms"] = floor.inner["cpu_per_file_ms"]
        figures["read_ms"] = ours.inner["cpu_per_file_ms"]
    if files <= 2500:

        def ingest(workers: int):
            validate = [*NTM, "validate", str(corpus.folder), "--config", str(corpus.config)]
            return lambda: ([*validate, "--workers", str(workers)], None, None)

        one, two, ratio = paired(
            runs,
            (ingest(1), "ingest (validate), 1 worker"),
            (ingest(2), "ingest (validate), 2 workers"),
        )
        figures["ingest_1"], figures["ingest_2"] = one.wall, two.wall
        figures["workers_speedup"] = 1 / ratio

    def e2e(history: bool, feedback: bool = True):
        def make():
            target = _fresh(workdir, "out")
            state = _fresh(workdir, "state")
            command = consolidate_command(corpus, target, history=history, feedback=feedback)
            return command, _env(state), None

        return make

    def make_naive():
        target = _fresh(workdir, "naive")
        return _self("naive", str(listing), str(target / "tong_hop.xlsx")), None, None

    plain = None if lean else repeat(runs, e2e(False), "consolidate --no-history")
    if naive:  # ours and the naive script in turn
        stored, simple, ratio = paired(
            runs,
            (e2e(True), "consolidate, history store (first run)"),
            (make_naive, "naive pandas + openpyxl"),
        )
        figures["naive"], figures["naive_ratio"] = simple.wall, ratio
        figures["naive_cpu_ratio"] = simple.cpu / stored.cpu
    else:
        stored = repeat(runs, e2e(True), "consolidate, history store (first run)")
    figures["output_mb"] = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
    figures["e2e"], figures["peak_mb"] = stored.wall, stored.peak_mb
    if plain is not None:
        figures["e2e_no_history"] = plain.wall
        figures["peak_mb"] = max(plain.peak_mb, stored.peak_mb)
    # what the feedback workbooks cost (issue 10 reworks them)
    figures["e2e_no_feedback"] = repeat(
        runs, e2e(True, feedback=False), "consolidate --no-feedback (history store)"
    ).wall

    if rerun:
        figures["rerun"] = rerun_ratio(corpus, workdir, runs)
    return figures


def rerun_ratio(corpus: Corpus, workdir: Path, runs: int) -> float:
    """A first run with a fresh history store, one file changed, the run again: the second
    run's wall time over the first's (median over `runs` pairs)."""
    from support.samples import write_sample

    files = corpus_files(corpus)
    changed = files[len(files) // 2]
    original, stamp = changed.read_bytes(), changed.stat()
    ratios = []
    layouts = _layouts()
    try:
        for n in range(runs):
            state = _fresh(workdir, "state")
            target = _fresh(workdir, "out")
            command = consolidate_command(corpus, target, history=True)
            first = timed(command, env=_env(state))
            # the commune sends its file again with another value
            from ntm_excel.reference.registry import load_registry

            registry = load_registry(corpus.registry)
            index = files.index(changed)
            unit = _units(registry, corpus.files)[index]
            spec = replace(_spec(index, unit, layouts), seed=99 + n)
            changed.unlink()  # a hard link: the 10,000's own file stays as it was
            write_sample(changed, spec)
            second = timed(command, env=_env(state))
            ratios.append(second.wall / first.wall)
            print(
                f"  re-run after one changed file: first {first.wall:.2f} s, then "
                f"{second.wall:.2f} s ({second.wall / first.wall:.0%})   [{load()}]",
                flush=True,
            )
    finally:
        changed.unlink(missing_ok=True)
        changed.write_bytes(original)
        os.utime(changed, (stamp.st_atime, stamp.st_mtime))
    return statistics.median(ratios)


def memory_fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """(intercept MB, MB per file) of the peak memory over the batch sizes, least squares."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mean_x, mean_y = statistics.mean(xs), statistics.mean(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x in xs)
    return mean_y - slope * mean_x, slope


def report(results: dict[int, dict]) -> None:
    print("\nThe six figures (issue 13)")
    small = results.get(min(results))
    if small and "read_ms" in small:
        ratio = small["read_ms"] / small["floor_ms"]
        print(
            f"  reading one workbook, CPU per file   {small['read_ms']:.2f} ms, python-calamine "
            f"{small['floor_ms']:.2f} ms: {ratio:.1f}× the floor   (target ≤ 3×, aim 2×)"
        )
    big = results[max(size for size, r in results.items() if "ingest_2" in r)]
    speedup = big["workers_speedup"]
    print(
        f"  2 worker processes vs 1 ({big['files']} files)   {speedup:.2f}× "
        f"({big['ingest_1']:.1f} s → {big['ingest_2']:.1f} s)   (target ≥ 1.6×)"
    )
    if 250 in results and "naive" in results[250]:
        r = results[250]
        print(
            f"  250 files end to end vs naive        {r['naive_ratio']:.1f}× faster "
            f"({r['e2e']:.1f} s vs {r['naive']:.1f} s; by CPU time {r['naive_cpu_ratio']:.1f}×;"
            f" --no-history {r['e2e_no_history']:.1f} s)   (target ≥ 8×)"
        )
        print(
            f"    without the feedback workbooks     {r['naive'] / r['e2e_no_feedback']:.1f}× "
            f"({r['e2e_no_feedback']:.1f} s)"
        )
    if 10_000 in results:
        r = results[10_000]
        print(
            f"  10,000 files end to end              {r['e2e']:.0f} s "
            f"(--no-history {r.get('e2e_no_history', float('nan')):.0f} s, --no-feedback "
            f"{r['e2e_no_feedback']:.0f} s), {r['peak_mb'] / 1024:.2f} GiB peak"
            "   (target < 60 s, < 1.5 GiB)"
        )
    rerun = [r for r in results.values() if "rerun" in r]
    if rerun:
        print(
            f"  re-run after one changed file ({rerun[0]['files']} files)   "
            f"{rerun[0]['rerun']:.0%} of the first run   (target < 20%)"
        )
    if len(results) > 1:
        points = [(r["files"], r["peak_mb"]) for r in results.values()]
        intercept, slope = memory_fit(points)
        per_input = statistics.mean(r["input_mb"] / r["files"] for r in results.values())
        per_output = statistics.mean(r["output_mb"] / r["files"] for r in results.values())
        print(
            f"  memory                               {intercept:.0f} MiB + {slope:.3f} MiB per "
            f"file ({slope / per_input:.1f}× the input, {slope / per_output:.1f}× the output "
            "per file)   (target: grows with the output, not the inputs)"
        )


def compile_package() -> None:
    """Compile ntm_excel's modules to bytecode once, as installing it from a wheel does.

    An editable install under PYTHONDONTWRITEBYTECODE (set on this machine) never keeps its
    bytecode, so every process compiled 28,000 lines again (about 0.25 s of CPU each), while
    the naive script's libraries, installed from wheels, are compiled already. Python reads
    bytecode even when told not to write it.
    """
    import ntm_excel

    package = str(Path(ntm_excel.__file__).parent)
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="generate (once) and measure; the default")
    run.add_argument("--sizes", type=int, nargs="+", default=[250, 10_000])
    run.add_argument("--runs", type=int, default=3)
    run.add_argument(
        "--large-runs", type=int, help="runs at 2,500 and 10,000 files (default: --runs)"
    )
    run.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ntm_scale")
    run.add_argument("--no-naive", action="store_true")
    run.add_argument(
        "--lean",
        action="store_true",
        help="at 2,500 and 10,000 files, leave out the --no-history run",
    )
    floor = sub.add_parser("floor")
    floor.add_argument("files", type=Path)
    read = sub.add_parser("read")
    read.add_argument("files", type=Path)
    read.add_argument("config", type=Path)
    naive = sub.add_parser("naive")
    naive.add_argument("files", type=Path)
    naive.add_argument("output", type=Path)
    argv = sys.argv[1:]
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["run", *argv]  # `run` is the default: `bench_scale.py --sizes 250`
    args = parser.parse_args(argv)
    if args.command == "floor":
        return floor_command(args.files)
    if args.command == "read":
        return read_command(args.files, args.config)
    if args.command == "naive":
        return naive_command(args.files, args.output)

    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, {load()}")
    compile_package()
    results = {}
    for size in sorted(args.sizes):
        corpus = prepare(size, args.workdir)
        runs = args.runs if size <= 250 else args.large_runs or args.runs
        if size >= 10_000:  # the re-run and the workers' figures at 2,500 files first
            part = subset(corpus, SUBSET, args.workdir)
            results[SUBSET] = measure(
                part, args.workdir, runs, naive=False, rerun=True, lean=args.lean
            )
        results[size] = measure(
            corpus,
            args.workdir,
            runs,
            naive=size <= 250 and not args.no_naive,
            rerun=False,
            lean=args.lean and size > 250,
        )
    report(results)
    print(f"\nat the end: {load()}")


if __name__ == "__main__":
    main()
