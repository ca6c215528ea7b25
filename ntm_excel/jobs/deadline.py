"""A limit of time for a whole exchange with a mail server.

A socket time-out bounds each wait for data, not an exchange: a server (or a broken proxy)
that sends one byte a second never trips it, and held a job, and the jobs lock, for hours.
A `Deadline` watches the connections of the SMTP and IMAP clients (`watched` gives their
classes the watch) and, when an exchange runs past its time, shuts the connections down:
whatever waits on them then fails as a lost connection, and `expired` tells why.
"""

from __future__ import annotations

import contextlib
import imaplib
import smtplib
import socket
import threading
from collections.abc import Iterator

MIN_RATE = 10_000  # bytes a second a transfer may be allowed, at the least


class Deadline:
    """Ends the watched connections of an exchange that runs past its time (see `limit`)."""

    def __init__(self) -> None:
        self._clients: list[object] = []
        self.expired = False

    def watch(self, client: object) -> None:
        """Watch `client` (an smtplib or imaplib client: its current socket is `client.sock`)."""
        self._clients.append(client)

    @contextlib.contextmanager
    def limit(self, seconds: float) -> Iterator[None]:
        """Shut the watched connections down if the block still runs after `seconds`."""
        self.expired = False
        timer = threading.Timer(seconds, self._expire)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def _expire(self) -> None:
        self.expired = True
        for client in self._clients:
            sock = getattr(client, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError, AttributeError, ValueError):
                    sock.shutdown(socket.SHUT_RDWR)


def watched(base: type, deadline: Deadline) -> type:
    """`base` (smtplib.SMTP or SMTP_SSL, imaplib.IMAP4 or IMAP4_SSL) with each client watched
    by `deadline` from the moment it opens its connection (the greeting is read then)."""
    opener = "connect" if issubclass(base, smtplib.SMTP) else "open"
    if not issubclass(base, smtplib.SMTP | imaplib.IMAP4):
        raise TypeError(base)

    def opened(self, *args, **kwargs):
        deadline.watch(self)
        return getattr(base, opener)(self, *args, **kwargs)

    return type(base.__name__, (base,), {opener: opened})
