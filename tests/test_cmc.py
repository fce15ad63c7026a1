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
from trackbench.trackers.core import botsort_motion, cmc_kernels, kalman, sort_motion

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


# -- the warps written out: what the kernels must compute (module docstring of cmc_kernels) ------------

def _moved(points: np.ndarray, warp: np.ndarray) -> np.ndarray:
    """``A p + t`` for points (N, 2)."""
    return points @ warp[:, :2].T + warp[:, 2]


def _area_scale(warp: np.ndarray) -> float:
    """``|det A|``: an affine map scales every area by it."""
    return abs(float(np.linalg.det(warp[:, :2])))


def _warped_states(x: np.ndarray, P: np.ndarray, warp: np.ndarray, size: int, factor: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Per-axis states (K, 8) = (u, v, ·, ·, u̇, v̇, ·, ·) and P (K, 3, 4) after a warp: centre ``A c + t``,
    velocity ``A ċ``, each centre variance ``var_u' = a₁₁² var_u + a₁₂² var_v`` (the diagonal of
    ``A diag(var_u, var_v) Aᵀ``), state column ``size`` and its velocity × ``factor``, its variances × factor²;
    the fourth column (the aspect) kept."""
    A = warp[:, :2]
    x, P = x.copy(), P.copy()
    x[:, 0:2] = _moved(x[:, 0:2], warp)
    x[:, 4:6] = x[:, 4:6] @ A.T
    P[:, :, 0:2] = P[:, :, 0:2] @ (A * A).T
    x[:, [size, 4 + size]] *= factor
    P[:, :, size] *= factor * factor
    return x, P


def _warped_usr(x: np.ndarray, P: np.ndarray, warp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SORT's (u, v, s, r): the area s × |det A|, the aspect r kept."""
    return _warped_states(x, P, warp, 2, _area_scale(warp))


