"""Roadmaps as communes send them, fourth probe: owners written with a title before «Đ/c»,
a short title after a given name, given names listed bare, phone numbers beside a name;
criterion bands, totals and notes among the tasks; and formulas whose result is an Excel error
(«#DIV/0!») in .xlsx, .xls and .ods."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from support.samples import SampleSpec, write_sample
from test_roadmap_messy import save

from ntm_excel.check.validate import validate_submission
from ntm_excel.model import Status
from ntm_excel.read.reader import read_submission

HEADING = ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Người phụ trách"]
TITLE = ["KẾ HOẠCH THỰC HIỆN LỘ TRÌNH XÂY DỰNG NTM NĂM 2022"]

OWNER_CELLS = [
    ("CT UBND xã - Đ/c Hùng", ("Hùng",)),
    ("Chủ tịch UBND xã: Đ/c Hùng", ("Hùng",)),
    ("PCT UBND xã - Đ/c Nguyễn Văn Hùng", ("Nguyễn Văn Hùng",)),
    ("đ/c Hùng PCT", ("Hùng",)),
    ("Đ/c Lan CC VH-XH", ("Lan",)),
    ("Hùng, Lan", ("Hùng", "Lan")),
    ("Hùng + Lan", ("Hùng", "Lan")),
    ("Hùng (PCT), Lan (CC ĐC)", ("Hùng", "Lan")),
    ("PCT Nguyễn Văn Hùng", ("Nguyễn Văn Hùng",)),
    ("PCT Hùng", ("Hùng",)),
    ("Nguyễn Văn Hùng 0912345678", ("Nguyễn Văn Hùng",)),
    ("Hùng (ĐT: 0912.345.678)", ("Hùng",)),
    ("Nguyễn Văn Hùng, SĐT 0912 345 678", ("Nguyễn Văn Hùng",)),
    ("Nguyễn Văn Hùng\nĐT: 0912345678", ("Nguyễn Văn Hùng",)),
    ("Hùng - Lan", ("Hùng", "Lan")),
    ("Hùng/Lan", ("Hùng", "Lan")),
    ("Hùng PCT, Lan CC", ("Hùng", "Lan")),
    ("Các thôn, HTX", ("Các thôn", "HTX")),
    # kept as written: a task of a body, a title that is also a place, a number alone
    ("Ban chỉ đạo xã", ("Ban chỉ đạo xã",)),
    ("Trưởng thôn các thôn", ("Trưởng thôn các thôn",)),
    ("Trần Văn Hóa", ("Trần Văn Hóa",)),
    ("Trưởng thôn Đông", ("Trưởng thôn Đông",)),
    ("UBND Xã", ("UBND Xã",)),
    ("0912 345 678", ("0912 345 678",)),
    ("Hùng - PCT", ("Hùng",)),
]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_owner_cells_give_the_people_they_name(tmp_path, registry, indicators, suffix):
    rows = [TITLE, HEADING]
    rows += [[n, f"Việc {n}", "30/9/2022", cell] for n, (cell, _) in enumerate(OWNER_CELLS, 1)]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows)
    submission, _ = read_submission(path, registry, indicators)
    assert [t.owners for t in submission.tasks] == [owners for _, owners in OWNER_CELLS]


ERRORS = {"1.1": "#REF!", "3.1": "#DIV/0!", "4.1": "#N/A"}


def _with_errors(path: Path) -> dict[str, str]:
    """Write the results of `ERRORS` into the sample at `path` as Excel saves a formula that
    failed (an error value); their cells by indicator."""
    book = openpyxl.load_workbook(path)
    sheet = book["Biểu tự đánh giá"]
    heading = next(r for r in sheet.iter_rows() if r[0].value == "TT")
    column = [c.value for c in heading].index("Kết quả thực hiện")
    cells = {}
    for row in sheet.iter_rows(min_row=heading[0].row + 1):
        if (code := str(row[0].value)) in ERRORS:
            row[column].value = ERRORS[code]  # openpyxl stores «#N/A» as an error (t="e")
            cells[code] = row[column].coordinate
    book.save(path)
    return cells


def _converted(path: Path, kind: str) -> Path:
    """`path` saved again by LibreOffice as `kind` (its own writer: error results as it saves
    them in BIFF records or in OpenDocument)."""
    out = path.parent / kind
    profile = (path.parent / "lo_profile").as_uri()
    filters = {"xls": "xls:MS Excel 97", "ods": "ods"}
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to",
         filters[kind], "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return out / f"{path.stem}.{kind}"


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_a_formula_error_in_a_result_cell_is_reported_as_that_error(
    tmp_path, registry, indicators, kind
):
    """«#DIV/0!» in a result cell was read as a blank («chưa có kết quả»): it is the
    formula's error, named with its cell, and the indicator stays unknown (not the commune's
    «Đạt»)."""
    if kind != "xlsx" and not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) is needed to save .xls/.ods error cells")
    path = tmp_path / "cam_thanh.xlsx"
    write_sample(path, SampleSpec())
    cells = _with_errors(path)
    if kind != "xlsx":
        path = _converted(path, kind)
    submission, _ = read_submission(path, registry, indicators)
    results, _, checked = validate_submission(submission, registry.get("18694"), indicators)
    found = {i.cell: i.message for i in checked if i.code == "value-invalid"}
    assert set(found) == set(cells.values())
    for code, cell in cells.items():
        assert f"ô {cell} có lỗi công thức {ERRORS[code]}" in found[cell]
    assert not [i for i in checked if i.code == "value-missing"]
    assert {r.indicator_code: r.status for r in results if r.indicator_code in ERRORS} == {
        code: Status.UNKNOWN for code in ERRORS
    }


@pytest.mark.parametrize(
    "band", ["II. Giao thông", "2. Tiêu chí Giao thông", "GIAO THÔNG", "Tiêu chí 2: Giao thông"]
)
@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_criterion_band_a_total_and_a_note_are_no_tasks(
    tmp_path, registry, indicators, band, suffix
):
    """A band merged across the row naming a criterion by its name is the criterion of the
    tasks below (it was a task, without a criterion); «Tổng số: 2 việc» and a «Ghi chú:»
    written in the TT column are no tasks either."""
    rows = [
        TITLE,
        [*HEADING, "Tình trạng"],
        [None, band, None, None, None],
        [1, "Bê tông hóa 2 km đường thôn", "Quý III/2022", "Nguyễn Văn Hùng", "Đang triển khai"],
        [2, "Làm rãnh thoát nước", "30/10/2022", "Lê Thị Lan", None],
        [None, "Tổng số: 2 việc", None, None, None],
        ["Ghi chú:", "Các thôn báo cáo tiến độ hằng tháng", None, None, None],
    ]
    path = save(tmp_path / f"xa_cam_thach{suffix}", rows, merges=["B3:E3"])
    submission, _ = read_submission(path, registry, indicators)
    assert [(t.text, t.criterion_no) for t in submission.tasks] == [
        ("Bê tông hóa 2 km đường thôn", 2),
        ("Làm rãnh thoát nước", 2),
    ]
