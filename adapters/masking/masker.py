"""Level 2 (``fallback_basic``): black out everything outside the endoscope image.

Deterministic and model-free: find the endoscope image (a processor profile matched by its
geometry, else the region that keeps changing, on small grey samples), mask and encode in
one ffmpeg pass (``adapters.masking.encode``) that also decodes the keyframes it wrote, then
check the output with OCR before it becomes visible (``adapters.masking.verify``). Memory does
not grow with the video's length.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import cv2

from adapters.endoscope.activity import locate_endoscope
from adapters.endoscope.region import Region
from adapters.masking.encode import encode_masked, even_size
from adapters.masking.verify import KeyframePeak, Verification, VerificationFailed, verify_output
from adapters.storage.atomic import atomic_target
from adapters.video.ffmpeg import ENCODER_SETTINGS, EncoderError, ffmpeg_version
from adapters.video.ocr import OcrEngine, OcrUnavailable, RapidOcr
from adapters.video.opencv_frames import UnreadableVideo, read_info
from domain.ports import LevelFailure, LevelResult
from domain.reasons import Reason

log = logging.getLogger(__name__)

OnProgress = Callable[[str, int, int], None]  # video_id, frames done, frames in total


class OpenCVMasker:
    """``Masker`` with OpenCV (region finding) and ffmpeg/libx264 (mask and encode).

    Args:
        on_progress: called with ``(video_id, frames_done, frames_total)`` while encoding.
        ocr: the engine that reads the output's outside area (default RapidOCR, loaded
            only when something outside is not black).

    """

    def __init__(self, on_progress: OnProgress | None = None, ocr: OcrEngine | None = None):
        self.on_progress = on_progress
        self._ocr = ocr

    def mask(self, video_id: str, source: str, target: str) -> LevelResult:
        """Write a masked copy of ``source`` to ``target`` or say why not.

        Never raises for bad input: expected failures come back as ``LevelResult.failed``
        with reason ``unreadable_video``, ``roi_uncertain``, ``truncated_video``,
        ``encoder_failed``, ``ocr_engine_missing``, ``verification_failed`` or
        ``masking_failed``. No partial or unverified output is ever left at ``target``.
        Logs name only ``video_id``.

        """
        versions = {"opencv": cv2.__version__, "encoder": ENCODER_SETTINGS}
        verification = None
        try:
            versions["ffmpeg"] = ffmpeg_version()
            ocr = self._ocr or RapidOcr()
            versions["verification_ocr"] = ocr.name
            region, frames, checked = self._mask(video_id, source, Path(target), ocr, versions)
        except LevelFailure as failure:
            reason, detail = failure.reason, failure.detail
        except VerificationFailed as failed:
            reason, detail, verification = Reason.VERIFICATION_FAILED, str(failed), "failed"
        except OcrUnavailable:
            reason, detail = (
                Reason.OCR_ENGINE_MISSING,
                "The OCR engine for verification is missing.",
            )
        except UnreadableVideo:
            reason, detail = Reason.UNREADABLE_VIDEO, "The file cannot be opened as a video."
        except EncoderError as err:
            reason, detail = Reason.ENCODER_FAILED, f"The H.264 encoder failed: {err.message}."
        except (cv2.error, OSError) as err:  # messages may hold paths: keep only the kind
            reason, detail = Reason.MASKING_FAILED, f"Masking stopped with {type(err).__name__}."
        else:
            log.info("video %s: masked %d frames (%s)", video_id, frames, region.description)
            detail = (
                f"Masked {frames} frames outside the endoscope image ({region.description}); "
                f"{checked.keyframes} keyframes checked black outside, "
                f"{checked.ocr_crops} non-black area(s) read by OCR."
            )
            return LevelResult.ok(
                output=target, reason=Reason.MASKED, detail=detail, versions=versions
            )
        log.warning("video %s: masking failed: %s", video_id, reason)
        return LevelResult.failed(reason, detail, versions, verification)

    def _mask(
        self, video_id: str, source: str, target: Path, ocr: OcrEngine, versions: dict[str, str]
    ) -> tuple[Region, int, Verification]:
        info = read_info(source)
        if min(info.width, info.height, info.fps, info.frames) <= 0:
            raise LevelFailure(
                Reason.UNREADABLE_VIDEO, "The video declares no frames or no frame size."
            )
        finding = locate_endoscope(source, info)
        if finding.region is None:
            raise LevelFailure(Reason.ROI_UNCERTAIN, finding.detail)
        region = finding.region
        versions["masking_profile"] = region.description
        padded = even_size(info.width, info.height)
        if padded != (info.width, info.height):
            versions["geometry"] = (
                f"pad {info.width}x{info.height} to {padded[0]}x{padded[1]} (yuv420p)"
            )

        def progress(done: int) -> None:
            if self.on_progress is not None:
                self.on_progress(video_id, done, info.frames)

        seen = KeyframePeak(*padded)  # the output's keyframes, decoded while encoding
        with atomic_target(target) as temp:
            written = encode_masked(source, temp, region, info, progress, seen.add)
            if written < info.frames:
                raise LevelFailure(
                    Reason.TRUNCATED_VIDEO,
                    f"Only {written} of {info.frames} declared frames could be decoded.",
                )
            checked = verify_output(str(temp), region, info, written, ocr, seen)
        return region, written, checked
