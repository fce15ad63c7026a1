"""The shipped networks on onnxruntime: same numbers and same tracks as under torch, without torch.

``reid`` (Deep SORT's default embedder) and ``rolo``'s default checkpoint run
from ONNX exports of the shipped ``.pt`` files.  Tolerances, stated once here:

- re-id vectors (L2-normalised, 256-d) on real crops: max abs difference
  ≤ 1e-5 per component and cosine ≥ 1 − 1e-6 per crop (measured ~2e-6 and
  ~1e-10: float32 convolutions summed in another order);
- ROLO raw outputs ≤ 1e-5, decoded boxes ≤ 1e-3 px (measured ~1e-6 and ~1e-4 px);
- tracks: identical ids frame by frame; Deep SORT's boxes identical (they are
  the detections' boxes), ROLO's refined boxes within 1e-3 px.
"""

from __future__ import annotations

import ast
import hashlib
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from trackbench import trackers  # noqa: E402
from trackbench.datasets.synth import load_synth  # noqa: E402
from trackbench.trackers.core import ort_session  # noqa: E402
from trackbench.trackers.embedders import check_device, create_embedder  # noqa: E402
from trackbench.trackers.embedders.base import crop_boxes  # noqa: E402
from trackbench.trackers.embedders.shipped import onnx_path, weights_path  # noqa: E402
from trackbench.trackers.rolo import inference  # noqa: E402
from trackbench.trackers.rolo.inference import DEFAULT_CHECKPOINT, DEFAULT_ONNX, load_model  # noqa: E402

VECTOR_ATOL = 1e-5
COSINE_MIN = 1 - 1e-6
ROLO_OUT_ATOL = 1e-5
BOX_ATOL = 1e-3  # pixels

REPO = Path(__file__).resolve().parents[1]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the shipped files -------------------------------------------------------------------------


@pytest.mark.parametrize("onnx_file, pt_file, inp, out, shape", [
    (onnx_path(), weights_path(), "crops", "embedding", ["batch", 3, 64, 64]),
    (DEFAULT_ONNX, DEFAULT_CHECKPOINT, "windows", "boxes", ["batch", 10, 18]),
])
def test_shipped_onnx_files_are_exports_of_the_shipped_checkpoints(onnx_file, pt_file, inp, out, shape):
    session = ort_session.open_session(onnx_file, "cpu")
    (i,), (o,) = session.get_inputs(), session.get_outputs()
    assert (i.name, i.shape, i.type) == (inp, shape, "tensor(float)") and o.name == out and o.shape[0] == "batch"
    meta = ort_session.trackbench_metadata(session)
    assert meta["source"] == pt_file.name and meta["source_sha256"] == _sha256(pt_file)
    readme = (onnx_file.parent / "README.md").read_text()
    assert _sha256(onnx_file) in readme and _sha256(pt_file) in readme  # documented provenance
    onnx = pytest.importorskip("onnx")
    assert {op.domain: op.version for op in onnx.load(str(onnx_file)).opset_import}[""] == 17


def test_session_options_and_providers():
    options = ort_session.session_options()
    assert options.intra_op_num_threads == 1 and options.inter_op_num_threads == 1
    assert ort_session.session_options(threads=3).intra_op_num_threads == 3
    assert ort_session.providers("cpu") == ["CPUExecutionProvider"]
    with pytest.raises(ValueError, match="unknown device"):
        ort_session.providers("tpu")
    if not ort_session.has_cuda():
        assert ort_session.providers("auto") == ["CPUExecutionProvider"]
        with pytest.raises(RuntimeError, match="onnxruntime-gpu"):
            ort_session.providers("cuda")
        with pytest.raises(ValueError, match="no CUDA provider"):
            check_device("reid", "cuda")  # refused before anything runs
    else:
        assert ort_session.providers("auto")[0][0] == "CUDAExecutionProvider"
        assert ort_session.providers("auto", gpu_on_auto=False) == ["CPUExecutionProvider"]


# --- the same numbers --------------------------------------------------------------------------


def _real_or_synthetic_crops(shared_root: Path | None) -> list[np.ndarray]:
    """Ground-truth crops of PETS09-S2L1 frames (real people) when the data is there, else of synthetic frames."""
    from trackbench.datasets import load_dataset

    root = None if shared_root is None else shared_root / "mot15"
    if root is not None and (root / "PETS09-S2L1" / "img1").is_dir():
        seq, frames = load_dataset("mot15", root, ["PETS09-S2L1"])[0], (1, 150, 400, 700)
    else:
        seq, frames = load_synth(sequences=["synth-01"])[0], (1, 40, 80, 120)
    crops = []
    for f in frames:
        gt = seq.ground_truth.ground_truth(f)
        crops += crop_boxes(seq.source.read(f), gt.boxes[gt.considered])
    assert len(crops) >= 12
    return crops


