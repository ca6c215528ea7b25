"""Hand-made-looking workbooks (`support.wild`) read through `consolidate`'s CSV files: each
kind the reader once missed, in several spellings and formats, read back exactly as typed, and
clean files without a warning."""

from __future__ import annotations

import csv
import random

import pytest
from support.wild import MET_WORDS, FileTruth, Style, make_file, score

from ntm_excel.cli import main
from ntm_excel.reference.contacts import parse_owners

KINDS = [
    # a group heading over «Kết quả thực hiện» | «Tự đánh giá» (the sub-heading decides)
    ("nhom_tieu_de", "18694", Style(header="three", words=MET_WORDS[0])),
    ("nhom_tieu_de_ods", "18682", Style(fmt="ods", header="three", words=MET_WORDS[3])),
    # tick columns «Đạt» | «Chưa đạt» under «Tự đánh giá»
    ("danh_dau", "18685", Style(assess="checkbox", header="two", words=MET_WORDS[0])),
    ("danh_dau_xls", "18691", Style(fmt="xls", assess="checkbox", header="two", pct="comma")),
    ("danh_dau_ods", "18697", Style(fmt="ods", assess="checkbox", header="two", noisy=True)),
    # «Đ» for Đạt; criterion rows «1. Quy hoạch» over indicators numbered "-"
    ("viet_tat_d", "18706", Style(words=("Đ", "Chưa đạt"), numbering="dash", number_in_name=1)),
    ("ten_co_so", "18709", Style(fmt="xls", numbering="dash", number_in_name=1, words=("Đ", "CĐ"))),
    # figures beside a verdict or with a comment: «Đạt (100%)», «100% (12/12 thôn)»
    ("so_kem_chu", "18712", Style(noisy=True, pct="text", words=MET_WORDS[1])),
    # roadmaps: owner written title first, «Người chịu trách nhiệm», «Thường xuyên»
    (
        "lo_trinh",
        "18715",
        Style(roadmap="Lộ trình", owner_heading="Người chịu trách nhiệm", words=MET_WORDS[6]),
    ),
    ("lo_trinh_hai_cot", "18721", Style(fmt="ods", roadmap="Kế hoạch", roadmap_owner="two")),
]


@pytest.fixture(scope="module")
def consolidated(tmp_path_factory) -> tuple[list[dict], dict]:
    work = tmp_path_factory.mktemp("wild")
    inbox = work / "inbox"
    inbox.mkdir()
    truths: list[FileTruth] = []
    for index, (name, code, style) in enumerate(KINDS):
        truths.append(make_file(inbox, name, name, code, style, random.Random(index)))
    csv_dir = work / "csv"
    args = [
        "consolidate", str(inbox), "-o", str(work / "tong_hop.xlsx"), "--csv-dir", str(csv_dir),
        "--no-feedback", "--no-history", "--as-of", "2021-03-25",
    ]  # fmt: skip
    assert main(args) == 0
    rows = {
        name: list(csv.DictReader((csv_dir / f"{name}.csv").open(encoding="utf-8-sig")))
        for name in ("units", "indicators", "tasks", "issues")
    }
    truth = [{**t.__dict__, "file": f"inbox/{t.file}", "units": [u.__dict__ for u in t.units]}
             for t in truths]  # fmt: skip
    for t in truth:
        for u in t["units"]:
            u["indicators"] = [i.__dict__ for i in u["indicators"]]
            u["tasks"] = [task.__dict__ for task in u["tasks"]]
    return truth, {"inbox": rows}


@pytest.mark.parametrize(
    "category",
    [
        "unit identified",
        "indicators found",
        "values right",
        "self-assessments right",
        "statuses right",
        "tasks found",
        "task due dates right",
        "task owners right",
        "task done right",
        "clean files without false warnings",
    ],
)
def test_every_kind_is_read_as_typed(consolidated, category):
    truth, results = consolidated
    sc = score(truth, results)
    misses = [m for m in sc.misses if m.startswith(f"[{category}]")]
    assert sc.total[category] > 0
    assert misses == []


def test_the_kinds_are_really_in_the_files(consolidated):
    """The fixture holds what the test claims: ticks, «Đ», «1. Quy hoạch», the roadmaps."""
    truth, results = consolidated
    tasks = [t for t in results["inbox"]["tasks"] if t["source"] == "unit"]
    assert {t["unit_code"] for t in tasks} == {"18715", "18721"}
    assert any(t["directing"] for t in tasks)  # «Lãnh đạo chỉ đạo» beside «chủ trì»
    clean = [t for t in truth if t["clean"]]
    assert len(clean) == len(KINDS)


@pytest.mark.parametrize(
    ("cell", "owners"),
    [
        ("Phó Chủ tịch UBND xã - Nguyễn Văn Nam", ("Nguyễn Văn Nam",)),
        ("PCT - Trần Thị Hoa", ("Trần Thị Hoa",)),
        ("Chủ tịch: Lê Văn Bình; Công chức địa chính: Hồ Sỹ Nam", ("Lê Văn Bình", "Hồ Sỹ Nam")),
        ("Chủ tịch UBND xã - Trưởng ban NN", ("Chủ tịch UBND xã - Trưởng ban NN",)),
    ],
)
def test_a_title_written_before_the_name(cell, owners):
    assert parse_owners(cell) == owners


def test_ongoing_work_has_no_due_date_and_no_warning(consolidated):
    """«Thường xuyên» in the deadline column: no due date, no `deadline-invalid`."""
    truth, results = consolidated
    ongoing = [task for t in truth for u in t["units"] for task in u["tasks"] if not task["due"]]
    assert ongoing
    assert not [i for i in results["inbox"]["issues"] if i["code"] == "deadline-invalid"]
