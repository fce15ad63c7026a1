"""Tests of the built-in synthetic dataset (datasets.synth)."""

from __future__ import annotations

import configparser
import pickle
from dataclasses import replace

import cv2
import numpy as np
import pytest

from trackbench.datasets.boxes import iou_matrix
from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import EvalSpec, Sequence
from trackbench.datasets.synth import SynthConfig, load_synth, write_synth_mot
from trackbench.datasets.synth_geometry import ELLIPSE, RECT, in_image_fraction, shape_mask, visibility
from trackbench.datasets.synth_texture import paste


@pytest.fixture(scope="module")
def seqs() -> list[Sequence]:
    return load_synth()


def _tables(seq: Sequence) -> list[np.ndarray]:
    gt = seq.ground_truth
    assert gt is not None
    det = seq.detections
    return [det.frames, det.boxes, det.scores, gt.frames, gt.ids, gt.boxes, gt.scores, gt.visibility]


# --- shape of the data --------------------------------------------------------


def test_default_dataset_layout(seqs: list[Sequence]) -> None:
    cfg = SynthConfig()
    assert [s.name for s in seqs] == ["synth-01", "synth-02", "synth-03"]
    for s in seqs:
        assert s.info.dataset == "synth"
        assert (s.info.length, s.info.fps, s.info.width, s.info.height) == (cfg.length, cfg.fps, cfg.width, cfg.height)
        assert isinstance(s.eval_spec, EvalSpec) and s.eval_spec.distractor_classes == ()
        assert s.has_images and len(s.source) == cfg.length
        gt, det = s.ground_truth, s.detections
        assert gt is not None
        assert gt.frames.min() >= 1 and gt.last_frame <= cfg.length
        assert det.frames.min() >= 1 and det.last_frame <= cfg.length
        assert np.all(det.ids == -1)
        assert gt.ids.min() == 1 and np.all(gt.classes == 1)
        assert set(np.unique(gt.scores)) <= {0.0, 1.0}
        assert np.all((gt.visibility >= 0) & (gt.visibility <= 1))
        # conf 0 exactly for the rows too hidden to score
        np.testing.assert_array_equal(gt.scores == 0, gt.visibility < cfg.min_visibility)
        # every frame has several objects and no id twice
        for f in (1, 75, 150):
            g = gt.ground_truth(f)
            assert len(g) >= 4 and len(np.unique(g.ids)) == len(g.ids)
        frame = s.source.read(1)
        assert frame.shape == (cfg.height, cfg.width, 3) and frame.dtype == np.uint8


def test_objects_enter_and_leave(seqs: list[Sequence]) -> None:
    entered = left = 0
    for s in seqs:
        gt = s.ground_truth
        assert gt is not None
        ids = np.unique(gt.ids)
        np.testing.assert_array_equal(ids, np.arange(1, len(ids) + 1))
        entered += sum(int(gt.frames[gt.ids == i].min() > 1) for i in ids)
        left += sum(int(gt.frames[gt.ids == i].max() < s.info.length) for i in ids)
    assert entered >= 3 and left >= 3


def test_boxes_may_extend_past_the_border_and_visibility_counts_it(seqs: list[Sequence]) -> None:
    gt = seqs[0].ground_truth
    assert gt is not None
    outside = in_image_fraction(gt.boxes, 640, 360) < 0.9
    assert outside.any()
    assert np.all(gt.visibility[outside] < 1.0)


# --- determinism ----------------------------------------------------------------


def test_two_loads_are_identical(seqs: list[Sequence]) -> None:
    again = load_synth()
    for a, b in zip(seqs, again):
        for x, y in zip(_tables(a), _tables(b)):
            np.testing.assert_array_equal(x, y)
        for f in (1, 64, 150):
            np.testing.assert_array_equal(a.source.read(f), b.source.read(f))


def test_random_access_equals_iteration(seqs: list[Sequence]) -> None:
    src = seqs[1].source
    picks = {1: None, 2: None, 77: None, 150: None}
    count = 0
    for frame, img in enumerate(src, start=1):
        count += 1
        assert img.shape == (360, 640, 3)
        if frame in picks:
            picks[frame] = img
    assert count == 150
    for f in (150, 1, 77, 2, 77):
        np.testing.assert_array_equal(src.read(f), picks[f])
    with pytest.raises(IndexError):
        src.read(0)
    with pytest.raises(IndexError):
        src.read(151)


