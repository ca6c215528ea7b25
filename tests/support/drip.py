"""A server on 127.0.0.1 that answers, but one byte at a time: each byte comes well within a
socket time-out, the whole answer never does (a broken server or proxy, a dying link).

`DripServer(greeting, reply)` sends `greeting` to each connection, then `reply` to each line it
receives, a byte every `pause` seconds; it counts connections and closes every connection
after `lifetime` seconds, so that a client without a deadline of its own fails a test instead
of hanging it.
"""

from __future__ import annotations

import socket
import threading
import time


class DripServer:
    def __init__(
        self, greeting: bytes, reply: bytes, *, pause: float = 0.1, lifetime: float = 30
    ) -> None:
        self.greeting, self.reply, self.pause, self.lifetime = greeting, reply, pause, lifetime
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.stopped = threading.Event()
        self.threads: list[threading.Thread] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._talk, args=(connection,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _drip(self, connection: socket.socket, data: bytes, until: float) -> bool:
        for byte in data:
            if self.stopped.is_set() or time.monotonic() > until:
                return False
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                return False
            time.sleep(self.pause)
        return True

    def _talk(self, connection: socket.socket) -> None:
        until = time.monotonic() + self.lifetime
        connection.settimeout(0.2)
        with connection:
            if not self._drip(connection, self.greeting, until):
                return
            while not self.stopped.is_set() and time.monotonic() < until:
                try:
                    line = connection.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not line or not self._drip(connection, self.reply, until):
                    return

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()
        for thread in self.threads:
            thread.join()
        self.listener.close()
