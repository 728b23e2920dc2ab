"""Which claims name an entity: the one rule behind every count and list of them.

A claim names an entity in one of three roles:

- ``model``: the entity is one of the AI models the claim is about;
- ``developer``: the entity develops one of those models (a developer is named
  through its models: a claim about Sora names OpenAI);
- ``content``: the entity is the training content the claim alleges.

The entity page ("N claims name it"), the entity index, the home page's entry points,
the claim list's filters and facets and the entity feed all read this module, so
their numbers agree (issue 15, problem 4: OpenAI's page said 0 while the home page
and the filters said 2).

Each role is one leg: a query of ``(entity, claim)`` pairs. ``names_q`` filters claims
by it, ``named_counts`` counts the distinct claims per entity over the union of the
legs (a claim naming an entity in two roles counts once), and ``naming_sql`` gives
the same union as SQL with a ``role`` column for the claim list's facet query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet

from app.catalog.access import public_claims
from app.catalog.models import Claim, Entity

MODEL = "model"
DEVELOPER = "developer"
CONTENT = "content"
ROLES = (MODEL, DEVELOPER, CONTENT)


def _legs(roles: Iterable[str] = ROLES) -> list[tuple[str, QuerySet[Any], str]]:
    """Per role: the through-table query and the field that holds the named entity."""
    models = Claim.models_named.through.objects
    content = Claim.content_named.through.objects
    legs = {
        MODEL: (models.all(), "entity_id"),
        DEVELOPER: (models.filter(entity__developer__isnull=False), "entity__developer_id"),
        CONTENT: (content.all(), "entity_id"),
    }
    return [(role, *legs[role]) for role in roles]


def names_q(entities: Entity | int | Iterable[Entity | int], roles: Iterable[str] = ROLES) -> Q:
    """Claims that name any of ``entities`` in any of ``roles`` (a filter on Claim)."""
    items = [entities] if isinstance(entities, Entity | int) else list(entities)
    ids = [e.pk if isinstance(e, Entity) else e for e in items]
    found = Q(pk__in=[])
    for _role, leg, field in _legs(roles):
        found |= Q(pk__in=leg.filter(**{f"{field}__in": ids}).values("claim_id"))
    return found


def names_slugs_q(slugs: Iterable[str], roles: Iterable[str]) -> Q:
    """Claims that name an entity with one of ``slugs`` in one of ``roles``."""
    found = Q(pk__in=[])
    for _role, leg, field in _legs(roles):
        slug = field.removesuffix("_id") + "__slug__in"
        found |= Q(pk__in=leg.filter(**{slug: list(slugs)}).values("claim_id"))
    return found


def public_naming(entity: Entity | int) -> QuerySet[Claim]:
    """The published claims that name ``entity``, in any role."""
    return public_claims().filter(names_q(entity))


def _pairs_sql(roles: Iterable[str], with_role: bool, where: str = "") -> str:
    """The legs' union as SQL: columns ``named`` (the entity) and ``claim_id``, then
    ``role`` when asked. The legs take no parameters, so the SQL holds none: it fits a
    query with positional or with named parameters alike. ``where`` (SQL over ``l.named``
    and ``l.claim_id``) is applied inside each leg, where PostgreSQL can use its indexes."""
    parts: list[str] = []
    condition = f" WHERE {where}" if where else ""
    for role, leg, field in _legs(roles):
        sql, params = (
            leg.annotate(named=F(field)).values_list("named", "claim_id").query.sql_with_params()
        )
        assert not params, "a naming leg takes no parameters"
        assert role.isidentifier()  # a constant of this module, written into the SQL
        label = f", '{role}' AS role" if with_role else ""
        parts.append(f"SELECT l.*{label} FROM ({sql}) l{condition}")  # noqa: S608 (constants)
    return " UNION ALL ".join(parts)


def naming_sql(where: str = "") -> str:
    """The rule as SQL: rows of (named, claim_id, role) over every claim, whatever its
    state, for a query that joins it to its own set of claims (the claim list's facets,
    search's entity leg). ``where`` narrows each leg (SQL over ``l.named``, ``l.claim_id``)."""
    return _pairs_sql(ROLES, with_role=True, where=where)


def counts_sql(roles: Iterable[str] = ROLES) -> tuple[str, tuple[Any, ...]]:
    """SQL of rows (named, n): how many published claims name each entity named at
    least once, for a query that joins it to the entities it lists."""
    pairs = _pairs_sql(roles, with_role=False)
    # No ORDER BY in the subquery (Claim's default ordering): sorting 20,000 claims
    # by date only to test membership made the home page's entry points 1.5x slower.
    claims, params = public_claims().order_by().values("pk").query.sql_with_params()
    select = "SELECT p.named, COUNT(DISTINCT p.claim_id) AS n FROM ({}) p"
    return select.format(pairs) + f" WHERE p.claim_id IN ({claims}) GROUP BY p.named", params


def named_counts(
    entity_ids: Iterable[int] | None = None, roles: Iterable[str] = ROLES
) -> dict[int, int]:
    """How many published claims name each entity (every entity named at least once,
    or only ``entity_ids``): distinct claims over the roles, in one query."""
    sql, params = counts_sql(roles)
    if entity_ids is not None:
        ids = list(entity_ids)
        if not ids:
            return {}
        where = " AND p.named IN (" + ", ".join(["%s"] * len(ids)) + ")"
        sql = sql.replace(" GROUP BY p.named", where + " GROUP BY p.named")
        params = (*params, *ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {entity_id: n for entity_id, n in cursor.fetchall()}
