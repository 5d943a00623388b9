"""An endoscope image that changes mid-video: a scope switch, a zoom, a recorder moving it.

The samples (``adapters.endoscope.activity``) are grouped by the outline of what they show
lit (the convex hull of the lit area on a tiny copy, text removed): samples of one image
overlap nearly wholly, an image that shrinks, grows or moves does not. Each group of at
least ``region.MIN_SAMPLES`` samples gets a region of its own. Which frames each region
masks is then decided frame by frame on a tiny copy (``adapters.endoscope.blanks``, the same
decode that finds frames without an image): the region whose inside matches the lit pixels
best, where they differ. Where the frame does not tell (a fade, a dark frame between two
geometries, a flicker shorter than ``MIN_RUN`` frames), the frame is masked with the inside
common to all regions: privacy first, a little image is lost rather than surround shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from adapters.endoscope.region import Region, joined
from adapters.video.frame_ranges import Range, covers

LIT_LEVEL = 12  # grey on the tiny copy above the black surround (a dark rim included)
SAME_OUTLINE_IOU = 0.8  # samples whose outlines overlap this well show the same image
MIN_OUTLINE_FRACTION = 0.02  # of the tiny frame: a smaller lit area shows no outline
DISTINCT_REGION_IOU = 0.9  # regions overlapping better than this are one region
MIN_DISPUTED_PX = 4  # tiny pixels where two regions differ: fewer, and they are one here
CONFIDENT_MARGIN = 0.5  # share of the disputed pixels by which the best region must win
MIN_RUN = 3  # frames: a region shown for less is a flicker, masked with the common inside
_OPENING = np.ones((3, 3), np.uint8)  # a text line is at most ~2 tiny pixels high


def lit_pixels(grey: np.ndarray) -> np.ndarray:
    """Bool mask of the tiny grey frame's pixels that show image (text opened away)."""
    lit = np.where(grey > LIT_LEVEL, 255, 0).astype(np.uint8)
    return np.asarray(cv2.morphologyEx(lit, cv2.MORPH_OPEN, _OPENING) > 0)


def outline(grey: np.ndarray) -> np.ndarray | None:
    """The convex hull of the largest lit area of a tiny grey frame, or None if too small."""
    lit = lit_pixels(grey).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(lit, connectivity=8)
    if count < 2:
        return None
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if stats[biggest, cv2.CC_STAT_AREA] < MIN_OUTLINE_FRACTION * lit.size:
        return None
    hull = cv2.convexHull(cv2.findNonZero(np.where(labels == biggest, 255, 0).astype(np.uint8)))
    shape = np.zeros_like(lit)
    cv2.fillConvexPoly(shape, hull, 1)
    return np.asarray(shape > 0)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two bool masks."""
    union = int(np.count_nonzero(a | b))
    return int(np.count_nonzero(a & b)) / union if union else 1.0


def group_by_outline(greys: Sequence[np.ndarray]) -> list[list[int]]:
    """Indexes of tiny grey samples grouped by the image they show, largest group first.

    Each group is represented by its first sample's outline; a sample joins the group it
    overlaps best if that overlap is at least ``SAME_OUTLINE_IOU``. Samples without an
    outline (dark) join none.
    """
    groups: list[tuple[np.ndarray, list[int]]] = []
    for index, grey in enumerate(greys):
        shape = outline(grey)
        if shape is None:
            continue
        overlaps = [iou(shape, first) for first, _ in groups]
        best = int(np.argmax(overlaps)) if overlaps else -1
        if best >= 0 and overlaps[best] >= SAME_OUTLINE_IOU:
            groups[best][1].append(index)
        else:
            groups.append((shape, [index]))
    return sorted((members for _, members in groups), key=len, reverse=True)


def distinct(regions: Sequence[Region], size: tuple[int, int]) -> bool:
    """Whether no two of ``regions`` are practically the same on a ``size`` copy."""
    insides = [tiny_mask(r, size) for r in regions]
    return all(iou(insides[i], insides[j]) < DISTINCT_REGION_IOU
               for i in range(len(insides)) for j in range(i))  # fmt: skip


def tiny_mask(region: Region, size: tuple[int, int]) -> np.ndarray:
    """The inside of ``region`` on a ``size`` (w, h) copy: tiny pixels mostly inside."""
    return np.asarray(cv2.resize(region.mask, size, interpolation=cv2.INTER_AREA) > 127)


def assign(lit: np.ndarray, insides: Sequence[np.ndarray]) -> int | None:
    """The index of the region whose inside matches the ``lit`` pixels, None if unsure.

    The best region (fewest pixels lit outside it or dark inside it) must win against the
    runner-up on the pixels where the two differ by ``CONFIDENT_MARGIN`` of them. A dark
    frame matches the smaller region (the safe choice: its surround is masked).
    """
    mismatch = [int(np.count_nonzero(lit ^ inside)) for inside in insides]
    order = np.argsort(mismatch, kind="stable")
    best = int(order[0])
    if len(insides) == 1:
        return best
    runner = int(order[1])
    disputed = int(np.count_nonzero(insides[best] ^ insides[runner]))
    if disputed < MIN_DISPUTED_PX:
        return best
    margin = (mismatch[runner] - mismatch[best]) / disputed
    return best if margin >= CONFIDENT_MARGIN else None


def common_inside(regions: Sequence[Region]) -> Region:
    """The region inside all of ``regions`` (what is image whichever of them is shown)."""
    mask = regions[0].mask.copy()
    for region in regions[1:]:
        mask = cv2.bitwise_and(mask, region.mask)
    x, y, w, h = cv2.boundingRect(mask)
    rectangle = int(np.count_nonzero(mask)) == w * h
    description = f"common inside of {len(regions)} regions"
    return Region(mask, (int(x), int(y), int(w), int(h)), description, rectangle)


def read_region(region: Region, segments: Sequence[Segment]) -> Region:
    """Where text is looked for inside: ``region``, or every segment's image when it changes."""
    if not segments:
        return region
    return joined([s.region for s in segments], region.description)


