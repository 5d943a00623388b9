"""Where the endoscope image is: a known processor profile or a region found in the video.

The endoscope image is the large, solid region that stands out from the near-black surround
(brightness, text removed) or keeps changing (motion); burned-in text (patient name, birth
date, a clock) is thin, static or changes rarely. Brightness sees a slow, dark rim and a
still image that motion misses. The search runs on small grey copies of sampled frames (see
``adapters.endoscope.activity``); the convex outline found is scaled back to the video's own
size, odd sizes included, and widened by the uncertainty of one small pixel so the dark rim
is kept. A processor profile, scaled to the frame, replaces it when it holds it tightly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from adapters.endoscope.profiles import PROFILES, Profile
from adapters.endoscope.scene import Reference

ACTIVITY_THRESHOLD = 6.0  # temporal std (grey levels) above compression noise
MIN_REGION_FRACTION = 0.05  # a smaller changing region is a clock, not an endoscope image
# A changing region filling the frame leaves no room for overlays to be told apart (noise in
# the black surround, or text burned into the picture): level 2 cannot vouch for it.
MAX_REGION_FRACTION = 0.97
MIN_SOLIDITY = 0.5  # changing pixels / hull area: less is several things moving, not one
SECOND_VIEW_FRACTION = 0.15  # of the largest image: a component this big is a view of its own
PROFILE_INSIDE_FRACTION = 0.99  # share of the found image that must fall in a profile
PROFILE_MIN_IOU = 0.9  # overlap of the found image with a (scaled) profile outline
RIM_MARGIN_SMALL_PX = 1.5  # widen the found outline by this many small pixels: the rim
RECTANGLE_FILL = 0.985  # a hull filling its bounding box this well is a rectangle
MIN_SAMPLES = 3
DETECTION = "detected@3"  # bump when the detection changes


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


@dataclass(frozen=True)
class RegionFinding:
    """The outcome of looking for the endoscope image: a region, or why there is none."""

    region: Region | None
    detail: str
    full_frames: int = 0  # samples lit over the whole frame (a menu screen, the room)
    scene: Reference | None = None  # what the video's endoscopy looks like inside the image
    scene_suspects: int = 0  # samples whose image shows something else (the room, a screen)
    regions: tuple[Region, ...] = ()  # when the image changes: one region per image seen
    surround: int = 0  # the grey of the surround's black (lifted by an analogue capture)

    @property
    def needs_frame_pass(self) -> bool:
        """Whether every frame is classified: samples showed no endoscopy, or images change."""
        return bool(self.full_frames or self.scene_suspects or self.regions)


def profile_region(profile: Profile) -> Region:
    """The region a processor profile prescribes."""
    return Region(profile.mask, profile.bbox, profile.key, profile.is_rectangle)


def changing_pixels(activity: np.ndarray) -> np.ndarray:
    """Mark the pixels that keep changing (uint8 mask), with isolated specks removed."""
    changing = np.where(activity > ACTIVITY_THRESHOLD, 255, 0).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    return cv2.morphologyEx(changing, cv2.MORPH_OPEN, kernel)


def component_hulls(candidate: np.ndarray) -> list[tuple[np.ndarray, int]]:
    """The convex hull points and area of each connected component, largest first."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(candidate, connectivity=8)
    order = sorted(range(1, count), key=lambda i: -int(stats[i, cv2.CC_STAT_AREA]))
    return [(cv2.convexHull(cv2.findNonZero(np.where(labels == i, 255, 0).astype(np.uint8))),
             int(stats[i, cv2.CC_STAT_AREA])) for i in order]  # fmt: skip


def solid_views(hulls: list[tuple[np.ndarray, int]], shape: tuple[int, ...]) -> list[np.ndarray]:
    """The hulls of the second and further images beside the largest (a dual view).

    A component counts as an image of its own when it is at least ``SECOND_VIEW_FRACTION``
    of the largest and as solid as an image is; a clock or a logo is far smaller.
    """
    views = []
    for points, area in hulls[1:]:
        if area < SECOND_VIEW_FRACTION * hulls[0][1]:
            break
        hull = np.zeros(shape[:2], np.uint8)
        cv2.fillConvexPoly(hull, points, 255)
        if area >= MIN_SOLIDITY * np.count_nonzero(hull):
            views.append(points)
    return views


