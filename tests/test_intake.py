"""Submissions by mail, end to end: a real IMAP server (pymap, started here on 127.0.0.1), a
real SMTP server (aiosmtpd), real workbooks, the real consolidation and the state database.

The office mailbox receives good, broken, zipped and duplicate submissions, mail that is not a
submission, a bounce and a hostile message; the `collect` job saves each spreadsheet once,
answers each message once (a section per file) in the commune's own thread, and a second run
fetches and sends nothing. The server going away mid-fetch (killed) loses and duplicates nothing.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import ssl
import zipfile
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import openpyxl
import pytest
from support.drip import DripServer
from support.imap import PASSWORD, USER, ImapServer, Relay, certificates, free_port
from support.samples import SampleSpec, write_sample

from ntm_excel.check.consolidate import consolidate_from_config
from ntm_excel.config import MailboxSettings, MailSettings, load_config
from ntm_excel.errors import MailboxError
from ntm_excel.history import History
from ntm_excel.jobs import mailbox
from ntm_excel.jobs.intake import MAIL_FOLDER
from ntm_excel.jobs.ledger import Ledger
from ntm_excel.jobs.mail_log import MailLog
from ntm_excel.jobs.mailbox import PASSWORD_ENV, Mailbox
from ntm_excel.jobs.scheduler import Runner, job_outputs
from ntm_excel.jobs.table import COLLECT
from ntm_excel.reference.contacts import COMMUNES_SHEET

OFFICE = "vpdp.ntm@camxuyen.example.org"
THANH, BINH = "ubnd.camthanh@camxuyen.example.org", "ubnd.cambinh@camxuyen.example.org"
HA_CLERK = "vanthu.camha@example.org"  # only in the contact book's «Liên hệ xã»
STRANGER = "la.mat@example.net"
PROCESSED = "Đã nhận"
AS_OF = date(2021, 3, 16)
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def office_config(root: Path, *, imap_port: int, smtp_port: int, **mailbox):
    """The bundled configuration with this test's folders, servers and contact book (where
    Cẩm Hà's clerk has an address of her own)."""
    contacts = root / "danh_ba.xlsx"
    shutil.copy(load_config().contacts, contacts)
    book = openpyxl.load_workbook(contacts)
    for row in book[COMMUNES_SHEET].iter_rows(min_row=2):
        if row[0].value == "18727":
            row[3].value = f"ubnd.camha@camxuyen.example.org; {HA_CLERK}"
    book.save(contacts)
    base = load_config()
    (root / "inbox").mkdir(exist_ok=True)
    return dataclasses.replace(
        base,
        contacts=contacts,
        state_dir=root / "var",
        master=root / "out" / "tong_hop.xlsx",
        reporting_deadline=date(2021, 3, 15),
        mail=MailSettings(
            sender=OFFICE,
            sender_name="Văn phòng điều phối NTM huyện Cẩm Xuyên",
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            smtp_security="none",
            outbox=root / "outbox",
        ),
        mailbox=MailboxSettings(
            host="127.0.0.1",
            port=imap_port,
            security="none",
            user=USER,
            **({"processed_folder": PROCESSED} | mailbox),
        ),
        schedule=dataclasses.replace(base.schedule, inbox=root / "inbox"),
    )


def run_collect(config) -> tuple:
    with Ledger(config.state_dir) as ledger:
        result = Runner(config, ledger).run(COLLECT, AS_OF)
        sent = ledger.sent_rows()
    return result, sent


# --- mail as communes send it --------------------------------------------------------------


def workbook(tmp_path: Path, name: str, **spec) -> bytes:
    path = tmp_path / "made" / name
    path.parent.mkdir(exist_ok=True)
    return write_sample(path, SampleSpec(**spec)).read_bytes()


