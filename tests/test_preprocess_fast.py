"""MOTChallenge preprocessing on whole sequences gives what TrackEval's per-frame preprocessing gives, bit for bit.

:mod:`trackbench.harness.metrics.preprocess` finds a sequence's overlapping
pairs in one compiled pass, decides most distractor removals without the
solver, and builds the similarity matrices and :mod:`~trackbench.harness.metrics.pairs`'
flat arrays straight from the pairs.  The definitions it must meet:

* TrackEval itself (``MotChallenge2DBox.get_raw_seq_data`` and
  ``get_preprocessed_seq_data`` on the same files): randomised MOT17-style
  sequences on an integer grid, where IoU exactly 0.5, boxes of no area,
  identical gt boxes of a distractor and a pedestrian (tied assignments) and
  tracker boxes competing for one gt box are common, plus hand-made frames
  that take each road of the distractor removal;
* :func:`~trackbench.datasets.boxes.scoring_iou_matrix`, frame by frame, for
  the pairs and their IoU bits, on boxes of every kind (tiny, huge, inverted,
  infinite, NaN), with the kernel's buffer small enough to resume mid-frame;
* NumPy's own ``sum`` of every dense frame matrix, for the flat arrays' row
  and column sums (HOTA's denominators), on frames of every shape.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
import trackeval
from hypothesis import given, settings
from hypothesis import strategies as st

from trackbench.datasets.boxes import scoring_iou_matrix, tlbr_to_tlwh
from trackbench.datasets.mot_scoring import spec_for_benchmark
from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import FrameTable
from trackbench.harness.metrics import pairs, preprocess
from trackbench.harness.metrics.preprocess import SeqData, frame_starts, overlapping_pairs
from trackbench.harness.metrics.sparse_frames import SparseFrames

SEQ = "MOT17-99-FAKE"
Row = tuple[int, int, int, int, int, int]  # frame, id, left, top, width, height


# --------------------------------------------------------------------------- TrackEval


def write_case(root: Path, length: int, gt: list[tuple[Row, float, int]], result: list[Row]) -> tuple[Path, Path]:
    """gt.txt (rows with conf and class) and the tracker file in TrackEval's layout (SKIP_SPLIT_FOL)."""
    gt_file = root / "gt" / SEQ / "gt" / "gt.txt"
    res_file = root / "trackers" / "mine" / "data" / f"{SEQ}.txt"
    gt_file.parent.mkdir(parents=True)
    res_file.parent.mkdir(parents=True)
    gt_file.write_text("".join(f"{f},{i},{x},{y},{w},{h},{conf:g},{cls},1\n" for (f, i, x, y, w, h), conf, cls in gt))
    res_file.write_text("".join(f"{f},{i},{x},{y},{w},{h},1,-1,-1,-1\n" for f, i, x, y, w, h in result))
    return gt_file, res_file


def trackeval_preprocessed(root: Path, length: int) -> dict:
    dataset = trackeval.datasets.MotChallenge2DBox({
        "GT_FOLDER": str(root / "gt"), "TRACKERS_FOLDER": str(root / "trackers"), "OUTPUT_FOLDER": str(root / "out"),
        "BENCHMARK": "MOT17", "SKIP_SPLIT_FOL": True, "SEQ_INFO": {SEQ: length}, "DO_PREPROC": True,
        "PRINT_CONFIG": False,
    })
    return dataset.get_preprocessed_seq_data(dataset.get_raw_seq_data("mine", SEQ), "pedestrian")


