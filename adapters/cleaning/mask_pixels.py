"""Pass 2: draw the masks over their frame spans and encode H.264 through ``H264Writer``."""

from __future__ import annotations

import contextlib
from pathlib import Path

import cv2
import numpy as np

from adapters.cleaning.tracking import Mask
from adapters.endoscope.region import Region
from adapters.video.ffmpeg import H264Writer
from adapters.video.opencv_frames import VideoInfo, iter_frames
from domain.ports import LevelFailure
from domain.reasons import Reason


def render(
    source: str,
    target: Path,
    masks: list[Mask],
    info: VideoInfo,
    region: Region | None = None,
    kept: list[Mask] | None = None,
) -> int:
    """Write ``source`` with ``masks`` blacked out to ``target``; return the frames written.

    Fail-safe: with ``region``, everything outside the endoscope image is black too, except
    the ``kept`` lines (read by OCR and judged not patient data by model and rules). Text the
    OCR never found outside the image is therefore never left readable.

    Raises:
        LevelFailure: the frame size changes within the video.
        EncoderError: ffmpeg failed.
    """
    ordered = sorted(masks, key=lambda m: m.start)
    inside = cv2.merge([region.mask] * 3) if region is not None else None
    with (
        contextlib.closing(iter_frames(source)) as frames,
        H264Writer(target, info.width, info.height, info.fps, "yuv420p") as writer,
    ):
        for index, frame in enumerate(frames):
            if frame.shape[:2] != (info.height, info.width):
                raise LevelFailure(
                    Reason.MASKING_FAILED, "The frame size changes within the video."
                )
            if inside is not None:
                _black_outside(frame, inside, [m.rect for m in kept or () if m.covers(index)])
            for mask in ordered:
                if mask.start > index:
                    break
                if mask.covers(index):
                    x0, y0, x1, y1 = mask.rect
                    frame[y0:y1, x0:x1] = 0
            writer.write(frame)
    return writer.frames_written


def _black_outside(frame: np.ndarray, inside: np.ndarray, keep: list[tuple[int, ...]]) -> None:
    """Black every pixel outside the endoscope image but the ``keep`` boxes, in place."""
    saved = [(rect, frame[rect[1] : rect[3], rect[0] : rect[2]].copy()) for rect in keep]
    cv2.bitwise_and(frame, inside, dst=frame)
    for (x0, y0, x1, y1), pixels in saved:
        frame[y0:y1, x0:x1] = pixels
