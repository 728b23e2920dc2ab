"""Each log-in slow-down (app/accounts/ratelimits.py) becomes an audit entry."""

from __future__ import annotations

from typing import Any

from app.accounts.signals import login_slowed
from app.catalog import audit


def login_slowed_audit(
    sender: Any, *, key: str, username: str, failures: int, wait: float, ip: str, **kwargs: Any
) -> None:
    kind, _sep, ident = key.partition(":")
    target = (
        audit.Target("accounts.user", ident, username)
        if kind == "pk"
        else audit.Target("accounts.username", "", username)
    )
    audit.record(
        actor=None,
        action="account.login_slowed",
        target=target,
        after={"failures": failures, "wait_seconds": round(wait, 1)},
        reason=f"{failures} failed log-ins; the next try waits {wait:.0f} s.",
    )


def connect() -> None:
    login_slowed.connect(login_slowed_audit, dispatch_uid="moderation.login_slowed")
