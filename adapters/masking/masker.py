"""Level 2 (``fallback_basic``): black out everything outside the endoscope image.

Deterministic, without a language model: find the endoscope image (a processor profile matched
by its geometry, else the region that keeps changing, on small grey samples), mask and encode in
one ffmpeg pass (``adapters.masking.encode``) that also decodes the keyframes it wrote, then
check the output with OCR before it becomes visible (``adapters.masking.verify``): outside the
image, and inside it for text on every keyframe (``adapters.masking.inside_text``, read beside
the encode). Text found inside is blacked out by a second encode, each line's box over the
frames where it is visible (``adapters.masking.text_tracks``); if text is still read there, or
the boxes would black out too much of the image, the level fails with ``text_inside_image``.
What the first encode saw decides what the next must do (``adapters.masking.passes``).
Memory does not grow with the video's length.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.masking.passes import (
    Job,
    Outcome,
    Pass,
    beside,
    encode_until_seen,
    refuse_faint,
)
from adapters.storage.atomic import atomic_target
from domain.ports import LevelFailure, LevelResult
from domain.reasons import Reason

if TYPE_CHECKING:
    import numpy as np

    from adapters.endoscope.blanks import Range
    from adapters.endoscope.region import Region
    from adapters.masking.encoders import Encoder
    from adapters.masking.inside_text import InsideReader
    from adapters.masking.text_tracks import TimedBox
    from adapters.masking.verify import Verification
    from adapters.video.ocr import OcrEngine

log = logging.getLogger(__name__)

OnProgress = Callable[[str, int, int], None]  # video_id, frames done, frames in total


class OpenCVMasker:
    """``Masker`` with OpenCV (region finding) and ffmpeg/libx264 (mask and encode).

    Args:
        on_progress: called with ``(video_id, frames_done, frames_total)`` while encoding.
        ocr: the engine that reads the output, outside and inside the image (default
            RapidOCR outside, loaded only when something there is not black, and
            ``inside_text.CropOcr`` inside).
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
        log.info("video %s: level 2 masking started", video_id)
        # Imported here, not at the top: building the application (``endoveil status``,
        # ``--help``) must not load OpenCV, numpy and the OCR engine; only masking needs them.
        import cv2

        from adapters.masking.encoders import choose
        from adapters.masking.inside_text import CropOcr
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
                video_id, source, Path(target), (ocr, self._ocr or CropOcr()), versions, encoder
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
        ocr: tuple[OcrEngine, OcrEngine],
        versions: dict[str, str],
        encoder: Encoder,
    ) -> tuple[Region, int, Verification, str]:
        from adapters.endoscope.activity import locate_endoscope
        from adapters.endoscope.blanks import classify_finding, describe
        from adapters.endoscope.faces import required_finder
        from adapters.masking.encode import even_size
        from adapters.masking.inside_text import warmed_up
        from adapters.masking.text_tracks import describe as describe_boxes
        from adapters.masking.verify import VerificationFailed
        from adapters.video.opencv_frames import read_info

        info = read_info(source)
        if min(info.width, info.height, info.fps, info.frames) <= 0:
            raise LevelFailure(
                Reason.UNREADABLE_VIDEO, "The video declares no frames or no frame size."
            )
        finding = locate_endoscope(source, info)
        if finding.region is None:
            raise LevelFailure(Reason.ROI_UNCERTAIN, finding.detail)
        if finding.surround:
            versions["surround"] = (
                f"black lifted to grey {finding.surround} (an analogue capture): lowered "
                "before the image was looked for"
            )
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
        faces = required_finder()
        with warmed_up(ocr[1]), atomic_target(target) as temp:  # the outside OCR loads if needed
            job = Job(video_id, source, temp, info, ocr[0], ocr[1], blank, encoder, segments,
                      finding.scene, beside(blank, info.frames), faces,
                      surround=finding.surround)  # fmt: skip
            outcome = encode_until_seen(job, region, self._encode_and_check, self._read_between)
            if outcome.final.failure is not None:  # inside: the temp file is discarded
                raise VerificationFailed(outcome.final.failure)
        job, boxes = outcome.job, outcome.boxes
        if outcome.missed or job.faced:
            versions["blanked_frames"] = describe(job.blank)
        if boxes:
            versions["masking_profile"] = f"{region.description} minus {len(boxes)} text box(es)"
        checked = dataclasses.replace(
            outcome.final.checked, inside_lines=outcome.found,
            inside_masked=describe_boxes(boxes) if boxes else "",
            late_blanked=describe(outcome.missed), read_on_change=len(job.between),
            read_at_line_ends=len(job.ends),
            face_blanked=describe(job.faced),
        )  # fmt: skip
        return region, outcome.final.written, checked, _inside_summary(outcome)

    def _read_between(
        self, job: Job, region: Region, first: Pass, frames: list[int], blank: list[Range]
    ) -> tuple[list[TimedBox], list[Range]]:
        """Read ``frames`` (no keyframes of ``first``) from the source, among its keyframes.

        Returns the boxes and the face ranges of all reads together.
        """
        from adapters.endoscope.faces import face_ranges
        from adapters.endoscope.segments import read_region
        from adapters.masking.encode import even_size
        from adapters.masking.frame_reads import interleaved, read_source_frames

        reader = _inside_reader(job, read_region(region, job.segments), [], -1)
        more, extra = read_source_frames(job.source, job.info, frames, reader)
        if len(more) < len(set(frames)):  # every one was encoded: a decode that stopped short
            raise LevelFailure(
                Reason.VERIFICATION_FAILED,
                f"Only {len(more)} of the {len(set(frames))} frames to be read between keyframes "
                "could be decoded: what the others show is unchecked.",
            )
        numbers, reading = interleaved(first.keyframes, first.reading, more, extra)
        refuse_faint(reading)
        size = even_size(job.info.width, job.info.height)
        boxes = reading.boxes(numbers, first.written, size, blank, set(job.ends))
        return boxes, face_ranges(reading.faces, numbers, first.written)

    def _encode_and_check(self, job: Job, region: Region, boxes: list[TimedBox]) -> Pass:
        """One masked encode into ``job.temp``, checked outside and read inside the image.

        ``boxes`` are blacked out over their frames; returned are the boxes text was read in
        and what the watch saw of every input frame.
        """
        from adapters.endoscope.activity import tiny_size
        from adapters.endoscope.faces import face_ranges
        from adapters.endoscope.segments import read_region
        from adapters.endoscope.watch import FrameWatch
        from adapters.masking.encode import encode_masked, even_size, keyframe_gap
        from adapters.masking.verify import (
            KeyframePeak,
            Verification,
            VerificationFailed,
            verify_output,
        )

        info = job.info
        size = even_size(info.width, info.height)

        def progress(done: int) -> None:
            if self.on_progress is not None:
                self.on_progress(job.video_id, done, info.frames)

        seen = KeyframePeak(*size)  # decoded while encoding
        gap = keyframe_gap(info.frames, info.fps)
        read_in = read_region(region, job.segments)
        inside = _inside_reader(job, read_in, [b.box for b in boxes], info.frames // gap // 2)
        numbers: list[int] = []
        tiny = tiny_size(info.width, info.height)
        watch = FrameWatch(region, job.segments, job.reference, tiny, gap, job.surround)

        def keyframe(planes: np.ndarray) -> None:
            seen.add(planes)
            inside.add(planes)

        try:
            written = encode_masked(
                job.source, job.temp, region, info, progress, keyframe, job.blank, job.encoder,
                job.segments, boxes, numbers.extend, watch, job.keyframes,
            )  # fmt: skip
        finally:
            reading = inside.result()
        if written < info.frames:
            raise LevelFailure(
                Reason.TRUNCATED_VIDEO,
                f"Only {written} of {info.frames} declared frames could be decoded.",
            )
        if watch.frames != written:  # frames nobody looked at for a screen, a step, a face
            raise LevelFailure(
                Reason.VERIFICATION_FAILED,
                f"{watch.frames} of the {written} frames encoded were watched.",
            )
        refuse_faint(reading)
        failure = None
        try:
            checked = verify_output(
                str(job.temp), region, info, written, job.ocr, seen, job.segments
            )
        except VerificationFailed as failed:  # a screen on a keyframe: the next encode blanks it
            checked, failure = Verification(seen.keyframes, 0, 0), str(failed)
        found = reading.boxes(numbers, written, size, [*job.blank, *watch.flagged()], set(job.ends))
        checked = dataclasses.replace(
            checked, inside_keyframes=reading.keyframes, inside_gap=gap,
            inside_lines=len(found), inside_left=len(found) if boxes else 0,
            watched=watch.frames, faces_looked=len(reading.faces),
        )  # fmt: skip
        faces = face_ranges(reading.faces, numbers, written)
        return Pass(written, checked, found, watch, numbers, faces, reading, failure)


def _inside_summary(outcome: Outcome) -> str:
    """What was read and blacked out inside the image, in words for the event's detail."""
    from adapters.endoscope.blanks import describe
    from adapters.masking.text_tracks import frames_text

    job, boxes = outcome.job, outcome.boxes
    inside = f"{outcome.found} line(s) of text read inside the image"
    if boxes:
        inside += (f", {len(boxes)} box(es) blacked out inside the image over frames "
                   f"{frames_text(boxes)}")  # fmt: skip
    if job.blank:
        inside += f"; blacked out whole, without an endoscope image: {describe(job.blank)}"
    if outcome.missed:
        inside += f" ({describe(outcome.missed)} of them seen only while encoding)"
    if job.faced:
        inside += f" ({describe(job.faced)} of them around keyframes showing a face)"
    if job.segments:
        inside += f"; the image changes: {len(job.segments)} regions, each on its frames"
    return inside


def _inside_reader(job: Job, region: Region, masked: list[tuple[int, int, int, int]],
                   whole_at: int) -> InsideReader:  # fmt: skip
    """A reader of ``region``'s image that also reads keyframe ``whole_at`` whole (-1: none)."""
    from adapters.masking.inside_text import InsideReader

    x, y, w, h = region.bbox
    inside = region.mask[y : y + h, x : x + w]
    return InsideReader(job.inside_ocr, inside, region.bbox, masked, whole_at, job.faces)
