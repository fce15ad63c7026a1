"""How published tables name things: papers' symbols instead of Python field names, and honest plurals.

Tracker parameters are dataclass fields; a field cannot be called ``lambda``
in Python, so Deep SORT's λ is the field ``lambda_``.  Readers of a report
know the paper's symbol, so reports show that (``λ``) in tables, labels and
axes, while CSV files keep the field names scripts rely on.
"""

from __future__ import annotations

import re

#: field or command-line name → the symbol the paper uses.
PAPER_NAMES = {"lambda_": "λ", "lambda": "λ"}
#: The same symbols for LaTeX.
LATEX_NAMES = {"λ": r"$\lambda$"}


def paper_name(name: str) -> str:
    """``lambda_`` → ``λ``; anything else unchanged."""
    return PAPER_NAMES.get(name, name)


def paper_label(label: str) -> str:
    """A variant label with parameter names replaced: ``deepsort[lambda=0.3]`` → ``deepsort[λ=0.3]``."""
    return re.sub(r"(?<=[\[,])([A-Za-z_][A-Za-z0-9_]*)(?==)", lambda m: paper_name(m.group(1)), label)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 sequence``, ``2 sequences``."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"
