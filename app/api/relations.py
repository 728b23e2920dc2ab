"""Relations (issue 12) in the JSON API: one public read, and the workspace's writes.

A relation's evidence, verdict, strength and publication state are its claim's
(`app.graph.models.Relation`), so ``GET /relations/{id}`` answers for a published
claim only (`app.graph.visibility`, as the lookup and the exports), and evidence, submit,
publish and withdraw on a relation are the claim's own actions
(`app.api.write`), through the trust core's one publication action. Creating,
changing (``PATCH /relations/{id}``, on the read's address) and removing go through
`app.graph.services`, as the relation editor does, with the same forms and the same
permission checks (`app.catalog.access`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from app.api import serializers
from app.api.auth import ApiError, api_write, read_json
from app.api.write import (
    _form_data,
    _invalid,
    _user,
    add_evidence,
    claim_json,
    evidence_fields,
    publish,
    submit,
    withdraw,
)
from app.catalog import access as perm
from app.catalog.models import Claim
from app.graph.forms import (
    RelationClaimForm,
    RelationEditForm,
    RelationForm,
    RelationRemoveForm,
    entities_named,
)
from app.graph.models import DatasetVersion, Relation
from app.graph.serializers import relation_json
from app.graph.services import (
    can_remove_relation,
    change_needs_reason,
    relation_create,
    relation_remove,
    relation_update,
)
from app.graph.visibility import public_claims
from app.lib.urls import InvalidURL
from app.public import queries
from app.public.jsonapi import api_get, ok
from app.public.render import absolute, fast_reverse

# The body of POST /relations besides "claim" and "evidence"; "from" and "to" are the
# relation form's "upstream" and "downstream", named as the read side names them.
RELATION_INPUT = ("kind", "from", "to", "stage", "attribution", "dataset_version", "note",
                  "statement")  # fmt: skip
# The body of PATCH /relations/{id}: the relation editor's fields; the claim stays.
RELATION_EDIT = ("kind", "from", "to", "stage", "attribution", "dataset_version", "note",
                 "reason")  # fmt: skip
FORM_NAMES = {"from": "upstream", "to": "downstream"}
API_NAMES = {form: api for api, form in FORM_NAMES.items()}

_RELATED = ("claim", "upstream", "downstream", "dataset_version")


# --- Read: published relations only ---------------------------------------------


@api_get
def relation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /api/v1/relations/{id}: the link, its claim, verdict, strength and the claim's
    published evidence; 404 unless its claim is published, whoever asks."""
    relation = (
        Relation.objects.filter(pk=pk, claim__in=public_claims()).select_related(*_RELATED).first()
    )
    if relation is None:
        raise Http404("No published relation with this id.")
    page = queries.claim_page(relation.claim.slug)
    claim = page.claim
    summary = serializers.claim_summary(claim, page.models, page.content)
    summary["evidence_count"] = len(page.evidence)
    return ok({
        "id": relation.pk,
        **relation_json(relation),
        "verdict": claim.verdict,
        "evidence_strength": claim.evidence_strength,
        "claim": summary,
        "evidence": [serializers.evidence_item(view) for view in page.evidence],
        "api_url": absolute(fast_reverse("api:relation", relation.pk)),
    })  # fmt: skip


@csrf_exempt
def relation(request: HttpRequest, pk: int) -> HttpResponse:
    """/api/v1/relations/{id}: GET (HEAD) reads a published relation, whoever asks; PATCH
    changes it with a token. One address, so the two are dispatched here, before the
    read's page cache, which never sees a PATCH."""
    if request.method == "PATCH":
        return relation_patch(request, pk)
    if request.method in ("GET", "HEAD"):
        return relation_detail(request, pk)
    response = ApiError(405, "method_not_allowed", "Use GET, or PATCH with a token.").response()
    response["Allow"] = "GET, HEAD, PATCH"
    return response


# --- Write: token auth, the relation editor's services --------------------------------


def relation_state(relation: Relation) -> dict[str, Any]:
    """A relation as the write side answers it: the link, its id and its claim's state."""
    return {
        "id": relation.pk,
        **relation_json(relation),
        "claim": claim_json(relation.claim),
        "api_url": f"/api/v1/relations/{relation.pk}",
    }


def _writable(request: HttpRequest, pk: int, *, write: bool = False) -> Relation:
    """The relation if the user may see its claim (else 404) and, with ``write``, change
    it (else 403): `access.access_claim`'s answer, as in the relation editor."""
    relation = Relation.objects.filter(pk=pk).select_related(*_RELATED).first()
    if relation is None:
        raise Http404("No such relation.")
    relation.claim = perm.access_claim(
        request.user, relation.claim.slug, write=write,
        queryset=Claim.objects.filter(pk=relation.claim_id),
    )  # fmt: skip
    return relation


