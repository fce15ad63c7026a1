"""``bench tune``: every tracker tuned under the same budget, scored on sequences its search never saw."""
