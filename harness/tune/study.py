"""One Optuna study per (tracker, fold), kept in SQLite so a killed tune loses nothing.

Why the loop is written out (ask/tell) instead of ``study.optimize``:

- **Budget**: only COMPLETE trials count toward ``--trials`` (a setting the
  tracker rejects is PRUNED, a trial cut by a kill is FAIL; neither counts),
  and ``--seconds`` counts the time every finished trial took, as stored, so
  a resumed study does not get its time twice.
- **Defaults first**: the paper's defaults are enqueued as the first trial of
  every study (a default outside a declared range, such as SORT's ``-inf``
  score threshold, is clamped in what the sampler sees; the tracker runs with
  the real default, kept in the trial's ``values``).
- **Pruning** (``--prune``, one objective only): a trial reports its
  objective pooled over the sequences it has run so far after each
  sequence, and Optuna's median pruner stops it once that is worse than the
  median of the finished trials at the same point (never the defaults, never
  before :data:`PRUNER_STARTUP` trials finished).  A stopped trial is PRUNED
  with a ``stopped`` attribute and counts toward ``--trials``: the budget is
  then proposals tried, and the saving is the sequences a stopped trial
  never ran.
- **Resume = uninterrupted**: the sampler is rebuilt before each trial with a
  seed derived from ``--seed`` and the number of trials finished so far, so
  its proposal depends only on the stored history, never on how many
  processes it took to get there.  A trial left RUNNING by a kill is marked
  FAIL (and is ignored by TPE); its units rerun from their records.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from trackbench.harness.tune.objectives import Objective
from trackbench.harness.tune.paramfile import value_text
from trackbench.trackers.space import Dimension

#: Trials (of any state) one study may start beyond its budget before giving up on rejected settings.
EXTRA_ATTEMPTS = 50
#: Finished trials before the pruner may stop one (a median of fewer is noise).
PRUNER_STARTUP = 5


def _optuna():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return optuna


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL with synchronous=NORMAL: a commit is durable once written, whatever kills the process
    (only a power cut may lose the last few), at a fraction of the default's fsyncs per commit."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_storage(path: Path) -> Any:
    """Optuna's RDB storage on ``path`` (SQLite: each tell is one committed transaction)."""
    optuna = _optuna()
    from sqlalchemy import event

    storage = optuna.storages.RDBStorage(f"sqlite:///{Path(path).resolve()}")
    event.listen(storage.engine, "connect", _sqlite_pragmas)
    storage.engine.dispose()  # connections opened while creating the schema predate the pragmas
    return storage


@dataclass
class TrialOutcome:
    """What evaluating one setting gave: objective values and metrics, or why it did not count."""

    values: list[float] | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    rejected: str | None = None  # the tracker refused the setting (PRUNED: sampler learns, budget unspent)
    failed: str | None = None  # a unit failed or nothing could be scored (FAIL)
    stopped: int | None = None  # the pruner stopped it after this many sequences (PRUNED, counts as a trial)


#: step(sequences done, objective pooled over them) -> True to stop the trial there (pruning).
Step = Callable[[int, float], bool]
#: evaluate(values as strings, is_default[, step]) -> TrialOutcome; step is passed only when pruning.
Evaluate = Callable[..., TrialOutcome]


def _clamp(dim: Dimension, value: Any) -> Any:
    """A default as the sampler may see it: inside the range (and of its kind), or the first choice."""
    if dim.kind == "choice":
        return value if any(value == c and type(value) is type(c) for c in dim.choices) else dim.choices[0]
    low, high = float(dim.low), float(dim.high)  # type: ignore[arg-type]
    number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else low
    number = min(max(number, low), high) if math.isfinite(number) else (low if number < 0 else high)
    return int(round(number)) if dim.kind == "int" else number


def _suggest(trial: Any, dim: Dimension) -> Any:
    if dim.kind == "choice":
        return trial.suggest_categorical(dim.name, list(dim.choices))
    if dim.kind == "int":
        return trial.suggest_int(dim.name, int(dim.low), int(dim.high), log=dim.log)  # type: ignore[arg-type]
    return trial.suggest_float(dim.name, float(dim.low), float(dim.high), log=dim.log)  # type: ignore[arg-type]


@dataclass
class StudyPlan:
    """One study to run: its name, dimensions, the defaults of those dimensions, its budget and seed."""

    name: str
    dimensions: dict[str, Dimension]
    defaults: dict[str, Any]
    objective: Objective
    trials: int | None
    seconds: float | None
    seed: int
    prune: bool = False


def _states():
    return _optuna().trial.TrialState


def repair(study: Any) -> int:
    """Mark trials a killed process left RUNNING as FAIL (``interrupted``); returns how many."""
    state = _states()
    stale = [t.number for t in study.get_trials(deepcopy=False, states=(state.RUNNING,))]
    for number in stale:
        study.tell(number, state=state.FAIL)  # no "failed" reason: _needs_default reads that as interrupted
    return len(stale)


def stopped_early(trial: Any) -> bool:
    """A trial the pruner stopped (PRUNED with ``stopped``), unlike a setting the tracker rejected."""
    return trial.state == _states().PRUNED and trial.user_attrs.get("stopped") is not None


