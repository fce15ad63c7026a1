"""OC-SORT's frame steps as compiled kernels over the track store's arrays.

:class:`~trackbench.trackers.ocsort.tracker.OcSort` calls these each frame
(why compiled: :mod:`trackbench.trackers.core.jit`): ``predict`` (SORT's
prediction, counters included: :mod:`trackbench.trackers.core.sort_motion_kernels`),
:func:`first_round` and :func:`iou_rows`
(IoU matrices, with the assignment when trivially determined; otherwise the
tracker runs the shared solver), :func:`observe` for matched tracks (OCM
direction, observation store, ORU re-update, Kalman update), :func:`miss`,
:func:`report`.  Arrays are modified in place where the docstring says so.
The definition is the reference implementation: the tests run the whole
tracker against a per-track port of noahcao/OC_SORT (``tests/oracles/ocsort_ref.py``)
on real sequences and against the authors' own output files, and check the
pieces against formulas written out (``tests/test_jit_kernels.py``).  The
``arccos`` of the momentum (OCM) gain is taken by NumPy between
:func:`momentum_cos` and :func:`negated_gain`, as the reference does: NumPy's
(SIMD) ``arccos`` and the C library's differ in the last bit, which can decide a
tie in the solver; it is needed only when the solver runs.
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core.jit import iou, kernel, predict_axis, unique_pairs, update_axis
from trackbench.trackers.core.sort_motion_kernels import AGE, HITS, SINCE, STREAK, predict, state_box

_FAR = np.iinfo(np.int64).max


@kernel
def iou_rows(boxes: np.ndarray, dets: np.ndarray, others: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """IoU of detections ``boxes[dets]`` (rows) with boxes ``others[cols, :4]`` (columns)."""
    out = np.empty((len(dets), len(cols)))
    for i in range(len(dets)):
        d = dets[i]
        for j in range(len(cols)):
            t = cols[j]
            out[i, j] = iou(boxes[d, 0], boxes[d, 1], boxes[d, 2], boxes[d, 3],
                            others[t, 0], others[t, 1], others[t, 2], others[t, 3])
    return out


@kernel
def first_round(boxes: np.ndarray, scores: np.ndarray, det_thresh: float, predicted: np.ndarray,
                iou_threshold: float):
    """High-score detections against the predictions: ``high, iou, ok, matches, free_rows, free_cols``.

    ``ok``: at least one pair is above the threshold and no row or column has two (the
    shortcut of ``max_iou_matching``); otherwise the caller runs the solver.
    """
    high = np.empty(len(scores), np.int64)
    n = 0
    for i in range(len(scores)):
        if scores[i] > det_thresh:
            high[n] = i
            n += 1
    high = high[:n]
    overlap = iou_rows(boxes, high, predicted, np.arange(len(predicted)))
    ok, matches, free_rows, free_cols = unique_pairs(overlap, iou_threshold, True)
    ok = ok and len(matches) > 0
    return high, overlap, ok, matches, free_rows, free_cols


@kernel
def momentum_cos(boxes: np.ndarray, dets: np.ndarray, previous: np.ndarray, velocity: np.ndarray) -> np.ndarray:
    """The OCM gain's clipped cosine (K, N) between each track's direction and the one from its
    earlier observation ``previous`` to detection ``boxes[dets]``."""
    out = np.empty((len(previous), len(dets)))
    for t in range(len(previous)):
        px = (previous[t, 0] + previous[t, 2]) / 2.0
        py = (previous[t, 1] + previous[t, 3]) / 2.0
        for j in range(len(dets)):
            d = dets[j]
            dx = (boxes[d, 0] + boxes[d, 2]) / 2.0 - px
            dy = (boxes[d, 1] + boxes[d, 3]) / 2.0 - py
            norm = np.sqrt(dx * dx + dy * dy) + 1e-6
            v = velocity[t, 1] * (dx / norm) + velocity[t, 0] * (dy / norm)
            out[t, j] = -1.0 if v < -1.0 else (1.0 if v > 1.0 else v)
    return out


@kernel
def negated_gain(iou: np.ndarray, arccos: np.ndarray, previous: np.ndarray, scores: np.ndarray, dets: np.ndarray,
                 inertia: float) -> np.ndarray:
    """The solver's input of the first round, ``-(IoU + inertia · score · (π/2 - |arccos c|) / π)`` (N, K),
    zero gain for tracks without an observation; ``arccos`` is :func:`momentum_cos`'s, taken by NumPy."""
    n, k = iou.shape
    out = np.empty((n, k))
    for j in range(n):
        score = scores[dets[j]]
        for t in range(k):
            angle = (np.pi / 2.0 - np.abs(arccos[t, j])) / np.pi
            valid = 1.0 if previous[t, 4] >= 0 else 0.0
            out[j, t] = -(iou[j, t] + ((valid * angle) * inertia) * score)
    return out


