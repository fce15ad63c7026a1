"""trackbench from Python: what ``bench run``, ``eval``, ``sweep`` and ``tune`` do, as functions.

Each function builds the same request object its command builds and hands it
to the same code (:mod:`trackbench.harness.cli.run`, ``.sweep``,
:mod:`trackbench.harness.tune.session`, ``bench eval``'s scoring), so a
notebook and the command line cannot drift apart: same checks, same run
folder, same manifest, same tables.  What differs is only the edge: tables
come back as pandas DataFrames instead of being printed, and bad input raises
an exception (:class:`~trackbench.trackers.params.ParamError`,
:class:`~trackbench.datasets.mot.DatasetNotFound`, ``FileNotFoundError``,
``ValueError``) instead of printing one line and exiting with status 2.

Import these names from ``trackbench`` itself (``trackbench.run``); this
module's path is not part of the public API.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Union

if TYPE_CHECKING:  # pandas and the harness are imported when a function runs, not with trackbench
    import pandas as pd
    from rich.console import Console

    from trackbench.datasets.sequence import Sequence

PathLike = Union[str, "os.PathLike[str]"]
#: Tracker parameters: ``{"max_age": 30, "deepsort.embedder": "histogram"}`` or ``["max_age=30", ...]``.
Params = Union[Mapping[str, Any], Iterable[str], None]


@dataclass
class RunResult:
    """What :func:`run` produced: the leaderboards, the run folder and its manifest.

    ``overall`` has one row per tracker variant (combined over sequences from
    summed counts, best HOTA first, or as ``sort=`` asked); ``per_sequence``
    one row per (variant, sequence).  Both are ``None`` when no sequence had
    ground truth to score against.  The same tables are in the run folder as
    ``leaderboard.csv|md`` and ``per_sequence.csv|md``.
    """

    run_dir: Path
    overall: pd.DataFrame | None
    per_sequence: pd.DataFrame | None
    notes: list[str]
    legend: list[str]
    manifest: dict[str, Any]

    @property
    def results_dir(self) -> Path:
        """The result files in TrackEval's layout, ``<run>/<dataset>/<tracker>/data/<sequence>.txt``.

        Pass it as ``results=`` to :func:`evaluate`, or to TrackEval itself.
        """
        return self.run_dir / str(self.manifest["dataset"])

    @property
    def failed(self) -> list[str]:
        """``"<variant> on <sequence>: <reason>"`` for each unit that failed (empty when all ran)."""
        return list(self.manifest.get("reasons", [])) if self.manifest.get("status") == "failed" else []


@dataclass
class SweepResult:
    """What :func:`sweep` produced: one table row per setting, the plot, and the run underneath."""

    table: pd.DataFrame | None
    plot: Path | None
    run: RunResult
    settings: list[dict[str, Any]] = field(default_factory=list)  # label, tracker and values of each setting


@dataclass
class TuneResult:
    """What :func:`tune` produced: held-out scores, each fold's choice, and the settings to deploy."""

    run_dir: Path
    heldout: pd.DataFrame  # default vs tuned on held-out sequences, with a paired bootstrap interval
    folds: pd.DataFrame  # each fold's chosen setting and its train-vs-test gap
    best: dict[str, dict[str, str]]  # tracker -> parameters, as written to best_params.json
    notes: list[str]
    held_out: bool  # False when the scores were not on sequences the search never saw (--cv none)

    @property
    def best_params_file(self) -> Path:
        """``best_params.json``: pass it to :func:`run` as ``params_file=``."""
        return self.run_dir / "best_params.json"


