"""Read queries of the reader site and the read API, each with a fixed query count."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.http import Http404
from django.utils.safestring import SafeString

from app.archive.models import WITH_FILES, Artifact, ArtifactKind, Capture
from app.archive.timeline import has_claim_timelines
from app.catalog import access
from app.catalog.access import public_claims, public_evidence
from app.catalog.choices import EntityKind, EvidenceKind, PublicationState, Stance, Verdict
from app.catalog.models import AuditEntry, Claim, Entity, Evidence, Tag, VerdictChange
from app.catalog.naming import ROLES, counts_sql, named_counts, naming_sql, public_naming
from app.graph.templatetags.graph_tags import has_chain
from app.lib.prepared import PreparedQuery
from app.public import render, search, sections, totals
from app.public.cache import versioned
from app.public.filters import ClaimFilters, Sort, apply_filters
from app.public.rows import ArtifactRow, CaptureRow, EvidenceRow, SourceRow

PER_PAGE = 20
MAX_PER_PAGE = 100
FACET_SIZE = 12
FACET_SAMPLE = 200
ENTITY_PAGE_CLAIMS = 300
CONTENT_KINDS = (EntityKind.WORK, EntityKind.CREATOR, EntityKind.DATASET)
ENTRY_POINTS = 8  # models, developers and content listed on the home page, each


class PageOutOfRange(Http404):
    pass


def evidence_count() -> Coalesce:
    counted = (
        public_evidence()
        .filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# What a claim card or the API's claim summary shows of an entity.
CARD_ENTITY_FIELDS = ("id", "slug", "name", "kind")


def card_prefetches() -> list[Prefetch]:
    named = Entity.objects.only(*CARD_ENTITY_FIELDS).order_by("name")
    return [
        Prefetch("models_named", queryset=named),
        Prefetch("content_named", queryset=named),
    ]


def published_claims() -> QuerySet[Claim]:
    """Published claims with what a claim card shows (2 prefetch queries)."""
    return (
        public_claims()
        .annotate(evidence_count=evidence_count())
        .prefetch_related(*card_prefetches())
    )


ORDERINGS = {
    Sort.NEWEST: ("-published_at", "-id"),
    Sort.UPDATED: ("-updated_at", "-id"),
    Sort.EVIDENCE: ("-evidence_count", "-published_at", "-id"),
}


# --- The claim list with facets ------------------------------------------------------


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class ClaimListPage:
    claims: list[Claim]
    total: int
    estimated: bool
    number: int
    num_pages: int
    per_page: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    snippets: dict[int, SafeString] = field(default_factory=dict)
    entities: list[Entity] = field(default_factory=list)
    facets_estimated: bool = False
    facet_sample: int = FACET_SAMPLE

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def claim_list(
    filters: ClaimFilters, *, page: int = 1, per_page: int = PER_PAGE, with_facets: bool = True
) -> ClaimListPage:
    """One page of published claims matching the filters and search, with facet counts."""
    claims = apply_filters(public_claims(), filters)
    result = search.search_claims(filters.q) if filters.q else None
    matching: list[int] = []
    if result is not None:
        claims = claims.filter(pk__in=id_set(list(result.ranks)))
        if filters == ClaimFilters(q=filters.q, sort=filters.sort):
            matching = list(result.ranks)  # every candidate is a published claim
        else:
            matching = list(claims.values_list("pk", flat=True))
    ranked = result.order(matching) if result is not None else []
    facets: dict[str, list[FacetValue]] = {}
    facets_estimated = False
    if with_facets and result is not None:
        facets, facets_estimated = _search_facets(ranked, filters)
    elif with_facets and not filters.active:  # every published claim: memoized
        # The counts once for every language: the labels are put on per request.
        facets = _facets(versioned("facets-all", _ledger_facet_rows), filters)
    elif with_facets:
        facets = facet_counts(claims, filters)
    if result is not None and filters.sort == Sort.RELEVANCE:
        ids = ranked
        total = len(ids)
        number, pages = _page_number(page, total, per_page)
        page_ids = ids[(number - 1) * per_page : number * per_page]
        by_id = published_claims().in_bulk(page_ids)
        rows = [by_id[pk] for pk in page_ids if pk in by_id]
    else:
        total = claims.count()
        number, pages = _page_number(page, total, per_page)
        ordered = published_claims().filter(pk__in=claims.values("pk"))
        ordered = ordered.order_by(*ORDERINGS.get(filters.sort, ORDERINGS[Sort.NEWEST]))
        rows = list(ordered[(number - 1) * per_page : number * per_page])
    listing = ClaimListPage(rows, total, False, number, pages, per_page, facets)
    listing.facets_estimated, listing.facet_sample = facets_estimated, FACET_SAMPLE
    if result is not None:
        listing.estimated = result.estimated
        only_search = not filters.active or filters == ClaimFilters(q=filters.q, sort=filters.sort)
        if result.estimated and only_search:
            listing.total = max(listing.total, search.estimate_matches(result) or 0)
        listing.snippets = search.snippets(result, [c.pk for c in rows])
        listing.entities = result.entities
    return listing


def _search_facets(
    ranked: list[int], filters: ClaimFilters
) -> tuple[dict[str, list[FacetValue]], bool]:
    """Facet counts of a search: exact up to ``FACET_SAMPLE`` matches, else estimated.

    Counting facets joins every matching claim to its evidence and entities; for
    a term found in thousands of claims that was most of the search's time. Past
    the sample, the counts of the best-ranked ``FACET_SAMPLE`` matches are scaled
    to the number of matches and shown as estimates ("≈"), like the total.
    """
    sample = ranked[:FACET_SAMPLE]
    facets = facet_counts(sample, filters)
    if len(ranked) <= len(sample):
        return facets, False
    ratio = len(ranked) / len(sample)
    for values in facets.values():
        for value in values:
            value.count = max(1, round(value.count * ratio)) if value.count else 0
    return facets, True


def _page_number(page: int, total: int, per_page: int) -> tuple[int, int]:
    pages = max(1, math.ceil(total / per_page))
    if page < 1 or page > pages:
        raise PageOutOfRange("That page does not exist.")
    return page, pages


FACETS_SQL = """
WITH ids(pk) AS ({ids})
SELECT 'verdict', verdict, '', COUNT(*) FROM catalog_claim
 WHERE id IN (SELECT pk FROM ids) GROUP BY verdict
