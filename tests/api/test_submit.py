"""Submitting for review through the API: the workspace's "Submit for review", for a claim
(``POST /claims/{slug}/submit``) and for the claim asserting a relation
(``POST /relations/{id}/submit``).

Both call `catalog.services.claim_submit` after `access.access_claim(write=True)`, as the
workspace does: alice the editor (who may not publish) sends a draft to the moderators,
pat (publish directly) publishes it at once; 404 for a claim the token's owner may not
see, 403 for one they may not change, 409 for a claim that is no longer a draft, 400 for
any field in the body (the action takes none). Every refusal writes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from app.accounts.services import token_create
from app.catalog.choices import EntityKind, PublicationState
from app.catalog.models import AuditEntry, Claim, Evidence
from app.graph.models import Relation
from app.graph.services import relation_add
from tests.factories import ClaimFactory, EntityFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

DRAFT, PENDING, PUBLISHED = (
    PublicationState.DRAFT,
    PublicationState.PENDING,
    PublicationState.PUBLISHED,
)


def secret(user: Any) -> str:
    return str(token_create(user=user, name="bot").secret)


def send(
    client: Client, url: str, user: Any | None, body: Any = None, content_type: str = ""
) -> Any:
    """POST to ``url`` with ``user``'s token; ``body`` None sends no body at all."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret(user)}"} if user else {}
    if body is None:
        return client.generic("POST", url, b"", **headers)
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.generic(
        "POST", url, data, content_type=content_type or "application/json", **headers
    )


def with_api(user: Any) -> Any:
    """The user with the API permission (contributors do not hold it by default)."""
    user.user_permissions.add(Permission.objects.get(codename="use_api"))
    return type(user).objects.get(pk=user.pk)  # a fresh permission cache


def draft_claim(author: Any, **extra: Any) -> Claim:
    return ClaimFactory(draft=True, created_by=author, **extra)


def relation_on(claim: Claim) -> Relation:
    book = EntityFactory(kind=EntityKind.WORK, name="The Sea Inside", slug="the-sea-inside")
    books3 = EntityFactory(kind=EntityKind.DATASET, name="Books3", slug="books3")
    return relation_add(
        claim=claim, kind="membership", upstream=book, downstream=books3, actor=claim.created_by
    )


def submits() -> int:
    return AuditEntry.objects.filter(action__in=["claim.submit", "claim.publish"]).count()


# --- Claims -----------------------------------------------------------------------------


def test_an_editor_who_may_not_publish_sends_her_draft_to_review_with_her_evidence(
    client: Client, alice: Any, carol: Any
) -> None:
    claim = draft_claim(alice)
    mine = EvidenceFactory(claim=claim, added_by=alice, state=DRAFT, published_at=None)
    theirs = EvidenceFactory(claim=claim, added_by=carol, state=DRAFT, published_at=None)
    response = send(client, f"/api/v1/claims/{claim.slug}/submit", alice)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["slug"] == claim.slug and body["state"] == PENDING
    assert body["published_at"] is None
    assert Claim.objects.get(pk=claim.pk).state == PENDING
    # As in the workspace: her own draft evidence goes with the claim, nobody else's.
    assert Evidence.objects.get(pk=mine.pk).state == PENDING
    assert Evidence.objects.get(pk=theirs.pk).state == DRAFT
    entry = AuditEntry.objects.get(action="claim.submit", target_id=str(claim.pk))
    assert entry.actor == alice
    assert entry.before["state"] == DRAFT and entry.after["state"] == PENDING
    # Under review is not public.
    assert client.get(f"/api/v1/claims/{claim.slug}").status_code == 404


def test_an_editor_submits_a_contributors_draft(client: Client, alice: Any, carol: Any) -> None:
    claim = draft_claim(carol)
    response = send(client, f"/api/v1/claims/{claim.slug}/submit", alice, {})
    assert response.status_code == 200, response.content
    assert Claim.objects.get(pk=claim.pk).state == PENDING


@pytest.mark.parametrize("who", ["pat", "bob"])
def test_who_may_publish_directly_publishes_on_submit(
    client: Client, request: pytest.FixtureRequest, who: str
) -> None:
    user = request.getfixturevalue(who)
    claim = draft_claim(user)
    response = send(client, f"/api/v1/claims/{claim.slug}/submit", user)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == PUBLISHED and response.json()["published_at"]
    assert AuditEntry.objects.filter(action="claim.publish", target_id=str(claim.pk)).exists()
    assert client.get(f"/api/v1/claims/{claim.slug}").status_code == 200


def test_a_contributor_with_api_access_submits_her_draft_once(client: Client, carol: Any) -> None:
    carol = with_api(carol)
    claim = draft_claim(carol)
    url = f"/api/v1/claims/{claim.slug}/submit"
    assert send(client, url, carol).json()["state"] == PENDING
    # Under review it is no longer hers to change (access.can_edit_claim): 403.
    again = send(client, url, carol)
    assert again.status_code == 403 and again.json()["error"]["code"] == "forbidden"
    assert again.json()["error"]["message"]
    assert submits() == 1


