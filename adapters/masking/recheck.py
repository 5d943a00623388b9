"""Re-check a published level-2 output, on its own: ``endoveil verify VIDEO_ID``.

The same checks as at publication, from the file alone: the endoscope image is found again
in the output (its surround is black), the output's keyframes are decoded, everything
outside the image must be black and unreadable, and the image itself is read for
text (``adapters.masking.inside_text``).
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.endoscope.activity import locate_endoscope
from adapters.masking.encode import even_size
from adapters.masking.inside_text import InsideReader
from adapters.masking.verify import KeyframePeak, VerificationFailed, verify_output
from adapters.video.ffmpeg_frames import stream_frames
from adapters.video.ocr import OcrEngine
from adapters.video.opencv_frames import UnreadableVideo, read_info


@dataclass(frozen=True)
class Recheck:
    """What ``recheck`` looked at and found; ``problem`` is None when all passed."""

    keyframes: int
    outside_areas_read: int
    inside_keyframes_read: int
    inside_lines: int
    problem: str | None

    @property
    def passed(self) -> bool:
        """Whether the output still holds what level 2 promised."""
        return self.problem is None


def recheck(path: str, ocr: OcrEngine) -> Recheck:
    """Check the anonymized video at ``path``; never raises for a bad file."""
    try:
        info = read_info(path)
    except UnreadableVideo:
        return Recheck(0, 0, 0, 0, "The output cannot be opened as a video.")
    finding = locate_endoscope(path, info)
    if finding.region is None:
        return Recheck(0, 0, 0, 0, f"The endoscope image is not found again: {finding.detail}")
    region = finding.region
    width, height = even_size(info.width, info.height)
    x, y, w, h = region.bbox
    seen = KeyframePeak(width, height)
    inside = InsideReader(ocr, region.mask[y : y + h, x : x + w], region.bbox)
    try:
        for planes in stream_frames(["-skip_frame", "nokey", "-i", path], "null", width, height,
                                    "gbrp"):  # fmt: skip
            seen.add(planes)
            inside.add(planes)
    finally:
        reading = inside.result()
    read, lines = reading.keyframes, reading.lines
    try:
        checked = verify_output(path, region, info, info.frames, ocr, seen)
    except VerificationFailed as failed:
        return Recheck(seen.keyframes, 0, read, lines, str(failed))
    problem = f"{lines} line(s) of text readable inside the image." if lines else None
    return Recheck(seen.keyframes, checked.ocr_crops, read, lines, problem)
