"""trackbench's sort, deepsort, bytetrack and ocsort against files written by the authors' own code, frame by frame.

The judge is the authors' code, not a port of it (``reference_files`` says
how the files were made and how they are compared).  For each tracker and
sequence the tracker runs the way ``bench run`` runs it, with the authors'
settings, and every frame must report the same set of boxes (to
``BOX_ATOL`` = 1e-6 px in full precision) with the same ids, or, where the README
of the files explains why the solver legitimately differs (SORT against
``lap``), ids that are one consistent one-to-one relabelling of theirs over the
whole sequence.  ByteTrack's reported scores must agree too.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from reference_files import (BOX_ATOL, RUNS, ReferenceRun, Rows, agreement, compare, read_reference,
                             reference_root, track)

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def data(shared_data):
    """The shared data folder, when it holds the authors' outputs."""
    if not reference_root(shared_data).is_dir():
        pytest.skip(f"the authors' tracker outputs are not available: {reference_root(shared_data)} is absent")
    return shared_data


CASES = [pytest.param(run, name, id=f"{run.label}-{name}") for run in RUNS for name in run.sequences]


@pytest.mark.parametrize("run, name", CASES)
def test_reproduces_the_authors_output(data, run: ReferenceRun, name: str) -> None:
    found = agreement(run, data, name)
    assert found.rows_outside == 0, found.first_difference
    assert found.same_boxes == found.frames, (
        f"{found.frames - found.same_boxes} of {found.frames} frames differ in boxes; first: {found.first_difference}")
    if run.relabelled:
        # Allowed: ids that are one consistent relabelling of theirs (see run.relabelled for why).
        assert found.one_to_one, f"ids are not one relabelling of theirs; first: {found.first_difference}"
    else:
        assert found.identical == found.frames, (
            f"{found.frames - found.identical} of {found.frames} frames differ in ids; first: {found.first_difference}")


@pytest.mark.parametrize("run", [pytest.param(r, id=r.label) for r in RUNS])
def test_runs_with_the_authors_settings(data, run: ReferenceRun) -> None:
    """The parameters the tracker actually ran with are the authors' (their README), not just what was asked."""
    _, params = track(run, data, run.sequences[0])
    assert {k: params[k] for k, _ in run.settings} == dict(run.settings)


# --- the comparison itself: it must see each kind of difference -----------------------------------------


@pytest.fixture(scope="module")
def theirs(data) -> Rows:
    return read_reference(reference_root(data) / "abewley_sort_scipy" / "full_precision" / "TUD-Campus.txt")


def _with(rows: Rows, **changes: np.ndarray) -> Rows:
    return dataclasses.replace(rows, **{k: v.copy() for k, v in changes.items()})


def test_a_file_agrees_with_itself(theirs: Rows) -> None:
    found = compare(theirs, theirs, 71)
    assert (found.kind, found.identical, found.max_box_error) == ("identical", 71, 0.0)


def test_a_consistent_relabelling_is_seen_as_one(theirs: Rows) -> None:
    ids = theirs.ids + 1000
    ids[theirs.ids == 3], ids[theirs.ids == 4] = 4, 3  # swapped everywhere: still one relabelling
    found = compare(_with(theirs, ids=ids), theirs, 71)
    assert (found.kind, found.same_boxes, found.one_to_one) == ("relabelled", 71, True)
    assert found.identical < 71


def test_ids_swapped_in_one_frame_only_are_no_relabelling(theirs: Rows) -> None:
    ids = theirs.ids.copy()
    frame = theirs.frames[np.flatnonzero(theirs.ids == 3)[0]]
    a, b = np.flatnonzero(theirs.frames == frame)[:2]
    ids[a], ids[b] = ids[b], ids[a]
    found = compare(_with(theirs, ids=ids), theirs, 71)
    assert found.kind == "ids differ (not one relabelling)" and found.identical == 70


def test_a_box_moved_beyond_the_tolerance_is_a_difference(theirs: Rows) -> None:
    for shift, same in ((BOX_ATOL / 2, True), (BOX_ATOL * 2, False)):
        boxes = theirs.boxes.copy()
        boxes[17, 2] += shift
        found = compare(_with(theirs, boxes=boxes), theirs, 71)
        assert (found.kind == "identical") is same, shift


def test_a_missing_or_extra_row_is_a_difference(theirs: Rows) -> None:
    keep = np.arange(len(theirs.ids)) != 5
    fewer = Rows(theirs.frames[keep], theirs.ids[keep], theirs.boxes[keep], theirs.scores[keep])
    assert compare(fewer, theirs, 71).kind == "boxes differ"
    assert compare(theirs, theirs, 70).kind == "rows outside the sequence"


def test_scores_are_compared_only_when_asked(theirs: Rows) -> None:
    other = _with(theirs, scores=theirs.scores + 0.01)
    assert compare(other, theirs, 71).kind == "identical"
    assert compare(other, theirs, 71, scores=True).kind == "boxes differ"
