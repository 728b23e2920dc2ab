"""Whole-page caching of public pages: served stale while re-rendered after commit.

**Keys and versions.** A page is stored under
``page:<db>:<language>:<htmx?>:<hash of scheme, host and full URL>`` whatever the
content version; the entry records the version it was rendered at. Versions are
change times (ns) kept in the cache, bumped after commit (``app.public.signals``):

- ``public:version``: any change that may show anywhere (an entity, a tag, the
  graph, disclosures, comparisons, imports): `bump_version`;
- ``public:collections``: any change of a claim, its evidence, sources, captures,
  verdict history or names: every page that lists claims (home, lists, entity
  pages, feeds, search, the API, the overview) depends on it;
- ``public:claim:<slug>``: a change of that claim. The claim's own pages (its
  page, its stance pages, its feed) depend on it and on ``public:version`` only,
  so an edit of one claim leaves the other claims' pages fresh (`bump_claims`);
- ``public:totals``: a change that may alter a ledger-wide count (`versioned`):
  every claim change but one that only rewords a claim (`WORDING_FIELDS`);
- ``public:hard``: a watermark. An entry rendered before it is never served, even
  stale: set when a published item is withdrawn or unpublished and when anything
  is deleted (`purge_all`).

An entry is *fresh* when its version is at least its page's version and it is
younger than ``CACHE_PAGE_SECONDS``; a fresh hit costs one cache round trip.

**Stale while revalidate.** With a cache every process shares (Redis, or the
embedded default's files: app/core/filecache.py) and
``CACHE_STALE_SECONDS`` > 0 (5 by default), readers never wait for a render:
after a change a reader is served the previous page while the latest change is
less than ``CACHE_STALE_SECONDS`` old, and the first such reader enqueues one
re-render (``public.revalidate``, single-flight under a lock). Independently,
the change itself enqueues ``public.render_changed`` after commit, which
re-renders the pages it touches (the claim's pages in each language, its
entities' pages, home, the list's first page, the overview) through the real
view with an anonymous request (`app.public.prerender`), so readers of those
pages get a hit. Past ``CACHE_STALE_SECONDS`` (the worker is behind or down) a
reader renders the page itself, as without a worker. With a local-memory cache
(each process its own: the worker could not fill the web process's cache) or
``CACHE_STALE_SECONDS=0`` nothing is served stale and nothing is rendered ahead:
the first reader after a change renders.

Pages are cached only for anonymous readers: a signed-in person sees their name
in the navigation, so their pages are rendered fresh and never stored. The same
holds for anything else that belongs to one reader: a request with a flash
message waiting (``django.contrib.messages``) is rendered fresh, and a response
that showed a message or sets a cookie is never stored (`is_shareable`).

The CSRF token (the language form, htmx headers) cannot be shared between
readers, so pages are stored with a placeholder that is replaced by the
reader's own token when served. ETag and Last-Modified answer conditional GETs
with 304; a re-render that produces the same bytes keeps the same ETag.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

VERSION_KEY = "public:version"
COLLECTIONS_KEY = "public:collections"
TOTALS_KEY = "public:totals"
CLAIM_KEY = "public:claim"
HARD_KEY = "public:hard"
ORIGINS_KEY = "public:origins"
CSRF_PLACEHOLDER = "csrf-placeholder-4b9f1c2e"
_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()
# Set in the WSGI environ by app.public.prerender (no HTTP header can set it): render
# the page and store it for every reader, unless the stored one is fresh already
# ("render") or even then ("force").
RENDER_FLAG = "trainedon.render"
REVALIDATE_LOCK_SECONDS = 10  # released when the re-render ends; this bounds a lost task
# A listing read while stale is re-rendered at most this often (its lock is not released):
# every claim change makes every listing stale.
LISTING_REVALIDATE_SECONDS = 2
# How often a memoized aggregate is recomputed while edits go on (`memo_interval`):
MEMO_MIN_INTERVAL = 1.0  # never more often than this (seconds between two starts)
MEMO_COST_FACTOR = 10  # ... nor than 10x its computing time when that is enough to be fresh
MEMO_SHARE_FACTOR = 4  # ... and never more often than 4x it (a quarter of a worker process)
# Between a memo falling due and its recomputation starting: the delayed task's countdown
# (0.2 s) and the queue (the worker's other process may be rendering a claim's pages).
MEMO_SLACK_SECONDS = 0.5
# The wall time of the last listings renders (`public.render_listings`, recorded by
# app.public.tasks as a slowly decaying maximum): what the freshness bound leaves for them.
LISTINGS_TOOK_KEY = "public:listings-took"
# The claim fields no memoized aggregate reads (they hold counts, never a claim's
# words): a save of only these leaves `versioned` memos fresh (app.public.signals).
WORDING_FIELDS = frozenset({"statement", "summary", "updated_at"})
MEMO_KEEP_SECONDS = 24 * 3600  # memos kept while they may be served stale
MAX_ORIGINS = 4

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
T = TypeVar("T")

# While app.public.prerender renders a page for the cache (in a worker): 1, or 2 when
# out-of-date memoized aggregates may be recomputed (`versioned`).
rendering: contextvars.ContextVar[int] = contextvars.ContextVar("rendering", default=0)
# The names of out-of-date memos that may be recomputed now, seen while rendering.
memo_due: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "memo_due", default=None
)


def cache_tag() -> str:
    # Parallel test runs share one Redis; each has its own database.
    name = str(connection.settings_dict.get("NAME") or "")
    return hashlib.blake2s(name.encode(), digest_size=4).hexdigest()


def _k(name: str) -> str:
    return f"{name}:{cache_tag()}"


def claim_scope(slug: str) -> str:
    return f"{CLAIM_KEY}:{slug}"


def shared_cache() -> bool:
    """Whether every process (web and workers) reads the same cache (Redis, files)."""
    backend = str(settings.CACHES["default"]["BACKEND"]).lower()
    return "locmem" not in backend and "dummy" not in backend


def render_ahead() -> bool:
    """Serve stale pages and render changed ones after commit (see the module doc)."""
    return (
        settings.CACHE_PAGE_SECONDS > 0
        and getattr(settings, "CACHE_STALE_SECONDS", 0) > 0
        and shared_cache()
    )


def _global_version(got: dict[str, Any]) -> int:
    version = got.get(_k(VERSION_KEY))
    if version is None:
        key = _k(VERSION_KEY)
        cache.add(key, time.time_ns(), None)
        version = cache.get(key) or time.time_ns()
    return int(version)


def current_version() -> int:
    """The content version: the time of the last change any listing shows."""
    try:
        got = cache.get_many([_k(VERSION_KEY), _k(COLLECTIONS_KEY)])
        return max(_global_version(got), int(got.get(_k(COLLECTIONS_KEY)) or 0))
    except Exception:  # a cache outage must not take the site down
        logger.warning("Page cache unavailable", exc_info=True)
        return 0


def bump_version() -> None:
    """Every cached public page is out of date (called on any change they may show)."""
    try:
        cache.set(_k(VERSION_KEY), time.time_ns(), None)
    except Exception:
        logger.warning("Could not bump the page cache version", exc_info=True)


def bump_claims(slugs: Iterable[str], totals: bool = True) -> None:
    """These claims changed: their own pages and every listing are out of date, and,
    with ``totals``, the memoized ledger-wide numbers (`versioned`)."""
    now = time.time_ns()
    try:
        # A claim's version only has to outlive the page entries stored before it (kept
        # at most twice CACHE_PAGE_SECONDS): without it they would expire, one per claim
        # ever changed, and the file cache of the embedded default never culls a key
        # without expiry.
        keep = 2 * settings.CACHE_PAGE_SECONDS + 60
        cache.set_many({_k(claim_scope(slug)): now for slug in slugs}, keep)
        cache.set_many(
            {_k(COLLECTIONS_KEY): now, **({_k(TOTALS_KEY): now} if totals else {})}, None
        )
    except Exception:
        logger.warning("Could not bump the claims' page versions", exc_info=True)


def purge_all() -> None:
    """No page rendered before now may be served, not even while it is re-rendered
    (a withdrawal, an unpublished item, a deletion)."""
    now = time.time_ns()
    try:
        cache.set_many({_k(HARD_KEY): now, _k(VERSION_KEY): now}, None)
    except Exception:
        logger.warning("Could not purge the page cache", exc_info=True)


def versioned(name: str, compute: Callable[[], T]) -> T:
    """``compute()``, memoized under the content version.

    For aggregates over the whole ledger (the home page's totals and entry
    points, the list's facets, the overview) that cost far more than a page and
    change only with the content: counts, never a claim's words, so an edit
    that only rewords claims (`WORDING_FIELDS`) leaves them fresh (their
    version is ``public:totals``, not ``public:collections``). Used whether or
    not whole pages are cached; a cache outage just computes.

    Without rendering ahead (`render_ahead`) a memo is recomputed by the first
    request after a change: with a shared cache (Redis, or the embedded default's
    files) it is never stale; with a local-memory cache (each process its own) a
    change made by the worker is seen after at most ``CACHE_PAGE_SECONDS`` (60 s
    when pages are not cached), like a page.

    When rendering ahead, readers never compute a memo that exists: they get the
    last value. Only the listings' render in a worker (``public.render_listings``)
    recomputes it, in a second pass after the listings were stored with the old
    value, one process at a time, and not more often than `memo_interval` (wall
    time, in the niced worker): while edits keep coming, the totals reach readers
    at most ``CACHE_STALE_SECONDS`` after a commit as long as the computations and
    the listings' render are cheap enough (see there), and a later render brings
    them up to date. What keeps them cheap: the public evidence and public sources
    they count are kept at each write in two small tables (`app.public.totals`),
    so none of them reads the evidence table (0.05-0.25 s each on the bench
    ledger, 20,000 claims and a million evidence items, where they took 0.2-3 s).
    """
    key = f"memo:{cache_tag()}:{name}"
    try:
        names = [_k(VERSION_KEY), _k(TOTALS_KEY), _k(HARD_KEY), _k(LISTINGS_TOOK_KEY), key]
        got = cache.get_many(names)
        version = max(_global_version(got), int(got.get(_k(TOTALS_KEY)) or 0))
        memo = got.get(key)
        listings_took = float(got.get(_k(LISTINGS_TOOK_KEY)) or 0.0)
        # After a purge (a withdrawal, a deletion) no reader gets the old numbers either.
        if memo is not None and memo["version"] < int(got.get(_k(HARD_KEY)) or 0):
            memo = None
    except Exception:
        logger.warning("Page cache unavailable", exc_info=True)
        version, memo, listings_took = 0, None, 0.0
    ahead = render_ahead()
    if memo is not None and memo["version"] >= version:
        return cast(T, memo["value"])
    lock = f"{key}:lock"
    locked = False
    if memo is not None and ahead:
        elapsed = time.time() - memo["at"]
        due_in = memo_interval(memo["took"], listings_took) - elapsed
        # A render that recomputes another memo renders the six pages anyway: this one
        # comes along once its floor has passed (the memos fall due together after it).
        along = rendering.get() == 2 and elapsed >= memo_interval(memo["took"], float("inf"))
        if due_in > 0 and not along:
            if rendering.get():
                _render_listings_later(due_in)
            return cast(T, memo["value"])
        if rendering.get() < 2:
            due = memo_due.get()
            if due is not None:
                due.append(name)
            return cast(T, memo["value"])
        try:
            locked = bool(cache.add(lock, 1, max(60, int(4 * memo["took"]))))
        except Exception:
            locked = False
        if not locked:  # another worker is computing it
            return cast(T, memo["value"])
    at, started = time.time(), time.monotonic()
    value = compute()
    took = time.monotonic() - started
    timeout = MEMO_KEEP_SECONDS if ahead else (settings.CACHE_PAGE_SECONDS or 60)
    try:
        # "at": when the computation started (the interval is between two starts).
        cache.set(key, {"version": version, "value": value, "at": at, "took": took}, timeout)
        if locked:
            cache.delete(lock)
    except Exception:
        logger.warning("Could not store %s in the cache", name, exc_info=True)
    return value


def memo_interval(took: float, listings_took: float = 0.0) -> float:
    """Seconds between two starts of a memo's computation while edits go on (when
    rendering ahead; ``took``: its last computing time, ``listings_took``: the listings'
    render's, ``LISTINGS_TOOK_KEY``).

    **The bound.** A commit is in the next computation that starts after it: at worst
    it lands just after a computation read the content version, and the next one
    starts at most ``interval + MEMO_SLACK_SECONDS`` later, plus the rest of a
    listings' render running at that moment (the delayed render waits for it:
    app.public.tasks.render_listings), at most one such render, L. That computation
    runs in a render of the listings (every due memo, then the six pages: home, the
    list, the overview in two languages), at most L again, and its pages are stored
    for readers as it ends. So the numbers reach readers at most::

        interval + MEMO_SLACK_SECONDS + 2 L

    after the commit, and the interval is at most
    ``CACHE_STALE_SECONDS - MEMO_SLACK_SECONDS - 2 L``: the totals are then no older
    than a page may be served stale (5 s by default), whatever the machine's speed,
    since L is measured. (When the memo is cheap enough, every ``MEMO_COST_FACTOR``
    times its computing time, sooner.)

    **The floors.** Never more often than every ``MEMO_MIN_INTERVAL`` nor than every
    ``MEMO_SHARE_FACTOR`` times its computing time (``memo_interval(took, inf)``; a
    render that recomputes another memo recomputes this one too once that floor
    has passed, so the memos fall due together): one memo takes at most a quarter
    of a (niced) worker process and of the PostgreSQL backend it uses, however costly
    it becomes. When a floor wins (at the defaults: a memo costing more than
    ~0.6 s, or listings' renders above ~1.5 s), the bound is not met: the lag is
    that floor plus ``MEMO_SLACK_SECONDS + 2 L``, growing with the cost instead of
    taking the machine. (An interval shorter than L only means the listings' renders
    run back to back: one at a time, in one niced worker process.) On the bench
    ledger (20,000 claims, a million evidence items) the memos take 0.05-0.25 s and
    L about 1 s on a quiet machine (intervals of 1-2.5 s); at load 7 the worker
    measured memos of 0.1-0.7 s and L of 2-2.5 s: the floors won (bench/README.md).
    """
    stale = float(getattr(settings, "CACHE_STALE_SECONDS", 0))
    fresh = stale - MEMO_SLACK_SECONDS - 2 * listings_took
    return max(MEMO_MIN_INTERVAL, MEMO_SHARE_FACTOR * took, min(MEMO_COST_FACTOR * took, fresh))


def _render_listings_later(delay: float) -> None:
    """Render the listings again, recomputing their memos, once a throttled memo may be
    recomputed (once; forced: the listings stored meanwhile count as fresh)."""
    try:
        if cache.add(_k("public:render-later"), 1, max(1, int(delay) + 1)):
            from app.public.tasks import render_listings

            render_listings.apply_async(
                kwargs={"recompute": True}, countdown=delay + 0.2, retry=False
            )
    except Exception:
        logger.warning("Could not schedule a later render", exc_info=True)


def is_personal(request: HttpRequest) -> bool:
    """Pages for signed-in people carry their name, pages with a flash message that
    reader's message: never serve those from the cache or store them."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    storage = getattr(request, "_messages", None)
    # len() loads the waiting messages without marking them shown.
    return bool(storage is not None and (storage.used or len(storage)))


def is_shareable(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether a rendered anonymous response may be stored for every reader.

    Not when rendering showed or queued a flash message, and not when the
    response sets a cookie (a session or a message cookie is one reader's).
    """
    return not is_personal(request) and not response.cookies


def page_context(request: HttpRequest) -> dict[str, Any]:
    """Extra template context for a page that may be cached (the CSRF placeholder)."""
    if getattr(request, "_public_cacheable", False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}


def origin_of(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def page_key(request: HttpRequest) -> str:
    # The host and scheme too: pages carry absolute links built from them (canonical,
    # og:url, the cite box), which must not be served to a reader of another host.
    where = f"{origin_of(request)}{request.get_full_path()}"
    url = hashlib.blake2s(where.encode(), digest_size=12).hexdigest()
    htmx = "h" if request.headers.get("HX-Request") else "p"
    return f"page:{cache_tag()}:{get_language()}:{htmx}:{url}"


def page_scope(request: HttpRequest) -> str:
    """The version a page depends on besides ``public:version``: a claim's own pages
    (public URL names starting with "claim" that take its slug) depend on that claim;
    a page of ledger-wide numbers only (`totals_page`) on ``public:totals``; every
    other page lists claims."""
    match = getattr(request, "resolver_match", None)
    declared = getattr(match.func, "page_scope", None) if match else None
    if declared:
        return str(declared)
    name = (getattr(match, "url_name", None) or "") if match else ""
    if match and match.namespace == "public" and name.startswith("claim"):
        slug = match.kwargs.get("slug")
        if slug:
            return claim_scope(str(slug))
    return COLLECTIONS_KEY


def totals_page(view: View) -> View:
    """Mark a view whose page shows nothing but memoized ledger-wide numbers
    (`versioned`): it depends on ``public:totals``, so an edit that only rewords a
    claim leaves it fresh and nothing re-renders it."""
    view.page_scope = TOTALS_KEY  # type: ignore[attr-defined]
    return view


def _entry_from(response: HttpResponse, version: int) -> dict[str, Any]:
    content = response.content
    return {
        "content": content,
        "content_type": response["Content-Type"],
        # SHA-256 (hardware-accelerated where the CPU has it): blake2s took ~0.25 ms of a
        # 100 KB claim page, sha256 ~0.06 ms; its first 128 bits, as blake2s gave.
        "etag": quote_etag(hashlib.sha256(content).hexdigest()[:32]),
        "last_modified": max(version // 1_000_000_000, 0),
        "headers": {k: v for k, v in response.items() if k in {"Content-Language", "Link"}},
        "version": version,
        "rendered_at": time.time(),
    }


def _not_modified(request: HttpRequest, entry: dict[str, Any]) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return entry["etag"] in tags or "*" in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and entry["last_modified"] and entry["last_modified"] <= since


def _respond(request: HttpRequest, entry: dict[str, Any]) -> HttpResponseBase:
    response: HttpResponseBase
    if _not_modified(request, entry):
        response = HttpResponseNotModified()
    else:
        body: bytes = entry["content"]
        if _PLACEHOLDER_BYTES in body:
            body = body.replace(_PLACEHOLDER_BYTES, get_token(request).encode())
        response = HttpResponse(body, content_type=entry["content_type"])
        for name, value in entry["headers"].items():
            response[name] = value
    response["ETag"] = entry["etag"]
    if entry["last_modified"]:
        response["Last-Modified"] = http_date(entry["last_modified"])
    response["Cache-Control"] = "max-age=0, must-revalidate"
    patch_vary_headers(response, ("Accept-Language", "HX-Request"))
    return response


class _Lookup:
    """One cache round trip: the versions a page depends on and its stored entry."""

    def __init__(self, request: HttpRequest) -> None:
        self.key = page_key(request)
        scope = _k(page_scope(request))
        try:
            got = cache.get_many([_k(VERSION_KEY), _k(HARD_KEY), scope, self.key])
            self.version = max(_global_version(got), int(got.get(scope) or 0))
            hard = int(got.get(_k(HARD_KEY)) or 0)
            entry = got.get(self.key)
        except Exception:
            logger.warning("Page cache unavailable", exc_info=True)
            self.version, hard, entry = 0, 0, None
        # An entry from before a purge (or from before this layout) is never served.
        if entry is not None and int(entry.get("version", -1)) < hard:
            entry = None
        self.entry: dict[str, Any] | None = entry

    def fresh(self) -> bool:
        entry = self.entry
        return (
            entry is not None
            and entry["version"] >= self.version
            and time.time() - entry["rendered_at"] < settings.CACHE_PAGE_SECONDS
        )

    def servable_stale(self) -> bool:
        """Stale, but a worker will re-render it soon: serve it meanwhile."""
        if self.entry is None or not render_ahead():
            return False
        if self.entry["version"] >= self.version:  # only older than CACHE_PAGE_SECONDS
            return True
        return time.time() - self.version / 1e9 <= settings.CACHE_STALE_SECONDS


def _revalidate(request: HttpRequest, key: str) -> None:
    """Enqueue one re-render of this page (single-flight: a claim page's lock is
    released when the render ends, a listing's expires)."""
    lock = f"{key}:revalidating"
    listing = not page_scope(request).startswith(CLAIM_KEY)
    hold = LISTING_REVALIDATE_SECONDS if listing else REVALIDATE_LOCK_SECONDS
    try:
        if not cache.add(lock, 1, hold):
            return
        from app.public.tasks import revalidate

        htmx = bool(request.headers.get("HX-Request"))
        args = (origin_of(request), request.get_full_path(), htmx, lock, not listing)
        revalidate.apply_async(args=args, retry=False)
    except Exception:  # the reader still gets the page; the next one tries again
        logger.warning("Could not enqueue a page re-render", exc_info=True)
        try:
            cache.delete(lock)
        except Exception:
            logger.debug("Could not release %s", lock, exc_info=True)


def _remember_origin(request: HttpRequest) -> None:
    """The scheme and host readers use, for the after-commit render (a few at most)."""
    origin, now = origin_of(request), time.time()
    try:
        seen: dict[str, float] = cache.get(_k(ORIGINS_KEY)) or {}
        if now - seen.get(origin, 0) < 60:
            return
        seen[origin] = now
        newest = sorted(seen.items(), key=lambda item: -item[1])[:MAX_ORIGINS]
        cache.set(_k(ORIGINS_KEY), dict(newest), 7 * 24 * 3600)
    except Exception:
        logger.warning("Could not record the site's origin", exc_info=True)


def known_origins() -> list[str]:
    try:
        seen: dict[str, float] = cache.get(_k(ORIGINS_KEY)) or {}
    except Exception:
        seen = {}
    return list(seen)


def public_page(view: View) -> View:
    """Serve a GET view from the page cache for anonymous readers (see module doc)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in {"GET", "HEAD"} or is_personal(request):
            return view(request, *args, **kwargs)
        if settings.CACHE_PAGE_SECONDS <= 0:  # the page cache is off: render, keep the ETag
            return _render_and_store(view, request, args, kwargs, None)
        lookup = _Lookup(request)
        flag = request.META.get(RENDER_FLAG)
        if lookup.fresh() and flag != "force":
            return _respond(request, cast(dict[str, Any], lookup.entry))
        if flag:  # the worker's render: store it for everyone
            return _render_and_store(view, request, args, kwargs, lookup)
        if lookup.servable_stale():
            _revalidate(request, lookup.key)
            return _respond(request, cast(dict[str, Any], lookup.entry))
        return _render_and_store(view, request, args, kwargs, lookup)

    return wrapper  # type: ignore[return-value]


def _render_and_store(
    view: Callable[..., HttpResponseBase],
    request: HttpRequest,
    args: Any,
    kwargs: Any,
    lookup: _Lookup | None,
) -> HttpResponseBase:
    request._public_cacheable = True  # type: ignore[attr-defined]
    response = view(request, *args, **kwargs)
    if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
        response.render()
    if (
        response.status_code != 200
        or not isinstance(response, HttpResponse)
        or not is_shareable(request, response)
    ):
        if lookup is not None and response.status_code in {301, 302, 404, 410}:
            try:  # gone: no reader may be served the old page, even stale
                cache.delete(lookup.key)
            except Exception:
                logger.warning("Could not delete a page from the cache", exc_info=True)
        return _without_placeholder(request, response)
    entry = _entry_from(response, lookup.version if lookup else 0)
    if lookup is not None:
        keep = settings.CACHE_PAGE_SECONDS * (2 if render_ahead() else 1)
        try:
            cache.set(lookup.key, entry, keep)
        except Exception:
            logger.warning("Could not store a page in the cache", exc_info=True)
        if render_ahead() and not request.META.get(RENDER_FLAG):
            _remember_origin(request)
    return _respond(request, entry)


def _without_placeholder(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    if isinstance(response, HttpResponse) and _PLACEHOLDER_BYTES in response.content:
        response.content = response.content.replace(_PLACEHOLDER_BYTES, get_token(request).encode())
    return response
