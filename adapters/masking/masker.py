"""Level 2 (``fallback_basic``): black out everything outside the endoscope image.

Deterministic and model-free: find the endoscope image (a processor profile matched by its
geometry, else the region that keeps changing, on small grey samples), mask and encode in
one ffmpeg pass (``adapters.masking.encode``) that also decodes the keyframes it wrote, then
check the output with OCR before it becomes visible (``adapters.masking.verify``): outside the
image, and inside it for text on every keyframe (``adapters.masking.inside_text``, read beside
the encode). Text found inside is blacked out by a second encode, each line's box over the
frames where it is visible (``adapters.masking.text_tracks``); if text is still read there, or
the boxes would black out too much of the image, the level fails with ``text_inside_image``.
Memory does not grow with the video's length.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.storage.atomic import atomic_target
from domain.ports import LevelFailure, LevelResult
from domain.reasons import Reason

if TYPE_CHECKING:
    import numpy as np

    from adapters.endoscope.blanks import Range
    from adapters.endoscope.faces import FaceFinder
    from adapters.endoscope.region import Region
    from adapters.endoscope.scene import Reference
    from adapters.endoscope.segments import Segment
    from adapters.endoscope.watch import FrameWatch
    from adapters.masking.encoders import Encoder
    from adapters.masking.inside_text import InsideReader, InsideReading
    from adapters.masking.text_tracks import TimedBox
    from adapters.masking.verify import Verification
    from adapters.video.ocr import OcrEngine
    from adapters.video.opencv_frames import VideoInfo

log = logging.getLogger(__name__)

OnProgress = Callable[[str, int, int], None]  # video_id, frames done, frames in total
# Frames without an image that only the watch saw (the samples missed them): beyond this
# share of the video the samples did not show what it is, and the region is not trusted.
MAX_UNSEEN_SHARE = 0.5


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
        from adapters.masking.encode import even_size
        from adapters.masking.inside_text import warmed_up
        from adapters.masking.text_tracks import describe as describe_boxes
        from adapters.masking.text_tracks import frames_text
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
        faces = _face_finder()
        with warmed_up(ocr[1]), atomic_target(target) as temp:  # the outside OCR loads if needed
            job = _Job(video_id, source, temp, info, ocr[0], ocr[1], blank, encoder, segments,
                       finding.scene, _beside(blank, info.frames), faces)  # fmt: skip
            final, job, boxes, missed, found = self._passes(job, region)
            if final.failure is not None:
                raise VerificationFailed(final.failure)
            if missed or job.faced:
                versions["blanked_frames"] = describe(job.blank)
            if boxes:
                versions["masking_profile"] = (
                    f"{region.description} minus {len(boxes)} text box(es)"
                )
            checked = dataclasses.replace(
                final.checked, inside_lines=found,
                inside_masked=describe_boxes(boxes) if boxes else "", late_blanked=describe(missed),
                read_on_change=len(job.between), face_blanked=describe(job.faced),
            )  # fmt: skip
            inside = f"{found} line(s) of text read inside the image"
            if boxes:
                inside += (f", {len(boxes)} box(es) blacked out inside the image over frames "
                           f"{frames_text(boxes)}")  # fmt: skip
            if job.blank:
                inside += f"; blacked out whole, without an endoscope image: {describe(job.blank)}"
            if missed:
                inside += f" ({describe(missed)} of them seen only while encoding)"
            if job.faced:
                inside += f" ({describe(job.faced)} of them around keyframes showing a face)"
            if segments:
                inside += f"; the image changes: {len(segments)} regions, each on its frames"
        written = final.written
        return region, written, checked, inside

    def _passes(
        self, job: _Job, region: Region
    ) -> tuple[_Pass, _Job, list[TimedBox], list[Range], int]:
        """Encode until nothing new is seen: at most three masked encodes.

        The first may find frames without an image that the samples missed (the watch),
        keyframes whose image shows a face (blacked out up to the keyframes either side),
        steps in the image between two keyframes (each side of each; a line or a picture
        shown briefly, on its middle: those frames are decoded from the source and read,
        ``adapters.masking.frame_reads``), and text inside the image. What they show is
        blacked out by the next encode, which forces keyframes on them and reads them
        masked; what it still reads there is blacked out by a third, the last.

        Returns:
            The last pass, the job as it was last encoded, the boxes blacked out inside the
            image, the frames blacked out that only the watch saw, the lines read inside.
        """
        from adapters.video.frame_ranges import contains, merge

        first = self._encode_and_check(job, region, [])
        _refuse_cut(first.watch)
        missed = first.watch.unplanned(job.blank)  # between the samples: a brief screen
        faced = [r for r in first.faces if not contains([*job.blank, *missed], r)]
        _refuse_unrepresentative(merge([*missed, *faced]), job.info.frames)
        blank = merge([*job.blank, *missed, *faced])
        unread = _unread(first, blank, missed)
        boxes, found, final, between = first.boxes, first.checked.inside_lines, first, unread
        if unread and len(first.keyframes) != first.reading.keyframes:
            raise LevelFailure(
                Reason.VERIFICATION_FAILED,
                "The output's keyframes cannot be numbered, so the frames between them that "
                "changed cannot be read in their place: what they show is unchecked.",
            )
        if unread:
            read, seen = self._read_between(job, region, first, unread, blank)
            seen = [r for r in seen if not contains(blank, r)]
            if read == boxes and not seen:
                unread = []  # nothing there: no encode needed to read those frames
            else:  # encoded again, those frames forced to keyframes: read masked there
                boxes, found = read, len(read)
                faced, blank = merge([*faced, *seen]), merge([*blank, *seen])
        job = dataclasses.replace(job, blank=blank, keyframes=tuple(unread), faced=faced,
                                  between=tuple(between))  # fmt: skip
        for attempt in range(2):
            if not (boxes or missed or faced or unread) or (
                attempt and not ((final.boxes and unread) or final.faces)
            ):
                break
            if attempt:  # text or a face read on the keyframes forced where something showed
                boxes, found = boxes + final.boxes, found + len(final.boxes)
                faced = merge([*faced, *final.faces])
                blank = merge([*job.blank, *final.faces])
                job = dataclasses.replace(job, blank=blank, faced=faced)
            _refuse_cover(boxes, region)
            final = self._encode_and_check(job, region, boxes)
            if final.watch.unplanned(job.blank):
                raise LevelFailure(
                    Reason.ROI_UNCERTAIN,
                    "Frames without an endoscope image are still shown after masking.",
                )
        if final is not first and final.faces:  # still, after a third encode
            raise LevelFailure(
                Reason.ROI_UNCERTAIN, "A face is still shown inside the image after masking."
            )
        if final is not first and final.boxes:
            raise LevelFailure(
                Reason.TEXT_INSIDE_IMAGE,
                f"{final.checked.inside_lines} line(s) of text stay readable inside "
                "the endoscope image after masking them.",
            )
        return final, job, boxes, missed, found

    def _read_between(
        self, job: _Job, region: Region, first: _Pass, frames: list[int], blank: list[Range]
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
        size = even_size(job.info.width, job.info.height)
        boxes = reading.boxes(numbers, first.written, size, blank)
        return boxes, face_ranges(reading.faces, numbers, first.written)

    def _encode_and_check(self, job: _Job, region: Region, boxes: list[TimedBox]) -> _Pass:
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
        watch = FrameWatch(region, job.segments, job.reference, tiny, gap)

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
        failure = None
        try:
            checked = verify_output(
                str(job.temp), region, info, written, job.ocr, seen, job.segments
            )
        except VerificationFailed as failed:  # a screen on a keyframe: the next encode blanks it
            checked, failure = Verification(seen.keyframes, 0, 0), str(failed)
        found = reading.boxes(numbers, written, size, [*job.blank, *watch.flagged()])
        checked = dataclasses.replace(
            checked, inside_keyframes=reading.keyframes, inside_gap=gap,
            inside_lines=len(found), inside_left=len(found) if boxes else 0,
            watched=watch.frames, faces_looked=len(reading.faces),
        )  # fmt: skip
        faces = face_ranges(reading.faces, numbers, written)
        return _Pass(written, checked, found, watch, numbers, faces, reading, failure)


@dataclasses.dataclass(frozen=True)
class _Pass:
    """One masked encode: frames written, what was checked, text read inside, the watch."""

    written: int
    checked: Verification
    boxes: list[TimedBox]
    watch: FrameWatch
    keyframes: list[int]  # the frame number of each keyframe written
    faces: list[Range]  # frames around the keyframes whose image showed a face
    reading: InsideReading  # what was read on each keyframe
    failure: str | None = None  # why the output failed its check (the next encode may fix it)


# Steps in the image between keyframes (each read on both sides): at most this many, or one
# in CHANGE_KEYFRAME_FRAMES frames of a long video (each costs keyframes' bits and a read).
MAX_CHANGE_KEYFRAMES = 64
CHANGE_KEYFRAME_FRAMES = 12


def _unread(first: _Pass, blank: list[Range], missed: Sequence[Range] = ()) -> list[int]:
    """The frames to read next: each side of every step, and the middle of every brief line.

    Both are what the watch saw (``onsets``, ``peaks``). The frame of a step shows what
    appeared; the frame before shows what vanished, which a fade brought in without a step
    of its own; the middle of a line that faded in and out shows it the most. The frames
    beside each stretch blanked for the watch (``missed``) are read too: a face cross-faded
    into a scene shows there. Frames that were keyframes of ``first`` (read already) or are
    blanked are left out.
    """
    from adapters.video.frame_ranges import covers

    shown = set(first.keyframes)
    steps = [f for f in first.watch.onsets() if not covers(blank, f)]
    peaks = [f for f in first.watch.peaks() if not covers(blank, f)]
    changes = len(steps) + len(peaks)
    if changes > max(MAX_CHANGE_KEYFRAMES, first.written // CHANGE_KEYFRAME_FRAMES):
        raise LevelFailure(
            Reason.TEXT_INSIDE_IMAGE,
            f"The image changes abruptly or briefly on {changes} frames: too many to read "
            "each, so text shown between keyframes cannot be ruled out.",
        )
    around = {frame for step in steps for frame in (step - 1, step)} | set(peaks)
    around |= set(_beside(missed, first.written))
    return sorted(f for f in around - shown
                  if f >= 0 and not covers(blank, f))  # fmt: skip


def _beside(ranges: Sequence[Range], frames: int) -> tuple[int, ...]:
    """The frames just before and after each of ``ranges`` (blanked stretches), to be read.

    A face cross-faded into a scene shows there, fading, while the scene itself is blanked.
    """
    from adapters.video.frame_ranges import covers

    around = {frame for start, end in ranges for frame in (start - 1, end + 1)}
    return tuple(sorted(f for f in around if 0 <= f < frames and not covers(ranges, f)))


def _refuse_cover(boxes: list[TimedBox], region: Region) -> None:
    """Fail when the text boxes would black out too much of the image on some frame."""
    from adapters.masking.text_tracks import MAX_COVER, largest_cover

    if not boxes:
        return
    cover, frame = largest_cover(boxes, region.mask)
    if cover > MAX_COVER:
        raise LevelFailure(
            Reason.TEXT_INSIDE_IMAGE,
            f"Blacking out the text read inside the endoscope image would hide {cover:.0%} "
            f"of the image on frame {frame} (more than {MAX_COVER:.0%}): the video is not "
            "worth publishing so.",
        )


def _refuse_unrepresentative(missed: list[Range], frames: int) -> None:
    """Fail when most frames show no image around a region its samples found: unsure."""
    count = sum(end - start + 1 for start, end in missed)
    if count > MAX_UNSEEN_SHARE * frames:
        raise LevelFailure(
            Reason.ROI_UNCERTAIN,
            f"{count} of {frames} frames show no endoscope image where the samples found one: "
            "the image is uncertain.",
        )


def _refuse_cut(watch: FrameWatch) -> None:
    """Fail when a live picture was seen outside the region: the mask would cut the image."""
    from adapters.endoscope.watch import MAX_CUT_SHARE

    share = watch.cut_share()
    if share > MAX_CUT_SHARE:
        raise LevelFailure(
            Reason.ROI_UNCERTAIN,
            f"A changing picture {share:.0%} the size of the endoscope image was seen outside "
            "it: the mask would cut the image.",
        )


@dataclasses.dataclass(frozen=True)
class _Job:
    """What every encode of one video shares."""

    video_id: str
    source: str
    temp: Path
    info: VideoInfo
    ocr: OcrEngine
    inside_ocr: OcrEngine
    blank: list[Range]
    encoder: Encoder
    segments: tuple[Segment, ...] = ()  # the image changes: a region per stretch of frames
    reference: Reference | None = None  # the video's own endoscopy, to tell scenes from it
    keyframes: tuple[int, ...] = ()  # forced where something appeared between keyframes
    faces: FaceFinder | None = None  # looks at each keyframe's image for a face
    faced: list[Range] = dataclasses.field(default_factory=list)  # blanked: a face shown
    between: tuple[int, ...] = ()  # frames read between keyframes (the watch saw something)


def _inside_reader(job: _Job, region: Region, masked: list[tuple[int, int, int, int]],
                   whole_at: int) -> InsideReader:  # fmt: skip
    """A reader of ``region``'s image that also reads keyframe ``whole_at`` whole (-1: none)."""
    from adapters.masking.inside_text import InsideReader

    x, y, w, h = region.bbox
    inside = region.mask[y : y + h, x : x + w]
    return InsideReader(job.inside_ocr, inside, region.bbox, masked, whole_at, job.faces)


def _face_finder() -> FaceFinder:
    """The face detector, or the level fails: without it, a face could pass as tissue."""
    import cv2

    from adapters.endoscope.faces import FaceFinder, FaceModelMissing

    try:
        return FaceFinder()
    except (FaceModelMissing, cv2.error):
        raise LevelFailure(
            Reason.FACE_MODEL_MISSING, "The face detector's model cannot be loaded."
        ) from None
