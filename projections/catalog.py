"""All materialised views of one event store, opened together and caught up together."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.sqlite import SQLiteDatastore

from projections.durations import StepDurationView
from projections.fallbacks import FallbackView
from projections.metrics import Metrics
from projections.releases import ReleaseView
from projections.runner import catch_up
from projections.video_status import VideoStatusView
from projections.views import View, is_postgres


@dataclass(frozen=True)
class Projections:
    """The read side: the views, and what is computed from them."""

    videos: VideoStatusView
    fallbacks: FallbackView
    durations: StepDurationView
    releases: ReleaseView

    @classmethod
    def open(cls, app: Application[UUID], prefix: str = "") -> Projections:
        """The views on ``app``'s own database (tables named with ``prefix``)."""
        datastore = getattr(app.recorder, "datastore", None)
        if not (isinstance(datastore, SQLiteDatastore) or is_postgres(datastore)):
            raise TypeError("materialised views need the SQLite or PostgreSQL event store")
        return cls(
            VideoStatusView(datastore, prefix),
            FallbackView(datastore, prefix),
            StepDurationView(datastore, prefix),
            ReleaseView(datastore, prefix),
        )

    @property
    def views(self) -> list[View]:
        """Every view: what ``project`` catches up and ``replay`` rebuilds and compares."""
        return [self.videos, self.fallbacks, self.durations, self.releases]

    @property
    def metrics(self) -> Metrics:
        """Metrics over these views."""
        return Metrics(self.videos, self.fallbacks)

    def catch_up(self, app: Application[UUID]) -> int:
        """Process every event not yet seen; return how many were read."""
        return catch_up(app, self.views)
