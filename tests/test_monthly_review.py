"""The monthly review (`jobs once monthly-review`): each cluster leader and each official with
communes in «Xã phụ trách» gets, once a month, exactly their communes; over real SMTP
(aiosmtpd on 127.0.0.1), with a real consolidation and a real state database."""

from __future__ import annotations

import dataclasses
import email
import re
import shutil
import socket
from datetime import UTC, date, datetime, timedelta
from email import policy
from pathlib import Path

import openpyxl
import pytest
import support.smtp as smtp_sink
import time_machine
from aiosmtpd.controller import Controller
from support.samples import SampleSpec, write_sample

from ntm_excel.cli import main
from ntm_excel.config import BUNDLED, MailSettings, load_config
from ntm_excel.jobs.ledger import Ledger
from ntm_excel.jobs.scheduler import Runner, describe
from ntm_excel.jobs.table import BY_NAME, Period
from ntm_excel.reference.contacts import CLUSTERS_SHEET, CONTACTS_SHEET

ANH = "pham.hoang.anh@camxuyen.example.org"  # leads "Cụm Bắc"
DANH = "le.van.danh@camxuyen.example.org"  # assigned Cẩm Lạc and Cẩm Sơn
NORTH = ["Xã Cẩm Bình", "Xã Cẩm Vĩnh", "Xã Cẩm Thành"]  # in the registry's order


class Sink(smtp_sink.Sink):
    def messages(self) -> dict[str, email.message.EmailMessage]:
        found = {}
        for envelope in self.envelopes:
            message = email.message_from_bytes(envelope.original_content, policy=policy.default)
            found.setdefault(envelope.rcpt_tos[0], []).append(message)
        return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def contact_book(tmp_path: Path) -> Path:
    """The bundled contact book with clusters and assigned communes written in, as the office
    writes them from the plan's attachment."""
    path = tmp_path / "danh_ba.xlsx"
    shutil.copy(BUNDLED / "danh_ba.xlsx", path)
    book = openpyxl.load_workbook(path)
    people = book[CONTACTS_SHEET]
    heading = [c.value for c in people[1]]
    danh = next(r for r in people.iter_rows(min_row=2) if r[0].value == "Lê Văn Danh")
    danh[heading.index("Xã phụ trách")].value = "Cẩm Lạc; Xã Cẩm Sơn"
    clusters = book[CLUSTERS_SHEET]
    clusters.append(["Cụm Bắc", "Đ/c Phạm Hoàng Anh", "Cẩm Thành; Cẩm Bình; Cẩm Vịnh"])
    clusters.append(["Cụm Nam", "Nguyễn Văn Cụm", "Cẩm Trung; Cẩm Không"])
    book.save(path)
    return path


def config_for(tmp_path: Path, port: int, inbox: Path):
    base = load_config()
    return dataclasses.replace(
        base,
        contacts=contact_book(tmp_path),
        state_dir=tmp_path / "var",
        master=tmp_path / "out" / "tong_hop.xlsx",
        mail=MailSettings(
            sender="vpdp.ntm@camxuyen.example.org",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            outbox=tmp_path / "outbox",
        ),
        schedule=dataclasses.replace(base.schedule, inbox=inbox),
    )


def at_vn(*args) -> datetime:
    """A moment in Vietnam time (UTC+7), in UTC so that the process keeps its own zone."""
    return datetime(*args, tzinfo=UTC) - timedelta(hours=7)


def communes_in(text: str) -> list[str]:
    """The communes a review lists: its per-commune headings "XÃ CẨM THÀNH (mục tiêu: …)"."""
    return re.findall(r"^((?:XÃ|THỊ TRẤN) [^(\r\n]+?) \(mục tiêu", text, re.MULTILINE)


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_monthly_review_is_a_monthly_job_of_the_table():
    job = BY_NAME["monthly-review"]
    assert job.period is Period.MONTH and job.value({}) == "1 08:00"
    assert job.period_key(date(2021, 3, 25)) == "2021-03"
    assert job.too_early(date(2021, 3, 1), {"monthly_review": "5 08:00"})
    assert job.too_early(date(2021, 3, 5), {"monthly_review": "5 08:00"}) == ""
    with pytest.raises(ValueError, match="1 08:00"):
        job.check({"monthly_review": "31 08:00"})


