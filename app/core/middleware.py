"""Input no view can use is refused here, once, with a 400 that says why.

`BadInputMiddleware` answers 400 before any view runs when the address (path or
query string) or a submitted form contains a NUL character:
PostgreSQL cannot store or compare text with NUL, so ``?model=%00`` or
``?q=a%00b`` would otherwise end in a database error (a 500) on the list page,
the API and the moderation queue alike. Forms are checked in ``process_view``,
where the CSRF check reads them too; a CSRF-exempt view (the token-authenticated
API, the upload page that installs its own upload handlers first) reads its
own body, so its form is left unread here. It also turns `IncompleteBody` (a body
that ended or stalled before its ``Content-Length``, see app/core/wsgi_body.py)
raised in a view into the same 400.

The answer is JSON under ``/api/`` (``{"error": {"status", "code", "message"}}``,
the shape of both sides of the API) and the ``400.html`` page elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class IncompleteBody(BadRequest):
    """The request body ended or stopped arriving before its announced length."""


def wants_json(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    """A 400 (or other 4xx) with ``message``: JSON for the API, a page for the site."""
    if wants_json(request):
        body = {"error": {"status": status, "code": "bad_request", "message": message}}
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    html = render_to_string("400.html", {"message": message, "status": status}, request=request)
    response = HttpResponse(html, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _has_nul(values: Iterable[tuple[str, list[str]]]) -> str | None:
    for name, items in values:
        if NUL in name or any(NUL in item for item in items if isinstance(item, str)):
            return name.replace(NUL, "\\0")[:40]
    return None


def address_problem(request: HttpRequest) -> str | None:
    """Why this request's address (path and query string) cannot be used, or None."""
    query = request.META.get("QUERY_STRING", "")
    if NUL in request.path or b"\x00" in unquote_to_bytes(query):
        return _("The address contains a NUL character (%00), which no page accepts.")
    return None


def form_problem(request: HttpRequest) -> str | None:
    """Why this request's submitted form cannot be used, or None."""
    if request.method != "POST" or request.content_type not in FORM_TYPES:
        return None
    post: QueryDict = request.POST
    name = _has_nul(post.lists())
    if name is None:
        return None
    message = _("The form field “%(name)s” contains a NUL character, which is not accepted.")
    return message % {"name": name}


class BadInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = address_problem(request)
        if problem is not None:
            return bad_request(request, problem)
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponse],
        args: tuple[object, ...],
        kwargs: dict[str, object],
    ) -> HttpResponse | None:
        if getattr(view, "csrf_exempt", False):
            return None
        try:
            problem = form_problem(request)
        except IncompleteBody as exc:
            problem = str(exc)
        return bad_request(request, problem) if problem is not None else None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, IncompleteBody):
            return bad_request(request, str(exception))
        return None
