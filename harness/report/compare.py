"""``bench compare``: per-metric differences between two trackers, with paired bootstrap intervals.

Two result sets (two runs, or two trackers of one run) are re-scored from
their MOTChallenge result files against the ground truth of the sequences
both have, with the project's metrics (motmetrics CLEAR/identity, TrackEval
HOTA).  The difference ``A − B`` of each metric over all common sequences
is the point estimate; its confidence interval comes from a paired bootstrap
(:mod:`trackbench.harness.report.bootstrap`):

- over **sequences** when there are enough of them (``min_sequences``): a
  replicate redraws whole sequences and combines their counts;
- over **frame blocks** otherwise: each sequence is cut into consecutive
  blocks of ``block_frames`` frames, every block is scored on its own, and a
  replicate redraws blocks within each sequence.  Blocks longer than the
  usual track life keep most of the within-sequence dependence; identities
  that cross a block border are cut, which the interval's shift corrects.

The interval describes these sequences (or this footage) being redrawn from
the same source, not other datasets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import FrameTable, Sequence
from trackbench.harness.metrics.evaluate import SequenceCounts, SequenceJob, combine_counts, count_sequences, finalize
from trackbench.harness.report.bootstrap import Interval, paired_bootstrap
from trackbench.harness.runs.runner import safe_label

#: Metrics compared unless asked otherwise (the headline ones).
DEFAULT_METRICS = ("HOTA", "MOTA", "IDF1")
#: Fewest common sequences for resampling whole sequences (below: frame blocks).
MIN_SEQUENCES = 10


@dataclass(frozen=True)
class Side:
    """One result set: a run folder and a tracker variant in it."""

    run_dir: Path
    tracker: str
    name: str = ""  # how outputs call it (default: the tracker)

    @property
    def label(self) -> str:
        return self.name or self.tracker

    def result_file(self, manifest: dict[str, Any], sequence: str) -> Path:
        return self.run_dir / manifest["dataset"] / safe_label(self.tracker) / "data" / f"{sequence}.txt"


@dataclass
class Comparison:
    """What ``bench compare`` found: A − B per metric with intervals, and how."""

    a: str
    b: str
    sequences: list[str]
    mode: str  # "sequences" or "blocks"
    units: int
    block_frames: int | None
    replicates: int
    level: float
    seed: int
    values_a: dict[str, float]
    values_b: dict[str, float]
    differences: dict[str, Interval]
    notes: list[str] = field(default_factory=list)

    def line(self, metric: str, digits: int = 1) -> str:
        """``deepsort − sort: HOTA +8.5 [6.1, 10.8]``."""
        d = self.differences[metric]
        return f"{self.a} − {self.b}: {metric} {d.estimate:+.{digits}f} [{d.low:.{digits}f}, {d.high:.{digits}f}]"

    def method(self) -> str:
        """One paragraph that states how the intervals were made (printed in every output)."""
        pct = f"{100 * self.level:g}%"
        if self.mode == "sequences":
            how = (f"resampling the {self.units} common sequences with replacement (both trackers on the same draw) "
                   "and combining each draw's counts")
        else:
            how = (f"cutting each of the {len(self.sequences)} common sequence(s) into blocks of {self.block_frames} "
                   f"consecutive frames ({self.units} blocks), scoring every block on its own, and resampling blocks "
                   "with replacement within their sequence (both trackers on the same draw); the percentile interval "
                   "is shifted by the whole-sequence estimate minus the all-blocks estimate, since identities "
                   "crossing a block border are cut")
        return (f"Differences are {self.a} − {self.b} over all common sequences, with {pct} paired bootstrap "
                f"percentile intervals from {self.replicates} replicates (seed {self.seed}), {how}.")

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a, "b": self.b, "sequences": self.sequences, "mode": self.mode, "units": self.units,
            "block_frames": self.block_frames, "replicates": self.replicates, "level": self.level, "seed": self.seed,
            "metrics": {m: {"a": self.values_a[m], "b": self.values_b[m], "difference": d.estimate,
                            "low": d.low, "high": d.high} for m, d in self.differences.items()},
            "method": self.method(), "notes": self.notes,
        }


def read_manifest(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a trackbench run folder (no manifest.json)")
    manifest = json.loads(path.read_text())
    if manifest.get("status") not in ("complete", "failed"):  # failed: some units failed, the rest were scored
        raise ValueError(f"run {run_dir} did not complete (status {manifest.get('status')!r})")
    return manifest


def run_trackers(manifest: dict[str, Any]) -> list[str]:
    """Variant names of a run, in run order."""
    return [v["name"] for v in manifest.get("variants", [])]


def split_trackers(text: str) -> list[str]:
    """``a,b`` → ``[a, b]``, keeping commas inside sweep labels (``deepsort[lambda=0,max_age=30]``) whole."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return [p for p in parts if p]


