"""Readers never wait for a render: pages are served stale while a worker re-renders them.

With Redis and ``CACHE_STALE_SECONDS`` > 0 (app/public/cache.py): after a change the
previous page is served (no database query, no render in the reader's request) while
``public.render_changed`` re-renders the touched pages after commit, and the first
reader of any other stale page enqueues one ``public.revalidate``. A withdrawal is
purged at once, never served stale. The worker tests run a real Celery worker.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from app.catalog.models import Claim
from app.catalog.publication import WITHDRAWN, publication_set
from app.catalog.services import claim_update
from tests.conftest import wait_for
from tests.factories import ClaimFactory, ModelEntityFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("needs_redis")]


@pytest.fixture
def ahead(settings: Any) -> Any:
    """Serve stale pages for up to 5 s and render changed ones after commit."""
    settings.CACHE_STALE_SECONDS = 5
    settings.CACHE_PAGE_SECONDS = 300
    return settings


def queued() -> int:
    """Messages waiting in this session's render queue (no worker consumes it here)."""
    import redis

    from app.celery import queue_name

    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    return int(broker.llen(queue_name("render")))


def drain() -> None:
    """Empty the render queue, and forget that renders were waiting in it."""
    import redis
    from django.core.cache import cache

    from app.celery import queue_name
    from app.public.tasks import pending_key

    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).delete(queue_name("render"))
    cache.delete_many([pending_key(slug) for slug in ("*", "c", "d")])


def read(path: str) -> tuple[str, int]:
    """One anonymous reader's page and how many database queries it cost."""
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode(), len(queries)


def test_after_an_edit_readers_get_the_previous_page_and_one_render_is_queued(ahead, alice):
    claim = ClaimFactory(slug="c", summary="Old summary.")
    other = ClaimFactory(slug="d", summary="Other summary.")
    for path in ("/claims/c/", "/claims/d/", "/entities/"):
        read(path)
    drain()

    claim_update(claim=claim, actor=alice, summary="New summary.")
    assert queued() == 1  # public.render_changed, enqueued after commit

    for _ in range(20):
        page, queries = read("/claims/c/")
        assert "Old summary." in page and queries == 0  # served, not rendered
    for _ in range(20):
        read("/entities/")  # a listing the after-commit render does not cover
    assert queued() == 3  # one revalidation per stale page, however many readers

    page, queries = read("/claims/d/")  # another claim's page is not out of date
    assert "Other summary." in page and queries == 0
    assert queued() == 3
    assert other.pk


def test_past_the_stale_window_a_reader_renders_the_page(ahead, alice):
    ahead.CACHE_STALE_SECONDS = 1
    claim = ClaimFactory(slug="c", summary="Old summary.")
    read("/claims/c/")
    claim_update(claim=claim, actor=alice, summary="New summary.")
    assert "Old summary." in read("/claims/c/")[0]
    time.sleep(1.2)  # no worker here: nobody re-rendered it
    page, queries = read("/claims/c/")
    assert "New summary." in page and queries > 0
    drain()


def test_a_withdrawn_claim_is_purged_at_once_not_served_stale(ahead, bob):
    claim = ClaimFactory(slug="c", statement="Sora was trained on the withdrawn game.")
    for path in ("/claims/c/", "/fr/claims/c/", "/", "/claims/"):
        assert "withdrawn game" in read(path)[0]

    publication_set(claim, WITHDRAWN, actor=bob, reason="The source was a hoax.")

    assert Client().get("/claims/c/").status_code == 404
    assert Client().get("/fr/claims/c/").status_code == 404
    assert "withdrawn game" not in Client().get("/").content.decode()
    assert "withdrawn game" not in Client().get("/claims/").content.decode()
    drain()


def test_stale_aggregates_are_served_to_readers_not_recomputed(ahead):
    from app.public.cache import versioned

    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return Claim.objects.count()

    assert versioned("test-count", count) == 0
    ClaimFactory()  # a change: the memo is stale
    assert versioned("test-count", count) == 0  # a reader gets the last value
    assert len(calls) == 1
    drain()


