"""ROLO: next-frame box prediction of the LSTM vs constant-velocity Kalman filters, and tracker metrics.

Run (from the checkout, ``../shared`` beside it)::

    .venv/bin/python benchmarks/rolo_eval.py                       # trains the MOT17 model first (CPU)
    .venv/bin/python benchmarks/rolo_eval.py --checkpoint rolo_mot17.pt --out results/rolo-eval
    .venv/bin/python benchmarks/rolo_eval.py --leave-one-out --out results/rolo-loo   # see 4.
    .venv/bin/python benchmarks/rolo_eval.py --fair --out results/rolo-fair          # see 5. (README's table)

1. **Training** (skipped with ``--checkpoint``): the same as
   ``bench train-rolo --dataset mot17 --data-root ../shared/data/mot17/train
   --val-sequences MOT17-05 --out <out>/rolo_mot17.pt`` (box only: MOT17 train
   has no images, so no appearance); wall time and checkpoint size are reported.

2. **Prediction** on the held-out MOT17-05 (FRCNN public detections): every gt
   pedestrian track is a :class:`~trackbench.harness.training.rolo.data.Trajectory` whose
   observation at each frame is the detection matched to it (IoU >= 0.5) or
   nothing (a real missing step).  At every frame ``t`` each method, having seen
   the observations up to ``t``, predicts the box at ``t + 1``; the score is the
   IoU with the gt box at ``t + 1``, overall and by the number of consecutive
   missing observations just before the predicted frame (0 = observed at ``t``).

   - ``lstm``: the checkpoint's model on the last ``T`` steps (the tracker's path).
   - ``kalman-sort``: :mod:`trackbench.trackers.core.kalman` with SORT's (u, v, s, r) state
     and noise (``trackers/sort/tracker.py``, abewley/sort's values): updated on
     observed frames, predict-only on missing ones, started at a track's first
     observation with zero velocity.
   - ``kalman-deepsort``: the same filter with Deep SORT's (u, v, a, h) state and
     height-proportional noise (``trackers/core/deepsort_motion.py``, nwojke/deep_sort's
     values: position weight 1/20, velocity weight 1/160).
   - ``last-box``: the last observed box, unchanged (the zero-motion floor).

   Every method is scored on the same (track, frame) pairs: those where the gt
   box at ``t + 1`` exists and an observation lies in the LSTM's window (a gap
   shorter than ``T``).  A second table adds seeded artificial dropouts (runs
   of 1-5 frames starting at 10 % of frames), identical for all methods, so
   the gap buckets hold more samples.

3. **Tracker metrics** through ``harness.run_command.execute``: ``rolo``
   (shipped checkpoint and the MOT17 checkpoint), ``sort`` and, when
   registered, ``deepsort`` on PETS09-S2L1 (MOT15) and the five MOT17 training
   sequences.  Only MOT17-05 is unseen by the MOT17 checkpoint; its numbers on
   the other four are on training data and are marked so.  Deep SORT needs
   appearance: on PETS09 its default embedder runs on the frames, on MOT17 only
   MOT17-05 has (precomputed) vectors; the others are box-only and skipped.

4. ``--leave-one-out``: the shipped checkpoint is trained on all five MOT17
   train sequences, so no MOT17 sequence is unseen by it.  Instead, for each
   sequence a model is trained with the shipped checkpoint's settings on the
   other four (+ the same synthetic augmentation; ``--epochs`` short) and
   ``rolo`` (Kalman guard on and off) is scored against SORT on the held-out
   sequence; PETS09-S2L1 (never trained on) is scored with the shipped
   checkpoint itself (and any ``--compare LABEL=CKPT``).

5. ``--fair``: README's table.  ``rolo`` keeps a track while its window holds a
   detection (``max_age`` T - 1 = 9 frames with the shipped checkpoint), SORT's
   reference setting keeps it 1 frame, so part of any lead is the life cycle,
   not the motion model.  This mode scores, with the shipped checkpoint on
   PETS09-S2L1 and the five MOT17 train sequences (FRCNN public detections;
   the MOT17 rows are *not* held out: the shipped checkpoint trained on them):
   ``rolo`` (LSTM, Kalman guard on), the ablations ``predictor=line`` (the
   straight-line prior the LSTM corrects, guarded) and ``predictor=kalman`` (the
   guard's Kalman filter alone), ``rolo`` with ``kalman_guard=false``, ``sort``
   with ``max_age`` equal to rolo's, and ``sort`` as the reference runs it
   (``max_age=1``).  Cells are MOTA / IDF1 / HOTA; the last row combines the
   five MOT17 sequences from summed counts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from trackbench.trackers.core import kalman  # noqa: E402
from trackbench.harness.training.rolo.data import Trajectory, sample_windows, with_dropouts  # noqa: E402
from trackbench.datasets.boxes import paired_iou  # noqa: E402
from trackbench.trackers.core import sort_motion  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
GAP_BUCKETS = 5



# --- predictors: each returns (n_traj) arrays of shape (L, 4): box predicted at t for t + 1 -------


def _stack(trajs: list[Trajectory]) -> tuple[np.ndarray, np.ndarray, int]:
    """Observations padded to (K, L_max, 4) and observed flags (K, L_max)."""
    lmax = max(len(t) for t in trajs)
    obs = np.full((len(trajs), lmax, 4), np.nan)
    for i, t in enumerate(trajs):
        obs[i, : len(t)] = t.obs
    return obs, np.isfinite(obs).all(axis=2), lmax


@dataclass(frozen=True)
class MotionModel:
    """What differs between SORT's and Deep SORT's filters; the roll-out below is shared."""

    measure: Callable[[np.ndarray], np.ndarray]  # boxes -> measurements z
    initial: Callable[[np.ndarray], tuple]  # z -> (var_pos, var_vel)
    measurement_noise: Callable[[np.ndarray], np.ndarray]  # states -> R
    process_noise: Callable[[np.ndarray], tuple]  # states -> (q_pos, q_vel)
    boxes: Callable[[np.ndarray], np.ndarray]  # states -> boxes
    before_predict: Callable[[np.ndarray], None] | None = None  # in place on the states (SORT: the area clamp)


def kalman_rollout(trajs: list[Trajectory], model: MotionModel) -> np.ndarray:
    """Run one filter per trajectory, all at once: update on observed steps, predict every step."""
    obs, seen, lmax = _stack(trajs)
    k = len(trajs)
    x = np.zeros((k, 8))
    P = np.zeros((k, 3, 4))
    started = np.zeros(k, bool)
    pred = np.full((k, lmax, 4), np.nan)
    for t in range(lmax):
        o = seen[:, t]
        upd = o & started
        if upd.any():
            x[upd], P[upd] = kalman.update(x[upd], P[upd], model.measure(obs[upd, t]), model.measurement_noise(x[upd]))
        new = o & ~started
        if new.any():
            z = model.measure(obs[new, t])
            x[new], P[new] = kalman.initiate(z, *model.initial(z))
            started |= new
        s = started
        xs = x[s]
        if model.before_predict is not None:
            model.before_predict(xs)
        x[s], P[s] = kalman.predict(xs, P[s], *model.process_noise(xs))
        with np.errstate(invalid="ignore"):
            pred[s, t] = model.boxes(x[s])
    return pred


def kalman_sort(trajs: list[Trajectory]) -> np.ndarray:
    """SORT's filter (u, v, s, r) with its constant noise."""
    m = sort_motion
    model = MotionModel(m.boxes_to_z, lambda z: (m.P0_POS, m.P0_VEL), lambda x: m.R, lambda x: (m.Q_POS, m.Q_VEL),
                        m.x_to_boxes, before_predict=m.clamp_area_velocity)
    return kalman_rollout(trajs, model)


