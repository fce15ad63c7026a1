"""``bench eval`` against TrackEval's own ``Evaluator`` on written files, edge cases included.

Hypothesis writes a gt file and a result file per example (float coordinates,
fractional gt confidences, boxes below machine epsilon in area, zero-area
boxes, boxes that repeat a gt box exactly or overlap it at IoU 0.5 up to rounding;
MOT17 layout: 9-column gt with class and visibility; MOT15 layout: 10-column
gt; results with 7 or 10 columns) and scores them twice: with trackbench's
``bench eval`` entry point (:func:`trackbench.harness.metrics.folders.evaluate_folders`)
and with ``trackeval.Evaluator`` + ``trackeval.datasets.MotChallenge2DBox``
+ ``HOTA``, ``CLEAR``, ``Identity`` (and ``Count``, which the Evaluator adds).  Every count must be equal and
every ratio equal within 1e-9.  A 7-column gt (no class, no world
coordinates), which trackbench scores MOT15-style, is refused by TrackEval
("not enough rows"); TrackEval gets the same rows padded with ``-1,-1,-1``,
the MOT15 layout they stand for.

Examples per run: :data:`EXAMPLES` (derandomised, so CI sees the same cases
every run); about 20 s on a loaded 2-core machine.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

trackeval = pytest.importorskip("trackeval")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import trackeval_datasets as te  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from trackbench.harness.metrics.evaluate import count_sequences  # noqa: E402
from trackbench.harness.metrics.folders import evaluate_folders, find_gt_sequences, load_job  # noqa: E402

#: Hypothesis examples per run (each writes two files and runs both evaluators).
EXAMPLES = 150
SEQ = "SEQ-01"
TRACKER = "trk"
#: Values seen in the conf column of gt files in the wild, and fractional ones TrackEval truncates.
GT_CONFS = (0.0, 1.0, 1.0, 1.0, 0.5, 0.3, 0.999, 1.5, -1.0)
#: Box sizes (pixels): ordinary, tiny but above machine epsilon in area, below it, and zero in one side.
SIDES = (40.25, 17.0, 3.5, 1e-7, 1e-9, 3e-12, 0.0)


@dataclass(frozen=True)
class Case:
    """One written sequence: its gt and result rows (full MOT rows) and its layout."""

    length: int
    gt_rows: list[list[float]]
    result_rows: list[list[float]]
    gt_columns: int  # 7, 9 (MOT17: class, visibility) or 10 (MOT15)
    result_columns: int  # 7 or 10

    @property
    def benchmark(self) -> str:
        return "MOT17" if self.gt_columns == 9 else "MOT15"


@st.composite
def boxes(draw) -> tuple[float, float, float, float]:
    """A tlwh box with float coordinates; its sides drawn from :data:`SIDES` or free floats."""
    left = draw(st.floats(-5.0, 200.0, allow_nan=False).map(lambda v: round(v, 3)))
    top = draw(st.floats(-5.0, 200.0, allow_nan=False).map(lambda v: round(v, 3)))
    side = st.one_of(st.sampled_from(SIDES), st.floats(0.0, 80.0).map(lambda v: round(v, 2)))
    return left, top, draw(side), draw(side)


@st.composite
def near(draw, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A result box related to a gt box: the same, shifted by a third of its width (IoU 0.5 up to rounding),
    jittered, or free."""
    left, top, w, h = box
    kind = draw(st.sampled_from(("same", "third", "jitter", "free")))
    if kind == "same":
        return box
    if kind == "third":
        return left + w / 3, top, w, h
    if kind == "jitter":
        d = draw(st.lists(st.floats(-3.0, 3.0).map(lambda v: round(v, 2)), min_size=4, max_size=4))
        return left + d[0], top + d[1], max(w + d[2], 0.0), max(h + d[3], 0.0)
    return draw(boxes())


