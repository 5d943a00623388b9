"""Pass 2: draw the masks over their frame spans and encode H.264 through ``H264Writer``."""

from __future__ import annotations

import contextlib
from pathlib import Path

from adapters.cleaning.errors import LevelFailure
from adapters.cleaning.tracking import Mask
from adapters.ffmpeg import H264Writer
from adapters.frames import VideoInfo, iter_frames


def render(source: str, target: Path, masks: list[Mask], info: VideoInfo) -> int:
    """Write ``source`` with ``masks`` blacked out to ``target``; return the frames written.

    Raises:
        LevelFailure: the frame size changes within the video.
        EncoderError: ffmpeg failed.
    """
    ordered = sorted(masks, key=lambda m: m.start)
    with (
        contextlib.closing(iter_frames(source)) as frames,
        H264Writer(target, info.width, info.height, info.fps, "yuv420p") as writer,
    ):
        for index, frame in enumerate(frames):
            if frame.shape[:2] != (info.height, info.width):
                raise LevelFailure("masking_failed", "The frame size changes within the video.")
            for mask in ordered:
                if mask.start > index:
                    break
                if mask.covers(index):
                    x0, y0, x1, y1 = mask.rect
                    frame[y0:y1, x0:x1] = 0
            writer.write(frame)
    return writer.frames_written
