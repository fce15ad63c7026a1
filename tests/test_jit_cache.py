"""numba's on-disk cache of trackbench kernels follows the kernel modules a kernel imports.

Plain ``numba.njit(cache=True)`` stamps a cache entry with the kernel's own file:
a kernel that calls a kernel of another module keeps running the old callee
after that module is edited.  These tests build two kernel modules in a
temporary folder (``helper.py`` and ``user.py``, whose kernel calls helper's),
decorated with trackbench's ``kernel``, and run them in fresh processes: an
unchanged tree loads from the cache, and an edit of *helper.py alone* (user.py's
bytes and mtime untouched) gives the new behaviour.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HELPER = """
from trackbench.trackers.core.jit import kernel


@kernel
def offset(x: float) -> float:
    return x + {value}
"""

USER = """
from trackbench.trackers.core.jit import kernel
from helper import offset


@kernel
def shifted(x: float) -> float:
    return offset(x) * 2.0
"""

RUN = "import user; print(user.shifted(1.0), user.shifted.stats.cache_hits.get(user.shifted.signatures[0], 0))"


def _run(folder: Path) -> tuple[float, int]:
    """(result, cache hits) of ``user.shifted(1.0)`` in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["PYTHONPATH"] = str(folder)
    out = subprocess.run([sys.executable, "-c", RUN], cwd=folder, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    value, hits = out.stdout.split()
    return float(value), int(hits)


@pytest.mark.slow
def test_editing_an_imported_kernel_module_recompiles_its_users(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text(HELPER.format(value="1.0"))
    user = tmp_path / "user.py"
    user.write_text(USER)
    assert _run(tmp_path) == (4.0, 0)  # compiled, then saved
    assert list((tmp_path / "__pycache__").glob("user.shifted-*.nbi")), "no cache entry written"
    assert _run(tmp_path) == (4.0, 1)  # unchanged sources: loaded from the cache

    stat = user.stat()
    (tmp_path / "helper.py").write_text(HELPER.format(value="5.0"))
    os.utime(user, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert user.stat().st_mtime_ns == stat.st_mtime_ns
    assert _run(tmp_path) == (12.0, 0)  # the stale entry is not used: recompiled with the new helper
    assert _run(tmp_path) == (12.0, 1)  # and cached again


def test_stamp_covers_the_imported_kernel_modules() -> None:
    """Each tracker's kernels are stamped with core/jit.py too (an edit there reaches them)."""
    from trackbench.trackers.bytetrack import kernels as bytetrack_kernels
    from trackbench.trackers.core import jit, jit_cache
    from trackbench.trackers.deepsort import kernels as deepsort_kernels
    from trackbench.trackers.ocsort import kernels as ocsort_kernels
    from trackbench.trackers.sort import kernels as sort_kernels

    for module in (sort_kernels, bytetrack_kernels, ocsort_kernels, deepsort_kernels):
        closure = jit_cache.dependency_closure(os.path.abspath(module.__file__))
        assert os.path.abspath(jit.__file__) in closure, module.__name__
        assert jit_cache.source_stamp(os.path.abspath(module.__file__)) != jit_cache.source_stamp(
            os.path.abspath(jit.__file__))
