"""``bench eval`` on BDD100K's Scalabel JSON: a predictions file scored against a gt file (or folder).

BDD100K trackers publish one JSON of every video's predictions (boxes with
``id``, ``category``, ``score``), not MOT text files, so ``bench eval`` takes
that file as it is: ``--gt labels.json|folder --results predictions.json``
(chosen by the ``.json`` suffix, or ``--benchmark bdd100k``).  The gt is read
by :func:`trackbench.datasets.bdd100k.load_bdd100k` (one sequence per (video,
class), TrackEval's BDD100K rules), the predictions by
:func:`~trackbench.datasets.bdd100k.read_predictions`.

Classes scored: those with a gt or a predicted box (an unlabelled class with
predictions still costs its false positives, as in TrackEval), or the ones
asked for.  The table has one row per (video, class), one per class (its
videos combined), ``CLASS_AVG`` (TrackEval's class-averaged combination) and
``COMBINED`` (detection-averaged, TrackEval's ``cls_comb_det_av``); see
:mod:`.classes`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from trackbench.datasets.bdd100k import (CLASSES, gt_files, load_bdd100k, read_predictions, read_videos,
                                        select_sequences)
from trackbench.datasets.sequence import FrameTable
from trackbench.harness.metrics.classes import class_rows
from trackbench.harness.metrics.evaluate import DEFAULT_BACKEND, DEFAULT_ENGINE, SequenceJob, count_sequences, finalize
from trackbench.harness.metrics.folders import metrics_table
from trackbench.harness.metrics.verify import check_against_library

BENCHMARK = "BDD100K"


def is_scalabel(gt: Path, results: Path, benchmark: str | None) -> bool:
    """Whether ``bench eval`` was given Scalabel JSON (by suffix or ``--benchmark bdd100k``)."""
    return (benchmark or "").lower() == "bdd100k" or Path(gt).suffix == ".json" or Path(results).suffix == ".json"


def classes_present(gt: Path, results: Path) -> list[str]:
    """Every BDD100K class with a box in the gt or the predictions, in BDD100K's order."""
    seen: set[str] = set()
    for path in [*gt_files(gt, None), results]:
        for boxes in read_videos(path).values():
            seen.update(str(c) for c in boxes.categories)
    return [c for c in CLASSES if c in seen]


def evaluate_scalabel(gt: str | Path, results: str | Path, classes: Sequence[str] | None = None,
                      sequences: Sequence[str] | None = None, workers: int = 1, backend: str = DEFAULT_BACKEND, engine: str = DEFAULT_ENGINE,
                      verify: bool = False) -> pd.DataFrame:
    """Rows per (video, class), per class, ``CLASS_AVG`` and ``COMBINED`` (module docstring).

    A predicted video that is not in the gt is an error naming it (its boxes
    would otherwise go unscored); a gt video without predictions scores as an
    empty result.  ``sequences``: names or prefixes (``<video>``,
    ``<video>-<class>``) to score, as ``--sequences``.
    """
    gt, results = Path(gt), Path(results)
    if not results.is_file():
        raise FileNotFoundError(f"--results {results}: no such Scalabel JSON file")
    wanted = [c.lower() for c in classes] if classes else classes_present(gt, results)
    every = load_bdd100k(gt, classes=wanted)  # the gt read once: scored and stray predictions both need it
    scored = select_sequences(every, list(sequences) if sequences else None)
    predicted = read_predictions(results, wanted)
    known = {s.name for s in every}
    stray = sorted({name.rsplit("-", 1)[0] for name, table in predicted.items() if len(table) and name not in known})
    if stray:
        raise ValueError(f"{results}: predictions for video(s) {', '.join(stray)} that {gt} has no labels for")
    jobs = [SequenceJob(s.name, s.ground_truth, predicted.get(s.name, FrameTable.empty()), s.eval_spec, s.info.length)
            for s in scored]
    counts = count_sequences(jobs, workers, backend, engine)
    if verify:
        check_against_library(counts, jobs, workers, backend, engine)
    rows = {c.name: finalize(c) for c in counts}
    rows.update(class_rows(counts, {s.name: s.eval_spec.object_class for s in scored}))
    table = metrics_table(list(rows.values()), list(rows))
    table.attrs.update(verified=len(counts) if verify else 0, clear_backend=backend,
                       benchmark={s.name: BENCHMARK for s in scored})
    return table
