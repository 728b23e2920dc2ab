"""Who sees and changes disclosures, gap entries and cases.

Built only from the trust core's primitives (`app.catalog.access`): readers see
a record when it is published (a gap entry also needs its claim public, and
its disclosure public when it names one); editors and moderators (who see
every draft) see everything; changing needs the editor's right to change any
claim (contributors do not write these records).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from app.catalog import access
from app.catalog.choices import PublicationState
from app.disclosures.models import Case, Disclosure, GapEntry

PUBLISHED = PublicationState.PUBLISHED
EDIT = access.EDIT_ANY_CLAIM

PUBLIC_DISCLOSURE = Q(state=PUBLISHED)
PUBLIC_CASE = Q(state=PUBLISHED)
PUBLIC_GAP = Q(state=PUBLISHED, claim__state=PUBLISHED) & (
    Q(disclosure__isnull=True) | Q(disclosure__state=PUBLISHED)
)


def can_edit(user: Any, item: Any = None) -> bool:
    return access.has(user, EDIT)


def require_editor(user: Any) -> None:
    if not can_edit(user):
        raise PermissionDenied("Only editors change disclosures, the gap and cases.")


def sees_all(user: Any) -> bool:
    return access.sees_all_drafts(user)


def visible_disclosures(user: Any) -> QuerySet[Disclosure]:
    qs = Disclosure.objects.all()
    return qs if sees_all(user) else qs.filter(PUBLIC_DISCLOSURE)


def visible_gap(user: Any) -> QuerySet[GapEntry]:
    qs = GapEntry.objects.all()
    return qs if sees_all(user) else qs.filter(PUBLIC_GAP)


def visible_cases(user: Any) -> QuerySet[Case]:
    qs = Case.objects.all()
    return qs if sees_all(user) else qs.filter(PUBLIC_CASE)


def access_disclosure(user: Any, pk: int, *, write: bool = False) -> Disclosure:
    item = visible_disclosures(user).select_related("model", "source").filter(pk=pk).first()
    if item is None:
        raise Http404("No such disclosure.")
    if write:
        require_editor(user)
    return item


def access_case(user: Any, slug: str, *, write: bool = False) -> Case:
    case = visible_cases(user).filter(slug=slug).first()
    if case is None:
        raise Http404("No such case.")
    if write:
        require_editor(user)
    return case


def disclosed_source_ids() -> QuerySet[Any]:
    """Sources of published disclosures: their archived copies are public (registered
    with the trust core, `app.catalog.access.register_public_citer`)."""
    return visible_disclosures(access.ANONYMOUS).order_by().values("source_id")


def filed_source_ids() -> QuerySet[Any]:
    """Sources of the documents of published cases, likewise."""
    from app.disclosures.models import CaseDocument

    cases = visible_cases(access.ANONYMOUS).order_by().values("pk")
    return CaseDocument.objects.filter(case__in=cases).order_by().values("source_id")
