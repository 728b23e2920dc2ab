"""The whole moderation story in a real chromium: suggest, review, decide, read, follow up."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.template.defaultfilters import date as date_filter
from django.test import Client
from django.utils import timezone

from app.catalog.models import AuditEntry
from app.moderation.models import Suggestion
from tests.browser import chromium, screenshot

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def shot(page: Any, step: str) -> None:
    screenshot(page, "test_moderation_story", step)


def logged_in_context(browser: Any, user: Any, live_server: Any) -> Any:
    """A browser context carrying a real session for `user` (no dependence on the login page)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def suggest(page: Any, live_server: Any, *, statement: str, url: str, summary: str) -> str:
    page.goto(f"{live_server.url}/suggest/")
    page.get_by_label("The claim, in one sentence").fill(statement)
    page.get_by_label("Address of the source").fill(url)
    page.get_by_label("What does it show?").fill(summary)
    page.wait_for_timeout(1100)  # a person takes longer than MODERATION_FORM_MIN_SECONDS
    page.get_by_role("button", name="Send for review").click()
    page.wait_for_url(re.compile(r"/suggest/status/"))
    assert "Waiting for review" in page.content()
    return str(page.url)


def test_moderation_story(browser, live_server, bob, settings):
    settings.MODERATION_FORM_MIN_SECONDS = 1
    reader = browser.new_context().new_page()

    # An anonymous reader suggests two claims and keeps the private status links.
    suggest(
        reader,
        live_server,
        statement="Vidmodel was trained on speedrun videos.",
        url="https://videos.example/speedruns?utm_source=feed",
        summary="Side-by-side frames of Vidmodel output and a well-known speedrun.",
    )
    shot(reader, "01-suggested")
    rejected_link = suggest(
        reader,
        live_server,
        statement="Best casino bonus trained every model.",
        url="https://casino.example/bonus",
        summary="Click here.",
    )
    first = Suggestion.objects.get(statement__startswith="Vidmodel")

    # bob opens the queue, takes the first suggestion and publishes it.
    bob_page = logged_in_context(browser, bob, live_server).new_page()
    bob_page.goto(f"{live_server.url}/moderation/")
    assert "2 items waiting" in bob_page.content()
    shot(bob_page, "02-queue")
    bob_page.get_by_role("link", name="Vidmodel was trained on speedrun videos.").click()
    panel = bob_page.locator("#review")
    panel.get_by_text("an anonymous reader").wait_for()
    assert "https://videos.example/speedruns" in panel.inner_text()
    panel.get_by_role("button", name="Take").click()
    panel.get_by_text("You have taken this item.").wait_for()
    bob_page.locator(f"#item-suggestion-{first.pk}").get_by_text(
        "taken by Bob Moderator"
    ).wait_for()
    shot(bob_page, "03-taken")
    panel.get_by_role("button", name="Accept and publish").click()
    panel.get_by_text("Published: Vidmodel was trained on speedrun videos.").wait_for()
    assert bob_page.locator(f"#item-suggestion-{first.pk}").count() == 0  # row gone, no reload

    # The next item is loaded in place: bob rejects it with a standard reason and a note.
    panel.get_by_text("Best casino bonus trained every model.").wait_for()
    panel.get_by_label("Reason (to reject)").select_option("spam")
    panel.get_by_label("Note to the author").fill("Advertising, not a claim about training data.")
    shot(bob_page, "04-next-item")
    panel.get_by_role("button", name="Reject").click()
    panel.get_by_text("Rejected: Best casino bonus").wait_for()
    panel.get_by_text("Nothing else is waiting for review.").wait_for()
    shot(bob_page, "05-queue-empty")

    # bob changes the verdict of the new claim with a public note and records the contact.
    first.refresh_from_db()
    claim = first.result_claim
    bob_page.goto(f"{live_server.url}/moderation/claims/{claim.pk}/")
    bob_page.get_by_role("combobox", name="Verdict", exact=True).select_option("supported")
    bob_page.get_by_label("Evidence strength").select_option("moderate")
    bob_page.get_by_label("Public note").fill(
        "The frames match the speedrun's route, glitch for glitch."
    )
    bob_page.get_by_role("button", name="Change the verdict").click()
    bob_page.get_by_text("Verdict changed").wait_for()
    bob_page.get_by_label("Developer's response").select_option("contacted")
    contacted = timezone.localdate() - timedelta(days=2)
    bob_page.get_by_label("Contacted on").fill(contacted.isoformat())
    bob_page.get_by_label("Channel").fill("press office e-mail")
    bob_page.get_by_role("button", name="Update the right of reply").click()
    bob_page.get_by_text("Right of reply updated.").wait_for()
    shot(bob_page, "06-claim-tools")

    # A reader sees the published claim, its verdict history and the right-of-reply status.
    reader.goto(f"{live_server.url}{claim.get_absolute_url()}")
    text = reader.locator("main").inner_text()
    assert "Vidmodel was trained on speedrun videos." in text
    assert "The frames match the speedrun's route, glitch for glitch." in text
    assert "Right of reply" in text and "press office e-mail" in text
    assert f"contacted on {date_filter(contacted, 'DATE_FORMAT')}" in text
    assert "Side-by-side frames of Vidmodel output" in text
    shot(reader, "07-claim-page")

    # The suggester of the rejected claim sees the reason through their private link.
    reader.goto(rejected_link)
    assert "Rejected" in reader.locator(".suggestion-status").inner_text()
    reason = reader.locator(".suggestion-reason").inner_text()
    assert reason == "Spam or abuse: Advertising, not a claim about training data."
    shot(reader, "08-status-link")

    # Every action of the story is in the audit log, once; accepting a suggestion
    # publishes its claim and evidence through the one publication action, audited each.
    actions = list(
        AuditEntry.objects.filter(actor_name="bob").order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "queue.take",
        "claim.publish",
        "evidence.publish",
        "suggestion.publish",
        "suggestion.reject",
        "verdict.change",
        "reply.change",
    ]
