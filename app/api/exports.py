"""Streaming CSV and JSON exports of claims, evidence and sources.

Rows are read with ``.iterator(chunk_size=CHUNK)`` (a server-side cursor on
PostgreSQL) and written as they come, so memory stays flat however many rows
there are. Only published claims, their published evidence and the sources
that evidence cites are exported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from app.api.serializers import iso, seconds
from app.archive.models import WITH_FILES, Capture
from app.catalog.access import public_claims, public_evidence
from app.catalog.models import Entity, Source
from app.lib.csvsafe import csv_lines
from app.public.jsonapi import error, read_only
from app.public.render import absolute

CHUNK = 2000


def _claims() -> Iterator[dict[str, Any]]:
    names = Entity.objects.only("slug").order_by("slug")
    claims = (
        public_claims()
        .order_by("pk")
        .prefetch_related(
            Prefetch("models_named", queryset=names), Prefetch("content_named", queryset=names)
        )
    )
    for c in claims.iterator(chunk_size=CHUNK):
        yield {
            "slug": c.slug,
            "statement": c.statement,
            "verdict": c.verdict,
            "evidence_strength": c.evidence_strength,
            "developer_response": c.developer_response,
            "language": c.language,
            "first_seen": iso(c.first_seen),
            "published_at": iso(c.published_at),
            "updated_at": iso(c.updated_at),
            "models": ";".join(e.slug for e in c.models_named.all()),
            "content": ";".join(e.slug for e in c.content_named.all()),
            "summary": c.summary,
            "url": absolute(c.get_absolute_url()),
        }


def _evidence() -> Iterator[dict[str, Any]]:
    rows: QuerySet[Any] = (
        public_evidence()
        .order_by("pk")
        .values_list(
            "pk",
            "claim__slug",
            "kind",
            "stance",
            "summary",
            "quote",
            "locator",
            "method_note",
            "grounding",
            "time_start",
            "time_end",
            "source_id",
            "source__url",
            "published_at",
        )
    )
    for row in rows.iterator(chunk_size=CHUNK):
        pk, slug, kind, stance, summary, quote, locator, method, grounding = row[:9]
        start, end, sid, url, at = row[9:]
        yield {
            "id": pk,
            "claim": slug,
            "kind": kind,
            "stance": stance,
            "summary": summary,
            "quote": quote,
            "locator": locator,
            "method_note": method,
            "grounding": grounding,
            "time_start": seconds(start),
            "time_end": seconds(end),
            "source_id": sid,
            "source_url": url,
            "published_at": iso(at),
        }


def _sources() -> Iterator[dict[str, Any]]:
    cited = public_evidence().values("source_id")
    latest = Capture.objects.filter(source=OuterRef("pk"), status__in=WITH_FILES).order_by(
        "-created_at", "-id"
    )
    rows = (
        Source.objects.filter(pk__in=cited)
        .order_by("pk")
        .annotate(
            archived_at=Subquery(latest.values("created_at")[:1]),
            manifest=Subquery(latest.values("manifest_sha256")[:1]),
        )
        .values_list(
            "pk",
            "url",
            "kind",
            "publisher",
            "title",
            "author",
            "published_on",
            "language",
            "online_status",
            "gone_since",
            "last_changed_at",
            "archived_at",
            "manifest",
        )
    )
    for row in rows.iterator(chunk_size=CHUNK):
        pk, url, kind, publisher, title, author, published_on, language, status = row[:9]
        yield {
            "id": pk,
            "url": url,
            "kind": kind,
            "publisher": publisher,
            "title": title,
            "author": author,
            "published_on": iso(published_on),
            "language": language,
            "online_status": status,
            "gone_since": iso(row[9]),
            "last_changed_at": iso(row[10]),
            "archived_at": iso(row[11]),
            "manifest_sha256": row[12] or "",
            "archived_copy_url": absolute(f"/sources/{pk}/"),
        }


DATASETS = {"claims": _claims, "evidence": _evidence, "sources": _sources}
COLUMNS = {
    "claims": [
        "slug", "statement", "verdict", "evidence_strength", "developer_response", "language",
        "first_seen", "published_at", "updated_at", "models", "content", "summary", "url",
    ],
    "evidence": [
        "id", "claim", "kind", "stance", "summary", "quote", "locator", "method_note",
        "grounding", "time_start", "time_end", "source_id", "source_url", "published_at",
    ],
    "sources": [
        "id", "url", "kind", "publisher", "title", "author", "published_on", "language",
        "online_status", "gone_since", "last_changed_at", "archived_at", "manifest_sha256",
        "archived_copy_url",
    ],
}  # fmt: skip


def json_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    yield "["
    first = True
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]\n"


@read_only
def export(request: HttpRequest, dataset: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    if dataset not in DATASETS or fmt not in {"csv", "json"}:
        return error(404, "Exports are claims, evidence and sources, as .csv or .json.")
    rows = DATASETS[dataset]()
    if fmt == "csv":  # formulas neutralized (app/lib/csvsafe.py)
        columns = COLUMNS[dataset]
        response = StreamingHttpResponse(
            csv_lines(columns, ([row[c] for c in columns] for row in rows)),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = StreamingHttpResponse(json_lines(rows), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="trainedon-{dataset}.{fmt}"'
    response["Cache-Control"] = "no-cache"
    return response
