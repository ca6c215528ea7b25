"""Attacks of the fifth round on what a commune's file makes the tool do, each a real
hostile workbook run through the real command: a worksheet part whose name does not end in
".xml" (so that the size cap of the feedback copy did not count it)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import python_calamine

from ntm_excel.cli import main
from ntm_excel.write import feedback

SAMPLES = Path(__file__).resolve().parent.parent / "workbooks" / "mau_nop"
NHUONG = SAMPLES / "TDG_xa_cam_nhuong.xlsx"  # Cẩm Nhượng's workbook: its feedback is a copy
DATA_PART = "xl/worksheets/sheet2.xml"  # its sheet «TDG»


def _renamed_data_part(suffix: str, padding: int) -> bytes:
    """Cẩm Nhượng's workbook with its data sheet stored under another name (the workbook's
    relationship and the content types follow) and `padding` bytes of empty elements after
    its cells, stored (not deflated: no compression ratio to catch)."""
    renamed = DATA_PART.removesuffix(".xml") + suffix
    out = io.BytesIO()
    with zipfile.ZipFile(NHUONG) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            data, name = source.read(member), member.filename
            if name == DATA_PART:
                name = renamed
                empty = b"<a/>" * (padding // 4)
                extension = b'<extLst><ext uri="{0}">' + empty + b"</ext></extLst></worksheet>"
                data = data.replace(b"</worksheet>", extension)
            elif name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(DATA_PART.removeprefix("xl/").encode(), renamed[3:].encode())
            target.writestr(name, data)
    return out.getvalue()


def _feedback_sheets(tmp_path: Path, data: bytes) -> list[str]:
    inbox = tmp_path / "nop"
    inbox.mkdir(parents=True)
    (inbox / "TDG_xa_cam_nhuong.xlsx").write_bytes(data)
    argv = ["consolidate", str(inbox), "--output", str(tmp_path / "ra" / "tong_hop.xlsx")]
    assert main([*argv, "--as-of", "2021-03-25", "--no-history", "--state-dir", "var"]) == 0
    (made,) = (tmp_path / "ra" / "gop_y").glob("*.xlsx")
    return python_calamine.CalamineWorkbook.from_path(made).sheet_names


def test_a_data_sheet_named_bin_is_counted_against_the_copy_cap(tmp_path, monkeypatch):
    """A worksheet part named «sheet2.bin» is read like any other, but the cap on the XML
    of a feedback copy counted only the parts named «.xml»: 80 MB of it were parsed into
    about 2.9 GB of memory in the consolidating process itself (measured), which a
    machine of a few gigabytes could not give. It is counted now, and the file gets the
    list only, as any other file too large to copy."""
    monkeypatch.chdir(tmp_path)
    small = _renamed_data_part(".bin", 0)
    assert _feedback_sheets(tmp_path / "a", small)[:3] == ["Hướng dẫn", "TDG", "Lộ trình"]

    large = _renamed_data_part(".bin", feedback.EDIT_LIMIT)
    sheets = _feedback_sheets(tmp_path / "b", large)

    assert sheets[0] == feedback.SHEET and "TDG" not in sheets


def test_images_do_not_count_against_the_copy_cap(tmp_path, monkeypatch):
    """A logo larger than the cap is no XML: the workbook is still copied and marked."""
    monkeypatch.chdir(tmp_path)
    out = io.BytesIO()
    with zipfile.ZipFile(NHUONG) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            target.writestr(member, source.read(member))
        target.writestr("xl/media/image1.png", b"\x89PNG\r\n\x1a\n" + bytes(feedback.EDIT_LIMIT))
    assert _feedback_sheets(tmp_path, out.getvalue())[:3] == ["Hướng dẫn", "TDG", "Lộ trình"]
