"""The master workbook's history sheets, written when the consolidation was recorded in the
submission history (`Consolidation.history`, see `ntm_excel.check.progress`):

- «Lịch sử nộp»: per reporting period, expected, received, on time, late and missing units
  (the way DHIS2 reports completeness and timeliness), the progress toward the plan's targets
  and their deadlines, each unit's standing in every period, and two charts (submissions per
  period; communes meeting all criteria against the target);
- «Thay đổi»: for each unit with two versions or more, what moved between its two latest.
"""

from __future__ import annotations

import math

from ntm_excel.check.figures import Figures
from ntm_excel.check.progress import (
    STANDING_LABELS,
    HistoryView,
    InPeriod,
    Standing,
    version_day,
)
from ntm_excel.model import STATUS_LABELS, Status
from ntm_excel.styles import AMBER, BLUE, GREEN, GREY, RED, WHITE, FormatCache, xlsx_fill
from ntm_excel.write.master_sheets import (
    CELL,
    HEAD,
    Column,
    Mark,
    Sheet,
    sheet_note,
    status_mark,
)

HISTORY = "Lịch sử nộp"
CHANGES = "Thay đổi"
STANDING_COLOURS = {
    Standing.ON_TIME: GREEN,
    Standing.LATE: AMBER,
    Standing.MISSING: GREY,
    Standing.PENDING: WHITE,
}
STANDING_SYMBOLS = {
    Standing.ON_TIME: "✓",
    Standing.LATE: "!",
    Standing.MISSING: "—",
    Standing.PENDING: "…",
}
KIND_LABELS = {"criterion": "Tiêu chí", "indicator": "Chỉ tiêu", "task": "Nhiệm vụ đã xong"}
# One grid of columns per sheet, shared by its blocks (a block only sizes unsized columns).
# «Lịch sử nộp»: 26 + 11 + 5 × 11 + 8 × 9 = 164 units for the 15 columns of block I (headers
# wrap), about 85 % on A4 landscape; columns 2–6 hold the periods' marks («✓ 10/03», «— Chưa
# nộp») in block III and «Tình trạng» in block II. More periods add columns to II and III only.
HISTORY_WIDTHS = {0: 26, 1: 11} | {col: 11 if col <= 6 else 9 for col in range(2, 16)}
CHANGES_WIDTHS = {0: 22, 1: 9, 2: 14, 3: 48, 4: 26, 5: 26, 6: 13, 7: 13}
STANDING_MEANINGS = {
    Standing.ON_TIME: "nộp đúng hạn (ngày nộp lần đầu trong kỳ; «(2 bản)»: đã gửi lại bản sửa)",
    Standing.LATE: "nộp sau hạn nộp của kỳ",
    Standing.MISSING: "đã quá hạn nộp mà chưa nộp",
    Standing.PENDING: "chưa nộp, chưa đến hạn nộp",
}
CHART_WIDTH_PX = 900
CHART_HEIGHT_PX = 320


def write_all(book, fmts: FormatCache, facts: Figures) -> None:
    view = facts.consolidation.history
    if view is None:
        return
    as_of = f"{facts.consolidation.as_of:%d/%m/%Y}"
    write_history(book, fmts, facts, view, as_of)
    write_changes(book, fmts, facts, view, as_of)


def standing_mark(cell: InPeriod) -> Mark:
    """ "✓ 10/03", "! 17/03 (2 bản)", "— Chưa nộp", "… Chưa đến hạn"."""
    symbol = STANDING_SYMBOLS[cell.standing]
    if cell.first_day is None:
        word = f"{symbol} {STANDING_LABELS[cell.standing]}"
    else:
        word = f"{symbol} {cell.first_day:%d/%m}"
        if len(cell.versions) > 1:
            word += f" ({len(cell.versions)} bản)"
    return word, STANDING_COLOURS[cell.standing]


