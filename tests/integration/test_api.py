"""The HTTP API over real HTTP (uvicorn on a loopback port) and a real SQLite event store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.bootstrap import Services, build
from adapters.settings import Settings
from adapters.web import create_app
from tests.serving import record_import, serving

VIEWER = {"Authorization": "Bearer view-token"}
REVIEWER = {"Authorization": "Bearer review-token"}


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Services, dict[str, Any]]]:
    data = tmp_path_factory.mktemp("api")
    settings = Settings(data_dir=data, viewer_tokens="view-token, other-viewer",
                        reviewer_tokens="review-token", views_max_staleness=0)  # fmt: skip
    services = build(settings)
    ids = {
        outcome: str(record_import(services.library, n, outcome).id)
        for n, outcome in enumerate(("anonymized", "raw", "failed", "processing"), start=1)
    }
    for folder, name in (("anonymized", f"{ids['anonymized']}.mp4"),
                         ("quarantine", f"{ids['raw']}.NOT-ANONYMIZED.mp4")):  # fmt: skip
        (data / folder).mkdir(exist_ok=True)
        (data / folder / name).write_bytes(folder.encode() * 1000)
    with serving(create_app(services)) as url:
        yield url, services, ids


@pytest.fixture
def client(service: tuple[str, Services, dict[str, Any]]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service[0], timeout=10) as http:
        yield http


@pytest.fixture
def ids(service: tuple[str, Services, dict[str, Any]]) -> dict[str, str]:
    return service[2]


def error_of(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail"} and body["error"]
    return body


@pytest.mark.parametrize("path", ["/api/videos", "/api/metrics", "/metrics"])
def test_no_token_no_data(client: httpx.Client, path: str) -> None:
    body = error_of(client.get(path), 401)
    assert "Bearer" in body["detail"]
    error_of(client.get(path, headers={"Authorization": "Bearer wrong"}), 401)
    assert client.get(path, headers={"Authorization": "Bearer other-viewer"}).status_code == 200


def test_videos_are_paginated_newest_first(client: httpx.Client, ids: dict[str, str]) -> None:
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
def test_bad_parameters_are_422(client: httpx.Client, query: str) -> None:
    body = error_of(client.get(f"/api/videos?{query}", headers=VIEWER), 422)
    assert body["detail"][0]["parameter"].startswith("query.")


def test_one_video_has_its_badge_and_warning(client: httpx.Client, ids: dict[str, str]) -> None:
    raw = client.get(f"/api/videos/{ids['raw']}", headers=VIEWER).json()
    assert (raw["badge"], raw["badge_colour"]) == ("Raw (Not Anonymized)", "orange")
    assert "imported without anonymization because Ollama could not be reached" in raw["warning"]
    assert raw["fallbacks"][0]["reason"] == "ollama_unavailable"  # the code, for machines
    good = client.get(f"/api/videos/{ids['anonymized']}", headers=VIEWER).json()
    assert (good["badge"], good["warning"]) == ("Anonymized", None)


def test_unknown_and_malformed_ids(client: httpx.Client) -> None:
    unknown = "00000000-0000-0000-0000-000000000000"
    for path in (f"/api/videos/{unknown}", f"/api/videos/{unknown}/audit", f"/api/media/{unknown}"):
        assert error_of(client.get(path, headers=VIEWER), 404)["error"] == "unknown video"
    error_of(client.get("/api/videos/not-an-id", headers=VIEWER), 422)
    error_of(client.get("/api/nothing-here", headers=VIEWER), 404)


def test_audit_explains_first(client: httpx.Client, ids: dict[str, str]) -> None:
    audit = client.get(f"/api/videos/{ids['raw']}/audit", headers=VIEWER).json()
    assert "NOT anonymized" in audit["explanation"][0]
    assert "Ollama could not be reached" in audit["explanation"][0]
    assert audit["events"][0]["event"] == "Registered"
    fell_back = next(e for e in audit["events"] if e["event"] == "FellBack")
    assert (fell_back["reason"], fell_back["sentence"]) == (
        "ollama_unavailable",
        "Ollama could not be reached.",
    )


def test_metrics_and_report(client: httpx.Client) -> None:
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
    client: httpx.Client, ids: dict[str, str]
) -> None:
    good = client.get(f"/api/media/{ids['anonymized']}?type=processed", headers=VIEWER)
    assert good.status_code == 200 and good.content == b"anonymized" * 1000
    assert good.headers["content-type"] == "video/mp4"
    part = client.get(f"/api/media/{ids['anonymized']}", headers={**VIEWER, "Range": "bytes=0-9"})
    assert (part.status_code, part.content) == (206, b"anonymized")
    body = error_of(client.get(f"/api/media/{ids['raw']}?type=processed", headers=VIEWER), 404)
    assert body["detail"]["badge"] == "Raw (Not Anonymized)"
    error_of(client.get(f"/api/media/{ids['raw']}?type=raw", headers=VIEWER), 403)
    raw = client.get(f"/api/media/{ids['raw']}?type=raw", headers=REVIEWER)
    assert raw.status_code == 200 and raw.content == b"quarantine" * 1000
    assert raw.headers["x-endoveil-anonymized"] == "false"
    error_of(client.get(f"/api/media/{ids['raw']}?type=other", headers=REVIEWER), 422)


def test_new_events_are_read_without_restarting(
    service: tuple[str, Services, dict[str, Any]], client: httpx.Client
) -> None:
    before = client.get("/api/videos", headers=VIEWER).json()["total"]
    record_import(service[1].library, 99, "anonymized")
    assert client.get("/api/videos", headers=VIEWER).json()["total"] == before + 1


def test_openapi_and_page_are_served(client: httpx.Client) -> None:
    spec = client.get("/api/openapi.json").json()
    assert {"/api/videos", "/api/videos/{video_id}/audit", "/api/media/{video_id}"} <= set(
        spec["paths"]
    )
    page = client.get("/")
    assert page.status_code == 200 and "<title>endoveil</title>" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/app.js").status_code == 200


def test_no_tokens_configured_means_no_data(tmp_path: Path) -> None:
    with serving(create_app(build(Settings(data_dir=tmp_path)))) as url:
        error_of(httpx.get(f"{url}/api/videos", headers=VIEWER), 401)
