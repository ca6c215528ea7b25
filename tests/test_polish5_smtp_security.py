"""A wrong connection security in cau_hinh.toml («tls» for «starttls») is refused when the
configuration is read, with the values allowed, even while no mail server is configured (mails
go to the outbox): it used to wait, silent, until the day a server was written in. Driven
through `ntm-excel digest` on a real configuration file."""

from __future__ import annotations

import pytest
from test_scheduler import write_config

from ntm_excel.cli import main


@pytest.mark.parametrize(
    ("written", "section", "key"),
    [
        ('smtp_security = "tls"', "mail", "smtp_security"),
        ('[mailbox]\nsecurity = "SSL/TLS"', "mailbox", "security"),
    ],
)
def test_a_wrong_security_is_refused_without_a_server(
    tmp_path, monkeypatch, capsys, written, section, key
):
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    config = write_config(tmp_path)  # no smtp_host: the outbox
    text = config.read_text(encoding="utf-8")
    if section == "mail":
        text = text.replace('smtp_security = "none"', written)
    else:
        text += written + "\n"
    config.write_text(text, encoding="utf-8")
    value = written.split('"')[1]

    assert main(["digest", "--config", str(config), "--as-of", "2021-03-25"]) == 2
    err = capsys.readouterr().err
    assert f"Tệp cấu hình {config}, mục [{section}], khóa «{key}»: «{value}»" in err
    assert "«starttls»" in err and "«ssl»" in err and "«none»" in err
    assert not (tmp_path / "var").exists() and not (tmp_path / "outbox").exists()
