"""The reader's fuzz entry point: good workbooks mutated at random, read as a batch in worker
processes; no file may kill its worker (a native crash, an allocation the machine cannot
give) and every file must come back read or refused.

Mutations, seeded so that a run can be repeated: the attributes a reader sizes its memory
from (`r`, `uniqueCount`, `count`, `ref`, `spans`, the ODS repeats and spans) rewritten in
every form XML allows (single quotes, a tab, a newline or several spaces before them, spaces
around "=") and with hostile values (the last cell of a sheet, 32-bit wrap, lower-case
letters, leading zeros, empty, missing), elements given a namespace prefix, comments and
CDATA sections hiding tags, the hostile forms of `support.hostile`, flipped bytes in the
inflated XML and in .xls files. Workers get 3 GB of address space (where the system allows
it), so a lying allocation fails at once instead of swapping.

    PYTHONPATH=tests .venv/bin/python -m support.fuzz --files 2000 --seed 1 --out /tmp/fuzz

Prints a summary and keeps the files that killed a worker in the output folder; exit code 1
when there is one.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from ntm_excel.config import load_config
from ntm_excel.read.batch import WORKER_DIED, read_files
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry
from support.hostile import ODS_FORMS, XLS_FORMS, XLSX_FORMS
from support.samples import SampleSpec, write_sample

MEMORY_LIMIT = 3 << 30  # bytes of address space for the reading processes
_ATTRIBUTE = re.compile(
    rb"(\s)(r|uniqueCount|count|ref|spans|table:number-(?:rows|columns)-(?:repeated|spanned)"
    rb"|office:value)=\"([^\"]*)\""
)
_SEPARATORS = (b" ", b"\t", b"\n", b"\r\n", b"   ")
_EQUALS = (b"=", b" = ", b"\t=\n", b"=  ")
_HUGE = (b"1048576", b"4000000000", b"4294967297", b"99999999999999999999", b"16384")
_FAR = (b"XFD1048576", b"xfd1048576", b"A1048576", b"XFD1", b"D510000000000005", b"ZZZZ9")
_FAKE_TAGS = (
    b'<!-- <row r="1"> <c r="XFD1048576"> <table:table table:name="x"> -->',
    b'<![CDATA[ <row r="1048576"><c r="XFD1048576"> ]]>',
    b'<!-- uniqueCount="4000000000" -->',
)


def _value(name: bytes, value: bytes, rng: random.Random) -> bytes:
    """A hostile value for an attribute, or the value kept or lightly changed."""
    roll = rng.random()
    if roll < 0.3:
        return value
    if roll < 0.4:
        return b""
    if roll < 0.5:
        return b"000" + value
    if name in (b"r", b"ref") and roll < 0.8:
        far = rng.choice(_FAR)
        return far if name == b"r" else b"A1:" + far
    if name == b"r" and roll < 0.9:
        return value.lower()
    return rng.choice(_HUGE)


def _rewrite_attributes(xml: bytes, rng: random.Random, rate: float) -> bytes:
    def rewrite(match: re.Match) -> bytes:
        if rng.random() > rate:
            return match.group(0)
        if rng.random() < 0.1:  # the attribute left out (a cell without its address…)
            return match.group(1)
        quote = rng.choice((b'"', b"'"))
        value = _value(match.group(2), match.group(3), rng)
        sep, equals = rng.choice(_SEPARATORS), rng.choice(_EQUALS)
        return sep + match.group(2) + equals + quote + value + quote

    return _ATTRIBUTE.sub(rewrite, xml)


def _prefix_elements(xml: bytes) -> bytes:
    """The worksheet's elements written with a prefix bound to the spreadsheet namespace."""
    xml = re.sub(rb"<worksheet\b", b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/'
                 b'spreadsheetml/2006/main"', xml, count=1)  # fmt: skip
    xml = xml.replace(b"</worksheet>", b"</x:worksheet>")
    return re.sub(rb"<(/?)(sheetData|row|c|v|f|is|t)\b", rb"<\1x:\2", xml)


def _hide_tags(xml: bytes, rng: random.Random) -> bytes:
    positions = [m.end() for m in re.finditer(rb">", xml)]
    for at in sorted(rng.sample(positions, min(3, len(positions))), reverse=True):
        xml = xml[:at] + rng.choice(_FAKE_TAGS) + xml[at:]
    return xml


