"""A neighbour's sheet left in an .ods file and hidden (table:display="false" in its table
style, as LibreOffice writes «Hide sheet»): the file is the commune's alone, as with a hidden
.xlsx sheet. The .ods is written, then its sheet hidden the way LibreOffice saves it."""

from __future__ import annotations

import zipfile

import pytest
from support.wild import Book, write_book
from test_table_probe2 import EXPECTED, commune_sheet, verdicts

from ntm_excel.read.reader import read_workbook

_HIDDEN_STYLE = (
    '<style:style style:name="taHidden" style:family="table">'
    '<style:table-properties table:display="false"/></style:style>'
)


def _hide_sheet(path, name: str) -> None:
    """Rewrite the .ods at `path` with sheet `name` hidden (a table style display="false")."""
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as out:
        for info, data in parts:
            if info.filename == "content.xml":
                text = data.decode("utf-8")
                marker = "</office:automatic-styles>"
                assert marker in text
                text = text.replace(marker, _HIDDEN_STYLE + marker, 1)
                table = f'<table:table table:name="{name}"'
                assert text.count(table) == 1
                text = text.replace(table, f'{table} table:style-name="taHidden"')
                data = text.encode("utf-8")
            out.writestr(info, data)


@pytest.mark.parametrize("neighbour_first", [True, False])
def test_a_neighbours_hidden_ods_sheet_is_not_a_second_submission(
    tmp_path, registry, indicators, neighbour_first
):
    neighbour = commune_sheet(name="Cẩm Bình", unit_line="UBND XÃ CẨM BÌNH")
    own = commune_sheet(name="Cẩm Vĩnh")
    path = tmp_path / "xa_cam_vinh.ods"
    write_book(Book([neighbour, own] if neighbour_first else [own, neighbour]), path)
    _hide_sheet(path, "Cẩm Bình")
    results = read_workbook(path, registry, indicators)
    assert [submission.unit_code for submission, _ in results] == ["18691"]
    assert results[0][0].sheet == "Cẩm Vĩnh"
    assert verdicts(results[0][0]) == EXPECTED


def test_the_same_file_with_both_sheets_shown_is_two_submissions(tmp_path, registry, indicators):
    """The control: without the hiding, the neighbour's sheet is read as its own."""
    sheets = [commune_sheet(name="Cẩm Bình", unit_line="UBND XÃ CẨM BÌNH"), commune_sheet()]
    path = tmp_path / "cum_xa.ods"
    write_book(Book(sheets), path)
    results = read_workbook(path, registry, indicators)
    assert sorted(submission.unit_code for submission, _ in results) == ["18685", "18691"]
