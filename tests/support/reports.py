"""A unit's report for a workbook the tests made: the commune and sheet the feedback tests use."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from ntm_excel.model import Submission, Unit, UnitReport

UNIT = Unit("18694", "Xã Cẩm Thành", "xã", "Huyện Cẩm Xuyên", "Hà Tĩnh", "Bắc Trung Bộ")
DATA_SHEET = "Tự đánh giá"


def report_for(path: Path, name: str = "") -> UnitReport:
    """`UNIT`'s report of the workbook at `path`, submitted as `name` (default: its own)."""
    data = path.read_bytes()
    submission = Submission(
        path=str(path),
        file_name=name or path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        modified=datetime.fromtimestamp(path.stat().st_mtime),
        unit_code=UNIT.code,
        unit_text="UBND XÃ CẨM THÀNH",
        sheet=DATA_SHEET,
    )
    return UnitReport(UNIT, submission)
