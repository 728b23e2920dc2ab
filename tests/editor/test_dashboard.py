"""The dashboard: my drafts, my items in review, my published work, one list of
decisions with reasons, failed captures (once) and my sources.

Query counts are pinned, and stay the same after 20 more rows of each kind.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from app.archive.models import CaptureStatus, ErrorClass
from app.catalog.choices import PublicationState
from app.graph.services import relation_add
from app.moderation.models import Decision
from tests.factories import (
    CaptureFactory,
    ClaimFactory,
    EntityFactory,
    EvidenceFactory,
    ModelEntityFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD_QUERIES = 15  # includes the moderation decisions, the user's suggestions and the
# count of comparisons awaiting their review (compare/_review_badge.html, editors only)
CLAIM_PAGE_QUERIES = 10  # 9, and the relations the claim asserts (ends and version joined)
CLAIM_FORM_QUERIES = 7


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def fill_dashboard(user: Any, n: int) -> None:
    for i in range(n):
        draft = ClaimFactory(draft=True, created_by=user)
        EvidenceFactory(claim=draft, added_by=user, state=PublicationState.DRAFT, published_at=None)
        pending = ClaimFactory(state=PublicationState.PENDING, published_at=None, created_by=user)
        EvidenceFactory(
            claim=pending, added_by=user, state=PublicationState.PENDING, published_at=None
        )
        ClaimFactory(state=PublicationState.REJECTED, published_at=None, created_by=user,
                     state_reason=f"Not checkable ({i}).")  # fmt: skip
        EvidenceFactory(added_by=user, state=PublicationState.DRAFT, published_at=None,
                        state_reason="Quote the exact words.")  # fmt: skip
        source = SourceFactory(added_by=user)
        CaptureFactory(source=source, status=CaptureStatus.FAILED, error_class=ErrorClass.TIMEOUT)
        CaptureFactory(source=SourceFactory(added_by=user), status=CaptureStatus.RUNNING)
        Decision.objects.create(item_kind="claim", item_id=i, item_label=f"Claim {i}",
                                author=user, outcome="rejected", reason_text="Too vague.")  # fmt: skip


def test_the_dashboard_shows_each_section(client: Client, alice: Any) -> None:
    fill_dashboard(alice, 1)
    client.force_login(alice)
    text = client.get(reverse("editor:dashboard")).text
    assert "My drafts" in text and "Waiting for review" in text and "My published work" in text
    assert "Rejected" in text and "Too vague." in text  # the decision, with its reason
    drafts = text[text.index('id="drafts"') : text.index('id="pending"')]
    assert "Sent back" in drafts and "Quote the exact words." in drafts
    assert "Archiving failed" in text and "The site took too long to answer" in text
    assert "Retry archiving" in text
    assert 'data-status="running"' in text and 'hx-trigger="every 1s"' in text


def test_a_moderators_decision_reaches_the_authors_dashboard(
    client: Client, alice: Any, bob: Any
) -> None:
    from app.catalog.services import claim_create
    from app.moderation.services import DecisionRequest, decide

    claim = claim_create(
        actor=alice, statement="Sora was trained on Fortnite streams.", submit=True
    )
    request = DecisionRequest(
        action="reject", reason_code="not_supported", reason_text="One blog post."
    )
    decide(kind="claim", pk=claim.pk, request=request, actor=bob)
    client.force_login(alice)
    text = client.get(reverse("editor:dashboard")).text
    decisions = text[text.index('id="decisions"') :]
    assert "Rejected" in decisions and "Sora was trained on Fortnite streams." in decisions
    assert "Not supported by the evidence given: One blog post." in decisions


def test_the_dashboard_shows_only_my_items(client: Client, alice: Any, bob: Any) -> None:
    ClaimFactory(draft=True, created_by=bob, statement="Bob's private draft about data.")
    client.force_login(alice)
    assert "Bob's private draft" not in client.get(reverse("editor:dashboard")).text


def test_the_dashboard_query_count_is_pinned_and_flat(client: Client, alice: Any) -> None:
    fill_dashboard(alice, 2)
    client.force_login(alice)
    url = reverse("editor:dashboard")
    before = queries(client, url)
    fill_dashboard(alice, 20)
    assert queries(client, url) == before == DASHBOARD_QUERIES


def _fill_claim(claim: Any, n: int) -> None:
    for _ in range(n):
        source = SourceFactory()
        CaptureFactory(source=source, status=CaptureStatus.SUCCEEDED)
        CaptureFactory(source=source, status=CaptureStatus.FAILED, error_class=ErrorClass.GONE)
        EvidenceFactory(claim=claim, source=source, state=PublicationState.DRAFT, published_at=None)
        EvidenceFactory(source=source)  # cited elsewhere too
        claim.models_named.add(ModelEntityFactory())
        claim.content_named.add(EntityFactory())
        relation_add(claim=claim, kind="membership", upstream=EntityFactory(kind="work"),
                     downstream=EntityFactory(kind="dataset"), actor=None)  # fmt: skip


def test_the_claim_page_query_count_is_pinned_and_flat(client: Client, alice: Any) -> None:
    claim = ClaimFactory(draft=True, created_by=alice)
    _fill_claim(claim, 2)
    client.force_login(alice)
    url = reverse("editor:claim", args=[claim.slug])
    before = queries(client, url)
    _fill_claim(claim, 20)
    assert queries(client, url) == before == CLAIM_PAGE_QUERIES


def test_the_claim_form_query_count_is_pinned_and_flat(client: Client, alice: Any) -> None:
    claim = ClaimFactory(draft=True, created_by=alice)
    _fill_claim(claim, 2)
    client.force_login(alice)
    url = reverse("editor:claim_edit", args=[claim.slug])
    before = queries(client, url)
    _fill_claim(claim, 20)
    assert queries(client, url) == before == CLAIM_FORM_QUERIES


def test_there_is_one_list_of_decisions(client: Client, alice: Any) -> None:
    fill_dashboard(alice, 1)
    client.force_login(alice)
    text = client.get(reverse("editor:dashboard")).text
    assert text.count('id="decisions"') == 1
    assert "Decisions on my items" not in text
    assert text.count("Too vague.") == 1


def test_the_dashboard_lists_my_published_work(client: Client, alice: Any, bob: Any) -> None:
    mine = ClaimFactory(created_by=alice, statement="Alice's published claim about Sora.")
    EvidenceFactory(claim=mine, added_by=alice, summary="Alice's published evidence item.")
    ClaimFactory(created_by=bob, statement="Bob's published claim.")
    client.force_login(alice)
    text = client.get(reverse("editor:dashboard")).text
    published = text[text.index('id="published"') : text.index('id="decisions"')]
    assert "Alice&#x27;s published claim about Sora." in published
    assert f'href="{mine.get_absolute_url()}"' in published
    assert "Alice&#x27;s published evidence item." in published
    assert "Bob" not in published


def test_a_failed_capture_is_listed_once(client: Client, alice: Any) -> None:
    failed = SourceFactory(added_by=alice, title="The page that failed")
    CaptureFactory(source=failed, status=CaptureStatus.FAILED, error_class=ErrorClass.TIMEOUT)
    fine = SourceFactory(added_by=alice, title="The page that worked")
    CaptureFactory(source=fine, status=CaptureStatus.SUCCEEDED)
    never = SourceFactory(added_by=alice, title="The page never captured")
    client.force_login(alice)
    text = client.get(reverse("editor:dashboard")).text
    assert text.count(f'data-source="{failed.pk}"') == 1
    assert text.count("The page that failed") == 1
    sources = text[text.index('id="sources"') :]
    assert "The page that worked" in sources and "The page never captured" in sources
    assert never.pk and "The page that failed" not in sources


def _button(text: str, marker: str) -> str:
    end = text.index("</button>", text.index(marker))
    return text[text.rindex("<button", 0, end) : end]


@pytest.mark.parametrize(
    ("who", "primary_label"), [("pat", "Save and publish"), ("alice", "Save and submit for review")]
)
def test_saving_a_draft_is_secondary_to_publishing_or_submitting(
    client: Client, who: str, primary_label: str, request: Any
) -> None:
    client.force_login(request.getfixturevalue(who))
    text = client.get(reverse("editor:claim_new")).text
    primary, secondary = _button(text, "data-primary"), _button(text, "data-secondary")
    assert "btn-primary" in primary and primary_label in primary
    assert "btn-secondary" in secondary and "Save draft" in secondary
