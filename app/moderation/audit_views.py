"""Browsing and exporting the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from app.catalog import audit
from app.catalog.models import AuditEntry
from app.lib.csvsafe import csv_lines
from app.moderation import conf
from app.moderation.access import EXPORT_AUDIT, actor, moderator_required
from app.moderation.forms import AuditFilterForm

CSV_COLUMNS = [
    "id",
    "created_at",
    "actor_id",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "before",
    "after",
    "reason",
]


def filtered(params: Any) -> tuple[AuditFilterForm, QuerySet[AuditEntry]]:
    form = AuditFilterForm(params)
    qs = AuditEntry.objects.all()
    if not form.is_valid():
        return form, qs.none()
    data = form.cleaned_data
    if data["actor"]:
        qs = qs.filter(actor_name=data["actor"])
    if data["action"]:
        qs = qs.filter(action__startswith=data["action"])
    if data["target_type"]:
        qs = qs.filter(target_type=data["target_type"])
    if data["target_id"]:
        qs = qs.filter(target_id=data["target_id"])
    tz = timezone.get_current_timezone()
    if data["since"]:
        qs = qs.filter(created_at__gte=datetime.combine(data["since"], time.min, tzinfo=tz))
    if data["until"]:
        qs = qs.filter(created_at__lte=datetime.combine(data["until"], time.max, tzinfo=tz))
    return form, qs.order_by("-created_at", "-id")


@require_GET
@moderator_required()
def audit_list(request: HttpRequest) -> HttpResponse:
    form, qs = filtered(request.GET)
    page = Paginator(qs, conf.number("MODERATION_AUDIT_PAGE")).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_export": request.user.has_perm(EXPORT_AUDIT),
    }
    return render(request, "moderation/audit.html", context)


def _rows(qs: QuerySet[AuditEntry]) -> Iterator[list[object]]:
    for entry in qs.iterator(chunk_size=2000):
        yield [
            entry.pk,
            entry.created_at.isoformat(),
            entry.actor_id or "",
            entry.actor_name,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.target_repr,
            audit.as_json(entry.before),
            audit.as_json(entry.after),
            entry.reason,
        ]


@require_GET
@moderator_required(EXPORT_AUDIT)
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """Stream the (filtered) log as CSV, oldest first; the export itself is logged."""
    _form, qs = filtered(request.GET)
    audit.record(
        actor=actor(request),
        action="audit.export",
        target=audit.Target("catalog.auditentry"),
        after={"filters": {k: v for k, v in request.GET.items() if v}},
    )
    response = StreamingHttpResponse(
        # Text from the public lands in these cells: app.lib.csvsafe neutralizes formulas.
        csv_lines(CSV_COLUMNS, _rows(qs.order_by("created_at", "id"))),
        content_type="text/csv",
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="trainedon-audit-{stamp}.csv"'
    return response
