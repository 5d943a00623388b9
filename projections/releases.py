"""The ``releases`` view: each video's release state, and every export, folded from events.

What the review queue, ``endoveil export``, retention, the compliance report's export list
and the raw-copy metrics read. Like every view it is rebuilt from the events alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from domain.review import Release, next_release
from domain.rulebook import Level, State, next_state
from domain.video import Video
from projections.views import Page, View, timestamp

COLUMNS = (
    "video_id", "imported_at", "state", "level", "release", "decided_by", "decision_reason",
    "decided_at", "released_sha256", "raw_copies", "raw_served", "exports", "erased",
    "archived_at", "position",
)  # fmt: skip
#: Release states a reviewer still has to act on (the queue), most urgent first.
OPEN = (Release.QUARANTINED, Release.UNDECIDED, Release.AWAITING_REVIEW)


@dataclass
class ReleaseRecord:
    """One video's release history, as the view keeps it."""

    video_id: str
    imported_at: str = ""
    state: str = State.RECEIVED.value
    level: str | None = None
    release: str = Release.UNDECIDED.value
    decided_by: str | None = None
    decision_reason: str | None = None
    decided_at: str | None = None
    released_sha256: str | None = None
    raw_copies: int = 0
    raw_served: int = 0
    exports: int = 0
    erased: int = 0
    archived_at: str | None = None

    def apply(self, event: Any) -> None:
        """Move the record on by one of the video's events."""
        if isinstance(event, Video.Transitioned):
            self._transition(event)
        elif isinstance(event, Video.Reviewed):
            self.release = next_release(event.decision, self.release).value
            self.decided_by, self.decision_reason = event.reviewer, event.reason
            self.decided_at = timestamp(event.timestamp)
            if self.release == Release.RELEASED:
                self.released_sha256 = event.output_sha256
        elif isinstance(event, Video.MediaServed):
            self.raw_served += event.kind != "processed"
        elif isinstance(event, Video.Exported):
            self.exports += 1
        elif isinstance(event, Video.Erased):
            self.erased = 1
        elif isinstance(event, Video.Registered):
            self.imported_at = timestamp(event.received_at)

    def _transition(self, event: Any) -> None:
        self.state = next_state(event.command, self.state).value
        if event.command in ("start_cleaning", "reprocess"):  # a new run: a new decision
            self.release, self.archived_at = Release.UNDECIDED.value, None
        elif event.command == "archive":
            self.level, self.archived_at = event.level, timestamp(event.timestamp)
            self.raw_copies += event.level == Level.RAW_COPIED
            if event.level == Level.RAW_COPIED:  # a raw copy waits for a decision from the start
                self.release = Release.QUARANTINED.value

    def row(self, position: int) -> tuple[Any, ...]:
        """The record as a table row."""
        return (*(getattr(self, c) for c in COLUMNS[:-1]), position)


