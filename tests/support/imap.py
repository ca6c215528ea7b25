"""A real IMAP server for the tests, and what it takes to make it fail as servers do.

- `ImapServer`: pymap on 127.0.0.1, on a free port, with its in-memory backend or with its
  maildir backend (on disk, so that the mail survives the server being killed and started
  again; measured on pymap 0.36.7, its COPY/MOVE stores 1-byte messages, so the tests that
  move messages use the in-memory backend).
- `Relay`: a TCP relay on 127.0.0.1 in front of it, optionally speaking TLS to the client
  (IMAPS, or STARTTLS), which can cut a session at a chosen command: after letting part of
  the server's answer through, it calls `on_cut` (kill the server) and drops the client, as
  a server that goes away mid-fetch does.
- `certificates`: a certificate authority and a server certificate for 127.0.0.1 (made with
  `cryptography`), for tests that trust the authority through SSL_CERT_FILE.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from imap_tools import AND, MailBoxUnencrypted
from pysasl.hashing import BuiltinHash

USER, PASSWORD = "vpdp.ntm@camxuyen.example.org", "mật-khẩu-thử"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"no server on 127.0.0.1:{port}")


class ImapServer:
    """pymap in a subprocess; `start`, `kill`, and (maildir) `start` again."""

    def __init__(self, root: Path, *, maildir: bool = False) -> None:
        self.root = Path(root)
        self.maildir = maildir
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        (self.root / "mail").mkdir(parents=True, exist_ok=True)
        if maildir:
            (self.root / "pymap-etc-passwd").write_text(f"{USER}:x::::mail/vpdp:\n")
            hashed = BuiltinHash(rounds=1000).hash(PASSWORD)  # the default costs 0.5 s a login
            (self.root / "pymap-etc-shadow").write_text(f"{USER}:{hashed}:::::::\n")

    def start(self) -> ImapServer:
        command = [
            sys.executable,
            "-c",
            "import sys; from pymap.main import main; sys.exit(main())",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-tls",
            *(
                ["maildir", str(self.root)]
                if self.maildir
                else ["dict", "--demo-user", USER, "--demo-password", PASSWORD]
            ),
        ]
        log = open(self.root / "pymap.log", "ab")  # noqa: SIM115 - kept open for the process
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for(self.port)
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def session(self) -> MailBoxUnencrypted:
        """A client session of the test's own (plain, straight to the server)."""
        return MailBoxUnencrypted("127.0.0.1", self.port).login_utf8(USER, PASSWORD)

    def deliver(self, *messages: tuple[bytes, dt.datetime], folder: str = "INBOX") -> None:
        """Put each (raw message, arrival time) into `folder`, in one session (a login costs
        pymap's password hashing)."""
        with self.session() as box:
            for raw, when in messages:
                box.append(raw, folder, dt=when)

    def contents(self, folder: str = "INBOX") -> list[tuple[str, tuple[str, ...]]]:
        """(subject, flags) of each message in `folder`, in order; [] when it is missing."""
        with self.session() as box:
            if not box.folder.exists(folder):
                return []
            box.folder.set(folder)
            return [
                (m.subject, tuple(f for f in m.flags if f != "\\Recent"))
                for m in box.fetch(AND(all=True), mark_seen=False, headers_only=True)
            ]


class Relay:
    """Relays 127.0.0.1:`port` to the server's port. With `context`, the relay speaks TLS to
    the client: from the first byte (`starttls=False`, IMAPS), or after the client's STARTTLS
    (the relay announces it and answers it itself: pymap's own STARTTLS can lose a ClientHello
    that arrives while it is still answering the command, a race in asyncio's start_tls).

    With `cut_on`, the `cut_count`-th client command holding those bytes is forwarded (or,
    with `forward=False`, not), `cut_after` bytes of the server's answer are let through,
    then `on_cut` is called and the client dropped. It cuts once."""

    def __init__(
        self,
        target: int,
        *,
        context: ssl.SSLContext | None = None,
        starttls: bool = False,
        cut_on: bytes = b"",
        cut_count: int = 1,
        cut_after: int = 0,
        forward: bool = True,
        on_cut: Callable[[], None] = lambda: None,
    ) -> None:
        self.target = target
        self.context, self.starttls = context, starttls
        self.cut_on, self.cut_count, self.cut_after = cut_on, cut_count, cut_after
        self.forward, self.on_cut = forward, on_cut
        self.seen = 0
        self.cut = threading.Event()
        self._budget: int | None = None
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(client,), daemon=True).start()

    def _session(self, client: socket.socket) -> None:
        try:
            if self.context is not None and not self.starttls:
                client = self.context.wrap_socket(client, server_side=True)
            server = socket.create_connection(("127.0.0.1", self.target))
        except OSError:
            client.close()
            return
        link = _Link(client, server, plain=self.starttls)
        threading.Thread(target=self._pump_up, args=(link,), daemon=True).start()
        self._pump_down(link)

    def _drop(self, link: _Link) -> None:
        if not self.cut.is_set():
            self.cut.set()
            self.on_cut()
        link.close()

    def _pump_up(self, link: _Link) -> None:
        """Client → server, watching for STARTTLS and for the command to cut at."""
        while True:
            try:
                chunk = link.client.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                link.server.close()
                return
            if link.plain and chunk.upper().endswith(b" STARTTLS\r\n"):
                with link.lock:  # nothing else reaches the client during the handshake
                    link.client.sendall(chunk.split()[0] + b" OK Begin TLS negotiation now\r\n")
                    try:
                        link.client = self.context.wrap_socket(link.client, server_side=True)
                    except OSError:
                        link.close()
                        return
                    link.plain = False
                continue
            with self._lock:
                if self.cut_on and not self.cut.is_set() and self.cut_on in chunk:
                    self.seen += 1
                    if self.seen == self.cut_count:
                        if not self.forward:
                            self._drop(link)
                            return
                        self._budget = self.cut_after
            try:
                link.server.sendall(chunk)
            except OSError:
                return

    def _pump_down(self, link: _Link) -> None:
        """Server → client, letting through only the budget once a cut is due."""
        while True:
            try:
                chunk = link.server.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                link.client.close()
                return
            with self._lock:
                budget = self._budget
                if budget is not None and len(chunk) >= budget:
                    self._budget = None
                elif budget is not None:
                    self._budget = budget - len(chunk)
            with link.lock:
                if link.plain:  # pymap without TLS does not announce STARTTLS: the relay does
                    chunk = chunk.replace(b"IMAP4rev1 ", b"IMAP4rev1 STARTTLS ", 1)
                try:
                    if budget is not None and len(chunk) >= budget:
                        link.client.sendall(chunk[:budget])
                        self._drop(link)
                        return
                    link.client.sendall(chunk)
                except OSError:
                    return


class _Link:
    """One relayed session: the client's socket (replaced by its TLS socket after STARTTLS)
    and the server's."""

    def __init__(self, client: socket.socket, server: socket.socket, *, plain: bool) -> None:
        self.client, self.server, self.plain = client, server, plain
        self.lock = threading.Lock()

    def close(self) -> None:
        for sock in (self.client, self.server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def certificates(folder: Path) -> tuple[Path, Path, Path]:
    """(authority.pem, server.pem, server.key) for 127.0.0.1, valid for a day."""
    now = dt.datetime.now(dt.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("ntm-excel test CA"))
        .issuer_name(name("ntm-excel test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths
