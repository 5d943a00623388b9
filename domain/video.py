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
from domain.reasons import Reason, reason_of
from domain.review import Release, check_decision, next_release
from domain.rulebook import TERMINAL_STATES, Command, Level, State, next_state
from domain.steps import Step

#: Namespace of content-derived video ids; never change it, ids depend on it.
VIDEO_NAMESPACE = uuid5(NAMESPACE_URL, "https://endoveil.invalid/video")


def video_id_for(sha256: str) -> UUID:
    """The id of the video whose bytes have this SHA-256 (hex)."""
    return uuid5(VIDEO_NAMESPACE, sha256.lower())


class Video(Aggregate):
    """An imported video moving through the fallback chain under the rulebook."""

    class Registered(Aggregate.Created):
        """The video was received: its content hash, size, stored original and arrival time."""

        sha256: str
        size: int
        original: str
        received_at: datetime

    class Transitioned(Aggregate.Event):
        """Base of every transition event: the command it records and why it happened."""

        command: ClassVar[Command]
        reason: str  # a ``Reason`` code; stored as its string, so old unknown codes still read
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
            video.reason = reason_of(self.reason)
            video.detail = self.detail
            if self.command is Command.ARCHIVE:
                video.level = Level(self.level) if self.level else None
                video.output = self.output
                video.anonymized = video.level is not Level.RAW_COPIED
            if self.command in (Command.START_CLEANING, Command.REPROCESS):
                video.runs += 1
            if video.state in TERMINAL_STATES:
                video.claimed_by = None  # a finished run releases its claim

    # The class names are the stored topics (``domain.video:Video.Archived``): never rename.
    class CleaningStarted(Transitioned):
        command = Command.START_CLEANING

    class FellBack(Transitioned):
        command = Command.FALL_BACK

    class RawCopyStarted(Transitioned):
        command = Command.COPY_RAW

    class Archived(Transitioned):
        command = Command.ARCHIVE

    class Failed(Transitioned):
        command = Command.FAIL

    class RetryRequested(Transitioned):
        command = Command.RETRY

    class ReprocessRequested(Transitioned):
        command = Command.REPROCESS

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

        reason: str  # the request's reference as the user gave it, not a ``Reason`` code

        def apply(self, aggregate: Any) -> None:
            """From now on the video keeps only its history and its anonymized output."""
            aggregate.erased = True
            aggregate.claimed_by = None

    class Reviewed(Aggregate.Event):
        """A release decision on the current run's output (``domain/review.py``).

        ``reviewer`` names who decided: a reviewer's token name, or ``policy:<name>``.
        """

        decision: str
        reason: str
        reviewer: str
        run: int
        output_sha256: str | None

        def apply(self, aggregate: Any) -> None:
            """Move the release state as the review rulebook says."""
            release = next_release(self.decision, aggregate.release_state)
            aggregate.release_run = self.run
            aggregate.release_decision = release
            if release is Release.RELEASED:
                aggregate.released_sha256 = self.output_sha256
            elif release is Release.REJECTED:
                aggregate.released_sha256 = None

    class MediaServed(Aggregate.Event):
        """Someone was sent one of the video's files (who saw what)."""

        kind: str
        viewer: str

        def apply(self, aggregate: Any) -> None:
            """Nothing changes: the event is the record."""

    class Exported(Aggregate.Event):
        """The released output was copied out in an export (``endoveil export``)."""

        export_id: str
        output_sha256: str
        exporter: str

        def apply(self, aggregate: Any) -> None:
            """Nothing changes: the event is the record."""

    @property
    def release_state(self) -> Release:
        """Whether this run's output may leave; ``undecided`` until decided on this run."""
        if self.state is not State.ARCHIVED:
            return Release.UNDECIDED
        if getattr(self, "release_run", -1) != self.runs:  # a new run needs a new decision
            return Release.QUARANTINED if self.level is Level.RAW_COPIED else Release.UNDECIDED
        decided: Release = getattr(self, "release_decision", Release.UNDECIDED)
        return decided

    def review(self, decision: str, reason: str, reviewer: str, sha256: str | None) -> None:
        """Record a release decision; ``sha256`` is that of the output it concerns.

        Raises:
            TransitionNotAllowed: the review rulebook or the video's output forbids it.
        """
        check_decision(self, decision, reason)
        self.trigger_event(self.Reviewed, decision=decision, reason=reason, reviewer=reviewer,
                           run=self.runs, output_sha256=sha256)  # fmt: skip

    def record_serving(self, kind: str, viewer: str) -> None:
        """Record that ``viewer`` was sent the video's ``kind`` file (raw, quarantined...)."""
        self.trigger_event(self.MediaServed, kind=kind, viewer=viewer)

    def record_export(self, export_id: str, sha256: str, exporter: str) -> None:
        """Record that the released output (``sha256``) left in export ``export_id``.

        Raises:
            TransitionNotAllowed: the output is not released, or not the released bytes.
        """
        if self.release_state is not Release.RELEASED or sha256 != getattr(
            self, "released_sha256", 0
        ):
            raise TransitionNotAllowed("export", self.release_state.value)
        self.trigger_event(self.Exported, export_id=export_id, output_sha256=sha256,
                           exporter=exporter)  # fmt: skip

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

    @event(Registered)
    def __init__(self, sha256: str, size: int, original: str, received_at: datetime) -> None:
        self.received_at = received_at
        self.sha256 = sha256
        self.size = size
        self.original = original
        self.state = State.RECEIVED
        self.level: Level | None = None
        self.output: str | None = None
        self.anonymized = False
        self.reason: Reason | str = Reason.RECEIVED
        self.detail = Reason.RECEIVED.sentence
        self.runs = 0
        self.claimed_by: str | None = None
        self.claimed_at: tuple[str | None, int | None] = (None, None)  # host, pid
        self.lease_seconds = 0.0
        self.erased = False

    @classmethod
    def register(
        cls, sha256: str, size: int, original: str, received_at: datetime, now: datetime
    ) -> Video:
        """A new video, its ``Registered`` event stamped ``now`` (the application's clock)."""
        registered = cls._create(  # the constructor cannot be given the event's timestamp
            cls.Registered,
            sha256=sha256,
            size=size,
            original=original,
            received_at=received_at,
            timestamp=now,
        )
        return registered

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
            timestamp=now,
        )

    def erase(self, reason: str, now: datetime) -> None:
        """Record the erasure (idempotent callers check ``erased`` first).

        Raises:
            ClaimHeld: a run is working on the video right now.
        """
        expires = self.lease_expires()
        if expires is not None and now < expires:
            raise ClaimHeld(str(self.id), expires)
        self.trigger_event(self.Erased, reason=reason, timestamp=now)

    def refuse_reimport(self, reason: str, detail: str, now: datetime | None = None) -> None:
        """Record that the bytes of this erased video came in again and were not kept.

        Raises:
            TransitionNotAllowed: the video was not erased (its bytes are welcome).
        """
        if not self.erased:
            raise TransitionNotAllowed("refuse_reimport", self.state.value)
        self.trigger_event(self.ReimportRefused, reason=reason, detail=detail, timestamp=now)

    def release(self, run_id: str, reason: str, detail: str, now: datetime | None = None) -> None:
        """Give up ``run_id``'s claim now (an interrupted run), so nobody waits for its lease.

        Raises:
            ClaimLost: the claim is no longer ``run_id``'s.
        """
        self._check_claim(run_id)
        self.trigger_event(
            self.ClaimReleased, run_id=run_id, reason=reason, detail=detail, timestamp=now
        )

    def renew(self, run_id: str, now: datetime | None = None) -> None:
        """Renew the lease of ``run_id``'s claim (from ``now``, else the wall clock).

        Raises:
            ClaimLost: the claim is no longer ``run_id``'s.
        """
        self._check_claim(run_id)
        self.trigger_event(self.LeaseRenewed, run_id=run_id, timestamp=now)

    def _check_claim(self, run_id: str | None) -> None:
        if run_id is not None and self.claimed_by != run_id:
            raise ClaimLost(str(self.id))

    def start_cleaning(
        self, step: Step, run_id: str | None = None, now: datetime | None = None
    ) -> None:
        """Start the chain at level 1 on a received video."""
        self._move(self.CleaningStarted, step, run_id, now)

    def fall_back(self, step: Step, run_id: str | None = None, now: datetime | None = None) -> None:
        """Level 1 ended without output: go on to level 2."""
        self._move(self.FellBack, step, run_id, now)

    def copy_raw(self, step: Step, run_id: str | None = None, now: datetime | None = None) -> None:
        """Level 2 ended without output: go on to the quarantined raw copy."""
        self._move(self.RawCopyStarted, step, run_id, now)

    def archive(self, step: Step, run_id: str | None = None, now: datetime | None = None) -> None:
        """Finish with the output of ``step.level``.

        Raises:
            ValueError: no level or output, or a raw copy archived as anonymized.
        """
        if step.level is None or step.output is None:
            raise ValueError("archiving needs the level and the output")
        if self.state is State.RAW_COPIED and step.level != Level.RAW_COPIED:
            raise ValueError("a raw copy can only be archived as raw_copied")
        self._move(self.Archived, step, run_id, now)

    def fail(self, step: Step, run_id: str | None = None, now: datetime | None = None) -> None:
        """Give up on the video (the original is kept)."""
        self._move(self.Failed, step, run_id, now)

    def retry(self, step: Step, run_id: str | None = None, now: datetime | None = None) -> None:
        """Take a failed video back to received, to run the chain again."""
        self._move(self.RetryRequested, step, run_id, now)

    def reprocess(self, step: Step, run_id: str | None = None, now: datetime | None = None) -> None:
        """Run level 1 again on an archived video."""
        self._move(self.ReprocessRequested, step, run_id, now)

    def handle(
        self, command: Command, step: Step, run_id: str | None = None, now: datetime | None = None
    ) -> None:
        """Carry out ``command`` by its method (for callers that hold the command as a value).

        The event is stamped ``now`` (the application's clock), else the wall clock.

        Raises:
            TransitionNotAllowed: the rulebook has no such row.
            ValueError: an archive step without output, or a raw copy archived as anonymized.
            ClaimLost: ``run_id`` was given and no longer holds the claim.
        """
        methods = {
            Command.START_CLEANING: self.start_cleaning,
            Command.FALL_BACK: self.fall_back,
            Command.COPY_RAW: self.copy_raw,
            Command.ARCHIVE: self.archive,
            Command.FAIL: self.fail,
            Command.RETRY: self.retry,
            Command.REPROCESS: self.reprocess,
        }
        method = methods.get(command)
        if method is None:  # not a command at all: the rulebook has no row for it either
            raise TransitionNotAllowed(str(command), self.state.value)
        method(step, run_id, now)

    def _move(
        self, kind: type[Transitioned], step: Step, run_id: str | None, now: datetime | None
    ) -> None:
        """Record ``kind`` if the run holds the claim and the rulebook allows the move.

        The event is stamped ``now`` (the application's clock), else the wall clock. The
        command methods name their event through ``self`` when they run, so they get the
        classes the aggregate's metaclass left on ``Video`` (one class per stored topic).
        """
        self._check_claim(run_id)
        next_state(kind.command, self.state)  # raises TransitionNotAllowed before any event
        self.trigger_event(
            kind,
            reason=step.reason,
            detail=step.detail,
            level=step.level.value if step.level else None,
            seconds=round(step.seconds, 6),
            versions=dict(step.versions),
            output=step.output,
            verification=step.verification,
            patient_metadata=step.patient_metadata,
            timestamp=now,
        )


#: Any event of a video's history: what the projections fold.
VideoEvent = (
    Video.Registered
    | Video.Transitioned
    | Video.Claimed
    | Video.LeaseRenewed
    | Video.Erased
    | Video.Reviewed
    | Video.MediaServed
    | Video.Exported
    | Video.ReimportRefused
    | Video.ClaimReleased
)
