"""The write side of the JSON API: the web workspace's operations, for scripts.

Each endpoint runs the same services, forms and permission checks as the
editor pages, so a token can do exactly what its owner could do in a browser
(contributions still go to review unless the owner may publish directly).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, JsonResponse

from app.accounts.models import User
from app.archive.models import Capture
from app.archive.queries import sources_with_status
from app.archive.serializers import WRITE_ARTIFACT, WRITE_CAPTURE, capture_to_dict
from app.archive.services import RetryRefused, capture_retry, capture_upload
from app.archive.uploads import ACCEPTED_LABELS, SNIFF_BYTES, sniff
from app.catalog import access as perm
from app.catalog import publication
from app.catalog.choices import PublicationState, SourceKind
from app.catalog.forms import EvidenceEditForm, EvidenceForm, VerdictForm, WithdrawForm
from app.catalog.models import Claim, Evidence, Source
from app.catalog.services import (
    EVIDENCE_FIELDS,
    evidence_add,
    source_add,
    verdict_set,
)
from app.catalog.services import (
    claim_publish as claim_publish_service,
)
from app.catalog.services import (
    claim_submit as claim_submit_service,
)
from app.catalog.services import (
    claim_withdraw as claim_withdraw_service,
)
from app.catalog.services import evidence_update as evidence_update_service
from app.lib.urls import InvalidURL

from .auth import ApiError, api_write, read_json

CHUNK = 256 * 1024


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _seconds(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def source_json(source: Source) -> dict[str, Any]:
    return {
        "id": source.pk,
        "url": source.url,
        "normalized_url": source.normalized_url,
        "kind": source.kind,
        "title": source.title,
        "publisher": source.publisher,
        "published_on": _iso(source.published_on),
        "cited_by_claims": getattr(source, "n_claims", None),
        "latest_capture": {
            "id": getattr(source, "capture_id", None),
            "status": getattr(source, "capture_status", None),
            "error_class": getattr(source, "capture_error_class", None) or None,
        },
        "api_url": f"/api/v1/sources/{source.pk}",
    }


def evidence_json(item: Evidence) -> dict[str, Any]:
    return {
        "id": item.pk,
        "claim": item.claim.slug,
        "state": item.state,
        "kind": item.kind,
        "stance": item.stance,
        "summary": item.summary,
        "quote": item.quote,
        "locator": item.locator,
        "method_note": item.method_note,
        "grounding": item.grounding or None,
        "time_start": _seconds(item.time_start),
        "time_end": _seconds(item.time_end),
        "source": source_json(sources_with_status(item.added_by).get(pk=item.source_id)),
    }


def claim_json(claim: Claim) -> dict[str, Any]:
    return {
        "slug": claim.slug,
        "statement": claim.statement,
        "state": claim.state,
        "verdict": claim.verdict,
        "evidence_strength": claim.evidence_strength,
        "published_at": _iso(claim.published_at),
        "api_url": f"/api/v1/claims/{claim.slug}",
    }


def _form_data(body: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, str]:
    """JSON fields as form data: strings and numbers only, no unknown names."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        fields = {name: ["Unknown field."] for name in unknown[:20]}
        raise ApiError(400, "invalid", "The body has unknown fields.", fields)
    data: dict[str, str] = {}
    for name, value in body.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ApiError(400, "invalid", "Invalid fields.", {name: ["Give a string."]})
        data[name] = str(value)
    return data


def _invalid(form: forms.Form) -> ApiError:
    fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    return ApiError(400, "invalid", "Some fields are invalid.", fields)


@api_write("POST")
def sources_create(request: HttpRequest) -> JsonResponse:
    """POST /api/v1/sources {"url": ...}: 201 with a new source, 200 with a known one."""
    perm.require(request.user, perm.ADD_SOURCE)
    body = _form_data(read_json(request), ("url", "kind"))
    kind = body.get("kind", "")
    if kind and kind not in SourceKind.values:
        raise ApiError(400, "invalid", "Unknown source kind.", {"kind": list(SourceKind.values)})
    if not body.get("url"):
        raise ApiError(400, "invalid", "Give the address.", {"url": ["This field is required."]})
    try:
        result = source_add(url=body["url"], actor=_user(request), kind=kind)
    except InvalidURL as exc:
        raise ApiError(400, "invalid", "The address is not valid.", {"url": [str(exc)]}) from None
    data = source_json(sources_with_status(request.user).get(pk=result.source.pk))
    data["created"] = result.created
    return JsonResponse(data, status=201 if result.created else 200)


