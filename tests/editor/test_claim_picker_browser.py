"""The claim form's entity pickers (the relation editor's picker code) on a phone, with htmx."""

from __future__ import annotations

import os
from typing import Any

import pytest

from app.catalog.choices import EntityKind
from app.catalog.models import Claim
from tests.browser import axe_violations, log_in
from tests.factories import EntityFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_at_390px_both_pickers_pick_and_the_claim_keeps_them(
    browser: Any, live_server: Any, alice: Any
) -> None:
    EntityFactory(kind=EntityKind.MODEL, name="LLaMA", slug="llama")
    EntityFactory(kind=EntityKind.DATASET, name="Books3", slug="books3")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    log_in(context, live_server.url, alice)
    page = context.new_page()
    page.goto(f"{live_server.url}/editor/claims/new/")
    page.fill("#id_statement", "LLaMA was trained on the Books3 dataset.")
    for name, typed, label in (
        ("models_named", "lla", "LLaMA"),
        ("content_named", "Boo", "Books3"),
    ):
        page.fill(f"#q-{name}", typed)
        page.locator(f"#results-{name} button", has_text=label).first.click()
        page.locator(f"#picked-{name} input:checked").wait_for()
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.click("button[data-secondary]")  # "Save draft"
    claim = Claim.objects.get(created_by=alice)
    assert [e.slug for e in claim.models_named.all()] == ["llama"]
    assert [e.slug for e in claim.content_named.all()] == ["books3"]
    context.close()
