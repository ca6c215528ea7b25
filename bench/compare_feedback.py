"""Check that two folders of feedback workbooks hold the same workbooks: the same files, the
same zip members in the same order, and every member's content byte for byte, or else the
same canonical XML (C14N), the modification time of the properties aside. A change of
compression alone passes.

    python bench/compare_feedback.py RUN_A/out/gop_y RUN_B/out/gop_y   # 1 when they differ
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

from lxml import etree

STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ?")  # core.xml and the output mark


def _canonical(name: str, data: bytes) -> bytes:
    data = STAMP.sub(b"STAMP", data)
    if name.endswith((".xml", ".rels", ".vml")):
        try:
            return etree.tostring(etree.fromstring(data), method="c14n")
        except etree.XMLSyntaxError:
            pass
    return data


def _workbooks(folder: Path) -> list[str]:
    """The workbooks in `folder` (not its hidden files: the folder's lock)."""
    return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def differences(first: Path, second: Path) -> tuple[list[str], int]:
    """What differs between the folders, and how many workbooks are byte for byte the same
    member by member (the stamps aside)."""
    names, others = _workbooks(first), _workbooks(second)
    found = [f"only in one folder: {n}" for n in sorted(set(names) ^ set(others))]
    exact = 0
    for name in sorted(set(names) & set(others)):
        with zipfile.ZipFile(first / name) as a, zipfile.ZipFile(second / name) as b:
            members = [i.filename for i in a.infolist()]
            if members != [i.filename for i in b.infolist()]:
                found.append(f"{name}: other members or order")
                continue
            same = True
            for member in members:
                one, two = a.read(member), b.read(member)
                if STAMP.sub(b"", one) == STAMP.sub(b"", two):
                    continue
                same = False
                if _canonical(member, one) != _canonical(member, two):
                    found.append(f"{name}: {member}")
            exact += same
    return found, exact


def main() -> None:
    first, second = Path(sys.argv[1]), Path(sys.argv[2])
    found, exact = differences(first, second)
    count = len(_workbooks(first))
    for line in found:
        print(line)
    print(f"{count} workbooks: {len(found)} differences, {exact} byte for byte the same")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
