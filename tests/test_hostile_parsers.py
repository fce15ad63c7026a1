"""Property-based tests: every parser of user or data input, fed random and mutated input.

Each parser either returns a valid result or raises its documented error type
(whose message names the place at fault); any other exception is a bug.

Examples per test in CI (``max_examples``; ``deadline=None`` because the
shared 2-core machine has noisy timings): MOT text 300, MOT text byte mutations
of real-looking rows 300, real-looking rows with hostile fields 300, seqinfo.ini 300, ``--param`` values 300,
``--param`` assignments 200, sweep grids 300, CityFlow camera folders 60.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is in the test extra: pip install trackbench[test]")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from trackbench.datasets.errors import DataFileError  # noqa: E402
from trackbench.datasets.motfile import MotFileError, read_mot_file  # noqa: E402
from trackbench.datasets.seqinfo import read_seqinfo  # noqa: E402
from trackbench.trackers.params import ParamError, build_params, parse_assignments  # noqa: E402

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- MOT text -------------------------------------------------------------------------------

NUMBERS = st.one_of(
    st.integers(-5, 3000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e30", "-1e30", "1e400", "nan", "NaN", "inf", "-inf", "1.5", "1.7", "0", "-1", "", " ", "x",
                     "9223372036854775807", "9223372036854775808", "2147483648", "1_000", "0x10", "１"]),
)


def _row(fields: list[str], sep: str, trailing: bool) -> str:
    return sep.join(fields) + (sep if trailing else "")


@st.composite
def mot_text(draw) -> str:
    sep = draw(st.sampled_from([",", ", ", " ", "\t", ";"]))
    n_rows = draw(st.integers(0, 8))
    lines = []
    for _ in range(n_rows):
        width = draw(st.sampled_from([5, 6, 7, 9, 10, 11]))
        fields = draw(st.lists(NUMBERS, min_size=width, max_size=width))
        lines.append(_row(fields, sep, draw(st.booleans())))
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", "   ", "\t", "#comment", "\x00", "\ufeff"])))
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines) + draw(st.sampled_from(["", "\n"]))


def _valid_rows() -> st.SearchStrategy[str]:
    row = st.tuples(st.integers(1, 50), st.integers(-1, 20), st.floats(-50, 500), st.floats(-50, 500),
                    st.floats(0, 200), st.floats(0, 200), st.floats(0, 1))
    return st.lists(row, min_size=1, max_size=12).map(
        lambda rows: "".join(f"{f},{i},{x:.2f},{y:.2f},{w:.2f},{h:.2f},{c:.3f},-1,-1,-1\n" for f, i, x, y, w, h, c in rows))


@st.composite
def mutated_rows(draw) -> bytes:
    """Real-looking MOT rows with a few random byte edits (insert, delete, replace, cut)."""
    data = bytearray(draw(_valid_rows()).encode())
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "cut"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=4))
        elif op == "delete" and data:
            del data[pos]
        elif op == "replace" and data:
            data[pos] = draw(st.integers(0, 255))
        else:
            del data[pos:]
    return bytes(data)


@st.composite
def field_mutated_rows(draw) -> str:
    """Real-looking rows with a few fields replaced by hostile values, blank lines and trailing commas."""
    lines = [line.split(",") for line in draw(_valid_rows()).splitlines()]
    for _ in range(draw(st.integers(1, 3))):
        row = draw(st.integers(0, len(lines) - 1))
        col = draw(st.integers(0, len(lines[row]) - 1))
        lines[row][col] = draw(NUMBERS)
    trailing = draw(st.booleans())
    text = [",".join(fields) + ("," if trailing else "") for fields in lines]
    if draw(st.booleans()):
        text.insert(draw(st.integers(0, len(text))), draw(st.sampled_from(["", "   ", "\t", " \t "])))
    return "\n".join(text) + "\n"


def _check_mot(data: bytes, kind: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "file.txt"
        path.write_bytes(data)
        try:
            table = read_mot_file(path, kind)
        except MotFileError as exc:
            assert str(path) in str(exc)
            return
    n = len(table)
    assert table.frames.dtype == np.int64 and table.ids.dtype == np.int64
    assert table.boxes.shape == (n, 4) and table.scores.shape == (n,)
    if n:
        assert (table.frames >= 1).all() and (np.diff(table.frames) >= 0).all()
        assert np.isfinite(table.boxes).all() and np.isfinite(table.scores).all()
        assert (table.boxes[:, 2] >= table.boxes[:, 0]).all() and (table.boxes[:, 3] >= table.boxes[:, 1]).all()
        last = int(table.frames[-1])
        assert sum(len(table.detections(f)) for f in np.unique(table.frames)) == n
        assert len(table.detections(last + 1)) == 0


@FAST
@given(mot_text(), st.sampled_from(["det", "gt", "result"]))
def test_mot_text_random(text: str, kind: str) -> None:
    _check_mot(text.encode("utf-8", "surrogatepass"), kind)


@FAST
@given(mutated_rows(), st.sampled_from(["det", "gt", "result"]))
def test_mot_text_mutated(data: bytes, kind: str) -> None:
    _check_mot(data, kind)


@FAST
@given(field_mutated_rows(), st.sampled_from(["det", "gt", "result"]))
def test_mot_text_hostile_fields(text: str, kind: str) -> None:
    _check_mot(text.encode(), kind)


# --- seqinfo.ini ------------------------------------------------------------------------------

KEYS = ["name", "imDir", "frameRate", "seqLength", "imWidth", "imHeight", "imExt", "other"]
VALUES = st.one_of(
    st.sampled_from(["MOT17-05-FRCNN", "img1", ".jpg", "14", "837", "640", "480", "0", "-5", "abc", "", "1e3",
                     "nan", "inf", "/abs/evil", "../../x", "a/b", "..", ".", "%(x)s", "2000000000", "1.5"]),
    st.text(max_size=12),
)


@st.composite
def seqinfo_text(draw) -> str:
    lines = []
    if draw(st.integers(0, 6)):
        lines.append(draw(st.sampled_from(["[Sequence]", "[sequence]", "[Other]", "[Sequence", "Sequence]"])))
    for _ in range(draw(st.integers(0, 9))):
        key = draw(st.sampled_from(KEYS))
        sep = draw(st.sampled_from(["=", " = ", ":", " "]))
        lines.append(f"{key}{sep}{draw(VALUES)}")
        if draw(st.integers(0, 6)) == 0:
            lines.append(draw(st.sampled_from(["", "; comment", "[Sequence]", "   indented", "=x"])))
    return "\n".join(lines) + "\n"


@FAST
@given(seqinfo_text())
def test_seqinfo_random(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "seqinfo.ini"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            info = read_seqinfo(path)
        except DataFileError as exc:
            assert str(path) in str(exc)
            return
    assert info.length is None or info.length >= 1
    assert info.fps is None or (math.isfinite(info.fps) and info.fps > 0)
    assert (info.width is None) == (info.height is None)
    assert info.width is None or 1 <= info.width <= 100_000
    for name in (info.name, info.im_dir):
        assert name is None or ("/" not in name and name not in ("", ".", ".."))


# --- --param values and assignments -------------------------------------------------------

def _deepsort_params():
    from trackbench import trackers

    return trackers.tracker_class("deepsort").Params


PARAM_VALUES = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["0", "1", "-1", "0.5", "1e30", "-1e30", "nan", "inf", "-inf", "true", "no", "none", "",
                     "3.0", "3.5", "1e400", "9" * 30, "histogram", "onnx:", "onnx:/nope.onnx"]),
)


@FAST
@given(st.sampled_from(["lambda", "max_cosine_distance", "nn_budget", "max_age", "n_init", "min_confidence",
                        "nms_max_overlap", "embedder", "features", "device", "max_iou_distance"]), PARAM_VALUES)
def test_param_values(name: str, value: str) -> None:
    try:
        params = build_params(_deepsort_params(), {name: value})
    except ParamError as exc:
        assert name in str(exc) or value in str(exc)
        return
    assert params is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=4))
def test_param_assignments(items: list[str]) -> None:
    try:
        parsed = parse_assignments(items)
    except ParamError:
        return
    assert all(key and "=" not in key for key in parsed)


# --- sweep grids ------------------------------------------------------------------------------

GRID_VALUES = st.one_of(
    st.text(max_size=14),
    st.builds(lambda a, b, c: f"{a}:{b}:{c}", st.sampled_from(["0", "1", "-1", "0.1", "1e9", "1e-9", "nan", "x"]),
              st.sampled_from(["0", "1", "10", "-1", "1e9", "inf"]), st.sampled_from(["0", "0.1", "1", "-1", "1e-9", "1e9"])),
    st.lists(st.sampled_from(["1", "2", "", "0.5", "x", "1"]), min_size=1, max_size=4).map(",".join),
)


@FAST
@given(st.lists(st.tuples(st.sampled_from(["lambda", "max_age", "detect_every", "nosuch", "", "n-init"]), GRID_VALUES),
                max_size=3))
def test_sweep_grid(items: list[tuple[str, str]]) -> None:
    from trackbench.harness.runs.sweep import MAX_SETTINGS, parse_grid, plan

    try:
        grid = parse_grid([f"{k}={v}" for k, v in items])
        settings_ = plan(["deepsort"], grid)
    except ParamError:
        return
    assert 1 <= len(settings_) <= MAX_SETTINGS
    assert all(s.variant.detect_every is None or s.variant.detect_every >= 1 for s in settings_)


# --- CityFlow camera folders ------------------------------------------------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mot_text(), st.one_of(st.none(), mot_text()), st.sampled_from(["none", "garbage", "mask"]))
def test_cityflow_camera_folder(det: str, gt: str | None, roi: str) -> None:
    import cv2

    from trackbench.datasets.aicity import Camera, load_camera

    with tempfile.TemporaryDirectory() as tmp:
        cam = Path(tmp) / "S01" / "c001"
        (cam / "det").mkdir(parents=True)
        (cam / "det" / "det_yolo3.txt").write_text(det, encoding="utf-8", errors="surrogatepass")
        if gt is not None:
            (cam / "gt").mkdir()
            (cam / "gt" / "gt.txt").write_text(gt, encoding="utf-8", errors="surrogatepass")
        if roi == "garbage":
            (cam / "roi.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
        elif roi == "mask":
            mask = np.zeros((60, 80), np.uint8)
            mask[10:50, 10:70] = 255
            cv2.imwrite(str(cam / "roi.jpg"), mask)
        try:
            seq = load_camera(Camera(cam, None, "S01_c001"))
        except DataFileError as exc:
            assert str(cam) in str(exc)
            return
    assert seq.info.length >= 0 and seq.info.width >= 1 and seq.info.height >= 1
    assert seq.detections.last_frame <= max(seq.info.length, 0)
