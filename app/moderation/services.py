"""Moderation decisions: take an item, publish, reject, send back, accept, resolve.

Every decision is a conditional change: the item is locked and re-read as
still pending inside the transaction, so when two moderators decide the same
item at the same moment exactly one decision is recorded and the other gets
`AlreadyDecided` (the view answers 409).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from app.accounts.models import User
from app.catalog import audit
from app.catalog.choices import EvidenceKind, PublicationState, Stance
from app.catalog.models import Claim, Evidence
from app.catalog.publication import PublicationError, TransitionNotAllowed, publication_set
from app.catalog.services import claim_create, evidence_add
from app.moderation import conf
from app.moderation.choices import (
    ACTIONS_BY_KIND,
    BULK_ACTIONS,
    Action,
    FlagStatus,
    ItemKind,
    Outcome,
    RejectReason,
    SuggestionKind,
    SuggestionStatus,
)
from app.moderation.models import Decision, Flag, ReviewLock, Suggestion, reason_display
from app.moderation.queue import MODELS, author_of, is_pending

log = logging.getLogger(__name__)


class ModerationError(Exception):
    """A decision that cannot be made; `status` is the HTTP answer the view gives."""

    status = 400


class InvalidDecision(ModerationError):
    status = 400


class ItemNotFound(ModerationError):
    status = 404


class AlreadyDecided(ModerationError):
    status = 409


class TakenByOther(ModerationError):
    status = 409


@dataclass(frozen=True)
class DecisionRequest:
    action: str
    reason_code: str = ""
    reason_text: str = ""
    evidence_kind: str = ""
    stance: str = ""


def validate(kind: str, request: DecisionRequest) -> None:
    """Raise InvalidDecision when the action or its reason does not fit the item."""
    if kind not in ACTIONS_BY_KIND:
        raise InvalidDecision(_("Unknown kind of item."))
    if request.action not in ACTIONS_BY_KIND[kind]:
        raise InvalidDecision(_("This action does not apply to this kind of item."))
    if request.action == Action.REJECT:
        if request.reason_code not in RejectReason.values:
            raise InvalidDecision(_("Choose a reason for the rejection."))
        if request.reason_code == RejectReason.OTHER and not request.reason_text.strip():
            raise InvalidDecision(_("Explain the reason in the note."))
    if request.action == Action.CHANGES and not request.reason_text.strip():
        raise InvalidDecision(_("Say what needs to change."))
    if request.evidence_kind and request.evidence_kind not in EvidenceKind.values:
        raise InvalidDecision(_("Unknown kind of evidence."))
    if request.stance and request.stance not in Stance.values:
        raise InvalidDecision(_("Unknown stance."))
    if len(request.reason_text) > 2000:
        raise InvalidDecision(_("The note is longer than 2,000 characters."))


def _last_decision_message(kind: str, pk: int) -> str:
    last = Decision.objects.filter(item_kind=kind, item_id=pk).select_related("decided_by").first()
    if last is None:
        return _("This item is no longer waiting for review.")
    return _("%(who)s already decided this item (%(outcome)s).") % {
        "who": last.decided_by or _("someone"),
        "outcome": last.get_outcome_display(),
    }


def _check_lock(kind: str, pk: int, actor: User) -> ReviewLock | None:
    lock = ReviewLock.objects.select_for_update().filter(item_kind=kind, item_id=pk).first()
    fresh = lock is not None and lock.taken_at > timezone.now() - conf.lock_ttl()
    if lock is not None and fresh and lock.taken_by_id != actor.pk:
        raise TakenByOther(
            _("%(who)s took this item at %(when)s.")
            % {"who": lock.taken_by, "when": timezone.localtime(lock.taken_at).strftime("%H:%M")}
        )
    return lock


def _lock_pending(kind: str, pk: int) -> Any:
    """The item, row-locked, if it is still pending; raise otherwise.

    On PostgreSQL the second of two concurrent transactions waits on the row
    lock, then re-evaluates the WHERE clause against the committed row and
    finds nothing; on SQLite IMMEDIATE transactions serialize writers.
    """
    manager = MODELS[kind]._default_manager
    obj = manager.select_for_update().filter(pk=pk).first()
    if obj is None:
        raise ItemNotFound(_("No such item."))
    if not is_pending(kind, obj):
        raise AlreadyDecided(_last_decision_message(kind, pk))
    return obj


def take(*, kind: str, pk: int, actor: User) -> ReviewLock:
    """Mark an item as being reviewed by `actor`; others see it as taken."""
    if kind not in MODELS:
        raise ItemNotFound(_("No such item."))
    with transaction.atomic():
        obj = _lock_pending(kind, pk)
        lock = _check_lock(kind, pk, actor)
        now = timezone.now()
        if lock is None:
            try:
                with transaction.atomic():
                    lock = ReviewLock.objects.create(
                        item_kind=kind, item_id=pk, taken_by=actor, taken_at=now
                    )
            except IntegrityError:  # another moderator took it between our read and insert
                raise TakenByOther(_("Another moderator just took this item.")) from None
        else:
            lock.taken_by, lock.taken_at = actor, now
            lock.save(update_fields=["taken_by", "taken_at"])
        audit.record(actor=actor, action="queue.take", target=obj)
    return lock


def release(*, kind: str, pk: int, actor: User) -> None:
    with transaction.atomic():
        deleted, _rows = ReviewLock.objects.filter(
            item_kind=kind, item_id=pk, taken_by=actor
        ).delete()
        obj = MODELS[kind]._default_manager.filter(pk=pk).first() if kind in MODELS else None
        if deleted and obj is not None:
            audit.record(actor=actor, action="queue.release", target=obj)


def decide(*, kind: str, pk: int, request: DecisionRequest, actor: User) -> Decision:
    """Apply one moderator decision to one queue item. See the module docstring."""
    validate(kind, request)
    with transaction.atomic():
        obj = _lock_pending(kind, pk)
        lock = _check_lock(kind, pk, actor)
        before, after, outcome, url = _APPLY[kind](obj, request, actor)
        reason = reason_display(request.reason_code, request.reason_text.strip())
        decision = Decision.objects.create(
            item_kind=kind,
            item_id=pk,
            item_label=_label(kind, obj)[:400],
            item_url=url,
            author=author_of(kind, obj),
            outcome=outcome,
            reason_code=request.reason_code if request.action == Action.REJECT else "",
            reason_text=request.reason_text.strip(),
            decided_by=actor,
        )
        if kind not in (ItemKind.CLAIM, ItemKind.EVIDENCE):  # publication_set audits those
            audit.record(
                actor=actor,
                action=f"{kind}.{request.action}",
                target=obj,
                before=before,
                after=after,
                reason=reason,
            )
        if lock is not None:
            lock.delete()
        transaction.on_commit(lambda: ring_notify(decision.pk))
    return decision


def _label(kind: str, obj: Any) -> str:
    if kind == ItemKind.EVIDENCE:
        return f"{obj.summary[:150]} ({obj.claim.statement[:200]})"
    if kind == ItemKind.FLAG:
        return f"{obj.get_reason_display()}: {(obj.evidence or obj.claim)!s}"
    return str(obj)


Applied = tuple[dict[str, Any], dict[str, Any], str, str]


_TARGET = {
    Action.PUBLISH: (PublicationState.PUBLISHED, Outcome.PUBLISHED),
    Action.REJECT: (PublicationState.REJECTED, Outcome.REJECTED),
    Action.CHANGES: (PublicationState.DRAFT, Outcome.CHANGES),
}


def _apply_publication(obj: Claim | Evidence, request: DecisionRequest, actor: User) -> Applied:
    """Through the one publication action, which writes the audit entry itself."""
    before = {"state": obj.state, "state_reason": obj.state_reason}
    state, outcome = _TARGET[Action(request.action)]
    reason = request.reason_text.strip()
    if request.action == Action.REJECT:
        reason = reason_display(request.reason_code, reason)
    try:
        obj = publication_set(obj, state, actor=actor, reason=reason)
    except PublicationError as exc:
        raise InvalidDecision(str(exc)) from None
    except TransitionNotAllowed as exc:
        raise InvalidDecision(str(exc)) from None
    claim = obj if isinstance(obj, Claim) else obj.claim
    url = claim.get_absolute_url() if claim.is_published else ""
    return before, {"state": obj.state, "state_reason": obj.state_reason}, outcome, url


def _apply_suggestion(obj: Suggestion, request: DecisionRequest, actor: User) -> Applied:
    before = {"status": obj.status}
    obj.decided_by, obj.decided_at = actor, timezone.now()
    url = ""
    if request.action == Action.REJECT:
        obj.status = SuggestionStatus.REJECTED
        obj.reason_code, obj.reason_text = request.reason_code, request.reason_text.strip()
        outcome = Outcome.REJECTED
    else:
        publish = request.action == Action.PUBLISH
        claim, evidence = suggestion_accept(
            suggestion=obj, actor=actor, publish=publish, **_kw(request)
        )
        obj.status = SuggestionStatus.ACCEPTED
        obj.result_claim, obj.result_evidence, obj.source = claim, evidence, evidence.source
        outcome = Outcome.PUBLISHED if publish else Outcome.ACCEPTED
        url = claim.get_absolute_url() if claim.is_published else ""
    obj.save()
    after: dict[str, Any] = {"status": obj.status}
    if obj.result_claim_id:
        after |= {"claim": obj.result_claim_id, "evidence": obj.result_evidence_id}
        after |= {"source": obj.source_id}
    return before, after, outcome, url


def _kw(request: DecisionRequest) -> dict[str, str]:
    return {"evidence_kind": request.evidence_kind, "stance": request.stance}


def suggestion_accept(
    *, suggestion: Suggestion, actor: User, publish: bool, evidence_kind: str = "", stance: str = ""
) -> tuple[Claim, Evidence]:
    """Turn a suggestion into a claim and/or evidence, written for its author;
    only now is its address captured. Published or left pending by ``actor``
    through the one publication action."""
    author = suggestion.suggested_by
    state = PublicationState.PUBLISHED if publish else PublicationState.PENDING
    claim = suggestion.claim
    new_claim = suggestion.kind == SuggestionKind.CLAIM or claim is None
    if new_claim:
        claim = claim_create(
            actor=actor,
            created_by=author,
            statement=suggestion.statement,
            language=suggestion.language,
        )
    assert claim is not None
    result = evidence_add(
        claim=claim,
        actor=actor,
        added_by=author,
        url=suggestion.url,
        kind=evidence_kind or EvidenceKind.NEWS_REPORT,
        stance=stance or suggestion.stance,
        summary=suggestion.summary,
        submit=False,
    )
    if new_claim:
        publication_set(claim, state, actor=actor)
    evidence = publication_set(result.evidence, state, actor=actor)
    return claim, evidence


def _apply_flag(obj: Flag, request: DecisionRequest, actor: User) -> Applied:
    before = {"status": obj.status}
    resolved = request.action == Action.RESOLVE
    obj.status = FlagStatus.RESOLVED if resolved else FlagStatus.DISMISSED
    obj.resolution_note = request.reason_text.strip()
    obj.resolved_by, obj.resolved_at = actor, timezone.now()
    obj.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_at"])
    outcome = Outcome.RESOLVED if resolved else Outcome.DISMISSED
    return before, {"status": obj.status, "note": obj.resolution_note}, outcome, ""


_APPLY: dict[str, Any] = {
    ItemKind.CLAIM: _apply_publication,
    ItemKind.EVIDENCE: _apply_publication,
    ItemKind.SUGGESTION: _apply_suggestion,
    ItemKind.FLAG: _apply_flag,
}


@dataclass
class BulkResult:
    decided: list[Decision] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def parse_key(key: str) -> tuple[str, int] | None:
    kind, _sep, raw = key.partition(":")
    if kind not in MODELS or not raw.isdigit():
        return None
    return kind, int(raw)


def decide_many(
    *, keys: list[str], action: str, actor: User, reason_code: str = "", reason_text: str = ""
) -> BulkResult:
    """One decision per selected item, each in its own transaction; failures are reported."""
    if action not in BULK_ACTIONS:
        raise InvalidDecision(_("Unknown bulk action."))
    result = BulkResult()
    for key in dict.fromkeys(keys):
        parsed = parse_key(key)
        if parsed is None:
            result.skipped.append((key, _("Not a queue item.")))
            continue
        kind, pk = parsed
        if kind not in BULK_ACTIONS[action]:
            result.skipped.append((key, _("This action does not apply to this kind of item.")))
            continue
        request = DecisionRequest(BULK_ACTIONS[action][kind], reason_code, reason_text)
        try:
            result.decided.append(decide(kind=kind, pk=pk, request=request, actor=actor))
        except ModerationError as exc:
            result.skipped.append((key, str(exc)))
    return result


def decisions_for(user: User, *, limit: int = 20) -> list[Decision]:
    """The latest decisions on `user`'s own work, for their dashboard (one query)."""
    if not user.is_authenticated:
        return []
    qs = Decision.objects.filter(author=user).select_related("decided_by")
    return list(qs.order_by("-decided_at", "-id")[:limit])


