"""Settings of the built-in synthetic dataset (see :mod:`trackbench.datasets.synth`).

Kept apart from the generator so the motion, detection and rendering modules can
all take the config without importing each other.  Every default is chosen so
that ``SynthConfig()`` is the benchmark ``bench run`` uses: three short
sequences, one of them filmed by a panning camera, with enough occlusion, missed
detections and clutter that trackers score differently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SynthConfig:
    """Everything that determines the synthetic data: same config, same bytes."""

    seed: int = 0
    num_sequences: int = 3
    length: int = 150  # frames per sequence (6 s at 25 fps)
    width: int = 640
    height: int = 360
    fps: float = 25.0

    # Scene.  The number of objects in view drifts inside this range as objects
    # enter and leave through the borders.
    objects_alive: tuple[int, int] = (6, 10)
    walk_speed: tuple[float, float] = (0.5, 1.4)  # body heights per second
    turn_rate: float = 0.02  # typical turn rate of a heading, rad/frame
    similar_fraction: float = 0.3  # objects that copy another's colours

    # Camera: 1-based numbers of the sequences filmed by a panning camera.
    moving_camera: tuple[int, ...] = (2,)
    camera_speed: float = 3.0  # peak pan speed, px/frame

    # Ground truth: rows less visible than this get conf 0 (not scored).
    min_visibility: float = 0.2

    # Detector model.
    miss_rate: float = 0.05  # for a fully visible object
    occluded_miss_rate: float = 0.4  # at visibility 0.5; 1.0 below min_visibility
    miss_persistence: float = 0.5  # miss probability just after a miss
    box_jitter: float = 0.04  # std of each box edge, as a fraction of box size
    false_positives: float = 1.0  # mean random false positives per frame
    static_fp_sites: int = 2  # object-like background clutter the detector fires on
    static_fp_rate: float = 0.3  # per frame and site
    tp_score_beta: tuple[float, float] = (8.0, 2.0)  # Beta(a, b) of true positives
    fp_score_beta: tuple[float, float] = (2.0, 5.0)  # Beta(a, b) of false positives

    # Rendering.
    pixel_noise: float = 3.0  # std of per-frame sensor noise, grey levels

    def __post_init__(self) -> None:
        lo, hi = self.objects_alive
        checks = {
            "num_sequences must be >= 1": self.num_sequences >= 1,
            "length must be >= 1": self.length >= 1,
            "width and height must be >= 32": min(self.width, self.height) >= 32,
            "fps must be > 0": self.fps > 0,
            "objects_alive must be 0 <= lo <= hi": 0 <= lo <= hi,
            "min_visibility must be in [0, 0.5)": 0 <= self.min_visibility < 0.5,
            "miss rates must be in [0, 1]": all(
                0 <= p <= 1 for p in (self.miss_rate, self.occluded_miss_rate, self.miss_persistence, self.static_fp_rate)
            ),
            "false_positives must be >= 0": self.false_positives >= 0,
            "box_jitter must be >= 0": self.box_jitter >= 0,
        }
        failed = [msg for msg, ok in checks.items() if not ok]
        if failed:
            raise ValueError("invalid SynthConfig: " + "; ".join(failed))

    def sequence_names(self) -> list[str]:
        return [f"synth-{i:02d}" for i in range(1, self.num_sequences + 1)]

    def rng(self, index: int, stream: int) -> np.random.Generator:
        """An independent generator per (sequence, purpose).

        Separate streams mean that changing, say, the detector noise leaves the
        trajectories and pixels of a sequence untouched, and a subset of
        sequences is generated identically to the full set.
        """
        return np.random.default_rng(np.random.SeedSequence([self.seed, index, stream]))


# Stream numbers for SynthConfig.rng: one per independent part of a sequence.
STREAM_MOTION = 1
STREAM_CAMERA = 2
STREAM_APPEARANCE = 3
STREAM_DETECTIONS = 4
STREAM_BACKGROUND = 5
STREAM_SITES = 6
STREAM_NOISE = 7
