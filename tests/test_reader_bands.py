"""Rows that head or explain indicators rather than being ones: criteria written as band rows
(«Tiêu chí số 2: Giao thông», merged across the table or not) over indicators numbered 1, 2 …
again under each band; detail rows («+ Tổng chiều dài …», «Trong đó») under an indicator;
hidden rows and columns left from an older version. Each workbook is built here (openpyxl;
xlwt for .xls, odfpy for .ods) and read back."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

import openpyxl
import pytest
import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import CoveredTableCell, TableCell, TableRow
from odf.table import Table as OdsTable
from odf.text import P

from ntm_excel.config import BUNDLED
from ntm_excel.model import Status
from ntm_excel.read import table
from ntm_excel.read.reader import read_workbook
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry

HEADING = ["TT", "Nội dung tiêu chí", "Kết quả thực hiện", "Chỉ tiêu theo quy định", "Tự đánh giá"]
WIDTH = len(HEADING)


@pytest.fixture(scope="module")
def context():
    registry = load_registry(BUNDLED / "don_vi.xlsx")
    return registry, load_catalog(BUNDLED / "bo_tieu_chi.csv").resolve("xa_2016_2020", "Hà Tĩnh")


class Table:
    """A self-assessment sheet being built: rows, merged ranges (0-based, inclusive) and
    hidden rows and columns."""

    def __init__(self, heading=HEADING):
        self.rows: list[list[object]] = [
            ["UBND XÃ CẨM LẠC"],
            ["BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NÔNG THÔN MỚI NĂM 2021"],
            list(heading),
        ]
        self.merges: list[tuple[int, int, int, int]] = []
        self.hidden_rows: set[int] = set()
        self.hidden_cols: set[int] = set()

    def add(self, *cells: object, merged: bool = False, hidden: bool = False) -> int:
        row = len(self.rows)
        self.rows.append(list(cells))
        if merged:
            self.merges.append((row, 0, row, WIDTH - 1))
        if hidden:
            self.hidden_rows.add(row)
        return row

    def sign(self) -> None:
        self.add()
        self.add("", "", "", "Cẩm Lạc, ngày 10 tháng 3 năm 2021")
        self.add("Người lập biểu", "", "", "TM. ỦY BAN NHÂN DÂN XÃ")

    def xlsx(self, path: Path) -> Path:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Tự đánh giá"
        for line in self.rows:
            sheet.append(line)
        for top, left, bottom, right in self.merges:
            sheet.merge_cells(
                start_row=top + 1, start_column=left + 1, end_row=bottom + 1, end_column=right + 1
            )
        for row in self.hidden_rows:
            sheet.row_dimensions[row + 1].hidden = True
        for col in self.hidden_cols:
            sheet.column_dimensions[openpyxl.utils.get_column_letter(col + 1)].hidden = True
        book.save(path)
        return path

    def ods(self, path: Path) -> Path:
        book = OpenDocumentSpreadsheet()
        sheet = OdsTable(name="Tự đánh giá")
        spans = {(top, left): right - left + 1 for top, left, _, right in self.merges}
        covered = {
            (top, col) for top, left, _, right in self.merges for col in range(left + 1, right + 1)
        }
        for r, line in enumerate(self.rows):
            row = TableRow(visibility="collapse") if r in self.hidden_rows else TableRow()
            for c, value in enumerate(line):
                if (r, c) in covered:
                    row.addElement(CoveredTableCell())
                    continue
                span = {"numbercolumnsspanned": spans[r, c]} if (r, c) in spans else {}
                if isinstance(value, int | float):
                    cell = TableCell(valuetype="float", value=value, **span)
                else:
                    cell = TableCell(valuetype="string", **span) if value else TableCell()
                if value not in (None, ""):
                    cell.addElement(P(text=str(value)))
                row.addElement(cell)
            sheet.addElement(row)
        book.spreadsheet.addElement(sheet)
        book.save(str(path))
        return path

    def xls(self, path: Path) -> Path:
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("Tự đánh giá")
        covered = {
            (row, col)
            for top, left, bottom, right in self.merges
            for row in range(top, bottom + 1)
            for col in range(left, right + 1)
        }
        for top, left, bottom, right in self.merges:
            sheet.write_merge(top, bottom, left, right, self.rows[top][left])
        for r, line in enumerate(self.rows):
            for c, value in enumerate(line):
                if (r, c) not in covered and value not in (None, ""):
                    sheet.write(r, c, value)
        for row in self.hidden_rows:
            sheet.row(row).hidden = True
        for col in self.hidden_cols:
            sheet.col(col).hidden = True
        book.save(str(path))
        return path


def criteria(indicators):
    """(criterion number, its name, its indicators) in catalogue order."""
    for number, group in groupby(indicators, key=lambda ind: ind.criterion_no):
        inds = list(group)
        yield number, inds[0].criterion_name, inds


def figure(index: int) -> float:
    """A distinct result for the index-th indicator (tells which row was read as which)."""
    return float(10 + index)


def band_table(indicators, *, merged=True, band="Tiêu chí số {n}: {name}", restart=True):
    """Every criterion as a band row over its indicators, numbered 1, 2 … again under each
    band (`restart`), else by their own codes («1.1»; a criterion that is its own indicator
    by its number)."""
    sheet = Table()
    index = 0
    for number, name, inds in criteria(indicators):
        sheet.add(band.format(n=number, name=name, NAME=name.upper()), merged=merged)
        for position, ind in enumerate(inds, 1):
            no = str(position) if restart else ind.code
            sheet.add(no, ind.text, figure(index), "Đạt", "Đạt")
            index += 1
    sheet.sign()
    return sheet


def read(path, context):
    ((submission, issues),) = read_workbook(path, *context)
    return submission, issues


def values(submission) -> dict[str, object]:
    return {entry.code: entry.value for entry in submission.indicators}


def expected(indicators) -> dict[str, object]:
    return {ind.code: figure(index) for index, ind in enumerate(indicators)}


@pytest.mark.parametrize(
    ("merged", "band", "kind"),
    [
        (True, "Tiêu chí số {n}: {name}", "xlsx"),
        (False, "Tiêu chí số {n}: {name}", "xlsx"),
        (True, "TIÊU CHÍ SỐ {n}", "xlsx"),
        (True, "Tiêu chí {n}: {name}", "xls"),
        (True, "{NAME}", "xlsx"),  # the criterion's name alone, in capitals
        (False, "Tiêu chí {name}", "xlsx"),
    ],
)
def test_indicators_numbered_again_under_criterion_bands_belong_to_the_band(
    tmp_path, context, merged, band, kind
):
    sheet = band_table(context[1], merged=merged, band=band)
    path = getattr(sheet, kind)(tmp_path / f"bang.{kind}")
    submission, issues = read(path, context)
    assert values(submission) == expected(context[1])
    assert not [i for i in issues if i.code in ("indicator-duplicate", "indicator-unknown")]
    assert any("đánh số lại" in note for note in submission.reading.notes)


def test_a_band_in_the_wording_column_numbers_the_rows_below_it(tmp_path, context):
    """The band written in the wording column, its TT cell blank."""
    sheet = Table()
    index = 0
    for number, name, inds in criteria(context[1]):
        sheet.add("", f"Tiêu chí số {number}: {name}")
        for position, ind in enumerate(inds, 1):
            sheet.add(position, ind.text, figure(index), "Đạt", "Đạt")
            index += 1
    sheet.sign()
    submission, _ = read(sheet.xlsx(tmp_path / "bang.xlsx"), context)
    assert values(submission) == expected(context[1])


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_a_band_merged_across_the_row_is_a_heading_not_a_value(tmp_path, context, kind):
    """«Tiêu chí số 5: Tỷ lệ trường học…» merged over A:E above «5 | … | 96»: its text is not
    criterion 5's result, and the real row is not a duplicate."""
    sheet = band_table(context[1], restart=False)
    path = getattr(sheet, kind)(tmp_path / f"bang.{kind}")
    submission, issues = read(path, context)
    assert values(submission) == expected(context[1])
    assert not [i for i in issues if i.code in ("indicator-duplicate", "value-invalid")]
    assert all(entry.self_assessment is Status.MET for entry in submission.indicators)


