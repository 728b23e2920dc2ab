"""Search over claims, evidence and the archived text of sources.

PostgreSQL: stored weighted tsvectors (statement A, claim summary B, evidence C,
archived text D) kept by triggers and indexed with GIN (migration 0002). A
query is parsed with ``websearch_to_tsquery`` three times, in English, French
and 'simple', and the three are OR-ed, so it meets each row in the language that
row was tokenized in. Entity names are matched with pg_trgm as well, so a typo
("Minecarft") still finds the claims naming Minecraft.

Each of the four legs stops after ``CANDIDATE_CAP`` matches: a term found in
half of a million rows is answered from the first candidates, and its count is
an estimate (``SearchResult.estimated``). Ranking happens within candidates.

SQLite: a case-insensitive substring search over the same fields.
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from app.archive.models import WITH_FILES, Artifact, ArtifactKind
from app.archive.storage import open_artifact
from app.catalog.access import public_claims
from app.catalog.choices import PublicationState
from app.catalog.models import Claim, Entity
from app.catalog.naming import names_q, naming_sql
from app.public.models import SourceText

logger = logging.getLogger(__name__)

CANDIDATE_CAP = 1000
MAX_QUERY_LENGTH = 200
MAX_TEXT_CHARS = 500_000
MARK_START, MARK_STOP = "\ue000", "\ue001"
SNIPPET_CHARS = 220

TSQUERY = (
    "(websearch_to_tsquery('english', %(q)s) || websearch_to_tsquery('french', %(q)s)"
    " || websearch_to_tsquery('simple', %(q)s))"
)

# The query is parsed once (PREPARE_SQL) and passed back as a constant: a stable
# function call in a filter would be evaluated again for every row a scan reads.
PARSED = "%(tsq)s::tsquery"

CANDIDATES_SQL = """
(SELECT 'claim' AS kind, c.id AS claim_id, c.id AS ref, ts_rank(c.search_vector, {TSQUERY}) AS rank
   FROM catalog_claim c
  WHERE c.search_vector @@ {TSQUERY} AND c.state = 'published' LIMIT %(cap)s)
UNION ALL
(SELECT 'evidence', e.claim_id, e.id, ts_rank(e.search_vector, {TSQUERY})
   FROM catalog_evidence e JOIN catalog_claim c ON c.id = e.claim_id AND c.state = 'published'
  WHERE e.search_vector @@ {TSQUERY} AND e.state = 'published' LIMIT %(cap)s)
UNION ALL
(SELECT 'source', e.claim_id, t.source_id, t.rank
   FROM (SELECT source_id, ts_rank(search_vector, {TSQUERY}) AS rank FROM public_sourcetext
          WHERE search_vector @@ {TSQUERY} LIMIT %(cap)s) t
   JOIN catalog_evidence e ON e.source_id = t.source_id
   JOIN catalog_claim c ON c.id = e.claim_id AND c.state = 'published'
  WHERE e.state = 'published' LIMIT %(cap)s)
UNION ALL
(SELECT 'entity', m.claim_id, m.named, 0.05
   FROM ({NAMING}) m
   JOIN catalog_claim c ON c.id = m.claim_id AND c.state = 'published'
  WHERE m.named = ANY(%(entities)s) LIMIT %(cap)s)
