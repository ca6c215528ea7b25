"""Attacks of the fourth round, each a real file, a real mail server or a real command run:
provincial export sheets whose code column lost its leading zeros, holds formulas without a
result or names thousands of unknown codes; headings and titles naming many communes at
length; sheet XML whose comments hold thousands of cell or formula starts; a From header
naming several addresses; a master's packaging killed or stopped by a full disk; CSV fields
from hostile file names."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from support.samples import SampleSpec, write_sample
from test_intake import HA_CLERK, XLSX, at, letter, office_config, run_collect, workbook
from test_reader_flat import GLUED, WORDINGS, answers, flat_rows, write_book
from test_roadmap_probe4 import ERRORS, _with_errors

from ntm_excel.cli import main
from ntm_excel.jobs.attachments import read_letter, sender
from ntm_excel.jobs.intake import MAIL_FOLDER
from ntm_excel.read import flat
from ntm_excel.read.clues import TEXT_SHOWN
from ntm_excel.read.layouts import NAMES_SHOWN
from ntm_excel.read.reader import read_workbook
from ntm_excel.reference.registry import Registry

# --- 1. provincial export sheets ------------------------------------------------------------


def _row(code: object, indicator: str, value: str, said: str) -> list[object]:
    criterion, sub = indicator.split(".")
    return [code, "", f"TC{int(criterion):02d}.CT{int(sub):02d}", WORDINGS[indicator], value, said]


def test_a_commune_code_stored_as_a_number_keeps_its_unit(tmp_path, registry, indicators):
    """Hà Nội's Phúc Xá is 00004: an export that stores the code as a number writes 4."""
    phuc_xa = replace(registry.get("18694"), code="00004", name="Phường Phúc Xá")
    registry = Registry([*registry.units, phuc_xa])
    rows = [GLUED, _row(4, "1.1", "Đạt", "Đạt"), _row(4, "4.2", "97%", "Đạt")]
    path = write_book(tmp_path / "xuat.xlsx", {"Export": rows})
    [(submission, issues)] = read_workbook(path, registry, indicators)
    assert submission.unit_code == "00004"
    assert {e.code: e.raw for e in submission.indicators} == {"1.1": "Đạt", "4.2": "97%"}
    assert "unit-unknown" not in {issue.code for issue in issues}


def test_a_code_cell_that_is_a_formula_without_result_gives_its_rows_to_no_unit(
    tmp_path, registry, indicators
):
    """Cẩm Quang's rows below Cẩm Thành's, their code a formula the file keeps no result of:
    they were read as Cẩm Thành's (its missing 4.2 taken from Cẩm Quang)."""
    rows = [
        GLUED,
        _row("18694", "1.1", "Đạt", "Đạt"),
        _row('="18697"', "1.1", "Chưa đạt", "Không đạt"),
        _row('="18697"', "4.2", "12%", "Không đạt"),
    ]
    path = write_book(tmp_path / "xuat.xlsx", {"Export": rows})
    results = read_workbook(path, registry, indicators)
    [submission] = [submission for submission, _ in results if submission]
    assert submission.unit_code == "18694"
    assert {e.code: e.raw for e in submission.indicators} == {"1.1": "Đạt"}
    loose = [issue for submission, issues in results if submission is None for issue in issues]
    assert [(i.code, i.sheet, i.cell) for i in loose] == [("formula-without-value", "Export", "A3")]
    assert '«="18697"»' in loose[0].message


def test_thousands_of_unknown_codes_give_a_few_issues_naming_them_all(
    tmp_path, registry, indicators
):
    """Another province's 4,000 communes beside one of ours: 4,000 issues before."""
    rows = flat_rows(GLUED, {"18694": answers(1)}, "TC.CT")
    rows += [_row(str(90000 + n), "1.1", "Đạt", "Đạt") for n in range(4000)]
    path = write_book(tmp_path / "ca_nuoc.xlsx", {"Export": rows})
    results = read_workbook(path, registry, indicators)
    assert [s.unit_code for s, _ in results if s] == ["18694"]
    loose = [issue for submission, issues in results if submission is None for issue in issues]
    assert [issue.code for issue in loose] == ["unit-unknown"] * (flat.MAX_UNKNOWN_LISTED + 1)
    assert "mã «90000» ở ô A7 " in loose[0].message
    last = 4000 - flat.MAX_UNKNOWN_LISTED
    assert f"{last} mã khác ở ô A17, A18, A19, A20, A21 và {last - 5} ô khác" in loose[-1].message


