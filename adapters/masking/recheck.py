"""Re-check a published level-2 output, on its own: ``endoveil verify VIDEO_ID``.

The same checks as at publication, from the file alone: the endoscope image is found again
in the output (its surround is black), the output's keyframes are decoded, everything
outside the image must be black and unreadable, and the image itself is read for text
(``adapters.masking.inside_text``) and looked at for a face (``adapters.endoscope.faces``).
When the image changes mid-video, the output's frames are classified again
(``adapters.endoscope.blanks.classify_finding``) and each segment's keyframes are checked
outside its own region; every segment's image is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.endoscope.activity import locate_endoscope
from adapters.endoscope.blanks import classify_finding
from adapters.endoscope.faces import MIN_FACE_SCORE, FaceFinder, FaceModelMissing
from adapters.endoscope.segments import Segment, read_region
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
    segments: int = 1  # the images checked, each outside on its own frames (the image changes)
    faces: int = 0  # keyframes whose image shows a face

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
    try:
        faces = FaceFinder()
    except FaceModelMissing:
        return Recheck(0, 0, 0, 0, "The face detector's model cannot be loaded.")
    finding = locate_endoscope(path, info)
    if finding.region is None:
        return Recheck(0, 0, 0, 0, f"The endoscope image is not found again: {finding.detail}")
    region = finding.region
    segments: tuple[Segment, ...] = ()
    if len(finding.regions) > 1:  # the image changes: each frame's own region, as level 2 did
        passed = classify_finding(path, finding, info.frames)
        region, segments = passed.region(region), passed.segments
    width, height = even_size(info.width, info.height)
    # with segments, verify_output decodes the keyframes again, numbered from the index
    seen = None if segments else KeyframePeak(width, height)
    read_in = read_region(region, segments)
    x, y, w, h = read_in.bbox
    inside = InsideReader(ocr, read_in.mask[y : y + h, x : x + w], read_in.bbox, faces=faces)
    decoded = 0
    try:
        for planes in stream_frames(["-skip_frame", "nokey", "-i", path], "null", width, height,
                                    "gbrp"):  # fmt: skip
            if seen is not None:
                seen.add(planes)
            inside.add(planes)
            decoded += 1
    finally:
        reading = inside.result()
    read, lines, count = reading.keyframes, reading.lines, max(len(segments), 1)
    shown = sum(score >= MIN_FACE_SCORE for score in reading.faces)
    try:
        checked = verify_output(path, region, info, info.frames, ocr, seen, segments)
    except VerificationFailed as failed:
        return Recheck(decoded, 0, read, lines, str(failed), count, shown)
    problem = f"{lines} line(s) of text readable inside the image." if lines else None
    if shown:
        problem = f"{shown} keyframe(s) show a face inside the image."
    return Recheck(checked.keyframes, checked.ocr_crops, read, lines, problem, count, shown)
