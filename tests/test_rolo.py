"""Tests of the ROLO-style LSTM tracker (trackers/rolo) and `bench train-rolo`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the rolo tracker and its training need PyTorch")

from trackbench import trackers  # noqa: E402
from trackbench.datasets.synth import load_synth, write_synth_mot  # noqa: E402
from trackbench.harness.cli.run import RunRequest, execute  # noqa: E402
from trackbench.trackers.params import ParamError  # noqa: E402
from trackbench.harness.training.rolo.data import dropout_mask, sample_windows, subsample, trajectories, with_dropouts  # noqa: E402
from trackbench.trackers.rolo.history import TrackHistory  # noqa: E402
from trackbench.trackers.rolo.model import (  # noqa: E402
    STEP_FEATURES,
    Normalisation,
    decode_boxes,
    encode_windows,
    linear_prior,
    raw_features,
)
from trackbench.trackers.rolo.network import RoloNet  # noqa: E402
from trackbench.trackers.rolo.tracker import DEFAULT_CHECKPOINT  # noqa: E402
from trackbench.harness.training.rolo.train import TrainConfig, evaluate, train  # noqa: E402
from trackbench.trackers.core.device import resolve_device  # noqa: E402
from trackbench.trackers.rolo.checkpoint import load_checkpoint  # noqa: E402

# Small and fast: two 150-frame synthetic sequences, a tiny network, a few epochs.
TINY = dict(dataset="synth", sequences=["synth-01"], val_sequences=["synth-02"], hidden=16, steps=6,
            batch_size=64, lr=5e-3, strides=(1,), device="cpu", seed=3)


def _boxes(k: int, t: int, rng: np.random.Generator) -> np.ndarray:
    tl = rng.uniform(0, 300, (k, t, 2))
    wh = rng.uniform(20, 80, (k, t, 2))
    return np.concatenate([tl, tl + wh], axis=-1)


# --- model -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [0, 12])
def test_one_batched_forward_gives_two_boxes_per_track(dim: int) -> None:
    rng = np.random.default_rng(0)
    k, t = 7, 5
    observed = rng.random((k, t)) < 0.7
    observed[:, 0] = True
    feats = rng.standard_normal((k, t, dim)).astype(np.float32) if dim else None
    enc = encode_windows(_boxes(k, t, rng), rng.random((k, t)), observed, 640, 480, Normalisation(), feats)
    assert enc.x.shape == (k, t, STEP_FEATURES + dim) and enc.x.dtype == np.float32
    net = RoloNet(hidden=8, appearance_dim=dim)
    assert net.input_dim == enc.x.shape[2]
    with torch.no_grad():
        out = net(torch.from_numpy(enc.x)).numpy()
    assert out.shape == (k, 8)
    nxt, cur = decode_boxes(out, enc, Normalisation())
    assert nxt.shape == cur.shape == (k, 4) and np.isfinite(nxt).all()


def test_encoding_is_relative_to_the_last_observed_box_and_zero_at_missing_steps() -> None:
    boxes = np.array([[[0, 0, 10, 20], [2, 0, 12, 20], [99, 99, 199, 199], [6, 0, 16, 20]]], float)
    observed = np.array([[True, True, False, False]])
    raw, anchors, has = raw_features(boxes, np.ones((1, 4)), observed, 100, 100)
    assert has[0] and np.array_equal(anchors[0], boxes[0, 1])
    np.testing.assert_allclose(raw[0, 0, :4], [-0.1, 0.0, 0.0, 0.0])  # 2 px left of the anchor, height 20
    assert np.all(raw[0, 2:, :9] == 0) and np.array_equal(raw[0, :, 9], [0, 0, 1, 1])
    # Straight line through (t=0, -0.1) and (t=1, 0): next step t=4 at +0.3 box heights, current t=3 at +0.2.
    prior = linear_prior(raw, observed)
    np.testing.assert_allclose(prior[0, [0, 4]], [0.3, 0.2])
    # Decoding a zero correction reproduces the straight line: 6 px right of the anchor at t=4.
    nxt, cur = decode_boxes(np.zeros((1, 8)), encode_windows(boxes, np.ones((1, 4)), observed, 100, 100, Normalisation()),
                            Normalisation())
    np.testing.assert_allclose(nxt[0], [8, 0, 18, 20], atol=1e-9)
    np.testing.assert_allclose(cur[0], [6, 0, 16, 20], atol=1e-9)


# --- history ---------------------------------------------------------------------------------


def test_history_windows_with_missing_steps() -> None:
    h = TrackHistory(steps=3, feature_dim=2)
    h.push(np.zeros(0, int), np.zeros((0, 4)), np.zeros(0))
    h.add(np.array([[0, 0, 10, 10], [50, 50, 60, 70]], float), np.array([0.9, 0.8]), np.ones((2, 2), np.float32))
    assert h.observed.tolist() == [[False, False, True], [False, False, True]]
    # Frame 2: track 1 detected, track 0 missed.
    h.push(np.array([1]), np.array([[52, 50, 62, 70]], float), np.array([0.7]), np.full((1, 2), 2, np.float32))
    assert h.observed.tolist() == [[False, True, False], [False, True, True]]
    assert h.missing_run().tolist() == [1, 0]
    assert h.features[0, -1].tolist() == [0, 0] and h.features[1, -1].tolist() == [2, 2]
    enc = h.inputs(640, 480, Normalisation())
    assert enc.x.shape == (2, 3, STEP_FEATURES + 2)
    np.testing.assert_array_equal(enc.anchors, [[0, 0, 10, 10], [52, 50, 62, 70]])
    assert enc.x[0, 2, 9] == 1 and np.all(enc.x[0, 2, :9] == 0) and np.all(enc.x[0, 2, -2:] == 0)
    # Two more misses: track 0's detection leaves its window, so it has no anchor left.
    for _ in range(2):
        h.push(np.array([1]), np.array([[54, 50, 64, 70]], float), np.array([0.7]), np.zeros((1, 2), np.float32))
    assert h.has_anchor().tolist() == [False, True]
    h.keep(np.array([False, True]))
    assert len(h) == 1 and h.boxes.shape == (1, 3, 4)


# --- training data ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synth_seqs():
    return load_synth()


def test_trajectories_and_windows_from_synth(synth_seqs) -> None:
    seq = synth_seqs[0]
    trajs = trajectories(seq)
    assert {t.track_id for t in trajs} == set(np.unique(seq.ground_truth.ids))
    tr = trajs[0]
    assert np.array_equal(tr.frames, np.arange(tr.frames[0], tr.frames[-1] + 1))
    seen = np.isfinite(tr.obs).all(axis=1)
    assert 0.3 < np.mean([np.isfinite(t.obs).all(axis=1).mean() for t in trajs]) < 1.0  # real misses exist
    # Observations are matched detections: IoU >= 0.5 with the gt box of the same frame.
    from trackbench.datasets.boxes import paired_iou

    assert (paired_iou(tr.obs[seen], tr.gt[seen]) >= 0.5).all()
    w = sample_windows(trajs, 6)
    assert w.boxes.shape[1:] == (6, 4) and len(w) == len(w.next_gt)
    assert np.isfinite(w.next_gt).all() and w.observed.any(axis=1).all()
    # The target is the next frame's gt box of the same track.
    i = int(np.flatnonzero(w.track == 0)[3])
    assert np.array_equal(w.next_gt[i], trajs[0].gt[w.step[i] + 1])
    assert (w.gap >= 0).all() and (w.gap < 6).all()
    # gt inputs: jittered gt boxes with dropouts.
    g = sample_windows(trajectories(seq, inputs="gt"), 6, np.random.default_rng(0))
    assert len(g) > len(w)


def test_dropouts_and_subsampling() -> None:
    drop = dropout_mask(10_000, 0.01, 5, np.random.default_rng(1))
    runs = np.diff(np.flatnonzero(np.diff(np.r_[0, drop.astype(int), 0])))[::2]
    # Runs of 1..5 frames (two may overlap and merge), starting at about 1 % of frames.
    assert 60 < len(runs) < 140 and 2.5 < runs.mean() < 3.5 and np.mean(runs <= 5) > 0.95
    seq = load_synth(sequences=["synth-01"])[0]
    trajs = trajectories(seq)
    halves = subsample(trajs, 2)
    assert sum(len(t) for t in halves) == sum(len(t) for t in trajs)
    fewer = with_dropouts(trajs, 0.2, 3, seed=0)
    assert sum(np.isfinite(t.obs).all(axis=1).sum() for t in fewer) < sum(np.isfinite(t.obs).all(axis=1).sum() for t in trajs)


# --- training --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """Three epochs on synth-01, validated on synth-02."""
    out = tmp_path_factory.mktemp("rolo") / "tiny.pt"
    result = train(TrainConfig(epochs=3, **TINY), out)
    return out, result


def test_training_lowers_validation_loss(tiny_run) -> None:
    out, result = tiny_run
    ckpt = load_checkpoint(out)
    norm = Normalisation.from_dict(ckpt["normalisation"])
    val = sample_windows([t for s in load_synth(sequences=["synth-02"]) for t in trajectories(s)], 6)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(TINY["seed"])
        untrained = RoloNet(hidden=16)
    before = evaluate(untrained, val, norm, resolve_device("cpu"))["val_loss"]
    after = min(h["val_loss"] for h in result.history)
    assert after < 0.85 * before  # 0.42 -> 0.33 here
    assert len(result.history) == 3 and result.best_epoch in (1, 2, 3)
    # Metadata: what a user needs to know about the checkpoint.
    assert ckpt["embedder"] == "none" and ckpt["model"]["steps"] == 6 and ckpt["model"]["appearance_dim"] == 0
    assert ckpt["data"]["train_sequences"] == ["synth-01"] and ckpt["data"]["val_sequences"] == ["synth-02"]
    assert set(ckpt["normalisation"]) == {"input_mean", "input_std", "target_mean", "target_std"}
    assert ckpt["training"]["epochs_done"] == 3 and ckpt["config"]["seed"] == TINY["seed"]


def test_resume_matches_an_uninterrupted_run(tiny_run, tmp_path: Path) -> None:
    full_path, full = tiny_run
    part = tmp_path / "part.pt"
    train(TrainConfig(epochs=2, **TINY), part)
    assert load_checkpoint(part)["training"]["epochs_done"] == 2
    resumed = train(TrainConfig(epochs=3, device="cpu"), tmp_path / "resumed.pt", resume=part)
    assert resumed.resumed_from == 2
    a, b = load_checkpoint(full_path), load_checkpoint(tmp_path / "resumed.pt")
    for key, value in a["model_state"].items():
        assert torch.equal(value, b["model_state"][key]), key
    strip = lambda h: [{k: v for k, v in row.items() if k != "seconds"} for row in h]  # noqa: E731
    assert strip(a["training"]["history"]) == strip(b["training"]["history"])


# --- the tracker -----------------------------------------------------------------------------


def test_shipped_checkpoint_is_small_box_only_weights_only_and_tracks_synth(tmp_path: Path) -> None:
    assert DEFAULT_CHECKPOINT.is_file() and DEFAULT_CHECKPOINT.stat().st_size < 1_000_000
    raw = torch.load(DEFAULT_CHECKPOINT, map_location="cpu", weights_only=True)  # no pickled code
    assert "optimizer_state" not in raw and "model_state" not in raw
    assert all(isinstance(v, torch.Tensor) for v in raw["best_state"].values())
    meta = load_checkpoint(DEFAULT_CHECKPOINT)
    assert meta["embedder"] == "none" and meta["data"]["dataset"] == "mot17"
    trained = meta["data"]["train_sequences"]
    assert {f"MOT17-{n}-FRCNN" for n in ("02", "04", "05", "10", "11")} <= set(trained)  # every MOT17 train sequence
    assert any(n.startswith("synth-") for n in trained) and not any("PETS" in n for n in trained)
    for name in ("LICENSE", "README.md"):
        assert (DEFAULT_CHECKPOINT.parent / name).is_file()
    outcome = execute(RunRequest(trackers=["rolo", "sort"], dataset="synth", results=tmp_path, name="t"))
    rolo = outcome.overall.loc["rolo"]
    assert rolo["MOTA"] > 50 and rolo["IDF1"] > 50
    assert rolo["IDF1"] >= outcome.overall.loc["sort"]["IDF1"]  # carrying tracks through gaps keeps ids
    assert all(u.skipped is None for u in outcome.units)


def test_one_forward_pass_per_frame() -> None:
    seq = load_synth(sequences=["synth-01"])[0]
    tracker = trackers.create("rolo")
    tracker.reset(seq.info)
    calls = []
    forward = tracker.model.forward
    tracker.model = dataclasses.replace(tracker.model, forward=lambda x: calls.append(x.shape) or forward(x))
    for frame in range(1, 31):
        tracker.update(None, seq.detections.detections(frame))
    assert len(calls) == 30 and max(c[0] for c in calls) > 3  # every live track in one batch


def test_a_box_without_extent_is_not_tracked_and_poisons_nothing() -> None:
    """A zero-size detection (seen in the wild) would make the guard's Kalman state NaN."""
    from trackbench.datasets.sequence import Detections

    seq = load_synth(sequences=["synth-01"])[0]
    tracker, plain = trackers.create("rolo"), trackers.create("rolo")
    tracker.reset(seq.info)
    plain.reset(seq.info)
    for frame in range(1, 31):
        dets = seq.detections.detections(frame)
        bad = Detections(np.vstack([dets.boxes, [[100.0, 100.0, 100.0, 100.0], [50.0, 60.0, 40.0, 90.0]]]),
                         np.concatenate([dets.scores, [1.0, 1.0]]))
        out, want = tracker.update(None, bad), plain.update(None, dets)
        assert np.isfinite(out.boxes).all()
        np.testing.assert_array_equal(out.ids, want.ids)
        np.testing.assert_allclose(out.boxes, want.boxes)


