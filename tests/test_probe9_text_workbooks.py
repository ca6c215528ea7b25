"""Workbooks that office software saves under an Excel name without being one: an HTML
table (a web application's «Xuất Excel», Excel's own «Trang web» in UTF-16, LibreOffice's
HTML export), Excel 2003's XML Spreadsheet and delimited text (CSV). Excel opens them all as
workbooks, so a commune sends them as .xls and the office sees its figures: they are read
like the real workbook they were made from. A text file that is none of these, an HTML page
without a table and a flat OpenDocument file (.fods) are refused with a message saying so."""

from __future__ import annotations

import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from support.samples import SampleSpec, expected, write_sample
from support.text_exports import html_export, xml2003_export

from ntm_excel.model import Status
from ntm_excel.read.reader import read_submission

SPEC = SampleSpec(
    unit_code="18694",
    unit_name="Xã Cẩm Thành",
    value_styles=("number", "percent_text", "percent_format"),
    roadmap_style="real",
    seed=5,
)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return write_sample(tmp_path_factory.mktemp("nguon") / "cam_thanh.xlsx", SPEC)


@pytest.fixture(scope="module")
def original(source, registry, indicators):
    """What the workbook itself reads as (checked against what the spec wrote)."""
    submission, _ = read_submission(source, registry, indicators)
    truth = expected(SPEC)
    met = {entry.code: entry.self_assessment == Status.MET for entry in submission.indicators}
    assert met == truth.met
    return submission


def same_reading(path: Path, original, registry, indicators, *, tasks: bool = True) -> list:
    submission, issues = read_submission(path, registry, indicators)
    assert submission is not None, issues
    assert submission.unit_code == "18694"
    assert [(e.code, e.value, e.self_assessment) for e in submission.indicators] == [
        (e.code, e.value, e.self_assessment) for e in original.indicators
    ]
    if tasks:
        assert [(t.text, t.due, t.owners) for t in submission.tasks] == [
            (t.text, t.due, t.owners) for t in original.tasks
        ]
        assert submission.tasks
    return issues


@pytest.mark.parametrize(
    ("excel", "encoding"), [(False, "utf-8"), (True, "utf-8"), (True, "utf-16-le")]
)
def test_an_html_export_named_xls_reads_like_the_workbook(
    tmp_path, source, original, registry, indicators, excel, encoding
):
    path = tmp_path / "TDG xa Cam Thanh.xls"
    path.write_bytes(html_export(source, excel=excel, encoding=encoding))
    same_reading(path, original, registry, indicators)


def test_an_xml_spreadsheet_2003_named_xls_reads_like_the_workbook(
    tmp_path, source, original, registry, indicators
):
    path = tmp_path / "TDG xa Cam Thanh.xls"
    path.write_bytes(xml2003_export(source))
    same_reading(path, original, registry, indicators)


def _libreoffice(source: Path, target: str, out: Path) -> Path:
    """`source` converted by LibreOffice (skipped where it is not installed)."""
    soffice = next(
        (p for p in ("/usr/bin/soffice", "/usr/bin/libreoffice") if Path(p).exists()), None
    )
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    profile = out / "profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless"]
        + ["--convert-to", target, "--outdir", str(out), str(source)],
        capture_output=True,
        timeout=180,
        check=True,
    )
    return out / f"{source.stem}.{target.split(':')[0]}"


def test_libreoffice_html_and_csv_named_xls(tmp_path, source, original, registry, indicators):
    page = _libreoffice(source, "html", tmp_path)
    text = _libreoffice(source, "csv:Text - txt - csv (StarCalc):44,34,76,1", tmp_path)
    for made, tasks in ((page, True), (text, False)):  # a CSV holds the first sheet only
        path = tmp_path / f"TDG xa Cam Thanh {made.suffix[1:]}.xls"
        path.write_bytes(made.read_bytes())
        same_reading(path, original, registry, indicators, tasks=tasks)


