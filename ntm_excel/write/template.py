"""The submission template: the self-assessment workbook a unit fills in and sends back.

Sheets: "Tự đánh giá" (title block, one criterion row followed by its indicator rows, totals,
signatures), "Lộ trình" (the roadmap of tasks), "Hướng dẫn" (how to fill it in) and a hidden
"Danh mục" holding the drop-down lists. Labels are locked and input cells unlocked under
sheet protection without a password, so an office can still unprotect and adapt it.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import xlsxwriter

from ntm_excel.model import DISTRICT, Unit
from ntm_excel.reference.catalog import Indicator
from ntm_excel.styles import TEXT_ONLY, row_height, xlsx_output

SHEET = "Tự đánh giá"
ROADMAP_SHEET = "Lộ trình"
HELP_SHEET = "Hướng dẫn"
LIST_SHEET = "Danh mục"
HEADERS = (
    "TT",
    "Tên tiêu chí",
    "Nội dung",
    "Chỉ tiêu",
    "Kết quả thực hiện",
    "Tự đánh giá",
    "Ghi chú",
)
ROADMAP_HEADERS = (
    "TT",
    "Tiêu chí",
    "Nội dung công việc",
    "Thời gian hoàn thành",
    "Người phụ trách",
    "Kinh phí (triệu đồng)",
    "Nguồn vốn",
    "Tình trạng",
)
ASSESSMENTS = ("Đạt", "Chưa đạt")
TASK_STATES = ("Chưa thực hiện", "Đang thực hiện", "Đã hoàn thành")
ROADMAP_ROWS = 30
_WIDTHS = (7, 22, 50, 17, 17, 12, 22)
_ROADMAP_WIDTHS = (5, 9, 44, 13, 22, 11, 16, 15)
_HELP = [
    "HƯỚNG DẪN ĐIỀN BIỂU TỰ ĐÁNH GIÁ",
    "1. Trang «Tự đánh giá»: điền các ô nền vàng. Cột «Kết quả thực hiện» ghi kết quả thực tế "
    "của đơn vị; cột «Tự đánh giá» chọn Đạt hoặc Chưa đạt trong danh sách thả xuống, cho từng "
    "chỉ tiêu và cho cả dòng tiêu chí; cột «Ghi chú» ghi giải thích nếu cần.",
    "2. Số ghi dạng số, không kèm chữ: 85 hoặc 85,5. Tỷ lệ phần trăm ghi 85 hoặc 85% (không ghi "
    "0,85 trừ khi ô đã định dạng phần trăm). Thu nhập ghi theo triệu đồng/người/năm, ví dụ 45,2.",
    "3. Chỉ tiêu đánh giá Đạt/Không đạt thì ghi Đạt hoặc Chưa đạt; chỉ tiêu «Nhà tạm, dột nát» "
    "ghi Không (không còn) hoặc Có (còn).",
    "4. Cuối bảng ghi «Tổng số tiêu chí đạt» (số tiêu chí tự đánh giá Đạt).",
    "5. Trang «Lộ trình»: mỗi dòng một công việc để đạt hoặc nâng cao tiêu chí: số tiêu chí, "
    "nội dung, thời gian hoàn thành (ngày dạng dd/mm/yyyy, ví dụ 31/03/2021), người phụ trách "
    "(họ tên), kinh phí (triệu đồng), nguồn vốn, tình trạng (chọn trong danh sách).",
    "6. Không thêm, xóa, đổi thứ tự dòng hoặc cột, không đổi tên trang, không sửa mã đơn vị. "
    "Các trang được khóa, chỉ các ô nền vàng được điền.",
    "7. Lưu và gửi lại tệp dạng Excel .xlsx (không đặt mật khẩu, không chuyển sang PDF), đặt tên "
    "tệp theo tên đơn vị.",
]


def set_title(set_id: str) -> str:
    """A readable name of a criteria set id: "xa_2016_2020" → "xã … giai đoạn 2016-2020"."""
    match = re.fullmatch(r"(xa|huyen)_(\d{4})_(\d{4})", set_id)
    if not match:
        return f"bộ tiêu chí {set_id}"
    level = "xã" if match[1] == "xa" else "huyện"
    return f"Bộ tiêu chí {level} nông thôn mới giai đoạn {match[2]}-{match[3]}"


class _Formats:
    """The cell formats of the template, created once per workbook."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        base = {"font_name": "Times New Roman", "font_size": 12, "valign": "vcenter"}
        cell = {**base, "border": 1, "text_wrap": True, "valign": "top"}
        entry = {**cell, "locked": False, "bg_color": "#FFF2CC"}
        add = workbook.add_format
        self.plain = add(base)
        self.bold_center = add({**base, "bold": True, "align": "center"})
        self.motto = add({**base, "bold": True, "align": "center", "underline": True})
        self.italic_center = add({**base, "italic": True, "align": "center", "text_wrap": True})
        self.title = add(
            {**base, "bold": True, "font_size": 14, "align": "center", "text_wrap": True}
        )
        self.label_right = add({**base, "bold": True, "align": "right"})
        self.code = add({**base, "bold": True, "align": "left"})
        self.header = add(
            {**cell, "bold": True, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2"}
        )
        self.criterion = add({**cell, "bold": True, "bg_color": "#EDEDED"})
        self.criterion_center = add(
            {**cell, "bold": True, "bg_color": "#EDEDED", "align": "center"}
        )
        self.text = add(cell)
        self.center = add({**cell, "align": "center"})
        self.entry = add(entry)
        self.entry_center = add({**entry, "align": "center"})
        self.entry_date = add({**entry, "align": "center", "num_format": "dd/mm/yyyy"})
        self.entry_number = add({**entry, "num_format": "#,##0.###"})
        self.entry_bold = add({**entry, "bold": True, "align": "center"})
        self.swatch = add({**cell, "bg_color": entry["bg_color"]})  # the legend's, locked
        self.legend = add({**base, "italic": True})
        self.help = add({**base, "text_wrap": True, "valign": "top"})
        self.help_title = add({**base, "bold": True, "font_size": 14})


def write_template(
    unit: Unit, indicators: list[Indicator], path: Path | str, *, set_id: str, region: str
) -> None:
    """Write the self-assessment workbook of `unit` for the resolved `indicators`."""
    with xlsx_output(path, TEXT_ONLY) as workbook:
        workbook.set_properties(
            {
                "title": f"Biểu tự đánh giá tiêu chí nông thôn mới — {unit.name}",
                "subject": set_title(set_id),
                "author": "Văn phòng điều phối nông thôn mới",
                "keywords": f"ntm-excel; {unit.code}; {set_id}",
            }
        )
        fmt = _Formats(workbook)
        criteria = {ind.criterion_no: ind.criterion_name for ind in indicators}
        sheet = workbook.add_worksheet(SHEET)
        roadmap = workbook.add_worksheet(ROADMAP_SHEET)
        guide = workbook.add_worksheet(HELP_SHEET)
        lists = workbook.add_worksheet(LIST_SHEET)
        _write_lists(lists, criteria)
        _write_assessment(sheet, fmt, unit, indicators, set_id, region, len(criteria))
        _write_roadmap(roadmap, fmt, unit, len(criteria))
        guide.set_column(0, 0, 75, fmt.help)
        guide.write_string(0, 0, _HELP[0], fmt.help_title)
        guide.set_row(0, 24)
        for row, line in enumerate(_HELP[1:], start=1):
            guide.write_string(row, 0, line, fmt.help)
            guide.set_row(row, row_height([(line, 75)]))
        guide.set_paper(9)
        guide.set_margins(left=0.6, right=0.5)
        guide.print_area(0, 0, len(_HELP) - 1, 0)
        guide.fit_to_pages(1, 0)
        sheet.activate()


def _write_lists(sheet, criteria: dict[int, str]) -> None:
    for row, text in enumerate(ASSESSMENTS):
        sheet.write_string(row, 0, text)
    for row, text in enumerate(TASK_STATES):
        sheet.write_string(row, 1, text)
    for row, number in enumerate(criteria):
        sheet.write_number(row, 2, number)
    sheet.hide()
    sheet.protect()


def _list_range(col: str, count: int) -> str:
    return f"='{LIST_SHEET}'!${col}$1:${col}${max(count, 1)}"


LEGEND = "ô nền vàng: ô cần điền; cách điền: trang «Hướng dẫn»"


def _legend(sheet, fmt, row: int, last_col: int) -> None:
    """What the yellow cells are, on `row` from column D: a yellow swatch, then the words."""
    sheet.write_blank(row, 3, None, fmt.swatch)
    sheet.merge_range(row, 4, row, last_col, LEGEND, fmt.legend)


def _print_setup(sheet, header_row: int, last_row: int, columns: int, **allow: bool) -> None:
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    sheet.center_horizontally()
    sheet.repeat_rows(header_row)
    sheet.fit_to_pages(1, 0)
    sheet.print_area(0, 0, last_row, columns - 1)
    sheet.set_footer("&CTrang &P/&N")
    sheet.protect("", {"format_rows": True, "format_columns": True, **allow})


def _write_assessment(sheet, fmt, unit, indicators, set_id, region, criteria_count) -> None:
    for col, width in enumerate(_WIDTHS):
        sheet.set_column(col, col, width)
    level = "HUYỆN" if unit.tier == DISTRICT else "XÃ"
    sheet.merge_range(0, 0, 0, 2, f"UBND {unit.name.upper()}", fmt.bold_center)
    sheet.merge_range(0, 3, 0, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", fmt.bold_center)
    sheet.merge_range(1, 3, 1, 6, "Độc lập - Tự do - Hạnh phúc", fmt.motto)
    sheet.set_row(3, 24)
    sheet.merge_range(
        3, 0, 3, 6,
        f"BIỂU TỰ ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ {level} NÔNG THÔN MỚI",
        fmt.title,
    )  # fmt: skip
    scope = f"{set_title(set_id)}; chỉ tiêu áp dụng cho tỉnh {unit.province}, vùng {region}"
    sheet.merge_range(4, 0, 4, 6, f"({scope})", fmt.italic_center)
    sheet.merge_range(5, 0, 5, 1, "Mã đơn vị:", fmt.label_right)
    sheet.write_string(5, 2, unit.code, fmt.code)
    _legend(sheet, fmt, 5, len(HEADERS) - 1)
    header = 7
    for col, text in enumerate(HEADERS):
        sheet.write_string(header, col, text, fmt.header)
    sheet.set_row(header, 32)
    row = header + 1
    current = None
    for ind in indicators:
        if ind.criterion_no != current:
            current = ind.criterion_no
            sheet.write_number(row, 0, ind.criterion_no, fmt.criterion_center)
            sheet.write_string(row, 1, ind.criterion_name, fmt.criterion)
            sheet.write_blank(row, 2, None, fmt.criterion)
            sheet.write_blank(row, 3, None, fmt.criterion)
            sheet.write_blank(row, 4, None, fmt.criterion)
            sheet.write_blank(row, 5, None, fmt.entry_bold)
            sheet.write_blank(row, 6, None, fmt.entry)
            sheet.set_row(row, row_height([(ind.criterion_name, _WIDTHS[1])]))
            row += 1
        sheet.write_string(row, 0, ind.code, fmt.center)
        sheet.write_blank(row, 1, None, fmt.text)
        sheet.write_string(row, 2, ind.text, fmt.text)
        sheet.write_string(row, 3, ind.threshold_for(region), fmt.center)
        sheet.write_blank(row, 4, None, fmt.entry_center)
        sheet.write_blank(row, 5, None, fmt.entry_center)
        sheet.write_blank(row, 6, None, fmt.entry)
        sheet.set_row(
            row, row_height([(ind.text, _WIDTHS[2]), (ind.threshold_for(region), _WIDTHS[3])])
        )
        row += 1
    sheet.data_validation(
        header + 1, 5, row - 1, 5,
        {
            "validate": "list",
            "source": _list_range("A", len(ASSESSMENTS)),
            "input_title": "Tự đánh giá",
            "input_message": "Chọn Đạt hoặc Chưa đạt",
            "error_title": "Giá trị không hợp lệ",
            "error_message": "Chỉ chọn Đạt hoặc Chưa đạt trong danh sách.",
        },
    )  # fmt: skip
    sheet.set_row(row, 22)
    sheet.merge_range(row, 1, row, 3, "Tổng số tiêu chí đạt:", fmt.label_right)
    sheet.write_blank(row, 4, None, fmt.entry_bold)
    sheet.write_string(row, 5, f"/{criteria_count} tiêu chí", fmt.plain)
    sheet.data_validation(
        row, 4, row, 4,
        {
            "validate": "integer", "criteria": "between", "minimum": 0,
            "maximum": criteria_count, "error_type": "warning",
            "error_message": f"Ghi số tiêu chí đạt, từ 0 đến {criteria_count}.",
        },
    )  # fmt: skip
    row += 2
    sheet.merge_range(row, 4, row, 6, "……, ngày … tháng … năm 20…", fmt.italic_center)
    sheet.merge_range(row + 1, 0, row + 1, 2, "NGƯỜI LẬP BIỂU", fmt.bold_center)
    sheet.merge_range(row + 1, 4, row + 1, 6, "TM. ỦY BAN NHÂN DÂN", fmt.bold_center)
    sheet.merge_range(row + 2, 0, row + 2, 2, "(Ký, ghi rõ họ tên)", fmt.italic_center)
    sheet.merge_range(row + 2, 4, row + 2, 6, "CHỦ TỊCH", fmt.bold_center)
    sheet.merge_range(row + 3, 4, row + 3, 6, "(Ký tên, đóng dấu)", fmt.italic_center)
    sheet.freeze_panes(header + 1, 0)
    _print_setup(sheet, header, row + 7, len(HEADERS))


def _write_roadmap(sheet, fmt, unit: Unit, criteria_count: int) -> None:
    for col, width in enumerate(_ROADMAP_WIDTHS):
        sheet.set_column(col, col, width)
    last_col = len(ROADMAP_HEADERS) - 1
    sheet.set_row(0, 22)
    sheet.merge_range(
        0, 0, 0, last_col,
        f"LỘ TRÌNH THỰC HIỆN CÁC TIÊU CHÍ NÔNG THÔN MỚI — {unit.name.upper()}",
        fmt.title,
    )  # fmt: skip
    sheet.merge_range(1, 0, 1, 1, "Mã đơn vị:", fmt.label_right)
    sheet.write_string(1, 2, unit.code, fmt.code)
    _legend(sheet, fmt, 1, last_col)
    header = 3
    for col, text in enumerate(ROADMAP_HEADERS):
        sheet.write_string(header, col, text, fmt.header)
    sheet.set_row(header, 32)
    first, last = header + 1, header + ROADMAP_ROWS
    for row in range(first, last + 1):
        sheet.write_blank(row, 0, None, fmt.entry_center)
        sheet.write_blank(row, 1, None, fmt.entry_center)
        sheet.write_blank(row, 2, None, fmt.entry)
        sheet.write_blank(row, 3, None, fmt.entry_date)
        sheet.write_blank(row, 4, None, fmt.entry)
        sheet.write_blank(row, 5, None, fmt.entry_number)
        sheet.write_blank(row, 6, None, fmt.entry)
        sheet.write_blank(row, 7, None, fmt.entry_center)
    sheet.data_validation(
        first, 1, last, 1,
        {
            "validate": "list", "source": _list_range("C", criteria_count),
            "error_type": "warning", "error_message": "Ghi số thứ tự tiêu chí (1, 2, …).",
        },
    )  # fmt: skip
    sheet.data_validation(
        first, 3, last, 3,
        {
            "validate": "date", "criteria": "between", "minimum": date(2000, 1, 1),
            "maximum": date(2099, 12, 31), "error_type": "warning",
            "input_title": "Thời gian hoàn thành", "input_message": "Ghi ngày dạng dd/mm/yyyy",
            "error_message": "Ghi ngày dạng dd/mm/yyyy, ví dụ 31/03/2021.",
        },
    )  # fmt: skip
    sheet.data_validation(
        first, 5, last, 5,
        {
            "validate": "decimal", "criteria": ">=", "value": 0, "error_type": "warning",
            "error_message": "Ghi kinh phí bằng số, đơn vị triệu đồng.",
        },
    )  # fmt: skip
    sheet.data_validation(
        first,
        7,
        last,
        7,
        {"validate": "list", "source": _list_range("B", len(TASK_STATES))},
    )
    sheet.freeze_panes(first, 0)
    _print_setup(sheet, header, last, len(ROADMAP_HEADERS), insert_rows=True)
