"""What every torch embedder shares: device choice, half precision, batching, preprocessing.

- the device is chosen by :func:`trackbench.trackers.core.device.resolve_device`
  (``auto|cpu|cuda[:N]``), the rule every torch model follows.
- :class:`TorchEmbedder` runs a model over crops: the crops are resized on the
  CPU with OpenCV, stacked, sent to the device as uint8 (4× less to copy than
  float), and converted, channel-flipped (BGR → RGB) and normalised there.  All
  crops of a call go through in chunks of ``batch_size`` (one forward pass for a
  frame, and for many frames when the feature cache is being filled).  On CUDA
  the model and inputs are half precision; outputs are returned as float32 and
  L2-normalised.

The numpy helpers (:func:`resize_stack`, :func:`batches`) live in
:mod:`.batching` and :func:`file_digest` in :mod:`.digest` (re-exported here), so
the onnxruntime embedders share them without torch; everything here needs torch
(``pip install trackbench[torch]``).
"""

from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np

try:
    import torch
except ImportError:  # onnxruntime-only installs still use the numpy helpers
    torch = None  # type: ignore[assignment]

from trackbench.trackers.core.device import resolve_device
from trackbench.trackers.embedders.base import IMAGENET_MEAN, IMAGENET_STD, Embedder, l2_normalise
from trackbench.trackers.embedders.batching import batches, resize_stack  # noqa: F401  (public here as before)
from trackbench.trackers.embedders.digest import file_digest  # noqa: F401  (public here as before)

CPU_BATCH = 32  # crops per forward pass on CPU
GPU_BATCH = 256  # and on CUDA


def to_tensor(stack: np.ndarray, device: "torch.device", dtype: "torch.dtype | None" = None,
              mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD) -> torch.Tensor:
    """(N, 3, H, W) RGB tensor on ``device`` from a BGR uint8 stack, scaled to [0, 1] and normalised."""
    dtype = dtype or torch.float32
    x = torch.from_numpy(np.ascontiguousarray(stack)).to(device, non_blocking=True)
    x = x.permute(0, 3, 1, 2).flip(1).to(dtype).div_(255.0)  # NHWC BGR -> NCHW RGB
    m = torch.tensor(mean, dtype=dtype, device=device).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=dtype, device=device).view(1, 3, 1, 1)
    return x.sub_(m).div_(s)


def state_digest(state: dict[str, torch.Tensor], length: int = 12) -> str:
    """Short SHA-256 of a state dict's names and values."""
    h = hashlib.sha256()
    for name, tensor in state.items():
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:length]


class TorchEmbedder(Embedder):
    """A torch module from (N, 3, H, W) normalised RGB to (N, D) vectors, behind the Embedder interface."""

    name = "torch"

    def __init__(self, model: torch.nn.Module, input_size: tuple[int, int], device: str = "auto",
                 mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD,
                 batch_size: int | None = None, half: bool | None = None, key: str | None = None) -> None:
        self.device = resolve_device(device)
        self.half = (self.device.type == "cuda") if half is None else bool(half)
        self.dtype = torch.float16 if self.half else torch.float32
        self.input_size = (int(input_size[0]), int(input_size[1]))  # (width, height)
        self.mean, self.std = tuple(mean), tuple(std)
        # Big batches fill a GPU; on a CPU, activations of small ones stay in cache.
        self.batch_size = int(batch_size or (GPU_BATCH if self.device.type == "cuda" else CPU_BATCH))
        # channels_last: faster convolutions on CPU (oneDNN) and on GPU tensor cores.
        self.model = model.eval().to(self.device, dtype=self.dtype, memory_format=torch.channels_last)
        self._key = key or self.name
        with torch.inference_mode():
            probe = torch.zeros(1, 3, self.input_size[1], self.input_size[0], device=self.device, dtype=self.dtype)
            self._dim = int(self.model(probe).reshape(1, -1).shape[1])

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def key(self) -> str:
        # Device and precision are left out on purpose: fp16 CUDA vectors agree with
        # CPU float32 ones to ~1e-3, so a cache filled on one is valid on the other.
        return f"{self._key}-{self.input_size[0]}x{self.input_size[1]}"

    def preprocess(self, crops: Sequence[np.ndarray]) -> "torch.Tensor":
        x = to_tensor(resize_stack(crops, self.input_size), self.device, self.dtype, self.mean, self.std)
        return x.contiguous(memory_format=torch.channels_last)

    def embed_crops(self, crops: list[np.ndarray]) -> np.ndarray:
        if len(crops) == 0:
            return np.zeros((0, self.dim), np.float32)
        out = np.empty((len(crops), self.dim), np.float32)
        with torch.inference_mode():
            for part in batches(len(crops), self.batch_size):
                y = self.model(self.preprocess(crops[part])).reshape(part.stop - part.start, -1)
                out[part] = torch.nn.functional.normalize(y.float(), dim=1).cpu().numpy()
        return l2_normalise(out)