@pytest.fixture(scope="module")
def shared_root() -> Path | None:
    """``../shared/data`` when present (real frames); the tests fall back to synthetic frames without it."""
    shared = REPO.parent / "shared" / "data"
    return shared if shared.is_dir() else None


def test_reid_onnx_and_torch_give_the_same_vectors_on_real_crops(shared_root, torch_one_thread):
    from trackbench.trackers.embedders.siamese import SiameseEmbedder

    crops = _real_or_synthetic_crops(shared_root)
    ort_vectors = create_embedder("reid", device="cpu").embed_crops(crops)
    torch_vectors = SiameseEmbedder.from_checkpoint(weights_path(), device="cpu").embed_crops(crops)
    assert ort_vectors.shape == torch_vectors.shape == (len(crops), 256)
    assert np.abs(ort_vectors - torch_vectors).max() <= VECTOR_ATOL
    assert (np.sum(ort_vectors * torch_vectors, axis=1) >= COSINE_MIN).all()


def _windows(norm, steps: int = 10):
    """Encoded windows of real-looking tracks: the synthetic set's gt tracks with gaps, all batch sizes."""
    from trackbench.harness.training.rolo.data import sample_windows, trajectories

    trajs = [t for s in load_synth(sequences=["synth-02"]) for t in trajectories(s)]
    windows = sample_windows(trajs, steps, np.random.default_rng(0), 0.2, 4)
    enc, _ = windows.encode(norm)
    return enc


def test_rolo_onnx_gives_the_torch_and_numpy_outputs(torch_one_thread):
    from trackbench.trackers.rolo.checkpoint import build_model, load_checkpoint
    from trackbench.trackers.rolo.model import decode_boxes

    onnx_model, numpy_model = load_model(DEFAULT_ONNX, "cpu"), load_model(DEFAULT_CHECKPOINT, "cpu")
    payload = load_checkpoint(DEFAULT_CHECKPOINT)
    net = build_model(payload)
    net.load_state_dict(payload["best_state"])
    net.eval()
    assert onnx_model.steps == numpy_model.steps and onnx_model.norm == numpy_model.norm
    enc = _windows(onnx_model.norm)
    for rows in (slice(0, 1), slice(0, 7), slice(0, len(enc.x))):  # the batch axis is dynamic
        x = enc.x[rows]
        got = onnx_model.forward(x)
        with torch_one_thread.no_grad():
            want = net(torch_one_thread.from_numpy(x)).numpy()
        np.testing.assert_allclose(got, want, atol=ROLO_OUT_ATOL, rtol=0)
        np.testing.assert_allclose(got, numpy_model.forward(x), atol=ROLO_OUT_ATOL, rtol=0)
    for a, b in zip(decode_boxes(onnx_model.forward(enc.x), enc, onnx_model.norm),
                    decode_boxes(numpy_model.forward(enc.x), enc, numpy_model.norm)):
        np.testing.assert_allclose(a, b, atol=BOX_ATOL, rtol=0)


# --- the same tracks ---------------------------------------------------------------------------


def _track(tracker, seq, frames: int | None = None, images: bool = False, embedder=None):
    """(frame, ids, boxes) per frame of ``tracker`` over ``seq`` (vectors from ``embedder`` when given)."""
    from trackbench.datasets.sequence import Detections

    tracker.reset(seq.info)
    out = []
    for f in range(1, (frames or seq.info.length) + 1):
        dets = seq.detections.detections(f)
        if embedder is not None:
            image = seq.source.read(f)
            dets = Detections(dets.boxes, dets.scores, embedder.embed(image, dets.boxes))
        result = tracker.update(None, dets)
        out.append((f, result.ids.copy(), result.boxes.copy()))
    return out


def _assert_same_tracks(a, b, atol: float) -> None:
    assert len(a) == len(b)
    for (f, ids_a, boxes_a), (_, ids_b, boxes_b) in zip(a, b):
        np.testing.assert_array_equal(ids_a, ids_b, err_msg=f"frame {f}")
        np.testing.assert_allclose(boxes_a, boxes_b, atol=atol, rtol=0, err_msg=f"frame {f}")


@pytest.mark.slow
def test_deepsort_tracks_are_the_same_on_onnx_and_torch(shared_root, torch_one_thread):
    """Deep SORT with ``reid`` (onnxruntime) and with the same weights under torch (``siamese:<.pt>``)."""
    from trackbench.datasets import load_dataset

    if shared_root is not None and (shared_root / "mot15" / "PETS09-S2L1" / "img1").is_dir():
        seq, frames = load_dataset("mot15", shared_root / "mot15", ["PETS09-S2L1"])[0], 300
    else:
        seq, frames = load_synth(sequences=["synth-01"])[0], None
    runs = [_track(trackers.create("deepsort"), seq, frames, embedder=create_embedder(spec, device="cpu"))
            for spec in ("reid", f"siamese:{weights_path()}")]
    _assert_same_tracks(*runs, atol=0.0)
    assert sum(len(ids) for _, ids, _ in runs[0]) > 500  # many reported boxes, not a trivial agreement


