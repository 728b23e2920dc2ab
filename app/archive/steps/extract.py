"""The extract step: main text and metadata of an HTML page, with trafilatura.

The page is decoded the way a browser would (BOM, Content-Type charset,
``<meta charset>``, else UTF-8 or windows-1252) before trafilatura sees it.
Stores ``text.txt`` and ``metadata.json``, records ``Capture.text_sha256``
(the hash of the text with whitespace normalized, compared by later edit
tracking), and copies title, author, date, site name, description,
canonical address, image and language onto the source where it has none.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from typing import Any

import trafilatura
from django.conf import settings
from django.db import transaction

from app.archive.models import ArtifactKind
from app.archive.steps.base import CaptureContext, StepFailed, StepOutcome
from app.catalog.models import Source
from app.lib.text import text_sha256

TEXT_NAME = "text.txt"
METADATA_NAME = "metadata.json"
METADATA_KEYS = (
    "title",
    "author",
    "date",
    "sitename",
    "description",
    "url",
    "image",
    "language",
    "categories",
    "tags",
    "hostname",
)
# Fewer characters than this and a language guess is noise.
MIN_TEXT_FOR_LANGUAGE = 40


_langid_lock = threading.Lock()


def _language_identifier() -> Any:
    """py3langid's model, loaded once per process (1.6 s of CPU: threads that all
    loaded it at once were measured stalling for a minute)."""
    import py3langid.langid

    with _langid_lock:
        if py3langid.langid.IDENTIFIER is None:
            py3langid.langid.IDENTIFIER = py3langid.langid._load_identifier()
    return py3langid.langid.IDENTIFIER


def guess_language(text: str) -> str:
    if len(text.strip()) < MIN_TEXT_FOR_LANGUAGE:
        return ""
    code, _score = _language_identifier().classify(text[:20_000])
    return str(code)


def warm_up() -> None:
    """Load the models once, before a worker forks or starts threads."""
    _language_identifier()
    extract_metadata("<html><body><article><p>Warm up.</p></article></body></html>", "")


def extract_metadata(html: str, url: str) -> dict[str, Any]:
    """trafilatura's text and metadata as a plain dict (empty when it finds nothing)."""
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if document is None:
        return {}
    data = document if isinstance(document, dict) else document.as_dict()
    return dict(data)


def _clean(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return " ".join(str(value).split())[:limit]


def _http_url(value: Any) -> str:
    text = _clean(value, 2000)
    return text if text.startswith(("http://", "https://")) else ""


def _parse_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def source_updates(metadata: dict[str, Any]) -> dict[str, Any]:
    """Source fields proposed by the metadata, cleaned to fit the columns."""
    return {
        "title": _clean(metadata.get("title"), 500),
        "author": _clean(metadata.get("author"), 300),
        "publisher": _clean(metadata.get("sitename"), 200),
        "description": _clean(metadata.get("description"), 5000),
        "canonical_url": _http_url(metadata.get("url")),
        "image_url": _http_url(metadata.get("image")),
        "language": _clean(metadata.get("language"), 12),
        "published_on": _parse_date(metadata.get("date")),
    }


def fill_source(source_id: int, proposed: dict[str, Any]) -> list[str]:
    """Copy proposed values onto the source where it has none; returns the fields set."""
    with transaction.atomic():
        source = Source.objects.select_for_update().get(pk=source_id)
        changed = [name for name, value in proposed.items() if value and not getattr(source, name)]
        for name in changed:
            setattr(source, name, proposed[name])
        if changed:
            source._change_reason = "metadata from an archived copy"  # type: ignore[attr-defined]
            source.save(update_fields=[*changed, "updated_at"])
    return changed


def run(ctx: CaptureContext) -> StepOutcome:
    result = ctx.fetch
    assert result is not None
    html = result.text()
    try:
        data = extract_metadata(html, result.url)
    except Exception as exc:  # trafilatura on hostile markup: record, do not crash
        raise StepFailed("internal", f"trafilatura failed: {type(exc).__name__}: {exc}") from exc
    text = str(data.get("text") or "")
    metadata = {key: data.get(key) for key in METADATA_KEYS}
    if not metadata.get("language"):
        metadata["language"] = guess_language(text) or None
    metadata["charset"] = result.charset
    metadata["extracted_from"] = result.url
    html_artifact = ctx.artifacts.get("page.html")
    how = f"trafilatura {trafilatura.__version__}"
    body = json.dumps(metadata, sort_keys=True, indent=2, ensure_ascii=False, default=str)
    ctx.capture.text_sha256 = text_sha256(text) if text.strip() else ""
    ctx.store_many(
        {
            "kind": ArtifactKind.TEXT,
            "name": TEXT_NAME,
            "data": text.encode("utf-8"),
            "media_type": "text/plain; charset=utf-8",
            "derived_from": html_artifact,
            "how": how,
        },
        {
            "kind": ArtifactKind.METADATA,
            "name": METADATA_NAME,
            "data": body.encode(),
            "media_type": "application/json",
            "derived_from": html_artifact,
            "how": how,
        },
        capture_fields=("text_sha256",),
    )
    filled = fill_source(ctx.capture.source_id, source_updates(metadata))
    ctx.tool_versions["trafilatura"] = trafilatura.__version__
    return StepOutcome(
        details={"characters": len(text), "language": metadata["language"], "filled": filled},
        tool_version=trafilatura.__version__,
    )


def time_limit() -> float:
    return float(settings.ARCHIVE_STEP_TIME_LIMIT)
