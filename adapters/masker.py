"""Level 2 (``fallback_basic``): black out everything outside the endoscope image.

Deterministic and model-free: find the endoscope image (a known processor profile or the
region that keeps changing), stream every frame through a mask into the H.264 writer, then
decode the result and check it before it becomes visible.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import cv2
import numpy as np

from adapters.atomic import atomic_target
from adapters.ffmpeg import ENCODER_SETTINGS, EncoderError, H264Writer, ffmpeg_version
from adapters.frames import (
    UnreadableVideo,
    VideoInfo,
    count_and_sample,
    iter_frames,
    read_info,
    sample_frames,
)
from adapters.roi import Region, find_region
from domain.ports import LevelResult

log = logging.getLogger(__name__)

MAX_OUTSIDE_LEVEL = 16  # brightest value tolerated outside the region after encoding
# H.264 blurs a sharp edge over a few pixels (4:2:0 chroma, block transform), so the check
# for black skips a thin band along the region's border.
VERIFY_MARGIN_PX = 8
VERIFY_SAMPLES = 8


class _Failure(Exception):
    """An expected failure of this level; becomes ``LevelResult.failed``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def _outside_check_mask(region: Region) -> np.ndarray:
    """Return a mask of the pixels that must be black: outside the region and its margin."""
    size = 2 * VERIFY_MARGIN_PX + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    return cv2.bitwise_not(cv2.dilate(region.mask, kernel))


def brightest_outside(frame: np.ndarray, outside: np.ndarray) -> int:
    """Return the brightest channel value of ``frame`` where ``outside`` is set."""
    _, peak, _, _ = cv2.minMaxLoc(np.max(frame, axis=2), mask=outside)
    return int(peak)


class OpenCVMasker:
    """``Masker`` with OpenCV (decode, mask) and ffmpeg/libx264 (encode).

    Args:
        sample_count: frames sampled to find the endoscope image.

    """

    def __init__(self, sample_count: int = 32) -> None:
        self.sample_count = sample_count

    def mask(self, video_id: str, source: str, target: str) -> LevelResult:
        """Write a masked copy of ``source`` to ``target`` or say why not.

        Never raises for bad input: expected failures come back as ``LevelResult.failed``
        with reason ``unreadable_video``, ``roi_uncertain``, ``truncated_video``,
        ``encoder_failed``, ``verification_failed`` or ``masking_failed``. No partial or
        unverified output is ever left at ``target``. Logs name only ``video_id``.

        """
        versions = {"opencv": cv2.__version__, "encoder": ENCODER_SETTINGS}
        try:
            versions["ffmpeg"] = ffmpeg_version()
            region, frames = self._mask(source, Path(target))
        except _Failure as failure:
            reason, detail = failure.reason, failure.detail
        except UnreadableVideo:
            reason, detail = "unreadable_video", "The file cannot be opened as a video."
        except EncoderError as err:
            reason = "encoder_failed"
            detail = f"The H.264 encoder failed: {err.message}."
        except (cv2.error, OSError) as err:  # messages may hold paths: keep only the kind
            reason = "masking_failed"
            detail = f"Masking stopped with {type(err).__name__}."
        else:
            versions["masking_profile"] = region.description
            log.info("video %s: masked %d frames (%s)", video_id, frames, region.description)
            detail = f"Masked {frames} frames outside the endoscope image ({region.description})."
            return LevelResult.ok(output=target, reason="masked", detail=detail, versions=versions)
        log.warning("video %s: masking failed: %s", video_id, reason)
        verification = "failed" if reason == "verification_failed" else None
        return LevelResult.failed(reason, detail, versions, verification)

    def _mask(self, source: str, target: Path) -> tuple[Region, int]:
        info = read_info(source)
        if min(info.width, info.height, info.fps, info.frames) <= 0:
            raise _Failure("unreadable_video", "The video declares no frames or no frame size.")
        samples = sample_frames(source, self.sample_count)
        if not samples:
            raise _Failure("truncated_video", "Not a single declared frame could be decoded.")
        finding = find_region(samples)
        if finding.region is None:
            raise _Failure("roi_uncertain", finding.detail)
        region = finding.region
        with atomic_target(target) as temp:
            written = self._encode(source, region, temp, info)
            if written < info.frames:
                raise _Failure(
                    "truncated_video",
                    f"Only {written} of {info.frames} declared frames could be decoded.",
                )
            self._verify(str(temp), region, written, info)
        return region, written

    def _encode(self, source: str, region: Region, temp: Path, info: VideoInfo) -> int:
        with (
            contextlib.closing(iter_frames(source)) as frames,
            H264Writer(temp, info.width, info.height, info.fps, "yuv420p") as writer,
        ):
            for frame in frames:
                if frame.shape[:2] != (info.height, info.width):
                    raise _Failure("masking_failed", "The frame size changes within the video.")
                region.apply(frame)
                writer.write(frame)
        return writer.frames_written

    def _verify(self, output: str, region: Region, frames: int, info: VideoInfo) -> None:
        """Decode the output: same geometry and frame count, black outside the region."""
        written = read_info(output)
        if (written.width, written.height) != (info.width, info.height):
            raise _Failure("verification_failed", "The output has another frame size.")
        if abs(written.fps - info.fps) > 0.01:
            raise _Failure("verification_failed", "The output has another frame rate.")
        wanted = {int(i) for i in np.linspace(0, frames - 1, VERIFY_SAMPLES)}
        decoded, samples = count_and_sample(output, wanted)
        if decoded != frames or len(samples) != len(wanted):
            raise _Failure(
                "verification_failed", f"The output decodes to {decoded} of {frames} frames."
            )
        outside = _outside_check_mask(region)
        peak = max(brightest_outside(frame, outside) for frame in samples.values())
        if peak > MAX_OUTSIDE_LEVEL:
            raise _Failure(
                "verification_failed",
                f"Pixels outside the endoscope image reach level {peak} after encoding.",
            )
