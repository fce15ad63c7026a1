"""Inspect pages for a run folder (``bench run``/``sweep``) or for ``--gt``/``--results`` folders (``bench eval``).

Per sequence: read each chosen tracker's result file, match it against the
ground truth exactly as the scores do (:mod:`.matching`), derive events and
per-object terms, compare two trackers when there are two, crop images where
the sequence has frames, and write ``<out>/<sequence>.html`` atomically.
With ``--video`` (:mod:`.clips`) the chosen events' clips go to
``<out>/<sequence>.clips/`` first, so the page never references a clip that is
not complete on disk.  ``<out>/index.json`` lists the pages (``bench publish``
links them from ``report.html``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from trackbench.datasets.frames import ImageFolderSource
from trackbench.datasets.motfile import atomic_write_text, read_mot_file
from trackbench.datasets.sequence import EvalSpec, FrameTable
from trackbench.harness.inspect import clips as clip_videos
from trackbench.harness.inspect import crops as crop_images
from trackbench.harness.inspect.diff import compare_events
from trackbench.harness.inspect.events import find_events
from trackbench.harness.inspect.index import INDEX, read_index
from trackbench.harness.inspect.matching import match_sequence
from trackbench.harness.inspect.objects import object_scores
from trackbench.harness.inspect.page import render
from trackbench.harness.inspect.payload import TrackerView, page_data
from trackbench.harness.runs.progress import ProgressReport
from trackbench.io.names import sanitize_component


Progress = Callable[[str], None]


@dataclass(frozen=True)
class SequenceInput:
    """Everything one page needs: gt and scoring rules, each tracker's result, and frames when there are any."""

    name: str
    gt: FrameTable
    spec: EvalSpec
    length: int
    results: dict[str, FrameTable]  # tracker name -> result, in page order
    read_frame: crop_images.ReadFrame | None
    backend: str
    notes: tuple[str, ...] = ()
    fps: float = 0.0  # frame rate for clips; 0: unknown (clips use clips.DEFAULT_FPS)


def sequence_views(item: SequenceInput, max_cropped: int = crop_images.MAX_CROPPED) -> list[TrackerView]:
    """Each tracker's matching, events, per-object terms and crops on one sequence."""
    views = []
    for name, result in item.results.items():
        match = match_sequence(item.gt, result, item.spec, item.length, item.backend, item.name)
        events = find_events(match)
        crops = {}
        if item.read_frame is not None:
            for i in crop_images.chosen_events(events, max_cropped):
                crops[i] = crop_images.event_crops(events[i], match, item.read_frame)
        views.append(TrackerView(name, match, events, object_scores(match, events), crops))
    return views


def render_page(item: SequenceInput, views: list[TrackerView], clips: clip_videos.ClipSet | None = None,
                video: clip_videos.VideoRequest | None = None) -> tuple[str, dict[str, dict]]:
    """(HTML, per tracker {event kind -> summed size, plus the scored counts}) of one sequence."""
    if clips is not None:
        for view, made in zip(views, clips.events):
            view.clips = made
    difference = compare_events(views[0].match, views[1].match, views[0].events, views[1].events) \
        if len(views) == 2 else None
    info = clips.page_info(video) if clips is not None and video is not None else None
    data = page_data(item.name, views, difference, item.read_frame is not None, list(item.notes), info)
    summary = {t["name"]: {"events": t["counts"], "scored": {k: v[1] for k, v in t["check"].items()}}
               for t in data["trackers"]}
    return render(data), summary


def sequence_page(item: SequenceInput, max_cropped: int = crop_images.MAX_CROPPED,
                  video: clip_videos.VideoRequest | None = None, clip_dir: Path | None = None,
                  bars: ProgressReport | None = None) -> tuple[str, dict[str, dict]]:
    """(HTML, summary) of one sequence; with ``video``, its clips are written into ``clip_dir`` first."""
    views = sequence_views(item, max_cropped)
    clips = None
    if video is not None:
        if clip_dir is None:
            raise ValueError("clips need a folder (clip_dir)")
        clips = clip_videos.make_clips(item.name, views, item.read_frame, item.length, item.fps, video, clip_dir,
                                       bars)
    return render_page(item, views, clips, video)


def page_name(sequence: str) -> str:
    """File name of a sequence's page (sequence names are untrusted: made folder-safe)."""
    return sanitize_component(sequence) + ".html"


def write_pages(items: list[SequenceInput], out: Path, progress: Progress | None = None,
                max_cropped: int = crop_images.MAX_CROPPED, video: clip_videos.VideoRequest | None = None,
                bars: ProgressReport | None = None) -> dict[str, Path]:
    """Write one page per sequence (and its clips, with ``video``) and update ``index.json``; returns
    sequence -> page path.  ``bars`` shows the encoding's progress."""
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    entries = read_index(out)
    for n, item in enumerate(items, 1):
        if progress:
            progress(f"[{n}/{len(items)}] {item.name}: {', '.join(item.results)}")
        path = out / page_name(item.name)
        views = sequence_views(item, max_cropped)
        clips = None
        if video is not None:
            clips = clip_videos.make_clips(item.name, views, item.read_frame, item.length, item.fps, video,
                                           clip_videos.clip_folder(path), bars)
            for note in clips.notes:
                if progress:
                    progress(f"note: {item.name}: {note}")
        html, summary = render_page(item, views, clips, video)
        atomic_write_text(path, html)
        if clips is not None:
            clip_videos.prune(clip_videos.clip_folder(path), clips.files)  # only once the new page is in place
        written[item.name] = path
        entries[item.name] = {"sequence": item.name, "trackers": list(item.results), "file": path.name,
                              "counts": summary}
    atomic_write_text(out / INDEX, json.dumps({"pages": list(entries.values())}, indent=1) + "\n")
    return written


