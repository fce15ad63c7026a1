"""Chart text drawn as written: no matplotlib mathtext, so a ``$`` in a name can neither crash nor restyle a chart.

matplotlib parses any label with a pair of ``$`` as TeX-like mathtext: a
sequence called ``cost$^$`` or a swept value ``$\\frac{a}$`` raised
``ValueError`` from the parser (ending ``bench publish`` and the sweep
chart), and ``$x^2$`` silently became a superscript.  Names, parameter values
and tracker labels in trackbench charts are data, never formulas, so every
chart is drawn with ``text.parse_math`` off: each string is shown verbatim.
The setting is read when a text object is created and used when it is drawn
(tick labels are created at draw time), so it must hold from the first
artist to ``savefig``: :func:`literal_text` wraps a whole chart function.
"""

from __future__ import annotations

import functools
from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable)


def literal_text(draw: F) -> F:
    """Run ``draw`` (which builds and saves a figure) with mathtext parsing off for every text it creates."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False}):
            return draw(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