UNION ALL
SELECT 'language', language, '', COUNT(*) FROM catalog_claim
 WHERE id IN (SELECT pk FROM ids) GROUP BY language
UNION ALL
SELECT 'kind', kind, '', COUNT(*) FROM (
  SELECT DISTINCT claim_id, kind FROM catalog_evidence
   WHERE state = 'published' AND claim_id IN (SELECT pk FROM ids)) pairs
 GROUP BY kind
UNION ALL
SELECT n.role, e.slug, e.name, COUNT(DISTINCT n.claim_id)
  FROM ({naming}) n JOIN catalog_entity e ON e.id = n.named
 WHERE n.claim_id IN (SELECT pk FROM ids) GROUP BY n.role, e.slug, e.name
"""


def facet_counts(
    claims: QuerySet[Claim] | list[int], filters: ClaimFilters
) -> dict[str, list[FacetValue]]:
    """How many of the listed claims fall under each facet value, in one query.

    The listed claims' ids are a CTE that every facet reads (PostgreSQL computes
    it once): the query that filters them, or, for a search, the ids already
    fetched (one array parameter: cheaper than filtering again). DISTINCT before
    counting evidence kinds lets it hash instead of sorting, covered by the
    partial index (claim_id, kind) of migration public/0003.
    """
    rows: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    params: Any
    if isinstance(claims, list):
        ids_sql, params = _ids_sql(claims)
    else:
        try:
            ids_sql, params = claims.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # filtered down to nothing (an empty id list)
            ids_sql = ""
    if ids_sql:
        # Models, developers and content: the one naming rule (app.catalog.naming).
        naming = naming_sql(where="l.claim_id IN (SELECT pk FROM ids)")
        sql = FACETS_SQL.replace("{ids}", ids_sql).replace("{naming}", naming)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for facet, value, name, n in cursor.fetchall():
                rows[facet].append((value, name, n))
    return _facets(rows, filters)


def _ledger_facet_rows() -> dict[str, list[tuple[str, str, int]]]:
    """`facet_counts`' rows for every published claim, in one query from cheaper sources:
    the claims' own columns, the evidence kinds kept per claim (`totals`), and the
    naming rule's counts per role (`counts_sql`, names joined after counting)."""
    parts: list[str] = []
    params: list[Any] = []

    def add(facet: str, value: str, name: str, rows: tuple[str, tuple[Any, ...]]) -> None:
        assert facet.isidentifier()  # a constant of this module, written into the SQL
        sql, more = rows
        parts.append(f"SELECT '{facet}', {value}, {name}, n FROM ({sql}) q")  # noqa: S608
        params.extend(more)

    claims = public_claims().order_by()
    for column in ("verdict", "language"):
        grouped = claims.values(column).annotate(n=Count("pk"))
        add(column, f'q."{column}"', "''", grouped.query.sql_with_params())
    add("kind", 'q."kind"', "''", totals.kind_claims_query().query.sql_with_params())
    entity = Entity._meta.db_table
    for role in ROLES:
        sql, more = counts_sql((role,))
        joined = f"SELECT e.slug, e.name, c.n FROM ({sql}) c JOIN {entity} e ON e.id = c.named"  # noqa: S608 (ORM-compiled)
        add(role, "q.slug", "q.name", (joined, more))
    rows: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for facet, value, name, n in cursor.fetchall():
            rows[facet].append((value, name, int(n)))
    return dict(rows)


