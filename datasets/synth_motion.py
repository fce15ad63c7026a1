"""Where things are in the synthetic dataset: camera path, object trajectories, occlusion.

Objects walk on a ground plane seen from above: their feet stay below the far
edge of the ground (``GROUND_TOP``), they grow as they come nearer (lower in the
image) and are drawn over everything farther away.  Each walker keeps a smooth
heading that turns at a randomly drifting rate and a speed that breathes around
its own pace, so paths curve and cross; new walkers enter through the side and
bottom borders while the number in view drifts inside ``objects_alive``.

All positions are simulated in world pixels; the camera position is subtracted
at the end, so a panning camera moves everything in the image, as it would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trackbench.datasets.synth_config import STREAM_APPEARANCE, STREAM_CAMERA, STREAM_MOTION, STREAM_SITES, SynthConfig
from trackbench.datasets.synth_geometry import ELLIPSE, RECT, ROUNDED, ground_scale, visibility_table
from trackbench.datasets.synth_texture import Appearance, make_appearances, mute

GROUND_TOP = 0.4  # far edge of the walkable ground, as a fraction of the image height
FACADE_BOTTOM = 0.38  # where the background buildings meet the ground
DEPTH_SQUASH = 0.5  # walking towards the camera moves less in the image than walking across


@dataclass
class SynthScene:
    """Everything needed to produce one sequence's tables and pixels."""

    config: SynthConfig
    index: int  # 1-based sequence number
    name: str
    boxes: np.ndarray  # (n, T, 4) image tlbr; NaN where the object is not in the scene
    visibility: np.ndarray  # (n, T) visible fraction; NaN where absent
    camera: np.ndarray  # (T, 2) world position of the image's top-left corner
    looks: list[Appearance]  # one per object
    sites: np.ndarray  # (k, 4) world tlbr of object-like background clutter
    site_looks: list[Appearance]
    site_visibility: np.ndarray  # (k, T) fraction of each site not hidden (by objects or border)

    @property
    def length(self) -> int:
        return self.boxes.shape[1]

    @property
    def num_objects(self) -> int:
        return self.boxes.shape[0]


def camera_path(config: SynthConfig, index: int) -> np.ndarray:
    """World position of the image corner per frame: still, or a smooth pan.

    The pan velocity is interpolated between random knots a little over a second
    apart, so the camera speeds up, slows and now and then reverses, with a small
    vertical drift, like a handheld or PTZ camera following a scene.
    """
    n = config.length
    if index not in config.moving_camera:
        return np.zeros((n, 2))
    rng = config.rng(index, STREAM_CAMERA)
    knots = np.arange(0, n + 32, 32)
    signs = np.cumprod(np.where(rng.random(len(knots)) < 0.25, -1.0, 1.0)) * rng.choice((-1.0, 1.0))
    vx = signs * rng.uniform(0.3, 1.0, len(knots)) * config.camera_speed
    vy = rng.normal(0.0, 0.08 * config.camera_speed, len(knots))
    t = np.arange(n)
    vel = np.column_stack([np.interp(t, knots, vx), np.interp(t, knots, vy)])
    return np.vstack([np.zeros((1, 2)), np.cumsum(vel[:-1], axis=0)])