def test_the_worker_renders_the_touched_pages_so_readers_hit_the_cache(ahead, alice, start_worker):
    model = ModelEntityFactory(slug="vidgen", name="Vidgen")
    claim = ClaimFactory(slug="c", statement="Vidgen was trained on the old game.")
    claim.models_named.add(model)
    untouched = ClaimFactory(slug="d")
    # Readers first: the cache learns the site's address, and holds the old pages.
    old_etag = Client().get("/claims/d/")["ETag"]
    for path in ("/claims/c/", "/fr/claims/c/", "/", "/entities/vidgen/"):
        assert "the old game" in read(path)[0]
    drain()
    start_worker(concurrency=1, queues=["render"], extra_env={"ALLOWED_HOSTS": "testserver"})

    claim_update(claim=claim, actor=alice, statement="Vidgen was trained on the new game.")

    def fresh(path: str) -> bool:
        page, queries = read(path)
        assert queries == 0  # never rendered in a reader's request
        return "the new game" in page

    # The claim's pages and the listings become current without any reader rendering them.
    wait_for(lambda: fresh("/claims/c/"), timeout=60)
    wait_for(lambda: fresh("/fr/claims/c/"), timeout=30)
    wait_for(lambda: fresh("/"), timeout=30)
    # Another listing is served stale to its readers, and re-rendered after the first.
    wait_for(lambda: fresh("/entities/vidgen/"), timeout=30)
    # A page rendered by the worker carries each reader's own CSRF token, not a placeholder.
    assert "csrf-placeholder" not in read("/claims/c/")[0]
    # The untouched claim's page is the same bytes: a conditional GET is still a 304.
    response = Client().get("/claims/d/", headers={"If-None-Match": old_etag})
    assert response.status_code == 304
    assert untouched.pk


def test_the_memo_interval_keeps_the_totals_within_the_stale_window(ahead):
    """cache.memo_interval: a commit reaches readers within interval + slack + two
    listings' renders; while the memos and the renders are cheap that is at most
    CACHE_STALE_SECONDS, and a costly memo is still recomputed at most every 4x its cost."""
    from app.public.cache import MEMO_MIN_INTERVAL, MEMO_SLACK_SECONDS, memo_interval

    def lag(took: float, listings: float) -> float:
        return memo_interval(took, listings) + MEMO_SLACK_SECONDS + 2 * listings

    # The bench ledger's memos (0.05-0.25 s) with listings' renders of 0.5-1.5 s.
    for took in (0.05, 0.1, 0.25, 0.5):
        for listings in (0.0, 0.5, 1.0, 1.5):
            if 4 * took <= 5 - 0.5 - 2 * listings:  # the floor is below the budget
                assert lag(took, listings) <= ahead.CACHE_STALE_SECONDS
            else:  # 0.5 s memos with 1.5 s renders: the floor (2 s) wins, 5.5 s
                assert lag(took, listings) == 4 * took + 0.5 + 2 * listings
    assert memo_interval(0.05, 1.0) == MEMO_MIN_INTERVAL  # cheap: every 10x, not below 1 s
    assert memo_interval(0.25, 1.0) == 2.5  # the budget: 5 - 0.5 - 2 x 1.0
    # Costly: the floor wins over the bound (a quarter of a worker process at most).
    assert memo_interval(2.0, 1.0) == 8.0
    assert memo_interval(0.25, 3.0) == MEMO_MIN_INTERVAL
    ahead.CACHE_STALE_SECONDS = 30  # a wider window: the cost factor alone, as before
    assert memo_interval(0.25, 1.0) == 2.5
    assert memo_interval(2.0, 1.0) == 20.0


def test_a_due_recompute_that_meets_a_running_render_runs_right_after_it(ahead):
    """A delayed recompute (cache._render_listings_later) that finds the listings' render
    running is not lost: that render queues it again as it ends (without waiting the
    listings' interval), and records its own time for memo_interval."""
    from django.core.cache import cache

    from app.public.cache import LISTINGS_TOOK_KEY, _k
    from app.public.tasks import render_listings

    drain()
    running = _k("public:render-listings-running")
    cache.add(running, 1, 60)
    assert render_listings(recompute=True) == 0  # skipped: one is running
    assert queued() == 0
    cache.delete(running)
    cache.delete(_k(LISTINGS_TOOK_KEY))
    render_listings()  # the one that was running, ending
    assert queued() == 1  # the recompute, due now
    assert float(cache.get(_k(LISTINGS_TOOK_KEY))) > 0
    drain()
    render_listings()  # nothing wanted any more, nothing changed: nothing queued
    assert queued() == 0
    drain()


def test_a_render_that_recomputes_brings_along_memos_past_their_floor(ahead):
    """In a render that recomputes (rendering == 2), a stale memo not yet due is
    recomputed too once its floor (1 s, 4x its cost) has passed, not before."""
    import time as clock

    from django.core.cache import cache

    from app.public.cache import cache_tag, rendering, versioned

    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return Claim.objects.count()

    assert versioned("test-along", count) == 0
    ClaimFactory()  # the memo is stale
    key = f"memo:{cache_tag()}:test-along"

    def started(seconds_ago: float) -> None:
        # As if it had cost 0.2 s: its interval is 2 s, its floor 1 s.
        cache.set(key, {**cache.get(key), "took": 0.2, "at": clock.time() - seconds_ago}, 60)

    started(0.5)
    token = rendering.set(2)
    try:
        assert versioned("test-along", count) == 0  # before its floor: the last value
        started(1.5)
        assert versioned("test-along", count) == 1  # past it: recomputed along
    finally:
        rendering.reset(token)
    assert len(calls) == 2
    drain()
