"""`ntm-excel digest` with an inbox, a contact book or a plan that is not there: it says so
as the job does (exit 1) and creates nothing — no state folder, no empty mail ledger that a
later run would take for a first one. Driven through the command with a real configuration."""

from __future__ import annotations

import shutil

import pytest
from test_scheduler import cli, write_config

from ntm_excel.config import load_config


@pytest.mark.parametrize("missing", ["inbox", "contacts", "plan"])
def test_digest_refuses_a_missing_input_before_creating_anything(tmp_path, monkeypatch, missing):
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    gone = tmp_path / "khong_co" / f"{missing}.xlsx"
    if missing == "inbox":
        config = write_config(tmp_path)
        shutil.rmtree(tmp_path / "inbox")
        gone = tmp_path / "inbox"
    elif missing == "contacts":
        config = write_config(tmp_path, contacts=gone)
    else:
        config = write_config(tmp_path)
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace(str(load_config().plan), str(gone)), encoding="utf-8")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    code, printed = cli("digest", "--config", str(config), "--as-of", "2021-03-25")

    assert code == 1
    assert printed.startswith("daily-digest (2021-03-25): LỖI — ")
    assert f"«{gone}»" in printed if missing == "inbox" else str(gone) in printed
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert not (tmp_path / "var").exists()
