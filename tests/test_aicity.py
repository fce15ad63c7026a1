"""Tests of the AI City (CityFlow) loader, its ROI handling and ``bench run --dataset aicity``.

Most tests use a small CityFlow scenario rendered by :mod:`tests.aicity_scene`;
the ``shared`` ones use the real AI City detections in ``../shared/data/aicity-dets``.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aicity_scene import SceneConfig, write_camera, write_cityflow  # noqa: E402
from trackbench.datasets import DatasetNotFound, load_dataset  # noqa: E402
from trackbench.datasets.aicity import (  # noqa: E402
    GT_NOTE,
    NO_ROI_NOTE,
    find_cameras,
    iter_gt_crops,
    load_aicity,
    load_roi,
    roi_filter,
)
from trackbench.datasets.frames import VideoSource  # noqa: E402
from trackbench.datasets.motfile import MotFileError, read_mot_file  # noqa: E402
from trackbench.harness.cli import app  # noqa: E402

SHARED_DETS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "aicity-dets"
LAYOUT = {
    "train": {"S01": ["c001", "c002"]},
    "validation": {"S02": ["c006"]},
    "test": {"S06": ["c041"]},
}
SMALL = SceneConfig(width=160, height=90, frames=12)


@pytest.fixture(scope="module")
def cityflow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset root with three splits (the test split has no gt), tiny cameras."""
    root = tmp_path_factory.mktemp("cityflow")
    write_cityflow(root, LAYOUT, SMALL)
    return root


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One 320x180 camera, 40 frames: the end-to-end scenario."""
    root = tmp_path_factory.mktemp("scenario")
    write_cityflow(root, {"train": {"S01": ["c001"]}}, SceneConfig(width=320, height=180, frames=40))
    return root


def _names(seqs) -> list[str]:
    return [s.name for s in seqs]


# --- ROI ---------------------------------------------------------------------------


def test_roi_filter_uses_bottom_centre_and_clamps() -> None:
    mask = np.zeros((10, 20), bool)
    mask[5:, :] = True  # the lower half is inside
    boxes = np.array([
        [0.0, 0.0, 4.0, 6.0],  # bottom-centre (2, 6): inside, though most of the box is outside
        [0.0, 0.0, 4.0, 4.0],  # (2, 4): outside
        [15.0, 6.0, 30.0, 40.0],  # past the image: clamped to (19, 9), inside
        [-5.0, -9.0, -1.0, -2.0],  # clamped to (0, 0): outside
    ])
    assert roi_filter(boxes, mask).tolist() == [True, False, True, False]
    assert roi_filter(boxes, mask.astype(np.uint8) * 255).tolist() == [True, False, True, False]
    assert roi_filter(np.zeros((0, 4)), mask).shape == (0,)


def test_load_roi_reads_white_area_despite_jpeg_noise(tmp_path: Path) -> None:
    image = np.zeros((30, 40), np.uint8)
    image[10:, 5:] = 255
    cv2.imwrite(str(tmp_path / "roi.jpg"), image)
    mask = load_roi(tmp_path / "roi.jpg")
    assert mask.dtype == bool and mask.shape == (30, 40)
    assert mask[20, 20] and not mask[2, 2] and not mask[20, 1]
    with pytest.raises(FileNotFoundError, match="roi.jpg"):
        load_roi(tmp_path / "missing" / "roi.jpg")


# --- layout ------------------------------------------------------------------------


def test_every_root_level_loads(cityflow: Path) -> None:
    everything = load_aicity(cityflow)
    assert _names(everything) == ["S01_c001", "S01_c002", "S02_c006", "S06_c041"]
    assert _names(load_aicity(cityflow / "train")) == ["S01_c001", "S01_c002"]
    assert _names(load_aicity(cityflow / "train" / "S01")) == ["S01_c001", "S01_c002"]
    assert _names(load_aicity(cityflow / "train" / "S01" / "c002")) == ["S01_c002"]
    assert _names(load_aicity(cityflow, split="validation")) == ["S02_c006"]
    wrapped = cityflow.parent / "wrapped"
    if not wrapped.exists():
        wrapped.mkdir()
        (wrapped / "AIC21_Track3_MTMC_Tracking").symlink_to(cityflow, target_is_directory=True)
    assert _names(load_aicity(wrapped)) == _names(everything)
    assert [c.split for c in find_cameras(cityflow)] == ["train", "train", "validation", "test"]


def test_test_split_has_no_gt_and_names_are_file_names(cityflow: Path) -> None:
    by_name = {s.name: s for s in load_aicity(cityflow)}
    assert by_name["S06_c041"].ground_truth is None and by_name["S06_c041"].gt_path is None
    assert by_name["S01_c001"].has_gt
    assert GT_NOTE in by_name["S01_c001"].eval_spec.notes
    assert all("/" not in n for n in by_name)


@pytest.mark.parametrize("wanted, expected", [
    (["S01/c001"], ["S01_c001"]),
    (["S01_c002"], ["S01_c002"]),
    (["S01"], ["S01_c001", "S01_c002"]),
    (["S01/"], ["S01_c001", "S01_c002"]),
    (["c006", "S06"], ["S02_c006", "S06_c041"]),
    (["train/S01/c002"], ["S01_c002"]),
    (["validation"], ["S02_c006"]),
])
def test_sequence_filters(cityflow: Path, wanted: list[str], expected: list[str]) -> None:
    assert _names(load_aicity(cityflow, sequences=wanted)) == expected


def test_unknown_sequence_lists_the_available_ones(cityflow: Path) -> None:
    with pytest.raises(DatasetNotFound, match=r"S09.*available: S01_c001, S01_c002"):
        load_aicity(cityflow, sequences=["S09"])


def test_video_metadata_and_lazy_in_order_frames(cityflow: Path) -> None:
    seq = load_aicity(cityflow, sequences=["S01/c001"])[0]
    info = seq.info
    assert (info.dataset, info.length, info.fps, info.width, info.height) == ("aicity", 12, 10.0, 160, 90)
    assert isinstance(seq.source, VideoSource)
    frames = seq.images()
    assert not isinstance(frames, (list, tuple))  # a generator: one decoded frame at a time
    gt = seq.ground_truth
    assert gt is not None
    for frame_no, image in enumerate(frames, start=1):
        assert image.shape == (90, 160, 3)
        if frame_no in (1, 12):  # the vehicle body (not the grey road) shows inside a gt box
            x1, y1, x2, y2 = gt.boxes[gt.rows(frame_no)][0]
            centre = image[int((y1 + y2) / 2), int(x1 + (x2 - x1) * 0.3)].astype(int)
            road = np.array([80, 80, 80])
            assert np.abs(centre - road).sum() > 40
    assert frame_no == 12


def test_detector_picks_the_file(cityflow: Path) -> None:
    cam = cityflow / "train" / "S01" / "c001"
    for det in ("yolo3", "ssd512", "mask_rcnn"):
        seq = load_aicity(cam, detector=det, use_roi=False)[0]
        assert seq.det_path == str(cam / "det" / f"det_{det}.txt")
        assert len(seq.detections) == len(read_mot_file(cam / "det" / f"det_{det}.txt"))
    assert load_aicity(cam, detector="YOLOv3")[0].det_path.endswith("det_yolo3.txt")
    with pytest.raises(ValueError, match="unknown AI City detector 'fasterrcnn'"):
        load_aicity(cam, detector="fasterrcnn")


def test_missing_detector_file_is_named(tmp_path: Path) -> None:
    cam = write_camera(tmp_path / "S01" / "c001", SceneConfig(width=64, height=36, frames=3, video=False,
                                                             detectors=("ssd512",)))
    with pytest.raises(FileNotFoundError, match=r"det/det_yolo3.txt \(detection files there: det_ssd512.txt\)"):
        load_aicity(cam)


def test_roi_drops_detections_outside_and_goes_to_scoring(cityflow: Path) -> None:
    with_roi = load_aicity(cityflow, sequences=["S01/c001"])[0]
    without = load_aicity(cityflow, sequences=["S01/c001"], use_roi=False)[0]
    mask = load_roi(cityflow / "train" / "S01" / "c001" / "roi.jpg")
    assert with_roi.eval_spec.roi is not None and with_roi.eval_spec.roi.shape == (90, 160)
    np.testing.assert_array_equal(with_roi.eval_spec.roi, mask)
    assert roi_filter(with_roi.detections.boxes, mask).all()
    outside = ~roi_filter(without.detections.boxes, mask)
    assert outside.sum() >= 12  # the parked cars in the car park are detected on most frames
    assert len(with_roi.detections) == len(without.detections) - outside.sum()
    assert without.eval_spec.roi is None and NO_ROI_NOTE in without.eval_spec.notes
    assert GT_NOTE in with_roi.eval_spec.notes and NO_ROI_NOTE not in with_roi.eval_spec.notes


def test_box_only_folder_with_flat_files(tmp_path: Path) -> None:
    """The layout of ../shared/data/aicity-dets: det_*.txt and roi.jpg in one folder, no video."""
    cam = write_camera(tmp_path / "cam", SceneConfig(width=120, height=80, frames=9, video=False, gt=False))
    for f in (cam / "det").iterdir():
        f.rename(cam / f.name)
    (cam / "det").rmdir()
    seq = load_aicity(cam, detector="mask_rcnn")[0]
    assert seq.name == "cam" and seq.source is None and not seq.has_gt
    assert (seq.info.length, seq.info.fps, seq.info.width, seq.info.height) == (9, 10.0, 120, 80)
    assert seq.det_path == str(cam / "det_mask_rcnn.txt")


def test_malformed_rows_name_file_and_line(tmp_path: Path) -> None:
    cam = write_camera(tmp_path / "S01" / "c001", SceneConfig(width=64, height=36, frames=3, video=False))
    path = cam / "det" / "det_yolo3.txt"
    lines = path.read_text().splitlines()
    lines[2] = "2,-1,10.0,abc,5,5,0.9,-1,-1,-1"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(MotFileError, match=r"det_yolo3.txt:3: not a number"):
        load_aicity(cam)


def test_roi_of_other_size_than_video_is_an_error(tmp_path: Path) -> None:
    cam = write_camera(tmp_path / "S01" / "c001", SceneConfig(width=64, height=36, frames=3))
    cv2.imwrite(str(cam / "roi.jpg"), np.full((10, 10), 255, np.uint8))
    with pytest.raises(ValueError, match=r"roi.jpg: ROI mask is 10x10 but .*vdo.avi is 64x36"):
        load_aicity(cam)


def test_sequences_pickle_for_worker_processes(cityflow: Path) -> None:
    seq = load_aicity(cityflow, sequences=["S01/c001"])[0]
    back = pickle.loads(pickle.dumps(seq))
    assert back.name == seq.name and len(back.detections) == len(seq.detections)
    assert next(back.images()).shape == (90, 160, 3)


def test_iter_gt_crops_cuts_vehicles(cityflow: Path) -> None:
    seq = load_aicity(cityflow, sequences=["S01/c001"])[0]
    crops = list(iter_gt_crops(seq, every=4, min_size=4))
    assert crops and {f for f, _, _ in crops} <= {1, 5, 9}
    gt = seq.ground_truth
    assert gt is not None
    assert {i for _, i, _ in crops} <= set(gt.ids.tolist())
    assert all(c.ndim == 3 and c.shape[0] >= 4 and c.shape[1] >= 4 for _, _, c in crops)


# --- missing data ---------------------------------------------------------------------


def _assert_access_hint(text: str) -> None:
    flat = " ".join(text.split())
    for part in ("https://www.aicitychallenge.org/", "data access form", "register",
                 "S<xx>/c<yyy>/vdo.avi", "det/det_yolo3.txt", "--data-root", "TRACKBENCH_DATA"):
        assert part in flat, part


def test_empty_or_missing_root_says_how_to_get_the_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DatasetNotFound) as empty:
        load_dataset("aicity", tmp_path)
    assert str(tmp_path) in str(empty.value)
    _assert_access_hint(str(empty.value))
    with pytest.raises(DatasetNotFound) as absent:
        load_dataset("aicity", tmp_path / "nowhere")
    _assert_access_hint(str(absent.value))
    monkeypatch.delenv("TRACKBENCH_DATA", raising=False)
    with pytest.raises(DatasetNotFound) as no_root:
        load_dataset("aicity")
    _assert_access_hint(str(no_root.value))


def test_cli_without_data_gives_a_clear_message(tmp_path: Path) -> None:
    result = CliRunner(env={"TRACKBENCH_DATA": None}).invoke(
        app, ["run", "--dataset", "aicity", "--trackers", "sort", "--results", str(tmp_path)])
    assert result.exit_code == 2
    _assert_access_hint(result.output)


def test_load_dataset_passes_options(cityflow: Path) -> None:
    seqs = load_dataset("aicity", cityflow, ["S01/c002"], detector="ssd512", use_roi=False)
    assert _names(seqs) == ["S01_c002"] and seqs[0].det_path.endswith("det_ssd512.txt")


# --- end to end ------------------------------------------------------------------------


def _bench_run(root: Path, results: Path, name: str, trackers_: str, *extra: str):
    result = CliRunner().invoke(app, [
        "run", "--trackers", trackers_, "--dataset", "aicity", "--data-root", str(root),
        "--results", str(results), "--name", name, *extra,
    ])
    assert result.exit_code == 0, result.output
    board = pd.read_csv(results / name / "leaderboard.csv", index_col="tracker")
    return result, board


def test_end_to_end_sort(scenario: Path, tmp_path: Path) -> None:
    result, board = _bench_run(scenario, tmp_path, "roi", "sort")
    assert board.columns[0] == "IDF1"  # the challenge's ranking metric leads
    row = board.loc["sort"]
    assert row["MOTA"] > 50 and row["IDF1"] > 60 and row["GT_IDs"] >= 8
    assert (tmp_path / "roi" / "aicity" / "sort" / "data" / "S01_c001.txt").is_file()
    assert "two or more cameras" in " ".join(result.output.split())

    _, board_no_roi = _bench_run(scenario, tmp_path, "noroi", "sort", "--no-roi")
    no_roi = board_no_roi.loc["sort"]
    # The parked cars outside the ROI are tracked but are in no gt: only ROI filtering removes them.
    assert no_roi["FP"] > row["FP"] + 20
    assert no_roi["MOTA"] < row["MOTA"]
    assert no_roi["GT_Dets"] == row["GT_Dets"]


def test_end_to_end_sequence_filter_and_detector(scenario: Path, tmp_path: Path) -> None:
    _, board = _bench_run(scenario, tmp_path, "ssd", "sort", "--sequences", "S01/c001", "--detector", "ssd512")
    assert board.loc["sort", "MOTA"] > 30


def test_no_roi_is_refused_for_other_datasets(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", "--dataset", "synth", "--no-roi", "--results", str(tmp_path)])
    assert result.exit_code == 2 and "--no-roi applies to --dataset aicity only" in result.output


def test_end_to_end_deepsort_and_sort(scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKBENCH_CACHE", str(tmp_path / "cache"))
    # The generated detector's scores lie in 0.5-1.0, below Deep SORT's reference-app default
    # min_confidence of 0.8 (tuned for MOT16 FRCNN scores), so lower it as a user would.
    result, board = _bench_run(scenario, tmp_path, "both", "deepsort,sort", "--param", "min_confidence=0.3")
    assert {"deepsort", "sort"} <= set(board.index), result.output
    assert board.columns[0] == "IDF1"
    assert board.loc["deepsort", "MOTA"] > 50, result.output


# --- the real AI City detections (../shared) -----------------------------------------------


shared = pytest.mark.skipif(not SHARED_DETS.is_dir(), reason=f"real AI City detections not present at {SHARED_DETS}")


@shared
@pytest.mark.shared
@pytest.mark.parametrize("detector, rows", [("yolo3", 13252), ("ssd512", 12009), ("mask_rcnn", 26938)])
def test_real_detections_load_with_each_detector(detector: str, rows: int) -> None:
    raw = load_aicity(SHARED_DETS, detector=detector, use_roi=False)[0]
    seq = load_aicity(SHARED_DETS, detector=detector)[0]
    assert len(raw.detections) == rows
    assert (seq.info.length, seq.info.width, seq.info.height, seq.info.fps) == (1955, 1920, 1080, 10.0)
    assert seq.source is None and not seq.has_gt
    assert seq.eval_spec.roi is not None and seq.eval_spec.roi.shape == (1080, 1920)
    assert 0.5 < seq.eval_spec.roi.mean() < 1.0  # the real mask cuts part of the image
    assert len(seq.detections) <= len(raw.detections)
    assert roi_filter(seq.detections.boxes, seq.eval_spec.roi).all()


@shared
@pytest.mark.shared
def test_real_detections_run_with_sort(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "run", "--trackers", "sort", "--dataset", "aicity", "--data-root", str(SHARED_DETS),
        "--detector", "ssd512", "--results", str(tmp_path), "--name", "real"])
    assert result.exit_code == 0, result.output
    out = read_mot_file(tmp_path / "real" / "aicity" / "sort" / "data" / "aicity-dets.txt", "result")
    assert len(out) > 1000 and out.last_frame <= 1955
    assert "no ground truth" in result.output
