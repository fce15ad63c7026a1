"""Tests of harness.metrics against the libraries' own published numbers and end-to-end runs.

Expected numbers come from outside the code under test: motmetrics' published
TUD values (its README and its own ``test_metrics.py``), TrackEval's own
end-to-end evaluation (``trackeval.Evaluator`` + ``MotChallenge2DBox``) on the
same files, and motmetrics' own functions.  Real data only: the TUD files ship
inside the motmetrics wheel; MOT17 comes from ``../shared`` (skipped if absent).
"""

from __future__ import annotations

import dataclasses

import math
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import motmetrics as mm
import numpy as np
import pytest
import trackeval

from trackbench.datasets.mot_scoring import spec_for_benchmark
from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import EvalSpec, FrameTable
from trackbench.harness.metrics import clear, motmetrics_accumulator
from trackbench.harness.metrics.folders import evaluate_folders
from trackbench.harness.metrics.motmetrics_numpy2 import ensure_motmetrics_numpy2
from trackbench.harness.metrics.evaluate import (
    COMBINED,
    SequenceJob,
    combine,
    combine_counts,
    count_sequence,
    count_sequences,
    evaluate_sequence,
    finalize,
)
from trackbench.harness.metrics.preprocess import preprocess

MM_DATA = Path(mm.__file__).resolve().parent / "data"
TUD = ("TUD-Campus", "TUD-Stadtmitte")
MOT17_05 = "MOT17-05-FRCNN"
MOT17_05_LENGTH = 837
MOT17_02 = "MOT17-02-FRCNN"
MOT17_02_LENGTH = 600
HOTA_FIELDS = ("HOTA", "DetA", "AssA", "LocA", "DetRe", "DetPr", "AssRe", "AssPr")

# motmetrics' own expectations (motmetrics/tests/test_metrics.py::test_motchallenge_files),
# columns: idf1 idp idr recall precision GT MT PT ML FP FN IDsw Frag mota motp(distance).
MM_EXPECTED = {
    "TUD-Campus": (0.557659, 0.729730, 0.451253, 0.582173, 0.941441, 8, 1, 6, 1, 13, 150, 7, 7, 0.526462, 0.277201),
    "TUD-Stadtmitte": (0.644619, 0.819760, 0.531142, 0.608997, 0.939920, 10, 5, 4, 1, 45, 452, 7, 6, 0.564014, 0.345904),
    COMBINED: (0.624296, 0.799176, 0.512211, 0.602640, 0.940268, 18, 6, 10, 2, 58, 602, 14, 13, 0.555116, 0.330177),
}
MM_COLUMNS = ("IDF1", "IDP", "IDR", "Recall", "Precision", "GT_IDs", "MT", "PT", "ML", "FP", "FN", "IDsw", "Frag", "MOTA", "MOTP")
# motmetrics' README table (percent, one decimal).
MM_README = {
    "TUD-Campus": {"IDF1": 55.8, "MOTA": 52.6, "FP": 13, "FN": 150, "IDsw": 7},
    "TUD-Stadtmitte": {"IDF1": 64.5, "MOTA": 56.4, "FP": 45, "FN": 452, "IDsw": 7},
}


# --------------------------------------------------------------------------- helpers


def tud_tables(name: str) -> tuple[FrameTable, FrameTable, int]:
    gt = read_mot_file(MM_DATA / name / "gt.txt", "gt")
    result = read_mot_file(MM_DATA / name / "test.txt", "result")
    return gt, result, max(gt.last_frame, result.last_frame)


def tud_counts(name: str, backend: str = "motmetrics"):
    gt, result, length = tud_tables(name)
    return count_sequence(gt, result, EvalSpec(), length, name=name, backend=backend)


def write_trackeval_layout(root: Path, seqs: dict[str, tuple[Path, Path]]) -> tuple[Path, Path]:
    """gt/<seq>/gt/gt.txt and trackers/mine/data/<seq>.txt (TrackEval with SKIP_SPLIT_FOL)."""
    gt_root, trk_root = root / "gt", root / "trackers"
    for seq, (gt_file, res_file) in seqs.items():
        (gt_root / seq / "gt").mkdir(parents=True, exist_ok=True)
        (gt_root / seq / "gt" / "gt.txt").write_bytes(gt_file.read_bytes())
        (trk_root / "mine" / "data").mkdir(parents=True, exist_ok=True)
        (trk_root / "mine" / "data" / f"{seq}.txt").write_bytes(res_file.read_bytes())
    return gt_root, trk_root