"""


def candidates_sql() -> str:
    """The candidate legs; the entity leg names a developer through its models (the one
    naming rule, app.catalog.naming)."""
    naming = naming_sql(where="l.named = ANY(%(entities)s)")
    return CANDIDATES_SQL.replace("{TSQUERY}", PARSED).replace("{NAMING}", naming)


# Entities whose name is like one of the words (name % word, per word so each
# probe can use the trigram index) or contains a word like the query (q <% name).
# One OR over both was a scan of every entity: 5-9 ms at 1,750 entities.
ENTITY_SQL = """
SELECT id FROM (
  SELECT id, name FROM catalog_entity WHERE %(q)s <%% name
  UNION
  SELECT e.id, e.name FROM unnest(%(words)s::text[]) AS w(word)
    CROSS JOIN LATERAL (SELECT id, name FROM catalog_entity WHERE name %% w.word) e
) AS matched ORDER BY similarity(name, %(q)s) DESC, id LIMIT 8
"""
PREPARE_SQL = f"SELECT ({TSQUERY})::text, ARRAY({ENTITY_SQL})"

HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=35, MinWords=15, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
HEADLINE_SQL = """
SELECT 'claim', c.id, ts_headline(trainedon_ts_config(c.language),
       c.statement || ' ' || c.summary, {TSQUERY}, %(opts)s)
  FROM catalog_claim c WHERE c.id = ANY(%(claims)s)
UNION ALL
SELECT 'evidence', e.id, ts_headline(trainedon_ts_config(c.language),
       e.summary || ' ' || e.quote, {TSQUERY}, %(opts)s)
  FROM catalog_evidence e JOIN catalog_claim c ON c.id = e.claim_id WHERE e.id = ANY(%(evidence)s)
UNION ALL
SELECT 'source', t.source_id, ts_headline(trainedon_ts_config(s.language),
       left(t.text, 100000), {TSQUERY}, %(opts)s)
  FROM public_sourcetext t JOIN catalog_source s ON s.id = t.source_id
 WHERE t.source_id = ANY(%(sources)s)
