"""A table of a layout read before is read from the steps remembered for that layout
(`ntm_excel.read.table._Plan`): each workbook here is a real file, read once after another
workbook filled the store of layouts and once with an empty store; both readings must be the
same, and the store must really be used when only the values differ."""

from __future__ import annotations

from dataclasses import replace

import openpyxl
import pytest
from support.samples import VALUE_STYLES, SampleSpec, write_sample

from ntm_excel.config import load_config
from ntm_excel.read import table
from ntm_excel.read.reader import read_workbook
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry

BASE = SampleSpec(
    value_styles=VALUE_STYLES,
    group_rows=True,
    column_numbers=True,
    merged_criteria=True,
    note_rows=("2.1",),
    roadmap_sheet=None,
)


@pytest.fixture(scope="module")
def context():
    settings = load_config()
    registry = load_registry(settings.registry)
    return registry, load_catalog(settings.catalog).resolve("xa_2016_2020", "Hà Tĩnh")


@pytest.fixture
def classified(monkeypatch):
    """How many tables had their rows classified (rather than replayed)."""
    calls = []
    original = table.TableReader._classify_rows

    def counting(self):
        calls.append(self.header.grid.name)
        return original(self)

    monkeypatch.setattr(table.TableReader, "_classify_rows", counting)
    monkeypatch.setattr(table, "_PLANS", {})
    return calls


def _read(path, context):
    return repr(read_workbook(path, *context))


def _fresh(path, context):
    """The reading with no layout and no entry remembered."""
    kept = dict(table._PLANS), dict(table._ENTRIES)
    table._PLANS.clear()
    table._ENTRIES.clear()
    try:
        return _read(path, context)
    finally:
        for store, before in zip((table._PLANS, table._ENTRIES), kept, strict=True):
            store.clear()
            store.update(before)


def test_a_second_file_of_a_layout_replays_the_first_ones_reading(tmp_path, context, classified):
    first = write_sample(tmp_path / "a.xlsx", BASE)
    second = write_sample(
        tmp_path / "b.xlsx",
        replace(BASE, seed=7, unit_code="18695", unit_name="Xã Cẩm Bình", signed_day=12),
    )
    _read(first, context)
    assert len(classified) == 1
    replayed = _read(second, context)
    assert len(classified) == 1  # the second table's rows were not classified again
    assert replayed == _fresh(second, context)
    assert len(classified) == 2


@pytest.mark.parametrize(
    "change",
    [
        {"title_rows": 7},  # the heading one row lower
        {"unit_column": True},  # one more column
        {"code_style": "words"},  # other codes in the TT column
        {"code_style": "in_text"},
        {"code_style": "letters"},
        {"missing": ("2.3",)},  # a row fewer
        {"duplicates": ("1.1",)},
        {"blank_values": ("3.1", "5")},  # value cells blank where the first file's were not
        {"formula_codes": ("6.1",)},
        {"texts": (("8.1", "Có điểm phục vụ bưu chính viễn thông"),)},
        {"blank_rows": True},  # blank rows here and there
        {"signature": False},
        {"totals": False},
        {"note_rows": ()},
        {"merged_criteria": False},
        {"hidden_rows": ("3.2",)},
        {"seed": 3},  # only the values differ
    ],
    ids=repr,
)
def test_a_file_unlike_the_remembered_layout_is_read_as_if_none_were(
    tmp_path, context, classified, change
):
    write_sample(tmp_path / "a.xlsx", BASE)
    _read(tmp_path / "a.xlsx", context)
    other = write_sample(tmp_path / "b.xlsx", replace(BASE, **change))
    assert _read(other, context) == _fresh(other, context)


def _put(sheet, row, col, value):
    """Write a cell (1-based), first unmerging a merged range that covers it."""
    for merged in list(sheet.merged_cells.ranges):
        if (row, col) in merged.cells:
            sheet.unmerge_cells(str(merged))
    sheet.cell(row, col).value = value


def _row_of(sheet, text):
    return next(row[0].row for row in sheet.iter_rows() if any(c.value == text for c in row))


def _criterion_4(sheet):
    return _row_of(sheet, "Hệ thống điện đạt chuẩn")


def _criterion_10(sheet):  # a criterion on one row: its TT cell is not merged
    return _row_of(sheet, "Thu nhập")


