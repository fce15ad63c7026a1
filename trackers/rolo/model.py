"""The ROLO-style recurrent box regressor, and how boxes are encoded for it.

ROLO (Ning et al., 2016) feeds an LSTM, frame after frame, with a CNN's
appearance features concatenated with the detector's box and lets it regress
the object's box.  Here the same idea serves tracking-by-detection: for every
track, the last ``T`` steps of

    [appearance vector (optional) | normalised box | confidence | missing flag]

go through one small LSTM, and a linear head reads two boxes off its last
hidden state: the box in the **next** frame (it replaces the Kalman prediction
in association) and a **refined** box for the current frame (what the tracker
reports).  All tracks of a frame form one ``(K, T, F)`` batch: one forward pass
per frame.

Box encoding (:func:`encode_windows`), per step, 10 numbers:

====  ============================================================
0-3   box relative to the window's *anchor* (its last observed box):
      ``(cx - cx_a) / h_a, (cy - cy_a) / h_a, log(w / w_a), log(h / h_a)``
4-7   box relative to the image: ``cx / W, cy / H, w / W, h / H``
8     detection confidence, clipped to [0, 1]
9     missing flag: 1 where the track had no detection (or did not exist yet)
====  ============================================================

Columns 0-7 are standardised with the training data's mean and deviation
(:class:`Normalisation`, stored in the checkpoint); a missing step has zeros
there and in its appearance vector.  Working relative to the anchor makes the
regression translation- and scale-invariant, so one model serves 640x480 and
1920x1080 sequences alike.

Each step also carries the window's *straight-line prior* (8 numbers, the same
at every step, :func:`linear_prior`): a least-squares line through the
window's observed anchor-relative boxes, extrapolated to the next and the
current step — a constant-velocity guess made without a filter.  The network
outputs corrections to it (standardised), so it learns what the straight line
gets wrong (noisy velocities from few detections, partial boxes of occluded
people, typical speeds) instead of rediscovering extrapolation; on MOT17 this
was the difference between matching the Kalman filter after gaps and beating
it.  :func:`decode_boxes` adds prior and correction and returns corner boxes.

This module is NumPy only (the tracker imports it without torch); the torch
network is :class:`trackbench.trackers.rolo.network.RoloNet`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BOX_FEATURES = 10  # per-step box part of the input, see the module docstring
STANDARDISED = 8  # leading box columns standardised with Normalisation
OUTPUTS = 8  # next box (4) + refined current box (4), anchor-relative
PRIOR = 8  # the window's straight-line extrapolation (next | current), repeated at every step
STEP_FEATURES = BOX_FEATURES + PRIOR  # inputs per step before the appearance vector
APPEARANCE_PROJECTION = 16  # appearance vectors are projected to this many inputs


@dataclass
class Normalisation:
    """Means and deviations of the standardised input columns and of the targets."""

    input_mean: list[float] = field(default_factory=lambda: [0.0] * STANDARDISED)
    input_std: list[float] = field(default_factory=lambda: [1.0] * STANDARDISED)
    target_mean: list[float] = field(default_factory=lambda: [0.0] * OUTPUTS)
    target_std: list[float] = field(default_factory=lambda: [1.0] * OUTPUTS)

    def to_dict(self) -> dict[str, list[float]]:
        return {k: [float(v) for v in getattr(self, k)] for k in ("input_mean", "input_std", "target_mean", "target_std")}

    @classmethod
    def from_dict(cls, d: dict) -> "Normalisation":
        return cls(**{k: list(d[k]) for k in ("input_mean", "input_std", "target_mean", "target_std")})

    @classmethod
    def fit(cls, x: np.ndarray, observed: np.ndarray, targets: np.ndarray) -> "Normalisation":
        """Statistics of raw (unstandardised) inputs at observed steps and of the targets."""
        obs = x[observed][:, :STANDARDISED]
        tm = np.nanmean(targets, axis=0)  # the refined-current targets are NaN where gt is absent
        ts = np.nanstd(targets, axis=0)
        return cls(
            input_mean=obs.mean(axis=0).tolist(),
            input_std=np.maximum(obs.std(axis=0), 1e-3).tolist(),
            target_mean=tm.tolist(),
            target_std=np.maximum(ts, 1e-3).tolist(),
        )


def box_to_cxcywh(boxes: np.ndarray) -> np.ndarray:
    """Corner boxes (..., 4) to (cx, cy, w, h); widths and heights floored at 1e-3 px."""
    w = np.maximum(boxes[..., 2] - boxes[..., 0], 1e-3)
    h = np.maximum(boxes[..., 3] - boxes[..., 1], 1e-3)
    return np.stack([boxes[..., 0] + w / 2, boxes[..., 1] + h / 2, w, h], axis=-1)


def relative_to(boxes: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Boxes (N, ..., 4) in the anchor-relative form of ``anchors`` (N, 4), corner boxes both."""
    b = box_to_cxcywh(boxes)
    a = box_to_cxcywh(anchors)
    shape = (len(a),) + (1,) * (b.ndim - 2)
    ax, ay, aw, ah = (a[:, i].reshape(shape) for i in range(4))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.stack(
            [(b[..., 0] - ax) / ah, (b[..., 1] - ay) / ah, np.log(b[..., 2] / aw), np.log(b[..., 3] / ah)], axis=-1
        )


