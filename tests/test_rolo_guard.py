"""ROLO's Kalman guard: a learned box that leaves the Kalman filter's χ² gate is replaced by the filter's."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("torch", reason="the rolo tracker reads torch checkpoints")

from trackbench import trackers  # noqa: E402
from trackbench.datasets.sequence import Detections  # noqa: E402
from trackbench.datasets.synth import load_synth  # noqa: E402


def _walkers(frames: int = 25) -> list[Detections]:
    """Two people walking apart at constant speed, detected every frame."""
    out = []
    for f in range(frames):
        a = [100 + 3 * f, 100, 140 + 3 * f, 200]
        b = [400 - 2 * f, 120 + f, 440 - 2 * f, 220 + f]
        out.append(Detections(np.array([a, b], float), np.array([0.9, 0.9])))
    return out


def _run(guard: bool, adversarial: bool):
    seq = load_synth(sequences=["synth-01"])[0]
    tracker = trackers.create("rolo", {"kalman_guard": guard, "min_hits": 1})
    tracker.reset(seq.info)
    if adversarial:  # an LSTM that sends every box ~40 deviations away: a collapsed model
        tracker.model = dataclasses.replace(tracker.model, forward=lambda x: np.full((len(x), 8), 40.0, np.float32))
    outputs = [tracker.update(None, d) for d in _walkers()]
    return tracker, outputs


def test_guard_falls_back_to_kalman_when_the_lstm_output_is_adversarial():
    tracker, outputs = _run(guard=True, adversarial=True)
    ids = np.unique(np.concatenate([o.ids for o in outputs]))
    assert len(ids) == 2  # both people keep one id each: association ran on the Kalman predictions
    assert tracker.fallbacks["predicted"] == tracker.fallbacks["predictions"] > 0
    last = outputs[-1]
    np.testing.assert_allclose(np.sort(last.boxes, axis=0), np.sort(_walkers()[-1].boxes, axis=0))  # detection boxes
    assert tracker.tracks.next_id - 1 == 2 and all(len(o.ids) == 2 for o in outputs)
    unguarded, out = _run(guard=False, adversarial=True)
    assert unguarded.tracks.next_id - 1 > 20  # without it every frame starts new tracks
    assert sum(len(o.ids) for o in out) < 10  # ... which are never reported


def test_guard_leaves_a_sane_lstm_alone():
    tracker, outputs = _run(guard=True, adversarial=False)
    plain, plain_out = _run(guard=False, adversarial=False)
    assert tracker.fallbacks["predicted"] <= 0.1 * tracker.fallbacks["predictions"]
    assert len(np.unique(np.concatenate([o.ids for o in outputs]))) == 2
    assert len(np.unique(np.concatenate([o.ids for o in plain_out]))) == 2
