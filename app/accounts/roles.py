"""Roles are Django groups with real permissions, created after every migrate.

- contributor: submits claims, evidence and sources; everything waits for review.
- editor: logs and edits claims, evidence, entities and sources; still reviewed
  unless the user also holds ``catalog.publish_directly``; may create API
  tokens and write through the API (``accounts.use_api``).
- moderator: everything an editor can, plus review, publishing and verdicts.
- admin: every permission (and Django admin access through is_staff).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

CONTRIBUTOR = "contributor"
EDITOR = "editor"
MODERATOR = "moderator"
ADMIN = "admin"

_CONTRIBUTOR = [
    "catalog.add_claim",
    "catalog.add_evidence",
    "catalog.add_source",
]
_EDITOR = [
    *_CONTRIBUTOR,
    "catalog.change_claim",
    "catalog.change_evidence",
    "catalog.add_entity",
    "catalog.change_entity",
    "catalog.change_source",
    "catalog.add_tag",
    "archive.add_capture",
    "archive.add_artifact",
    "accounts.use_api",
]
_MODERATOR = [
    *_EDITOR,
    "catalog.publish_directly",
    "catalog.set_verdict",
    "catalog.moderate",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    CONTRIBUTOR: _CONTRIBUTOR,
    EDITOR: _EDITOR,
    MODERATOR: _MODERATOR,
}


def _permissions(dotted: list[str]) -> list[Permission]:
    wanted = {tuple(d.split(".", 1)) for d in dotted}
    found = Permission.objects.select_related("content_type").filter(
        codename__in=[codename for _app, codename in wanted]
    )
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


def ensure_roles(**_kwargs: Any) -> None:
    """Create or update the role groups; safe to run any number of times.

    Connected to post_migrate, which fires once per app: early calls see only
    some permissions, the last one (after every app) sets them all.
    """
    for name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(perms))
    admin, _ = Group.objects.get_or_create(name=ADMIN)
    admin.permissions.set(Permission.objects.all())
