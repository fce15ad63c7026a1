"""Evaluation speed: trackbench metrics (CLEAR + ID + HOTA) vs motmetrics' own path (CLEAR + ID).

Run: ``.venv/bin/python benchmarks/eval_speed.py [--repeat N] [--workers N] [--shared PATH]``

Sequences: the shared real sequences that have gt -- MOT15 TUD-Campus,
TUD-Stadtmitte, PETS09-S2L1 and MOT17-02/04/05/10/11 (FRCNN, full length).
Tracker results: motmetrics' own TUD ``test.txt`` where it ships one, else a
deterministic perturbation of the gt (:func:`perturb`: missed stretches, short
false tracks, jitter, id swaps, track breaks; MOT17: pedestrians *and* the
distractor classes, so the distractor removal has work to do).

What is timed, per sequence, with the input tables already in memory for both:

* ours: ``count_sequence`` (MOTChallenge preprocessing, motmetrics accumulator
  fed with precomputed distances, CLEAR + ID from motmetrics' metrics host, HOTA
  from TrackEval) + ``finalize``; then ``combine`` for the COMBINED row.
* motmetrics: ``mm.utils.compare_to_groundtruth(gt_df, res_df, 'iou',
  distth=0.5)`` + ``mh.compute_many([acc], motchallenge_metrics)`` per
  sequence; the "all" row is every ``compare_to_groundtruth`` plus one
  ``mh.compute_many(accs, ..., generate_overall=True)`` (per-sequence rows and
  OVERALL), as motmetrics' own evaluation scripts do it.

Besides the serial run, ``--workers N`` (default: min(CPUs, 4)) times our
whole run in N processes (``count_sequences``; pool start-up included) --
motmetrics' path has no parallel mode, so that row compares against its serial
total.  Times are the best of ``--repeat`` runs; the CPU-time ratio is printed
beside the wall-clock one because a busy machine inflates wall time.

A second table starts from files on disk (reading included in both paths, as
``bench eval`` and motmetrics' own scripts work): ours reads the original gt and
the result with ``read_mot_file``; motmetrics reads with ``mm.io.loadtxt``
files that already hold only the scored rows.  Its last rows time
``evaluate_folders`` (what ``bench eval`` runs) in 1 and 2 processes.

Fairness: motmetrics has no MOTChallenge preprocessing, so its inputs are the
rows our preprocessing scored (conf != 0 gt rows; for MOT17 pedestrian gt only
and tracker boxes matched to distractors removed), computed once *outside* its
timing: the baseline gets that work for free, ours pays for it.  Boxes are the
same float64 ``left, top, width, height`` values in both paths, so IoU agrees
bit for bit and the CLEAR/ID numbers must be identical (checked and printed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

import motmetrics as mm  # noqa: E402

from trackbench.datasets.boxes import tlwh_to_tlbr  # noqa: E402
from trackbench.datasets.motfile import read_mot_file  # noqa: E402
from trackbench.datasets.sequence import EvalSpec, FrameTable  # noqa: E402
from trackbench.harness.metrics.motmetrics_numpy2 import ensure_motmetrics_numpy2  # noqa: E402
from trackbench.harness.metrics.evaluate import (  # noqa: E402
    SequenceCounts,
    SequenceJob,
    combine,
    count_sequence,
    count_sequences,
    finalize,
)
from trackbench.harness.metrics.folders import evaluate_folders, read_seq_length  # noqa: E402
from trackbench.datasets.mot_scoring import MOT_DISTRACTORS, PEDESTRIAN, spec_for_benchmark  # noqa: E402
from trackbench.harness.metrics.preprocess import preprocess  # noqa: E402

MOT15 = ("TUD-Campus", "TUD-Stadtmitte", "PETS09-S2L1")
MOT17 = ("MOT17-02-FRCNN", "MOT17-04-FRCNN", "MOT17-05-FRCNN", "MOT17-10-FRCNN", "MOT17-11-FRCNN")
#: motmetrics' rows -> our columns, for the identical-numbers check.
SAME_COUNTS = {
    "num_false_positives": "FP",
    "num_misses": "FN",
    "num_switches": "IDsw",
    "num_fragmentations": "Frag",
    "mostly_tracked": "MT",
    "partially_tracked": "PT",
    "mostly_lost": "ML",
    "num_unique_objects": "GT_IDs",
}
SAME_RATIOS = {"mota": "MOTA", "recall": "Recall", "precision": "Precision", "idf1": "IDF1", "idp": "IDP", "idr": "IDR"}


MM_HOST = mm.metrics.create()


@dataclass
class Case:
    """One sequence, ready for both paths."""

    name: str
    gt: FrameTable
    result: FrameTable
    spec: EvalSpec
    num_frames: int
    gt_df: pd.DataFrame  # motmetrics input: scored gt rows
    res_df: pd.DataFrame  # motmetrics input: scored result rows
    gt_path: Path | None = None  # the original gt file (for the from-files timing)
    res_rows: np.ndarray | None = None  # all result rows (frame, id, l, t, w, h)


def load_tlwh(path: Path, kind: str) -> tuple[FrameTable, np.ndarray]:
    """The FrameTable of a MOT file and its raw (frame, id, l, t, w, h) rows in the same order."""
    table = read_mot_file(path, kind)
    raw = np.loadtxt(path, delimiter=",", ndmin=2)
    raw = raw[np.argsort(raw[:, 0], kind="stable")]  # FrameTable's own row order
    return table, raw[:, :6]


def table_from_rows(rows: np.ndarray) -> FrameTable:
    """A result FrameTable from (frame, id, l, t, w, h) rows, as read_mot_file would build it."""
    n = len(rows)
    return FrameTable(
        frames=rows[:, 0].astype(np.int64),
        ids=rows[:, 1].astype(np.int64),
        boxes=tlwh_to_tlbr(rows[:, 2:6]),
        scores=np.ones(n),
        classes=np.full(n, -1, np.int64),
        visibility=np.ones(n),
    )


def perturb(rows: np.ndarray, seed: int) -> np.ndarray:
    """A plausible, deterministic tracker output made from gt rows (frame, id, l, t, w, h).

    Tracks are cut into 10-frame blocks: 8 % of blocks are missed (occlusion-like
    gaps), 5 % are copied beside the person as short false tracks; boxes get 6 %
    localisation noise; a tenth of the ids swap identities and an eighth break
    into a new id from a random frame on.
    """
    rng = np.random.default_rng(seed)
    _, block = np.unique(np.stack([rows[:, 1], rows[:, 0] // 10], axis=1), axis=0, return_inverse=True)
    block = block.ravel()
    draw = rng.random(block.max() + 1)
    out = rows[draw[block] >= 0.08].copy()
    fps = rows[draw[block] >= 0.95].copy()
    wh = out[:, 4:6].copy()
    out[:, 2:4] += rng.normal(0.0, 0.06, size=(len(out), 2)) * wh
    out[:, 4:6] *= np.exp(rng.normal(0.0, 0.06, size=(len(out), 2)))
    ids = np.unique(out[:, 1])
    first, last = int(out[:, 0].min()), int(out[:, 0].max())
    for a, b in rng.choice(ids, size=(max(1, len(ids) // 10), 2)):  # identity swaps
        later = out[:, 0] >= rng.integers(first, last + 1)
        is_a, is_b = later & (out[:, 1] == a), later & (out[:, 1] == b)
        out[is_a, 1], out[is_b, 1] = b, a
    for k, tid in enumerate(rng.choice(ids, size=max(1, len(ids) // 8), replace=False)):  # fragments
        out[(out[:, 1] == tid) & (out[:, 0] >= rng.integers(first, last + 1)), 1] = 100_000 + k
    fps[:, 2] += 1.5 * fps[:, 4]  # short false tracks beside real people
    fps[:, 1] = 200_000 + np.unique(block[draw[block] >= 0.95], return_inverse=True)[1].ravel()
    merged = np.concatenate([out, fps])
    return merged[np.argsort(merged[:, 0], kind="stable")]


def motmetrics_df(rows: np.ndarray) -> pd.DataFrame:
    """motmetrics' DataFrame layout (index FrameId, Id; X, Y, Width, Height)."""
    index = pd.MultiIndex.from_arrays([rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64)], names=["FrameId", "Id"])
    return pd.DataFrame(rows[:, 2:6], index=index, columns=["X", "Y", "Width", "Height"])