def test_subset_equals_the_same_sequence_of_the_full_set(seqs: list[Sequence]) -> None:
    (only,) = load_synth(sequences=["synth-03"])
    for x, y in zip(_tables(only), _tables(seqs[2])):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(only.source.read(40), seqs[2].source.read(40))
    with pytest.raises(ValueError):
        load_synth(sequences=["synth-09"])


def test_seed_changes_the_data(seqs: list[Sequence]) -> None:
    (other,) = load_synth(SynthConfig(seed=1), sequences=["synth-01"])
    assert not np.array_equal(other.source.read(1), seqs[0].source.read(1))
    assert len(other.ground_truth) != len(seqs[0].ground_truth) or not np.array_equal(  # type: ignore[arg-type]
        other.ground_truth.boxes, seqs[0].ground_truth.boxes  # type: ignore[union-attr]
    )


def test_detector_settings_leave_trajectories_alone(seqs: list[Sequence]) -> None:
    (noisier,) = load_synth(SynthConfig(false_positives=3.0, miss_rate=0.2), sequences=["synth-01"])
    np.testing.assert_array_equal(noisier.ground_truth.boxes, seqs[0].ground_truth.boxes)  # type: ignore[union-attr]
    np.testing.assert_array_equal(noisier.source.read(30), seqs[0].source.read(30))
    assert len(noisier.detections) != len(seqs[0].detections)


def test_source_pickles_without_its_caches(seqs: list[Sequence]) -> None:
    src = seqs[0].source
    want = src.read(5)
    clone = pickle.loads(pickle.dumps(src))
    assert clone._background is None
    np.testing.assert_array_equal(clone.read(5), want)


def test_invalid_config_is_refused() -> None:
    with pytest.raises(ValueError):
        SynthConfig(objects_alive=(5, 2))
    with pytest.raises(ValueError):
        SynthConfig(miss_rate=1.5)


# --- visibility -------------------------------------------------------------------


def test_visibility_of_constructed_scenes() -> None:
    W, H = 200, 100
    # A small far rectangle entirely behind a big near one is invisible.
    boxes = np.array([[50, 20, 70, 60], [40, 10, 90, 80]], float)
    v = visibility(boxes, np.array([RECT, RECT]), W, H)
    assert v[0] == 0.0 and v[1] == 1.0
    # Half of a far rectangle hidden by a near one.
    boxes = np.array([[0, 10, 40, 50], [20, 5, 60, 60]], float)
    v = visibility(boxes, np.array([RECT, RECT]), W, H)
    assert v[0] == pytest.approx(0.5, abs=0.02) and v[1] == 1.0
    # Half outside the image.
    v = visibility(np.array([[-20, 10, 20, 50]], float), np.array([RECT]), W, H)
    assert v[0] == pytest.approx(0.5, abs=0.02)
    # A near ellipse over a far rectangle's corner: the corner of the ellipse's box is empty.
    boxes = np.array([[10, 10, 50, 50], [30, 30, 70, 70]], float)
    v_ellipse = visibility(boxes, np.array([RECT, ELLIPSE]), W, H)
    v_rect = visibility(boxes, np.array([RECT, RECT]), W, H)
    assert v_rect[0] == pytest.approx(0.75, abs=0.02)
    assert v_rect[0] < v_ellipse[0] < 1.0
    # The nearer object is the one standing lower, whatever the order.
    v_swapped = visibility(boxes[::-1], np.array([RECT, RECT]), W, H)
    np.testing.assert_allclose(v_swapped, v_rect[::-1])


def test_strongly_overlapping_gt_boxes_hide_the_farther_one(seqs: list[Sequence]) -> None:
    pairs = 0
    for s in seqs:
        gt = s.ground_truth
        assert gt is not None
        for f in range(1, s.info.length + 1):
            g = gt.ground_truth(f)
            iou = np.triu(iou_matrix(g.boxes, g.boxes), k=1)
            for i, j in zip(*np.nonzero(iou > 0.5)):
                far = i if g.boxes[i, 3] < g.boxes[j, 3] else j
                assert g.visibility[far] < 1.0
                pairs += 1
    assert pairs > 10, "the default set should contain strong overlaps"


