"""The list of inspect pages in a folder (``index.json``): written by ``bench inspect``, read by ``bench publish``.

Its own module so that the report layer can find the pages without importing
the inspect machinery (and so without an import cycle).
"""

from __future__ import annotations

import json
from pathlib import Path

INDEX = "index.json"
#: Folder under a run (or a results folder) where ``bench inspect`` writes pages by default.
DEFAULT_FOLDER = "inspect"


def read_index(folder: Path) -> dict[str, dict]:
    """Sequence -> entry (``sequence``, ``trackers``, ``file``) for each listed page that exists in ``folder``.

    A missing or damaged index lists nothing: a report must not fail over it.
    """
    folder = Path(folder)
    try:
        pages = json.loads((folder / INDEX).read_text(encoding="utf-8")).get("pages", [])
        return {str(p["sequence"]): p for p in pages
                if isinstance(p, dict) and "sequence" in p and _is_page(folder, p.get("file"))}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def _is_page(folder: Path, name: object) -> bool:
    """``name`` is a plain file name (no folders, never ``..``) of a file in ``folder``."""
    return isinstance(name, str) and name == Path(name).name and name not in ("", ".", "..") \
        and (folder / name).is_file()
