"""Token authentication and JSON errors for the write side of the API.

Writes authenticate with a personal token only (``Authorization: Bearer
<token>`` or ``Token <token>``). A session cookie does not authenticate a
write, so a cross-site page cannot ride on a logged-in browser: that is why
these views are CSRF-exempt, and only these.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from app.accounts import ratelimits
from app.accounts.models import User
from app.accounts.services import TokenError, token_authenticate
from app.catalog.access import USE_API
from app.lib import jsonbody

JSON_MAX_BYTES = 64 * 1024

ApiView = Callable[..., JsonResponse]


class ApiError(Exception):
    """An error the client can fix, answered as JSON with its status."""

    def __init__(
        self, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields

    def response(self) -> JsonResponse:
        body: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        response = JsonResponse({"error": body}, status=self.status)
        if self.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="trainedon"'
        return response


def presented_token(request: HttpRequest) -> str:
    header = str(request.META.get("HTTP_AUTHORIZATION", "")).strip()
    scheme, _sep, value = header.partition(" ")
    if not header:
        raise ApiError(401, "not_authenticated", "Send a token: Authorization: Bearer <token>.")
    if scheme.lower() not in ("bearer", "token") or not value.strip():
        raise ApiError(401, "bad_authorization", "Use Authorization: Bearer <token>.")
    return value.strip()


def authenticate(request: HttpRequest) -> User:
    """The active user behind the request's token, allowed to use the API."""
    try:
        user = token_authenticate(presented_token(request))
    except TokenError as exc:
        raise ApiError(401, "invalid_token", str(exc)) from None
    if not user.has_perm(USE_API):
        raise ApiError(403, "forbidden", "This account may not write through the API.")
    return user


def read_json(request: HttpRequest, limit: int = JSON_MAX_BYTES) -> dict[str, Any]:
    """The body as a JSON object, or a 400/413/415 ApiError."""
    content_type = request.content_type or ""
    if content_type not in ("application/json", "") and not content_type.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    if _declared(request) > limit:
        raise ApiError(413, "too_large", f"The body is larger than {limit} bytes.")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError(413, "too_large", f"The body is larger than {limit} bytes.") from None
    if len(raw) > limit:
        raise ApiError(413, "too_large", f"The body is larger than {limit} bytes.")
    try:  # the one parser: depth limit, no lone surrogates, no NUL (app/lib/jsonbody.py)
        data = jsonbody.parse(raw)
    except jsonbody.BadJSON as exc:
        raise ApiError(400, "invalid_json", str(exc)) from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    return data


def _declared(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ApiError(400, "bad_request", "Content-Length is not a number.") from None


def api_write(*methods: str) -> Callable[[ApiView], ApiView]:
    """Token auth, method check, rate limit, and JSON for every error.

    The view runs with ``request.user`` set to the token's owner, so the
    same permission checks and history records apply as on the web.
    """

    def decorate(view: ApiView) -> ApiView:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            request.user = AnonymousUser()  # a session never authenticates a write
            try:
                if request.method not in methods:
                    allowed = ", ".join(methods)
                    raise ApiError(405, "method_not_allowed", f"Use {allowed}.")
                request.user = authenticate(request)
                if ratelimits.limited(request, "api-write"):
                    raise ApiError(429, "rate_limited", "Too many requests; slow down.")
                return view(request, *args, **kwargs)
            except ApiError as exc:
                response = exc.response()
            except Http404 as exc:
                response = ApiError(404, "not_found", str(exc) or "Not found.").response()
            except PermissionDenied as exc:
                message = str(exc) or "You do not have permission for this."
                response = ApiError(403, "forbidden", message).response()
            if response.status_code == 405:
                response["Allow"] = ", ".join(methods)
            if response.status_code == 429:
                response["Retry-After"] = "60"
            return response

        return wrapper

    return decorate
