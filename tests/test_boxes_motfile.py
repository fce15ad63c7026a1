"""Box conventions, MOT text parsing (column variants, errors naming file:line) and atomic writes."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.datasets.boxes import iou_matrix, tlbr_to_tlwh, tlwh_to_tlbr
from trackbench.datasets.motfile import MotFileError, atomic_write_text, read_mot_file, write_results


def test_tlwh_round_trip_and_iou_known_values() -> None:
    tlwh = np.array([[10, 20, 30, 40], [0, 0, 10, 10]], float)
    tlbr = tlwh_to_tlbr(tlwh)
    assert tlbr.tolist() == [[10, 20, 40, 60], [0, 0, 10, 10]]
    assert np.allclose(tlbr_to_tlwh(tlbr), tlwh)
    a = np.array([[0, 0, 10, 10]], float)
    b = np.array([[5, 0, 15, 10], [20, 20, 30, 30], [0, 0, 10, 10]], float)
    # Half overlap: 50 / (100 + 100 - 50) = 1/3; disjoint 0; identical 1.
    assert np.allclose(iou_matrix(a, b), [[1 / 3, 0.0, 1.0]])
    assert iou_matrix(np.zeros((0, 4)), b).shape == (0, 3)


def test_iou_matches_motmetrics_on_random_boxes() -> None:
    mm_dist = pytest.importorskip("motmetrics.distances")
    from trackbench.harness.metrics.motmetrics_numpy2 import ensure_motmetrics_numpy2

    ensure_motmetrics_numpy2()
    rng = np.random.default_rng(0)
    a = np.column_stack([rng.uniform(0, 100, (20, 2)), rng.uniform(1, 50, (20, 2))])
    b = np.column_stack([rng.uniform(0, 100, (15, 2)), rng.uniform(1, 50, (15, 2))])
    ours = iou_matrix(tlwh_to_tlbr(a), tlwh_to_tlbr(b))
    theirs = 1.0 - mm_dist.iou_matrix(a, b, max_iou=1.0)
    assert np.allclose(np.nan_to_num(theirs, nan=0.0), ours)


@pytest.mark.parametrize("tail", ["", ",0.9", ",0.9,1,0.5", ",0.9,-1,-1,-1"])
def test_reads_7_9_10_columns_in_any_order(tmp_path, tail) -> None:
    path = tmp_path / "det.txt"
    path.write_text(f"3,-1,1,2,3,4{tail}\n1,-1,5,6,7,8{tail}\n\n3,-1,9,9,1,1{tail}\n")
    table = read_mot_file(path, "det")
    assert table.frames.tolist() == [1, 3, 3]
    assert table.detections(3).boxes.tolist() == [[1, 2, 4, 6], [9, 9, 10, 10]]
    assert len(table.detections(2)) == 0 and len(table.detections(99)) == 0


def test_gt_with_nine_columns_has_class_and_visibility(tmp_path) -> None:
    path = tmp_path / "gt.txt"
    path.write_text("1,1,0,0,10,10,1,1,0.8\n1,2,0,0,10,10,0,7,0.1\n")
    gt = read_mot_file(path, "gt").ground_truth(1)
    assert gt.classes.tolist() == [1, 7]
    assert gt.considered.tolist() == [True, False]
    assert np.allclose(gt.visibility, [0.8, 0.1])


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("1,-1,0,0,10,10,1\n2,-1,0,x,10,10,1\n", 2, "not a number"),
        ("1,-1,0,0,10,10,1\n\n2,-1,0,0,10\n", 3, "columns"),
        ("1,-1,0,0,10,10,1\n0,-1,0,0,10,10,1\n", 2, "frame"),
        ("1,-1,0,0,10,10,1\n2,-1,0,0,-5,10,1\n", 2, "width"),
    ],
)
def test_errors_name_file_and_line(tmp_path, text, line, words) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(MotFileError) as err:
        read_mot_file(path)
    assert f"{path}:{line}:" in str(err.value)
    assert words in str(err.value)


def test_results_round_trip_and_atomic_write(tmp_path, monkeypatch) -> None:
    path = tmp_path / "a" / "seq.txt"
    boxes = np.array([[10.0, 20.0, 40.5, 60.25]])
    write_results(path, np.array([4]), np.array([7]), boxes)
    line = path.read_text().strip()
    assert line == "4,7,10.00,20.00,30.50,40.25,1,-1,-1,-1"
    assert np.allclose(read_mot_file(path, "result").boxes, boxes)
    # A failure while writing leaves the old file untouched and no temporary file behind.
    import os

    def boom(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(path, "half")
    assert path.read_text().strip() == line
    assert [p.name for p in path.parent.iterdir()] == ["seq.txt"]


def test_atomic_files_get_ordinary_permissions(tmp_path) -> None:
    """mkstemp makes owner-only files; a finished output is readable as the umask allows."""
    import os

    old = os.umask(0o022)
    try:
        path = tmp_path / "r.txt"
        atomic_write_text(path, "x\n")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_paired_iou_is_the_diagonal_of_the_iou_matrix() -> None:
    from trackbench.datasets.boxes import paired_iou

    rng = np.random.default_rng(1)
    a = tlwh_to_tlbr(np.column_stack([rng.uniform(0, 50, (30, 2)), rng.uniform(1, 30, (30, 2))]))
    b = tlwh_to_tlbr(np.column_stack([rng.uniform(0, 50, (30, 2)), rng.uniform(1, 30, (30, 2))]))
    assert np.allclose(paired_iou(a, b), np.diag(iou_matrix(a, b)))
    assert paired_iou(np.zeros((1, 4)), np.zeros((1, 4))).tolist() == [0.0]


# --------------------------------------------------------------------------- written text, read back without a file

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from trackbench.datasets.motfile import format_results, parse_results  # noqa: E402

_coordinate = st.floats(-1e5, 1e5, allow_nan=False, allow_infinity=False)
_side = st.floats(0, 1e4, allow_nan=False, allow_infinity=False)
_score = st.one_of(st.floats(0, 1), st.floats(-10, 100), st.sampled_from([1e-5, 0.00012345, 0.5, 1.0, 12345.678]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5000), st.integers(-1, 10**9), _coordinate, _coordinate, _side, _side,
                          _score), min_size=1, max_size=40))
def test_result_text_is_each_row_formatted_and_reads_back_as_the_file_does(tmp_path_factory, rows) -> None:
    frames = np.array([r[0] for r in rows])
    ids = np.array([r[1] for r in rows])
    boxes = tlwh_to_tlbr(np.array([r[2:6] for r in rows], dtype=float))
    scores = np.array([r[6] for r in rows], dtype=float)
    text = format_results(frames, ids, boxes, scores)
    tlwh = tlbr_to_tlwh(boxes)
    expected = "".join(f"{f},{i},{x:.2f},{y:.2f},{w:.2f},{h:.2f},{c:.4g},-1,-1,-1\n"  # the format, row by row
                       for f, i, (x, y, w, h), c in zip(frames.tolist(), ids.tolist(), tlwh.tolist(), scores.tolist()))
    assert text == expected
    path = tmp_path_factory.mktemp("text") / "r.txt"
    atomic_write_text(path, text)
    from_file, from_text = read_mot_file(path, "result"), parse_results(text)
    for name in ("frames", "ids", "boxes", "scores", "classes", "visibility"):
        a, b = getattr(from_file, name), getattr(from_text, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name  # bit for bit: scoring either gives the same


def test_empty_result_text_reads_back_empty() -> None:
    assert format_results(np.zeros(0), np.zeros(0), np.zeros((0, 4))) == ""
    assert len(parse_results("")) == 0
