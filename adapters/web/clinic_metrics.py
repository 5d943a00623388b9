"""Prometheus families for running endoveil in a clinic (#18): build, last import, watcher.

``endoveil_last_import_timestamp_seconds`` is the newest video's import time in the views, not
the scrape's clock, so the import-silence alert sees when something last arrived.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version

from prometheus_client.core import GaugeMetricFamily, Metric

from adapters.heartbeat import last_heartbeat
from adapters.settings import Settings
from projections.video_status import VideoStatusView


def _version() -> str:
    try:
        return version("endoveil")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_families() -> Iterator[Metric]:
    """``endoveil_build_info{version=...} 1``."""
    info = GaugeMetricFamily(
        "endoveil_build_info", "The running endoveil version (always 1).", labels=["version"]
    )
    info.add_metric([_version()], 1.0)
    yield info


def last_import_families(videos: VideoStatusView) -> Iterator[Metric]:
    """The newest import's time; absent while nothing was ever imported."""
    newest = videos.page(limit=1)
    if newest and newest[0].imported_at is not None:
        yield GaugeMetricFamily(
            "endoveil_last_import_timestamp_seconds",
            "When the newest video was imported (Unix seconds, from the views).",
            value=newest[0].imported_at.timestamp(),
        )


def watcher_families(settings: Settings) -> Iterator[Metric]:
    """The watcher's heartbeat (absent if no watcher ever ran) and the silence threshold."""
    seen = last_heartbeat(settings.data_dir)
    if seen is not None:
        yield GaugeMetricFamily(
            "endoveil_watcher_last_seen_timestamp_seconds",
            "When the inbox watcher was last alive (Unix seconds).",
            value=seen,
        )
    yield GaugeMetricFamily(
        "endoveil_import_silence_threshold_seconds",
        "How long without an import, while the watcher runs, before ImportsSilent fires.",
        value=settings.import_silence_seconds,
    )
