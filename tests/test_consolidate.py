"""Consolidating folders of real workbooks (written by support.samples), and the `validate`
and `consolidate` commands."""

from __future__ import annotations

import hashlib
import io
import json
import os
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from support.samples import SampleSpec, district_spec, write_sample

from ntm_excel.check.consolidate import consolidate, consolidate_from_config
from ntm_excel.check.tasks import duty_tasks
from ntm_excel.cli import main
from ntm_excel.config import BUNDLED, load_config
from ntm_excel.issues import Severity
from ntm_excel.model import Status
from ntm_excel.read.batch import read_files
from ntm_excel.read.inbox import list_submissions
from ntm_excel.reference.catalog import district_set, load_catalog
from ntm_excel.reference.contacts import load_contacts
from ntm_excel.reference.plan import load_plan

SET = "xa_2016_2020"
AS_OF = date(2021, 3, 15)
MARCH_10 = datetime(2021, 3, 10, 9, 0).timestamp()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(load_config().catalog)


def sample(path: Path, moment: float = MARCH_10, **spec) -> Path:
    write_sample(path, SampleSpec(**spec))
    os.utime(path, (moment, moment))
    return path


def fingerprints(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    """Good files in three formats, one in a subfolder, and files that must not stop a batch."""
    folder = tmp_path_factory.mktemp("inbox")
    sample(folder / "cam_thanh.xlsx")
    sample(folder / "cam_lac.xls", unit_code="18748", unit_name="Xã Cẩm Lạc", format="xls")
    sample(folder / "cam_binh.ods", unit_code="18685", unit_name="Xã Cẩm Bình", format="ods")
    sample(
        folder / "yen_hoa.xlsx",
        MARCH_10 + 6 * 86400,
        unit_code="18679",
        unit_name="Xã Yên Hòa",
        signed_day=16,
        not_met=("14.3",),
        contradictions=("4.2",),
    )
    (folder / "dot2").mkdir()
    sample(folder / "dot2" / "cam_duong.xlsx", unit_code="18682", unit_name="Xã Cẩm Dương")
    good = (folder / "cam_thanh.xlsx").read_bytes()
    (folder / "cam_hung_loi.xlsx").write_bytes(good[: len(good) // 2])
    (folder / "ghi_chu.txt").write_text("Danh sách xã đã nộp", encoding="utf-8")
    (folder / "~$cam_thanh.xlsx").write_bytes(b"lock")
    (folder / ".cam_thanh.xlsx").write_bytes(good[:100])
    return folder


@pytest.fixture(scope="module")
def result(inbox, catalog, registry):
    before = fingerprints(inbox)
    consolidation = consolidate(
        [inbox], catalog=catalog, registry=registry, catalog_set=SET, as_of=AS_OF, workers=1
    )
    assert fingerprints(inbox) == before, "input files must never change"
    return consolidation


def by_code(consolidation):
    return {report.unit.code: report for report in consolidation.units}


def test_listing_skips_lock_and_hidden_files_and_reports_the_others(inbox, tmp_path):
    listing = list_submissions([inbox, inbox / "cam_thanh.xlsx", tmp_path / "khong_co"])
    files, issues = listing.files, listing.issues
    assert sorted(p.relative_to(inbox).as_posix() for p in files) == [
        "cam_binh.ods",
        "cam_hung_loi.xlsx",
        "cam_lac.xls",
        "cam_thanh.xlsx",
        "dot2/cam_duong.xlsx",
        "yen_hoa.xlsx",
    ]
    assert [(i.code, i.severity, i.file) for i in issues] == [
        ("file-not-workbook", Severity.WARNING, "ghi_chu.txt"),
        ("file-open-when-copied", Severity.WARNING, "cam_thanh.xlsx"),
        ("file-unreadable", Severity.ERROR, "khong_co"),
    ]
    assert "tệp văn bản thường, không phải biểu tự đánh giá" in issues[0].message
    assert "«~$cam_thanh.xlsx»" in issues[1].message
    assert "không tìm thấy" in issues[2].message


def test_a_folder_mixing_good_and_broken_files(result, registry):
    reports = by_code(result)
    expected = [u.code for u in registry.units if u.expected]
    assert [r.unit.code for r in result.units] == expected  # every expected unit, in order
    submitted = {code for code, r in reports.items() if r.submitted}
    assert submitted == {"18694", "18748", "18685", "18679", "18682"}
    unreadable = [i for i in result.issues if i.code == "file-unreadable"]
    assert [i.file for i in unreadable] == ["cam_hung_loi.xlsx"]
    assert [i.file for i in result.issues if i.code == "file-not-workbook"] == ["ghi_chu.txt"]
    assert all(i.severity is Severity.ERROR for i in unreadable)
    # the broken file names Cẩm Hưng: it sent a file, unreadable, and is told so
    assert unreadable[0].unit_code == "18733" and reports["18733"].errors == 1
    missing = [i.unit_code for i in result.issues if i.code == "unit-not-submitted"]
    assert sorted(missing) == sorted(set(expected) - submitted - {"18733"})
    assert all(reports[code].errors == 1 and not reports[code].criteria for code in missing)
    assert result.criteria_names[20] and len(result.criteria_names) == 20
    assert result.district is None


def test_each_submission_is_validated(result):
    reports = by_code(result)
    clean = reports["18694"]
    assert clean.submission.file_name == "cam_thanh.xlsx"
    assert (clean.errors, clean.warnings) == (0, 1)  # it was open in Excel when copied
    [lock] = [i for i in result.issues if i.code == "file-open-when-copied"]
    assert lock.unit_code == "18694"
    assert clean.criteria_met == 20 and len(clean.indicators) == 50
    yen_hoa = reports["18679"]
    codes = {(i.code, i.unit_code) for i in result.issues if i.file == "yen_hoa.xlsx"}
    assert ("assessment-contradiction", "18679") in codes
    assert yen_hoa.warnings >= 1 and yen_hoa.criteria_met < 20
    statuses = {c.criterion_no: c.status for c in yen_hoa.criteria}
    assert statuses[4] is Status.NOT_MET and statuses[14] is Status.NOT_MET
    assert reports["18685"].submission.file_name == "cam_binh.ods"
    assert reports["18682"].submission.file_name == "cam_duong.xlsx"


def test_roadmap_tasks_get_their_state(result):
    unit_tasks = [t for t in result.tasks if t.task.source == "unit"]
    assert unit_tasks and {t.task.unit_code for t in unit_tasks} >= {"18694", "18748"}
    assert all(t.state for t in unit_tasks)


def test_parallel_reading_gives_the_same_submissions(inbox, catalog, registry):
    files = list_submissions([inbox]).files
    indicators = catalog.resolve(SET, "Hà Tĩnh")
    progress: list[tuple[int, int]] = []
    parallel = read_files(
        files, registry, indicators, workers=2, progress=lambda *a: progress.append(a)
    )
    assert parallel == read_files(files, registry, indicators, workers=1)
    assert progress[-1] == (len(files), len(files)) and len(progress) == len(files)


def test_any_failure_of_the_reader_becomes_an_issue(inbox, catalog):
    [[(submission, issues)]] = read_files([inbox / "cam_thanh.xlsx"], None, [])  # no registry
    assert submission is None
    [issue] = issues
    assert issue.code == "file-unreadable" and issue.file == "cam_thanh.xlsx"
    assert "AttributeError" in issue.message


@pytest.mark.parametrize(
    ("signed", "newer_errors", "same_time", "used", "reason"),
    [
        ((12, 8), False, False, "a_cu.xlsx", "báo cáo ký ngày gần nhất"),
        ((10, 10), True, False, "b_moi.xlsx", "tệp sửa gần nhất"),
        ((10, 10), True, True, "a_cu.xlsx", "ít lỗi hơn"),
        ((10, 10), False, True, "a_cu.xlsx", "xếp trước theo tên tệp"),
    ],
)
def test_duplicates_use_one_file_and_say_why(
    tmp_path, catalog, registry, signed, newer_errors, same_time, used, reason
):
    old_time = MARCH_10 if same_time else MARCH_10 - 3 * 86400
    sample(tmp_path / "a_cu.xlsx", old_time, signed_day=signed[0])
    faults = {"blank_values": ("10",)} if newer_errors else {}
    sample(tmp_path / "b_moi.xlsx", MARCH_10, seed=2, signed_day=signed[1], **faults)
    result = consolidate(
        [tmp_path], catalog=catalog, registry=registry, catalog_set=SET, as_of=AS_OF
    )
    report = by_code(result)["18694"]
    assert report.submission.file_name == used
    [duplicate] = [i for i in result.issues if i.code == "unit-duplicate"]
    assert duplicate.severity is Severity.WARNING and duplicate.unit_code == "18694"
    assert f"dùng «{used}»" in duplicate.message and reason in duplicate.message
    ignored = "b_moi.xlsx" if used == "a_cu.xlsx" else "a_cu.xlsx"
    assert f"bỏ qua «{ignored}»" in duplicate.message
    assert not [i for i in result.issues if i.file == ignored]  # the other is not consolidated
    mine = [i for i in result.issues if i.unit_code == "18694"]
    assert report.warnings == sum(1 for i in mine if i.severity is Severity.WARNING)


@pytest.mark.parametrize("roadmap_later", [False, True])
def test_a_roadmap_sent_as_its_own_file_joins_the_table(tmp_path, catalog, registry, roadmap_later):
    """A commune that sends its table and its roadmap as two workbooks: the table is used
    (even when the roadmap came later) and its tasks are the roadmap file's."""
    sample(tmp_path / "bieu_tdg.xlsx", MARCH_10, roadmap_sheet=None)
    whole = sample(tmp_path / "ca_hai.xlsx", MARCH_10, seed=2)
    book = openpyxl.load_workbook(whole)
    del book["Biểu tự đánh giá"]  # the roadmap alone, its title block kept
    book.save(tmp_path / "lo_trinh.xlsx")
    whole.unlink()
    later = MARCH_10 + (2 * 86400 if roadmap_later else -2 * 86400)
    os.utime(tmp_path / "lo_trinh.xlsx", (later, later))

    result = consolidate(
        [tmp_path], catalog=catalog, registry=registry, catalog_set=SET, as_of=AS_OF
    )
    report = by_code(result)["18694"]
    assert report.submission.file_name == "bieu_tdg.xlsx" and report.criteria_met > 0
    tasks = [s.task for s in result.tasks if s.task.source == "unit"]
    assert len(tasks) == SampleSpec().roadmap_tasks
    codes = {i.code for i in result.issues if i.unit_code == "18694"}
    assert "roadmap-other-file" in codes
    assert not codes & {"unit-duplicate", "roadmap-not-found", "table-not-found"}


def test_deadline_and_lateness(inbox, catalog, registry):
    result = consolidate(
        [inbox],
        catalog=catalog,
        registry=registry,
        catalog_set=SET,
        as_of=AS_OF,
        reporting_deadline=date(2021, 3, 15),
    )
    reports = by_code(result)
    assert reports["18694"].on_time is True
    assert reports["18679"].on_time is False  # signed on 16/03
    assert reports["18745"].on_time is None  # not submitted
    [late] = [i for i in result.issues if i.code == "submission-late"]
    assert late.unit_code == "18679" and late.severity is Severity.INFO
    assert "16/03/2021" in late.message and "15/03/2021" in late.message


def test_plan_tasks_and_owner_checks(inbox, catalog, registry):
    plan, contacts = (
        load_plan(BUNDLED / "ke_hoach_2021.xlsx"),
        load_contacts(load_config().contacts),
    )
    result = consolidate(
        [inbox / "cam_thanh.xlsx"],
        catalog=catalog,
        registry=registry,
        catalog_set=SET,
        as_of=AS_OF,
        plan=plan,
        contacts=contacts,
        due_soon_days=20,
    )
    sources = {t.task.source for t in result.tasks}
    assert sources == {"plan", "unit"}
    occurrences = duty_tasks(plan.duties, AS_OF)  # missed ones and the current one
    assert [t.occurrence for t in occurrences if t.task_id == "III.3-1"] == [
        "tháng 1/2021",
        "tháng 2/2021",
        "tháng 3/2021",
    ]
    roadmap = by_code(result)["18694"].submission.tasks
    assert len(result.tasks) == len(plan.tasks) + len(occurrences) + len(roadmap)
    # commune tasks carry the communes concerned; the plan's targets come along
    units = {t.task.task_id: t.task.units for t in result.tasks if t.task.source == "plan"}
    assert list(units["2.1-2"]) == [u.code for u in registry.units if u.kind != "huyện"]
    higher = [u.code for u in registry.units if u.target_level in ("nâng cao", "kiểu mẫu")]
    assert sorted(units["2.2-1"]) == sorted(higher)
    assert units["2.3.a-1"] == ()
    assert result.targets == plan.targets
    states = {t.state.value for t in result.tasks if t.task.source == "plan"}
    assert "overdue" in states and "due_soon" in states
    owners = [i for i in result.issues if i.code == "owner-unknown"]
    assert all(i.file == plan.tasks[0].file for i in owners)  # the plan's people only


def test_the_district_workbook(tmp_path, inbox, catalog, registry):
    district = write_sample(tmp_path / "huyen.xlsx", district_spec())
    result = consolidate(
        [inbox],
        catalog=catalog,
        registry=registry,
        catalog_set=SET,
        as_of=AS_OF,
        district_workbook=district,
    )
    assert district_set(SET) == "huyen_2016_2020"
    report = result.district
    assert report.unit.kind == "huyện" and report.submission.unit_code == report.unit.code
    indicators = {r.indicator_code: r for r in report.indicators}
    share = round(100 * 4 / 21, 2)  # 4 of the 21 communes meet all 20 criteria
    assert indicators["0"].value == share
    assert indicators["0"].computed_status is Status.NOT_MET
    assert {c.criterion_no for c in report.criteria} == set(range(10))
    assert all(i.unit_code == report.unit.code for i in result.issues if i.file == "huyen.xlsx")
    among_communes = consolidate(
        [inbox, district], catalog=catalog, registry=registry, catalog_set=SET, as_of=AS_OF
    )
    assert among_communes.district.indicators == report.indicators
    assert "446" not in by_code(among_communes)
    assert not [i for i in among_communes.issues if i.code == "unit-duplicate"]
    other = tmp_path / "huyen_ban_khac.xlsx"
    other.write_bytes(district.read_bytes())
    configured = consolidate(
        [inbox, other],
        catalog=catalog,
        registry=registry,
        catalog_set=SET,
        as_of=AS_OF,
        district_workbook=district,
    )
    [duplicate] = [i for i in configured.issues if i.code == "unit-duplicate"]
    assert "dùng «huyen.xlsx» (biểu của huyện khai báo trong cấu hình)" in duplicate.message
    assert "bỏ qua «huyen_ban_khac.xlsx»" in duplicate.message
    missing = consolidate(
        [inbox / "cam_thanh.xlsx"],
        catalog=catalog,
        registry=registry,
        catalog_set=SET,
        as_of=AS_OF,
        district_workbook=tmp_path / "khong_co.xlsx",
    )
    assert missing.district.submission is None and missing.district.errors == 1
    assert any("khong_co.xlsx" in i.message for i in missing.issues)


def config_file(tmp_path: Path, **output: str) -> Path:
    lines = [
        "[data]",
        f'catalog = "{BUNDLED / "bo_tieu_chi.csv"}"',
        f'registry = "{BUNDLED / "don_vi.xlsx"}"',
        f'plan = "{BUNDLED / "ke_hoach_2021.xlsx"}"',
        f'contacts = "{BUNDLED / "danh_ba.xlsx"}"',
        "reporting_deadline = 2021-03-15",
        "[output]",
        *(f'{key} = "{value}"' for key, value in output.items()),
    ]
    path = tmp_path / "cau_hinh.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_consolidate_from_config(tmp_path, inbox):
    config = load_config(config_file(tmp_path))
    result = consolidate_from_config([inbox / "cam_thanh.xlsx"], config, AS_OF)
    assert by_code(result)["18694"].on_time is True
    assert {t.task.source for t in result.tasks} == {"plan", "unit"}
    assert result.district is None


def test_cli_validate(tmp_path, inbox, capsys):
    config = str(config_file(tmp_path))
    assert main(["validate", str(inbox / "cam_thanh.xlsx"), "--config", config]) == 0
    out = capsys.readouterr().out
    assert "Xã Cẩm Thành — tệp cam_thanh.xlsx: 20/20 tiêu chí đạt, 0 lỗi" in out
    assert "chưa nộp" not in out  # units whose files were not given are not reported

    assert main(["validate", str(inbox), "--config", config]) == 1
    out = capsys.readouterr().out
    assert "Xã Cẩm Hưng — tệp cam_hung_loi.xlsx\n  Lỗi" in out  # its name: its unit
    assert "Cảnh báo" in out and "Chỉ tiêu 4.2" in out

    assert main(["validate", str(inbox), "--json", "--config", config]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["summary"]["units"] == 5
    assert {u["unit_code"] for u in document["units"]} == {
        "18694", "18748", "18685", "18679", "18682"
    }  # fmt: skip
    first = document["issues"][0]
    assert set(first) == {
        "severity", "code", "title", "message", "unit_code", "unit_name", "file", "sheet", "cell"
    }  # fmt: skip
    assert not [i for i in document["issues"] if i["code"] == "unit-not-submitted"]


def test_cli_consolidate_writes_its_outputs(tmp_path, inbox, capsys):
    before = fingerprints(inbox)
    out_dir = tmp_path / "ket_qua"
    config = config_file(tmp_path, master=str(out_dir / "tong_hop.xlsx"))
    args = ["consolidate", str(inbox), "--config", str(config), "--as-of", "2021-03-15"]
    assert main([*args, "--csv-dir", str(out_dir / "csv")]) == 0
    out = capsys.readouterr().out
    assert "Đơn vị đã nộp: 5/21" in out
    assert f"Bảng tổng hợp: {out_dir / 'tong_hop.xlsx'}" in out
    assert (out_dir / "tong_hop.xlsx").is_file()
    assert sorted(p.name for p in (out_dir / "csv").glob("*.csv"))[0] == "criteria.csv"
    feedback = sorted(p.name for p in (out_dir / "gop_y").glob("*.xlsx"))
    # Cẩm Thành's workbook was open in Excel when copied (a lock file beside it)
    assert feedback == ["Góp ý - Xã Cẩm Thành.xlsx", "Góp ý - Xã Yên Hòa.xlsx"]
    marked = openpyxl.load_workbook(out_dir / "gop_y" / feedback[0])
    assert marked.active.title == "Góp ý"
    assert fingerprints(inbox) == before


def test_cli_consolidate_exit_2_when_an_output_cannot_be_written(tmp_path, inbox, capsys):
    (tmp_path / "ket_qua").write_text("một tệp, không phải thư mục", encoding="utf-8")
    blocked = tmp_path / "ket_qua" / "tong_hop.xlsx"  # cannot be created
    config = config_file(tmp_path)
    code = main(
        ["consolidate", str(inbox / "cam_thanh.xlsx"), "--config", str(config),
         "--output", str(blocked), "--no-feedback"]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert f"Không tạo được thư mục {blocked.parent}: đã có một tệp trùng tên" in err


def test_cli_consolidate_without_feedback(tmp_path, inbox, capsys):
    config = config_file(tmp_path, master=str(tmp_path / "th.xlsx"))
    args = ["consolidate", str(inbox), "--config", str(config), "--no-feedback"]
    assert main(args) == 0
    assert not (tmp_path / "gop_y").exists()


def test_stale_feedback_is_removed(tmp_path, inbox, catalog, registry):
    from ntm_excel.write.feedback import write_all_feedback

    result = consolidate([inbox], catalog=catalog, registry=registry, catalog_set=SET, as_of=AS_OF)
    stale = tmp_path / "Góp ý - Xã Cẩm Lạc.xlsx"  # its workbook has nothing to be told
    stale.write_bytes(b"old")
    written = write_all_feedback(result, tmp_path)
    # Cẩm Thành's workbook was open in Excel when copied (a lock file beside it)
    names = sorted(p.name for p in written)
    assert names == ["Góp ý - Xã Cẩm Thành.xlsx", "Góp ý - Xã Yên Hòa.xlsx"]
    assert not stale.exists()
    marked = openpyxl.load_workbook(next(p for p in written if "Yên Hòa" in p.name))
    located = [i for i in result.issues if i.unit_code == "18679" and i.cell]
    assert {i.code for i in located} >= {"assessment-contradiction", "criterion-contradiction"}
    for issue in located:
        cell = marked[issue.sheet][issue.cell]
        assert cell.fill.fill_type == "solid" and issue.message in cell.comment.text
    listed = list(marked["Góp ý"].iter_rows(min_row=5, values_only=True))
    assert len(listed) == len([i for i in result.issues if i.file == "yen_hoa.xlsx"])


def test_cli_refuses_a_missing_input_or_a_wrong_output_before_writing(tmp_path, inbox, capsys):
    """A typo must not turn into an empty consolidation that replaces the last good one."""
    master = tmp_path / "tong_hop.xlsx"
    assert main(["consolidate", str(tmp_path / "mau nop"), "-o", str(master)]) == 2
    assert "không tìm thấy tệp hoặc thư mục" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "mau nop")]) == 2
    assert main(["consolidate", str(inbox), "-o", str(tmp_path)]) == 2
    assert "là một thư mục; bảng tổng hợp phải là một tệp .xlsx" in capsys.readouterr().err
    assert main(["consolidate", str(inbox), "-o", str(tmp_path / "tong_hop.ods")]) == 2
    assert "phải có đuôi .xlsx" in capsys.readouterr().err
    assert not master.exists() and not (tmp_path / "gop_y").exists()


def test_cli_reports_an_unwritable_output_in_vietnamese(tmp_path, capsys):
    (tmp_path / "tep").write_text("")  # a file where a folder should be
    assert main(["template", "--unit", "18694", "-o", str(tmp_path / "tep" / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Lỗi: ") and "Traceback" not in err


def _broken(path: Path, source: Path, moment: float, *, password: bool = False) -> Path:
    """A re-send that cannot be read: cut short, or protected by a password."""
    data = source.read_bytes()
    if password:
        from msoffcrypto.format.ooxml import OOXMLFile

        out = io.BytesIO()
        OOXMLFile(io.BytesIO(data)).encrypt("123456", out)
        path.write_bytes(out.getvalue())
    else:
        path.write_bytes(data[: len(data) // 2])
    os.utime(path, (moment, moment))
    return path


@pytest.mark.parametrize("password", [False, True], ids=["damaged", "password"])
def test_an_unreadable_resend_is_tied_to_its_commune(tmp_path, catalog, registry, password):
    """The newest file of Cẩm Thành cannot be read: its error is Cẩm Thành's (its name says
    so), and the older file is used saying so; Cẩm Lạc sent only an unreadable file, in a
    folder named after it: its error reaches it in the unit reminders."""
    from ntm_excel.jobs.digest import reminder_mails

    older = sample(tmp_path / "xa_cam_thanh.xlsx")
    _broken(tmp_path / "cam_thanh_gui_lai.xlsx", older, MARCH_10 + 86400, password=password)
    (tmp_path / "Cẩm Lạc").mkdir()
    _broken(tmp_path / "Cẩm Lạc" / "bieu.xlsx", older, MARCH_10, password=password)
    result = consolidate(
        [tmp_path], catalog=catalog, registry=registry, catalog_set=SET, as_of=AS_OF, workers=1
    )
    reports = by_code(result)
    cam_thanh = [i for i in result.issues if i.unit_code == "18694"]
    assert reports["18694"].submission.file_name == "xa_cam_thanh.xlsx"
    assert [(i.code, i.file) for i in cam_thanh] == [
        ("file-unreadable", "cam_thanh_gui_lai.xlsx"),
        ("unit-newest-unreadable", "cam_thanh_gui_lai.xlsx"),
    ]
    assert cam_thanh[1].message == (
        "Xã Cẩm Thành: không đọc được tệp «cam_thanh_gui_lai.xlsx», gửi không sớm hơn tệp đang "
        "dùng «xa_cam_thanh.xlsx»; số liệu đang dùng có thể chưa là bản mới nhất. Hãy gửi lại "
        "tệp đọc được."
    )
    assert ("tệp có mật khẩu" in cam_thanh[0].message) is password
    assert reports["18694"].errors == 1
    [cam_lac] = [i for i in result.issues if i.unit_code == "18748"]
    assert (cam_lac.code, cam_lac.file) == ("file-unreadable", "bieu.xlsx")
    assert not reports["18748"].submitted and reports["18748"].errors == 1

    mails = {m.key.recipient: m for m in reminder_mails(result, deadline=None).mails}
    assert "cam_thanh_gui_lai.xlsx" in mails["ubnd.camthanh@camxuyen.example.org"].text
    to_cam_lac = mails["ubnd.camlac@camxuyen.example.org"]
    assert "bieu.xlsx" in to_cam_lac.text and "Không đọc được tệp" in to_cam_lac.text
    assert "tệp đã gửi không đọc được" in to_cam_lac.subject


def test_an_older_unreadable_file_is_only_mentioned(tmp_path, catalog, registry):
    newer = sample(tmp_path / "xa_cam_thanh.xlsx", MARCH_10 + 86400)
    _broken(tmp_path / "cam_thanh_ban_cu.xlsx", newer, MARCH_10)
    result = consolidate(
        [tmp_path], catalog=catalog, registry=registry, catalog_set=SET, as_of=AS_OF, workers=1
    )
    [issue] = [i for i in result.issues if i.unit_code == "18694"]
    assert issue.code == "unit-duplicate" and issue.severity is Severity.WARNING
    assert "bỏ qua «cam_thanh_ban_cu.xlsx» (không đọc được)" in issue.message
    assert by_code(result)["18694"].errors == 0


def test_an_unreadable_file_a_moment_older_counts_as_sent_with_it(tmp_path, catalog, registry):
    """Files checked out or unpacked together get times microseconds apart in any order: an
    unreadable file less than two seconds older than the file used is still a re-send."""
    used = sample(tmp_path / "xa_cam_thanh.xlsx", MARCH_10 + 60)
    _broken(tmp_path / "cam_thanh_gui_lai.xlsx", used, MARCH_10 + 60 - 0.001)
    result = consolidate(
        [tmp_path], catalog=catalog, registry=registry, catalog_set=SET, as_of=AS_OF, workers=1
    )
    codes = [i.code for i in result.issues if i.unit_code == "18694"]
    assert codes == ["file-unreadable", "unit-newest-unreadable"]
