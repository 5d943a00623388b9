"""Cheap sampling for region detection: small grey frames, decoded only where needed.

Two ffmpeg readers feed one running mean and variance per pixel (memory does not grow with
the video): every ``step``-th frame of the first seconds (motion at frame rate), and every
keyframe of the whole video (``-skip_frame nokey``: the frames in between are not decoded).
The same samples vote, per pixel, for "brighter than the near-black surround" (text removed
by an opening): motion alone misses a slow, dark rim and a still image, brightness does not.
A sample that is bright nearly everywhere (a menu screen, a room) has no surround and does
not vote. The samples are decoded in colour: a tiny copy of each voting sample is kept
(``TINY_WIDTH``, at most ``HEAD_SAMPLES + MAX_KEYFRAMES`` of them), so what the image shows
can be compared with the video's own endoscopy (``adapters.endoscope.scene``) once the image
is found, and samples of different images told apart (``adapters.endoscope.segments``: a
region per image, each found on its own samples), without decoding anything again.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from adapters.endoscope.region import MIN_SAMPLES, Region, RegionFinding, find_region
from adapters.endoscope.scene import (
    Reference,
    not_endoscopic,
    scene_stats,
    tiny_inside,
    warm_up_colour,
)
from adapters.endoscope.segments import common_inside, distinct, group_by_outline
from adapters.endoscope.surround import lowered, surround_level
from adapters.video.ffmpeg_frames import stream_frames
from adapters.video.opencv_frames import VideoInfo

DETECT_WIDTH = 480  # width of the grey copies the region is searched on
TINY_WIDTH = 96  # width of the colour copies the image's content is judged on
HEAD_SECONDS = 3.0
HEAD_SAMPLES = 16
MAX_KEYFRAMES = 64
# The samples are shrunk to DETECT_WIDTH: the deblocking filter changes nothing there that
# counts, and skipping it makes decoding the samples ~30% cheaper.
_ROUGH = ("-skip_loop_filter", "all")
SURROUND_LEVEL = 10  # grey above the near-black surround: picture (a vignetted rim is ~15+)
FULL_FRAME_FRACTION = 0.92  # a sample bright over this share of the frame has no surround
# Text strokes are at most ~2 px wide on the small copies; a 5 px opening removes them.
_TEXT_OPENING = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))


@dataclass(frozen=True)
class Sample:
    """A voting sample, kept for what is decided after sampling: its grey and tiny copies."""

    grey: np.ndarray  # detection size, uint8
    tiny: np.ndarray  # TINY_WIDTH, BGR


class Activity:
    """Running per-pixel mean and variance of grey frames (Welford's method)."""

    def __init__(self, tiny: tuple[int, int] = (TINY_WIDTH, 54)) -> None:
        self.count = 0
        self._tiny_size = tiny  # (w, h) of the colour copies kept
        self._mean: np.ndarray | None = None
        self._m2: np.ndarray | None = None
        self.bright_votes: np.ndarray | None = None  # uint16 per pixel
        self.voters = 0  # samples that showed a surround (and voted)
        self.full_frames = 0  # samples bright nearly everywhere
        self.samples: list[Sample] = []  # the voting samples, in the order they came
        self.surround = 0  # the grey the samples were lowered by (``adapters.endoscope.surround``)

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Activity:
        """The statistics of some of the samples of another ``Activity``."""
        activity = cls()
        for sample in samples:
            activity.add_grey(sample.grey, sample.tiny)
        return activity

    def add(self, frame: np.ndarray) -> None:
        """Take one ``HxWx3`` uint8 BGR frame into the statistics."""
        tiny = cv2.resize(frame, self._tiny_size, interpolation=cv2.INTER_AREA)
        self.add_grey(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), tiny)

    def add_grey(self, grey: np.ndarray, tiny: np.ndarray) -> None:
        """Take one ``HxW`` uint8 grey frame (and its tiny BGR copy) into the statistics."""
        if not self._vote(grey):
            return  # no surround: the screen or room would count as motion everywhere
        self.samples.append(Sample(grey, tiny))
        value = grey.astype(np.float32)
        self.count += 1
        if self._mean is None or self._m2 is None:
            self._mean, self._m2 = value, np.zeros_like(value)
            return
        delta = value - self._mean
        self._mean += delta / self.count
        self._m2 += delta * (value - self._mean)

    def _vote(self, grey: np.ndarray) -> bool:
        bright = cv2.morphologyEx(
            np.where(grey > SURROUND_LEVEL, 1, 0).astype(np.uint8), cv2.MORPH_OPEN, _TEXT_OPENING
        )
        if np.count_nonzero(bright) > FULL_FRAME_FRACTION * bright.size:
            self.full_frames += 1
            return False
        if self.bright_votes is None:
            self.bright_votes = np.zeros(grey.shape, np.uint16)
        self.bright_votes += bright
        self.voters += 1
        return True

    def bright(self) -> np.ndarray:
        """uint8 mask: 255 where at least half the voting samples were above the surround."""
        if self.bright_votes is None or self.voters == 0:
            return np.zeros((0, 0), np.uint8)
        return np.where(2 * self.bright_votes >= self.voters, 255, 0).astype(np.uint8)

    def std(self) -> np.ndarray:
        """The per-pixel standard deviation so far (float32)."""
        if self._m2 is None:
            return np.zeros((0, 0), np.float32)
        return np.sqrt(self._m2 / self.count)