def load_cases(shared: Path) -> list[Case]:
    """All benchmark sequences found under ``shared`` (missing ones are reported and skipped)."""
    mm_data = Path(mm.__file__).resolve().parent / "data"
    cases: list[Case] = []
    for k, name in enumerate(MOT15 + MOT17):
        mot17 = name.startswith("MOT17")
        folder = shared / ("mot17/train" if mot17 else "mot15") / name
        if not (folder / "gt" / "gt.txt").is_file():
            print(f"skip {name}: no gt under {folder}")
            continue
        gt, gt_rows = load_tlwh(folder / "gt" / "gt.txt", "gt")
        shipped = mm_data / name / "test.txt"
        if shipped.is_file():
            result, res_rows = load_tlwh(shipped, "result")
        else:
            person_like = np.isin(gt.classes, (PEDESTRIAN, *MOT_DISTRACTORS)) if mot17 else gt.scores != 0
            res_rows = perturb(gt_rows[person_like], seed=1000 + k)
            result = table_from_rows(res_rows)
        spec = spec_for_benchmark("MOT17" if mot17 else "MOT15")
        num_frames = read_seq_length(folder / "seqinfo.ini") or max(gt.last_frame, result.last_frame)
        seq = preprocess(gt, result, spec, num_frames, name=name)  # what the baseline is fed
        cases.append(
            Case(name, gt, result, spec, num_frames, motmetrics_df(gt_rows[seq.gt_rows]),
                 motmetrics_df(res_rows[seq.tracker_rows]), folder / "gt" / "gt.txt", res_rows)
        )
    return cases


