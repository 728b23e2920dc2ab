"""The workspace's relation editor: one link of the graph with its claim and evidence.

``/editor/relations/new/`` makes a new claim that asserts the relation;
``/editor/claims/<slug>/relations/new/`` adds a relation to a claim the editor
may change (`access.access_claim(write=True)`). Writes go through the graph's
and the catalog's services, the claim's state through `claim_submit` (the one
publication action). A plain form post: invalid input re-renders the form with
400; with htmx the form alone is swapped in place (200, htmx does not swap
error responses) and a success redirects through ``HX-Redirect``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from app.catalog import access as perm
from app.catalog import publication, services
from app.catalog.choices import EntityKind
from app.catalog.forms import EvidenceForm
from app.catalog.models import Claim, Entity
from app.editor.common import user_of, workspace
from app.graph.forms import RelationClaimForm, RelationForm
from app.graph.models import RelationKind
from app.graph.services import relation_add

CONTENT_KINDS = {EntityKind.WORK, EntityKind.CREATOR, EntityKind.DATASET, EntityKind.ORGANIZATION}


def _statement(kind: str, up: Entity, down: Entity) -> str:
    if kind == RelationKind.MEMBERSHIP:
        text = _("%(a)s is in the dataset %(b)s")
    elif kind == RelationKind.USE:
        text = _("%(a)s was used to train %(b)s")
    else:
        text = _("%(b)s was derived from %(a)s")
    return (text % {"a": up.name, "b": down.name})[:400]


def _create(
    request: HttpRequest,
    claim: Claim | None,
    form: RelationForm,
    claim_form: RelationClaimForm | None,
    evidence: EvidenceForm | None,
) -> Claim:
    user, data = user_of(request), form.cleaned_data
    up, down, kind = data["upstream"], data["downstream"], data["kind"]
    with transaction.atomic():
        if claim is None:
            assert claim_form is not None
            ends = (up, down)
            claim = services.claim_create(
                actor=user,
                statement=claim_form.cleaned_data["statement"] or _statement(kind, up, down),
                models=[e for e in ends if e.kind == EntityKind.MODEL],
                content=[e for e in ends if e.kind in CONTENT_KINDS],
            )
        relation_add(
            claim=claim, kind=kind, upstream=up, downstream=down, actor=user,
            stage=data["stage"], attribution=data["attribution"], note=data["note"],
        )  # fmt: skip
        if evidence is not None:
            item: dict[str, Any] = dict(evidence.cleaned_data)
            services.evidence_add(claim=claim, actor=user, **item)
    if request.POST.get("action") == "submit" and claim.state == "draft":
        try:
            claim = services.claim_submit(claim=claim, actor=user)
        except publication.PublicationError as exc:
            messages.error(request, str(exc))
    return claim


@workspace
@require_http_methods(["GET", "POST"])
def relation_new(request: HttpRequest, slug: str = "") -> HttpResponse:
    claim = perm.access_claim(request.user, slug, write=True) if slug else None
    if claim is None:
        perm.require(request.user, perm.CREATE)
    posted = request.POST if request.method == "POST" else None
    form = RelationForm(posted, initial={"kind": request.GET.get("kind", "")})
    claim_form = RelationClaimForm(posted, prefix="claim") if claim is None else None
    evidence_form = EvidenceForm(posted, prefix="evidence", use_required_attribute=claim is None)
    # A new claim needs its evidence; on an existing claim evidence is optional.
    wants_evidence = claim is None or bool(posted and str(posted.get("evidence-url", "")).strip())
    status = 200
    if posted is not None:
        valid = form.is_valid()
        valid = (claim_form is None or claim_form.is_valid()) and valid
        valid = (not wants_evidence or evidence_form.is_valid()) and valid
        if valid:
            try:
                claim = _create(
                    request, claim, form, claim_form, evidence_form if wants_evidence else None
                )
            except ValidationError as exc:  # the service's last word (e.g. a race)
                form.add_error(None, exc)
            else:
                messages.success(request, _("Relation added."))
                target = reverse("editor:claim", args=[claim.slug])
                if request.headers.get("HX-Request") == "true":
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return redirect(target)
        status = 200 if request.headers.get("HX-Request") == "true" else 400
    context = {
        "claim": claim,
        "form": form,
        "claim_form": claim_form,
        "evidence_form": evidence_form,
        "evidence_required": claim is None,
        "action": (
            reverse("graph:claim_relation", args=[claim.slug])
            if claim
            else reverse("graph:relation_new")
        ),
    }
    htmx = request.headers.get("HX-Request") == "true"
    template = "graph/relation_form.html#relation_form" if htmx else "graph/relation_form.html"
    return render(request, template, context, status=status)
