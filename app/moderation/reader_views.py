"""What readers use: suggest a claim or evidence, follow it, report a problem."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from app.catalog.access import public_claims, public_evidence
from app.catalog.models import Claim, Evidence
from app.moderation.access import maybe_user
from app.moderation.forms import FlagForm, SuggestionForm
from app.moderation.intake import (
    SpamRefused,
    check_form_token,
    client_ip,
    flag_submit,
    rate_limited,
    status_token,
    suggestion_from_token,
    suggestion_submit,
)

TOO_MANY = gettext_lazy(
    "Too many submissions from your address or account. Please try again later."
)


def _too_many(request: HttpRequest, template: str, context: dict[str, object]) -> HttpResponse:
    context = {**context, "error": str(TOO_MANY)}
    response = render(request, template, context, status=429)
    response["Retry-After"] = "60"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest) -> HttpResponse:
    """Anyone may suggest; nothing is fetched until a moderator accepts the suggestion."""
    if request.method == "GET":
        initial = {"language": get_language() or "en", "claim": request.GET.get("claim", "")}
        kind = "evidence" if request.GET.get("claim") else "claim"
        return render(
            request,
            "moderation/suggest.html",
            {"form": SuggestionForm(initial={**initial, "kind": kind})},
        )
    if rate_limited(request, group="suggest"):
        return _too_many(request, "moderation/suggest.html", {"form": SuggestionForm()})
    form = SuggestionForm(request.POST)
    try:
        if form.honeypot_filled:
            raise SpamRefused(_("This form could not be accepted."))
        check_form_token(request.POST.get("started", ""))
    except SpamRefused as exc:
        return render(
            request,
            "moderation/suggest.html",
            {"form": SuggestionForm(request.POST), "error": str(exc)},
            status=400,
        )
    if not form.is_valid():
        return render(request, "moderation/suggest.html", {"form": form}, status=400)
    data = {k: v for k, v in form.cleaned_data.items() if k not in ("website", "started")}
    result = suggestion_submit(**data, actor=maybe_user(request), ip=client_ip(request))
    # The same answer whether or not the address is known: a source cited only by
    # a draft is private (only moderators see `was_known`).
    messages.success(
        request, _("Thank you. Keep this private link to see the moderators' decision.")
    )
    return redirect("moderation:suggestion_status", token=status_token(result.suggestion))


@never_cache
@require_GET
def suggestion_status(request: HttpRequest, token: str) -> HttpResponse:
    suggestion = suggestion_from_token(token)
    if suggestion is None:
        raise Http404("No such suggestion.")
    link = request.build_absolute_uri()
    return render(
        request, "moderation/suggestion_status.html", {"suggestion": suggestion, "link": link}
    )


def _flag(request: HttpRequest, claim: Claim, evidence: Evidence | None) -> HttpResponse:
    context = {"claim": claim, "evidence": evidence}
    if request.method == "GET":
        return render(request, "moderation/flag.html", {**context, "form": FlagForm()})
    if rate_limited(request, group="flag"):
        return _too_many(request, "moderation/flag.html", {**context, "form": FlagForm()})
    form = FlagForm(request.POST)
    if not form.is_valid():
        return render(request, "moderation/flag.html", {**context, "form": form}, status=400)
    flag_submit(
        claim=claim,
        evidence=evidence,
        actor=maybe_user(request),
        ip=client_ip(request),
        **form.cleaned_data,
    )
    messages.success(request, _("Thank you. The moderators will look at your report."))
    return redirect(claim.get_absolute_url())


@never_cache
@require_http_methods(["GET", "POST"])
def flag_claim(request: HttpRequest, slug: str) -> HttpResponse:
    return _flag(request, get_object_or_404(public_claims(), slug=slug), None)


@never_cache
@require_http_methods(["GET", "POST"])
def flag_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    qs = public_evidence().filter(claim__state="published").select_related("claim")
    evidence = get_object_or_404(qs, pk=pk)
    return _flag(request, evidence.claim, evidence)
