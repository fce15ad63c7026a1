"""Camera motion estimated from frames (``--cmc sparse|orb|ecc``): against BoT-SORT's published GMC files on real
MOT17 frames, near the identity on still cameras, exact on a known synthetic motion, and cached on disk.

How warps are compared: by where they move image points.  A similarity's translation alone depends on the
origin (a 1 % zoom about the image centre is a 10 px "translation" at a 1920 px image's corner), so each
comparison takes the displacement ``A p + t − p`` of a 5 x 5 grid of points spanning the image, and of its
centre.  Tolerances (measured margins in brackets, opencv-python 4.x):

- moving cameras (MOT17-05, -10, -11: the GMC files move the image 3-10 px a frame in the mini frames;
  MOT17-02 and -04 move it under 0.5 px, still cameras): the displacement of the image centre within 1.5 px
  of the GMC file's on every frame (largest seen 1.2 px); the grid's displacement error, averaged over the
  frames, under 30 % of the GMC's own motion for ``sparse`` and ``orb`` (largest seen 21 %) and under 45 %
  for ``ecc`` (34 %: a Euclidean warp cannot follow MOT17-05's zoom of about 1 % a frame); the scale of
  ``sparse``/``orb`` within 0.01 of the GMC's (largest seen 0.006).
- still cameras (MOT17-02, -04, PETS09-S2L1): no grid point moved by more than 1 px (largest seen 0.31 px).
- a real frame moved by a known warp (cv2.warpAffine, both frames cropped to their common middle): every
  grid point's displacement recovered within 0.5 px (``orb``: 1 px, its FAST corners lie on whole pixels of
  the half-size image; largest seen 0.73 px) and the scale within 0.002.
"""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.datasets.camera_motion_estimate import METHODS, estimate

MOVING = ("MOT17-05", "MOT17-10", "MOT17-11")
STILL = ("MOT17-02", "MOT17-04")
FRAMES = 5  # of the 4-8 frames mot17-mini has: enough pairs, and the test stays quick


def _grid(width: int, height: int) -> np.ndarray:
    gx, gy = np.meshgrid(np.linspace(0, width, 5), np.linspace(0, height, 5))
    return np.column_stack([gx.ravel(), gy.ravel()])


