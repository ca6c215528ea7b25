"""Building the officials' daily digests, the weekly summary and the unit reminders from a
Consolidation built here (no workbook reading involved)."""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from datetime import date, datetime

import openpyxl
import pytest

from ntm_excel.check.figures import Headline
from ntm_excel.config import MailSettings
from ntm_excel.issues import make_issue
from ntm_excel.jobs.digest import (
    build_daily_digests,
    daily_mails,
    reminder_mails,
    summary_figures,
    task_key,
    weekly_mails,
)
from ntm_excel.jobs.mail import compose
from ntm_excel.jobs.mail_text import MAX_TEXT, due_phrase
from ntm_excel.model import (
    Consolidation,
    CriterionResult,
    Status,
    Submission,
    Task,
    TaskState,
    TaskStatus,
    Unit,
    UnitReport,
)
from ntm_excel.reference.contacts import ALL_COMMUNES, Contact, Contacts

AS_OF = date(2021, 3, 25)
DEADLINE = date(2021, 3, 15)
CRITERIA = {2: "Giao thông", 5: "Trường học", 13: "Tổ chức sản xuất", 17: "Môi trường"}
SCRIPT = "Nâng cấp đường <script>alert(1)</script> thôn Nam"
FORMULA = '=HYPERLINK("http://x.example.org","bấm")'


def unit(code, name, *, expected=True, email="", supervisors=()) -> Unit:
    return Unit(
        code=code,
        name=name,
        kind="xã",
        district="Huyện Cẩm Xuyên",
        province="Hà Tĩnh",
        region="Bắc Trung Bộ",
        expected=expected,
        contact_name=f"UBND {name}" if email else "",
        email=email,
        supervisors=tuple(supervisors),
    )


def submission(code: str) -> Submission:
    return Submission(
        path=f"/inbox/{code}.xlsx",
        file_name=f"{code}.xlsx",
        sha256=code * 4,
        size=1000,
        modified=datetime(2021, 3, 10, 8, 0),
        unit_code=code,
        unit_text=code,
    )


def report(u: Unit, *, submitted=True, met=(), errors=0, warnings=0) -> UnitReport:
    criteria = [
        CriterionResult(u.code, n, name, Status.MET if n in met else Status.NOT_MET)
        for n, name in CRITERIA.items()
    ]
    return UnitReport(
        unit=u,
        submission=submission(u.code) if submitted else None,
        criteria=criteria if submitted else [],
        errors=errors if submitted else 1,  # consolidate counts "not submitted" as one error
        warnings=warnings,
    )


def status(text, due, *, owners=(), directors=(), unit_code="", criterion=2, as_of=AS_OF, **extra):
    task = Task(
        source="unit" if unit_code else "plan",
        unit_code=unit_code,
        criterion_no=criterion,
        text=text,
        deadline_text=f"trước ngày {due:%d/%m/%Y}",
        due=due,
        owners=tuple(owners),
        directors=tuple(directors),
        done=extra.pop("done", False),
        milestone=extra.pop("milestone", ""),
    )
    days = (due - as_of).days
    if task.done:
        state = TaskState.DONE
    elif days < 0:
        state = TaskState.OVERDUE
    elif days <= 7:
        state = TaskState.DUE_SOON
    else:
        state = TaskState.ON_TRACK
    return TaskStatus(task, state, days_late=max(0, -days), days_left=None if task.done else days)


CAM_THANH = unit("18694", "Xã Cẩm Thành", email="ubnd.camthanh@camxuyen.example.org")
CAM_BINH = unit(
    "18685", "Xã Cẩm Bình", email="ubnd.cambinh@camxuyen.example.org", supervisors=["Lê Văn Danh"]
)
CAM_VINH = unit(
    "18691",
    "Xã Cẩm Vĩnh",
    email="ubnd.camvinh@camxuyen.example.org",
    supervisors=["Đ/c Phạm Hoàng Anh – Phó Chủ tịch UBND huyện"],
)
CAM_QUANG = unit("18697", "Xã Cẩm Quang", expected=False)
CAM_LAC = unit("18748", "Xã Cẩm Lạc")  # no e-mail address
DISTRICT = UnitReport(
    unit=Unit("436", "Huyện Cẩm Xuyên", "huyện", "Huyện Cẩm Xuyên", "Hà Tĩnh", "Bắc Trung Bộ"),
    criteria=[  # the plan's tasks count the district's criteria
        CriterionResult("436", 2, "Giao thông", Status.MET),
        CriterionResult("436", 7, "Môi trường", Status.NOT_MET),
    ],
)