def _api_fields(errors: dict[str, list[str]], prefix: str = "") -> dict[str, list[str]]:
    return {prefix + API_NAMES.get(name, name): messages for name, messages in errors.items()}


def _version_pk(data: dict[str, str]) -> str:
    """The id of the version numbered ``dataset_version`` of the "to" dataset ("" for none)."""
    number = data.get("dataset_version", "").strip()
    if not number:
        return ""
    if not number.isdigit():
        message = "Give the number of a version of the dataset (see its dataset_index)."
        raise ApiError(400, "invalid", "Invalid fields.", {"dataset_version": [message]})
    found = entities_named(data.get("to", ""))
    version = (
        DatasetVersion.objects.filter(dataset_id=found[0].pk, number=int(number)).first()
        if len(found) == 1
        else None
    )
    if version is None:
        message = f"The dataset in “to” has no version {number}."
        raise ApiError(400, "invalid", "Invalid fields.", {"dataset_version": [message]})
    return str(version.pk)


@api_write("POST")
def relations_create(request: HttpRequest) -> JsonResponse:
    """POST /api/v1/relations: a link on an existing claim ("claim": its slug; who may
    change the claim), or on a new draft claim asserting it (who may create claims; its
    "evidence" is required, as in the workspace). 201, or 200 when the claim already
    asserts this link."""
    body = read_json(request)
    slug, evidence_body = body.pop("claim", None), body.pop("evidence", None)
    data = _form_data(body, RELATION_INPUT)
    claim: Claim | None = None
    if slug is not None:
        if not isinstance(slug, str) or not slug.strip():
            raise ApiError(400, "invalid", "Invalid fields.", {"claim": ["Give a claim's slug."]})
        claim = perm.access_claim(request.user, slug.strip(), write=True)
        if "statement" in data:
            message = "A statement names a new claim: leave it out with “claim”."
            raise ApiError(400, "invalid", "Invalid fields.", {"statement": [message]})
    else:
        perm.require(request.user, perm.CREATE)
    form = RelationForm({
        **{FORM_NAMES.get(k, k): v for k, v in data.items() if k != "statement"},
        "dataset_version": _version_pk(data),
    })  # fmt: skip
    claim_form = RelationClaimForm({"statement": data.get("statement", "")})
    if not form.is_valid() or not claim_form.is_valid():
        fields = {
            name: [str(e) for e in messages]
            for errors in (form.errors, claim_form.errors)
            for name, messages in errors.items()
        }
        raise ApiError(400, "invalid", "Some fields are invalid.", _api_fields(fields))
    evidence: dict[str, Any] | None = None
    if evidence_body is not None:
        try:
            evidence = evidence_fields(evidence_body)
        except ApiError as exc:
            exc.fields = _api_fields(exc.fields or {}, "evidence.")
            raise
    elif claim is None:
        message = "A new claim needs its evidence: the source and what it shows."
        raise ApiError(400, "invalid", message, {"evidence": ["This field is required."]})
    user = _user(request)
    if evidence is not None and claim is not None and not perm.can_add_evidence(user, claim):
        raise ApiError(403, "forbidden", "You cannot add evidence to this claim.")
    cleaned = form.cleaned_data
    try:
        result = relation_create(
            actor=user, claim=claim, statement=claim_form.cleaned_data["statement"],
            kind=cleaned["kind"], upstream=cleaned["upstream"], downstream=cleaned["downstream"],
            stage=cleaned["stage"], attribution=cleaned["attribution"], note=cleaned["note"],
            dataset_version=cleaned.get("dataset_version"), evidence=evidence,
        )  # fmt: skip
    except ValidationError as exc:
        raise ApiError(400, "invalid", " ".join(exc.messages)) from None
    except InvalidURL as exc:
        fields = {"evidence.url": [str(exc)]}
        raise ApiError(400, "invalid", "The address is not valid.", fields) from None
    data_out = {**relation_state(result.relation), "created": result.created}
    return JsonResponse(data_out, status=201 if result.created else 200)


@api_write("POST")
def relation_evidence(request: HttpRequest, pk: int) -> JsonResponse:
    """POST /api/v1/relations/{id}/evidence: cite a source on the relation's claim."""
    relation = _writable(request, pk)
    return JsonResponse(add_evidence(request, relation.claim), status=201)