""".replace("{TSQUERY}", PARSED)


class BadQuery(ValueError):
    """A search text that cannot be searched (too long)."""


@dataclass
class SearchResult:
    """Candidate claims with their best rank and where they matched."""

    query: str
    tsquery: str = ""
    ranks: dict[int, float] = field(default_factory=dict)
    matched: dict[int, tuple[str, int]] = field(default_factory=dict)
    entities: list[Entity] = field(default_factory=list)
    estimated: bool = False

    def order(self, claim_ids: list[int]) -> list[int]:
        return sorted(claim_ids, key=lambda pk: (-self.ranks.get(pk, 0.0), -pk))


def clean_query(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_LENGTH:
        raise BadQuery(f"The search text is longer than {MAX_QUERY_LENGTH} characters.")
    return text


def use_postgres() -> bool:
    return connection.vendor == "postgresql"


def search_claims(query: str) -> SearchResult:
    """The published claims matching ``query`` (already cleaned), with ranks.

    Every candidate is a published claim (each leg checks), so a search without
    other filters needs no second query to drop drafts.
    """
    result = SearchResult(query=query)
    if not query:
        return result
    if use_postgres():
        _search_postgres(result)
    else:
        _search_sqlite(result)
    return result


def _keep_best(result: SearchResult, kind: str, claim_id: int, ref: int, rank: float) -> None:
    if rank > result.ranks.get(claim_id, -1.0):
        result.ranks[claim_id] = rank
        result.matched[claim_id] = (kind, ref)


def _search_postgres(result: SearchResult) -> None:
    words = [w for w in re.findall(r"\w+", result.query) if len(w) >= 4][:8]
    params: dict[str, Any] = {"q": result.query, "words": words or [result.query]}
    with connection.cursor() as cursor:
        cursor.execute(PREPARE_SQL, params)
        result.tsquery, entity_ids = cursor.fetchone()
        params.update(cap=CANDIDATE_CAP, entities=entity_ids, tsq=result.tsquery)
        cursor.execute(candidates_sql(), params)
        rows = cursor.fetchall()
    per_leg: dict[str, int] = {}
    for kind, claim_id, ref, rank in rows:
        per_leg[kind] = per_leg.get(kind, 0) + 1
        _keep_best(result, kind, claim_id, ref, float(rank))
    result.estimated = any(count >= CANDIDATE_CAP for count in per_leg.values())
    result.entities = _entities_in_order(entity_ids)


def _entities_in_order(ids: list[int]) -> list[Entity]:
    by_id = Entity.objects.in_bulk(ids) if ids else {}
    return [by_id[pk] for pk in ids if pk in by_id]


def _search_sqlite(result: SearchResult) -> None:
    q = result.query
    published = public_claims()
    legs: list[tuple[str, float, Any]] = [
        ("claim", 1.0, published.filter(statement__icontains=q).values_list("id", "id")),
        ("claim", 0.4, published.filter(summary__icontains=q).values_list("id", "id")),
        (
            "evidence",
            0.2,
            published.filter(
                Q(evidence__summary__icontains=q) | Q(evidence__quote__icontains=q),
                evidence__state=PublicationState.PUBLISHED,
            ).values_list("id", "evidence__id"),
        ),
        (
            "source",
            0.1,
            published.filter(
                evidence__source__archived_text__text__icontains=q,
                evidence__state=PublicationState.PUBLISHED,
            ).values_list("id", "evidence__source_id"),
        ),
    ]
    for kind, rank, rows in legs:
        for claim_id, ref in rows[:CANDIDATE_CAP]:
            _keep_best(result, kind, claim_id, ref, rank)
    entities = list(Entity.objects.filter(name__icontains=q)[:8])
    naming = published.filter(names_q(entities))  # a developer is named through its models
    for claim_id in naming.values_list("id", flat=True).distinct()[:CANDIDATE_CAP]:
        _keep_best(result, "entity", claim_id, 0, 0.05)
    result.entities = entities


def snippets(result: SearchResult, claim_ids: list[int]) -> dict[int, SafeString]:
    """Highlighted excerpts (``<mark>``) of where each claim matched, HTML-safe."""
    wanted: dict[str, list[int]] = {"claim": [], "evidence": [], "source": []}
    for claim_id in claim_ids:
        kind, ref = result.matched.get(claim_id, ("", 0))
        if kind in wanted:
            wanted[kind].append(ref)
    if not any(wanted.values()):
        return {}
    texts = _headlines_postgres(result.tsquery, wanted) if use_postgres() else _texts(wanted)
    out: dict[int, SafeString] = {}
    for claim_id in claim_ids:
        key = result.matched.get(claim_id)
        if key in texts:
            text = texts[key]
            if not use_postgres():
                text = _mark_substring(text, result.query)
            out[claim_id] = _to_html(text)
    return out


def _headlines_postgres(tsquery: str, wanted: dict[str, list[int]]) -> dict[tuple[str, int], str]:
    params: dict[str, Any] = {
        "tsq": tsquery,
        "opts": HEADLINE_OPTIONS,
        "claims": wanted["claim"],
        "evidence": wanted["evidence"],
        "sources": wanted["source"],
    }
    with connection.cursor() as cursor:
        cursor.execute(HEADLINE_SQL, params)
        return {(kind, ref): text for kind, ref, text in cursor.fetchall()}


def _texts(wanted: dict[str, list[int]]) -> dict[tuple[str, int], str]:
    from app.catalog.models import Evidence

    texts: dict[tuple[str, int], str] = {}
    for pk, statement, summary in Claim.objects.filter(pk__in=wanted["claim"]).values_list(
        "pk", "statement", "summary"
    ):
        texts[("claim", pk)] = f"{statement} {summary}"
    for pk, summary, quote in Evidence.objects.filter(pk__in=wanted["evidence"]).values_list(
        "pk", "summary", "quote"
    ):
        texts[("evidence", pk)] = f"{summary} {quote}"
    for pk, text in SourceText.objects.filter(pk__in=wanted["source"]).values_list("pk", "text"):
        texts[("source", pk)] = text
    return texts


def _mark_substring(text: str, query: str) -> str:
    at = text.lower().find(query.lower())
    if at < 0:
        return text[:SNIPPET_CHARS]
    start = max(0, at - SNIPPET_CHARS // 2)
    end = at + len(query)
    excerpt = (
        text[start:at]
        + MARK_START
        + text[at:end]
        + MARK_STOP
        + text[end : end + SNIPPET_CHARS // 2]
    )
    return ("…" if start else "") + excerpt + ("…" if end + SNIPPET_CHARS // 2 < len(text) else "")


def _to_html(text: str) -> SafeString:
    escaped = html.escape(" ".join(text.split()), quote=False)
    return mark_safe(  # noqa: S308 (escaped above; only our own markers become tags)
        escaped.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    )


def estimate_matches(result: SearchResult) -> int | None:
    """The planner's estimate of how many claims match through any leg (PostgreSQL)."""
    if not use_postgres() or not result.tsquery:
        return None
    total = 0
    statements = [
        "SELECT 1 FROM catalog_claim WHERE search_vector @@ {TSQUERY}",
        "SELECT claim_id FROM catalog_evidence WHERE search_vector @@ {TSQUERY} GROUP BY claim_id",
    ]
    with connection.cursor() as cursor:
        for sql in statements:
            explain = "EXPLAIN (FORMAT JSON) " + sql.replace("{TSQUERY}", PARSED)
            cursor.execute(explain, {"tsq": result.tsquery})
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            total = max(total, int(plan[0]["Plan"]["Plan Rows"]))
    return total


