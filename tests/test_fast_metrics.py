"""The fast scoring engine counts exactly what motmetrics and TrackEval count.

The libraries are the definition: every test here counts the same
preprocessed input twice, once with ``engine="library"`` (motmetrics'
``MOTAccumulator`` and metrics host, TrackEval's ``HOTA.eval_sequence``) and
once with the default fast engine, and asserts equality field by field:
counts exactly, ratios to a relative 1e-9.  Inputs: every shared real sequence
(the MOT15 and MOT17 ones with gt, with trackbench's SORT output; skipped without ``../shared``),
motmetrics' own TUD files, hand-built corner cases of motmetrics' matching,
and randomised sequences (hypothesis) on an integer grid, where exact ties and
IoU exactly 0.5 are common, among them crowds of identical boxes that send
most frames to the solvers (and HOTA's solver matrices filled in chunks of
every size).  The fast engine's array shortcuts are checked against the NumPy
calls they replace.
"""

from __future__ import annotations

from pathlib import Path

import motmetrics as mm
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trackbench.datasets import load_dataset
from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.mot_scoring import spec_for_benchmark
from trackbench.datasets.sequence import EvalSpec, FrameTable
from trackbench.harness.cli.app import app
from trackbench.harness.metrics import hota
from trackbench.harness.metrics.clear import MotmetricsFast as clear_fast
from trackbench.harness.metrics.evaluate import CLEAR_BACKENDS, count_sequence
from trackbench.trackers.sort.tracker import Sort

MM_DATA = Path(mm.__file__).resolve().parent / "data"
TUD = ("TUD-Campus", "TUD-Stadtmitte")
MOT15 = ("PETS09-S2L1", "TUD-Campus", "TUD-Stadtmitte")  # the shared MOT15 sequences that have gt
MOT17 = ("MOT17-02-FRCNN", "MOT17-04-FRCNN", "MOT17-05-FRCNN", "MOT17-10-FRCNN", "MOT17-11-FRCNN")
#: Fields that are counts (compared exactly); everything else is a ratio or a sum of IoUs.
COUNTS = {
    "num_frames", "num_objects", "num_predictions", "num_matches", "num_switches", "num_false_positives",
    "num_misses", "num_detections", "num_fragmentations", "num_unique_objects", "mostly_tracked",
    "partially_tracked", "mostly_lost", "idtp", "idfp", "idfn", "HOTA_TP", "HOTA_FN", "HOTA_FP",
}


def assert_same_counts(gt: FrameTable, result: FrameTable, spec: EvalSpec, length: int, backend: str = "motmetrics"):
    fast = count_sequence(gt, result, spec, length, backend=backend, engine="fast")
    library = count_sequence(gt, result, spec, length, backend=backend, engine="library")
    assert fast.counts.keys() == library.counts.keys()
    for family, want in library.counts.items():
        got = flat(fast.counts[family])
        want = flat(want)
        assert got.keys() == want.keys(), family
        for field, expected in want.items():
            a, b = np.asarray(got[field], float), np.asarray(expected, float)
            assert a.shape == b.shape, (family, field)
            if field.split(".")[-1] in COUNTS:
                np.testing.assert_array_equal(a, b, err_msg=f"{family} {field}")
            else:
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=0, equal_nan=True, err_msg=f"{family} {field}")
    return fast


def flat(counts: dict, prefix: str = "") -> dict:
    """Nested count records (TrackEval's CLEAR backend nests two metrics) as {"a.b": value}."""
    out = {}
    for key, value in counts.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def table(rows: list[tuple[int, int, float, float, float, float]], classes: list[int] | None = None,
          scores: list[float] | None = None) -> FrameTable:
    """A FrameTable from (frame, id, x1, y1, x2, y2) rows."""
    arr = np.asarray(rows, dtype=float).reshape(-1, 6)
    n = len(arr)
    return FrameTable(
        frames=arr[:, 0].astype(np.int64),
        ids=arr[:, 1].astype(np.int64),
        boxes=arr[:, 2:6].copy(),
        scores=np.ones(n) if scores is None else np.asarray(scores, float),
        classes=np.full(n, -1, np.int64) if classes is None else np.asarray(classes, np.int64),
        visibility=np.ones(n),
    )


