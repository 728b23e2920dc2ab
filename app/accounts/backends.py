"""The one authentication backend: Django's ModelBackend behind the log-in limits.

Every log-in form (the site's and the admin's) authenticates through here, so
the limits in `app.accounts.ratelimits` cannot be bypassed by another form.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from app.accounts import ratelimits
from app.accounts.models import User

PATH = "app.accounts.backends.ThrottledModelBackend"


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if request is None:  # the shell, a management command: no client to limit
            return super().authenticate(request, username, password, **kwargs)
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        refusal = ratelimits.login_refusal(request, username)
        if refusal is not None:
            request.login_refusal = refusal  # type: ignore[attr-defined]
            raise PermissionDenied(refusal.message)  # authenticate() stops here
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            ratelimits.login_failed(request, username)
        else:
            ratelimits.login_cleared(username)
        return user