def assert_equals_trackeval(length: int, gt: list[tuple[Row, float, int]], result: list[Row]) -> SeqData:
    """Our SeqData of the files equals TrackEval's preprocessed data: ids, IoU bits, the kept tracker boxes."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        gt_file, res_file = write_case(root, length, gt, result)
        theirs = trackeval_preprocessed(root, length)
        result_table = read_mot_file(res_file, "result")
        ours = preprocess.preprocess(read_mot_file(gt_file, "gt"), result_table, spec_for_benchmark("MOT17"), length)
    for key in ("num_gt_ids", "num_tracker_ids", "num_gt_dets", "num_tracker_dets"):
        assert getattr(ours, key) == theirs[key], key
    kept = ours.tracker_rows
    for t in range(length):
        np.testing.assert_array_equal(ours.gt_ids[t], theirs["gt_ids"][t])
        np.testing.assert_array_equal(ours.tracker_ids[t], theirs["tracker_ids"][t])
        sim = ours.similarity[t]
        assert sim.shape == theirs["similarity_scores"][t].shape
        assert np.array_equal(sim, theirs["similarity_scores"][t]), t  # exact: no tolerance
        boxes = tlbr_to_tlwh(result_table.boxes[kept[result_table.frames[kept] == t + 1]])
        np.testing.assert_array_equal(boxes, np.asarray(theirs["tracker_dets"][t], float).reshape(-1, 4))
    assert_flat_sums_are_numpys(ours)
    return ours


@st.composite
def mot17_sequences(draw: st.DrawFn) -> tuple[int, list[tuple[Row, float, int]], list[Row]]:
    """MOT17-style gt (pedestrians, distractor classes, other classes, conf 0 rows) and a tracker file, on an
    integer grid: boxes drawn from a small pool (identical gt boxes of different classes, tied assignments),
    near copies of gt boxes (IoU around 0.5), boxes of no area."""
    length = draw(st.integers(1, 6))
    n_gt, n_res = draw(st.integers(0, 7)), draw(st.integers(0, 7))
    gt, result = [], []
    for frame in range(1, length + 1):
        pool = draw(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 5), st.integers(1, 5)),
                             min_size=1, max_size=4))
        here = []
        for i in range(1, n_gt + 1):
            if draw(st.integers(0, 3)):
                box = draw(st.sampled_from(pool))
                cls = draw(st.sampled_from((1, 1, 1, 2, 7, 8, 12, 3, 9)))
                conf = draw(st.sampled_from((1.0, 1.0, 0.0)))
                gt.append(((frame, i, *box), conf, cls))
                here.append(box)
        for hid in draw(st.permutations(range(1, n_res + 1)))[: draw(st.integers(0, n_res))]:
            x, y, w, h = draw(st.sampled_from(here or pool))
            if draw(st.booleans()):
                x, y = x + draw(st.integers(-2, 2)), y + draw(st.integers(-1, 1))
                w = max(0, w + draw(st.integers(-1, 1)))
            result.append((frame, hid, x, y, w, h))
    return length, gt, result


@settings(max_examples=200, deadline=None)
@given(mot17_sequences())
def test_random_mot17_sequences_equal_trackeval(case) -> None:
    assert_equals_trackeval(*case)


def test_each_road_of_the_distractor_removal_equals_trackeval(monkeypatch) -> None:
    """Frame 1: a box alone on a static person (removed, no solver).  Frame 2: a pedestrian and a static
    person with the same box, one tracker box on both (a tie: the solver decides, on TrackEval's matrix).
    Frame 3: two tracker boxes over one distractor (they compete: solved).  Frame 4: a distractor edge
    below 0.5 - eps (IoU 0.25: nothing to do).  Frame 5: IoU exactly 0.5 with a reflection (removed)."""
    gt = [((1, 1, 0, 0, 10, 10), 1.0, 1), ((1, 2, 20, 0, 10, 10), 0.0, 7),
          ((2, 1, 0, 0, 10, 10), 1.0, 1), ((2, 2, 0, 0, 10, 10), 0.0, 7),
          ((3, 1, 0, 0, 10, 10), 1.0, 8), ((3, 2, 30, 0, 10, 10), 1.0, 1),
          ((4, 1, 0, 0, 10, 10), 1.0, 2),
          ((5, 1, 0, 0, 10, 10), 1.0, 12)]
    result = [(1, 1, 0, 0, 10, 10), (1, 2, 20, 0, 10, 10),
              (2, 1, 0, 0, 10, 10),
              (3, 1, 0, 0, 10, 10), (3, 2, 1, 0, 10, 10), (3, 3, 30, 0, 10, 10),
              (4, 1, 6, 0, 10, 10),
              (5, 1, 0, 0, 10, 5)]
    solved = []
    real = preprocess.distractor_matches
    monkeypatch.setattr(preprocess, "distractor_matches", lambda iou, d: solved.append(iou.shape) or real(iou, d))
    ours = assert_equals_trackeval(5, gt, result)
    assert solved == [(2, 1), (2, 3)]  # frames 2 and 3 only, on their whole matrices
    assert [len(ids) for ids in ours.tracker_ids] == [1, 1, 2, 1, 0]


# --------------------------------------------------------------------------- the pairs and their IoU

VALUES = (0.0, -0.0, 1.0, 2.0, 3.0, 0.5, 2.5, 1e-9, 1 + 1e-15, -1.0, 1e-200, 1e50, 1e100, 1e101, 1e200, 1e300,
          -1e300, np.inf, -np.inf, np.nan)


@st.composite
def hostile_tables(draw: st.DrawFn) -> tuple[FrameTable, FrameTable, int]:
    """gt and result tables whose coordinates mix ordinary, tiny, huge, infinite and NaN values."""
    length = draw(st.integers(1, 4))
    plain = st.integers(0, 6).map(float)
    coordinate = st.one_of(plain, plain, plain, st.sampled_from(VALUES))

    def rows() -> list[tuple[float, ...]]:
        out = []
        for frame in range(1, length + 1):
            for _ in range(draw(st.integers(0, 5))):
                x, y = draw(coordinate), draw(coordinate)
                out.append((frame, x, y, x + draw(coordinate), y + draw(coordinate)))
        return out

    def table(data: list[tuple[float, ...]]) -> FrameTable:
        arr = np.asarray(data, float).reshape(-1, 5)
        n = len(arr)
        return FrameTable(frames=arr[:, 0].astype(np.int64), ids=np.arange(n), boxes=arr[:, 1:].copy(),
                          scores=np.ones(n), classes=np.ones(n, np.int64), visibility=np.ones(n))

    return table(rows()), table(rows()), length


@settings(max_examples=300, deadline=None)
@given(hostile_tables(), st.sampled_from((1, 3, preprocess.CANDIDATE_CHUNK)))
def test_overlapping_pairs_are_the_nonzero_cells_of_scoring_iou_matrix(case, chunk: int) -> None:
    """Every non-zero cell (NaN included) of every frame's matrix, in row-major order, with the same bits."""
    gt, result, length = case
    gs, rs = frame_starts(gt, length), frame_starts(result, length)
    want_gt, want_res, want_iou = [], [], []
    with np.errstate(all="ignore"):
        for t in range(length):
            dense = scoring_iou_matrix(gt.boxes[gs[t]:gs[t + 1]], result.boxes[rs[t]:rs[t + 1]])
            r, c = np.nonzero(dense != 0)
            want_gt.append(gs[t] + r)
            want_res.append(rs[t] + c)
            want_iou.append(dense[r, c])
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(preprocess, "CANDIDATE_CHUNK", chunk)  # the buffer fills mid-frame and resumes
            got_gt, got_res, got_iou = overlapping_pairs(gt, result, length)
    np.testing.assert_array_equal(got_gt, np.concatenate(want_gt))
    np.testing.assert_array_equal(got_res, np.concatenate(want_res))
    want_iou = np.concatenate(want_iou)
    nan = np.isnan(want_iou)  # NaN is kept as NaN; its sign and payload depend on NumPy's loop, not on the formula
    np.testing.assert_array_equal(np.isnan(got_iou), nan)
    np.testing.assert_array_equal(got_iou[~nan].view(np.int64), want_iou[~nan].view(np.int64))  # the very bits


# --------------------------------------------------------------------------- the flat arrays' sums


def assert_flat_sums_are_numpys(seq: SeqData) -> None:
    """pairs.build's row and column sums are NumPy's sums of each dense frame matrix, bit for bit."""
    flat = pairs.build(seq)
    rows = [seq.similarity[t].sum(1) for t in range(seq.num_frames)]
    cols = [seq.similarity[t].sum(0) for t in range(seq.num_frames)]
    for got, want in ((flat.gt_row_sum, np.concatenate([[]] + rows)), (flat.trk_col_sum, np.concatenate([[]] + cols))):
        nan = np.isnan(want)
        np.testing.assert_array_equal(np.isnan(got), nan)
        np.testing.assert_array_equal(got[~nan].view(np.int64), want[~nan].view(np.int64))  # the very bits


SHAPES = [(1, 1), (1, 9), (9, 1), (2, 2), (3, 8), (8, 3), (5, 9), (9, 17), (17, 2), (1, 200), (200, 1), (40, 130),
          (130, 40), (2, 9000), (9000, 2), (1, 9000), (9000, 1), (0, 5), (5, 0)]


@pytest.mark.parametrize("block_cells", [1, 50, pairs.BLOCK_CELLS])
@pytest.mark.parametrize("seed", range(4))
def test_flat_row_and_column_sums_are_numpys(seed: int, block_cells: int, monkeypatch) -> None:
    """Frames of every shape, dense or sparse, with values of every magnitude (so the order of the additions
    shows in the bits), NaN and negative cells too."""
    monkeypatch.setattr(pairs, "BLOCK_CELLS", block_cells)
    rng = np.random.default_rng(seed)
    frames, gt_ids, trk_ids = [], [], []
    for g, h in [SHAPES[i] for i in rng.permutation(len(SHAPES))]:
        density = rng.choice([0.02, 0.3, 1.0])
        sim = np.where(rng.random((g, h)) < density, rng.random((g, h)) * 10.0 ** rng.integers(-8, 8, (g, h)), 0.0)
        if sim.size and rng.random() < 0.3:
            sim.flat[rng.integers(sim.size, size=2)] = [np.nan, -0.25]
        frames.append(sim)
        gt_ids.append(np.arange(g))
        trk_ids.append(np.arange(h))
    seq = SeqData(len(frames), gt_ids, trk_ids, SparseFrames(frames), 9000, 9000, sum(map(len, gt_ids)),
                  sum(map(len, trk_ids)))
    assert_flat_sums_are_numpys(seq)


def test_sparse_frames_from_cells_and_append_hold_the_same_frames() -> None:
    rng = np.random.default_rng(3)
    dense = [np.where(rng.random((g, h)) < 0.4, rng.random((g, h)), 0.0) for g, h in [(3, 4), (0, 2), (2, 0), (5, 5)]]
    appended = SparseFrames(dense[:2])
    for matrix in dense[2:]:
        appended.append(matrix)
    shapes, start, cells, values = appended.flat()
    rebuilt = SparseFrames.from_cells(shapes, start, cells, values)
    assert len(appended) == len(rebuilt) == 4
    for t, matrix in enumerate(dense):
        assert np.array_equal(appended[t], matrix) and np.array_equal(rebuilt[t], matrix)
    assert np.array_equal(rebuilt[-1], dense[-1])
    with pytest.raises(IndexError):
        rebuilt[4]
