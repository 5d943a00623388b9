"""Which boxes to black out inside the image, and over which frames: lines tracked on keyframes.

Text inside the image is read on the output's keyframes only (at most a second apart). A line
found on some of them is blacked out from the last read keyframe where it was absent to the
next read keyframe where it is absent, both included: between two reads nothing is known, so
the box covers the whole interval. Boxes that overlap on consecutive read keyframes are one
line (a clock ticking, a banner); their union is blacked out over the joined range. A line
that cannot be followed from keyframe to keyframe is blacked out over the whole video.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from adapters.video.frame_ranges import Range, as_text, merge

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels

BOX_MARGIN_PX = 12  # blacked out around a line found: the candidate box hugs the letters
MAX_COVER = 0.2  # more of the image than this blacked out on one frame: not worth publishing


@dataclass(frozen=True)
class TimedBox:
    """A box blacked out over the frames ``first`` to ``last`` (inclusive)."""

    x: int
    y: int
    w: int
    h: int
    first: int
    last: int

    @property
    def box(self) -> Box:
        """``(x, y, w, h)``."""
        return self.x, self.y, self.w, self.h


def overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes share at least one pixel."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def union(a: Box, b: Box) -> Box:
    """The smallest box holding both."""
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return x0, y0, x1 - x0, y1 - y0


def widen(box: Box, margin: int, width: int, height: int) -> Box:
    """``box`` grown by ``margin`` on every side, kept inside a ``width x height`` frame."""
    x0, y0 = max(box[0] - margin, 0), max(box[1] - margin, 0)
    x1, y1 = min(box[0] + box[2] + margin, width), min(box[1] + box[3] + margin, height)
    return x0, y0, max(x1 - x0, 0), max(y1 - y0, 0)


@dataclass
class _Track:
    box: Box
    first: int  # index of the first read keyframe the line was found on
    last: int


def track_lines(
    found: Sequence[Sequence[Box]], numbers: Sequence[int], frames: int
) -> list[TimedBox]:
    """Join the lines found on read keyframes into boxes with frame ranges.

    Args:
        found: for each read keyframe, in order, the boxes of the lines to black out.
        numbers: the frame number of each read keyframe (same length as ``found``).
        frames: how many frames the video has.

    Returns:
        One box per line, over the frames from the read keyframe before its first sighting
        to the read keyframe after its last one (the video's ends where there is none).

    """
    if len(found) != len(numbers):
        raise ValueError("every read keyframe needs its frame number")
    done: list[_Track] = []
    open_tracks: list[_Track] = []
    for index, boxes in enumerate(found):
        still: list[_Track] = []
        for box in boxes:
            joined = [t for t in open_tracks + still if overlaps(t.box, box)]
            track = _Track(box, index, index)
            for other in joined:  # one line: union of the boxes, earliest sighting
                track = _Track(union(track.box, other.box), min(track.first, other.first), index)
                for pool in (open_tracks, still):
                    if other in pool:
                        pool.remove(other)
            still.append(track)
        done += open_tracks  # not seen on this keyframe: the line ended before it
        open_tracks = still
    done += open_tracks
    last = len(numbers) - 1
    return [
        TimedBox(
            *t.box,
            numbers[t.first - 1] if t.first > 0 else 0,
            numbers[t.last + 1] if t.last < last else frames - 1,
        )
        for t in sorted(done, key=lambda t: (t.first, t.box))
    ]


def largest_cover(boxes: Sequence[TimedBox], inside: np.ndarray) -> tuple[float, int]:
    """The largest share of the image ``boxes`` black out on one frame, and that frame.

    ``inside`` is the image's uint8 mask, frame-sized. Coverage only grows where a box
    starts, so only those frames are looked at.
    """
    area = max(int(np.count_nonzero(inside)), 1)
    worst, at = 0.0, 0
    for frame in sorted({b.first for b in boxes}):
        cover = np.zeros(inside.shape, bool)
        for b in boxes:
            if b.first <= frame <= b.last:
                cover[b.y : b.y + b.h, b.x : b.x + b.w] = True
        share = int(np.count_nonzero(cover & (inside > 0))) / area
        if share > worst:
            worst, at = share, frame
    return worst, at


def frame_ranges(boxes: Sequence[TimedBox]) -> list[Range]:
    """The frames on which any of ``boxes`` is blacked out, as merged inclusive ranges."""
    return merge((b.first, b.last) for b in boxes)


def frames_text(boxes: Sequence[TimedBox]) -> str:
    """``a-b, c-d``: the frames on which any of ``boxes`` is blacked out."""
    return as_text(frame_ranges(boxes))


def describe(boxes: Sequence[TimedBox]) -> str:
    """``N box(es) over frames a-b, c-d`` for events (no text, no positions)."""
    return f"{len(boxes)} box(es) over frames {frames_text(boxes)}" if boxes else "0 box(es)"
