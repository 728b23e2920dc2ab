"""The workspace's comparison pages: record one, watch its run, review, lower, attach,
and the queue of finished comparisons awaiting the signed-in editor's review.

Writes go through the services: the evidence item through
``app.catalog.services.evidence_add`` / ``evidence_update``, its publication
through ``app.catalog.publication.publication_set``, the comparison through
``app.compare.services``. Every page works without JavaScript; htmx only
polls the run's status badge, which stops polling once the run is final.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from app.catalog import access, publication
from app.catalog import services as catalog
from app.catalog.choices import EvidenceKind, PublicationState
from app.compare import files, ladder, services
from app.compare.forms import ComparisonForm, LowerForm, seconds
from app.compare.models import Comparison, InputRole, RunStatus
from app.compare.queries import (
    REVIEWS_NEEDED,
    access_comparison,
    awaiting_review,
    is_reviewed,
    may_review,
    review_page_size,
)
from app.editor.common import is_htmx, user_of, workspace
from app.public.filters import BadFilter, page_number

FINAL = (RunStatus.SUCCEEDED, RunStatus.FAILED)


def _manage_url(comparison: Comparison) -> str:
    return reverse("compare:manage", args=[comparison.pk])


def _method(data: dict[str, Any]) -> services.Method:
    return services.Method(
        model_name=data["model_name"],
        model_version=data.get("model_version", ""),
        generated_on=data["generated_on"],
        prompt=data["prompt"],
        prompt_class=data["prompt_class"],
        attempts=data["attempts"],
        resembling=data["resembling"],
        settings=data.get("settings") or {},
        c2pa=data.get("c2pa") or "none found",
        seed=data.get("seed") or 0,
    )


def _record(request: HttpRequest, claim: Any, data: dict[str, Any]) -> Comparison:
    """The evidence item (a draft until attached) and its comparison, in one transaction."""
    user = user_of(request)
    output = data["output"]
    with transaction.atomic():
        item = catalog.evidence_add(
            claim=claim,
            actor=user,
            url=output.capture.source.url,
            kind=EvidenceKind.OUTPUT_COMPARISON,
            stance=data["stance"],
            summary=data["summary"],
            submit=False,
        ).evidence
        return services.comparison_create(
            evidence=item,
            output=output,
            cited=[(data["cited"], data["cited_ranges"])],
            controls=[(v, InputRole.SAME_GENRE) for v in data["same_genre"]]
            + [(v, InputRole.UNRELATED) for v in data["unrelated"]],
            elements=list(data["elements"]),
            method=_method(data),
            actor=user,
        )


@workspace
@require_http_methods(["GET", "POST"])
def comparison_new(request: HttpRequest, slug: str) -> HttpResponse:
    claim = access.access_claim(request.user, slug)
    if not access.can_add_evidence(request.user, claim):
        raise PermissionDenied("You cannot add evidence to this claim.")
    form = ComparisonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            comparison = _record(request, claim, form.cleaned_data)
        except services.ComparisonError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Comparison recorded; its analysis is queued."))
            return HttpResponseRedirect(_manage_url(comparison))
    status = 400 if request.method == "POST" else 200
    context = {
        "claim": claim,
        "form": form,
        "may_draw_elements": services.may_draw_elements(request.user),
    }
    return render(request, "compare/editor_new.html", context, status=status)


def _context(request: HttpRequest, comparison: Comparison, **extra: Any) -> dict[str, Any]:
    result = comparison.result or {}
    reviewers = list(comparison.reviews.select_related("reviewer").order_by("created_at"))
    item = comparison.evidence
    return {
        "comparison": comparison,
        "claim": item.claim,
        "item": item,
        "final": comparison.status in FINAL,
        "sentence": ladder.wording(comparison.rung, result.get("finding", {}))
        if comparison.status == RunStatus.SUCCEEDED
        else "",
        "inputs": list(comparison.inputs.select_related("video__capture__source")),
        "reviews": reviewers,
        "reviews_needed": REVIEWS_NEEDED,
        "reviewed": is_reviewed(comparison),
        "has_reviewed": any(r.reviewer_id == request.user.pk for r in reviewers),
        "may_review": may_review(request.user),
        "attached": bool(comparison.manifest_sha256)
        and comparison.manifest_sha256 in (item.method_note or ""),
        "lower_form": extra.pop("lower_form", None)
        or LowerForm(system_rung=comparison.system_rung, initial={"rung": comparison.rung}),
        **extra,
    }


@workspace
@require_http_methods(["GET"])
def comparison_manage(request: HttpRequest, pk: int) -> HttpResponse:
    comparison = access_comparison(request.user, pk, write=True)
    context = _context(request, comparison)
    if is_htmx(request):  # the polled status badge
        response = render(request, "compare/editor_manage.html#run_status", context)
        if context["final"]:
            # Only a page whose run was not final polls: reload it whole, so the review,
            # wording and attach sections of the finished run appear.
            response["HX-Refresh"] = "true"
        return response
    return render(request, "compare/editor_manage.html", context)


@workspace
@require_POST
def comparison_review(request: HttpRequest, pk: int) -> HttpResponse:
    comparison = access_comparison(request.user, pk, write=True)
    if not may_review(request.user):
        raise PermissionDenied("Only editors review comparisons.")
    try:
        services.review_add(
            comparison=comparison,
            reviewer=user_of(request),
            note=str(request.POST.get("note", ""))[:2000],
        )
    except services.ComparisonError as exc:
        return _refused(request, comparison, str(exc))
    messages.success(request, _("Your review is recorded."))
    return HttpResponseRedirect(_manage_url(comparison))


@workspace
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Finished comparisons awaiting the user's review (``queries.awaiting_review``),
    oldest first, a page at a time; editors only, like the review itself."""
    if not may_review(request.user):
        raise PermissionDenied("Only editors review comparisons.")
    try:
        number = page_number(request.GET)
    except BadFilter as error:
        return render(request, "400.html", {"message": str(error)}, status=400)
    try:
        page = Paginator(awaiting_review(request.user), review_page_size()).page(number)
    except EmptyPage:
        raise Http404("That page does not exist.") from None
    context = {"page": page, "reviews_needed": REVIEWS_NEEDED}
    return render(request, "compare/review_queue.html", context)


