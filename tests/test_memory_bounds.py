"""Issue 24's memory bounds, exercised with small monkeypatched ceilings instead of huge inputs.

Each bound has a test that it refuses (with file/line or sequence/frame) above
its ceiling and one that the bounded code gives what the unbounded code gave.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

from trackbench.datasets import image_header, line_limit
from trackbench.datasets.errors import DataFileError
from trackbench.datasets.frames import ImageFolderSource, image_size
from trackbench.datasets.motfile import MotFileError, read_mot_file
from trackbench.datasets.seqinfo import read_seqinfo
from trackbench.datasets.sequence import Detections, FrameTable, Sequence, SequenceInfo
from trackbench.harness.metrics import component_matching, verify
from trackbench.harness.metrics.pairs import build
from trackbench.harness.metrics.preprocess import SeqData
from trackbench.harness.metrics.sparse_frames import SparseFrames
from trackbench.harness.runs.sweep import parse_values
from trackbench.harness.runs.tracking import Variant, track_unit
from trackbench.trackers import create
from trackbench.trackers.core import association_limit
from trackbench.trackers.params import ParamError

INFO = SequenceInfo("CROWD-01", "test", 3, 25.0, 640, 480)


def _boxes(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 500, (n, 2))
    return np.hstack([xy, xy + rng.uniform(20, 60, (n, 2))])


# --- association ceiling (trackers) ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["sort", "bytetrack", "ocsort", "deepsort", "botsort", "rolo"])
def test_a_frame_above_the_association_ceiling_is_refused_before_any_matrix(name, monkeypatch) -> None:
    monkeypatch.setattr(association_limit, "MAX_CELLS", 50)
    tracker = create(name, {"embedder": "precomputed"} if name == "deepsort" else {})
    tracker.reset(INFO)
    feats = np.ones((10, 8), np.float32) / np.sqrt(8)
    dets = Detections(_boxes(10), np.full(10, 0.9), feats)
    tracker.update(None, dets)  # 10 detections x 0 tracks
    if len(tracker.tracks) * 10 <= 50:
        pytest.skip(f"{name} started {len(tracker.tracks)} tracks")
    with pytest.raises(association_limit.FrameTooLarge, match=r"10 detections x \d+ tracks"):
        tracker.update(None, dets)


def test_the_unit_fails_in_one_line_naming_sequence_and_frame(monkeypatch) -> None:
    monkeypatch.setattr(association_limit, "MAX_CELLS", 50)
    frames = np.repeat([1, 2, 3], 10)
    boxes = np.vstack([_boxes(10, seed) for seed in (1, 2, 3)])
    table = FrameTable(frames=frames, ids=np.full(30, -1), boxes=boxes, scores=np.ones(30),
                       classes=np.full(30, -1), visibility=np.ones(30))
    out = track_unit(Variant("sort"), Sequence(INFO, table))
    assert out.result.failed is not None and "\n" not in out.result.failed
    assert out.result.failed.startswith("FrameTooLarge: CROWD-01 frame 2: 10 detections x 10 tracks")
    assert "ceiling of 50" in out.result.failed


# --- scoring: sparse frames, per-frame flattening, identity by components --------------------------------


def _old_build_pairs(similarity: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """The whole-sequence flattening pairs.py did before (frames x gt x tracks cells at once)."""
    n_gt = np.array([s.shape[0] for s in similarity])
    n_trk = np.array([s.shape[1] for s in similarity])
    both = np.flatnonzero((n_gt > 0) & (n_trk > 0))
    all_iou = np.concatenate([similarity[t].ravel() for t in both]) if len(both) else np.zeros(0)
    cells = n_gt[both] * n_trk[both]
    cell_frame = np.repeat(both, cells)
    local = np.arange(len(all_iou)) - np.repeat(np.cumsum(cells) - cells, cells)
    keep = np.flatnonzero(all_iou > 0)
    frame, local = cell_frame[keep], local[keep]
    row, col = np.divmod(local, n_trk[frame])
    return frame, row, col, all_iou[keep]


def _random_seq(rng: np.random.Generator, frames: int = 40) -> tuple[SeqData, list[np.ndarray]]:
    dense, gt_ids, trk_ids = [], [], []
    for _ in range(frames):
        g, t = rng.integers(0, 6, 2)
        sim = np.where(rng.random((g, t)) < 0.4, rng.random((g, t)), 0.0)
        if sim.size and rng.random() < 0.2:
            sim.flat[0] = -0.0
        dense.append(sim)
        gt_ids.append(rng.permutation(8)[:g].astype(np.int64))
        trk_ids.append(rng.permutation(8)[:t].astype(np.int64))
    seq = SeqData(frames, gt_ids, trk_ids, SparseFrames(dense), 8, 8, sum(map(len, gt_ids)), sum(map(len, trk_ids)))
    return seq, dense


@pytest.mark.parametrize("seed", range(5))
def test_sparse_frames_give_back_every_matrix_and_the_flattening_is_unchanged(seed) -> None:
    rng = np.random.default_rng(seed)
    seq, dense = _random_seq(rng)
    for t, sim in enumerate(dense):
        back = seq.similarity[t]
        assert back.shape == sim.shape and back.dtype == np.float64
        assert np.array_equal(back, sim)
        assert np.array_equal(back.sum(1), sim.sum(1)) and np.array_equal(back.sum(0), sim.sum(0))
    flat = build(seq)
    frame, row, col, iou = _old_build_pairs(dense)
    starts = np.concatenate(([0], np.cumsum([s.shape[0] for s in dense])))
    tstarts = np.concatenate(([0], np.cumsum([s.shape[1] for s in dense])))
    assert np.array_equal(flat.pair_frame, frame)
    assert np.array_equal(flat.pair_gt, starts[frame] + row)
    assert np.array_equal(flat.pair_trk, tstarts[frame] + col)
    assert np.array_equal(flat.pair_iou, iou)


def test_sparse_frames_keep_nan_and_cost_only_the_overlapping_cells() -> None:
    sim = np.zeros((500, 500))
    sim[3, 4], sim[7, 1] = 0.25, np.nan
    frames = SparseFrames([sim])
    assert np.isnan(frames[0][7, 1]) and frames[0][3, 4] == 0.25
    assert frames.nbytes == 2 * (4 + 8)  # not 500 x 500 x 8


@pytest.mark.parametrize("seed", range(8))
def test_identity_matching_by_components_equals_the_dense_solve(seed, monkeypatch) -> None:
    rng = np.random.default_rng(seed)
    monkeypatch.setattr(component_matching, "DENSE_CELLS", 0)  # always by components
    n_rows, n_cols = rng.integers(5, 40, 2)
    table = np.where(rng.random((n_rows, n_cols)) < 0.08, rng.integers(1, 50, (n_rows, n_cols)), 0)
    table = table[table.any(1)][:, table.any(0)]
    row, col = np.nonzero(table)
    r, c = linear_sum_assignment(table, maximize=True)
    assert component_matching.max_weight_total(row, col, table[row, col]) == int(table[r, c].sum())


def test_a_component_above_the_matching_ceiling_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(component_matching, "DENSE_CELLS", 0)
    monkeypatch.setattr(component_matching, "MAX_CELLS", 3)
    row, col = np.array([0, 0, 1, 2]), np.array([0, 1, 1, 2])  # components {r0, r1, c0, c1} and {r2, c2}
    with pytest.raises(component_matching.MatchingTooLarge, match="SEQ: 2 gt ids x 2 tracker ids"):
        component_matching.max_weight_total(row, col, np.ones(4, np.int64), "SEQ: ")
    monkeypatch.setattr(component_matching, "MAX_CELLS", 4)
    assert component_matching.max_weight_total(row, col, np.array([5, 1, 7, 2])) == 5 + 7 + 2


def test_verify_refuses_before_the_libraries_allocate_more_than_the_ceiling(monkeypatch) -> None:
    ids = np.arange(1, 101)
    table = FrameTable(frames=np.ones(100, np.int64), ids=ids, boxes=_boxes(100), scores=np.ones(100),
                       classes=np.ones(100, np.int64), visibility=np.ones(100))

    class Job:
        name, gt, result = "CROWD-01", table, table

    verify.check_library_memory([Job])  # 100 x 100 ids: well under 4 GiB
    monkeypatch.setattr(verify, "MAX_LIBRARY_BYTES", verify.library_bytes(100, 100) - 1)
    with pytest.raises(ValueError, match=r"CROWD-01: --verify cannot run the libraries here: 100 gt ids x 100"):
        verify.check_library_memory([Job])
    assert verify.library_bytes(100_000, 100_000) / (1 << 30) > 74  # the 75 GiB TrackEval asked for


# --- pixel limit --------------------------------------------------------------------------------------


def _png(path: Path, width: int, height: int) -> None:
    """A black grey PNG written from its rows (no image array)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    idat = zlib.compress(b"".join(b"\0" * (width + 1) for _ in range(height)))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def test_an_image_above_the_pixel_limit_is_refused_from_its_header(tmp_path, monkeypatch) -> None:
    import cv2

    folder = tmp_path / "img1"
    folder.mkdir()
    _png(folder / "000001.jpg", 300, 200)  # a PNG named .jpg: judged by content
    cv2.imwrite(str(folder / "000002.jpg"), np.zeros((20, 30, 3), np.uint8))
    source = ImageFolderSource(folder, 2)
    assert source.read(1).shape == (200, 300, 3) and image_size(folder / "000001.jpg") == (300, 200)
    monkeypatch.setattr(image_header, "MAX_PIXELS", 300 * 200 - 1)
    monkeypatch.setattr(cv2, "imread", lambda *a: pytest.fail("decoded an image above the limit"))
    with pytest.raises(DataFileError, match=r"000001.jpg: image is 300x200 = 0 megapixels, above the limit"):
        source.read(1)
    with pytest.raises(DataFileError, match="300x200"):
        image_size(folder / "000001.jpg")
    assert image_header.header_size(folder / "000002.jpg") == (30, 20)


