"""Publication state: the one writer, the state machine and its audit entries.

Every change of a claim's or an evidence item's publication state (and of
any other publishable record another app registers) goes through
`publication_set`, whether it comes from the workspace, the moderation
queue, the API, a suggestion or an import. It locks the row, checks the
transition against the actor's role, writes the state and the audit entry
in the same transaction. (The public pages' cache version is bumped after
commit by `app.public.signals`, for this save like any other; it also sends
`signals.publication_changed`, so that an item that stops being public is
purged from the page cache instead of being served stale while re-rendered.)

The state machine (``*`` = moderators only):

| from      | to        | verb     | who                                               |
|-----------|-----------|----------|---------------------------------------------------|
| draft     | pending   | submit   | the author, or an editor                          |
| draft     | published | publish  | "publish directly" holders who may edit it; *    |
| pending   | published | publish  | the author with "publish directly"; *            |
| pending   | rejected  | reject   | * (with a reason)                                 |
| pending   | draft     | changes  | * (sent back with a reason)                       |
| published | withdrawn | withdraw | * (with a reason)                                 |
| withdrawn | published | publish  | *                                                 |
| rejected  | draft     | reopen   | * (only a moderator undoes a rejection)           |
| rejected  | pending   | reopen   | *                                                 |
| rejected  | published | publish  | *                                                 |
| withdrawn | draft     | reopen   | *                                                 |

The one cascade: when a claim moves to pending or published, the draft
evidence the *actor* added to it moves with it (they were written together).
Nothing else moves with a claim: evidence from anyone else keeps its state and
needs its own decision, whether the claim is published from the workspace, the
API or the moderation queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from app.catalog import access, audit, signals
from app.catalog.choices import PublicationState
from app.catalog.models import Claim, Evidence

DRAFT = PublicationState.DRAFT
PENDING = PublicationState.PENDING
PUBLISHED = PublicationState.PUBLISHED
REJECTED = PublicationState.REJECTED
WITHDRAWN = PublicationState.WITHDRAWN


class PublicationError(ValueError):
    """A transition that does not exist, or lacks its reason (the views answer 400)."""


class TransitionNotAllowed(PermissionDenied):
    """The actor's role may not make this transition (the views answer 403)."""


@dataclass(frozen=True)
class Publishable:
    """How the state machine reads a model: who wrote an item, and who may edit it."""

    label: str
    author_field: str
    can_edit: Callable[[Any, Any], bool]


REGISTRY: dict[type[models.Model], Publishable] = {
    Claim: Publishable("claim", "created_by_id", access.can_edit_claim),
    Evidence: Publishable("evidence", "added_by_id", access.can_edit_evidence),
}


def register(model: type[models.Model], publishable: Publishable) -> None:
    """Let another app's record (with ``state``, ``state_reason`` and
    ``published_at`` fields) go through this state machine."""
    REGISTRY[model] = publishable


def _is_author(user: Any, item: Any) -> bool:
    spec = REGISTRY[type(item)]
    return bool(user is not None and user.pk and getattr(item, spec.author_field) == user.pk)


def _submitter(user: Any, item: Any) -> bool:
    return access.is_workspace_user(user) and (
        _is_author(user, item) or access.sees_all_drafts(user)
    )


def _direct_publisher(user: Any, item: Any) -> bool:
    if access.is_moderator(user):
        return True
    return access.has(user, access.PUBLISH) and REGISTRY[type(item)].can_edit(user, item)


def _own_submission_publisher(user: Any, item: Any) -> bool:
    if access.is_moderator(user):
        return True
    return access.has(user, access.PUBLISH) and _is_author(user, item)


def _moderator(user: Any, item: Any) -> bool:
    return access.is_moderator(user)


Rule = Callable[[Any, Any], bool]

# (from, to) -> (verb, who may, needs a reason)
TRANSITIONS: dict[tuple[str, str], tuple[str, Rule, bool]] = {
    (DRAFT, PENDING): ("submit", _submitter, False),
    (DRAFT, PUBLISHED): ("publish", _direct_publisher, False),
    (PENDING, PUBLISHED): ("publish", _own_submission_publisher, False),
    (PENDING, REJECTED): ("reject", _moderator, True),
    (PENDING, DRAFT): ("changes", _moderator, True),
    (PUBLISHED, WITHDRAWN): ("withdraw", _moderator, True),
    (WITHDRAWN, PUBLISHED): ("publish", _moderator, False),
    (WITHDRAWN, DRAFT): ("reopen", _moderator, False),
    (REJECTED, DRAFT): ("reopen", _moderator, False),
    (REJECTED, PENDING): ("reopen", _moderator, False),
    (REJECTED, PUBLISHED): ("publish", _moderator, False),
}


