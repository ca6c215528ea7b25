"""A re-run after one changed submission, as an office runs it: the judgements kept in the
history store are used for every file but the changed one, and the master and the CSV files
written equal those a run from scratch writes on the same files (the «made at» moment and
the history's own sheets aside). A command run off a terminal loads neither the progress bar
nor the mailbox's libraries."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import openpyxl
from support.samples import bundled_specs, write_sample

from ntm_excel.cli import main
from ntm_excel.config import BUNDLED
from ntm_excel.write.history_sheets import CHANGES, HISTORY

MADE_AT = "lúc"  # the summary's «made at» line: the one cell that differs between two runs


def _consolidate(inbox: Path, out: Path, state: Path) -> int:
    return main(
        [
            "consolidate", str(inbox), "--as-of", "2021-03-25", "-o", str(out / "tong_hop.xlsx"),
            "--csv-dir", str(out / "csv"), "--state-dir", str(state),
        ]
    )  # fmt: skip


def _cells(master: Path) -> dict[str, list[tuple]]:
    """Every sheet's rows of values, the «made at» cells left out."""
    book = openpyxl.load_workbook(master, read_only=True)
    return {
        name: [
            tuple(None if MADE_AT in str(value) else value for value in row)
            for row in book[name].iter_rows(values_only=True)
        ]
        for name in book.sheetnames
    }


def test_a_rerun_after_one_changed_file_writes_what_a_fresh_run_writes(tmp_path, capsys):
    inbox = tmp_path / "nhan_bieu"
    shutil.copytree(BUNDLED / "mau_nop", inbox)
    out, state = tmp_path / "ket_qua", tmp_path / "var"
    assert _consolidate(inbox, out, state) == 0
    before = _cells(out / "tong_hop.xlsx")
    name, spec = next((n, s) for n, s in bundled_specs() if n.endswith(".xlsx"))
    write_sample(inbox / name, replace(spec, seed=spec.seed + 1))  # sent again, other values
    capsys.readouterr()

    assert _consolidate(inbox, out, state) == 0
    rerun = capsys.readouterr().out
    assert _consolidate(inbox, tmp_path / "tu_dau", tmp_path / "var_moi") == 0

    # the changed file read, and the two files no reader opens tried again
    assert "3 tệp đọc mới, 19 tệp đã đọc trước đó dùng lại" in rerun
    after = _cells(out / "tong_hop.xlsx")
    assert after != before  # the changed file shows
    fresh = _cells(tmp_path / "tu_dau" / "tong_hop.xlsx")
    assert after.keys() == fresh.keys()
    for name in after.keys() - {HISTORY, CHANGES}:  # the histories differ: one is longer
        assert after[name] == fresh[name], name
    assert after[CHANGES] != fresh[CHANGES]
    for csv in (out / "csv").glob("*.csv"):
        assert csv.read_bytes() == (tmp_path / "tu_dau" / "csv" / csv.name).read_bytes()


def test_a_command_off_a_terminal_loads_no_progress_bar_nor_mailbox(tmp_path):
    """`consolidate` with its output piped (a scheduled run, a script): tqdm and the
    mailbox's libraries (imap_tools), which only a bar on a terminal and the mail jobs use,
    are not imported."""
    program = (
        "import sys\n"
        "from ntm_excel.cli import main\n"
        f"code = main(['consolidate', {str(BUNDLED / 'mau_nop')!r}, '--as-of', '2021-03-25',"
        f" '-o', {str(tmp_path / 'tong_hop.xlsx')!r}, '--no-history', '--no-feedback'])\n"
        "print(code, sorted({'tqdm', 'imap_tools'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == "0 []"
