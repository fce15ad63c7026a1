"""Training windows for the ROLO LSTM, built from ground-truth trajectories.

For every ground-truth track of a sequence (pedestrians on MOT16/17/20, every
track elsewhere) a :class:`Trajectory` lists, frame by frame from its first to
its last frame, the true box and the *observation* the tracker would have had:

- ``inputs="detections"`` (default): the detection matched to the gt box
  (Hungarian on IoU, IoU >= 0.5) with its score and appearance vector; frames
  where no detection matches are real missing steps (occlusion, detector
  misses) — exactly what the tracker sees.
- ``inputs="gt"``: the gt box itself, jittered per edge like a detector would
  and with a random confidence; for data without detections.

:func:`sample_windows` cuts every trajectory into windows of ``T`` steps ending
at each frame ``t`` whose next frame has a gt box, optionally after dropping
random runs of 1..``max_gap`` observations (artificial gaps, so the model sees
enough of them), and returns the inputs with the targets: the gt box at
``t + 1`` and at ``t``.  Everything is vectorised over one "tape" of all
trajectories, each preceded by ``T - 1`` missing steps, so windows never mix
two tracks and a track's first frames have short histories, as in the tracker.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from trackbench.datasets.boxes import iou_matrix
from trackbench.datasets.sequence import Sequence
from trackbench.trackers.core.assignment import min_cost_matching
from trackbench.trackers.rolo.model import Encoded, Normalisation, encode_windows, last_observed, relative_to

INPUTS = ("detections", "gt")


@dataclass
class Trajectory:
    """One gt track over consecutive frames: true boxes and the observations a tracker gets."""

    sequence: str
    track_id: int
    frames: np.ndarray  # (L,) consecutive frame numbers
    gt: np.ndarray  # (L, 4) corner boxes, NaN where the track has no gt row
    obs: np.ndarray  # (L, 4) observed boxes, NaN where none
    conf: np.ndarray  # (L,)
    width: int
    height: int
    jitter: bool = False  # observations are gt boxes still to be jittered
    features: np.ndarray | None = None  # (L, D) appearance of the observation

    def __len__(self) -> int:
        return len(self.frames)


def track_rows(seq: Sequence) -> np.ndarray:
    """Gt rows that make trajectories: the scored classes (all rows when the layout has none)."""
    gt = seq.ground_truth
    if gt is None:
        raise ValueError(f"sequence {seq.name} has no ground truth: ROLO training needs gt trajectories")
    classes = seq.eval_spec.eval_classes
    if classes is None:
        return np.ones(len(gt), bool)
    return np.isin(gt.classes, classes)


def match_detections(seq: Sequence, rows: np.ndarray, min_iou: float = 0.5) -> np.ndarray:
    """For each gt row (all rows of the table), the matched detection row or -1."""
    gt, det = seq.ground_truth, seq.detections
    assert gt is not None
    match = np.full(len(gt), -1, np.int64)
    for frame in np.unique(gt.frames[rows]):
        gs = gt.rows(int(frame))
        g_idx = np.arange(gs.start, gs.stop)[rows[gs]]
        ds = det.rows(int(frame))
        if len(g_idx) == 0 or ds.stop == ds.start:
            continue
        cost = 1.0 - iou_matrix(gt.boxes[g_idx], det.boxes[ds])
        pairs, _, _ = min_cost_matching(cost, 1.0 - min_iou)
        match[g_idx[pairs[:, 0]]] = ds.start + pairs[:, 1]
    return match


def trajectories(seq: Sequence, inputs: str = "detections", min_iou: float = 0.5) -> list[Trajectory]:
    """Every gt track of ``seq`` as a :class:`Trajectory` (see the module docstring)."""
    if inputs not in INPUTS:
        raise ValueError(f"inputs must be one of {INPUTS}, got {inputs!r}")
    gt, det = seq.ground_truth, seq.detections
    rows = track_rows(seq)
    if gt is None or not rows.any():
        return []
    use_det = inputs == "detections" and len(det) > 0
    match = match_detections(seq, rows, min_iou) if use_det else None
    feats = det.features if use_det else None
    out = []
    idx = np.flatnonzero(rows)
    order = np.lexsort((gt.frames[idx], gt.ids[idx]))
    idx = idx[order]
    ids = gt.ids[idx]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    for s, e in zip(starts, np.r_[starts[1:], len(idx)]):
        r = idx[s:e]
        frames = gt.frames[r]
        first, last = int(frames[0]), int(frames[-1])
        length = last - first + 1
        pos = frames - first
        g = np.full((length, 4), np.nan)
        g[pos] = gt.boxes[r]
        obs = np.full((length, 4), np.nan)
        conf = np.zeros(length)
        f = None
        if use_det:
            assert match is not None
            m = match[r]
            hit = m >= 0
            obs[pos[hit]] = det.boxes[m[hit]]
            conf[pos[hit]] = det.scores[m[hit]]
            if feats is not None:
                f = np.zeros((length, feats.shape[1]), np.float32)
                f[pos[hit]] = feats[m[hit]]
        else:
            obs[pos] = gt.boxes[r]
            conf[pos] = 1.0
        out.append(Trajectory(seq.name, int(ids[s]), np.arange(first, last + 1), g, obs, conf,
                              seq.info.width, seq.info.height, jitter=not use_det, features=f))
    return out


@dataclass
class Windows:
    """Raw windows: what the model reads and what it should answer."""

    boxes: np.ndarray  # (N, T, 4) observed boxes (anything where not observed)
    conf: np.ndarray  # (N, T)
    observed: np.ndarray  # (N, T) bool
    width: np.ndarray  # (N,)
    height: np.ndarray  # (N,)
    next_gt: np.ndarray  # (N, 4) gt box at t + 1
    current_gt: np.ndarray  # (N, 4) gt box at t, NaN where absent
    features: np.ndarray | None = None  # (N, T, D)
    track: np.ndarray | None = None  # (N,) index of the trajectory each window comes from
    step: np.ndarray | None = None  # (N,) position of the window's last step in that trajectory

    def __len__(self) -> int:
        return len(self.boxes)

    @property
    def gap(self) -> np.ndarray:
        """(N,) consecutive missing steps ending at ``t`` (0 = observed at ``t``)."""
        last = last_observed(self.observed)
        return self.observed.shape[1] - 1 - last

    def encode(self, norm: Normalisation) -> tuple[Encoded, np.ndarray]:
        """(network inputs, standardised targets (N, 8) float32, NaN where the current gt is absent).

        Targets are the corrections to the window's straight-line prior.
        """
        enc = encode_windows(self.boxes, self.conf, self.observed, self.width, self.height, norm, self.features)
        y = self.raw_targets(enc.anchors) - enc.prior
        y = (y - np.asarray(norm.target_mean)) / np.asarray(norm.target_std)
        return enc, y.astype(np.float32)

    def raw_targets(self, anchors: np.ndarray) -> np.ndarray:
        """(N, 8) anchor-relative targets: next box then current box (NaN where absent)."""
        return np.concatenate([relative_to(self.next_gt, anchors), relative_to(self.current_gt, anchors)], axis=1)


def subsample(trajs: list[Trajectory], stride: int) -> list[Trajectory]:
    """Every ``stride``-th frame of each trajectory, at every phase: the same motion at a lower frame rate.

    Sequences are filmed at 7 to 30 frames/s; training at several strides lets
    one model serve them all (per-frame displacements scale with 1/fps).
    """
    if stride <= 1:
        return list(trajs)
    out = []
    for tr in trajs:
        for phase in range(min(stride, len(tr))):
            sl = slice(phase, None, stride)
            out.append(dataclasses.replace(
                tr, frames=tr.frames[sl], gt=tr.gt[sl], obs=tr.obs[sl], conf=tr.conf[sl],
                features=None if tr.features is None else tr.features[sl]))
    return out


def dropout_mask(length: int, rate: float, max_gap: int, rng: np.random.Generator) -> np.ndarray:
    """(length,) True where an observation is dropped: runs of 1..max_gap starting with prob ``rate``."""
    if rate <= 0 or max_gap < 1 or length == 0:
        return np.zeros(length, bool)
    starts = np.flatnonzero(rng.random(length) < rate)
    runs = rng.integers(1, max_gap + 1, len(starts))
    diff = np.zeros(length + 1, np.int64)
    np.add.at(diff, starts, 1)
    np.add.at(diff, np.minimum(starts + runs, length), -1)
    return np.cumsum(diff[:-1]) > 0


def jitter_boxes(boxes: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Each edge moved by N(0, scale * box size), as a detector's boxes scatter."""
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    noise = rng.standard_normal((len(boxes), 4)) * scale
    size = np.stack([w, h, w, h], axis=1)
    out = boxes + noise * size
    # Keep boxes proper: at least 10% of the true size.
    out[:, 2] = np.maximum(out[:, 2], out[:, 0] + 0.1 * w)
    out[:, 3] = np.maximum(out[:, 3], out[:, 1] + 0.1 * h)
    return out