def _displacement(warp: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``A p + t − p`` for points (N, 2): how far the warp moves each."""
    return points @ warp[:, :2].T + warp[:, 2] - points


def _linear_scale(warp: np.ndarray) -> float:
    """``√|det A|``: how much the warp scales lengths (its zoom, for a similarity)."""
    return float(np.sqrt(abs(np.linalg.det(warp[:, :2]))))


@pytest.fixture(scope="module")
def mini(shared_data):
    """Per MOT17 camera: (sequence cut to FRAMES, its frames, the GMC file's warps of those frames)."""
    from trackbench.datasets import load_dataset
    from trackbench.datasets.camera_motion import load_gmc

    out = {}
    for camera in MOVING + STILL:
        (seq,) = load_dataset("mot17", shared_data / "mot17-mini", [f"{camera}-FRCNN"])
        seq = seq.head(min(FRAMES, seq.info.length))
        gmc = load_gmc(shared_data / "mot17-gmc", camera, seq.info.length).warps  # line 0 is frame 1
        out[camera] = (seq, list(seq.images()), gmc)
    return out


@pytest.fixture(scope="module")
def estimates(mini):
    """(camera, method) -> estimated warps, each estimated once for the module."""
    return {(camera, method): estimate(method, frames, boxes=lambda f, s=seq: s.detections.detections(f).boxes).warps
            for camera, (seq, frames, _) in mini.items() for method in METHODS}


def test_which_mot17_cameras_move(mini) -> None:
    """The GMC files say MOT17-05, -10 and -11 move (3-10 px a frame) and -02 and -04 stand (under 0.5 px)."""
    for camera, (seq, _, gmc) in mini.items():
        points = _grid(seq.info.width, seq.info.height)
        motion = np.mean([np.linalg.norm(_displacement(w, points), axis=1).mean() for w in gmc[1:]])
        assert (motion > 2.5) if camera in MOVING else (motion < 0.5), (camera, motion)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("camera", MOVING)
def test_moving_cameras_agree_with_the_published_gmc_files(mini, estimates, camera, method) -> None:
    seq, _, gmc = mini[camera]
    est = estimates[camera, method]
    np.testing.assert_array_equal(est[0], np.eye(2, 3))  # the first frame has no previous one
    points = _grid(seq.info.width, seq.info.height)
    centre = np.array([[seq.info.width / 2, seq.info.height / 2]])
    errors, motions = [], []
    for e, g in zip(est[1:], gmc[1:]):
        assert np.linalg.norm(_displacement(e, centre) - _displacement(g, centre)) < 1.5
        errors.append(np.linalg.norm(_displacement(e, points) - _displacement(g, points), axis=1).mean())
        motions.append(np.linalg.norm(_displacement(g, points), axis=1).mean())
        if method != "ecc":
            assert abs(_linear_scale(e) - _linear_scale(g)) < 0.01
        else:  # a Euclidean warp: rotation and translation only
            assert _linear_scale(e) == pytest.approx(1.0, abs=1e-6)
    assert np.mean(errors) < (0.45 if method == "ecc" else 0.30) * np.mean(motions), (errors, motions)


@pytest.mark.parametrize("camera", STILL)
def test_still_mot17_cameras_give_near_identity_warps(mini, estimates, camera) -> None:
    seq = mini[camera][0]
    points = _grid(seq.info.width, seq.info.height)
    for method in METHODS:
        for warp in estimates[camera, method]:
            assert np.abs(_displacement(warp, points)).max() < 1.0, (method, warp)


def test_a_static_camera_pets09_gives_near_identity_warps(shared_data) -> None:
    from trackbench.datasets import load_dataset

    (seq,) = load_dataset("mot15", shared_data / "mot15", ["PETS09-S2L1"])
    seq = seq.head(8)
    frames = list(seq.images())
    points = _grid(seq.info.width, seq.info.height)
    for method in METHODS:
        warps = estimate(method, frames, boxes=lambda f: seq.detections.detections(f).boxes).warps
        worst = max(np.abs(_displacement(w, points)).max() for w in warps)
        assert worst < 1.0, (method, worst)


def _moved_pair(image: np.ndarray, warp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``image`` and ``image`` moved by ``warp``, both cropped to the same middle (no black borders), and the
    warp in the cropped images' coordinates (``p' = A(p + o) + t − o`` for the crop's offset ``o``)."""
    import cv2

    h, w = image.shape[:2]
    moved = cv2.warpAffine(image, warp, (w, h), flags=cv2.INTER_LINEAR)
    y0, x0 = h // 8, w // 8
    offset = np.array([x0, y0], float)
    cropped = warp.copy()
    cropped[:, 2] = warp[:, :2] @ offset + warp[:, 2] - offset
    return image[y0:h - y0, x0:w - x0], moved[y0:h - y0, x0:w - x0], cropped


@pytest.mark.parametrize("method", METHODS)
def test_a_known_motion_of_a_real_frame_is_recovered(mini, method) -> None:
    """A sub-pixel translation for every method; a similarity (1 % zoom, 0.3° turn) for sparse and orb, a
    Euclidean motion (turn and shift) for ecc, which estimates no scale."""
    image = mini["MOT17-05"][1][0]  # 640 x 480, full size
    turn = 0.005
    zoom = 1.0 if method == "ecc" else 1.01
    warps = [np.array([[1.0, 0.0, 6.8], [0.0, 1.0, -4.4]]),
             np.array([[zoom * np.cos(turn), -zoom * np.sin(turn), -5.3],
                       [zoom * np.sin(turn), zoom * np.cos(turn), 2.6]])]
    for true in warps:
        before, after, want = _moved_pair(image, true)
        got = estimate(method, [before, after]).warps[1]
        points = _grid(before.shape[1], before.shape[0])
        atol = 1.0 if method == "orb" else 0.5  # FAST corners lie on whole pixels of the half-size image
        np.testing.assert_allclose(_displacement(got, points), _displacement(want, points), atol=atol)
        assert abs(_linear_scale(got) - _linear_scale(want)) < 0.002


# -- the disk cache -------------------------------------------------------------------------------------

@pytest.fixture
def cached(mini, tmp_path, monkeypatch):
    """An empty cache folder and a short real sequence with frames."""
    monkeypatch.setenv("TRACKBENCH_CACHE", str(tmp_path))
    return mini["MOT17-05"][0].head(3)


def _cache_file(seq, method: str):
    from trackbench.harness.runs.camera_motion import cache_dir, cache_key

    return cache_dir() / f"{cache_key(seq, method)}.npz"


def test_a_second_call_loads_the_cache(cached, monkeypatch) -> None:
    from trackbench.harness.runs import camera_motion

    first = camera_motion.camera_motion_for(cached, "sparse")
    assert _cache_file(cached, "sparse").is_file() and first.note is None
    monkeypatch.setattr(camera_motion, "estimate", lambda *a, **k: pytest.fail("estimated again"))
    second = camera_motion.camera_motion_for(cached, "sparse")
    np.testing.assert_array_equal(second.warps, first.warps)
    assert second.note is None and second.source == "sparse"


def test_a_damaged_cache_file_is_recomputed_with_a_note(cached) -> None:
    from trackbench.harness.runs.camera_motion import camera_motion_for

    want = camera_motion_for(cached, "orb").warps
    path = _cache_file(cached, "orb")
    path.write_bytes(b"not a zip file")
    got = camera_motion_for(cached, "orb")
    np.testing.assert_array_equal(got.warps, want)
    assert got.note.startswith(f"camera motion cache {path} could not be read (") and got.note.endswith(
        "): recomputed")
    with np.load(path) as stored:  # rewritten whole: the next call loads it
        key, digest = stored["key"], stored["sha256"]
    np.savez(path.with_suffix(""), warps=want + 1.0, key=key, sha256=digest)  # np.savez adds .npz
    got = camera_motion_for(cached, "orb")
    assert "fails its SHA-256 check: recomputed" in got.note
    np.testing.assert_array_equal(got.warps, want)
    assert camera_motion_for(cached, "orb").note is None


def test_the_runner_reports_a_recomputed_cache_in_the_units_note(cached) -> None:
    from trackbench.harness.runs.camera_motion import camera_motion_for
    from trackbench.harness.runs.tracking import Variant, track_unit

    camera_motion_for(cached, "sparse")
    _cache_file(cached, "sparse").write_bytes(b"")
    out = track_unit(Variant("sort", cmc="sparse"), cached)
    assert out.result.failed is None
    assert "camera motion cache" in out.result.note and "recomputed" in out.result.note