def _facets(
    rows: dict[str, list[tuple[str, str, int]]], filters: ClaimFilters
) -> dict[str, list[FacetValue]]:
    """The facets from ``rows`` (facet -> (value, name, count)), labelled in the language
    of the request, with the selected values marked."""
    rows = defaultdict(list, rows)
    verdicts = {value: n for value, _name, n in rows["verdict"]}
    kinds = {value: n for value, _name, n in rows["kind"]}
    languages = sorted(rows["language"], key=lambda row: (-row[2], row[0]))
    return {
        "verdict": [
            FacetValue(v, str(label), verdicts.get(v, 0), v in filters.verdict)
            for v, label in Verdict.choices
            if verdicts.get(v) or v in filters.verdict
        ],
        "model": _entity_facet(rows["model"], filters.model),
        "developer": _entity_facet(rows["developer"], filters.developer),
        "content": _entity_facet(rows["content"], filters.content),
        "kind": [
            FacetValue(v, str(label), kinds.get(v, 0), v in filters.kind)
            for v, label in EvidenceKind.choices
            if kinds.get(v) or v in filters.kind
        ],
        "language": [
            FacetValue(code, code.upper(), n, code in filters.language)
            for code, _name, n in languages
        ],
    }


def _entity_facet(rows: list[tuple[str, str, int]], selected: list[str]) -> list[FacetValue]:
    """The most frequent values, plus any selected one that is not among them."""
    ranked = sorted(rows, key=lambda row: (-row[2], row[1]))
    top = ranked[:FACET_SIZE]
    top += [row for row in ranked[FACET_SIZE:] if row[0] in selected]
    return [FacetValue(slug, name, n, slug in selected) for slug, name, n in top]


def _ids_sql(ids: list[int]) -> tuple[str, tuple[Any, ...]]:
    """A SELECT of the given ids ("" for none), for the facet CTE."""
    if not ids:
        return "", ()
    if connection.vendor == "postgresql":
        return "SELECT unnest(%s::bigint[])", (ids,)
    return "VALUES " + ", ".join(["(%s)"] * len(ids)), tuple(ids)


def id_set(ids: list[int]) -> Any:
    """``pk__in`` for many ids: one array parameter on PostgreSQL, a plain list elsewhere."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return ids


# --- Home ------------------------------------------------------------------------------


def home_data() -> dict[str, Any]:
    cards = public_claims().annotate(evidence_count=evidence_count())
    latest = list(cards.order_by("-published_at", "-id")[:8])
    shown = [c.pk for c in latest]
    updated = list(cards.exclude(pk__in=shown).order_by("-updated_at", "-id")[:5])
    prefetch_related_objects([*latest, *updated], *card_prefetches())
    return {
        "latest": latest,
        "updated": updated,
        "counts": site_counts(),
        **versioned("home-entry-points", _entry_points),
    }


def _entry_points() -> dict[str, list[Entity]]:
    """The most named models, developers and content, counted by the one naming rule
    (app.catalog.naming): the same numbers as their pages and the claim list's filters."""
    counts, params = counts_sql()
    ranked = list(
        Entity.objects.raw(
            "SELECT e.id, e.slug, e.name, e.kind, c.n AS claim_count FROM catalog_entity e"  # noqa: S608 (ORM-compiled)
            f" JOIN ({counts}) c ON c.named = e.id ORDER BY c.n DESC, e.name",
            params,
        )
    )

    def top(kinds: tuple[str, ...]) -> list[Entity]:
        return [e for e in ranked if e.kind in kinds][:ENTRY_POINTS]

    return {
        "models": top((EntityKind.MODEL,)),
        "developers": top((EntityKind.ORGANIZATION,)),
        "content": top(CONTENT_KINDS),
    }


