"""Frame-by-frame comparison of a trackbench tracker with an oracle port of its reference."""

from __future__ import annotations

from typing import Callable

import numpy as np

from trackbench.datasets.sequence import Sequence
from trackbench.trackers.base import Tracker

#: An oracle step: (corner boxes, scores) -> (ids, corner boxes) reported this frame.
OracleStep = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def assert_same_tracks(tracker: Tracker, oracle: OracleStep, seq: Sequence, frames: int | None = None,
                       atol: float = 1e-6) -> int:
    """Both report the same ids with the same boxes (to ``atol`` pixels) on every frame.

    Returns how many boxes were compared, so callers can check the run was not empty.
    """
    tracker.reset(seq.info)
    compared = 0
    last = seq.info.length if frames is None else min(frames, seq.info.length)
    for frame in range(1, last + 1):
        dets = seq.detections.detections(frame)
        out = tracker.update(None, dets)
        ref_ids, ref_boxes = oracle(dets.boxes.copy(), dets.scores.copy())
        mine, theirs = np.argsort(out.ids), np.argsort(ref_ids)
        assert out.ids[mine].tolist() == np.asarray(ref_ids)[theirs].tolist(), f"{seq.info.name} frame {frame}: ids"
        np.testing.assert_allclose(out.boxes[mine], np.asarray(ref_boxes).reshape(-1, 4)[theirs], rtol=0, atol=atol,
                                   err_msg=f"{seq.info.name} frame {frame}: boxes")
        compared += len(out.ids)
    return compared