@st.composite
def cases(draw) -> Case:
    length = draw(st.integers(1, 6))
    gt_columns = draw(st.sampled_from((7, 9, 10)))
    result_columns = draw(st.sampled_from((7, 10)))
    gt_rows: list[list[float]] = []
    result_rows: list[list[float]] = []
    for frame in range(1, length + 1):
        gt_ids = draw(st.lists(st.integers(1, 5), max_size=4, unique=True))
        frame_gt = []
        for gid in gt_ids:
            box = draw(boxes())
            conf = draw(st.sampled_from(GT_CONFS))
            row = [frame, gid, *box, conf]
            if gt_columns == 9:
                row += [draw(st.sampled_from((1, 1, 1, 2, 3, 7, 8, 12, 13))), draw(st.sampled_from((0.0, 0.4, 1.0)))]
            frame_gt.append((row, box))
        gt_rows += [row for row, _ in frame_gt]
        trk_ids = draw(st.lists(st.integers(1, 6), max_size=4, unique=True))
        for tid in trk_ids:
            box = draw(near(frame_gt[tid % len(frame_gt)][1])) if frame_gt else draw(boxes())
            result_rows.append([frame, tid, *box, draw(st.sampled_from((1.0, 0.7)))])
    if not gt_rows:  # an empty gt.txt is refused by design; give the sequence one scored box
        gt_rows.append([1, 1, 10.0, 10.0, 20.0, 40.0, 1.0] + ([1, 1.0] if gt_columns == 9 else []))
    return Case(length, gt_rows, result_rows, gt_columns, result_columns)


def _line(row: list[float], columns: int) -> str:
    """One MOT text line, ``columns`` wide (10-column rows end in ``-1,-1,-1``), floats written exactly."""
    values = list(row) + [-1] * (columns - len(row))
    return ",".join(str(int(v)) if i < 2 else repr(float(v)) for i, v in enumerate(values))


def write_case(case: Case, root: Path, gt_columns: int) -> tuple[Path, Path]:
    """gt (TrackEval's layout, with seqinfo.ini) and the tracker's result file under ``root``."""
    seq = root / "gt" / f"{case.benchmark}-train" / SEQ
    (seq / "gt").mkdir(parents=True)
    (seq / "gt" / "gt.txt").write_text("".join(_line(r, gt_columns) + "\n" for r in case.gt_rows))
    (seq / "seqinfo.ini").write_text(f"[Sequence]\nname={SEQ}\nseqLength={case.length}\n")
    data = root / "trackers" / f"{case.benchmark}-train" / TRACKER / "data"
    data.mkdir(parents=True)
    (data / f"{SEQ}.txt").write_text("".join(_line(r, case.result_columns) + "\n" for r in case.result_rows))
    return root / "gt", root / "trackers"


def trackeval_results(case: Case, root: Path) -> dict[str, dict]:
    """TrackEval's own Evaluator on the files under ``root``: {metric family: its result dict} for the sequence.

    Run as ``benchmarks/trackeval_datasets.py`` runs it (HOTA, CLEAR, Identity; the Evaluator adds Count),
    which raises unless TrackEval reports success.
    """
    dataset = trackeval.datasets.MotChallenge2DBox({
        "GT_FOLDER": str(root / "gt"), "TRACKERS_FOLDER": str(root / "trackers"), "OUTPUT_FOLDER": str(root / "out"),
        "BENCHMARK": case.benchmark, "SPLIT_TO_EVAL": "train", "TRACKERS_TO_EVAL": [TRACKER],
        "SEQ_INFO": {SEQ: case.length}, "PRINT_CONFIG": False,
    })
    return te.run_evaluator(dataset)[TRACKER][SEQ]["pedestrian"]


#: trackbench column -> (TrackEval metric, field): counts, compared exactly (the benchmark's table).
COUNTS = te.COUNTS
#: trackbench column (percent) -> (TrackEval metric, field) (fraction; HOTA's are means over alpha).
RATIOS = {
    "MOTA": ("CLEAR", "MOTA"), "MOTP": ("CLEAR", "MOTP"), "IDF1": ("Identity", "IDF1"), "HOTA": ("HOTA", "HOTA"),
    "DetA": ("HOTA", "DetA"), "AssA": ("HOTA", "AssA"), "LocA": ("HOTA", "LocA"),
}
#: Counts both CLEAR backends define the same way (motmetrics may differ on IDsw, Frag, and Frames of a
#: sequence with no tracker box, where TrackEval returns early with 0).
BACKEND_INDEPENDENT = ("GT_Dets", "Dets", "GT_IDs")


