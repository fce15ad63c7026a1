"""numba's on-disk cache for trackbench's kernels, invalidated when any kernel source a kernel uses changes.

Why: numba stamps a cached kernel with its *own* source file only.  A kernel
that calls a kernel of another module (every tracker's ``kernels.py`` calls
:mod:`trackbench.trackers.core.jit`'s ``iou``, ``predict_axis``…) has the
callee compiled into it, so after an edit of the callee's file the caller's
cache entry is still "fresh" and the old code keeps running until someone
deletes ``__pycache__`` folders by hand.

Here each kernel's stamp is a SHA-256 over its own file *and* the files of
every kernel module it imports, transitively.  A kernel module is one that
defined a kernel through :func:`cached_kernel` (they register themselves as
they are imported, and imports run before a module's own kernels are
decorated, so a module's dependencies are always registered first).  numba
compares the stored stamp with this one on load and recompiles on a mismatch,
overwriting the stale entry; nothing else about its cache changes (same
folders: ``$NUMBA_CACHE_DIR`` when set, else ``__pycache__`` beside the
source, else numba's user-wide folder).

Module-level constants of *other* modules are frozen into a compiled kernel
without being part of any stamp: kernels take such constants as arguments.

This hooks into numba's cache classes (``numba.core.caching``), whose names
gained or lost a leading underscore across releases; :func:`_numba_class`
finds either spelling.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import os
import sys
from typing import Any, Callable

import numba
from numba.core import caching


def _numba_class(name: str) -> Any:
    """``numba.core.caching.<name>`` under its current or its older, underscored name."""
    found = getattr(caching, name, None) or getattr(caching, "_" + name, None)
    if found is None:
        raise ImportError(f"numba {numba.__version__} has no caching.{name}; trackbench's kernel cache needs it")
    return found


#: Kernel module file -> the kernel module files it imports (direct dependencies).
_KERNEL_FILES: dict[str, frozenset[str]] = {}


def _imported_modules(path: str, module: str) -> set[str]:
    """Names of the modules ``path`` imports (top level or not), relative imports resolved; ``a.b.c`` for
    ``from a.b import c`` as well as ``a.b``, since ``c`` may be a module."""
    tree = ast.parse(open(path, "rb").read(), filename=path)
    package = module if os.path.basename(path) == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _kernel_dependencies(path: str, module: str) -> frozenset[str]:
    """The registered kernel module files that ``path`` imports directly."""
    files = set()
    for name in _imported_modules(path, module):
        loaded = sys.modules.get(name)
        file = getattr(loaded, "__file__", None)
        if file and os.path.abspath(file) in _KERNEL_FILES:
            files.add(os.path.abspath(file))
    files.discard(path)
    return frozenset(files)


def register(py_func: Callable[..., Any]) -> str:
    """Record the module of a kernel as a kernel module (once); returns its absolute file name."""
    path = os.path.abspath(inspect.getfile(py_func))
    if path not in _KERNEL_FILES:
        _KERNEL_FILES[path] = frozenset()  # before the scan: a self-import must not recurse
        _KERNEL_FILES[path] = _kernel_dependencies(path, py_func.__module__)
    return path


def dependency_closure(path: str) -> list[str]:
    """``path`` and every kernel module file it depends on, transitively, sorted."""
    seen, todo = set(), [path]
    while todo:
        file = todo.pop()
        if file not in seen:
            seen.add(file)
            todo.extend(_KERNEL_FILES.get(file, ()))
    return sorted(seen)


@functools.lru_cache(maxsize=None)
def _file_sha256(file: str) -> bytes:
    """SHA-256 of one kernel module's bytes, read once per process: every kernel of a module, and
    every kernel of a module that imports it, is stamped at import with the same files (``core/jit.py``
    alone entered some 80 stamps), and a module already imported does not change what runs."""
    with open(file, "rb") as fh:
        return hashlib.sha256(fh.read()).digest()


def source_stamp(path: str) -> str:
    """SHA-256 over the contents of ``path`` and of the kernel modules it depends on (names included)."""
    digest = hashlib.sha256()
    for file in dependency_closure(path):
        digest.update(file.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(_file_sha256(file))
    return digest.hexdigest()


class _DependencyStamp:
    """Locator mixin: the stamp covers the kernel's file and its kernel-module dependencies."""

    def get_source_stamp(self) -> str:
        return source_stamp(os.path.abspath(self._py_file))


def _stamped(name: str) -> type:
    return type(f"Stamped{name.lstrip('_')}", (_DependencyStamp, _numba_class(name)), {})


class _KernelCacheImpl(_numba_class("CompileResultCacheImpl")):
    # numba's own choice of folder, in numba's order; only the stamp differs.
    _locator_classes = [_stamped("UserProvidedCacheLocator"), _stamped("InTreeCacheLocator"),
                        _stamped("UserWideCacheLocator")]


class KernelCache(_numba_class("FunctionCache")):
    """numba's per-function cache with the dependency-aware stamp."""

    _impl_class = _KernelCacheImpl


def cached_kernel(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """A decorator like ``numba.njit(cache=True, **options)`` whose cache follows the kernel's dependencies."""

    def decorate(py_func: Callable[..., Any]) -> Any:
        register(py_func)
        dispatcher = numba.njit(**options)(py_func)
        dispatcher._cache = KernelCache(py_func)  # what njit(cache=True) does, with our cache class
        return dispatcher

    return decorate
