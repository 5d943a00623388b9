"""Text that fades in and out inside the image between two keyframes, seen on tiny copies.

The inside reading runs on keyframes (at most a second apart), and the watch's step rule
(``adapters.endoscope.watch``) catches text that appears or vanishes in one frame. A line
that fades in over a few frames and out again, all between two keyframes, has no step and
is on no keyframe. On the watch's tiny copy (96 px wide) such a line is a row of pixels a
few tall and many wide whose *colour* leaves the tissue's and comes back: white, yellow,
green or blue letters over red tissue move a pixel off its own colour axis, while tissue
that brightens, darkens or drifts keeps its hue (brightness alone fires on every slow
drift, so it is not used). Compared are frame ``c`` and the frames ``k`` before and after
it, at a few ``k`` up to half a keyframe gap: the two sides must agree in colour, frame
``c`` must be off their axis by ``OFF_LEVEL``, and the pixels that are must form a line.

A picture shown briefly (a face the scope sweeps over, cross-faded in and out between two
keyframes) is found by brightness instead (``BriefScenes``): a quarter of the image changes
by ``SCENE_LEVEL`` against the frames ``k`` before and after, which agree. Only ``k`` up to
``SCENE_SCALE``: over a second, tissue that swings back and forth does the same (on tiny
copies, a swing by a fifth of the image and back within a second still does: one more read;
a breath's swing, or one of a few pixels, does not).

Measured on generated recordings (text 14-22 px at 960 px, 16-20 px at 1280 px, white,
yellow and green, fading over 3-8 frames, shown 7-20 frames, over smooth and vascular
tissue): every fade found but 16-px dates at 1280 px (1.2 tiny rows high); none on the
20 s 1080p benchmark clip, the vascular and moving families. Dark letters (a darkening
in a line) are not looked for: slow drift darkens lines of tissue all the time. Nor are
letters close to the tissue's colour (white or pale yellow on pale mucosa, light pink on
pink, a brighter tissue hue): 19 of 50 fades a red team tried, all of that kind. A weaker
rule (off axis by 8 and brighter by 10, in a line) finds most of them but fires on one
frame in ten of the benchmark clip.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from adapters.endoscope.motion import found_nearby
from adapters.video.frame_ranges import merge

OFF_LEVEL = 20.0  # how far (BGR levels) a pixel leaves the colour axis of the frames around
SAME_LEVEL = 8.0  # ... while those two frames, k before and k after, agree within this
MIN_LINE_PIXELS = 6  # tiny pixels off axis in one line
MIN_LINE_WIDTH = 8  # tiny pixels: a line this wide at least (a date of 14-px text at 960 px)
LINE_ASPECT = 3  # and this many times wider than high (tissue that flushes is a blob)
MOVED_REACH = 2  # tiny pixels: a colour found this close in frame c - k or c + k moved
SCALES = (2, 4, 7, 13)  # frames before and after; at most half a keyframe gap is looked at
SCENE_LEVEL = 30  # grey change of a tiny pixel against both sides: another picture
SCENE_SAME = 15  # ... while the two sides agree within this
SCENE_SHARE = 0.25  # of the image's tiny pixels
SCENE_SCALE = 7  # frames: a picture shown briefly is compared this far at most


@dataclass(frozen=True)
class _Colours:
    """One tiny frame as colour planes, with each pixel's squared length and unit colour."""

    bgr: np.ndarray  # H x W x 3, as taken
    planes: np.ndarray  # 3 x H x W float32
    length2: np.ndarray  # H x W
    unit: np.ndarray  # 3 x H x W: the colour axis through each pixel

    @classmethod
    def of(cls, tiny: np.ndarray) -> _Colours:
        planes = np.moveaxis(tiny.astype(np.float32), 2, 0)
        length2 = planes[0] * planes[0] + planes[1] * planes[1] + planes[2] * planes[2]
        return cls(tiny, planes, length2, planes / np.sqrt(length2 + 1.0))

    def off_axis_over(self, axis: _Colours, level: float) -> np.ndarray:
        """Where a pixel lies farther than ``level`` from the colour axis of ``axis``."""
        u, p = axis.unit, self.planes
        along = p[0] * u[0] + p[1] * u[1] + p[2] * u[2]
        return np.asarray(self.length2 - along * along > level * level)


