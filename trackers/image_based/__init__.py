"""Image-based classic trackers: boxes carried from frame to frame by the pixels.

Between detections these trackers move each track with image evidence (a colour
model and mean shift, or Lucas–Kanade optical flow) instead of a motion model;
on detection frames they associate the moved boxes with the detections.  The
detection association and track life cycle are shared (:mod:`.lifecycle`); each
tracker module only says how a track's appearance is modelled and propagated.
"""
