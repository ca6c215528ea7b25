"""A unit's reminder says what the feedback workbook it attaches holds: a copy of the unit's
workbook with its problem cells coloured (an .xlsx sent), or the «Góp ý» list alone (a .xls
is not copied) — the mail said «các ô có vấn đề được tô màu» of both. Real workbooks, the
real consolidation, a real SMTP server (aiosmtpd on 127.0.0.1); the attachments read back."""

from __future__ import annotations

import dataclasses
import email
import io
from datetime import date
from email import policy

import openpyxl
from support.samples import SampleSpec, write_sample

from ntm_excel.config import MailSettings, load_config
from ntm_excel.jobs.ledger import Ledger
from ntm_excel.jobs.scheduler import Runner
from ntm_excel.jobs.table import UNIT_REMINDERS

OFFICE = "vpdp.ntm@camxuyen.example.org"
AS_OF = date(2021, 3, 25)
COLOURED = "các ô có vấn đề được tô màu"


def test_the_reminder_says_what_its_attachment_holds(tmp_path, smtp):
    sink, port = smtp
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, code, unit in (("xa_cam_hung.xls", "18733", "Xã Cẩm Hưng"),
                             ("xa_cam_due.xlsx", "18715", "Xã Cẩm Duệ")):  # fmt: skip
        spec = SampleSpec(unit_code=code, unit_name=unit, blank_values=("15.3",))
        write_sample(inbox / name, spec)
    base = load_config()
    config = dataclasses.replace(
        base,
        state_dir=tmp_path / "var",
        master=tmp_path / "out" / "tong_hop.xlsx",
        reporting_deadline=date(2021, 3, 15),
        mail=MailSettings(
            sender=OFFICE,
            sender_name="Văn phòng điều phối NTM huyện Cẩm Xuyên",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            outbox=tmp_path / "outbox",
        ),
        schedule=dataclasses.replace(base.schedule, inbox=inbox),
    )
    with Ledger(config.state_dir) as ledger:
        result = Runner(config, ledger).run(UNIT_REMINDERS, AS_OF)
    assert result.ok, result.error
    mails = {}
    for envelope in sink.envelopes:
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        mails[envelope.rcpt_tos[0]] = message
    for address, copied in (("ubnd.camhung@camxuyen.example.org", False),
                            ("ubnd.camdue@camxuyen.example.org", True)):  # fmt: skip
        message = mails[address]
        text = message.get_body(preferencelist=("plain",)).get_content()
        [part] = list(message.iter_attachments())
        sheets = openpyxl.load_workbook(io.BytesIO(part.get_content())).sheetnames
        assert "Góp ý" in sheets
        assert (len(sheets) > 2) is copied, sheets  # the unit's own sheets, copied or not
        assert f"trang «Góp ý» của tệp đính kèm «{part.get_filename()}»" in text
        assert (COLOURED in text) is copied
        assert ("bản sao biểu của đơn vị" in text) is copied
        assert ("tệp chỉ có danh sách này" in text) is not copied