def matching_profile(found: np.ndarray, width: int, height: int) -> Profile | None:
    """Return the profile, scaled to ``width x height``, that holds the found image tightly.

    ``found`` is the image's hull on the small copy. A profile matches at any frame size
    (an Olympus layout at 1280x720 or 720x576) when nearly all of the image lies in its
    scaled outline (one small pixel of slack) and the two overlap well: a fixed outline
    applied to another layout would leave names readable or cut the image.
    """
    small = found.shape[1], found.shape[0]
    area = max(int(np.count_nonzero(found)), 1)
    best, best_iou = None, PROFILE_MIN_IOU
    for profile in PROFILES:
        scaled = profile.scaled(width, height)
        outline = cv2.resize(scaled.mask, small, interpolation=cv2.INTER_AREA) > 127
        slack = cv2.dilate(outline.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        union = int(np.count_nonzero(outline | found))
        iou = int(np.count_nonzero(outline & found)) / max(union, 1)
        inside = int(np.count_nonzero(found & slack)) / area
        if inside >= PROFILE_INSIDE_FRACTION and iou >= best_iou:
            best, best_iou = scaled, iou
    return best


def detected_region(hull: np.ndarray, small: tuple[int, int], width: int, height: int) -> Region:
    """Scale a hull found on a ``small`` (w, h) copy back to a ``width x height`` region.

    The outline is widened by ``RIM_MARGIN_SMALL_PX`` small pixels: a small pixel at the
    border averages the dark rim with the black surround, so the hull lies up to a small
    pixel inside the true border.
    """
    sx, sy = width / small[0], height / small[1]
    # a small pixel c spans [c*s, (c+1)*s): scale its centre, so the outline stays centred
    points = np.round((hull.reshape(-1, 2) + 0.5) * (sx, sy) - 0.5).astype(np.int32)
    mask = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(mask, points, 255)
    x, y, w, h = cv2.boundingRect(mask)
    mx, my = (round(RIM_MARGIN_SMALL_PX * s) for s in (sx, sy))
    if np.count_nonzero(mask) >= RECTANGLE_FILL * w * h:
        x0, y0 = max(x - mx, 0), max(y - my, 0)
        x1, y1 = min(x + w + mx, width), min(y + h + my, height)
        mask[:] = 0
        mask[y0:y1, x0:x1] = 255
        return Region(mask, (x0, y0, x1 - x0, y1 - y0), DETECTION, rectangle=True)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * mx + 1, 2 * my + 1))
    widened = np.asarray(cv2.dilate(mask, kernel), np.uint8)
    bx, by, bw, bh = cv2.boundingRect(widened)
    return Region(widened, (int(bx), int(by), int(bw), int(bh)), DETECTION, rectangle=False)


def find_region(
    activity: np.ndarray, bright: np.ndarray, samples: int, width: int, height: int
) -> RegionFinding:
    """Locate the endoscope image from the brightness and activity of sampled frames.

    Args:
        activity: per-pixel std of grey levels over the samples, on a small copy.
        bright: uint8 mask of the pixels above the near-black surround in most samples
            (text removed), same small size (or empty).
        samples: how many frames the statistics were measured on.
        width: the video's frame width.
        height: the video's frame height.

    Returns:
        A finding with a profile or detected region, or with ``region=None`` and a reason
        sentence when no region can be trusted (nothing stands out or moves, several
        things do, the image fills the frame).

    """
    if samples < MIN_SAMPLES:
        return RegionFinding(None, "Too few frames to tell the endoscope image from overlays.")
    candidate = changing_pixels(activity)
    if bright.shape == candidate.shape:
        candidate = cv2.bitwise_or(candidate, bright)
    area_small = candidate.size
    hulls = component_hulls(candidate)
    points, area = hulls[0] if hulls else (None, 0)
    if points is None or area < MIN_REGION_FRACTION * area_small:
        return RegionFinding(None, "No large image stands out or moves: the image is uncertain.")
    hull = np.zeros_like(candidate)
    cv2.fillConvexPoly(hull, points, 255)
    hull_area = int(np.count_nonzero(hull))
    if hull_area > MAX_REGION_FRACTION * area_small:
        return RegionFinding(None, "The image fills the frame: overlays are uncertain.")
    if area < MIN_SOLIDITY * hull_area:
        return RegionFinding(None, "The changing area is scattered: the image is uncertain.")
    small = (candidate.shape[1], candidate.shape[0])
    views = solid_views(hulls, candidate.shape)
    if views:  # two images side by side: the region holds them all, the gaps stay black
        region = joined([detected_region(v, small, width, height) for v in [points, *views]])
        return RegionFinding(region, f"{len(views) + 1} endoscope images side by side.")
    profile = matching_profile(hull > 0, width, height)
    if profile is not None:
        return RegionFinding(profile_region(profile), f"The layout matches {profile.key}.")
    region = detected_region(points, small, width, height)
    return RegionFinding(region, "The endoscope image was found against its surround.")


def joined(regions: Sequence[Region], description: str | None = None) -> Region:
    """One region made of several (each masked as found, the gaps between black).

    ``description``: what it is recorded as (default: images side by side, detected).
    """
    mask = np.maximum.reduce([r.mask for r in regions])
    x, y, w, h = cv2.boundingRect(mask)
    described = description or f"{DETECTION} ({len(regions)} views)"
    return Region(mask, (int(x), int(y), int(w), int(h)), described, rectangle=False)
