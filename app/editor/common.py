"""What every workspace view shares: the role check and small request helpers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from app.accounts.models import User
from app.catalog import access as perm

View = Callable[..., HttpResponse]


def workspace(view: View) -> View:
    """Logged in (else to the log-in page) and holding a role (else 403)."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not perm.is_workspace_user(request.user):
            raise PermissionDenied("The workspace is for contributors, editors and moderators.")
        return view(request, *args, **kwargs)

    return wrapper


def user_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def redirect_back(request: HttpRequest, default: str) -> HttpResponse:
    """To the posted ``next`` path on this site, else to ``default``."""
    target = str(request.POST.get("next", ""))
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()})
    # A plain redirect, never shortcuts.redirect: it would take "0" for a view name.
    return HttpResponseRedirect(target if safe and target.startswith("/") else default)
