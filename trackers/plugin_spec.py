"""Checking a ``module:Class`` plug-in spec *before* its module runs.

Importing a module runs its top-level code: ``-t this:X`` printed the Zen of
Python and ``-t antigravity:X`` would open a browser before trackbench found
that neither names a Tracker (issue 24).  A spec typed on the command line is
therefore checked statically first:

1. the module is located without executing anything (parent packages already
   imported are used as they are; others are searched by path, not imported),
   on Python's import path as it stands, which never holds the current folder
   (``trackbench/__main__.py`` takes it off for ``python -m trackbench``; the
   ``bench`` script never has it);
2. it is Python source, and its top level binds ``Class``: a ``class Class``
   statement, an import of that name, or an assignment to it.

Only then is the module imported, and the class must be a concrete
:class:`~trackbench.trackers.base.Tracker` subclass (checked by the registry).
Registered names and entry points are installed code and skip this check.
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import sys
from importlib.machinery import ModuleSpec


def locate(module_name: str) -> ModuleSpec | None:
    """The spec of ``module_name`` found without running any module that is not imported yet; None if absent."""
    parts = module_name.split(".")
    spec = importlib.util.find_spec(parts[0]) if parts[0] not in sys.modules else sys.modules[parts[0]].__spec__
    for i in range(1, len(parts)):
        if spec is None:
            return None
        name = ".".join(parts[: i + 1])
        if name in sys.modules:
            spec = sys.modules[name].__spec__
            continue
        parent = sys.modules.get(".".join(parts[:i]))
        locations = getattr(parent, "__path__", None) if parent is not None else spec.submodule_search_locations
        if locations is None:
            return None  # the parent is a module, not a package
        spec = importlib.machinery.PathFinder.find_spec(name, list(locations))
    return spec


def top_level_names(source: str) -> set[str]:
    """Names bound at a module's top level (classes, functions, imports, assignments), without running it."""
    return _bound(ast.parse(source).body)


def _bound(statements: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for node in statements:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.If):  # conditional definitions
            names |= _bound(node.body) | _bound(node.orelse)
        elif isinstance(node, ast.Try):  # try: import fast … except ImportError: import slow
            names |= _bound(node.body) | _bound(node.orelse) | _bound(node.finalbody)
            for handler in node.handlers:
                names |= _bound(handler.body)
    return names


def why_refused(module_name: str, attr: str) -> str | None:
    """Why the spec ``module_name:attr`` must not be imported, or None when importing it is safe to try."""
    if module_name in sys.modules:
        return None  # already imported: importing again runs nothing
    try:
        spec = locate(module_name)
    except (ImportError, ValueError) as exc:
        return f"module {module_name!r} cannot be located ({exc})"
    if spec is None:
        return f"module {module_name!r} not found on the import path"
    loader = spec.loader
    source = None
    if isinstance(loader, importlib.machinery.SourceFileLoader) or hasattr(loader, "get_source"):
        try:
            source = loader.get_source(module_name)  # type: ignore[union-attr]
        except (ImportError, OSError):
            source = None
    if source is None:
        return f"module {module_name!r} ({spec.origin}) is not Python source; a plug-in must be"
    try:
        names = top_level_names(source)
    except SyntaxError as exc:
        return f"module {module_name!r} ({spec.origin}) does not parse: line {exc.lineno}: {exc.msg}"
    first = attr.split(".")[0]
    if first not in names:
        return (f"module {module_name!r} ({spec.origin}) defines no {first!r} at its top level; "
                "not imported (a plug-in module defines its Tracker class)")
    return None