def _check(case: Case) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        mine, theirs = Path(tmp) / "bench", Path(tmp) / "trackeval"
        gt_root, results_root = write_case(case, mine, case.gt_columns)
        write_case(case, theirs, 10 if case.gt_columns == 7 else case.gt_columns)
        want = trackeval_results(case, theirs)
        table = evaluate_folders(gt_root, results_root, backend="trackeval", verify=True)
        row = table.loc[SEQ]
        assert table.attrs["benchmark"][SEQ] == case.benchmark
        for column, (metric, key) in COUNTS.items():
            assert int(row[column]) == int(want[metric][key]), f"{column}: bench {row[column]} != TrackEval {want[metric][key]}"
        for column, (metric, key) in RATIOS.items():
            expected = 100.0 * float(np.mean(want[metric][key]))
            assert np.isclose(row[column], expected, rtol=1e-9, atol=1e-9), f"{column}: {row[column]} != {expected}"
        job, _ = load_job(find_gt_sequences(gt_root)[0], _result_file(results_root, case), "auto")
        hota = count_sequences([job], backend="trackeval")[0].counts["HOTA"]
        for key in ("HOTA_TP", "HOTA_FN", "HOTA_FP"):
            assert np.array_equal(hota[key], want["HOTA"][key]), key
        other = evaluate_folders(gt_root, results_root, backend="motmetrics", verify=True).loc[SEQ]
        for column in BACKEND_INDEPENDENT:
            assert int(other[column]) == int(row[column]), column
        for column in ("HOTA", "DetA", "AssA"):
            assert other[column] == row[column], column


def _result_file(results_root: Path, case: Case) -> Path:
    return results_root / f"{case.benchmark}-train" / TRACKER / "data" / f"{SEQ}.txt"


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_bench_eval_counts_what_trackeval_counts(case: Case) -> None:
    _check(case)


def _one_frame(gt: list[list[float]], result: list[list[float]], gt_columns: int = 10) -> Case:
    return Case(1, gt, result, gt_columns, 10)


def test_boxes_below_machine_epsilon_never_match() -> None:
    """Two identical 1e-9-pixel boxes: TrackEval scores their IoU 0, so one FN and one FP (MOTA -100, not 100)."""
    tiny = [1e-9, 1e-9]
    case = _one_frame([[1, 1, 5.0, 5.0, *tiny, 1.0]], [[1, 1, 5.0, 5.0, *tiny, 1.0]])
    _check(case)
    with tempfile.TemporaryDirectory() as tmp:
        gt_root, results_root = write_case(case, Path(tmp), 10)
        row = evaluate_folders(gt_root, results_root).loc[SEQ]
    assert (int(row["TP"]), int(row["FN"]), int(row["FP"]), float(row["MOTA"])) == (0, 1, 1, -100.0)


def test_fractional_gt_conf_is_truncated_like_trackeval() -> None:
    """A gt row with conf 0.5 is not scored (int(0.5) == 0); conf 1.5 and -1 are."""
    gt = [[1, 1, 0.0, 0.0, 10.0, 10.0, 0.5], [1, 2, 20.0, 0.0, 10.0, 10.0, 1.5], [1, 3, 40.0, 0.0, 10.0, 10.0, -1.0]]
    case = _one_frame(gt, [[1, 7, 0.0, 0.0, 10.0, 10.0, 1.0]])
    _check(case)
    with tempfile.TemporaryDirectory() as tmp:
        gt_root, results_root = write_case(case, Path(tmp), 10)
        row = evaluate_folders(gt_root, results_root).loc[SEQ]
    assert (int(row["GT_Dets"]), int(row["TP"]), int(row["FP"])) == (2, 0, 1)
