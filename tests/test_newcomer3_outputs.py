"""Where `consolidate -o` puts its files: the CSV files follow the master, as its feedback
folder does, unless the configuration names a folder of their own."""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from ntm_excel.cli import main
from ntm_excel.config import load_config

SAMPLES = Path(__file__).resolve().parents[1] / "workbooks" / "mau_nop"
CSV = ["criteria.csv", "indicators.csv", "issues.csv", "tasks.csv", "units.csv"]


def _run(folder: Path, *argv: str) -> str:
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out):
        patch.chdir(folder)
        patch.setenv("NTM_STATE_DIR", str(folder / "var"))
        assert main(["consolidate", "nop", "--as-of", "2021-03-25", *argv]) == 0
    return out.getvalue()


@pytest.fixture
def office(tmp_path) -> Path:
    (tmp_path / "nop").mkdir()
    shutil.copy(SAMPLES / "18730_xa_cam_loc.xlsx", tmp_path / "nop")
    return tmp_path


def test_the_csv_files_go_beside_the_master_given(office):
    printed = _run(office, "-o", "Báo cáo tháng 3/tổng hợp.xlsx")
    beside = office / "Báo cáo tháng 3"
    assert sorted(p.name for p in (beside / "csv").glob("*.csv")) == CSV
    assert (beside / "tổng hợp.xlsx").is_file() and (beside / "gop_y").is_dir()
    assert not (office / "out").exists()  # nothing left in the configuration's out/
    assert f"  CSV: {Path('Báo cáo tháng 3') / 'csv'} (5 tệp)" in printed
    # Without -o, the configuration's places, as before.
    _run(office)
    assert sorted(p.name for p in (office / "out" / "csv").glob("*.csv")) == CSV


def test_a_csv_folder_the_configuration_names_elsewhere_is_kept(office):
    bundled = load_config()
    config = office / "cau_hinh.toml"
    config.write_text(
        f"""[data]
catalog = '{bundled.catalog}'
registry = '{bundled.registry}'
plan = '{bundled.plan}'
contacts = '{bundled.contacts}'
[output]
master = "out/tong_hop.xlsx"
csv_dir = "du_lieu/csv_chung"
""",
        encoding="utf-8",
    )
    _run(office, "--config", str(config), "-o", "nam_2021/tong_hop.xlsx")
    assert sorted(p.name for p in (office / "du_lieu" / "csv_chung").glob("*.csv")) == CSV
    assert not (office / "nam_2021" / "csv").exists()