def test_each_reviewer_gets_exactly_their_communes_once_a_month(tmp_path, smtp):
    sink, port = smtp
    inbox = tmp_path / "inbox"
    for code, name in (("18694", "Xã Cẩm Thành"), ("18685", "Xã Cẩm Bình"), ("18748", "")):
        spec = SampleSpec(unit_code=code, unit_name=name or "Xã Cẩm Lạc", signed_day=10)
        write_sample(inbox / f"{code}.xlsx", spec)
    config = config_for(tmp_path, port, inbox)
    march_clock = time_machine.travel(at_vn(2021, 3, 25, 8, 0), tick=False)
    with march_clock as clock, Ledger(config.state_dir) as ledger:
        march = Runner(config, ledger).run("monthly-review", date(2021, 3, 25))
        clock.move_to(at_vn(2021, 3, 26, 8, 0))
        again = Runner(config, ledger).run("monthly-review", date(2021, 3, 26))
    assert march.ok and len(march.delivery.sent) == 2
    assert again.ok and again.delivery.sent == [] and len(again.delivery.already_sent) == 2
    report = "\n".join(describe(march))
    assert "Chưa có địa chỉ thư: Nguyễn Văn Cụm" in report  # a leader not in «Danh bạ»
    assert "«Cẩm Không» (cụm Cụm Nam) không phải đơn vị nào trong danh sách" in report

    arrived = sink.messages()
    assert sorted(arrived) == [DANH, ANH]
    [anh] = arrived[ANH]
    assert anh["Subject"] == (
        "[NTM Cẩm Xuyên] Soát xét tháng 3/2021: 3 xã, 0 xã đạt mục tiêu, 3 việc quá hạn"
    )
    text = plain(anh)
    assert text.startswith("Kính gửi đồng chí Phạm Hoàng Anh – Phó Chủ tịch UBND huyện")
    assert "đồng chí phụ trách (Cụm Bắc)" in text
    assert communes_in(text) == [n.upper() for n in NORTH]  # exactly the cluster's communes
    for other in ("Cẩm Lạc", "Cẩm Sơn", "Cẩm Trung", "Cẩm Dương"):
        assert other not in text
    thanh = text[text.index("XÃ CẨM THÀNH") : text.index("VIỆC QUÁ HẠN")]
    assert "- Kết quả so với mục tiêu: CHƯA ĐẠT — 20/20 tiêu chí xã NTM; chưa có bộ tiêu chí " \
        "nâng cao của tỉnh" in thanh  # fmt: skip
    assert "- Nộp báo cáo: nộp ngày 10/03/2021, đúng hạn" in thanh
    assert "- So với tháng trước: bản đầu tiên: 20/20 tiêu chí đạt" in thanh  # the history
    vinh = text[text.index("XÃ CẨM VĨNH") : text.index("XÃ CẨM THÀNH")]
    assert "- Nộp báo cáo: chưa nộp (hạn 15/03/2021)" in vinh
    assert "- Tiêu chí chưa đạt hoặc chưa rõ: chưa có số liệu" in vinh
    # the weekly meeting of the communes aiming higher (2.2-1), missed since the plan's date
    assert "VIỆC QUÁ HẠN (3 VIỆC)" in text
    assert "- Xã Cẩm Vĩnh: Hàng tuần tổ chức giao ban, đánh giá kết quả thực hiện. (tuần " \
        "3/2021 … tuần 11/2021: lỡ 9 lần) · hạn 24/01/2021 · quá hạn 60 ngày" in text  # fmt: skip
    [danh] = arrived[DANH]
    assert communes_in(plain(danh)) == ["XÃ CẨM SƠN", "XÃ CẨM LẠC"]
    assert "<script" not in danh.get_body(preferencelist=("html",)).get_content()

    # April: Cẩm Vĩnh has sent its report (on 2 April); the review says what changed since
    # March, from the submission history and from what March's review kept.
    write_sample(inbox / "18691.xlsx", SampleSpec(unit_code="18691", unit_name="Xã Cẩm Vĩnh"))
    april_clock = time_machine.travel(at_vn(2021, 4, 2, 9, 0), tick=False)
    with april_clock as clock, Ledger(config.state_dir) as ledger:
        assert Runner(config, ledger).run("collect", date(2021, 4, 2)).ok
        clock.move_to(at_vn(2021, 4, 5, 8, 0))
        april = Runner(config, ledger).run("monthly-review", date(2021, 4, 5))
    assert april.ok and len(april.delivery.sent) == 2
    [_, anh_april] = sink.messages()[ANH]
    text = plain(anh_april)
    assert "Soát xét tháng 4/2021" in anh_april["Subject"]
    assert "(so với tháng 3/2021)" in text
    vinh = text[text.index("XÃ CẨM VĨNH") : text.index("XÃ CẨM THÀNH")]
    assert "- So với tháng trước: bản đầu tiên: 20/20 tiêu chí đạt; việc quá hạn +1" in vinh
    thanh = text[text.index("XÃ CẨM THÀNH") : text.index("VIỆC QUÁ HẠN")]
    # nothing new from Cẩm Thành; 2.1-2 (the communes' task due 31/03) is now overdue
    assert "- So với tháng trước: không gửi bản mới; việc quá hạn +1" in thanh
    assert "- Xã Cẩm Thành: Chỉ đạo quyết liệt, ưu tiên phân bổ nguồn lực" in text