def run_ours(case: Case) -> tuple[SequenceCounts, dict[str, float]]:
    counts = count_sequence(case.gt, case.result, case.spec, case.num_frames, name=case.name)
    return counts, finalize(counts)


def run_motmetrics(case: Case) -> tuple[mm.MOTAccumulator, pd.Series]:
    """motmetrics' own path for one sequence: accumulate with its IoU, then ``compute_many``."""
    acc = mm.utils.compare_to_groundtruth(case.gt_df, case.res_df, "iou", distth=0.5)
    summary = MM_HOST.compute_many([acc], metrics=mm.metrics.motchallenge_metrics, names=[case.name])
    return acc, summary.loc[case.name]


def run_motmetrics_overall(accs: list[mm.MOTAccumulator], names: list[str]) -> pd.DataFrame:
    """The multi-sequence summary with its OVERALL row, as motmetrics' own scripts make it."""
    return MM_HOST.compute_many(accs, metrics=mm.metrics.motchallenge_metrics, names=names, generate_overall=True)


@dataclass
class Timing:
    """Best wall-clock and best CPU time over repeated runs (CPU time resists a busy machine)."""

    wall: float = float("inf")
    cpu: float = float("inf")

    def __add__(self, other: "Timing") -> "Timing":
        return Timing(self.wall + other.wall, self.cpu + other.cpu)


def best_time(fn: Callable[[], Any], repeat: int) -> tuple[Timing, Any]:
    """Best wall and CPU time of ``repeat`` runs, and the last result."""
    best, out = Timing(), None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        best.wall = min(best.wall, time.perf_counter() - wall)
        best.cpu = min(best.cpu, time.process_time() - cpu)
    return best, out


