"""Deep SORT: equals the reference-style loop, reproduces the reference scores, and its λ, gates and budget behave."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from trackbench.datasets import load_dataset
from trackbench.datasets.sequence import Detections, Sequence, SequenceInfo
from trackbench.harness.runs.features import with_features
from trackbench.harness.cli.run import RunRequest, execute
from trackbench.trackers import create
from trackbench.trackers.params import ParamError
from trackbench.trackers.core import kalman
from trackbench.trackers.core.assignment import solve_gated
from trackbench.trackers.deepsort import cascade, kernels
from trackbench.trackers.core import deepsort_motion as motion
from trackbench.trackers.deepsort.appearance import Galleries
from oracles.deepsort_ref import ReferenceDeepSort
from trackbench.trackers.deepsort.tracker import DeepSort, DeepSortParams
from trackbench.trackers.params import build_params, parse_assignments

INFO = SequenceInfo("toy", "toy", 100, 10.0, 640, 480)
SEQ = "MOT17-05-FRCNN"


def _unit(*values: float, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


def _dets(boxes, features) -> Detections:
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    features = np.asarray(features, np.float32)
    return Detections(boxes, np.ones(len(boxes)), features.reshape(len(boxes), features.shape[-1]))


@pytest.fixture(scope="module")
def mot17_05(shared_data) -> Sequence:
    (seq,) = load_dataset("mot17", shared_data / "mot17", [SEQ])
    seq, _ = with_features(seq, "precomputed", str(shared_data / "mot17-features"))
    return seq


def _frames(seq: Sequence, limit: int | None = None) -> list[Detections]:
    n = seq.info.length if limit is None else min(limit, seq.info.length)
    return [seq.detections.detections(f) for f in range(1, n + 1)]


def _run(params: DeepSortParams, frames: list[Detections], info: SequenceInfo = INFO):
    tracker = DeepSort(params)
    tracker.reset(info)
    return [tracker.update(None, d) for d in frames]


# --- parameters -----------------------------------------------------------------


def test_defaults_are_the_reference_applications() -> None:
    p = DeepSortParams()
    assert (p.lambda_, p.max_cosine_distance, p.nn_budget, p.max_iou_distance, p.max_age, p.n_init) == (
        0.0, 0.2, 100, 0.7, 30, 3)
    # No detection is dropped by default: the harness's --min-score is the one score threshold.
    assert (p.min_confidence, p.min_detection_height, p.nms_max_overlap) == (float("-inf"), 0.0, 1.0)
    assert p.cost == "paper"
    assert motion.GATING_THRESHOLD == 9.4877


def test_lambda_is_set_by_its_command_line_name() -> None:
    assert parse_assignments(["lambda=0.3"]) == {"lambda_": "0.3"}
    assert build_params(DeepSortParams, {"lambda": "0.3", "nn_budget": "none"}).lambda_ == 0.3
    assert build_params(DeepSortParams, {"nn_budget": "none"}).nn_budget is None
    assert create("deepsort", {"lambda": "1"}).params.lambda_ == 1.0
    with pytest.raises(ValueError, match="lambda"):
        build_params(DeepSortParams, {"lambda": "1.5"})


# --- pieces -----------------------------------------------------------------------


def test_box_measurement_round_trip() -> None:
    boxes = np.array([[10.0, 20.0, 50.0, 120.0], [0.5, 1.5, 3.0, 9.0]])
    z = motion.boxes_to_xyah(boxes)
    np.testing.assert_allclose(z[0], [30.0, 70.0, 0.4, 100.0])
    np.testing.assert_allclose(motion.xyah_to_boxes(z), boxes)


def test_unknown_cost_form_is_refused() -> None:
    """The cost forms and their gates are checked against the paper's formula in test_deepsort_kernels.py."""
    with pytest.raises(ValueError, match="cost"):
        cascade.cost_threshold(0.4, 0.2, "scaled")
    with pytest.raises(ValueError, match="cost"):
        build_params(DeepSortParams, {"cost": "scaled"})