# --------------------------------------------------------------------------- run folders


def run_inputs(run_dir: Path, trackers: list[str] | None, sequences: list[str] | None,
               data_root: Path | None = None) -> list[SequenceInput]:
    """Page inputs for a run folder: its manifest names dataset, sequences, CLEAR backend and result files."""
    from trackbench.harness.report.compare import Side, load_sequences, read_manifest, run_trackers

    manifest = read_manifest(run_dir)
    available = run_trackers(manifest)
    chosen = _choose_trackers(trackers, available, str(run_dir))
    backend = manifest.get("clear_backend", "motmetrics")
    loaded = [s for s in load_sequences(manifest, data_root) if s.ground_truth is not None]
    loaded = _filter(loaded, sequences, lambda s: s.name)
    items = []
    for seq in loaded:
        paths = {t: Side(run_dir, t).result_file(manifest, seq.name) for t in chosen}
        missing = [t for t, p in paths.items() if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"{seq.name}: no result file for {', '.join(missing)} (the unit failed or was "
                                    "skipped); choose other trackers or sequences")
        read = seq.source.read if seq.source is not None else None
        items.append(SequenceInput(seq.name, seq.ground_truth, seq.eval_spec, seq.info.length,
                                   {t: read_mot_file(p, "result") for t, p in paths.items()}, read, backend,
                                   tuple(seq.eval_spec.notes), seq.info.fps))
    return items


def _choose_trackers(trackers: list[str] | None, available: list[str], where: str) -> list[str]:
    if trackers is None:
        if len(available) > 2:
            raise ValueError(f"{where} has trackers {', '.join(available)}: choose one or two with --trackers A[,B]")
        return available
    if not 1 <= len(trackers) <= 2:
        raise ValueError("--trackers names one tracker, or two to compare (A,B)")
    unknown = [t for t in trackers if t not in available]
    if unknown:
        raise ValueError(f"{where} has no tracker {', '.join(map(repr, unknown))} (it has {', '.join(available)})")
    if len(set(trackers)) != len(trackers):
        raise ValueError("--trackers names the same tracker twice")
    return trackers


def _filter(items: list, wanted: list[str] | None, name: Callable) -> list:
    """Items whose name equals or starts with one of ``wanted`` (as ``--sequences`` selects elsewhere)."""
    if wanted is None:
        return items
    kept = [i for i in items if any(name(i) == w or name(i).startswith(w) for w in wanted)]
    if not kept:
        raise ValueError(f"no sequence matches {', '.join(wanted)} (there are: {', '.join(name(i) for i in items)})")
    return kept


# --------------------------------------------------------------------------- --gt / --results folders


def folder_inputs(gt: Path, results: Path, trackers: list[str] | None, sequences: list[str] | None,
                  backend: str = "motmetrics") -> list[SequenceInput]:
    """Page inputs for result files scored by ``bench eval --gt GT --results RESULTS`` (either layout)."""
    from trackbench.harness.cli.eval import tracker_dirs
    from trackbench.harness.metrics.folders import find_gt_sequences, find_results_dir, load_job

    gt_seqs = _filter(find_gt_sequences(gt), sequences, lambda s: s.name)
    several = tracker_dirs(results)
    if len(several) > 1:
        folders = {t: several[t] for t in _choose_trackers(trackers, sorted(several), str(results))}
    else:
        folder = find_results_dir(results, [s.name for s in gt_seqs])
        name = next(iter(several)) if several else (folder.parent.name if folder.name == "data" else folder.name)
        folders = {t: folder for t in _choose_trackers(trackers, [name], str(results))}
    items = []
    for gseq in gt_seqs:
        if not all((f / f"{gseq.name}.txt").is_file() for f in folders.values()):
            continue
        tables, job = {}, None
        for tracker, folder in folders.items():
            job, _ = load_job(gseq, folder / f"{gseq.name}.txt", "auto")
            tables[tracker] = job.result
        images = Path(gseq.gt_path).parent.parent / "img1"
        read = ImageFolderSource(images, job.num_frames).read if (images / "000001.jpg").is_file() else None
        items.append(SequenceInput(gseq.name, job.gt, job.spec, job.num_frames, tables, read, backend,
                                   tuple(job.spec.notes), _frame_rate(Path(gseq.gt_path).parent.parent)))
    if not items:
        raise FileNotFoundError(f"no gt sequence under {gt} has a result for every chosen tracker in {results}")
    return items


def _frame_rate(folder: Path) -> float:
    """``frameRate`` from the sequence's seqinfo.ini; 0 when there is none (MOT15 ships none)."""
    ini = folder / "seqinfo.ini"
    if not ini.is_file():
        return 0.0
    from trackbench.datasets.seqinfo import read_seqinfo

    return float(read_seqinfo(ini).fps or 0.0)