class _Walkers:
    """State of every object ever spawned in one sequence (arrays grow on spawn)."""

    def __init__(self, config: SynthConfig, rng: np.random.Generator) -> None:
        self.cfg = config
        self.rng = rng
        cap = config.objects_alive[1] + config.length + 1
        self.x, self.y, self.theta, self.omega, self.pace, self.drift = (np.zeros(cap) for _ in range(6))
        self.base_h, self.aspect = np.zeros(cap), np.zeros(cap)
        self.shape = np.zeros(cap, np.int64)
        self.alive = np.zeros(cap, bool)
        self.count = 0

    def _kind(self, i: int) -> None:
        """Body of a new object: mostly tall walkers, some wide, squat things."""
        rng, cfg = self.rng, self.cfg
        if rng.random() < 0.7:
            self.shape[i] = rng.choice((ROUNDED, ELLIPSE, RECT), p=(0.45, 0.3, 0.25))
            self.aspect[i] = rng.uniform(0.35, 0.55)
            self.base_h[i] = rng.uniform(0.3, 0.5) * cfg.height
        else:
            self.shape[i] = rng.choice((RECT, ROUNDED, ELLIPSE))
            self.aspect[i] = rng.uniform(0.7, 1.4)
            self.base_h[i] = rng.uniform(0.2, 0.32) * cfg.height
        pace = rng.uniform(*cfg.walk_speed)
        style = rng.random()
        self.pace[i] = pace * 0.1 if style < 0.1 else pace * 2.0 if style > 0.9 else pace

    def spawn(self, cam: np.ndarray, initial: bool) -> None:
        """Add one object: anywhere in view at the start, else entering through a border."""
        rng, cfg = self.rng, self.cfg
        i = self.count
        self.count += 1
        self._kind(i)
        W, H = cfg.width, cfg.height
        ground_top = GROUND_TOP * H
        side = "inside" if initial else str(rng.choice(("left", "right", "bottom"), p=(0.42, 0.42, 0.16)))
        if side == "bottom":
            h0 = self.base_h[i] * ground_scale(H, H)
            y = cam[1] + H + 0.85 * h0
            x = cam[0] + rng.uniform(0.15, 0.85) * W
            theta = -math.pi / 2 + rng.normal(0.0, 0.4)
        else:
            y = rng.uniform(ground_top, H) + cam[1]
            w = self.aspect[i] * self.base_h[i] * ground_scale(y, H)
            overlap = rng.uniform(0.1, 0.3) * w
            if side == "left":
                x, theta = cam[0] - w / 2 + overlap, rng.normal(0.0, 0.3)
            elif side == "right":
                x, theta = cam[0] + W + w / 2 - overlap, math.pi + rng.normal(0.0, 0.3)
            else:
                x, theta = cam[0] + rng.uniform(0.05, 0.95) * W, rng.uniform(-math.pi, math.pi)
        self.x[i], self.y[i], self.theta[i] = x, y, theta
        self.omega[i], self.drift[i] = 0.0, rng.normal()
        self.alive[i] = True

    def heights(self, idx: np.ndarray) -> np.ndarray:
        return self.base_h[idx] * ground_scale(self.y[idx], self.cfg.height)

    def world_boxes(self, idx: np.ndarray) -> np.ndarray:
        h = self.heights(idx)
        w = self.aspect[idx] * h
        x, y = self.x[idx], self.y[idx]
        return np.column_stack([x - w / 2, y - h, x + w / 2, y])

    def step(self) -> None:
        """Advance every live object one frame (Ornstein-Uhlenbeck turn rate and pace)."""
        cfg = self.cfg
        idx = np.flatnonzero(self.alive)
        eps = self.rng.standard_normal((len(idx), 2))
        self.omega[idx] = 0.9 * self.omega[idx] + math.sqrt(1 - 0.81) * cfg.turn_rate * eps[:, 0]
        self.theta[idx] += self.omega[idx]
        self.drift[idx] = 0.95 * self.drift[idx] + math.sqrt(1 - 0.9025) * eps[:, 1]
        speed = self.pace[idx] * np.clip(1 + 0.3 * self.drift[idx], 0.2, None) * self.heights(idx) / cfg.fps
        self.x[idx] += speed * np.cos(self.theta[idx])
        self.y[idx] += speed * np.sin(self.theta[idx]) * DEPTH_SQUASH
        top = GROUND_TOP * cfg.height
        bounce = idx[(self.y[idx] < top) & (np.sin(self.theta[idx]) < 0)]
        self.theta[bounce] = -self.theta[bounce]
        self.y[bounce] = 2 * top - self.y[bounce]

    def retire_out_of_view(self, cam: np.ndarray) -> None:
        """Objects whose box has left the image for good are removed (ids never come back)."""
        idx = np.flatnonzero(self.alive)
        b = self.world_boxes(idx) - np.tile(cam, 2)
        gone = (b[:, 2] <= 0) | (b[:, 0] >= self.cfg.width) | (b[:, 1] >= self.cfg.height)
        self.alive[idx[gone]] = False


