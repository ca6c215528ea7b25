"""The reader's fuzz entry point (`python -m support.fuzz`), run briefly with a fixed seed in a
child process: mutated workbooks, read in worker processes, never kill one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).parent


def test_a_short_fuzz_run_kills_no_reader(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    done = subprocess.run(
        [sys.executable, "-m", "support.fuzz", "--files", "150", "--seed", "7"]
        + ["--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "150 tệp (hạt giống 7)" in done.stdout
    assert "0 làm dừng tiến trình đọc" in done.stdout
    assert [p.name for p in tmp_path.glob("fuzz_*")] == []  # kept only when they kill
