"""The shipped default re-id embedder (``reid``): loads offline, weights only, runs without torch, tells real people apart."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime", reason="the reid embedder runs on onnxruntime")

from trackbench.trackers.embedders import DEFAULT_EMBEDDER, create_embedder  # noqa: E402

# MOT17-mini sequences the shipped weights never saw (see trackers/embedders/weights/README.md).
HELD_OUT = ["MOT17-09-FRCNN", "MOT17-13-FRCNN"]


@pytest.fixture(scope="module")
def reid():
    return create_embedder("reid", device="cpu")


def test_reid_runs_the_shipped_onnx_file(reid):
    from trackbench.trackers.embedders.onnx_model import OnnxEmbedder
    from trackbench.trackers.embedders.shipped import onnx_path

    assert isinstance(reid, OnnxEmbedder) and reid.path == onnx_path() and reid.input_size == (64, 64)
    assert reid.key.startswith("reid-") and reid.providers == ["CPUExecutionProvider"]


def test_reid_is_deep_sorts_default_and_ships_as_plain_weights(reid, torch_one_thread):
    from trackbench.trackers.deepsort.tracker import DeepSortParams
    from trackbench.trackers.embedders.shipped import weights_path
    from trackbench.trackers.embedders.siamese import load_checkpoint

    torch = torch_one_thread
    assert DEFAULT_EMBEDDER == "reid" and DeepSortParams().embedder == "reid"
    path = weights_path()
    payload = torch.load(path, map_location="cpu", weights_only=True)  # no pickled code in the file
    assert set(payload) == {"format", "version", "config", "state_dict", "metadata"}
    assert all(isinstance(v, torch.Tensor) for v in payload["state_dict"].values())
    model, _ = load_checkpoint(path)
    assert 100_000 < sum(p.numel() for p in model.parameters()) < 1_000_000  # a small network
    meta = payload["metadata"]
    assert meta["command"].startswith("bench train-reid") and "PETS09" not in " ".join(meta["sources"])
    assert not any(s.endswith(tuple(HELD_OUT)) for s in meta["sources"])
    for name in ("LICENSE", "README.md"):
        assert (path.parent / name).is_file()
    assert reid.dim == payload["config"]["dim"] == 256
    with pytest.raises(ValueError, match="takes no argument"):
        create_embedder("reid:other.pt")


def test_reid_vectors_are_unit_and_deterministic(reid):
    rng = np.random.default_rng(0)
    crops = [rng.integers(0, 256, (int(rng.integers(30, 150)), int(rng.integers(15, 60)), 3), dtype=np.uint8)
             for _ in range(5)]
    a, b = reid.embed_crops(crops), reid.embed_crops(crops[::-1])[::-1]
    assert a.shape == (5, 256) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(a, b, atol=1e-5)  # a crop's vector does not depend on its batch


@pytest.mark.shared
def test_reid_separates_unseen_real_people_better_than_chance_and_than_untrained(reid, shared_data, torch_one_thread):
    """Retrieval on MOT17-mini identities the weights never saw; adjacent frames are junk (near-duplicates)."""
    from trackbench.datasets import load_dataset
    from trackbench.harness.training.reid.crops import CropRules, crops_from_sequences
    from trackbench.harness.training.reid.evaluate import evaluate_embedder
    from trackbench.trackers.embedders.siamese import SiameseEmbedder, SiameseNet

    root = shared_data / "mot17-mini"
    if not (root / HELD_OUT[0] / "img1").is_dir():
        pytest.skip(f"MOT17-mini frames not available under {root}")
    crops = crops_from_sequences(load_dataset("mot17", root, HELD_OUT), CropRules(every=1))
    assert crops.num_identities >= 15
    trained = evaluate_embedder(reid, crops, junk_frames=2)
    torch_one_thread.manual_seed(0)
    untrained_net = SiameseNet(size=64, channels=(24, 48, 96, 192), dim=256).eval()
    untrained = evaluate_embedder(SiameseEmbedder(untrained_net, device="cpu"), crops, junk_frames=2)
    chance = 1.0 / crops.num_identities
    assert trained.rank1 > 10 * chance
    assert trained.mAP > untrained.mAP
