"""A reader's journey in a real chromium, with axe-core checks on every main page."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; the ORM must still work here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser import chromium, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def demo_site(live_server: Any) -> str:
    call_command("seed_demo")
    return str(live_server.url)


def shot(page: Page, request: pytest.FixtureRequest, step: str) -> None:
    screenshot(page, request.node.name, step)


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not serious, "\n".join(serious)


def test_a_reader_searches_reads_a_claim_opens_its_archive_and_reads_on_in_french(
    browser: Browser, demo_site: str, request: pytest.FixtureRequest
) -> None:
    page = browser.new_page()
    page.goto(demo_site + "/")
    expect(page.get_by_role("heading", name="Latest claims")).to_be_visible()
    assert_accessible(page)
    shot(page, request, "1-home")

    page.get_by_label("Search claims, evidence and archived sources").fill("Minecraft")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/claims/\?q=Minecraft"))
    expect(page.locator("mark").first).to_have_text(re.compile("Minecraft", re.I))
    assert_accessible(page)
    shot(page, request, "2-search")

    page.get_by_role("link", name=re.compile("Sora was trained on video-game footage")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("video-game footage")
    expect(page.get_by_role("heading", name=re.compile("Supports"))).to_be_visible()
    assert_accessible(page)
    shot(page, request, "3-claim")

    claim_url = page.url
    page.get_by_role("link", name=re.compile("archived copy")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Archived copy"))
    expect(page.locator("code.hash").first).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    shot(page, request, "4-archived-copy")

    page.goto(claim_url)
    page.get_by_role("button", name="Français").click()
    expect(page).to_have_url(re.compile(r"/fr/claims/sora-trained-on-video-game-footage/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Preuves")).to_be_visible()
    shot(page, request, "5-claim-in-french")

    page.get_by_role("link", name="Minecraft", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/fr/entities/minecraft/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Minecraft")
    expect(page.get_by_role("link", name="Sora").first).to_be_visible()
    assert_accessible(page)
    shot(page, request, "6-entity-in-french")
    page.close()


@pytest.mark.parametrize("path", ["/", "/claims/", "/claims/sora-trained-on-twitch-streams/",
                                  "/entities/sora/", "/entities/minecraft/", "/methodology/",
                                  "/fr/claims/"])  # fmt: skip
def test_a_main_page_has_no_serious_accessibility_violation(
    browser: Browser, demo_site: str, path: str
) -> None:
    page = browser.new_page()
    page.goto(demo_site + path)
    assert_accessible(page)
    page.close()


def test_a_facet_updates_the_results_in_place_and_the_address(
    browser: Browser, demo_site: str, request: pytest.FixtureRequest
) -> None:
    page = browser.new_page()
    page.goto(demo_site + "/claims/")
    expect(page.locator(".claim-card")).to_have_count(2)
    page.evaluate("window.untouched = true")  # survives only if the page is not reloaded
    page.get_by_label(re.compile(r"^Auronplay")).check()
    expect(page).to_have_url(re.compile(r"content=auronplay"))
    expect(page.locator(".claim-card")).to_have_count(1)
    assert page.evaluate("window.untouched") is True
    shot(page, request, "filtered")
    page.close()


def test_search_and_filters_work_without_javascript(
    browser: Browser, demo_site: str, request: pytest.FixtureRequest
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_site + "/claims/")
    page.get_by_label(re.compile(r"^Auronplay")).check()
    page.locator("#filter-q").fill("streamer")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"q=streamer"))
    expect(page.locator(".claim-card")).to_have_count(1)
    expect(page.locator(".claim-card")).to_contain_text("Twitch streams")
    shot(page, request, "no-js")
    context.close()
