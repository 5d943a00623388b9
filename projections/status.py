"""A video's status, folded from its events alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.rulebook import State, next_state
from projections.badge import Badge, badge_for


@dataclass(frozen=True)
class Attempt:
    """One level that ended without output, and why."""

    level: str
    reason: str
    seconds: float


@dataclass
class VideoStatus:
    """What the status badge and ``endoveil status`` show for one video."""

    video_id: str
    state: State = State.RECEIVED
    level: str | None = None
    anonymized: bool = False
    output: str | None = None
    reason: str = "received"
    detail: str = ""
    imported_at: datetime | None = None
    updated_at: datetime | None = None
    fallbacks: list[Attempt] = field(default_factory=list)

    @property
    def badge(self) -> Badge:
        """The badge for the current state."""
        return badge_for(self.state, self.anonymized, [a.reason for a in self.fallbacks])

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict; holds no patient data."""
        badge = self.badge
        return {
            "video_id": self.video_id,
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
            "imported_at": self.imported_at.isoformat() if self.imported_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def fold(video_id: str, events: Iterable[Any]) -> VideoStatus:
    """Replay one video's events into its status."""
    status = VideoStatus(video_id)
    for event in events:
        status.updated_at = event.timestamp
        command = getattr(event, "command", None)
        if command is None:  # the Registered event
            status.imported_at = event.timestamp
            continue
        status.state = next_state(command, status.state)
        status.reason, status.detail = event.reason, event.detail
        if command == "start_cleaning":  # a new run of the chain (a reprocess keeps the old)
            status.fallbacks = []
        elif command in ("fall_back", "copy_raw"):
            status.fallbacks.append(Attempt(event.level, event.reason, event.seconds))
        if command == "archive":
            status.level = event.level
            status.anonymized = event.level != "raw_copied"
            status.output = event.output if status.anonymized else None
    return status