@api_write("POST")
def evidence_create(request: HttpRequest, slug: str) -> JsonResponse:
    """POST /api/v1/claims/{slug}/evidence: cite a source on a claim."""
    return JsonResponse(add_evidence(request, perm.access_claim(request.user, slug)), status=201)


def evidence_fields(body: Any) -> dict[str, Any]:
    """The cleaned fields of an evidence item given as a JSON object (else a 400)."""
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "Give the evidence as an object.")
    form = EvidenceForm(_form_data(body, tuple(EvidenceForm.base_fields)))
    if not form.is_valid():
        raise _invalid(form)
    return dict(form.cleaned_data)


def add_evidence(request: HttpRequest, claim: Claim) -> dict[str, Any]:
    """Cite a source on a claim the user may see (a claim's or a relation's evidence)."""
    if not perm.can_add_evidence(request.user, claim):
        raise ApiError(403, "forbidden", "You cannot add evidence to this claim.")
    fields = evidence_fields(read_json(request))
    try:
        result = evidence_add(claim=claim, actor=_user(request), **fields)
    except InvalidURL as exc:
        raise ApiError(400, "invalid", "The address is not valid.", {"url": [str(exc)]}) from None
    return evidence_json(result.evidence)


@api_write("PATCH")
def evidence_update(request: HttpRequest, pk: int) -> JsonResponse:
    """PATCH /api/v1/evidence/{id}: change some fields of an evidence item."""
    item = perm.access_evidence(request.user, pk, write=True)
    current = {name: getattr(item, name) for name in EVIDENCE_FIELDS}
    current = {k: ("" if v is None else str(v)) for k, v in current.items()}
    form = EvidenceEditForm({**current, **_form_data(read_json(request), EVIDENCE_FIELDS)})
    if not form.is_valid():
        raise _invalid(form)
    item = evidence_update_service(item=item, actor=_user(request), **form.cleaned_data)
    return JsonResponse(evidence_json(item))


@api_write("POST")
def claim_publish(request: HttpRequest, slug: str) -> JsonResponse:
    """POST /api/v1/claims/{slug}/publish (needs "publish directly")."""
    return JsonResponse(claim_json(publish(request, perm.access_claim(request.user, slug))))


@contextmanager
def _publication_errors() -> Iterator[None]:
    """The publication action's refusals as API errors: a transition the user may not
    make is a 403, any other (the claim's state, a missing source) a 409."""
    try:
        yield
    except publication.TransitionNotAllowed as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    except publication.PublicationError as exc:
        raise ApiError(409, "conflict", str(exc)) from None


def publish(request: HttpRequest, claim: Claim) -> Claim:
    """Publish a claim the user may see (a claim, or the claim asserting a relation)."""
    with _publication_errors():
        return claim_publish_service(claim=claim, actor=_user(request))


@api_write("POST")
def claim_submit(request: HttpRequest, slug: str) -> JsonResponse:
    """POST /api/v1/claims/{slug}/submit: send a draft for review (the workspace's
    "Submit for review"); published at once for who may publish directly. 404 for a
    claim the user may not see, 403 for one they may not change, 409 unless a draft."""
    claim = perm.access_claim(request.user, slug, write=True)
    return JsonResponse(claim_json(submit(request, claim)))


def submit(request: HttpRequest, claim: Claim) -> Claim:
    """Submit a claim the user may change (a claim, or the claim asserting a relation):
    `services.claim_submit`, the workspace's action, with its refusals as 403 and 409.
    The action takes no fields: the body is empty or ``{}``."""
    if str(request.META.get("CONTENT_LENGTH") or "0") != "0":  # Django reads no more
        _form_data(read_json(request), ())
    with _publication_errors():
        return claim_submit_service(claim=claim, actor=_user(request))


