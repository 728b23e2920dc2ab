"""Template helpers of the reader site."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django import template
from django.template.defaultfilters import striptags, truncatewords
from django.urls import reverse
from django.utils.safestring import SafeString

from app.catalog import access
from app.catalog.models import Claim, Entity
from app.lib.timecodes import format_timecode
from app.public import fragments, html, render
from app.public.cards import ClaimCardRenderer
from app.public.facet_html import render_facet
from app.public.filters import ClaimFilters, query_string

if TYPE_CHECKING:
    from app.public.queries import FacetValue

register = template.Library()


@register.simple_tag(takes_context=True)
def entity_edit_url(context: Mapping[str, Any], entity: Entity) -> str:
    """The workspace's edit address of ``entity`` for a reader who may edit it, else "".

    Only signed-in people may, and their pages are never cached (app.public.cache), so
    an anonymous reader's cached page never carries the link."""
    request = context.get("request")
    if request is None or not access.can_edit_entity(request.user):
        return ""
    return reverse("editor:entity_edit", args=[entity.slug])


@register.simple_tag
def claim_cards(claims: Iterable[Claim], snippets: Mapping[int, SafeString] | None = None) -> str:
    """The cards of a list of claims: {% claim_cards listing.claims listing.snippets %}."""
    return ClaimCardRenderer().render_all(claims, snippets)


@register.simple_tag
def facet(name: str, legend: str, values: list[FacetValue] | None, estimated: bool = False) -> str:
    """One facet's fieldset: {% facet "verdict" _("Verdict") facets.verdict estimated %}."""
    return render_facet(name, legend, values, estimated)


@register.filter
def markdown(text: str) -> SafeString:
    return render.markdown(text)


@register.filter
def timecode(seconds: Decimal | float | None) -> str:
    return format_timecode(seconds)


@register.filter
def absolute(path: str) -> str:
    return render.absolute(path)


@register.simple_tag
def filter_query(filters: ClaimFilters, **changes: Any) -> str:
    """``?...`` for the current filters with some changed: {% filter_query filters page=2 %}."""
    return "?" + query_string(filters, **changes)


@register.simple_tag(takes_context=True)
def language_choices(context: dict[str, Any]) -> tuple[fragments.LanguageChoice, ...]:
    """The current page in each language, for the hreflang links and the language
    switch: ``{% language_choices as languages %}`` (see `fragments.language_choices`)."""
    request = context.get("request")
    return fragments.language_choices(None if request is None else request.get_full_path())


@register.filter
def plain_words(text: str, words: int) -> str:
    """``text|striptags|truncatewords:words``, remembered per text (a claim page's
    description and og:description parsed the summary's HTML twice a page)."""
    return _plain_words(str(text), int(words))


@lru_cache(maxsize=1024)
def _plain_words(text: str, words: int) -> str:
    return str(truncatewords(striptags(text), words))


@register.filter
def language_name(code: str) -> str:
    """A language code as its name in the reader's language ('fr' -> 'French'/'français')."""
    return html.language_name(code)


@register.filter
def json_ld(data: Any) -> SafeString:
    return render.json_for_script(data)


@register.filter
def public_url(obj: Any) -> str:
    """``obj.get_absolute_url()`` for claims and entities, without a URLconf lookup each."""
    if isinstance(obj, Claim):
        return render.fast_reverse("public:claim", obj.slug)
    if isinstance(obj, Entity):
        return render.fast_reverse("public:entity", obj.slug)
    return str(obj.get_absolute_url())