def letter(sender: str, subject: str, files=(), *, name: str = "", text: str = "") -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>" if name else sender
    message["To"] = OFFICE
    message["Subject"] = subject
    message["Date"] = "Fri, 12 Mar 2021 09:15:00 +0700"
    message["Message-ID"] = f"<{abs(hash((sender, subject)))}@{sender.split('@')[1]}>"
    message.set_content(text or "Kính gửi Văn phòng, xã gửi biểu tự đánh giá.")
    for file_name, data, kind in files:
        message.add_attachment(data, maintype=kind[0], subtype=kind[1], filename=file_name)
    return message


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def bounce(original: EmailMessage) -> bytes:
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mx.camxuyen.example.org>"
    report["To"] = OFFICE
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report.attach(MIMEText("This is the mail system. Your message could not be delivered."))
    report.attach(MIMEApplication(b"Reporting-MTA: dns; mx\n", "delivery-status"))
    report.attach(MIMEMessage(original))
    return report.as_bytes()


def at(day: int, hour: int, minute: int) -> datetime:
    """A time in Vietnam (UTC+7), as the server stamps arrivals (in UTC)."""
    return datetime(2021, 3, day, hour - 7, minute, tzinfo=UTC)


def deliver_the_week(server: ImapServer, tmp_path: Path) -> dict[str, EmailMessage]:
    good = workbook(tmp_path, "thanh.xlsx")  # Cẩm Thành, no errors
    broken_full = workbook(tmp_path, "binh.xlsx", unit_code="18685", unit_name="Xã Cẩm Bình")
    broken = broken_full[: len(broken_full) * 2 // 3]  # a download that did not finish
    with_errors = workbook(
        tmp_path,
        "ha.xlsx",
        unit_code="18727",
        unit_name="Xã Cẩm Hà",
        contradictions=("17.6",),
        blank_values=("15.3",),
    )
    untitled = workbook(  # the title block names no commune: only the sender says whose it is
        tmp_path, "ha2.xlsx", unit_code="18727", unit_name="Xã Cẩm Hà", unit_style="file_name"
    )
    other_thanh = workbook(tmp_path, "thanh2.xlsx", seed=9, signed_day=12)
    mails = {
        "good": letter(THANH, "Biểu tự đánh giá xã Cẩm Thành", [("Biểu TĐG.xlsx", good, XLSX)]),
        "broken": letter(BINH, "Gửi biểu", [("bao_cao.xlsx", broken, XLSX)]),
        "zipped": letter(
            HA_CLERK,
            "Xã Cẩm Hà gửi biểu (nén)",
            [
                (
                    "ho_so.zip",
                    zipped({"cam_ha.xlsx": with_errors, "bieu.xlsx": untitled}),
                    ("application", "zip"),
                )
            ],
            name="Văn thư xã Cẩm Hà",
        ),
        "again": letter(
            THANH,
            "Gửi lại biểu",
            [("Biểu TĐG.xlsx", good, XLSX), ("ban_sao.xlsx", good, XLSX)],
        ),
        "other": letter(
            "pham.hoang.anh@camxuyen.example.org",
            "Giấy mời họp",
            [("giay_moi.pdf", b"%PDF-1.4 giay moi", ("application", "pdf"))],
        ),
        "hostile": letter(
            STRANGER,
            "HOSTILE-SUBJECT",
            [
                ("../../../CON.xlsx", other_thanh, XLSX),
                ("run.exe", b"MZ", ("application", "x-msdownload")),
            ],
        ),
    }
    when = {"good": at(12, 9, 15), "broken": at(12, 10, 0), "zipped": at(13, 8, 30)}
    arrivals = []
    for key, message in mails.items():
        raw = message.as_bytes()
        if key == "hostile":  # a subject that tries to add a header to the answer
            raw = raw.replace(
                b"HOSTILE-SUBJECT", b"=?utf-8?q?B=C3=A1o_c=C3=A1o=0D=0ABcc:_victim@example.org?="
            )
        arrivals.append((raw, when.get(key, at(14, 7, 0))))
    server.deliver(*arrivals, (bounce(mails["good"]), at(14, 7, 5)))
    return mails


# --- the week's mail, collected and answered -----------------------------------------------


def test_collect_saves_each_file_once_and_answers_each_message_once(tmp_path, imap, smtp):
    sink, smtp_port = smtp
    mails = deliver_the_week(imap, tmp_path)
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)

    result, _ = run_collect(config)

    assert result.ok, result.error
    inbox = tmp_path / "inbox" / MAIL_FOLDER
    assert sorted(p.name for p in inbox.iterdir()) == [
        "20210312-091500_18694_Biểu TĐG.xlsx",  # received time, sender's unit, name as sent
        "20210312-100000_18685_bao_cao.xlsx",
        "20210313-083000_18727_bieu.xlsx",
        "20210313-083000_18727_cam_ha.xlsx",
        "20210314-070000__CON.xlsx",  # unknown sender: no code; no folder, no device name
    ]
    saved = inbox / "20210312-091500_18694_Biểu TĐG.xlsx"
    assert saved.read_bytes() == mails["good"].get_payload()[1].get_content()
    assert datetime.fromtimestamp(saved.stat().st_mtime, UTC) == at(12, 9, 15)
    assert not list(tmp_path.glob("**/*.exe")) and not (tmp_path / "CON.xlsx").exists()
    with History(config.state_dir) as history:  # each file's receipt: sender, subject, time
        receipts = history.db.execute(
            "SELECT name, sender, subject, received, message_id FROM receipts"
            " WHERE source = 'mail' ORDER BY id"
        ).fetchall()
    assert tuple(receipts[0]) == (
        "20210312-091500_18694_Biểu TĐG.xlsx", THANH, "Biểu tự đánh giá xã Cẩm Thành",
        "2021-03-12T02:15:00+00:00", mails["good"]["Message-ID"],
    )  # fmt: skip
    assert len(receipts) == 6  # 5 files, and Cẩm Thành's file again (twice in one mail)
    notes = " | ".join(result.notes)
    assert "2 tệp trùng với tệp đã nhận (không lưu lại): Biểu TĐG.xlsx, ban_sao.xlsx" in notes
    assert "1 thư không có bảng tính" in notes and "1 thư tự động" in notes

    # Submissions moved to the processed folder; the rest left as it was, unread.
    assert imap.contents("INBOX") == [
        ("Giấy mời họp", ()),
        ("Undelivered Mail Returned to Sender", ()),
    ]
    processed = [subject for subject, _ in imap.contents(PROCESSED)]
    assert processed[:4] == [
        "Biểu tự đánh giá xã Cẩm Thành", "Gửi biểu", "Xã Cẩm Hà gửi biểu (nén)", "Gửi lại biểu"
    ]  # fmt: skip
    assert len(processed) == 5 and "victim@example.org" in processed[4]

    # One answer per message, each in the commune's own thread.
    answers = sink.messages()
    to = sorted(rcpt[0] for rcpt, _ in answers)
    assert to == sorted([THANH, BINH, HA_CLERK, STRANGER])
    assert all(len(rcpt) == 1 for rcpt, _ in answers)
    by = {}
    for rcpt, message in answers:
        by.setdefault(rcpt[0], []).append(message)
    thanh = by[THANH][0]
    assert thanh["In-Reply-To"] == mails["good"]["Message-ID"]
    assert mails["good"]["Message-ID"] in thanh["References"]
    assert thanh["Subject"] == "Re: Biểu tự đánh giá xã Cẩm Thành"
    text = body(thanh)
    assert (
        "đã nhận tệp «Biểu TĐG.xlsx» trong thư «Biểu tự đánh giá xã Cẩm Thành» "
        "lúc 09:15 ngày 12/03/2021" in text
    )
    assert "tệp được đọc là biểu của Xã Cẩm Thành (mã 18694)" in text
    assert (
        "Kỳ báo cáo: Tháng 3/2021, hạn nộp 15/03/2021; biểu ký ngày 10/03/2021: nộp trong hạn"
        in text
    )
    assert "Kết quả kiểm tra: biểu không có lỗi" in text
    assert list(thanh.iter_attachments()) == []

    binh = body(by[BINH][0])
    assert "Kính gửi UBND xã Cẩm Bình," in binh
    assert "Xã Cẩm Bình (mã 18685), theo địa chỉ thư của đơn vị" in binh
    assert "không đọc được tệp" in binh and "tệp bị hỏng hoặc không trọn vẹn" in binh

    [ha] = by[HA_CLERK]  # two workbooks in one zip, one answer with a section for each
    assert ha["Subject"] == "Re: Xã Cẩm Hà gửi biểu (nén)"
    ha_text = body(ha)
    assert "Kính gửi UBND xã Cẩm Hà," in ha_text
    assert (
        "đã nhận 2 tệp trong thư «Xã Cẩm Hà gửi biểu (nén)» lúc 08:30 ngày 13/03/2021: "
        "«cam_ha.xlsx», «bieu.xlsx»." in ha_text
    )
    errors_text, untitled_text = ha_text.split("2. Tệp «bieu.xlsx»")
    assert "1. Tệp «cam_ha.xlsx»" in errors_text
    assert "Kết quả kiểm tra: biểu có 1 lỗi, 2 cảnh báo (chi tiết dưới đây)" in errors_text
    assert "- Lỗi — Biểu tự đánh giá › E49: Chỉ tiêu 15.3 chưa có kết quả" in errors_text
    assert "Đề nghị đơn vị sửa các lỗi trên và gửi lại biểu." in errors_text
    feedbacks = {f.get_filename(): f for f in ha.iter_attachments()}
    assert list(feedbacks) == ["Góp ý - Xã Cẩm Hà.xlsx"]  # bieu.xlsx has nothing to fix
    feedback = feedbacks["Góp ý - Xã Cẩm Hà.xlsx"]
    book = openpyxl.load_workbook(io.BytesIO(feedback.get_content()))
    assert "Góp ý" in book.sheetnames
    assert "(trong biểu không ghi tên hoặc mã đơn vị)" in untitled_text
    assert "Xã Cẩm Hà (mã 18727)" in untitled_text

    stranger = by[STRANGER][0]
    assert stranger["Bcc"] is None and "\n" not in stranger["Subject"]
    assert stranger["Subject"].startswith("Re: Báo cáo")
    assert "tệp được đọc là biểu của Xã Cẩm Thành (mã 18694)" in body(stranger)
    assert body(stranger).startswith("Kính gửi Quý đơn vị,")  # not greeted as Cẩm Thành

    # The broken file is Cẩm Bình's issue in the master workbook too (the jobs' own master).
    master = openpyxl.load_workbook(job_outputs(config) / "tong_hop.xlsx")
    rows = [
        r for r in master["Lỗi dữ liệu"].iter_rows(values_only=True) if r[1] == "file-unreadable"
    ]
    assert [(r[3], r[4]) for r in rows] == [
        ("18685 – Xã Cẩm Bình", "20210312-100000_18685_bao_cao.xlsx")
    ]

    # A second run fetches, saves and sends nothing.
    again, sent = run_collect(config)
    assert again.ok and not again.notes, again.notes
    assert len(sink.envelopes) == 4 and {row.status for row in sent} == {"sent"}
    assert len(list(inbox.iterdir())) == 5
    assert len(imap.contents(PROCESSED)) == 5 and len(imap.contents("INBOX")) == 2


