"""The package's folders show the flow: data moves down the layers and never back up.

    basics (model, issues, errors, config, text, atomic, values, deadlines, styles)
    → reference → read → check → write → jobs → cli

A module may import its own layer and the layers above it in that list, never a later one;
nothing imports the command line; there are no import cycles. Imports made only for type
checking (`if TYPE_CHECKING:`) are left out, as they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ntm_excel"
LAYERS = ["", "reference", "read", "check", "write", "jobs", "cli"]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    """The module's layer: its folder's, the basics for top-level modules; the entry point
    (`python -m ntm_excel`) is the command line's."""
    parts = module.split(".") + [""]
    if parts[1] == "__main__":
        return LAYERS.index("cli")
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else 0


def runtime_imports(path: Path) -> set[str]:
    """The ntm_excel modules `path` imports when it runs (TYPE_CHECKING blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for child in block.body
        for node in ast.walk(child)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ntm_excel"):
            for alias in node.names:  # `from ntm_excel.write import master_sheets`
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("ntm_excel")}
    return found


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: runtime_imports(path) - {name} for name, path in MODULES.items()}


def test_every_module_sits_in_a_known_layer():
    for name in MODULES:
        parts = name.split(".")
        assert len(parts) <= 3, name
        if len(parts) == 3:
            assert parts[1] in LAYERS, f"{name}: folder {parts[1]} is not a layer"


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_no_upward_import(name):
    upward = sorted(m for m in GRAPH[name] if m in MODULES and layer(m) > layer(name))
    assert not upward, f"{name} imports a later layer: {upward}"


def test_nothing_outside_the_command_line_imports_it():
    users = sorted(
        n for n, deps in GRAPH.items() if layer(n) < 6 and any(layer(d) == 6 for d in deps)
    )
    assert not users


def test_no_import_cycles():
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in sorted(GRAPH.get(name, ())):
            if dep not in MODULES:
                continue
            if state.get(dep) == 1:
                cycle = path[path.index(dep) :] + [dep]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if dep not in state:
                visit(dep, path + [dep])
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])


def test_the_graph_is_read():
    """The checks above see real imports (a parser that found none would pass them all)."""
    assert "ntm_excel.check.figures" in GRAPH["ntm_excel.write.master"]
    assert "ntm_excel.write.master_sheets" in GRAPH["ntm_excel.write.master"]
    assert layer("ntm_excel.cli") == 6 and layer("ntm_excel.model") == 0
