"""The authors' own tracker outputs (``shared/data/reference-outputs``) and a frame-by-frame comparison with them.

The oracles in ``tests/oracles`` are ports written by this project, so they can
share an assumption with the trackers they check.  The files read here were
written by the authors' code itself (abewley/sort, nwojke/deep_sort,
ifzhang/ByteTrack, noahcao/OC_SORT; the README beside them says how each was
made), so they are an independent judge.

One :class:`ReferenceRun` per folder states how the authors ran (their
settings, as trackbench parameters) and how ids must agree: exactly where both
sides use the same assignment solver, or up to one consistent one-to-one
relabelling over the whole sequence where the README explains the solver
legitimately picks other zero-IoU pairs (SORT with ``lap``).

trackbench runs through :func:`~trackbench.harness.runs.tracking.track_unit`, the
path ``bench run`` takes (dataset loader, then ``tracker.update`` frame by
frame), so the real input path is what gets compared.  Boxes are compared in
full precision (the ``full_precision/`` files, floats written with ``repr``),
to :data:`BOX_ATOL` pixels: far below the 0.01 px of the authors' own ``%.2f``
files, so any real difference in the tracking shows, while a reordering of
floating-point operations (measured: at most 2e-12 px) does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from trackbench.datasets import load_dataset
from trackbench.datasets.sequence import Sequence
from trackbench.harness.runs.tracking import Variant, track_unit

#: Largest difference, in pixels, between a box of ours and the authors' that still counts as the same box.
BOX_ATOL = 1e-6
#: Largest difference between reported scores (ByteTrack writes its last detection's score).
SCORE_ATOL = 1e-9

MOT15_SEQUENCES = ("ADL-Rundle-6", "ADL-Rundle-8", "ETH-Bahnhof", "ETH-Pedcross2", "ETH-Sunnyday", "KITTI-13",
                   "KITTI-17", "PETS09-S2L1", "TUD-Campus", "TUD-Stadtmitte", "Venice-2")
MOT17_SEQUENCES = tuple(f"MOT17-{n}-FRCNN" for n in ("02", "04", "05", "10", "11"))
ALL_SEQUENCES = MOT15_SEQUENCES + MOT17_SEQUENCES


@dataclass(frozen=True)
class ReferenceRun:
    """One folder of authors' outputs and the trackbench configuration that must reproduce it."""

    folder: str  # under reference-outputs/
    tracker: str  # trackbench's registry name
    settings: tuple[tuple[str, object], ...]  # the authors' run, as trackbench parameter values (README there)
    overrides: tuple[tuple[str, str], ...] = ()  # what differs from trackbench's defaults (as --param gives it)
    sequences: tuple[str, ...] = ALL_SEQUENCES
    relabelled: str = ""  # why ids may differ by a consistent relabelling ("" : ids must be equal)
    scores: bool = False  # the file holds real scores to compare (not a constant 1 or -1)
    features: bool = False  # needs deep_sort's precomputed appearance vectors

    @property
    def label(self) -> str:
        return f"{self.tracker}-vs-{self.folder}"

    def variant(self, data: Path) -> Variant:
        """The ``bench run`` variant: ``--trackers TRACKER --param name=value ...``."""
        extra = (("features", str(data / "mot17-features")),) if self.features else ()
        return Variant(self.tracker, self.overrides + extra, label=self.label)


_SORT = (("max_age", 1), ("min_hits", 3), ("iou_threshold", 0.3), ("min_confidence", float("-inf")))
_BYTETRACK = (("track_thresh", 0.6), ("low_thresh", 0.1), ("new_track_thresh", None), ("match_thresh", 0.9),
              ("second_match_thresh", 0.5), ("unconfirmed_match_thresh", 0.7), ("track_buffer", 30),
              ("mot20", False), ("pixel_inclusive_iou", True), ("min_box_area", 100.0), ("aspect_ratio_thresh", 1.6))
_DEMO = {"match_thresh": 0.8, "min_box_area": 10.0}

