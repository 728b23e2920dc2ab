"""The publication state machine: every role, every transition, in the service, the
workspace, the moderation queue and the API (issue 11, failures 2 and 3)."""

from __future__ import annotations

from itertools import permutations
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from app.accounts.services import token_create
from app.catalog.choices import PublicationState as S
from app.catalog.models import AuditEntry, Claim, Evidence
from app.catalog.publication import PublicationError, TransitionNotAllowed, publication_set
from app.catalog.services import claim_publish, claim_submit
from tests.factories import ClaimFactory, EvidenceFactory

STATES = [S.DRAFT, S.PENDING, S.PUBLISHED, S.REJECTED, S.WITHDRAWN]
# Who acts, and whose item it is: "own" items are the actor's, "other" items dave's.
ACTORS = ["carol-own", "carol-other", "alice-own", "alice-other", "pat-own", "pat-other", "bob"]
MODERATOR_ONLY = {"bob"}
# The documented table (app/catalog/publication.py), written out again on purpose:
# a test that derived it from the code could not fail.
EXPECTED: dict[tuple[str, str], set[str]] = {
    (S.DRAFT, S.PENDING): {"carol-own", "alice-own", "alice-other", "pat-own", "pat-other", "bob"},
    (S.DRAFT, S.PUBLISHED): {"pat-own", "pat-other", "bob"},
    (S.PENDING, S.PUBLISHED): {"pat-own", "bob"},
    (S.PENDING, S.REJECTED): MODERATOR_ONLY,
    (S.PENDING, S.DRAFT): MODERATOR_ONLY,
    (S.PUBLISHED, S.WITHDRAWN): MODERATOR_ONLY,
    (S.WITHDRAWN, S.PUBLISHED): MODERATOR_ONLY,
    (S.WITHDRAWN, S.DRAFT): MODERATOR_ONLY,
    (S.REJECTED, S.DRAFT): MODERATOR_ONLY,
    (S.REJECTED, S.PENDING): MODERATOR_ONLY,
    (S.REJECTED, S.PUBLISHED): MODERATOR_ONLY,
}
NEEDS_REASON = {(S.PENDING, S.REJECTED), (S.PENDING, S.DRAFT), (S.PUBLISHED, S.WITHDRAWN)}


@pytest.fixture
def people(carol: Any, dave: Any, alice: Any, pat: Any, bob: Any) -> dict[str, Any]:
    return {"carol": carol, "dave": dave, "alice": alice, "pat": pat, "bob": bob}


def _make(model: type, state: str, author: Any) -> Any:
    if model is Claim:
        return ClaimFactory(state=state, published_at=_date(state), created_by=author)
    claim = ClaimFactory(state=S.PUBLISHED)
    return EvidenceFactory(claim=claim, state=state, published_at=_date(state), added_by=author)


def _date(state: str) -> Any:
    from django.utils import timezone

    return timezone.now() if state in (S.PUBLISHED, S.WITHDRAWN) else None


@pytest.mark.parametrize("model", [Claim, Evidence], ids=["claim", "evidence"])
def test_every_role_and_every_transition(model: type, people: dict[str, Any]) -> None:
    label = "claim" if model is Claim else "evidence"
    checked = 0
    for current, target in permutations(STATES, 2):
        for who in ACTORS:
            name, _sep, whose = who.partition("-")
            actor = people[name]
            author = actor if whose == "own" else people["dave"]
            item = _make(model, current, author)
            before = AuditEntry.objects.count()
            reason = "Because." if (current, target) in NEEDS_REASON else ""
            allowed = who in EXPECTED.get((current, target), set())
            case = f"{who} {label} {current}->{target}"
            if allowed:
                publication_set(item, target, actor=actor, reason=reason)
                item.refresh_from_db()
                assert item.state == target, case
                entries = AuditEntry.objects.filter(target_type=f"catalog.{label}")
                newest = entries.order_by("-id").first()
                assert AuditEntry.objects.count() == before + 1, case
                assert newest is not None and newest.target_id == str(item.pk), case
                assert newest.before["state"] == current and newest.after["state"] == target
                if target == S.PUBLISHED:
                    assert item.published_at is not None, case
            else:
                error = (
                    PublicationError if (current, target) not in EXPECTED else TransitionNotAllowed
                )
                with pytest.raises(error):
                    publication_set(item, target, actor=actor, reason=reason)
                item.refresh_from_db()
                assert item.state == current, case
                assert AuditEntry.objects.count() == before, case
            checked += 1
    assert checked == 20 * len(ACTORS)


