"""`ntm-excel template`: write the self-assessment workbook for one unit or for all of them."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from ntm_excel.cli.catalog import catalog_from
from ntm_excel.cli.common import (
    add_catalog_option,
    add_config_option,
    add_force_option,
    add_registry_option,
    config_from,
    fail,
    refused,
    unit_named,
)
from ntm_excel.cli.registry import registry_from
from ntm_excel.model import DISTRICT, Unit
from ntm_excel.reference.catalog import district_set
from ntm_excel.reference.registry import file_stem
from ntm_excel.write.template import write_template


def _set_for(unit: Unit, args: argparse.Namespace, sets: list[str]) -> str:
    """--set, else the configured commune set (its district counterpart for a district)."""
    if args.set:
        return args.set
    set_id = config_from(args).catalog_set
    district = district_set(set_id)
    return district if unit.tier == DISTRICT and district in sets else set_id


def _run(args: argparse.Namespace) -> int:
    catalog = catalog_from(args)
    registry = registry_from(args)
    if args.all:
        units = registry.expected()
        Path(args.output).mkdir(parents=True, exist_ok=True)
        stems = Counter(file_stem(unit) for unit in units)
        targets = [  # "Nghi Văn" and "Nghi Vạn" fold alike: the code keeps both files
            Path(args.output)
            / (f"{file_stem(unit)}.xlsx" if stems[file_stem(unit)] == 1 else
               f"{file_stem(unit)}_{unit.code}.xlsx")
            for unit in units
        ]  # fmt: skip
    else:
        unit = unit_named(registry, args.unit)
        if unit is None:
            return 2
        target = Path(args.output)
        if args.output.endswith(("/", os.sep)):  # «-o "Biểu mẫu/"»: a folder, made if new
            target.mkdir(parents=True, exist_ok=True)
        if target.is_dir():  # the file goes in it, named as --all names it
            target = target / f"{file_stem(unit)}.xlsx"
        elif target.suffix.lower() != ".xlsx":
            fail(
                f"biểu phải là tệp .xlsx, không phải «{target.name}»: ghi tên tệp, ví dụ "
                f"-o «{target.with_suffix('.xlsx')}», hoặc một thư mục kết thúc bằng dấu "
                f"{os.sep}, ví dụ -o «{target}{os.sep}»"
            )
            return 2
        units, targets = [unit], [target]
    if refused(targets, args.force):  # a filled-in workbook of the same name, sent back
        return 2
    for unit, target in zip(units, targets, strict=True):
        set_id = _set_for(unit, args, catalog.sets())
        if set_id not in catalog.sets():
            fail(f"Không có bộ tiêu chí «{set_id}»; các bộ có: {', '.join(catalog.sets())}")
            return 2
        if set_id.startswith("huyen_") != (unit.tier == DISTRICT):
            level = "huyện" if set_id.startswith("huyen_") else "xã"
            print(
                f"Cảnh báo: {unit.name} được lập biểu theo bộ tiêu chí cấp {level} «{set_id}».",
                file=sys.stderr,
            )
        indicators = catalog.resolve(set_id, unit.province)
        write_template(unit, indicators, target, set_id=set_id, region=unit.region)
        count = f"{len({i.criterion_no for i in indicators})} tiêu chí, {len(indicators)} chỉ tiêu"
        print(f"Đã ghi biểu của {unit.name} ({count}): {target}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "template",
        help="lập biểu tự đánh giá (.xlsx) để gửi các đơn vị",
        description=(
            "Lập biểu tự đánh giá tiêu chí nông thôn mới cho một đơn vị, hoặc cho mọi đơn vị\n"
            "phải nộp. Ví dụ:\n"
            '  ntm-excel template --unit "Xã Cẩm Thành" -o xa_cam_thanh.xlsx\n'
            "  ntm-excel template --all -o bieu_mau/"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", metavar="ĐƠN_VỊ", help="tên hoặc mã đơn vị, ví dụ «Xã Cẩm Thành»")
    which.add_argument("--all", action="store_true", help="mọi đơn vị phải nộp, mỗi đơn vị một tệp")
    parser.add_argument(
        "-o", "--output", required=True, metavar="ĐÍCH",
        help="tệp .xlsx (với --unit) hoặc thư mục (với --all)",
    )  # fmt: skip
    parser.add_argument(
        "--set", metavar="MÃ", help="bộ tiêu chí (mặc định: bộ trong cấu hình, ví dụ xa_2016_2020)"
    )
    add_force_option(parser)
    add_catalog_option(parser)
    add_registry_option(parser)
    add_config_option(parser)
    parser.set_defaults(func=_run)
