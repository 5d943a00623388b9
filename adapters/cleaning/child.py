"""The level-1 job that runs in a child process: analyse, classify, render, verify.

:func:`child_main` is the child's entry point (``python -m adapters.cleaning.child``):
it reads a :class:`Job` as JSON on stdin and answers one JSON message on stdout.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from adapters.cleaning.classify import Classifier
from adapters.cleaning.encode_pass import encode_cleaned
from adapters.cleaning.reading import OverlayOcr
from adapters.cleaning.rules import PATIENT_CATEGORIES, keep_visible
from adapters.cleaning.sampling import SamplingPolicy, analyse
from adapters.cleaning.tracking import Rect
from adapters.cleaning.verify import OutputKeyframes, verify
from adapters.endoscope.activity import locate_endoscope
from adapters.endoscope.faces import FaceCheck, required_finder
from adapters.endoscope.region import Region
from adapters.masking.encode import (
    KEYFRAMES_PER_VIDEO,
    MAX_KEYFRAME_GAP,
    MIN_KEYFRAME_GAP,
    even_size,
)
from adapters.video.ffmpeg import EncoderError
from adapters.video.ocr import OcrUnavailable
from adapters.video.opencv_frames import UnreadableVideo, read_info
from domain.ports import LevelFailure
from domain.reasons import Reason

#: Pixels added around every masked line (OCR boxes hug the glyphs; anti-aliasing does not).
MASK_MARGIN = 8


@dataclass(frozen=True)
class Job:
    """Everything the child needs; plain values, so it pickles under ``spawn``."""

    source: str
    temp: str
    host: str
    model: str
    connect_timeout: float
    read_timeout: float
    policy: SamplingPolicy = field(default_factory=SamplingPolicy)
    deadline_s: float = 0.0  # > 0: the child also ends itself then, should its parent die
    progress_fd: int = -1  # >= 0: the child writes the frames it encoded there, one a line


@dataclass(frozen=True)
class Outcome:
    """What the job did; ``metadata`` is patient data and goes only into encrypted events."""

    frames: int
    masked_lines: int
    visible_lines: int
    ocr_calls: int
    ollama_calls: int
    ocr_engine: str
    metadata: dict[str, str | None]
    verification: str = ""


def clean_video(job: Job) -> Outcome:
    """Write the cleaned video to ``job.temp`` and verify it.

    Raises:
        LevelFailure: an expected failure, with its reason code.
    """
    try:
        return _clean(job, Reporter(job.progress_fd))
    except UnreadableVideo:
        raise LevelFailure(
            Reason.UNREADABLE_VIDEO, "The file cannot be opened as a video."
        ) from None
    except OcrUnavailable:
        raise LevelFailure(Reason.OCR_ENGINE_MISSING, "The OCR engine cannot be loaded.") from None
    except EncoderError as err:
        raise LevelFailure(
            Reason.ENCODER_FAILED, f"The H.264 encoder failed: {err.message}."
        ) from None


def _clean(job: Job, report: Reporter) -> Outcome:
    info = read_info(job.source)
    if min(info.width, info.height, info.fps, info.frames) <= 0:
        raise LevelFailure(
            Reason.UNREADABLE_VIDEO, "The video declares no frames or no frame size."
        )
    finding = locate_endoscope(job.source, info)  # fail-safe: black outside it but kept lines
    if finding.region is None:
        raise LevelFailure(Reason.ROI_UNCERTAIN, finding.detail)
    ocr = OverlayOcr()
    timeout = httpx.Timeout(job.read_timeout, connect=job.connect_timeout)
    classifier = Classifier(job.host, job.model, timeout)
    categories: dict[str, str | None] = {}

    def decide(texts: list[str]) -> dict[str, bool]:
        with report.waiting_for_ollama():
            categories.update(classifier.categories(texts))
        return {text: not keep_visible(categories[text], text) for text in texts}

    faces = FaceCheck(required_finder(), finding.region.bbox, max(1, round(info.fps)))

    def looked_at(index: int, frame: np.ndarray) -> None:  # once a second: a face, no level 1
        faces.look(index, frame)
        if faces.shows_face:
            raise LevelFailure(
                Reason.FACE_IN_IMAGE,
                f"A face shows inside the endoscope image on frame {faces.frame}: frame "
                "cleaning does not black faces out.",
            )

    try:
        outside = outside_areas(finding.region)
        found = analyse(
            job.source, ocr, decide, job.policy, info.fps, info.frames, outside, looked_at
        )
    finally:
        classifier.close()
    if found.frames < info.frames:
        raise LevelFailure(
            Reason.TRUNCATED_VIDEO, f"Only {found.frames} of {info.frames} frames could be decoded."
        )
    tracks = found.tracker.tracks
    masks = found.tracker.masked_spans(found.frames, MASK_MARGIN, info.width, info.height)
    kept = found.tracker.kept_spans()
    width, height = even_size(info.width, info.height)
    seen = OutputKeyframes(width, height, _keyframes_expected(info.frames))
    written = encode_cleaned(
        job.source, Path(job.temp), info, finding.region, masks, kept, seen.add, report.frames
    )
    if written != info.frames:
        raise LevelFailure(Reason.TRUNCATED_VIDEO, f"Only {written} frames could be encoded.")
    patient = [t for t in categories if categories[t] in PATIENT_CATEGORIES or t in _masked(tracks)]
    identifiers = [v for k, v in classifier.metadata.items() if v and k != "device"]
    checked = verify(job.temp, info, seen, finding.region, masks, kept, patient, identifiers, ocr)
    return Outcome(
        frames=written,
        masked_lines=sum(t.masked for t in tracks),
        visible_lines=len(kept),
        ocr_calls=found.ocr_calls + checked.ocr_calls,
        ollama_calls=classifier.calls,
        ocr_engine=ocr.name,
        metadata=dict(classifier.metadata),
        verification=checked.describe(),
    )


def outside_areas(region: Region, least: int = 24) -> list[Rect]:
    """The boxes outside the image's bounding box worth reading (``least`` px both ways)."""
    return [(x, y, x + w, y + h) for x, y, w, h in region.outside_boxes() if min(w, h) >= least]


