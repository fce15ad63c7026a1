"""Per-track rolling windows of the last ``T`` steps, kept as one columnar array.

Every live track owns one row of ``(K, T, ...)`` arrays: the box it was given
at each of its last ``T`` frames, the detection confidence, whether a detection
was there at all (a frame without one is a *missing step*), and optionally the
appearance vector.  Rows stay aligned with the tracker's
:class:`~trackbench.trackers.core.tracks.TrackStore` (same ``add`` / ``keep`` order), so a
frame's windows of all tracks are one slice away from a single batched forward
pass (:meth:`TrackHistory.inputs`).

Steps before a track was born are missing steps too; so are frames of a gap.
Once a track's last detection has slid out of its window it has no anchor left
(:meth:`TrackHistory.has_anchor`) and must be ended: the LSTM cannot carry a
track through a gap of ``T`` frames or more.
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.rolo.model import Encoded, Normalisation, encode_windows, last_observed


class TrackHistory:
    """Windows of ``steps`` frames for K tracks; the last column is the newest frame."""

    def __init__(self, steps: int, feature_dim: int = 0) -> None:
        if steps < 1:
            raise ValueError("steps must be >= 1")
        self.steps = steps
        self.feature_dim = feature_dim
        self.boxes = np.zeros((0, steps, 4))
        self.conf = np.zeros((0, steps))
        self.observed = np.zeros((0, steps), bool)
        self.features = np.zeros((0, steps, feature_dim), np.float32) if feature_dim else None

    def __len__(self) -> int:
        return len(self.boxes)

    def add(self, boxes: np.ndarray, conf: np.ndarray, features: np.ndarray | None = None) -> None:
        """Append tracks born this frame: their newest step is the birth detection, the rest missing.

        Call after :meth:`push` of the same frame, so the new rows line up in time.
        """
        k = len(boxes)
        b = np.zeros((k, self.steps, 4))
        b[:, -1] = boxes
        c = np.zeros((k, self.steps))
        c[:, -1] = conf
        o = np.zeros((k, self.steps), bool)
        o[:, -1] = True
        self.boxes = np.concatenate([self.boxes, b])
        self.conf = np.concatenate([self.conf, c])
        self.observed = np.concatenate([self.observed, o])
        if self.features is not None:
            f = np.zeros((k, self.steps, self.feature_dim), np.float32)
            if features is not None:
                f[:, -1] = features
            self.features = np.concatenate([self.features, f])

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where ``mask`` is False (tracks that ended)."""
        if mask.all():
            return
        self.boxes = self.boxes[mask]
        self.conf = self.conf[mask]
        self.observed = self.observed[mask]
        if self.features is not None:
            self.features = self.features[mask]

    def push(self, rows: np.ndarray, boxes: np.ndarray, conf: np.ndarray, features: np.ndarray | None = None) -> None:
        """Advance every window one frame: ``rows`` got these detections, all others a missing step."""
        self.boxes[:, :-1] = self.boxes[:, 1:]
        self.conf[:, :-1] = self.conf[:, 1:]
        self.observed[:, :-1] = self.observed[:, 1:]
        self.boxes[:, -1] = 0.0
        self.conf[:, -1] = 0.0
        self.observed[:, -1] = False
        self.boxes[rows, -1] = boxes
        self.conf[rows, -1] = conf
        self.observed[rows, -1] = True
        if self.features is not None:
            self.features[:, :-1] = self.features[:, 1:]
            self.features[:, -1] = 0.0
            if features is not None:
                self.features[rows, -1] = features

    def has_anchor(self) -> np.ndarray:
        """(K,) True where the window still holds at least one detection."""
        return self.observed.any(axis=1)

    def missing_run(self) -> np.ndarray:
        """(K,) consecutive missing steps at the end of each window (0 = detected this frame)."""
        last = last_observed(self.observed)
        return np.where(last >= 0, self.steps - 1 - last, self.steps)

    def inputs(self, width: float, height: float, norm: Normalisation) -> Encoded:
        """The (K, T, F) network inputs of all tracks, with their anchors and priors."""
        return encode_windows(self.boxes, self.conf, self.observed, width, height, norm, self.features)
