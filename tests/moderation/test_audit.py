"""The audit log: every action is written once and never changed or removed."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from app.catalog import audit
from app.catalog.models import AuditEntry, AuditEntryImmutable
from tests.factories import ClaimFactory
from tests.moderation.conftest import logged_in

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def an_entry(**extra):
    return audit.record(actor=None, action="test.entry", target=audit.Target("test", "1"), **extra)


def test_the_model_refuses_to_change_or_remove_an_entry():
    entry = an_entry(reason="original")
    entry.reason = "rewritten"
    with pytest.raises(AuditEntryImmutable):
        entry.save()
    with pytest.raises(AuditEntryImmutable):
        entry.delete()
    with pytest.raises(AuditEntryImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(AuditEntryImmutable):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "original"


@pytest.mark.postgres
def test_the_database_refuses_update_and_delete_even_in_raw_sql(needs_postgres):
    entry = an_entry(reason="original")
    for statement in (
        "UPDATE moderation_auditentry SET reason = 'rewritten' WHERE id = %s",
        "DELETE FROM moderation_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).reason == "original"
    with connection.cursor() as cursor:  # inserting stays possible
        cursor.execute("SELECT COUNT(*) FROM moderation_auditentry")
        assert cursor.fetchone()[0] == 1


def test_no_application_code_updates_or_deletes_audit_rows():
    """A weak extra to the trigger test: no `.update(`/`.delete(` on AuditEntry in app/."""
    offenders = []
    pattern = re.compile(
        r"AuditEntry\.(objects|_default_manager)[^\n]*\.(update|delete|bulk_update)\("
    )
    for path in (ROOT / "app").rglob("*.py"):
        if "migrations" not in path.parts and pattern.search(path.read_text()):
            offenders.append(str(path))
    assert offenders == []


def test_deleting_a_user_keeps_their_audit_rows(django_user_model):
    temp = django_user_model.objects.create_user("temp", "t@example.org", "x" * 12)
    audit.record(actor=temp, action="test.entry", target=temp)
    temp.delete()
    entry = AuditEntry.objects.get(action="test.entry")
    assert entry.actor_name == "temp"


def test_role_changes_are_audited_from_either_side(mallory, admin_user):
    editors = Group.objects.get(name="editor")
    mallory.groups.add(editors)
    editors.user_set.remove(mallory)
    mallory.groups.add(Group.objects.get(name="moderator"))
    mallory.groups.clear()
    rows = list(
        AuditEntry.objects.filter(target_id=str(mallory.pk))
        .order_by("id")
        .values_list("action", "before", "after")
    )
    assert rows == [
        ("role.add", {"role": "editor"}, {"roles": ["editor"]}),
        ("role.remove", {"role": "editor"}, {"roles": []}),
        ("role.add", {"role": "moderator"}, {"roles": ["moderator"]}),
        ("role.remove", {"role": "moderator"}, {"roles": []}),
    ]


def test_a_role_change_in_the_admin_names_the_admin(admin_user, mallory):
    client = logged_in(admin_user)
    page = client.get(f"/admin/accounts/user/{mallory.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None
        and k not in ("groups", "user_permissions", "password", "last_login", "date_joined")
    }
    data |= {
        "groups": [Group.objects.get(name="moderator").pk],
        "is_staff": "on",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }
    response = client.post(f"/admin/accounts/user/{mallory.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    actions = dict(
        AuditEntry.objects.filter(target_id=str(mallory.pk)).values_list("action", "actor_name")
    )
    assert actions == {"role.add": "root", "role.staff": "root"}


def test_token_creation_is_audited(alice):
    from app.accounts.services import token_create

    new = token_create(user=alice, name="ingest bot")
    entry = AuditEntry.objects.get(action="token.create")
    assert entry.target_type == "accounts.apitoken" and entry.target_id == str(new.token.pk)
    assert entry.after == {"user": alice.pk, "name": "ingest bot"}
    assert new.secret not in str(entry.after) + entry.target_repr


def test_token_revocation_is_audited_once(alice, bob):
    from app.accounts.services import token_create, token_revoke

    token = token_create(user=alice, name="old bot").token
    token_revoke(token=token)
    token_revoke(token=token)  # twice is harmless, and logged once
    assert AuditEntry.objects.filter(action="token.revoke", target_id=str(token.pk)).count() == 1


def test_deactivating_a_user_ends_their_sessions_and_tokens_but_hides_nothing(
    admin_user, alice, client
):
    from app.accounts.services import TokenError, token_authenticate, token_create

    claim = ClaimFactory(created_by=alice)
    secret = token_create(user=alice, name="bot").secret
    alice_client = logged_in(alice)
    assert alice_client.get("/moderation/").status_code == 403  # logged in, no permission
    assert Session.objects.count() == 1
    response = logged_in(admin_user).post(
        "/admin/accounts/user/",
        {"action": "deactivate_users", "_selected_action": [alice.pk]},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.is_active
    owners = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert owners == [str(admin_user.pk)]
    assert alice_client.get("/moderation/").status_code == 302  # anonymous now: sent to log in
    with pytest.raises(TokenError):
        token_authenticate(secret)
    assert client.get(claim.get_absolute_url()).status_code == 200
    entry = AuditEntry.objects.get(action="user.deactivate")
    assert entry.actor_name == "root"
    assert entry.after == {"is_active": False, "sessions_ended": 1, "tokens_revoked": 1}


def test_moderators_browse_and_filter_the_audit_log(bob_client, bob):
    claim = ClaimFactory()
    audit.record(actor=bob, action="claim.publish", target=claim, reason="Looks right.")
    audit.record(actor=None, action="reply.no_response", target=claim)
    page = bob_client.get("/moderation/audit/?action=claim.").content.decode()
    assert "claim.publish" in page and "Looks right." in page and "reply.no_response" not in page
    assert (
        "reply.no_response"
        in bob_client.get("/moderation/audit/?actor=&target_id=" + str(claim.pk)).content.decode()
    )
    assert "No entries match." in bob_client.get("/moderation/audit/?actor=nobody").content.decode()
    assert bob_client.get("/moderation/audit/?since=not-a-date").status_code == 200
    assert "Export as CSV" not in page


def test_the_audit_page_keeps_a_flat_query_count(bob_client, bob):
    for _ in range(3):
        audit.record(actor=bob, action="test.entry", target=audit.Target("test", "1"))
    with CaptureQueriesContext(connection) as few:
        bob_client.get("/moderation/audit/")
    for _ in range(20):
        audit.record(actor=bob, action="test.entry", target=audit.Target("test", "1"))
    with CaptureQueriesContext(connection) as many:
        bob_client.get("/moderation/audit/")
    assert len(many) == len(few)


def test_outsiders_cannot_read_the_audit_log(alice, client):
    assert client.get("/moderation/audit/").status_code == 302
    assert logged_in(alice).get("/moderation/audit/").status_code == 403


def test_only_admins_export_the_log_as_streaming_csv(bob_client, admin_user, bob):
    audit.record(
        actor=bob,
        action="claim.reject",
        target=audit.Target("catalog.claim", "7"),
        reason="=HYPERLINK(1)",
    )
    assert bob_client.get("/moderation/audit/export.csv").status_code == 403
    response = logged_in(admin_user).get("/moderation/audit/export.csv?action=claim.")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="trainedon-audit-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["action"], r["actor_name"], r["reason"]) for r in rows] == [
        ("claim.reject", "bob", "'=HYPERLINK(1)")
    ]
    assert AuditEntry.objects.filter(action="audit.export", actor_name="root").count() == 1
