"""The Video aggregate: one imported video and everything that happened to it.

Every state change is an event, and every event says why: a reason code, a short human
sentence without patient data, the level concerned, how long it took and what ran.
Event bodies are deterministic: clocks and measurements are passed in as arguments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.rulebook import Level, State, next_state
from domain.steps import Step

#: Namespace of content-derived video ids; never change it, ids depend on it.
VIDEO_NAMESPACE = uuid5(NAMESPACE_URL, "https://endoveil.invalid/video")


def video_id_for(sha256: str) -> UUID:
    """The id of the video whose bytes have this SHA-256 (hex)."""
    return uuid5(VIDEO_NAMESPACE, sha256.lower())


class Video(Aggregate):
    """An imported video moving through the fallback chain under the rulebook."""

    class Transitioned(Aggregate.Event):
        """Base of every transition event: the command it records and why it happened."""

        command: ClassVar[str]
        reason: str
        detail: str
        level: str | None
        seconds: float
        versions: dict[str, Any]
        output: str | None
        verification: str | None

        def apply(self, aggregate: Any) -> None:
            """Move ``aggregate`` as the rulebook says (replays use the same rule)."""
            video: Video = aggregate
            video.state = next_state(self.command, video.state)
            video.reason = self.reason
            video.detail = self.detail
            if self.command == "archive":
                video.level = Level(self.level) if self.level else None
                video.output = self.output
                video.anonymized = video.level is not Level.RAW_COPIED
            if self.command in ("start_cleaning", "reprocess"):
                video.runs += 1

    class CleaningStarted(Transitioned):
        command = "start_cleaning"

    class FellBack(Transitioned):
        command = "fall_back"

    class RawCopyStarted(Transitioned):
        command = "copy_raw"

    class Archived(Transitioned):
        command = "archive"

    class Failed(Transitioned):
        command = "fail"

    class RetryRequested(Transitioned):
        command = "retry"

    class ReprocessRequested(Transitioned):
        command = "reprocess"

    EVENTS: ClassVar[dict[str, type[Transitioned]]] = {
        cls.command: cls
        for cls in (
            CleaningStarted,
            FellBack,
            RawCopyStarted,
            Archived,
            Failed,
            RetryRequested,
            ReprocessRequested,
        )
    }

    @staticmethod
    def create_id(sha256: str) -> UUID:
        """Same bytes, same id: importing a file twice finds the first video."""
        return video_id_for(sha256)

    @event("Registered")
    def __init__(self, sha256: str, size: int, original: str, received_at: datetime) -> None:
        self.received_at = received_at
        self.sha256 = sha256
        self.size = size
        self.original = original
        self.state = State.RECEIVED
        self.level: Level | None = None
        self.output: str | None = None
        self.anonymized = False
        self.reason = "received"
        self.detail = "The video was received."
        self.runs = 0

    def apply(self, command: str, step: Step) -> None:
        """Carry out ``command`` if the rulebook allows it from the current state.

        Raises:
            TransitionNotAllowed: the rulebook has no such row.
            ValueError: an archive step without output, or a raw copy archived as anonymized.
        """
        next_state(command, self.state)
        if command == "archive":
            if step.level is None or step.output is None:
                raise ValueError("archiving needs the level and the output")
            if self.state is State.RAW_COPIED and step.level != Level.RAW_COPIED:
                raise ValueError("a raw copy can only be archived as raw_copied")
        self.trigger_event(
            self.EVENTS[command],
            reason=step.reason,
            detail=step.detail,
            level=step.level.value if step.level else None,
            seconds=round(step.seconds, 6),
            versions=dict(step.versions),
            output=step.output,
            verification=step.verification,
        )