def pick_sides(runs: list[Path], trackers: list[str] | None) -> tuple[Side, Side]:
    """The two result sets named by the command line (see ``bench compare --help``)."""
    if len(runs) not in (1, 2):
        raise ValueError("give one run (with --trackers a,b) or two runs")
    manifests = [read_manifest(r) for r in runs]
    names = [run_trackers(m) for m in manifests]
    if len(runs) == 1:
        chosen = trackers or (names[0] if len(names[0]) == 2 else None)
        if not chosen or len(chosen) != 2:
            raise ValueError(f"{runs[0]} has trackers {', '.join(names[0])}: choose two with --trackers a,b")
        pairs = [(runs[0], chosen[0], names[0]), (runs[0], chosen[1], names[0])]
    else:
        if trackers and len(trackers) != 2:
            raise ValueError("with two runs, --trackers names one tracker of each: --trackers a,b")
        if trackers:
            ta, tb = trackers
        else:
            common = [t for t in names[0] if t in names[1]]
            only = [n[0] if len(n) == 1 else None for n in names]
            if len(common) == 1:
                ta = tb = common[0]
            elif only[0] and only[1]:
                ta, tb = only
            else:
                raise ValueError("the runs hold several trackers: choose one of each with --trackers a,b")
        pairs = [(runs[0], ta, names[0]), (runs[1], tb, names[1])]
    for run, tracker, available in pairs:
        if tracker not in available:
            raise ValueError(f"{run} has no tracker {tracker!r} (it has {', '.join(available)})")
    (ra, ta, _), (rb, tb, _) = pairs
    if ta == tb:  # same tracker in two runs: tell them apart by run
        return Side(ra, ta, f"{Path(ra).name}/{ta}"), Side(rb, tb, f"{Path(rb).name}/{tb}")
    return Side(ra, ta), Side(rb, tb)


def load_sequences(manifest: dict[str, Any], data_root: Path | None) -> list[Sequence]:
    """The run's sequences (gt and scoring rules) as the run saw them, frame limit included."""
    from trackbench.datasets import load_dataset

    dataset = manifest.get("dataset_option") or manifest["dataset"]
    root = data_root or manifest.get("data_root")
    options = {k: manifest[k] for k in ("detector", "use_roi") if manifest.get(k) is not None}
    sequences = load_dataset(dataset, root, manifest.get("sequences"), **options)
    frames = manifest.get("frames") or {}
    return [s.head(frames[s.name]) if s.name in frames else s for s in sequences]


def frame_window(table: FrameTable, first: int, last: int) -> FrameTable:
    """Rows of frames ``first..last``, renumbered to start at frame 1 (one block scored on its own)."""
    keep = (table.frames >= first) & (table.frames <= last)
    part = table.select(keep)
    return FrameTable(frames=part.frames - (first - 1), ids=part.ids, boxes=part.boxes, scores=part.scores,
                      classes=part.classes, visibility=part.visibility)


def block_bounds(length: int, block_frames: int) -> list[tuple[int, int]]:
    """Consecutive (first, last) frame ranges; a short tail joins the previous block."""
    bounds = [(s, min(s + block_frames - 1, length)) for s in range(1, length + 1, block_frames)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] + 1 < block_frames // 2:
        tail = bounds.pop()
        bounds[-1] = (bounds[-1][0], tail[1])
    return bounds


