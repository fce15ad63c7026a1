"""ROLO-style tracking: an LSTM over each track's recent boxes replaces the Kalman prediction.

After ROLO (Ning et al., "Spatially Supervised Recurrent Convolutional Neural
Networks for Visual Object Tracking", 2016), adapted to many objects and
tracking-by-detection.  Each track keeps a window of its last ``T`` frames
(:class:`~trackbench.trackers.rolo.history.TrackHistory`): the matched detection's box,
score and (optionally) appearance vector, or a *missing step* when nothing was
matched.  Per frame:

1. every track's box in this frame is the LSTM's *next-box* output computed at
   the end of the previous frame;
2. detections are associated to those boxes by IoU with the Hungarian
   algorithm, pairs under ``iou_threshold`` rejected — with an appearance
   checkpoint the cost is ``(1 - w) * (1 - IoU) + w * cosine distance`` to the
   track's running appearance (``w = appearance_weight``), still IoU-gated;
3. each window advances one step (a detection or a missing step); unmatched
   detections start tracks; a track is deleted after ``max_age`` frames
   without a detection (default ``T - 1``: once its last detection would leave
   its window, the LSTM has nothing left to extrapolate from);
4. one batched forward pass over all tracks gives each track's refined box for
   this frame (reported) and its box in the next frame (step 1 of the next
   frame).

**Kalman guard** (``kalman_guard``, on by default).  Beside the LSTM every
track runs Deep SORT's constant-velocity Kalman filter on (u, v, a, h)
(:mod:`trackbench.trackers.core.deepsort_motion`), updated with the same matched
detections.  Where the LSTM's next box lies outside that filter's 95 % gate
(squared Mahalanobis distance of its (u, v, a, h) to the filter's predicted
measurement above χ²₀.₉₅(4) = 9.4877, Deep SORT's gate), association uses the
Kalman prediction instead; where the refined box of a matched track lies
outside the gate of the updated filter, the matched detection's box is
reported.  So a learned correction can move a box only as far as the motion
model it corrects finds plausible, and a model that has collapsed on unfamiliar
motion degrades to a Kalman tracker rather than to nothing.  ``fallbacks``
counts how often the guard stepped in.

**Ablation** (``predictor``).  ``lstm`` (default) is the above.  ``line``
replaces the network's output by a zero correction, so each track follows the
straight-line extrapolation of its window that the LSTM was trained to
correct (guarded the same way).  ``kalman`` drops the window model: tracks are
associated on the guard's Kalman prediction and reported with their matched
detection's box.  Everything else (association, ``max_age``, ``min_hits``, the
end of a track whose window holds no detection) is unchanged, so the
difference between the three is what the learned correction adds.

On frames without a detector run (:meth:`Rolo.coast`, ``--detect-every K > 1``)
the guard's filter predicts one frame and each window advances one missing
step, so the LSTM predicts on as it does through any gap, while the life cycle
(``min_hits``, ``max_age``) counts detector frames only; the tracks reported on
the last detector frame are reported at the (guarded) boxes predicted for this
frame.  A track whose window no longer holds a detection ends, as in
:meth:`Rolo.update`.

**Camera motion** (``--cmc``, :meth:`Rolo.compensate`).  Before a frame with
camera motion, everything rolo keeps in image coordinates is moved into that
frame's coordinates by the warp ``p' = A p + t``
(:mod:`trackbench.trackers.core.cmc_kernels`): the guard's (u, v, a, h) states and
covariances as Deep SORT's and ByteTrack's are; every observed box of every
window (the LSTM's input), so that a window always lives in the current
frame's coordinates, as BoT-SORT keeps its states there, and the LSTM sees the
objects' own motion instead of object and camera motion mixed; and the
LSTM's boxes computed at the end of the previous frame (the next box, which
association uses now, and the refined box).

The life cycle (``min_hits``, reporting only tracks matched this frame) is
SORT's, on the shared :class:`~trackbench.trackers.core.tracks.TrackStore`, whose
``x``/``P`` hold the guard's Kalman state; the LSTM's ``[next box | refined
box]`` per track is kept beside it in ``lstm_boxes``.

The model comes from a checkpoint written by ``bench train-rolo``.  The one
that ships (``checkpoint=default``, ``checkpoints/README.md``) is box-only and
trained on the gt tracks of all five MOT17 train sequences (matched to their
FRCNN public detections) with synthetic sequences as augmentation; its weights
are CC BY-NC-SA 3.0, as MOT17 is.  It runs from its ONNX export on onnxruntime
(no torch); a ``.pt`` checkpoint still runs, through torch
(:mod:`trackbench.trackers.rolo.inference`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.datasets.boxes import iou_matrix
from trackbench.datasets.sequence import Detections
from trackbench.trackers.base import Requirements, Tracker, TrackOutput, coasted
from trackbench.trackers.core import association_limit, cmc_kernels, kalman
from trackbench.trackers.core.assignment import max_iou_matching, min_cost_matching
from trackbench.trackers.core.lifecycle import sort_reported
from trackbench.trackers.core.tracks import TrackStore
from trackbench.trackers.core import deepsort_motion as motion
from trackbench.trackers.params import ParamError
from trackbench.trackers.rolo.checkpoint import NO_EMBEDDER
from trackbench.trackers.rolo.history import TrackHistory
from trackbench.trackers.rolo.model import Normalisation, decode_boxes
from trackbench.trackers.rolo.inference import (  # noqa: F401  (public here as before)
    CHECKPOINT_DIR, DEFAULT_CHECKPOINT, DEFAULT_ONNX, DEFAULT_TRAIN_COMMAND, LoadedModel, load_model, resolve_checkpoint)
from trackbench.trackers import papers
from trackbench.trackers.space import SCORES, tunable

#: What predicts a track's boxes (``predictor``): the ablation that shows what the learned part adds.
PREDICTORS = ("lstm", "line", "kalman")


@dataclass
class RoloParams:
    """ROLO tracker parameters; the window length T and the embedder come from the checkpoint."""

    checkpoint: str = "default"  # a `bench train-rolo` checkpoint (.onnx or .pt); "default": the shipped MOT17 + synth model
    iou_threshold: float = tunable(0.3, 0.1, 0.7)  # minimum IoU of a detection with a track's predicted box
    appearance_weight: float = 0.3  # weight of cosine distance in the cost (appearance checkpoints only)
    max_age: int | None = None  # frames a track is carried without detections; None: T - 1 (the most the LSTM can)
    min_hits: int = tunable(3, 1, 6)  # consecutive matches before a track is reported
    min_confidence: float = tunable(float("-inf"), SCORES, SCORES)  # detections below are ignored
    refine: bool = True  # report the LSTM's refined box (False: the matched detection's box)
    kalman_guard: bool = True  # use the Kalman prediction where the LSTM's box falls outside the filter's χ² gate
    predictor: str = "lstm"  # ablation: "lstm" (default), "line" (the LSTM's straight-line prior alone), "kalman"
    embedder: str | None = None  # appearance embedder; default and only choice: the checkpoint's
    features: str | None = None  # folder of precomputed vectors (embedder=precomputed)
    device: str = "auto"  # embedder device; the LSTM runs on the CPU unless a cuda device is named

    def validate(self) -> None:
        if (self.max_age is not None and self.max_age < 0) or self.min_hits < 0:
            raise ValueError("max_age and min_hits must be >= 0")
        if not 0.0 <= self.iou_threshold <= 1.0:
            raise ValueError("iou_threshold must lie in [0, 1]")
        if not 0.0 <= self.appearance_weight <= 1.0:
            raise ValueError("appearance_weight must lie in [0, 1]")
        if self.predictor not in PREDICTORS:
            raise ValueError(f"predictor must be one of {', '.join(PREDICTORS)}, got {self.predictor!r}")


class Rolo(Tracker):
    """Tracking-by-detection with an LSTM motion model (see module docstring)."""

    name = "rolo"
    paper = papers.ROLO
    Params = RoloParams
    requires = Requirements()  # per instance: features when the checkpoint uses appearance
    compensates_camera = True

    def __init__(self, params: RoloParams | None = None) -> None:
        super().__init__(params)
        p = self.params
        self._unavailable: str | None = None
        path = resolve_checkpoint(p.checkpoint)
        try:
            self.model: LoadedModel | None = load_model(path, p.device)
        except ImportError as exc:  # a .pt checkpoint without torch, or no onnxruntime: skip, saying why
            self._unavailable = str(exc)
            self.model = None
            return
        trained = self.model.embedder
        if p.embedder is None:
            p.embedder = trained
        elif p.embedder != trained:
            how = ("box-only (trained with --embedder none)" if trained == NO_EMBEDDER
                   else f"trained with --embedder {trained}")
            raise ParamError(
                f"rolo checkpoint {path} is {how}, so embedder={p.embedder} cannot feed it; leave embedder unset, "
                f"or train a matching checkpoint with `bench train-rolo --embedder {p.embedder} --out <file>` "
                "and pass --param checkpoint=<file>")
        self.appearance = trained != NO_EMBEDDER
        self.requires = Requirements(features=self.appearance)
        self._reset_state()

    def _reset_state(self) -> None:
        assert self.model is not None
        self.tracks = TrackStore(4)  # x, P: the guard's Kalman filter on (u, v, a, h)
        self.lstm_boxes = np.zeros((0, 8))  # per track: [next box (4) | refined current box (4)]
        self.history = TrackHistory(self.model.steps, self.model.feature_dim)
        self.fallbacks = {"predicted": 0, "refined": 0, "predictions": 0}
        self.gallery = np.zeros((0, self.model.feature_dim), np.float32)
        self.frame_count = 0
        self.reported = np.zeros(0, np.int64)  # ids reported on the last detector frame

    def reset(self, info) -> None:
        super().reset(info)
        self._reset_state()

    def check_sequence(self, has_images: bool, has_features: bool) -> str | None:
        if self._unavailable:
            return self._unavailable
        if self.appearance and not has_features:
            return (f"rolo checkpoint uses appearance ({self.params.embedder}), and no appearance vectors are "
                    "available for this sequence (box-only data needs a box-only checkpoint: "
                    "`bench train-rolo --embedder none`)")
        return super().check_sequence(has_images, has_features)

    # --- one frame ---------------------------------------------------------------------------

    def _associate(self, dets: Detections, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = self.params
        iou = iou_matrix(dets.boxes, predicted)
        if not self.appearance or dets.features is None or len(self.gallery) == 0:
            matches, unmatched, _ = max_iou_matching(iou, p.iou_threshold)
            return matches, unmatched
        cos = 1.0 - dets.features @ self.gallery.T
        cost = (1.0 - p.appearance_weight) * (1.0 - iou) + p.appearance_weight * cos
        cost[iou < p.iou_threshold] = np.inf
        matches, unmatched, _ = min_cost_matching(cost, 2.0)
        return matches, unmatched

    def update(self, frame: np.ndarray | None, detections: Detections) -> TrackOutput:
        p = self.params
        assert self.model is not None and self.info is not None, "reset() first"
        self.frame_count += 1
        dets = detections
        if p.min_confidence > float("-inf"):
            dets = dets.subset(dets.scores >= p.min_confidence)
        # A box without extent has no aspect ratio (the guard's Kalman state) and no log-size (the
        # LSTM's encoding): it would turn a track's state into NaN, so rolo does not track it.
        extent = dets.boxes[:, 2:4] - dets.boxes[:, 0:2]
        dets = dets.subset(np.all(extent > 0, axis=1))
        if self.appearance:
            if dets.features is None:
                raise ValueError("rolo with an appearance checkpoint got detections without appearance vectors")
            if dets.features.shape[1] != self.model.feature_dim:
                raise ValueError(f"rolo checkpoint expects {self.model.feature_dim}-d appearance vectors, "
                                 f"the embedder gave {dets.features.shape[1]}-d ones")
        t, h = self.tracks, self.history
        association_limit.check(self.name, len(dets), len(t))  # before any (detections x tracks) matrix
        t.mark_predicted()
        predicted = self._predict()
        matches, unmatched = self._associate(dets, predicted)
        d, k = matches[:, 0], matches[:, 1]
        feats = dets.features
        h.push(k, dets.boxes[d], dets.scores[d], None if feats is None else feats[d])
        t.mark_updated(k)
        if len(k):
            x = t.x[k]
            t.x[k], t.P[k] = kalman.update(x, t.P[k], motion.boxes_to_xyah(dets.boxes[d]), motion.measurement_noise(x))
        if self.appearance and len(k):
            assert feats is not None
            g = 0.9 * self.gallery[k] + 0.1 * feats[d]
            self.gallery[k] = g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-12)
        if len(unmatched):
            n = len(unmatched)
            z = motion.boxes_to_xyah(dets.boxes[unmatched])
            t.add(*kalman.initiate(z, *motion.initial_variance(z)))
            self.lstm_boxes = np.concatenate([self.lstm_boxes, np.zeros((n, 8))])
            h.add(dets.boxes[unmatched], dets.scores[unmatched], None if feats is None else feats[unmatched])
            if self.appearance:
                assert feats is not None
                self.gallery = np.concatenate([self.gallery, feats[unmatched].astype(np.float32)])
        longest = self.model.steps - 1 if p.max_age is None else min(p.max_age, self.model.steps - 1)
        self._step((t.time_since_update <= longest) & h.has_anchor())
        report = sort_reported(t, self.frame_count, p.min_hits)
        if p.refine and p.predictor != "kalman":
            refined = self.lstm_boxes[:, 4:].copy()
            if p.kalman_guard:
                matched = t.time_since_update == 0
                off = matched & self._outside_gate(refined)
                refined[off] = h.boxes[off, -1]
                self.fallbacks["refined"] += int(off.sum())
            boxes = refined[report]
        else:
            boxes = h.boxes[report, -1]
        self.reported = t.ids[report].copy()
        return TrackOutput(self.reported, boxes.copy())

    def compensate(self, warp: np.ndarray) -> None:
        """Camera motion (``--cmc``): move what rolo holds in image coordinates into the coming frame's.

        - The Kalman guard's (u, v, a, h) states and covariances, by
          :func:`~trackbench.trackers.core.cmc_kernels.warp_uvah`, as for Deep SORT and
          ByteTrack: the guard predicts, gates and falls back in the new frame's coordinates.
        - Every observed box of every window (missing steps hold no box and stay empty), by
          :func:`~trackbench.trackers.core.cmc_kernels.warp_box_cells`: the window is the LSTM's only view of
          a track, and it encodes the steps relative to the last box; left unwarped, the window would
          mix coordinates of different frames once this frame's detection is pushed, and the LSTM would
          read the camera's motion as the object's.  Warping the whole window every frame keeps it in
          the current frame's coordinates (warps compose), as BoT-SORT keeps its states.
        - The LSTM's next box (computed at the end of the previous frame from the unwarped window, used
          for association now) and its refined box, by the same box warp: the prediction made in the
          previous frame's coordinates, carried over as a warped Kalman prediction is
          (``A(x + ẋ) + t``), rather than a second forward pass.
        """
        t, h = self.tracks, self.history
        cmc_kernels.warp_uvah(t.x, t.P, warp)
        cmc_kernels.warp_box_cells(h.boxes, h.observed, warp)
        cmc_kernels.warp_box_cells(self.lstm_boxes.reshape(-1, 2, 4), np.ones((len(self.lstm_boxes), 2), bool),
                                   warp)

    def coast(self, frame: np.ndarray | None) -> TrackOutput:
        """A frame without a detector run: report last detector frame's tracks at this frame's
        predicted boxes, then advance every window one missing step (module docstring)."""
        assert self.model is not None and self.info is not None, "reset() first"
        out = coasted(self.tracks.ids, self._predict(), self.reported)
        self.history.push(np.zeros(0, np.int64), np.zeros((0, 4)), np.zeros(0))
        self._step(self.history.has_anchor())
        return out

    def _predict(self) -> np.ndarray:
        """Move the guard's filters one frame; this frame's predicted boxes (the LSTM's, guarded)."""
        t = self.tracks
        q_pos, q_vel = motion.process_noise(t.x)
        t.x, t.P = kalman.predict(t.x, t.P, q_pos, q_vel)
        if self.params.predictor == "kalman":
            return motion.xyah_to_boxes(t.x)
        return self._guarded(self.lstm_boxes[:, :4], "predicted")

    def _step(self, alive: np.ndarray) -> None:
        """End the tracks not ``alive``, then predict the others' next boxes (one batched LSTM pass)."""
        self.tracks.keep(alive)
        self.history.keep(alive)
        self.lstm_boxes = self.lstm_boxes[alive]
        if self.appearance:
            self.gallery = self.gallery[alive]
        if len(self.tracks) and self.params.predictor != "kalman":
            self._forward()

    def _forward(self) -> None:
        """One batched LSTM pass over all windows: next box and refined current box per track."""
        assert self.model is not None and self.info is not None
        enc = self.history.inputs(self.info.width, self.info.height, self.model.norm)
        if self.params.predictor == "line":  # a zero correction: the window's straight line itself
            nxt, cur = decode_boxes(np.zeros((len(enc.x), 8)), enc, Normalisation())
        else:
            nxt, cur = decode_boxes(self.model.forward(enc.x), enc, self.model.norm)
        self.lstm_boxes[:, :4] = nxt
        self.lstm_boxes[:, 4:] = cur

    def _outside_gate(self, boxes: np.ndarray) -> np.ndarray:
        """(K,) True where a track's box is outside its Kalman filter's 95 % χ² gate (or not finite)."""
        t = self.tracks
        mean, var = kalman.project(t.x, t.P, motion.measurement_noise(t.x))
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            d2 = (((motion.boxes_to_xyah(boxes) - mean) ** 2) / var).sum(axis=1)
        return ~(d2 <= motion.GATING_THRESHOLD)

    def _guarded(self, boxes: np.ndarray, kind: str) -> np.ndarray:
        """The LSTM's boxes, with the Kalman filter's own prediction where they leave its gate."""
        if not self.params.kalman_guard or len(boxes) == 0:
            return boxes
        off = self._outside_gate(boxes)
        self.fallbacks[kind] += int(off.sum())
        self.fallbacks["predictions"] += len(boxes)
        out = boxes.copy()
        out[off] = motion.xyah_to_boxes(self.tracks.x[off])
        return out