def detection_size(width: int, height: int) -> tuple[int, int]:
    """The size of the grey copies: at most ``DETECT_WIDTH`` wide, same aspect."""
    small_w = min(DETECT_WIDTH, width)
    return small_w, max(1, round(height * small_w / width))


def tiny_size(width: int, height: int) -> tuple[int, int]:
    """The size of the colour copies: ``TINY_WIDTH`` wide, same aspect (at least 2 rows)."""
    return TINY_WIDTH, max(2, round(height * TINY_WIDTH / width))


def measure_activity(source: str, info: VideoInfo) -> Activity:
    """Sample ``source`` into an ``Activity`` on small frames (grey statistics, tiny colour).

    Cost: decoding the first ``HEAD_SECONDS`` plus every keyframe, and a scale per sample.
    Every sample is lowered by the surround's level, read off the first ones (``surround``).
    """
    small_w, small_h = detection_size(info.width, info.height)
    scale = f"scale={small_w}:{small_h}:flags=area"
    head_frames = max(1, round(HEAD_SECONDS * info.fps))
    step = max(1, min(head_frames, info.frames) // HEAD_SAMPLES)  # a short clip: every frame
    activity = Activity(tiny_size(info.width, info.height))
    head = [*_ROUGH, "-t", f"{HEAD_SECONDS:g}", "-i", source]
    firsts = list(stream_frames(head, f"select=not(mod(n\\,{step})),{scale}", small_w,
                                small_h, "bgr24"))  # fmt: skip
    level = surround_level([cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) for frame in firsts])
    activity.surround = level
    for frame in firsts:
        activity.add(lowered(frame, level))
    if info.frames > head_frames:
        every = max(1, round(info.frames / info.fps / MAX_KEYFRAMES))  # at most ~64 samples
        keys = [*_ROUGH, "-skip_frame", "nokey", "-i", source]
        chain = f"select=isnan(prev_selected_t)+gte(t-prev_selected_t\\,{every}),{scale}"
        for frame in stream_frames(keys, chain, small_w, small_h, "bgr24"):
            activity.add(lowered(frame, level))
    return activity


def locate_endoscope(source: str, info: VideoInfo) -> RegionFinding:
    """Find the endoscope image of ``source`` (a profile or a detected region, or several)."""
    # OpenCV builds its Lab tables on the first conversion (~0.2 s): while ffmpeg decodes
    tables = threading.Thread(target=warm_up_colour, name="lab-tables", daemon=True)
    tables.start()
    activity = measure_activity(source, info)
    tables.join()
    finding = find_region(
        activity.std(), activity.bright(), activity.count, info.width, info.height
    )
    finding = dataclasses.replace(
        finding, full_frames=activity.full_frames, surround=activity.surround
    )
    regions, owners = regions_per_image(activity, info)
    if regions:
        detail = f"The endoscope image changes: {len(regions)} regions, each found alone."
        # for readers of one region only (level 1): what all the samples show, else what is
        # image in every segment (their surrounds all blacked, privacy first)
        primary = finding.region or common_inside(regions)
        finding = dataclasses.replace(finding, region=primary, regions=regions, detail=detail)
    if finding.region is None:
        return finding
    judged = [owners.get(i, finding.region) for i in range(len(activity.samples))]
    reference, suspects = judge_samples([s.tiny for s in activity.samples], judged)
    return dataclasses.replace(finding, scene=reference, scene_suspects=suspects)


def regions_per_image(
    activity: Activity, info: VideoInfo
) -> tuple[tuple[Region, ...], dict[int, Region]]:
    """The regions of an image that changes (none if it does not), and each sample's region.

    Only groups of ``MIN_SAMPLES`` samples or more count; if one of them has no trusted
    region, or two come out practically the same, the video keeps a single region.
    """
    greys = [cv2.cvtColor(s.tiny, cv2.COLOR_BGR2GRAY) for s in activity.samples]
    groups = [g for g in group_by_outline(greys) if len(g) >= MIN_SAMPLES]
    if len(groups) < 2:
        return (), {}
    regions, owners = [], {}
    for group in groups:
        part = Activity.of([activity.samples[i] for i in group])
        found = find_region(part.std(), part.bright(), part.count, info.width, info.height)
        if found.region is None:
            return (), {}
        regions.append(found.region)
        owners.update(dict.fromkeys(group, found.region))
    if not distinct(regions, tiny_size(info.width, info.height)):
        return (), {}
    return tuple(regions), owners


def judge_samples(tiny: list[np.ndarray], regions: Region | list[Region]) -> tuple[Reference, int]:
    """The video's own endoscopy, and how many samples show something else in the image.

    ``regions``: the region of the whole video, or each sample's own. The reference is
    taken twice: from every sample, then from those that the first one left as endoscopy,
    so a long out-of-body stretch does not pull it towards the room.
    """
    if not tiny:
        return Reference.of([]), 0
    height, width = tiny[0].shape[:2]
    owners = regions if isinstance(regions, list) else [regions] * len(tiny)
    unique = {id(r): r for r in owners}
    insides = {key: tiny_inside(r.mask, (width, height)) for key, r in unique.items()}
    stats = [scene_stats(frame, insides[id(r)]) for frame, r in zip(tiny, owners, strict=True)]
    first = Reference.of(stats)
    reference = Reference.of(s for s in stats if not_endoscopic(s, first) is None)
    return reference, sum(1 for s in stats if not_endoscopic(s, reference) is not None)
