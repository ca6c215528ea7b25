"""Running the test suite in an office's working copy never touches its state: the README's
test command is run where `var/` holds the office's real submission history."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def state_dir_of_a_module_fixture() -> str | None:
    """What a module-scoped fixture (set up before any function-scoped one) would write to."""
    return os.environ.get("NTM_STATE_DIR")


def test_a_module_fixture_writes_its_history_in_a_temporary_folder(
    state_dir_of_a_module_fixture, tmp_path_factory
):
    seen = state_dir_of_a_module_fixture
    assert seen, "a module-scoped fixture would record into the checkout's var/"
    assert Path(seen).resolve().is_relative_to(tmp_path_factory.getbasetemp().resolve())
    assert not Path(seen).resolve().is_relative_to(ROOT)
