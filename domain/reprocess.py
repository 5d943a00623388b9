"""Reprocessing: run level 1 again on videos that only got a degraded import.

When Ollama is back, a video archived at ``fallback_basic`` or ``raw_copied`` may get
the better anonymization. The history keeps both runs; a reprocessing run that does not
do better keeps the output the video already had (see :class:`FallbackChain`).
"""

from __future__ import annotations

from uuid import UUID

from domain.application import VideoLibrary
from domain.pipeline import FallbackChain
from domain.reasons import Reason
from domain.rulebook import Command, Level, State
from domain.steps import Step
from domain.video import Video

#: Levels whose output level 1 may improve on.
DEGRADED_LEVELS = frozenset({Level.FALLBACK_BASIC, Level.RAW_COPIED})


def is_degraded(video: Video) -> bool:
    """Whether ``video`` is archived with an output below level 1."""
    return video.state is State.ARCHIVED and video.level in DEGRADED_LEVELS


class Reprocessor:
    """The reprocess use case: ``reprocess`` then the fallback chain from level 1."""

    def __init__(self, library: VideoLibrary, chain: FallbackChain) -> None:
        self._library = library
        self._chain = chain

    def degraded(self) -> list[UUID]:
        """Ids of every video archived at ``fallback_basic`` or ``raw_copied``, in import order."""
        return [vid for vid in self._library.video_ids() if is_degraded(self._library.get(vid))]

    def reprocess(self, video_id: UUID) -> Video | None:
        """Run level 1 again on one degraded video; None if it is not degraded.

        Raises:
            VideoNotFound: no such video.
        """
        video = self._library.get(video_id)
        if not is_degraded(video):
            return None
        previous = video.level.value if video.level else "none"
        self._library.apply(
            video_id,
            Command.REPROCESS,
            Step(
                Reason.REPROCESS_REQUESTED,
                f"Level 1 runs again on a video archived at {previous}.",
                Level.FRAME_CLEANING,
            ),
        )
        return self._chain.run(video_id)