def kalman_deepsort(trajs: list[Trajectory]) -> np.ndarray:
    """Deep SORT's filter (u, v, a, h), height-proportional noise (trackers.core.deepsort_motion)."""
    from trackbench.trackers.core import deepsort_motion as motion

    model = MotionModel(motion.boxes_to_xyah, motion.initial_variance, motion.measurement_noise,
                        motion.process_noise, motion.xyah_to_boxes)
    return kalman_rollout(trajs, model)


def last_box(trajs: list[Trajectory]) -> np.ndarray:
    obs, seen, lmax = _stack(trajs)
    pred = np.full_like(obs, np.nan)
    for i in range(len(trajs)):
        last = np.full(4, np.nan)
        for t in range(len(trajs[i])):
            if seen[i, t]:
                last = obs[i, t]
            pred[i, t] = last
    return pred


def compare(trajs: list[Trajectory], checkpoint: str) -> dict[str, dict[str, tuple[float, int]]]:
    """IoU with the next gt box per method, overall and by gap length (see module docstring)."""
    from trackbench.harness.training.rolo.train import predict_windows
    from trackbench.trackers.core.device import resolve_device
    from trackbench.trackers.rolo.checkpoint import build_model, load_checkpoint
    from trackbench.trackers.rolo.model import Normalisation, decode_boxes

    ckpt = load_checkpoint(checkpoint)
    steps = int(ckpt["model"]["steps"])
    model = build_model(ckpt)
    model.load_state_dict(ckpt["best_state"])
    norm = Normalisation.from_dict(ckpt["normalisation"])
    win = sample_windows(trajs, steps, None, 0.0)
    nxt, _, _ = predict_windows(model, win, norm, resolve_device("cpu"))
    assert win.track is not None and win.step is not None
    truth = win.next_gt
    gap = win.gap
    enc, _ = win.encode(norm)
    line, _ = decode_boxes(np.zeros((len(win), 8)), enc, Normalisation())  # the window's straight line alone
    methods = {"lstm": nxt, "window-line": line}
    for name, fn in (("kalman-sort", kalman_sort), ("kalman-deepsort", kalman_deepsort), ("last-box", last_box)):
        methods[name] = fn(trajs)[win.track, win.step]
    ok = np.all([np.isfinite(p).all(axis=1) for p in methods.values()], axis=0)
    out = {}
    for name, pred in methods.items():
        out[name] = ious_by_gap(pred[ok], truth[ok], gap[ok])
    return out


