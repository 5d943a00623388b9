"""Where the endoscope image is: a known processor profile or a region found in the video.

The endoscope image is the large region whose content keeps changing; burned-in text
(patient name, birth date, a clock) is static or changes rarely and sits outside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

ACTIVITY_THRESHOLD = 6.0  # temporal std (grey levels) above compression noise
MIN_REGION_FRACTION = 0.05  # a smaller changing region is a clock, not an endoscope image
# A changing region filling the frame leaves no room for overlays to be told apart (noise in
# the black surround, or text burned into the picture): level 2 cannot vouch for it.
MAX_REGION_FRACTION = 0.97
PROFILE_INSIDE_FRACTION = 0.95  # share of changing pixels that must fall in a profile
PROFILE_COVER_FRACTION = 0.5  # share of a profile rectangle the changing region must fill
MIN_SAMPLES = 3


@dataclass(frozen=True)
class Profile:
    """A video processor layout whose endoscope image is a known rectangle."""

    name: str
    version: int
    width: int
    height: int
    rect: tuple[int, int, int, int]  # x, y, w, h


PROFILES: tuple[Profile, ...] = (Profile("olympus-cv1500", 1, 1920, 1080, (550, 0, 1350, 1080)),)


@dataclass(frozen=True)
class Region:
    """The endoscope image of a video: everything outside it is blacked out.

    Attributes:
        mask: uint8 ``HxW``, 255 inside the endoscope image, 0 outside.
        bbox: ``(x, y, w, h)`` of the inside.
        description: ``profile:<name>@<version>`` or ``detected@1``.
        rectangle: the inside is exactly ``bbox`` (masking is then slice assignment).

    """

    mask: np.ndarray
    bbox: tuple[int, int, int, int]
    description: str
    rectangle: bool
    _mask3: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.rectangle:  # a 3-channel copy, so masking is one bitwise_and per frame
            object.__setattr__(self, "_mask3", cv2.merge([self.mask, self.mask, self.mask]))

    def apply(self, frame: np.ndarray) -> None:
        """Set every pixel of ``frame`` outside the region to black, in place."""
        x, y, w, h = self.bbox
        frame[:y] = 0
        frame[y + h :] = 0
        frame[:, :x] = 0
        frame[:, x + w :] = 0
        if self._mask3 is not None:
            inside = frame[y : y + h, x : x + w]
            cv2.bitwise_and(inside, self._mask3[y : y + h, x : x + w], dst=inside)


@dataclass(frozen=True)
class RegionFinding:
    """The outcome of looking for the endoscope image: a region, or why there is none."""

    region: Region | None
    detail: str


def rectangle_region(
    width: int, height: int, rect: tuple[int, int, int, int], description: str
) -> Region:
    """Build a rectangular region inside a ``width x height`` frame."""
    x, y, w, h = rect
    mask = np.zeros((height, width), np.uint8)
    mask[y : y + h, x : x + w] = 255
    return Region(mask, rect, description, rectangle=True)


def activity_map(samples: Sequence[np.ndarray]) -> np.ndarray:
    """Compute the per-pixel temporal std of the grey levels over ``samples`` (float32)."""
    total = sq_total = None
    for frame in samples:
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)
        if total is None or sq_total is None:
            total, sq_total = grey.copy(), grey * grey
        else:
            total += grey
            sq_total += grey * grey
    assert total is not None and sq_total is not None
    mean = total / len(samples)
    return np.sqrt(np.maximum(sq_total / len(samples) - mean * mean, 0.0))


def changing_pixels(activity: np.ndarray) -> np.ndarray:
    """Mark the pixels that keep changing (uint8 mask), with isolated specks removed."""
    changing = np.where(activity > ACTIVITY_THRESHOLD, 255, 0).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    return cv2.morphologyEx(changing, cv2.MORPH_OPEN, kernel)


def largest_component_hull(changing: np.ndarray) -> tuple[np.ndarray, int]:
    """Return the filled convex hull of the largest connected component and its area."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(changing, connectivity=8)
    hull_mask = np.zeros_like(changing)
    if count < 2:
        return hull_mask, 0
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    points = cv2.findNonZero(np.where(labels == biggest, 255, 0).astype(np.uint8))
    cv2.fillConvexPoly(hull_mask, cv2.convexHull(points), 255)
    return hull_mask, int(stats[biggest, cv2.CC_STAT_AREA])


def matching_profile(changing: np.ndarray, hull: np.ndarray) -> Profile | None:
    """Return the profile whose rectangle holds the video's changing content, if any.

    A profile matches only at its own resolution, when nearly all changing pixels lie in its
    rectangle and the changing region fills a good part of it: a fixed rectangle applied to
    another layout would leave names readable.
    """
    height, width = changing.shape
    moving = int(np.count_nonzero(changing))
    for profile in PROFILES:
        if (profile.width, profile.height) != (width, height) or moving == 0:
            continue
        x, y, w, h = profile.rect
        inside = int(np.count_nonzero(changing[y : y + h, x : x + w]))
        covered = int(np.count_nonzero(hull[y : y + h, x : x + w]))
        if inside >= PROFILE_INSIDE_FRACTION * moving and covered >= PROFILE_COVER_FRACTION * w * h:
            return profile
    return None


def find_region(samples: Sequence[np.ndarray]) -> RegionFinding:
    """Locate the endoscope image from frames spread over a video.

    Args:
        samples: BGR frames of one video, ideally 24-32 spread over its length.

    Returns:
        A finding with a profile or detected region, or with ``region=None`` and a reason
        sentence when no region can be trusted (static video, no large changing area).

    """
    if len(samples) < MIN_SAMPLES:
        return RegionFinding(None, "Too few frames to tell the endoscope image from overlays.")
    height, width = samples[0].shape[:2]
    changing = changing_pixels(activity_map(samples))
    hull, area = largest_component_hull(changing)
    if area < MIN_REGION_FRACTION * width * height:
        return RegionFinding(None, "No large changing region: the endoscope image is uncertain.")
    if np.count_nonzero(hull) > MAX_REGION_FRACTION * width * height:
        return RegionFinding(None, "The changing region fills the frame: overlays are uncertain.")
    profile = matching_profile(changing, hull)
    if profile is not None:
        description = f"profile:{profile.name}@{profile.version}"
        region = rectangle_region(width, height, profile.rect, description)
        return RegionFinding(region, f"The layout matches processor profile {profile.name}.")
    x, y, w, h = cv2.boundingRect(hull)
    region = Region(hull, (x, y, w, h), "detected@1", rectangle=False)
    return RegionFinding(region, "The endoscope image was detected from its motion.")
