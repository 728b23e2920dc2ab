"""Every rate limit of the site: one table of rates, one counter, one outage policy.

Counters are fixed windows in the default cache (Redis in production, shared
by every process). Each limit says what it does when that store is down
(docs/rate-limits.md has the same table, with the reasons):

- ``LOCAL``: count in this process's memory instead (a degraded but real
  limit: each web process counts on its own until Redis is back);
- ``OPEN``: let the request through (logged);
- ``CLOSED``: refuse it with a 429.

A store error is never a 500: it is logged once, and for the next
``STORE_RETRY_SECONDS`` the limits use their outage policy without asking the
store again, so a dead Redis costs no connect timeout per request.

Log-ins are special (see `login_refusal`): only *failed* attempts count;
past the free allowance an account is slowed down (each further failure
doubles the wait, up to a cap), never locked for good, and a password reset
clears it. Rates come from `LIMITS`; ``settings.TRAINEDON_RATES`` overrides
any of them (tests do, through the ``rate_limits`` fixture).
"""

from __future__ import annotations

import hashlib
import logging
import time
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from app.accounts.signals import login_slowed

log = logging.getLogger(__name__)

STORE_RETRY_SECONDS = 5.0


class WhenDown(Enum):
    LOCAL = "count in this process"
    OPEN = "let through"
    CLOSED = "refuse (429)"


@dataclass(frozen=True)
class Limit:
    name: str
    rates: tuple[str, ...]  # "count/period", period in s, m, h or d ("10/5m")
    keys: tuple[str, ...]  # "ip", "user" (a signed-in account; skipped for anonymous)
    when_down: WhenDown
    counts: str  # what one hit is, for the docs


LIMITS: dict[str, Limit] = {
    limit.name: limit
    for limit in (
        Limit("login-ip", ("50/5m",), ("ip",), WhenDown.LOCAL, "failed log-in from one address"),
        Limit(
            "login-user",
            ("10/15m",),
            ("login",),
            WhenDown.LOCAL,
            "failed log-in for one account (or unknown name); then the slow-down",
        ),
        Limit("signup", ("10/h",), ("ip",), WhenDown.LOCAL, "sign-up form sent"),
        Limit("password-reset", ("10/h",), ("ip",), WhenDown.LOCAL, "reset e-mail asked for"),
        Limit("suggest", ("5/m", "20/h"), ("ip", "user"), WhenDown.LOCAL, "suggestion sent"),
        Limit("flag", ("10/h",), ("ip", "user"), WhenDown.LOCAL, "problem report sent"),
        Limit("api-write", ("120/m",), ("user",), WhenDown.OPEN, "write through the API"),
    )
}

