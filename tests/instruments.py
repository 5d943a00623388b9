"""A grey metal instrument (forceps, a snare's sheath) pushed into the image and pulled back.

Drawn over a generated recording's tissue: a shaft with a metallic gradient across it,
entering from the lower right at an angle that wavers, its tip reaching towards the centre
and back out of view once every ``period`` seconds. On the watch's tiny copies its edges and
tip change colour against the tissue on every frame it moves, as letters that appear do.
"""

from __future__ import annotations

import cv2
import numpy as np

HALF_WIDTH = 0.056  # of the image's width: half the shaft's width
BANDS = 14  # across the shaft: a metallic gradient


def draw_instrument(
    frame: np.ndarray, image: np.ndarray, box: tuple[int, int, int, int], t: float, period: float
) -> None:
    """Draw the instrument at ``t`` seconds over ``frame``'s ``image`` (its mask, ``box``)."""
    x, y, w, h = box
    reach = max(0.0, float(np.sin(2 * np.pi * t / period)))  # out of view half the time
    if reach <= 0.01:
        return
    angle = np.deg2rad(200 + 8 * np.sin(2 * np.pi * t / 2.3))
    along = np.array([np.cos(angle), np.sin(angle)])
    across = np.array([-along[1], along[0]])
    start = np.array([x + w / 2, y + h / 2]) - along * 0.6 * w
    tip = start + along * (0.6 * w * reach + 1)
    half = HALF_WIDTH * w
    drawn = frame.astype(np.float32)
    for band in range(BANDS):
        a, b = -half + 2 * half * band / BANDS, -half + 2 * half * (band + 1) / BANDS
        level = 110 + 100 * np.exp(-(((a + b) / 2 + 0.15 * half) ** 2) / (0.24 * half * half))
        corners = np.array([start + across * a, start + across * b, tip + across * b,
                            tip + across * a], np.int32)  # fmt: skip
        cv2.fillPoly(drawn, [corners], (level, level + 2, level + 5), cv2.LINE_AA)
    frame[:] = np.where(image[..., None] > 0, np.clip(drawn, 0, 255), frame).astype(np.uint8)