def _flip_bytes(data: bytes, rng: random.Random, count: int) -> bytes:
    out = bytearray(data)
    for _ in range(count):
        at = rng.randrange(len(out))
        out[at] = rng.randrange(256)
    return bytes(out)


def _mutate_part(name: str, xml: bytes, rng: random.Random) -> bytes:
    if not name.endswith(".xml"):
        return xml
    kind = rng.random()
    if kind < 0.55:
        xml = _rewrite_attributes(xml, rng, rng.choice((0.02, 0.1, 0.5)))
    elif kind < 0.65 and "worksheets/" in name:
        xml = _prefix_elements(xml)
    elif kind < 0.8:
        xml = _hide_tags(xml, rng)
    elif kind < 0.9:
        xml = _flip_bytes(xml, rng, rng.randint(1, 8))
    return xml


def mutate(data: bytes, fmt: str, rng: random.Random) -> bytes:
    """One hostile variant of a good workbook of format `fmt`."""
    if fmt == "xls":
        if rng.random() < 0.1:
            data = rng.choice(list(XLS_FORMS.values()))(data)
        return _flip_bytes(data, rng, rng.randint(1, 16))
    forms = ODS_FORMS if fmt == "ods" else XLSX_FORMS
    if fmt != "xlsm" and rng.random() < 0.15:
        data = rng.choice(list(forms.values()))(data)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if rng.random() < 0.5:
                content = _mutate_part(item.filename, content, rng)
            target.writestr(item.filename, content)
    return out.getvalue()


def _limit_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass  # Windows: no limit to set


def run(files: int, seed: int, out: Path, workers: int) -> int:
    """Write `files` mutated workbooks into `out`, read them; 0 when no worker died."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    good = {
        fmt: write_sample(out / f"goc.{fmt}", SampleSpec(format=fmt, seed=seed)).read_bytes()
        for fmt in ("xlsx", "xlsm", "ods", "xls")
    }
    formats = ("xlsx", "xlsx", "xlsx", "xlsm", "ods", "ods", "xls")
    paths = []
    for index in range(files):
        fmt = rng.choice(formats)
        path = out / f"fuzz_{seed}_{index:05d}.{fmt}"
        path.write_bytes(mutate(good[fmt], fmt, rng))
        paths.append(path)
    config = load_config()
    registry = load_registry(config.registry)
    indicators = load_catalog(config.catalog).resolve(config.catalog_set, "Hà Tĩnh")
    _limit_memory()
    started = time.monotonic()
    results = read_files(paths, registry, indicators, workers=workers)
    elapsed = time.monotonic() - started
    killed = [
        path
        for path, file in zip(paths, results, strict=True)
        if any(WORKER_DIED in issue.message for _, issues in file for issue in issues)
    ]
    read = sum(1 for file in results if any(submission for submission, _ in file))
    for path in set(paths) - set(killed):
        path.unlink()
    print(
        f"Fuzz {date.today():%d/%m/%Y}: {files} tệp (hạt giống {seed}), đọc trong {elapsed:.0f} s: "
        f"{read} đọc được, {files - read - len(killed)} bị từ chối, "
        f"{len(killed)} làm dừng tiến trình đọc"
    )
    for path in killed:
        print(f"  làm dừng tiến trình đọc: {path}")
    return 1 if killed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m support.fuzz",
        description="Đọc thử các biểu bị làm hỏng ngẫu nhiên: không tệp nào được làm dừng "
        "tiến trình đọc.",
    )
    parser.add_argument("--files", type=int, default=500, metavar="N", help="số tệp (mặc định 500)")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="hạt giống (mặc định 1)")
    parser.add_argument("--workers", type=int, default=2, metavar="N", help="số tiến trình đọc")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="THƯ_MỤC",
        help="nơi giữ tệp làm dừng tiến trình (mặc định: thư mục tạm)",
    )
    args = parser.parse_args(argv)
    if args.out:
        return run(args.files, args.seed, args.out, args.workers)
    with tempfile.TemporaryDirectory(prefix="ntm_fuzz_") as folder:
        return run(args.files, args.seed, Path(folder), args.workers)


if __name__ == "__main__":
    sys.exit(main())
