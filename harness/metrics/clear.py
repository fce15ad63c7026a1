"""CLEAR MOT metrics (MOTA, MOTP, FP, FN, IDsw, Frag, MT/PT/ML, ...) under motmetrics' and TrackEval's definitions.

Four classes, one per (definition, engine), each with the interface of
TrackEval's metric classes: ``evaluate(seq) -> counts`` for one preprocessed
sequence, ``combine([counts]) -> counts`` over sequences (summed counts, never
averaged percentages), ``finalize(counts) -> metrics`` under trackbench's
names (MOTA, Recall, Precision in percent; MOTP as the mean IoU of matches in
percent)::

                  library engine (the definition)   fast engine (same counts)
    motmetrics    Motmetrics                        MotmetricsFast
    trackeval     TrackEval                         TrackEvalFast

A fast class only replaces ``evaluate``; it inherits ``combine`` and
``finalize`` from its library class because its counts are the same dict
(``tests/test_fast_metrics.py`` checks every shared sequence and randomised
cases; ``bench eval --verify`` checks any result on demand).

**motmetrics** (:class:`Motmetrics`): the counts are motmetrics' own
per-sequence metric values under its names, from the accumulator shared with
identity (:mod:`.motmetrics_accumulator`), merged with motmetrics'
``compute_overall`` (counts summed, MOTP weighted by detections).  Matching on
distance ``1 - IoU``, pairs allowed at IoU >= 0.5.  motmetrics' MOTP is a mean
distance, so MOTP here is ``100 * (1 - motmetrics motp)``.

**TrackEval** (:class:`TrackEval`): the record is ``{"clear": ..., "count":
...}`` from TrackEval's ``CLEAR`` and ``Count`` metric classes (IoU threshold
0.5), merged with their ``combine_sequences``: the numbers MOTChallenge
publishes.

Why the two definitions can differ slightly on the same preprocessed data
(e.g. MOT17-02 with a perturbed result: FP 1327 vs 1322, IDsw 19 vs 22; on TUD
and MOT17-05 they agree exactly):

* continuation: motmetrics first keeps every object's last pairing from *any*
  earlier frame if it is still within IoU 0.5, then solves the rest; TrackEval
  only favours the pairing of the *previous* frame (a +1000 bonus inside one
  global Hungarian), so after a gap it can choose a better overall matching.
* assignment objective: motmetrics maximises the number of matches, then
  minimises the summed distance; TrackEval maximises the summed IoU.
* threshold: motmetrics pairs when ``1 - IoU <= 0.5``, TrackEval when
  ``IoU >= 0.5 - eps`` (differs only at IoU == 0.5 up to rounding).
* Frag: motmetrics counts tracked->missed transitions while the object is
  annotated; TrackEval counts every re-start of tracking, also after frames in
  which the object is not annotated at all.
* MT: motmetrics uses tracked ratio >= 0.8, TrackEval > 0.8.

**Fast engine.**  The libraries' cost is in their per-frame bookkeeping
(motmetrics appends every event to Python lists that become a pandas frame
queried per metric; TrackEval re-derives every frame's matrices).  The only
thing that has to go frame by frame is the matching, because it carries
state from frame to frame; the fast classes run exactly that matching on the
few candidate pairs of each frame (:mod:`.pairs`) and count the rest with
whole-sequence array operations.  Where no row and no column of a frame holds
two candidate pairs, every optimum takes all of them, so the solver is
skipped; otherwise the library's own solver runs on the very matrix the
library builds.  motmetrics' matching loop is compiled with numba (loaded on
first use) and hands back to Python only the frames that need the solver.

* motmetrics' matching: (1) an object whose last partner (from *any* earlier
  frame) is present and still within distance 0.5 keeps it; objects are
  visited in frame order, so when two claim the same partner the first wins;
  (2) the remaining pairs go to motmetrics' ``linear_sum_assignment`` on
  motmetrics' matrix with used rows and columns masked; a new pair whose
  object had another partner before is a SWITCH.
* TrackEval's matching, over the frames that have both gt and tracker boxes:
  pairs with IoU >= 0.5 - eps are admissible; a pair continuing a match of the
  *previous such frame* scores 1000 + IoU, any other IoU; one Hungarian
  maximises the score.  A matched gt id whose last partner (any earlier
  frame) differs is an ID switch; a gt id matched now but not in the previous
  such frame starts a fragment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import motmetrics as mm
import numpy as np
import trackeval
from motmetrics.lap import linear_sum_assignment as mm_linear_sum_assignment  # the solver motmetrics' accumulator uses
from scipy.optimize import linear_sum_assignment

from trackbench.harness.metrics import motmetrics_accumulator as mm_acc
from trackbench.harness.metrics.pairs import FlatPairs, flat_pairs, one_per_row_and_column, pairs_at
from trackbench.harness.metrics.preprocess import EPS, SeqData
from trackbench.harness.metrics.trackeval_records import combine as combine_records

NAME = "CLEAR"


def fragmentations(oids: np.ndarray, miss: np.ndarray) -> int:
    """motmetrics' ``num_fragmentations`` from per-detection arrays in frame order, in one vectorised pass.

    Per object, within the span from its first to its last tracked detection,
    count the misses that directly follow a tracked detection.  motmetrics does
    this with a loop of pandas filters per object, which dominated its metric
    time; both motmetrics engines count with this function (tests check it
    against motmetrics' own).
    """
    if len(oids) < 2:
        return 0
    order = np.argsort(oids, kind="stable")  # group by object, frames stay in order
    oids, miss = oids[order], miss[order]
    group = np.concatenate(([0], np.cumsum(oids[1:] != oids[:-1])))
    tracked = np.flatnonzero(~miss)
    last_tracked = np.full(group[-1] + 1, -1)
    np.maximum.at(last_tracked, group[tracked], tracked)
    k = np.arange(1, len(oids))
    starts = miss[1:] & ~miss[:-1] & (group[1:] == group[:-1]) & (k < last_tracked[group[1:]])
    return int(starts.sum())


# --------------------------------------------------------------------------- motmetrics' definition


#: motmetrics metrics that are plain counts: merged by summing.
COUNT_FIELDS = (
    "num_frames",
    "num_objects",
    "num_predictions",
    "num_matches",
    "num_switches",
    "num_false_positives",
    "num_misses",
    "num_detections",
    "num_fragmentations",
    "num_unique_objects",
    "mostly_tracked",
    "partially_tracked",
    "mostly_lost",
)
#: ``motp`` is carried too: motmetrics merges it weighted by ``num_detections``.
FIELDS = COUNT_FIELDS + ("motp",)
_RATIOS = ("mota", "motp", "precision", "recall")

#: trackbench column -> motmetrics count, for the integer columns.
_COUNT_COLUMNS = {
    "FP": "num_false_positives",
    "FN": "num_misses",
    "IDsw": "num_switches",
    "Frag": "num_fragmentations",
    "MT": "mostly_tracked",
    "PT": "partially_tracked",
    "ML": "mostly_lost",
    "GT_IDs": "num_unique_objects",
    "Frames": "num_frames",
    "TP": "num_detections",
    "GT_Dets": "num_objects",
    "Dets": "num_predictions",
}


def num_fragmentations(df: Any) -> int:
    """motmetrics' ``num_fragmentations`` on its event log, counted by :func:`fragmentations`."""
    noraw = df.noraw
    oids = noraw["OId"].to_numpy(dtype=float)
    present = ~np.isnan(oids)
    miss = (noraw["Type"] == "MISS").to_numpy(dtype=bool)
    return fragmentations(oids[present], miss[present])


@lru_cache(maxsize=1)
def metrics_host() -> mm.metrics.MetricsHost:
    """motmetrics' default host with :func:`num_fragmentations` in place of its own (created once)."""
    host = mm.metrics.create()
    host.register(num_fragmentations, deps=[], name="num_fragmentations",
                  fnc_m=mm.metrics.num_fragmentations_m, deps_m=[])
    return host


class Motmetrics:
    """CLEAR as motmetrics defines it, counted by motmetrics' accumulator and metrics host."""

    NAME = NAME

    @staticmethod
    def evaluate(seq: SeqData) -> dict[str, Any]:
        """Per-sequence CLEAR counts from the sequence's motmetrics accumulator."""
        return mm_acc.compute(seq, FIELDS, metrics_host())

    @staticmethod
    def combine(all_counts: list[dict[str, Any]]) -> dict[str, Any]:
        """Merge counts of several sequences (motmetrics ``compute_overall``)."""
        return mm_acc.compute_overall(list(all_counts), FIELDS, metrics_host())

    @staticmethod
    def finalize(counts: dict[str, Any]) -> dict[str, float]:
        """CLEAR metrics under trackbench names; ratios in percent (see module docstring)."""
        ratios = mm_acc.compute_overall([counts], _RATIOS, metrics_host())
        out = {
            "MOTA": 100.0 * ratios["mota"],
            "MOTP": 100.0 * (1.0 - ratios["motp"]),
            "Recall": 100.0 * ratios["recall"],
            "Precision": 100.0 * ratios["precision"],
        }
        out.update({column: counts[field] for column, field in _COUNT_COLUMNS.items()})
        return out


@dataclass(frozen=True)
class Matching:
    """What motmetrics' event log would say, per detection."""

    tracked: np.ndarray  # (G,) bool: gt detection paired (MATCH or SWITCH)
    switches: int
    distance_sum: float  # sum of 1 - IoU over the paired detections (motmetrics' MOTP numerator)
    gt_det: np.ndarray  # (M,) gt detection of each pair, in frame order
    trk_det: np.ndarray  # (M,) tracker detection paired with it


class MotmetricsFast(Motmetrics):
    """CLEAR as motmetrics defines it, counted without motmetrics' per-frame event log (module docstring)."""

    @staticmethod
    def evaluate(seq: SeqData) -> dict[str, Any]:
        """Per-sequence CLEAR counts, the same dict :meth:`Motmetrics.evaluate` returns."""
        flat = flat_pairs(seq)
        found = _mm_match(seq, flat)
        detections = int(found.tracked.sum())
        freq = flat.gt_count
        hit = np.bincount(flat.gt_id[found.tracked], minlength=seq.num_gt_ids)
        present = freq > 0
        ratio = hit[present] / freq[present]
        with np.errstate(invalid="ignore", divide="ignore"):
            motp = float(np.true_divide(found.distance_sum, detections))
        return {
            "num_frames": seq.num_frames,
            "num_objects": seq.num_gt_dets,
            "num_predictions": seq.num_tracker_dets,
            "num_matches": detections - found.switches,
            "num_switches": found.switches,
            "num_false_positives": seq.num_tracker_dets - detections,
            "num_misses": seq.num_gt_dets - detections,
            "num_detections": detections,
            "num_fragmentations": fragmentations(flat.gt_id, ~found.tracked),
            "num_unique_objects": int(present.sum()),
            "mostly_tracked": int((ratio >= 0.8).sum()),
            "partially_tracked": int(((ratio >= 0.2) & (ratio < 0.8)).sum()),
            "mostly_lost": int((ratio < 0.2).sum()),
            "motp": motp,
        }


def _mm_match(seq: SeqData, flat: FlatPairs) -> Matching:
    """motmetrics' frame-by-frame matching (module docstring) over the pairs within distance 0.5.

    The frame loop runs compiled (:func:`_mm_frames`) and comes back here only for the frames whose
    remaining pairs compete, to run motmetrics' solver (:func:`_mm_new_pairs`); on MOT17 that is fewer than
    one frame in a hundred.
    """
    distance = 1.0 - flat.pair_iou
    near = np.flatnonzero(distance <= mm_acc.MAX_DISTANCE)
    rows, cols, dist = flat.pair_gt[near], flat.pair_trk[near], distance[near]
    start = np.searchsorted(flat.pair_frame[near], np.arange(seq.num_frames + 1))
    frames = np.flatnonzero(np.diff(start))
    state = _MatchState(
        partner=np.full(seq.num_gt_ids, -1, np.int64),
        claimed=np.full(seq.num_tracker_ids, -1, np.int64),
        row_used=np.zeros(len(flat.gt_id), bool),
        col_used=np.zeros(len(flat.trk_id), bool),
        col_seen=np.full(len(flat.trk_id), -1, np.int64),
        paired=np.zeros(len(near), bool),
        switches=np.zeros(1, np.int64),
    )
    run = _mm_frames_kernel()
    args = (frames, start, rows, cols, flat.gt_id[rows], flat.trk_id[cols], *state.arrays())
    rest = np.empty(int(np.diff(start).max(initial=0)), np.int64)
    k, n_rest = run(0, -1, rest, *args)
    while k < len(frames):
        t = int(frames[k])
        a, b = int(start[t]), int(start[t + 1])
        new = _mm_new_pairs(seq, flat, t, rows[a:b], cols[a:b], rest[:n_rest].copy())
        rest[: len(new)] = new
        k, n_rest = run(k, len(new), rest, *args)
    tracked = np.zeros(len(flat.gt_id), bool)
    paired = state.paired
    tracked[rows[paired]] = True
    return Matching(tracked, int(state.switches[0]), float(dist[paired].sum()), rows[paired], cols[paired])


@dataclass(frozen=True)
class _MatchState:
    """What motmetrics' matching carries from frame to frame, as arrays the compiled loop updates in place."""

    partner: np.ndarray  # per gt id: its last tracker id, -1 before its first pairing (motmetrics' ``m``)
    claimed: np.ndarray  # per tracker id: the last frame in which an object kept it as its partner
    row_used: np.ndarray  # per gt detection: paired
    col_used: np.ndarray  # per tracker detection: paired
    col_seen: np.ndarray  # per tracker detection: the last frame whose remaining pairs included it
    paired: np.ndarray  # per near pair: chosen
    switches: np.ndarray  # (1,) SWITCH events so far

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (self.partner, self.claimed, self.row_used, self.col_used, self.col_seen, self.paired,
                self.switches)


def _mm_frames(k: int, n_solved: int, rest: np.ndarray, frames: np.ndarray, start: np.ndarray,
               rows: np.ndarray, cols: np.ndarray, oids: np.ndarray, hids: np.ndarray, partner: np.ndarray,
               claimed: np.ndarray, row_used: np.ndarray, col_used: np.ndarray, col_seen: np.ndarray,
               paired: np.ndarray, switches: np.ndarray) -> tuple[int, int]:
    """motmetrics' matching of ``frames[k:]`` (frames with near pairs ``start[t]:start[t + 1]``) until a frame
    needs the solver; compiled by :func:`_mm_frames_kernel`, the arrays after ``hids`` updated in place.

    Returns ``(k, n)``: that frame's position in ``frames`` with its ``n`` remaining pairs (frame-local
    indices, ascending) in ``rest[:n]``, or ``(len(frames), 0)`` at the end.  The caller solves the frame,
    puts the chosen pairs (frame-local, ascending) in ``rest[:n_solved]`` and calls again with the same
    ``k`` and ``n_solved``; they are recorded and the loop goes on (``n_solved`` is -1 on the first call).

    Per frame, as the NumPy loop it replaces did: (1) continuation: an object whose last partner is among
    its pairs keeps it, the first object in frame order per partner; (2) the pairs whose gt and tracker
    detections are both still free are all new pairs when no row and no column holds two of them, else
    the solver chooses; (3) a new pair whose object had another partner is a SWITCH, and becomes the
    object's partner (objects are distinct: gt ids are unique per frame).
    """
    while k < len(frames):
        t = frames[k]
        a, b = start[t], start[t + 1]
        if n_solved < 0:
            for i in range(a, b):  # (1)
                h = hids[i]
                if partner[oids[i]] == h and claimed[h] != t:
                    claimed[h] = t
                    row_used[rows[i]] = True
                    col_used[cols[i]] = True
                    paired[i] = True
            n_solved, conflict = 0, False
            for i in range(a, b):  # (2)
                if not row_used[rows[i]] and not col_used[cols[i]]:
                    if (n_solved and rows[i] == rows[a + rest[n_solved - 1]]) or col_seen[cols[i]] == t:
                        conflict = True
                    col_seen[cols[i]] = t
                    rest[n_solved] = i - a
                    n_solved += 1
            if conflict:
                return k, n_solved
        for j in range(n_solved):  # (3)
            i = a + rest[j]
            o, h = oids[i], hids[i]
            if partner[o] >= 0 and partner[o] != h:
                switches[0] += 1
            partner[o] = h
            row_used[rows[i]] = True
            col_used[cols[i]] = True
            paired[i] = True
        n_solved = -1
        k += 1
    return k, 0


@lru_cache(maxsize=1)
def _mm_frames_kernel() -> Callable[..., tuple[int, int]]:
    """:func:`_mm_frames` compiled, on first use.

    Why compiled: the loop does a few array operations per frame on a handful of pairs, so in NumPy its
    time was per-call overhead (about 70 ms a tune trial on MOT17).  Why on first use: importing this
    module imports no numba (the first count in a process loads the kernel from the disk cache; MOT-style
    preprocessing loads numba first anyway).  Why numba's own disk cache, stamped with this file alone, and not trackbench's
    :func:`~trackbench.trackers.core.jit_cache.cached_kernel`: the kernel calls no other kernel, so this
    file is all its code, while that stamp adds the kernel modules this file imports that happen to be
    registered by then (:mod:`.preprocess` compiles its own kernel on first use), so processes that
    preprocess before counting and processes that do not would keep overwriting each other's entry.
    """
    import numba

    return numba.njit(cache=True, nogil=True)(_mm_frames)


def _mm_new_pairs(seq: SeqData, flat: FlatPairs, t: int, rows: np.ndarray, cols: np.ndarray,
                  rest: np.ndarray) -> np.ndarray:
    """Indices (into the frame's near pairs) that motmetrics' assignment step pairs, for a frame whose
    remaining pairs ``rest`` compete (share a row or a column: :func:`_mm_frames` settles the others)."""
    r, c = rows[rest], cols[rest]
    g0, h0 = flat.gt_start[t], flat.trk_start[t]
    dist = mm_acc.iou_to_distance(seq.similarity[t])
    free_rows = np.zeros(dist.shape[0], bool)
    free_rows[r - g0] = True
    free_cols = np.zeros(dist.shape[1], bool)
    free_cols[c - h0] = True
    dist[~free_rows, :] = np.nan  # what motmetrics masks after continuation: used rows and columns
    dist[:, ~free_cols] = np.nan
    rid, cid = mm_linear_sum_assignment(dist)
    ok = np.isfinite(dist[rid, cid])
    return np.sort(rest[pairs_at(dist.shape, r - g0, c - h0, rid[ok], cid[ok])])


# --------------------------------------------------------------------------- TrackEval's definition


@lru_cache(maxsize=1)
def trackeval_metrics() -> tuple[trackeval.metrics.CLEAR, trackeval.metrics.Count]:
    """TrackEval's CLEAR (IoU threshold 0.5, its default) and Count metric objects, made once."""
    return trackeval.metrics.CLEAR({"THRESHOLD": 0.5, "PRINT_CONFIG": False}), trackeval.metrics.Count()


class TrackEval:
    """CLEAR as TrackEval defines it (MOTChallenge's numbers), counted by ``trackeval.metrics.CLEAR`` and ``Count``."""

    NAME = NAME

    @staticmethod
    def evaluate(seq: SeqData) -> dict[str, Any]:
        """Per-sequence record: {"clear": TrackEval CLEAR result, "count": TrackEval Count result}."""
        clear, count = trackeval_metrics()
        data = seq.trackeval_data()
        return {"clear": clear.eval_sequence(data), "count": count.eval_sequence(data)}

    @staticmethod
    def combine(all_counts: list[dict[str, Any]]) -> dict[str, Any]:
        """TrackEval's ``combine_sequences`` of both metrics over several sequences' records."""
        clear, count = trackeval_metrics()
        return {
            "clear": combine_records(clear, [c["clear"] for c in all_counts]),
            "count": combine_records(count, [c["count"] for c in all_counts]),
        }

    @staticmethod
    def finalize(counts: dict[str, Any]) -> dict[str, float]:
        """CLEAR metrics under trackbench names; ratios in percent, counts as ints."""
        c, n = counts["clear"], counts["count"]
        return {
            "MOTA": 100.0 * float(c["MOTA"]),
            "MOTP": 100.0 * float(c["MOTP"]),
            "Recall": 100.0 * float(c["CLR_Re"]),
            "Precision": 100.0 * float(c["CLR_Pr"]),
            "FP": int(c["CLR_FP"]),
            "FN": int(c["CLR_FN"]),
            "IDsw": int(c["IDSW"]),
            "Frag": int(c["Frag"]),
            "MT": int(c["MT"]),
            "PT": int(c["PT"]),
            "ML": int(c["ML"]),
            "GT_IDs": int(n["GT_IDs"]),
            "Frames": int(c["CLR_Frames"]),
            "TP": int(c["CLR_TP"]),
            "GT_Dets": int(n["GT_Dets"]),
            "Dets": int(n["Dets"]),
        }


class TrackEvalFast(TrackEval):
    """CLEAR as TrackEval defines it, counted on the flat pair arrays instead of TrackEval's frame loop."""

    @staticmethod
    def evaluate(seq: SeqData) -> dict[str, Any]:
        """Per-sequence record, the same as :meth:`TrackEval.evaluate` (counts equal, MOTP to rounding)."""
        if seq.num_tracker_dets == 0 or seq.num_gt_dets == 0:
            return TrackEval.evaluate(seq)  # TrackEval's constant early return: no loop to save
        clear, count = trackeval_metrics()
        flat = flat_pairs(seq)
        matched_gt, switches, fragments, motp_sum, _ = _te_match(seq, flat, clear.threshold - EPS)
        res: dict[str, Any] = {field: 0 for field in clear.fields}
        tp = len(matched_gt)
        res["CLR_TP"] = tp
        res["CLR_FN"] = seq.num_gt_dets - tp
        res["CLR_FP"] = seq.num_tracker_dets - tp
        res["IDSW"] = switches
        gt_count = flat.gt_count
        matched_count = np.bincount(matched_gt, minlength=seq.num_gt_ids)
        ratio = matched_count[gt_count > 0] / gt_count[gt_count > 0]
        res["MT"] = int(np.sum(ratio > 0.8))
        res["PT"] = int(np.sum(ratio >= 0.2)) - res["MT"]
        res["ML"] = seq.num_gt_ids - res["MT"] - res["PT"]
        res["Frag"] = int(np.sum(fragments[fragments > 0] - 1))
        res["MOTP_sum"] = motp_sum
        res["MOTP"] = motp_sum / np.maximum(1.0, tp)
        res["CLR_Frames"] = seq.num_frames
        return {"clear": clear._compute_final_fields(res), "count": count.eval_sequence(seq.trackeval_data())}


def _te_match(seq: SeqData, flat: FlatPairs,
              threshold: float) -> tuple[np.ndarray, int, np.ndarray, float, tuple[np.ndarray, np.ndarray]]:
    """(matched gt ids, ID switches, fragments per gt id, summed IoU of matches, (gt dets, tracker dets) of
    the matches in frame order) of TrackEval's matching."""
    admissible = np.flatnonzero(flat.pair_iou >= threshold)
    rows, cols = flat.pair_gt[admissible], flat.pair_trk[admissible]
    start = np.searchsorted(flat.pair_frame[admissible], np.arange(seq.num_frames + 1))
    both = np.flatnonzero((np.diff(flat.gt_start) > 0) & (np.diff(flat.trk_start) > 0))
    last_partner = np.full(seq.num_gt_ids, -1, np.int64)  # TrackEval's prev_tracker_id (any earlier frame)
    last_step = np.full(seq.num_gt_ids, -2, np.int64)  # index in ``both`` of the frame that last matched the id
    fragments = np.zeros(seq.num_gt_ids, np.int64)
    matched, sims, dets = [], [], []
    switches = 0
    for k, t in enumerate(both):
        a, b = start[t], start[t + 1]
        if a == b:
            continue  # nothing admissible: nobody is matched in this frame
        r, c = rows[a:b], cols[a:b]
        if one_per_row_and_column(r, c):
            g, h, s = flat.gt_id[r], flat.trk_id[c], flat.pair_iou[admissible[a:b]]
            dets.append((r, c))
        else:
            g, h, s, local_r, local_c = _te_solve(seq, t, k, last_partner, last_step, threshold)
            dets.append((flat.gt_start[t] + local_r, flat.trk_start[t] + local_c))
        before = last_partner[g]
        switches += int(((before >= 0) & (before != h)).sum())
        fragments[g] += last_step[g] != k - 1
        last_partner[g] = h
        last_step[g] = k
        matched.append(g)
        sims.append(s)
    motp_sum = float(sum(np.sum(s) for s in sims))
    empty = np.zeros(0, np.int64)
    pairs = (np.concatenate([d[0] for d in dets]), np.concatenate([d[1] for d in dets])) if dets else (empty, empty)
    return (np.concatenate(matched) if matched else empty), switches, fragments, motp_sum, pairs


def _te_solve(seq: SeqData, t: int, k: int, last_partner: np.ndarray, last_step: np.ndarray,
              threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """TrackEval's assignment of frame ``t`` (step ``k``) on its own score matrix: matched gt ids, tracker ids,
    IoUs, and the matched rows and columns (frame-local detection positions)."""
    gt_ids, trk_ids = seq.gt_ids[t], seq.tracker_ids[t]
    similarity = seq.similarity[t]
    previous = np.where(last_step[gt_ids] == k - 1, last_partner[gt_ids], -1)  # matched in the previous frame
    score = 1000 * (trk_ids[np.newaxis, :] == previous[:, np.newaxis]) + similarity
    score[similarity < threshold] = 0
    rid, cid = linear_sum_assignment(-score)
    ok = score[rid, cid] > 0 + EPS
    rid, cid = rid[ok], cid[ok]
    return gt_ids[rid], trk_ids[cid], similarity[rid, cid], rid, cid


def matched_detections(seq: SeqData, backend: str) -> tuple[np.ndarray, np.ndarray]:
    """(gt detections, tracker detections) that CLEAR's matching pairs, in frame order, under ``backend``.

    Indices are positions in :func:`~trackbench.harness.metrics.pairs.flat_pairs`' detection arrays (per frame,
    in ``seq``'s order).  The pairs come from the very matching the fast engine counts with, so anything derived
    from them (``bench inspect``'s error events) agrees with the scored IDsw, Frag, FN and FP.
    """
    if backend == "motmetrics":
        found = _mm_match(seq, flat_pairs(seq))
        return found.gt_det, found.trk_det
    if backend != "trackeval":
        raise ValueError(f"unknown CLEAR backend {backend!r}")
    if seq.num_tracker_dets == 0 or seq.num_gt_dets == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return _te_match(seq, flat_pairs(seq), trackeval_metrics()[0].threshold - EPS)[4]


#: The CLEAR family per (CLEAR backend, engine).
DEFINITIONS: dict[tuple[str, str], type[Motmetrics] | type[TrackEval]] = {
    ("motmetrics", "library"): Motmetrics,
    ("motmetrics", "fast"): MotmetricsFast,
    ("trackeval", "library"): TrackEval,
    ("trackeval", "fast"): TrackEvalFast,
}
