"""Browsing and exporting the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from app.catalog import access, audit
from app.catalog.models import AuditEntry
from app.lib.csvsafe import csv_lines
from app.moderation import conf
from app.moderation.access import EXPORT_AUDIT, actor, moderator_required
from app.moderation.forms import AuditFilterForm
from app.public.filters import BadFilter, page_number

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


@dataclass
class AuditRow:
    entry: AuditEntry
    action: str
    changes: list[audit.FieldChange]
    link: str  # the target's page for this viewer, or "" when they may not see it

    @property
    def compares(self) -> bool:
        """Whether any field has a before and an after (else the entry records facts)."""
        return any(change.side == "both" for change in self.changes)


def _ids(entries: Iterable[AuditEntry], target_type: str) -> list[int]:
    return [
        int(e.target_id) for e in entries if e.target_type == target_type and e.target_id.isdigit()
    ]


def target_links(entries: list[AuditEntry], user: Any) -> dict[tuple[str, str], str]:
    """Where each entry's target can be opened, asked through the access rules:
    claims, evidence and sources to the workspace or archive page the viewer may
    see, queue items to their review, other records to their admin page when the
    viewer may view it there. One query per kind of ledger record, at most."""
    links: dict[tuple[str, str], str] = {}
    if access.is_workspace_user(user):
        claims = access.visible_claims(user).filter(pk__in=_ids(entries, "catalog.claim"))
        for pk, slug in claims.values_list("pk", "slug"):
            links[("catalog.claim", str(pk))] = reverse("editor:claim", args=[slug])
        items = access.visible_evidence(user).filter(pk__in=_ids(entries, "catalog.evidence"))
        for pk, slug in items.values_list("pk", "claim__slug"):
            url = reverse("editor:claim", args=[slug]) + f"#evidence-{pk}"
            links[("catalog.evidence", str(pk))] = url
    sources = access.visible_sources(user).filter(pk__in=_ids(entries, "catalog.source"))
    for pk in sources.values_list("pk", flat=True):
        links[("catalog.source", str(pk))] = reverse("archive:source", args=[pk])
    for entry in entries:
        key = (entry.target_type, entry.target_id)
        if key not in links and entry.target_id:
            links[key] = _other_link(entry, user)
    return links


def _other_link(entry: AuditEntry, user: Any) -> str:
    app_label, _dot, model_name = entry.target_type.partition(".")
    if app_label == "moderation" and model_name in ("suggestion", "flag"):
        return reverse("moderation:review", args=[model_name, entry.target_id])
    if app_label == "catalog" and model_name in ("claim", "evidence", "source"):
        return ""  # decided above by the access rules
    try:
        model = apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        return ""
    perms = (f"{app_label}.view_{model_name}", f"{app_label}.change_{model_name}")
    if not admin.site.is_registered(model) or not user.is_staff:
        return ""
    if not any(user.has_perm(p) for p in perms):
        return ""
    try:
        return reverse(f"admin:{app_label}_{model_name}_change", args=[entry.target_id])
    except NoReverseMatch:
        return ""


def audit_rows(entries: list[AuditEntry], user: Any) -> list[AuditRow]:
    links = target_links(entries, user)
    return [
        AuditRow(
            entry,
            audit.action_label(entry.action),
            audit.field_changes(entry.before, entry.after),
            links.get((entry.target_type, entry.target_id), ""),
        )
        for entry in entries
    ]


@require_GET
@moderator_required()
def audit_list(request: HttpRequest) -> HttpResponse:
    form, qs = filtered(request.GET)
    try:
        number = page_number(request.GET)
    except BadFilter as error:
        return render(request, "400.html", {"message": str(error)}, status=400)
    try:
        page = Paginator(qs, conf.number("MODERATION_AUDIT_PAGE")).page(number)
    except EmptyPage:
        raise Http404("That page does not exist.") from None
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": audit_rows(list(page), request.user),
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
