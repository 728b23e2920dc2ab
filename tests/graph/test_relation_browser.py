"""The relation editor in chromium at 390/768/1366 px (axe-core), with htmx and without JavaScript."""

from __future__ import annotations

import os
from typing import Any

import pytest

from app.catalog.choices import EntityKind, PublicationState
from app.catalog.models import Entity
from app.graph.models import DatasetVersion, Relation, RelationKind
from app.graph.services import dataset_for, relation_add
from tests.browser import VAR_SCREENSHOTS, axe_violations, check_page, log_in, no_js_page
from tests.factories import ClaimFactory, EntityFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pick(page: Any, end: str, typed: str, slug: str) -> None:
    """Type in an end's search box (htmx asks as you type) and pick the result."""
    page.fill(f"#q-{end}", typed)
    result = page.locator(f"#results-{end} button", has_text=typed).first
    result.click()
    page.locator(f'#picked-{end} input[value="{slug}"]').wait_for()


def _evidence(page: Any) -> None:
    page.fill("#id_evidence-url", "https://papers.example/llama.pdf")
    page.select_option("#id_evidence-kind", "developer_disclosure")
    page.fill("#id_evidence-summary", "Table 1 of the paper lists the dataset.")


@pytest.fixture
def entities(db: None) -> None:
    books3 = EntityFactory(kind=EntityKind.DATASET, name="Books3", slug="books3")
    EntityFactory(kind=EntityKind.MODEL, name="LLaMA", slug="llama")
    EntityFactory(kind=EntityKind.WORK, name="The Sea Inside", slug="the-sea-inside")
    for number, label in ((1, "2020"), (2, "2023-08")):
        DatasetVersion.objects.create(
            dataset=dataset_for(books3), number=number, label=label, file_format="csv",
            file_name="books3.csv", file_sha256="cd" * 32, status="done", row_count=196640,
        )  # fmt: skip


def test_the_form_reads_at_every_width_and_htmx_swaps_errors_in_place(
    browser: Any, live_server: Any, alice: Any, entities: None
) -> None:
    context = browser.new_context()
    log_in(context, live_server.url, alice)
    page = context.new_page()
    url = f"{live_server.url}/editor/relations/new/"
    check_page(page, url, "relation-editor", (390, 768, 1366))
    # Stage and declared/alleged concern a use only (CSS, no script).
    page.check("input[name=kind][value=membership]")
    assert not page.locator("#id_stage").is_visible()
    page.check("input[name=kind][value=use]")
    assert page.locator("#id_stage").is_visible()
    _pick(page, "upstream", "Boo", "books3")
    _pick(page, "downstream", "lla", "llama")
    page.select_option("#id_attribution", "declared")
    _evidence(page)
    page.click("button[value=save]")  # no stage: the form comes back in place
    page.wait_for_selector("#relation-errors")
    assert page.url == url
    assert "Give the training stage of a use" in page.inner_text("#relation-form")
    assert page.locator('#picked-upstream input[value="books3"]').is_checked()  # the pick is kept
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
        log_in(page.context, live_server.url, alice)
        url = f"{live_server.url}/editor/relations/new/"
        check_page(page, url, "relation-editor-nojs", (390,))
        page.check("input[name=kind][value=derivation]")
        page.fill("#q-upstream", "books3")  # typed, never picked: read as a name or slug
        page.fill("#q-downstream", "Books3")
        _evidence(page)
        with page.expect_navigation():
            page.click("button[value=save]")
        assert "A relation joins two different entities." in page.inner_text("#relation-errors")
        page.screenshot(path=str(VAR_SCREENSHOTS / "relation-editor-nojs-error-390.png"))
        assert not Relation.objects.exists()
        page.check("input[name=kind][value=use]")
        page.fill("#q-downstream", "LLaMA")
        page.select_option("#id_stage", "unknown")
        page.select_option("#id_attribution", "alleged")
        with page.expect_navigation():
            page.click("button[value=save]")
        relation = Relation.objects.get()
        assert page.url.endswith(f"/editor/claims/{relation.claim.slug}/")
        assert relation.claim.statement == "Books3 was used to train LLaMA"


