"""A video's status, folded from its events alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.rulebook import Level, State, next_state
from projections.badge import Badge, badge_for


@dataclass(frozen=True)
class Attempt:
    """One level that ended without output, and why."""

    level: str
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
    reason: str = "received"
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

    def apply(self, event: Any) -> None:
        """Move this status on by one of the video's events."""
        self.updated_at = event.timestamp
        command = getattr(event, "command", None)
        if command is None:  # Registered, Erased, or the claim bookkeeping
            self.imported_at = getattr(event, "received_at", self.imported_at)
            self.erased = self.erased or type(event).__name__ == "Erased"
            return
        self.state = next_state(command, self.state)
        self.reason, self.detail = event.reason, event.detail
        if command == "start_cleaning":  # a new run of the chain (a reprocess keeps the old)
            self.fallbacks = []
        elif command == "reprocess":
            self.reprocessed += 1
        elif command in ("fall_back", "copy_raw"):
            self.fallbacks.append(Attempt(event.level, event.reason, event.seconds))
        elif command == "archive":
            self.level = event.level
            self.anonymized = event.level != Level.RAW_COPIED
            self.output = event.output if self.anonymized else None
            self.verification = event.verification

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


def fold(video_id: str, events: Iterable[Any]) -> VideoStatus:
    """Replay one video's events into its status."""
    status = VideoStatus(video_id)
    for event in events:
        status.apply(event)
    return status
