"""The editor's pages for disclosures, the gap and cases (each works without JavaScript;
with htmx a section form swaps only itself)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from app.accounts.models import User
from app.catalog import access as core
from app.catalog import publication
from app.catalog.choices import EntityKind
from app.catalog.models import Claim, Entity
from app.disclosures import access, forms, services
from app.disclosures.imports import ImportProblem, croissant_import, model_card_import
from app.disclosures.models import Case, CaseDocument, Disclosure, GapEntry
from app.disclosures.sections import BY_CODE, SECTIONS
from app.lib.urls import InvalidURL

View = Callable[..., HttpResponse]


def editor(view: View) -> View:
    """Logged in (else to the log-in page) and an editor (else 403)."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access.require_editor(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# --- Disclosures ----------------------------------------------------------------


@editor
@require_http_methods(["GET", "POST"])
def disclosure_new(request: HttpRequest) -> HttpResponse:
    form = forms.DisclosureForm(request.POST or None, initial=request.GET.dict() or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.disclosure_create(
                model=data["model"], actor=_user(request), kind=data["kind"],
                title=data["title"], url=data["url"], version_label=data["version_label"],
                published_on=data["published_on"], supersedes=data["supersedes"], submit=False,
            )  # fmt: skip
        except (services.DisclosureError, InvalidURL) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Disclosure created: now fill its sections."))
            return redirect("disclosures:edit", pk=item.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "disclosures/editor/new.html", {"form": form}, status=status)


def _section_forms(item: Disclosure, bound: dict[str, Any] | None = None) -> list[Any]:
    stored = {s.code: s for s in item.sections.all()}
    out = []
    for section in SECTIONS:
        if bound and section.code in bound:
            out.append(bound[section.code])
            continue
        row = stored.get(section.code)
        initial = forms.SectionForm.initial_from(
            row.text if row else "", row.data if row else {}, section
        )
        out.append(forms.SectionForm(section, initial=initial))
    return out


@editor
def disclosure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.access_disclosure(request.user, pk, write=True)
    context = {
        "item": item,
        "section_forms": _section_forms(item),
        "can_submit": _next_state(request, item) is not None,
        "next_state": _next_state(request, item),
    }
    return render(request, "disclosures/editor/edit.html", context)


@editor
@require_POST
def section_save(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    item = access.access_disclosure(request.user, pk, write=True)
    section = BY_CODE.get(code)
    if section is None:
        return HttpResponse(_("Unknown section."), status=404)
    form = forms.SectionForm(section, request.POST)
    if form.is_valid():
        services.section_save(
            disclosure=item, code=code, text=form.cleaned_data["text"],
            data=form.data_value(), actor=_user(request),
        )  # fmt: skip
        if not _htmx(request):
            messages.success(request, _("Section %s saved.") % code)
            return redirect(f"{item.get_edit_url()}#section-{code}")
        form = forms.SectionForm(section, initial=forms.SectionForm.initial_from(
            form.cleaned_data["text"], form.data_value(), section))  # fmt: skip
        saved = True
    else:
        saved = False
    status = 200 if saved or not request.POST else 400
    if _htmx(request):
        context = {"item": item, "form": form, "saved": saved}
        return render(request, "disclosures/editor/edit.html#section", context, status=status)
    context = {"item": item, "section_forms": _section_forms(item, {code: form})}
    return render(request, "disclosures/editor/edit.html", context, status=status)


def _next_state(request: HttpRequest, item: Any) -> str | None:
    target = publication.submission_state(request.user)
    return target if publication.can_set(request.user, item, target) else None


@editor
@require_POST
def disclosure_submit(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.access_disclosure(request.user, pk, write=True)
    return _submit(request, item, redirect("disclosures:edit", pk=item.pk))


def _submit(request: HttpRequest, item: Any, then: HttpResponse) -> HttpResponse:
    target = publication.submission_state(request.user)
    try:
        publication.publication_set(item, target, actor=request.user)
    except publication.PublicationError as error:
        return HttpResponse(str(error), status=400)
    messages.success(request, _("Now %s.") % item.get_state_display().lower())
    return then


@editor
@require_http_methods(["GET", "POST"])
def model_card_import_view(request: HttpRequest) -> HttpResponse:
    form = forms.ModelCardImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = model_card_import(
                model=data["model"], raw=data["file"].read(), url=data["url"],
                actor=_user(request),
            )  # fmt: skip
        except (ImportProblem, services.DisclosureError, InvalidURL) as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, _("Model card imported."))
            return redirect("disclosures:edit", pk=item.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "heading": _("Import a Hugging Face model card")}
    return render(request, "disclosures/editor/import.html", context, status=status)


@editor
@require_http_methods(["GET", "POST"])
def croissant_import_view(request: HttpRequest) -> HttpResponse:
    form = forms.CroissantImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            card = croissant_import(
                raw=form.cleaned_data["file"].read(), actor=_user(request),
                dataset=form.cleaned_data["dataset"],
            )  # fmt: skip
        except ImportProblem as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, _("Dataset record “%s” filled.") % card.name)
            return redirect(card.dataset.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "heading": _("Import a Croissant dataset description")}
    return render(request, "disclosures/editor/import.html", context, status=status)


@editor
@require_http_methods(["GET", "POST"])
def market_set(request: HttpRequest, slug: str) -> HttpResponse:
    model = get_object_or_404(Entity, slug=slug, kind=EntityKind.MODEL)
    form = forms.MarketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.market_presence_set(
            model=model, placed_on=form.cleaned_data["placed_on"],
            note=form.cleaned_data["note"], actor=_user(request),
        )  # fmt: skip
        messages.success(request, _("%s is recorded as on the EU market.") % model.name)
        return redirect(model.get_absolute_url())
    context = {"form": form, "heading": _("%s on the EU market") % model.name}
    return render(request, "disclosures/editor/simple.html", context)


# --- The gap -------------------------------------------------------------------


@editor
@require_http_methods(["GET", "POST"])
def claim_gap(request: HttpRequest, slug: str) -> HttpResponse:
    claim = core.access_claim(request.user, slug)
    models = claim.models_named.all()
    form = forms.GapForm(models, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        disclosure = (
            Disclosure.objects.current().filter(model=data["model"]).order_by("-pk").first()
        )
        try:
            services.gap_set(
                claim=claim, model=data["model"], section=data["section"],
                gap_state=data["gap_state"], note=data["note"], actor=_user(request),
                disclosure=disclosure,
            )  # fmt: skip
        except services.DisclosureError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Gap entry saved."))
            return redirect("disclosures:claim_gap", slug=claim.slug)
    entries = GapEntry.objects.filter(claim=claim).select_related("model").order_by("pk")
    status = 400 if request.method == "POST" else 200
    context = {"claim": claim, "form": form, "entries": entries}
    return render(request, "disclosures/editor/gap.html", context, status=status)


@editor
@require_POST
def gap_submit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(GapEntry.objects.select_related("claim"), pk=pk)
    return _submit(request, entry, redirect("disclosures:claim_gap", slug=entry.claim.slug))


# --- Cases -------------------------------------------------------------------


@editor
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    form = forms.CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = services.case_create(actor=_user(request), submit=False, **form.cleaned_data)
        return redirect("disclosures:case_edit", slug=case.slug)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "heading": _("New court case")}
    return render(request, "disclosures/editor/simple.html", context, status=status)


@editor
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, slug: str) -> HttpResponse:
    case = access.access_case(request.user, slug, write=True)
    action = request.POST.get("action", "")
    bound = request.POST if request.method == "POST" else None
    party = forms.PartyForm(bound if action == "party" else None, prefix="party")
    document = forms.DocumentForm(bound if action == "document" else None, prefix="doc")
    event = forms.EventForm(bound if action == "event" else None, prefix="event")
    link = forms.LinkForm(bound if action == "link" else None, prefix="link")
    if action == "submit":
        return _submit(request, case, redirect("disclosures:case_edit", slug=case.slug))
    if request.method == "POST":
        done = _case_action(request, case, action, party, document, event, link)
        if done:
            return redirect("disclosures:case_edit", slug=case.slug)
    context = {
        "case": case, "party_form": party, "document_form": document, "event_form": event,
        "link_form": link, "next_state": _next_state(request, case),
        "events": case.events.select_related("document"),
        "documents": case.documents.select_related("source"),
        "parties": case.parties.select_related("entity"),
    }  # fmt: skip
    status = 400 if request.method == "POST" else 200
    return render(request, "disclosures/editor/case.html", context, status=status)


