"""trackbench's KITTI and BDD100K scores against TrackEval's own ``Kitti2DBox`` and ``BDD100K`` evaluations.

TrackEval is the definition of both benchmarks' numbers, so this script runs
its ``Evaluator`` on files written in each dataset's own format and layout and
compares every count (exactly) and every ratio (to 1e-9) with trackbench's:

(a) KITTI val (AB3DMOT's split), Car and Pedestrian, PointRCNN detections:
    ``sort``, ``bytetrack`` and ``ocsort`` tracked by trackbench (the result
    files ``bench run`` writes), rewritten as KITTI tracking rows
    (``frame id type -1 -1 -10 x1 y1 x2 y2 -1000 -1000 -1000 -10 -1 -1 -1 score``,
    frames 0-based) in Kitti2DBox's layout (``gt/label_02/<seq>.txt`` +
    ``gt/evaluate_tracking.seqmap.val``, ``trackers/<name>/data/<seq>.txt``),
    per sequence and per class (TrackEval's ``COMBINED_SEQ``);
(b) BDD100K: the shipped ``track_predictions.json`` against
    ``track_sample_anns.json``, scored by ``bench eval``'s Scalabel path and by
    TrackEval's ``BDD100K`` class (its folder layout and legacy label form built
    in a temporary folder: ``index`` for ``frameIndex``, integer ids,
    ``attributes.Crowd``), per class, class-averaged and detection-averaged;
(c) trackbench's trackers on that BDD100K video with the gt as oracle
    detections (``--detections gt``): a small leaderboard, per class and combined.

Run:  python benchmarks/trackeval_datasets.py [--data ../shared/data] [--out DIR]
(about a minute on 2 cores).  ``tests/test_trackeval_datasets.py`` runs the
same comparisons on a smaller selection.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

import trackeval
from trackbench.datasets import load_dataset
from trackbench.datasets.bdd100k import integer_ids, read_videos
from trackbench.datasets.motfile import atomic_write_text, read_mot_file
from trackbench.datasets.sequence import FrameTable, Sequence
from trackbench.harness.metrics.classes import CLASS_AVERAGED, DETECTION_AVERAGED, class_rows
from trackbench.harness.metrics.evaluate import SequenceCounts, SequenceJob, count_sequences, finalize
from trackbench.harness.metrics.scalabel import evaluate_scalabel
from trackbench.harness.runs.runner import run_unit
from trackbench.harness.runs.tracking import Variant

TRACKERS = ("sort", "bytetrack", "ocsort")
KITTI_TYPES = {"car": "Car", "pedestrian": "Pedestrian"}
#: Car and pedestrian tracks share one KITTI result file; pedestrian ids are offset so they never collide.
ID_STRIDE = 1_000_000
#: trackbench column -> (TrackEval metric, field): counts, compared exactly.
COUNTS = {
    "TP": ("CLEAR", "CLR_TP"), "FN": ("CLEAR", "CLR_FN"), "FP": ("CLEAR", "CLR_FP"), "IDsw": ("CLEAR", "IDSW"),
    "Frag": ("CLEAR", "Frag"), "MT": ("CLEAR", "MT"), "PT": ("CLEAR", "PT"), "ML": ("CLEAR", "ML"),
    "Frames": ("CLEAR", "CLR_Frames"), "IDTP": ("Identity", "IDTP"), "IDFN": ("Identity", "IDFN"),
    "IDFP": ("Identity", "IDFP"), "GT_Dets": ("Count", "GT_Dets"), "Dets": ("Count", "Dets"),
    "GT_IDs": ("Count", "GT_IDs"),
}
#: trackbench column (percent) -> (TrackEval metric, field) (a fraction; HOTA's arrays are averaged over alpha).
RATIOS = {
    "MOTA": ("CLEAR", "MOTA"), "MOTP": ("CLEAR", "MOTP"), "Recall": ("CLEAR", "CLR_Re"),
    "Precision": ("CLEAR", "CLR_Pr"), "IDF1": ("Identity", "IDF1"), "IDP": ("Identity", "IDP"),
    "IDR": ("Identity", "IDR"), "HOTA": ("HOTA", "HOTA"), "DetA": ("HOTA", "DetA"), "AssA": ("HOTA", "AssA"),
    "LocA": ("HOTA", "LocA"), "DetRe": ("HOTA", "DetRe"), "DetPr": ("HOTA", "DetPr"), "AssRe": ("HOTA", "AssRe"),
    "AssPr": ("HOTA", "AssPr"), "HOTA(0)": ("HOTA", "HOTA(0)"), "LocA(0)": ("HOTA", "LocA(0)"),
}
SHOWN = ("HOTA", "MOTA", "IDF1", "DetA", "AssA", "IDsw", "FP", "FN", "TP", "GT_Dets", "Dets", "GT_IDs")
#: TrackEval's names of the class combinations, by trackbench's row names.
TRACKEVAL_COMBINATIONS = {CLASS_AVERAGED: "cls_comb_cls_av", DETECTION_AVERAGED: "cls_comb_det_av"}


# ---------------------------------------------------------------- comparing


def mismatches(bench: Mapping[str, float], theirs: Mapping[str, Mapping[str, Any]], where: str) -> list[str]:
    """Every field where a trackbench row (finalised, percent) differs from TrackEval's result dict."""
    wrong = []
    for column, (metric, key) in COUNTS.items():
        if int(bench[column]) != int(theirs[metric][key]):
            wrong.append(f"{where} {column}: trackbench {int(bench[column])} != TrackEval {int(theirs[metric][key])}")
    for column, (metric, key) in RATIOS.items():
        want = 100.0 * float(np.mean(theirs[metric][key]))
        if not np.isclose(float(bench[column]), want, rtol=1e-9, atol=1e-9):
            wrong.append(f"{where} {column}: trackbench {bench[column]!r} != TrackEval {want!r}")
    return wrong


