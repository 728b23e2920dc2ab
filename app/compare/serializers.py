"""One shape for a comparison: the read API, the evidence package's record.

Everything here is what a reader may see of a visible comparison (the caller
decides visibility through ``app.compare.queries``): the method record, the
result, the wording the ladder assigns, every file with its SHA-256 and the
time stamps over its manifest.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from app.compare import files, ladder
from app.compare.models import Comparison, ComparisonFile


def file_url(comparison: Comparison, stored: ComparisonFile) -> str:
    return settings.SITE_URL + reverse("compare:file", args=[comparison.pk, stored.name])


def timestamp_dict(stored: ComparisonFile, path: str) -> dict[str, Any]:
    meta = stored.metadata or {}
    return {
        "path": path,
        "chain": path.removesuffix(".tsr") + ".chain.pem",
        "authority": meta.get("tsa_url", ""),
        "time": meta.get("gen_time"),
        "root_sha256": meta.get("root_sha256", ""),
    }


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    """The comparison as the read API shows it (wording in English, the API's language)."""
    stored = list(comparison.files.all())
    result = comparison.result or {}
    with translation.override("en"):
        sentence = ladder.wording(comparison.rung, result.get("finding", {}))
    return {
        "id": comparison.pk,
        "url": settings.SITE_URL + reverse("compare:detail", args=[comparison.pk]),
        "claim": comparison.evidence.claim.slug,
        "evidence_id": comparison.evidence_id,
        "status": comparison.status,
        "rung": comparison.rung,
        "system_rung": comparison.system_rung,
        "wording": sentence,
        "lowered_by_editor": comparison.editor_rung is not None,
        "lowered_because": comparison.editor_rung_reason,
        "does_not_show": [str(line) for line in ladder.DOES_NOT_SHOW],
        "started_at": files.iso_utc(comparison.started_at),
        "finished_at": files.iso_utc(comparison.finished_at),
        "method": files.method_record(comparison),
        "result": result,
        "manifest_sha256": comparison.manifest_sha256,
        "files": [
            {
                "name": f.name,
                "kind": f.kind,
                "media_type": f.media_type,
                "size": f.size,
                "sha256": f.sha256,
                "url": file_url(comparison, f),
            }
            for f in stored
        ],
        "timestamps": [
            timestamp_dict(f, f.name) for f in stored if f.kind == "timestamp" and ".tsr" in f.name
        ],
    }
