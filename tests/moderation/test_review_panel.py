"""What bob the moderator sees before deciding, and how bulk decisions guard against slips."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from app.catalog.choices import PublicationState
from app.catalog.models import AuditEntry, Claim
from tests.factories import ClaimFactory, EvidenceFactory
from tests.moderation import review_world

pytestmark = pytest.mark.django_db
# Session and user, the item and its lock, the claim with models, content and tags, the
# evidence with sources and their captures, screenshots, history, similar claims, the
# author's record (3), and the messages the page shows.
REVIEW_QUERIES = 18


def review_page(client, kind, pk) -> str:
    response = client.get(f"/moderation/queue/{kind}/{pk}/")
    assert response.status_code == 200
    return response.content.decode()


def block(page: str, marker: str) -> str:
    """The <li> of the review that carries ``marker`` (e.g. data-evidence="12")."""
    start = page.index(marker)
    return page[start : page.index("</li>", start)]


def test_the_panel_shows_the_whole_claim(bob_client, carol):
    world = review_world.build(carol)
    page = review_page(bob_client, "claim", world.claim.pk)
    assert "Vidgen 2 was trained on the Speedrun archive videos." in page
    assert "Vidgen 2" in page[page.index("data-models") :][:400]
    assert "Speedrun archive" in page[page.index("data-content") :][:400]
    assert ">video<" in page[page.index("data-tags") :][:400]
    assert "<strong>developer&#x27;s</strong>" in page or "<strong>developer's</strong>" in page
    assert "data-language>en<" in page


def test_the_panel_lists_every_evidence_item_with_its_capture_state(bob_client, carol):
    world = review_world.build(carol)
    page = review_page(bob_client, "claim", world.claim.pk)
    archived = block(page, f'data-evidence="{world.archived.pk}"')
    assert 'data-capture="archived"' in archived and "Archived" in archived
    assert "Vidgen 2 technical report" in archived
    assert re.search(r'<img src="/archive/artifacts/\d+/screenshot.png" loading="lazy"', archived)
    failed = block(page, f'data-evidence="{world.failed.pk}"')
    assert 'data-capture="failed"' in failed and "Archiving failed" in failed
    assert "The page no longer exists at this address" in failed
    assert "HTTP 404 from https://gone.example/post" in failed  # one click away, in <details>
    assert "<details" in failed and "<img" not in failed
    unarchived = block(page, f'data-evidence="{world.unarchived.pk}"')
    assert 'data-capture="not_archived"' in unarchived and "Not archived" in unarchived
    # Supports first, then contradicts, then context.
    order = [
        page.index(f'data-evidence="{e.pk}"')
        for e in (world.archived, world.unarchived, world.failed)
    ]
    assert order == sorted(order)


def test_the_screenshot_the_panel_links_opens_for_the_moderator(bob_client, carol):
    world = review_world.build(carol)
    page = review_page(bob_client, "claim", world.claim.pk)
    src = re.search(r'<img src="(/archive/artifacts/\d+/screenshot.png)"', page).group(1)
    response = bob_client.get(src)
    assert response.status_code == 200
    assert (
        b"".join(response.streaming_content if response.streaming else [response.content])[:8]
        == b"\x89PNG\r\n\x1a\n"
    )


def test_a_claim_without_evidence_says_so(bob_client, pending_claim):
    page = review_page(bob_client, "claim", pending_claim.pk)
    assert "data-no-evidence" in page and "Evidence (0 items)" in page


def test_the_panel_shows_similar_claims_and_the_authors_record(bob_client, carol):
    world = review_world.build(carol)
    page = review_page(bob_client, "claim", world.claim.pk)
    similar = page[page.index("Similar existing claims") :]
    assert f'data-similar="{world.duplicate.pk}"' in similar
    assert "Vidgen 2 learned from speedrun videos." in similar
    assert "names the same model and content" in similar
    assert f'data-similar="{world.claim.pk}"' not in page  # never itself
    record = (
        page[page.index("The author&#x27;s record") :]
        if "The author&#x27;s record" in page
        else page[page.index("The author's record") :]
    )
    assert "carol" in record
    assert 'data-record="claims-published">2<' in record
    assert 'data-record="claims-rejected">1<' in record
    assert "Sent back for changes 1 time." in record


def test_an_unrelated_claim_is_not_offered_as_a_duplicate(bob_client, carol):
    world = review_world.build(carol)
    other = ClaimFactory(statement="Chatbot Q read the entire public library of Oslo.")
    page = review_page(bob_client, "claim", world.claim.pk)
    assert f'data-similar="{other.pk}"' not in page


def test_a_draft_is_not_an_existing_claim(bob_client, carol, dave):
    world = review_world.build(carol)
    draft = ClaimFactory(draft=True, created_by=dave, statement=world.claim.statement)
    draft.models_named.set(world.claim.models_named.all())
    draft.content_named.set(world.claim.content_named.all())
    page = review_page(bob_client, "claim", world.claim.pk)
    assert f'data-similar="{draft.pk}"' not in page


def test_the_panel_shows_the_items_history(bob_client, bob, carol):
    from app.catalog.services import claim_create

    claim = claim_create(actor=carol, statement="Model Z was trained on zines.", submit=True)
    bob_client.post(f"/moderation/queue/claim/{claim.pk}/take/")
    page = review_page(bob_client, "claim", claim.pk)
    history = page[page.index("History of this item") :]
    assert "Claim submitted" in history and "carol" in history
    assert "Taken for review" in history and "bob" in history
    assert history.index("Claim submitted") < history.index("Taken for review")


def test_an_evidence_item_shows_its_claim_and_capture(bob_client, carol):
    world = review_world.build(carol)
    page = review_page(bob_client, "evidence", world.failed.pk)
    assert "For the claim" in page and world.claim.statement in page
    assert 'data-capture="failed"' in page
    assert f'data-evidence="{world.archived.pk}"' not in page


def test_decisions_are_styled_by_consequence(bob_client, pending_claim):
    page = review_page(bob_client, "claim", pending_claim.pk)
    assert re.search(r'value="publish" class="btn btn-primary"', page)
    assert re.search(r'value="changes" class="btn btn-secondary"', page)
    assert re.search(r'value="reject" class="btn btn-danger"', page)


def test_the_review_keeps_a_flat_query_count(bob_client, carol):
    world = review_world.build(carol)
    with CaptureQueriesContext(connection) as few:
        review_page(bob_client, "claim", world.claim.pk)
    for _ in range(20):
        EvidenceFactory(
            claim=world.claim, added_by=carol, state=PublicationState.PENDING, published_at=None
        )
    ClaimFactory.create_batch(5, created_by=carol)
    with CaptureQueriesContext(connection) as many:
        review_page(bob_client, "claim", world.claim.pk)
    assert len(many) == len(few) == REVIEW_QUERIES, [q["sql"][:100] for q in many.captured_queries]


# --- Bulk decisions ------------------------------------------------------------------


def test_the_bulk_action_has_no_default(bob_client, pending_claim):
    page = bob_client.get("/moderation/").content.decode()
    select = page[
        page.index('<select name="action"') : page.index(
            "</select>", page.index('<select name="action"')
        )
    ]
    assert '<option value="" selected>' in select
    assert select.count(" selected") == 1 and "required" in select


def test_bulk_without_an_action_decides_nothing_and_says_why(bob_client, pending_claim):
    response = bob_client.post(
        "/moderation/queue/bulk/",
        {"items": [f"claim:{pending_claim.pk}"], "action": ""},
        follow=True,
    )
    assert (
        "Choose what to do with the selected items: nothing was decided."
        in response.content.decode()
    )
    pending_claim.refresh_from_db()
    assert pending_claim.state == PublicationState.PENDING


def test_bulk_without_a_selection_says_so(bob_client, pending_claim):
    response = bob_client.post("/moderation/queue/bulk/", {"action": "reject"}, follow=True)
    assert "Select at least one item first: nothing was decided." in response.content.decode()


def test_bulk_publish_asks_for_confirmation_first(bob_client, carol):
    claims = [
        ClaimFactory(
            state=PublicationState.PENDING,
            published_at=None,
            created_by=carol,
            statement=f"Claim number {n} to publish in bulk.",
        )
        for n in range(2)
    ]
    keys = [f"claim:{c.pk}" for c in claims]
    response = bob_client.post("/moderation/queue/bulk/", {"items": keys, "action": "publish"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Publish 2 items?" in page and "Claim number 0 to publish in bulk." in page
    assert 'name="confirmed" value="yes"' in page and "Yes, publish 2 items" in page
    assert set(
        Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list("state", flat=True)
    ) == {"pending"}
    assert not AuditEntry.objects.filter(action="claim.publish").exists()

    confirmed = bob_client.post(
        "/moderation/queue/bulk/",
        {"items": keys, "action": "publish", "confirmed": "yes"},
        follow=True,
    )
    assert "2 decided." in confirmed.content.decode()
    assert set(
        Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list("state", flat=True)
    ) == {"published"}
    assert AuditEntry.objects.filter(action="claim.publish", actor_name="bob").count() == 2


def test_the_confirmation_page_marks_items_decided_meanwhile(bob_client, pending_claim):
    done = ClaimFactory()
    response = bob_client.post(
        "/moderation/queue/bulk/",
        {
            "items": [f"claim:{pending_claim.pk}", f"claim:{done.pk}", "bogus:1"],
            "action": "publish",
        },
    )
    page = response.content.decode()
    assert "Publish 2 items?" in page
    assert "no longer waiting: it will be skipped" in block(page, f'data-key="claim:{done.pk}"')


def test_a_suggestion_shows_claims_worded_alike(bob_client, needs_postgres):
    from app.moderation.models import Suggestion
    from tests.factories import ModelEntityFactory

    vidgen = ModelEntityFactory(name="Vidgen 2")
    existing = ClaimFactory(statement="Vidgen 2 was trained on speedrun videos from the archive.")
    existing.models_named.add(vidgen)
    ClaimFactory(
        statement="Vidgen 2 was trained on speedrun videos, says a forum."
    )  # names nothing
    suggestion = Suggestion.objects.create(
        kind="claim",
        url="https://news.example/s",
        normalized_url="https://news.example/s",
        statement="Vidgen 2 was trained on the speedrun videos of the archive.",
        summary="What the page shows.",
    )
    page = review_page(bob_client, "suggestion", suggestion.pk)
    similar = page[page.index("Similar existing claims") :]
    assert f'data-similar="{existing.pk}"' in similar and "worded alike (" in similar
    assert similar.count("data-similar=") == 1


def test_the_review_reads_in_french(bob_client, carol):
    world = review_world.build(carol)
    page = bob_client.get(f"/fr/moderation/queue/claim/{world.claim.pk}/").content.decode()
    assert "Affirmations existantes semblables" in page and "Le bilan de l’auteur" in page
    assert "Votre décision" in page and "Historique de cet élément" in page
