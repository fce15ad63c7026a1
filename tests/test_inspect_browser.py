"""The inspect page in a real headless browser (Debian's chromium): it renders one timeline row per gt object,
clicking an event shows its frames (and, with ``--video``, plays its clip), and hovering the timeline names frame,
ids and IoU.

Skipped with the reason where no chromium is installed (as ``test_report_browser.py``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from test_inspect import random_case, scripted_case
from trackbench.datasets.sequence import EvalSpec
from trackbench.harness.inspect.build import SequenceInput, sequence_page
from trackbench.harness.inspect.clips import VideoRequest, clip_folder

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no chromium on PATH (Debian: apt-get install chromium)")


def _dom(page: Path) -> str:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-dev-shm-usage", "--user-data-dir=/tmp/trackbench-chromium-inspect-test",
             "--window-size=1300,1400", "--virtual-time-budget=4000", "--autoplay-policy=no-user-gesture-required"]
    done = subprocess.run([BROWSER, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[Path, int]:
    """A two-tracker page with no images (and how many gt objects it has)."""
    gt, a = random_case(np.random.default_rng(5), frames=60, objects=8)
    _, b = scripted_case()
    html, _ = sequence_page(SequenceInput("SEQ", gt, EvalSpec(), 60, {"A": a, "B": b}, None, "motmetrics"))
    path = tmp_path_factory.mktemp("inspect-browser") / "page.html"
    path.write_text(html)
    return path, len(np.unique(gt.ids))


def _with_script(path: Path, script: str, out: Path) -> Path:
    out.write_text(path.read_text().replace("</body>", f"<script>{script}</script></body>"))
    return out


def test_page_renders_one_row_per_gt_object(page) -> None:
    path, objects = page
    dom = _dom(path)
    assert 'data-ready="1"' in dom
    rows = re.findall(r'<div class="gt-row"[^>]*data-gt="(\d+)"', dom)
    assert len(rows) == objects and len(set(rows)) == objects
    assert 'id="tl-canvas"' in dom and 'id="only-a"' in dom and 'id="objects"' in dom


def test_clicking_an_event_shows_its_frames(page, tmp_path) -> None:
    path, _ = page
    script = ("var r=document.querySelector('#only-a tr.ev[data-kind=\"switch\"]')||document.querySelector('#only-a tr.ev');"
              "document.body.setAttribute('data-want', r.dataset.first+'-'+r.dataset.last); r.click();")
    dom = _dom(_with_script(path, script, tmp_path / "click.html"))
    want = re.search(r'data-want="(\d+)-(\d+)"', dom).groups()
    detail = re.search(r'<div id="detail"[^>]*>', dom).group(0)
    assert f'data-first="{want[0]}"' in detail and f'data-last="{want[1]}"' in detail
    assert re.search(rf'id="detail-frames">frames {want[0]}–{want[1]}<', dom)
    assert 'class="ev sel"' in dom  # the clicked row is highlighted


def test_hovering_the_timeline_names_frame_ids_and_iou(page, tmp_path) -> None:
    path, _ = page
    script = ("var c=document.getElementById('tl-canvas'),b=c.getBoundingClientRect(),"
              "l=document.querySelector('#tl-labels .gt-row'),y=l.getBoundingClientRect().top+3;"
              "for(var x=b.left+2;x<b.right;x+=4){c.dispatchEvent(new MouseEvent('mousemove',{clientX:x,clientY:y,bubbles:true}));"
              "if(/IoU/.test(document.getElementById('tooltip').textContent)){break;}}"
              "document.body.setAttribute('data-tip', document.getElementById('tooltip').textContent.replace(/\\n/g,' | '));")
    dom = _dom(_with_script(path, script, tmp_path / "hover.html"))
    tip = re.search(r'data-tip="([^"]*)"', dom).group(1)
    assert re.search(r"frame \d+", tip) and "gt id" in tip and "IoU" in tip


def test_clicking_an_event_shows_its_clip(tmp_path) -> None:
    """A page written with clips: clicking an event that has one puts a <video> of that clip in the detail panel,
    and the browser loads it from the folder beside the page (its metadata arrives)."""
    from test_inspect_video import frame_image

    gt, trk = scripted_case()
    page = tmp_path / "seq.html"
    html, _ = sequence_page(SequenceInput("seq", gt, EvalSpec(), 10, {"t": trk}, frame_image, "motmetrics"),
                            video=VideoRequest(max_clips=1, margin=2), clip_dir=clip_folder(page))
    page.write_text(html)
    script = ("var r=document.querySelector('tr.ev[data-clip]');document.body.setAttribute('data-want', r.dataset.first);"
              "r.click();")
    dom = _dom(_with_script(page, script, tmp_path / "clip.html"))
    want = re.search(r'data-want="(\d+)"', dom).group(1)
    video = re.search(r'<video id="detail-video"[^>]*>', dom)
    assert video, "no clip element after the click"
    src = re.search(r'src="([^"]+)"', video.group(0)).group(1)
    assert src.startswith("seq.clips/") and (tmp_path / src).is_file()
    assert 'data-loaded="1"' in video.group(0), "the browser did not load the clip"
    assert re.search(rf'<div id="detail"[^>]*data-first="{want}"', dom)
    assert "clip: frames" in dom and dom.count("<video") == 1  # no video for events not clicked
