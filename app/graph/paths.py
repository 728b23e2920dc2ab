"""Derived paths through the graph, computed in the database with a recursive CTE.

From a set of start entities (a work, a creator, or datasets that hold a work)
the walk follows published relations in the direction data flows (membership,
then derivations, then use, then model derivations) up to ``MAX_DEPTH`` links,
never visiting an entity twice on one path. Each path keeps its weakest link:
the lowest verdict rank, the lowest strength rank and whether any use link is
only alleged, so "alleged via a leaked spreadsheet" never reads like "declared
by the developer". The SQL is plain SQL-92 plus ``WITH RECURSIVE`` and runs on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from app.catalog.choices import EntityKind, Strength, Verdict
from app.graph.visibility import public_claims_sql

MAX_DEPTH = 5
MAX_PATHS = 500

# Weakest first. A refuted or retracted link breaks the chain's credibility most.
VERDICT_RANK: dict[str, int] = {
    Verdict.RETRACTED: 0,
    Verdict.REFUTED: 1,
    Verdict.DISPUTED: 2,
    Verdict.UNVERIFIED: 3,
    Verdict.SUPPORTED: 4,
    Verdict.CONFIRMED: 5,
}
STRENGTH_RANK: dict[str, int] = {
    Strength.NONE: 0,
    Strength.WEAK: 1,
    Strength.MODERATE: 2,
    Strength.STRONG: 3,
}
VERDICT_BY_RANK = {rank: value for value, rank in VERDICT_RANK.items()}
STRENGTH_BY_RANK = {rank: value for value, rank in STRENGTH_RANK.items()}
TOP = 99  # the rank of "no link yet" (a path of length 0)


_VISIBLE: dict[str, tuple[str, tuple[Any, ...]]] = {}


def _visible_sql() -> tuple[str, tuple[Any, ...]]:
    """The public claims' SQL (`public_claims_sql`, the catalog's rule), compiled once per
    database vendor: compiling it was a visible share of a lookup's CPU."""
    found = _VISIBLE.get(connection.vendor)
    if found is None:
        found = _VISIBLE[connection.vendor] = public_claims_sql()
    return found


def _case(column: str, ranks: dict[str, int]) -> str:
    whens = " ".join(f"WHEN '{value}' THEN {rank}" for value, rank in ranks.items())
    return f"CASE {column} {whens} ELSE 0 END"


@dataclass(frozen=True)
class Path:
    """One walk from a start entity to an end entity, weakest link first."""

    start_id: int
    end_id: int
    relation_ids: tuple[int, ...]
    weakest_verdict: str
    weakest_strength: str
    alleged: bool
    entity_ids: tuple[int, ...] = field(default=())

    @property
    def length(self) -> int:
        return len(self.relation_ids)


def paths_from(
    start_ids: Iterable[int],
    *,
    end_kind: str = EntityKind.MODEL,
    max_depth: int = MAX_DEPTH,
) -> list[Path]:
    """Every published path from ``start_ids`` to an entity of ``end_kind``.

    Sorted strongest first (verdict, then strength, then shorter), at most
    ``MAX_PATHS``. One query.
    """
    starts = sorted({int(i) for i in start_ids})
    if not starts:
        return []
    visible_sql, visible_params = _visible_sql()
    marks = ", ".join(["%s"] * len(starts))
    # Only fixed names, ranks and placeholders are formatted in; values are parameters.
    sql = f"""
    WITH RECURSIVE edge AS (
      SELECT r.id AS rid, r.upstream_id AS a, r.downstream_id AS b,
             {_case("c.verdict", VERDICT_RANK)} AS v,
             {_case("c.evidence_strength", STRENGTH_RANK)} AS s,
             CASE WHEN r.attribution = 'alleged' THEN 1 ELSE 0 END AS al
      FROM graph_relation r JOIN catalog_claim c ON c.id = r.claim_id
      WHERE r.claim_id IN ({visible_sql})
    ),
    walk(start_id, node, depth, nodes, rels, v, s, al) AS (
      SELECT e.id, e.id, 0, CAST(',' || CAST(e.id AS TEXT) || ',' AS TEXT),
             CAST(',' AS TEXT), {TOP}, {TOP}, 0
      FROM catalog_entity e WHERE e.id IN ({marks})
      UNION ALL
      SELECT w.start_id, edge.b, w.depth + 1,
             CAST(w.nodes || CAST(edge.b AS TEXT) || ',' AS TEXT),
             CAST(w.rels || CAST(edge.rid AS TEXT) || ',' AS TEXT),
             CASE WHEN edge.v < w.v THEN edge.v ELSE w.v END,
             CASE WHEN edge.s < w.s THEN edge.s ELSE w.s END,
             CASE WHEN edge.al > w.al THEN edge.al ELSE w.al END
      FROM walk w JOIN edge ON edge.a = w.node
      WHERE w.depth < %s AND w.nodes NOT LIKE '%%,' || CAST(edge.b AS TEXT) || ',%%'
    )
    SELECT w.start_id, w.node, w.nodes, w.rels, w.v, w.s, w.al
    FROM walk w JOIN catalog_entity n ON n.id = w.node
    WHERE w.depth > 0 AND n.kind = %s
    ORDER BY w.v DESC, w.s DESC, w.al ASC, w.depth ASC, w.rels
    LIMIT {MAX_PATHS}
    """  # noqa: S608
    params = [*visible_params, *starts, max_depth, end_kind]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        Path(
            start_id=start,
            end_id=end,
            entity_ids=tuple(int(x) for x in nodes.strip(",").split(",")),
            relation_ids=tuple(int(x) for x in rels.strip(",").split(",") if x),
            weakest_verdict=VERDICT_BY_RANK.get(v, Verdict.UNVERIFIED),
            weakest_strength=STRENGTH_BY_RANK.get(s, Strength.NONE),
            alleged=bool(al),
        )
        for start, end, nodes, rels, v, s, al in rows
    ]
