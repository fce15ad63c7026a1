"""The HTML report in a real headless browser (Debian's chromium): it renders, and a click sorts a table.

Skipped with the reason where no chromium is installed (`.ci/run` installs it when it can).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from trackbench.harness.cli import app

runner = CliRunner()
BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no chromium on PATH (Debian: apt-get install chromium)")


def _chromium(*args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-dev-shm-usage", "--user-data-dir=/tmp/trackbench-chromium-test"]
    return subprocess.run([BROWSER, *flags, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    ran = runner.invoke(app, ["run", "-t", "sort,rolo", "--max-frames", "80", "--results", str(root), "--name", "r"])
    assert ran.exit_code == 0, ran.output
    out = runner.invoke(app, ["publish", str(root / "r")])
    assert out.exit_code == 0, out.output
    return root / "r" / "report.html"


def _column(dom: str, index: int) -> list[str]:
    table = dom[dom.index("<tbody>"):dom.index("</tbody>")]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row)[index] for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table)]


def test_a_click_on_a_header_sorts_the_table(report, tmp_path) -> None:
    page = report.read_text()
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", page[page.index("<table"):page.index("</table>")])
    fn_col = headers.index("FN")
    # Click FN (fewer is better: ascending first), then click it again (descending): the DOM after the clicks.
    click = ("<script>var th=[].filter.call(document.querySelectorAll('#table1 th'),function(h){return h.textContent=='FN'})[0];"
             "th.click();document.body.setAttribute('data-first',[].map.call(document.querySelectorAll('#table1 tbody tr'),"
             f"function(r){{return r.cells[{fn_col}].dataset.value}}).join(' '));th.click();</script>")
    clicked = tmp_path / "clicked.html"
    clicked.write_text(page.replace("</body>", click + "</body>"))
    done = _chromium("--dump-dom", clicked.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    first = [float(v) for v in re.search(r'data-first="([^"]*)"', dom).group(1).split()]
    assert first == sorted(first) and len(first) == 2
    after = [float(v.replace(",", "")) for v in _column(dom, fn_col)]
    assert after == sorted(after, reverse=True)
    assert 'class="sorted-desc"' in dom


def test_screenshot_is_not_blank(report, tmp_path) -> None:
    import cv2

    shot = tmp_path / "shot.png"
    done = _chromium("--window-size=1200,1600", f"--screenshot={shot}", report.as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    image = cv2.imread(str(shot))
    assert image is not None and image.shape[:2] == (1600, 1200)
    top = image[:800]
    assert (top < 250).any(axis=2).mean() > 0.02  # text, table rules and charts, not an empty page
    colours = np.unique(top.reshape(-1, 3)[::7], axis=0)
    assert len(colours) > 50  # the embedded charts rendered (many colours), not only black text
