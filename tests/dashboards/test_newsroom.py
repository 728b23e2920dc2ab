"""The newsroom dashboard: who may open it, and that each panel counts what it says."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from app.archive.models import CaptureStatus, ErrorClass
from app.catalog.choices import DeveloperResponse, OnlineStatus, PublicationState
from tests.dashboards.pages import bars, soup, table
from tests.factories import CaptureFactory, ClaimFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db

S = PublicationState
URL = "/newsroom/"


def test_anonymous_readers_are_sent_to_log_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=/newsroom/"


@pytest.mark.parametrize("person", ["carol", "mallory"])
def test_contributors_and_outsiders_are_refused(client: Client, person: str, request: Any) -> None:
    client.force_login(request.getfixturevalue(person))
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("person", ["alice", "bob"])
def test_editors_and_moderators_open_it(client: Client, person: str, request: Any) -> None:
    client.force_login(request.getfixturevalue(person))
    page = client.get(URL)
    assert page.status_code == 200
    assert b"Review queue by age" in page.content


def test_the_nav_links_it_for_editors_only(client: Client, alice: Any, carol: Any) -> None:
    client.force_login(carol)
    assert b'href="/newsroom/"' not in client.get("/overview/").content
    client.force_login(alice)
    assert b'href="/newsroom/"' in client.get("/overview/").content


def ago(**delta: float) -> Any:
    return timezone.now() - timedelta(**delta)


def newsroom_world(alice: Any) -> dict[str, Any]:
    now = timezone.now()
    ClaimFactory(state=S.PENDING, published_at=None, created_at=ago(hours=2))
    published = ClaimFactory(created_by=alice, statement="Alice's published claim.")
    ClaimFactory(draft=True, created_by=alice)
    EvidenceFactory(claim=published, state=S.PENDING, published_at=None, created_at=ago(days=10))
    EvidenceFactory(claim=published, state=S.PENDING, published_at=None, created_at=ago(days=45))
    EvidenceFactory(claim=published, added_by=alice, state=S.PENDING, published_at=None)
    # Captures: two archived and a timeout today, one failure too old to count.
    CaptureFactory(status=CaptureStatus.SUCCEEDED)
    CaptureFactory(status=CaptureStatus.SUCCEEDED)
    CaptureFactory(status=CaptureStatus.FAILED, error_class=ErrorClass.TIMEOUT)
    CaptureFactory(
        status=CaptureStatus.FAILED, error_class=ErrorClass.GONE, created_at=ago(days=40)
    )
    # Originals: changed after it was cited, changed before it was cited, gone.
    changed = SourceFactory(title="Changed after citation", online_status=OnlineStatus.CHANGED)
    EvidenceFactory(claim=published, source=changed, created_at=ago(days=3))
    changed.last_changed_at = now - timedelta(days=1)
    changed.save()
    before = SourceFactory(title="Changed before citation", online_status=OnlineStatus.CHANGED)
    before.last_changed_at = now - timedelta(days=9)
    before.save()
    EvidenceFactory(claim=published, source=before, created_at=ago(days=2))
    gone = SourceFactory(
        title="Removed original", online_status=OnlineStatus.GONE, gone_since=ago(days=4)
    )
    EvidenceFactory(claim=published, source=gone)
    # Right of reply: one due in 4 days, one 6 days overdue, one answered.
    today = timezone.localdate()
    for statement, days, response in [
        ("Due soon.", 10, DeveloperResponse.CONTACTED),
        ("Overdue.", 20, DeveloperResponse.CONTACTED),
        ("Answered.", 20, DeveloperResponse.REPLIED),
    ]:
        ClaimFactory(
            statement=statement,
            developer_response=response,
            developer_contacted_on=today - timedelta(days=days),
        )
    return {"published": published}


def test_each_panel_counts_what_it_says(client: Client, alice: Any, settings: Any) -> None:
    settings.RIGHT_OF_REPLY_DAYS = 14
    newsroom_world(alice)
    client.force_login(alice)
    page = soup(client.get(URL).content)

    queue = table(page, "queue")  # claim, evidence, suggestion, flag, total
    assert queue == {
        "Under a day": [1, 1, 0, 0, 2],
        "1 to 7 days": [0, 0, 0, 0, 0],
        "7 to 30 days": [0, 1, 0, 0, 1],
        "Over 30 days": [0, 1, 0, 0, 1],
    }
    days = table(page, "capture-days")  # archived, partial, failed, waiting, total
    assert sum(row[0] for row in days.values()) == 2
    assert sum(row[2] for row in days.values()) == 1
    assert len(days) == 30
    assert list(days.values())[-1] == [2, 0, 1, 0, 3]  # all of them today
    # Failure classes in plain words (archive.states.error_short_label), not developer words.
    assert table(page, "failure-classes") == {"Site too slow": [1]}
    assert bars(page, "failure-classes") == {"Site too slow": 1}

    changed = page.select_one("#changed-heading").find_parent("section")
    titles = [a.get_text() for a in changed.select("tbody td:first-child a:first-child")]
    assert sorted(titles) == ["Changed after citation", "Removed original"]
    assert len(changed.select('a[href$="/versions/"]')) == 2

    replies = page.select_one("#reply-heading").find_parent("section")
    rows = [r.get_text(" ", strip=True) for r in replies.select("tbody tr")]
    assert [r.split(" ")[0] for r in rows] == ["Overdue.", "Due"]
    assert "Overdue by 6 days" in rows[0]
    assert "4 days left" in rows[1]

    assert table(page, "own-claims")["Draft"] == [1]
    assert table(page, "own-claims")["Published"] == [1]
    assert table(page, "own-evidence")["Pending review"] == [1]
    assert sum(v[0] for v in table(page, "own-evidence").values()) == 1


# the session, the user and the permissions, then the queue (one per kind), captures, the
# changed sources (list and count), the reply deadlines and the own work (claims, evidence)
NEWSROOM_QUERIES = 14


def count_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_the_newsroom_keeps_its_query_count_after_20_more_rows(client: Client, alice: Any) -> None:
    world = newsroom_world(alice)
    client.force_login(alice)
    few = count_queries(client)
    for _ in range(20):
        source = SourceFactory(online_status=OnlineStatus.GONE, gone_since=ago(days=1))
        EvidenceFactory(claim=world["published"], source=source, state=S.PENDING, published_at=None)
        CaptureFactory(source=source, status=CaptureStatus.FAILED, error_class=ErrorClass.GONE)
        ClaimFactory(
            developer_response=DeveloperResponse.CONTACTED,
            developer_contacted_on=timezone.localdate(),
        )
    many = count_queries(client)
    assert (few, many) == (NEWSROOM_QUERIES, NEWSROOM_QUERIES)
