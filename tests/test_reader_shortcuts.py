"""This round's shortcuts of the reader answer as the longer way they replace: a worksheet
told small without its exact extent, a text naming no unit matched once whatever the place,
a layout row of a remembered table not looked at again when its texts are the ones met."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import pytest
import xlsxwriter
from support.samples import VALUE_STYLES, SampleSpec, write_sample
from test_reader_bands import _fresh

from ntm_excel.config import load_config
from ntm_excel.read import bounds, reader, table
from ntm_excel.read.reader import read_workbook
from ntm_excel.read.sheets import load_grids
from ntm_excel.read.sniff import sniff
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import NOWHERE, Place, load_registry


def _sheet_xml(cells: dict[tuple[int, int], object]) -> bytes:
    """The worksheet part xlsxwriter writes for `cells` ((row, column) → value)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Biểu")
    for (row, col), value in cells.items():
        sheet.write(row, col, value)
    book.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


SMALL = {(0, 0): "TT", (0, 1): "Tên tiêu chí", (5, 3): 12.5, (998, 701): "ZZ999"}


def test_a_sheet_within_zz999_is_small_as_its_exact_extent_says():
    xml = _sheet_xml(SMALL)
    assert bounds.ooxml_small(xml)
    assert bounds.ooxml_extent(xml, "Biểu") == (0, 0, 998, 701)


@pytest.mark.parametrize(
    "change",
    [
        lambda xml: xml.replace(b'r="ZZ999"', b'r="AAA999"'),  # column 703
        lambda xml: xml.replace(b'r="ZZ999"', b'r="ZZ1000"'),  # row 1,000
        lambda xml: xml.replace(b'<c r="A1"', b"<c"),  # a cell placed after the one before
        lambda xml: xml.replace(b'<c r="A1"', b'<c\tr="A1"'),  # not written plainly
        lambda xml: xml.replace(b'<c r="A1"', b'<c r="a1"'),
        lambda xml: xml.replace(b'<c r="A1"', b'<x:c r="A1"'),  # a prefixed cell tag
        lambda xml: xml.replace(b'<c r="A1"', b'<c r="A1" r="XFD1048576"'),  # a second «r»
        lambda xml: xml.replace(b"</sheetData>", b'<c r="XFD1048576"/></sheetData>'),
    ],
)
def test_a_sheet_beyond_zz999_or_not_plain_is_not_small(change):
    xml = change(_sheet_xml(SMALL))
    assert not bounds.ooxml_small(xml)


def test_a_sheet_not_told_small_is_still_read_from_its_extent():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Biểu")
    sheet.write(0, 0, "TT")
    sheet.write(1200, 2, "Người lập biểu")  # row 1,201: beyond the small range, within the caps
    book.close()
    data = buffer.getvalue()
    xml = sniff(data).parts["xl/worksheets/sheet1.xml"]
    assert not bounds.ooxml_small(xml)
    (grid,) = load_grids(data, sniff(data))
    assert grid.value(0, 0) == "TT" and grid.value(1200, 2) == "Người lập biểu"
    assert not grid.truncated


@pytest.fixture(scope="module")
def context():
    settings = load_config()
    registry = load_registry(settings.registry)
    return registry, load_catalog(settings.catalog).resolve("xa_2016_2020", "Hà Tĩnh")


def test_a_text_naming_no_unit_is_matched_once_whatever_the_place(context, monkeypatch):
    registry = context[0]
    calls = []
    original = registry.match

    def counting(text, place=NOWHERE):
        calls.append(text)
        return original(text, place)

    monkeypatch.setattr(registry, "match", counting)
    monkeypatch.setattr(reader, "_MATCHES", {})
    monkeypatch.setattr(reader, "_NAMELESS", {})
    cam_xuyen = Place(frozenset({("Hà Tĩnh", "Huyện Cẩm Xuyên")}), frozenset({"Hà Tĩnh"}))
    text = "(Kèm theo Báo cáo số 46/BC-UBND ngày 10/3/2021)"
    nothing = reader._match(registry, text, NOWHERE)
    assert nothing.candidates == ()
    assert reader._match(registry, text, cam_xuyen) == original(text, cam_xuyen)
    assert calls == [text]  # no unit named: the place could not have chosen one
    named = "UBND xã Cẩm Thành"
    assert reader._match(registry, named, NOWHERE) == original(named, NOWHERE)
    assert reader._match(registry, named, cam_xuyen) == original(named, cam_xuyen)
    assert calls == [text, named, named]  # a text naming a unit is matched per place


BASE = SampleSpec(
    value_styles=VALUE_STYLES,
    group_rows=True,
    column_numbers=True,
    merged_criteria=True,
    note_rows=("2.1",),
    roadmap_sheet=None,
)


def test_a_remembered_layout_row_met_again_is_not_looked_at_again(tmp_path, context, monkeypatch):
    monkeypatch.setattr(table, "_PLANS", {})
    looked = []
    original = table.TableReader._layout_row

    def counting(self, row, texts):
        looked.append(row)
        return original(self, row, texts)

    monkeypatch.setattr(table.TableReader, "_layout_row", counting)
    first = write_sample(tmp_path / "a.xlsx", BASE)
    other = replace(BASE, seed=7, unit_code="18695", unit_name="Xã Cẩm Bình", signed_day=12)
    second = write_sample(tmp_path / "b.xlsx", other)
    read_workbook(first, *context)
    met = {row for plans in table._PLANS.values() for plan in plans for row in plan.layout}
    assert met  # the layout has rows without a code (column numbers, notes, the signature)
    looked.clear()
    replayed = repr(read_workbook(second, *context))
    assert len(table._PLANS) == 1 and len(next(iter(table._PLANS.values()))) == 1  # replayed
    assert set(looked) < met  # only the rows whose texts changed (the signature's date)
    assert replayed == _fresh(second, context)
