"""The district office's clerk at the command line: a folder with spaces typed without quotes,
the master left open in Excel, Ctrl-C in the middle of a run, a contact book with a name
twice. Each driven through the command on real files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from ntm_excel.cli import STOPPED, main
from ntm_excel.config import load_config

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "workbooks" / "mau_nop"
FOLDER = "Nộp bài tháng 3"


@pytest.fixture
def office(tmp_path, monkeypatch) -> Path:
    """The office's folder, the working folder: «Nộp bài tháng 3» holds three communes'
    workbooks."""
    inbox = tmp_path / FOLDER
    inbox.mkdir()
    for name in ("18730_xa_cam_loc.xlsx", "xa_cam_due.xlsx", "TDG_xa_cam_binh.xls"):
        shutil.copy(SAMPLES / name, inbox)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NTM_STATE_DIR", str(tmp_path / "var"))
    return tmp_path


@pytest.mark.parametrize("command", ["consolidate", "validate"])
def test_a_folder_with_spaces_typed_without_quotes_is_told_to_be_quoted(office, capsys, command):
    """The shell splits `Nộp bài tháng 3` into four paths: each was «not found», and «3» and
    «bài» made no sense to a clerk. A path also missing is still said."""
    argv = [command, *FOLDER.split(), "Nộp", "--as-of", "25/03/2021"]
    assert main(argv[:-2] if command == "validate" else argv) == 2
    assert capsys.readouterr().err == (
        f"Lỗi: không tìm thấy tệp hoặc thư mục «Nộp» trong thư mục đang chạy lệnh ({office}).\n"
        f"Lỗi: «{FOLDER}» có dấu cách nên bị tách thành nhiều đường dẫn: hãy đặt nó trong dấu "
        f'nháy kép, "{FOLDER}".\n'
    )
    assert sorted(p.name for p in office.iterdir()) == [FOLDER]
    assert main([command, FOLDER]) in (0, 1)  # quoted, it is read


@pytest.mark.parametrize(
    ("lock", "output"),
    [
        ("~$tong_hop.xlsx", "out/tong_hop.xlsx"),  # Excel
        (".~lock.tong_hop.xlsx#", "out/tong_hop.xlsx"),  # LibreOffice
    ],
)
def test_an_output_left_open_in_excel_is_said_after_it_is_replaced(office, capsys, lock, output):
    """On the office's server the master is replaced under the clerk's open window, which
    keeps the old figures (and saving it would put them back): the lock file beside the
    output tells; the run still writes, as it does once Excel has crashed."""
    argv = ["consolidate", FOLDER, "--as-of", "2021-03-25"]
    assert main(argv) == 0
    target = office / output
    written = target.stat().st_mtime_ns
    (target.parent / lock).write_bytes(b"\x04VPDP" + b" " * 49)
    capsys.readouterr()
    assert main([*argv[:-1], "2021-03-26"]) == 0
    assert capsys.readouterr().err == (
        f"Cảnh báo: «{output}» có vẻ đang mở trong Excel hoặc LibreOffice (có tệp khóa «{lock}» "
        "bên cạnh): cửa sổ đó vẫn hiện bản cũ. Hãy đóng tệp mà không lưu rồi mở lại để xem bản "
        f"mới (lưu bản cũ sẽ ghi đè bản mới); nếu không ai mở tệp này, hãy xóa tệp «{lock}».\n"
    )
    assert target.stat().st_mtime_ns != written
    assert openpyxl.load_workbook(target).sheetnames


# `ntm-excel ARGS` in its own process, sent Ctrl-C (SIGINT) as the first feedback workbook
# is made: while every output of the run is staged, none yet in place.
CTRL_C = """
import os, signal, sys

from ntm_excel.cli import main
from ntm_excel.write import feedback

made = feedback.feedback_workbook


def interrupted(*args):
    os.kill(os.getpid(), signal.SIGINT)
    return made(*args)


