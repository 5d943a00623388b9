"""Level 1 checks its own output: geometry, frame count, and no patient text left readable.

Sampled output frames are read again, whole, with the OCR engine; if any piece of a line
classified as patient data, or any date or time, is readable, level 1 fails with
``verification_failed`` and the chain falls back to level 2.
"""

from __future__ import annotations

from adapters.cleaning.reading import read_lines
from adapters.cleaning.rules import looks_like_patient_data, patient_tokens
from adapters.video.ocr import OcrEngine
from adapters.video.opencv_frames import VideoInfo, count_and_sample, read_info
from domain.ports import LevelFailure
from domain.reasons import Reason

#: Whole output frames read again: the middle one and the last one (text that appeared
#: mid-video and stayed is on the last frame).
VERIFY_FRACTIONS = (0.5, 1.0)


def _frames_to_check(frames: int) -> set[int]:
    return {min(frames - 1, int(f * frames)) for f in VERIFY_FRACTIONS}


def verify(output: str, info: VideoInfo, patient_texts: list[str], ocr: OcrEngine) -> int:
    """Check ``output``; return the OCR calls made.

    Raises:
        LevelFailure: ``verification_failed`` with a sentence that holds no patient data.
    """
    written = read_info(output)
    if (written.width, written.height) != (info.width, info.height):
        raise LevelFailure(Reason.VERIFICATION_FAILED, "The output has another frame size.")
    wanted = _frames_to_check(info.frames)
    decoded, samples = count_and_sample(output, wanted)
    if decoded != info.frames:
        raise LevelFailure(
            Reason.VERIFICATION_FAILED, f"The output decodes to {decoded} of {info.frames} frames."
        )
    tokens: set[str] = set()
    for text in patient_texts:
        tokens |= patient_tokens(text)
    for index, frame in sorted(samples.items()):
        for _, text in read_lines(ocr, frame):
            read = text.lower()
            if looks_like_patient_data(read) or any(token in read for token in tokens):
                raise LevelFailure(
                    Reason.VERIFICATION_FAILED,
                    f"Patient text is still readable in output frame {index}.",
                )
    return len(samples)
