"""Life-cycle rules shared by trackers: which tracks a frame reports.

SORT's rule (Bewley et al. 2016, as the authors' code applies it) is used by
SORT and by ROLO, which keeps SORT's life cycle around its LSTM: a track is
reported on a frame where it was matched, once it has ``min_hits``
consecutive matches — except during the first ``min_hits`` frames of a
sequence, when every matched track is reported (so tracks show from the start).
"""

from __future__ import annotations

import numpy as np

from trackbench.trackers.core.tracks import TrackStore


def sort_reported(tracks: TrackStore, frame_count: int, min_hits: int) -> np.ndarray:
    """Boolean mask over ``tracks``: those SORT reports on frame ``frame_count`` (1-based)."""
    report = tracks.time_since_update < 1
    if frame_count > min_hits:
        report &= tracks.hit_streak >= min_hits
    return report
