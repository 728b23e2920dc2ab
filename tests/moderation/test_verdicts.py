"""Verdicts: only moderators set them, always with a public note, always in the history."""

from __future__ import annotations

import pytest

from app.catalog.models import AuditEntry, VerdictChange
from app.catalog.services import verdict_set
from tests.factories import ClaimFactory
from tests.moderation.conftest import logged_in

pytestmark = pytest.mark.django_db


def test_a_moderator_changes_a_verdict_with_a_public_note(bob_client, client):
    claim = ClaimFactory()
    response = bob_client.post(
        f"/moderation/claims/{claim.pk}/verdict/",
        {"verdict": "disputed", "strength": "moderate", "note": "Two analyses disagree."},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.verdict, claim.evidence_strength) == ("disputed", "moderate")
    change = VerdictChange.objects.get(claim=claim)
    assert (change.old_verdict, change.new_verdict, change.note) == (
        "unverified",
        "disputed",
        "Two analyses disagree.",
    )
    entry = AuditEntry.objects.get(action="verdict.change")
    assert entry.actor_name == "bob" and entry.reason == "Two analyses disagree."
    assert entry.before == {"verdict": "unverified", "strength": ""}
    assert entry.after == {"verdict": "disputed", "strength": "moderate"}
    assert (
        "Two analyses disagree."
        in bob_client.get(f"/moderation/claims/{claim.pk}/").content.decode()
    )
    assert "Two analyses disagree." in client.get(claim.get_absolute_url()).content.decode()


def test_a_verdict_without_a_note_is_refused(bob_client):
    claim = ClaimFactory()
    response = bob_client.post(
        f"/moderation/claims/{claim.pk}/verdict/", {"verdict": "refuted", "note": "  "}
    )
    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.verdict == "unverified" and not VerdictChange.objects.exists()


def test_editors_cannot_set_verdicts(alice):
    claim = ClaimFactory()
    response = logged_in(alice).post(
        f"/moderation/claims/{claim.pk}/verdict/", {"verdict": "confirmed", "note": "x"}
    )
    assert response.status_code == 403
    assert not VerdictChange.objects.exists()


def test_a_verdict_change_from_any_code_path_is_audited(bob):
    claim = ClaimFactory()
    verdict_set(claim=claim, verdict="supported", note="From the shell.", actor=bob)
    assert AuditEntry.objects.get(action="verdict.change").reason == "From the shell."