def _gated(maha, app, lam: float, form: str = "paper", mcd: float = 0.2) -> tuple[np.ndarray, float]:
    """The cascade's gated matrix (tracks x detections) of every pair, and its threshold."""
    maha, app = np.asarray(maha, float), np.asarray(app, float)
    rows, cols = np.divmod(np.arange(maha.size), maha.shape[1])
    threshold, scale = cascade.cost_threshold(lam, mcd, form)
    gated = kernels.cascade_matrix(maha.shape[0], maha.shape[1], rows, cols, maha.ravel(), app.ravel(), lam, mcd,
                                   scale, motion.GATING_THRESHOLD, threshold, threshold + 1e-5)
    return gated, threshold


def test_half_lambda_weighs_raw_mahalanobis_not_a_rescaled_one() -> None:
    """Detection A is close in motion (d² 1) but a weaker appearance match (0.19); B the reverse (d² 8, 0.01).
    With the paper's cost at λ = 0.5 motion dominates (A: 0.595, B: 4.005); rescaled, appearance does."""
    picks = {}
    for variant in cascade.COSTS:
        gated, threshold = _gated([[1.0, 8.0]], [[0.19, 0.01]], 0.5, variant)
        matches, _ = cascade.matching_cascade(gated, np.array([1]), 30, threshold, np.arange(2))
        picks[variant] = matches.tolist()
    assert picks == {"paper": [[0, 0]], "normalised": [[0, 1]]}


def test_solver_never_pairs_gated_entries() -> None:
    gate = 0.2 + 1e-5  # an inadmissible pair's price
    rows, cols, left = solve_gated(np.array([[gate, 0.15], [0.02, gate]]), 0.2, np.array([10, 11]))
    assert sorted(zip(rows.tolist(), cols.tolist())) == [(0, 11), (1, 10)] and left.tolist() == []
    # Only gated entries: assigned by the solver, then rejected (listed after never-assigned ones).
    rows, cols, left = solve_gated(np.array([[gate, gate]]), 0.2, np.array([10, 11]))
    assert len(rows) == 0 and left.tolist() == [11, 10]


def test_cascade_gives_recent_tracks_priority() -> None:
    # Two tracks want detection 0; track 1 was seen more recently and wins even at a higher cost.
    gated, threshold = _gated([[1.0, 1.0], [1.0, 1.0]], [[0.01, 0.5], [0.1, 0.5]], 0.0)
    matches, free = cascade.matching_cascade(gated, np.array([2, 1]), 30, threshold, np.arange(2))
    assert matches.tolist() == [[1, 0]] and free.tolist() == [1]


def _gallery(g: Galleries, track: int) -> np.ndarray:
    """The vectors one track's gallery holds (any order)."""
    size = g.count[g.rows[track]] if g.budget is None else min(g.count[g.rows[track]], g.budget)
    return g.pool[g.rows[track], :size]


def test_galleries_keep_the_last_nn_budget_vectors() -> None:
    g = Galleries(3)
    feats = np.eye(8, dtype=np.float32)
    g.add(feats[:1])
    for i in range(1, 7):
        g.append(np.array([0]), feats[i : i + 1])
    assert {int(np.argmax(v)) for v in _gallery(g, 0)} == {4, 5, 6}
    d = kernels.pair_distance(g.pool, g.rows, g.count, 3, np.zeros(8, np.int64), feats, np.arange(8))
    np.testing.assert_allclose(d, [1, 1, 1, 1, 0, 0, 0, 1])
    # Rows of deleted tracks are reused without mixing vectors.
    g.add(feats[7:8])
    g.keep(np.array([False, True]))
    g.add(feats[2:3])
    assert [len(_gallery(g, t)) for t in range(2)] == [1, 1]
    d = kernels.pair_distance(g.pool, g.rows, g.count, 3, np.array([0, 0, 1, 1]), feats[[7, 2]], np.array([0, 1, 0, 1]))
    np.testing.assert_allclose(d, [0, 1, 1, 0])


