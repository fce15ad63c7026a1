"""MkDocs hook: pages that show what the code says, rendered at build time.

A page asks for generated content with a marker line, ``<!-- generated: NAME -->``,
which this hook replaces with the Markdown of NAME (:data:`GENERATORS`):

* ``cli-reference``: every ``bench`` command from the Typer app (``cli_markdown.py``);
* ``tracker-parameters``: every built-in tracker's parameters, defaults and
  ``bench tune`` ranges from its ``Params`` dataclass (``tracker_tables.py``).

An unknown NAME fails the build, so a typo cannot ship an empty section.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).parent))

from cli_markdown import cli_reference  # noqa: E402 - after the hooks folder is importable
from tracker_tables import tracker_parameters  # noqa: E402

GENERATORS: dict[str, Callable[[], str]] = {
    "cli-reference": cli_reference,
    "tracker-parameters": tracker_parameters,
}
MARKER = re.compile(r"^<!-- generated: ([\w-]+) -->$", re.MULTILINE)


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """Replace each generated-content marker of a page by its Markdown."""

    def render(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in GENERATORS:
            raise ValueError(f"{page.file.src_path}: unknown generated section {name!r}; "
                             f"known: {', '.join(GENERATORS)}")
        return GENERATORS[name]()

    return MARKER.sub(render, markdown)