feedback.feedback_workbook = interrupted
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_in_the_middle_says_nothing_was_half_written_and_a_rerun_works(office):
    script = office / "ctrl_c.py"
    script.write_text(CTRL_C, encoding="utf-8")
    argv = ["consolidate", FOLDER, "--as-of", "2021-03-25", "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(script), *argv], capture_output=True, text=True, env=env, timeout=120
    )
    assert (done.returncode, done.stdout, done.stderr) == (130, "", STOPPED + "\n")
    assert STOPPED == (
        "Đã dừng. Tệp kết quả nào chưa ghi xong thì chưa thay bản cũ (bản cũ vẫn còn nguyên); "
        "thư đã gửi không bị gửi lại. Chạy lại lệnh để làm tiếp."
    )
    assert not (office / "out" / "tong_hop.xlsx").exists()
    assert [p.name for p in (office / "out").rglob("*") if p.is_file()] == []
    assert main(argv) == 0
    assert openpyxl.load_workbook(office / "out" / "tong_hop.xlsx").sheetnames


def _contacts(folder: Path, *rows: tuple[str, str]) -> Path:
    """The bundled contact book with rows (name, address) added at the end of «Danh bạ»."""
    book = openpyxl.load_workbook(load_config().contacts)
    for name, email in rows:
        book["Danh bạ"].append([name, "Chuyên viên", "Phòng Nông nghiệp", email])
    path = folder / "danh bạ.xlsx"
    book.save(path)
    return path


def _digest(folder: Path, contacts: Path) -> str:
    from test_scheduler import cli, write_config

    config = write_config(folder, contacts=contacts)
    shutil.copy(SAMPLES / "18730_xa_cam_loc.xlsx", folder / "inbox")
    code, printed = cli("digest", "--config", str(config), "--as-of", "2021-03-25", "--dry-run")
    assert code == 0, printed
    return printed


def test_a_name_written_twice_with_two_addresses_is_said_with_its_rows(tmp_path):
    """Phạm Hoàng Anh added again with another address: he was reported «not in the contact
    book», in which he is twice."""
    printed = _digest(tmp_path, _contacts(tmp_path, ("Phạm Hoàng Anh", "anh.ph@camxuyen.vn")))
    assert "Không có trong danh bạ" not in printed
    assert "Chưa có địa chỉ thư: Phạm Hoàng Anh, " in printed
    assert (
        "Danh bạ danh bạ.xlsx, trang «Danh bạ»: «Phạm Hoàng Anh» có ở các dòng 2, 27 với địa "
        "chỉ thư khác nhau (pham.hoang.anh@camxuyen.example.org, anh.ph@camxuyen.vn); không "
        "gửi thư nhắc việc của người này tới khi chỉ còn một dòng (hoặc các dòng cùng một địa "
        "chỉ).\n"
    ) in printed
    assert "<pham.hoang.anh@camxuyen.example.org>" not in printed


def test_a_name_written_twice_with_one_address_is_mailed(tmp_path):
    printed = _digest(
        tmp_path, _contacts(tmp_path, ("Phạm Hoàng Anh", "pham.hoang.anh@camxuyen.example.org"))
    )
    assert "Phạm Hoàng Anh" not in printed.split("(Thử, không gửi:")[1]
    assert "===== Thư 7/34: Phạm Hoàng Anh <pham.hoang.anh@camxuyen.example.org> =====" in printed


