"""A comparison's files and its manifest, on the archive's storage conventions.

Files are content-addressed and hashed at write time by the archive's own
helpers (``app.archive.storage``: the same keys, the same single write), and
the manifest is canonical JSON like a capture's (``app.archive.manifest``), so
``sha256(manifest.json)`` identifies the comparison and anyone holding the
files can rebuild it. ``store_artifact`` itself is tied to a capture's
``Artifact`` rows; a comparison is not a capture, so its rows are
``ComparisonFile``.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from app.archive.manifest import canonical_json, iso_utc
from app.archive.storage import _put, guess_media_type, sha256_bytes, storage_key_for
from app.compare.models import Comparison, ComparisonFile

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = "trainedon-comparison/1"


def store_file(
    comparison: Comparison,
    *,
    name: str,
    kind: str,
    data: bytes,
    media_type: str | None = None,
    how: str = "",
    metadata: dict[str, Any] | None = None,
) -> ComparisonFile:
    """Hash and store one file; idempotent on (comparison, name) like ``store_artifact``."""
    existing = ComparisonFile.objects.filter(comparison=comparison, name=name).first()
    if existing is not None:
        return existing
    sha = sha256_bytes(data)
    key = storage_key_for(sha, name)
    _put(default_storage, key, ContentFile(data))
    try:
        with transaction.atomic():
            return ComparisonFile.objects.create(
                comparison=comparison,
                name=name,
                kind=kind,
                storage_key=key,
                size=len(data),
                sha256=sha,
                media_type=media_type or guess_media_type(name),
                how=how,
                metadata=metadata or {},
            )
    except IntegrityError:
        return ComparisonFile.objects.get(comparison=comparison, name=name)


def method_record(comparison: Comparison) -> dict[str, Any]:
    """The structured method note: everything needed to judge and repeat the test."""
    result = comparison.result or {}
    inputs = [
        {
            "role": i.role,
            "artifact_id": i.video_id,
            "sha256": i.video.sha256,
            "capture_id": i.video.capture_id,
            "ranges": i.ranges,
        }
        for i in comparison.inputs.select_related("video")
    ]
    return {
        "model": comparison.model_name,
        "model_version": comparison.model_version,
        "generated_on": comparison.generated_on.isoformat(),
        "prompt": comparison.prompt,
        "prompt_class": comparison.prompt_class,
        "settings": comparison.generation_settings,
        "attempts": comparison.attempts,
        "resembling": comparison.resembling,
        "output_sha256": comparison.output.sha256,
        "output_artifact_id": comparison.output_id,
        "c2pa": comparison.c2pa,
        "inputs": inputs,
        "elements": [
            {
                "id": e.pk,
                "label": e.label,
                "video_sha256": e.video.sha256,
                "time": float(e.time),
                "box": [e.x, e.y, e.width, e.height],
            }
            for e in comparison.elements.select_related("video")
        ],
        "library_versions": result.get("libraries", {}),
        "thresholds": result.get("thresholds", {}),
        "seed": comparison.seed,
        "controls": [
            {k: c.get(k) for k in ("key", "role", "frames", "tier_a_best_similarity")}
            | {"segments": len(c.get("segments", [])), "elements_found": sorted(c["element_hits"])}
            for c in result.get("controls", [])
        ],
        "system_rung": comparison.system_rung,
    }


def build_manifest(comparison: Comparison) -> dict[str, Any]:
    files = [
        {
            "name": f.name,
            "kind": f.kind,
            "media_type": f.media_type,
            "size": f.size,
            "sha256": f.sha256,
            "how": f.how,
        }
        # Timestamp tokens sign the manifest, so they cannot be in it (app.compare.stamp).
        for f in comparison.files.exclude(name=MANIFEST_NAME).exclude(kind="timestamp")
    ]
    return {
        "format": MANIFEST_VERSION,
        "comparison_id": comparison.pk,
        "evidence_id": comparison.evidence_id,
        "started_at": iso_utc(comparison.started_at),
        "finished_at": iso_utc(comparison.finished_at),
        "method": method_record(comparison),
        "files": sorted(files, key=lambda item: item["name"]),
    }


def write_manifest(comparison: Comparison) -> ComparisonFile:
    """Store the manifest as the comparison's last file and record its hash."""
    stored = store_file(
        comparison,
        name=MANIFEST_NAME,
        kind="manifest",
        data=canonical_json(build_manifest(comparison)),
        media_type="application/json",
        how="trainedon comparison manifest",
    )
    if comparison.manifest_sha256 != stored.sha256:
        comparison.manifest_sha256 = stored.sha256
        comparison.save(update_fields=["manifest_sha256"])
    return stored
