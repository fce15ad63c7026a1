"""Ground truth and simulated detector output of a synthetic sequence.

The detector model reproduces the failure modes trackers must cope with:
misses that grow with occlusion and come in runs (a detector that loses a
half-hidden person tends to lose it for several frames), jittered boxes with an
occasional large error, true positives whose score drops under occlusion, and
false positives of two kinds: scattered one-off boxes (some on parts of real
objects) and object-like background clutter that fires again and again at the
same place, which tempts trackers into confirming ghost tracks.
"""

from __future__ import annotations

import numpy as np

from trackbench.datasets.synth_config import STREAM_DETECTIONS, SynthConfig
from trackbench.datasets.synth_geometry import ground_scale, in_image_fraction
from trackbench.datasets.synth_motion import GROUND_TOP, SynthScene
from trackbench.datasets.sequence import FrameTable

_HEAVY_TAIL = 0.05  # share of detections whose box error is three times larger


def ground_truth_table(scene: SynthScene) -> FrameTable:
    """One row per object and frame in which its box touches the image.

    Rows of objects less than ``min_visibility`` visible get conf 0, so they are
    neither required nor rewarded (MOTChallenge's ignore rows).
    """
    cfg = scene.config
    boxes = scene.boxes.transpose(1, 0, 2)  # (T, n, 4): row-major order = by frame, then id
    vis = scene.visibility.T
    present = ~np.isnan(vis)
    inside = np.zeros_like(present)
    inside[present] = in_image_fraction(boxes[present], cfg.width, cfg.height) > 0
    t, i = np.nonzero(inside)
    v = vis[t, i]
    n = len(t)
    return FrameTable(
        frames=(t + 1).astype(np.int64),
        ids=(i + 1).astype(np.int64),
        boxes=boxes[t, i].copy(),
        scores=(v >= cfg.min_visibility).astype(np.float64),
        classes=np.ones(n, np.int64),
        visibility=v,
    )


def _jitter(rng: np.random.Generator, boxes: np.ndarray, scale: float) -> np.ndarray:
    """Move each edge by noise proportional to the box size (heavy-tailed)."""
    size = np.column_stack([boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]])
    size = np.tile(size, 2)
    tail = np.where(rng.random(len(boxes)) < _HEAVY_TAIL, 3.0, 1.0)[:, None]
    out = boxes + rng.standard_normal(boxes.shape) * scale * size * tail
    return np.column_stack([np.minimum(out[:, 0], out[:, 2]), np.minimum(out[:, 1], out[:, 3]), np.maximum(out[:, 0], out[:, 2]), np.maximum(out[:, 1], out[:, 3])])


def _miss_probability(cfg: SynthConfig, vis: np.ndarray) -> np.ndarray:
    """Piecewise linear in visibility: certain below ``min_visibility``, base rate above 0.8."""
    p = np.interp(vis, [cfg.min_visibility, 0.5, 0.8], [1.0, cfg.occluded_miss_rate, cfg.miss_rate])
    return np.where(vis < cfg.min_visibility, 1.0, p)


