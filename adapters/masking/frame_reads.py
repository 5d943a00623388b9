"""Frames read between keyframes, decoded from the source instead of encoded again.

The watch marks frames worth reading that are no keyframe of the first encode: both sides
of a step, the middle of a line or a picture shown briefly, the frames beside a stretch it
blanked (``adapters.masking.masker._unread``). Forcing keyframes there costs a second
encode, most often to find nothing (an instrument moved in, the light switched, a cut).
Decoding only those frames from the source, in one ffmpeg pass that decodes and selects
them, costs a decode (several times cheaper than an encode at 1080p). Their image is read
as a keyframe's is (``InsideReader``: text, and a face); the reads are put in frame order
among the first encode's, and only when they add a line or a face is the video encoded
again, with those frames forced to keyframes so that the masked result is read there too.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.masking.inside_text import InsideReader, InsideReading
from adapters.video.ffmpeg_frames import stream_frames
from adapters.video.frame_ranges import expression
from adapters.video.opencv_frames import VideoInfo


def select_filter(frames: Sequence[int]) -> str:
    """The ``-vf`` that keeps only ``frames`` (decoded frame numbers)."""
    return f"select='{expression((frame, frame) for frame in frames)}'"


def read_source_frames(
    source: str, info: VideoInfo, frames: Sequence[int], reader: InsideReader
) -> tuple[list[int], InsideReading]:
    """Decode ``frames`` of ``source`` and read each; their numbers (as decoded) and reads.

    A frame the source does not hold (a short decode) is not in the numbers returned.
    """
    wanted = sorted(set(frames))
    decoded = 0
    try:
        for planes in stream_frames(["-i", source], select_filter(wanted), info.width,
                                    info.height, "gbrp"):  # fmt: skip
            reader.add(planes)
            decoded += 1
    finally:
        reading = reader.result()
    return wanted[:decoded], reading


def interleaved(
    numbers: Sequence[int], reading: InsideReading, more: Sequence[int], extra: InsideReading
) -> tuple[list[int], InsideReading]:
    """The keyframes' reads and the extra frames' reads as one reading, in frame order."""
    faces = reading.faces if len(reading.faces) == len(numbers) else [0.0] * len(numbers)
    extra_faces = extra.faces if len(extra.faces) == len(more) else [0.0] * len(more)
    rows = sorted(
        [*zip(numbers, reading.found, faces, strict=True),
         *zip(more, extra.found, extra_faces, strict=True)],
        key=lambda row: row[0],
    )  # fmt: skip
    joined = InsideReading(
        found=[list(found) for _, found, _ in rows],
        whole=[*reading.whole, *extra.whole],
        costs=[*reading.costs, *extra.costs],
        faces=[face for _, _, face in rows],
        faint=reading.faint + extra.faint,
    )
    return [number for number, _, _ in rows], joined