def run(
    trackers: Iterable[str] | str | None = None,
    dataset: str = "synth",
    data_root: PathLike | None = None,
    sequences: Iterable[str] | str | None = None,
    params: Params = None,
    detections: str | None = None,
    *,
    results: PathLike = "results",
    name: str | None = None,
    jobs: int = 1,
    clear_backend: str = "motmetrics",
    progress: bool = True,
    **options: Any,
) -> RunResult:
    """Run trackers over a dataset's sequences, score them and save the run, as ``bench run`` does.

    Args:
        trackers: tracker names (``["sort", "bytetrack"]`` or ``"sort,bytetrack"``), adapters
            (``"rf.bytetrack"``), plug-in names or ``"package.module:Class"``.  ``None``: every
            built-in and installed plug-in tracker.
        dataset: ``synth`` (generated, no download), ``mot15|16|17|20``, ``aicity``, ``sportsmot``,
            ``dancetrack``, ``kitti``, ``bdd100k``, or a folder in MOTChallenge layout.
        data_root: the dataset's own folder; default ``$TRACKBENCH_DATA/<DATASET>``.
        sequences: names or prefixes to keep (default: all).
        params: tracker parameters, ``{"max_age": 5, "deepsort.embedder": "histogram"}``; a plain
            name applies to every selected tracker that has it, ``TRACKER.name`` to one tracker.
        detections: a dataset's own detection set (``"FRCNN"``), a folder of ``<sequence>.txt``
            MOT files from any detector, or ``"gt"`` (oracle boxes).
        results: the folder that receives ``<name>/``.
        name: the run's folder name (default: a timestamp); a name that holds a run is refused
            unless ``resume=True``.
        jobs: worker processes (``executor="process"`` when above 1).
        clear_backend: where CLEAR and identity metrics come from, ``motmetrics`` or ``trackeval``.
        progress: show progress on stderr (it always goes to the run's ``run.log``).
        **options: any other field of ``bench run``'s request, by its Python name: ``min_score``,
            ``max_frames``, ``frames`` (``"val-half"``), ``detect_every``, ``cmc``, ``cmc_ablation``,
            ``executor``, ``ray_address``, ``resume``, ``params_file``, ``split``, ``classes``,
            ``gt_drop``, ``gt_jitter``, ``seed``, ``use_roi``, ``sort``.

    Returns:
        The leaderboards as DataFrames, the run folder and its manifest.

    Raises:
        ParamError: an unknown tracker or parameter, or a bad option value (before anything runs).
        DatasetNotFound: the data is not where ``data_root``/``$TRACKBENCH_DATA`` say.
    """
    from trackbench.harness.cli.run import RunRequest, execute, prepared

    request = _request(RunRequest, options, trackers=_names(trackers), dataset=dataset,
                       data_root=_path(data_root), sequences=_names(sequences), params=_param_items(params),
                       detections=detections, results=Path(results), name=name, jobs=jobs,
                       clear_backend=clear_backend)
    request = prepared(request)
    return _run_result(execute(request, _console(progress)))


def sweep(
    trackers: Iterable[str] | str,
    params: Params,
    dataset: str = "synth",
    data_root: PathLike | None = None,
    sequences: Iterable[str] | str | None = None,
    detections: str | None = None,
    *,
    results: PathLike = "results",
    name: str | None = None,
    jobs: int = 1,
    clear_backend: str = "motmetrics",
    progress: bool = True,
    **options: Any,
) -> SweepResult:
    """Run a grid of parameter settings as one run, as ``bench sweep`` does.

    ``params`` gives each swept parameter its values: a range ``"0:1:0.1"``
    (start, stop, step; the stop included), a list (``[10, 30, 60]`` or
    ``"10,30,60"``), or one fixed value; ``{"lambda": "0:1:0.25", "max_age": [10, 30]}``
    sweeps the product.  ``**options``: ``detect_every``, ``min_score``,
    ``executor``, ``ray_address``, ``resume``, ``gt_drop``, ``gt_jitter``,
    ``seed``, ``detector``.  Raises as :func:`run`.
    """
    from trackbench.harness.cli.sweep import SweepRequest, execute_sweep, prepared_sweep

    request = _request(SweepRequest, options, trackers=_names(trackers) or [], params=_param_items(params),
                       dataset=dataset, data_root=_path(data_root), sequences=_names(sequences),
                       detections=detections, results=Path(results), name=name, jobs=jobs,
                       clear_backend=clear_backend)
    outcome = execute_sweep(prepared_sweep(request), _console(progress))
    settings = [{"label": s.variant.name, "tracker": s.variant.tracker, "values": dict(s.values)}
                for s in outcome.settings]
    return SweepResult(outcome.table, outcome.plot, _run_result(outcome.run), settings)