def compare(a: Side, b: Side, metrics: tuple[str, ...] = DEFAULT_METRICS, *, resample: str = "auto",
            block_frames: int | None = None, replicates: int = 1000, level: float = 0.95, seed: int = 0,
            data_root: Path | None = None, min_sequences: int = MIN_SEQUENCES, workers: int = 1) -> Comparison:
    """Score A and B on their common sequences and bootstrap the differences (see module docstring)."""
    man_a, man_b = read_manifest(a.run_dir), read_manifest(b.run_dir)
    if (man_a.get("frames") or {}) != (man_b.get("frames") or {}) and a.run_dir != b.run_dir:
        common_frames = set(man_a.get("frames") or {}) & set(man_b.get("frames") or {})
        if any(man_a["frames"][s] != man_b["frames"][s] for s in common_frames):
            raise ValueError("the runs scored different frame ranges (--max-frames): not comparable")
    if man_a["dataset"] != man_b["dataset"]:
        raise ValueError(f"the runs are on different datasets ({man_a['dataset']} vs {man_b['dataset']})")
    notes: list[str] = []
    sequences = [s for s in load_sequences(man_a, data_root) if s.ground_truth is not None]
    usable = []
    for seq in sequences:
        missing = [side.label for side, man in ((a, man_a), (b, man_b)) if not side.result_file(man, seq.name).is_file()]
        if missing:
            notes.append(f"{seq.name} left out: no result for {', '.join(missing)}")
        else:
            usable.append(seq)
    if not usable:
        raise ValueError("the two result sets share no scored sequence")
    mode = resample if resample != "auto" else ("sequences" if len(usable) >= min_sequences else "blocks")
    if mode not in ("sequences", "blocks"):
        raise ValueError(f"--resample must be auto, sequences or blocks, got {resample!r}")
    jobs_a: list[SequenceJob] = []
    jobs_b: list[SequenceJob] = []
    strata: list[int] = []
    used_block = None
    for k, seq in enumerate(usable):  # the whole sequences first, then their blocks
        gt, length = seq.ground_truth, seq.info.length
        res_a = read_mot_file(a.result_file(man_a, seq.name), "result")
        res_b = read_mot_file(b.result_file(man_b, seq.name), "result")
        jobs_a.insert(k, SequenceJob(seq.name, gt, res_a, seq.eval_spec, length))
        jobs_b.insert(k, SequenceJob(seq.name, gt, res_b, seq.eval_spec, length))
        if mode == "sequences":
            continue
        used_block = block_frames or max(20, length // 20)
        for first, last in block_bounds(length, used_block):
            part, name = frame_window(gt, first, last), f"{seq.name}:{first}-{last}"
            jobs_a.append(SequenceJob(name, part, frame_window(res_a, first, last), seq.eval_spec, last - first + 1))
            jobs_b.append(SequenceJob(name, part, frame_window(res_b, first, last), seq.eval_spec, last - first + 1))
            strata.append(k)
    check_resamplable(usable, strata, mode, used_block)
    counted = count_sequences(jobs_a + jobs_b, workers)
    n = len(usable)
    whole_a, units_a = counted[:n], counted[n:len(jobs_a)]
    whole_b, units_b = counted[len(jobs_a):len(jobs_a) + n], counted[len(jobs_a) + n:]
    if mode == "sequences":
        units_a, units_b, strata = whole_a, whole_b, [0] * n  # one stratum: whole sequences
    values_a, values_b = _scores(whole_a, metrics), _scores(whole_b, metrics)
    point = {m: values_a[m] - values_b[m] for m in metrics}

    def statistic(indices: np.ndarray) -> dict[str, float]:
        sa = _scores([units_a[i] for i in indices], metrics)
        sb = _scores([units_b[i] for i in indices], metrics)
        return {m: sa[m] - sb[m] for m in metrics}

    intervals = paired_bootstrap(strata, statistic, replicates=replicates, seed=seed, level=level, point=point)
    if mode == "blocks" and len(usable) == 1:
        notes.append("one sequence only: the interval says how stable the difference is across this footage, "
                     "not across other scenes")
    return Comparison(a.label, b.label, [s.name for s in usable], mode, len(units_a), used_block, replicates,
                      level, seed, values_a, values_b, intervals, notes)


def check_resamplable(usable: list[Sequence], strata: list[int], mode: str, block: int | None) -> None:
    """Refuse a bootstrap whose replicates could not differ (it would print a zero-width "95 %" interval)."""
    if mode == "sequences":
        if len(usable) < 2:
            raise ValueError("one common sequence cannot be resampled as whole sequences (every replicate is the "
                             "same); use --resample blocks")
        return
    if len(strata) and max(np.bincount(strata)) >= 2:
        return
    shortest = min(s.info.length for s in usable)
    raise ValueError(f"every sequence is a single block of up to {block} frames ({', '.join(s.name for s in usable)}), "
                     "so a bootstrap would redraw the same blocks every time (a zero-width interval); pass "
                     f"--block-frames {max(5, shortest // 4)} or compare over more frames")


def _scores(units: list[SequenceCounts], metrics: tuple[str, ...]) -> dict[str, float]:
    values = finalize(combine_counts(units))
    missing = [m for m in metrics if m not in values]
    if missing:
        raise ValueError(f"unknown metric(s) {', '.join(missing)}; choose from {', '.join(values)}")
    return {m: float(values[m]) for m in metrics}