# The log-in slow-down past the free failures of "login-user": the wait after
# the n-th extra failure is BASE * 2**n seconds, at most CAP.
LOGIN_SLOWDOWN_BASE = 2.0
LOGIN_SLOWDOWN_CAP = 15 * 60.0

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_local: BaseCache = LocMemCache("trainedon-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 50000}})
_store_down_until = 0.0


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/5m"`` -> (10, 300)."""
    count, _sep, period = rate.partition("/")
    unit = period[-1:] if period[-1:] in _PERIODS else "s"
    number = period[:-1] if period[-1:] in _PERIODS else period
    return int(count), int(number or 1) * _PERIODS[unit]


def rates_of(name: str) -> tuple[str, ...]:
    overrides: dict[str, Any] = getattr(settings, "TRAINEDON_RATES", {}) or {}
    value = overrides.get(name, LIMITS[name].rates)
    return (value,) if isinstance(value, str) else tuple(value)


def slowdown() -> tuple[float, float]:
    """(base, cap) of the log-in slow-down, in seconds."""
    overrides: dict[str, Any] = getattr(settings, "TRAINEDON_RATES", {}) or {}
    base, cap = overrides.get("login-slowdown", (LOGIN_SLOWDOWN_BASE, LOGIN_SLOWDOWN_CAP))
    return float(base), float(cap)


def enabled() -> bool:
    return bool(getattr(settings, "RATELIMIT_ENABLE", True))


def _prefix() -> str:
    return str(getattr(settings, "RATELIMIT_CACHE_PREFIX", "rl:"))


def _digest(value: str) -> str:
    return hashlib.blake2s(value.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def client_ip(request: HttpRequest) -> str:
    """The address limits count (REMOTE_ADDR; the proxy sets it in production)."""
    return str(request.META.get("REMOTE_ADDR", ""))


# --- The store and its outage policy -------------------------------------------


class StoreDown(Exception):
    """The shared store did not answer; the caller applies the limit's policy."""


def _shared(operation: str, key: str, *args: Any) -> Any:
    global _store_down_until
    if time.monotonic() < _store_down_until:
        raise StoreDown
    try:
        return getattr(cache, operation)(key, *args)
    except ValueError:
        raise  # incr of a missing key: not an outage
    except Exception:
        _store_down_until = time.monotonic() + STORE_RETRY_SECONDS
        log.warning("rate-limit store unavailable; outage policies apply", exc_info=True)
        raise StoreDown from None


def _on(store: BaseCache | None, operation: str, key: str, *args: Any) -> Any:
    if store is None:
        return _shared(operation, key, *args)
    return getattr(store, operation)(key, *args)


def _incr(store: BaseCache | None, key: str, timeout: float) -> int:
    _on(store, "add", key, 0, timeout)
    try:
        return int(_on(store, "incr", key))
    except ValueError:  # expired between add and incr
        _on(store, "set", key, 1, timeout)
        return 1


def _with_policy(limit: Limit, work: Any, *, open_value: Any, closed_value: Any) -> Any:
    """Run ``work(store)`` on the shared store, else as the limit's outage policy says."""
    try:
        return work(None)
    except StoreDown:
        if limit.when_down is WhenDown.LOCAL:
            return work(_local)
        return open_value if limit.when_down is WhenDown.OPEN else closed_value


def _idents(request: HttpRequest, limit: Limit) -> list[str]:
    idents = []
    for key in limit.keys:
        if key == "ip":
            idents.append(f"ip:{client_ip(request)}")
        elif key == "user":
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                idents.append(f"user:{user.pk}")
    return idents


def _window_key(name: str, rate: str, ident: str) -> tuple[str, int, int]:
    count, period = parse_rate(rate)
    window = int(time.time() // period)
    return f"{_prefix()}{name}:{period}:{_digest(ident)}:{window}", count, period


def _count(name: str, ident: str, *, increment: bool) -> bool:
    """Count one hit of ``ident`` (when ``increment``); True when over any rate."""
    limit = LIMITS[name]

    def work(store: BaseCache | None) -> bool:
        over = False
        for rate in rates_of(name):
            key, allowed, period = _window_key(name, rate, ident)
            if increment:
                seen = _incr(store, key, period + 5)
                over = over or seen > allowed
            else:
                over = over or int(_on(store, "get", key) or 0) >= allowed
        return over

    return bool(_with_policy(limit, work, open_value=False, closed_value=True))


def limited(request: HttpRequest, name: str) -> bool:
    """Count this request against limit ``name``; True when it is over (answer 429)."""
    if not enabled():
        return False
    over = False
    for ident in _idents(request, LIMITS[name]):
        over = _count(name, ident, increment=True) or over
    if over:
        log.info("rate limit %s reached by %s", name, client_ip(request))
    return over


# --- Log-ins ----------------------------------------------------------------------


def login_name(username: object) -> str:
    """The user name as the log-in form reads it (NFKC), folded for comparison."""
    return unicodedata.normalize("NFKC", str(username or "")).strip().casefold()[:150]


def login_key(username: object) -> str:
    """One counter per account however the name is spelled: its pk when it exists."""
    from app.accounts.models import User

    name = unicodedata.normalize("NFKC", str(username or "")).strip()[:150]
    if not name or "\x00" in name:
        return f"name:{login_name(name.replace(chr(0), ''))}"
    users = User.objects.filter(username=name).values_list("pk", flat=True)
    pk = (
        users.first()
        or User.objects.filter(username__iexact=name).values_list("pk", flat=True).first()
    )
    return f"pk:{pk}" if pk else f"name:{login_name(name)}"


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int


def _wait_key(ukey: str) -> str:
    return f"{_prefix()}login-wait:{_digest(ukey)}"


def _fail_key(ukey: str) -> str:
    return f"{_prefix()}login-fail:{_digest(ukey)}"


def login_refusal(request: HttpRequest, username: object) -> Refusal | None:
    """Why this log-in attempt is not even checked, or None. Counts nothing.

    Refused: an address past its failed log-ins, or an account inside its
    slow-down wait. The wait is refused whatever the password (or a guess
    could be tested by its answer), and ends on its own.
    """
    if not enabled():
        return None
    if _count("login-ip", f"ip:{client_ip(request)}", increment=False):
        return Refusal(
            _("Too many failed log-ins from your address. Wait a few minutes and try again."),
            300,
        )
    ukey = login_key(username)
    now = time.time()

    def work(store: BaseCache | None) -> float:
        return float(_on(store, "get", _wait_key(ukey)) or 0)

    until = float(_with_policy(LIMITS["login-user"], work, open_value=0.0, closed_value=now + 60))
    if until > now:
        seconds = max(1, int(until - now + 0.999))
        return Refusal(
            _(
                "Too many failed log-ins for this account. Try again in %(seconds)s seconds, "
                "or reset your password."
            )
            % {"seconds": seconds},
            seconds,
        )
    return None


def login_failed(request: HttpRequest, username: object) -> None:
    """Count a failed log-in; past the free failures, make the account wait longer each time."""
    if not enabled():
        return
    _count("login-ip", f"ip:{client_ip(request)}", increment=True)
    ukey = login_key(username)
    allowed, period = parse_rate(rates_of("login-user")[0])
    base, cap = slowdown()

    def work(store: BaseCache | None) -> tuple[int, float]:
        failures = _incr(store, _fail_key(ukey), period)
        _on(store, "touch", _fail_key(ukey), period)
        if failures < allowed:
            return failures, 0.0
        wait = min(base * 2 ** (failures - allowed), cap)
        _on(store, "set", _wait_key(ukey), time.time() + wait, wait + 5)
        return failures, wait

    failures, wait = _with_policy(
        LIMITS["login-user"], work, open_value=(0, 0.0), closed_value=(0, 0.0)
    )
    if wait:
        ip = client_ip(request)
        log.warning(
            "log-in slowed down: %d failed log-ins for %s (%r) from %s; next try in %.0f s",
            failures,
            ukey,
            login_name(username),
            ip,
            wait,
        )
        login_slowed.send(
            sender=Limit,
            key=ukey,
            username=login_name(username),
            failures=failures,
            wait=wait,
            ip=ip,
        )


def login_cleared(username: object) -> None:
    """A successful log-in or a password reset: the account starts afresh."""
    ukey = login_key(username)

    def work(store: BaseCache | None) -> None:
        _on(store, "delete", _fail_key(ukey))
        _on(store, "delete", _wait_key(ukey))

    _with_policy(LIMITS["login-user"], work, open_value=None, closed_value=None)


def reset_for_tests() -> None:
    """Forget the outage state and the in-process counters (the tests' fixture)."""
    global _store_down_until
    _store_down_until = 0.0
    _local.clear()
