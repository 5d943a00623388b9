"""The ``fallbacks`` view: one row per level that ended without output, for breakdowns."""

from __future__ import annotations

from typing import Any, ClassVar

from domain.video import Video
from projections.views import Page, View, timestamp

#: The events of a level that ended without output.
FALLBACK_EVENTS = (Video.FellBack, Video.RawCopyStarted)


class FallbackView(View):
    """Every fallback: which level gave up on which video, when and why."""

    name: ClassVar[str] = "fallbacks"
    tables: ClassVar[dict[str, str]] = {"fallbacks": "position"}

    def schema(self) -> list[str]:
        """One row per fallback event; indexed by time and by video."""
        t = self.table("fallbacks")
        return [
            f"CREATE TABLE IF NOT EXISTS {t} ("
            "position BIGINT PRIMARY KEY, video_id TEXT NOT NULL, at TEXT NOT NULL, "
            "level TEXT NOT NULL, reason TEXT NOT NULL, seconds DOUBLE PRECISION NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {self.index('fallbacks', 'at')} ON {t} (at)",
            f"CREATE INDEX IF NOT EXISTS {self.index('fallbacks', 'video')} ON {t} (video_id)",
        ]

    def project(self, cursor: Any, page: Page) -> None:
        """Insert a row for each fallback event of the page."""
        cursor.executemany(
            self.sql(f"INSERT INTO {self.table('fallbacks')} VALUES (?, ?, ?, ?, ?, ?)"),
            [
                (
                    position,
                    str(event.originator_id),
                    timestamp(event.timestamp),
                    event.level,
                    event.reason,
                    event.seconds,
                )
                for position, event in page
                if isinstance(event, FALLBACK_EVENTS)
            ],
        )

    def counts(self) -> list[tuple[str, str, int]]:
        """How often each level gave up for each reason: ``(level, reason, count)``, sorted."""
        rows = self.query(
            f"SELECT level, reason, COUNT(*) AS count FROM {self.table('fallbacks')} "
            "GROUP BY level, reason ORDER BY level, reason"
        )
        return [(row["level"], row["reason"], int(row["count"])) for row in rows]