def check_identical(ours: dict[str, float], theirs: pd.Series) -> list[str]:
    """Differences between our CLEAR/ID numbers and motmetrics' (empty list: identical)."""
    bad = []
    for key, col in SAME_COUNTS.items():
        if int(theirs[key]) != int(ours[col]):
            bad.append(f"{col}: ours {ours[col]} motmetrics {int(theirs[key])}")
    for key, col in {**SAME_RATIOS}.items():
        if not np.isclose(100.0 * float(theirs[key]), ours[col], rtol=0, atol=1e-9):
            bad.append(f"{col}: ours {ours[col]:.12f} motmetrics {100 * float(theirs[key]):.12f}")
    motp = 100.0 * (1.0 - float(theirs["motp"]))
    if not np.isclose(motp, ours["MOTP"], rtol=0, atol=1e-9):
        bad.append(f"MOTP: ours {ours['MOTP']:.12f} motmetrics {motp:.12f}")
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3, help="runs per path and sequence; the best counts")
    parser.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 4), help="processes for the parallel run")
    args = parser.parse_args()
    ensure_motmetrics_numpy2()  # motmetrics' own IoU path needs it under NumPy 2
    cases = load_cases(args.shared)
    if not cases:
        print(f"no sequences with gt under {args.shared}")
        return 1
    run_ours(cases[0]), run_motmetrics(cases[0])  # warm imports and caches for both

    header = (
        f"{'sequence':<18}{'frames':>7} | {'ours s':>7}{'f/s':>7} | {'motmetrics s':>12}{'f/s':>7} |"
        f" {'speed-up':>8} {'(CPU)':>6} | CLEAR/ID identical"
    )
    print(header)
    print("-" * len(header))
    all_counts, accs, problems = [], [], []
    t_ours, t_mm, t_mm_acc, frames = Timing(0.0, 0.0), Timing(0.0, 0.0), Timing(0.0, 0.0), 0
    for case in cases:
        ours_t, (counts, ours) = best_time(lambda: run_ours(case), args.repeat)
        acc_t, _ = best_time(lambda: mm.utils.compare_to_groundtruth(case.gt_df, case.res_df, "iou", distth=0.5), args.repeat)
        mm_t, (acc, row) = best_time(lambda: run_motmetrics(case), args.repeat)
        bad = check_identical(ours, row)
        problems += [f"{case.name}: {b}" for b in bad]
        all_counts.append(counts)
        accs.append(acc)
        t_ours, t_mm, t_mm_acc, frames = t_ours + ours_t, t_mm + mm_t, t_mm_acc + acc_t, frames + case.num_frames
        print(_row(case.name, case.num_frames, ours_t, mm_t, "yes" if not bad else "NO"))

    comb_t, combined = best_time(lambda: combine(all_counts), args.repeat)
    names = [c.name for c in cases]
    overall_t, summary = best_time(lambda: run_motmetrics_overall(accs, names), args.repeat)
    overall = summary.loc["OVERALL"]
    bad = check_identical(combined, overall)
    problems += [f"COMBINED: {b}" for b in bad]
    total_mm = t_mm_acc + overall_t  # accumulate each sequence, then one compute_many with OVERALL
    print("-" * len(header))
    print(_row("all, 1 process", frames, t_ours + comb_t, total_mm, "yes" if not bad else "NO"))
    if args.workers > 1:
        jobs = [SequenceJob(c.name, c.gt, c.result, c.spec, c.num_frames) for c in cases]
        par_t, (par_rows, par_combined) = best_time(lambda: run_ours_parallel(jobs, args.workers), args.repeat)
        same = all(_same(finalize(a), b) for a, b in zip(all_counts, par_rows)) and _same(par_combined, combined)
        problems += [] if same else ["parallel run differs from the serial one"]
        print(_row(f"all, {args.workers} processes", frames, par_t, total_mm, "yes" if same else "NO", cpu=False))
    print(
        f"\nCOMBINED  ours: MOTA {combined['MOTA']:.2f} IDF1 {combined['IDF1']:.2f} HOTA {combined['HOTA']:.2f}"
        f" | motmetrics: MOTA {100 * overall['mota']:.2f} IDF1 {100 * overall['idf1']:.2f} (no HOTA)"
    )
    print(
        f"times: best of {args.repeat}, wall clock (CPU-time ratio beside it); {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; motmetrics runs in 1 process (its path has no parallel mode)"
    )
    print("CLEAR/ID numbers identical in both paths:", "yes" if not problems else "NO")
    for p in problems:
        print("  ", p)
    from_files(cases, args.repeat)
    return 0 if not problems else 2


def _write_rows(path: Path, rows: np.ndarray) -> Path:
    """MOT text with full precision (so both readers see the same numbers)."""
    table = np.column_stack([rows[:, :6], np.ones(len(rows)), -np.ones((len(rows), 3))])
    np.savetxt(path, table, fmt="%.10g", delimiter=",")
    return path