def default_tasks(as_of: date) -> list[TaskStatus]:
    s = functools.partial(status, as_of=as_of)
    return [
        s(SCRIPT, date(2021, 3, 15), owners=["Lê Ngọc Hà"], directors=["Phạm Hoàng Anh"]),
        s(FORMULA, date(2021, 3, 25), owners=["Lê Ngọc Hà"], criterion=7),
        s(
            "Xây dựng điểm trường",
            date(2021, 3, 30),
            owners=["Đ/c Lê Ngọc Hà – Phó Chủ tịch UBND huyện"],
            unit_code="18685",
            criterion=5,
        ),
        s("Thành lập hợp tác xã", date(2021, 3, 1), owners=["Trần Huy Nghĩa"], criterion=5),
        s("Việc của người lạ", date(2021, 3, 20), owners=["Ông Không Có Tên"]),
        s("Việc đã xong", date(2021, 3, 1), owners=["Lê Ngọc Hà"], done=True),
        s("Việc còn xa", date(2021, 5, 1), owners=["Lê Ngọc Hà"]),
        s("Cầu Khe Dẻ", date(2021, 2, 28), owners=["Lê Ngọc Hà"], milestone="khởi công"),
    ]


def consolidation(as_of: date = AS_OF, tasks=None, units=None, district=DISTRICT) -> Consolidation:
    if units is None:
        units = [
            report(CAM_THANH, met=CRITERIA),
            report(CAM_BINH, met=(2, 5), errors=3, warnings=1),
            report(CAM_VINH, submitted=False),
            report(CAM_QUANG, submitted=False),
            report(CAM_LAC, met=CRITERIA),
        ]
    if tasks is None:
        tasks = default_tasks(as_of)
    issues = [
        make_issue(
            "value-invalid",
            unit_code="18685",
            file="18685.xlsx",
            sheet="Tiêu chí",
            cell="D17",
            code="2.1",
            raw="<b>nhiều</b>",
            reason="không phải số",
        )
    ]
    return Consolidation(
        as_of=as_of,
        catalog_set="xa_2016_2020",
        units=units,
        tasks=tasks,
        issues=issues,
        criteria_names=dict(CRITERIA),
        district=district,
    )


CONTACTS = Contacts(
    (
        Contact(
            "Phạm Hoàng Anh", "Phó Chủ tịch UBND huyện", "UBND huyện", "anh.ph@camxuyen.example.org"
        ),
        Contact(
            "Lê Ngọc Hà",
            "Phó Chủ tịch UBND huyện",
            "UBND huyện",
            "ha.ln@camxuyen.example.org",
            communes=("Cẩm Bình",),
        ),
        Contact(
            "Lê Văn Danh", "Trưởng phòng NN&PTNT", "Phòng NN&PTNT", "danh.lv@camxuyen.example.org"
        ),
        Contact("Trần Huy Nghĩa", "Giám đốc Trung tâm Y tế", "Trung tâm Y tế", ""),
        Contact("Nguyễn Văn Rảnh", "Chuyên viên", "Phòng Kinh tế", "ranh.nv@camxuyen.example.org"),
    )
)


def by_recipient(mails):
    return {m.key.recipient: m for m in mails}


def test_due_wording_today_is_not_overdue():
    assert due_phrase(status("a", date(2021, 3, 15)), AS_OF) == "quá hạn 10 ngày"
    assert due_phrase(status("a", date(2021, 3, 25)), AS_OF) == "đến hạn hôm nay"
    assert due_phrase(status("a", date(2021, 3, 30)), AS_OF) == "còn 5 ngày"


