"""Worker processes end when the process that started them is killed outright: a pool's
reader worker, the forked helper of `beside`, are watched by `exit_with_parent`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ntm_excel.write.beside import beside

PARENT = textwrap.dedent(
    """
    import multiprocessing, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from ntm_excel.read.batch import _init_worker
    from ntm_excel.write.beside import beside

    def pid():
        return __import__("os").getpid()

    def nap():
        time.sleep(120)

    if __name__ == "__main__":
        if sys.argv[1] == "pool":  # the reader's pool, its own initializer
            pool = ProcessPoolExecutor(1, initializer=_init_worker, initargs=(None,) * 5)
            print(pool.submit(pid).result(), flush=True)
            pool.submit(nap)
            time.sleep(120)
        else:  # a helper forked beside this process
            with beside(nap):
                time.sleep(0.5)
                child = multiprocessing.active_children()[0]
                print(child.pid, flush=True)
                time.sleep(120)
    """
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waits only for its reaper
        return stat.read().split(") ")[1][0] != "Z"


@pytest.mark.skipif(not hasattr(signal, "SIGKILL") or not os.path.isdir("/proc"),
                    reason="kill -9 and /proc")  # fmt: skip
@pytest.mark.parametrize("kind", ["pool", "beside"])
def test_a_worker_ends_when_its_parent_is_killed(tmp_path, kind):
    script = tmp_path / "parent.py"
    script.write_text(PARENT, encoding="utf-8")
    parent = subprocess.Popen(
        [sys.executable, str(script), kind], stdout=subprocess.PIPE, text=True
    )
    try:
        worker = int(parent.stdout.readline())
        assert alive(worker)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 15
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(worker), "the worker outlived its killed parent"
    finally:
        parent.kill()


@pytest.mark.skipif(os.name != "posix", reason="the work runs first, in this process, on Windows")
def test_ctrl_c_in_the_block_stops_the_child_and_is_the_error_raised():
    """Ctrl-C reaches both processes: the child leaves it to this one, which stops it and
    raises KeyboardInterrupt (an EOFError from the child's pipe came out instead)."""
    with pytest.raises(KeyboardInterrupt) as raised, beside(time.sleep, 30):
        time.sleep(0.2)
        raise KeyboardInterrupt
    assert raised.value.__context__ is None


@pytest.mark.skipif(os.name != "posix", reason="the work runs first, in this process, on Windows")
def test_a_child_that_ends_without_a_word_is_an_error_not_a_crash():
    with pytest.raises(RuntimeError, match="exit code 3"), beside(os._exit, 3):
        pass
