"""Whether a change seen on the watch's tiny copies moved there or appeared there.

An instrument pushed in, turned or pulled back changes the pixels along its edges and its
tip on every frame, as letters that appear or fade in do. What tells them apart is where
the new colour came from: an instrument's grey was a pixel or two away in the frames
around (it moved), a line of text's colour was nowhere near (it appeared). A colour counts
as there when each channel is within ``SAME_COLOUR`` of it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SAME_COLOUR = 12  # BGR levels, per channel: the same colour, moved


def found_nearby(
    changed: np.ndarray, frame: np.ndarray, others: Sequence[np.ndarray], reach: int
) -> np.ndarray:
    """The pixels of ``changed`` whose colour in ``frame`` lies within ``reach`` in ``others``.

    Args:
        changed: bool ``HxW``, the pixels to look at.
        frame: ``HxWx3`` BGR, where their colour is taken.
        others: ``HxWx3`` BGR frames where it is looked for, up to ``reach`` pixels away.
        reach: tiny pixels in each direction.

    """
    ys, xs = np.nonzero(changed)
    height, width = changed.shape
    steps = np.arange(-reach, reach + 1)
    rows = np.clip(ys[:, None, None] + steps[None, :, None], 0, height - 1)
    columns = np.clip(xs[:, None, None] + steps[None, None, :], 0, width - 1)
    colours = frame[ys, xs].astype(np.int16)[:, None, None, :]
    found = np.zeros(len(ys), bool)
    for other in others:
        around = other[rows, columns].astype(np.int16)  # N x side x side x 3
        found |= (np.abs(around - colours).max(axis=3) < SAME_COLOUR).any(axis=(1, 2))
    nearby = np.zeros_like(changed, dtype=bool)
    nearby[ys[found], xs[found]] = True
    return nearby
