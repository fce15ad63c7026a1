"""Deep SORT "detections with features" files: detections and vectors computed elsewhere.

deep_sort's ``generate_detections`` tool writes one ``<sequence>.npy`` per
sequence: each row is the MOT detection columns (frame, id, left, top, width,
height, conf, and optionally x, y, z) followed by the appearance vector.  The
shared example ``mot17-features/MOT17-05-FRCNN.npy`` has 7 + 128 columns.
Such a file replaces the sequence's detections, since its boxes are the ones
the vectors belong to.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trackbench.datasets.boxes import tlwh_to_tlbr
from trackbench.datasets.sequence import FrameTable
from trackbench.trackers.embedders.base import l2_normalise


def detection_columns(array: np.ndarray) -> int:
    """How many leading columns are detection fields (7 or 10) before the vector."""
    width = array.shape[1]
    # A 10-column prefix has -1 world coordinates in columns 8-10; a vector rarely does.
    if width > 10 and np.all(array[:, 7:10] == -1):
        return 10
    return 7


def find_features_file(folder: str | Path, sequence: str) -> Path:
    folder = Path(folder).expanduser()
    path = folder / f"{sequence}.npy" if folder.is_dir() else folder
    if not path.is_file():
        raise FileNotFoundError(
            f"no precomputed features for {sequence}: expected {folder / (sequence + '.npy')} "
            "(deep_sort generate_detections format: detection columns then the vector)"
        )
    return path


def load_precomputed(path: str | Path) -> FrameTable:
    """A detections table with ``features`` from a detections-with-features ``.npy`` file."""
    array = np.load(path)
    if array.ndim != 2 or array.shape[1] <= 10:
        raise ValueError(f"{path}: expected a 2-D array of detection columns followed by a vector, got shape {array.shape}")
    n_det = detection_columns(array)
    n = len(array)
    return FrameTable(
        frames=array[:, 0].astype(np.int64),
        ids=np.full(n, -1, np.int64),
        boxes=tlwh_to_tlbr(array[:, 2:6]),
        scores=array[:, 6].astype(np.float64),
        classes=np.full(n, -1, np.int64),
        visibility=np.ones(n),
        features=l2_normalise(array[:, n_det:]),
    )
