"""A video's status as the ``video_status`` view stores it: the record, its row, its queries.

Nothing here knows the event classes (folding events into a status is ``projections.status``),
so a row can be read and shown without loading the aggregate and its event store: the view
uses this module on either store, and ``endoveil status`` uses it on the SQLite file directly
when the view is current (``adapters/cli/quick_status.py``, issue #13: start-up under 0.3 s).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.reasons import Reason
from domain.rulebook import State
from projections.badge import Badge, badge_for

#: The view's name (its tracking key) and its one table.
TABLE = "video_status"

#: ``{table}``: the table's real name; ``?``: the video id.
SELECT_ONE = "SELECT * FROM {table} WHERE video_id = ?"
#: ``{table}``: the table's real name; ``?, ?``: limit and offset.
SELECT_PAGE = "SELECT * FROM {table} ORDER BY imported_at DESC, video_id LIMIT ? OFFSET ?"


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


def from_row(row: Any) -> VideoStatus:
    """A table row (a mapping of column names: ``sqlite3.Row``, psycopg's ``dict_row``)."""
    return VideoStatus(
        video_id=row["video_id"],
        imported_at=_parse(row["imported_at"]),
        updated_at=_parse(row["updated_at"]),
        state=State(row["state"]),
        level=row["level"],
        anonymized=bool(row["anonymized"]),
        output=row["output"],
        reason=row["reason"],
        detail=row["detail"],
        fallbacks=[Attempt(**attempt) for attempt in json.loads(row["fallbacks"])],
        reprocessed=row["reprocessed"],
        verification=row["verification"],
        erased=bool(row["erased"]),
    )


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)  # C-fast; reads the trailing "Z" as UTC