RUNS: tuple[ReferenceRun, ...] = (
    ReferenceRun("abewley_sort_scipy", "sort", _SORT),
    ReferenceRun("abewley_sort", "sort", _SORT, relabelled=(
        "sort.py with lap 0.4.0 solves the IoU matrix with lap.lapjv, trackbench (like sort.py without lap) "
        "with scipy: the two pick different zero-IoU pairs, which are then rejected and appended to the "
        "unmatched detections, and that order decides which new track gets which id; the rows are the same")),
    ReferenceRun("ifzhang_bytetrack", "bytetrack", _BYTETRACK, scores=True),
    ReferenceRun("ifzhang_bytetrack_demo_settings", "bytetrack",
                 tuple((k, _DEMO.get(k, v)) for k, v in _BYTETRACK),
                 overrides=(("match_thresh", "0.8"), ("min_box_area", "10")), scores=True),
    ReferenceRun("noahcao_ocsort", "ocsort", (
        ("det_thresh", 0.6), ("max_age", 30), ("min_hits", 3), ("iou_threshold", 0.3), ("delta_t", 3),
        ("inertia", 0.2), ("use_byte", False), ("min_box_area", 100.0), ("aspect_ratio_thresh", 1.6))),
    ReferenceRun("nwojke_deep_sort", "deepsort", (
        ("lambda_", 0.0), ("cost", "paper"), ("max_cosine_distance", 0.2), ("nn_budget", 100),
        ("max_iou_distance", 0.7), ("max_age", 30), ("n_init", 3), ("min_confidence", 0.3),
        ("min_detection_height", 0.0), ("nms_max_overlap", 1.0), ("embedder", "precomputed")),
        overrides=(("embedder", "precomputed"), ("min_confidence", "0.3")),
        sequences=("MOT17-05-FRCNN",), features=True),
)


@dataclass(frozen=True)
class Rows:
    """Tracker output rows of one sequence: frame, id, corner box (x1, y1, x2, y2), score."""

    frames: np.ndarray
    ids: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray

    def in_frame(self, frame: int) -> np.ndarray:
        return np.flatnonzero(self.frames == frame)


def reference_root(data: Path) -> Path:
    return data / "reference-outputs"


def read_reference(path: Path) -> Rows:
    """A ``full_precision/`` file: ``frame,id,x,y,w,h,score,...`` with the box's top-left corner and size.

    The corner form ``x + w`` is what every reference computed its size from
    (``w = x2 - x1``), so converting back costs at most one rounding step.
    """
    a = np.loadtxt(path, delimiter=",", ndmin=2, dtype=np.float64)
    boxes = a[:, 2:6].copy()
    boxes[:, 2:] += boxes[:, :2]
    return Rows(a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), boxes, a[:, 6].copy())


@lru_cache(maxsize=None)
def load_sequence(data: Path, name: str) -> Sequence:
    """A shared sequence through trackbench's own loader, as ``bench run --dataset mot15|mot17`` reads it."""
    dataset, root = ("mot15", data / "mot15") if name in MOT15_SEQUENCES else ("mot17", data / "mot17")
    (seq,) = load_dataset(dataset, root, [name])
    return seq


@lru_cache(maxsize=None)
def track(run: ReferenceRun, data: Path, name: str) -> tuple[Rows, dict]:
    """trackbench's rows for ``run`` on sequence ``name`` and the parameters the tracker ran with.

    Cached: ``abewley_sort`` and ``abewley_sort_scipy`` judge the same run.
    """
    unit = track_unit(run.variant(data), load_sequence(data, name))
    account = unit.result
    if account.failed or account.skipped:
        raise AssertionError(f"{run.tracker} on {name}: {account.failed or account.skipped}")
    rows = Rows(unit.frames.astype(np.int64), unit.ids.astype(np.int64), unit.boxes, unit.scores)
    return rows, dict(account.params)