def site_counts() -> dict[str, int]:
    """The ledger's totals (memoized under the content version: see ``versioned``)."""
    return versioned("site-counts", _count_ledger)


def _count_ledger() -> dict[str, int]:
    """Public claims, public evidence items and archived public sources (a draft's sources
    are not counted), the last two from the tables kept at each write (`totals`)."""
    counts = {"claims": public_claims().count(), "evidence": totals.evidence_total()}
    archived = Capture.objects.filter(status__in=WITH_FILES, source__in=totals.public_source_ids())
    counts["sources"] = archived.values("source_id").distinct().count()
    return counts


# --- The claim page ----------------------------------------------------------------------


@dataclass
class EvidenceView:
    item: EvidenceRow
    capture: CaptureRow | None  # the capture with files that shows the source as cited
    artifacts: list[ArtifactRow]
    changed_after_citation: bool
    # The source's latest capture when none has files (failed, queued, running):
    # what the page says instead of a copy. None when there is a copy or no capture.
    attempt: CaptureRow | None = None


@dataclass
class Bylines:
    """Who logged and who published a claim, by public display name only ("" when the
    person has set none: the page then names the role, never the user name)."""

    logged_by: str = ""
    reviewed_by: str = ""
    reviewed_at: datetime | None = None


@dataclass
class ClaimPage:
    claim: Claim
    groups: list[tuple[str, str, list[EvidenceView]]]
    evidence: list[EvidenceView]
    verdict_changes: list[VerdictChange]
    models: list[Entity] = field(default_factory=list)  # each with its developer
    content: list[Entity] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    bylines: Bylines = field(default_factory=Bylines)


@dataclass
class StanceGroup:
    """One stance's items as a page shows them: ``views`` are the items shown (oldest
    first), ``total`` how many the claim has in all, ``first`` the rank of the first one
    shown (1 on the claim page and a stance list's first page)."""

    stance: str
    label: str
    views: list[EvidenceView]
    total: int
    first: int = 1

    @property
    def more(self) -> bool:
        return self.first - 1 + len(self.views) < self.total


@dataclass
class ShownClaimPage:
    """The claim page, or one page of a stance's list, with only the items it shows:
    its memory and its ClaimReview do not grow with the claim (issue 17)."""

    claim: Claim
    groups: list[StanceGroup]  # every stance, in Stance order, empty ones included
    verdict_changes: list[VerdictChange]
    models: list[Entity] = field(default_factory=list)
    content: list[Entity] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    bylines: Bylines = field(default_factory=Bylines)
    # False when the claim's query found nothing for the claim page's chain, disclosure
    # gap or signal timeline: the template then skips the tag (which would show nothing).
    has_chain: bool = True
    has_disclosure_gap: bool = True
    has_signal_timeline: bool = True

    @property
    def evidence(self) -> list[EvidenceView]:
        """The items shown, stance by stance."""
        return [view for group in self.groups for view in group.views]

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)


def access_claim(slug: str) -> Claim:
    """A claim as every reader sees it, or 404 (`app.catalog.access` decides)."""
    claims = Claim.objects.prefetch_related(
        Prefetch("models_named", queryset=Entity.objects.select_related("developer")),
        Prefetch("content_named", queryset=Entity.objects.order_by("name")),
        "tags",
    )
    return access.access_claim(access.ANONYMOUS, slug, queryset=claims)


# The files of a capture the page links (JSON-LD archivedAt) or shows (video, frames,
# the screenshot or the video's poster as the item's thumbnail).
PAGE_ARTIFACT_KINDS = (
    ArtifactKind.WARC,
    ArtifactKind.PDF,
    ArtifactKind.SCREENSHOT,
    ArtifactKind.VIDEO,
    ArtifactKind.FRAME,
    ArtifactKind.THUMBNAIL,
)


def _claim_and_bylines(
    slug: str, query: PreparedQuery | None = None
) -> tuple[Claim, Bylines, tuple[Any, ...]]:
    """The claim, its bylines, and the columns ``query`` (`_CLAIM` by default) adds."""
    found = (query or _CLAIM)(slug)
    if not found:
        raise Http404("No published claim has that address.")
    n = len(CLAIM_FIELDS)
    claim = Claim.from_db(DEFAULT_DB_ALIAS, CLAIM_FIELDS, found[0][:n])
    logged_by, reviewed_by, reviewed_at = found[0][n : n + 3]
    return claim, Bylines(logged_by or "", reviewed_by or "", reviewed_at), found[0][n + 3 :]


