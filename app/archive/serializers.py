"""One serializer for captures, their steps and their artifacts.

Every JSON shape of a capture comes from here: the capture manifest (hashed,
so its shape is frozen as ``trainedon-capture/1``), ``manage.py archive``'s
output (a documented contract), the evidence package's capture list, and the
read and write API. Like healthchecks' ``Check.to_dict()``: one table of
fields, and each caller names the fields it includes (a named shape below),
how moments are written, and any fields only it knows (a download address).

A field name means the same value everywhere it appears; ``id`` and
``capture_id`` are both the capture's key, ``url`` and ``requested_url`` both
the address asked for (each output keeps the spelling its readers know).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from app.archive.models import Artifact, Capture, CaptureStep

TimeFormat = Callable[[datetime | None], str | None]


def iso_utc(value: datetime | None) -> str | None:
    """A UTC moment as ISO 8601 ending in Z, the one spelling of every manifest."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def iso(value: datetime | None) -> str | None:
    """``datetime.isoformat()`` (``+00:00``), the spelling of the command and the API."""
    return value.isoformat() if value is not None else None


# --- the tables ---------------------------------------------------------------

_CAPTURE: dict[str, Callable[[Capture, TimeFormat], Any]] = {
    "id": lambda c, t: c.pk,
    "capture_id": lambda c, t: c.pk,
    "source": lambda c, t: c.source_id,
    "source_id": lambda c, t: c.source_id,
    "url": lambda c, t: c.requested_url,
    "requested_url": lambda c, t: c.requested_url,
    "final_url": lambda c, t: c.final_url,
    "http_status": lambda c, t: c.http_status,
    "status": lambda c, t: c.status,
    "origin": lambda c, t: c.origin,
    "error_class": lambda c, t: c.error_class,
    "error_text": lambda c, t: c.error_text,
    "attempts": lambda c, t: c.attempts,
    "created_at": lambda c, t: t(c.created_at),
    "started_at": lambda c, t: t(c.started_at),
    "finished_at": lambda c, t: t(c.finished_at),
    "redirect_chain": lambda c, t: c.redirect_chain,
    "manifest_sha256": lambda c, t: c.manifest_sha256,
    "text_sha256": lambda c, t: c.text_sha256,
    "tool_versions": lambda c, t: c.tool_versions,
    "wayback_url": lambda c, t: c.wayback_url,
}

_STEP: dict[str, Callable[[CaptureStep, TimeFormat], Any]] = {
    "name": lambda s, t: s.name,
    "status": lambda s, t: s.status,
    "tool": lambda s, t: s.tool,
    "tool_version": lambda s, t: s.tool_version,
    "started_at": lambda s, t: t(s.started_at),
    "finished_at": lambda s, t: t(s.finished_at),
    "error_class": lambda s, t: s.error_class,
    "error_text": lambda s, t: s.error_text,
    "details": lambda s, t: s.details,
}

_ARTIFACT: dict[str, Callable[[Artifact], Any]] = {
    "id": lambda a: a.pk,
    "capture_id": lambda a: a.capture_id,
    "name": lambda a: a.name,
    "kind": lambda a: a.kind,
    "media_type": lambda a: a.media_type,
    "size": lambda a: a.size,
    "sha256": lambda a: a.sha256,
    "derived_from": lambda a: a.derived_from.name if a.derived_from else None,
    "how": lambda a: a.how,
    "partial": lambda a: a.partial,
    "storage_key": lambda a: a.storage_key,
    "metadata": lambda a: a.metadata,
}

# --- the named shapes ---------------------------------------------------------

# The capture manifest (trainedon-capture/1): changing these changes every new hash.
MANIFEST_CAPTURE = (
    "capture_id",
    "requested_url",
    "final_url",
    "http_status",
    "redirect_chain",
    "started_at",
    "finished_at",
    "origin",
    "tool_versions",
)
MANIFEST_STEP = (
    "name",
    "status",
    "tool",
    "tool_version",
    "started_at",
    "finished_at",
    "error_class",
)
MANIFEST_ARTIFACT = (
    "name",
    "kind",
    "media_type",
    "size",
    "sha256",
    "derived_from",
    "how",
    "partial",
)

