"""What the API reads: the materialised views, kept fresh, and the metrics cached per position.

The API never writes a view row of its own: before a read it runs the projections' catch-up
(at most once per ``max_staleness`` seconds, one thread at a time), exactly what ``endoveil
project`` does, so the views only ever hold what the event log says.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from eventsourcing.persistence import IntegrityError

from adapters.bootstrap import Services
from projections.metrics import Window
from projections.runner import catch_up
from projections.views import View

log = logging.getLogger(__name__)
T = TypeVar("T")
#: The rolling 24-hour window moves with the clock: a cached value is kept this long at most.
METRICS_MAX_AGE_S = 10.0


class ReadSide:
    """The views of one data dir as the API sees them.

    Args:
        services: the wired application.
        max_staleness: seconds a read may lag behind the event log (0: catch up every read).
    """

    def __init__(self, services: Services, max_staleness: float) -> None:
        self.services = services
        self.videos = services.projections.videos
        self.fallbacks = services.projections.fallbacks
        self.durations = services.projections.durations
        self.max_staleness = max_staleness
        self._lock = threading.Lock()
        self._caught_up_at = float("-inf")
        self._cache: dict[str, tuple[tuple[int, ...], float, Any]] = {}

    @property
    def views(self) -> list[View]:
        """Every view the API reads (the catalog's)."""
        return self.services.projections.views

    def fresh(self) -> None:
        """Catch the views up with the event log unless that was done very recently."""
        if time.monotonic() - self._caught_up_at < self.max_staleness:
            return
        with self._lock:
            if time.monotonic() - self._caught_up_at < self.max_staleness:
                return  # another request caught up while this one waited
            try:
                catch_up(self.services.library, self.views)
            except IntegrityError:  # another process projected the same page first
                log.info("views caught up by another process; reading what is there")
            self._caught_up_at = time.monotonic()

    def positions(self) -> tuple[int, ...]:
        """The views' tracking positions: equal positions, equal view contents."""
        return tuple(view.position() for view in self.views)

    def cached(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()``, reused while the views have not moved and it is young enough."""
        self.fresh()
        key, now = self.positions(), time.monotonic()
        hit = self._cache.get(name)
        if hit is not None and hit[0] == key and now - hit[1] < METRICS_MAX_AGE_S:
            value: T = hit[2]
            return value
        value = compute()
        self._cache[name] = (key, now, value)
        return value

    def metrics(self) -> dict[str, Window]:
        """The metric windows (all time, last 24 h, last 100), cached per view position."""
        return self.cached(
            "metrics", lambda: self.services.projections.metrics.compute(datetime.now(UTC))
        )

    def video_count(self) -> int:
        """How many videos the status view holds (for pagination), cached per position."""
        return self.cached("video_count", self.videos.count)
