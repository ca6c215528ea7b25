"""The collect job's notes name the attachments it refused by reason, with how many and a
few names: a zip of nested zips was one note line per member, the whole list in the log.
A real IMAP server (pymap) and SMTP server (aiosmtpd), a real workbook."""

from __future__ import annotations

from test_intake import (
    HA_CLERK,
    XLSX,
    at,
    letter,
    office_config,
    run_collect,
    workbook,
    zipped,
)

from ntm_excel.jobs.attachments import UNSUPPORTED_SUFFIXES

RAR = ("application", "vnd.rar")


def test_refused_attachments_are_noted_by_reason_with_counts_and_a_few_names(tmp_path, imap, smtp):
    _, smtp_port = smtp
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)
    good = workbook(tmp_path, "ha.xlsx", unit_code="18727", unit_name="Xã Cẩm Hà")
    nested = zipped({f"ban_{n}.zip": b"PK\x05\x06" + bytes(18) for n in range(8)})
    files = [
        ("bieu.xlsx", good, XLSX),
        ("ho_so.zip", nested, ("application", "zip")),
        ("mot.rar", b"Rar!\x1a\x07\x00", RAR),
        ("hai.rar", b"Rar!\x1a\x07\x00", RAR),
    ]
    imap.deliver((letter(HA_CLERK, "Biểu và hồ sơ", files).as_bytes(), at(13, 8, 0)))

    result, _ = run_collect(config)

    assert result.ok, result.error
    (line,) = [note for note in result.notes if note.startswith("không nhận")]
    assert line.startswith("không nhận 10 tệp: tệp nén nằm trong tệp nén «ho_so.zip»")
    assert "(8 tệp: «ban_0.zip», «ban_1.zip», «ban_2.zip» và 5 tệp khác)" in line
    assert f"{UNSUPPORTED_SUFFIXES['.rar']} (2 tệp: «mot.rar», «hai.rar»)" in line
    assert "ban_3.zip" not in line and line.count("tệp nén nằm trong") == 1
