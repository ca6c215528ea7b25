"""Leftovers of a review round, each read through real files: control characters a commune
typed are shown, not obeyed, in every CSV file (and the master still opens in a spreadsheet);
a copied form's unit issue points at the title cell and says what to fix; a sheet laid out
in a way that is not read gets one message, not a unit puzzle on top; the advice for a file
that cannot be read fits why; an export's unit code column is said to be one."""

from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from test_reader_flat import (
    GLUED,
    SPELLED,
    WORDINGS,
    answers,
    commune_grid,
    copied_form,
    flat_rows,
    write_book,
)

from ntm_excel.cli import main
from ntm_excel.read.reader import read_submission, read_workbook

SAMPLES = Path(__file__).resolve().parent.parent / "workbooks" / "mau_nop"
# ESC sequence clearing the screen, a vertical tab, a right-to-left override: as Excel
# writes control characters in a package («_x001B_»)
TYPED = b"_x001B_[2J_x000B_105%\xe2\x80\xae"
OBEYED = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\t", "\n", "\r"}
OBEYED |= {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068"}


def typed_in(inbox: Path, name: str) -> Path:
    """The sample of Cẩm Duệ, saved under `name`, with TYPED in a value cell (9.2)."""
    inbox.mkdir()
    path = inbox / name
    with (
        zipfile.ZipFile(SAMPLES / "xa_cam_due.xlsx") as old,
        zipfile.ZipFile(path, "w") as new,
    ):
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                data = data.replace(b">105%<", b">" + TYPED + b"<", 1)
            new.writestr(item, data)
    return path


def test_control_characters_typed_are_shown_in_every_csv_and_the_master_opens(tmp_path):
    inbox = tmp_path / "inbox"
    typed_in(inbox, "xa_cam_due\x1b[31m.xlsx")  # a file name with an ESC sequence too
    master, csv_dir, feedback = tmp_path / "th.xlsx", tmp_path / "csv", tmp_path / "gop_y"
    argv = ["consolidate", str(inbox), "--as-of", "2021-03-25", "--state-dir", str(tmp_path)]
    argv += ["-o", str(master), "--csv-dir", str(csv_dir), "--feedback-dir", str(feedback)]
    assert main(argv) == 0

    texts = {p.name: p.read_text(encoding="utf-8-sig") for p in csv_dir.glob("*.csv")}
    assert set(texts) == {"units.csv", "indicators.csv", "criteria.csv", "tasks.csv", "issues.csv"}
    for name, text in texts.items():
        assert not OBEYED & set(text), name
    rows = list(csv.DictReader(texts["indicators.csv"].splitlines()))
    (value,) = [
        r["value"] for r in rows if r["unit_code"] == "18715" and r["indicator_code"] == "9.2"
    ]
    assert value == "␛[2J 105%\ufffd"  # the reader makes the vertical tab a space
    units = csv.DictReader(texts["units.csv"].splitlines())
    (source,) = [unit["source_file"] for unit in units if unit["unit_code"] == "18715"]
    assert source == "xa_cam_due␛[31m.xlsx"

    openpyxl.load_workbook(master)  # XML an Excel opens: no illegal character in it
    for copy in feedback.glob("*.xlsx"):
        openpyxl.load_workbook(copy)
    if shutil.which("soffice"):
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
             "--convert-to", 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,'
             "false,false,-1", "--outdir", str(tmp_path / "lo_csv"), str(master)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        sheets = "".join(p.read_text() for p in (tmp_path / "lo_csv").glob("*.csv"))
        assert "[2J 105%" in sheets  # LibreOffice read the master's cell


def test_a_copied_form_points_at_its_title_cell_and_says_to_fix_title_or_file_name(
    tmp_path, registry, indicators
):
    title = [["UBND HUYỆN CẨM XUYÊN"], [None, "UBND XÃ CẨM BÌNH"], ["BIỂU TỰ ĐÁNH GIÁ"]]
    path = copied_form(tmp_path / "xa_cam_vinh.xlsx", title)
    _, issues = read_submission(path, registry, indicators)
    (issue,) = [issue for issue in issues if issue.code == "unit-ambiguous"]
    assert (issue.file, issue.sheet, issue.cell) == ("xa_cam_vinh.xlsx", "TĐG", "B2")
    assert issue.message.endswith(
        "(tệp sao từ biểu của xã khác mà chưa sửa hết?). "
        "Hãy sửa đầu biểu hoặc tên tệp cho đúng xã gửi."
    )
    assert "ghi huyện" not in issue.message


def test_a_code_cell_against_the_title_points_at_the_code_cell(tmp_path, registry, indicators):
    title = [["UBND XÃ CẨM BÌNH"], ["Mã đơn vị:", 18691], ["BIỂU TỰ ĐÁNH GIÁ"]]
    path = copied_form(tmp_path / "bieu.xlsx", title)
    _, issues = read_submission(path, registry, indicators)
    (issue,) = [issue for issue in issues if issue.code == "unit-ambiguous"]
    assert (issue.sheet, issue.cell) == ("TĐG", "A2")
    assert issue.message.endswith("Hãy sửa ô mã hoặc đầu biểu cho đúng xã gửi.")


def test_a_grid_of_communes_gets_the_layout_message_alone(tmp_path, registry, indicators):
    rows = commune_grid()
    path = write_book(tmp_path / "tong_hop.xlsx", {"Tổng hợp": rows})
    codes = [
        issue.code for _, found in read_workbook(path, registry, indicators) for issue in found
    ]
    assert "table-layout-unsupported" in codes
    assert "unit-ambiguous" not in codes


def test_two_communes_side_by_side_get_the_layout_message_alone(tmp_path, registry, indicators):
    rows: list[list[object]] = [
        ["UBND XÃ CẨM THÀNH", None, None, None, "UBND XÃ CẨM QUANG"],
        ["BIỂU TỰ ĐÁNH GIÁ"],
        ["TT", "Nội dung", "XÃ CẨM THÀNH", None, "XÃ CẨM QUANG", None],
        [None, None, "Kết quả", "Tự đánh giá", "Kết quả", "Tự đánh giá"],
    ]
    rows += [[code, WORDINGS[code], "Đạt", "Đạt", "1%", "Không đạt"] for code in WORDINGS]
    path = write_book(tmp_path / "hai_xa.xlsx", {"TĐG": rows})
    submission, issues = read_submission(path, registry, indicators)
    assert submission.indicators == ()
    codes = [issue.code for issue in issues]
    assert "table-layout-unsupported" in codes
    assert "unit-ambiguous" not in codes


def test_an_empty_file_is_asked_for_again_not_saved_without_password(
    tmp_path, registry, indicators
):
    path = tmp_path / "xa_cam_binh.xlsx"
    path.write_bytes(b"")
    (_, (issue,)), *_ = read_workbook(path, registry, indicators)
    assert issue.code == "file-unreadable"
    assert issue.message == (
        "Không đọc được tệp: tệp rỗng (0 byte). Tệp nhận được không có nội dung (gửi nhầm, "
        "hoặc tải lên chưa xong): hãy gửi lại tệp biểu tự đánh giá."
    )


def test_a_file_that_cannot_be_opened_is_said_to_be_the_office_computer_s_problem(
    tmp_path, registry, indicators
):
    path = tmp_path / "xa_cam_binh.xlsx"
    path.mkdir()  # opening it fails as a locked file does: an error of the system
    (_, (issue,)), *_ = read_workbook(path, registry, indicators)
    assert issue.message.startswith("Không đọc được tệp: không mở được tệp (")
    assert "máy tổng hợp, không phải lỗi của biểu" in issue.message
    assert "mật khẩu" not in issue.message


def test_a_password_still_says_to_remove_it(tmp_path, registry, indicators):
    path = tmp_path / "xa_cam_binh.xlsx"
    shutil.copy(SAMPLES / "xa_cam_due.xlsx", path)
    encrypted = tmp_path / "encrypted.xlsx"
    msoffcrypto = pytest.importorskip("msoffcrypto.format.ooxml")
    with path.open("rb") as plain, encrypted.open("wb") as out:
        msoffcrypto.OOXMLFile(plain).encrypt("mat-khau", out)
    (_, (issue,)), *_ = read_workbook(encrypted, registry, indicators)
    assert issue.message == (
        "Không đọc được tệp: tệp có mật khẩu. "
        "Hãy mở tệp bằng Excel, bỏ mật khẩu, lưu lại dạng .xlsx rồi gửi lại."
    )


@pytest.mark.parametrize(("headings", "shown"), [(GLUED, "MaXa"), (SPELLED, "Mã xã")])
def test_explain_says_the_export_s_code_column_holds_unit_codes(tmp_path, capsys, headings, shown):
    units = {"18694": answers(1), "18697": answers(2)}
    path = write_book(tmp_path / "xuat.xlsx", {"Export": flat_rows(headings, units, "TC.CT")})
    main(["validate", "--explain", str(path)])
    out = capsys.readouterr().out
    lines = [line.split() for line in out.splitlines() if line.strip().startswith("A ")]
    assert len(lines) == 2  # one reading per commune
    for words in lines:
        text = " ".join(words)
        assert text.startswith(f"A {shown} mã đơn vị — mỗi dòng ghi mã của đơn vị"), text
    assert f"mã đơn vị ở cột «{shown}», ô A1" in out
    if headings is GLUED:
        assert "Ma Xa" not in out and "Gia Tri" not in out
