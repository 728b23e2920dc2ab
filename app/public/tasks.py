"""Re-rendering public pages into the page cache (queue ``render``, app/celery.py).

Claim pages and listings go apart: a claim's pages cost tens of ms and are rendered
for every change; the listings (home, the list, the overview) read aggregates over
the whole ledger, so one render of them runs at a time and covers every change made
before it started (`render_listings`).
"""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.core.cache import cache as django_cache

from app.public import prerender
from app.public.cache import LISTINGS_TOOK_KEY, _k, current_version

logger = logging.getLogger(__name__)

LISTINGS_INTERVAL = 2.0  # seconds between two renders of the listings while edits go on
# The listings' render time is kept as a maximum that decays by this factor a render
# (cache.memo_interval budgets for it: one slow render counts for a while).
LISTINGS_TOOK_DECAY = 0.9


def pending_key(slug: str) -> str:
    """Set while a render of this claim's pages (``*``: the listings) waits in the queue."""
    return _k(f"public:render-pending:{slug}")


@shared_task(name="public.render_changed", ignore_result=True)
def render_changed(claims: list[str] | None = None, listings: bool = False) -> int:
    """After a change commits: re-render the changed claims' pages (app.public.signals)."""
    claims = list(claims or [])
    # From now on a new change must enqueue a new render: this one may miss it.
    django_cache.delete_many([pending_key(slug) for slug in claims])
    done = prerender.render_claims(claims)
    if listings:
        enqueue_listings()
    return done


def enqueue_listings(countdown: float = 0) -> None:
    """One `render_listings` waiting in the queue at most."""
    if django_cache.add(pending_key("*"), 1, 15 + int(countdown)):
        render_listings.apply_async(countdown=countdown, retry=False)


@shared_task(name="public.render_listings", ignore_result=True)
def render_listings(recompute: bool = False) -> int:
    """Re-render the listings; one at a time, then again if something changed meanwhile.
    ``recompute``: their throttled memos are due (`cache.versioned`)."""
    django_cache.delete(pending_key("*"))
    running = _k("public:render-listings-running")
    wanted = _k("public:render-listings-recompute")
    if not django_cache.add(running, 1, 600):
        if recompute:  # a memo fell due: the one running recomputes right after it ends
            django_cache.set(wanted, 1, 600)
        return 0  # the one running looks again when it ends
    clock = time.monotonic()
    try:
        started = current_version()
        done = prerender.render_listings(recompute)
    finally:
        django_cache.delete(running)
    _record_took(time.monotonic() - clock)
    if django_cache.get(wanted):
        django_cache.delete(wanted)
        render_listings.apply_async(kwargs={"recompute": True}, retry=False)
    elif current_version() > started:
        enqueue_listings(LISTINGS_INTERVAL)
    return done


def _record_took(took: float) -> None:
    """The listings' render time, for `cache.memo_interval` (a decaying maximum)."""
    key = _k(LISTINGS_TOOK_KEY)
    try:
        before = float(django_cache.get(key) or 0.0)
        django_cache.set(key, max(took, LISTINGS_TOOK_DECAY * before), 24 * 3600)
    except Exception:  # only the bound's budget is lost
        logger.warning("Could not record the listings' render time", exc_info=True)


@shared_task(name="public.revalidate", ignore_result=True)
def revalidate(origin: str, path: str, htmx: bool, lock: str, release: bool = True) -> int:
    """A reader was served a stale page: render it again (once; see cache._revalidate).
    A listing's lock is left to expire: it is re-rendered at most that often."""
    try:
        return prerender.render(origin, path, htmx)
    finally:
        if release:
            django_cache.delete(lock)
