"""Attacks of the seventh round on collecting mail, each a crafted message delivered to a real
IMAP server (pymap) and collected by the real `collect` job, answers going to a real SMTP
server (aiosmtpd): the pass takes a few seconds whatever the message's headers hold, and the
other mail of the pass is collected as usual."""

from __future__ import annotations

import tracemalloc

from test_intake import (
    BINH,
    THANH,
    XLSX,
    at,
    body,
    letter,
    office_config,
    run_collect,
    workbook,
    zipped,
)

from ntm_excel.jobs.attachments import MAX_PIECES, MAX_REFERENCES, read_letter
from ntm_excel.jobs.intake import MAIL_FOLDER

ZIP = ("application", "zip")


def test_a_message_of_a_hundred_thousand_headers_is_collected(tmp_path, imap, smtp):
    """100,000 headers of distinct names (imap_tools lists header names in a list: a minute
    of work before they were read from the parsed message and cut, 3 s after; no test asserts
    a time): the workbook it brings and the next commune's are saved and answered."""
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

    result, _ = run_collect(config)

    assert result.ok, result.notes
    saved = sorted(p.name for p in (tmp_path / "inbox" / MAIL_FOLDER).iterdir())
    assert sorted(name.split("_", 2)[2] for name in saved) == ["binh.xlsx", "thanh.xlsx"]
    assert sorted(rcpt for [rcpt], _ in sink.messages()) == sorted([BINH, THANH])


def test_an_attachment_of_thirty_megabytes_is_refused_within_two_hundred_megabytes(
    tmp_path, imap, smtp
):
    """A message of 40 MB (just under the download limit) holding a «workbook» of 30 MB: on
    main's code, reading it took 314 MB (the parser's copy of the whole message, four bytes a
    character, then the body decoded); now the body is refused by its encoded length, the
    message read a piece at a time. The commune is told why, and the next mail is collected."""
    sink, smtp_port = smtp
    huge = letter(THANH, "Biểu rất lớn", [("thanh.xlsx", b"\0" * 30_000_000, XLSX)])
    binh = letter(BINH, "Biểu Cẩm Bình", [("binh.xlsx", workbook(tmp_path, "binh.xlsx"), XLSX)])
    imap.deliver((huge.as_bytes(), at(12, 9, 0)), (binh.as_bytes(), at(12, 9, 5)))
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)
    del huge

    tracemalloc.start()
    try:
        result, _ = run_collect(config)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert result.ok, result.notes
    assert peak < 200 * 1024 * 1024, peak
    assert "tệp quá lớn (29 MB, giới hạn 20 MB cho một tệp)" in " ".join(result.notes)
    saved = [p.name for p in (tmp_path / "inbox" / MAIL_FOLDER).iterdir()]
    assert [name.split("_", 2)[2] for name in saved] == ["binh.xlsx"]
    answers = {rcpt: message for [rcpt], message in sink.messages()}
    assert sorted(answers) == sorted([BINH, THANH])
    assert "tệp quá lớn (29 MB" in body(answers[THANH])


def test_a_message_of_a_hundred_and_fifty_zips_of_five_hundred_members_is_cut_short(
    tmp_path, imap, smtp
):
    """150 zip attachments of 500 tiny «workbooks» each: on main's code, 75,000 refused files,
    each opened, recorded and listed; now the message names MAX_PIECES of them (the first
    zip's) and one more for all the rest, the other zips left unopened. The commune is
    answered, the next mail collected."""
    sink, smtp_port = smtp
    members = zipped({f"{n}.xlsx": b"" for n in range(500)})
    crafted = letter(THANH, "Nhiều tệp nén", [(f"{n}.zip", members, ZIP) for n in range(150)])
    binh = letter(BINH, "Biểu Cẩm Bình", [("binh.xlsx", workbook(tmp_path, "binh.xlsx"), XLSX)])
    imap.deliver((crafted.as_bytes(), at(12, 9, 0)), (binh.as_bytes(), at(12, 9, 5)))
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)

    result, _ = run_collect(config)

    assert result.ok, result.notes
    notes = " ".join(result.notes)
    left = 500 - MAX_PIECES + 149  # the first zip's members past the cap, the other zips
    assert f"{left} tệp khác không được xem xét" in notes
    saved = [p.name for p in (tmp_path / "inbox" / MAIL_FOLDER).iterdir()]
    assert sorted(name.split("_", 2)[2] for name in saved) == ["0.xlsx", "binh.xlsx"]
    answers = {rcpt: message for [rcpt], message in sink.messages()}
    assert sorted(answers) == sorted([BINH, THANH])
    assert "Nhiều tệp nén" in body(answers[THANH]) and len(body(answers[THANH])) < 20_000


def test_the_answer_to_a_long_thread_keeps_its_newest_references():
    """A References header of 60 msg-ids (a long back-and-forth, 5,000 characters): the
    header is read cut to 4,000 characters, from its end, so the answer still threads under
    the commune's last message."""
    thread = [f"<{n:03d}.{'x' * 70}@camthanh.example.org>" for n in range(60)]
    message = letter(THANH, "Re: Biểu", [("thanh.xlsx", b"PK\x03\x04", XLSX)])
    references = b"References: " + "\r\n ".join(thread).encode() + b"\r\n"

    found = read_letter(references + message.as_bytes())

    assert found.references == tuple(thread[-MAX_REFERENCES:])
