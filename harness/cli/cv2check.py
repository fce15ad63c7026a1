"""Make sure the OpenCV that ``import cv2`` loads is the contrib build.

trackeval depends on ``opencv-python`` and this project on
``opencv-contrib-python``; both install into the same ``cv2/`` folder, so the
package installed last wins.  pip installs deeper dependencies first (trackeval's
opencv-python before our direct opencv-contrib-python), which leaves the
contrib build in place after a fresh install, but a later reinstall or upgrade
of opencv-python alone would silently swap it.  :func:`check_contrib` detects
that and says how to repair it.
"""

from __future__ import annotations

REPAIR = "pip install --force-reinstall --no-deps opencv-contrib-python"


def has_contrib(cv2_module=None) -> bool:
    """True when the loaded cv2 carries contrib modules (ximgproc, xfeatures2d, legacy)."""
    if cv2_module is None:
        import cv2 as cv2_module
    return all(hasattr(cv2_module, m) for m in ("ximgproc", "xfeatures2d", "legacy"))


def check_contrib() -> None:
    """Raise with a repair command when the contrib build has been overwritten."""
    if not has_contrib():
        raise RuntimeError(
            "the cv2 module in this environment is plain opencv-python, not the contrib build "
            f"trackbench needs (another package reinstalled it). Repair with: {REPAIR}"
        )