def write_history(book, fmts: FormatCache, facts: Figures, view: HistoryView, as_of: str) -> None:
    sheet = Sheet(
        book,
        fmts,
        HISTORY,
        BLUE,
        f"LỊCH SỬ NỘP BÁO CÁO THEO KỲ — ngày {as_of}",
        sheet_note(
            facts,
            f"{view.calendar.describe().capitalize()}; ngày nộp là ngày ký báo cáo, không có "
            "thì là ngày nhận tệp",
        ),
    )
    ws = sheet.ws
    sheet.set_widths(HISTORY_WIDTHS)
    row = sheet.section(3, "I. TÌNH HÌNH NỘP THEO KỲ")
    columns = [
        Column("Kỳ báo cáo", cap=16),
        Column("Hạn nộp", "date"),
        Column("Phải nộp", "int", cap=8),
        Column("Đã nộp", "int", cap=8),
        Column("Đúng hạn", "int", cap=8),
        Column("Nộp muộn", "int", cap=8),
        Column("Chưa nộp", "int", cap=8),
        Column("Chưa đến hạn", "int", cap=8),
        Column("Tỷ lệ nộp", "percent", cap=9),
        Column("Tỷ lệ đúng hạn", "percent", cap=9),
        Column("Số tệp nhận", "int", cap=8),
        Column("Xã đạt đủ tiêu chí", "int", cap=10),
        Column("Mục tiêu: số xã đạt chuẩn", "int", cap=10),
        Column("Tổng số tiêu chí đạt", "int", cap=10),
        Column("Tiêu chí huyện đạt", cap=10, align="right"),  # "9/10", beside a number
    ]
    communes_target = next((t for t in view.targets if t.noun == "xã"), None)
    rows = [
        (
            f.period.label,
            f.period.due,
            f.expected,
            f.received,
            f.on_time,
            f.late,
            f.missing,
            f.pending,
            f.rate(f.received),
            f.rate(f.on_time),
            f.versions,
            f.communes_meeting,
            communes_target.goal if communes_target and communes_target.goal else f.communes,
            f.criteria_met,
            f"{f.district[0]}/{f.district[1]}" if f.district else "",
        )
        for f in view.figures
    ]
    head = row
    row = sheet.block(row, columns, rows)
    for col, colours in ((4, GREEN), (5, AMBER), (6, GREY)):
        ws.write_string(head, col, columns[col].header, fmts.get(HEAD, xlsx_fill(colours)))
    periods_first, periods_last = head + 1, row - 1

    if view.targets:
        row = sheet.section(row + 1, "II. TIẾN ĐỘ ĐẾN MỤC TIÊU CỦA KẾ HOẠCH")
        target_columns = [
            Column("Mục tiêu", cap=44, least=30),
            Column("Hạn", "date"),
            Column("Cần đạt", cap=10),
            *(Column(p.label, "int", cap=10) for p in view.periods),
            Column("Còn (ngày)", "int", cap=8),
            Column("Tình trạng", "mark", cap=16),
        ]
        lines = []
        for target in view.targets:
            if target.met:
                state = status_mark(Status.MET)
            elif target.days_left is not None and target.days_left < 0:
                state = ("✗ Quá hạn, chưa đạt", RED)
            else:
                state = status_mark(Status.NOT_MET)
            goal = f"{target.goal} {target.noun}" if target.goal is not None else ""
            left = max(target.days_left, 0) if target.days_left is not None else None
            lines.append((target.text, target.deadline, goal, *target.values, left, state))
        row = sheet.block(row, target_columns, lines)

    row = sheet.section(row + 1, "III. TỪNG ĐƠN VỊ THEO KỲ (ngày nộp lần đầu trong kỳ)")
    unit_columns = [
        Column("Đơn vị"),
        Column("Mã ĐV"),
        *(Column(p.label, "mark") for p in view.periods),
        Column("Số bản đã nộp", "int"),
    ]
    units = [
        (u.unit.name, u.unit.code, *(standing_mark(c) for c in u.periods), len(u.versions))
        for u in view.units
    ]
    row = sheet.block(row, unit_columns, units)

    if view.figures:
        row = sheet.section(row + 1, "BIỂU ĐỒ")
        breaks = [row - 1]
        expected = max(f.expected for f in view.figures)
        chart = _submissions_chart(book, periods_first, periods_last, expected)
        ws.insert_chart(row, 0, chart, {"object_position": 1})
        row += math.ceil(CHART_HEIGHT_PX / 20) + 1
        chart = _trend_chart(book, view, periods_first, periods_last)
        ws.insert_chart(row, 0, chart, {"object_position": 1})
        row += math.ceil(CHART_HEIGHT_PX / 20) + 1
        ws.set_h_pagebreaks(breaks)
    row = sheet.section(row + 1, "CHÚ GIẢI")  # last: the print area ends with the sheet's cells
    for state in Standing:
        word = f"{STANDING_SYMBOLS[state]} {STANDING_LABELS[state]}"
        fill = fmts.get(CELL, xlsx_fill(STANDING_COLOURS[state]), align="center")
        ws.write_string(row, 0, word, fill)
        ws.write_string(row, 1, STANDING_MEANINGS[state])
        row += 1
    sheet.finish(1, 0, max(len(columns), len(unit_columns)) - 1, repeat=False)


def _whole_steps(top: int) -> dict:
    """Axis steps of one unit for small counts (no "0,5 đơn vị")."""
    return {"major_unit": 1} if top <= 12 else {}


