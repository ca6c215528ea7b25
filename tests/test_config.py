"""The office's configuration file: paths relative to it, overrides, and misspelt keys refused."""

import re

import pytest

from ntm_excel.cli import main
from ntm_excel.config import BUNDLED, ConfigError, load_config


def test_bundled_configuration_points_at_the_bundled_workbooks():
    config = load_config()
    assert config.catalog == BUNDLED / "bo_tieu_chi.csv" and config.catalog.exists()
    assert config.registry.exists() and config.plan.exists() and config.contacts.exists()
    assert config.schedule.inbox == BUNDLED / "mau_nop"
    assert config.catalog_set == "xa_2016_2020" and config.due_soon_days == 7
    assert str(config.reporting_deadline) == "2021-03-15"


def test_paths_are_relative_to_the_file_and_the_state_dir_can_move(tmp_path, monkeypatch):
    file = tmp_path / "cau_hinh.toml"
    file.write_text('[data]\nregistry = "dv.xlsx"\n[schedule]\ninbox = "nhan"\n', "utf-8")
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)
    config = load_config(file)
    assert config.registry == tmp_path / "dv.xlsx" and config.schedule.inbox == tmp_path / "nhan"
    assert str(config.state_dir) == "var"
    monkeypatch.setenv("NTM_STATE_DIR", str(tmp_path / "trang_thai"))
    assert load_config(file).state_dir == tmp_path / "trang_thai"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[data]\ncatalogue = "x.csv"\n', "mục [data]: không có khóa «catalogue»"),
        ('[mai]\nsmtp_host = "x"\n', "không có mục «mai»"),
        ("[data\n", "sai cú pháp"),
        (
            '[schedule]\nsteering_committee = ["bcd@camxuyen.example.org\\r\\nBcc: x@y.org"]\n',
            "khóa «steering_committee»: «bcd@camxuyen.example.org␤␤Bcc: x@y.org» không phải",
        ),
        ('[mail]\nsmtp_timeout = "ba mươi"\n', "có giá trị sai"),
    ],
)
def test_a_misspelt_or_broken_file_is_refused_clearly(tmp_path, capsys, text, message):
    file = tmp_path / "cau_hinh.toml"
    file.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(file)
    assert main(["tasks", "--config", str(file)]) == 2
    assert message in capsys.readouterr().err
