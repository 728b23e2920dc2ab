"""Moderators' tools on one claim: its verdict (with a public note) and the right of reply."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from app.catalog.choices import PublicationState
from app.catalog.models import Claim
from app.catalog.publication import can_set
from app.catalog.services import verdict_set
from app.lib.urls import InvalidURL
from app.moderation.access import SET_VERDICT, actor, moderator_required
from app.moderation.forms import ReplyForm, VerdictForm
from app.moderation.models import Flag
from app.moderation.reply import ReplyError, reply_set, reply_status

TEMPLATE = "moderation/claim.html"


def _claim(pk: int) -> Claim:
    return get_object_or_404(Claim.objects.select_related("created_by"), pk=pk)


def _context(request: HttpRequest, claim: Claim, **forms: Any) -> dict[str, Any]:
    return {
        "claim": claim,
        "can_withdraw": can_set(request.user, claim, PublicationState.WITHDRAWN),
        "reply": reply_status(claim),
        "verdict_changes": claim.verdict_changes.select_related("changed_by"),
        "flags": Flag.objects.filter(claim=claim).select_related("evidence", "reporter")[:50],
        "verdict_form": forms.get("verdict_form")
        or VerdictForm(initial={"verdict": claim.verdict, "strength": claim.evidence_strength}),
        "reply_form": forms.get("reply_form")
        or ReplyForm(
            initial={
                "response": claim.developer_response,
                "contacted_on": claim.developer_contacted_on,
                "channel": claim.developer_contact_channel,
            }
        ),
    }


@require_GET
@moderator_required()
def claim_tools(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, TEMPLATE, _context(request, _claim(pk)))


@require_POST
@moderator_required(SET_VERDICT)
def verdict(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(pk)
    form = VerdictForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(request, claim, verdict_form=form), status=400)
    data = form.cleaned_data
    strength = data["strength"] if "strength" in request.POST else None
    verdict_set(
        claim=claim,
        verdict=data["verdict"],
        note=data["note"],
        actor=actor(request),
        strength=strength,
    )
    messages.success(request, _("Verdict changed: it appears in the claim's history."))
    return redirect("moderation:claim", pk=claim.pk)


@require_POST
@moderator_required()
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            reply_set(claim=claim, actor=actor(request), **form.cleaned_data)
        except (ReplyError, InvalidURL) as exc:
            form.add_error(None, str(exc))
    if not form.is_valid():
        return render(request, TEMPLATE, _context(request, claim, reply_form=form), status=400)
    messages.success(request, _("Right of reply updated."))
    return redirect("moderation:claim", pk=claim.pk)
