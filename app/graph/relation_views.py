"""The workspace's relation editor: one link of the graph with its claim and evidence.

``/editor/relations/new/`` makes a new claim that asserts the relation;
``/editor/claims/<slug>/relations/new/`` adds a relation to a claim the editor
may change (`access.access_claim(write=True)`); ``/editor/relations/<pk>/edit/``
and ``.../remove/`` change or remove one (`services.relation_update`,
`relation_remove`: audited, with a reason once the claim has left the draft;
removing from a published claim is for who may withdraw it). Writes go through
the graph's and the catalog's services, the claim's state through `claim_submit`
(the one publication action).

Each end is picked with the workspace's entity picker (`app.editor.claim_views`,
single mode): without JavaScript a Search button posts the form (``search:<end>``)
and a result posts ``pick:<end>:<id>``, both re-render it (200) without
checking it, and text typed in the search box is read as the entity's name or
slug (it replaces the pick). With htmx the same endpoints answer as in the claim
form, and the box is read only when nothing was picked.
Invalid input re-renders the form with 400; with htmx the form alone is
swapped in place (200, htmx does not swap error responses) and a success
redirects through ``HX-Redirect``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from app.catalog import access as perm
from app.catalog import publication, services
from app.catalog.choices import EntityKind
from app.catalog.forms import EvidenceForm
from app.catalog.models import Claim, Entity
from app.editor import queries
from app.editor.claim_views import register_single_picker, search_kind
from app.editor.common import user_of, workspace
from app.graph.forms import (
    RelationClaimForm,
    RelationEditForm,
    RelationForm,
    RelationRemoveForm,
    entities_named,
    versions_of,
)
from app.graph.models import Relation
from app.graph.services import (
    can_remove_relation,
    change_needs_reason,
    relation_create,
    relation_remove,
    relation_update,
)

ENDS = ("upstream", "downstream")
for _end in ENDS:
    register_single_picker(_end)


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _posted(request: HttpRequest) -> tuple[QueryDict | None, str]:
    """The posted data with each end read from its search box when nothing was picked,
    and the step asked for (``search:<end>``, ``pick:<end>:<id>``, ``versions``), if any."""
    if request.method != "POST":
        return None, ""
    data = request.POST.copy()
    action = str(data.get("action", "save"))
    verb, _sep, rest = action.partition(":")
    end, _sep, pk = rest.partition(":")
    if verb == "pick" and end in ENDS and pk.isdigit():
        entity = Entity.objects.filter(pk=pk).first()
        if entity is not None:
            data[end] = entity.slug
            data[f"q_{end}"] = ""
    for name in ENDS:
        typed = str(data.get(f"q_{name}", "")).strip()
        if not typed or (verb == "search" and end == name):
            continue
        # Without JavaScript the box is the only way to change an end, so what is typed
        # wins; with htmx the box only searches, and the pick wins.
        if not _htmx(request) or not str(data.get(name, "")).strip():
            data[name] = typed
            if len(entities_named(typed)) == 1:
                data[f"q_{name}"] = ""  # shown as the picked entity from now on
    step = "" if verb in ("save", "submit") else action
    return data, step


def _page(
    request: HttpRequest,
    template: str,
    form: RelationForm,
    status: int,
    step: str = "",
    **context: Any,
) -> HttpResponse:
    verb, _sep, rest = step.partition(":")
    searched = rest if verb == "search" and rest in ENDS else ""
    data = form.data if form.is_bound else {}
    pickers = []
    for name in ENDS:
        text = str(data.get(name, "") if form.is_bound else form.initial.get(name, ""))
        found = entities_named(text)
        entity = found[0] if len(found) == 1 else None
        query = str(data.get(f"q_{name}", ""))
        # The end searched lists its results; so does an end whose box still holds text
        # that names no one entity, so a step on the other end (searching "To") does not
        # take away the "From" results the editor was about to pick from.
        listed = name == searched or bool(form.is_bound and query.strip() and entity is None)
        pickers.append({
            "name": name,
            "field": form[name],
            "entity": entity,
            "q": query,
            "results": queries.entity_search(query, kind=search_kind(name)) if listed else None,
        })  # fmt: skip
    chosen = (
        data.get("dataset_version", "")
        if form.is_bound
        else form.initial.get("dataset_version", "")
    )
    downstream = form.downstream_entity()
    context.update({
        "form": form,
        "pickers": pickers,
        "show_errors": form.is_bound and not step,
        "versions": versions_of(downstream),
        "version_dataset": downstream if downstream and downstream.kind == EntityKind.DATASET
        else None,
        "chosen_version": str(chosen or ""),
    })  # fmt: skip
    name = f"{template}#relation_form" if _htmx(request) else template
    return render(request, name, context, status=status)


def _create(
    request: HttpRequest,
    claim: Claim | None,
    form: RelationForm,
    claim_form: RelationClaimForm | None,
    evidence: EvidenceForm | None,
) -> Claim:
    user, data = user_of(request), form.cleaned_data
    statement = claim_form.cleaned_data["statement"] if claim_form is not None else ""
    relation = relation_create(
        actor=user, claim=claim, statement=statement, kind=data["kind"],
        upstream=data["upstream"], downstream=data["downstream"], stage=data["stage"],
        attribution=data["attribution"], note=data["note"],
        dataset_version=data.get("dataset_version"),
        evidence=dict(evidence.cleaned_data) if evidence is not None else None,
    ).relation  # fmt: skip
    claim = relation.claim
    if request.POST.get("action") == "submit" and claim.state == "draft":
        try:
            claim = services.claim_submit(claim=claim, actor=user)
        except publication.PublicationError as exc:
            messages.error(request, str(exc))
    return claim


def _done(request: HttpRequest, target: str) -> HttpResponse:
    if _htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def _invalid(request: HttpRequest) -> int:
    return 200 if _htmx(request) else 400


@workspace
@require_http_methods(["GET", "POST"])
def relation_new(request: HttpRequest, slug: str = "") -> HttpResponse:
    claim = perm.access_claim(request.user, slug, write=True) if slug else None
    if claim is None:
        perm.require(request.user, perm.CREATE)
    posted, step = _posted(request)
    form = RelationForm(posted, initial={"kind": request.GET.get("kind", "")})
    claim_form = RelationClaimForm(posted, prefix="claim") if claim is None else None
    evidence_form = EvidenceForm(posted, prefix="evidence", use_required_attribute=claim is None)
    # A new claim needs its evidence; on an existing claim evidence is optional.
    wants_evidence = claim is None or bool(posted and str(posted.get("evidence-url", "")).strip())
    status = 200
    if posted is not None and not step:
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
                return _done(request, reverse("editor:claim", args=[claim.slug]))
        status = _invalid(request)
    action = (
        reverse("graph:claim_relation", args=[claim.slug])
        if claim
        else reverse("graph:relation_new")
    )
    return _page(
        request, "graph/relation_form.html", form, status, step, claim=claim,
        claim_form=claim_form, evidence_form=evidence_form, evidence_required=claim is None,
        evidence_checked=wants_evidence, action=action,
    )  # fmt: skip


def _relation(request: HttpRequest, pk: int) -> Relation:
    """The relation if its claim may be changed by the user (404 for a claim they may not
    see, 403 for one they may not change: `access.access_claim`'s answer)."""
    relation = get_object_or_404(
        Relation.objects.select_related("claim", "upstream", "downstream", "dataset_version"),
        pk=pk,
    )
    perm.access_claim(
        request.user, relation.claim.slug, write=True,
        queryset=Claim.objects.filter(pk=relation.claim_id),
    )  # fmt: skip
    return relation


@workspace
@require_http_methods(["GET", "POST"])
def relation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    relation = _relation(request, pk)
    claim = relation.claim
    needs_reason = change_needs_reason(claim)
    initial = {
        "kind": relation.kind,
        "upstream": relation.upstream.slug,
        "downstream": relation.downstream.slug,
        "stage": relation.stage,
        "attribution": relation.attribution,
        "dataset_version": relation.dataset_version_id or "",
        "note": relation.note,
    }
    posted, step = _posted(request)
    form = RelationEditForm(posted, initial=initial, needs_reason=needs_reason)
    status = 200
    if posted is not None and not step:
        if form.is_valid():
            data = form.cleaned_data
            try:
                relation_update(
                    relation=relation, actor=user_of(request), reason=data["reason"],
                    kind=data["kind"], upstream=data["upstream"], downstream=data["downstream"],
                    stage=data["stage"], attribution=data["attribution"],
                    dataset_version=data.get("dataset_version"), note=data["note"],
                )  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Relation saved."))
                return _done(request, reverse("editor:claim", args=[claim.slug]) + "#relations")
        status = _invalid(request)
    return _page(
        request, "graph/relation_form.html", form, status, step, claim=claim,
        relation=relation, needs_reason=needs_reason,
        action=reverse("graph:relation_edit", args=[relation.pk]),
    )  # fmt: skip


@workspace
@require_http_methods(["GET", "POST"])
def relation_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    relation = _relation(request, pk)
    claim = relation.claim
    if not can_remove_relation(request.user, relation):
        raise PermissionDenied(
            _("Only a moderator removes a relation from a published claim (it withdraws it).")
        )
    needs_reason = change_needs_reason(claim)
    form = RelationRemoveForm(request.POST or None, needs_reason=needs_reason)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                relation_remove(
                    relation=relation, actor=user_of(request), reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_error("reason", exc)
            else:
                messages.success(request, _("Relation removed."))
                return redirect(reverse("editor:claim", args=[claim.slug]) + "#relations")
        status = 400
    context = {"relation": relation, "claim": claim, "form": form, "needs_reason": needs_reason}
    return render(request, "graph/relation_remove.html", context, status=status)


@workspace
@require_GET
def relation_versions(request: HttpRequest) -> HttpResponse:
    """The version list for the dataset picked as "To" (htmx, after each pick)."""
    form = RelationForm(initial={"downstream": request.GET.get("downstream", "")})
    downstream = form.downstream_entity()
    context = {
        "form": form,
        "versions": versions_of(downstream),
        "version_dataset": downstream
        if downstream and downstream.kind == EntityKind.DATASET
        else None,
        "chosen_version": request.GET.get("dataset_version", ""),
    }
    return render(request, "graph/relation_form.html#version_field", context)
