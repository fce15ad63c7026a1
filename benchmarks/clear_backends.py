"""Both CLEAR backends side by side, and the ``trackeval`` one against TrackEval's own end-to-end evaluation.

Run: ``.venv/bin/python benchmarks/clear_backends.py --gt GT_FOLDER --results RESULTS_FOLDER [--benchmark MOT17]``
(e.g. the ``mot17/sort/data`` folder of a ``bench run -t sort -d mot17`` run), or with ``--tud`` the TUD
files that ship inside motmetrics.

For every sequence: trackbench's counts with ``--clear-backend motmetrics`` and
``--clear-backend trackeval`` (:func:`trackbench.harness.metrics.folders.evaluate_folders`),
and ``trackeval.Evaluator`` + ``MotChallenge2DBox`` run on the same files in a
temporary TrackEval layout.  Printed: the counts where the two backends differ,
per sequence, and the largest difference between the ``trackeval`` backend and
TrackEval's Evaluator over every CLEAR and Identity field (expected: 0 on
counts, < 1e-9 on ratios).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np

COMPARED = ("MOTA", "MOTP", "IDF1", "FP", "FN", "IDsw", "Frag", "MT", "PT", "ML", "TP", "IDTP")
#: trackbench column -> (TrackEval metric, field)
TRACKEVAL_FIELDS = {
    "MOTA": ("CLEAR", "MOTA"), "MOTP": ("CLEAR", "MOTP"), "Recall": ("CLEAR", "CLR_Re"),
    "Precision": ("CLEAR", "CLR_Pr"), "FP": ("CLEAR", "CLR_FP"), "FN": ("CLEAR", "CLR_FN"),
    "TP": ("CLEAR", "CLR_TP"), "IDsw": ("CLEAR", "IDSW"), "Frag": ("CLEAR", "Frag"), "MT": ("CLEAR", "MT"),
    "PT": ("CLEAR", "PT"), "ML": ("CLEAR", "ML"), "IDF1": ("Identity", "IDF1"), "IDP": ("Identity", "IDP"),
    "IDR": ("Identity", "IDR"), "IDTP": ("Identity", "IDTP"), "IDFP": ("Identity", "IDFP"),
    "IDFN": ("Identity", "IDFN"),
}
PERCENT = {"MOTA", "MOTP", "Recall", "Precision", "IDF1", "IDP", "IDR"}


def trackeval_evaluator(gt_root: Path, res_dir: Path, seqs: dict[str, int], benchmark: str) -> dict:
    """TrackEval's own result per sequence (and COMBINED_SEQ) on a temporary copy in its layout."""
    import trackeval

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for seq in seqs:
            (root / "gt" / seq / "gt").mkdir(parents=True)
            shutil.copy(gt_root / seq / "gt" / "gt.txt", root / "gt" / seq / "gt" / "gt.txt")
            (root / "trk" / "t" / "data").mkdir(parents=True, exist_ok=True)
            shutil.copy(res_dir / f"{seq}.txt", root / "trk" / "t" / "data" / f"{seq}.txt")
        evaluator = trackeval.Evaluator({"USE_PARALLEL": False, "PRINT_RESULTS": False, "PRINT_CONFIG": False,
                                         "TIME_PROGRESS": False, "OUTPUT_SUMMARY": False,
                                         "OUTPUT_DETAILED": False, "PLOT_CURVES": False, "LOG_ON_ERROR": None})
        dataset = trackeval.datasets.MotChallenge2DBox({
            "GT_FOLDER": str(root / "gt"), "TRACKERS_FOLDER": str(root / "trk"), "OUTPUT_FOLDER": str(root / "out"),
            "BENCHMARK": benchmark, "SKIP_SPLIT_FOL": True, "SEQ_INFO": dict(seqs),
            "DO_PREPROC": benchmark != "MOT15", "PRINT_CONFIG": False})
        metrics = [trackeval.metrics.CLEAR({"PRINT_CONFIG": False}), trackeval.metrics.Identity({"PRINT_CONFIG": False})]
        res, _ = evaluator.evaluate([dataset], metrics)
    return {seq: by_cls["pedestrian"] for seq, by_cls in res["MotChallenge2DBox"]["t"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gt", type=Path, help="gt folder <gt>/<seq>/gt/gt.txt")
    parser.add_argument("--results", type=Path, help="folder of <seq>.txt result files")
    parser.add_argument("--benchmark", default="MOT17")
    parser.add_argument("--tud", action="store_true", help="the TUD gt and results that ship inside motmetrics")
    args = parser.parse_args()
    from trackbench.harness.metrics.evaluate import COMBINED
    from trackbench.harness.metrics.folders import evaluate_folders, find_gt_sequences, read_seq_length

    tmp = None
    if args.tud:
        import motmetrics

        tmp = tempfile.TemporaryDirectory()
        data, root = Path(motmetrics.__file__).parent / "data", Path(tmp.name)
        for seq in ("TUD-Campus", "TUD-Stadtmitte"):
            (root / "gt" / seq / "gt").mkdir(parents=True)
            shutil.copy(data / seq / "gt.txt", root / "gt" / seq / "gt" / "gt.txt")
            (root / "res").mkdir(exist_ok=True)
            shutil.copy(data / seq / "test.txt", root / "res" / f"{seq}.txt")
        args.gt, args.results, args.benchmark = root / "gt", root / "res", "MOT15"
    tables = {b: evaluate_folders(args.gt, args.results, benchmark=args.benchmark, backend=b)
              for b in ("motmetrics", "trackeval")}
    names = [s for s in tables["trackeval"].index if s != COMBINED]
    lengths = {}
    for g in find_gt_sequences(args.gt):
        if g.name in names:
            lengths[g.name] = g.length or read_seq_length(g.gt_path.parent.parent / "seqinfo.ini") or int(
                max(np.loadtxt(g.gt_path, delimiter=",", ndmin=2)[:, 0].max(),
                    np.loadtxt(args.results / f"{g.name}.txt", delimiter=",", ndmin=2)[:, 0].max()))
    theirs = trackeval_evaluator(args.gt, args.results, lengths, args.benchmark)
    print(f"{'sequence':<16} motmetrics -> trackeval (only the counts that differ)")
    for seq in names + [COMBINED]:
        mm, te = tables["motmetrics"].loc[seq], tables["trackeval"].loc[seq]
        diff = [f"{k} {mm[k]:.2f}->{te[k]:.2f}" if k in PERCENT else f"{k} {int(mm[k])}->{int(te[k])}"
                for k in COMPARED if abs(float(mm[k]) - float(te[k])) > 1e-9]
        print(f"{seq:<16} {'; '.join(diff) if diff else 'identical'}")
    worst_count, worst_ratio = 0.0, 0.0
    for seq in names + [COMBINED]:
        ref = theirs["COMBINED_SEQ" if seq == COMBINED else seq]
        for column, (metric, field) in TRACKEVAL_FIELDS.items():
            ours = float(tables["trackeval"].loc[seq, column])
            expected = float(ref[metric][field]) * (100.0 if column in PERCENT else 1.0)
            if column in PERCENT:
                worst_ratio = max(worst_ratio, abs(ours - expected) / 100.0)
            else:
                worst_count = max(worst_count, abs(ours - expected))
    print(f"trackeval backend vs TrackEval's Evaluator over {len(names)} sequences + combined, "
          f"{len(TRACKEVAL_FIELDS)} fields each: largest count difference {worst_count:g}, "
          f"largest ratio difference {worst_ratio:.2e}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
