"""The inspect page: one self-contained HTML file (inline CSS and script, crops as data URIs, no network).

Data from files (sequence, tracker and id names) is untrusted.  The page
carries it only as JSON inside ``<script type="application/json">``, with
``<``, ``>``, ``&`` and the JavaScript line separators written as ``\\uXXXX``
escapes, so no name can close the script element or start markup; the script
puts it into the page with ``textContent`` and attribute setters, never as
HTML.  The few server-side strings (title, heading) go through
:func:`html.escape`, as in the other reports (:mod:`trackbench.harness.report.html`).
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from trackbench.harness.inspect.assets import CSS, SCRIPT

#: Characters that must not appear raw inside an inline script element.
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: Any) -> str:
    """``data`` as JSON that is inert inside ``<script type="application/json">`` (module docstring)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in _JSON_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text


def render(data: dict[str, Any]) -> str:
    """The whole page for :func:`~trackbench.harness.inspect.payload.page_data`'s ``data``."""
    names = " vs ".join(t["name"] for t in data["trackers"])
    title = f"inspect {data['sequence']}: {names}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><div id=\"app\"><p class=\"muted\">Loading…</p></div>"
        f"<script type=\"application/json\" id=\"inspect-data\">{script_json(data)}</script>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
