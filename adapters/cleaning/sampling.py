"""Pass 1: decode every frame, decide which to read with OCR, and track what is found.

Every ``whole_every_s`` seconds (and on the first frame) a whole frame is read: that also
finds text inside the endoscope image. Every ``full_every_s`` seconds the parts of the frame
outside the endoscope image are read (overlay text lives there; reading only them costs a
third of a whole frame on a 1080p Olympus layout; unread text outside is black anyway, since
level 1 blacks everything outside but the lines it read and kept). In between, a cheap
signature (the downscaled minimum colour channel: white or grey overlay text is bright
there, reddish tissue is not) is compared with the last frame read; where it changed,
outside lines already masked, the changed area is read.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from adapters.cleaning.reading import read_lines
from adapters.cleaning.tracking import Rect, Tracker, grown, intersection, union
from adapters.video.ocr import OcrEngine
from adapters.video.opencv_frames import open_capture

#: ``decide(texts)`` says, for each text, whether it must be masked.
Decide = Callable[[list[str]], dict[str, bool]]


@dataclass(frozen=True)
class SamplingPolicy:
    """How often and where pass 1 reads frames.

    Attributes:
        full_every_s: seconds between OCR passes over everything outside the image.
        whole_every_s: seconds between whole-frame OCR passes (text inside the image).
        scale: downscale factor of the change signature.
        bright: signature level that counts as overlay-like (bright, colourless).
        changed: signature difference that counts as a change.
        pad: pixels added around a changed area before reading it.
        min_gap_s: shortest time between two change-triggered reads.
        max_reads_per_minute: cap on change-triggered reads per minute of video (specular
            highlights, noise): OCR calls stay bounded by the video's length.
    """

    full_every_s: float = 4.0
    whole_every_s: float = 30.0
    scale: int = 8
    bright: int = 110
    changed: int = 30
    pad: int = 24
    min_gap_s: float = 0.2
    max_reads_per_minute: int = 30


@dataclass
class Analysis:
    """What pass 1 found."""

    tracker: Tracker
    frames: int
    width: int
    height: int
    ocr_calls: int


def signature(frame: np.ndarray, scale: int) -> np.ndarray:
    """The minimum colour channel of ``frame``, max-pooled over ``scale``-pixel cells (uint8).

    Max-pooling, not averaging: a thin stroke of small text must still light its cell.
    OpenCV, not numpy reductions: about 8x faster on a 1080p frame.
    """
    blue, green, red = cv2.split(frame)
    low = cv2.min(cv2.min(blue, green), red)
    kernel = np.ones((scale, scale), np.uint8)
    pooled = cv2.dilate(low, kernel, anchor=(0, 0))  # each pixel: max of the cell it starts
    rows, cols = frame.shape[0] // scale, frame.shape[1] // scale
    return np.ascontiguousarray(pooled[: rows * scale : scale, : cols * scale : scale])


class _Pass:
    def __init__(
        self,
        ocr: OcrEngine,
        decide: Decide,
        policy: SamplingPolicy,
        fps: float,
        last: int,
        outside: list[Rect],
    ) -> None:
        self.ocr, self.decide, self.policy, self.last = ocr, decide, policy, last
        self.outside = outside
        self.full_every = max(1, round(policy.full_every_s * fps))
        self.whole_every = max(1, round(policy.whole_every_s * fps))
        minutes = (last + 1) / max(fps, 1e-3) / 60.0
        self.max_reads = max(1, math.ceil(policy.max_reads_per_minute * minutes))
        self.min_gap = max(1, round(policy.min_gap_s * fps))
        self.tracker = Tracker()
        self.reference: np.ndarray | None = None
        self.last_read = -(10**9)
        self.reads = self.calls = 0
        self.verdicts: dict[str, bool] = {}

    def looks_at(self, index: int) -> bool:
        """Whether frame ``index`` is looked at (the others are decoded, never converted).

        Every ``min_gap_s`` (a change is noticed that late at most; the masks cover the
        frames between two looks anyway), and every frame a periodic read is due.
        """
        due = (self.min_gap, self.full_every, self.whole_every)
        return index == 0 or index == self.last or any(index % every == 0 for every in due)

    def frame(self, index: int, frame: np.ndarray) -> None:
        h, w = frame.shape[:2]
        sig = signature(frame, self.policy.scale)
        if self.reference is None or index % self.whole_every == 0:
            self.read(index, frame, (0, 0, w, h), sig)
            return
        if index % self.full_every == 0 or index == self.last:
            for area in self.outside or [(0, 0, w, h)]:
                self.read(index, frame, area, sig)
            return
        if index - self.last_read < self.min_gap or self.reads >= self.max_reads:
            return
        changed = self.changed_area(sig, w, h)
        if changed is not None:
            self.reads += 1
            self.read(index, frame, changed, sig)

    def changed_area(self, sig: np.ndarray, w: int, h: int) -> Rect | None:
        assert self.reference is not None
        p = self.policy
        bright = np.maximum(sig, self.reference) >= p.bright
        diff = cv2.absdiff(sig, self.reference) >= p.changed
        changed = (bright & diff).astype(np.uint8)
        for track in self.tracker.tracks:  # a masked clock may tick: it stays masked anyway
            if track.masked:
                x0, y0, x1, y1 = (v // p.scale for v in track.rect)
                changed[max(0, y0 - 1) : y1 + 2, max(0, x0 - 1) : x1 + 2] = 0
        points = cv2.findNonZero(changed)
        if points is None:
            return None
        x, y, cw, ch = cv2.boundingRect(points)
        area = (
            max(0, x * p.scale - p.pad),
            max(0, y * p.scale - p.pad),
            min(w, (x + cw) * p.scale + p.pad),
            min(h, (y + ch) * p.scale + p.pad),
        )
        for track in self.tracker.tracks:  # read known lines whole, never cut in two
            if intersection(area, grown(track.rect, p.pad, w, h)):
                area = union(area, grown(track.rect, p.pad, w, h))
        if (area[2] - area[0]) * (area[3] - area[1]) > 0.4 * w * h:
            return (0, 0, w, h)
        return area

    def read(self, index: int, frame: np.ndarray, area: Rect, sig: np.ndarray) -> None:
        x0, y0, x1, y1 = area
        self.calls += 1
        boxes = read_lines(self.ocr, frame[y0:y1, x0:x1], (x0, y0))
        height, width = frame.shape[:2]
        self.tracker.add_sample(index, area, boxes, (0, 0, width, height))
        if boxes:
            self.verdicts.update(self.decide([text for _, text in boxes]))
        for track in self.tracker.tracks:  # any text that must be hidden hides the line
            verdicts = (self.verdicts.get(text, True) for text in track.texts)
            track.masked = track.unsure or any(verdicts)
        self.reference, self.last_read = sig, index


def analyse(
    source: str,
    ocr: OcrEngine,
    decide: Decide,
    policy: SamplingPolicy,
    fps: float,
    frames: int,
    outside: list[Rect] | None = None,
    looked_at: Callable[[int, np.ndarray], None] | None = None,
) -> Analysis:
    """Decode ``source`` once, reading sampled frames with ``ocr``; track and classify lines.

    The first frame and every ``policy.whole_every_s`` seconds are read whole; every
    ``policy.full_every_s`` seconds and the last declared frame (``frames - 1``), the
    ``outside`` areas (everything outside the endoscope image; the whole frame when None);
    frames whose overlay changed are read where it changed. ``looked_at`` gets every frame
    converted to BGR (every ``policy.min_gap_s`` at least), with its index.

    Raises:
        UnreadableVideo: OpenCV cannot open ``source``.
        LevelFailure: ``decide`` gave up (an Ollama failure).
    """
    state = _Pass(ocr, decide, policy, fps, frames - 1, outside or [])
    index, width, height = 0, 0, 0
    with open_capture(source) as capture:
        while capture.grab():  # decodes; only the frames looked at are converted to BGR
            if state.looks_at(index):
                retrieved, frame = capture.retrieve()
                if retrieved:
                    state.frame(index, frame)
                    if looked_at is not None:
                        looked_at(index, frame)
                    height, width = frame.shape[:2]
            index += 1
    return Analysis(state.tracker, index, width, height, state.calls)
