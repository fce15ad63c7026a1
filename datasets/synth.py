"""``synth``: the built-in dataset, generated on the spot from a seed.

``bench run`` without arguments must work on a fresh machine with no downloads,
and its scores must still tell trackers apart.  So this dataset is small and
fast (three 150-frame sequences in well under a second, frames rendered on
demand in a few milliseconds) but has what separates trackers on real data:
crossing paths and mutual occlusion, entries and exits, scale change, a panning
camera in one sequence, look-alike objects, and detections with occlusion-driven
misses, box noise, scattered and recurring false positives, and informative
scores.

The work is split across modules: :mod:`trackbench.datasets.synth_motion` (camera,
trajectories, occlusion), :mod:`trackbench.datasets.synth_detect` (ground truth and
detector model), :mod:`trackbench.datasets.synth_texture` and :mod:`trackbench.datasets.synth_render`
(pixels).  Everything is a deterministic function of :class:`SynthConfig`.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2

from trackbench.datasets.boxes import tlbr_to_tlwh
from trackbench.datasets.motfile import atomic_write_text
from trackbench.datasets.sequence import EvalSpec, FrameTable, Sequence, SequenceInfo
from trackbench.datasets.synth_config import SynthConfig
from trackbench.datasets.synth_detect import detection_table, ground_truth_table
from trackbench.datasets.synth_motion import SynthScene, build_scene
from trackbench.datasets.synth_render import SynthFrameSource

DATASET = "synth"

__all__ = ["DATASET", "SynthConfig", "SynthFrameSource", "SynthScene", "load_synth", "write_synth_mot"]


def load_synth(config: SynthConfig | None = None, sequences: list[str] | None = None) -> list[Sequence]:
    """Generate the synthetic sequences (all, or those named in ``sequences``).

    Sequence ``synth-0k`` depends only on ``(config, k)``, so asking for a subset
    yields exactly the same data as picking it out of the full set.
    """
    config = config or SynthConfig()
    names = config.sequence_names()
    wanted = names if sequences is None else list(sequences)
    unknown = [s for s in wanted if s not in names]
    if unknown:
        raise ValueError(f"unknown synth sequence(s) {unknown}; this config has {names}")
    return [_make_sequence(config, names.index(name) + 1) for name in wanted]


def _make_sequence(config: SynthConfig, index: int) -> Sequence:
    scene = build_scene(config, index)
    info = SequenceInfo(
        name=scene.name,
        dataset=DATASET,
        length=config.length,
        fps=config.fps,
        width=config.width,
        height=config.height,
    )
    spec = EvalSpec(notes=(f"synthetic; gt rows under {config.min_visibility:.0%} visible have conf 0 (ignored)",))
    return Sequence(
        info=info,
        detections=detection_table(scene),
        ground_truth=ground_truth_table(scene),
        source=SynthFrameSource(scene),
        eval_spec=spec,
    )


def _mot_lines(table: FrameTable, gt: bool) -> str:
    """MOT17 text: gt as ``frame,id,l,t,w,h,conf,class,vis``; det as ``frame,-1,l,t,w,h,score,-1,-1,-1``."""
    if len(table) == 0:
        return ""
    tlwh = tlbr_to_tlwh(table.boxes)
    if gt:
        rows = zip(table.frames, table.ids, tlwh, table.scores, table.classes, table.visibility)
        lines = [f"{f},{i},{b[0]:.2f},{b[1]:.2f},{b[2]:.2f},{b[3]:.2f},{c:g},{k},{v:.4f}" for f, i, b, c, k, v in rows]
    else:
        rows = zip(table.frames, tlwh, table.scores)
        lines = [f"{f},-1,{b[0]:.2f},{b[1]:.2f},{b[2]:.2f},{b[3]:.2f},{s:.4f},-1,-1,-1" for f, b, s in rows]
    return "\n".join(lines) + "\n"


def _seqinfo(info: SequenceInfo) -> str:
    return (
        "[Sequence]\n"
        f"name={info.name}\n"
        "imDir=img1\n"
        f"frameRate={info.fps:g}\n"
        f"seqLength={info.length}\n"
        f"imWidth={info.width}\n"
        f"imHeight={info.height}\n"
        "imExt=.jpg\n"
    )


def write_synth_mot(
    sequences: list[Sequence],
    root: str | os.PathLike,
    images: bool = True,
    jpeg_quality: int = 95,
) -> list[Path]:
    """Write sequences in MOTChallenge MOT17 layout under ``root``; returns the sequence folders.

    Gives the MOT loader and external tools (TrackEval, motmetrics, other
    trackers' demo scripts) the same data the built-in run uses.  Boxes are
    written with two decimals, as MOT files usually are.  ``images=False``
    writes box-only data (no ``img1/``), for tests and box-only trackers.
    """
    out = []
    for seq in sequences:
        folder = Path(root) / seq.name
        atomic_write_text(folder / "seqinfo.ini", _seqinfo(seq.info))
        atomic_write_text(folder / "det" / "det.txt", _mot_lines(seq.detections, gt=False))
        if seq.ground_truth is not None:
            atomic_write_text(folder / "gt" / "gt.txt", _mot_lines(seq.ground_truth, gt=True))
        if images and seq.source is not None:
            _write_images(seq, folder / "img1", jpeg_quality)
        out.append(folder)
    return out


def _write_images(seq: Sequence, folder: Path, quality: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    for frame, img in enumerate(seq.images(), start=1):
        path = folder / f"{frame:06d}.jpg"
        if not cv2.imwrite(str(path), img, params):
            raise OSError(f"could not write {path}")

