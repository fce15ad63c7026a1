"""Text from data inside Markdown: shown as the characters it is, never as markup, HTML or a new column.

A sequence ``name`` or tracker label comes from files and users; written raw
into ``report.md`` or ``leaderboard.md``, ``<img src=x onerror=…>`` is live HTML
once rendered and a ``|`` shifts every later column of a table (issue 24).  One
rule covers every Markdown output: the HTML-significant characters become
entities (safe in every renderer, inside tables too), the inline Markdown
punctuation gets a backslash (CommonMark's escape, which GFM tables also honour
for ``|``), and line breaks become spaces (a newline would end a table row).
Characters that only matter at the start of a line (``#``, ``-``, digits) need
nothing: escaped text is always placed after a ``| ``, ``- `` or ``# `` prefix.
"""

from __future__ import annotations

import re

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
#: Inline punctuation with a Markdown meaning: emphasis, code, links/images, tables, strike-through, maths.
_PUNCTUATION = "\\`*_[]|~$"
_SPECIAL = re.compile(r"[&<>\\`*_\[\]|~$]|\r\n|[\r\n\u2028\u2029]")


def _replace(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ENTITIES:
        return _ENTITIES[char]
    if char in _PUNCTUATION:
        return "\\" + char
    return " "  # a line break inside one cell or bullet


def md_escape(text: object) -> str:
    """``text`` (any value, as ``str``) so that Markdown renders exactly its characters, on one line."""
    return _SPECIAL.sub(_replace, str(text))