def test_without_clusters_the_job_says_so_and_sends_nothing(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    write_sample(inbox / "18694.xlsx", SampleSpec())
    state = tmp_path / "var"
    code = main(
        [
            "jobs", "once", "monthly-review", "--as-of", "2021-03-25", "--inbox", str(inbox),
            "--state-dir", str(state),
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "monthly-review (2021-03): đã gửi 0 thư" in out
    assert "chưa khai báo cụm chỉ đạo" in out


def test_a_criterion_without_a_usable_figure_is_said_unclear_not_failed(tmp_path):
    """The review lists «15. Y tế (chưa rõ)» where the master says «chưa rõ», and «chưa đạt»
    only for what the figures show below the threshold."""
    from ntm_excel.check.consolidate import consolidate_from_config
    from ntm_excel.check.figures import Figures

    spec = SampleSpec(unit_code="18685", unit_name="Xã Cẩm Bình", blank_values=("15.1",))
    spec = dataclasses.replace(spec, not_met=("17.6",))
    write_sample(tmp_path / "cam_binh.xlsx", spec)
    result = consolidate_from_config([tmp_path], load_config(), date(2021, 3, 25))
    [report] = [r for r in result.units if r.unit.code == "18685"]
    state = Figures.of(result).commune_state(report)
    assert state.missing == ("15. Y tế (chưa rõ)", "17. Môi trường và an toàn thực phẩm")


def test_a_reviewer_with_two_addresses_gets_one_review_at_both(tmp_path, smtp):
    """A cluster leader whose Email cell holds a work and a personal address gets one review,
    to both, recorded once: a second run sends nothing."""
    sink, port = smtp
    inbox = tmp_path / "inbox"
    write_sample(inbox / "18694.xlsx", SampleSpec(unit_code="18694", unit_name="Xã Cẩm Thành"))
    config = config_for(tmp_path, port, inbox)
    book = openpyxl.load_workbook(config.contacts)
    people = book[CONTACTS_SHEET]
    heading = [c.value for c in people[1]]
    anh = next(r for r in people.iter_rows(min_row=2) if r[heading.index("Email")].value == ANH)
    anh[heading.index("Email")].value = f"{ANH};\nanh.canhan@example.vn"
    book.save(config.contacts)
    with (
        time_machine.travel(at_vn(2021, 3, 25, 8, 0), tick=False),
        Ledger(config.state_dir) as ledger,
    ):
        first = Runner(config, ledger).run("monthly-review", date(2021, 3, 25))
        again = Runner(config, ledger).run("monthly-review", date(2021, 3, 25))
    assert first.ok and again.ok and again.delivery.sent == []
    to_anh = [e for e in sink.envelopes if ANH in e.rcpt_tos]
    assert len(to_anh) == 1
    assert sorted(to_anh[0].rcpt_tos) == sorted([ANH, "anh.canhan@example.vn"])
    message = email.message_from_bytes(to_anh[0].original_content, policy=policy.default)
    assert "anh.canhan@example.vn" in str(message["To"]) and ANH in str(message["To"])