def test_a_membership_with_its_index_version_picked_with_htmx(
    browser: Any, live_server: Any, carol: Any, entities: None
) -> None:
    context = browser.new_context()
    log_in(context, live_server.url, carol)
    page = context.new_page()
    page.goto(f"{live_server.url}/editor/relations/new/")
    page.check("input[name=kind][value=membership]")
    assert page.locator("#id_dataset_version").is_visible()
    assert page.locator("#id_dataset_version option").count() == 1  # no dataset picked yet
    assert not page.locator("#id_stage").is_visible()  # use-only fields hidden (CSS)
    _pick(page, "upstream", "Sea", "the-sea-inside")
    _pick(page, "downstream", "Books", "books3")
    page.locator("#id_dataset_version option", has_text="2023-08").wait_for(state="attached")
    latest = DatasetVersion.objects.get(number=2)
    page.select_option("#id_dataset_version", str(latest.pk))
    _evidence(page)
    page.click("button[value=save]")
    page.wait_for_url(f"{live_server.url}/editor/claims/**")
    relation = Relation.objects.get(kind=RelationKind.MEMBERSHIP)
    assert relation.dataset_version == latest and relation.claim.created_by == carol
    assert "index version v2" in page.inner_text("#relation-list")
    context.close()


def test_edit_and_remove_read_at_every_width_and_edit_with_htmx(
    browser: Any, live_server: Any, alice: Any, bob: Any, entities: None
) -> None:
    books3, llama = Entity.objects.get(slug="books3"), Entity.objects.get(slug="llama")
    claim = ClaimFactory(created_by=alice, state=PublicationState.PUBLISHED)
    relation = relation_add(claim=claim, kind=RelationKind.USE, upstream=books3,
                            downstream=llama, attribution="alleged", actor=alice)  # fmt: skip
    context = browser.new_context()
    log_in(context, live_server.url, alice)
    page = context.new_page()
    edit = f"{live_server.url}/editor/relations/{relation.pk}/edit/"
    check_page(page, edit, "relation-edit", (390, 768, 1366))
    page.select_option("#id_stage", "pretraining")
    page.click("button[value=save]")  # published: no reason, no change
    page.wait_for_selector("#relation-errors")
    assert page.url == edit
    relation.refresh_from_db()
    assert relation.stage == "unknown"
    assert axe_violations(page) == []
    page.fill("#id_reason", "The paper says pre-training.")
    page.click("button[value=save]")
    page.wait_for_url(f"{live_server.url}/editor/claims/**")
    relation.refresh_from_db()
    assert relation.stage == "pretraining"
    assert "Relation saved." in page.inner_text("body")
    context.close()
    moderator = browser.new_context()
    log_in(moderator, live_server.url, bob)
    page = moderator.new_page()
    remove = f"{live_server.url}/editor/relations/{relation.pk}/remove/"
    check_page(page, remove, "relation-remove", (390, 768, 1366))
    page.fill("#id_reason", "The paper was misread.")
    with page.expect_navigation():
        page.click("button[data-remove]")
    assert not Relation.objects.filter(pk=relation.pk).exists()
    assert "Relation removed." in page.inner_text("body")
    moderator.close()


def test_without_javascript_search_pick_versions_edit_and_remove(
    browser: Any, live_server: Any, carol: Any, entities: None
) -> None:
    with no_js_page(browser) as page:
        log_in(page.context, live_server.url, carol)
        page.goto(f"{live_server.url}/editor/relations/new/")
        page.check("input[name=kind][value=membership]")
        page.fill("#q-upstream", "sea")
        with page.expect_navigation():
            page.click("button[value='search:upstream']")
        with page.expect_navigation():
            page.locator("#results-upstream button", has_text="The Sea Inside").click()
        assert page.locator('#picked-upstream input[value="the-sea-inside"]').is_checked()
        page.fill("#q-downstream", "books")
        with page.expect_navigation():
            page.click("button[value='search:downstream']")
        with page.expect_navigation():
            page.locator("#results-downstream button", has_text="Books3").click()
        assert page.locator("#id_dataset_version option").count() == 3  # "Not said", v2, v1
        first = DatasetVersion.objects.get(number=1)
        page.select_option("#id_dataset_version", str(first.pk))
        _evidence(page)
        with page.expect_navigation():
            page.click("button[value=save]")
        relation = Relation.objects.get()
        assert relation.dataset_version == first
        assert page.url.endswith(f"/editor/claims/{relation.claim.slug}/")
        edit = f"{live_server.url}/editor/relations/{relation.pk}/edit/"
        check_page(page, edit, "relation-edit-nojs", (390,))
        page.fill("#id_note", "Listed under its original title.")
        with page.expect_navigation():
            page.click("button[value=save]")
        relation.refresh_from_db()
        assert relation.note == "Listed under its original title."
        with page.expect_navigation():
            page.click(f'a[href="/editor/relations/{relation.pk}/remove/"]')
        with page.expect_navigation():
            page.click("button[data-remove]")
        assert not Relation.objects.exists()
        assert "Relation removed." in page.inner_text("body")


# --- Issue 12 review: a phone (390 px), a save in flight, the no-JavaScript steps ---------


def _claim_of(user: Any) -> Any:
    return ClaimFactory(created_by=user, state=PublicationState.DRAFT, published_at=None)