def test_an_option_another_command_has_is_said_to_be_missing_here(capsys):
    """`validate … --as-of 25/03/2021`: the clerk typed the date right, for a command that
    takes none; «unrecognized argument» alone read like a wrongly typed date."""
    with pytest.raises(SystemExit) as stopped:
        main(["validate", "nop", "--as-of", "25/03/2021"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "Lỗi: tham số không nhận ra: --as-of 25/03/2021 — «ntm-excel validate» không có tùy "
        "chọn --as-of (ntm-excel validate --help: cách dùng)"
    )


def test_a_template_written_into_a_new_folder_given_with_a_slash(office, capsys):
    """`template --unit "Cẩm Lộc" -o "Biểu mẫu/"`: the folder did not exist, and the answer
    was «the workbook must be an .xlsx file, not «Biểu mẫu»»."""
    assert main(["template", "--unit", "Cẩm Lộc", "-o", "Biểu mẫu"]) == 2
    assert capsys.readouterr().err == (
        "Lỗi: biểu phải là tệp .xlsx, không phải «Biểu mẫu»: ghi tên tệp, ví dụ -o «Biểu "
        f"mẫu.xlsx», hoặc một thư mục kết thúc bằng dấu {os.sep}, ví dụ -o «Biểu mẫu{os.sep}»\n"
    )
    assert main(["template", "--unit", "Cẩm Lộc", "-o", f"Biểu mẫu{os.sep}"]) == 0
    written = office / "Biểu mẫu" / "xa_cam_loc.xlsx"
    assert capsys.readouterr().out.startswith("Đã ghi biểu của Xã Cẩm Lộc (20 tiêu chí")
    assert openpyxl.load_workbook(written).sheetnames[0] == "Tự đánh giá"


def test_history_before_any_consolidation_says_which_command_begins_it(office, capsys):
    assert main(["history"]) == 2
    assert capsys.readouterr().err.endswith(
        "Lịch sử có từ lần chạy «ntm-excel consolidate THƯ_MỤC_NHẬN_BIỂU» đầu tiên.\n"
    )
    assert main(["consolidate", FOLDER, "--as-of", "2021-03-25"]) == 0
    assert main(["history"]) == 0


def test_a_second_consolidate_on_the_same_folder_waits_and_says_how_to_stop(office):
    """Another run holds out/ (its lock taken as a run takes it): this one says it waits, how
    long at most and that Ctrl-C leaves everything as it was, then writes once it is free."""
    from filelock import FileLock

    (office / "out").mkdir()
    other = FileLock(office / "out" / ".ntm_excel.lock")
    other.acquire()
    argv = ["consolidate", FOLDER, "--as-of", "2021-03-25"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    second = subprocess.Popen(
        [sys.executable, "-m", "ntm_excel", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
    )
    try:
        assert second.stderr.readline() == (
            "Đang chờ một lần chạy khác ghi xong vào thư mục out (tối đa 30 phút; bấm Ctrl-C để "
            "thôi, không tệp nào bị thay) …\n"
        )
        assert not (office / "out" / "tong_hop.xlsx").exists()
    finally:
        other.release()
    out, err = second.communicate(timeout=120)
    assert (second.returncode, err) == (0, "")
    assert "  Bảng tổng hợp: out/tong_hop.xlsx" in out.splitlines()


# `ntm-excel digest …` in its own process, sent Ctrl-C while it writes its first mail.
CTRL_C_MAIL = """
import os, signal, sys

from ntm_excel.cli import main
from ntm_excel.jobs import mail

send = mail.OutboxTransport.send


def interrupted(self, *args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)
    return send(self, *args, **kwargs)


mail.OutboxTransport.send = interrupted
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_in_the_middle_of_the_digest_sends_the_rest_on_the_rerun(tmp_path):
    """The mail being written is finished and recorded, the run stops with the same words as
    every command, and the next run sends the others, not that one again."""
    from test_scheduler import write_config

    config = write_config(tmp_path)
    shutil.copy(SAMPLES / "18730_xa_cam_loc.xlsx", tmp_path / "inbox")
    script = tmp_path / "ctrl_c.py"
    script.write_text(CTRL_C_MAIL, encoding="utf-8")
    argv = ["digest", "--config", str(config), "--as-of", "2021-03-25"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(script), *argv], capture_output=True, text=True, env=env, timeout=120
    )
    assert (done.returncode, done.stdout) == (130, "")
    assert done.stderr.endswith(
        f"Đang gửi một thư: sẽ dừng khi gửi xong (bấm Ctrl-C lần nữa để dừng ngay).\n{STOPPED}\n"
    )
    assert "Traceback" not in done.stderr
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    assert main(argv) == 0
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 34


def test_a_one_line_registry_error_reads_as_one_line(office, capsys):
    """«Lỗi danh sách đơn vị:» alone on its line, then the reason: every other one-line
    error reads «Lỗi …: reason»."""
    assert main(["registry", "show", "--registry", "don vi.xlsx"]) == 2
    assert capsys.readouterr().err == (
        "Lỗi danh sách đơn vị: Không tìm thấy danh sách đơn vị don vi.xlsx\n"
    )


def test_the_templates_yellow_cells_are_explained_on_each_sheet_they_are_on(office):
    """A commune opening its template saw yellow cells and no word on them until the third
    sheet: beside the unit's code, a yellow swatch (locked) and what it means."""
    assert main(["template", "--unit", "Cẩm Lộc", "-o", "bieu.xlsx"]) == 0
    book = openpyxl.load_workbook(office / "bieu.xlsx")
    for name, row, entry, last in (("Tự đánh giá", 6, "F9", "G"), ("Lộ trình", 2, "A5", "H")):
        sheet = book[name]
        swatch, words = sheet[f"D{row}"], sheet[f"E{row}"]
        assert swatch.fill.fgColor.rgb == sheet[entry].fill.fgColor.rgb == "FFFFF2CC"
        assert swatch.protection.locked and not sheet[entry].protection.locked
        assert words.value == "ô nền vàng: ô cần điền; cách điền: trang «Hướng dẫn»"
        assert f"E{row}:{last}{row}" in {str(r) for r in sheet.merged_cells.ranges}
    assert main(["validate", "bieu.xlsx"]) == 1  # still read as the commune's, unfilled


@pytest.mark.skipif(os.sep == "\\", reason="Windows separates folders with «\\» itself")
@pytest.mark.parametrize(
    ("typed", "how"),
    [
        (f"{FOLDER}\\xa_cam_due.xlsx", "trên máy này thư mục ngăn cách bằng dấu /"),
        (
            f"{FOLDER}xa_cam_due.xlsx",  # unquoted, the shell dropped the backslash
            "dấu \\ không nằm trong dấu nháy bị bỏ mất; trên máy này thư mục ngăn cách bằng dấu /",
        ),
    ],
)
def test_a_path_typed_the_windows_way_on_the_server_names_the_one_meant(office, capsys, typed, how):
    assert main(["validate", typed]) == 2
    assert capsys.readouterr().err == (
        f"Lỗi: không tìm thấy tệp hoặc thư mục «{typed}» trong thư mục đang chạy lệnh "
        f"({office}); có phải «{FOLDER}/xa_cam_due.xlsx»? ({how}).\n"
    )


def test_a_mail_server_down_is_one_line_not_one_per_official(tmp_path):
    """Nothing listens on the configured port: 34 identical lines, one per official, hid the
    one reason; now one line says how many, to whom (the first three) and why."""
    from test_scheduler import cli, free_port, write_config

    config = write_config(tmp_path, port=free_port())
    shutil.copy(SAMPLES / "18730_xa_cam_loc.xlsx", tmp_path / "inbox")
    code, printed = cli("digest", "--config", str(config), "--as-of", "2021-03-25")
    assert code == 1
    failed = [line for line in printed.splitlines() if "chưa gửi được" in line]
    assert len(failed) == 1
    assert failed[0].startswith(
        "  - chưa gửi được 34 thư cho bien.van.thanh@camxuyen.example.org, "
        "le.ngoc.ha@camxuyen.example.org, le.van.danh@camxuyen.example.org và 31 người nhận "
        "khác: Không kết nối được máy chủ thư 127.0.0.1:"
    )
    assert "máy chủ từ chối kết nối" in failed[0] and "(sẽ thử lại sau " in failed[0]