# ``manage.py archive``'s JSON (docs/archive.md): a stable contract, in this order.
COMMAND_CAPTURE = (
    "capture_id",
    "source_id",
    "url",
    "final_url",
    "http_status",
    "status",
    "error_class",
    "error_text",
    "attempts",
    "started_at",
    "finished_at",
    "redirect_chain",
    "manifest_sha256",
    "text_sha256",
    "tool_versions",
)
COMMAND_STEP = (*MANIFEST_STEP, "error_text")
COMMAND_ARTIFACT = ("name", "kind", "media_type", "size", "sha256", "storage_key")

# The evidence package's list of captures (package-manifest.json).
PACKAGE_CAPTURE = (
    "id",
    "source_id",
    "status",
    "origin",
    "requested_url",
    "final_url",
    "started_at",
    "finished_at",
    "manifest_sha256",
    "wayback_url",
)
PACKAGE_ARTIFACT = ("capture_id", "kind", "media_type", "size", "sha256", "partial")

# The read API (GET /api/v1/sources/<id>) and the write API (an upload's answer).
API_CAPTURE = (
    "id",
    "status",
    "created_at",
    "finished_at",
    "final_url",
    "http_status",
    "error_class",
    "manifest_sha256",
)
API_ARTIFACT = ("id", "kind", "name", "size", "media_type", "sha256", "partial")
WRITE_CAPTURE = ("id", "source", "origin", "status", "manifest_sha256")
WRITE_ARTIFACT = ("name", "kind", "media_type", "size", "sha256", "how")

# Fields written as null rather than "" when empty (the API's habit).
_NULL_WHEN_EMPTY = frozenset({"error_class", "manifest_sha256"})


def signals_summary(capture: Capture) -> dict[str, Any] | None:
    """The parsed consent signals of a capture (``select_related("consent")``), or None."""
    try:
        record = capture.consent
    except ObjectDoesNotExist:
        return None
    return {
        "observed_at": iso(record.observed_at),
        **record.summary,
        "content_credentials": record.content_credentials,
    }


def artifact_to_dict(
    artifact: Artifact,
    fields: Sequence[str],
    *,
    extra: Callable[[Artifact], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The named fields of one artifact, in order, then ``extra(artifact)``."""
    data = {name: _ARTIFACT[name](artifact) for name in fields}
    if extra is not None:
        data.update(extra(artifact))
    return data


def step_to_dict(
    step: CaptureStep, fields: Sequence[str], *, times: TimeFormat = iso
) -> dict[str, Any]:
    return {name: _STEP[name](step, times) for name in fields}


def capture_to_dict(
    capture: Capture,
    fields: Sequence[str],
    *,
    times: TimeFormat = iso,
    steps: Sequence[str] = (),
    step_rows: Iterable[CaptureStep] | None = None,
    artifacts: Sequence[str] = (),
    artifact_rows: Iterable[Artifact] | None = None,
    artifact_extra: Callable[[Artifact], dict[str, Any]] | None = None,
    empty_as_null: bool = False,
) -> dict[str, Any]:
    """The named fields of a capture, with its steps and artifacts when their fields are named.

    ``step_rows``/``artifact_rows`` default to all of the capture's rows (pass
    a filtered or prefetched list to choose); ``empty_as_null`` writes null for
    an empty error class or manifest hash.
    """
    data = {name: _CAPTURE[name](capture, times) for name in fields}
    if empty_as_null:
        data.update({k: None for k in _NULL_WHEN_EMPTY if k in data and not data[k]})
    if steps:
        rows = capture.steps.all() if step_rows is None else step_rows
        data["steps"] = [step_to_dict(s, steps, times=times) for s in rows]
    if artifacts:
        items = capture.artifacts.all() if artifact_rows is None else artifact_rows
        data["artifacts"] = [artifact_to_dict(a, artifacts, extra=artifact_extra) for a in items]
    return data
