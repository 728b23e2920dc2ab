"""Right of reply: the developer's response to a claim, kept by moderators.

not contacted -> contacted (date, channel) -> replied | declined | no response.
"No response" is set by a periodic task once a developer contacted more than
RIGHT_OF_REPLY_DAYS ago has not answered, and is also computed on display so
the page is right between two runs of the task. A reply is stored as an
evidence item of kind "developer statement" whose source is archived like
any other (`source_add`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from app.accounts.models import User
from app.catalog import audit
from app.catalog.choices import DeveloperResponse, EvidenceKind, Stance
from app.catalog.models import Claim, Evidence
from app.catalog.services import evidence_add
from app.moderation import conf


class ReplyError(ValueError):
    """The right-of-reply change is incomplete (the message says what is missing)."""


@dataclass(frozen=True)
class ReplyStatus:
    code: str
    label: str
    contacted_on: date | None
    channel: str
    days_waiting: int | None


_WAITING = (DeveloperResponse.CONTACTED, DeveloperResponse.NO_RESPONSE)


def reply_status(claim: Claim, *, today: date | None = None) -> ReplyStatus:
    """What the claim page shows; a contact past the deadline reads as no response."""
    code = claim.developer_response
    contacted = claim.developer_contacted_on
    # Today's date only when there is a contact date (most claims have none).
    waiting = ((today or timezone.localdate()) - contacted).days if contacted else None
    if code == DeveloperResponse.CONTACTED and waiting is not None:
        if waiting > conf.right_of_reply_days():
            code = DeveloperResponse.NO_RESPONSE
    return ReplyStatus(
        code=code,
        label=str(DeveloperResponse(code).label),
        contacted_on=claim.developer_contacted_on,
        channel=claim.developer_contact_channel,
        days_waiting=waiting if code in _WAITING else None,
    )


def _snapshot(claim: Claim) -> dict[str, object]:
    return {
        "developer_response": claim.developer_response,
        "developer_contacted_on": claim.developer_contacted_on,
        "developer_contact_channel": claim.developer_contact_channel,
    }


def reply_set(
    *,
    claim: Claim,
    actor: User,
    response: str,
    contacted_on: date | None = None,
    channel: str = "",
    statement_url: str = "",
    statement_summary: str = "",
    statement_quote: str = "",
    note: str = "",
) -> Evidence | None:
    """Record a step of the right of reply; a reply or refusal with a text becomes evidence.

    Raises ReplyError for an incomplete step and `InvalidURL` for a bad address.
    """
    if response not in DeveloperResponse.values:
        raise ReplyError(_("Unknown developer response."))
    if response == DeveloperResponse.CONTACTED and not (
        contacted_on or claim.developer_contacted_on
    ):
        raise ReplyError(_("Say when the developer was contacted."))
    if response == DeveloperResponse.REPLIED and not (statement_url and statement_summary):
        raise ReplyError(_("A reply needs the address of the statement and what it says."))
    if bool(statement_url) != bool(statement_summary):
        raise ReplyError(_("A statement needs both its address and what it says."))
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        before = _snapshot(claim)
        claim.developer_response = response
        if contacted_on:
            claim.developer_contacted_on = contacted_on
        if channel:
            claim.developer_contact_channel = channel.strip()[:200]
        claim._change_reason = f"right of reply: {response}"  # type: ignore[attr-defined]
        claim.save(
            update_fields=[
                "developer_response",
                "developer_contacted_on",
                "developer_contact_channel",
                "updated_at",
            ]
        )
        evidence = None
        if statement_url:
            evidence = _statement_add(
                claim=claim,
                actor=actor,
                url=statement_url,
                summary=statement_summary,
                quote=statement_quote,
            )
        after = _snapshot(claim) | ({"evidence": evidence.pk} if evidence else {})
        audit.record(
            actor=actor,
            action="reply.change",
            target=claim,
            before=before,
            after=after,
            reason=note.strip(),
        )
    return evidence


def _statement_add(*, claim: Claim, actor: User, url: str, summary: str, quote: str) -> Evidence:
    """The developer's statement as evidence, through the ledger's one operation
    (published at once by a moderator on a claim under review or published)."""
    return evidence_add(
        claim=claim,
        actor=actor,
        url=url,
        kind=EvidenceKind.DEVELOPER_STATEMENT,
        stance=Stance.CONTEXT,
        summary=summary.strip()[:5000],
        quote=quote.strip()[:5000],
    ).evidence


def reply_mark_overdue(*, today: date | None = None) -> int:
    """Turn every contact older than RIGHT_OF_REPLY_DAYS without an answer into no response."""
    today = today or timezone.localdate()
    days = conf.right_of_reply_days()
    deadline = today - timedelta(days=days)
    overdue = Claim.objects.filter(
        developer_response=DeveloperResponse.CONTACTED, developer_contacted_on__lt=deadline
    ).values_list("pk", flat=True)
    marked = 0
    for pk in list(overdue):
        with transaction.atomic():
            claim = Claim.objects.select_for_update().get(pk=pk)
            if claim.developer_response != DeveloperResponse.CONTACTED:
                continue  # a moderator recorded an answer meanwhile
            before = _snapshot(claim)
            claim.developer_response = DeveloperResponse.NO_RESPONSE
            claim._change_reason = "right of reply: no response"  # type: ignore[attr-defined]
            claim.save(update_fields=["developer_response", "updated_at"])
            audit.record(
                actor=None,
                action="reply.no_response",
                target=claim,
                before=before,
                after=_snapshot(claim),
                reason=_("No reply %(days)d days after contact.") % {"days": days},
            )
            marked += 1
    return marked
