"""The masked encodes of one video: the first, and what it saw that the next must do.

The first encode may find frames without an image that the samples missed (the watch),
keyframes whose image shows a face, steps in the image between two keyframes and lines or
pictures shown briefly, and text inside the image. The next encode blacks out what they
show; ``encode_until_seen`` decides what that is, and when the level cannot vouch for its
output, fails it with the reason (``roi_uncertain``, ``text_inside_image``,
``verification_failed``). The encodes themselves are ``OpenCVMasker``'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.video.frame_ranges import Range, contains, covers, merge
from domain.ports import LevelFailure
from domain.reasons import Reason

if TYPE_CHECKING:
    from adapters.endoscope.faces import FaceFinder
    from adapters.endoscope.region import Region
    from adapters.endoscope.scene import Reference
    from adapters.endoscope.segments import Segment
    from adapters.endoscope.watch import FrameWatch
    from adapters.masking.encoders import Encoder
    from adapters.masking.inside_text import InsideReading
    from adapters.masking.text_tracks import TimedBox
    from adapters.masking.verify import Verification
    from adapters.video.ocr import OcrEngine
    from adapters.video.opencv_frames import VideoInfo

# Frames without an image that only the watch saw (the samples missed them): beyond this
# share of the video the samples did not show what it is, and the region is not trusted.
MAX_UNSEEN_SHARE = 0.5
# Steps in the image between keyframes (each read on both sides): at most this many, or one
# in CHANGE_KEYFRAME_FRAMES frames of a long video (each costs keyframes' bits and a read).
MAX_CHANGE_KEYFRAMES = 64
CHANGE_KEYFRAME_FRAMES = 12
# Frames between a line's last read without it and its first with it (and its last with it
# and the next without) are read this many apart; at most ENDS_PER_FRAME of the video's
# frames are read so, or MAX_CHANGE_KEYFRAMES (lines come and go too often beyond).
END_STRIDE_FRAMES = 4
ENDS_PER_FRAME = 1 / 6


@dataclasses.dataclass(frozen=True)
class Job:
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
    ends: tuple[int, ...] = ()  # ... and around where a line inside came or went
    surround: int = 0  # the grey of the surround's black: the watch lowers its copies by it


@dataclasses.dataclass(frozen=True)
class Pass:
    """One masked encode: frames written, what was checked, text read inside, the watch."""

    written: int
    checked: Verification
    boxes: list[TimedBox]
    watch: FrameWatch
    keyframes: list[int]  # the frame number of each keyframe written
    faces: list[Range]  # frames around the keyframes whose image showed a face
    reading: InsideReading  # what was read on each keyframe
    failure: str | None = None  # why the output failed its check (the next encode may fix it)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """The last encode, the job as it was last encoded, and what the encodes blacked out."""

    final: Pass
    job: Job
    boxes: list[TimedBox]  # blacked out inside the image, each over its frames
    missed: list[Range]  # blacked out whole that only the watch saw (the samples missed)
    found: int  # lines read inside the image


Encode = Callable[[Job, "Region", list["TimedBox"]], Pass]
ReadBetween = Callable[
    [Job, "Region", Pass, list[int], list[Range]], tuple[list["TimedBox"], list[Range]]
]


def encode_until_seen(
    job: Job, region: Region, encode: Encode, read_between: ReadBetween
) -> Outcome:
    """Encode until nothing new is seen: at most three masked encodes.

    The first may find frames without an image that the samples missed (the watch),
    keyframes whose image shows a face (blacked out up to the keyframes either side),
    steps in the image between two keyframes (each side of each; a line or a picture
    shown briefly, on its middle: those frames are decoded from the source and read,
    ``adapters.masking.frame_reads``), and text inside the image (where each line came
    and went, every few frames, read the same way: ``ends_to_read``). What they show is
    blacked out by the next encode, which forces keyframes on them and reads them
    masked; what it still reads there is blacked out by a third, the last.

    ``encode`` is one masked encode, checked (``OpenCVMasker._encode_and_check``);
    ``read_between`` reads frames of the source between the first encode's keyframes and
    returns the boxes and face ranges of all reads together.
    """
    first = encode(job, region, [])
    _refuse_cut(first.watch)
    missed = first.watch.unplanned(job.blank)  # between the samples: a brief screen
    faced = [r for r in first.faces if not contains([*job.blank, *missed], r)]
    _refuse_unrepresentative(merge([*missed, *faced]), job.info.frames)
    blank = merge([*job.blank, *missed, *faced])
    between, ends = frames_to_read(first, blank, missed), ends_to_read(first, blank)
    ends = sorted(set(ends) - set(between))  # the watch's own reads say a line is gone
    job = dataclasses.replace(job, between=tuple(between), ends=tuple(ends))
    unread = sorted({*between, *ends})
    boxes, found, final = first.boxes, first.checked.inside_lines, first
    if unread and len(first.keyframes) != first.reading.keyframes:
        raise LevelFailure(
            Reason.VERIFICATION_FAILED,
            "The output's keyframes cannot be numbered, so the frames between them that "
            "changed cannot be read in their place: what they show is unchecked.",
        )
    if unread:
        read, seen = read_between(job, region, first, unread, blank)
        seen = [r for r in seen if not contains(blank, r)]
        if read == boxes and not seen:
            unread = []  # nothing there: no encode needed to read those frames
        else:  # encoded again, those frames forced to keyframes: read masked there
            boxes, found = read, len(read)
            faced, blank = merge([*faced, *seen]), merge([*blank, *seen])
    job = dataclasses.replace(job, blank=blank, keyframes=tuple(unread), faced=faced)
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
        final = encode(job, region, boxes)
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
    return Outcome(final, job, boxes, missed, found)


def frames_to_read(first: Pass, blank: list[Range], missed: Sequence[Range] = ()) -> list[int]:
    """The frames to read next: each side of every step, and the middle of every brief line.

    Both are what the watch saw (``onsets``, ``peaks``). The frame of a step shows what
    appeared; the frame before shows what vanished, which a fade brought in without a step
    of its own; the middle of a line that faded in and out shows it the most. The frames
    beside each stretch blanked for the watch (``missed``) are read too: a face cross-faded
    into a scene shows there. Frames that were keyframes of ``first`` (read already) or are
    blanked are left out.
    """
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
    around |= set(beside(missed, first.written))
    return sorted(f for f in around - shown
                  if f >= 0 and not covers(blank, f))  # fmt: skip


def refuse_faint(reading: InsideReading) -> None:
    """Fail when text was read where only faint light ink marked it.

    A white overlay at a sixth of full opacity is read in parts: a word on one read,
    another on the next, none on a third. Where its other words are on each frame is not
    known, so its boxes cannot be vouched for (published green, such a line stayed readable
    on most frames).
    """
    if reading.faint:
        raise LevelFailure(
            Reason.TEXT_INSIDE_IMAGE,
            f"{reading.faint} line(s) of faint text read inside the endoscope image: light "
            "ink the OCR reads only in parts, so where the rest of it is cannot be vouched "
            "for.",
        )


def ends_to_read(first: Pass, blank: list[Range]) -> list[int]:
    """The frames around where each line read inside the image came and went, to be read.

    Where nothing read it, a line may have been anywhere its motion took it
    (``text_tracks.unseen_ends``). Without a frame number for every keyframe read, the
    boxes span the whole video and nothing is read. Frames blanked are left out.
    """
    from adapters.masking.text_tracks import unseen_ends  # numpy: loaded only to mask

    numbers, reading = first.keyframes, first.reading
    if len(numbers) != reading.keyframes:
        return []
    found = [[] if covers(blank, n) else list(boxes)
             for n, boxes in zip(numbers, reading.found, strict=True)]  # fmt: skip
    ends = [f for f in unseen_ends(found, numbers, first.written, END_STRIDE_FRAMES)
            if not covers(blank, f)]  # fmt: skip
    if len(ends) > max(MAX_CHANGE_KEYFRAMES, int(first.written * ENDS_PER_FRAME)):
        raise LevelFailure(
            Reason.TEXT_INSIDE_IMAGE,
            f"Lines inside the image come and go too often to follow each: {len(ends)} "
            "frames would have to be read to say where they were between keyframes.",
        )
    return ends


def beside(ranges: Sequence[Range], frames: int) -> tuple[int, ...]:
    """The frames just before and after each of ``ranges`` (blanked stretches), to be read.

    A face cross-faded into a scene shows there, fading, while the scene itself is blanked.
    """
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
