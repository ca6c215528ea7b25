"""The catalogue of data issues, in the manner of frictionless: a code, a severity,
a title and a message template written for the person who must fix the data."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ntm_excel.errors import unreadable_advice


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_LABELS = {Severity.ERROR: "Lỗi", Severity.WARNING: "Cảnh báo", Severity.INFO: "Thông tin"}


@dataclass(frozen=True)
class IssueType:
    code: str
    severity: Severity
    title: str
    template: str  # the message, with {fields} filled in by `make_issue`
    description: str  # when it is raised, for the README's catalogue (scripts/issue_table.py)
    # the template's {advice} from its other details, when the caller gives none
    advise: Callable[[str], str] | None = None


_TYPES = [
    IssueType(
        "file-unreadable",
        Severity.ERROR,
        "Không đọc được tệp",
        "Không đọc được tệp: {reason}. {advice}",
        "tệp có mật khẩu, hỏng, sai định dạng, quá lớn, nghi độc hại, làm chết tiến trình đọc; "
        "bảng tính dạng chưa hỗ trợ trong thư mục (.xlsb…); đường dẫn không có; biểu của huyện "
        "khai báo mà không có. Tên tệp hoặc thư mục chỉ rõ một xã thì lỗi thuộc xã đó; lời "
        "khuyên hợp với lý do (tệp rỗng, không có quyền đọc, có mật khẩu…)",
        unreadable_advice,
    ),
    IssueType(
        "file-not-workbook",
        Severity.WARNING,
        "Không phải biểu tự đánh giá",
        "Tệp «{name}» là {what}, không phải biểu tự đánh giá nên không được đọc. {advice}",
        "tệp trong thư mục nhận không phải bảng tính: PDF (bản quét), Word, .txt, ảnh, tệp nén…; "
        "lời nhắn nói tệp là gì và nên làm gì (Thumbs.db, tệp tạm: mức Thông tin)",
    ),
    IssueType(
        "file-skipped",
        Severity.WARNING,
        "Bỏ qua mục trong thư mục nhận",
        "Bỏ qua «{name}»: {reason}.",
        "FIFO, socket, thiết bị, liên kết hỏng, vòng hoặc ra ngoài thư mục, thư mục ổ đĩa khác; "
        "thư mục quá 100.000 mục (mức Lỗi)",
    ),
    IssueType(
        "file-open-when-copied",
        Severity.WARNING,
        "Tệp đang mở khi được chép",
        "Bên cạnh tệp có tệp khóa «{lock}» của Excel: tệp đang mở trong Excel khi được chép "
        "vào thư mục nhận, nên bản đã lưu có thể cũ hơn những gì xã đang thấy (phần sửa "
        "chưa lưu không có trong tệp). Hãy đề nghị xã lưu, đóng tệp rồi gửi lại; nếu tệp "
        "đã được đóng, xóa tệp «{lock}».",
        "tệp khóa «~$…» (Excel tạo khi mở tệp) nằm bên cạnh một bảng tính trong thư mục nhận",
    ),
    IssueType(
        "file-own-output",
        Severity.INFO,
        "Tệp do ntm-excel tạo",
        "Tệp «{name}» là {what} do ntm-excel tạo, không phải biểu của đơn vị: không đọc lại.",
        "bảng tổng hợp, tệp góp ý chưa ai lưu lại, nằm trong thư mục nhận: không đọc",
    ),
    IssueType(
        "catalog-period-mismatch",
        Severity.WARNING,
        "Biểu của giai đoạn khác",
        "Biểu ghi giai đoạn {written}, còn văn phòng đang dùng bộ tiêu chí giai đoạn {used}: "
        "các chỉ tiêu có thể bị đọc nhầm. Hãy dùng biểu mẫu của giai đoạn {used}.",
        "đầu biểu ghi một giai đoạn («giai đoạn 2016-2020») khác giai đoạn của bộ tiêu chí "
        "đang dùng",
    ),
    IssueType(
        "table-empty",
        Severity.ERROR,
        "Biểu chưa điền",
        "Bảng tự đánh giá chưa có số liệu hay tự đánh giá nào. Hãy điền biểu rồi gửi lại.",
        "bảng có các dòng chỉ tiêu nhưng mọi ô kết quả và tự đánh giá đều trống (thay cho một "
        "lỗi ở mỗi dòng)",
    ),
    IssueType(
        "table-not-found",
        Severity.ERROR,
        "Không tìm thấy bảng tự đánh giá",
        "Không tìm thấy bảng tự đánh giá tiêu chí trong tệp (cần dòng tiêu đề có các cột "
        "như «Tên tiêu chí», «Kết quả thực hiện», «Tự đánh giá»). Hãy dùng biểu mẫu chuẩn.",
        "không trang nào có dòng tiêu đề với ít nhất ba vai trò, trong đó có cột kết quả hoặc "
        "tự đánh giá và cột TT, tên hoặc nội dung",
    ),
    IssueType(
        "table-layout-unsupported",
        Severity.ERROR,
        "Dạng bảng chưa đọc được",
        "Trang «{tab}»: {layout}. Chương trình chưa đọc được dạng bảng này nên không lấy số "
        "liệu nào từ trang. Hãy gửi mỗi xã một biểu theo mẫu (mỗi chỉ tiêu một dòng, cột "
        "«Kết quả thực hiện», «Tự đánh giá»), hoặc bảng xuất từ hệ thống có cột «Mã xã».",
        "bảng có cột riêng của từng xã (hai xã cạnh nhau, bảng tổng hợp của huyện), bảng tổng "
        "hợp mỗi dòng một xã, hoặc bảng xoay ngang (chỉ tiêu theo cột): không đọc số liệu nào "
        "từ trang",
    ),
    IssueType(
        "roadmap-not-found",
        Severity.INFO,
        "Không có lộ trình",
        "Tệp không có trang lộ trình/kế hoạch thực hiện (các cột «Nội dung công việc», "
        "«Thời gian hoàn thành», «Người phụ trách»).",
        "không có trang lộ trình/kế hoạch thực hiện",
    ),
    IssueType(
        "roadmap-other-file",
        Severity.INFO,
        "Lộ trình ở tệp riêng",
        "Lộ trình của {unit} lấy từ tệp «{roadmap}» (tệp chỉ có lộ trình), cùng bảng tự đánh "
        "giá trong «{used}».",
        "đơn vị gửi bảng tự đánh giá và lộ trình thành hai tệp: nhiệm vụ lấy từ tệp chỉ có lộ "
        "trình mới nhất, khi tệp được dùng không có lộ trình",
    ),
    IssueType(
        "sheet-truncated",
        Severity.WARNING,
        "Trang tính quá lớn",
        "Dữ liệu vượt quá cỡ một biểu: {detail}; phần còn lại được bỏ qua. "
        "Hãy xóa các dòng, cột thừa rồi gửi lại.",
        "trang có dữ liệu ngoài 5.000 dòng × 60 cột",
    ),
    IssueType(
        "unit-unknown",
        Severity.ERROR,
        "Không xác định được đơn vị",
        "Không xác định được đơn vị nộp báo cáo{detail}. Hãy ghi đúng tên xã "
        "(ví dụ «UBND XÃ CẨM THÀNH») ở đầu biểu hoặc mã đơn vị.",
        "đầu biểu, ô mã và tên tệp đều không chỉ ra đơn vị nào",
    ),
    IssueType(
        "unit-ambiguous",
        Severity.ERROR,
        "Tên đơn vị không rõ ràng",
        "Tên đơn vị «{text}» khớp với nhiều đơn vị: {candidates}. {advice}",
        "tên khớp nhiều đơn vị (cùng tên ở nhiều huyện mà đầu biểu, thư mục không cho biết "
        "huyện), hoặc mã đơn vị trái với tên xã ở đầu biểu",
    ),
    IssueType(
        "submission-level-form",
        Severity.WARNING,
        "Biểu nâng cao, kiểu mẫu thay cho biểu theo bộ tiêu chí xã",
        "Tệp có tiêu đề biểu xã nông thôn mới {level}, nhưng {unit} có mục tiêu «{target}» và "
        "không gửi biểu nào khác: biểu được chấm theo bộ tiêu chí xã ({catalog_set}). Nếu gửi "
        "nhầm, hãy gửi biểu tự đánh giá theo bộ tiêu chí xã.",
        "tệp duy nhất của một xã là biểu nâng cao hay kiểu mẫu (theo tiêu đề) mà xã không có "
        "mục tiêu đó: được chấm theo bộ tiêu chí xã, không bao giờ lặng lẽ",
    ),
    IssueType(
        "unit-name-tones",
        Severity.WARNING,
        "Tên đơn vị khác dấu",
        "{where} ghi «{written}»: không đơn vị nào tên đúng như vậy; đã nhận là {unit}, tên "
        "chỉ khác dấu. Hãy kiểm tra đúng là biểu của đơn vị này và sửa tên cho đúng.",
        "tên xã ở đầu biểu chỉ khớp với tên trong danh sách đơn vị khi bỏ qua dấu thanh "
        "(«Cẩm Vịnh» cho Xã Cẩm Vĩnh); khi tên ghi đúng dấu là tên của đơn vị khác "
        "(«XÃ THẠCH HÀ»: Huyện, Thị trấn Thạch Hà; Xã Thạch Hạ) thì không nhận (unit-ambiguous)",
    ),
    IssueType(
        "unit-duplicate",
        Severity.WARNING,
        "Đơn vị nộp nhiều tệp",
        "{unit} có {count} tệp: dùng «{used}» ({reason}); bỏ qua {ignored}.",
        "một đơn vị có nhiều tệp: dùng tệp có bảng tự đánh giá, biểu theo bộ tiêu chí xã (không "
        "phải biểu nâng cao, kiểu mẫu), bản ký ngày gần nhất, rồi tệp "
        "sửa gần nhất, rồi tệp ít lỗi hơn, rồi theo tên; tệp không đọc được cũ hơn tệp dùng "
        "được kể tên ở đây",
    ),
    IssueType(
        "unit-sender-unknown",
        Severity.WARNING,
        "Tệp gửi từ địa chỉ lạ",
        "Tệp «{name}» của {unit} được gửi từ {senders}, không phải địa chỉ thư của đơn vị "
        "({known}). Hãy xác nhận với đơn vị rằng tệp này do đơn vị gửi.",
        "tệp đang dùng của một đơn vị đến bằng thư từ địa chỉ không phải của đơn vị (cột Email "
        "của danh sách đơn vị, trang «Liên hệ xã» của danh bạ): ai cũng gửi được biểu mang "
        "tên một xã",
    ),
    IssueType(
        "unit-newest-unreadable",
        Severity.WARNING,
        "Tệp gửi sau không đọc được",
        "{unit}: không đọc được tệp «{newest}», gửi không sớm hơn tệp đang dùng «{used}»; số "
        "liệu đang dùng có thể chưa là bản mới nhất. Hãy gửi lại tệp đọc được.",
        "tệp không đọc được của đơn vị không cũ hơn tệp đang dùng",
    ),
    IssueType(
        "unit-not-submitted",
        Severity.ERROR,
        "Đơn vị chưa nộp báo cáo",
        "{unit} chưa nộp biểu tự đánh giá tiêu chí.",
        "đơn vị phải nộp không có tệp nào (`consolidate`, không có ở `validate`)",
    ),
    IssueType(
        "indicator-missing",
        Severity.ERROR,
        "Thiếu chỉ tiêu",
        "Thiếu chỉ tiêu {code} ({text}). Hãy bổ sung dòng này vào bảng tự đánh giá.",
        "chỉ tiêu của bộ tiêu chí không có dòng nào trong biểu",
    ),
    IssueType(
        "indicator-unknown",
        Severity.WARNING,
        "Chỉ tiêu không có trong bộ tiêu chí",
        "Chỉ tiêu «{code}» không có trong bộ tiêu chí đang áp dụng; dòng này không được tổng hợp.",
        "dòng có mã không có trong bộ đang áp dụng (ví dụ «1.3» khi tiêu chí 1 chỉ có 1.1, "
        "1.2); không được tổng hợp",
    ),
    IssueType(
        "criterion-unknown",
        Severity.WARNING,
        "Tiêu chí không có trong bộ tiêu chí",
        "Tiêu chí {criterion} không có trong bộ tiêu chí đang áp dụng (dòng {codes}); các dòng "
        "của tiêu chí này không được tổng hợp.",
        "các dòng của một tiêu chí mà bộ đang áp dụng không có (ví dụ tiêu chí 21 của tỉnh khi "
        "bộ chỉ có 20); một cảnh báo cho cả tiêu chí, không được tổng hợp",
    ),
    IssueType(
        "indicator-duplicate",
        Severity.WARNING,
        "Chỉ tiêu ghi hai lần",
        "Chỉ tiêu {code} được ghi nhiều lần; dùng dòng đầu tiên ({first}).",
        "một chỉ tiêu có nhiều dòng; dùng dòng đầu",
    ),
    IssueType(
        "indicator-ambiguous",
        Severity.WARNING,
        "Dòng giống nhiều chỉ tiêu",
        "Dòng «{text}» không có mã và giống nhiều chỉ tiêu: {candidates}; chương trình không "
        "tự chọn nên dòng này không được tổng hợp. Hãy ghi mã chỉ tiêu vào cột TT.",
        "dòng không có mã mà nội dung gần giống hai chỉ tiêu trở lên (không đoán)",
    ),
    IssueType(
        "indicator-code-mismatch",
        Severity.WARNING,
        "Mã chỉ tiêu trái với nội dung",
        "Dòng ghi mã {written} nhưng nội dung «{text}» là của chỉ tiêu {code} («{wording}»); "
        "đã đọc là chỉ tiêu {code}. Hãy sửa lại mã hoặc nội dung cho khớp.",
        "mã ghi ở dòng là của một chỉ tiêu, nội dung rõ ràng là của chỉ tiêu khác (dùng theo "
        "nội dung)",
    ),
    IssueType(
        "value-missing",
        Severity.ERROR,
        "Thiếu kết quả",
        "Chỉ tiêu {code} chưa có kết quả thực hiện. Hãy ghi số liệu (hoặc «Đạt»/«Chưa đạt» "
        "nếu chỉ tiêu không tính bằng số).",
        "ô kết quả trống; chỉ tiêu tính bằng số khi đó là «chưa rõ»",
    ),
    IssueType(
        "value-in-note",
        Severity.WARNING,
        "Kết quả ghi ở cột ghi chú",
        "Chỉ tiêu {code}: ô kết quả {value_cell} để trống, cột ghi chú ghi «{text}»; đã đọc "
        "kết quả từ ghi chú. Hãy ghi số liệu vào ô kết quả.",
        "ô kết quả trống, ô «Ghi chú» cùng dòng ghi một tỷ lệ % («Đạt 85,5%», «85,5%»): đọc "
        "tỷ lệ đó là kết quả",
    ),
    IssueType(
        "value-invalid",
        Severity.ERROR,
        "Giá trị không hợp lệ",
        "Chỉ tiêu {code}: giá trị «{raw}» không hợp lệ ({reason}).",
        "số âm, tỷ lệ ngoài 0–100, hoặc chữ ở chỉ tiêu cần số liệu (kể cả «Đạt» không kèm số; "
        "«Chưa đạt» thì được); chỉ tiêu khi đó là «chưa rõ»",
    ),
    IssueType(
        "value-estimated",
        Severity.INFO,
        "Số liệu ước tính",
        "Chỉ tiêu {code}: «{raw}» là số liệu ước tính; đã dùng {value}.",
        "ô kết quả ghi số kèm chữ ước tính («Ước đạt 92,5%», «100 (ước)»)",
    ),
    IssueType(
        "value-fraction",
        Severity.INFO,
        "Tỷ lệ ghi dạng số thập phân",
        "Cột {column} ghi {count} tỷ lệ % dạng số thập phân ({example}); đã nhân 100.",
        "mọi tỷ lệ % (theo cột đơn vị tính, cột chỉ tiêu, tiêu đề hoặc bộ tiêu chí) trong một "
        "cột kết quả đều ghi dạng 0–1 (0,855 = 85,5%)",
    ),
    IssueType(
        "value-fraction-by-verdict",
        Severity.WARNING,
        "Tỷ lệ ghi dạng số thập phân, đọc theo tự đánh giá",
        "Chỉ tiêu {code}: ô kết quả ghi {raw}, không định dạng %; chuẩn ≥{standard}% và tự "
        "đánh giá «Đạt» cho thấy đó là {percent}%, đã đọc là {percent}%. Hãy ghi rõ "
        "«{percent}%».",
        "một tỷ lệ % ghi dạng 0–1 không định dạng % (bảng lưu lại bằng chương trình khác), "
        "cột không ghi thống nhất một dạng: đọc ×100 chỉ khi mức chuẩn ghi cùng dòng là mức "
        "tối thiểu trên 1, số như đã ghi không đạt mà ×100 thì đạt, và tự đánh giá «Đạt»",
    ),
    IssueType(
        "value-in-dong",
        Severity.INFO,
        "Số tiền ghi bằng đồng",
        "Chỉ tiêu {code} tính bằng {unit} nhưng ghi «{raw}» (đồng); đã đổi ra {value} {unit}.",
        "ô kết quả của chỉ tiêu tính bằng triệu đồng ghi số từ 100.000 trở lên (ghi bằng đồng)",
    ),
    IssueType(
        "value-scale-ambiguous",
        Severity.WARNING,
        "Tỷ lệ không rõ thang",
        "Cột {column}: không rõ {cells} là tỷ lệ ghi dạng số thập phân (0,855 = 85,5%) hay "
        "đã là phần trăm, vì cột không ghi thống nhất một dạng; đã giữ nguyên như đã ghi. "
        "Hãy ghi rõ, ví dụ «85,5%».",
        "trong một cột kết quả, tỷ lệ % ghi dạng 0–1 lẫn với dạng 0–100, hoặc chỉ một tỷ lệ "
        "ghi dạng 0–1",
    ),
    IssueType(
        "value-column-chosen",
        Severity.INFO,
        "Chọn cột kết quả",
        "Biểu có nhiều cột kết quả ({columns}); đã dùng {used} ({reason}). Số liệu kỳ trước "
        "không được dùng để đánh giá.",
        "biểu có cột kết quả của nhiều năm hoặc cột ẩn: dùng cột năm báo cáo (không có thì "
        "năm gần nhất), cột đang hiện",
    ),
    IssueType(
        "sheet-chosen",
        Severity.INFO,
        "Chọn trang tự đánh giá",
        "Tệp có nhiều bản của bảng tự đánh giá, ghi khác nhau; đã đọc trang «{used}» "
        "({reason}), không đọc trang {others}. Nếu bản khác mới đúng, hãy xóa trang cũ rồi gửi "
        "lại.",
        "tệp có hai trang cùng bảng tự đánh giá, cùng được điền, ghi khác nhau («TĐG lần 1», "
        "«TĐG lần 2 (đã sửa)»): đọc bản sửa sau (tên trang, lần, ngày ký), không rõ thì trang "
        "đứng trước",
    ),
    IssueType(
        "assessment-missing",
        Severity.WARNING,
        "Thiếu tự đánh giá",
        "Chỉ tiêu {code} chưa có tự đánh giá. Hãy chọn «Đạt» hoặc «Chưa đạt».",
        "ô tự đánh giá trống",
    ),
    IssueType(
        "assessment-unreadable",
        Severity.WARNING,
        "Tự đánh giá không đọc được",
        "Chỉ tiêu {code}: không hiểu tự đánh giá «{text}». Hãy ghi «Đạt» hoặc «Chưa đạt».",
        "ô tự đánh giá có chữ nhưng không phải cách viết nào của «Đạt»/«Chưa đạt» (ví dụ «Cơ bản "
        "đạt»)",
    ),
    IssueType(
        "assessment-partial",
        Severity.WARNING,
        "Tự đánh giá chỉ đạt một phần",
        "Chỉ tiêu {code}: tự đánh giá ghi «{text}», tức mới đạt {figure}, khác kết quả "
        "{value}; đã đọc là «Chưa đạt». Hãy ghi «Đạt» hoặc «Chưa đạt».",
        "ô tự đánh giá ghi «Đạt» kèm tỷ lệ dưới 100% khác kết quả cùng dòng và khác mức chuẩn "
        "(«Đạt 80%», «Đạt 1/2 nội dung»): đạt một phần là chưa đạt",
    ),
    IssueType(
        "assessment-contradiction",
        Severity.WARNING,
        "Tự đánh giá trái với số liệu",
        "Chỉ tiêu {code}: kết quả {value} so với chuẩn {threshold} là «{computed}», "
        "nhưng đơn vị tự đánh giá «{claimed}». Hãy kiểm tra lại số liệu hoặc tự đánh giá.",
        "số liệu so với chuẩn cho kết quả khác với tự đánh giá",
    ),
    IssueType(
        "assessment-in-value",
        Severity.INFO,
        "Tự đánh giá ghi ở cột kết quả",
        "Cột {column} (kết quả) ghi «Đạt»/«Chưa đạt» ở {count} chỉ tiêu ({codes}) mà ô tự "
        "đánh giá ở cột {assessment} để trống; đã đọc đó là tự đánh giá.",
        "ô tự đánh giá trống, ô kết quả cùng dòng ghi «Đạt», «Chưa đạt» (kể cả «Đạt (100%)», "
        "«99,2% - Đạt»): đọc là tự đánh giá",
    ),
    IssueType(
        "assessment-by-criterion",
        Severity.INFO,
        "Tự đánh giá ghi theo tiêu chí",
        "Biểu ghi tự đánh giá ở dòng tiêu chí, không ở từng chỉ tiêu (tiêu chí {criteria}): "
        "chỉ tiêu của tiêu chí «Đạt» được coi là tự đánh giá «Đạt», của tiêu chí «Chưa đạt» "
        "thì kết quả theo số liệu.",
        "ô tự đánh giá chỉ có ở dòng tiêu chí, các dòng chỉ tiêu của tiêu chí đó để trống",
    ),
    IssueType(
        "criterion-contradiction",
        Severity.WARNING,
        "Tự đánh giá tiêu chí trái với các chỉ tiêu",
        "Tiêu chí {criterion}: đơn vị tự đánh giá «{claimed}» "
        "nhưng theo các chỉ tiêu là «{computed}».",
        "ô đánh giá cả tiêu chí khác với kết quả tính từ các chỉ tiêu",
    ),
    IssueType(
        "total-mismatch",
        Severity.WARNING,
        "Tổng số tiêu chí đạt không khớp",
        "Dòng tổng ghi {reported} tiêu chí đạt, nhưng theo bảng chỉ có {computed}.",
        "dòng tổng ghi số tiêu chí đạt khác số tính được",
    ),
    IssueType(
        "formula-without-value",
        Severity.ERROR,
        "Công thức chưa có kết quả",
        "Ô có công thức «{formula}» nhưng tệp không lưu kết quả (tệp chưa được mở và lưu "
        "bằng Excel). Hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi gửi lại.",
        "ô công thức mà tệp không lưu kết quả",
    ),
    IssueType(
        "deadline-invalid",
        Severity.WARNING,
        "Thời hạn không đọc được",
        "Không đọc được thời hạn «{text}». Hãy ghi ngày dạng dd/mm/yyyy, "
        "«tháng 3/2021» hoặc «quý II/2021».",
        "thời hạn trong lộ trình của xã hoặc trong kế hoạch huyện không đọc được",
    ),
    IssueType(
        "owner-invalid",
        Severity.WARNING,
        "Người phụ trách không đọc được",
        "Ô người phụ trách ghi «{text}», không phải tên người hay cơ quan nào. Hãy ghi họ tên "
        "(hoặc chức vụ, tên cơ quan) người phụ trách.",
        "ô người phụ trách trong lộ trình của xã là lỗi công thức («#REF!»), công thức, "
        "một dấu («x», «?») hoặc một số",
    ),
    IssueType(
        "recurrence-invalid",
        Severity.WARNING,
        "Chu kỳ không đọc được",
        "Không đọc được chu kỳ «{text}»: {reason}. Trong khi chờ, việc này được theo dõi "
        "như việc thường xuyên, không có hạn.",
        "ô «Lặp lại» của kế hoạch không đọc được, hoặc ghi «định kỳ» mà chưa ghi chu kỳ",
    ),
    IssueType(
        "done-log-invalid",
        Severity.WARNING,
        "Dòng ghi việc đã làm không dùng được",
        "{reason}",
        "dòng của trang «Đã thực hiện» trong kế hoạch: ngày không đọc được, mã không phải việc "
        "lặp lại, ngày trước khi việc bắt đầu",
    ),
    IssueType(
        "target-mismatch",
        Severity.WARNING,
        "Mục tiêu khác với kế hoạch",
        "{unit}: kế hoạch ({cell_text}) ghi mục tiêu «{plan}», danh sách đơn vị ghi «{registry}». "
        "Mục tiêu được lấy từ danh sách đơn vị (cột muc_tieu); hãy sửa cho khớp.",
        "mục tiêu nâng cao, kiểu mẫu của một xã trong trang «Chỉ tiêu» của kế hoạch khác với "
        "cột muc_tieu của `don_vi.xlsx`",
    ),
    IssueType(
        "commune-unknown",
        Severity.WARNING,
        "Không rõ xã thực hiện",
        "«{name}» ở cột «{column}» không phải xã, thị trấn hay mục tiêu nào trong danh sách "
        "đơn vị; ghi «Tất cả», «Nâng cao», «Kiểu mẫu» hoặc tên xã, cách nhau bằng dấu «;».",
        "ô «Xã thực hiện» của kế hoạch ghi một xã không có trong danh sách đơn vị",
    ),
    IssueType(
        "owner-unknown",
        Severity.INFO,
        "Người phụ trách chưa có trong danh bạ",
        "«{owner}» chưa có trong danh bạ nên không nhận được thư nhắc hạn; "
        "hãy bổ sung địa chỉ thư vào danh bạ.",
        "người trong kế hoạch huyện không có trong `danh_ba.xlsx` (sẽ không nhận thư)",
    ),
    IssueType(
        "encoding-converted",
        Severity.INFO,
        "Đã chuyển mã tiếng Việt",
        "Tệp dùng bảng mã cũ {encoding}; đã chuyển sang Unicode. "
        "Nên lưu lại tệp bằng phông Unicode.",
        "tệp dùng TCVN3 hoặc VNI",
    ),
    IssueType(
        "submission-late",
        Severity.INFO,
        "Nộp muộn",
        "{unit} nộp ngày {received}, sau hạn {deadline}.",
        "ngày ký (hoặc ngày sửa tệp) sau `reporting_deadline`",
    ),
]

ISSUE_TYPES: dict[str, IssueType] = {t.code: t for t in _TYPES}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in the data, located as precisely as it can be."""

    code: str
    severity: Severity
    message: str
    unit_code: str = ""
    file: str = ""
    sheet: str = ""
    cell: str = ""

    @property
    def title(self) -> str:
        return ISSUE_TYPES[self.code].title

    @property
    def location(self) -> str:
        """`file › sheet › cell`, leaving out what is unknown."""
        return " › ".join(part for part in (self.file, self.sheet, self.cell) if part)


