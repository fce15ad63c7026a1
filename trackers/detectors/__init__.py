"""Detectors that turn frames into :class:`~trackbench.datasets.sequence.Detections` (for videos without a detection file)."""
