"""Camera-motion compensation: GMC files, the warps of track states, and the hook in every Kalman tracker."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from trackbench.datasets.camera_motion import camera_name, gmc_file_for, load_gmc, read_gmc_file
from trackbench.datasets.errors import DataFileError
from trackbench.datasets.sequence import Detections
from trackbench.harness.runs.camera_motion import with_cmc
from trackbench.harness.runs.tracking import Variant, track_unit
from trackbench.trackers import create
from trackbench.trackers.core import botsort_motion, cmc, kalman, sort_motion

# A similarity: scale 1.01, rotation 0.01 rad, translation (3, -2).
_S, _TH = 1.01, 0.01
WARP = np.array([[_S * np.cos(_TH), -_S * np.sin(_TH), 3.0], [_S * np.sin(_TH), _S * np.cos(_TH), -2.0]])
#: The camera pans 6 px left: every object moves 6 px right in the image.
PAN = np.array([[1.0, 0.0, 6.0], [0.0, 1.0, 0.0]])


def _write(tmp_path, text: str, name: str = "GMC-MOT17-05.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


# -- GMC files -------------------------------------------------------------------------------------

def test_gmc_file_is_read_with_trailing_tabs_and_matched_by_name(tmp_path) -> None:
    _write(tmp_path, "0\t1.0\t0.0\t0.0\t0.0\t1.0\t0.0\t\n1\t1.004654\t-0.003387\t2.570496\t0.003387\t1.004654\t-2.0065\t\n")
    motion = load_gmc(tmp_path, "MOT17-05-FRCNN", 2)
    assert motion.warps.shape == (2, 2, 3)
    np.testing.assert_array_equal(motion.warp(2), [[1.004654, -0.003387, 2.570496], [0.003387, 1.004654, -2.0065]])
    assert motion.moving().tolist() == [False, True]
    assert camera_name("MOT17-05-SDP") == "MOT17-05" and gmc_file_for(tmp_path, "MOT17-05-DPM").name == "GMC-MOT17-05.txt"


@pytest.mark.parametrize("text, line, what", [
    ("0\t1\t0\t0\t0\t1\t0\n1\t1\t0\t0\t0\t1\n", 2, "expected 7"),
    ("0\t1\t0\t0\t0\t1\t0\n1\t1\t0\tx\t0\t1\t0\n", 2, "'x' is not a number"),
    ("0\t1\t0\t0\t0\t1\t0\n\n2\t1\t0\t0\t0\t1\t0\n", 3, "out of order"),
    ("0\t1\t0\tnan\t0\t1\t0\n", 1, "not finite"),
    ("0\t9\t0\t0\t0\t1\t0\n", 1, "implausible"),
    ("zero\t1\t0\t0\t0\t1\t0\n", 1, "not a whole number"),
])
def test_bad_gmc_lines_name_file_and_line(tmp_path, text, line, what) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(DataFileError, match=rf"^{path}:{line}: .*{what}"):
        read_gmc_file(path)


def test_gmc_file_shorter_than_the_sequence_or_missing_is_refused(tmp_path) -> None:
    path = _write(tmp_path, "0\t1\t0\t0\t0\t1\t0\n")
    with pytest.raises(DataFileError, match=rf"^{path}: has 1 frames .* the sequence has 5"):
        read_gmc_file(path, 5)
    with pytest.raises(FileNotFoundError, match="GMC-MOT17-11.txt"):
        load_gmc(tmp_path, "MOT17-11-FRCNN")


# -- the warps of states, against hand-computed values ----------------------------------------------

def test_botsort_warp_matches_hand_computed_example() -> None:
    """A = [[2, 0], [0, 3]], t = (5, 7): mean (x, y, w, h, vx, vy, vw, vh) = (1, 2, 4, 8, 1, 1, 1, 1) becomes
    (2·1+5, 3·2+7, 2·4, 3·8, 2, 3, 2, 3); a covariance with var(x) = 1, var(y) = 4, cov(x, y) = 0.5 becomes
    var 4, 36, cov 2·3·0.5 = 3."""
    W = np.array([[2.0, 0.0, 5.0], [0.0, 3.0, 7.0]])
    x = np.array([[1.0, 2.0, 4.0, 8.0, 1.0, 1.0, 1.0, 1.0]])
    P = np.eye(8)[None].copy()
    P[0, 1, 1] = 4.0
    P[0, 0, 1] = P[0, 1, 0] = 0.5
    botsort_motion.warp(x, P, 0, W)
    np.testing.assert_allclose(x[0], [7.0, 13.0, 8.0, 24.0, 2.0, 3.0, 2.0, 3.0])
    assert (P[0, 0, 0], P[0, 1, 1], P[0, 0, 1]) == (4.0, 36.0, 3.0)
    M = np.kron(np.eye(4), W[:, :2])  # and in general: M P Mᵀ
    rng = np.random.default_rng(0)
    A = rng.normal(size=(8, 8))
    P2 = (A @ A.T)[None].copy()
    x2 = rng.normal(size=(1, 8))
    want_P, want_x = M @ P2[0] @ M.T, M @ x2[0] + np.r_[W[:, 2], np.zeros(6)]
    botsort_motion.warp(x2, P2, 0, W)
    np.testing.assert_allclose(P2[0], want_P, rtol=1e-12)
    np.testing.assert_allclose(x2[0], want_x, rtol=1e-12)


def test_usr_and_uvah_warps_by_hand() -> None:
    """Pure scale 2 with translation (10, 20): centre 2c + t, velocity 2v, area ×4, height ×2, aspects kept;
    per-axis variances ×4 on the centre, ×16 on the area, ×4 on the height."""
    W = np.array([[2.0, 0.0, 10.0], [0.0, 2.0, 20.0]])
    x = np.array([[100.0, 50.0, 800.0, 0.5, 1.0, -1.0, 3.0, 0.0]])
    P = np.ones((1, 3, 4))
    cmc.warp_usr(x, P, W)
    np.testing.assert_allclose(x[0], [210.0, 120.0, 3200.0, 0.5, 2.0, -2.0, 12.0, 0.0])
    np.testing.assert_allclose(P[0], [[4.0, 4.0, 16.0, 1.0]] * 3)
    x = np.array([[100.0, 50.0, 0.4, 60.0, 1.0, -1.0, 0.0, 2.0]])
    P = np.ones((1, 3, 4))
    cmc.warp_uvah(x, P, W)
    np.testing.assert_allclose(x[0], [210.0, 120.0, 0.4, 120.0, 2.0, -2.0, 0.0, 4.0])
    np.testing.assert_allclose(P[0], [[4.0, 4.0, 1.0, 4.0]] * 3)


def test_per_axis_centre_warp_is_exact_for_a_similarity_with_equal_variances() -> None:
    """SORT's u and v share their variances; then the dropped u-v covariance of A Σ Aᵀ is exactly zero."""
    x, P = sort_motion.initiate(np.array([[10.0, 20.0, 50.0, 120.0]]))
    x, P = kalman.predict(x, P, sort_motion.Q_POS, sort_motion.Q_VEL)
    full = np.diag(P[0, 0, :2])
    cmc.warp_usr(x, P, WARP)
    exact = WARP[:, :2] @ full @ WARP[:, :2].T
    np.testing.assert_allclose(P[0, 0, :2], np.diag(exact), rtol=1e-12)
    assert abs(exact[0, 1]) < 1e-12 * exact[0, 0]



