"""bob's review in a real chromium: at phone, tablet and laptop widths, checked by axe-core,
and with JavaScript off (plain forms: the bulk publish asks for confirmation on its own page)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from app.catalog import audit
from app.catalog.choices import PublicationState
from app.catalog.models import AuditEntry, Claim
from tests.browser import VAR_SCREENSHOTS, check_page, no_js_page
from tests.factories import ClaimFactory
from tests.moderation import review_world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def session_cookie(user: Any, live_server: Any) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    value = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return {"name": django_settings.SESSION_COOKIE_NAME, "value": value, "url": live_server.url}


def test_the_review_reads_at_every_width_and_passes_axe(browser, live_server, bob, carol):
    world = review_world.build(carol)
    context = browser.new_context()
    context.add_cookies([session_cookie(bob, live_server)])
    page = context.new_page()
    review = f"{live_server.url}/moderation/queue/claim/{world.claim.pk}/"
    check_page(page, review, "moderation-review")
    # The stamped screenshot is lazy-loaded: scrolled into view, it is a real image.
    thumb = page.locator("img[data-thumb]")
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('img[data-thumb]').naturalWidth > 0")
    assert thumb.get_attribute("loading") == "lazy"
    assert page.get_by_text("Archiving failed").is_visible()
    assert page.get_by_role("button", name="Reject").is_visible()
    check_page(page, f"{live_server.url}/moderation/", "moderation-queue")
    audit.record(actor=bob, action="verdict.change", target=world.duplicate,
                 before={"verdict": "unverified", "strength": "weak"},
                 after={"verdict": "supported", "strength": "strong"},
                 reason="The technical report lists the archive by name.")  # fmt: skip
    audit.record(actor=bob, action="claim.reject", target=world.duplicate,
                 before={"state": "pending", "state_reason": ""},
                 after={"state": "rejected", "state_reason": "Duplicate of an existing entry"},
                 reason="Duplicate of an existing entry")  # fmt: skip
    check_page(page, f"{live_server.url}/moderation/audit/", "moderation-audit")
    assert page.locator("a[data-target-link]").count() >= 2
    # The similar claim's link opens the moderator's tools for it.
    tools = f"{live_server.url}/moderation/claims/{world.duplicate.pk}/"
    check_page(page, tools, "moderation-claim-tools", (390, 1366))
    for width in (390, 768, 1366):
        assert (VAR_SCREENSHOTS / f"moderation-review-{width}.png").stat().st_size > 10_000
    context.close()


def test_the_queue_panel_loads_the_full_review_with_htmx(browser, live_server, bob, carol):
    world = review_world.build(carol)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([session_cookie(bob, live_server)])
    page = context.new_page()
    page.goto(f"{live_server.url}/moderation/")
    page.get_by_role("link", name=world.claim.statement).click()
    panel = page.locator("#review")
    panel.get_by_text("Similar existing claims").wait_for()
    assert panel.locator(f'[data-evidence="{world.failed.pk}"][data-capture="failed"]').count() == 1
    assert page.url.endswith("/moderation/")  # swapped in place
    page.screenshot(path=str(VAR_SCREENSHOTS / "moderation-queue-panel-1366.png"), full_page=True)
    # On a phone the panel sits below the list: choosing an item scrolls to it.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/moderation/")
    page.get_by_role("link", name=world.failed.summary).click()
    panel.get_by_text("For the claim").wait_for()
    page.wait_for_function("document.querySelector('#review').getBoundingClientRect().top < 300")
    context.close()


def test_without_javascript_bulk_publish_is_confirmed_then_done(browser, live_server, bob, carol):
    claims = [
        ClaimFactory(
            state=PublicationState.PENDING,
            published_at=None,
            created_by=carol,
            statement=f"Claim {n} waiting for bulk publication.",
        )
        for n in range(2)
    ]
    with no_js_page(browser, viewport={"width": 390, "height": 844}) as page:
        page.context.add_cookies([session_cookie(bob, live_server)])
        page.goto(f"{live_server.url}/moderation/")
        for box in page.locator('input[name="items"]').all():
            box.check()
        # No action chosen: the browser's own form check refuses (no JavaScript involved).
        page.get_by_role("button", name="Apply to selection").click()
        assert page.url.endswith("/moderation/")
        assert set(Claim.objects.values_list("state", flat=True)) == {"pending"}
        page.get_by_label("Action").select_option("publish")
        page.get_by_role("button", name="Apply to selection").click()
        page.get_by_role("heading", name="Publish 2 items?").wait_for()
        page.screenshot(
            path=str(VAR_SCREENSHOTS / "moderation-bulk-confirm-390.png"), full_page=True
        )
        assert set(Claim.objects.values_list("state", flat=True)) == {"pending"}
        page.get_by_role("button", name="Yes, publish 2 items").click()
        page.get_by_text("2 decided.").wait_for()
    assert {c.state for c in Claim.objects.filter(pk__in=[c.pk for c in claims])} == {"published"}
    assert AuditEntry.objects.filter(action="claim.publish", actor_name="bob").count() == 2


def test_without_javascript_the_review_sends_back_with_a_note(browser, live_server, bob, carol):
    world = review_world.build(carol)
    with no_js_page(browser, viewport={"width": 768, "height": 1024}) as page:
        page.context.add_cookies([session_cookie(bob, live_server)])
        review = f"{live_server.url}/moderation/queue/claim/{world.claim.pk}/"
        check_page(page, review, "moderation-review-nojs", (768,), axe=False)
        assert page.locator(f'[data-evidence="{world.archived.pk}"]').count() == 1
        page.get_by_label("Note to the author (needed to send back)").fill(
            "Quote the paper's table."
        )
        page.get_by_role("button", name="Send back for changes").click()
        page.wait_for_load_state()
    world.claim.refresh_from_db()
    assert world.claim.state == PublicationState.DRAFT
    assert world.claim.state_reason == "Quote the paper's table."