def counts_line(row: Mapping[str, float]) -> str:
    """The counts of one row, as a report line."""
    return " ".join(f"{c}={int(row[c])}" for c in COUNTS)


def evaluator_config() -> dict[str, Any]:
    config = trackeval.Evaluator.get_default_eval_config()
    config.update(PRINT_RESULTS=False, PRINT_CONFIG=False, TIME_PROGRESS=False, OUTPUT_SUMMARY=False,
                  OUTPUT_DETAILED=False, PLOT_CURVES=False, LOG_ON_ERROR=None, USE_PARALLEL=False)
    return config


def run_evaluator(dataset: Any) -> dict[str, Any]:
    """TrackEval's Evaluator with HOTA, CLEAR and Identity (it adds Count): {tracker: {seq: {class: ...}}}."""
    metrics = [trackeval.metrics.HOTA({"PRINT_CONFIG": False}), trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
               trackeval.metrics.Identity({"PRINT_CONFIG": False})]
    with contextlib.redirect_stdout(io.StringIO()):
        res, msg = trackeval.Evaluator(evaluator_config()).evaluate([dataset], metrics)
    name = dataset.get_name()
    failed = {t: m for t, m in msg[name].items() if m != "Success"}
    if failed:
        raise RuntimeError(f"TrackEval {name} failed: {failed}")
    return res[name]


# ---------------------------------------------------------------- tracking with trackbench


def track(sequences: list[Sequence], trackers: Iterable[str], out: Path) -> dict[str, dict[str, FrameTable]]:
    """{tracker: {sequence: result}}: each unit tracked and written as ``bench run`` does, read back from its file."""
    results: dict[str, dict[str, FrameTable]] = {}
    for name in trackers:
        results[name] = {}
        for seq in sequences:
            path = out / name / "data" / f"{seq.name}.txt"
            unit = run_unit(Variant(name), seq, path)
            if unit.failed or unit.skipped:
                raise RuntimeError(f"{name} on {seq.name}: {unit.failed or unit.skipped}")
            results[name][seq.name] = read_mot_file(path, "result")
    return results


def bench_counts(sequences: list[Sequence], results: Mapping[str, FrameTable],
                 backend: str = "trackeval") -> list[SequenceCounts]:
    """trackbench's counts of one tracker's results, one per sequence (what ``bench run`` scores)."""
    jobs = [SequenceJob(s.name, s.ground_truth, results[s.name], s.eval_spec, s.info.length) for s in sequences]
    return count_sequences(jobs, backend=backend)


# ---------------------------------------------------------------- (a) KITTI


def kitti_rows(table: FrameTable, kind: str, id_offset: int) -> list[str]:
    """KITTI tracking rows (0-based frames, corners, dummy 3D fields, score last), floats written exactly."""
    return [f"{int(f) - 1} {int(i) + id_offset} {kind} -1 -1 -10 {x1!r} {y1!r} {x2!r} {y2!r} "
            f"-1000 -1000 -1000 -10 -1 -1 -1 {float(s)!r}"
            for f, i, (x1, y1, x2, y2), s in zip(table.frames, table.ids, table.boxes.tolist(), table.scores)]


