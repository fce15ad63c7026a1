"""trackbench's botsort: the authors' outputs frame by frame, its costs, parameters and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from trackbench.datasets import load_dataset
from trackbench.datasets.camera_motion import load_gmc
from trackbench.datasets.detsets import with_folder_detections
from trackbench.datasets.sequence import Detections
from trackbench.trackers import create
from trackbench.trackers.botsort import kernels
from trackbench.trackers.botsort.tracker import BoTSort
from trackbench.trackers.params import ParamError

REFERENCE = Path(__file__).parent / "data" / "botsort_reference"


def _rows(seq, cmc_folder) -> np.ndarray:
    """botsort on ``seq`` as the harness feeds it (compensate before update on frames with motion)."""
    motion = load_gmc(cmc_folder, seq.name, seq.info.length)
    moving = motion.moving()
    tracker = create("botsort")
    tracker.reset(seq.info)
    out = []
    for f in range(1, seq.info.length + 1):
        if moving[f - 1]:
            tracker.compensate(motion.warps[f - 1])
        r = tracker.update(None, seq.detections.detections(f))
        for i, b, s in zip(r.ids, r.boxes, r.scores):
            out.append((f, i, b[0], b[1], b[2] - b[0], b[3] - b[1], s))
    return np.array(out)


@pytest.mark.parametrize("video", ["MOT17-05", "MOT17-10"])
def test_equals_the_authors_botsort_with_camera_motion(shared_data, video) -> None:
    """Every row the authors' BoT-SORT (GMC-file mode, YOLOX detections) reported: same frame, same id, same
    box to 1e-4 px (the files keep 4 decimals), same score.  Rows are compared in (frame, id) order: within a
    frame the reference lists tracks in its list order, trackbench in its store's."""
    (seq,) = load_dataset("mot17", shared_data / "mot17", [f"{video}-FRCNN"])
    seq = with_folder_detections(seq, shared_data / "mot17-yolox")
    ours = _rows(seq, shared_data / "mot17-gmc")
    theirs = np.loadtxt(REFERENCE / f"{video}.txt", delimiter=",")
    ours, theirs = (a[np.lexsort((a[:, 1], a[:, 0]))] for a in (ours, theirs))
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours[:, :2], theirs[:, :2])
    np.testing.assert_allclose(ours[:, 2:], theirs[:, 2:], rtol=0, atol=1e-4)


def test_fused_cost_is_the_papers_formula() -> None:
    """min(1 − IoU·score, d_emb) with d_emb = cos distance / 2, counted only within both gates."""
    distance = np.array([[0.2, 0.6], [0.3, 0.1]])  # 1 - IoU
    scores = np.array([0.9, 0.5])
    tracks = np.array([[1.0, 0.0], [0.0, 1.0]])
    dets = np.array([[1.0, 0.0], [0.6, 0.8]])
    got = kernels.fused_cost(distance, np.arange(2), scores, True, tracks, np.arange(2), dets, True, 0.5, 0.25)
    # (0,0): iou-fused 1 - 0.8*0.9 = 0.28, emb 0 -> 0.  (0,1): emb (1-0.6)/2 = 0.2 but 1 - IoU 0.6 > 0.5 -> 1,
    # so 1 - 0.4*0.5 = 0.8.  (1,0): emb 0.5 > 0.25 -> 1; fused 1 - 0.7*0.9 = 0.37.  (1,1): emb 0.1; fused 0.55.
    np.testing.assert_allclose(got, [[0.0, 0.8], [0.37, 0.1]], atol=1e-12)
    plain = kernels.fused_cost(distance, np.arange(2), scores, True, tracks, np.arange(2), dets, False, 0.5, 0.25)
    np.testing.assert_allclose(plain, 1 - (1 - distance) * scores)


def test_appearance_follows_identities_where_boxes_overlap() -> None:
    """Two overlapping people (1 − IoU ≈ 0.33, within the proximity gate) swap places in one frame: by IoU each
    id keeps its box; with appearance each id follows its own vector to the other box."""
    a, b = [10.0, 10.0, 60.0, 110.0], [20.0, 10.0, 70.0, 110.0]
    va, vb = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]

    def id_nearest_b(embedder) -> int:
        t = create("botsort", {"embedder": embedder} if embedder else None)
        t.reset(None)
        for f in range(6):
            vectors = [va, vb] if f < 5 else [vb, va]  # the last frame: a's person at b, b's at a
            out = t.update(None, Detections(np.array([a, b]), np.array([0.9, 0.9]), np.array(vectors, np.float32)))
        return int(out.ids[np.argmin(np.abs(out.boxes[:, 0] - b[0]))])

    assert id_nearest_b(None) == 2  # id 2 started on b and stays there
    assert id_nearest_b("histogram") == 1  # id 1 (vector va) followed va to b


def test_params_and_requirements() -> None:
    assert not create("botsort").requires.features
    assert create("botsort", {"embedder": "histogram"}).requires.features
    assert BoTSort.compensates_camera
    with pytest.raises(ParamError):
        create("botsort", {"track_low_thresh": "0.7"})


def _bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trackbench", *args], capture_output=True, text=True, timeout=120)


def test_bench_run_botsort_with_cmc_folder(shared_data, tmp_path) -> None:
    """End to end on a shared sequence: botsort+cmc in the leaderboard and in the manifest."""
    r = _bench("run", "-t", "botsort", "-d", "mot17", "--data-root", str(shared_data / "mot17"), "-s", "MOT17-05",
               "--detections", str(shared_data / "mot17-yolox"), "--cmc", str(shared_data / "mot17-gmc"),
               "--cmc-ablation", "--max-frames", "150", "--results", str(tmp_path), "--name", "r", "--format", "json")
    assert r.returncode == 0, r.stderr[-2000:]
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert [(v["name"], v["cmc"]) for v in manifest["variants"]] == [
        ("botsort", None), ("botsort+cmc", str(shared_data / "mot17-gmc"))]
    assert "botsort+cmc" in r.stdout


def test_bench_run_refuses_a_bad_gmc_file_naming_file_and_line(shared_data, tmp_path) -> None:
    folder = tmp_path / "gmc"
    folder.mkdir()
    (folder / "GMC-MOT17-05.txt").write_text("0\t1\t0\t0\t0\t1\t0\n1\t1\t0\toops\t0\t1\t0\n")
    r = _bench("run", "-t", "sort", "-d", "mot17", "--data-root", str(shared_data / "mot17"), "-s", "MOT17-05",
               "--cmc", str(folder), "--max-frames", "10", "--results", str(tmp_path), "--name", "bad")
    assert r.returncode == 2
    assert f"{folder / 'GMC-MOT17-05.txt'}:2:" in r.stderr
