"""Replay of archived pages through the vendored ReplayWeb.page, only on ``REPLAY_ORIGIN``.

An archived page's own scripts run during replay. They must never run on the
application's origin, where they could read its cookies and storage or call
its endpoints as the reader. So replay lives on another host name
(``REPLAY_ORIGIN``, like Perma.cc's separate playback domain), and
``ReplayOriginMiddleware`` and ``replay_host_only`` keep the two apart both
ways:

- on the replay host, only ``/replay/`` (ReplayWeb.page's ``ui.js`` and its
  service worker ``sw.js``, whose scope is ``/replay/``) and ``/replay-page/``
  (the page that embeds the player, and the capture's WACZ) answer; every
  other address is a 404, so no page of the application, no log-in form and
  no session exists there;
- on every other host, those two prefixes are a 404;
- with ``REPLAY_ORIGIN`` empty, replay is off and they are a 404 everywhere.

The replay host never has a reader's session: it replays only what every
reader may see (``access_artifact`` as ``ANONYMOUS``). The WACZ is served with
HTTP ranges, which ReplayWeb.page uses to read the index and only the records
it needs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotFound,
)
from django.http.request import split_domain_port
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from app.archive.models import Artifact, ArtifactKind
from app.catalog.access import ANONYMOUS, access_artifact
from app.monitor.ranges import ranged_response

VENDOR_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "replaywebpage"
# The only files of the replay origin's /replay/: ReplayWeb.page's two, and our own
# style and starter (which waits for the worker before starting the player).
ASSETS = {
    "ui.js": (VENDOR_DIR / "ui.js", "text/javascript; charset=utf-8"),
    "sw.js": (VENDOR_DIR / "sw.js", "text/javascript; charset=utf-8"),
    "replay.css": (Path(settings.BASE_DIR) / "static" / "css" / "replay.css", "text/css"),
    "start.js": (
        Path(settings.BASE_DIR) / "static" / "js" / "replay" / "start.js",
        "text/javascript; charset=utf-8",
    ),
}
ASSET_PREFIX = "/replay/"
PAGE_PREFIX = "/replay-page/"
# The embedding page: its own scripts only; the player's frames and worker on this origin.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "frame-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

WORKER_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'"
)


def replay_origin() -> str:
    return str(getattr(settings, "REPLAY_ORIGIN", "") or "").rstrip("/")


def replay_host() -> str:
    origin = replay_origin()
    return (urlsplit(origin).hostname or "").lower() if origin else ""


def replay_url(capture_id: int) -> str:
    """Where the capture replays (absolute, on ``REPLAY_ORIGIN``); '' when replay is off."""
    origin = replay_origin()
    return origin + reverse("replay-page", args=[capture_id]) if origin else ""


def on_replay_host(request: HttpRequest) -> bool:
    host = replay_host()
    if not host:
        return False
    domain, _port = split_domain_port(request.get_host())
    return domain.strip("[]") == host


class ReplayOriginMiddleware:
    """On the replay host, nothing but replay answers (see the module docstring).

    The other direction, replay never on the application's host, is checked by
    the replay views themselves (``replay_host_only``), after the request guards
    (a NUL in the address is a 400 there like everywhere).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if on_replay_host(request) and not request.path_info.startswith(
            (ASSET_PREFIX, PAGE_PREFIX)
        ):
            return HttpResponseNotFound(
                b"Not here: this is the replay origin, which serves archived pages' replay "
                b"and nothing else.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def replay_host_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """404 for a replay address asked anywhere but on ``REPLAY_ORIGIN`` (or with it unset)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not on_replay_host(request):
            raise Http404("Archived pages replay only on the replay origin.")
        return view(request, *args, **kwargs)

    return wrapped


@replay_host_only
@require_GET
def asset(request: HttpRequest, name: str) -> HttpResponseBase:
    """ReplayWeb.page's ``ui.js`` or ``sw.js``, as vendored (static/vendor/replaywebpage)."""
    if name not in ASSETS:
        raise Http404("No such file.")
    path, content_type = ASSETS[name]
    response = FileResponse(path.open("rb"), content_type=content_type)
    if name == "sw.js":
        # The worker's own policy: this origin only, and WebAssembly (its hashing).
        response["Content-Security-Policy"] = WORKER_POLICY
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _wacz_of(capture_id: int) -> Artifact:
    found = (
        Artifact.objects.filter(capture_id=capture_id, kind=ArtifactKind.WACZ)
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise Http404("This capture has no WACZ to replay.")
    return access_artifact(ANONYMOUS, found)


def _archived_ts(artifact: Artifact) -> str:
    when = artifact.capture.finished_at or artifact.capture.created_at
    return when.strftime("%Y%m%d%H%M%S")


@replay_host_only
@require_GET
def page(request: HttpRequest, capture_id: int) -> HttpResponse:
    """The page that embeds ReplayWeb.page for one capture's WACZ."""
    artifact = _wacz_of(capture_id)
    capture = artifact.capture
    context: dict[str, Any] = {
        "capture": capture,
        "archived_url": capture.final_url or capture.requested_url,
        "ts": _archived_ts(artifact),
        "wacz_url": reverse("replay-wacz", args=[capture_id]),
        "site_url": settings.SITE_URL,
    }
    response = render(request, "monitor/replay.html", context)
    response["Content-Security-Policy"] = PAGE_POLICY
    response["Cache-Control"] = "public, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response


@replay_host_only
@require_GET
def wacz(request: HttpRequest, capture_id: int) -> HttpResponseBase:
    """The capture's WACZ, with HTTP ranges (ReplayWeb.page reads it in pieces)."""
    artifact = _wacz_of(capture_id)
    return ranged_response(request, artifact, "application/wacz")