def test_each_official_gets_their_tasks_grouped_and_ordered():
    built = build_daily_digests(consolidation(), CONTACTS, deadline=DEADLINE)
    digests = {d.contact.name: d for d in built.digests}
    assert sorted(digests) == ["Lê Ngọc Hà", "Lê Văn Danh", "Phạm Hoàng Anh", "UBND Xã Cẩm Bình"]
    # the commune is reminded of its own roadmap's task
    commune = digests["UBND Xã Cẩm Bình"]
    assert [(ln.text, ln.role) for ln in commune.due_soon] == [
        ("Xây dựng điểm trường", "lộ trình của xã")
    ]
    ha = digests["Lê Ngọc Hà"]
    assert [(ln.text, ln.when) for ln in ha.overdue] == [
        ("Cầu Khe Dẻ (khởi công)", "quá hạn 25 ngày"),
        (SCRIPT, "quá hạn 10 ngày"),
    ]
    assert [(ln.text, ln.when, ln.unit) for ln in ha.due_soon] == [
        (FORMULA, "đến hạn hôm nay", "Cấp huyện"),
        ("Xây dựng điểm trường", "còn 5 ngày", "Xã Cẩm Bình"),
    ]
    assert ha.due_soon[1].criterion == "Tiêu chí 5 – Trường học"  # a commune's task
    assert ha.due_soon[0].criterion == "Tiêu chí huyện 7 – Môi trường"  # the plan's
    bare = build_daily_digests(consolidation(district=None), CONTACTS).digests
    officials = [d for d in bare if d.due_soon and d.contact.name != "UBND Xã Cẩm Bình"]
    assert [d.due_soon[0].criterion for d in officials] == ["Tiêu chí huyện 7"]
    assert [u.report.unit.name for u in ha.units] == ["Xã Cẩm Bình"]  # Contact.communes
    anh = digests["Phạm Hoàng Anh"]
    assert [(ln.text, ln.role) for ln in anh.overdue] == [(SCRIPT, "chỉ đạo")]
    assert [(u.report.unit.name, u.problem) for u in anh.units] == [
        ("Xã Cẩm Vĩnh", "chưa nộp biểu tự đánh giá (hạn nộp 15/03/2021, đã quá 10 ngày)")
    ]
    danh = digests["Lê Văn Danh"]
    assert not danh.overdue and not danh.due_soon
    assert [u.problem for u in danh.units] == [
        "biểu tự đánh giá có 3 lỗi cần sửa, 1 cảnh báo cần kiểm tra"
    ]
    # Reported, not mailed: no address, not in the contact book.
    assert built.no_email == ["Trần Huy Nghĩa"]
    assert built.unmatched == ["Ông Không Có Tên"]


def test_the_office_follows_every_unit_and_is_greeted_as_an_office():
    office = Contact(
        "Văn phòng điều phối NTM huyện",
        "Cơ quan thường trực",
        "UBND huyện",
        "vpdp.ntm@camxuyen.example.org",
        communes=(ALL_COMMUNES,),
    )
    mails = daily_mails(consolidation(), Contacts((office,)), deadline=DEADLINE).mails
    [mail] = [m for m in mails if m.key.recipient == office.email]
    assert mail.text.startswith("Kính gửi Văn phòng điều phối NTM huyện,")
    assert "các việc đơn vị phụ trách" in mail.text
    for name in ("Xã Cẩm Bình", "Xã Cẩm Vĩnh"):  # errors, not submitted
        assert name in mail.text
    for name in ("Xã Cẩm Thành", "Xã Cẩm Quang"):  # all fine; not expected to submit
        assert name not in mail.text


def test_daily_mail_subject_body_and_escaping():
    mails = by_recipient(daily_mails(consolidation(), CONTACTS, deadline=DEADLINE).mails)
    assert "ranh.nv@camxuyen.example.org" not in mails  # nothing to report, no mail
    ha = mails["ha.ln@camxuyen.example.org"]
    assert ha.key.job == "daily-digest" and ha.key.period == "2021-03-25"
    assert ha.subject == (
        "[NTM Cẩm Xuyên] Nhắc việc ngày 25/03/2021: 2 việc quá hạn, 2 việc sắp đến hạn, "
        "1 đơn vị cần đôn đốc"
    )
    anh = mails["anh.ph@camxuyen.example.org"]
    assert anh.subject.endswith("1 việc quá hạn, 1 đơn vị cần đôn đốc")
    text = ha.text
    assert text.startswith("Kính gửi đồng chí Lê Ngọc Hà – Phó Chủ tịch UBND huyện,")
    assert text.index("QUÁ HẠN (2 VIỆC)") < text.index("SẮP ĐẾN HẠN (2 VIỆC)")
    assert (
        f"- {SCRIPT}\n  Tiêu chí huyện 2 – Giao thông · Cấp huyện · hạn 15/03/2021 · "
        "quá hạn 10 ngày" in text
    )
    assert f"- {FORMULA}\n" in text
    assert "<" not in text.replace(SCRIPT, "")  # no markup in the text part
    # HTML: every value escaped, nothing from the data becomes markup or a link.
    assert "<script>" not in ha.html and "alert(1)&lt;/script&gt;" in ha.html
    assert escape_free(ha.html) == [
        "b",
        "body",
        "h3",
        "head",
        "html",
        "meta",
        "p",
        "table",
        "td",
        "th",
        "tr",
    ]
    assert "=HYPERLINK(&quot;http://x.example.org&quot;,&quot;bấm&quot;)" in ha.html
    assert "<a " not in ha.html