def body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


# --- the server going away -----------------------------------------------------------------


def three_communes(server: ImapServer, tmp_path: Path) -> None:
    communes = [(THANH, "18694", "Xã Cẩm Thành"), (BINH, "18685", "Xã Cẩm Bình")]
    communes.append(("ubnd.camha@camxuyen.example.org", "18727", "Xã Cẩm Hà"))
    arrivals = []
    for hour, (address, code, name) in enumerate(communes, start=8):
        data = workbook(tmp_path, f"{code}.xlsx", unit_code=code, unit_name=name, seed=hour)
        mail = letter(address, f"Biểu tự đánh giá {name}", [("bieu.xlsx", data, XLSX)])
        arrivals.append((mail.as_bytes(), at(12, hour, 0)))
    server.deliver(*arrivals)


@pytest.mark.parametrize(
    ("cut_on", "forward", "collected_first"),
    [
        (b"BODY.PEEK[]", True, 1),  # killed while the 2nd message is on its way
        (b"STORE", False, 1),  # killed when the 1st message, saved, was to be marked read
    ],
    ids=["mid-fetch", "before-marking"],
)
def test_a_server_killed_mid_run_loses_nothing_and_duplicates_nothing(
    tmp_path, smtp, monkeypatch, cut_on, forward, collected_first
):
    sink, smtp_port = smtp
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    server = ImapServer(tmp_path / "imap", maildir=True).start()
    try:
        three_communes(server, tmp_path)
        count = 2 if cut_on == b"BODY.PEEK[]" else 1
        relay = Relay(
            server.port, cut_on=cut_on, cut_count=count, cut_after=700, forward=forward,
            on_cut=server.kill,
        )  # fmt: skip
        config = office_config(tmp_path, imap_port=relay.port, smtp_port=smtp_port)
        config = dataclasses.replace(
            config, mailbox=dataclasses.replace(config.mailbox, processed_folder="")
        )
        inbox = tmp_path / "inbox" / MAIL_FOLDER

        first, _ = run_collect(config)

        assert relay.cut.is_set() and server.process.poll() is not None  # it was killed
        assert first.error.startswith("Mất kết nối với hộp thư 127.0.0.1")
        assert len(list(inbox.iterdir())) == collected_first  # no half-written file either
        assert [rcpt for rcpt, _ in sink.messages()] == [[THANH]]  # what came is answered

        server.start()
        second, _ = run_collect(config)

        assert second.ok, second.error
        remarked = "đã chuyển, đánh dấu 1 thư nhận ở lần chạy bị ngắt trước"
        assert (remarked in second.notes) == (cut_on == b"STORE")
        assert sorted(p.name.split("_")[1] for p in inbox.iterdir()) == ["18685", "18694", "18727"]
        answered = sorted(rcpt[0] for rcpt, _ in sink.messages())
        assert answered == sorted([THANH, BINH, "ubnd.camha@camxuyen.example.org"])
        assert [flags for _, flags in server.contents()] == [("\\Seen",)] * 3
        with MailLog(config.state_dir) as log:
            assert [m.place.uid for m in log.messages()] == [1, 2, 3]

        third, _ = run_collect(config)
        assert third.ok and not third.notes and len(sink.envelopes) == 3
    finally:
        relay.close()
        server.kill()


