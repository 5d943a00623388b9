"""The web page end to end in headless Debian Chromium (Playwright with ``executable_path``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from adapters.bootstrap import build
from adapters.demo.synthetic import circle_layout, make_video
from adapters.settings import Settings
from adapters.web import create_app
from tests.e2e.cli import endoveil
from tests.serving import serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
FAKE_NAME = "Mustermann"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # No skip: .ci/run installs Debian's chromium, and a missing browser must fail the run.
    assert CHROMIUM.exists(), "Debian's chromium is missing: .ci/run installs it"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


def test_page_shows_badges_warning_player_metrics_and_audit(
    browser: Browser, tmp_path: Path
) -> None:
    layout = circle_layout(640, 360, name="small")
    moving = make_video(tmp_path / f"{FAKE_NAME} moving.mp4", layout, seconds=1.0, seed=7).path
    frozen = make_video(
        tmp_path / f"{FAKE_NAME} frozen.mp4", "full_frame", seconds=1.0, static=True
    ).path
    data = tmp_path / "data"
    run = endoveil(data, "import", str(moving), str(frozen), "--json")  # Ollama is down
    assert run.code == 0, run.err
    good, raw = (line["video_id"] for line in run.json_lines())
    settings = Settings(data_dir=data, viewer_tokens="view-token", views_max_staleness=0)
    with serving(create_app(build(settings))) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/#token=view-token")
        assert "token" not in page.url  # moved to sessionStorage, off the address bar
        raw_card = page.locator(f'article[data-id="{raw}"]')
        good_card = page.locator(f'article[data-id="{good}"]')
        expect(raw_card.locator(".badge")).to_have_text("Raw (Not Anonymized)")
        expect(raw_card.locator(".warning")).to_contain_text(
            "This video was imported without anonymization because Ollama could not be reached"
        )
        expect(good_card.locator(".badge")).to_have_text("Anonymized")
        expect(good_card.locator("video")).to_have_attribute("src", re.compile(r"^/media/"))
        expect(page.locator("#metrics td.critical").first).to_be_visible()  # 50 % success
        page.wait_for_function(  # the anonymized video really loads and has a duration
            f"document.querySelector('article[data-id=\"{good}\"] video').readyState >= 1"
        )
        raw_card.locator("h3").click()
        expect(page.locator("#audit-story li").first).to_contain_text("NOT anonymized")
        shot = tmp_path / "page.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        assert FAKE_NAME not in page.content()
        page.close()


def test_api_docs_render_offline(browser: Browser, tmp_path: Path) -> None:
    with serving(create_app(build(Settings(data_dir=tmp_path, viewer_tokens="t")))) as url:
        page = browser.new_page()
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(url) else outside.append(r.url))
        page.goto(f"{url}/api/docs")
        expect(page.locator(".opblock-summary-path").first).to_be_visible()
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert {"/api/videos", "/api/report", "/metrics"} <= {p.strip() for p in paths}
        assert not outside, outside  # every asset came from the service itself
        page.close()