# The claim page shows each stance's first items, oldest first; a link leads to the whole
# list of a stance, a page at a time (`stance_page`). 25 keeps every claim of the demo and
# of the starter ledger whole on its page (the largest has a handful of items per stance),
# holds the page at three stances x 25 items at most (about 12 KB of gzipped HTML, a
# twelfth of the 150 KB budget) and its memory and ClaimReview flat whatever the claim's size.
CLAIM_PAGE_ITEMS = 25
STANCE_PAGE_ITEMS = 50  # the stance list's page: the page weight budget is set for 50 items


def claim_page_shown(slug: str, per_stance: int = CLAIM_PAGE_ITEMS) -> ShownClaimPage:
    """The reader's claim page: the first ``per_stance`` items of each stance and each
    stance's count, in 6 queries, whatever the evidence count."""
    claim, bylines, (chain, signal_timeline, *shown) = _claim_and_bylines(slug, _CLAIM_PAGE)
    registered = dict(zip(sections.names(), shown, strict=True))
    models, content, tags = claim_names(claim.pk)
    rows = _SHOWN(claim.pk, 0, per_stance)
    views, counts = _shown_views(claim.pk, rows, _SHOWN_CAPTURES(claim.pk, 0, per_stance),
                                 lambda: _SHOWN_FILES(claim.pk, 0, per_stance))  # fmt: skip
    changes = [
        VerdictChange.from_db(DEFAULT_DB_ALIAS, CHANGE_FIELDS, row) for row in _CHANGES(claim.pk)
    ]
    groups = [
        StanceGroup(
            value,
            render.label(Stance, value),
            [v for v in views if v.item.stance == value],
            counts.get(value, 0),
        )
        for value in Stance.values
    ]
    page = ShownClaimPage(claim, groups, changes, models, content, tags, bylines)
    page.has_chain, page.has_signal_timeline = bool(chain), bool(signal_timeline)
    # Without its app registered (`app.public.sections`) the tag runs its own query.
    page.has_disclosure_gap = bool(registered.get("disclosure_gap", True))
    return page


def stance_page(
    slug: str, stance: str, number: int, per_page: int = STANCE_PAGE_ITEMS
) -> tuple[ShownClaimPage, StanceGroup]:
    """One page of a claim's items of one stance, oldest first, in the claim page's 6
    queries (the verdict history gives the ClaimReview its explanation); a page past the
    last is a 404 (`PageOutOfRange`), the first page of a stance without items is shown
    empty."""
    if stance not in Stance.values:
        raise Http404("There is no such stance.")
    claim, bylines, _ = _claim_and_bylines(slug)
    models, content, tags = claim_names(claim.pk)
    first, last = (number - 1) * per_page, number * per_page
    rows = _STANCE(claim.pk, stance, first, last)
    if not rows and number > 1:
        raise PageOutOfRange("No such page.")
    views, counts = _shown_views(
        claim.pk,
        rows,
        _STANCE_CAPTURES(claim.pk, stance, first, last),
        lambda: _STANCE_FILES(claim.pk, stance, first, last),
    )
    changes = [
        VerdictChange.from_db(DEFAULT_DB_ALIAS, CHANGE_FIELDS, row) for row in _CHANGES(claim.pk)
    ]
    label = str(dict(Stance.choices)[stance])
    group = StanceGroup(stance, label, views, counts.get(stance, 0), first + 1)
    return ShownClaimPage(claim, [group], changes, models, content, tags, bylines), group


def claim_page(slug: str) -> ClaimPage:
    """Everything the API's claim shows (all its items), in 6 queries whatever the
    evidence count; the reader's page shows a stance's first items (`claim_page_shown`)."""
    claim, bylines, _ = _claim_and_bylines(slug)
    models, content, tags = claim_names(claim.pk)
    items = evidence_rows(claim.pk)
    views = evidence_views(claim.pk, items)
    groups = [
        (value, str(label), [v for v in views if v.item.stance == value])
        for value, label in Stance.choices
    ]
    changes = [
        VerdictChange.from_db(DEFAULT_DB_ALIAS, CHANGE_FIELDS, row) for row in _CHANGES(claim.pk)
    ]
    kept = [g for g in groups if g[2]]
    return ClaimPage(claim, kept, views, changes, models, content, tags, bylines)