def test_a_message_of_several_workbooks_gets_one_answer_for_what_is_new(tmp_path, imap, smtp):
    """Cẩm Hà sends a workbook, then a mail with that workbook again and two new versions,
    each with something to fix: the second answer covers the two new files only, and their
    feedback workbooks keep apart by the file each answers."""
    sink, smtp_port = smtp
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)
    kw = {"unit_code": "18727", "unit_name": "Xã Cẩm Hà"}
    first = workbook(tmp_path, "a.xlsx", blank_values=("15.3",), **kw)
    second = workbook(tmp_path, "b.xlsx", blank_values=("15.3",), seed=5, **kw)
    third = workbook(tmp_path, "c.xlsx", contradictions=("17.6",), seed=6, **kw)
    imap.deliver((letter(HA_CLERK, "Biểu", [("bieu.xlsx", first, XLSX)]).as_bytes(), at(12, 8, 0)))
    run_collect(config)
    files = [("bieu.xlsx", first, XLSX), ("bieu_sua.xlsx", second, XLSX), ("TDG.xlsx", third, XLSX)]
    imap.deliver((letter(HA_CLERK, "Biểu đã sửa", files).as_bytes(), at(13, 8, 0)))

    result, _ = run_collect(config)

    assert result.ok, result.error
    [_, answer] = [message for _, message in sink.messages()]
    assert answer["Subject"] == "Re: Biểu đã sửa"
    text = body(answer)
    assert "đã nhận 2 tệp trong thư «Biểu đã sửa» lúc 08:00 ngày 13/03/2021: " in text
    assert "1. Tệp «bieu_sua.xlsx»" in text and "2. Tệp «TDG.xlsx»" in text
    assert "«bieu.xlsx»" not in text  # answered the day before
    names = [part.get_filename() for part in answer.iter_attachments()]
    assert names == ["Góp ý - Xã Cẩm Hà (bieu_sua).xlsx", "Góp ý - Xã Cẩm Hà (TDG).xlsx"]
    assert (
        "Các ô có vấn đề được đánh dấu trong tệp đính kèm «Góp ý - Xã Cẩm Hà (TDG).xlsx»."
        in (text.split("2. Tệp «TDG.xlsx»")[1])
    )
    again, _ = run_collect(config)
    assert again.ok and len(sink.envelopes) == 2


