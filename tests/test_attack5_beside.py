"""A problem for a person to act on (`NtmError`) raised in a forked writer is raised again
in the parent as itself, said plainly; one whose class cannot be built again from its
message (a deadline's, made of the text and the reason) as a plain `NtmError` saying the
same, not a `TypeError` from the pipe."""

from __future__ import annotations

import pytest

from ntm_excel.errors import DeadlineError, NtmError, StoreError
from ntm_excel.write.beside import beside


def _raise(error: NtmError) -> None:
    raise error


def test_a_store_error_in_the_child_is_raised_as_itself():
    with pytest.raises(StoreError, match="^kho hỏng$"), beside(_raise, StoreError("kho hỏng")):
        pass


def test_an_error_not_built_from_its_message_is_said_the_same():
    said = "^Không đọc được thời hạn «Quý V»: không có quý V$"
    error = DeadlineError("Quý V", "không có quý V")
    with pytest.raises(NtmError, match=said), beside(_raise, error):
        pass
