"""Tracking metrics: CLEAR, identity and HOTA, under motmetrics' or TrackEval's definitions.

One module per metric family, each holding every definition of it side by
side, one class per (CLEAR backend, engine) with TrackEval's metric-class
interface ``evaluate(seq)`` / ``combine([counts])`` / ``finalize(counts)``:

* :mod:`.clear`: MOTA, MOTP, FP, FN, IDsw, Frag, MT/PT/ML (and why the two
  definitions can differ);
* :mod:`.identity`: IDF1, IDP, IDR, IDTP, IDFP, IDFN;
* :mod:`.hota`: HOTA, DetA, AssA, LocA, ... (TrackEval's definition only).

The ``library`` engine runs the libraries' own code (the definition); the
default ``fast`` engine (the ``*Fast`` classes) gives the same counts from
whole-sequence arrays.  Shared pieces:

* :mod:`.preprocess`: MOTChallenge preprocessing, gt + result -> :class:`~.preprocess.SeqData`;
* :mod:`.pairs`: a sequence as flat (gt, tracker) pair arrays, for the fast engine;
* :mod:`.motmetrics_accumulator`: the motmetrics accumulator CLEAR and identity share;
* :mod:`.trackeval_records`: TrackEval's per-sequence records and their combination, which the TrackEval definitions share;
* :mod:`.evaluate`: the entry points: count and score sequences, combine them from summed counts;
* :mod:`.folders`: score a results folder against a gt folder (``bench eval``);
* :mod:`.verify`: compare the fast engine's counts with the libraries' (``bench eval --verify``);
* :mod:`.motmetrics_numpy2`: lets motmetrics' own IoU helpers run on NumPy 2.

Import the submodules themselves; importing this package pulls in nothing.
"""
