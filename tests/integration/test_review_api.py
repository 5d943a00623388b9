"""The reviewer's API over real HTTP on both stores: named tokens, decisions, who saw what."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.bootstrap import Services
from adapters.canary.record import CanaryResult, record
from adapters.web import create_app
from adapters.web.auth import Role, TokenAuth
from adapters.web.media_links import MediaSigner
from adapters.web.release_metrics import release_families
from domain.review import Release
from tests.backends import OnBackend, OnPostgres, OnSQLite, Wire
from tests.serving import record_import, serving

ALICE = {"Authorization": "Bearer s3cret-a"}
OLD_FORM = {"Authorization": "Bearer plain-reviewer"}
VIEWER = {"Authorization": "Bearer view-token"}


def test_named_and_bare_tokens_both_work() -> None:
    auth = TokenAuth(("view-token",), ("alice:s3cret-a", "plain-reviewer"))
    alice, bare, viewer = (auth.caller_of(t) for t in ("s3cret-a", "plain-reviewer", "view-token"))
    assert alice is not None and (alice.name, alice.role) == ("alice", Role.REVIEWER)
    assert bare is not None and (bare.name, bare.role) == ("reviewer-2", Role.REVIEWER)
    assert viewer is not None and viewer.role is Role.VIEWER
    assert auth.caller_of("alice") is None and auth.caller_of("alice:s3cret-a") is None


class ReviewApiContract(OnBackend):
    @pytest.fixture
    def served(self, wire: Wire) -> Iterator[tuple[httpx.Client, Services, dict[str, UUID]]]:
        reviewers = "alice:s3cret-a, plain-reviewer"
        services = wire(
            viewer_tokens="view-token", reviewer_tokens=reviewers, views_max_staleness=0
        )
        data = services.settings.data_dir
        ids = {o: record_import(services.library, n, o).id
               for n, o in enumerate(("anonymized", "raw"), start=1)}  # fmt: skip
        for folder, name in (("anonymized", f"{ids['anonymized']}.mp4"),
                             ("quarantine", f"{ids['raw']}.NOT-ANONYMIZED.mp4")):  # fmt: skip
            (data / folder).mkdir(exist_ok=True)
            (data / folder / name).write_bytes(folder.encode() * 1000)
        with serving(create_app(services)) as url, httpx.Client(base_url=url, timeout=10) as http:
            yield http, services, ids

    def test_decisions_need_a_reviewer_and_change_the_release(
        self, served: tuple[httpx.Client, Services, dict[str, UUID]]
    ) -> None:
        http, _, ids = served
        vid = ids["anonymized"]
        body = {"decision": "approve", "reason": "every frame checked"}
        assert http.post(f"/api/videos/{vid}/review", json=body, headers=VIEWER).status_code == 403
        queue = http.get("/api/review/queue", headers=VIEWER).json()["videos"]
        assert [v["video_id"] for v in queue] == [str(ids["raw"]), str(vid)]
        done = http.post(f"/api/videos/{vid}/review", json=body, headers=ALICE)
        assert done.status_code == 200, done.text
        assert done.json()["release"] == Release.RELEASED
        release = http.get(f"/api/videos/{vid}/release", headers=VIEWER).json()
        assert (release["release"], release["decided_by"]) == ("released", "alice")
        raw = http.post(f"/api/videos/{ids['raw']}/review", json=body, headers=ALICE)
        assert raw.status_code == 409  # a raw copy is never released
        empty = http.post(f"/api/videos/{vid}/review", json={"decision": "reject", "reason": ""},
                          headers=ALICE)  # fmt: skip
        assert empty.status_code == 422

    def test_each_viewing_of_a_raw_file_names_its_holder(
        self, served: tuple[httpx.Client, Services, dict[str, UUID]]
    ) -> None:
        http, services, ids = served
        url = f"/api/media/{ids['raw']}?type=raw"
        assert http.get(url, headers=ALICE).status_code == 200
        chunk = http.get(url, headers={**OLD_FORM, "Range": "bytes=500-"})
        assert chunk.status_code == 206  # a seek in the same viewing: not a new record
        assert http.get(url, headers={**OLD_FORM, "Range": "bytes=0-99"}).status_code == 206
        served_to = [
            (e.kind, e.viewer)
            for e in services.library.history(ids["raw"])
            if type(e).__name__ == "MediaServed"
        ]
        assert served_to == [("quarantined", "alice"), ("quarantined", "reviewer-2")]
        audit: dict[str, Any] = http.get(f"/api/videos/{ids['raw']}/audit", headers=VIEWER).json()
        assert any("sent to alice" in line for line in audit["explanation"])

    def test_raw_copy_metrics_count_and_clear_only_on_a_decision(
        self, served: tuple[httpx.Client, Services, dict[str, UUID]]
    ) -> None:
        http, services, ids = served

        def samples() -> dict[str, float]:
            # The families /metrics serves (over HTTP in test_raw_copy_metrics_over_http: the
            # whole /metrics on PostgreSQL waits for #17's fix of the duration histogram)
            services.catch_up()
            families = release_families(services.projections.releases, services.settings,
                                        datetime.now(UTC))  # fmt: skip
            return {s.name: s.value for family in families for s in family.samples}

        before = samples()
        assert before["endoveil_raw_copies_total"] == 1
        assert before["endoveil_unreviewed_raw_copies"] == 1
        assert before["endoveil_unreviewed_raw_copy_oldest_age_seconds"] > 0
        body = {"decision": "retain", "reason": "kept for the tumour board"}
        assert http.post(f"/api/videos/{ids['raw']}/review", json=body, headers=ALICE).is_success
        after = samples()
        assert after["endoveil_raw_copies_total"] == 1  # a counter: decisions never lower it
        assert after["endoveil_unreviewed_raw_copies"] == 0

    def test_a_signed_link_streams_with_range_and_names_its_holder(
        self, served: tuple[httpx.Client, Services, dict[str, UUID]]
    ) -> None:
        http, services, ids = served
        assert (
            http.post(f"/api/media/{ids['raw']}/link?type=raw", headers=VIEWER).status_code == 403
        )
        link = http.post(f"/api/media/{ids['raw']}/link?type=raw", headers=ALICE).json()["url"]
        first = http.get(link, headers={"Range": "bytes=0-99"})  # no bearer token needed
        assert (first.status_code, len(first.content)) == (206, 100)
        assert http.get(link, headers={"Range": "bytes=100-199"}).status_code == 206
        assert http.get(link.replace("who=alice", "who=bob")).status_code == 403
        served_to = [e.viewer for e in services.library.history(ids["raw"])
                     if type(e).__name__ == "MediaServed"]  # fmt: skip
        assert served_to == ["alice"]  # one viewing, however many chunks


class TestReviewApiOnSQLite(OnSQLite, ReviewApiContract):
    def test_raw_copy_metrics_over_http(
        self, served: tuple[httpx.Client, Services, dict[str, UUID]]
    ) -> None:
        text = served[0].get("/metrics", headers=VIEWER).text
        samples = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
        assert samples["endoveil_raw_copies_total"] == 1
        assert samples["endoveil_unreviewed_raw_copies"] == 1
        assert samples["endoveil_retention_overdue_videos"] == 0
        assert "endoveil_canary_passed" not in samples  # no canary ran: nothing to report

    def test_the_last_canary_is_in_the_metrics(
        self, served: tuple[httpx.Client, Services, dict[str, UUID]]
    ) -> None:
        http, services, _ = served
        at = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
        record(services.settings.data_dir, CanaryResult(at.isoformat(), False, True,
               "fallback_basic", "masked", ["12.03.1955"], "tesseract 5.3.0", 9.5))  # fmt: skip
        text = http.get("/metrics", headers=VIEWER).text
        samples = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
        assert samples["endoveil_canary_passed"] == 0 and samples["endoveil_canary_leaks"] == 1
        assert samples["endoveil_canary_last_run_timestamp_seconds"] == at.timestamp()


class TestReviewApiOnPostgres(OnPostgres, ReviewApiContract):
    pass


def test_media_links_expire_and_cannot_be_altered() -> None:
    now = [1_000.0]
    signer = MediaSigner(b"key", lifetime_s=60, clock=lambda: now[0])
    link = signer.link("abc", "raw", "alice")
    query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))
    expires, sig = int(query["exp"]), query["sig"]
    assert signer.valid("abc", "raw", "alice", expires, sig)
    assert not signer.valid("abc", "raw", "mallory", expires, sig)  # the name is signed
    assert not signer.valid("abc", "processed", "alice", expires, sig)
    assert not MediaSigner(b"other key").valid("abc", "raw", "alice", expires, sig)
    now[0] += 61
    assert not signer.valid("abc", "raw", "alice", expires, sig)
