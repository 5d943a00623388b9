"""Cheap sampling for region detection: small grey frames, decoded only where needed.

Two ffmpeg readers feed one running mean and variance per pixel (memory does not grow with
the video): every ``step``-th frame of the first seconds (motion at frame rate), and every
keyframe of the whole video (``-skip_frame nokey``: the frames in between are not decoded).
"""

from __future__ import annotations

import numpy as np

from adapters.endoscope.region import RegionFinding, find_region
from adapters.video.ffmpeg_frames import stream_frames
from adapters.video.opencv_frames import VideoInfo

DETECT_WIDTH = 480  # width of the grey copies the region is searched on
HEAD_SECONDS = 3.0
HEAD_SAMPLES = 16
MAX_KEYFRAMES = 64
# The samples are shrunk to DETECT_WIDTH: the deblocking filter changes nothing there that
# counts, and skipping it makes decoding the samples ~30% cheaper.
_ROUGH = ("-skip_loop_filter", "all")


class Activity:
    """Running per-pixel mean and variance of grey frames (Welford's method)."""

    def __init__(self) -> None:
        self.count = 0
        self._mean: np.ndarray | None = None
        self._m2: np.ndarray | None = None

    def add(self, grey: np.ndarray) -> None:
        """Take one ``HxW`` uint8 frame into the statistics."""
        value = grey.astype(np.float32)
        self.count += 1
        if self._mean is None or self._m2 is None:
            self._mean, self._m2 = value, np.zeros_like(value)
            return
        delta = value - self._mean
        self._mean += delta / self.count
        self._m2 += delta * (value - self._mean)

    def std(self) -> np.ndarray:
        """The per-pixel standard deviation so far (float32)."""
        if self._m2 is None:
            return np.zeros((0, 0), np.float32)
        return np.sqrt(self._m2 / self.count)


def detection_size(width: int, height: int) -> tuple[int, int]:
    """The size of the grey copies: at most ``DETECT_WIDTH`` wide, same aspect."""
    small_w = min(DETECT_WIDTH, width)
    return small_w, max(1, round(height * small_w / width))


def measure_activity(source: str, info: VideoInfo) -> Activity:
    """Sample ``source`` into an ``Activity`` on small grey frames.

    Cost: decoding the first ``HEAD_SECONDS`` plus every keyframe, and a scale per sample.
    """
    small_w, small_h = detection_size(info.width, info.height)
    scale = f"scale={small_w}:{small_h}:flags=area"
    head_frames = max(1, round(HEAD_SECONDS * info.fps))
    step = max(1, min(head_frames, info.frames) // HEAD_SAMPLES)  # a short clip: every frame
    activity = Activity()
    head = [*_ROUGH, "-t", f"{HEAD_SECONDS:g}", "-i", source]
    for grey in stream_frames(head, f"select=not(mod(n\\,{step})),{scale}", small_w, small_h,
                              "gray"):  # fmt: skip
        activity.add(grey)
    if info.frames > head_frames:
        every = max(1, round(info.frames / info.fps / MAX_KEYFRAMES))  # at most ~64 samples
        keys = [*_ROUGH, "-skip_frame", "nokey", "-i", source]
        chain = f"select=isnan(prev_selected_t)+gte(t-prev_selected_t\\,{every}),{scale}"
        for grey in stream_frames(keys, chain, small_w, small_h, "gray"):
            activity.add(grey)
    return activity


def locate_endoscope(source: str, info: VideoInfo) -> RegionFinding:
    """Find the endoscope image of ``source`` (a profile or a detected region)."""
    activity = measure_activity(source, info)
    return find_region(activity.std(), activity.count, info.width, info.height)