def counts(study: Any) -> tuple[int, int, float]:
    """(trials counted toward --trials: COMPLETE and stopped by the pruner, finished trials that the sampler
    learns from, seconds spent by finished trials)."""
    state = _states()
    trials = study.get_trials(deepcopy=False)
    complete = sum(t.state == state.COMPLETE or stopped_early(t) for t in trials)
    learned = sum(t.state in (state.COMPLETE, state.PRUNED) for t in trials)
    spent = sum((t.datetime_complete - t.datetime_start).total_seconds() for t in trials
                if t.datetime_complete and t.datetime_start)
    return complete, learned, spent


def _needs_default(study: Any) -> bool:
    state = _states()
    for t in study.get_trials(deepcopy=False):
        if not t.user_attrs.get("default"):
            continue
        if t.state != state.FAIL or t.user_attrs.get("failed"):  # a FAIL without a reason was cut short
            return False
    return True


def sampler_for(plan: StudyPlan, learned: int, trials_hint: int) -> Any:
    """TPE seeded from (seed, trials finished): the same history gives the same proposal."""
    optuna = _optuna()
    seed = (plan.seed * 1_000_003 + learned) % (2**32)
    startup = max(1, min(10, trials_hint // 3))
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup, multivariate=True)


def pruner_for(plan: StudyPlan) -> Any:
    """The median pruner for ``--prune`` (deterministic: it reads only the stored trials), else none."""
    optuna = _optuna()
    if not plan.prune:
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(n_startup_trials=PRUNER_STARTUP, n_warmup_steps=0, interval_steps=1)


def load_study(storage: Any, plan: StudyPlan) -> Any:
    optuna = _optuna()
    return optuna.create_study(storage=storage, study_name=plan.name, directions=plan.objective.directions,
                               load_if_exists=True, pruner=pruner_for(plan))


def _stepper(trial: Any, is_default: bool) -> Step:
    """Report each sequence's pooled objective; stop when the pruner says so (never the defaults)."""

    def step(done: int, value: float) -> bool:
        if not math.isfinite(value):
            return False
        trial.report(value, done)
        return not is_default and trial.should_prune()

    return step


def optimise(storage: Any, plan: StudyPlan, evaluate: Evaluate,
             on_trial: Callable[[int, dict[str, str], TrialOutcome, bool], None] | None = None) -> Any:
    """Run ``plan``'s study until its budget is spent (see module docstring); returns the study."""
    state = _states()
    study = load_study(storage, plan)
    repair(study)
    hint = plan.trials or 30
    limit = (plan.trials or 0) + EXTRA_ATTEMPTS
    attempts = 0
    while True:
        complete, learned, spent = counts(study)
        if plan.trials is not None and complete >= plan.trials:
            break
        if plan.seconds is not None and spent >= plan.seconds:  # finished trials' time, as stored
            break
        if plan.trials is not None and attempts >= limit:
            break  # the tracker keeps rejecting proposals; the outputs say how many trials completed
        attempts += 1
        if _needs_default(study):
            study.enqueue_trial({n: _clamp(d, plan.defaults.get(n)) for n, d in plan.dimensions.items()},
                                user_attrs={"default": True})
        study.sampler = sampler_for(plan, learned, hint)
        trial = study.ask()
        is_default = bool(trial.user_attrs.get("default"))
        sampled = {n: _suggest(trial, d) for n, d in plan.dimensions.items()}
        values = {n: value_text(plan.defaults.get(n) if is_default else v) for n, v in sampled.items()}
        trial.set_user_attr("values", values)
        try:
            outcome = evaluate(values, is_default, _stepper(trial, is_default)) if plan.prune else \
                evaluate(values, is_default)
        except BaseException:
            trial.set_user_attr("interrupted", True)
            study.tell(trial, state=state.FAIL)
            raise
        if outcome.metrics:  # one attribute, one commit
            trial.set_user_attr("metrics", {k: v for k, v in outcome.metrics.items() if math.isfinite(v)})
        if outcome.rejected:
            trial.set_user_attr("rejected", outcome.rejected)
            study.tell(trial, state=state.PRUNED)
        elif outcome.stopped is not None:
            trial.set_user_attr("stopped", outcome.stopped)
            study.tell(trial, state=state.PRUNED)
        elif outcome.failed or outcome.values is None or not all(math.isfinite(v) for v in outcome.values):
            trial.set_user_attr("failed", outcome.failed or "objective is not finite")
            study.tell(trial, state=state.FAIL)
        else:
            study.tell(trial, outcome.values)
        if on_trial:
            on_trial(trial.number, values, outcome, is_default)
    return study


def best_trial(study: Any, objective: Objective) -> Any | None:
    """The best COMPLETE trial; with several objectives, the Pareto trial best on the first (None if none)."""
    state = _states()
    complete = study.get_trials(deepcopy=False, states=(state.COMPLETE,))
    if not complete:
        return None
    if not objective.multi:
        return study.best_trial
    front = study.best_trials
    best = front[0]
    for t in front[1:]:
        if objective.better(t.values[0], best.values[0]) or (t.values[0] == best.values[0] and t.number < best.number):
            best = t
    return best


def pareto_front(study: Any) -> list[Any]:
    """The non-dominated COMPLETE trials, by trial number."""
    return sorted(study.best_trials, key=lambda t: t.number)
