"""Re-identification crops, retrieval metrics, siamese training and `bench train-reid`."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from trackbench.harness.training.reid.crops import (CropRules, IdentityCrops, crops_from_folder, crops_from_sequence, load_crop_layout,
                                split_identities, thin)
from trackbench.harness.training.reid.evaluate import evaluate_features, query_gallery_split, retrieval_scores

PALETTE = [(200, 40, 40), (40, 160, 40), (40, 40, 200), (200, 200, 60), (150, 60, 200), (60, 200, 200)]


def figure_crops(n_ids: int, per_id: int, seed: int = 0, prefix: str = "fig") -> IdentityCrops:
    """Person-like figures whose identity is an (upper colour, lower colour) pair from a small palette.

    Every colour is worn by several identities, and each crop has its own random
    background, clutter, shift and brightness, so an untrained network confuses them.
    """
    rng = np.random.default_rng(seed)
    combos = [(a, b) for a in range(len(PALETTE)) for b in range(len(PALETTE)) if a != b]
    chosen = [combos[i] for i in rng.choice(len(combos), n_ids, replace=False)]
    images, ids = [], []
    for k, (up, lo) in enumerate(chosen):
        for _ in range(per_id):
            h, w = 96, 48
            img = np.clip(rng.integers(0, 255, 3) + rng.normal(0, 40, (h, w, 3)), 0, 255).astype(np.uint8)
            for _ in range(3):
                x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
                colour = tuple(int(v) for v in rng.integers(0, 255, 3))
                cv2.rectangle(img, (x0, y0), (x0 + int(rng.integers(4, 16)), y0 + int(rng.integers(4, 16))), colour, -1)
            cx, top, bw, bh = w / 2 + rng.normal(0, 3), 10 + rng.normal(0, 3), w * 0.45, h * 0.8
            gain = rng.uniform(0.7, 1.3)
            upper = tuple(int(min(255, c * gain)) for c in PALETTE[up])
            lower = tuple(int(min(255, c * gain)) for c in PALETTE[lo])
            cv2.rectangle(img, (int(cx - bw / 2), int(top)), (int(cx + bw / 2), int(top + bh * 0.45)), upper, -1)
            cv2.rectangle(img, (int(cx - bw / 2), int(top + bh * 0.45)), (int(cx + bw / 2), int(top + bh)), lower, -1)
            images.append(img)
            ids.append(f"{prefix}/{k}")
    return IdentityCrops(images, np.array(ids), np.full(len(ids), prefix), np.full(len(ids), -1))


def write_crop_folder(crops: IdentityCrops, folder: Path) -> None:
    for i, (img, ident) in enumerate(zip(crops.images, crops.identities)):
        sub = folder / ident.split("/")[-1]
        sub.mkdir(parents=True, exist_ok=True)
        assert cv2.imwrite(str(sub / f"{i:05d}.jpg"), img)


# --------------------------------------------------------------------------------------------- crops


def test_crops_from_synth_sequence_follow_the_rules():
    from trackbench.datasets import load_dataset

    seq = load_dataset("synth", sequences=["synth-01"])[0]
    rules = CropRules(every=10, min_visibility=0.5, min_height=30)
    crops = crops_from_sequence(seq, rules)
    assert len(crops) > 20 and crops.num_identities > 5
    assert set(np.unique(crops.frames)) <= set(range(1, seq.info.length + 1, 10))
    assert all(ident.startswith("synth/synth-01/") for ident in crops.identities)
    assert all(img.shape[0] >= 30 and img.ndim == 3 for img in crops.images)
    # Every crop is a considered, visible-enough gt row of its frame (conf-0 rows never become crops).
    gt = seq.ground_truth
    for frame, ident in zip(crops.frames[:50], crops.identities[:50]):
        rows = gt.rows(int(frame))
        match = gt.ids[rows] == int(ident.rsplit("/", 1)[1])
        assert match.sum() == 1
        assert gt.scores[rows][match][0] != 0 and gt.visibility[rows][match][0] >= 0.5
    assert crops_from_sequence(seq, CropRules(every=10, min_visibility=0.5, min_height=30, max_per_identity=2)).frames.size \
        <= 2 * crops.num_identities


def test_crops_need_gt_and_images():
    import dataclasses

    from trackbench.datasets import load_dataset

    seq = load_dataset("synth", sequences=["synth-01"])[0]
    with pytest.raises(ValueError, match="no ground truth"):
        crops_from_sequence(dataclasses.replace(seq, ground_truth=None))
    with pytest.raises(ValueError, match="no images"):
        crops_from_sequence(dataclasses.replace(seq, source=None))


def test_crop_folder_layout(tmp_path):
    train = figure_crops(4, 3, seed=1)
    test = figure_crops(3, 2, seed=2)
    write_crop_folder(train, tmp_path / "crops")
    write_crop_folder(test, tmp_path / "crops_test")
    (tmp_path / "crops" / "0" / "notes.txt").write_text("not an image")
    a, b = load_crop_layout(tmp_path)
    assert len(a) == 12 and a.num_identities == 4 and len(b) == 6 and b.num_identities == 3
    assert a.images[0].shape == (96, 48, 3)
    assert set(a.identities) == {"crops/0", "crops/1", "crops/2", "crops/3"}
    assert set(b.identities).isdisjoint(a.identities)
    # The crops/ folder itself: its sibling crops_test/ is the test split.
    a2, b2 = load_crop_layout(tmp_path / "crops")
    assert len(a2) == 12 and b2 is not None and len(b2) == 6
    # Any <id>/*.jpg folder without a test sibling.
    only, none = load_crop_layout(tmp_path / "crops_test")
    assert len(only) == 6 and none is None
    with pytest.raises(FileNotFoundError):
        crops_from_folder(tmp_path / "missing")
    (tmp_path / "empty" / "x").mkdir(parents=True)
    with pytest.raises(ValueError, match="no crops found"):
        crops_from_folder(tmp_path / "empty")


def test_identity_split_is_disjoint_and_seeded():
    crops = figure_crops(10, 3)
    train, held = split_identities(crops, 0.3, seed=4)
    assert held.num_identities == 3 and train.num_identities == 7
    assert set(train.identities).isdisjoint(held.identities)
    assert len(train) + len(held) == len(crops)
    again, _ = split_identities(crops, 0.3, seed=4)
    assert list(again.identities) == list(train.identities)
    assert len(thin(crops, 2)) == 20


# --------------------------------------------------------------------------------------------- metrics


def test_retrieval_metrics_by_hand():
    ids = np.array(["a", "a", "a", "b", "b", "c"])
    crops = IdentityCrops([np.zeros((4, 4, 3), np.uint8)] * 6, ids, np.full(6, "s"), np.arange(6))
    perfect = np.eye(3, dtype=np.float32)[[0, 0, 0, 1, 1, 2]]
    s = evaluate_features(perfect, crops, queries_per_identity=1)
    assert s.rank1 == 1.0 and s.mAP == 1.0 and s.queries == 2  # c has one crop: gallery only
    # Query 0 ("a"); gallery 1..5.  Ranked: 3(b) 1(a) 4(b) 2(a) 5(c) → hits at 2 and 4: AP = (1/2 + 2/4) / 2.
    feats = np.array([[1, 0], [0.8, 0.6], [0.0, 1.0], [0.99, 0.141], [0.6, 0.8], [-1, 0]], np.float32)
    feats /= np.linalg.norm(feats, axis=1, keepdims=True)
    s = retrieval_scores(feats, crops, np.array([0]), np.array([1, 2, 3, 4, 5]))
    assert s.rank1 == 0.0 and s.rank5 == 1.0 and s.mAP == pytest.approx(0.5)
    # Junk: gallery crops of the same identity fewer than 2 frames away (crop 1) are ignored.
    s = retrieval_scores(feats, crops, np.array([0]), np.array([1, 2, 3, 4, 5]), junk_frames=2)
    assert s.mAP == pytest.approx(1 / 3)  # only crop 2 left, ranked third (after 3 and 4)
    q, g = query_gallery_split(crops, queries_per_identity=5, seed=0)
    assert set(q).isdisjoint(g) and len(q) == 3  # a: 2 queries (one stays in the gallery), b: 1


# --------------------------------------------------------------------------------------------- training


@pytest.fixture
def torch(torch_one_thread):
    """The training tests' name for conftest's one-thread torch."""
    return torch_one_thread


def small_config(**overrides):
    from trackbench.harness.training.reid.train import TrainConfig

    base = dict(epochs=3, batch_size=32, device="cpu", input_size=64, channels=(8, 16, 32, 64), steps_per_epoch=10, seed=0)
    base.update(overrides)
    return TrainConfig(**base)


def test_training_improves_rank1_over_the_untrained_network_and_is_seeded(torch):
    from trackbench.harness.training.reid.train import train_siamese

    train, held = split_identities(figure_crops(30, 6), 0.5, seed=0)
    first = train_siamese(train, small_config(), held_out=held)
    assert first.before.queries == first.after.queries == 75
    assert first.after.rank1 >= first.before.rank1 + 0.1
    assert first.after.mAP > first.before.mAP
    assert first.history[-1]["loss"] < first.history[0]["loss"]
    second = train_siamese(train, small_config(epochs=1), held_out=None)
    third = train_siamese(train, small_config(epochs=1), held_out=None)
    assert second.history[0]["loss"] == third.history[0]["loss"]
    for a, b in zip(second.model.state_dict().values(), third.model.state_dict().values()):
        assert torch.equal(a, b)


def test_random_mining_trains_too(torch):
    from trackbench.harness.training.reid.train import train_siamese

    train, held = split_identities(figure_crops(12, 4), 0.25, seed=0)
    result = train_siamese(train, small_config(epochs=1, steps_per_epoch=3, mining="random", batch_size=16), held_out=held)
    assert np.isfinite(result.history[0]["loss"]) and result.after is not None


def test_train_config_is_validated(torch):
    from trackbench.harness.training.reid.train import TrainConfig

    with pytest.raises(ValueError, match="mining"):
        TrainConfig(mining="semi")
    with pytest.raises(ValueError, match="crops_per_identity"):
        TrainConfig(crops_per_identity=1)


def test_bench_train_reid_on_a_crops_folder(tmp_path, torch):
    from typer.testing import CliRunner

    from trackbench.harness.cli import app
    from trackbench.trackers.embedders import create_embedder

    write_crop_folder(figure_crops(10, 4, seed=5), tmp_path / "data" / "crops")
    write_crop_folder(figure_crops(4, 3, seed=6), tmp_path / "data" / "crops_test")
    out = tmp_path / "model.pt"
    result = CliRunner().invoke(app, [
        "train-reid", "--crops", str(tmp_path / "data"), "--out", str(out), "--epochs", "1", "--batch-size", "16",
        "--device", "cpu", "--seed", "3", "--val-fraction", "0.2", "--threads", "1",
    ])
    assert result.exit_code == 0, result.output
    assert "crops_test" in result.output and "checkpoint:" in result.output
    emb = create_embedder(f"siamese:{out}", device="cpu")
    meta = emb.metadata
    assert meta["config"]["seed"] == 3 and meta["config"]["epochs"] == 1
    assert meta["train_identities"] == 8 and meta["held_out_identities"] == 2
    assert set(meta["tests"]["crops_test"]) == {"untrained", "trained"}
    assert meta["command"].startswith("bench ")  # the command line is recorded
    v = emb.embed_crops(figure_crops(2, 1, seed=9).images)
    assert v.shape == (2, 1024)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    # The command also wrote the same network as ONNX beside the checkpoint: same vectors without torch.
    pytest.importorskip("onnx", reason="ONNX export needs the onnx package")
    assert (tmp_path / "model.onnx").is_file()
    w = create_embedder(f"onnx:{tmp_path / 'model.onnx'}", device="cpu").embed_crops(figure_crops(2, 1, seed=9).images)
    np.testing.assert_allclose(w, v, atol=1e-5)


def test_bench_train_reid_reports_bad_input(tmp_path, torch):
    from typer.testing import CliRunner

    from trackbench.harness.cli import app

    result = CliRunner().invoke(app, ["train-reid", "--crops", str(tmp_path / "nothing"), "--out", str(tmp_path / "m.pt")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    result = CliRunner().invoke(app, ["train-reid", "-d", "synth", "-s", "synth-99", "--out", str(tmp_path / "m.pt")])
    assert result.exit_code == 2 and "synth-99" in result.output


def test_train_reid_on_real_mot17_crops(shared_data, tmp_path, torch):
    """Crops from real MOT17 frames (mot17-mini), a few training steps, the checkpoint loads."""
    from trackbench.harness.cli.train_reid import TrainReidRequest, train_reid

    root = shared_data / "mot17-mini"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    request = TrainReidRequest(datasets=[f"mot17={root}"], sequences=["MOT17-05", "MOT17-09"], out=tmp_path / "m.pt",
                               epochs=1, batch_size=16, device="cpu", every=2, val_fraction=0.2, command="test")
    outcome = train_reid(request)
    meta = outcome.metadata
    assert meta["sources"] == ["mot17/MOT17-05-FRCNN", "mot17/MOT17-09-FRCNN"]
    assert meta["train_identities"] >= 5 and outcome.checkpoint.is_file()
