"""A worker process that dies while reading a file (a native crash, an out-of-memory kill)
stops neither the batch nor the parent: that file alone becomes a file-unreadable issue.

Forked workers inherit the monkeypatched reader, which kills its own process on chosen files;
real workbooks and real processes otherwise.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support.samples import bundled_specs, write_sample

from ntm_excel.config import load_config
from ntm_excel.read import batch as reading
from ntm_excel.read.batch import WORKER_DIED, read_files
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry

pytestmark = pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="workers must inherit the patch"
)
BATCH = 12


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """(files, registry, indicators, the results of a serial read with the real reader)."""
    folder = tmp_path_factory.mktemp("batch")
    files = [write_sample(folder / name, spec) for name, spec in bundled_specs()[:BATCH]]
    registry = load_registry(load_config().registry)
    indicators = load_catalog(load_config().catalog).resolve("xa_2016_2020", "Hà Tĩnh")
    return files, registry, indicators, read_files(files, registry, indicators, workers=1)


def _exit(_: Path) -> None:
    os._exit(1)


def _kill(_: Path) -> None:  # as the out-of-memory killer does
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize(
    "deaths",
    [{4: _exit}, {0: _kill, BATCH - 1: _exit}],
    ids=["one-file-kills-its-worker", "two-files-kill-their-workers"],
)
def test_a_file_that_kills_its_worker_becomes_an_issue(batch, monkeypatch, deaths):
    files, registry, indicators, serial = batch
    killers = {files[i].name: die for i, die in deaths.items()}
    parent, read_in_parent = os.getpid(), []
    real_reader = reading.read_workbook

    def reader(path, *args):
        if os.getpid() == parent:
            read_in_parent.append(Path(path).name)
        elif Path(path).name in killers:
            killers[Path(path).name](path)
        return real_reader(path, *args)

    monkeypatch.setattr(reading, "read_workbook", reader)
    progress: list[tuple[int, int]] = []
    results = read_files(
        files, registry, indicators, workers=2, progress=lambda *a: progress.append(a)
    )

    assert read_in_parent == []
    assert progress == [(done, BATCH) for done in range(1, BATCH + 1)]
    assert len(results) == BATCH
    for index, (path, result, expected) in enumerate(zip(files, results, serial, strict=True)):
        if index in deaths:
            [(submission, [issue])] = result
            assert submission is None
            assert issue.code == "file-unreadable" and issue.file == path.name
            assert WORKER_DIED in issue.message
        else:
            assert expected[0] is not None
            assert result == expected, path.name


def _where(path: Path, result):  # a `then` of `read_files`: the process it ran in, the reading
    return os.getpid(), result


def test_the_next_step_runs_where_each_file_was_read(batch, monkeypatch):
    """`then` (validating, encoding for the history) runs in the worker that read the file;
    for a file that killed its worker, in the parent on its file-unreadable issue."""
    files, registry, indicators, serial = batch
    real_reader = reading.read_workbook

    def reader(path, *args):
        if Path(path).name == files[3].name:
            _exit(path)
        return real_reader(path, *args)

    monkeypatch.setattr(reading, "read_workbook", reader)
    results = read_files(files, registry, indicators, workers=2, then=_where)
    for index, ((pid, result), expected) in enumerate(zip(results, serial, strict=True)):
        if index == 3:
            assert pid == os.getpid()
            [(submission, [issue])] = result
            assert submission is None and WORKER_DIED in issue.message
        else:
            assert pid != os.getpid()
            assert result == expected


# The reader aborts its process on the file named "hong.xlsx", as a crash of a native library
# does (SIGABRT, exit 134); the command runs in a child process, and forks its readers.
_ABORTING_READER = """
import os, sys
from pathlib import Path
from ntm_excel.read import batch
real = batch.read_workbook
def reader(path, *args):
    if Path(path).name == "hong.xlsx":
        os.abort()
    return real(path, *args)
batch.read_workbook = reader
from ntm_excel.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("command", ["validate", "consolidate"])
def test_a_small_batch_survives_a_file_that_aborts_the_reader(batch, tmp_path, command):
    """Batches of every size are read in child processes: a file that aborts the reader is
    one `file-unreadable`, the other files are read and the command ends normally."""
    files = batch[0][:3]
    folder = tmp_path / "nhan"
    folder.mkdir()
    for path in files:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "hong.xlsx").write_bytes(files[0].read_bytes())
    args = [command, str(folder)]
    if command == "consolidate":
        args += ["-o", str(tmp_path / "out" / "tong_hop.xlsx"), "--csv-dir", str(tmp_path / "csv")]
    done = subprocess.run(
        [sys.executable, "-c", _ABORTING_READER, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == (1 if command == "validate" else 0), done.stderr[-2000:]
    if command == "validate":
        assert "Tệp hong.xlsx" in done.stdout and WORKER_DIED in done.stdout
        assert "Đã kiểm tra 3 đơn vị và 1 tệp khác (không đọc được" in done.stdout
    else:
        issues = (tmp_path / "csv" / "issues.csv").read_text(encoding="utf-8")
        assert "hong.xlsx" in issues and WORKER_DIED in issues
        assert "Đơn vị đã nộp: 3/21" in done.stdout
