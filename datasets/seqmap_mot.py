"""SportsMOT and DanceTrack: MOTChallenge-layout sequence folders, chosen by a split's seqmap.

Both ship ``<split>/<sequence>/{img1/, gt/gt.txt, seqinfo.ini}`` (``split`` is
train, val or test) and a list of each split's sequences.  Where the files sit
differs between the official downloads and TrackEval's data folder, so each
is looked for in turn (``<root>`` is ``--data-root``):

- split folder: ``<root>/<split>``, ``<root>/<name>-<split>`` (TrackEval),
  ``<root>/dataset/<split>`` (the SportsMOT release);
- seqmap: ``<root>/seqmaps/<name>-<split>.txt`` (TrackEval),
  ``<root>/splits_txt/<split>.txt`` (SportsMOT), ``<root>/<split>_seqmap.txt``
  (DanceTrack); a first line ``name`` is a header.  Without one, every
  sequence folder of the split is used.

Each folder is read by the MOTChallenge loader (same checks, same one-line
errors).  SportsMOT's gt separates fields with ``", "`` (read as commas) and
numbers identities from 0; ids are shifted up by one when the file holds a 0,
so every id is >= 1 as MOTChallenge files need (the shift is a relabelling:
scores do not change).  Sequences the seqmap lists but the folder lacks (a
partial download) are skipped with a note on the leaderboard, never silently;
none at all is an error.  Neither dataset ships public detections: run them
with ``--detections gt`` or a folder of detections.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from trackbench.datasets.errors import at
from trackbench.datasets.line_limit import check_line_lengths
from trackbench.datasets.mot import DatasetNotFound, is_sequence_dir, load_sequence, select
from trackbench.datasets.mot_scoring import eval_spec_for
from trackbench.datasets.sequence import Sequence

SPLITS = ("train", "val", "test")
DOWNLOAD_HINT = {
    "sportsmot": "https://github.com/MCG-NJU/SportsMOT (the dataset page links the download; unzip so that "
                 "<root>/dataset/val/<sequence>/gt/gt.txt and <root>/splits_txt/val.txt exist)",
    "dancetrack": "https://github.com/DanceTrack/DanceTrack (unzip so that <root>/val/<sequence>/gt/gt.txt and "
                  "<root>/val_seqmap.txt exist)",
}


def split_folder(root: Path, name: str, split: str) -> Path:
    """The folder holding ``split``'s sequence folders (see the module docstring)."""
    for candidate in (root / split, root / f"{name}-{split}", root / "dataset" / split):
        if candidate.is_dir():
            return candidate
    raise DatasetNotFound(f"no {name} {split} split under {root} (looked for {split}/, {name}-{split}/ and "
                          f"dataset/{split}/).\nDownload it from {DOWNLOAD_HINT[name]}, then pass --data-root "
                          f"<root> or set TRACKBENCH_DATA to the folder holding {name}/.")


def find_seqmap(root: Path, name: str, split: str) -> Path | None:
    for candidate in (root / "seqmaps" / f"{name}-{split}.txt", root / "splits_txt" / f"{split}.txt",
                      root / f"{split}_seqmap.txt", root / "seqmaps" / f"{split}.txt"):
        if candidate.is_file():
            return candidate
    return None


def read_seqmap(path: Path) -> list[str]:
    """Sequence names, one per line; a first line ``name`` is TrackEval's header."""
    check_line_lengths(path)  # a seqmap line is one sequence name; line iteration would hold a 1 GiB one whole
    names: list[str] = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            text = line.strip()
            if not text or (not names and text.lower() == "name"):
                continue
            if len(text.split()) != 1 or "/" in text or "\\" in text:
                raise at(path, lineno, f"expected one sequence name per line, got {text[:80]!r}")
            names.append(text)
    if not names:
        raise at(path, None, "the seqmap lists no sequence")
    return names


def ids_from_one(seq: Sequence) -> Sequence:
    """gt ids shifted so the smallest is >= 1 when the file starts them at 0 (SportsMOT)."""
    gt = seq.ground_truth
    if gt is None or not len(gt) or int(gt.ids.min()) != 0:
        return seq
    return dataclasses.replace(seq, ground_truth=dataclasses.replace(gt, ids=gt.ids + 1))


def load_seqmap_dataset(root: str | Path, name: str, split: str | None = None,
                        sequences: list[str] | None = None) -> list[Sequence]:
    """The sequences of ``split`` (default val: train and val have gt) of SportsMOT or DanceTrack."""
    root, split = Path(root).expanduser(), (split or "val").lower()
    if split not in SPLITS:
        raise ValueError(f"--split {split}: {name} has {', '.join(SPLITS)}")
    if not root.is_dir():
        raise DatasetNotFound(f"{name} not found: {root} is not a folder.\nDownload it from {DOWNLOAD_HINT[name]}.")
    folder = split_folder(root, name, split)
    present = {p.name: p for p in sorted(folder.iterdir()) if p.is_dir() and is_sequence_dir(p)}
    seqmap = find_seqmap(root, name, split)
    listed = read_seqmap(seqmap) if seqmap else list(present)
    absent = [n for n in listed if n not in present]
    available = [n for n in listed if n in present]
    if not available:
        raise DatasetNotFound(f"none of the {len(listed)} sequences of {seqmap or folder} is under {folder}.\n"
                              f"Download them from {DOWNLOAD_HINT[name]}.")
    notes = [f"{name} {split}: scored as TrackEval scores MOTChallenge (gt rows with conf 0 and distractor classes "
             "left out; these files hold neither)"]
    if absent and not sequences:
        notes.append(f"{seqmap} lists {len(listed)} sequences; {len(absent)} are not under {folder} and were "
                     f"skipped (first: {absent[0]})")
    out = []
    for seq_name in select(available, sequences):
        seq = ids_from_one(load_sequence(present[seq_name], name, root, require_detections=False))
        spec = eval_spec_for(seq.name, seq.ground_truth, "mot17")
        out.append(dataclasses.replace(seq, eval_spec=dataclasses.replace(spec, notes=tuple(notes))))
    return out


def load_sportsmot(root: str | Path, split: str | None = None, sequences: list[str] | None = None) -> list[Sequence]:
    return load_seqmap_dataset(root, "sportsmot", split, sequences)


def load_dancetrack(root: str | Path, split: str | None = None, sequences: list[str] | None = None) -> list[Sequence]:
    return load_seqmap_dataset(root, "dancetrack", split, sequences)


__all__ = ["load_dancetrack", "load_seqmap_dataset", "load_sportsmot"]
