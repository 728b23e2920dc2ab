"""Template tags: a link's line, the chain diagram of a claim, the lookup answer of an entity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.db.models import Exists, QuerySet
from django.template.loader import render_to_string

from app.catalog.choices import Strength, Verdict
from app.catalog.models import Claim, Entity
from app.graph.lookup import Link, entity_answer
from app.graph.models import Relation
from app.graph.visibility import public_evidence
from app.lib.prepared import PreparedQuery

register = template.Library()

NODE_W, NODE_H, GAP, PAD = 180, 44, 170, 10


@register.filter
def verdict_label(value: str) -> str:
    return str(Verdict(value).label) if value in Verdict.values else value


@register.filter
def strength_label(value: str) -> str:
    return str(Strength(value).label) if value in Strength.values else value


@register.inclusion_tag("graph/_link.html")
def link_line(link: Link) -> dict[str, Any]:
    return {"link": link}


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Node:
    entity: Entity
    x: int
    label: str


@dataclass
class Edge:
    relation: Relation
    x1: int
    x2: int
    mid: int


@dataclass
class Row:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    index: int


def _rows(relations: list[Relation]) -> list[list[Relation]]:
    """Consecutive links that continue each other (a -> b, b -> c) share a row."""
    rows: list[list[Relation]] = []
    for relation in relations:
        if rows and rows[-1][-1].downstream_id == relation.upstream_id:
            rows[-1].append(relation)
        else:
            rows.append([relation])
    return rows


def _layout(chain: list[Relation], index: int) -> Row:
    entities = [chain[0].upstream, *(r.downstream for r in chain)]
    nodes = [Node(e, PAD + i * (NODE_W + GAP), _short(e.name)) for i, e in enumerate(entities)]
    edges = [
        Edge(r, nodes[i].x + NODE_W, nodes[i + 1].x, nodes[i].x + NODE_W + GAP // 2)
        for i, r in enumerate(chain)
    ]
    return Row(nodes, edges, nodes[-1].x + NODE_W + PAD, index)


def _relations_of(claim: Any) -> QuerySet[Relation]:
    return Relation.objects.filter(claim_id=claim)


_HAS_RELATIONS = PreparedQuery(lambda claim_id: _relations_of(claim_id).values_list("id")[:1], 0)


def has_chain(claim: Any) -> Exists:
    """Whether ``claim_chain`` shows anything, as an expression (``claim`` an ``OuterRef``):
    a claim page's own query asks it instead of the tag's query (app.public.queries)."""
    return Exists(_relations_of(claim))


@register.simple_tag
def claim_chain(claim: Claim) -> str:
    """The claim's relations as a small SVG (work -> dataset -> model) and an HTML list;
    nothing at all (one precompiled query, no template) for a claim without relations."""
    if not _HAS_RELATIONS(claim.pk):
        return ""
    relations = list(
        claim.relations.select_related("upstream", "downstream", "dataset_version").order_by(
            "position", "id"
        )
    )
    count = public_evidence().filter(claim=claim).count() if relations else 0
    rows = [_layout(chain, i) for i, chain in enumerate(_rows(relations))]
    return render_to_string("graph/_chain.html", {
        "claim": claim, "rows": rows, "relations": relations, "evidence_count": count,
        "node_w": NODE_W, "node_h": NODE_H})  # fmt: skip


@register.inclusion_tag("graph/_entity_lookup.html")
def entity_lookup(entity: Entity) -> dict[str, Any]:
    """The "Is my work in it?" answer of a work or creator page."""
    if entity.kind not in ("work", "creator"):
        return {"answer": None, "entity": entity}
    return {"answer": entity_answer(entity), "entity": entity}
