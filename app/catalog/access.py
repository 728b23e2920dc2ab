"""Who may see and who may change what: the only place that decides it.

Every page, feed, export, sitemap, API endpoint and task that shows or
changes a claim, an evidence item, a source or an archived file asks here.

| role                  | create | edit own    | others' | publish own | verdict | upload |
|-----------------------|--------|-------------|---------|-------------|---------|--------|
| contributor           | yes    | drafts only | no      | no          | no      | no     |
| editor                | yes    | yes         | yes     | no          | no      | yes    |
| editor + publish dir. | yes    | yes         | yes     | yes         | no      | yes    |
| moderator             | yes    | yes         | yes     | yes, and    | yes     | yes    |
|                       |        |             |         | others'     |         |        |

Readers (and everyone else) see:
- a claim when it is published;
- an evidence item when it and its claim are published;
- a source, and the archived files of its captures, when at least one
  published evidence item of a published claim cites it (or a published record
  of another app that registers itself with `register_public_citer`: a
  developer's disclosure, a court filing of a published case).

Signed-in people also see their own drafts and submissions (and the sources
they added or cite); editors and moderators see everything in the workspace.
What a user cannot see is a 404 (a draft's existence is not revealed); what
they can see but not change is a 403. The state machine (who may move an
item from which state to which) is in `app.catalog.publication`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from app.catalog.choices import PublicationState
from app.catalog.models import Claim, Evidence, Source
from app.lib.prepared import PreparedQuery

if TYPE_CHECKING:
    from app.archive.models import Artifact

# Permissions (Django's, held through the role groups of app.accounts.roles).
CREATE = "catalog.add_claim"
ADD_EVIDENCE = "catalog.add_evidence"
ADD_SOURCE = "catalog.add_source"
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

PUBLISHED = PublicationState.PUBLISHED
# The reader with no account: public pages, feeds and exports ask as this user.
ANONYMOUS = AnonymousUser()
# States an item's own author may still change without an editor's rights.
AUTHOR_EDITABLE = (PublicationState.DRAFT,)

# --- The public rule, as filters ---------------------------------------------

PUBLIC_CLAIM = Q(state=PUBLISHED)
PUBLIC_EVIDENCE = Q(state=PUBLISHED, claim__state=PUBLISHED)


def public_claims() -> QuerySet[Claim]:
    """Claims every reader may see."""
    return Claim.objects.filter(PUBLIC_CLAIM)


def public_evidence() -> QuerySet[Evidence]:
    """Evidence every reader may see: published, on a published claim."""
    return Evidence.objects.filter(PUBLIC_EVIDENCE)


# Other apps' published records that cite sources (a developer's disclosure, a court
# filing) make those sources public too. Each registers a function returning a
# ``values("source_id")`` queryset built from its own records' public rule.
_PUBLIC_CITERS: list[Callable[[], QuerySet[Any]]] = []


def register_public_citer(source_ids: Callable[[], QuerySet[Any]]) -> None:
    _PUBLIC_CITERS.append(source_ids)


def public_source_filter() -> Q:
    """Filter on sources (or ``source__`` lookups by ``outer``): cited by a public
    evidence item, or by another app's public record."""
    rule = Q(Exists(public_evidence().filter(source_id=OuterRef("pk"))))
    for source_ids in _PUBLIC_CITERS:
        rule |= Q(pk__in=source_ids())
    return rule


def public_sources() -> QuerySet[Source]:
    """Sources every reader may see (with their captures and archived files)."""
    return Source.objects.filter(public_source_filter())


_SOURCE_FIELDS = tuple(f.attname for f in Source._meta.concrete_fields)
# The readers' hot path (the archived-copy page): the rule above for one source,
# compiled to SQL once per connection instead of at every request.
_PUBLIC_SOURCE = PreparedQuery(
    lambda pk: public_sources().filter(pk=pk).values_list(*_SOURCE_FIELDS), 0
)


def public_source(pk: int) -> Source | None:
    """The source ``pk`` if every reader may see it (``public_sources``' rule)."""
    if not -(2**63) <= pk < 2**63:
        # No row has it; the prepared SQL would hand the database an integer it
        # cannot bind (OverflowError on SQLite), where the ORM answers "no row".
        return None
    rows = _PUBLIC_SOURCE(int(pk))
    return Source.from_db("default", list(_SOURCE_FIELDS), rows[0]) if rows else None


def source_is_public(source_id: int) -> bool:
    return public_sources().filter(pk=source_id).exists()


# --- Roles ---------------------------------------------------------------------


def _signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def has(user: Any, perm: str) -> bool:
    return _signed_in(user) and bool(user.has_perm(perm))


def is_workspace_user(user: Any) -> bool:
    """Anyone with a role: contributors, editors, moderators, admins."""
    return has(user, CREATE)


def sees_all_drafts(user: Any) -> bool:
    """Editors and moderators see every draft, submission and rejected item."""
    return has(user, EDIT_ANY_CLAIM) or has(user, MODERATE)


def is_moderator(user: Any) -> bool:
    return has(user, MODERATE)


def require(user: Any, perm: str) -> None:
    """403 unless the user holds ``perm``."""
    if not has(user, perm):
        raise PermissionDenied("You do not have permission for this.")


# --- Claims --------------------------------------------------------------------


