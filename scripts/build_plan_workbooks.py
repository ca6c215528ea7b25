"""Write workbooks/ke_hoach_2021.xlsx and workbooks/danh_ba.xlsx from the plan Số 07-KH/BCĐ.

The data below is the plan as written (seed 000_be5a470af32c99e8.txt); due dates are computed
from the deadline phrases with ntm_excel.deadlines. The office then edits the workbooks; run
this again only to start over:

    .venv/bin/python scripts/build_plan_workbooks.py [--out FOLDER]
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import date
from pathlib import Path

import openpyxl
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ntm_excel.atomic import atomic_path  # noqa: E402
from ntm_excel.deadlines import parse_deadline  # noqa: E402
from ntm_excel.reference.contacts import (  # noqa: E402
    ALL_COMMUNES,
    COMMUNES_SHEET,
    CONTACT_COLUMNS,
    CONTACTS_SHEET,
)
from ntm_excel.reference.plan import (  # noqa: E402
    DATE_FORMAT,
    INFO_SHEET,
    TARGET_COLUMNS,
    TARGETS_SHEET,
    TASK_COLUMNS,
    TASK_STATES,
    TASKS_SHEET,
)
from ntm_excel.text import fold  # noqa: E402

WORKBOOKS = Path(__file__).resolve().parent.parent / "workbooks"
EMAIL_DOMAIN = "camxuyen.example.org"
OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

INFO = [
    ("Số hiệu", "07-KH/BCĐ"),
    ("Ngày ban hành", date(2021, 1, 22)),
    ("Tên kế hoạch", "Xây dựng huyện đạt chuẩn nông thôn mới năm 2021"),
    ("Năm kế hoạch", 2021),
    (
        "Cơ quan ban hành",
        "Ban chỉ đạo chương trình MTQG xây dựng nông thôn mới, đô thị văn minh, giảm nghèo "
        "bền vững và mỗi xã một sản phẩm huyện Cẩm Xuyên",
    ),
    ("Người ký", "Bí thư Huyện ủy"),
    ("Ghi chú", "Ngày trong trang «Nhiệm vụ» ghi dạng dd/mm/yyyy; sửa trực tiếp khi điều chỉnh."),
]

S21 = "2.1. Củng cố đạt chuẩn tiêu chí xã nông thôn mới"
S22 = "2.2. Xây dựng xã nông thôn mới nâng cao, nông thôn mới kiểu mẫu"
S23 = "2.3. Thực hiện các tiêu chí huyện nông thôn mới"
S24 = "2.4. Lộ trình xây dựng hồ sơ trình thẩm định huyện đạt chuẩn nông thôn mới"
COMMUNES = "Ban chỉ đạo NTM các xã"
OFFICE = "Văn phòng điều phối NTM huyện"
ANH, QUANG, PHONG = "Phạm Hoàng Anh", "Trần Ngọc Quang", "Nguyễn Thanh Phong"
THANG, CUONG, NGHIA = "Phạm Văn Thắng", "Phạm Danh Cường", "Trần Huy Nghĩa"
HOANG, HA, DANH = "Nguyễn Thị Xuân Hoàng", "Lê Ngọc Hà", "Lê Văn Danh"
THANH, TO = "Biện Văn Thanh", "Phan Ngọc Tố"
DOSSIER_NOTE = (
    "Kế hoạch ghi: trưởng các phòng, ngành liên quan chịu trách nhiệm thực hiện đảm bảo tiến độ; "
    "Văn phòng điều phối NTM huyện chủ trì hoàn thiện hồ sơ (mục III.2)."
)

# (id, section, criterion no, criterion, task as written, deadline phrase, directors, owners, note)
TASKS = [
    (
        "2.1-1",
        S21,
        None,
        "Tiêu chí xã nông thôn mới",
        "Ban chỉ đạo NTM các xã rà soát, đánh giá mức độ đạt chuẩn tiêu chí, xây dựng Khung kế "
        "hoạch củng cố, nâng cao mức độ đạt chuẩn tiêu chí nông thôn mới theo Quyết định 05 và "
        "Quyết định 28 của UBND tỉnh. Xây dựng lộ trình, phân công cụ thể cán bộ phụ trách "
        "tiêu chí.",
        "",
        [],
        [COMMUNES],
        "Kế hoạch không ghi thời hạn.",
    ),
    (
        "2.1-2",
        S21,
        None,
        "Tiêu chí xã nông thôn mới",
        "Chỉ đạo quyết liệt, ưu tiên phân bổ nguồn lực, nguồn ngân sách địa phương, nguồn ngân "
        "sách Trung ương thực hiện chương trình năm 2021 để củng cố đạt chuẩn tiêu chí trong "
        "quý I/2021.",
        "trong quý I/2021",
        [],
        [COMMUNES],
        "",
    ),
    (
        "2.1-3",
        S21,
        None,
        "Khu dân cư mẫu, vườn mẫu",
        "Tập trung rà soát, đánh giá mức độ đạt chuẩn các khu dân cư, chỉ đạo kịp thời hoàn thành "
        "khắc phục các hư hại do lũ lụt gây ra; tập trung cải tạo vườn hộ, cải tạo cảnh quan môi "
        "trường đảm bảo nổi bật, thuyết phục, tạo bộ mặt cho xây dựng huyện nông thôn mới.",
        "",
        [],
        [COMMUNES],
        "Kế hoạch không ghi thời hạn.",
    ),
    (
        "2.2-1",
        S22,
        None,
        "Xã nông thôn mới nâng cao, kiểu mẫu",
        "Căn cứ bộ tiêu chí xã nâng cao, xã kiểu mẫu, các xã rà soát, xây dựng Đề án xã nông thôn "
        "mới nâng cao, nông thôn mới kiểu mẫu, Khung kế hoạch, lộ trình đạt chuẩn xã nông thôn mới "
        "nâng cao; phân công phân cán bộ phụ trách chỉ đạo thực hiện; hàng tuần tổ chức giao ban, "
        "đánh giá kết quả thực hiện. Tập trung chỉ phát triển sản xuất, xây dựng các mô hình liên "
        "kết, củng cố hoạt động các hợp tác xã; chỉ đạo xây dựng khu dân cư mẫu, vườn mẫu tạo "
        "chuyển biến rõ nét, thuyết phục.",
        "",
        [],
        [COMMUNES],
        "Kế hoạch không ghi thời hạn; giao ban hàng tuần.",
    ),
    (
        "2.3.a-1",
        S23,
        1,
        "Quy hoạch",
        "Hoàn thành quy hoạch vùng huyện, được UBND tỉnh ban hành quyết định phê duyệt.",
        "trong tháng 1/2021",
        [ANH],
        [QUANG],
        "",
    ),
    (
        "2.3.a-2",
        S23,
        1,
        "Quy hoạch",
        "Các nội dung còn lại (tiêu chí quy hoạch) hoàn thành.",
        "hoàn thành trong thành trong tháng quý I/2021",
        [ANH],
        [QUANG],
        "Kế hoạch ghi nguyên văn «trong thành trong tháng quý I/2021»: hiểu là quý I/2021.",
    ),
    (
        "2.3.b-1",
        S23,
        2,
        "Giao thông",
        "Đối với các công trình đã thi khởi công: ĐH 124, đường Cẩm Dương – Cẩm Thịnh, đường "
        "ĐH 133: hoàn thành.",
        "chậm nhất trước ngày 10/2/2021",
        [ANH],
        [PHONG, QUANG],
        "",
    ),
    (
        "2.3.b-2",
        S23,
        2,
        "Giao thông",
        "Đối với các công trình đường huyện, đường liên xã, xây dựng mới nhằm nâng cao mức độ đạt "
        "chuẩn và tạo điểm nhấn tua tuyến: tập trung chỉ đạo để khởi công và hoàn thành xây dựng.",
        "khởi công trong tháng 2/2021 và hoàn thành xây dựng chậm nhất trong tháng 6/2021",
        [ANH],
        [PHONG, QUANG],
        "",
    ),
    (
        "2.3.c-1",
        S23,
        5,
        "Y tế – Văn hóa – Giáo dục",
        "Tập trung hoàn thành các công trình xây dựng cơ bản nhằm củng cố và nâng cao mức độ đạt "
        "chuẩn tiêu chí Văn hóa – giáo dục – Y tế.",
        "chậm nhất trong tháng 6/2021",
        [THANG],
        [PHONG, CUONG, NGHIA, HOANG],
        "",
    ),
    (
        "2.3.d-1",
        S23,
        6,
        "Sản xuất",
        "Thực hiện kịp thời các chính sách hỗ trợ khôi phục sản xuất của trung ương, của tỉnh, "
        "nguồn hỗ trợ của các tổ chức, cá nhân để hỗ trợ nhân dân phát triển sản xuất, xây dựng "
        "các mô hình kinh tế.",
        "trước 31/3/2021",
        [HA],
        [DANH],
        "",
    ),
    (
        "2.3.d-2",
        S23,
        6,
        "Sản xuất",
        "Triển khai đề án sản xuất vụ Xuân, thực hiện sản xuất liên kết theo chuỗi giá trị nhằm "
        "đảm bảo tỷ lệ sản xuất liên kết trên 10% các sản phẩm chủ lực của huyện: Lúa, Lạc, Lợn, "
        "Rau màu, tôm.",
        "trước 31/3/2021",
        [HA],
        [DANH],
        "",
    ),
    (
        "2.3.e-1",
        S23,
        7,
        "Môi trường",
        "Hoàn thành xây dựng hệ thống thoát nước cụm công nghiệp Bắc Cẩm Xuyên.",
        "trước 31/3/2021",
        [HA],
        [THANH, PHONG],
        "",
    ),
    (
        "2.3.e-2",
        S23,
        7,
        "Môi trường",
        "Vận chuyển, xử lý rác thải hữu cơ, rác vô cơ phát sinh trên địa bàn; thường xuyên kiểm "
        "tra, đôn đốc, chỉ đạo các địa phương vận chuyển, xử lý kịp thời rác thải, không để tập "
        "kết lâu ngày trên các trục đường. Vận chuyển, xử lý đảm bảo quy định bao vỏ thuốc BVTV, "
        "rác thải y tế.",
        "trước 31/3/2021",
        [HA],
        [THANH, PHONG],
        "",
    ),
    (
        "2.3.e-3",
        S23,
        7,
        "Môi trường",
        "Kiểm tra, chỉ đạo khắc phục các công trình bảo vệ môi trường của các cơ sở sản xuất kinh "
        "doanh trên địa bàn huyện, nhất là các vùng ven biển.",
        "trước 31/3/2021",
        [HA],
        [THANH, PHONG],
        "",
    ),
    (
        "2.3.f-1",
        S23,
        8,
        "An ninh, trật tự xã hội",
        "Lắp đặt hệ thống camera giám sát an ninh trên địa bàn huyện.",
        "tháng 4/2021",
        [THANG, TO],
        [TO],
        "Kế hoạch ghi cả hai đồng chí «chỉ đạo thực hiện».",
    ),
    (
        "2.4-1",
        S24,
        None,
        "Hồ sơ thẩm định",
        "Hoàn thiện hồ sơ các tiêu chí xã NTM, tiêu chí huyện NTM.",
        "trước 31/3/2021",
        [HA],
        [OFFICE],
        DOSSIER_NOTE,
    ),
    (
        "2.4-2",
        S24,
        None,
        "Hồ sơ thẩm định",
        "Hoàn thiện hồ sơ huyện đạt chuẩn nông thôn mới.",
        "trước 31/3/2021",
        [HA],
        [OFFICE],
        DOSSIER_NOTE,
    ),
    (
        "2.4-3",
        S24,
        None,
        "Hồ sơ thẩm định",
        "Trình hồ sơ đề nghị UBND tỉnh thẩm định.",
        "trước ngày 10/4/2021",
        [HA],
        [OFFICE],
        DOSSIER_NOTE,
    ),
    (
        "2.4-4",
        S24,
        None,
        "Hồ sơ thẩm định",
        "Lấy phiếu hài lòng của người dân.",
        "tháng 4/2021",
        [HA],
        [OFFICE],
        "Ủy ban MTTQ huyện tổ chức lấy ý kiến hài lòng người dân (mục III.4). " + DOSSIER_NOTE,
    ),
]

# (code, target as written, level, [(unit code, official name, name as in the plan)], phrase)
TARGETS = [
    (
        "CT-1",
        "Hoàn thành bộ tiêu chí huyện nông thôn mới",
        "huyện đạt chuẩn",
        [("446", "Huyện Cẩm Xuyên", "huyện")],
        "trong quý I/2021",
    ),
    (
        "CT-2",
        "100% số xã củng cố đảm bảo đạt chuẩn tiêu chí xã nông thôn mới",
        "đạt chuẩn",
        [("", "Tất cả các xã", "100% số xã")],
        "trong quý I/2021",
    ),
    (
        "CT-3",
        "Chỉ đạo xây dựng xã nông thôn mới nâng cao",
        "nâng cao",
        [
            ("18694", "Xã Cẩm Thành", "Cẩm Thành"),
            ("18748", "Xã Cẩm Lạc", "Cẩm Lạc"),
            ("18724", "Xã Cẩm Quan", "Cẩm Quan"),
            ("18715", "Xã Cẩm Duệ", "Cẩm Duệ"),
            ("18751", "Xã Cẩm Minh", "Cẩm Minh"),
        ],
        "",
    ),
    (
        "CT-4",
        "Chỉ đạo xây dựng xã nông thôn mới kiểu mẫu",
        "kiểu mẫu",
        [("18685", "Xã Cẩm Bình", "Cẩm Bình"), ("18691", "Xã Cẩm Vĩnh", "Cẩm Vịnh")],
        "",
    ),
]

UBND = "UBND huyện Cẩm Xuyên"
# (name, title, unit, criteria, role in the plan)
CONTACTS = [
    (
        ANH,
        "Phó Chủ tịch UBND huyện, Phó Ban chỉ đạo",
        UBND,
        ["Quy hoạch", "Giao thông"],
        "Đôn đốc, chỉ đạo tiêu chí Quy hoạch, Giao thông",
    ),
    (
        QUANG,
        "Trưởng phòng Kinh tế – Hạ tầng",
        "Phòng Kinh tế – Hạ tầng",
        ["Quy hoạch", "Giao thông"],
        "Tham mưu thực hiện tiêu chí Quy hoạch, Giao thông",
    ),
    (
        PHONG,
        "Trưởng Ban Quản lý dự án huyện",
        "Ban Quản lý dự án huyện",
        ["Giao thông", "Y tế – Văn hóa – Giáo dục", "Môi trường"],
        "Tham mưu thực hiện tiêu chí Giao thông, Văn hóa – Giáo dục – Y tế, Môi trường",
    ),
    (
        THANG,
        "Phó Chủ tịch UBND huyện, Phó Ban chỉ đạo",
        UBND,
        ["Y tế – Văn hóa – Giáo dục", "An ninh, trật tự xã hội"],
        "Đôn đốc, chỉ đạo tiêu chí Văn hóa – Giáo dục – Y tế, An ninh trật tự xã hội",
    ),
    (
        CUONG,
        "Giám đốc Trung tâm VH-TT huyện",
        "Trung tâm VH-TT huyện",
        ["Y tế – Văn hóa – Giáo dục"],
        "Tham mưu thực hiện tiêu chí Văn hóa – Giáo dục – Y tế",
    ),
    (
        NGHIA,
        "Giám đốc Trung tâm Y tế huyện",
        "Trung tâm Y tế huyện",
        ["Y tế – Văn hóa – Giáo dục"],
        "Tham mưu thực hiện tiêu chí Văn hóa – Giáo dục – Y tế",
    ),
    (
        HOANG,
        "Trưởng phòng Giáo dục và Đào tạo",
        "Phòng Giáo dục và Đào tạo",
        ["Y tế – Văn hóa – Giáo dục"],
        "Tham mưu thực hiện tiêu chí Văn hóa – Giáo dục – Y tế",
    ),
    (
        HA,
        "Phó Chủ tịch UBND huyện, Phó Ban chỉ đạo",
        UBND,
        ["Sản xuất", "Môi trường", "Hồ sơ thẩm định"],
        "Đôn đốc, chỉ đạo tiêu chí Sản xuất, Môi trường; chỉ đạo chung lộ trình hồ sơ",
    ),
    (
        DANH,
        "Trưởng phòng Nông nghiệp và PTNT",
        "Phòng Nông nghiệp và PTNT",
        ["Sản xuất"],
        "Tham mưu thực hiện tiêu chí Sản xuất",
    ),
    (
        THANH,
        "Phó trưởng phòng Tài nguyên và Môi trường",
        "Phòng Tài nguyên và Môi trường",
        ["Môi trường"],
        "Tham mưu thực hiện tiêu chí Môi trường",
    ),
    (
        TO,
        "Trưởng Công an huyện",
        "Công an huyện",
        ["An ninh, trật tự xã hội"],
        "Chỉ đạo thực hiện tiêu chí An ninh trật tự xã hội (lắp đặt camera)",
    ),
    (
        OFFICE,
        "Cơ quan thường trực",
        OFFICE,
        ["Hồ sơ thẩm định"],
        "Chủ trì hoàn thiện hồ sơ đề nghị thẩm tra công nhận huyện đạt chuẩn NTM",
    ),
    (
        COMMUNES,
        "Ban chỉ đạo NTM xã, thị trấn",
        "Các xã, thị trấn",
        ["Tiêu chí xã nông thôn mới"],
        "Củng cố, nâng cao mức đạt chuẩn của xã; thư gửi từng xã theo trang «Liên hệ xã»",
    ),
]
EMAILS = {OFFICE: f"vpdp.ntm@{EMAIL_DOMAIN}", COMMUNES: ""}
# The office follows every commune's submission (no per-cluster assignment in the plan).
COMMUNES_OF = {OFFICE: ALL_COMMUNES}

# The 23 units of 2021, used when workbooks/don_vi.xlsx is not there yet.
UNITS = {
    "18673": "Thị trấn Cẩm Xuyên",
    "18676": "Thị trấn Thiên Cầm",
    "18679": "Xã Yên Hòa",
    "18682": "Xã Cẩm Dương",
    "18685": "Xã Cẩm Bình",
    "18691": "Xã Cẩm Vĩnh",
    "18694": "Xã Cẩm Thành",
    "18697": "Xã Cẩm Quang",
    "18706": "Xã Cẩm Thạch",
    "18709": "Xã Cẩm Nhượng",
    "18712": "Xã Nam Phúc Thăng",
    "18715": "Xã Cẩm Duệ",
    "18721": "Xã Cẩm Lĩnh",
    "18724": "Xã Cẩm Quan",
    "18727": "Xã Cẩm Hà",
    "18730": "Xã Cẩm Lộc",
    "18733": "Xã Cẩm Hưng",
    "18736": "Xã Cẩm Thịnh",
    "18739": "Xã Cẩm Mỹ",
    "18742": "Xã Cẩm Trung",
    "18745": "Xã Cẩm Sơn",
    "18748": "Xã Cẩm Lạc",
    "18751": "Xã Cẩm Minh",
}
COMMUNE_COLUMNS = ["Mã đơn vị", "Tên đơn vị", "Người liên hệ", "Email", "Điện thoại"]


def email_of(name: str) -> str:
    """pham.hoang.anh@camxuyen.example.org for "Phạm Hoàng Anh"."""
    return EMAILS.get(name, f"{fold(name).replace(' ', '.')}@{EMAIL_DOMAIN}")


def unit_email(name: str) -> str:
    """ubnd.camthanh@… for "Xã Cẩm Thành", ubnd.ttcamxuyen@… for "Thị trấn Cẩm Xuyên"."""
    key = fold(name)
    prefix = "tt" if key.startswith("thi tran ") else ""
    key = key.removeprefix("thi tran ").removeprefix("xa ")
    return f"ubnd.{prefix}{key.replace(' ', '')}@{EMAIL_DOMAIN}"


def task_rows() -> list[list[object]]:
    """The "Nhiệm vụ" rows: one per task and per milestone of a two-step deadline."""
    rows = []
    for task_id, section, number, criterion, text, phrase, directors, owners, note in TASKS:
        for milestone in parse_deadline(phrase) or [None]:
            rows.append(
                [
                    task_id,
                    section,
                    number,
                    criterion,
                    text,
                    phrase,
                    milestone.label if milestone else "",
                    milestone.due if milestone else None,
                    "; ".join(directors),
                    "; ".join(owners),
                    TASK_STATES[0],
                    None,
                    note,
                ]
            )
    return rows


def target_rows() -> list[list[object]]:
    rows = []
    for code, text, level, units, phrase in TARGETS:
        milestones = parse_deadline(phrase)
        due = milestones[0].due if milestones else None
        for unit_code, unit_name, unit_text in units:
            rows.append([code, text, level, unit_code, unit_name, unit_text, phrase, due])
    return rows


def contact_rows() -> list[list[object]]:
    return [
        [
            name,
            title,
            unit,
            email_of(name),
            "",
            "; ".join(criteria),
            COMMUNES_OF.get(name, ""),
            role,
        ]
        for name, title, unit, criteria, role in CONTACTS
    ]


def commune_rows(registry: Path) -> list[list[object]]:
    """Commune contacts from the unit registry when it exists, else from UNITS."""
    if registry.exists():
        workbook = openpyxl.load_workbook(registry, read_only=True, data_only=True)
        try:
            rows = workbook.worksheets[0].iter_rows(values_only=True)
            heading = [str(v or "").strip() for v in next(rows)]
            wanted = ["ma_don_vi", "ten_don_vi", "nguoi_lien_he", "email", "dien_thoai"]
            index = [heading.index(h) if h in heading else None for h in wanted]
            found = []
            for row in rows:
                values = ["" if i is None or row[i] is None else str(row[i]) for i in index]
                if values[0] and fold(values[1]).startswith(("xa ", "thi tran ", "phuong ")):
                    found.append(values)
            return found
        finally:
            workbook.close()
    return [[code, name, "", unit_email(name), ""] for code, name in UNITS.items()]


class SheetWriter:
    """Writes a heading row and data rows: text as text, dates as dates, never formulas."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.heading = workbook.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
        )
        self.text = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
        self.date = workbook.add_format(
            {"num_format": DATE_FORMAT, "valign": "top", "border": 1, "align": "center"}
        )

    def write(self, sheet, headings: list[str], rows: list[list[object]], widths: list[int]):
        for col, (heading, width) in enumerate(zip(headings, widths, strict=True)):
            sheet.write_string(0, col, heading, self.heading)
            sheet.set_column(col, col, width)
        sheet.set_row(0, 32)
        for r, row in enumerate(rows, start=1):
            # XlsxWriter cannot autofit: give wrapped text the lines it needs.
            cells = zip(row, widths, strict=True)
            lines = max(math.ceil(len(str(v or "")) / w) for v, w in cells)
            sheet.set_row(r, 15 * max(lines, 1))
            for col, value in enumerate(row):
                if isinstance(value, date):
                    sheet.write_datetime(r, col, value, self.date)
                elif isinstance(value, int):
                    sheet.write_number(r, col, value, self.text)
                elif value in (None, ""):
                    sheet.write_blank(r, col, None, self.text)
                else:
                    sheet.write_string(r, col, str(value), self.text)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows), 1), len(headings) - 1)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)


