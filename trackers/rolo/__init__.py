"""ROLO-style LSTM tracker (``rolo``) and its training (``bench train-rolo``).

- :mod:`trackbench.trackers.rolo.model`: the LSTM and the box encoding it reads and writes.
- :mod:`trackbench.trackers.rolo.history`: per-track windows of the last ``T`` frames.
- :mod:`trackbench.trackers.rolo.tracker`: the tracker (LSTM prediction + shared association and life cycle).
- :mod:`trackbench.trackers.rolo.data`: training windows from ground-truth trajectories.
- :mod:`trackbench.trackers.rolo.train`: the training loop and checkpoints.

Importing this package does not import torch; the tracker and training do.
"""