def test_a_message_of_many_workbooks_gets_an_answer_of_a_few_sections(
    tmp_path, imap, smtp, monkeypatch
):
    """A message of 5,000 workbooks (ten zips) got an 11.7 MB answer of 5,000 sections, which
    servers refuse and the ledger retried every 4 hours. Beyond MAX_SECTIONS (here 2) the
    files are named and counted, not read for the answer; none is answered again."""
    monkeypatch.setattr("ntm_excel.jobs.intake.MAX_SECTIONS", 2)
    monkeypatch.setattr("ntm_excel.jobs.answers.MAX_SECTIONS", 2)
    sink, smtp_port = smtp
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)
    kw = {"unit_code": "18727", "unit_name": "Xã Cẩm Hà"}
    books = {f"b{n}.xlsx": workbook(tmp_path, f"b{n}.xlsx", seed=n, **kw) for n in range(4)}
    files = [(name, data, XLSX) for name, data in books.items()]
    imap.deliver((letter(HA_CLERK, "Biểu", files).as_bytes(), at(13, 8, 0)))

    result, _ = run_collect(config)

    assert result.ok, result.error
    [answer] = [message for _, message in sink.messages()]
    text = body(answer)
    assert (
        "đã nhận 4 tệp trong thư «Biểu» lúc 08:00 ngày 13/03/2021: «b0.xlsx», «b1.xlsx» "
        "và 2 tệp khác." in text
    )
    assert "2. Tệp «b1.xlsx»" in text and "3. Tệp" not in text
    assert "Còn 2 tệp khác trong thư không được trả lời riêng từng tệp" in text
    again, _ = run_collect(config)
    assert again.ok and len(sink.envelopes) == 1


