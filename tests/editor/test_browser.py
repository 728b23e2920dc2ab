"""alice's whole journey in a real chromium, with a real worker archiving real pages.

Both pages are served on loopback; the worker fetches, extracts and hashes
them while the badges on alice's page turn to "Archived" without a reload.
The same journey then runs with JavaScript off: plain forms, POST/redirect/GET.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.archive.models import CaptureStatus
from app.catalog.choices import PublicationState
from app.catalog.models import Claim, Evidence, Source
from tests.browser import chromium, log_in, screenshot
from tests.factories import EntityFactory
from tests.lib.servers import LocalServer, serve

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
PAGES = Path(__file__).resolve().parent / "pages"
FINAL = re.compile(r"^(succeeded|partial)$")
TITLES = ("Sora appears to know Minecraft", "Twitch streamers spot their own overlays in AI video")
ARCHIVE_WAIT_MS = 90_000
# Two cores run this browser, the site, a worker and its own chromium: give each
# in-page update time, since the assertions are about what happens, not how fast.
STEP_WAIT_MS = 30_000


@pytest.fixture
def browser(live_server: Any) -> Iterator[Any]:
    """Chromium, closed before the live server stops: its keep-alive connections would
    otherwise hold server threads, and their database connections, past the test."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def pages_server(settings: Any) -> Iterator[LocalServer]:
    """The two articles on loopback, and the archiver allowed to fetch from there."""
    with serve(directory=PAGES) as server:
        settings.ARCHIVE_ALLOW_HOSTS = [server.host_port]
        yield server


@pytest.fixture
def worker(start_worker: Callable[..., Any], pages_server: LocalServer) -> Any:
    return start_worker(concurrency=2, extra_env={"ARCHIVE_ALLOW_HOSTS": pages_server.host_port})


def shooter(test: str) -> Callable[[Any, str], None]:
    def shot(page: Any, step: str) -> None:
        screenshot(page, test, step)

    return shot


def _article(server: LocalServer, name: str) -> str:
    # A tracking parameter the normalizer drops: the stored address is clean.
    return server.url_for(f"/{name}.html?utm_source=newsletter")


def test_alice_logs_a_claim_with_evidence_and_watches_it_archive(
    browser: Any, live_server: Any, worker: Any, pages_server: LocalServer, alice: Any
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_WAIT_MS)

    shot = shooter("test_alice_logs_a_claim_with_evidence_and_watches_it_archive")
    EntityFactory(name="Minecraft", slug="minecraft")
    page = browser.new_page()
    log_in(page.context, live_server.url, alice)
    page.goto(f"{live_server.url}/editor/")
    shot(page, "1-dashboard")

    page.get_by_role("link", name="New claim").click()
    page.fill("#id_statement", "Sora was trained on Minecraft gameplay footage.")
    # A model that does not exist yet, created inline with its developer.
    page.locator("#new-entity-models_named summary").click()
    page.fill("#id_new_models_named-name", "Sora")
    page.fill("#id_new_models_named-developer", "OpenAI")
    page.locator('[data-create="models_named"]').click()
    expect(page.locator("#picked-models_named .chip")).to_contain_text("Sora (OpenAI)")
    # An existing entity, found by search-as-you-type.
    page.locator("#q-content_named").press_sequentially("Minec", delay=30)
    page.locator("#results-content_named [data-pick]").first.click()
    expect(page.locator("#picked-content_named .chip")).to_contain_text("Minecraft")
    page.fill(
        "#id_summary",
        "Reporters compare **Sora** frames with Minecraft.\n\n<script>alert(1)</script>",
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#summary-preview strong")).to_have_text("Sora")
    expect(page.locator("#summary-preview")).to_contain_text("<script>alert(1)</script>")
    shot(page, "2-claim-form")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("[data-claim-state]")).to_have_attribute("data-claim-state", "draft")

    htmx_errors: list[str] = []
    page.on("console", lambda m: htmx_errors.append(m.text) if "htmx:" in m.text else None)
    page.evaluate("window.__noReload = 'still here'")
    card_polls: list[str] = []
    page.on("request", lambda r: card_polls.append(r.url) if "/card/" in r.url else None)
    for n, (name, kind, stance, start, end) in enumerate([
        ("sora-minecraft", "news_report", "supports", "", ""),
        ("streamers", "output_comparison", "context", "00:12", "0:20"),
    ], start=1):  # fmt: skip
        page.fill("#id_url", _article(pages_server, name))
        page.locator("#id_url").press("Tab")  # pasting or leaving the field looks the source up
        expect(page.locator("#source-preview [data-source]")).to_be_visible()
        page.select_option("#id_kind", kind)
        page.select_option("#id_stance", stance)
        page.fill("#id_summary", f"Evidence {n}: what the article shows.")
        page.fill("#id_time_start", start)
        page.fill("#id_time_end", end)
        shot(page, f"3-evidence-{n}-filled")
        page.get_by_role("button", name="Add evidence").click()
        expect(page.locator("#evidence-list > li")).to_have_count(n)
        expect(page.locator("#id_url")).to_have_value("")  # a fresh form for the next one

    rows = page.locator("#evidence-list .source-card")
    for i in range(2):
        expect(rows.nth(i)).to_have_attribute("data-status", FINAL, timeout=ARCHIVE_WAIT_MS)
    for i, title in enumerate(TITLES):
        expect(rows.nth(i).locator("[data-title]")).to_have_text(title)
    expect(rows.nth(0).locator("[data-publisher]")).to_contain_text("Loopback Gazette")
    expect(rows.nth(0).locator("[data-badge]")).to_contain_text(
        re.compile("Archived|Partly archived")
    )
    assert page.evaluate("window.__noReload") == "still here"  # no reload happened
    assert htmx_errors == []
    for i in range(2):
        assert rows.nth(i).get_attribute("hx-trigger") is None  # final: polling stopped
    settled = len(card_polls)
    page.wait_for_timeout(2500)
    assert len(card_polls) == settled, "a final badge kept polling"
    shot(page, "4-archived")

    page.locator("[data-submit]").click()
    expect(page.locator("[data-claim-state]")).to_have_attribute("data-claim-state", "pending")
    shot(page, "5-submitted")

    claim = Claim.objects.get()
    assert claim.state == PublicationState.PENDING and claim.created_by == alice
    assert {e.name for e in claim.models_named.all()} == {"Sora"}
    assert claim.models_named.get().developer.name == "OpenAI"
    assert {e.name for e in claim.content_named.all()} == {"Minecraft"}
    items = list(Evidence.objects.filter(claim=claim).order_by("id"))
    assert [i.state for i in items] == [PublicationState.PENDING] * 2
    assert (items[1].time_start, items[1].time_end) == (12, 20)
    sources = list(Source.objects.order_by("id"))
    assert [s.normalized_url for s in sources] == [
        pages_server.url_for("/sora-minecraft.html"),
        pages_server.url_for("/streamers.html"),
    ]
    assert all(
        s.captures.get().status in (CaptureStatus.SUCCEEDED, CaptureStatus.PARTIAL) for s in sources
    )


