"""The withdrawal confirmation in chromium at 390/768/1366 px (axe-core), its error and its
result, and the same path without JavaScript from the claim's moderation page."""

from __future__ import annotations

import os
from typing import Any

import pytest

from app.catalog.choices import PublicationState
from app.catalog.models import AuditEntry, Claim
from tests.browser import axe_violations, check_page, log_in, no_js_page
from tests.factories import ClaimFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_confirmation_reads_at_every_width_and_refuses_an_empty_reason(
    browser: Any, live_server: Any, bob: Any
) -> None:
    claim = ClaimFactory(statement="Gemini was trained on a leaked forum dump.")
    context = browser.new_context()
    log_in(context, live_server.url, bob)
    page = context.new_page()
    confirm = f"{live_server.url}/editor/claims/{claim.slug}/withdraw/"
    check_page(page, confirm, "claim-withdraw", (390, 768, 1366))

    page.goto(f"{live_server.url}/editor/claims/{claim.slug}/")
    with page.expect_navigation():
        page.click("a[data-withdraw]")
    assert page.url == confirm
    page.fill("#id_reason", "   ")  # passes the browser's "required", not the server
    with page.expect_navigation():
        page.click("button[data-withdraw]")
    body = page.inner_text("body")
    assert "Give a reason for the withdrawal." in body and "The claim was not withdrawn." in body
    assert axe_violations(page) == []
    assert Claim.objects.get(pk=claim.pk).state == PublicationState.PUBLISHED

    page.fill("#id_reason", "The forum dump was fabricated.")
    with page.expect_navigation():
        page.click("button[data-withdraw]")
    assert page.url == f"{live_server.url}/editor/claims/{claim.slug}/"
    assert "Withdrawn: readers no longer see this claim." in page.inner_text("body")
    claim.refresh_from_db()
    assert claim.state == PublicationState.WITHDRAWN
    assert AuditEntry.objects.filter(action="claim.withdraw", target_id=str(claim.pk)).exists()
    assert page.goto(f"{live_server.url}/claims/{claim.slug}/").status == 404
    context.close()


def test_without_javascript_from_the_moderation_page_and_back(
    browser: Any, live_server: Any, bob: Any
) -> None:
    claim = ClaimFactory(statement="Claude was trained on a private mailing list.")
    with no_js_page(browser) as page:
        log_in(page.context, live_server.url, bob)
        confirm = f"{live_server.url}/editor/claims/{claim.slug}/withdraw/"
        check_page(page, confirm, "claim-withdraw-nojs", (390,))
        moderation = f"{live_server.url}/moderation/claims/{claim.pk}/"
        page.goto(moderation)
        with page.expect_navigation():
            page.click("a[data-withdraw]")
        page.fill("#id_reason", "The list was public; the claim misread it.")
        with page.expect_navigation():
            page.click("button[data-withdraw]")
        assert page.url == moderation
        assert "Withdrawn: readers no longer see this claim." in page.inner_text("body")
        claim.refresh_from_db()
        assert claim.state == PublicationState.WITHDRAWN
        assert claim.state_reason == "The list was public; the claim misread it."
