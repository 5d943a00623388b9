"""The Video aggregate: one imported video and everything that happened to it.

Every state change is an event, and every event says why: a reason code, a short human
sentence without patient data, the level concerned, how long it took and what ran.
Event bodies are deterministic: clocks and measurements are passed in as arguments.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import ClaimHeld, ClaimLost, TransitionNotAllowed
from domain.rulebook import TERMINAL_STATES, Level, State, next_state
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
        # Patient data read by level 1 (encrypted at rest with the event); projections
        # must not read it. Defaulted so that events stored before it existed replay.
        patient_metadata: dict[str, Any] | None = None

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
            if video.state in TERMINAL_STATES:
                video.claimed_by = None  # a finished run releases its claim

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

    class Claimed(Aggregate.Event):
        """A run took the video to work on it, for a lease renewed by every later event."""

        run_id: str
        lease_seconds: float
        taken_over_from: str | None
        # Where the run is (claims stored before they existed replay without them).
        host: str | None = None
        pid: int | None = None

        def apply(self, aggregate: Any) -> None:
            """Record the claimant."""
            aggregate.claimed_by = self.run_id
            aggregate.lease_seconds = self.lease_seconds
            aggregate.claimed_at = (self.host, self.pid)

    class LeaseRenewed(Aggregate.Event):
        """The claimant is still at work (a heartbeat during a long level)."""

        run_id: str

        def apply(self, aggregate: Any) -> None:
            """Nothing changes but the time of the last event, which the lease counts from."""

    class Erased(Aggregate.Event):
        """The patient metadata was shredded and the unanonymized files deleted, on request."""

        reason: str

        def apply(self, aggregate: Any) -> None:
            """From now on the video keeps only its history and its anonymized output."""
            aggregate.erased = True
            aggregate.claimed_by = None

    class ReimportRefused(Aggregate.Event):
        """The bytes of an erased video were imported again and refused: nothing was kept."""

        reason: str
        detail: str

        def apply(self, aggregate: Any) -> None:
            """Nothing changes: the video stays erased."""

    class ClaimReleased(Aggregate.Event):
        """A run stopped before finishing (interrupted) and gave up its claim at once."""

        run_id: str
        reason: str
        detail: str

        def apply(self, aggregate: Any) -> None:
            """Any run may now take the video (``resume``), without waiting for the lease."""
            aggregate.claimed_by = None

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
        self.claimed_by: str | None = None
        self.claimed_at: tuple[str | None, int | None] = (None, None)  # host, pid
        self.lease_seconds = 0.0
        self.erased = False

    def lease_expires(self) -> datetime | None:
        """When the current claim lapses unless renewed; None when unclaimed."""
        if self.claimed_by is None:
            return None
        return self.modified_on + timedelta(seconds=self.lease_seconds)

    def claim(
        self,
        run_id: str,
        now: datetime,
        lease_seconds: float,
        where: tuple[str, int] | None = None,
        holder_gone: bool = False,
    ) -> None:
        """Take the video for ``run_id``; a lapsed claim of another run is taken over.

        Args:
            run_id: the claiming run.
            now: the time the lease is compared with.
            lease_seconds: the new claim's lease.
            where: the claiming run's host and pid.
            holder_gone: the current claimant's process is known to be gone (taken over
                at once, whatever its lease says).

        Raises:
            ClaimHeld: another run holds a live claim.
            TransitionNotAllowed: the video is archived or failed (nothing to work on).
        """
        if self.state in TERMINAL_STATES or self.erased:
            raise TransitionNotAllowed("claim", "erased" if self.erased else self.state.value)
        expires = self.lease_expires()
        held = self.claimed_by not in (None, run_id) and expires is not None and now < expires
        if held and not holder_gone:
            raise ClaimHeld(str(self.id), expires)
        taken_over = self.claimed_by if self.claimed_by != run_id else None
        host, pid = where or (None, None)
        self.trigger_event(
            self.Claimed,
            run_id=run_id,
            lease_seconds=lease_seconds,
            taken_over_from=taken_over,
            host=host,
            pid=pid,
        )

    def erase(self, reason: str, now: datetime) -> None:
        """Record the erasure (idempotent callers check ``erased`` first).

        Raises:
            ClaimHeld: a run is working on the video right now.
        """
        expires = self.lease_expires()
        if expires is not None and now < expires:
            raise ClaimHeld(str(self.id), expires)
        self.trigger_event(self.Erased, reason=reason)

    def refuse_reimport(self, reason: str, detail: str) -> None:
        """Record that the bytes of this erased video came in again and were not kept.

        Raises:
            TransitionNotAllowed: the video was not erased (its bytes are welcome).
        """
        if not self.erased:
            raise TransitionNotAllowed("refuse_reimport", self.state.value)
        self.trigger_event(self.ReimportRefused, reason=reason, detail=detail)

    def release(self, run_id: str, reason: str, detail: str) -> None:
        """Give up ``run_id``'s claim now (an interrupted run), so nobody waits for its lease.

        Raises:
            ClaimLost: the claim is no longer ``run_id``'s.
        """
        self._check_claim(run_id)
        self.trigger_event(self.ClaimReleased, run_id=run_id, reason=reason, detail=detail)

    def renew(self, run_id: str) -> None:
        """Renew the lease of ``run_id``'s claim.

        Raises:
            ClaimLost: the claim is no longer ``run_id``'s.
        """
        self._check_claim(run_id)
        self.trigger_event(self.LeaseRenewed, run_id=run_id)

    def _check_claim(self, run_id: str | None) -> None:
        if run_id is not None and self.claimed_by != run_id:
            raise ClaimLost(str(self.id))

    def apply(self, command: str, step: Step, run_id: str | None = None) -> None:
        """Carry out ``command`` if the rulebook allows it from the current state.

        Raises:
            TransitionNotAllowed: the rulebook has no such row.
            ValueError: an archive step without output, or a raw copy archived as anonymized.
            ClaimLost: ``run_id`` was given and no longer holds the claim.
        """
        self._check_claim(run_id)
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
            patient_metadata=step.patient_metadata,
        )


# The aggregate's metaclass redefines the nested event classes after the class body ran, so
# the classes the body listed are not the ones ``Video.Archived`` names. Both have one topic:
# a process that reads an event (resolving the topic) before writing one from the body's
# classes would meet two classes for that topic (``TopicError``). Keep only the final ones.
Video.EVENTS = {command: getattr(Video, cls.__name__) for command, cls in Video.EVENTS.items()}