def from_relative(rel: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Inverse of :func:`relative_to` for (N, 4) rows: anchor-relative → corner boxes."""
    a = box_to_cxcywh(anchors)
    cx = a[:, 0] + rel[:, 0] * a[:, 3]
    cy = a[:, 1] + rel[:, 1] * a[:, 3]
    w = a[:, 2] * np.exp(np.clip(rel[:, 2], -5, 5))
    h = a[:, 3] * np.exp(np.clip(rel[:, 3], -5, 5))
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)


def last_observed(observed: np.ndarray) -> np.ndarray:
    """Index of the last observed step of each window (N, T) → (N,), -1 where none."""
    t = observed.shape[1]
    idx = np.where(observed, np.arange(t), -1)
    return idx.max(axis=1)


def raw_features(boxes: np.ndarray, conf: np.ndarray, observed: np.ndarray,
                 width: np.ndarray | float, height: np.ndarray | float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unstandardised box features (N, T, 10), anchors (N, 4) and has-anchor (N,).

    ``boxes`` (N, T, 4) corner boxes (any value where not observed), ``conf``
    (N, T), ``observed`` (N, T) bool; ``width``/``height`` scalars or (N,).
    """
    n, t = observed.shape
    last = last_observed(observed)
    has = last >= 0
    anchors = np.ones((n, 4))
    anchors[:, 2:] = 2.0
    anchors[has] = boxes[np.flatnonzero(has), last[has]]
    safe = np.where(observed[..., None], boxes, anchors[:, None, :])
    x = np.zeros((n, t, BOX_FEATURES))
    x[..., 0:4] = relative_to(safe, anchors)
    c = box_to_cxcywh(safe)
    W = np.broadcast_to(np.asarray(width, float), (n,))[:, None]
    H = np.broadcast_to(np.asarray(height, float), (n,))[:, None]
    x[..., 4] = c[..., 0] / W
    x[..., 5] = c[..., 1] / H
    x[..., 6] = c[..., 2] / W
    x[..., 7] = c[..., 3] / H
    x[..., 8] = np.clip(conf, 0.0, 1.0)
    x[..., 9] = ~observed
    x[~observed, :9] = 0.0
    return x, anchors, has


def linear_prior(raw: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """(N, 8) least-squares straight line through each window's observed anchor-relative boxes,
    evaluated at the next step (first 4) and the current step (last 4).

    A constant-velocity extrapolation of the window; with a single observation
    it is that observation.  The network predicts corrections to it.
    """
    n, t, _ = raw.shape
    w = observed.astype(np.float64)
    tt = np.arange(t, dtype=np.float64)
    rel = raw[..., :4]
    s0, s1, s2 = w.sum(1), w @ tt, w @ (tt * tt)
    sy = np.einsum("nt,ntk->nk", w, rel)
    sty = np.einsum("nt,ntk->nk", w * tt, rel)
    den = s0 * s2 - s1 * s1
    ok = den > 1e-9
    slope = np.zeros((n, 4))
    slope[ok] = (s0[ok, None] * sty[ok] - s1[ok, None] * sy[ok]) / den[ok, None]
    intercept = (sy - slope * s1[:, None]) / np.maximum(s0, 1.0)[:, None]
    return np.concatenate([intercept + slope * t, intercept + slope * (t - 1)], axis=1)


def prior_scale(norm: "Normalisation") -> np.ndarray:
    """How the prior is scaled as an input: by the deviation of the anchor-relative inputs."""
    return np.tile(np.asarray(norm.input_std[:4], np.float64), 2)


def standardise(x: np.ndarray, observed: np.ndarray, norm: Normalisation) -> np.ndarray:
    """Raw features to model inputs (float32): standardised columns, zeros at missing steps."""
    out = x.astype(np.float32, copy=True)
    mean = np.asarray(norm.input_mean, np.float32)
    std = np.asarray(norm.input_std, np.float32)
    out[..., :STANDARDISED] = (out[..., :STANDARDISED] - mean) / std
    out[~observed, :STANDARDISED] = 0.0
    return out


@dataclass
class Encoded:
    """Windows ready for the network, and what decoding its output needs."""

    x: np.ndarray  # (N, T, F) float32: box features | scaled prior | appearance
    anchors: np.ndarray  # (N, 4) corner boxes
    has_anchor: np.ndarray  # (N,) bool
    prior: np.ndarray  # (N, 8) anchor-relative straight-line extrapolation

    def __len__(self) -> int:
        return len(self.x)


def encode_windows(boxes: np.ndarray, conf: np.ndarray, observed: np.ndarray, width, height,
                   norm: Normalisation, features: np.ndarray | None = None) -> Encoded:
    """Network inputs for windows of steps (see the module docstring).

    ``features`` (N, T, D) appearance vectors are appended (zeroed where missing).
    """
    raw, anchors, has = raw_features(boxes, conf, observed, width, height)
    prior = linear_prior(raw, observed)
    x = standardise(raw, observed, norm)
    n, t, _ = x.shape
    scaled = (prior / prior_scale(norm)).astype(np.float32)
    parts = [x, np.broadcast_to(scaled[:, None, :], (n, t, PRIOR))]
    if features is not None:
        parts.append(np.where(observed[..., None], features, 0.0).astype(np.float32))
    return Encoded(np.concatenate(parts, axis=-1), anchors, has, prior)


def decode_boxes(out: np.ndarray, enc: Encoded, norm: Normalisation) -> tuple[np.ndarray, np.ndarray]:
    """Network outputs (N, 8) → (next boxes, refined current boxes), corner boxes (N, 4) each."""
    rel = out.astype(np.float64) * np.asarray(norm.target_std) + np.asarray(norm.target_mean) + enc.prior
    return from_relative(rel[:, :4], enc.anchors), from_relative(rel[:, 4:], enc.anchors)
