"""POST /api/v1/claims/{slug}/withdraw: a moderator takes a published claim off the public
site with a reason, through `publication_set` (audited); who may not gets 403, a claim
that is not published 409, a missing or empty reason 400, each as a JSON error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from app.accounts.services import token_create
from app.catalog.choices import PublicationState
from app.catalog.models import AuditEntry
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

REASON = "The paper it cites was retracted."


def withdraw(client: Client, slug: str, body: Any, user: Any | None) -> Any:
    headers = {}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token_create(user=user, name='t').secret}"
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(
        f"/api/v1/claims/{slug}/withdraw", data, content_type="application/json", **headers
    )


def test_a_moderator_withdraws_a_published_claim(client: Client, bob: Any) -> None:
    # The page cache's purge runs after commit: tests/editor/test_withdraw_purge.py.
    claim = ClaimFactory()
    response = withdraw(client, claim.slug, {"reason": f" {REASON} "}, bob)
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "withdrawn" and body["state_reason"] == REASON
    assert body["slug"] == claim.slug and body["api_url"] == f"/api/v1/claims/{claim.slug}"
    claim.refresh_from_db()
    assert claim.state == PublicationState.WITHDRAWN and claim.state_reason == REASON
    entry = AuditEntry.objects.get(action="claim.withdraw", target_id=str(claim.pk))
    assert entry.actor == bob and entry.reason == REASON
    assert client.get(f"/api/v1/claims/{claim.slug}").status_code == 404
    assert client.get(claim.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("person", ["alice", "pat"])
def test_an_editor_gets_403_with_a_message(
    client: Client, person: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(person)
    claim = ClaimFactory(created_by=user)
    for body in ({"reason": REASON}, {}):
        response = withdraw(client, claim.slug, body, user)
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["code"] == "forbidden"
        assert error["message"] == "Only a moderator may withdraw a published claim."
    claim.refresh_from_db()
    assert claim.state == PublicationState.PUBLISHED


def test_without_a_token_it_is_a_401(client: Client) -> None:
    claim = ClaimFactory()
    assert withdraw(client, claim.slug, {"reason": REASON}, None).status_code == 401


@pytest.mark.parametrize(
    "state",
    [PublicationState.DRAFT, PublicationState.PENDING, PublicationState.REJECTED,
     PublicationState.WITHDRAWN],
)  # fmt: skip
def test_a_claim_that_is_not_published_is_a_409(client: Client, bob: Any, state: str) -> None:
    claim = ClaimFactory(state=state, published_at=None)
    response = withdraw(client, claim.slug, {"reason": REASON}, bob)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["message"] == f"Only a published claim can be withdrawn: this one is {state}."
    claim.refresh_from_db()
    assert claim.state == state


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "  "}, "reason"),
     ({"reason": "x" * 2001}, "reason"), ({"reason": REASON, "state": "draft"}, "state"),
     ({"reason": ["a"]}, "reason")],
)  # fmt: skip
def test_a_missing_empty_or_bad_reason_is_a_400_with_the_field(
    client: Client, bob: Any, body: dict[str, Any], field: str
) -> None:
    claim = ClaimFactory()
    response = withdraw(client, claim.slug, body, bob)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    claim.refresh_from_db()
    assert claim.state == PublicationState.PUBLISHED


def test_an_empty_reason_says_what_to_do(client: Client, bob: Any) -> None:
    response = withdraw(client, ClaimFactory().slug, {"reason": ""}, bob)
    assert response.json()["error"]["fields"]["reason"] == ["Give a reason for the withdrawal."]


def test_an_unknown_claim_is_a_json_404(client: Client, bob: Any) -> None:
    response = withdraw(client, "no-such-claim", {"reason": REASON}, bob)
    assert response.status_code == 404 and response.json()["error"]["status"] == 404


def test_bad_json_is_a_400_not_a_500(client: Client, bob: Any) -> None:
    claim = ClaimFactory()
    response = withdraw(client, claim.slug, b"{not json", bob)
    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.state == PublicationState.PUBLISHED