def sample_windows(trajs: list[Trajectory], steps: int, rng: np.random.Generator | None = None,
                   dropout: float = 0.0, max_gap: int = 5, jitter: float = 0.04,
                   gt_miss_rate: float = 0.05) -> Windows:
    """Windows ending at every frame that has a gt box in the next frame (see module docstring).

    ``rng`` drives the artificial dropouts and, for ``inputs="gt"``
    trajectories, the jitter, scores and misses; ``None`` means a fixed
    generator (validation: the same windows every time).
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    pad = steps - 1
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("gt", "obs", "conf", "observed", "w", "h", "end", "feat", "track", "step")}
    has_feat = bool(trajs) and trajs[0].features is not None
    for tr in trajs:
        n = len(tr)
        obs = tr.obs.copy()
        conf = tr.conf.copy()
        observed = np.isfinite(obs).all(axis=1)
        if tr.jitter and observed.any():
            obs[observed] = jitter_boxes(obs[observed], jitter, rng)
            conf[observed] = rng.uniform(0.5, 1.0, int(observed.sum()))
            observed &= ~dropout_mask(n, gt_miss_rate, 3, rng)
        observed &= ~dropout_mask(n, dropout, max_gap, rng)
        gt_ok = np.isfinite(tr.gt).all(axis=1)
        end = np.zeros(n, bool)
        end[:-1] = gt_ok[1:]
        parts["gt"].append(np.concatenate([np.full((pad, 4), np.nan), tr.gt]))
        parts["obs"].append(np.concatenate([np.zeros((pad, 4)), np.nan_to_num(obs)]))
        parts["conf"].append(np.concatenate([np.zeros(pad), conf]))
        parts["observed"].append(np.concatenate([np.zeros(pad, bool), observed]))
        parts["end"].append(np.concatenate([np.zeros(pad, bool), end]))
        parts["w"].append(np.full(pad + n, float(tr.width)))
        parts["h"].append(np.full(pad + n, float(tr.height)))
        parts["track"].append(np.full(pad + n, len(parts["track"]), np.int64))
        parts["step"].append(np.arange(-pad, n, dtype=np.int64))
        if has_feat:
            assert tr.features is not None
            parts["feat"].append(np.concatenate([np.zeros((pad, tr.features.shape[1]), np.float32), tr.features]))
    if not trajs:
        raise ValueError("no ground-truth trajectories to build training windows from")
    tape = {k: np.concatenate(v) for k, v in parts.items() if v}
    observed = tape["observed"]
    counts = np.cumsum(np.r_[0, observed.astype(np.int64)])
    lo = np.maximum(np.arange(len(observed)) + 1 - steps, 0)
    in_window = counts[np.arange(len(observed)) + 1] - counts[lo]
    ends = np.flatnonzero(tape["end"] & (in_window > 0))
    idx = ends[:, None] + np.arange(-pad, 1)[None, :]
    return Windows(
        boxes=tape["obs"][idx],
        conf=tape["conf"][idx],
        observed=observed[idx],
        width=tape["w"][ends],
        height=tape["h"][ends],
        next_gt=tape["gt"][ends + 1],
        current_gt=tape["gt"][ends],
        features=tape["feat"][idx] if has_feat else None,
        track=tape["track"][ends],
        step=tape["step"][ends],
    )


def with_dropouts(trajs: list[Trajectory], rate: float, max_gap: int, seed: int = 0) -> list[Trajectory]:
    """Copies of ``trajs`` with runs of observations removed (the same for every method compared)."""
    rng = np.random.default_rng(seed)
    out = []
    for tr in trajs:
        drop = dropout_mask(len(tr), rate, max_gap, rng)
        obs = tr.obs.copy()
        obs[drop] = np.nan
        conf = np.where(drop, 0.0, tr.conf)
        out.append(dataclasses.replace(tr, obs=obs, conf=conf))
    return out
