"""A job stopped by an error that is no NtmError (a fault of the program): the result, the
ledger and the printed lines say in Vietnamese which job stopped and on what error; the
traceback goes to the log alone."""

from __future__ import annotations

import logging

from test_scheduler import ledger, make_runner, office

from ntm_excel.jobs.scheduler import describe
from ntm_excel.jobs.table import BY_NAME, COLLECT

__all__ = ["ledger", "office"]  # the fixtures, used by name


def test_a_fault_in_a_job_is_said_in_vietnamese_with_the_job_and_the_error(
    tmp_path, ledger, office, caplog
):
    (tmp_path / "inbox" / "18694.xlsx").write_bytes(b"x")
    runner = make_runner(tmp_path, ledger, office)
    office.fail = True  # its refresh raises RuntimeError("biểu hỏng")
    with caplog.at_level(logging.ERROR, logger="ntm_excel.jobs"):
        result = runner.run(COLLECT)
    assert not result.ok
    assert result.error.startswith(f"Việc {COLLECT} ({BY_NAME[COLLECT].title}) gặp lỗi")
    assert "biểu hỏng" in result.error and "nhật ký" in result.error
    assert not result.error.startswith("RuntimeError")
    printed = "\n".join(describe(result))
    assert result.error in printed and "Traceback" not in printed
    (record,) = [r for r in caplog.records if r.exc_info]
    assert record.getMessage().startswith(result.error)
    assert "Traceback" in caplog.text and "RuntimeError: biểu hỏng" in caplog.text