@dataclass
class Agreement:
    """How trackbench's rows of one sequence agree with the authors', frame by frame."""

    frames: int  # frames 1..length of the sequence
    identical: int = 0  # frames with the same boxes and the same ids
    same_boxes: int = 0  # frames with the same set of boxes (ids aside)
    one_to_one: bool = True  # every id pairs with a single id of theirs and vice versa, over the whole sequence
    max_box_error: float = 0.0  # over paired boxes (px)
    max_score_error: float = 0.0  # over paired boxes, when scores are compared
    rows_outside: int = 0  # rows, either side, outside frames 1..frames
    first_difference: str = ""  # the first frame that is not identical, described
    pairs: dict[int, set[int]] = field(default_factory=dict, repr=False)  # our id -> their ids

    @property
    def kind(self) -> str:
        """``identical``, ``relabelled`` (same boxes, ids one consistent relabelling), or what differs."""
        if self.rows_outside:
            return "rows outside the sequence"
        if self.identical == self.frames:
            return "identical"
        if self.same_boxes == self.frames:
            return "relabelled" if self.one_to_one else "ids differ (not one relabelling)"
        return "boxes differ"

    def note(self, frame: int, what: str) -> None:
        if not self.first_difference:
            self.first_difference = f"frame {frame}: {what}"


def _pair_boxes(ours: np.ndarray, our_ids: np.ndarray, theirs: np.ndarray, their_ids: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One frame's boxes paired (ours, theirs), and each pair's largest coordinate difference (px).

    Pairing by box, not by id, lets a frame count as "same boxes" when only the
    ids differ.  The pairing first keeps as many pairs within BOX_ATOL as it
    can, then as many equal ids as it can: two tracks at the same box therefore
    never count as an id difference when their ids also agree.
    """
    err = np.abs(ours[:, None, :] - theirs[None, :, :]).max(axis=2)
    cost = (err > BOX_ATOL) * (len(ours) + 1.0) + (our_ids[:, None] != their_ids[None, :])
    r, c = linear_sum_assignment(cost)
    return r, c, err[r, c]


def compare(ours: Rows, theirs: Rows, frames: int, scores: bool = False) -> Agreement:
    """Frame-by-frame agreement of two outputs over frames ``1..frames`` (rows past it count as differences)."""
    out = Agreement(frames)
    for f in range(1, frames + 1):
        a, b = ours.in_frame(f), theirs.in_frame(f)
        if len(a) != len(b):
            out.note(f, f"{len(a)} boxes, theirs {len(b)}")
            continue
        r, c, err = _pair_boxes(ours.boxes[a], ours.ids[a], theirs.boxes[b], theirs.ids[b])
        out.max_box_error = max(out.max_box_error, float(err.max(initial=0.0)))
        if (err > BOX_ATOL).any():
            out.note(f, f"a box differs by {float(err.max()):.3g} px")
            continue
        mine, their = ours.ids[a][r], theirs.ids[b][c]
        if scores and len(a):
            serr = float(np.abs(ours.scores[a][r] - theirs.scores[b][c]).max())
            out.max_score_error = max(out.max_score_error, serr)
            if serr > SCORE_ATOL:
                out.note(f, f"a score differs by {serr:.3g}")
                continue
        out.same_boxes += 1
        for m, t in zip(mine.tolist(), their.tolist()):
            out.pairs.setdefault(m, set()).add(t)
        if np.array_equal(mine, their):
            out.identical += 1
        else:
            k = int(np.flatnonzero(mine != their)[0])
            out.note(f, f"the box theirs call id {their[k]} is our id {mine[k]}")
    out.rows_outside = int(((ours.frames < 1) | (ours.frames > frames)).sum()
                           + ((theirs.frames < 1) | (theirs.frames > frames)).sum())
    if out.rows_outside:
        out.note(frames + 1, f"{out.rows_outside} rows outside frames 1..{frames}")
    their_ids = [t for ts in out.pairs.values() for t in ts]
    out.one_to_one = all(len(ts) == 1 for ts in out.pairs.values()) and len(their_ids) == len(set(their_ids))
    return out


def agreement(run: ReferenceRun, data: Path, name: str) -> Agreement:
    """trackbench's ``run`` on sequence ``name`` against the authors' full-precision file."""
    ours, _ = track(run, data, name)
    theirs = read_reference(reference_root(data) / run.folder / "full_precision" / f"{name}.txt")
    return compare(ours, theirs, load_sequence(data, name).info.length, scores=run.scores)
