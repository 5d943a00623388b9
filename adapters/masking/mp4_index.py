"""Which frames of an MP4 file are keyframes, read from its index (no decoding).

A verification that checks each keyframe against the region of its own frame needs the
keyframes' frame numbers. The keyframe rule (``adapters.masking.encode.keyframe_rule``) says
where keyframes are forced, but an encoder adds its own (libx264 at scene cuts, as a region
switch or a blanked stretch is), so the numbers are read from what was written: the video
track's sync-sample table (``stss``; no table: every sample is a keyframe). Level 2 writes
closed GOPs, where a keyframe's place in decoding order is its place in the video.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

_CONTAINERS = (b"moov", b"trak", b"mdia", b"minf", b"stbl")


def _boxes(file: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """``(type, payload start, box end)`` of the boxes between ``start`` and ``end``."""
    position = start
    while position + 8 <= end:
        file.seek(position)
        size, kind = struct.unpack(">I4s", file.read(8))
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", file.read(8))[0], 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            return
        yield kind, position + header, position + size
        position += size


def _child(file: BinaryIO, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    return next(((s, e) for k, s, e in _boxes(file, start, end) if k == kind), None)


def _video_sample_table(file: BinaryIO, size: int) -> tuple[int, int] | None:
    moov = _child(file, 0, size, b"moov")
    if moov is None:
        return None
    for kind, start, end in _boxes(file, *moov):
        if kind != b"trak" or (mdia := _child(file, start, end, b"mdia")) is None:
            continue
        handler = _child(file, *mdia, b"hdlr")
        if handler is None:
            continue
        file.seek(handler[0] + 8)  # version and flags, pre-defined
        if file.read(4) != b"vide":
            continue
        minf = _child(file, *mdia, b"minf")
        return None if minf is None else _child(file, *minf, b"stbl")
    return None


def keyframe_numbers(path: str) -> list[int] | None:
    """The 0-based numbers of the video track's keyframes, or None if there is no index."""
    with open(path, "rb") as file:
        file.seek(0, 2)
        stbl = _video_sample_table(file, file.tell())
        if stbl is None:
            return None
        stss = _child(file, *stbl, b"stss")
        if stss is not None:
            file.seek(stss[0] + 4)
            (count,) = struct.unpack(">I", file.read(4))
            numbers = struct.unpack(f">{count}I", file.read(4 * count))
            return [n - 1 for n in numbers]
        stsz = _child(file, *stbl, b"stsz")
        if stsz is None:
            return None
        file.seek(stsz[0] + 8)  # version and flags, sample size
        (count,) = struct.unpack(">I", file.read(4))
        return list(range(count))