def _true_positives(cfg: SynthConfig, rng: np.random.Generator, scene: SynthScene) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per frame: detected boxes of real objects and their scores."""
    n, T = scene.visibility.shape
    missed_before = np.zeros(n, bool)
    out = []
    for t in range(T):
        vis = np.nan_to_num(scene.visibility[:, t], nan=0.0)
        p = _miss_probability(cfg, vis)
        p = np.where(missed_before, np.maximum(p, cfg.miss_persistence), p)
        draw = rng.random(n)
        hit = draw >= p
        missed_before = ~hit & (vis > 0)
        idx = np.flatnonzero(hit)
        boxes = _jitter(rng, scene.boxes[idx, t], cfg.box_jitter)
        scores = rng.beta(*cfg.tp_score_beta, len(idx)) * (0.55 + 0.45 * vis[idx])
        out.append((boxes, scores))
    return out


def _random_false_positives(cfg: SynthConfig, rng: np.random.Generator, scene: SynthScene, t: int) -> np.ndarray:
    """Boxes of one frame's scattered false positives: parts of objects or empty ground."""
    k = int(rng.poisson(cfg.false_positives))
    if k == 0:
        return np.zeros((0, 4))
    W, H = cfg.width, cfg.height
    visible = np.flatnonzero(np.nan_to_num(scene.visibility[:, t]) > 0.3)
    on_part = rng.random(k) < 0.4
    # Free boxes: an object-sized box standing somewhere on the ground.
    foot = rng.uniform(GROUND_TOP * H, H, k)
    h = rng.uniform(0.2, 0.5, k) * H * ground_scale(foot + scene.camera[t, 1], H)
    w = h * rng.uniform(0.3, 1.2, k)
    x = rng.uniform(0, W, k)
    boxes = np.column_stack([x - w / 2, foot - h, x + w / 2, foot])
    if len(visible):
        # Part boxes: a fraction of a real object, off-centre (IoU with it mostly < 0.5).
        src = scene.boxes[visible[rng.integers(len(visible), size=k)], t]
        sw, sh = src[:, 2] - src[:, 0], src[:, 3] - src[:, 1]
        f = rng.uniform(0.4, 0.7, k)
        cx = (src[:, 0] + src[:, 2]) / 2 + rng.uniform(-0.5, 0.5, k) * sw
        cy = (src[:, 1] + src[:, 3]) / 2 + rng.uniform(-0.5, 0.5, k) * sh
        part = np.column_stack([cx - f * sw / 2, cy - f * sh / 2, cx + f * sw / 2, cy + f * sh / 2])
        boxes = np.where(on_part[:, None], part, boxes)
    return boxes


def _site_false_positives(cfg: SynthConfig, rng: np.random.Generator, scene: SynthScene, t: int) -> np.ndarray:
    """Repeated detections of visible object-like clutter (ghost tracks)."""
    k = len(scene.sites)
    fire = (rng.random(k) < cfg.static_fp_rate) & (scene.site_visibility[:, t] >= 0.5)
    boxes = scene.sites[fire] - np.tile(scene.camera[t], 2)
    return _jitter(rng, boxes, cfg.box_jitter)


def detection_table(scene: SynthScene) -> FrameTable:
    """All detections of a sequence, each frame's rows sorted by descending score.

    Sorting by score, as detector output usually is, also keeps the row order
    from leaking the object identities.
    """
    cfg = scene.config
    rng = cfg.rng(scene.index, STREAM_DETECTIONS)
    tps = _true_positives(cfg, rng, scene)
    frames, boxes, scores = [], [], []
    for t, (tp_boxes, tp_scores) in enumerate(tps):
        fp = _random_false_positives(cfg, rng, scene, t)
        site = _site_false_positives(cfg, rng, scene, t)
        fp_scores = rng.beta(*cfg.fp_score_beta, len(fp))
        site_scores = 0.15 + 0.85 * rng.beta(*cfg.fp_score_beta, len(site))
        b = np.vstack([tp_boxes, fp, site])
        s = np.concatenate([tp_scores, fp_scores, site_scores])
        b, s = _clip_to_image(b, s, cfg.width, cfg.height)
        order = np.argsort(-s, kind="stable")
        frames.append(np.full(len(s), t + 1, np.int64))
        boxes.append(b[order])
        scores.append(s[order])
    n = sum(len(f) for f in frames)
    return FrameTable(
        frames=np.concatenate(frames),
        ids=np.full(n, -1, np.int64),
        boxes=np.vstack(boxes),
        scores=np.concatenate(scores),
        classes=np.full(n, -1, np.int64),
        visibility=np.ones(n),
    )


def _clip_to_image(boxes: np.ndarray, scores: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """A detector only sees the image: clip boxes to it and drop slivers."""
    b = boxes.copy()
    b[:, [0, 2]] = np.clip(b[:, [0, 2]], 0, width)
    b[:, [1, 3]] = np.clip(b[:, [1, 3]], 0, height)
    keep = (b[:, 2] - b[:, 0] >= 4) & (b[:, 3] - b[:, 1] >= 4)
    return b[keep], scores[keep]
