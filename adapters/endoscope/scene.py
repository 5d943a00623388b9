"""Frames whose endoscope image shows no endoscopy: the room, a wall, a screen, a test pattern.

A processor keeps its black surround when the scope is out of the body, so the surround
check (``adapters.endoscope.blanks``) cannot see these frames; what the image shows can. On
a tiny colour copy of the image, five statistics tell a scene from tissue without a model:

- ``neutral``: the share of lit pixels without colour (Lab chroma under ``NEUTRAL_CHROMA``).
  Mucosa is coloured in every light: red-pink-orange under white light, teal and brown
  under narrow-band imaging (NBI), blue where dye is sprayed (chromoendoscopy); rooms,
  walls and white screens are grey, beige or white.
- ``flat``: the share without texture (what is left after taking away a blur: the scope's
  vignetting is smooth and goes with it). A screen is flat; mucosa is not, except when the
  lens touches it (a uniform red field, allowed by its warm hue).
- ``edge``: the share of sharp colour edges: a grey scene with many is a room or a face.
- ``warm``: the share of coloured pixels in the red-orange-yellow hues of white-light tissue.
- ``colours``: how many separate hues (arcs of the hue circle, gaps between them) the image
  holds. Tissue blends into its dye or bile through the hues between them, one arc; a test
  pattern shows three or more apart.

Each statistic is compared with the same video's own endoscopy (``Reference``, the median
of its sampled frames), so a video whose endoscopy is paler or flatter than usual keeps its
frames: a frame is flagged only when it is a scene both in absolute terms and against the
video. NBI's teal and brown and a dye's blue are colours, so they never count as neutral.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

LIT_LEVEL = 24  # grey on the tiny copy; darker pixels (lumen, vignetted rim) have no colour
MIN_LIT_FRACTION = 0.25  # a darker image shows too little to tell
NEUTRAL_CHROMA = 10.0  # Lab chroma (a, b distance from grey) below which a pixel is grey/white
TEXTURE_BLUR = 1.0  # sigma (tiny pixels) of the blur whose residue is texture
FLAT_TEXTURE = 1.0  # Lab units of residue: no texture
EDGE_GRADIENT = 12.0  # Lab units per tiny pixel: a sharp edge
WARM_HUES = (0.0, 95.0)  # Lab hue angles of red, orange, pink-brown and yellowish tissue
HUE_SECTORS = 12
MIN_HUE_SHARE = 0.05  # of the coloured pixels: a hue sector that counts
# (absolute floor, margin over the video's own endoscopy) per rule
NEUTRAL_SCENE = (0.5, 0.3)
UNIFORM_SCREEN = (0.9, 0.1)
TEST_PATTERN = (3, 2)  # separate hues
STRUCTURED_NEUTRAL, STRUCTURED_EDGE = (0.3, 0.25), (0.2, 0.15)
_SMOOTH = np.ones((3, 3), np.uint8)


@dataclass(frozen=True)
class SceneStats:
    """What the image of one frame shows, as shares of its lit pixels (0 to 1)."""

    lit: float
    neutral: float = 0.0
    flat: float = 0.0
    edge: float = 0.0
    warm: float = 0.0
    colours: int = 0


@dataclass(frozen=True)
class Reference:
    """The video's own endoscopy: the median statistics of its sampled frames."""

    neutral: float
    flat: float
    edge: float
    colours: float = 1.0

    @classmethod
    def of(cls, samples: Iterable[SceneStats]) -> Reference:
        """The median of ``samples`` that show enough (a video of dark frames: zeros)."""
        shown = [s for s in samples if s.lit >= MIN_LIT_FRACTION]
        if not shown:
            return cls(0.0, 0.0, 0.0)
        return cls(*(statistics.median(getattr(s, k) for s in shown)
                     for k in ("neutral", "flat", "edge", "colours")))  # fmt: skip


def warm_up_colour() -> None:
    """Make OpenCV build its Lab tables now (its first conversion takes ~0.2 s)."""
    cv2.cvtColor(np.zeros((1, 1, 3), np.uint8), cv2.COLOR_BGR2LAB)


