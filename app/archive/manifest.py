"""The capture manifest: what was fetched, when, with what, and every file's hash.

The manifest is canonical JSON (sorted keys, no extra whitespace, UTF-8), so
its SHA-256 identifies the capture: anyone holding the files can rebuild it
and compare.
"""

from __future__ import annotations

import json
from typing import Any

from app.archive.models import Artifact, ArtifactKind, Capture
from app.archive.serializers import (
    MANIFEST_ARTIFACT,
    MANIFEST_CAPTURE,
    MANIFEST_STEP,
    capture_to_dict,
    iso_utc,
)
from app.archive.storage import StoredFile, insert_artifact, put_file

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = "trainedon-capture/1"
# The step that writes the manifest cannot describe its own outcome in it.
MANIFEST_STEP_NAME = "manifest"

__all__ = ["MANIFEST_NAME", "build_manifest", "canonical_json", "iso_utc", "write_manifest"]


def build_manifest(capture: Capture) -> dict[str, Any]:
    rows = capture.artifacts.exclude(kind=ArtifactKind.MANIFEST).select_related("derived_from")
    data = capture_to_dict(
        capture,
        MANIFEST_CAPTURE,
        times=iso_utc,
        steps=MANIFEST_STEP,
        step_rows=capture.steps.exclude(name=MANIFEST_STEP_NAME),
        artifacts=MANIFEST_ARTIFACT,
        artifact_rows=sorted(rows, key=lambda a: a.name),
    )
    return {"format": MANIFEST_VERSION, **data}


def canonical_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


MANIFEST_ROW: dict[str, Any] = {
    "kind": ArtifactKind.MANIFEST,
    "media_type": "application/json",
    "how": "trainedon manifest",
}


def put_manifest(capture: Capture) -> StoredFile:
    """Build the manifest from the capture's rows and write it to storage (no lock, no row)."""
    return put_file(name=MANIFEST_NAME, data=canonical_json(build_manifest(capture)))


def record_manifest(capture: Capture, stored: StoredFile) -> Artifact:
    """Insert the manifest's row and record its hash on the capture (a short transaction)."""
    artifact = insert_artifact(capture=capture, stored=stored, **MANIFEST_ROW)
    if capture.manifest_sha256 != artifact.sha256:
        capture.manifest_sha256 = artifact.sha256
        capture.save(update_fields=["manifest_sha256"])
    return artifact


def write_manifest(capture: Capture) -> Artifact:
    """Store the manifest as the capture's last artifact and record its hash.

    For callers holding no lock (uploads, demo data); the pipeline calls
    ``put_manifest`` outside its lock and ``record_manifest`` under it.
    """
    return record_manifest(capture, put_manifest(capture))
