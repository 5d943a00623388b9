"""Level 1 checks its own output: geometry, frame count, and no patient text left readable.

Sampled output frames are read again with the OCR engine where lines were masked; if any
piece of a line classified as patient data, or any date or time, is readable, level 1 fails
with ``verification_failed`` and the chain falls back to level 2.
"""

from __future__ import annotations

import numpy as np

from adapters.cleaning.errors import LevelFailure
from adapters.cleaning.rules import looks_like_patient_data, patient_tokens
from adapters.cleaning.tracking import Mask, Rect
from adapters.frames import VideoInfo, count_and_sample, read_info
from adapters.ocr import OcrEngine

VERIFY_SAMPLES = 3
VERIFY_PAD = 16


def _frames_to_check(masks: list[Mask], frames: int) -> set[int]:
    if not masks:
        return {frames // 2}
    middles = sorted({(m.start + m.end) // 2 for m in masks})
    picks = np.linspace(0, len(middles) - 1, min(VERIFY_SAMPLES, len(middles)))
    return {middles[int(i)] for i in picks}


def _area(masks: list[Mask], width: int, height: int) -> Rect:
    if not masks:
        return (0, 0, width, height)
    x0 = min(m.rect[0] for m in masks) - VERIFY_PAD
    y0 = min(m.rect[1] for m in masks) - VERIFY_PAD
    x1 = max(m.rect[2] for m in masks) + VERIFY_PAD
    y1 = max(m.rect[3] for m in masks) + VERIFY_PAD
    return (max(0, x0), max(0, y0), min(width, x1), min(height, y1))


def verify(
    output: str, info: VideoInfo, masks: list[Mask], patient_texts: list[str], ocr: OcrEngine
) -> int:
    """Check ``output``; return the OCR calls made.

    Raises:
        LevelFailure: ``verification_failed`` with a sentence that holds no patient data.
    """
    written = read_info(output)
    if (written.width, written.height) != (info.width, info.height):
        raise LevelFailure("verification_failed", "The output has another frame size.")
    wanted = _frames_to_check(masks, info.frames)
    decoded, samples = count_and_sample(output, wanted)
    if decoded != info.frames:
        raise LevelFailure(
            "verification_failed", f"The output decodes to {decoded} of {info.frames} frames."
        )
    tokens: set[str] = set()
    for text in patient_texts:
        tokens |= patient_tokens(text)
    x0, y0, x1, y1 = _area(masks, info.width, info.height)
    for index, frame in sorted(samples.items()):
        for box in ocr.find_text(np.ascontiguousarray(frame[y0:y1, x0:x1])):
            read = box.text.lower()
            if looks_like_patient_data(read) or any(token in read for token in tokens):
                raise LevelFailure(
                    "verification_failed",
                    f"Patient text is still readable in output frame {index}.",
                )
    return len(samples)
