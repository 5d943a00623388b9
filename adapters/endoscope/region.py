"""Where the endoscope image is: a known processor profile or a region found in the video.

The endoscope image is the large region whose content keeps changing; burned-in text
(patient name, birth date, a clock) is static or changes rarely and sits outside it. The
search runs on small grey copies of sampled frames (see ``adapters.endoscope.activity``); the region
found is scaled back to the video's own size, odd sizes included.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from adapters.endoscope.profiles import Profile, profiles_for

ACTIVITY_THRESHOLD = 6.0  # temporal std (grey levels) above compression noise
MIN_REGION_FRACTION = 0.05  # a smaller changing region is a clock, not an endoscope image
# A changing region filling the frame leaves no room for overlays to be told apart (noise in
# the black surround, or text burned into the picture): level 2 cannot vouch for it.
MAX_REGION_FRACTION = 0.97
MIN_SOLIDITY = 0.5  # changing pixels / hull area: less is several things moving, not one
PROFILE_INSIDE_FRACTION = 0.95  # share of changing pixels that must fall in a profile
PROFILE_MIN_IOU = 0.8  # overlap of the motion hull with a profile outline
RECTANGLE_FILL = 0.985  # a hull filling its bounding box this well is a rectangle
MIN_SAMPLES = 3
DETECTION = "detected@2"  # bump when the detection changes


@dataclass(frozen=True)
class Region:
    """The endoscope image of a video: everything outside it is blacked out.

    Attributes:
        mask: uint8 ``HxW``, 255 inside the endoscope image, 0 outside.
        bbox: ``(x, y, w, h)`` of the inside.
        description: ``profile:<name>@<version>`` or ``detected@<version>``.
        rectangle: the inside is exactly ``bbox`` (masking is then a few filled boxes).

    """

    mask: np.ndarray
    bbox: tuple[int, int, int, int]
    description: str
    rectangle: bool

    def outside_boxes(self) -> list[tuple[int, int, int, int]]:
        """The (up to four) non-empty boxes that cover the frame outside ``bbox``."""
        height, width = self.mask.shape
        x, y, w, h = self.bbox
        boxes = [(0, 0, width, y), (0, y + h, width, height - y - h),
                 (0, y, x, h), (x + w, y, width - x - w, h)]  # fmt: skip
        return [box for box in boxes if box[2] > 0 and box[3] > 0]

    def corners(self) -> np.ndarray:
        """The mask inside ``bbox`` (what a non-rectangular image leaves black there)."""
        x, y, w, h = self.bbox
        return self.mask[y : y + h, x : x + w]


@dataclass(frozen=True)
class RegionFinding:
    """The outcome of looking for the endoscope image: a region, or why there is none."""

    region: Region | None
    detail: str


def profile_region(profile: Profile) -> Region:
    """The region a processor profile prescribes."""
    return Region(profile.mask, profile.bbox, profile.key, profile.is_rectangle)


def changing_pixels(activity: np.ndarray) -> np.ndarray:
    """Mark the pixels that keep changing (uint8 mask), with isolated specks removed."""
    changing = np.where(activity > ACTIVITY_THRESHOLD, 255, 0).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    return cv2.morphologyEx(changing, cv2.MORPH_OPEN, kernel)


def largest_component_hull(changing: np.ndarray) -> tuple[np.ndarray | None, int]:
    """Return the convex hull points of the largest connected component and its area."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(changing, connectivity=8)
    if count < 2:
        return None, 0
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    points = cv2.findNonZero(np.where(labels == biggest, 255, 0).astype(np.uint8))
    return cv2.convexHull(points), int(stats[biggest, cv2.CC_STAT_AREA])


def matching_profile(
    changing: np.ndarray, hull: np.ndarray, width: int, height: int
) -> Profile | None:
    """Return the profile whose outline holds the video's changing content, if any.

    A profile matches only at its own frame size, when nearly all changing pixels lie in
    its outline and the motion hull overlaps it well: a fixed outline applied to another
    layout would leave names readable.
    """
    small = changing.shape[1], changing.shape[0]
    moving = int(np.count_nonzero(changing))
    for profile in profiles_for(width, height):
        outline = cv2.resize(profile.mask, small, interpolation=cv2.INTER_AREA) > 127
        inside = int(np.count_nonzero(changing[outline]))
        union = int(np.count_nonzero(outline | hull))
        iou = int(np.count_nonzero(outline & hull)) / max(union, 1)
        if inside >= PROFILE_INSIDE_FRACTION * moving and iou >= PROFILE_MIN_IOU:
            return profile
    return None


def detected_region(hull: np.ndarray, small: tuple[int, int], width: int, height: int) -> Region:
    """Scale a hull found on a ``small`` (w, h) copy back to a ``width x height`` region."""
    sx, sy = width / small[0], height / small[1]
    # a small pixel c spans [c*s, (c+1)*s): scale its centre, so the outline stays centred
    points = np.round((hull.reshape(-1, 2) + 0.5) * (sx, sy) - 0.5).astype(np.int32)
    mask = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(mask, points, 255)
    x, y, w, h = cv2.boundingRect(mask)
    if np.count_nonzero(mask) >= RECTANGLE_FILL * w * h:
        mask[:] = 0
        mask[y : y + h, x : x + w] = 255
        return Region(mask, (x, y, w, h), DETECTION, rectangle=True)
    return Region(mask, (x, y, w, h), DETECTION, rectangle=False)


def find_region(activity: np.ndarray, samples: int, width: int, height: int) -> RegionFinding:
    """Locate the endoscope image from the temporal activity of sampled frames.

    Args:
        activity: per-pixel std of grey levels over the samples, on a small copy.
        samples: how many frames the activity was measured on.
        width: the video's frame width.
        height: the video's frame height.

    Returns:
        A finding with a profile or detected region, or with ``region=None`` and a reason
        sentence when no region can be trusted (static video, no large changing area,
        several changing areas, motion filling the frame).

    """
    if samples < MIN_SAMPLES:
        return RegionFinding(None, "Too few frames to tell the endoscope image from overlays.")
    changing = changing_pixels(activity)
    area_small = changing.size
    points, area = largest_component_hull(changing)
    if points is None or area < MIN_REGION_FRACTION * area_small:
        return RegionFinding(None, "No large changing region: the endoscope image is uncertain.")
    hull = np.zeros_like(changing)
    cv2.fillConvexPoly(hull, points, 255)
    hull_area = int(np.count_nonzero(hull))
    if hull_area > MAX_REGION_FRACTION * area_small:
        return RegionFinding(None, "The changing region fills the frame: overlays are uncertain.")
    if area < MIN_SOLIDITY * hull_area:
        return RegionFinding(None, "The changing area is scattered: the image is uncertain.")
    profile = matching_profile(changing, hull > 0, width, height)
    if profile is not None:
        return RegionFinding(profile_region(profile), f"The layout matches {profile.key}.")
    small = (changing.shape[1], changing.shape[0])
    region = detected_region(points, small, width, height)
    return RegionFinding(region, "The endoscope image was detected from its motion.")
