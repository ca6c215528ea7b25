"""Crafted text workbooks (HTML, Excel 2003 XML Spreadsheet, CSV saved as .xls), as an
attacker or an unusual program writes them: each is read or refused with a message, never a
traceback, and never read past a DOCTYPE."""

from __future__ import annotations

import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest
from support.samples import SampleSpec, write_sample
from support.text_exports import html_export, xml2003_export

from ntm_excel.model import Status
from ntm_excel.read.reader import read_submission
from ntm_excel.read.sheets import MAX_ROWS

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
    return read_submission(source, registry, indicators)[0]


def _windows_1258(char: str) -> bytes:
    """A character as Vietnamese Windows writes it: its tone mark, if any, a separate byte."""
    try:
        return char.encode("cp1258")
    except UnicodeEncodeError:
        split = unicodedata.normalize("NFD", char)
        tones = [mark for mark in split if mark in _TONES]
        letter = unicodedata.normalize("NFC", "".join(m for m in split if m not in _TONES))
        return (letter + "".join(tones)).encode("cp1258", "xmlcharrefreplace")  # «≥»: «&#8805;»


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _readings(submission) -> list:
    return [(e.code, e.value, e.self_assessment) for e in submission.indicators]


def test_an_xhtml_page_declaring_its_encoding_is_read(
    tmp_path, source, original, registry, indicators
):
    """«<?xml … encoding="utf-8"?>» before the page (XHTML exports): lxml refused the text."""
    path = tmp_path / "TDG xa Cam Thanh.xls"
    declaration = (
        b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0'
        b' Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
    )
    path.write_bytes(declaration + html_export(source, excel=True))
    submission, _ = read_submission(path, registry, indicators)
    assert submission.unit_code == "18694"
    assert _readings(submission) == _readings(original)


@pytest.mark.parametrize("charset", ["undefined", "idna"])
def test_a_page_declaring_a_codec_that_cannot_replace_is_read(
    tmp_path, source, original, registry, indicators, charset
):
    """A page in Windows-1258 declaring a codec that fails on any byte, or refuses
    "replace": it is read as Windows-1258, as a page declaring no charset."""
    path = tmp_path / "TDG xa Cam Thanh.xls"
    page = html_export(source, excel=False).decode().replace("charset=utf-8", f"charset={charset}")
    path.write_bytes(b"".join(_windows_1258(char) for char in page))
    submission, _ = read_submission(path, registry, indicators)
    assert submission.unit_code == "18694"
    assert _readings(submission) == _readings(original)


def test_an_xml_spreadsheet_in_utf16_declaring_entities_is_refused(
    tmp_path, source, registry, indicators
):
    """The bytes «<!DOCTYPE» are not in a UTF-16 file: the parser itself refuses the DTD."""
    xml = xml2003_export(source).decode()
    declared = xml.replace(
        "<Workbook ",
        '<!DOCTYPE Workbook [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><Workbook ',
        1,
    ).replace("UTF-8", "UTF-16", 1)
    path = tmp_path / "TDG xa Cam Thanh.xls"
    path.write_bytes(b"\xff\xfe" + declared.encode("utf-16-le"))
    submission, issues = read_submission(path, registry, indicators)
    assert submission is None
    assert [i.code for i in issues] == ["file-unreadable"]
    assert "DOCTYPE" in issues[0].message


_CSV = [
    "UBND XÃ CẨM THÀNH",
    "",
    "TT;Nội dung tiêu chí;Chỉ tiêu;Kết quả thực hiện;Tự đánh giá",
    "1.1;Có quy hoạch chung xây dựng xã được phê duyệt;Đạt;Đạt;Đạt",
]


def test_a_csv_with_lines_ended_by_a_carriage_return_alone(tmp_path, registry, indicators):
    """Excel for Mac's «CSV (Macintosh)» ends lines with "\\r": was refused as damaged."""
    path = tmp_path / "xa_cam_thanh.xls"
    path.write_bytes("\r".join(_CSV).encode("utf-8-sig"))
    submission, issues = read_submission(path, registry, indicators)
    assert submission is not None, issues
    (entry,) = submission.indicators
    assert (entry.code, entry.value, entry.self_assessment) == ("1.1", "Đạt", Status.MET)
    assert entry.value_cell == "D4"


def test_a_csv_with_a_quote_never_closed_is_refused_in_vietnamese(tmp_path, registry, indicators):
    path = tmp_path / "xa_cam_thanh.xls"
    lines = [*_CSV, '1.2;"Có quy hoạch', *["a;b;c;d;e"] * 40_000]
    path.write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    submission, issues = read_submission(path, registry, indicators)
    assert submission is None
    message = issues[0].message
    assert "dòng 5 có một ô dài hơn 131.072 ký tự" in message and "field" not in message


_PEAK = """
import re, sys
from pathlib import Path
from ntm_excel.config import load_config
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry
from ntm_excel.read.reader import read_submission
from ntm_excel.read.sheets import MAX_ROWS
def peak():  # this process's own peak (ru_maxrss would count the parent's, from before exec)
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\\s*(\\d+) kB", status).group(1))
registry = load_registry(load_config().registry)
indicators = load_catalog(load_config().catalog).resolve("xa_2016_2020", "Hà Tĩnh")
before = peak()
submission, issues = read_submission(sys.argv[1], registry, indicators)
unit = submission.unit_code if submission else ""
print((peak() - before) // 1024, unit, *[issue.code for issue in issues])
"""