class ReleaseView(View):
    """Release state per video (``releases``) and one row per export of a video (``exports``)."""

    name: ClassVar[str] = "releases"
    tables: ClassVar[dict[str, str]] = {"releases": "video_id", "exports": "position"}

    def schema(self) -> list[str]:
        """Two tables; indexed for the queue and the report's period."""
        r, e = self.table("releases"), self.table("exports")
        return [
            f"CREATE TABLE IF NOT EXISTS {r} (video_id TEXT PRIMARY KEY, imported_at TEXT NOT "
            "NULL, state TEXT NOT NULL, level TEXT, release TEXT NOT NULL, decided_by TEXT, "
            "decision_reason TEXT, decided_at TEXT, released_sha256 TEXT, raw_copies INTEGER "
            "NOT NULL, raw_served INTEGER NOT NULL, exports INTEGER NOT NULL, erased INTEGER "
            "NOT NULL, archived_at TEXT, position BIGINT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {self.index('releases', 'release')} "
            f"ON {r} (release, archived_at)",
            f"CREATE TABLE IF NOT EXISTS {e} (position BIGINT PRIMARY KEY, video_id TEXT NOT "
            "NULL, export_id TEXT NOT NULL, at TEXT NOT NULL, sha256 TEXT NOT NULL, "
            "exporter TEXT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {self.index('exports', 'at')} ON {e} (at)",
        ]

    def project(self, cursor: Any, page: Page) -> None:
        """Fold the page into the records it touches; add a row per export."""
        ids = sorted({str(event.originator_id) for _, event in page})
        records = {r.video_id: r for r in self._load(cursor, ids)}
        positions: dict[str, int] = {}
        exports = []
        for position, event in page:
            video_id = str(event.originator_id)
            records.setdefault(video_id, ReleaseRecord(video_id)).apply(event)
            positions[video_id] = position
            if isinstance(event, Video.Exported):
                exports.append((position, video_id, event.export_id, timestamp(event.timestamp),
                                event.output_sha256, event.exporter))  # fmt: skip
        marks = ", ".join("?" for _ in COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
        cursor.executemany(
            self.sql(f"INSERT INTO {self.table('releases')} VALUES ({marks}) "
                     f"ON CONFLICT (video_id) DO UPDATE SET {updates}"),
            [records[vid].row(positions[vid]) for vid in positions],
        )  # fmt: skip
        cursor.executemany(
            self.sql(f"INSERT INTO {self.table('exports')} VALUES (?, ?, ?, ?, ?, ?)"), exports
        )

    def _load(self, cursor: Any, ids: list[str]) -> list[ReleaseRecord]:
        found: list[ReleaseRecord] = []
        for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
            chunk = ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            cursor.execute(
                self.sql(f"SELECT * FROM {self.table('releases')} WHERE video_id IN ({marks})"),
                chunk,
            )
            found.extend(_record(row) for row in cursor.fetchall())
        return found

    def get(self, video_id: str) -> ReleaseRecord | None:
        """One video's record, or None."""
        rows = self.query(f"SELECT * FROM {self.table('releases')} WHERE video_id = ?", [video_id])
        return _record(rows[0]) if rows else None

    def queue(self, limit: int = 100) -> list[ReleaseRecord]:
        """Archived videos a reviewer still has to decide on: raw copies first, oldest first."""
        rows = self.query(
            f"SELECT * FROM {self.table('releases')} WHERE state = 'archived' AND erased = 0 "
            "AND release IN (?, ?, ?) ORDER BY CASE WHEN level = 'raw_copied' THEN 0 ELSE 1 "
            "END, archived_at, video_id LIMIT ?",
            [*(r.value for r in OPEN), limit],
        )
        return [_record(row) for row in rows]

    def search(
        self, release: str | None = None, prefix: str = "", limit: int = 100
    ) -> list[ReleaseRecord]:
        """Videos by release state (any when None) and id prefix: open decisions first.

        Raw copies waiting come first, then outputs waiting for review, then the rest,
        newest import first.
        """
        where, params = ["video_id LIKE ?"], [f"{prefix.lower()}%"]
        if release is not None:
            where.append("release = ?")
            params.append(release)
        rows = self.query(
            f"SELECT * FROM {self.table('releases')} WHERE {' AND '.join(where)} ORDER BY "
            "CASE WHEN state = 'archived' AND erased = 0 AND release IN (?, ?, ?) THEN "
            "CASE WHEN level = 'raw_copied' THEN 0 ELSE 1 END ELSE 2 END, "
            "imported_at DESC, video_id LIMIT ?",
            [*params, *(r.value for r in OPEN), limit],
        )
        return [_record(row) for row in rows]

    def released(self, start: datetime, end: datetime) -> list[ReleaseRecord]:
        """Released videos imported in ``[start, end)``, oldest first.

        An erased video still counts: erasure removes its original and raw copies, never
        its anonymized output.
        """
        rows = self.query(
            f"SELECT * FROM {self.table('releases')} WHERE release = 'released' "
            "AND imported_at >= ? AND imported_at < ? ORDER BY imported_at, video_id",
            [timestamp(start), timestamp(end)],
        )
        return [_record(row) for row in rows]

    def exports_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Every export of a video in ``[start, end)``, oldest first."""
        rows = self.query(
            f"SELECT video_id, export_id, at, sha256, exporter FROM {self.table('exports')} "
            "WHERE at >= ? AND at < ? ORDER BY at, position",
            [timestamp(start), timestamp(end)],
        )
        return [{key: row[key] for key in row.keys()} for row in rows]  # noqa: SIM118

    def unreviewed_raw_copies(self) -> tuple[int, str | None]:
        """How many raw copies wait for a decision, and when the oldest was archived."""
        [row] = self.query(
            f"SELECT COUNT(*) AS n, MIN(archived_at) AS oldest FROM {self.table('releases')} "
            "WHERE state = 'archived' AND level = 'raw_copied' AND erased = 0 "
            "AND release IN ('undecided', 'quarantined')"
        )
        return int(row["n"]), row["oldest"]

    def raw_copies_total(self) -> int:
        """Raw copies ever made (a counter: reprocessing or erasing one never lowers it)."""
        total = f"SELECT COALESCE(SUM(raw_copies), 0) AS n FROM {self.table('releases')}"
        [row] = self.query(total)
        return int(row["n"])

    def overdue(self, before: datetime) -> list[ReleaseRecord]:
        """Finished, unerased videos imported before ``before`` (their raw files are due)."""
        rows = self.query(
            f"SELECT * FROM {self.table('releases')} WHERE erased = 0 AND imported_at < ? "
            "AND state IN ('archived', 'failed') ORDER BY imported_at, video_id",
            [timestamp(before)],
        )
        return [_record(row) for row in rows]


def _record(row: Any) -> ReleaseRecord:
    return ReleaseRecord(**{column: row[column] for column in COLUMNS[:-1]})
