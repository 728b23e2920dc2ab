"""Serving archived files without ever rendering archived HTML on our origin."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from app.archive.models import WITH_FILES, Artifact, ArtifactKind, Capture
from app.archive.signals_view import describe
from app.archive.states import describe_capture, describe_link
from app.archive.storage import open_artifact
from app.archive.timestamps import tokens_of
from app.catalog.access import (
    ANONYMOUS,
    access_artifact,
    access_source,
    source_is_public,
    visible_evidence,
)
from app.catalog.choices import PublicationState, Stance
from app.lib.prepared import PreparedQuery

# Media types a browser may display inline without running anything of the page.
INLINE_SAFE = {
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/gif",
    "video/mp4",
    "video/webm",
    "audio/mpeg",
    "audio/mp4",
    "text/plain",
    "application/json",
}


# Captures whose files are worth showing, newest first.
METADATA_LABELS = (
    ("title", _("Title")),
    ("author", _("Author")),
    ("date", _("Date")),
    ("sitename", _("Site")),
    ("description", _("Description")),
    ("url", _("Canonical address")),
    ("language", _("Language")),
    ("charset", _("Character set")),
)
# The page shows this much extracted text; the full file is a download.
TEXT_LIMIT = 200_000


@require_GET
def artifact_download(request: HttpRequest, artifact_id: int, name: str = "") -> HttpResponseBase:
    artifact = access_artifact(request.user, artifact_id)
    if name and name != artifact.name:
        raise Http404("No such artifact.")
    media_type = artifact.media_type.split(";")[0].strip().lower()
    inline = media_type in INLINE_SAFE and request.GET.get("download") != "1"
    if settings.ARCHIVE_STORAGE == "s3":
        return _signed_redirect(artifact, media_type, inline)
    try:
        handle = open_artifact(artifact)
    except FileNotFoundError:
        raise Http404("The stored file is missing.") from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=artifact.name,
        content_type=media_type if inline else "application/octet-stream",
    )
    if media_type == "text/plain":
        response["Content-Type"] = "text/plain; charset=utf-8"
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser decided to render it, nothing may run or reach out.
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"
    )
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["X-Artifact-SHA256"] = artifact.sha256
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def _signed_redirect(artifact: Artifact, media_type: str, inline: bool) -> HttpResponseBase:
    """On object storage the store serves the file itself, from its own origin: a
    redirect to a signed URL that expires after ``ARTIFACT_URL_SECONDS`` and fixes the
    response's type and disposition the way this view would."""
    from app.archive.s3 import signed_url

    if media_type == "text/plain":
        media_type = "text/plain; charset=utf-8"
    url = signed_url(
        default_storage,
        artifact.storage_key,
        filename=artifact.name,
        media_type=media_type if inline else "application/octet-stream",
        attachment=not inline,
    )
    if url is None:
        raise Http404("The stored file is missing.")
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"  # the signed URL expires
    response["X-Artifact-SHA256"] = artifact.sha256
    return response


def _read_artifact(capture: Capture | None, name: str, limit: int) -> tuple[str, bool]:
    """(text, cut) of a small text artifact of ``capture``; ("", False) when absent."""
    artifact = (
        next((a for a in capture.artifacts.all() if a.name == name), None) if capture else None
    )
    if artifact is None:
        return "", False
    try:
        with open_artifact(artifact) as handle:
            data = handle.read(limit + 1)
    except OSError:
        return "", False
    return data[:limit].decode("utf-8", errors="replace"), len(data) > limit


def _metadata(capture: Capture | None) -> list[tuple[Any, str]]:
    raw, _cut = _read_artifact(capture, "metadata.json", 100_000)
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return []
    return [(label, str(data[key])) for key, label in METADATA_LABELS if data.get(key)]


def _citing_rows(user: Any, source_id: int) -> QuerySet[Any]:
    return (
        visible_evidence(user)
        .filter(source_id=source_id)
        .order_by("-claim__published_at", "claim__statement", "id")
        .values_list("claim_id", "claim__slug", "claim__statement", "claim__state", "stance")
    )


# Readers' citing claims (visible_evidence's rule for the anonymous reader), compiled
# to SQL once per connection: the archived-copy page is a hot public page.
_PUBLIC_CITING = PreparedQuery(lambda source_id: _citing_rows(ANONYMOUS, source_id), 0)


def _citing_claims(user: Any, source_id: int) -> list[dict[str, Any]]:
    """The claims citing the source that ``user`` may see (the access module's rule:
    readers get published evidence of published claims only), each with its stances:
    one query of plain rows, labels looked up once."""
    signed_in = user is not None and user.is_authenticated
    rows = _citing_rows(user, source_id) if signed_in else _PUBLIC_CITING(int(source_id))
    stances, states = dict(Stance.choices), dict(PublicationState.choices)
    claims: dict[int, dict[str, Any]] = {}
    for claim_id, slug, statement, state, stance in rows:
        entry = claims.get(claim_id)
        if entry is None:
            url = reverse("public:claim", args=[slug])
            entry = claims[claim_id] = {"url": url, "slug": slug, "statement": statement}
            entry |= {"state": state, "state_label": states.get(state, state), "stances": []}
        label = stances.get(stance, stance)
        if label not in entry["stances"]:
            entry["stances"].append(label)
    return list(claims.values())


def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The archived-copy page. Archived HTML is never rendered here, only escaped text."""
    source = access_source(request.user, pk)
    captures = list(
        source.captures.select_related("consent").prefetch_related(
            Prefetch("artifacts", queryset=Artifact.objects.order_by("id")), "steps"
        )
    )
    shown = next((c for c in captures if c.status in WITH_FILES), None)
    text, text_cut = _read_artifact(shown, "text.txt", TEXT_LIMIT)
    kinds = {a.kind for a in shown.artifacts.all()} if shown else set()
    # The page's one status line: the copy shown, or else the latest try.
    summarized = shown or (captures[0] if captures else None)
    context = {"source": source, "captures": captures, "shown": shown, "text": text}
    context |= {"text_cut": text_cut, "metadata": _metadata(shown)}
    context |= {
        "has_screenshot": ArtifactKind.SCREENSHOT in kinds,
        "has_video": ArtifactKind.VIDEO in kinds,
        "archive_state": describe_capture(
            summarized.status if summarized else None,
            summarized.error_class if summarized else "",
            summarized.error_text if summarized else "",
        ),
        "latest": captures[0] if captures else None,
        "link": describe_link(source.online_status, source.last_checked_at, source.gone_since),
        "citing": _citing_claims(request.user, source.pk),
    }
    context["signals"] = describe(getattr(shown, "consent", None)) if shown else None
    context["stamps"] = [
        {"authority": t.metadata.get("tsa_url", ""), "time": t.metadata.get("gen_time", "")}
        for t in (tokens_of(shown) if shown else [])
    ]
    context["replay"] = _replay(source, shown)
    return render(request, "archive/source_detail.html", context)


def _replay(source: Any, shown: Capture | None) -> dict[str, str] | None:
    """The "replay as archived" offer: a link on REPLAY_ORIGIN, or why there is none."""
    if shown is None or not any(a.kind == ArtifactKind.WACZ for a in shown.artifacts.all()):
        return None
    origin = str(getattr(settings, "REPLAY_ORIGIN", "") or "")
    if not origin:
        return {"off": "origin"}
    if not source_is_public(source.pk):
        return {"off": "not_public"}
    return {"url": origin + reverse("replay-page", args=[shown.pk])}
