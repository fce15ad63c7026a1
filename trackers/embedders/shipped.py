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

Two files ship: ``reid_mot17_synth_64.pt``, the training output (a
:func:`~trackbench.trackers.embedders.siamese.save_checkpoint` dict read with
``torch.load(weights_only=True)``), and ``reid_mot17_synth_64.onnx``, the same
network exported from it (``bench export-onnx``), which is what ``reid`` runs:
through onnxruntime (:class:`~trackbench.trackers.embedders.onnx_model.OnnxEmbedder`),
so Deep SORT's default embedder needs no torch.  The same weights under torch
are ``embedder=siamese:<the .pt file>``.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from trackbench.trackers.embedders.onnx_model import OnnxEmbedder

WEIGHTS = "weights/reid_mot17_synth_64.pt"
ONNX = "weights/reid_mot17_synth_64.onnx"


def _packaged(name: str, what: str) -> Path:
    path = Path(str(importlib.resources.files("trackbench.trackers.embedders").joinpath(name)))
    if not path.is_file():
        raise FileNotFoundError(f"the shipped re-id {what} is missing from the installation ({path}); "
                                "reinstall trackbench, or choose another embedder (e.g. embedder=histogram)")
    return path


def weights_path() -> Path:
    """The shipped training checkpoint (.pt; the torch path's input and the source of the .onnx)."""
    return _packaged(WEIGHTS, "checkpoint")


def onnx_path() -> Path:
    """The shipped network as ONNX: the file ``reid`` runs (and its cache key hashes)."""
    return _packaged(ONNX, "network (.onnx)")


def create(arg: str | None = None, device: str = "auto") -> OnnxEmbedder:
    """Registry factory: ``reid`` (no argument; your own checkpoint is ``siamese:<file>`` or ``onnx:<file>``)."""
    if arg:
        raise ValueError(f"the 'reid' embedder takes no argument (got {arg!r}); "
                         "a checkpoint of your own is embedder=siamese:<checkpoint.pt> or onnx:<model.onnx>")
    # ImageNet mean/std and RGB order: what the siamese network was trained with (torch_device.to_tensor).
    return OnnxEmbedder(onnx_path(), device=device, name="reid")