def coded_table(indicators, details=None, bullets=False, letters=False):
    """Criterion rows («2 | Giao thông») over coded indicator rows («2.1»); a criterion that is
    its own indicator on one row. `details`: rows written under an indicator's row. With
    `bullets`, indicator rows have no code, their wording starts with «- »; with `letters`,
    they are coded «a)», «b)» … under their criterion."""
    details = details or {}
    sheet = Table()
    index = 0
    for number, name, inds in criteria(indicators):
        if len(inds) > 1 or inds[0].code != str(number):
            sheet.add(str(number), name)
        for position, ind in enumerate(inds):
            no = "" if bullets and "." in ind.code else ind.code
            if letters and "." in ind.code:
                no = "abcdđeghik"[position] + ")"
            text = f"- {ind.text}" if no == "" else ind.text
            sheet.add(no, text, figure(index), "Đạt", "Đạt")
            index += 1
            for detail in details.get(ind.code, ()):
                sheet.add(*detail)
    sheet.sign()
    return sheet


DETAILS = {
    "2.1": [("", "+ Tổng chiều dài: 8,5 km, đã nhựa hóa 8,5 km", "8,5 km")],
    "9.2": [("", "- Số hộ có nhà đạt chuẩn", "1.520/2.156 hộ"), (None, "- Số hộ cần hỗ trợ", 95)],
    "12": [("", "Trong đó: Lao động nữ", "98,5%")],
    "17.1": [("", "- Trong đó: Tỷ lệ hộ sử dụng nước sạch", 62, "≥60")],
    "18.1": [("", "• Cán bộ đạt chuẩn: 11/11", 11), ("", "* Công chức đạt chuẩn: 10/10", 10)],
    "15.1": [("a)", "Số người tham gia BHYT", 7800), ("", "b) Tổng dân số", 8100)],
}


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_detail_rows_under_an_indicator_are_not_indicators(tmp_path, context, kind):
    path = getattr(coded_table(context[1], DETAILS), kind)(tmp_path / f"chi_tiet.{kind}")
    submission, issues = read(path, context)
    assert values(submission) == expected(context[1])
    unwanted = ("indicator-duplicate", "indicator-unknown", "assessment-missing")
    assert not [i for i in issues if i.code in unwanted]
    skipped = [r.text for r in submission.reading.rows if "chi tiết" in r.how]
    assert len(skipped) == 9
    assert "Trong đó: Lao động nữ" in skipped