def test_nn_budget_respected_by_the_tracker() -> None:
    tracker = DeepSort(DeepSortParams(nn_budget=2))
    tracker.reset(INFO)
    for i in range(6):
        tracker.update(None, _dets([[100, 100, 140, 200]], [_unit(1, 0.01 * i)]))
    kept = _gallery(tracker.galleries, 0)
    assert len(kept) == 2
    np.testing.assert_allclose(sorted(v[1] / v[0] for v in kept), [0.04, 0.05], atol=1e-6)


# --- gates on the tracker ---------------------------------------------------------


def _confirmed_then_missed(params: DeepSortParams, box, feature) -> DeepSort:
    """A confirmed track that missed its last frame (so only the cascade can match it next)."""
    tracker = DeepSort(params)
    tracker.reset(INFO)
    for _ in range(4):
        tracker.update(None, _dets([box], [feature]))
    tracker.update(None, _dets([], np.zeros((0, 8))))
    assert tracker.tracks.confirmed.tolist() == [True]
    return tracker


@pytest.mark.parametrize("lam", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("d2, matched", [(9.3, True), (9.7, False)])
def test_mahalanobis_gate_is_the_chi2_quantile(lam, d2, matched) -> None:
    box, feature = [200.0, 100.0, 240.0, 200.0], _unit(1, 2, 3)
    tracker = _confirmed_then_missed(DeepSortParams(lambda_=lam), box, feature)
    # Shift the detection along x by exactly the distance that gives squared Mahalanobis d2.
    probe = copy.deepcopy(tracker)
    probe._predict()
    mean, var = kalman.project(probe.tracks.x, probe.tracks.P, motion.measurement_noise(probe.tracks.x))
    dx = float(np.sqrt(d2 * var[0, 0]))
    shifted = [box[0] + dx, box[1], box[2] + dx, box[3]]
    z = motion.boxes_to_xyah(np.array([shifted]))
    assert float(np.sum((z[0] - mean[0]) ** 2 / var[0])) == pytest.approx(d2)  # diagonal S: a sum of squared z-scores
    out = tracker.update(None, _dets([shifted], [feature]))
    assert (out.ids.tolist() == [1]) is matched
    assert bool(tracker.tracks.time_since_update[0] == 0) is matched


@pytest.mark.parametrize("lam", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("cos, matched", [(0.15, True), (0.25, False)])
def test_appearance_gate_is_max_cosine_distance(lam, cos, matched) -> None:
    box, feature = [200.0, 100.0, 240.0, 200.0], _unit(1)
    tracker = _confirmed_then_missed(DeepSortParams(lambda_=lam), box, feature)
    other = _unit(1 - cos, np.sqrt(1 - (1 - cos) ** 2))  # cosine similarity 1 - cos with `feature`
    assert 1 - float(other @ feature) == pytest.approx(cos, abs=1e-6)
    out = tracker.update(None, _dets([box], [other]))
    assert (out.ids.tolist() == [1]) is matched


def test_tentative_track_dies_at_first_miss_and_confirmed_after_n_init() -> None:
    tracker = DeepSort(DeepSortParams(n_init=3))
    tracker.reset(INFO)
    box, f = [10, 10, 50, 90], _unit(1)
    assert len(tracker.update(None, _dets([box], [f]))) == 0
    tracker.update(None, _dets([], np.zeros((0, 8))))
    assert len(tracker.tracks) == 0
    outs = [tracker.update(None, _dets([box], [f])) for _ in range(3)]
    assert [o.ids.tolist() for o in outs] == [[], [], [2]]
    # Reported while missed for one frame (predicted box), not after.
    assert tracker.update(None, _dets([], np.zeros((0, 8)))).ids.tolist() == [2]
    assert tracker.update(None, _dets([], np.zeros((0, 8)))).ids.tolist() == []


def test_detection_filters_and_nms() -> None:
    tracker = DeepSort(DeepSortParams(min_confidence=0.5, min_detection_height=30, nms_max_overlap=0.5, n_init=1))
    tracker.reset(INFO)
    boxes = np.array([[0, 0, 20, 20], [100, 100, 140, 200], [102, 100, 142, 200], [300, 50, 340, 150]], float)
    dets = Detections(boxes, np.array([0.9, 0.7, 0.8, 0.3]), np.eye(4, 8, dtype=np.float32))
    tracker.update(None, dets)
    # Too low (box 0), suppressed by the more confident overlapping box 2 (box 1), unconfident (box 3).
    np.testing.assert_allclose(motion.xyah_to_boxes(tracker.tracks.x), boxes[[2]])


# --- real data ---------------------------------------------------------------------


def _same(ours, ref) -> None:
    for frame, (o, (ids, boxes)) in enumerate(zip(ours, ref), start=1):
        assert o.ids.tolist() == ids.tolist(), f"frame {frame}"
        np.testing.assert_allclose(o.boxes, boxes, atol=1e-6, rtol=0, err_msg=f"frame {frame}")


# The reference-style loop solves tiny triangular systems with scipy, which OpenBLAS
# multithreads: on a busy machine that makes it slow, so most cases use a prefix.
@pytest.mark.shared
@pytest.mark.parametrize("params, frames", [
    (dict(), 300),  # the fidelity setting
    pytest.param(dict(), 837, marks=pytest.mark.slow),  # ... over the whole sequence
    (dict(lambda_=0.5, nn_budget=2), 100),
    (dict(lambda_=0.02), 100),
    (dict(lambda_=1.0, max_age=5), 100),
    (dict(lambda_=0.5, cost="normalised"), 100),
    (dict(nms_max_overlap=0.6, min_detection_height=50, n_init=2), 100),
])
def test_equals_reference_loop_on_mot17_05(mot17_05, params, frames) -> None:
    p = DeepSortParams(min_confidence=0.3, embedder="precomputed", **params)
    dets = _frames(mot17_05, frames)
    ref = ReferenceDeepSort(p)
    _same(_run(p, dets, mot17_05.info), [ref.update(d.boxes, d.scores, d.features) for d in dets])


@pytest.mark.shared
def test_lambda_one_uses_appearance_only_through_its_gate(mot17_05) -> None:
    """At λ = 1 the cost ignores appearance but the gate does not: shuffling the vectors changes nothing
    only when the appearance gate admits every pair (max_cosine_distance 2, the largest cosine distance)."""
    dets = _frames(mot17_05, 300)
    rng = np.random.default_rng(0)
    shuffled = [dataclasses.replace(d, features=d.features[rng.permutation(len(d))]) for d in dets]
    for lam, gate, same in ((1.0, 2.0, True), (1.0, 0.2, False), (0.0, 2.0, False)):
        p = DeepSortParams(lambda_=lam, max_cosine_distance=gate, min_confidence=0.3)
        a, b = _run(p, dets, mot17_05.info), _run(p, shuffled, mot17_05.info)
        equal = all(x.ids.tolist() == y.ids.tolist() and np.array_equal(x.boxes, y.boxes) for x, y in zip(a, b))
        assert equal is same, f"lambda={lam}, max_cosine_distance={gate}"


@pytest.mark.shared
def test_fidelity_scores_match_the_reference(shared_data, tmp_path) -> None:
    outcome = execute(RunRequest(
        trackers=["deepsort"], dataset="mot17", data_root=shared_data / "mot17", sequences=[SEQ],
        params=["embedder=precomputed", f"features={shared_data / 'mot17-features'}", "min_confidence=0.3"],
        name="fidelity", results=tmp_path,
    ))
    row = outcome.overall.loc["deepsort"]
    # The reference implementation: MOTA 47.6 %, IDF1 60.1 %, 22 ID switches.
    assert abs(row["MOTA"] - 47.6) <= 1.0
    assert abs(row["IDF1"] - 60.1) <= 1.0
    assert abs(row["IDsw"] - 22) <= 3


@pytest.mark.shared
def test_box_only_data_is_refused_with_a_clear_reason(shared_data, tmp_path) -> None:
    """deepsort named with -t on box-only data cannot run anywhere: refused before anything runs."""
    with pytest.raises(ParamError, match="box-only") as refused:
        execute(RunRequest(trackers=["deepsort"], dataset="mot17", data_root=shared_data / "mot17",
                           sequences=[SEQ], name="skip", results=tmp_path))
    assert "precomputed" in str(refused.value)
    assert not (tmp_path / "skip").exists()