# What a terminal or a text viewer would obey rather than show: C0 controls but tab and line
# feed, DEL, C1 controls, and the bidirectional embeddings, overrides and isolates.
# The characters but carriage return, as the inside of a regex's [class].
OBEYED_BUT_CR = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_OBEYED = re.compile(f"[\r{OBEYED_BUT_CR}]")


def shown(match: re.Match) -> str:
    """A C0 control as its picture («␛» for ESC), anything else as «�»."""
    code = ord(match[0])
    return chr(0x2400 + code) if code < 0x20 else "\ufffd"


def as_data(value: object) -> object:
    """A detail as a message shows it: text a commune typed never drives the terminal, the
    log viewer or the mail reader it is shown in (an ESC sequence clearing the screen)."""
    return _OBEYED.sub(shown, value) if isinstance(value, str) else value


QUOTED = 80  # characters of a text a message quotes («…»): a cell may hold 32,767


def excerpt(text: str, limit: int = QUOTED) -> str:
    """A text as a message quotes it: whole when short, else its first characters and «…»."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quoted_fields(template: str) -> frozenset[str]:
    """The details a template quotes («{text}»)."""
    return frozenset(re.findall(r"«\{(\w+)\}»", template))


_QUOTED_FIELDS = {t.code: _quoted_fields(t.template) for t in _TYPES}


def _detail(value: object, quoted: bool) -> object:
    """A detail as a message shows it (`as_data`), an excerpt when the message quotes it."""
    value = as_data(value)
    return excerpt(value) if quoted and isinstance(value, str) else value


def make_issue(
    kind_code: str,
    /,
    *,
    unit_code: str = "",
    file: str = "",
    sheet: str = "",
    cell: str = "",
    severity: Severity | None = None,
    **details: object,
) -> Issue:
    """Build an issue of a catalogued type, filling its message template with `details`
    (control characters in them shown, never obeyed: `as_data`; a quoted one, «{text}», cut
    to an `excerpt`).

    `details` may hold a `code` (the indicator code many templates name): the issue type's
    code is positional-only for that reason.
    """
    kind = ISSUE_TYPES[kind_code]
    quoted = _QUOTED_FIELDS[kind_code]
    if kind.advise and "advice" not in details:
        details["advice"] = kind.advise(str(details.get("reason", "")))
    return Issue(
        code=kind_code,
        severity=severity or kind.severity,
        message=kind.template.format(
            **{key: _detail(v, key in quoted) for key, v in details.items()}
        ),
        unit_code=unit_code,
        file=file,
        sheet=sheet,
        cell=cell,
    )