@pytest.mark.parametrize("style", ["bullets", "letters"])
def test_bulleted_or_lettered_rows_are_still_indicators(tmp_path, context, style):
    """A table that lists its indicators as «- Đường xã …» rows without codes, or coded
    «a)», «b)»: the first follows its criterion's row, each next one an indicator: all
    read."""
    path = coded_table(context[1], **{style: True}).xlsx(tmp_path / "gach_dau_dong.xlsx")
    submission, _ = read(path, context)
    assert values(submission) == expected(context[1])


def two_assessments(indicators, hidden: bool) -> Table:
    """A «Tự đánh giá năm 2020» column (all «Chưa đạt»), hidden or not, left of the 2021 one
    (all «Đạt»)."""
    sheet = Table([*HEADING[:4], "Tự đánh giá năm 2020", "Tự đánh giá năm 2021"])
    for index, ind in enumerate(indicators):
        sheet.add(ind.code, ind.text, figure(index), "Đạt", "Chưa đạt", "Đạt")
    sheet.sign()
    if hidden:
        sheet.hidden_cols.add(4)
    return sheet


@pytest.mark.parametrize(("hidden", "kind"), [(True, "xlsx"), (True, "xls"), (False, "xlsx")])
def test_the_self_assessment_column_is_the_visible_one_of_the_report_year(
    tmp_path, context, hidden, kind
):
    path = getattr(two_assessments(context[1], hidden), kind)(tmp_path / f"hai_cot.{kind}")
    submission, issues = read(path, context)
    assert {entry.self_assessment for entry in submission.indicators} == {Status.MET}
    assert {entry.assessment_cell[0] for entry in submission.indicators} == {"F"}
    assert not [i for i in issues if i.code == "assessment-contradiction"]


OLD = {"3.1": 1.5, "9.2": 2.5, "11": 3.5}  # figures of old rows kept in the file


def with_old_rows(indicators, *, hidden=True, after=False, note=False) -> Table:
    """Coded rows (a criterion that is its own indicator on one row, «11»); an old copy of
    some rows, hidden (or not) just above (or `after`) the current one; with `note`, a
    hidden uncoded note row with a figure under 4.2."""
    sheet = Table()
    index = 0
    for number, name, inds in criteria(indicators):
        if len(inds) > 1:
            sheet.add(str(number), name)
        for ind in inds:
            row = (ind.code, ind.text, figure(index), "Đạt", "Đạt")
            old = (ind.code, ind.text, OLD.get(ind.code), "Đạt", "Chưa đạt")
            if ind.code in OLD and not after:
                sheet.add(*old, hidden=hidden)
            sheet.add(*row)
            if ind.code in OLD and after:
                sheet.add(*old, hidden=hidden)
            if note and ind.code == "4.2":
                sheet.add("", "Số liệu cũ năm 2019: 85%", 85, hidden=True)
            index += 1
    sheet.sign()
    return sheet