# --- 5. a From header naming several addresses ----------------------------------------------

STRANGER = "la.mat@example.net"


@pytest.mark.parametrize(
    "from_header",
    [
        f"{HA_CLERK}, {STRANGER}",
        f"Xã Cẩm Hà <{HA_CLERK}>, Kẻ lạ <{STRANGER}>",
        f"Xã Cẩm Hà <{STRANGER}> <{HA_CLERK}>",  # the last angle address was taken
        f"Nhóm: {HA_CLERK}, {STRANGER};",  # an address group
        f"Xã Cẩm Hà <{HA_CLERK}> (<{STRANGER}>)",
    ],
)
def test_a_file_from_several_addresses_is_credited_to_none(tmp_path, imap, smtp, from_header):
    """Cẩm Hà's workbook from a header naming her clerk and a stranger: it was saved as Cẩm
    Hà's and answered to her clerk, whoever sent it."""
    sink, smtp_port = smtp
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)
    data = workbook(tmp_path, "ha.xlsx", unit_code="18727", unit_name="Xã Cẩm Hà")
    mail = letter(STRANGER, "Biểu xã Cẩm Hà", [("bieu.xlsx", data, XLSX)])
    raw = mail.as_bytes().replace(f"From: {STRANGER}".encode(), f"From: {from_header}".encode())
    imap.deliver((raw, at(12, 8, 0)))

    result, _ = run_collect(config)

    assert result.ok, result.error
    assert not list((tmp_path / "inbox" / MAIL_FOLDER).glob("*"))
    assert sink.messages() == []
    read = read_letter(raw)
    assert (read.sender, read.automatic) == ("", "thư không ghi rõ một địa chỉ người gửi")


@pytest.mark.parametrize(
    ("from_header", "address"),
    [
        (f"=?utf-8?q?{HA_CLERK.replace('@', '=40')}?= <{STRANGER}>", STRANGER),
        (f"Nhóm: {HA_CLERK};", HA_CLERK),
        (f'"Xã <{STRANGER}>" <{HA_CLERK}>', HA_CLERK),  # quoted: a name
        (f"Xã Cẩm Hà {'x' * 200_000} <{HA_CLERK}>", HA_CLERK),
    ],
)
def test_a_from_header_naming_one_address_is_credited_to_it(from_header, address):
    assert sender(from_header)[0] == address


# --- 3. error results in a sheet's XML --------------------------------------------------------


def _sheet_xml_edited(path: Path, edit) -> Path:
    """`path` with its data sheet's XML passed through `edit` (the other parts as they were)."""
    with zipfile.ZipFile(path) as old:
        parts = {name: old.read(name) for name in old.namelist()}
    name = "xl/worksheets/sheet1.xml"
    parts[name] = edit(parts[name])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for part, data in parts.items():
            new.writestr(part, data)
    return path


def test_a_comment_of_many_cell_starts_does_not_slow_the_error_scan(tmp_path, capsys):
    """A 6 KB file whose sheet holds a comment of 60,000 «<c » and a «t="e"»: each start
    was scanned on to the comment's end (20,000 took 6 s; 60,000 about a minute). The real
    errors are still reported."""
    path = tmp_path / "cam_thanh.xlsx"
    write_sample(path, SampleSpec())
    cells = _with_errors(path)
    comment = b'<!-- t="e" ' + b"<c " * 60_000 + b"-->"
    _sheet_xml_edited(path, lambda xml: xml.replace(b"<sheetData>", comment + b"<sheetData>"))
    started = time.monotonic()
    main(["validate", str(path)])
    assert time.monotonic() - started < 5
    out = capsys.readouterr().out
    for code, cell in cells.items():
        assert f"ô {cell} có lỗi công thức {ERRORS[code]}" in out