def escape_free(html: str) -> list[str]:
    """The tags in an HTML document (only the ones the template writes may appear)."""
    return sorted({t.lower() for t in re.findall(r"<\s*([a-zA-Z0-9]+)", html)})


def test_nothing_to_report_means_no_mail():
    quiet = consolidation(
        tasks=[status("Việc còn xa", date(2021, 5, 1), owners=["Lê Ngọc Hà"])],
        units=[report(CAM_THANH, met=CRITERIA)],
    )
    out = daily_mails(quiet, CONTACTS, deadline=DEADLINE)
    assert out.mails == [] and out.unmatched == [] and out.no_email == []


def test_weekly_figures_and_changes_since_last_week(tmp_path):
    master = tmp_path / "tong_hop.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "Bảng tổng hợp"
    book.save(master)
    now = consolidation(as_of=date(2021, 3, 22))
    figures = summary_figures(now)
    assert (figures.units_expected, figures.units_submitted) == (4, 3)
    assert figures.communes_all_met == 2
    assert figures.criteria_met == 4 + 2 + 4
    assert (figures.errors, figures.units_with_errors) == (3, 1)
    assert (figures.overdue_tasks, figures.due_soon_tasks) == (4, 1)
    cau = next(t for t in now.tasks if t.task.text == "Cầu Khe Dẻ")
    before = Headline.from_dict(
        {
            "units_expected": 4,
            "units_submitted": 1,
            "communes_all_met": 1,
            "criteria_met": 4,
            "errors": 5,
            "overdue_tasks": 1,
            "overdue_keys": [task_key(cau)],
        }
    )
    mails, returned = weekly_mails(
        now,
        ["le.ngoc.ha@camxuyen.example.org", "ha.ln@camxuyen.example.org", " "],
        previous=("2021-W11", before),
        master=master,
        contacts=CONTACTS,
    )
    assert returned == figures
    assert [m.key.recipient for m in mails] == [
        "le.ngoc.ha@camxuyen.example.org",
        "ha.ln@camxuyen.example.org",
    ]
    assert [m.to_name for m in mails] == ["", "Lê Ngọc Hà"]
    mail = mails[0]
    assert mail.key.period == "2021-W12"
    assert mail.subject == (
        "[NTM Cẩm Xuyên] Báo cáo tuần 12/2021: 3/4 đơn vị đã nộp, 2 đơn vị đạt đủ tiêu chí, "
        "4 việc quá hạn"
    )
    assert "thay đổi so với tuần 11/2021" in mail.text
    assert "- Đơn vị đã nộp báo cáo: 3 (+2) / 4" in mail.text
    assert "- Đơn vị đạt đủ 4 tiêu chí: 2 (+1)" in mail.text
    assert "- Tổng số tiêu chí đạt (các đơn vị đã nộp): 10 (+6)" in mail.text
    assert "- Lỗi trong biểu của các đơn vị đã nộp: 3 (-2), ở 1 đơn vị" in mail.text
    assert "- Việc quá hạn: 4 (+3)" in mail.text
    assert "VIỆC MỚI QUÁ HẠN TRONG TUẦN (3 VIỆC)" in mail.text
    assert "Cầu Khe Dẻ" not in mail.text  # it was already late last week
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    [attachment] = mail.attachments
    assert (attachment.path, attachment.filename) == (master, "Tổng hợp NTM 2021-03-22.xlsx")


def test_first_weekly_summary_says_there_is_nothing_to_compare():
    mails, _ = weekly_mails(consolidation(), ["ha.ln@camxuyen.example.org"])
    assert "Chưa có số liệu tuần trước để so sánh." in mails[0].text
    assert mails[0].attachments == ()
    assert Headline.from_dict(summary_figures(consolidation()).to_dict()) == summary_figures(
        consolidation()
    )


