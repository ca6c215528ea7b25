"""A store that cannot be written because no file may grow past a size limit (as good as a
full disk): whether the store was being made or filled, the run stops with the store's
error naming it, which says the file is not damaged. The store being made was said with
SQLite's bare text, and a write refused (SQLITE_IOERR_WRITE, an extended code) as a damaged
store to overwrite with a backup, which would lose the history."""

from __future__ import annotations

import subprocess
import sys

import pytest
from test_attack_round3 import SAMPLES

LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails
limit = int(sys.argv.pop(1))
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from ntm_excel.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE")
@pytest.mark.parametrize("limit", [50_000, 300_000])  # made, then filled
def test_a_store_past_the_file_size_limit_is_not_called_damaged(tmp_path, limit):
    argv = ["consolidate", str(SAMPLES), "--as-of", "2021-03-25", "--state-dir", "var"]
    ran = subprocess.run(
        [sys.executable, "-c", LIMITED, str(limit), *argv, "--no-feedback"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 2
    said = ran.stderr
    assert said.startswith("Lỗi kho trạng thái: Không mở hoặc không ghi được kho trạng thái ")
    assert "ntm-excel.sqlite3" in said and "Tệp không hỏng" in said
    assert "có thể đã hỏng" not in said and "sao lưu gần nhất" not in said
    assert not (tmp_path / "var").exists()
