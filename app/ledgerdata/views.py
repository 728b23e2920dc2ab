"""Public endpoints of bulk data: a claim's PROV document, the dumps, the format page."""

from __future__ import annotations

import csv
import re

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from app.ledgerdata.dumps import MANIFEST, ROOT, dump_folders, latest_folder
from app.ledgerdata.importer import CSV_COLUMNS
from app.ledgerdata.prov import MEDIA_TYPE, claim_lineage
from app.lib.markdown import render_markdown
from app.public.jsonapi import error


@require_GET
def claim_prov(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    """GET /api/v1/claims/{slug}/prov: the claim's lineage in PROV-JSON, streamed as it is
    written (memory stays flat however many items the claim has)."""
    try:
        body = claim_lineage(slug)
    except Http404 as problem:
        return error(404, str(problem))
    response = StreamingHttpResponse(body, content_type=f"{MEDIA_TYPE}; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{slug}.prov.json"'
    return response


DUMP_NAME = re.compile(r"^[a-z0-9_-]+\.(csv|jsonl)\.gz$|^manifest\.json$")


@require_GET
def dump_file(request: HttpRequest, folder: str, name: str) -> FileResponse:
    """/data/dumps/latest/<name> (the newest dump) or /data/dumps/<folder>/<name> (a kept one)."""
    if not DUMP_NAME.match(name):
        raise Http404("No dump file has that name.")
    if folder == "latest":
        found = latest_folder()
    else:
        found = folder if folder in dump_folders() else None
    key = f"{ROOT}/{found}/{name}"
    if found is None or not default_storage.exists(key):
        raise Http404("No dump file has that name.")
    media = "application/json" if name.endswith(".json") else "application/gzip"
    response = FileResponse(default_storage.open(key, "rb"), content_type=media)
    if name != MANIFEST:
        response["Content-Disposition"] = f'attachment; filename="trainedon-{found}-{name}"'
    # "latest" moves daily; a dated dump never changes.
    response["Cache-Control"] = f"public, max-age={300 if folder == 'latest' else 86400}"
    return response


@require_GET
def data_format(request: HttpRequest) -> HttpResponse:
    """docs/data.md rendered: the dump layout, field names, PROV mapping and import formats."""
    text = (settings.BASE_DIR / "docs" / "data.md").read_text(encoding="utf-8")
    return render(request, "ledgerdata/format.html", {"body": render_markdown(text)})


TEMPLATE_ROWS = [
    {
        "claim_id": "example-1",
        "statement": "ExampleVideo was trained on ExampleGame gameplay footage.",
        "summary": "Outputs reproduce the game's interface.",
        "first_seen": "2024-12-11",
        "language": "en",
        "models": "ExampleVideo",
        "developer": "Example Labs",
        "content": "ExampleGame",
        "content_kind": "work",
        "evidence_kind": "news_report",
        "stance": "supports",
        "evidence_summary": "A news report compares outputs with the game.",
        "locator": "paragraph 3",
        "source_url": "https://news.example.org/examplevideo-examplegame",
        "source_kind": "article",
        "source_title": "ExampleVideo seems to know ExampleGame",
        "source_publisher": "Example News",
        "source_published_on": "2024-12-11",
    },
    {
        "claim_id": "example-1",
        "statement": "ExampleVideo was trained on ExampleGame gameplay footage.",
        "evidence_kind": "developer_statement",
        "stance": "context",
        "evidence_summary": "The developer names only public and licensed data.",
        "source_url": "https://labs.example.org/examplevideo-card",
        "source_kind": "document",
    },
]


@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    """The CSV form's header with two example rows (docs/data.md explains each column)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="trainedon-import-template.csv"'
    writer = csv.DictWriter(response, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(TEMPLATE_ROWS)
    return response
