"""The reviewer's page in headless Chromium: queue, side by side, decision, German, Range."""

from __future__ import annotations

import time
from pathlib import Path
from uuid import UUID

import pytest
from playwright.sync_api import Browser, Locator, Request, expect

from adapters.bootstrap import build
from adapters.demo.synthetic import circle_layout, make_video
from adapters.settings import Settings
from adapters.web import create_app
from tests.e2e.cli import endoveil
from tests.e2e.test_browser import browser  # noqa: F401  (the module's Chromium fixture)
from tests.serving import serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FAKE_NAME = "Mustermann"


def _until_playable(videos: Locator, seconds: float = 20.0) -> None:
    """Poll from Python: the page's CSP forbids the eval that ``wait_for_function`` polls with."""
    deadline = time.monotonic() + seconds
    while not videos.evaluate_all("all => all.every((v) => v.readyState >= 1)"):
        assert time.monotonic() < deadline, "the videos never became playable"
        time.sleep(0.1)


def test_a_reviewer_approves_side_by_side_in_german(
    browser: Browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    layout = circle_layout(640, 360, name="small")
    moving = make_video(tmp_path / f"{FAKE_NAME} moving.mp4", layout, seconds=1.0, seed=7).path
    frozen = make_video(
        tmp_path / f"{FAKE_NAME} frozen.mp4", "full_frame", seconds=1.0, static=True
    ).path
    data = tmp_path / "data"
    run = endoveil(data, "import", str(moving), str(frozen), "--json",
                   env={"ENDOVEIL_RELEASE_POLICY": "review"})  # fmt: skip
    assert run.code == 0, run.err
    good, raw = (line["video_id"] for line in run.json_lines())
    settings = Settings(data_dir=data, reviewer_tokens="dr-alice:s3cret", views_max_staleness=0)
    services = build(settings)
    ranges: list[str] = []

    def remember(request: Request) -> None:
        if "/media/" in request.url and "/api/" not in request.url:
            ranges.append(request.headers.get("range", ""))

    with serving(create_app(services)) as url:
        page = browser.new_page(locale="de-DE", viewport={"width": 1280, "height": 1000})
        page.on("request", remember)
        page.goto(f"{url}/#token=s3cret")
        expect(page.locator("#review h2")).to_have_text("Freigabe")
        metrics = page.locator("#metrics-table")
        expect(metrics).to_contain_text("Anonymisierungserfolg")  # German, with n/N
        expect(metrics).to_contain_text("50.0 % · 1/2")
        expect(metrics).to_contain_text("> 95 % / 80–95 % / < 80 %")  # the thresholds
        expect(page.locator("#fallback-reasons")).to_contain_text("fallback_basic: roi_uncertain")
        queue = page.locator("#review-list article")
        expect(queue.first).to_have_attribute("data-review-id", raw)  # raw copies first
        expect(queue.nth(1).locator(".release")).to_have_text("Wartet auf Prüfung")
        queue.nth(1).locator("h3").click()
        videos = page.locator("#side-by-side video")
        expect(videos).to_have_count(2)  # anonymized and raw, side by side
        _until_playable(videos)
        page.select_option("#decision-choice", "approve")
        page.fill("#decision-reason", "Alle Bilder geprüft")
        page.click("#decision button[type=submit]")
        released = page.locator(f'#review-list article[data-review-id="{good}"] .release')
        expect(released).to_have_text("Freigegeben")
        expect(page.locator(f'#review-list article[data-review-id="{good}"]')).to_contain_text(
            "dr-alice"
        )
        assert FAKE_NAME not in page.content()
        page.close()
    assert ranges and all(r.startswith("bytes=") for r in ranges)  # streamed, not downloaded
    history = list(services.library.history(UUID(good)))
    decided = [e for e in history if type(e).__name__ == "Reviewed"]
    assert (decided[-1].decision, decided[-1].reviewer) == ("approve", "dr-alice")
    seen = {(e.kind, e.viewer) for e in history if type(e).__name__ == "MediaServed"}
    assert seen == {("raw", "dr-alice")}  # the original beside the output, named
    services.library.close()
