"""The projection catalog holds every view: ``project`` catches all up, ``replay`` checks all."""

from __future__ import annotations

from domain.application import VideoLibrary
from projections.catalog import Projections
from projections.replay import rebuild_and_compare
from tests.backends import OnBackend, OnPostgres, OnSQLite, Wire
from tests.scenarios import OUTCOMES, play


class CatalogContract(OnBackend):
    """What the catalog covers, on any event store."""

    def test_project_catches_up_the_step_durations_with_the_other_views(self, wire: Wire) -> None:
        services = wire()
        for n, outcome in enumerate(OUTCOMES):
            play(services.library, n, outcome)
        services.catch_up()  # what ``endoveil project`` runs
        last = services.library.recorder.max_notification_id()
        durations = services.projections.durations
        views = services.projections.views
        assert [view.position() for view in views] == [last] * len(views)
        assert sum(v[-2] for v in durations.histogram((1.0,)).values()) > 0

    def test_replay_rebuilds_and_compares_the_step_durations(self, library: VideoLibrary) -> None:
        for n, outcome in enumerate(OUTCOMES):
            play(library, n, outcome)
        live = Projections.open(library)
        compared = {c.table: c for c in rebuild_and_compare(library, live)}
        assert compared.keys() == {"video_status", "fallbacks", "step_durations", "releases",
                                   "exports"}  # fmt: skip
        assert compared["step_durations"].equal and compared["step_durations"].live_rows > 0
        table = live.durations.table("step_durations")
        with live.durations.datastore.transaction(commit=True) as cursor:
            cursor.execute(f"UPDATE {table} SET seconds = seconds + 1")  # a row the events deny
        compared = {c.table: c for c in rebuild_and_compare(library, live)}
        assert not compared["step_durations"].equal
        assert compared["video_status"].equal and compared["fallbacks"].equal


class TestCatalogOnSQLite(OnSQLite, CatalogContract):
    pass


class TestCatalogOnPostgres(OnPostgres, CatalogContract):
    pass
