"""The lookup page and the claim's chain diagram in a real chromium, with and without
JavaScript, axe-core clean (serious and critical findings)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser import chromium, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHANNEL = "https://www.youtube.com/@AuronPlay"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def demo_site(live_server: Any) -> str:
    call_command("seed_demo", verbosity=0)
    return str(live_server.url)


def assert_accessible(page: Page, javascript: bool) -> None:
    if not javascript:
        return  # axe runs as page JavaScript: the same HTML is checked in the with-js run
    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not serious, "\n".join(serious)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_creator_looks_up_their_channel_and_follows_the_chain(
    browser: Browser, demo_site: str, javascript: bool, request: pytest.FixtureRequest
) -> None:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(demo_site + "/lookup/")
    expect(page.get_by_role("heading", name="Is my work in it?", level=1)).to_be_visible()
    assert_accessible(page, javascript)
    page.get_by_label("A title, an author, an ISBN").fill(CHANNEL)
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", name="GameClips-400 (fictitious)")).to_be_visible()
    assert "q=https%3A%2F%2Fwww.youtube.com%2F%40AuronPlay" in page.url  # shareable
    expect(page.get_by_text("alleged, not declared by the developer").first).to_be_visible()
    expect(page.get_by_role("link", name="Sora", exact=True).first).to_be_visible()
    assert_accessible(page, javascript)
    screenshot(page, request.node.name, "1-answer")

    page.get_by_role("link", name="Sora was trained on Twitch streams").first.click()
    chain = page.get_by_role("region", name="The chain this claim asserts")
    expect(chain).to_be_visible()
    expect(
        chain.get_by_role("img", name="Auronplay → GameClips-400 (fictitious) → Sora")
    ).to_be_visible()
    expect(chain.get_by_role("listitem").first).to_contain_text("is in the dataset")
    assert_accessible(page, javascript)
    screenshot(page, request.node.name, "2-chain")

    page.goto(demo_site + "/fr/lookup/?q=" + CHANNEL)
    expect(page.get_by_role("heading", name="Est-ce que mon œuvre y est\u202f?")).to_be_visible()
    expect(page.get_by_text("Correspondance exacte").first).to_be_visible()
    assert_accessible(page, javascript)
    context.close()
