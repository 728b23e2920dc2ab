"""Template tags other apps' pages use to show comparison work (the workspace dashboard)."""

from __future__ import annotations

from typing import Any

from django import template

from app.compare.queries import awaiting_review, may_review

register = template.Library()


@register.simple_tag
def comparisons_awaiting_review(user: Any) -> int | None:
    """How many comparisons wait for ``user``'s review (one query), or None for who may
    not review (``queries.may_review``: no query, and no link to show)."""
    return awaiting_review(user).count() if may_review(user) else None
