"""ROLO-style LSTM tracker (``rolo``).

- :mod:`trackbench.trackers.rolo.model`: the box encoding the LSTM reads and writes, and its NumPy forward pass.
- :mod:`trackbench.trackers.rolo.network`: the LSTM as a torch module (training, export).
- :mod:`trackbench.trackers.rolo.history`: per-track windows of the last ``T`` frames.
- :mod:`trackbench.trackers.rolo.tracker`: the tracker (LSTM prediction + shared association and life cycle).
- :mod:`trackbench.trackers.rolo.checkpoint`: reading a checkpoint and building the network it describes.
- :mod:`trackbench.trackers.rolo.inference`: a checkpoint file (.onnx on onnxruntime, or .pt) as a forward pass.

Training lives with the harness (:mod:`trackbench.harness.training.rolo`).
Neither this package nor the tracker imports torch: the shipped checkpoint runs
from its ONNX export on onnxruntime; only a ``.pt`` checkpoint needs torch.
"""
