"""Turning stored text into safe HTML, and claims into schema.org ClaimReview JSON-LD."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, override

from app.catalog.choices import EvidenceKind, Grounding, Verdict
from app.catalog.models import Claim, Entity
from app.lib.markdown import render_markdown

# ClaimReview's numeric scale: 1 (false) to 5 (true); the label rides in alternateName.
RATING = {
    Verdict.CONFIRMED: 5,
    Verdict.SUPPORTED: 4,
    Verdict.UNVERIFIED: 3,
    Verdict.DISPUTED: 2,
    Verdict.REFUTED: 1,
    Verdict.RETRACTED: 1,
}


@lru_cache(maxsize=1024)
def markdown(text: str) -> SafeString:
    """Markdown with raw HTML disabled, then sanitized: the editor's preview renderer.

    Remembered per text (the same text always gives the same HTML): a claim's summary
    was parsed and sanitized again on every uncached claim page."""
    return render_markdown(text)


_PLACEHOLDERS = ("9182736451", "9182736452")
_SAFE = "~:@!$&'()*+,;="  # what reverse() leaves unquoted in a path segment


@lru_cache(maxsize=256)  # (name, language, arity): a few dozen in use
def _pattern(name: str, language: str, arity: int) -> str:
    return reverse(name, args=list(_PLACEHOLDERS[:arity]))


def fast_reverse(name: str, *args: object) -> str:
    """``reverse(name, args=args)`` for simple arguments, from a pattern resolved once.

    A claim page or an API list needs a hundred-odd addresses; resolving each
    through the URLconf was a visible share of their CPU time.
    """
    url = _pattern(name, get_language(), len(args))
    for placeholder, value in zip(_PLACEHOLDERS, args, strict=False):
        text = str(value) if isinstance(value, int) else quote(str(value), safe=_SAFE)
        url = url.replace(placeholder, text)
    return url


def id_url(name: str) -> Callable[[int], str]:
    """For an address taking one integer (a primary key): a function filling it in.

    ``id_url("archive:source")(7) == reverse("archive:source", args=[7])``, in the
    active language, for pages that need one such address per row.
    """
    head, _, tail = _pattern(name, get_language(), 1).partition(_PLACEHOLDERS[0])
    return lambda pk: f"{head}{int(pk)}{tail}"


def file_url(name: str) -> Callable[[int, str], str]:
    """Like `id_url`, for an address taking a primary key and a file name
    (``archive:artifact``, ``monitor:video``): resolved once, filled in per row."""
    head, _, rest = _pattern(name, get_language(), 2).partition(_PLACEHOLDERS[0])
    middle, _, tail = rest.partition(_PLACEHOLDERS[1])
    return lambda pk, file: f"{head}{int(pk)}{middle}{_quoted(file)}{tail}"


@lru_cache(maxsize=256)
def _quoted(file: str) -> str:
    """A file name as a path segment: a few names recur (page.warc.gz, screenshot.png)."""
    return quote(file, safe=_SAFE)


def archive_url(source_id: int) -> str:
    return fast_reverse("archive:source", source_id)


def artifact_url(artifact_id: int, name: str) -> str:
    return fast_reverse("archive:artifact", artifact_id, name)


def absolute(path: str, base: str = "") -> str:
    """``path`` on ``base`` (the request's own scheme and host, when a page has one), else
    on ``SITE_URL``."""
    return f"{base or settings.SITE_URL}{path}"


def json_for_script(data: Any) -> SafeString:
    """JSON that cannot close its <script> element."""
    # check_circular off: the data is a tree the page builds (~15 % of a claim page's dumps).
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, check_circular=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308 (the three HTML-significant characters are escaped)


def claim_review(
    claim: Claim,
    evidence: list[Any],
    named: list[Entity],
    verdict_note: str = "",
    base: str = "",
) -> dict[str, Any]:
    """schema.org ClaimReview for a published claim, from what the page already loaded.

    ``evidence`` is a list of `app.public.queries.EvidenceView`; ``named`` the
    models and content the claim names; ``verdict_note`` the public note of the
    latest verdict change, given as the rating's ``ratingExplanation``; ``base``
    the scheme and host of the addresses (``SITE_URL`` when empty).
    """
    appearances = []
    seen: set[int] = set()
    urls = (id_url("archive:source"), file_url("archive:artifact"))  # resolved once
    for view in evidence:
        source = view.item.source
        if source.pk in seen:
            continue
        seen.add(source.pk)
        appearances.append(_creative_work(view, base, urls))
    dated = [a for a in appearances if a.get("datePublished")]
    first = min(dated, key=lambda a: a["datePublished"]) if dated else None
    item: dict[str, Any] = {"@type": "Claim", "appearance": appearances}
    if first:
        item["firstAppearance"] = first
    if claim.first_seen:
        item["datePublished"] = claim.first_seen.isoformat()
    about = [
        {
            "@type": "Thing",
            "name": e.name,
            "url": absolute(fast_reverse("public:entity", e.slug), base),
        }
        for e in named
    ]
    if about:
        item["about"] = about
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": absolute(fast_reverse("public:claim", claim.slug), base),
        "claimReviewed": claim.statement,
        "inLanguage": claim.language,
        "datePublished": (claim.published_at or claim.created_at).date().isoformat(),
        "dateModified": claim.updated_at.isoformat(),
        "author": {"@type": "Organization", "name": "TrainedOn", "url": absolute("/", base)},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATING.get(Verdict(claim.verdict), 3),
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": label(Verdict, claim.verdict),
            **({"ratingExplanation": verdict_note.strip()} if verdict_note.strip() else {}),
        },
        "itemReviewed": item,
        "reviewBody": review_body(claim, evidence),
    }


@lru_cache(maxsize=64)
def _labels(choices: type[models.Choices], language: str | None) -> dict[Any, str]:
    with override(language):
        return {value: str(label) for value, label in choices.choices}


def label(choices: type[models.Choices], value: Any) -> str:
    """``get_FOO_display()`` for a field with these choices, translated once per process and
    language: Django's hashes and translates every lazy label of the field on each call."""
    return _labels(choices, get_language()).get(value, value)


@lru_cache(maxsize=16)
def _body_words(language: str) -> tuple[dict[str, str], dict[str, str], str]:
    """The kinds' and groundings' labels and "Method:" in ``language``, translated once per
    process (lazy labels translate on every use; the catalogues do not change while it runs)."""
    with override(language):
        kinds = {value: str(label) for value, label in EvidenceKind.choices}
        groundings = {value: str(label) for value, label in Grounding.choices}
        return kinds, groundings, gettext("Method:")


def review_body(claim: Claim, evidence: list[Any]) -> str:
    """The claim's summary, then each published item: its kind, whether it is
    grounded or speculative, what it shows and how it was obtained (plain text)."""
    kinds, groundings, method = _body_words(get_language())
    lines = [" ".join(claim.summary.split())] if claim.summary.strip() else []
    for view in evidence:
        item = view.item
        head = kinds.get(item.kind, item.kind)
        if item.grounding:
            head += f" ({groundings.get(item.grounding, item.grounding)})"
        line = f"{head}: {' '.join(item.summary.split())}"
        if item.method_note:
            line += f" {method} {' '.join(item.method_note.split())}"
        lines.append(line)
    return "\n".join(lines)


def _creative_work(
    view: Any,
    base: str = "",
    urls: tuple[Callable[[int], str], Callable[[int, str], str]] | None = None,
) -> dict[str, Any]:
    source_url, artifact_url_of = urls or (archive_url, artifact_url)
    source = view.item.source
    work: dict[str, Any] = {"@type": "CreativeWork", "url": source.url}
    if source.title:
        work["name"] = source.title
    if source.display_publisher:
        work["publisher"] = {"@type": "Organization", "name": source.display_publisher}
    if source.published_on:
        work["datePublished"] = source.published_on.isoformat()
    if view.capture is not None:
        archived = [absolute(source_url(source.pk), base)]
        archived += [
            absolute(artifact_url_of(a.pk, a.name), base)
            for a in view.artifacts
            if a.kind in {"warc", "pdf", "screenshot", "video"}
        ]
        work["archivedAt"] = archived
    return work
