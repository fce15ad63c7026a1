"""The one validation of a unit's tracker output, before anything is written or scored.

Built-in trackers always report positive integer ids and proper boxes; a
plug-in may not.  Unchecked, a float id 0.5 was truncated to 0 in the result
file, a negative id was written as it was, and one frame with a repeated id or
an inverted box made *scoring* raise, which ended the whole run with exit 2
and no leaderboard although the other units were fine (issue 24).  Here the
whole output of one unit is checked at once: if anything is wrong the unit
fails with the first reason (frame and track named) and only that unit.
"""

from __future__ import annotations

import numpy as np

from trackbench.harness.metrics.preprocess import TAME_COORDINATE  # scoring refuses boxes beyond it

#: Largest id a result file and the scorers can hold exactly (int64; float64 is exact to 2**53).
MAX_ID = 2 ** 53


def _first(bad: np.ndarray) -> int:
    return int(np.argmax(bad))


def _plain(value: object) -> object:
    """A numpy scalar as the Python number it holds (messages show ``0.5``, not ``np.float64(0.5)``)."""
    return value.item() if hasattr(value, "item") else value


def why_invalid(frames: np.ndarray, ids: np.ndarray, boxes: np.ndarray, scores: np.ndarray) -> str | None:
    """Why a unit's rows may not be written: the first problem found, with its frame and id; None when fine."""
    if boxes.ndim != 2 or boxes.shape[1] != 4 or not (len(ids) == len(boxes) == len(scores) == len(frames)):
        return (f"tracker output has mismatched shapes: {len(ids)} ids, boxes {tuple(boxes.shape)}, "
                f"{len(scores)} scores; nothing written")
    try:
        values = np.asarray(ids, dtype=float)
    except (TypeError, ValueError):
        return f"tracker output ids are not numbers (dtype {np.asarray(ids).dtype}); nothing written"
    # Messages name the offending row's id and frame as plain Python numbers; only that row is converted
    # (converting every row cost more than the checks themselves on a long sequence).
    def row(i: int) -> tuple[object, object]:
        return _plain(ids[i]), _plain(frames[i])

    checks = (
        (~(np.abs(boxes) <= TAME_COORDINATE).all(axis=1) | ~np.isfinite(scores),
         lambda i: "is not finite (or a box coordinate is beyond ±{:g}): track {} at frame {} has box {} score {}"
                   .format(TAME_COORDINATE, *row(i), boxes[i].tolist(), _plain(scores[i]))),
        (~np.isfinite(values) | (values != np.round(values)),
         lambda i: "has id {!r} at frame {}: ids must be whole numbers".format(*row(i))),
        ((values < 1) | (values > MAX_ID),
         lambda i: "has id {!r} at frame {}: ids must be between 1 and 2**53".format(*row(i))),
        ((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1]),
         lambda i: "has an inverted box at frame {1}, track {0}: ".format(*row(i))
                   + f"{boxes[i].tolist()} (left, top, right, bottom)"),
    )
    for bad, say in checks:
        if bad.any():
            return f"tracker output {say(_first(bad))} ({int(bad.sum())} such rows); nothing written"
    pairs = np.stack([np.asarray(frames, float), values], axis=1)
    _, first_index, counts = np.unique(pairs, axis=0, return_index=True, return_counts=True)
    if (counts > 1).any():
        i = int(first_index[np.argmax(counts > 1)])
        return (f"tracker output reports track {int(values[i])} {int(counts.max())} times in frame {int(frames[i])} "
                f"({int((counts > 1).sum())} such frame/id pairs); ids must be unique within a frame; nothing written")
    return None


def as_written(ids: np.ndarray) -> np.ndarray:
    """Valid ids (see :func:`why_invalid`) as the int64 column the result file holds."""
    return np.asarray(ids, dtype=float).astype(np.int64) if np.asarray(ids).dtype.kind == "f" else \
        np.asarray(ids).astype(np.int64)
