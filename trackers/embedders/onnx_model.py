"""``onnx:<path>``: any ONNX re-identification model through onnxruntime.

What the model needs is read from its first input: the layout (``[N,3,H,W]`` or
``[N,H,W,3]``), the input size and the element type (float or float16).  A
dynamic batch dimension takes a whole chunk of crops per run; a fixed one (an
export with batch 1, say) is fed chunks of exactly that size, the last one
padded.  Crops are converted to RGB in [0, 1] and normalised with the ImageNet
mean and standard deviation, which is what torchreid, fast-reid and most re-id
exports expect; pass ``mean``/``std``/``bgr`` for a model trained otherwise.
The first output is the vector (feature maps are averaged over space).

Providers and session options come from :mod:`trackbench.trackers.core.ort_session`
(the one place that chooses them): the CUDA execution provider when onnxruntime
offers it (the ``onnxruntime-gpu`` build) and the device allows it, otherwise
the CPU one, with one intra-op thread unless ``threads`` says otherwise.  The
shipped ``reid`` network runs through this class too (:mod:`.shipped`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from trackbench.trackers.core import ort_session
from trackbench.trackers.embedders.base import IMAGENET_MEAN, IMAGENET_STD, Embedder, l2_normalise
from trackbench.trackers.embedders.batching import batches, resize_stack
from trackbench.trackers.embedders.digest import file_digest

INSTALL_HINT = ort_session.INSTALL_HINT


def _static(dim) -> int | None:
    return dim if isinstance(dim, int) and dim > 0 else None


class OnnxEmbedder(Embedder):
    name = "onnx"

    def __init__(self, path: str | Path, device: str = "auto", batch_size: int = 64,
                 mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD, bgr: bool = False,
                 input_size: tuple[int, int] | None = None, threads: int | None = None, name: str | None = None) -> None:
        self.path = Path(path).expanduser()
        if name:
            self.name = name  # e.g. "reid": the key then says which embedder made the vectors
        self.session = ort_session.open_session(self.path, device, threads)
        self.providers = self.session.get_providers()
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        shape = list(inp.shape)
        if len(shape) != 4:
            raise ValueError(f"{self.path.name}: expected a 4-D image input, got shape {shape} for {inp.name!r}")
        if shape[1] == 3:
            self.layout, h, w = "NCHW", shape[2], shape[3]
        elif shape[3] == 3:
            self.layout, h, w = "NHWC", shape[1], shape[2]
        else:
            raise ValueError(f"{self.path.name}: cannot tell the channel axis of input shape {shape} (no axis of size 3)")
        if input_size is not None:
            w, h = input_size
        if _static(w) is None or _static(h) is None:
            raise ValueError(f"{self.path.name}: input shape {shape} has a dynamic height/width; pass input_size=(W, H)")
        self.input_size = (int(w), int(h))
        self.fixed_batch = _static(shape[0])
        self.batch_size = self.fixed_batch or int(batch_size)
        self.input_dtype = np.float16 if "float16" in inp.type else np.float32
        self.mean = np.asarray(mean, np.float32).reshape(1, 1, 1, 3)
        self.std = np.asarray(std, np.float32).reshape(1, 1, 1, 3)
        self.bgr = bgr
        self.output_name = self.session.get_outputs()[0].name
        self._digest = file_digest(self.path)
        self._dim = int(self._run(np.zeros((1, self.input_size[1], self.input_size[0], 3), np.uint8)).shape[1])

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def key(self) -> str:
        return f"{self.name}-{self.path.stem}-{self._digest}-{self.input_size[0]}x{self.input_size[1]}"

    def _run(self, stack: np.ndarray) -> np.ndarray:
        """Raw outputs (n, D) for a uint8 BGR stack (n, H, W, 3), honouring a fixed batch size."""
        n = len(stack)
        x = stack if self.bgr else stack[..., ::-1]
        x = (x.astype(np.float32) / 255.0 - self.mean) / self.std
        if self.layout == "NCHW":
            x = x.transpose(0, 3, 1, 2)
        x = np.ascontiguousarray(x, dtype=self.input_dtype)
        if self.fixed_batch and n < self.fixed_batch:
            x = np.concatenate([x, np.zeros((self.fixed_batch - n,) + x.shape[1:], x.dtype)])
        y = np.asarray(self.session.run([self.output_name], {self.input_name: x})[0], dtype=np.float32)[:n]
        if y.ndim == 4:  # feature maps: average over space (NCHW)
            y = y.mean(axis=(2, 3))
        return y.reshape(n, -1)

    def embed_crops(self, crops: list[np.ndarray]) -> np.ndarray:
        if len(crops) == 0:
            return np.zeros((0, self.dim), np.float32)
        stack = resize_stack(crops, self.input_size)
        out = np.empty((len(crops), self.dim), np.float32)
        for part in batches(len(crops), self.batch_size):
            out[part] = self._run(stack[part])
        return l2_normalise(out)


def create(arg: str | None = None, device: str = "auto") -> OnnxEmbedder:
    """Registry factory: ``onnx:<path to .onnx>``."""
    if not arg:
        raise ValueError("the onnx embedder needs a model file: embedder=onnx:<path/to/model.onnx>")
    return OnnxEmbedder(arg, device=device)