def _scales(gap: int, most: int = SCALES[-1]) -> list[int]:
    """The ``SCALES`` looked at: up to half a keyframe ``gap`` (and ``most``), the first always."""
    return [k for k in SCALES if k <= min(most, max(gap // 2 + 1, SCALES[0]))]


def _middles(frames: set[int]) -> list[int]:
    """The middle frame of each stretch of consecutive ``frames``, in order."""
    return [(start + end) // 2 for start, end in merge((f, f) for f in sorted(frames))]


def _holds_a_line(off: np.ndarray) -> bool:
    """Whether the pixels of ``off`` (bool) join into a line of text (wide, low, inked)."""
    joined = cv2.dilate(off.astype(np.uint8), np.ones((1, 3), np.uint8))  # letters, words
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    for label in range(1, count):
        width, height = stats[label, cv2.CC_STAT_WIDTH], stats[label, cv2.CC_STAT_HEIGHT]
        if width < MIN_LINE_WIDTH or width < LINE_ASPECT * height:
            continue
        if np.count_nonzero(off & (labels == label)) >= MIN_LINE_PIXELS:
            return True
    return False


class BriefLines:
    """Finds the frames where a line of another colour shows up briefly, frame by frame.

    Args:
        gap: frames between the keyframes the inside reading reads.

    """

    def __init__(self, gap: int) -> None:
        self._scales = _scales(gap)
        self._recent: deque[_Colours] = deque(maxlen=2 * self._scales[-1] + 1)
        self._frames = 0
        self._seen: set[int] = set()

    def add(self, tiny: np.ndarray, inside: np.ndarray) -> None:
        """Take the next frame's tiny BGR copy and where its image is (bool ``HxW``)."""
        self._recent.append(_Colours.of(tiny))
        self._frames += 1
        for k in self._scales:
            if len(self._recent) < 2 * k + 1:
                break
            before, at, after = self._recent[-1 - 2 * k], self._recent[-1 - k], self._recent[-1]
            off = at.off_axis_over(before, OFF_LEVEL) & inside
            if np.count_nonzero(off) < MIN_LINE_PIXELS:
                continue
            off &= at.off_axis_over(after, OFF_LEVEL)
            off &= ~after.off_axis_over(before, SAME_LEVEL)  # the two sides agree
            if np.count_nonzero(off) < MIN_LINE_PIXELS:
                continue
            off &= ~found_nearby(off, at.bgr, (before.bgr, after.bgr), MOVED_REACH)
            if _holds_a_line(off):
                self._seen.add(self._frames - 1 - k)

    def peaks(self) -> list[int]:
        """One frame to read for each stretch a brief line was seen on: its middle."""
        return _middles(self._seen)


class BriefScenes:
    """Finds the frames where another picture shows up briefly (a quarter of the image).

    Args:
        gap: frames between the keyframes the inside reading reads.

    """

    def __init__(self, gap: int) -> None:
        self._scales = _scales(gap, SCENE_SCALE)
        self._recent: deque[np.ndarray] = deque(maxlen=2 * self._scales[-1] + 1)
        self._frames = 0
        self._seen: set[int] = set()

    def add(self, grey: np.ndarray, inside: np.ndarray) -> None:
        """Take the next frame's tiny grey copy and where its image is (bool ``HxW``)."""
        self._recent.append(grey.astype(np.int16))
        self._frames += 1
        needed = SCENE_SHARE * max(int(np.count_nonzero(inside)), 1)
        for k in self._scales:
            if len(self._recent) < 2 * k + 1:
                break
            before, at, after = self._recent[-1 - 2 * k], self._recent[-1 - k], self._recent[-1]
            other = (np.abs(at - before) >= SCENE_LEVEL) & (np.abs(at - after) >= SCENE_LEVEL)
            other &= (np.abs(before - after) < SCENE_SAME) & inside
            if np.count_nonzero(other) >= needed:
                self._seen.add(self._frames - 1 - k)

    def peaks(self) -> list[int]:
        """One frame to read for each stretch a brief picture was seen on: its middle."""
        return _middles(self._seen)
