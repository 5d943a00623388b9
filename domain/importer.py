"""Importing a file: take it in, register it once, check it is a video, run the chain."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.application import VideoLibrary
from domain.errors import InputRejected
from domain.pipeline import FallbackChain
from domain.ports import VideoProbe, VideoStore
from domain.rulebook import TERMINAL_STATES, Level, State
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
        reason: machine-readable reason code of the last step.
        detail: one short human sentence.
        duplicate: the same bytes had been imported before.
    """

    source: str
    video_id: UUID | None
    state: State | None
    anonymized: bool
    level: Level | None
    output: str | None
    reason: str
    detail: str
    duplicate: bool = False

    @property
    def imported(self) -> bool:
        """Whether the file is in the library in a usable state (even if degraded)."""
        return self.state is State.ARCHIVED

    @classmethod
    def of(cls, source: str, video: Video, duplicate: bool = False) -> ImportReport:
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
        )


class Importer:
    """The import use case, from a path to an archived or failed video."""

    def __init__(
        self, library: VideoLibrary, chain: FallbackChain, store: VideoStore, probe: VideoProbe
    ) -> None:
        self._library = library
        self._chain = chain
        self._store = store
        self._probe = probe

    def import_file(self, source: str) -> ImportReport:
        """Import one file; bad input becomes a report, never an exception."""
        try:
            received = self._store.receive(source)
        except InputRejected as rejected:
            return ImportReport(
                source, None, None, False, None, None, rejected.reason, rejected.detail
            )
        video_id, created = self._library.register(
            received.sha256, received.size, received.original
        )
        video = self._library.get(video_id)
        if video.state in TERMINAL_STATES:
            return ImportReport.of(source, video, duplicate=not created)
        if video.state is State.RECEIVED:
            probe = self._probe.probe(self._store.locate(video.original))
            if not probe.readable:
                video = self._library.apply(video_id, "fail", Step(probe.reason, probe.detail))
                return ImportReport.of(source, video, duplicate=not created)
        return ImportReport.of(source, self._chain.run(video_id), duplicate=not created)
