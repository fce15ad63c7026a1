"""Trained checkpoints → ONNX files that trackbench runs with onnxruntime, without torch.

Both training commands call this after saving their checkpoint (``bench
train-reid`` → ``<out>.onnx`` beside ``<out>.pt``, the same for ``bench
train-rolo``), and ``bench export-onnx CHECKPOINT`` converts an existing one
(the shipped ``.onnx`` files were made that way from the shipped ``.pt`` files).

**Exporter.** torch's TorchScript-based exporter (``torch.onnx.export(...,
dynamo=False)``): it needs only the ``onnx`` package beside torch, where the
``torch.export``-based default also needs ``onnxscript`` (and its own
dependencies); both belong to the training side (the ``torch`` extra), never
to the base install.  Opset :data:`OPSET` (onnxruntime ≥ 1.14 runs it), a
dynamic batch axis on every input and output, constant folding on.

**Metadata.** What inference needs besides the graph travels inside the file as
``metadata_props`` under the key :data:`METADATA_KEY` (a JSON object; read with
onnxruntime's ``custom_metadata_map``, so reading needs no ``onnx`` package):
for ROLO the checkpoint's tag, model shape, window length, normalisation and
embedder (everything but the tensors); for the re-id network its tag, config,
input size and preprocessing.  ``source_sha256`` names the checkpoint it came
from.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from pathlib import Path
from typing import Any

import torch

from trackbench.io.atomic import atomic_path
from trackbench.trackers.core.ort_session import METADATA_KEY

OPSET = 17
#: Tensor-valued entries of a checkpoint: the graph holds them, the metadata does not.
_TENSORS = ("model_state", "best_state", "optimizer_state", "state_dict")


def onnx_path_for(checkpoint: str | Path) -> Path:
    """Where a checkpoint's ONNX file goes: beside it, same name, ``.onnx``."""
    return Path(checkpoint).expanduser().with_suffix(".onnx")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _export(model: torch.nn.Module, example: torch.Tensor, input_name: str, output_name: str,
            metadata: dict[str, Any], out: str | Path) -> Path:
    """Export ``model`` (eval mode, CPU, float32) with a dynamic batch axis and ``metadata``; write ``out`` atomically."""
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install onnx "
                          "(part of trackbench's torch extra)") from None
    model = model.eval().float().cpu()
    buffer = io.BytesIO()
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        # The TorchScript exporter is chosen on purpose (module docstring), and its note that an LSTM
        # exported at batch 2 "may fail" at other sizes is checked by the tests at 1..n rows.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)  # LSTM shape checks traced as constants: T is fixed
        torch.onnx.export(model, (example,), buffer, dynamo=False, opset_version=OPSET, do_constant_folding=True,
                          input_names=[input_name], output_names=[output_name],
                          dynamic_axes={input_name: {0: "batch"}, output_name: {0: "batch"}})
    proto = onnx.load_from_string(buffer.getvalue())
    proto.producer_name = "trackbench"
    entry = proto.metadata_props.add()
    entry.key = METADATA_KEY
    entry.value = json.dumps(metadata, sort_keys=True, allow_nan=True)
    onnx.checker.check_model(proto)
    out = Path(out).expanduser()
    with atomic_path(out, suffix=".onnx") as tmp:
        Path(tmp).write_bytes(proto.SerializeToString())
    return out


def export_siamese(checkpoint: str | Path, out: str | Path | None = None) -> Path:
    """A ``bench train-reid`` checkpoint → ONNX (input ``crops`` (N, 3, S, S) normalised RGB, output ``embedding``)."""
    from trackbench.trackers.embedders import siamese

    checkpoint = Path(checkpoint).expanduser()
    model, _ = siamese.load_checkpoint(checkpoint)
    size = int(model.config["size"])
    metadata = {"format": siamese.FORMAT, "version": siamese.VERSION, "config": model.config,
                "input": {"layout": "NCHW", "size": [size, size], "channels": "RGB", "scale": "1/255",
                          "mean": list(siamese.IMAGENET_MEAN), "std": list(siamese.IMAGENET_STD)},
                "source": checkpoint.name, "source_sha256": _sha256(checkpoint)}
    return _export(model, torch.zeros(2, 3, size, size), "crops", "embedding", metadata,
                   out or onnx_path_for(checkpoint))


def export_rolo(checkpoint: str | Path, out: str | Path | None = None) -> Path:
    """A ``bench train-rolo`` checkpoint's best weights → ONNX (input ``windows`` (K, T, F), output ``boxes`` (K, 8))."""
    from trackbench.trackers.rolo.checkpoint import build_model, load_checkpoint

    checkpoint = Path(checkpoint).expanduser()
    payload = load_checkpoint(checkpoint)
    net = build_model(payload)
    state = payload["best_state"] if payload.get("best_state") is not None else payload["model_state"]
    net.load_state_dict(state)
    steps = int(payload["model"]["steps"])
    metadata = {k: v for k, v in payload.items() if k not in _TENSORS}
    metadata.update(source=checkpoint.name, source_sha256=_sha256(checkpoint))
    return _export(net, torch.zeros(2, steps, net.input_dim), "windows", "boxes", metadata,
                   out or onnx_path_for(checkpoint))


def export_checkpoint(checkpoint: str | Path, out: str | Path | None = None) -> Path:
    """Any trackbench checkpoint (siamese re-id or ROLO, told apart by its tag) → ONNX; returns the file written."""
    from trackbench.trackers.embedders import siamese
    from trackbench.trackers.rolo.checkpoint import FORMAT as ROLO_FORMAT

    checkpoint = Path(checkpoint).expanduser()
    if not checkpoint.is_file():
        raise FileNotFoundError(f"no checkpoint at {checkpoint}")
    out = Path(out).expanduser() if out is not None else onnx_path_for(checkpoint)
    if out.resolve() == checkpoint.resolve():
        raise ValueError(f"the ONNX file would overwrite its checkpoint {checkpoint}: give the checkpoint a .pt name "
                         "or pass --out")
    try:
        payload = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle errors, truncated files, not a dict
        raise ValueError(f"{checkpoint} is not a readable trackbench checkpoint ({type(exc).__name__})") from None
    tag = payload.get("format") if isinstance(payload, dict) else None
    if tag == siamese.FORMAT:
        return export_siamese(checkpoint, out)
    if tag == ROLO_FORMAT:
        return export_rolo(checkpoint, out)
    raise ValueError(f"{checkpoint} is not a trackbench re-id or ROLO checkpoint (format {tag!r}); "
                     "it comes from `bench train-reid` or `bench train-rolo`")