# --- Keeping the archived text of sources searchable ---------------------------------


def latest_text_artifact(source_id: int) -> Artifact | None:
    return (
        Artifact.objects.filter(
            capture__source_id=source_id,
            capture__status__in=WITH_FILES,
            kind=ArtifactKind.TEXT,
        )
        .order_by("-capture__created_at", "-capture_id", "name")
        .first()
    )


def index_source(source_id: int) -> bool:
    """Copy the extracted text of a source's latest successful capture into the search index.

    The capture pipeline calls this after a capture finishes (it is also called
    from a ``post_save`` of ``Capture`` in ``app.public.signals``). Idempotent;
    returns False when there is no text artifact to index. Never raises for a
    missing stored file: it logs and keeps the previous text.
    """
    artifact = latest_text_artifact(source_id)
    if artifact is None:
        return False
    try:
        with open_artifact(artifact) as handle:
            data = handle.read(MAX_TEXT_CHARS * 4)
    except OSError:
        logger.warning("Text artifact %s of source %s is missing.", artifact.pk, source_id)
        return False
    text = data.decode("utf-8", errors="replace")[:MAX_TEXT_CHARS].replace("\x00", "")
    with transaction.atomic():
        SourceText.objects.update_or_create(
            source_id=source_id,
            defaults={
                "text": text,
                "capture_id": artifact.capture_id,
                "indexed_at": timezone.now(),
            },
        )
    return True


def rebuild(*, batch_size: int = 1000) -> dict[str, int]:
    """Re-tokenize every stored vector (PostgreSQL) and re-read archived texts. Batched."""
    from app.catalog.models import Source

    counts = {"sources": 0, "claims": 0, "evidence": 0}
    source_ids = Source.objects.order_by("pk").values_list("pk", flat=True)
    for source_id in source_ids.iterator(chunk_size=batch_size):
        counts["sources"] += index_source(source_id)
    if use_postgres():
        for table, column, key in (
            ("catalog_claim", "statement", "claims"),
            ("catalog_evidence", "search_vector", "evidence"),
        ):
            counts[key] = _batched_touch(table, column, batch_size)
    return counts


def _batched_touch(table: str, column: str, batch_size: int) -> int:
    """Fire the search trigger on every row, one committed batch at a time."""
    done, last = 0, 0
    value = "NULL" if column == "search_vector" else column
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {column} = {value} WHERE id IN "  # noqa: S608 (fixed names)
                f"(SELECT id FROM {table} WHERE id > %s ORDER BY id LIMIT %s) RETURNING id",
                [last, batch_size],
            )
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return done
        done += len(ids)
        last = max(ids)
