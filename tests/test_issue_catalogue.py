"""The issue catalogue is complete: every code described, raised somewhere, and documented in the
README exactly as the catalogue says (scripts/issue_table.py writes that table)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from ntm_excel.issues import ISSUE_TYPES, Severity

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ntm_excel"


def _script():
    spec = importlib.util.spec_from_file_location("issue_table", ROOT / "scripts/issue_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _strings_outside_the_catalogue() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "issues.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


@pytest.mark.parametrize("code", sorted(ISSUE_TYPES))
def test_every_code_has_a_title_a_message_and_a_description(code):
    kind = ISSUE_TYPES[code]
    assert kind.severity in Severity
    assert kind.title.strip() and kind.template.strip() and kind.description.strip()


def test_every_code_is_raised_somewhere():
    used = _strings_outside_the_catalogue()
    assert sorted(code for code in ISSUE_TYPES if code not in used) == []


def test_the_readme_table_is_the_catalogue():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    script = _script()
    assert script.with_table(readme) == readme, (
        "the README's issue table differs from ntm_excel/issues.py: "
        "run `.venv/bin/python scripts/issue_table.py --write`"
    )
    for code in ISSUE_TYPES:
        assert f"| `{code}` |" in readme
