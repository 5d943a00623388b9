"""Importing a file: take it in, register it once, check it is a video, run the chain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID, uuid4

from domain.application import VideoLibrary
from domain.errors import ClaimHeld, ClaimLost, InputRejected, TransitionNotAllowed
from domain.pipeline import FallbackChain
from domain.ports import VideoProbe, VideoStore
from domain.reasons import Reason
from domain.rulebook import TERMINAL_STATES, Command, Level, State
from domain.steps import Step
from domain.video import Video


@dataclass(frozen=True)
class ImportReport:
    """What happened to one input file.

    Attributes:
        source: the path as given; shown to the user who gave it, never logged.
        video_id: the content-derived id, or None when no video record could exist.
        state: the video's state after the import.
        anonymized: whether ``output`` is an anonymized video.
        level: the level that produced the output.
        output: stored location of the anonymized video, else None.
        reason: the reason code of the last step (a string if an old event's code is unknown).
        detail: one short human sentence.
        duplicate: the same bytes had been imported before.
    """

    source: str
    video_id: UUID | None
    state: State | None
    anonymized: bool
    level: Level | None
    output: str | None
    reason: Reason | str
    detail: str
    duplicate: bool = False
    in_progress: bool = False

    @property
    def imported(self) -> bool:
        """Whether the file is in the library in a usable state (even if degraded)."""
        return self.state is State.ARCHIVED

    @property
    def failed(self) -> bool:
        """Whether the file could not be imported (rejected, or the video failed)."""
        return self.state is None or self.state is State.FAILED

    @classmethod
    def of(
        cls, source: str, video: Video, duplicate: bool = False, in_progress: bool = False
    ) -> ImportReport:
        """The report of a video as it stands."""
        return cls(
            source=source,
            video_id=video.id,
            state=video.state,
            anonymized=video.anonymized and video.state is State.ARCHIVED,
            level=video.level if video.state is State.ARCHIVED else None,
            output=video.output if video.anonymized else None,
            reason=video.reason,
            detail=video.detail,
            duplicate=duplicate,
            in_progress=in_progress,
        )


class Importer:
    """The import use case, from a path to an archived or failed video.

    A video is worked on only under a claim (optimistic concurrency on its event stream):
    of several processes importing the same bytes at once, one runs the chain and the others
    report the video as in progress. A claim whose lease lapsed (its run died) is taken over.
    """

    def __init__(
        self,
        library: VideoLibrary,
        chain: FallbackChain,
        store: VideoStore,
        probe: VideoProbe,
        lease_seconds: float = 300.0,
    ) -> None:
        self._library = library
        self._chain = chain
        self._store = store
        self._probe = probe
        self._lease_seconds = lease_seconds

    def import_file(self, source: str) -> ImportReport:
        """Import one file; bad input becomes a report, never an exception."""
        return self.enqueue(source, then_process=True)

    def enqueue(self, source: str, then_process: bool = False) -> ImportReport:
        """Take a file in and record it as received (for workers), or also process it."""
        try:
            received = self._store.receive(source)
        except InputRejected as rejected:
            return ImportReport(
                source, None, None, False, None, None, rejected.reason, rejected.detail
            )
        video_id, created = self._library.register(
            received.sha256, received.size, received.original
        )
        if then_process:
            return self.process(source, video_id, duplicate=not created)
        return ImportReport.of(source, self._library.get(video_id), duplicate=not created)

    def resume(self, video_ids: Iterable[UUID]) -> list[ImportReport]:
        """Finish every listed video that is not archived or failed and not being worked on."""
        self._store.sweep()
        reports = []
        for video_id in video_ids:
            if self._library.get(video_id).state not in TERMINAL_STATES:
                reports.append(self.process(str(video_id), video_id, duplicate=True))
        return reports

    def process(self, source: str, video_id: UUID, duplicate: bool) -> ImportReport:
        """Claim the video and take it to a terminal state, unless it is there already."""
        video = self._library.get(video_id)
        if video.state in TERMINAL_STATES:
            return ImportReport.of(source, video, duplicate=duplicate)
        run_id = uuid4().hex
        try:
            video = self._library.claim(video_id, run_id, self._lease_seconds)
        except ClaimHeld:
            return ImportReport.of(source, self._library.get(video_id), duplicate, in_progress=True)
        except TransitionNotAllowed:  # another run finished (or erased) it since we looked
            return ImportReport.of(source, self._library.get(video_id), duplicate=duplicate)
        self._store.discard_partials(str(video_id))  # left by a run that died
        try:
            if video.state is State.RECEIVED:
                probe = self._probe.probe(self._store.locate(video.original))
                if not probe.readable:
                    step = Step(probe.reason or Reason.NOT_A_VIDEO, probe.detail)
                    video = self._library.apply(video_id, Command.FAIL, step, run_id)
                    return ImportReport.of(source, video, duplicate=duplicate)
            video = self._chain.run(video_id, run_id, self._lease_seconds)
        except ClaimLost:
            return ImportReport.of(source, self._library.get(video_id), duplicate, in_progress=True)
        return ImportReport.of(source, video, duplicate=duplicate)
