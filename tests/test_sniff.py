"""Files that are not what their name says, damaged files and hostile files: each is built
here, and each must end as a Vietnamese `file-unreadable` reason (or read correctly when
only the extension lies), never as an exception or an exhausted machine."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwt
from msoffcrypto.format.ooxml import OOXMLFile
from support.hostile import (
    ODS_FORMS,
    TEXT_FORMS,
    XLS_FORMS,
    XLSX_FORMS,
    long_text,
    xls_shared_string_in_many_cells,
)
from support.samples import SampleSpec, write_sample
from xlwt.CompoundDoc import XlsDoc

from ntm_excel.model import Status
from ntm_excel.read.bounds import calamine_ref
from ntm_excel.read.reader import read_submission
from ntm_excel.read.sheets import MAX_ROWS
from ntm_excel.read.sniff import UnreadableFileError, sniff


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict[str, bytes]:
    """A good workbook of each format, as bytes."""
    folder = tmp_path_factory.mktemp("good")
    return {
        fmt: write_sample(folder / f"cam_thanh.{fmt}", SampleSpec(format=fmt)).read_bytes()
        for fmt in ("xlsx", "xlsm", "xls", "ods")
    }


def reason_of(data: bytes) -> str:
    with pytest.raises(UnreadableFileError) as caught:
        sniff(data)
    return caught.value.reason


def rezip(data: bytes, change=None, drop=(), extra=()) -> bytes:
    """The package with members changed (name → new bytes), dropped or added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename in drop:
                continue
            content = source.read(item.filename)
            if change and item.filename in change:
                content = change[item.filename](content)
            target.writestr(item.filename, content)
        for name, content in extra:
            target.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["xlsx", "xlsm", "xls", "ods"])
def test_format_is_told_by_the_bytes(good, fmt):
    assert sniff(good[fmt]).kind == fmt


@pytest.mark.parametrize(
    ("fmt", "name"), [("xls", "doi_ten.xlsx"), ("xlsx", "doi_ten.xls"), ("ods", "doi_ten.xlsx")]
)
def test_renamed_files_still_read(tmp_path, good, registry, indicators, fmt, name):
    path = tmp_path / name
    path.write_bytes(good[fmt])
    submission, issues = read_submission(path, registry, indicators)
    assert submission.unit_code == "18694"
    assert len(submission.indicators) == 50
    assert issues == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "rỗng"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        ("Kính gửi: UBND huyện Cẩm Xuyên\nXã gửi kèm biểu tự đánh giá.\n".encode(), "văn bản"),
        (b"<html><body><p>Trang web</p></body></html>", "HTML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "ảnh"),
        (b"Rar!\x1a\x07\x00", "RAR"),
        (bytes(range(256)) * 4, "không phải bảng tính"),
    ],
)
def test_not_a_spreadsheet(content, words):
    assert words in reason_of(content)


