"""The claim form: create and edit, entity pickers, inline entities, Markdown preview.

Without JavaScript every step is a post of the whole form with an ``action``
(``search:<field>``, ``pick:<field>:<id>``, ``create:<field>``, ``preview``)
that re-renders it; with htmx the same buttons call the small endpoints below.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from app.catalog import access as perm
from app.catalog import services
from app.catalog.forms import ENTITY_FIELDS, ClaimForm, EntityInlineForm
from app.catalog.models import Claim, Entity
from app.editor import queries
from app.editor.common import user_of as _user
from app.editor.common import workspace
from app.lib.markdown import render_markdown


def _picked(form: ClaimForm, claim: Claim | None, name: str) -> list[Entity]:
    if form.is_bound:
        data = form.data
        values = data.getlist(name) if isinstance(data, QueryDict) else data.get(name) or []
        ids = [v for v in values if str(v).isdigit()]
        return list(Entity.objects.select_related("developer").filter(pk__in=ids).order_by("name"))
    return list(getattr(claim, name).all()) if claim else []


def _inline_forms(data: QueryDict | None) -> dict[str, EntityInlineForm]:
    forms = {}
    for name, (_label, kinds) in ENTITY_FIELDS.items():
        # Not "required" in the page: these fields sit inside the claim form, whose
        # own submission must not wait for an entity nobody is creating.
        form = EntityInlineForm(
            data, prefix=f"new_{name}", initial={"kind": kinds[0]}, use_required_attribute=False
        )
        form.fields["kind"].choices = [(k.value, k.label) for k in kinds]  # type: ignore[attr-defined]
        forms[name] = form
    return forms


def _claim_form_page(
    request: HttpRequest, form: ClaimForm, claim: Claim | None, **extra: Any
) -> HttpResponse:
    inline = extra.pop("inline", None) or _inline_forms(None)
    results = extra.pop("results", {})
    pickers = [
        {
            "name": name,
            "label": label,
            "picked": _picked(form, claim, name),
            "results": results.get(name),
            "inline": inline[name],
            "q": form.data.get(f"q_{name}", "") if form.is_bound else "",
            "errors": form.errors.get(name, []) if form.is_bound else [],
        }
        for name, (label, _kinds) in ENTITY_FIELDS.items()
    ]
    context = {
        "form": form,
        "claim": claim,
        "pickers": pickers,
        "show_errors": extra.pop("show_errors", False),
        "can_create_entity": request.user.has_perm(perm.ADD_ENTITY),
        **extra,
    }
    return render(request, "editor/claim_form.html", context)


def _claim_step(request: HttpRequest, claim: Claim | None, action: str) -> HttpResponse:
    """A no-JavaScript step inside the claim form: search, pick, create an entity, preview."""
    data = request.POST.copy()
    verb, _sep, rest = action.partition(":")
    name, _sep, pk = rest.partition(":")
    extra: dict[str, Any] = {}
    if verb in ("search", "pick", "create") and name not in ENTITY_FIELDS:
        verb = "preview"
    if verb == "search":
        extra["results"] = {
            name: queries.entity_search(data.get(f"q_{name}", ""), kind=search_kind(name))
        }
    elif verb == "pick" and pk.isdigit():
        data.appendlist(name, pk)
    elif verb == "create":
        extra["inline"] = inline = _inline_forms(data)
        entity = _create_inline(request, inline[name], name)
        if entity is not None:
            data.appendlist(name, str(entity.pk))
            inline[name] = _inline_forms(None)[name]
    extra["preview"] = render_markdown(data.get("summary", "")) if verb == "preview" else None
    return _claim_form_page(request, ClaimForm(data, instance=claim), claim, **extra)


def _create_inline(request: HttpRequest, form: EntityInlineForm, field: str) -> Entity | None:
    perm.require(request.user, perm.ADD_ENTITY)
    if not form.is_valid():
        return None
    kinds = ENTITY_FIELDS[field][1]
    if form.cleaned_data["kind"] not in kinds:
        form.add_error("kind", _("That kind does not belong in this list."))
        return None
    result = services.entity_create(
        actor=_user(request),
        name=form.cleaned_data["name"],
        kind=form.cleaned_data["kind"],
        developer_name=form.cleaned_data["developer"],
    )
    return result.entity


def _claim_save(request: HttpRequest, form: ClaimForm, claim: Claim | None) -> HttpResponse:
    if not form.is_valid():
        return _claim_form_page(request, form, claim, show_errors=True)
    data = dict(form.cleaned_data)
    entities = {
        "models": list(data.pop("models_named")),
        "content": list(data.pop("content_named")),
    }
    user, submit = _user(request), request.POST.get("action") == "submit"
    if claim is None:
        claim = services.claim_create(
            actor=user, submit=submit, models=entities["models"], content=entities["content"],
            **data,
        )  # fmt: skip
    else:
        services.claim_update(
            claim=claim, actor=user, models=entities["models"], content=entities["content"],
            **data,
        )  # fmt: skip
        if submit and claim.state == "draft":
            services.claim_submit(claim=claim, actor=user)
    messages.success(request, _("Claim saved."))
    return redirect("editor:claim", slug=claim.slug)


@workspace
@require_http_methods(["GET", "POST"])
def claim_new(request: HttpRequest) -> HttpResponse:
    perm.require(request.user, perm.CREATE)
    return _claim_form(request, None)


@workspace
@require_http_methods(["GET", "POST"])
def claim_edit(request: HttpRequest, slug: str) -> HttpResponse:
    claim = perm.access_claim(request.user, slug, write=True, queryset=queries.claim_for_editing())
    return _claim_form(request, claim)


def _claim_form(request: HttpRequest, claim: Claim | None) -> HttpResponse:
    if request.method != "POST":
        return _claim_form_page(request, ClaimForm(instance=claim), claim)
    action = str(request.POST.get("action", "save"))
    if action in ("save", "submit"):
        return _claim_save(request, ClaimForm(request.POST, instance=claim), claim)
    return _claim_step(request, claim, action)


# --- htmx helpers of the claim form (and of other forms' one-entity pickers) -------

# Pickers of a single entity that other workspace forms reuse (the relation editor's
# two ends): field name -> kind searched ("" for any). The chip of a single pick holds
# the entity's slug and replaces the previous one instead of joining it.
SINGLE_PICKERS: dict[str, str] = {}


def register_single_picker(name: str, kind: str = "") -> None:
    if name in ENTITY_FIELDS:
        raise ValueError(f"{name} is a field of the claim form.")
    SINGLE_PICKERS[name] = kind


def _field(request: HttpRequest) -> str:
    name = request.GET.get("field", "")
    if name not in ENTITY_FIELDS and name not in SINGLE_PICKERS:
        raise Http404("Unknown field.")
    return name


def search_kind(name: str) -> str:
    return "model" if name == "models_named" else SINGLE_PICKERS.get(name, "")


@workspace
@require_GET
def entity_search(request: HttpRequest) -> HttpResponse:
    name = _field(request)
    found = queries.entity_search(request.GET.get(f"q_{name}", ""), kind=search_kind(name))
    context = {"name": name, "found": found, "single": name in SINGLE_PICKERS}
    return render(request, "editor/claim_form.html#entity_results", context)


@workspace
@require_GET
def entity_chip(request: HttpRequest, pk: int) -> HttpResponse:
    name = _field(request)
    entity = get_object_or_404(Entity.objects.select_related("developer"), pk=pk)
    context = {"name": name, "entity": entity, "single": name in SINGLE_PICKERS}
    return render(request, "editor/claim_form.html#entity_chip", context)


@workspace
@require_POST
def entity_create(request: HttpRequest) -> HttpResponse:
    name = _field(request)
    form = _inline_forms(request.POST)[name]
    entity = _create_inline(request, form, name)
    if entity is None:
        context = {"name": name, "inline_form": form}
        response = render(request, "editor/claim_form.html#new_entity", context)
        return reswap(retarget(response, f"#new-entity-{name}"), "outerHTML")
    context = {"name": name, "entity": entity, "inline_form": _inline_forms(None)[name]}
    return render(request, "editor/claim_form.html#entity_created", context)


@workspace
@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    html = render_markdown(str(request.POST.get("summary", ""))[:20000])
    return render(request, "editor/claim_form.html#preview", {"preview": html})
