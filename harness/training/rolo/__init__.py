"""Training ROLO's LSTM (``bench train-rolo``): windows from ground-truth trajectories, the loop, checkpoints.

- :mod:`.data`: training windows from gt trajectories, with artificial dropouts.
- :mod:`.train`: the training loop; checkpoints are written through
  :mod:`trackbench.trackers.rolo.checkpoint`, which the tracker reads.
"""
