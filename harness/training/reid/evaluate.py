"""Rank-1 and mAP of an embedder on identity crops (query / gallery retrieval).

For every identity with at least two crops, ``queries_per_identity`` crops are
drawn (seeded) as queries; every other crop, of any identity, is the gallery.
Each query ranks the gallery by cosine distance; rank-k is the fraction of
queries whose k nearest gallery crops include one of the same identity, and mAP
the mean average precision over queries (Market-1501 conventions).

Crops from one camera a few frames apart are near-duplicates, which makes
retrieval look easier than re-identification after an occlusion is.  Like
Market-1501's same-camera "junk", ``junk_frames`` removes from a query's gallery
the crops of the same identity and source less than that many frames away.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from trackbench.harness.training.reid.crops import IdentityCrops


@dataclass
class ReidScores:
    rank1: float
    rank5: float
    mAP: float
    queries: int
    gallery: int
    identities: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)

    def __str__(self) -> str:
        return (f"rank-1 {self.rank1:.1%}  rank-5 {self.rank5:.1%}  mAP {self.mAP:.1%}  "
                f"({self.queries} queries, {self.gallery} gallery crops, {self.identities} identities)")


def query_gallery_split(crops: IdentityCrops, queries_per_identity: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(query indices, gallery indices); an identity keeps at least one gallery crop."""
    rng = np.random.default_rng(seed)
    queries: list[int] = []
    for ident in np.unique(crops.identities):
        idx = np.flatnonzero(crops.identities == ident)
        if len(idx) < 2:
            continue
        take = min(queries_per_identity, len(idx) - 1)
        queries.extend(rng.choice(idx, size=take, replace=False).tolist())
    q = np.array(sorted(queries), dtype=np.int64)
    g = np.setdiff1d(np.arange(len(crops)), q)
    return q, g


def retrieval_scores(features: np.ndarray, crops: IdentityCrops, query: np.ndarray, gallery: np.ndarray,
                     junk_frames: int = 0) -> ReidScores:
    """Rank-1/5 and mAP of L2-normalised ``features`` (rows aligned with ``crops``)."""
    features = np.asarray(features, np.float32)
    ids, sources, frames = crops.identities, crops.sources, crops.frames
    sim = features[query] @ features[gallery].T
    hits1 = hits5 = 0
    aps: list[float] = []
    for qi, row in zip(query, sim):
        same = ids[gallery] == ids[qi]
        valid = np.ones(len(gallery), bool)
        if junk_frames > 0 and frames[qi] >= 0:
            near = same & (sources[gallery] == sources[qi]) & (np.abs(frames[gallery] - frames[qi]) < junk_frames)
            valid &= ~near
        if not np.any(same & valid):
            continue
        order = np.argsort(-row[valid], kind="stable")
        matches = same[valid][order]
        hits1 += bool(matches[0])
        hits5 += bool(matches[:5].any())
        positions = np.flatnonzero(matches) + 1
        aps.append(float(np.mean(np.arange(1, len(positions) + 1) / positions)))
    n = len(aps)
    return ReidScores(
        rank1=hits1 / n if n else float("nan"),
        rank5=hits5 / n if n else float("nan"),
        mAP=float(np.mean(aps)) if n else float("nan"),
        queries=n,
        gallery=int(len(gallery)),
        identities=crops.num_identities,
    )


def evaluate_features(features: np.ndarray, crops: IdentityCrops, queries_per_identity: int = 5, seed: int = 0,
                      junk_frames: int = 0) -> ReidScores:
    q, g = query_gallery_split(crops, queries_per_identity, seed)
    return retrieval_scores(features, crops, q, g, junk_frames)


def evaluate_embedder(embedder, crops: IdentityCrops, queries_per_identity: int = 5, seed: int = 0,
                      junk_frames: int = 0, batch_size: int = 256) -> ReidScores:
    """Embed every crop (in batches) and score retrieval; see the module docstring."""
    if len(crops) == 0:
        raise ValueError("no crops to evaluate on")
    parts = [embedder.embed_crops(crops.images[i:i + batch_size]) for i in range(0, len(crops), batch_size)]
    return evaluate_features(np.concatenate(parts), crops, queries_per_identity, seed, junk_frames)
