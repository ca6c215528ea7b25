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
            '[schedule]\nsteering_committee = ["bcd@camxuyen.example.org, Bcc: x@y.org"]\n',
            "khóa «steering_committee»: «bcd@camxuyen.example.org, Bcc: x@y.org» không phải",
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


def test_a_file_saved_by_windows_notepad(tmp_path):
    """A byte-order mark (Notepad's «UTF-8 with BOM») is fine; Windows paths in single quotes are
    taken as written."""
    file = tmp_path / "cau_hinh.toml"
    path = "C:\\Users\\VPDP\\Tài liệu\\Nông thôn mới\\tong_hop.xlsx"
    file.write_bytes(f"\ufeff[output]\nmaster = '{path}'\n".encode())
    assert str(load_config(file).master) == path


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"C:\\Users\\VPDP\\tong_hop.xlsx"', "sai cú pháp: Invalid hex value"),  # \U: an escape
        ('"C:\\Tai lieu\\tong_hop.xlsx"', "sai cú pháp: Unescaped"),
        # \n and \t are valid escapes: a path with a line break and a tab in it
        ('"D:\\ntm\\tong_hop.xlsx"', "mục [output], khóa «master»: giá trị có ký tự xuống dòng"),
    ],
)
def test_windows_paths_in_double_quotes_get_a_hint(tmp_path, value, message):
    file = tmp_path / "cau_hinh.toml"
    file.write_text(f"[output]\nmaster = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(file)
    hint = "dễ hơn là dùng nháy đơn ('C:\\Users\\VPDP\\Tài liệu\\tong_hop.xlsx')"
    assert message in str(raised.value) and hint in str(raised.value)


def test_a_file_in_a_legacy_code_page_is_refused_clearly(tmp_path, capsys):
    file = tmp_path / "cau_hinh.toml"
    file.write_bytes("[mail]\nsender_name = 'Tài'\n".encode("cp1258"))  # Notepad's «ANSI»
    assert main(["tasks", "--config", str(file)]) == 2
    assert capsys.readouterr().err == (
        f"Lỗi cấu hình: Tệp cấu hình {file} không phải dạng UTF-8: hãy mở bằng Notepad, chọn "
        "File › Save As…, mục Encoding chọn «UTF-8» rồi lưu lại\n"
    )


def test_the_mailbox_section_and_no_password_in_the_file(tmp_path, monkeypatch):
    from ntm_excel.config import MailboxSettings
    from ntm_excel.jobs.mailbox import check_mailbox

    assert load_config().mailbox.host == ""  # without a mailbox, collect watches the folder
    file = tmp_path / "cau_hinh.toml"
    file.write_text(
        '[mailbox]\nhost = "imap.camxuyen.example.org"\nport = 143\nsecurity = "starttls"\n'
        'user = "vpdp.ntm@camxuyen.example.org"\nprocessed_folder = "Đã nhận biểu"\n',
        "utf-8",
    )
    assert load_config(file).mailbox == MailboxSettings(
        "imap.camxuyen.example.org", 143, "starttls", "vpdp.ntm@camxuyen.example.org",
        "INBOX", "Đã nhận biểu",
    )  # fmt: skip
    file.write_text('[mailbox]\nhost = "imap.example.org"\npassword = "123"\n', "utf-8")
    with pytest.raises(ConfigError, match="mục \\[mailbox\\]: không có khóa «password»"):
        load_config(file)
    monkeypatch.delenv("NTM_IMAP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="chưa có mật khẩu: hãy đặt biến môi trường NTM_IMAP"):
        check_mailbox(MailboxSettings(host="imap.example.org", user="vpdp"), file)
    monkeypatch.setenv("NTM_IMAP_PASSWORD", "mật khẩu")
    for wrong, message in [
        ({"security": "tls"}, "«tls» không hợp lệ \\(chọn: none, starttls, ssl\\)"),
        ({"port": 0}, "khóa «port»: 0 không phải cổng hợp lệ"),
        ({"user": ""}, "thiếu khóa «user»"),
    ]:
        settings = MailboxSettings(**{"host": "imap.example.org", "user": "vpdp"} | wrong)
        with pytest.raises(ConfigError, match=message):
            check_mailbox(settings, file)
