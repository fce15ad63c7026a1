"""What a tuning optimises: one or more leaderboard metrics, each in its own direction.

HOTA, MOTA, IDF1, Hz… are maximised; FP, FN, IDsw and the other error counts
are minimised (the leaderboard's own rule, :data:`LOWER_IS_BETTER`), so
``--objective IDsw`` never rewards a tracker for switching more.  Several
metrics (``--objective HOTA,Hz``) make a multi-objective study whose answer
is a Pareto front rather than one setting.  Data-describing counts (GT_IDs,
Frames…) are not objectives.
"""

from __future__ import annotations

from dataclasses import dataclass

from trackbench.harness.report.leaderboard import NEUTRAL_COLUMNS, higher_is_better, known_metrics
from trackbench.trackers.params import ParamError

#: Speed columns a trial also reports (not in the metric families' COLUMNS).
SPEED_METRICS = ("Hz", "Hz e2e")


@dataclass(frozen=True)
class Objective:
    """The metrics of a study, in order, with Optuna's direction for each."""

    metrics: tuple[str, ...]

    @property
    def directions(self) -> list[str]:
        return ["maximize" if higher_is_better(m) else "minimize" for m in self.metrics]

    @property
    def multi(self) -> bool:
        return len(self.metrics) > 1

    @property
    def first(self) -> str:
        return self.metrics[0]

    def better(self, a: float, b: float) -> bool:
        """Whether ``a`` beats ``b`` on the first metric."""
        return a > b if higher_is_better(self.first) else a < b

    def describe(self) -> str:
        return ", ".join(f"{m} ({'max' if d == 'maximize' else 'min'})" for m, d in zip(self.metrics, self.directions))


def parse_objective(text: str) -> Objective:
    """``"HOTA"`` or ``"HOTA,Hz"`` → :class:`Objective`; names are matched case-insensitively."""
    choices = [m for m in dict.fromkeys(list(known_metrics()) + list(SPEED_METRICS)) if m not in NEUTRAL_COLUMNS]
    by_lower = {m.lower(): m for m in choices}
    names = [t.strip() for t in (text or "").split(",") if t.strip()]
    if not names:
        raise ParamError("--objective names no metric (e.g. --objective HOTA or --objective HOTA,Hz)")
    metrics = []
    for name in names:
        if name.lower() not in by_lower:
            raise ParamError(f"--objective {name!r} is not a metric; choose from {', '.join(choices)}")
        metrics.append(by_lower[name.lower()])
    if len(set(metrics)) != len(metrics):
        raise ParamError(f"--objective {text!r} names a metric twice")
    return Objective(tuple(metrics))
