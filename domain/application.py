"""The application service: the commands a user or the pipeline may give.

It reads the time from an injected :class:`~domain.ports.Clock` and hands that time to every
event it records, so a lease counts from the clock's time and a test can move the clock
instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType, get_topic

from domain.errors import ClaimHeld, ClaimLost, VideoNotFound
from domain.ports import Clock, SystemClock
from domain.rulebook import Command
from domain.steps import Step
from domain.video import Video, VideoEvent, video_id_for

_PAGE = 500


class VideoLibrary(Application[UUID]):
    """Every imported video, stored as its events.

    Args:
        env: eventsourcing's configuration (the event store, cipher and compressor).
        clock: where "now" comes from (the wall clock unless a caller gives another).
    """

    name = "endoveil"

    def __init__(self, env: EnvType | None = None, clock: Clock | None = None) -> None:
        super().__init__(env)
        self.clock: Clock = clock or SystemClock()

    def register(
        self, sha256: str, size: int, original: str, received_at: datetime | None = None
    ) -> tuple[UUID, bool]:
        """Record a video as received, unless the same bytes were imported before.

        ``received_at`` is when the file came in (the clock's now, unless a caller knows
        better); the event itself is stamped with the clock's now.

        Returns:
            The video id, and whether this call created the video.
        """
        video_id = video_id_for(sha256)
        if self.exists(video_id):
            return video_id, False
        now = self.clock.now()
        try:
            self.save(Video.register(sha256, size, original, received_at or now, now))
        except IntegrityError:  # a concurrent import of the same bytes won the race
            return video_id, False
        return video_id, True

    def exists(self, video_id: UUID) -> bool:
        """Whether a video with this id was ever imported."""
        return video_id in self.repository

    def get(self, video_id: UUID) -> Video:
        """The current state of a video, rebuilt from its events.

        Raises:
            VideoNotFound: no such video.
        """
        try:
            video: Video = self.repository.get(video_id)
        except AggregateNotFoundError:
            raise VideoNotFound(video_id) from None
        return video

    def apply(
        self, video_id: UUID, command: Command, step: Step, run_id: str | None = None
    ) -> Video:
        """Give ``command`` to a video under the rulebook and store the event.

        With ``run_id``, the command is given on behalf of that run's claim: a claim taken
        over meanwhile (seen, or racing this write) raises ``ClaimLost``.
        """
        video = self.get(video_id)
        video.handle(command, step, run_id, now=self.clock.now())
        self._save_as(video, run_id)
        return video

    def claim(
        self,
        video_id: UUID,
        run_id: str,
        lease_seconds: float,
        where: tuple[str, int] | None = None,
        holder_gone: Callable[[Video], bool] | None = None,
    ) -> Video:
        """Claim a video for ``run_id`` (optimistic concurrency: one of racing claims wins).

        ``where`` is the run's host and pid; ``holder_gone(video)`` says whether the process
        of the current claim is known to be gone (then it is taken over at once).

        Raises:
            ClaimHeld: another run holds a live claim, or won the race to claim it.
        """
        video = self.get(video_id)
        gone = holder_gone is not None and holder_gone(video)
        video.claim(run_id, self.clock.now(), lease_seconds, where, gone)
        self._save_unless_raced(video)
        return video

    def erase(self, video_id: UUID, reason: str) -> Video:
        """Record that a video was erased (see ``domain.erase``)."""
        video = self.get(video_id)
        video.erase(reason, self.clock.now())
        self._save_unless_raced(video)
        return video

    def renew(self, video_id: UUID, run_id: str) -> None:
        """Renew ``run_id``'s lease (a heartbeat); raises ``ClaimLost`` if it was taken."""
        video = self.get(video_id)
        video.renew(run_id, now=self.clock.now())
        self._save_as(video, run_id)

    def refuse_reimport(self, video_id: UUID, reason: str, detail: str) -> Video:
        """Record that an erased video's bytes came in again and were refused."""
        video = self.get(video_id)
        video.refuse_reimport(reason, detail, self.clock.now())
        self.save(video)
        return video

    def release(self, video_id: UUID, run_id: str, reason: str, detail: str) -> None:
        """Give up ``run_id``'s claim (an interrupted run); a claim already lost stays lost."""
        video = self.get(video_id)
        try:
            video.release(run_id, reason, detail, self.clock.now())
            self._save_as(video, run_id)
        except ClaimLost:
            return  # another run took the video meanwhile: nothing of ours to release

    def _save_unless_raced(self, video: Video) -> None:
        """Save; a concurrent write to the stream (a claim racing this one) is ``ClaimHeld``."""
        try:
            self.save(video)
        except IntegrityError:
            raise ClaimHeld(str(video.id), "now") from None

    def _save_as(self, video: Video, run_id: str | None) -> None:
        try:
            self.save(video)
        except IntegrityError:
            if run_id is None:
                raise
            raise ClaimLost(str(video.id)) from None

    def history(self, video_id: UUID) -> list[VideoEvent]:
        """Every event of one video, oldest first."""
        if not self.exists(video_id):
            raise VideoNotFound(video_id)
        return [cast(VideoEvent, e) for e in self.events.get(video_id)]  # a video's stream

    def video_ids(self) -> Iterator[UUID]:
        """Ids of all videos in import order, read page by page from the event log."""
        topics = [get_topic(Video.Registered)]
        position = 0
        while True:
            page = self.recorder.select_notifications(
                position, _PAGE, topics=topics, inclusive_of_start=False
            )
            for notification in page:
                yield UUID(str(notification.originator_id))
            if len(page) < _PAGE:
                return
            position = page[-1].id
