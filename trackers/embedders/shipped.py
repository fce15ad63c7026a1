"""``reid``: the small person re-identification network that ships inside trackbench (Deep SORT's default).

Deep SORT needs an appearance model that tells *people* apart and is fast on a
CPU.  No pretrained re-id network ships in a package we can depend on, and
nothing here downloads weights, so trackbench carries its own: the
:mod:`~trackbench.trackers.embedders.siamese` architecture at 64×64 input
(24-48-96-192 channels, 256-d output, about 331 k parameters), trained with
``bench train-reid`` on identity crops of real pedestrians (MOT17 train
frames) and of the built-in synthetic data.  ``weights/README.md`` beside the
file holds the exact command, the data, the held-out scores and the measured
speed; ``weights/LICENSE`` the licence of the weights (they derive from MOT17,
CC BY-NC-SA 3.0, unlike the code's MIT).

The file is a :func:`~trackbench.trackers.embedders.siamese.save_checkpoint`
dict (weights, architecture numbers, plain metadata), read with
``torch.load(weights_only=True)``: loading it runs no code.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported only when the model is built: the cache key needs just the file
    from trackbench.trackers.embedders.siamese import SiameseEmbedder

WEIGHTS = "weights/reid_mot17_synth_64.pt"


def weights_path() -> Path:
    """The shipped checkpoint inside the installed package."""
    path = Path(str(importlib.resources.files("trackbench.trackers.embedders").joinpath(WEIGHTS)))
    if not path.is_file():
        raise FileNotFoundError(f"the shipped re-id weights are missing from the installation ({path}); "
                                "reinstall trackbench, or choose another embedder (e.g. embedder=histogram)")
    return path


def create(arg: str | None = None, device: str = "auto") -> "SiameseEmbedder":
    """Registry factory: ``reid`` (no argument; your own checkpoint is ``siamese:<file>``)."""
    if arg:
        raise ValueError(f"the 'reid' embedder takes no argument (got {arg!r}); "
                         "a checkpoint of your own is embedder=siamese:<checkpoint.pt>")
    from trackbench.trackers.embedders.siamese import SiameseEmbedder

    return SiameseEmbedder.from_checkpoint(weights_path(), device=device)
