"""Moderation in the Django admin: the same decisions as the queue, as admin actions.

`ModerationActions` is a ModelAdmin mixin; set `moderation_kind` to the queue
kind ("claim", "evidence", "suggestion", "flag"). Rejecting asks for a
reason on an intermediate page, like Django's delete confirmation; so does
withdrawing published claims (`withdraw_selected`, on the claims' admin only).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from app.accounts.models import User
from app.catalog.forms import WithdrawForm
from app.catalog.models import Claim
from app.catalog.publication import PublicationError, TransitionNotAllowed
from app.catalog.services import claim_withdraw
from app.moderation.access import MODERATE, actor
from app.moderation.choices import Action, RejectReason
from app.moderation.services import BulkResult, decide_many


class AdminReasonForm(forms.Form):
    reason_code = forms.ChoiceField(label=gettext_lazy("Reason"), choices=RejectReason.choices)
    reason_text = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=2000, widget=forms.Textarea
    )


def _report(modeladmin: Any, request: HttpRequest, result: BulkResult) -> None:
    if result.decided:
        modeladmin.message_user(request, _("%(n)d decided.") % {"n": len(result.decided)})
    for key, reason in result.skipped:
        modeladmin.message_user(request, f"{key}: {reason}", level=messages.WARNING)


def _keys(modeladmin: Any, queryset: QuerySet[Any]) -> list[str]:
    return [f"{modeladmin.moderation_kind}:{pk}" for pk in queryset.values_list("pk", flat=True)]


@admin.action(
    description=gettext_lazy("Publish / accept / resolve (moderation)"), permissions=["moderate"]
)
def publish_selected(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    result = decide_many(
        keys=_keys(modeladmin, queryset), action=Action.PUBLISH, actor=actor(request)
    )
    _report(modeladmin, request, result)


@admin.action(
    description=gettext_lazy("Reject / dismiss with a reason (moderation)"),
    permissions=["moderate"],
)
def reject_selected(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]
) -> TemplateResponse | None:
    form = AdminReasonForm(request.POST if request.POST.get("apply") else None)
    if form.is_bound and form.is_valid():
        result = decide_many(
            keys=_keys(modeladmin, queryset),
            action=Action.REJECT,
            actor=actor(request),
            reason_code=form.cleaned_data["reason_code"],
            reason_text=form.cleaned_data["reason_text"],
        )
        _report(modeladmin, request, result)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Reject with a reason"),
        "form": form,
        "queryset": queryset,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "action": "reject_selected",
    }
    return TemplateResponse(request, "moderation/admin_reason.html", context)


@admin.action(
    description=gettext_lazy("Withdraw published claims with a reason (moderation)"),
    permissions=["moderate"],
)
def withdraw_selected(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Claim]
) -> TemplateResponse | None:
    """Each selected claim through `publication_set` (audited, the page cache purged);
    claims that are not published, or that the moderator may not withdraw, are skipped."""
    form = WithdrawForm(request.POST if request.POST.get("apply") else None)
    if form.is_bound and form.is_valid():
        done = 0
        for claim in queryset.order_by("pk"):
            try:
                claim_withdraw(
                    claim=claim, actor=actor(request), reason=form.cleaned_data["reason"]
                )
            except (PublicationError, TransitionNotAllowed) as exc:
                modeladmin.message_user(request, f"{claim.slug}: {exc}", level=messages.WARNING)
            else:
                done += 1
        if done:
            modeladmin.message_user(request, _("%(n)d withdrawn.") % {"n": done})
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Withdraw with a reason"),
        "form": form,
        "queryset": queryset,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "action": "withdraw_selected",
    }
    status = 400 if form.is_bound else 200
    return TemplateResponse(request, "moderation/admin_withdraw.html", context, status=status)


class ModerationActions:
    """ModelAdmin mixin adding the moderation actions (only for holders of catalog.moderate)."""

    moderation_kind = ""
    actions: Any = [publish_selected, reject_selected]

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.has_perm(MODERATE))


@admin.action(description=gettext_lazy("Deactivate (ends sessions, revokes API tokens)"))
def deactivate_users(modeladmin: Any, request: HttpRequest, queryset: QuerySet[User]) -> None:
    """Saving each user runs the signal that ends sessions, revokes tokens and logs it."""
    count = 0
    for user in queryset.filter(is_active=True):
        if user.pk == request.user.pk:
            continue  # an admin does not lock themselves out by a stray click
        user.is_active = False
        user.save(update_fields=["is_active"])
        count += 1
    modeladmin.message_user(request, _("%(n)d accounts deactivated.") % {"n": count})
