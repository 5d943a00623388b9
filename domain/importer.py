"""Importing a file: take it in, register it once, check it is a video, run the chain."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID, uuid4

from domain.application import VideoLibrary
from domain.errors import ClaimHeld, ClaimLost, InputRejected, TransitionNotAllowed
from domain.pipeline import FallbackChain
from domain.ports import Processes, VideoProbe, VideoStore
from domain.reasons import Reason
from domain.rulebook import TERMINAL_STATES, Command, Level, State
from domain.steps import Step
from domain.video import Video, video_id_for

log = logging.getLogger(__name__)


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
        processes: Processes | None = None,
    ) -> None:
        self._library = library
        self._chain = chain
        self._store = store
        self._probe = probe
        self._lease_seconds = lease_seconds
        self._processes = processes

    def import_file(self, source: str) -> ImportReport:
        """Import one file; bad input becomes a report, never an exception."""
        return self.enqueue(source, then_process=True)

    def enqueue(self, source: str, then_process: bool = False) -> ImportReport:
        """Take a file in and record it as received (for workers), or also process it."""
        try:
            received = self._store.receive(source, admit=self._not_erased)
        except InputRejected as rejected:
            return ImportReport(
                source, None, None, False, None, None, rejected.reason, rejected.detail
            )
        if not received.kept:
            return self._refuse_erased(source, video_id_for(received.sha256))
        video_id, created = self._library.register(
            received.sha256, received.size, received.original
        )
        if then_process:
            return self.process(source, video_id, duplicate=not created)
        return ImportReport.of(source, self._library.get(video_id), duplicate=not created)

    def _not_erased(self, sha256: str) -> bool:
        video_id = video_id_for(sha256)
        return not (self._library.exists(video_id) and self._library.get(video_id).erased)

    def _refuse_erased(self, source: str, video_id: UUID) -> ImportReport:
        """An erased video stays erased: its bytes were not kept, and the history says so."""
        reason = Reason.ERASED_VIDEO
        detail = reason.sentence
        self._library.refuse_reimport(video_id, reason, detail)
        log.info("video %s: re-import of an erased video refused", video_id)
        return ImportReport(source, video_id, None, False, None, None, reason, detail, True)

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
        processes = self._processes
        where = (processes.host, processes.pid) if processes else None
        try:
            video = self._library.claim(
                video_id, run_id, self._lease_seconds, where, holder_gone=self._holder_gone
            )
        except ClaimHeld:
            return ImportReport.of(source, self._library.get(video_id), duplicate, in_progress=True)
        except TransitionNotAllowed:  # another run finished (or erased) it since we looked
            return ImportReport.of(source, self._library.get(video_id), duplicate=duplicate)
        self._store.discard_partials(str(video_id))  # left by a run that died
        try:
            video = self._run_claimed(video, run_id)
        except ClaimLost:
            return ImportReport.of(source, self._library.get(video_id), duplicate, in_progress=True)
        except BaseException:  # Ctrl-C, a crash: give the claim back so a resume need not wait
            self._release(video_id, run_id)
            raise
        return ImportReport.of(source, video, duplicate=duplicate)

    def _run_claimed(self, video: Video, run_id: str) -> Video:
        if video.state is State.RECEIVED:
            probe = self._probe.probe(self._store.locate(video.original))
            if not probe.readable:
                step = Step(probe.reason or Reason.NOT_A_VIDEO, probe.detail)
                return self._library.apply(video.id, Command.FAIL, step, run_id)
        return self._chain.run(video.id, run_id, self._lease_seconds)

    def _holder_gone(self, video: Video) -> bool:
        host, pid = video.claimed_at
        return self._processes is not None and self._processes.gone(host, pid)

    def _release(self, video_id: UUID, run_id: str) -> None:
        reason = Reason.RUN_INTERRUPTED
        try:
            self._library.release(video_id, run_id, reason, reason.sentence)
        except Exception:  # e.g. the store is gone too: the lease will lapse instead
            log.warning("video %s: the interrupted run could not release its claim", video_id)
