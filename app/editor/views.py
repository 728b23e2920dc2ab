"""The editor workspace: dashboard, the claim page, evidence, sources, history.

Every page works as plain forms (POST/redirect/GET) without JavaScript; with
htmx the same endpoints answer with named partials instead of whole pages.
The claim form lives in claim_views.py, uploads in upload_views.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from app.archive.queries import sources_with_status
from app.archive.services import RetryRefused, capture_retry
from app.catalog import access as perm
from app.catalog import publication, services
from app.catalog.choices import PublicationState
from app.catalog.forms import (
    EntityForm,
    EvidenceEditForm,
    EvidenceForm,
    RestoreForm,
    SourceMetadataForm,
    VerdictForm,
    WithdrawForm,
)
from app.catalog.models import Claim, Entity, Evidence, Source
from app.catalog.services import source_add, verdict_set
from app.editor import queries
from app.editor.common import is_htmx as _htmx
from app.editor.common import redirect_back as _back
from app.editor.common import user_of as _user
from app.editor.common import workspace
from app.editor.history import history_entries
from app.lib.markdown import render_markdown
from app.lib.urls import InvalidURL

# --- Dashboard ------------------------------------------------------------------


@workspace
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user, q = _user(request), queries
    context = {
        "draft_claims": q.my_claims(user, "draft"),
        "draft_evidence": q.my_evidence(user, "draft"),
        "pending_claims": q.my_claims(user, "pending"),
        "pending_evidence": q.my_evidence(user, "pending"),
        "published_claims": q.my_claims(user, "published"),
        "published_evidence": q.my_evidence(user, "published"),
        "sources": q.my_sources(user),
        "failed": q.failed_sources(user, everyone=user.has_perm(perm.RETRY)),
    }
    return render(request, "editor/dashboard.html", context)


# --- The claim workspace page ---------------------------------------------------------


def _claim_page(
    request: HttpRequest, claim: Claim, form: EvidenceForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    context = {
        "claim": claim,
        "summary_html": render_markdown(claim.summary),
        "evidence": queries.evidence_for_claim(claim, user),
        "form": form or EvidenceForm(),
        "can_edit": perm.can_edit_claim(user, claim),
        "can_remove_relations": publication.can_remove_part(user, claim),
        "can_add_evidence": perm.can_add_evidence(user, claim),
        "can_publish": publication.can_set(user, claim, PublicationState.PUBLISHED),
        "can_withdraw": publication.can_set(user, claim, PublicationState.WITHDRAWN),
        "can_set_verdict": perm.can_set_verdict(user),
        "verdict_form": VerdictForm(initial={"verdict": claim.verdict}),
    }
    return render(request, "editor/claim.html", context, status=status)


@workspace
@require_GET
def claim_page(request: HttpRequest, slug: str) -> HttpResponse:
    claim = perm.access_claim(request.user, slug, queryset=queries.claim_with_relations())
    return _claim_page(request, claim)


@workspace
@require_POST
def claim_submit(request: HttpRequest, slug: str) -> HttpResponse:
    claim = perm.access_claim(request.user, slug, write=True)
    try:
        claim = services.claim_submit(claim=claim, actor=_user(request))
    except publication.PublicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Submitted: %(state)s.") % {"state": claim.get_state_display()})
    return redirect("editor:claim", slug=claim.slug)


@workspace
@require_POST
def claim_publish(request: HttpRequest, slug: str) -> HttpResponse:
    claim = perm.access_claim(request.user, slug)
    try:
        services.claim_publish(claim=claim, actor=_user(request))
    except publication.PublicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Published."))
    return redirect("editor:claim", slug=claim.slug)


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` path (this site's only) a confirmation page returns to, or ""."""
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return ""


