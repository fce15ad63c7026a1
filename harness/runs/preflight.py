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

What remains legitimately per-unit is data that cannot give vectors (a
box-only sequence for an image embedder, or a missing optional install):
those units are skipped with a note, as before.
"""

from __future__ import annotations

from trackbench import trackers
from trackbench.datasets.sequence import Sequence
from trackbench.harness.runs.features import feature_options
from trackbench.harness.runs.runner import Variant
from trackbench.trackers.embedders import check_device, check_spec, is_precomputed
from trackbench.trackers.embedders.precomputed import find_features_file


def check_variants(variants: list[Variant], sequences: list[Sequence]) -> None:
    """Raise (ValueError, FileNotFoundError, ParamError) on the first user mistake; see the module docstring."""
    checked: set[tuple[str, str | None, str]] = set()
    for variant in variants:
        tracker = trackers.create(variant.tracker, variant.params())
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