@pytest.mark.slow
def test_rolo_tracks_are_the_same_on_onnx_and_torch(shared_root):
    """rolo's default (onnxruntime) and ``checkpoint=<the shipped .pt>`` (torch's file, run by torch) on MOT17-05."""
    pytest.importorskip("torch")
    from trackbench.datasets import load_dataset

    root = None if shared_root is None else shared_root / "mot17" / "train"
    if root is not None and (root / "MOT17-05-FRCNN").is_dir():
        seq = load_dataset("mot17", root, ["MOT17-05"])[0]
    else:
        seq = load_synth(sequences=["synth-02"])[0]
    onnx_run = _track(trackers.create("rolo"), seq)
    torch_run = _track(trackers.create("rolo", {"checkpoint": str(DEFAULT_CHECKPOINT)}), seq)
    _assert_same_tracks(onnx_run, torch_run, atol=BOX_ATOL)
    assert sum(len(ids) for _, ids, _ in onnx_run) > 1000


# --- torch is not needed (and its absence is explained) -----------------------------------------


def test_rolo_default_runs_and_a_pt_checkpoint_says_why_not_without_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # any import of torch now fails, as without it
    monkeypatch.setattr(inference, "_CACHE", {})
    seq = load_synth(sequences=["synth-01"])[0]
    out = _track(trackers.create("rolo"), seq, 30)
    assert sum(len(ids) for _, ids, _ in out) > 50
    tracker = trackers.create("rolo", {"checkpoint": str(DEFAULT_CHECKPOINT)})
    reason = tracker.check_sequence(False, False)
    assert reason and "\n" not in reason and "pip install torch" in reason and "export-onnx" in reason


# --- the training commands write the export --------------------------------------------------------


def test_train_rolo_writes_the_onnx_export_of_its_checkpoint(tmp_path, torch_one_thread):
    pytest.importorskip("onnx")
    from trackbench.harness.training.rolo.train import TrainConfig, train

    out = tmp_path / "tiny.pt"
    result = train(TrainConfig(dataset="synth", sequences=["synth-01"], val_sequences=["synth-02"], hidden=8,
                               steps=4, epochs=1, strides=(1,), device="cpu", seed=1, resumable=False), out)
    assert result.onnx == tmp_path / "tiny.onnx" and result.onnx.is_file()
    session = ort_session.open_session(result.onnx, "cpu")
    assert ort_session.trackbench_metadata(session)["source_sha256"] == _sha256(out)  # exported from what was saved
    a, b = load_model(result.onnx, "cpu"), load_model(out, "cpu")
    assert (a.steps, a.embedder, a.norm) == (b.steps, b.embedder, b.norm)
    enc = _windows(a.norm, steps=4)
    np.testing.assert_allclose(a.forward(enc.x), b.forward(enc.x), atol=ROLO_OUT_ATOL, rtol=0)
    seq = load_synth(sequences=["synth-03"])[0]
    _assert_same_tracks(_track(trackers.create("rolo", {"checkpoint": str(result.onnx)}), seq, 60),
                        _track(trackers.create("rolo", {"checkpoint": str(out)}), seq, 60), atol=BOX_ATOL)


def test_export_command_converts_and_refuses_other_files(tmp_path, torch_one_thread):
    pytest.importorskip("onnx")
    from typer.testing import CliRunner

    from trackbench.harness.cli import app

    out = tmp_path / "reid.onnx"
    done = CliRunner().invoke(app, ["export-onnx", str(weights_path()), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert out.read_bytes() == onnx_path().read_bytes()  # the documented command remakes the shipped file
    torch_one_thread.save({"format": "other"}, tmp_path / "other.pt")
    bad = CliRunner().invoke(app, ["export-onnx", str(tmp_path / "other.pt")])
    assert bad.exit_code == 2 and "bench train-reid" in bad.output
    same = CliRunner().invoke(app, ["export-onnx", str(DEFAULT_CHECKPOINT), "--out", str(DEFAULT_CHECKPOINT)])
    assert same.exit_code == 2 and "overwrite" in same.output


# --- no import cycles among the model modules -----------------------------------------------------


def _imports(path: Path, package: str) -> set[str]:
    """trackbench modules imported anywhere in ``path`` (function-level imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("trackbench."):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("trackbench."))
    return found


@pytest.mark.parametrize("folder", ["trackers/embedders", "trackers/rolo"])
def test_no_import_cycles(folder):
    modules = {}
    for path in (REPO / folder).glob("*.py"):
        name = "trackbench." + ".".join(path.relative_to(REPO).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    graph = {m: {i for i in _imports(p, m) if i in modules and i != m} for m, p in modules.items()}

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return trail + [start]
                if nxt not in trail:
                    stack.append((nxt, trail + [nxt]))
        return None

    cycles = [c for c in map(cycle_from, graph) if c]
    assert not cycles, " ; ".join(" -> ".join(c) for c in cycles)
