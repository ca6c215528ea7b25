"""Attacks of the third round, each a real file, a real mail server or a real command run:
links in a commune's workbook that name a share, a sender whose name looks like HTML, one
file under two names, refused runs that leave nothing behind, error messages, a digest whose
every mail may have gone, and hostile workbooks of every kind a clerk may bring."""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import zipfile
from email import policy
from pathlib import Path

import openpyxl
import pytest
from support.reports import DATA_SHEET
from test_feedback_defang import _copy
from test_intake import HA_CLERK, XLSX, at, body, letter, office_config, run_collect, workbook
from test_mail import GoneAfterData

from ntm_excel.cli import main
from ntm_excel.cli.jobs import DOUBTFUL_EXIT
from ntm_excel.jobs.intake import MAIL_FOLDER
from ntm_excel.store import DB_NAME

# --- 1. a hyperlink's location names a share or a file ---------------------------------------

SHARE = "\\\\evil.example\\share\\hoso.xlsx"
LOCATIONS = {  # cell → a location that leaves the workbook
    "G4": SHARE,
    "G5": "file:///C:/Windows/System32/calc.exe",
    "G6": "'\\\\evil.example\\share\\[hoso.xlsx]Sheet1'!A1",
    "G7": "C:\\Users\\Public\\hoso.xlsx",
}