def ious_by_gap(pred: np.ndarray, truth: np.ndarray, gap: np.ndarray) -> dict[str, tuple[float, int]]:
    iou = paired_iou(pred, truth)
    out = {"all": (float(iou.mean()), len(iou))}
    for g in range(GAP_BUCKETS + 1):
        sel = gap == g
        out[str(g)] = (float(iou[sel].mean()) if sel.any() else float("nan"), int(sel.sum()))
    sel = gap > GAP_BUCKETS
    out[f">{GAP_BUCKETS}"] = (float(iou[sel].mean()) if sel.any() else float("nan"), int(sel.sum()))
    return out


def iou_table(result: dict[str, dict[str, tuple[float, int]]]) -> str:
    cols = list(next(iter(result.values())))
    lines = ["| method | " + " | ".join(f"gap {c}" if c != "all" else "all" for c in cols) + " |",
             "|---|" + "---|" * len(cols)]
    counts = next(iter(result.values()))
    lines.append("| (pairs) | " + " | ".join(str(counts[c][1]) for c in cols) + " |")
    for name, row in result.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[c][0]:.3f}" for c in cols) + " |")
    return "\n".join(lines)


# --- tracker metrics -----------------------------------------------------------------------------


def tracker_table(checkpoint: str, shared: Path, results: Path) -> tuple[str, str]:
    """(overall markdown, per-sequence markdown) for PETS09-S2L1 and the MOT17 sequences."""
    from trackbench import trackers as registry
    from trackbench.harness.cli.run import RunRequest, execute
    from trackbench.harness.runs.runner import Variant

    cols = ["HOTA", "MOTA", "IDF1", "IDsw", "FP", "FN", "Hz"]
    have_deepsort = "deepsort" in registry.available()
    overall_parts, per_seq_parts = [], []
    runs = [
        ("mot15", shared / "mot15", ["PETS09-S2L1"], []),
        ("mot17", shared / "mot17" / "train", None,
         [("embedder", "precomputed"), ("features", str(shared / "mot17-features"))]),
    ]
    for dataset, root, seqs, ds_params in runs:
        variants = [Variant("rolo", (), "rolo (shipped ckpt)"),
                    Variant("rolo", (("checkpoint", checkpoint),), "rolo (MOT17 ckpt)"),
                    Variant("sort", (), "sort")]
        if have_deepsort:
            variants.append(Variant("deepsort", tuple(ds_params), "deepsort"))
        outcome = execute(RunRequest(dataset=dataset, data_root=root, sequences=seqs, variants=variants,
                                     results=results, name=f"rolo-eval-{dataset}"))
        overall = outcome.overall[[c for c in cols if c in outcome.overall.columns]].copy()
        ran: dict[str, list[str]] = {}
        for u in outcome.units:
            if not u.skipped:
                ran.setdefault(u.variant, []).append(u.sequence.split("-FRCNN")[0])
        label = "PETS09-S2L1" if dataset == "mot15" else "MOT17 (all 5 train seqs)"
        total = max(len(v) for v in ran.values())
        overall.insert(0, "data", [label if len(ran.get(v, [])) == total else f"only {', '.join(ran.get(v, []))}"
                                   for v in overall.index])
        overall_parts.append(overall)
        if dataset == "mot17":
            per_seq_parts.append(outcome.per_sequence[[c for c in cols if c in outcome.per_sequence.columns]])
        for note in outcome.notes:
            print(f"note ({dataset}): {note}", file=sys.stderr)
    import pandas as pd

    fmt = lambda df: df.to_markdown(floatfmt=".1f")  # noqa: E731
    return fmt(pd.concat(overall_parts)), fmt(pd.concat(per_seq_parts)) if per_seq_parts else ""


