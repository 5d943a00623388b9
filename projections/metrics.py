"""Import metrics with their statuses, computed from the materialised views."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from projections.fallbacks import FallbackView
from projections.video_status import VideoStatusView
from projections.views import timestamp

GOOD, WARNING, CRITICAL, NO_DATA = "good", "warning", "critical", "no_data"


def success_status(percent: float) -> str:
    """Anonymization success: >95 % good, 80-95 % warning, <80 % critical."""
    return GOOD if percent > 95 else WARNING if percent >= 80 else CRITICAL


def fallback_status(percent: float) -> str:
    """Fallback usage: <5 % good, 5-20 % warning, >20 % critical."""
    return GOOD if percent < 5 else WARNING if percent <= 20 else CRITICAL


def failure_status(percent: float) -> str:
    """Import failure: <1 % good, 1-5 % warning, >5 % critical."""
    return GOOD if percent < 1 else WARNING if percent <= 5 else CRITICAL


@dataclass(frozen=True)
class Rate:
    """One rate: count out of total, as a percentage, with its status."""

    count: int
    total: int
    percent: float | None
    status: str


def rate(count: int, total: int, judge: Any) -> Rate:
    """``count`` of ``total`` judged by ``judge`` (no data when nothing finished)."""
    if total == 0:
        return Rate(0, 0, None, NO_DATA)
    percent = round(100.0 * count / total, 2)
    return Rate(count, total, percent, judge(percent))


@dataclass(frozen=True)
class Window:
    """The three rates over one set of finished imports, and its fallback breakdown."""

    imports: int
    anonymization_success: Rate
    fallback_usage: Rate
    import_failure: Rate
    fallbacks: list[dict[str, Any]]


_COUNTS = (
    "SELECT COUNT(*) AS total, "
    "COALESCE(SUM(CASE WHEN state = 'archived' AND anonymized = 1 THEN 1 ELSE 0 END), 0) "
    "AS anonymized, "
    "COALESCE(SUM(CASE WHEN state = 'archived' AND level != 'frame_cleaning' "
    "THEN 1 ELSE 0 END), 0) AS fell_back, "
    "COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0) AS failed FROM {source}"
)
_FINISHED = "state IN ('archived', 'failed')"


class Metrics:
    """Computes metrics over all time, the last 24 hours and the last 100 imports."""

    def __init__(self, videos: VideoStatusView, fallbacks: FallbackView) -> None:
        self.videos = videos
        self.fallbacks = fallbacks

    def compute(self, now: datetime) -> dict[str, Window]:
        """Every window, as of ``now``."""
        t = self.videos.table("video_status")
        since = timestamp(now - timedelta(hours=24))
        recent = (
            f"(SELECT * FROM {t} WHERE {_FINISHED} "
            "ORDER BY imported_at DESC, video_id LIMIT 100) AS recent"
        )
        return {
            "all_time": self._window(f"{t} WHERE {_FINISHED}", [], ""),
            "last_24h": self._window(
                f"{t} WHERE {_FINISHED} AND imported_at >= ?", [since], "AND v.imported_at >= ?"
            ),
            "last_100": self._window(
                recent, [], f"AND v.video_id IN (SELECT video_id FROM {recent})"
            ),
        }

    def between(self, start: datetime, end: datetime) -> Window:
        """The window of imports in ``[start, end)`` (for the compliance report)."""
        t = self.videos.table("video_status")
        return self._window(
            f"{t} WHERE {_FINISHED} AND imported_at >= ? AND imported_at < ?",
            [timestamp(start), timestamp(end)],
            "AND v.imported_at >= ? AND v.imported_at < ?",
        )

    def _window(self, source: str, params: list[Any], breakdown_filter: str) -> Window:
        [row] = self.videos.query(_COUNTS.format(source=source), params)
        total = row["total"]
        breakdown = self.fallbacks.query(
            "SELECT f.level, f.reason, COUNT(*) AS count "
            f"FROM {self.fallbacks.table('fallbacks')} f "
            f"JOIN {self.videos.table('video_status')} v ON v.video_id = f.video_id "
            f"WHERE v.{_FINISHED} {breakdown_filter} "
            "GROUP BY f.level, f.reason ORDER BY count DESC, f.level, f.reason",
            params,
        )
        return Window(
            imports=total,
            anonymization_success=rate(row["anonymized"], total, success_status),
            fallback_usage=rate(row["fell_back"], total, fallback_status),
            import_failure=rate(row["failed"], total, failure_status),
            fallbacks=[
                {"level": r["level"], "reason": r["reason"], "count": r["count"]} for r in breakdown
            ],
        )


def as_json(windows: dict[str, Window]) -> dict[str, Any]:
    """Windows as plain dicts."""
    return {name: asdict(window) for name, window in windows.items()}