def test_a_semicolon_csv_saved_by_excel_in_vietnamese(tmp_path, original, registry, indicators):
    lines = ["UBND XÃ CẨM THÀNH", "", "TT;Nội dung tiêu chí;Chỉ tiêu;Kết quả thực hiện;Tự đánh giá"]
    lines.append("1.1;Có quy hoạch chung xây dựng xã được phê duyệt;Đạt;Đạt;Đạt")
    path = tmp_path / "xa_cam_thanh.xls"
    path.write_bytes("\r\n".join(lines).encode("utf-8-sig"))  # Excel's «CSV UTF-8»
    submission, _ = read_submission(path, registry, indicators)
    assert submission.unit_code == "18694"
    (entry,) = submission.indicators
    assert (entry.code, entry.value, entry.self_assessment) == ("1.1", "Đạt", Status.MET)
    assert entry.value_cell == "D4"


def test_a_hidden_sheet_and_merges_of_an_xml_spreadsheet(tmp_path, source, registry, indicators):
    path = tmp_path / "cam_thanh.xls"
    path.write_bytes(xml2003_export(source, hidden=("Lộ trình",)))
    submission, _ = read_submission(path, registry, indicators)
    assert submission.tasks  # a hidden sheet is read: hiding withdraws nothing
    report = read_submission(path, registry, indicators)[0].reading
    assert report.sheet == "Biểu tự đánh giá"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        # a text file whose 4,096th byte falls inside a character: still a text file
        (("Kính gửi UBND huyện." + " " * 4069 + "Cẩm Xuyên").encode(), "tệp văn bản"),
        ("<html><body><p>Xem biểu tại trang web</p></body></html>".encode(), "không có bảng"),
        (
            b'<?xml version="1.0"?><office:document xmlns:office="urn:oasis:names:tc:opendocument'
            b':xmlns:office:1.0" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'
            b"</office:document>",
            ".fods",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Workbook xmlns='
            b'"urn:schemas-microsoft-com:office:spreadsheet"><Worksheet/></Workbook>',
            "DOCTYPE",
        ),
    ],
)
def test_what_cannot_be_read_is_said(tmp_path, registry, indicators, content, words):
    path = tmp_path / "xa_cam_thanh.xls"
    path.write_bytes(content)
    submission, issues = read_submission(path, registry, indicators)
    assert submission is None
    assert [i.code for i in issues] == ["file-unreadable"]
    assert words in issues[0].message and issues[0].file == "xa_cam_thanh.xls"


def test_spans_past_the_caps_stay_within_them(tmp_path, registry, indicators):
    cells = "<td colspan='1000000' rowspan='1000000'>UBND XÃ CẨM THÀNH</td>"
    path = tmp_path / "xa_cam_thanh.xls"
    path.write_bytes(f"<table><tr>{cells}<td>x</td></tr><tr><td>y</td></tr></table>".encode())
    submission, issues = read_submission(path, registry, indicators)
    assert submission is not None and submission.unit_code == "18694"


def test_a_hostile_page_is_read_in_linear_time(tmp_path, registry, indicators):
    """Python's own HTML parser took 4 minutes on these 800 KB of unclosed comments."""
    path = tmp_path / "xa_cam_thanh.xls"
    path.write_bytes(
        b"<table><tr><td>UBND X\xc3\x83 C\xe1\xba\xa8M TH\xc3\x80NH" + b"<!--" * 200_000
    )
    started = time.process_time()
    submission, _ = read_submission(path, registry, indicators)
    assert time.process_time() - started < 10
    assert submission.unit_code == "18694"


def test_a_text_file_too_large_is_refused_before_it_is_parsed(tmp_path, registry, indicators):
    path = tmp_path / "xa_cam_thanh.xls"
    row = b"<tr>" + b"<td>x</td>" * 60 + b"</tr>"
    path.write_bytes(b"<table>" + row * (11 * 1024 * 1024 // len(row)) + b"</table>")
    submission, issues = read_submission(path, registry, indicators)
    assert submission is None and "quá lớn" in issues[0].message


def test_a_workbook_sent_zipped_is_named(tmp_path, source, registry, indicators):
    """A zip put in the inbox, or renamed .xlsx: the message names the workbook inside."""
    for name in ("bieu_nen.zip", "bieu_nen.xlsx"):
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as archive:
            archive.write(source, "Bieu TDG\\Cam Thanh 2021.xlsx")
            archive.writestr("Huong dan.docx", b"")
        submission, issues = read_submission(path, registry, indicators)
        assert submission is None
        assert "chứa bảng tính «Cam Thanh 2021.xlsx»: hãy giải nén" in issues[0].message
