"""Frames that show no endoscope image: registration screens, white/blue screens, the room.

An endoscopic frame has the processor's near-black surround around its image; a menu screen
or an out-of-body shot lights the whole frame, surround included. A processor that keeps its
surround shows the room, a wall or a test pattern inside the image instead. When the region
sampling saw either (``RegionFinding.needs_frame_pass``), every frame is decoded once, as a
tiny colour copy, and classified twice: by how much of the surround (outside the region
found from the endoscopic frames) is lit, and by what its image shows against the video's
own endoscopy (``adapters.endoscope.scene``). The frames found are blacked out whole in the
masking pass, so the video keeps its length. Videos whose samples all show endoscopy
inside a dark surround pay nothing.
"""

from __future__ import annotations

import cv2
import numpy as np

from adapters.endoscope.activity import tiny_size
from adapters.endoscope.region import Region
from adapters.endoscope.scene import Reference, not_endoscopic, scene_stats, tiny_inside
from adapters.video.ffmpeg_frames import stream_frames

SURROUND_LEVEL = 24  # grey above the surround's black, on the tiny copy
LIT_SURROUND_FRACTION = 0.3  # a frame whose surround is lit this much shows no image
PAD_FRAMES = 0  # frames blanked beyond each side (every frame is classified: a cut is exact)

Range = tuple[int, int]  # first and last frame, inclusive


def tiny_surround(region: Region, size: tuple[int, int]) -> np.ndarray:
    """The surround on a tiny copy, shrunk away from the image so its rim never counts."""
    small = cv2.resize(region.mask, size, interpolation=cv2.INTER_AREA)
    inside = cv2.dilate(np.where(small > 0, 255, 0).astype(np.uint8), np.ones((5, 5), np.uint8))
    return np.asarray(inside == 0, bool)


def find_blank_ranges(
    source: str, region: Region, frames: int, reference: Reference | None = None
) -> list[Range]:
    """The ranges of frames of ``source`` that show no endoscope image.

    A frame is blanked when its surround is lit, or when ``reference`` (the video's own
    endoscopy) is given and its image shows a scene instead (``scene.not_endoscopic``).
    """
    height, width = region.mask.shape
    size = tiny_size(width, height)
    surround, inside = tiny_surround(region, size), tiny_inside(region.mask, size)
    scale = f"scale={size[0]}:{size[1]}:flags=area"
    decoded = stream_frames(["-skip_loop_filter", "all", "-i", source], scale, *size, "bgr24")
    return to_ranges([shows_no_image(tiny, surround, inside, reference) for tiny in decoded],
                     frames)  # fmt: skip


def shows_no_image(
    tiny: np.ndarray, surround: np.ndarray, inside: np.ndarray, reference: Reference | None
) -> bool:
    """Whether a tiny BGR frame has a lit surround, or an image that shows no endoscopy."""
    if surround.any():
        grey = cv2.cvtColor(tiny, cv2.COLOR_BGR2GRAY)
        if float(np.mean(grey[surround] > SURROUND_LEVEL)) > LIT_SURROUND_FRACTION:
            return True
    return (
        reference is not None and not_endoscopic(scene_stats(tiny, inside), reference) is not None
    )


def to_ranges(flags: list[bool], frames: int) -> list[Range]:
    """Join flagged frame indexes into padded, merged, inclusive ranges."""
    ranges: list[Range] = []
    for index, flagged in enumerate(flags):
        if not flagged:
            continue
        start, end = max(index - PAD_FRAMES, 0), min(index + PAD_FRAMES, frames - 1)
        if ranges and start <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], end))
        else:
            ranges.append((start, end))
    return ranges


def describe(ranges: list[Range]) -> str:
    """``N frames (a-b, c-d)`` for events; empty when nothing was blanked."""
    if not ranges:
        return ""
    count = sum(end - start + 1 for start, end in ranges)
    return f"{count} frames ({', '.join(f'{a}-{b}' for a, b in ranges)})"
