"""Kinds of files offices really send, read end to end: a folder holds one clean workbook per
kind and spelling (several result years, several communes in one file, fractions with the
percent sign elsewhere, other numbering, values with words around them, deadlines as serial
numbers, several owners per cell …); `ntm-excel consolidate` reads it and the values,
statuses, tasks and owners are checked in its CSV files. Clean files raise no warning.
"""

from __future__ import annotations

import csv
import os
from datetime import datetime

import pytest
from support.samples import (
    SampleSpec,
    expected,
    expected_tasks,
    write_cluster,
    write_sample,
)

from ntm_excel.cli import main
from ntm_excel.config import BUNDLED

MARCH_10 = datetime(2021, 3, 10, 9, 0).timestamp()

# file name → the spec of each commune it holds; every commune of the registry at most once
KINDS: dict[str, list[SampleSpec]] = {
    "ket_qua_nam.xlsx": [SampleSpec("18679", "Xã Yên Hòa", value_years=(2020, 2021), seed=11)],
    "hien_trang_uoc.xls": [
        SampleSpec(
            "18682",
            "Xã Cẩm Dương",
            format="xls",
            value_years=(2020, 2021),
            year_headings="hien_trang_uoc",
            seed=12,
            not_met=("14.3", "4.2"),
        )
    ],
    "nam_hai_dong.ods": [
        SampleSpec(
            "18685",
            "Xã Cẩm Bình",
            format="ods",
            value_years=(2019, 2020, 2021),
            year_headings="two_row",
            seed=13,
        )
    ],
    "nam_cu_an.xlsx": [
        SampleSpec(
            "18691",
            "Xã Cẩm Vĩnh",
            value_years=(2019, 2020, 2021),
            hide_old_years=True,
            seed=14,
        )
    ],
    "ty_le_thap_phan.xlsx": [
        SampleSpec("18697", "Xã Cẩm Quang", value_styles=("fraction",), unit_column=True, seed=15)
    ],
    "ty_le_chi_tieu.xls": [
        SampleSpec(
            "18706",
            "Xã Cẩm Thạch",
            format="xls",
            value_styles=("fraction",),
            threshold_percent=True,
            seed=16,
        )
    ],
    "so_kem_chu.ods": [
        SampleSpec("18709", "Xã Cẩm Nhượng", format="ods", value_styles=("words",), seed=17)
    ],
    "la_ma.xlsx": [SampleSpec("18712", "Xã Nam Phúc Thăng", code_style="roman", seed=18)],
    "la_ma_so.xls": [
        SampleSpec("18715", "Xã Cẩm Duệ", format="xls", code_style="roman_numbers", seed=19)
    ],
    "so_chu.ods": [
        SampleSpec("18721", "Xã Cẩm Lĩnh", format="ods", code_style="number_letter", seed=20)
    ],
    "tieu_chi_chi_tieu.xlsx": [
        SampleSpec("18724", "Xã Cẩm Quan", code_style="words_indicator", seed=21)
    ],
    "so_dong.xls": [
        SampleSpec("18727", "Xã Cẩm Hà", format="xls", code_style="row_numbers", seed=22)
    ],
    "gop_hai_dong.xlsx": [SampleSpec("18730", "Xã Cẩm Lộc", merged_single=True, seed=23)],
    "gop_hai_dong_ten.ods": [
        SampleSpec(
            "18733",
            "Xã Cẩm Hưng",
            format="ods",
            merged_single=True,
            columns=("no", "name", "threshold", "value", "assessment"),
            seed=24,
        )
    ],
    "dong_ghi_chu.xlsx": [
        SampleSpec("18736", "Xã Cẩm Thịnh", note_rows=("15.3", "2.4", "5", "20"), seed=25)
    ],
    "lo_trinh_thuc_te.xls": [
        SampleSpec(
            "18739",
            "Xã Cẩm Mỹ",
            format="xls",
            roadmap_style="real",
            roadmap_tasks=10,
            seed=26,
        )
    ],
    "cum_xa.xlsx": [
        SampleSpec(
            "18742",
            "Xã Cẩm Trung",
            unit_style="file_name",
            sheet_name="Cẩm Trung",
            roadmap_sheet="Lộ trình Cẩm Trung",
            roadmap_style="real",
            seed=27,
        ),
        SampleSpec(
            "18748",
            "Xã Cẩm Lạc",
            sheet_name="Xã Cẩm Lạc",
            roadmap_sheet=None,
            seed=28,
            not_met=("17.6",),
        ),
        SampleSpec(
            "18751",
            "Xã Cẩm Minh",
            unit_style="file_name",
            sheet_name="Cam Minh",
            roadmap_sheet="Lộ trình Cẩm Minh",
            seed=29,
        ),
    ],
}
SPECS = {spec.unit_code: spec for specs in KINDS.values() for spec in specs}


