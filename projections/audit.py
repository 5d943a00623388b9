"""The audit trail in plain words: why a video is (not) anonymized, level by level."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.rulebook import Level
from projections.custody import custody_lines

LEVEL_NAMES = {
    Level.FRAME_CLEANING: "Level 1 (frame_cleaning, OCR + language model)",
    Level.FALLBACK_BASIC: "Level 2 (fallback_basic, deterministic masking)",
    Level.RAW_COPIED: "Level 3 (raw_copied, quarantined raw copy)",
}


def explain(video_id: str, events: Sequence[Any]) -> list[str]:
    """The answer first, then each run and each level tried: reason, time, versions."""
    story: list[str] = []
    run = 0
    trying: str | None = None  # the level the chain is at
    for event in events:
        command = getattr(event, "command", None)
        when = event.timestamp.isoformat(timespec="seconds")
        if hasattr(event, "received_at"):
            story.append(f"Received at {event.received_at.isoformat(timespec='seconds')}.")
        elif getattr(event, "taken_over_from", None):
            story.append(f"  At {when} another run took over after the previous run stopped.")
        elif type(event).__name__ == "Erased":
            story.append(
                f"Erased at {when} ({event.reason}): patient metadata key shredded, "
                "original and raw copies deleted."
            )
        elif command is None:
            continue  # claims and lease renewals of an uninterrupted run
        elif command in ("start_cleaning", "reprocess", "retry"):
            run += command != "retry"
            label = {"start_cleaning": "started", "reprocess": "reprocessing", "retry": "retry"}
            story.append(f"Run {max(run, 1)} ({label[command]}) at {when}: {event.detail}")
            trying = Level.FRAME_CLEANING
        elif command in ("fall_back", "copy_raw"):
            story.append(f"  {_level(event.level)} did not anonymize it: {_why(event)}")
            trying = _NEXT[command]
        elif command == "archive":
            story.append(f"  {_level(event.level)} {_archived(event, trying)}: {_why(event)}")
        elif command == "fail":
            story.append(f"  The import failed: {_why(event)}")
    verdict = _verdict(video_id, events)
    if any(type(event).__name__ == "Erased" for event in events):
        verdict += " Its patient data and unanonymized files were erased."
    return [verdict, *story, *custody_lines(events)]


def _verdict(video_id: str, events: Sequence[Any]) -> str:
    steps = [event for event in events if getattr(event, "command", None)]
    if not steps:
        return f"Video {video_id} was received and is waiting to be processed."
    last = steps[-1]
    command = last.command
    if command == "archive" and last.level != Level.RAW_COPIED:
        return f"Video {video_id} is anonymized (level {last.level})."
    if command == "archive":
        reasons = _fallback_reasons(events)
        return (
            f"Video {video_id} is NOT anonymized: it is kept as a quarantined raw copy "
            f"because {reasons}. Please review before sharing."
        )
    if command == "fail":
        return f"Video {video_id} was not imported: {last.detail} ({last.reason})."
    return f"Video {video_id} is still being processed (last step: {last.reason})."


def _fallback_reasons(events: Sequence[Any]) -> str:
    start = max(
        (i for i, e in enumerate(events) if getattr(e, "command", None) == "start_cleaning"),
        default=0,
    )
    tried = [
        f"{e.level} failed ({e.reason})"
        for e in events[start:]
        if getattr(e, "command", None) in ("fall_back", "copy_raw")
    ]
    return " and ".join(tried) or "no level could anonymize it"


def _level(level: str | None) -> str:
    return LEVEL_NAMES.get(Level(level), str(level)) if level else "The chain"


_NEXT = {"fall_back": Level.FALLBACK_BASIC, "copy_raw": Level.RAW_COPIED}


def _archived(event: Any, trying: str | None) -> str:
    if event.level != trying:  # a reprocessing run that did no better
        return "output kept from the earlier run, since level 1 failed again"
    if event.level == Level.RAW_COPIED:
        return "kept the raw video, NOT anonymized"
    return "anonymized it"


def _why(event: Any) -> str:
    versions = ", ".join(f"{k}={v}" for k, v in sorted(event.versions.items()))
    checked = f", verification {event.verification}" if event.verification else ""
    ran = f"; ran {versions}" if versions else ""
    return f"{event.detail} (reason {event.reason}, {event.seconds:.2f} s{checked}{ran})"
