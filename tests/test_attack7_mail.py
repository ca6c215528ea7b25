"""Attacks of the seventh round on collecting mail, each a crafted message delivered to a real
IMAP server (pymap) and collected by the real `collect` job, answers going to a real SMTP
server (aiosmtpd): the pass takes a few seconds whatever the message's headers hold, and the
other mail of the pass is collected as usual."""

from __future__ import annotations

import time

from test_intake import BINH, THANH, XLSX, at, letter, office_config, run_collect, workbook

from ntm_excel.jobs.intake import MAIL_FOLDER


def test_a_message_of_a_hundred_thousand_headers_is_collected_in_seconds(tmp_path, imap, smtp):
    """100,000 headers of distinct names (imap_tools lists header names in a list: on main's
    code, a minute of work) take seconds; the workbook it brings and the next commune's are
    saved and answered."""
    sink, smtp_port = smtp
    crafted = letter(THANH, "Biểu", [("thanh.xlsx", workbook(tmp_path, "thanh.xlsx"), XLSX)])
    headers = b"".join(b"X-Dem-%d: %d\r\n" % (n, n) for n in range(100_000))
    raw = headers + crafted.as_bytes()
    binh = letter(
        BINH,
        "Biểu Cẩm Bình",
        [
            (
                "binh.xlsx",
                workbook(tmp_path, "binh.xlsx", unit_code="18685", unit_name="Xã Cẩm Bình"),
                XLSX,
            )
        ],
    )
    imap.deliver((raw, at(12, 9, 0)), (binh.as_bytes(), at(12, 9, 5)))
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)

    started = time.monotonic()
    result, _ = run_collect(config)
    seconds = time.monotonic() - started

    assert result.ok, result.notes
    assert seconds < 20, seconds
    saved = sorted(p.name for p in (tmp_path / "inbox" / MAIL_FOLDER).iterdir())
    assert sorted(name.split("_", 2)[2] for name in saved) == ["binh.xlsx", "thanh.xlsx"]
    assert sorted(rcpt for [rcpt], _ in sink.messages()) == sorted([BINH, THANH])
