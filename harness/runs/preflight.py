"""Checks that run before any tracking: a user's mistake fails the command at once, never as "skipped".

A run may be long; a typo in ``--param embedder=...`` or ``device=...``, a
model or features file that is not there, must not surface as a unit that was
"skipped" (exit 0, an empty table) or after other trackers have run for an
hour.  :func:`check_variants` builds each variant's parameters and checks what
its appearance vectors need, cheaply (no model is loaded, torch is imported
only to ask whether CUDA is there when CUDA was asked for):

- the embedder's name is known and its file argument exists
  (:func:`~trackbench.trackers.embedders.check_spec`);
- the device is one the embedder can use (:func:`~trackbench.trackers.embedders.check_device`);
- ``embedder=precomputed`` has ``features=`` and a file for every sequence.

- a tracker the user *named* can run on at least one selected sequence: ``-t
  deepsort`` on box-only sequences (its embedder needs images) or ``-t
  meanshift`` without images is refused at once, not run as a row of "skipped"
  notes under a legend that still lists it (:func:`why_never_runs`).

What remains legitimately per-unit is data that cannot give vectors on *some*
sequences (a box-only sequence among others with images, a missing optional
install), and trackers chosen by default: those units are skipped with a note.
"""

from __future__ import annotations

from trackbench import trackers
from trackbench.datasets.sequence import Sequence
from trackbench.harness.runs.features import feature_options
from trackbench.harness.runs.runner import Variant
from trackbench.trackers.embedders import check_device, check_spec, is_precomputed
from trackbench.trackers.embedders.precomputed import find_features_file
from trackbench.trackers.params import ParamError


def why_never_runs(tracker: trackers.Tracker, sequences: list[Sequence]) -> str | None:
    """Why ``tracker`` can run on none of ``sequences`` (the first sequence's reason), or None."""
    spec = feature_options(tracker.params)[0] if tracker.requires.features else None
    reasons = []
    for seq in sequences:
        can_embed = seq.detections.features is not None or seq.has_images or (spec is not None and is_precomputed(spec))
        reason = tracker.check_sequence(seq.has_images, can_embed)
        if tracker.requires.features and not can_embed:  # say why, and what would work
            reason = (f"its embedder {spec!r} computes appearance vectors from images, and {seq.name} is box-only "
                      "(vectors for box-only data can only come from files: embedder=precomputed, where the tracker "
                      "supports it)")
        if reason is None:
            return None
        reasons.append(reason)
    return f"{reasons[0]}" + (f" (and so on for all {len(sequences)} sequences)" if len(sequences) > 1 else "")


def check_variants(variants: list[Variant], sequences: list[Sequence], named: bool = True) -> None:
    """Raise (ValueError, FileNotFoundError, ParamError) on the first user mistake; see the module docstring.

    ``named``: the trackers were chosen by the user (``-t``, a sweep), so one
    that can run on no selected sequence is a mistake, not a skip.
    """
    checked: set[tuple[str, str | None, str]] = set()
    for variant in variants:
        tracker = trackers.create(variant.tracker, variant.params())
        never = why_never_runs(tracker, sequences) if named else None
        if never:
            raise ParamError(f"{variant.name} cannot run on any selected sequence: {never}; choose trackers "
                             "that need only boxes (e.g. -t sort), or data with images")
        if not tracker.requires.features:
            continue
        spec, features, device = feature_options(tracker.params)
        if (spec, features, device) in checked:
            continue
        checked.add((spec, features, device))
        if is_precomputed(spec):
            if not features:
                raise ValueError(f"{variant.name}: embedder=precomputed needs --param features=<folder of <sequence>.npy files>")
            for seq in sequences:
                find_features_file(features, seq.name)
            continue
        check_spec(spec)
        if any(seq.has_images for seq in sequences):
            check_device(spec, device)
