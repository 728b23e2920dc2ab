"""The reader's pages: published claims only; drafts are 404, never revealed."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import localize, number_format
from django.utils.translation import get_language, ngettext, override
from django.utils.translation import gettext as _

from app.catalog import access
from app.catalog.choices import DeveloperResponse, EvidenceKind, Stance, Strength, Verdict
from app.public import methodology as texts
from app.public import og, queries
from app.public.cache import page_context, public_page
from app.public.citation import citations, share_links
from app.public.evidence_html import EvidenceRenderer
from app.public.filters import BadFilter, page_number, parse_filters
from app.public.html import Localized
from app.public.render import claim_review, fast_reverse, label


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, {**context, **page_context(request)}, status=status)


@public_page
def home(request: HttpRequest) -> HttpResponse:
    return _render(request, "public/home.html", queries.home_data())


@public_page
def claim_list(request: HttpRequest) -> HttpResponse:
    template = "public/claim_list.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#results"
    try:
        filters = parse_filters(request.GET)
        listing = queries.claim_list(filters, page=page_number(request.GET))
    except BadFilter as error:
        return _render(request, template, {"error": str(error), "filters": None}, status=400)
    context = {"filters": filters, "listing": listing, "sorts": queries.Sort}
    return _render(request, template, context)


def site_base(request: HttpRequest) -> str:
    """The scheme and host absolute links are built on: the request's own (Django checks
    the host against ALLOWED_HOSTS, a 400 otherwise), so a page served on any port or
    name links to itself; ``SITE_URL`` is for links made without a request (mail, tasks)."""
    return request.build_absolute_uri("/").rstrip("/")


def _more_text(stance: str, total: int) -> str:
    """The link from the claim page to a stance's whole list."""
    if stance == Stance.SUPPORTS:
        text = ngettext(
            "Show all %(count)s supporting item", "Show all %(count)s supporting items", total
        )
    elif stance == Stance.CONTRADICTS:
        text = ngettext(
            "Show all %(count)s contradicting item",
            "Show all %(count)s contradicting items",
            total,
        )
    else:
        text = ngettext(
            "Show all %(count)s context item", "Show all %(count)s context items", total
        )
    return text % {"count": number_format(total, force_grouping=True)}


@lru_cache(maxsize=16)
def _shown_note(language: str | None, shown: int) -> str:
    """The note after a stance's link to its whole list ("(the first 25 are shown here)"):
    the same words for every stance and claim, translated once per process and language."""
    with override(language):
        return _("(the first %(shown)s are shown here)") % {"shown": localize(shown)}


def _claim_review(page: queries.ShownClaimPage, base: str) -> dict[str, Any]:
    """The page's ClaimReview: the claim's rating, and the appearances of the items shown."""
    note = page.verdict_changes[-1].note if page.verdict_changes else ""
    return claim_review(page.claim, page.evidence, [*page.models, *page.content], note, base)


def _iso(value: datetime | None) -> str:
    """``{{ value|date:"c" }}``: the time in the current time zone, ISO 8601 ("" for None)."""
    return timezone.localtime(value).isoformat() if value else ""