def tune(
    trackers: Iterable[str] | str,
    dataset: str = "synth",
    data_root: PathLike | None = None,
    sequences: Iterable[str] | str | None = None,
    *,
    objective: str = "HOTA",
    trials: int | None = None,
    seconds: float | None = None,
    seed: int = 0,
    cv: str | None = None,
    space: Params = None,
    params: Params = None,
    results: PathLike = "results",
    name: str | None = None,
    progress: bool = True,
    **options: Any,
) -> TuneResult:
    """Tune trackers under one budget and score them on held-out sequences, as ``bench tune`` does.

    Needs Optuna (``pip install "trackbench[tune]"``).  ``space`` changes a
    declared range (``{"max_age": "1:60"}``, ``"low:high:log"``, or choices
    ``"a,b,c"``); ``params`` fixes a value for every trial.  ``cv``: ``loso``
    (the default with two or more sequences), ``kfold:K``, ``split:TRAIN/TEST``
    or ``none``.  ``**options``: ``detections``, ``data_root``-like dataset
    options of :func:`run` (``max_frames``, ``min_score``, ``detect_every``,
    ``clear_backend``, ``gt_drop``, ``gt_jitter``), ``replicates``, ``level``,
    ``jobs``, ``executor``, ``ray_address``, ``resume``.  Raises as :func:`run`.
    """
    from trackbench.harness.cli.run import run_name
    from trackbench.harness.tune.session import TuneRequest, execute_tune, resumed

    request = _request(TuneRequest, options, trackers=_names(trackers), dataset=dataset,
                       data_root=_path(data_root), sequences=_names(sequences), objective=objective,
                       trials=trials, seconds=seconds, seed=seed, cv=cv, space=_param_items(space),
                       params=_param_items(params), results=Path(results), name=name)
    request = replace(request, name=run_name(request))
    if request.resume:
        request = resumed(request)
    outcome = execute_tune(request, _console(progress))
    return TuneResult(outcome.run_dir, outcome.heldout, outcome.folds, outcome.best, outcome.notes,
                      outcome.held_out)


def evaluate(
    gt: PathLike,
    results: PathLike,
    sequences: Iterable[str] | str | None = None,
    clear_backend: str = "motmetrics",
    *,
    benchmark: str | None = None,
    verify: bool = False,
    sort: str | None = None,
    jobs: int = 1,
) -> pd.DataFrame:
    """Score MOTChallenge result files against a ground-truth folder, as ``bench eval`` does.

    Args:
        gt: ``<gt>/<sequence>/gt/gt.txt`` (MOTChallenge), one level deeper (TrackEval's
            ``MOT17-train/``), or one sequence folder.
        results: ``<results>/<sequence>.txt``, ``<results>/data/<sequence>.txt``, or several
            trackers' folders ``<results>/<tracker>/data/<sequence>.txt`` (a run's
            :attr:`RunResult.results_dir`), which are scored one by one and stacked under a
            ``tracker`` index level.
        sequences: score only these gt sequences.
        clear_backend: ``motmetrics`` or ``trackeval`` (see the metrics page).
        benchmark: force ``MOT15``/``MOT16``/``MOT17``/``MOT20`` scoring (default: per sequence,
            by the rule ``bench run`` uses).
        verify: count again with the libraries' own code and raise ``VerificationError`` on any
            difference.
        sort: rank by another metric than HOTA.
        jobs: scoring processes.

    Returns:
        One row per sequence and a ``COMBINED`` row (per tracker when there are several);
        ``df.attrs["notes"]`` holds what ``bench eval`` prints under the table (e.g. a tracker
        missing sequences, damaged result files).
    """
    from trackbench.harness.cli.eval import scored_board
    from trackbench.harness.report import leaderboard

    leaderboard.check_options(sort, "table")
    table, notes = scored_board(Path(gt), Path(results), benchmark, jobs, _names(sequences), clear_backend, verify,
                                sort)
    table.attrs.update(notes=notes)
    return table


