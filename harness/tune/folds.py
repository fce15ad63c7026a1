"""Held-out scoring: which sequences each fold tunes on and which it is scored on.

A setting chosen on the sequences it is then scored on flatters whoever was
tuned hardest; each fold therefore searches on its *train* sequences only and
its best setting is run on its *test* sequences, which the search never saw.

- ``loso`` — leave one sequence out: one fold per sequence (the default with
  two or more sequences);
- ``kfold:K`` — K folds of consecutive sequences in the loaded order, each
  sequence tested exactly once;
- ``split:A,B/C,D`` — one fold: tune on A, B, score on C, D (names or prefixes,
  as ``--sequences`` takes them);
- ``none`` — no held-out data: tune and score on the same sequences (the only
  choice with one sequence; the table says so).
"""

from __future__ import annotations

from dataclasses import dataclass

from trackbench.trackers.params import ParamError


@dataclass(frozen=True)
class Fold:
    """One fold: a name (a safe file-name part), its train and its test sequences."""

    name: str
    train: tuple[str, ...]
    test: tuple[str, ...]


def default_cv(sequence_count: int) -> str:
    return "loso" if sequence_count >= 2 else "none"


def _pick(names: list[str], wanted: str, spec: str) -> list[str]:
    picked = []
    for item in (w.strip() for w in wanted.split(",")):
        if not item:
            continue
        matches = [n for n in names if n == item] or [n for n in names if n.startswith(item)]
        if not matches:
            raise ParamError(f"--cv {spec}: no loaded sequence is called {item!r} (loaded: {', '.join(names)})")
        picked += [m for m in matches if m not in picked]
    return picked


def make_folds(spec: str | None, names: list[str]) -> list[Fold]:
    """The folds of ``spec`` over sequences ``names`` (see module docstring); [] for ``none``.

    Raises ParamError for an unknown spec, a fold without train or test
    sequences, or train and test sharing a sequence.
    """
    spec = (spec or default_cv(len(names))).strip()
    kind, _, arg = spec.partition(":")
    kind = kind.lower()
    if kind == "none":
        return []
    if kind == "loso":
        if len(names) < 2:
            raise ParamError(f"--cv loso needs at least 2 sequences, got {len(names)}")
        return [Fold(f"out-{n}", tuple(m for m in names if m != n), (n,)) for n in names]
    if kind == "kfold":
        try:
            k = int(arg)
        except ValueError:
            raise ParamError(f"--cv {spec}: expected kfold:K with K a whole number") from None
        if k < 2 or k > len(names):
            raise ParamError(f"--cv {spec}: K must lie in 2..{len(names)} (the number of sequences); "
                             "a fold without sequences cannot be scored")
        size, extra = divmod(len(names), k)
        folds, start = [], 0
        for i in range(k):
            stop = start + size + (1 if i < extra else 0)
            test = tuple(names[start:stop])
            folds.append(Fold(f"fold-{i + 1}", tuple(n for n in names if n not in test), test))
            start = stop
        return folds
    if kind == "split":
        train_text, slash, test_text = arg.partition("/")
        if not slash:
            raise ParamError(f"--cv {spec}: expected split:TRAIN_SEQS/TEST_SEQS")
        train, test = _pick(names, train_text, spec), _pick(names, test_text, spec)
        if not train or not test:
            raise ParamError(f"--cv {spec}: a fold without {'train' if not train else 'test'} sequences")
        shared = sorted(set(train) & set(test))
        if shared:
            raise ParamError(f"--cv {spec}: {', '.join(shared)} is both a train and a test sequence")
        return [Fold("split", tuple(train), tuple(test))]
    raise ParamError(f"--cv {spec!r}: choose loso, kfold:K, split:TRAIN_SEQS/TEST_SEQS or none")