def sort_result(seq) -> FrameTable:
    """trackbench's SORT run over a real sequence's public detections, as a result table."""
    tracker = Sort()
    tracker.reset(seq.info)
    rows = []
    for frame in range(1, seq.info.length + 1):
        out = tracker.update(None, seq.detections.detections(frame))
        rows += [(frame, i, *box) for i, box in zip(out.ids, out.boxes)]
    return table(rows)


# --------------------------------------------------------------------------- real sequences


@pytest.mark.parametrize("backend", CLEAR_BACKENDS)
@pytest.mark.parametrize("name", TUD)
def test_tud_files_shipped_with_motmetrics(name: str, backend: str) -> None:
    gt = read_mot_file(MM_DATA / name / "gt.txt", "gt")
    result = read_mot_file(MM_DATA / name / "test.txt", "result")
    counts = assert_same_counts(gt, result, EvalSpec(), max(gt.last_frame, result.last_frame), backend)
    if backend == "motmetrics":  # motmetrics' own published expectations for these files (its test suite)
        expected = {"TUD-Campus": (7, 13, 150), "TUD-Stadtmitte": (7, 45, 452)}[name]
        clear = counts.counts["CLEAR"]
        assert (clear["num_switches"], clear["num_false_positives"], clear["num_misses"]) == expected


@pytest.mark.shared
@pytest.mark.parametrize("backend", CLEAR_BACKENDS)
@pytest.mark.parametrize("name", MOT15)
def test_every_shared_mot15_sequence(shared_data: Path, name: str, backend: str) -> None:
    (seq,) = load_dataset("mot15", shared_data / "mot15", [name])
    assert_same_counts(seq.ground_truth, sort_result(seq), seq.eval_spec, seq.info.length, backend)


@pytest.mark.shared
@pytest.mark.parametrize("backend", CLEAR_BACKENDS)
@pytest.mark.parametrize("name", MOT17)
def test_every_shared_mot17_sequence(shared_data: Path, name: str, backend: str) -> None:
    (seq,) = load_dataset("mot17", shared_data / "mot17", [name])
    assert seq.eval_spec.distractor_classes  # MOT17 preprocessing: distractors removed first
    counts = assert_same_counts(seq.ground_truth, sort_result(seq), seq.eval_spec, seq.info.length, backend)
    clear = counts.counts["CLEAR"]
    if backend == "motmetrics":
        assert clear["num_switches"] > 0 and clear["num_fragmentations"] > 0
    else:
        assert clear["clear"]["IDSW"] > 0 and clear["clear"]["Frag"] > 0


# --------------------------------------------------------------------------- motmetrics' matching rules


def test_two_objects_claiming_one_previous_partner() -> None:
    """Frame 3: objects 1 and 2 both last matched hypothesis 7; the first in frame order keeps it.

    Object 1 keeps h7, so object 2 (whose only other box, h8, is below IoU 0.5) is missed and h8 is a
    false positive; had object 2 been served first, object 1 would have switched to h8.
    """
    gt = table([(1, 1, 0, 0, 10, 10), (2, 2, 0, 0, 10, 10), (3, 1, 0, 0, 10, 10), (3, 2, 1, 0, 11, 10)])
    res = table([(1, 7, 0, 0, 10, 10), (2, 7, 0, 0, 10, 10), (3, 7, 0, 0, 10, 10), (3, 8, -3, 0, 7, 10)])
    clear = assert_same_counts(gt, res, EvalSpec(), 3).counts["CLEAR"]
    assert (clear["num_switches"], clear["num_misses"], clear["num_false_positives"]) == (0, 1, 1)


def test_continuation_beats_a_better_new_pair_and_ties_break_like_the_library() -> None:
    """An object keeps its old partner within IoU 0.5 even when a closer box appears; equal boxes tie."""
    gt = table([(1, 1, 0, 0, 10, 10), (2, 1, 0, 0, 10, 10), (3, 1, 0, 0, 10, 10), (3, 2, 0, 0, 10, 10)])
    res = table([(1, 5, 2, 0, 12, 10), (2, 5, 3, 0, 13, 10), (2, 6, 0, 0, 10, 10),
                 (3, 6, 0, 0, 10, 10), (3, 9, 0, 0, 10, 10)])
    counts = assert_same_counts(gt, res, EvalSpec(), 3)
    assert counts.counts["CLEAR"]["num_switches"] == 1


