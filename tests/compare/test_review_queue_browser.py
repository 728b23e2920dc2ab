"""In chromium: alice follows the dashboard's count to the queue of comparisons awaiting her
review (390/768/1366 px, axe-clean), opens one, reviews it, and the queue is empty."""

from __future__ import annotations

import os
from typing import Any

import pytest

from app.compare.models import Review
from tests.browser import check_page, log_in
from tests.compare.helpers import recorded
from tests.factories import ClaimFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_alice_follows_the_queue_to_a_comparison_and_reviews_it(
    browser: Any, live_server: Any, alice: Any, bob: Any, pat: Any
) -> None:
    claim = ClaimFactory(statement="Sora was trained on Minecraft gameplay footage.")
    comparison = recorded(pat, reviewers=(bob,), claim=claim)
    recorded(alice, claim=claim)  # her own: never in her queue
    context = browser.new_context()
    log_in(context, live_server.url, alice)
    page = context.new_page()
    check_page(page, f"{live_server.url}/editor/comparisons/awaiting-review/", "compare-queue")

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/editor/")
    link = page.locator("#review-queue-link")
    assert link.inner_text().split() == ["Comparisons", "to", "review", "1"]
    with page.expect_navigation():
        link.click()
    assert page.url == f"{live_server.url}/editor/comparisons/awaiting-review/"
    rows = page.locator("table.review-queue tbody tr")
    assert rows.count() == 1
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[1] == claim.statement and cells[2] == "pat" and cells[4] == "1 of 2"

    with page.expect_navigation():
        page.get_by_role("link", name=f"Comparison {comparison.pk} (Demo video model)").click()
    assert page.url == f"{live_server.url}/editor/comparisons/{comparison.pk}/"
    with page.expect_navigation():
        page.get_by_role("button", name="I have reviewed this comparison").click()
    assert "Your review is recorded." in page.inner_text("body")
    assert set(Review.objects.filter(comparison=comparison).values_list("reviewer", flat=True)) == {
        bob.pk,
        alice.pk,
    }

    page.goto(f"{live_server.url}/editor/comparisons/awaiting-review/")
    assert "Nothing is waiting for your review." in page.inner_text("main")
    page.goto(f"{live_server.url}/editor/")
    assert page.locator("#review-queue-link .badge").inner_text() == "0"
    context.close()
