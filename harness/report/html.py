"""The self-contained HTML report: inline CSS and script, charts as base64 PNG, no network needed.

Tables sort by any column on a click (numbers as numbers; the first click
puts the best first: descending for HOTA, ascending for FP), and the best
value of each column is bold on a green background.  The page works offline
and from a file attachment, which is how reports get shared.
"""

from __future__ import annotations

import base64
from html import escape

from trackbench.harness.report.document import Chart, ComparisonBlock, Document, Links, Text
from trackbench.harness.report.leaderboard import higher_is_better
from trackbench.harness.report.tables import DESCRIPTIONS, ReportTable, fmt

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.9rem}
th,td{padding:.25rem .6rem;border-bottom:1px solid #e5e5e5;text-align:right;white-space:nowrap}
th{cursor:pointer;user-select:none;background:#f5f5f5;position:relative}
th.key,td.key{text-align:left}
th.sorted-desc::after{content:" ▼"}th.sorted-asc::after{content:" ▲"}
td.best{font-weight:700;background:#e3f4e1}
tr.marked td{background:#fff6d6}tr.marked td.best{background:#e3f4e1}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3rem 0}
figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85rem;color:#555}
.foot{font-size:.85rem;color:#555}
code{background:#f3f3f3;padding:0 .2rem}
.cmp td:first-child{text-align:left}
.method{font-size:.9rem;background:#f8f8f8;border-left:3px solid #999;padding:.4rem .8rem}
"""

SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var first = th.dataset.better === 'low' ? 'asc' : 'desc';
      var dir = th.classList.contains('sorted-' + first) ? (first === 'asc' ? 'desc' : 'asc') : first;
      table.querySelectorAll('th').forEach(function (h) { h.classList.remove('sorted-asc', 'sorted-desc'); });
      th.classList.add('sorted-' + dir);
      var sign = dir === 'asc' ? 1 : -1;
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.value, y = b.cells[col].dataset.value;
        var nx = parseFloat(x), ny = parseFloat(y);
        if (isNaN(nx) && isNaN(ny)) { return sign * String(x).localeCompare(String(y)); }
        if (isNaN(nx)) { return 1; }
        if (isNaN(ny)) { return -1; }
        return sign * (nx - ny);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def table_html(table: ReportTable, table_id: str) -> str:
    head = []
    for key in table.keys:
        head.append(f'<th class="key" data-better="low">{escape(key)}</th>')
    for metric in table.metrics:
        better = "high" if higher_is_better(metric) else "low"
        tip = escape(DESCRIPTIONS.get(metric, metric))
        head.append(f'<th data-better="{better}" title="{tip}">{escape(metric)}</th>')
    body = []
    for i, row in enumerate(table.rows):
        cells = [f'<td class="key" data-value="{escape(row[k])}">{escape(row[k])}</td>' for k in table.keys]
        for metric in table.metrics:
            value = row[metric]
            css = ' class="best"' if i in table.best.get(metric, set()) else ""
            cells.append(f'<td{css} data-value="{value!r}">{escape(fmt(metric, value))}</td>')
        marked = ' class="marked"' if i in table.marked else ""
        body.append(f"<tr{marked}>" + "".join(cells) + "</tr>")
    foot = "".join(f'<p class="foot">{escape(f)}</p>' for f in table.footnotes)
    return (f'<table class="sortable" id="{table_id}"><caption>{escape(table.title)}</caption>'
            f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table>{foot}")


def chart_html(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    return (f'<figure><img alt="{escape(chart.caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{escape(chart.caption)}</figcaption></figure>")


def comparison_html(block: ComparisonBlock) -> str:
    rows = "".join(
        f"<tr><td>{escape(m)}</td><td>{a:.1f}</td><td>{b:.1f}</td><td><b>{d:+.1f}</b></td><td>[{lo:.1f}, {hi:.1f}]</td></tr>"
        for m, a, b, d, lo, hi in block.rows)
    notes = "".join(f'<p class="foot">note: {escape(n)}</p>' for n in block.notes)
    return (f'<table class="cmp"><caption>{escape(block.title)}</caption><thead><tr><th>metric</th>'
            f"<th>{escape(block.a)}</th><th>{escape(block.b)}</th><th>difference</th><th>interval</th></tr></thead>"
            f'<tbody>{rows}</tbody></table><p class="method">{escape(block.method)}</p>{notes}')


def links_html(links: Links) -> str:
    """A paragraph and a list of links; label and address both escaped (the address also quoted by its maker)."""
    out = f"<p>{escape(links.text)}</p>" if links.text else ""
    items = "".join(f'<li><a href="{escape(href)}">{escape(label)}</a></li>' for label, href in zip(links.bullets, links.hrefs))
    return out + (f"<ul>{items}</ul>" if items else "")


def text_html(text: Text) -> str:
    out = f"<p>{escape(text.text)}</p>" if text.text else ""
    if text.bullets:
        out += "<ul>" + "".join(f"<li>{escape(b)}</li>" for b in text.bullets) + "</ul>"
    return out


def render(doc: Document) -> str:
    """The whole page."""
    parts = [f"<h1>{escape(doc.title)}</h1>"]
    count = 0
    for section in doc.sections:
        parts.append(f"<h2>{escape(section.heading)}</h2>")
        for block in section.blocks:
            if isinstance(block, ReportTable):
                count += 1
                parts.append(table_html(block, f"table{count}"))
            elif isinstance(block, Chart):
                parts.append(chart_html(block))
            elif isinstance(block, ComparisonBlock):
                parts.append(comparison_html(block))
            elif isinstance(block, Links):
                parts.append(links_html(block))
            else:
                parts.append(text_html(block))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{escape(doc.title)}</title>"
            f"<style>{CSS}</style></head><body>{''.join(parts)}<script>{SCRIPT}</script></body></html>\n")