def trackeval_dataset(gt_root: Path, trk_root: Path, lengths: dict[str, int], benchmark: str, preproc: bool):
    return trackeval.datasets.MotChallenge2DBox(
        {
            "GT_FOLDER": str(gt_root),
            "TRACKERS_FOLDER": str(trk_root),
            "OUTPUT_FOLDER": str(trk_root.parent / "out"),
            "BENCHMARK": benchmark,
            "SKIP_SPLIT_FOL": True,
            "SEQ_INFO": dict(lengths),
            "DO_PREPROC": preproc,
            "PRINT_CONFIG": False,
        }
    )


def run_trackeval(gt_root: Path, trk_root: Path, lengths: dict[str, int], benchmark: str, preproc: bool) -> dict[str, Any]:
    """TrackEval's own end-to-end result: {seq or 'COMBINED_SEQ': {'HOTA': .., 'CLEAR': .., 'Identity': ..}}."""
    evaluator = trackeval.Evaluator(
        {
            "USE_PARALLEL": False,
            "PRINT_RESULTS": False,
            "PRINT_CONFIG": False,
            "TIME_PROGRESS": False,
            "OUTPUT_SUMMARY": False,
            "OUTPUT_DETAILED": False,
            "PLOT_CURVES": False,
            "LOG_ON_ERROR": None,
        }
    )
    dataset = trackeval_dataset(gt_root, trk_root, lengths, benchmark, preproc)
    metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR({"PRINT_CONFIG": False}), trackeval.metrics.Identity({"PRINT_CONFIG": False})]
    res, msg = evaluator.evaluate([dataset], metrics)
    assert msg["MotChallenge2DBox"]["mine"] == "Success", msg
    return {seq: by_cls["pedestrian"] for seq, by_cls in res["MotChallenge2DBox"]["mine"].items()}


