"""Writing the append-only audit log: `record(...)` is the one way in.

Other apps call `record(actor=..., action=..., target=..., before=..., after=..., reason=...)`
for anything a moderator or admin should be able to trace later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from simple_history.models import HistoricalRecords

from app.accounts.models import User
from app.catalog.models import AuditEntry


@dataclass(frozen=True)
class Target:
    """What an entry is about, for targets that are not a model instance."""

    type: str
    id: str = ""
    repr: str = ""


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any]:
    if not value:
        return {}
    loaded: dict[str, Any] = json.loads(json.dumps(value, cls=DjangoJSONEncoder, default=str))
    return loaded


def _describe(target: models.Model | Target) -> Target:
    if isinstance(target, Target):
        return target
    meta = target._meta
    return Target(f"{meta.app_label}.{meta.model_name}", str(target.pk or ""), str(target)[:300])


def record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    target: models.Model | Target,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry. Runs inside the caller's transaction, so it rolls back with it."""
    who = actor if isinstance(actor, User) else None
    described = _describe(target)
    return AuditEntry.objects.create(
        actor=who,
        actor_name=who.get_username() if who else "",
        action=action,
        target_type=described.type,
        target_id=described.id,
        target_repr=described.repr[:300],
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason,
    )


def current_actor() -> User | None:
    """The user of the request being served, for signal handlers that have no request.

    simple_history's HistoryRequestMiddleware (in settings) keeps the request
    on a thread-local (asgiref Local) for exactly this purpose.
    """
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else None


def as_json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
