"""Example trackbench plug-in (see tracker.py)."""