def test_a_comment_of_many_formula_tags_does_not_slow_the_formula_scan(tmp_path, capsys):
    """A comment of 100,000 «<f>» after «r="A1"» (a 7 KB file): each was scanned on to the
    first cell's end (6 s; 400,000 over a minute). A real formula saved without its result is
    still reported."""
    path = tmp_path / "cam_thanh.xlsx"
    write_sample(path, SampleSpec())
    book = openpyxl.load_workbook(path)
    book["Biểu tự đánh giá"]["E20"] = "=1/0"  # openpyxl saves no result
    book.save(path)
    comment = b'<!-- r="A1" ' + b"<f>" * 100_000 + b"-->"
    _sheet_xml_edited(path, lambda xml: xml.replace(b"<sheetData>", comment + b"<sheetData>"))
    started = time.monotonic()
    main(["validate", str(path)])
    assert time.monotonic() - started < 3
    assert "Ô có công thức «=1/0» nhưng tệp không lưu kết quả" in capsys.readouterr().out


# --- 4. a master's packaging stopped --------------------------------------------------------

SAMPLES = Path(__file__).resolve().parent.parent / "workbooks" / "mau_nop"
KILLED_WHILE_PACKAGING = """
import os, signal, sys
from ntm_excel.write import master
master._deflated = lambda part: os.kill(os.getpid(), signal.SIGKILL)  # the first part done
from ntm_excel.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _consolidate(tmp_path: Path, script: str | None = None) -> subprocess.CompletedProcess:
    argv = ["consolidate", str(SAMPLES), "--output", "ra/tong_hop.xlsx", "--as-of", "2021-03-25"]
    argv += ["--no-history", "--no-feedback", "--state-dir", "var"]
    command = [sys.executable, "-c", script, *argv] if script else [sys.executable, "-m"]
    if not script:
        command += ["ntm_excel", *argv]
    env = {**os.environ, "TMPDIR": str(tmp_path / "tam")}
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=300)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_run_killed_while_packaging_leaves_nothing_the_next_run_keeps(tmp_path):
    """Killed while its parts were deflated, a run left the master as it was and a staged
    file beside it (the next run removes it), and its parts in the system's temporary folder
    for ever: the next master made removes them now."""
    (tmp_path / "tam").mkdir()
    assert _consolidate(tmp_path).returncode == 0
    master = tmp_path / "ra" / "tong_hop.xlsx"
    before = master.read_bytes()

    killed = _consolidate(tmp_path, KILLED_WHILE_PACKAGING)

    assert killed.returncode == -signal.SIGKILL
    assert master.read_bytes() == before
    assert list((tmp_path / "tam").iterdir())  # its parts, left
    again = _consolidate(tmp_path)
    assert again.returncode == 0, again.stderr
    assert list((tmp_path / "tam").iterdir()) == []
    beside = [".ntm_excel.lock", "csv", "tong_hop.xlsx"]  # its CSV files follow it (csv/)
    assert sorted(p.name for p in master.parent.iterdir()) == beside
    openpyxl.load_workbook(master, read_only=True).close()


FILE_SIZE_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))
from ntm_excel.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE")
def test_a_full_disk_while_packaging_leaves_the_master_and_no_parts(tmp_path):
    (tmp_path / "tam").mkdir()
    assert _consolidate(tmp_path).returncode == 0
    master = tmp_path / "ra" / "tong_hop.xlsx"
    before = master.read_bytes()

    full = _consolidate(tmp_path, FILE_SIZE_LIMITED)

    assert full.returncode == 2
    assert "bảng tổng hợp, CSV và góp ý của lần chạy trước vẫn còn nguyên" in full.stderr.decode()
    assert master.read_bytes() == before
    assert list((tmp_path / "tam").iterdir()) == []
    beside = [".ntm_excel.lock", "csv", "tong_hop.xlsx"]  # its CSV files follow it (csv/)
    assert sorted(p.name for p in master.parent.iterdir()) == beside


# --- 2. layouts and clues naming many communes, at length ------------------------------------


def test_a_heading_naming_every_commune_gives_a_short_message(tmp_path, registry, indicators):
    """A district's compilation with a column per commune (all 23): the message named every
    one (60 columns of names: 741 characters); it names three and counts the others."""
    communes = [unit.name for unit in registry.units if unit.tier == "commune"]
    heading = ["Mã chỉ tiêu", "Nội dung", "Kết quả", "Tự đánh giá", *communes]
    rows = [["UBND XÃ CẨM THÀNH"], heading, ["1.1", "Quy hoạch", "Đạt", "Đạt"]]
    path = write_book(tmp_path / "tong_hop_huyen.xlsx", {"Các xã": rows})
    [(_, issues)] = read_workbook(path, registry, indicators)
    [layout] = [issue for issue in issues if issue.code == "table-layout-unsupported"]
    shown = ", ".join(f"{name} ở ô {col}2" for name, col in zip(communes, "EFG", strict=False))
    more = len(communes) - NAMES_SHOWN
    assert f"bảng có cột riêng của từng xã ({shown} và {more} xã khác)" in layout.message
    assert len(layout.message) < 500


def test_a_title_of_60_000_characters_is_quoted_shortened(tmp_path, registry, indicators):
    """A copied form (title Cẩm Quang's, file name Cẩm Thành's) whose title cell holds
    30,000 more letters: the message quoted the title twice whole (60,308 characters,
    past an Excel cell's 32,767 in the master's issue sheet)."""
    letters = "abcdeghiklmnopqrstuvxyáàảãạăắằẳẵặâấầẩẫậ "
    tail = "".join(letters[(n * 7919) % len(letters)] for n in range(30_000))
    rows = [
        ["UBND XÃ CẨM QUANG " + tail],
        ["Mã chỉ tiêu", "Nội dung", "Kết quả", "Tự đánh giá"],
        ["1.1", "Quy hoạch", "Đạt", "Đạt"],
    ]
    path = write_book(tmp_path / "xa_cam_thanh.xlsx", {"TĐG": rows})
    [(submission, issues)] = read_workbook(path, registry, indicators)
    [ambiguous] = [issue for issue in issues if issue.code == "unit-ambiguous"]
    assert "mã 18697) theo đầu biểu «UBND XÃ CẨM QUANG " in ambiguous.message
    assert "mã 18694) theo tên tệp «xa_cam_thanh.xlsx»" in ambiguous.message
    assert "…» (trang «TĐG», ô A1)" in ambiguous.message
    assert len(ambiguous.message) < 4 * TEXT_SHOWN + 500


# --- 6. CSV files: control characters shown, formulas still defused ---------------------------

HOSTILE_NAMES = ["=1+2.xlsx", "\x1b[2J=1+2.xlsx", "\t-3+4.xlsx", "@SUM(1).xlsx", "\r+5.xlsx"]


@pytest.mark.skipif(sys.platform == "win32", reason="control characters in file names")
def test_csv_fields_from_hostile_file_names_are_shown_and_never_formulas(tmp_path):
    """Copies of one commune's workbook under names a spreadsheet would run, some beginning
    with a control character (cleaned after the formula check): no field of the CSV files
    starts with = + - @ a tab or a carriage return, and none holds a control character but
    tabs and line breaks."""
    inbox = tmp_path / "nop"
    inbox.mkdir()
    for name in HOSTILE_NAMES:
        shutil.copy(SAMPLES / "18730_xa_cam_loc.xlsx", inbox / name)
    out = tmp_path / "ra"
    argv = ["consolidate", str(inbox), "--output", str(out / "tong_hop.xlsx")]
    main([*argv, "--csv-dir", str(out / "csv"), "--no-history", "--no-feedback"])
    fields = []
    for table in (out / "csv").iterdir():
        with table.open(encoding="utf-8-sig", newline="") as handle:
            fields += [field for row in csv.reader(handle) for field in row]
    named = [field for field in fields if "1+2" in field or "SUM(1)" in field or "-3+4" in field]
    assert named
    for field in fields:
        assert field[:1] not in ("=", "+", "-", "@", "\t", "\r") or field[1:2].isdigit(), field
        assert not any(ord(c) < 32 and c not in "\t\r\n" for c in field), field
    assert "'\r+5.xlsx" in fields  # the file used: units.csv's source_file, defused
    assert any("«␛[2J=1+2.xlsx»" in field for field in fields)  # the others, named