def test_a_rejection_and_a_withdrawal_need_a_reason(bob: Any) -> None:
    for current, target in sorted(NEEDS_REASON):
        item = ClaimFactory(state=current, published_at=_date(current))
        with pytest.raises(PublicationError):
            publication_set(item, target, actor=bob, reason="   ")
        item.refresh_from_db()
        assert item.state == current


def test_only_a_draft_is_submitted(carol: Any) -> None:
    claim = ClaimFactory(state=S.PENDING, published_at=None, created_by=carol)
    with pytest.raises(PublicationError):
        claim_submit(claim=claim, actor=carol)


# --- Failure 3: what goes out with a claim -------------------------------------


def test_publishing_a_claim_takes_only_the_actors_own_draft_evidence(
    pat: Any, carol: Any, bob: Any
) -> None:
    claim = ClaimFactory(state=S.DRAFT, published_at=None, created_by=pat)
    mine = EvidenceFactory(claim=claim, state=S.DRAFT, published_at=None, added_by=pat)
    theirs = EvidenceFactory(claim=claim, state=S.DRAFT, published_at=None, added_by=carol)
    waiting = EvidenceFactory(claim=claim, state=S.PENDING, published_at=None, added_by=carol)
    claim_publish(claim=claim, actor=pat)
    states = dict(Evidence.objects.filter(claim=claim).values_list("pk", "state"))
    assert states == {mine.pk: S.PUBLISHED, theirs.pk: S.DRAFT, waiting.pk: S.PENDING}
    assert AuditEntry.objects.filter(action="evidence.publish", target_id=str(mine.pk)).exists()
    assert not AuditEntry.objects.filter(
        target_type="catalog.evidence", target_id__in=[str(theirs.pk), str(waiting.pk)]
    ).exists()


def test_the_moderation_queue_follows_the_same_rule(bob: Any, carol: Any) -> None:
    claim = ClaimFactory(state=S.PENDING, published_at=None, created_by=carol)
    waiting = EvidenceFactory(claim=claim, state=S.PENDING, published_at=None, added_by=carol)
    client = Client()
    client.force_login(bob)
    url = reverse("moderation:decide", args=["claim", claim.pk])
    response = client.post(url, {"action": "publish"})
    assert response.status_code in (200, 302)
    claim.refresh_from_db()
    waiting.refresh_from_db()
    assert claim.state == S.PUBLISHED and waiting.state == S.PENDING
    assert AuditEntry.objects.filter(action="claim.publish", target_id=str(claim.pk)).count() == 1


# --- Failure 2: a rejected claim, republished without a moderator --------------------


