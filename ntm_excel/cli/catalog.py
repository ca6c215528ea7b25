"""`ntm-excel catalog`: show the criteria catalogue or export it for editing."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from ntm_excel.cli.common import (
    add_catalog_option,
    add_config_option,
    add_force_option,
    config_from,
    fail,
    refused,
)
from ntm_excel.reference.catalog import (
    BAC_TRUNG_BO,
    Catalog,
    export_catalog,
    load_catalog,
    province_key,
    write_catalog_csv,
)


def catalog_from(args: argparse.Namespace) -> Catalog:
    """The catalogue named by --catalog, else the configured one."""
    return load_catalog(getattr(args, "catalog", None) or config_from(args).data_file("catalog"))


def _show(args: argparse.Namespace) -> int:
    catalog = catalog_from(args)
    sets = [args.set] if args.set else catalog.sets()
    unknown = [s for s in sets if s not in catalog.sets()]
    if unknown:
        fail(f"Không có bộ tiêu chí «{unknown[0]}»; các bộ có: {', '.join(catalog.sets())}")
        return 2
    province = args.province or ""
    for set_id in sets:
        indicators = catalog.resolve(set_id, province)
        criteria = catalog.criteria(set_id, province)
        layers = catalog.provinces(set_id)
        layered = province_key(province) in {province_key(p) for p in layers} if province else False
        if layered:
            scope = f"quốc gia + lớp tỉnh {province}"
        elif province:
            scope = f"quốc gia; tỉnh {province} chưa có chỉ tiêu riêng"
        else:
            scope = "quốc gia"
        print(
            f"Bộ tiêu chí {set_id} ({scope}): {len(criteria)} tiêu chí, {len(indicators)} chỉ tiêu"
        )
        if layers and not province:
            print(f"  (có chỉ tiêu riêng của tỉnh: {', '.join(layers)}; xem bằng --province)")
        print(f"  {'Mã':<8} {'Nội dung':<62} {'Chỉ tiêu ' + BAC_TRUNG_BO:<32} Xác minh")
        current = None
        for ind in indicators:
            if ind.criterion_no != current:
                current = ind.criterion_no
                print(f"Tiêu chí {ind.criterion_no}. {ind.criterion_name}")
            text = textwrap.shorten(ind.text or "—", 60, placeholder=" …")
            threshold = textwrap.shorten(ind.threshold_for(BAC_TRUNG_BO), 30, placeholder=" …")
            mark = "✓" if ind.verified else "? chưa xác minh"
            layer = f" [{ind.province}]" if ind.province else ""
            print(f"  {ind.code:<8} {text:<62} {threshold:<32} {mark}{layer}")
        print()
    print("✓ = đã đối chiếu với nguồn; ? = số liệu chưa xác minh, cần kiểm tra trước khi dùng.")
    return 0


EXPORT_NAME = "bo_tieu_chi.xlsx"  # the file `catalog export FOLDER` writes in it


def _export(args: argparse.Namespace) -> int:
    catalog = catalog_from(args)
    target = Path(args.file)
    if target.is_dir() and target.suffix.lower() not in (".csv", ".xlsx"):
        target = target / EXPORT_NAME  # as `registry build -o FOLDER`: the file goes in it
    if target.suffix.lower() in (".csv", ".xlsx") and refused([target], args.force):
        return 2
    if target.suffix.lower() == ".csv":
        write_catalog_csv(catalog, target)
    elif target.suffix.lower() == ".xlsx":
        export_catalog(catalog, target)
    else:
        fail(
            f"Tệp xuất phải có đuôi .xlsx hoặc .csv, không phải «{target.name}» (ví dụ "
            f"«{target.with_suffix('.xlsx')}», hoặc một thư mục có sẵn: ghi {EXPORT_NAME} vào đó)"
        )
        return 2
    print(f"Đã ghi bộ tiêu chí ({len(catalog.indicators)} chỉ tiêu) vào {target}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "catalog",
        help="xem hoặc xuất bộ tiêu chí",
        description="Xem bộ tiêu chí nông thôn mới, hoặc xuất ra Excel để sửa.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(title="Lệnh", metavar="LỆNH", dest="catalog_command")
    parser.set_defaults(func=lambda args: parser.print_help() or 2)

    show = actions.add_parser(
        "show",
        help="in bộ tiêu chí",
        description="In bộ tiêu chí: tiêu chí, mã chỉ tiêu, nội dung, chỉ tiêu vùng Bắc Trung Bộ.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_catalog_option(show)
    add_config_option(show)
    show.add_argument("--set", metavar="MÃ", help="chỉ in một bộ tiêu chí, ví dụ xa_2016_2020")
    show.add_argument(
        "--province", metavar="TỈNH", help="áp dụng chỉ tiêu riêng của tỉnh, ví dụ «Hà Tĩnh»"
    )
    show.set_defaults(func=_show)

    export = actions.add_parser(
        "export",
        help="xuất bộ tiêu chí ra .xlsx (hoặc .csv) để sửa",
        description="Xuất bộ tiêu chí ra tệp Excel có hướng dẫn; sửa xong dùng lại bằng --catalog.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument(
        "file",
        metavar="TỆP",
        help="tệp cần ghi (.xlsx hoặc .csv; một thư mục có sẵn: bo_tieu_chi.xlsx trong đó)",
    )
    add_force_option(export)
    add_catalog_option(export)
    add_config_option(export)
    export.set_defaults(func=_export)