def _names_of(claim_id: int) -> QuerySet[Any]:
    text, number = CharField(), IntegerField()

    def values(through: Any, role: str, target: str, developer: bool) -> QuerySet[Any]:
        rows = through.objects.filter(claim_id=claim_id).annotate(role=Value(role, text))
        dev = (
            (f"{target}__developer_id", f"{target}__developer__slug", f"{target}__developer__name")
            if developer
            else (Value(None, number), Value(None, text), Value(None, text))
        )
        kind = f"{target}__kind" if target == "entity" else Value("", text)
        names = (f"{target}_id", f"{target}__slug", f"{target}__name")
        return rows.values_list("role", *names, kind, *dev)

    return values(Claim.models_named.through, "model", "entity", True).union(
        values(Claim.content_named.through, "content", "entity", False),
        values(Claim.tags.through, "tag", "tag", False),
        all=True,
    )


def _evidence_of(claim_id: int) -> QuerySet[Any]:
    fields = [*EvidenceRow.FIELDS, *(f"source__{name}" for name in SourceRow.FIELDS)]
    items = public_evidence().filter(claim_id=claim_id)
    return items.order_by("created_at", "id").values_list(*fields)


def _shown_of(
    claim_id: int, first: int, last: int, stance: str | None = None
) -> QuerySet[Evidence]:
    """The claim's published items ranked within their stance, oldest first (the order
    of `_evidence_of`), those ranked ``first`` < rank <= ``last``, each with its
    stance's total; of one stance only when ``stance`` is given."""
    items = public_evidence().filter(claim_id=claim_id)
    if stance is not None:
        items = items.filter(stance=stance)
    # A bigint rank: PreparedQuery's sentinel arguments are out of an int's range, which
    # Django's integer lookups would compile as "no row" on PostgreSQL.
    order = [F("created_at").asc(), F("id").asc()]
    ranked = items.annotate(
        rank=Window(
            RowNumber(), partition_by=[F("stance")], order_by=order, output_field=BigIntegerField()
        ),
        stance_total=Window(Count("id"), partition_by=[F("stance")]),
    )
    return ranked.filter(rank__gt=first, rank__lte=last)


def _shown_rows(claim_id: int, first: int, last: int, stance: str | None = None) -> Any:
    fields = [*EvidenceRow.FIELDS, *(f"source__{name}" for name in SourceRow.FIELDS)]
    shown: Any = _shown_of(claim_id, first, last, stance)  # with its rank (annotated)
    # rank is selected: Django's filter on a window (5.2) cannot order by an unselected one.
    return shown.order_by("stance", "rank").values_list("stance_total", "rank", *fields)


def _shown_captures(claim_id: int, first: int, last: int, stance: str | None = None) -> Any:
    cited = _shown_of(claim_id, first, last, stance).values("source_id")
    runs = Capture.objects.filter(source_id__in=cited).order_by("created_at", "id")
    return runs.values_list(*CaptureRow.STATE_FIELDS)


# ArtifactRow's columns; the metadata only of frames, the one kind the page reads it of
# (their time and item, app.monitor's evidence_media): the others' was decoded for nothing.
_ARTIFACT_COLUMNS = (
    *ArtifactRow.FIELDS[:-1],
    Case(
        When(kind=ArtifactKind.FRAME, then=F("metadata")),
        default=Value(None),
        output_field=JSONField(),
    ),
)


def _shown_files(claim_id: int, first: int, last: int, stance: str | None = None) -> Any:
    cited = _shown_of(claim_id, first, last, stance).values("source_id")
    runs = Capture.objects.filter(status__in=WITH_FILES, source_id__in=cited).values("id")
    files = Artifact.objects.filter(kind__in=PAGE_ARTIFACT_KINDS, capture__in=runs)
    return files.order_by("id").values_list(*_ARTIFACT_COLUMNS)


def _runs_of(claim_id: int) -> QuerySet[Capture]:
    """The captures with files of every source the claim's published evidence cites."""
    cited = public_evidence().filter(claim_id=claim_id).values("source_id")
    return Capture.objects.filter(status__in=WITH_FILES, source_id__in=cited)


def _captures_of(claim_id: int) -> QuerySet[Any]:
    """Every capture of the cited sources, whatever its status: those with files give
    the archived copy, the latest of the others says why there is none (failed, queued)."""
    cited = public_evidence().filter(claim_id=claim_id).values("source_id")
    runs = Capture.objects.filter(source_id__in=cited).order_by("created_at", "id")
    return runs.values_list(*CaptureRow.STATE_FIELDS)


def _files_of(claim_id: int) -> QuerySet[Any]:
    """The files the page uses of every capture ``_runs_of`` lists."""
    runs = _runs_of(claim_id).values("id")
    files = Artifact.objects.filter(kind__in=PAGE_ARTIFACT_KINDS, capture__in=runs)
    return files.order_by("id").values_list(*_ARTIFACT_COLUMNS)