def test_an_editor_who_may_publish_cannot_undo_a_rejection_through_the_api(
    pat: Any, bob: Any
) -> None:
    claim = ClaimFactory(state=S.PENDING, published_at=None, created_by=pat)
    evidence = EvidenceFactory(claim=claim, state=S.PENDING, published_at=None, added_by=pat)
    publication_set(claim, S.REJECTED, actor=bob, reason="Not supported by the evidence.")
    secret = token_create(user=pat, name="bot").secret
    entries = AuditEntry.objects.count()
    response = Client().post(
        reverse("api:claim-publish", args=[claim.slug]),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "forbidden"
    claim.refresh_from_db()
    evidence.refresh_from_db()
    assert claim.state == S.REJECTED and claim.state_reason == "Not supported by the evidence."
    assert evidence.state == S.PENDING
    assert AuditEntry.objects.count() == entries


def test_the_workspace_refuses_it_too(client: Client, pat: Any, bob: Any) -> None:
    claim = ClaimFactory(state=S.PENDING, published_at=None, created_by=pat)
    publication_set(claim, S.REJECTED, actor=bob, reason="Duplicate.")
    client.force_login(pat)
    response = client.post(reverse("editor:claim_publish", args=[claim.slug]))
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.state == S.REJECTED


def test_a_moderator_may_undo_a_rejection_and_it_is_audited(client: Client, bob: Any) -> None:
    claim = ClaimFactory(state=S.PENDING, published_at=None)
    publication_set(claim, S.REJECTED, actor=bob, reason="Duplicate.")
    client.force_login(bob)
    response = client.post(reverse("editor:claim_publish", args=[claim.slug]))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == S.PUBLISHED and claim.state_reason == ""
    entry = AuditEntry.objects.filter(action="claim.publish").get()
    assert entry.before == {"state": "rejected", "state_reason": "Duplicate."}
    assert entry.actor_name == "bob"


# --- The web and API entry points, for every role -----------------------------------


ENTRY_ROLES = ["carol", "dave", "alice", "pat", "bob"]


def _post(client: Client, kind: str, claim: Claim, user: Any) -> Any:
    if kind == "submit":
        return client.post(reverse("editor:claim_submit", args=[claim.slug]))
    if kind == "publish":
        return client.post(reverse("editor:claim_publish", args=[claim.slug]))
    if kind == "api-publish":
        secret = token_create(user=user, name="bot").secret
        return client.post(
            reverse("api:claim-publish", args=[claim.slug]),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
    action = kind.removeprefix("queue-")
    data = {"action": action, "reason_code": "other", "reason_text": "Explained."}
    return client.post(reverse("moderation:decide", args=["claim", claim.pk]), data)


# (entry point, starting state) -> where each role moves carol's claim (the roles
# not named leave it where it was). Submitting is publishing for those who may
# publish directly (pat, bob).
ENTRY_EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    ("submit", S.DRAFT): {"carol": S.PENDING, "alice": S.PENDING, "pat": S.PUBLISHED,
                          "bob": S.PUBLISHED},
    ("publish", S.DRAFT): {"pat": S.PUBLISHED, "bob": S.PUBLISHED},
    ("publish", S.PENDING): {"bob": S.PUBLISHED},
    ("publish", S.REJECTED): {"bob": S.PUBLISHED},
    ("api-publish", S.DRAFT): {"pat": S.PUBLISHED, "bob": S.PUBLISHED},
    ("api-publish", S.REJECTED): {"bob": S.PUBLISHED},
    ("queue-publish", S.PENDING): {"bob": S.PUBLISHED},
    ("queue-reject", S.PENDING): {"bob": S.REJECTED},
    ("queue-changes", S.PENDING): {"bob": S.DRAFT},
}  # fmt: skip


@pytest.mark.parametrize(("entry", "start"), list(ENTRY_EXPECTED), ids=str)
def test_each_entry_point_for_each_role(
    entry: str, start: str, people: dict[str, Any], settings: Any
) -> None:
    moves = ENTRY_EXPECTED[(entry, start)]
    for role in ENTRY_ROLES:
        claim = ClaimFactory(state=start, published_at=None, created_by=people["carol"])
        client = Client()
        client.force_login(people[role])
        if entry == "api-publish":
            from app.catalog.access import USE_API

            if not people[role].has_perm(USE_API):
                continue  # no API access at all for contributors
        response = _post(client, entry, claim, people[role])
        claim.refresh_from_db()
        expected = moves.get(role, start)
        assert claim.state == expected, (entry, start, role, response.status_code)
        assert response.status_code < 500, (entry, role)
        if role not in moves:
            assert (
                not AuditEntry.objects.filter(target_type="catalog.claim", target_id=str(claim.pk))
                .exclude(action__startswith="queue.")
                .exists()
            ), (entry, start, role)