@workspace
@require_POST
def comparison_lower(request: HttpRequest, pk: int) -> HttpResponse:
    comparison = access_comparison(request.user, pk, write=True)
    form = LowerForm(request.POST, system_rung=comparison.system_rung)
    if not form.is_valid():
        context = _context(request, comparison, lower_form=form)
        return render(request, "compare/editor_manage.html", context, status=400)
    rung = form.cleaned_data["rung"]
    try:
        services.rung_lower(
            comparison=comparison,
            rung=None if rung == comparison.system_rung else rung,
            actor=user_of(request),
            reason=form.cleaned_data["reason"],
        )
    except services.ComparisonError as exc:
        return _refused(request, comparison, str(exc))
    messages.success(request, _("The wording is saved."))
    return HttpResponseRedirect(_manage_url(comparison))


def method_note(comparison: Comparison) -> str:
    """The method record as the evidence item's method note (plain text, for every reader)."""
    record = files.method_record(comparison)
    lines = [
        _("Output comparison, measured by TrainedOn (manifest sha256 %(sha)s).")
        % {"sha": comparison.manifest_sha256},
        _("Model: %(model)s %(version)s, generated on %(date)s.")
        % {
            "model": record["model"],
            "version": record["model_version"],
            "date": record["generated_on"],
        },
        _("Prompt (%(cls)s), verbatim: %(prompt)s")
        % {"cls": comparison.get_prompt_class_display(), "prompt": record["prompt"]},
        _("%(k)s of %(n)s attempts resembled the source (failures included).")
        % {"k": record["resembling"], "n": record["attempts"]},
        _("Output C2PA manifest: %(c2pa)s. Random seed: %(seed)s.")
        % {"c2pa": record["c2pa"], "seed": record["seed"]},
    ]
    return "\n".join(lines)


@workspace
@require_POST
def comparison_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach the finished, reviewed result to its evidence item and submit or publish it
    (``publication_set``, the one writer: what the actor's role allows)."""
    comparison = access_comparison(request.user, pk, write=True)
    if comparison.status != RunStatus.SUCCEEDED:
        return _refused(request, comparison, _("Only a finished comparison can be attached."))
    if not is_reviewed(comparison):
        return _refused(
            request, comparison, _("Two different editors must review it before it goes out.")
        )
    item = comparison.evidence
    finding = (comparison.result or {}).get("finding", {})
    fields: dict[str, Any] = {"method_note": method_note(comparison)}
    if "output_start" in finding:
        fields.update(
            time_start=seconds(finding["output_start"]), time_end=seconds(finding["output_end"])
        )
    user = user_of(request)
    with transaction.atomic():
        catalog.evidence_update(item=item, actor=user, **fields)
        target = publication.new_evidence_state(claim=item.claim, actor=user)
        if item.state == PublicationState.DRAFT and target != PublicationState.DRAFT:
            publication.publication_set(item, target, actor=user)
    if item.state == PublicationState.PUBLISHED:
        messages.success(request, _("Attached and published with the claim's evidence."))
    elif item.state == PublicationState.PENDING:
        messages.success(request, _("Attached and sent for review."))
    else:
        messages.success(request, _("Attached; it goes out with the claim when it is submitted."))
    return HttpResponseRedirect(_manage_url(comparison))


def _refused(request: HttpRequest, comparison: Comparison, message: str) -> HttpResponse:
    context = _context(request, comparison, error=message)
    return render(request, "compare/editor_manage.html", context, status=400)
