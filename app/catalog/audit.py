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
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from app.accounts.models import User
from app.catalog.choices import PublicationState, Strength, Verdict
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


# --- Reading entries back: a before → after row per field, in plain words ---------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str
    # "both", or the one side that names the field: some entries record a fact rather
    # than a change (a role change records the role concerned, then the roles after it).
    side: str = "both"

    @property
    def changed(self) -> bool:
        return self.side == "both" and self.before != self.after

    @property
    def value(self) -> str:
        """The value of a one-sided field."""
        return self.after if self.side == "after" else self.before


def _field_labels() -> dict[str, str]:
    return {
        "state": _("Publication state"),
        "state_reason": _("Reason"),
        "verdict": _("Verdict"),
        "strength": _("Evidence strength"),
        "role": _("Role"),
        "roles": _("Roles afterwards"),
        "is_active": _("Active"),
        "is_staff": _("Staff"),
        "is_superuser": _("Superuser"),
        "filters": _("Filters"),
        # Relations (app.graph.services.relation_facts)
        "kind": _("Kind"),
        "upstream": _("From"),
        "downstream": _("To"),
        "stage": _("Stage"),
        "attribution": _("Declared or alleged"),
        "dataset_version": _("Dataset version"),
        "note": _("Note"),
    }


def _choices() -> dict[str, dict[str, str]]:
    return {
        "state": {k: str(v) for k, v in PublicationState.choices},
        "verdict": {k: str(v) for k, v in Verdict.choices},
        "strength": {k: str(v) for k, v in Strength.choices},
    }


def show_value(name: str, value: Any, choices: dict[str, dict[str, str]] | None = None) -> str:
    """One value of a before/after dict as a person reads it (never a Python repr)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(show_value(name, v, choices) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {show_value(k, v, choices)}" for k, v in sorted(value.items()))
    labels = (choices if choices is not None else _choices()).get(name, {})
    return labels.get(str(value), str(value))


def field_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """Every field named in either dict, in a stable order, with its value before and after."""
    before, after = before or {}, after or {}
    labels, choices = _field_labels(), _choices()
    names = list(dict.fromkeys([*before, *after]))
    return [
        FieldChange(
            name,
            labels.get(name, name.replace("_", " ").capitalize()),
            show_value(name, before.get(name), choices),
            show_value(name, after.get(name), choices),
            "both"
            if name in before and name in after
            else ("before" if name in before else "after"),
        )
        for name in names
    ]


def action_label(action: str) -> str:
    """A log action ("claim.publish") in words; unknown actions are shown as they are."""
    labels = {
        "claim.submit": _("Claim submitted"),
        "claim.publish": _("Claim published"),
        "claim.reject": _("Claim rejected"),
        "claim.changes": _("Claim sent back"),
        "claim.withdraw": _("Claim withdrawn"),
        "claim.reopen": _("Claim reopened"),
        "evidence.submit": _("Evidence submitted"),
        "evidence.publish": _("Evidence published"),
        "evidence.reject": _("Evidence rejected"),
        "evidence.changes": _("Evidence sent back"),
        "evidence.withdraw": _("Evidence withdrawn"),
        "evidence.reopen": _("Evidence reopened"),
        "relation.add": _("Relation added"),
        "relation.change": _("Relation changed"),
        "relation.remove": _("Relation removed"),
        "queue.take": _("Taken for review"),
        "queue.release": _("Released"),
        "verdict.change": _("Verdict changed"),
        "reply.change": _("Right of reply changed"),
        "reply.no_response": _("No response by the deadline"),
        "token.create": _("API token created"),
        "token.revoke": _("API token revoked"),
        "token.delete": _("API token deleted"),
        "user.deactivate": _("Account deactivated"),
        "user.activate": _("Account activated"),
        "role.add": _("Role added"),
        "role.remove": _("Role removed"),
        "role.staff": _("Staff access changed"),
        "role.superuser": _("Superuser access changed"),
        "account.login_slowed": _("Log-in slowed down"),
        "audit.export": _("Audit log exported"),
    }
    return labels.get(action, action)