# --- line length -----------------------------------------------------------------------------------


@pytest.mark.parametrize("block", [7, 64, 1 << 20])  # lines split across read blocks, or not
def test_a_line_above_the_limit_is_refused_naming_file_and_line(tmp_path, monkeypatch, block) -> None:
    monkeypatch.setattr(line_limit, "MAX_LINE_BYTES", 40)
    monkeypatch.setattr(line_limit, "_BLOCK", block)
    det = tmp_path / "det.txt"
    rows = ["1,-1,10,20,30,40,0.9", "2,-1,11,21,31,41,0.8"]
    det.write_text("\n".join(rows + ["3,-1," + "9" * 40, rows[0]]) + "\n")
    with pytest.raises(MotFileError, match=rf"{det}:3: line longer than 40 bytes"):
        read_mot_file(det)
    det.write_text("\n".join(rows + ["3,-1,1," + "0" * 25 + ",3,4,0.5"]))  # 40 bytes, no final newline
    assert len(read_mot_file(det)) == 3
    det.write_text("\n".join(rows) + "\n" + "3" * 41)  # the last line, unterminated
    with pytest.raises(MotFileError, match=rf"{det}:3:"):
        read_mot_file(det)


# --- seqinfo frame rate, sweep ranges, charts -------------------------------------------------------


