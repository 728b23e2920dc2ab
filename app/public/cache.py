"""Whole-page caching of public pages, purged by a version counter.

Every cached page is keyed on the current *content version*, the language,
whether htmx asked for a fragment, and the full URL. Saving or deleting
anything a public page shows bumps the version (``app.public.signals``), so
every older entry is simply never read again and expires on its own. This is
coarse but always correct, and a cache hit costs two cache reads.

Pages are cached only for anonymous readers: a signed-in person sees their name
in the navigation, so their pages are rendered fresh and never stored. The same
holds for anything else that belongs to one reader: a request with a flash
message waiting (``django.contrib.messages``) is rendered fresh, and a response
that showed a message or sets a cookie is never stored (`is_shareable`).

The CSRF token (the language form, htmx headers) cannot be shared between
readers, so pages are stored with a placeholder that is replaced by the
reader's own token when served. ETag and Last-Modified answer conditional GETs
with 304.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
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
CSRF_PLACEHOLDER = "csrf-placeholder-4b9f1c2e"
_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
T = TypeVar("T")


def cache_tag() -> str:
    # Parallel test runs share one Redis; each has its own database.
    name = str(connection.settings_dict.get("NAME") or "")
    return hashlib.blake2s(name.encode(), digest_size=4).hexdigest()


def current_version() -> int:
    key = f"{VERSION_KEY}:{cache_tag()}"
    try:
        version = cache.get(key)
        if version is None:
            cache.add(key, time.time_ns(), None)
            version = cache.get(key) or time.time_ns()
    except Exception:  # a cache outage must not take the site down
        logger.warning("Page cache unavailable", exc_info=True)
        return 0
    return int(version)


def versioned(name: str, compute: Callable[[], T]) -> T:
    """``compute()``, memoized under the current content version.

    For aggregates over the whole ledger (the home page's totals and entry
    points) that cost far more than a page and change only with the content:
    every change bumps the version, so with a shared cache (Redis) a stored
    answer is never stale. Without one (the embedded default keeps the cache in
    each process's memory) a change made by the worker is seen after at most
    ``CACHE_PAGE_SECONDS`` (60 s when pages are not cached), like a page. Used
    whether or not whole pages are cached; a cache outage just computes.
    """
    timeout = settings.CACHE_PAGE_SECONDS or 60
    key = f"memo:{cache_tag()}:{current_version()}:{name}"
    try:
        value = cache.get(key)
    except Exception:
        value = None
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout)
        except Exception:
            logger.warning("Could not store %s in the cache", name, exc_info=True)
    return cast(T, value)


def bump_version() -> None:
    """Invalidate every cached public page (called on any change they show)."""
    try:
        cache.set(f"{VERSION_KEY}:{cache_tag()}", time.time_ns(), None)
    except Exception:
        logger.warning("Could not bump the page cache version", exc_info=True)


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


def _cache_key(request: HttpRequest, version: int) -> str:
    # The host and scheme too: pages carry absolute links built from them (canonical,
    # og:url, the cite box), which must not be served to a reader of another host.
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    url = hashlib.blake2s(where.encode(), digest_size=12).hexdigest()
    htmx = "h" if request.headers.get("HX-Request") else "p"
    return f"page:{cache_tag()}:{version}:{get_language()}:{htmx}:{url}"


def _entry_from(response: HttpResponse, version: int) -> dict[str, Any]:
    content = response.content
    return {
        "content": content,
        "content_type": response["Content-Type"],
        "etag": quote_etag(hashlib.blake2s(content, digest_size=16).hexdigest()),
        "last_modified": max(version // 1_000_000_000, 0),
        "headers": {k: v for k, v in response.items() if k in {"Content-Language", "Link"}},
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


def public_page(view: View) -> View:
    """Serve a GET view from the page cache for anonymous readers (see module doc)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in {"GET", "HEAD"} or is_personal(request):
            return view(request, *args, **kwargs)
        if settings.CACHE_PAGE_SECONDS <= 0:  # the page cache is off: render, keep the ETag
            version, key, entry = 0, "", None
        else:
            version = current_version()
            key = _cache_key(request, version)
            try:
                entry = cache.get(key)
            except Exception:
                entry = None
        if entry is None:
            request._public_cacheable = True  # type: ignore[attr-defined]
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()
            if (
                response.status_code != 200
                or not isinstance(response, HttpResponse)
                or not is_shareable(request, response)
            ):
                return _without_placeholder(request, response)
            entry = _entry_from(response, version)
            try:
                if key:
                    cache.set(key, entry, settings.CACHE_PAGE_SECONDS)
            except Exception:
                logger.warning("Could not store a page in the cache", exc_info=True)
        return _respond(request, entry)

    return wrapper  # type: ignore[return-value]


def _without_placeholder(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    if isinstance(response, HttpResponse) and _PLACEHOLDER_BYTES in response.content:
        response.content = response.content.replace(_PLACEHOLDER_BYTES, get_token(request).encode())
    return response
