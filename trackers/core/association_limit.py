"""The memory ceiling of one frame's association: detections x tracks cells, refused above a stated bound.

The box trackers (``sort``, ``bytetrack``, ``ocsort``, ``deepsort``, ``rolo``,
``botsort``) associate a frame's detections with its live tracks through dense
(detections x tracks) cost matrices: the IoU matrix built in their kernels,
its negated or gated copy, and scipy's ``linear_sum_assignment``, which copies
it again and keeps per-cell work arrays: 15-23 bytes per cell measured at the
ceiling, more with the rest of a run around it (issue 24: 10,000 x 10,000
cells took 7.5 GB; 20,000 x 20,000 took 23 GB and the OOM killer).

The dense solve stays: which zero-IoU pairs scipy's solver picks on the full
matrix decides the order, and so the ids, of new tracks, and the authors'
outputs are matched frame by frame (``tests/test_reference_outputs.py``).  A
sparse or per-component solve would change ids on ordinary frames.  Instead a
frame whose matrix would exceed :data:`MAX_CELLS` is refused before anything
is allocated, with :class:`FrameTooLarge`; the runner turns it into a failed
unit naming sequence and frame (``harness/runs/tracking.py``).

Ceiling: :data:`MAX_CELLS` = 16,000,000 cells (e.g. 4,000 detections x 4,000
tracks), 128 MB per float64 matrix.  Measured on one frame of 4,000 x 4,000
(``benchmarks/hostile_cases.py`` cases ``crowd-*``; a 290 MB process before
the frame): SORT and ByteTrack peak at 535 MB resident, OC-SORT at 660 MB,
i.e. at most about 0.4 GB for the association.  MOT20's densest frames hold a
few hundred boxes (about 0.1-1 M cells with a detector's low-score boxes and
lost tracks), so real data stays far below it.
"""

from __future__ import annotations

#: Most (detection, track) cells one frame's association may hold.
MAX_CELLS = 16_000_000
#: Peak bytes per cell measured at the ceiling (OC-SORT, the most; scipy's solver and the matrix copies).
BYTES_PER_CELL = 23


class FrameTooLarge(RuntimeError):
    """A frame holds more (detection, track) pairs than the association's memory ceiling allows.

    ``sequence`` and ``frame`` are filled in by the runner, which knows them
    (:meth:`at`); the tracker knows only its own counts.
    """

    def __init__(self, tracker: str, detections: int, tracks: int, sequence: str | None = None,
                 frame: int | None = None) -> None:
        self.tracker, self.detections, self.tracks = tracker, detections, tracks
        self.sequence, self.frame = sequence, frame
        super().__init__(self._message())

    def at(self, sequence: str, frame: int) -> "FrameTooLarge":
        """The same error, naming the sequence and the (1-based) frame it happened in."""
        return FrameTooLarge(self.tracker, self.detections, self.tracks, sequence, frame)

    def _message(self) -> str:
        where = ""
        if self.sequence is not None:
            where = f"{self.sequence} frame {self.frame}: " if self.frame is not None else f"{self.sequence}: "
        cells = self.detections * self.tracks
        return (f"{where}{self.detections:,} detections x {self.tracks:,} tracks = {cells:,} association pairs, "
                f"above {self.tracker}'s ceiling of {MAX_CELLS:,} (at least {_gigabytes(cells):.1f} GB needed, "
                f"at most {_gigabytes(MAX_CELLS):.1f} GB allowed); thin the detections (--min-score) or split the frame")


def check(tracker: str, detections: int, tracks: int) -> None:
    """Raise :class:`FrameTooLarge` when ``detections x tracks`` exceeds :data:`MAX_CELLS`.

    Called by each box tracker at the top of ``update``, before any matrix of
    the frame is allocated; ``tracks`` is every track the frame's rounds may
    pair with a detection (live, lost and unconfirmed alike).
    """
    if detections * tracks > MAX_CELLS:
        raise FrameTooLarge(tracker, detections, tracks)


def _gigabytes(cells: int) -> float:
    return cells * BYTES_PER_CELL / 1e9