def simulate_tracks(config: SynthConfig, index: int, cam: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """World boxes (n, T, 4; NaN when absent), shapes, aspects and heights of every object."""
    rng = config.rng(index, STREAM_MOTION)
    lo, hi = config.objects_alive
    walkers = _Walkers(config, rng)
    T = config.length
    boxes = np.full((walkers.x.size, T, 4), np.nan)
    target = int(rng.integers(lo, hi + 1))
    for _ in range(target):
        walkers.spawn(cam[0], initial=True)
    for t in range(T):
        if t and t % 40 == 0:
            target = int(rng.integers(lo, hi + 1))
        if t and walkers.alive.sum() < target and rng.random() < 0.25:
            walkers.spawn(cam[t], initial=False)
        idx = np.flatnonzero(walkers.alive)
        boxes[idx, t] = walkers.world_boxes(idx)
        walkers.step()
        walkers.retire_out_of_view(cam[min(t + 1, T - 1)])
    n = walkers.count
    return boxes[:n], walkers.shape[:n].copy(), walkers.aspect[:n].copy(), walkers.base_h[:n].copy()


def place_sites(config: SynthConfig, index: int, cam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World boxes and shapes of object-like clutter, placed where the camera will see it."""
    rng = config.rng(index, STREAM_SITES)
    H = config.height
    k = config.static_fp_sites
    x = rng.uniform(cam[:, 0].min() + 0.1 * config.width, cam[:, 0].max() + 0.9 * config.width, k)
    y = rng.uniform(GROUND_TOP * H + 10, 0.9 * H, k)
    h = rng.uniform(0.25, 0.45, k) * H * ground_scale(y, H)
    w = h * rng.uniform(0.35, 0.9, k)
    shapes = rng.choice((RECT, ELLIPSE, ROUNDED), k)
    return np.column_stack([x - w / 2, y - h, x + w / 2, y]), shapes


def _visibility_tables(boxes: np.ndarray, shapes: np.ndarray, sites: np.ndarray, site_shapes: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Visibility of objects and of background sites; sites lie behind every object.

    ``boxes`` is (n, T, 4) and ``sites`` (k, T, 4), both in image coordinates.
    """
    k = len(sites)
    allb = np.concatenate([sites, boxes])
    depth = np.concatenate([np.full(sites.shape[:2], -np.inf), boxes[:, :, 3]])
    vis = visibility_table(allb, np.concatenate([site_shapes, shapes]).astype(np.int64), width, height, depth)
    return vis[k:], vis[:k]


def build_scene(config: SynthConfig, index: int) -> SynthScene:
    """Simulate sequence ``index`` (1-based) of ``config``: deterministic in (seed, index)."""
    cam = camera_path(config, index)
    world, shapes, aspects, _ = simulate_tracks(config, index, cam)
    offset = np.tile(cam, 2)[None, :, :]  # (1, T, 4)
    boxes = world - offset
    sites, site_shapes = place_sites(config, index, cam)
    site_img = sites[:, None, :] - offset  # (k, T, 4)
    vis, site_vis = _visibility_tables(boxes, shapes, site_img, site_shapes, config.width, config.height)
    rng = config.rng(index, STREAM_APPEARANCE)
    looks = make_appearances(rng, shapes, aspects, config.similar_fraction)
    site_aspects = (sites[:, 2] - sites[:, 0]) / np.maximum(sites[:, 3] - sites[:, 1], 1e-9)
    site_looks = [mute(look) for look in make_appearances(rng, site_shapes, site_aspects, 0.0)]
    return SynthScene(
        config=config,
        index=index,
        name=f"synth-{index:02d}",
        boxes=boxes,
        visibility=vis,
        camera=cam,
        looks=looks,
        sites=sites,
        site_looks=site_looks,
        site_visibility=site_vis,
    )

