"""`ntm-excel registry`: build the list of reporting units of a district, a province or the
whole country, or show it."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from ntm_excel.cli.common import (
    add_config_option,
    add_force_option,
    add_registry_option,
    config_from,
    fail,
    refused,
)
from ntm_excel.model import COMMUNE, DISTRICT, PROVINCE
from ntm_excel.reference.registry import (
    Registry,
    build_registry,
    load_registry,
    write_registry,
)


def registry_from(args: argparse.Namespace) -> Registry:
    """The registry named by --registry, else the configured one."""
    return load_registry(getattr(args, "registry", None) or config_from(args).data_file("registry"))


def _names(text: str | None) -> list[str]:
    return [name.strip() for name in re.split(r"[,;]", text or "") if name.strip()]


def _build(args: argparse.Namespace) -> int:
    if args.district and not args.province:
        fail("--district cần --province")
        return 2
    if args.country == bool(args.province):
        message = "hãy ghi --province TỈNH (có thể kèm --district HUYỆN) hoặc --country"
        fail(message)
        return 2
    target = Path(args.output)
    if target.is_dir():  # «-o danh_sach/»: the file goes in it
        target = target / "don_vi.xlsx"
    elif target.suffix.lower() != ".xlsx":
        fail(f"danh sách đơn vị phải là tệp .xlsx, không phải «{args.output}»")
        return 2
    if refused([target], args.force):
        return 2
    targets = {name: "nâng cao" for name in _names(args.nang_cao)}
    targets |= {name: "kiểu mẫu" for name in _names(args.kieu_mau)}
    registry = build_registry(
        args.province,
        args.district,
        targets=targets,
        target_source=args.can_cu or "",
        example_emails=args.email_mau,
    )
    write_registry(registry, target)
    print(
        f"Đã ghi {_composition(registry, args.district)} vào {target}; "
        f"{len(registry.expected())} đơn vị phải nộp biểu tự đánh giá."
    )
    return 0


def _composition(registry: Registry, district: str | None) -> str:
    """What a built registry holds, in words: the units of the area, then the area's own row
    (or rows), then how many rows that makes, as `registry show` counts them."""
    rows = f"({len(registry.units)} dòng)"
    if district:
        unit = registry.tier(DISTRICT)[0]
        return (
            f"{len(registry.units) - 1} đơn vị của {unit.name} ({unit.province}, vùng "
            f"{unit.region}) và dòng của chính huyện {rows}"
        )
    provinces = registry.tier(PROVINCE)
    districts, communes = registry.tier(DISTRICT), registry.tier(COMMUNE)
    where = f"tỉnh {provinces[0].province}" if len(provinces) == 1 else f"{len(provinces)} tỉnh"
    own = "dòng của chính tỉnh" if len(provinces) == 1 else "một dòng cho mỗi tỉnh"
    return (
        f"{len(districts) + len(communes)} đơn vị của {where}: {len(districts)} đơn vị cấp "
        f"huyện, {len(communes)} đơn vị cấp xã ({sum(u.kind == 'xã' for u in communes)} xã) "
        f"và {own} {rows}"
    )


def _show(args: argparse.Namespace) -> int:
    registry = registry_from(args)
    print(f"{'Mã':<6} {'Tên đơn vị':<24} {'Loại':<9} {'Mục tiêu':<10} {'Nộp':<5} {'Thư điện tử'}")
    for unit in registry.units:
        print(
            f"{unit.code:<6} {unit.name:<24} {unit.kind:<9} {unit.target_level or '—':<10} "
            f"{'có' if unit.expected else 'không':<5} {unit.email or '—'}"
        )
        if unit.supervisors:
            print(f"{'':<6} cán bộ phụ trách: {'; '.join(unit.supervisors)}")
    print(f"\nTổng cộng {len(registry.units)} dòng; {len(registry.expected())} đơn vị phải nộp.")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "registry",
        help="lập hoặc xem danh sách đơn vị (xã, huyện, tỉnh)",
        description=(
            "Lập danh sách đơn vị báo cáo của một huyện, một tỉnh hoặc cả nước, hoặc xem "
            "danh sách đang dùng."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(title="Lệnh", metavar="LỆNH", dest="registry_command")
    parser.set_defaults(func=lambda args: parser.print_help() or 2)

    build = actions.add_parser(
        "build",
        help="lập danh sách đơn vị của một huyện, một tỉnh hoặc cả nước (danh mục 2021)",
        description=(
            "Lập danh sách đơn vị (danh mục hành chính năm 2021, gói vietnam-provinces):\n"
            "xã phải nộp với mục tiêu «đạt chuẩn», thị trấn/phường không phải nộp; mỗi huyện\n"
            "có một dòng cho chính huyện (biểu tự đánh giá của huyện), mỗi tỉnh một dòng cho\n"
            "chính tỉnh. Ví dụ:\n"
            '  ntm-excel registry build --province "Hà Tĩnh" --district "Cẩm Xuyên" \\\n'
            '      --nang-cao "Cẩm Thành, Cẩm Lạc" --kieu-mau "Cẩm Bình" -o don_vi.xlsx\n'
            '  ntm-excel registry build --province "Hà Tĩnh" -o don_vi_ha_tinh.xlsx\n'
            "  ntm-excel registry build --country -o don_vi_ca_nuoc.xlsx"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument("--province", metavar="TỈNH", help="tỉnh, ví dụ «Hà Tĩnh»")
    build.add_argument(
        "--district", metavar="HUYỆN", help="huyện, ví dụ «Cẩm Xuyên» (bỏ trống: cả tỉnh)"
    )
    build.add_argument(
        "--country", action="store_true", help="cả nước: mọi tỉnh, huyện, xã (không ghi --province)"
    )
    build.add_argument("-o", "--output", required=True, metavar="TỆP", help="tệp .xlsx cần ghi")
    add_force_option(build)
    build.add_argument(
        "--nang-cao", metavar="TÊN", help="các xã phấn đấu NTM nâng cao, cách nhau bằng dấu phẩy"
    )
    build.add_argument(
        "--kieu-mau", metavar="TÊN", help="các xã phấn đấu NTM kiểu mẫu, cách nhau bằng dấu phẩy"
    )
    build.add_argument(
        "--can-cu",
        metavar="VĂN_BẢN",
        help="văn bản giao mục tiêu, ghi vào cột ghi chú (ví dụ «Kế hoạch số 07-KH/BCĐ»)",
    )
    build.add_argument(
        "--email-mau",
        action="store_true",
        help="điền địa chỉ thư mẫu dạng ubnd.camthanh@camxuyen.example.org (để thử)",
    )
    build.set_defaults(func=_build)

    show = actions.add_parser(
        "show",
        help="in danh sách đơn vị",
        description="In danh sách đơn vị: mã, tên, loại, mục tiêu, có phải nộp không, thư.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_registry_option(show)
    add_config_option(show)
    show.set_defaults(func=_show)