def test_a_message_seen_again_is_only_marked(tmp_path, imap, smtp):
    """A person moves a collected message back into the folder: it has a new UID, the same
    bytes, and is neither saved nor answered again."""
    sink, smtp_port = smtp
    data = workbook(tmp_path, "thanh.xlsx")
    raw = letter(THANH, "Biểu", [("bieu.xlsx", data, XLSX)]).as_bytes()
    imap.deliver((raw, at(12, 9, 0)))
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)
    run_collect(config)
    imap.deliver((raw, at(12, 9, 0)))

    result, _ = run_collect(config)

    assert result.ok and not result.notes
    assert len(list((tmp_path / "inbox" / MAIL_FOLDER).iterdir())) == 1
    assert len(sink.envelopes) == 1
    assert imap.contents("INBOX") == [] and len(imap.contents(PROCESSED)) == 2


def test_a_feedback_copy_sent_back_unchanged_is_answered_for_what_it_is(tmp_path, imap, smtp):
    """A commune forwards our answer, feedback workbook and all, back to the office: the copy
    is never read as a submission (nor answered with one, which could loop), and the answer
    said «chưa xác định được biểu là của đơn vị nào (chi tiết dưới đây)» with no detail
    below. It now says what the file is and what to do."""
    sink, smtp_port = smtp
    faulty = workbook(tmp_path, "thanh.xlsx", blank_values=("4.2",))
    imap.deliver((letter(THANH, "Biểu", [("bieu.xlsx", faulty, XLSX)]).as_bytes(), at(12, 9, 0)))
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)
    run_collect(config)
    [(_, answer)] = sink.messages()
    [copy] = list(answer.iter_attachments())
    forwarded = letter(THANH, "Fwd: Re: Biểu", [(copy.get_filename(), copy.get_content(), XLSX)])
    imap.deliver((forwarded.as_bytes(), at(12, 10, 0)))

    run_collect(config)

    [(to, second)] = sink.messages()[1:]
    text = body(second)
    assert to == [THANH] and not list(second.iter_attachments())
    assert "đây là tệp văn phòng đã gửi cho đơn vị, chưa sửa, không phải biểu mới" in text
    assert "Kính gửi UBND xã Cẩm Thành," in text  # not «Quý đơn vị»: the sender is known
    assert f"{copy.get_filename()}» là tệp góp ý do ntm-excel tạo" in text
    assert "sửa các ô được đánh dấu trong tệp góp ý" in text
    assert "chưa xác định" not in text