# --- leave-one-out: each MOT17 sequence scored by a model that never saw it ----------------------

MOT17_SEQUENCES = ["MOT17-02-FRCNN", "MOT17-04-FRCNN", "MOT17-05-FRCNN", "MOT17-10-FRCNN", "MOT17-11-FRCNN"]
METRICS = ["MOTA", "IDF1", "HOTA", "IDsw"]


def loo_config(shared: Path, train_on: list[str], epochs: int, augment: int):
    """The shipped checkpoint's training settings, on ``train_on`` only (see trackers/rolo/checkpoints/README.md)."""
    from trackbench.harness.training.rolo.train import TrainConfig

    return TrainConfig(dataset="mot17", data_root=str(shared / "mot17" / "train"), sequences=train_on,
                       augment_synth=augment, synth_seed=1, epochs=epochs, seed=0, threads=1, device="cpu",
                       resumable=False)


def score(dataset: str, root: Path, seqs: list[str], variants: list, results: Path, name: str):
    from trackbench.harness.cli.run import RunRequest, execute

    outcome = execute(RunRequest(dataset=dataset, data_root=root, sequences=seqs, variants=variants,
                                 results=results, name=name))
    return outcome.overall[METRICS]


def leave_one_out(shared: Path, out: Path, held: list[str], epochs: int, augment: int) -> list[str]:
    """Train one model per held-out sequence (on the other four + synth), then rolo vs SORT on it."""
    from trackbench.harness.runs.runner import Variant
    from trackbench.harness.training.rolo.train import train

    lines = []
    for seq in held:
        ckpt = out / f"rolo_loo_{seq.split('-FRCNN')[0]}.pt"
        t0 = time.perf_counter()
        if not ckpt.is_file():
            train(loo_config(shared, [s for s in MOT17_SEQUENCES if s != seq], epochs, augment), ckpt)
        wall = time.perf_counter() - t0
        table = score("mot17", shared / "mot17" / "train", [seq],
                      [Variant("rolo", (("checkpoint", str(ckpt)),), "rolo"),
                       Variant("rolo", (("checkpoint", str(ckpt)), ("kalman_guard", "false")), "rolo, no guard"),
                       Variant("sort", (), "sort")], out / "runs", f"loo-{seq}")
        for variant, row in table.iterrows():
            lines.append(f"| {seq} | {variant} | " + " | ".join(f"{row[m]:.1f}" if m != "IDsw" else f"{int(row[m])}"
                                                            for m in METRICS) + f" | {wall:.0f} s |")
        print("\n".join(lines[-3:]), flush=True)
    return lines


def pets_rows(shared: Path, out: Path, checkpoints: list[tuple[str, str]]) -> list[str]:
    """rolo (each checkpoint, guard on; the first also without) and SORT on PETS09-S2L1."""
    from trackbench.harness.runs.runner import Variant

    variants = [Variant("rolo", (("checkpoint", c),), f"rolo ({label})") for label, c in checkpoints]
    label, first = checkpoints[0]
    variants += [Variant("rolo", (("checkpoint", first), ("kalman_guard", "false")), f"rolo ({label}), no guard"),
                 Variant("sort", (), "sort")]
    table = score("mot15", shared / "mot15", ["PETS09-S2L1"], variants, out / "runs", "loo-pets")
    return [f"| PETS09-S2L1 | {v} | " + " | ".join(f"{r[m]:.1f}" if m != "IDsw" else f"{int(r[m])}" for m in METRICS)
            + " | |" for v, r in table.iterrows()]


