"""Worker processes end with the process that started them.

A worker of a pool (or a forked helper) whose parent is killed outright (`kill -9`, the Task
Manager's «End task») is told nothing: it would wait for ever on its pipe, keeping a
commune's file, the state database and its memory. `exit_with_parent`, called in the worker
when it starts, watches the parent and ends the worker as soon as the parent is gone.
"""

from __future__ import annotations

import multiprocessing
import os
import threading


def exit_with_parent() -> None:
    """In a worker process: end it as soon as its parent process is gone."""
    parent = multiprocessing.parent_process()
    if parent is None:  # not started by multiprocessing: nothing to watch
        return

    def watch() -> None:
        parent.join()  # returns when the parent has exited, whatever ended it
        os._exit(1)

    threading.Thread(target=watch, name="ntm-excel-parent-watch", daemon=True).start()
