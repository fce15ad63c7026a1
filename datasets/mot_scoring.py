"""How a MOTChallenge-layout sequence is scored: the one rule ``bench run`` and ``bench eval`` share.

MOTChallenge scores two ways (TrackEval's ``MotChallenge2DBox``):

- **MOT15 style**: every gt row with conf != 0 is scored, nothing is removed;
- **MOT16/17/20 style**: tracker boxes matched to a distractor-class gt box
  (person on vehicle, static person, distractor, reflection; in MOT20 also
  non-MOT vehicle) are removed first, and only pedestrians are scored.

Which style applies is read from the ground truth, where the layout shows:
a gt.txt with the class column (9 columns, the MOT16/17/20 layout) is scored
MOT17-style — MOT20-style when the dataset or the sequence name says MOT20 —
and any other gt MOT15-style.  Folder names play no other part, so a renamed
copy of a MOT17 sequence is scored exactly like the original, whether its
results come from ``bench run`` or are scored later by ``bench eval``.
"""

from __future__ import annotations

from trackbench.datasets.sequence import EvalSpec, FrameTable

#: MOTChallenge gt class ids (MOT16 paper, table 4; ``gt.txt`` column 8).
PEDESTRIAN = 1
MOT_DISTRACTORS = (2, 7, 8, 12)  # person_on_vehicle, static_person, distractor, reflection
MOT20_EXTRA_DISTRACTORS = (6,)  # non_mot_vehicle
BENCHMARKS = ("MOT15", "MOT16", "MOT17", "MOT20")


def has_classes(gt: FrameTable | None) -> bool:
    """Whether a gt table carries MOTChallenge classes (the 9-column MOT16/17/20 layout)."""
    return gt is not None and len(gt) > 0 and bool((gt.classes != -1).any())


def scoring_benchmark(name: str, gt: FrameTable | None, dataset: str | None = None) -> str:
    """``MOT15``, ``MOT17`` or ``MOT20``: the style a sequence is scored in (see the module docstring)."""
    if not has_classes(gt):
        return "MOT15"
    mot20 = (dataset or "").lower() == "mot20" or name.upper().startswith("MOT20")
    return "MOT20" if mot20 else "MOT17"


def spec_for_benchmark(benchmark: str) -> EvalSpec:
    """The :class:`EvalSpec` that scores a sequence the way TrackEval scores ``benchmark``."""
    bench = benchmark.upper()
    if bench == "MOT15":
        return EvalSpec(notes=("MOT15: conf == 0 gt rows dropped, no distractor removal",))
    note = f"{bench}: tracker boxes matched to distractor gt removed, pedestrians scored"
    if bench in ("MOT16", "MOT17"):
        return EvalSpec(distractor_classes=MOT_DISTRACTORS, eval_classes=(PEDESTRIAN,), notes=(note,))
    if bench == "MOT20":
        classes = tuple(sorted(MOT_DISTRACTORS + MOT20_EXTRA_DISTRACTORS))
        return EvalSpec(distractor_classes=classes, eval_classes=(PEDESTRIAN,), notes=(note,))
    raise ValueError(f"unknown benchmark {benchmark!r}; expected one of {', '.join(BENCHMARKS)}")


def eval_spec_for(name: str, gt: FrameTable | None, dataset: str | None = None) -> EvalSpec:
    """How to score sequence ``name`` with this gt: :func:`spec_for_benchmark` of :func:`scoring_benchmark`."""
    return spec_for_benchmark(scoring_benchmark(name, gt, dataset))
