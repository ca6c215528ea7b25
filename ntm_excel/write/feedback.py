"""Feedback workbooks sent back to a commune: its own workbook with every problem cell
coloured and commented, plus a «Góp ý» sheet listing the issues and how to fix them and a
«Cách đọc biểu» sheet saying how the file was understood.

The commune's file is read, never written: the copy is built in memory from the bytes that were
validated and saved under a new name. Workbooks openpyxl cannot edit (.xls, .ods, or a file
changed since it was read) get a separate workbook with the list only.

With the history (`ntm_excel.history`), a feedback workbook is rewritten only when the
commune's file or its issues changed since it was written (or it is gone).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.hyperlink import Hyperlink

from ntm_excel.atomic import atomic_path
from ntm_excel.check.figures import IssueCounts
from ntm_excel.config import FEEDBACK_FOLDER
from ntm_excel.history import History
from ntm_excel.issues import ISSUE_TYPES, SEVERITY_LABELS, Issue, Severity
from ntm_excel.model import Consolidation, Unit, UnitReport
from ntm_excel.read.report import HEADINGS as READING_HEADINGS
from ntm_excel.read.report import report_rows
from ntm_excel.styles import HEADER, SEVERITY_COLOURS, SEVERITY_ORDER, row_height

FOLDER = FEEDBACK_FOLDER
SHEET = "Góp ý"
AUTHOR = "Văn phòng điều phối NTM huyện"
EDITABLE = {".xlsx": False, ".xlsm": True}  # suffix → keep VBA
COLUMNS = (
    ("STT", 5),
    ("Mức độ", 11),
    ("Vấn đề", 30),
    ("Mã lỗi", 24),
    ("Trang", 18),
    ("Ô", 8),
    ("Nội dung và cách sửa", 90),
)
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
# Issues the commune cannot act on: they concern the office (its contact book, its deadline).
NOT_FOR_UNITS = frozenset({"unit-not-submitted", "owner-unknown", "submission-late"})


def _safe_name(unit: Unit) -> str:
    return _UNSAFE.sub("_", unicodedata.normalize("NFC", unit.name)).strip(" .") or unit.code


def shared_names(units: Iterable[Unit]) -> frozenset[str]:
    """The file names (case-folded) that more than one unit would get: two communes of the
    same name in a province, or names that differ only in case or in a character a file name
    cannot hold. Windows sees "Xã Cẩm Bình" and "xã cẩm bình" as one file."""
    counts = Counter(_safe_name(unit).casefold() for unit in units)
    return frozenset(name for name, count in counts.items() if count > 1)


def feedback_path(
    report: UnitReport,
    out_dir: Path | str,
    suffix: str = ".xlsx",
    *,
    shared: frozenset[str] = frozenset(),
) -> Path:
    """Where the unit's feedback goes: "<out_dir>/Góp ý - Xã Cẩm Thành.xlsx", with the unit's
    code added ("Góp ý - Xã Cẩm Bình (18685).xlsx") when its name is one of the `shared`."""
    name = _safe_name(report.unit)
    if name.casefold() in shared:
        name = f"{name} ({report.unit.code})"
    return Path(out_dir) / f"{SHEET} - {name}{suffix}"


def _text(cell, value: object) -> None:
    """Put a value in a cell; text stays text even when it starts with "="."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _load_copy(path: Path, sha256: str, keep_vba: bool):
    """The workbook as it was validated, or None when it cannot be edited."""
    try:
        data = path.read_bytes()
        if sha256 and hashlib.sha256(data).hexdigest() != sha256:
            return None  # changed since it was read: its cells may no longer match
        return openpyxl.load_workbook(io.BytesIO(data), keep_vba=keep_vba)
    except Exception:  # noqa: BLE001 - any workbook openpyxl cannot edit gets the list only
        return None


def _target_cell(sheet, address: str):
    """The cell to mark: the top-left cell of a merged range that holds `address`."""
    try:
        coordinate_from_string(address)
    except ValueError:
        return None
    for merged in sheet.merged_cells.ranges:
        if address in merged:
            return sheet.cell(merged.min_row, merged.min_col)
    return sheet[address]


