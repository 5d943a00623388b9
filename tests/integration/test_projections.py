"""Materialised views on SQLite and PostgreSQL: catch-up, metrics, report, audit, replay."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.application import VideoLibrary
from projections.audit import explain
from projections.catalog import Projections
from projections.replay import rebuild_and_compare
from projections.report import build_report, render, summary_csv
from projections.runner import catch_up
from projections.views import View
from tests.backends import OnBackend, OnPostgres, OnSQLite, library_on
from tests.scenarios import OUTCOMES, play

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class ProjectionsContract(OnBackend):
    """The views' guarantees, on any event store."""

    def plan(self, view: View, query: str, params: list[str]) -> str:
        """How the backend would run ``query`` (``?`` placeholders), as it prints the plan."""
        raise NotImplementedError

    def test_the_status_view_follows_every_outcome(self, library: VideoLibrary) -> None:
        ids = {outcome: play(library, n, outcome) for n, outcome in enumerate(OUTCOMES)}
        views = Projections.open(library)
        assert views.catch_up(library) == len(list(library.recorder.select_notifications(0, 10**6)))
        got = {o: views.videos.get(str(vid)) for o, vid in ids.items()}
        badges = {o: (s.badge.text if s else None) for o, s in got.items()}
        assert badges == {
            "cleaned": "Anonymized",
            "masked": "Anonymized",
            "raw": "Raw (Not Anonymized)",
            "failed": "Import failed",
            "processing": "Processing",
            "reprocess_ok": "Anonymized",
            "reprocess_kept": "Raw (Not Anonymized)",
        }
        assert got["masked"] and got["masked"].verification == "passed"
        assert got["reprocess_ok"] and (
            got["reprocess_ok"].level,
            got["reprocess_ok"].reprocessed,
        ) == (
            "frame_cleaning",
            1,
        )
        kept = got["reprocess_kept"]
        assert kept and kept.level == "raw_copied" and kept.badge.warning
        assert (
            "because Ollama did not answer in time and "
            "the endoscope image could not be located with certainty"
        ) in kept.badge.warning
        assert [a.reason for a in kept.fallbacks] == ["ollama_timeout", "roi_uncertain"]
        assert views.catch_up(library) == 0  # nothing new: nothing read

    def test_an_old_position_cannot_be_applied_twice(self, library: VideoLibrary) -> None:
        play(library, 1, "masked")
        views = Projections.open(library)
        views.catch_up(library)
        before = views.videos.rows()
        notifications = library.recorder.select_notifications(0, 1)
        page = [(n.id, library.mapper.to_domain_event(n)) for n in notifications]
        position = views.videos.position()
        views.videos.process(page)  # already applied: skipped under the tracking row's lock
        assert views.videos.rows() == before
        assert views.videos.position() == position

    def test_metrics_windows_and_breakdown(self, library: VideoLibrary) -> None:
        old = NOW - timedelta(days=3)
        for n in range(150):
            play(library, n, "masked" if n % 10 else "raw", received_at=old + timedelta(seconds=n))
        play(library, 1000, "failed", received_at=NOW - timedelta(hours=1))
        play(library, 1001, "cleaned", received_at=NOW - timedelta(hours=2))
        play(library, 1002, "processing", received_at=NOW - timedelta(hours=3))
        views = Projections.open(library)
        views.catch_up(library)
        windows = views.metrics.compute(NOW)
        day = windows["last_24h"]
        assert day.imports == 2  # a video still processing is not counted
        assert (
            day.import_failure.count,
            day.import_failure.percent,
            day.import_failure.status,
        ) == (
            1,
            50.0,
            "critical",
        )
        everything = windows["all_time"]
        assert everything.imports == 152
        assert everything.anonymization_success.count == 135 + 1
        assert everything.fallback_usage.count == 150
        assert {(r["level"], r["reason"]): r["count"] for r in everything.fallbacks} == {
            ("frame_cleaning", "ollama_unavailable"): 135,
            ("frame_cleaning", "ollama_timeout"): 15,
            ("fallback_basic", "roi_uncertain"): 15,
        }
        assert windows["last_100"].imports == 100
        assert windows["last_100"].import_failure.count == 1

    def test_the_compliance_report_covers_the_period_only(self, library: VideoLibrary) -> None:
        start = datetime(2026, 10, 1, tzinfo=UTC)
        for n, outcome in enumerate(["masked", "raw", "failed", "reprocess_ok"]):
            play(library, n, outcome, received_at=start + timedelta(days=n))
        play(library, 99, "masked", received_at=start - timedelta(seconds=1))
        play(library, 98, "masked", received_at=start + timedelta(days=31))
        views = Projections.open(library)
        views.catch_up(library)
        end = start + timedelta(days=31)
        report = build_report(views.videos, views.metrics.between(start, end), start, end, NOW)
        assert [r["state"] for r in report.rows] == ["archived", "archived", "failed", "archived"]
        assert report.summary == {
            "videos": 4,
            "anonymized": 2,
            "raw_not_anonymized": 1,
            "failed": 1,
            "processing": 0,
            "reprocessed": 1,
            "exports": 0,
            "exports_of_unreleased_videos": 0,
        }
        as_csv = list(csv.reader(io.StringIO(render(report, "csv"))))
        assert as_csv[0][0] == "video_id" and len(as_csv) == 5  # one table: header and 4 videos
        assert {len(row) for row in as_csv} == {len(as_csv[0])}
        summary = list(csv.reader(io.StringIO(summary_csv(report))))
        assert ["videos", "4", ""] in summary and summary[0] == ["summary", "value", "status"]
        assert (
            json.loads(render(report, "json"))["metrics"]["import_failure"]["status"] == "critical"
        )
        page = render(report, "html")
        assert page.startswith("<!doctype html>") and page.count("<tr><td>") == 4

    def test_the_report_query_uses_the_index(self, library: VideoLibrary) -> None:
        videos = Projections.open(library).videos
        table = videos.table("video_status")
        query = f"SELECT * FROM {table} WHERE imported_at >= ? AND imported_at < ?"
        plan = self.plan(videos, query, ["a", "b"])
        assert "video_status_imported_at" in plan, plan

    def test_the_audit_says_why_first(self, library: VideoLibrary) -> None:
        raw = play(library, 1, "raw")
        kept = play(library, 2, "reprocess_kept")
        story = explain(str(raw), list(library.history(raw)))
        assert story[0] == (
            f"Video {raw} is NOT anonymized: it is kept as a quarantined raw copy because "
            "frame_cleaning failed (Ollama did not answer in time) and fallback_basic failed "
            "(the endoscope image could not be located with certainty). "
            "Please review before sharing."
        )
        said = "Ollama did not answer in time."
        assert any(said in line and "engine=fake" in line for line in story)
        reprocessed = explain(str(kept), list(library.history(kept)))
        assert any("Run 2 (reprocessing)" in line for line in reprocessed)
        assert "output kept from the earlier run" in reprocessed[-1]

    # Run by both subclasses (two executors): the same property on each store, so an example
    # that broke one store is worth replaying on the other.
    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
    )
    @given(
        st.lists(st.sampled_from(OUTCOMES), min_size=1, max_size=12),
        st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=12),
    )
    def test_incremental_projection_equals_a_replay_from_zero(
        self, outcomes: list[str], pauses: list[int]
    ) -> None:
        # One library per example: a function-scoped fixture would be shared by every example.
        with (
            tempfile.TemporaryDirectory() as folder,
            library_on(self.backend, Path(folder)) as library,
        ):
            live = Projections.open(library)
            for n, outcome in enumerate(outcomes):
                play(library, n, outcome, received_at=NOW + timedelta(minutes=n))
                if pauses[n % len(pauses)] % 2:  # catch up at irregular points, in small pages
                    catch_up(library, live.views, page_size=pauses[n % len(pauses)])
            comparisons = rebuild_and_compare(library, live)
            assert comparisons and all(c.equal for c in comparisons), comparisons

    def test_overlapping_pages_from_two_processes_apply_once(self, library: VideoLibrary) -> None:
        """Two catch-ups racing with pages that overlap (seen with three workers on PostgreSQL)."""
        for n, outcome in enumerate(OUTCOMES):
            play(library, n, outcome)
        first, second = Projections.open(library), Projections.open(library)
        notifications = library.recorder.select_notifications(0, 1000)
        page = [(n.id, library.mapper.to_domain_event(n)) for n in notifications]
        first.videos.process(page[:10])
        second.videos.process(page[5:])  # 6..10 were applied by the other one meanwhile
        first.videos.process(page)
        comparisons = rebuild_and_compare(library, first)
        assert all(c.equal for c in comparisons), comparisons


class TestProjectionsOnSQLite(OnSQLite, ProjectionsContract):
    def plan(self, view: View, query: str, params: list[str]) -> str:
        rows = view.query(f"EXPLAIN QUERY PLAN {query}", params)
        return "\n".join(row["detail"] for row in rows)


class TestProjectionsOnPostgres(OnPostgres, ProjectionsContract):
    def plan(self, view: View, query: str, params: list[str]) -> str:
        with view.datastore.transaction(commit=False) as cursor:
            # A handful of rows is cheaper to scan than to look up: ask whether the index
            # serves the query at all, as it must once the table is large.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {view.sql(query)}", params)
            return "\n".join(row["QUERY PLAN"] for row in cursor.fetchall())
