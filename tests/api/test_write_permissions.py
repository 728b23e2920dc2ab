"""The permission matrix through the API, with each role's own token.

The API is for editors (``accounts.use_api``): a contributor's or an
outsider's token (say, left over from a role they lost) is refused with 403;
no token at all is 401. Inside the API the same checks as on the web apply.
Tokens are made in the web workspace only: the API has no way to mint one,
so a leaked token cannot create others.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from app.accounts.models import ApiToken
from app.accounts.services import token_create
from app.archive.models import Capture, CaptureOrigin
from app.catalog.choices import PublicationState
from app.catalog.models import Claim, Evidence
from tests.editor.samples import image_bytes
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "mallory", "carol", "alice", "pat", "bob"]
ALLOWED = {
    "create": {"alice", "pat", "bob"},
    "edit_own": {"alice", "pat", "bob"},
    "edit_others": {"alice", "pat", "bob"},
    "publish": {"pat", "bob"},
    "set_verdict": {"bob"},
    "upload": {"alice", "pat", "bob"},
    "create_token": set(),  # web only, for everyone
}
Outcome = tuple[Any, Callable[[], bool]]


def _send(client: Client, method: str, url: str, body: Any, secret: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    data = body if isinstance(body, bytes) else json.dumps(body)
    kind = "application/octet-stream" if isinstance(body, bytes) else "application/json"
    return client.generic(method, url, data, content_type=kind, **headers)


def create(client: Client, user: Any, secret: str | None) -> Outcome:
    claim = ClaimFactory()
    body = {
        "url": "https://news.example/new",
        "kind": "news_report",
        "stance": "context",
        "summary": "Background.",
    }
    response = _send(client, "POST", f"/api/v1/claims/{claim.slug}/evidence", body, secret)
    return response, lambda: Evidence.objects.filter(claim=claim).exists()


def edit_own(client: Client, user: Any, secret: str | None) -> Outcome:
    item = EvidenceFactory(added_by=user, state=PublicationState.DRAFT, published_at=None,
                           claim=ClaimFactory(draft=True, created_by=user))  # fmt: skip
    response = _send(client, "PATCH", f"/api/v1/evidence/{item.pk}", {"summary": "Edited."}, secret)
    return response, lambda: Evidence.objects.get(pk=item.pk).summary == "Edited."


def edit_others(client: Client, user: Any, secret: str | None) -> Outcome:
    item = EvidenceFactory()
    response = _send(client, "PATCH", f"/api/v1/evidence/{item.pk}", {"summary": "Edited."}, secret)
    return response, lambda: Evidence.objects.get(pk=item.pk).summary == "Edited."


def publish(client: Client, user: Any, secret: str | None) -> Outcome:
    claim = ClaimFactory(state=PublicationState.PENDING, published_at=None, created_by=user)
    response = _send(client, "POST", f"/api/v1/claims/{claim.slug}/publish", {}, secret)
    return response, lambda: Claim.objects.get(pk=claim.pk).state == PublicationState.PUBLISHED


def set_verdict(client: Client, user: Any, secret: str | None) -> Outcome:
    claim = ClaimFactory()
    body = {"verdict": "refuted", "note": "The footage was licensed.", "strength": "strong"}
    response = _send(client, "POST", f"/api/v1/claims/{claim.slug}/verdict", body, secret)
    return response, lambda: Claim.objects.get(pk=claim.pk).verdict == "refuted"


def upload(client: Client, user: Any, secret: str | None) -> Outcome:
    source = SourceFactory()
    response = _send(
        client, "POST", f"/api/v1/sources/{source.pk}/uploads", image_bytes("PNG"), secret
    )
    return response, lambda: Capture.objects.filter(
        source=source, origin=CaptureOrigin.UPLOAD
    ).exists()


def create_token(client: Client, user: Any, secret: str | None) -> Outcome:
    before = ApiToken.objects.count()
    response = _send(client, "POST", "/api/v1/tokens", {"name": "minted"}, secret)
    return response, lambda: ApiToken.objects.count() > before


ACTIONS = {
    f.__name__: f
    for f in (create, edit_own, edit_others, publish, set_verdict, upload, create_token)
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_the_api_permission_matrix(
    client: Client, request: pytest.FixtureRequest, role: str, action: str
) -> None:
    user = None if role == "anonymous" else request.getfixturevalue(role)
    secret = token_create(user=user, name="bot").secret if user else None
    response, happened = ACTIONS[action](client, user, secret)
    assert response["Content-Type"] == "application/json"
    if role in ALLOWED[action]:
        assert response.status_code in (200, 201), response.content[:500]
        assert happened(), f"{role} was allowed to {action} but nothing changed"
        return
    assert not happened(), f"{role} could {action} through the API"
    if action == "create_token":
        assert response.status_code == 404
    elif role == "anonymous":
        assert response.status_code == 401
    else:
        assert response.status_code == 403, response.content[:300]


def test_a_draft_is_a_404_for_an_api_user_who_cannot_see_it(client: Client, alice: Any) -> None:
    """eve may use the API and add evidence, but is no editor: others' drafts stay hidden."""
    from django.contrib.auth.models import Permission

    eve = type(alice).objects.create_user(username="eve", password="x")
    eve.user_permissions.add(
        *Permission.objects.filter(codename__in=["use_api", "add_evidence", "add_claim"])
    )
    draft = ClaimFactory(draft=True, created_by=alice)
    secret = token_create(user=eve, name="bot").secret
    body = {"url": "https://a.example/", "kind": "news_report", "stance": "context", "summary": "x"}
    response = _send(client, "POST", f"/api/v1/claims/{draft.slug}/evidence", body, secret)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    published = ClaimFactory()
    created = _send(client, "POST", f"/api/v1/claims/{published.slug}/evidence", body, secret)
    assert created.status_code == 201