def _submissions_chart(book, first: int, last: int, expected: int):
    """Stacked columns per period: on time, late, missing."""
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    for col, colours in ((4, GREEN), (5, AMBER), (6, GREY)):
        chart.add_series(
            {
                "name": [HISTORY, first - 1, col],
                "categories": [HISTORY, first, 0, last, 0],
                "values": [HISTORY, first, col, last, col],
                "fill": {"color": f"#{colours.chart}"},
                "data_labels": {"value": True, "font": {"size": 8}},
                "gap": 60,
            }
        )
    chart.set_title({"name": "Số đơn vị nộp báo cáo theo kỳ", "name_font": {"size": 12}})
    chart.set_y_axis({"min": 0, "num_font": {"size": 9}, **_whole_steps(expected)})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": CHART_WIDTH_PX, "height": CHART_HEIGHT_PX})
    return chart


def _trend_chart(book, view: HistoryView, first: int, last: int):
    """Communes meeting all criteria per period, against the number the target needs."""
    chart = book.add_chart({"type": "line"})
    chart.add_series(
        {
            "name": [HISTORY, first - 1, 11],
            "categories": [HISTORY, first, 0, last, 0],
            "values": [HISTORY, first, 11, last, 11],
            "line": {"color": f"#{GREEN.chart}", "width": 2.25},
            "marker": {"type": "circle", "size": 7, "fill": {"color": f"#{GREEN.chart}"}},
            "data_labels": {"value": True, "position": "above", "font": {"size": 8}},
        }
    )
    chart.add_series(
        {
            "name": [HISTORY, first - 1, 12],
            "categories": [HISTORY, first, 0, last, 0],
            "values": [HISTORY, first, 12, last, 12],
            "line": {"color": f"#{RED.chart}", "width": 1.5, "dash_type": "dash"},
            "marker": {"type": "dash", "size": 9, "border": {"color": f"#{RED.chart}"}},
        }
    )
    communes = view.figures[-1].communes
    target = next((t for t in view.targets if t.noun == "xã"), None)
    goal = target.goal if target and target.goal is not None else communes
    title = "Số xã đạt đủ tiêu chí theo kỳ"
    if target and target.deadline:
        title += f" (mục tiêu {goal} xã, hạn {target.deadline:%d/%m/%Y})"
    chart.set_title({"name": title, "name_font": {"size": 12}})
    top = max(1, communes, goal)
    chart.set_y_axis({"min": 0, "max": top, "num_font": {"size": 9}, **_whole_steps(top)})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": CHART_WIDTH_PX, "height": CHART_HEIGHT_PX})
    return chart


def _version_label(version) -> str:
    return f"{version.name} (nộp {version_day(version):%d/%m/%Y})"


def _status_mark(status: Status | None) -> Mark | None:
    return status_mark(status) if status is not None else None


def write_changes(book, fmts: FormatCache, facts: Figures, view: HistoryView, as_of: str) -> None:
    sheet = Sheet(
        book,
        fmts,
        CHANGES,
        AMBER,
        f"THAY ĐỔI SO VỚI BẢN NỘP TRƯỚC — ngày {as_of}",
        sheet_note(facts, "Mỗi đơn vị có từ hai bản nộp: bản mới nhất so với bản liền trước"),
    )
    sheet.set_widths(CHANGES_WIDTHS)
    row = sheet.section(3, "I. CÁC ĐƠN VỊ CÓ BẢN NỘP MỚI")
    if not view.changes:
        row = sheet.sentence(row, "Chưa đơn vị nào nộp bản thứ hai.")
    summary_columns = [
        Column("Đơn vị"),
        Column("Mã ĐV"),
        Column("Tiêu chí đạt (trước → sau)"),
        Column("Tóm tắt"),
        Column("Bản trước"),
        Column("Bản mới"),
    ]
    lines = [
        (
            change.unit.name,
            change.unit.code,
            f"{change.before.criteria_met} → {change.after.criteria_met}"
            f"/{change.after.criteria_total}",
            change.summary(),
            _version_label(change.before),
            _version_label(change.after),
        )
        for change in view.changes
    ]
    row = sheet.block(row, summary_columns, lines)

    row = sheet.section(row + 1, "II. CHI TIẾT")
    detail_columns = [
        Column("Đơn vị"),
        Column("Mã"),
        Column("Loại"),
        Column("Nội dung"),
        Column("Trước"),
        Column("Sau"),
        Column("Kết quả trước", "mark"),
        Column("Kết quả sau", "mark"),
    ]
    details = [
        (
            change.unit.name,
            item.code,
            KIND_LABELS[item.kind],
            item.label,
            item.before or (STATUS_LABELS[item.before_status] if item.kind == "criterion" else ""),
            item.after or (STATUS_LABELS[item.after_status] if item.kind == "criterion" else ""),
            _status_mark(item.before_status),
            _status_mark(item.after_status),
        )
        for change in view.changes
        for item in change.changes
    ]
    header_row = row
    row = sheet.block(row, detail_columns, details)
    if not details:
        sheet.sentence(row, "Không có thay đổi nào.")
    sheet.finish(header_row if details else 1, 0, len(detail_columns) - 1, repeat=bool(details))