def main_loo(args) -> None:
    from trackbench.trackers.rolo.tracker import DEFAULT_CHECKPOINT

    args.out.mkdir(parents=True, exist_ok=True)
    head = ["| data | tracker | " + " | ".join(METRICS) + " | training |", "|---|---|" + "---|" * (len(METRICS) + 1)]
    rows: list[str] = []
    if not args.skip_pets:
        ckpts = [("shipped", str(DEFAULT_CHECKPOINT))] + [tuple(c.split("=", 1)) for c in args.compare]
        rows += pets_rows(args.shared, args.out, ckpts)
    held = [s for s in MOT17_SEQUENCES if not args.held or any(s.startswith(h) for h in args.held.split(","))]
    rows += leave_one_out(args.shared, args.out, held, args.epochs, args.augment_synth)
    text = "\n".join(head + rows)
    (args.out / f"loo{'-' + args.held.replace(',', '_') if args.held else ''}.md").write_text(text + "\n")
    print(text)


# --- the fair table: same life cycle, and what the learned correction adds ----------------------

FAIR_METRICS = ("MOTA", "IDF1", "HOTA")


def fair_variants(max_age: int) -> list:
    """(label, Variant) of the fair table's columns (module docstring, 5.)."""
    from trackbench.harness.runs.runner import Variant

    return [
        Variant("rolo", (), "rolo"),
        Variant("rolo", (("predictor", "line"),), "rolo, predictor=line"),
        Variant("rolo", (("predictor", "kalman"),), "rolo, predictor=kalman"),
        Variant("rolo", (("kalman_guard", "false"),), "rolo, kalman_guard=false"),
        Variant("sort", (("max_age", str(max_age)),), f"sort, max_age={max_age}"),
        Variant("sort", (), "sort (max_age=1)"),
    ]


def fair_scores(shared: Path, results: Path) -> tuple[list[str], dict[str, dict[str, dict[str, float]]]]:
    """{sequence or 'MOT17 (5 seqs)': {variant label: {metric: value}}} for every fair-table cell."""
    from trackbench.harness.cli.run import RunRequest, execute
    from trackbench.trackers.rolo.inference import DEFAULT_ONNX, load_model

    max_age = load_model(DEFAULT_ONNX, "cpu").steps - 1  # rolo's default: T - 1
    variants = fair_variants(max_age)
    cells: dict[str, dict[str, dict[str, float]]] = {}
    for dataset, root, seqs in (("mot15", shared / "mot15", ["PETS09-S2L1"]),
                                ("mot17", shared / "mot17" / "train", MOT17_SEQUENCES)):
        outcome = execute(RunRequest(dataset=dataset, data_root=root, sequences=seqs, variants=variants,
                                     results=results, name=f"rolo-fair-{dataset}", format="json"))
        for (variant, seq), row in outcome.per_sequence.iterrows():
            cells.setdefault(seq.split("-FRCNN")[0], {})[variant] = {m: float(row[m]) for m in FAIR_METRICS}
        if dataset == "mot17":
            for variant, row in outcome.overall.iterrows():
                cells.setdefault("MOT17 (5 seqs)", {})[variant] = {m: float(row[m]) for m in FAIR_METRICS}
    order = ["PETS09-S2L1", *(s.split("-FRCNN")[0] for s in MOT17_SEQUENCES), "MOT17 (5 seqs)"]
    return [v.label for v in variants], {seq: cells[seq] for seq in order}


def fair_table(labels: list[str], cells: dict[str, dict[str, dict[str, float]]]) -> str:
    """Markdown: one row per sequence, one column per variant, cells MOTA / IDF1 / HOTA."""
    lines = ["| sequence | " + " | ".join(f"`{label}`" for label in labels) + " |",
             "|---|" + "---|" * len(labels)]
    for seq, row in cells.items():
        lines.append(f"| {seq} | " + " | ".join(" / ".join(f"{row[v][m]:.1f}" for m in FAIR_METRICS)
                                                 for v in labels) + " |")
    return "\n".join(lines)


def main_fair(args) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    labels, cells = fair_scores(args.shared, args.out / "runs")
    text = fair_table(labels, cells)
    (args.out / "fair.md").write_text(text + "\n")
    (args.out / "fair.json").write_text(json.dumps(cells, indent=1))
    print(text)


# --- main ----------------------------------------------------------------------------------------


