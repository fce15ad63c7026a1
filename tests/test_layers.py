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


def _module_graph() -> dict[str, dict[str, tuple[Path, int]]]:
    """Every installed module -> {trackbench module it imports: (file, line)}, imports inside functions too.

    ``from a import b`` counts as importing the module ``a.b`` when that is a module, else ``a``.
    """
    files = {_module_name(folder, path): path for folder in LAYERS for path in _sources(folder)}
    graph: dict[str, dict[str, tuple[Path, int]]] = {}
    for module, path in files.items():
        edges: dict[str, tuple[Path, int]] = {}
        for line, name in imports(path, module):
            while name and name not in files:  # an attribute of a module: its module
                name = name.rpartition(".")[0]
            if name and name != module:
                edges.setdefault(name, (path, line))
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, dict[str, tuple[Path, int]]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, {}))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    """No two modules import each other, directly or through others (function-level imports included).

    A package ``__init__`` that re-exports its submodules counts as importing them.
    """
    graph = _module_graph()
    report = []
    for component in _cycles(graph):
        members = set(component)
        report.append(" / ".join(f"{m} -> {t} ({p.relative_to(REPO)}:{line})"
                                 for m in component for t, (p, line) in graph[m].items() if t in members))
    assert report == []


def test_cycle_finder_sees_a_cycle() -> None:
    graph = {"a": {"b": (REPO, 1)}, "b": {"c": (REPO, 2)}, "c": {"a": (REPO, 3)}, "d": {"a": (REPO, 4)}}
    assert _cycles(graph) == [["a", "b", "c"]]


#: Tracker packages: each is one algorithm; shared pieces live in trackers/core (and embedders, detectors).
TRACKER_PACKAGES = ("sort", "deepsort", "bytetrack", "ocsort", "rolo", "image_based")


def test_no_tracker_imports_another_trackers_package() -> None:
    bad = []
    for path in _sources("trackers"):
        parts = path.relative_to(REPO / "trackers").parts
        own = parts[0] if len(parts) > 1 else None
        for line, name in imports(path, _module_name("trackers", path)):
            pieces = name.split(".")
            if len(pieces) > 2 and pieces[:2] == ["trackbench", "trackers"] and pieces[2] in TRACKER_PACKAGES \
                    and pieces[2] != own and own in TRACKER_PACKAGES:
                bad.append(f"{path.relative_to(REPO)}:{line}: imports {name}")
    assert bad == []
