"""A stance's whole list in a real chromium (issue 17): from the claim page's "Show all"
link to every item, a page at a time, at three widths with axe-core, in English and French,
and without JavaScript."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, expect

from app.catalog.choices import Stance
from app.public.queries import CLAIM_PAGE_ITEMS, STANCE_PAGE_ITEMS
from tests.browser import check_page, chromium, no_js_page
from tests.public.claim_world import archived_item, make_claim_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLAIM = "/claims/vidgen-blockcraft-footage/"
LIST = CLAIM + "evidence/supports/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def long_claim() -> int:
    """The claim of the claim page's browser tests with more supporting items than a page
    of the list holds; returns how many support it."""
    world = make_claim_world(extra=3)
    for n in range(STANCE_PAGE_ITEMS):
        archived_item(world.claim, Stance.SUPPORTS, 100 + n)
    return STANCE_PAGE_ITEMS + 3  # the screenshot item, the video and one extra


def test_a_stance_list_page_reads_well_at_three_widths_and_passes_axe(
    browser: Browser, live_server: Any, long_claim: int
) -> None:
    page = browser.new_page()
    check_page(page, live_server.url + LIST + "?page=2", "claim-stance-list")
    check_page(page, live_server.url + "/fr" + LIST + "?page=2", "claim-stance-list-fr")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + LIST + "?page=2")
    expect(page.locator("h2#items-heading")).to_have_text(
        f"Items {STANCE_PAGE_ITEMS + 1} to {long_claim} of {long_claim}"
    )
    page.close()


def test_without_javascript_every_supporting_item_is_reached_from_the_claim_page(
    browser: Browser, live_server: Any, long_claim: int
) -> None:
    with no_js_page(browser, viewport={"width": 390, "height": 844}) as page:
        page.goto(live_server.url + CLAIM)
        assert page.locator("#stance-supports ~ article.evidence").count() == CLAIM_PAGE_ITEMS
        page.get_by_role("link", name=f"Show all {long_claim} supporting items").click()
        page.wait_for_url("**" + LIST)
        seen = page.locator("article.evidence").count()
        page.get_by_role("link", name="Next").click()
        page.wait_for_url("**" + LIST + "?page=2")
        seen += page.locator("article.evidence").count()
        assert seen == long_claim
        page.get_by_role("link", name="Previous").click()
        page.wait_for_url("**" + LIST)
        page.get_by_role("link", name="Back to the claim").first.click()
        page.wait_for_url("**" + CLAIM)
        check_page(page, live_server.url + LIST, "claim-stance-list-nojs")
