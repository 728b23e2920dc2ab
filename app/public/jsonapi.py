"""The JSON API's conventions, one copy for every app that answers under /api/v1/.

Errors are JSON, ``{"error": {"status": 400, "message": "..."}}``; read-only
endpoints answer GET and HEAD and a JSON 405 otherwise; public answers are
cached like the pages (`public_page`). The API app, the disclosures and the
comparisons all use these: the API app imports those apps for its OpenAPI
document, so the conventions live here, below all three.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from app.public.cache import public_page
from app.public.filters import BadFilter

JSON_OPTIONS = {"ensure_ascii": False}

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"status": status, "message": message}},
        status=status,
        json_dumps_params=JSON_OPTIONS,
    )


def ok(data: Any) -> JsonResponse:
    return JsonResponse(data, safe=False, json_dumps_params=JSON_OPTIONS)


def read_only(view: View) -> View:
    """GET/HEAD only, anything else a JSON 405.

    CSRF-exempt: the view changes nothing, and without the exemption the CSRF
    check would answer a POST with Django's HTML 403 before the 405 is reached.
    """

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in {"GET", "HEAD"}:
            response = error(405, "Only GET is allowed here.")
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return cast(View, wrapper)


def api_get(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET/HEAD only, cached like the pages, with JSON errors for 400, 404 and 405."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadFilter as problem:
            return error(400, str(problem))
        except Http404 as problem:
            return error(404, str(problem) or "Not found.")

    return read_only(public_page(wrapper))
