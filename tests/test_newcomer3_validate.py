"""`validate --explain` on a district's own workbook explains the reading it was judged by:
the district's criteria set, as its issues are."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout

from ntm_excel.cli import main
from ntm_excel.config import BUNDLED
from ntm_excel.reference.catalog import load_catalog

DISTRICT = BUNDLED / "mau_nop_huyen" / "huyen_cam_xuyen_tu_danh_gia.xlsx"
ROW = re.compile(r"^\s+(\d+) (\S+)\s+(.*)$")


def test_a_districts_workbook_is_explained_against_the_district_set():
    out = io.StringIO()
    with redirect_stdout(out):
        main(["validate", "--explain", str(DISTRICT)])
    printed = out.getvalue()
    lines = printed.split("  Dòng:\n")[1].split("\n\n")[0].splitlines()
    rows = {int(m[1]): (m[2], m[3]) for line in lines if (m := ROW.match(line))}
    district = {
        i.code for i in load_catalog(BUNDLED / "bo_tieu_chi.csv").resolve("huyen_2016_2020", "")
    }
    read = {code for code, _ in rows.values() if code != "—"}
    assert read <= district and {"5.1", "5.4", "7.1", "8.TT35.d"} <= read
    assert rows[17][0] == "5.1"  # «Bệnh viện huyện…», not «chỉ tiêu 5 ghi lần hai»
    assert not any("ghi lần hai" in why for _, why in rows.values())
    # the issues below are of the same reading: «Chỉ tiêu 0» at F8, row 8 read as 0
    assert rows[8][0] == "0" and "F8     Chỉ tiêu 0:" in printed
