"""Withdrawing a published claim from the workspace: a confirmation page asking for a
reason, for moderators only; every withdrawal through `publication_set` (audited), and
readers stop seeing the claim at once, even with pages served stale."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from app.catalog.choices import PublicationState
from app.catalog.models import AuditEntry, Claim
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

REASON = "The leaked document was a forgery."


def withdraw_url(claim: Claim, query: str = "") -> str:
    return reverse("editor:claim_withdraw", args=[claim.slug]) + query


def test_a_moderator_sees_withdraw_on_a_published_claim_and_an_editor_does_not(
    client: Client, bob: Any, alice: Any, pat: Any
) -> None:
    claim = ClaimFactory()
    page = reverse("editor:claim", args=[claim.slug])
    client.force_login(bob)
    body = client.get(page).text
    assert 'class="btn btn-danger"' in body and withdraw_url(claim) in body
    for person in (alice, pat):
        client.force_login(person)
        assert withdraw_url(claim) not in client.get(page).text
    pending = ClaimFactory(state=PublicationState.PENDING, published_at=None)
    client.force_login(bob)
    assert (
        withdraw_url(pending) not in client.get(reverse("editor:claim", args=[pending.slug])).text
    )


def test_the_confirmation_asks_for_a_reason_and_works_without_javascript(
    client: Client, bob: Any
) -> None:
    claim = ClaimFactory(statement="GPT-9 was trained on a forged memo.")
    client.force_login(bob)
    response = client.get(withdraw_url(claim))
    assert response.status_code == 200
    body = response.text
    assert "GPT-9 was trained on a forged memo." in body
    assert '<form method="post"' in body and 'name="reason"' in body and "required" in body
    assert 'class="btn btn-danger" data-withdraw' in body


def test_withdrawing_goes_through_the_state_machine_and_is_audited(
    client: Client, bob: Any
) -> None:
    # The page cache's purge runs after commit: tests/editor/test_withdraw_purge.py.
    claim = ClaimFactory()
    client.force_login(bob)
    response = client.post(withdraw_url(claim), {"reason": f"  {REASON}  "})
    assert response.status_code == 302
    assert response["Location"] == reverse("editor:claim", args=[claim.slug])
    claim.refresh_from_db()
    assert claim.state == PublicationState.WITHDRAWN and claim.state_reason == REASON
    entry = AuditEntry.objects.get(action="claim.withdraw", target_id=str(claim.pk))
    assert entry.actor == bob and entry.reason == REASON
    assert entry.before["state"] == "published" and entry.after["state"] == "withdrawn"
    assert Client().get(claim.get_absolute_url()).status_code == 404
    page = client.get(response["Location"]).text
    assert "Withdrawn: readers no longer see this claim." in page and REASON in page


def test_the_confirmation_returns_to_a_local_next_page_only(client: Client, bob: Any) -> None:
    first, second = ClaimFactory(), ClaimFactory()
    client.force_login(bob)
    back = reverse("moderation:claim", args=[first.pk])
    assert f'name="next" value="{back}"' in client.get(withdraw_url(first, f"?next={back}")).text
    response = client.post(withdraw_url(first), {"reason": REASON, "next": back})
    assert response["Location"] == back
    response = client.post(
        withdraw_url(second), {"reason": REASON, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("editor:claim", args=[second.slug])


@pytest.mark.parametrize("person", ["alice", "pat", "carol"])
def test_who_may_not_withdraw_gets_403_with_a_message(
    client: Client, person: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(person)
    claim = ClaimFactory(created_by=user)
    client.force_login(user)
    for response in (
        client.get(withdraw_url(claim)),
        client.post(withdraw_url(claim), {"reason": REASON}),
    ):
        assert response.status_code == 403
        assert "Only a moderator may withdraw a published claim." in response.text
    claim.refresh_from_db()
    assert claim.state == PublicationState.PUBLISHED
    assert not AuditEntry.objects.filter(action="claim.withdraw").exists()


@pytest.mark.parametrize(
    "state",
    [PublicationState.DRAFT, PublicationState.PENDING, PublicationState.REJECTED,
     PublicationState.WITHDRAWN],
)  # fmt: skip
def test_a_claim_that_is_not_published_gets_409_with_a_message(
    client: Client, bob: Any, state: str
) -> None:
    claim = ClaimFactory(state=state, published_at=None)
    client.force_login(bob)
    for response in (
        client.get(withdraw_url(claim)),
        client.post(withdraw_url(claim), {"reason": REASON}),
    ):
        assert response.status_code == 409
        assert "Only a published claim can be withdrawn" in response.text
    claim.refresh_from_db()
    assert claim.state == state


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_an_empty_reason_is_a_400_with_the_form_error(
    client: Client, bob: Any, reason: str
) -> None:
    claim = ClaimFactory()
    client.force_login(bob)
    response = client.post(withdraw_url(claim), {"reason": reason})
    assert response.status_code == 400
    assert "Give a reason for the withdrawal." in response.text
    assert (
        "The claim was not withdrawn." in response.text and 'aria-invalid="true"' in response.text
    )
    claim.refresh_from_db()
    assert claim.state == PublicationState.PUBLISHED


def test_an_overlong_reason_is_a_400_not_a_500(client: Client, bob: Any) -> None:
    claim = ClaimFactory()
    client.force_login(bob)
    response = client.post(withdraw_url(claim), {"reason": "x" * 2001})
    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.state == PublicationState.PUBLISHED


def test_a_claim_nobody_may_see_is_a_404_and_anonymous_readers_log_in(
    client: Client, bob: Any, dave: Any, carol: Any
) -> None:
    draft = ClaimFactory(draft=True, created_by=carol)
    client.force_login(dave)
    assert client.get(withdraw_url(draft)).status_code == 404
    published = ClaimFactory()
    response = Client().post(withdraw_url(published), {"reason": REASON})
    assert response.status_code == 302 and "/login" in response["Location"]
    published.refresh_from_db()
    assert published.state == PublicationState.PUBLISHED


def test_get_and_post_only(client: Client, bob: Any) -> None:
    claim = ClaimFactory()
    client.force_login(bob)
    assert client.put(withdraw_url(claim)).status_code == 405
