"""The office's configuration file: paths relative to it, overrides, and misspelt keys refused."""

import os
import re
from pathlib import Path

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


def test_a_partial_configuration_elsewhere_names_the_keys_to_set(tmp_path, capsys):
    """A configuration in another folder that sets only the deadline looks for every data
    file beside itself: the message names the [data] keys to set and says that relative paths
    are taken from the configuration's folder (all the missing files at once)."""
    folder = tmp_path / "van phong"
    folder.mkdir()
    file = folder / "cau_hinh.toml"
    file.write_text("[data]\nreporting_deadline = 2021-03-15\n", "utf-8")
    inbox = str(BUNDLED / "mau_nop")
    assert main(["consolidate", inbox, "--config", str(file), "-o", str(tmp_path / "t.xlsx")]) == 2
    message = capsys.readouterr().err
    for key, name in [("plan", "ke_hoach_2021.xlsx"), ("contacts", "danh_ba.xlsx"),
                      ("catalog", "bo_tieu_chi.csv"), ("registry", "don_vi.xlsx")]:  # fmt: skip
        assert f"{folder / name} (chưa ghi khóa [data] {key}: tìm tệp mặc định «{name}»" in message
    assert f"đường dẫn tương đối được tính từ thư mục chứa tệp cấu hình ({folder})" in message
    assert "Hãy ghi đường dẫn của tệp vào khóa đó trong mục [data]" in message

    bundled = load_config()
    file.write_text(f'[data]\nplan = "kh.xlsx"\ncontacts = "{bundled.contacts}"\n', "utf-8")
    assert main(["tasks", "--config", str(file)]) == 2
    message = capsys.readouterr().err
    assert f"tệp kế hoạch {folder / 'kh.xlsx'} (khóa [data] plan chỉ tới tệp này)" in message
    assert "danh sách đơn vị" in message and "danh_ba" not in message
    assert main(["catalog", "show", "--config", str(file)]) == 2
    assert "bộ tiêu chí" in capsys.readouterr().err


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
        (
            '[mail]\nsmtp_timeout = "ba mươi"\n',
            "mục [mail], khóa «smtp_timeout»: giá trị «ba mươi» không dùng được: cần một số",
        ),
        (
            '[data]\ndue_soon_days = "bảy"\n',
            "khóa «due_soon_days»: giá trị «bảy» không dùng được: cần một số nguyên",
        ),
        # bool("false") would be True: a quoted word never turns a setting on or off
        ('[schedule]\nskip_weekends = "false"\n', "khóa «skip_weekends»: giá trị «false»"),
        ('[data]\nreporting_deadline = "31/02/2021"\n', "cần một ngày có thật"),
        ("[data]\nregistry = 5\n", "khóa «registry»: giá trị «5» không dùng được"),
        ('[schedule]\nsteering_committee = "a@b.vn"\n', "cần một danh sách trong ngoặc vuông"),
        ("[data]\ncatalog_set = 2016\n", "khóa «catalog_set»: giá trị «2016»"),
        ("\n\n[data\n", "sai cú pháp ở dòng 3, cột 6 «[data»: thiếu dấu ] ở cuối tên mục"),
        ("[data]\nplan = x\n", "giá trị không hợp lệ (chữ phải nằm trong dấu nháy)"),
        ('[data]\nplan = "a" b = 1\n', "sau mỗi khóa = giá trị phải xuống dòng"),
        # numbers: a whole TOML number, not quoted, not negative, not absurd
        ('[data]\ndue_soon_days = "30"\n', "khóa «due_soon_days»: giá trị «30» không dùng được"),
        ("[data]\ndue_soon_days = 7.5\n", "khóa «due_soon_days»: giá trị «7.5» không dùng được"),
        ("[data]\ndue_soon_days = -3\n", "cần một số nguyên từ 0 trở lên"),
        ("[data]\ndue_soon_days = 100000000000\n", "cần một số nguyên từ 0 trở lên"),
        ("[mail]\nsmtp_timeout = -1\n", "cần một số từ 0 trở lên"),
        ("[mail]\nsmtp_port = 0\n", "cần số cổng từ 1 đến 65535"),
        ("[mail]\nsmtp_port = 99999\n", "cần số cổng từ 1 đến 65535"),
    ],
)
def test_a_misspelt_or_broken_file_is_refused_clearly(tmp_path, capsys, text, message):
    file = tmp_path / "cau_hinh.toml"
    file.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(file)
    assert main(["tasks", "--config", str(file)]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("written", ["2021-03-15", '"2021-03-15"', '"15/03/2021"'])
def test_the_deadline_as_people_type_it(tmp_path, written):
    """A quoted day-first date is what a clerk types; it used to reach the consolidation as
    text and stop `consolidate` with a traceback."""
    file = tmp_path / "cau_hinh.toml"
    file.write_text(f"[data]\nreporting_deadline = {written}\n", "utf-8")
    assert str(load_config(file).reporting_deadline) == "2021-03-15"


def test_a_file_saved_by_windows_notepad(tmp_path):
    """A byte-order mark (Notepad's «UTF-8 with BOM») is fine; Windows paths in single quotes are
    taken as written on Windows. Elsewhere a relative one's backslashes separate its folders,
    and a drive is refused, saying why (it would be a file named «C:\\Users\\…» here)."""
    file = tmp_path / "cau_hinh.toml"
    path = "C:\\Users\\VPDP\\Tài liệu\\Nông thôn mới\\tong_hop.xlsx"
    file.write_bytes(f"\ufeff[output]\nmaster = '{path}'\n".encode())
    if os.name == "nt":
        assert str(load_config(file).master) == path
        return
    with pytest.raises(ConfigError) as raised:
        load_config(file)
    assert "khóa «master»: giá trị «C:\\Users\\VPDP" in str(raised.value)
    assert "đây là đường dẫn Windows" in str(raised.value)
    file.write_bytes("\ufeff[output]\nmaster = 'Nông thôn mới\\tong_hop.xlsx'\n".encode())
    assert load_config(file).master == Path("Nông thôn mới") / "tong_hop.xlsx"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            '"C:\\Users\\VPDP\\tong_hop.xlsx"',
            'sai cú pháp ở dòng 2, cột 15 «master = "C:\\Users\\VPDP\\tong_hop.xlsx"»: dấu \\ '
            "trong chuỗi",
        ),  # \U: an escape
        ('"C:\\Tai lieu\\tong_hop.xlsx"', "sai cú pháp ở dòng 2, cột"),
        # \n and \t are valid escapes: a path with a line break and a tab in it
        ('"D:\\ntm\\tong_hop.xlsx"', "mục [output], khóa «master»: giá trị có ký tự xuống dòng"),
    ],
)
def test_windows_paths_in_double_quotes_get_a_hint(tmp_path, value, message):
    file = tmp_path / "cau_hinh.toml"
    file.write_text(f"[output]\nmaster = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(file)
    hint = "phải viết \\\\ thay cho \\; dễ hơn là dùng nháy đơn"
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


@pytest.mark.parametrize("option", ["--config", "--catalog", "--registry"])
def test_an_office_file_that_is_a_device_or_huge_is_refused_unread(tmp_path, capsys, option):
    """Never read whole: /dev/zero would fill the memory, a 60 MB «catalogue» is a mistake."""
    huge = tmp_path / "lon.xlsx"
    with huge.open("wb") as file:
        file.truncate(60 * 1024 * 1024)  # sparse: nothing written
    targets = [huge] + ([Path("/dev/zero")] if os.name == "posix" else [])
    for target in targets:
        assert main(["validate", "workbooks/mau_nop", option, str(target)]) == 2
        err = capsys.readouterr().err
        assert str(target) in err and ("quá lớn (60 MB" in err or "không phải một tệp" in err)
