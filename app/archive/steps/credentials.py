"""The ``credentials`` step: the C2PA content credentials of every image and video archived.

Runs after the document and media steps, when the capture stored an image
(``image.*``) or a video (``video.*``). Reads each file with
``app.archive.credentials.read_credentials`` and stores
``content-credentials.json`` (kind ``signal``, hashed into the manifest,
derived from the first file read): one entry per file, with its name and
SHA-256. The capture's consent record (``ConsentRecord.content_credentials``)
gets the same entries, for the archived-copy page, the API and the signal
timelines. A file without credentials, or with a broken manifest, is a
finding recorded with its reason, never a failure of the capture.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from app.archive.credentials import CREDENTIALS_FORMAT, c2pa_version, read_credentials
from app.archive.models import Artifact, ArtifactKind, ConsentRecord
from app.archive.steps.base import CaptureContext, Step, StepOutcome
from app.archive.storage import open_artifact

RECORD_NAME = "content-credentials.json"
READ_KINDS = (ArtifactKind.IMAGE, ArtifactKind.VIDEO)


def _files(ctx: CaptureContext) -> list[Artifact]:
    return [a for a in ctx.artifacts.values() if a.kind in READ_KINDS]


def read_artifact(artifact: Artifact) -> dict[str, Any]:
    media_type = artifact.media_type.split(";")[0].strip().lower()
    try:
        with open_artifact(artifact) as handle:
            found = read_credentials(handle, media_type)
    except OSError as exc:
        found = {"status": "unreadable", "reason": f"the stored file could not be opened: {exc}"}
    return {"file": artifact.name, "sha256": artifact.sha256, "media_type": media_type, **found}


def run(ctx: CaptureContext) -> StepOutcome:
    files = _files(ctx)
    entries = [read_artifact(a) for a in files]
    document: dict[str, Any] = {
        "format": CREDENTIALS_FORMAT,
        "tool": f"c2pa-python {c2pa_version()}",
        "files": entries,
    }
    ctx.store(
        name=RECORD_NAME,
        data=json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False).encode(),
        kind=ArtifactKind.SIGNAL,
        media_type="application/json",
        derived_from=files[0],
        how="C2PA manifests of the archived images and videos, read with c2pa-python "
        "(no remote manifest or OCSP fetched)",
    )
    with ctx.locked():
        ConsentRecord.objects.filter(capture=ctx.capture).update(content_credentials=entries)
    ctx.tool_versions["c2pa-python"] = c2pa_version()
    return StepOutcome(
        details={e["file"]: e["status"] for e in entries}, tool_version=c2pa_version()
    )


def should_run(ctx: CaptureContext) -> bool:
    return bool(getattr(settings, "ARCHIVE_SIGNALS_STEP", True)) and bool(_files(ctx))


def time_limit() -> float:
    return float(settings.ARCHIVE_STEP_TIME_LIMIT)


STEP = Step(
    name="credentials",
    run=run,
    should_run=should_run,
    tool="c2pa-python",
    version=c2pa_version,
    time_limit=time_limit,
)
