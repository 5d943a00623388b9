"""Judge text inside the image where and when it is shown (``tests.layouts.Shown``).

A line shown for a second in the middle of a clip is missed by a judge that reads a few frames
spread over the video, and Tesseract misses light text on a textured picture when it reads the
whole frame; read alone, upscaled, the crop around the line is read reliably. So each line is
read on every sixth frame it is shown on, its middle and its last (every third frame when it
moves), in a crop around its box.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from tests.family_checks import TEXT_MARGIN, frames_of
from tests.layouts import SECRETS, Shown
from tests.tesseract_judge import faint_view, read_all, readable, text_views

MOVING_EVERY = 3  # frames: how often a moving line is read
STILL_EVERY = 6  # ... and a line that stays (a mask of part of it shows on some frames only)


def leaks_where_shown(video: Path, shown: Sequence[Shown]) -> dict[int, list[str]]:
    """For each frame read, the secrets Tesseract reads around the lines shown on it."""
    wanted: dict[int, list[Shown]] = {}
    for line in shown:
        for index in _frames_to_judge(line):
            wanted.setdefault(index, []).append(line)
    crops: list[tuple[int, np.ndarray]] = []
    for index, frame in enumerate(frames_of(video)):
        for line in wanted.get(index, []):
            x, y, w, h = line.at(index)
            m = TEXT_MARGIN
            crops.append((index, frame[max(y - m, 0) : y + h + m, max(x - m, 0) : x + w + m]))
    views = [_views(crop) for _, crop in crops]
    reads = iter(read_all([view for each in views for view in each]))
    found: dict[int, list[str]] = {}
    for (index, _), each in zip(crops, views, strict=True):
        seen = readable("\n".join(next(reads) for _ in each), SECRETS)
        if seen:
            found.setdefault(index, []).extend(seen)
    return found


def _frames_to_judge(line: Shown) -> set[int]:
    """Every sixth frame a line is shown on, its middle and last; every third when it moves.

    A moving line is somewhere else between two keyframes: that is where a mask that
    follows it only on keyframes lets it through. A line that stays may be masked only in
    part between some reads (read a word at a time): three frames of it missed that.
    """
    every = MOVING_EVERY if line.moves else STILL_EVERY
    return {*range(line.start, line.end, every), (line.start + line.end) // 2, line.end - 1}


def _views(crop: np.ndarray) -> list[np.ndarray]:
    """What is read of ``crop``: plain and faint; turned both ways too when it stands."""
    turned = [crop]
    if crop.shape[0] > crop.shape[1]:  # a line running up or down the image
        turned += [cv2.rotate(crop, cv2.ROTATE_90_CLOCKWISE),
                   cv2.rotate(crop, cv2.ROTATE_90_COUNTERCLOCKWISE)]  # fmt: skip
    return [view for c in turned for view in (*text_views(c), faint_view(c))]
