"""Person/vehicle re-identification for appearance embedders: identity crops, training, retrieval scores.

- :mod:`.crops`: identity crops from any sequence with gt and frames, or ``crops/<id>/*.jpg`` folders.
- :mod:`.train`: the siamese network's training loop (the seed's cosine triplet loss).
- :mod:`.evaluate`: rank-1 / mAP on held-out identities (query / gallery).

``bench train-reid`` (:mod:`trackbench.harness.cli.train_reid`) ties them together.
"""