@pytest.mark.parametrize(
    ("after", "kind"), [(False, "xlsx"), (False, "xls"), (False, "ods"), (True, "xlsx")]
)
def test_a_hidden_copy_of_a_row_gives_way_to_the_visible_one(tmp_path, context, after, kind):
    path = getattr(with_old_rows(context[1], after=after), kind)(tmp_path / f"dong_an.{kind}")
    submission, issues = read(path, context)
    assert values(submission) == expected(context[1])
    assert not [i for i in issues if i.code == "indicator-duplicate"]
    skipped = [r for r in submission.reading.rows if "dòng ẩn" in r.how]
    assert len(skipped) == len(OLD)


def test_a_visible_copy_of_a_row_is_still_a_duplicate(tmp_path, context):
    """Both rows shown: the first is used and the second is said to be a duplicate."""
    path = with_old_rows(context[1], hidden=False, after=True).xlsx(tmp_path / "hai_dong.xlsx")
    submission, issues = read(path, context)
    assert values(submission) == expected(context[1])
    assert len([i for i in issues if i.code == "indicator-duplicate"]) == len(OLD)


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_a_hidden_note_row_without_a_code_is_not_an_indicator(tmp_path, context, kind):
    sheet = with_old_rows(context[1], note=True)
    submission, issues = read(getattr(sheet, kind)(tmp_path / f"ghi_chu_an.{kind}"), context)
    assert values(submission) == expected(context[1])
    assert not [i for i in issues if i.code == "indicator-unknown"]
    assert any(r.how == "bỏ qua: dòng ẩn không có mã" for r in submission.reading.rows)


def test_a_hidden_row_with_its_own_code_is_read(tmp_path, context):
    """A hidden indicator row without a newer copy is still that indicator."""
    sheet = coded_table(context[1])
    sheet.hidden_rows.update(r for r, line in enumerate(sheet.rows) if line[:1] == ["3.2"])
    submission, _ = read(sheet.xlsx(tmp_path / "an_32.xlsx"), context)
    assert values(submission) == expected(context[1])


def _fresh(path, context):
    """The reading with no layout and no entry remembered."""
    kept = dict(table._PLANS), dict(table._ENTRIES)
    table._PLANS.clear()
    table._ENTRIES.clear()
    try:
        return repr(read_workbook(path, *context))
    finally:
        for store, before in zip((table._PLANS, table._ENTRIES), kept, strict=True):
            store.clear()
            store.update(before)


def _shown(sheet: Table) -> Table:
    sheet.hidden_rows.clear()
    return sheet


LOOK_ALIKES = {
    # a band «Tiêu chí số 2: Giao thông» or the criterion's bare number in the TT cell
    "band or number": (
        lambda inds: band_table(inds),
        lambda inds: band_table(inds, band="{n}"),
    ),
    # an old row hidden above the current one, or shown (then a duplicate)
    "hidden or shown copy": (
        lambda inds: with_old_rows(inds),
        lambda inds: with_old_rows(inds, hidden=False),
    ),
    # a hidden note row under 4.2, or the same row shown (then read by its place)
    "hidden or shown note": (
        lambda inds: with_old_rows(inds, note=True),
        lambda inds: _shown(with_old_rows(inds, note=True)),
    ),
    # «+ Tổng chiều dài» under 2.1, or the same row without its bullet (then an indicator)
    "detail or not": (
        lambda inds: coded_table(inds, DETAILS),
        lambda inds: coded_table(
            inds,
            {
                code: [(no, text.lstrip("+-•* "), *rest) for no, text, *rest in rows]
                for code, rows in DETAILS.items()
            },
        ),
    ),
}


@pytest.mark.parametrize("pair", sorted(LOOK_ALIKES))
@pytest.mark.parametrize("order", [0, 1])
def test_look_alike_tables_are_read_as_if_alone(tmp_path, context, monkeypatch, pair, order):
    """Two files that differ only where a new decision looks: whichever is read first, the
    second reads as it does with no layout remembered."""
    monkeypatch.setattr(table, "_PLANS", {})
    makers = LOOK_ALIKES[pair]
    paths = [maker(context[1]).xlsx(tmp_path / f"{i}.xlsx") for i, maker in enumerate(makers)]
    first, second = paths[order], paths[1 - order]
    alone = [_fresh(path, context) for path in (first, second)]
    assert repr(read_workbook(first, *context)) == alone[0]
    assert repr(read_workbook(second, *context)) == alone[1]
