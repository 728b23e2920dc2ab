"""Withdrawing a published claim from the moderation pages and the admin: the claim's
moderation page and a reader flag's review panel link to the workspace's confirmation
(which returns to them); the admin action asks for a reason on an intermediate page.
Every withdrawal goes through `publication_set` and its audit entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from app.catalog.choices import PublicationState
from app.catalog.models import AuditEntry, Claim
from app.moderation.choices import FlagReason
from app.moderation.models import Flag
from tests.factories import ClaimFactory
from tests.moderation.conftest import logged_in

pytestmark = pytest.mark.django_db

REASON = "The only source retracted its story."


def withdraw_url(claim: Claim) -> str:
    return reverse("editor:claim_withdraw", args=[claim.slug])


def test_the_claims_moderation_page_offers_withdraw_for_a_published_claim(bob: Any) -> None:
    client = logged_in(bob)
    claim = ClaimFactory()
    page = reverse("moderation:claim", args=[claim.pk])
    body = client.get(page).text
    assert f'href="{withdraw_url(claim)}?next={page}"' in body
    assert 'class="btn btn-danger"' in body
    response = client.post(withdraw_url(claim), {"reason": REASON, "next": page})
    assert response.status_code == 302 and response["Location"] == page
    after = client.get(page).text
    assert "Withdrawn" in after and REASON in after and withdraw_url(claim) not in after
    claim.refresh_from_db()
    assert claim.state == PublicationState.WITHDRAWN


def test_a_pending_claims_moderation_page_has_no_withdraw(bob: Any) -> None:
    claim = ClaimFactory(state=PublicationState.PENDING, published_at=None)
    body = logged_in(bob).get(reverse("moderation:claim", args=[claim.pk])).text
    assert withdraw_url(claim) not in body


def test_a_flag_on_a_published_claim_offers_to_withdraw_the_claim(bob: Any) -> None:
    claim = ClaimFactory()
    flag = Flag.objects.create(claim=claim, reason=FlagReason.WRONG, note="A hoax.")
    client = logged_in(bob)
    review = reverse("moderation:review", args=["flag", flag.pk])
    body = client.get(review).text
    assert f'href="{withdraw_url(claim)}?next={review}"' in body
    assert "Withdraw the claim…" in body
    response = client.post(withdraw_url(claim), {"reason": REASON, "next": review})
    assert response["Location"] == review
    assert "Withdraw the claim…" not in client.get(review).text  # no longer published
    assert AuditEntry.objects.filter(action="claim.withdraw", target_id=str(claim.pk)).count() == 1


def test_an_admin_withdraws_published_claims_with_a_reason_and_skips_the_rest(
    admin_user: Any,
) -> None:
    published = ClaimFactory.create_batch(2)
    pending = ClaimFactory(state=PublicationState.PENDING, published_at=None)
    client = logged_in(admin_user)
    url = "/admin/catalog/claim/"
    selected = [c.pk for c in [*published, pending]]
    ask = client.post(url, {"action": "withdraw_selected", "_selected_action": selected})
    assert ask.status_code == 200 and "Withdraw with a reason" in ask.text
    empty = client.post(
        url,
        {"action": "withdraw_selected", "_selected_action": selected, "apply": "1", "reason": " "},
    )
    assert empty.status_code == 400 and "Give a reason for the withdrawal." in empty.text
    assert {c.state for c in Claim.objects.filter(pk__in=selected)} == {"published", "pending"}
    done = client.post(
        url,
        {"action": "withdraw_selected", "_selected_action": selected, "apply": "1",
         "reason": REASON},
        follow=True,
    )  # fmt: skip
    page = done.text
    assert "2 withdrawn." in page and f"{pending.slug}: an item cannot go from" in page.lower()
    for claim in published:
        claim.refresh_from_db()
        assert claim.state == PublicationState.WITHDRAWN and claim.state_reason == REASON
    pending.refresh_from_db()
    assert pending.state == PublicationState.PENDING
    entries = AuditEntry.objects.filter(action="claim.withdraw", actor_name="root")
    assert entries.count() == 2 and {e.reason for e in entries} == {REASON}


def test_the_withdraw_action_is_for_moderators_only(admin_user: Any, alice: Any) -> None:
    from app.moderation.admin import ModeratedClaimAdmin

    assert "withdraw_selected" in [a.__name__ for a in ModeratedClaimAdmin.actions if callable(a)]
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    claim = ClaimFactory()
    response = logged_in(alice).post(
        "/admin/catalog/claim/",
        {"action": "withdraw_selected", "_selected_action": [claim.pk], "apply": "1",
         "reason": REASON},
    )  # fmt: skip
    assert response.status_code in (200, 302, 403)  # the action is not offered to her
    claim.refresh_from_db()
    assert claim.state == PublicationState.PUBLISHED
