"""The review queue: what bob the moderator sees, takes and decides."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from app.catalog.choices import PublicationState
from app.catalog.models import AuditEntry, Claim
from app.moderation.models import Decision, Flag, ReviewLock, Suggestion
from tests.factories import ClaimFactory, EntityFactory, EvidenceFactory
from tests.moderation.conftest import logged_in

pytestmark = pytest.mark.django_db


def make_suggestion(**extra):
    return Suggestion.objects.create(
        kind="claim",
        url="https://news.example/s",
        normalized_url="https://news.example/s",
        statement=extra.pop("statement", "A suggested claim."),
        summary="What the page shows.",
        **extra,
    )


def make_flag(**extra):
    claim = extra.pop("claim", None) or ClaimFactory()
    return Flag.objects.create(claim=claim, reason="wrong", note="The date is wrong.", **extra)


def pending(**extra):
    return ClaimFactory(state=PublicationState.PENDING, published_at=None, **extra)


def test_the_queue_lists_every_pending_kind_oldest_first(bob_client, carol):
    now = timezone.now()
    newest = pending(statement="Newest claim", created_at=now)
    oldest = make_suggestion(statement="Oldest suggestion", created_at=now - timedelta(hours=3))
    middle = EvidenceFactory(
        state=PublicationState.PENDING,
        published_at=None,
        summary="Middle evidence",
        created_at=now - timedelta(hours=2),
    )
    flag = make_flag(created_at=now - timedelta(hours=1))
    ClaimFactory(statement="Already published claim")
    page = bob_client.get("/moderation/").content.decode()
    positions = [
        page.index(text)
        for text in ("Oldest suggestion", "Middle evidence", flag.note, "Newest claim")
    ]
    assert positions == sorted(positions)
    assert "Already published claim" not in page
    assert f'value="claim:{newest.pk}"' in page and f'value="suggestion:{oldest.pk}"' in page
    assert f'value="evidence:{middle.pk}"' in page and f'value="flag:{flag.pk}"' in page


def test_the_queue_filters_by_kind_language_and_entity(bob_client):
    sora = EntityFactory(slug="sora")
    about_sora = pending(statement="About Sora", language="en")
    about_sora.models_named.add(sora)
    pending(statement="In French", language="fr")
    make_suggestion(statement="A French suggestion", language="fr")
    by_kind = bob_client.get("/moderation/?kind=suggestion").content.decode()
    assert "A French suggestion" in by_kind and "About Sora" not in by_kind
    by_language = bob_client.get("/moderation/?language=fr").content.decode()
    assert "In French" in by_language and "A French suggestion" in by_language
    assert "About Sora" not in by_language
    by_entity = bob_client.get("/moderation/?entity=sora").content.decode()
    assert "About Sora" in by_entity and "In French" not in by_entity


def test_outsiders_cannot_see_the_queue(client, alice, mallory):
    assert client.get("/moderation/").status_code == 302
    assert logged_in(alice).get("/moderation/").status_code == 403
    assert logged_in(mallory).get("/moderation/").status_code == 403
    assert (
        logged_in(mallory)
        .post("/moderation/queue/claim/1/decide/", {"action": "publish"})
        .status_code
        == 403
    )


def _fill_queue(n: int) -> None:
    for _ in range(n):
        claim = pending()
        claim.models_named.add(EntityFactory())
        EvidenceFactory(state=PublicationState.PENDING, published_at=None)
        make_suggestion()
        make_flag()


def test_the_queue_keeps_a_flat_query_count(bob_client, bob):
    _fill_queue(2)
    ReviewLock.objects.create(item_kind="claim", item_id=Claim.objects.first().pk, taken_by=bob)
    with CaptureQueriesContext(connection) as few:
        assert bob_client.get("/moderation/").status_code == 200
    _fill_queue(20)
    with CaptureQueriesContext(connection) as many:
        assert bob_client.get("/moderation/").status_code == 200
    assert len(many) == len(few)


def test_a_taken_item_shows_who_took_it_to_other_moderators(bob, bob_client, django_user_model):
    claim = pending(statement="Take me")
    assert bob_client.post(f"/moderation/queue/claim/{claim.pk}/take/").status_code == 302
    lock = ReviewLock.objects.get(item_kind="claim", item_id=claim.pk)
    assert lock.taken_by == bob
    dave = _second_moderator(django_user_model)
    dave_client = logged_in(dave)
    assert "taken by Bob Moderator" in dave_client.get("/moderation/").content.decode()
    response = dave_client.post(f"/moderation/queue/claim/{claim.pk}/take/")
    assert response.status_code == 409
    assert "Bob Moderator took this item" in response.content.decode()
    decided = dave_client.post(f"/moderation/queue/claim/{claim.pk}/decide/", {"action": "publish"})
    assert decided.status_code == 409
    claim.refresh_from_db()
    assert claim.state == PublicationState.PENDING
    assert AuditEntry.objects.filter(action="queue.take", target_id=str(claim.pk)).count() == 1


def _second_moderator(django_user_model):
    from django.contrib.auth.models import Group

    dave = django_user_model.objects.create_user("dave", "dave@example.org", "x" * 12)
    dave.groups.add(Group.objects.get(name="moderator"))
    return dave


def test_a_lock_expires_after_the_configured_minutes(bob, django_user_model, settings):
    settings.MODERATION_LOCK_MINUTES = 30
    claim = pending()
    ReviewLock.objects.create(
        item_kind="claim",
        item_id=claim.pk,
        taken_by=bob,
        taken_at=timezone.now() - timedelta(minutes=31),
    )
    dave_client = logged_in(_second_moderator(django_user_model))
    assert "taken by" not in dave_client.get("/moderation/").content.decode()
    response = dave_client.post(
        f"/moderation/queue/claim/{claim.pk}/decide/", {"action": "publish"}
    )
    assert response.status_code == 302
    assert not ReviewLock.objects.filter(item_id=claim.pk).exists()


def test_publishing_a_claim_tells_the_author_by_mail_and_logs_it(
    bob_client, pending_claim, carol, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = bob_client.post(
            f"/moderation/queue/claim/{pending_claim.pk}/decide/", {"action": "publish"}
        )
    assert response.status_code == 302
    assert mailoutbox == []  # never sent in the request: a worker sends it after commit
    from app.celery import app as celery_app

    celery_app.conf.task_always_eager = True  # run the task here instead of on a worker
    try:
        for callback in callbacks:
            callback()
    finally:
        celery_app.conf.task_always_eager = False
    pending_claim.refresh_from_db()
    assert pending_claim.state == PublicationState.PUBLISHED and pending_claim.published_at
    decision = Decision.objects.get(item_kind="claim", item_id=pending_claim.pk)
    assert decision.author == carol and decision.outcome == "published"
    assert [m.to for m in mailoutbox] == [["carol@example.org"]]
    assert "published" in mailoutbox[0].subject
    entry = AuditEntry.objects.get(action="claim.publish")
    assert entry.actor_name == "bob" and entry.before == {"state": "pending", "state_reason": ""}
    assert entry.after["state"] == "published"


def test_rejecting_needs_a_standard_reason(bob_client, pending_claim):
    url = f"/moderation/queue/claim/{pending_claim.pk}/decide/"
    refused = bob_client.post(url, {"action": "reject"})
    assert refused.status_code == 400
    assert "Choose a reason" in refused.content.decode()
    other_without_text = bob_client.post(url, {"action": "reject", "reason_code": "other"})
    assert other_without_text.status_code == 400
    accepted = bob_client.post(
        url, {"action": "reject", "reason_code": "duplicate", "reason_text": "See claim 12."}
    )
    assert accepted.status_code == 302
    pending_claim.refresh_from_db()
    assert pending_claim.state == PublicationState.REJECTED
    assert pending_claim.state_reason == "Duplicate of an existing entry: See claim 12."
    assert AuditEntry.objects.get(action="claim.reject").reason == pending_claim.state_reason


def test_sending_back_puts_the_item_in_draft_with_the_comment(bob_client, pending_evidence):
    url = f"/moderation/queue/evidence/{pending_evidence.pk}/decide/"
    assert bob_client.post(url, {"action": "changes"}).status_code == 400
    assert (
        bob_client.post(
            url, {"action": "changes", "reason_text": "Add the time range."}
        ).status_code
        == 302
    )
    pending_evidence.refresh_from_db()
    assert pending_evidence.state == PublicationState.DRAFT
    assert pending_evidence.state_reason == "Add the time range."
    assert AuditEntry.objects.filter(action="evidence.changes").count() == 1


def test_deciding_an_already_decided_item_answers_409_and_says_who(
    bob_client, pending_claim, django_user_model
):
    url = f"/moderation/queue/claim/{pending_claim.pk}/decide/"
    assert bob_client.post(url, {"action": "publish"}).status_code == 302
    late = logged_in(_second_moderator(django_user_model)).post(
        url, {"action": "reject", "reason_code": "spam"}
    )
    assert late.status_code == 409
    assert "Bob Moderator already decided this item (Published)" in late.content.decode()
    assert Decision.objects.filter(item_id=pending_claim.pk).count() == 1


def test_an_htmx_decision_loads_the_next_item_and_removes_the_row(bob_client):
    first = pending(statement="First in line", created_at=timezone.now() - timedelta(hours=2))
    pending(statement="Second in line", created_at=timezone.now() - timedelta(hours=1))
    response = bob_client.post(
        f"/moderation/queue/claim/{first.pk}/decide/", {"action": "publish"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert "Published: First in line" in page
    assert "Second in line" in page
    assert f'<li id="item-claim-{first.pk}" hx-swap-oob="delete">' in page


def test_an_htmx_conflict_answers_409_inside_the_panel(bob_client, pending_claim):
    bob_client.post(f"/moderation/queue/claim/{pending_claim.pk}/decide/", {"action": "publish"})
    again = bob_client.post(
        f"/moderation/queue/claim/{pending_claim.pk}/decide/",
        {"action": "publish"},
        HTTP_HX_REQUEST="true",
    )
    assert again.status_code == 409
    assert 'class="error"' in again.content.decode() and "<html" not in again.content.decode()


def test_bulk_decisions_apply_to_the_selection_and_report_skips(bob_client):
    claims = [pending() for _ in range(3)]
    already = ClaimFactory()
    flag = make_flag()
    keys = [f"claim:{c.pk}" for c in claims] + [f"claim:{already.pk}", f"flag:{flag.pk}", "bogus:1"]
    response = bob_client.post(
        "/moderation/queue/bulk/",
        {"items": keys, "action": "reject", "reason_code": "out_of_scope"},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "4 decided." in page
    assert f"claim:{already.pk}" in page and "bogus:1" in page
    assert set(
        Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list("state", flat=True)
    ) == {"rejected"}
    flag.refresh_from_db()
    assert flag.status == "dismissed"
    assert AuditEntry.objects.filter(action__in=["claim.reject", "flag.dismiss"]).count() == 4


def test_a_flag_is_resolved_with_a_note(bob_client, carol):
    flag = make_flag(reporter=carol)
    response = bob_client.post(
        f"/moderation/queue/flag/{flag.pk}/decide/",
        {"action": "resolve", "reason_text": "Date corrected."},
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.resolution_note, flag.resolved_by.username) == (
        "resolved",
        "Date corrected.",
        "bob",
    )
    assert Decision.objects.get(item_kind="flag").author == carol
    assert AuditEntry.objects.get(action="flag.resolve").reason == "Date corrected."


def test_a_flag_cannot_be_published(bob_client):
    flag = make_flag()
    assert (
        bob_client.post(
            f"/moderation/queue/flag/{flag.pk}/decide/", {"action": "publish"}
        ).status_code
        == 400
    )


def test_an_unknown_item_is_404(bob_client):
    assert bob_client.get("/moderation/queue/claim/999999/").status_code == 404
    assert bob_client.get("/moderation/queue/nonsense/1/").status_code == 404
    assert (
        bob_client.post("/moderation/queue/claim/999999/decide/", {"action": "publish"}).status_code
        == 404
    )
    assert bob_client.post("/moderation/queue/claim/999999/take/").status_code == 404


def test_the_author_sees_the_decision_and_reason_on_their_dashboard_partial(
    bob_client, carol, pending_claim
):
    from django.template.loader import render_to_string

    bob_client.post(
        f"/moderation/queue/claim/{pending_claim.pk}/decide/",
        {
            "action": "reject",
            "reason_code": "not_supported",
            "reason_text": "The video shows another game.",
        },
    )
    html = render_to_string("moderation/_my_decisions.html", {"user": carol})
    assert "Rejected" in html
    assert "Not supported by the evidence given: The video shows another game." in html
    assert pending_claim.statement in html


def test_without_javascript_a_decision_redirects_to_the_next_item(bob_client):
    first = pending(statement="First", created_at=timezone.now() - timedelta(hours=2))
    second = pending(statement="Second", created_at=timezone.now() - timedelta(hours=1))
    response = bob_client.post(
        f"/moderation/queue/claim/{first.pk}/decide/", {"action": "publish", "language": "en"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/moderation/queue/claim/{second.pk}/?language=en"
    page = bob_client.get(response["Location"]).content.decode()
    assert "Published: First" in page and "Second" in page and "<html" in page
