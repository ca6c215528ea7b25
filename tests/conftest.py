"""Every test gets its own state folder: a command run without --state-dir records its
history there, never in the checkout's var/."""

import pytest


@pytest.fixture(autouse=True)
def _state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NTM_STATE_DIR", str(tmp_path / "var"))
