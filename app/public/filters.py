"""The claim filters shared by the list page, the feeds and the JSON API.

A filtered list is its URL: every filter is a query parameter, a facet may be
repeated (``verdict=supported&verdict=confirmed`` means either), and facets
combine with AND. A value that is not valid raises `BadFilter`, which pages
and the API turn into a 400 with the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from app.catalog import naming
from app.catalog.access import public_evidence
from app.catalog.choices import EvidenceKind, Verdict
from app.catalog.models import Claim, Entity
from app.catalog.naming import names_slugs_q
from app.public.search import BadQuery, clean_query

LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
ENTITY_PARAMS = ("model", "developer", "content")
MAX_VALUES = 20


class Sort:
    NEWEST = "newest"
    EVIDENCE = "evidence"
    UPDATED = "updated"
    RELEVANCE = "relevance"
    ALL = (NEWEST, EVIDENCE, UPDATED, RELEVANCE)


class BadFilter(ValueError):
    """A filter value that is not valid; the message is safe to show."""


# A page number with more digits is past the last page of any list: it is read as the
# first such number (never parsed whole), so no list computes an offset beyond 10**6 pages.
_PAGE_DIGITS = 6


def page_number(params: QueryDict) -> int:
    """``?page=`` of every paginated list (site, API, moderation): the one rule.

    Absent or empty is page 1. Anything but a positive whole number (``0``, ``-1``,
    ``two``, ``1.5``) raises `BadFilter`: a 400 with the message. A number past the
    last page is returned as it is, for the caller's 404 (docs/public-site.md).
    """
    raw = (params.get("page") or "").strip() or "1"
    if not (raw.isascii() and raw.isdigit()) or not raw.strip("0"):
        raise BadFilter(_("“page” must be a positive whole number."))
    digits = raw.lstrip("0")
    return int(digits) if len(digits) <= _PAGE_DIGITS else 10**_PAGE_DIGITS


@dataclass
class ClaimFilters:
    q: str = ""
    model: list[str] = field(default_factory=list)
    developer: list[str] = field(default_factory=list)
    content: list[str] = field(default_factory=list)
    verdict: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    language: list[str] = field(default_factory=list)
    since: date | None = None
    until: date | None = None
    sort: str = Sort.NEWEST
    entities: dict[str, Entity] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(
            self.q
            or self.since
            or self.until
            or any(getattr(self, name) for name in (*ENTITY_PARAMS, "verdict", "kind", "language"))
        )

    def selected(self, param: str) -> list[Entity]:
        return [self.entities[slug] for slug in getattr(self, param) if slug in self.entities]


def _values(params: QueryDict, name: str) -> list[str]:
    values = [v.strip() for v in params.getlist(name) if v.strip()]
    if len(values) > MAX_VALUES:
        raise BadFilter(_("Too many values for “%(name)s”.") % {"name": name})
    return list(dict.fromkeys(values))


def _choices(params: QueryDict, name: str, allowed: list[str]) -> list[str]:
    values = _values(params, name)
    for value in values:
        if value not in allowed:
            raise BadFilter(
                _("“%(value)s” is not a valid %(name)s. Valid values: %(allowed)s.")
                % {"value": value[:40], "name": name, "allowed": ", ".join(allowed)}
            )
    return values


def _date(params: QueryDict, name: str) -> date | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(
            _("“%(name)s” must be a date written YYYY-MM-DD.") % {"name": name}
        ) from None


def parse_filters(params: QueryDict, *, default_sort: str = Sort.NEWEST) -> ClaimFilters:
    """Read and validate the filters of a request's query string."""
    try:
        q = clean_query(params.get("q", ""))
    except BadQuery as error:
        raise BadFilter(str(error)) from None
    filters = ClaimFilters(
        q=q,
        verdict=_choices(params, "verdict", list(Verdict.values)),
        kind=_choices(params, "kind", list(EvidenceKind.values)),
        language=_values(params, "language"),
        since=_date(params, "since"),
        until=_date(params, "until"),
    )
    for value in filters.language:
        if not LANGUAGE_RE.match(value):
            raise BadFilter(_("“%(value)s” is not a language code.") % {"value": value[:20]})
    if filters.since and filters.until and filters.since > filters.until:
        raise BadFilter(_("“since” must not be after “until”."))
    sort = params.get("sort", "").strip() or (Sort.RELEVANCE if q else default_sort)
    if sort not in Sort.ALL:
        raise BadFilter(_("“%(value)s” is not a valid sort order.") % {"value": sort[:20]})
    if sort == Sort.RELEVANCE and not q:
        # Relevance ranks the matches of a search; with nothing searched every
        # claim is as relevant as the next, so the default order is used (a
        # link that keeps sort=relevance after the search box is emptied works).
        sort = default_sort
    filters.sort = sort
    for name in ENTITY_PARAMS:
        setattr(filters, name, _values(params, name))
    _resolve_entities(filters)
    return filters


def _resolve_entities(filters: ClaimFilters) -> None:
    slugs = {slug for name in ENTITY_PARAMS for slug in getattr(filters, name)}
    if not slugs:
        return
    filters.entities = {e.slug: e for e in Entity.objects.filter(slug__in=slugs)}
    missing = sorted(slugs - filters.entities.keys())
    if missing:
        raise BadFilter(_("No entity is called “%(slug)s”.") % {"slug": missing[0][:60]})


def apply_filters(claims: QuerySet[Claim], filters: ClaimFilters) -> QuerySet[Claim]:
    """Narrow published claims by every filter except the search text."""
    # Each entity filter is one role of the one naming rule (app.catalog.naming).
    if filters.model:
        claims = claims.filter(names_slugs_q(filters.model, [naming.MODEL]))
    if filters.developer:
        claims = claims.filter(names_slugs_q(filters.developer, [naming.DEVELOPER]))
    if filters.content:
        claims = claims.filter(names_slugs_q(filters.content, [naming.CONTENT]))
    if filters.verdict:
        claims = claims.filter(verdict__in=filters.verdict)
    if filters.language:
        claims = claims.filter(language__in=filters.language)
    if filters.kind:
        having = public_evidence().filter(kind__in=filters.kind)
        claims = claims.filter(pk__in=having.values("claim_id"))
    if filters.since:
        claims = claims.filter(published_at__date__gte=filters.since)
    if filters.until:
        claims = claims.filter(published_at__date__lte=filters.until)
    return claims


def query_string(filters: ClaimFilters, **changes: object) -> str:
    """The query string of these filters with some parameters changed (for links)."""
    params = QueryDict(mutable=True)
    data: dict[str, object] = {
        "q": filters.q,
        **{name: getattr(filters, name) for name in (*ENTITY_PARAMS, "verdict", "kind")},
        "language": filters.language,
        "since": filters.since.isoformat() if filters.since else "",
        "until": filters.until.isoformat() if filters.until else "",
        "sort": "" if filters.sort in {Sort.NEWEST, Sort.RELEVANCE} else filters.sort,
    }
    data.update(changes)
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        clean = [str(v) for v in values if v not in ("", None)]
        if clean:
            params.setlist(name, clean)
    return params.urlencode()
