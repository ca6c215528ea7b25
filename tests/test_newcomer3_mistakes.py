"""Mistakes a district clerk makes on a first run, each answered in Vietnamese naming the file
and what to do: a configuration copied from a Windows machine, a folder given for the master."""

from __future__ import annotations

import io
import os
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from ntm_excel.cli import main
from ntm_excel.config import load_config

SAMPLES = Path(__file__).resolve().parents[1] / "workbooks" / "mau_nop"
posix_only = pytest.mark.skipif(os.name == "nt", reason="Windows paths are this system's own")


def _config(folder: Path, output: str) -> Path:
    bundled = load_config()
    file = folder / "cau_hinh.toml"
    text = (
        f"[data]\ncatalog = '{bundled.catalog}'\nregistry = '{bundled.registry}'\n"
        f"plan = '{bundled.plan}'\ncontacts = '{bundled.contacts}'\n[output]\n{output}\n"
    )
    file.write_bytes(text.replace("\n", "\r\n").encode("utf-8-sig"))  # as Notepad saves it
    return file


def _consolidate(folder: Path, *argv: str) -> tuple[int, str, str]:
    (folder / "nop").mkdir(exist_ok=True)
    shutil.copy(SAMPLES / "18730_xa_cam_loc.xlsx", folder / "nop")
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out):
        patch.chdir(folder)
        patch.setenv("NTM_STATE_DIR", str(folder / "var"))
        patch.setattr("sys.stderr", err)
        code = main(["consolidate", "nop", "--as-of", "2021-03-25", *argv])
    return code, out.getvalue(), err.getvalue()


@posix_only
def test_a_drive_path_in_a_configuration_is_refused_before_anything_is_written(tmp_path):
    config = _config(tmp_path, "master = 'D:\\Báo cáo NTM\\tong_hop.xlsx'")
    code, _, err = _consolidate(tmp_path, "--config", str(config))
    assert code == 2
    assert err.strip() == (
        f"Lỗi cấu hình: Tệp cấu hình {config}, mục [output], khóa «master»: giá trị "
        "«D:\\Báo cáo NTM\\tong_hop.xlsx» không dùng được: đây là đường dẫn Windows (ổ đĩa "
        "hoặc \\\\máy\\…) mà máy này không chạy Windows; hãy ghi đường dẫn trên máy này (ví dụ "
        "«/srv/ntm/…»), hoặc đường dẫn tương đối tính từ thư mục đang chạy lệnh"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cau_hinh.toml", "nop"]


@posix_only
def test_a_relative_windows_path_names_the_same_folders_here(tmp_path):
    config = _config(tmp_path, "master = 'Báo cáo\\tong_hop.xlsx'\ncsv_dir = 'Báo cáo\\csv'")
    code, printed, _ = _consolidate(tmp_path, "--config", str(config))
    assert code == 0
    assert (tmp_path / "Báo cáo" / "tong_hop.xlsx").is_file()
    assert len(list((tmp_path / "Báo cáo" / "csv").glob("*.csv"))) == 5
    assert not [p for p in tmp_path.iterdir() if "\\" in p.name]
    assert f"Bảng tổng hợp: {Path('Báo cáo') / 'tong_hop.xlsx'}" in printed


@pytest.mark.parametrize("given", ["Báo cáo tháng 3/", "Báo cáo tháng 3"])
def test_a_folder_given_for_the_master_is_answered_with_a_file_name(tmp_path, given):
    code, _, err = _consolidate(tmp_path, "-o", given)
    assert code == 2
    assert err.strip() == (
        "Lỗi: «Báo cáo tháng 3» không có đuôi tệp; bảng tổng hợp phải là một tệp .xlsx, ví dụ "
        f"-o «{Path('Báo cáo tháng 3') / 'tong_hop.xlsx'}»"
    )
    (tmp_path / "Báo cáo tháng 3").mkdir()
    code, _, err = _consolidate(tmp_path, "-o", given)
    assert code == 2 and "«Báo cáo tháng 3» là một thư mục; bảng tổng hợp phải" in err


def test_the_readmes_command_run_from_another_folder_says_where_it_looked(tmp_path, capsys):
    """`consolidate workbooks/mau_nop` run outside the project folder: the folder looked in,
    and where the project's one is."""
    project = SAMPLES.parents[1]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        patch.setenv("NTM_STATE_DIR", str(tmp_path / "var"))
        assert main(["consolidate", "workbooks/mau_nop", "--as-of", "2021-03-25"]) == 2
        assert main(["validate", "mẫu nộp/xã cẩm bình.xlsx"]) == 2
    first, second = capsys.readouterr().err.splitlines()
    assert first == (
        f"Lỗi: không tìm thấy tệp hoặc thư mục «workbooks/mau_nop» trong thư mục đang chạy lệnh "
        f"({tmp_path}); thư mục dự án có «{project / 'workbooks/mau_nop'}»: hãy chạy lệnh trong "
        f'thư mục dự án (cd "{project}") hoặc ghi đường dẫn đầy đủ.'
    )
    assert second == (
        "Lỗi: không tìm thấy tệp hoặc thư mục «mẫu nộp/xã cẩm bình.xlsx» trong thư mục đang "
        f"chạy lệnh ({tmp_path})."
    )
    assert list(tmp_path.iterdir()) == []


def _contacts(folder: Path, name: str, change) -> Path:
    import openpyxl

    book = openpyxl.load_workbook(load_config().contacts)
    change(book["Danh bạ"])
    path = folder / name
    book.save(path)
    return path


def _digest(tmp_path: Path, contacts: Path) -> str:
    from test_scheduler import cli, write_config

    config = write_config(tmp_path, contacts=contacts)
    shutil.copy(SAMPLES / "18730_xa_cam_loc.xlsx", tmp_path / "inbox")
    code, printed = cli("digest", "--config", str(config), "--as-of", "2021-03-25", "--dry-run")
    assert code == 0, printed
    return printed


def test_a_contacts_workbook_with_an_extra_column_still_mails_everyone(tmp_path, monkeypatch):
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)

    def extra(sheet) -> None:  # a clerk adds a column before «Email»
        sheet.insert_cols(4)
        sheet["D1"] = "Ngày sinh"

    printed = _digest(tmp_path, _contacts(tmp_path, "danh ba có thêm cột.xlsx", extra))
    assert "(Thử, không gửi: 34 thư nhắc hạn ngày 25/03/2021)" in printed
    assert "không có cột «Email»" not in printed


