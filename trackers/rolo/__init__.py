"""ROLO-style LSTM tracker (``rolo``).

- :mod:`trackbench.trackers.rolo.model`: the LSTM and the box encoding it reads and writes.
- :mod:`trackbench.trackers.rolo.history`: per-track windows of the last ``T`` frames.
- :mod:`trackbench.trackers.rolo.tracker`: the tracker (LSTM prediction + shared association and life cycle).
- :mod:`trackbench.trackers.rolo.checkpoint`: reading a checkpoint and building the network it describes.

Training lives with the harness (:mod:`trackbench.harness.training.rolo`).
Importing this package does not import torch; the tracker does.
"""