@workspace
@require_http_methods(["GET", "POST"])
def claim_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a published claim off the public site: a confirmation page asking for the
    reason, then the POST (moderators, as `publication.may_withdraw` says). Who may
    not gets 403, a claim not published 409, an empty reason 400, each with the page."""
    claim = perm.access_claim(request.user, slug)
    user = _user(request)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    error, status = "", 200
    if not publication.may_withdraw(user, claim):
        error, status = _("Only a moderator may withdraw a published claim."), 403
    elif claim.state != PublicationState.PUBLISHED:
        error = _("Only a published claim can be withdrawn: this one is “%(state)s”.") % {
            "state": claim.get_state_display()
        }
        status = 409
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.claim_withdraw(claim=claim, actor=user, reason=form.cleaned_data["reason"])
            except publication.TransitionNotAllowed as exc:
                error, status = str(exc), 403
            except publication.PublicationError as exc:
                error, status = str(exc), 409
            else:
                messages.success(request, _("Withdrawn: readers no longer see this claim."))
                return _back(request, reverse("editor:claim", args=[claim.slug]))
    context = {"claim": claim, "form": form, "error": error, "next": _safe_next(request)}
    return render(request, "editor/claim_withdraw.html", context, status=status)


@workspace
@require_POST
def claim_verdict(request: HttpRequest, slug: str) -> HttpResponse:
    claim = perm.access_claim(request.user, slug)
    perm.require(request.user, perm.SET_VERDICT)
    form = VerdictForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A verdict needs a value and a public note."))
        return redirect("editor:claim", slug=claim.slug)
    data = form.cleaned_data
    verdict_set(claim=claim, verdict=data["verdict"], note=data["note"], actor=_user(request),
                strength=data["strength"])  # fmt: skip
    messages.success(request, _("Verdict set."))
    return redirect("editor:claim", slug=claim.slug)


# --- Evidence ----------------------------------------------------------------------------


def _add_evidence(request: HttpRequest, claim: Claim, form: EvidenceForm) -> Evidence | None:
    if not form.is_valid():
        return None
    data = dict(form.cleaned_data)
    try:
        result = services.evidence_add(claim=claim, actor=_user(request), **data)
    except InvalidURL as exc:
        form.add_error("url", str(exc))
        return None
    _apply_source_metadata(request, result.source.source)
    return result.evidence


def _apply_source_metadata(request: HttpRequest, source: Source) -> None:
    """Corrections to extracted metadata, posted with the evidence by an editor."""
    if "source-title" not in request.POST or not request.user.has_perm(perm.EDIT_SOURCE):
        return
    meta = SourceMetadataForm(request.POST, prefix="source")
    if meta.is_valid():
        services.source_metadata_update(source=source, actor=_user(request), **meta.cleaned_data)


@workspace
@require_POST
def evidence_create(request: HttpRequest, slug: str) -> HttpResponse:
    claim = perm.access_claim(request.user, slug, queryset=queries.claim_with_relations())
    if not perm.can_add_evidence(request.user, claim):
        raise PermissionDenied("You cannot add evidence to this claim.")
    form = EvidenceForm(request.POST)
    item = _add_evidence(request, claim, form)
    if not _htmx(request):
        if item is None:
            return _claim_page(request, claim, form)
        messages.success(request, _("Evidence added."))
        return redirect(reverse("editor:claim", args=[claim.slug]) + "#evidence")
    if item is None:
        context = {"claim": claim, "form": form}
        response = render(request, "editor/claim.html#evidence_form", context)
        return reswap(retarget(response, "#evidence-form"), "outerHTML")
    row = queries.evidence_for_claim(claim, request.user).get(pk=item.pk)
    context = {"claim": claim, "item": row, "form": EvidenceForm(), "can_add_evidence": True}
    return render(request, "editor/claim.html#evidence_created", context)


@workspace
@require_http_methods(["GET", "POST"])
def evidence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = perm.access_evidence(request.user, pk, write=True)
    can_fix_source = request.user.has_perm(perm.EDIT_SOURCE)
    initial = {n: getattr(item, n) for n in services.EVIDENCE_FIELDS}
    form = EvidenceEditForm(request.POST or None, initial=initial)
    meta = SourceMetadataForm(request.POST or None, prefix="source", initial={
        n: getattr(item.source, n) for n in services.SOURCE_FIELDS})  # fmt: skip
    if request.method == "POST" and form.is_valid() and (not can_fix_source or meta.is_valid()):
        services.evidence_update(item=item, actor=_user(request), **form.cleaned_data)
        _apply_source_metadata(request, item.source)
        messages.success(request, _("Evidence saved."))
        return redirect(reverse("editor:claim", args=[item.claim.slug]) + f"#evidence-{item.pk}")
    context = {"item": item, "form": form, "meta": meta if can_fix_source else None}
    return render(request, "editor/evidence_form.html", context)


# --- Sources and captures -----------------------------------------------------------


def _card(
    request: HttpRequest, source_id: int, ctx: str, *, typed: bool = False, refused: str = ""
) -> HttpResponse:
    """A source's card. ``typed``: the user has just typed its address, so they
    may see the card of a source that only others' drafts cite yet (its counts
    are still only of what they may see); otherwise the access rule decides."""
    with_status = sources_with_status(request.user)
    if typed:
        source = with_status.get(pk=source_id)
    else:
        source = perm.access_source(request.user, source_id, queryset=with_status)
    ctx = ctx if ctx in ("form", "row", "dash") else "row"
    meta = SourceMetadataForm(prefix="source", initial={
        n: getattr(source, n) for n in services.SOURCE_FIELDS})  # fmt: skip
    context = {"source": source, "ctx": ctx, "meta": meta, "refused": refused}
    return render(request, "editor/_source_card.html", context)


@workspace
@require_POST
def source_lookup(request: HttpRequest) -> HttpResponse:
    """Pasting an address in the evidence form: find or create the source at once."""
    perm.require(request.user, perm.ADD_SOURCE)
    raw = str(request.POST.get("url", ""))
    try:
        result = source_add(url=raw, actor=_user(request))
    except InvalidURL as exc:
        return render(request, "editor/_source_error.html", {"error": str(exc)})
    return _card(request, result.source.pk, "form", typed=True)


@workspace
@require_GET
def source_card(request: HttpRequest, pk: int) -> HttpResponse:
    return _card(request, pk, request.GET.get("ctx", "row"))


@workspace
@require_POST
def source_retry(request: HttpRequest, pk: int) -> HttpResponse:
    perm.require(request.user, perm.RETRY)
    source = perm.access_source(request.user, pk)
    try:
        capture_retry(source=source, actor=_user(request))
    except RetryRefused as refused:
        # The one rule is the service's; the card shows why, and no Retry button.
        if _htmx(request):
            return _card(
                request, source.pk, request.POST.get("ctx", "row"), refused=refused.message
            )
        messages.error(request, refused.message)
        return _back(request, reverse("editor:dashboard"))
    if _htmx(request):
        return _card(request, source.pk, request.POST.get("ctx", "row"))
    messages.success(request, _("Archiving queued again."))
    return _back(request, reverse("editor:dashboard"))


# --- Entities ---------------------------------------------------------------------------


@workspace
@require_http_methods(["GET", "POST"])
def entity_edit(request: HttpRequest, slug: str) -> HttpResponse:
    perm.require(request.user, perm.EDIT_ENTITY)
    entity = get_object_or_404(Entity, slug=slug)
    form = EntityForm(request.POST or None, instance=entity)
    if request.method == "POST" and form.is_valid():
        entity = form.save(commit=False)
        entity._history_user = request.user
        entity.save()
        messages.success(request, _("Entity saved."))
        return redirect("editor:entity_edit", slug=entity.slug)
    return render(request, "editor/entity_form.html", {"form": form, "entity": entity})


# --- History -------------------------------------------------------------------------------


@workspace
@require_GET
def claim_history(request: HttpRequest, slug: str) -> HttpResponse:
    claim = perm.access_claim(request.user, slug)
    context = {"obj": claim, "claim": claim, "entries": history_entries(claim),
               "can_restore": perm.can_edit_claim(request.user, claim),
               "restore_url": "editor:claim_restore", "key": claim.slug,
               "relation_changes": queries.relation_changes(claim)}  # fmt: skip
    return render(request, "editor/history.html", context)


@workspace
@require_GET
def evidence_history(request: HttpRequest, pk: int) -> HttpResponse:
    item = perm.access_evidence(request.user, pk)
    context = {"obj": item, "claim": item.claim, "entries": history_entries(item),
               "can_restore": perm.can_edit_evidence(request.user, item),
               "restore_url": "editor:evidence_restore", "key": item.pk}  # fmt: skip
    return render(request, "editor/history.html", context)


def _restore(request: HttpRequest, obj: Claim | Evidence, history_id: int) -> str:
    record = get_object_or_404(obj.history.all(), history_id=history_id)
    form = RestoreForm(request.POST)
    if not form.is_valid():
        return _("Choose a field to restore.")
    try:
        services.field_restore(
            obj=obj, actor=_user(request), record=record, field=form.cleaned_data["field"]
        )
    except ValueError as exc:
        return str(exc)
    messages.success(request, _("Restored."))
    return ""


@workspace
@require_POST
def claim_restore(request: HttpRequest, slug: str, history_id: int) -> HttpResponse:
    claim = perm.access_claim(request.user, slug, write=True)
    if error := _restore(request, claim, history_id):
        messages.error(request, error)
    return redirect("editor:claim_history", slug=claim.slug)


@workspace
@require_POST
def evidence_restore(request: HttpRequest, pk: int, history_id: int) -> HttpResponse:
    item = perm.access_evidence(request.user, pk, write=True)
    if error := _restore(request, item, history_id):
        messages.error(request, error)
    return redirect("editor:evidence_history", pk=item.pk)
