"""The overview and the newsroom in a real chromium: 390, 768 and 1366 px, axe-core,
the Content-Security-Policy, and JavaScript off."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, Page, expect

from app.archive.models import CaptureStatus, ErrorClass
from app.catalog.choices import DeveloperResponse, OnlineStatus, PublicationState
from app.catalog.models import Claim, Source
from tests.browser import VAR_SCREENSHOTS, check_page, chromium, log_in, no_js_page
from tests.factories import CaptureFactory, ClaimFactory, EvidenceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def site(live_server: Any) -> str:
    call_command("seed_demo")
    return str(live_server.url)


def newsroom_work(alice: Any) -> None:
    """Work waiting on top of the demo: the queue, failures, a removed original, a deadline."""
    now = timezone.now()
    claim = Claim.objects.filter(state=PublicationState.PUBLISHED).first()
    for days in (0, 3, 12, 40):
        ClaimFactory(
            state=PublicationState.PENDING, published_at=None, created_at=now - timedelta(days)
        )
        EvidenceFactory(
            claim=claim,
            state=PublicationState.PENDING,
            published_at=None,
            created_at=now - timedelta(days),
        )
    for days, error in [(1, ErrorClass.TIMEOUT), (2, ErrorClass.GONE), (9, ErrorClass.TIMEOUT)]:
        CaptureFactory(
            status=CaptureStatus.FAILED, error_class=error, created_at=now - timedelta(days)
        )
    for days in (0, 2, 5, 6, 20):
        CaptureFactory(status=CaptureStatus.SUCCEEDED, created_at=now - timedelta(days))
    source = Source.objects.filter(evidence__claim=claim).first()
    assert source is not None
    source.online_status, source.gone_since = OnlineStatus.GONE, now
    source.save(update_fields=["online_status", "gone_since"])
    ClaimFactory(
        statement="GPT-X was trained on a newspaper archive.",
        developer_response=DeveloperResponse.CONTACTED,
        developer_contacted_on=timezone.localdate() - timedelta(days=9),
    )
    ClaimFactory(created_by=alice, state=PublicationState.DRAFT, published_at=None)


class Policy:
    """Content-Security-Policy violations chromium reports in the console."""

    def __init__(self, page: Page) -> None:
        self.refused: list[str] = []
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.refused.append(message.text)


def test_the_overview_at_three_widths_in_two_languages(browser: Browser, site: str) -> None:
    page = browser.new_page()
    policy = Policy(page)
    check_page(page, f"{site}/overview/", "dashboards-overview")
    expect(page.get_by_role("heading", level=1)).to_have_text("The ledger at a glance")
    expect(page.get_by_role("img", name="Claims by verdict")).to_be_visible()
    page.get_by_text("Show the numbers").first.click()
    expect(page.locator("#chart-verdicts table")).to_be_visible()
    check_page(page, f"{site}/fr/overview/", "dashboards-overview-fr", (390, 1366))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert policy.refused == []
    page.close()


def test_the_overview_is_linked_from_every_page(browser: Browser, site: str) -> None:
    page = browser.new_page()
    page.goto(f"{site}/claims/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview").click()
    expect(page).to_have_url(re.compile(r"/overview/$"))
    page.close()


def test_the_newsroom_at_three_widths(browser: Browser, site: str, alice: Any) -> None:
    newsroom_work(alice)
    page = browser.new_page()
    policy = Policy(page)
    log_in(page.context, site, alice)
    page.goto(f"{site}/newsroom/")
    expect(page.get_by_role("link", name="Newsroom")).to_be_visible()
    check_page(page, f"{site}/newsroom/", "dashboards-newsroom")
    expect(page.get_by_role("img", name="Review queue by age")).to_be_visible()
    expect(page.get_by_text("GPT-X was trained on a newspaper archive.")).to_be_visible()
    assert policy.refused == []
    page.close()


def test_both_dashboards_work_without_javascript(browser: Browser, site: str, alice: Any) -> None:
    newsroom_work(alice)
    with no_js_page(browser, viewport={"width": 390, "height": 844}) as page:
        page.goto(f"{site}/overview/")
        expect(page.get_by_role("img", name="Claims by verdict")).to_be_visible()
        page.locator("#chart-verdicts summary").click()  # <details> opens without a script
        expect(page.locator("#chart-verdicts table")).to_be_visible()
        page.screenshot(path=str(VAR_SCREENSHOTS / "dashboards-overview-nojs-390.png"))
        log_in(page.context, site, alice)
        page.goto(f"{site}/newsroom/")
        expect(page.get_by_role("heading", name="Review queue", exact=True)).to_be_visible()
        page.locator("#chart-queue summary").click()
        expect(page.locator("#chart-queue table")).to_contain_text("Over 30 days")
        page.screenshot(
            path=str(VAR_SCREENSHOTS / "dashboards-newsroom-nojs-390.png"), full_page=True
        )