@dataclass(frozen=True)
class Segment:
    """A region and the frames it masks."""

    region: Region
    ranges: tuple[Range, ...]

    def holds(self, frame: int) -> bool:
        """Whether ``frame`` is masked with this segment's region."""
        return covers(self.ranges, frame)


@dataclass(frozen=True)
class RegionPlan:
    """Which region masks which frames; ``uncertain``: frames masked with the common inside."""

    segments: tuple[Segment, ...]
    uncertain: tuple[Range, ...] = ()

    def describe(self) -> str:
        """For the event: each region with its frames, and where the switch was unsure."""
        parts = []
        for segment in self.segments:
            x, y, w, h = segment.region.bbox
            frames = ", ".join(f"{a}-{b}" for a, b in segment.ranges)
            parts.append(f"{segment.region.description} {w}x{h} at {x},{y}: frames {frames}")
        text = f"{len(self.segments)} regions ({'; '.join(parts)})"
        if self.uncertain:
            count = sum(b - a + 1 for a, b in self.uncertain)
            text += (f"; where the switch could not be located ({count} frames) the inside "
                     "common to the regions was kept")  # fmt: skip
        return text


def _runs(labels: Sequence[int | None]) -> list[tuple[int | None, int, int]]:
    runs: list[tuple[int | None, int, int]] = []
    for index, label in enumerate(labels):
        if runs and runs[-1][0] == label:
            runs[-1] = (label, runs[-1][1], index)
        else:
            runs.append((label, index, index))
    return runs


def plan_segments(
    labels: Sequence[int | None], regions: Sequence[Region], frames: int
) -> RegionPlan:
    """Turn per-frame region indexes (None: unsure) into the masking plan of ``frames``.

    Frames not classified (the decode ended early) and runs shorter than ``MIN_RUN`` are
    unsure. A plan whose frames all fall to one region has that one segment.
    """
    padded = list(labels[:frames]) + [None] * max(frames - len(labels), 0)
    runs = [(label if end - start + 1 >= MIN_RUN else None, start, end)
            for label, start, end in _runs(padded)]  # fmt: skip
    merged = _runs([label for label, start, end in runs for _ in range(start, end + 1)])
    used = {label for label, _, _ in merged}
    only = used.pop() if len(used) == 1 else None
    if only is not None:
        return RegionPlan((Segment(regions[only], ((0, frames - 1),)),))
    segments = []
    for index, region in enumerate(regions):
        ranges = tuple((a, b) for label, a, b in merged if label == index)
        if ranges:
            segments.append(Segment(region, ranges))
    uncertain = tuple((a, b) for label, a, b in merged if label is None)
    if uncertain:
        segments.append(Segment(common_inside(regions), uncertain))
    segments.sort(key=lambda s: s.ranges[0][0])
    return RegionPlan(tuple(segments), uncertain)
