"""The disclosure gap on the catalog's claim and model pages (one query each)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from app.catalog.access import ANONYMOUS
from app.catalog.choices import EntityKind
from app.disclosures import queries

register = template.Library()


def _user(context: Any) -> Any:
    request = context.get("request")
    return getattr(request, "user", ANONYMOUS) if request is not None else ANONYMOUS


@register.simple_tag
def claim_disclosure_gap(claim: Any) -> str:
    """The reader's claim page shows what every reader sees, whoever is signed in;
    nothing at all (one precompiled query, no template) when there is nothing to show."""
    fragment = queries.claim_fragment(ANONYMOUS, claim)
    if fragment.empty:
        return ""
    return render_to_string("disclosures/_claim_gap.html", {
        "fragment": fragment,
        "link_name": "public:entity",
        "first_column": _("Model"),
        "caption": _("How each model's disclosure compares with this claim"),
    })  # fmt: skip


@register.inclusion_tag("disclosures/_claim_gap.html", takes_context=True)
def entity_disclosures(context: Any, entity: Any) -> dict[str, Any]:
    if entity.kind != EntityKind.MODEL:
        return {"fragment": queries.Fragment()}
    return {
        "fragment": queries.model_fragment(_user(context), entity),
        "link_name": "public:claim",
        "first_column": _("Claim"),
        "caption": _("How the disclosure compares with each claim"),
    }