def test_unit_reminders_after_the_deadline_and_for_errors(tmp_path):
    feedback = tmp_path / "Góp ý - Xã Cẩm Bình.xlsx"
    openpyxl.Workbook().save(feedback)
    out = reminder_mails(consolidation(), deadline=DEADLINE, feedback={"18685": feedback})
    mails = by_recipient(out.mails)
    assert sorted(mails) == [
        "ubnd.cambinh@camxuyen.example.org",
        "ubnd.camvinh@camxuyen.example.org",
    ]
    vinh = mails["ubnd.camvinh@camxuyen.example.org"]
    assert vinh.key.job == "unit-reminders" and vinh.key.period == "2021-03-25"
    assert (
        vinh.subject == "[NTM Cẩm Xuyên] Xã Cẩm Vĩnh: chưa nộp biểu tự đánh giá (quá hạn 10 ngày)"
    )
    assert vinh.attachments == ()
    binh = mails["ubnd.cambinh@camxuyen.example.org"]
    assert binh.subject == "[NTM Cẩm Xuyên] Xã Cẩm Bình: biểu tự đánh giá có 3 lỗi cần sửa"
    assert "18685.xlsx › Tiêu chí › D17: Chỉ tiêu 2.1: giá trị «<b>nhiều</b>»" in binh.text
    assert "<b>nhiều" not in binh.html and "&lt;b&gt;nhiều&lt;/b&gt;" in binh.html
    assert [(a.path, a.filename) for a in binh.attachments] == [(feedback, feedback.name)]
    assert out.no_email == []  # Cẩm Lạc has no address but nothing to be reminded of


@pytest.mark.parametrize("as_of, expected", [(DEADLINE, []), (date(2021, 3, 16), ["Xã Cẩm Lạc"])])
def test_not_submitted_is_reminded_only_after_the_deadline(as_of, expected):
    late = consolidation(as_of=as_of, units=[report(CAM_LAC, submitted=False)])
    out = reminder_mails(late, deadline=DEADLINE)
    assert out.mails == [] and out.no_email == expected


def test_units_sharing_an_address_get_one_reminder():
    shared = "vanphong@camxuyen.example.org"
    units = [
        report(unit("18694", "Xã Cẩm Thành", email=shared), submitted=False),
        report(unit("18685", "Xã Cẩm Bình", email=shared.upper()), errors=2),
    ]
    [mail] = reminder_mails(consolidation(units=units), deadline=DEADLINE).mails
    assert mail.subject == (
        "[NTM Cẩm Xuyên] Nhắc nộp, sửa biểu tự đánh giá: Xã Cẩm Thành, Xã Cẩm Bình"
    )
    assert (
        "Xã Cẩm Thành: chưa nộp" in mail.text
        and "Xã Cẩm Bình: biểu tự đánh giá có 2 lỗi" in mail.text
    )


def test_only_plan_officials_missing_from_the_contact_book_are_reported():
    tasks = [
        status("Việc của huyện", date(2021, 3, 20), owners=["Ông Không Có Tên"]),
        status(
            "Việc của xã", date(2021, 3, 20), owners=["Cán bộ xã Hoàng Văn Sơn"], unit_code="18685"
        ),
    ]
    built = build_daily_digests(consolidation(tasks=tasks), CONTACTS, deadline=DEADLINE)
    assert built.unmatched == ["Ông Không Có Tên"]  # the commune's own staff are not expected


