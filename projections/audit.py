"""The audit trail in plain words: why a video is (not) anonymized, level by level."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import singledispatch

from domain.reasons import clause_of, said
from domain.rulebook import Command, Level
from domain.video import Video, VideoEvent
from projections.custody import custody_lines

LEVEL_NAMES = {
    Level.FRAME_CLEANING: "Level 1 (frame_cleaning, OCR + language model)",
    Level.FALLBACK_BASIC: "Level 2 (fallback_basic, deterministic masking)",
    Level.RAW_COPIED: "Level 3 (raw_copied, quarantined raw copy)",
}

_RUN_LABELS = {
    Command.START_CLEANING: "started",
    Command.REPROCESS: "reprocessing",
    Command.RETRY: "retry",
}
_NEXT = {Command.FALL_BACK: Level.FALLBACK_BASIC, Command.COPY_RAW: Level.RAW_COPIED}


@dataclass
class _Story:
    """The lines told so far, and where the chain is."""

    lines: list[str] = field(default_factory=list)
    run: int = 0
    trying: str | None = None  # the level the chain is at
    erased: bool = False


def explain(video_id: str, events: Sequence[VideoEvent]) -> list[str]:
    """The answer first, then each run and each level tried: why, time, versions."""
    story = _Story()
    for event in events:
        _tell(event, story)
    verdict = _verdict(video_id, [e for e in events if isinstance(e, Video.Transitioned)])
    if story.erased:
        verdict += " Its patient data and unanonymized files were erased."
    return [verdict, *story.lines, *custody_lines(events)]


def _when(event: VideoEvent) -> str:
    return event.timestamp.isoformat(timespec="seconds")


@singledispatch
def _tell(event: VideoEvent, story: _Story) -> None:
    """Lease renewals of an uninterrupted run tell nothing."""


@_tell.register
def _received(event: Video.Registered, story: _Story) -> None:
    story.lines.append(f"Received at {event.received_at.isoformat(timespec='seconds')}.")


@_tell.register
def _claimed(event: Video.Claimed, story: _Story) -> None:
    if event.taken_over_from:  # the claims of an uninterrupted run tell nothing
        story.lines.append(
            f"  At {_when(event)} another run took over after the previous run stopped."
        )


@_tell.register
def _erased(event: Video.Erased, story: _Story) -> None:
    story.erased = True
    story.lines.append(
        f"Erased at {_when(event)} ({event.reason}): patient metadata key shredded, "
        "original and raw copies deleted."
    )


@_tell.register
def _reimport_refused(event: Video.ReimportRefused, story: _Story) -> None:
    story.lines.append(
        f"At {_when(event)} the same bytes were imported again and refused ({event.reason}): "
        "the video stays erased, nothing was kept."
    )


@_tell.register
def _claim_released(event: Video.ClaimReleased, story: _Story) -> None:
    story.lines.append(f"  At {_when(event)} the run was interrupted and released its claim.")


@_tell.register
def _run_started(
    event: Video.CleaningStarted | Video.ReprocessRequested | Video.RetryRequested, story: _Story
) -> None:
    story.run += event.command is not Command.RETRY
    label = _RUN_LABELS[event.command]
    story.lines.append(f"Run {max(story.run, 1)} ({label}) at {_when(event)}: {event.detail}")
    story.trying = Level.FRAME_CLEANING


@_tell.register
def _fell_back(event: Video.FellBack | Video.RawCopyStarted, story: _Story) -> None:
    story.lines.append(f"  {_level(event.level)} did not anonymize it: {_why(event)}")
    story.trying = _NEXT[event.command]


@_tell.register
def _archived(event: Video.Archived, story: _Story) -> None:
    outcome = _outcome(event, story.trying)
    story.lines.append(f"  {_level(event.level)} {outcome}: {_why(event)}")


@_tell.register
def _failed(event: Video.Failed, story: _Story) -> None:
    story.lines.append(f"  The import failed: {_why(event)}")


def _verdict(video_id: str, steps: Sequence[Video.Transitioned]) -> str:
    if not steps:
        return f"Video {video_id} was received and is waiting to be processed."
    last = steps[-1]
    if isinstance(last, Video.Archived) and last.level != Level.RAW_COPIED:
        return f"Video {video_id} is anonymized (level {last.level})."
    if isinstance(last, Video.Archived):
        return (
            f"Video {video_id} is NOT anonymized: it is kept as a quarantined raw copy "
            f"because {_fallback_reasons(steps)}. Please review before sharing."
        )
    if isinstance(last, Video.Failed):
        return f"Video {video_id} was not imported: {said(last.reason, last.detail)}"
    return f"Video {video_id} is still being processed (last step: {clause_of(last.reason)})."


def _fallback_reasons(steps: Sequence[Video.Transitioned]) -> str:
    """Why each level of the last run gave up, in plain words."""
    start = max((i for i, e in enumerate(steps) if isinstance(e, Video.CleaningStarted)), default=0)
    tried = [
        f"{e.level} failed ({clause_of(e.reason)})"
        for e in steps[start:]
        if isinstance(e, Video.FellBack | Video.RawCopyStarted)
    ]
    return " and ".join(tried) or "no level could anonymize it"


def _level(level: str | None) -> str:
    return LEVEL_NAMES.get(Level(level), str(level)) if level else "The chain"


def _outcome(event: Video.Archived, trying: str | None) -> str:
    if event.level != trying:  # a reprocessing run that did no better
        return "output kept from the earlier run, since level 1 failed again"
    if event.level == Level.RAW_COPIED:
        return "kept the raw video, NOT anonymized"
    return "anonymized it"


def _why(event: Video.Transitioned) -> str:
    versions = ", ".join(f"{k}={v}" for k, v in sorted(event.versions.items()))
    checked = f", verification {event.verification}" if event.verification else ""
    ran = f"; ran {versions}" if versions else ""
    return f"{said(event.reason, event.detail)} ({event.seconds:.2f} s{checked}{ran})"
