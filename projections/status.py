"""A video's status, folded from its events alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import singledispatch
from typing import Any

from domain.reasons import Reason, reason_of
from domain.rulebook import Level, State, next_state
from domain.video import Video, VideoEvent
from projections.badge import Badge, badge_for


@dataclass(frozen=True)
class Attempt:
    """One level that ended without output, and why."""

    level: str | None
    reason: str
    seconds: float


@dataclass
class VideoStatus:
    """What the badge, ``endoveil status`` and the compliance report show for one video."""

    video_id: str
    imported_at: datetime | None = None
    updated_at: datetime | None = None
    state: State = State.RECEIVED
    level: str | None = None
    anonymized: bool = False
    output: str | None = None
    reason: Reason | str = Reason.RECEIVED
    detail: str = ""
    fallbacks: list[Attempt] = field(default_factory=list)
    reprocessed: int = 0
    verification: str | None = None
    erased: bool = False

    @property
    def reasons(self) -> str:
        """Why, in one line: each level that fell back, else the last reason."""
        return "; ".join(f"{a.level}: {a.reason}" for a in self.fallbacks) or self.reason

    @property
    def badge(self) -> Badge:
        """The badge for the current state."""
        return badge_for(self.state, self.anonymized, [a.reason for a in self.fallbacks])

    def apply(self, event: VideoEvent) -> None:
        """Move this status on by one of the video's events."""
        self.updated_at = event.timestamp
        _fold(event, self)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict; holds no patient data."""
        badge = self.badge
        return {
            "video_id": self.video_id,
            "imported_at": _iso(self.imported_at),
            "updated_at": _iso(self.updated_at),
            "state": self.state.value,
            "level": self.level,
            "anonymized": self.anonymized,
            "output": self.output,
            "reason": self.reason,
            "detail": self.detail,
            "badge": badge.text,
            "badge_colour": badge.colour.value,
            "warning": badge.warning,
            "fallbacks": [vars(a) for a in self.fallbacks],
            "reprocessed": self.reprocessed,
            "verification": self.verification,
            "erased": self.erased,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


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
        status.apply(event)
    return status