# -- the compiled warps equal the NumPy definitions bit for bit ----------------------------------------

def _random_warps(rng: np.random.Generator) -> list[np.ndarray]:
    """The identity, a pure translation, similarities and general affine maps of the size cameras make."""
    out = [np.eye(2, 3), np.array([[1.0, 0.0, -7.3], [0.0, 1.0, 2.9]])]
    for _ in range(6):
        s, th = 1.0 + rng.normal(0, 0.01), rng.normal(0, 0.01)
        out.append(np.array([[s * np.cos(th), -s * np.sin(th), rng.normal(0, 10)],
                             [s * np.sin(th), s * np.cos(th), rng.normal(0, 10)]]))
        out.append(np.eye(2, 3) + rng.normal(0, [[0.01, 0.01, 5.0], [0.01, 0.01, 5.0]]))
    return out


def _random_states(rng: np.random.Generator, k: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.column_stack([rng.uniform(0, 1900, (k, 2)), rng.uniform(100, 9000, k), rng.uniform(0.2, 0.8, k),
                         rng.normal(0, 3, (k, 4))])
    return x, rng.uniform(0.1, 50.0, (k, 3, 4))


@pytest.mark.parametrize("name", ["warp_usr", "warp_uvah"])
def test_compiled_state_warps_are_bit_identical_to_numpy(name) -> None:
    from trackbench.trackers.core import cmc_kernels

    rng = np.random.default_rng(7)
    for warp in _random_warps(rng):
        for k in (0, 1, 17):
            x, P = _random_states(rng, k)
            before, x2, P2 = x.copy(), x.copy(), P.copy()
            getattr(cmc, name)(x, P, warp)
            getattr(cmc_kernels, name)(x2, P2, warp)
            np.testing.assert_array_equal(x2, x, strict=True)
            np.testing.assert_array_equal(P2, P, strict=True)
            assert np.array_equal(x, before) == (k == 0 or np.array_equal(warp, np.eye(2, 3)))
    assert cmc_kernels.area_scale(WARP) == cmc.area_scale(WARP)
    assert cmc_kernels.linear_scale(WARP) == cmc.linear_scale(WARP)


def test_compiled_box_and_measurement_warps_are_bit_identical_to_numpy() -> None:
    """Boxes in (K, T, C) cells with empty cells skipped, also through a strided view (OC-SORT's last
    observation as ``last_obs[:, None, :]``); (u, v, s, r) measurements; the identity keeps boxes exactly."""
    from trackbench.trackers.core import cmc_kernels

    rng = np.random.default_rng(11)
    for warp in _random_warps(rng):
        corners = rng.uniform(0, 1000, (9, 6, 2))
        boxes = np.concatenate([corners, corners + rng.uniform(5, 200, (9, 6, 2)), rng.uniform(0, 1, (9, 6, 1))],
                               axis=2)
        filled = rng.random((9, 6)) < 0.7
        want, got = boxes.copy(), boxes.copy()
        cmc.warp_box_cells(want, filled, warp)
        cmc_kernels.warp_box_cells(got, filled, warp)
        np.testing.assert_array_equal(got, want, strict=True)
        np.testing.assert_array_equal(got[~filled], boxes[~filled])
        flat, flat_want = boxes[:, 0].copy(), boxes[:, 0].copy()
        cmc_kernels.warp_box_cells(flat[:, None, :], filled[:, 0][:, None], warp)
        flat_want[filled[:, 0], :4] = cmc.warp_boxes(flat_want[filled[:, 0], :4], warp)
        np.testing.assert_array_equal(flat, flat_want, strict=True)
        z = rng.uniform(1, 1000, (5, 4))
        z2 = z.copy()
        cmc.warp_usr_measurements(z, warp)
        cmc_kernels.warp_usr_measurements(z2, warp)
        np.testing.assert_array_equal(z2, z, strict=True)
    same = boxes.copy()
    cmc_kernels.warp_box_cells(same, np.ones((9, 6), bool), np.eye(2, 3))
    np.testing.assert_array_equal(same, boxes)


# -- the hook in every tracker -------------------------------------------------------------------------

def _frames():
    """Two people walking right; the camera pans 6 px left from frame 4 on (objects move +6 px in the image)."""
    frames = []
    for f in range(1, 9):
        shift = 6.0 * max(0, f - 3)
        boxes = np.array([[10 + 2 * f + shift, 10, 60 + 2 * f + shift, 110],
                          [200 + 2 * f + shift, 30, 240 + 2 * f + shift, 130]], float)
        frames.append(Detections(boxes, np.array([0.9, 0.95])))
    return frames


def _run(name: str, warps: dict[int, np.ndarray]) -> list:
    tracker = create(name, {"embedder": "precomputed"} if name == "deepsort" else None)
    tracker.reset(None)
    outputs = []
    for f, dets in enumerate(_frames(), start=1):
        if f in warps:
            tracker.compensate(warps[f])
        if name == "deepsort":
            dets = dataclasses.replace(dets, features=np.eye(2, 4, dtype=np.float32))
        out = tracker.update(None, dets)
        outputs.append((out.ids.copy(), out.boxes.copy(), tracker.tracks.x.copy()))
    return outputs


@pytest.mark.parametrize("name", ["sort", "bytetrack", "ocsort", "deepsort", "botsort"])
def test_compensation_changes_states_only_from_frames_with_motion(name) -> None:
    """Identity warps change nothing at all; a pan from frame 4 leaves frames 1-3 bit-identical and moves
    the states from frame 4 on (the tracker saw the camera's motion)."""
    plain = _run(name, {})
    still = _run(name, {f: np.eye(2, 3) for f in range(1, 9)})
    pan = np.array([[1.0, 0.0, 6.0], [0.0, 1.0, 0.0]])
    panned = _run(name, {f: pan for f in range(4, 9)})
    for a, b in zip(plain, still):
        np.testing.assert_array_equal(a[2], b[2])
    for a, b in zip(plain[:3], panned[:3]):
        np.testing.assert_array_equal(a[2], b[2])
    assert not np.array_equal(plain[3][2], panned[3][2])


def test_compensation_follows_a_pan_better() -> None:
    """With the pan given, a constant-velocity filter predicts where the people are: SORT's corrected
    centres land closer to the detections than without compensation."""
    def error(outputs) -> float:
        last = outputs[-1][1]
        want = _frames()[-1].boxes
        return float(np.abs(np.sort(last, axis=0) - np.sort(want, axis=0)).max())

    pan = np.array([[1.0, 0.0, 6.0], [0.0, 1.0, 0.0]])
    assert error(_run("sort", {f: pan for f in range(4, 9)})) < error(_run("sort", {}))


def test_trackers_without_motion_model_keep_running_without_cmc() -> None:
    variants = [Variant("sort", (), "sort"), Variant("camshift", (), "camshift")]
    out = with_cmc(variants, "/some/folder", ablation=True)
    assert [(v.name, v.cmc) for v in out] == [("sort", None), ("sort+cmc", "/some/folder"), ("camshift", None)]
    assert not create("camshift").compensates_camera


def test_runner_compensates_from_a_gmc_folder(shared_data, tmp_path) -> None:
    """track_unit reads the folder's file for the sequence; an all-identity file gives the plain result."""
    from trackbench.datasets import load_dataset

    (seq,) = load_dataset("mot17", shared_data / "mot17", ["MOT17-05-FRCNN"])
    seq = seq.head(60)
    lines = "".join(f"{i}\t1\t0\t0\t0\t1\t0\t\n" for i in range(60))
    _write(tmp_path, lines)
    plain = track_unit(Variant("sort"), seq)
    still = track_unit(Variant("sort", cmc=str(tmp_path)), seq)
    moved = track_unit(Variant("sort", cmc=str(shared_data / "mot17-gmc")), seq)
    assert still.result.failed is None and moved.result.failed is None
    np.testing.assert_array_equal(plain.boxes, still.boxes)
    assert not np.array_equal(plain.boxes, moved.boxes)


def test_a_frame_split_takes_the_gmc_warps_of_its_own_frames(shared_data) -> None:
    """``--frames val-half`` renumbers frames from 1; the GMC file still counts from the recording's start."""
    from trackbench.datasets import load_dataset
    from trackbench.datasets.splits import frame_range, restrict
    from trackbench.harness.runs.camera_motion import camera_motion_for

    folder = str(shared_data / "mot17-gmc")
    (seq,) = load_dataset("mot17", shared_data / "mot17", ["MOT17-05-FRCNN"])
    half = restrict(seq, "val-half")
    span = frame_range("val-half", seq.info.length)
    assert half.first_frame == span.first > 1 and half.info.length == span.length
    full, cut = camera_motion_for(seq, folder), camera_motion_for(half, folder)
    assert len(cut) == half.info.length
    np.testing.assert_array_equal(cut.warps, full.warps[span.first - 1:span.last])
    assert restrict(half, "1:10").first_frame == span.first  # cuts compose


# -- rolo: the guard's states, the LSTM's windows and its predicted boxes ------------------------------

def _frames_long(count: int = 12) -> list:
    """:func:`_frames` continued for ``count`` frames (the pan from frame 4 on)."""
    out = []
    for f in range(1, count + 1):
        shift = 6.0 * max(0, f - 3)
        boxes = np.array([[10 + 2 * f + shift, 10, 60 + 2 * f + shift, 110],
                          [200 + 2 * f + shift, 30, 240 + 2 * f + shift, 130]], float)
        out.append(Detections(boxes, np.array([0.9, 0.95])))
    return out


def _run_rolo(warps: dict[int, np.ndarray], count: int = 12) -> list[dict[str, np.ndarray]]:
    """Per frame: the boxes rolo associates with (after compensation, before the update), and after the
    update its guard's states, windows, LSTM boxes and output."""
    from trackbench.datasets.sequence import SequenceInfo

    tracker = create("rolo")
    tracker.reset(SequenceInfo("pan", "test", count, 30.0, 640, 480))
    states = []
    for f, dets in enumerate(_frames_long(count), start=1):
        if f in warps:
            tracker.compensate(warps[f])
        used = tracker.lstm_boxes[:, :4].copy()
        out = tracker.update(None, dets)
        states.append({"used": used, "x": tracker.tracks.x.copy(), "P": tracker.tracks.P.copy(),
                       "window": tracker.history.boxes.copy(), "lstm": tracker.lstm_boxes.copy(),
                       "out": out.boxes.copy()})
    return states


def test_rolo_compensation_changes_it_only_from_frames_with_motion() -> None:
    """Identity warps leave every state, window and box bit-identical; a pan from frame 4 leaves frames 1-3
    bit-identical and changes the guard's states, the windows and the LSTM's predictions from frame 4 on."""
    plain = _run_rolo({})
    still = _run_rolo({f: np.eye(2, 3) for f in range(1, 13)})
    panned = _run_rolo({f: PAN for f in range(4, 13)})
    for a, b in zip(plain, still):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    for a, b in zip(plain[:3], panned[:3]):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    for key in ("used", "x", "window", "lstm"):
        assert not np.array_equal(plain[3][key], panned[3][key]), key


def test_rolo_window_lives_in_the_current_frames_coordinates() -> None:
    """After compensation the stored past boxes are where the camera moved them: each older step is the
    detection of its frame shifted by the pan of every frame since (here 6 px a frame), so the window shows
    the people's own motion, 2 px a frame."""
    panned = _run_rolo({f: PAN for f in range(4, 13)})
    window = panned[-1]["window"][0]  # the first person, frames 3..12
    steps = np.diff(window[:, 0])[-9:]
    np.testing.assert_allclose(steps, 2.0, atol=1e-9)


def test_rolo_compensation_follows_a_pan_better() -> None:
    """With the pan given, the boxes rolo associates with (its guarded LSTM predictions) land closer to the
    detections on every frame of the pan than without compensation."""
    def error(states) -> np.ndarray:
        frames = _frames_long()
        return np.array([np.abs(np.sort(s["used"], axis=0) - np.sort(frames[f].boxes, axis=0)).max()
                         for f, s in enumerate(states) if f >= 3])

    with_cmc, without = error(_run_rolo({f: PAN for f in range(4, 13)})), error(_run_rolo({}))
    assert (with_cmc < without).all(), (with_cmc, without)
    # On the pan's first frame both predict from the same still-camera window: they differ by the pan.
    assert without[0] - with_cmc[0] == pytest.approx(6.0, abs=1e-6)
    assert with_cmc.mean() < 0.5 * without.mean()


@pytest.mark.parametrize("name", ["sort", "bytetrack", "ocsort"])
def test_trackers_with_compiled_warps_equal_the_numpy_warps_on_a_moving_camera(shared_data, monkeypatch,
                                                                                  name) -> None:
    """Whole runs on 150 frames of MOT17-05 (a moving camera) with the GMC files: the trackers' compiled
    warps and the NumPy definitions (swapped into the tracker's module) give bit-identical outputs."""
    import sys

    from trackbench.datasets import load_dataset
    from trackbench.trackers import tracker_class

    (seq,) = load_dataset("mot17", shared_data / "mot17", ["MOT17-05-FRCNN"])
    seq = seq.head(150)
    variant = Variant(name, cmc=str(shared_data / "mot17-gmc"))
    compiled = track_unit(variant, seq)
    monkeypatch.setattr(sys.modules[tracker_class(name).__module__], "cmc_kernels", cmc)
    numpy = track_unit(variant, seq)
    assert compiled.result.failed is None and len(compiled.boxes) > 300
    np.testing.assert_array_equal(compiled.ids, numpy.ids)
    np.testing.assert_array_equal(compiled.boxes, numpy.boxes)
