"""Rate limits on the cache (django-ratelimit), one place for every rate.

Rates come from settings when set (tests lower them), else from these
defaults. The cache must be shared between processes in production (Redis);
the embedded default's local-memory cache counts per process.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

DEFAULT_RATES = {
    "login-ip": "50/5m",
    "login-user": "10/5m",
    "signup-ip": "10/h",
    "reset-ip": "10/h",
    "api-write": "120/m",
}


def rate_for(group: str) -> str:
    overrides: dict[str, str] = getattr(settings, "TRAINEDON_RATES", {})
    return overrides.get(group, DEFAULT_RATES[group])


def _username_key(group: str, request: HttpRequest) -> str:
    return str(request.POST.get("username", "")).strip().lower()[:150]


def login_limited(request: HttpRequest) -> bool:
    """Count one log-in attempt by address and by user name; True once either is over."""
    by_ip = is_ratelimited(
        request, group="login-ip", key="ip", rate=rate_for("login-ip"), increment=True
    )
    by_user = is_ratelimited(
        request, group="login-user", key=_username_key, rate=rate_for("login-user"), increment=True
    )
    return bool(by_ip or by_user)


def ip_limited(request: HttpRequest, group: str) -> bool:
    limited = is_ratelimited(request, group=group, key="ip", rate=rate_for(group), increment=True)
    return bool(limited)


def user_limited(request: HttpRequest, group: str) -> bool:
    return bool(
        is_ratelimited(request, group=group, key="user", rate=rate_for(group), increment=True)
    )
