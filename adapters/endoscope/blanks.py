"""Frames that show no endoscope image: registration screens, white/blue screens, the room.

An endoscopic frame has the processor's near-black surround around its image; a menu screen
or an out-of-body shot lights the whole frame, surround included. A processor that keeps its
surround shows the room, a wall or a test pattern inside the image instead. When the region
sampling saw either (``RegionFinding.needs_frame_pass``), every frame is decoded once, as a
tiny colour copy, and classified twice: by how much of the surround (outside the region
found from the endoscopic frames) is lit, and by what its image shows against the video's
own endoscopy (``adapters.endoscope.scene``). The frames found are blacked out whole in the
masking pass, so the video keeps its length. When the image changes mid-video, the same
pass gives each frame its region (``adapters.endoscope.segments``). Videos whose samples
all show endoscopy inside a dark surround, in one image, pay nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from adapters.endoscope.activity import tiny_size
from adapters.endoscope.region import Region, RegionFinding
from adapters.endoscope.scene import Reference, not_endoscopic, scene_stats, tiny_inside
from adapters.endoscope.segments import (
    RegionPlan,
    Segment,
    assign,
    lit_pixels,
    plan_segments,
    tiny_mask,
)
from adapters.endoscope.surround import lowered
from adapters.video.ffmpeg_frames import stream_frames
from adapters.video.frame_ranges import Range as Range  # the ranges' type, for the encoders
from adapters.video.frame_ranges import as_text, merge

SURROUND_LEVEL = 12  # grey above the surround's black, on the tiny copy (detection assumes <= 10)
LIT_SURROUND_FRACTION = 0.3  # a frame whose surround is lit this much shows no image
PAD_FRAMES = 0  # frames blanked beyond each side (every frame is classified: a cut is exact)


def tiny_surround(region: Region, size: tuple[int, int]) -> np.ndarray:
    """The surround on a tiny copy, shrunk away from the image so its rim never counts."""
    small = cv2.resize(region.mask, size, interpolation=cv2.INTER_AREA)
    inside = cv2.dilate(np.where(small > 0, 255, 0).astype(np.uint8), np.ones((5, 5), np.uint8))
    return np.asarray(inside == 0, bool)


@dataclass(frozen=True)
class View:
    """What a frame is judged on with one region: its tiny surround and inside."""

    surround: np.ndarray
    inside: np.ndarray

    @classmethod
    def of(cls, region: Region, size: tuple[int, int]) -> View:
        """The view of ``region`` on a ``size`` (w, h) copy."""
        return cls(tiny_surround(region, size), tiny_inside(region.mask, size))

    @classmethod
    def common(cls, views: Sequence[View]) -> View:
        """Outside every region, inside all of them: for a frame whose region is unsure."""
        return cls(np.logical_and.reduce([v.surround for v in views]),
                   np.logical_and.reduce([v.inside for v in views]))  # fmt: skip


@dataclass(frozen=True)
class FramePass:
    """What the per-frame pass found: frames to black out whole, and which region masks each."""

    blank: list[Range]
    plan: RegionPlan | None  # None when the video has one region

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The regions and their frames when more than one masks the video, else none."""
        if self.plan is None or len(self.plan.segments) < 2:
            return ()
        return self.plan.segments

    def region(self, default: Region) -> Region:
        """The one region that masks every frame (the plan's, or ``default``)."""
        if self.plan is not None and len(self.plan.segments) == 1:
            return self.plan.segments[0].region
        return default


def classify_finding(source: str, finding: RegionFinding, frames: int) -> FramePass:
    """The per-frame pass a finding asks for (``needs_frame_pass``); nothing when it does not."""
    if finding.region is None or not finding.needs_frame_pass:
        return FramePass([], None)
    regions = finding.regions or (finding.region,)
    return classify_frames(source, regions, frames, finding.scene, finding.surround)


def classify_frames(
    source: str,
    regions: Sequence[Region],
    frames: int,
    reference: Reference | None = None,
    surround: int = 0,
) -> FramePass:
    """Decode every frame of ``source`` once, tiny, and classify it.

    A frame is blanked when its surround is lit, or when ``reference`` (the video's own
    endoscopy) is given and its image shows a scene instead (``scene.not_endoscopic``).
    With several ``regions`` (the image changes), each frame is also given the region that
    matches it (``segments.assign``); a blanked frame takes its neighbours' region.
    Frames are lowered by ``surround``, the grey of the surround's black, first.
    """
    height, width = regions[0].mask.shape
    size = tiny_size(width, height)
    views = [View.of(region, size) for region in regions]
    unsure = View.common(views)
    insides = [tiny_mask(region, size) for region in regions]
    scale = f"scale={size[0]}:{size[1]}:flags=area"
    flags: list[bool] = []
    labels: list[int | None] = []
    for frame in stream_frames(["-skip_loop_filter", "all", "-i", source], scale, *size, "bgr24"):
        tiny = lowered(frame, surround)
        grey = cv2.cvtColor(tiny, cv2.COLOR_BGR2GRAY)
        label = assign(lit_pixels(grey), insides) if len(regions) > 1 else 0
        view = unsure if label is None else views[label]
        flags.append(shows_no_image(tiny, grey, view, reference))
        labels.append(label)
    if len(regions) == 1:
        return FramePass(to_ranges(flags, frames), None)
    return FramePass(
        to_ranges(flags, frames), plan_segments(_around(labels, flags), regions, frames)
    )


def _around(labels: list[int | None], blank: list[bool]) -> list[int | None]:
    """The labels with each blanked frame given the region of the frame before (or after)."""
    shown = [label for label, b in zip(labels, blank, strict=True) if not b]
    if not shown:
        return labels
    result, last = [], shown[0]
    for label, b in zip(labels, blank, strict=True):
        last = last if b else label
        result.append(last)
    return result


def find_blank_ranges(
    source: str, region: Region, frames: int, reference: Reference | None = None
) -> list[Range]:
    """The ranges of frames of ``source`` that show no endoscope image (one region)."""
    return classify_frames(source, [region], frames, reference).blank


def shows_no_image(
    tiny: np.ndarray, grey: np.ndarray, view: View, reference: Reference | None
) -> bool:
    """Whether a tiny BGR frame has a lit surround, or an image that shows no endoscopy."""
    surround = grey[view.surround]
    if surround.size and float(np.mean(surround > SURROUND_LEVEL)) > LIT_SURROUND_FRACTION:
        return True
    if reference is None:
        return False
    return not_endoscopic(scene_stats(tiny, view.inside), reference) is not None


def to_ranges(flags: list[bool], frames: int) -> list[Range]:
    """Join flagged frame indexes into padded, merged, inclusive ranges."""
    return merge(
        (max(index - PAD_FRAMES, 0), min(index + PAD_FRAMES, frames - 1))
        for index, flagged in enumerate(flags)
        if flagged
    )


def describe(ranges: list[Range]) -> str:
    """``N frames (a-b, c-d)`` for events; empty when nothing was blanked."""
    if not ranges:
        return ""
    count = sum(end - start + 1 for start, end in ranges)
    return f"{count} frames ({as_text(ranges)})"
