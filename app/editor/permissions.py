"""Who may see and change what in the workspace and the write API: one place.

| role                  | create | edit own    | others' | publish | verdict | upload | tokens |
|-----------------------|--------|-------------|----------|---------|---------|--------|--------|
| contributor           | yes    | drafts only | no       | no      | no      | no     | no     |
| editor                | yes    | yes         | yes      | no      | no      | yes    | yes    |
| editor + publish dir. | yes    | yes         | yes      | yes     | no      | yes    | yes    |
| moderator             | yes    | yes         | yes      | yes     | yes     | yes    | yes    |

What a user cannot see is a 404 (a draft's existence is not revealed); what
they can see but not change is a 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from app.catalog.choices import PublicationState
from app.catalog.models import Claim, Evidence

CREATE = "catalog.add_claim"
ADD_EVIDENCE = "catalog.add_evidence"
EDIT_ANY_CLAIM = "catalog.change_claim"
EDIT_ANY_EVIDENCE = "catalog.change_evidence"
ADD_ENTITY = "catalog.add_entity"
EDIT_ENTITY = "catalog.change_entity"
EDIT_SOURCE = "catalog.change_source"
PUBLISH = "catalog.publish_directly"
SET_VERDICT = "catalog.set_verdict"
MODERATE = "catalog.moderate"
UPLOAD = "archive.add_artifact"
RETRY = "archive.add_capture"
USE_API = "accounts.use_api"

# States an item's own author may still change without an editor's rights.
AUTHOR_EDITABLE = (PublicationState.DRAFT,)


def is_workspace_user(user: Any) -> bool:
    """Anyone with a role: contributors, editors, moderators, admins."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(CREATE))


def sees_all_drafts(user: Any) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.has_perm(EDIT_ANY_CLAIM) or user.has_perm(MODERATE))


def can_see_claim(user: Any, claim: Claim) -> bool:
    if claim.state == PublicationState.PUBLISHED:
        return True
    if not user.is_authenticated:
        return False
    return claim.created_by_id == user.pk or sees_all_drafts(user)


def can_edit_claim(user: Any, claim: Claim) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_perm(EDIT_ANY_CLAIM):
        return True
    return bool(
        user.has_perm(CREATE) and claim.created_by_id == user.pk and claim.state in AUTHOR_EDITABLE
    )


def can_add_evidence(user: Any, claim: Claim) -> bool:
    if not (user.is_authenticated and user.has_perm(ADD_EVIDENCE)):
        return False
    if claim.state in (PublicationState.PUBLISHED, PublicationState.PENDING):
        return True
    return can_edit_claim(user, claim)


def can_publish(user: Any, claim: Claim) -> bool:
    return bool(user.is_authenticated and user.has_perm(PUBLISH) and can_edit_claim(user, claim))


def can_set_verdict(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm(SET_VERDICT))


def can_see_evidence(user: Any, item: Evidence) -> bool:
    if not can_see_claim(user, item.claim):
        return False
    if item.state == PublicationState.PUBLISHED:
        return True
    if not user.is_authenticated:
        return False
    return item.added_by_id == user.pk or user.has_perm(EDIT_ANY_EVIDENCE) or sees_all_drafts(user)


def can_edit_evidence(user: Any, item: Evidence) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_perm(EDIT_ANY_EVIDENCE):
        return True
    own = item.added_by_id == user.pk
    return bool(user.has_perm(ADD_EVIDENCE) and own and item.state in AUTHOR_EDITABLE)


def access_claim(
    user: Any, slug: str, *, write: bool = False, queryset: QuerySet[Claim] | None = None
) -> Claim:
    """The claim for ``slug`` if ``user`` may see it (else 404) and, with
    ``write``, change it (else 403)."""
    claim = (queryset if queryset is not None else Claim.objects.all()).filter(slug=slug).first()
    if claim is None or not can_see_claim(user, claim):
        raise Http404("No such claim.")
    if write and not can_edit_claim(user, claim):
        raise PermissionDenied("You cannot change this claim.")
    return claim


def access_evidence(
    user: Any, pk: int, *, write: bool = False, queryset: QuerySet[Evidence] | None = None
) -> Evidence:
    base = queryset if queryset is not None else Evidence.objects.select_related("claim", "source")
    item = base.filter(pk=pk).first()
    if item is None or not can_see_evidence(user, item):
        raise Http404("No such evidence.")
    if write and not can_edit_evidence(user, item):
        raise PermissionDenied("You cannot change this evidence.")
    return item


def require(user: Any, perm: str) -> None:
    """403 unless the user holds ``perm``."""
    if not (user.is_authenticated and user.has_perm(perm)):
        raise PermissionDenied("You do not have permission for this.")
