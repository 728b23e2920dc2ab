"""The moderators' review queue: list, review one item, take it, decide, bulk-decide.

Every action is a plain POST that works without JavaScript (redirect after
success); with htmx the same endpoints answer with the review panel of the
next item. Conflicts (someone else decided or took the item) answer 409.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from app.moderation import services
from app.moderation.access import actor, is_htmx, moderator_required
from app.moderation.choices import BULK_ACTIONS, Action, ItemKind, RejectReason
from app.moderation.forms import BulkForm, DecisionForm
from app.moderation.queue import (
    QueueFilters,
    QueueItem,
    items_for_keys,
    load_item,
    next_item,
    queue_page,
)
from app.moderation.review import review_of
from app.moderation.services import DecisionRequest, ModerationError
from app.public.filters import BadFilter, page_number

TEMPLATE_QUEUE = "moderation/queue.html"
TEMPLATE_REVIEW = "moderation/review.html"
TEMPLATE_BULK_CONFIRM = "moderation/bulk_confirm.html"


def _review_url(item: QueueItem | None, filters: QueueFilters) -> str:
    query = f"?{urlencode(filters.as_query())}" if filters.as_query() else ""
    if item is None:
        return reverse("moderation:queue") + query
    return reverse("moderation:review", args=[item.kind, item.pk]) + query


def _panel(
    request: HttpRequest, item: QueueItem | None, filters: QueueFilters, **extra: Any
) -> dict[str, Any]:
    return {
        "item": item,
        "review": review_of(item, request.user) if item is not None else None,
        "filters": filters,
        "filter_query": urlencode(filters.as_query()),
        "reasons": RejectReason.choices,
        "decision_form": DecisionForm(),
        **extra,
    }


def _render_panel(
    request: HttpRequest, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    template = f"{TEMPLATE_REVIEW}#panel" if is_htmx(request) else TEMPLATE_REVIEW
    return render(request, template, context, status=status)


def _item_or_404(kind: str, pk: int) -> QueueItem:
    item = load_item(kind, pk) if kind in ItemKind.values else None
    if item is None:
        raise Http404("No such item.")
    return item


@require_GET
@moderator_required()
def queue(request: HttpRequest) -> HttpResponse:
    filters = QueueFilters.from_query(request.GET)
    try:
        if page_number(request.GET) > 1:  # one page: the oldest pending items
            raise Http404("That page does not exist.")
    except BadFilter as error:
        return render(request, "400.html", {"message": str(error)}, status=400)
    page = queue_page(filters)
    context = {"page": page, "filters": filters, "filter_query": urlencode(filters.as_query())}
    context |= {"kinds": ItemKind.choices, "reasons": RejectReason.choices}
    template = f"{TEMPLATE_QUEUE}#queue-list" if is_htmx(request) else TEMPLATE_QUEUE
    return render(request, template, context)


@require_GET
@moderator_required()
def review(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    filters = QueueFilters.from_query(request.GET)
    return _render_panel(request, _panel(request, _item_or_404(kind, pk), filters))


@require_POST
@moderator_required()
def take(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    filters = QueueFilters.from_query(request.POST)
    try:
        services.take(kind=kind, pk=pk, actor=actor(request))
    except ModerationError as exc:
        return _conflict(request, _item_or_404(kind, pk), filters, exc)
    item = _item_or_404(kind, pk)
    if not is_htmx(request):
        return redirect(_review_url(item, filters))
    return _render_panel(request, _panel(request, item, filters, row_update=True))


@require_POST
@moderator_required()
def release(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    filters = QueueFilters.from_query(request.POST)
    services.release(kind=kind, pk=pk, actor=actor(request))
    item = _item_or_404(kind, pk)
    if not is_htmx(request):
        return redirect(_review_url(item, filters))
    return _render_panel(request, _panel(request, item, filters, row_update=True))


@require_POST
@moderator_required()
def decide(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    filters = QueueFilters.from_query(request.POST)
    form = DecisionForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {"action": ""}
    decision_request = DecisionRequest(
        **{k: data.get(k, "") for k in DecisionRequest.__annotations__}
    )
    try:
        decision = services.decide(kind=kind, pk=pk, request=decision_request, actor=actor(request))
    except ModerationError as exc:
        return _conflict(
            request, load_item(kind, pk) if kind in ItemKind.values else None, filters, exc
        )
    notice = _("%(outcome)s: %(label)s") % {
        "outcome": decision.get_outcome_display(),
        "label": decision.item_label[:120],
    }
    upcoming = next_item(filters, user=actor(request), skip=f"{kind}:{pk}")
    if not is_htmx(request):
        messages.success(request, notice)
        return redirect(_review_url(upcoming, filters))
    context = _panel(request, upcoming, filters, notice=notice, removed=f"item-{kind}-{pk}")
    return _render_panel(request, context)


def _conflict(
    request: HttpRequest, item: QueueItem | None, filters: QueueFilters, exc: ModerationError
) -> HttpResponse:
    if item is None:
        raise Http404("No such item.")
    context = _panel(request, item, filters, error=str(exc))
    return _render_panel(request, context, status=exc.status)


@require_POST
@moderator_required()
def bulk(request: HttpRequest) -> HttpResponse:
    """Decide the selected items. Nothing is chosen by default, and publishing asks
    for a confirmation on a page of its own (a plain form: no JavaScript needed)."""
    filters = QueueFilters.from_query(request.POST)
    if not request.POST.getlist("items"):
        messages.error(request, _("Select at least one item first: nothing was decided."))
        return redirect(_review_url(None, filters))
    if request.POST.get("action", "") not in BULK_ACTIONS:
        messages.error(
            request, _("Choose what to do with the selected items: nothing was decided.")
        )
        return redirect(_review_url(None, filters))
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Select at least one item and an action."))
        return redirect(_review_url(None, filters))
    data = form.cleaned_data
    if data["action"] == Action.PUBLISH and request.POST.get("confirmed") != "yes":
        context = {
            "items": items_for_keys(data["items"]),
            "form_data": data,
            "filters": filters,
            "filter_query": urlencode(filters.as_query()),
        }
        return render(request, TEMPLATE_BULK_CONFIRM, context)
    result = services.decide_many(
        keys=data["items"],
        action=data["action"],
        actor=actor(request),
        reason_code=data["reason_code"],
        reason_text=data["reason_text"],
    )
    messages.success(request, _("%(n)d decided.") % {"n": len(result.decided)})
    for key, reason in result.skipped:
        messages.warning(request, f"{key}: {reason}")
    return redirect(_review_url(None, filters))