def write_kitti_layout(root: Path, kitti: Path, split: str, videos: list[str], classes: list[str],
                       results: Mapping[str, Mapping[str, FrameTable]]) -> tuple[Path, Path]:
    """Kitti2DBox's folders: ``gt/label_02`` + ``gt/evaluate_tracking.seqmap.<split>``, ``trackers/<t>/data``."""
    gt = root / "gt"
    (gt / "label_02").mkdir(parents=True)
    for video in videos:
        shutil.copyfile(kitti / "label_02" / f"{video}.txt", gt / "label_02" / f"{video}.txt")
    seqmap = kitti / ("evaluate_tracking.seqmap.val" if split == "val" else "evaluate_tracking.seqmap")
    lines = [ln for ln in seqmap.read_text().splitlines() if ln.split() and ln.split()[0] in videos]
    (gt / f"evaluate_tracking.seqmap.{split}").write_text("\n".join(lines) + "\n")
    for tracker, tables in results.items():
        data = root / "trackers" / tracker / "data"
        data.mkdir(parents=True)
        for video in videos:
            rows = [row for k, cls in enumerate(classes)
                    for row in kitti_rows(tables[f"{video}-{cls}"], KITTI_TYPES[cls], k * ID_STRIDE)]
            (data / f"{video}.txt").write_text("".join(r + "\n" for r in rows))
    return gt, root / "trackers"


def trackeval_kitti(gt: Path, trackers: Path, split: str, classes: list[str]) -> dict[str, Any]:
    return run_evaluator(trackeval.datasets.Kitti2DBox({
        "GT_FOLDER": str(gt), "TRACKERS_FOLDER": str(trackers), "OUTPUT_FOLDER": str(trackers.parent / "out"),
        "CLASSES_TO_EVAL": classes, "SPLIT_TO_EVAL": split, "PRINT_CONFIG": False}))


def compare_kitti(kitti: Path, trackers: Iterable[str] = TRACKERS, videos: list[str] | None = None,
                  classes: list[str] | None = None, split: str = "val") -> tuple[dict[str, dict[str, dict]], list[str]]:
    """({tracker: {row: trackbench row}}, mismatches): per sequence, per class, and trackbench's combinations."""
    classes = classes or list(KITTI_TYPES)
    sequences = load_dataset("kitti", kitti, videos, classes=classes, split=split)
    videos = list(dict.fromkeys(s.name.rsplit("-", 1)[0] for s in sequences))
    tables: dict[str, dict[str, dict]] = {}
    wrong: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        results = track(sequences, trackers, Path(tmp) / "bench")
        gt, trk = write_kitti_layout(Path(tmp) / "trackeval", kitti, split, videos, classes, results)
        theirs = trackeval_kitti(gt, trk, split, classes)
    for tracker, tracked in results.items():
        counts = bench_counts(sequences, tracked)
        rows = {c.name: finalize(c) for c in counts}
        for seq in sequences:
            video, cls = seq.name.rsplit("-", 1)
            wrong += mismatches(rows[seq.name], theirs[tracker][video][cls], f"kitti {tracker} {seq.name}")
        by_class = class_rows(counts, {s.name: s.eval_spec.object_class for s in sequences})
        for cls in classes:
            wrong += mismatches(by_class[cls], theirs[tracker]["COMBINED_SEQ"][cls], f"kitti {tracker} {cls}")
        tables[tracker] = by_class
    return tables, wrong


# ---------------------------------------------------------------- (b) BDD100K


def _legacy_frames(path: Path, gt: bool) -> dict[str, list[dict[str, Any]]]:
    """TrackEval's BDD100K label form, per video: ``index``, integer ``id``, ``attributes.Crowd`` (gt)."""
    out: dict[str, list[dict[str, Any]]] = {}
    raw = json.loads(path.read_text())
    videos = read_videos(path, predictions=not gt)
    for video, boxes in videos.items():
        ids = dict(zip(boxes.ids, integer_ids(boxes.ids))) if gt else {}
        frames = [{"name": f"{video}-{t + 1:07d}.jpg", "index": t, "labels": []} for t in range(boxes.length)]
        for frame in raw:
            if str(frame.get("videoName")) != video:
                continue
            for label in frame.get("labels") or []:
                entry = {"id": int(ids[str(label["id"])]) if gt else int(label["id"]),
                         "category": label["category"], "box2d": label["box2d"]}
                if gt:
                    attributes = label.get("attributes") or {}
                    entry["attributes"] = {"Crowd": bool(attributes.get("crowd", attributes.get("Crowd", False)))}
                frames[frame["frameIndex"]]["labels"].append(entry)
        out[video] = frames
    return out


def write_bdd_layout(root: Path, gt_json: Path, predictions: Path, tracker: str) -> tuple[Path, Path]:
    """BDD100K's TrackEval folders: ``gt/<video>.json``, ``trackers/<tracker>/data/<video>.json``."""
    gt, data = root / "gt", root / "trackers" / tracker / "data"
    gt.mkdir(parents=True)
    data.mkdir(parents=True)
    for video, frames in _legacy_frames(gt_json, gt=True).items():
        (gt / f"{video}.json").write_text(json.dumps(frames))
    predicted = _legacy_frames(predictions, gt=False)
    for video in (p.stem for p in gt.glob("*.json")):
        frames = predicted.get(video) or []
        length = len(json.loads((gt / f"{video}.json").read_text()))
        frames += [{"name": "", "index": t, "labels": []} for t in range(len(frames), length)]
        (data / f"{video}.json").write_text(json.dumps(frames))
    return gt, root / "trackers"