def can_see_claim(user: Any, claim: Claim) -> bool:
    if claim.state == PUBLISHED:
        return True
    if not _signed_in(user):
        return False
    return claim.created_by_id == user.pk or sees_all_drafts(user)


def can_edit_claim(user: Any, claim: Claim) -> bool:
    if has(user, EDIT_ANY_CLAIM):
        return True
    return has(user, CREATE) and claim.created_by_id == user.pk and claim.state in AUTHOR_EDITABLE


def can_edit_entity(user: Any) -> bool:
    """Models, developers and content are edited by whoever holds the entity permission."""
    return has(user, EDIT_ENTITY)


def can_add_evidence(user: Any, claim: Claim) -> bool:
    if not has(user, ADD_EVIDENCE) or not can_see_claim(user, claim):
        return False
    if claim.state in (PublicationState.PUBLISHED, PublicationState.PENDING):
        return True
    return can_edit_claim(user, claim)


def can_set_verdict(user: Any) -> bool:
    return has(user, SET_VERDICT)


def visible_claims(user: Any) -> QuerySet[Claim]:
    if sees_all_drafts(user):
        return Claim.objects.all()
    if not _signed_in(user):
        return public_claims()
    return Claim.objects.filter(PUBLIC_CLAIM | Q(created_by=user))


def access_claim(
    user: Any, slug: str, *, write: bool = False, queryset: QuerySet[Claim] | None = None
) -> Claim:
    """The claim for ``slug`` if ``user`` may see it (else 404) and, with
    ``write``, change it (else 403)."""
    base = queryset if queryset is not None else Claim.objects.all()
    claim = base.filter(slug=slug).first()
    if claim is None or not can_see_claim(user, claim):
        raise Http404("No such claim.")
    if write and not can_edit_claim(user, claim):
        raise PermissionDenied("You cannot change this claim.")
    return claim


# --- Evidence --------------------------------------------------------------------


def can_see_evidence(user: Any, item: Evidence) -> bool:
    if not can_see_claim(user, item.claim):
        return False
    if item.state == PUBLISHED and item.claim.state == PUBLISHED:
        return True
    if not _signed_in(user):
        return False
    return item.added_by_id == user.pk or has(user, EDIT_ANY_EVIDENCE) or sees_all_drafts(user)


def can_edit_evidence(user: Any, item: Evidence) -> bool:
    if has(user, EDIT_ANY_EVIDENCE):
        return True
    own = _signed_in(user) and item.added_by_id == user.pk
    return has(user, ADD_EVIDENCE) and own and item.state in AUTHOR_EDITABLE


def visible_evidence(user: Any) -> QuerySet[Evidence]:
    if has(user, EDIT_ANY_EVIDENCE) or sees_all_drafts(user):
        return Evidence.objects.all()
    if not _signed_in(user):
        return public_evidence()
    claim_visible = Q(claim__state=PUBLISHED) | Q(claim__created_by=user)
    return Evidence.objects.filter(claim_visible & (Q(state=PUBLISHED) | Q(added_by=user)))


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


# --- Sources and archived files -------------------------------------------------


def visible_source_filter(user: Any) -> Q | None:
    """The sources ``user`` may see, as a filter on sources (None: every source). The
    one rule behind ``visible_sources``; a page that fetches one source applies it to
    that row directly instead of nesting ``visible_sources`` as a subquery."""
    if sees_all_drafts(user) or has(user, EDIT_SOURCE):
        return None
    if not _signed_in(user):
        return public_source_filter()
    cited = Q(Exists(visible_evidence(user).filter(source_id=OuterRef("pk"))))
    return public_source_filter() | Q(added_by=user) | cited


def visible_sources(user: Any) -> QuerySet[Source]:
    rule = visible_source_filter(user)
    return Source.objects.all() if rule is None else Source.objects.filter(rule)


def can_see_source(user: Any, source: Source) -> bool:
    return visible_sources(user).filter(pk=source.pk).exists()


def access_source(
    user: Any, pk: int, *, write: bool = False, queryset: QuerySet[Source] | None = None
) -> Source:
    """A source ``user`` may see (404 otherwise): for readers, one cited by a
    published evidence item of a published claim. ``write``: may correct its
    metadata or ask for a new capture (403 otherwise)."""
    if queryset is None and not _signed_in(user):
        source = public_source(pk)
    else:
        rule = visible_source_filter(user)
        found = (queryset if queryset is not None else Source.objects.all()).filter(pk=pk)
        source = (found if rule is None else found.filter(rule)).first()
    if source is None:
        raise Http404("No such source.")
    if write and not has(user, EDIT_SOURCE):
        raise PermissionDenied("You cannot change this source.")
    return source


def access_artifact(user: Any, pk: int, *, write: bool = False) -> Artifact:
    """An archived file whose source ``user`` may see (404 otherwise).

    The rule belongs to the catalog (who may see a source); the model to the
    archive, which builds on the catalog, so it is looked up by name here.
    """
    model = apps.get_model("archive", "Artifact")
    artifact: Artifact | None = (
        model.objects.select_related("capture")
        .filter(pk=pk, capture__source__in=visible_sources(user).values("pk"))
        .first()
    )
    if artifact is None:
        raise Http404("No such archived file.")
    if write:
        require(user, UPLOAD)
    return artifact
