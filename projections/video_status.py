"""The ``video_status`` view: one row per video, what the badge, status and report read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from projections.status import VideoStatus, advance
from projections.status_rows import SELECT_ONE, SELECT_PAGE, TABLE, from_row
from projections.views import Page, View, timestamp

COLUMNS = (
    "video_id", "imported_at", "updated_at", "state", "level", "anonymized", "output",
    "reason", "detail", "fallbacks", "reprocessed", "verification", "erased", "reasons",
    "position",
)  # fmt: skip


class VideoStatusView(View):
    """Each video's current status, folded incrementally from its events."""

    name: ClassVar[str] = TABLE
    tables: ClassVar[dict[str, str]] = {TABLE: "video_id"}

    def schema(self) -> list[str]:
        """One row per video; indexed by import time for reports and metrics."""
        t = self.table("video_status")
        return [
            f"CREATE TABLE IF NOT EXISTS {t} ("
            "video_id TEXT PRIMARY KEY, imported_at TEXT NOT NULL, updated_at TEXT NOT NULL, "
            "state TEXT NOT NULL, level TEXT, anonymized INTEGER NOT NULL, output TEXT, "
            "reason TEXT NOT NULL, detail TEXT NOT NULL, fallbacks TEXT NOT NULL, "
            "reprocessed INTEGER NOT NULL, verification TEXT, erased INTEGER NOT NULL, "
            "reasons TEXT NOT NULL, position BIGINT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {self.index('video_status', 'imported_at')} "
            f"ON {t} (imported_at)",
            f"CREATE INDEX IF NOT EXISTS {self.index('video_status', 'state')} "
            f"ON {t} (state, imported_at)",
        ]

    def project(self, cursor: Any, page: Page) -> None:
        """Fold the page into the rows of the videos it touches, then upsert them."""
        ids = sorted({str(event.originator_id) for _, event in page})
        statuses = {status.video_id: status for status in self._load(cursor, ids)}
        positions: dict[str, int] = {}
        for position, event in page:
            video_id = str(event.originator_id)
            status = statuses.setdefault(video_id, VideoStatus(video_id))
            advance(status, event)
            positions[video_id] = position
        placeholders = ", ".join("?" for _ in COLUMNS)
        updates = ", ".join(f"{column} = excluded.{column}" for column in COLUMNS[1:])
        cursor.executemany(
            self.sql(
                f"INSERT INTO {self.table('video_status')} VALUES ({placeholders}) "
                f"ON CONFLICT (video_id) DO UPDATE SET {updates}"
            ),
            [to_row(statuses[vid], positions[vid]) for vid in positions],
        )

    def _load(self, cursor: Any, ids: Sequence[str]) -> list[VideoStatus]:
        found: list[VideoStatus] = []
        for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
            chunk = ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            cursor.execute(
                self.sql(f"SELECT * FROM {self.table('video_status')} WHERE video_id IN ({marks})"),
                list(chunk),
            )
            found.extend(from_row(row) for row in cursor.fetchall())
        return found

    def get(self, video_id: str) -> VideoStatus | None:
        """One video's status, or None if the view has never seen it."""
        rows = self.query(SELECT_ONE.format(table=self.table(TABLE)), [video_id])
        return from_row(rows[0]) if rows else None

    def page(self, limit: int = 100, offset: int = 0) -> list[VideoStatus]:
        """Videos, newest import first."""
        rows = self.query(SELECT_PAGE.format(table=self.table(TABLE)), [limit, offset])
        return [from_row(row) for row in rows]

    def unfinished(self) -> list[str]:
        """Ids of videos neither archived nor failed (what ``resume`` looks at)."""
        sql = (
            f"SELECT video_id FROM {self.table('video_status')} "
            "WHERE state NOT IN ('archived', 'failed') ORDER BY imported_at"
        )
        return [row["video_id"] for row in self.query(sql)]

    def report_rows(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """The compliance report's rows for imports in ``[start, end)``, straight from SQL.

        Everything is stored ready to print (``reasons`` is derived when projecting), so a
        month of a large clinic is one indexed range scan and no per-row decoding.
        """
        rows = self.query(
            "SELECT video_id, imported_at, state, "
            "CASE WHEN state = 'archived' AND anonymized = 1 THEN 'yes' ELSE 'no' END "
            "AS anonymized, COALESCE(level, '') AS level, reasons, "
            "COALESCE(verification, '') AS verification, reprocessed "
            f"FROM {self.table('video_status')} "
            "WHERE imported_at >= ? AND imported_at < ? ORDER BY imported_at, video_id",
            [timestamp(start), timestamp(end)],
        )
        return [{key: row[key] for key in row.keys()} for row in rows]  # noqa: SIM118

    def between(self, start: datetime, end: datetime) -> list[VideoStatus]:
        """Videos imported in ``[start, end)``, oldest first (uses the index)."""
        rows = self.query(
            f"SELECT * FROM {self.table('video_status')} "
            "WHERE imported_at >= ? AND imported_at < ? ORDER BY imported_at, video_id",
            [timestamp(start), timestamp(end)],
        )
        return [from_row(row) for row in rows]

    def count(self) -> int:
        """How many videos the view holds."""
        [row] = self.query(f"SELECT COUNT(*) AS count FROM {self.table('video_status')}")
        return int(row["count"])

    def outcome_counts(self) -> dict[str, int]:
        """Videos by outcome: ``anonymized``, ``raw_copy``, ``failed``, ``processing``.

        Only outcomes that occur are keys.
        """
        rows = self.query(
            "SELECT CASE WHEN state = 'failed' THEN 'failed' "
            "WHEN state != 'archived' THEN 'processing' "
            "WHEN anonymized = 1 THEN 'anonymized' ELSE 'raw_copy' END AS outcome, "
            f"COUNT(*) AS count FROM {self.table('video_status')} GROUP BY outcome"
        )
        return {row["outcome"]: int(row["count"]) for row in rows}


def to_row(status: VideoStatus, position: int) -> tuple[Any, ...]:
    """A status as a table row (timestamps as fixed-width UTC text)."""
    assert status.imported_at is not None and status.updated_at is not None  # Registered first
    return (
        status.video_id,
        timestamp(status.imported_at),
        timestamp(status.updated_at),
        status.state.value,
        status.level,
        int(status.anonymized),
        status.output,
        status.reason,
        status.detail,
        json.dumps([vars(attempt) for attempt in status.fallbacks]),
        status.reprocessed,
        status.verification,
        int(status.erased),
        status.reasons,
        position,
    )
