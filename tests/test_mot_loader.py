"""MOTChallenge loading on the real shared layouts (MOT15 without seqinfo.ini, MOT17 with)."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.datasets import DatasetNotFound, load_dataset


def test_mot15_infers_info_without_seqinfo(shared_data) -> None:
    seqs = {s.name: s for s in load_dataset("mot15", shared_data / "mot15")}
    assert len(seqs) == 11
    assert sum(s.info.length for s in seqs.values()) == 5500
    pets = seqs["PETS09-S2L1"]
    assert (pets.info.width, pets.info.height, pets.info.length) == (768, 576, 795)
    assert pets.has_images and pets.has_gt
    frame = pets.source.read(1)
    assert frame.shape == (576, 768, 3)
    assert pets.eval_spec.distractor_classes == ()
    assert not seqs["ADL-Rundle-6"].has_gt and not seqs["TUD-Campus"].has_images


def test_mot17_uses_seqinfo_sorts_detections_and_sets_preprocessing(shared_data) -> None:
    (seq,) = load_dataset("mot17", shared_data / "mot17", ["MOT17-05"])
    assert seq.name == "MOT17-05-FRCNN" and seq.info.length == 837 and seq.info.fps == 14
    assert np.all(np.diff(seq.detections.frames) >= 0)  # det.txt is not sorted on disk
    raw = np.loadtxt(shared_data / "mot17/train/MOT17-05-FRCNN/det/det.txt", delimiter=",")
    assert len(seq.detections) == len(raw)
    assert len(seq.detections.detections(84)) == int((raw[:, 0] == 84).sum())
    assert seq.eval_spec.distractor_classes == (2, 7, 8, 12)
    assert seq.eval_spec.eval_classes == (1,)
    assert not seq.has_images


def test_missing_data_and_unknown_sequence_messages(tmp_path, shared_data, monkeypatch) -> None:
    monkeypatch.delenv("TRACKBENCH_DATA", raising=False)
    with pytest.raises(DatasetNotFound) as err:
        load_dataset("mot17")
    assert "--data-root" in str(err.value) and "TRACKBENCH_DATA" in str(err.value)
    with pytest.raises(DatasetNotFound) as err:
        load_dataset("mot17", tmp_path)
    assert "motchallenge.net" in str(err.value) and "det/det.txt" in str(err.value)
    with pytest.raises(DatasetNotFound) as err:
        load_dataset("mot15", shared_data / "mot15", ["NOPE"])
    assert "NOPE" in str(err.value) and "PETS09-S2L1" in str(err.value)


def test_env_variable_locates_dataset(shared_data, monkeypatch) -> None:
    monkeypatch.setenv("TRACKBENCH_DATA", str(shared_data))
    seqs = load_dataset("mot17", sequences=["MOT17-11"])
    assert [s.name for s in seqs] == ["MOT17-11-FRCNN"]
