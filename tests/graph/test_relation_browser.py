"""The relation editor in chromium at 390/768/1366 px (axe-core), with htmx and without JavaScript."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from app.catalog.choices import EntityKind
from app.graph.models import Relation, RelationKind
from tests.browser import VAR_SCREENSHOTS, axe_violations, check_page, chromium, no_js_page
from tests.factories import EntityFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(live_server: Any) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _login(context: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies([{
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])  # fmt: skip


def _evidence(page: Any) -> None:
    page.fill("#id_evidence-url", "https://papers.example/llama.pdf")
    page.select_option("#id_evidence-kind", "developer_disclosure")
    page.fill("#id_evidence-summary", "Table 1 of the paper lists the dataset.")


@pytest.fixture
def entities(db: None) -> None:
    EntityFactory(kind=EntityKind.DATASET, name="Books3", slug="books3")
    EntityFactory(kind=EntityKind.MODEL, name="LLaMA", slug="llama")


def test_the_form_reads_at_every_width_and_htmx_swaps_errors_in_place(
    browser: Any, live_server: Any, alice: Any, entities: None
) -> None:
    context = browser.new_context()
    _login(context, live_server, alice)
    page = context.new_page()
    url = f"{live_server.url}/editor/relations/new/"
    check_page(page, url, "relation-editor", (390, 768, 1366))
    # Stage and declared/alleged concern a use only (CSS, no script).
    page.check("input[name=kind][value=membership]")
    assert not page.locator("#id_stage").is_visible()
    page.check("input[name=kind][value=use]")
    assert page.locator("#id_stage").is_visible()
    page.fill("#id_upstream", "Books3")
    page.fill("#id_downstream", "llama")
    page.select_option("#id_attribution", "declared")
    _evidence(page)
    page.click("button[value=save]")  # no stage: the form comes back in place
    page.wait_for_selector("#relation-errors")
    assert page.url == url
    assert "Give the training stage of a use" in page.inner_text("#relation-form")
    assert page.input_value("#id_upstream") == "Books3"  # what was typed is kept
    page.screenshot(path=str(VAR_SCREENSHOTS / "relation-editor-error-1366.png"), full_page=True)
    assert axe_violations(page) == []
    page.select_option("#id_stage", "pretraining")
    page.click("button[value=save]")
    page.wait_for_url(f"{live_server.url}/editor/claims/**")
    relation = Relation.objects.get(kind=RelationKind.USE)
    assert page.url.endswith(f"/editor/claims/{relation.claim.slug}/")
    assert "Relation added." in page.inner_text("body")
    assert page.locator(f'a[href="/editor/claims/{relation.claim.slug}/relations/new/"]').count()
    context.close()


def test_without_javascript_errors_then_success(
    browser: Any, live_server: Any, alice: Any, entities: None
) -> None:
    with no_js_page(browser) as page:
        _login(page.context, live_server, alice)
        url = f"{live_server.url}/editor/relations/new/"
        check_page(page, url, "relation-editor-nojs", (390,))
        page.check("input[name=kind][value=derivation]")
        page.fill("#id_upstream", "books3")
        page.fill("#id_downstream", "Books3")
        _evidence(page)
        with page.expect_navigation():
            page.click("button[value=save]")
        assert "A relation joins two different entities." in page.inner_text("#relation-errors")
        page.screenshot(path=str(VAR_SCREENSHOTS / "relation-editor-nojs-error-390.png"))
        assert not Relation.objects.exists()
        page.check("input[name=kind][value=use]")
        page.fill("#id_downstream", "LLaMA")
        page.select_option("#id_stage", "unknown")
        page.select_option("#id_attribution", "alleged")
        with page.expect_navigation():
            page.click("button[value=save]")
        relation = Relation.objects.get()
        assert page.url.endswith(f"/editor/claims/{relation.claim.slug}/")
        assert relation.claim.statement == "Books3 was used to train LLaMA"
