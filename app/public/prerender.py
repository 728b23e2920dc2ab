"""Render public pages into the page cache from a worker, as an anonymous reader would.

`render` sends a GET through Django's whole middleware stack (language from the
path, anonymous user, the real view wrapped in ``public_page``) with a flag in the
WSGI environ that no HTTP header can set (``cache.RENDER_FLAG``): the page is
rendered and stored for every reader unless the stored copy is fresh already.

After a change commits (app/public/tasks.py) `render_claims` renders the changed
claims' pages and `render_listings` the listings, for each origin readers use
(`cache.known_origins`, else ``SITE_URL``) and each language.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from app.public import cache

logger = logging.getLogger(__name__)

_handler: BaseHandler | None = None


def _get_handler() -> BaseHandler:
    global _handler
    if _handler is None:
        handler = BaseHandler()
        handler.load_middleware()
        _handler = handler
    return _handler


def render(
    origin: str, path: str, htmx: bool = False, *, force: bool = False, compute: bool = False
) -> int:
    """Render ``path`` as an anonymous reader of ``origin`` into the cache; its status.

    Skipped when the stored page is fresh, unless ``force``. ``compute``: memoized
    aggregates that are out of date may be recomputed (`cache.versioned`)."""
    parts = urlsplit(origin)
    secure = parts.scheme == "https"
    flag = "force" if force else "render"
    extra: dict[str, object] = {"HTTP_HOST": parts.netloc, cache.RENDER_FLAG: flag}
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy and secure:
        extra[proxy[0]] = proxy[1]
    if htmx:
        extra["HTTP_HX_REQUEST"] = "true"
    request = RequestFactory().get(path, secure=secure, **extra)  # type: ignore[arg-type]
    token = cache.rendering.set(2 if compute else 1)
    try:
        response = _get_handler().get_response(request)
        return int(response.status_code)
    except Exception:
        logger.exception("Could not render %s%s for the cache", origin, path)
        return 500
    finally:
        cache.rendering.reset(token)
        translation.deactivate()


def origins() -> list[str]:
    seen = cache.known_origins()
    if seen:
        return seen
    site = urlsplit(settings.SITE_URL)
    return [f"{site.scheme}://{site.netloc}"] if site.netloc else []


def _in_each_language(name: str, *args: str) -> list[str]:
    paths = []
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            paths.append(reverse(name, args=args))
    return paths


def claim_paths(slugs: Iterable[str]) -> list[str]:
    """Each claim's page in each language."""
    paths: list[str] = []
    for slug in dict.fromkeys(slugs):
        paths += _in_each_language("public:claim", slug)
    return paths


def listing_paths() -> list[str]:
    """The listings every change shows on and most readers load: home, the list's first
    page, the overview (skipped while fresh: it depends on ``public:totals`` only,
    `cache.totals_page`). (Entity pages and other listings are re-rendered on their next
    read, the reader being served the previous page meanwhile: an entity page costs
    0.2-0.9 s on the bench ledger, too much to redo for every edit.)"""
    paths: list[str] = []
    for name in ("public:home", "public:claims", "dashboards:overview"):
        paths += _in_each_language(name)
    return paths


def render_claims(slugs: Iterable[str]) -> int:
    paths = claim_paths(slugs)
    for origin in origins():
        for path in paths:
            render(origin, path)
    return len(paths)


def render_listings(recompute: bool = False) -> int:
    """The listings with the aggregates they hold, then, when one of those was out of
    date and may be recomputed now, again with it recomputed: readers get the new
    listing at once and its new totals when they are ready. ``recompute``: only the
    second pass (a throttled memo is due: `cache.versioned`)."""
    paths = listing_paths()
    if recompute:
        for origin in origins():
            for path in paths:
                render(origin, path, force=True, compute=True)
        return len(paths)
    due: list[str] = []
    token = cache.memo_due.set(due)
    try:
        for origin in origins():
            for path in paths:
                render(origin, path)
    finally:
        cache.memo_due.reset(token)
    if not due:
        return len(paths)
    for origin in origins():
        for path in paths:
            render(origin, path, force=True, compute=True)
    return 2 * len(paths)
