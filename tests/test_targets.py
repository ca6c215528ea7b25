"""The plan's targets as tracked items, and each commune judged against its own target: a
model commune against the model set (met, not met, set incomplete, set missing)."""

from __future__ import annotations

import csv
import dataclasses
import email
import shutil
from datetime import date
from email import policy
from pathlib import Path

import openpyxl
import pytest
from support.samples import SampleSpec, write_sample

from ntm_excel.check.consolidate import consolidate, consolidate_from_config
from ntm_excel.check.figures import Figures, standing
from ntm_excel.cli import main
from ntm_excel.config import BUNDLED, load_config
from ntm_excel.jobs.digest import weekly_mails
from ntm_excel.jobs.ledger import Ledger
from ntm_excel.jobs.scheduler import Runner
from ntm_excel.read.reader import read_workbook
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.contacts import load_contacts
from ntm_excel.reference.plan import TARGETS_SHEET, load_plan
from ntm_excel.reference.registry import load_registry
from ntm_excel.write.master import write_master

AS_OF = date(2021, 3, 25)
MODEL_SET = "xa_kieu_mau_2018_2020"
CAM_BINH, CAM_VINH, CAM_THANH = "18685", "18691", "18694"


def complete_catalog(tmp_path: Path) -> Path:
    """The bundled catalogue with the model set's two unretrieved groups filled in, as an
    office would once it has the provincial guidance."""
    path = tmp_path / "bo_tieu_chi.csv"
    with open(load_config().catalog, encoding="utf-8-sig", newline="") as source:
        rows = list(csv.reader(source))
    for row in rows:
        if row[0] == MODEL_SET and row[7] == "(chưa xác minh)":
            row[7], row[9], row[11] = "Đạt", "Đạt", "có"
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def catalog_without_model_sets(tmp_path: Path) -> Path:
    path = tmp_path / "khong_kieu_mau.csv"
    with open(load_config().catalog, encoding="utf-8-sig", newline="") as source:
        rows = [r for r in csv.reader(source) if "kieu_mau" not in r[0]]
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


TITLE = "BIỂU TỰ ĐÁNH GIÁ TIÊU CHÍ XÃ NÔNG THÔN MỚI KIỂU MẪU NĂM 2021"


