"""Level 1 checks its own output, at least as strictly as level 2 checks its own.

Structure first (frame size and count). Then level 2's check (``adapters.masking.verify``) on
the output's keyframes, decoded during the encode: outside the endoscope image everything is
black, except the kept lines; what is not black there is read. Then how much of the image
itself level 1 masked. Then a few keyframes are read *whole* by the OCR engine, and level 1
fails on any token of any patient line, on any identifier the model extracted (both held in
memory only), and on any date, time or name-like word outside the kept (harmless) lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import cv2
import numpy as np

from adapters.cleaning.reading import read_lines
from adapters.cleaning.rules import VISIBLE_CATEGORIES, fold, patient_tokens, rule_category
from adapters.cleaning.tracking import Mask, Rect, contains_centre, grown
from adapters.endoscope.region import Region
from adapters.masking.encode import even_size
from adapters.masking.verify import (
    MAX_OUTSIDE_LEVEL,
    VERIFY_MARGIN_PX,
    KeyframePeak,
    ink_crops,
    is_text,
    outside_check_mask,
)
from adapters.video.ocr import OcrEngine
from adapters.video.opencv_frames import VideoInfo, read_info
from domain.ports import LevelFailure
from domain.reasons import Reason

#: Level 1 may black out text inside the image, but never this much of the image itself.
MAX_IMAGE_MASKED = 0.15


class OutputKeyframes(KeyframePeak):
    """The encoder's keyframes: their per-pixel peak, plus the first, a middle and the last."""

    def __init__(self, width: int, height: int, expected: int) -> None:
        super().__init__(width, height)
        self._middle = max(1, expected // 2)
        self.whole: dict[str, np.ndarray] = {}

    def add(self, planes: np.ndarray) -> None:
        """Take one keyframe (``3 x H x W`` G, B, R planes)."""
        super().add(planes)
        ordinal = self.keyframes - 1
        name = "first" if ordinal == 0 else "middle" if ordinal == self._middle else "last"
        self.whole[name] = planes.copy()


@dataclass
class Verification:
    """What was checked; no patient data, only counts."""

    keyframes: int = 0
    outside_peak: int = 0
    image_masked: float = 0.0
    frames_read: int = 0
    lines_read: int = 0
    tokens: int = 0
    identifiers: int = 0
    ocr_calls: int = 0
    kept: list[Rect] = field(default_factory=list)

    def describe(self) -> str:
        """One sentence for the event."""
        return (
            f"{self.frames_read} output frames read whole ({self.lines_read} lines) against "
            f"{self.tokens} patient-line tokens and {self.identifiers} extracted identifiers; "
            f"{self.keyframes} keyframes black outside the image but {len(self.kept)} kept "
            f"lines (peak {self.outside_peak}); {self.image_masked:.1%} of the image masked"
        )


def _fail(detail: str) -> LevelFailure:
    return LevelFailure(Reason.VERIFICATION_FAILED, detail)


def check_structure(output: str, info: VideoInfo) -> None:
    """The output has the input's (even) frame size and every frame."""
    written = read_info(output)
    if (written.width, written.height) != even_size(info.width, info.height):
        raise _fail("The output has another frame size.")
    if written.frames != info.frames:
        raise _fail(f"The output holds {written.frames} of {info.frames} frames.")


def check_outside(seen: OutputKeyframes, region: Region, kept: list[Mask], ocr: OcrEngine) -> int:
    """Level 2's check, kept lines excepted; return the peak level outside."""
    if seen.keyframes == 0:
        raise _fail("No keyframe of the output could be decoded.")
    height, width = seen.peak.shape
    peak = seen.peak.copy()
    peak[outside_check_mask(region, width, height) == 0] = 0
    for mask in kept:  # verified below by reading the frames whole
        x0, y0, x1, y1 = grown(mask.rect, VERIFY_MARGIN_PX, width, height)
        peak[y0:y1, x0:x1] = 0
    lines = sum(1 for crop in ink_crops(peak) for box in ocr.find_text(crop) if is_text(box))
    if lines:
        raise _fail(f"OCR reads {lines} line(s) of unkept text outside the endoscope image.")
    level = int(peak.max())
    if level > MAX_OUTSIDE_LEVEL:
        raise _fail(f"Pixels outside the endoscope image reach level {level}.")
    return level


def image_masked(region: Region, masks: list[Mask]) -> float:
    """The share of the endoscope image under any mask (all spans together: the worst case)."""
    covered = np.zeros_like(region.mask)
    for mask in masks:
        x0, y0, x1, y1 = mask.rect
        covered[y0:y1, x0:x1] = 255
    inside = int(np.count_nonzero(region.mask))
    return int(np.count_nonzero(cv2.bitwise_and(covered, region.mask))) / max(1, inside)


def verify(
    output: str,
    info: VideoInfo,
    seen: OutputKeyframes,
    region: Region,
    masks: list[Mask],
    kept: list[Mask],
    patient_lines: list[str],
    identifiers: list[str],
    ocr: OcrEngine,
) -> Verification:
    """Check ``output`` of ``info``, masked with ``masks`` but ``kept``, in ``region``.

    ``patient_lines`` (OCR texts judged patient data) and ``identifiers`` (what the model
    extracted) are patient data: used here in memory, never logged or returned.

    Raises:
        LevelFailure: ``verification_failed`` with a sentence that holds no patient data.
    """
    check_structure(output, info)
    result = Verification(keyframes=seen.keyframes, kept=[m.rect for m in kept])
    result.outside_peak = check_outside(seen, region, kept, ocr)
    result.image_masked = image_masked(region, masks)
    if result.image_masked > MAX_IMAGE_MASKED:
        raise _fail(f"Level 1 masked {result.image_masked:.0%} of the endoscope image.")
    tokens: set[str] = set()
    for text in [*patient_lines, *identifiers]:
        tokens |= patient_tokens(text)
    result.tokens, result.identifiers = len(tokens), len(identifiers)
    for name, planes in seen.whole.items():
        frame = cv2.merge([planes[1], planes[0], planes[2]])  # G, B, R planes to BGR
        lines = read_lines(ocr, frame)
        result.frames_read += 1
        result.ocr_calls += 1
        result.lines_read += len(lines)
        for rect, text in lines:
            if _leaks(rect, text, tokens, result.kept):
                raise _fail(f"Patient text is still readable in the {name} verified frame.")
    return result


def _leaks(rect: Rect, text: str, tokens: set[str], kept: list[Rect]) -> bool:
    """Whether a line read in the output gives away a patient token or looks like one."""
    read = fold(text)
    squashed = "".join(re.findall(r"[^\W_]+", read))
    if any(token in squashed for token in tokens if len(token) >= 4):
        return True
    if tokens & set(re.findall(r"[^\W\d_]+", read)):
        return True
    if any(contains_centre(box, rect) for box in kept):
        return False  # a kept line, read back: it passed the rules and the model already
    return sum(c.isalnum() for c in text) >= 2 and rule_category(text) not in VISIBLE_CATEGORIES
