"""Unit reminders on the bundled samples, as `jobs once unit-reminders` sends them: the mail and
the feedback workbook it attaches tell a commune the same issues, with the same counts."""

from __future__ import annotations

import email
import io
import re
from contextlib import redirect_stdout
from datetime import date
from email import policy

import openpyxl
import pytest

from ntm_excel.check.consolidate import consolidate_from_config
from ntm_excel.check.figures import IssueCounts, unit_issues
from ntm_excel.cli import main
from ntm_excel.config import BUNDLED, load_config

COUNTS = re.compile(r"có (\d+) lỗi cần sửa(?:, (\d+) cảnh báo cần kiểm tra)?\.")
NOTE = re.compile(r"— (\d+) lỗi phải sửa, (\d+) cảnh báo cần kiểm tra")


@pytest.fixture(scope="module")
def reminders(tmp_path_factory) -> dict[str, email.message.EmailMessage]:
    """The reminders written to the outbox (no mail server), by recipient."""
    root = tmp_path_factory.mktemp("nhac")
    bundled = load_config()
    config = root / "cau_hinh.toml"
    config.write_text(
        f"""
[data]
catalog = "{bundled.catalog}"
registry = "{bundled.registry}"
plan = "{bundled.plan}"
contacts = "{bundled.contacts}"
reporting_deadline = 2021-03-15
[output]
state_dir = "{root / "var"}"
[mail]
outbox = "{root / "outbox"}"
[schedule]
inbox = "{BUNDLED / "mau_nop"}"
""",
        encoding="utf-8",
    )
    argv = ["jobs", "once", "unit-reminders", "--as-of", "2021-03-25", "--config", str(config)]
    with redirect_stdout(io.StringIO()):
        assert main(argv) == 0
    found = {}
    for path in sorted((root / "outbox").glob("*_unit-reminders_*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        found[str(message["To"].addresses[0].addr_spec)] = message
    return found


def listed(message) -> list[str]:
    """The severities of the issues a reminder lists."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"^- (Lỗi|Cảnh báo) — ", text, flags=re.MULTILINE)


def attached_list(message) -> tuple[tuple[int, int], list[tuple[str, str, str]]]:
    """The counts the attached «Góp ý» sheet states, and its rows (severity, code, content)."""
    [part] = [p for p in message.iter_attachments()]
    sheet = openpyxl.load_workbook(io.BytesIO(part.get_content()))["Góp ý"]
    counts = tuple(map(int, NOTE.search(sheet["A2"].value).groups()))
    rows = [(r[1], r[3], r[6]) for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]]
    return counts, rows


def test_every_reminder_counts_and_lists_what_its_attachment_lists(reminders):
    with_feedback = [m for m in reminders.values() if any(m.iter_attachments())]
    assert len(with_feedback) >= 8
    for message in with_feedback:
        text = message.get_body(preferencelist=("plain",)).get_content()
        errors, warnings = (int(n or 0) for n in COUNTS.search(text).groups())
        (sheet_errors, sheet_warnings), rows = attached_list(message)
        assert (errors, warnings) == (sheet_errors, sheet_warnings), message["Subject"]
        severities = [severity for severity, _, _ in rows]
        assert (severities.count("Lỗi"), severities.count("Cảnh báo")) == (errors, warnings)
        assert listed(message) == ["Lỗi"] * errors + ["Cảnh báo"] * warnings
        assert f"có {errors} lỗi cần sửa" in message["Subject"]


def test_an_unreadable_resend_is_in_the_mail_and_in_the_feedback(reminders):
    """Cẩm Hưng's newer file cannot be read: the reminder and the «Góp ý» sheet both name it,
    with the two warnings about the workbook used; so does Cẩm Trung's password-protected one."""
    hung = reminders["ubnd.camhung@camxuyen.example.org"]
    text = hung.get_body(preferencelist=("plain",)).get_content()
    assert "Xã Cẩm Hưng: biểu tự đánh giá có 1 lỗi cần sửa, 3 cảnh báo cần kiểm tra." in text
    assert "- Lỗi — cam_hung_gui_lai_loi.xlsx: Không đọc được tệp" in text
    assert "- Cảnh báo — xa_cam_hung.xls › Biểu tự đánh giá › F48: Chỉ tiêu 14.2" in text
    assert "trang «Góp ý» của tệp đính kèm «Góp ý - Xã Cẩm Hưng.xlsx»" in text
    (counts, rows) = attached_list(hung)
    assert counts == (1, 3)
    assert ("Lỗi", "file-unreadable") == rows[0][:2]
    assert rows[0][2].startswith("Tệp «cam_hung_gui_lai_loi.xlsx»: Không đọc được tệp")
    assert "unit-newest-unreadable" in [code for _, code, _ in rows]

    trung = reminders["ubnd.camtrung@camxuyen.example.org"]
    (counts, rows) = attached_list(trung)
    assert counts == (2, 1) and "có 2 lỗi cần sửa" in trung["Subject"]
    assert any("xa_cam_trung_co_mat_khau.xlsx" in content for _, _, content in rows)


def test_a_units_counts_are_the_issues_it_is_told():
    """Everywhere a unit's errors and warnings are counted (master, CSV, mails), they are the
    errors and warnings of `unit_issues`: what its reminder and feedback workbook list."""
    consolidation = consolidate_from_config([BUNDLED / "mau_nop"], load_config(), as_of=date(2021, 3, 25))
    for report in consolidation.units:
        if report.submitted:
            counts = IssueCounts.of(unit_issues(report.unit.code, consolidation.issues))
            assert (counts.errors, counts.warnings) == (report.errors, report.warnings)

