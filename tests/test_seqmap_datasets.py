"""SportsMOT (and DanceTrack, same loader): seqmap-selected MOTChallenge folders, ", " separators, ids from 0."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trackbench.datasets import load_dataset
from trackbench.datasets.errors import DataFileError
from trackbench.datasets.mot import DatasetNotFound
from trackbench.harness.cli.run import RunRequest, execute


def test_sportsmot_val_loads_the_staged_part_of_its_seqmap_with_a_note(shared_data) -> None:
    seqs = load_dataset("sportsmot", shared_data / "sportsmot", split="val")
    assert [s.name for s in seqs][:2] == ["v_00HRwkvvjtQ_c001", "v_00HRwkvvjtQ_c003"] and len(seqs) == 6
    seq = seqs[0]
    assert (seq.info.length, seq.info.fps, seq.info.width) == (1162, 25, 1280)
    raw = np.loadtxt(shared_data / "sportsmot/sportsmot-val/v_00HRwkvvjtQ_c001/gt/gt.txt", delimiter=",")
    assert len(seq.ground_truth) == len(raw) and raw[:, 1].min() == 0
    np.testing.assert_array_equal(np.sort(seq.ground_truth.ids), np.sort(raw[:, 1].astype(int) + 1))
    assert len(seq.detections) == 0 and seq.det_path is None
    assert any("lists 45 sequences; 39 are not under" in n for n in seq.eval_spec.notes)


def test_sportsmot_needs_a_detection_set_and_runs_with_the_oracle(shared_data, tmp_path) -> None:
    base = dict(trackers=["sort"], dataset="sportsmot", data_root=shared_data / "sportsmot",
                sequences=["v_00HRwkvvjtQ_c001"], results=tmp_path, max_frames=200)
    with pytest.raises(DatasetNotFound, match="--detections gt"):
        execute(RunRequest(**base, name="none"))
    outcome = execute(RunRequest(**base, name="gt", detections="gt"))
    assert outcome.overall.loc["sort", "MOTA"] > 90  # association alone, on perfect boxes
    result = np.loadtxt(tmp_path / "gt/sportsmot/sort/data/v_00HRwkvvjtQ_c001.txt", delimiter=",")
    assert result[:, 1].min() >= 1
    assert json.loads((tmp_path / "gt/manifest.json").read_text())["detections"]["kind"] == "gt"


def test_dancetrack_layout_seqmap_header_and_errors(tmp_path) -> None:
    seq_dir = tmp_path / "val" / "dancetrack0004"
    (seq_dir / "gt").mkdir(parents=True)
    (seq_dir / "gt" / "gt.txt").write_text("1,1,10,10,20,40,1,1,1\n2,1,11,10,20,40,1,1,1\n")
    (seq_dir / "seqinfo.ini").write_text("[Sequence]\nname=dancetrack0004\nframeRate=20\nseqLength=2\n"
                                         "imWidth=1920\nimHeight=1080\nimExt=.jpg\n")
    (tmp_path / "val_seqmap.txt").write_text("name\ndancetrack0004\n")
    (seq,) = load_dataset("dancetrack", tmp_path, split="val")
    assert seq.name == "dancetrack0004" and list(seq.ground_truth.ids) == [1, 1]  # ids from 1 are kept
    (tmp_path / "val_seqmap.txt").write_text("name\ndancetrack0004 extra\n")
    with pytest.raises(DataFileError, match=r"val_seqmap.txt:2: expected one sequence name"):
        load_dataset("dancetrack", tmp_path, split="val")
    with pytest.raises(DatasetNotFound, match="github.com/DanceTrack") as err:
        load_dataset("dancetrack", tmp_path, split="train")
    assert "shared" not in str(err.value)
    (seq_dir / "gt" / "gt.txt").write_text("1,1,10,10,20,40,1,1,1\n2,1,11,10,x,40,1,1,1\n")
    (tmp_path / "val_seqmap.txt").write_text("name\ndancetrack0004\n")
    with pytest.raises(DataFileError, match=r"gt.txt:2: not a number"):
        load_dataset("dancetrack", tmp_path, split="val")
