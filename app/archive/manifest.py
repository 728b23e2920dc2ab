"""The capture manifest: what was fetched, when, with what, and every file's hash.

The manifest is canonical JSON (sorted keys, no extra whitespace, UTF-8), so
its SHA-256 identifies the capture: anyone holding the files can rebuild it
and compare.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from app.archive.models import Artifact, ArtifactKind, Capture
from app.archive.storage import store_artifact

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = "trainedon-capture/1"
# The step that writes the manifest cannot describe its own outcome in it.
MANIFEST_STEP = "manifest"


def iso_utc(value: datetime | None) -> str | None:
    """A UTC moment as ISO 8601 ending in Z, the one spelling of every manifest."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def build_manifest(capture: Capture) -> dict[str, Any]:
    artifacts = [
        {
            "name": a.name,
            "kind": a.kind,
            "media_type": a.media_type,
            "size": a.size,
            "sha256": a.sha256,
            "derived_from": a.derived_from.name if a.derived_from else None,
            "how": a.how,
            "partial": a.partial,
        }
        for a in capture.artifacts.exclude(kind=ArtifactKind.MANIFEST).select_related(
            "derived_from"
        )
    ]
    steps = [
        {
            "name": s.name,
            "status": s.status,
            "tool": s.tool,
            "tool_version": s.tool_version,
            "started_at": iso_utc(s.started_at),
            "finished_at": iso_utc(s.finished_at),
            "error_class": s.error_class,
        }
        for s in capture.steps.exclude(name=MANIFEST_STEP)
    ]
    return {
        "format": MANIFEST_VERSION,
        "capture_id": capture.pk,
        "requested_url": capture.requested_url,
        "final_url": capture.final_url,
        "http_status": capture.http_status,
        "redirect_chain": capture.redirect_chain,
        "started_at": iso_utc(capture.started_at),
        "finished_at": iso_utc(capture.finished_at),
        "origin": capture.origin,
        "tool_versions": capture.tool_versions,
        "steps": steps,
        "artifacts": sorted(artifacts, key=lambda item: item["name"]),
    }


def canonical_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def write_manifest(capture: Capture) -> Artifact:
    """Store the manifest as the capture's last artifact and record its hash."""
    body = canonical_json(build_manifest(capture))
    artifact = store_artifact(
        capture=capture,
        kind=ArtifactKind.MANIFEST,
        name=MANIFEST_NAME,
        data=body,
        media_type="application/json",
        how="trainedon manifest",
    )
    if capture.manifest_sha256 != artifact.sha256:
        capture.manifest_sha256 = artifact.sha256
        capture.save(update_fields=["manifest_sha256"])
    return artifact
