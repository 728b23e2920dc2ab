"""Moderation in the Django admin: the same decisions, the same audit rows."""

from __future__ import annotations

import pytest

from app.catalog.choices import PublicationState
from app.catalog.models import AuditEntry
from app.moderation.models import Decision
from tests.factories import ClaimFactory, EvidenceFactory
from tests.moderation.conftest import logged_in

pytestmark = pytest.mark.django_db


def test_an_admin_publishes_pending_claims_from_the_changelist(admin_user):
    waiting = ClaimFactory.create_batch(2, state=PublicationState.PENDING, published_at=None)
    draft = ClaimFactory(draft=True)
    client = logged_in(admin_user)
    response = client.post(
        "/admin/catalog/claim/",
        {"action": "publish_selected", "_selected_action": [c.pk for c in [*waiting, draft]]},
        follow=True,
    )
    page = response.content.decode()
    assert (
        "2 decided." in page and f"claim:{draft.pk}: this item is no longer waiting" in page.lower()
    )
    assert {c.state for c in (w.__class__.objects.get(pk=w.pk) for w in waiting)} == {"published"}
    assert AuditEntry.objects.filter(action="claim.publish", actor_name="root").count() == 2


def test_an_admin_rejects_evidence_with_a_reason_on_an_intermediate_page(admin_user):
    item = EvidenceFactory(state=PublicationState.PENDING, published_at=None)
    client = logged_in(admin_user)
    url = "/admin/catalog/evidence/"
    ask = client.post(url, {"action": "reject_selected", "_selected_action": [item.pk]})
    assert ask.status_code == 200 and "Reject with a reason" in ask.content.decode()
    done = client.post(
        url,
        {
            "action": "reject_selected",
            "_selected_action": [item.pk],
            "apply": "1",
            "reason_code": "unreliable",
            "reason_text": "A parody site.",
        },
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert (
        item.state == "rejected"
        and item.state_reason == "Unreliable or unverifiable source: A parody site."
    )
    assert Decision.objects.get(item_kind="evidence").reason_text == "A parody site."


def test_the_audit_log_is_read_only_in_the_admin(admin_user):
    client = logged_in(admin_user)
    assert client.get("/admin/catalog/auditentry/").status_code == 200
    assert client.get("/admin/catalog/auditentry/add/").status_code == 403
