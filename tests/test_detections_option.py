"""``--detections``: a dataset's own variants, a folder of per-sequence files, and gt (oracle) detections.

Checked on the shared MOT17 data with the YOLOX export (skipped without it) and
on the built-in synthetic set, whose gt has conf-0 rows to leave out.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from trackbench.datasets import load_dataset
from trackbench.datasets.detsets import apply_choice, oracle_table, parse_choice, scored_gt, video_name
from trackbench.datasets.errors import DataFileError
from trackbench.datasets.motfile import format_results
from trackbench.datasets.mot import DatasetNotFound
from trackbench.harness.cli import app
from trackbench.harness.cli.run import RunRequest, execute, load

runner = CliRunner()


@pytest.fixture(scope="module")
def synth():
    return load_dataset("synth", sequences=["synth-01"])


# --- folder of per-sequence files (real data) ---------------------------------------------------


def test_yolox_folder_replaces_frcnn_detections_and_drops_the_index_column(shared_data) -> None:
    request = RunRequest(dataset="mot17", data_root=shared_data / "mot17", sequences=["MOT17-05"],
                         detections=str(shared_data / "mot17-yolox"))
    (seq,) = load(request)
    raw = np.loadtxt(shared_data / "mot17-yolox" / "MOT17-05.txt", delimiter=",")
    assert seq.name == "MOT17-05-FRCNN"  # gt and result files keep the sequence's name
    assert seq.det_path == str(shared_data / "mot17-yolox" / "MOT17-05.txt")
    assert len(seq.detections) == len(raw) and raw.shape[1] == 10
    assert (seq.detections.ids == -1).all()  # column 2 is a per-frame index, never an identity
    assert seq.detections.scores.min() == pytest.approx(raw[:, 6].min())
    frame = int(raw[100, 0])
    assert len(seq.detections.detections(frame)) == int((raw[:, 0] == frame).sum())
    assert seq.ground_truth is not None and seq.eval_spec.eval_classes == (1,)


def test_variant_names_select_mot17_folders(shared_data) -> None:
    base = dict(dataset="mot17", data_root=shared_data / "mot17", sequences=["MOT17-05", "MOT17-11"])
    seqs = load(RunRequest(**base, detections="frcnn"))
    assert [s.name for s in seqs] == ["MOT17-05-FRCNN", "MOT17-11-FRCNN"]
    with pytest.raises(DatasetNotFound, match="SDP"):
        load(RunRequest(**base, detections="SDP"))  # only the FRCNN copies are staged
    with pytest.raises(ValueError, match="DPM, FRCNN, SDP"):
        load(RunRequest(**base, detections="yolo9"))


def test_a_sequence_without_a_file_is_an_error_before_anything_runs(shared_data, tmp_path) -> None:
    folder = tmp_path / "dets"
    folder.mkdir()
    (folder / "MOT17-05.txt").write_text((shared_data / "mot17-yolox" / "MOT17-05.txt").read_text())
    request = RunRequest(trackers=["sort"], dataset="mot17", data_root=shared_data / "mot17",
                         sequences=["MOT17-05", "MOT17-11"], detections=str(folder), results=tmp_path / "res",
                         name="r")
    with pytest.raises(DatasetNotFound) as err:
        execute(request)
    assert "MOT17-11-FRCNN" in str(err.value) and "MOT17-05-FRCNN" not in str(err.value).split("(")[0]
    assert not (tmp_path / "res" / "r").exists()


def test_rows_past_the_sequence_are_an_error_naming_file_and_line(synth, tmp_path) -> None:
    seq = synth[0]
    dets = seq.detections
    text = format_results(dets.frames, dets.ids, dets.boxes, dets.scores)
    (tmp_path / "synth-01.txt").write_text(text + f"{seq.info.length + 1},-1,1,1,5,5,0.9,-1,-1,-1\n")
    with pytest.raises(DataFileError, match=rf"synth-01.txt:{len(dets) + 1}: frame {seq.info.length + 1}"):
        apply_choice(synth, parse_choice(str(tmp_path)), "synth")


def test_a_folder_with_the_datasets_own_detections_gives_the_same_results(synth, tmp_path) -> None:
    dets = synth[0].detections
    folder = tmp_path / "same"
    folder.mkdir()
    (folder / "synth-01.txt").write_text(format_results(dets.frames, np.arange(len(dets)), dets.boxes, dets.scores))
    common = dict(trackers=["sort"], sequences=["synth-01"], results=tmp_path / "res")
    execute(RunRequest(**common, name="own"))
    execute(RunRequest(**common, name="folder", detections=str(folder)))
    own = np.loadtxt(tmp_path / "res/own/synth/sort/data/synth-01.txt", delimiter=",")
    other = np.loadtxt(tmp_path / "res/folder/synth/sort/data/synth-01.txt", delimiter=",")
    np.testing.assert_allclose(own, other, atol=0.011)  # the folder file holds boxes rounded to 0.01 px
    record = json.loads((tmp_path / "res/folder/manifest.json").read_text())["detections"]
    assert record["kind"] == "folder" and record["label"].startswith("same (folder ")


# --- oracle detections ----------------------------------------------------------------------------


def test_oracle_is_the_scored_gt_without_ids(synth) -> None:
    seq = synth[0]
    table = oracle_table(seq, parse_choice("gt"))
    gt = seq.ground_truth
    considered = gt.scores != 0
    assert 0 < considered.sum() < len(gt)  # the synthetic gt has conf-0 rows, which must not become detections
    assert len(table) == int(considered.sum())
    np.testing.assert_array_equal(table.boxes, gt.boxes[considered])
    assert (table.ids == -1).all() and (table.scores == 1).all()


def test_oracle_drop_and_jitter_are_seeded_and_independent(synth) -> None:
    seq = synth[0]
    full = len(scored_gt(seq))
    dropped = oracle_table(seq, parse_choice("gt", gt_drop=0.3, seed=1))
    assert abs(len(dropped) / full - 0.7) < 0.05
    again = oracle_table(seq, parse_choice("gt", gt_drop=0.3, seed=1))
    np.testing.assert_array_equal(dropped.boxes, again.boxes)
    other_seed = oracle_table(seq, parse_choice("gt", gt_drop=0.3, seed=2))
    assert not np.array_equal(dropped.frames, other_seed.frames)
    # the same boxes are dropped whatever the jitter
    both = oracle_table(seq, parse_choice("gt", gt_drop=0.3, gt_jitter=0.1, seed=1))
    np.testing.assert_array_equal(both.frames, dropped.frames)
    jittered = oracle_table(seq, parse_choice("gt", gt_jitter=0.1, seed=1))
    gt = scored_gt(seq)
    width = gt.boxes[:, 2] - gt.boxes[:, 0]
    moved = (jittered.boxes[:, 0] - gt.boxes[:, 0]) / width
    assert 0.08 < moved.std() < 0.12 and abs(moved.mean()) < 0.02
    assert (jittered.boxes[:, 2] - jittered.boxes[:, 0] >= 1).all()


def test_oracle_on_mot17_keeps_pedestrians_only(shared_data) -> None:
    (seq,) = load(RunRequest(dataset="mot17", data_root=shared_data / "mot17", sequences=["MOT17-05"],
                             detections="gt"))
    raw = np.loadtxt(shared_data / "mot17/train/MOT17-05-FRCNN/gt/gt.txt", delimiter=",")
    assert len(seq.detections) == int(((raw[:, 6] != 0) & (raw[:, 7] == 1)).sum())


def test_bad_option_values_are_errors() -> None:
    with pytest.raises(ValueError, match="--gt-drop"):
        parse_choice("gt", gt_drop=1.0)
    with pytest.raises(ValueError, match="--gt-jitter"):
        parse_choice("gt", gt_jitter=-0.1)
    with pytest.raises(ValueError, match="gt only"):
        parse_choice("FRCNN", gt_drop=0.1)
    with pytest.raises(DatasetNotFound, match="no such folder"):
        parse_choice("./no/such/folder")
    assert video_name("MOT17-05-FRCNN") == "MOT17-05" and video_name("synth-01") == "synth-01"


# --- the command line ----------------------------------------------------------------------------


def test_cli_oracle_run_names_the_detection_set_everywhere(tmp_path) -> None:
    args = ["run", "-t", "sort", "-s", "synth-01", "--results", str(tmp_path), "--max-frames", "60"]
    own = runner.invoke(app, args + ["--name", "own"])
    oracle = runner.invoke(app, args + ["--name", "gtd", "--detections", "gt", "--gt-drop", "0.1", "--seed", "3"])
    perfect = runner.invoke(app, args + ["--name", "gt", "--detections", "gt"])
    assert own.exit_code == 0 and oracle.exit_code == 0 and perfect.exit_code == 0, oracle.output
    assert "detections gt (oracle; drop 0.1, jitter 0, seed 3)" in " ".join(oracle.output.split())
    manifest = json.loads((tmp_path / "gtd/manifest.json").read_text())
    assert manifest["detections"] == {"option": "gt", "kind": "gt", "label": "gt (oracle; drop 0.1, jitter 0, seed 3)",
                                      "gt_drop": 0.1, "gt_jitter": 0.0, "seed": 3}
    assert "Detections: gt (oracle; drop 0.1" in (tmp_path / "gtd/leaderboard.md").read_text()
    assert "Detections: gt (oracle)." in (tmp_path / "gt/leaderboard.md").read_text()
    assert "Detections: the dataset's own" in (tmp_path / "own/leaderboard.md").read_text()
    board = {n: pd.read_csv(tmp_path / n / "leaderboard.csv", index_col=0).loc["sort"] for n in ("own", "gt")}
    assert board["gt"]["MOTA"] > board["own"]["MOTA"]  # better detections, the same association


def test_cli_detector_alias_and_sweep(tmp_path) -> None:
    bad = runner.invoke(app, ["run", "-t", "sort", "--detector", "yolo3", "--results", str(tmp_path)])
    assert bad.exit_code == 2 and "aicity" in bad.output
    sweep = runner.invoke(app, ["sweep", "-t", "sort", "-p", "max_age=1,5", "-s", "synth-01", "--detections", "gt",
                                "--results", str(tmp_path), "--name", "sw"])
    assert sweep.exit_code == 0, sweep.output
    assert json.loads((tmp_path / "sw/manifest.json").read_text())["detections"]["kind"] == "gt"


def test_aicity_detector_alias_still_selects_the_file(shared_data) -> None:
    a = load(RunRequest(dataset="aicity", data_root=shared_data / "aicity-dets", detector="ssd512"))
    b = load(RunRequest(dataset="aicity", data_root=shared_data / "aicity-dets", detections="ssd512"))
    assert Path(a[0].det_path).name == Path(b[0].det_path).name == "det_ssd512.txt"
    with pytest.raises(Exception, match="disagree"):
        load(RunRequest(dataset="aicity", data_root=shared_data / "aicity-dets", detector="ssd512",
                        detections="yolo3"))
