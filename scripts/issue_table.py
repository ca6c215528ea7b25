"""Write the README's catalogue of issue codes from `ntm_excel.issues`, so the two never differ.

    .venv/bin/python scripts/issue_table.py          # print the table
    .venv/bin/python scripts/issue_table.py --write  # replace it in README.md

The table sits between the markers `<!-- issue-table -->` and `<!-- /issue-table -->`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ntm_excel.issues import ISSUE_TYPES, SEVERITY_LABELS

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- issue-table -->", "<!-- /issue-table -->"


def table() -> str:
    lines = ["| mã | mức độ | tiêu đề | khi nào |", "|---|---|---|---|"]
    for kind in ISSUE_TYPES.values():
        label = SEVERITY_LABELS[kind.severity]
        lines.append(f"| `{kind.code}` | {label} | {kind.title} | {kind.description} |")
    return "\n".join(lines)


def with_table(readme: str) -> str:
    """The README text with its catalogue table replaced by the current one."""
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    if "--write" in argv:
        README.write_text(with_table(README.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"Đã ghi bảng danh mục lỗi ({len(ISSUE_TYPES)} mã) vào {README}")
    else:
        print(table())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
