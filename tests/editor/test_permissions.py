"""The permission matrix on the web: each role against each action.

Allowed actions succeed and change what they should; refused ones get 403
(visible but not allowed), 404 (not even visible) or, for the anonymous
reader, a redirect to the log-in page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from app.accounts.models import ApiToken
from app.archive.models import Capture, CaptureOrigin
from app.catalog.choices import PublicationState
from app.catalog.models import Claim
from tests.factories import ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "mallory", "carol", "alice", "pat", "bob"]  # no role, contributor,
# editor, editor with "publish directly", moderator
ALLOWED = {
    "create": {"carol", "alice", "pat", "bob"},
    "edit_own": {"carol", "alice", "pat", "bob"},
    "edit_others": {"alice", "pat", "bob"},
    "publish": {"pat", "bob"},
    "set_verdict": {"bob"},
    "upload": {"alice", "pat", "bob"},
    "create_token": {"alice", "pat", "bob"},
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

CLAIM = {
    "statement": "Model X was trained on the Y archive.",
    "language": "en",
    "developer_response": "not_contacted",
    "action": "save",
}


def _someone() -> Any:
    from app.accounts.models import User

    return User.objects.create_user(username="dave", password="x")


def create(client: Client, user: Any) -> tuple[Any, Callable[[], bool]]:
    response = client.post(reverse("editor:claim_new"), CLAIM)
    return response, lambda: Claim.objects.filter(statement=CLAIM["statement"]).exists()


def edit_own(client: Client, user: Any) -> tuple[Any, Callable[[], bool]]:
    claim = ClaimFactory(draft=True, created_by=user if user else None)
    response = client.post(
        reverse("editor:claim_edit", args=[claim.slug]),
        {**CLAIM, "statement": "Edited by its author, at length."},
    )
    return response, lambda: Claim.objects.get(pk=claim.pk).statement.startswith("Edited")


def edit_others(client: Client, user: Any) -> tuple[Any, Callable[[], bool]]:
    claim = ClaimFactory(created_by=_someone())
    response = client.post(
        reverse("editor:claim_edit", args=[claim.slug]),
        {**CLAIM, "statement": "Edited by another editor."},
    )
    return response, lambda: Claim.objects.get(pk=claim.pk).statement.startswith("Edited")


def publish(client: Client, user: Any) -> tuple[Any, Callable[[], bool]]:
    claim = ClaimFactory(
        state=PublicationState.PENDING, published_at=None, created_by=user if user else None
    )
    response = client.post(reverse("editor:claim_publish", args=[claim.slug]))
    return response, lambda: Claim.objects.get(pk=claim.pk).state == PublicationState.PUBLISHED


def set_verdict(client: Client, user: Any) -> tuple[Any, Callable[[], bool]]:
    claim = ClaimFactory()
    response = client.post(
        reverse("editor:claim_verdict", args=[claim.slug]),
        {"verdict": "disputed", "strength": "moderate", "note": "The developer denies it."},
    )
    return response, lambda: Claim.objects.get(pk=claim.pk).verdict == "disputed"


def upload(client: Client, user: Any) -> tuple[Any, Callable[[], bool]]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    source = SourceFactory()
    response = client.post(
        reverse("editor:source_upload", args=[source.pk]),
        {"file": SimpleUploadedFile("shot.png", PNG, content_type="image/png")},
    )
    return response, lambda: Capture.objects.filter(
        source=source, origin=CaptureOrigin.UPLOAD
    ).exists()


def create_token(client: Client, user: Any) -> tuple[Any, Callable[[], bool]]:
    response = client.post(reverse("accounts:tokens"), {"name": "bot"})
    return response, lambda: ApiToken.objects.exists()


ACTIONS = {
    f.__name__: f
    for f in (create, edit_own, edit_others, publish, set_verdict, upload, create_token)
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_the_web_permission_matrix(
    client: Client, request: pytest.FixtureRequest, role: str, action: str
) -> None:
    user = None if role == "anonymous" else request.getfixturevalue(role)
    if user is not None:
        client.force_login(user)
    response, happened = ACTIONS[action](client, user)
    if role in ALLOWED[action]:
        assert response.status_code in (201, 302), response.content[:500]
        assert happened(), f"{role} was allowed to {action} but nothing changed"
        return
    assert not happened(), f"{role} could {action}"
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ["mallory", "carol"])
def test_someone_elses_draft_is_not_even_revealed(
    client: Client, request: pytest.FixtureRequest, role: str
) -> None:
    claim = ClaimFactory(draft=True, created_by=_someone())
    client.force_login(request.getfixturevalue(role))
    for name in ("editor:claim", "editor:claim_edit", "editor:claim_history"):
        assert client.get(reverse(name, args=[claim.slug])).status_code in (403, 404)
    if role == "carol":
        assert client.get(reverse("editor:claim", args=[claim.slug])).status_code == 404
        assert client.get(reverse("editor:claim_edit", args=[claim.slug])).status_code == 404
        assert (
            client.post(reverse("editor:evidence_create", args=[claim.slug]), {}).status_code == 404
        )


def test_a_contributor_may_not_edit_her_claim_once_submitted(client: Client, carol: Any) -> None:
    claim = ClaimFactory(state=PublicationState.PENDING, published_at=None, created_by=carol)
    client.force_login(carol)
    assert client.get(reverse("editor:claim", args=[claim.slug])).status_code == 200
    assert client.post(reverse("editor:claim_edit", args=[claim.slug]), CLAIM).status_code == 403


def test_a_contributors_submission_waits_for_review(client: Client, carol: Any) -> None:
    client.force_login(carol)
    client.post(reverse("editor:claim_new"), {**CLAIM, "action": "submit"})
    assert Claim.objects.get().state == PublicationState.PENDING


def test_an_editor_sees_and_edits_others_drafts(client: Client, alice: Any) -> None:
    claim = ClaimFactory(draft=True, created_by=_someone())
    client.force_login(alice)
    assert client.get(reverse("editor:claim", args=[claim.slug])).status_code == 200
    assert client.get(reverse("editor:claim_edit", args=[claim.slug])).status_code == 200


def test_the_workspace_sends_the_anonymous_reader_to_log_in(client: Client) -> None:
    response = client.get(reverse("editor:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/editor/"
