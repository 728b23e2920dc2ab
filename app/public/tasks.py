"""Re-rendering public pages into the page cache (queue ``render``, app/celery.py).

Claim pages and listings go apart: a claim's pages cost tens of ms and are rendered
for every change; the listings (home, the list, the overview) read aggregates over
the whole ledger, so one render of them runs at a time and covers every change made
before it started (`render_listings`).
"""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache as django_cache

from app.public import prerender
from app.public.cache import _k, current_version

LISTINGS_INTERVAL = 2.0  # seconds between two renders of the listings while edits go on


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
    if not django_cache.add(running, 1, 600):
        return 0  # the one running looks again when it ends
    try:
        started = current_version()
        done = prerender.render_listings(recompute)
    finally:
        django_cache.delete(running)
    if current_version() > started:
        enqueue_listings(LISTINGS_INTERVAL)
    return done


@shared_task(name="public.revalidate", ignore_result=True)
def revalidate(origin: str, path: str, htmx: bool, lock: str, release: bool = True) -> int:
    """A reader was served a stale page: render it again (once; see cache._revalidate).
    A listing's lock is left to expire: it is re-rendered at most that often."""
    try:
        return prerender.render(origin, path, htmx)
    finally:
        if release:
            django_cache.delete(lock)
