"""How dark the surround of the endoscope image is: black, or black lifted by a capture.

Processors put the image on black, but an analogue capture with NTSC's 7.5 IRE setup lifts
black to grey ~20 (a badly set capture card, higher). Region detection, the per-frame pass
and the watch compare pixels with fixed levels above black, so on such a video every sample
looked lit all over: no surround, no region (``roi_uncertain``). The copies they look at are
therefore first lowered by the surround's level, read off the samples' corners: a corner
patch is surround when it is flat; where most samples show a flat corner no brighter than
``MAX_LIFT``, the darkest such corner is the level (black as processors make it, below
``MIN_LIFT``, lowers nothing). A screen or the room fills the corners with brighter or
textured pixels and does not count; tissue reaching the corners (a full-frame image) is
textured.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

CORNER = 0.08  # each corner patch: this share of the frame's width and of its height
FLAT_SPREAD = 6  # grey levels from the 10th to the 90th percentile of a flat patch, at most
MIN_LIFT = 6  # a surround darker than this is black: nothing is lowered
MAX_LIFT = 40  # a flat corner brighter than this is a screen, not a lifted black


def corner_level(grey: np.ndarray) -> int | None:
    """The median grey of the darkest flat corner of ``grey``, or None without one."""
    height, width = grey.shape
    h, w = max(2, round(height * CORNER)), max(2, round(width * CORNER))
    levels = []
    for patch in (grey[:h, :w], grey[:h, -w:], grey[-h:, :w], grey[-h:, -w:]):
        low, middle, high = np.percentile(patch, (10, 50, 90))
        if high - low <= FLAT_SPREAD and middle <= MAX_LIFT:
            levels.append(round(float(middle)))
    return min(levels) if levels else None


def surround_level(greys: Sequence[np.ndarray]) -> int:
    """The grey the surround shows in the samples ``greys``; 0 when it is black or unsure."""
    levels = [level for level in map(corner_level, greys) if level is not None]
    if not levels or 2 * len(levels) < len(greys):
        return 0
    level = min(levels)
    return level if level >= MIN_LIFT else 0


def lowered(frame: np.ndarray, level: int) -> np.ndarray:
    """``frame`` with ``level`` taken off every value (down to 0): lifted black made black."""
    return cv2.subtract(frame, np.full_like(frame, level)) if level else frame
