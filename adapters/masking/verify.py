"""Level 2 checks its own output before it becomes visible.

Structure first (frame size, rate and count from the container our encoder wrote), then the
keyframes of the output, decoded alone (``-skip_frame nokey``; the encoder puts some all over
the video and one on the last frame), during the encode from the packets it writes
(``adapters.masking.keyframe_tap``) or afterwards from the file: per pixel, the brightest value any
of them shows
outside the endoscope image. Whatever is not uniformly black there is cropped, its contrast
stretched, and read by the OCR engine: text readable outside the image, or pixels brighter
than ``MAX_OUTSIDE_LEVEL``, fail the level with ``verification_failed``. When the image
changes mid-video (segments, ``adapters.endoscope.segments``), each keyframe is checked
outside the region of its own frame: the keyframes are decoded from the file and numbered
from its index (``adapters.masking.mp4_index``), one peak per segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from adapters.endoscope.region import Region
from adapters.endoscope.segments import Segment
from adapters.masking.encode import even_size
from adapters.masking.mp4_index import keyframe_numbers
from adapters.video.ffmpeg_frames import stream_frames
from adapters.video.ocr import OcrEngine, TextBox
from adapters.video.opencv_frames import VideoInfo, read_info

MAX_OUTSIDE_LEVEL = 16  # brightest value tolerated outside the region after encoding
# H.264 blurs a sharp edge over a few pixels (4:2:0 chroma, block transform), so the checks
# skip a thin band along the region's border.
VERIFY_MARGIN_PX = 8
# Above the ringing H.264 leaves near a curved edge (up to ~7 on a decoded frame): ink.
INK_LEVEL = 8
MIN_CONFIDENCE = 0.7  # stretched compression noise reads as "-l" at ~0.6: not text
MAX_OCR_CROPS = 8
_LINE_JOIN_PX = 15  # letters closer than this belong to one line to read


class VerificationFailed(Exception):
    """The output is not what level 2 promises; the message holds no patient data."""


@dataclass(frozen=True)
class Verification:
    """What the check looked at (counts and frame ranges only, never text)."""

    keyframes: int
    ocr_crops: int
    peak: int
    inside_keyframes: int = 0  # keyframes whose image was read for text
    inside_gap: int = 0  # forced keyframes at most this many frames apart
    inside_lines: int = 0  # lines worth masking read there before masking (per keyframe)
    inside_masked: str = ""  # what was blacked out inside: ``N box(es) over frames a-b``
    inside_left: int = 0  # lines still read after masking (0 when published)
    segments: int = 1  # regions, each checked on the keyframes of its own frames
    watched: int = 0  # input frames classified while encoding (a screen without the image)
    late_blanked: str = ""  # of them, frames the samples missed: ``N frames (a-b)``
    read_on_change: int = 0  # keyframes forced between two: steps, brief sights, blanks' sides
    read_at_line_ends: int = 0  # ... and where a line inside came or went (its motion there)
    faces_looked: int = 0  # keyframes whose image was looked at for a face
    face_blanked: str = ""  # frames blacked out whole around keyframes that showed one

    def summary(self) -> str:
        """What was checked, in one line for the event (no patient data)."""
        each = f" of its segment ({self.segments} segments)" if self.segments > 1 else ""
        gap = f" (at most {self.inside_gap} frames apart)" if self.inside_gap else ""
        masked = f"; blacked out inside: {self.inside_masked}" if self.inside_masked else ""
        late = f", {self.late_blanked} blacked out whole" if self.late_blanked else ""
        change = (f", {self.read_on_change} frame(s) read where the image changed abruptly "
                  "or briefly" if self.read_on_change else "")  # fmt: skip
        if self.read_at_line_ends:
            change += (f", {self.read_at_line_ends} frame(s) read where a line inside the "
                       "image came or went")  # fmt: skip
        watched = f"; every frame watched ({self.watched}){late}{change}" if self.watched else ""
        if self.faces_looked:
            faces = f", {self.face_blanked} blacked out whole" if self.face_blanked else ""
            watched += f"; {self.faces_looked} keyframe(s) looked at for a face{faces}"
        return (
            f"{self.keyframes} keyframes black outside the image{each} (peak {self.peak}, "
            f"{self.ocr_crops} area(s) read); {self.inside_keyframes} keyframe(s) read inside"
            f"{gap}, {self.inside_lines} line(s) of text found there{masked}, "
            f"{self.inside_left} readable after masking{watched}"
        )


def outside_check_mask(region: Region, width: int, height: int) -> np.ndarray:
    """The pixels that must be black: outside the region and its margin, padding included."""
    size = 2 * VERIFY_MARGIN_PX + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    inside = cv2.dilate(region.mask, kernel)
    padded = np.zeros((height, width), np.uint8)
    padded[: inside.shape[0], : inside.shape[1]] = inside
    return cv2.bitwise_not(padded)


def ink_crops(peak: np.ndarray) -> list[np.ndarray]:
    """Cut out the places that are not black, line by line, contrast stretched for OCR."""
    ink = np.where(peak > INK_LEVEL, 255, 0).astype(np.uint8)
    if not ink.any():
        return []
    joined = cv2.dilate(ink, np.ones((_LINE_JOIN_PX, _LINE_JOIN_PX), np.uint8))
    _, _, stats, _ = cv2.connectedComponentsWithStats(joined)
    order = np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:MAX_OCR_CROPS] + 1
    crops = []
    for label in order:
        x, y, w, h = (int(v) for v in stats[label, :4])
        ink_area = peak[y : y + h, x : x + w]
        crop = cv2.normalize(ink_area, np.empty_like(ink_area), 0, 255, cv2.NORM_MINMAX)
        crops.append(cv2.cvtColor(cv2.copyMakeBorder(crop, 16, 16, 16, 16, cv2.BORDER_CONSTANT),
                                  cv2.COLOR_GRAY2BGR))  # fmt: skip
    return crops


def is_text(box: TextBox) -> bool:
    """A line worth failing for: read with confidence, two letters or digits at least."""
    return box.confidence >= MIN_CONFIDENCE and sum(c.isalnum() for c in box.text) >= 2


class KeyframePeak:
    """Per pixel, the brightest value any channel of the keyframes seen so far shows."""

    def __init__(self, width: int, height: int) -> None:
        self.peak = np.zeros((height, width), np.uint8)
        self.keyframes = 0

    def add(self, planes: np.ndarray) -> None:
        """Take one keyframe, ``3 x H x W`` planes (three cheap maxima, no interleaving)."""
        for plane in planes:
            np.maximum(self.peak, plane, out=self.peak)
        self.keyframes += 1

    @classmethod
    def of_file(cls, path: str, width: int, height: int) -> KeyframePeak:
        """Decode the keyframes of the video at ``path`` (and nothing else)."""
        seen = cls(width, height)
        for planes in stream_frames(["-skip_frame", "nokey", "-i", path], "null", width, height,
                                    "gbrp"):  # fmt: skip
            seen.add(planes)
        return seen


def segment_peaks(
    path: str, segments: Sequence[Segment], width: int, height: int
) -> list[KeyframePeak]:
    """Decode the keyframes of ``path``; per segment, the peak of those in its frames.

    Raises:
        VerificationFailed: the keyframes cannot be numbered from the file's index.

    """
    numbers = keyframe_numbers(path)
    if numbers is None:
        raise VerificationFailed("The output's keyframes cannot be numbered from its index.")
    peaks = [KeyframePeak(width, height) for _ in segments]
    decoded = 0
    for planes in stream_frames(["-skip_frame", "nokey", "-i", path], "null", width, height,
                                "gbrp"):  # fmt: skip
        if decoded >= len(numbers):
            raise VerificationFailed("The output decodes more keyframes than its index holds.")
        owner = next((i for i, s in enumerate(segments) if s.holds(numbers[decoded])), None)
        if owner is None:
            raise VerificationFailed("A keyframe of the output belongs to no segment.")
        peaks[owner].add(planes)
        decoded += 1
    if decoded != len(numbers):
        raise VerificationFailed(f"{decoded} of {len(numbers)} indexed keyframes were decoded.")
    return peaks


def check_outside(
    peak: np.ndarray, region: Region, width: int, height: int, ocr: OcrEngine
) -> tuple[int, int]:
    """Check the keyframes' ``peak`` outside ``region``; return the areas read and the level.

    Raises:
        VerificationFailed: text readable or pixels bright outside the endoscope image.

    """
    peak = peak.copy()
    peak[outside_check_mask(region, width, height) == 0] = 0
    crops = ink_crops(peak)
    lines = sum(1 for crop in crops for box in ocr.find_text(crop) if is_text(box))
    if lines:
        raise VerificationFailed(f"OCR reads {lines} line(s) of text outside the endoscope image.")
    level = int(peak.max())
    if level > MAX_OUTSIDE_LEVEL:
        raise VerificationFailed(f"Pixels outside the endoscope image reach level {level}.")
    return len(crops), level


def verify_output(
    output: str,
    region: Region,
    info: VideoInfo,
    frames: int,
    ocr: OcrEngine,
    seen: KeyframePeak | None = None,
    segments: Sequence[Segment] = (),
) -> Verification:
    """Check the masked ``output`` of a ``info``-shaped input that had ``frames`` frames.

    ``seen`` holds the output's keyframes if they were decoded while encoding (from the
    packets written into ``output``); otherwise they are decoded from ``output`` here.
    Several ``segments`` (in place of ``region``): each keyframe is checked outside the
    region of its frame, decoded from ``output``.

    Raises:
        VerificationFailed: wrong geometry or frame count, text readable or pixels bright
            outside the endoscope image.

    """
    written = read_info(output)
    width, height = even_size(info.width, info.height)
    if (written.width, written.height) != (width, height):
        raise VerificationFailed("The output has another frame size.")
    if abs(written.fps - info.fps) > 0.01:
        raise VerificationFailed("The output has another frame rate.")
    if written.frames != frames:
        raise VerificationFailed(f"The output holds {written.frames} of {frames} frames.")
    if len(segments) > 1:
        peaks = segment_peaks(output, segments, width, height)
        if any(p.keyframes == 0 for p in peaks):
            raise VerificationFailed("A segment of the output has no keyframe to check.")
        checks = [check_outside(p.peak, s.region, width, height, ocr)
                  for p, s in zip(peaks, segments, strict=True)]  # fmt: skip
        return Verification(sum(p.keyframes for p in peaks), sum(c for c, _ in checks),
                            max(level for _, level in checks), segments=len(segments))  # fmt: skip
    if seen is None:
        seen = KeyframePeak.of_file(output, width, height)
    if seen.keyframes == 0:
        raise VerificationFailed("No keyframe of the output could be decoded.")
    crops, level = check_outside(seen.peak, region, width, height, ocr)
    return Verification(seen.keyframes, crops, level)
