"""Every test gets its own state folder: a command run without --state-dir records its
history there, never in the checkout's var/. The session-wide folder covers module-scoped
fixtures too, which pytest sets up before any function-scoped fixture."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def _session_state_dir(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NTM_STATE_DIR", str(tmp_path_factory.mktemp("var")))
        yield


@pytest.fixture(autouse=True)
def _state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NTM_STATE_DIR", str(tmp_path / "var"))