def transition(current: str, target: str) -> tuple[str, Rule, bool]:
    try:
        return TRANSITIONS[(current, target)]
    except KeyError:
        raise PublicationError(
            _("An item cannot go from “%(from)s” to “%(to)s”.")
            % {"from": PublicationState(current).label, "to": PublicationState(target).label}
        ) from None


def can_set(user: Any, item: Any, target: str) -> bool:
    """Whether ``user`` may move ``item`` to ``target`` now (for showing buttons)."""
    found = TRANSITIONS.get((item.state, target))
    return found is not None and found[1](user, item)


def may_withdraw(user: Any, item: Any) -> bool:
    """Whether ``user``'s role may withdraw ``item`` once it is published (the rule of
    the published -> withdrawn transition), whatever its state now: the withdraw
    actions answer 403 for who may not, and only then "not published"."""
    return TRANSITIONS[(PUBLISHED, WITHDRAWN)][1](user, item)


def can_remove_part(user: Any, item: Any) -> bool:
    """Whether ``user`` may take a part out of ``item`` (a relation out of its claim):
    once published that withdraws part of what readers see, so only who may withdraw
    the item may; before, who may edit it."""
    if item.state == PUBLISHED:
        return can_set(user, item, WITHDRAWN)
    return REGISTRY[type(item)].can_edit(user, item)


def submission_state(actor: Any) -> str:
    """What a contribution becomes when submitted: published for holders of
    "publish directly" (and moderators), else pending review."""
    if access.has(actor, access.PUBLISH) or access.is_moderator(actor):
        return PUBLISHED
    return PENDING


def new_evidence_state(*, claim: Claim, actor: Any) -> str:
    """Evidence on an unsubmitted claim waits with it; elsewhere it is submitted at once."""
    if claim.state in (DRAFT, REJECTED, WITHDRAWN):
        return DRAFT
    return submission_state(actor)


def publication_set(item: Any, state: str, *, actor: Any, reason: str = "") -> Any:
    """Move ``item`` to ``state`` as ``actor``; returns the item as saved.

    Raises `PublicationError` for a transition that does not exist or lacks
    its reason, `TransitionNotAllowed` when the actor's role may not make it.
    """
    spec = REGISTRY[type(item)]
    reason = reason.strip()
    with transaction.atomic():
        locked = type(item)._default_manager.select_for_update().get(pk=item.pk)
        verb, allowed, needs_reason = transition(locked.state, state)
        if not allowed(actor, locked):
            raise TransitionNotAllowed(
                _("You may not %(verb)s this %(what)s.") % {"verb": verb, "what": spec.label}
            )
        if needs_reason and not reason:
            raise PublicationError(_("Give a reason."))
        before = {"state": locked.state, "state_reason": locked.state_reason}
        locked.state = state
        locked.state_reason = reason if needs_reason else ""
        if state == PUBLISHED and locked.published_at is None:
            locked.published_at = timezone.now()
        locked._history_user = actor if getattr(actor, "pk", None) else None
        locked._change_reason = f"{verb}: {reason}"[:100] if reason else verb
        locked.save(update_fields=["state", "state_reason", "published_at", "updated_at"])
        audit.record(
            actor=actor,
            action=f"{spec.label}.{verb}",
            target=locked,
            before=before,
            after={"state": locked.state, "state_reason": locked.state_reason},
            reason=reason,
        )
        if before["state"] != state:
            signals.publication_changed.send(
                sender=type(locked), item=locked, before=before["state"], after=state
            )
        if isinstance(locked, Claim) and state in (PENDING, PUBLISHED):
            _cascade(locked, state, actor)
    for name in ("state", "state_reason", "published_at", "updated_at"):
        setattr(item, name, getattr(locked, name))
    return locked


def _cascade(claim: Claim, state: str, actor: Any) -> None:
    """The actor's own draft evidence goes with the claim (see the module docstring)."""
    if not getattr(actor, "pk", None):
        return
    target = PENDING if state == PENDING else submission_state(actor)
    mine = Evidence.objects.filter(claim=claim, state=DRAFT, added_by=actor).order_by("pk")
    for item in mine:
        publication_set(item, target, actor=actor, reason="")