def suggestions_for(user: User, *, limit: int = 20) -> list[Suggestion]:
    """`user`'s own suggestions, newest first, with their status (one query)."""
    if not user.is_authenticated:
        return []
    return list(Suggestion.objects.filter(suggested_by=user).order_by("-created_at")[:limit])


_SUBJECTS = {
    Outcome.PUBLISHED: gettext_lazy("Your contribution to TrainedOn was published"),
    Outcome.ACCEPTED: gettext_lazy("Your suggestion to TrainedOn was accepted"),
    Outcome.REJECTED: gettext_lazy("Your contribution to TrainedOn was not accepted"),
    Outcome.CHANGES: gettext_lazy("Your contribution to TrainedOn needs changes"),
    Outcome.RESOLVED: gettext_lazy("Your report to TrainedOn was resolved"),
    Outcome.DISMISSED: gettext_lazy("Your report to TrainedOn was reviewed"),
}


def ring_notify(decision_id: int) -> None:
    """After commit, hand the author's e-mail to a worker: never sent in the request.

    With the broker down the e-mail is lost (logged), not the decision: the
    author's dashboard lists every decision on their work.
    """
    from app.moderation.tasks import notify_decision

    try:
        notify_decision.apply_async(args=(decision_id,), retry=True)
    except Exception:  # broker down: the decision stands, the dashboard shows it
        log.warning("could not enqueue the e-mail of decision %s", decision_id, exc_info=True)


def notify(*, decision_id: int) -> bool:
    """E-mail the author about a decision (in a worker). Raises on mail trouble so
    the task can retry; returns False when there is no one to write to."""
    decision = Decision.objects.select_related("author").filter(pk=decision_id).first()
    author = decision.author if decision else None
    if decision is None or author is None or not author.email:
        return False
    reason = decision.reason_display
    lines = [
        _("%(outcome)s: %(item)s")
        % {"outcome": decision.get_outcome_display(), "item": decision.item_label},
        _("Reason: %(reason)s") % {"reason": reason} if reason else "",
        f"{settings.SITE_URL}{decision.item_url}" if decision.item_url else "",
    ]
    send_mail(
        str(_SUBJECTS[Outcome(decision.outcome)]),
        "\n\n".join(line for line in lines if line),
        None,
        [author.email],
    )
    return True
