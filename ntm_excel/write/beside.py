"""Work done on a second core: a child process forked from this one writes files (the CSV
files, the blocks of the master that go to CSV) from the data this one holds, while this one
writes the master workbook. Nothing is sent to the child: it has the same data, as forked."""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import signal
from collections.abc import Callable, Iterator

from ntm_excel.errors import NtmError
from ntm_excel.read.batch import frozen_heap
from ntm_excel.workers import exit_with_parent


@contextlib.contextmanager
def beside(work: Callable[..., None], *args: object) -> Iterator[None]:
    """`work(*args)` in a child process forked from this one while this one goes on inside
    the block; leaving the block waits for it and raises what it raised (an `OSError` stays
    one, a problem for a person to act on, `NtmError`, stays itself), or, when the block
    fails, stops it first. Where processes cannot be forked (Windows), `work` runs first,
    here."""
    if "fork" not in multiprocessing.get_all_start_methods():
        work(*args)
        yield
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_report_to, args=(sender, work, args), daemon=True)
    with frozen_heap():  # the child's collections never walk what it shares with this one
        child.start()
    sender.close()
    try:
        yield
    except BaseException:
        child.terminate()
        raise
    finally:
        child.join()
        ended = ("error", f"exit code {child.exitcode}")
        try:
            failure = receiver.recv() if receiver.poll() else ended
        except EOFError:  # the child ended without a word: stopped, or exited on its own
            failure = ended
        receiver.close()
    if failure is not None:
        kind, *details = failure
        if kind == "ntm":
            raise details[0]
        raise OSError(*details) if kind == "os" else RuntimeError(*details)


def _report_to(sender, work: Callable[..., None], args: tuple) -> None:
    """In the child: do the work and send back None, or what it raised. Ctrl-C is left to
    the parent, which stops the child."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent()
    try:
        work(*args)
        sender.send(None)
    except NtmError as exc:  # said plainly by the parent (a damaged store, an output…)
        sender.send(("ntm", _travelling(exc)))
    except OSError as exc:
        sender.send(("os", exc.errno, exc.strerror or str(exc)))
    except BaseException as exc:  # noqa: BLE001 - the parent raises it
        sender.send(("error", f"{type(exc).__name__}: {exc}"))


def _travelling(exc: NtmError) -> NtmError:
    """`exc`, or a plain `NtmError` saying the same when it cannot be built again from its
    pickle in the parent (a class whose arguments are not its message)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - whatever rebuilding it raises
        return NtmError(str(exc))
    return exc
