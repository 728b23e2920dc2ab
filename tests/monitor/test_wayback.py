"""The Wayback witness, against a local server standing in for Save Page Now (no internet)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from app.archive.models import Capture
from app.catalog.choices import PublicationState
from app.monitor.models import WaybackSubmission, WitnessStatus
from app.monitor.wayback import witness_due
from tests.factories import CaptureFactory, EvidenceFactory
from tests.lib.servers import LocalServer, RequestHandler, serve

pytestmark = pytest.mark.django_db


class SavePageNow:
    """Answers like SPN's anonymous GET: a redirect to the new memento (or a chosen status)."""

    status = 302

    def __call__(self, handler: RequestHandler) -> None:
        target = handler.path.split("/save/", 1)[1]
        if self.status == 302:
            handler.reply(302, "", headers=[("Location", f"/web/20261129120000/{target}")])
        elif self.status == 200:
            body = f'<p>Saved: <a href="/web/20261129120001/{target}">here</a></p>'
            handler.reply(200, body)
        else:
            handler.reply(self.status, "busy", headers=[("Retry-After", "120")])


@pytest.fixture
def spn() -> SavePageNow:
    return SavePageNow()


@pytest.fixture
def server(spn: SavePageNow, settings: Any) -> Iterator[LocalServer]:
    with serve({"/save/*": spn}) as running:
        settings.ARCHIVE_ALLOW_HOSTS = [running.host_port]
        settings.WAYBACK_SAVE_URL = running.url_for("/save/")
        settings.WAYBACK_WITNESS = True
        settings.WAYBACK_PER_MINUTE = 3
        yield running


def public_capture(n: int = 0) -> Capture:
    capture = CaptureFactory()
    EvidenceFactory(source=capture.source)
    return capture


def test_it_is_off_by_default(server: LocalServer, settings: Any) -> None:
    settings.WAYBACK_WITNESS = False
    public_capture()
    assert witness_due() == 0
    assert server.requests == []


def test_a_public_capture_gets_a_wayback_address(server: LocalServer) -> None:
    capture = public_capture()
    assert witness_due() == 1
    capture.refresh_from_db()
    assert capture.wayback_url == (f"{server.url}/web/20261129120000/{capture.requested_url}")
    assert server.requests[0].path == f"/save/{capture.requested_url}"
    assert capture.wayback_submission.status == WitnessStatus.DONE


def test_the_address_is_also_found_in_the_page_body(server: LocalServer, spn: SavePageNow) -> None:
    spn.status = 200
    capture = public_capture()
    witness_due()
    capture.refresh_from_db()
    assert "/web/20261129120001/" in capture.wayback_url


def test_only_a_few_a_minute_are_sent(server: LocalServer) -> None:
    for n in range(5):
        public_capture(n)
    now = timezone.now()
    assert witness_due(now=now) == 3
    assert len(server.requests) == 3
    assert witness_due(now=now + timedelta(minutes=1)) == 2


def test_drafts_are_not_sent_to_a_third_party(server: LocalServer) -> None:
    capture = public_capture()
    capture.source.evidence.update(state=PublicationState.DRAFT)
    assert witness_due() == 0
    assert server.requests == []


def test_a_rate_limit_waits_and_failures_give_up_after_three_tries(
    server: LocalServer, spn: SavePageNow
) -> None:
    spn.status = 429
    capture = public_capture()
    now = timezone.now()
    witness_due(now=now)
    row = WaybackSubmission.objects.get(capture=capture)
    assert (row.status, row.last_error) == (WitnessStatus.QUEUED, "Save Page Now: HTTP 429")
    assert row.next_attempt_at == now + timedelta(seconds=120)
    spn.status = 500
    for hours in (1, 3, 9):
        witness_due(now=now + timedelta(hours=hours))
    row.refresh_from_db()
    assert (row.status, row.attempts) == (WitnessStatus.FAILED, 3)
    assert "HTTP 500" in row.last_error
    capture.refresh_from_db()
    assert capture.wayback_url == ""
