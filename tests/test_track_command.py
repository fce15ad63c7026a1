"""`bench track VIDEO`: the background-subtraction detector, annotation, and the command end to end.

Generated videos have a known answer: a static grey textured background and a
coloured rectangle moving across it (plus one leaving through an edge, speckle
smaller than the size filters, and a stretch where nothing moves).  The real,
unlabelled traffic videos in ``../shared`` check that the command runs on what
users actually have.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from trackbench.trackers.detectors.bgsub import BackgroundSubtractionDetector, BgSubParams, blobs_to_detections
from trackbench.datasets.boxes import iou_matrix, tlbr_to_tlwh
from trackbench.datasets.motfile import read_mot_file
from trackbench.harness.report.annotate import AtomicVideoWriter, Trails, draw_tracks, id_colour
from trackbench.harness.cli import app
from trackbench.harness.cli.track import TrackRequest, execute

runner = CliRunner()
W, H, N = 240, 180, 70


def background(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.uniform(70, 170, (H, W)).astype(np.float32), (0, 0), 2.0)
    return cv2.cvtColor(noise.astype(np.uint8), cv2.COLOR_GRAY2BGR)


def car_box(frame: int) -> np.ndarray | None:
    """A 36x22 rectangle crossing left to right on frames 12-51 (after the background is learned)."""
    if not 12 <= frame <= 51:
        return None
    x = 10 + 4.5 * (frame - 12)
    return np.array([x, 80.0, x + 36, 102.0])


def leaver_box(frame: int) -> np.ndarray:
    """A 20x20 square drifting up and out through the top edge."""
    y = 40.0 - 3.0 * frame
    return np.array([180.0, y, 200.0, y + 20])


def scene(frame: int, base: np.ndarray) -> np.ndarray:
    image = base.copy()
    for box, colour in ((car_box(frame), (30, 30, 200)), (leaver_box(frame), (200, 120, 30))):
        if box is None:
            continue
        x1, y1, x2, y2 = np.clip(box, 0, [W, H, W, H]).astype(int)
        if x2 > x1 and y2 > y1:
            image[y1:y2, x1:x2] = colour
            image[y1:y2:4, x1:x2] //= 2  # stripes: texture for flow
    rng = np.random.default_rng(1000 + frame)
    for _ in range(3):  # speckle below the size filters
        x, y = rng.integers(0, W - 3), rng.integers(0, H - 3)
        image[y:y + 2, x:x + 2] = 255
    return image


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("video") / "street.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (W, H))
    assert writer.isOpened()
    base = background()
    for f in range(1, N + 1):
        writer.write(scene(f, base))
    writer.release()
    return path


def read_video(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, image = cap.read()
        if not ok:
            return frames
        frames.append(image)


# --- the detector ---------------------------------------------------------------------------


def test_bgsub_finds_the_moving_rectangle_and_ignores_speckle(video: Path) -> None:
    detector = BackgroundSubtractionDetector(BgSubParams(warmup=4))
    found = []
    for f, image in enumerate(read_video(video), start=1):
        dets = detector.detect(image)
        if f <= 4:
            assert len(dets) == 0  # warm-up: learning the background
            continue
        truth = car_box(f)
        if truth is not None:
            best = iou_matrix(truth, dets.boxes)[0].max() if len(dets) else 0.0
            found.append(best)
        areas = (dets.boxes[:, 2] - dets.boxes[:, 0]) * (dets.boxes[:, 3] - dets.boxes[:, 1])
        assert (areas >= 64).all() and ((dets.scores > 0) & (dets.scores <= 1)).all()
        if f > 60:
            assert len(dets) == 0, f"frame {f}: nothing moves, yet {dets.boxes}"
    assert np.mean(found) > 0.8 and min(found) > 0.6, np.round(found, 2)


def test_blob_size_filters() -> None:
    mask = np.zeros((100, 100), np.uint8)
    mask[10:12, 10:40] = 255  # 2 px high: below min_side
    mask[50:60, 50:60] = 255  # 100 px²: kept
    mask[70:75, 5:10] = 255  # 25 px²: below min_area
    dets = blobs_to_detections(mask, BgSubParams(min_area=64, min_side=4))
    assert dets.boxes.tolist() == [[50.0, 50.0, 60.0, 60.0]] and dets.scores.tolist() == [1.0]
    assert len(blobs_to_detections(np.full((50, 50), 255, np.uint8), BgSubParams(max_area_fraction=0.5))) == 0
    assert len(blobs_to_detections(np.zeros((50, 50), np.uint8), BgSubParams())) == 0


def test_bgsub_ignores_a_global_exposure_change() -> None:
    base = background(3)
    detector = BackgroundSubtractionDetector(BgSubParams(warmup=5))
    for _ in range(30):
        detector.detect(base)
    for step in range(1, 15):  # brightness ramps up 1.5 % per frame, like an automatic exposure
        assert len(detector.detect(cv2.convertScaleAbs(base, alpha=1 + 0.015 * step))) == 0


# --- annotation ---------------------------------------------------------------------------


def test_annotation_draws_ids_and_survives_wild_boxes(tmp_path: Path) -> None:
    image = np.zeros((H, W, 3), np.uint8)
    trails = Trails(5)
    boxes = np.array([[10, 10, 60, 60], [-1e9, -5, 1e9, 30], [np.nan, 0, 5, 5], [W - 2, H - 2, W + 50, H + 50]], float)
    ids = np.array([1, 2, 3, 4])
    for _ in range(3):
        trails.update(ids[:1], boxes[:1])
    draw_tracks(image, ids, boxes, trails, detections=boxes)
    assert image[10, 30].tolist() == list(id_colour(1))  # box edge in the id's colour
    assert id_colour(1) != id_colour(2)
    for _ in range(5):
        trails.update(np.zeros(0, np.int64), np.zeros((0, 4)))
    assert trails.points == {}


def test_video_writer_leaves_nothing_half_written(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="interrupted"):
        with AtomicVideoWriter(tmp_path / "clip_annotated", 10.0, (W, H)) as writer:
            writer.write(np.zeros((H, W, 3), np.uint8))
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with AtomicVideoWriter(tmp_path / "clip_annotated", 10.0, (W, H)) as writer:
        for _ in range(4):
            writer.write(np.zeros((H, W, 3), np.uint8))
    assert [p.name for p in tmp_path.iterdir()] == [writer.path.name]
    assert writer.path.suffix in (".mp4", ".webm") and len(read_video(writer.path)) == 4
    assert writer.browser_playable  # H.264, or VP8/VP9 WebM where no H.264 encoder is at hand
    assert (writer.note is None) == (writer.via == "OpenCV" and writer.format == "H.264 MP4")


def test_h264_through_imageio_ffmpeg_when_opencv_has_none(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("imageio_ffmpeg", reason="imageio-ffmpeg not installed (pip install 'trackbench[video]')")
    codecs = tuple(c for c in AtomicVideoWriter.CODECS if c[1] != "avc1")  # as on OpenCV's pip wheels
    monkeypatch.setattr(AtomicVideoWriter, "CODECS", codecs)
    with AtomicVideoWriter(tmp_path / "clip", 10.0, (W + 1, H + 1)) as writer:  # odd sides: padded to even
        for i in range(6):
            writer.write(np.full((H + 1, W + 1, 3), 30 * i, np.uint8))
    assert writer.path.suffix == ".mp4" and writer.via == "imageio-ffmpeg" and "libx264" in writer.note
    capture = cv2.VideoCapture(str(writer.path))
    assert capture.get(cv2.CAP_PROP_FOURCC) and int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 6
    fourcc = int(capture.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode()
    assert fourcc.lower() in ("avc1", "h264"), fourcc


def test_without_any_codec_the_frames_become_images(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(AtomicVideoWriter, "CODECS", ((".mp4", "ZZZZ", "nothing", True),))
    with AtomicVideoWriter(tmp_path / "clip_annotated", 10.0, (W, H)) as writer:
        for _ in range(3):
            writer.write(np.zeros((H, W, 3), np.uint8))
    assert writer.path == tmp_path / "clip_annotated_frames" and "JPEG" in writer.note
    assert sorted(p.name for p in writer.path.iterdir()) == ["000001.jpg", "000002.jpg", "000003.jpg"]
    assert [p.name for p in tmp_path.iterdir()] == ["clip_annotated_frames"]  # no partial folder left


@pytest.mark.skipif(not any(shutil.which(b) for b in ("chromium", "chromium-browser")),
                    reason="no chromium on PATH (Debian: apt-get install chromium)")
def test_the_annotated_video_plays_in_a_browser(tmp_path: Path) -> None:
    """Chromium decodes the written video: a <video> element reaches its first frame at the right size."""
    import subprocess

    with AtomicVideoWriter(tmp_path / "clip", 10.0, (W, H)) as writer:
        for i in range(10):
            writer.write(np.full((H, W, 3), 20 * i, np.uint8))
    page = tmp_path / "play.html"
    page.write_text(f'<video id="v" src="{writer.path.name}" muted></video><script>var v=document.getElementById("v");'
                    'v.addEventListener("loadeddata",function(){document.body.setAttribute("data-size",v.videoWidth+"x"+v.videoHeight)});'
                    'v.addEventListener("error",function(){document.body.setAttribute("data-size","error")});</script>')
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                           "--user-data-dir=/tmp/trackbench-chromium-test", "--virtual-time-budget=5000",
                           "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert f'data-size="{W}x{H}"' in done.stdout, (writer.format, done.stdout[-500:])


# --- bench track end to end -------------------------------------------------------------------


@pytest.mark.parametrize("tracker", ["sort", "camshift", "optical_flow"])
def test_bench_track_with_bgsub_writes_results_and_annotated_video(video: Path, tmp_path: Path, tracker: str) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["track", str(video), "--tracker", tracker, "--out", str(out), "--warmup", "4"])
    assert result.exit_code == 0, result.output
    assert "frames/s" in result.output and "end to end" in result.output
    files = sorted(p.name for p in out.iterdir())
    annotated = [f for f in files if f.startswith("street_annotated.")]
    assert "street.txt" in files and len(annotated) == 1, files
    assert set(files) == {"street.txt", annotated[0], "track.log"}, files  # no partial files; the progress log
    frames = read_video(out / annotated[0])
    assert len(frames) == N and frames[0].shape == (H, W, 3)
    table = read_mot_file(out / "street.txt", "result")
    # The crossing rectangle is one track for (nearly) its whole crossing.
    hits: dict[int, int] = {}
    for f in range(14, 52):
        rows = table.rows(f)
        overlap = iou_matrix(car_box(f), table.boxes[rows])[0]
        if len(overlap) and overlap.max() > 0.5:
            track_id = int(table.ids[rows][overlap.argmax()])
            hits[track_id] = hits.get(track_id, 0) + 1
    assert max(hits.values()) >= 34, hits
    assert np.isfinite(table.boxes).all()


def test_bench_track_with_a_detection_file_and_no_video(video: Path, tmp_path: Path) -> None:
    det_file = tmp_path / "det.txt"
    lines = []
    for f in range(1, N + 1):
        for box in (car_box(f), leaver_box(f)):
            if box is not None:
                x, y, w, h = tlbr_to_tlwh(box)[0]
                lines.append(f"{f},-1,{x},{y},{w},{h},0.9")
    det_file.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    outcome = execute(TrackRequest(video=video, tracker="meanshift", detections=det_file, out=out,
                                   video_out=False, detect_every=3, params=["min_hits=1"]))
    assert outcome.video_path is None and sorted(p.name for p in out.iterdir()) == ["street.txt", "track.log"]
    assert outcome.frames == N and outcome.tracks >= 1
    table = read_mot_file(outcome.result_path, "result")
    between = table.frames[(table.frames - 1) % 3 != 0]
    assert len(between) > 0  # tracks reported on frames without detections


@pytest.mark.parametrize("args, message", [
    (["--tracker", "nope"], "unknown tracker"),
    (["--detector", "yolo"], "unknown detector"),
    (["--detections", "det.txt", "--detector", "bgsub"], "not both"),
    (["--param", "max_age"], "name=value"),
])
def test_bench_track_explains_bad_options(video: Path, tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["track", str(video), "--out", str(tmp_path / "o"), *args])
    assert result.exit_code == 2 and message in result.output, result.output


def test_bench_track_explains_a_missing_video(tmp_path: Path) -> None:
    result = runner.invoke(app, ["track", str(tmp_path / "absent.mp4"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "video not found" in result.output


def test_bench_track_help_documents_every_option() -> None:
    result = runner.invoke(app, ["track", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--tracker", "--detections", "--detector", "--param", "--out", "--detect-every", "--no-video",
                   "--min-area", "--max-area-fraction", "--min-side", "--warmup"):
        assert option in result.output


# --- real, unlabelled traffic video ----------------------------------------------------------------


def test_bench_track_on_real_traffic_video(shared_data: Path, tmp_path: Path) -> None:
    """The freeway camera: cars are detected by background subtraction and tracked for many frames."""
    video = shared_data / "videos" / "freeway-320x240.avi"
    outcome = execute(TrackRequest(video=video, tracker="camshift", out=tmp_path, max_frames=150))
    assert outcome.frames == 150 and outcome.video_path is not None
    assert len(read_video(outcome.video_path)) == 150
    table = read_mot_file(outcome.result_path, "result")
    ids, lengths = np.unique(table.ids, return_counts=True)
    assert (lengths >= 20).sum() >= 5, dict(zip(ids.tolist(), lengths.tolist()))
    assert outcome.timings.track > 0 and outcome.timings.wall >= outcome.timings.track


def test_bench_run_notes_image_trackers_skipped_on_box_only_sequences(shared_data: Path, tmp_path: Path) -> None:
    # PETS09-S2L1 has frames, TUD-Campus is box-only: meanshift runs on the first and is skipped on the second.
    result = runner.invoke(app, ["run", "-t", "sort,meanshift", "-d", "mot15", "--data-root", str(shared_data / "mot15"),
                                 "-s", "TUD-Campus,PETS09-S2L1", "--max-frames", "15", "--results", str(tmp_path),
                                 "--name", "r"])
    assert result.exit_code == 0, result.output
    assert "meanshift skipped on TUD-Campus" in result.output and "needs images" in result.output
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    skipped = {(u["variant"], u["sequence"]): u["skipped"] for u in manifest["units"]}
    assert skipped[("sort", "TUD-Campus")] is None and skipped[("meanshift", "PETS09-S2L1")] is None
    assert "box-only" in skipped[("meanshift", "TUD-Campus")]
    # Named with -t on box-only data alone, it can run nowhere: refused before anything runs.
    refused = runner.invoke(app, ["run", "-t", "sort,meanshift", "-d", "mot15", "--data-root", str(shared_data / "mot15"),
                                  "-s", "TUD-Campus", "--results", str(tmp_path), "--name", "r2"])
    assert refused.exit_code == 2 and "meanshift cannot run on any selected sequence" in refused.output
    assert not (tmp_path / "r2").exists()
