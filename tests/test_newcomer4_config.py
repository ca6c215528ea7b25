"""A clerk's cau_hinh.toml, edited in Notepad: each mistake answered by the command in
Vietnamese, naming the line or the key and what to write instead, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ntm_excel.cli import main
from ntm_excel.config import load_config

posix_only = pytest.mark.skipif(os.name == "nt", reason="Windows paths are this system's own")


def _config(folder: Path, text: str) -> Path:
    """The bundled configuration with its data files named absolutely, then `text` put in
    place of what the clerk changed; saved as Notepad saves it (BOM, CRLF)."""
    bundled = load_config()
    lines = (
        f"[data]\ncatalog = '{bundled.catalog}'\nregistry = '{bundled.registry}'\n"
        f"plan = '{bundled.plan}'\ncontacts = '{bundled.contacts}'\n{text}\n"
    )
    file = folder / "cấu hình.toml"
    file.write_bytes(lines.replace("\n", "\r\n").encode("utf-8-sig"))
    return file


def _refused(tmp_path: Path, capsys, text: str) -> str:
    """What `tasks` says refusing the configuration (exit code 2), one line."""
    config = _config(tmp_path, text)
    assert main(["tasks", "--config", str(config), "--as-of", "2021-03-25"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    return captured.err.strip().removeprefix(f"Lỗi cấu hình: Tệp cấu hình {config}")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            '[schedule]\ndaily_digest = "7h30"',
            ", mục [schedule], khóa «daily_digest»: giờ «7h30» phải ghi dạng giờ:phút từ 00:00 "
            "đến 23:59, ví dụ «07:30»",
        ),
        (
            '[schedule]\nunit_reminders = "25:00"',
            ", mục [schedule], khóa «unit_reminders»: giờ «25:00» phải ghi dạng giờ:phút từ "
            "00:00 đến 23:59, ví dụ «07:30»",
        ),
        (
            '[schedule]\nweekly_summary = "monday 8h"',
            ", mục [schedule], khóa «weekly_summary»: giờ «8h» phải ghi dạng giờ:phút từ 00:00 "
            "đến 23:59, ví dụ «07:30»",
        ),
        (
            '[schedule]\ncollect_every_minutes = "15 phút"',
            ", mục [schedule], khóa «collect_every_minutes»: giá trị «15 phút» không dùng được: "
            "cần một số phút nguyên từ 1 trở lên, không có dấu nháy (ví dụ 15)",
        ),
    ],
)
def test_a_schedule_time_written_another_way_is_answered_in_vietnamese(
    tmp_path, capsys, text, said
):
    """«7h30» is how a clerk writes a time; it used to answer «not enough values to unpack
    (expected 2, got 1)», and «25:00» «hour must be in 0..23»."""
    assert _refused(tmp_path, capsys, text) == said


def test_a_time_zone_that_is_not_one_is_refused_without_a_traceback(tmp_path, capsys):
    """«GMT+7» stopped `digest` and `jobs` with a ZoneInfoNotFoundError traceback."""
    said = _refused(tmp_path, capsys, '[schedule]\ntimezone = "GMT+7"')
    assert said == (
        ", mục [schedule], khóa «timezone»: «GMT+7» không phải tên một múi giờ; giờ Việt Nam "
        'ghi timezone = "Asia/Ho_Chi_Minh"'
    )


def test_a_day_first_date_without_quotes_is_told_how_to_write_it(tmp_path, capsys):
    """TOML reads «15» then stops at «/»: the message was «after each key = value there must
    be a new line», which says nothing to someone who typed a date."""
    said = _refused(tmp_path, capsys, "reporting_deadline = 15/03/2021   # hạn nộp")
    assert said == (
        " sai cú pháp ở dòng 6, cột 24 «reporting_deadline = 15/03/2021   # hạn nộp»: ngày ghi "
        'dạng 2021-03-15 (không dấu nháy) hoặc "15/03/2021" (trong dấu nháy kép)'
    )


def test_a_windows_path_in_double_quotes_is_given_back_in_single_quotes(tmp_path, capsys):
    said = _refused(tmp_path, capsys, '[schedule]\ninbox = "D:\\NTM\\Nộp bài tháng 3"')
    assert said == (
        ' sai cú pháp ở dòng 7, cột 14 «inbox = "D:\\NTM\\Nộp bài tháng 3"»: dấu \\ trong '
        "chuỗi. Đường dẫn Windows trong dấu nháy kép phải viết \\\\ thay cho \\; dễ hơn là "
        "dùng nháy đơn: inbox = 'D:\\NTM\\Nộp bài tháng 3'"
    )


def test_text_after_a_value_says_what_is_expected(tmp_path, capsys):
    said = _refused(tmp_path, capsys, "due_soon_days = 7 ngày")
    assert said == (
        " sai cú pháp ở dòng 6, cột 19 «due_soon_days = 7 ngày»: sau mỗi khóa = giá trị phải "
        "xuống dòng (chữ phải nằm trong dấu nháy, lời ghi chú bắt đầu bằng #)"
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "[output]\nmater = 'out/tong_hop.xlsx'",
            ", mục [output]: không có khóa «mater» — có phải «master»? (các khóa: csv_dir, "
            "master, state_dir)",
        ),
        (
            "[ouput]\nmaster = 'out/tong_hop.xlsx'",
            ": không có mục «ouput» — có phải «output»? (các mục: [data], [output], [periods], "
            "[mail], [mailbox], [schedule])",
        ),
        (
            "[schedule]\ndaily_digets = '07:30'",
            ", mục [schedule]: không có khóa «daily_digets» — có phải «daily_digest»? (các khóa: ",
        ),
    ],
)
def test_a_misspelt_key_or_section_names_the_one_meant(tmp_path, capsys, text, said):
    assert _refused(tmp_path, capsys, text).startswith(said)


@posix_only
@pytest.mark.parametrize(
    ("text", "base"),
    [
        ("[output]\nmaster = 'D:\\NTM\\tong_hop.xlsx'", "thư mục đang chạy lệnh"),
        ("[mail]\noutbox = 'D:\\NTM\\thu'", "thư mục đang chạy lệnh"),
        ("[schedule]\ninbox = 'D:\\NTM\\Nộp bài tháng 3'", "thư mục chứa tệp cấu hình"),
    ],
)
def test_a_drive_path_says_where_a_relative_path_starts_for_its_section(
    tmp_path, capsys, text, base
):
    """[output] and [mail] paths are taken from the working folder, [data] and [schedule]
    from the configuration's: the hint said «the configuration's folder» for all of them."""
    said = _refused(tmp_path, capsys, text)
    assert said.endswith(f"hoặc đường dẫn tương đối tính từ {base}")


def test_a_spreadsheet_given_for_the_configuration_is_named_as_one(capsys):
    contacts = load_config().contacts
    assert main(["tasks", "--config", str(contacts)]) == 2
    assert capsys.readouterr().err == (
        f"Lỗi cấu hình: «{contacts}» là một bảng tính, không phải tệp cấu hình: --config cần tệp "
        ".toml (như workbooks/cau_hinh.toml); bộ tiêu chí, danh sách đơn vị ghi bằng --catalog, "
        "--registry hoặc trong mục [data] của tệp cấu hình\n"
    )


def test_a_configuration_notepad_saved_as_text_is_found_by_its_name(tmp_path, capsys):
    """Notepad's «Save as» adds .txt to «cau_hinh.toml», and Explorer hides it."""
    saved = _config(tmp_path, "").rename(tmp_path / "cau_hinh.toml.txt")
    assert main(["tasks", "--config", str(tmp_path / "cau_hinh.toml")]) == 2
    assert capsys.readouterr().err == (
        f"Lỗi cấu hình: Không tìm thấy tệp cấu hình {tmp_path / 'cau_hinh.toml'}: Notepad đã lưu "
        f"nó thành «{saved.name}»; hãy đổi tên bỏ đuôi .txt (Explorer: View › File name "
        "extensions để thấy đuôi tệp), hoặc khi lưu chọn Save as type «All Files (*.*)»\n"
    )