@api_write("POST")
def claim_withdraw(request: HttpRequest, slug: str) -> JsonResponse:
    """POST /api/v1/claims/{slug}/withdraw {"reason"} (moderators): take a published
    claim off the public site. 403 for who may not, 409 when it is not published,
    400 without a reason."""
    claim = withdraw(request, perm.access_claim(request.user, slug))
    return JsonResponse({**claim_json(claim), "state_reason": claim.state_reason})


def withdraw(request: HttpRequest, claim: Claim) -> Claim:
    """Withdraw a published claim the user may see, with the body's reason."""
    if not publication.may_withdraw(request.user, claim):
        raise ApiError(403, "forbidden", "Only a moderator may withdraw a published claim.")
    if claim.state != PublicationState.PUBLISHED:
        message = f"Only a published claim can be withdrawn: this one is {claim.state}."
        raise ApiError(409, "conflict", message)
    form = WithdrawForm(_form_data(read_json(request), ("reason",)))
    if not form.is_valid():
        raise _invalid(form)
    with _publication_errors():
        return claim_withdraw_service(
            claim=claim, actor=_user(request), reason=form.cleaned_data["reason"]
        )


@api_write("POST")
def claim_verdict(request: HttpRequest, slug: str) -> JsonResponse:
    """POST /api/v1/claims/{slug}/verdict {"verdict", "note", "strength"?} (moderators)."""
    claim = perm.access_claim(request.user, slug)
    perm.require(request.user, perm.SET_VERDICT)
    form = VerdictForm(_form_data(read_json(request), ("verdict", "note", "strength")))
    if not form.is_valid():
        raise _invalid(form)
    data = form.cleaned_data
    verdict_set(claim=claim, verdict=data["verdict"], note=data["note"], actor=_user(request),
                strength=data["strength"] or None)  # fmt: skip
    claim.refresh_from_db()
    return JsonResponse(claim_json(claim))


@api_write("POST")
def source_upload(request: HttpRequest, pk: int) -> JsonResponse:
    """POST /api/v1/sources/{id}/uploads: the raw file as the body (any Content-Type;
    the type is read from the file's first bytes)."""
    perm.require(request.user, perm.UPLOAD)
    source = perm.access_source(request.user, pk)
    limit = settings.ARCHIVE_UPLOAD_MAX_BYTES
    length = _length(request)
    if length > limit:
        raise ApiError(413, "too_large", f"Uploads are limited to {limit} bytes.")
    name = str(request.GET.get("filename", "upload"))[:200] or "upload"
    with tempfile.NamedTemporaryFile(prefix="trainedon-upload-") as handle:
        received = 0
        while received < length:  # the body is read in chunks, never whole into memory
            chunk = request.read(min(CHUNK, length - received))
            if not chunk:
                break
            received += len(chunk)
            handle.write(chunk)
        handle.flush()
        handle.seek(0)
        filetype = sniff(handle.read(SNIFF_BYTES))
        if filetype is None:
            raise ApiError(415, "unsupported_media_type", f"Accepted: {ACCEPTED_LABELS}.")
        capture = capture_upload(
            source=source, actor=_user(request), filetype=filetype, filename=name, path=handle.name
        )
    return JsonResponse(_capture_json(capture), status=201)


@api_write("POST")
def source_retry(request: HttpRequest, pk: int) -> JsonResponse:
    """POST /api/v1/sources/{id}/retry: archive the source again (the workspace's
    "Retry archiving"). 202 with the queued capture (or the one already waiting);
    409 when the last capture failed for a reason another try cannot fix."""
    perm.require(request.user, perm.RETRY)
    source = perm.access_source(request.user, pk)
    try:
        capture = capture_retry(source=source, actor=_user(request))
    except RetryRefused as refused:
        raise ApiError(409, "not_retryable", refused.message) from None
    return JsonResponse(_capture_json(capture), status=202)


def _length(request: HttpRequest) -> int:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except ValueError:
        raise ApiError(400, "invalid", "Content-Length is not a number.") from None
    if length <= 0:
        message = "The body is empty: send the file as the body, with its Content-Length."
        raise ApiError(400, "invalid", message)
    return length


def _capture_json(capture: Capture) -> dict[str, Any]:
    return capture_to_dict(
        capture,
        WRITE_CAPTURE,
        artifacts=WRITE_ARTIFACT,
        artifact_rows=capture.artifacts.order_by("id"),
    )
