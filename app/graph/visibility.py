"""The one bridge from the graph to the trust core's visibility rule.

A relation is public exactly when its claim is. The rule lives in
`app.catalog.access` (``public_claims``, ``public_evidence``); this module only
turns it into SQL for the recursive walk, so no copy of the rule exists here.
The lookup, its API and the exports always show the public answer, even to a
signed-in editor: drafts and pending relations never appear there.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from app.catalog import access
from app.catalog.models import Claim, Evidence


def public_claims() -> QuerySet[Claim]:
    return access.public_claims()


def public_evidence() -> QuerySet[Evidence]:
    return access.public_evidence()


def public_claims_sql() -> tuple[str, tuple[Any, ...]]:
    """``SELECT id FROM ...`` of the public claims, with its parameters."""
    query = public_claims().order_by().values("id").query
    sql, params = query.sql_with_params()
    return sql, tuple(params)