@kernel
def previous_observations(ring: np.ndarray, ring_age: np.ndarray, age: np.ndarray, last_obs: np.ndarray,
                          delta_t: int, idx: np.ndarray) -> np.ndarray:
    """For tracks ``idx``: the oldest observation of the last ``delta_t`` frames (the reference looks
    ``delta_t`` frames back first, then nearer), else the last observation."""
    out = np.empty((len(idx), 5))
    for n in range(len(idx)):
        i = idx[n]
        best, slot = _FAR, -1
        for s in range(delta_t):
            a = ring_age[i, s]
            if a >= age[i] - delta_t and a < best:
                best, slot = a, s
        for k in range(5):
            out[n, k] = ring[i, slot, k] if slot >= 0 else last_obs[i, k]
    return out


@kernel
def _obs_sum(last_obs: np.ndarray, i: int) -> float:
    """The reference's "has an observation" test reads the sign of this (placeholder rows are -1)."""
    return last_obs[i, 0] + last_obs[i, 1] + last_obs[i, 2] + last_obs[i, 3] + last_obs[i, 4]


@kernel
def _update_track(x: np.ndarray, P: np.ndarray, i: int, z: np.ndarray, r: np.ndarray) -> None:
    for k in range(4):
        update_axis(x, P, i, k, z[k], r[k])


@kernel
def _re_update(x: np.ndarray, P: np.ndarray, i: int, frozen_x: np.ndarray, frozen_P: np.ndarray,
               last_z: np.ndarray, z: np.ndarray, gap: int, r: np.ndarray, q_pos: np.ndarray,
               q_vel: np.ndarray) -> None:
    """ORU for track ``i``: rewind to the state saved at its first miss and replay ``gap`` virtual
    measurements on the straight line (centre, width, height) from its last measurement to ``z``."""
    for k in range(4):
        x[i, k], x[i, 4 + k] = frozen_x[i, k], frozen_x[i, 4 + k]
        for j in range(3):
            P[i, j, k] = frozen_P[i, j, k]
    z1 = np.empty(4)
    for k in range(4):
        z1[k] = last_z[i, k]
    w1, h1 = np.sqrt(z1[2] * z1[3]), np.sqrt(z1[2] / z1[3])
    w2, h2 = np.sqrt(z[2] * z[3]), np.sqrt(z[2] / z[3])
    g = float(gap)
    dx, dy = (z[0] - z1[0]) / g, (z[1] - z1[1]) / g
    dw, dh = (w2 - w1) / g, (h2 - h1) / g
    virtual = np.empty(4)
    for step in range(gap):
        w, h = w1 + (step + 1) * dw, h1 + (step + 1) * dh
        virtual[0] = z1[0] + (step + 1) * dx
        virtual[1] = z1[1] + (step + 1) * dy
        virtual[2] = w * h
        virtual[3] = w / h
        _update_track(x, P, i, virtual, r)
        if step < gap - 1:
            for k in range(4):
                predict_axis(x, P, i, k, q_pos[k], q_vel[k])
    for k in range(4):
        last_z[i, k] = virtual[k]


