"""JSON API: /api/v1/disclosures, /api/v1/cases, a developer's gap, and their
exports. What readers may see only (the trust core's rule via `access`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from app.catalog.access import ANONYMOUS, public_claims
from app.catalog.choices import EntityKind
from app.catalog.models import Entity
from app.disclosures import access, queries
from app.disclosures.models import CaseStatus, DisclosureSection
from app.disclosures.serializers import case_dict, disclosure_dict, gap_dict
from app.lib.csvsafe import csv_lines
from app.public.filters import BadFilter
from app.public.jsonapi import api_get, error, ok


def _disclosures() -> Any:
    return (
        access.visible_disclosures(ANONYMOUS)
        .select_related("model", "source")
        .prefetch_related(Prefetch("sections", DisclosureSection.objects.order_by("id")))
        .order_by("pk")
    )


@api_get
def disclosure_list(request: HttpRequest) -> HttpResponse:
    items = _disclosures()
    model = request.GET.get("model", "").strip()
    if model:
        items = items.filter(model__slug=model)
    return ok({"results": [disclosure_dict(d) for d in items[:500]]})


@api_get
def disclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _disclosures().filter(pk=pk).first()
    if item is None:
        return error(404, "No such disclosure.")
    return ok(disclosure_dict(item))


def _cases() -> Any:
    return access.visible_cases(ANONYMOUS).order_by("-filed_on", "title")


@api_get
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "").strip()
    if status and status not in CaseStatus.values:
        raise BadFilter(f"“status” must be one of {', '.join(CaseStatus.values)}.")
    cases = queries.case_list(
        ANONYMOUS, status=status, model=request.GET.get("model", "").strip(),
        party=request.GET.get("party", "").strip(),
    )  # fmt: skip
    return ok({"results": [case_dict(c) for c in cases[:500]]})


@api_get
def case_detail(request: HttpRequest, slug: str) -> HttpResponse:
    case = (
        _cases()
        .filter(slug=slug)
        .prefetch_related(
            "parties__entity", "events__document", "documents__source", "models_concerned"
        )
        .first()
    )
    if case is None:
        return error(404, "No such case.")
    data = case_dict(case, detail=True)
    data["claims"] = list(public_claims().filter(cases=case).values_list("slug", flat=True))
    return ok(data)


@api_get
def developer_gap(request: HttpRequest, slug: str) -> HttpResponse:
    developer = Entity.objects.filter(slug=slug, kind=EntityKind.ORGANIZATION).first()
    if developer is None:
        return error(404, "No such developer.")
    table = queries.developer_gap(ANONYMOUS, developer)
    rows = []
    for row in table.rows:
        rows.append({
            "model": row.model.slug,
            "on_eu_market": row.on_eu_market,
            "no_summary_found": row.no_summary,
            "sections": {
                cell.section.code: {
                    "disclosure": cell.disclosure,
                    "state": cell.state or None,
                    "claims": [
                        {"claim": e.claim.slug, "state": e.gap_state, "note": e.note}
                        for e in cell.entries
                    ],
                }
                for cell in row.cells
            },
        })  # fmt: skip
    return ok({"developer": developer.slug, "claims": table.claims, "models": rows})


# --- Exports -----------------------------------------------------------------------

COLUMNS = {
    "disclosures": ["id", "model", "kind", "title", "version", "published_on", "supersedes",
                    "source_url", "is_demo", "sections_stated"],
    "gap": ["claim", "model", "section", "state", "note", "disclosure", "is_demo"],
    "cases": ["slug", "title", "court", "docket_number", "filed_on", "judge", "status",
              "is_demo", "url"],
}  # fmt: skip


def _rows(dataset: str) -> Iterator[dict[str, Any]]:
    if dataset == "disclosures":
        for item in _disclosures().iterator(chunk_size=500):
            data = disclosure_dict(item)
            data["source_url"] = data["source"]["url"]
            data["sections_stated"] = " ".join(s["code"] for s in data["sections"] if s["stated"])
            yield data
    elif dataset == "gap":
        entries = access.visible_gap(ANONYMOUS).select_related("claim", "model").order_by("pk")
        for entry in entries.iterator(chunk_size=2000):
            yield gap_dict(entry)
    else:
        for case in _cases().iterator(chunk_size=2000):
            yield case_dict(case)


def _json(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield "["
    for n, row in enumerate(rows):
        yield ("," if n else "") + json.dumps(row, ensure_ascii=False)
    yield "]"


def export(request: HttpRequest, dataset: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    if request.method not in {"GET", "HEAD"}:
        return error(405, "Only GET is allowed here.")
    if dataset not in COLUMNS or fmt not in {"csv", "json"}:
        return error(404, "Exports are disclosures, gap and cases, as .csv or .json.")
    rows = _rows(dataset)
    if fmt == "csv":
        columns = COLUMNS[dataset]
        body = csv_lines(columns, ([row.get(c) for c in columns] for row in rows))
        response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_json(rows), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="trainedon-{dataset}.{fmt}"'
    return response
