"""Write workbooks/ke_hoach_2021.xlsx and workbooks/danh_ba.xlsx from the plan Số 07-KH/BCĐ.

The data below is the plan as written (seed 000_be5a470af32c99e8.txt): every assignment of
sections 2.1–2.4 and III, in the plan's own names; due dates are computed from the deadline
phrases with ntm_excel.deadlines. The clusters (cụm chỉ đạo) and the communes assigned to each
official are an attachment of the plan the office has: their sheet ships empty. The office
then edits the workbooks; run this again only to start over:

    .venv/bin/python scripts/build_plan_workbooks.py [--out FOLDER]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

import openpyxl
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ntm_excel.atomic import atomic_path  # noqa: E402
from ntm_excel.deadlines import parse_deadline  # noqa: E402
from ntm_excel.reference.contacts import (  # noqa: E402
    ALL_COMMUNES,
    CLUSTER_COLUMNS,
    CLUSTERS_SHEET,
    COMMUNE_COLUMNS,
    COMMUNES_SHEET,
    CONTACT_COLUMNS,
    CONTACTS_SHEET,
    HELP_SHEET,
)
from ntm_excel.reference.plan import (  # noqa: E402
    DATE_FORMAT,
    DONE_COLUMNS,
    DONE_SHEET,
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
S31 = "III.1. Ban Chỉ đạo NTM, UBND các thị trấn"
S32 = "III.2. Các phòng, ngành phụ trách tiêu chí"
S33 = (
    "III.3. Các đồng chí được Ban Thường vụ Huyện ủy phân công chỉ đạo cơ sở, "
    "các thành viên Ban chỉ đạo huyện"
)
S34 = "III.4. Ủy ban MTTQ và các đoàn thể"

# The bodies and groups the plan names, in its own words.
COMMUNES = "Ban chỉ đạo NTM các xã"
TOWNS = "Ban Chỉ đạo NTM, UBND các thị trấn"
OFFICE = "Văn phòng điều phối NTM huyện"
DEPARTMENTS = "Các phòng, ngành phụ trách tiêu chí"
RELATED = "Các phòng, ngành liên quan"
RELATED_HEADS = "Trưởng các phòng, ngành liên quan"
FINANCE = "Phòng Tài chính – Kế hoạch"
PMU = "Ban Quản lý dự án huyện"
INVESTORS = "Các chủ đầu tư"
CLUSTER_LEADERS = "Ủy viên Ban Thường vụ Huyện ủy phụ trách cụm"
ASSIGNED = "Ủy viên BCH Đảng bộ huyện, cán bộ được phân công chỉ đạo cơ sở"
MTTQ = "Ủy ban MTTQ huyện"
UNIONS = "Các đoàn thể chính trị – xã hội huyện"
WOMEN = "Hội LHPN huyện"
FARMERS = "Hội Nông dân huyện"
YOUTH = "Huyện đoàn"
VETERANS = "Hội CCB huyện"
LABOUR = "Liên đoàn Lao động huyện"
ALL = "Tất cả"
HIGHER = "Nâng cao; Kiểu mẫu"

ANH, QUANG, PHONG = "Phạm Hoàng Anh", "Trần Ngọc Quang", "Nguyễn Thanh Phong"
THANG, CUONG, NGHIA = "Phạm Văn Thắng", "Phạm Danh Cường", "Trần Huy Nghĩa"
HOANG, HA, DANH = "Nguyễn Thị Xuân Hoàng", "Lê Ngọc Hà", "Lê Văn Danh"
THANH, TO = "Biện Văn Thanh", "Phan Ngọc Tố"
# The heads of the departments the plan puts in charge of criteria (section 2.3).
CRITERION_HEADS = [QUANG, PHONG, CUONG, NGHIA, HOANG, DANH, THANH, TO]
UNDATED = "Kế hoạch không ghi thời hạn."
DOSSIER_NOTE = (
    "Kế hoạch ghi: trưởng các phòng, ngành liên quan chịu trách nhiệm thực hiện đảm bảo tiến độ; "
    "Văn phòng điều phối NTM huyện chủ trì hoàn thiện hồ sơ (mục III.2)."
)
TOWNS_NOTE = (
    "Kế hoạch ghi «Ban Chỉ đạo NTM, UBND các thị trấn»; nơi nhận ghi «BCĐNTM, UBND các xã, "
    "thị trấn»: theo dõi ở mọi xã, thị trấn. " + UNDATED
)
ROADS = (
    "phối hợp xây dựng các tuyến đường mẫu; xây dựng cảnh quan các nhà văn hóa thôn gắn với "
    "tua tuyến huyện nông thôn mới."
)


class Row(NamedTuple):
    """One row of «Nhiệm vụ»: an assignment, a milestone of it, or a recurring duty of it."""

    code: str
    section: str
    text: str
    owners: Sequence[str]
    phrase: str = ""
    criterion: tuple[int | None, str] = (None, "")
    lead: Sequence[str] = ()
    partners: Sequence[str] = ()
    directors: Sequence[str] = ()
    communes: str = ""
    recurrence: str = ""
    label: str = ""  # the Mốc of a recurring duty
    note: str = ""


ROWS = [
    Row(
        "2.1-1",
        S21,
        "Ban chỉ đạo NTM các xã rà soát, đánh giá mức độ đạt chuẩn tiêu chí, xây dựng Khung kế "
        "hoạch củng cố, nâng cao mức độ đạt chuẩn tiêu chí nông thôn mới theo Quyết định 05 và "
        "Quyết định 28 của UBND tỉnh. Xây dựng lộ trình, phân công cụ thể cán bộ phụ trách "
        "tiêu chí.",
        [COMMUNES],
        criterion=(None, "Tiêu chí xã nông thôn mới"),
        communes=ALL,
        note=UNDATED,
    ),
    Row(
        "2.1-2",
        S21,
        "Chỉ đạo quyết liệt, ưu tiên phân bổ nguồn lực, nguồn ngân sách địa phương, nguồn ngân "
        "sách Trung ương thực hiện chương trình năm 2021 để củng cố đạt chuẩn tiêu chí trong "
        "quý I/2021.",
        [COMMUNES],
        "trong quý I/2021",
        criterion=(None, "Tiêu chí xã nông thôn mới"),
        communes=ALL,
    ),
    Row(
        "2.1-3",
        S21,
        "Tập trung rà soát, đánh giá mức độ đạt chuẩn các khu dân cư, chỉ đạo kịp thời hoàn thành "
        "khắc phục các hư hại do lũ lụt gây ra; tập trung cải tạo vườn hộ, cải tạo cảnh quan môi "
        "trường đảm bảo nổi bật, thuyết phục, tạo bộ mặt cho xây dựng huyện nông thôn mới.",
        [COMMUNES],
        criterion=(None, "Khu dân cư mẫu, vườn mẫu"),
        communes=ALL,
        note=UNDATED,
    ),
    Row(
        "2.2-1",
        S22,
        "Căn cứ bộ tiêu chí xã nâng cao, xã kiểu mẫu, các xã rà soát, xây dựng Đề án xã nông thôn "
        "mới nâng cao, nông thôn mới kiểu mẫu, Khung kế hoạch, lộ trình đạt chuẩn xã nông thôn mới "
        "nâng cao; phân công phân cán bộ phụ trách chỉ đạo thực hiện; hàng tuần tổ chức giao ban, "
        "đánh giá kết quả thực hiện. Tập trung chỉ phát triển sản xuất, xây dựng các mô hình liên "
        "kết, củng cố hoạt động các hợp tác xã; chỉ đạo xây dựng khu dân cư mẫu, vườn mẫu tạo "
        "chuyển biến rõ nét, thuyết phục.",
        [COMMUNES],
        criterion=(None, "Xã nông thôn mới nâng cao, kiểu mẫu"),
        communes=HIGHER,
        note=UNDATED + " Giao ban hàng tuần theo dõi ở dòng mốc «giao ban hàng tuần».",
    ),
    Row(
        "2.2-1",
        S22,
        "Hàng tuần tổ chức giao ban, đánh giá kết quả thực hiện.",
        [COMMUNES],
        criterion=(None, "Xã nông thôn mới nâng cao, kiểu mẫu"),
        communes=HIGHER,
        recurrence="hàng tuần",
        label="giao ban hàng tuần",
        note="Mỗi lần giao ban, văn phòng ghi một dòng vào trang «Đã thực hiện».",
    ),
    Row(
        "2.3.a-1",
        S23,
        "Hoàn thành quy hoạch vùng huyện, được UBND tỉnh ban hành quyết định phê duyệt.",
        [QUANG],
        "trong tháng 1/2021",
        (1, "Quy hoạch"),
        directors=[ANH],
    ),
    Row(
        "2.3.a-2",
        S23,
        "Các nội dung còn lại (tiêu chí quy hoạch) hoàn thành.",
        [QUANG],
        "hoàn thành trong thành trong tháng quý I/2021",
        (1, "Quy hoạch"),
        directors=[ANH],
        note="Kế hoạch ghi nguyên văn «trong thành trong tháng quý I/2021»: hiểu là quý I/2021.",
    ),
    Row(
        "2.3.b-1",
        S23,
        "Đối với các công trình đã thi khởi công: ĐH 124, đường Cẩm Dương – Cẩm Thịnh, đường "
        "ĐH 133: hoàn thành.",
        [PHONG, QUANG],
        "chậm nhất trước ngày 10/2/2021",
        (2, "Giao thông"),
        directors=[ANH],
    ),
    Row(
        "2.3.b-2",
        S23,
        "Đối với các công trình đường huyện, đường liên xã, xây dựng mới nhằm nâng cao mức độ đạt "
        "chuẩn và tạo điểm nhấn tua tuyến: tập trung chỉ đạo để khởi công và hoàn thành xây dựng.",
        [PHONG, QUANG],
        "khởi công trong tháng 2/2021 và hoàn thành xây dựng chậm nhất trong tháng 6/2021",
        (2, "Giao thông"),
        directors=[ANH],
    ),
    Row(
        "2.3.c-1",
        S23,
        "Tập trung hoàn thành các công trình xây dựng cơ bản nhằm củng cố và nâng cao mức độ đạt "
        "chuẩn tiêu chí Văn hóa – giáo dục – Y tế.",
        [PHONG, CUONG, NGHIA, HOANG],
        "chậm nhất trong tháng 6/2021",
        (5, "Y tế – Văn hóa – Giáo dục"),
        directors=[THANG],
    ),
    Row(
        "2.3.d-1",
        S23,
        "Thực hiện kịp thời các chính sách hỗ trợ khôi phục sản xuất của trung ương, của tỉnh, "
        "nguồn hỗ trợ của các tổ chức, cá nhân để hỗ trợ nhân dân phát triển sản xuất, xây dựng "
        "các mô hình kinh tế.",
        [DANH],
        "trước 31/3/2021",
        (6, "Sản xuất"),
        directors=[HA],
    ),
    Row(
        "2.3.d-2",
        S23,
        "Triển khai đề án sản xuất vụ Xuân, thực hiện sản xuất liên kết theo chuỗi giá trị nhằm "
        "đảm bảo tỷ lệ sản xuất liên kết trên 10% các sản phẩm chủ lực của huyện: Lúa, Lạc, Lợn, "
        "Rau màu, tôm.",
        [DANH],
        "trước 31/3/2021",
        (6, "Sản xuất"),
        directors=[HA],
    ),
    Row(
        "2.3.e-1",
        S23,
        "Hoàn thành xây dựng hệ thống thoát nước cụm công nghiệp Bắc Cẩm Xuyên.",
        [THANH, PHONG],
        "trước 31/3/2021",
        (7, "Môi trường"),
        directors=[HA],
    ),
    Row(
        "2.3.e-2",
        S23,
        "Vận chuyển, xử lý rác thải hữu cơ, rác vô cơ phát sinh trên địa bàn; thường xuyên kiểm "
        "tra, đôn đốc, chỉ đạo các địa phương vận chuyển, xử lý kịp thời rác thải, không để tập "
        "kết lâu ngày trên các trục đường. Vận chuyển, xử lý đảm bảo quy định bao vỏ thuốc BVTV, "
        "rác thải y tế.",
        [THANH, PHONG],
        "trước 31/3/2021",
        (7, "Môi trường"),
        directors=[HA],
    ),
    Row(
        "2.3.e-3",
        S23,
        "Kiểm tra, chỉ đạo khắc phục các công trình bảo vệ môi trường của các cơ sở sản xuất kinh "
        "doanh trên địa bàn huyện, nhất là các vùng ven biển.",
        [THANH, PHONG],
        "trước 31/3/2021",
        (7, "Môi trường"),
        directors=[HA],
    ),
    Row(
        "2.3.f-1",
        S23,
        "Lắp đặt hệ thống camera giám sát an ninh trên địa bàn huyện.",
        [TO],
        "tháng 4/2021",
        (8, "An ninh, trật tự xã hội"),
        directors=[THANG, TO],
        note="Kế hoạch ghi cả hai đồng chí «chỉ đạo thực hiện».",
    ),
    *(
        Row(
            f"2.4-{n}",
            S24,
            text,
            [RELATED_HEADS],
            phrase,
            (None, "Hồ sơ thẩm định"),
            lead=[OFFICE],
            partners=[RELATED],
            directors=[HA],
            note=DOSSIER_NOTE,
        )
        for n, text, phrase in (
            (1, "Hoàn thiện hồ sơ các tiêu chí xã NTM, tiêu chí huyện NTM.", "trước 31/3/2021"),
            (2, "Hoàn thiện hồ sơ huyện đạt chuẩn nông thôn mới.", "trước 31/3/2021"),
            (3, "Trình hồ sơ đề nghị UBND tỉnh thẩm định.", "trước ngày 10/4/2021"),
        )
    ),
    Row(
        "2.4-4",
        S24,
        "Lấy phiếu hài lòng của người dân.",
        [RELATED_HEADS],
        "tháng 4/2021",
        (None, "Hồ sơ thẩm định"),
        lead=[MTTQ],
        directors=[HA],
        note="Ủy ban MTTQ huyện chủ trì tổ chức lấy ý kiến hài lòng người dân về xã NTM nâng "
        "cao, kiểu mẫu, huyện NTM (mục III.4). Kế hoạch ghi: trưởng các phòng, ngành liên quan "
        "chịu trách nhiệm thực hiện đảm bảo tiến độ.",
    ),
    *(
        Row(f"III.1-{n}", S31, text, [TOWNS], communes=ALL, note=TOWNS_NOTE)
        for n, text in enumerate(
            (
                "Tổ chức soát xét, đánh giá chính xác mức độ đạt chuẩn tiêu chí NTM, các nội dung "
                "cần tập trung thực hiện, lộ trình xây dựng để đạt chuẩn theo mốc thời gian nêu "
                "trên.",
                "Tập trung lãnh đạo, chỉ đạo, phân công cụ thể, triển khai thực hiện hoàn thành "
                "các nội dung, tiêu chí theo kế hoạch.",
                "Vận động Nhân dân tập trung chỉnh trang, nâng cấp các vườn hộ, cải tạo môi "
                "trường, trồng bổ sung hàng rào xanh đảm bảo đạt chuẩn, nâng cao mức độ đạt chuẩn "
                "tiêu chí Khu dân cư mẫu, vườn mẫu, môi trường.",
                "Bố trí nguồn ngân sách xã, nguồn ngân sách Trung ương NTM, các nguồn lồng ghép và "
                "các nguồn vốn huy động khác để ưu tiên khắc phục các tiêu chí, nội dung bị rớt "
                "chuẩn và yêu cầu nâng cao mức độ đạt chuẩn.",
            ),
            start=1,
        )
    ),
    Row(
        "III.2-1",
        S32,
        "Theo các tiêu chí, nội dung được phân công phụ trách, soát xét, đánh giá mức độ đạt "
        "chuẩn, lập kế hoạch thực hiện tiêu chí; tham mưu lãnh đạo, chỉ đạo để xây dựng đạt chuẩn "
        "tiêu chí xã nông thôn mới, huyện nông thôn mới theo lộ trình.",
        [DEPARTMENTS],
        note="Tiêu chí của từng phòng, ngành: mục 2.3. " + UNDATED,
    ),
    Row(
        "III.2-2",
        S32,
        "Khâu nối với các Sở, ngành liên quan để kiểm tra, hướng dẫn, định hướng, thống nhất nội "
        "dung thực hiện tiêu chí xã, tiêu chí huyện nông thôn mới.",
        [DEPARTMENTS],
        note=UNDATED,
    ),
    Row(
        "III.2-3",
        S32,
        "Chủ trì, phối hợp với các phòng, ngành liên quan, tham mưu phân bổ kịp thời các nguồn "
        "vốn; tham mưu triển khai kịp thời các dự án sử dụng đất trên địa bàn huyện để tăng nguồn "
        "thu, đảm bảo nguồn vốn xây dựng các công trình đã được phê duyệt.",
        [FINANCE],
        lead=[FINANCE],
        partners=[RELATED],
        note=UNDATED,
    ),
    Row(
        "III.2-4",
        S32,
        "Trên cơ sở danh mục đầu tư được HĐND huyện phê duyệt, sớm lập thiết kế, dự toán, hoàn "
        "thiện quy trình thủ tục đầu tư để triển khai thực hiện kịp thời, đảm bảo tiến độ xây "
        "dựng huyện nông thôn mới.",
        [PMU, INVESTORS],
        note="Kế hoạch ghi «sớm», không ghi ngày.",
    ),
    Row(
        "III.2-5",
        S32,
        "Chủ trì, phối hợp với các phòng, ngành liên quan tham mưu kịp thời công tác lãnh đạo, "
        "chỉ đạo; hoàn thiện hồ sơ đề nghị thẩm tra công nhận huyện đạt chuẩn nông thôn mới theo "
        "lộ trình.",
        [OFFICE],
        lead=[OFFICE],
        partners=[RELATED],
        note="Lộ trình hồ sơ: mục 2.4.",
    ),
    Row(
        "III.3-1",
        S33,
        "Theo cụm chỉ đạo được phân công, chỉ đạo các địa phương hoàn thành các mục tiêu đặt ra; "
        "chịu trách nhiệm trước Ban Thường vụ Huyện ủy về kết quả các địa phương trong cụm.",
        [CLUSTER_LEADERS],
        note="Phân công chi tiết kèm theo kế hoạch: văn phòng ghi từng cụm, trưởng cụm và các xã "
        "vào trang «Cụm chỉ đạo» của danh bạ.",
    ),
    Row(
        "III.3-1",
        S33,
        "Hàng tháng tổ chức soát xét, đánh giá kết quả thực hiện của các địa phương trong cụm.",
        [CLUSTER_LEADERS],
        recurrence="hàng tháng",
        label="soát xét hàng tháng",
        note="Việc «monthly-review» gửi mỗi trưởng cụm tình hình các xã trong cụm đầu mỗi tháng.",
    ),
    Row(
        "III.3-2",
        S33,
        "Theo địa bàn xã, thị trấn được phân công và mục tiêu của từng địa phương, chịu trách "
        "nhiệm trước Ban Thường vụ Huyện ủy về việc lãnh đạo, chỉ đạo và kết quả thực hiện của "
        "từng địa phương được phân công.",
        [ASSIGNED],
        note="Xã, thị trấn được phân công: văn phòng ghi vào cột «Xã phụ trách» của danh bạ.",
    ),
    Row(
        "III.4-1",
        S34,
        "Tăng cường công tác tuyên truyền, vận động hội viên, đoàn viên và toàn thể Nhân dân tham "
        "gia xây dựng NTM.",
        [MTTQ, WOMEN, FARMERS, YOUTH, VETERANS, LABOUR],
        note=UNDATED,
    ),
    Row(
        "III.4-2",
        S34,
        "Chủ trì cùng các đoàn thể chính trị xã hội phát động toàn dân chung tay xây dựng NTM, "
        "đô thị văn minh, lựa chọn ít nhất 1 đơn vị để ra quân hỗ trợ xây dựng NTM, đô thị văn "
        "minh; chỉ đạo các xã, thị trấn ra quân xây dựng NTM, đô thị văn minh; vận động xây dựng, "
        "hỗ trợ các đối tượng gia đình người có công, gia đình chính sách, hộ nghèo, cận nghèo, "
        "các hộ bị ảnh hưởng bởi lũ lụt, xây dựng nhà đại đoàn kết, nhà vượt lũ; tổ chức lấy ý "
        "kiến hài lòng người dân về xã NTM nâng cao, kiểu mẫu, huyện NTM. Hỗ trợ sinh kế cho người "
        "dân vươn lên thoát nghèo.",
        [MTTQ],
        lead=[MTTQ],
        partners=[UNIONS],
        note="Lấy ý kiến hài lòng người dân: dòng 2.4-4 (tháng 4/2021). " + UNDATED,
    ),
    Row(
        "III.4-3",
        S34,
        "Phối hợp thực hiện tiêu chí môi trường, phân loại và xử lý rác thải, xử lý môi trường "
        "trong chăn nuôi; xây dựng các mô hình điểm về xây dựng gia đình 5 không 3 sạch gắn với "
        "tua tuyến huyện NTM.",
        [WOMEN],
        criterion=(None, "Môi trường"),
        note=UNDATED,
    ),
    Row(
        "III.4-4",
        S34,
        "Phối hợp thực hiện tiêu chí sản xuất; xây dựng các mô hình kinh tế; xây dựng các mô "
        "hình phát triển kinh tế vườn gắn với vườn mẫu, khu dân cư mẫu.",
        [FARMERS],
        criterion=(None, "Sản xuất"),
        note=UNDATED,
    ),
    Row("III.4-5", S34, ROADS[:1].upper() + ROADS[1:], [YOUTH], note=UNDATED),
    Row(
        "III.4-5",
        S34,
        "Huy động lực lượng thanh niên định kỳ ra quân thu gom rác thải, vệ sinh môi trường.",
        [YOUTH],
        criterion=(None, "Môi trường"),
        recurrence="định kỳ",
        label="ra quân thu gom rác thải",
        note="Kế hoạch ghi «định kỳ», không ghi chu kỳ: văn phòng ghi chu kỳ vào cột «Lặp lại», "
        "ví dụ «định kỳ 1 tháng»; mỗi lần ra quân ghi một dòng vào trang «Đã thực hiện».",
    ),
    Row("III.4-6", S34, ROADS[:1].upper() + ROADS[1:], [VETERANS], note=UNDATED),
    Row(
        "III.4-7",
        S34,
        ROADS[:1].upper() + ROADS[1:] + " Vận động cán bộ, công chức tự giác chung tay xây dựng "
        "NTM, đô thị văn minh.",
        [LABOUR],
        note=UNDATED,
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
        "Chủ trì hoàn thiện hồ sơ đề nghị thẩm tra công nhận huyện đạt chuẩn NTM (mục III.2)",
    ),
    (
        FINANCE,
        "Cơ quan",
        FINANCE,
        [],
        "Chủ trì tham mưu phân bổ nguồn vốn, dự án sử dụng đất (mục III.2)",
    ),
    (PMU, "Cơ quan", PMU, [], "Lập thiết kế, dự toán, thủ tục đầu tư (mục III.2)"),
    (
        INVESTORS,
        "Các chủ đầu tư công trình",
        "",
        [],
        "Lập thiết kế, dự toán, thủ tục đầu tư (mục III.2); văn phòng ghi địa chỉ nếu cần",
    ),
    (
        MTTQ,
        "Cơ quan",
        MTTQ,
        [],
        "Chủ trì phát động, lấy ý kiến hài lòng người dân (mục III.4, 2.4)",
    ),
    (WOMEN, "Đoàn thể", WOMEN, ["Môi trường"], "Phối hợp thực hiện tiêu chí môi trường"),
    (FARMERS, "Đoàn thể", FARMERS, ["Sản xuất"], "Phối hợp thực hiện tiêu chí sản xuất"),
    (YOUTH, "Đoàn thể", YOUTH, [], "Tuyến đường mẫu; định kỳ ra quân thu gom rác thải"),
    (VETERANS, "Đoàn thể", VETERANS, [], "Tuyến đường mẫu, cảnh quan nhà văn hóa thôn"),
    (LABOUR, "Đoàn thể", LABOUR, [], "Tuyến đường mẫu; vận động cán bộ, công chức"),
    (
        DEPARTMENTS,
        "Nhóm",
        "",
        [],
        "Mục III.2; thư gửi từng người ở cột «Thành viên» (trưởng các phòng, ngành mục 2.3)",
    ),
    (RELATED, "Nhóm", "", [], "Phối hợp (mục 2.4, III.2); thư gửi từng người ở cột «Thành viên»"),
    (
        RELATED_HEADS,
        "Nhóm",
        "",
        [],
        "Thực hiện lộ trình hồ sơ (mục 2.4); thư gửi từng người ở cột «Thành viên»",
    ),
    (
        UNIONS,
        "Nhóm",
        "",
        [],
        "Phối hợp với Ủy ban MTTQ huyện (mục III.4); thư gửi từng đoàn thể ở cột «Thành viên»",
    ),
]
# Addresses of bodies (officials get name.surname@…); groups have none: their members do.
EMAILS = {
    OFFICE: f"vpdp.ntm@{EMAIL_DOMAIN}",
    FINANCE: f"phong.tckh@{EMAIL_DOMAIN}",
    PMU: f"bqlda@{EMAIL_DOMAIN}",
    INVESTORS: "",
    MTTQ: f"mttq@{EMAIL_DOMAIN}",
    WOMEN: f"hoi.lhpn@{EMAIL_DOMAIN}",
    FARMERS: f"hoi.nongdan@{EMAIL_DOMAIN}",
    YOUTH: f"huyendoan@{EMAIL_DOMAIN}",
    VETERANS: f"hoi.ccb@{EMAIL_DOMAIN}",
    LABOUR: f"ldld@{EMAIL_DOMAIN}",
    DEPARTMENTS: "",
    RELATED: "",
    RELATED_HEADS: "",
    UNIONS: "",
}
MEMBERS = {
    DEPARTMENTS: CRITERION_HEADS,
    RELATED: CRITERION_HEADS,
    RELATED_HEADS: CRITERION_HEADS,
    UNIONS: [WOMEN, FARMERS, YOUTH, VETERANS, LABOUR],
}
# The office follows every commune's submission; the plan's cluster and commune assignments
# are an attachment the office has: they go in «Cụm chỉ đạo» and «Xã phụ trách».
COMMUNES_OF = {OFFICE: ALL_COMMUNES}
CLUSTER_HELP = [
    "DANH BẠ — HƯỚNG DẪN",
    "Trang «Danh bạ»: mỗi dòng một cán bộ hoặc một cơ quan, đoàn thể nhận thư. Tên ghi đúng như "
    "trong kế hoạch (ví dụ «Hội Nông dân huyện», «Huyện đoàn»). Dòng nhóm (ví dụ «Trưởng các "
    "phòng, ngành liên quan») để trống Email và ghi tên từng người ở cột «Thành viên», cách "
    "nhau bằng dấu «;»: thư gửi từng thành viên.",
    "Cột «Xã phụ trách»: các xã, thị trấn mà cán bộ được phân công chỉ đạo (Ủy viên BCH Đảng bộ "
    "huyện, cán bộ chỉ đạo cơ sở), cách nhau bằng dấu «;»; ghi «Tất cả» nếu theo dõi mọi xã. "
    "Cán bộ có xã phụ trách nhận thư soát xét hàng tháng (việc monthly-review) về đúng các xã đó.",
    "Trang «Liên hệ xã»: địa chỉ thư của từng xã, thị trấn. Việc giao cho «Ban chỉ đạo NTM các "
    "xã» hoặc «UBND các xã, thị trấn» được gửi tới từng xã liên quan theo trang này (xã chưa có "
    "địa chỉ ở đây thì dùng địa chỉ trong danh sách đơn vị).",
    "Trang «Cụm chỉ đạo»: kế hoạch phân công các đồng chí Ủy viên Ban Thường vụ Huyện ủy chỉ đạo "
    "theo cụm (phân công chi tiết kèm theo kế hoạch). Mỗi dòng một cụm: tên cụm, họ tên trưởng "
    "cụm (phải có trong trang «Danh bạ» để có địa chỉ thư), các xã trong cụm cách nhau bằng dấu "
    "«;». Đầu mỗi tháng mỗi trưởng cụm nhận một thư về đúng các xã trong cụm: tiêu chí đạt so "
    "với mục tiêu, tiêu chí còn thiếu, việc quá hạn, nộp báo cáo đúng hạn hay không.",
    "Trang này để trống khi giao: chương trình không tự đặt tên cụm hay người phụ trách.",
]

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
    """The "Nhiệm vụ" rows: one per assignment, per milestone of a two-step deadline and per
    recurring duty, in the order of TASK_COLUMNS."""
    rows = []
    for row in ROWS:
        for milestone in parse_deadline(row.phrase) or [None]:
            number, criterion = row.criterion
            values = {
                "Mã": row.code,
                "Mục": row.section,
                "TC số": number,
                "Tiêu chí": criterion,
                "Nội dung nhiệm vụ": row.text,
                "Chủ trì": "; ".join(row.lead),
                "Phối hợp": "; ".join(row.partners),
                "Người chỉ đạo": "; ".join(row.directors),
                "Người thực hiện": "; ".join(row.owners),
                "Xã thực hiện": row.communes,
                "Thời hạn": row.phrase,
                "Mốc": milestone.label if milestone else row.label,
                "Hạn hoàn thành": milestone.due if milestone else None,
                "Lặp lại": row.recurrence,
                "Từ ngày": None,
                "Tình trạng": TASK_STATES[0],
                "Ngày hoàn thành": None,
                "Ghi chú": row.note,
            }
            rows.append([values[heading] for heading in TASK_COLUMNS])
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
            "; ".join(MEMBERS.get(name, [])),
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
        widths = [9, 24, 6, 16, 60, 20, 20, 18, 26, 14, 24, 14, 13, 12, 11, 16, 13, 40]
        writer.write(tasks, list(TASK_COLUMNS), rows, widths)
        state_col = list(TASK_COLUMNS).index("Tình trạng")
        tasks.data_validation(
            1, state_col, 500, state_col, {"validate": "list", "source": list(TASK_STATES)}
        )
        for name in ("Hạn hoàn thành", "Từ ngày", "Ngày hoàn thành"):
            col = list(TASK_COLUMNS).index(name)
            tasks.set_column(col, col, 13, writer.date)
        targets = workbook.add_worksheet(TARGETS_SHEET)
        writer.write(targets, list(TARGET_COLUMNS), target_rows(), [7, 45, 16, 11, 20, 16, 18, 13])
        log = workbook.add_worksheet(DONE_SHEET)
        writer.write(log, list(DONE_COLUMNS), [], [10, 24, 14, 60])
        log.set_column(2, 2, 14, writer.date)
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
            [26, 30, 26, 34, 13, 30, 16, 50, 40],
        )
        writer.write(
            workbook.add_worksheet(COMMUNES_SHEET),
            list(COMMUNE_COLUMNS),
            commune_rows(registry),
            [11, 24, 24, 38, 13],
        )
        writer.write(
            workbook.add_worksheet(CLUSTERS_SHEET), list(CLUSTER_COLUMNS), [], [20, 28, 60, 40]
        )
        guide = workbook.add_worksheet(HELP_SHEET)
        guide.set_column(0, 0, 110, writer.text)
        for row, line in enumerate(CLUSTER_HELP):
            guide.write_string(row, 0, line, writer.heading if row == 0 else writer.text)
            guide.set_row(row, 15 * max(1, math.ceil(len(line) / 100)))
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
