"""What an inbox may hold besides workbooks, built here: FIFOs, sockets, links to devices,
broken and looping links, links out of the inbox, a link to "/", documents and scans, Windows'
Thumbs.db, and the tool's own outputs. Each is reported (or left out silently where it is
the tool's own), none is followed out of the inbox, none blocks a run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from support.samples import SampleSpec, write_sample

from ntm_excel.atomic import mark_output
from ntm_excel.check.consolidate import check_files
from ntm_excel.cli import main
from ntm_excel.config import load_config
from ntm_excel.issues import Severity
from ntm_excel.jobs.scheduler import inbox_files
from ntm_excel.read import inbox as inbox_module
from ntm_excel.read.inbox import list_submissions
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, sockets and /dev are POSIX")
CAM_THANH = SampleSpec()
CAM_LAC = SampleSpec(unit_code="18748", unit_name="Xã Cẩm Lạc", seed=2)


@pytest.fixture(scope="module")
def reference():
    config = load_config()
    return load_catalog(config.catalog), load_registry(config.registry)


def _check(paths, reference, **options):
    catalog, registry = reference
    return check_files(
        paths, catalog=catalog, registry=registry, catalog_set="xa_2016_2020", **options
    )


@posix_only
def test_special_entries_and_links_are_reported_and_never_followed(tmp_path):
    inbox, outside = tmp_path / "nhan", tmp_path / "ngoai"
    inbox.mkdir()
    outside.mkdir()
    write_sample(inbox / "cam_thanh.xlsx", CAM_THANH)
    write_sample(outside / "cam_lac.xlsx", CAM_LAC)
    os.mkfifo(inbox / "ong.xlsx")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(inbox / "socket.xlsx"))
    (inbox / "thiet_bi.xlsx").symlink_to("/dev/zero")
    (inbox / "hong.xlsx").symlink_to(inbox / "khong_co.xlsx")
    (inbox / "vong_a.xlsx").symlink_to(inbox / "vong_b.xlsx")
    (inbox / "vong_b.xlsx").symlink_to(inbox / "vong_a.xlsx")
    (inbox / "ra_ngoai.xlsx").symlink_to(outside / "cam_lac.xlsx")
    (inbox / "goc").symlink_to("/")
    (inbox / "ban_sao.xlsx").symlink_to(inbox / "cam_thanh.xlsx")  # inside: the same file
    try:
        listing = list_submissions([inbox])
    finally:
        server.close()
    assert listing.files == [inbox / "ban_sao.xlsx"]  # cam_thanh.xlsx once, by its first name
    reasons = {issue.file: (issue.code, issue.severity, issue.message) for issue in listing.issues}
    assert set(reasons) == {
        "ong.xlsx",
        "socket.xlsx",
        "thiet_bi.xlsx",
        "hong.xlsx",
        "vong_a.xlsx",
        "vong_b.xlsx",
        "ra_ngoai.xlsx",
        "goc",
    }
    assert all(code == "file-skipped" for code, _, _ in reasons.values())
    assert "đường ống (FIFO)" in reasons["ong.xlsx"][2]
    assert "socket" in reasons["socket.xlsx"][2]
    assert "thiết bị" in reasons["thiet_bi.xlsx"][2]
    assert "liên kết hỏng" in reasons["hong.xlsx"][2] and "vòng" in reasons["vong_a.xlsx"][2]
    assert "trỏ ra ngoài thư mục nhận" in reasons["ra_ngoai.xlsx"][2]
    assert "trỏ ra ngoài thư mục nhận («/»)" in reasons["goc"][2]
    assert inbox_files(inbox) == {"ban_sao.xlsx": inbox / "ban_sao.xlsx"}  # the jobs' listing


@posix_only
def test_validate_never_blocks_on_a_fifo_nor_reads_outside(tmp_path):
    """The command in a child process: a FIFO named like a workbook used to block it."""
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    write_sample(inbox / "cam_thanh.xlsx", CAM_THANH)
    write_sample(tmp_path / "cam_lac.xlsx", CAM_LAC)
    (inbox / "cam_lac.xlsx").symlink_to(tmp_path / "cam_lac.xlsx")
    os.mkfifo(inbox / "ong.xlsx")
    done = subprocess.run(  # the FIFO also given by name: it is not opened either
        [sys.executable, "-m", "ntm_excel", "validate", str(inbox), str(inbox / "ong.xlsx")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr  # warnings only
    assert "Xã Cẩm Thành" in done.stdout and "Xã Cẩm Lạc" not in done.stdout
    assert done.stdout.count("Bỏ qua «ong.xlsx»: đây là một đường ống (FIFO)") == 2
    assert "Bỏ qua «cam_lac.xlsx»: liên kết trỏ ra ngoài thư mục nhận" in done.stdout
    assert "Đã kiểm tra 1 đơn vị và 2 tệp khác (không đọc được, không rõ đơn vị hoặc không phải " \
        "biểu): 0 lỗi, " in done.stdout  # fmt: skip


def test_a_folder_too_large_to_be_an_inbox_is_not_read(tmp_path, monkeypatch):
    """A link to "/" given as the inbox would walk the whole machine: the search stops."""
    monkeypatch.setattr(inbox_module, "MAX_ENTRIES", 20)
    for index in range(25):
        write_sample(tmp_path / f"xa_{index}.xlsx", CAM_THANH) if index == 0 else (
            tmp_path / f"ghi_chu_{index}.txt"
        ).write_text("x")
    listing = list_submissions([tmp_path])
    assert listing.files == []
    [issue] = listing.issues
    assert issue.code == "file-skipped" and issue.severity is Severity.ERROR
    assert "có hơn 20 mục, không phải một thư mục nhận biểu" in issue.message


@pytest.mark.parametrize(
    ("name", "severity", "words"),
    [
        ("Thumbs.db", Severity.INFO, "tệp ảnh thu nhỏ Windows tự tạo (Thumbs.db)"),
        ("ghi_chu.txt", Severity.WARNING, "tệp văn bản thường"),
        ("bao_cao_cam_lac.docx", Severity.WARNING, "văn bản Word"),
        ("bieu_cam_lac_scan.pdf", Severity.WARNING, "gửi tệp Excel (.xlsx) của biểu"),
        ("anh_chup_bieu.jpg", Severity.WARNING, "ảnh (có thể là ảnh chụp biểu)"),
        ("bieu.zip", Severity.WARNING, "Hãy giải nén"),
    ],
)
def test_what_is_not_a_workbook_says_what_it_is(tmp_path, name, severity, words):
    (tmp_path / name).write_bytes(b"%PDF-1.4" if name.endswith(".pdf") else b"x")
    [issue] = list_submissions([tmp_path]).issues
    assert issue.code == "file-not-workbook" and issue.severity is severity
    assert f"Tệp «{name}» là " in issue.message
    assert "không phải biểu tự đánh giá" in issue.message and words in issue.message
    assert "không đặt mật khẩu" not in issue.message


def test_an_unsupported_spreadsheet_format_is_an_error(tmp_path):
    (tmp_path / "cam_lac.xlsb").write_bytes(b"PK\x03\x04")
    [issue] = list_submissions([tmp_path]).issues
    assert issue.code == "file-unreadable" and issue.severity is Severity.ERROR
    assert "định dạng bảng tính .xlsb chưa được hỗ trợ" in issue.message


def _marked_copy(source: Path, target: Path, *, saved_again: bool = False) -> Path:
    """The copy ntm-excel writes of a commune's workbook (a feedback copy, marked as its
    own); `saved_again`: then opened and saved by someone (its modification time moves on)."""
    book = openpyxl.load_workbook(source)
    written = datetime.now(UTC) - (timedelta(hours=3) if saved_again else timedelta())
    mark_output(book, "gop_y", written)
    book.save(target)
    return target


def test_the_tools_own_outputs_are_never_read_as_submissions(tmp_path, reference):
    """Output folders inside the inbox are left out; a marked copy elsewhere in the inbox is
    noted and never wins as the newest file of its commune; a copy the commune corrected and
    saved again is its newest submission."""
    inbox = tmp_path / "nhan"
    inbox.mkdir()
    original = write_sample(inbox / "cam_thanh.xlsx", CAM_THANH)
    os.utime(original, (1_600_000_000, 1_600_000_000))
    out = inbox / "ket_qua"
    (out / "gop_y").mkdir(parents=True)
    _marked_copy(original, out / "gop_y" / "Góp ý - Xã Cẩm Thành.xlsx")
    _marked_copy(original, out / "tong_hop.xlsx")
    state = inbox / "var"
    state.mkdir()
    (state / "ledger.db").write_bytes(b"SQLite format 3\x00")
    _marked_copy(original, inbox / "Góp ý - Xã Cẩm Thành.xlsx")  # copied by hand, newer

    checked = _check([inbox], reference, skip=[out, out / "gop_y", state])
    report, issues = checked.units["18694"]
    assert report.submission.file_name == "cam_thanh.xlsx"
    assert not any(i.code == "unit-duplicate" for i in issues)
    [own] = checked.loose
    assert own.code == "file-own-output" and own.severity is Severity.INFO
    assert own.message == (
        "Tệp «Góp ý - Xã Cẩm Thành.xlsx» là tệp góp ý do ntm-excel tạo, không phải biểu của "
        "đơn vị: không đọc lại."
    )

    _marked_copy(original, inbox / "Góp ý - Xã Cẩm Thành.xlsx", saved_again=True)
    checked = _check([inbox], reference, skip=[out, out / "gop_y", state])
    report, issues = checked.units["18694"]
    assert report.submission.file_name == "Góp ý - Xã Cẩm Thành.xlsx"  # the corrected copy
    assert any(i.code == "unit-duplicate" for i in issues)


def test_the_configured_output_folders_are_skipped(tmp_path, reference):
    """`consolidate` run with the inbox as the working folder: out/ and var/ are inside."""
    write_sample(tmp_path / "cam_thanh.xlsx", CAM_THANH)
    (tmp_path / "out" / "gop_y").mkdir(parents=True)
    write_sample(tmp_path / "out" / "gop_y" / "Góp ý - Xã Cẩm Lạc.xlsx", CAM_LAC)
    config = load_config()
    skip = [tmp_path / folder for folder in config.output_folders()]
    checked = _check([tmp_path], reference, skip=skip)
    assert set(checked.units) == {"18694"} and checked.loose == []


@posix_only
def test_a_file_replaced_by_a_fifo_after_listing_is_not_opened(tmp_path):
    from ntm_excel.read.batch import read_one

    os.mkfifo(tmp_path / "cam_thanh.xlsx")  # listed as a file a moment before
    [(submission, [issue])] = read_one(tmp_path / "cam_thanh.xlsx", None, [])
    assert submission is None and "không còn là tệp thường" in issue.message


def test_files_of_one_name_in_several_folders_are_named_with_their_folders(tmp_path):
    files = [
        tmp_path / "huyen_a" / "cam_vinh" / "Bieu TDG.xlsx",
        tmp_path / "huyen_b" / "cam_vinh" / "Bieu TDG.xlsx",
        tmp_path / "huyen_b" / "cam_loc" / "Bieu TDG.xlsx",
        tmp_path / "huyen_b" / "cam_loc" / "rieng.xlsx",
    ]
    assert inbox_module.shown_names(files) == {
        files[0]: "huyen_a/cam_vinh/Bieu TDG.xlsx",
        files[1]: "huyen_b/cam_vinh/Bieu TDG.xlsx",
        files[2]: "cam_loc/Bieu TDG.xlsx",
    }


def test_unreadable_files_of_one_name_are_reported_apart(tmp_path, capsys):
    for folder in ("huyen_a", "huyen_b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "Bieu TDG 2021.xlsx").write_text("không phải bảng tính")
    write_sample(tmp_path / "huyen_b" / "cam_thanh.xlsx", CAM_THANH)

    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "Tệp huyen_a/Bieu TDG 2021.xlsx\n  Lỗi" in out
    assert "Tệp huyen_b/Bieu TDG 2021.xlsx\n  Lỗi" in out
    assert "Xã Cẩm Thành — tệp cam_thanh.xlsx" in out  # a name of its own stays short
    assert "1 đơn vị và 2 tệp khác" in out


@pytest.mark.parametrize("name", ["trong", "thu_muc.xlsx"])
def test_validate_on_an_empty_or_wrong_folder_does_not_say_all_is_well(tmp_path, capsys, name):
    """It said «Đã kiểm tra 0 đơn vị: 0 lỗi, 0 cảnh báo» and exited 0."""
    folder = tmp_path / name
    folder.mkdir()
    assert main(["validate", str(folder)]) == 1
    captured = capsys.readouterr()
    assert captured.err == f"Lỗi: không có biểu nào để kiểm tra trong {folder}.\n"
    assert "Đã kiểm tra" not in captured.out
