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
import math
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.wild import load_truth, write_wild  # noqa: E402

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


def norm(text: object) -> str:
    text = unicodedata.normalize("NFC", str(text)).casefold()
    return re.sub(r"\s+", " ", text).strip()


def same_value(read: str, truth: list) -> bool:
    if truth == ["*"]:
        return True
    if not truth:
        return read.strip() == ""
    for t in truth:
        if isinstance(t, (int, float)):
            try:
                if math.isclose(float(read), float(t), abs_tol=0.051):
                    return True
            except ValueError:
                continue
        elif norm(read) == norm(t):
            return True
    return False


def names(cell: str) -> set[str]:
    return {norm(o) for o in cell.split(";") if o.strip()}


class Score:
    def __init__(self) -> None:
        self.right: Counter = Counter()
        self.total: Counter = Counter()
        self.misses: list[str] = []
        self.by_kind: dict[str, Counter] = defaultdict(Counter)

    def count(self, category: str, ok: bool, kind: str, miss: str) -> None:
        self.total[category] += 1
        self.right[category] += ok
        if not ok:
            self.by_kind[category][kind] += 1
            self.misses.append(f"[{category}] {miss}")


def score(truth: list[dict], results: dict) -> Score:
    sc = Score()
    for t in truth:
        batch, name = t["file"].split("/", 1)
        res = results[batch]
        kind = t["kind"]
        for u in t["units"]:
            code = u["code"]
            tag = f"{t['file']} ({u['name']})"
            unit_rows = [r for r in res["units"] if r["unit_code"] == code]
            from_file = [r for r in unit_rows if Path(r["source_file"] or "").name == name]
            sc.count("unit identified", bool(from_file), kind, f"{tag}: {unit_rows}")
            got = {r["indicator_code"]: r for r in res["indicators"] if r["unit_code"] == code}
            if not from_file:
                got = {}
            for ind in u["indicators"]:
                r = got.get(ind["code"], {})
                read_v, read_sa = r.get("value", ""), r.get("self_assessment", "")
                where = f"{tag} {ind['code']}"
                if ind["values"] or ind["assessment"]:
                    found = bool(read_v.strip() or read_sa not in ("", "unknown"))
                    sc.count("indicators found", found, kind, f"{where}: nothing read")
                if ind["values"] != ["*"]:
                    sc.count(
                        "values right", same_value(read_v, ind["values"]), kind,
                        f"{where}: read {read_v!r}, typed {ind['values']!r}",
                    )  # fmt: skip
                want_sa = ind["assessment"] or "unknown"
                sc.count(
                    "self-assessments right", (read_sa or "unknown") == want_sa, kind,
                    f"{where}: read {read_sa!r}, typed {want_sa}",
                )  # fmt: skip
                sc.count(
                    "statuses right", r.get("status", "") == ind["status"], kind,
                    f"{where}: status {r.get('status', '')!r}, truth {ind['status']}",
                )  # fmt: skip
            tasks = [r for r in res["tasks"] if r["source"] == "unit" and r["unit_code"] == code]
            for task in u["tasks"]:
                hit = next((r for r in tasks if norm(task["text"]) == norm(r["task"])), None)
                where = f"{tag} task {task['text']!r}"
                sc.count("tasks found", hit is not None, kind, f"{where}: not found")
                if hit is None:
                    continue
                tasks.remove(hit)
                sc.count(
                    "task due dates right", hit["due_date"] == task["due"], kind,
                    f"{where}: due {hit['due_date']!r}, truth {task['due']!r}",
                )  # fmt: skip
                people = (names(hit["owners"]), names(hit["directing"]))
                want = ({norm(o) for o in task["owners"]}, {norm(o) for o in task["directors"]})
                sc.count(
                    "task owners right", people == want, kind,
                    f"{where}: owners {hit['owners']!r} directing {hit['directing']!r}, "
                    f"truth {task['owners']!r} directing {task['directors']!r}",
                )  # fmt: skip
                sc.count(
                    "task done right", (hit["state"] == "done") == task["done"], kind,
                    f"{where}: state {hit['state']!r}, truth done={task['done']}",
                )  # fmt: skip
        if t["clean"]:
            bad = [
                r for r in res["issues"]
                if Path(r["file"] or "").name == name and r["severity"] in ("error", "warning")
                and r["code"] not in t["expected_codes"]
            ]  # fmt: skip
            sc.count(
                "clean files without false warnings", not bad, kind,
                f"{t['file']}: " + "; ".join(f"{r['code']} {r['cell']} {r['message']}" for r in bad),
            )  # fmt: skip
    return sc


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