def test_empty_sides() -> None:
    gt = table([(1, 1, 0, 0, 10, 10), (2, 1, 0, 0, 10, 10)])
    assert_same_counts(gt, table([]), EvalSpec(), 2)
    assert_same_counts(table([]), gt, EvalSpec(), 2)
    assert_same_counts(gt, table([(2, 4, 50, 50, 60, 60)]), EvalSpec(), 3)


# --------------------------------------------------------------------------- randomised


@st.composite
def sequences(draw: st.DrawFn) -> tuple[FrameTable, FrameTable, EvalSpec, int]:
    """Random gt and result on an integer grid: ties, IoU exactly 0.5, crowds, id swaps, gaps, distractors."""
    length = draw(st.integers(1, 10))
    n_gt, n_res = draw(st.integers(0, 6)), draw(st.integers(0, 7))
    crowded = draw(st.booleans())  # boxes piled up: several pairs within IoU 0.5 compete for one box
    coord = st.integers(0, 3) if crowded else st.integers(0, 12)
    size = st.integers(3, 6) if crowded else st.integers(1, 6)
    mot17 = draw(st.booleans())
    gt_rows, gt_classes, gt_scores, res_rows = [], [], [], []
    for frame in range(1, length + 1):
        for i in range(n_gt):
            if draw(st.integers(0, 3)):
                x, y, w, h = draw(coord), draw(coord), draw(size), draw(size)
                gt_rows.append((frame, i + 1, x, y, x + w, y + h))
                gt_classes.append(draw(st.sampled_from((1, 1, 1, 2, 7, 8, 12))) if mot17 else -1)
                gt_scores.append(float(draw(st.sampled_from((1, 1, 1, 0)))))
        ids = draw(st.permutations(range(1, n_res + 1)))
        for k, hid in enumerate(ids[: draw(st.integers(0, n_res))]):
            near = [r for r in gt_rows if r[0] == frame]
            if near and draw(st.booleans()):
                _, _, x1, y1, x2, y2 = near[k % len(near)]
                dx, dy, dw = draw(st.integers(-2, 2)), draw(st.integers(-2, 2)), draw(st.integers(-1, 1))
                res_rows.append((frame, hid, x1 + dx, y1 + dy, max(x1 + dx + 1, x2 + dx + dw), y2 + dy))
            else:
                x, y, w, h = draw(coord), draw(coord), draw(size), draw(size)
                res_rows.append((frame, hid, x, y, x + w, y + h))
    gt = table(gt_rows, gt_classes if mot17 else None, gt_scores)
    spec = spec_for_benchmark("MOT17") if mot17 and gt_rows else EvalSpec()
    return gt, table(res_rows), spec, length


@settings(max_examples=300, deadline=None)
@given(sequences(), st.sampled_from(CLEAR_BACKENDS))
def test_random_sequences(case: tuple[FrameTable, FrameTable, EvalSpec, int], backend: str) -> None:
    gt, result, spec, length = case
    assert_same_counts(gt, result, spec, length, backend)


@st.composite
def crowds(draw: st.DrawFn) -> tuple[FrameTable, FrameTable, int]:
    """Many boxes drawn from a few: identical gt and result boxes (exactly tied assignments), ids that
    swap boxes between frames, so that most frames need a solver and continuation claims collide."""
    length = draw(st.integers(1, 6))
    n_gt, n_res = draw(st.integers(1, 8)), draw(st.integers(1, 9))
    gt_rows, res_rows = [], []
    for frame in range(1, length + 1):
        pool = [(x, y, x + w, y + h) for x, y, w, h in
                draw(st.lists(st.tuples(*[st.integers(0, 2)] * 2, *[st.integers(2, 4)] * 2), min_size=1, max_size=3))]
        for i in range(n_gt):
            if draw(st.integers(0, 3)):
                gt_rows.append((frame, i + 1, *draw(st.sampled_from(pool))))
        for hid in draw(st.permutations(range(1, n_res + 1)))[: draw(st.integers(0, n_res))]:
            x1, y1, x2, y2 = draw(st.sampled_from(pool))
            dx = draw(st.sampled_from((0, 0, 0, 1, -1)))
            res_rows.append((frame, hid, x1 + dx, y1, x2 + dx, y2))
    return table(gt_rows), table(res_rows), length