def train_mot17(shared: Path, out: Path) -> tuple[float, list[str]]:
    """Run `bench train-rolo` on MOT17 train minus MOT17-05 (the CLI itself, in a subprocess)."""
    import subprocess

    cmd = [sys.executable, "-m", "trackbench", "train-rolo", "--dataset", "mot17",
           "--data-root", str(shared / "mot17" / "train"), "--val-sequences", "MOT17-05",
           "--device", "cpu", "--out", str(out)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    return time.perf_counter() - t0, cmd


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", help="MOT17-trained checkpoint to evaluate (default: train one first)")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder (default ../shared/data)")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "rolo-eval", help="where tables and runs go")
    ap.add_argument("--skip-trackers", action="store_true", help="only the prediction comparison")
    ap.add_argument("--leave-one-out", action="store_true",
                    help="instead: for each MOT17 sequence train a model on the other four (+ synth, as the shipped "
                         "checkpoint) and score rolo (guard on/off) vs SORT on it; plus PETS09-S2L1 with the shipped one")
    ap.add_argument("--held", default="", help="--leave-one-out: only these held-out sequences (prefixes, comma-separated)")
    ap.add_argument("--epochs", type=int, default=5, help="--leave-one-out: epochs per model")
    ap.add_argument("--augment-synth", type=int, default=6, help="--leave-one-out: synthetic sequences added (seed 1)")
    ap.add_argument("--compare", action="append", default=[], help="--leave-one-out: LABEL=CHECKPOINT also scored on PETS09")
    ap.add_argument("--skip-pets", action="store_true", help="--leave-one-out: skip PETS09-S2L1")
    ap.add_argument("--fair", action="store_true",
                    help="instead: README's table, rolo and its ablations against sort at the same max_age "
                         "(shipped checkpoint; see 5. in the module docstring)")
    args = ap.parse_args(argv)
    if args.fair:
        return main_fair(args)
    if args.leave_one_out:
        return main_loo(args)
    from trackbench.datasets import load_dataset
    from trackbench.harness.training.rolo.data import trajectories
    from trackbench.trackers.rolo.tracker import DEFAULT_CHECKPOINT
    from trackbench.trackers.rolo.checkpoint import load_checkpoint

    if not (args.shared / "mot17" / "train").is_dir():
        raise SystemExit(f"needs the shared data: {args.shared / 'mot17' / 'train'} is absent")
    args.out.mkdir(parents=True, exist_ok=True)
    report: list[str] = ["# ROLO evaluation", ""]
    if args.checkpoint:
        ckpt_path = Path(args.checkpoint)
        wall, cmd = None, None
    else:
        ckpt_path = args.out / "rolo_mot17.pt"
        wall, cmd = train_mot17(args.shared, ckpt_path)
    meta = load_checkpoint(ckpt_path)
    synth = load_checkpoint(DEFAULT_CHECKPOINT)
    report += ["## Training (CPU)", "",
               "| checkpoint | data | epochs (best) | parameters | size | training time | wall time |", "|---|---|---|---|---|---|---|"]
    for name, path, m, w in (("MOT17", ckpt_path, meta, wall), ("synth (shipped)", DEFAULT_CHECKPOINT, synth, None)):
        t = m["training"]
        data = f"{m['data']['dataset']}: {', '.join(m['data']['train_sequences'][:6])}{' …' if len(m['data']['train_sequences']) > 6 else ''} / val {', '.join(m['data']['val_sequences'])}"
        report.append(f"| {name} | {data} | {t['epochs_done']} ({t['best_epoch']}) | {t['parameters']:,} | "
                      f"{Path(path).stat().st_size / 1024:.0f} KiB | {t['seconds']:.0f} s ({t['device']}) | "
                      + (f"{w:.0f} s" if w else "-") + " |")
    if cmd:
        report += ["", "Command: `" + " ".join(Path(c).name if c == sys.executable else c for c in cmd) + "`"]
    report += ["", f"T = {meta['model']['steps']}, hidden = {meta['model']['hidden']}, embedder = {meta['embedder']}", ""]

    seq = load_dataset("mot17", args.shared / "mot17" / "train", ["MOT17-05"])[0]
    trajs = trajectories(seq)
    real = compare(trajs, str(ckpt_path))
    dropped = compare(with_dropouts(trajs, 0.1, 5, seed=0), str(ckpt_path))
    report += ["## Next-frame box IoU on MOT17-05 (held out), real gaps", "", iou_table(real), "",
               "## Same, with extra artificial dropouts (runs of 1-5 frames at 10 % of frames, seed 0)", "",
               iou_table(dropped), ""]
    (args.out / "iou.json").write_text(json.dumps({"real": real, "dropouts": dropped}, indent=1))
    if not args.skip_trackers:
        overall, per_seq = tracker_table(str(ckpt_path), args.shared, args.out / "runs")
        report += ["## Tracker metrics", "", overall, "", "MOT17 per sequence (the MOT17 checkpoint was trained on "
                   "02/04/10/11; only MOT17-05 is unseen):", "", per_seq, ""]
    text = "\n".join(report)
    (args.out / "report.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
