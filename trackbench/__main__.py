"""``python -m trackbench`` is the ``bench`` command.

``python -m`` puts the current folder first on ``sys.path``, so a ``typer.py``
or ``numpy.py`` (or a plug-in-looking module) lying in the folder a user runs
from would be imported instead of the real one (issue 24).  The ``bench``
script never has the current folder on the path; this entry point removes it
before importing anything else, so both behave the same.
"""

import os
import sys


def _without_current_folder(path: list[str]) -> list[str]:
    """``sys.path`` without the entry ``python -m`` adds for the current folder ('' or its absolute path)."""
    here = os.path.realpath(os.getcwd())
    return [p for p in path if p != "" and os.path.realpath(p) != here]


sys.path[:] = _without_current_folder(sys.path)

from trackbench.harness.cli import main  # noqa: E402 - after the path is fixed

if __name__ == "__main__":
    main()