def model_workbook(
    path: Path, commune: str, values: dict[str, tuple[object, str]], title: str = TITLE
) -> Path:
    """A commune's self-assessment against the model-commune set, as an office types it."""
    indicators = load_catalog(load_config().catalog).resolve(MODEL_SET, "Hà Tĩnh")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Kiểu mẫu"
    sheet.append(["UBND HUYỆN CẨM XUYÊN", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    sheet.append([f"UBND XÃ {commune.upper()}", None, None, "Độc lập - Tự do - Hạnh phúc"])
    sheet.append([])
    sheet.append([title])
    sheet.append([])
    sheet.append(["TT", "Tên tiêu chí", "Nội dung tiêu chí", "Kết quả thực hiện", "Tự đánh giá"])
    for ind in indicators:
        value, assessment = values[ind.code]
        sheet.append([ind.code, ind.criterion_name, ind.text, value, assessment])
    sheet.append([])
    sheet.append([None, None, None, f"{commune}, ngày 12 tháng 3 năm 2021"])
    book.save(path)
    return path


MET = {
    "1.1": ("Đạt", "Đạt"),
    "1.2": (3, "Đạt"),
    "1.3": (1.6, "Đạt"),
    "1.4": (0, "Đạt"),
    "2.1": (92, "Đạt"),
    "2.2": (96, "Đạt"),
    "2.3": (95, "Đạt"),
    "3": ("Đạt", "Đạt"),
    "4": ("Đạt", "Đạt"),
}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    """Cẩm Bình and Cẩm Vĩnh (kiểu mẫu) meet every basic criterion; Cẩm Bình meets the model
    set, Cẩm Vĩnh's health insurance coverage (90%) is below its 95%. Cẩm Thành aims at
    "nâng cao", whose set the province has not given."""
    folder = tmp_path_factory.mktemp("inbox")
    for code, name in ((CAM_BINH, "Xã Cẩm Bình"), (CAM_VINH, "Xã Cẩm Vĩnh"), (CAM_THANH, "")):
        spec = SampleSpec(unit_code=code, unit_name=name or "Xã Cẩm Thành", roadmap_sheet=None)
        write_sample(folder / f"{code}.xlsx", spec)
    model_workbook(folder / "cam_binh_kieu_mau.xlsx", "Cẩm Bình", MET)
    model_workbook(folder / "cam_vinh_kieu_mau.xlsx", "Cẩm Vĩnh", MET | {"2.2": (90, "Chưa đạt")})
    return folder


def run(inbox: Path, catalog: Path):
    config = load_config()
    return consolidate(
        [inbox],
        catalog=load_catalog(catalog),
        registry=load_registry(config.registry),
        catalog_set=config.catalog_set,
        as_of=AS_OF,
        plan=load_plan(config.plan),
        contacts=load_contacts(config.contacts),
    )


def by_code(consolidation):
    return {r.unit.code: r for r in consolidation.units}


def test_a_model_commune_judged_against_the_model_set(tmp_path, inbox):
    result = run(inbox, complete_catalog(tmp_path))
    reports = by_code(result)
    binh, vinh, thanh = reports[CAM_BINH], reports[CAM_VINH], reports[CAM_THANH]
    # the basic workbook is the one its criteria come from; the model one is judged apart
    assert binh.submission.file_name == f"{CAM_BINH}.xlsx" and binh.submission.level == ""
    assert binh.level.set_id == MODEL_SET and binh.level.submission.level == "kiểu mẫu"
    assert binh.level.submission.file_name == "cam_binh_kieu_mau.xlsx"
    assert [c.status.value for c in binh.level.criteria] == ["met"] * 4
    met = standing(binh)
    assert met.met and met.text == "20/20 tiêu chí xã NTM; 4/4 tiêu chí kiểu mẫu"
    not_met = standing(vinh)
    assert not not_met.met and not_met.text.endswith("3/4 tiêu chí kiểu mẫu")
    insurance = next(i for i in vinh.level.indicators if i.indicator_code == "2.2")
    assert insurance.status.value == "not_met" and insurance.cell.startswith("D")
    missing = standing(thanh)
    assert not missing.met and missing.note == "chưa có bộ tiêu chí nâng cao của tỉnh"
    # the model workbook's rows never reached the basic judgement
    codes = {i.code for i in result.issues if i.unit_code == CAM_BINH}
    assert "unit-duplicate" not in codes and "indicator-unknown" not in codes
    facts = Figures.of(result)
    levels = {s.level: s for s in facts.levels()}
    assert (levels["kiểu mẫu"].units, levels["kiểu mẫu"].meeting_all) == (2, 1)
    assert levels["kiểu mẫu"].lagging == ["Xã Cẩm Vĩnh"]
    assert levels["nâng cao"].meeting_all == 0
    assert levels["nâng cao"].notes == ["chưa có bộ tiêu chí nâng cao của tỉnh"]
    model = next(t for t in facts.targets() if t.level == "kiểu mẫu")
    assert (model.done, model.total, model.met) == (1, 2, False)
    assert model.progress == "1/2 xã đạt mức kiểu mẫu"


@pytest.mark.parametrize(
    ("title", "level"),
    [
        (TITLE, "kiểu mẫu"),
        ("BIỂU TỰ ĐÁNH GIÁ XÃ ĐẠT CHUẨN NÔNG THÔN MỚI KIỂU MẪU NĂM 2021", "kiểu mẫu"),
        ("Kết quả thực hiện các tiêu chí NTM kiểu mẫu", "kiểu mẫu"),
        ("BIỂU TỰ ĐÁNH GIÁ XÃ ĐẠT CHUẨN NÔNG THÔN MỚI NÂNG CAO", "nâng cao"),
        ("BIỂU TỰ ĐÁNH GIÁ XÃ NÔNG THÔN MỚI NĂM 2021", ""),
        ("TỰ ĐÁNH GIÁ (có 3 khu dân cư nông thôn mới kiểu mẫu)", ""),
    ],
)
def test_the_title_names_the_level_a_commune_assessed_itself_at(tmp_path, title, level):
    path = model_workbook(tmp_path / "tdg.xlsx", "Cẩm Bình", MET, title)
    registry = load_registry(BUNDLED / "don_vi.xlsx")
    indicators = load_catalog(load_config().catalog).resolve(MODEL_SET, "Hà Tĩnh")
    [(submission, _)] = read_workbook(path, registry, indicators)
    assert submission.level == level


def test_an_incomplete_or_missing_model_set_is_said_and_never_counted_as_met(tmp_path, inbox):
    bundled = run(inbox, load_config().catalog)  # 691's groups 3 and 4 were not retrieved
    binh = standing(by_code(bundled)[CAM_BINH])
    assert not binh.met
    assert binh.note == (
        f"bộ tiêu chí kiểu mẫu ({MODEL_SET}) chưa đầy đủ: 2 chỉ tiêu chưa có ngưỡng (chưa xác minh)"
    )
    levels = {s.level: s for s in Figures.of(bundled).levels()}
    assert levels["kiểu mẫu"].meeting_all == 0 and levels["kiểu mẫu"].notes == [binh.note]

    absent = run(inbox, catalog_without_model_sets(tmp_path))
    binh = standing(by_code(absent)[CAM_BINH])
    assert not binh.met and binh.note == "chưa có bộ tiêu chí kiểu mẫu"
    assert by_code(absent)[CAM_BINH].level.set_id == ""
    model = next(t for t in Figures.of(absent).targets() if t.level == "kiểu mẫu")
    assert model.done == 0 and "chưa có bộ tiêu chí kiểu mẫu" in model.progress


def test_the_master_says_in_words_what_it_could_not_check(tmp_path, inbox):
    path = write_master(run(inbox, load_config().catalog), tmp_path / "tong_hop.xlsx")
    sheet = openpyxl.load_workbook(path)["Tổng hợp"]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Nâng cao: chưa có bộ tiêu chí nâng cao của tỉnh; không đơn vị nào được tính là " \
        "đạt mức này khi chưa đối chiếu được." in texts  # fmt: skip
    assert any(
        t.startswith("Kiểu mẫu: bộ tiêu chí kiểu mẫu (xa_kieu_mau_2018_2020)") for t in texts
    )
    row = next(r for r in sheet.iter_rows() if r[0].value == "Kiểu mẫu")
    assert [c.value for c in row[1:5]] == [2, 2, 0, 2]  # units, submitted, met, not met


def test_the_registry_is_checked_against_the_plans_targets(tmp_path, inbox):
    plan = tmp_path / "ke_hoach.xlsx"
    shutil.copy(BUNDLED / "ke_hoach_2021.xlsx", plan)
    book = openpyxl.load_workbook(plan)
    sheet = book[TARGETS_SHEET]
    heading = [c.value for c in sheet[1]]
    row = next(
        r for r in sheet.iter_rows(min_row=2) if r[heading.index("Mã đơn vị")].value == CAM_VINH
    )
    row[heading.index("Mức")].value = "nâng cao"
    book.save(plan)
    config = dataclasses.replace(load_config(), plan=plan)
    result = consolidate_from_config([inbox], config, AS_OF)
    [issue] = [i for i in result.issues if i.code == "target-mismatch"]
    assert issue.unit_code == CAM_VINH and issue.sheet == TARGETS_SHEET
    assert "kế hoạch (A" in issue.message and "«nâng cao»" in issue.message
    assert "danh sách đơn vị ghi «kiểu mẫu»" in issue.message
    bundled = consolidate_from_config([inbox], load_config(), AS_OF)
    assert not [i for i in bundled.issues if i.code == "target-mismatch"]


# --- the bundled demo ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    return consolidate_from_config([BUNDLED / "mau_nop"], load_config(), AS_OF)


def test_the_demo_master_shows_the_targets_with_deadlines_and_days_left(tmp_path, demo):
    path = write_master(demo, tmp_path / "tong_hop.xlsx")
    sheet = openpyxl.load_workbook(path)["Tổng hợp"]
    rows = {r[0].value: r for r in sheet.iter_rows() if isinstance(r[0].value, str)}
    district = rows["CT-1. Hoàn thành bộ tiêu chí huyện nông thôn mới"]
    assert (
        district[1].value.date() == date(2021, 3, 31) and district[1].number_format == "dd/mm/yyyy"
    )
    assert district[2].value == "còn 6 ngày"
    communes = rows["CT-2. 100% số xã củng cố đảm bảo đạt chuẩn tiêu chí xã nông thôn mới"]
    met, total = Figures.of(demo).precondition()
    assert (communes[3].value, communes[4].value) == (met, total)
    assert communes[6].value == f"{met}/{total} xã đạt đủ tiêu chí"
    advanced = rows["CT-3. Chỉ đạo xây dựng xã nông thôn mới nâng cao"]
    assert advanced[2].value == "kế hoạch không ghi thời hạn"
    assert "chưa có bộ tiêu chí nâng cao của tỉnh" in advanced[6].value
    assert "Xã Cẩm Thành" in advanced[6].value


def test_the_demo_weekly_summary_and_digests_show_the_targets(tmp_path, demo):
    mails, _ = weekly_mails(demo, ["bcd@camxuyen.example.org"])
    text = mails[0].text
    assert "CHỈ TIÊU CỦA KẾ HOẠCH" in text
    assert (
        "- CT-1. Hoàn thành bộ tiêu chí huyện nông thôn mới: hạn 31/03/2021 · còn 6 ngày · " in text
    )
    assert "CT-4. Chỉ đạo xây dựng xã nông thôn mới kiểu mẫu: hạn — · kế hoạch không ghi" in text
    base = load_config()
    config = dataclasses.replace(
        base,
        state_dir=tmp_path / "var",
        master=tmp_path / "out" / "tong_hop.xlsx",
        mail=dataclasses.replace(base.mail, smtp_host="", outbox=tmp_path / "outbox"),
    )
    with Ledger(config.state_dir) as ledger:
        assert Runner(config, ledger).run("daily-digest", AS_OF).ok
    sent = list((tmp_path / "outbox").glob("*.eml"))
    assert sent
    for path in sent:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "CT-2. 100% số xã củng cố đảm bảo đạt chuẩn tiêu chí xã nông thôn mới: hạn " \
            "31/03/2021 · còn 6 ngày" in body  # fmt: skip


def test_tasks_lists_the_targets_and_filters_by_body_or_commune(capsys):
    assert main(["tasks", "--as-of", "2021-03-25", "--owner", "Hội Nông dân huyện"]) == 0
    out = capsys.readouterr().out
    assert "CT-1. Hoàn thành bộ tiêu chí huyện nông thôn mới — hạn 31/03/2021, còn 6 ngày" in out
    codes = sorted({line.split()[0] for line in out.splitlines() if line.startswith("III.")})
    assert codes == ["III.4-1", "III.4-2", "III.4-4"]  # its own, the call to all, a partner
    assert main(["tasks", "--as-of", "2021-03-25", "--owner", "Cẩm Thành"]) == 0
    out = capsys.readouterr().out
    codes = {line.split()[0] for line in out.splitlines() if line.startswith(("2.", "III."))}
    assert {"2.1-1", "2.1-2", "2.1-3", "2.2-1", "III.1-1", "III.1-4"} <= codes
    assert not any(code.startswith(("2.3", "2.4", "III.2", "III.4")) for code in codes)
    assert main(["tasks", "--as-of", "2021-03-25", "--owner", "Cẩm Sơn"]) == 0
    out = capsys.readouterr().out
    assert "2.1-2" in out and "2.2-1" not in out  # Cẩm Sơn aims at "đạt chuẩn" only
    main(["tasks", str(BUNDLED / "mau_nop"), "--as-of", "2021-03-25", "--state", "done"])
    out = capsys.readouterr().out
    assert "xã đạt đủ tiêu chí" in out and "(cho thêm biểu" not in out
