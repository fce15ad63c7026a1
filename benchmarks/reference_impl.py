"""Load the authors' own SORT and Deep SORT from a checkout the user provides (``--reference PATH``).

The benchmarks compare trackbench's trackers with the real reference code, not
with a copy kept here: ``load_sort`` reads ``sort.py`` of a checkout of
abewley/sort, ``load_deep_sort`` the ``deep_sort`` package and
``application_util/preprocessing.py`` of a checkout of nwojke/deep_sort, each by
file path with :mod:`importlib.util` (nothing is added to ``sys.path``).

The reference modules import a few display-only libraries at the top;
``sort.py`` pulls in ``skimage`` (used only by its ``--display`` mode, so a
stand-in is given when scikit-image is absent) and switches matplotlib to
TkAgg (made a no-op while loading).  SORT needs ``filterpy``
(``pip install filterpy``); Deep SORT needs only numpy, scipy and OpenCV.

Wrappers give both the interface the benchmarks use: ``update(corner boxes,
scores[, features]) -> (ids, corner boxes)``.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np


def _load_file(name: str, path: Path, package_dirs: list[str] | None = None) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=package_dirs)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # relative imports inside a package need it registered
    spec.loader.exec_module(module)
    return module


def load_sort(checkout: str | Path) -> types.ModuleType:
    """abewley/sort's ``sort.py`` as a module (``--reference`` points at the checkout)."""
    path = Path(checkout).expanduser() / "sort.py"
    if not path.is_file():
        raise SystemExit(f"--reference {checkout}: no sort.py there (give a checkout of abewley/sort)")
    try:
        import filterpy  # noqa: F401
    except ImportError:
        raise SystemExit("the reference SORT needs filterpy: pip install filterpy") from None
    import matplotlib

    if importlib.util.find_spec("skimage") is None:
        stub = types.ModuleType("skimage")
        stub.io = types.ModuleType("skimage.io")  # type: ignore[attr-defined]
        sys.modules.setdefault("skimage", stub)
        sys.modules.setdefault("skimage.io", stub.io)  # type: ignore[attr-defined]
    use = matplotlib.use
    matplotlib.use = lambda *a, **k: None  # the reference asks for TkAgg; keep the current backend
    try:
        return _load_file("reference_sort", path)
    finally:
        matplotlib.use = use


class ReferenceSortRunner:
    """One sequence through the reference ``Sort`` (ids restart at 1, as for a fresh process)."""

    def __init__(self, module: types.ModuleType, **params: Any) -> None:
        module.KalmanBoxTracker.count = 0
        self.tracker = module.Sort(**params)

    def update(self, boxes: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = self.tracker.update(np.hstack([boxes, scores[:, None], np.zeros((len(boxes), 1))]))
        return out[:, 4].astype(np.int64), out[:, :4]


def load_deep_sort(checkout: str | Path) -> tuple[types.ModuleType, types.ModuleType, types.ModuleType,
                                                   types.ModuleType]:
    """(nn_matching, tracker, detection, preprocessing) modules of a nwojke/deep_sort checkout."""
    root = Path(checkout).expanduser()
    package = root / "deep_sort"
    if not (package / "tracker.py").is_file():
        raise SystemExit(f"--reference {checkout}: no deep_sort/tracker.py there (give a checkout of nwojke/deep_sort)")
    _load_file("deep_sort", package / "__init__.py", [str(package)])
    nn_matching = importlib.import_module("deep_sort.nn_matching")
    tracker = importlib.import_module("deep_sort.tracker")
    detection = importlib.import_module("deep_sort.detection")
    preprocessing = _load_file("reference_preprocessing", root / "application_util" / "preprocessing.py")
    return nn_matching, tracker, detection, preprocessing


class ReferenceDeepSortRunner:
    """The reference application's per-frame steps (``deep_sort_app.run``) around its ``Tracker``."""

    def __init__(self, modules: tuple[types.ModuleType, ...], min_confidence: float = 0.8,
                 nms_max_overlap: float = 1.0, min_detection_height: float = 0.0,
                 max_cosine_distance: float = 0.2, nn_budget: int | None = 100) -> None:
        nn_matching, tracker, detection, preprocessing = modules
        metric = nn_matching.NearestNeighborDistanceMetric("cosine", max_cosine_distance, nn_budget)
        self.tracker = tracker.Tracker(metric)
        self.Detection, self.nms = detection.Detection, preprocessing.non_max_suppression
        self.min_confidence, self.nms_max_overlap = min_confidence, nms_max_overlap
        self.min_detection_height = min_detection_height

    def update(self, boxes: np.ndarray, scores: np.ndarray, features: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
        tlwh = np.hstack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
        dets = [self.Detection(tlwh[i], scores[i], features[i]) for i in range(len(boxes))
                if tlwh[i, 3] >= self.min_detection_height and scores[i] >= self.min_confidence]
        keep = self.nms(np.array([d.tlwh for d in dets]), self.nms_max_overlap,
                        np.array([d.confidence for d in dets]))
        self.tracker.predict()
        self.tracker.update([dets[i] for i in keep])
        tracks = [t for t in self.tracker.tracks if t.is_confirmed() and t.time_since_update <= 1]
        ids = np.array([t.track_id for t in tracks], np.int64)
        return ids, np.array([t.to_tlbr() for t in tracks]).reshape(-1, 4)