@public_page
def claim_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = queries.claim_page_shown(slug)
    claim = page.claim
    renderer = EvidenceRenderer(claim.language)
    base = site_base(request)
    url = base + fast_reverse("public:claim", claim.slug)
    verdict = label(Verdict, claim.verdict)
    local = Localized()
    reviewed = page.bylines.reviewed_at or claim.published_at
    context = {
        "claim": claim,
        "page": page,
        "claim_url": url,
        "feed_url": fast_reverse("public:claim-feed", claim.slug),
        "verdict": verdict,  # translated once, shown six times
        "strength": label(Strength, claim.evidence_strength),
        # The page's dates, each formatted once: ``|date:"c"`` and ``|date:"DATE_FORMAT"``.
        "published_iso": _iso(claim.published_at),
        "modified_iso": _iso(claim.updated_at),
        "logged_on": local.date(claim.created_at),
        "reviewed_on": local.date(reviewed) if reviewed else "",
        "updated_on": local.date(claim.updated_at),
        "first_seen_on": local.date(claim.first_seen) if claim.first_seen else "",
        "verdict_meaning": str(texts.VERDICTS.get(claim.verdict, "")),
        # Each stance's first items (queries.CLAIM_PAGE_ITEMS), its count, and when it has
        # more, the link to its whole list and the link's words.
        "evidence_groups": [
            (
                group.stance,
                group.label,
                group.total,
                renderer.render_all(group.views),
                (
                    (
                        fast_reverse("public:claim-evidence", claim.slug, group.stance),
                        _more_text(group.stance, group.total),
                        _shown_note(get_language(), queries.CLAIM_PAGE_ITEMS),
                    )
                    if group.more
                    else None
                ),
                localize(group.total),  # shown twice: localized once
            )
            for group in page.groups
        ],
        "evidence_total": page.total,
        "claim_review": _claim_review(page, base),
        "citations": citations(claim, url, verdict, timezone.localdate()),
        "share_links": share_links(url, claim.statement),
        "card_url": f"{base}{fast_reverse('public:claim-card', claim.slug)}"
        f"?v={og.version_of(claim)}",
        # Only for a signed-in person, whose pages are never cached (app.public.cache).
        "edit_url": (
            fast_reverse("editor:claim_edit", claim.slug)
            if request.user.is_authenticated and access.can_edit_claim(request.user, claim)
            else ""
        ),
    }
    return _render(request, "public/claim_detail.html", context)


@public_page
def claim_evidence(request: HttpRequest, slug: str, stance: str) -> HttpResponse:
    """One stance's items of a claim, a page at a time (queries.STANCE_PAGE_ITEMS), oldest
    first: where the claim page's "Show all" link leads; every item is reachable from it
    without JavaScript. Not for search engines (noindex): the claim page is the claim's."""
    try:
        number = page_number(request.GET)
    except BadFilter as error:
        return _render(request, "400.html", {"message": str(error)}, status=400)
    per_page = queries.STANCE_PAGE_ITEMS
    page, group = queries.stance_page(slug, stance, number, per_page)
    claim = page.claim
    base = site_base(request)
    here = fast_reverse("public:claim-evidence", claim.slug, stance)
    pages = max(1, -(-group.total // per_page))
    context = {
        "claim": claim,
        "group": group,
        "items_html": EvidenceRenderer(claim.language).render_all(group.views),
        "claim_path": fast_reverse("public:claim", claim.slug),
        "canonical": f"{base}{here}" + (f"?page={number}" if number > 1 else ""),
        "number": number,
        "pages": pages,
        "last_shown": group.first - 1 + len(group.views),
        "previous_url": (
            (here if number == 2 else f"{here}?page={number - 1}") if number > 1 else ""
        ),
        "next_url": f"{here}?page={number + 1}" if number < pages else "",
        "claim_review": _claim_review(page, base),
    }
    return _render(request, "public/claim_evidence.html", context)


@public_page
def entity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = queries.entity_page(slug)
    return _render(request, "public/entity_detail.html", {"entity": page.entity, "page": page})


@public_page
def entity_list(request: HttpRequest) -> HttpResponse:
    try:
        if page_number(request.GET) > 1:  # one page: every entity, grouped by kind
            raise queries.PageOutOfRange("No such page.")
    except BadFilter as error:
        return _render(request, "400.html", {"message": str(error)}, status=400)
    grouped = queries.entity_index()
    kinds = [(value, label, grouped[value]) for value, label in queries.EntityKind.choices]
    return _render(request, "public/entity_list.html", {"kinds": kinds})


@public_page
def methodology(request: HttpRequest) -> HttpResponse:
    context = {
        "verdicts": texts.glossary(Verdict, texts.VERDICTS),
        "strengths": texts.glossary(Strength, texts.STRENGTHS),
        "kinds": texts.glossary(EvidenceKind, texts.KINDS),
        "stances": texts.glossary(Stance, texts.STANCES),
        "responses": texts.glossary(DeveloperResponse, texts.RESPONSES),
    }
    return _render(request, "public/methodology.html", context)


@public_page
def data(request: HttpRequest) -> HttpResponse:
    exports = [
        (name, label, [f"/api/v1/exports/{name}.{fmt}" for fmt in ("csv", "json")])
        for name, label in (
            ("claims", _("Claims")),
            ("evidence", _("Evidence")),
            ("sources", _("Sources")),
        )
    ]
    return _render(request, "public/data.html", {"exports": exports})