CLAIM_FIELDS = [field.attname for field in Claim._meta.concrete_fields]
CHANGE_FIELDS = [field.attname for field in VerdictChange._meta.concrete_fields]

# The claim page's queries, compiled once (app/lib/prepared.py): compiling them
# took Django about as long as running them.


def _claim_of(slug: str, *more: Any) -> QuerySet[Any]:
    """The claim's columns, then its bylines: the display names of who logged it and of
    who last published it (the audit log's ``claim.publish``), and when; then ``more``."""
    published = AuditEntry.objects.filter(
        action="claim.publish",
        target_type="catalog.claim",
        target_id=Cast(OuterRef("pk"), CharField()),
    ).order_by("-created_at", "-id")
    return (
        public_claims()
        .filter(slug=slug)
        .values_list(
            *CLAIM_FIELDS,
            "created_by__display_name",
            Subquery(published.values("actor__display_name")[:1]),
            Subquery(published.values("created_at")[:1]),
            *more,
        )
    )


def _claim_page_of(slug: str) -> QuerySet[Any]:
    """`_claim_of`, then whether the claim page's chain, signal timeline and registered
    sections (`app.public.sections`: the disclosure gap) have anything to show: asked
    here, their tags' own queries (a round trip each, usually for no rows) are only run
    when they do."""
    claim = OuterRef("pk")
    return _claim_of(slug, has_chain(claim), has_claim_timelines(), *sections.expressions(claim))


_CLAIM = PreparedQuery(_claim_of, "")
_CLAIM_PAGE = PreparedQuery(_claim_page_of, "")
_NAMES = PreparedQuery(_names_of, 0)
_EVIDENCE = PreparedQuery(_evidence_of, 0)
_CAPTURES = PreparedQuery(_captures_of, 0)
_FILES = PreparedQuery(_files_of, 0)
_SHOWN = PreparedQuery(_shown_rows, 0, 0, 0)
_SHOWN_CAPTURES = PreparedQuery(_shown_captures, 0, 0, 0)
_SHOWN_FILES = PreparedQuery(_shown_files, 0, 0, 0)
_STANCE = PreparedQuery(lambda c, s, a, b: _shown_rows(c, a, b, s), 0, "", 0, 0)
_STANCE_CAPTURES = PreparedQuery(lambda c, s, a, b: _shown_captures(c, a, b, s), 0, "", 0, 0)
_STANCE_FILES = PreparedQuery(lambda c, s, a, b: _shown_files(c, a, b, s), 0, "", 0, 0)
_CHANGES = PreparedQuery(
    lambda claim_id: (
        VerdictChange.objects.filter(claim_id=claim_id)
        .order_by("changed_at", "id")
        .values_list(*CHANGE_FIELDS)
    ),
    0,
)


def claim_names(claim_id: int) -> tuple[list[Entity], list[Entity], list[Tag]]:
    """The models a claim names (with their developers), its content and its tags.

    One UNION query of plain values instead of three prefetches, each sorted by
    name as their models order them.
    """
    named: dict[str, list[Any]] = {"model": [], "content": [], "tag": []}
    for role, pk, slug, name, kind, dev_pk, dev_slug, dev_name in _NAMES(claim_id):
        if role == "tag":
            named[role].append(Tag(id=pk, slug=slug, name=name))
            continue
        entity = Entity(id=pk, slug=slug, name=name, kind=kind)
        if dev_pk is not None:
            entity.developer = Entity(id=dev_pk, slug=dev_slug, name=dev_name)
        named[role].append(entity)
    for found in named.values():
        found.sort(key=lambda obj: (obj.name, obj.pk))
    return named["model"], named["content"], named["tag"]


def evidence_rows(claim_id: int) -> list[EvidenceRow]:
    """The claim's published items with their sources, oldest first, as plain rows (1 query)."""
    return [EvidenceRow.with_source(row) for row in _EVIDENCE(claim_id)]


def _shown_views(
    claim_id: int,
    rows: list[tuple[Any, ...]],
    capture_rows: list[tuple[Any, ...]],
    file_rows: Callable[[], list[tuple[Any, ...]]],
) -> tuple[list[EvidenceView], dict[str, int]]:
    """The shown items as `EvidenceView`, and each stance's total from their rows."""
    totals: dict[str, int] = {}
    items = []
    for row in rows:
        item = EvidenceRow.with_source(row[2:])
        totals[item.stance] = row[0]
        items.append(item)
    return evidence_views(claim_id, items, capture_rows, file_rows), totals


