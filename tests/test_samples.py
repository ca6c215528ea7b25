"""The sample generator and the bundled sample folder."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from support.samples import (
    CLUSTER_FILE,
    DUPLICATE_UNIT,
    MISSING_UNIT,
    SampleSpec,
    bundled_specs,
    expected,
    main,
    more_specs,
    write_sample,
)

from ntm_excel.config import BUNDLED, load_config
from ntm_excel.read.reader import read_submission, read_workbook
from ntm_excel.read.sniff import sniff
from ntm_excel.reference.catalog import load_catalog


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The bundled set as the command writes it."""
    out = tmp_path_factory.mktemp("mau") / "mau_nop"
    district = out.parent / "huyen" / "huyen_cam_xuyen_tu_danh_gia.xlsx"
    assert main([str(out), "--huyen", str(district)]) == 0
    return out


def test_same_spec_same_workbook_content(tmp_path, registry, indicators):
    spec = SampleSpec(format="xls", value_styles=("number", "percent_text"), seed=42)
    first = read_submission(write_sample(tmp_path / "a.xls", spec), registry, indicators)[0]
    second = read_submission(write_sample(tmp_path / "b.xls", spec), registry, indicators)[0]
    assert first.sha256 == second.sha256
    assert expected(spec) == expected(spec)
    other = expected(SampleSpec(format="xls", value_styles=("number",), seed=43))
    assert other.values != expected(spec).values


@pytest.mark.parametrize("fmt", ["xlsx", "xlsm", "xls", "ods"])
def test_each_format_is_what_it_says(tmp_path, fmt):
    path = write_sample(tmp_path / f"x.{fmt}", SampleSpec(format=fmt))
    assert sniff(path.read_bytes()).kind == fmt


def test_bundled_specs_cover_every_expected_commune_but_one(registry):
    specs = bundled_specs()
    units = [spec.unit_code for _, spec in specs]
    expected_units = {u.code for u in registry.expected()}
    assert len(expected_units) == 21
    assert set(units) == expected_units - {MISSING_UNIT}
    assert len(units) == len(set(units)) == 20
    formats = Counter(spec.format for _, spec in specs)
    assert set(formats) == {"xlsx", "xlsm", "xls", "ods"}
    assert len({name for name, _ in specs}) == 19  # two communes share one workbook
    faults = [s for _, s in specs if s.contradictions or s.out_of_range or s.missing]
    assert faults and len(faults) < 20


def test_more_specs_repeat_each_unit_with_other_values():
    specs = more_specs(2)
    assert len(specs) == 40
    assert len({name for name, _ in specs}) == 38
    first, again = specs[0][1], specs[20][1]
    assert first.unit_code == again.unit_code and expected(first) != expected(again)


def test_bundled_folder_reads_as_designed(folder, registry, indicators):
    files = sorted(folder.iterdir())
    assert sum(path.stat().st_size for path in files) < 1_500_000
    by_unit: dict[str, list[Path]] = {}
    unreadable = []
    designed: dict[str, list] = {}
    for name, spec in bundled_specs():
        designed.setdefault(name, []).append(spec)
    for path in files:
        results = read_workbook(path, registry, indicators)
        if results[0][0] is None:
            unreadable.append((path.name, results[0][1][0].message))
            continue
        for (submission, issues), spec in zip(results, designed.get(path.name, []), strict=False):
            by_unit.setdefault(submission.unit_code, []).append(path)
            assert submission.unit_code == spec.unit_code, path.name
            want = len(expected(spec).codes)
            assert len(submission.indicators) == want, path.name
            if spec.formula_codes:
                assert "formula-without-value" in [i.code for i in issues]
            if spec.encoding:
                assert submission.encoding == spec.encoding
        if path.name not in designed:
            by_unit.setdefault(results[0][0].unit_code, []).append(path)
    assert MISSING_UNIT not in by_unit
    assert len(by_unit) == 20
    older, newer = sorted(by_unit[DUPLICATE_UNIT], key=lambda p: p.stat().st_mtime)
    assert "ban_cu" in older.name and "ban_cu" not in newer.name
    assert by_unit["18748"] == by_unit["18751"] == [folder / CLUSTER_FILE]
    reasons = dict(unreadable)
    assert len(reasons) == 2
    assert any("mật khẩu" in reason for reason in reasons.values())
    assert any("không trọn vẹn" in reason for reason in reasons.values())


def test_district_sample_reads_against_the_district_set(folder, registry):
    district = load_catalog(load_config().catalog).resolve("huyen_2016_2020", "Hà Tĩnh")
    path = folder.parent / "huyen" / "huyen_cam_xuyen_tu_danh_gia.xlsx"
    submission, issues = read_submission(path, registry, district)
    assert submission.unit_code == "446"
    assert [e.code for e in submission.indicators] == [i.code for i in district]
    assert [i.code for i in issues] == ["roadmap-not-found"]


def test_the_bundled_folder_in_the_repository_is_current(folder):
    """workbooks/mau_nop holds what `python -m support.samples workbooks/mau_nop` writes."""
    bundled = BUNDLED / "mau_nop"
    if not bundled.is_dir():
        pytest.skip("workbooks/mau_nop chưa được tạo")
    assert sorted(p.name for p in bundled.iterdir()) == sorted(p.name for p in folder.iterdir())
    district = BUNDLED / "mau_nop_huyen" / "huyen_cam_xuyen_tu_danh_gia.xlsx"
    assert district.is_file()


def test_validating_the_district_workbook_alone_names_the_district_and_its_figure(capsys):
    """It was «1 tệp khác», and «Chỉ tiêu 0: kết quả 0%» beside the 100 the district typed,
    without saying that 0% is counted from the communes' workbooks (none given here)."""
    from ntm_excel.cli import main

    district = BUNDLED / "mau_nop_huyen" / "huyen_cam_xuyen_tu_danh_gia.xlsx"
    assert main(["validate", str(district)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Huyện Cẩm Xuyên — tệp huyen_cam_xuyen_tu_danh_gia.xlsx: 9/10 tiêu chí")
    assert (
        "Chỉ tiêu 0: kết quả 0% (tính theo biểu của các xã; xã chưa nộp hoặc chưa đạt đủ tiêu chí "
        "là chưa đạt) so với chuẩn 100" in out
    )
    assert out.rstrip().endswith("Đã kiểm tra 1 đơn vị: 0 lỗi, 2 cảnh báo.")
