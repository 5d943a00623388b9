"""The level-1 job that runs in a child process: analyse, classify, render, verify.

:func:`child_main` is the child's entry point (``python -m adapters.cleaning.child``):
it reads a :class:`Job` as JSON on stdin and answers one JSON message on stdout.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from adapters.cleaning.classify import Classifier
from adapters.cleaning.mask_pixels import render
from adapters.cleaning.rules import PATIENT_CATEGORIES, keep_visible
from adapters.cleaning.sampling import SamplingPolicy, analyse
from adapters.cleaning.verify import verify
from adapters.endoscope.activity import locate_endoscope
from adapters.video.ffmpeg import EncoderError
from adapters.video.ocr import OcrUnavailable, RapidOcr
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


def clean_video(job: Job) -> Outcome:
    """Write the cleaned video to ``job.temp`` and verify it.

    Raises:
        LevelFailure: an expected failure, with its reason code.
    """
    try:
        return _clean(job)
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


def _clean(job: Job) -> Outcome:
    info = read_info(job.source)
    if min(info.width, info.height, info.fps, info.frames) <= 0:
        raise LevelFailure(
            Reason.UNREADABLE_VIDEO, "The video declares no frames or no frame size."
        )
    finding = locate_endoscope(job.source, info)  # fail-safe: black outside it but kept lines
    if finding.region is None:
        raise LevelFailure(Reason.ROI_UNCERTAIN, finding.detail)
    ocr = RapidOcr()
    timeout = httpx.Timeout(job.read_timeout, connect=job.connect_timeout)
    classifier = Classifier(job.host, job.model, timeout)
    categories: dict[str, str | None] = {}

    def decide(texts: list[str]) -> dict[str, bool]:
        categories.update(classifier.categories(texts))
        return {text: not keep_visible(categories[text], text) for text in texts}

    try:
        found = analyse(job.source, ocr, decide, job.policy, info.fps, info.frames)
    finally:
        classifier.close()
    if found.frames < info.frames:
        raise LevelFailure(
            Reason.TRUNCATED_VIDEO, f"Only {found.frames} of {info.frames} frames could be decoded."
        )
    tracks = found.tracker.tracks
    masks = found.tracker.masked_spans(found.frames, MASK_MARGIN, info.width, info.height)
    kept = found.tracker.kept_spans(info.width, info.height)
    written = render(job.source, Path(job.temp), masks, info, finding.region, kept)
    if written != info.frames:
        raise LevelFailure(Reason.TRUNCATED_VIDEO, f"Only {written} frames could be encoded.")
    patient = [t for t in categories if categories[t] in PATIENT_CATEGORIES or t in _masked(tracks)]
    checks = verify(job.temp, info, patient, ocr)
    return Outcome(
        frames=written,
        masked_lines=sum(t.masked for t in tracks),
        visible_lines=sum(not t.masked for t in tracks),
        ocr_calls=found.ocr_calls + checks,
        ollama_calls=classifier.calls,
        ocr_engine=ocr.name,
        metadata=dict(classifier.metadata),
    )


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
