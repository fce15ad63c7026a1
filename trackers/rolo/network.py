"""The ROLO LSTM as a torch module: what ``bench train-rolo`` trains and exports to ONNX.

Inference needs no torch: the tracker runs the ONNX export on onnxruntime, so
this module is imported only where torch is (training, export, running a
``.pt`` checkpoint).
"""

from __future__ import annotations

import torch
from torch import nn

from trackbench.trackers.rolo.model import APPEARANCE_PROJECTION, OUTPUTS, STEP_FEATURES


class RoloNet(nn.Module):
    """LSTM over (K, T, F) windows → (K, 8): next and refined current box, anchor-relative.

    With appearance, the vector (last ``appearance_dim`` inputs) is projected to
    a few numbers first, so it informs the motion model without swamping the box.
    """

    def __init__(self, hidden: int = 64, appearance_dim: int = 0, layers: int = 1) -> None:
        super().__init__()
        self.hidden = hidden
        self.appearance_dim = appearance_dim
        self.appearance = nn.Linear(appearance_dim, APPEARANCE_PROJECTION) if appearance_dim else None
        width = STEP_FEATURES + (APPEARANCE_PROJECTION if appearance_dim else 0)
        self.lstm = nn.LSTM(width, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Sequential(nn.Linear(hidden + STEP_FEATURES, hidden), nn.ReLU(), nn.Linear(hidden, OUTPUTS))

    @property
    def input_dim(self) -> int:
        return STEP_FEATURES + self.appearance_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        box = x[..., :STEP_FEATURES]
        if self.appearance is not None:
            x = torch.cat([box, torch.tanh(self.appearance(x[..., STEP_FEATURES:]))], dim=-1)
        seq, _ = self.lstm(x)
        # The last step's own inputs go to the head too: the newest observation matters most.
        return self.head(torch.cat([seq[:, -1], box[:, -1]], dim=-1))


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