def _with_locations(path: Path) -> Path:
    """A commune's workbook whose hyperlinks name places by `location` only (no
    relationship: nothing for a link to outside to be found by), and one in the workbook."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet["A12"], sheet["D12"], sheet["E12"] = "4.2", 90, "Đạt"
    for cell in [*LOCATIONS, "G8"]:
        sheet[cell] = f"Liên kết {cell}"
    book.save(path)
    with zipfile.ZipFile(path) as old:
        members = {name: old.read(name) for name in old.namelist()}
    links = "".join(
        f'<hyperlink ref="{cell}" location="{_attribute(place)}" display="x"/>'
        for cell, place in [*LOCATIONS.items(), ("G8", f"'{DATA_SHEET}'!A1")]
    )
    sheet_xml = members["xl/worksheets/sheet1.xml"].decode()
    sheet_xml = sheet_xml.replace("</sheetData>", f"</sheetData><hyperlinks>{links}</hyperlinks>")
    members["xl/worksheets/sheet1.xml"] = sheet_xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in members.items():
            new.writestr(name, data)
    return path


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


@pytest.mark.parametrize("way", ["direct", "openpyxl"])
def test_a_link_whose_location_leaves_the_workbook_goes(tmp_path, way):
    source = _with_locations(tmp_path / "cam_thanh.xlsx")
    assert openpyxl.load_workbook(source)[DATA_SHEET]["G4"].hyperlink.location == SHARE
    out = _copy(source, tmp_path, way)
    sheet = openpyxl.load_workbook(out)[DATA_SHEET]
    for cell in LOCATIONS:
        assert sheet[cell].value == f"Liên kết {cell}" and sheet[cell].hyperlink is None, cell
    assert sheet["G8"].hyperlink.location == f"'{DATA_SHEET}'!A1"  # within the workbook
    with zipfile.ZipFile(out) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"evil.example" not in everything and b"calc.exe" not in everything
    assert b"Public" not in everything


# --- 2. a sender whose display name looks like HTML ----------------------------------------


@pytest.mark.parametrize(
    "from_header",
    [
        f"<b>Xã Cẩm Hà</b> <{HA_CLERK}>",
        f"<script>alert(1)</script> <{HA_CLERK}>",
        f'"<b>Xã Cẩm Hà</b>" <{HA_CLERK}>',
        f"Xã <Cẩm Hà> <{HA_CLERK}>",
        f"Xã Cẩm Hà {'(' * 900} <{HA_CLERK}>",  # RFC 5322's parser recursed out of its stack
    ],
)
def test_a_sender_named_like_html_is_answered_and_the_name_stays_text(
    tmp_path, imap, smtp, from_header
):
    sink, smtp_port = smtp
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)
    data = workbook(tmp_path, "ha.xlsx", unit_code="18727", unit_name="Xã Cẩm Hà")
    message = letter(HA_CLERK, "Biểu xã Cẩm Hà", [("bieu.xlsx", data, XLSX)])
    raw = message.as_bytes().replace(
        f"From: {HA_CLERK}".encode(), f"From: {from_header}".encode(), 1
    )
    imap.deliver((raw, at(12, 8, 0)))

    result, _ = run_collect(config)

    assert result.ok, result.error
    assert [p.name for p in (tmp_path / "inbox" / MAIL_FOLDER).iterdir()] == [
        "20210312-080000_18727_bieu.xlsx"
    ]
    [(to, answer)] = sink.messages()
    assert to == [HA_CLERK]
    assert body(answer).startswith("Kính gửi UBND xã Cẩm Hà,")
    html = answer.get_body(preferencelist=("html",)).get_content()
    assert "<script" not in html and "<b>Xã" not in html


@pytest.mark.parametrize(
    ("from_header", "greeting"),
    [
        ("<i>Ban</i> <script>x</script> <la.mat@example.net>", "<i>Ban</i> <script>x</script>"),
        # a name that is a commune's address: the mail is still the stranger's
        ("ubnd.camha@camxuyen.example.org <la.mat@example.net>", "ubnd.camha@camxuyen"),
    ],
)
def test_a_stranger_named_like_html_is_greeted_by_the_name_as_text(
    tmp_path, imap, smtp, from_header, greeting
):
    sink, smtp_port = smtp
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)
    data = workbook(tmp_path, "ha.xlsx", unit_code="18727", unit_name="Xã Cẩm Hà")
    message = letter("la.mat@example.net", "Biểu", [("bieu.xlsx", data, XLSX)])
    raw = message.as_bytes().replace(b"From: la.mat@example.net", f"From: {from_header}".encode())
    imap.deliver((raw, at(12, 8, 0)))

    result, _ = run_collect(config)

    assert result.ok, result.error
    saved = [p.name for p in (tmp_path / "inbox" / MAIL_FOLDER).iterdir()]
    assert saved == ["20210312-080000_bieu.xlsx"]  # no unit's code: a stranger's file
    [(to, answer)] = sink.messages()
    assert to == ["la.mat@example.net"]
    assert body(answer).startswith(f"Kính gửi {greeting}")  # as text
    html = answer.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "<i>" not in html
    to_header = email.message_from_bytes(answer.as_bytes(), policy=policy.default)["To"]
    assert to_header.addresses[0].addr_spec == "la.mat@example.net"
    assert to_header.addresses[0].display_name.startswith(greeting)


# --- 3. one file under two names in one message --------------------------------------------


def test_one_file_under_two_names_is_saved_once_and_both_names_are_answered(tmp_path, imap, smtp):
    sink, smtp_port = smtp
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)
    data = workbook(tmp_path, "ha.xlsx", unit_code="18727", unit_name="Xã Cẩm Hà")
    files = [
        ("bieu.xlsx", data, XLSX),
        ("ban_sao bieu.xlsx", data, XLSX),
        ("bieu.xlsx", data, XLSX),
    ]
    imap.deliver((letter(HA_CLERK, "Biểu", files).as_bytes(), at(12, 8, 0)))

    result, _ = run_collect(config)

    assert result.ok, result.error
    assert [p.name for p in (tmp_path / "inbox" / MAIL_FOLDER).iterdir()] == [
        "20210312-080000_18727_bieu.xlsx"
    ]
    assert (
        "2 tệp trùng với tệp đã nhận (không lưu lại): ban_sao bieu.xlsx, bieu.xlsx" in result.notes
    )
    [(_, answer)] = sink.messages()
    text = body(answer)
    assert (
        "đã nhận tệp «bieu.xlsx» (cùng nội dung với tệp «ban_sao bieu.xlsx» trong thư, chỉ "
        "nhận một lần) trong thư «Biểu»" in text
    )
    again, _ = run_collect(config)
    assert again.ok and len(sink.envelopes) == 1


# --- 4. a refused consolidation leaves nothing behind --------------------------------------

SAMPLES = Path(__file__).resolve().parent.parent / "workbooks" / "mau_nop"


def _everything(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_a_run_with_nothing_readable_leaves_no_store_and_no_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    inbox = tmp_path / "hộp thư"
    inbox.mkdir()
    (inbox / "bieu hong.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    before = _everything(tmp_path)

    assert main(["consolidate", str(inbox), "--as-of", "2021-03-25", "--state-dir", "var"]) == 2

    assert "Chưa ghi tệp nào" in capsys.readouterr().err
    assert _everything(tmp_path) == before  # no var/, no out/, no lock


def test_a_run_that_cannot_write_leaves_no_new_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLES / "Bieu tu danh gia NTM - Cam Thach.xls", inbox)
    (tmp_path / "zz").write_text("một tệp, không phải thư mục", encoding="utf-8")
    before = _everything(tmp_path)
    argv = ["consolidate", str(inbox), "--as-of", "2021-03-25", "--state-dir", "var"]

    assert main([*argv, "-o", "ket qua/tong_hop.xlsx", "--csv-dir", "zz/csv"]) == 2

    err = capsys.readouterr().err
    assert "Không tạo được thư mục zz/csv" in err and "bảng tổng hợp" not in err.split(":")[1]
    assert _everything(tmp_path) == before  # «ket qua/» made, then taken away again

    assert main(argv) == 0  # the store begun by a run that wrote is kept
    capsys.readouterr()
    assert (tmp_path / "var" / DB_NAME).is_file()
    assert main([*argv, "--csv-dir", "zz/csv"]) == 2
    assert (tmp_path / "var" / DB_NAME).is_file() and (tmp_path / "out" / "tong_hop.xlsx").is_file()


# --- 5. every error a command stops on begins with «Lỗi» -----------------------------------


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["catalog", "show", "--set", "khong_co"], 2),
        (["catalog", "export", "bo_tieu_chi.txt"], 2),
        (["catalog", "export", "co_san.xlsx"], 2),  # exists, no --force
        (["template", "--unit", "Cẩm", "-o", "x.xlsx"], 2),
        (["template", "--unit", "Cẩm Xuyên", "-o", "x.xlsx"], 2),
        (["template", "--unit", "Xã Không Có", "-o", "x.xlsx"], 2),
        (["template", "--unit", "Xã Cẩm Thành", "--set", "khong_co", "-o", "x.xlsx"], 2),
        (["registry", "build", "--district", "Cẩm Xuyên", "-o", "x.xlsx"], 2),
        (["registry", "build", "--province", "Hà Tĩnh", "-o", "x.txt"], 2),
        (["validate", "trong"], 1),
        (["validate", "khong_co_thu_muc"], 2),
        (["consolidate", "trong", "--as-of", "25/3/2021x"], 2),
        (["history", "export", "abcdef", "--state-dir", "var"], 2),
        (["history", "--period", "2020-05", "--state-dir", "var"], 2),
        (["jobs", "new-ledger", "--state-dir", "var"], 1),
    ],
)
def test_every_error_begins_with_loi(tmp_path, monkeypatch, capsys, argv, code):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "trong").mkdir()
    (tmp_path / "co_san.xlsx").write_bytes(b"")
    if argv[0] == "history":  # a store with one consolidation, to look things up in
        assert (
            main(["consolidate", str(SAMPLES), "--as-of", "2021-03-25", "--state-dir", "var"]) == 0
        )
        capsys.readouterr()

    try:
        exit_code = main(argv)
    except SystemExit as stopped:  # argparse's own refusals
        exit_code = stopped.code

    assert exit_code == code
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if line and not line.startswith(("Cách dùng", " "))]
    assert said and said[0].startswith("Lỗi"), err


# --- 6. a digest whose mail may or may not have arrived is not «all well» ------------------


def test_a_digest_whose_every_mail_may_have_arrived_exits_3(tmp_path, monkeypatch, capsys):
    """The server takes each digest whole and hangs up before «250»: nothing failed, nothing
    is sent again, yet somebody must check; a scheduler sees it by the exit code."""
    monkeypatch.chdir(tmp_path)
    server = GoneAfterData("drop")
    argv = ["digest", "--as-of", "2021-03-25", "--state-dir", "var", "--smtp-host", "127.0.0.1"]
    argv += ["--smtp-port", str(server.port), "--smtp-security", "none"]
    try:
        assert main(argv) == DOUBTFUL_EXIT == 3
        out = capsys.readouterr().out
        taken = len(server.received)
        assert f"đã gửi 0 thư, 0 thư đã gửi trước đó (không gửi lại), 0 thư lỗi, {taken} thư" in out
        assert "thư có thể đã đến (cần kiểm tra)" in out and taken > 1
        assert main(argv) == 0  # the next run sends nothing again: nothing new to check
        assert len(server.received) == taken
    finally:
        server.stop()


FILE_SIZE_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
from ntm_excel.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE")
def test_a_first_run_stopped_by_a_full_disk_leaves_no_store(tmp_path):
    """The store cannot grow (no file may pass 200 kB: the disk is as good as full) and the
    run stops with the store's error: the store it began is not left behind, half made."""
    argv = ["consolidate", str(SAMPLES), "--as-of", "2021-03-25", "--state-dir", "var"]
    ran = subprocess.run(
        [sys.executable, "-c", FILE_SIZE_LIMITED, *argv, "--no-feedback"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 2 and ran.stderr.startswith("Lỗi kho trạng thái"), ran.stderr
    assert _everything(tmp_path) == []


# --- a clerk's inbox ---------------------------------------------------------------------


def _as_a_clerk(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """`ntm-excel …` run as a user whom file permissions bind (root without the right to
    read what is not its own)."""
    command = [sys.executable, "-m", "ntm_excel", *argv]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("root, and no setpriv to give up the right to read every file")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_file_and_a_folder_nobody_may_read_are_said_so_in_vietnamese(tmp_path):
    inbox = tmp_path / "Hộp thư xã" / "Đợt 1 tháng 3"
    inbox.mkdir(parents=True)
    locked = inbox / "xa cam due.xlsx"
    shutil.copy(SAMPLES / "xa_cam_due.xlsx", locked)
    shut = inbox / "thư mục khóa"
    shut.mkdir()
    shutil.copy(SAMPLES / "xa_cam_thanh.ods", shut)
    locked.chmod(0), shut.chmod(0)
    try:
        ran = _as_a_clerk(["validate", "Hộp thư xã"], tmp_path)
    finally:
        locked.chmod(0o644), shut.chmod(0o755)
    assert ran.returncode == 1, ran.stderr
    assert "Xã Cẩm Duệ — tệp xa cam due.xlsx" in ran.stdout  # its name ties it to its unit
    denied = "không có quyền đọc: bị khóa quyền hoặc đang bị chương trình khác giữ"
    assert f"Không đọc được tệp: không mở được tệp ({denied})" in ran.stdout
    assert f"Bỏ qua «thư mục khóa»: không mở được thư mục ({denied})" in ran.stdout
    assert "Permission denied" not in ran.stdout


# --- names too long for a file system -----------------------------------------------------


def test_an_attachment_name_of_many_bytes_is_saved_and_blocks_no_later_mail(tmp_path, imap, smtp):
    """80 letters of three bytes each in UTF-8, with the inbox's prefix and a temporary
    file's marks, passed the 255 bytes a file name may have: the save failed, and the
    message was fetched again, and failed again, at every run, before every later one."""
    sink, smtp_port = smtp
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)
    data = workbook(tmp_path, "ha.xlsx", unit_code="18727", unit_name="Xã Cẩm Hà")
    later = workbook(tmp_path, "ha2.xlsx", unit_code="18727", unit_name="Xã Cẩm Hà", seed=4)
    long_name = "Đ" + "ệ" * 100 + ".xlsx"
    imap.deliver(
        (letter(HA_CLERK, "Biểu dài", [(long_name, data, XLSX)]).as_bytes(), at(12, 8, 0)),
        (letter(HA_CLERK, "Biểu sau", [("bieu.xlsx", later, XLSX)]).as_bytes(), at(12, 9, 0)),
    )

    result, _ = run_collect(config)

    assert result.ok, result.error
    saved = sorted(p.name for p in (tmp_path / "inbox" / MAIL_FOLDER).iterdir())
    assert len(saved) == 2 and saved[1] == "20210312-090000_18727_bieu.xlsx"
    assert saved[0].startswith("20210312-080000_18727_Đệệệ")
    assert saved[0].endswith(".xlsx") and len(saved[0].encode()) <= 200
    assert len(sink.messages()) == 2


def test_a_received_file_of_a_name_near_the_limit_is_exported(tmp_path, monkeypatch, capsys):
    """A commune's file named with 245 bytes (a legal name) is given back by `history
    export` under its name: the temporary file beside it once had a name too long."""
    monkeypatch.chdir(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = "ệ" * ((254 - len(".xlsx")) // 3) + ".xlsx"
    shutil.copy(SAMPLES / "xa_cam_due.xlsx", inbox / name)
    assert main(["consolidate", "inbox", "--as-of", "2021-03-25", "--state-dir", "var"]) == 0
    out = tmp_path / "lay_lai"
    out.mkdir()

    assert main(["history", "export", name, "-o", "lay_lai", "--state-dir", "var"]) == 0

    assert (out / name).read_bytes() == (inbox / name).read_bytes()
    assert [p.name for p in out.iterdir()] == [name]


@pytest.mark.parametrize("command", ["consolidate", "validate"])
def test_the_output_folder_given_for_the_inbox_is_refused_with_why(
    tmp_path, monkeypatch, capsys, command
):
    monkeypatch.chdir(tmp_path)
    argv = ["consolidate", str(SAMPLES), "--as-of", "2021-03-25", "--state-dir", "var"]
    assert main(argv) == 0  # out/ holds the master and the feedback copies
    capsys.readouterr()
    before = _everything(tmp_path)

    assert main([command, "out/gop_y", *(["--state-dir", "var"] if command[0] == "c" else [])]) == 2

    err = capsys.readouterr().err
    assert err.startswith("Lỗi: «out/gop_y» là thư mục kết quả của ntm-excel"), err
    assert _everything(tmp_path) == before


# --- text a commune typed never drives a terminal -----------------------------------------


def test_escape_sequences_in_a_cell_are_shown_not_obeyed(tmp_path, capsys):
    """A value cell holding ESC sequences (written «_x001B_» in the package, as Excel writes
    a control character) that clear the screen and set the terminal's title: the message
    quoting the value shows them as «␛», in the terminal and in the CSV of issues."""
    source = tmp_path / "xa_cam_due.xlsx"
    with zipfile.ZipFile(SAMPLES / "xa_cam_due.xlsx") as old, zipfile.ZipFile(source, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                data = data.replace(b">105%<", b">_x001B_[2J_x001B_]0;PWNED_x0007__x000D_105%<", 1)
            new.writestr(item, data)

    assert main(["validate", str(source)]) == 1
    out = capsys.readouterr().out
    assert "Chỉ tiêu 9.2: giá trị «␛[2J␛]0;PWNED␇ 105%» không hợp lệ" in out
    assert not any(ord(c) < 32 and c != "\n" for c in out)

    csv_dir = tmp_path / "csv"
    argv = ["consolidate", str(source), "--as-of", "2021-03-25", "--state-dir", str(tmp_path / "v")]
    assert main([*argv, "-o", str(tmp_path / "th.xlsx"), "--csv-dir", str(csv_dir)]) == 0
    issues = (csv_dir / "issues.csv").read_text(encoding="utf-8-sig")
    assert "«␛[2J␛]0;PWNED␇ 105%»" in issues and "\x1b" not in issues


@pytest.mark.parametrize(
    "argv",
    [
        ["tasks", "{inbox}", "--as-of", "2021-03-25", "--owner", "Cẩm Duệ"],
        ["validate", "--explain", "{inbox}"],
    ],
)
def test_escape_sequences_in_a_roadmap_are_shown_not_obeyed(tmp_path, capsys, argv):
    """Every text of the workbook longer than 25 letters begins with ESC sequences: the
    tasks listed and the reading explained quote them, as «␛»."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with (
        zipfile.ZipFile(SAMPLES / "xa_cam_due.xlsx") as old,
        zipfile.ZipFile(inbox / "xa_cam_due.xlsx", "w") as new,
    ):
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                data = re.sub(
                    rb"<t>([^<]{25,})</t>", rb"<t>_x001B_[2J_x001B_]0;PWNED_x0007_\1</t>", data
                )
            new.writestr(item, data)

    main([part.format(inbox=inbox) for part in argv])

    out = capsys.readouterr().out
    assert "␛[2J␛]0;PWNED␇" in out and "\x1b" not in out and "\x07" not in out


def test_the_master_folder_given_for_the_inbox_is_said_to_hold_outputs(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    argv = ["consolidate", str(SAMPLES), "--as-of", "2021-03-25", "--state-dir", "var"]
    assert main(argv) == 0
    capsys.readouterr()

    assert main(["consolidate", "out", "--as-of", "2021-03-25", "--state-dir", "var"]) == 2

    err = capsys.readouterr().err
    assert "(1 tệp là kết quả của ntm-excel, không phải biểu của xã)" in err
    assert "không có tệp bảng tính nào" not in err