# --- limits ------------------------------------------------------------------------------


def test_a_message_too_large_is_not_downloaded_and_its_commune_is_told(
    tmp_path, imap, smtp, monkeypatch
):
    from ntm_excel.jobs import intake

    monkeypatch.setattr(intake, "MAX_MESSAGE_BYTES", 200_000)
    sink, smtp_port = smtp
    photos = letter(THANH, "Ảnh công trình và biểu", [("anh.xlsx", b"x" * 300_000, XLSX)])
    imap.deliver((photos.as_bytes(), at(12, 9, 0)))
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)

    result, _ = run_collect(config)

    assert result.ok
    assert f"thư quá lớn (trên 0,2 MB), không tải về, cần xem trong hộp thư: {THANH}" in (
        " ".join(result.notes)
    )
    assert not (tmp_path / "inbox" / MAIL_FOLDER).exists()
    assert imap.contents("INBOX") == [("Ảnh công trình và biểu", ())]  # left for a person
    [(rcpt, answer)] = sink.messages()
    assert rcpt == [THANH] and answer["In-Reply-To"] == photos["Message-ID"]
    text = body(answer)
    assert "đã nhận thư «Ảnh công trình và biểu» lúc 09:00 ngày 12/03/2021." in text
    assert "chưa nhận được nội dung thư: thư quá lớn (0,4 MB, giới hạn 0,2 MB)" in text
    assert run_collect(config)[0].notes == [] and len(sink.envelopes) == 1


# --- secure connections --------------------------------------------------------------------


def test_starttls_and_imaps_with_a_verified_certificate(tmp_path, imap, monkeypatch):
    authority, cert, key = certificates(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(authority))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    relays = {
        "starttls": Relay(imap.port, context=context, starttls=True),
        "ssl": Relay(imap.port, context=context),
    }
    imap.deliver((letter(THANH, "Biểu", [("b.xlsx", b"PK", XLSX)]).as_bytes(), at(12, 9, 0)))
    plain = MailboxSettings(host="127.0.0.1", security="none", user=USER)
    try:
        for security, relay in relays.items():
            settings = dataclasses.replace(plain, security=security, port=relay.port)
            with Mailbox(settings, PASSWORD) as box:
                assert len(box.uids_after(0)) == 1
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "khong_co.pem"))  # not trusted
        for security, relay in relays.items():
            settings = dataclasses.replace(plain, security=security, port=relay.port)
            with pytest.raises(MailboxError, match="Không kết nối an toàn được hộp thư"):
                Mailbox(settings, PASSWORD).__enter__()
        # A server without STARTTLS is not talked to in clear when starttls is asked for.
        settings = dataclasses.replace(plain, security="starttls", port=imap.port)
        with pytest.raises(MailboxError, match="Không kết nối được hộp thư"):
            Mailbox(settings, PASSWORD).__enter__()
    finally:
        for relay in relays.values():
            relay.close()