# (edit of the sample, whether the remembered reading still holds)
EDITS = {
    "not-a-code": (lambda sheet: _put(sheet, _criterion_10(sheet), 1, "x"), False),
    "other-code": (lambda sheet: _put(sheet, _criterion_10(sheet), 1, "11"), False),
    "number-code": (lambda sheet: _put(sheet, _criterion_10(sheet), 1, 10), False),
    "note-with-value": (
        lambda sheet: _put(
            sheet, _row_of(sheet, "(Số liệu theo báo cáo của các thôn, tháng 12/2020)"), 5, 12
        ),
        False,
    ),
    "date-in-wording": (
        lambda sheet: _put(sheet, sheet.max_row - 6, 3, "Cẩm Thành, ngày 10 tháng 3 năm 2021"),
        False,
    ),
    # spaces for a value: classified alike (the value is read as blank); an empty value cell
    # is one an indicator step looked at (it may take the next value column): read afresh
    "spaces-for-value": (lambda sheet: _put(sheet, _criterion_10(sheet), 5, "   "), True),
    "blank-value": (lambda sheet: _put(sheet, _criterion_10(sheet), 5, None), False),
    # an uncoded row left without requirement, value and assessment: a note now
    "row-emptied": (
        lambda sheet: [
            _put(sheet, _row_of(sheet, "Đường ngõ, xóm sạch và không lầy lội vào mùa mưa"), c, None)
            for c in (4, 5, 6)
        ],
        False,
    ),
    "value-changed": (lambda sheet: _put(sheet, _criterion_4(sheet), 5, "Chưa đạt"), True),
    "remark-added": (lambda sheet: _put(sheet, _criterion_4(sheet), 7, "theo báo cáo"), True),
}


@pytest.mark.parametrize("name", EDITS)
def test_a_hand_edited_file_is_read_as_if_no_layout_were_remembered(
    tmp_path, context, classified, name
):
    edit, holds = EDITS[name]
    sample = write_sample(tmp_path / "sample.xlsx", BASE)
    openpyxl.load_workbook(sample).save(tmp_path / "a.xlsx")  # as openpyxl writes it too
    _read(tmp_path / "a.xlsx", context)
    book = openpyxl.load_workbook(sample)
    edit(book.worksheets[0])
    book.save(tmp_path / "b.xlsx")
    edited = _read(tmp_path / "b.xlsx", context)
    assert len(classified) == (1 if holds else 2)
    assert edited == _fresh(tmp_path / "b.xlsx", context)


def test_a_remembered_plan_is_only_for_its_catalogue(tmp_path, context, classified):
    path = write_sample(tmp_path / "a.xlsx", BASE)
    registry, indicators = context
    _read(path, context)
    other = load_catalog(load_config().catalog).resolve("xa_2016_2020", "Hà Tĩnh")
    read_workbook(path, registry, other)
    assert len(classified) == 2  # another catalogue: classified again


def test_the_entries_of_rows_read_alike_are_made_once(tmp_path, context, classified):
    """A row read as before («Đạt» | «Đạt», same cells) is the same (immutable) entry; a row
    whose assessment changed is its own, as a fresh reading makes it."""
    sample = write_sample(tmp_path / "sample.xlsx", BASE)
    book = openpyxl.load_workbook(sample)
    book.save(tmp_path / "a.xlsx")
    row = _row_of(book.worksheets[0], "Cơ sở hạ tầng thương mại nông thôn")  # criterion 7
    _put(book.worksheets[0], row, 6, "Chưa đạt")
    book.save(tmp_path / "b.xlsx")
    ((first, _),) = read_workbook(tmp_path / "a.xlsx", *context)
    ((second, _),) = read_workbook(tmp_path / "b.xlsx", *context)
    before = {entry.code: entry for entry in first.indicators}
    after = {entry.code: entry for entry in second.indicators}
    assert after["1.1"] is before["1.1"]
    assert after["7"] is not before["7"]
    assert (before["7"].self_assessment.value, after["7"].self_assessment.value) == (
        "met",
        "not_met",
    )
    assert repr((second, _)) in _fresh(tmp_path / "b.xlsx", context)


@pytest.mark.parametrize("first_blank", [True, False])
def test_a_value_choice_inside_a_step_keeps_a_layout_apart(
    tmp_path, context, classified, first_blank
):
    """Two value columns, the second merged over an indicator row and the uncoded note below:
    whether the first value cell is blank decides if the note row continues the indicator.
    Files differing only there are read as if alone, in either order."""

    def variant(path, filled):
        book = openpyxl.load_workbook(write_sample(tmp_path / "base.xlsx", BASE))
        sheet = book.worksheets[0]
        sheet["G7"] = "Khối lượng"
        sheet["E13"] = "Đạt" if filled else None
        sheet["G13"] = 5
        sheet.merge_cells("G13:G14")
        book.save(path)
        return path

    first = variant(tmp_path / "a.xlsx", filled=not first_blank)
    second = variant(tmp_path / "b.xlsx", filled=first_blank)
    alone = _fresh(second, context)
    _read(first, context)
    assert _read(second, context) == alone
