"""``GET /metrics``: the import metrics in the Prometheus text format, from the views.

Everything is computed from the materialised views at scrape time (gauges, not process-local
counters), so any number of API processes report the same numbers and a restart loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from adapters.web.clinic_metrics import build_families, last_import_families, watcher_families
from adapters.web.readside import ReadSide
from adapters.web.release_metrics import canary_families, now_utc, release_families
from projections.metrics import CRITICAL, GOOD, NO_DATA, WARNING, Rate, Window

#: Upper bounds (seconds) of the per-level duration histogram buckets.
DURATION_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
#: The thresholds of projections/metrics.py, as numbers for dashboards (a test keeps them equal).
THRESHOLDS = {
    "anonymization_success": {"warning": 95.0, "critical": 80.0},  # good above 95, critical < 80
    "fallback_usage": {"warning": 5.0, "critical": 20.0},  # good below 5, critical above 20
    "import_failure": {"warning": 1.0, "critical": 5.0},  # good below 1, critical above 5
}
#: ``endoveil_rate_status`` values; the alert rules in deploy/alerts.yml compare with these.
STATUS_CODES = {NO_DATA: -1, GOOD: 0, WARNING: 1, CRITICAL: 2}


def _rates(window: Window) -> dict[str, Rate]:
    return {
        "anonymization_success": window.anonymization_success,
        "fallback_usage": window.fallback_usage,
        "import_failure": window.import_failure,
    }


class ViewCollector(Collector):
    """Collects every endoveil metric from the read side at scrape time."""

    def __init__(self, read: ReadSide) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        """The metric families, as of the views' current positions."""
        yield from self.read.cached("prometheus", lambda: list(self._families()))
        yield from self._circuit()
        yield from canary_families(self.read.services.settings.data_dir)
        yield from build_families()
        yield from watcher_families(self.read.services.settings)

    def _families(self) -> Iterator[Metric]:
        read = self.read
        imports = GaugeMetricFamily(
            "endoveil_imports", "Videos by outcome of their import.", labels=["outcome"]
        )
        found = {"anonymized": 0, "raw_copy": 0, "failed": 0, "processing": 0}
        found.update(read.videos.outcome_counts())
        for outcome, count in found.items():
            imports.add_metric([outcome], count)
        yield imports
        fallbacks = GaugeMetricFamily(
            "endoveil_fallbacks", "Levels that gave up, by level and reason.",
            labels=["level", "reason"],
        )  # fmt: skip
        for level, reason, count in read.fallbacks.counts():
            fallbacks.add_metric([level, reason], count)
        yield fallbacks
        yield from self._rate_families(read.metrics())
        yield self._durations()
        releases = read.services.projections.releases
        yield from release_families(releases, read.services.settings, now_utc())
        yield from last_import_families(read.services.projections.videos)

    def _rate_families(self, windows: dict[str, Window]) -> Iterator[Metric]:
        percent = GaugeMetricFamily(
            "endoveil_rate_percent", "A rate in percent over a window of finished imports.",
            labels=["rate", "window"],
        )  # fmt: skip
        status = GaugeMetricFamily(
            "endoveil_rate_status",
            "A rate's status: -1 no data, 0 good, 1 warning, 2 critical.",
            labels=["rate", "window"],
        )
        for window_name, window in windows.items():
            for rate_name, rate in _rates(window).items():
                if rate.percent is not None:
                    percent.add_metric([rate_name, window_name], rate.percent)
                status.add_metric([rate_name, window_name], STATUS_CODES[rate.status])
        threshold = GaugeMetricFamily(
            "endoveil_rate_threshold_percent", "Where a rate's status changes, by severity.",
            labels=["rate", "severity"],
        )  # fmt: skip
        for rate_name, bounds in THRESHOLDS.items():
            for severity, value in bounds.items():
                threshold.add_metric([rate_name, severity], value)
        yield from (percent, status, threshold)

    def _durations(self) -> Metric:
        family = HistogramMetricFamily(
            "endoveil_level_duration_seconds", "How long a level ran, by level and outcome.",
            labels=["level", "outcome"],
        )  # fmt: skip
        for (level, outcome), values in self.read.durations.histogram(DURATION_BUCKETS).items():
            *cumulative, count, total = values
            buckets: list[tuple[str, Any]] = [
                (repr(bound), n) for bound, n in zip(DURATION_BUCKETS, cumulative, strict=True)
            ]
            buckets.append(("+Inf", count))
            family.add_metric([level, outcome], buckets, total)
        return family

    def _circuit(self) -> Iterator[Metric]:
        breaker = self.read.services.circuit
        mode, _ = breaker.describe()
        state = GaugeMetricFamily(
            "endoveil_ollama_circuit_state", "The Ollama circuit breaker (1 for its state).",
            labels=["state"],
        )  # fmt: skip
        for name in ("closed", "open", "half_open"):
            state.add_metric([name], 1.0 if name == mode else 0.0)
        yield state
        yield GaugeMetricFamily(
            "endoveil_ollama_consecutive_failures",
            "Consecutive Ollama failures counted by the circuit breaker.",
            value=breaker.state().failures,
        )


def exposition(read: ReadSide) -> bytes:
    """The Prometheus text exposition of every endoveil metric."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ViewCollector(read))
    return generate_latest(registry)
