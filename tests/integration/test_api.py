"""The HTTP API over real HTTP (uvicorn on a loopback port), on SQLite and on PostgreSQL.

Each test is a method of :class:`ApiContract`; the two subclasses at the end run it on a
store each (one service per class, shared by its tests, as the order below expects).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from adapters.bootstrap import Services, build
from adapters.settings import Settings
from adapters.web import create_app
from tests.backends import OnPostgres, OnSQLite, settings_on
from tests.serving import record_import, serving

VIEWER = {"Authorization": "Bearer view-token"}
REVIEWER = {"Authorization": "Bearer review-token"}
HOSTILE_HTML = b"<html><script>fetch('/api/videos')</script></html>"
HOSTILE_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


Service = tuple[str, Services, dict[str, Any]]


def error_of(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail"} and body["error"]
    return body


class ApiContract:
    """The API's behaviour; ``backend`` is set by the store's mixin."""

    backend: ClassVar[str]

    @pytest.fixture(scope="class")
    @classmethod
    def service(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
        data = tmp_path_factory.mktemp("api")
        with settings_on(cls.backend, data) as plain:
            settings = plain.model_copy(update={
                "viewer_tokens": "view-token, other-viewer", "reviewer_tokens": "review-token",
                "views_max_staleness": 0})  # fmt: skip
            services = build(settings)
            ids = {
                outcome: str(record_import(services.library, n, outcome).id)
                for n, outcome in enumerate(("anonymized", "raw", "failed", "processing"), start=1)
            }
            for folder, name in (("anonymized", f"{ids['anonymized']}.mp4"),
                                 ("quarantine", f"{ids['raw']}.NOT-ANONYMIZED.mp4")):  # fmt: skip
                (data / folder).mkdir(exist_ok=True)
                (data / folder / name).write_bytes(folder.encode() * 1000)
            # failed uploads keep their original under its own extension: hostile markup here
            (data / "raw").mkdir(exist_ok=True)
            (data / "raw" / f"{ids['failed']}.html").write_bytes(HOSTILE_HTML)
            (data / "raw" / f"{ids['processing']}.svg").write_bytes(HOSTILE_SVG)
            try:
                with serving(create_app(services)) as url:
                    yield url, services, ids
            finally:
                services.library.close()

    @pytest.fixture
    def client(self, service: Service) -> Iterator[httpx.Client]:
        with httpx.Client(base_url=service[0], timeout=10) as http:
            yield http

    @pytest.fixture
    def ids(self, service: Service) -> dict[str, str]:
        return service[2]

    @pytest.mark.parametrize("path", ["/api/videos", "/api/metrics", "/metrics"])
    def test_no_token_no_data(self, client: httpx.Client, path: str) -> None:
        body = error_of(client.get(path), 401)
        assert "Bearer" in body["detail"]
        error_of(client.get(path, headers={"Authorization": "Bearer wrong"}), 401)
        assert client.get(path, headers={"Authorization": "Bearer other-viewer"}).status_code == 200

    def test_videos_are_paginated_newest_first(
        self, client: httpx.Client, ids: dict[str, str]
    ) -> None:
        first = client.get("/api/videos?page=1&per_page=3", headers=VIEWER).json()
        second = client.get("/api/videos?page=2&per_page=3", headers=VIEWER).json()
        assert (first["total"], first["pages"], len(first["videos"]), len(second["videos"])) == (
            4,
            2,
            3,
            1,
        )
        assert [v["video_id"] for v in first["videos"] + second["videos"]] == [
            ids["processing"], ids["failed"], ids["raw"], ids["anonymized"]]  # fmt: skip

    @pytest.mark.parametrize("query", ["page=0", "per_page=0", "per_page=100000", "page=x"])
    def test_bad_parameters_are_422(self, client: httpx.Client, query: str) -> None:
        body = error_of(client.get(f"/api/videos?{query}", headers=VIEWER), 422)
        assert body["detail"][0]["parameter"].startswith("query.")

    def test_one_video_has_its_badge_and_warning(
        self, client: httpx.Client, ids: dict[str, str]
    ) -> None:
        raw = client.get(f"/api/videos/{ids['raw']}", headers=VIEWER).json()
        assert (raw["badge"], raw["badge_colour"]) == ("Raw (Not Anonymized)", "orange")
        assert (
            "imported without anonymization because Ollama could not be reached" in raw["warning"]
        )
        assert raw["fallbacks"][0]["reason"] == "ollama_unavailable"  # the code, for machines
        good = client.get(f"/api/videos/{ids['anonymized']}", headers=VIEWER).json()
        assert (good["badge"], good["warning"]) == ("Anonymized", None)

    def test_unknown_and_malformed_ids(self, client: httpx.Client) -> None:
        unknown = "00000000-0000-0000-0000-000000000000"
        for path in (
            f"/api/videos/{unknown}",
            f"/api/videos/{unknown}/audit",
            f"/api/media/{unknown}",
        ):
            assert error_of(client.get(path, headers=VIEWER), 404)["error"] == "unknown video"
        error_of(client.get("/api/videos/not-an-id", headers=VIEWER), 422)
        error_of(client.get("/api/nothing-here", headers=VIEWER), 404)

    def test_audit_explains_first(self, client: httpx.Client, ids: dict[str, str]) -> None:
        audit = client.get(f"/api/videos/{ids['raw']}/audit", headers=VIEWER).json()
        assert "NOT anonymized" in audit["explanation"][0]
        assert "Ollama could not be reached" in audit["explanation"][0]
        assert audit["events"][0]["event"] == "Registered"
        fell_back = next(e for e in audit["events"] if e["event"] == "FellBack")
        assert (fell_back["reason"], fell_back["sentence"]) == (
            "ollama_unavailable",
            "Ollama could not be reached.",
        )

    def test_metrics_and_report(self, client: httpx.Client) -> None:
        metrics = client.get("/api/metrics", headers=VIEWER).json()
        assert metrics["all_time"]["imports"] == 3  # the video still processing is not counted
        assert metrics["all_time"]["import_failure"]["status"] == "critical"
        today = metrics_day = __import__("datetime").date.today().isoformat()
        for fmt, kind in (("csv", "text/csv"), ("json", "application/json"), ("html", "text/html")):
            report = client.get(
                f"/api/report?from={today}&to={metrics_day}&format={fmt}", headers=VIEWER
            )
            assert report.status_code == 200 and report.headers["content-type"].startswith(kind)
        error_of(client.get(f"/api/report?from={today}&to={today}&format=pdf", headers=VIEWER), 422)
        error_of(client.get("/api/report?from=2026-02-01&to=2026-01-01", headers=VIEWER), 422)
        error_of(client.get("/api/report?from=yesterday&to=2026-01-01", headers=VIEWER), 422)

    def test_media_only_anonymized_unless_reviewer_asks_raw(
        self, client: httpx.Client, ids: dict[str, str]
    ) -> None:
        good = client.get(f"/api/media/{ids['anonymized']}?type=processed", headers=VIEWER)
        assert good.status_code == 200 and good.content == b"anonymized" * 1000
        assert good.headers["content-type"] == "video/mp4"
        part = client.get(
            f"/api/media/{ids['anonymized']}", headers={**VIEWER, "Range": "bytes=0-9"}
        )
        assert (part.status_code, part.content) == (206, b"anonymized")
        body = error_of(client.get(f"/api/media/{ids['raw']}?type=processed", headers=VIEWER), 404)
        assert body["detail"]["badge"] == "Raw (Not Anonymized)"
        error_of(client.get(f"/api/media/{ids['raw']}?type=raw", headers=VIEWER), 403)
        raw = client.get(f"/api/media/{ids['raw']}?type=raw", headers=REVIEWER)
        assert raw.status_code == 200 and raw.content == b"quarantine" * 1000
        assert raw.headers["x-endoveil-anonymized"] == "false"
        error_of(client.get(f"/api/media/{ids['raw']}?type=other", headers=REVIEWER), 422)

    @pytest.mark.parametrize(
        "query",
        [f"page={2**63}", f"page={2**63 - 1}&per_page=2", f"per_page={2**63}", f"page={2**64}",
         "page=-1", f"page={-(2**63)}"],
    )  # fmt: skip
    def test_huge_page_numbers_are_422(self, client: httpx.Client, query: str) -> None:
        body = error_of(client.get(f"/api/videos?{query}", headers=VIEWER), 422)
        assert body["detail"][0]["parameter"].startswith("query.")

    @pytest.mark.parametrize(
        "period",
        ["from=0001-01-01&to=9999-12-31", "from=2026-01-01&to=9999-12-31",
         "from=0001-01-01&to=2026-01-01", "from=1899-12-31&to=1900-01-02"],
    )  # fmt: skip
    def test_report_dates_out_of_range_are_422(self, client: httpx.Client, period: str) -> None:
        body = error_of(client.get(f"/api/report?{period}", headers=VIEWER), 422)
        assert {problem["parameter"] for problem in body["detail"]} <= {"query.from", "query.to"}

    def test_widest_report_period_is_served(self, client: httpx.Client) -> None:
        report = client.get("/api/report?from=1900-01-01&to=9998-12-31", headers=VIEWER)
        assert report.status_code == 200, report.text
        assert report.json()["summary"]["videos"] >= 4

    def test_raw_files_are_video_attachments_never_markup(
        self, client: httpx.Client, ids: dict[str, str]
    ) -> None:
        raw = client.get(f"/api/media/{ids['failed']}?type=raw", headers=REVIEWER)
        assert raw.status_code == 200 and raw.content == HOSTILE_HTML
        assert raw.headers["content-type"] == "application/octet-stream"
        assert raw.headers["content-disposition"].startswith("attachment;")
        assert ".html" not in raw.headers["content-disposition"]
        assert ".svg" not in raw.headers["content-disposition"]
        assert raw.headers["x-content-type-options"] == "nosniff"
        assert raw.headers["cache-control"] == "no-store"

    def test_a_raw_file_in_the_chain_is_refused_not_served_as_markup(
        self, client: httpx.Client, ids: dict[str, str]
    ) -> None:
        # Serving a raw file records who saw it on the video's stream, which belongs to the
        # run while the video is in the chain (#16): 409 until it is done, never the markup.
        raw = client.get(f"/api/media/{ids['processing']}?type=raw", headers=REVIEWER)
        assert raw.status_code == 409
        assert raw.headers["content-type"] == "application/json"
        assert HOSTILE_SVG not in raw.content
        assert raw.headers["x-content-type-options"] == "nosniff"
        assert raw.headers["cache-control"] == "no-store"

    def test_quarantined_copy_is_a_video_attachment(
        self, client: httpx.Client, ids: dict[str, str]
    ) -> None:
        raw = client.get(f"/api/media/{ids['raw']}?type=raw", headers=REVIEWER)
        assert raw.headers["content-type"] == "video/mp4"
        assert raw.headers["content-disposition"].startswith("attachment;")

    def test_every_response_says_nosniff_and_api_ones_no_store(
        self, client: httpx.Client, ids: dict[str, str]
    ) -> None:
        unknown = "00000000-0000-0000-0000-000000000000"
        api = [("/api/videos", VIEWER), ("/api/videos", {}), (f"/api/videos/{unknown}", VIEWER),
               ("/api/videos?page=0", VIEWER), (f"/api/media/{ids['anonymized']}", VIEWER),
               ("/api/metrics", VIEWER), ("/api/report?from=2026-01-01&to=2026-01-02", VIEWER),
               ("/metrics", VIEWER)]  # fmt: skip
        for path, headers in api:
            response = client.get(path, headers=headers)
            assert response.headers.get("x-content-type-options") == "nosniff", path
            assert response.headers.get("cache-control") == "no-store", path
        for path in ("/", "/static/app.js", "/api/openapi.json", "/api/docs", "/nothing"):
            assert client.get(path).headers.get("x-content-type-options") == "nosniff", path

    def test_new_events_are_read_without_restarting(
        self, service: Service, client: httpx.Client
    ) -> None:
        before = client.get("/api/videos", headers=VIEWER).json()["total"]
        record_import(service[1].library, 99, "anonymized")
        assert client.get("/api/videos", headers=VIEWER).json()["total"] == before + 1

    def test_openapi_and_page_are_served(self, client: httpx.Client) -> None:
        spec = client.get("/api/openapi.json").json()
        assert {"/api/videos", "/api/videos/{video_id}/audit", "/api/media/{video_id}"} <= set(
            spec["paths"]
        )
        page = client.get("/")
        assert page.status_code == 200 and "<title>endoveil</title>" in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert client.get("/static/app.js").status_code == 200

    def test_docs_work_offline(self, client: httpx.Client) -> None:
        docs = client.get("/api/docs")
        assert docs.status_code == 200 and "swagger-ui" in docs.text
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", docs.text), "an outside asset"
        for asset in re.findall(r"(?:src|href)=[\"']([^\"']+)", docs.text):
            assert client.get(asset).status_code == 200, asset

    def test_spec_declares_every_error_and_media_type(self, client: httpx.Client) -> None:
        paths = client.get("/api/openapi.json").json()["paths"]
        media = paths["/api/media/{video_id}"]["get"]["responses"]
        assert {"200", "206", "401", "403", "404", "422"} <= set(media)
        assert set(media["200"]["content"]) == {"video/*", "application/octet-stream"}
        error = media["404"]["content"]["application/json"]["schema"]
        assert error["required"] == ["error", "detail"]
        report = paths["/api/report"]["get"]["responses"]["200"]["content"]
        assert set(report) == {"text/csv", "application/json", "text/html"}
        assert set(paths["/metrics"]["get"]["responses"]["200"]["content"]) == {"text/plain"}


class TestApiOnSQLite(OnSQLite, ApiContract):
    pass


class TestApiOnPostgres(OnPostgres, ApiContract):
    pass


def test_no_tokens_configured_means_no_data(tmp_path: Path) -> None:
    with serving(create_app(build(Settings(data_dir=tmp_path)))) as url:
        error_of(httpx.get(f"{url}/api/videos", headers=VIEWER), 401)