@pytest.mark.parametrize("typed", ["yes", "Có", "True", "FALSE"])
def test_a_switch_written_in_words_is_told_true_or_false(tmp_path, capsys, typed):
    """«skip_weekends = yes» was answered «text must be in quotes», and quoted it is refused
    as a word: what to write is true or false."""
    said = _refused(tmp_path, capsys, f"[schedule]\nskip_weekends = {typed}")
    assert said == (
        f" sai cú pháp ở dòng 7, cột 17 «skip_weekends = {typed}»: ghi true (có, bật) hoặc "
        "false (không, tắt), chữ thường, không dấu nháy"
    )


@pytest.mark.parametrize("command", [["consolidate", "nop"], ["digest"], ["tasks"]])
def test_a_reporting_period_kind_in_vietnamese_is_a_configuration_error(tmp_path, capsys, command):
    """«kind = "hàng tháng"» surfaced mid-run: `consolidate` said «Lỗi: …» after reading every
    file, `digest` failed its job (exit code 1); now every command refuses it first, as any
    other configuration mistake."""
    (tmp_path / "nop").mkdir()
    config = _config(tmp_path, '[periods]\nkind = "hàng tháng"')
    argv = [*command, "--config", str(config), "--as-of", "2021-03-25"]
    assert main([argv[0], *(str(tmp_path / a) if a == "nop" else a for a in argv[1:])]) == 2
    assert capsys.readouterr().err == (
        f"Lỗi cấu hình: Tệp cấu hình {config}, mục [periods], khóa «kind»: «hàng tháng» không "
        "hợp lệ (chọn: monthly, quarterly, custom)\n"
    )
