"""A video's status, folded from its events alone.

The status itself (:class:`VideoStatus`) lives in ``projections.status_rows``, which knows no
event classes, so that reading a stored status loads neither the aggregate nor the event store.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import singledispatch

from domain.reasons import reason_of
from domain.rulebook import Level, next_state
from domain.video import Video, VideoEvent
from projections.status_rows import Attempt, VideoStatus

__all__ = ["Attempt", "VideoStatus", "advance", "fold"]


def advance(status: VideoStatus, event: VideoEvent) -> None:
    """Move ``status`` on by one of the video's events."""
    status.updated_at = event.timestamp
    _fold(event, status)


@singledispatch
def _fold(event: VideoEvent, status: VideoStatus) -> None:
    """Claims and lease renewals change nothing a status shows."""


@_fold.register
def _registered(event: Video.Registered, status: VideoStatus) -> None:
    status.imported_at = event.received_at


@_fold.register
def _erased(event: Video.Erased, status: VideoStatus) -> None:
    status.erased = True


@_fold.register
def _moved(event: Video.Transitioned, status: VideoStatus) -> None:
    """Every transition: the state the rulebook gives, and why (retry and fail: only this)."""
    status.state = next_state(event.command, status.state)
    status.reason, status.detail = reason_of(event.reason), event.detail


@_fold.register
def _started(event: Video.CleaningStarted, status: VideoStatus) -> None:
    _moved(event, status)
    status.fallbacks = []  # a new run of the chain (a reprocess keeps the old)


@_fold.register
def _reprocessing(event: Video.ReprocessRequested, status: VideoStatus) -> None:
    _moved(event, status)
    status.reprocessed += 1


@_fold.register
def _fell_back(event: Video.FellBack | Video.RawCopyStarted, status: VideoStatus) -> None:
    _moved(event, status)
    status.fallbacks.append(Attempt(event.level, event.reason, event.seconds))


@_fold.register
def _archived(event: Video.Archived, status: VideoStatus) -> None:
    _moved(event, status)
    status.level = event.level
    status.anonymized = event.level != Level.RAW_COPIED
    status.output = event.output if status.anonymized else None
    status.verification = event.verification


def fold(video_id: str, events: Iterable[VideoEvent]) -> VideoStatus:
    """Replay one video's events into its status."""
    status = VideoStatus(video_id)
    for event in events:
        advance(status, event)
    return status
