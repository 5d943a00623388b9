"""Text boxes tracked across sampled frames, and the frame spans they must be masked over.

A box seen at sampled frame ``f`` may have appeared any time after the previous sample
that looked at that spot, and may stay until the next one that looked and did not see it:
its mask covers that whole span, not just the frames where OCR happened to run.

Masks grow (the union of every sighting: more black is safe); kept boxes shrink (the
intersection of every sighting, and only where no other line was read: a box must never
lend its "harmless" verdict to pixels of another line).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)

#: Overlap (intersection over the smaller box) above which two sightings are one line.
SAME_LINE_OVERLAP = 0.5


def overlap(a: Rect, b: Rect) -> float:
    """Intersection area over the area of the smaller rectangle (0 when disjoint)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return (w * h) / max(1, smaller)


def union(a: Rect, b: Rect) -> Rect:
    """The smallest rectangle holding both."""
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def intersection(a: Rect, b: Rect) -> Rect | None:
    """The common part of both, or None when they do not overlap."""
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] < box[2] and box[1] < box[3] else None


def contains_centre(outer: Rect, inner: Rect) -> bool:
    """Whether the centre of ``inner`` lies in ``outer``."""
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= cx < outer[2] and outer[1] <= cy < outer[3]


@dataclass
class Track:
    """One line of text followed over the sampled frames.

    Attributes:
        rect: union of every box it was seen in.
        texts: every distinct text read there (a clock gives many).
        seen: the sampled frame indices where it was read, ascending.
        masked: whether any of its texts must be hidden (set after classification).
        core: intersection of every box it was seen in (None: sightings that disagree).
        unsure: a sighting was cut by the edge of a crop: its text may be part of a line.
    """

    rect: Rect
    texts: list[str] = field(default_factory=list)
    seen: list[int] = field(default_factory=list)
    masked: bool = True
    core: Rect | None = None
    unsure: bool = False


@dataclass(frozen=True)
class Sample:
    """One OCR pass: the frame index and the part of the frame it looked at."""

    frame: int
    area: Rect


class Tracker:
    """Associates OCR boxes over samples by position; text may change inside a track."""

    def __init__(self) -> None:
        self.tracks: list[Track] = []
        self.samples: list[Sample] = []

    def add_sample(
        self, frame: int, area: Rect, boxes: list[tuple[Rect, str]], frame_size: Rect | None = None
    ) -> None:
        """Record one OCR pass over ``area`` of frame ``frame`` and the lines it found.

        ``frame_size`` (the whole frame) tells crop edges from frame edges: a box touching
        an edge of a crop that is not an edge of the frame may be a piece of a longer line.
        """
        self.samples.append(Sample(frame, area))
        for rect, text in boxes:
            track = self._match(rect)
            if track is None:
                track = Track(rect, core=rect)
                self.tracks.append(track)
            track.rect = union(track.rect, rect)
            track.core = intersection(track.core, rect) if track.core else None
            track.unsure |= frame_size is not None and _cut_by_crop(rect, area, frame_size)
            if text not in track.texts:
                track.texts.append(text)
            if not track.seen or track.seen[-1] != frame:
                track.seen.append(frame)

    def _match(self, rect: Rect) -> Track | None:
        best, best_overlap = None, SAME_LINE_OVERLAP
        for track in self.tracks:
            score = overlap(track.rect, rect)
            if score >= best_overlap:
                best, best_overlap = track, score
        return best

    def span(self, track: Track, frames: int) -> tuple[int, int]:
        """First and last frame (inclusive) over which ``track`` may have been visible."""
        looked = sorted(s.frame for s in self.samples if contains_centre(s.area, track.rect))
        first, last = track.seen[0], track.seen[-1]
        before = bisect_left(looked, first)
        start = looked[before - 1] + 1 if before > 0 else 0
        after = bisect_right(looked, last)
        end = looked[after] - 1 if after < len(looked) else frames - 1
        return start, max(start, end)

    def masked_spans(self, frames: int, margin: int, width: int, height: int) -> list[Mask]:
        """The black rectangles to draw, each with the frame span it covers."""
        spans = []
        for track in self.tracks:
            if track.masked:
                rect = grown(track.rect, margin, width, height)
                spans.append(Mask(*self.span(track, frames), rect))
        return spans

    def kept_spans(self) -> list[Mask]:
        """Lines judged not patient data, over the frames they were read in (kept visible).

        A kept box is the part every sighting of the line agrees on, and only if it touches
        no other line's box: pixels of a neighbour never stay readable on its account.
        """
        kept = []
        for track in self.tracks:
            if track.masked or track.unsure or not track.seen or track.core is None:
                continue
            others = (t.rect for t in self.tracks if t is not track)
            if not any(intersection(track.core, other) for other in others):
                kept.append(Mask(track.seen[0], track.seen[-1], track.core))
        return kept


def _cut_by_crop(rect: Rect, area: Rect, frame: Rect, touch: int = 2) -> bool:
    """Whether ``rect`` touches an edge of ``area`` that is not an edge of ``frame``."""
    return any(abs(r - a) <= touch and a != f for r, a, f in zip(rect, area, frame, strict=True))


def grown(rect: Rect, margin: int, width: int, height: int) -> Rect:
    """``rect`` grown by ``margin`` on every side, clipped to the frame."""
    x0, y0, x1, y1 = rect
    return (
        max(0, x0 - margin),
        max(0, y0 - margin),
        min(width, x1 + margin),
        min(height, y1 + margin),
    )


@dataclass(frozen=True)
class Mask:
    """A black rectangle over frames ``start`` to ``end`` inclusive."""

    start: int
    end: int
    rect: Rect

    def covers(self, frame: int) -> bool:
        """Whether frame ``frame`` gets this rectangle."""
        return self.start <= frame <= self.end