def test_an_implausible_frame_rate_is_refused_with_file_and_line(tmp_path) -> None:
    ini = tmp_path / "seqinfo.ini"
    ini.write_text("[Sequence]\nname=X\nseqLength=10\nframeRate=1e308\n")
    with pytest.raises(DataFileError, match=rf"{ini}:4: frameRate 1e308 is implausible \(at most 1000"):
        read_seqinfo(ini)
    ini.write_text("[Sequence]\nname=X\nseqLength=10\nframeRate=1000\n")
    assert read_seqinfo(ini).fps == 1000.0


@pytest.mark.parametrize("raw", ["0:1:1e-1000000", "0:1e999999:1", "0:10000:1"])
def test_a_range_with_too_many_values_is_refused_without_computing_them(raw) -> None:
    with pytest.raises(ParamError, match="range"):
        parse_values(raw)
    assert parse_values("0:9999:1")[-1] == "9999"


HOSTILE_LABELS = ["cost$^$", r"$\frac{a}$", "$x^2$ plain"]


def test_dollar_labels_crash_bare_matplotlib_but_every_chart_draws_them_verbatim(tmp_path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    bare = Figure()
    bare.subplots().set_title(r"$\frac{a}$")
    with pytest.raises(ValueError):  # the hostile input: mathtext cannot parse it
        bare.savefig(tmp_path / "bare.png")

    from trackbench.harness.report import charts
    from trackbench.harness.runs.sweep import Axis, plot_sweep

    overall = pd.DataFrame({"HOTA": [50.0, 60.0, 55.0], "MOTA": [40.0, 55.0, 45.0], "IDF1": [45.0, 65.0, 50.0],
                            "Hz": [100.0, 20.0, 50.0]}, index=HOSTILE_LABELS)
    assert charts.metric_bars(overall)[:4] == b"\x89PNG"
    assert charts.speed_accuracy(overall)[:4] == b"\x89PNG"
    grid = pd.DataFrame({"tracker": HOSTILE_LABELS * 2, "sequence": ["a$b$"] * 3 + ["$\\x$"] * 3,
                         "HOTA": np.linspace(30, 80, 6)})
    assert charts.sequence_heatmap(grid.set_index(["tracker", "sequence"]))[:4] == b"\x89PNG"
    table = pd.DataFrame({"tracker": ["sort"] * 3, "label": HOSTILE_LABELS, "HOTA": [1.0, 2.0, 3.0],
                          "MOTA": [1.0, 2.0, 3.0], "IDF1": [1.0, 2.0, 3.0]})
    assert charts.sweep_curves(table, "label")[:4] == b"\x89PNG"
    path = plot_sweep(table, [Axis("label", "label", HOSTILE_LABELS)], tmp_path / "sweep.png", title="$\\t$")
    assert path is not None and path.read_bytes()[:4] == b"\x89PNG"
    assert matplotlib.rcParams["text.parse_math"]  # the setting was local to the charts