def _warped_uvah(x: np.ndarray, P: np.ndarray, warp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Deep SORT's/ByteTrack's (u, v, a, h): the height h × √|det A|, the aspect a kept."""
    return _warped_states(x, P, warp, 3, np.sqrt(_area_scale(warp)))


def _warped_measurements(z: np.ndarray, warp: np.ndarray) -> np.ndarray:
    """(u, v, s, r) measurements: centre ``A c + t``, area × |det A|, the rest kept."""
    z = z.copy()
    z[:, :2] = _moved(z[:, :2], warp)
    z[:, 2] *= _area_scale(warp)
    return z


def _warped_boxes(boxes: np.ndarray, filled: np.ndarray, warp: np.ndarray) -> np.ndarray:
    """Corner boxes (..., C ≥ 4) where ``filled``: centre ``A c + t``, width and height × √|det A| about it;
    other cells and columns kept."""
    out = boxes.copy()
    cells = boxes[filled]
    centre = (cells[:, 0:2] + cells[:, 2:4]) / 2.0
    half = (cells[:, 2:4] - cells[:, 0:2]) / 2.0 * np.sqrt(_area_scale(warp))
    moved = _moved(centre, warp)
    out[filled, 0:2], out[filled, 2:4] = moved - half, moved + half
    return out


def _assert_close(got: np.ndarray, want: np.ndarray, what: str = "") -> None:
    """Equal up to rounding: rtol 1e-12 (the kernels and the formulas above sum in other orders); atol 1e-9
    for values near zero (pixels, px², px/frame: far below what a wrong formula moves)."""
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9, err_msg=what)


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
    cmc_kernels.warp_usr(x, P, W)
    np.testing.assert_allclose(x[0], [210.0, 120.0, 3200.0, 0.5, 2.0, -2.0, 12.0, 0.0])
    np.testing.assert_allclose(P[0], [[4.0, 4.0, 16.0, 1.0]] * 3)
    x = np.array([[100.0, 50.0, 0.4, 60.0, 1.0, -1.0, 0.0, 2.0]])
    P = np.ones((1, 3, 4))
    cmc_kernels.warp_uvah(x, P, W)
    np.testing.assert_allclose(x[0], [210.0, 120.0, 0.4, 120.0, 2.0, -2.0, 0.0, 4.0])
    np.testing.assert_allclose(P[0], [[4.0, 4.0, 1.0, 4.0]] * 3)


def test_per_axis_centre_warp_is_exact_for_a_similarity_with_equal_variances() -> None:
    """SORT's u and v share their variances; then the dropped u-v covariance of A Σ Aᵀ is exactly zero."""
    x, P = sort_motion.initiate(np.array([[10.0, 20.0, 50.0, 120.0]]))
    x, P = kalman.predict(x, P, sort_motion.Q_POS, sort_motion.Q_VEL)
    full = np.diag(P[0, 0, :2])
    cmc_kernels.warp_usr(x, P, WARP)
    exact = WARP[:, :2] @ full @ WARP[:, :2].T
    np.testing.assert_allclose(P[0, 0, :2], np.diag(exact), rtol=1e-12)
    assert abs(exact[0, 1]) < 1e-12 * exact[0, 0]


def test_a_general_affine_warp_by_hand() -> None:
    """A = [[1, 2], [3, 4]] (det −2: |det A| = 2, σ = √2), t = (5, 6): centre (1, 1) → (1+2+5, 3+4+6) =
    (8, 13), velocity (1, 0) → (1, 3) and (0, 1) → (2, 4); var_u' = 1²·1 + 2²·2 = 9, var_v' = 3²·1 + 4²·2 = 41;
    area × 2, height × √2; the box (0, 0, 2, 4) (centre (1, 2)) → centre (1+4+5, 3+8+6) = (10, 17), 2√2 x 4√2."""
    W = np.array([[1.0, 2.0, 5.0], [3.0, 4.0, 6.0]])
    r2 = np.sqrt(2.0)
    x, P = np.array([[1.0, 1.0, 100.0, 0.5, 1.0, 0.0, 10.0, 0.0]]), np.array([[[1.0, 2.0, 3.0, 4.0]] * 3])
    cmc_kernels.warp_usr(x, P, W)
    _assert_close(x[0], [8.0, 13.0, 200.0, 0.5, 1.0, 3.0, 20.0, 0.0])
    _assert_close(P[0], [[9.0, 41.0, 12.0, 4.0]] * 3)
    x, P = np.array([[1.0, 1.0, 0.5, 10.0, 0.0, 1.0, 0.0, 2.0]]), np.array([[[1.0, 2.0, 3.0, 4.0]] * 3])
    cmc_kernels.warp_uvah(x, P, W)
    _assert_close(x[0], [8.0, 13.0, 0.5, 10.0 * r2, 2.0, 4.0, 0.0, 2.0 * r2])
    _assert_close(P[0], [[9.0, 41.0, 3.0, 8.0]] * 3)
    z = np.array([[1.0, 1.0, 100.0, 0.5]])
    cmc_kernels.warp_usr_measurements(z, W)
    _assert_close(z[0], [8.0, 13.0, 200.0, 0.5])
    boxes = np.array([[[0.0, 0.0, 2.0, 4.0, 0.9]]])
    cmc_kernels.warp_box_cells(boxes, np.ones((1, 1), bool), W)
    _assert_close(boxes[0, 0], [10.0 - r2, 17.0 - 2.0 * r2, 10.0 + r2, 17.0 + 2.0 * r2, 0.9])


def test_a_quarter_turn_by_hand() -> None:
    """A quarter turn scaled by 2, A = [[0, −2], [2, 0]], t = (1, 1): the box (0, 0, 2, 4) (centre (1, 2),
    2 x 4) → centre (−2·2+1, 2·1+1) = (−3, 3), 4 x 8 (an axis-aligned box keeps its aspect); the centre
    variances (1, 2) swap and × 4 → (8, 4); the area's variance × |det A|² = 16."""
    turn = np.array([[0.0, -2.0, 1.0], [2.0, 0.0, 1.0]])
    boxes = np.array([[[0.0, 0.0, 2.0, 4.0, 0.9]]])
    cmc_kernels.warp_box_cells(boxes, np.ones((1, 1), bool), turn)
    _assert_close(boxes[0, 0], [-5.0, -1.0, -1.0, 7.0, 0.9])
    x, P = np.zeros((1, 8)), np.array([[[1.0, 2.0, 3.0, 4.0]] * 3])
    cmc_kernels.warp_usr(x, P, turn)
    _assert_close(P[0], [[8.0, 4.0, 48.0, 4.0]] * 3)


# -- the kernels against the formulas, on many states and warps ----------------------------------------

def _warps(rng: np.random.Generator) -> list[np.ndarray]:
    """The identity, a pure translation, a pure scale, a reflection (det A < 0: the scales take |det A|),
    and similarities and general affine maps of the size cameras make."""
    out = [np.eye(2, 3), np.array([[1.0, 0.0, -7.3], [0.0, 1.0, 2.9]]),
           np.array([[1.02, 0.0, 0.0], [0.0, 1.02, 0.0]]), np.array([[-1.0, 0.0, 640.0], [0.0, 1.0, 0.0]])]
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


@pytest.mark.parametrize("name, formula", [("warp_usr", _warped_usr), ("warp_uvah", _warped_uvah)])
def test_state_warps_follow_the_formulas(name, formula) -> None:
    """Every state and covariance entry as written out above, for 0, 1 and 17 tracks; the identity leaves
    the states bit-identical, every other warp moves them."""
    rng = np.random.default_rng(7)
    for warp in _warps(rng):
        for k in (0, 1, 17):
            x, P = _random_states(rng, k)
            want_x, want_P = formula(x, P, warp)
            got_x, got_P = x.copy(), P.copy()
            getattr(cmc_kernels, name)(got_x, got_P, warp)
            _assert_close(got_x, want_x, f"{name} x, warp {warp.tolist()}")
            _assert_close(got_P, want_P, f"{name} P, warp {warp.tolist()}")
            assert np.array_equal(got_x, x) == (k == 0 or np.array_equal(warp, np.eye(2, 3)))
    assert cmc_kernels.area_scale(WARP) == pytest.approx(_S * _S, rel=1e-12)
    assert cmc_kernels.linear_scale(WARP) == pytest.approx(_S, rel=1e-12)


def test_box_and_measurement_warps_follow_the_formulas() -> None:
    """Boxes in (K, T, C) cells, empty cells and the score column untouched bit for bit; the same through a
    strided view (OC-SORT's last observation as ``last_obs[:, None, :]``); (u, v, s, r) measurements; the
    identity keeps boxes bit-identical."""
    rng = np.random.default_rng(11)
    for warp in _warps(rng):
        corners = rng.uniform(0, 1000, (9, 6, 2))
        boxes = np.concatenate([corners, corners + rng.uniform(5, 200, (9, 6, 2)), rng.uniform(0, 1, (9, 6, 1))],
                               axis=2)
        filled = rng.random((9, 6)) < 0.7
        got = boxes.copy()
        cmc_kernels.warp_box_cells(got, filled, warp)
        _assert_close(got, _warped_boxes(boxes, filled, warp), f"boxes, warp {warp.tolist()}")
        np.testing.assert_array_equal(got[~filled], boxes[~filled])
        np.testing.assert_array_equal(got[..., 4], boxes[..., 4])
        flat = boxes[:, 0].copy()
        cmc_kernels.warp_box_cells(flat[:, None, :], filled[:, 0][:, None], warp)
        np.testing.assert_array_equal(flat, got[:, 0])
        z = rng.uniform(1, 1000, (5, 4))
        got_z = z.copy()
        cmc_kernels.warp_usr_measurements(got_z, warp)
        _assert_close(got_z, _warped_measurements(z, warp), f"measurements, warp {warp.tolist()}")
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


def _image_state(name: str, tracker) -> dict[str, np.ndarray]:
    """Copies of what the tracker keeps in image coordinates (for ocsort also the masks of its stored boxes)."""
    t = tracker.tracks
    out = {"x": t.x.copy(), "P": t.P.copy()}
    if name == "ocsort":
        out.update({key: t.columns[key].copy()
                    for key in ("frozen_x", "frozen_P", "last_z", "last_obs", "ring", "ring_age")})
    return out


def _state_by_formula(name: str, before: dict[str, np.ndarray], warp: np.ndarray) -> dict[str, np.ndarray]:
    """``before`` moved by ``warp`` as the formulas above say: SORT's and OC-SORT's (u, v, s, r) states,
    ByteTrack's (u, v, a, h); OC-SORT's frozen state, last measurement, and its last observation and ring
    of observations as boxes, except "no observation" placeholders and empty ring slots."""
    from trackbench.trackers.ocsort import tracker as ocsort

    want = dict(before)
    states = _warped_uvah if name == "bytetrack" else _warped_usr
    want["x"], want["P"] = states(before["x"], before["P"], warp)
    if name == "ocsort":
        want["frozen_x"], want["frozen_P"] = _warped_usr(before["frozen_x"], before["frozen_P"], warp)
        want["last_z"] = _warped_measurements(before["last_z"], warp)
        observed = ~(before["last_obs"] == ocsort.NO_OBSERVATION).all(axis=1)
        want["last_obs"] = _warped_boxes(before["last_obs"], observed, warp)
        want["ring"] = _warped_boxes(before["ring"], before["ring_age"] != ocsort._NEVER, warp)
    return want


@pytest.mark.parametrize("name", ["sort", "bytetrack", "ocsort"])
def test_trackers_warp_their_states_as_the_formulas_say_on_a_moving_camera(shared_data, monkeypatch,
                                                                         name) -> None:
    """Whole runs on 150 frames of MOT17-05 (a moving camera) with the GMC files: at every frame with
    camera motion, everything the tracker keeps in image coordinates is, after ``compensate``, what the
    formulas written out above make of it before, and the run tracks as usual."""
    from trackbench.datasets import load_dataset
    from trackbench.trackers import tracker_class

    cls = tracker_class(name)
    compensate, warped_tracks = cls.compensate, []

    def checked(tracker, warp: np.ndarray) -> None:
        before = _image_state(name, tracker)
        compensate(tracker, warp)
        after = _image_state(name, tracker)
        for key, want in _state_by_formula(name, before, warp).items():
            _assert_close(after[key], want, f"{name} {key} at warp {warp.tolist()}")
        warped_tracks.append(len(before["x"]))

    monkeypatch.setattr(cls, "compensate", checked)
    (seq,) = load_dataset("mot17", shared_data / "mot17", ["MOT17-05-FRCNN"])
    out = track_unit(Variant(name, cmc=str(shared_data / "mot17-gmc")), seq.head(150))
    assert out.result.failed is None, out.result.failed
    assert len(out.boxes) > 300 and len(warped_tracks) > 100 and sum(warped_tracks) > 300, warped_tracks