def evidence_views(
    claim_id: int,
    items: list[EvidenceRow],
    capture_rows: list[tuple[Any, ...]] | None = None,
    file_rows: Callable[[], list[tuple[Any, ...]]] | None = None,
) -> list[EvidenceView]:
    """Attach to each item the capture that shows its source as cited (2 queries, none
    when the rows of the captures and files of the items' sources are given).

    Only files of the kinds the page uses are loaded (``PAGE_ARTIFACT_KINDS``),
    and only the cited captures' are kept.
    """
    captures: dict[int, list[CaptureRow]] = defaultdict(list)
    latest: dict[int, CaptureRow] = {}
    for row in _CAPTURES(claim_id) if capture_rows is None else capture_rows:
        run = CaptureRow(*row)
        latest[run.source_id] = run  # oldest first: the last one wins
        if run.status in WITH_FILES:
            captures[run.source_id].append(run)
    cited = [_capture_as_cited(captures.get(item.source_id, []), item) for item in items]
    wanted = {capture.pk for capture in cited if capture is not None}
    artifacts: dict[int, list[ArtifactRow]] = defaultdict(list)
    files = (lambda: _FILES(claim_id)) if file_rows is None else file_rows
    for row in files() if wanted else ():
        artifact = ArtifactRow(*row)
        if artifact.capture_id in wanted:
            artifacts[artifact.capture_id].append(artifact)
    views = []
    for item, capture in zip(items, cited, strict=True):
        changed = item.source.last_changed_at
        views.append(
            EvidenceView(
                item=item,
                capture=capture,
                artifacts=artifacts.get(capture.pk, []) if capture else [],
                changed_after_citation=bool(changed and changed > item.created_at),
                attempt=latest.get(item.source_id) if capture is None else None,
            )
        )
    return views


def _capture_as_cited(runs: list[CaptureRow], item: EvidenceRow) -> CaptureRow | None:
    """The last capture made before the item was cited, else the first one after."""
    before = [c for c in runs if c.created_at <= item.created_at]
    if before:
        return before[-1]
    return runs[0] if runs else None


# --- Entities ----------------------------------------------------------------------------


@dataclass
class EntityPage:
    entity: Entity
    groups: list[tuple[str, str, list[Claim]]]
    total: int
    trained_models: list[Entity]
    developed: list[Entity]


def entity_page(slug: str) -> EntityPage:
    entity = Entity.objects.select_related("developer").filter(slug=slug).first()
    if entity is None:
        raise Http404("No entity has that address.")
    # The one naming rule (app.catalog.naming): a developer is named through its models.
    ids = public_naming(entity).values("pk")
    claims = list(
        published_claims().filter(pk__in=ids).order_by("-published_at", "-id")[:ENTITY_PAGE_CLAIMS]
    )
    total = named_counts([entity.pk]).get(entity.pk, 0)
    groups = [
        (value, str(label), [c for c in claims if c.verdict == value])
        for value, label in Verdict.choices
    ]
    trained: list[Entity] = []
    developed: list[Entity] = []
    if entity.kind in CONTENT_KINDS:
        trained = _models_said_trained_on(entity)
    if entity.kind == EntityKind.ORGANIZATION:
        developed = list(entity.models_developed.order_by("name"))
    return EntityPage(entity, [g for g in groups if g[2]], total, trained, developed)


def _models_said_trained_on(entity: Entity) -> list[Entity]:
    published = Q(claims_as_model__state=PublicationState.PUBLISHED) & Q(
        claims_as_model__content_named=entity
    )
    return list(
        Entity.objects.filter(kind=EntityKind.MODEL)
        .annotate(claim_count=Count("claims_as_model", filter=published, distinct=True))
        .filter(claim_count__gt=0)
        .select_related("developer")
        .order_by("-claim_count", "name")
    )


def entity_index() -> dict[str, list[Entity]]:
    counts, params = counts_sql()  # the one naming rule, as on each entity's page
    entities = Entity.objects.raw(
        "SELECT e.*, COALESCE(c.n, 0) AS claim_count FROM catalog_entity e"  # noqa: S608 (ORM-compiled)
        f" LEFT JOIN ({counts}) c ON c.named = e.id ORDER BY e.name",
        params,
    )
    grouped: dict[str, list[Entity]] = {value: [] for value in EntityKind.values}
    for entity in entities:
        grouped[entity.kind].append(entity)
    return grouped
