"""The queue of comparisons awaiting review (/editor/comparisons/awaiting-review/): whose,
in which order, a page at a time, for editors only, and its count on the dashboard."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from app.compare.models import Comparison, RunStatus
from tests.compare.helpers import recorded
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

QUEUE = "/editor/comparisons/awaiting-review/"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(html: str) -> list[int]:
    """The comparisons a queue page lists, in its order."""
    return [int(pk) for pk in re.findall(r'<tr id="comparison-(\d+)">', html)]


def badge(html: str) -> int | None:
    """The dashboard's count of comparisons to review (None: no link at all)."""
    found = re.search(r'id="review-queue-link".*?data-count="(\d+)"', html, re.S)
    return int(found.group(1)) if found else None


def test_an_editor_sees_the_others_finished_comparisons_she_has_not_reviewed(
    alice: Any, bob: Any, pat: Any
) -> None:
    now = timezone.now()
    at = iter(now - timedelta(hours=h) for h in range(20, 0, -1))
    waiting = recorded(pat, at=next(at))
    half = recorded(pat, reviewers=(bob,), at=next(at))
    on_draft = recorded(pat, claim=ClaimFactory(draft=True), at=next(at))
    own = recorded(alice, at=next(at))
    reviewed_by_her = recorded(pat, reviewers=(alice,), at=next(at))
    done = recorded(pat, reviewers=(bob, pat), at=next(at))
    unfinished = [recorded(pat, status=s, at=next(at)) for s in ("queued", "running", "failed")]
    orphan = recorded(None, at=next(at))  # its recorder's account was deleted

    page = signed_in(alice).get(QUEUE)
    assert page.status_code == 200
    html = page.content.decode()
    assert listed(html) == [waiting.pk, half.pk, on_draft.pk, orphan.pk]
    for hidden in (own, reviewed_by_her, done, *unfinished):
        assert f"comparison-{hidden.pk}" not in html
    row = html[html.index(f'id="comparison-{half.pk}"') :].split("</tr>")[0]
    assert half.evidence.claim.statement in row and "pat" in row and "1 of 2" in row
    assert f'href="/editor/comparisons/{half.pk}/"' in row
    assert half.created_at.strftime("%Y-%m-%d %H:%M") in row
    assert "4 comparisons waiting, oldest first." in html

    # bob (a moderator, an editor too) has his own queue: alice's, not the one he reviewed.
    bobs = listed(signed_in(bob).get(QUEUE).content.decode())
    assert bobs == [waiting.pk, on_draft.pk, own.pk, reviewed_by_her.pk, orphan.pk]

    assert badge(signed_in(alice).get("/editor/").content.decode()) == 4
    assert badge(signed_in(bob).get("/editor/").content.decode()) == 5


def test_a_review_takes_the_comparison_out_of_the_reviewers_queue_and_the_second_out_of_all(
    alice: Any, bob: Any, pat: Any
) -> None:
    comparison = recorded(pat)
    client = signed_in(alice)
    assert listed(client.get(QUEUE).content.decode()) == [comparison.pk]
    manage = client.get(f"/editor/comparisons/{comparison.pk}/").content.decode()
    assert "I have reviewed this comparison" in manage  # the queue's link leads to the form
    assert client.post(f"/editor/comparisons/{comparison.pk}/review/").status_code == 302
    assert listed(client.get(QUEUE).content.decode()) == []
    assert "Nothing is waiting for your review." in client.get(QUEUE).content.decode()
    assert badge(client.get("/editor/").content.decode()) == 0

    assert "1 of 2" in signed_in(bob).get(QUEUE).content.decode()
    assert signed_in(bob).post(f"/editor/comparisons/{comparison.pk}/review/").status_code == 302
    assert Comparison.objects.get(pk=comparison.pk).reviews.count() == 2
    assert listed(signed_in(bob).get(QUEUE).content.decode()) == []


def test_readers_and_contributors_are_refused_like_the_review_itself(
    client: Client, mallory: Any, carol: Any, pat: Any
) -> None:
    recorded(pat)
    response = client.get(QUEUE)  # anonymous: to the log-in page
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert signed_in(mallory).get(QUEUE).status_code == 403  # no role
    refused = signed_in(carol).get(QUEUE)  # a contributor may not review
    assert refused.status_code == 403 and b"Model output" not in refused.content
    dashboard = signed_in(carol).get("/editor/").content.decode()
    assert badge(dashboard) is None and "Comparisons to review" not in dashboard


def test_oldest_first_a_page_at_a_time(alice: Any, pat: Any, settings: Any) -> None:
    settings.COMPARE_REVIEW_PAGE = 2
    now = timezone.now()
    first = recorded(pat)
    rows = {
        hours: recorded(pat, at=now - timedelta(hours=hours), output=first.output)
        for hours in (3, 50, 1, 26, 7)  # recorded out of order
    }
    Comparison.objects.filter(pk=first.pk).update(created_at=now - timedelta(days=30))
    tie = recorded(pat, at=rows[3].created_at, output=first.output)  # same time: by id
    client = signed_in(alice)
    pages = [listed(client.get(f"{QUEUE}?page={n}").content.decode()) for n in (1, 2, 3, 4)]
    oldest_first = [first, rows[50], rows[26], rows[7], rows[3], tie, rows[1]]
    assert pages == [[c.pk for c in oldest_first[i : i + 2]] for i in (0, 2, 4, 6)]
    assert listed(client.get(QUEUE).content.decode()) == pages[0]
    two = client.get(f"{QUEUE}?page=2").content.decode()
    assert "Page 2 of 4" in two and 'href="?page=1"' in two and 'href="?page=3"' in two
    assert "7 comparisons waiting" in two
    assert client.get(f"{QUEUE}?page=5").status_code == 404
    for bad in ("0", "-1", "two", "1.5"):
        response = client.get(f"{QUEUE}?page={bad}")
        assert response.status_code == 400 and b"positive whole number" in response.content


def test_the_page_costs_the_same_queries_with_twenty_more_comparisons(
    alice: Any, bob: Any, pat: Any, settings: Any
) -> None:
    settings.COMPARE_REVIEW_PAGE = 50
    first = recorded(pat, reviewers=(bob,))
    client = signed_in(alice)
    client.get(QUEUE)  # the session and the user, warm

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured)

    before = queries()
    for n in range(20):
        recorded(pat if n % 2 else bob, reviewers=(bob,) if n % 2 else (), output=first.output)
    after = queries()
    assert len(listed(client.get(QUEUE).content.decode())) == 21
    assert after == before
    assert before <= 6  # session, user, permissions, count, the page


def test_the_queue_in_french(alice: Any, pat: Any) -> None:
    comparison = recorded(pat, reviewers=())
    html = signed_in(alice).get(f"/fr{QUEUE}").content.decode()
    assert "Comparaisons en attente de votre relecture" in html
    assert "0 sur 2" in html and f'href="/fr/editor/comparisons/{comparison.pk}/"' in html
    dashboard = signed_in(alice).get("/fr/editor/").content.decode()
    assert "Comparaisons à relire" in dashboard and badge(dashboard) == 1


def test_a_running_comparison_enters_the_queue_when_its_run_finishes(alice: Any, pat: Any) -> None:
    comparison = recorded(pat, status=RunStatus.RUNNING)
    client = signed_in(alice)
    assert listed(client.get(QUEUE).content.decode()) == []
    Comparison.objects.filter(pk=comparison.pk).update(status=RunStatus.SUCCEEDED)
    assert listed(client.get(QUEUE).content.decode()) == [comparison.pk]
