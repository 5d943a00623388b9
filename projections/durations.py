"""The ``step_durations`` view: how long each level ran, for the per-level duration histograms.

The ``fallbacks`` view keeps the seconds of the levels that gave up, but not of the level that
produced the output (the ``archive`` event), so the histograms need this small table of their
own: one row per level that ended, with or without output.
"""

from __future__ import annotations

from typing import Any, ClassVar

from domain.video import Video
from projections.views import Page, View, timestamp

#: The events that end a level, and what they say about its outcome.
OUTCOMES: dict[type[Video.Transitioned], str] = {
    Video.FellBack: "fell_back",
    Video.RawCopyStarted: "fell_back",
    Video.Archived: "output",
}


class StepDurationView(View):
    """Every level that ended: which video, when, how, and how many seconds it took."""

    name: ClassVar[str] = "step_durations"
    tables: ClassVar[dict[str, str]] = {"step_durations": "position"}

    def schema(self) -> list[str]:
        """One row per ended level."""
        t = self.table("step_durations")
        return [
            f"CREATE TABLE IF NOT EXISTS {t} ("
            "position BIGINT PRIMARY KEY, video_id TEXT NOT NULL, at TEXT NOT NULL, "
            "level TEXT NOT NULL, outcome TEXT NOT NULL, seconds DOUBLE PRECISION NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {self.index('step_durations', 'level')} "
            f"ON {t} (level, seconds)",
        ]

    def project(self, cursor: Any, page: Page) -> None:
        """Insert a row for each event of the page that ends a level."""
        cursor.executemany(
            self.sql(f"INSERT INTO {self.table('step_durations')} VALUES (?, ?, ?, ?, ?, ?)"),
            [
                (
                    position,
                    str(event.originator_id),
                    timestamp(event.timestamp),
                    event.level,
                    OUTCOMES[type(event)],
                    event.seconds,
                )
                for position, event in page
                if isinstance(event, Video.Transitioned) and type(event) in OUTCOMES and event.level
            ],
        )

    def histogram(self, bounds: tuple[float, ...]) -> dict[tuple[str, str], list[float]]:
        """Cumulative bucket counts per (level, outcome), then the count and the sum.

        Args:
            bounds: the upper bounds of the buckets, ascending (``+Inf`` is added).

        Returns:
            ``{(level, outcome): [count <= b for b in bounds] + [count, sum]}``.
        """
        # every column named: psycopg's dict rows keep one value per name, and unnamed
        # SUM(...) columns would all be called "sum"
        buckets = ", ".join(
            f"SUM(CASE WHEN seconds <= {float(b)!r} THEN 1 ELSE 0 END) AS le_{n}"
            for n, b in enumerate(bounds)
        )
        rows = self.query(
            f"SELECT level, outcome, {buckets}, COUNT(*) AS count, "
            "COALESCE(SUM(seconds), 0) AS total "
            f"FROM {self.table('step_durations')} GROUP BY level, outcome ORDER BY level, outcome"
        )
        names = [f"le_{n}" for n in range(len(bounds))] + ["count", "total"]
        return {
            (row["level"], row["outcome"]): [float(row[name] or 0) for name in names]
            for row in rows
        }
