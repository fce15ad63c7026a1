"""MOT20 with detections from another detector and no gt: every box-only tracker runs and writes results."""

from __future__ import annotations

import shutil

import numpy as np

from trackbench import trackers as registry
from trackbench.harness.cli.run import RunRequest, execute


def box_only_trackers() -> list[str]:
    """Built-in trackers that need neither images nor appearance vectors."""
    names = [n for n in registry.available() if "." not in n]
    return [n for n in names if not (registry.create(n).requires.images or registry.create(n).requires.features)]


def test_every_box_only_tracker_runs_on_mot20_yolox(shared_data, tmp_path) -> None:
    seq = tmp_path / "MOT20" / "train" / "MOT20-01"
    (seq / "det").mkdir(parents=True)
    shutil.copy(shared_data / "mot20-yolox" / "MOT20-01.txt", seq / "det" / "det.txt")
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=MOT20-01\nimDir=img1\nframeRate=25\nseqLength=429\n"
                                     "imWidth=1920\nimHeight=1080\nimExt=.jpg\n")
    trackers = box_only_trackers()
    assert {"sort", "bytetrack", "ocsort", "rolo"} <= set(trackers)
    out = execute(RunRequest(trackers=trackers, dataset="mot20", data_root=tmp_path / "MOT20", results=tmp_path,
                             name="r", max_frames=150))
    assert not [u for u in out.units if u.failed]
    assert "HOTA" not in out.overall.columns and set(out.overall.index) == set(trackers)  # no gt: timed, not scored
    for tracker in trackers:
        rows = np.loadtxt(tmp_path / f"r/mot20/{tracker}/data/MOT20-01.txt", delimiter=",")
        assert rows[:, 0].max() <= 150 and len(np.unique(rows[:, 1])) > 20, tracker
