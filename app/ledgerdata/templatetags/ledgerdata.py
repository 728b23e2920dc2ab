"""``{% dumps_section %}``: the data page's list of the newest dump's files, sizes and hashes."""

from __future__ import annotations

from typing import Any

from django import template

from app.ledgerdata.dumps import latest_manifest

register = template.Library()


@register.inclusion_tag("ledgerdata/_dumps.html")
def dumps_section() -> dict[str, Any]:
    return {"manifest": latest_manifest()}
