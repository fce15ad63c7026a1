"""``bench inspect``: where and why a tracker fails on a sequence, and where two trackers differ.

The scores say *how much* a tracker errs; these modules say *where*, from the
very matching the scores were counted with (never a second matcher):

* :mod:`.matching` — one tracker on one sequence: which tracker box CLEAR
  (under the run's backend) and HOTA (at alpha = 0.5) paired with each gt box;
* :mod:`.events` — identity switches, fragmentations, missed runs,
  false-positive runs and merges, whose counts equal the scored IDsw, Frag,
  FN and FP;
* :mod:`.objects` — per gt object: HOTA's DetRe/AssRe/AssPr at alpha = 0.5 and
  its share of IDsw, FN and FP;
* :mod:`.diff` — the errors one tracker makes and another does not;
* :mod:`.crops` — image crops before and after an event, where frames exist;
* :mod:`.clips` — with ``--video``, a short clip per chosen event (frames
  drawn by :mod:`.clip_frames`), written beside the page;
* :mod:`.page` — the self-contained HTML page; :mod:`.build` puts it together
  for a run folder or for ``--gt``/``--results`` folders.
"""