def test_the_same_journey_works_without_javascript(
    browser: Any, live_server: Any, worker: Any, pages_server: LocalServer, alice: Any
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_WAIT_MS)

    shot = shooter("test_the_same_journey_works_without_javascript")
    EntityFactory(name="Minecraft", slug="minecraft")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(context, live_server.url, alice)
    page.goto(f"{live_server.url}/editor/")

    page.get_by_role("link", name="New claim").click()
    page.fill("#id_statement", "Sora was trained on Minecraft gameplay footage.")
    page.locator("#new-entity-models_named summary").click()  # <details> opens without scripts
    page.fill("#id_new_models_named-name", "Sora")
    page.fill("#id_new_models_named-developer", "OpenAI")
    page.locator('[data-create="models_named"]').click()  # a plain post of the whole form
    expect(page.locator("#picked-models_named .chip")).to_contain_text("Sora (OpenAI)")
    expect(page.locator("#id_statement")).to_have_value(
        "Sora was trained on Minecraft gameplay footage."
    )
    page.fill("#q-content_named", "Minec")
    page.locator('button[value="search:content_named"]').click()
    page.locator("#results-content_named [data-pick]").first.click()
    expect(page.locator("#picked-content_named .chip")).to_contain_text("Minecraft")
    expect(page.locator("#picked-models_named .chip")).to_contain_text("Sora")
    shot(page, "1-claim-form")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("[data-claim-state]")).to_have_attribute("data-claim-state", "draft")

    for n, name in enumerate(["sora-minecraft", "streamers"], start=1):
        page.fill("#id_url", _article(pages_server, name))
        page.select_option("#id_stance", "supports")
        page.fill("#id_summary", f"Evidence {n}: what the article shows.")
        page.get_by_role("button", name="Add evidence").click()
        page.wait_for_url(re.compile(r"/editor/claims/[\w-]+/(#evidence)?$"))
        expect(page.locator("#evidence-list > li")).to_have_count(n)
    shot(page, "2-evidence-added")

    cards = page.locator("#evidence-list .source-card")
    for _ in range(ARCHIVE_WAIT_MS // 1000):
        statuses = [cards.nth(i).get_attribute("data-status") for i in range(2)]
        if all(status and FINAL.match(status) for status in statuses):
            break
        page.wait_for_timeout(1000)
        page.reload()  # without JavaScript, the reader reloads to see the news
    for i, title in enumerate(TITLES):
        expect(cards.nth(i)).to_have_attribute("data-status", FINAL)
        expect(cards.nth(i).locator("[data-title]")).to_have_text(title)
    shot(page, "3-archived")

    page.locator("[data-submit]").click()
    expect(page.locator("[data-claim-state]")).to_have_attribute("data-claim-state", "pending")
    shot(page, "4-submitted")
    claim = Claim.objects.get()
    assert claim.state == PublicationState.PENDING
    assert Evidence.objects.filter(claim=claim, state=PublicationState.PENDING).count() == 2
    context.close()