def tiny_inside(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The inside of a full-size region ``mask`` on a ``size`` (w, h) copy, rim left out."""
    small = cv2.resize(mask, size, interpolation=cv2.INTER_AREA)
    return np.asarray(cv2.erode(np.where(small > 250, 255, 0).astype(np.uint8), _SMOOTH) > 0)


def scene_stats(tiny: np.ndarray, inside: np.ndarray) -> SceneStats:
    """The statistics of the ``inside`` (bool ``HxW``) of a tiny BGR copy of one frame."""
    ys, xs = np.nonzero(inside)
    if ys.size == 0:
        return SceneStats(0.0)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop, inside = tiny[y0:y1, x0:x1], inside[y0:y1, x0:x1]
    lit = inside & (cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) > LIT_LEVEL)
    count = int(np.count_nonzero(lit))
    if count < MIN_LIT_FRACTION * ys.size:
        return SceneStats(count / ys.size)
    lab = cv2.cvtColor(crop, cv2.COLOR_BGR2LAB).astype(np.float32)
    a, b = lab[..., 1] - 128.0, lab[..., 2] - 128.0
    chroma = np.hypot(a, b)
    coloured = lit & (chroma >= NEUTRAL_CHROMA)
    hue = np.degrees(np.arctan2(b[coloured], a[coloured])) % 360.0
    warm = np.count_nonzero((hue >= WARM_HUES[0]) & (hue < WARM_HUES[1]))
    gx = cv2.Sobel(lab, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lab, cv2.CV_32F, 0, 1, ksize=3)
    gradient = np.sqrt(np.sum(gx * gx + gy * gy, axis=-1)) / 8.0  # Sobel weighs 8 per unit
    residue = lab - cv2.GaussianBlur(lab, (0, 0), TEXTURE_BLUR)
    texture = np.sqrt(np.sum(residue * residue, axis=-1))
    inner = cv2.erode(lit.astype(np.uint8), _SMOOTH) > 0  # the lit border is an edge itself
    inner_count = max(int(np.count_nonzero(inner)), 1)
    return SceneStats(
        lit=count / ys.size,
        neutral=float(count - np.count_nonzero(coloured)) / count,
        flat=float(np.count_nonzero(inner & (texture < FLAT_TEXTURE))) / inner_count,
        edge=float(np.count_nonzero(inner & (gradient > EDGE_GRADIENT))) / inner_count,
        warm=warm / max(hue.size, 1),
        colours=separate_hues(hue),
    )


def separate_hues(hue: np.ndarray) -> int:
    """How many arcs of the hue circle (degrees) hold ``MIN_HUE_SHARE`` each, gaps between."""
    if hue.size == 0:
        return 0
    counts = np.bincount((hue * HUE_SECTORS / 360.0).astype(int) % HUE_SECTORS,
                         minlength=HUE_SECTORS)  # fmt: skip
    held = counts >= MIN_HUE_SHARE * hue.size
    if held.all():
        return 1
    # an arc starts where a held sector follows one that is not (the circle wraps around)
    return int(np.count_nonzero(held & ~np.roll(held, 1)))


def _beyond(value: float, reference: float, rule: tuple[float, float]) -> bool:
    return value >= max(rule[0], reference + rule[1])


def not_endoscopic(stats: SceneStats, reference: Reference) -> str | None:
    """What the frame shows instead of endoscopy, or None when it may well be endoscopy."""
    if stats.lit < MIN_LIT_FRACTION:
        return None  # dark: nothing that could be recognised is shown
    if _beyond(stats.neutral, reference.neutral, NEUTRAL_SCENE):
        return "a grey or white scene"
    if _beyond(stats.flat, reference.flat, UNIFORM_SCREEN) and stats.warm < 0.5:
        return "a uniform screen"
    if _beyond(stats.colours, reference.colours, TEST_PATTERN):
        return "a test pattern"
    if _beyond(stats.neutral, reference.neutral, STRUCTURED_NEUTRAL) and _beyond(
        stats.edge, reference.edge, STRUCTURED_EDGE
    ):
        return "a scene with sharp edges"
    return None