@settings(max_examples=150, deadline=None)
@given(crowds(), st.sampled_from(CLEAR_BACKENDS), st.sampled_from((1, 20, hota.CHUNK_CELLS)))
def test_random_crowds(case: tuple[FrameTable, FrameTable, int], backend: str, chunk_cells: int) -> None:
    gt, result, length = case
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hota, "CHUNK_CELLS", chunk_cells)  # one frame per chunk, a few, or all of them
        assert_same_counts(gt, result, EvalSpec(), length, backend)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 60), max_size=40), st.booleans())
def test_sorted_unique_is_numpys_unique(keys: list[int], tabled: bool) -> None:
    keys_array = np.asarray(keys, np.int64)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hota, "DENSE_KEY_RANGE", 1 << 16 if tabled else 0)
        unique, inverse = hota._sorted_unique(keys_array, 61 + 1000 * (not tabled))
    want_unique, want_inverse = np.unique(keys_array, return_inverse=True)
    np.testing.assert_array_equal(unique, want_unique)
    np.testing.assert_array_equal(inverse, want_inverse.reshape(-1))
    assert inverse.dtype == np.int64 and inverse.shape == keys_array.shape


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from((0.0, 0.05, 0.1, 0.5, 0.55, 0.95, 1.0))), max_size=30),
       st.booleans())
def test_matches_per_id_pair_is_a_bincount_per_alpha(matches: list[tuple[int, float]], ascending: bool) -> None:
    alphas = hota.trackeval_metric().array_labels
    alphas = alphas if ascending else alphas[::-1]
    pair_of = np.asarray([m[0] for m in matches], np.int64)
    iou = np.asarray([m[1] for m in matches], float)
    passes = iou[None, :] >= (alphas - np.finfo(float).eps)[:, None]
    got = hota._matches_per_id_pair(pair_of, passes, alphas, 6)
    want = np.stack([np.bincount(pair_of, weights=p, minlength=6) for p in passes])
    np.testing.assert_array_equal(got, want)
    assert got.flags.c_contiguous  # row sums then add in the order they did per alpha


# --------------------------------------------------------------------------- bench eval --verify


def _tud_folders(tmp_path: Path) -> tuple[Path, Path]:
    gt_root, res_root = tmp_path / "gt", tmp_path / "res"
    res_root.mkdir()
    for name in TUD:
        (gt_root / name / "gt").mkdir(parents=True)
        (gt_root / name / "gt" / "gt.txt").write_bytes((MM_DATA / name / "gt.txt").read_bytes())
        (res_root / f"{name}.txt").write_bytes((MM_DATA / name / "test.txt").read_bytes())
    return gt_root, res_root


def test_eval_verify_passes_and_says_so(tmp_path: Path) -> None:
    gt_root, res_root = _tud_folders(tmp_path)
    out = CliRunner().invoke(app, ["eval", "--gt", str(gt_root), "--results", str(res_root), "--verify", "-j", "1"])
    assert out.exit_code == 0, out.output
    assert "verified: 2 result(s)" in out.output


def test_eval_verify_fails_on_a_wrong_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = clear_fast.evaluate

    def off_by_one(seq):
        counts = real(seq)
        counts["num_switches"] += 1
        return counts

    monkeypatch.setattr(clear_fast, "evaluate", off_by_one)
    gt_root, res_root = _tud_folders(tmp_path)
    out = CliRunner().invoke(app, ["eval", "--gt", str(gt_root), "--results", str(res_root), "--verify", "-j", "1"])
    assert out.exit_code == 1
    assert "verification failed" in out.output and "num_switches" in out.output
    plain = CliRunner().invoke(app, ["eval", "--gt", str(gt_root), "--results", str(res_root), "-j", "1"])
    assert plain.exit_code == 0  # without --verify nothing checks
