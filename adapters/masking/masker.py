"""Level 2 (``fallback_basic``): black out everything outside the endoscope image.

Deterministic and model-free: find the endoscope image (a processor profile matched by its
geometry, else the region that keeps changing, on small grey samples), mask and encode in
one ffmpeg pass (``adapters.masking.encode``) that also decodes the keyframes it wrote, then
check the output with OCR before it becomes visible (``adapters.masking.verify``): outside the
image, and inside it for patient-like text (``adapters.masking.inside_text``, read beside the
encode). Text found inside is blacked out by a second encode with those boxes cut out of the
image; if it is still read there, the level fails with ``text_inside_image``. Memory does not
grow with the video's length.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.storage.atomic import atomic_target
from domain.ports import LevelFailure, LevelResult
from domain.reasons import Reason

if TYPE_CHECKING:
    import numpy as np

    from adapters.endoscope.blanks import Range
    from adapters.endoscope.region import Region
    from adapters.endoscope.segments import Segment
    from adapters.masking.encoders import Encoder
    from adapters.masking.verify import Verification
    from adapters.video.ocr import OcrEngine, TextBox
    from adapters.video.opencv_frames import VideoInfo

log = logging.getLogger(__name__)

OnProgress = Callable[[str, int, int], None]  # video_id, frames done, frames in total


class OpenCVMasker:
    """``Masker`` with OpenCV (region finding) and ffmpeg/libx264 (mask and encode).

    Args:
        on_progress: called with ``(video_id, frames_done, frames_total)`` while encoding.
        ocr: the engine that reads the output's outside area (default RapidOCR, loaded
            only when something outside is not black).
        encoder: ``ENDOVEIL_ENCODER``: ``libx264``, ``auto`` or a hardware encoder (probed
            once per process, libx264 when no device answers; see ``adapters.masking.encoders``).

    """

    def __init__(
        self,
        on_progress: OnProgress | None = None,
        ocr: OcrEngine | None = None,
        encoder: str = "libx264",
    ):
        self.on_progress = on_progress
        self._ocr = ocr
        self._encoder = encoder

    def mask(self, video_id: str, source: str, target: str) -> LevelResult:
        """Write a masked copy of ``source`` to ``target`` or say why not.

        Never raises for bad input: expected failures come back as ``LevelResult.failed``
        with reason ``unreadable_video``, ``roi_uncertain``, ``truncated_video``,
        ``encoder_failed``, ``ocr_engine_missing``, ``verification_failed``,
        ``text_inside_image`` or ``masking_failed``. No partial or unverified output is
        ever left at ``target``. Logs name only ``video_id``.

        """
        # Imported here, not at the top: building the application (``endoveil status``,
        # ``--help``) must not load OpenCV, numpy and the OCR engine; only masking needs them.
        import cv2

        from adapters.masking.encoders import choose
        from adapters.masking.verify import VerificationFailed
        from adapters.video.ffmpeg import EncoderError, ffmpeg_version
        from adapters.video.ocr import OcrUnavailable, RapidOcr
        from adapters.video.opencv_frames import UnreadableVideo

        encoder = choose(self._encoder)
        versions = {"opencv": cv2.__version__, "encoder": encoder.record}
        verification = None
        try:
            versions["ffmpeg"] = ffmpeg_version()
            ocr = self._ocr or RapidOcr()
            versions["verification_ocr"] = ocr.name
            region, frames, checked, inside = self._mask(
                video_id, source, Path(target), ocr, versions, encoder
            )
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
            versions["verification_checked"] = checked.summary()
            log.info("video %s: masked %d frames (%s)", video_id, frames, region.description)
            detail = (
                f"Masked {frames} frames outside the endoscope image ({region.description}); "
                f"{checked.keyframes} keyframes checked black outside, "
                f"{checked.ocr_crops} non-black area(s) read by OCR; {inside}."
            )
            return LevelResult.ok(
                output=target, reason=Reason.MASKED, detail=detail, versions=versions
            )
        log.warning("video %s: masking failed: %s", video_id, reason)
        return LevelResult.failed(reason, detail, versions, verification)

    def _mask(
        self,
        video_id: str,
        source: str,
        target: Path,
        ocr: OcrEngine,
        versions: dict[str, str],
        encoder: Encoder,
    ) -> tuple[Region, int, Verification, str]:
        from adapters.endoscope.activity import locate_endoscope
        from adapters.endoscope.blanks import classify_finding, describe
        from adapters.endoscope.region import with_holes
        from adapters.endoscope.segments import Segment
        from adapters.masking.encode import even_size
        from adapters.masking.inside_text import blackout_boxes, warmed_up
        from adapters.video.opencv_frames import read_info

        info = read_info(source)
        if min(info.width, info.height, info.fps, info.frames) <= 0:
            raise LevelFailure(
                Reason.UNREADABLE_VIDEO, "The video declares no frames or no frame size."
            )
        finding = locate_endoscope(source, info)
        if finding.region is None:
            raise LevelFailure(Reason.ROI_UNCERTAIN, finding.detail)
        passed = classify_finding(source, finding, info.frames)
        region, blank, segments = passed.region(finding.region), passed.blank, passed.segments
        versions["masking_profile"] = region.description
        if blank:
            versions["blanked_frames"] = describe(blank)
        if segments and passed.plan is not None:
            versions["masking_segments"] = passed.plan.describe()
        padded = even_size(info.width, info.height)
        if padded != (info.width, info.height):
            versions["geometry"] = (
                f"pad {info.width}x{info.height} to {padded[0]}x{padded[1]} (yuv420p)"
            )
        with warmed_up(ocr), atomic_target(target) as temp:
            job = _Job(video_id, source, temp, info, ocr, blank, encoder)
            written, checked, lines = self._encode_and_check(job, region, segments)
            inside = f"{len(lines)} patient-like line(s) read inside the image"
            if blank:
                inside += f"; blacked out whole, without an endoscope image: {describe(blank)}"
            if segments:
                inside += f"; the image changes: {len(segments)} regions, each on its frames"
            if lines:  # a banner drawn into the picture: black it out, then read again
                boxes = blackout_boxes(lines, *padded)
                region = with_holes(region, boxes)
                segments = tuple(Segment(with_holes(s.region, boxes), s.ranges) for s in segments)
                versions["masking_profile"] = region.description
                written, checked, left = self._encode_and_check(job, region, segments)
                if left:
                    raise LevelFailure(
                        Reason.TEXT_INSIDE_IMAGE,
                        f"{len(left)} line(s) of patient-like text stay readable inside the "
                        "endoscope image after masking them.",
                    )
                inside += f", {len(lines)} box(es) blacked out inside the image"
        return region, written, checked, inside

    def _encode_and_check(
        self, job: _Job, region: Region, segments: tuple[Segment, ...] = ()
    ) -> tuple[int, Verification, list[TextBox]]:
        """One masked encode into ``job.temp``, checked outside and read inside the image."""
        from adapters.endoscope.segments import bounding_box
        from adapters.masking.encode import encode_masked, even_size
        from adapters.masking.inside_text import InsideReader
        from adapters.masking.verify import KeyframePeak, verify_output

        info = job.info

        def progress(done: int) -> None:
            if self.on_progress is not None:
                self.on_progress(job.video_id, done, info.frames)

        seen = KeyframePeak(*even_size(info.width, info.height))  # decoded while encoding
        inside = InsideReader(job.ocr, bounding_box([region, *(s.region for s in segments)]))

        def keyframe(planes: np.ndarray) -> None:
            seen.add(planes)
            inside.add(planes)

        try:
            written = encode_masked(
                job.source, job.temp, region, info, progress, keyframe, job.blank, job.encoder,
                segments,
            )  # fmt: skip
        finally:
            read, lines = inside.result()
        if written < info.frames:
            raise LevelFailure(
                Reason.TRUNCATED_VIDEO,
                f"Only {written} of {info.frames} declared frames could be decoded.",
            )
        checked = verify_output(str(job.temp), region, info, written, job.ocr, seen, segments)
        checked = dataclasses.replace(checked, inside_keyframes=read, inside_lines=len(lines))
        return written, checked, lines


@dataclasses.dataclass(frozen=True)
class _Job:
    """What every encode of one video shares."""

    video_id: str
    source: str
    temp: Path
    info: VideoInfo
    ocr: OcrEngine
    blank: list[Range]
    encoder: Encoder