def assert_hota_equal(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Per-alpha arrays and the reported (alpha-mean, percent) values agree to 1e-9."""
    for field in HOTA_FIELDS:
        np.testing.assert_allclose(ours["counts"][field], theirs[field], rtol=0, atol=1e-9, err_msg=field)
        assert ours["metrics"][field] == pytest.approx(100 * float(np.mean(theirs[field])), abs=1e-9), field


def perturbed_mot17_result(gt_file: Path, out: Path, seed: int = 17, length: int = MOT17_05_LENGTH) -> None:
    """A plausible tracker file from gt boxes of ALL classes (so distractors get matched):
    jitter, 10 % rows dropped, a few identity swaps; deterministic."""
    rows = np.loadtxt(gt_file, delimiter=",")
    rng = np.random.default_rng(seed)
    rows = rows[rng.random(len(rows)) > 0.10]
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    wh = rows[:, 4:6].copy()
    rows[:, 2:4] += rng.normal(0, 0.05, size=(len(rows), 2)) * wh
    rows[:, 4:6] *= np.exp(rng.normal(0, 0.05, size=(len(rows), 2)))
    ids = np.unique(rows[:, 1])
    for a, b in rng.choice(ids, size=(8, 2), replace=False):
        later = rows[:, 0] >= rng.integers(1, length)
        is_a, is_b = later & (rows[:, 1] == a), later & (rows[:, 1] == b)
        rows[is_a, 1], rows[is_b, 1] = b, a
    lines = [f"{int(f)},{int(i)},{x:.3f},{y:.3f},{w:.3f},{h:.3f},1,-1,-1,-1" for f, i, x, y, w, h in rows[:, :6]]
    out.write_text("\n".join(lines) + "\n")


def perturbed_mot17_case(shared_data: Path, root: Path, seq: str, length: int) -> dict[str, Any]:
    """A MOT17 sequence's gt, a perturbed all-class tracker file, and TrackEval's own result on them."""
    gt_file = shared_data / "mot17" / "train" / seq / "gt" / "gt.txt"
    if not gt_file.is_file():
        pytest.skip(f"{gt_file} not available")
    res_file = root / "result.txt"
    perturbed_mot17_result(gt_file, res_file, length=length)
    gt_root, trk_root = write_trackeval_layout(root, {seq: (gt_file, res_file)})
    lengths = {seq: length}
    return {
        "gt": read_mot_file(gt_file, "gt"),
        "result": read_mot_file(res_file, "result"),
        "gt_root": gt_root,
        "trk_root": trk_root,
        "trackeval": run_trackeval(gt_root, trk_root, lengths, "MOT17", preproc=True),
        "dataset": trackeval_dataset(gt_root, trk_root, lengths, "MOT17", preproc=True),
    }


@pytest.fixture(scope="module")
def mot17_case(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """MOT17-05 gt, a perturbed all-class tracker file, and TrackEval's own result on them."""
    return perturbed_mot17_case(shared_data, tmp_path_factory.mktemp("mot17"), MOT17_05, MOT17_05_LENGTH)


# --------------------------------------------------------------------------- 1. motmetrics' published values


@pytest.mark.parametrize("name", TUD)
def test_tud_reproduces_motmetrics_readme(name: str) -> None:
    gt, result, length = tud_tables(name)
    metrics = evaluate_sequence(gt, result, EvalSpec(), length)
    for key, expected in MM_README[name].items():
        assert round(metrics[key], 1) == expected, key


@pytest.mark.parametrize("name", [*TUD, COMBINED])
def test_tud_reproduces_motmetrics_test_expectations(name: str) -> None:
    if name == COMBINED:
        metrics = combine([tud_counts(n) for n in TUD])
    else:
        metrics = finalize(tud_counts(name))
    expected = dict(zip(MM_COLUMNS, MM_EXPECTED[name]))
    for key in ("GT_IDs", "MT", "PT", "ML", "FP", "FN", "IDsw", "Frag"):
        assert metrics[key] == expected[key], key
    for key in ("IDF1", "IDP", "IDR", "Recall", "Precision", "MOTA"):
        assert metrics[key] == pytest.approx(100 * expected[key], abs=0.1), key  # motmetrics: atol 1e-3
    # our MOTP is mean IoU in percent; motmetrics' is mean distance 1 - IoU
    assert metrics["MOTP"] == pytest.approx(100 * (1 - expected["MOTP"]), abs=1e-1)


def test_fast_fragmentation_equals_motmetrics_function() -> None:
    for name in TUD:
        gt, result, length = tud_tables(name)
        seq = preprocess(gt, result, EvalSpec(), length)
        df_map = mm.metrics.events_to_df_map(motmetrics_accumulator.accumulator(seq).events)
        theirs = mm.metrics.num_fragmentations(df_map, mm.metrics.obj_frequencies(df_map))
        assert clear.num_fragmentations(df_map) == theirs


# --------------------------------------------------------------------------- 2. TrackEval end to end


@pytest.fixture(scope="module")
def tud_trackeval(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("tud")
    files = {n: (MM_DATA / n / "gt.txt", MM_DATA / n / "test.txt") for n in TUD}
    gt_root, trk_root = write_trackeval_layout(root, files)
    lengths = {n: tud_tables(n)[2] for n in TUD}
    return run_trackeval(gt_root, trk_root, lengths, "MOT15", preproc=False)


@pytest.mark.parametrize("name", [*TUD, COMBINED])
def test_tud_hota_equals_trackeval_end_to_end(name: str, tud_trackeval: dict[str, Any]) -> None:
    if name == COMBINED:
        counts = combine_counts([tud_counts(n) for n in TUD])
        theirs = tud_trackeval["COMBINED_SEQ"]
    else:
        counts = tud_counts(name)
        theirs = tud_trackeval[name]
    ours = {"counts": counts.counts["HOTA"], "metrics": finalize(counts)}
    assert_hota_equal(ours, theirs["HOTA"])
    # Same files, same IoU >= 0.5: TrackEval's CLEAR/Identity agree with motmetrics' here.
    metrics = ours["metrics"]
    assert (metrics["FP"], metrics["FN"], metrics["IDsw"]) == (
        theirs["CLEAR"]["CLR_FP"], theirs["CLEAR"]["CLR_FN"], theirs["CLEAR"]["IDSW"])  # fmt: skip
    assert (metrics["IDTP"], metrics["IDFP"], metrics["IDFN"]) == (
        theirs["Identity"]["IDTP"], theirs["Identity"]["IDFP"], theirs["Identity"]["IDFN"])  # fmt: skip


@pytest.mark.shared
def test_mot17_preprocessing_equals_trackeval(mot17_case: dict[str, Any]) -> None:
    """Our arrays after distractor removal are TrackEval's, frame by frame, bit for bit."""
    dataset = mot17_case["dataset"]
    raw = dataset.get_raw_seq_data("mine", MOT17_05)
    theirs = dataset.get_preprocessed_seq_data(raw, "pedestrian")
    ours = preprocess(mot17_case["gt"], mot17_case["result"], spec_for_benchmark("MOT17"), MOT17_05_LENGTH)
    for key in ("num_gt_ids", "num_tracker_ids", "num_gt_dets", "num_tracker_dets"):
        assert getattr(ours, key) == theirs[key], key
    for t in range(MOT17_05_LENGTH):
        np.testing.assert_array_equal(ours.gt_ids[t], theirs["gt_ids"][t])
        np.testing.assert_array_equal(ours.tracker_ids[t], theirs["tracker_ids"][t])
        np.testing.assert_array_equal(ours.similarity[t], theirs["similarity_scores"][t])
    # The removal mattered: tracker boxes were dropped, and not just the non-pedestrian ones.
    assert ours.num_tracker_dets < len(mot17_case["result"])


@pytest.mark.shared
def test_mot17_hota_and_clear_equal_trackeval(mot17_case: dict[str, Any]) -> None:
    counts = count_sequence(mot17_case["gt"], mot17_case["result"], spec_for_benchmark("MOT17"), MOT17_05_LENGTH)
    metrics = finalize(counts)
    theirs = mot17_case["trackeval"][MOT17_05]
    assert_hota_equal({"counts": counts.counts["HOTA"], "metrics": metrics}, theirs["HOTA"])
    clear_te, ident_te = theirs["CLEAR"], theirs["Identity"]
    # motmetrics and TrackEval agree on this sequence's counts; harness.metrics.clear explains where they can differ.
    assert metrics["FP"] == clear_te["CLR_FP"]
    assert metrics["FN"] == clear_te["CLR_FN"]
    assert metrics["TP"] == clear_te["CLR_TP"]
    assert metrics["IDsw"] == clear_te["IDSW"]
    assert metrics["MOTA"] == pytest.approx(100 * clear_te["MOTA"], abs=1e-9)
    assert metrics["MOTP"] == pytest.approx(100 * clear_te["MOTP"], abs=1e-9)
    assert (metrics["IDTP"], metrics["IDFP"], metrics["IDFN"]) == (ident_te["IDTP"], ident_te["IDFP"], ident_te["IDFN"])
    assert metrics["IDF1"] == pytest.approx(100 * ident_te["IDF1"], abs=1e-9)
    assert metrics["GT_IDs"] == theirs["Count"]["GT_IDs"]


@pytest.mark.shared
def test_mot17_distractor_removal_changes_the_score(mot17_case: dict[str, Any]) -> None:
    """Scored MOT15-style (no removal, all classes scored) the same files give other numbers."""
    gt, result = mot17_case["gt"], mot17_case["result"]
    mot17 = evaluate_sequence(gt, result, spec_for_benchmark("MOT17"), MOT17_05_LENGTH)
    pedestrians_only = EvalSpec(eval_classes=(1,))
    no_removal = evaluate_sequence(gt, result, pedestrians_only, MOT17_05_LENGTH)
    assert no_removal["GT_Dets"] == mot17["GT_Dets"]
    assert no_removal["FP"] > mot17["FP"]
    assert no_removal["FP"] - mot17["FP"] == len(result) - preprocess(
        gt, result, spec_for_benchmark("MOT17"), MOT17_05_LENGTH).num_tracker_dets  # fmt: skip


@pytest.mark.shared
def test_mot17_fast_fragmentation_equals_motmetrics_function(mot17_case: dict[str, Any]) -> None:
    seq = preprocess(mot17_case["gt"], mot17_case["result"], spec_for_benchmark("MOT17"), MOT17_05_LENGTH)
    df_map = mm.metrics.events_to_df_map(motmetrics_accumulator.accumulator(seq).events)
    theirs = mm.metrics.num_fragmentations(df_map, mm.metrics.obj_frequencies(df_map))
    assert clear.num_fragmentations(df_map) == theirs > 0


# --------------------------------------------------------------------------- 2b. the trackeval CLEAR backend


def assert_trackeval_backend_equal(counts, theirs: dict[str, Any]) -> None:
    """Every CLEAR, Identity and Count field of TrackEval's own Evaluator, from our ``trackeval`` backend
    (counts exactly, ratios to 1e-9), and the trackbench columns read from them."""
    assert counts.backend == "trackeval"
    ours = {"CLEAR": counts.counts["CLEAR"]["clear"], "Count": counts.counts["CLEAR"]["count"],
            "Identity": counts.counts["Identity"]}
    for metric in ("CLEAR", "Identity", "Count"):
        for key, value in theirs[metric].items():
            if key == "Frames" and key not in ours[metric]:
                continue  # Count's frame total is an Evaluator extra; CLEAR's CLR_Frames is checked
            np.testing.assert_allclose(ours[metric][key], value, rtol=0, atol=1e-9, err_msg=f"{metric} {key}")
    metrics, clear_te, ident_te = finalize(counts), theirs["CLEAR"], theirs["Identity"]
    pairs = {"FP": "CLR_FP", "FN": "CLR_FN", "TP": "CLR_TP", "IDsw": "IDSW", "Frag": "Frag", "MT": "MT",
             "PT": "PT", "ML": "ML", "Frames": "CLR_Frames"}
    for ours_key, their_key in pairs.items():
        assert metrics[ours_key] == clear_te[their_key], ours_key
    for ours_key, their_key in {"MOTA": "MOTA", "MOTP": "MOTP", "Recall": "CLR_Re", "Precision": "CLR_Pr"}.items():
        assert metrics[ours_key] == pytest.approx(100 * clear_te[their_key], abs=1e-9), ours_key
    for key in ("IDF1", "IDP", "IDR"):
        assert metrics[key] == pytest.approx(100 * ident_te[key], abs=1e-9), key
    assert (metrics["IDTP"], metrics["IDFP"], metrics["IDFN"]) == (ident_te["IDTP"], ident_te["IDFP"], ident_te["IDFN"])
    assert (metrics["GT_IDs"], metrics["GT_Dets"], metrics["Dets"]) == (
        theirs["Count"]["GT_IDs"], theirs["Count"]["GT_Dets"], theirs["Count"]["Dets"])  # fmt: skip


@pytest.mark.parametrize("name", [*TUD, COMBINED])
def test_trackeval_backend_equals_trackeval_evaluator_tud(name: str, tud_trackeval: dict[str, Any]) -> None:
    if name == COMBINED:
        counts = combine_counts([tud_counts(n, "trackeval") for n in TUD])
        theirs = tud_trackeval["COMBINED_SEQ"]
    else:
        counts, theirs = tud_counts(name, "trackeval"), tud_trackeval[name]
    assert_trackeval_backend_equal(counts, theirs)


@pytest.fixture(scope="module")
def mot17_02_case(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same for MOT17-02, where motmetrics and TrackEval count differently."""
    return perturbed_mot17_case(shared_data, tmp_path_factory.mktemp("mot17_02"), MOT17_02, MOT17_02_LENGTH)


@pytest.mark.shared
def test_trackeval_backend_equals_trackeval_evaluator_mot17(mot17_case: dict[str, Any],
                                                            mot17_02_case: dict[str, Any]) -> None:
    """On MOT17-05 and MOT17-02 (where motmetrics counts differently), with MOTChallenge preprocessing."""
    spec = spec_for_benchmark("MOT17")
    both = []
    for case, name, length in ((mot17_case, MOT17_05, MOT17_05_LENGTH), (mot17_02_case, MOT17_02, MOT17_02_LENGTH)):
        counts = count_sequence(case["gt"], case["result"], spec, length, name=name, backend="trackeval")
        assert_trackeval_backend_equal(counts, case["trackeval"][name])
        both.append(counts)
    # Summed over both sequences: TrackEval's combine rules, so equal to scoring the concatenation.
    combined = finalize(combine_counts(both))
    assert combined["FP"] == sum(finalize(c)["FP"] for c in both)
    # The backends disagree on MOT17-02 (see harness.metrics.clear for why): the choice matters.
    mm = evaluate_sequence(mot17_02_case["gt"], mot17_02_case["result"], spec, MOT17_02_LENGTH)
    te = finalize(both[1])
    assert (mm["FP"], mm["IDsw"], mm["Frag"]) != (te["FP"], te["IDsw"], te["Frag"])
    assert mm["HOTA"] == te["HOTA"]  # HOTA is TrackEval's under either backend


def test_backends_do_not_mix_and_unknown_is_refused() -> None:
    with pytest.raises(ValueError, match="different CLEAR backends"):
        combine_counts([tud_counts("TUD-Campus"), tud_counts("TUD-Stadtmitte", "trackeval")])
    with pytest.raises(ValueError, match="motmetrics, trackeval"):
        tud_counts("TUD-Campus", "devkit")


def test_evaluate_folders_names_its_backend(tmp_path: Path) -> None:
    for name in TUD:
        (tmp_path / "gt" / name / "gt").mkdir(parents=True)
        (tmp_path / "gt" / name / "gt" / "gt.txt").write_bytes((MM_DATA / name / "gt.txt").read_bytes())
        (tmp_path / "res").mkdir(exist_ok=True)
        (tmp_path / "res" / f"{name}.txt").write_bytes((MM_DATA / name / "test.txt").read_bytes())
    table = evaluate_folders(tmp_path / "gt", tmp_path / "res", backend="trackeval")
    assert table.attrs["clear_backend"] == "trackeval"
    expected = finalize(combine_counts([tud_counts(n, "trackeval") for n in TUD]))
    for key in ("MOTA", "IDF1", "FP", "Frag", "MT"):
        assert table.loc[COMBINED, key] == pytest.approx(expected[key], abs=1e-12), key


# --------------------------------------------------------------------------- 3. compat shim


def test_compat_shim_in_a_fresh_interpreter() -> None:
    """Before: motmetrics' own IoU path fails on NumPy 2; after: it works; numpy untouched."""
    script = textwrap.dedent(
        f"""
        import numpy as np, motmetrics as mm
        from trackbench.harness.metrics.motmetrics_numpy2 import ensure_motmetrics_numpy2, motmetrics_needs_shim
        gt = mm.io.loadtxt({str(MM_DATA / "TUD-Campus" / "gt.txt")!r})
        dt = mm.io.loadtxt({str(MM_DATA / "TUD-Campus" / "test.txt")!r})
        if motmetrics_needs_shim():
            try:
                mm.utils.compare_to_groundtruth(gt, dt, "iou", distth=0.5)
            except AttributeError as err:
                assert "asfarray" in str(err)
            else:
                raise SystemExit("expected motmetrics to fail before the shim")
        ensure_motmetrics_numpy2()
        ensure_motmetrics_numpy2()
        acc = mm.utils.compare_to_groundtruth(gt, dt, "iou", distth=0.5)
        mota = mm.metrics.create().compute(acc, metrics="mota", return_dataframe=False)["mota"]
        assert abs(mota - 0.526462) < 1e-6, mota
        assert hasattr(np, "asfarray") == (np.lib.NumpyVersion(np.__version__) < "2.0.0")
        assert mm.distances.np is not np
        print("ok")
        """
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("ok")


@pytest.mark.filterwarnings("ignore:Operation with tuple is deprecated")  # inside motmetrics' loader
def test_compat_shim_matches_our_numbers() -> None:
    ensure_motmetrics_numpy2()
    assert hasattr(np, "asfarray") == (np.lib.NumpyVersion(np.__version__) < "2.0.0")
    mh = mm.metrics.create()
    for name in TUD:
        gt = mm.io.loadtxt(MM_DATA / name / "gt.txt")
        dt = mm.io.loadtxt(MM_DATA / name / "test.txt")
        acc = mm.utils.compare_to_groundtruth(gt, dt, "iou", distth=0.5)
        theirs = mh.compute(acc, metrics=["mota", "idf1", "num_switches", "motp"], return_dataframe=False)
        ours = finalize(tud_counts(name))
        assert ours["MOTA"] == pytest.approx(100 * theirs["mota"], abs=1e-9)
        assert ours["IDF1"] == pytest.approx(100 * theirs["idf1"], abs=1e-9)
        assert ours["IDsw"] == theirs["num_switches"]
        # motmetrics' loader shifts boxes by one pixel: the same IoUs up to rounding.
        assert ours["MOTP"] == pytest.approx(100 * (1 - theirs["motp"]), abs=1e-9)


# --------------------------------------------------------------------------- 4. combined == concatenation


def concatenate(parts: list[tuple[FrameTable, FrameTable, int]]) -> tuple[FrameTable, FrameTable, int]:
    """One long sequence: frames shifted after each other, ids made disjoint."""
    gts, results, offset, id_base = [], [], 0, 0
    for gt, result, length in parts:
        for table, out in ((gt, gts), (result, results)):
            out.append(FrameTable(table.frames + offset, table.ids + id_base, table.boxes, table.scores, table.classes, table.visibility))
        id_base += int(max(gt.ids.max(), result.ids.max())) + 1
        offset += length
    return _cat(gts), _cat(results), offset


def _cat(tables: list[FrameTable]) -> FrameTable:
    fields = ("frames", "ids", "boxes", "scores", "classes", "visibility")
    return FrameTable(**{f: np.concatenate([getattr(t, f) for t in tables]) for f in fields})


def assert_same_metrics(a: dict[str, float], b: dict[str, float]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], int) and isinstance(b[key], int):
            assert a[key] == b[key], key
        else:
            assert a[key] == pytest.approx(b[key], abs=1e-9), key


def test_combined_equals_concatenation_tud() -> None:
    parts = [tud_tables(n) for n in TUD]
    combined = combine([count_sequence(g, r, EvalSpec(), n) for g, r, n in parts])
    assert_same_metrics(combined, evaluate_sequence(*concatenate(parts)[:2], EvalSpec(), concatenate(parts)[2]))


@pytest.mark.shared
def test_combined_equals_concatenation_mot17(shared_data: Path, mot17_case: dict[str, Any]) -> None:
    spec = spec_for_benchmark("MOT17")
    other = shared_data / "mot17" / "train" / "MOT17-11-FRCNN" / "gt" / "gt.txt"
    gt11 = read_mot_file(other, "gt")
    rng = np.random.default_rng(11)
    res11 = gt11.select((gt11.scores != 0) & (rng.random(len(gt11)) > 0.2))
    res11 = FrameTable(res11.frames, res11.ids, res11.boxes + rng.normal(0, 4, (len(res11), 4)).clip(-2, 2),
                       np.ones(len(res11)), np.full(len(res11), -1), np.ones(len(res11)))  # fmt: skip
    parts = [(mot17_case["gt"], mot17_case["result"], MOT17_05_LENGTH), (gt11, res11, 900)]
    combined = combine([count_sequence(g, r, spec, n) for g, r, n in parts])
    gt, result, length = concatenate(parts)
    assert_same_metrics(combined, evaluate_sequence(gt, result, spec, length))


# --------------------------------------------------------------------------- folders, options, errors


def test_evaluate_folders_motchallenge_layout(tmp_path: Path) -> None:
    for name in TUD:
        (tmp_path / "gt" / name / "gt").mkdir(parents=True)
        (tmp_path / "gt" / name / "gt" / "gt.txt").write_bytes((MM_DATA / name / "gt.txt").read_bytes())
        (tmp_path / "res").mkdir(exist_ok=True)
        (tmp_path / "res" / f"{name}.txt").write_bytes((MM_DATA / name / "test.txt").read_bytes())
    table = evaluate_folders(tmp_path / "gt", tmp_path / "res")
    assert list(table.index) == [*TUD, COMBINED]
    assert table.loc["TUD-Campus", "MOTA"] == pytest.approx(52.6, abs=0.05)  # percent, not 0.526
    assert table.loc[COMBINED, "FN"] == 602
    assert table.attrs["benchmark"] == {n: "MOT15" for n in TUD}
    for col in ("MOTA", "MOTP", "IDF1", "IDP", "IDR", "HOTA", "DetA", "AssA", "LocA", "FP", "FN", "IDsw",
                "Frag", "MT", "PT", "ML", "Recall", "Precision", "GT_IDs", "Frames"):  # fmt: skip
        assert col in table.columns
    assert table["FP"].dtype == np.int64
    expected = combine([tud_counts(n) for n in TUD])
    for key in ("MOTA", "IDF1", "HOTA", "MOTP", "FP", "Frag", "Frames"):
        assert table.loc[COMBINED, key] == pytest.approx(expected[key], abs=1e-12), key


@pytest.mark.shared
def test_evaluate_folders_trackeval_layout_and_detection(mot17_case: dict[str, Any], tmp_path: Path) -> None:
    # TrackEval layout: <gt>/<BENCH>-<split>/<seq>/gt/gt.txt (+seqinfo.ini), <trackers>/<tracker>/data/<seq>.txt
    gt_seq = tmp_path / "gt" / "MOT17-train" / MOT17_05
    (gt_seq / "gt").mkdir(parents=True)
    (gt_seq / "gt" / "gt.txt").write_bytes((mot17_case["gt_root"] / MOT17_05 / "gt" / "gt.txt").read_bytes())
    (gt_seq / "seqinfo.ini").write_text(f"[Sequence]\nname={MOT17_05}\nseqLength={MOT17_05_LENGTH}\n")
    table = evaluate_folders(tmp_path / "gt", mot17_case["trk_root"])
    assert table.attrs["benchmark"] == {MOT17_05: "MOT17"}
    assert table.loc[MOT17_05, "Frames"] == MOT17_05_LENGTH
    theirs = mot17_case["trackeval"][MOT17_05]
    assert table.loc[MOT17_05, "HOTA"] == pytest.approx(100 * np.mean(theirs["HOTA"]["HOTA"]), abs=1e-9)
    forced = evaluate_folders(tmp_path / "gt", mot17_case["trk_root"], benchmark="MOT15")
    assert forced.attrs["benchmark"] == {MOT17_05: "MOT15"}
    # MOT17 marks every non-pedestrian row conf 0, so the same gt is scored, but nothing is removed:
    assert forced.loc[MOT17_05, "GT_Dets"] == table.loc[MOT17_05, "GT_Dets"]
    assert forced.loc[MOT17_05, "FP"] > table.loc[MOT17_05, "FP"]


def test_evaluate_folders_missing_results(tmp_path: Path) -> None:
    for name in TUD:
        (tmp_path / "gt" / name / "gt").mkdir(parents=True)
        (tmp_path / "gt" / name / "gt" / "gt.txt").write_bytes((MM_DATA / name / "gt.txt").read_bytes())
    (tmp_path / "res").mkdir()
    (tmp_path / "res" / "TUD-Campus.txt").write_bytes((MM_DATA / "TUD-Campus" / "test.txt").read_bytes())
    with pytest.raises(FileNotFoundError, match="TUD-Stadtmitte"):
        evaluate_folders(tmp_path / "gt", tmp_path / "res")
    skipped = evaluate_folders(tmp_path / "gt", tmp_path / "res", on_missing="skip")
    assert list(skipped.index) == ["TUD-Campus", COMBINED]
    empty = evaluate_folders(tmp_path / "gt", tmp_path / "res", on_missing="empty")
    gt_rows = len(read_mot_file(MM_DATA / "TUD-Stadtmitte" / "gt.txt", "gt"))
    assert empty.loc["TUD-Stadtmitte", "FN"] == gt_rows
    assert empty.loc["TUD-Stadtmitte", "HOTA"] == 0.0


def test_parallel_counts_equal_serial() -> None:
    jobs = [SequenceJob(n, *tud_tables(n)[:2], EvalSpec(), tud_tables(n)[2]) for n in TUD]
    serial, parallel = count_sequences(jobs, workers=1), count_sequences(jobs, workers=2)
    for a, b in zip(serial, parallel):
        assert_same_metrics(finalize(a), finalize(b))


def test_roi_drops_boxes_by_bottom_centre() -> None:
    gt, result, length = tud_tables("TUD-Stadtmitte")
    roi = np.zeros((480, 640), np.uint8)
    roi[:, :320] = 255  # left half of the image

    def inside(table: FrameTable) -> np.ndarray:
        keep = []
        for x1, _, x2, y2 in table.boxes:
            col = min(max(int(math.floor((x1 + x2) / 2)), 0), 639)
            row = min(max(int(math.floor(y2)), 0), 479)
            keep.append(bool(roi[row, col]))
        return np.array(keep)

    with_roi = evaluate_sequence(gt, result, EvalSpec(roi=roi), length)
    by_hand = evaluate_sequence(gt.select(inside(gt)), result.select(inside(result)), EvalSpec(), length)
    assert_same_metrics(with_roi, by_hand)
    assert with_roi["GT_Dets"] < len(gt)


def test_bad_input_is_refused() -> None:
    gt, result, length = tud_tables("TUD-Campus")
    with pytest.raises(ValueError, match="past the sequence length"):
        evaluate_sequence(gt, result, EvalSpec(), length - 5)
    doubled = _cat([result, result.select(result.frames == result.frames[0])])
    with pytest.raises(ValueError, match="more than once"):
        evaluate_sequence(gt, doubled, EvalSpec(), length)


@pytest.mark.parametrize("engine", ["fast", "library"])
@pytest.mark.parametrize("side", ["gt", "result"])
def test_boxes_whose_iou_can_overflow_are_refused_by_both_engines(engine: str, side: str) -> None:
    """A 1e200-wide box overlapping itself has IoU inf/inf = NaN: the library's solver refused it while the fast
    engine's sums skipped it and printed a score; both now refuse it, naming the table, frame and id."""
    gt, result, length = tud_tables("TUD-Campus")
    table = gt if side == "gt" else result
    boxes = table.boxes.copy()
    boxes[3] = [0.0, 0.0, 1e200, 1e200]
    wild = dataclasses.replace(table, boxes=boxes)
    args = (wild, result) if side == "gt" else (gt, wild)
    with pytest.raises(ValueError, match=rf"frame {int(table.frames[3])}, id {int(table.ids[3])}: box .* not a box"):
        evaluate_sequence(*args, EvalSpec(), length, engine=engine)


def test_empty_result_scores_all_misses() -> None:
    gt, _, length = tud_tables("TUD-Campus")
    metrics = evaluate_sequence(gt, FrameTable.empty(), EvalSpec(), length)
    assert (metrics["FN"], metrics["FP"], metrics["IDsw"], metrics["TP"]) == (len(gt), 0, 0, 0)
    assert metrics["HOTA"] == 0.0 and metrics["MOTA"] == 0.0


def test_class_spec_on_gt_without_classes_is_refused() -> None:
    gt, result, length = tud_tables("TUD-Campus")  # MOT15 gt: no class column
    with pytest.raises(ValueError, match="no class column"):
        evaluate_sequence(gt, result, spec_for_benchmark("MOT17"), length)


def test_spec_for_benchmark_classes() -> None:
    assert spec_for_benchmark("MOT15").distractor_classes == ()
    assert spec_for_benchmark("mot17").distractor_classes == (2, 7, 8, 12)
    assert spec_for_benchmark("MOT20").distractor_classes == (2, 6, 7, 8, 12)
    assert spec_for_benchmark("MOT16").eval_classes == (1,)
    with pytest.raises(ValueError):
        spec_for_benchmark("KITTI")
