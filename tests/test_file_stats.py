"""The files' noted hashes (`file_stats` in the history store): a file whose size, times,
inode and device are those noted when it was hashed is not read and hashed again on the next
run; any change to it (even in place, to the same size, its modification time set back) is
hashed and read again, and a file written just before it was hashed is not vouched for."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

import ntm_excel.history as history_module
from ntm_excel.check.consolidate import check_files
from ntm_excel.config import BUNDLED, load_config
from ntm_excel.history import History
from ntm_excel.read.inbox import list_submissions
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry

SET = "xa_2016_2020"


@pytest.fixture
def inbox(tmp_path: Path) -> list[Path]:
    shutil.copytree(BUNDLED / "mau_nop", tmp_path / "inbox")
    return list_submissions([tmp_path / "inbox"]).files


@pytest.fixture
def hashed(monkeypatch) -> list[Path]:
    """The files read and hashed (the others' hashes came from the store)."""
    found: list[Path] = []
    real = history_module._hash

    def counted(path: Path) -> str:
        found.append(path)
        return real(path)

    monkeypatch.setattr(history_module, "_hash", counted)
    return found


@pytest.fixture
def settled(monkeypatch) -> None:
    """Files copied a moment ago count as old enough to be vouched for by their times (their
    change time is the copy's); the rule itself is tested apart."""
    monkeypatch.setattr(history_module, "RACY_NS", 0)


def _check(files, history=None):
    config = load_config()
    return check_files(
        files,
        catalog=load_catalog(config.catalog),
        registry=load_registry(config.registry),
        catalog_set=SET,
        workers=1,
        history=history,
    )


def _same(a, b) -> None:
    assert a.units == b.units and a.loose == b.loose and a.submissions == b.submissions


def test_an_unchanged_file_is_not_hashed_again(tmp_path, inbox, hashed, settled):
    with History(tmp_path / "var") as history:
        first = _check(inbox, history)
        assert sorted(hashed) == sorted(inbox)
        hashed.clear()
        again = _check(inbox, history)
    assert hashed == []
    assert again.reading.received == first.reading.received  # the same hashes and sizes
    assert again.reading.judged == 20  # the two unreadable files are read again
    _same(again, _check(inbox))


def _same_size(first: Path, second: Path) -> None:
    """Pad the smaller of two workbooks (zip packages) with a zip comment to the other's
    size: both stay workbooks."""
    small, large = sorted((first, second), key=lambda p: p.stat().st_size)
    with zipfile.ZipFile(small, "a") as package:
        package.comment = b" " * (large.stat().st_size - small.stat().st_size)
    assert small.stat().st_size == large.stat().st_size


def test_a_file_changed_in_place_to_the_same_size_and_time_is_read_again(
    tmp_path, inbox, hashed, settled
):
    """Another commune's workbook written over a file (the same inode), padded to its size,
    its modification time set back to the nanosecond: only its change time tells, and it is
    hashed, read and judged again."""
    changed, other = inbox[0], inbox[3]
    assert changed.suffix == other.suffix == ".xlsx"
    _same_size(changed, other)
    with History(tmp_path / "var") as history:
        _check(inbox, history)
        before = changed.stat()
        with open(changed, "r+b") as handle:  # in place
            handle.write(other.read_bytes())
        os.utime(changed, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = changed.stat()
        assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
            before.st_size,
            before.st_mtime_ns,
            before.st_ino,
        )
        hashed.clear()
        again = _check(inbox, history)
    assert hashed == [changed]
    assert again.reading.parsed == 3  # the changed file and the two unreadable ones
    _same(again, _check(inbox))
    by_name = {s.file_name: s for s in again.submissions}
    first_other = {s.file_name: s for s in _check([other]).submissions}
    read_again = [(e.code, e.value) for e in by_name[changed.name].indicators]
    assert read_again == [(e.code, e.value) for e in first_other[other.name].indicators]


def test_a_copied_or_replaced_file_is_hashed_again(tmp_path, inbox, hashed, settled):
    """A file copied over (a new inode, its times kept) or saved anew (renamed over the
    old one) is hashed again, even with the same bytes."""
    copied, replaced = inbox[1], inbox[2]
    with History(tmp_path / "var") as history:
        _check(inbox, history)
        shutil.copy2(copied, tmp_path / "copy")
        copied.unlink()
        shutil.copy2(tmp_path / "copy", copied)
        (tmp_path / "new").write_bytes(replaced.read_bytes())
        os.replace(tmp_path / "new", replaced)
        hashed.clear()
        again = _check(inbox, history)
    assert sorted(hashed) == sorted([copied, replaced])
    assert again.reading.judged == 20  # same bytes: their judgements are used
    _same(again, _check(inbox))


def test_a_file_written_just_before_it_was_hashed_is_not_vouched_for(tmp_path, inbox, hashed):
    """Times within `RACY_NS` of the moment a file was hashed could hide a change made just
    after (a file system's clock steps): such a file is hashed again next time."""
    with History(tmp_path / "var") as history:
        _check(inbox, history)  # copied a moment ago: nothing noted
        assert history.db.execute("SELECT COUNT(*) FROM file_stats").fetchone()[0] == 0
        hashed.clear()
        again = _check(inbox, history)
    assert sorted(hashed) == sorted(inbox)
    assert again.reading.judged == 20


KILLED = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import ntm_excel.history as history_module
    from ntm_excel.history import History

    history_module.RACY_NS = 0
    put = History._put

    def slow_put(self, db, digest, data):
        put(self, db, digest, data)
        print("ready", flush=True)
        time.sleep(60)

    History._put = slow_put
    History(sys.argv[1]).receive_files([Path(p) for p in sys.argv[2:]])
    """
)


def test_a_run_killed_while_noting_leaves_no_hash_noted(tmp_path, inbox, hashed, settled):
    """The noted hashes are written in the transaction that archives the files: a run
    killed in it leaves none, and the next run hashes every file."""
    state = tmp_path / "var"
    History(state).close()
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(state), *map(str, inbox)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    process.kill()  # SIGKILL: no clean-up of any kind
    process.wait()
    with History(state) as history:
        for table in ("file_stats", "receipts", "archive"):
            assert history.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0
        again = _check(inbox, history)
        noted = history.db.execute("SELECT COUNT(*) FROM file_stats").fetchone()[0]
    assert sorted(hashed) == sorted(inbox) and noted == len(inbox)
    _same(again, _check(inbox))