def test_visibility_matches_the_rendered_pixels(seqs: list[Sequence]) -> None:
    """Paint object labels in the renderer's order and count what stays visible."""
    for s in seqs:
        scene = s.source.scene
        for t in (10, 80, 140):
            boxes = scene.boxes[:, t]
            idx = np.flatnonzero(~np.isnan(boxes[:, 0]))
            idx = idx[np.argsort(boxes[idx, 3], kind="stable")]
            labels = np.zeros((s.info.height, s.info.width, 3), np.uint8)
            for i in idx:
                x1, y1, x2, y2 = (int(round(c)) for c in boxes[i])
                tex = np.full((64, 64, 3), i + 1, np.uint8)
                paste(labels, tex, shape_mask(scene.looks[i].shape, 64, 64), x1, y1, x2, y2)
            for i in idx:
                x1, y1, x2, y2 = (int(round(c)) for c in boxes[i])
                if min(x2 - x1, y2 - y1) < 30:
                    continue
                total = shape_mask(scene.looks[i].shape, x2 - x1, y2 - y1).sum() / 255
                shown = (labels[:, :, 0] == i + 1).sum() / total
                assert shown == pytest.approx(scene.visibility[i, t], abs=0.06), (s.name, t, i)


# --- detections --------------------------------------------------------------------


def test_detections_are_noisy_but_informative(seqs: list[Sequence]) -> None:
    considered = matched = 0
    tp_scores, fp_scores = [], []
    for s in seqs:
        gt = s.ground_truth
        assert gt is not None
        for f in range(1, s.info.length + 1):
            g, d = gt.ground_truth(f), s.detections.detections(f)
            assert np.all(np.diff(d.scores) <= 0), "rows sorted by score, not by identity"
            iou = iou_matrix(g.boxes, d.boxes)
            if iou.size:
                considered += int(g.considered.sum())
                matched += int((iou[g.considered].max(axis=1, initial=0) > 0.5).sum())
                best = iou.max(axis=0)
            else:
                considered += int(g.considered.sum())
                best = np.zeros(len(d))
            tp_scores.extend(d.scores[best > 0.5])
            fp_scores.extend(d.scores[best < 0.1])
    recall = matched / considered
    assert 0.6 < recall < 0.98
    assert len(fp_scores) > 100
    assert np.mean(fp_scores) < np.mean(tp_scores) - 0.2
    assert 0.0 < min(tp_scores + fp_scores) and max(tp_scores + fp_scores) <= 1.0


def test_occluded_objects_are_missed_more_often(seqs: list[Sequence]) -> None:
    hit = {True: [], False: []}
    for s in seqs:
        gt = s.ground_truth
        assert gt is not None
        for f in range(1, s.info.length + 1):
            g, d = gt.ground_truth(f), s.detections.detections(f)
            found = iou_matrix(g.boxes, d.boxes).max(axis=1, initial=0) > 0.5
            ok = g.considered
            hit[True].extend(found[ok & (g.visibility < 0.6)])
            hit[False].extend(found[ok & (g.visibility > 0.95)])
    assert np.mean(hit[True]) < np.mean(hit[False]) - 0.2


# --- pixels ------------------------------------------------------------------------


def test_frame_content_matches_gt(seqs: list[Sequence]) -> None:
    for s in seqs:
        gt = s.ground_truth
        assert gt is not None
        for f in (20, 100):
            with_objects = s.source.render(f).astype(np.int16)
            empty = s.source.render(f, objects=False).astype(np.int16)
            diff = np.abs(with_objects - empty).max(axis=2)
            g = gt.ground_truth(f)
            covered = np.zeros(diff.shape, bool)
            for b in g.boxes:
                x1, y1, x2, y2 = np.clip(np.round(b).astype(int), 0, [640, 360, 640, 360])
                covered[y1:y2, x1:x2] = True
            assert np.all(diff[~covered] == 0), "pixels change only inside gt boxes"
            for b, v in zip(g.boxes, g.visibility):
                if v < 1.0:
                    continue
                x1, y1, x2, y2 = np.round(b).astype(int)
                cx, cy, qw, qh = (x1 + x2) // 2, (y1 + y2) // 2, (x2 - x1) // 4, (y2 - y1) // 4
                core = diff[cy - qh : cy + qh, cx - qw : cx + qw]
                assert (core > 10).mean() > 0.5, "a fully visible object shows in its box"


