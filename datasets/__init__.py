"""Dataset selection by name: ``synth``, ``mot15|mot16|mot17|mot20``, ``aicity`` or a folder.

Where data lives is resolved in this order: ``--data-root`` (the dataset's own
folder), then ``$TRACKBENCH_DATA/<name>`` (a folder holding datasets by name,
any case, e.g. ``MOT17/``).  A missing dataset raises :class:`DatasetNotFound`
whose message says what to download and where to put it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from trackbench.datasets.mot import DatasetNotFound, load_mot
from trackbench.datasets.sequence import Sequence

ENV_VAR = "TRACKBENCH_DATA"
MOT_NAMES = ("mot15", "mot16", "mot17", "mot20")
#: Datasets with their own loader beyond MOTChallenge's (each takes ``split=`` and, but SportsMOT/DanceTrack,
#: ``classes=``: one sequence per (video, class)).
SPLIT_NAMES = ("sportsmot", "dancetrack", "kitti", "bdd100k")
NAMES = ("synth",) + MOT_NAMES + ("aicity",) + SPLIT_NAMES

_ALIASES = {"mot15": ("MOT15", "2DMOT2015", "mot15"), "mot16": ("MOT16", "mot16"),
            "mot17": ("MOT17", "mot17"), "mot20": ("MOT20", "mot20"),
            "aicity": ("aicity", "AICity", "AIC", "CityFlow", "cityflow"),
            "sportsmot": ("sportsmot", "SportsMOT", "sportsmot_publish"),
            "dancetrack": ("dancetrack", "DanceTrack"),
            "kitti": ("kitti", "KITTI", "kitti-tracking", "kitti_tracking"),
            "bdd100k": ("bdd100k", "BDD100K", "bdd100k-mot")}


def resolve_root(name: str, data_root: str | os.PathLike | None) -> Path:
    """The folder of dataset ``name``: the explicit root, else under $TRACKBENCH_DATA."""
    if data_root:
        return Path(data_root).expanduser()
    base = os.environ.get(ENV_VAR)
    if base:
        for alias in _ALIASES.get(name, (name,)):
            candidate = Path(base).expanduser() / alias
            if candidate.is_dir():
                return candidate
        return Path(base).expanduser() / _ALIASES.get(name, (name,))[0]
    raise DatasetNotFound(
        f"dataset {name!r} needs its data: pass --data-root <folder> or set {ENV_VAR} "
        f"to a folder holding {_ALIASES.get(name, (name,))[0]}/"
        + (f".\n{_download_hint(name)}" if _download_hint(name) else "")
    )


def _download_hint(name: str) -> str:
    from trackbench.datasets.mot import DOWNLOAD_HINT

    if name in DOWNLOAD_HINT:
        return f"Download it from {DOWNLOAD_HINT[name]}."
    if name == "aicity":
        from trackbench.datasets.aicity import ACCESS_HINT

        return ACCESS_HINT
    if name in ("sportsmot", "dancetrack"):
        from trackbench.datasets.seqmap_mot import DOWNLOAD_HINT as SEQMAP_HINT

        return f"Download it from {SEQMAP_HINT[name]}."
    if name == "kitti":
        from trackbench.datasets.kitti import DOWNLOAD_HINT as KITTI_HINT

        return KITTI_HINT
    if name == "bdd100k":
        from trackbench.datasets.bdd100k import DOWNLOAD_HINT as BDD_HINT

        return BDD_HINT
    return ""


def load_dataset(name: str, data_root: str | os.PathLike | None = None,
                 sequences: list[str] | None = None, **options: Any) -> list[Sequence]:
    """Load the sequences of a dataset by name (or a folder path in MOT layout)."""
    key = name.lower()
    if key == "synth":
        from trackbench.datasets.synth import load_synth

        return load_synth(sequences=sequences)
    if key in MOT_NAMES:
        return load_mot(resolve_root(key, data_root), key, sequences)
    if key == "aicity":
        from trackbench.datasets.aicity import load_aicity

        return load_aicity(resolve_root(key, data_root), sequences=sequences, **options)
    if key in SPLIT_NAMES:
        return _load_split_dataset(key, resolve_root(key, data_root), sequences, **options)
    if Path(name).expanduser().is_dir():
        return load_mot(Path(name).expanduser(), None, sequences)
    raise DatasetNotFound(f"unknown dataset {name!r}: use one of {', '.join(NAMES)} or a folder path")


def _load_split_dataset(key: str, root: Path, sequences: list[str] | None, split: str | None = None,
                        classes: list[str] | None = None, detector: str | None = None) -> list[Sequence]:
    """SportsMOT, DanceTrack, KITTI or BDD100K (see their modules); an option a dataset lacks is an error."""
    if key in ("sportsmot", "dancetrack"):
        if classes:
            raise ValueError(f"--classes does not apply to {key} (one class)")
        from trackbench.datasets.seqmap_mot import load_seqmap_dataset

        return load_seqmap_dataset(root, key, split, sequences)
    if key == "kitti":
        from trackbench.datasets.kitti import load_kitti

        return load_kitti(root, sequences, classes, split, detector)
    from trackbench.datasets.bdd100k import load_bdd100k

    return load_bdd100k(root, sequences, classes, split)


__all__ = ["DatasetNotFound", "ENV_VAR", "NAMES", "Sequence", "load_dataset", "resolve_root"]
