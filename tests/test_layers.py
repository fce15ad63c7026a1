"""The layers import one way: datasets ← trackers ← harness, and the package never reaches into tests/ or benchmarks/.

An AST scan of every module under the three layer folders and ``trackbench/``:
absolute imports (``import x``, ``from x import y``, also inside functions) and
relative ones resolved against the module's own package.  A failure names the
file, line and import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Source folder → installed package (setup.py maps them the same way).
LAYERS = {"datasets": "trackbench.datasets", "trackers": "trackbench.trackers", "harness": "trackbench.harness",
          "trackbench": "trackbench"}
FORBIDDEN = {
    "datasets": ("trackbench.trackers", "trackbench.harness"),
    "trackers": ("trackbench.harness",),
    "harness": (),
    "trackbench": (),
}
#: Nothing installed may import the checkout's test or benchmark code.
NEVER = ("tests", "benchmarks", "oracles", "conftest")


def _module_name(folder: str, path: Path) -> str:
    parts = list(path.relative_to(REPO / folder).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([LAYERS[folder], *parts])


def imports(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement in ``path``; relative imports made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def _sources(folder: str) -> list[Path]:
    return sorted(p for p in (REPO / folder).rglob("*.py") if "__pycache__" not in p.parts)


def _violations(folder: str) -> list[str]:
    bad = []
    for path in _sources(folder):
        for line, name in imports(path, _module_name(folder, path)):
            top = name.split(".")[0]
            hit = [f for f in FORBIDDEN[folder] if name == f or name.startswith(f + ".")]
            if hit or top in NEVER:
                bad.append(f"{path.relative_to(REPO)}:{line}: imports {name}")
    return bad


@pytest.mark.parametrize("folder", list(LAYERS))
def test_layer_imports_flow_one_way(folder: str) -> None:
    assert _sources(folder), f"no sources under {folder}/"
    assert _violations(folder) == []


def test_the_scan_sees_imports_everywhere(tmp_path: Path) -> None:
    """The scanner finds imports inside functions, relative ones, and ``from a import b`` submodules."""
    src = tmp_path / "m.py"
    src.write_text("import os\n"
                   "def f():\n    from ..harness import cli\n    import tests.conftest\n"
                   "from . import sibling\n")
    found = {name for _, name in imports(src, "trackbench.trackers.m")}
    assert {"os", "trackbench.harness", "trackbench.harness.cli", "tests.conftest",
            "trackbench.trackers.sibling"} <= found
