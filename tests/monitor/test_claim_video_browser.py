"""In a real chromium: the claim page cues the archived video to the cited moment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM must still work here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser

from tests.browser import chromium, screenshot
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory
from tests.lib.servers import LocalServer
from tests.monitor.conftest import run_capture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium(["--autoplay-policy=no-user-gesture-required"]) as launched:
        yield launched


def test_the_claim_page_cues_the_archived_video_and_shows_its_frames(
    browser: Browser, live_server: Any, video_site: LocalServer, request: Any
) -> None:
    url = video_site.url_for("/video.html")
    item = EvidenceFactory(
        claim=ClaimFactory(statement="Sora was trained on game footage."),
        source=SourceFactory(url=url, normalized_url=url, kind="video", title="A clip"),
        time_start=Decimal("1.5"),
        time_end=Decimal("3"),
    )
    run_capture(item.source)
    page = browser.new_page()
    page.goto(live_server.url + item.claim.get_absolute_url())
    video = page.locator(f"#video-evidence-{item.pk} video")
    page.wait_for_function("v => v.readyState >= 1", arg=video.element_handle(), timeout=15_000)
    assert video.evaluate("v => v.currentTime") == pytest.approx(1.5, abs=0.05)
    assert video.evaluate("v => v.duration") == pytest.approx(4.0, abs=0.2)
    frames = page.locator(f"#video-evidence-{item.pk} .frames img")
    assert frames.count() == 3
    page.wait_for_function(
        "sel => [...document.querySelectorAll(sel)].every(i => i.complete && i.naturalWidth === 320)",
        arg=f"#video-evidence-{item.pk} .frames img",
    )
    screenshot(page, request.node.name, "claim")
    page.close()