def test_objects_are_more_colourful_than_the_background(seqs: list[Sequence]) -> None:
    s = seqs[0]
    hsv = cv2.cvtColor(s.source.read(50), cv2.COLOR_BGR2HSV)
    empty = cv2.cvtColor(s.source.render(50, objects=False), cv2.COLOR_BGR2HSV)
    g = s.ground_truth.ground_truth(50)  # type: ignore[union-attr]
    sats = []
    for b, v in zip(g.boxes, g.visibility):
        if v == 1.0:
            x1, y1, x2, y2 = np.round(b).astype(int)
            sats.append(hsv[y1:y2, x1:x2, 1].mean())
    assert sats and np.median(sats) > 1.5 * empty[:, :, 1].mean()


def test_moving_camera_sequence_pans_the_background(seqs: list[Sequence]) -> None:
    cams = [s.source.scene.camera for s in seqs]
    assert np.all(cams[0] == 0) and np.all(cams[2] == 0)
    assert np.abs(cams[1][-1] - cams[1][0]).max() > 30
    for s, moving in zip(seqs, (False, True, False)):
        a = s.source.render(30, objects=False, noise=False)
        b = s.source.render(60, objects=False, noise=False)
        if not moving:
            np.testing.assert_array_equal(a, b)
            continue
        (dx, dy), _ = cv2.phaseCorrelate(
            cv2.cvtColor(a, cv2.COLOR_BGR2GRAY).astype(np.float64), cv2.cvtColor(b, cv2.COLOR_BGR2GRAY).astype(np.float64)
        )
        want = np.round(s.source.scene.camera[29]) - np.round(s.source.scene.camera[59])
        assert (dx, dy) == pytest.approx(tuple(want), abs=1.0)


# --- MOT files -------------------------------------------------------------------------


def test_write_synth_mot_roundtrip(tmp_path, seqs: list[Sequence]) -> None:
    folders = write_synth_mot(seqs, tmp_path, images=False)
    assert [f.name for f in folders] == ["synth-01", "synth-02", "synth-03"]
    for s, folder in zip(seqs, folders):
        assert not (folder / "img1").exists()
        ini = configparser.ConfigParser()
        ini.read(folder / "seqinfo.ini")
        assert ini["Sequence"]["name"] == s.name and int(ini["Sequence"]["seqLength"]) == 150
        assert (int(ini["Sequence"]["imWidth"]), int(ini["Sequence"]["imHeight"])) == (640, 360)
        gt, det = s.ground_truth, s.detections
        assert gt is not None
        rgt = read_mot_file(folder / "gt" / "gt.txt", kind="gt")
        rdet = read_mot_file(folder / "det" / "det.txt", kind="det")
        np.testing.assert_array_equal(rgt.frames, gt.frames)
        np.testing.assert_array_equal(rgt.ids, gt.ids)
        np.testing.assert_allclose(rgt.boxes, gt.boxes, atol=0.0101)
        np.testing.assert_array_equal(rgt.scores, gt.scores)
        np.testing.assert_array_equal(rgt.classes, gt.classes)
        np.testing.assert_allclose(rgt.visibility, gt.visibility, atol=1e-4)
        np.testing.assert_array_equal(rdet.frames, det.frames)
        np.testing.assert_allclose(rdet.boxes, det.boxes, atol=0.0101)
        np.testing.assert_allclose(rdet.scores, det.scores, atol=1e-4)


def test_write_synth_mot_images(tmp_path) -> None:
    cfg = replace(SynthConfig(), length=4, num_sequences=1)
    seqs = load_synth(cfg)
    (folder,) = write_synth_mot(seqs, tmp_path)
    files = sorted(p.name for p in (folder / "img1").iterdir())
    assert files == ["000001.jpg", "000002.jpg", "000003.jpg", "000004.jpg"]
    img = cv2.imread(str(folder / "img1" / "000003.jpg"))
    want = seqs[0].source.read(3)
    assert img.shape == want.shape
    assert np.abs(img.astype(int) - want).mean() < 6  # JPEG loss only
