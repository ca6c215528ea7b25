"""The scheduled jobs as a newcomer meets them: a weekly summary with nothing readable in the
inbox is not sent."""

from __future__ import annotations

import shutil
from pathlib import Path

from test_scheduler import cli, write_config

SAMPLES = Path(__file__).resolve().parents[1] / "workbooks" / "mau_nop"
COMMITTEE = 'steering_committee = ["bcd1@camxuyen.example.org", "bcd2@camxuyen.example.org"]\n'


def test_a_weekly_summary_with_nothing_readable_is_not_sent(tmp_path, monkeypatch):
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    config = write_config(tmp_path)
    config.write_text(config.read_text(encoding="utf-8") + COMMITTEE, encoding="utf-8")
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    (inbox / "xa_cam_thanh.xlsx").write_bytes(b"khong phai bang tinh")  # a broken attachment
    once = ["jobs", "once", "weekly-summary", "--config", str(config), "--as-of", "2021-03-22"]
    code, printed = cli(*once)
    assert code == 1
    assert "weekly-summary (2021-W12): LỖI — không đọc được biểu nào" in printed
    assert "chưa gửi báo cáo tuần" in printed
    assert not outbox.exists() or not list(outbox.iterdir())  # no summary of «chưa nộp» rows
    # A commune's workbook arrives: the same week's summary is sent then, to each member.
    shutil.copy(SAMPLES / "18730_xa_cam_loc.xlsx", inbox)
    code, printed = cli(*once)
    assert code == 0, printed
    assert "đã gửi 2 thư" in printed
    assert sorted(p.name for p in outbox.iterdir()) == [
        "2021-W12_weekly-summary_bcd1@camxuyen.example.org.eml",
        "2021-W12_weekly-summary_bcd2@camxuyen.example.org.eml",
    ]
