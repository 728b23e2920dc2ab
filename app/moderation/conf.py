"""Moderation knobs. Defaults live here; settings may override any of them (tests do).

Only RIGHT_OF_REPLY_DAYS comes from the environment (see .env.example).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

_DEFAULTS: dict[str, object] = {
    # Rate limits live in app/accounts/ratelimits.py (LIMITS "suggest" and "flag").
    # A human needs a few seconds to fill the suggestion form; a bot does not.
    "MODERATION_FORM_MIN_SECONDS": 3,
    "MODERATION_FORM_MAX_AGE": 2 * 3600,
    # How long "taken by bob" holds off other moderators.
    "MODERATION_LOCK_MINUTES": 30,
    "MODERATION_QUEUE_PAGE": 50,
    "MODERATION_AUDIT_PAGE": 50,
}


def get(name: str) -> object:
    return getattr(settings, name, _DEFAULTS[name])


def number(name: str) -> int:
    value = get(name)
    assert isinstance(value, int | float)
    return int(value)


def lock_ttl() -> timedelta:
    return timedelta(minutes=number("MODERATION_LOCK_MINUTES"))


def right_of_reply_days() -> int:
    return int(getattr(settings, "RIGHT_OF_REPLY_DAYS", 14))