def load_dataset(name: str = "synth", data_root: PathLike | None = None,
                 sequences: Iterable[str] | str | None = None, **options: Any) -> list[Sequence]:
    """The sequences of a dataset, as ``bench run`` loads them (same names, same ``data_root`` rules).

    Each :class:`~trackbench.datasets.sequence.Sequence` has ``info`` (name,
    length, fps, size), ``detections`` and ``ground_truth`` (tables sliced per
    frame: ``seq.detections.detections(frame)`` gives a frame's
    :class:`~trackbench.datasets.sequence.Detections`), and ``images()`` when
    the data has frames.  ``**options`` are the loader's: ``split`` and
    ``classes`` (SportsMOT, DanceTrack, KITTI, BDD100K), ``use_roi`` (AI City).
    """
    from trackbench.datasets import load_dataset as load

    return load(name, _path(data_root), _names(sequences), **options)


def save_mot(sequences: Iterable[Sequence], folder: PathLike, images: bool = False) -> list[Path]:
    """Write sequences in MOTChallenge layout (``seqinfo.ini``, ``det/det.txt``, ``gt/gt.txt``, ``img1/``).

    Makes any loaded sequence, the synthetic set included, a folder that
    :func:`evaluate`, ``--dataset FOLDER`` and external tools (TrackEval, other
    trackers' demo scripts) read.  ``images=True`` also writes the frames as
    JPEG files.  Returns the sequence folders.
    """
    from trackbench.datasets.synth import write_synth_mot

    return write_synth_mot(list(sequences), folder, images=images)


# --- building requests ------------------------------------------------------------------------


def _request(cls: type, options: Mapping[str, Any], **given: Any) -> Any:
    """``cls(**given, **options)``, refusing an option the command does not have (a typo is not ignored)."""
    known = {f.name for f in fields(cls)} - {"variants", "format"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"unknown option(s) {', '.join(unknown)}; {cls.__name__} takes {', '.join(sorted(known))}")
    for key in ("params_file", "results"):
        if options.get(key) is not None:
            options = {**options, key: Path(options[key])}
    return cls(**given, **options)


def _names(value: Iterable[str] | str | None) -> list[str] | None:
    """A comma-separated string or an iterable of names as a list (``None`` stays ``None``)."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(v).strip() for v in items if str(v).strip()]


def _path(value: PathLike | None) -> Path | None:
    return None if value is None else Path(value).expanduser()


def _param_items(params: Params) -> list[str]:
    """``{"name": value}`` as the CLI's ``name=value`` items; lists become ``a,b,c`` (sweep values)."""
    if params is None:
        return []
    if isinstance(params, str):
        return [params]
    if not isinstance(params, Mapping):
        return [str(p) for p in params]
    return [f"{name}={_text(value)}" for name, value in params.items()]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, (list, tuple, range)):
        return ",".join(_text(v) for v in value)
    return str(value)


def _console(progress: bool) -> Console:
    from trackbench.io.terminal import make_console

    return make_console(stderr=True, quiet=not progress)


def _run_result(outcome: Any) -> RunResult:
    manifest = json.loads((outcome.run_dir / "manifest.json").read_text(encoding="utf-8"))
    return RunResult(outcome.run_dir, outcome.overall, outcome.per_sequence, list(outcome.notes),
                     list(outcome.legend), manifest)


__all__ = ["RunResult", "SweepResult", "TuneResult", "evaluate", "load_dataset", "run", "save_mot", "sweep",
           "tune"]