@pytest.mark.parametrize(
    "state",
    [PublicationState.PENDING, PublicationState.PUBLISHED, PublicationState.REJECTED,
     PublicationState.WITHDRAWN],
)  # fmt: skip
def test_only_a_draft_can_be_submitted_else_409(client: Client, alice: Any, state: str) -> None:
    claim = ClaimFactory(state=state, created_by=alice)
    response = send(client, f"/api/v1/claims/{claim.slug}/submit", alice)
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "conflict" and "draft" in error["message"]
    assert Claim.objects.get(pk=claim.pk).state == state and submits() == 0


def test_who_may_not_see_or_change_the_claim_is_refused(
    client: Client, carol: Any, dave: Any, mallory: Any
) -> None:
    claim = draft_claim(carol)
    url = f"/api/v1/claims/{claim.slug}/submit"
    assert send(client, url, None).status_code == 401
    assert send(client, url, dave).status_code == 403  # a contributor: no API access
    assert send(client, url, mallory).status_code == 403  # no role
    hidden = send(client, url, with_api(dave))  # someone else's draft is not revealed
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    # A published claim dave may see but not change: 403 before its state's 409.
    published = ClaimFactory(created_by=carol)
    refused = send(client, f"/api/v1/claims/{published.slug}/submit", with_api(dave))
    assert refused.status_code == 403
    assert send(client, "/api/v1/claims/no-such-claim/submit", with_api(dave)).status_code == 404
    client.force_login(carol)  # a session never authenticates a write
    assert client.post(url).status_code == 401
    assert client.get(url).status_code == 405
    assert Claim.objects.get(pk=claim.pk).state == DRAFT and submits() == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        ({"note": "Please review."}, "", 400, "unknown fields"),
        ({"state": "published"}, "", 400, "unknown fields"),
        ("{", "", 400, "JSON"),
        ("[]", "", 400, "object"),
        ('"submit"', "", 400, "object"),
        ("state=pending", "application/x-www-form-urlencoded", 415, "application/json"),
        ("submit", "text/plain", 415, "application/json"),
    ],
)
def test_a_body_with_anything_in_it_is_refused_and_nothing_moves(
    client: Client, alice: Any, body: Any, content_type: str, status: int, words: str
) -> None:
    claim = draft_claim(alice)
    response = send(client, f"/api/v1/claims/{claim.slug}/submit", alice, body, content_type)
    assert response.status_code == status, response.content
    assert words in response.json()["error"]["message"]
    assert Claim.objects.get(pk=claim.pk).state == DRAFT and submits() == 0


def test_the_api_records_the_same_audit_entry_as_the_workspace(client: Client, alice: Any) -> None:
    by_page, by_api = draft_claim(alice), draft_claim(alice)
    client.force_login(alice)
    page = client.post(f"/editor/claims/{by_page.slug}/submit/")
    assert page.status_code == 302
    client.logout()
    assert send(client, f"/api/v1/claims/{by_api.slug}/submit", alice).status_code == 200
    entries = {
        e.target_id: e for e in AuditEntry.objects.filter(action="claim.submit", actor=alice)
    }
    web, api = entries[str(by_page.pk)], entries[str(by_api.pk)]
    assert (web.before, web.after, web.reason) == (api.before, api.after, api.reason)


# --- Relations --------------------------------------------------------------------------


def test_submitting_a_relation_sends_its_claim_to_review(client: Client, alice: Any) -> None:
    relation = relation_on(draft_claim(alice))
    EvidenceFactory(claim=relation.claim, added_by=alice, state=DRAFT, published_at=None)
    response = send(client, f"/api/v1/relations/{relation.pk}/submit", alice)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == relation.pk and body["kind"] == "membership"
    assert body["claim"]["slug"] == relation.claim.slug and body["claim"]["state"] == PENDING
    assert Evidence.objects.get(claim=relation.claim).state == PENDING
    entry = AuditEntry.objects.get(action="claim.submit", target_id=str(relation.claim.pk))
    assert entry.actor == alice
    # Pending is not public: the read address still answers 404.
    assert client.get(f"/api/v1/relations/{relation.pk}").status_code == 404


def test_a_relation_submitted_by_who_may_publish_is_public_at_once(
    client: Client, pat: Any
) -> None:
    relation = relation_on(draft_claim(pat))
    response = send(client, f"/api/v1/relations/{relation.pk}/submit", pat)
    assert response.status_code == 200 and response.json()["claim"]["state"] == PUBLISHED
    assert client.get(f"/api/v1/relations/{relation.pk}").status_code == 200


def test_a_relation_submit_is_refused_like_the_claims(
    client: Client, alice: Any, carol: Any, dave: Any, mallory: Any
) -> None:
    relation = relation_on(draft_claim(carol))
    url = f"/api/v1/relations/{relation.pk}/submit"
    assert send(client, url, None).status_code == 401
    assert send(client, url, mallory).status_code == 403
    assert send(client, url, with_api(dave)).status_code == 404
    assert send(client, "/api/v1/relations/999999/submit", alice).status_code == 404
    bad = send(client, url, alice, {"claim": "x"})
    assert bad.status_code == 400 and "claim" in bad.json()["error"]["fields"]
    assert send(client, url, alice, "nope", "text/plain").status_code == 415
    assert submits() == 0
    assert send(client, url, alice).status_code == 200
    again = send(client, url, alice)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert submits() == 1