def _case_action(
    request: HttpRequest, case: Case, action: str, party: Any, document: Any, event: Any, link: Any
) -> bool:
    if action == "party" and party.is_valid():
        services.case_party_add(case=case, **party.cleaned_data)
        return True
    if action == "document" and document.is_valid():
        try:
            services.case_document_add(case=case, actor=_user(request), **document.cleaned_data)
        except (services.DisclosureError, InvalidURL) as error:
            document.add_error(None, str(error))
            return False
        return True
    if action == "event" and event.is_valid():
        data = dict(event.cleaned_data)
        entry = data.pop("docket_entry").strip()
        doc = CaseDocument.objects.filter(case=case, docket_entry=entry).first() if entry else None
        if entry and doc is None:
            event.add_error("docket_entry", _("No document with that number in this case."))
            return False
        services.case_event_add(case=case, when=data.pop("date"), document=doc, **data)
        return True
    if action == "link" and link.is_valid():
        slug = link.cleaned_data["claim"]
        if slug:
            claim = Claim.objects.filter(slug=slug).first()
            if claim is None:
                link.add_error("claim", _("No claim with that slug."))
                return False
            case.claims.add(claim)
        if link.cleaned_data["model"]:
            case.models_concerned.add(link.cleaned_data["model"])
        return True
    if action not in {"party", "document", "event", "link"}:
        raise PermissionDenied("Unknown action.")
    return False
