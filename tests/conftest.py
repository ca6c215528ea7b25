"""Every test gets its own state folder: a command run without --state-dir records its
history there, never in the checkout's var/. The session-wide folder covers module-scoped
fixtures too, which pytest sets up before any function-scoped fixture."""

import pytest
from aiosmtpd.controller import Controller
from support.imap import PASSWORD, ImapServer, free_port
from support.smtp import Sink

from ntm_excel.config import load_config
from ntm_excel.jobs.mailbox import PASSWORD_ENV
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry


@pytest.fixture(scope="session", autouse=True)
def _session_state_dir(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NTM_STATE_DIR", str(tmp_path_factory.mktemp("var")))
        yield


@pytest.fixture(autouse=True)
def _state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NTM_STATE_DIR", str(tmp_path / "var"))


@pytest.fixture(scope="module")
def registry():
    """The bundled registry (a test module may define its own)."""
    return load_registry(load_config().registry)


@pytest.fixture(scope="module")
def indicators():
    """The bundled 2016–2020 commune set as Hà Tĩnh applies it."""
    return load_catalog(load_config().catalog).resolve("xa_2016_2020", "Hà Tĩnh")


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1: (its sink, its port)."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def imap(tmp_path, monkeypatch):
    """A real IMAP server (pymap) with the office's password in the environment."""
    server = ImapServer(tmp_path / "imap").start()
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    yield server
    server.kill()
