"""Prometheus families of review, release, retention and the canary (``endoveil canary``).

``endoveil_raw_copies_total`` is a real counter: it is summed from the ``archive`` events at
the raw level, so reprocessing or erasing a raw copy never lowers it (the old alert took
``delta()`` of a current-state gauge, which a reprocessed video cancelled out).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from adapters.canary.record import last_result
from adapters.settings import Settings
from projections.releases import ReleaseView


def release_families(releases: ReleaseView, settings: Settings, now: datetime) -> Iterator[Metric]:
    """The review and retention metrics as of ``now``."""
    yield CounterMetricFamily(
        "endoveil_raw_copies",
        "Raw (not anonymized) copies ever archived, reprocessed or erased ones included.",
        value=releases.raw_copies_total(),
    )
    waiting, oldest = releases.unreviewed_raw_copies()
    yield GaugeMetricFamily(
        "endoveil_unreviewed_raw_copies",
        "Raw copies nobody has decided on yet (retain, reprocess or erase).",
        value=waiting,
    )
    age = (now - datetime.fromisoformat(oldest)).total_seconds() if oldest else 0.0
    yield GaugeMetricFamily(
        "endoveil_unreviewed_raw_copy_oldest_age_seconds",
        "How long the oldest undecided raw copy has waited (0 when none waits).",
        value=max(age, 0.0),
    )
    overdue = 0
    if settings.raw_retention_days is not None:
        overdue = len(releases.overdue(now - timedelta(days=settings.raw_retention_days)))
    yield GaugeMetricFamily(
        "endoveil_retention_overdue_videos",
        "Videos whose originals or raw copies are past ENDOVEIL_RAW_RETENTION_DAYS.",
        value=overdue,
    )


def now_utc() -> datetime:
    """The scrape time."""
    return datetime.now(UTC)


def canary_families(data_dir: Path) -> Iterator[Metric]:
    """The last canary run (``endoveil canary``); nothing when none ever ran."""
    result = last_result(data_dir)
    if result is None:
        return
    yield GaugeMetricFamily(
        "endoveil_canary_passed",
        "1 when the last canary's output was anonymized and Tesseract read none of its text.",
        value=1.0 if result.passed else 0.0,
    )
    yield GaugeMetricFamily(
        "endoveil_canary_last_run_timestamp_seconds",
        "When the last canary ran (Unix time).",
        value=datetime.fromisoformat(result.at).timestamp(),
    )
    yield GaugeMetricFamily(
        "endoveil_canary_leaks",
        "Fake patient texts Tesseract could read in the last canary's output.",
        value=len(result.leaks),
    )