def test_password_protected_xlsx(good, tmp_path, registry, indicators):
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(good["xlsx"])).encrypt("123456", encrypted)
    assert "mật khẩu" in reason_of(encrypted.getvalue())
    path = tmp_path / "co_mat_khau.xlsx"
    path.write_bytes(encrypted.getvalue())
    submission, issues = read_submission(path, registry, indicators)
    assert submission is None
    assert [(i.code, i.file) for i in issues] == [("file-unreadable", "co_mat_khau.xlsx")]
    assert "mật khẩu" in issues[0].message


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_truncated_download(good, fmt):
    assert "hỏng" in reason_of(good[fmt][: len(good[fmt]) // 2])


def test_flipped_bytes_inside_a_part(good):
    data = bytearray(good["xlsx"])
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    member = archive.getinfo("xl/worksheets/sheet1.xml")
    start = member.header_offset + 30 + len(member.filename) + len(member.extra)
    for offset in range(start + 40, start + member.compress_size - 40, 97):
        data[offset] ^= 0xFF
    assert "hỏng" in reason_of(bytes(data))


def test_sheet_declared_but_missing(good):
    damaged = rezip(good["xlsx"], drop=("xl/worksheets/sheet2.xml",))
    assert "thiếu dữ liệu của trang «Lộ trình»" in reason_of(damaged)


def test_other_packages(good):
    docx = rezip(
        good["xlsx"],
        change={
            "[Content_Types].xml": lambda c: c.replace(
                b"spreadsheetml.sheet.main+xml", b"wordprocessingml.document.main+xml"
            )
        },
    )
    assert "Word" in reason_of(docx)
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("bao_cao.txt", "Báo cáo")
    assert "tệp nén" in reason_of(plain.getvalue())


def test_zip_bomb_total_size(tmp_path):
    """~210 MB of zeros deflate to ~1 MB: refused from the central directory alone."""
    path = tmp_path / "bom.xlsx"
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(210):
                member.write(chunk)
    assert "vượt giới hạn" in reason_of(path.read_bytes())


def test_zip_bomb_compression_ratio():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * (5 << 20) + b"</sst>")
    assert "tỉ lệ nén" in reason_of(data.getvalue())


def test_too_many_members():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for index in range(2100):
            archive.writestr(f"xl/media/image{index}.png", b"")
    assert "quá nhiều phần" in reason_of(data.getvalue())


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/theme/theme1.xml"])
def test_entity_expansion_is_refused(good, part):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    hostile = rezip(
        good["xlsx"],
        change={part: lambda c: laughs + c.split(b"?>", 1)[1]},
        extra=()
        if part in zipfile.ZipFile(io.BytesIO(good["xlsx"])).namelist()
        else ((part, laughs + b"<a/>"),),
    )
    assert "DOCTYPE/ENTITY" in reason_of(hostile)


def test_declared_dimension_is_never_trusted(good, tmp_path, registry, indicators):
    huge = rezip(
        good["xlsx"],
        change={
            "xl/worksheets/sheet1.xml": lambda c: c.replace(
                b'<dimension ref="', b'<dimension ref="A1:XFD1048576" old="'
            )
        },
    )
    path = tmp_path / "cam_thanh.xlsx"
    path.write_bytes(huge)
    submission, issues = read_submission(path, registry, indicators)
    assert len(submission.indicators) == 50
    assert issues == []


def test_cell_at_row_one_million_is_ignored_with_a_warning(good, tmp_path, registry, indicators):
    far = b'<row r="1000000"><c r="XFD1000000" t="n"><v>1</v></c></row></sheetData>'
    hostile = rezip(
        good["xlsx"],
        change={"xl/worksheets/sheet1.xml": lambda c: c.replace(b"</sheetData>", far)},
    )
    path = tmp_path / "cam_thanh.xlsx"
    path.write_bytes(hostile)
    submission, issues = read_submission(path, registry, indicators)
    assert len(submission.indicators) == 50  # streamed up to the caps, the table is intact
    warning = next(i for i in issues if i.code == "sheet-truncated")
    assert warning.severity == "warning" and "XFD1000000" in warning.message
    assert f"{MAX_ROWS:,}".replace(",", ".") in warning.message


def test_xls_with_a_far_cell_is_refused(tmp_path, registry, indicators):
    book = xlwt.Workbook()
    sheet = book.add_sheet("Biểu")
    sheet.write(0, 0, "UBND XÃ CẨM THÀNH")
    sheet.write(65535, 255, 1)
    path = tmp_path / "xa.xls"
    book.save(str(path))
    submission, issues = read_submission(path, registry, indicators)
    assert submission is None and "quá lớn" in issues[0].message


def test_ods_with_huge_repeats_is_refused(good):
    row = (
        b'<table:table-row table:number-rows-repeated="1000000">'
        b'<table:table-cell table:number-columns-repeated="1000" office:value-type="float" '
        b'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row></table:table>'
    )
    hostile = rezip(
        good["ods"], change={"content.xml": lambda c: c.replace(b"</table:table>", row, 1)}
    )
    from ntm_excel.read.sheets import load_grids

    with pytest.raises(UnreadableFileError, match="quá nhiều ô"):
        load_grids(hostile, sniff(hostile))


def test_a_folder_of_good_and_broken_files_never_raises(good, tmp_path, registry, indicators):
    folder = tmp_path / "nhan"
    folder.mkdir()
    for fmt, data in good.items():
        (folder / f"tot.{fmt}").write_bytes(data)
        (folder / f"cut.{fmt}").write_bytes(data[: len(data) // 3])
        (folder / f"tail.{fmt}").write_bytes(data[: len(data) - 100])
    (folder / "rong.xlsx").write_bytes(b"")
    (folder / "ghi_chu.xls").write_text("không phải bảng tính", encoding="utf-8")
    book = openpyxl.Workbook()
    book.active["A1"] = "=1/0"
    book.save(folder / "chi_co_cong_thuc.xlsx")
    results = {}
    for path in sorted(Path(folder).iterdir()):
        submission, issues = read_submission(path, registry, indicators)
        results[path.name] = (submission is not None, [i.code for i in issues])
    for fmt in good:
        assert results[f"tot.{fmt}"] == (True, [])
        assert results[f"cut.{fmt}"] == (False, ["file-unreadable"])
    assert results["rong.xlsx"] == (False, ["file-unreadable"])
    assert results["chi_co_cong_thuc.xlsx"][0]


def test_lies_that_made_calamine_abort_the_process(good, tmp_path):
    """Each of these once killed the interpreter (a Rust allocation of terabytes, which no
    `except` can catch); they run in a child process so that a regression cannot take the
    test session down with it."""
    cases = {
        "unique_count.xlsx": rezip(
            good["xlsx"],
            change={
                "xl/sharedStrings.xml": lambda c: re.sub(
                    rb'uniqueCount="\d+"', b'uniqueCount="4294967296208"', c
                )
            },
        ),
        "far_ref.xlsx": rezip(
            good["xlsx"],
            change={
                "xl/worksheets/sheet1.xml": lambda c: c.replace(
                    b' r="D10"', b' r="D510000000000005"', 1
                )
            },
        ),
        "bof_version.xls": good["xls"][:512] + b"\x09\x08\x10\x00\x37\x06" + good["xls"][518:],
        "last_sector.xls": good["xls"][:-100],
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    script = (
        "import sys\n"
        "from ntm_excel.reference.catalog import load_catalog\n"
        "from ntm_excel.read.reader import read_submission\n"
        "from ntm_excel.reference.registry import load_registry\n"
        "from ntm_excel.config import load_config\n"
        "config = load_config()\n"
        "registry = load_registry(config.registry)\n"
        "indicators = load_catalog(config.catalog).resolve('xa_2016_2020')\n"
        "for path in sys.argv[1:]:\n"
        "    submission, issues = read_submission(path, registry, indicators)\n"
        "    print(path.rsplit('/', 1)[-1], submission is None, [i.code for i in issues][:1])\n"
    )
    paths = [str(tmp_path / name) for name in cases]
    done = subprocess.run(
        [sys.executable, "-c", script, *paths], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert lines["unique_count.xlsx"] == "True ['file-unreadable']"
    assert lines["bof_version.xls"] == "True ['file-unreadable']"
    assert lines["last_sector.xls"] == "True ['file-unreadable']"
    assert "far_ref.xlsx" in lines  # read or refused, but the process lives


def _patch_headers(data: bytes, signature: bytes, offset: int, patch) -> bytes:
    """Apply `patch(old_value) -> new_value` to a 2-byte field of every zip header."""
    out = bytearray(data)
    start = out.find(signature)
    while start != -1:
        field = slice(start + offset, start + offset + 2)
        out[field] = patch(int.from_bytes(out[field], "little")).to_bytes(2, "little")
        start = out.find(signature, start + 4)
    return bytes(out)


@pytest.mark.parametrize(
    "craft",
    [
        # every member flagged "encrypted": zipfile raises RuntimeError when opening one
        lambda d: _patch_headers(
            _patch_headers(d, b"PK\x01\x02", 8, lambda v: v | 1), b"PK\x03\x04", 6, lambda v: v | 1
        ),
        # a zip version no reader knows: zipfile raises NotImplementedError
        lambda d: _patch_headers(d, b"PK\x01\x02", 6, lambda v: 197),
    ],
    ids=["encrypted-flag", "zip-version"],
)
def test_crafted_zip_headers_are_unreadable_not_a_crash(
    good, tmp_path, registry, indicators, craft
):
    path = tmp_path / "cam_thanh.xlsx"
    path.write_bytes(craft(good["xlsx"]))
    submission, [issue] = read_submission(path, registry, indicators)
    assert submission is None and issue.code == "file-unreadable"
    assert "tệp bị hỏng" in issue.message


# What each hostile form must give: the workbook read with its table intact (the far cells
# ignored with a warning, or nothing to say), or refused as unreadable.
_READ_WITH_WARNING = {
    "single-quotes",
    "tab-before-r",
    "newline-before-r",
    "spaces-around-equals",
    "lower-case-column",
    "no-address-far-row",
    "no-address-far-row-single",
    "many-cells-without-address",
    "prefixed-elements",
    "address-inside-another-attribute",
    "row-reset-in-comment",
    "wrapping-address",
}
_READ = {"dimension-only"}


def _read_in_a_child(paths: list[Path]) -> dict[str, str]:
    """Read `paths` in a child process with 3 GB of address space (an allocation of
    terabytes aborts it, and a regression cannot take the test session down): file name →
    "read N [codes]" or "refused <reason>"; the child's exit code must be 0."""
    script = (
        "import sys\n"
        "try:\n"
        "    import resource\n"
        "    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"
        "except (ImportError, ValueError):\n"
        "    pass\n"
        "from ntm_excel.config import load_config\n"
        "from ntm_excel.read.reader import read_submission\n"
        "from ntm_excel.reference.catalog import load_catalog\n"
        "from ntm_excel.reference.registry import load_registry\n"
        "config = load_config()\n"
        "registry = load_registry(config.registry)\n"
        "indicators = load_catalog(config.catalog).resolve('xa_2016_2020', 'Hà Tĩnh')\n"
        "for path in sys.argv[1:]:\n"
        "    submission, issues = read_submission(path, registry, indicators)\n"
        "    name = path.rsplit('/', 1)[-1]\n"
        "    if submission is None:\n"
        "        print(name, 'refused', issues[0].message, flush=True)\n"
        "    else:\n"
        "        codes = sorted({i.code for i in issues})\n"
        "        print(name, 'read', len(submission.indicators), codes, flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-1000:] + done.stderr[-2000:]
    return dict(line.split(" ", 1) for line in done.stdout.splitlines())


def test_addresses_and_counts_in_every_xml_form_never_abort_the_reader(good, tmp_path):
    """Single quotes, a tab or a newline before the attribute, spaces around "=", a prefix,
    lower-case letters, cells without addresses after a far row, a second address, an
    address hidden in a comment or another attribute, a shared-string count in any form or
    in a part named otherwise, an .xls whose DIMENSIONS record ends before it starts: each
    of these aborted the process (a Rust allocation of hundreds of gigabytes), or could; now
    each is read up to the caps or refused."""
    paths = []
    for fmt, forms in (("xlsx", XLSX_FORMS), ("xls", XLS_FORMS), ("ods", ODS_FORMS)):
        for name, make in forms.items():
            path = tmp_path / f"{name}.{fmt}"
            path.write_bytes(make(good[fmt]))
            paths.append(path)
    outcome = _read_in_a_child(paths)
    assert set(outcome) == {path.name for path in paths}
    for path in paths:
        result, name = outcome[path.name], path.stem
        if name in _READ_WITH_WARNING:
            assert result.startswith("read 50 ") and "sheet-truncated" in result, (name, result)
        elif name in _READ:
            assert result == "read 50 []", (name, result)
        else:
            assert result.startswith("refused Không đọc được tệp: "), (name, result)
    assert "khai báo số phần tử sai" in outcome["unique-count-tab.xlsx"]
    assert "hai phần cùng tên" in outcome["shared-strings-twice.xlsx"]
    assert "quá nhiều ô" in outcome["repeats-single-quotes.ods"]
    assert "vùng dữ liệu quá lớn" in outcome["dimensions-upside-down.xls"]


def test_one_string_stored_once_never_fills_the_memory(good, tmp_path):
    """A string stored once may fill many cells, each given its own copy when read: a 1 MB
    shared string referenced by 5,040 cells of an .xlsx, a 32,767-character one by 100,000
    cells of an .xls, a 1 MB .ods cell repeated over 100 rows × 50 columns, two billion
    spaces written `<text:s text:c="2000000000"/>` (a 700-byte file). Each made the reader
    ask for 3–13 GB; now each is refused before calamine reads it."""
    paths = []
    for name, make in TEXT_FORMS.items():
        fmt, what = name.split("/")
        paths.append(tmp_path / f"{what}.{fmt}")
        paths[-1].write_bytes(make(good[fmt]))
    paths.append(tmp_path / "shared-string-in-many-cells.xls")
    paths[-1].write_bytes(xls_shared_string_in_many_cells())
    outcome = _read_in_a_child(paths)
    for path in paths:
        assert outcome[path.name].startswith("refused Không đọc được tệp: tệp tạo ra quá nhiều chữ")


def test_long_texts_written_out_are_read(good, tmp_path, registry, indicators):
    """Long texts that are really in the file are read: a 1 MB note in one cell, and a
    30,000-character note shared by a few cells."""
    note = long_text(1 << 20).decode()
    book = openpyxl.load_workbook(io.BytesIO(good["xlsx"]))
    sheet = book.worksheets[0]
    sheet["J10"] = note
    for row in range(11, 20):
        sheet[f"J{row}"] = note[:30000]
    path = tmp_path / "cam_thanh_ghi_chu_dai.xlsx"
    book.save(path)
    submission, issues = read_submission(path, registry, indicators)
    assert submission is not None and len(submission.indicators) == 50, issues


def test_shared_string_lengths_are_read_as_calamine_reads_them():
    """Strings follow one another over the SST record and its CONTINUE records (Excel, and
    xlwt, split a long string over several records, each part after a flags byte)."""
    from ntm_excel.read.sheets import _sst_lengths

    texts = ["Cẩm Thành", "x" * 9000, "Đạt " * 5000, "a", "b" * 32767, "Ghi chú"]
    book = xlwt.Workbook()
    sheet = book.add_sheet("Biểu")
    for row, text in enumerate(texts):
        sheet.write(row, 0, text)
    out = io.BytesIO()
    book.save(out)
    stream = sniff(out.getvalue()).workbook_stream
    parts, at = [], 0
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        if kind == 0x00FC:
            parts = [stream[at + 12 : at + 4 + length]]
        elif kind == 0x003C and parts:
            parts.append(stream[at + 4 : at + 4 + length])
        elif parts:
            break
        at += 4 + length
    assert len(parts) > 3  # the long strings went on in CONTINUE records
    assert _sst_lengths(parts) == [len(text) for text in texts]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"A1", (0, 0)),
        (b"XFD1048576", (1048575, 16383)),
        (b"xfd1048576", (1048575, 16383)),  # calamine takes lower-case letters too
        (b"7", (6, None)),  # a row's address
        (b"D510000000000005", (2698371076, 3)),  # 32-bit arithmetic wraps as in calamine
    ],
)
def test_addresses_are_read_as_calamine_reads_them(text, expected):
    assert calamine_ref(text) == expected


@pytest.mark.parametrize("text", [b"", b"A", b"A0", b"A1B", b"$A$1", b"A 1", b"&#65;1"])
def test_addresses_calamine_refuses(text):
    with pytest.raises(ValueError):
        calamine_ref(text)


def test_two_sheets_with_one_name_are_refused(good):
    """A sheet is read by its name: with two sheets of one name the checks and the reader
    could look at different sheets."""
    twice = rezip(
        good["xlsx"],
        change={
            "xl/workbook.xml": lambda c: c.replace(
                b'name="L\xe1\xbb\x99 tr\xc3\xacnh"', 'name="Biểu tự đánh giá"'.encode()
            )
        },
    )
    assert "hai trang tính cùng tên" in reason_of(twice)


def _cp1258(text: str) -> bytes:
    """Vietnamese in Windows-1258: a letter and its shape mark precomposed where the code
    page has them, tone marks combining."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            shape = "".join(m for m in marks if m in "\u0302\u0306\u031b")
            tones = "".join(m for m in marks if m not in shape)
            out.append((unicodedata.normalize("NFC", base + shape) + tones).encode("cp1258"))
    return b"".join(out)


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _excel95(path: Path, name: str, rows: list[list], *, password: bool = False) -> Path:
    """An Excel 5.0/95 workbook (BIFF5, its stream named «Book», code page 1258) of one
    sheet, its records written by hand as Excel 95 writes them."""
    cells = b""
    for row, values in enumerate(rows):
        for col, value in enumerate(values):
            if isinstance(value, float):
                cells += _record(0x0203, struct.pack("<HHHd", row, col, 15, value))
            elif value:
                text = _cp1258(value)
                cells += _record(0x0204, struct.pack("<HHHH", row, col, 15, len(text)) + text)
    sheet = (
        _record(0x0809, struct.pack("<HHHH", 0x0500, 0x0010, 0x0DBB, 0x07CC))
        + _record(0x0200, struct.pack("<HHHHH", 0, len(rows), 0, 8, 0))
        + cells
        + _record(0x000A, b"")
    )
    head = _record(0x0809, struct.pack("<HHHH", 0x0500, 0x0005, 0x0DBB, 0x07CC))
    head += _record(0x002F, b"\x12\x34\x56\x78") if password else b""  # XOR: key, hash
    head += _record(0x0042, struct.pack("<H", 1258))
    sheet_name = _cp1258(name)
    size = len(head) + 4 + 7 + len(sheet_name) + 4  # the BOUNDSHEET record, then EOF
    head += _record(0x0085, struct.pack("<IBBB", size, 0, 0, len(sheet_name)) + sheet_name)
    XlsDoc().save(str(path), head + _record(0x000A, b"") + sheet)
    data = bytearray(path.read_bytes())  # xlwt names the stream «Workbook»: Excel 95's «Book»
    at = data.find("Workbook\x00".encode("utf-16-le"))
    book = "Book\x00".encode("utf-16-le")
    data[at : at + 66] = book + bytes(64 - len(book)) + struct.pack("<H", len(book))
    path.write_bytes(bytes(data))
    return path


_EXCEL95_ROWS = [
    ["UBND HUYỆN CẨM XUYÊN"],
    ["UBND XÃ CẨM LẠC"],
    ["BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NÔNG THÔN MỚI NĂM 2021"],
    [],
    ["TT", "Nội dung tiêu chí", "Kết quả thực hiện", "Tự đánh giá"],
    ["2.1", "Đường xã được nhựa hóa hoặc bê tông hóa", 100.0, "Đạt"],
    ["2.2", "Đường trục thôn được cứng hóa", 85.5, "Đạt"],
    ["19.1", "Có lực lượng dân quân vững mạnh", "Đạt", "Đạt"],
]


def test_an_excel_95_workbook_is_read(tmp_path, registry, indicators):
    path = _excel95(tmp_path / "cam_lac_1995.xls", "Biểu tự đánh giá", _EXCEL95_ROWS)
    submission, _ = read_submission(path, registry, indicators)
    assert submission.unit_code == "18748"  # its title's «CẨM LẠC», in code page 1258
    assert unicodedata.normalize("NFC", submission.sheet) == "Biểu tự đánh giá"
    values = {entry.code: (entry.value, entry.self_assessment) for entry in submission.indicators}
    assert values["2.2"] == (85.5, Status.MET) and values["19.1"][1] == Status.MET


def test_an_excel_95_workbook_with_a_password_is_said_to_have_one(tmp_path, registry, indicators):
    path = _excel95(tmp_path / "co_mat_khau.xls", "Biểu", _EXCEL95_ROWS, password=True)
    with pytest.raises(UnreadableFileError, match="mật khẩu"):
        sniff(path.read_bytes())
    submission, issues = read_submission(path, registry, indicators)
    assert submission is None and "mật khẩu" in issues[0].message
