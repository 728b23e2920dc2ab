"""In a real chromium: the two players jump together, the wording matches the tier, in two languages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM must still work here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from app.compare import ladder, services
from app.compare.models import Comparison, RunStatus
from tests.browser import chromium, screenshot
from tests.compare.conftest import EXCERPT_OUTPUT_START, EXCERPT_SOURCE_START, Clips
from tests.compare.helpers import make_comparison

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def assert_accessible(page: Page) -> None:
    violations = Axe().run(page).response["violations"]
    found = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in violations
    ]
    assert not found, "\n".join(found)


def reviewed_excerpt_comparison(clips: Clips, alice: Any, bob: Any) -> Comparison:
    comparison = make_comparison(
        clips, alice, output=clips.excerpt_output, public=True, ranges=[[6.0, 15.0]]
    )
    services.comparison_run(comparison.pk)  # in this process: the worker has its own test
    comparison.refresh_from_db()
    assert comparison.status == RunStatus.SUCCEEDED, comparison.error_text
    services.review_add(comparison=comparison, reviewer=alice)
    services.review_add(comparison=comparison, reviewer=bob)
    return comparison


def current_times(page: Page) -> tuple[float, float]:
    return page.evaluate(
        "[document.getElementById('cmp-output').currentTime,"
        " document.getElementById('cmp-source').currentTime]"
    )


@pytest.mark.timeout(900)  # the analysis runs in the test; minutes on a loaded machine
def test_the_players_jump_together_and_the_wording_matches_the_tier_in_english_and_french(
    browser: Browser, live_server: Any, clips: Clips, alice: Any, bob: Any, request: Any
) -> None:
    comparison = reviewed_excerpt_comparison(clips, alice, bob)
    assert comparison.rung == ladder.Rung.NEAR_DUPLICATE
    segment = comparison.result["finding"]
    page = browser.new_page()
    page.goto(f"{live_server.url}/comparisons/{comparison.pk}/")

    expect(page.locator(".finding-sentence")).to_contain_text("are near-duplicates of 00:08")
    expect(page.locator(".does-not-show h2")).to_have_text("What this does not show")
    expect(page.locator(".attempts")).to_contain_text("3 of 10 attempts")
    page.wait_for_function(
        "document.getElementById('cmp-output').readyState >= 1"
        " && document.getElementById('cmp-source').readyState >= 1"
    )
    # The excerpt shows the hotbar too: one segment mark and one element mark on each timeline.
    expect(page.locator('.timeline[data-timeline="output"] span')).to_have_count(2)
    expect(page.locator('.timeline[data-timeline="source"] span')).to_have_count(2)
    page.locator("button.mark-segment").click()
    page.wait_for_function(
        f"Math.abs(document.getElementById('cmp-source').currentTime - {segment['source_start']})"
        " < 0.05"
    )
    out_t, src_t = current_times(page)
    assert out_t == pytest.approx(EXCERPT_OUTPUT_START, abs=0.25)
    assert src_t == pytest.approx(EXCERPT_SOURCE_START, abs=0.25)
    page.locator("button.mark-element").click()  # the hotbar: output time ↔ the element's frame
    page.wait_for_function("Math.abs(document.getElementById('cmp-source').currentTime - 5) < 0.05")

    toggle = page.locator("#blink-toggle")
    before = page.locator("#blink-image").get_attribute("src")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.locator("#blink-image").get_attribute("src") != before
    expect(page.locator("img.difference")).to_be_visible()
    screenshot(page, request.node.name, "en")
    assert_accessible(page)

    page.goto(f"{live_server.url}/fr/comparisons/{comparison.pk}/")
    expect(page.locator(".does-not-show h2")).to_have_text("Ce que cela ne montre pas")
    expect(page.locator(".finding-sentence")).to_contain_text("quasi identiques")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    screenshot(page, request.node.name, "fr")
    assert_accessible(page)
    page.close()