def trackeval_bdd(gt: Path, trackers: Path, classes: list[str]) -> dict[str, Any]:
    """TrackEval's BDD100K on ``classes`` (it fails when one of HUMAN, VEHICLE, BIKE has none of them)."""
    return run_evaluator(trackeval.datasets.BDD100K({
        "GT_FOLDER": str(gt), "TRACKERS_FOLDER": str(trackers), "OUTPUT_FOLDER": str(trackers.parent / "out"),
        "CLASSES_TO_EVAL": classes, "PRINT_CONFIG": False}))


def compare_bdd(gt_json: Path, predictions: Path) -> tuple[Any, list[str]]:
    """(``bench eval``'s table, mismatches) for a predictions file, per (video, class), class and combination."""
    table = evaluate_scalabel(gt_json, predictions, backend="trackeval", verify=True)
    classes = [c for c in table.index if "-" not in c and c not in TRACKEVAL_COMBINATIONS]
    with tempfile.TemporaryDirectory() as tmp:
        gt, trk = write_bdd_layout(Path(tmp), gt_json, predictions, "predictions")
        theirs = trackeval_bdd(gt, trk, classes)["predictions"]
    wrong = []
    for name in table.index:
        if name in TRACKEVAL_COMBINATIONS:
            want = theirs["COMBINED_SEQ"][TRACKEVAL_COMBINATIONS[name]]
        elif name in classes:
            want = theirs["COMBINED_SEQ"][name]
        else:
            video, cls = name.rsplit("-", 1)
            want = theirs[video][cls]
        wrong += mismatches(table.loc[name], want, f"bdd100k {name}")
    return table, wrong


# ---------------------------------------------------------------- (c) oracle leaderboard


def oracle_board(gt_json: Path, trackers: Iterable[str], out: Path) -> dict[str, dict[str, dict]]:
    """{tracker: {class | CLASS_AVG | COMBINED: row}}: trackbench's trackers with the gt as detections."""
    from trackbench.datasets.detsets import DetectionChoice, apply_choice

    sequences = apply_choice(load_dataset("bdd100k", gt_json), DetectionChoice("gt"), "bdd100k")
    board = {}
    for tracker, tracked in track(sequences, trackers, out).items():
        counts = bench_counts(sequences, tracked)
        board[tracker] = class_rows(counts, {s.name: s.eval_spec.object_class for s in sequences})
    return board


# ---------------------------------------------------------------- report


def markdown(rows: Mapping[str, Mapping[str, float]], first: str) -> str:
    head = f"| {first} | " + " | ".join(SHOWN) + " |\n|" + "---|" * (len(SHOWN) + 1) + "\n"
    body = ""
    for name, row in rows.items():
        cells = [f"{int(row[c])}" if c in COUNTS else f"{float(row[c]):.2f}" for c in SHOWN]
        body += f"| {name} | " + " | ".join(cells) + " |\n"
    return head + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--out", type=Path, default=None, help="also write the report here (Markdown)")
    args = parser.parse_args(argv)
    report, failures = [], []
    kitti_tables, wrong = compare_kitti(args.data / "kitti-tracking")
    failures += wrong
    report.append("## (a) KITTI val, PointRCNN detections, TrackEval Kitti2DBox vs trackbench\n")
    for tracker, rows in kitti_tables.items():
        report.append(f"### {tracker}\n\n" + markdown(rows, "class")
                      + "".join(f"\n- {name}: {counts_line(row)}" for name, row in rows.items()) + "\n")
    bdd = args.data / "bdd100k-mot"
    table, wrong = compare_bdd(bdd / "track_sample_anns.json", bdd / "track_predictions.json")
    failures += wrong
    report.append("## (b) BDD100K track_predictions.json, `bench eval` vs TrackEval BDD100K\n\n"
                  + markdown({n: table.loc[n] for n in table.index}, "sequence / class")
                  + "".join(f"\n- {n}: {counts_line(table.loc[n])}" for n in table.index if "-" not in n) + "\n")
    with tempfile.TemporaryDirectory() as tmp:
        board = oracle_board(bdd / "track_sample_anns.json", TRACKERS, Path(tmp))
    report.append("## (c) BDD100K video, gt as detections (--detections gt)\n")
    for tracker, rows in board.items():
        report.append(f"### {tracker}\n\n" + markdown(rows, "class"))
    report.append(f"TrackEval agreement: {'every count equal, every ratio within 1e-9' if not failures else failures}")
    text = "\n".join(report) + "\n"
    print(text)
    if args.out:
        atomic_write_text(args.out, text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