def test_at_390px_an_empty_save_shows_its_errors_then_a_relation_is_added_with_htmx(
    browser: Any, live_server: Any, alice: Any, entities: None
) -> None:
    claim = _claim_of(alice)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    log_in(context, live_server.url, alice)
    page = context.new_page()
    url = f"{live_server.url}/editor/claims/{claim.slug}/relations/new/"
    check_page(page, url, "relation-claim-new", (390,))
    held: list[Any] = []

    def hold_first_save(route: Any) -> None:
        if route.request.method == "POST" and not held:
            held.append(route)  # answered below, once the page has been looked at
        else:
            route.continue_()

    page.route(url, hold_first_save)
    page.click("button[value=submit]")  # "Save and publish" on the empty form
    page.locator("#relation-form .htmx-indicator").wait_for(state="visible")  # "Saving…"
    # While the save is on its way nothing can be changed that its answer would wipe
    # (the form is swapped whole), and it cannot be sent twice.
    assert page.locator("input[name=kind][value=membership]").is_disabled()
    assert page.locator("#q-upstream").is_disabled()
    assert page.locator("button[value=submit]").is_disabled()
    held[0].continue_()
    errors = page.locator("#relation-errors")
    errors.wait_for()
    assert errors.evaluate("e => e === document.activeElement")  # read first, in view
    assert errors.evaluate("e => e.getBoundingClientRect().top >= 0")
    assert page.locator("#relation-form .htmx-indicator").is_hidden()
    assert page.locator("button[value=submit]").is_enabled()
    assert page.locator("input[name=kind][value=membership]").is_enabled()
    # Kind, From and To are missing; the evidence is optional on an existing claim.
    assert page.locator("#relation-form div:has(> #id_kind) .errorlist").count() == 1
    assert page.locator("#picker-upstream .errorlist").count() == 1
    assert page.locator("#picker-downstream .errorlist").count() == 1
    assert "This field is required" not in page.inner_text("#id_evidence-url >> xpath=..")
    assert "This field is required" not in page.inner_text("#id_evidence-summary >> xpath=..")
    page.screenshot(path=str(VAR_SCREENSHOTS / "relation-claim-new-error-390.png"), full_page=True)
    assert axe_violations(page) == []
    page.check("input[name=kind][value=membership]")
    _pick(page, "upstream", "Sea", "the-sea-inside")
    _pick(page, "downstream", "Books", "books3")
    page.click("button[value=submit]")
    page.wait_for_url(f"{live_server.url}/editor/claims/{claim.slug}/")
    relation = Relation.objects.get(claim=claim)
    assert (relation.kind, relation.upstream.slug, relation.downstream.slug) == (
        RelationKind.MEMBERSHIP, "the-sea-inside", "books3",
    )  # fmt: skip
    assert "Relation added." in page.inner_text("body")
    assert not claim.evidence.exists()  # none was asked for
    context.close()


def test_without_javascript_the_from_end_survives_the_to_search(
    browser: Any, live_server: Any, alice: Any, entities: None
) -> None:
    claim = _claim_of(alice)
    with no_js_page(browser, viewport={"width": 390, "height": 844}) as page:
        log_in(page.context, live_server.url, alice)
        page.goto(f"{live_server.url}/editor/claims/{claim.slug}/relations/new/")
        page.check("input[name=kind][value=membership]")
        # Searched and not picked yet: the "From" results stay listed after searching "To".
        page.fill("#q-upstream", "Sea")
        with page.expect_navigation():
            page.click("button[value='search:upstream']")
        page.fill("#q-downstream", "Boo")
        with page.expect_navigation():
            page.click("button[value='search:downstream']")
        assert page.locator("#results-upstream button", has_text="The Sea Inside").count() == 1
        assert page.locator("#results-downstream button", has_text="Books3").count() == 1
        assert page.locator("input[name=kind][value=membership]").is_checked()
        # Picked, then the other end searched and picked: the first pick is kept.
        with page.expect_navigation():
            page.locator("#results-upstream button", has_text="The Sea Inside").click()
        page.fill("#q-downstream", "Boo")
        with page.expect_navigation():
            page.click("button[value='search:downstream']")
        assert page.locator('#picked-upstream input[value="the-sea-inside"]').is_checked()
        with page.expect_navigation():
            page.locator("#results-downstream button", has_text="Books3").click()
        assert page.locator('#picked-upstream input[value="the-sea-inside"]').is_checked()
        assert page.locator('#picked-downstream input[value="books3"]').is_checked()
        with page.expect_navigation():
            page.click("button[value=submit]")
        assert page.url.endswith(f"/editor/claims/{claim.slug}/")
        relation = Relation.objects.get(claim=claim)
        assert (relation.upstream.slug, relation.downstream.slug) == ("the-sea-inside", "books3")
