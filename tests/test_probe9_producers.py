"""Workbooks as other programs write them. Some libraries write a sheet's cells without their
«r» address (each cell is then the one after the cell before it, and every cell is written
out): Excel reads such a sheet, and so must the reader, percentage formats, formulas saved
without a result and error results included."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from support.samples import SampleSpec, write_sample

from ntm_excel.read.reader import read_submission

SPEC = SampleSpec(
    unit_code="18694",
    unit_name="Xã Cẩm Thành",
    value_styles=("number", "percent_text", "percent_format"),
    formula_codes=("5",),
    seed=5,
)


def _column(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _without_addresses(row: re.Match, rows_too: bool) -> str:
    """One «row» element with its cells unaddressed, a «<c/>» written for each gap."""
    cells, column = [], 0
    for cell, letters in re.findall(r'(<c r="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>))', row[2], re.S):
        while column < _column(letters):
            cells.append("<c/>")
            column += 1
        cells.append(re.sub(r' r="[A-Z]+\d+"', "", cell, count=1))
        column += 1
    attrs = re.sub(r' r="\d+"', "", row[1]) if rows_too else row[1]
    return f"<row{attrs}>{''.join(cells)}</row>"


def _every_row(text: str) -> str:
    """The sheet with an empty «row» written for each row it leaves out."""
    written = [0]

    def fill(row: re.Match) -> str:
        number = int(row[1])
        gap = "<row></row>" * (number - written[0] - 1)
        written[0] = number
        return gap + row[0]

    return re.sub(r'<row r="(\d+)"[^>]*>.*?</row>', fill, text, flags=re.S)


def unaddressed(
    path: Path, out: Path, *, rows_too: bool, error_at: str = "", keep: bool = False
) -> Path:
    """The workbook at `path` with no cell (and, `rows_too`, no row) addressed (`keep`: all
    still addressed); `error_at`: the cell whose value becomes a «#DIV/0!» result."""
    target = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                if error_at:
                    text = re.sub(
                        rf'<c r="{error_at}"([^>/]*?)(?: t="\w+")?>.*?</c>',
                        rf'<c r="{error_at}"\1 t="e"><f>2/0</f><v>#DIV/0!</v></c>',
                        text,
                        count=1,
                    )
                if rows_too and not keep:  # every row written out, as such writers do
                    text = _every_row(text)
                if not keep:
                    text = re.sub(
                        r"<row([^>]*)>(.*?)</row>",
                        lambda m: _without_addresses(m, rows_too),
                        text,
                    )
                data = text.encode()
            copy.writestr(item, data)
    out.write_bytes(target.getvalue())
    return out


def _reading(path: Path, registry, indicators):
    submission, issues = read_submission(path, registry, indicators)
    values = [(e.code, e.value, e.self_assessment, e.value_cell) for e in submission.indicators]
    return values, sorted((i.code, i.cell) for i in issues)


def test_cells_without_addresses_read_like_the_workbook(tmp_path, registry, indicators):
    source = write_sample(tmp_path / "cam_thanh.xlsx", SPEC)
    values, issues = _reading(source, registry, indicators)
    assert ("formula-without-value", "E22") in issues
    assert ("3.1", 98.4, "met", "E17") in [(c, v, str(s), cell) for c, v, s, cell in values]
    for rows_too in (False, True):
        path = unaddressed(source, tmp_path / f"khong_dia_chi_{rows_too}.xlsx", rows_too=rows_too)
        assert _reading(path, registry, indicators) == (values, issues)


def test_an_error_result_in_an_unaddressed_cell_is_the_error(tmp_path, registry, indicators):
    source = write_sample(tmp_path / "cam_thanh.xlsx", SPEC)
    addressed = unaddressed(source, tmp_path / "loi.xlsx", rows_too=True, error_at="E17", keep=True)
    path = unaddressed(source, tmp_path / "loi_2.xlsx", rows_too=True, error_at="E17")
    submission, _ = read_submission(path, registry, indicators)
    (entry,) = [e for e in submission.indicators if e.code == "3.1"]
    assert entry.raw == "#DIV/0!" and entry.value_cell == "E17"
    assert _reading(path, registry, indicators) == _reading(addressed, registry, indicators)


def test_relationship_targets_written_with_backslashes(tmp_path, registry, indicators):
    """Some Windows programs write «worksheets\\sheet1.xml»; Excel opens the file, calamine
    found no sheet there (the file was refused as damaged)."""
    source = write_sample(tmp_path / "cam_thanh.xlsx", SPEC)
    path = tmp_path / "gach_nguoc.xlsx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b'Target="worksheets/', b'Target="worksheets\\')
            copy.writestr(item, data)
    assert b"\\sheet1" in zipfile.ZipFile(path).read("xl/_rels/workbook.xml.rels")
    assert _reading(path, registry, indicators) == _reading(source, registry, indicators)
    assert zipfile.ZipFile(path).read("xl/_rels/workbook.xml.rels").count(b"\\") == 2