def write_plan(path: Path) -> None:
    with atomic_path(path) as tmp:
        workbook = xlsxwriter.Workbook(tmp, OPTIONS)
        writer = SheetWriter(workbook)
        tasks = workbook.add_worksheet(TASKS_SHEET)
        rows = task_rows()
        writer.write(
            tasks, list(TASK_COLUMNS), rows, [9, 28, 6, 18, 60, 30, 11, 13, 22, 30, 16, 13, 40]
        )
        state_col = list(TASK_COLUMNS).index("Tình trạng")
        tasks.data_validation(
            1, state_col, 500, state_col, {"validate": "list", "source": list(TASK_STATES)}
        )
        for name in ("Hạn hoàn thành", "Ngày hoàn thành"):
            col = list(TASK_COLUMNS).index(name)
            tasks.set_column(col, col, 13, writer.date)
        targets = workbook.add_worksheet(TARGETS_SHEET)
        writer.write(targets, list(TARGET_COLUMNS), target_rows(), [7, 45, 16, 11, 20, 16, 18, 13])
        info = workbook.add_worksheet(INFO_SHEET)
        info.set_column(0, 0, 18)
        info.set_column(1, 1, 70)
        for r, (label, value) in enumerate(INFO):
            info.write_string(r, 0, label, writer.heading)
            if isinstance(value, date):
                info.write_datetime(r, 1, value, writer.date)
            elif isinstance(value, int):
                info.write_number(r, 1, value, writer.text)
            else:
                info.write_string(r, 1, value, writer.text)
        workbook.close()


def write_contacts(path: Path, registry: Path) -> None:
    with atomic_path(path) as tmp:
        workbook = xlsxwriter.Workbook(tmp, OPTIONS)
        writer = SheetWriter(workbook)
        writer.write(
            workbook.add_worksheet(CONTACTS_SHEET),
            list(CONTACT_COLUMNS),
            contact_rows(),
            [24, 34, 28, 38, 13, 36, 16, 50],
        )
        writer.write(
            workbook.add_worksheet(COMMUNES_SHEET),
            COMMUNE_COLUMNS,
            commune_rows(registry),
            [11, 24, 24, 38, 13],
        )
        workbook.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Ghi kế hoạch huyện và danh bạ ra Excel.")
    parser.add_argument("--out", type=Path, default=WORKBOOKS, help="thư mục ghi (workbooks/)")
    args = parser.parse_args(argv)
    write_plan(args.out / "ke_hoach_2021.xlsx")
    write_contacts(args.out / "danh_ba.xlsx", WORKBOOKS / "don_vi.xlsx")
    print(f"Đã ghi {args.out / 'ke_hoach_2021.xlsx'} và {args.out / 'danh_ba.xlsx'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