@pytest.fixture(scope="module")
def csvs(tmp_path_factory) -> dict[str, list[dict[str, str]]]:
    inbox = tmp_path_factory.mktemp("nhan")
    for name, specs in KINDS.items():
        path = inbox / name
        if len(specs) > 1:
            write_cluster(path, specs)
        else:
            write_sample(path, specs[0])
        os.utime(path, (MARCH_10, MARCH_10))
    out = tmp_path_factory.mktemp("ket_qua")
    config = tmp_path_factory.mktemp("cau_hinh") / "cau_hinh.toml"
    config.write_text(
        "\n".join(
            [
                "[data]",
                f'catalog = "{BUNDLED / "bo_tieu_chi.csv"}"',
                f'registry = "{BUNDLED / "don_vi.xlsx"}"',
                f'plan = "{BUNDLED / "ke_hoach_2021.xlsx"}"',
                f'contacts = "{BUNDLED / "danh_ba.xlsx"}"',
            ]
        ),
        encoding="utf-8",
    )
    code = main(
        [
            "consolidate",
            str(inbox),
            "--config",
            str(config),
            "--as-of",
            "2021-03-25",
            "-o",
            str(out / "tong_hop.xlsx"),
            "--csv-dir",
            str(out / "csv"),
            "--no-feedback",
        ]
    )
    assert code == 0
    tables = {}
    for name in ("units", "indicators", "tasks", "issues"):
        with (out / "csv" / f"{name}.csv").open(encoding="utf-8-sig", newline="") as file:
            tables[name] = list(csv.DictReader(file))
    return tables


def test_every_commune_of_every_file_is_a_submission(csvs):
    submitted = {row["unit_code"]: row for row in csvs["units"] if row["submitted"] == "yes"}
    assert set(submitted) == set(SPECS)
    cluster = {code for code, row in submitted.items() if row["source_file"] == "cum_xa.xlsx"}
    assert cluster == {"18742", "18748", "18751"}  # the summary sheet is not a commune


@pytest.mark.parametrize("unit", sorted(SPECS))
def test_values_and_statuses_read_back(csvs, unit):
    spec = SPECS[unit]
    want = expected(spec)
    rows = {row["indicator_code"]: row for row in csvs["indicators"] if row["unit_code"] == unit}
    assert sorted(rows) == sorted(want.codes)
    for code, number in want.numbers.items():
        assert float(rows[code]["value"]) == pytest.approx(number), (code, rows[code])
    for code in want.codes:
        status = "met" if want.met[code] else "not_met"
        assert rows[code]["status"] == status, (code, rows[code])


@pytest.mark.parametrize("unit", sorted(SPECS))
def test_clean_files_raise_no_warning(csvs, unit):
    found = [row for row in csvs["issues"] if row["unit_code"] == unit]
    assert [row for row in found if row["severity"] != "info"] == []


def test_what_the_reader_chose_is_said(csvs):
    infos = {(row["unit_code"], row["code"]): row["message"] for row in csvs["issues"]}
    assert "năm báo cáo" in infos[("18679", "value-column-chosen")]
    assert "«Kết quả năm 2021»" in infos[("18679", "value-column-chosen")]
    assert "«Kết quả năm 2020» (ẩn)" in infos[("18691", "value-column-chosen")]
    assert "cột đang hiện" in infos[("18691", "value-column-chosen")]
    assert "nhân 100" in infos[("18697", "value-fraction")]
    assert ("18706", "value-fraction") in infos
    estimates = [
        row for row in csvs["issues"] if row["code"] == "value-estimated" and row["unit_code"]
    ]
    assert {row["unit_code"] for row in estimates} == {"18709"}
    assert len(estimates) == len(expected(SPECS["18709"]).estimates) > 0


@pytest.mark.parametrize("unit", ["18739", "18742"])
def test_tasks_deadlines_and_every_owner(csvs, unit):
    spec = SPECS[unit]
    rows = {row["task"]: row for row in csvs["tasks"] if row["unit_code"] == unit}
    want = expected_tasks(spec)
    assert sorted(rows) == sorted(task.text for task in want)
    for task in want:
        row = rows[task.text]
        assert row["due_date"] == task.due.isoformat(), (task.deadline_cell, row)
        assert row["owners"] == "; ".join(task.owners), (task.owner_cell, row)
        assert (row["state"] == "done") == task.done, row
    # «Hoàn thành trước …» with the status «Đang thực hiện» is a deadline, not work done
    early = [t for t in want if str(t.deadline_cell).startswith("Hoàn thành")]
    assert early and not any(t.done for t in early)
