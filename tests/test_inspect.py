"""``bench inspect``: events come from the scoring's own matching (their counts equal IDsw, Frag, FN, FP), the
per-object HOTA terms add up to TrackEval's, names from data cannot break out of the page, and pages work without
images, for run folders and for ``--gt``/``--results`` folders, and get linked by ``bench publish``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from trackbench.datasets.motfile import read_mot_file
from trackbench.datasets.sequence import EvalSpec, FrameTable
from trackbench.harness.cli import app
from trackbench.harness.inspect.build import SequenceInput, sequence_page
from trackbench.harness.inspect.diff import compare_events, mota_terms
from trackbench.harness.inspect.events import counts, find_events
from trackbench.harness.inspect.matching import match_sequence
from trackbench.harness.inspect.objects import object_scores, unowned_fp
from trackbench.harness.metrics import hota
from trackbench.harness.metrics.preprocess import preprocess

runner = CliRunner()
BACKENDS = ("motmetrics", "trackeval")


def table(rows: list[tuple[int, int, float, float, float, float]]) -> FrameTable:
    """A FrameTable from ``(frame, id, x1, y1, x2, y2)`` rows (sorted by frame here)."""
    rows = sorted(rows)
    a = np.array(rows, dtype=float).reshape(-1, 6)
    n = len(rows)
    return FrameTable(frames=a[:, 0].astype(np.int64), ids=a[:, 1].astype(np.int64), boxes=a[:, 2:6],
                      scores=np.ones(n), classes=np.full(n, -1, np.int64), visibility=np.ones(n))


def box(x: float) -> tuple[float, float, float, float]:
    return (x, 0.0, x + 10.0, 20.0)


def scripted_case() -> tuple[FrameTable, FrameTable]:
    """Two objects over 10 frames; the tracker switches, loses and recovers, merges and reports a ghost."""
    gt = [(f, 1, *box(0)) for f in range(1, 11)] + [(f, 2, *box(100)) for f in range(1, 11)]
    trk = []
    trk += [(f, 7, *box(0)) for f in range(1, 5)]  # object 1 as track 7 ...
    trk += [(f, 8, *box(0)) for f in range(5, 11)]  # ... then as track 8 from frame 5: a switch
    trk += [(f, 9, *box(100)) for f in (1, 2, 3, 6, 7)]  # object 2 missed at frames 4-5, resumed at 6
    trk += [(f, 7, *box(100)) for f in (8, 9, 10)]  # track 7 comes back on object 2: a merge (and a switch)
    trk += [(f, 50, *box(300)) for f in (2, 3, 4)]  # a ghost: three false positives
    return table(gt), table(trk)


@pytest.mark.parametrize("backend", BACKENDS)
def test_scripted_events_are_where_they_happen(backend) -> None:
    gt, trk = scripted_case()
    match = match_sequence(gt, trk, EvalSpec(), 10, backend, "case")
    events = find_events(match)
    kinds = [(e.kind, e.first, e.last, e.gt, e.tracks) for e in events]
    assert ("switch", 4, 5, (1,), (7, 8)) in kinds
    assert ("switch", 7, 8, (2,), (9, 7)) in kinds
    assert ("missed", 4, 5, (2,), ()) in kinds
    assert ("fragmentation", 3, 6, (2,), (9, 9)) in kinds
    assert ("false_positive", 2, 4, (), (50,)) in kinds
    assert ("merge", 4, 8, (1, 2), (7,)) in kinds
    found = counts(events)
    assert (found["switch"], found["fragmentation"], found["missed"], found["false_positive"]) == (2, 1, 2, 3)
    assert [found[k] for k in ("switch", "fragmentation", "missed", "false_positive")] == \
        [match.metrics[k] for k in ("IDsw", "Frag", "FN", "FP")]


def random_case(rng: np.random.Generator, frames: int = 40, objects: int = 6) -> tuple[FrameTable, FrameTable]:
    """Objects on random walks; the tracker drops, jitters, relabels and adds boxes at random."""
    gt, trk = [], []
    next_id = 100
    for obj in range(1, objects + 1):
        start, end = sorted(rng.integers(1, frames + 1, 2))
        x, y = rng.uniform(0, 200, 2)
        next_id += 1
        tid = next_id
        for f in range(start, end + 1):
            x, y = x + rng.normal(0, 4), y + rng.normal(0, 4)
            if rng.random() < 0.9:  # annotated
                gt.append((f, obj, x, y, x + 30, y + 60))
            if rng.random() < 0.12:
                next_id += 1
                tid = next_id
            if rng.random() < 0.8:
                j = rng.normal(0, 6, 4)
                trk.append((f, tid, x + j[0], y + j[1], x + 30 + j[2], y + 60 + j[3]))
    for f in range(1, frames + 1):
        if rng.random() < 0.2:
            x, y = rng.uniform(0, 200, 2)
            trk.append((f, 999 + f % 3, x, y, x + 30, y + 60))
    return table(gt), table(trk)


@pytest.mark.parametrize("backend", BACKENDS)
def test_event_counts_equal_scored_counts_on_random_cases(backend) -> None:
    rng = np.random.default_rng(7)
    for _ in range(40):
        gt, trk = random_case(rng)
        match = match_sequence(gt, trk, EvalSpec(), 40, backend, "random")
        found = counts(find_events(match))
        assert [found[k] for k in ("switch", "fragmentation", "missed", "false_positive")] == \
            [match.metrics[k] for k in ("IDsw", "Frag", "FN", "FP")]


def test_object_terms_add_up_to_trackeval_hota_at_alpha_half() -> None:
    rng = np.random.default_rng(3)
    for _ in range(10):
        gt, trk = random_case(rng)
        match = match_sequence(gt, trk, EvalSpec(), 40, "motmetrics", "random")
        objects = object_scores(match, find_events(match))
        record = hota.TrackEval.evaluate(preprocess(gt, trk, EvalSpec(), 40))
        at = int(np.argmin(np.abs(hota.trackeval_metric().array_labels - 0.5)))
        n = np.array([o.detections for o in objects], float)
        tp = n * np.array([o.det_re for o in objects])
        assert tp.sum() / n.sum() == pytest.approx(record["DetRe"][at], abs=1e-12)
        if tp.sum():
            assert (tp * [o.ass_re for o in objects]).sum() / tp.sum() == pytest.approx(record["AssRe"][at], abs=1e-12)
            assert (tp * [o.ass_pr for o in objects]).sum() / tp.sum() == pytest.approx(record["AssPr"][at], abs=1e-12)
        assert sum(o.idsw for o in objects) == match.metrics["IDsw"]
        assert sum(o.fn for o in objects) == match.metrics["FN"]
        assert sum(o.fp for o in objects) + unowned_fp(match, objects) == match.metrics["FP"]


def test_two_trackers_difference_is_exact_on_fn_and_mota() -> None:
    rng = np.random.default_rng(11)
    gt, a = random_case(rng)
    _, b = random_case(np.random.default_rng(12))
    b = table([(f, i, *bx) for f, i, bx in zip(gt.frames.tolist(), gt.ids.tolist(), gt.boxes.tolist())])  # perfect
    ma = match_sequence(gt, a, EvalSpec(), 40, "motmetrics", "s")
    mb = match_sequence(gt, b, EvalSpec(), 40, "motmetrics", "s")
    ea, eb = find_events(ma), find_events(mb)
    diff = compare_events(ma, mb, ea, eb)
    assert diff.missed_only_a - diff.missed_only_b == ma.metrics["FN"] - mb.metrics["FN"]
    assert not diff.only_b and len(diff.only_a) == len(ea)  # the perfect tracker errs nowhere
    gap = sum(points for _, _, points in mota_terms(ma, mb))
    assert gap == pytest.approx(ma.metrics["MOTA"] - mb.metrics["MOTA"], abs=1e-9)


HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)>'


def page_json(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="inspect-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_names_from_data_cannot_break_out_of_the_page() -> None:
    gt, trk = scripted_case()
    item = SequenceInput(HOSTILE, gt, EvalSpec(), 10, {HOSTILE + "A": trk, "B&<b>": trk}, None, "motmetrics")
    html, _ = sequence_page(item)
    assert html.count("</script>") == 2  # the data element's and the script's own, nothing from the names
    assert "<img src=x" not in html and "<b>" not in html
    data = page_json(html)
    assert data["sequence"] == HOSTILE and data["trackers"][0]["name"] == HOSTILE + "A"
    assert "&lt;/script&gt;" in html[:html.index("<div id=\"app\">")]  # the title and heading are escaped


def test_without_images_the_page_has_no_crops() -> None:
    gt, trk = scripted_case()
    html, summary = sequence_page(SequenceInput("seq", gt, EvalSpec(), 10, {"t": trk}, None, "trackeval"))
    data = page_json(html)
    assert data["images"] is False and "data:image" not in html
    assert [row["id"] for row in data["gt"]] == [1, 2]
    assert summary["t"]["events"]["switch"] == summary["t"]["scored"]["switch"] == 2


def test_with_images_events_get_crops() -> None:
    gt, trk = scripted_case()
    read = lambda frame: np.full((60, 420, 3), frame, np.uint8)  # noqa: E731 - a stand-in frame source
    html, _ = sequence_page(SequenceInput("seq", gt, EvalSpec(), 10, {"t": trk}, read, "motmetrics"))
    data = page_json(html)
    cropped = [e for e in data["trackers"][0]["events"] if e.get("c")]
    assert data["images"] is True and cropped
    assert all(c["src"].startswith("data:image/jpeg;base64,") for e in cropped for c in e["c"])


def write_mot(path: Path, t: FrameTable) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{f},{i},{b[0]},{b[1]},{b[2] - b[0]},{b[3] - b[1]},1,-1,-1,-1"
             for f, i, b in zip(t.frames.tolist(), t.ids.tolist(), t.boxes.tolist())]
    path.write_text("\n".join(lines) + "\n")


def test_gt_and_results_folders(tmp_path) -> None:
    gt, trk = scripted_case()
    write_mot(tmp_path / "gt" / "SEQ-1" / "gt" / "gt.txt", gt)
    write_mot(tmp_path / "res" / "alpha" / "data" / "SEQ-1.txt", trk)
    write_mot(tmp_path / "res" / "beta" / "data" / "SEQ-1.txt", gt)
    done = runner.invoke(app, ["inspect", "--gt", str(tmp_path / "gt"), "--results", str(tmp_path / "res"),
                               "--trackers", "alpha,beta", "--clear-backend", "trackeval"])
    assert done.exit_code == 0, done.output
    page = tmp_path / "res" / "inspect" / "SEQ-1.html"
    data = page_json(page.read_text())
    assert [t["name"] for t in data["trackers"]] == ["alpha", "beta"] and data["backend"] == "trackeval"
    assert data["diff"]["only"][1] == []  # beta is the ground truth itself
    index = json.loads((tmp_path / "res" / "inspect" / "index.json").read_text())
    assert index["pages"][0]["file"] == "SEQ-1.html"


def test_bad_choices_are_one_line_errors(tmp_path) -> None:
    done = runner.invoke(app, ["inspect"])
    assert done.exit_code == 2 and "--gt" in done.output
    done = runner.invoke(app, ["inspect", str(tmp_path)])
    assert done.exit_code == 2 and "manifest" in done.output


@pytest.fixture(scope="module")
def mot17_05_sort(tmp_path_factory, shared_data) -> Path:
    root = tmp_path_factory.mktemp("inspect-run")
    ran = runner.invoke(app, ["run", "-t", "sort", "-d", "mot17", "--data-root", str(shared_data / "mot17" / "train"),
                              "-s", "MOT17-05", "--results", str(root), "--name", "r"])
    assert ran.exit_code == 0, ran.output
    return root / "r"


@pytest.mark.shared
def test_real_sequence_counts_equal_the_run_scores(mot17_05_sort, shared_data) -> None:
    """MOT17-05-FRCNN, sort: events from the page equal the run's scored IDsw, Frag, FN, FP (both backends)."""
    done = runner.invoke(app, ["inspect", str(mot17_05_sort)])
    assert done.exit_code == 0, done.output
    data = page_json((mot17_05_sort / "inspect" / "MOT17-05-FRCNN.html").read_text())
    per_seq = (mot17_05_sort / "per_sequence.csv").read_text().splitlines()
    header, row = per_seq[0].split(","), per_seq[1].split(",")
    scored = {k: int(float(row[header.index(k)])) for k in ("IDsw", "Frag", "FN", "FP")}
    check = data["trackers"][0]["check"]
    assert {k: check[kind][0] for kind, k in (("switch", "IDsw"), ("fragmentation", "Frag"), ("missed", "FN"),
                                               ("false_positive", "FP"))} == scored
    assert len(data["gt"]) == 133 and data["images"] is False
    # the other backend's matching gives that backend's counts too
    from trackbench.harness.report.compare import load_sequences, read_manifest

    seq = load_sequences(read_manifest(mot17_05_sort), None)[0]
    result = read_mot_file(mot17_05_sort / "mot17" / "sort" / "data" / "MOT17-05-FRCNN.txt", "result")
    match = match_sequence(seq.ground_truth, result, seq.eval_spec, seq.info.length, "trackeval", seq.name)
    found = counts(find_events(match))
    assert [found[k] for k in ("switch", "fragmentation", "missed", "false_positive")] == \
        [match.metrics[k] for k in ("IDsw", "Frag", "FN", "FP")]
    published = runner.invoke(app, ["publish", str(mot17_05_sort)])
    assert published.exit_code == 0, published.output
    assert 'href="inspect/MOT17-05-FRCNN.html"' in (mot17_05_sort / "report.html").read_text()