def test_a_huge_cell_does_not_make_a_huge_mail():
    """A 10 MB task text (a roadmap cell) is cut in the mail, with a note saying so; a 10 MB
    invalid value is quoted in part by its issue; the composed message stays small."""
    huge = "Xây dựng đường giao thông nông thôn " + "rất dài " * 1_300_000
    tasks = [status(huge, date(2021, 3, 20), owners=["Lê Ngọc Hà"])]
    ha = by_recipient(daily_mails(consolidation(tasks=tasks), CONTACTS).mails)[
        "ha.ln@camxuyen.example.org"
    ]
    left_out = f"{len(huge) - MAX_TEXT:,}".replace(",", ".")
    note = f"… [đã cắt bớt {left_out} ký tự; xem đầy đủ trong biểu gốc]"
    assert f"- {huge[:MAX_TEXT]}{note}\n" in ha.text and note in ha.html
    message = compose(ha, MailSettings())
    assert len(message.as_bytes()) < 50_000

    cut = consolidation()
    cut.issues[0] = make_issue(
        "value-invalid", unit_code="18685", file="18685.xlsx", sheet="Tiêu chí", cell="D17",
        code="2.1", raw=huge, reason="không phải số",
    )  # fmt: skip
    binh = by_recipient(reminder_mails(cut, deadline=DEADLINE).mails)[
        "ubnd.cambinh@camxuyen.example.org"
    ]
    # the issue quotes the value's first characters («…»): no cut needed in the mail
    assert "«Xây dựng đường giao thông nông thôn rất dài" in binh.text and "…»" in binh.text
    assert len(compose(binh, MailSettings()).as_bytes()) < 50_000


def test_a_unit_whose_file_could_not_be_read_is_told_why_in_its_reminder():
    late = consolidation(units=[report(CAM_VINH, submitted=False)])
    late.issues.append(
        make_issue(
            "file-unreadable",
            unit_code=CAM_VINH.code,
            file="20210312-100000_18691_bao_cao.xlsx",
            reason="tệp có mật khẩu",
        )
    )
    [mail] = reminder_mails(late, deadline=DEADLINE).mails
    assert (
        "- 20210312-100000_18691_bao_cao.xlsx: Không đọc được tệp: tệp có mật khẩu. Hãy mở tệp "
        "bằng Excel" in mail.text
    )
    assert "<td" in mail.html and "tệp có mật khẩu" in mail.html


def test_mail_names_the_office_of_the_area_consolidated():
    """A province's consolidation is signed by the province's office, the country's by the
    central office: never by the district of whichever commune comes first."""
    other = replace(unit("16744", "Xã Đồng Văn", email="dv@example.org"), district="Huyện Kỳ Anh")
    province = consolidation(
        units=[report(CAM_THANH, met=CRITERIA), UnitReport(other)], district=None
    )
    [mail] = reminder_mails(province, deadline=DEADLINE).mails
    assert mail.subject.startswith("[NTM Hà Tĩnh]")
    assert "Văn phòng điều phối NTM tỉnh Hà Tĩnh" in mail.text
    country = consolidation(
        units=[
            report(CAM_THANH, met=CRITERIA),
            UnitReport(replace(other, province="Nghệ An")),
        ],
        district=None,
    )
    [mail] = reminder_mails(country, deadline=DEADLINE).mails
    assert mail.subject.startswith("[NTM]") and "Trung ương" in mail.text
    [mail] = reminder_mails(consolidation(units=[UnitReport(other)]), deadline=DEADLINE).mails
    assert "Văn phòng điều phối NTM huyện Cẩm Xuyên" in mail.text  # the district's own run


def test_a_new_mail_ledger_is_said_aloud(tmp_path, capsys):
    """Run from another folder, a relative `var/` is a new ledger: every mail would go again."""
    from ntm_excel.cli import main

    argv = ["digest", "--as-of", "2021-03-25", "--state-dir", str(tmp_path / "var")]
    assert main(argv) == 0
    assert f"Chưa có sổ thư trong {tmp_path / 'var'}: đã tạo sổ mới" in capsys.readouterr().err
    assert main(argv) == 0
    assert "Chưa có sổ thư" not in capsys.readouterr().err


def test_two_officials_sharing_one_address_are_both_greeted_in_its_one_mail():
    """Lê Văn Danh was given Phạm Hoàng Anh's address: one mail carries both men's tasks,
    and it greets both (it greeted only one)."""
    shared = Contacts(
        tuple(
            replace(c, email="anh.ph@camxuyen.example.org") if c.name == "Lê Văn Danh" else c
            for c in CONTACTS.contacts
        )
    )
    mails = by_recipient(daily_mails(consolidation(), shared, deadline=DEADLINE).mails)
    text = mails["anh.ph@camxuyen.example.org"].text
    assert text.startswith(
        "Kính gửi đồng chí Phạm Hoàng Anh – Phó Chủ tịch UBND huyện; "
        "đồng chí Lê Văn Danh – Trưởng phòng NN&PTNT,"
    )
    assert "danh.lv@camxuyen.example.org" not in mails
