"""Readers' pages: a disclosure, a developer's gap table, the case list and pages,
and a case's Atom feed. Only what `app.disclosures.access` lets the user see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.translation import gettext as _

from app.catalog.access import ANONYMOUS, visible_claims
from app.catalog.choices import EntityKind
from app.catalog.models import Entity
from app.disclosures import access, queries
from app.disclosures.models import Case, CaseEvent, CaseStatus
from app.disclosures.sections import SECTIONS, facts
from app.public.cache import page_context, public_page


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, {**context, **page_context(request)}, status=status)


@public_page
def disclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.access_disclosure(request.user, pk)
    stored = {s.code: s for s in item.sections.all()}
    sections = []
    for section in SECTIONS:
        row = stored.get(section.code)
        sections.append((section, row, facts(section, row.data) if row else []))
    versions = _versions(request, item)
    context = {"item": item, "sections": sections, "versions": versions}
    return _render(request, "disclosures/disclosure.html", context)


def _versions(request: HttpRequest, item: Any) -> list[Any]:
    """Every version of this declaration, newest first (each links to the next)."""
    visible = access.visible_disclosures(request.user).filter(model_id=item.model_id)
    by_pk = {d.pk: d for d in visible.only("pk", "title", "version_label", "supersedes_id",
                                           "published_on", "state")}  # fmt: skip
    successor = {d.supersedes_id: d for d in by_pk.values() if d.supersedes_id}
    chain, head = [], item
    while head.pk in successor:
        head = successor[head.pk]
    seen = set()
    while head is not None and head.pk not in seen:
        seen.add(head.pk)
        chain.append(head)
        head = by_pk.get(head.supersedes_id) if head.supersedes_id else None
    return chain


@public_page
def developer_gap(request: HttpRequest, slug: str) -> HttpResponse:
    developer = get_object_or_404(Entity, slug=slug, kind=EntityKind.ORGANIZATION)
    table = queries.developer_gap(request.user, developer)
    return _render(request, "disclosures/gap.html", {"table": table, "developer": developer})


@public_page
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "").strip()
    if status and status not in CaseStatus.values:
        return _render(request, "disclosures/case_list.html", {
            "error": _("Unknown status “%s”.") % status[:40], "statuses": CaseStatus.choices,
        }, status=400)  # fmt: skip
    model = request.GET.get("model", "").strip()[:120]
    party = request.GET.get("party", "").strip()[:120]
    cases = list(queries.case_list(request.user, status=status, model=model, party=party))
    models = Entity.objects.filter(kind=EntityKind.MODEL, cases_as_model__in=access.visible_cases(
        request.user)).distinct().order_by("name").only("slug", "name")  # fmt: skip
    context = {
        "cases": cases, "statuses": CaseStatus.choices, "status": status, "model": model,
        "party": party, "models": models,
    }  # fmt: skip
    return _render(request, "disclosures/case_list.html", context)


def case_data(request: HttpRequest, slug: str) -> dict[str, Any]:
    case = access.access_case(request.user, slug)
    claims = visible_claims(request.user).filter(cases=case).only("slug", "statement", "verdict")
    return {
        "case": case,
        "parties": case.parties.select_related("entity").order_by("role", "entity__name"),
        "events": case.events.select_related("document").order_by("date", "id"),
        "documents": case.documents.select_related("source").order_by("filed_on", "id"),
        "claims": claims,
        "models": case.models_concerned.order_by("name").only("slug", "name"),
    }


@public_page
def case_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _render(request, "disclosures/case.html", case_data(request, slug))


@dataclass
class _Update:
    when: datetime
    title: str
    body: str
    link: str


class CaseFeed(Feed):
    """A case's timeline as Atom: each event and document. Titles are text; the
    summaries (``type="html"``) are built with format_html, which escapes every value."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Case:
        case = access.visible_cases(ANONYMOUS).filter(slug=slug).first()
        if case is None:
            raise Http404("No such case.")
        return case

    def title(self, obj: Case) -> str:
        return _("TrainedOn: %s") % obj.title

    def link(self, obj: Case) -> str:
        return obj.get_absolute_url()

    def subtitle(self, obj: Case) -> str:
        return f"{obj.court} · {obj.docket_number}"

    def items(self, obj: Case) -> list[_Update]:
        page = obj.get_absolute_url()
        out = []
        for event in CaseEvent.objects.filter(case=obj).select_related("document"):
            body = format_html("<p>{}: {}</p><p>{}</p>", event.get_kind_display(), event.title,
                               event.description)  # fmt: skip
            when = _at(event.date, event.created_at)
            out.append(_Update(when, event.title, body, f"{page}#event-{event.pk}"))
        for doc in obj.documents.select_related("source"):
            title = _("Docket document %(n)s: %(title)s") % {
                "n": doc.docket_entry,
                "title": doc.title,
            }
            body = format_html('<p><a href="{}">{}</a></p>', doc.source.url, doc.title)
            when = _at(doc.filed_on, obj.created_at)
            out.append(_Update(when, title, body, f"{page}#doc-{doc.pk}"))
        out.sort(key=lambda u: u.when, reverse=True)
        return out[:100]

    def item_title(self, item: _Update) -> str:
        return item.title

    def item_description(self, item: _Update) -> str:
        return item.body

    def item_link(self, item: _Update) -> str:
        return item.link

    def item_guid(self, item: _Update) -> str:
        return item.link

    def item_pubdate(self, item: _Update) -> datetime:
        return item.when

    def item_updateddate(self, item: _Update) -> datetime:
        return item.when


def _at(day: date | None, fallback: datetime) -> datetime:
    if day is None:
        return fallback
    return timezone.make_aware(datetime.combine(day, time(12)), timezone.get_current_timezone())


case_feed = public_page(CaseFeed())
