"""Every output of a run on the bundled samples tells the same thing: a unit's reminder and the
feedback workbook it attaches list the same issues with the same counts, and a figure shown
under one label has one value in the master, the command line, the CSV files and the mail."""

from __future__ import annotations

import csv
import email
import io
import re
import statistics
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import date
from email import policy
from pathlib import Path

import openpyxl
import pytest
from support.render import needs_libreoffice, printed_pages, printed_words

from ntm_excel.check.consolidate import consolidate_from_config
from ntm_excel.check.figures import IssueCounts, unit_issues
from ntm_excel.cli import main
from ntm_excel.config import BUNDLED, load_config
from ntm_excel.issues import ISSUE_TYPES
from ntm_excel.reference.registry import load_registry

COUNTS = re.compile(r"có (\d+) lỗi cần sửa(?:, (\d+) cảnh báo cần kiểm tra)?\.")
NOTE = re.compile(r"— (\d+) lỗi phải sửa, (\d+) cảnh báo cần kiểm tra")
AS_OF = "2021-03-25"


@dataclass
class Run:
    """What the README's set-up command and two jobs wrote in a scratch folder."""

    folder: Path
    printed: str  # what `consolidate` printed

    def mails(self, job: str) -> dict[str, email.message.EmailMessage]:
        """The job's mail in the outbox (no mail server), by recipient."""
        found = {}
        for path in sorted((self.folder / "out" / "outbox").glob(f"*_{job}_*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            found[str(message["To"].addresses[0].addr_spec)] = message
        return found

    def csv(self, name: str) -> list[dict[str, str]]:
        with open(self.folder / "out" / "csv" / name, encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    """In a scratch folder, with the bundled configuration: `consolidate workbooks/mau_nop`,
    then the weekly summary and the unit reminders."""
    folder = tmp_path_factory.mktemp("thu")
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("NTM_STATE_DIR", str(folder / "var"))
        with redirect_stdout(out):
            assert main(["consolidate", str(BUNDLED / "mau_nop"), "--as-of", AS_OF]) == 0
            for job in ("weekly-summary", "unit-reminders"):
                assert main(["jobs", "once", job, "--as-of", AS_OF]) == 0
    return Run(folder, out.getvalue())


@pytest.fixture(scope="module")
def reminders(run) -> dict[str, email.message.EmailMessage]:
    return run.mails("unit-reminders")


def listed(message) -> list[str]:
    """The severities of the issues a reminder lists."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"^- (Lỗi|Cảnh báo) — ", text, flags=re.MULTILINE)


def attached_list(message) -> tuple[tuple[int, int], list[tuple[str, str, str]]]:
    """The counts the attached «Góp ý» sheet states, and its rows (severity, code, content)."""
    [part] = [p for p in message.iter_attachments()]
    sheet = openpyxl.load_workbook(io.BytesIO(part.get_content()))["Góp ý"]
    counts = tuple(map(int, NOTE.search(sheet["A2"].value).groups()))
    found = [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]]
    for row in found:  # the Vietnamese title beside each code (the README's catalogue)
        assert row[2] == ISSUE_TYPES[row[6]].title
    rows = [(r[1], r[6], r[5]) for r in found]
    return counts, rows


def test_every_reminder_counts_and_lists_what_its_attachment_lists(reminders):
    with_feedback = [m for m in reminders.values() if any(m.iter_attachments())]
    assert len(with_feedback) >= 8
    for message in with_feedback:
        text = message.get_body(preferencelist=("plain",)).get_content()
        errors, warnings = (int(n or 0) for n in COUNTS.search(text).groups())
        (sheet_errors, sheet_warnings), rows = attached_list(message)
        assert (errors, warnings) == (sheet_errors, sheet_warnings), message["Subject"]
        severities = [severity for severity, _, _ in rows]
        assert (severities.count("Lỗi"), severities.count("Cảnh báo")) == (errors, warnings)
        assert listed(message) == ["Lỗi"] * errors + ["Cảnh báo"] * warnings
        assert f"có {errors} lỗi cần sửa" in message["Subject"]


def test_an_unreadable_resend_is_in_the_mail_and_in_the_feedback(reminders):
    """Cẩm Hưng's newer file cannot be read: the reminder and the «Góp ý» sheet both name it,
    with the two warnings about the workbook used; so does Cẩm Trung's password-protected one."""
    hung = reminders["ubnd.camhung@camxuyen.example.org"]
    text = hung.get_body(preferencelist=("plain",)).get_content()
    assert "Xã Cẩm Hưng: biểu tự đánh giá có 1 lỗi cần sửa, 3 cảnh báo cần kiểm tra." in text
    assert "- Lỗi — cam_hung_gui_lai_loi.xlsx: Không đọc được tệp" in text
    assert "- Cảnh báo — xa_cam_hung.xls › Biểu tự đánh giá › F48: Chỉ tiêu 14.2" in text
    assert "trang «Góp ý» của tệp đính kèm «Góp ý - Xã Cẩm Hưng.xlsx»" in text
    (counts, rows) = attached_list(hung)
    assert counts == (1, 3)
    assert rows[0][:2] == ("Lỗi", "file-unreadable")
    assert rows[0][2].startswith("Tệp «cam_hung_gui_lai_loi.xlsx»: Không đọc được tệp")
    assert "unit-newest-unreadable" in [code for _, code, _ in rows]

    trung = reminders["ubnd.camtrung@camxuyen.example.org"]
    (counts, rows) = attached_list(trung)
    assert counts == (2, 1) and "có 2 lỗi cần sửa" in trung["Subject"]
    assert any("xa_cam_trung_co_mat_khau.xlsx" in content for _, _, content in rows)


def test_a_units_counts_are_the_issues_it_is_told():
    """Everywhere a unit's errors and warnings are counted (master, CSV, mails), they are the
    errors and warnings of `unit_issues`: what its reminder and feedback workbook list."""
    consolidation = consolidate_from_config(
        [BUNDLED / "mau_nop"], load_config(), as_of=date(2021, 3, 25)
    )
    for report in consolidation.units:
        if report.submitted:
            counts = IssueCounts.of(unit_issues(report.unit.code, consolidation.issues))
            assert (counts.errors, counts.warnings) == (report.errors, report.warnings)


def summary_figures(book) -> dict[str, object]:
    """Label → value of the master's «Tổng hợp» key figures (column A → column B)."""
    sheet = book["Tổng hợp"]
    return {
        str(row[0]).strip(): row[1]
        for row in sheet.iter_rows(min_row=4, max_col=2, values_only=True)
        if row[0] is not None and row[1] is not None
    }


def mail_figures(message) -> dict[str, str]:
    """Label → value of the weekly summary's key figures ("- Label: value")."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    head = text.split("CHỈ TIÊU CỦA KẾ HOẠCH")[0]
    return dict(re.findall(r"^- (.+?): (.+?)\s*$", head, flags=re.MULTILINE))


def test_one_label_one_figure_in_master_cli_csv_and_mail(run):
    book = openpyxl.load_workbook(run.folder / "out" / "tong_hop.xlsx")
    master = summary_figures(book)
    [weekly, *_] = run.mails("weekly-summary").values()
    mail = mail_figures(weekly)
    units, issues = run.csv("units.csv"), run.csv("issues.csv")
    expected = {u.code for u in load_registry(load_config().registry).expected()}
    submitted = [u for u in units if u["unit_code"] in expected and u["submitted"] == "yes"]
    printed = run.printed

    # units that submitted, meeting all their criteria
    assert master["Số đơn vị đã nộp"] == len(submitted) == 20 and len(expected) == 21
    assert f"Đơn vị đã nộp: {len(submitted)}/21" in printed
    assert mail["Đơn vị đã nộp báo cáo"] == f"{len(submitted)} / 21"
    meeting = master["Số đơn vị đạt đủ 20 tiêu chí"]
    assert f"Đơn vị đạt đủ 20 tiêu chí: {meeting}/21" in printed
    assert mail["Đơn vị đạt đủ 20 tiêu chí"] == str(meeting)
    assert meeting == sum(u["criteria_met"] == u["criteria_total"] for u in submitted)

    # errors: every error (the «Lỗi dữ liệu» sheet, issues.csv), and those in what the units
    # that submitted sent (the units' own counts)
    all_errors = sum(i["severity"] == "error" for i in issues)
    assert master["Số lỗi dữ liệu (phải sửa), kể cả đơn vị chưa nộp"] == all_errors == 13
    warnings = sum(i["severity"] == "warning" for i in issues)
    assert master["Số cảnh báo (cần kiểm tra)"] == warnings
    assert f"Dữ liệu: {all_errors} lỗi (kể cả đơn vị chưa nộp), {warnings} cảnh báo" in printed
    in_workbooks = sum(int(u["errors"]) for u in submitted)
    with_errors = sum(int(u["errors"]) > 0 for u in submitted)
    assert master["trong đó lỗi trong biểu của các đơn vị đã nộp"] == in_workbooks == 12
    assert (
        f"  {in_workbooks} lỗi trong biểu của các đơn vị đã nộp, ở {with_errors} đơn vị" in printed
    )
    assert mail["Lỗi trong biểu của các đơn vị đã nộp"] == f"{in_workbooks}, ở {with_errors} đơn vị"
    beside = {c.value: c.offset(0, 2).value for c in book["Tổng hợp"]["A"] if c.value}
    assert beside["   trong đó lỗi trong biểu của các đơn vị đã nộp"] == f"ở {with_errors} đơn vị"

    # tasks
    overdue, due_soon = master["Số nhiệm vụ quá hạn"], master["Số nhiệm vụ sắp đến hạn"]
    assert f"Nhiệm vụ: {overdue} quá hạn, {due_soon} sắp đến hạn" in printed
    assert (mail["Việc quá hạn"], mail["Việc sắp đến hạn"]) == (str(overdue), str(due_soon))

    # criteria met, summed over the units that submitted
    history = book["Lịch sử nộp"]
    header = next(r for r in history.iter_rows(values_only=True) if r[0] == "Kỳ báo cáo")
    [period] = [r for r in history.iter_rows(values_only=True) if r[0] == "Tháng 3/2021" and r[2]]
    by_heading = dict(zip(header, period, strict=False))
    total = sum(int(u["criteria_met"]) for u in submitted)
    assert (
        by_heading["Tổng số tiêu chí đạt"]
        == total
        == int(mail["Tổng số tiêu chí đạt (các đơn vị đã nộp)"])
    )
    assert by_heading["Xã đạt đủ tiêu chí"] == meeting


def test_the_precondition_reads_the_same_on_both_sheets(run):
    """«Điều kiện: 100% số xã đạt chuẩn» is on the summary's district block and on «Tiêu chí
    huyện»: the same words, the same verdict and count; and the district workbook's criterion
    0, computed from the communes, agrees with it."""
    book = openpyxl.load_workbook(run.folder / "out" / "tong_hop.xlsx")
    summary = [r for r in book["Tổng hợp"].iter_rows(values_only=True) if r[0]]
    district = [r for r in book["Tiêu chí huyện"].iter_rows(values_only=True) if r[1]]
    [(label, verdict, *_)] = [r for r in summary if str(r[0]).startswith("Điều kiện: 100%")]
    [(_, words, sheet_verdict, note)] = [
        r for r in district if str(r[1]).startswith("Điều kiện: 100%")
    ]
    assert label == f"{words} ({note})" and verdict == sheet_verdict == "✗ Chưa đạt"
    assert note == "4/21 xã đạt đủ tiêu chí"
    [(_, criterion_0, *_)] = [r for r in summary if str(r[0]).startswith("0. ")]
    assert criterion_0 == verdict
    [(number, _, district_0, _)] = [r for r in district if r[0] == "0"]
    assert district_0 == verdict


@needs_libreoffice
def test_the_history_sheet_prints_readably(run, tmp_path):
    """«Lịch sử nộp» on A4 landscape, one page wide, at nearly full size (it printed at about
    two thirds, the year's figures squeezed), and «374» and «9/10» of block I apart."""
    master = run.folder / "out" / "tong_hop.xlsx"
    pages = printed_pages(master, tmp_path / "pdf")
    words = printed_words(tmp_path / "pdf" / "tong_hop.pdf")
    history = [w for p, w in zip(pages, words, strict=True) if "LỊCH SỬ NỘP BÁO CÁO" in p]
    [first] = history
    assert statistics.median(w.height for w in first) >= 10
    [total] = [w for w in first if w.text == "374"]
    [district] = [w for w in first if w.text == "9/10"]
    assert abs(total.top - district.top) < 1 and district.left - total.right >= 3
    assert max(w.right for w in first) <= 842 - 20