def test_missing_checkpoint_says_how_to_train_one(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="bench train-rolo"):
        trackers.create("rolo", {"checkpoint": str(tmp_path / "nope.pt")})
    bad = tmp_path / "bad.pt"
    torch.save({"weights": torch.zeros(3)}, bad)
    with pytest.raises(ValueError, match="bench train-rolo"):
        trackers.create("rolo", {"checkpoint": str(bad)})
    with pytest.raises(ParamError, match="bench train-rolo --embedder histogram"):
        trackers.create("rolo", {"embedder": "histogram"})


def test_appearance_checkpoint_runs_with_images_and_skips_box_only_data(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TRACKBENCH_CACHE", str(tmp_path / "cache"))
    ckpt = tmp_path / "hist.pt"
    train(TrainConfig(epochs=1, **{**TINY, "embedder": "histogram"}), ckpt)
    meta = load_checkpoint(ckpt)
    assert meta["embedder"] == "histogram" and meta["model"]["appearance_dim"] > 0 and meta["embedder_key"]
    tracker = trackers.create("rolo", {"checkpoint": str(ckpt)})
    assert tracker.requires.features and tracker.params.embedder == "histogram"
    # With images: vectors are computed and the appearance cost is used.
    ok = execute(RunRequest(trackers=["rolo"], dataset="synth", sequences=["synth-03"], results=tmp_path,
                            name="img", params=[f"checkpoint={ckpt}"]))
    assert ok.units[0].skipped is None and ok.units[0].embed_source == "computed"
    assert ok.overall.loc["rolo"]["MOTA"] > 30
    # Box-only copy of the same data: a tracker named with -t that can run on no selected sequence is refused
    # before anything runs, with the reason; not a crash, and no run folder.
    write_synth_mot(load_synth(sequences=["synth-03"]), tmp_path / "boxonly", images=False)
    with pytest.raises(ParamError, match="box-only"):
        execute(RunRequest(trackers=["rolo"], dataset=str(tmp_path / "boxonly"), results=tmp_path,
                           name="box", params=[f"checkpoint={ckpt}"]))
    assert not (tmp_path / "box").exists()


# --- the command line ------------------------------------------------------------------------


def test_train_rolo_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from trackbench.harness.cli import app

    runner = CliRunner()
    help_text = runner.invoke(app, ["train-rolo", "--help"]).output
    for option in ("--dataset", "--data-root", "--sequences", "--val-sequences", "--embedder", "--steps",
                   "--epochs", "--batch-size", "--lr", "--hidden", "--seed", "--device", "--out", "--resume"):
        assert option in help_text
    out = tmp_path / "cli.pt"
    args = ["train-rolo", "--sequences", "synth-01", "--val-sequences", "synth-02", "--epochs", "1", "--hidden", "8",
            "--steps", "4", "--strides", "1", "--device", "cpu", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert load_checkpoint(out)["model"]["hidden"] == 8
    assert (tmp_path / "cli.onnx").is_file()  # the torch-free copy, beside it
    missing = runner.invoke(app, ["train-rolo", "--resume", str(tmp_path / "none.pt"), "--epochs", "2"])
    assert missing.exit_code == 2 and "bench train-rolo" in missing.output


# --- real data -------------------------------------------------------------------------------


@pytest.mark.shared
def test_mot17_trajectories_use_matched_public_detections(shared_data: Path) -> None:
    from trackbench.datasets import load_dataset

    seq = load_dataset("mot17", shared_data / "mot17" / "train", ["MOT17-05"])[0]
    trajs = trajectories(seq)
    assert len(trajs) == len(np.unique(seq.ground_truth.ids[seq.ground_truth.classes == 1]))
    seen = np.mean(np.concatenate([np.isfinite(t.obs).all(axis=1) for t in trajs]))
    assert 0.3 < seen < 0.8  # FRCNN finds about half of the annotated pedestrians
    gaps = sample_windows(trajs, 10).gap
    assert np.count_nonzero(gaps == 5) > 20  # real multi-frame gaps to learn from


@pytest.mark.shared
def test_rolo_on_pets09(shared_data: Path, tmp_path: Path) -> None:
    outcome = execute(RunRequest(trackers=["rolo"], dataset="mot15", data_root=shared_data / "mot15",
                                 sequences=["PETS09-S2L1"], results=tmp_path, name="pets"))
    row = outcome.overall.loc["rolo"]
    assert row["MOTA"] > 50 and row["IDF1"] > 35  # 60.4 and 38.1 with the shipped checkpoint (the synth one: 62.2, 44.0); SORT: 61.9, 35.1


def test_synth_augmentation_joins_training_and_validates_when_no_val_sequence_is_named(tmp_path: Path) -> None:
    from trackbench.harness.training.rolo.train import split_sequences, weights_only

    write_synth_mot(load_synth(sequences=["synth-01", "synth-02"]), tmp_path / "real", images=False)
    base = dict(dataset=str(tmp_path / "real"), augment_synth=3, synth_seed=1)
    train_seqs, val_seqs = split_sequences(TrainConfig(**base))
    names = [s.name for s in train_seqs]
    assert names[:2] == ["synth-01", "synth-02"] and len(names) == 4  # every real sequence trains, + 2 synthetic
    assert [s.name for s in val_seqs] == ["synth-03"] and val_seqs[0].info.dataset == "synth"
    train_seqs, val_seqs = split_sequences(TrainConfig(**base, val_sequences=["synth-02"]))
    assert len(train_seqs) == 4 and [s.info.dataset for s in val_seqs] != ["synth"]  # the named real one validates
    with pytest.raises(ValueError, match="--augment-synth"):
        TrainConfig(dataset="synth", augment_synth=2).validate()
    ckpt = {"best_state": {"w": torch.ones(2)}, "model_state": {"w": torch.zeros(2)}, "optimizer_state": {}, "model": {}}
    assert set(weights_only(ckpt)) == {"best_state", "model"}