def test_mailbox_errors_say_what_to_do(tmp_path, imap):
    settings = MailboxSettings(host="127.0.0.1", port=imap.port, security="none", user=USER)
    with pytest.raises(MailboxError, match=PASSWORD_ENV):
        Mailbox(settings, None)
    with pytest.raises(MailboxError, match="từ chối đăng nhập"):
        Mailbox(settings, "sai-mat-khau").__enter__()
    missing = dataclasses.replace(settings, folder="Hộp thư đến")
    with pytest.raises(MailboxError, match="không có thư mục «Hộp thư đến» .*INBOX"):
        Mailbox(missing, PASSWORD).__enter__()
    closed = dataclasses.replace(settings, port=free_port())
    with pytest.raises(MailboxError, match="Không kết nối được hộp thư"):
        Mailbox(closed, PASSWORD).__enter__()


@pytest.mark.parametrize(
    ("greeting", "reply"),
    [
        (b"* OK [CAPABILITY IMAP4rev1] mail.camxuyen.example.org ready\r\n", b"x OK\r\n"),
        (b"* OK ready\r\n", b"* CAPABILITY IMAP4rev1\r\n" * 10_000),  # an answer without end
    ],
)
def test_a_mailbox_answering_a_byte_at_a_time_is_given_up_at_a_deadline(
    monkeypatch, greeting, reply
):
    """Each byte comes within the socket time-out, the answer never does: `collect` waited
    for ever. Each exchange now has a deadline (3 × the time-out), then the run stops as when
    the server goes away (the next run goes on from there)."""
    monkeypatch.setattr(mailbox, "TIMEOUT", 0.3)
    server = DripServer(greeting, reply, pause=0.05)
    settings = MailboxSettings(host="127.0.0.1", port=server.port, security="none", user=USER)
    try:
        with pytest.raises(MailboxError, match="trả lời quá chậm"):
            Mailbox(settings, PASSWORD).__enter__()
    finally:
        server.stop()
    assert server.connections == 1


def test_a_workbook_from_a_stranger_is_flagged_in_the_consolidation(tmp_path, imap, smtp):
    """Anyone can mail a workbook bearing a commune's name: the office is told when the file
    used for a unit came only from addresses not the unit's (a clerk's address listed in
    «Liên hệ xã» is the unit's)."""
    _, smtp_port = smtp
    thanh = workbook(tmp_path, "t.xlsx")
    ha = workbook(tmp_path, "h.xlsx", unit_code="18727", unit_name="Xã Cẩm Hà")
    imap.deliver(
        (letter(STRANGER, "Biểu", [("bieu.xlsx", thanh, XLSX)]).as_bytes(), at(12, 9, 0)),
        (letter(HA_CLERK, "Biểu", [("ha.xlsx", ha, XLSX)]).as_bytes(), at(12, 9, 5)),
    )
    config = office_config(tmp_path, imap_port=imap.port, smtp_port=smtp_port)
    run_collect(config)
    with History(config.state_dir) as history:
        result = consolidate_from_config([config.schedule.inbox], config, AS_OF, history=history)
    flagged = [i for i in result.issues if i.code == "unit-sender-unknown"]
    assert [(i.unit_code, i.severity.value) for i in flagged] == [("18694", "warning")]
    assert f"được gửi từ {STRANGER}, không phải địa chỉ thư của đơn vị ({THANH})" in (
        flagged[0].message
    )