def _mark(workbook, issues: list[Issue], file_name: str) -> set[int]:
    """Colour and comment every located issue of `file_name`; return the indexes marked."""
    by_cell: dict[tuple[str, str], list[int]] = {}
    for index, issue in enumerate(issues):
        if issue.file == file_name and issue.sheet in workbook.sheetnames and issue.cell:
            by_cell.setdefault((issue.sheet, issue.cell), []).append(index)
    marked: set[int] = set()
    for (sheet_name, address), indexes in by_cell.items():
        cell = _target_cell(workbook[sheet_name], address)
        if cell is None:
            continue
        worst = min((issues[i].severity for i in indexes), key=SEVERITY_ORDER.__getitem__)
        fill = SEVERITY_COLOURS[worst].fill
        cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
        lines = [f"{SEVERITY_LABELS[issues[i].severity]}: {issues[i].message}" for i in indexes]
        text = "\n".join(lines)
        comment = Comment(text, AUTHOR)
        comment.width = 320
        comment.height = 40 + 16 * (len(text) // 45 + len(lines))
        cell.comment = comment
        marked.update(indexes)
    return marked


def _list_sheet(workbook, report: UnitReport, issues: list[Issue], linked: set[int]) -> None:
    """Add the «Góp ý» sheet, selected, listing `issues` (cells in `linked` as links)."""
    if SHEET in workbook.sheetnames:
        del workbook[SHEET]  # a commune sent back an earlier feedback copy
    for sheet in workbook.worksheets:
        sheet.sheet_view.tabSelected = False
    sheet = workbook.create_sheet(SHEET)
    workbook.active = workbook.sheetnames.index(SHEET)
    sheet.sheet_view.tabSelected = True
    counts = IssueCounts.of(issues)
    _text(sheet["A1"], f"GÓP Ý VỀ BIỂU TỰ ĐÁNH GIÁ: {report.unit.name.upper()}")
    sheet["A1"].font = Font(bold=True, size=14, color=HEADER.fill)
    note = (
        f"Tệp: {report.submission.file_name} — {counts.errors} lỗi phải sửa, "
        f"{counts.warnings} cảnh báo cần kiểm tra. "
    )
    note += (
        "Các ô có vấn đề đã được tô màu và có ghi chú; bấm vào địa chỉ ô để đến ô đó. "
        "Sửa xong hãy xóa trang này rồi gửi lại tệp."
        if linked
        else "Hãy sửa các ô được nêu dưới đây trong tệp gốc rồi gửi lại."
    )
    _text(sheet["A2"], note)
    header_fill = PatternFill("solid", start_color=HEADER.fill, end_color=HEADER.fill)
    for col, (title, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(4, col)
        _text(cell, title)
        cell.font = Font(bold=True, color=HEADER.font)
        cell.fill = header_fill
        sheet.column_dimensions[cell.column_letter].width = width
    order = sorted(range(len(issues)), key=lambda i: SEVERITY_ORDER[issues[i].severity])
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, index in enumerate(order, start=5):
        issue = issues[index]
        colours = SEVERITY_COLOURS[issue.severity]
        values = (
            row - 4,
            SEVERITY_LABELS[issue.severity],
            ISSUE_TYPES[issue.code].title,
            issue.code,
            issue.sheet,
            issue.cell,
            issue.message,
        )
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row, col)
            _text(cell, value)
            cell.alignment = wrap
        severity_cell = sheet.cell(row, 2)
        severity_cell.fill = PatternFill("solid", start_color=colours.fill, end_color=colours.fill)
        severity_cell.font = Font(color=colours.font, bold=True)
        if index in linked:
            link = sheet.cell(row, 6)
            quoted = issue.sheet.replace("'", "''")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{issue.cell}")
            link.font = Font(color="0563C1", underline="single")
    sheet.freeze_panes = "A5"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "4:4"


READING_SHEET = "Cách đọc biểu"
READING_WIDTHS = (9, 22, 48, 26, 58)  # the columns of `report.HEADINGS`


def _reading_sheet(workbook, report: UnitReport) -> None:
    """Add the «Cách đọc biểu» sheet: how the file was understood (sheets, heading, the role
    of each column and why, the indicator each row was read as), so that a clerk can see it."""
    reading = report.submission.reading
    if reading is None:
        return
    if READING_SHEET in workbook.sheetnames:
        del workbook[READING_SHEET]
    sheet = workbook.create_sheet(READING_SHEET)
    _text(sheet["A1"], f"CHƯƠNG TRÌNH ĐÃ ĐỌC BIỂU CỦA {report.unit.name.upper()} NHƯ SAU")
    sheet["A1"].font = Font(bold=True, size=14, color=HEADER.fill)
    _text(
        sheet["A2"],
        "Nếu một cột hoặc một dòng bị hiểu sai, hãy sửa tiêu đề cột hoặc mã chỉ tiêu (cột TT) "
        "trong biểu rồi gửi lại; văn phòng có thể thêm cách viết mới vào bảng từ vựng.",
    )
    header_fill = PatternFill("solid", start_color=HEADER.fill, end_color=HEADER.fill)
    for col, (title, width) in enumerate(zip(READING_HEADINGS, READING_WIDTHS, strict=True), 1):
        cell = sheet.cell(4, col)
        _text(cell, title)
        cell.font = Font(bold=True, color=HEADER.font)
        cell.fill = header_fill
        sheet.column_dimensions[cell.column_letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, values in enumerate(report_rows(reading), start=5):
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row, col)
            _text(cell, value)
            cell.alignment = wrap
        sheet.row_dimensions[row].height = row_height(zip(values, READING_WIDTHS, strict=True))
    sheet.freeze_panes = "A5"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "4:4"


def write_feedback(
    report: UnitReport,
    issues: list[Issue],
    out_dir: Path | str,
    *,
    shared: frozenset[str] = frozenset(),
) -> Path | None:
    """Write the unit's feedback workbook into `out_dir`; None when there is nothing to say.
    `shared`: the names other units also have (see `shared_names`).

    For .xlsx/.xlsm the commune's own workbook is copied with the problem cells marked (VBA
    kept); otherwise a workbook holding only the «Góp ý» list is written.
    """
    submission = report.submission
    if submission is None or not issues:
        return None
    source = Path(submission.path)
    keep_vba = EDITABLE.get(source.suffix.lower())
    workbook = None if keep_vba is None else _load_copy(source, submission.sha256, keep_vba)
    if workbook is None:
        workbook, suffix, linked = openpyxl.Workbook(), ".xlsx", set()
        del workbook[workbook.active.title]
    else:
        suffix = source.suffix.lower()
        linked = _mark(workbook, issues, submission.file_name)
    _list_sheet(workbook, report, issues, linked)
    _reading_sheet(workbook, report)
    target = feedback_path(report, out_dir, suffix, shared=shared)
    with atomic_path(target) as tmp:
        workbook.save(tmp)
    return target


def feedback_issues(report: UnitReport, issues: list[Issue]) -> list[Issue]:
    """The issues to send back to the unit about its submitted file; none unless at least
    one is an error or a warning."""
    if report.submission is None:
        return []
    mine = [
        issue
        for issue in issues
        if issue.unit_code == report.unit.code
        and issue.file == report.submission.file_name
        and issue.code not in NOT_FOR_UNITS
    ]
    return mine if any(i.severity is not Severity.INFO for i in mine) else []


@functools.cache
def _writer_version() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def fingerprint(report: UnitReport, issues: list[Issue]) -> str:
    """What a unit's feedback workbook is made from: its file, its name, its issues, and
    this writer."""
    made_of = [
        report.submission.sha256 if report.submission else "",
        report.unit.name,
        [[i.code, i.severity.value, i.message, i.file, i.sheet, i.cell] for i in issues],
        _writer_version(),
    ]
    return hashlib.sha256(json.dumps(made_of, ensure_ascii=False).encode()).hexdigest()


def write_feedback_once(
    report: UnitReport,
    issues: list[Issue],
    out_dir: Path | str,
    history: History | None,
    *,
    shared: frozenset[str] = frozenset(),
) -> Path | None:
    """`write_feedback`, except that with `history` a workbook already written from the same
    file and issues is left as it is (and returned)."""
    if history is None or report.submission is None or not issues:
        return write_feedback(report, issues, out_dir, shared=shared)
    made_of = fingerprint(report, issues)
    for suffix in EDITABLE:
        written = feedback_path(report, out_dir, suffix, shared=shared)
        if written.is_file() and history.output_fingerprint(written) == made_of:
            return written
    path = write_feedback(report, issues, out_dir, shared=shared)
    if path is not None:
        history.note_output(path, made_of)
    return path


def write_all_feedback(
    consolidation: Consolidation, out_dir: Path | str, *, history: History | None = None
) -> list[Path]:
    """Write a feedback workbook for every unit with something to fix (with `history`, only
    those whose file or issues changed: see `write_feedback_once`).

    An earlier feedback file of a unit that now has nothing to fix is removed, so that the
    folder only holds current feedback. A file that cannot be written does not stop the others;
    the first such error is raised at the end.
    """
    written: list[Path] = []
    failure: OSError | None = None
    shared = shared_names(report.unit for report in consolidation.units)
    by_unit: dict[str, list[Issue]] = {}  # each unit's issues, found once (10,000 units)
    for issue in consolidation.issues:
        by_unit.setdefault(issue.unit_code, []).append(issue)
    for report in consolidation.units:
        if report.submission is None:
            continue
        both = (frozenset(), frozenset({_safe_name(report.unit).casefold()}))
        try:
            issues = feedback_issues(report, by_unit.get(report.unit.code, []))
            path = write_feedback_once(report, issues, out_dir, history, shared=shared)
            for suffix in EDITABLE:  # with and without the code: names become shared or not
                for stale in {feedback_path(report, out_dir, suffix, shared=s) for s in both}:
                    if stale != path:
                        stale.unlink(missing_ok=True)
        except OSError as exc:
            failure = failure or exc
            continue
        written += [path] if path else []
    if failure is not None:
        raise failure
    return written