def _read_apart(path: Path) -> tuple[int, list[str]]:
    """The megabytes reading `path` added to a fresh process's peak, and what it read."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, check=True
    )
    grown, *reading = done.stdout.split()
    return int(grown), reading


_TITLE = "<p>UBND XÃ CẨM THÀNH</p>"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("cells", f"<html>{_TITLE}<table><tr>{'<td>1' * 2_000_000}</table>"),
        ("rows", f"<html>{_TITLE}<table>{'<tr><td>1' * 1_000_000}</table>"),
        (
            "xml_rows",
            '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
            '<Worksheet><Table><Row><Cell><Data ss:Type="String" xmlns:ss="urn:schemas-microsoft'
            f'-com:office:spreadsheet">UBND XÃ CẨM THÀNH</Data></Cell></Row>{"<Row/>" * 1_500_000}'
            "</Table></Worksheet></Workbook>",
        ),
    ],
)
def test_ten_megabytes_of_tiny_elements_stay_small(tmp_path, name, content):
    """Past the caps nothing is kept: libxml2's tree of 2,000,000 cells took 570 MB, the XML
    Spreadsheet's of 1,500,000 rows 150 MB."""
    path = tmp_path / f"xa_cam_thanh_{name}.xls"
    path.write_bytes(content.encode())
    grown, reading = _read_apart(path)
    assert "sheet-truncated" in reading
    assert grown < 60


@pytest.mark.parametrize("kind", ["html", "xml"])
def test_thousands_of_sheets_are_refused_at_once(tmp_path, registry, indicators, kind):
    """300,000 one-cell tables (or worksheets): 12 s and 600 MB to read them all."""
    path = tmp_path / "xa_cam_thanh.xls"
    if kind == "html":
        path.write_bytes((f"<html>{_TITLE}" + "<table><tr><td>x</table>" * 300_000).encode())
    else:
        sheet = '<Worksheet ss:Name="S"><Table><Row><Cell><Data>x</Data></Cell></Row></Table>'
        path.write_bytes(
            (
                '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:'
                'spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
                + (sheet + "</Worksheet>") * 100_000
                + "</Workbook>"
            ).encode()
        )
    started = time.process_time()
    submission, issues = read_submission(path, registry, indicators)
    assert time.process_time() - started < 2
    assert submission is None
    assert "tệp có hơn 255 bảng (trang tính)" in issues[0].message


@pytest.mark.parametrize("kind", ["html", "xml"])
def test_a_sheet_name_of_thousands_of_characters_is_cut_as_excel_cuts_it(
    tmp_path, registry, indicators, kind
):
    """A page's «Sheet 1: …» heading, or an XML «ss:Name», of 20,000 characters: the name
    (31 characters at most in Excel) went whole into every message naming the sheet."""
    name = "=HYPERLINK(&quot;x&quot;)" + "A" * 20_000
    path = tmp_path / "xa_cam_thanh.xls"
    if kind == "html":
        rows = "<tr><td>x</td></tr>" * (MAX_ROWS + 1)
        page = f"<html><p>Sheet 1: {name}</p><table><tr><td>UBND XÃ CẨM THÀNH</td></tr>{rows}"
        path.write_bytes(page.encode())
    else:
        path.write_bytes(
            (
                '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:'
                'spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
                f'<Worksheet ss:Name="{name}"><Table><Row><Cell><Data ss:Type="String">'
                'UBND XÃ CẨM THÀNH</Data></Cell></Row><Row ss:Index="9000"><Cell><Data '
                'ss:Type="String">x</Data></Cell></Row></Table></Worksheet></Workbook>'
            ).encode()
        )
    submission, issues = read_submission(path, registry, indicators)
    (cut,) = [issue for issue in issues if issue.code == "sheet-truncated"]
    assert cut.sheet == '=HYPERLINK("x")' + "A" * 16  # 31 characters
    assert f"trang «{cut.sheet}» có dữ liệu tới ô" in cut.message


def test_a_workbook_sheet_name_of_thousands_of_characters_is_quoted_short(
    tmp_path, source, registry, indicators
):
    """An .xlsx naming its sheet with 20,000 characters (Excel allows 31): the message saying
    the sheet is cut quotes 80 of them, as any message quotes what a commune typed."""
    path = tmp_path / "xa_cam_thanh.xlsx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as crafted:
        for member in original.namelist():
            content = original.read(member)
            if member == "xl/workbook.xml":
                content = content.replace("Biểu tự đánh giá".encode(), b"L" * 20_000)
            if member == "xl/worksheets/sheet1.xml":
                content = content.replace(
                    b"</sheetData>",
                    b'<row r="9000"><c r="A9000" t="inlineStr"><is><t>x</t></is></c></row>'
                    b"</sheetData>",
                )
            crafted.writestr(member, content)
    submission, issues = read_submission(path, registry, indicators)
    (cut,) = [issue for issue in issues if issue.code == "sheet-truncated"]
    assert f"trang «{'L' * 79}…» có dữ liệu tới ô" in cut.message