def _keyframes_expected(frames: int) -> int:
    """How many keyframes ``keyframe_rule`` asks the encoder for."""
    gap = min(MAX_KEYFRAME_GAP, max(MIN_KEYFRAME_GAP, frames // KEYFRAMES_PER_VIDEO))
    return (frames + gap - 1) // gap + (1 if (frames - 1) % gap else 0)


class Reporter:
    """Report lines to the parent (``adapters.cleaning.budget``); silent without a descriptor."""

    def __init__(self, fd: int) -> None:
        self._stream = os.fdopen(fd, "w", buffering=1) if fd >= 0 else None

    def _say(self, line: str) -> None:
        if self._stream is not None:
            with contextlib.suppress(OSError):  # the parent stopped listening: carry on
                self._stream.write(line + "\n")

    def frames(self, count: int) -> None:
        """``count`` frames are encoded."""
        self._say(f"frames {count}")

    @contextlib.contextmanager
    def waiting_for_ollama(self) -> Iterator[None]:
        """The block waits for Ollama: a budget that runs out now is Ollama's timeout."""
        self._say("phase ollama")
        try:
            yield
        finally:
            self._say("phase local")


def _masked(tracks: list[Any]) -> set[str]:
    return {text for track in tracks if track.masked for text in track.texts}


def child_main() -> None:
    """Entry point of the child: a JSON job on stdin, one JSON message on stdout.

    The real stdout is kept for the message only; fds 1 and 2 go to ``/dev/null`` because
    the OCR engine and its runtime print.
    """
    job_fields = json.loads(sys.stdin.buffer.read())
    job = Job(**{**job_fields, "policy": SamplingPolicy(**job_fields["policy"])})
    if job.deadline_s > 0:  # SIGALRM's default action ends the process
        signal.alarm(math.ceil(job.deadline_s) + 1)
    answer = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        message: dict[str, Any] = {"ok": asdict(clean_video(job))}
    except LevelFailure as failure:
        message = {"failed": [failure.reason, failure.detail]}
    except Exception as err:  # a bug: the parent records it; the message holds no file name
        message = {"failed": [Reason.UNEXPECTED_ERROR, f"Level 1 crashed ({type(err).__name__})."]}
    with answer:
        answer.write(json.dumps(message))


if __name__ == "__main__":
    child_main()
