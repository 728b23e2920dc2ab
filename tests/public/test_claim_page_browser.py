"""The claim page in a real chromium (issue 15): three widths with screenshots in
var/screenshots/ and axe-core, only same-origin requests, lazy images, and the
citation with and without JavaScript."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, expect

from tests.browser import VAR_SCREENSHOTS, check_page, chromium, no_js_page
from tests.public.claim_world import make_claim_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATH = "/claims/vidgen-blockcraft-footage/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_the_claim_page_reads_well_at_three_widths_and_passes_axe(
    browser: Browser, live_server: Any
) -> None:
    make_claim_world(extra=3)
    page = browser.new_page()
    check_page(page, live_server.url + PATH, "claim-page")
    # The finding is on the first screen of a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + PATH)
    verdict = page.locator(".verdict-block")
    expect(verdict).to_contain_text("Supported")
    box = verdict.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844
    # Once scrolled through, with the lazy thumbnails loaded (the screenshots above are
    # taken at load, before any of them is near the screen).
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + PATH)
        for _ in range(12):
            page.mouse.wheel(0, 600)
            page.wait_for_timeout(50)
        page.wait_for_load_state("networkidle")
        page.screenshot(
            path=str(VAR_SCREENSHOTS / f"claim-page-scrolled-{width}.png"), full_page=True
        )
    page.close()


def test_the_demo_claim_page_at_three_widths(browser: Browser, live_server: Any) -> None:
    call_command("seed_demo")
    page = browser.new_page()
    check_page(page, live_server.url + "/claims/sora-trained-on-video-game-footage/", "claim-demo")
    page.close()


def test_fifty_items_load_nothing_from_elsewhere_and_images_wait_for_scrolling(
    browser: Browser, live_server: Any
) -> None:
    make_claim_world(extra=46)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(live_server.url + PATH, wait_until="networkidle")
    assert page.locator("article.evidence").count() == 50
    origin = urlsplit(live_server.url).netloc
    elsewhere = [url for url in requests if urlsplit(url).netloc != origin]
    assert elsewhere == [], elsewhere
    images = page.locator("article.evidence img")
    assert images.count() >= 50
    assert page.locator('article.evidence img:not([loading="lazy"])').count() == 0
    loaded = [url for url in requests if "/archive/artifacts/" in url]
    assert 0 < len(loaded) < images.count()  # only those near the first screen
    page.mouse.wheel(0, 100_000)
    page.wait_for_load_state("networkidle")
    context.close()


def test_the_citation_reads_without_javascript_and_copies_with_it(
    browser: Browser, live_server: Any
) -> None:
    make_claim_world()
    with no_js_page(browser) as page:
        page.goto(live_server.url + PATH)
        expect(page.locator("#citation")).to_contain_text("TrainedOn. “Vidgen was trained")
        page.get_by_text("BibTeX", exact=True).click()  # a <details>, no script needed
        expect(page.locator("#citation-bibtex")).to_be_visible()
        assert page.locator("button.copy-citation").count() == 0
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(live_server.url + PATH)
    page.get_by_role("button", name="Copy (APA)").click()
    expect(page.get_by_role("button", name="Copy (APA)")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("TrainedOn. (") and "[Claim review: Supported]" in copied
    context.close()
