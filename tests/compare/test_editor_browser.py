"""In a real chromium, with a real worker: alice records a comparison, watches its run,
reviews and attaches it; the pages at 390, 768 and 1366 px, axe-clean, and without JS."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM must still work here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, expect

from app.catalog.choices import PublicationState
from app.catalog.models import Evidence
from app.compare import services
from app.compare.models import Comparison, ReferenceElement, RunStatus
from tests.browser import axe_violations, check_page, chromium, log_in
from tests.compare.conftest import ELEMENT_TIME, HUD_BOX, Clips
from tests.compare.helpers import archived
from tests.factories import ClaimFactory

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


ALL_IMPACTS = ("minor", "moderate", "serious", "critical")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.mark.timeout(900)
def test_alice_records_a_comparison_the_worker_runs_it_and_she_attaches_it_as_evidence(
    browser: Browser,
    live_server: Any,
    clips: Clips,
    alice: Any,
    bob: Any,
    start_worker: Any,
) -> None:
    start_worker(concurrency=1, queues=["analysis"])
    claim = ClaimFactory(statement="Sora was trained on Minecraft gameplay footage.")
    output = archived(clips.element_output, public=True)
    cited = archived(clips.source, public=True)
    control = archived(clips.same_genre_plain)
    element = ReferenceElement.objects.create(
        label="hotbar", video=cited, time=ELEMENT_TIME, x=HUD_BOX[0], y=HUD_BOX[1],
        width=HUD_BOX[2], height=HUD_BOX[3], created_by=alice,
    )  # fmt: skip
    context = browser.new_context()
    page = context.new_page()
    log_in(context, live_server.url, alice)
    new_url = f"{live_server.url}/editor/claims/{claim.slug}/comparisons/new/"
    check_page(page, new_url, "compare-editor-new")
    assert axe_violations(page, ALL_IMPACTS) == []  # stricter than the shared check

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(new_url)
    page.get_by_label("Summary of the evidence, in your words").fill("The hotbar, redrawn.")
    page.get_by_label("Model output").select_option(str(output.pk))
    page.get_by_label("Cited archived footage").select_option(str(cited.pk))
    page.get_by_label("Cited time ranges (optional)").fill("00:04–00:06")
    page.get_by_label("Controls: same game or genre, not cited").select_option([str(control.pk)])
    page.get_by_label("Reference elements to look for").select_option([str(element.pk)])
    page.locator("#id_model_name").fill("Sora")
    page.get_by_label("Model version").fill("2024-12")
    page.get_by_label("Generation date").fill("2024-12-10")
    page.get_by_label("Prompt, verbatim").fill("a minecraft let's play")
    page.get_by_label("Leading").check()
    page.get_by_label("Attempts (n), failures included").fill("8")
    page.get_by_label("Attempts that resembled (k)").fill("2")
    page.get_by_role("button", name="Record and run the comparison").click()
    page.wait_for_url("**/editor/comparisons/*/")
    comparison = Comparison.objects.get()
    assert comparison.evidence.claim == claim and comparison.prompt_class == "leading"

    # The badge polls (htmx) and, once the worker is done, the page reloads itself whole.
    badge = page.locator("#run-status .badge")
    expect(badge).to_have_text("Done", timeout=800_000)
    expect(page.get_by_role("button", name="I have reviewed this comparison")).to_be_visible()
    expect(page.locator("#run-status")).not_to_have_attribute("hx-trigger", "every 2s")
    expect(page.locator("#run-status .finding-sentence")).to_contain_text("closely matches")

    page.get_by_role("button", name="I have reviewed this comparison").click()
    page.wait_for_url("**/editor/comparisons/*/")
    expect(page.locator(".reviews")).to_contain_text("Alice Editor")
    comparison.refresh_from_db()
    services.review_add(comparison=comparison, reviewer=bob)  # bob's review, as in his workspace
    page.reload()
    page.get_by_role("button", name="Attach the result as evidence").click()
    expect(page.locator(".attached")).to_contain_text("Attached to its evidence item")
    item = Evidence.objects.get(pk=comparison.evidence_id)
    assert item.state == PublicationState.PENDING  # alice may not publish directly
    assert Comparison.objects.get().status == RunStatus.SUCCEEDED
    assert Comparison.objects.get().manifest_sha256 in item.method_note

    manage_url = f"{live_server.url}/editor/comparisons/{comparison.pk}/"
    check_page(page, manage_url, "compare-editor-manage")
    assert axe_violations(page, ALL_IMPACTS) == []
    page.goto(f"{live_server.url}/fr/editor/comparisons/{comparison.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#record-heading")).to_have_text("Fiche de méthode")
    expect(page.locator("#attach-heading")).to_have_text("Joindre comme élément de preuve")
    check_page(
        page,
        f"{live_server.url}/fr/editor/comparisons/{comparison.pk}/",
        "compare-editor-manage-fr",
    )

    # Without JavaScript: the form is a plain form; a bad record comes back with its reason.
    nojs = browser.new_context(java_script_enabled=False, storage_state=context.storage_state())
    plain = nojs.new_page()
    plain.goto(new_url)
    plain.get_by_label("Summary of the evidence, in your words").fill("k above n")
    plain.get_by_label("Model output").select_option(str(output.pk))
    plain.get_by_label("Cited archived footage").select_option(str(cited.pk))
    plain.locator("#id_model_name").fill("Sora")
    plain.get_by_label("Generation date").fill("2024-12-10")
    plain.get_by_label("Prompt, verbatim").fill("a minecraft let's play")
    plain.get_by_label("Neutral").check()
    plain.get_by_label("Attempts (n), failures included").fill("2")
    plain.get_by_label("Attempts that resembled (k)").fill("3")
    plain.get_by_role("button", name="Record and run the comparison").click()
    expect(plain.locator("[role=alert]")).to_contain_text("k between 0 and n")
    assert Comparison.objects.count() == 1
    plain.goto(manage_url)
    expect(plain.locator("#run-status .badge")).to_have_text("Done")
    nojs.close()
    context.close()
