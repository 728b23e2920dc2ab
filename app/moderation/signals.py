"""Audit hooks for changes made outside moderation views, and deactivation.

Connected in ModerationConfig.ready(): verdict changes (whoever calls
`verdict_set`), role changes (group membership, staff and superuser flags),
account (de)activation, and API token creation and revocation when the
accounts app has an ApiToken model.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from app.accounts.models import User
from app.catalog import audit
from app.catalog.models import VerdictChange

_TRACKED = ("is_active", "is_staff", "is_superuser")
_DB_SESSION_ENGINES = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


def verdict_changed(sender: Any, instance: VerdictChange, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    audit.record(
        actor=instance.changed_by,
        action="verdict.change",
        target=instance.claim,
        before={"verdict": instance.old_verdict, "strength": instance.old_strength},
        after={"verdict": instance.new_verdict, "strength": instance.new_strength},
        reason=instance.note,
    )


def groups_changed(
    sender: Any,
    instance: User | Group,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """Record role changes from either side (user.groups or group.user_set)."""
    if action == "pre_clear":
        instance._audit_cleared = _cleared(instance, reverse)  # type: ignore[union-attr]
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    verb = {"post_add": "role.add", "post_remove": "role.remove", "post_clear": "role.remove"}
    pairs = getattr(instance, "_audit_cleared", []) if action == "post_clear" else None
    if pairs is None:
        pks = sorted(pk_set or ())
        pairs = (
            [(instance.pk, pk) for pk in pks] if not reverse else [(pk, instance.pk) for pk in pks]
        )
    users = User.objects.in_bulk({user_pk for user_pk, _g in pairs})
    groups = Group.objects.in_bulk({group_pk for _u, group_pk in pairs})
    for user_pk, group_pk in pairs:
        user = users.get(user_pk)
        if user is None:
            continue
        now_in = sorted(user.groups.values_list("name", flat=True))
        audit.record(
            actor=audit.current_actor(),
            action=verb[action],
            target=user,
            before={"role": str(groups.get(group_pk, group_pk))},
            after={"roles": now_in},
        )


def _cleared(instance: User | Group, reverse: bool) -> list[tuple[int, int]]:
    if reverse:
        return [(pk, instance.pk) for pk in instance.user_set.values_list("pk", flat=True)]  # type: ignore[union-attr]
    return [(instance.pk, pk) for pk in instance.groups.values_list("pk", flat=True)]  # type: ignore[union-attr]


def user_pre_save(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    if instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(_TRACKED):
        return  # e.g. last_login on every login: nothing to compare
    old = User.objects.filter(pk=instance.pk).values(*_TRACKED).first()
    instance._audit_old = old  # type: ignore[attr-defined]


def user_post_save(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    old = instance.__dict__.pop("_audit_old", None)
    if created or not old:
        return
    actor = audit.current_actor()
    for flag in _TRACKED:
        was, now = old[flag], getattr(instance, flag)
        if was == now:
            continue
        if flag == "is_active" and not now:
            effects = user_cut_off(user=instance)
            audit.record(
                actor=actor,
                action="user.deactivate",
                target=instance,
                before={flag: was},
                after={flag: now, **effects},
            )
            continue
        action = "user.activate" if flag == "is_active" else f"role.{flag.removeprefix('is_')}"
        audit.record(
            actor=actor, action=action, target=instance, before={flag: was}, after={flag: now}
        )


def user_cut_off(*, user: User) -> dict[str, int]:
    """Stop a deactivated user at once: end their sessions and revoke their API tokens.

    Nothing they published is hidden. With a cache-only session engine the
    sessions cannot be listed; Django's ModelBackend refuses inactive users on
    their next request anyway.
    """
    sessions = 0
    if settings.SESSION_ENGINE in _DB_SESSION_ENGINES:
        from django.contrib.sessions.models import Session

        doomed = [
            s.session_key
            for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if s.get_decoded().get("_auth_user_id") == str(user.pk)
        ]
        from django.contrib.sessions.backends.db import SessionStore

        for key in doomed:
            SessionStore(session_key=key).delete()  # also clears cached_db's cache entry
        sessions = len(doomed)
    tokens = 0
    token_model = _token_model()
    if token_model is not None and "revoked_at" in {f.name for f in token_model._meta.fields}:
        tokens = token_model._default_manager.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    return {"sessions_ended": sessions, "tokens_revoked": tokens}


def _token_model() -> type[models.Model] | None:
    try:
        return apps.get_model("accounts", "ApiToken")
    except LookupError:
        return None


def token_pre_save(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and "revoked_at" not in update_fields:
        instance._audit_was_revoked = True  # e.g. last_used_at on every API call: no query
        return
    if instance.pk and hasattr(instance, "revoked_at"):
        old = sender._default_manager.filter(pk=instance.pk).values("revoked_at").first()
        instance._audit_was_revoked = bool(old and old["revoked_at"])


def token_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    owner = {"user": getattr(instance, "user_id", None), "name": getattr(instance, "name", "")}
    if created:
        audit.record(
            actor=_token_actor(instance), action="token.create", target=instance, after=owner
        )
        return
    was_revoked = instance.__dict__.pop("_audit_was_revoked", True)
    if getattr(instance, "revoked_at", None) and not was_revoked:
        audit.record(
            actor=_token_actor(instance), action="token.revoke", target=instance, before=owner
        )


def token_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    owner = {"user": getattr(instance, "user_id", None), "name": getattr(instance, "name", "")}
    audit.record(actor=_token_actor(instance), action="token.delete", target=instance, before=owner)


def _token_actor(instance: Any) -> User | None:
    return audit.current_actor() or getattr(instance, "user", None)


def connect() -> None:
    post_save.connect(verdict_changed, sender=VerdictChange, dispatch_uid="moderation.verdict")
    m2m_changed.connect(groups_changed, sender=User.groups.through, dispatch_uid="moderation.roles")
    pre_save.connect(user_pre_save, sender=User, dispatch_uid="moderation.user_pre")
    post_save.connect(user_post_save, sender=User, dispatch_uid="moderation.user_post")
    token_model = _token_model()
    if token_model is not None:
        pre_save.connect(token_pre_save, sender=token_model, dispatch_uid="moderation.token_pre")
        post_save.connect(token_saved, sender=token_model, dispatch_uid="moderation.token")
        post_delete.connect(token_deleted, sender=token_model, dispatch_uid="moderation.token_del")
