"""Who may moderate: one decorator, one place (catalog.moderate unless told otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from app.accounts.models import User

MODERATE = "catalog.moderate"
SET_VERDICT = "catalog.set_verdict"
EXPORT_AUDIT = "catalog.export_auditentry"

View = Callable[..., HttpResponseBase]


def moderator_required(perm: str = MODERATE) -> Callable[[View], View]:
    """Anonymous readers go to the login page; users without `perm` get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise PermissionDenied("You do not have permission to moderate.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def actor(request: HttpRequest) -> User:
    """The logged-in user behind a moderator view (moderator_required ran first)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Log in first.")
    return user


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def maybe_user(request: HttpRequest) -> User | None:
    """The logged-in user, or None for an anonymous reader."""
    return request.user if isinstance(request.user, User) else None