@kernel
def observe(x: np.ndarray, P: np.ndarray, counters: np.ndarray, last_obs: np.ndarray, velocity: np.ndarray,
            observed: np.ndarray, frozen: np.ndarray, frozen_x: np.ndarray, frozen_P: np.ndarray,
            last_z: np.ndarray, ring: np.ndarray, ring_age: np.ndarray, delta_t: int,
            tracks: np.ndarray, boxes: np.ndarray, scores: np.ndarray, dets: np.ndarray, r: np.ndarray,
            q_pos: np.ndarray, q_vel: np.ndarray) -> None:
    """Tracks ``tracks`` take detections ``dets`` (in place): direction from an earlier observation,
    observation store, counters, and the filter update (re-updated along a virtual line after a gap)."""
    prev = previous_observations(ring, ring_age, counters[:, AGE], last_obs, delta_t, tracks)
    obs = np.empty(5)
    z = np.empty(4)
    for n in range(len(tracks)):
        i, d = tracks[n], dets[n]
        for k in range(4):
            obs[k] = boxes[d, k]
        obs[4] = scores[d]
        if _obs_sum(last_obs, i) >= 0:  # the track has an observation: its direction of motion
            dy = (obs[1] + obs[3]) / 2.0 - (prev[n, 1] + prev[n, 3]) / 2.0
            dx = (obs[0] + obs[2]) / 2.0 - (prev[n, 0] + prev[n, 2]) / 2.0
            norm = np.sqrt(dy * dy + dx * dx) + 1e-6
            velocity[i, 0] = dy / norm
            velocity[i, 1] = dx / norm
        age = counters[i, AGE]
        slot = age % delta_t
        for k in range(5):
            last_obs[i, k] = obs[k]
            ring[i, slot, k] = obs[k]
        ring_age[i, slot] = age
        gap = counters[i, SINCE]
        counters[i, SINCE] = 0
        counters[i, HITS] += 1
        counters[i, STREAK] += 1
        # boxes_to_z of the reference: r = w / (h + 1e-6)
        w = obs[2] - obs[0]
        h = obs[3] - obs[1]
        z[0] = obs[0] + w / 2.0
        z[1] = obs[1] + h / 2.0
        z[2] = w * h
        z[3] = w / (h + 1e-6)
        if frozen[i] and not observed[i]:
            frozen[i] = False
            _re_update(x, P, i, frozen_x, frozen_P, last_z, z, gap, r, q_pos, q_vel)
        else:
            for k in range(4):
                last_z[i, k] = z[k]
        _update_track(x, P, i, z, r)
        observed[i] = True


@kernel
def miss(x: np.ndarray, P: np.ndarray, observed: np.ndarray, frozen: np.ndarray, frozen_x: np.ndarray,
         frozen_P: np.ndarray, tracks: np.ndarray) -> None:
    """Unmatched tracks (in place): the first miss after an observation saves the state for ORU."""
    for i in tracks:
        if observed[i]:
            frozen[i] = True
            for k in range(4):
                frozen_x[i, k], frozen_x[i, 4 + k] = x[i, k], x[i, 4 + k]
                for j in range(3):
                    frozen_P[i, j, k] = P[i, j, k]
        observed[i] = False


@kernel
def report(x: np.ndarray, counters: np.ndarray, last_obs: np.ndarray, frame_count: int, min_hits: int,
           min_box_area: float, aspect_ratio_thresh: float, max_age: int):
    """Tracks reported this frame (SORT's rule), with their last observation's box (the Kalman box
    where there is none) through the output filter: ``(indices, boxes, any track too old)``."""
    n = len(x)
    shown = np.empty(n, np.int64)
    out = np.empty((n, 4))
    k = 0
    too_old = False
    for i in range(n):
        if counters[i, SINCE] > max_age:
            too_old = True
        if not counters[i, SINCE] < 1 or (frame_count > min_hits and counters[i, STREAK] < min_hits):
            continue
        if _obs_sum(last_obs, i) < 0:
            state_box(x, i, out, k)
        else:
            for j in range(4):
                out[k, j] = last_obs[i, j]
        w, h = out[k, 2] - out[k, 0], out[k, 3] - out[k, 1]
        if w * h > min_box_area and not w / h > aspect_ratio_thresh:
            shown[k] = i
            k += 1
    return shown[:k], out[:k], too_old
