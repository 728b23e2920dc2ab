"""The audit log reads as a table of field changes, and its targets link where the viewer may go."""

from __future__ import annotations

import re

import pytest

from app.catalog import audit
from app.catalog.models import AuditEntry
from tests.factories import ClaimFactory, EvidenceFactory
from tests.moderation.conftest import logged_in

pytestmark = pytest.mark.django_db


def row_of(page: str, entry: AuditEntry) -> str:
    start = page.index(f'data-entry="{entry.pk}"')

    nxt = page.find("data-entry=", start + 10)
    return page[start : nxt if nxt != -1 else len(page)]


def test_field_changes_pair_before_and_after_in_plain_words():
    changes = audit.field_changes(
        {"state": "pending", "state_reason": ""},
        {
            "state": "rejected",
            "state_reason": "Not supported by the evidence given: one blog post.",
        },
    )
    assert [(c.label, c.before, c.after) for c in changes] == [
        ("Publication state", "Pending review", "Rejected"),
        ("Reason", "—", "Not supported by the evidence given: one blog post."),
    ]
    # A role change records the role concerned and the roles afterwards: facts, one side each.
    roles = audit.field_changes({"role": "editor"}, {"roles": ["editor", "moderator"]})
    assert [(c.label, c.side, c.value, c.changed) for c in roles] == [
        ("Role", "before", "editor", False),
        ("Roles afterwards", "after", "editor, moderator", False),
    ]
    nested = audit.field_changes(
        None, {"filters": {"actor": "bob", "since": "2026-01-01"}, "is_active": False}
    )
    assert [(c.before, c.after) for c in nested] == [
        ("—", "actor: bob; since: 2026-01-01"),
        ("—", "no"),
    ]


def test_the_log_shows_a_table_per_entry_not_a_dict_repr(bob_client, bob):
    claim = ClaimFactory()
    entry = audit.record(
        actor=bob, action="verdict.change", target=claim,
        before={"verdict": "unverified", "strength": "weak"},
        after={"verdict": "supported", "strength": "strong"}, reason="Two papers agree.",
    )  # fmt: skip
    page = bob_client.get("/moderation/audit/").content.decode()
    row = row_of(page, entry)
    assert "Verdict changed" in row and '<code class="code-name">verdict.change</code>' in row
    assert re.search(
        r'<tr data-field="verdict" class="changed"><th scope="row">Verdict</th><td class="before">Unverified</td>',
        row,
    )
    assert "{&#x27;" not in page and "&#x27;verdict&#x27;:" not in page
    assert "word-break: break-all" not in open("static/css/moderation.css").read()


def test_targets_link_to_their_workspace_page(bob_client, bob):
    claim = ClaimFactory()
    item = EvidenceFactory(claim=claim)
    on_claim = audit.record(actor=bob, action="claim.publish", target=claim)
    on_item = audit.record(actor=bob, action="evidence.publish", target=item)
    page = bob_client.get("/moderation/audit/").content.decode()
    assert f'href="/editor/claims/{claim.slug}/" data-target-link' in row_of(page, on_claim)
    assert f'href="/editor/claims/{claim.slug}/#evidence-{item.pk}" data-target-link' in row_of(
        page, on_item
    )


def test_a_user_target_links_to_the_admin_only_for_those_who_may_open_it(bob, admin_user, mallory):
    entry = audit.record(actor=admin_user, action="user.deactivate", target=mallory,
                         before={"is_active": True}, after={"is_active": False})  # fmt: skip
    admin_page = logged_in(admin_user).get("/moderation/audit/").content.decode()
    assert f'href="/admin/accounts/user/{mallory.pk}/change/"' in row_of(admin_page, entry)
    bob_page = logged_in(bob).get("/moderation/audit/").content.decode()
    assert "/admin/accounts/user/" not in row_of(bob_page, entry)
    assert "mallory" in row_of(bob_page, entry)  # named, not linked


def test_a_target_that_no_longer_exists_is_not_linked(bob_client, bob):
    claim = ClaimFactory()
    entry = audit.record(actor=bob, action="claim.publish", target=claim)
    claim.delete()
    page = bob_client.get("/moderation/audit/").content.decode()
    assert "data-target-link" not in row_of(page, entry)
