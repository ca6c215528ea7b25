"""Score the reader on hand-made-looking commune workbooks it has never seen.

Writes the files of `tests/support/wild.py` (with their truth), runs `ntm-excel consolidate`
on each batch folder as an office would (the 2021–2025 files with that catalogue set) and
`ntm-excel validate --explain` for the reading reports, then compares the CSV files with the
truth and prints a score table:

- unit identified: the file's (or sheet's) commune has a row in units.csv from that file;
- indicators found: an indicator row written in the file has a value or a self-assessment;
- values: the value read equals the value typed (numbers to 0.05, percentages on 0–100);
- self-assessments, statuses: as the clerk wrote them (the files are consistent);
- tasks found, due dates, owners, done: the roadmap's rows;
- clean files without a false warning: no warning or error that the file does not deserve.

    .venv/bin/python bench/score_reader.py [--out DIR] [--seed N] [--misses]

Every miss is listed in DIR/misses.txt (and printed with --misses).
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.wild import Score, load_truth, score, write_wild  # noqa: E402

WORKBOOKS = ROOT / "workbooks"
AS_OF = "2021-03-25"


def config_text(catalog_set: str) -> str:
    return f"""[data]
catalog = "{WORKBOOKS / "bo_tieu_chi.csv"}"
catalog_set = "{catalog_set}"
vocabulary = "{WORKBOOKS / "tu_vung.csv"}"
registry = "{WORKBOOKS / "don_vi.xlsx"}"
plan = "{WORKBOOKS / "ke_hoach_2021.xlsx"}"
contacts = "{WORKBOOKS / "danh_ba.xlsx"}"
reporting_deadline = 2021-03-15
"""


def ntm(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "ntm-excel"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, check=False)


def run_batches(files: Path, work: Path, truth: list[dict]) -> dict[str, dict[str, list[dict]]]:
    """Consolidate every batch folder; return the CSV rows per batch and file name."""
    sets = {t["file"].split("/")[0]: t["catalog_set"] for t in truth}
    out: dict[str, dict[str, list[dict]]] = {}
    for batch, set_id in sorted(sets.items()):
        cfg = work / f"cau_hinh_{batch}.toml"
        cfg.write_text(config_text(set_id), encoding="utf-8")
        csv_dir = work / f"csv_{batch}"
        done = ntm(
            "consolidate", str(files / batch), "--config", str(cfg), "--csv-dir", str(csv_dir),
            "-o", str(work / f"tong_hop_{batch}.xlsx"), "--no-feedback", "--no-history",
            "--state-dir", str(work / "var"), "--as-of", AS_OF,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(
                f"consolidate {batch}: {done.returncode}\n{done.stdout}\n{done.stderr}"
            )
        explained = ntm("validate", "--explain", str(files / batch), "--config", str(cfg))
        (work / f"explain_{batch}.txt").write_text(explained.stdout + explained.stderr, "utf-8")
        out[batch] = {
            name: list(csv.DictReader((csv_dir / f"{name}.csv").open(encoding="utf-8-sig")))
            for name in ("units", "indicators", "tasks", "issues")
        }
    return out


def table(sc: Score) -> str:
    lines = [f"{'category':<38} {'right':>6} {'total':>6} {'score':>7}"]
    for cat in sc.total:
        right, total = sc.right[cat], sc.total[cat]
        lines.append(f"{cat:<38} {right:>6} {total:>6} {100 * right / total:>6.1f}%")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--misses", action="store_true", help="print every miss")
    args = parser.parse_args(argv)
    work = args.out or Path(tempfile.mkdtemp(prefix="score_reader_"))
    files = work / "files"
    write_wild(files, args.seed)
    truth = load_truth(files)
    sc = score(truth, run_batches(files, work, truth))
    (work / "misses.txt").write_text("\n".join(sc.misses) + "\n", encoding="utf-8")
    units = sum(len(t["units"]) for t in truth)
    print(f"{len(truth)} tệp, {units} biểu của xã — {work}")
    print(table(sc))
    if args.misses:
        print("\n".join(sc.misses))
    else:
        print(f"Misses: {work / 'misses.txt'}")


if __name__ == "__main__":
    main()
