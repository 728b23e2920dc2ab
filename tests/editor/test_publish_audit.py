"""An editor's direct publish is in the audit log, once, whichever button published it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from app.catalog.choices import PublicationState
from app.catalog.models import AuditEntry, Claim
from tests.editor.test_claim_editor import claim_data
from tests.factories import ClaimFactory, EvidenceFactory
from tests.moderation.conftest import logged_in

pytestmark = pytest.mark.django_db


def test_save_and_publish_records_the_publish_once(client: Client, pat: Any) -> None:
    client.force_login(pat)
    client.post(reverse("editor:claim_new"), claim_data(action="submit"))
    claim = Claim.objects.get(created_by=pat)
    assert claim.state == PublicationState.PUBLISHED
    entries = AuditEntry.objects.filter(target_type="catalog.claim", target_id=str(claim.pk))
    published = entries.get(action="claim.publish")  # exactly one
    assert published.actor == pat and published.actor_name == "pat"
    assert published.before == {"state": "draft", "state_reason": ""}
    assert published.after == {"state": "published", "state_reason": ""}
    assert not entries.filter(action="claim.submit").exists()


def test_publishing_a_draft_from_the_claim_page_is_audited_with_its_evidence(
    client: Client, pat: Any
) -> None:
    claim = ClaimFactory(draft=True, created_by=pat)
    item = EvidenceFactory(
        claim=claim, added_by=pat, state=PublicationState.DRAFT, published_at=None
    )
    client.force_login(pat)
    page = client.get(reverse("editor:claim", args=[claim.slug])).text
    assert "btn btn-primary" in page and "data-submit" in page
    client.post(reverse("editor:claim_submit", args=[claim.slug]))
    claim.refresh_from_db()
    assert claim.state == PublicationState.PUBLISHED
    assert AuditEntry.objects.filter(action="claim.publish", target_id=str(claim.pk)).count() == 1
    assert AuditEntry.objects.filter(action="evidence.publish", target_id=str(item.pk)).count() == 1


def test_publish_now_on_an_own_submission_is_audited(client: Client, pat: Any) -> None:
    claim = ClaimFactory(state=PublicationState.PENDING, published_at=None, created_by=pat)
    client.force_login(pat)
    client.post(reverse("editor:claim_publish", args=[claim.slug]))
    entry = AuditEntry.objects.get(action="claim.publish", target_id=str(claim.pk))
    assert entry.actor_name == "pat" and entry.before["state"] == "pending"


def test_the_direct_publish_reads_well_in_the_audit_log(client: Client, pat: Any, bob: Any) -> None:
    client.force_login(pat)
    client.post(reverse("editor:claim_new"), claim_data(action="submit"))
    claim = Claim.objects.get(created_by=pat)
    page = logged_in(bob).get("/moderation/audit/?action=claim.publish").content.decode()
    row = page[page.index("data-entry=") : page.index("</tr>", page.index('data-field="state"'))]
    assert "Claim published" in row and "pat" in row
    assert f'href="{reverse("editor:claim", args=[claim.slug])}"' in row
    assert "Draft" in row and "Published" in row
    assert "{&#x27;" not in page and "{'state'" not in page  # no Python dict repr
