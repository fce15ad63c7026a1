"""The publications trackers implement, cited once for every implementation of a method.

A native tracker and the adapted versions of the same method (``bytetrack``,
``rf.bytetrack``, ``boxmot.bytetrack``) name the same paper in leaderboard legends.
"""

from __future__ import annotations

SORT = "Bewley et al., Simple Online and Realtime Tracking, ICIP 2016"
DEEPSORT = "Wojke et al., Simple Online and Realtime Tracking with a Deep Association Metric, ICIP 2017"
BYTETRACK = "Zhang et al., ByteTrack: Multi-Object Tracking by Associating Every Detection Box, ECCV 2022"
OCSORT = "Cao et al., Observation-Centric SORT: Rethinking SORT for Robust Multi-Object Tracking, CVPR 2023"
BOTSORT = "Aharon et al., BoT-SORT: Robust Associations Multi-Pedestrian Tracking, arXiv 2022"
CBIOU = ("Yang et al., Hard to Track Objects with Irregular Motions and Similar Appearances? Make It Easier "
         "by Buffering the Matching Space, WACV 2023")
ROLO = ("after Ning et al., Spatially Supervised Recurrent Convolutional Neural Networks for Visual Object "
        "Tracking, 2016")
MEANSHIFT = "Comaniciu et al., Real-Time Tracking of Non-Rigid Objects using Mean Shift, CVPR 2000"
CAMSHIFT = "Bradski, Computer Vision Face Tracking for Use in a Perceptual User Interface, 1998"
MEDIAN_FLOW = "median flow: Kalal et al., Forward-Backward Error, ICPR 2010"