@api_write("POST")
def relation_publish(request: HttpRequest, pk: int) -> JsonResponse:
    """POST /api/v1/relations/{id}/publish: publish the claim that asserts it."""
    relation = _writable(request, pk)
    relation.claim = publish(request, relation.claim)
    return JsonResponse(relation_state(relation))


@api_write("POST")
def relation_withdraw(request: HttpRequest, pk: int) -> JsonResponse:
    """POST /api/v1/relations/{id}/withdraw {"reason"}: withdraw the claim that asserts it
    (moderators), with every link it asserts."""
    relation = _writable(request, pk)
    relation.claim = withdraw(request, relation.claim)
    return JsonResponse({**relation_state(relation), "state_reason": relation.claim.state_reason})


@api_write("POST")
def relation_remove_view(request: HttpRequest, pk: int) -> JsonResponse:
    """POST /api/v1/relations/{id}/remove {"reason"}: take the link out of its claim (the
    relation editor's Remove). A claim past its draft needs a reason; a published one's
    link only by who may withdraw it (`publication.can_remove_part`)."""
    relation = _writable(request, pk, write=True)
    if not can_remove_relation(request.user, relation):
        raise PermissionDenied(
            "Only a moderator removes a relation from a published claim (it withdraws it)."
        )
    form = RelationRemoveForm(
        _form_data(read_json(request), ("reason",)),
        needs_reason=change_needs_reason(relation.claim),
    )
    if not form.is_valid():
        raise _invalid(form)
    gone = relation_state(relation)
    try:
        relation_remove(relation=relation, actor=_user(request), reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        raise ApiError(400, "invalid", "Invalid fields.", {"reason": exc.messages}) from None
    return JsonResponse({**gone, "removed": True})


@api_write("POST")
def relation_submit(request: HttpRequest, pk: int) -> JsonResponse:
    """POST /api/v1/relations/{id}/submit: send the draft claim that asserts it for review
    (the relation editor's "Save and submit"), with every link it asserts; published at
    once for who may publish directly."""
    relation = _writable(request, pk, write=True)
    relation.claim = submit(request, relation.claim)
    return JsonResponse(relation_state(relation))


def _edit_data(relation: Relation, body: dict[str, Any]) -> dict[str, str]:
    """The relation editor's form data: the relation's fields, then the body's (``null``
    empties a field, e.g. the stage of a use that becomes a membership)."""
    given = _form_data({k: "" if v is None else v for k, v in body.items()}, RELATION_EDIT)
    if not set(given) - {"reason"}:
        fields = ", ".join(name for name in RELATION_EDIT if name != "reason")
        raise ApiError(400, "invalid", f"Give at least one field to change: {fields}.")
    data = {
        "kind": relation.kind, "from": relation.upstream.slug, "to": relation.downstream.slug,
        "stage": relation.stage, "attribution": relation.attribution, "note": relation.note,
        **given,
    }  # fmt: skip
    # A version is named by its number in the "to" dataset (kept as is when not given).
    version = (
        _version_pk(data) if "dataset_version" in given else str(relation.dataset_version_id or "")
    )
    form = {FORM_NAMES.get(k, k): v for k, v in data.items()}
    return {**form, "dataset_version": version}


@api_write("PATCH")
def relation_patch(request: HttpRequest, pk: int) -> JsonResponse:
    """PATCH /api/v1/relations/{id}: change some of a relation's fields (the relation
    editor's Edit): who may change its claim; a claim past its draft needs a "reason"
    (audited, the claim's state stays). 409 when the claim already asserts the result."""
    relation = _writable(request, pk, write=True)
    form = RelationEditForm(
        _edit_data(relation, read_json(request)),
        needs_reason=change_needs_reason(relation.claim),
    )
    if not form.is_valid():
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        raise ApiError(400, "invalid", "Some fields are invalid.", _api_fields(fields))
    data = form.cleaned_data
    try:
        relation = relation_update(
            relation=relation, actor=_user(request), reason=data["reason"], kind=data["kind"],
            upstream=data["upstream"], downstream=data["downstream"], stage=data["stage"],
            attribution=data["attribution"], dataset_version=data.get("dataset_version"),
            note=data["note"],
        )  # fmt: skip
    except ValidationError as exc:
        if getattr(exc, "code", None) == "duplicate":
            raise ApiError(409, "conflict", " ".join(exc.messages)) from None
        raise ApiError(400, "invalid", " ".join(exc.messages)) from None
    return JsonResponse(relation_state(relation))