def test_a_renamed_email_column_is_said_not_silently_unmailed(tmp_path, monkeypatch):
    monkeypatch.delenv("NTM_STATE_DIR", raising=False)

    def renamed(sheet) -> None:
        sheet["D1"] = "E-mail"

    printed = _digest(tmp_path, _contacts(tmp_path, "danh_ba.xlsx", renamed))
    assert (
        "Tệp danh bạ danh_ba.xlsx, trang «Danh bạ»: không có cột «Email» (dòng 1: «Họ và tên», "
        "«Chức vụ», «Đơn vị», «E-mail», «Điện thoại»"
    ) in printed
    assert "Cột «E-mail» có phải là cột đó? Không ai trong trang này nhận được thư" in printed


def test_catalog_export_to_a_folder_writes_the_file_in_it(tmp_path, capsys):
    folder = tmp_path / "Bộ tiêu chí mới"
    folder.mkdir()
    assert main(["catalog", "export", str(folder)]) == 0
    assert capsys.readouterr().out == (
        f"Đã ghi bộ tiêu chí (134 chỉ tiêu) vào {folder / 'bo_tieu_chi.xlsx'}\n"
    )
    import openpyxl

    assert openpyxl.load_workbook(folder / "bo_tieu_chi.xlsx").sheetnames[0] == "Bộ tiêu chí"
    assert main(["catalog", "export", str(tmp_path / "bo moi")]) == 2
    assert capsys.readouterr().err == (
        "Lỗi: Tệp xuất phải có đuôi .xlsx hoặc .csv, không phải «bo moi» (ví dụ "
        f"«{tmp_path / 'bo moi.xlsx'}», hoặc một thư mục có sẵn: ghi bo_tieu_chi.xlsx vào đó)\n"
    )


def test_an_excel_lock_file_given_is_answered_with_the_workbook_it_locks(tmp_path, capsys):
    """The workbook is open in Excel: beside it «~$…», which a clerk picks by mistake."""
    folder = tmp_path / "Thư mục nhận"
    folder.mkdir()
    shutil.copy(SAMPLES / "18730_xa_cam_loc.xlsx", folder)
    lock = folder / "~$18730_xa_cam_loc.xlsx"
    lock.write_bytes(b"\x0bNguyen Van A" + b" " * 40)  # what Excel writes: the user's name
    assert main(["validate", str(lock)]) == 2
    assert capsys.readouterr().err == (
        f"Lỗi: «{lock}» là tệp khóa mà Excel tạo khi một bảng tính đang mở, không phải biểu: "
        f"hãy chỉ tệp «{folder / '18730_xa_cam_loc.xlsx'}» (lưu và đóng nó trong Excel trước).\n"
    )
    # The folder itself is read as always: the workbook read, the lock file not; it warns
    # that the workbook was open when copied (file-open-when-copied).
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Xã Cẩm Lộc — tệp 18730_xa_cam_loc.xlsx" in out
    assert "tệp khóa «~$18730_xa_cam_loc.xlsx» của Excel: tệp đang mở trong Excel" in out
