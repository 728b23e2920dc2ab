"""Two moderators deciding the same item at the same moment: exactly one decision wins."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from app.catalog.choices import PublicationState
from app.catalog.models import AuditEntry
from app.moderation.models import Decision
from tests.factories import ClaimFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _post_at_once(
    clients: list[Client], paths: list[str], payloads: list[dict]
) -> list[tuple[int, str]]:
    barrier = threading.Barrier(len(clients))
    results: list[tuple[int, str]] = [(0, "")] * len(clients)

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            response = clients[n].post(paths[n], payloads[n])
            results[n] = (response.status_code, response.content.decode())
        finally:
            connection.close()  # each thread has its own connection; do not leak it

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_moderators_deciding_at_once_record_exactly_one_decision(
    needs_postgres, bob, django_user_model
):
    dave = django_user_model.objects.create_user(
        "dave", "dave@example.org", "x" * 12, display_name="Dave"
    )
    dave.groups.add(Group.objects.get(name="moderator"))
    clients = []
    for user in (bob, dave):
        client = Client()
        client.force_login(user)
        clients.append(client)
    for _round in range(5):  # several rounds, so the requests really overlap at least once
        claim = ClaimFactory(state=PublicationState.PENDING, published_at=None)
        path = f"/moderation/queue/claim/{claim.pk}/decide/"
        results = _post_at_once(
            clients,
            [path, path],
            [{"action": "publish"}, {"action": "reject", "reason_code": "spam"}],
        )
        statuses = sorted(status for status, _body in results)
        assert statuses == [302, 409], results
        loser = next(body for status, body in results if status == 409)
        assert "already decided this item" in loser
        assert Decision.objects.filter(item_kind="claim", item_id=claim.pk).count() == 1
        decisions = AuditEntry.objects.filter(target_type="catalog.claim", target_id=str(claim.pk))
        assert decisions.count() == 1
        claim.refresh_from_db()
        assert claim.state in (PublicationState.PUBLISHED, PublicationState.REJECTED)