def from_files(cases: list[Case], repeat: int) -> None:
    """The same comparison starting from files on disk, as `bench eval` and motmetrics' scripts do.

    Ours: ``read_mot_file`` of the original gt and the result, preprocessing,
    CLEAR + ID + HOTA.  motmetrics: ``mm.io.loadtxt`` of gt and result files
    that already hold only the scored rows (its preprocessing is done for it,
    outside the timing), ``compare_to_groundtruth`` and ``compute_many``.
    """
    tmp = Path(tempfile.mkdtemp(prefix="eval-speed-"))
    t_ours, t_mm, frames, same_all = Timing(0.0, 0.0), Timing(0.0, 0.0), 0, True
    print("\nfrom files (reading included in both paths)")
    for case in cases:
        res_path = _write_rows(tmp / f"{case.name}-result.txt", case.res_rows)
        mm_gt = _write_rows(tmp / f"{case.name}-mm-gt.txt", case.gt_df.reset_index().to_numpy(float))
        mm_res = _write_rows(tmp / f"{case.name}-mm-result.txt", case.res_df.reset_index().to_numpy(float))

        def ours() -> dict[str, float]:
            gt = read_mot_file(case.gt_path, "gt")
            result = read_mot_file(res_path, "result")
            return finalize(count_sequence(gt, result, case.spec, case.num_frames, name=case.name))

        def theirs() -> pd.Series:
            gt_df = mm.io.loadtxt(str(mm_gt), fmt="mot15-2D", min_confidence=-1)
            res_df = mm.io.loadtxt(str(mm_res), fmt="mot15-2D")
            acc = mm.utils.compare_to_groundtruth(gt_df, res_df, "iou", distth=0.5)
            return MM_HOST.compute_many([acc], metrics=mm.metrics.motchallenge_metrics, names=[case.name]).loc[case.name]

        ours_t, ours_row = best_time(ours, repeat)
        mm_t, mm_row = best_time(theirs, repeat)
        bad = check_identical(ours_row, mm_row)
        same_all &= not bad
        t_ours, t_mm, frames = t_ours + ours_t, t_mm + mm_t, frames + case.num_frames
        print(_row(case.name, case.num_frames, ours_t, mm_t, "yes" if not bad else "NO: " + "; ".join(bad)))
    print(_row("all, from files", frames, t_ours, t_mm, "yes" if same_all else "NO"))
    # `bench eval --gt <folder> --results <folder>`: the same files through evaluate_folders.
    gt_root, res_root = tmp / "gt", tmp / "res"
    for case in cases:
        (gt_root / case.name).mkdir(parents=True, exist_ok=True)
        (gt_root / case.name / "gt").symlink_to(case.gt_path.parent)
        if (case.gt_path.parent.parent / "seqinfo.ini").is_file():
            (gt_root / case.name / "seqinfo.ini").symlink_to(case.gt_path.parent.parent / "seqinfo.ini")
        res_root.mkdir(exist_ok=True)
        (res_root / f"{case.name}.txt").symlink_to(tmp / f"{case.name}-result.txt")
    for workers in (1, 2):
        folder_t, table = best_time(lambda: evaluate_folders(gt_root, res_root, workers=workers), repeat)
        same = all(np.isclose(table.loc[c.name, "MOTA"], finalize(count_sequence(
            c.gt, c.result, c.spec, c.num_frames)).get("MOTA"), atol=1e-9) for c in cases[:1])
        print(_row(f"bench eval, {workers} proc", frames, folder_t, t_mm, "yes" if same else "NO", cpu=workers == 1))


def run_ours_parallel(jobs: list[SequenceJob], workers: int) -> tuple[list[dict[str, float]], dict[str, float]]:
    """Our full path over all sequences in ``workers`` processes (pool start-up included)."""
    counts = count_sequences(jobs, workers)
    return [finalize(c) for c in counts], combine(counts)


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    """Metric dicts equal value for value (NaN equal to NaN)."""
    return a.keys() == b.keys() and all(a[k] == b[k] or (a[k] != a[k] and b[k] != b[k]) for k in a)


def _row(name: str, frames: int, ours: Timing, theirs: Timing, same: str, cpu: bool = True) -> str:
    cpu_ratio = f"{theirs.cpu / ours.cpu:>5.2f}x" if cpu else f"{'':>6}"
    return (
        f"{name:<18}{frames:>7} | {ours.wall:>7.3f}{frames / ours.wall:>7.0f} | {theirs.wall:>12.3f}"
        f"{frames / theirs.wall:>7.0f} | {theirs.wall / ours.wall:>7.2f}x {cpu_ratio} | {same}"
    )


if __name__ == "__main__":
    sys.exit(main())
