"""The fallback chain: level 1 frame cleaning, level 2 basic masking, level 3 raw copy.

An expected failure of a level is an event that moves the video on to the next level; it
never escapes as an exception. The chain resumes from whatever state a video is in, so a
run that was interrupted can be finished later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from uuid import UUID

from domain.application import VideoLibrary
from domain.ports import FrameCleaner, LevelResult, Masker, MetadataVault, VideoStore
from domain.reasons import Reason
from domain.rulebook import TERMINAL_STATES, Command, Level, State
from domain.run import Run
from domain.steps import Step
from domain.video import Video

log = logging.getLogger(__name__)

RAW_COPY_LOG = "Fallback: Video will be imported without anonymization (raw copy used)"


class FallbackChain:
    """Runs one video through the levels until it is archived or failed."""

    def __init__(
        self,
        library: VideoLibrary,
        cleaner: FrameCleaner,
        masker: Masker,
        store: VideoStore,
        clock: Callable[[], float] = time.monotonic,
        vault: MetadataVault | None = None,
        on_archived: Callable[[UUID], Video] | None = None,
    ) -> None:
        self._library = library
        self._cleaner = cleaner
        self._masker = masker
        self._store = store
        self._clock = clock
        self._vault = vault
        # The release policy's decision (domain/releasing.py), recorded once the chain is done.
        self.on_archived = on_archived

    def run(self, video_id: UUID, run_id: str | None = None, lease_seconds: float = 300.0) -> Video:
        """Advance the video until it reaches a terminal state; return it.

        With ``run_id`` every write is made under that run's claim, whose lease is renewed
        while a level works; a claim taken over stops the run with ``ClaimLost``.
        """
        run = Run(self._library, video_id, run_id, heartbeat_seconds=max(lease_seconds / 3, 0.05))
        video = run.get()
        if video.state is State.RECEIVED:
            started = Step(
                Reason.CHAIN_STARTED, Reason.CHAIN_STARTED.sentence, Level.FRAME_CLEANING
            )
            video = run.apply(Command.START_CLEANING, started)
        while video.state not in TERMINAL_STATES:
            video = self._advance(run, video)
        if video.state is State.ARCHIVED and self.on_archived is not None:
            video = self.on_archived(video_id)
        return video

    def _advance(self, run: Run, video: Video) -> Video:
        if video.state is State.FRAME_CLEANING:
            cleaner = self._cleaner.clean
            return self._level(run, video, Level.FRAME_CLEANING, cleaner, Command.FALL_BACK)
        if video.state is State.FALLBACK_BASIC:
            masker = self._masker.mask
            return self._level(run, video, Level.FALLBACK_BASIC, masker, Command.COPY_RAW)
        return self._copy_raw(run, video)

    def _level(
        self,
        run: Run,
        video: Video,
        level: Level,
        work: Callable[[str, str, str], LevelResult],
        on_failure: Command,
    ) -> Video:
        target = self._store.anonymized_location(str(video.id))
        started = self._clock()
        with run.heartbeat():
            result = self._attempt(video, level, work, target)
        seconds = self._clock() - started
        step = Step.from_result(
            result, level, seconds, self._sealed(video, result.patient_metadata)
        )
        if result.succeeded:
            log.info("video %s anonymized at level %s", video.id, level.value)
            return run.apply(Command.ARCHIVE, replace(step, output=target))
        log.warning("video %s: level %s failed: %s", video.id, level.value, result.reason)
        if video.output is not None and level is Level.FRAME_CLEANING:
            # A reprocessing run that did not do better keeps what the video already had.
            kept = replace(step, level=video.level, output=video.output)
            return run.apply(Command.ARCHIVE, kept)
        return run.apply(on_failure, step)

    def _sealed(
        self, video: Video, metadata: dict[str, str | None] | None
    ) -> dict[str, str | None] | None:
        """Patient metadata is stored only sealed with the video's own key, never in clear."""
        if not metadata or self._vault is None:
            return None
        return {"sealed": self._vault.seal(str(video.id), dict(metadata))}

    def _attempt(
        self,
        video: Video,
        level: Level,
        work: Callable[[str, str, str], LevelResult],
        target: str,
    ) -> LevelResult:
        source = self._store.locate(video.original)
        try:
            return work(str(video.id), source, self._store.locate(target))
        except Exception as error:  # a bug in one level must not stop the next one
            log.exception("video %s: level %s crashed", video.id, level.value)
            name = type(error).__name__
            detail = f"Level {level.value} crashed ({name})."
            return LevelResult.failed(Reason.UNEXPECTED_ERROR, detail)

    def _copy_raw(self, run: Run, video: Video) -> Video:
        log.warning("%s: video %s", RAW_COPY_LOG, video.id)
        started = self._clock()
        try:
            location = self._store.quarantine(str(video.id), video.original)
        except OSError as error:
            step = Step(
                Reason.QUARANTINE_FAILED,
                f"The raw copy could not be written ({type(error).__name__}); original kept.",
                Level.RAW_COPIED,
                self._clock() - started,
            )
            return run.apply(Command.FAIL, step)
        step = Step(
            Reason.RAW_COPY_QUARANTINED,
            "No level could anonymize the video; the raw copy is quarantined, not anonymized.",
            Level.RAW_COPIED,
            self._clock() - started,
            output=location,
        )
        return run.apply(Command.ARCHIVE, step)
