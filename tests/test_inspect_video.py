"""``bench inspect --video``: a clip per chosen event (and for ``--video-frames A:B``) that OpenCV decodes with the
expected frames and size, referenced by the page next to its event; a clear note where a sequence has no images;
nothing half-written when a clip fails; stale clips removed only once the new page is in place.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from test_inspect import HOSTILE, page_json, scripted_case, write_mot
from trackbench.datasets.sequence import EvalSpec
from trackbench.harness.cli import app
from trackbench.harness.inspect.build import SequenceInput, page_name, sequence_page
from trackbench.harness.inspect.clip_frames import clip_size
from trackbench.harness.inspect.clips import VideoRequest, clip_folder, parse_frames, prune

runner = CliRunner()
SIZE = (320, 240)  # (width, height) of the stand-in frames


def frame_image(frame: int) -> np.ndarray:
    """A stand-in frame: a gradient with the frame number, so the encoder has real content."""
    image = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    image[:] = np.linspace(40, 200, SIZE[0], dtype=np.uint8)[None, :, None]
    cv2.putText(image, str(frame), (130, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (255, 255, 255), 2)
    return image


def decoded(path: Path) -> tuple[int, tuple[int, int]]:
    """(frames, (width, height)) as OpenCV decodes the file, counting frames by reading them all."""
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), path
    frames, size = 0, None
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames += 1
        size = (image.shape[1], image.shape[0])
    capture.release()
    return frames, size


def clips_of(data: dict) -> list[dict]:
    """Every event clip on a page, with its tracker index and event."""
    return [dict(e["v"], ti=ti, event=e) for ti, t in enumerate(data["trackers"]) for e in t["events"] if "v" in e]


def test_event_clips_decode_with_the_expected_frames_and_size(tmp_path) -> None:
    gt, trk = scripted_case()
    page = tmp_path / "seq.html"
    request = VideoRequest(max_clips=3, margin=2)
    html, _ = sequence_page(SequenceInput("seq", gt, EvalSpec(), 10, {"t": trk}, frame_image, "motmetrics"),
                            video=request, clip_dir=clip_folder(page))
    page.write_text(html)
    data = page_json(html)
    clips = clips_of(data)
    assert len(clips) == 3 and data["video"]["clips"] == 3
    # identity errors first, as crops: both switches and the merge get clips before any run
    assert sorted(c["event"]["k"] for c in clips) == ["merge", "switch", "switch"]
    for clip in clips:
        event = clip["event"]
        assert (clip["a"], clip["b"]) == (max(1, event["a"] - 2), min(10, event["b"] + 2))
        path = page.parent / unquote(clip["src"])
        assert path.parent == clip_folder(page) and path.is_file() and clip["ok"]
        assert decoded(path) == (clip["b"] - clip["a"] + 1, SIZE)
    assert not [p for p in clip_folder(page).iterdir() if p.name.startswith(".")]  # no partial left behind


def test_a_clip_that_cannot_be_read_leaves_no_file_and_says_so(tmp_path) -> None:
    gt, trk = scripted_case()

    def read(frame: int) -> np.ndarray:
        if frame == 6:
            raise OSError("frame 6 is damaged")
        return frame_image(frame)

    folder = tmp_path / "seq.clips"
    html, _ = sequence_page(SequenceInput("seq", gt, EvalSpec(), 10, {"t": trk}, read, "motmetrics"),
                            video=VideoRequest(max_clips=10, margin=1), clip_dir=folder)
    data = page_json(html)
    written = {p.name for p in folder.iterdir()}
    assert written == {unquote(c["src"]).split("/")[1] for c in clips_of(data)}  # only complete clips, all used
    assert all(not (c["a"] <= 6 <= c["b"]) for c in clips_of(data))
    assert any("frame 6 is damaged" in n for n in data["video"]["notes"])


def test_names_from_data_reach_clips_only_as_safe_paths(tmp_path) -> None:
    gt, trk = scripted_case()
    page = tmp_path / page_name(HOSTILE)
    html, _ = sequence_page(SequenceInput(HOSTILE, gt, EvalSpec(), 10, {HOSTILE: trk, "B&<b>": trk}, frame_image,
                                          "motmetrics"), video=VideoRequest(max_clips=1), clip_dir=clip_folder(page))
    assert html.count("</script>") == 2 and "<b>" not in html
    clips = clips_of(page_json(html))
    assert len(clips) == 2  # one per tracker
    for clip in clips:
        assert re.fullmatch(r"[A-Za-z0-9._=+%-]+\.clips/t[01]-e\d+\.mp4", clip["src"]), clip["src"]
        assert (tmp_path / unquote(clip["src"])).is_file()


def test_frame_range_option_parses_strictly() -> None:
    assert parse_frames("5:12") == (5, 12)
    for bad in ("12:5", "0:3", "a:b", "5"):
        with pytest.raises(ValueError):
            parse_frames(bad)


def test_prune_removes_only_stale_clips(tmp_path) -> None:
    for name in ("t0-e1.mp4", "t0-e2.mp4", ".t0-e3.partial.mp4", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    prune(tmp_path, {"t0-e1.mp4"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "t0-e1.mp4"]


def test_box_only_sequence_gets_a_note_not_clips(tmp_path) -> None:
    gt, trk = scripted_case()
    write_mot(tmp_path / "gt" / "SEQ-1" / "gt" / "gt.txt", gt)
    write_mot(tmp_path / "res" / "SEQ-1.txt", trk)
    done = runner.invoke(app, ["inspect", "--gt", str(tmp_path / "gt"), "--results", str(tmp_path / "res"),
                               "--video"])
    assert done.exit_code == 0, done.output
    assert "no images" in done.output
    data = page_json((tmp_path / "res" / "inspect" / "SEQ-1.html").read_text())
    assert any("no images" in n for n in data["video"]["notes"]) and not clips_of(data)
    assert not (tmp_path / "res" / "inspect" / "SEQ-1.clips").exists()


def test_synthetic_run_gets_clips_and_a_range_clip(tmp_path) -> None:
    """End to end on the built-in synthetic set (rendered frames): a run folder, ``--video --video-frames``."""
    ran = runner.invoke(app, ["run", "-t", "sort", "-d", "synth", "-s", "synth-01", "--max-frames", "30",
                              "--results", str(tmp_path), "--name", "r"])
    assert ran.exit_code == 0, ran.output
    run = tmp_path / "r"
    done = runner.invoke(app, ["inspect", str(run), "--video", "--max-clips", "2", "--clip-margin", "3",
                               "--video-frames", "5:12"])
    assert done.exit_code == 0, done.output
    assert "clips synth-01" in done.output  # the encoding's progress
    page = run / "inspect" / "synth-01.html"
    data = page_json(page.read_text())
    clips = clips_of(data)
    assert 1 <= len(clips) <= 2 and data["video"]["range"]["a"] == 5
    size = clip_size(640, 360)
    for clip in clips + [data["video"]["range"]]:
        assert decoded(page.parent / unquote(clip["src"])) == (clip["b"] - clip["a"] + 1, size)
    capture = cv2.VideoCapture(str(page.parent / unquote(clips[0]["src"])))
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(25, abs=0.1)  # the sequence's own frame rate
    # a rerun without the range clip removes its file once the new page is written
    again = runner.invoke(app, ["inspect", str(run), "--video", "--max-clips", "1"])
    assert again.exit_code == 0, again.output
    left = sorted(p.name for p in clip_folder(page).iterdir())
    assert left == [unquote(c["src"]).split("/")[1] for c in clips_of(page_json(page.read_text()))]


@pytest.mark.shared
def test_pets09_clips_from_real_frames(tmp_path, shared_data) -> None:
    """PETS09-S2L1 (768x576 JPEGs): a result with relabelled ids gives switch clips of the real frames."""
    from trackbench.datasets.motfile import read_mot_file

    gt = read_mot_file(shared_data / "mot15" / "PETS09-S2L1" / "gt" / "gt.txt", "gt")
    ids = gt.ids.copy()
    ids[(gt.frames >= 100) & (ids == ids[0])] += 1000  # the first object changes id at frame 100: a switch
    lines = [f"{f},{i},{b[0]},{b[1]},{b[2] - b[0]},{b[3] - b[1]},1,-1,-1,-1"
             for f, i, b in zip(gt.frames.tolist(), ids.tolist(), gt.boxes.tolist())]
    (tmp_path / "res").mkdir()
    (tmp_path / "res" / "PETS09-S2L1.txt").write_text("\n".join(lines) + "\n")
    done = runner.invoke(app, ["inspect", "--gt", str(shared_data / "mot15"), "--results", str(tmp_path / "res"),
                               "--sequences", "PETS09-S2L1", "--video", "--max-clips", "1", "--clip-margin", "4",
                               "--out", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    page = tmp_path / "out" / "PETS09-S2L1.html"
    clip, = clips_of(page_json(page.read_text()))
    assert clip["event"]["k"] == "switch" and (clip["a"], clip["b"]) == (95, 104)
    assert decoded(page.parent / unquote(clip["src"])) == (10, (768, 576))
    assert re.search(r'"src":"PETS09-S2L1\.clips/t0-e\d+\.mp4"', page.read_text())
    assert json.loads((tmp_path / "out" / "index.json").read_text())["pages"][0]["file"] == "PETS09-S2L1.html"
